"""Aggregation of normalised indicators up the framework tree (weighted means, Copeland)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .tidy import to_wide
from .tree import Tree, _resolve_weights, build_tree

__all__ = [
    "AGGREGATION_METHODS",
    "aggregate",
    "copeland",
]

AGGREGATION_METHODS = ("arithmetic", "geometric", "harmonic", "generalised", "none")


_AGG_CODE = {m: i for i, m in enumerate(AGGREGATION_METHODS)}


# ========================================================================= aggregate


def _flip(S: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    return (bounds[0] + bounds[1] - S) if bounds is not None else -S


def _aggregate_core(
    X: np.ndarray,
    tree: Tree,
    W: np.ndarray,
    methods: np.ndarray,
    p: float | np.ndarray = 2.0,
    zeros: str = "error",
    shift: float = 1.0,
    dat_thresh: float | None = None,
    bounds: tuple[float, float] | None = None,
    node_major: bool = False,
    dtype: Any = np.float64,
    custom: Mapping[int, Callable] | None = None,
    row_periods: np.ndarray | None = None,
) -> np.ndarray:
    """Aggregate a rows x indicators matrix through the tree for D weight draws at once.

    Parameters
    ----------
    X : (R, K) normalised values, NaN = missing.
    W : (D, E) child weights per draw (edge order of ``tree.edges``).
    methods : (D, J) int codes into :data:`AGGREGATION_METHODS` per draw and node.
    node_major : bool
        Return (J, D, R) instead of (D, R, J).
    dtype : numpy dtype
        Working precision (the sensitivity analysis uses float32).
    custom : {node index: f}, optional
        Nodes aggregated by a function ``f(values, weights) -> scores`` (values: units x
        children with NaN, weights: the children's weights) applied within each period
        (``row_periods``), e.g. :func:`copeland`.

    Returns
    -------
    (D, R, J) node scores (a view of a node-major array).

    Every weighted mean is ``f^-1(sum w g(x) / sum w)`` with g = identity (arithmetic),
    log (geometric), 1/x (harmonic) or x**p (generalised), sums over the children that
    are present; the indicator part of a node is one matrix product (draws x
    indicators) @ (indicators x rows) per formula.
    """
    R, K = X.shape
    D = W.shape[0]
    J = tree.J
    X = np.asarray(X, dtype=dtype)
    W = np.asarray(W, dtype=dtype)
    pj = np.broadcast_to(np.asarray(p, dtype=float), (J,))
    M = ~np.isnan(X)
    Mf = M.astype(dtype)
    X0 = np.where(M, X, 0).astype(dtype, copy=False)
    shift_v = shift if zeros == "shift" else 0.0
    S = np.full((J, D, R), np.nan, dtype=dtype)

    def g(code: int, v: np.ndarray, j: int) -> np.ndarray:
        if code == 0:
            return v
        vv = v + shift_v
        with np.errstate(divide="ignore", invalid="ignore"):
            if code == 1:
                return np.log(vv)
            if code == 2:
                return 1.0 / vv
            return vv ** pj[j]

    gcache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def g_ind(code: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        key = code if code != 3 else 100 + j
        if key not in gcache:
            G = g(code, X0, j)
            bad = M & ~np.isfinite(G)
            gcache[key] = (np.where(M & ~bad, G, 0.0), bad)
        return gcache[key]

    par, chi, isind = tree.edge_parent, tree.edge_child, tree.edge_child_is_ind
    need_cnt = dat_thresh is not None
    custom = dict(custom or {})
    blocks = (
        [np.arange(R)]
        if row_periods is None
        else [np.flatnonzero(row_periods == pv) for pv in pd.unique(row_periods)]
    )
    for j in range(J):
        if j in custom:
            es = np.flatnonzero(par == j)
            for d in range(D):
                cols = []
                for e in es:
                    c = chi[e]
                    if isind[e]:
                        cols.append(X[:, c].astype(float))
                    else:
                        sc_ = S[c, d].astype(float)
                        cols.append(_flip(sc_, bounds) if tree.node_direction[c] < 0 else sc_)
                V = np.column_stack(cols)
                w = np.asarray(W[d, es], float)
                for rows in blocks:
                    S[j, d, rows] = np.asarray(custom[j](V[rows], w), dtype=float)
            continue
        mcode = methods[:, j]
        codes = np.unique(mcode)
        single = codes.size == 1
        num = np.zeros((D, R), dtype=dtype)
        den = np.zeros((D, R), dtype=dtype)
        cnt = np.zeros((D, R), dtype=dtype) if need_cnt else None
        npos = np.zeros(D)
        poison = None
        ie = np.flatnonzero((par == j) & isind)
        if ie.size:
            ks = chi[ie]
            Wj = W[:, ie]
            Pj = (Wj > 0).astype(dtype)
            Mk = M[:, ks]
            if Mk.all():  # complete data: denominators are the weight sums
                den += Wj.sum(axis=1)[:, None]
                if need_cnt:
                    cnt += Pj.sum(axis=1)[:, None]
            else:
                MfT = Mf[:, ks].T
                den += Wj @ MfT
                if need_cnt:
                    cnt += Pj @ MfT
            npos += Pj.sum(axis=1)
            for code in codes:
                if code == 4:
                    continue
                if (code in (1, 2) or (code == 3 and pj[j] < 0)) and zeros == "error":
                    badx = Mk & (X0[:, ks] <= 0)
                    if badx.any():
                        r, c = np.argwhere(badx)[0]
                        raise ValueError(
                            f"{AGGREGATION_METHODS[code]} aggregation needs positive values "
                            "(generalised: for p < 0); "
                            f"indicator {tree.indicators[ks[c]]} has {X[r, ks[c]]:.4g}. "
                            "Normalise to a positive range (e.g. minmax range=(1, 100)) or "
                            "use zeros='shift'"
                        )
                G, bad = g_ind(int(code), j)
                badk = bad[:, ks]
                if single:
                    num += Wj @ G[:, ks].T
                    if badk.any():
                        poison = (Pj @ badk.T.astype(dtype)) > 0
                else:
                    rows = mcode == code
                    num[rows] += Wj[rows] @ G[:, ks].T
                    if badk.any():
                        if poison is None:
                            poison = np.zeros((D, R), dtype=bool)
                        poison[rows] |= (Pj[rows] @ badk.T.astype(dtype)) > 0
        for e in np.flatnonzero((par == j) & ~isind):
            c = chi[e]
            sc = S[c]
            if tree.node_direction[c] < 0:
                sc = _flip(sc, bounds)
            w = W[:, e][:, None]
            nan_c = np.isnan(sc)
            any_nan = bool(nan_c.any())
            if any_nan:
                sc = np.where(nan_c, 0.0, sc)
            for code in codes:
                if code == 4:
                    continue
                rows = slice(None) if single else (mcode == code)
                vals = sc[rows]
                if (code in (1, 2) or (code == 3 and pj[j] < 0)) and zeros == "error":
                    chk = vals if not any_nan else vals[~nan_c[rows]]
                    if np.any(chk <= 0):
                        raise ValueError(
                            f"{AGGREGATION_METHODS[code]} aggregation of node {tree.nodes[j]} "
                            f"needs positive child scores ({tree.nodes[c]} has values <= 0)"
                        )
                gv = g(int(code), vals, j) * w[rows]
                if any_nan:
                    gv[nan_c[rows]] = 0.0
                num[rows] += gv
            if any_nan:
                av = ~nan_c
                den += av * w
                if need_cnt:
                    cnt += av * (w > 0)
            else:
                den += w
                if need_cnt:
                    cnt += w > 0
            npos += W[:, e] > 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.divide(num, den, out=num)
            if single:
                code = codes[0]
                if code == 1:
                    np.exp(out, out=out)
                elif code == 2:
                    np.divide(1.0, out, out=out)
                elif code == 3:
                    np.power(out, 1.0 / pj[j], out=out)
                elif code == 4:
                    out[:] = np.nan
                if code != 0 and shift_v:
                    out -= shift_v
            else:
                mean = out.copy()
                for code in codes:
                    rows = mcode == code
                    m = mean[rows]
                    if code == 0:
                        out[rows] = m
                    elif code == 1:
                        out[rows] = np.exp(m) - shift_v
                    elif code == 2:
                        out[rows] = 1.0 / m - shift_v
                    elif code == 3:
                        out[rows] = m ** (1.0 / pj[j]) - shift_v
                    else:
                        out[rows] = np.nan
            bad_out = (den <= 0) | ~np.isfinite(out)
            if poison is not None:
                bad_out |= poison
            if need_cnt:
                bad_out |= cnt / npos[:, None] < dat_thresh
            out[bad_out] = np.nan
        S[j] = out
    return S if node_major else S.transpose(1, 2, 0)


def copeland(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Copeland score of each unit from an outranking matrix (COINr ``a_copeland``).

    ``values``: units x children (NaN allowed: a comparison with a missing value counts
    for neither unit). For units i < j the outranking share is ``sum(w[x_i > x_j]) +
    sum(w[x_i == x_j]) / 2`` with weights summing to 1, and ``1 -`` that for j over i (as
    COINr); a unit scores +1 for each unit it outranks (> 0.5), -1 for each that outranks
    it, 0 for a tie. The score is a count, not on the normalised scale.

    Example
    -------
    >>> copeland(np.array([[1.0, 2.0], [2.0, 3.0], [0.0, 5.0]])).tolist()
    [-1.0, 1.0, 0.0]
    """
    V = np.asarray(values, float)
    n, k = V.shape
    w = np.ones(k) if weights is None else np.asarray(weights, float)
    w = w / np.nansum(w)
    with np.errstate(invalid="ignore"):
        gt = (V[:, None, :] > V[None, :, :]).astype(float)
        eq = (V[:, None, :] == V[None, :, :]).astype(float)
    orm = gt @ w + (eq @ w) / 2
    iu = np.triu_indices(n, 1)
    full = np.zeros((n, n))
    full[iu] = orm[iu]
    full[(iu[1], iu[0])] = 1 - orm[iu]
    sc_ = np.where(full > 0.5, 1.0, np.where(full < 0.5, -1.0, 0.0))
    np.fill_diagonal(sc_, 0.0)
    return sc_.sum(axis=1)


def _resolve_methods(tree: Tree, aggregate: Any) -> tuple[list[Any], dict]:
    """Per-node aggregation method list and the parameters (p, zeros, shift, dat_thresh).

    A method is a name of :data:`AGGREGATION_METHODS`, ``"copeland"`` or a callable
    ``f(values, weights)``; a mapping may be keyed by node id or by level (int)."""
    spec = aggregate
    params: dict = {}
    if isinstance(spec, Mapping) and "method" in spec:
        params = {k: v for k, v in spec.items() if k != "method"}
        spec = spec["method"]
    elif isinstance(spec, Mapping) and not (set(spec) & (set(tree.nodes) | set(range(2, 50)))):
        params = dict(spec)
        spec = None
    if spec is None:
        meths: list[Any] = list(tree.node_aggregation)
    elif isinstance(spec, str) or callable(spec):
        meths = [spec] * tree.J
    else:
        meths = [
            spec.get(n, spec.get(tree.levels[n], a))
            for n, a in zip(tree.nodes, tree.node_aggregation)
        ]
    for m in meths:
        if not callable(m) and m not in AGGREGATION_METHODS and m != "copeland":
            raise ValueError(
                f"unknown aggregation {m!r}; one of {AGGREGATION_METHODS}, 'copeland' "
                "or a function f(values, weights)"
            )
    return meths, params


def _method_codes(meths: Sequence[Any]) -> tuple[np.ndarray, dict]:
    """(1, J) codes for the vectorised core and the {node: function} custom nodes."""
    codes = np.array(
        [[_AGG_CODE[m] if isinstance(m, str) and m in _AGG_CODE else 0 for m in meths]]
    )
    custom = {
        j: (copeland if m == "copeland" else m)
        for j, m in enumerate(meths)
        if callable(m) or m == "copeland"
    }
    return codes, custom


def _scores_tidy(S: np.ndarray, index: pd.MultiIndex, tree: Tree) -> pd.DataFrame:
    R, J = S.shape
    df = pd.DataFrame(
        {
            "unit_id": np.repeat(index.get_level_values("unit_id").to_numpy(), J),
            "period": np.repeat(index.get_level_values("period").to_numpy(), J),
            "node_id": np.tile(np.array(tree.nodes, dtype=object), R),
            "level": np.tile(np.array([tree.levels[n] for n in tree.nodes]), R),
            "score": S.reshape(-1),
        }
    )
    return df


def aggregate(
    indicators: pd.DataFrame,
    fw: Framework,
    method: str | Mapping | None = None,
    weights: Any = None,
    dat_thresh: float | None = None,
    p: float = 2.0,
    zeros: str = "error",
    shift: float = 1.0,
    bounds: tuple[float, float] | None = (0.0, 100.0),
) -> pd.DataFrame:
    """Aggregate normalised indicators up the framework tree.

    Parameters
    ----------
    indicators : DataFrame
        Tidy normalised values (``unit_id, period, indicator_id, value``).
    method : str, callable or mapping, optional
        ``None`` = each node's own ``aggregation`` from the framework; a method for all
        nodes; or ``{node_id or level: method}`` (a different function per level, as
        COINr's ``f_ag`` vector). Methods: ``arithmetic``, ``geometric``, ``harmonic``,
        ``generalised`` (power mean with exponent ``p``; zeros allowed for p > 0, as in
        COINr), ``copeland`` (:func:`copeland`, within each period), ``none``, or a user
        function ``f(values, weights) -> scores`` (values: units x children of one
        period).
    weights : optional
        ``None`` (framework weights), ``"equal"``, or ``{child_id: weight}``.
    dat_thresh : float, optional
        Minimum share (0-1) of a node's (positively weighted) children that must be
        present, else the node's score is missing (COINr ``dat_thresh``).
    zeros : {"error", "shift"}
        Geometric/harmonic/generalised means need positive values: raise, or add
        ``shift`` to every child before and subtract it after.
    bounds : (lo, hi) or None
        Scale of the normalised values, used to mirror a node with direction -1 as
        ``lo + hi - score`` (``None``: ``-score``).

    Weights are renormalised over the children that are present for each unit.

    Returns
    -------
    DataFrame
        ``unit_id, period, node_id, level, score``.
    """
    tree = build_tree(fw)
    df = indicators.copy()
    if "period" not in df.columns:
        df["period"] = 0
    X = to_wide(df, tree.indicators)
    meths, extra = _resolve_methods(tree, method)
    W = _resolve_weights(tree, weights)
    codes, custom = _method_codes(meths)
    S = _aggregate_core(
        X.to_numpy(float),
        tree,
        W[None, :],
        codes,
        p=extra.get("p", p),
        zeros=extra.get("zeros", zeros),
        shift=extra.get("shift", shift),
        dat_thresh=extra.get("dat_thresh", dat_thresh),
        bounds=bounds,
        custom=custom,
        row_periods=X.index.get_level_values("period").to_numpy(),
    )[0]
    return _scores_tidy(S, X.index, tree)
