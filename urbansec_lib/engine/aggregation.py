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
    indicators) @ (indicators x rows) per formula. Nodes are done in post-order by
    :class:`_NodeSums` (the sums of one node) and :func:`_finish_node` (``f^-1``).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> from urbansec_lib.engine.tree import build_tree
    >>> tree = build_tree(load_framework())
    >>> X = np.full((2, tree.K), 50.0)
    >>> codes = np.zeros((1, tree.J), int)
    >>> S = _aggregate_core(X, tree, tree.base_weights[None], codes)
    >>> S.shape == (1, 2, tree.J), bool(np.allclose(S, 50.0))
    (True, True)
    """
    R, K = X.shape
    D = W.shape[0]
    core = _Core(X, W, tree, p, zeros, shift, dat_thresh, bounds, dtype)
    S = np.full((tree.J, D, R), np.nan, dtype=dtype)
    custom = dict(custom or {})
    blocks = (
        [np.arange(R)]
        if row_periods is None
        else [np.flatnonzero(row_periods == pv) for pv in pd.unique(row_periods)]
    )
    for j in range(tree.J):
        if j in custom:
            core.custom_node(j, S, custom[j], blocks)
            continue
        mcode = methods[:, j]
        sums = _NodeSums(core, j, mcode)
        sums.add_indicators()
        sums.add_subnodes(S)
        S[j] = sums.finish()
    return S if node_major else S.transpose(1, 2, 0)


class _Core:
    """What every node of one :func:`_aggregate_core` call shares: the data, its mask,
    the weights and the transforms g (cached per formula for the indicator columns)."""

    def __init__(self, X, W, tree, p, zeros, shift, dat_thresh, bounds, dtype):
        self.tree, self.zeros, self.dat_thresh, self.bounds, self.dtype = (
            tree,
            zeros,
            dat_thresh,
            bounds,
            dtype,
        )
        self.X = np.asarray(X, dtype=dtype)
        self.W = np.asarray(W, dtype=dtype)
        self.pj = np.broadcast_to(np.asarray(p, dtype=float), (tree.J,))
        self.M = ~np.isnan(self.X)
        self.Mf = self.M.astype(dtype)
        self.X0 = np.where(self.M, self.X, 0).astype(dtype, copy=False)
        self.shift_v = shift if zeros == "shift" else 0.0
        self.need_cnt = dat_thresh is not None
        self._gcache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def g(self, code: int, v: np.ndarray, j: int) -> np.ndarray:
        """The transform of a formula: identity, log, 1/x or x**p (after the shift)."""
        if code == 0:
            return v
        vv = v + self.shift_v
        with np.errstate(divide="ignore", invalid="ignore"):
            if code == 1:
                return np.log(vv)
            if code == 2:
                return 1.0 / vv
            return vv ** self.pj[j]

    def g_ind(self, code: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """g of every indicator value (0 where missing or not finite) and the bad mask."""
        key = code if code != 3 else 100 + j
        if key not in self._gcache:
            G = self.g(code, self.X0, j)
            bad = self.M & ~np.isfinite(G)
            self._gcache[key] = (np.where(self.M & ~bad, G, 0.0), bad)
        return self._gcache[key]

    def needs_positive(self, code: int, j: int) -> bool:
        return (code in (1, 2) or (code == 3 and self.pj[j] < 0)) and self.zeros == "error"

    def custom_node(self, j: int, S: np.ndarray, f: Callable, blocks: list) -> None:
        """A node aggregated by a user function, draw by draw and period by period."""
        tree = self.tree
        par, chi, isind = tree.edge_parent, tree.edge_child, tree.edge_child_is_ind
        es = np.flatnonzero(par == j)
        for d in range(self.W.shape[0]):
            cols = []
            for e in es:
                c = chi[e]
                if isind[e]:
                    cols.append(self.X[:, c].astype(float))
                else:
                    sc_ = S[c, d].astype(float)
                    flip = tree.node_direction[c] < 0
                    cols.append(_flip(sc_, self.bounds) if flip else sc_)
            V = np.column_stack(cols)
            w = np.asarray(self.W[d, es], float)
            for rows in blocks:
                S[j, d, rows] = np.asarray(f(V[rows], w), dtype=float)


class _NodeSums:
    """The weighted sums of one node: ``num = sum w g(x)``, ``den = sum w`` over the
    children present (``cnt``: how many, for ``dat_thresh``), draws x rows."""

    def __init__(self, core: _Core, j: int, mcode: np.ndarray):
        D, R = core.W.shape[0], core.X.shape[0]
        dtype = core.dtype
        self.core, self.j, self.mcode = core, j, mcode
        self.codes = np.unique(mcode)
        self.single = self.codes.size == 1
        self.num = np.zeros((D, R), dtype=dtype)
        self.den = np.zeros((D, R), dtype=dtype)
        self.cnt = np.zeros((D, R), dtype=dtype) if core.need_cnt else None
        self.npos = np.zeros(D)
        self.poison = None

    def add_indicators(self) -> None:
        """The node's indicator children: one matrix product per formula."""
        core, j, tree = self.core, self.j, self.core.tree
        dtype = core.dtype
        par, chi, isind = tree.edge_parent, tree.edge_child, tree.edge_child_is_ind
        ie = np.flatnonzero((par == j) & isind)
        if not ie.size:
            return
        ks = chi[ie]
        Wj = core.W[:, ie]
        Pj = (Wj > 0).astype(dtype)
        Mk = core.M[:, ks]
        if Mk.all():  # complete data: denominators are the weight sums
            self.den += Wj.sum(axis=1)[:, None]
            if core.need_cnt:
                self.cnt += Pj.sum(axis=1)[:, None]
        else:
            MfT = core.Mf[:, ks].T
            self.den += Wj @ MfT
            if core.need_cnt:
                self.cnt += Pj @ MfT
        self.npos += Pj.sum(axis=1)
        for code in self.codes:
            if code == 4:
                continue
            if core.needs_positive(code, j):
                badx = Mk & (core.X0[:, ks] <= 0)
                if badx.any():
                    r, c = np.argwhere(badx)[0]
                    raise ValueError(
                        f"{AGGREGATION_METHODS[code]} aggregation needs positive values "
                        "(generalised: for p < 0); "
                        f"indicator {tree.indicators[ks[c]]} has {core.X[r, ks[c]]:.4g}. "
                        "Normalise to a positive range (e.g. minmax range=(1, 100)) or "
                        "use zeros='shift'"
                    )
            G, bad = core.g_ind(int(code), j)
            badk = bad[:, ks]
            if self.single:
                self.num += Wj @ G[:, ks].T
                if badk.any():
                    self.poison = (Pj @ badk.T.astype(dtype)) > 0
            else:
                rows = self.mcode == code
                self.num[rows] += Wj[rows] @ G[:, ks].T
                if badk.any():
                    if self.poison is None:
                        self.poison = np.zeros(self.num.shape, dtype=bool)
                    self.poison[rows] |= (Pj[rows] @ badk.T.astype(dtype)) > 0

    def add_subnodes(self, S: np.ndarray) -> None:
        """The node's sub-aggregate children (scored before it, post-order)."""
        core, j, tree = self.core, self.j, self.core.tree
        par, chi, isind = tree.edge_parent, tree.edge_child, tree.edge_child_is_ind
        for e in np.flatnonzero((par == j) & ~isind):
            c = chi[e]
            sc = S[c]
            if tree.node_direction[c] < 0:
                sc = _flip(sc, core.bounds)
            w = core.W[:, e][:, None]
            nan_c = np.isnan(sc)
            any_nan = bool(nan_c.any())
            if any_nan:
                sc = np.where(nan_c, 0.0, sc)
            for code in self.codes:
                if code == 4:
                    continue
                rows = slice(None) if self.single else (self.mcode == code)
                vals = sc[rows]
                if core.needs_positive(code, j):
                    chk = vals if not any_nan else vals[~nan_c[rows]]
                    if np.any(chk <= 0):
                        raise ValueError(
                            f"{AGGREGATION_METHODS[code]} aggregation of node {tree.nodes[j]} "
                            f"needs positive child scores ({tree.nodes[c]} has values <= 0)"
                        )
                gv = core.g(int(code), vals, j) * w[rows]
                if any_nan:
                    gv[nan_c[rows]] = 0.0
                self.num[rows] += gv
            if any_nan:
                av = ~nan_c
                self.den += av * w
                if core.need_cnt:
                    self.cnt += av * (w > 0)
            else:
                self.den += w
                if core.need_cnt:
                    self.cnt += w > 0
            self.npos += core.W[:, e] > 0

    def finish(self) -> np.ndarray:
        """``f^-1(num / den)`` per formula; NaN where no child, a bad value, or fewer
        children present than ``dat_thresh``."""
        core, j = self.core, self.j
        shift_v, pj = core.shift_v, core.pj
        num, den, codes, mcode = self.num, self.den, self.codes, self.mcode
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.divide(num, den, out=num)
            if self.single:
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
            if self.poison is not None:
                bad_out |= self.poison
            if core.need_cnt:
                bad_out |= self.cnt / self.npos[:, None] < core.dat_thresh
            out[bad_out] = np.nan
        return out


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

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.engine.normalisation import normalise
    >>> from urbansec_lib.engine.tidy import example_data
    >>> norm = normalise(example_data(fw), fw).data
    >>> s = aggregate(norm, fw, method="geometric", zeros="shift")
    >>> list(s.columns), s["node_id"].nunique()
    (['unit_id', 'period', 'node_id', 'level', 'score'], 9)
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
