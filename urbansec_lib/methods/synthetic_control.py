"""Synthetic control and synthetic difference-in-differences for one treated unit.

When one city (or region) introduces a policy alone, a difference-in-differences against
a single hand-picked comparison is fragile. The synthetic control method (Abadie &
Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010) builds the comparison as a weighted
average of untreated units (the *donors*) that reproduces the treated unit's predictors
and pre-treatment outcome path; the effect is the post-treatment gap between the treated
unit and its synthetic twin. Synthetic difference-in-differences (Arkhangelsky, Athey,
Hirshberg, Imbens & Wager 2021) re-weights both units and pre-treatment periods and keeps
the difference-in-differences intercept.

- :func:`synthetic_control` -- predictor weights ``V`` (outer search) and unit weights
  ``W`` (inner quadratic programme on the simplex), as the R package ``Synth``;
  :meth:`SyntheticControlResult.placebos` (placebo-in-space permutation inference) and
  :meth:`SyntheticControlResult.leave_one_out` (robustness to each donor);
- :func:`synthetic_did` -- synthetic difference-in-differences, or the ``"sc"`` and
  ``"did"`` estimators of the same paper, with placebo, jackknife or bootstrap SEs as in
  the authors' ``synthdid`` package.

How ``W`` and ``V`` are found (deterministic; no random starting points)
-----------------------------------------------------------------------
Predictors are standardised as ``Synth`` does: each is divided by its standard deviation
(``ddof=1``) across the treated unit and the donors. Given predictor weights ``V``
(diagonal, non-negative, summing to one) the unit weights solve

    min_W (X1 - X0 W)' V (X1 - X0 W)   subject to  W >= 0, sum(W) = 1,

a convex quadratic programme solved *exactly* here by a primal active-set method started
from a Lawson-Hanson non-negative least squares fit (Synth uses the interior-point solver
``ipop``, whose answers carry ~1e-6 noise). ``V`` minimises the mean squared pre-treatment
outcome gap over ``optimise_periods`` (``loss_v``), a non-convex problem. As ``Synth`` does,
the search parametrises ``V = |v| / sum|v|`` and runs Nelder-Mead (Nash 1990, algorithm 19:
the variant R's ``optim`` uses; 500 function evaluations, relative tolerance 1.49e-8) and
BFGS (Nash 1990, algorithm 21; central-difference gradients with step 1e-3, 100
iterations) from two starting points: equal weights, and the normalised squared
coefficients of a regression of the pre-period outcomes on the scaled predictors (skipped
when that regression is singular, as in Synth). The best of the (up to) four runs is kept;
:attr:`SyntheticControlResult.search` lists them all. Pass ``custom_v=`` to fix ``V`` and
skip the search.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> years = np.arange(2000, 2016)
>>> base = {u: rng.normal(50, 5) + rng.normal(0, 1, len(years)).cumsum() for u in "ABCDEF"}
>>> base["T"] = 0.6 * base["A"] + 0.4 * base["B"] + np.where(years >= 2010, -5.0, 0.0)
>>> df = pd.DataFrame([(u, y, v) for u, s in base.items() for y, v in zip(years, s)],
...                   columns=["city", "year", "crime"])
>>> res = synthetic_control(df, "crime", "city", "year", treated="T", treatment_time=2010,
...                         predictors=[("crime", range(2000, 2010), "mean"),
...                                     ("crime", [2005], "mean"), ("crime", [2009], "mean")])
>>> round(res.estimate, 1)
-5.0
>>> res.weights.round(2)[["A", "B"]].tolist()
[0.6, 0.4]
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from ..core.errors import Problem, ValidationError

__all__ = [
    "synthetic_control",
    "SyntheticControlResult",
    "PlaceboResult",
    "LeaveOneOutResult",
    "synthetic_did",
    "SyntheticDiDResult",
    "simplex_least_squares",
    "plot_synthetic",
    "plot_placebo_gaps",
    "plot_leave_one_out",
    "plot_synthetic_did",
]

_FRAME = "<dataframe>"
_ARGS = "<arguments>"
_OPS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": np.nanmean,
    "median": np.nanmedian,
    "sum": np.nansum,
    "min": np.nanmin,
    "max": np.nanmax,
}
_EPS = np.finfo(float).eps
_RELTOL = math.sqrt(_EPS)  # R optim's default reltol
_TERM_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "pvalue"]


# --------------------------------------------------------------------------------------
# Inner problem: least squares on the unit simplex
# --------------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _sum_zero_basis(n: int) -> np.ndarray:
    """Orthonormal basis (n, n - 1) of {p: sum(p) = 0}."""
    return linalg.null_space(np.ones((1, n)))


def _eqp(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin ||A z - b|| subject to sum(z) = 1 (minimum-norm solution if not unique)."""
    n = A.shape[1]
    if n == 1:
        return np.ones(1)
    z0 = np.full(n, 1.0 / n)
    basis = _sum_zero_basis(n)
    y = np.linalg.lstsq(A @ basis, b - A @ z0, rcond=None)[0]
    return z0 + basis @ y


