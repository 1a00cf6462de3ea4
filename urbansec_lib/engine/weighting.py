"""Data-driven weights: PCA weights and weights optimised to a target importance (COINr)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize

from .aggregation import _AGG_CODE, _aggregate_core, _flip, _method_codes
from .tidy import _KEYS
from .tree import Tree

if TYPE_CHECKING:
    from .scoring import Profile


__all__ = [
    "optimise_level_weights",
    "optimise_weights",
    "pca_tree_weights",
    "pca_weights",
]


# ============================================================================ weights
def pca_weights(values: pd.DataFrame, kind: str = "squared") -> pd.Series:
    """Weights from the first principal component of standardised children.

    PCA of the correlation matrix of ``values`` (units x children, complete rows).
    ``kind="squared"``: the squared loadings of the first (unrotated) component, which
    sum to 1 (the eigenvector has unit length) - the simple variant of the Handbook's
    PCA/FA weighting (Section 6.1). ``kind="loadings"``: the signed loadings themselves,
    as COINr's ``get_PCA`` returns them (``prcomp(scale = TRUE)$rotation[, 1]``); an
    eigenvector's sign is arbitrary, so urbansec orients it to a positive sum (COINr
    keeps whatever sign LAPACK returns); a child loading against the others keeps a
    negative weight. Needs at least 3 complete rows; else equal weights.

    Example
    -------
    >>> pca_weights(pd.DataFrame({"a": [1, 2, 3, 4.], "b": [2, 4, 5, 9.]})).round(2).tolist()
    [0.5, 0.5]
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4.], "b": [2, 4, 5, 9.]})
    >>> pca_weights(d, kind="loadings").round(4).tolist()
    [0.7071, 0.7071]
    """
    if kind not in ("squared", "loadings"):
        raise ValueError("kind: 'squared' or 'loadings'")
    V = values.dropna()
    k = values.shape[1]
    if k == 1 or len(V) < 3:
        return pd.Series(np.full(k, 1.0 / k), index=values.columns)
    sd = V.std(ddof=1)
    ok = sd > 0
    w = pd.Series(0.0, index=values.columns)
    if ok.sum() < 2:
        w[ok] = 1.0 / max(ok.sum(), 1)
        return w
    C = np.corrcoef(V.loc[:, ok].to_numpy().T)
    evals, evecs = np.linalg.eigh(C)
    v = evecs[:, -1]
    if kind == "loadings":
        w[ok] = v if v.sum() >= 0 else -v
        return w
    w[ok] = v**2 / np.sum(v**2)
    return w


def pca_tree_weights(
    A: np.ndarray, tree: Tree, codes: np.ndarray, kind: str = "squared", **agg: Any
) -> np.ndarray:
    """Every node's child weights by :func:`pca_weights`, bottom-up, level by level.

    The children of a level-l node are its indicators (normalised values ``A``, rows x
    indicators) and its sub-aggregates scored with the weights found so far below
    (equal weights to start); ``codes`` and ``agg`` are passed to the aggregation core.

    Returns
    -------
    ndarray
        Edge weights in the order of ``tree.edges``.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> from urbansec_lib.engine.aggregation import _method_codes
    >>> from urbansec_lib.engine.tree import build_tree
    >>> tree = build_tree(load_framework())
    >>> A = np.random.default_rng(0).uniform(0, 100, (12, tree.K))
    >>> W = pca_tree_weights(A, tree, _method_codes(["arithmetic"] * tree.J)[0])
    >>> W.shape == (tree.E,) and bool(np.all(W >= 0))
    True
    """
    W = np.ones(tree.E)
    for lvl in sorted(set(tree.levels[n] for n in tree.nodes)):
        S = _aggregate_core(A, tree, W[None], codes, **agg)[0]
        for j, nid in enumerate(tree.nodes):
            if tree.levels[nid] != lvl:
                continue
            es = np.flatnonzero(tree.edge_parent == j)
            cols = {}
            for e in es:
                c = tree.edge_child[e]
                cols[tree.edges[e][1]] = A[:, c] if tree.edge_child_is_ind[e] else S[:, c]
            W[es] = pca_weights(pd.DataFrame(cols), kind=kind).to_numpy()
    return W


def optimise_weights(
    prof: Profile,
    node_id: str,
    target: Mapping[str, float] | Sequence[float] | None = None,
    method: str = "Nelder-Mead",
    maxiter: int = 2000,
) -> dict:
    """Weights of ``node_id``'s children that match a target importance (COINr ``get_opt_weights``).

    Importance of a child = Pearson correlation of the child with the node's score over
    all unit-periods of ``prof``; importances and target are both normalised to sum to 1
    and the sum of squared differences is minimised over the (positive) weights with
    :func:`scipy.optimize.minimize`. The children's values are held fixed.

    Parameters
    ----------
    target : optional
        ``{child_id: importance}`` or a sequence; default equal importance.

    Returns
    -------
    dict
        ``weights`` ({child: weight}, summing to 1), ``importance`` (achieved),
        ``target``, ``objective``, ``success``. Pass ``weights`` to
        ``prof.rescore(weights=...)``.

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.engine.scoring import score
    >>> from urbansec_lib.engine.tidy import example_data
    >>> prof = score(example_data(fw, units=[f"u{i}" for i in range(8)]), fw)
    >>> r = optimise_weights(prof, "recorded_crime")
    >>> float(round(sum(r["weights"].values()), 6)), sorted(r) == sorted(
    ...     ["weights", "importance", "target", "objective", "success"])
    (1.0, True)
    """
    tree = prof._tree
    j = tree.nodes.index(node_id)
    es = np.flatnonzero(tree.edge_parent == j)
    kids = [tree.edges[e][1] for e in es]
    vals = []
    iw = prof.indicators.pivot_table(
        index=_KEYS, columns="indicator_id", values="value", dropna=False
    )
    sw = prof.wide()
    for e, c in zip(es, kids):
        vals.append(iw[c] if tree.edge_child_is_ind[e] else sw[c])
    V = pd.concat(vals, axis=1).dropna().to_numpy(float)
    for n, e in enumerate(es):
        if not tree.edge_child_is_ind[e] and tree.node_direction[tree.edge_child[e]] < 0:
            V[:, n] = _flip(V[:, n], prof._bounds)
    t = (
        np.ones(len(kids))
        if target is None
        else (
            np.array([target[c] for c in kids], float)
            if isinstance(target, Mapping)
            else np.asarray(target, float)
        )
    )
    t = t / t.sum()
    code = _AGG_CODE[prof._methods[j]]

    def agg(w):
        w = np.abs(w)
        if code == 1:
            return np.exp(np.log(V) @ w / w.sum())
        return V @ w / w.sum()

    def importance(w):
        y = agg(w)
        c = np.array([np.corrcoef(V[:, i], y)[0, 1] for i in range(V.shape[1])])
        return c / c.sum()

    def obj(w):
        return float(np.sum((importance(w) - t) ** 2))

    w0 = np.ones(len(kids)) / len(kids)
    r = optimize.minimize(
        obj, w0, method=method, options={"maxiter": maxiter, "xatol": 1e-8, "fatol": 1e-12}
    )
    w = np.abs(r.x) / np.abs(r.x).sum()
    return {
        "weights": dict(zip(kids, w)),
        "importance": dict(zip(kids, importance(w))),
        "target": dict(zip(kids, t)),
        "objective": float(r.fun),
        "success": bool(r.success),
    }


def _balance_target(target: Any, n: int, level: int) -> np.ndarray:
    """The target importance of ``n`` components (``"equal"`` or n values), summing to 1."""
    t = np.ones(n) if isinstance(target, str) and target == "equal" else None
    if t is None:
        t = np.asarray(target, float)
    if t.size != n:
        raise ValueError(f"target needs {n} values (the components of level {level})")
    return t / t.sum()


def optimise_level_weights(
    prof: Profile,
    level: int,
    optype: str = "balance",
    target: Any = "equal",
    toler: float = 0.1,
    maxiter: int = 500,
    allow_negative: bool = False,
) -> dict:
    """Weights of all components at ``level`` optimised as COINr's ``get_opt_weights``.

    The components of ``level`` (1 = indicators) are correlated (Pearson) with the index
    after re-aggregating the profile with candidate weights. ``optype="balance"``
    minimises ``log(mean((t - c / sum(c))^2))`` for a target importance ``t`` (``"equal"``
    or a sequence, normalised to sum 1); ``"infomax"`` maximises ``sum(c)``. Nelder-Mead
    (:func:`scipy.optimize.minimize`) from the target (balance) or the current weights
    (infomax), with COINr's ``reltol`` as ``toler`` and ``maxit`` as ``maxiter``.

    Negative weights: COINr optimises the raw weights unconstrained, so a weight can
    come out negative. urbansec's choice (``allow_negative=False``) optimises ``|v|``,
    so every weight is >= 0 - a negative weight would reward a unit for doing worse on
    a component, which a published index should not do. ``allow_negative=True``
    reproduces COINr's unconstrained search.

    Returns
    -------
    dict
        ``weights`` ({component: weight}, summing to 1), ``correlations`` (achieved),
        ``objective``, ``success``, ``n_evaluations``. Pass ``weights`` to
        ``prof.rescore(weights=...)``.

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.engine.scoring import score
    >>> from urbansec_lib.engine.tidy import example_data
    >>> prof = score(example_data(fw, units=[f"u{i}" for i in range(8)]), fw)
    >>> r = optimise_level_weights(prof, level=3, maxiter=50)
    >>> float(round(sum(r["weights"].values()), 6)), r["optype"]
    (1.0, 'balance')
    """
    if optype not in ("balance", "infomax"):
        raise ValueError("optype: 'balance' or 'infomax'")
    tree = prof._tree
    W0 = np.asarray(prof._weights, float)
    meths = prof._methods
    codes, custom = _method_codes(meths)
    N = prof.indicators.pivot_table(
        index=_KEYS, columns="indicator_id", values="value", dropna=False
    ).reindex(columns=list(tree.indicators))
    A = N.to_numpy(float)
    comps = (
        list(tree.indicators) if level == 1 else [n for n in tree.nodes if tree.levels[n] == level]
    )
    if not comps:
        raise ValueError(f"no components at level {level}")
    pos = tree.edge_index()
    es = np.array([pos[c] for c in comps])
    root = tree.nodes.index(tree.root)
    t = _balance_target(target, len(comps), level) if optype == "balance" else None
    last: dict[str, Any] = {}

    def corr(w: np.ndarray) -> np.ndarray:
        W = W0.copy()
        W[es] = w / w.sum()
        S = _aggregate_core(A, tree, W[None], codes, bounds=prof._bounds, custom=custom)[0]
        y = S[:, root]
        V = (
            A[:, [tree.indicators.index(c) for c in comps]]
            if level == 1
            else S[:, [tree.nodes.index(c) for c in comps]]
        )
        ok = ~np.isnan(y)
        c = np.array(
            [
                np.corrcoef(V[ok & ~np.isnan(V[:, i]), i], y[ok & ~np.isnan(V[:, i])])[0, 1]
                for i in range(len(comps))
            ]
        )
        return c

    def obj(v: np.ndarray) -> float:
        w = v if allow_negative else np.abs(v)
        c = corr(w)
        if optype == "balance":
            val = float(np.log(max(np.sum((t - c / c.sum()) ** 2) / c.size, 1e-300)))
        else:
            val = float(-np.sum(c))
        last.update(c=c, val=val)
        return val

    x0 = t.copy() if optype == "balance" else W0[es].copy()
    r = optimize.minimize(
        obj, x0, method="Nelder-Mead", options={"maxiter": maxiter, "fatol": toler * 1e-3}
    )
    w = r.x if allow_negative else np.abs(r.x)
    w = w / w.sum()
    c = corr(w)
    return {
        "weights": dict(zip(comps, w)),
        "correlations": dict(zip(comps, c)),
        "objective": float(obj(w)),
        "success": bool(r.success),
        "n_evaluations": int(r.nfev),
        "optype": optype,
        "objective_at": lambda ww: obj(np.asarray(ww, float)),
    }
