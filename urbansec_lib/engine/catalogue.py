"""The catalogue of existing indices and tools: its vocabularies and the :class:`Catalogue`.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    pass


__all__ = [
    "Catalogue",
    "DIMENSIONS",
    "GAP_KINDS",
    "GAP_UNITS",
    "GEO_UNITS",
    "KINDS",
    "NATURES",
    "NOT_APPLICABLE",
    "OPENNESS",
    "STATUSES",
    "UNKNOWN",
    "catalogue_path",
    "framework_file",
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

    Examples
    --------
    >>> from urbansec_lib.indices import load_catalogue
    >>> cat = load_catalogue()
    >>> cat.entry("safe_cities_index")["label"] == cat.labels["safe_cities_index"]
    True
    >>> set(cat.facts()["status"]) <= set(STATUSES)
    True
    >>> list(cat.dimension_coverage().columns), len(cat.table()) == len(cat.ids)
    (['index_id', 'dimension', 'declared'], True)
    >>> set(cat.unit_coverage()["coverage"]) <= {"covered", "not covered", "unknown"}
    True
    >>> int(cat.sources_table()["n_facts"].sum()) > 0, cat.summary().count("facts") >= 1
    (True, True)
    >>> set(cat.open_facts()["status"]) <= {"recall", "unknown"}
    True
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
    """Path of the packaged catalogue ``urbansec_lib/catalogues/indices.yaml``.

    Examples
    --------
    >>> catalogue_path().name
    'indices.yaml'
    """
    return Path(str(resources.files("urbansec_lib") / "catalogues" / "indices.yaml"))


def framework_file(path: str | Path | None = None) -> Path:
    """The YAML file a framework is read from: ``path``, or the packaged default.

    Lets a report declare the framework file as an input (its sha256 goes to the manifest)
    before loading it with :func:`urbansec_lib.load_framework`.

    Examples
    --------
    >>> framework_file().name, framework_file("my.yaml").name
    ('urban_security.yaml', 'my.yaml')
    """
    if path:
        return Path(path)
    return Path(str(resources.files("urbansec_lib") / "frameworks" / "urban_security.yaml"))
