"""The indicator framework: dimensions, sub-dimensions and indicators, loaded from YAML.

A framework is a tree. Leaves are :class:`Indicator` objects; inner nodes are
:class:`Dimension` objects (a dimension may hold indicators, sub-dimensions, or both);
the root is the framework itself (optionally an index). Every node can carry its own
weight, direction and aggregation method, as in COINr's ``iMeta`` table.

Loading validates the whole file and raises one :class:`~urbansec_lib.core.errors.ValidationError`
listing every problem with its YAML path (e.g. ``dimensions[2].indicators[0].type``).

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> fw.version  # doctest: +SKIP
'1.0.0'
>>> len(fw.indicators) >= 40
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError, check_version_block
from ..core.ingest import check_keys, finite_number, read_bytes, read_frame, xlsx_sheets

#: Fields of a dimension and of the ``framework:`` header (others are misspellings).
_DIM_KEYS = (
    "id",
    "label",
    "description",
    "weight",
    "direction",
    "aggregation",
    "children",
    "indicators",
    "notes",
)
_META_KEYS = (
    "id",
    "name",
    "version",
    "description",
    "changelog",
    "index",
    "license",
    "authors",
    "source",
    "sources",
    "notes",
    "references",
    "date",
)

__all__ = [
    "check_imeta_rows",
    "framework_to_imeta",
    "imeta_to_framework",
    "Indicator",
    "Dimension",
    "Framework",
    "load_framework",
    "MEASUREMENT_TYPES",
    "LEVELS",
    "AGGREGATIONS",
]

#: Measurement types an indicator can have, with their natural range (None = open).
MEASUREMENT_TYPES: dict[str, tuple[float | None, float | None]] = {
    "likert4": (1, 4),
    "likert5": (1, 5),
    "share": (0, 100),  # percentage 0-100
    "rate_per_100k": (0, None),
    "rate_per_1000": (0, None),
    "count": (0, None),
    "yes_no": (0, 1),
    "ratio": (None, None),
    "index": (None, None),
    "continuous": (None, None),
    "select_multiple": (0, None),
}
#: Territorial levels an indicator applies to.
LEVELS = ("NUTS1", "NUTS2", "NUTS3", "city", "LAU", "neighbourhood")
#: Aggregation methods a node can use to combine its children.
AGGREGATIONS = ("arithmetic", "geometric", "harmonic", "generalised", "none")
SOURCE_KINDS = ("survey", "statistic", "administrative")
NATURES = ("objective", "perceived")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DIRECTION_WORDS = {
    "higher_is_better": 1,
    "higher_better": 1,
    "positive": 1,
    "higher_is_worse": -1,
    "higher_worse": -1,
    "negative": -1,
}


@dataclass(frozen=True)
class Indicator:
    """One indicator (a leaf of the framework).

    Attributes
    ----------
    id, label, definition : str
        Identifier (letters, digits, underscore), short label and full definition.
    type : str
        Measurement type, one of :data:`MEASUREMENT_TYPES`.
    direction : int
        ``+1`` if higher is better, ``-1`` if higher is worse.
    unit : str
        Unit of measurement in words (e.g. ``"% of residents"``).
    source : dict
        ``{"kind": "survey", "question": ..., "options": [...]}`` or
        ``{"kind": "statistic", "dataset": "crim_gen_reg", "code": ..., ...}``.
    levels : tuple of str
        Territorial levels the indicator applies to (see :data:`LEVELS`).
    nature : str
        ``"objective"`` or ``"perceived"``.
    frequency : str
        Update frequency in words.
    indices : tuple of str
        Existing indices that carry the indicator (catalogue ids).
    weight : float
        Weight within its parent (default 1).
    parent : str
        Id of the parent dimension.
    target, denominator, range : optional
        Target value, denominator declaration (e.g. ``"population/100000"``) and
        plausible range ``(low, high)``.
    normalisation : dict, optional
        The indicator's own normalisation (COINr ``indiv_specs``): ``{"method": ...,
        **params}``, e.g. ``{"method": "goalposts", "goalposts": [0, 100]}``; used by
        :func:`urbansec_lib.scoring.score` instead of the global method.
    """

    id: str
    label: str
    definition: str
    type: str
    direction: int
    unit: str
    source: dict
    levels: tuple[str, ...]
    nature: str
    frequency: str
    indices: tuple[str, ...]
    parent: str
    weight: float = 1.0
    target: float | None = None
    denominator: str | None = None
    range: tuple[float | None, float | None] | None = None
    normalisation: dict | None = None

    @property
    def is_survey(self) -> bool:
        """True when the indicator is collected by the self-assessment survey."""
        return self.source.get("kind") == "survey"

    @property
    def valid_range(self) -> tuple[float | None, float | None]:
        """The declared range, else the natural range of the measurement type."""
        return self.range if self.range is not None else MEASUREMENT_TYPES[self.type]


@dataclass(frozen=True)
class Dimension:
    """An inner node: a dimension or sub-dimension.

    Attributes
    ----------
    id, label, description : str
    weight : float
        Weight within its parent.
    direction : int
        ``+1`` normally; ``-1`` flips the whole node (COINr's direction per pillar).
    aggregation : str
        How the node combines its children (see :data:`AGGREGATIONS`).
    children : tuple of Dimension
        Sub-dimensions.
    indicators : tuple of Indicator
        Indicators directly under this node.
    parent : str or None
        Id of the parent node (``None`` for top-level dimensions under the root).
    """

    id: str
    label: str
    description: str
    weight: float = 1.0
    direction: int = 1
    aggregation: str = "arithmetic"
    children: tuple[Dimension, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    parent: str | None = None

    def walk(self) -> Iterator[Dimension]:
        """Yield this node and every sub-dimension below it (pre-order)."""
        yield self
        for c in self.children:
            yield from c.walk()

    def all_indicators(self) -> list[Indicator]:
        """Every indicator at or below this node."""
        out = list(self.indicators)
        for c in self.children:
            out.extend(c.all_indicators())
        return out


@dataclass(frozen=True)
class Framework:
    """A versioned indicator framework.

    Use :func:`load_framework` to build one from YAML, :meth:`from_coinr` from COINr's
    ``iMeta`` table. Lookups: :meth:`indicator`, :meth:`node`, :attr:`indicators`,
    :meth:`meta`.
    """

    id: str
    name: str
    version: str
    description: str
    dimensions: tuple[Dimension, ...]
    changelog: tuple[dict, ...] = ()
    index_id: str = "index"
    index_label: str = "Index"
    index_aggregation: str = "arithmetic"
    source_path: str | None = None
    _lookup: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        lk: dict[str, Any] = {}
        for d in self.dimensions:
            for node in d.walk():
                lk[node.id] = node
                for ind in node.indicators:
                    lk[ind.id] = ind
        object.__setattr__(self, "_lookup", lk)

    # ----------------------------------------------------------------- lookups
    @property
    def indicators(self) -> list[Indicator]:
        """All indicators, in framework order."""
        out: list[Indicator] = []
        for d in self.dimensions:
            out.extend(d.all_indicators())
        return out

    @property
    def nodes(self) -> list[Dimension]:
        """All dimensions and sub-dimensions (pre-order)."""
        return [n for d in self.dimensions for n in d.walk()]

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator with this id (``KeyError`` if unknown)."""
        obj = self._lookup.get(indicator_id)
        if not isinstance(obj, Indicator):
            raise KeyError(f"unknown indicator {indicator_id!r} in framework {self.id}")
        return obj

    def node(self, node_id: str) -> Dimension | Indicator:
        """Return the dimension or indicator with this id."""
        if node_id not in self._lookup:
            raise KeyError(f"unknown node {node_id!r} in framework {self.id}")
        return self._lookup[node_id]

    def dimension_of(self, indicator_id: str) -> str:
        """Id of the top-level dimension an indicator belongs to."""
        node = self.node(indicator_id)
        parent = node.parent
        while parent is not None:
            p = self._lookup[parent]
            if p.parent is None:
                return p.id
            parent = p.parent
        return node.id

    def survey_indicators(self, levels: list[str] | None = None) -> list[Indicator]:
        """Indicators collected by the survey, optionally only those for ``levels``."""
        out = [i for i in self.indicators if i.is_survey]
        if levels:
            out = [i for i in out if set(i.levels) & set(levels)]
        return out

    def indicators_table(self) -> pd.DataFrame:
        """One row per indicator with its metadata (tidy)."""
        rows = []
        for i in self.indicators:
            rows.append(
                {
                    "indicator_id": i.id,
                    "label": i.label,
                    "dimension": self.dimension_of(i.id),
                    "parent": i.parent,
                    "type": i.type,
                    "direction": i.direction,
                    "unit": i.unit,
                    "nature": i.nature,
                    "source_kind": i.source.get("kind"),
                    "dataset": i.source.get("dataset"),
                    "levels": ",".join(i.levels),
                    "frequency": i.frequency,
                    "indices": ",".join(i.indices),
                    "weight": i.weight,
                    "target": i.target,
                    "denominator": i.denominator,
                }
            )
        return pd.DataFrame(rows)

    def meta(self) -> pd.DataFrame:
        """The framework as a node table (COINr ``iMeta``-like, one row per node).

        Columns: ``Level`` (1 = indicators, parents one above their highest child),
        ``iCode``, ``iName``, ``Direction``, ``Weight``, ``Parent``, ``Type``
        (``Indicator`` / ``Aggregate``), ``Aggregation``, ``Denominator``, ``Target``.
        The root index is included as the top aggregate.
        """
        rows: list[dict] = []

        def visit(node: Dimension, parent: str) -> int:
            levels = []
            for ind in node.indicators:
                rows.append(
                    {
                        "Level": 1,
                        "iCode": ind.id,
                        "iName": ind.label,
                        "Direction": ind.direction,
                        "Weight": ind.weight,
                        "Parent": node.id,
                        "Type": "Indicator",
                        "Aggregation": None,
                        "Denominator": ind.denominator,
                        "Target": ind.target,
                    }
                )
                levels.append(1)
            for c in node.children:
                levels.append(visit(c, node.id))
            lvl = max(levels) + 1
            rows.append(
                {
                    "Level": lvl,
                    "iCode": node.id,
                    "iName": node.label,
                    "Direction": node.direction,
                    "Weight": node.weight,
                    "Parent": parent,
                    "Type": "Aggregate",
                    "Aggregation": node.aggregation,
                    "Denominator": None,
                    "Target": None,
                }
            )
            return lvl

        top = max(visit(d, self.index_id) for d in self.dimensions) + 1
        rows.append(
            {
                "Level": top,
                "iCode": self.index_id,
                "iName": self.index_label,
                "Direction": 1,
                "Weight": 1.0,
                "Parent": None,
                "Type": "Aggregate",
                "Aggregation": self.index_aggregation,
                "Denominator": None,
                "Target": None,
            }
        )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Plain-text overview: version and indicator counts per dimension."""
        lines = [f"{self.name} ({self.id}) v{self.version}"]
        for d in self.dimensions:
            inds = d.all_indicators()
            n_obj = sum(i.nature == "objective" for i in inds)
            lines.append(
                f"  {d.label:<40} {len(inds):>3} indicators "
                f"({n_obj} objective, {len(inds) - n_obj} perceived)"
            )
        lines.append(f"  {'total':<40} {len(self.indicators):>3}")
        return "\n".join(lines)

    # -------------------------------------------------------------- interop
    def to_dict(self) -> dict:
        """The framework as a plain dict in the YAML layout (round-trips via ``from_dict``)."""

        def ind_dict(i: Indicator) -> dict:
            d = {
                "id": i.id,
                "label": i.label,
                "definition": i.definition,
                "type": i.type,
                "direction": i.direction,
                "unit": i.unit,
                "source": dict(i.source),
                "levels": list(i.levels),
                "nature": i.nature,
                "frequency": i.frequency,
                "indices": list(i.indices),
                "weight": i.weight,
            }
            for k in ("target", "denominator"):
                if getattr(i, k) is not None:
                    d[k] = getattr(i, k)
            if i.range is not None:
                d["range"] = list(i.range)
            if i.normalisation is not None:
                d["normalisation"] = dict(i.normalisation)
            return d

        def dim_dict(n: Dimension) -> dict:
            d: dict[str, Any] = {
                "id": n.id,
                "label": n.label,
                "description": n.description,
                "weight": n.weight,
                "direction": n.direction,
                "aggregation": n.aggregation,
            }
            if n.children:
                d["children"] = [dim_dict(c) for c in n.children]
            if n.indicators:
                d["indicators"] = [ind_dict(i) for i in n.indicators]
            return d

        return {
            "framework": {
                "id": self.id,
                "name": self.name,
                "version": self.version,
                "description": self.description,
                "index": {
                    "id": self.index_id,
                    "label": self.index_label,
                    "aggregation": self.index_aggregation,
                },
                "changelog": [dict(c) for c in self.changelog],
            },
            "dimensions": [dim_dict(d) for d in self.dimensions],
        }

    @classmethod
    def from_dict(cls, doc: dict, source: str = "<dict>") -> Framework:
        """Build and validate a framework from the YAML layout (see module docs)."""
        return _build(doc, source)

    def to_coinr(self) -> pd.DataFrame:
        """COINr ``iMeta`` table (Level, iCode, iName, Direction, Weight, Parent, Type, ...)."""
        return framework_to_imeta(self)

    @classmethod
    def from_coinr(cls, imeta: pd.DataFrame | str | Path, **kwargs: Any) -> Framework:
        """Build a framework from a COINr ``iMeta`` table (DataFrame, CSV or XLSX path)."""
        return imeta_to_framework(imeta, **kwargs)


# ---------------------------------------------------------------------- loading
def load_framework(path: str | Path | None = None) -> Framework:
    """Load and validate a framework YAML file.

    Parameters
    ----------
    path : str or Path, optional
        A framework YAML file. Default: the packaged urban-security framework
        (``urbansec_lib/frameworks/urban_security.yaml``); a name without suffix
        (e.g. ``"urban_security"``) picks a packaged framework.

    Returns
    -------
    Framework

    Raises
    ------
    ValidationError
        Listing every problem with its YAML path.

    Example
    -------
    >>> fw = load_framework()
    >>> fw.dimensions[0].id
    'quality_of_life'
    """
    if path is None:
        path = "urban_security"
    p = Path(path)
    from ..core.ingest import read_yaml

    if p.suffix == "" and not p.exists():
        res = resources.files("urbansec_lib") / "frameworks" / f"{path}.yaml"
        source = f"urbansec_lib/frameworks/{path}.yaml"
        try:
            text = res.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ValidationError(
                [
                    Problem(
                        source, None, None, str(path), "a packaged framework name or a YAML file"
                    )
                ],
                source,
            ) from None
        doc = read_yaml(text=text, label=source, mapping=False)
    else:
        source = str(p)
        doc = read_yaml(p, label=source, mapping=False)
    fw = _build(doc, source)
    return fw


def _as_direction(v: Any) -> int | None:
    if isinstance(v, str):
        return _DIRECTION_WORDS.get(v.strip().lower())
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v in (1, -1):
        return int(v)
    return None


def _build(doc: Any, source: str) -> Framework:
    problems: list[Problem] = []

    def bad(path: str, value: Any, expected: str) -> None:
        problems.append(Problem(source, None, path, value, expected))

    if not isinstance(doc, dict):
        raise ValidationError([Problem(source, None, "<root>", type(doc).__name__, "a mapping")])
    check_keys(doc, ("framework", "dimensions"), "<root>", bad)
    if isinstance(doc.get("framework"), dict):
        check_keys(doc["framework"], _META_KEYS, "framework", bad)
    meta = doc.get("framework")
    version, changelog = check_version_block(meta, "framework", bad)
    meta = meta if isinstance(meta, dict) else {}
    index = meta.get("index") or {}
    seen: dict[str, str] = {}

    def check_id(path: str, value: Any) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            bad(f"{path}.id", value, "an identifier (letter, then letters/digits/_)")
            return str(value)
        if value in seen:
            bad(f"{path}.id", value, f"a unique id (already used at {seen[value]})")
        else:
            seen[value] = path
        return value

    def weight_of(path: str, d: dict) -> float:
        w = finite_number(d.get("weight", 1.0), f"{path}.weight", bad, low=0.0, default=1.0)
        return float(w)

    def check_weights(path: str, nodes: list) -> None:
        ws = [n.get("weight", 1.0) for n in nodes if isinstance(n, dict)]
        nums = [w for w in ws if isinstance(w, (int, float)) and not isinstance(w, bool)]
        if nums and len(nums) == len(ws) and all(w == 0 for w in nums):
            bad(f"{path}[*].weight", 0, "at least one weight > 0 among siblings (all are 0)")

    def build_indicator(path: str, d: Any, parent: str) -> Indicator | None:
        if not isinstance(d, dict):
            bad(path, d, "a mapping")
            return None
        iid = check_id(path, d.get("id"))
        for key in ("label", "definition", "unit", "frequency"):
            if not isinstance(d.get(key), str) or not d.get(key).strip():
                bad(f"{path}.{key}", d.get(key), "a non-empty string")
        typ = d.get("type")
        if typ not in MEASUREMENT_TYPES:
            bad(f"{path}.type", typ, f"one of {', '.join(MEASUREMENT_TYPES)}")
            typ = "continuous"
        if "direction" not in d:
            bad(f"{path}.direction", None, "higher_is_better or higher_is_worse (or 1 / -1)")
            direction = 1
        else:
            direction = _as_direction(d.get("direction"))
            if direction is None:
                bad(f"{path}.direction", d.get("direction"), "higher_is_better or higher_is_worse")
                direction = 1
        src = d.get("source")
        if not isinstance(src, dict) or src.get("kind") not in SOURCE_KINDS:
            bad(
                f"{path}.source.kind",
                (src or {}).get("kind") if isinstance(src, dict) else src,
                f"one of {', '.join(SOURCE_KINDS)}",
            )
            src = {"kind": "statistic"} if not isinstance(src, dict) else src
        elif src["kind"] == "survey":
            if not src.get("question"):
                bad(f"{path}.source.question", None, "the English question text")
            if typ in ("likert4", "likert5", "yes_no", "select_multiple") and not src.get(
                "options"
            ):
                bad(f"{path}.source.options", None, f"answer options for a {typ} question")
            elif typ in ("likert4", "likert5"):
                n = int(typ[-1])
                if len(src["options"]) != n:
                    bad(f"{path}.source.options", len(src["options"]), f"{n} options for {typ}")
        elif not src.get("dataset"):
            bad(f"{path}.source.dataset", None, "the dataset name for a statistic")
        levels = d.get("levels") or []
        if not isinstance(levels, list) or not levels:
            bad(f"{path}.levels", levels, f"a non-empty list drawn from {', '.join(LEVELS)}")
            levels = []
        for j, lv in enumerate(levels):
            if lv not in LEVELS:
                bad(f"{path}.levels[{j}]", lv, f"one of {', '.join(LEVELS)}")
        nature = d.get("nature")
        if nature not in NATURES:
            bad(f"{path}.nature", nature, "objective or perceived")
        indices = d.get("indices") or []
        if not isinstance(indices, list):
            bad(f"{path}.indices", indices, "a list of index ids")
            indices = []
        rng = d.get("range")
        if rng is not None:
            if not (isinstance(rng, list) and len(rng) == 2):
                bad(f"{path}.range", rng, "[low, high]")
                rng = None
            else:
                lo = finite_number(rng[0], f"{path}.range[0]", bad)
                hi = finite_number(rng[1], f"{path}.range[1]", bad)
                if lo is not None and hi is not None and not lo < hi:
                    bad(f"{path}.range", rng, "[low, high] with low < high")
                rng = tuple(rng) if lo is not None and hi is not None and lo < hi else None
        target = d.get("target")
        if target is not None:
            target = finite_number(target, f"{path}.target", bad)
        known = {
            "id",
            "label",
            "definition",
            "type",
            "direction",
            "unit",
            "source",
            "levels",
            "nature",
            "frequency",
            "indices",
            "weight",
            "target",
            "denominator",
            "range",
            "normalisation",
            "notes",
        }
        norm = d.get("normalisation")
        if norm is not None and not (
            isinstance(norm, dict) and isinstance(norm.get("method"), str)
        ):
            bad(f"{path}.normalisation", norm, "a mapping with a 'method' (and its parameters)")
            norm = None
        check_keys(d, known, path, bad)
        return Indicator(
            id=iid,
            label=str(d.get("label", "")),
            definition=str(d.get("definition", "")),
            type=typ,
            direction=direction,
            unit=str(d.get("unit", "")),
            source=dict(src),
            levels=tuple(levels),
            nature=str(nature),
            frequency=str(d.get("frequency", "")),
            indices=tuple(indices),
            parent=parent,
            weight=weight_of(path, d),
            target=target,
            denominator=d.get("denominator"),
            range=rng,
            normalisation=dict(norm) if norm is not None else None,
        )

    def build_dim(path: str, d: Any, parent: str | None) -> Dimension | None:
        if not isinstance(d, dict):
            bad(path, d, "a mapping")
            return None
        did = check_id(path, d.get("id"))
        check_keys(d, _DIM_KEYS, path, bad)
        if not d.get("label"):
            bad(f"{path}.label", d.get("label"), "a non-empty string")
        agg = d.get("aggregation", "arithmetic")
        if agg not in AGGREGATIONS:
            bad(f"{path}.aggregation", agg, f"one of {', '.join(AGGREGATIONS)}")
            agg = "arithmetic"
        direction = _as_direction(d.get("direction", 1))
        if direction is None:
            bad(f"{path}.direction", d.get("direction"), "1 or -1")
            direction = 1
        kids_raw = d.get("children") or []
        inds_raw = d.get("indicators") or []
        if not kids_raw and not inds_raw:
            bad(f"{path}.indicators", None, "at least one indicator or sub-dimension")
        if isinstance(kids_raw, list) and isinstance(inds_raw, list):
            check_weights(f"{path}.children+indicators", list(kids_raw) + list(inds_raw))
        kids = [build_dim(f"{path}.children[{j}]", c, did) for j, c in enumerate(kids_raw)]
        inds = [build_indicator(f"{path}.indicators[{j}]", c, did) for j, c in enumerate(inds_raw)]
        return Dimension(
            id=did,
            label=str(d.get("label", "")),
            description=str(d.get("description", "")),
            weight=weight_of(path, d),
            direction=direction,
            aggregation=agg,
            children=tuple(k for k in kids if k is not None),
            indicators=tuple(i for i in inds if i is not None),
            parent=parent,
        )

    dims_raw = doc.get("dimensions")
    if not isinstance(dims_raw, list) or not dims_raw:
        bad("dimensions", dims_raw, "a non-empty list of dimensions")
        dims_raw = []
    check_weights("dimensions", dims_raw)
    dims = [build_dim(f"dimensions[{j}]", d, None) for j, d in enumerate(dims_raw)]
    index_id = str(index.get("id", "index")) if isinstance(index, dict) else "index"
    if index_id in seen:
        bad("framework.index.id", index_id, "an id not used by any dimension or indicator")
    if problems:
        raise ValidationError(problems, f"framework {source}")
    return Framework(
        id=str(meta["id"]),
        name=str(meta["name"]),
        version=version,
        description=str(meta.get("description", "")),
        dimensions=tuple(d for d in dims if d is not None),
        changelog=tuple(changelog),
        index_id=index_id,
        index_label=str(index.get("label", "Index")),
        index_aggregation=str(index.get("aggregation", "arithmetic")),
        source_path=source,
    )


# ------------------------------------------------------------------ COINr iMeta tables
# The framework's table form (COINr's iMeta): read and written here, with the model, so
# that Framework.from_coinr / to_coinr need nothing above this module (urbansec_lib.coinr
# adds the data tables, the COIN Tool workbook and the Excel export).
_REQUIRED = ["iCode", "Level", "Direction", "Weight", "Parent", "Type"]
_TREE_TYPES = {"Indicator", "Aggregate"}
_OTHER_TYPES = {"Group", "Denominator", "Other"}


def _read_table(obj: Any, sheet: str) -> tuple[pd.DataFrame, str]:
    if isinstance(obj, pd.DataFrame):
        return obj.copy(), sheet
    p = Path(obj)
    if p.suffix.lower() in (".xlsx", ".xls"):
        sheets = xlsx_sheets(read_bytes(p, p.name), p.name)  # bounded, located errors
        # the named sheet, else the only sheet of the workbook
        use = sheet if sheet in sheets else (sheets[0] if len(sheets) == 1 else None)
        if use is None:
            raise ValidationError(
                [Problem(p.name, None, None, ", ".join(sheets), f"a sheet named {sheet!r}")], p.name
            )
        return read_frame(p, p.name, sheet=use, infer=True), f"{p.name}!{use}"
    return read_frame(p, p.name, infer=True), p.name


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def check_imeta_rows(df: pd.DataFrame, fname: str) -> list[Problem]:
    """Located problems for a blank or non-numeric ``Level``, an infinite ``Weight`` and a
    ``Parent`` chain that loops (a cycle never reaches the index); an empty iMeta raises.

    Example
    -------
    >>> t = pd.DataFrame({"iCode": ["a", "b"], "Level": [2, "x"], "Direction": [1, 1],
    ...                   "Weight": [1, 1], "Parent": ["b", "a"], "Type": ["Aggregate"] * 2})
    >>> [(p.row, p.column) for p in check_imeta_rows(t, "iMeta.csv")]
    [(3, 'Level'), (2, 'Parent'), (3, 'Parent')]
    """
    if len(df) == 0:
        raise ValidationError(
            [Problem(fname, 2, None, None, "at least one row below the header (iMeta is empty)")],
            f"iMeta {fname}",
        )
    problems: list[Problem] = []
    for col, exp in (("Level", "a whole number >= 1"), ("Weight", "a finite number >= 0")):
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        if col == "Level":
            # COINr 1.x: Group / Denominator / Other rows carry no level
            tree = (
                df["Type"].astype(str).isin(["Indicator", "Aggregate"]).to_numpy()
                if "Type" in df
                else np.ones(len(df), dtype=bool)
            )
            bad = tree & (~np.isfinite(v) | (np.isfinite(v) & ((v != np.round(v)) | (v < 1))))
        else:  # NaN and negatives are reported with the tree checks below
            bad = np.isinf(v)
        for r in np.flatnonzero(bad):
            val = df.at[r, col]
            problems.append(Problem(fname, int(r) + 2, col, None if _blank(val) else val, exp))
    parent = {
        str(code): (None if _blank(par) else str(par))
        for code, par in zip(df["iCode"], df["Parent"])
    }
    row_of = {str(code): int(r) + 2 for r, code in enumerate(df["iCode"])}
    in_cycle: set[str] = set()
    for start in parent:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node in parent and node not in seen:
            seen.append(node)
            node = parent[node]
        if node is not None and node in seen:
            in_cycle.update(seen[seen.index(node) :])
    for code in sorted(in_cycle, key=lambda c: row_of[c]):
        problems.append(
            Problem(
                fname,
                row_of[code],
                "Parent",
                parent[code],
                "a parent chain that ends at the index (this one loops back on itself)",
            )
        )
    return problems


def imeta_to_framework(
    imeta: pd.DataFrame | str | Path,
    id: str = "coinr",
    name: str | None = None,
    version: str = "1.0.0",
    description: str = "Imported from a COINr iMeta table.",
    indicator_type: str = "continuous",
    levels: tuple[str, ...] = ("city",),
    dataset: str = "COINr iData",
) -> Framework:
    """Build a :class:`~urbansec_lib.framework.Framework` from a COINr ``iMeta`` table.

    The single aggregate without a parent is the index. Indicators get the measurement
    type ``indicator_type``, source ``{"kind": "statistic", "dataset": dataset}`` and
    territorial ``levels``; ``Unit``, ``Target``, ``Denominator`` and ``Aggregation``
    columns are used when present, and ``Normalisation`` (a method of
    :func:`urbansec_lib.scoring.normalise`, with goalposts from ``GPlower``/``GPupper``)
    gives an indicator its own normalisation.

    Raises
    ------
    ValidationError
        Every problem with its row (header = row 1): missing columns, duplicate codes,
        unknown parents, a parent that is an indicator, directions other than +-1,
        negative weights, unknown types, more or less than one root, level mismatches.
    """
    df, fname = _read_table(imeta, "iMeta")
    problems: list[Problem] = []
    for c in _REQUIRED:
        if c not in df.columns:
            problems.append(Problem(fname, None, c, None, f"a column {c!r}"))
    if problems:
        raise ValidationError(problems, f"iMeta {fname}")
    df = df.reset_index(drop=True)
    problems += check_imeta_rows(df, fname)
    types = df["Type"].astype(str)
    for r in np.flatnonzero(~types.isin(_TREE_TYPES | _OTHER_TYPES)):
        problems.append(
            Problem(
                fname,
                r + 2,
                "Type",
                df.at[r, "Type"],
                "Indicator, Aggregate, Group, Denominator or Other",
            )
        )
    tree = df[types.isin(_TREE_TYPES)]
    seen: dict[str, int] = {}
    for r, code in zip(tree.index, tree["iCode"]):
        if code in seen:
            problems.append(
                Problem(fname, r + 2, "iCode", code, f"a unique code (also in row {seen[code]})")
            )
        else:
            seen[code] = r + 2
    kind = dict(zip(tree["iCode"], tree["Type"]))
    roots = []
    for r in tree.index:
        row = df.loc[r]
        par = row["Parent"]
        try:
            dv = float(row["Direction"])
        except (TypeError, ValueError):
            dv = np.nan
        if dv not in (1.0, -1.0):
            problems.append(Problem(fname, r + 2, "Direction", row["Direction"], "1 or -1"))
        try:
            wv = float(row["Weight"])
        except (TypeError, ValueError):
            wv = np.nan
        if not (wv >= 0):
            problems.append(Problem(fname, r + 2, "Weight", row["Weight"], "a number >= 0"))
        if _blank(par):
            if row["Type"] == "Indicator":
                problems.append(
                    Problem(fname, r + 2, "Parent", None, "the code of the indicator's aggregate")
                )
            else:
                roots.append(r)
        elif par not in kind:
            problems.append(Problem(fname, r + 2, "Parent", par, "the iCode of an aggregate"))
        elif kind[par] != "Aggregate":
            problems.append(
                Problem(fname, r + 2, "Parent", par, "an aggregate (it is an indicator)")
            )
        if "Aggregation" in df.columns and row["Type"] == "Aggregate":
            ag = row["Aggregation"]
            if not _blank(ag) and ag not in AGGREGATIONS:
                problems.append(
                    Problem(fname, r + 2, "Aggregation", ag, f"one of {', '.join(AGGREGATIONS)}")
                )
    if len(roots) != 1:
        problems.append(
            Problem(
                fname,
                None,
                "Parent",
                len(roots),
                "exactly one aggregate without a parent (the index)",
            )
        )
    if problems:
        raise ValidationError(problems, f"iMeta {fname}")

    def opt(row: pd.Series, col: str) -> Any:
        if col not in row.index or _blank(row[col]):
            return None
        return row[col]

    rows = {code: df.loc[r] for r, code in zip(tree.index, tree["iCode"])}
    kids: dict[str, list[str]] = {c: [] for c in rows}
    for code, row in rows.items():
        if not _blank(row["Parent"]):
            kids[row["Parent"]].append(code)

    def ind_dict(code: str) -> dict:
        row = rows[code]
        d = {
            "id": code,
            "label": str(opt(row, "iName") or code),
            "definition": str(opt(row, "iName") or code),
            "type": indicator_type,
            "direction": int(float(row["Direction"])),
            "unit": str(opt(row, "Unit") or "unspecified"),
            "source": {"kind": "statistic", "dataset": dataset},
            "levels": list(levels),
            "nature": "objective",
            "frequency": "unspecified",
            "indices": [],
            "weight": float(row["Weight"]),
        }
        if opt(row, "Target") is not None:
            d["target"] = float(row["Target"])
        if opt(row, "Denominator") is not None:
            d["denominator"] = str(row["Denominator"])
        if opt(row, "Normalisation") is not None:
            # per-indicator normalisation: a method name, goalposts from GPlower/GPupper
            nd: dict[str, Any] = {"method": str(row["Normalisation"])}
            if opt(row, "GPlower") is not None and opt(row, "GPupper") is not None:
                nd["goalposts"] = [float(row["GPlower"]), float(row["GPupper"])]
            d["normalisation"] = nd
        return d

    def dim_dict(code: str) -> dict:
        row = rows[code]
        d: dict[str, Any] = {
            "id": code,
            "label": str(opt(row, "iName") or code),
            "description": str(opt(row, "iName") or code),
            "weight": float(row["Weight"]),
            "direction": int(float(row["Direction"])),
            "aggregation": str(opt(row, "Aggregation") or "arithmetic"),
        }
        ch = [c for c in kids[code] if rows[c]["Type"] == "Aggregate"]
        ii = [c for c in kids[code] if rows[c]["Type"] == "Indicator"]
        if ch:
            d["children"] = [dim_dict(c) for c in ch]
        if ii:
            d["indicators"] = [ind_dict(c) for c in ii]
        return d

    root = str(tree.loc[roots[0], "iCode"])
    rrow = rows[root]
    doc = {
        "framework": {
            "id": id,
            "name": name or str(opt(rrow, "iName") or root),
            "version": version,
            "description": description,
            "index": {
                "id": root,
                "label": str(opt(rrow, "iName") or root),
                "aggregation": str(opt(rrow, "Aggregation") or "arithmetic"),
            },
            "changelog": [{"version": version, "date": "", "changes": f"imported from {fname}"}],
        },
        "dimensions": [dim_dict(c) for c in kids[root] if rows[c]["Type"] == "Aggregate"],
    }
    stray = [c for c in kids[root] if rows[c]["Type"] == "Indicator"]
    if stray:
        raise ValidationError(
            [
                Problem(
                    fname,
                    seen[c],
                    "Parent",
                    root,
                    "an aggregate below the index (COINr: indicators sit in aggregates)",
                )
                for c in stray
            ],
            f"iMeta {fname}",
        )
    fw = Framework.from_dict(doc, source=fname)
    meta = fw.meta().set_index("iCode")["Level"]
    lv = [
        Problem(fname, seen[c], "Level", rows[c]["Level"], f"level {meta[c]} (from the tree)")
        for c in rows
        if int(float(rows[c]["Level"])) != int(meta[c])
    ]
    if lv:
        raise ValidationError(lv, f"iMeta {fname}")
    return fw


def framework_to_imeta(fw: Framework) -> pd.DataFrame:
    """The framework as a COINr ``iMeta`` table (the index row has an empty Parent)."""
    meta = fw.meta()
    units = {i.id: i.unit for i in fw.indicators}
    meta["Unit"] = meta["iCode"].map(units)
    norms = {i.id: i.normalisation for i in fw.indicators if i.normalisation}
    meta["Normalisation"] = meta["iCode"].map(lambda c: norms[c]["method"] if c in norms else None)
    gp = {c: n.get("goalposts") for c, n in norms.items() if n.get("goalposts")}
    meta["GPlower"] = meta["iCode"].map(lambda c: gp[c][0] if c in gp else None)
    meta["GPupper"] = meta["iCode"].map(lambda c: gp[c][1] if c in gp else None)
    cols = [
        "iCode",
        "iName",
        "Level",
        "Direction",
        "Weight",
        "Parent",
        "Type",
        "Aggregation",
        "Denominator",
        "Target",
        "Unit",
    ]
    if norms:  # per-indicator normalisation (read back by imeta_to_framework)
        cols += ["Normalisation", "GPlower", "GPupper"]
    return meta[cols]
