"""The model runs of :func:`urbansec_lib.sensitivity.run`: the Sobol design over the
assumptions, each run's assumption values, the discrete variants prepared once, and the
aggregation of all runs grouped by variant (vectorised over weight draws, chunked).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .aggregation import _AGG_CODE, _aggregate_core
from .imputation import _impute_wide
from .normalisation import _bounds_for, _normalise_wide
from .outliers import _TREAT_DEFAULTS, _treat_wide
from .sensitivity_variants import _DEFAULT_OPTIONS, NORMALISATION_VARIANTS, to_published_scale
from .sobol import _choice
from .tree import Tree

__all__: list[str] = []


def _design(names: list[str], tree: Tree, N: int, rng: np.random.Generator):
    """Input columns of each assumption and the N(k + 2) x d design U (A, B, A_B^i)."""
    cols: dict[str, np.ndarray] = {}
    d = 0
    for nm in names:
        width = tree.E if nm == "weights" else 1
        cols[nm] = np.arange(d, d + width)
        d += width
    n_runs = N * (len(names) + 2)
    A = rng.random((N, d))
    B = rng.random((N, d))
    U = np.empty((n_runs, d))
    U[:N], U[N : 2 * N] = A, B
    for i, nm in enumerate(names):
        ABi = A.copy()
        ABi[:, cols[nm]] = B[:, cols[nm]]
        U[(2 + i) * N : (3 + i) * N] = ABi
    return cols, U


def _assumption_values(spec: dict, U: np.ndarray, cols: dict, tree: Tree, W0: np.ndarray):
    """Each run's weights, removed indicator (-1: none) and option index per choice."""
    n_runs = U.shape[0]
    W = np.broadcast_to(W0, (n_runs, tree.E)).copy()
    if "weights" in spec:
        W *= 1 + spec["weights"] * (2 * U[:, cols["weights"]] - 1)
    removed = np.full(n_runs, -1)
    if "removal" in spec:
        c = _choice(U[:, cols["removal"][0]], tree.K + 1) - 1
        removed = c
        eidx = tree.edge_index()
        ind_edge = np.array([eidx[i] for i in tree.indicators])
        hit = c >= 0
        W[np.flatnonzero(hit), ind_edge[c[hit]]] = 0.0
    opt_idx = {}
    for nm in ("normalisation", "aggregation", "imputation", "treatment"):
        # an assumption that is not varied keeps its nominal value; for aggregation that is
        # each node's own method as declared in the framework
        opts = spec.get(nm, ["framework" if nm == "aggregation" else _DEFAULT_OPTIONS[nm][0]])
        opt_idx[nm] = (
            _choice(U[:, cols[nm][0]], len(opts)) if nm in spec else np.zeros(n_runs, int),
            opts,
        )
    return W, removed, opt_idx


def _variants(X0, fw, opt_idx, groups, impute_group, treat_params, scale):
    """Every discrete variant (imputation x treatment x normalisation), prepared once with
    the ordinary step functions: normalised matrices, their flip bounds, and the variant
    number of each (imputation, treatment, normalisation) option triple."""
    norm_opts = opt_idx["normalisation"][1]
    variants: list[np.ndarray] = []
    bounds: list[Any] = []
    vkey = {}
    for ii, im in enumerate(opt_idx["imputation"][1]):
        Xi, _ = _impute_wide(X0, im, groups, impute_group)
        for ti, tr in enumerate(opt_idx["treatment"][1]):
            if tr:
                kw = {**_TREAT_DEFAULTS, **dict(treat_params or {})}
                Xt = _treat_wide(Xi, **kw)[0]
            else:
                Xt = Xi
            pub = None
            for ni, nm in enumerate(norm_opts):
                meth, prm = NORMALISATION_VARIANTS[nm]
                vkey[(ii, ti, ni)] = len(variants)
                Nv = _normalise_wide(Xt, fw, meth, prm).to_numpy(float)
                if ni == 0:
                    pub = Nv
                elif scale == "published":
                    Nv = to_published_scale(Nv, pub)
                variants.append(Nv)
                m0, p0 = NORMALISATION_VARIANTS[norm_opts[0]]
                bounds.append(
                    _bounds_for(m0, p0) if scale == "published" else _bounds_for(meth, prm)
                )
    return variants, bounds, vkey


def _run_variants(opt_idx: dict, vkey: dict, tree: Tree) -> tuple[np.ndarray, list]:
    """Each run's variant number, and the node aggregation codes of each aggregation
    option (``"framework"``: each node's own method)."""
    variant = np.array(
        [
            vkey[(a, b, c)]
            for a, b, c in zip(
                opt_idx["imputation"][0], opt_idx["treatment"][0], opt_idx["normalisation"][0]
            )
        ]
    )
    node_codes = np.array([_AGG_CODE[m] for m in tree.node_aggregation])
    agg_code_opts = [
        node_codes if o == "framework" else np.full(tree.J, _AGG_CODE[o])
        for o in opt_idx["aggregation"][1]
    ]
    return variant, agg_code_opts


def _aggregate_runs(
    variants, bounds, variant, agg_choice, agg_code_opts, W, tree, chunk_size, dat_thresh
):
    """Scores of every run, node-major (J, runs, rows): runs grouped by (variant,
    aggregation option) and aggregated chunk by chunk for all their weights at once."""
    n_runs = W.shape[0]
    R, J = variants[0].shape[0], tree.J
    n_agg = len(agg_code_opts)
    Y = np.empty((J, n_runs, R), dtype=np.float32)  # node-major: contiguous per node
    group_key = variant * n_agg + agg_choice
    order = np.argsort(group_key, kind="stable")
    bounds_g = np.searchsorted(group_key[order], np.unique(group_key), side="left")
    bounds_g = np.r_[bounds_g, n_runs]
    for gi in range(len(bounds_g) - 1):
        grp = order[bounds_g[gi] : bounds_g[gi + 1]]
        v, ao = divmod(int(group_key[grp[0]]), n_agg)
        for a in range(0, grp.size, chunk_size):
            rows = grp[a : a + chunk_size]
            codes = np.broadcast_to(agg_code_opts[ao], (rows.size, J))
            Y[:, rows, :] = _aggregate_core(
                variants[v],
                tree,
                W[rows],
                codes,
                zeros="shift",
                shift=1.0,
                dat_thresh=dat_thresh,
                bounds=bounds[v],
                node_major=True,
                dtype=np.float32,
            )
    return Y
