"""The framework's vocabulary and its nodes: measurement types, levels, aggregation
methods, and the :class:`Indicator` and :class:`Dimension` a framework tree is made of.

Example
-------
>>> MEASUREMENT_TYPES["share"]
(0, 100)
>>> "geometric" in AGGREGATIONS
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

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

    Examples
    --------
    >>> from urbansec_lib.model.framework import load_framework
    >>> ind = load_framework().indicators[0]
    >>> isinstance(ind, Indicator), ind.direction in (1, -1)
    (True, True)
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

    Examples
    --------
    >>> from urbansec_lib.model.framework import load_framework
    >>> dim = load_framework().dimensions[0]
    >>> isinstance(dim, Dimension), len(dim.indicators) > 0
    (True, True)
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
