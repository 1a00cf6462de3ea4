"""Wild cluster bootstrap for inference with few clusters.

Cluster-robust (CRV1) standard errors are too small and their t tests over-reject when
there are few clusters (below about 30-50), or few treated clusters (Cameron, Gelbach &
Miller 2008; MacKinnon & Webb 2017). The restricted wild cluster bootstrap (WCR) imposes
the null hypothesis ``R'b = h0``, multiplies the restricted residuals of each cluster by
one random weight per cluster (Rademacher +/-1, or Webb's six-point distribution for
very few clusters), refits, and compares the observed CRV1 t statistic with the
bootstrap ones. The confidence interval collects the ``h0`` not rejected (test
inversion). With Rademacher weights and ``2**G <= B`` all ``2**G`` sign patterns are
enumerated, so the result is exact and deterministic.

The computation follows Roodman, MacKinnon, Nielsen & Webb (2019, "Fast and wild"):
everything is reduced to cluster-level sums once, so each draw costs O(G^2), vectorised
over draws (no Python loop over draws); the residuals are linear in ``h0``, so the test
inversion re-uses the same draws at no extra fitting cost.

Fixed effects (``fe=``): fixed effects nested in the clusters are swept out once
(demeaning y and X); that is exact because the restricted residuals sum to zero within
each of their levels and the cluster weight is constant there. Fixed effects that cross
clusters (e.g. time effects with clustering by unit) enter the bootstrap regression as
dummy columns (after the same demeaning), as in fwildclusterboot, so the bootstrap
residuals stay exactly those of the full model.

P-value convention: ``mean(|t*| >= |t|)``; ties (up to rounding) count as at least as
extreme, so under full enumeration the sign patterns +1 and -1 (which reproduce the data)
are counted and the smallest attainable p-value is ``2 / 2**G`` (as boottest and
fwildclusterboot report). ``wildboottest`` counts strictly larger values, which differ from
this only in such ties.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> g = np.repeat(np.arange(8), 25)
>>> x = rng.normal(size=200) + rng.normal(size=8)[g]
>>> y = 1.0 + 0.5 * x + rng.normal(size=8)[g] + rng.normal(size=200)
>>> X = np.column_stack([np.ones(200), x])
>>> wb = wild_cluster_bootstrap(y, X, g, param=1, B=999)
>>> wb.B, wb.full_enumeration, wb.n_clusters   # 2**8 = 256 <= 999: exact enumeration
(256, True, 8)
>>> bool(wb.ci[0] < wb.estimate < wb.ci[1])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import demean as _fx

__all__ = ["WildBootResult", "wild_cluster_bootstrap", "bootstrap_weights", "WEBB_VALUES"]

#: Support of Webb's (2014) six-point distribution, each value with probability 1/6.
WEBB_VALUES = np.array(
    [-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)], dtype=float
)
_MAX_DUMMIES = 2000
_CHUNK_CELLS = 4_000_000  # G x draws per vectorised block


@dataclass
class WildBootResult:
    """Wild cluster bootstrap test of ``R'b = h0`` (statsmodels style).

    Attributes
    ----------
    param : str
        Tested coefficient (or ``"R'b"`` for a linear combination).
    estimate, se, t : float
        Point estimate, its CRV1 SE and the t statistic ``(estimate - h0) / se``.
    pvalue : float
        Bootstrap p-value ``mean(|t*| >= |t|)`` (ties count).
    ci : tuple of float
        ``1 - alpha`` confidence interval by test inversion (NaN where not bracketed).
    h0 : float
    B : int
        Number of bootstrap draws used (``2**G`` under full enumeration).
    n_clusters, n : int
    weights : str
        ``"rademacher"`` or ``"webb"``.
    impose_null : bool
        True: restricted (WCR); False: unrestricted (WCU).
    full_enumeration : bool
    seed : int
    alpha : float
    t_boot : ndarray
        Bootstrap t statistics (at ``h0``).

    Examples
    --------
    >>> g = np.repeat(np.arange(6), 10)
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=60)
    >>> y = 0.2 * x + rng.normal(size=60)
    >>> r = wild_cluster_bootstrap(y, np.column_stack([np.ones(60), x]), g, 1, B=64)
    >>> type(r).__name__, r.B, r.n_clusters, r.weights, r.impose_null, len(r.t_boot)
    ('WildBootResult', 64, 6, 'rademacher', True, 64)
    """

    param: str
    estimate: float
    se: float
    t: float
    pvalue: float
    ci: tuple[float, float]
    h0: float
    B: int
    n_clusters: int
    n: int
    weights: str
    impose_null: bool
    full_enumeration: bool
    seed: int
    alpha: float
    t_boot: np.ndarray = field(repr=False)

    @property
    def method(self) -> str:
        kind = "WCR (null imposed)" if self.impose_null else "WCU (null not imposed)"
        draws = "full enumeration" if self.full_enumeration else f"seed {self.seed}"
        return f"wild cluster bootstrap {kind}, {self.weights} weights, B = {self.B} ({draws})"

    def table(self) -> pd.DataFrame:
        """One-row tidy table: term, estimate, se, t, pvalue, ci_low, ci_high, B, ..."""
        return pd.DataFrame(
            [
                {
                    "term": self.param,
                    "estimate": self.estimate,
                    "se": self.se,
                    "t": self.t,
                    "h0": self.h0,
                    "pvalue": self.pvalue,
                    "ci_low": self.ci[0],
                    "ci_high": self.ci[1],
                    "B": self.B,
                    "n_clusters": self.n_clusters,
                    "weights": self.weights,
                    "impose_null": self.impose_null,
                }
            ]
        )

    def summary(self) -> str:
        """Plain-text summary of the test and the interval."""
        pct = f"{100 * (1 - self.alpha):g}%"
        return "\n".join(
            [
                f"Method      : {self.method}",
                f"Clusters    : {self.n_clusters} (n = {self.n:,})",
                f"Estimate    : {self.param} = {self.estimate:.4g} (CRV1 SE {self.se:.4g}), "
                f"t = {self.t:.3g} for H0: {self.h0:g}",
                f"Bootstrap   : p = {self.pvalue:.4g}; {pct} CI {self.ci[0]:.4g} to "
                f"{self.ci[1]:.4g} (test inversion)",
            ]
        )

    def __str__(self) -> str:
        return self.summary()

    def plot(self):
        """Histogram of the bootstrap t statistics with the observed t (Figure)."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        tb = self.t_boot[np.isfinite(self.t_boot)]
        ax.hist(tb, bins=min(60, max(10, int(np.sqrt(tb.size)))), color="#9ecae1")
        ax.axvline(self.t, color="#b2182b", lw=1.5, label=f"observed t = {self.t:.2f}")
        ax.axvline(-self.t, color="#b2182b", lw=1.0, ls="--")
        ax.set_xlabel("bootstrap t statistic")
        ax.set_ylabel("draws")
        ax.set_title(f"Wild cluster bootstrap, {self.param}: p = {self.pvalue:.3f}")
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def bootstrap_weights(
    G: int, B: int, kind: str = "rademacher", seed: int = 0
) -> tuple[np.ndarray, bool]:
    """Cluster weights, shape (G, B'), and whether they are the full enumeration.

    Rademacher with ``2**G <= B`` returns all ``2**G`` sign patterns (B' = 2**G);
    otherwise B independent draws from ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    G : int
        Clusters.
    B : int
        Draws wanted.
    kind : {"rademacher", "webb"}
        Weight distribution.
    seed : int
        Seed of the draws.

    Returns
    -------
    (ndarray, bool)
        The weights and whether they enumerate every sign pattern.

    Examples
    --------
    >>> v, full = bootstrap_weights(3, 100)
    >>> v.shape, full
    ((3, 8), True)
    """
    if kind == "rademacher":
        if G < 31 and 2**G <= B:
            codes = np.arange(2**G)[None, :] >> np.arange(G)[:, None]
            return (codes & 1).astype(float) * 2.0 - 1.0, True
        rng = np.random.default_rng(seed)
        return rng.integers(0, 2, size=(G, B)).astype(float) * 2.0 - 1.0, False
    if kind == "webb":
        rng = np.random.default_rng(seed)
        return WEBB_VALUES[rng.integers(0, 6, size=(G, B))], False
    raise ValueError(f"weights must be 'rademacher' or 'webb', got {kind!r}")


