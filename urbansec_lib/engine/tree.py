"""The framework compiled into arrays for the scoring engine, and the weights on its edges.

:func:`build_tree` turns a :class:`~urbansec_lib.framework.Framework` into a :class:`Tree`
(indicators, aggregate nodes in post-order, parent-child edges with their weights);
:func:`effective_weights` gives each indicator's final share in each aggregate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..model.framework import Dimension, Framework

__all__ = [
    "Tree",
    "build_tree",
    "effective_weights",
]


# =============================================================================== tree
@dataclass(frozen=True)
class Tree:
    """The framework compiled into arrays (built by :func:`build_tree`).

    Attributes
    ----------
    indicators : tuple of str
        Indicator ids (K), framework order.
    directions : ndarray (K,)
        +1 / -1 per indicator.
    nodes : tuple of str
        Aggregate node ids (J) in post-order; the root index is last.
    levels : dict
        Node id -> level as in ``fw.meta()``.
    node_direction : ndarray (J,)
    node_aggregation : tuple of str
    children : tuple of tuple of str
        Child ids of each node (its indicators first, then its sub-dimensions).
    edges : list of (parent, child)
        One entry per parent-child link (E), grouped by parent in node order.
    edge_parent, edge_child, edge_child_is_ind : ndarray (E,)
        Parent node index, child index (into indicators or nodes) and child kind.
    base_weights : ndarray (E,)
        Framework weights of each edge.
    ind_under : dict
        Node id -> indices of every indicator at or below it.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> t = build_tree(fw)
    >>> t.root == t.nodes[-1], len(t.edge_index()) == t.E
    (True, True)
    """

    indicators: tuple[str, ...]
    directions: np.ndarray
    nodes: tuple[str, ...]
    levels: dict
    node_direction: np.ndarray
    node_aggregation: tuple[str, ...]
    children: tuple[tuple[str, ...], ...]
    edges: list
    edge_parent: np.ndarray
    edge_child: np.ndarray
    edge_child_is_ind: np.ndarray
    base_weights: np.ndarray
    ind_under: dict
    root: str

    @property
    def K(self) -> int:  # noqa: N802 - conventional symbol
        return len(self.indicators)

    @property
    def J(self) -> int:  # noqa: N802
        return len(self.nodes)

    @property
    def E(self) -> int:  # noqa: N802
        return len(self.edges)

    def edge_index(self) -> dict:
        """``child id -> edge position`` (every child has exactly one parent)."""
        return {c: e for e, (_, c) in enumerate(self.edges)}


def build_tree(fw: Framework) -> Tree:
    """Compile a :class:`~urbansec_lib.framework.Framework` into a :class:`Tree`.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> t = build_tree(fw)
    >>> t.nodes[-1] == fw.index_id, t.K == len(fw.indicators), t.J, t.E
    (True, True, 9, 61)
    """
    meta = fw.meta()
    levels = dict(zip(meta["iCode"], meta["Level"].astype(int)))
    inds = [i.id for i in fw.indicators]
    ipos = {k: n for n, k in enumerate(inds)}
    nodes: list[str] = []
    node_obj: dict[str, Any] = {}

    def visit(d: Dimension) -> None:
        for c in d.children:
            visit(c)
        nodes.append(d.id)
        node_obj[d.id] = d

    for d in fw.dimensions:
        visit(d)
    nodes.append(fw.index_id)
    npos = {k: n for n, k in enumerate(nodes)}
    edges, ep, ec, eind, ew, kids = [], [], [], [], [], []
    ind_under: dict[str, list[int]] = {}
    for j, nid in enumerate(nodes):
        if nid == fw.index_id:
            ch_ind: list = []
            ch_dim = list(fw.dimensions)
        else:
            d = node_obj[nid]
            ch_ind, ch_dim = list(d.indicators), list(d.children)
        ids = []
        under: list[int] = []
        # indicators first, then sub-dimensions: (child, its index, is it an indicator,
        # the indicators at or below it)
        children = [(i, ipos[i.id], True, [ipos[i.id]]) for i in ch_ind] + [
            (c, npos[c.id], False, ind_under[c.id]) for c in ch_dim
        ]
        for child, pos, is_ind, below in children:
            edges.append((nid, child.id))
            ep.append(j)
            ec.append(pos)
            eind.append(is_ind)
            ew.append(float(child.weight))
            ids.append(child.id)
            under.extend(below)
        kids.append(tuple(ids))
        ind_under[nid] = sorted(under)
    return Tree(
        indicators=tuple(inds),
        directions=np.array([i.direction for i in fw.indicators], dtype=float),
        nodes=tuple(nodes),
        levels=levels,
        node_direction=np.array(
            [1 if n == fw.index_id else node_obj[n].direction for n in nodes], dtype=float
        ),
        node_aggregation=tuple(
            fw.index_aggregation if n == fw.index_id else node_obj[n].aggregation for n in nodes
        ),
        children=tuple(kids),
        edges=edges,
        edge_parent=np.array(ep, dtype=int),
        edge_child=np.array(ec, dtype=int),
        edge_child_is_ind=np.array(eind, dtype=bool),
        base_weights=np.array(ew, dtype=float),
        ind_under={k: np.array(v, dtype=int) for k, v in ind_under.items()},
        root=fw.index_id,
    )


def _resolve_weights(tree: Tree, weights: Any) -> np.ndarray:
    """Edge weights from None/'framework', 'equal', a mapping or a (iCode, Weight) frame."""
    if weights is None or (isinstance(weights, str) and weights == "framework"):
        return tree.base_weights.copy()
    if isinstance(weights, str) and weights == "equal":
        return np.ones(tree.E)
    if isinstance(weights, pd.DataFrame):
        a, b = ("iCode", "Weight") if "iCode" in weights.columns else ("node_id", "weight")
        weights = dict(zip(weights[a], weights[b]))
    if isinstance(weights, pd.Series):
        weights = weights.to_dict()
    if not isinstance(weights, Mapping):
        raise ValueError("weights: None, 'framework', 'equal', 'pca', a mapping or a frame")
    w = tree.base_weights.copy()
    pos = tree.edge_index()
    bad = []
    for k, v in weights.items():
        if k == tree.root:
            continue
        if k not in pos:
            bad.append(Problem("weights", None, str(k), v, "a node or indicator of the framework"))
            continue
        if v is None or not np.isfinite(float(v)) or float(v) < 0:
            bad.append(Problem("weights", None, str(k), v, "a number >= 0"))
            continue
        w[pos[k]] = float(v)
    if bad:
        raise ValidationError(bad, "weights")
    return w


def effective_weights(tree_or_fw: Tree | Framework, weights: Any = None) -> pd.DataFrame:
    """Each indicator's final share in each aggregate (sums to 1 per aggregate).

    The share of indicator k in node j is the product, along the path from j down to k,
    of each child's weight divided by the sum of its siblings' weights (nominal: all
    data present). With geometric aggregation the shares are the exponents.

    Returns
    -------
    DataFrame
        ``node_id, level, indicator_id, weight``.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> ew = effective_weights(load_framework(), "equal")
    >>> bool(np.allclose(ew.groupby("node_id")["weight"].sum(), 1.0))
    True
    """
    tree = tree_or_fw if isinstance(tree_or_fw, Tree) else build_tree(tree_or_fw)
    W = _resolve_weights(tree, weights) if not isinstance(weights, np.ndarray) else weights
    share: dict[str, dict[int, float]] = {}
    for j, nid in enumerate(tree.nodes):
        es = np.flatnonzero(tree.edge_parent == j)
        tot = W[es].sum()
        acc: dict[int, float] = {}
        for e in es:
            f = W[e] / tot if tot > 0 else np.nan
            c = tree.edge_child[e]
            if tree.edge_child_is_ind[e]:
                acc[c] = acc.get(c, 0.0) + f
            else:
                for k, v in share[tree.nodes[c]].items():
                    acc[k] = acc.get(k, 0.0) + f * v
        share[nid] = acc
    rows = [
        {"node_id": n, "level": tree.levels[n], "indicator_id": tree.indicators[k], "weight": v}
        for n in tree.nodes
        for k, v in share[n].items()
    ]
    return pd.DataFrame(rows, columns=["node_id", "level", "indicator_id", "weight"])
