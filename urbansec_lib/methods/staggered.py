"""Staggered adoption: difference-in-differences when areas adopt a programme at different times.

When neighbourhoods start an intervention in different years and its effect varies across
cohorts or grows with exposure, the two-way fixed-effects (TWFE) coefficient is a weighted
average of 2x2 comparisons some of which use already-treated areas as controls; its weights
can even be negative (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020). This
module offers the estimators that avoid the problem and the diagnostic that shows it:

- :func:`att_gt` -- Callaway & Sant'Anna (2021) group-time average treatment effects
  ATT(g, t) with never-treated or not-yet-treated comparison units, unconditional or with
  covariates (outcome regression, inverse probability weighting, doubly robust, as in the
  DRDID package's ``reg_did_panel``, ``std_ipw_did_panel`` and ``drdid_panel``), analytic
  influence-function SEs or the multiplier bootstrap with optional uniform bands, and
  :meth:`ATTgtResult.aggregate` (simple, dynamic / event time, group, calendar) with SEs
  that include the estimation of the aggregation weights. The numbers reproduce the R
  package ``did`` 2.3.0 (tests/data/staggered).
- :func:`sun_abraham` -- Sun & Abraham (2021) interaction-weighted event study:
  cohort-specific effects CATT(g, e) from a TWFE regression saturated in cohort x event
  time, aggregated by event time with cohort-share weights.
- :func:`bacon_decomposition` -- Goodman-Bacon (2021) decomposition of the TWFE coefficient
  into its 2x2 comparisons and their weights (the weighted sum equals the TWFE estimate).

Where the parts live (this module is their public face; every name below imports from here):
:mod:`~urbansec_lib.group_time` (:func:`att_gt`), :mod:`~urbansec_lib.group_time_results`
(:class:`ATTgtResult`, :class:`AggregatedATTResult`), :mod:`~urbansec_lib.drdid` (the 2x2
estimators), :mod:`~urbansec_lib.multiplier_bootstrap`, :mod:`~urbansec_lib.staggered_panel`
(panel checks, exact TWFE), :mod:`~urbansec_lib.sunab`, :mod:`~urbansec_lib.bacon`,
:mod:`~urbansec_lib.rollout` (:func:`evaluate_rollout`) and
:mod:`~urbansec_lib.staggered_plots` (:func:`plot_event_time`).

Data are a balanced panel in long form (one row per unit and period); ``group`` holds the
first period in which a unit is treated (0 for never treated), constant within unit.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> units = np.repeat(np.arange(60), 6)
>>> year = np.tile(np.arange(2015, 2021), 60)
>>> first = np.repeat(rng.choice([0, 2017, 2019], size=60), 6)
>>> treated = (first > 0) & (year >= first)
>>> y = 0.1 * (year - 2015) + 2.0 * treated + rng.normal(scale=0.1, size=year.size)
>>> d = pd.DataFrame({"area": units, "year": year, "first": first, "y": y})
>>> res = att_gt(d, "y", "area", "year", "first")
>>> round(res.aggregate("simple").estimate, 1)
2.0
"""

from __future__ import annotations

from .bacon import BaconResult, bacon_decomposition
from .design import ImpactResult as ImpactResult  # the base class, importable from here as before
from .group_time import att_gt
from .group_time_results import AggregatedATTResult, ATTgtResult
from .rollout import RolloutEvaluation, evaluate_rollout
from .staggered_plots import plot_event_time
from .sunab import SunAbrahamResult, sun_abraham

__all__ = [
    "ATTgtResult",
    "AggregatedATTResult",
    "SunAbrahamResult",
    "BaconResult",
    "RolloutEvaluation",
    "att_gt",
    "sun_abraham",
    "bacon_decomposition",
    "evaluate_rollout",
    "plot_event_time",
]
