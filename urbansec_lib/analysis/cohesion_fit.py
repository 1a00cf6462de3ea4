"""Association estimates of the social-cohesion analysis: within, between, cross-section.

Part of :mod:`urbansec_lib.analysis.social_cohesion` (its public face). The within-city
fit uses the project's absorbed fixed-effects estimator where available (:func:`_feols`),
else its own alternating-projections demeaning (:func:`demean`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from ..core.defaults import SEED
from .cohesion_data import _label, _sample  # noqa: E402
from .cohesion_figures import plot_coefficients  # noqa: E402


# ----------------------------------------------------------------------- estimates
@dataclass
class CohesionEstimate:
    """One association estimate, statsmodels-like.

    Attributes
    ----------
    spec, outcome, exposure, design : str
        Name of the specification, the columns used and ``within`` / ``between`` /
        ``cross-section``.
    estimate, se, ci_low, ci_high, pvalue : float
        Coefficient of the exposure (percentage points of the outcome per percentage point
        of the exposure) with its cluster-robust standard error and 95 % interval.
    n_units, n_obs : int
        Cities and city-waves used.
    years : list of int
        Waves used.
    t_classical, df_resid, r2 : float
        Homoskedastic t-statistic, residual degrees of freedom and R squared of the same
        regression (for the omitted-variable sensitivity).
    wild : dict or None
        Wild cluster bootstrap (p-value and interval), where computed.
    method : str
        How the estimate was computed.

    Examples
    --------
    Returned by :func:`fit_within`, :func:`fit_between` and :func:`primary`:

    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> e = fit_within(p, "safe_city", "trust_city")
    >>> e.design, e.n_units, e.n_obs, round(e.estimate, 2)
    ('within', 30, 90, 0.53)
    >>> e.table()[["design", "outcome", "exposure"]].values.tolist()
    [['within', 'safe_city', 'trust_city']]
    """

    spec: str
    outcome: str
    exposure: str
    design: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    n_units: int
    n_obs: int
    years: list[int]
    t_classical: float = float("nan")
    df_resid: float = float("nan")
    r2: float = float("nan")
    controls: tuple[str, ...] = ()
    n_units_with_both: int | None = None
    n_obs_with_both: int | None = None
    wild: dict[str, Any] | None = None
    method: str = ""
    note: str = ""

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def as_dict(self) -> dict[str, Any]:
        """The recorded numbers (``estimate, se, ci_low, ci_high, n_units, n_obs, years``...)."""
        d = {
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "pvalue": self.pvalue,
            "n_units": self.n_units,
            "n_obs": self.n_obs,
            "years": list(self.years),
            "n_units_with_both": self.n_units_with_both,
            "n_obs_with_both": self.n_obs_with_both,
            "outcome": self.outcome,
            "exposure": self.exposure,
            "design": self.design,
            "method": self.method,
        }
        if self.wild is not None:
            d["wild_bootstrap"] = dict(self.wild)
        return d

    def table(self) -> pd.DataFrame:
        """One-row tidy table."""
        w = self.wild or {}
        return pd.DataFrame(
            [
                {
                    "spec": self.spec,
                    "design": self.design,
                    "outcome": self.outcome,
                    "exposure": self.exposure,
                    "controls": ", ".join(self.controls),
                    "estimate": self.estimate,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "pvalue": self.pvalue,
                    "wild_pvalue": w.get("pvalue", np.nan),
                    "wild_ci_low": w.get("ci_low", np.nan),
                    "wild_ci_high": w.get("ci_high", np.nan),
                    "n_units": self.n_units,
                    "n_obs": self.n_obs,
                    "years": ", ".join(str(y) for y in self.years),
                    "note": self.note,
                }
            ]
        )

    def summary(self) -> str:
        """Plain-language reading of the estimate."""
        ys = ", ".join(str(y) for y in self.years)
        kind = {
            "within": "Within cities (city and wave fixed effects)",
            "between": "Between cities (wave fixed effects and the listed controls)",
            "cross-section": "Across cities in one wave",
        }[self.design]
        return (
            f"{kind}: one percentage point more on '{_label(self.exposure)}' goes with "
            f"{self.estimate:+.2f} points on '{_label(self.outcome)}' (95 % CI "
            f"{self.ci_low:+.2f} to {self.ci_high:+.2f}; {self.n_units} cities, "
            f"{self.n_obs} city-waves, waves {ys})."
        )

    def wild_summary(self) -> str:
        """One sentence on the wild cluster bootstrap (or that it was not computed)."""
        w = self.wild or {}
        if w.get("pvalue") is None:
            return (
                "_Wild cluster bootstrap: not computed (the estimator is not available); only "
                "the cluster-robust interval is shown._"
            )
        p = w["pvalue"]
        from ..presentation.present import fmt_p_inline

        if p == 0:  # no draw as extreme: p below 1/B (the report's one p-value format)
            ptxt = "p < 0.001" if 1 / w["B"] <= 0.001 else f"p < {1 / w['B']:.3f}"
        else:
            ptxt = fmt_p_inline(p)
        return (
            f"Wild cluster bootstrap (restricted, {w['weights']} weights, {w['B']} draws, seed "
            f"{w['seed']}): {ptxt}, 95 % interval {w['ci_low']:+.2f} to {w['ci_high']:+.2f} "
            f"(cluster-robust: {self.ci_low:+.2f} to {self.ci_high:+.2f})."
        )

    def plot(self) -> plt.Figure:
        """Coefficient plot of this one estimate."""
        return plot_coefficients(self.table())


def _feols():
    """The project's absorbed fixed-effects estimator, where available."""
    try:
        from ..methods import fixed_effects  # type: ignore[attr-defined]
    except ImportError:
        return None
    # only this package's own module (an editable install may resolve another checkout's)
    if Path(fixed_effects.__file__).resolve().parents[1] != Path(__file__).resolve().parents[1]:
        return None
    return getattr(fixed_effects, "feols", None)


