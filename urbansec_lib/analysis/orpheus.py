"""Prevention-pyramid mapping of local security policy.

Maps a city's policy inventory onto a prevention pyramid, following the Urban Agenda
Partnership on Security in Public Spaces (Action 5, "Prevention Pyramid Manual", led by
Mechelen; the brief calls it "ORPHEUS"), and shows where the policy mix is thin.

Workflow
--------
1. :func:`inventory_template` writes an empty CSV or XLSX inventory to fill in.
2. :func:`read_inventory` reads and validates it (all problems located, then raised).
3. :func:`classify` assigns every initiative a pyramid layer by a transparent rule table
   (:func:`rules`); a reviewer's layer always wins and is recorded as such.
4. :func:`coverage` and :func:`gaps` summarise the result per unit;
   :func:`plot_pyramid` and :func:`plot_pyramids` draw it.

The pyramids are package data (``urbansec_lib/pyramids/*.yaml``): the Partnership's
4-level version (``partnership_4``, default) and Deklerck's 5-level variant
(``deklerck_5``, levels 0-4), with a crosswalk between them. A user can pass the path of
their own YAML file wherever a pyramid name is accepted.

Confidence
----------
Every rule carries a categorical confidence:

- ``high``: the three coded answers (target group, security aim, timing) point to one
  layer without ambiguity (DOMAIN.md 1d);
- ``medium``: the layer fits, but the policy plausibly also works at the secondary layer;
- ``low``: the answers are in tension; a reviewer should look at the initiative.

A domain hint (e.g. domain ``policing`` suggests specific prevention) that points to a
higher (more problem-oriented) layer than the rule, when the rule gives no secondary
layer, becomes the secondary layer and lowers the confidence one step. A reviewer's layer
gets confidence ``high``; the rule's suggestion stays in ``rule_layer`` and
``rule_confidence``.

Example
-------
>>> import pandas as pd
>>> inv = pd.DataFrame({
...     "unit_id": ["BE212"], "initiative_id": ["a1"], "name": ["Hot-spot patrols"],
...     "target_group": ["specific_problem"], "security_aim": ["yes"],
...     "timing": ["before"], "domain": ["policing"]})
>>> out = classify(inv)
>>> out.loc[0, ["layer", "confidence", "layer_source"]].tolist()
['specific_prevention', 'high', 'rule']
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from ..core.schema import Check, Column, TableSchema, Unique

__all__ = [
    "gap_summary",
    "COLUMNS",
    "DOMAINS",
    "SECURITY_AIMS",
    "TARGET_GROUPS",
    "TIMINGS",
    "Layer",
    "Pyramid",
    "builtin_pyramids",
    "classify",
    "coverage",
    "domain_hints",
    "gaps",
    "inventory_template",
    "load_pyramid",
    "plot_pyramid",
    "plot_pyramids",
    "read_inventories",
    "read_inventory",
    "rules",
]

PYRAMID_DIR = Path(__file__).resolve().parents[1] / "pyramids"
RULES_MODEL = "partnership_4"  # the pyramid whose rule table serves pyramids without one

# --------------------------------------------------------------------------- vocabulary

TARGET_GROUPS: dict[str, str] = {
    "everyone": "everyone",
    "broad_population": "a broad population or risk-factor domain",
    "specific_problem": "a named problem, place, offence or risk group",
    "after_incident": "offenders or victims after an incident",
}
SECURITY_AIMS: dict[str, str] = {
    "yes": "with an explicit security or preventive aim",
    "no": "without a security aim",
}
TIMINGS: dict[str, str] = {
    "before": "before incidents",
    "after": "after incidents",
}
DOMAINS: dict[str, str] = {
    "housing": "housing",
    "youth": "youth",
    "public_space": "public space",
    "policing": "policing",
    "social_work": "social work",
    "education": "education",
    "health": "health",
    "employment": "employment",
    "urban_planning": "urban planning",
    "victim_support": "victim support",
    "justice": "justice",
    "social_cohesion": "social cohesion",
    "culture_sport": "culture and sport",
    "mobility": "mobility and traffic",
    "environment": "environment",
    "drugs_alcohol": "drugs and alcohol",
    "nightlife": "nightlife",
    "online": "online safety",
    "radicalisation": "radicalisation",
    "other": "other",
}
_AIM_SYNONYMS = {"y": "yes", "true": "yes", "1": "yes", "n": "no", "false": "no", "0": "no"}

#: Inventory columns: name -> (required, description).
COLUMNS: dict[str, tuple[bool, str]] = {
    "initiative_id": (True, "Unique id of the initiative within the unit (e.g. MEC-01)."),
    "name": (True, "Short name of the initiative."),
    "description": (False, "What it does, for whom, where."),
    "lead_organisation": (False, "Organisation in charge."),
    "partners": (False, "Partner organisations, separated by '|'."),
    "target_group": (
        True,
        "everyone | broad_population (broad population or risk-factor domain) | "
        "specific_problem (named problem, place, offence or risk group) | "
        "after_incident (offenders, victims after an incident).",
    ),
    "security_aim": (True, "yes | no: does it state an explicit security or preventive aim?"),
    "timing": (True, "before | after incidents."),
    "domain": (True, "Policy domain: " + ", ".join(DOMAINS) + "."),
    "start": (False, "Start date, YYYY-MM-DD (YYYY-MM, YYYY, DD/MM/YYYY also read)."),
    "end": (False, "End date (blank if ongoing); not before start."),
    "budget_eur": (False, "Annual budget in euro, >= 0."),
    "reach": (False, "Number of people reached per year, whole number >= 0."),
    "reviewer_layer": (False, "Optional: layer id chosen by a reviewer; overrides the rules."),
}
_REQUIRED = [c for c, (req, _) in COLUMNS.items() if req]
_CODED = {"target_group": TARGET_GROUPS, "security_aim": SECURITY_AIMS, "timing": TIMINGS}
_CONFIDENCE = ["high", "medium", "low"]
_MEASURES = {"count": "n_initiatives", "budget": "budget_eur", "reach": "reach"}
_MEASURE_LABEL = {
    "count": "number of initiatives",
    "budget": "budget (EUR)",
    "reach": "reach (people)",
}


# ----------------------------------------------------------------------------- pyramid


@dataclass(frozen=True)
class Layer:
    """One layer of a prevention pyramid.

    Parameters
    ----------
    id, name, definition : str
        Machine id (snake_case), display name and plain-language definition.
    level : int
        Number shown to users (1-4 for ``partnership_4``, 0-4 for ``deklerck_5``).
    examples : tuple of str
        Example measures.
    """

    id: str
    level: int
    name: str
    definition: str
    examples: tuple[str, ...] = ()


@dataclass(eq=False)
class Pyramid:
    """A prevention pyramid: layers bottom to top, optional rules and crosswalks.

    Build with :func:`load_pyramid`.

    Attributes
    ----------
    name, title, description : str
    layers : tuple of Layer
        Bottom (most general) to top (most specific).
    source : tuple of str
    crosswalks : dict
        ``{other_pyramid_name: [{"from", "to", "relation", "note"}, ...]}``.
    rules_table : DataFrame or None
        Classification rules, when the pyramid defines its own.
    domain_hints_table : DataFrame or None
    path : Path or None

    Examples
    --------
    >>> p = load_pyramid("partnership_4")
    >>> p.layer_ids
    ['quality_of_life', 'general_prevention', 'specific_prevention', 'reaction']
    """

    name: str
    title: str
    layers: tuple[Layer, ...]
    description: str = ""
    source: tuple[str, ...] = ()
    crosswalks: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    rules_table: pd.DataFrame | None = None
    domain_hints_table: pd.DataFrame | None = None
    path: Path | None = None

    @property
    def layer_ids(self) -> list[str]:
        """Layer ids, bottom to top."""
        return [la.id for la in self.layers]

    def layer(self, layer_id: str) -> Layer:
        """The layer with this id (``KeyError`` if unknown)."""
        for la in self.layers:
            if la.id == layer_id:
                return la
        raise KeyError(f"{self.name} has no layer {layer_id!r}; layers: {self.layer_ids}")

    def names(self) -> dict[str, str]:
        """Mapping layer id -> display name."""
        return {la.id: la.name for la in self.layers}

    def table(self) -> pd.DataFrame:
        """Layers as a tidy frame, bottom to top (level, id, name, definition, examples)."""
        return pd.DataFrame(
            {
                "level": [la.level for la in self.layers],
                "id": self.layer_ids,
                "name": [la.name for la in self.layers],
                "definition": [la.definition for la in self.layers],
                "examples": ["; ".join(la.examples) for la in self.layers],
            }
        )

    def summary(self) -> str:
        """Plain-text description, top layer first (as the pyramid is drawn)."""
        lines = [f"{self.title} [{self.name}]"]
        for la in reversed(self.layers):
            lines.append(f"  {la.level}. {la.name} ({la.id}): {la.definition}")
        return "\n".join(lines)

    def crosswalk_to(self, other: str | Path | Pyramid) -> pd.DataFrame:
        """Crosswalk from this pyramid's layers to another pyramid's layers.

        Looks for a crosswalk defined in this pyramid's file, else in the other's (read
        backwards); two pyramids with the same layer ids map one to one.

        Parameters
        ----------
        other : str, Path or Pyramid
            Built-in name, YAML path or loaded pyramid.

        Returns
        -------
        DataFrame
            from_model, from_layer, to_model, to_layer, relation (``equivalent`` or
            ``nearest``), primary (one row per ``from_layer`` is the primary target: an
            equivalent one if any, else the first listed), note. Rows follow this
            pyramid's layer order.

        Examples
        --------
        >>> cw = load_pyramid("deklerck_5").crosswalk_to("partnership_4")
        >>> cw.loc[cw.from_layer == "societal_context", "to_layer"].item()
        'quality_of_life'
        """
        other = load_pyramid(other)
        if other.name in self.crosswalks:
            rows = [dict(r) for r in self.crosswalks[other.name]]
            where = f"crosswalk.{other.name}"
            file = self.path
        elif self.name in other.crosswalks:
            rows = [{**r, "from": r["to"], "to": r["from"]} for r in other.crosswalks[self.name]]
            where = f"crosswalk.{self.name}"
            file = other.path
        elif self.layer_ids == other.layer_ids or other.name == self.name:
            rows = [
                {"from": i, "to": i, "relation": "equivalent", "note": "same layer id"}
                for i in self.layer_ids
            ]
            where, file = "layers", self.path
        else:
            raise ValueError(
                f"no crosswalk between {self.name!r} and {other.name!r}: add a "
                f"'crosswalk: {{{other.name}: [...]}}' section to one of the YAML files"
            )
        cw = pd.DataFrame(rows, columns=["from", "to", "relation", "note"])
        bad_from = ~cw["from"].isin(self.layer_ids)
        bad_to = ~cw["to"].isin(other.layer_ids)
        problems = [
            Problem(str(file), None, f"{where}[{i}].{col}", val, f"a layer id of {pyr.name}")
            for col, bad, pyr in (("from", bad_from, self), ("to", bad_to, other))
            for i, val in cw.loc[bad, col].items()
        ]
        if problems:
            raise ValidationError(problems, what=f"crosswalk {self.name} -> {other.name}")
        order = {lid: k for k, lid in enumerate(self.layer_ids)}
        cw = cw.assign(
            _o=cw["from"].map(order),
            _r=(cw["relation"] != "equivalent").astype(int),
            _i=np.arange(len(cw)),
        )
        cw = cw.sort_values(["_o", "_r", "_i"], kind="stable")
        cw["primary"] = ~cw["from"].duplicated()
        cw = cw.sort_values(["_o", "_i"], kind="stable")
        return pd.DataFrame(
            {
                "from_model": self.name,
                "from_layer": cw["from"].to_numpy(),
                "to_model": other.name,
                "to_layer": cw["to"].to_numpy(),
                "relation": cw["relation"].to_numpy(),
                "primary": cw["primary"].to_numpy(),
                "note": cw["note"].to_numpy(),
            }
        )

    def translate(self, layers: Iterable[Any], other: str | Path | Pyramid) -> pd.Series:
        """Map layer ids of this pyramid to the primary crosswalk target in ``other``.

        Examples
        --------
        >>> load_pyramid().translate(["quality_of_life", "reaction"], "deklerck_5").tolist()
        ['fundamental_prevention', 'curative_reaction']
        """
        cw = self.crosswalk_to(other)
        mapping = dict(zip(cw.loc[cw.primary, "from_layer"], cw.loc[cw.primary, "to_layer"]))
        s = pd.Series(list(layers), dtype=object)
        return s.map(mapping).where(s.notna(), None)


def _yaml_problem(file: str, path: str, value: Any, expected: str) -> Problem:
    return Problem(file, None, path, value, expected)


def _rule_frame(
    rows: Any, file: str, layer_ids: list[str], problems: list[Problem]
) -> pd.DataFrame | None:
    """Validate the ``rules:`` section of a pyramid file into a frame."""
    if rows is None:
        return None
    if not isinstance(rows, list) or not rows:
        problems.append(_yaml_problem(file, "rules", rows, "a non-empty list of rules"))
        return None
    keys = ["id", "target_group", "security_aim", "timing", "layer", "secondary"]
    keys += ["confidence", "rationale"]
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            problems.append(_yaml_problem(file, f"rules[{i}]", r, "a mapping"))
            continue
        r = dict(r)
        if isinstance(r.get("security_aim"), bool):
            r["security_aim"] = "yes" if r["security_aim"] else "no"
        checks = {
            "id": (lambda v: isinstance(v, str) and v != "", "a rule id"),
            "target_group": (lambda v: v in TARGET_GROUPS, "one of " + ", ".join(TARGET_GROUPS)),
            "security_aim": (lambda v: v in SECURITY_AIMS, "yes or no"),
            "timing": (lambda v: v in TIMINGS, "before or after"),
            "layer": (lambda v: v in layer_ids, "a layer id: " + ", ".join(layer_ids)),
            "secondary": (lambda v: v is None or v in layer_ids, "a layer id or null"),
            "confidence": (lambda v: v in _CONFIDENCE, "high, medium or low"),
            "rationale": (lambda v: isinstance(v, str) and v != "", "a plain-language text"),
        }
        for k, (ok, exp) in checks.items():
            if not ok(r.get(k)):
                problems.append(_yaml_problem(file, f"rules[{i}].{k}", r.get(k), exp))
        out.append({k: r.get(k) for k in keys})
    tab = pd.DataFrame(out, columns=keys)
    grid = pd.MultiIndex.from_product([list(TARGET_GROUPS), list(SECURITY_AIMS), list(TIMINGS)])
    combos = pd.MultiIndex.from_frame(tab[["target_group", "security_aim", "timing"]])
    for i in np.flatnonzero(combos.duplicated()):
        problems.append(
            _yaml_problem(file, f"rules[{i}]", combos[i], "each combination in one rule only")
        )
    for combo in grid.difference(combos):
        problems.append(
            _yaml_problem(file, "rules", None, f"a rule for {combo} (target_group, aim, timing)")
        )
    return tab.rename(columns={"id": "rule_id", "secondary": "secondary_layer"})


def _read_pyramid_file(path: Path) -> Pyramid:
    file = path.name
    doc = read_yaml_mapping(path, file)
    problems: list[Problem] = []
    name = doc.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        problems.append(_yaml_problem(file, "name", name, "a short name (letters, digits, _)"))
    raw_layers = doc.get("layers")
    layers: list[Layer] = []
    if not isinstance(raw_layers, list) or len(raw_layers) < 2:
        problems.append(_yaml_problem(file, "layers", raw_layers, "a list of at least 2 layers"))
        raw_layers = []
    for i, la in enumerate(raw_layers):
        if not isinstance(la, dict):
            problems.append(_yaml_problem(file, f"layers[{i}]", la, "a mapping"))
            continue
        lid = la.get("id")
        if not isinstance(lid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", lid):
            problems.append(_yaml_problem(file, f"layers[{i}].id", lid, "a snake_case id"))
        elif lid in [x.id for x in layers]:
            problems.append(_yaml_problem(file, f"layers[{i}].id", lid, "a unique layer id"))
        for key in ("name", "definition"):
            if not isinstance(la.get(key), str) or not la.get(key).strip():
                problems.append(_yaml_problem(file, f"layers[{i}].{key}", la.get(key), "a text"))
        level = la.get("level", i + 1)
        if not isinstance(level, int) or isinstance(level, bool):
            problems.append(_yaml_problem(file, f"layers[{i}].level", level, "an integer"))
            level = i + 1
        examples = la.get("examples") or []
        if not isinstance(examples, list):
            problems.append(_yaml_problem(file, f"layers[{i}].examples", examples, "a list"))
            examples = []
        layers.append(
            Layer(
                id=str(lid),
                level=level,
                name=str(la.get("name", "")).strip(),
                definition=" ".join(str(la.get("definition", "")).split()),
                examples=tuple(str(e) for e in examples),
            )
        )
    ids = [la.id for la in layers]
    crosswalks: dict[str, list[dict[str, str]]] = {}
    raw_cw = doc.get("crosswalk") or {}
    if not isinstance(raw_cw, dict):
        problems.append(_yaml_problem(file, "crosswalk", raw_cw, "a mapping model -> list"))
        raw_cw = {}
    for other, rows in raw_cw.items():
        if not isinstance(rows, list):
            problems.append(_yaml_problem(file, f"crosswalk.{other}", rows, "a list of pairs"))
            continue
        for i, r in enumerate(rows):
            where = f"crosswalk.{other}[{i}]"
            if not isinstance(r, dict) or not {"from", "to"} <= set(r):
                problems.append(_yaml_problem(file, where, r, "a mapping with from and to"))
                continue
            if r["from"] not in ids:
                problems.append(_yaml_problem(file, f"{where}.from", r["from"], "a layer id"))
            rel = r.get("relation", "equivalent")
            if rel not in ("equivalent", "nearest"):
                problems.append(
                    _yaml_problem(file, f"{where}.relation", rel, "equivalent or nearest")
                )
        crosswalks[str(other)] = [
            {
                "from": r["from"],
                "to": r["to"],
                "relation": r.get("relation", "equivalent"),
                "note": " ".join(str(r.get("note", "")).split()),
            }
            for r in rows
            if isinstance(r, dict) and {"from", "to"} <= set(r)
        ]
    rules_tab = _rule_frame(doc.get("rules"), file, ids, problems)
    hints = doc.get("domain_hints")
    hints_tab = None
    if hints is not None:
        hints_tab = pd.DataFrame(hints, columns=["domain", "layer", "note"])
        for i, r in hints_tab.iterrows():
            if r["domain"] not in DOMAINS:
                problems.append(
                    _yaml_problem(file, f"domain_hints[{i}].domain", r["domain"], "a domain code")
                )
            if r["layer"] not in ids:
                problems.append(
                    _yaml_problem(file, f"domain_hints[{i}].layer", r["layer"], "a layer id")
                )
    if problems:
        raise ValidationError(problems, what=f"pyramid file {file}")
    src = doc.get("source") or []
    return Pyramid(
        name=name,
        title=str(doc.get("title") or name),
        description=" ".join(str(doc.get("description", "")).split()),
        source=tuple(src) if isinstance(src, list) else (str(src),),
        layers=tuple(layers),
        crosswalks=crosswalks,
        rules_table=rules_tab,
        domain_hints_table=hints_tab,
        path=path,
    )


def builtin_pyramids() -> list[str]:
    """Names of the pyramids shipped with the package."""
    return sorted(p.stem for p in PYRAMID_DIR.glob("*.yaml"))


def load_pyramid(name_or_path: str | Path | Pyramid = "partnership_4") -> Pyramid:
    """Load a prevention pyramid: a built-in name or the path of a YAML file.

    Parameters
    ----------
    name_or_path : str, Path or Pyramid
        ``"partnership_4"`` (UA Partnership, 4 levels, default), ``"deklerck_5"``
        (Deklerck, levels 0-4), the path of a user YAML file with the same structure, or
        an already loaded :class:`Pyramid` (returned unchanged).

    Returns
    -------
    Pyramid

    Raises
    ------
    ValidationError
        If the YAML file is malformed (every problem located by YAML path).

    Examples
    --------
    >>> [la.name for la in load_pyramid("deklerck_5").layers][:2]
    ['Societal context', 'Fundamental prevention']
    """
    if isinstance(name_or_path, Pyramid):
        return name_or_path
    text = str(name_or_path)
    builtin = PYRAMID_DIR / f"{text}.yaml"
    if "/" not in text and "\\" not in text and not text.endswith((".yaml", ".yml")):
        if text == "crosswalk" or not builtin.exists():
            raise ValueError(
                f"unknown pyramid {text!r}: use one of {builtin_pyramids()} or a YAML path"
            )
        return _read_pyramid_file(builtin)
    path = Path(name_or_path)
    if not path.exists():
        raise FileNotFoundError(path)
    return _read_pyramid_file(path)


# --------------------------------------------------------------------------- inventory


def _blank(s: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace."""
    return s.isna() | s.astype("string").str.strip().eq("").fillna(True)


