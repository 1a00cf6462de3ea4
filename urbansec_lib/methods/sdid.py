"""Synthetic difference-in-differences (Arkhangelsky et al. 2021; ``synthdid`` conventions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import Problem, ValidationError
from .sdid_weights import _sdid_fit, _SDIDOpts, _sum_normalize
from .synth_fit import _ARGS, _FRAME, _rows, _unit_names, _weights_table
from .synth_plots import plot_synthetic_did

__all__ = ["SyntheticDiDResult", "synthetic_did"]

_TERM_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "pvalue"]


@dataclass
class SyntheticDiDResult:
    """Synthetic difference-in-differences (or its SC / DiD special cases).

    Attributes
    ----------
    estimate, se, ci, pvalue : float, float, tuple, float
        Average effect on the treated after treatment; SE by ``se_method``; normal
        interval and two-sided p-value (as ``synthdid``'s ``vcov``/``confint``).
    unit_weights : pandas.Series
        omega over the control units (sums to one).
    time_weights : pandas.Series
        lambda over the pre-treatment periods (sums to one; zero for ``"sc"``).
    zeta : float
        Regularisation of the unit weights: ``(N1 * T1) ** (1/4) * noise_level`` for SDID
        (Arkhangelsky et al. 2021, eq. 2.2), ``1e-6 * noise_level`` for SC.
    noise_level : float
        SD of the first differences of the control units' pre-period outcomes.
    trajectories : pandas.DataFrame
        time, treated (mean of the treated units) and synthetic (omega-weighted controls).
    replicates : numpy.ndarray
        The placebo / bootstrap / jackknife estimates behind ``se``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> rows = [(u, y, 10 + i + 0.5 * (y - 2000) + rng.normal(0, 0.05)
    ...          - 3.0 * (u == "T" and y >= 2008))
    ...         for i, u in enumerate("ABCDET") for y in range(2000, 2012)]
    >>> r = synthetic_did(pd.DataFrame(rows, columns=["unit", "year", "y"]), "y", "unit", "year",
    ...                   treated="T", treatment_time=2008)
    >>> r.table()["term"].tolist(), r.se_method, r.weights_table(0.01)["unit"].tolist()
    (['ATT (sdid)'], 'placebo', ['A', 'B', 'C', 'D', 'E'])
    """

    design: str
    estimand: str
    method: str
    estimate: float
    se: float
    ci: tuple[float, float]
    pvalue: float
    n: int
    unit_weights: pd.Series
    time_weights: pd.Series
    zeta: float
    noise_level: float
    trajectories: pd.DataFrame
    treated_units: list
    treatment_time: Any
    se_method: str | None
    replications: int
    seed: int | None
    replicates: np.ndarray = field(repr=False)
    outcome_label: str = ""
    unit_names: dict = field(default_factory=dict, repr=False)
    alpha: float = 0.05
    msms_level: int = 3
    assumptions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def table(self) -> pd.DataFrame:
        """One-row tidy table: term, estimate, se, ci_low, ci_high, pvalue."""
        return pd.DataFrame(
            [
                {
                    "term": f"ATT ({self.method})",
                    "estimate": self.estimate,
                    "se": self.se,
                    "ci_low": self.ci[0],
                    "ci_high": self.ci[1],
                    "pvalue": self.pvalue,
                }
            ],
            columns=_TERM_COLUMNS,
        )

    def weights_table(self, min_weight: float = 0.0) -> pd.DataFrame:
        """Control-unit weights with names (data order, never sorted by weight)."""
        return _weights_table(self.unit_weights, self.unit_names, min_weight)

    def summary(self) -> str:
        pct = f"{100 * (1 - self.alpha):g}%"
        se_txt = (
            f"{self.se_method} SE, {self.replications} replications, seed {self.seed}"
            if self.se_method in ("placebo", "bootstrap")
            else f"{self.se_method} SE"
        )
        lines = [
            f"Design      : {self.design}",
            f"Estimand    : {self.estimand}",
            f"Treated     : {len(self.treated_units)} unit(s) from {self.treatment_time}; "
            f"{len(self.unit_weights)} controls; {len(self.time_weights)} pre-periods",
            f"Estimate    : {self.estimate:.4g} (SE {self.se:.4g}; {se_txt}), {pct} CI "
            f"{self.ci[0]:.4g} to {self.ci[1]:.4g}, p = {self.pvalue:.3g}",
            f"Regularisation: zeta = {self.zeta:.4g} (noise level {self.noise_level:.4g})",
            "",
            "Unit weights (omega > 0.001):",
            self.weights_table(0.001).to_string(index=False, float_format=lambda v: f"{v:.3f}"),
            "",
            "Time weights (lambda > 0.001):",
            self.time_weights[self.time_weights > 0.001].to_string(
                float_format=lambda v: f"{v:.3f}"
            ),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Treated and synthetic (omega-weighted) trajectories with the time weights."""
        names = [self.unit_names.get(u, str(u)) for u in self.treated_units]
        label = names[0] if len(names) == 1 else f"treated units (mean of {len(names)})"
        return plot_synthetic_did(
            self.trajectories,
            self.time_weights,
            self.treatment_time,
            self.estimate,
            treated_label=label,
            ylabel=ylabel or self.outcome_label,
            title=title or f"{label}: synthetic difference-in-differences ({self.method})",
        )


def _sdid_inputs(df, outcome, unit, time, treated, treatment_time):
    problems: list[Problem] = []
    what = "synthetic difference-in-differences input"
    if not isinstance(df, pd.DataFrame):
        raise ValidationError([Problem(_FRAME, None, None, type(df).__name__, "a DataFrame")], what)
    for role, col in (("outcome", outcome), ("unit", unit), ("time", time)):
        if not isinstance(col, str) or col not in df.columns:
            problems.append(Problem(_ARGS, None, str(col), None, f"a column (argument `{role}`)"))
    if problems:
        raise ValidationError(problems, what)
    data = df.reset_index(drop=True)
    for col in (outcome, time):
        if not pd.api.types.is_numeric_dtype(data[col]):
            problems.append(Problem(_FRAME, None, col, None, "numeric values"))
    if problems:
        raise ValidationError(problems, what)
    for r in _rows(data, data.duplicated([unit, time], keep=False))[:20]:
        problems.append(Problem(_FRAME, r, f"{unit}, {time}", None, "one row per unit and time"))
    for r in _rows(data, data[outcome].isna())[:20]:
        problems.append(Problem(_FRAME, r, outcome, None, "an outcome value (balanced panel)"))
    units = list(pd.unique(data[unit]))
    times = np.sort(pd.unique(data[time]))
    if isinstance(treated, str) and treated in data.columns and treatment_time is None:
        d = data[treated]
        if not pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d):
            problems.append(Problem(_FRAME, None, treated, None, "a 0/1 treatment indicator"))
            raise ValidationError(problems, what)
        d = d.astype(float)
        bad = ~d.isin([0, 1])
        for r in _rows(data, bad)[:20]:
            problems.append(Problem(_FRAME, r, treated, None, "0 or 1"))
        if problems:
            raise ValidationError(problems, what)
        on = data.loc[d == 1]
        tr_units = list(pd.unique(on[unit]))
        if not tr_units:
            problems.append(Problem(_FRAME, None, treated, 0, "at least one treated row"))
            raise ValidationError(problems, what)
        t0 = on[time].min()
        expect = data[unit].isin(tr_units) & (data[time] >= t0)
        for r in _rows(data, expect != (d == 1))[:20]:
            problems.append(
                Problem(_FRAME, r, treated, None, f"block adoption: 1 exactly from {t0} on")
            )
        treatment_time = t0
    else:
        tr_units = list(treated) if isinstance(treated, (list, tuple, set)) else [treated]
        for u in tr_units:
            if u not in units:
                problems.append(Problem(_ARGS, None, "treated", u, f"a value of `{unit}`"))
        if treatment_time is None:
            problems.append(
                Problem(_ARGS, None, "treatment_time", None, "a time (or a 0/1 column)")
            )
    if problems:
        raise ValidationError(problems, what)
    controls = [u for u in units if u not in tr_units]
    T0 = int(np.sum(times < treatment_time))
    if T0 < 2 or T0 == len(times):
        problems.append(
            Problem(
                _ARGS,
                None,
                "treatment_time",
                treatment_time,
                "two or more pre-periods and at least one post-period",
            )  # fmt: skip
        )
    if len(controls) < 2:
        problems.append(Problem(_ARGS, None, "treated", tr_units, "at least two control units"))
    wide = data.pivot_table(index=unit, columns=time, values=outcome, aggfunc="first")
    wide = wide.reindex(index=controls + tr_units, columns=times)
    if wide.isna().to_numpy().any() and not problems:
        holes = wide.index[wide.isna().any(axis=1)].tolist()
        problems.append(Problem(_FRAME, None, unit, holes[:10], "a row for every time (balanced)"))
    if problems:
        raise ValidationError(problems, what)
    return wide, controls, tr_units, times, T0, treatment_time


