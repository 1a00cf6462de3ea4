"""Catalogue of existing indices and tools, crosswalk to the framework, and their gaps.

The Urban Agenda Partnership's Action 1 first mapped "the indices, benchmarking tools and
self-assessment tools already used in urban security, to find good practice, gaps and
shortcomings" (DOMAIN.md section 0). This module holds that mapping as versioned package
data (``urbansec_lib/catalogues/indices.yaml``) and reads it against the indicator
framework, whose indicators name the catalogue indices that carry them
(:attr:`urbansec_lib.framework.Indicator.indices`).

Catalogue schema
----------------
``catalogue`` (id, name, semantic ``version``, ``changelog`` with an entry for it),
``sources`` (key -> ``{title, url}``) and ``indices``: a list of entries. Every entry
field except ``id`` and ``label`` is a *fact*, a mapping::

    {value: ..., source: <source key or list of keys>, status: src|recall|synthesis|unknown,
     year: <optional year the value refers to>, note: <optional text>}

``status`` says how sure the fact is: ``src`` stated in the source, ``recall`` background
knowledge still to verify, ``synthesis`` our reading of the source (the note says how),
``unknown`` not stated (``value: unknown``, no source needed). Every fact that is not
unknown must cite at least one key of ``sources``. Fields (``coverage`` and ``method`` are
mappings of facts, ``known_weaknesses`` a list of facts):

===============================  ==========================================================
``name``, ``publisher``          text
``kind``                         one of :data:`KINDS`
``years``                        list of years (or ``"2008-"``-like text)
``geographic_unit``              list drawn from :data:`GEO_UNITS`
``coverage.countries``           text or a number
``coverage.n_cities``            whole number or ``not_applicable``
``coverage.small_medium_cities`` ``true`` / ``false``
``dimensions``                   list of framework dimension ids (default :data:`DIMENSIONS`)
``n_indicators``                 whole number or ``not_applicable``
``objective_perceived``          objective, perceived or mixed
``method.ranking``               ``true`` / ``false``: does it publish a league table?
``method.weighting``             text; ``method.scoring`` (optional) text
``frequency``                    text
``openness``                     one of :data:`OPENNESS`
``known_weaknesses``             list of facts with text values
===============================  ==========================================================

Analyses never order indices or units by a score: indices keep catalogue order and
dimensions framework order.

Example
-------
>>> import urbansec_lib as us
>>> cat = load_catalogue()
>>> cat.ids[:2]
['safe_cities_index', 'qol_eu_cities']
>>> fw = us.load_framework()
>>> cw = crosswalk(fw, cat)
>>> set(cw.columns) >= {"indicator_id", "dimension", "index_id", "nature"}
True
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError, check_version_block
from ..core.ingest import read_yaml_mapping

if TYPE_CHECKING:
    from ..model.framework import Framework

__all__ = [
    "DIMENSIONS",
    "GAP_KINDS",
    "GAP_UNITS",
    "GEO_UNITS",
    "KINDS",
    "NATURES",
    "OPENNESS",
    "STATUSES",
    "Catalogue",
    "catalogue_html",
    "catalogue_path",
    "coverage_matrix",
    "crosswalk",
    "dimension_status",
    "framework_file",
    "gaps",
    "load_catalogue",
    "plot_coverage_heatmap",
    "plot_unit_coverage",
    "sources_html",
    "unit_status",
]

#: The six dimensions of the Action 1 holistic framework (Cavallini; DOMAIN.md section 0),
#: as ids of the packaged framework ``urban_security``.
DIMENSIONS: tuple[str, ...] = (
    "quality_of_life",
    "social_cohesion",
    "public_space_liveability",
    "sense_of_safety",
    "urban_security",
    "background_conditions",
)
#: Geographic units an index can report on.
GEO_UNITS: tuple[str, ...] = ("country", "NUTS1", "NUTS2", "NUTS3", "city", "neighbourhood")
#: Unit sizes checked for gaps, with their plain-language names.
GAP_UNITS: dict[str, str] = {
    "small_medium_cities": "small and medium cities",
    "NUTS3": "NUTS 3 regions",
    "neighbourhood": "neighbourhoods",
}
#: What kind of instrument an entry is.
KINDS: tuple[str, ...] = (
    "index",
    "survey",
    "statistics",
    "indicator",
    "indicator_set",
    "method",
    "monitoring_tool",
)
NATURES: tuple[str, ...] = ("objective", "perceived", "mixed")
OPENNESS: tuple[str, ...] = ("open_data", "restricted", "commercial")
STATUSES: tuple[str, ...] = ("src", "recall", "synthesis", "unknown")
#: Kinds of gap reported by :func:`gaps`, in report order.
GAP_KINDS: tuple[str, ...] = (
    "dimension_not_covered",
    "dimension_perception_only",
    "dimension_ranking_only",
    "unit_not_covered",
    "unit_method_only",
    "unit_perception_only",
    "index_only_ranks",
    "indicator_without_index",
)
UNKNOWN = "unknown"
NOT_APPLICABLE = "not_applicable"

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_URL = re.compile(r"^https?://\S+$")
_FACT_KEYS = frozenset({"value", "source", "status", "year", "note"})
_STATUS_MARK = {"src": "", "recall": " †", "synthesis": " *", "unknown": ""}


# ---------------------------------------------------------------------- value checks
def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _count_or_na(v: Any) -> bool:
    return (_is_int(v) and v >= 0) or v == NOT_APPLICABLE


def _years(v: Any) -> bool:
    if isinstance(v, str):
        return re.fullmatch(r"\d{4}(/\d{2})?-?(\d{4})?", v.strip()) is not None
    return (
        isinstance(v, list)
        and len(v) > 0
        and all((_is_int(y) and 1900 <= y <= 2100) or (isinstance(y, str) and _years(y)) for y in v)
    )


def _field_specs(dims: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any, str, bool]]:
    """(path, check, expected, required) for every fact field of an entry."""
    return [
        (("name",), _text, "a non-empty text", True),
        (("publisher",), _text, "a non-empty text", True),
        (("kind",), lambda v: v in KINDS, "one of " + ", ".join(KINDS), True),
        (("years",), _years, "a list of years (e.g. [2015, 2017]) or text like 2008-", True),
        (
            ("geographic_unit",),
            lambda v: isinstance(v, list) and len(v) > 0 and all(u in GEO_UNITS for u in v),
            "a non-empty list drawn from " + ", ".join(GEO_UNITS),
            True,
        ),
        (
            ("coverage", "countries"),
            lambda v: _text(v) or (_is_int(v) and v > 0),
            "a text or a number of countries",
            True,
        ),
        (("coverage", "n_cities"), _count_or_na, "a whole number >= 0 or not_applicable", True),
        (
            ("coverage", "small_medium_cities"),
            lambda v: isinstance(v, bool),
            "true or false (or value unknown with status unknown)",
            True,
        ),
        (
            ("dimensions",),
            lambda v: isinstance(v, list) and all(d in dims for d in v) and len(set(v)) == len(v),
            "a list of distinct dimension ids drawn from " + ", ".join(dims),
            True,
        ),
        (("n_indicators",), _count_or_na, "a whole number >= 0 or not_applicable", True),
        (("objective_perceived",), lambda v: v in NATURES, "objective, perceived or mixed", True),
        (
            ("method", "ranking"),
            lambda v: isinstance(v, bool),
            "true or false (or value unknown with status unknown)",
            True,
        ),
        (("method", "weighting"), _text, "a non-empty text", True),
        (("method", "scoring"), _text, "a non-empty text", False),
        (("frequency",), _text, "a non-empty text", True),
        (("openness",), lambda v: v in OPENNESS, "one of " + ", ".join(OPENNESS), True),
    ]


_ENTRY_KEYS = frozenset(
    {"id", "label", "coverage", "method", "known_weaknesses"}
    | {p[0][0] for p in _field_specs(DIMENSIONS) if len(p[0]) == 1}
)


# ---------------------------------------------------------------------- the catalogue
@dataclass(frozen=True)
class Catalogue:
    """A validated catalogue of existing indices and tools.

    Build one with :func:`load_catalogue`. Every entry is kept as the validated mapping
    (``entries``); :meth:`table`, :meth:`facts`, :meth:`dimension_coverage` and
    :meth:`unit_coverage` give tidy views.

    Attributes
    ----------
    id, name, version, description : str
    changelog : tuple of dict
    sources : dict
        Source key -> ``{"title": ..., "url": ...}`` in file order.
    entries : tuple of dict
        One validated mapping per index or tool, in file order.
    dimension_ids : tuple of str
        The dimension ids the entries were validated against.
    path : str or None
        The file the catalogue was read from.
    """

    id: str
    name: str
    version: str
    description: str
    changelog: tuple[dict, ...]
    sources: dict[str, dict]
    entries: tuple[dict, ...]
    dimension_ids: tuple[str, ...] = DIMENSIONS
    path: str | None = None
    _by_id: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e["id"]: e for e in self.entries})

    # ------------------------------------------------------------ lookups
    @property
    def ids(self) -> list[str]:
        """Index ids in catalogue order."""
        return [e["id"] for e in self.entries]

    @property
    def labels(self) -> dict[str, str]:
        """Index id -> short label."""
        return {e["id"]: e["label"] for e in self.entries}

    def entry(self, index_id: str) -> dict:
        """The validated mapping of one index (``KeyError`` if unknown)."""
        if index_id not in self._by_id:
            raise KeyError(f"unknown index {index_id!r} in catalogue {self.id}")
        return self._by_id[index_id]

    def value(self, index_id: str, field_path: str) -> Any:
        """The value of one fact, e.g. ``value("numbeo", "coverage.n_cities")``."""
        node: Any = self.entry(index_id)
        for part in field_path.split("."):
            node = node[part]
        return node["value"]

    # ------------------------------------------------------------ tidy views
    def facts(self) -> pd.DataFrame:
        """Every fact, one row each: where it is, its value, status and sources.

        Columns: ``index_id``, ``field`` (dotted path, e.g. ``coverage.n_cities`` or
        ``known_weaknesses[1]``), ``value`` (as stored), ``value_text``, ``year``,
        ``status``, ``sources`` (source keys, comma-separated), ``urls`` (space-separated),
        ``note``.
        """
        rows = []
        for e in self.entries:
            for path, fact in _iter_facts(e):
                keys = _source_keys(fact.get("source"))
                rows.append(
                    {
                        "index_id": e["id"],
                        "field": path,
                        "value": fact.get("value"),
                        "value_text": _fmt(fact.get("value")),
                        "year": fact.get("year"),
                        "status": fact.get("status"),
                        "sources": ",".join(keys),
                        "urls": " ".join(self.sources[k]["url"] for k in keys),
                        "note": fact.get("note", ""),
                    }
                )
        cols = [
            "index_id",
            "field",
            "value",
            "value_text",
            "year",
            "status",
            "sources",
            "urls",
            "note",
        ]
        return pd.DataFrame(rows, columns=cols)

    def table(self) -> pd.DataFrame:
        """One row per index with the value of every field (lists comma-joined).

        Unknown values are the text ``"unknown"``; sources are in :meth:`facts`.
        """
        rows = []
        for e in self.entries:
            row: dict[str, Any] = {"index_id": e["id"], "label": e["label"]}
            for path, fact in _iter_facts(e):
                if path.startswith("known_weaknesses"):
                    continue
                col = path.split(".")[-1]
                v = fact["value"]
                row[col] = ", ".join(map(str, v)) if isinstance(v, list) else v
            row["n_weaknesses"] = len(e.get("known_weaknesses", []))
            rows.append(row)
        return pd.DataFrame(rows)

    def dimension_coverage(self) -> pd.DataFrame:
        """Declared coverage: one row per (index, dimension) with ``declared`` (bool)."""
        rows = [
            {"index_id": e["id"], "dimension": d, "declared": d in e["dimensions"]["value"]}
            for e in self.entries
            for d in self.dimension_ids
        ]
        return pd.DataFrame(rows, columns=["index_id", "dimension", "declared"])

    def unit_coverage(self) -> pd.DataFrame:
        """Geographic units per index: one row per (index, unit).

        Units are :data:`GEO_UNITS` plus ``small_medium_cities``; ``coverage`` is
        ``"covered"``, ``"not covered"`` or ``"unknown"`` (the fact is unknown).
        """
        rows = []
        for e in self.entries:
            geo = e["geographic_unit"]["value"]
            for u in GEO_UNITS:
                cov = UNKNOWN if geo == UNKNOWN else ("covered" if u in geo else "not covered")
                rows.append({"index_id": e["id"], "label": e["label"], "unit": u, "coverage": cov})
            sm = e["coverage"]["small_medium_cities"]["value"]
            cov = UNKNOWN if sm == UNKNOWN else ("covered" if sm else "not covered")
            rows.append(
                {
                    "index_id": e["id"],
                    "label": e["label"],
                    "unit": "small_medium_cities",
                    "coverage": cov,
                }
            )
        return pd.DataFrame(rows, columns=["index_id", "label", "unit", "coverage"])

    def sources_table(self) -> pd.DataFrame:
        """Every source with its footnote number and how many facts cite it."""
        facts = self.facts()
        cited = facts["sources"].str.split(",").explode()
        counts = cited[cited != ""].value_counts()
        numbers = _source_numbers(self)
        rows = [
            {
                "number": numbers.get(k),
                "key": k,
                "title": s["title"],
                "url": s["url"],
                "n_facts": int(counts.get(k, 0)),
            }
            for k, s in self.sources.items()
        ]
        out = pd.DataFrame(rows, columns=["number", "key", "title", "url", "n_facts"])
        return out.astype({"number": "Int64"})

    def open_facts(self) -> pd.DataFrame:
        """Facts still to verify (status recall) or to find (status unknown): a to-do list."""
        f = self.facts()
        cols = ["index_id", "field", "status", "value_text", "sources", "note"]
        return f.loc[f["status"].isin(["recall", UNKNOWN]), cols].reset_index(drop=True)

    def summary(self) -> str:
        """Plain-text overview: version, entries, and facts by status."""
        f = self.facts()
        by = f["status"].value_counts()
        lines = [
            f"{self.name} ({self.id}) v{self.version}: {len(self.entries)} entries, "
            f"{len(f)} facts, {len(self.sources)} sources"
        ]
        lines += [f"  {s:<10} {int(by.get(s, 0)):>4} facts" for s in STATUSES]
        return "\n".join(lines)


def _iter_facts(entry: dict) -> list[tuple[str, dict]]:
    out = []
    for k, v in entry.items():
        if k in ("id", "label"):
            continue
        if k in ("coverage", "method"):
            out += [(f"{k}.{k2}", v2) for k2, v2 in v.items()]
        elif k == "known_weaknesses":
            out += [(f"{k}[{i}]", w) for i, w in enumerate(v)]
        else:
            out.append((k, v))
    return out


def _source_keys(src: Any) -> list[str]:
    if src is None:
        return []
    return [src] if isinstance(src, str) else [str(s) for s in src]


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(_fmt(x) for x in v) if v else "none"
    if v == NOT_APPLICABLE:
        return "n/a"
    return str(v).replace("_", " ") if isinstance(v, str) and _ID.match(v) else str(v)


def _source_numbers(cat: Catalogue) -> dict[str, int]:
    """Footnote number of every cited source, numbered in the order of the sources list."""
    cited = {
        k for e in cat.entries for _, f in _iter_facts(e) for k in _source_keys(f.get("source"))
    }
    return {k: n for n, k in enumerate((k for k in cat.sources if k in cited), start=1)}


# ---------------------------------------------------------------------- loading
def catalogue_path() -> Path:
    """Path of the packaged catalogue ``urbansec_lib/catalogues/indices.yaml``."""
    return Path(str(resources.files("urbansec_lib") / "catalogues" / "indices.yaml"))


def framework_file(path: str | Path | None = None) -> Path:
    """The YAML file a framework is read from: ``path``, or the packaged default.

    Lets a report declare the framework file as an input (its sha256 goes to the manifest)
    before loading it with :func:`urbansec_lib.load_framework`.
    """
    if path:
        return Path(path)
    return Path(str(resources.files("urbansec_lib") / "frameworks" / "urban_security.yaml"))


def load_catalogue(
    path: str | Path | None = None, dimensions: Framework | Iterable[str] | None = None
) -> Catalogue:
    """Load and validate a catalogue of indices and tools.

    Parameters
    ----------
    path : str or Path, optional
        A catalogue YAML file; default the packaged one (:func:`catalogue_path`).
    dimensions : Framework or iterable of str, optional
        The dimension ids entries may name: a framework's top-level dimensions, or a list.
        Default :data:`DIMENSIONS`.

    Returns
    -------
    Catalogue

    Raises
    ------
    ValidationError
        Listing every problem (unknown dimension ids, facts without a source, values of
        the wrong kind, duplicate ids, ...) with its YAML path, e.g.
        ``indices[2].coverage.n_cities.source``.

    Example
    -------
    >>> cat = load_catalogue()
    >>> cat.value("safe_cities_index", "n_indicators")
    76
    """
    p = Path(path) if path is not None else catalogue_path()
    file = p.name if path is None else str(p)
    doc = read_yaml_mapping(p, file)
    if dimensions is None:
        dims = DIMENSIONS
    elif hasattr(dimensions, "dimensions"):
        dims = tuple(d.id for d in dimensions.dimensions)
    else:
        dims = tuple(dimensions)
    return _build(doc, file, dims, str(p))


def _build(doc: Any, file: str, dims: tuple[str, ...], path: str) -> Catalogue:
    problems: list[Problem] = []

    def bad(where: str, value: Any, expected: str) -> None:
        problems.append(Problem(file, None, where, value, expected))

    if not isinstance(doc, dict):
        raise ValidationError(
            [
                Problem(
                    file,
                    None,
                    "<root>",
                    type(doc).__name__,
                    "a mapping with catalogue, sources, indices",
                )
            ],
            file,
        )
    for k in doc:
        if k not in ("catalogue", "sources", "indices"):
            bad(str(k), k, "one of catalogue, sources, indices")
    meta = doc.get("catalogue")
    version, changelog = check_version_block(meta, "catalogue", bad)
    meta = meta if isinstance(meta, dict) else {}

    sources = doc.get("sources")
    if not isinstance(sources, dict) or not sources:
        bad("sources", sources, "a mapping of source key -> {title, url}")
        sources = {}
    for key, s in sources.items():
        if not isinstance(key, str) or not _ID.match(key):
            bad(f"sources.{key}", key, "a source key (letter, then letters/digits/_)")
        if not isinstance(s, dict):
            bad(f"sources.{key}", s, "a mapping {title, url}")
            continue
        if not _text(s.get("title")):
            bad(f"sources.{key}.title", s.get("title"), "a non-empty title")
        if not isinstance(s.get("url"), str) or not _URL.match(s["url"]):
            bad(f"sources.{key}.url", s.get("url"), "an http(s) URL")
        for k in s:
            if k not in ("title", "url"):
                bad(f"sources.{key}.{k}", k, "title or url")

    def check_fact(
        where: str, fact: Any, check: Any, expected: str, vocab: tuple[str, ...] = ()
    ) -> None:
        if not isinstance(fact, dict):
            bad(where, fact, "a fact {value, source, status}")
            return
        for k in fact:
            if k not in _FACT_KEYS:
                bad(f"{where}.{k}", k, "a fact key: " + ", ".join(sorted(_FACT_KEYS)))
        status = fact.get("status")
        if status not in STATUSES:
            bad(f"{where}.status", status, "one of " + ", ".join(STATUSES))
        if "value" not in fact:
            bad(f"{where}.value", None, expected)
        value = fact.get("value")
        if value == UNKNOWN or value is None:
            if status in STATUSES and status != UNKNOWN:
                bad(f"{where}.status", status, "unknown, because the value is unknown")
        elif status == UNKNOWN:
            bad(f"{where}.value", value, "unknown, because the status is unknown")
        elif not check(value):
            if vocab and isinstance(value, list) and value:
                # name each offending element (unknown dimension ids, units, repeats)
                for j, v in enumerate(value):
                    if v not in vocab:
                        bad(f"{where}.value[{j}]", v, "one of " + ", ".join(vocab))
                    elif v in value[:j]:
                        bad(f"{where}.value[{j}]", v, "each id once")
            else:
                bad(f"{where}.value", value, expected)
        src = fact.get("source")
        if src is None:
            if status != UNKNOWN:
                bad(f"{where}.source", None, "a source key (every fact needs a source)")
        else:
            keys = [src] if isinstance(src, str) else src
            if not isinstance(keys, list) or not keys:
                bad(f"{where}.source", src, "a source key or a non-empty list of keys")
                keys = []
            for j, k in enumerate(keys):
                if k not in sources:
                    at = f"{where}.source" if isinstance(src, str) else f"{where}.source[{j}]"
                    bad(at, k, "a key of sources: " + ", ".join(map(str, sources)))
        year = fact.get("year")
        if year is not None and not (_is_int(year) and 1900 <= year <= 2100):
            bad(f"{where}.year", year, "a year like 2021")
        if "note" in fact and not _text(fact.get("note")):
            bad(f"{where}.note", fact.get("note"), "a non-empty text")

    raw = doc.get("indices")
    if not isinstance(raw, list) or not raw:
        bad("indices", raw, "a non-empty list of index entries")
        raw = []
    specs = _field_specs(dims)
    seen: dict[str, int] = {}
    entries: list[dict] = []
    for i, e in enumerate(raw):
        at = f"indices[{i}]"
        if not isinstance(e, dict):
            bad(at, e, "a mapping")
            continue
        iid = e.get("id")
        if not isinstance(iid, str) or not _ID.match(iid):
            bad(f"{at}.id", iid, "an identifier (letter, then letters/digits/_)")
        elif iid in seen:
            bad(f"{at}.id", iid, f"a unique id (already used at indices[{seen[iid]}])")
        else:
            seen[iid] = i
        if not _text(e.get("label")):
            bad(f"{at}.label", e.get("label"), "a short non-empty label")
        for k in e:
            if k not in _ENTRY_KEYS:
                bad(f"{at}.{k}", k, "a known field: " + ", ".join(sorted(_ENTRY_KEYS)))
        for group in ("coverage", "method"):
            g = e.get(group)
            if not isinstance(g, dict):
                bad(f"{at}.{group}", g, f"a mapping of facts ({group})")
                continue
            allowed = {p[1] for p, *_ in specs if p[0] == group}
            for k in g:
                if k not in allowed:
                    bad(f"{at}.{group}.{k}", k, "one of " + ", ".join(sorted(allowed)))
        for fpath, check, expected, required in specs:
            node: Any = e
            for part in fpath[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                continue  # group problem already reported
            where = ".".join((at, *fpath))
            if fpath[-1] not in node:
                if required:
                    bad(where, None, f"a fact {{value, source, status}}: {expected}")
                continue
            vocab = {"geographic_unit": GEO_UNITS, "dimensions": dims}.get(fpath[0], ())
            check_fact(where, node[fpath[-1]], check, expected, vocab)
        weak = e.get("known_weaknesses")
        if not isinstance(weak, list):
            bad(f"{at}.known_weaknesses", weak, "a list of facts (may be empty)")
        else:
            for j, w in enumerate(weak):
                check_fact(f"{at}.known_weaknesses[{j}]", w, _text, "a non-empty text")
        entries.append(e)
    if problems:
        raise ValidationError(problems, f"catalogue {file}")
    return Catalogue(
        id=str(meta["id"]),
        name=str(meta["name"]),
        version=version,
        description=str(meta.get("description", "")).strip(),
        changelog=tuple(changelog),
        sources={k: dict(v) for k, v in sources.items()},
        entries=tuple(entries),
        dimension_ids=dims,
        path=path,
    )


# ---------------------------------------------------------------------- analyses
def crosswalk(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """Framework indicators x catalogue indices, from the framework's ``indices`` tags.

    Parameters
    ----------
    fw : Framework
    catalogue : Catalogue

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, index) tag, in framework order: ``indicator_id``,
        ``label``, ``dimension`` (top-level), ``index_id``, ``index_label``, ``nature``
        (of the indicator), ``levels``. Indicators carried by no index have no row.

    Raises
    ------
    ValidationError
        If an indicator names an index the catalogue does not hold.

    Example
    -------
    >>> import urbansec_lib as us
    >>> cw = crosswalk(us.load_framework(), load_catalogue())
    >>> bool(cw["index_id"].isin(load_catalogue().ids).all())
    True
    """
    labels = catalogue.labels
    rows, problems = [], []
    for ind in fw.indicators:
        for j, tag in enumerate(ind.indices):
            if tag not in labels:
                problems.append(
                    Problem(
                        str(fw.source_path or fw.id),
                        None,
                        f"{ind.id}.indices[{j}]",
                        tag,
                        "an index id of the catalogue: " + ", ".join(labels),
                    )
                )
                continue
            rows.append(
                {
                    "indicator_id": ind.id,
                    "label": ind.label,
                    "dimension": fw.dimension_of(ind.id),
                    "index_id": tag,
                    "index_label": labels[tag],
                    "nature": ind.nature,
                    "levels": ",".join(ind.levels),
                }
            )
    if problems:
        raise ValidationError(problems, f"framework {fw.id} against catalogue {catalogue.id}")
    cols = ["indicator_id", "label", "dimension", "index_id", "index_label", "nature", "levels"]
    return pd.DataFrame(rows, columns=cols)


def _check_dims(fw: Framework, catalogue: Catalogue) -> list[str]:
    dims = [d.id for d in fw.dimensions]
    extra = sorted({d for e in catalogue.entries for d in e["dimensions"]["value"]} - set(dims))
    if extra:
        raise ValidationError(
            [
                Problem(
                    str(catalogue.path or catalogue.id),
                    None,
                    "indices[*].dimensions",
                    d,
                    "a dimension of framework " + fw.id + ": " + ", ".join(dims),
                )
                for d in extra
            ],
            f"catalogue {catalogue.id} against framework {fw.id}",
        )
    return dims


def coverage_matrix(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """Framework dimensions x catalogue indices, in tidy long form.

    Two kinds of evidence are kept side by side: how many of the dimension's framework
    indicators the index carries (from the framework's tags), and whether the catalogue
    declares that the index covers the dimension.

    Returns
    -------
    pandas.DataFrame
        One row per (dimension, index), dimensions in framework order and indices in
        catalogue order: ``dimension``, ``dimension_label``, ``index_id``, ``index_label``,
        ``n_indicators`` (framework indicators of the dimension carried by the index),
        ``n_dimension_indicators``, ``share`` (percent), ``declared`` (bool), ``evidence``
        ("tagged and declared", "tagged only", "declared only", "none").

    Example
    -------
    >>> import urbansec_lib as us
    >>> m = coverage_matrix(us.load_framework(), load_catalogue())
    >>> len(m) == 6 * 10
    True
    """
    dims = _check_dims(fw, catalogue)
    cw = crosswalk(fw, catalogue)
    counts = cw.groupby(["dimension", "index_id"]).size()
    n_dim = fw.indicators_table().groupby("dimension").size()
    grid = pd.MultiIndex.from_product([dims, catalogue.ids], names=["dimension", "index_id"])
    out = grid.to_frame(index=False)
    out["n_indicators"] = counts.reindex(grid, fill_value=0).to_numpy().astype(int)
    out["n_dimension_indicators"] = out["dimension"].map(n_dim).fillna(0).astype(int)
    out["share"] = np.where(
        out["n_dimension_indicators"] > 0,
        100.0 * out["n_indicators"] / out["n_dimension_indicators"].clip(lower=1),
        np.nan,
    )
    decl = catalogue.dimension_coverage().set_index(["dimension", "index_id"])["declared"]
    out["declared"] = decl.reindex(grid, fill_value=False).to_numpy().astype(bool)
    tagged = out["n_indicators"] > 0
    out["evidence"] = np.select(
        [tagged & out["declared"], tagged, out["declared"]],
        ["tagged and declared", "tagged only", "declared only"],
        "none",
    )
    out.insert(1, "dimension_label", out["dimension"].map({d.id: d.label for d in fw.dimensions}))
    out.insert(3, "index_label", out["index_id"].map(catalogue.labels))
    return out


def dimension_status(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """How each framework dimension is covered by the catalogue's indices.

    An index covers a dimension when it carries at least one of its framework indicators
    or the catalogue declares it. The dimension is *perception only* when all that
    evidence is perceived (the tagged indicators' nature; for a declared-only index, the
    index's ``objective_perceived``; unknown never counts as perceived), and *ranking
    only* when every covering index publishes a league table.

    Returns
    -------
    pandas.DataFrame
        One row per dimension (framework order): ``dimension``, ``label``,
        ``n_indicators``, ``n_indicators_carried``, ``n_indices``, ``indices``,
        ``perception_only``, ``ranking_only``, ``status``.
    """
    m = coverage_matrix(fw, catalogue)
    cw = crosswalk(fw, catalogue)
    nature = {i: catalogue.value(i, "objective_perceived") for i in catalogue.ids}
    ranks = {i: catalogue.value(i, "method.ranking") is True for i in catalogue.ids}
    rows = []
    for d in fw.dimensions:
        sub = m[(m["dimension"] == d.id) & (m["evidence"] != "none")]
        covering = sub["index_id"].tolist()
        evidence: set[str] = set()
        for idx, ev in zip(sub["index_id"], sub["evidence"]):
            if ev == "declared only":
                evidence.add(nature[idx])
            else:
                evidence |= set(
                    cw.loc[(cw["dimension"] == d.id) & (cw["index_id"] == idx), "nature"]
                )
        perc = bool(covering) and evidence == {"perceived"}
        rank = bool(covering) and all(ranks[i] for i in covering)
        if not covering:
            status = "not covered"
        elif perc and rank:
            status = "perception and ranking only"
        elif perc:
            status = "perception only"
        elif rank:
            status = "ranking only"
        else:
            status = "covered"
        rows.append(
            {
                "dimension": d.id,
                "label": d.label,
                "n_indicators": len(d.all_indicators()),
                "n_indicators_carried": int(
                    cw.loc[cw["dimension"] == d.id, "indicator_id"].nunique()
                ),
                "n_indices": len(covering),
                "indices": ", ".join(covering),
                "perception_only": perc,
                "ranking_only": rank,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def unit_status(catalogue: Catalogue) -> pd.DataFrame:
    """Which indices cover each unit size of :data:`GAP_UNITS`.

    A unit is *method only* when every index covering it is a method (no comparable
    data), and *perception only* when every covering data index is perceived.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit``, ``label``, ``n_indices``, ``indices``, ``unknown``
        (indices whose coverage is not known), ``method_only``, ``perception_only``,
        ``status`` ("not covered", "method only", "perception only", "covered").
    """
    uc = catalogue.unit_coverage()
    kind = {i: catalogue.value(i, "kind") for i in catalogue.ids}
    nature = {i: catalogue.value(i, "objective_perceived") for i in catalogue.ids}
    rows = []
    for unit, label in GAP_UNITS.items():
        sub = uc[uc["unit"] == unit]
        covering = sub.loc[sub["coverage"] == "covered", "index_id"].tolist()
        data = [i for i in covering if kind[i] != "method"]
        method_only = bool(covering) and not data
        perc = bool(data) and all(nature[i] == "perceived" for i in data)
        status = (
            "not covered"
            if not covering
            else "method only"
            if method_only
            else "perception only"
            if perc
            else "covered"
        )
        rows.append(
            {
                "unit": unit,
                "label": label,
                "n_indices": len(covering),
                "indices": ", ".join(covering),
                "unknown": ", ".join(sub.loc[sub["coverage"] == UNKNOWN, "index_id"]),
                "method_only": method_only,
                "perception_only": perc,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def gaps(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """Gaps of the existing indices, measured against the framework.

    Kinds (:data:`GAP_KINDS`): a dimension no index covers, or covers only with
    perceptions or only with ranking indices; a unit size (:data:`GAP_UNITS`) no index
    covers, or only a method or only perception data; an index that only ranks (publishes
    a league table); a framework indicator no index carries (what the framework adds).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per gap, grouped by kind in :data:`GAP_KINDS` order (framework and
        catalogue order within a kind): ``gap``, ``subject`` (dimension, unit, index or
        indicator id), ``label``, ``dimension``, ``indices`` (those that do cover it),
        ``detail`` (plain language).

    Example
    -------
    >>> import urbansec_lib as us
    >>> g = gaps(us.load_framework(), load_catalogue())
    >>> set(g["gap"]) <= set(GAP_KINDS)
    True
    """
    rows: list[dict[str, Any]] = []

    def add(gap: str, subject: str, label: str, dimension: Any, indices: str, detail: str):
        rows.append(
            {
                "gap": gap,
                "subject": subject,
                "label": label,
                "dimension": dimension,
                "indices": indices,
                "detail": detail,
            }
        )

    ds = dimension_status(fw, catalogue)
    for r in ds.itertuples():
        if r.status == "not covered":
            add(
                "dimension_not_covered",
                r.dimension,
                r.label,
                r.dimension,
                "",
                "no index carries any of its indicators or declares the dimension",
            )
    for r in ds[ds["perception_only"]].itertuples():
        add(
            "dimension_perception_only",
            r.dimension,
            r.label,
            r.dimension,
            r.indices,
            "covered only by perceptions; no objective measure in any index",
        )
    for r in ds[ds["ranking_only"]].itertuples():
        add(
            "dimension_ranking_only",
            r.dimension,
            r.label,
            r.dimension,
            r.indices,
            "covered only by indices that publish a league table",
        )
    us_ = unit_status(catalogue)
    unknown_note = {
        r.unit: (f"; coverage unknown for {r.unknown}" if r.unknown else "")
        for r in us_.itertuples()
    }
    for r in us_.itertuples():
        if r.status == "not covered":
            add(
                "unit_not_covered",
                r.unit,
                r.label,
                None,
                "",
                f"no index reports on {r.label}{unknown_note[r.unit]}",
            )
    for r in us_[us_["method_only"]].itertuples():
        add(
            "unit_method_only",
            r.unit,
            r.label,
            None,
            r.indices,
            f"only a method applies to {r.label}; no index gives comparable data"
            f"{unknown_note[r.unit]}",
        )
    for r in us_[us_["perception_only"]].itertuples():
        add(
            "unit_perception_only",
            r.unit,
            r.label,
            None,
            r.indices,
            f"only perception data on {r.label}{unknown_note[r.unit]}",
        )
    for e in catalogue.entries:
        if e["method"]["ranking"]["value"] is True:
            add(
                "index_only_ranks",
                e["id"],
                e["label"],
                None,
                e["id"],
                "publishes a league table; units are ordered from best to worst",
            )
    carried = set(crosswalk(fw, catalogue)["indicator_id"])
    for ind in fw.indicators:
        if ind.id not in carried:
            add(
                "indicator_without_index",
                ind.id,
                ind.label,
                fw.dimension_of(ind.id),
                "",
                f"{ind.nature}; levels {', '.join(ind.levels)}",
            )
    cols = ["gap", "subject", "label", "dimension", "indices", "detail"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------- report helpers
def _cell(cat: Catalogue, fact: dict, numbers: dict[str, int], text: str | None = None) -> str:
    import html

    text = html.escape(_fmt(fact["value"]) if text is None else text)
    # dataset codes (crim_gen_reg) are identifiers a reader looks up: shown as code
    text = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", r"<code>\g<0></code>", text)
    mark = _STATUS_MARK.get(fact.get("status", ""), "")
    refs = ",".join(
        f'<a href="#src-{numbers[k]}">{numbers[k]}</a>' for k in _source_keys(fact.get("source"))
    )
    return f"{text}{mark}" + (f"<sup>[{refs}]</sup>" if refs else "")


_TABLES = (
    (
        "Who publishes it, when and where",
        [
            ("Publisher", "publisher"),
            ("Kind", "kind"),
            ("Years", "years"),
            ("Geographic unit", "geographic_unit"),
            ("Countries", "coverage.countries"),
            ("Cities", "coverage.n_cities"),
            ("Small / medium cities", "coverage.small_medium_cities"),
            ("Frequency", "frequency"),
            ("Openness", "openness"),
        ],
    ),
    (
        "What it measures and how",
        [
            ("Dimensions", "dimensions"),
            ("Indicators", "n_indicators"),
            ("Objective / perceived", "objective_perceived"),
            ("Ranking", "method.ranking"),
            ("Weighting", "method.weighting"),
            ("Known weaknesses", "known_weaknesses"),
        ],
    ),
)
_TD = '<td style="text-align:left;vertical-align:top">'


def catalogue_html(catalogue: Catalogue) -> str:
    """The catalogue as two HTML tables, every value with footnote links to its sources.

    The first table says who publishes each index, when and for which units; the second
    what it measures and how (with its known weaknesses). Footnote numbers link to the
    anchors of :func:`sources_html`; ``†`` marks facts to verify (status recall) and ``*``
    our reading of a source (status synthesis).
    """
    import html

    numbers = _source_numbers(catalogue)
    parts = []
    for title, cols in _TABLES:
        head = "".join(
            f'<th style="text-align:left">{html.escape(c)}</th>'
            for c in ["Index or tool", *(c for c, _ in cols)]
        )
        body = []
        for e in catalogue.entries:
            first = f"<b>{html.escape(e['label'])}</b>"
            if title == _TABLES[0][0]:
                first += f"<br><small>{_cell(catalogue, e['name'], numbers)}</small>"
            cells = [f"{_TD}{first}</td>"]
            for _, path in cols:
                if path == "known_weaknesses":
                    items = "".join(f"<li>{_cell(catalogue, w, numbers)}</li>" for w in e[path])
                    cells.append(f'{_TD}<ul style="margin:0;padding-left:1.1em">{items}</ul></td>')
                    continue
                node: Any = e
                for part in path.split("."):
                    node = node[part]
                text = None
                if node.get("year") is not None and node["value"] not in (UNKNOWN, NOT_APPLICABLE):
                    text = f"{_fmt(node['value'])} ({node['year']})"
                cells.append(f"{_TD}{_cell(catalogue, node, numbers, text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(
            f"<h4>{html.escape(title)}</h4>"
            '<table class="urbansec-catalogue" style="font-size:0.85em">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    parts.append(
        "<p><small>Numbers in brackets link to the sources below. † to verify (background "
        "knowledge, status recall); * our reading of the source (status synthesis); "
        "unknown: not stated in the sources.</small></p>"
    )
    return "".join(parts)


def sources_html(catalogue: Catalogue) -> str:
    """Numbered list of every cited source (anchors ``src-<n>``), with the facts citing it."""
    import html

    numbers = _source_numbers(catalogue)
    facts = catalogue.facts()
    items = []
    for key, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        s = catalogue.sources[key]
        cited = facts[facts["sources"].str.split(",").map(lambda ks, k=key: k in ks)]
        where = "; ".join(
            f"{i}: " + ", ".join(g["field"]) for i, g in cited.groupby("index_id", sort=False)
        )
        url = html.escape(s["url"], quote=True)
        items.append(
            f'<li id="src-{n}" value="{n}">{html.escape(s["title"])}. '
            f'<a href="{url}">{html.escape(s["url"])}</a><br><small>{len(cited)} facts: '
            f"{html.escape(where)}</small></li>"
        )
    return f'<ol class="urbansec-sources">{"".join(items)}</ol>'


# ---------------------------------------------------------------------- figures
def _wrap(s: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(str(s), width)) or str(s)


def plot_coverage_heatmap(matrix: pd.DataFrame):
    """Heatmap of framework dimensions (rows) x indices (columns).

    Colour and number: framework indicators of the dimension the index carries (blank =
    none). An outlined cell: the catalogue declares the index covers the dimension.

    Parameters
    ----------
    matrix : pandas.DataFrame
        The tidy output of :func:`coverage_matrix`.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import urbansec_lib as us
    >>> fig = plot_coverage_heatmap(coverage_matrix(us.load_framework(), load_catalogue()))
    >>> type(fig).__name__
    'Figure'
    """
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    dims = list(dict.fromkeys(matrix["dimension"]))
    idx = list(dict.fromkeys(matrix["index_id"]))
    dlab = dict(zip(matrix["dimension"], matrix.get("dimension_label", matrix["dimension"])))
    ilab = dict(zip(matrix["index_id"], matrix.get("index_label", matrix["index_id"])))
    counts = matrix.pivot(index="dimension", columns="index_id", values="n_indicators")
    counts = counts.reindex(index=dims, columns=idx).fillna(0).astype(int)
    declared = matrix.pivot(index="dimension", columns="index_id", values="declared")
    declared = declared.reindex(index=dims, columns=idx).fillna(False).astype(bool)
    annot = counts.astype(str).where((counts > 0) | declared, "")
    fig = Figure(figsize=(2.5 + 1.0 * len(idx), 1.6 + 0.75 * len(dims)))
    ax = fig.add_subplot()
    sns.heatmap(
        counts,
        ax=ax,
        cmap="Blues",
        annot=annot.to_numpy(),
        fmt="",
        linewidths=0.6,
        linecolor="white",
        vmin=0,
        vmax=max(1, int(counts.to_numpy().max())),
        cbar_kws={"label": "framework indicators carried", "shrink": 0.8},
        annot_kws={"fontsize": 10},
    )
    for r, c in zip(*np.nonzero(declared.to_numpy())):
        ax.add_patch(
            Rectangle(
                (c + 0.06, r + 0.06), 0.88, 0.88, fill=False, edgecolor="#d95f02", linewidth=2.2
            )
        )
    ax.set_yticks(
        np.arange(len(dims)) + 0.5, [_wrap(dlab[d], 22) for d in dims], rotation=0, fontsize=10
    )
    ax.set_xticks(
        np.arange(len(idx)) + 0.5, [_wrap(ilab[i], 11) for i in idx], rotation=0, fontsize=8.5
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.xaxis.tick_top()
    ax.legend(
        handles=[
            Patch(
                facecolor="none",
                edgecolor="#d95f02",
                linewidth=2.2,
                label="catalogue declares the index covers the dimension",
            )
        ],
        loc="upper left",
        bbox_to_anchor=(0, -0.02),
        frameon=False,
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_unit_coverage(catalogue: Catalogue | pd.DataFrame):
    """Dot matrix: which geographic units (and small/medium cities) each index covers.

    Parameters
    ----------
    catalogue : Catalogue or pandas.DataFrame
        A catalogue, or the tidy frame of :meth:`Catalogue.unit_coverage`.

    Returns
    -------
    matplotlib.figure.Figure
        Filled dot = covered, open dot = not known, nothing = not covered. Indices in
        catalogue order.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    uc = catalogue.unit_coverage() if isinstance(catalogue, Catalogue) else catalogue
    units = list(dict.fromkeys(uc["unit"]))
    idx = list(dict.fromkeys(uc["index_id"]))
    labels = dict(zip(uc["index_id"], uc.get("label", uc["index_id"])))
    unit_names = {
        "small_medium_cities": "small / medium\ncities",
        "NUTS3": "NUTS 3",
        "NUTS1": "NUTS 1",
        "NUTS2": "NUTS 2",
    }
    x = uc["unit"].map({u: k for k, u in enumerate(units)}).to_numpy()
    y = uc["index_id"].map({i: k for k, i in enumerate(idx)}).to_numpy()
    fig = Figure(figsize=(1.6 + 0.95 * len(units), 0.9 + 0.42 * len(idx)))
    ax = fig.add_subplot()
    cov = uc["coverage"].to_numpy()
    on, unk = cov == "covered", cov == UNKNOWN
    ax.scatter(x[on], y[on], s=140, color="#1b6ca8", zorder=3)
    ax.scatter(
        x[unk], y[unk], s=140, facecolor="white", edgecolor="#7f7f7f", linewidth=1.5, zorder=3
    )
    ax.set_xticks(range(len(units)), [unit_names.get(u, u) for u in units], fontsize=9)
    ax.set_yticks(range(len(idx)), [labels[i] for i in idx], fontsize=9)
    ax.set_xlim(-0.5, len(units) - 0.5)
    ax.set_ylim(len(idx) - 0.5, -0.5)
    ax.xaxis.tick_top()
    ax.grid(True, color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="", color="#1b6ca8", markersize=9, label="covered"),
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                markerfacecolor="white",
                markeredgecolor="#7f7f7f",
                markersize=9,
                label="not known",
            ),
        ],
        loc="upper left",
        bbox_to_anchor=(0, -0.01),
        ncol=2,
        frameon=False,
        fontsize=9,
    )
    fig.tight_layout()
    return fig
