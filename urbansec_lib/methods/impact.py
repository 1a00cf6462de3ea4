"""Impact evaluation of local security interventions.

Estimators for the evaluation designs of DOMAIN.md section 4c, each returning a result
object in statsmodels style (``.estimate``, ``.se``, ``.ci``, ``.pvalue``, ``.n``,
``.msms_level``, ``.assumptions``, ``.model``, ``.table()``, ``.summary()``, ``.plot()``):

- :func:`did` -- 2x2 difference-in-differences (OLS / linear probability model) or two-way
  fixed effects (absorbed by demeaning, :mod:`urbansec_lib.fixed_effects`), with an
  event-study pre-trend check when more than two periods exist, and a wild cluster
  bootstrap (:mod:`urbansec_lib.wildboot`) when there are few clusters;
- :func:`event_study` -- leads/lags around the start of treatment and a joint Wald test
  that the pre-period leads are zero;
- :func:`ordinal_did` -- ordered-logit/probit difference-in-differences for 4-point
  "feeling safe" items, with the effect on the probability of feeling safe;
- :func:`its` -- segmented Poisson / quasi-Poisson / negative-binomial interrupted
  time series with optional seasonality and Newey-West SEs;
- :func:`wdd` -- Weighted Displacement Difference test (Wheeler & Ratcliffe 2018);
- :func:`power_did` and :func:`mde_table` -- power and minimum detectable effect of a
  clustered survey difference-in-differences.

Where the parts live (this module is their public face; every name below imports from here):
:mod:`~urbansec_lib.diff_in_diff` (:func:`did`), :mod:`~urbansec_lib.leads_lags`
(:func:`event_study`), :mod:`~urbansec_lib.ordinal` (:func:`ordinal_did`,
:func:`ordinal_cutpoints`), :mod:`~urbansec_lib.time_series` (:func:`its`),
:mod:`~urbansec_lib.displacement` (:func:`wdd`), :mod:`~urbansec_lib.power`
(:func:`power_did`, :func:`mde_table`), :mod:`~urbansec_lib.design` (result objects,
plots), :mod:`~urbansec_lib.design_checks` (argument checks, assumption rows); the
one-treated-unit and staggered estimators are re-exported from
:mod:`~urbansec_lib.synthetic_control` and :mod:`~urbansec_lib.staggered`.

Every design is rated on the Maryland Scientific Methods Scale (Sherman et al. 1997):
1 correlation, 2 before-after, 3 before-after with comparable control (DiD, WDD),
4 multiple units with controls (TWFE / event study), 5 randomised (pass
``randomised=True``).

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> d = pd.DataFrame({"treated": np.repeat([0, 1], 200), "post": np.tile([0, 1], 200)})
>>> d["y"] = 1.0 + 2.0 * d.treated * d.post + rng.normal(size=400)
>>> res = did(d, "y", "treated", post="post")
>>> round(res.estimate, 1), res.msms_level
(2.2, 3)
"""

from __future__ import annotations

from ..core.errors import Problem as Problem  # importable from here as before
from ..core.errors import ValidationError as ValidationError
from .design import (
    FEW_CLUSTERS,
    MSMS_LEVELS,
    WEBB_BELOW,
    DiDResult,
    EventStudyResult,
    ImpactResult,
    ITSResult,
    OrdinalDiDResult,
    StaggeredTimingWarning,
    WDDResult,
    plot_event_study,
    plot_group_means,
    plot_its,
    plot_ordinal,
    plot_wdd,
)
from .diff_in_diff import did
from .displacement import wdd
from .leads_lags import event_study
from .ordinal import ordinal_cutpoints, ordinal_did
from .power import PowerResult, mde_table, power_did
from .staggered import att_gt, bacon_decomposition, sun_abraham
from .synthetic_control import (
    LeaveOneOutResult,
    PlaceboResult,
    SyntheticControlResult,
    SyntheticDiDResult,
    synthetic_control,
    synthetic_did,
)
from .time_series import its

__all__ = [
    "ImpactResult",
    "DiDResult",
    "EventStudyResult",
    "OrdinalDiDResult",
    "ITSResult",
    "WDDResult",
    "did",
    "event_study",
    "ordinal_did",
    "ordinal_cutpoints",
    "its",
    "wdd",
    "power_did",
    "PowerResult",
    "mde_table",
    "plot_group_means",
    "plot_event_study",
    "plot_its",
    "plot_ordinal",
    "plot_wdd",
    "MSMS_LEVELS",
    "FEW_CLUSTERS",
    "WEBB_BELOW",
    "StaggeredTimingWarning",
    # one treated unit (synthetic_control)
    "synthetic_control",
    "synthetic_did",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "PlaceboResult",
    "LeaveOneOutResult",
    # staggered adoption (staggered)
    "att_gt",
    "sun_abraham",
    "bacon_decomposition",
]
