"""Security-by-design good practices (UA Partnership Action 6): inventory and success factors.

The inventory is collected with the ``good_practice`` instrument
(``instruments/good_practice.yaml``) and read with
:func:`urbansec_lib.instruments.read_responses`. This module

* writes a static, searchable and filterable HTML page of the inventory plus a CSV
  (:func:`inventory_html`): one self-contained file, inline JavaScript, no CDN, labelled form
  controls, works when opened from disk;
* looks for *candidate* success factors in small samples (:func:`success_factors`): which
  practice attributes go together with a high self-rated success (4-5)?

Methods of :func:`success_factors`
    1. For every binary attribute (a location type, a threat, a measure, a partner, a cost
       band, liveability integration >= 4): the 2x2 table attribute x high success, Fisher's
       exact test (:func:`scipy.stats.fisher_exact`, two-sided), the conditional maximum
       likelihood odds ratio with its exact CI (:func:`scipy.stats.contingency.odds_ratio`),
       and Holm-adjusted p-values across attributes (for information).
    2. An L2-penalised logistic regression (scikit-learn, ``C=1``, standardised attributes)
       with repeated stratified k-fold cross-validated ROC AUC (mean and standard deviation
       over folds): how well do the attributes *together* separate high from other success?
    3. A random forest with permutation importance (:func:`sklearn.inspection.permutation_importance`,
       ROC AUC) computed on the held-out fold of each split, averaged over folds.

Evidence labels of the "rules of thumb" (documented decision, open to better judgement)
    ``strong``   Fisher p < 0.01, the logistic model's CV-AUC > 0.7, and the model's
                 standardised coefficient has the same sign as log(odds ratio).
    ``moderate`` Fisher p < 0.05, or p < 0.10 with a held-out permutation importance whose
                 mean minus one standard deviation is above zero.
    ``weak``     Fisher p < 0.20 (a lead to discuss, not a finding).
    Attributes with p >= 0.20 give no rule. All rules are associations in a self-selected,
    self-rated sample: candidates for discussion with practitioners, never causal claims.

This module is the public face; the code lives in one module per concept:
:mod:`~urbansec_lib.analysis.gp_attributes` (the attribute matrix, overview, 2x2 tests),
:mod:`~urbansec_lib.analysis.gp_factors` (success factors and their figure) and
:mod:`~urbansec_lib.analysis.gp_page` (the HTML inventory page).

Example
-------
>>> from urbansec_lib import good_practices as gp, instruments
>>> from urbansec_lib.analysis.gp_attributes import _DEMO  # data/raw/good_practices
>>> df = instruments.read_responses(_DEMO, "good_practice")
>>> sf = gp.success_factors(df, seed=0, n_repeats=1, n_estimators=20, perm_repeats=1)
>>> print(sf.rules["rule"].iloc[0])
Practices where the measures include place management reached high success more often (15 of 22 vs 3 of 18 without; odds ratio 10, Fisher p 0.0015).
"""

# ruff: noqa: F401 - this module re-exports the names of its parts (the old import paths)
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..inputs import instruments as _instr
from .gp_attributes import (
    _CATEGORICAL,
    _INSTRUMENT,
    _MULTIPLE,
    _PHRASES,
    _short,
    attribute_matrix,
    evidence_label,
    fisher_table,
    overview,
)
from .gp_factors import (
    SuccessFactors,
    plot_success_factors,
    success_factors,
)
from .gp_page import (
    _CSS,
    _JS,
    inventory_html,
)

__all__ = [
    "SuccessFactors",
    "attribute_matrix",
    "evidence_label",
    "fisher_table",
    "inventory_html",
    "overview",
    "plot_success_factors",
    "success_factors",
]
