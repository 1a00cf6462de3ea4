"""Reading and validating a catalogue of indices (:func:`load_catalogue`).

Every problem is collected with its YAML path (``indices[2].coverage.n_cities.source``)
and raised at once as a :class:`~urbansec_lib.errors.ValidationError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import Problem, ValidationError, check_version_block
from ..core.ingest import read_yaml_mapping
from .catalogue import (
    _FACT_KEYS,
    _ID,
    _URL,
    DIMENSIONS,
    GEO_UNITS,
    KINDS,
    NATURES,
    NOT_APPLICABLE,
    OPENNESS,
    STATUSES,
    UNKNOWN,
    Catalogue,
    catalogue_path,
)

if TYPE_CHECKING:
    from ..model.framework import Framework


__all__ = [
    "load_catalogue",
]


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


#: ``bad(where, value, expected)``: records one problem of the file being read.
_Bad = Callable[[str, Any, str], None]


def _build(doc: Any, file: str, dims: tuple[str, ...], path: str) -> Catalogue:
    """Validate a parsed catalogue file -> :class:`Catalogue`; every problem at once."""
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
    sources = _check_sources(doc.get("sources"), bad)
    raw = doc.get("indices")
    if not isinstance(raw, list) or not raw:
        bad("indices", raw, "a non-empty list of index entries")
        raw = []
    specs = _field_specs(dims)
    seen: dict[str, int] = {}
    entries: list[dict] = []
    for i, e in enumerate(raw):
        if not isinstance(e, dict):
            bad(f"indices[{i}]", e, "a mapping")
            continue
        _check_entry(e, i, seen, specs, dims, sources, bad)
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


def _check_sources(sources: Any, bad: _Bad) -> dict:
    """The ``sources`` mapping: key -> ``{title, url}`` (``{}`` when unusable)."""
    if not isinstance(sources, dict) or not sources:
        bad("sources", sources, "a mapping of source key -> {title, url}")
        return {}
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
    return sources


def _check_entry(
    e: dict,
    i: int,
    seen: dict[str, int],
    specs: list,
    dims: tuple[str, ...],
    sources: dict,
    bad: _Bad,
) -> None:
    """One index entry: id (unique, recorded in ``seen``), label, fields and facts."""
    at = f"indices[{i}]"
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
        _check_fact(where, node[fpath[-1]], check, expected, sources, bad, vocab)
    weak = e.get("known_weaknesses")
    if not isinstance(weak, list):
        bad(f"{at}.known_weaknesses", weak, "a list of facts (may be empty)")
    else:
        for j, w in enumerate(weak):
            _check_fact(f"{at}.known_weaknesses[{j}]", w, _text, "a non-empty text", sources, bad)


def _check_fact(
    where: str,
    fact: Any,
    check: Any,
    expected: str,
    sources: dict,
    bad: _Bad,
    vocab: tuple[str, ...] = (),
) -> None:
    """One fact ``{value, source, status[, year, note]}``: keys, status against value,
    the value's kind (each offending element of a list with a vocabulary), sources."""
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
    _check_fact_source(where, fact.get("source"), status, sources, bad)
    year = fact.get("year")
    if year is not None and not (_is_int(year) and 1900 <= year <= 2100):
        bad(f"{where}.year", year, "a year like 2021")
    if "note" in fact and not _text(fact.get("note")):
        bad(f"{where}.note", fact.get("note"), "a non-empty text")


def _check_fact_source(where: str, src: Any, status: Any, sources: dict, bad: _Bad) -> None:
    """A fact's ``source``: a key of ``sources`` or a list of them (none when unknown)."""
    if src is None:
        if status != UNKNOWN:
            bad(f"{where}.source", None, "a source key (every fact needs a source)")
        return
    keys = [src] if isinstance(src, str) else src
    if not isinstance(keys, list) or not keys:
        bad(f"{where}.source", src, "a source key or a non-empty list of keys")
        keys = []
    for j, k in enumerate(keys):
        if k not in sources:
            at = f"{where}.source" if isinstance(src, str) else f"{where}.source[{j}]"
            bad(at, k, "a key of sources: " + ", ".join(map(str, sources)))
