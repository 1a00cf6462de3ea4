"""Donor weights for the synthetic control: least squares on the unit simplex and the
outer search over predictor weights (Nelder-Mead and BFGS as R's ``optim``, Nash 1990).

Example
-------
>>> import numpy as np
>>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> simplex_least_squares(A, np.array([0.3, 0.7, 1.0])).round(3).tolist()
[0.3, 0.7]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from scipy import linalg, optimize

__all__ = ["simplex_least_squares"]

_EPS = np.finfo(float).eps
_RELTOL = math.sqrt(_EPS)  # R optim's default reltol


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

    Examples
    --------
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
    """Nelder-Mead simplex search (Nash 1990, algorithm 19); returns x, f, evals, converged.

    Long because: a line-by-line transcription of Nash's algorithm (as R's ``optim`` C
    code), needed for identical iterates; splitting it would hide the correspondence.
    """
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
    """Variable-metric (BFGS) search (Nash 1990, algorithm 21) with central differences.

    Long because: a line-by-line transcription of Nash's algorithm (as R's ``optim`` C
    code), needed for identical iterates; splitting it would hide the correspondence.
    """
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
