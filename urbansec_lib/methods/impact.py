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

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tools.numdiff import approx_fprime

from ..core.errors import Problem, ValidationError
from . import fixed_effects as _fx
from . import wildboot as _wb
from .design import (  # the designs' shared result object, checks and helpers
    _ARGS,
    _FRAME,
    _TABLE_COLUMNS,
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
    _add_wb_columns,
    _assumptions,
    _check,
    _cluster_check,
    _complete_cases,
    _covariate_design,
    _dummies,
    _figure,
    _fit_linear,
    _group_means,
    _msms,
    _preview,
    _row,
    _terms_frame,
    _try_wb,
    _Validator,
    _wb_options,
    plot_event_study,
    plot_group_means,
    plot_its,
    plot_ordinal,
    plot_wdd,
)

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
]


# --------------------------------------------------------------------------------------
# Difference-in-differences and event study
# --------------------------------------------------------------------------------------
def did(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    *,
    randomised: bool = False,
    wild_bootstrap: bool | dict | str = "auto",
    ssc: str = "fixest",
) -> DiDResult:
    """Difference-in-differences by OLS (linear probability model for 0/1 outcomes).

    With ``post``: the 2x2 design ``outcome ~ treated + post + treated:post
    (+ covariates)``; the estimate is the ``treated:post`` coefficient. Without ``post``:
    two-way fixed effects ``outcome ~ treated | unit + time`` where ``treated`` is
    1 for treated units in treated periods; the unit and time effects are absorbed by
    demeaning (:func:`urbansec_lib.fixed_effects.feols`; units observed once are dropped
    as singletons), and the event study reuses the same demeaning. SEs are
    cluster-robust CRV1 by ``cluster`` (t with G-1 df) or HC1; survey ``weights`` give
    WLS. With more than two periods an event study (:func:`event_study`) checks
    parallel pre-trends.

    When units start treatment in different periods a :class:`StaggeredTimingWarning`
    is emitted: with heterogeneous effects the TWFE estimate mixes comparisons with
    already-treated units (Goodman-Bacon 2021); use ``us.impact.att_gt`` (Callaway &
    Sant'Anna 2021) instead.

    With fewer than :data:`FEW_CLUSTERS` clusters (or ``wild_bootstrap=True``), a wild
    cluster bootstrap (restricted WCR, :func:`urbansec_lib.wildboot.wild_cluster_bootstrap`)
    gives the p-value and CI beside the CRV1 ones (``result.wild_bootstrap`` and the
    ``wcr_*`` columns of ``table()``, also for each event-study coefficient).

    Parameters
    ----------
    df : DataFrame
        Long data, one row per respondent/unit and period.
    outcome, treated : str
        Outcome column; 0/1 treated-group (2x2) or treated-unit-period (TWFE) indicator.
    post : str, optional
        0/1 post-period indicator (2x2 design). ``None`` selects TWFE.
    unit, time : str, optional
        Unit and time columns (required for TWFE; ``time`` enables the pre-trend check).
    cluster : str, optional
        Cluster column for cluster-robust SEs (e.g. neighbourhood).
    covariates : list of str, optional
        Extra regressors; non-numeric ones enter as dummies.
    weights : str, optional
        Survey weights (WLS).
    alpha : float
        1 - confidence level.
    randomised : bool
        Treatment was randomised (MSMS level 5).
    wild_bootstrap : bool, dict or "auto"
        Run the wild cluster bootstrap: ``"auto"`` (default) when there are fewer than
        :data:`FEW_CLUSTERS` clusters, ``True`` always (needs ``cluster``), ``False``
        never, or a dict of options (``B``, ``weights`` "rademacher"/"webb", ``seed``,
        ``impose_null``). Weights default to Webb's six-point below :data:`WEBB_BELOW`
        clusters, Rademacher (enumerated when ``2**G <= B``) otherwise.
    ssc : {"fixest", "all"}
        Small-sample convention of the TWFE cluster-robust SEs
        (:mod:`urbansec_lib.fixed_effects`): fixest's (fixed effects nested in the
        clusters not counted) or statsmodels' (every dummy counted).

    Returns
    -------
    DiDResult

    Warns
    -----
    StaggeredTimingWarning
        TWFE with units starting treatment in different periods.

    Example
    -------
    >>> res = did(d, "y", "treated", post="post", cluster="area")  # doctest: +SKIP
    >>> res.estimate, res.ci, res.msms_level  # doctest: +SKIP
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    v = _Validator(df)
    if v.column(outcome, "outcome"):
        v.numeric(outcome, "outcome")
    tr_ok = v.column(treated, "treated") and v.binary(treated, "treated")
    if post is not None:
        if v.column(post, "post") and v.binary(post, "post") and tr_ok:
            tp = df[[treated, post]].dropna().astype(int)
            cells = tp.groupby([treated, post]).size()
            missing = [c for c in itertools.product([0, 1], [0, 1]) if c not in cells.index]
            if missing:
                v.fail(post, [list(m) for m in missing], "all four treated x post cells non-empty")
        v.column(unit, "unit", required=False)
        v.column(time, "time", required=False)
    else:
        if v.column(unit, "unit") & v.column(time, "time"):
            if df[unit].nunique() < 2 or df[time].nunique() < 2:
                v.fail(unit, int(df[unit].nunique()), "at least 2 units and 2 time periods")
    v.column(cluster, "cluster", required=False)
    v.columns(covariates, "covariates")
    if v.column(weights, "weights", required=False):
        v.positive(weights, "weights")
    wb_kw = _wb_options(wild_bootstrap, df[cluster] if cluster in df else None, v)
    if ssc not in ("fixest", "all", "statsmodels"):
        v.fail("ssc", ssc, "'fixest' or 'all'")
    v.raise_if_any("did() input")

    cols = [outcome, treated] + [c for c in (post, unit, time, cluster, weights) if c]
    cols = list(dict.fromkeys(cols + covariates))
    data, cc_check = _complete_cases(df, cols)
    if post is not None:
        n_cells = data.groupby([data[treated].astype(int), data[post].astype(int)]).ngroups
        if n_cells < 4:
            v.fail(
                post,
                n_cells,
                "all four treated x post cells non-empty after dropping rows with missing values",
            )
    elif data[treated].nunique() < 2:
        v.fail(treated, _preview(data[treated]), "both treated and untreated unit-periods")
    v.raise_if_any("did() input")

    w = data[weights].astype(float) if weights else None
    groups = data[cluster] if cluster else None
    checks = [cc_check]
    es: EventStudyResult | None = None
    if post is not None:
        inter = f"{treated}:{post}"
        X = pd.DataFrame(
            {
                "const": 1.0,
                treated: data[treated].astype(float),
                post: data[post].astype(float),
                inter: data[treated].astype(float) * data[post].astype(float),
            },
            index=data.index,
        )
        X = pd.concat([X, _covariate_design(data, covariates)], axis=1)
        res = _fit_linear(data[outcome].astype(float), X, w, groups)
        wb = None
        if wb_kw is not None:
            wb = _try_wb(
                wb_kw, _wb.wild_cluster_bootstrap, data[outcome].astype(float), X, groups,
                inter, alpha=alpha, regression_weights=w,
            )  # fmt: skip
        period = time if time else post
        means = _group_means(data, outcome, treated, period, weights, alpha)
        design = "difference-in-differences, 2x2 (OLS / linear probability model)"
        estimand = f"{inter} interaction: difference in the mean change of {outcome}"
        msms = _msms(3, randomised)
        if time and pd.api.types.is_numeric_dtype(data[time]) and data[time].nunique() > 2:
            start = data.loc[data[post] == 1, time].min()
            if ((data[time] >= start) == (data[post] == 1)).all():
                # reference = last pre-period of the treated group
                ref = data.loc[(data[treated] == 1) & (data[post] == 0), time].max() - start
                es = event_study(
                    data,
                    outcome,
                    treated,
                    time,
                    start,
                    cluster=cluster,
                    unit=unit,
                    covariates=covariates,
                    weights=weights,
                    reference=int(ref),
                    alpha=alpha,
                    wild_bootstrap=False if wb_kw is None else wb_kw,
                )
        terms = _terms_frame(res, alpha)
        n_obs = int(res.nobs)
    else:
        inter = treated
        ever = data.groupby(unit)[treated].transform("max").astype(int)
        data = data.assign(__ever=ever)
        means = _group_means(data, outcome, "__ever", time, weights, alpha)
        n_tr = data.loc[ever == 1, unit].nunique()
        n_co = data.loc[ever == 0, unit].nunique()
        design = "difference-in-differences, two-way fixed effects (unit and time)"
        estimand = f"{treated} coefficient: effect on {outcome} in treated unit-periods"
        msms = _msms(4 if (n_tr >= 2 and n_co >= 2) else 3, randomised)
        es_design, tw_checks = _twfe_event_design(data, treated, unit, time)
        checks += tw_checks
        n_starts = data.loc[data[treated] == 1].groupby(unit)[time].min().nunique()
        if n_starts > 1:
            warnings.warn(
                StaggeredTimingWarning(
                    f"treatment starts in {n_starts} different periods (staggered adoption): "
                    "with effects that differ across cohorts or over time the two-way "
                    "fixed-effects estimate can be biased, even of the wrong sign "
                    "(Goodman-Bacon 2021). Use us.impact.att_gt (Callaway & Sant'Anna "
                    "2021) for group-time effects and their aggregations."
                ),
                stacklevel=2,
            )
        res, es = _twfe_fits(
            data, outcome, treated, unit, time, cluster, covariates, weights, alpha,
            es_design, ssc, randomised, wb_kw,
        )  # fmt: skip
        wb = None
        if wb_kw is not None:
            wb = _try_wb(wb_kw, res.wild_bootstrap, treated)
        terms = res.table()
        n_obs = int(res.n)
        if n_co == 0:
            checks.append(
                _check(
                    "never-treated units",
                    "0",
                    False,
                    "no never-treated comparison units: identification rests on "
                    "timing differences only",
                )
            )

    checks.append(
        _cluster_check(
            groups,
            "observations treated as independent; pass `cluster` "
            "(e.g. neighbourhood or unit) when they are grouped",
            wb=wb,
        )
    )
    checks.append(_pretrend_check(es))
    y = data[outcome]
    if set(pd.unique(y.dropna())) <= {0, 1}:
        fv = res.fittedvalues
        out_of_range = int(((fv < 0) | (fv > 1)).sum())
        checks.append(
            _check(
                "linear probability model",
                f"{out_of_range} fitted values outside [0, 1]",
                out_of_range == 0,
                "the estimate is a difference in proportions",
            )
        )
    if wb is not None:
        terms = _add_wb_columns(terms, {inter: wb})
    r = _row(terms, inter)
    return DiDResult(
        design=design + (", survey-weighted (WLS)" if weights else ""),
        estimand=estimand,
        estimate=float(r.estimate),
        se=float(r.se),
        ci=(float(r.ci_low), float(r.ci_high)),
        pvalue=float(r.pvalue),
        n=n_obs,
        msms_level=msms,
        assumptions=_assumptions(checks),
        model=res,
        alpha=alpha,
        terms=terms,
        group_means=means,
        event_study=es,
        wild_bootstrap=wb,
    )


def _pretrend_check(es: EventStudyResult | None) -> dict:
    if es is None or not np.isfinite(es.pretrend_pvalue):
        return _check(
            "parallel pre-trends",
            "not testable",
            None,
            "needs at least two pre-periods with a time column; argue comparability of "
            "the comparison group from context",
        )
    p = es.pretrend_pvalue
    return _check(
        "parallel pre-trends",
        f"joint F({es.pretrend_df[0]:g}, {es.pretrend_df[1]:g}) = {es.pretrend_stat:.3g}, "
        f"p = {p:.3g}",
        bool(p >= 0.05),
        "event-study leads = 0; a non-rejection is not proof of parallel trends "
        "(low power with few periods)",
    )


def _twfe_event_design(data, treated, unit, time) -> tuple[dict | None, list[dict]]:
    """Event times for a TWFE panel when treatment is absorbing; returns (design, checks)."""
    checks: list[dict] = []
    on = data[treated] == 1
    start = data.loc[on].groupby(unit)[time].min()
    start_row = data[unit].map(start)
    is_tr = start_row.notna()
    absorbing = bool(((data.loc[is_tr, time] >= start_row[is_tr]) == on[is_tr]).all())
    if start.nunique() > 1:
        checks.append(
            _check(
                "staggered adoption",
                f"{start.nunique()} start times",
                None,
                "TWFE with staggered timing and heterogeneous effects can be biased "
                "(Goodman-Bacon 2021); compare with the event-study lags and use "
                "us.impact.att_gt (Callaway & Sant'Anna 2021)",
            )
        )
    if not absorbing:
        checks.append(
            _check(
                "absorbing treatment",
                "treatment switches off for some units",
                None,
                "event times not formed; no pre-trend test",
            )
        )
        return None, checks
    pre_rows = is_tr & ~on
    if (
        data[time].nunique() <= 2
        or not pd.api.types.is_numeric_dtype(data[time])
        or not pre_rows.any()
        or (data[treated] == 0).groupby(data[unit]).all().sum() == 0
    ):
        return None, checks
    e = (data[time] - start_row).where(is_tr)
    e_vals = pd.unique(e.dropna())
    if not np.all(np.mod(e_vals, 1) == 0):
        return None, checks
    ref = int((data.loc[pre_rows, time] - start_row[pre_rows]).max())
    return {"e": e, "reference": ref, "times": sorted(int(k) for k in e_vals)}, checks


def _es_name(k: int) -> str:
    return f"lead_{-k}" if k < 0 else f"lag_{k}"


def _twfe_fits(
    data, outcome, treated, unit, time, cluster, covariates, weights, alpha, es_design, ssc,
    randomised, wb_kw,
):  # fmt: skip
    """TWFE main model and its event study from one demeaning; returns (fit, es)."""
    cov = _covariate_design(data, covariates)
    parts = [
        data[[outcome]].astype(float),
        pd.DataFrame({treated: data[treated].astype(float)}, index=data.index),
        cov,
    ]
    ks: list[int] = []
    if es_design is not None:
        ref, e = es_design["reference"], es_design["e"]
        ks = [k for k in es_design["times"] if k != ref]
        parts.append(
            pd.DataFrame({_es_name(k): (e == k).astype(float) for k in ks}, index=data.index)
        )
    keys = list(dict.fromkeys(c for c in (unit, time, cluster, weights) if c))
    parts.append(data[[c for c in keys if c not in (outcome, treated)]])
    work = pd.concat(parts, axis=1)
    work = work.loc[:, ~work.columns.duplicated()]
    sets = [[treated] + list(cov.columns)]
    if es_design is not None:
        sets.append([_es_name(k) for k in ks] + list(cov.columns))
    fits = _fx.feols_many(
        work, outcome, sets, fe=[unit, time], cluster=cluster, weights=weights, ssc=ssc,
        alpha=alpha,
    )  # fmt: skip
    if treated not in fits[0].params.index:
        raise ValidationError(
            [Problem(_FRAME, None, treated, None, "a treatment that varies within units and "
                     "periods (it is collinear with the unit and time fixed effects)")],
            what="did() input",
        )  # fmt: skip
    if es_design is None:
        return fits[0], None
    cc = _check("complete cases", f"{fits[1].n} of {len(data)} rows used", None, "")
    es = _event_study_result(
        fits[1], ks, es_design["reference"], outcome, "unit", cc, data[cluster] if cluster
        else None, alpha, randomised, wb_kw,
    )  # fmt: skip
    return fits[0], es


def _event_study_result(
    fit, ks, reference, outcome, fe_label, cc_check, groups, alpha, randomised, wb_kw
) -> EventStudyResult:
    """EventStudyResult from a fixed-effects fit holding the lead/lag dummies."""
    ks = [k for k in ks if _es_name(k) in fit.params.index]
    names = [_es_name(k) for k in ks]
    tab = fit.table()
    terms = tab[tab["term"].isin(names)].reset_index(drop=True)
    terms["event_time"] = [ks[names.index(t)] for t in terms["term"]]
    wb_rows: dict[str, Any] = {}
    if wb_kw is not None:
        wb_rows = {t: _try_wb(wb_kw, fit.wild_bootstrap, t) for t in names}
        if any(r is None for r in wb_rows.values()):
            wb_rows = {}
        else:
            terms = _add_wb_columns(terms, wb_rows)
    coefs = pd.concat(
        [
            terms,
            pd.DataFrame(
                {"term": [f"ref_{reference}"], "estimate": [0.0], "event_time": [reference]}
            ),
        ],
        ignore_index=True,
    ).sort_values("event_time")
    extra = ["wcr_pvalue", "wcr_ci_low", "wcr_ci_high"] if wb_rows else []
    coefs = coefs[["event_time"] + _TABLE_COLUMNS + extra].reset_index(drop=True)

    leads = [_es_name(k) for k in ks if k < 0]
    stat, dfs, p = float("nan"), (float("nan"), float("nan")), float("nan")
    if leads:
        wt = fit.wald(leads)
        stat, dfs, p = wt["F"], wt["df"], wt["pvalue"]
    lags = [_es_name(k) for k in ks if k >= 0]
    lc = fit.lincom({t: 1.0 / len(lags) for t in lags}, alpha=alpha)
    wb = None
    if wb_kw is not None:
        wb = _try_wb(wb_kw, fit.wild_bootstrap, {t: 1.0 / len(lags) for t in lags})
        if wb is not None:
            wb.param = f"mean of {len(lags)} lags"
    out = EventStudyResult(
        design=f"event study (leads/lags, OLS with {fe_label} and time fixed effects)",
        estimand=f"mean of the {len(lags)} post-period (lag) effects on {outcome}",
        estimate=lc["estimate"],
        se=lc["se"],
        ci=(float(lc["ci"][0]), float(lc["ci"][1])),
        pvalue=lc["pvalue"],
        n=int(fit.n),
        msms_level=_msms(4, randomised),
        assumptions=pd.DataFrame(),
        model=fit,
        alpha=alpha,
        terms=coefs,
        coefs=coefs,
        pretrend_stat=stat,
        pretrend_df=dfs,
        pretrend_pvalue=p,
        wild_bootstrap=wb,
    )
    out.assumptions = _assumptions(
        [
            cc_check,
            _pretrend_check(out),
            _cluster_check(groups, "pass `cluster` (e.g. unit) for panel data", wb=wb),
        ]
    )
    return out


def event_study(
    df: pd.DataFrame,
    outcome: str,
    treated_group: str,
    time: str,
    treat_start: Any,
    cluster: str | None = None,
    *,
    unit: str | None = None,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    reference: int = -1,
    min_event: int | None = None,
    max_event: int | None = None,
    alpha: float = 0.05,
    randomised: bool = False,
    wild_bootstrap: bool | dict | str = "auto",
    ssc: str = "fixest",
) -> EventStudyResult:
    """Event-study (leads and lags) regression with a joint pre-trend test.

    ``outcome ~ sum_k D_k | FE``, where ``D_k`` marks treated-group rows at event time
    ``k = time - treat_start`` (reference period ``reference`` omitted), and FE are time
    effects plus unit effects (``unit`` given; absorbed by demeaning, see
    :func:`urbansec_lib.fixed_effects.feols`) or the treated-group dummy. Event times
    beyond ``min_event``/``max_event`` are binned into the end points.

    Parameters
    ----------
    df : DataFrame
    outcome : str
    treated_group : str
        0/1: unit belongs to the (eventually) treated group.
    time : str
        Numeric period index (consecutive integers, e.g. month number).
    treat_start : number or str
        First treated period: a common value or a column name (per-row start).
    cluster : str, optional
        Cluster column for cluster-robust SEs (HC1 otherwise).
    unit, covariates, weights, alpha, randomised, wild_bootstrap, ssc
        As in :func:`did`; the wild bootstrap (few clusters) adds ``wcr_*`` columns to
        ``coefs`` and tests the mean of the lags.

    Returns
    -------
    EventStudyResult
        ``estimate`` = mean of the lag (event time >= 0) coefficients; ``coefs`` table;
        ``pretrend_*`` = joint F test of the leads.

    Example
    -------
    >>> es = event_study(panel, "y", "tr", "t", 5, cluster="unit_id")  # doctest: +SKIP
    >>> es.pretrend_pvalue  # doctest: +SKIP
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    v = _Validator(df)
    if v.column(outcome, "outcome"):
        v.numeric(outcome, "outcome")
    if v.column(treated_group, "treated_group"):
        v.binary(treated_group, "treated_group")
    if v.column(time, "time"):
        v.numeric(time, "time")
    start_col = isinstance(treat_start, str)
    if start_col:
        if v.column(treat_start, "treat_start"):
            v.numeric(treat_start, "treat_start")
    elif not isinstance(treat_start, (int, float, np.integer, np.floating)):
        v.fail("treat_start", treat_start, "a number or a column name")
    v.column(cluster, "cluster", required=False)
    v.column(unit, "unit", required=False)
    v.columns(covariates, "covariates")
    if v.column(weights, "weights", required=False):
        v.positive(weights, "weights")
    cl_ok = isinstance(df, pd.DataFrame) and cluster in df
    wb_kw = _wb_options(wild_bootstrap, df[cluster] if cl_ok else None, v)
    if ssc not in ("fixest", "all", "statsmodels"):
        v.fail("ssc", ssc, "'fixest' or 'all'")
    v.raise_if_any("event_study() input")

    cols = [outcome, treated_group, time] + [c for c in (unit, cluster, weights) if c]
    cols = list(dict.fromkeys(cols + covariates + ([treat_start] if start_col else [])))
    data, cc_check = _complete_cases(df, cols)
    start = data[treat_start] if start_col else pd.Series(float(treat_start), index=data.index)
    tg = data[treated_group].astype(int) == 1
    e = (data[time] - start).where(tg)
    if min_event is not None:
        e = e.clip(lower=min_event)
    if max_event is not None:
        e = e.clip(upper=max_event)
    e_vals = pd.unique(e.dropna())
    if not np.all(np.mod(e_vals, 1) == 0):
        v.fail(time, _preview(e_vals[np.mod(e_vals, 1) != 0]), "integer event times")
        v.raise_if_any("event_study() input")
    times = sorted(int(k) for k in e_vals)
    if reference not in times or not any(k >= 0 for k in times):
        v.fail(time, times, f"treated-group rows at event time {reference} and at >= 0")
    v.raise_if_any("event_study() input")

    ks = [k for k in times if k != reference]
    D = pd.DataFrame({_es_name(k): (e == k).astype(float) for k in ks}, index=data.index)
    cov = _covariate_design(data, covariates)
    keys = list(dict.fromkeys(c for c in (unit, time, cluster, weights) if c))
    work = pd.concat(
        [data[[outcome]].astype(float), D, cov, data[[c for c in keys if c != outcome]]], axis=1
    )
    regs = list(D.columns) + list(cov.columns)
    if not unit:
        work[f"{treated_group}__group"] = data[treated_group].astype(float)
        regs.append(f"{treated_group}__group")
    work = work.loc[:, ~work.columns.duplicated()]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dropped collinear", category=UserWarning)
        fit = _fx.feols(
            work, outcome, regs, fe=[unit, time] if unit else [time], cluster=cluster,
            weights=weights, ssc=ssc, alpha=alpha,
        )  # fmt: skip
    groups = data[cluster] if cluster else None
    return _event_study_result(
        fit, ks, reference, outcome, "unit" if unit else "group", cc_check, groups, alpha,
        randomised, wb_kw,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# Ordinal DiD
# --------------------------------------------------------------------------------------
def _fit_ordered(endog: pd.Series, exog: pd.DataFrame, distr: str = "logit", groups=None):
    """Fit OrderedModel to the exact MLE (BFGS, then Newton from there)."""
    model = OrderedModel(endog, exog, distr=distr)
    start = model.fit(method="bfgs", disp=False, maxiter=2000).params
    kw: dict[str, Any] = {}
    if groups is not None:
        kw = {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(pd.Series(groups))[0]}}
    return model.fit(method="newton", start_params=start, disp=False, maxiter=200, **kw)


