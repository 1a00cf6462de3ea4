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
>>> fw.version.count(".")  # a semantic version, e.g. '1.0.0'
2
>>> len(fw.indicators) >= 40
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import Problem, ValidationError, check_version_block
from ..core.ingest import check_keys
from .framework_build import _Builder
from .imeta import (  # noqa: F401 - used by urbansec_lib.coinr
    _blank,
    _read_table,
    check_imeta_rows,
    check_levels,
    framework_to_imeta,
    imeta_document,
)
from .nodes import (
    _META_KEYS,
    AGGREGATIONS,
    LEVELS,
    MEASUREMENT_TYPES,
    Dimension,
    Indicator,
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


@dataclass(frozen=True)
class Framework:
    """A versioned indicator framework.

    Use :func:`load_framework` to build one from YAML, :meth:`from_coinr` from COINr's
    ``iMeta`` table. Lookups: :meth:`indicator`, :meth:`node`, :attr:`indicators`,
    :meth:`meta`.

    Examples
    --------
    >>> fw = load_framework()
    >>> fw.node(fw.dimensions[0].id).label
    'Quality of life'
    >>> len(fw.indicators) == len(fw.meta().query("Type == 'Indicator'"))
    True
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


def _build(doc: Any, source: str) -> Framework:
    """The framework of a YAML document, or one ValidationError listing every problem."""
    if not isinstance(doc, dict):
        raise ValidationError([Problem(source, None, "<root>", type(doc).__name__, "a mapping")])
    b = _Builder(source)
    check_keys(doc, ("framework", "dimensions"), "<root>", b.bad)
    if isinstance(doc.get("framework"), dict):
        check_keys(doc["framework"], _META_KEYS, "framework", b.bad)
    meta = doc.get("framework")
    version, changelog = check_version_block(meta, "framework", b.bad)
    meta = meta if isinstance(meta, dict) else {}
    index = meta.get("index") or {}
    dims_raw = doc.get("dimensions")
    if not isinstance(dims_raw, list) or not dims_raw:
        b.bad("dimensions", dims_raw, "a non-empty list of dimensions")
        dims_raw = []
    b.check_weights("dimensions", dims_raw)
    dims = [b.dimension(f"dimensions[{j}]", d, None) for j, d in enumerate(dims_raw)]
    index_id = str(index.get("id", "index")) if isinstance(index, dict) else "index"
    if index_id in b.seen:
        b.bad("framework.index.id", index_id, "an id not used by any dimension or indicator")
    if b.problems:
        raise ValidationError(b.problems, f"framework {source}")
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

    Examples
    --------
    >>> import pandas as pd
    >>> from urbansec_lib.model.imeta import example_imeta
    >>> meta = example_imeta()
    >>> fw = imeta_to_framework(meta)
    >>> fw.index_id, [i.id for i in fw.indicators], fw.indicator("x2").direction
    ('idx', ['x1', 'x2'], -1)
    """
    doc, fname, rows, seen = imeta_document(
        imeta,
        id=id,
        name=name,
        version=version,
        description=description,
        indicator_type=indicator_type,
        levels=levels,
        dataset=dataset,
    )
    fw = Framework.from_dict(doc, source=fname)
    check_levels(fw, fname, rows, seen)
    return fw
