"""Variance-based sensitivity: the Sobol design, its estimators and uncertainty bands.

Saltelli et al. (2010, Comput. Phys. Commun. 181:259-270): two independent uniform
matrices A and B (N x d) and, for each input i, A_B^i = A with column i taken from B.
First order ``S_i = mean(f_B (f_ABi - f_A)) / V`` (Saltelli 2010, Table 2 (b)); total
``ST_i = mean((f_A - f_ABi)^2) / (2V)`` (Jansen 1999). Used by
:func:`urbansec_lib.sensitivity.run` and :func:`urbansec_lib.sensitivity.run_specs`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = [
    "band_table",
    "sa_estimate",
    "sa_sample",
    "sobol_indices",
]


def _choice(u: np.ndarray, m: int) -> np.ndarray:
    return np.minimum((u * m).astype(int), m - 1)


def sa_sample(N: int, d: int, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """COINr's ``SA_sample``: the N(d + 2) x d design of uniform [0, 1) inputs.

    Rows ``0..N-1`` are A, ``N..2N-1`` are B, then for each input i the N rows of A
    with column i taken from B (Saltelli et al. 2010).

    Example
    -------
    >>> X = sa_sample(4, 3, seed=1)
    >>> X.shape, bool((X[8:12, 1:] == X[:4, 1:]).all()), bool((X[8:12, 0] == X[4:8, 0]).all())
    ((20, 3), True, True)
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    A = rng.random((N, d))
    B = rng.random((N, d))
    out = [A, B]
    for i in range(d):
        ABi = A.copy()
        ABi[:, i] = B[:, i]
        out.append(ABi)
    return np.vstack(out)


def sa_estimate(
    y: np.ndarray,
    N: int,
    d: int,
    nboot: int | None = None,
    seed: int = 0,
    names: list[str] | None = None,
    ci: tuple[float, float] = (0.05, 0.95),
    center: bool = False,
) -> pd.DataFrame:
    """COINr's ``SA_estimate``: first-order and total Sobol indices from the N(d + 2) runs
    of :func:`sa_sample`, with bootstrap confidence intervals.

    ``Si = mean(y_B (y_ABi - y_A)) / V`` (Saltelli 2010), ``STi = sum((y_A - y_ABi)^2) /
    (2 N V)`` (Jansen 1999), ``V`` = sample variance of ``y_A`` and ``y_B`` together.
    With ``nboot``, the N per-sample terms of each estimator are resampled with
    replacement ``nboot`` times (as COINr; vectorised) and the ``ci`` quantiles reported.
    The first-order estimator is not invariant to a shift of y: ``center=True`` first
    subtracts the mean of all runs, as SALib's ``sobol.analyze`` does (smaller variance
    when the output's mean is far from 0); the default is COINr's raw estimator.

    Returns
    -------
    DataFrame
        ``variable, Si, STi`` (+ ``Si_lo, Si_hi, STi_lo, STi_hi``); ``.attrs["variance"]``.

    Example
    -------
    >>> X = sa_sample(2000, 2, seed=0)
    >>> res = sa_estimate(X[:, 0] + 0.1 * X[:, 1], 2000, 2)
    >>> bool(res["Si"].iloc[0] > 0.95 and res["STi"].iloc[1] < 0.05)
    True
    """
    y = np.asarray(y, dtype=float)
    if y.size != N * (d + 2):
        raise ValueError(f"y has {y.size} values; N(d + 2) = {N * (d + 2)}")
    if center:
        y = y - np.nanmean(y)
    yA, yB = y[:N], y[N : 2 * N]
    yAB = y[2 * N :].reshape(d, N).T  # N x d
    V = np.var(np.r_[yA, yB], ddof=1)
    s_terms = yB[:, None] * (yAB - yA[:, None])
    t_terms = (yA[:, None] - yAB) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "variable": names or [f"V{i + 1}" for i in range(d)],
                "Si": s_terms.mean(axis=0) / V,
                "STi": t_terms.sum(axis=0) / (2 * N * V),
            }
        )
        if nboot:
            rng = np.random.default_rng(seed)
            idx = rng.integers(0, N, size=(nboot, N))
            sb = s_terms[idx].mean(axis=1) / V  # nboot x d
            tb = t_terms[idx].sum(axis=1) / (2 * N * V)
            out["Si_lo"], out["Si_hi"] = np.nanquantile(sb, ci, axis=0)
            out["STi_lo"], out["STi_hi"] = np.nanquantile(tb, ci, axis=0)
    out.attrs["variance"] = float(V)
    return out


def sobol_indices(F: np.ndarray, N: int, k: int) -> tuple[list, list]:
    """First-order (Saltelli 2010) and total (Jansen 1999) indices of every output column.

    ``F`` holds the N(k + 2) runs of the design (rows A, B, then A_B^i for each of the k
    inputs) by outputs; NaN outputs are left out of the means. An output that is NaN in
    every run (a unit with no indicator under a node) gets NaN indices, without warnings.

    Returns
    -------
    (list of k arrays S1, list of k arrays ST), one value per output column.

    Examples
    --------
    >>> X = sa_sample(2000, 2, seed=0)
    >>> y = (X[:, 0] + 0.1 * X[:, 1])[:, None]
    >>> s1, st = sobol_indices(y, 2000, 2)
    >>> bool(s1[0][0] > 0.95 and st[1][0] < 0.05)
    True
    """
    fA = F[:N].astype(np.float64)
    fB = F[N : 2 * N].astype(np.float64)
    s1, st = [], []
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        V = np.nanvar(np.concatenate([fA, fB]), axis=0, ddof=1)
        for i in range(k):
            fAB = F[(2 + i) * N : (3 + i) * N].astype(np.float64)
            s1.append(np.where(V > 0, np.nanmean(fB * (fAB - fA), axis=0) / V, np.nan))
            st.append(np.where(V > 0, 0.5 * np.nanmean((fA - fAB) ** 2, axis=0) / V, np.nan))
    return s1, st


def band_table(
    units: np.ndarray,
    periods: np.ndarray,
    node_id: str,
    nominal: np.ndarray,
    mean: np.ndarray,
    qs: np.ndarray,
    level: int | None = None,
) -> pd.DataFrame:
    """One node's uncertainty band per row: nominal, mean, median, 5% and 95% quantiles.

    ``qs`` holds the (low, median, high) quantiles by rows; ``level`` adds a ``level``
    column after ``node_id`` when given.

    Examples
    --------
    >>> qs = np.array([[1.0, 2.0], [2.0, 3.0], [4.0, 3.5]])
    >>> t = band_table(np.array(["A", "B"]), np.array([2024, 2024]), "idx",
    ...                np.array([2.0, 3.0]), np.array([2.2, 2.9]), qs)
    >>> t["width"].tolist()
    [3.0, 1.5]
    """
    cols = {"unit_id": units, "period": periods, "node_id": node_id}
    if level is not None:
        cols["level"] = level
    cols.update(
        {
            "nominal": nominal,
            "mean": mean,
            "median": qs[1],
            "q05": qs[0],
            "q95": qs[2],
            "width": qs[2] - qs[0],
        }
    )
    return pd.DataFrame(cols)