def simplex_least_squares(
    A: np.ndarray,
    b: np.ndarray,
    tol: float = 1e-12,
    max_iter: int | None = None,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Exact solution of ``min ||A w - b||^2`` over the unit simplex (w >= 0, sum w = 1).

    A primal active-set method (Nocedal & Wright 2006, algorithm 16.3) started from a
    Lawson-Hanson non-negative least squares fit in which the equality is imposed by a
    heavily weighted extra row (Lawson & Hanson 1974, ch. 22). The final answer satisfies
    the Karush-Kuhn-Tucker conditions to ``tol`` (relative).

    Parameters
    ----------
    A : array of shape (k, J)
        Columns are the candidates (e.g. scaled donor predictors times ``sqrt(V)``).
    b : array of shape (k,)
        Target (the treated unit's scaled predictors times ``sqrt(V)``).
    tol : float
        Relative tolerance of the optimality checks.
    max_iter : int, optional
        Active-set iterations (default ``10 * J + 10``).
    start : array of shape (J,), optional
        A feasible warm start (e.g. the solution for nearby ``A``, as in the V search);
        replaces the NNLS start. The optimum reached is the same.

    Returns
    -------
    numpy.ndarray
        Weights of shape (J,), non-negative, summing to one.

    Example
    -------
    >>> A = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 1.0]])
    >>> simplex_least_squares(A, np.array([0.5, 0.0])).round(6).tolist()
    [0.5, 0.5, 0.0]
    """
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    J = A.shape[1]
    if J == 1:
        return np.ones(1)
    scale = max(float(np.abs(A).max()), float(np.abs(b).max()), 1.0)
    big = 1e4 * scale
    if start is not None and start.shape == (J,) and start.min() >= 0 and start.sum() > 0:
        w = np.asarray(start, dtype=float) / start.sum()
    else:
        w = optimize.nnls(np.vstack([A, np.full((1, J), big)]), np.append(b, big), maxiter=50 * J)[
            0
        ]
        w = w / w.sum() if w.sum() > 0 else np.full(J, 1.0 / J)
    free = w > 0
    gscale = scale * (float(np.linalg.norm(A)) + float(np.linalg.norm(b))) + 1.0
    for _ in range(max_iter or 10 * J + 10):
        F = np.flatnonzero(free)
        z = _eqp(A[:, F], b)
        p = z - w[F]
        neg = p < -tol
        if neg.any():
            ratios = w[F][neg] / -p[neg]
            i = int(np.argmin(ratios))
            if ratios[i] < 1.0:  # a bound blocks the step: move to it, fix that weight at 0
                w[F] = w[F] + ratios[i] * p
                block = int(F[neg][i])
                w[block] = 0.0
                free[block] = False
                continue
        w[F] = z  # optimal on the free set; check the multipliers of the fixed zeros
        g = A.T @ (A @ w - b)
        mu = g - g[F].mean()
        mu[F] = np.inf
        j = int(np.argmin(mu))
        if mu[j] >= -tol * gscale:
            break
        free[j] = True
    w = np.clip(w, 0.0, None)
    return w / w.sum()


# --------------------------------------------------------------------------------------
# Outer search: Nelder-Mead and BFGS as described by Nash (1990), R optim's defaults
# --------------------------------------------------------------------------------------
def _nelder_mead(
    fn: Callable[[np.ndarray], float],
    x0: np.ndarray,
    maxit: int = 500,
    reltol: float = _RELTOL,
    alpha: float = 1.0,
    beta: float = 0.5,
    gamma: float = 2.0,
) -> tuple[np.ndarray, float, int, bool]:
    """Nelder-Mead simplex search (Nash 1990, algorithm 19); returns x, f, evals, converged."""
    n = len(x0)
    big = 1.0e35

    def f(x):
        v = fn(x)
        return v if np.isfinite(v) else big

    f0 = f(x0)
    evals = 1
    convtol = reltol * (abs(f0) + reltol)
    step = max(0.1 * float(np.max(np.abs(x0))), 0.0) or 0.1
    P = np.tile(np.asarray(x0, dtype=float), (n + 1, 1))  # vertices in rows
    vals = np.empty(n + 1)
    vals[0] = f0
    size = 0.0
    for j in range(1, n + 1):
        trystep = step
        while P[j, j - 1] == x0[j - 1]:
            P[j, j - 1] = x0[j - 1] + trystep
            trystep *= 10
        size += trystep
    oldsize = size
    low = 0
    recompute = True
    converged = False
    while True:
        if recompute:
            for j in range(n + 1):
                if j != low:
                    vals[j] = f(P[j])
                    evals += 1
            recompute = False
        # lowest and highest vertex (first occurrence, scanning from the current lowest)
        vl = vh = vals[low]
        hi = low
        for j in range(n + 1):
            if j == low:
                continue
            if vals[j] < vl:
                low, vl = j, vals[j]
            if vals[j] > vh:
                hi, vh = j, vals[j]
        if vh <= vl + convtol:
            converged = True
            break
        centroid = (P.sum(axis=0) - P[hi]) / n
        xr = (1 + alpha) * centroid - alpha * P[hi]
        vr = f(xr)
        evals += 1
        if vr < vl:
            xe = gamma * xr + (1 - gamma) * centroid
            ve = f(xe)
            evals += 1
            if ve < vr:
                P[hi], vals[hi] = xe, ve
            else:
                P[hi], vals[hi] = xr, vr
        else:
            if vr < vh:
                P[hi], vals[hi] = xr, vr
            xc = (1 - beta) * P[hi] + beta * centroid
            vc = f(xc)
            evals += 1
            if vc < vals[hi]:
                P[hi], vals[hi] = xc, vc
            elif vr >= vh:  # shrink towards the lowest vertex
                P = beta * (P - P[low]) + P[low]
                size = float(np.abs(P - P[low]).sum())
                recompute = True
                if size < oldsize:
                    oldsize = size
                else:
                    break
        if evals > maxit:
            break
    return P[low].copy(), float(vals[low]), evals, converged


def _bfgs(
    fn: Callable[[np.ndarray], float],
    x0: np.ndarray,
    maxit: int = 100,
    reltol: float = _RELTOL,
    ndeps: float = 1e-3,
) -> tuple[np.ndarray, float, int, bool]:
    """Variable-metric (BFGS) search (Nash 1990, algorithm 21) with central differences."""
    n = len(x0)
    acctol, stepredn, reltest = 1e-4, 0.2, 10.0
    evals = 0

    def f(x):
        nonlocal evals
        evals += 1
        v = fn(x)
        return v if np.isfinite(v) else np.inf

    def grad(x):
        g = np.empty(n)
        for i in range(n):
            xp = x.copy()
            xp[i] += ndeps
            xm = x.copy()
            xm[i] -= ndeps
            g[i] = (f(xp) - f(xm)) / (2 * ndeps)
        return g

    b = np.asarray(x0, dtype=float).copy()
    fmin = f(b)
    g = grad(b)
    iters = 1
    gradcount = ilast = 1
    B = np.eye(n)
    converged = True
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = -B @ g
        gradproj = float(t @ g)
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            fval = fmin
            while True:
                b = X + steplength * t
                count = int(np.sum(reltest + X == reltest + b))
                if count < n:
                    fval = f(b)
                    accpoint = np.isfinite(fval) and fval <= fmin + gradproj * steplength * acctol
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = abs(fval - fmin) > reltol * (abs(fmin) + reltol)
            if not enough:
                count = n
                fmin = min(fmin, fval)
            if count < n:
                fmin = fval
                g = grad(b)
                gradcount += 1
                iters += 1
                t = steplength * t
                c = g - c
                D1 = float(t @ c)
                if D1 > 0:
                    Bc = B @ c
                    D2 = 1.0 + float(c @ Bc) / D1
                    B = B + (D2 * np.outer(t, t) - np.outer(Bc, t) - np.outer(t, Bc)) / D1
                else:
                    ilast = gradcount
            else:
                if count == n and not accpoint and fval > fmin:
                    b = X  # no acceptable point: stay
                if ilast < gradcount:
                    count = 0
                    ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if iters >= maxit:
            converged = False
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    return b, float(fmin), evals, converged


# --------------------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------------------
@dataclass
class _SCData:
    """Matrices of one synthetic-control problem (treated unit first in every matrix)."""

    units: list  # treated first, then donors
    times: np.ndarray
    treatment_time: Any
    X: np.ndarray  # (k, J+1) predictors, unscaled
    predictor_names: list[str]
    Y: np.ndarray  # (T, J+1) outcome
    opt_rows: np.ndarray  # indices into times used in loss_v
    pre_rows: np.ndarray
    post_rows: np.ndarray
    names: dict


def _rows(df: pd.DataFrame, mask: pd.Series) -> list[int]:
    pos = np.flatnonzero(np.asarray(mask))
    return [int(p) + 2 for p in pos]


def _as_periods(periods: Any) -> list:
    if periods is None:
        return []
    if isinstance(periods, (str, bytes)) or not isinstance(periods, Iterable):
        return [periods]
    return list(periods)


def _predictor_name(column: str, periods: list, op: str, n_pre: int) -> str:
    if not periods:
        label = f"{column} (pre-period)"
    elif len(periods) == 1:
        label = f"{column} ({periods[0]})"
    else:
        label = f"{column} ({periods[0]}-{periods[-1]})"
    return label if op == "mean" else f"{label}, {op}"


def _prepare(
    df: Any,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    treatment_time: Any,
    predictors: Sequence | None,
    optimise_periods: Iterable | None,
    donors: Iterable | None,
    predictor_table: pd.DataFrame | None,
    unit_names: str | Mapping | None,
) -> _SCData:
    problems: list[Problem] = []

    def fail(column, value, expected, row=None, file=_ARGS):
        problems.append(Problem(file, row, column, value, expected))

    if not isinstance(df, pd.DataFrame):
        raise ValidationError(
            [Problem(_FRAME, None, None, type(df).__name__, "a pandas DataFrame")],
            what="synthetic control input",
        )
    for role, col in (("outcome", outcome), ("unit", unit), ("time", time)):
        if not isinstance(col, str) or col not in df.columns:
            fail(str(col), None, f"column present in the data frame (argument `{role}`)")
    if problems:
        raise ValidationError(problems, what="synthetic control input")
    for role, col in (("outcome", outcome), ("time", time)):
        if not pd.api.types.is_numeric_dtype(df[col]):
            fail(col, list(pd.unique(df[col].dropna()))[:5], f"numeric values (`{role}`)")
    if problems:
        raise ValidationError(problems, what="synthetic control input")
    data = df.reset_index(drop=True)
    dup = data.duplicated([unit, time], keep=False)
    for r in _rows(data, dup)[:20]:
        fail(f"{unit}, {time}", None, "one row per unit and time", row=r, file=_FRAME)
    all_units = list(pd.unique(data[unit]))
    if treated not in all_units:
        fail("treated", treated, f"a value of column `{unit}`")
    if donors is None:
        donor_list = [u for u in all_units if u != treated]
    else:
        donor_list = list(donors)
        for d in donor_list:
            if d not in all_units:
                fail("donors", d, f"a value of column `{unit}`")
        if treated in donor_list:
            fail("donors", treated, "donors other than the treated unit")
        if len(set(donor_list)) != len(donor_list):
            fail("donors", donor_list, "no repeated donor")
    if len(donor_list) < 2:
        fail("donors", donor_list, "at least two donor units")
    times = np.sort(pd.unique(data[time].dropna()))
    if treatment_time is None or not np.isscalar(treatment_time):
        fail("treatment_time", treatment_time, "a single time value")
    elif not (np.any(times < treatment_time) and np.any(times >= treatment_time)):
        fail(
            "treatment_time",
            treatment_time,
            "a time with at least one period before it and one from it on",
        )
    if problems:
        raise ValidationError(problems, what="synthetic control input")
    used = [treated, *donor_list]
    sub = data[data[unit].isin(used)]
    wide = sub.pivot_table(index=time, columns=unit, values=outcome, aggfunc="first")
    wide = wide.reindex(index=times, columns=used)
    missing = sub[outcome].isna()
    for r in _rows(sub, missing)[:20]:
        fail(outcome, None, "an outcome value for every unit and time used", row=r, file=_FRAME)
    holes = wide.isna()
    if holes.to_numpy().any() and not missing.any():
        for u in wide.columns[holes.any(axis=0)][:20]:
            absent = wide.index[holes[u]].tolist()
            fail(unit, u, f"a row for every time (missing: {absent[:10]})", file=_FRAME)
    pre = times < treatment_time
    pre_times = times[pre]
    if optimise_periods is None:
        opt = pre_times
    else:
        opt = np.asarray(_as_periods(optimise_periods))
        bad = [t for t in opt if t not in set(pre_times.tolist())]
        if bad:
            fail("optimise_periods", bad[:10], "pre-treatment times present in the data")
    if predictors is None:
        predictors = [(outcome, [t], "mean") for t in pre_times]
    X_rows, names = [], []
    for i, spec in enumerate(predictors):
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            fail(f"predictors[{i}]", spec, "a tuple (column, periods, 'mean')")
            continue
        column, periods = spec[0], _as_periods(spec[1])
        op = spec[2] if len(spec) == 3 else "mean"
        if not isinstance(column, str) or column not in data.columns:
            fail(f"predictors[{i}]", column, "a column of the data frame")
            continue
        if not pd.api.types.is_numeric_dtype(data[column]):
            fail(column, list(pd.unique(data[column].dropna()))[:5], "numeric predictor values")
            continue
        if op not in _OPS:
            fail(f"predictors[{i}]", op, f"one of {sorted(_OPS)}")
            continue
        bad = [p for p in periods if p not in set(times.tolist())]
        if bad:
            fail(f"predictors[{i}]", bad[:10], "times present in the data")
            continue
        per = periods or pre_times.tolist()
        block = sub[sub[time].isin(per)].pivot_table(
            index=time, columns=unit, values=column, aggfunc="first", dropna=False
        )
        block = block.reindex(index=per, columns=used)
        vals = block.to_numpy(dtype=float)
        empty = np.all(np.isnan(vals), axis=0)
        for u in np.asarray(used, dtype=object)[empty]:
            fail(column, u, f"at least one value in {per[0]}-{per[-1]} for this unit", file=_FRAME)
        if empty.any():
            continue
        X_rows.append([_OPS[op](vals[:, j]) for j in range(vals.shape[1])])
        names.append(_predictor_name(column, periods, op, len(pre_times)))
    if predictor_table is not None:
        if not isinstance(predictor_table, pd.DataFrame):
            fail("predictor_table", type(predictor_table).__name__, "a DataFrame indexed by unit")
        else:
            absent = [u for u in used if u not in predictor_table.index]
            if absent:
                fail("predictor_table", absent[:10], "a row for the treated unit and each donor")
            else:
                tab = predictor_table.loc[used]
                for c in tab.columns:
                    v = pd.to_numeric(tab[c], errors="coerce").to_numpy(dtype=float)
                    if np.isnan(v).any():
                        fail(f"predictor_table.{c}", None, "a number for every unit")
                        continue
                    X_rows.append(v.tolist())
                    names.append(str(c))
    if not X_rows and not problems:
        fail("predictors", predictors, "at least one predictor")
    if len(set(names)) != len(names):
        fail("predictors", names, "distinct predictors")
    if problems:
        raise ValidationError(problems, what="synthetic control input")
    X = np.asarray(X_rows, dtype=float)
    flat = np.nanstd(X[:, 1:], axis=1) == 0
    for nm in np.asarray(names, dtype=object)[flat]:
        fail("predictors", nm, "a predictor that varies across the donors")
    if problems:
        raise ValidationError(problems, what="synthetic control input")
    name_map = _unit_names(data, unit, unit_names, used)
    return _SCData(
        units=used,
        times=times,
        treatment_time=treatment_time,
        X=X,
        predictor_names=names,
        Y=wide.to_numpy(dtype=float),
        opt_rows=np.flatnonzero(np.isin(times, opt)),
        pre_rows=np.flatnonzero(pre),
        post_rows=np.flatnonzero(~pre),
        names=name_map,
    )


def _unit_names(data: pd.DataFrame, unit: str, unit_names: Any, used: list) -> dict:
    if unit_names is None:
        return {u: str(u) for u in used}
    if isinstance(unit_names, str) and unit_names in data.columns:
        m = data.drop_duplicates(unit).set_index(unit)[unit_names]
        return {u: str(m.get(u, u)) for u in used}
    if isinstance(unit_names, Mapping):
        return {u: str(unit_names.get(u, u)) for u in used}
    raise ValidationError(
        [Problem(_ARGS, None, "unit_names", unit_names, "a column name or a mapping")],
        what="synthetic control input",
    )


# --------------------------------------------------------------------------------------
# Core fit
# --------------------------------------------------------------------------------------
@dataclass
class _Fit:
    v: np.ndarray
    w: np.ndarray
    loss_v: float
    loss_w: float
    search: pd.DataFrame


def _scale(X: np.ndarray) -> np.ndarray:
    sd = np.std(X, axis=1, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)
    return X / sd[:, None]


def _solve(
    X: np.ndarray,
    Z: np.ndarray,
    custom_v: np.ndarray | None,
    methods: Sequence[str] = ("Nelder-Mead", "BFGS"),
    custom_w: np.ndarray | None = None,
) -> _Fit:
    """V search and W for the matrices of one problem (column 0 is the treated unit)."""
    Xs = _scale(X)
    X1, X0 = Xs[:, 0], Xs[:, 1:]
    Z1, Z0 = Z[:, 0], Z[:, 1:]
    k = X.shape[0]

    last: list[np.ndarray] = []

    def w_of(v: np.ndarray) -> np.ndarray:
        # warm start from the previous solution: the optimum is unique in X0 W and the
        # active-set method reaches it from any feasible start
        sv = np.sqrt(v)
        w = simplex_least_squares(sv[:, None] * X0, sv * X1, start=last[0] if last else None)
        last[:] = [w]
        return w

    def loss_v_of(w: np.ndarray) -> float:
        r = Z1 - Z0 @ w
        return float(r @ r) / len(Z1)

    def objective(par: np.ndarray) -> float:
        a = np.abs(par)
        s = a.sum()
        if not np.isfinite(s) or s == 0:
            return np.inf
        return loss_v_of(w_of(a / s))

    rows = []
    if custom_w is not None:
        v = np.full(k, np.nan) if custom_v is None else np.abs(custom_v) / np.abs(custom_v).sum()
        w = np.asarray(custom_w, dtype=float)
        r = X1 - X0 @ w
        search = pd.DataFrame([{"start": "fixed W", "method": "none", "loss_v": np.nan}])
        return _Fit(v=v, w=w, loss_v=loss_v_of(w), loss_w=float(r @ (v * r)), search=search)
    if custom_v is not None or k == 1:
        v = np.ones(1) if k == 1 else np.abs(custom_v) / np.abs(custom_v).sum()
        rows.append({"start": "fixed V", "method": "none", "loss_v": np.nan, "evaluations": 0})
    else:
        starts = {"equal weights": np.full(k, 1.0 / k)}
        Xall = np.column_stack([np.ones(X0.shape[1] + 1), np.column_stack([X1, X0]).T])
        Zall = np.column_stack([Z1, Z0])
        xtx = Xall.T @ Xall
        if 1.0 / np.linalg.cond(xtx, 1) > _EPS:
            beta = np.linalg.solve(xtx, Xall.T @ Zall.T)[1:]
            sv2 = np.diag(beta @ beta.T)
            if sv2.sum() > 0:
                starts["regression"] = sv2 / sv2.sum()
        best = None
        for sname, x0 in starts.items():
            for m in methods:
                if m == "Nelder-Mead":
                    par, val, ev, conv = _nelder_mead(objective, x0)
                elif m == "BFGS":
                    par, val, ev, conv = _bfgs(objective, x0)
                else:
                    raise ValidationError(
                        [Problem(_ARGS, None, "methods", m, "'Nelder-Mead' or 'BFGS'")],
                        what="synthetic control input",
                    )
                val = objective(par)
                rows.append(
                    {
                        "start": sname,
                        "method": m,
                        "loss_v": val,
                        "evaluations": ev,
                        "converged": conv,
                    }
                )
                if best is None or val < best[1]:
                    best = (par, val)
        a = np.abs(best[0])
        v = a / a.sum()
    w = w_of(v)
    r = X1 - X0 @ w
    loss_w = float(r @ (v * r))
    return _Fit(v=v, w=w, loss_v=loss_v_of(w), loss_w=loss_w, search=pd.DataFrame(rows))


def _rmspe(gaps: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gaps**2))) if len(gaps) else float("nan")


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------
@dataclass
class SyntheticControlResult:
    """Synthetic control for one treated unit (statsmodels-style result).

    Attributes
    ----------
    design, estimand : str
        Plain-language design and what ``estimate`` measures.
    estimate : float
        Mean post-treatment gap (treated minus synthetic), in outcome units.
    se, ci : float, tuple
        Not defined for a synthetic control (NaN): inference is by placebos.
    pvalue : float
        Permutation p-value of the latest :meth:`placebos` run (NaN before).
    n : int
        Units used (treated + donors) times periods.
    msms_level : int
        Maryland Scientific Methods Scale level (3: before-after with a constructed
        comparable control).
    weights : pandas.Series
        Unit weights ``W`` over the donors (index: unit ids), summing to one.
    predictor_weights : pandas.Series
        Predictor weights ``V`` (index: predictor names), summing to one.
    gaps, treated_series, synthetic_series : pandas.Series
        Over time: treated minus synthetic, treated outcome, synthetic outcome.
    pre_rmspe, post_rmspe : float
        Root mean squared gap before / from ``treatment_time``.
    loss_v : float
        Mean squared gap over ``optimise_periods`` (Synth's ``loss.v``).
    loss_w : float
        ``(X1 - X0 W)' V (X1 - X0 W)`` on the standardised predictors (``loss.w``).
    balance : pandas.DataFrame
        Per predictor: treated, synthetic, donor mean (unscaled; Synth's ``tab.pred``).
    search : pandas.DataFrame
        The runs of the V search (start, method, loss_v, evaluations, converged).
    assumptions : pandas.DataFrame
        Checks: pre-period fit, donors, predictors outside the donors' range.
    """

    design: str
    estimand: str
    estimate: float
    n: int
    weights: pd.Series
    predictor_weights: pd.Series
    gaps: pd.Series
    treated_series: pd.Series
    synthetic_series: pd.Series
    pre_rmspe: float
    post_rmspe: float
    loss_v: float
    loss_w: float
    balance: pd.DataFrame
    search: pd.DataFrame
    assumptions: pd.DataFrame
    treated: Any
    treatment_time: Any
    outcome_label: str
    unit_names: dict
    se: float = float("nan")
    ci: tuple[float, float] = (float("nan"), float("nan"))
    msms_level: int = 3
    alpha: float = 0.05
    _data: _SCData | None = field(default=None, repr=False)
    _options: dict = field(default_factory=dict, repr=False)
    _placebo: PlaceboResult | None = field(default=None, repr=False)

    @property
    def pvalue(self) -> float:
        """Permutation p-value of the latest :meth:`placebos` run (NaN before any)."""
        return self._placebo.pvalue if self._placebo is not None else float("nan")

    @property
    def ratio(self) -> float:
        """Post/pre RMSPE ratio of the treated unit (the placebo test statistic)."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else float("inf")

    def table(self) -> pd.DataFrame:
        """Tidy table: the mean post gap and the gap in each post period.

        Columns ``term, estimate, se, ci_low, ci_high, pvalue`` like every impact result;
        SEs and intervals are NaN (use :meth:`placebos`); the p-value of the mean gap row
        is the permutation p-value once placebos were run.
        """
        post = self.gaps[self.gaps.index >= self.treatment_time]
        terms = ["mean post-treatment gap"] + [f"gap {t}" for t in post.index]
        est = [self.estimate, *post.to_numpy()]
        pv = [self.pvalue] + [float("nan")] * len(post)
        nan = [float("nan")] * len(terms)
        return pd.DataFrame(
            {"term": terms, "estimate": est, "se": nan, "ci_low": nan, "ci_high": nan, "pvalue": pv}
        )

    def series(self) -> pd.DataFrame:
        """time, treated, synthetic, gap and period (``pre``/``post``)."""
        out = pd.DataFrame(
            {
                "time": self.gaps.index,
                "treated": self.treated_series.to_numpy(),
                "synthetic": self.synthetic_series.to_numpy(),
                "gap": self.gaps.to_numpy(),
            }
        )
        out["period"] = np.where(out["time"] >= self.treatment_time, "post", "pre")
        return out

    def weights_table(self, min_weight: float = 0.0) -> pd.DataFrame:
        """Donor weights with unit names (donors in data order, never sorted by weight)."""
        w = self.weights
        out = pd.DataFrame(
            {
                "unit": w.index,
                "name": [self.unit_names.get(u, str(u)) for u in w.index],
                "weight": w.to_numpy(),
            }
        )
        return out[out["weight"] > min_weight].reset_index(drop=True)

    def summary(self) -> str:
        """Plain-text summary: fit, estimate, weights, predictor balance and checks."""
        name = self.unit_names.get(self.treated, str(self.treated))
        lines = [
            f"Design      : {self.design}",
            f"Estimand    : {self.estimand}",
            f"Treated     : {name} from {self.treatment_time}; {len(self.weights)} donors",
            f"n           : {self.n:,} unit-periods",
            f"Estimate    : {self.estimate:.4g} (mean post-treatment gap)",
            f"Fit         : pre-treatment RMSPE {self.pre_rmspe:.4g}, post {self.post_rmspe:.4g}"
            f" (ratio {self.ratio:.3g}); loss V {self.loss_v:.4g}, loss W {self.loss_w:.4g}",
        ]
        if self._placebo is not None:
            p = self._placebo
            lines.append(
                f"Placebos    : permutation p = {p.pvalue:.3g} ({p.rank} of {p.n_compared} "
                "units have a post/pre RMSPE ratio at least the treated unit's)"
            )
        else:
            lines.append("Placebos    : not run (call .placebos() for the permutation p-value)")
        lines.append("Checks:")
        for row in self.assumptions.itertuples(index=False):
            flag = {True: "ok ", False: "!! "}.get(row.passed, "-- ")
            note = f" ({row.note})" if row.note else ""
            lines.append(f"  [{flag}] {row.check}: {row.result}{note}")
        lines.append("")
        lines.append("Donor weights (W > 0.001):")
        wt = self.weights_table(min_weight=0.001)
        lines.append(wt.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        lines.append("")
        lines.append("Predictor balance (V = predictor weight):")
        lines.append(self.balance.to_string(float_format=lambda v: f"{v:.4g}"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Treated vs synthetic outcome over time with the treatment marked (Figure)."""
        name = self.unit_names.get(self.treated, str(self.treated))
        return plot_synthetic(
            self.series(),
            self.treatment_time,
            treated_label=name,
            ylabel=ylabel or self.outcome_label,
            title=title or f"{name} and its synthetic control",
        )

    def plot_gaps(self, title: str | None = None, ylabel: str | None = None):
        """Gap (treated minus synthetic) over time (Figure)."""
        name = self.unit_names.get(self.treated, str(self.treated))
        fig, ax = _figure()
        s = self.series()
        ax.plot(s["time"], s["gap"], color="black", lw=1.6)
        ax.axhline(0, color="grey", lw=0.8)
        _mark_treatment(ax, self.treatment_time)
        _time_axis(ax)
        ax.set_ylabel(
            textwrap.fill(ylabel or f"treated minus synthetic ({self.outcome_label})", 42)
        )
        ax.set_title(title or f"{name}: gap to its synthetic control")
        return fig

    # ---------------------------------------------------------------- refits
    def _refit(self, X: np.ndarray, Y: np.ndarray, custom_v) -> _Fit:
        d = self._data
        return _solve(X, Y[d.opt_rows], custom_v, self._options["methods"])

    def placebos(
        self,
        exclude_rmspe_above: float | None = None,
        search_v: bool = True,
    ) -> PlaceboResult:
        """Placebo-in-space inference (Abadie, Diamond & Hainmueller 2010, section 4).

        Each donor in turn is treated as if it had received the intervention at
        ``treatment_time``; its synthetic control is fitted from the *other donors* (the
        treated unit is left out of every placebo donor pool, since its post-period is
        affected by the intervention). The test statistic is each unit's ratio of
        post- to pre-treatment RMSPE; the permutation p-value is the share of units
        (treated included) whose ratio is at least the treated unit's (Abadie, Diamond &
        Hainmueller 2015), so the smallest attainable p-value is ``1 / (J + 1)``.

        Parameters
        ----------
        exclude_rmspe_above : float, optional
            Leave out of the p-value the placebos whose pre-treatment RMSPE exceeds this
            many times the treated unit's (a factor ``k`` on the RMSPE is ``k**2`` on the
            MSPE used by ADH 2010, who show 20, 5 and 2 times the MSPE). Default: keep all.
        search_v : bool
            Re-run the V search for every placebo (default, as the original analyses);
            ``False`` keeps the treated unit's V (faster).

        Returns
        -------
        PlaceboResult
            Also sets this result's :attr:`pvalue`.
        """
        d = self._data
        X, Y = d.X, d.Y
        v_fixed = None if search_v else self.predictor_weights.to_numpy()
        gaps = {d.units[0]: self.gaps.to_numpy()}
        rows = [self._placebo_row(d.units[0], self.gaps.to_numpy(), True)]
        for j in range(1, len(d.units)):
            others = [i for i in range(1, len(d.units)) if i != j]
            cols = [j, *others]
            fit = self._refit(X[:, cols], Y[:, cols], v_fixed)
            gap = Y[:, j] - Y[:, others] @ fit.w
            gaps[d.units[j]] = gap
            rows.append(self._placebo_row(d.units[j], gap, False))
        table = pd.DataFrame(rows)
        limit = None
        if exclude_rmspe_above is not None:
            limit = float(exclude_rmspe_above) * self.pre_rmspe
            table["included"] = table["treated"] | (table["pre_rmspe"] <= limit)
        else:
            table["included"] = True
        inc = table[table["included"]]
        stat = float(table.loc[table["treated"], "ratio"].iloc[0])
        rank = int((inc["ratio"] >= stat - 1e-12 * abs(stat)).sum())
        res = PlaceboResult(
            treated=self.treated,
            treatment_time=self.treatment_time,
            gaps=pd.DataFrame(gaps, index=self.gaps.index),
            placebo_table=table,
            pvalue=rank / len(inc),
            rank=rank,
            n_compared=len(inc),
            exclude_rmspe_above=exclude_rmspe_above,
            pre_rmspe_limit=limit,
            outcome_label=self.outcome_label,
            unit_names=self.unit_names,
            search_v=search_v,
        )
        self._placebo = res
        return res

    def _placebo_row(self, u, gap: np.ndarray, treated: bool) -> dict:
        d = self._data
        pre, post = _rmspe(gap[d.pre_rows]), _rmspe(gap[d.post_rows])
        return {
            "unit": u,
            "name": self.unit_names.get(u, str(u)),
            "treated": treated,
            "pre_rmspe": pre,
            "post_rmspe": post,
            "ratio": post / pre if pre > 0 else float("inf"),
            "mean_post_gap": float(np.mean(gap[d.post_rows])),
        }

    def leave_one_out(self, min_weight: float = 1e-6, search_v: bool = True) -> LeaveOneOutResult:
        """Refit without each donor that has a positive weight (robustness check).

        Parameters
        ----------
        min_weight : float
            Donors with ``W > min_weight`` are dropped one at a time.
        search_v : bool
            Re-run the V search for each refit (default) or keep this result's V.
        """
        d = self._data
        v_fixed = None if search_v else self.predictor_weights.to_numpy()
        w = self.weights
        rows, synth = [], {}
        for j in range(1, len(d.units)):
            u = d.units[j]
            if w[u] <= min_weight:
                continue
            cols = [0] + [i for i in range(1, len(d.units)) if i != j]
            fit = self._refit(d.X[:, cols], d.Y[:, cols], v_fixed)
            s = d.Y[:, cols[1:]] @ fit.w
            gap = d.Y[:, 0] - s
            synth[u] = s
            kept = [d.units[i] for i in cols[1:]]
            top = ", ".join(
                f"{self.unit_names.get(kept[i], kept[i])} {fit.w[i]:.2f}"
                for i in np.flatnonzero(fit.w > 0.01)
            )
            rows.append(
                {
                    "dropped": u,
                    "name": self.unit_names.get(u, str(u)),
                    "dropped_weight": float(w[u]),
                    "estimate": float(np.mean(gap[d.post_rows])),
                    "pre_rmspe": _rmspe(gap[d.pre_rows]),
                    "post_rmspe": _rmspe(gap[d.post_rows]),
                    "weights": top,
                }
            )
        return LeaveOneOutResult(
            treated=self.treated,
            treatment_time=self.treatment_time,
            loo_table=pd.DataFrame(rows),
            synthetic=pd.DataFrame(synth, index=self.gaps.index),
            base=self.series(),
            estimate=self.estimate,
            outcome_label=self.outcome_label,
            unit_names=self.unit_names,
        )


@dataclass
class PlaceboResult:
    """Placebo-in-space permutation inference for a synthetic control.

    Attributes
    ----------
    pvalue : float
        Share of compared units (treated included) with a post/pre RMSPE ratio at least
        the treated unit's.
    rank, n_compared : int
        Numerator and denominator of ``pvalue``.
    gaps : pandas.DataFrame
        Gap series over time, one column per unit (treated first).
    placebo_table : pandas.DataFrame
        unit, name, treated, pre_rmspe, post_rmspe, ratio, mean_post_gap, included.
    pre_rmspe_limit : float or None
        Pre-RMSPE above which placebos were excluded.
    """

    treated: Any
    treatment_time: Any
    gaps: pd.DataFrame
    placebo_table: pd.DataFrame
    pvalue: float
    rank: int
    n_compared: int
    exclude_rmspe_above: float | None
    pre_rmspe_limit: float | None
    outcome_label: str
    unit_names: dict
    search_v: bool = True

    def table(self) -> pd.DataFrame:
        """One row per unit (treated first, donors in data order; not sorted by ratio)."""
        return self.placebo_table.copy()

    def summary(self) -> str:
        name = self.unit_names.get(self.treated, str(self.treated))
        excl = int((~self.placebo_table["included"]).sum())
        lines = [
            "Placebo-in-space test (Abadie, Diamond & Hainmueller 2010)",
            f"Treated unit: {name}; placebos: {len(self.placebo_table) - 1}"
            + (
                f" ({excl} excluded: pre-RMSPE above {self.exclude_rmspe_above:g} x the treated's)"
                if self.exclude_rmspe_above is not None
                else ""
            ),
            f"Permutation p-value (post/pre RMSPE ratio): {self.pvalue:.3g} = "
            f"{self.rank}/{self.n_compared}",
            "",
            self.placebo_table.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None, included_only=True):
        """Gap of every placebo (grey) and of the treated unit (black) over time."""
        cols = self.placebo_table
        if included_only:
            cols = cols[cols["included"]]
        name = self.unit_names.get(self.treated, str(self.treated))
        return plot_placebo_gaps(
            self.gaps[cols["unit"].tolist()],
            self.treated,
            self.treatment_time,
            treated_label=name,
            ylabel=ylabel or f"unit minus its synthetic ({self.outcome_label})",
            title=title
            or f"Placebo gaps: {name} against {len(cols) - 1} donors (p = {self.pvalue:.3f})",
        )


@dataclass
class LeaveOneOutResult:
    """Synthetic controls refitted without each donor of positive weight.

    Attributes
    ----------
    loo_table : pandas.DataFrame
        dropped, name, dropped_weight, estimate, pre_rmspe, post_rmspe, weights (the new
        weights above 0.01, as text).
    synthetic : pandas.DataFrame
        The leave-one-out synthetic series, one column per dropped donor.
    estimate : float
        The full-donor-pool estimate, for comparison.
    """

    treated: Any
    treatment_time: Any
    loo_table: pd.DataFrame
    synthetic: pd.DataFrame
    base: pd.DataFrame
    estimate: float
    outcome_label: str
    unit_names: dict

    def table(self) -> pd.DataFrame:
        """One row per dropped donor (in data order)."""
        return self.loo_table.copy()

    @property
    def range(self) -> tuple[float, float]:
        """Smallest and largest leave-one-out estimate."""
        e = self.loo_table["estimate"]
        return (float(e.min()), float(e.max())) if len(e) else (float("nan"),) * 2

    def summary(self) -> str:
        lo, hi = self.range
        return "\n".join(
            [
                "Leave-one-out synthetic controls",
                f"Full donor pool estimate: {self.estimate:.4g}; without one donor: "
                f"{lo:.4g} to {hi:.4g}",
                "",
                self.loo_table.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
            ]
        )

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Treated, synthetic, and each leave-one-out synthetic (grey) over time."""
        name = self.unit_names.get(self.treated, str(self.treated))
        return plot_leave_one_out(
            self.base,
            self.synthetic,
            self.treatment_time,
            treated_label=name,
            ylabel=ylabel or self.outcome_label,
            title=title or f"{name}: synthetic control without one donor at a time",
        )


def synthetic_control(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    treatment_time: Any,
    predictors: Sequence[tuple] | None = None,
    optimise_periods: Iterable | None = None,
    donors: Iterable | None = None,
    predictor_table: pd.DataFrame | None = None,
    custom_v: Sequence[float] | None = None,
    custom_w: Mapping | pd.Series | Sequence[float] | None = None,
    unit_names: str | Mapping | None = None,
    outcome_label: str | None = None,
    methods: Sequence[str] = ("Nelder-Mead", "BFGS"),
) -> SyntheticControlResult:
    """Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

    Parameters
    ----------
    df : DataFrame
        Long panel, one row per unit and time; the outcome must be present for the
        treated unit and every donor at every time.
    outcome, unit, time : str
        Column names (``time`` numeric, e.g. years).
    treated : scalar
        The treated unit's value in ``unit``.
    treatment_time : scalar
        First period under treatment: periods before it are pre-treatment.
    predictors : list of (column, periods, op)
        Each predictor is ``op`` (``"mean"``, ``"median"``, ``"sum"``, ``"min"``,
        ``"max"``) of ``column`` over ``periods`` (a list or range of times, a single time,
        or ``None`` for all pre-treatment periods), ignoring missing values as Synth does.
        Default: the outcome in each pre-treatment period.
    optimise_periods : iterable, optional
        Pre-treatment periods whose outcome fit ``loss_v`` is minimised over V (Synth's
        ``time.optimize.ssr``). Default: all pre-treatment periods.
    donors : iterable, optional
        Donor pool (default: every other unit).
    predictor_table : DataFrame, optional
        Extra, already aggregated predictors: one row per unit (index = unit ids), one
        column per predictor.
    custom_v : sequence of float, optional
        Fixed predictor weights (normalised to sum one), skipping the V search.
    custom_w : Series, mapping or sequence of float, optional
        Fixed unit weights (by donor id, or in donor order), e.g. to reproduce a
        published synthetic unit: no optimisation; ``loss_w`` needs ``custom_v`` too
        (NaN without). Placebos and leave-one-out still search their own weights.
    unit_names : str or mapping, optional
        Column holding readable unit names, or a mapping id -> name, for tables and plots.
    outcome_label : str, optional
        Outcome with its unit for axis labels (default: the column name).
    methods : sequence of str
        Optimisers of the V search (``"Nelder-Mead"``, ``"BFGS"``).

    Returns
    -------
    SyntheticControlResult

    Raises
    ------
    ValidationError
        With every problem found: missing columns, unknown units, an unbalanced panel,
        missing outcomes, predictors without variation, bad periods.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1990, 2001)
    >>> df = pd.DataFrame({"u": np.repeat(list("TABC"), len(t)), "t": np.tile(t, 4),
    ...                    "y": np.concatenate([t - 1990 + (t >= 1997) * 2.0, t - 1991,
    ...                                         t - 1989, (t - 1990) * 2.0])})
    >>> r = synthetic_control(df, "y", "u", "t", "T", 1997, custom_v=None)
    >>> r.weights.round(3).tolist(), round(r.estimate, 3)
    ([0.5, 0.5, 0.0], 2.0)
    """
    data = _prepare(
        df,
        outcome,
        unit,
        time,
        treated,
        treatment_time,
        predictors,
        optimise_periods,
        donors,
        predictor_table,
        unit_names,
    )
    k = data.X.shape[0]
    if custom_v is not None:
        cv = np.asarray(custom_v, dtype=float)
        if cv.shape != (k,) or np.any(~np.isfinite(cv)) or np.any(cv < 0) or cv.sum() <= 0:
            raise ValidationError(
                [
                    Problem(
                        _ARGS,
                        None,
                        "custom_v",
                        list(np.atleast_1d(custom_v)),
                        f"{k} non-negative numbers, not all zero (one per predictor)",
                    )
                ],
                what="synthetic control input",
            )
        custom_v = cv
    w_fixed = None
    if custom_w is not None:
        donors_ = data.units[1:]
        if isinstance(custom_w, (Mapping, pd.Series)):
            cw = pd.Series(dict(custom_w) if isinstance(custom_w, Mapping) else custom_w)
            w_fixed = cw.reindex(donors_).to_numpy(dtype=float)
        else:
            w_fixed = np.asarray(custom_w, dtype=float)
        if w_fixed.shape != (len(donors_),) or not np.all(np.isfinite(w_fixed)):
            raise ValidationError(
                [
                    Problem(
                        _ARGS,
                        None,
                        "custom_w",
                        None,
                        f"a weight for each of the {len(donors_)} donors",
                    )
                ],
                what="synthetic control input",
            )
    fit = _solve(data.X, data.Y[data.opt_rows], custom_v, methods, custom_w=w_fixed)
    return _result(data, fit, outcome_label or outcome, {"methods": tuple(methods)})


def _result(data: _SCData, fit: _Fit, outcome_label: str, options: dict) -> SyntheticControlResult:
    units, times = data.units, data.times
    donors = units[1:]
    synth = data.Y[:, 1:] @ fit.w
    treated_y = data.Y[:, 0]
    gap = treated_y - synth
    idx = pd.Index(times, name="time")
    pre_rmspe = _rmspe(gap[data.pre_rows])
    post_rmspe = _rmspe(gap[data.post_rows])
    balance = pd.DataFrame(
        {
            "treated": data.X[:, 0],
            "synthetic": data.X[:, 1:] @ fit.w,
            "donor_mean": data.X[:, 1:].mean(axis=1),
            "v": fit.v,
        },
        index=pd.Index(data.predictor_names, name="predictor"),
    )
    lo, hi = data.X[:, 1:].min(axis=1), data.X[:, 1:].max(axis=1)
    outside = [
        n for n, x, a, b in zip(data.predictor_names, data.X[:, 0], lo, hi) if x < a or x > b
    ]
    sd_pre = float(np.std(treated_y[data.pre_rows], ddof=1)) if len(data.pre_rows) > 1 else np.nan
    # benchmark: a flat line at the unit's own pre-period mean has RMSPE ~ its SD
    rel = pre_rmspe / sd_pre if np.isfinite(sd_pre) and sd_pre > 0 else float("nan")
    fit_ok = bool(rel <= 0.5) if np.isfinite(rel) else None
    n_pos = int((fit.w > 0.001).sum())
    checks = [
        {
            "check": "pre-treatment fit",
            "result": f"RMSPE {pre_rmspe:.4g}, {rel:.2f} x the unit's pre-period SD ({sd_pre:.4g})",
            "passed": fit_ok,
            "note": ""
            if fit_ok
            else "the synthetic tracks the pre-period ups and downs only partly (a flat line "
            "at the unit's mean scores 1): read the post-period gap with caution",
        },
        {
            "check": "donors",
            "result": f"{len(donors)} in the pool, {n_pos} with weight above 0.001",
            "passed": len(donors) >= 5,
            "note": "" if len(donors) >= 5 else "few donors: placebo p-values are coarse",
        },
        {
            "check": "predictors inside the donors' range",
            "result": "all" if not outside else f"outside: {', '.join(outside)}",
            "passed": not outside,
            "note": ""
            if not outside
            else "no convex combination of donors can match these predictors exactly",
        },
        {
            "check": "pre-treatment periods",
            "result": str(len(data.pre_rows)),
            "passed": len(data.pre_rows) >= 5,
            "note": "" if len(data.pre_rows) >= 5 else "a short pre-period risks overfitting",
        },
        {
            "check": "no anticipation, no interference",
            "result": "assumed",
            "passed": None,
            "note": "donors must not be affected by the intervention or similar policies",
        },
    ]
    return SyntheticControlResult(
        design="synthetic control (Abadie, Diamond & Hainmueller 2010)",
        estimand="mean post-treatment gap, treated minus synthetic control (outcome units)",
        estimate=float(np.mean(gap[data.post_rows])),
        n=len(units) * len(times),
        weights=pd.Series(fit.w, index=pd.Index(donors, name="unit"), name="weight"),
        predictor_weights=pd.Series(
            fit.v, index=pd.Index(data.predictor_names, name="predictor"), name="v"
        ),
        gaps=pd.Series(gap, index=idx, name="gap"),
        treated_series=pd.Series(treated_y, index=idx, name="treated"),
        synthetic_series=pd.Series(synth, index=idx, name="synthetic"),
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        loss_v=fit.loss_v,
        loss_w=fit.loss_w,
        balance=balance,
        search=fit.search,
        assumptions=pd.DataFrame(checks, columns=["check", "result", "passed", "note"]),
        treated=units[0],
        treatment_time=data.treatment_time,
        outcome_label=outcome_label,
        unit_names=data.names,
        _data=data,
        _options=options,
    )


# --------------------------------------------------------------------------------------
# Synthetic difference-in-differences (Arkhangelsky et al. 2021; synthdid conventions)
# --------------------------------------------------------------------------------------
def _sc_weight_fw(
    Y: np.ndarray,
    zeta: float,
    intercept: bool,
    init: np.ndarray | None,
    min_decrease: float,
    max_iter: int,
) -> np.ndarray:
    """Regularised simplex weights by Frank-Wolfe (synthdid's ``sc.weight.fw``), batched.

    ``Y`` is (B, rows, T0 + 1), B independent problems of the same shape: minimise
    ``zeta^2 ||x||^2 + ||A x - b||^2 / rows`` over the simplex, ``A`` the first T0 columns
    and ``b`` the last (columns demeaned when ``intercept``). Each step moves towards the
    vertex with the smallest half-gradient ``A'(Ax - b) + eta x`` (``eta = rows * zeta^2``)
    by the exact line-search step clipped to [0, 1]; a problem stops after ``max_iter``
    steps or when its objective falls by less than ``min_decrease**2``. Vectorised over
    the B problems (``A x`` and ``A'A x`` are updated incrementally).
    """
    B, n_rows, T0 = Y.shape[0], Y.shape[1], Y.shape[2] - 1
    if init is None:
        x = np.full((B, T0), 1.0 / T0)
    else:
        x = np.array(np.broadcast_to(init, (B, T0)), dtype=float)
    if intercept:
        Y = Y - Y.mean(axis=1, keepdims=True)
    A, b = Y[:, :, :T0], Y[:, :, T0]
    eta = n_rows * zeta**2
    z2 = zeta**2
    G = np.einsum("bnt,bns->bts", A, A)
    Ab = np.einsum("bnt,bn->bt", A, b)
    Ax = np.einsum("bnt,bt->bn", A, x)
    Gx = np.einsum("bts,bs->bt", G, x)
    r = np.arange(B)
    active = np.ones(B, dtype=bool)
    prev = np.full(B, np.inf)
    md2 = min_decrease**2
    for t in range(max_iter):
        hg = Gx - Ab + eta * x
        i = np.argmin(hg, axis=1)
        xi = x[r, i]
        xx = np.einsum("bt,bt->b", x, x)
        dxdx = xx - 2.0 * xi + 1.0
        derr = A[r, :, i] - Ax
        num = -(hg[r, i] - np.einsum("bt,bt->b", hg, x))
        den = np.einsum("bn,bn->b", derr, derr) + eta * dxdx
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.clip(num / den, 0.0, 1.0)
        step = np.where(active & (dxdx > 0.0) & np.isfinite(step), step, 0.0)
        x *= (1.0 - step)[:, None]
        x[r, i] += step
        Ax += step[:, None] * derr
        Gx += step[:, None] * (G[r, :, i] - Gx)
        err = Ax - b
        val = z2 * np.einsum("bt,bt->b", x, x) + np.einsum("bn,bn->b", err, err) / n_rows
        if t >= 1:
            active &= ~(prev - val <= md2)
            if not active.any():
                break
        prev = np.where(active, val, prev)
    return x


def _sparsify(v: np.ndarray) -> np.ndarray:
    """Row-wise: weights at most a quarter of the row's largest set to zero, renormalised."""
    v = np.where(v <= v.max(axis=1, keepdims=True) / 4, 0.0, v)
    return v / v.sum(axis=1, keepdims=True)


def _sum_normalize(x: np.ndarray) -> np.ndarray:
    s = x.sum(axis=-1, keepdims=True)
    safe = np.where(s != 0, s, 1.0)
    return np.where(s != 0, x / safe, 1.0 / x.shape[-1])


def _collapsed(Y: np.ndarray, N0: int, T0: int) -> np.ndarray:
    """(B, N, T) -> (B, N0 + 1, T0 + 1): post-period means, treated-unit means."""
    top = np.concatenate([Y[:, :N0, :T0], Y[:, :N0, T0:].mean(axis=2, keepdims=True)], axis=2)
    bottom = np.concatenate(
        [
            Y[:, N0:, :T0].mean(axis=1, keepdims=True),
            Y[:, N0:, T0:].mean(axis=(1, 2))[:, None, None],
        ],
        axis=2,
    )
    return np.concatenate([top, bottom], axis=1)


@dataclass
class _SDIDOpts:
    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float
    max_iter: int = 10_000
    max_iter_pre_sparsify: int = 100
    sparsify: bool = True


def _sdid_fit(
    Y: np.ndarray,
    N0: int,
    T0: int,
    omega: np.ndarray | None,
    lam: np.ndarray | None,
    o: _SDIDOpts,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimates, omegas, lambdas of B panels (B, N, T) (synthdid's ``synthdid_estimate``)."""
    B, N, T = Y.shape
    N1, T1 = N - N0, T - T0
    Yc = _collapsed(Y, N0, T0)
    if o.update_lambda:
        M = Yc[:, :N0, :]
        lam = _sc_weight_fw(
            M, o.zeta_lambda, o.lambda_intercept, lam, o.min_decrease, o.max_iter_pre_sparsify
        )
        if o.sparsify:
            lam = _sc_weight_fw(
                M, o.zeta_lambda, o.lambda_intercept, _sparsify(lam), o.min_decrease, o.max_iter
            )
    if o.update_omega:
        M = np.swapaxes(Yc[:, :, :T0], 1, 2)
        omega = _sc_weight_fw(
            M, o.zeta_omega, o.omega_intercept, omega, o.min_decrease, o.max_iter_pre_sparsify
        )
        if o.sparsify:
            omega = _sc_weight_fw(
                M, o.zeta_omega, o.omega_intercept, _sparsify(omega), o.min_decrease, o.max_iter
            )
    omega = np.array(np.broadcast_to(omega, (B, N0)), dtype=float)
    lam = np.array(np.broadcast_to(lam, (B, T0)), dtype=float)
    u = np.concatenate([-omega, np.full((B, N1), 1.0 / N1)], axis=1)
    tw = np.concatenate([-lam, np.full((B, T1), 1.0 / T1)], axis=1)
    return np.einsum("bn,bnt,bt->b", u, Y, tw), omega, lam


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
        w = self.unit_weights
        out = pd.DataFrame(
            {
                "unit": w.index,
                "name": [self.unit_names.get(u, str(u)) for u in w.index],
                "weight": w.to_numpy(),
            }
        )
        return out[out["weight"] > min_weight].reset_index(drop=True)

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

    Example
    -------
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
    est_b, omega_b, lam_b = _sdid_fit(Y[None], N0, T0, omega0, lam0, opts)
    est, omega, lam = float(est_b[0]), omega_b[0], lam_b[0]
    rng = np.random.default_rng(seed)
    reps = np.array([])
    se = float("nan")
    N = N0 + N1
    if se_method == "placebo":
        if N0 <= N1:
            raise ValidationError(
                [Problem(_ARGS, None, "se_method", "placebo", "more controls than treated")], what
            )
        # each draw permutes the controls; the last N1 play treated. The estimate depends
        # only on which controls play treated (weights are permuted along), so each
        # distinct set is fitted once, all of them in one vectorised batch.
        n0 = N0 - N1
        draws = rng.permuted(np.tile(np.arange(N0), (replications, 1)), axis=1)
        orders = np.concatenate([np.sort(draws[:, :n0], 1), np.sort(draws[:, n0:], 1)], 1)
        uniq, inverse = np.unique(orders, axis=0, return_inverse=True)
        vals = _sdid_fit(Y[uniq], n0, T0, _sum_normalize(omega[uniq[:, :n0]]), lam, opts)[0]
        reps = vals[inverse.ravel()]
        se = float(np.sqrt((replications - 1) / replications) * np.std(reps, ddof=1))
    elif se_method == "bootstrap" and N1 > 1:
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
            reps[sel] = _sdid_fit(
                Y[ind], int(n0), T0, _sum_normalize(omega[ind[:, :n0]]), lam, opts
            )[0]
        se = float(np.sqrt((replications - 1) / replications) * np.std(reps, ddof=1))
    elif se_method == "jackknife" and N1 > 1 and np.sum(omega != 0) > 1:
        fixed = _SDIDOpts(**{**opts.__dict__, "update_omega": False, "update_lambda": False})
        reps = np.empty(N)
        for i in range(N):
            ind = np.delete(np.arange(N), i)
            n0 = int(np.sum(ind < N0))
            reps[i] = _sdid_fit(Y[ind][None], n0, T0, _sum_normalize(omega[ind[:n0]]), lam, fixed)[
                0
            ][0]
        se = float(np.sqrt((N - 1) / N * np.sum((reps - reps.mean()) ** 2)))
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


def _sdid_names(df, unit, unit_names, used) -> dict:
    if unit_names is None:
        return {u: str(u) for u in used}
    return _unit_names(df.reset_index(drop=True), unit, unit_names, used)


# --------------------------------------------------------------------------------------
# Plots (tidy frame in, Figure out)
# --------------------------------------------------------------------------------------
def _figure(figsize=(7.0, 4.2)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _time_axis(ax, label: str = "year") -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(label)


def _mark_treatment(ax, treatment_time) -> None:
    x = float(treatment_time) - 0.5
    ax.axvline(x, color="grey", lw=1.0, ls="--")
    ax.annotate(
        f"treatment from {treatment_time}",
        xy=(x, 0.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, 5),
        textcoords="offset points",
        fontsize=8,
        color="dimgrey",
    )


def plot_synthetic(
    series: pd.DataFrame,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """Treated vs synthetic outcome (``SyntheticControlResult.series()``)."""
    fig, ax = _figure()
    ax.plot(series["time"], series["treated"], color="black", lw=1.8, label=treated_label)
    ax.plot(
        series["time"],
        series["synthetic"],
        color="#1b6ca8",
        lw=1.8,
        ls="--",
        label=f"synthetic {treated_label}",
    )
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def plot_placebo_gaps(
    gaps: pd.DataFrame,
    treated,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "gap",
    title: str = "",
):
    """Placebo gaps (grey) and the treated unit's gap (black) over time."""
    fig, ax = _figure()
    t = gaps.index.to_numpy()
    first = True
    for c in gaps.columns:
        if c == treated:
            continue
        ax.plot(t, gaps[c], color="#b0b0b0", lw=0.9, label="placebos (donors)" if first else None)
        first = False
    ax.plot(t, gaps[treated], color="black", lw=2.0, label=treated_label)
    ax.axhline(0, color="grey", lw=0.8)
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def plot_leave_one_out(
    base: pd.DataFrame,
    synthetic: pd.DataFrame,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """Treated, synthetic and leave-one-out synthetic series (grey)."""
    fig, ax = _figure()
    first = True
    for c in synthetic.columns:
        ax.plot(
            synthetic.index,
            synthetic[c],
            color="#b0b0b0",
            lw=1.0,
            label="leaving out one donor" if first else None,
        )
        first = False
    ax.plot(base["time"], base["treated"], color="black", lw=1.8, label=treated_label)
    ax.plot(
        base["time"],
        base["synthetic"],
        color="#1b6ca8",
        lw=1.8,
        ls="--",
        label=f"synthetic {treated_label} (all donors)",
    )
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def plot_synthetic_did(
    trajectories: pd.DataFrame,
    time_weights: pd.Series,
    treatment_time,
    estimate: float,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """SDID trajectories with the time weights as bars along the bottom (as synthdid)."""
    fig, ax = _figure()
    t = trajectories["time"]
    ax.plot(t, trajectories["treated"], color="black", lw=1.8, label=treated_label)
    ax.plot(
        t,
        trajectories["synthetic"],
        color="#1b6ca8",
        lw=1.8,
        ls="--",
        label="synthetic control (unit weights omega)",
    )
    lo = float(np.nanmin(trajectories[["treated", "synthetic"]].to_numpy()))
    hi = float(np.nanmax(trajectories[["treated", "synthetic"]].to_numpy()))
    span = (hi - lo) or 1.0
    if time_weights.sum() > 0:
        ax.bar(
            time_weights.index,
            time_weights.to_numpy() * 0.25 * span,
            bottom=lo - 0.3 * span,
            width=0.8,
            color="#e0a040",
            label="time weights lambda (pre-period)",
        )
        ax.set_ylim(lo - 0.32 * span, hi + 0.1 * span)
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(f"{title}\nestimate {estimate:.3g}" if title else f"estimate {estimate:.3g}")
    ax.legend(frameon=False, fontsize=8)
    return fig
