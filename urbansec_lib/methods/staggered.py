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

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from .design import ImpactResult, _assumptions, _check, _covariate_design, _figure, _Validator

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

_EPS = np.finfo(float).eps
_ZERO_SE = math.sqrt(_EPS) * 10  # did's threshold below which an SE is reported as missing
_IQR_NORMAL = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)


# --------------------------------------------------------------------------------------
# Panel preparation
# --------------------------------------------------------------------------------------
@dataclass
class _Panel:
    units: np.ndarray  # (n,) unit labels, sorted
    times: np.ndarray  # (T,) sorted periods
    y: np.ndarray  # (n, T)
    first: np.ndarray  # (n,) first treated period, 0 never
    x: np.ndarray | None  # (n, T, k) covariate design incl. intercept, or None
    x_names: list[str]
    cluster: np.ndarray | None  # (n,) integer codes
    dropped: dict[str, int]


def _prepare(
    df: Any,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    covariates: list[str] | str | None = None,
    cluster: str | None = None,
    what: str = "staggered adoption data",
) -> _Panel:
    v = _Validator(df)
    cols = {"outcome": outcome, "unit": unit, "time": time, "group": group}
    present = {role: v.column(c, role) for role, c in cols.items()}
    covs = v.columns(covariates, "covariates")
    clus = v.columns(cluster, "cluster")
    v.raise_if_any(what)
    for role in ("outcome", "time", "group"):
        if present[role]:
            v.numeric(cols[role], role)
    v.raise_if_any(what)
    data = df[list(dict.fromkeys([unit, time, group, outcome, *covs, *clus]))]
    n_rows = len(data)
    data = data.dropna()
    dropped = {"rows_missing": n_rows - len(data)}
    if dropped["rows_missing"]:
        warnings.warn(f"dropped {dropped['rows_missing']} rows with missing values", stacklevel=3)
    if data.duplicated([unit, time]).any():
        dup = data.loc[data.duplicated([unit, time], keep=False), unit]
        v.fail(unit, list(pd.unique(dup))[:10], "one row per unit and period")
    g_per_unit = data.groupby(unit)[group].nunique()
    if (g_per_unit > 1).any():
        v.fail(
            group,
            list(g_per_unit.index[g_per_unit > 1][:10]),
            "the same first-treated period in every row of a unit",
        )
    bad_g = data.loc[(data[group] < 0), group]
    if len(bad_g):
        v.fail(group, list(pd.unique(bad_g))[:10], "0 (never treated) or a period >= 0")
    v.raise_if_any(what)

    times = np.sort(pd.unique(data[time]).astype(float))
    # balanced panel: keep units observed in every period (as did's makeBalancedPanel)
    counts = data.groupby(unit)[time].nunique()
    keep = counts.index[counts == len(times)]
    dropped["units_unbalanced"] = int(len(counts) - len(keep))
    if dropped["units_unbalanced"]:
        warnings.warn(
            f"dropped {dropped['units_unbalanced']} units not observed in every period "
            "(balanced panel required)",
            stacklevel=3,
        )
        data = data[data[unit].isin(keep)]
    data = data.sort_values([unit, time])
    units = pd.unique(data[unit])
    n, T = len(units), len(times)
    if n == 0:
        v.fail(unit, None, "at least one unit observed in every period")
        v.raise_if_any(what)
    y = data[outcome].to_numpy(float).reshape(n, T)
    first = data[group].to_numpy(float).reshape(n, T)[:, 0].copy()
    first[first > times.max()] = 0.0  # treated after the panel ends: as if never treated
    x = None
    names: list[str] = []
    if covs:
        design = _covariate_design(data, covs)
        names = ["(Intercept)", *design.columns]
        xm = np.column_stack([np.ones(len(data)), design.to_numpy(float)])
        x = xm.reshape(n, T, xm.shape[1])
    codes = None
    if clus:
        per_unit = data.groupby(unit, sort=False)[clus[0]].nunique()
        if (per_unit > 1).any():
            v.fail(
                clus[0], list(per_unit.index[per_unit > 1][:10]), "a cluster constant within unit"
            )
            v.raise_if_any(what)
        codes = pd.factorize(data[clus[0]].to_numpy().reshape(n, T)[:, 0])[0]
    return _Panel(units, times, y, first, x, names, codes, dropped)


def _drop_always_treated(p: _Panel) -> _Panel:
    """Drop units treated in the first period (no pre-period), as did does."""
    always = (p.first > 0) & (p.first <= p.times[0])
    if always.any():
        warnings.warn(
            f"dropped {int(always.sum())} units already treated in the first period",
            stacklevel=3,
        )
        keep = ~always
        p = _Panel(
            p.units[keep],
            p.times,
            p.y[keep],
            p.first[keep],
            None if p.x is None else p.x[keep],
            p.x_names,
            None if p.cluster is None else pd.factorize(p.cluster[keep])[0],
            {**p.dropped, "units_always_treated": int(always.sum())},
        )
    return p