def _text(s: pd.Series) -> pd.Series:
    """Stripped text with <NA> for blank cells (StringDtype)."""
    t = s.astype("string").str.strip()
    return t.mask(t.eq("").fillna(False))


def _code(s: pd.Series) -> pd.Series:
    """Normalised code: lower case, spaces and hyphens as underscores."""
    return _text(s).str.lower().str.replace(r"[\s\-]+", "_", regex=True)


def _parse_number(s: pd.Series) -> pd.Series:
    """Parse amounts written in the usual European and English ways.

    Blanks -> NaN, unreadable -> NaN (checked by the caller against the blank mask).
    Three digits after a separator are read as thousands grouping ("12.500" = 12500,
    "1,500,000" = 1500000); otherwise a single comma or point is the decimal mark.
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    t = _text(s).str.replace(r"[\s\u00a0'_]|EUR|€", "", regex=True)
    group_dot = t.str.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?").fillna(False)
    group_comma = t.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").fillna(False)
    t = t.mask(group_dot, t.str.replace(".", "", regex=False))
    t = t.mask(group_comma, t.str.replace(",", "", regex=False))
    t = t.str.replace(",", ".", regex=False)
    plain = t.str.fullmatch(r"-?\d+(\.\d+)?([eE][+-]?\d+)?").fillna(False)
    x = pd.to_numeric(t.where(plain), errors="coerce").astype(float)
    return x.where(np.isfinite(x))  # 1e400 overflows to infinity: unreadable, not accepted


def _parse_date(s: pd.Series) -> pd.Series:
    """Parse dates: datetime cells, ISO (YYYY[-MM[-DD]]), DD/MM/YYYY, DD.MM.YYYY."""
    obj = s.astype(object).where(~_blank(s), None)
    out = pd.to_datetime(obj, format="ISO8601", errors="coerce")
    t = _text(s)
    for fmt, pat in (
        ("%d/%m/%Y", r"\d{1,2}/\d{1,2}/\d{4}"),
        ("%d.%m.%Y", r"\d{1,2}\.\d{1,2}\.\d{4}"),
        ("%d-%m-%Y", r"\d{1,2}-\d{1,2}-\d{4}"),
    ):
        m = t.str.fullmatch(pat).fillna(False) & out.isna()
        if m.any():
            out = out.mask(m, pd.to_datetime(t.where(m), format=fmt, errors="coerce"))
    return out.astype("datetime64[us]")


def _norm_header(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).replace("\ufeff", "").strip().lower())


def _read_table(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV/XLSX file into raw cells; index = spreadsheet row number."""
    from ..core.ingest import read_bytes, read_table, xlsx_sheets

    file = path.name
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        raise ValueError(f"{file}: inventory must be .csv or .xlsx, got {suffix!r}")
    data = read_bytes(path, file)
    sheet = None
    if suffix in (".xlsx", ".xlsm"):
        sheets = xlsx_sheets(data, file)
        sheet = "inventory" if "inventory" in sheets else sheets[0]
    try:
        grid = read_table(path, data=data, label=file, sheet=sheet).grid()
    except ValidationError as exc:
        if any("empty" in p.expected for p in exc.problems):
            grid = pd.DataFrame()
        else:
            raise
    if grid.empty:
        exp = "a header row with the inventory columns (see inventory_template())"
        raise ValidationError([Problem(file, 1, None, None, exp)], what=file)
    grid.index = np.arange(1, len(grid) + 1)
    header = [_norm_header(h) if not _blank(pd.Series([h])).item() else "" for h in grid.iloc[0]]
    body = grid.iloc[1:]
    problems: list[Problem] = []
    keep = []
    seen: set[str] = set()
    for j, h in enumerate(header):
        if h == "":
            if not _blank(body.iloc[:, j]).all():
                problems.append(Problem(file, 1, None, None, f"a name for column {j + 1}"))
        elif h in seen:
            problems.append(Problem(file, 1, h, h, "each column name once"))
        else:
            seen.add(h)
            keep.append(j)
    body = body.iloc[:, keep]
    body.columns = [header[j] for j in keep]
    empty_row = pd.concat([_blank(body[c]) for c in body.columns], axis=1).all(axis=1)
    return body[~empty_row], problems


