"""The self-assessment study: readable tables and texts for a unit's profile report.

These functions turn the library's tidy results (framework, profile, peers, coverage,
coherence, sensitivity) into the small tables and sentences the
``city_self_assessment`` notebook shows, so that the notebook holds narrative and calls
only. Nothing here orders units by score.

This module is the study's public face (``us.self_assessment.x``); the functions live in:

* :mod:`~urbansec_lib.study.sa_basics`: the profile, the unit, the framework's labels;
* :mod:`~urbansec_lib.study.sa_peers`: position against the peers, learning partners,
  comparators, funding, the key findings;
* :mod:`~urbansec_lib.study.sa_change`: change over time, data years, coverage, survey;
* :mod:`~urbansec_lib.study.sa_quality`: coherence, sensitivity, robustness, sources.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> us.self_assessment.dimension_level(fw)
2
"""

from __future__ import annotations

import pandas as pd  # noqa: F401 - public before the split (``self_assessment.pd``)

from ..model.framework import Framework  # noqa: F401 - public before the split
from .sa_basics import (
    DAT_THRESH,
    DEFAULT_ASSUMPTIONS,
    dimension_ids,
    dimension_level,
    framework_overview,
    node_labels,
    profile,
    unit_intro,
    unit_record,
)
from .sa_change import (
    change_table,
    indicator_years,
    latest_change,
    survey_table,
    unit_coverage,
)
from .sa_peers import (
    comparators,
    comparators_text,
    funding_table,
    group_members,
    key_findings,
    network_table,
    partners_table,
    peer_text,
    position_table,
    profile_alt_text,
    weak_dimensions,
)
from .sa_quality import (
    _ASSUMPTIONS,
    _DATASETS,
    _alpha_text,
    _survey_dataset,
    coherence_table,
    datasets,
    robustness_alt_text,
    robustness_table,
    sensitivity_table,
    sources_table,
)

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "DAT_THRESH",
    "profile",
    "unit_record",
    "unit_intro",
    "framework_overview",
    "dimension_level",
    "dimension_ids",
    "node_labels",
    "peer_text",
    "profile_alt_text",
    "position_table",
    "partners_table",
    "latest_change",
    "change_table",
    "comparators",
    "comparators_text",
    "indicator_years",
    "group_members",
    "network_table",
    "weak_dimensions",
    "funding_table",
    "unit_coverage",
    "survey_table",
    "coherence_table",
    "sensitivity_table",
    "robustness_table",
    "sources_table",
    # public before the split, not in __all__ then
    "key_findings",
    "datasets",
    "robustness_alt_text",
]

#: The private helpers, reachable from here as before the split.
_PRIVATE = (_ASSUMPTIONS, _DATASETS, _alpha_text, _survey_dataset)