def ordinal_cutpoints(results) -> pd.DataFrame:
    """Thresholds of a fitted OrderedModel on the latent scale, with delta-method SEs.

    statsmodels stores the first threshold as is and the later ones as log-increments
    (``cut_j = cut_1 + sum_{i<j} exp(theta_i)``); this converts them to the
    ``MASS::polr`` / Stata ``ologit`` parametrisation (``P(Y <= j) = F(cut_j - x'b)``).

    Parameters
    ----------
    results : OrderedResults
        A fitted ``statsmodels`` OrderedModel.

    Returns
    -------
    DataFrame
        term, estimate, se.

    Example
    -------
    >>> ordinal_cutpoints(res.model)  # doctest: +SKIP
    """
    params = np.asarray(results.params)
    k_ex = results.model.k_vars
    theta = params[k_ex:]
    cuts = theta[0] + np.concatenate([[0.0], np.cumsum(np.exp(theta[1:]))])
    J = np.zeros((len(theta), len(theta)))
    J[:, 0] = 1.0
    for j in range(1, len(theta)):
        J[j, 1 : j + 1] = np.exp(theta[1 : j + 1])
    cov = np.asarray(results.cov_params())[k_ex:, k_ex:]
    se = np.sqrt(np.diag(J @ cov @ J.T))
    return pd.DataFrame({"term": _cut_names(results.model), "estimate": cuts, "se": se})