def synthetic_did(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    treatment_time: Any = None,
    method: str = "sdid",
    se_method: str | None = "placebo",
    replications: int = 200,
    seed: int | None = 20261201,
    alpha: float = 0.05,
    unit_names: str | Mapping | None = None,
    outcome_label: str | None = None,
) -> SyntheticDiDResult:
    """Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

    Long because: the docstring documents the estimators and options; the fit and the
    three standard errors are helpers (``_method_options``, ``_placebo_se``,
    ``_bootstrap_se``, ``_jackknife_se``).

    Unit weights omega solve ``min ||omega_0 + omega' Y_co,pre - mean Y_tr,pre||^2 + zeta^2
    T0 ||omega||^2`` over the simplex with ``zeta = (N1 T1)^(1/4) sigma`` (``sigma`` the SD
    of first differences of the control units' pre-period outcomes); time weights lambda
    solve the analogous problem across control units with ``zeta = 1e-6 sigma``; the
    estimate is the lambda-omega weighted difference-in-differences. The solvers follow the
    authors' ``synthdid`` package exactly (Frank-Wolfe with exact line search, 100
    iterations, weights below a quarter of the largest set to zero, then up to 10,000
    iterations; stop when the objective decreases by less than ``(1e-5 sigma)^2``).
    ``method="sc"`` (no intercept, no time weights, ``zeta = 1e-6 sigma``) and
    ``method="did"`` (uniform weights) give the paper's comparison estimators.

    Parameters
    ----------
    df : DataFrame
        Balanced long panel.
    outcome, unit, time : str
        Column names.
    treated : column name, unit id or list of unit ids
        A 0/1 column (with ``treatment_time=None``: block adoption, 1 for treated units
        from the common start on) or the treated unit(s).
    treatment_time : scalar, optional
        First treated period (required when ``treated`` names units).
    method : {"sdid", "sc", "did"}
    se_method : {"placebo", "jackknife", "bootstrap", None}
        ``"placebo"`` (the paper's algorithm 4; the only one for a single treated unit):
        controls are permuted, the last N1 play treated, weights re-estimated from the
        fitted ones; ``"jackknife"`` (algorithm 3, weights fixed; needs two or more treated
        units); ``"bootstrap"`` (algorithm 2; two or more treated units). SE is
        ``sqrt((r - 1) / r) * sd(replicates)`` as in ``synthdid``.
    replications : int
        Placebo / bootstrap draws (synthdid default 200).
    seed : int or None
        Seed of the draws (numpy ``default_rng``; R's draws cannot be reproduced).
    alpha : float
        Level of the normal confidence interval.
    unit_names : str or mapping, optional
        Column of readable names or a mapping id -> name.
    outcome_label : str, optional
        Outcome with its unit (plots).

    Returns
    -------
    SyntheticDiDResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> t = np.arange(2000, 2012)
    >>> rows = [(u, y, 10 + i + 0.5 * (y - 2000) + rng.normal(0, 0.05)
    ...          - 3.0 * (u == "T" and y >= 2008))
    ...         for i, u in enumerate(["A", "B", "C", "D", "E", "T"]) for y in t]
    >>> d = pd.DataFrame(rows, columns=["unit", "year", "y"])
    >>> r = synthetic_did(d, "y", "unit", "year", treated="T", treatment_time=2008)
    >>> round(r.estimate)
    -3
    >>> r.table().columns.tolist()[:3], type(r.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> r.summary().splitlines()[0]
    'Design      : synthetic difference-in-differences (Arkhangelsky et al. 2021)'
    """
    what = "synthetic difference-in-differences input"
    if method not in ("sdid", "sc", "did"):
        raise ValidationError([Problem(_ARGS, None, "method", method, "sdid, sc or did")], what)
    if se_method not in ("placebo", "jackknife", "bootstrap", None):
        raise ValidationError(
            [Problem(_ARGS, None, "se_method", se_method, "placebo, jackknife, bootstrap or None")],
            what,
        )
    wide, controls, tr_units, times, T0, treatment_time = _sdid_inputs(
        df, outcome, unit, time, treated, treatment_time
    )
    Y = wide.to_numpy(dtype=float)
    N0, N1, T1 = len(controls), len(tr_units), len(times) - T0
    noise = float(np.std(np.diff(Y[:N0, :T0], axis=1), ddof=1))
    zeta, opts, omega0, lam0 = _method_options(method, noise, N0, N1, T0, T1)
    est_b, omega_b, lam_b = _sdid_fit(Y[None], N0, T0, omega0, lam0, opts)
    est, omega, lam = float(est_b[0]), omega_b[0], lam_b[0]
    rng = np.random.default_rng(seed)
    reps = np.array([])
    se = float("nan")
    if se_method == "placebo":
        if N0 <= N1:
            raise ValidationError(
                [Problem(_ARGS, None, "se_method", "placebo", "more controls than treated")], what
            )
        reps, se = _placebo_se(Y, N0, N1, T0, omega, lam, opts, replications, rng)
    elif se_method == "bootstrap" and N1 > 1:
        reps, se = _bootstrap_se(Y, N0, T0, omega, lam, opts, replications, rng)
    elif se_method == "jackknife" and N1 > 1 and np.sum(omega != 0) > 1:
        reps, se = _jackknife_se(Y, N0, T0, omega, lam, opts)
    z = stats.norm.ppf(1 - alpha / 2)
    if np.isfinite(se) and se > 0:
        ci = (est - z * se, est + z * se)
        pvalue = float(2 * stats.norm.sf(abs(est) / se))
    else:
        ci, pvalue = (float("nan"), float("nan")), float("nan")
    names = _sdid_names(df, unit, unit_names, controls + tr_units)
    traj = pd.DataFrame(
        {"time": times, "treated": Y[N0:].mean(axis=0), "synthetic": omega @ Y[:N0]}
    )
    labels = {
        "sdid": "synthetic difference-in-differences (Arkhangelsky et al. 2021)",
        "sc": "synthetic control, synthdid variant (no predictors; Arkhangelsky et al. 2021)",
        "did": "difference-in-differences (uniform weights)",
    }
    checks = pd.DataFrame(
        [
            {
                "check": "standard error",
                "result": f"{se_method}",
                "passed": None if np.isfinite(se) else False,
                "note": ""
                if np.isfinite(se)
                else "not available: jackknife and bootstrap need two or more treated units",
            }
        ],
        columns=["check", "result", "passed", "note"],
    )
    return SyntheticDiDResult(
        design=labels[method],
        estimand="average effect on the treated unit(s) after treatment (outcome units)",
        method=method,
        estimate=est,
        se=se,
        ci=ci,
        pvalue=pvalue,
        n=Y.size,
        unit_weights=pd.Series(omega, index=pd.Index(controls, name="unit"), name="omega"),
        time_weights=pd.Series(lam, index=pd.Index(times[:T0], name="time"), name="lambda"),
        zeta=zeta,
        noise_level=noise,
        trajectories=traj,
        treated_units=tr_units,
        treatment_time=treatment_time,
        se_method=se_method if np.isfinite(se) else None,
        replications=replications,
        seed=seed,
        replicates=reps,
        outcome_label=outcome_label or outcome,
        unit_names=names,
        alpha=alpha,
        assumptions=checks,
    )


