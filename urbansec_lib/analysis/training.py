"""Evaluation of capacity-building trainings (UA Partnership Action 4): before/after self-assessment.

Every training uses the same questionnaire (``instruments/training_pre_post.yaml``) and the same
analysis, so trainings can be compared with each other:

1. Participants answer the competence items (1-5 confidence) before and after the training,
   with a self-generated participant code; :func:`urbansec_lib.instruments.read_responses`
   reads the two exports (``id_column="participant_code"``; pseudonymised with a key).
2. :func:`evaluate` keeps the *matched* participants (both waves), scores every competence
   area as the mean of its answered items (at least half of them), and per area reports the
   number of pairs, mean before, after and difference, the paired t-test
   (:func:`scipy.stats.ttest_rel`), the Wilcoxon signed-rank test (:func:`scipy.stats.wilcoxon`,
   scipy defaults: zero differences dropped, exact or normal approximation chosen by scipy),
   the standardised mean difference of paired data Cohen's d_z = mean(diff) / sd(diff) with an
   exact confidence interval from the noncentral t distribution (Steiger & Fouladi 1997;
   Cumming 2012, ch. 11), and Holm-adjusted p-values of the t-tests across areas
   (:func:`statsmodels.stats.multitest.multipletests`).
3. Satisfaction items (after the training) are summarised as mean and share agreeing (4-5).

Honesty notes
    Self-assessed confidence is not measured competence; a before/after change has no
    control group (maturation, social desirability and "response shift" can inflate it).
    Participants who answered only one wave are counted and excluded (they may differ).
    Areas with fewer than ``min_n`` (default 10) matched pairs are suppressed (numbers
    masked, not dropped), as are profile groups and satisfaction items under ``min_n``.

This module is the public face; the code lives in one module per concept:
:mod:`~urbansec_lib.analysis.training_competences` (the competence framework),
:mod:`~urbansec_lib.analysis.training_eval` (statistics, evaluation, reading the exports) and
:mod:`~urbansec_lib.analysis.training_figures` (figures, tables, key findings).

Example
-------
>>> from urbansec_lib import instruments, training
>>> from urbansec_lib.analysis.training_eval import _DEMO_DATA
>>> instr = instruments.load_instrument("training_pre_post")
>>> pre, post = (
...     instruments.read_responses(_DEMO_DATA / "raw" / "training" / f"TR-MAD-2025_{w}.csv",
...                                instr, id_column="participant_code")
...     for w in ("pre", "post"))
>>> res = training.evaluate(pre, post)
>>> print(res.summary().splitlines()[0])
Training TR-MAD-2025: 33 matched participants (3 answered only before, 1 only after; excluded).
"""

# ruff: noqa: F401 - this module re-exports the names of its parts (the old import paths)
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from .training_competences import (
    COMPETENCES_PATH,
    CompetenceArea,
    Competences,
    load_competences,
)
from .training_eval import (
    SATISFACTION_ITEMS,
    TrainingEvaluation,
    _area_scores,
    _check_frame,
    _fmt_p,
    _holm,
    available_trainings,
    cohen_dz,
    compare,
    dz_confint,
    evaluate,
    evaluate_all,
    read_training,
)
from .training_figures import (
    key_findings,
    plot_compare,
    plot_evaluation,
    profile_table,
    satisfaction_table,
)

__all__ = [
    "COMPETENCES_PATH",
    "CompetenceArea",
    "Competences",
    "TrainingEvaluation",
    "SATISFACTION_ITEMS",
    "available_trainings",
    "compare",
    "cohen_dz",
    "dz_confint",
    "evaluate",
    "evaluate_all",
    "load_competences",
    "plot_compare",
    "plot_evaluation",
    "read_training",
]