def _cut_names(model) -> list[str]:
    labels = [str(x) for x in model.labels]
    return [f"cut: {a} | {b}" for a, b in zip(labels[:-1], labels[1:])]


def ordinal_did(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    covariates: Sequence[str] | None = None,
    distr: str = "logit",
    cluster: str | None = None,
    safe_levels: Sequence[Any] | None = None,
    *,
    alpha: float = 0.05,
    randomised: bool = False,
) -> OrdinalDiDResult:
    """Ordered-logit (or probit) difference-in-differences for an ordinal outcome.

    Fits ``outcome ~ treated + post + treated:post (+ covariates)`` with statsmodels
    ``OrderedModel`` (proportional odds). The estimate is the interaction on the latent
    (log-odds for logit) scale; ``odds_ratio = exp(estimate)``. The effect is also given
    as the change in the probability of feeling safe (outcome in ``safe_levels``) for the
    treated group in the post period: the mean predicted probability with the
    interaction (factual) minus without it (counterfactual), with a delta-method SE.

    Parameters
    ----------
    df : DataFrame
    outcome : str
        Ordered categorical (order = increasing safety) or numeric codes (sorted).
    treated, post : str
        0/1 indicators.
    covariates : list of str, optional
    distr : {"logit", "probit"}
    cluster : str, optional
        Cluster-robust SEs by this column (e.g. neighbourhood).
    safe_levels : list, optional
        Levels counted as "feeling safe"; default the two highest levels.
    alpha : float
    randomised : bool
        MSMS level 5 when True.

    Returns
    -------
    OrdinalDiDResult

    Example
    -------
    >>> r = ordinal_did(survey, "safe4", "treated", "post", cluster="nbhd")  # doctest: +SKIP
    >>> r.odds_ratio, r.prob_effect  # doctest: +SKIP
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    v = _Validator(df)
    levels: list = []
    if v.column(outcome, "outcome"):
        s = df[outcome]
        if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered:
            levels = list(s.cat.categories)
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            levels = sorted(pd.unique(s.dropna()).tolist())
        else:
            v.fail(outcome, _preview(s), "an ordered Categorical or numeric codes")
        if levels and len(levels) < 2:
            v.fail(outcome, levels, "at least 2 ordered levels")
    for c, role in ((treated, "treated"), (post, "post")):
        if v.column(c, role):
            v.binary(c, role)
    v.column(cluster, "cluster", required=False)
    v.columns(covariates, "covariates")
    if distr not in ("logit", "probit"):
        v.fail("distr", distr, "'logit' or 'probit'")
    if safe_levels is None:
        safe_levels = levels[-2:] if len(levels) >= 3 else levels[-1:]
    else:
        safe_levels = list(safe_levels)
        bad = [s for s in safe_levels if s not in levels]
        if levels and (bad or not safe_levels or len(safe_levels) == len(levels)):
            v.fail(outcome, bad or safe_levels, f"safe_levels a proper subset of {levels}")
    v.raise_if_any("ordinal_did() input")

    cols = list(
        dict.fromkeys([outcome, treated, post] + covariates + ([cluster] if cluster else []))
    )
    data, cc_check = _complete_cases(df, cols)
    inter = f"{treated}:{post}"
    tr, po = data[treated].astype(float), data[post].astype(float)
    X = pd.concat(
        [
            pd.DataFrame({treated: tr, post: po, inter: tr * po}),
            _covariate_design(data, covariates),
        ],
        axis=1,
    )
    if (X[inter] == 1).sum() == 0 or len(pd.unique(data[outcome])) < 2:
        v.fail(inter, 0, "treated respondents in the post period and >= 2 outcome levels")
    v.raise_if_any("ordinal_did() input")
    endog = pd.Series(
        pd.Categorical(data[outcome], categories=levels, ordered=True), index=data.index
    )
    groups = data[cluster] if cluster else None
    res = _fit_ordered(endog, X, distr, groups)

    # coefficient table (slopes + cut-points). With few clusters, normal critical values
    # overstate precision: use t with G - 1 degrees of freedom (as the linear DiD does).
    n_clusters = int(pd.Series(groups).nunique()) if groups is not None else None
    df_t = n_clusters - 1 if n_clusters is not None and n_clusters > 1 else None
    z = stats.t.ppf(1 - alpha / 2, df_t) if df_t else stats.norm.ppf(1 - alpha / 2)

    def _p(t_stat):
        t_stat = np.abs(np.asarray(t_stat, dtype=float))
        return 2 * (stats.t.sf(t_stat, df_t) if df_t else stats.norm.sf(t_stat))

    k_ex = res.model.k_vars
    slopes = _terms_frame(res, alpha).iloc[:k_ex].copy()
    if df_t:
        slopes["ci_low"] = slopes["estimate"] - z * slopes["se"]
        slopes["ci_high"] = slopes["estimate"] + z * slopes["se"]
        slopes["pvalue"] = _p(slopes["estimate"] / slopes["se"])
    cuts = ordinal_cutpoints(res)
    cuts["ci_low"] = cuts["estimate"] - z * cuts["se"]
    cuts["ci_high"] = cuts["estimate"] + z * cuts["se"]
    cuts["pvalue"] = np.nan
    if distr == "logit":
        slopes["odds_ratio"] = np.exp(slopes["estimate"])
        slopes["or_ci_low"] = np.exp(slopes["ci_low"])
        slopes["or_ci_high"] = np.exp(slopes["ci_high"])

    # probability of feeling safe: factual vs counterfactual for treated-post respondents
    safe_idx = np.array([levels.index(s) for s in safe_levels])
    X_f = X.loc[X[inter] == 1].to_numpy(dtype=float)
    X_cf = X_f.copy()
    X_cf[:, list(X.columns).index(inter)] = 0.0
    params = np.asarray(res.params, dtype=float)

    def p_safe(theta, exog):
        return res.model.predict(theta, exog=exog)[:, safe_idx].sum(axis=1).mean()

    def effect(theta):
        return p_safe(theta, X_f) - p_safe(theta, X_cf)

    grad = approx_fprime(params, effect, centered=True)
    pe = float(effect(params))
    pe_se = float(np.sqrt(grad @ np.asarray(res.cov_params()) @ grad))
    probs = pd.DataFrame(
        {
            "level": [str(x) for x in levels],
            "factual": res.model.predict(params, exog=X_f).mean(axis=0),
            "counterfactual": res.model.predict(params, exog=X_cf).mean(axis=0),
        }
    )
    probs["safe"] = probs["level"].isin([str(s) for s in safe_levels])
    pe_row = pd.DataFrame(
        {
            "term": ["P(safe): treated post, factual - counterfactual"],
            "estimate": [pe],
            "se": [pe_se],
            "ci_low": [pe - z * pe_se],
            "ci_high": [pe + z * pe_se],
            "pvalue": [float(_p(pe / pe_se)) if pe_se > 0 else np.nan],
        }
    )
    terms = pd.concat([slopes, cuts, pe_row], ignore_index=True)

    checks = [cc_check, _proportional_odds_check(endog, X, inter, distr)]
    checks.append(
        _cluster_check(
            groups,
            "respondents treated as independent; pass `cluster` "
            "(e.g. neighbourhood) for clustered samples",
            "none (model-based SEs)",
        )
    )
    checks.append(_pretrend_check(None))
    r = _row(terms, inter)
    est = float(r.estimate)
    or_ci = (float(np.exp(r.ci_low)), float(np.exp(r.ci_high)))
    return OrdinalDiDResult(
        design=f"ordinal difference-in-differences (ordered {distr}, proportional odds)",
        estimand=f"{inter} interaction on the latent "
        + ("log-odds" if distr == "logit" else "probit")
        + f" scale of {outcome}",
        estimate=est,
        se=float(r.se),
        ci=(float(r.ci_low), float(r.ci_high)),
        pvalue=float(r.pvalue),
        n=int(res.nobs),
        msms_level=_msms(3, randomised),
        assumptions=_assumptions(checks),
        model=res,
        alpha=alpha,
        terms=terms,
        odds_ratio=float(np.exp(est)) if distr == "logit" else float("nan"),
        odds_ratio_ci=or_ci if distr == "logit" else (float("nan"), float("nan")),
        prob_effect=pe,
        prob_effect_se=pe_se,
        prob_effect_ci=(pe - z * pe_se, pe + z * pe_se),
        prob_effect_pvalue=float(_p(pe / pe_se)) if pe_se > 0 else float("nan"),
        p_safe_factual=float(p_safe(params, X_f)),
        p_safe_counterfactual=float(p_safe(params, X_cf)),
        safe_levels=list(safe_levels),
        probabilities=probs,
        cutpoints=cuts,
    )


def _proportional_odds_check(endog: pd.Series, X: pd.DataFrame, inter: str, distr: str) -> dict:
    """Informal check: the interaction from binary fits at each cumulative split."""
    codes = endog.cat.codes.to_numpy()
    k = len(endog.cat.categories)
    if k < 3:
        return _check("proportional odds", "2 levels: not applicable", None)
    Xc = sm.add_constant(X, has_constant="add")
    est = []
    for j in range(k - 1):
        yj = (codes > j).astype(float)
        try:
            fit = (sm.Logit if distr == "logit" else sm.Probit)(yj, Xc).fit(disp=False)
            est.append(f"{float(fit.params[inter]):.3g}")
        except Exception:  # separation / singular split
            est.append("n/a")
    return _check(
        "proportional odds",
        f"{inter} at each cumulative split: " + ", ".join(est),
        None,
        "informal (separate binary fits); clearly different values suggest the effect "
        "differs across the scale - report the probability effect",
    )


# --------------------------------------------------------------------------------------
# Interrupted time series
# --------------------------------------------------------------------------------------
def its(
    df: pd.DataFrame,
    outcome: str,
    time: str,
    post: str,
    offset: str | None = None,
    seasonality: int | str = 0,
    family: str = "poisson",
    hac_maxlags: int | None = None,
    alpha: float = 0.05,
    *,
    season: str | None = None,
    period: int = 12,
    slope_change: bool = True,
) -> ITSResult:
    """Segmented GLM interrupted time series for counts.

    ``log E[outcome] = b0 + b1 time + b2 post + b3 time_since_intervention (+ season)
    + log(offset)``, with ``time_since_intervention = (time - t_last_pre) * post`` (1 at
    the first post period; Wagner et al. 2002). Seasonality: ``seasonality=K`` adds
    ``sin/cos(2 pi k s / period)``, k = 1..K, where ``s`` is the ``season`` column
    (e.g. calendar month) or ``time``; ``seasonality="month"`` adds dummies of
    ``s mod period``. ``exp(b2)`` is the level-change rate ratio and ``exp(b3)`` the
    slope-change rate ratio per period.

    Parameters
    ----------
    df : DataFrame
        One row per period.
    outcome : str
        Non-negative counts.
    time : str
        Numeric, equally spaced period index (e.g. 1..n months).
    post : str
        0/1, 0 before and 1 from the intervention on.
    offset : str, optional
        Population or exposure column (enters as ``log(offset)``).
    seasonality : int or "month"
        Number of Fourier harmonics, or ``"month"`` for dummies.
    family : {"poisson", "quasipoisson", "negbin"}
        Quasi-Poisson scales SEs by Pearson chi2/df; negbin estimates the NB2 alpha by
        maximum likelihood and refits the GLM with it.
    hac_maxlags : int, optional
        Newey-West (HAC) SEs with this many lags.
    alpha : float
    season : str, optional
        Column with the position in the seasonal cycle (default ``time``).
    period : int
        Seasonal period (12 for months).
    slope_change : bool
        Include the slope-change term (False gives the level-change-only model).

    Returns
    -------
    ITSResult

    Example
    -------
    >>> r = its(sicily, "aces", "time", "smokban", offset="stdpop", seasonality=2,
    ...         family="quasipoisson")  # doctest: +SKIP
    >>> r.rate_ratio, r.rate_ratio_ci  # doctest: +SKIP
    """
    v = _Validator(df)
    if v.column(outcome, "outcome"):
        v.positive(outcome, "outcome", strict=False)
    time_ok = v.column(time, "time") and v.numeric(time, "time")
    post_ok = v.column(post, "post") and v.binary(post, "post")
    if v.column(offset, "offset", required=False):
        v.positive(offset, "offset")
    if v.column(season, "season", required=False):
        v.numeric(season, "season")
    if family not in ("poisson", "quasipoisson", "negbin"):
        v.fail("family", family, "'poisson', 'quasipoisson' or 'negbin'")
    if not (
        seasonality == "month"
        or (isinstance(seasonality, (int, np.integer)) and 0 <= seasonality <= period // 2)
    ):
        v.fail("seasonality", seasonality, f"an integer 0..{period // 2} or 'month'")
    if hac_maxlags is not None and (
        not isinstance(hac_maxlags, (int, np.integer)) or hac_maxlags < 0
    ):
        v.fail("hac_maxlags", hac_maxlags, "a non-negative integer")
    if post_ok and time_ok:
        tp = df[[time, post]].dropna()
        pre_t = tp.loc[tp[post] == 0, time]
        post_t = tp.loc[tp[post] == 1, time]
        if len(pre_t) < 3 or len(post_t) < 3:
            v.fail(post, [len(pre_t), len(post_t)], "at least 3 periods before and after")
        elif pre_t.max() >= post_t.min():
            v.fail(
                post,
                [float(pre_t.max()), float(post_t.min())],
                "0 for all periods before and 1 for all periods from the intervention",
            )
    v.raise_if_any("its() input")

    cols = list(dict.fromkeys([outcome, time, post] + [c for c in (offset, season) if c]))
    data, cc_check = _complete_cases(df, cols)
    data = data.sort_values(time)
    t = data[time].astype(float)
    p = data[post].astype(float)
    t_last_pre = float(t[p == 0].max())
    X = pd.DataFrame({"const": 1.0, time: t, post: p}, index=data.index)
    if slope_change:
        X["time_since_intervention"] = (t - t_last_pre) * p
    s = data[season].astype(float) if season else t
    if seasonality == "month":
        pos = (np.round(s).astype(int) - 1) % period + 1
        X = pd.concat([X, _dummies(pos, "season")], axis=1)
    else:
        for k in range(1, int(seasonality) + 1):
            if 2 * k != period:  # the sine is identically zero at the Nyquist harmonic
                X[f"sin{k}"] = np.sin(2 * np.pi * k * s / period)
            X[f"cos{k}"] = np.cos(2 * np.pi * k * s / period)
    y = data[outcome].astype(float)
    off = np.log(data[offset].astype(float)) if offset else None

    fam: sm.families.Family = sm.families.Poisson()
    nb_alpha = None
    if family == "negbin":
        nb = sm.NegativeBinomial(y, X, offset=off).fit(disp=False, maxiter=500)
        nb_alpha = float(nb.params.iloc[-1])
        fam = sm.families.NegativeBinomial(alpha=nb_alpha)
    glm = sm.GLM(y, X, family=fam, offset=off)
    kw: dict[str, Any] = {}
    if family == "quasipoisson":
        kw["scale"] = "X2"
    if hac_maxlags is not None:
        kw.update(cov_type="HAC", cov_kwds={"maxlags": int(hac_maxlags)})
    res = glm.fit(**kw)
    dispersion = float(res.pearson_chi2 / res.df_resid)

    terms = _terms_frame(res, alpha)
    for c in ("estimate", "ci_low", "ci_high"):
        terms["rate_ratio" if c == "estimate" else f"rr_{c}"] = np.exp(terms[c])
    lv = _row(terms, post)
    sl = _row(terms, "time_since_intervention") if slope_change else None

    # fitted and counterfactual (no level or slope change) on the count scale
    X_cf = X.copy()
    X_cf[post] = 0.0
    if slope_change:
        X_cf["time_since_intervention"] = 0.0
    fitted = pd.DataFrame(
        {
            "time": t.to_numpy(),
            "observed": y.to_numpy(),
            "fitted": res.predict(X, offset=off),
            "counterfactual": res.predict(X_cf, offset=off),
            "post": p.to_numpy().astype(int),
        }
    ).reset_index(drop=True)

    # checks
    resid = np.asarray(res.resid_pearson)
    lags = int(max(1, min(period, len(y) // 4)))
    lb = acorr_ljungbox(resid, lags=[lags], return_df=True)
    lb_p = float(lb["lb_pvalue"].iloc[0])
    dw = float(durbin_watson(resid))
    if family == "poisson":
        od = _check(
            "overdispersion (Pearson chi2/df)",
            f"{dispersion:.3g}",
            dispersion < 1.5,
            ""
            if dispersion < 1.5
            else "SEs too small under Poisson; use family='quasipoisson' or 'negbin'",
        )
    else:
        note = (
            "SEs scaled by the dispersion"
            if family == "quasipoisson"
            else (f"negative binomial alpha = {nb_alpha:.3g}")
        )
        od = _check("overdispersion (Pearson chi2/df)", f"{dispersion:.3g}", None, note)
    checks = [
        cc_check,
        od,
        _check(
            "residual autocorrelation",
            f"Ljung-Box({lags}) p = {lb_p:.3g}; Durbin-Watson = {dw:.3g}",
            bool(lb_p >= 0.05) if hac_maxlags is None else None,
            (
                "Newey-West SEs in use"
                if hac_maxlags is not None
                else ""
                if lb_p >= 0.05
                else "autocorrelated residuals: pass hac_maxlags or model it"
            ),
        ),
        _check(
            "segment length",
            f"{int((p == 0).sum())} periods before, {int((p == 1).sum())} after",
            bool((p == 0).sum() >= 8 and (p == 1).sum() >= 8),
            ""
            if (p == 0).sum() >= 8 and (p == 1).sum() >= 8
            else "few points per segment make trends and seasonality hard to separate",
        ),
        _check(
            "seasonality",
            str(seasonality) if seasonality else "none",
            None,
            "" if seasonality else "unadjusted seasonality can bias the level change",
        ),
        _check(
            "comparison series",
            "none",
            None,
            "no control series: other events at the same time cannot be ruled out",
        ),
    ]
    fam_name = {
        "poisson": "Poisson",
        "quasipoisson": "quasi-Poisson",
        "negbin": "negative binomial",
    }
    return ITSResult(
        design=f"interrupted time series, segmented {fam_name[family]} GLM"
        + (f", Newey-West SEs ({hac_maxlags} lags)" if hac_maxlags is not None else ""),
        estimand=f"log rate ratio of the level change at {post} = 1",
        estimate=float(lv.estimate),
        se=float(lv.se),
        ci=(float(lv.ci_low), float(lv.ci_high)),
        pvalue=float(lv.pvalue),
        n=int(res.nobs),
        msms_level=2,
        assumptions=_assumptions(checks),
        model=res,
        alpha=alpha,
        terms=terms,
        rate_ratio=float(lv.rate_ratio),
        rate_ratio_ci=(float(lv.rr_ci_low), float(lv.rr_ci_high)),
        slope_rate_ratio=float(sl.rate_ratio) if sl is not None else float("nan"),
        slope_rate_ratio_ci=(float(sl.rr_ci_low), float(sl.rr_ci_high))
        if sl is not None
        else (float("nan"), float("nan")),
        dispersion=dispersion,
        fitted=fitted,
    )


# --------------------------------------------------------------------------------------
# Weighted displacement difference
# --------------------------------------------------------------------------------------
def wdd(
    treated_before: float,
    treated_after: float,
    control_before: float,
    control_after: float,
    buffer_before: float | None = None,
    buffer_after: float | None = None,
    buffer_control_before: float | None = None,
    buffer_control_after: float | None = None,
    *,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted Displacement Difference test (Wheeler & Ratcliffe 2018, Crime Sci 7:17).

    ``WDD = dT - dCt + dD - dCd`` with ``dX = X_after - X_before`` for the treated area
    (T), its control (Ct), the displacement buffer (D) and the buffer's control (Cd).
    Under independent Poisson counts ``Var(WDD)`` is the sum of the eight counts;
    ``z = WDD / sqrt(Var)``. Negative values mean fewer crimes than expected. Without
    buffer counts the test is the local ``dT - dCt`` only.

    Example
    -------
    >>> r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
    >>> r.estimate, r.se ** 2, round(r.z, 2)
    (-118.0, 1568.0, -2.98)
    """
    names = [
        "treated_before",
        "treated_after",
        "control_before",
        "control_after",
        "buffer_before",
        "buffer_after",
        "buffer_control_before",
        "buffer_control_after",
    ]
    vals = [
        treated_before,
        treated_after,
        control_before,
        control_after,
        buffer_before,
        buffer_after,
        buffer_control_before,
        buffer_control_after,
    ]
    v = _Validator(pd.DataFrame(), file=_ARGS)
    buf = vals[4:]
    if any(b is not None for b in buf) and any(b is None for b in buf):
        for n_, b in zip(names[4:], buf):
            if b is None:
                v.fail(n_, None, "all four buffer counts or none")
    for n_, x in zip(names, vals):
        if x is None:
            continue
        if (
            not isinstance(x, (int, float, np.integer, np.floating))
            or not math.isfinite(x)
            or x < 0
        ):
            v.fail(n_, x, "a non-negative count")
    if not (0 < alpha < 1):
        v.fail("alpha", alpha, "a number between 0 and 1")
    v.raise_if_any("wdd() input")

    has_buf = buf[0] is not None
    c = np.array([float(x) if x is not None else 0.0 for x in vals])
    dT, dCt, dD, dCd = c[1] - c[0], c[3] - c[2], c[5] - c[4], c[7] - c[6]
    z_a = stats.norm.ppf(1 - alpha / 2)

    def row(term, est, var):
        se = math.sqrt(var)
        zz = est / se if se > 0 else float("nan")
        return {
            "term": term,
            "estimate": est,
            "se": se,
            "ci_low": est - z_a * se,
            "ci_high": est + z_a * se,
            "pvalue": 2 * stats.norm.sf(abs(zz)),
            "z": zz,
        }

    rows = [row("local: dT - dCt", dT - dCt, c[:4].sum())]
    if has_buf:
        rows.append(row("displacement: dD - dCd", dD - dCd, c[4:].sum()))
    rows.append(row("WDD" if has_buf else "WDD (no buffer)", dT - dCt + dD - dCd, c.sum()))
    terms = pd.DataFrame(rows)
    tot = rows[-1]
    areas = ["treated", "control", "buffer", "buffer control"][: 4 if has_buf else 2]
    changes = pd.DataFrame(
        {"area": areas, "before": c[0:8:2][: len(areas)], "after": c[1:8:2][: len(areas)]}
    )
    changes["change"] = changes["after"] - changes["before"]
    ratio = c[2] / c[0] if c[0] > 0 else float("inf")
    checks = [
        _check(
            "control comparable",
            f"control/treated before = {ratio:.3g}",
            bool(0.5 <= ratio <= 2),
            "control areas should have crime counts similar to the treated area",
        )
    ]
    if has_buf:
        rb = c[6] / c[4] if c[4] > 0 else float("inf")
        checks.append(
            _check(
                "buffer control comparable",
                f"buffer control/buffer before = {rb:.3g}",
                bool(0.5 <= rb <= 2),
                "",
            )
        )
    checks += [
        _check(
            "Poisson variance",
            "assumed",
            None,
            "overdispersed counts (repeat victimisation, series crimes) make the SE too small",
        ),
        _check(
            "displacement buffer",
            "included" if has_buf else "not included",
            None,
            "" if has_buf else "displacement / diffusion of benefits not assessed",
        ),
    ]
    return WDDResult(
        design="weighted displacement difference (Wheeler & Ratcliffe 2018)"
        + ("" if has_buf else ", no displacement buffer"),
        estimand="change in crime counts relative to controls (negative = fewer crimes)",
        estimate=float(tot["estimate"]),
        se=float(tot["se"]),
        ci=(float(tot["ci_low"]), float(tot["ci_high"])),
        pvalue=float(tot["pvalue"]),
        n=int(round(c.sum())),
        msms_level=3,
        assumptions=_assumptions(checks),
        model=None,
        alpha=alpha,
        terms=terms,
        z=float(tot["z"]),
        changes=changes,
    )


