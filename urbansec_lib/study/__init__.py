"""Layer 7, ``study``: Studies: their declarations, the pipeline from raw inputs to study
inputs, the processed store and per-study tables.

May import from: ``core``, ``model``, ``inputs``, ``engine``, ``methods``, ``presentation``,
``analysis`` (and its own modules).

Modules
-------
studies
    Studies as declared objects: what each study is, what it needs, what it publishes.
pipeline
    The demo/study pipeline: raw inputs -> tidy indicator data -> processed files and
    reports (the public face of ``study_inputs``, ``input_provenance``, ``unit_inputs``).
study_inputs
    The data folders, and raw inputs read into tidy indicator data (``load_inputs``).
input_provenance
    What each input is, as the workspace declares it: the provenance notes of reports.
unit_inputs
    Per-unit input files: Collective Impact workbooks, policy inventories, evaluations.
self_assessment
    The self-assessment study: readable tables and texts for a unit's profile report
    (the public face of the four ``sa_`` modules).
sa_basics
    The self-assessment study's basics: its scoring, the unit and the framework's labels.
sa_peers
    The self-assessment study against its peers: position, partners, comparators, funding.
sa_change
    The self-assessment study over time and by indicator: change, data years, coverage.
sa_quality
    The self-assessment study's evidence checks: coherence, sensitivity, robustness,
    sources.
existing_data
    The existing-data study: any city or region profiled from public data alone.
store
    Build once, read per unit: the columnar processed store of public data (Parquet).
synth_study
    One region against the others' public data: a synthetic-control study of one unit.
"""

from .._lazy import lazy_modules

__all__ = [
    "studies",
    "pipeline",
    "study_inputs",
    "input_provenance",
    "unit_inputs",
    "self_assessment",
    "sa_basics",
    "sa_peers",
    "sa_change",
    "sa_quality",
    "existing_data",
    "store",
    "synth_study",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