def _as_matrix(X) -> tuple[np.ndarray, list[str]]:
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=float), [str(c) for c in X.columns]
    if isinstance(X, pd.Series):
        return X.to_numpy(dtype=float)[:, None], [str(X.name)]
    A = np.asarray(X, dtype=float)
    A = A[:, None] if A.ndim == 1 else A
    return A, [f"x{j}" for j in range(A.shape[1])]


def _restriction(param, names: list[str]) -> tuple[np.ndarray, str]:
    k = len(names)
    if isinstance(param, str):
        if param not in names:
            raise ValueError(f"param {param!r} is not a column of X ({names})")
        R = np.zeros(k)
        R[names.index(param)] = 1.0
        return R, param
    if isinstance(param, (int, np.integer)):
        if not 0 <= int(param) < k:
            raise ValueError(f"param index {param} out of range for {k} columns")
        R = np.zeros(k)
        R[int(param)] = 1.0
        return R, names[int(param)]
    if isinstance(param, dict):
        R = np.zeros(k)
        for term, wgt in param.items():
            if term not in names:
                raise ValueError(f"term {term!r} is not a column of X ({names})")
            R[names.index(term)] = float(wgt)
        label = next(iter(param)) if len(param) == 1 and next(iter(param.values())) == 1 else "R'b"
        return R, label
    R = np.asarray(param, dtype=float).ravel()
    if R.shape != (k,):
        raise ValueError(f"restriction vector must have {k} entries, got {R.shape}")
    return R, "R'b"