# --------------------------------------------------------------------------------------
# Power
# --------------------------------------------------------------------------------------
def _power_problems(n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test):
    v = _Validator(pd.DataFrame(), file=_ARGS)
    checks = [
        ("n_per_area", n_per_area, lambda x: x >= 1, "a number >= 1"),
        (
            "n_areas",
            n_areas,
            lambda x: x >= (2 if test == "t" else 1),
            "areas per arm, >= 1 (>= 2 for test='t')",
        ),
        ("waves", waves, lambda x: float(x).is_integer() and x >= 2, "an integer >= 2"),
        ("icc", icc, lambda x: 0 <= x < 1, "a number in [0, 1)"),
        ("baseline_share", baseline_share, lambda x: 0 < x < 1, "a share in (0, 1)"),
        ("alpha", alpha, lambda x: 0 < x < 1, "a number in (0, 1)"),
        ("power", power, lambda x: 0 < x < 1, "a number in (0, 1)"),
    ]
    for name, x, ok, expected in checks:
        if not isinstance(x, (int, float, np.integer, np.floating)) or not ok(x):
            v.fail(name, x, expected)
    if test not in ("normal", "t"):
        v.fail("test", test, "'normal' or 't'")
    return v


def _did_area_sd(n_per_area, waves, icc, p) -> float:
    """SD of one area's pre-post change in its mean share (see :func:`power_did`)."""
    deff = 1 + (n_per_area - 1) * icc
    w_pre = waves // 2
    w_post = waves - w_pre
    return math.sqrt(p * (1 - p) * deff / n_per_area * (1 / w_pre + 1 / w_post))


