"""The multiplier bootstrap of the R package ``did`` (vectorised over draws, chunked for
memory) and the pointwise / uniform intervals built from it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .drdid import _EPS

__all__ = []

_ZERO_SE = math.sqrt(_EPS) * 10  # did's threshold below which an SE is reported as missing
_IQR_NORMAL = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)


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
