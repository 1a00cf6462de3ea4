"""Layer 3, ``engine``: The composite-indicator engine: scoring stages, coherence,
uncertainty and sensitivity, peers, trends, existing indices.

May import from: ``core``, ``model``, ``inputs`` (and its own modules).

Modules
-------
scoring
    Composite-indicator engine: screen, impute, treat, normalise, weight and aggregate.
stages
    The scoring engine as named stages with typed parameters (COINr's coin, sklearn-
    style).
coherence
    Statistical coherence of a framework: correlations, Cronbach's alpha, PCA.
sensitivity
    Monte Carlo uncertainty and sensitivity analysis of profiles (vectorised, chunked).
indices
    Catalogue of existing indices and tools, crosswalk to the framework, and their gaps.
peers
    Peer groups and learning partners: compare a unit with units alike in context, never
    rank.
synthesis
    Cross-city synthesis: peer learning across all units, never a league table.
trends
    Trends of indicator (or score) time series: differences, CAGR, percentage change.
"""

from .._lazy import lazy_modules

__all__ = [
    "scoring",
    "stages",
    "coherence",
    "sensitivity",
    "indices",
    "peers",
    "synthesis",
    "trends",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