class PowerResult(float):
    """Result of :func:`power_did`: a float (the MDE or the power) that also carries the
    design, so it prints a ``summary()`` and draws a power curve like the other results.

    Attributes
    ----------
    estimate : float
        The MDE in proportion points, or the power when an effect was given.
    kind : str
        ``"mde"`` or ``"power"``.
    n : int
        Respondents over both arms and all waves.
    design : dict
        The inputs (n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test).
    se, ci, pvalue : float, tuple, float
        Not applicable to a design calculation (NaN), kept for a uniform interface.
    """

    def __new__(cls, value: float, kind: str, design: dict, sd: float):
        obj = super().__new__(cls, value)
        obj.kind, obj.design, obj._sd = kind, dict(design), sd
        obj.estimate = float(value)
        obj.se, obj.ci, obj.pvalue = float("nan"), (float("nan"), float("nan")), float("nan")
        obj.msms_level = None
        d = obj.design
        obj.n = int(round(d["n_per_area"] * d["n_areas"] * 2 * d["waves"]))
        return obj

    def table(self) -> pd.DataFrame:
        """The design and the result as a one-row tidy frame."""
        return pd.DataFrame([{**self.design, self.kind: self.estimate, "n": self.n}])

    def summary(self) -> str:
        d = self.design
        what = (
            f"Minimum detectable effect: {self.estimate * 100:.1f} percentage points"
            if self.kind == "mde"
            else f"Power to detect {d['effect'] * 100:.1f} points: {self.estimate:.2f}"
        )
        return "\n".join(
            [
                "Design      : survey difference-in-differences on a share (design calculation)",
                f"Areas       : {d['n_areas']} per arm, {d['n_per_area']} respondents per area and wave, "
                f"{d['waves']} waves, ICC {d['icc']}",
                f"Baseline    : {d['baseline_share']:.0%} ; alpha {d['alpha']} ; target power {d['power']}",
                what,
            ]
        )

    def plot(self):
        """Power as a function of the true effect (percentage points)."""
        d = self.design
        engine = NormalIndPower() if d["test"] == "normal" else TTestIndPower()
        eff = np.linspace(
            0.005, max(0.3, 2 * (self.estimate if self.kind == "mde" else d["effect"])), 80
        )
        pw = engine.power(
            effect_size=eff / self._sd,
            nobs1=d["n_areas"],
            alpha=d["alpha"],
            ratio=1.0,
            alternative="two-sided",
        )
        fig, ax = _figure()
        ax.plot(eff * 100, pw)
        ax.axhline(d["power"], ls="--", lw=0.8, color="grey")
        ax.set_xlabel("true effect (percentage points)")
        ax.set_ylabel("power")
        ax.set_ylim(0, 1)
        return fig

    def __reduce__(self):
        return (PowerResult, (float(self), self.kind, self.design, self._sd))