def _method_options(method: str, noise: float, N0: int, N1: int, T0: int, T1: int):
    """Regularisation ``zeta``, solver options and fixed starting weights of a method."""
    min_dec = 1e-5 * noise
    if method == "sdid":
        zeta = (N1 * T1) ** 0.25 * noise
        opts = _SDIDOpts(zeta, 1e-6 * noise, True, True, True, True, min_dec)
        omega0, lam0 = None, None
    elif method == "sc":
        zeta = 1e-6 * noise
        opts = _SDIDOpts(zeta, 1e-6 * noise, False, True, True, False, min_dec)
        omega0, lam0 = None, np.zeros(T0)
    else:
        zeta = 0.0
        opts = _SDIDOpts(0.0, 1e-6 * noise, True, True, False, False, min_dec)
        omega0, lam0 = np.full(N0, 1.0 / N0), np.full(T0, 1.0 / T0)
    return zeta, opts, omega0, lam0


def _placebo_se(Y, N0, N1, T0, omega, lam, opts, replications, rng):
    """Placebo SE (synthdid's ``placebo_se``): replicates and the SE."""
    # each draw permutes the controls; the last N1 play treated. The estimate depends
    # only on which controls play treated (weights are permuted along), so each
    # distinct set is fitted once, all of them in one vectorised batch.
    n0 = N0 - N1
    draws = rng.permuted(np.tile(np.arange(N0), (replications, 1)), axis=1)
    orders = np.concatenate([np.sort(draws[:, :n0], 1), np.sort(draws[:, n0:], 1)], 1)
    uniq, inverse = np.unique(orders, axis=0, return_inverse=True)
    vals = _sdid_fit(Y[uniq], n0, T0, _sum_normalize(omega[uniq[:, :n0]]), lam, opts)[0]
    reps = vals[inverse.ravel()]
    return reps, float(np.sqrt((replications - 1) / replications) * np.std(reps, ddof=1))


