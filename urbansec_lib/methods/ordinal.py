"""Ordinal difference-in-differences: ordered logit / probit for 4-point "feeling safe" items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime

from .design import OrdinalDiDResult
from .design_checks import (
    _assumptions,
    _check,
    _cluster_check,
    _complete_cases,
    _covariate_design,
    _msms,
    _preview,
    _row,
    _terms_frame,
    _Validator,
)
from .leads_lags import _pretrend_check

__all__ = ["ordinal_cutpoints", "ordinal_did"]


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

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from statsmodels.miscmodels.ordinal_model import OrderedModel
    >>> rng = np.random.default_rng(6)
    >>> x = rng.normal(size=500)
    >>> y = pd.Series(pd.Categorical(np.digitize(x + rng.logistic(size=500), [-1.0, 1.0]),
    ...                              ordered=True))
    >>> fit = OrderedModel(y, pd.DataFrame({"x": x}), distr="logit").fit(method="bfgs", disp=False)
    >>> ordinal_cutpoints(fit).round(1)
             term  estimate   se
    0  cut: 0 | 1      -1.0  0.1
    1  cut: 1 | 2       1.3  0.1
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

    Long because: the docstring documents every option; the coefficient tables and the
    probability effect are :func:`_coefficients` and :func:`_prob_safe`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> survey = pd.DataFrame({"nbhd": rng.integers(0, 20, 800), "post": rng.integers(0, 2, 800)})
    >>> survey["treated"] = (survey.nbhd < 10).astype(int)
    >>> latent = 0.8 * survey.treated * survey.post + rng.logistic(size=800)
    >>> survey["safe4"] = np.digitize(latent, [-1.0, 0.0, 1.0]) + 1
    >>> r = ordinal_did(survey, "safe4", "treated", "post", cluster="nbhd")
    >>> round(r.odds_ratio, 2), round(r.prob_effect, 2)
    (1.89, 0.15)
    >>> r.table().columns.tolist()[:3], type(r.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> r.summary().splitlines()[0]
    'Design      : ordinal difference-in-differences (ordered logit, proportional odds)'
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    v = _Validator(df)
    levels, safe_levels = _check_inputs(
        v, df, outcome, treated, post, cluster, covariates, distr, safe_levels
    )
    v.raise_if_any("ordinal_did() input")

    data, cc_check, X, endog, inter = _sample(
        v, df, outcome, treated, post, covariates, cluster, levels
    )
    groups = data[cluster] if cluster else None
    res = _fit_ordered(endog, X, distr, groups)

    # coefficient table (slopes + cut-points). With few clusters, normal critical values
    # overstate precision: use t with G - 1 degrees of freedom (as the linear DiD does).
    n_clusters = int(pd.Series(groups).nunique()) if groups is not None else None
    df_t = n_clusters - 1 if n_clusters is not None and n_clusters > 1 else None
    z = stats.t.ppf(1 - alpha / 2, df_t) if df_t else stats.norm.ppf(1 - alpha / 2)
    slopes, cuts = _coefficients(res, alpha, z, df_t, distr)
    pr = _prob_safe(res, X, inter, levels, safe_levels)
    pe, pe_se = pr["effect"], pr["se"]
    pe_row = pd.DataFrame(
        {
            "term": ["P(safe): treated post, factual - counterfactual"],
            "estimate": [pe],
            "se": [pe_se],
            "ci_low": [pe - z * pe_se],
            "ci_high": [pe + z * pe_se],
            "pvalue": [float(_pvalue(pe / pe_se, df_t)) if pe_se > 0 else np.nan],
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
        prob_effect_pvalue=float(_pvalue(pe / pe_se, df_t)) if pe_se > 0 else float("nan"),
        p_safe_factual=pr["factual"],
        p_safe_counterfactual=pr["counterfactual"],
        safe_levels=list(safe_levels),
        probabilities=pr["probabilities"],
        cutpoints=cuts,
    )


def _sample(v, df, outcome, treated, post, covariates, cluster, levels):
    """Complete cases, the design (treated, post, interaction, covariates) and the ordered
    outcome; problems (no treated-post respondents, one level) raised through ``v``."""
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
    return data, cc_check, X, endog, inter


def _check_inputs(v, df, outcome, treated, post, cluster, covariates, distr, safe_levels):
    """Record :func:`ordinal_did`'s input problems in ``v``: (levels, safe levels)."""
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
    return levels, safe_levels


def _pvalue(t_stat, df_t):
    """Two-sided p-value: t with ``df_t`` degrees of freedom, or normal when None."""
    t_stat = np.abs(np.asarray(t_stat, dtype=float))
    return 2 * (stats.t.sf(t_stat, df_t) if df_t else stats.norm.sf(t_stat))


def _coefficients(res, alpha, z, df_t, distr):
    """Slopes (with odds ratios for logit) and cut-points, intervals with critical ``z``."""
    k_ex = res.model.k_vars
    slopes = _terms_frame(res, alpha).iloc[:k_ex].copy()
    if df_t:
        slopes["ci_low"] = slopes["estimate"] - z * slopes["se"]
        slopes["ci_high"] = slopes["estimate"] + z * slopes["se"]
        slopes["pvalue"] = _pvalue(slopes["estimate"] / slopes["se"], df_t)
    cuts = ordinal_cutpoints(res)
    cuts["ci_low"] = cuts["estimate"] - z * cuts["se"]
    cuts["ci_high"] = cuts["estimate"] + z * cuts["se"]
    cuts["pvalue"] = np.nan
    if distr == "logit":
        slopes["odds_ratio"] = np.exp(slopes["estimate"])
        slopes["or_ci_low"] = np.exp(slopes["ci_low"])
        slopes["or_ci_high"] = np.exp(slopes["ci_high"])
    return slopes, cuts


def _prob_safe(res, X: pd.DataFrame, inter: str, levels: list, safe_levels: list) -> dict:
    """Probability of feeling safe for treated-post respondents, factual vs counterfactual
    (interaction set to 0): the effect, its delta-method SE and the level probabilities."""
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
    return {
        "effect": pe,
        "se": pe_se,
        "probabilities": probs,
        "factual": float(p_safe(params, X_f)),
        "counterfactual": float(p_safe(params, X_cf)),
    }


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