def demean(
    values: np.ndarray, fe: Sequence[np.ndarray], tol: float = 1e-11, max_iter: int = 10_000
) -> np.ndarray:
    """Remove fixed effects from each column by alternating projections (Gaure 2013).

    Parameters
    ----------
    values : ndarray, shape (n, k)
    fe : sequence of integer-coded group arrays, each of shape (n,)

    Returns
    -------
    ndarray
        The residuals of each column on all fixed effects (the "within" transform).

    Example
    -------
    >>> x = np.array([[1.0], [2.0], [3.0], [5.0]])
    >>> demean(x, [np.array([0, 0, 1, 1])]).ravel().tolist()
    [-0.5, 0.5, -1.0, 1.0]
    """
    x = np.asarray(values, dtype=float).copy()
    if x.ndim == 1:
        x = x[:, None]
    codes = [np.asarray(g) for g in fe]
    counts = [np.bincount(g) for g in codes]
    for _ in range(max_iter):
        prev = x.copy()
        for g, c in zip(codes, counts):
            sums = np.zeros((len(c), x.shape[1]))
            np.add.at(sums, g, x)
            x -= (sums / c[:, None])[g]
        if np.max(np.abs(x - prev)) < tol:
            break
    return x


def _fe_rank(codes: Sequence[np.ndarray]) -> int:
    """Number of free parameters of one or two sets of fixed effects (connected components)."""
    if len(codes) == 1:
        return int(codes[0].max() + 1)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = codes
    na, nb = int(a.max() + 1), int(b.max() + 1)
    adj = coo_matrix((np.ones(len(a)), (a, b + na)), shape=(na + nb, na + nb))
    n_comp, _ = connected_components(adj, directed=False)
    return na + nb - n_comp


@dataclass
class _WithinFit:
    params: np.ndarray
    vcov: np.ndarray
    vcov_classical: np.ndarray
    resid: np.ndarray
    df_resid: int
    n_clusters: int
    r2: float
    names: list[str]