def _bootstrap_se(Y, N0, T0, omega, lam, opts, replications, rng):
    """Bootstrap SE over units (draws with only controls or only treated are redrawn)."""
    N = Y.shape[0]
    draws = []
    while len(draws) < replications:
        ind = np.sort(rng.integers(0, N, N))
        if np.all(ind < N0) or np.all(ind >= N0):
            continue
        draws.append(ind)
    draws = np.asarray(draws)
    n0s = (draws < N0).sum(axis=1)
    reps = np.empty(replications)
    for n0 in np.unique(n0s):
        sel = np.flatnonzero(n0s == n0)
        ind = draws[sel]
        reps[sel] = _sdid_fit(Y[ind], int(n0), T0, _sum_normalize(omega[ind[:, :n0]]), lam, opts)[0]
    return reps, float(np.sqrt((replications - 1) / replications) * np.std(reps, ddof=1))


def _jackknife_se(Y, N0, T0, omega, lam, opts):
    """Jackknife SE over units with the weights held fixed (synthdid's ``jackknife_se``)."""
    N = Y.shape[0]
    fixed = _SDIDOpts(**{**opts.__dict__, "update_omega": False, "update_lambda": False})
    reps = np.empty(N)
    for i in range(N):
        ind = np.delete(np.arange(N), i)
        n0 = int(np.sum(ind < N0))
        reps[i] = _sdid_fit(Y[ind][None], n0, T0, _sum_normalize(omega[ind[:n0]]), lam, fixed)[0][0]
    return reps, float(np.sqrt((N - 1) / N * np.sum((reps - reps.mean()) ** 2)))


def _sdid_names(df, unit, unit_names, used) -> dict:
    if unit_names is None:
        return {u: str(u) for u in used}
    return _unit_names(df.reset_index(drop=True), unit, unit_names, used)