def _whole(s: pd.Series) -> pd.Series:
    """People counts: readable numbers that are whole; NaN otherwise."""
    x = _parse_number(s)
    return x.where(x % 1 == 0)


def inventory_schema(
    pyramid: Pyramid, domains: Sequence[str] | None = None, unit_id: str | None = None
) -> TableSchema:
    """The policy inventory's table schema: its columns, codes, dates, amounts and rules.

    Parameters
    ----------
    pyramid : Pyramid
        Supplies the layer ids (or names) ``reviewer_layer`` may use.
    domains : sequence of str, optional
        Allowed domain codes (default :data:`DOMAINS`).
    unit_id : str, optional
        When given, a ``unit_id`` column may only repeat it (or be blank).

    Examples
    --------
    >>> s = inventory_schema(load_pyramid())
    >>> s.names[:4]
    ['unit_id', 'initiative_id', 'name', 'description']
    >>> raw = pd.DataFrame({"unit_id": ["X"], "initiative_id": ["a"], "name": ["A"],
    ...     "target_group": ["everyone"], "security_aim": ["Y"], "timing": ["before"],
    ...     "domain": ["housing"], "budget_eur": ["12.500"]})
    >>> t = s.validate(raw, "inv.csv")
    >>> t.security_aim[0], float(t.budget_eur[0])
    ('yes', 12500.0)
    """
    domain_codes = tuple(DOMAINS) if domains is None else tuple(domains)
    req = "a value (required)"
    if unit_id is not None:
        unit = Column(
            "unit_id", "custom", required=False, nullable=True, parse=_text,
            expected=f"{unit_id!r} or blank", checks=((lambda u: u.ne(unit_id), f"{unit_id!r} or blank"),),
        )  # fmt: skip
    else:
        unit = Column("unit_id", "custom", parse=_text, expected="a unit id (e.g. BE212)")
    cols = [unit]
    for c in ("initiative_id", "name", "description", "lead_organisation", "partners"):
        required = COLUMNS[c][0]
        cols.append(Column(c, "custom", required=required, nullable=not required, parse=_text,
                           blank_expected=req))  # fmt: skip
    for c, vocab in [*_CODED.items(), ("domain", dict.fromkeys(domain_codes))]:
        cols.append(Column(
            c, "choice", choices=tuple(vocab), key=_code,
            aliases=_AIM_SYNONYMS if c == "security_aim" else None,
            expected="one of: " + ", ".join(vocab), blank_expected=req,
        ))  # fmt: skip
    date_exp = "a date YYYY-MM-DD (also YYYY-MM, YYYY, DD/MM/YYYY, DD.MM.YYYY) or blank"
    cols += [
        Column(c, "custom", required=False, nullable=True, parse=_parse_date, expected=date_exp)
        for c in ("start", "end")
    ]
    cols += [
        Column("budget_eur", "custom", required=False, nullable=True, parse=_parse_number,
               expected="an amount in euro (e.g. 12500 or 12500.50) or blank",
               checks=((lambda x: x < 0, "a non-negative amount in euro"),)),
        Column("reach", "custom", required=False, nullable=True, parse=_whole,
               expected="a whole number of people or blank",
               checks=((lambda x: x < 0, "a non-negative number of people"),)),
    ]  # fmt: skip
    lookup = {lid: lid for lid in pyramid.layer_ids}
    lookup |= {_norm_header(la.name): la.id for la in pyramid.layers}
    cols.append(Column(
        "reviewer_layer", "choice", required=False, nullable=True, choices=tuple(pyramid.layer_ids),
        key=_code, aliases=lookup,
        expected=f"a layer of {pyramid.name}: " + ", ".join(pyramid.layer_ids) + " (or blank)",
    ))  # fmt: skip
    after_start = Check(
        "end",
        lambda t: t["end"] < t["start"],
        lambda t: "a date on or after start " + t["start"].dt.strftime("%Y-%m-%d"),
    )
    return TableSchema(
        "policy inventory",
        cols,
        extra="keep",
        checks=[after_start],
        unique=[Unique("initiative_id", within=("unit_id",))],
    )


