"""Linear regression with fixed effects absorbed by demeaning (fast TWFE).

:func:`feols` fits ``outcome ~ regressors | fe_1 + fe_2 + ...`` by OLS (or WLS) after
sweeping the fixed effects out of the outcome and the regressors with the method of
alternating projections (Gaure 2013; Correia 2016): each fixed effect in turn subtracts its
(weighted) group means, vectorised over all columns with sparse group sums, until the
largest group mean left is below ``tol``. By the Frisch-Waugh-Lovell theorem the slopes
and the residuals equal those of the regression with one dummy per level, which is never
built: memory stays O(n x k) whatever the number of levels.

Standard errors: cluster-robust CRV1 by ``cluster`` (t with G - 1 df), else
heteroskedasticity-robust HC1 (t with n - k df). :func:`demean` is exposed for reuse.

Small-sample conventions (``ssc``)
----------------------------------
With G clusters, n observations and k the number of estimated coefficients, CRV1 is
``V = G/(G-1) * (n-1)/(n-k) * bread @ meat @ bread`` and HC1 ``V = n/(n-k) * ...``;
the conventions differ only in how fixed effects enter k:

- ``"fixest"`` (default; R fixest, pyfixest, Stata reghdfe): k = the regressors plus the
  fixed-effect levels, minus one per fixed effect after the first (the redundant
  levels), minus the levels of every fixed effect *nested* in the clusters (each level
  lies in one cluster), plus one for each such nested fixed effect. A unit effect
  clustered by unit therefore counts as one coefficient: with clustering by unit the
  unit dummies add no information to the cluster-robust meat.
- ``"all"`` (alias ``"statsmodels"``; statsmodels / Stata ``areg``-style dummy
  regression): every fixed-effect dummy counts in k. On a panel of 876 units x 9 periods
  clustered by unit this SE is sqrt(7874 / 7000) = 1.06 times the fixest one.

Without clustering (HC1) both conventions count every level (nothing is nested), as
statsmodels' HC1 on the dummy regression does.

Singletons
----------
An observation alone in its level of some fixed effect is fitted perfectly by its
dummy: it leaves the slopes unchanged but inflates n (and can add clusters of its own)
and so shrinks the SE. By default (``drop_singletons=True``, as fixest, pyfixest and
reghdfe) such rows are dropped, iteratively until none remains; the count is
``result.n_singletons``. Pass ``drop_singletons=False`` to keep them (matches a dummy
regression).

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> d = pd.DataFrame({"unit": np.repeat(np.arange(50), 6), "t": np.tile(np.arange(6), 50)})
>>> d["x"] = rng.normal(size=300)
>>> d["y"] = 2.0 * d.x + d.unit * 0.1 + d.t * 0.3 + rng.normal(size=300)
>>> fit = feols(d, "y", ["x"], fe=["unit", "t"], cluster="unit")
>>> round(float(fit.params["x"]), 2), fit.n, fit.n_clusters
(2.0, 300, 50)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import Problem, ValidationError
from .demean import (  # the within transformation and small-sample conventions
    SSC_OPTIONS,
    ConvergenceWarning,
    _codes,
    _collinear,
    _demean,
    _indicator,
    demean,
    effective_k,
    nested_in,
    singleton_mask,
    small_sample_factor,
)
from .feols_result import FEOLSResult

__all__ = [
    "FEOLSResult",
    "ConvergenceWarning",
    "feols",
    "feols_many",
    "demean",
    "singleton_mask",
    "small_sample_factor",
    "effective_k",
    "nested_in",
]

_FRAME = "<dataframe>"


# --------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------
@dataclass
class _Prepared:
    """Complete-case, singleton-free arrays and codes (internal)."""

    index: pd.Index
    rows: np.ndarray
    fe_codes: list[np.ndarray]
    fe_levels: list[int]
    cluster_codes: np.ndarray | None
    n_clusters: int | None
    w: np.ndarray | None
    n_missing: int
    n_singletons: int
    cache: dict = field(default_factory=dict)


def _validate(df, outcome, regressors, fe, cluster, weights) -> None:
    problems: list[Problem] = []

    def fail(col, value, expected):
        problems.append(Problem(_FRAME, None, col, value, expected))

    if not isinstance(df, pd.DataFrame):
        fail(None, type(df).__name__, "a pandas DataFrame")
        raise ValidationError(problems, what="feols() input")
    for role, cols in (("outcome", [outcome]), ("regressors", regressors)):
        for c in cols:
            if c not in df.columns:
                fail(str(c), None, f"column present in the data frame (argument `{role}`)")
            elif not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
                fail(c, df[c].dropna().unique()[:5].tolist(), f"numeric values (`{role}`)")
    for role, cols in (("fe", fe), ("cluster", [cluster] if cluster else [])):
        for c in cols:
            if c not in df.columns:
                fail(str(c), None, f"column present in the data frame (argument `{role}`)")
    if weights is not None:
        if weights not in df.columns:
            fail(str(weights), None, "column present in the data frame (argument `weights`)")
        elif not pd.api.types.is_numeric_dtype(df[weights]):
            fail(weights, None, "numeric positive weights")
        elif (df[weights].dropna() <= 0).any():
            bad = df.loc[df[weights] <= 0, weights].unique()[:5].tolist()
            fail(weights, bad, "positive weights")
    if not regressors:
        fail(None, [], "at least one regressor (argument `regressors`)")
    if problems:
        raise ValidationError(problems, what="feols() input")


def _prepare(df, cols, fe, cluster, weights, drop_singletons) -> _Prepared:
    need = list(dict.fromkeys(list(cols) + list(fe) + ([cluster] if cluster else [])))
    need += [weights] if weights and weights not in need else []
    ok = df[need].notna().all(axis=1).to_numpy()
    n_missing = int((~ok).sum())
    codes = [_codes(df[f].to_numpy()[ok])[0] for f in fe]
    keep = np.ones(int(ok.sum()), dtype=bool)
    if fe and drop_singletons:
        keep = singleton_mask(codes)
    n_single = int((~keep).sum())
    rows = np.flatnonzero(ok)[keep]
    index = df.index[rows]
    fe_codes, fe_levels = [], []
    for c in codes:
        cc, g = _codes(c[keep])
        fe_codes.append(cc)
        fe_levels.append(g)
    cl, G = (None, None)
    if cluster:
        cl, G = _codes(df[cluster].to_numpy()[ok][keep])
    w = df[weights].to_numpy(dtype=float)[ok][keep] if weights else None
    return _Prepared(index, rows, fe_codes, fe_levels, cl, G, w, n_missing, n_single)


def _fit_arrays(
    y: np.ndarray,
    X: np.ndarray,
    yd: np.ndarray,
    Xd: np.ndarray,
    names: list[str],
    prep: _Prepared,
    *,
    outcome: str,
    fe: list[str],
    ssc: str,
    alpha: float,
    weights: str | None,
    cluster: str | None,
    sweeps: int,
    ss_raw: np.ndarray,
) -> FEOLSResult:
    """OLS on demeaned arrays with CRV1/HC1 inference (shared by feols and did).

    Long because: collinearity drop, fit, vcov, small-sample factor and degrees of freedom
    follow fixest's order step by step; split, each piece would need all the others' state.
    """
    n = len(yd)
    w = prep.w
    wXd = Xd if w is None else Xd * w[:, None]
    XtX = Xd.T @ wXd
    keep = _collinear(XtX, ss_raw)
    collinear = [nm for nm, k_ in zip(names, keep) if not k_]
    if collinear:
        warnings.warn(
            f"dropped collinear regressor(s): {', '.join(collinear)}", UserWarning, stacklevel=3
        )
    idx = np.flatnonzero(keep)
    if idx.size < len(names):
        names = [names[i] for i in idx]
        Xd, wXd, X = Xd[:, idx], wXd[:, idx], X[:, idx]
        XtX = XtX[np.ix_(idx, idx)]
    bread = np.linalg.inv(XtX)
    bread = (bread + bread.T) / 2
    beta = bread @ (wXd.T @ yd)
    u = yd - Xd @ beta
    if prep.cluster_codes is not None:
        if "cl_ind" not in prep.cache:  # sparse (G x n) cluster-sum matrix, built once
            prep.cache["cl_ind"] = _indicator(prep.cluster_codes, prep.n_clusters)
        ind = prep.cache["cl_ind"].copy()
        ind.data = u[ind.indices]
        Sg = np.asarray(ind @ wXd)  # G x k cluster sums of the scores x_i w_i u_i
        meat = Sg.T @ Sg
        if "nested" not in prep.cache:
            prep.cache["nested"] = [nested_in(c, prep.cluster_codes) for c in prep.fe_codes]
        nested = prep.cache["nested"]
        G = prep.n_clusters
        vtype = "CRV1"
    else:
        scores = wXd * u[:, None]
        meat = scores.T @ scores
        nested = [False] * len(prep.fe_codes)
        G = None
        vtype = "HC1"
    k = len(names)
    df_k = effective_k(k, prep.fe_levels, nested, ssc)
    factor = small_sample_factor(n, df_k, G, ssc)
    V = factor * bread @ meat @ bread
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    df_resid = int(G - 1) if G is not None else int(n - df_k)
    t = beta / se
    p = 2 * stats.t.sf(np.abs(t), df_resid)
    q = stats.t.ppf(1 - alpha / 2, df_resid)
    ix = pd.Index(names, name="term")
    fitted = y - u
    return FEOLSResult(
        params=pd.Series(beta, index=ix),
        se=pd.Series(se, index=ix),
        tvalues=pd.Series(t, index=ix),
        pvalue=pd.Series(p, index=ix),
        ci=pd.DataFrame({"ci_low": beta - q * se, "ci_high": beta + q * se}, index=ix),
        vcov=pd.DataFrame(V, index=ix, columns=ix),
        n=n,
        n_clusters=G,
        df_resid=df_resid,
        df_k=df_k,
        ssc=ssc,
        ssc_factor=float(factor),
        vcov_type=vtype,
        outcome=outcome,
        fe=list(fe),
        fe_levels=list(prep.fe_levels),
        fe_nested=nested,
        n_singletons=prep.n_singletons,
        n_missing=prep.n_missing,
        collinear=collinear,
        resid=pd.Series(u, index=prep.index),
        fittedvalues=pd.Series(fitted, index=prep.index),
        alpha=alpha,
        sweeps=sweeps,
        weights=weights,
        cluster=cluster,
        _raw={"y": y, "X": X, "fe": prep.fe_codes, "w": w, "cluster": prep.cluster_codes},
    )


def feols(
    df: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    fe: Sequence[str] = (),
    cluster: str | None = None,
    weights: str | None = None,
    ssc: str = "fixest",
    *,
    alpha: float = 0.05,
    drop_singletons: bool = True,
    tol: float = 1e-10,
    maxiter: int = 10_000,
) -> FEOLSResult:
    """OLS/WLS of ``outcome`` on ``regressors`` with absorbed fixed effects.

    Parameters
    ----------
    df : DataFrame
        Long data; rows with a missing value in any used column are dropped.
    outcome : str
        Numeric outcome column.
    regressors : list of str
        Numeric regressor columns (build dummies or interactions beforehand). Without
        fixed effects an ``Intercept`` is added.
    fe : list of str
        Fixed-effect columns (any labels), absorbed by alternating projections.
    cluster : str, optional
        Cluster column: CRV1 SEs (t with G - 1 df). ``None``: HC1 (t with n - k df).
    weights : str, optional
        Positive analytic weights (WLS).
    ssc : {"fixest", "all", "none"}
        Small-sample convention (module doc): ``"fixest"`` does not count fixed effects
        nested in the clusters, ``"all"`` (``"statsmodels"``) counts every dummy,
        ``"none"`` applies no correction.
    alpha : float
        1 - confidence level of ``ci``.
    drop_singletons : bool
        Drop rows alone in a fixed-effect level (iteratively), as fixest does.
    tol, maxiter : float, int
        Convergence tolerance and sweep cap of the demeaning.

    Returns
    -------
    FEOLSResult

    Raises
    ------
    urbansec_lib.core.errors.ValidationError
        Missing or non-numeric columns, non-positive weights, no regressor.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = pd.DataFrame({"g": [0, 0, 1, 1, 2, 2], "x": [1.0, 2, 3, 5, 4, 9],
    ...                   "y": [1.0, 3, 2, 6, 5, 14]})
    >>> fit = feols(d, "y", ["x"], fe=["g"])  # slope 27.5 / 15 from the within deviations
    >>> round(float(fit.params["x"]), 4), fit.table().columns.tolist()[:3]
    (1.8333, ['term', 'estimate', 'se'])
    """
    regressors = [regressors] if isinstance(regressors, str) else list(regressors)
    return feols_many(
        df,
        outcome,
        [regressors],
        fe,
        cluster,
        weights,
        ssc,
        alpha=alpha,
        drop_singletons=drop_singletons,
        tol=tol,
        maxiter=maxiter,
    )[0]


def feols_many(
    df: pd.DataFrame,
    outcome: str,
    regressor_sets: Sequence[Sequence[str]],
    fe: Sequence[str] = (),
    cluster: str | None = None,
    weights: str | None = None,
    ssc: str = "fixest",
    *,
    alpha: float = 0.05,
    drop_singletons: bool = True,
    tol: float = 1e-10,
    maxiter: int = 10_000,
) -> list[FEOLSResult]:
    """Several :func:`feols` models on one sample and one set of fixed effects.

    Long because: the docstring documents the shared sample (code ~45 lines).

    The union of all columns is demeaned in a single alternating-projection pass, so a
    main model and its event study cost one demeaning. The sample is the complete cases
    of the union (then singletons dropped), the same for every model.

    Parameters
    ----------
    df, outcome, fe, cluster, weights, ssc, alpha, drop_singletons, tol, maxiter
        As :func:`feols`.
    regressor_sets : sequence of sequence of str
        The regressors of each model.

    Returns
    -------
    list of FEOLSResult
        One per regressor set, in order.

    Examples
    --------
    >>> d = pd.DataFrame({"g": [0, 0, 1, 1, 2, 2], "x": [1.0, 2, 3, 5, 4, 9],
    ...                   "z": [0.0, 1, 1, 0, 2, 1], "y": [1.0, 3, 2, 6, 5, 14]})
    >>> a, b = feols_many(d, "y", [["x"], ["x", "z"]], fe=["g"])
    >>> round(float(a.params["x"]), 4), list(b.params.index)
    (1.8333, ['x', 'z'])
    """
    sets = [[r] if isinstance(r, str) else list(r) for r in regressor_sets]
    fe = [fe] if isinstance(fe, str) else list(fe)
    if ssc not in SSC_OPTIONS:
        raise ValueError(f"ssc must be one of {SSC_OPTIONS}, got {ssc!r}")
    union = list(dict.fromkeys(c for r in sets for c in r))
    _validate(df, outcome, union, fe, cluster, weights)
    for r in sets:
        if not r:
            raise ValueError("every regressor set needs at least one regressor")
    prep = _prepare(df, [outcome] + union, fe, cluster, weights, drop_singletons)
    full = prep.rows.size == len(df)
    names = (["Intercept"] if not fe else []) + list(union)
    k = len(names)
    Z = np.empty((prep.rows.size, 1 + k), order="F")  # raw [y, X], then a demeaned copy
    for j, col in enumerate([outcome] + list(union)):
        v = df[col].to_numpy(dtype=float)
        Z[:, j + (j > 0 and not fe)] = v if full else v[prep.rows]
    if not fe:
        Z[:, 1] = 1.0
    y, X = Z[:, 0], Z[:, 1:]
    Zd, sweeps, _ = _demean(Z, prep.fe_codes, prep.w, tol=tol, maxiter=maxiter, copy=True)
    if prep.w is None:
        ss_raw = np.einsum("ij,ij->j", X, X)
    else:
        ss_raw = np.einsum("ij,ij,i->j", X, X, prep.w)
    out = []
    for r in sets:
        cols = ([0] if not fe else []) + [names.index(c) for c in r]
        out.append(
            _fit_arrays(
                y,
                X[:, cols],
                Zd[:, 0],
                Zd[:, [1 + c for c in cols]],
                [names[c] for c in cols],
                prep,
                outcome=outcome,
                fe=fe,
                ssc=ssc,
                alpha=alpha,
                weights=weights,
                cluster=cluster,
                sweeps=sweeps,
                ss_raw=ss_raw[cols],
            )
        )
    return out
