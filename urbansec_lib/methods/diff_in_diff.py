"""Difference-in-differences: 2x2 (OLS / linear probability model) or two-way fixed effects,
with a pre-trend check and a wild cluster bootstrap when clusters are few.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import wildboot as _wb
from .design import DiDResult, EventStudyResult, StaggeredTimingWarning
from .design_checks import (
    _add_wb_columns,
    _assumptions,
    _check,
    _cluster_check,
    _complete_cases,
    _covariate_design,
    _fit_linear,
    _group_means,
    _msms,
    _preview,
    _row,
    _terms_frame,
    _try_wb,
    _Validator,
    _wb_options,
)
from .leads_lags import _pretrend_check, _twfe_event_design, _twfe_fits, event_study

__all__ = ["did"]


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

    Long because: the docstring documents every option; the 2x2 and TWFE fits are
    :func:`_fit_2x2` and :func:`_fit_twfe`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"area": np.repeat(np.arange(40), 10)})
    >>> d["treated"] = (d.area < 20).astype(int)
    >>> d["post"] = np.tile([0, 1], 200)
    >>> d["y"] = 1.0 + 0.5 * d.treated * d.post + rng.normal(size=400)
    >>> res = did(d, "y", "treated", post="post", cluster="area")
    >>> round(res.estimate, 2), [round(c, 2) for c in res.ci], res.msms_level
    (0.6, [0.17, 1.02], 3)
    >>> res.table().columns.tolist()[:3], type(res.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> res.summary().splitlines()[0]
    'Design      : difference-in-differences, 2x2 (OLS / linear probability model)'
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    v = _Validator(df)
    wb_kw = _check_inputs(
        v, df, outcome, treated, post, unit, time, cluster, covariates, weights, wild_bootstrap
    )
    if ssc not in ("fixest", "all", "statsmodels"):
        v.fail("ssc", ssc, "'fixest' or 'all'")
    v.raise_if_any("did() input")
    cols = [outcome, treated] + [c for c in (post, unit, time, cluster, weights) if c]
    data, cc_check = _sample(v, df, list(dict.fromkeys(cols + covariates)), treated, post)
    args = (outcome, treated, unit, time, cluster, covariates, weights, alpha, randomised, wb_kw)
    if post is not None:
        f = _fit_2x2(data, post, *args)
    else:
        f = _fit_twfe(data, ssc, *args)
    checks = [cc_check, *f.checks]
    checks.append(
        _cluster_check(
            data[cluster] if cluster else None,
            "observations treated as independent; pass `cluster` "
            "(e.g. neighbourhood or unit) when they are grouped",
            wb=f.wb,
        )
    )
    checks.append(_pretrend_check(f.es))
    checks += _lpm_check(data[outcome], f.res)
    terms = f.terms
    if f.wb is not None:
        terms = _add_wb_columns(terms, {f.inter: f.wb})
    r = _row(terms, f.inter)
    return DiDResult(
        design=f.design + (", survey-weighted (WLS)" if weights else ""),
        estimand=f.estimand,
        estimate=float(r.estimate),
        se=float(r.se),
        ci=(float(r.ci_low), float(r.ci_high)),
        pvalue=float(r.pvalue),
        n=f.n_obs,
        msms_level=f.msms,
        assumptions=_assumptions(checks),
        model=f.res,
        alpha=alpha,
        terms=terms,
        group_means=f.means,
        event_study=f.es,
        wild_bootstrap=f.wb,
    )


@dataclass
class _Fit:
    """What the 2x2 and the TWFE branch of :func:`did` hand back."""

    res: Any
    inter: str
    terms: pd.DataFrame
    means: pd.DataFrame
    design: str
    estimand: str
    msms: int
    n_obs: int
    es: EventStudyResult | None = None
    wb: Any = None
    checks: list = field(default_factory=list)


def _check_inputs(v, df, outcome, treated, post, unit, time, cluster, covariates, weights, wb):
    """Record :func:`did`'s input problems in ``v``; the wild bootstrap options."""
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
    return _wb_options(wb, df[cluster] if cluster in df else None, v)


def _sample(v, df, cols, treated, post):
    """Complete cases of ``cols``, checked again for the cells / variation :func:`did` needs."""
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
    return data, cc_check


def _fit_2x2(
    data, post, outcome, treated, unit, time, cluster, covariates, weights, alpha, randomised, wb_kw
) -> _Fit:
    """The 2x2 branch of :func:`did`: OLS with the interaction, group means and, with more
    than two periods, an event study for the pre-trend check."""
    w = data[weights].astype(float) if weights else None
    groups = data[cluster] if cluster else None
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
    es = None
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
    return _Fit(
        res=res,
        inter=inter,
        terms=_terms_frame(res, alpha),
        means=_group_means(data, outcome, treated, period, weights, alpha),
        design="difference-in-differences, 2x2 (OLS / linear probability model)",
        estimand=f"{inter} interaction: difference in the mean change of {outcome}",
        msms=_msms(3, randomised),
        n_obs=int(res.nobs),
        es=es,
        wb=wb,
    )


def _fit_twfe(
    data, ssc, outcome, treated, unit, time, cluster, covariates, weights, alpha, randomised, wb_kw
) -> _Fit:
    """The two-way fixed-effects branch of :func:`did` (warns on staggered adoption)."""
    ever = data.groupby(unit)[treated].transform("max").astype(int)
    data = data.assign(__ever=ever)
    means = _group_means(data, outcome, "__ever", time, weights, alpha)
    n_tr = data.loc[ever == 1, unit].nunique()
    n_co = data.loc[ever == 0, unit].nunique()
    es_design, checks = _twfe_event_design(data, treated, unit, time)
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
            stacklevel=3,
        )
    res, es = _twfe_fits(
        data, outcome, treated, unit, time, cluster, covariates, weights, alpha,
        es_design, ssc, randomised, wb_kw,
    )  # fmt: skip
    wb = None
    if wb_kw is not None:
        wb = _try_wb(wb_kw, res.wild_bootstrap, treated)
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
    return _Fit(
        res=res,
        inter=treated,
        terms=res.table(),
        means=means,
        design="difference-in-differences, two-way fixed effects (unit and time)",
        estimand=f"{treated} coefficient: effect on {outcome} in treated unit-periods",
        msms=_msms(4 if (n_tr >= 2 and n_co >= 2) else 3, randomised),
        n_obs=int(res.n),
        es=es,
        wb=wb,
        checks=checks,
    )


def _lpm_check(y: pd.Series, res) -> list[dict]:
    """For a 0/1 outcome, how many fitted values fall outside [0, 1] (else no row)."""
    if not set(pd.unique(y.dropna())) <= {0, 1}:
        return []
    fv = res.fittedvalues
    out_of_range = int(((fv < 0) | (fv > 1)).sum())
    return [
        _check(
            "linear probability model",
            f"{out_of_range} fitted values outside [0, 1]",
            out_of_range == 0,
            "the estimate is a difference in proportions",
        )
    ]