def _validate(
    raw: pd.DataFrame,
    file: str,
    *,
    unit_id: str | None,
    pyramid: Pyramid,
    domains: Sequence[str] | None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check and normalise an inventory against :func:`inventory_schema`; ``raw.index``
    holds spreadsheet row numbers."""
    raw = raw.copy()
    raw.columns = [_norm_header(c) for c in raw.columns]
    present = set(raw.columns)
    schema = inventory_schema(pyramid, domains, unit_id)
    missing = [c for c in _REQUIRED if c not in present]
    problems = [
        Problem(file, 1, c, None, f"a column {c!r} (required; see template)") for c in missing
    ]
    if unit_id is None and "unit_id" not in present:
        problems.append(Problem(file, 1, "unit_id", None, "a unit_id column or argument"))
        missing.append("unit_id")
    for c in schema.names:
        if c not in present:  # optional columns (and missing ones, reported above) as blanks
            raw[c] = pd.Series(pd.NA, index=raw.index, dtype=object)
    out = schema.validate(raw, file, rows=raw.index, raise_=False)
    problems += [p for p in schema.problems if p.column not in missing]
    if unit_id is not None:
        out["unit_id"] = pd.Series(unit_id, index=raw.index, dtype="string")
    col_order = ["unit_id", *COLUMNS]
    extras = [c for c in raw.columns if c not in col_order]
    order = {c: k for k, c in enumerate([*col_order, *extras])}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    out = out[[*col_order, *extras]].reset_index(drop=True)
    out["start"] = out["start"].astype("datetime64[us]")
    out["end"] = out["end"].astype("datetime64[us]")
    for c in ("budget_eur", "reach"):
        out[c] = out[c].astype(float)
    for c in [*col_order[:6], "target_group", "security_aim", "timing", "domain", "reviewer_layer"]:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out, problems


def _unit_from_stem(path: Path) -> str:
    return re.sub(r"[_-]?inventory$", "", path.stem, flags=re.IGNORECASE) or path.stem


def read_inventory(
    path: str | Path,
    unit_id: str | None = None,
    *,
    pyramid: str | Path | Pyramid = "partnership_4",
    domains: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a policy inventory (CSV or XLSX).

    CSV may use ``,`` or ``;`` (or tab) and be UTF-8 (with or without BOM), Windows-1252
    or Latin-1. XLSX is read from the sheet ``inventory`` (else the first sheet). Blank
    rows are skipped; extra columns are kept unchanged.

    Parameters
    ----------
    path : str or Path
    unit_id : str, optional
        Unit of every row. If omitted, a ``unit_id`` column is used when present, else the
        file name without ``_inventory`` (``BE212_inventory.csv`` -> ``BE212``).
    pyramid : str, Path or Pyramid
        Pyramid whose layer ids (or names) ``reviewer_layer`` may use.
    domains : sequence of str, optional
        Allowed domain codes (default :data:`DOMAINS`).

    Returns
    -------
    DataFrame
        One row per initiative: unit_id, the :data:`COLUMNS` (codes lower-case,
        ``start``/``end`` as datetimes, ``budget_eur``/``reach`` as floats) and any
        extra columns.

    Raises
    ------
    ValidationError
        With *every* problem: missing required columns (row ``None``), blank required
        cells, unknown codes, bad dates, end before start, negative or unreadable
        budgets and reach, duplicate initiative ids, unknown reviewer layers. Rows are as
        a spreadsheet shows them (header = 1).

    Examples
    --------
    >>> inv = read_inventory("data/raw/orpheus/BE212_inventory.csv")  # doctest: +SKIP
    >>> inv.unit_id.unique().tolist()  # doctest: +SKIP
    ['BE212']
    """
    path = Path(path)
    raw, problems = _read_table(path)
    if unit_id is None and "unit_id" not in raw.columns:
        unit_id = _unit_from_stem(path)
    out, more = _validate(
        raw, path.name, unit_id=unit_id, pyramid=load_pyramid(pyramid), domains=domains
    )
    problems += more
    if problems:
        raise ValidationError(problems, what=path.name)
    return out


def read_inventories(
    paths: str | Path | Iterable[str | Path],
    *,
    pyramid: str | Path | Pyramid = "partnership_4",
    domains: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read several inventories (a list of files, or a folder's ``*_inventory.csv/.xlsx``).

    Problems of all files are collected into one :class:`ValidationError`.

    Examples
    --------
    >>> inv = read_inventories("data/raw/orpheus")  # doctest: +SKIP
    """
    if isinstance(paths, (str, Path)) and Path(paths).is_dir():
        folder = Path(paths)
        files = sorted([*folder.glob("*_inventory.csv"), *folder.glob("*_inventory.xlsx")])
    elif isinstance(paths, (str, Path)):
        files = [Path(paths)]
    else:
        files = [Path(p) for p in paths]
    frames, problems = [], []
    for f in files:
        try:
            frames.append(read_inventory(f, pyramid=pyramid, domains=domains))
        except ValidationError as exc:
            problems += exc.problems
    if problems:
        raise ValidationError(problems, what=f"{len(files)} inventories")
    if not frames:
        raise ValueError(f"no inventory files found in {paths}")
    return pd.concat(frames, ignore_index=True)


def inventory_template(
    path: str | Path,
    *,
    pyramid: str | Path | Pyramid = "partnership_4",
    domains: Sequence[str] | None = None,
) -> Path:
    """Write an empty policy-inventory template (CSV or XLSX, chosen by suffix).

    The CSV holds the header row (UTF-8 with BOM, so spreadsheet programs show accents).
    The XLSX has an ``inventory`` sheet with dropdowns (data validation) for the coded
    columns and non-negative number checks, a ``codes`` sheet listing every code with
    its meaning, and a ``columns`` sheet describing each column.

    Parameters
    ----------
    path : str or Path
        ``*.csv`` or ``*.xlsx``.
    pyramid : str, Path or Pyramid
        Supplies the ``reviewer_layer`` choices.
    domains : sequence of str, optional
        Domain codes offered (default :data:`DOMAINS`).

    Returns
    -------
    Path

    Examples
    --------
    >>> inventory_template("my_city_inventory.xlsx")  # doctest: +SKIP
    """
    path = Path(path)
    header = list(COLUMNS)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(header)
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be .csv or .xlsx, got {path.suffix!r}")
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    pyr = load_pyramid(pyramid)
    domain_codes = list(DOMAINS) if domains is None else list(domains)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "inventory"
    ws.append(header)
    for j, c in enumerate(header, start=1):
        ws.cell(row=1, column=j).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(j)].width = max(14, len(c) + 4)
    ws.freeze_panes = "A2"
    codes = wb.create_sheet("codes")
    lists = {
        "target_group": (list(TARGET_GROUPS), list(TARGET_GROUPS.values())),
        "security_aim": (list(SECURITY_AIMS), list(SECURITY_AIMS.values())),
        "timing": (list(TIMINGS), list(TIMINGS.values())),
        "domain": (domain_codes, [DOMAINS.get(d, d) for d in domain_codes]),
        "reviewer_layer": (pyr.layer_ids, [la.name for la in pyr.layers]),
    }
    last = 1000
    for k, (col, (vals, meanings)) in enumerate(lists.items()):
        cc, mc = get_column_letter(2 * k + 1), get_column_letter(2 * k + 2)
        codes[f"{cc}1"], codes[f"{mc}1"] = col, "meaning"
        codes[f"{cc}1"].font = Font(bold=True)
        for i, (v, m) in enumerate(zip(vals, meanings), start=2):
            codes[f"{cc}{i}"], codes[f"{mc}{i}"] = v, m
        target = get_column_letter(header.index(col) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"=codes!${cc}$2:${cc}${len(vals) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error=f"Choose a {col} code from the list (see sheet 'codes').",
        )
        dv.add(f"{target}2:{target}{last}")
        ws.add_data_validation(dv)
    for col, kind in (("budget_eur", "decimal"), ("reach", "whole")):
        target = get_column_letter(header.index(col) + 1)
        dv = DataValidation(
            type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        dv.error = "A number >= 0."
        dv.add(f"{target}2:{target}{last}")
        ws.add_data_validation(dv)
    for col in ("start", "end"):
        target = get_column_letter(header.index(col) + 1)
        for i in range(2, last + 1):
            ws[f"{target}{i}"].number_format = "yyyy-mm-dd"
    doc = wb.create_sheet("columns")
    doc.append(["column", "required", "description"])
    for c, (req, desc) in COLUMNS.items():
        doc.append([c, "yes" if req else "no", desc])
    doc.column_dimensions["A"].width = 18
    doc.column_dimensions["C"].width = 100
    wb.save(path)
    return path


# ------------------------------------------------------------------------------ rules


def rules(pyramid: str | Path | Pyramid = "partnership_4") -> pd.DataFrame:
    """The classification rule table (target group x aim x timing -> layer).

    A pyramid without its own ``rules:`` section uses the ``partnership_4`` rules, with
    layers mapped through the crosswalk (primary targets).

    Returns
    -------
    DataFrame
        rule_id, target_group, security_aim, timing, layer, secondary_layer, confidence,
        rationale; one row per combination (16 rows).

    Examples
    --------
    >>> r = rules()
    >>> r.query("target_group == 'specific_problem' and security_aim == 'yes' "
    ...         "and timing == 'before'").layer.item()
    'specific_prevention'
    """
    pyr = load_pyramid(pyramid)
    if pyr.rules_table is not None:
        return pyr.rules_table.copy()
    base = load_pyramid(RULES_MODEL)
    tab = base.rules_table.copy()
    tab["layer"] = base.translate(tab["layer"], pyr).to_numpy()
    sec = base.translate(tab["secondary_layer"], pyr)
    tab["secondary_layer"] = sec.where(sec.to_numpy() != tab["layer"].to_numpy(), None).to_numpy()
    return tab


def domain_hints(pyramid: str | Path | Pyramid = "partnership_4") -> pd.DataFrame:
    """Domain hints (domain -> suggested secondary layer) used by :func:`classify`.

    Examples
    --------
    >>> domain_hints().set_index("domain").loc["justice", "layer"]
    'reaction'
    """
    pyr = load_pyramid(pyramid)
    if pyr.rules_table is not None:
        hints = pyr.domain_hints_table
        return pd.DataFrame(columns=["domain", "layer", "note"]) if hints is None else hints.copy()
    base = load_pyramid(RULES_MODEL)
    hints = base.domain_hints_table.copy()
    hints["layer"] = base.translate(hints["layer"], pyr).to_numpy()
    return hints


def _validated(inventory: pd.DataFrame, pyr: Pyramid) -> pd.DataFrame:
    raw = inventory.reset_index(drop=True)
    raw.index = raw.index + 2
    out, problems = _validate(raw, "<DataFrame>", unit_id=None, pyramid=pyr, domains=None)
    if problems:
        raise ValidationError(problems, what="inventory")
    return out


def classify(
    inventory: pd.DataFrame, pyramid: str | Path | Pyramid = "partnership_4"
) -> pd.DataFrame:
    """Assign each initiative a pyramid layer by the rule table (reviewer wins).

    Parameters
    ----------
    inventory : DataFrame
        As returned by :func:`read_inventory` (or built by hand with at least unit_id,
        initiative_id, name, target_group, security_aim, timing, domain). It is
        re-validated; problems raise :class:`ValidationError` (file ``<DataFrame>``,
        rows = position + 2 as if exported to a spreadsheet). Domains may be any code
        of :data:`DOMAINS`.
    pyramid : str, Path or Pyramid

    Returns
    -------
    DataFrame
        The inventory plus: layer, layer_name, secondary_layer, confidence
        (high/medium/low, see module docstring), layer_source (``"rule"`` or
        ``"reviewer"``), rule_id, rule_layer, rule_secondary_layer, rule_confidence,
        rationale (plain language), pyramid. Row order is kept.

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"unit_id": ["X"], "initiative_id": ["1"], "name": ["Victim desk"],
    ...     "target_group": ["after_incident"], "security_aim": ["no"], "timing": ["after"],
    ...     "domain": ["victim_support"], "reviewer_layer": ["specific_prevention"]})
    >>> classify(inv).loc[0, ["layer", "layer_source", "rule_layer"]].tolist()
    ['specific_prevention', 'reviewer', 'reaction']
    """
    pyr = load_pyramid(pyramid)
    inv = _validated(inventory, pyr)
    names = pyr.names()
    tab = rules(pyr)
    hints = domain_hints(pyr)
    keys = ["target_group", "security_aim", "timing"]
    m = inv[keys].merge(tab, on=keys, how="left", validate="many_to_one")
    rule_layer = m["layer"].astype(object)
    secondary = m["secondary_layer"].astype(object).where(m["secondary_layer"].notna(), None)
    conf = m["confidence"].astype(object)
    hint = inv["domain"].map(dict(zip(hints["domain"], hints["layer"])))
    hint_note = inv["domain"].map(dict(zip(hints["domain"], hints["note"])))
    level = {la.id: la.level for la in pyr.layers}
    use_hint = secondary.isna() & hint.notna() & (hint.map(level) > rule_layer.map(level))
    secondary = secondary.where(~use_hint, hint)
    step = {"high": "medium", "medium": "low", "low": "low"}
    conf = conf.where(~use_hint, conf.map(step))

    def lname(s: pd.Series) -> pd.Series:
        return s.map(names).astype(object)

    sec_txt = ("; secondary: " + lname(secondary).str.lower()).fillna("")
    hint_txt = (
        " Domain '"
        + inv["domain"]
        + "' suggests "
        + lname(hint).str.lower()
        + " as a secondary layer ("
        + hint_note.str.rstrip(".")
        + "); confidence lowered one step."
    )
    rule_txt = (
        m["rule_id"]
        + ": aimed at "
        + inv["target_group"].map(TARGET_GROUPS)
        + ", "
        + inv["security_aim"].map(SECURITY_AIMS)
        + ", "
        + inv["timing"].map(TIMINGS)
        + " -> "
        + lname(rule_layer).str.lower()
        + sec_txt
        + ". "
        + m["rationale"]
        + hint_txt.where(use_hint, "")
    )
    rev = inv["reviewer_layer"]
    by_rev = rev.notna()
    agree = np.where(rev == rule_layer, "confirmed", "assigned")
    rev_txt = (
        "Reviewer "
        + pd.Series(agree, index=inv.index)
        + " "
        + lname(rev).str.lower()
        + ". The rules suggested (confidence "
        + conf
        + ") "
        + rule_txt
    )
    out = inv.copy()
    out["layer"] = rule_layer.where(~by_rev, rev)
    out["layer_name"] = lname(out["layer"])
    out["secondary_layer"] = secondary.where(~by_rev, None)
    out["confidence"] = conf.where(~by_rev, "high")
    out["layer_source"] = np.where(by_rev, "reviewer", "rule")
    out["rule_id"] = m["rule_id"].astype(object)
    out["rule_layer"] = rule_layer
    out["rule_secondary_layer"] = secondary
    out["rule_confidence"] = conf
    out["rationale"] = rule_txt.where(~by_rev, rev_txt).astype(object)
    out["pyramid"] = pyr.name
    out.attrs["pyramid"] = pyr.name
    return out


# --------------------------------------------------------------------------- coverage


def _pyramid_of(classified: pd.DataFrame, pyramid: str | Path | Pyramid | None) -> Pyramid:
    if pyramid is not None:
        return load_pyramid(pyramid)
    names = pd.unique(classified["pyramid"]) if "pyramid" in classified else []
    if len(names) > 1:
        raise ValueError(f"classified rows use several pyramids: {list(names)}")
    return load_pyramid(names[0] if len(names) else classified.attrs.get("pyramid", RULES_MODEL))


def coverage(
    classified: pd.DataFrame,
    measure: str = "count",
    *,
    pyramid: str | Path | Pyramid | None = None,
) -> pd.DataFrame:
    """Coverage profile: initiatives, budget and reach per unit and layer.

    Only the primary ``layer`` counts towards n_initiatives, budget_eur and reach;
    ``n_secondary`` counts initiatives with the layer as secondary layer. Missing
    budgets or reach are left out of the sums and counted in ``n_budget_missing`` and
    ``n_reach_missing``.

    Parameters
    ----------
    classified : DataFrame
        Output of :func:`classify`.
    measure : {"count", "budget", "reach"}
        What ``share`` is a share of.
    pyramid : str, Path or Pyramid, optional
        Default: the ``pyramid`` column of ``classified``.

    Returns
    -------
    DataFrame
        unit_id, level, layer, layer_name, n_initiatives, n_secondary, budget_eur, reach,
        n_budget_missing, n_reach_missing, share (of the unit's total for ``measure``;
        NaN if that total is 0). Every unit x layer, units in order of first appearance,
        layers bottom to top. ``attrs["measure"]`` records the measure.

    Examples
    --------
    >>> cov = coverage(classify(inv), "budget")  # doctest: +SKIP
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {list(_MEASURES)}, got {measure!r}")
    pyr = _pyramid_of(classified, pyramid)
    unknown = set(classified["layer"].dropna()) - set(pyr.layer_ids)
    if unknown:
        raise ValueError(f"layers {sorted(unknown)} are not in pyramid {pyr.name!r}")
    units = list(pd.unique(classified["unit_id"]))
    idx = pd.MultiIndex.from_product([units, pyr.layer_ids], names=["unit_id", "layer"])
    d = pd.DataFrame(
        {
            "unit_id": classified["unit_id"].to_numpy(),
            "layer": classified["layer"].to_numpy(),
            "n_initiatives": 1,
            "budget_eur": classified["budget_eur"].astype(float).to_numpy(),
            "reach": classified["reach"].astype(float).to_numpy(),
            "n_budget_missing": classified["budget_eur"].isna().astype(int).to_numpy(),
            "n_reach_missing": classified["reach"].isna().astype(int).to_numpy(),
        }
    )
    agg = d.groupby(["unit_id", "layer"]).sum(min_count=0).reindex(idx, fill_value=0)
    sec = classified.dropna(subset=["secondary_layer"])
    n_sec = sec.groupby(["unit_id", "secondary_layer"]).size()
    n_sec.index = n_sec.index.set_names(["unit_id", "layer"])
    agg["n_secondary"] = n_sec.reindex(idx, fill_value=0)
    out = agg.reset_index()
    lv = {la.id: la.level for la in pyr.layers}
    out.insert(1, "level", out["layer"].map(lv))
    out.insert(3, "layer_name", out["layer"].map(pyr.names()))
    col = _MEASURES[measure]
    total = out.groupby("unit_id", sort=False)[col].transform("sum")
    out["share"] = (out[col] / total.replace(0, np.nan)).astype(float)
    for c in ("n_initiatives", "n_secondary", "n_budget_missing", "n_reach_missing"):
        out[c] = out[c].astype(int)
    out = out[
        [
            "unit_id",
            "level",
            "layer",
            "layer_name",
            "n_initiatives",
            "n_secondary",
            "budget_eur",
            "reach",
            "n_budget_missing",
            "n_reach_missing",
            "share",
        ]
    ]
    out.attrs.update(measure=measure, pyramid=pyr.name)
    return out


def gaps(
    classified: pd.DataFrame,
    domains: Sequence[str] | None = None,
    *,
    by: str | None = "domain",
    pyramid: str | Path | Pyramid | None = None,
) -> pd.DataFrame:
    """Empty cells of the pyramid, as plain sentences.

    Lists, per unit, every layer with no initiative at all ("no initiative at
    reaction"), then every layer x domain (or layer x target group) combination with no
    initiative ("no initiative at general prevention for youth"). Layers that are
    entirely empty are not repeated per domain. Only primary layers count.

    Parameters
    ----------
    classified : DataFrame
        Output of :func:`classify`.
    domains : sequence of str, optional
        Domains to check (default: every domain that occurs in ``classified``, in the
        order of :data:`DOMAINS`, so units are compared on the same list).
    by : {"domain", "target_group", None}
        Second dimension; ``None`` lists whole-layer gaps only.
    pyramid : str, Path or Pyramid, optional

    Returns
    -------
    DataFrame
        unit_id, layer, layer_name, dimension (``"layer"``, ``"domain"`` or
        ``"target_group"``), value, sentence. Units in order of first appearance.

    Examples
    --------
    >>> gaps(classify(inv)).sentence.tolist()[:1]  # doctest: +SKIP
    ['no initiative at general prevention for youth']
    """
    if by not in ("domain", "target_group", None):
        raise ValueError(f"by must be 'domain', 'target_group' or None, got {by!r}")
    pyr = _pyramid_of(classified, pyramid)
    names = pyr.names()
    units = list(pd.unique(classified["unit_id"]))
    idx = pd.MultiIndex.from_product([units, pyr.layer_ids], names=["unit_id", "layer"])
    n = classified.groupby(["unit_id", "layer"]).size().reindex(idx, fill_value=0)
    empty = n[n == 0].reset_index()[["unit_id", "layer"]]
    empty["dimension"] = "layer"
    empty["value"] = None
    frames = [empty]
    if by is not None:
        if by == "domain":
            present = set(classified["domain"].dropna())
            values = [d for d in DOMAINS if d in present] if domains is None else list(domains)
            values += [d for d in sorted(present) if domains is None and d not in DOMAINS]
        else:
            values = list(TARGET_GROUPS)
        idx3 = pd.MultiIndex.from_product(
            [units, pyr.layer_ids, values], names=["unit_id", "layer", "value"]
        )
        n3 = classified.groupby(["unit_id", "layer", by]).size()
        n3.index = n3.index.set_names(["unit_id", "layer", "value"])
        n3 = n3.reindex(idx3, fill_value=0).reset_index(name="n")
        layer_n = n.reindex(pd.MultiIndex.from_frame(n3[["unit_id", "layer"]])).to_numpy()
        cells = n3[(n3["n"] == 0) & (layer_n > 0)].drop(columns="n")
        cells.insert(2, "dimension", by)
        frames.append(cells)
    out = pd.concat(frames, ignore_index=True)
    # order: unit (first appearance), layer bottom to top, whole-layer first, values
    out["_u"] = out["unit_id"].map({u: k for k, u in enumerate(units)})
    out["_l"] = out["layer"].map({lid: k for k, lid in enumerate(pyr.layer_ids)})
    out["_d"] = (out["dimension"] != "layer").astype(int)
    out = out.sort_values(["_u", "_d", "_l"], kind="stable").drop(columns=["_u", "_l", "_d"])
    out.insert(2, "layer_name", out["layer"].map(names))
    label = out["layer_name"].str.lower()
    vals = out["value"].astype(object)
    dom_txt = vals.map(lambda v: DOMAINS.get(v, str(v).replace("_", " ")))
    tg_txt = vals.map(TARGET_GROUPS)
    out["sentence"] = np.select(
        [out["dimension"] == "layer", out["dimension"] == "domain"],
        ["no initiative at " + label, "no initiative at " + label + " for " + dom_txt],
        "no initiative at " + label + " aimed at " + tg_txt.fillna(""),
    )
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------- figures


def _values(sub: pd.DataFrame, measure: str, relative: bool) -> np.ndarray:
    v = sub[_MEASURES[measure]].to_numpy(dtype=float)
    if relative:
        tot = v.sum()
        v = v / tot if tot > 0 else np.zeros_like(v)
    return v


def _fmt(v: float, measure: str, relative: bool) -> str:
    if relative:
        return f"{v:.0%}"
    if measure == "budget":
        if v >= 1e6:
            return f"EUR {v / 1e6:.1f} m"
        return f"EUR {v / 1e3:.0f} k" if v >= 1e3 else f"EUR {v:.0f}"
    if measure == "reach":
        return f"{v:,.0f} people"
    return f"{v:.0f}"


def _draw(ax: Any, sub: pd.DataFrame, measure: str, relative: bool, xmax: float) -> None:
    sub = sub.sort_values("level", kind="stable")
    v = _values(sub, measure, relative)
    y = np.arange(len(sub))
    cmap = matplotlib.colormaps["RdYlGn_r"]
    colors = cmap(np.linspace(0.12, 0.88, len(sub)))
    ax.barh(y, v, left=-v / 2, height=0.82, color=colors, edgecolor="0.25", linewidth=0.6)
    for yi, vi in zip(y, v):
        txt = _fmt(vi, measure, relative) if vi > 0 else "none"
        ax.text(
            vi / 2 + 0.02 * xmax,
            yi,
            txt,
            va="center",
            ha="left",
            fontsize=8,
            color="0.15" if vi > 0 else "firebrick",
        )
    ax.set_yticks(y, [f"{lv}. {nm}" for lv, nm in zip(sub["level"], sub["layer_name"])])
    ax.set_xlim(-0.5 * xmax * 1.05, 0.5 * xmax * 1.6)
    ax.set_ylim(-0.6, len(sub) - 0.4)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(left=False)
    if measure in ("budget", "reach") and not relative:
        miss = int(sub[f"n_{'budget' if measure == 'budget' else 'reach'}_missing"].sum())
        if miss:
            ax.set_xlabel(f"{miss} initiative(s) without {measure} figure not counted", fontsize=7)


def _unit_rows(coverage: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    sub = coverage[coverage["unit_id"] == unit_id]
    if sub.empty:
        raise ValueError(
            f"unit {unit_id!r} not in coverage; units: {list(coverage.unit_id.unique())}"
        )
    return sub


def plot_pyramid(
    coverage: pd.DataFrame,
    unit_id: str,
    measure: str = "count",
    *,
    relative: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw one unit's prevention pyramid (``title`` default: "<unit_id>: prevention pyramid").

    Layers are stacked bottom (level 1) to top as centred horizontal bars whose width is
    proportional to ``measure``; an empty layer is marked "none".

    Parameters
    ----------
    coverage : DataFrame
        Output of :func:`coverage`.
    unit_id : str
    measure : {"count", "budget", "reach"}
    relative : bool
        Plot each layer's share of the unit's total instead of absolute values.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, one bar per layer.

    Examples
    --------
    >>> fig = plot_pyramid(coverage(classify(inv)), "BE212", "budget")  # doctest: +SKIP
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {list(_MEASURES)}, got {measure!r}")
    sub = _unit_rows(coverage, unit_id)
    v = _values(sub, measure, relative)
    xmax = float(v.max()) if v.max() > 0 else 1.0
    fig = Figure(figsize=(6.4, 0.7 * len(sub) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    _draw(ax, sub, measure, relative, xmax)
    what = ("share of " if relative else "") + _MEASURE_LABEL[measure]
    ax.set_title(title or f"{unit_id}: prevention pyramid, bar width = {what}", fontsize=10)
    return fig


def plot_pyramids(
    coverage: pd.DataFrame,
    units: Sequence[str],
    measure: str = "count",
    *,
    relative: bool = False,
    names: dict[str, str] | None = None,
) -> Figure:
    """Side-by-side pyramids for several units, in the order given, on one scale.

    ``names`` maps unit ids to the names shown above each panel.

    Units are drawn exactly in the order of ``units`` (never sorted by any value). All
    panels share the same bar-width scale, so widths compare across units.

    Parameters
    ----------
    coverage : DataFrame
        Output of :func:`coverage`.
    units : sequence of str
        Typically 3-5 unit ids.
    measure : {"count", "budget", "reach"}
    relative : bool
        Compare shares of each unit's total instead of absolute values.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per unit, one bar per layer in each.

    Examples
    --------
    >>> fig = plot_pyramids(cov, ["BE212", "ES300", "FRL03"])  # doctest: +SKIP
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {list(_MEASURES)}, got {measure!r}")
    units = list(units)
    if not units:
        raise ValueError("give at least one unit")
    subs = [_unit_rows(coverage, u) for u in units]
    xmax = max(float(_values(s, measure, relative).max()) for s in subs)
    xmax = xmax if xmax > 0 else 1.0
    n_layers = max(len(s) for s in subs)
    fig = Figure(figsize=(2.6 * len(units) + 1.2, 0.7 * n_layers + 1.6), layout="constrained")
    axes = fig.subplots(1, len(units), sharey=True, squeeze=False)[0]
    for ax, u, s in zip(axes, units, subs):
        _draw(ax, s, measure, relative, xmax)
        ax.set_title(str((names or {}).get(u, u)), fontsize=10)
    what = ("share of " if relative else "") + _MEASURE_LABEL[measure]
    fig.suptitle(f"Prevention pyramids, bar width = {what} (same scale)", fontsize=11)
    return fig


def gap_summary(gaps_table: pd.DataFrame) -> pd.DataFrame:
    """Gaps condensed to one row per unit and layer: the domains (or target groups) with
    no initiative, comma-separated; an entirely empty layer reads "no initiative at all".

    Example
    -------
    >>> g = pd.DataFrame({"unit_id": ["X", "X"], "layer": ["reaction"] * 2,
    ...                   "layer_name": ["Reaction"] * 2, "dimension": ["domain"] * 2,
    ...                   "value": ["youth", "housing"], "sentence": ["", ""]})
    >>> gap_summary(g)["missing"].tolist()
    ['housing, youth']
    """
    cols = ["unit_id", "layer", "layer_name", "missing"]
    if gaps_table.empty:
        return pd.DataFrame(columns=cols)
    g = gaps_table.assign(value=gaps_table["value"].fillna("").astype(str))
    out = (
        g.groupby(["unit_id", "layer", "layer_name"], sort=False)["value"]
        .apply(
            lambda s: (
                "no initiative at all"
                if (s == "").any()
                else ", ".join(sorted(v.replace("_", " ") for v in s))
            )
        )
        .rename("missing")
        .reset_index()
    )
    return out[cols]


def key_findings(name: str, unit_coverage: pd.DataFrame, gaps_table: pd.DataFrame, evaluation):
    """A few generated sentences for the report's key findings: the pyramid's shape, its
    gaps and what each evaluation design can say.

    ``unit_coverage`` is :func:`coverage` for one unit, ``gaps_table`` :func:`gaps` for it,
    ``evaluation`` an :class:`urbansec_lib.outcomes.Evaluation` (or None).
    """
    from ..presentation.present import fmt_ci, fmt_pvalue

    out = []
    cov = unit_coverage.sort_values("level")
    total = int(cov["n_initiatives"].sum())
    parts = ", ".join(f"{r.layer_name} {int(r.n_initiatives)}" for r in cov.itertuples())
    out.append(f"{name} lists {total} initiatives; from the base of the pyramid up: {parts}.")
    empty = cov.loc[cov["n_initiatives"] == 0, "layer_name"].tolist()
    if empty:
        out.append("No initiative in: " + ", ".join(empty) + ".")
    n_gaps = gaps_table["layer"].nunique() if len(gaps_table) else 0
    if n_gaps:
        out.append(f"{n_gaps} layer(s) have domains or target groups without any initiative.")
    if evaluation is not None:
        from .outcomes import DESIGN_NAMES

        tab = evaluation.table()
        for r in tab.itertuples():
            verdict = (
                "distinguishable from no effect" if r.pvalue < 0.05 else "compatible with no effect"
            )
            out.append(
                f"{DESIGN_NAMES.get(r.design, r.design)}: {r.estimate:.2f} ({r.scale}), 95% CI "
                f"{fmt_ci(r.ci_low, r.ci_high)}, p-value {fmt_pvalue(r.pvalue)}: {verdict}."
            )
    return out