# --------------------------------------------------------------------------------------
# 2x2 panel DiD estimators with influence functions (DRDID 1.2.3)
# --------------------------------------------------------------------------------------
def _pscore(D: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Logit propensity score (maximum likelihood, Newton; closed form without covariates)."""
    if X.shape[1] == 1:
        return np.full(len(D), D.mean())
    fit = sm.Logit(D, X).fit(
        method="newton", disp=0, maxiter=100, tol=1e-12, warn_convergence=False
    )
    return np.asarray(fit.predict(X))


def _wols(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS of the outcome change on covariates among comparison units; returns coef, fit."""
    c = D == 0
    beta = np.linalg.lstsq(X[c], dy[c], rcond=None)[0]
    return beta, X @ beta


def _ps_linrep(D, X, ps):
    n = len(D)
    W = ps * (1 - ps)
    hess = np.linalg.inv(X.T @ (W[:, None] * X)) * n
    return ((D - ps)[:, None] * X) @ hess


def _ols_linrep(dy, D, X, fit):
    n = len(D)
    w0 = (1 - D)[:, None]
    xpx = (w0 * X).T @ X / n
    if np.linalg.cond(xpx) > 1 / _EPS:
        raise np.linalg.LinAlgError("singular regression design among comparison units")
    return (w0 * (dy - fit)[:, None] * X) @ np.linalg.inv(xpx)


def _reg_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD (Heckman, Ichimura & Todd 1997), DRDID ``reg_did_panel``."""
    _, fit = _wols(dy, D, X)
    w_t = D
    eta_t = np.mean(w_t * dy) / np.mean(w_t)
    eta_c = np.mean(w_t * fit) / np.mean(w_t)
    lin_ols = _ols_linrep(dy, D, X, fit)
    inf_t = (w_t * dy - w_t * eta_t) / np.mean(w_t)
    inf_c = (w_t * fit - w_t * eta_c + lin_ols @ np.mean(w_t[:, None] * X, axis=0)) / np.mean(w_t)
    return float(eta_t - eta_c), inf_t - inf_c


def _trim(D, ps, level=0.995):
    return np.where(D == 1, ps < 1.01, ps < level).astype(float)


def _ipw_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Normalised (Hajek) IPW DiD (Abadie 2005), DRDID ``std_ipw_did_panel``."""
    ps = np.minimum(_pscore(D, X), 1 - 1e-6)
    tr = _trim(D, ps)
    w_t = tr * D
    w_c = tr * ps * (1 - D) / (1 - ps)
    eta_t = np.mean(w_t * dy) / np.mean(w_t)
    eta_c = np.mean(w_c * dy) / np.mean(w_c)
    lin_ps = _ps_linrep(D, X, ps)
    inf_t = (w_t * dy - w_t * eta_t) / np.mean(w_t)
    m2 = np.mean((w_c * (dy - eta_c))[:, None] * X, axis=0)
    inf_c = (w_c * dy - w_c * eta_c + lin_ps @ m2) / np.mean(w_c)
    return float(eta_t - eta_c), inf_t - inf_c


def _dr_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust DiD (Sant'Anna & Zhao 2020), DRDID ``drdid_panel``."""
    ps = np.minimum(_pscore(D, X), 1 - 1e-6)
    tr = _trim(D, ps)
    _, fit = _wols(dy, D, X)
    w_t = tr * D
    w_c = tr * ps * (1 - D) / (1 - ps)
    r = dy - fit
    eta_t = np.mean(w_t * r) / np.mean(w_t)
    eta_c = np.mean(w_c * r) / np.mean(w_c)
    lin_ols = _ols_linrep(dy, D, X, fit)
    lin_ps = _ps_linrep(D, X, ps)
    inf_t1 = w_t * r - w_t * eta_t
    inf_t2 = lin_ols @ np.mean(w_t[:, None] * X, axis=0)
    inf_t = (inf_t1 - inf_t2) / np.mean(w_t)
    inf_c1 = w_c * r - w_c * eta_c
    inf_c2 = lin_ps @ np.mean((w_c * (r - eta_c))[:, None] * X, axis=0)
    inf_c3 = lin_ols @ np.mean(w_c[:, None] * X, axis=0)
    inf_c = (inf_c1 + inf_c2 - inf_c3) / np.mean(w_c)
    return float(eta_t - eta_c), inf_t - inf_c


def _ipt_pscore(D: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Propensity score by inverse probability tilting (Graham, Pinto & Egel 2012).

    Minimises the convex calibration loss of DRDID's ``loss.ps.cal``,
    ``-mean(D x'g - (1 - D) exp(x'g))``, by damped Newton steps from the logit fit; at the
    optimum the tilted comparison units reproduce the treated units' covariate means.
    """
    if X.shape[1] == 1:
        return np.full(len(D), D.mean())
    fit = sm.Logit(D, X).fit(method="newton", disp=0, maxiter=100, warn_convergence=False)
    gam = np.asarray(fit.params, float)
    n = len(D)

    def loss(g):
        idx = X @ g
        return -np.mean(np.where(D == 1, idx, -np.exp(idx)))

    for _ in range(200):
        idx = X @ gam
        e = np.exp(idx)
        grad = -np.mean(np.where(D == 1, 1.0, -e)[:, None] * X, axis=0)
        hess = (X.T @ (((1 - D) * e)[:, None] * X)) / n
        step = np.linalg.solve(hess, grad)
        t, cur = 1.0, loss(gam)
        while loss(gam - t * step) > cur and t > 1e-10:
            t /= 2
        gam = gam - t * step
        if np.max(np.abs(t * step)) < 1e-12:
            break
    return 1 / (1 + np.exp(-(X @ gam)))


def _dr_imp_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Improved (locally efficient, bias-reduced) DR DiD, DRDID ``drdid_imp_panel``."""
    ps = np.minimum(_ipt_pscore(D, X), 1 - 1e-6)
    tr = _trim(D, ps)
    c = D == 0
    w = ps[c] / (1 - ps[c])
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(X[c] * sw[:, None], dy[c] * sw, rcond=None)[0]
    r = dy - X @ beta
    num = tr * (1 - (1 - D) / (1 - ps)) * r
    att = np.mean(num) / np.mean(D)
    return float(att), tr * (num - D * att) / np.mean(D)


_ESTIMATORS = {"reg": _reg_did, "ipw": _ipw_did, "dr": _dr_did, "dr_imp": _dr_imp_did}


# --------------------------------------------------------------------------------------
# Multiplier bootstrap (vectorised over draws, chunked for memory)
# --------------------------------------------------------------------------------------
def _draw_weights(rng: np.random.Generator, shape: tuple[int, int], kind: str) -> np.ndarray:
    if kind == "rademacher":
        w = rng.integers(0, 2, size=shape, dtype=np.int8)
        return (2 * w - 1).astype(float)
    # Mammen (1993) two-point weights: mean 0, variance 1, third moment 1
    s5 = math.sqrt(5.0)
    p = (s5 + 1) / (2 * s5)
    return np.where(rng.random(shape) < p, (1 - s5) / 2, (1 + s5) / 2)


def _bootstrap_draws(
    inf: np.ndarray, iters: int, seed: int, kind: str, cluster: np.ndarray | None
) -> np.ndarray:
    """``iters x K`` draws of ``sqrt(n) * mean(U * IF)`` as did's ``mboot`` (cluster means)."""
    inf = np.nan_to_num(np.atleast_2d(inf.T).T)
    if cluster is not None:
        counts = np.bincount(cluster)
        sums = np.zeros((counts.size, inf.shape[1]))
        np.add.at(sums, cluster, inf)
        inf = sums / counts[:, None]
    m = inf.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty((iters, inf.shape[1]))
    chunk = max(1, int(4_000_000 // max(m, 1)))
    for s in range(0, iters, chunk):
        b = min(chunk, iters - s)
        out[s : s + b] = _draw_weights(rng, (b, m), kind) @ inf / m
    return math.sqrt(m) * out


def _q1(a: np.ndarray, q: float, axis: int = 0) -> np.ndarray:
    """R's quantile type 1 (inverse of the empirical distribution function)."""
    return np.quantile(a, q, axis=axis, method="inverted_cdf")


def _boot_summary(bres: np.ndarray, m: int, alpha: float) -> tuple[np.ndarray, float]:
    """Bootstrap SEs (IQR / normal IQR, as did) and the sup-t critical value."""
    ok = np.isfinite(bres.sum(0)) & ((bres**2).sum(0) > _ZERO_SE)
    se = np.full(bres.shape[1], np.nan)
    if not ok.any():
        return se, float("nan")
    b = bres[:, ok]
    sigma = (_q1(b, 0.75) - _q1(b, 0.25)) / _IQR_NORMAL
    sigma = np.where(sigma <= _ZERO_SE, np.nan, sigma)
    se[ok] = sigma / math.sqrt(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.nanmax(np.abs(b / sigma), axis=1)
    t = t[np.isfinite(t)]
    crit = float(_q1(t, 1 - alpha)) if t.size else float("nan")
    return se, crit


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------
def _ci_table(est, se, crit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    est, se = np.asarray(est, float), np.asarray(se, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * stats.norm.sf(np.abs(est / se))
    return est - crit * se, est + crit * se, p


@dataclass
class AggregatedATTResult(ImpactResult):
    """An aggregation of group-time ATTs (``ATTgtResult.aggregate``).

    ``estimate`` is the overall summary: for ``"simple"`` the cohort-size weighted average of
    all post-treatment ATT(g, t); for ``"dynamic"`` the average of the event-time effects at
    e >= 0; for ``"group"`` the cohort-size weighted average of the cohort effects; for
    ``"calendar"`` the average of the calendar-period effects (Callaway & Sant'Anna 2021,
    section 3.1).

    Attributes
    ----------
    type : str
        ``"simple"``, ``"dynamic"``, ``"group"`` or ``"calendar"``.
    crit_val : float
        Critical value of the bands in ``table()`` (normal quantile, or the bootstrap sup-t
        value when uniform bands were asked for).
    influence : numpy.ndarray
        Influence function of ``estimate`` (one value per unit).
    outcome, time_label : str
        Names used in plots.
    """

    type: str = "simple"
    crit_val: float = float("nan")
    influence: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    outcome: str = ""
    time_label: str = "period"

    def plot(self, ylabel: str | None = None, title: str | None = None):
        """Effects with confidence intervals (bands) against event time, cohort or period."""
        t = self.terms
        if self.type == "simple":
            coefs = pd.DataFrame(
                {"x": [0], "att": [self.estimate], "ci_low": [self.ci[0]], "ci_high": [self.ci[1]]}
            )
            xlabel = "overall"
        else:
            key = {"dynamic": "e", "group": "group", "calendar": "time"}[self.type]
            coefs = t.rename(columns={key: "x"})
            xlabel = {
                "dynamic": f"event time ({self.time_label}s since adoption)",
                "group": f"cohort (first {self.time_label} treated)",
                "calendar": self.time_label,
            }[self.type]
        default_title = {
            "simple": "Average effect on the treated (all cohorts and periods)",
            "dynamic": "Effect by time since adoption (Callaway & Sant'Anna)",
            "group": "Effect by adoption cohort (Callaway & Sant'Anna)",
            "calendar": "Effect by calendar period (Callaway & Sant'Anna)",
        }[self.type]
        return plot_event_time(
            coefs,
            xlabel=xlabel,
            ylabel=ylabel or f"effect on {self.outcome} (outcome units)",
            title=title or default_title,
            reference_line=self.type == "dynamic",
        )


@dataclass
class ATTgtResult(ImpactResult):
    """Group-time average treatment effects ATT(g, t) (Callaway & Sant'Anna 2021).

    ``estimate``, ``se``, ``ci`` and ``pvalue`` are those of the ``"simple"`` aggregation (the
    cohort-size weighted average of every post-treatment ATT(g, t)); ``table()`` lists each
    ATT(g, t) with ``group, time, e, att, se, ci_low, ci_high, pvalue, post``.

    Attributes
    ----------
    influence : numpy.ndarray
        ``n x K`` influence functions of the K ATT(g, t), one row per unit.
    pretest_stat, pretest_df, pretest_pvalue : float
        Wald test that all pre-treatment ATT(g, t) are zero (parallel-trends pre-test).
    crit_val : float
        Critical value of the table's bands (uniform when ``cband`` was used).
    control, method, base_period : str
        The options used.
    """

    influence: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    pretest_stat: float = float("nan")
    pretest_df: int = 0
    pretest_pvalue: float = float("nan")
    crit_val: float = float("nan")
    control: str = "never"
    method: str = "dr"
    base_period: str = "varying"
    bootstrap: int = 0
    seed: int = 0
    weights_type: str = "rademacher"
    cband: bool = False
    outcome: str = ""
    time_label: str = "period"
    unit_first: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    cluster: np.ndarray | None = field(default=None, repr=False)
    times: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    groups: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def _extra_lines(self) -> list[str]:
        se_kind = (
            f"multiplier bootstrap ({self.bootstrap} {self.weights_type} draws, seed {self.seed})"
            if self.bootstrap
            else "analytic (influence function)"
        )
        return [
            f"Comparison  : {'never-treated' if self.control == 'never' else 'not-yet-treated'}"
            f" units; estimator {self.method}; base period {self.base_period}",
            f"SEs         : {se_kind}; bands {'uniform' if self.cband else 'pointwise'}",
        ]

    # -- aggregation -------------------------------------------------------------------
    def _se(self, inf: np.ndarray) -> np.ndarray:
        inf = np.atleast_2d(inf.T).T
        n = inf.shape[0]
        if self.bootstrap:
            bres = _bootstrap_draws(inf, self.bootstrap, self.seed, self.weights_type, self.cluster)
            m = n if self.cluster is None else int(self.cluster.max()) + 1
            return _boot_summary(bres, m, self.alpha)[0]
        se = np.sqrt(np.mean(inf**2, axis=0) / n)
        return np.where(se <= _ZERO_SE, np.nan, se)

    def _crit(self, inf: np.ndarray) -> float:
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        if not (self.cband and self.bootstrap) or inf.shape[1] < 2:
            return z
        m = inf.shape[0] if self.cluster is None else int(self.cluster.max()) + 1
        bres = _bootstrap_draws(inf, self.bootstrap, self.seed, self.weights_type, self.cluster)
        crit = _boot_summary(bres, m, self.alpha)[1]
        if not np.isfinite(crit) or crit < z:
            warnings.warn("uniform band not available; reporting pointwise intervals", stacklevel=3)
            return z
        return crit

    def aggregate(
        self,
        type: str = "simple",
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregatedATTResult:
        """Aggregate the ATT(g, t) into summary effects (did's ``aggte``).

        Parameters
        ----------
        type : {"simple", "dynamic", "group", "calendar"}
            ``"simple"``: weighted average of all post-treatment ATT(g, t) (weights
            proportional to cohort size); ``"dynamic"``: effect by event time e = t - g;
            ``"group"``: effect by cohort; ``"calendar"``: effect by period.
        min_e, max_e : float
            Event-time window kept (``max_e`` also limits the post periods used by
            ``"simple"`` and ``"group"``).
        balance_e : int, optional
            For ``"dynamic"``: keep only cohorts observed for at least ``balance_e`` periods
            after adoption (a balanced composition across event times).

        Returns
        -------
        AggregatedATTResult
            SEs from the influence functions, including the effect of estimating the
            weights (cohort shares), as did 2.3.0.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(2)
        >>> d = pd.DataFrame({"u": np.repeat(range(40), 4), "t": np.tile(range(1, 5), 40)})
        >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 40), 4)
        >>> d["y"] = 1.5 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
        >>> agg = att_gt(d, "y", "u", "t", "g").aggregate("dynamic")
        >>> list(agg.table()["e"])
        [-2, -1, 0, 1]
        """
        if type not in ("simple", "dynamic", "group", "calendar"):
            raise _arg_error("type", type, '"simple", "dynamic", "group" or "calendar"')
        gt = self.terms
        keep = gt["att"].notna().to_numpy()
        if not keep.all():
            warnings.warn(
                f"{int((~keep).sum())} ATT(g,t) could not be estimated and are left out",
                stacklevel=2,
            )
        g = gt["group"].to_numpy(float)[keep]
        t = gt["time"].to_numpy(float)[keep]
        att = gt["att"].to_numpy(float)[keep]
        inf = self.influence[:, keep]
        G = self.unit_first
        n = len(G)
        glist = np.unique(g)
        ind = (G[:, None] == glist[None, :]).astype(float)  # n x groups
        pgg = ind.mean(axis=0)
        gidx = np.searchsorted(glist, g)
        pg = pgg[gidx]
        ind_k = ind[:, gidx]  # n x K: unit in the cell's cohort
        z = float(stats.norm.ppf(1 - self.alpha / 2))

        def wif(sel: np.ndarray) -> np.ndarray:
            p = pg[sel]
            dev = ind_k[:, sel] - p
            return dev / p.sum() - np.outer(dev.sum(axis=1), p / p.sum() ** 2)

        def agg_inf(sel: np.ndarray, with_wif: bool = True) -> np.ndarray:
            w = pg[sel] / pg[sel].sum()
            out = inf[:, sel] @ w
            if with_wif:
                out = out + wif(sel) @ att[sel]
            return out

        e_all = t - g
        post = (g <= t) & (t <= g + max_e)
        if type == "simple":
            sel = np.flatnonzero(post)
            est = float(np.sum(att[sel] * pg[sel]) / pg[sel].sum())
            overall_inf = agg_inf(sel)
            terms = pd.DataFrame({"term": ["simple ATT"], "att": [est]})
            sub = None
        else:
            if type == "dynamic":
                incl = np.ones(len(g), bool)
                eseq = np.unique(e_all)
                if balance_e is not None:
                    incl = (t.max() - g) >= balance_e
                    eseq = np.unique(e_all[incl])
                    lo = balance_e - t.max() + min(t.min(), g.min())
                    eseq = eseq[(eseq <= balance_e) & (eseq >= lo)]
                eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
                labels = eseq
                sels = [np.flatnonzero((e_all == e) & incl) for e in eseq]
                sub_att = np.array([np.sum(att[s] * pg[s]) / pg[s].sum() for s in sels])
                sub_inf = np.column_stack([agg_inf(s) for s in sels])
                use = labels >= 0
                est = float(np.mean(sub_att[use]))
                overall_inf = sub_inf[:, use].mean(axis=1)
                key = "e"
            elif type == "group":
                labels = glist
                sels = [np.flatnonzero((g == gg) & post) for gg in glist]
                sub_att = np.array([att[s].mean() if len(s) else np.nan for s in sels])
                sub_inf = np.column_stack(
                    [agg_inf(s, with_wif=False) if len(s) else np.zeros(n) for s in sels]
                )
                ok = np.isfinite(sub_att)
                est = float(np.sum(sub_att[ok] * pgg[ok]) / pgg[ok].sum())
                dev = ind[:, ok] - pgg[ok]
                w_if = dev / pgg[ok].sum() - np.outer(dev.sum(1), pgg[ok] / pgg[ok].sum() ** 2)
                overall_inf = sub_inf[:, ok] @ (pgg[ok] / pgg[ok].sum()) + w_if @ sub_att[ok]
                key = "group"
            else:
                labels = np.unique(t[t >= g.min()])
                sels = [np.flatnonzero((t == tt) & (g <= t)) for tt in labels]
                sub_att = np.array([np.sum(att[s] * pg[s]) / pg[s].sum() for s in sels])
                sub_inf = np.column_stack([agg_inf(s) for s in sels])
                est = float(np.mean(sub_att))
                overall_inf = sub_inf.mean(axis=1)
                key = "time"
            sub_se = self._se(sub_inf)
            crit = self._crit(sub_inf)
            lo, hi, p = _ci_table(sub_att, sub_se, crit)
            terms = pd.DataFrame(
                {
                    key: labels,
                    "att": sub_att,
                    "se": sub_se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "pvalue": p,
                }
            )
            if key != "e" or np.all(np.mod(labels, 1) == 0):
                terms[key] = terms[key].astype(int)
            sub = crit
        se = float(self._se(overall_inf)[0])
        lo, hi, p = _ci_table([est], [se], z)
        if type == "simple":
            terms = terms.assign(se=se, ci_low=lo[0], ci_high=hi[0], pvalue=p[0])
        labels_txt = {
            "simple": "cohort-size weighted average of all post-treatment ATT(g,t)",
            "dynamic": "average effect over event times e >= 0 (by time since adoption)",
            "group": "cohort-size weighted average of the cohort effects",
            "calendar": "average of the calendar-period effects",
        }
        return AggregatedATTResult(
            design=f"Callaway & Sant'Anna staggered DiD, {type} aggregation",
            estimand=f"ATT on {self.outcome}: {labels_txt[type]}",
            estimate=est,
            se=se,
            ci=(float(lo[0]), float(hi[0])),
            pvalue=float(p[0]),
            n=self.n,
            msms_level=self.msms_level,
            assumptions=self.assumptions,
            model=None,
            alpha=self.alpha,
            terms=terms,
            type=type,
            crit_val=z if sub is None else sub,
            influence=overall_inf,
            outcome=self.outcome,
            time_label=self.time_label,
        )

    def plot(self, ylabel: str | None = None, title: str | None = None):
        """ATT(g, t) of every cohort against event time, with confidence bands."""
        t = self.terms.dropna(subset=["att"])
        fig, ax = _figure((7.0, 4.2))
        cohorts = np.unique(t["group"])
        width = 0.5 / max(len(cohorts), 1)
        for i, (gg, sub) in enumerate(t.groupby("group")):
            x = sub["e"] + (i - (len(cohorts) - 1) / 2) * width
            err = np.vstack([sub["att"] - sub["ci_low"], sub["ci_high"] - sub["att"]])
            ax.errorbar(
                x,
                sub["att"],
                yerr=np.nan_to_num(err),
                fmt="o",
                ms=4,
                capsize=2,
                label=f"cohort {int(gg)}",
            )
        _event_axes(
            ax,
            f"event time ({self.time_label}s since adoption)",
            ylabel or f"ATT(g,t) on {self.outcome} (outcome units)",
            title or "Group-time effects by cohort (Callaway & Sant'Anna)",
            True,
        )
        ax.legend(frameon=False, fontsize=8)
        return fig


def _arg_error(arg: str, value: Any, expected: str):
    from ..core.errors import Problem, ValidationError

    return ValidationError([Problem("<arguments>", None, arg, value, expected)], what="arguments")


# --------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# --------------------------------------------------------------------------------------
def att_gt(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    control: str = "never",
    covariates: list[str] | str | None = None,
    method: str = "dr",
    alpha: float = 0.05,
    base_period: str = "varying",
    bootstrap: bool | int = False,
    seed: int = 0,
    cluster: str | None = None,
    cband: bool = False,
    weights_type: str = "rademacher",
    time_label: str = "period",
) -> ATTgtResult:
    """Group-time average treatment effects (Callaway & Sant'Anna 2021).

    ATT(g, t) is the average effect in period ``t`` for the cohort first treated in period
    ``g``, identified by a 2x2 DiD between that cohort and a comparison group from a base
    period before ``g`` to ``t``. Reproduces the R package ``did`` 2.3.0 (``att_gt`` with
    ``panel=TRUE``, no anticipation, no sampling weights) to numerical precision.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel: one row per unit and period. Units not seen in every period are dropped
        (balanced panel) with a warning, as are units treated in the first period.
    outcome, unit, time : str
        Outcome, unit id and period columns (time numeric, e.g. years).
    group : str
        First period of treatment of the unit (0 for never treated); values after the last
        period count as never treated.
    control : {"never", "not_yet"}
        Comparison units: never treated, or not yet treated by period ``max(t, base)``.
    covariates : list of str, optional
        Pre-treatment covariates (taken at the earlier period of each 2x2 comparison; with
        time-invariant covariates this is immaterial). Categorical ones become dummies.
    method : {"dr", "ipw", "reg", "dr_imp"}
        Doubly robust (Sant'Anna & Zhao 2020, DRDID ``drdid_panel``, did's default),
        normalised inverse probability weighting (``std_ipw_did_panel``), outcome
        regression (``reg_did_panel``) or the improved doubly robust estimator
        (``drdid_imp_panel``: inverse-probability-tilting propensity score and weighted
        outcome regression, locally efficient and doubly robust for inference too).
        Without covariates all coincide.
    alpha : float
        1 - confidence level.
    base_period : {"varying", "universal"}
        ``"varying"``: pre-treatment ATT(g, t) compare t with t - 1 (short differences);
        ``"universal"``: every ATT(g, t) compares t with g - 1 (ATT(g, g-1) = 0 reported).
    bootstrap : bool or int
        ``False``: analytic SEs from the influence functions. An integer B (or ``True`` for
        999): multiplier bootstrap with B draws (IQR-based SEs as did).
    seed : int
        Seed of the bootstrap draws (the same draws are reused by every aggregation).
    cluster : str, optional
        Column of a cluster constant within unit (bootstrap only: clustered multiplier
        bootstrap on cluster means, as did's ``clustervars``).
    cband : bool
        Uniform (sup-t) confidence bands from the bootstrap, for the ATT(g, t) table and the
        dynamic / group / calendar tables of the aggregations.
    weights_type : {"rademacher", "mammen"}
        Multiplier distribution.
    time_label : str
        Name of one period for plots (e.g. ``"year"``).

    Returns
    -------
    ATTgtResult

    Raises
    ------
    ValidationError
        Missing columns, non-numeric values, a first-treated period varying within a unit,
        invalid options or no usable cohort / comparison group.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. Journal of Econometrics 225(2), 200-230.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> d = pd.DataFrame({"u": np.repeat(range(50), 5), "t": np.tile(range(1, 6), 50)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 5], 50), 5)
    >>> d["y"] = 0.5 * d.t + 1.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.2, len(d))
    >>> res = att_gt(d, "y", "u", "t", "g", control="not_yet")
    >>> res.table().columns.tolist()[:7]
    ['group', 'time', 'e', 'att', 'se', 'ci_low', 'ci_high']
    """
    problems = []
    if control not in ("never", "not_yet"):
        problems.append(("control", control, '"never" or "not_yet"'))
    if method not in _ESTIMATORS:
        problems.append(("method", method, '"dr", "ipw", "reg" or "dr_imp"'))
    if base_period not in ("varying", "universal"):
        problems.append(("base_period", base_period, '"varying" or "universal"'))
    if weights_type not in ("rademacher", "mammen"):
        problems.append(("weights_type", weights_type, '"rademacher" or "mammen"'))
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        problems.append(("alpha", alpha, "a number between 0 and 1"))
    if isinstance(bootstrap, bool):
        iters = 999 if bootstrap else 0
    elif isinstance(bootstrap, int) and bootstrap >= 2:
        iters = bootstrap
    else:
        iters = 0
        problems.append(("bootstrap", bootstrap, "False, True or a number of draws >= 2"))
    if cluster is not None and not iters:
        problems.append(
            ("cluster", cluster, "bootstrap=B as well (clustered SEs use the bootstrap)")
        )
    if cband and not iters:
        problems.append(("cband", cband, "bootstrap=B as well (uniform bands use the bootstrap)"))
    if problems:
        from ..core.errors import Problem, ValidationError

        raise ValidationError(
            [Problem("<arguments>", None, a, v, e) for a, v, e in problems], what="arguments"
        )
    p = _drop_always_treated(_prepare(df, outcome, unit, time, group, covariates, cluster))
    times, first, Y = p.times, p.first, p.y
    n, T = Y.shape
    glist = np.unique(first[first > 0])
    if not (first == 0).any():
        latest = glist.max()
        keep_t = times < latest
        if control == "never":
            warnings.warn(
                "no never-treated units: the last cohort serves as comparison and periods "
                "from its adoption on are dropped",
                stacklevel=2,
            )
            first = np.where(first == latest, 0.0, first)
        times, Y = times[keep_t], Y[:, keep_t]
        p.x = None if p.x is None else p.x[:, keep_t]
        T = len(times)
        glist = glist[glist < latest]
    glist = glist[glist > times[0]]
    if len(glist) == 0 or T < 2:
        raise _arg_error(group, None, "at least one cohort first treated after the first period")
    X = p.x if p.x is not None else np.ones((n, T, 1))
    estimator = _ESTIMATORS[method]
    universal = base_period == "universal"
    tfac = 0 if universal else 1
    rows: list[dict] = []
    cols: list[np.ndarray] = []
    overlap_max = 0.0
    for g in glist:
        before = np.flatnonzero(times < g)
        if before.size == 0:
            continue
        gbase = int(before[-1])
        treat = first == g
        for ti in range(T - tfac):
            cur = ti + tfac
            pret = gbase if universal else ti
            if control == "not_yet":
                thr = times[max(ti, pret) + tfac]
                comp = (first == 0) | ((first > thr) & (first != g))
            else:
                comp = first == 0
            post = g <= times[cur]
            if post:
                pret = gbase
            row = {"group": g, "time": times[cur], "post": int(post)}
            if universal and pret == cur:
                rows.append({**row, "att": 0.0})
                cols.append(np.zeros(n))
                continue
            idx = treat | comp
            n1 = int(idx.sum())
            D = treat[idx].astype(float)
            dy = Y[idx, cur] - Y[idx, pret]
            Xs = X[idx, min(cur, pret)]
            att = np.nan
            col = np.full(n, np.nan)
            if D.sum() > 0 and (1 - D).sum() > 0 and Xs.shape[1] == 1:
                # no covariates: every estimator is the 2x2 DiD of means (closed form of
                # the DRDID influence functions with an intercept-only design)
                ptr, t_, c_ = D.mean(), D == 1, D == 0
                mt, mc = dy[t_].mean(), dy[c_].mean()
                att = float(mt - mc)
                inf = np.where(t_, (dy - mt) / ptr, -(dy - mc) / (1 - ptr))
                col = np.zeros(n)
                col[idx] = inf * n / n1
            elif D.sum() > 0 and (1 - D).sum() > 0:
                try:
                    if method in ("dr", "ipw", "dr_imp") and Xs.shape[1] > 1:
                        ps = _pscore(D, Xs)
                        overlap_max = max(overlap_max, float(ps.max()))
                        if ps.max() >= 0.999:
                            raise np.linalg.LinAlgError("overlap violated")
                    att, inf = estimator(dy, D, Xs)
                    col = np.zeros(n)
                    col[idx] = inf * n / n1
                except (np.linalg.LinAlgError, ValueError) as exc:  # singular / separation
                    warnings.warn(f"ATT({g:g},{times[cur]:g}) not estimated: {exc}", stacklevel=2)
                    att = np.nan
            rows.append({**row, "att": att})
            cols.append(col)
    gt = pd.DataFrame(rows)
    inf = np.column_stack(cols)
    finite = np.isfinite(inf).all(axis=0)
    se = np.full(inf.shape[1], np.nan)
    se[finite] = np.sqrt(np.mean(inf[:, finite] ** 2, axis=0) / n)
    se[se <= _ZERO_SE] = np.nan
    z = float(stats.norm.ppf(1 - alpha / 2))
    crit = z
    if iters:
        m = n if p.cluster is None else int(p.cluster.max()) + 1
        bres = _bootstrap_draws(inf[:, finite], iters, seed, weights_type, p.cluster)
        bse, bcrit = _boot_summary(bres, m, alpha)
        se_b = np.full(inf.shape[1], np.nan)
        se_b[finite] = bse
        se = np.where(np.isfinite(se), se_b, np.nan)
        if cband:
            crit = bcrit if np.isfinite(bcrit) else z
    # Wald pre-test of the pre-treatment ATT(g,t)
    pre = np.flatnonzero((gt["group"] > gt["time"]).to_numpy() & np.isfinite(se))
    stat, pval = float("nan"), float("nan")
    if pre.size:
        V = inf[:, pre].T @ inf[:, pre] / n
        if np.linalg.cond(V) < 1 / _EPS:
            a = gt["att"].to_numpy()[pre]
            stat = float(n * a @ np.linalg.solve(V, a))
            pval = float(stats.chi2.sf(stat, pre.size))
    lo, hi, pv = _ci_table(gt["att"], se, crit)
    gt["e"] = gt["time"] - gt["group"]
    gt = gt.assign(se=se, ci_low=lo, ci_high=hi, pvalue=pv)
    integer = np.all(np.mod(np.r_[times, glist], 1) == 0)
    for c in ("group", "time", "e"):
        if integer:
            gt[c] = gt[c].astype(int)
    gt = gt[["group", "time", "e", "att", "se", "ci_low", "ci_high", "pvalue", "post"]]
    checks = [
        _check(
            "parallel pre-trends (Wald test: pre-treatment ATT(g,t) = 0)",
            "no pre-treatment periods"
            if not pre.size
            else f"chi2({pre.size}) = {stat:.3g}, p = {pval:.3g}",
            None if not np.isfinite(pval) else bool(pval >= 0.05),
            "a small p-value signals diverging trends before adoption",
        ),
        _check(
            "comparison group",
            f"{'never-treated' if control == 'never' else 'not-yet-treated'} units; "
            f"{int((first == 0).sum())} never-treated of {n}",
            bool((first == 0).sum() >= 3) if control == "never" else None,
        ),
        _check(
            "balanced panel",
            f"{n} units x {T} periods; dropped {p.dropped.get('units_unbalanced', 0)} "
            f"unbalanced and {p.dropped.get('units_always_treated', 0)} always-treated units",
            None,
        ),
        _check("no anticipation", "assumed (effects start at the first treated period)", None),
    ]
    if method in ("dr", "ipw", "dr_imp") and p.x is not None:
        checks.append(
            _check(
                "overlap (propensity score < 0.999)", f"max {overlap_max:.3f}", overlap_max < 0.999
            )
        )
    result = ATTgtResult(
        design="Callaway & Sant'Anna staggered DiD (group-time ATT)",
        estimand=f"ATT(g,t) on {outcome}",
        estimate=float("nan"),
        se=float("nan"),
        ci=(float("nan"), float("nan")),
        pvalue=float("nan"),
        n=n,
        msms_level=4,
        assumptions=_assumptions(checks),
        model=None,
        alpha=alpha,
        terms=gt,
        influence=inf,
        pretest_stat=stat,
        pretest_df=int(pre.size),
        pretest_pvalue=pval,
        crit_val=crit,
        control=control,
        method=method,
        base_period=base_period,
        bootstrap=iters,
        seed=seed,
        weights_type=weights_type,
        cband=cband,
        outcome=outcome,
        time_label=time_label,
        unit_first=first,
        cluster=p.cluster,
        times=times,
        groups=glist,
    )
    if gt.loc[gt["post"] == 1, "att"].notna().any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            simple = result.aggregate("simple")
        result.estimate, result.se, result.ci, result.pvalue = (
            simple.estimate,
            simple.se,
            simple.ci,
            simple.pvalue,
        )
    return result


# --------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------
def _event_axes(ax, xlabel: str, ylabel: str, title: str, reference: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.axhline(0, color="grey", lw=0.8)
    if reference:
        ax.axvline(-0.5, color="grey", lw=0.8, ls="--")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)


def plot_event_time(
    coefs: pd.DataFrame,
    xlabel: str = "event time (periods since adoption)",
    ylabel: str = "effect (outcome units)",
    title: str = "Event study",
    reference_line: bool = True,
):
    """Effects with confidence bands: a tidy frame with ``x, att, ci_low, ci_high``.

    Pre-adoption points (x < 0 when ``reference_line``) are drawn in grey, later ones in
    colour; the shaded area is the band.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"x": [-1, 0, 1], "att": [0.0, 1.0, 1.5],
    ...                   "ci_low": [-0.2, 0.7, 1.1], "ci_high": [0.2, 1.3, 1.9]})
    >>> fig = plot_event_time(c)
    >>> fig.axes[0].get_title()
    'Event study'
    """
    fig, ax = _figure()
    c = coefs.sort_values("x")
    ax.fill_between(c["x"], c["ci_low"], c["ci_high"], color="C0", alpha=0.15, lw=0)
    pre = (c["x"] < 0) if reference_line else np.zeros(len(c), bool)
    for mask, colour, label in ((pre, "grey", "before adoption"), (~pre, "C0", "after adoption")):
        s = c[mask]
        if len(s):
            err = np.vstack([s["att"] - s["ci_low"], s["ci_high"] - s["att"]])
            ax.errorbar(
                s["x"],
                s["att"],
                yerr=np.nan_to_num(err),
                fmt="o",
                capsize=3,
                color=colour,
                label=label if reference_line else None,
            )
    _event_axes(ax, xlabel, ylabel, title, reference_line)
    if reference_line and pre.any():
        ax.legend(frameon=False, fontsize=8)
    return fig


# --------------------------------------------------------------------------------------
# Two-way fixed effects on a balanced panel (exact within transformation)
# --------------------------------------------------------------------------------------
def _within(a: np.ndarray) -> np.ndarray:
    """Two-way demeaning of an ``n x T (x k)`` balanced panel array (exact for balance)."""
    return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean(axis=(0, 1))


def _twfe_ols(
    y: np.ndarray, X: np.ndarray, cluster: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """TWFE OLS of ``y (n x T)`` on ``X (n x T x k)`` with unit and period effects.

    On a balanced panel the two-way within transformation is exact in one step
    (``x_it - x_i. - x_.t + x_..``), several times faster than alternating projections
    (:func:`urbansec_lib.fixed_effects.feols` gives the same numbers, tested). CRV1 SEs by
    ``cluster`` (constant within unit) with the project's fixest convention
    (:func:`~urbansec_lib.fixed_effects.effective_k`: the unit effects nested in the
    clusters count once, K = k + T). Returns the coefficients, their covariance and G.
    """
    from .fixed_effects import effective_k, small_sample_factor

    n, T, k = X.shape
    yt = _within(y).reshape(-1)
    Xt = _within(X).reshape(n * T, k)
    xtx = Xt.T @ Xt
    bread = np.linalg.inv(xtx)
    beta = bread @ (Xt.T @ yt)
    u = yt - Xt @ beta
    codes = np.repeat(cluster, T)
    G = int(codes.max()) + 1
    scores = np.zeros((G, k))
    np.add.at(scores, codes, Xt * u[:, None])
    df_k = effective_k(k, [n, T], [True, False], "fixest")
    factor = small_sample_factor(n * T, df_k, G, "fixest")
    return beta, factor * bread @ (scores.T @ scores) @ bread, G


# --------------------------------------------------------------------------------------
# Sun & Abraham
# --------------------------------------------------------------------------------------
@dataclass
class SunAbrahamResult(ImpactResult):
    """Sun & Abraham (2021) interaction-weighted event study.

    ``table()`` lists the cohort-specific effects CATT(g, e) (``group, time, e, att, se,
    ci_low, ci_high, pvalue``; the reference period e = -1 of each cohort is 0 with no SE).
    ``estimate`` is the average post-adoption effect, weighting each CATT(g, e), e >= 0, by
    its cohort size (as fixest's ``aggregate(att=TRUE)``).

    Attributes
    ----------
    event_study : pandas.DataFrame
        The interaction-weighted (IW) effects by event time: ``e, att, se, ci_low, ci_high,
        pvalue`` (cohort-share weights, held fixed in the SEs as fixest does).
    vcov : pandas.DataFrame
        Cluster-robust (CRV1) covariance of the CATT(g, e).
    n_clusters : int
        Number of clusters (units unless ``cluster`` is given); CIs use t(G - 1).
    pretest_stat, pretest_df, pretest_pvalue : float, tuple, float
        F test that every pre-adoption CATT(g, e) is zero.
    """

    event_study: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    vcov: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    n_clusters: int = 0
    control: str = "never"
    pretest_stat: float = float("nan")
    pretest_df: tuple[float, float] = (float("nan"), float("nan"))
    pretest_pvalue: float = float("nan")
    outcome: str = ""
    time_label: str = "period"

    def _extra_lines(self) -> list[str]:
        ctrl = "never-treated" if self.control == "never" else "last-treated cohort (and never)"
        return [
            f"Comparison  : {ctrl} units; CRV1 SEs, {self.n_clusters} clusters",
            f"Pre-trends  : F{self.pretest_df} = {self.pretest_stat:.3g}, "
            f"p = {self.pretest_pvalue:.3g}",
        ]

    def aggregate(self, type: str = "dynamic") -> AggregatedATTResult:
        """IW aggregation: ``"dynamic"`` (by event time) or ``"simple"`` (post average)."""
        if type not in ("dynamic", "simple"):
            raise _arg_error("type", type, '"dynamic" or "simple"')
        terms = (
            self.event_study.copy()
            if type == "dynamic"
            else pd.DataFrame(
                {
                    "term": ["post-adoption ATT"],
                    "att": [self.estimate],
                    "se": [self.se],
                    "ci_low": [self.ci[0]],
                    "ci_high": [self.ci[1]],
                    "pvalue": [self.pvalue],
                }
            )
        )
        return AggregatedATTResult(
            design=f"Sun & Abraham interaction-weighted event study ({type})",
            estimand=self.estimand,
            estimate=self.estimate,
            se=self.se,
            ci=self.ci,
            pvalue=self.pvalue,
            n=self.n,
            msms_level=self.msms_level,
            assumptions=self.assumptions,
            model=None,
            alpha=self.alpha,
            terms=terms,
            type=type,
            crit_val=float(stats.t.ppf(1 - self.alpha / 2, self.n_clusters - 1)),
            outcome=self.outcome,
            time_label=self.time_label,
        )

    def plot(self, ylabel: str | None = None, title: str | None = None):
        """IW event-study effects with confidence intervals (reference e = -1 at 0)."""
        return plot_event_time(
            self.event_study.rename(columns={"e": "x"}),
            xlabel=f"event time ({self.time_label}s since adoption)",
            ylabel=ylabel or f"effect on {self.outcome} (outcome units)",
            title=title or "Event study, interaction-weighted (Sun & Abraham)",
        )


def sun_abraham(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    control: str = "never",
    alpha: float = 0.05,
    cluster: str | None = None,
    time_label: str = "period",
) -> SunAbrahamResult:
    """Interaction-weighted event study (Sun & Abraham 2021).

    Fits ``y_it = a_i + l_t + sum_g sum_{e != -1} d_ge 1{G_i = g} 1{t - g = e} + u_it`` by
    two-way fixed effects on a balanced panel, saturated in cohort x event time so that no
    already-treated cohort serves as a control, then averages the cohort effects d_ge at
    each event time with weights equal to the cohorts' shares (the IW estimator).

    Parameters
    ----------
    df, outcome, unit, time, group
        As :func:`att_gt` (``group`` = first treated period, 0 never treated).
    control : {"never", "last"}
        Comparison cohort: never-treated units, or the last-treated cohort (periods from
        its adoption on are dropped; never-treated units, if any, remain controls).
    alpha : float
        1 - confidence level (t(G - 1) intervals).
    cluster : str, optional
        Cluster column constant within unit (default: the unit).
    time_label : str
        Name of one period for plots.

    Returns
    -------
    SunAbrahamResult

    Notes
    -----
    In a balanced panel without covariates and with never-treated controls, CATT(g, e)
    equals Callaway & Sant'Anna's ATT(g, g + e) with ``base_period="universal"`` (tested).
    The reference period of a cohort is its last period before adoption.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> d = pd.DataFrame({"u": np.repeat(range(60), 5), "t": np.tile(range(1, 6), 60)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 60), 5)
    >>> d["y"] = 2.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
    >>> sa = sun_abraham(d, "y", "u", "t", "g")
    >>> round(sa.estimate, 1)
    2.0
    """
    if control not in ("never", "last"):
        raise _arg_error("control", control, '"never" or "last"')
    p = _drop_always_treated(_prepare(df, outcome, unit, time, group, None, cluster))
    times, first, Y = p.times, p.first.copy(), p.y
    cohorts = np.unique(first[first > 0])
    if control == "last":
        if cohorts.size < 2:
            raise _arg_error(group, list(cohorts), "at least two treated cohorts (control='last')")
        last = cohorts.max()
        keep_t = times < last
        times, Y = times[keep_t], Y[:, keep_t]
        first = np.where(first == last, 0.0, first)
        cohorts = cohorts[:-1]
    elif not (first == 0).any():
        raise _arg_error(group, None, "never-treated units (group 0), or control='last'")
    cohorts = cohorts[cohorts > times[0]]
    n, T = Y.shape
    cells: list[tuple[float, float, int]] = []  # (g, t, period index)
    refs: list[tuple[float, float]] = []
    for g in cohorts:
        base = np.flatnonzero(times < g)[-1]
        for j, t in enumerate(times):
            (refs.append((g, t)) if j == base else cells.append((g, t, j)))
    X = np.zeros((n, T, len(cells)))
    for c, (g, _, j) in enumerate(cells):
        X[first == g, j, c] = 1.0
    codes = np.arange(n) if p.cluster is None else p.cluster
    beta, V, G = _twfe_ols(Y, X, codes)
    se = np.sqrt(np.diag(V))
    crit = float(stats.t.ppf(1 - alpha / 2, G - 1))
    size = {g: int((first == g).sum()) for g in cohorts}
    catt = pd.DataFrame(
        {
            "group": [c[0] for c in cells] + [r[0] for r in refs],
            "time": [c[1] for c in cells] + [r[1] for r in refs],
            "att": np.r_[beta, np.zeros(len(refs))],
            "se": np.r_[se, np.full(len(refs), np.nan)],
        }
    )
    catt["e"] = catt["time"] - catt["group"]
    with np.errstate(invalid="ignore"):
        tstat = catt["att"] / catt["se"]
    catt["ci_low"] = catt["att"] - crit * catt["se"]
    catt["ci_high"] = catt["att"] + crit * catt["se"]
    catt["pvalue"] = 2 * stats.t.sf(np.abs(tstat), G - 1)
    catt = catt.sort_values(["group", "time"]).reset_index(drop=True)
    # IW aggregation with cohort-share weights
    g_c = np.array([c[0] for c in cells])
    e_c = np.array([c[1] - c[0] for c in cells])
    w_size = np.array([size[g] for g in g_c], float)
    rows = []
    for e in np.unique(np.r_[e_c, [r[1] - r[0] for r in refs]]):
        sel = e_c == e
        if not sel.any():
            rows.append({"e": e, "att": 0.0, "se": np.nan})
            continue
        w = np.where(sel, w_size, 0.0)
        w /= w.sum()
        rows.append({"e": e, "att": float(w @ beta), "se": float(np.sqrt(w @ V @ w))})
    es = pd.DataFrame(rows)
    es["ci_low"] = es["att"] - crit * es["se"]
    es["ci_high"] = es["att"] + crit * es["se"]
    with np.errstate(invalid="ignore"):
        es["pvalue"] = 2 * stats.t.sf(np.abs(es["att"] / es["se"]), G - 1)
    post = e_c >= 0
    w = np.where(post, w_size, 0.0)
    w /= w.sum()
    est, est_se = float(w @ beta), float(np.sqrt(w @ V @ w))
    # pre-trend F test
    pre = np.flatnonzero(~post)
    fstat, fp = float("nan"), float("nan")
    if pre.size:
        b, Vp = beta[pre], V[np.ix_(pre, pre)]
        fstat = float(b @ np.linalg.solve(Vp, b) / pre.size)
        fp = float(stats.f.sf(fstat, pre.size, G - 1))
    integer = np.all(np.mod(np.r_[times, cohorts], 1) == 0)
    if integer:
        for c in ("group", "time", "e"):
            catt[c] = catt[c].astype(int)
        es["e"] = es["e"].astype(int)
    catt = catt[["group", "time", "e", "att", "se", "ci_low", "ci_high", "pvalue"]]
    names = [f"g{g:g}:e{t - g:g}" for g, t, _ in cells]
    checks = [
        _check(
            "parallel pre-trends (F test: pre-adoption CATT = 0)",
            f"F({pre.size}, {G - 1}) = {fstat:.3g}, p = {fp:.3g}" if pre.size else "no leads",
            None if not np.isfinite(fp) else bool(fp >= 0.05),
        ),
        _check(
            "number of clusters",
            f"{G}",
            bool(G >= 30),
            "fewer than ~30 clusters: cluster-robust SEs are unreliable; prefer a wild "
            "cluster bootstrap"
            if G < 30
            else "",
        ),
        _check("no anticipation", "assumed", None),
    ]
    tq = crit
    return SunAbrahamResult(
        design="Sun & Abraham interaction-weighted event study (TWFE, cohort x event time)",
        estimand=f"average post-adoption effect on {outcome} (cohort-size weighted CATT)",
        estimate=est,
        se=est_se,
        ci=(est - tq * est_se, est + tq * est_se),
        pvalue=float(2 * stats.t.sf(abs(est / est_se), G - 1)),
        n=n * T,
        msms_level=4,
        assumptions=_assumptions(checks),
        model=None,
        alpha=alpha,
        terms=catt,
        event_study=es,
        vcov=pd.DataFrame(V, index=names, columns=names),
        n_clusters=G,
        control=control,
        pretest_stat=fstat,
        pretest_df=(float(pre.size), float(G - 1)),
        pretest_pvalue=fp,
        outcome=outcome,
        time_label=time_label,
    )


# --------------------------------------------------------------------------------------
# Goodman-Bacon decomposition
# --------------------------------------------------------------------------------------
@dataclass
class BaconResult(ImpactResult):
    """Goodman-Bacon (2021) decomposition of the TWFE DiD coefficient.

    ``estimate`` is the TWFE coefficient (with its CRV1 SE clustered by unit);
    ``table()`` lists every 2x2 comparison: ``type, treated, control, estimate, weight``
    (``control`` is a cohort's first treated period, or ``"never"``). The weights sum to 1
    and ``sum(weight * estimate)`` equals ``estimate`` exactly.

    Attributes
    ----------
    by_type : pandas.DataFrame
        Total weight and weighted average estimate of each comparison type.
    """

    by_type: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    outcome: str = ""

    def _extra_lines(self) -> list[str]:
        lines = ["By type     :"]
        for r in self.by_type.itertuples(index=False):
            lines.append(
                f"  {r.type}: weight {r.weight:.3f}, average 2x2 estimate {r.estimate:.4g}"
            )
        return lines

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Scatter of the 2x2 estimates against their weights, by comparison type."""
        fig, ax = _figure((7.0, 4.2))
        for i, (kind, sub) in enumerate(self.terms.groupby("type", sort=False)):
            ax.scatter(sub["weight"], sub["estimate"], s=36, color=f"C{i}", label=kind)
        ax.axhline(self.estimate, color="black", lw=1, ls="--", label=f"TWFE {self.estimate:.3g}")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_xlabel("weight in the TWFE estimate (share)")
        ax.set_ylabel(ylabel or f"2x2 DiD estimate\n({self.outcome})")
        ax.set_title(title or "Goodman-Bacon decomposition of the TWFE estimate")
        ax.legend(frameon=False, fontsize=8)
        return fig


def bacon_decomposition(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    alpha: float = 0.05,
) -> BaconResult:
    """Decompose the TWFE DiD coefficient into 2x2 comparisons (Goodman-Bacon 2021).

    With staggered timing the TWFE coefficient of a binary, absorbing treatment is a
    weighted average of (a) treated cohorts vs never-treated units, (b) earlier-treated vs
    later-treated cohorts before the later ones adopt, and (c) later-treated vs
    earlier-treated cohorts after the earlier ones adopted (already-treated units as
    controls: biased when effects change over time). Cohorts treated from the first period
    enter as "later vs always treated". Weights follow Goodman-Bacon (2021), Theorem 1.

    Parameters
    ----------
    df : pandas.DataFrame
        Balanced long panel (unbalanced units are dropped with a warning).
    outcome, unit, time : str
        Outcome, unit and period columns.
    treated : str
        0/1 treatment indicator, absorbing (once 1, a unit stays treated).
    alpha : float
        1 - confidence level of the TWFE interval.

    Returns
    -------
    BaconResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> d = pd.DataFrame({"u": np.repeat(range(30), 6), "t": np.tile(range(6), 30)})
    >>> g = np.repeat(rng.choice([0, 2, 4], 30), 6)
    >>> d["d"] = ((g > 0) & (d.t >= g)).astype(int)
    >>> d["y"] = d.d * (1 + 0.5 * (d.t - g)) + rng.normal(0, 0.1, len(d))
    >>> b = bacon_decomposition(d, "y", "u", "t", "d")
    >>> bool(np.isclose((b.table().weight * b.table().estimate).sum(), b.estimate))
    True
    """
    v = _Validator(df)
    ok = all(
        [
            v.column(c, r)
            for r, c in (("outcome", outcome), ("unit", unit), ("time", time), ("treated", treated))
        ]
    )
    v.raise_if_any("Bacon decomposition data")
    if ok:
        v.binary(treated, "treated")
        v.numeric(time, "time")
    v.raise_if_any("Bacon decomposition data")
    d = df[[unit, time, outcome, treated]].dropna().sort_values([unit, time])
    trt = d[treated].astype(int)
    if (trt.groupby(d[unit]).diff() < 0).any():
        bad = d.loc[(trt.groupby(d[unit]).diff() < 0).to_numpy(), unit]
        v.fail(treated, list(pd.unique(bad))[:10], "an absorbing treatment (no switch back to 0)")
        v.raise_if_any("Bacon decomposition data")
    first_t = d[time].where(trt == 1).groupby(d[unit]).transform("min").fillna(0)
    d = d.assign(_first=first_t.to_numpy())
    p = _prepare(d, outcome, unit, time, "_first", what="Bacon decomposition data")
    times, first, Y = p.times, p.first, p.y
    n, T = Y.shape
    D = ((first[:, None] > 0) & (times[None, :] >= first[:, None])).astype(float)
    Dt = _within(D)
    vd = float(np.mean(Dt**2))
    if vd <= 0:
        raise _arg_error(treated, None, "treatment timing that varies across units and periods")
    beta, V, G = _twfe_ols(Y, D[:, :, None], np.arange(n))
    est, se = float(beta[0]), float(np.sqrt(V[0, 0]))
    share = {g: float(np.mean(first == g)) for g in np.unique(first)}
    dbar = {g: float(np.mean(times >= g)) for g in share if g > 0}
    mean_y = {g: Y[first == g].mean(axis=0) for g in share}

    def dd(treat_g, ctrl_g, before, after):
        a, b = mean_y[treat_g], mean_y[ctrl_g]
        return float((a[after].mean() - a[before].mean()) - (b[after].mean() - b[before].mean()))

    rows = []
    timing = sorted(g for g in share if g > 0)
    always = times[0]
    if 0 in share:
        nu = share[0]
        for k in timing:
            if k <= always:
                continue
            nk, dk = share[k], dbar[k]
            nku = nk / (nk + nu)
            w = (nk + nu) ** 2 * nku * (1 - nku) * dk * (1 - dk) / vd
            rows.append(
                ("treated vs never treated", k, "never", dd(k, 0, times < k, times >= k), w)
            )
    for i, k in enumerate(timing):
        for l in timing[i + 1 :]:  # noqa: E741 - Goodman-Bacon's notation
            nk, nl, dk, dl = share[k], share[l], dbar[k], dbar[l]
            nkl = nk / (nk + nl)
            if k > always:
                w = (
                    ((nk + nl) * (1 - dl)) ** 2
                    * nkl
                    * (1 - nkl)
                    * (dk - dl)
                    / (1 - dl)
                    * (1 - dk)
                    / (1 - dl)
                    / vd
                )
                win = times < l
                rows.append(
                    (
                        "earlier vs later treated",
                        k,
                        l,
                        dd(k, l, win & (times < k), win & (times >= k)),
                        w,
                    )
                )
            w = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * (dk - dl) / dk / vd
            win = times >= k
            kind = "later vs earlier treated" if k > always else "later vs always treated"
            rows.append((kind, l, k, dd(l, k, win & (times < l), win & (times >= l)), w))
    tab = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    integer = np.all(np.mod(times, 1) == 0)
    for c in ("treated", "control"):
        tab[c] = [x if isinstance(x, str) else (int(x) if integer else x) for x in tab[c]]
    by = (
        tab.assign(wx=tab.weight * tab.estimate)
        .groupby("type", sort=False)[["weight", "wx"]]
        .sum()
        .reset_index()
    )
    by["estimate"] = by.pop("wx") / by["weight"]
    crit = float(stats.t.ppf(1 - alpha / 2, G - 1))
    forbidden = tab.loc[tab["type"].str.startswith("later vs"), "weight"].sum()
    checks = [
        _check(
            "weight on already-treated controls",
            f"{forbidden:.1%} of the TWFE weight",
            bool(forbidden < 0.1),
            "later-vs-earlier comparisons are biased when effects change over time; "
            "prefer att_gt / sun_abraham",
        ),
        _check(
            "weights sum to 1",
            f"{tab['weight'].sum():.6f}",
            bool(abs(tab["weight"].sum() - 1) < 1e-8),
        ),
    ]
    return BaconResult(
        design="Two-way fixed effects DiD with its Goodman-Bacon decomposition",
        estimand=f"TWFE coefficient of {treated} on {outcome}",
        estimate=est,
        se=se,
        ci=(est - crit * se, est + crit * se),
        pvalue=float(2 * stats.t.sf(abs(est / se), G - 1)),
        n=n * T,
        msms_level=4,
        assumptions=_assumptions(checks),
        model=None,
        alpha=alpha,
        terms=tab,
        by_type=by,
        outcome=outcome,
    )


# --------------------------------------------------------------------------------------
# A staggered rollout evaluated end to end (used by the orpheus report)
# --------------------------------------------------------------------------------------
@dataclass
class RolloutEvaluation:
    """Callaway & Sant'Anna effects of a staggered rollout beside the TWFE estimate.

    Attributes
    ----------
    att_gt : ATTgtResult
        Group-time effects.
    simple, dynamic : AggregatedATTResult
        Overall ATT and the event-study (effect by years since adoption).
    bacon : BaconResult
        TWFE estimate and its Goodman-Bacon decomposition.
    outcome_label : str
        Plain-language outcome name with its unit (for text and plots).
    """

    att_gt: ATTgtResult
    simple: AggregatedATTResult
    dynamic: AggregatedATTResult
    bacon: BaconResult
    outcome_label: str

    def table(self) -> pd.DataFrame:
        """One row per estimator: estimate, se, ci_low, ci_high, pvalue, n, msms_level."""
        rows = []
        for name, r in (
            ("Callaway & Sant'Anna: average effect on adopting areas", self.simple),
            ("Callaway & Sant'Anna: average over years since adoption", self.dynamic),
            ("Two-way fixed effects (TWFE)", self.bacon),
        ):
            rows.append(
                {
                    "design": name,
                    "estimate": r.estimate,
                    "se": r.se,
                    "ci_low": r.ci[0],
                    "ci_high": r.ci[1],
                    "pvalue": r.pvalue,
                    "n": r.n,
                    "msms_level": r.msms_level,
                    "scale": f"difference in {self.outcome_label}",
                }
            )
        return pd.DataFrame(rows)

    def reading(self, alpha: float = 0.05) -> str:
        """Plain-language reading of the rollout results (Markdown)."""
        g = self.att_gt
        first = g.unit_first
        cohorts = ", ".join(str(int(c)) for c in g.groups)
        s, d, b = self.simple, self.dynamic.table(), self.bacon
        post = d[d["e"] >= 0]
        lines = [
            f"- **Design.** {int((first > 0).sum())} areas adopted the initiative in "
            f"different years ({cohorts}); {int((first == 0).sum())} never did. Each "
            "adopting cohort is compared with "
            + ("never-treated" if g.control == "never" else "not-yet-treated")
            + " areas over the same years (Callaway & Sant'Anna), so no area that already "
            "has the initiative serves as a comparison.",
            f"- **Average effect.** Over all adopting areas and years after adoption, "
            f"{self.outcome_label} changed by {s.estimate:+.2f} "
            f"({100 * (1 - alpha):g}% CI {s.ci[0]:+.2f} to {s.ci[1]:+.2f}).",
        ]
        if len(post) > 1:
            lines.append(
                f"- **Over time.** In the year of adoption the change was "
                f"{post['att'].iloc[0]:+.2f}; {int(post['e'].iloc[-1])} years later it was "
                f"{post['att'].iloc[-1]:+.2f} (the later event times rest on the earliest "
                "cohort only, so their intervals are wider)."
            )
        if np.isfinite(g.pretest_pvalue):
            verdict = (
                "no sign of diverging trends before adoption"
                if g.pretest_pvalue >= alpha
                else "signs of diverging trends before adoption: read the effects with care"
            )
            lines.append(
                f"- **Before adoption.** Test that all pre-adoption effects are zero: "
                f"p = {g.pretest_pvalue:.3f} ({verdict})."
            )
        forbidden = b.terms.loc[b.terms["type"].str.startswith("later vs"), "weight"].sum()
        lines.append(
            f"- **The usual regression.** A two-way fixed-effects regression gives "
            f"{b.estimate:+.2f} ({100 * (1 - alpha):g}% CI {b.ci[0]:+.2f} to {b.ci[1]:+.2f}). "
            f"{forbidden:.0%} of its weight comes from comparisons that use already-treated "
            "areas as controls (Goodman-Bacon decomposition); when effects grow over time "
            "those comparisons pull the TWFE estimate away from the true average, which is "
            "why the Callaway & Sant'Anna estimate is the one to report."
        )
        lines.append(
            f"- **Strength.** Maryland Scientific Methods Scale level {s.msms_level}: "
            "multiple areas with comparison areas; it still assumes parallel trends and no "
            "anticipation, and areas were not randomised."
        )
        return "\n".join(lines)


def evaluate_rollout(
    rollout: pd.DataFrame,
    outcome: str = "incidents_per_1000",
    unit: str = "area",
    time: str = "year",
    group: str = "first_year",
    control: str = "never",
    outcome_label: str = "incidents per 1,000 residents",
    alpha: float = 0.05,
) -> RolloutEvaluation:
    """Evaluate a staggered rollout: ATT(g, t), simple and dynamic ATT, TWFE and Bacon.

    Parameters
    ----------
    rollout : pandas.DataFrame
        Area x year panel (e.g. from :func:`urbansec_lib.outcomes.read_rollout`).
    outcome, unit, time, group : str
        Columns; ``group`` is the adoption year (0 never).
    control : {"never", "not_yet"}
        Comparison areas for :func:`att_gt` (falls back to ``"not_yet"`` when fewer than 3
        areas never adopt).
    outcome_label : str
        Outcome in words, with its unit.
    alpha : float
        1 - confidence level.

    Returns
    -------
    RolloutEvaluation

    Examples
    --------
    >>> from urbansec_lib.demo.outcomes import simulate_rollout
    >>> ev = evaluate_rollout(simulate_rollout(n_areas=30, seed=2))
    >>> bool(ev.table()["design"].str.contains("TWFE").any())
    True
    """
    never = rollout.groupby(unit)[group].first().eq(0).sum()
    if control == "never" and never < 3:
        control = "not_yet"
    res = att_gt(rollout, outcome, unit, time, group, control=control, alpha=alpha, time_label=time)
    treated = ((rollout[group] > 0) & (rollout[time] >= rollout[group])).astype(int)
    bacon = bacon_decomposition(
        rollout.assign(_treated=treated), outcome, unit, time, "_treated", alpha=alpha
    )
    bacon.outcome = outcome_label
    res.outcome = outcome_label
    return RolloutEvaluation(
        att_gt=res,
        simple=res.aggregate("simple"),
        dynamic=res.aggregate("dynamic"),
        bacon=bacon,
        outcome_label=outcome_label,
    )
