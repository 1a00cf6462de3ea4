"""Interrupted time series: segmented Poisson / quasi-Poisson / negative-binomial models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from .design import ITSResult
from .design_checks import (
    _assumptions,
    _check,
    _complete_cases,
    _dummies,
    _row,
    _terms_frame,
    _Validator,
)

__all__ = ["its"]


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

    Long because: the docstring documents every option (the code is ~70 lines).

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

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> m = pd.DataFrame({"time": np.arange(1, 61), "pop": 50_000})
    >>> m["ban"] = (m.time > 36).astype(int)
    >>> rate = 0.004 * np.exp(0.1 * np.sin(2 * np.pi * m.time / 12) - 0.2 * m.ban)
    >>> m["aces"] = rng.poisson(rate * m["pop"])
    >>> r = its(m, "aces", "time", "ban", offset="pop", seasonality=1, family="quasipoisson")
    >>> round(r.rate_ratio, 2), r.msms_level
    (0.83, 2)
    >>> r.table().columns.tolist()[:3], type(r.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> r.summary().splitlines()[0]
    'Design      : interrupted time series, segmented quasi-Poisson GLM'
    """
    v = _Validator(df)
    _check_inputs(
        v, df, outcome, time, post, offset, season, family, seasonality, hac_maxlags, period
    )
    v.raise_if_any("its() input")

    cols = list(dict.fromkeys([outcome, time, post] + [c for c in (offset, season) if c]))
    data, cc_check = _complete_cases(df, cols)
    data = data.sort_values(time)
    t = data[time].astype(float)
    p = data[post].astype(float)
    s = data[season].astype(float) if season else t
    X = _segmented_design(data.index, t, p, s, time, post, seasonality, period, slope_change)
    y = data[outcome].astype(float)
    off = np.log(data[offset].astype(float)) if offset else None
    res, nb_alpha = _fit_glm(y, X, off, family, hac_maxlags)
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
    checks = [
        cc_check,
        *_checks(res, len(y), p, family, dispersion, nb_alpha, hac_maxlags, seasonality, period),
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


def _check_inputs(v, df, outcome, time, post, offset, season, family, seasonality, hac, period):
    """Record :func:`its`'s input problems in ``v``."""
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
    if hac is not None and (not isinstance(hac, (int, np.integer)) or hac < 0):
        v.fail("hac_maxlags", hac, "a non-negative integer")
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


def _segmented_design(index, t, p, s, time, post, seasonality, period, slope_change):
    """Constant, time, level change, slope change and the seasonal terms."""
    t_last_pre = float(t[p == 0].max())
    X = pd.DataFrame({"const": 1.0, time: t, post: p}, index=index)
    if slope_change:
        X["time_since_intervention"] = (t - t_last_pre) * p
    if seasonality == "month":
        pos = (np.round(s).astype(int) - 1) % period + 1
        X = pd.concat([X, _dummies(pos, "season")], axis=1)
    else:
        for k in range(1, int(seasonality) + 1):
            if 2 * k != period:  # the sine is identically zero at the Nyquist harmonic
                X[f"sin{k}"] = np.sin(2 * np.pi * k * s / period)
            X[f"cos{k}"] = np.cos(2 * np.pi * k * s / period)
    return X


def _fit_glm(y, X, off, family: str, hac_maxlags):
    """The GLM fit (NB2 alpha by maximum likelihood first for ``negbin``): (fit, alpha)."""
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
    return glm.fit(**kw), nb_alpha


def _checks(res, n, p, family, dispersion, nb_alpha, hac_maxlags, seasonality, period):
    """Overdispersion, residual autocorrelation, segment length, seasonality, control."""
    resid = np.asarray(res.resid_pearson)
    lags = int(max(1, min(period, n // 4)))
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
    return [
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