def power_did(
    n_per_area: float,
    n_areas: float,
    waves: int = 2,
    icc: float = 0.05,
    baseline_share: float = 0.6,
    effect: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    test: str = "normal",
) -> float:
    """Minimum detectable effect (or power) of a survey DiD on a share, e.g. feeling safe.

    Design: ``n_areas`` areas in each arm (treated and comparison), ``n_per_area``
    respondents per area in each wave, independent cross-sections, ``waves`` waves split
    into ``floor(waves/2)`` before and the rest after. With ``p = baseline_share``,
    ``deff = 1 + (n_per_area - 1) * icc`` and ``n1 = n0 = n_per_area * n_areas``::

        Var(DiD) = deff * p(1-p) * (1/n1 + 1/n0) * (1/w_pre + 1/w_post)
        MDE ~= (z_{1-alpha/2} + z_{power}) * sqrt(Var(DiD))

    (the wave factor is 2 for two waves: the DiD subtracts two independent changes).
    Area effects are assumed not to persist between waves, which is conservative when
    the same areas are surveyed. The computation uses statsmodels ``NormalIndPower``
    (``test="normal"``) or ``TTestIndPower`` (``test="t"``, df = 2 n_areas - 2) with
    the areas as the units and the standardised effect ``effect / sd_area``.

    Parameters
    ----------
    n_per_area : number
        Respondents per area per wave.
    n_areas : number
        Areas per arm.
    waves : int
        Total number of survey waves (>= 2).
    icc : float
        Intra-area correlation of the outcome.
    baseline_share : float
        Baseline share of the binary outcome.
    effect : float, optional
        Effect in proportion points (e.g. 0.05); if given, power is returned.
    alpha, power : float
        Two-sided level and target power.
    test : {"normal", "t"}

    Returns
    -------
    PowerResult
        A float - the MDE in proportion points (``effect`` None) or the power - with
        ``summary()``, ``table()`` and ``plot()`` (power curve).

    Example
    -------
    >>> round(power_did(100, 10), 4)
    0.2117
    """
    v = _power_problems(n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test)
    if effect is not None and (not isinstance(effect, (int, float, np.floating)) or effect == 0):
        v.fail("effect", effect, "a non-zero effect in proportion points")
    v.raise_if_any("power_did() input")
    sd = _did_area_sd(n_per_area, int(waves), icc, baseline_share)
    engine = NormalIndPower() if test == "normal" else TTestIndPower()
    design = {
        "n_per_area": n_per_area,
        "n_areas": n_areas,
        "waves": int(waves),
        "icc": icc,
        "baseline_share": baseline_share,
        "effect": effect,
        "alpha": alpha,
        "power": power,
        "test": test,
    }
    if effect is None:
        d = engine.solve_power(
            effect_size=None,
            nobs1=n_areas,
            alpha=alpha,
            power=power,
            ratio=1.0,
            alternative="two-sided",
        )
        return PowerResult(float(np.ravel(d)[0]) * sd, "mde", design, sd)
    return PowerResult(
        float(
            engine.power(
                effect_size=abs(effect) / sd,
                nobs1=n_areas,
                alpha=alpha,
                ratio=1.0,
                alternative="two-sided",
            )
        ),
        "power",
        design,
        sd,
    )


