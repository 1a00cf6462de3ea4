"""The within transformation: fixed effects swept out by alternating projections.

Shared by :mod:`urbansec_lib.fixed_effects` (the regression) and
:mod:`urbansec_lib.wildboot` (the bootstrap), with the small-sample conventions both use
(which fixed effects count in k, nesting in clusters) and the singleton filter. See
:mod:`urbansec_lib.fixed_effects` for the conventions' definitions.

Example
-------
>>> import numpy as np
>>> g = np.array([0, 0, 1, 1])
>>> demean(np.array([[1.0], [3.0], [5.0], [9.0]]), [g]).ravel().tolist()
[-1.0, 1.0, -2.0, 2.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg

__all__ = [
    "SSC_OPTIONS",
    "ConvergenceWarning",
    "demean",
    "singleton_mask",
    "small_sample_factor",
    "effective_k",
    "nested_in",
]

SSC_OPTIONS = ("fixest", "all", "statsmodels", "none")


class ConvergenceWarning(UserWarning):
    """The alternating projections stopped at ``maxiter`` before reaching ``tol``.

    Examples
    --------
    >>> import warnings
    >>> u, t = np.repeat([0, 1, 2], 2), np.tile([0, 1], 3)
    >>> x = np.array([1.0, 2.0, 3.0, 5.0, 4.0, 9.0])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = demean(x, [u, t], maxiter=1)
    >>> [type(w.message).__name__ for w in caught]
    ['ConvergenceWarning']
    """


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------
def _codes(values: Any) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of any 1-D labels (missing -> -1) and the number of levels."""
    codes, uniques = pd.factorize(pd.Series(values).to_numpy(), use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


def _indicator(codes: np.ndarray, n_levels: int, weights: np.ndarray | None = None):
    """Sparse (levels x n) matrix summing rows into their level (weighted if given)."""
    n = codes.size
    data = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    return sp.csr_matrix((data, (codes, np.arange(n))), shape=(n_levels, n))


def nested_in(fe_codes: np.ndarray, cluster_codes: np.ndarray) -> bool:
    """True when every level of ``fe_codes`` lies in exactly one cluster.

    Parameters
    ----------
    fe_codes : ndarray of int
        Integer codes ``0..L-1`` of a fixed effect, one per observation.
    cluster_codes : ndarray of int
        Cluster codes, one per observation.

    Returns
    -------
    bool

    Examples
    --------
    >>> nested_in(np.array([0, 0, 1, 1]), np.array([5, 5, 6, 6]))
    True
    >>> nested_in(np.array([0, 1, 0, 1]), np.array([5, 5, 6, 6]))
    False
    """
    fe_codes = np.asarray(fe_codes)
    cluster_codes = np.asarray(cluster_codes)
    first = np.full(int(fe_codes.max()) + 1 if fe_codes.size else 0, -1, dtype=np.int64)
    first[fe_codes] = cluster_codes
    return bool(np.all(first[fe_codes] == cluster_codes))


def singleton_mask(fe: Sequence[np.ndarray]) -> np.ndarray:
    """Rows to keep after iteratively dropping singletons of any fixed effect.

    Parameters
    ----------
    fe : sequence of ndarray of int
        Integer codes of each fixed effect, one per observation.

    Returns
    -------
    ndarray of bool
        True for the rows kept (empty when there is no fixed effect).

    Examples
    --------
    >>> singleton_mask([np.array([0, 0, 1, 2, 2])]).tolist()
    [True, True, False, True, True]
    """
    fe = [np.asarray(c) for c in fe]
    if not fe:
        return np.ones(0, dtype=bool)
    keep = np.ones(fe[0].size, dtype=bool)
    while True:
        changed = False
        for c in fe:
            cnt = np.bincount(c, weights=keep.astype(float))
            lone = keep & (cnt[c] == 1)
            if lone.any():
                keep &= ~lone
                changed = True
        if not changed:
            return keep


def demean(
    X: np.ndarray,
    fe: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-10,
    maxiter: int = 10_000,
) -> np.ndarray:
    """Sweep fixed effects out of the columns of ``X`` by alternating projections.

    Parameters
    ----------
    X : array (n,) or (n, k)
        Columns to demean (not modified).
    fe : list of integer arrays
        Group codes 0..G-1 of each fixed effect (e.g. from ``pandas.factorize``).
    weights : array, optional
        Observation weights (weighted group means, for WLS).
    tol : float
        Stop when the largest group mean removed in a full sweep is below
        ``tol * max(1, max |column|)`` for every column.
    maxiter : int
        Maximum number of sweeps (a :class:`ConvergenceWarning` is emitted at the cap).

    Returns
    -------
    ndarray of the same shape as ``X``.

    Examples
    --------
    >>> u, t = np.repeat([0, 1, 2], 2), np.tile([0, 1], 3)
    >>> x = np.array([1.0, 2.0, 3.0, 5.0, 4.0, 9.0])
    >>> np.round(demean(x, [u, t]), 3).tolist()
    [0.833, -0.833, 0.333, -0.333, -1.167, 1.167]
    """
    out, _, _ = _demean(X, fe, weights, tol=tol, maxiter=maxiter)
    return out


def _demean(X, fe, weights=None, *, tol=1e-10, maxiter=10_000, copy=True):
    """Demean; returns (array, sweeps, converged).

    Column by column (contiguous views of a Fortran-ordered copy), each fixed effect's
    weighted group means come from one ``np.bincount`` and are subtracted in place;
    columns stop once a full sweep removes less than ``tol`` (scaled).
    """
    X = np.asarray(X, dtype=float)
    vector = X.ndim == 1
    Z = X.reshape(len(X), -1)
    if copy or not Z.flags["F_CONTIGUOUS"]:
        Z = np.array(Z, dtype=float, order="F", copy=True)
    fe = [np.asarray(c, dtype=np.int64) for c in fe]
    if not fe or Z.shape[1] == 0:
        return (Z.ravel() if vector else Z), 0, True
    w = None if weights is None else np.asarray(weights, dtype=float)
    groups = []
    for c in fe:
        g = int(c.max()) + 1
        sw = np.bincount(c, weights=w, minlength=g).astype(float)
        groups.append((c, g, 1.0 / np.where(sw > 0, sw, 1.0)))
    H = len(groups)
    max_sweeps, converged = 0, True
    for j in range(Z.shape[1]):
        z = Z[:, j]
        scale = max(1.0, float(np.abs(z).max())) * tol
        proj = quiet = 0
        while True:
            c, g, inv = groups[proj % H]
            means = np.bincount(c, weights=z if w is None else z * w, minlength=g) * inv
            z -= means[c]
            proj += 1
            if H == 1:
                break
            quiet = quiet + 1 if float(np.abs(means).max()) <= scale else 0
            # the last H projections covered every fixed effect and all but one were
            # negligible: z is orthogonal to all of them (up to tol)
            if proj >= H and quiet >= H - 1:
                break
            if proj >= maxiter * H:
                converged = False
                break
        max_sweeps = max(max_sweeps, -(-proj // H))
    if not converged:
        warnings.warn(
            f"fixed effects not converged after {maxiter} sweeps (tol={tol:g})",
            ConvergenceWarning,
            stacklevel=3,
        )
    return (Z.ravel() if vector else Z), max_sweeps, converged


def effective_k(
    k: int, fe_levels: Sequence[int], fe_nested: Sequence[bool], ssc: str = "fixest"
) -> int:
    """Number of coefficients counted in the small-sample correction (see module doc).

    Parameters
    ----------
    k : int
        Regressors (with the intercept when there is no fixed effect).
    fe_levels : sequence of int
        Levels of each fixed effect.
    fe_nested : sequence of bool
        Whether each fixed effect is nested in the clusters (all False without clustering).
    ssc : {"fixest", "all", "statsmodels"}
        ``"fixest"`` does not count fixed effects nested in the clusters; the others count
        every dummy.

    Returns
    -------
    int

    Examples
    --------
    >>> effective_k(1, [876, 9], [True, False], "fixest")  # unit FE nested in clusters
    10
    >>> effective_k(1, [876, 9], [True, False], "all")
    885
    """
    if ssc not in SSC_OPTIONS:
        raise ValueError(f"ssc must be one of {SSC_OPTIONS}, got {ssc!r}")
    n_fe = len(fe_levels)
    if n_fe == 0:
        return int(k)
    k_fe = int(sum(fe_levels)) - (n_fe - 1)
    if ssc in ("all", "statsmodels"):
        return int(k + k_fe)
    nested = [lv for lv, is_n in zip(fe_levels, fe_nested) if is_n]
    return int(k + k_fe - sum(nested) + len(nested))


def small_sample_factor(n: int, df_k: int, n_clusters: int | None, ssc: str = "fixest") -> float:
    """CRV1: ``G/(G-1) * (n-1)/(n-k)``; HC1 (no clusters): ``n/(n-k)``; ``"none"``: 1.

    Parameters
    ----------
    n : int
        Observations.
    df_k : int
        Coefficients counted (:func:`effective_k`).
    n_clusters : int or None
        Clusters (None: HC1).
    ssc : str
        ``"none"`` for no correction; any other value applies it.

    Returns
    -------
    float

    Examples
    --------
    >>> round(small_sample_factor(100, 5, 10), 6)
    1.157895
    """
    if ssc == "none":
        return 1.0
    if n_clusters is None:
        return n / (n - df_k)
    return n_clusters / (n_clusters - 1) * (n - 1) / (n - df_k)


def _collinear(XtX: np.ndarray, ss_raw: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Keep-mask: a column is dropped when its residual sum of squares on the columns
    kept before it (after demeaning) is below ``tol`` times its raw sum of squares."""
    k = XtX.shape[0]
    keep = np.zeros(k, dtype=bool)
    for j in range(k):
        K = np.flatnonzero(keep)
        rss = XtX[j, j]
        if K.size:
            b = linalg.lstsq(XtX[np.ix_(K, K)], XtX[K, j])[0]
            rss = XtX[j, j] - XtX[j, K] @ b
        keep[j] = rss > tol * max(ss_raw[j], np.finfo(float).tiny)
    return keep


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------