def _within_ols(
    d: pd.DataFrame,
    outcome: str,
    regs: Sequence[str],
    fe: Sequence[str] = ("city", "year"),
    cluster: str = "city",
) -> _WithinFit:
    """OLS with absorbed fixed effects; CRV1 covariance ``G/(G-1) (N-1)/(N-K)``, K counting
    every fixed effect (as OLS with dummies in statsmodels or Stata's ``regress``)."""
    codes = [d[f].astype("category").cat.codes.to_numpy() for f in fe]
    y = d[outcome].to_numpy(dtype=float)
    X = d[list(regs)].to_numpy(dtype=float)
    Z = demean(np.column_stack([y, X]), codes)
    yt, Xt = Z[:, 0], Z[:, 1:]
    B = Xt.T @ Xt
    Binv = np.linalg.inv(B)
    beta = Binv @ (Xt.T @ yt)
    e = yt - Xt @ beta
    n, k = Xt.shape
    K = k + _fe_rank(codes)
    df = n - K
    g = d[cluster].astype("category").cat.codes.to_numpy()
    G = int(g.max() + 1)
    scores = np.zeros((G, k))
    np.add.at(scores, g, Xt * e[:, None])
    meat = scores.T @ scores
    c = G / (G - 1) * (n - 1) / df
    tss = float(((y - y.mean()) ** 2).sum())
    return _WithinFit(
        params=beta,
        vcov=c * Binv @ meat @ Binv,
        vcov_classical=float(e @ e) / df * Binv,
        resid=e,
        df_resid=int(df),
        n_clusters=G,
        r2=1 - float(e @ e) / tss if tss > 0 else float("nan"),
        names=list(regs),
    )


def _absorbed_result(fit: Any, exposure: str, bootstrap: int, weights: str, seed: int) -> dict:
    """Estimate, CRV1 interval and (optionally) the wild cluster bootstrap of a
    :func:`urbansec_lib.fixed_effects.feols` fit."""
    out = {
        "est": float(fit.params[exposure]),
        "se": float(fit.se[exposure]),
        "lo": float(fit.ci.loc[exposure, "ci_low"]),
        "hi": float(fit.ci.loc[exposure, "ci_high"]),
        "pv": float(fit.pvalue[exposure]),
        "n_obs": int(fit.n),
        "n_units": int(fit.n_clusters),
        "method": (
            "urbansec_lib.fixed_effects.feols: absorbed city and wave fixed effects, CRV1 by "
            f"city (fixest small-sample correction, k = {fit.df_k}), t with {fit.df_resid} df"
        ),
        "wild": None,
    }
    if bootstrap:
        wb = fit.wild_bootstrap(exposure, weights=weights, B=bootstrap, seed=seed)
        out["wild"] = {
            "pvalue": float(wb.pvalue),
            "ci_low": float(wb.ci[0]),
            "ci_high": float(wb.ci[1]),
            "B": int(bootstrap),
            "weights": weights,
            "seed": int(seed),
            "impose_null": bool(wb.impose_null),
            "full_enumeration": bool(wb.full_enumeration),
        }
    return out


def _own_result(
    own: _WithinFit, j: int, alpha: float, bootstrap: int, weights: str, seed: int
) -> dict:
    """Estimate and CRV1 interval of this module's own within fit (no wild bootstrap: it
    says so where one was asked for)."""
    est = float(own.params[j])
    se = float(np.sqrt(own.vcov[j, j]))
    tcrit = stats.t.ppf(1 - alpha / 2, own.n_clusters - 1)
    wild = None
    if bootstrap:
        wild = {
            "pvalue": None,
            "ci_low": None,
            "ci_high": None,
            "B": 0,
            "weights": weights,
            "seed": int(seed),
            "note": "not computed: the wild cluster bootstrap estimator is not available",
        }
    return {
        "est": est,
        "se": se,
        "lo": est - tcrit * se,
        "hi": est + tcrit * se,
        "pv": float(2 * stats.t.sf(abs(est / se), own.n_clusters - 1)),
        "method": (
            "absorbed city and wave fixed effects (alternating projections), CRV1 by city "
            "(every fixed effect counted)"
        ),
        "wild": wild,
    }


