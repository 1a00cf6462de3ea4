"""Layer 3, ``engine``: The composite-indicator engine: scoring stages, coherence,
uncertainty and sensitivity, peers, trends, existing indices.

May import from: ``core``, ``model``, ``inputs`` (and its own modules).

Modules
-------
scoring
    Composite-indicator engine: screen, impute, treat, normalise, weight and aggregate
    (the one-call :func:`score` and its :class:`Profile`; re-exports every stage).
score_steps
    The steps of :func:`score` (each stage as score's parameters say, logged).
tree
    The framework compiled into arrays (nodes, edges, weights) and effective weights.
tidy
    Tidy indicator data in and out of the engine: validate, tidy <-> wide, step results.
denomination
    Indicators divided by the denominators the framework declares.
screening
    Screening by data availability: indicators, then unit-periods, below thresholds.
imputation
    Imputation of missing indicator values (COINr ``Impute``).
outliers
    Outlier treatment (COINr ``Treat``): skew/kurtosis check, winsorising, transforms.
normalisation
    Normalisation of indicators onto a common scale (direction applied first).
aggregation
    Aggregation up the framework tree: weighted means for many weight draws, Copeland.
weighting
    Data-driven weights: PCA, and weights optimised to a target importance.
stages
    The scoring engine as named stages with typed parameters (COINr's coin, sklearn-
    style).
coherence
    Statistical coherence of a framework: correlations, Cronbach's alpha, PCA.
sensitivity
    Monte Carlo uncertainty and sensitivity analysis of profiles (vectorised, chunked);
    re-exports the public names of sobol, sensitivity_variants and sensitivity_specs.
sobol
    The Sobol design (Saltelli 2010), first-order and total indices, uncertainty bands.
sensitivity_runs
    The model runs of :func:`run`: design, assumption values, variants, aggregation.
sensitivity_variants
    Normalisation variants, the published scale, the slow reference route.
sensitivity_specs
    Uncertainty and sensitivity over any stage parameter, by address (COINr SA_specs).
indices
    Catalogue of existing indices and tools, crosswalk to the framework, and their gaps
    (the public face of the four modules below; re-exports every name).
catalogue
    The catalogue's vocabularies and the :class:`Catalogue` with its tidy views.
catalogue_schema
    Reading and validating a catalogue file (every problem with its YAML path).
crosswalk
    The framework against the catalogue: crosswalk, coverage, status, gaps.
catalogue_report
    The catalogue for a report: HTML tables with footnoted sources, coverage figures.
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
    "score_steps",
    "tree",
    "tidy",
    "denomination",
    "screening",
    "imputation",
    "outliers",
    "normalisation",
    "aggregation",
    "weighting",
    "stages",
    "coherence",
    "sensitivity",
    "sobol",
    "sensitivity_runs",
    "sensitivity_variants",
    "sensitivity_specs",
    "indices",
    "catalogue",
    "catalogue_schema",
    "crosswalk",
    "catalogue_report",
    "peers",
    "synthesis",
    "trends",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
