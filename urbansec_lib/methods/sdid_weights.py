"""Synthetic DiD weights: unit weights omega and time weights lambda by Frank-Wolfe on the
simplex with ridge penalty ``zeta`` (``synthdid``'s ``sc.weight.fw``), and the weighted
double difference, vectorised over a batch of problems (for placebo / bootstrap refits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__: list[str] = []


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
