"""Event study: leads and lags around the start of treatment, a joint Wald pre-trend test,
and the two-way fixed-effects event-study fits behind :func:`urbansec_lib.impact.did`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from . import fixed_effects as _fx
from .design import EventStudyResult
from .design_checks import (
    _FRAME,
    _TABLE_COLUMNS,
    _add_wb_columns,
    _assumptions,
    _check,
    _cluster_check,
    _complete_cases,
    _covariate_design,
    _msms,
    _preview,
    _try_wb,
    _Validator,
    _wb_options,
)

__all__ = ["event_study"]


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

    Long because: the docstring documents every option (the code is ~65 lines).

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

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> panel = pd.DataFrame({"unit_id": np.repeat(np.arange(40), 8),
    ...                       "t": np.tile(np.arange(1, 9), 40)})
    >>> panel["tr"] = (panel.unit_id < 20).astype(int)
    >>> panel["y"] = (0.2 * panel.t + 1.0 * panel.tr * (panel.t >= 5)
    ...               + rng.normal(scale=0.5, size=len(panel)))
    >>> es = event_study(panel, "y", "tr", "t", 5, cluster="unit_id")
    >>> round(es.estimate, 1), round(es.pretrend_pvalue, 2)
    (1.0, 0.6)
    >>> es.coefs["term"].head(3).tolist()
    ['lead_4', 'lead_3', 'lead_2']
    >>> es.table().columns.tolist()[:3], type(es.plot()).__name__
    (['event_time', 'term', 'estimate'], 'Figure')
    >>> es.summary().splitlines()[0]
    'Design      : event study (leads/lags, OLS with group and time fixed effects)'
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