def _fe_arrays(fe, n: int, data: pd.DataFrame | None) -> list[np.ndarray]:
    if fe is None:
        return []
    if isinstance(fe, (str, np.ndarray, pd.Series)):
        fe = [fe]
    out = []
    for f in fe:
        if isinstance(f, str):
            if data is None:
                raise ValueError("fe given by column name needs X as a DataFrame holding it")
            f = data[f].to_numpy()
        c, _ = _fx._codes(f)
        if c.size != n or (c < 0).any():
            raise ValueError("each fixed effect needs one non-missing code per observation")
        out.append(c)
    return out


def wild_cluster_bootstrap(
    y: Any,
    X: Any,
    clusters: Any,
    param: str | int | Sequence[float] | dict,
    *,
    h0: float = 0.0,
    weights: str = "rademacher",
    B: int = 9999,
    seed: int = 0,
    alpha: float = 0.05,
    impose_null: bool = True,
    fe: Any = None,
    regression_weights: Any = None,
    small_sample: float | str = "fixest",
) -> WildBootResult:
    """Wild cluster bootstrap p-value and CI for one coefficient (or ``R'b``) of OLS.

    Long because: the docstring documents every option (the code is ~60 lines).

    Parameters
    ----------
    y : array (n,)
        Outcome.
    X : array (n, k) or DataFrame
        Regressors (include a constant yourself when there is no fixed effect). With a
        DataFrame, ``param`` and ``fe`` may name its columns; ``fe`` columns are not
        used as regressors.
    clusters : array (n,)
        Cluster labels (the bootstrap draws one weight per cluster).
    param : str, int, dict or array
        Column name or index to test, ``{name: weight}`` or a length-k vector ``R``.
    h0 : float
        Null value of ``R'b``.
    weights : {"rademacher", "webb"}
        Cluster weight distribution; Webb's six points are advised below ~12 clusters.
    B : int
        Bootstrap draws (Rademacher with ``2**G <= B``: full enumeration instead).
    seed : int
        Seed of ``numpy.random.default_rng``.
    alpha : float
        1 - level of the interval.
    impose_null : bool
        Restricted WCR (default, Cameron-Gelbach-Miller 2008) or unrestricted WCU.
    fe : list of arrays or column names, optional
        Fixed effects to absorb (see the module doc for how crossed ones are handled).
    regression_weights : array, optional
        WLS weights of the original regression.
    small_sample : float or {"fixest", "all", "none"}
        Factor for the reported CRV1 SE (the p-value and CI do not depend on it), or the
        convention of :mod:`urbansec_lib.fixed_effects` used to compute it.

    Returns
    -------
    WildBootResult

    Examples
    --------
    >>> g = np.repeat(np.arange(6), 10); rng = np.random.default_rng(0)
    >>> x = rng.normal(size=60); y = 0.2 * x + rng.normal(size=60)
    >>> r = wild_cluster_bootstrap(y, np.column_stack([np.ones(60), x]), g, 1, B=64)
    >>> r.B, r.full_enumeration
    (64, True)
    >>> r.table().columns.tolist()[:3], type(r.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> r.summary().splitlines()[0]
    'Method      : wild cluster bootstrap WCR (null imposed), rademacher weights, B = 64 (full enumeration)'
    """
    if weights not in ("rademacher", "webb"):
        raise ValueError(f"weights must be 'rademacher' or 'webb', got {weights!r}")
    data = X if isinstance(X, pd.DataFrame) else None
    fe_names = [f for f in (fe if isinstance(fe, (list, tuple)) else [fe]) if isinstance(f, str)]
    if data is not None and fe_names:
        X = data.drop(columns=fe_names)
    Xm, names = _as_matrix(X)
    yv = np.asarray(y, dtype=float).ravel()
    n = yv.size
    if Xm.shape[0] != n:
        raise ValueError(f"X has {Xm.shape[0]} rows, y has {n}")
    cl, G = _fx._codes(np.asarray(clusters))
    if cl.size != n or (cl < 0).any():
        raise ValueError("clusters needs one non-missing label per observation")
    if G < 2:
        raise ValueError("the wild cluster bootstrap needs at least 2 clusters")
    R, label = _restriction(param, names)
    fe_codes = _fe_arrays(fe, n, data)
    w = None if regression_weights is None else np.asarray(regression_weights, dtype=float)

    # small-sample factor of the reported SE (fixest convention by default)
    if isinstance(small_sample, str):
        levels = [int(c.max()) + 1 for c in fe_codes]
        nested_all = [_fx.nested_in(c, cl) for c in fe_codes]
        df_k = _fx.effective_k(Xm.shape[1], levels, nested_all, small_sample)
        ssc = _fx.small_sample_factor(n, df_k, G, small_sample)
    else:
        ssc = float(small_sample)

    # nested FE are swept out; crossed FE become dummy columns (appended after X)
    nested = [c for c in fe_codes if _fx.nested_in(c, cl)]
    crossed = [c for c in fe_codes if not _fx.nested_in(c, cl)]
    extra = []
    for c in crossed:
        g = int(c.max()) + 1
        if g > _MAX_DUMMIES:
            raise ValueError(
                f"a fixed effect with {g} levels crosses the clusters; cluster at a level "
                "that nests it (or absorb it beforehand)"
            )
        extra.append(sp.csr_matrix((np.ones(n), (np.arange(n), c)), shape=(n, g)).toarray())
    if extra:
        D = np.column_stack(extra)
        if not nested:
            D = np.column_stack([np.ones(n), D])
        Xfull = np.column_stack([Xm, D])
    else:
        Xfull = Xm
    Z, _, _ = _fx._demean(np.column_stack([yv, Xfull]), nested, w)
    yd, Xd = Z[:, 0], Z[:, 1:]
    k0 = Xm.shape[1]
    if Xd.shape[1] > k0:  # drop redundant dummy columns, keep every original regressor
        sq = np.ones(n) if w is None else w
        XtX = Xd.T @ (Xd * sq[:, None])
        keep = _fx._collinear(XtX, (Xfull**2 * sq[:, None]).sum(axis=0))
        keep[:k0] = True
        Xd = Xd[:, keep]
    Rf = np.concatenate([R, np.zeros(Xd.shape[1] - k0)])
    if w is not None:  # WLS = OLS on sqrt(w)-scaled data; cluster scores unchanged
        sw = np.sqrt(w)
        yd, Xd = yd * sw, Xd * sw[:, None]
    return _wcr(yd, Xd, cl, G, Rf, label, h0, weights, B, seed, alpha, impose_null, ssc)


