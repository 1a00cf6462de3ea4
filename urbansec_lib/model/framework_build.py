"""Building a framework's nodes from its YAML document: every field of every dimension and
indicator checked, every problem collected with its YAML path (never only the first).

Example
-------
>>> b = _Builder("fw.yaml")
>>> ind = b.indicator("dimensions[0].indicators[0]", {"id": "x", "type": "share"}, "d")
>>> [p.column for p in b.problems][:3]
['dimensions[0].indicators[0].label', 'dimensions[0].indicators[0].definition', 'dimensions[0].indicators[0].unit']
"""

from __future__ import annotations

from typing import Any

from ..core.errors import Problem
from ..core.ingest import check_keys, finite_number
from .nodes import (
    _DIM_KEYS,
    _DIRECTION_WORDS,
    _ID,
    AGGREGATIONS,
    LEVELS,
    MEASUREMENT_TYPES,
    NATURES,
    SOURCE_KINDS,
    Dimension,
    Indicator,
)


def _as_direction(v: Any) -> int | None:
    if isinstance(v, str):
        return _DIRECTION_WORDS.get(v.strip().lower())
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v in (1, -1):
        return int(v)
    return None


#: Fields of an indicator (others are misspellings).
_INDICATOR_KEYS = (
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
)


class _Builder:
    """Builds a framework's nodes from its YAML document, collecting every problem (with
    its YAML path) instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.seen: dict[str, str] = {}

    def bad(self, path: str, value: Any, expected: str) -> None:
        self.problems.append(Problem(self.source, None, path, value, expected))

    def check_id(self, path: str, value: Any) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.bad(f"{path}.id", value, "an identifier (letter, then letters/digits/_)")
            return str(value)
        if value in self.seen:
            self.bad(f"{path}.id", value, f"a unique id (already used at {self.seen[value]})")
        else:
            self.seen[value] = path
        return value

    def weight_of(self, path: str, d: dict) -> float:
        return float(
            finite_number(d.get("weight", 1.0), f"{path}.weight", self.bad, low=0.0, default=1.0)
        )

    def check_weights(self, path: str, nodes: list) -> None:
        ws = [n.get("weight", 1.0) for n in nodes if isinstance(n, dict)]
        nums = [w for w in ws if isinstance(w, (int, float)) and not isinstance(w, bool)]
        if nums and len(nums) == len(ws) and all(w == 0 for w in nums):
            self.bad(f"{path}[*].weight", 0, "at least one weight > 0 among siblings (all are 0)")

    def indicator(self, path: str, d: Any, parent: str) -> Indicator | None:
        """One indicator: every field checked, each problem with its YAML path."""
        bad, check_id, weight_of = self.bad, self.check_id, self.weight_of
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
        src = self._source(path, d.get("source"), typ)
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
        rng = self._range(path, d.get("range"))
        target = d.get("target")
        if target is not None:
            target = finite_number(target, f"{path}.target", bad)
        norm = d.get("normalisation")
        if norm is not None and not (
            isinstance(norm, dict) and isinstance(norm.get("method"), str)
        ):
            bad(f"{path}.normalisation", norm, "a mapping with a 'method' (and its parameters)")
            norm = None
        check_keys(d, _INDICATOR_KEYS, path, bad)
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

    def _source(self, path: str, src: Any, typ: str) -> dict:
        """An indicator's source: a survey question (with its options) or a statistic."""
        bad = self.bad
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
        return src

    def _range(self, path: str, rng: Any) -> tuple | None:
        """An indicator's natural range ``[low, high]``: finite numbers with low < high."""
        bad = self.bad
        if rng is None:
            return None
        if not (isinstance(rng, list) and len(rng) == 2):
            bad(f"{path}.range", rng, "[low, high]")
            return None
        lo = finite_number(rng[0], f"{path}.range[0]", bad)
        hi = finite_number(rng[1], f"{path}.range[1]", bad)
        if lo is not None and hi is not None and not lo < hi:
            bad(f"{path}.range", rng, "[low, high] with low < high")
        rng = tuple(rng) if lo is not None and hi is not None and lo < hi else None
        return rng

    def dimension(self, path: str, d: Any, parent: str | None) -> Dimension | None:
        """A dimension and, recursively, its sub-dimensions and indicators."""
        bad, check_id, weight_of = self.bad, self.check_id, self.weight_of
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
            self.check_weights(f"{path}.children+indicators", list(kids_raw) + list(inds_raw))
        kids = [self.dimension(f"{path}.children[{j}]", c, did) for j, c in enumerate(kids_raw)]
        inds = [self.indicator(f"{path}.indicators[{j}]", c, did) for j, c in enumerate(inds_raw)]
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