def fit_within(
    panel: pd.DataFrame,
    outcome: str,
    exposure: str,
    controls: Sequence[str] = (),
    spec: str = "",
    bootstrap: int = 0,
    seed: int = 0,
    weights: str = "rademacher",
    alpha: float = 0.05,
    min_waves: int = 2,
) -> CohesionEstimate:
    """Within-city association: city and wave fixed effects, SEs clustered by city.

    Long because: the docstring explains the estimator and its fallback (31 lines); the code is 55.

    Uses the city-waves where the outcome, the exposure and the controls are observed, of
    cities observed in at least ``min_waves`` such waves: a city seen once (a singleton
    of the city fixed effect) carries no within-city information; it leaves the estimate
    unchanged but would inflate the number of observations, so it is dropped, as fixest,
    pyfixest and reghdfe do. ``n_obs_with_both`` and ``n_units_with_both`` count every
    city-wave with the variables, ``n_obs`` and ``n_units`` those used.

    Estimated with the project's absorbed fixed-effects estimator
    :func:`urbansec_lib.fixed_effects.feols` (CRV1 by city with fixest's small-sample
    correction, which does not count the city effects nested in the clusters; t(G-1)
    intervals) when it is available, else by absorbing the fixed effects here
    (:func:`demean`) with CRV1 ``G/(G-1) (N-1)/(N-K)``, K counting every fixed effect (as
    OLS with dummies), t(G-1) intervals. ``bootstrap > 0`` adds the wild cluster bootstrap
    of the exposure's coefficient (:meth:`FEOLSResult.wild_bootstrap`: ``weights``,
    ``bootstrap`` draws, ``seed``, null imposed) where available; otherwise it is marked as
    not computed. The classical t-statistic, residual degrees of freedom (every fixed
    effect counted) and R squared are those of the absorbed fit (for the omitted-variable
    sensitivity).

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"city": np.repeat([f"C{i}" for i in range(30)], 3),
    ...                   "year": np.tile([2009, 2012, 2015], 30)})
    >>> d["trust_city"] = rng.normal(50, 10, 90)
    >>> d["safe_city"] = 0.5 * d["trust_city"] + rng.normal(0, 1, 90)
    >>> round(fit_within(d, "safe_city", "trust_city").estimate, 1)
    0.5
    """
    cols = [outcome, exposure, *controls]
    full = _sample(panel, cols)
    nw = full.groupby("city")["year"].transform("nunique")
    d = full[nw >= min_waves]
    if d["city"].nunique() < 3 or d["year"].nunique() < 2:
        raise ValueError(f"{spec or outcome}: too few cities or waves for a within estimate")
    regs = [exposure, *controls]
    own = _within_ols(d, outcome, regs)
    j = regs.index(exposure)
    t_classical = float(own.params[j] / np.sqrt(own.vcov_classical[j, j]))
    feols = _feols()
    if feols is not None:
        fit = feols(
            d, outcome, regs, fe=["city", "year"], cluster="city", ssc="fixest", alpha=alpha
        )
        res = _absorbed_result(fit, exposure, bootstrap, weights, seed)
    else:
        res = _own_result(own, j, alpha, bootstrap, weights, seed)
        res.update(n_obs=len(d), n_units=int(d["city"].nunique()))
    est, se, lo, hi, pv = res["est"], res["se"], res["lo"], res["hi"], res["pv"]
    n_obs, n_units, wild, method = res["n_obs"], res["n_units"], res["wild"], res["method"]
    return CohesionEstimate(
        spec=spec or f"within: {outcome} ~ {exposure}",
        outcome=outcome,
        exposure=exposure,
        design="within",
        estimate=est,
        se=se,
        ci_low=float(lo),
        ci_high=float(hi),
        pvalue=pv,
        n_units=n_units,
        n_obs=n_obs,
        years=sorted(int(y) for y in d["year"].unique()),
        t_classical=t_classical,
        df_resid=float(own.df_resid),
        r2=own.r2,
        controls=tuple(controls),
        n_units_with_both=int(full["city"].nunique()),
        n_obs_with_both=len(full),
        wild=wild,
        method=method,
    )


def _ols_formula_fit(d: pd.DataFrame, outcome: str, terms: list[str], cluster: str | None):
    import statsmodels.formula.api as smf

    rhs = " + ".join(terms) if terms else "1"
    mod = smf.ols(f"{outcome} ~ {rhs}", data=d)
    if cluster is not None and d[cluster].nunique() < len(d):
        g = d[cluster].astype("category").cat.codes.to_numpy()
        return mod.fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)
    return mod.fit(cov_type="HC1", use_t=True)