def mde_table(
    n_per_area: float | Sequence[float],
    n_areas: float | Sequence[float],
    waves: int | Sequence[int] = 2,
    icc: float | Sequence[float] = 0.05,
    baseline_share: float | Sequence[float] = 0.6,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    test: str = "normal",
) -> pd.DataFrame:
    """MDE of :func:`power_did` over a grid of designs, as a tidy DataFrame.

    Every argument may be a scalar or a list; all combinations are returned in input
    order with columns n_per_area, n_areas, waves, icc, baseline_share, alpha, power,
    deff, n_per_arm_wave (``n_per_area * n_areas``) and mde.

    Example
    -------
    >>> mde_table([50, 100], [5, 10], icc=[0.02, 0.05]).shape
    (8, 10)
    """

    def as_list(x):
        return list(x) if isinstance(x, (list, tuple, np.ndarray, pd.Series)) else [x]

    grid = pd.DataFrame(
        list(
            itertools.product(
                *(as_list(x) for x in (n_per_area, n_areas, waves, icc, baseline_share))
            )
        ),
        columns=["n_per_area", "n_areas", "waves", "icc", "baseline_share"],
    )
    grid["alpha"] = alpha
    grid["power"] = power
    grid["deff"] = 1 + (grid["n_per_area"] - 1) * grid["icc"]
    grid["n_per_arm_wave"] = grid["n_per_area"] * grid["n_areas"]
    grid["mde"] = [
        power_did(
            r.n_per_area,
            r.n_areas,
            int(r.waves),
            r.icc,
            r.baseline_share,
            None,
            alpha,
            power,
            test=test,
        )
        for r in grid.itertuples(index=False)
    ]
    return grid


# --------------------------------------------------------------------------------------
# Plots (tidy frame in, Figure out)
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# One treated unit: synthetic control and synthetic DiD (own module, re-exported here)
# --------------------------------------------------------------------------------------
from .synthetic_control import (  # noqa: E402
    LeaveOneOutResult,
    PlaceboResult,
    SyntheticControlResult,
    SyntheticDiDResult,
    synthetic_control,
    synthetic_did,
)

__all__ += [
    "synthetic_control",
    "synthetic_did",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "PlaceboResult",
    "LeaveOneOutResult",
]


# --------------------------------------------------------------------------------------
# Staggered adoption estimators (own module, re-exported here)
# --------------------------------------------------------------------------------------
from .staggered import att_gt, bacon_decomposition, sun_abraham  # noqa: E402

__all__ += ["att_gt", "sun_abraham", "bacon_decomposition"]
