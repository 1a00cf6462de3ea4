"""Prevention pyramids: the coded vocabulary, layers, crosswalks, loaded from YAML.

Part of :mod:`urbansec_lib.analysis.orpheus` (its public face). The pyramids are package
data (``urbansec_lib/pyramids/*.yaml``): ``partnership_4`` (default) and ``deklerck_5``.

Examples
--------
>>> from urbansec_lib.analysis.pyramid import load_pyramid
>>> load_pyramid().layer_ids[0]
'quality_of_life'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping

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

_CONFIDENCE = ["high", "medium", "low"]

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


def _read_layers(raw_layers: Any, file: str, problems: list[Problem]) -> list[Layer]:
    """The ``layers:`` section of a pyramid file, bottom to top."""
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
    return layers


def _read_crosswalks(
    raw_cw: Any, file: str, ids: list[str], problems: list[Problem]
) -> dict[str, list[dict[str, str]]]:
    """The ``crosswalk:`` section: other pyramid -> list of from/to/relation/note."""
    crosswalks: dict[str, list[dict[str, str]]] = {}
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
    return crosswalks


def _read_pyramid_file(path: Path) -> Pyramid:
    file = path.name
    doc = read_yaml_mapping(path, file)
    problems: list[Problem] = []
    name = doc.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        problems.append(_yaml_problem(file, "name", name, "a short name (letters, digits, _)"))
    layers = _read_layers(doc.get("layers"), file, problems)
    ids = [la.id for la in layers]
    crosswalks = _read_crosswalks(doc.get("crosswalk") or {}, file, ids, problems)
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
    """Names of the pyramids shipped with the package.

    Examples
    --------
    >>> builtin_pyramids()
    ['deklerck_5', 'partnership_4']
    """
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