def fit_between(
    panel: pd.DataFrame,
    outcome: str,
    exposure: str,
    controls: Sequence[str] = (),
    spec: str = "",
    sample: Sequence[str] = (),
) -> CohesionEstimate:
    """Between-city association: pooled city-waves with wave fixed effects and controls.

    ``controls`` may name numeric columns (e.g. ``log_crime``) or categorical ones
    (``size_class``, ``country``: dummies). ``sample`` lists extra columns that must be
    observed (to compare specifications on the same city-waves). Standard errors
    clustered by city (statsmodels CRV1, t(G-1) intervals).

    Example
    -------
    >>> d = pd.DataFrame({"city": list("ABCDEFGH"), "year": 2012,
    ...                   "trust_city": [30., 40, 50, 60, 70, 80, 35, 65]})
    >>> d["safe_city"] = 20 + 0.8 * d["trust_city"] + [1, -1, 0.5, -0.5, 0, 1, -1, 0]
    >>> round(fit_between(d, "safe_city", "trust_city").estimate, 1)
    0.8
    """
    cols = [outcome, exposure, *controls, *sample]
    d = _sample(panel, cols)
    terms = [exposure]
    for c in controls:
        terms.append(f"C({c})" if not pd.api.types.is_numeric_dtype(d[c]) else c)
    multi = d["year"].nunique() > 1
    if multi:
        terms.append("C(year)")
    res = _ols_formula_fit(d, outcome, terms, "city")
    ci = res.conf_int().loc[exposure]
    return CohesionEstimate(
        spec=spec or f"between: {outcome} ~ {exposure}",
        outcome=outcome,
        exposure=exposure,
        design="between" if multi else "cross-section",
        estimate=float(res.params[exposure]),
        se=float(res.bse[exposure]),
        ci_low=float(ci.iloc[0]),
        ci_high=float(ci.iloc[1]),
        pvalue=float(res.pvalues[exposure]),
        n_units=int(d["city"].nunique()),
        n_obs=len(d),
        years=sorted(int(y) for y in d["year"].unique()),
        t_classical=float(res.params[exposure] / _classical_se(res, exposure)),
        df_resid=float(res.df_resid),
        r2=float(res.rsquared),
        controls=tuple(controls),
        method="statsmodels OLS, "
        + ("CRV1 by city" if d["city"].nunique() < len(d) else "HC1")
        + (", wave dummies" if multi else ""),
    )


def _classical_se(res, name: str) -> float:
    s2 = res.ssr / res.df_resid
    xtx_inv = np.linalg.pinv(res.model.exog.T @ res.model.exog)
    j = list(res.model.exog_names).index(name)
    return float(np.sqrt(s2 * xtx_inv[j, j]))


def fit_cross_section(
    panel: pd.DataFrame,
    outcome: str,
    exposure: str,
    year: int,
    controls: Sequence[str] = (),
    spec: str = "",
) -> CohesionEstimate:
    """Association across cities in one wave (HC1 standard errors).

    Example
    -------
    >>> d = pd.DataFrame({"city": list("ABCDEF"), "year": 2019,
    ...                   "x": [1., 2, 3, 4, 5, 6], "y": [2., 4.1, 5.9, 8.2, 9.9, 12]})
    >>> fit_cross_section(d, "y", "x", 2019).design
    'cross-section'
    """
    d = panel[panel["year"] == year]
    return fit_between(
        d, outcome, exposure, controls, spec=spec or f"{year}: {outcome} ~ {exposure}"
    )


def primary(
    panel: pd.DataFrame, bootstrap: int = 9999, seed: int = SEED, weights: str = "rademacher"
) -> CohesionEstimate:
    """The primary specification of issue 20.

    Outcome: % strongly or somewhat agreeing they feel safe in this city (PS3290V +
    PS3291V); exposure: % strongly or somewhat agreeing most people in this city can be
    trusted (PS3092V + PS3093V); all city-waves with both (``panel`` under the
    ``"agree"`` coding); city and wave fixed effects; SEs clustered by city, with the wild
    cluster bootstrap beside them.

    Examples
    --------
    On a simulated panel, without the wild bootstrap (``bootstrap=0``; the default 9,999
    replications take longer):

    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> e = primary(p, bootstrap=0)
    >>> e.spec, round(e.estimate, 2), e.wild is None
    ('Primary: within-city, feel safe in city ~ trust', 0.53, True)
    """
    return fit_within(
        panel,
        "safe_city",
        "trust_city",
        spec="Primary: within-city, feel safe in city ~ trust",
        bootstrap=bootstrap,
        seed=seed,
        weights=weights,
    )