def _wcr(y, X, cl, G, R, label, h0, kind, B, seed, alpha, impose_null, ssc) -> WildBootResult:
    n = y.size
    ind = _fx._indicator(cl, G)
    A = np.linalg.inv(X.T @ X)
    A = (A + A.T) / 2
    beta = A @ (X.T @ y)
    uhat = y - X @ beta
    a = A @ R
    d = float(R @ a)
    z = X @ a
    theta = float(R @ beta)
    se = float(np.sqrt(ssc * np.sum((ind @ (z * uhat)) ** 2)))
    # residual entering the bootstrap: u(h) = u0 - h * r (linear in the null value h)
    if impose_null:
        u0, r = uhat + z * theta / d, z / d
    else:
        u0, r = uhat, np.zeros(n)
    Q = ind @ (X * z[:, None])  # G x k: cluster sums of X_i z_i
    QA = Q @ A

    def parts(u):
        c = ind @ (z * u)  # G
        S = ind @ (X * u[:, None])  # G x k
        return c, np.diag(c) - QA @ S.T  # H: G x G

    c0, H0 = parts(u0)
    c1, H1 = parts(r)
    V, full = bootstrap_weights(G, B, kind, seed)
    Bn = V.shape[1]
    N0, N1 = c0 @ V, c1 @ V
    s00, s01, s11 = np.empty(Bn), np.empty(Bn), np.empty(Bn)
    step = max(1, _CHUNK_CELLS // G)
    for lo in range(0, Bn, step):
        Vb = V[:, lo : lo + step]
        P, Rr = H0 @ Vb, H1 @ Vb
        s00[lo : lo + step] = np.einsum("gb,gb->b", P, P)
        s01[lo : lo + step] = np.einsum("gb,gb->b", P, Rr)
        s11[lo : lo + step] = np.einsum("gb,gb->b", Rr, Rr)

    def tstats(h):
        num = N0 - h * N1
        var = ssc * (s00 - 2 * h * s01 + h * h * s11)
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / np.sqrt(np.clip(var, 0, None))

    def pval(h):
        t_obs = (theta - h) / se
        tb = tstats(h) if impose_null else tstats(0.0)
        return float(np.mean(np.abs(tb) >= abs(t_obs) * (1 - 1e-10) - 1e-14))

    t_boot = tstats(h0) if impose_null else tstats(0.0)
    p = pval(h0)
    ci = (_bound(pval, theta, se, alpha, -1), _bound(pval, theta, se, alpha, +1))
    return WildBootResult(
        param=label,
        estimate=theta,
        se=se,
        t=(theta - h0) / se,
        pvalue=p,
        ci=ci,
        h0=float(h0),
        B=int(Bn),
        n_clusters=int(G),
        n=int(n),
        weights=kind,
        impose_null=bool(impose_null),
        full_enumeration=bool(full),
        seed=int(seed),
        alpha=float(alpha),
        t_boot=t_boot,
    )


def _bound(pval, theta: float, se: float, alpha: float, side: int) -> float:
    """Outermost crossing of p(h) = alpha on one side of the estimate (bisection)."""
    if not np.isfinite(se) or se <= 0:
        return float("nan")
    inside = theta
    outside = None
    for m in (2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 1024.0):
        h = theta + side * m * se
        if pval(h) <= alpha:
            outside = h
            break
        inside = h
    if outside is None:
        return float(side * np.inf)
    for _ in range(200):
        mid = (inside + outside) / 2
        if pval(mid) > alpha:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) <= 1e-10 * max(se, abs(theta), 1e-300):
            break
    return float((inside + outside) / 2)
