"""Monte Carlo uncertainty and sensitivity analysis of profiles (vectorised, chunked).

Each *assumption* of the scoring pipeline becomes an uncertain input:

``weights``
    every child weight multiplied by an independent ``U(1 - x, 1 + x)`` factor
    (spec: the noise ``x``, e.g. ``0.25`` for +-25%); one input column per weight,
    treated as one group in the sensitivity indices.
``normalisation``
    choice among methods (default ``["minmax", "zscore", "rank"]``): min-max 0-100,
    z-score rescaled to mean 50 / SD 10, percentile rank 0-100 (COINr percent_rank).
``aggregation``
    choice among aggregation methods for every node (e.g. arithmetic/geometric).
    Geometric/harmonic means use ``zeros="shift"`` (children + 1, result - 1) so that
    min-max zeros are allowed.
``imputation``
    choice among imputation methods, e.g. ``["none", "mean"]``.
``treatment``
    ``[False, True]``: COINr outlier treatment off/on.
``removal``
    ``True``: drop one indicator (uniformly among all) or none (probability 1/(K+1)).
``dummy``
    ``True``: an input with no effect (a check on the estimators; its indices are 0).

The first option of each list is the *nominal* choice (the nominal profile).

Sampling and estimators (Saltelli et al. 2010, Comput. Phys. Commun. 181:259-270): two
independent uniform matrices A and B (N x d) and, for each assumption i, A_B^i = A with
the columns of assumption i taken from B. ``n`` is the total number of model runs, so
``N = n // (k + 2)`` for k assumptions. First order: ``S_i = mean(f_B (f_ABi - f_A)) / V``
(Saltelli 2010, Table 2 (b)); total: ``ST_i = mean((f_A - f_ABi)^2) / (2V)`` (Jansen
1999); ``V`` = variance of ``f_A`` and ``f_B`` pooled. Bands use every run (each row of
A, B and A_B^i is a draw from the input distribution).

Vectorisation: every discrete variant (imputation x treatment x normalisation) is
prepared once with the ordinary step functions; the runs of a chunk are grouped by
variant and aggregated for all their weight vectors at once (one BLAS matrix product
per aggregation formula, see :func:`urbansec_lib.aggregation._aggregate_core`). No Python
loop over runs.

Example
-------
>>> res = run(data, fw, {"weights": 0.2, "normalisation": ["minmax", "zscore"],
...                      "dummy": True}, n=2000, seed=1)  # doctest: +SKIP
>>> res.indices.query("output == 'mean_abs_deviation'")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from . import scoring as sc
from .aggregation import (
    _AGG_CODE,
    AGGREGATION_METHODS,
    _aggregate_core,
    _method_codes,
    _resolve_methods,
    _scores_tidy,
)
from .imputation import _impute_wide
from .normalisation import _bounds_for, _normalise_wide
from .outliers import _treat_wide
from .tidy import to_wide, validate_data
from .tree import Tree, _resolve_weights, build_tree

__all__ = [
    "ASSUMPTIONS",
    "SpecsResult",
    "noisy_weights",
    "run_specs",
    "sa_estimate",
    "sa_sample",
    "NORMALISATION_VARIANTS",
    "SensitivityResult",
    "reference_scores",
    "run",
    "to_published_scale",
]

#: Normalisation options of the sensitivity analysis: name -> (scoring method, params).
NORMALISATION_VARIANTS: dict[str, tuple[str, dict]] = {
    "minmax": ("minmax", {"range": (0.0, 100.0)}),
    "zscore": ("zscore", {"mean": 50.0, "sd": 10.0}),
    "rank": ("percentile", {"kind": "coinr", "scale": 100.0}),
    "goalposts": ("goalposts", {"scale": 100.0}),
    "dist2max": ("dist2max", {"scale": 100.0}),
}
ASSUMPTIONS = (
    "weights",
    "normalisation",
    "aggregation",
    "imputation",
    "treatment",
    "removal",
    "dummy",
)
_DEFAULT_OPTIONS = {
    "normalisation": ["minmax", "zscore", "rank"],
    "aggregation": ["arithmetic", "geometric"],
    "imputation": ["none", "mean"],
    "treatment": [False, True],
}


@dataclass
class SensitivityResult:
    """Result of :func:`run`.

    Attributes
    ----------
    bands : DataFrame
        ``unit_id, period, node_id, level, nominal, mean, median, q05, q95, width``.
    indices : DataFrame
        ``output`` (``score`` per unit, or ``mean_abs_deviation`` over units),
        ``unit_id, period, node_id, assumption, S1, ST``.
    replicates : DataFrame
        One row per model run: ``run, matrix, sample`` and the value of every
        assumption (weights as one ``w:<child>`` column per weight).
    n_base, n_runs : int
        N and N(k+2).
    """

    bands: pd.DataFrame
    indices: pd.DataFrame
    replicates: pd.DataFrame
    n_base: int
    n_runs: int
    assumptions: dict
    seed: int
    nominal: pd.DataFrame
    info: dict = field(default_factory=dict)

    def summary(self) -> str:
        """Text summary: design, band widths per node, indices of the summary output."""
        lines = [
            f"Sensitivity analysis: {self.n_runs} runs (N = {self.n_base}, "
            f"{len(self.assumptions)} assumptions), seed {self.seed}",
            f"  assumptions: {self.assumptions}",
        ]
        w = self.bands.groupby("node_id", sort=False)["width"].agg(["mean", "max"])
        lines.append("Band width (q95 - q05) per node: mean [max]")
        for nid, r in w.iterrows():
            lines.append(f"  {nid:<28} {r['mean']:8.2f} [{r['max']:.2f}]")
        ix = self.indices[self.indices["output"] == "mean_abs_deviation"]
        if len(ix):
            lines.append("Sensitivity indices of the mean absolute deviation from nominal:")
            tab = ix.pivot_table(
                index="node_id", columns="assumption", values=["S1", "ST"], sort=False
            )
            lines.append(tab.round(3).to_string())
        return "\n".join(lines)

    def plot_bands(self, unit_id: Any, period: Any = None):
        """Median and 5-95% band of every node score of one unit (matplotlib Figure)."""
        import matplotlib.pyplot as plt

        b = self.bands[self.bands["unit_id"] == unit_id]
        if period is None:
            period = b["period"].max()
        b = b[b["period"] == period]
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(b) + 1.2))
        y = np.arange(len(b))
        ax.hlines(y, b["q05"], b["q95"], color="0.5", lw=4, label="5-95%")
        ax.plot(b["median"], y, "o", color="k", label="median")
        ax.plot(b["nominal"], y, "|", color="tab:red", ms=14, mew=2, label="nominal")
        ax.set_yticks(y, b["node_id"])
        ax.set_xlabel("score")
        ax.set_title(f"Uncertainty of scores: {unit_id} ({period})")
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        return fig

    def plot_indices(self, output: str = "mean_abs_deviation", node_id: Any = None):
        """Bar chart of first-order and total indices per assumption (Figure)."""
        import matplotlib.pyplot as plt

        ix = self.indices[self.indices["output"] == output]
        if node_id is None:
            node_id = ix["node_id"].iloc[-1]
        ix = ix[ix["node_id"] == node_id]
        if output == "score":
            ix = ix.groupby("assumption", sort=False)[["S1", "ST"]].mean().reset_index()
        fig, ax = plt.subplots(figsize=(6, 3.5))
        x = np.arange(len(ix))
        ax.bar(x - 0.2, ix["S1"], 0.4, label="first order S1")
        ax.bar(x + 0.2, ix["ST"], 0.4, label="total ST")
        ax.set_xticks(x, ix["assumption"], rotation=30, ha="right")
        ax.set_ylabel("sensitivity index")
        ax.set_title(f"Sensitivity of {node_id} ({output})")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig


def _parse(assumptions: Mapping[str, Any], tree: Tree) -> dict:
    out: dict[str, Any] = {}
    for name, spec in assumptions.items():
        if name not in ASSUMPTIONS:
            raise ValueError(f"unknown assumption {name!r}; one of {ASSUMPTIONS}")
        if name == "weights":
            noise = float(spec["noise"] if isinstance(spec, Mapping) else spec)
            if not 0 <= noise < 1:
                raise ValueError("weights noise must be in [0, 1)")
            out[name] = noise
        elif name in ("removal", "dummy"):
            if spec:
                out[name] = True
        else:
            opts = list(_DEFAULT_OPTIONS[name] if spec is True else spec)
            if name == "normalisation":
                for o in opts:
                    if o not in NORMALISATION_VARIANTS:
                        raise ValueError(
                            f"normalisation option {o!r}: one of {list(NORMALISATION_VARIANTS)}"
                        )
            if name == "aggregation":
                for o in opts:
                    if o not in AGGREGATION_METHODS and o != "framework":
                        raise ValueError(f"aggregation option {o!r}")
            out[name] = opts
    return out


def _choice(u: np.ndarray, m: int) -> np.ndarray:
    return np.minimum((u * m).astype(int), m - 1)


def run(
    data: pd.DataFrame,
    fw: Framework,
    assumptions: Mapping[str, Any],
    n: int = 10_000,
    seed: int = 0,
    chunk_size: int | None = None,
    weights: Any = None,
    groups: pd.DataFrame | None = None,
    impute_group: str | None = None,
    treat_params: Mapping | None = None,
    dat_thresh: float | None = None,
    quantiles: tuple[float, float] = (0.05, 0.95),
    keep_runs: bool = False,
    scale: str = "published",
    nboot: int | None = None,
) -> SensitivityResult:
    """Monte Carlo uncertainty + variance-based sensitivity analysis of a profile.

    Parameters
    ----------
    data, fw
        As for :func:`urbansec_lib.scoring.score`.
    assumptions : mapping
        ``{name: spec}`` with names from :data:`ASSUMPTIONS` (see module docs), e.g.
        ``{"weights": 0.25, "normalisation": ["minmax", "zscore", "rank"],
        "aggregation": ["arithmetic", "geometric"], "imputation": ["none", "mean"],
        "treatment": [False, True], "removal": True, "dummy": True}``.
    n : int
        Total number of model runs; ``N = n // (k + 2)`` base samples.
    seed : int
        Seed of the random generator (``numpy.random.default_rng``).
    chunk_size : int, optional
        Runs processed at once (memory ~ ``chunk_size * units * nodes * 40`` bytes);
        default aims at ~200 MB per chunk.
    weights : optional
        Nominal weights (as in ``score``); noise multiplies them.
    groups, impute_group
        For group imputation options (``"group_mean"``...).
    treat_params : dict, optional
        Parameters of the outlier treatment when switched on.
    dat_thresh : float, optional
        Aggregation data threshold (as in ``score``).
    keep_runs : bool
        Keep every run's scores in ``info["runs"]`` (float32 array runs x rows x nodes,
        rows as ``info["rows"]``, nodes as ``info["nodes"]``).
    scale : {"published", "native"}
        ``"published"`` (default): runs under an alternative normalisation are put on the
        published score's scale before aggregating - each indicator's alternative
        normalised values are mapped affinely onto the mean and standard deviation of
        its published (nominal) normalised values over the same rows (and the same
        imputation / treatment variant) - so the band says how the published score
        moves. ``"native"``: every normalisation on its own scale (z-scores around 50,
        percentile ranks ...), as before.

    nboot : int, optional
        Bootstrap confidence intervals (5-95%) of the indices of the mean absolute
        deviation (columns ``S1_lo, S1_hi, ST_lo, ST_hi``), resampling the N base samples
        as COINr's ``SA_estimate`` does (see :func:`sa_estimate`).

    A node without a published (nominal) score for a unit gets no band (NaN), whatever
    the runs give.

    Returns
    -------
    SensitivityResult
    """
    if scale not in ("published", "native"):
        raise ValueError("scale: 'published' or 'native'")
    rng = np.random.default_rng(seed)
    tree = build_tree(fw)
    df = validate_data(data, fw)
    X0 = to_wide(df, tree.indicators)
    spec = _parse(assumptions, tree)
    names = list(spec)
    k = len(names)
    if k == 0:
        raise ValueError("at least one assumption is needed")
    N = max(2, n // (k + 2))
    n_runs = N * (k + 2)
    # ---- input columns per assumption
    cols: dict[str, np.ndarray] = {}
    d = 0
    for nm in names:
        width = tree.E if nm == "weights" else 1
        cols[nm] = np.arange(d, d + width)
        d += width
    A = rng.random((N, d))
    B = rng.random((N, d))
    U = np.empty((n_runs, d))
    U[:N], U[N : 2 * N] = A, B
    for i, nm in enumerate(names):
        ABi = A.copy()
        ABi[:, cols[nm]] = B[:, cols[nm]]
        U[(2 + i) * N : (3 + i) * N] = ABi
    # ---- map to assumption values
    W0 = _resolve_weights(tree, weights)
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
    norm_opts = opt_idx["normalisation"][1]
    imp_opts = opt_idx["imputation"][1]
    tr_opts = opt_idx["treatment"][1]
    agg_opts = opt_idx["aggregation"][1]
    # ---- precompute discrete variants once (ordinary step functions)
    variants: list[np.ndarray] = []
    bounds: list[Any] = []
    vkey = {}
    for ii, im in enumerate(imp_opts):
        Xi, _ = _impute_wide(X0, im, groups, impute_group)
        for ti, tr in enumerate(tr_opts):
            if tr:
                kw = {
                    "skew_thresh": 2.0,
                    "kurt_thresh": 3.5,
                    "winmax": 5,
                    "log_fallback": "log_CT_plus",
                    **dict(treat_params or {}),
                }
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
        node_codes if o == "framework" else np.full(tree.J, _AGG_CODE[o]) for o in agg_opts
    ]
    agg_choice = opt_idx["aggregation"][0]
    R, J = X0.shape[0], tree.J
    if chunk_size is None:
        chunk_size = int(np.clip(3e7 / (max(R, 1) * (J + 4)), 50, 5000))
    # ---- run: runs grouped by (variant, aggregation option), in chunks of chunk_size
    Y = np.empty((J, n_runs, R), dtype=np.float32)  # node-major: contiguous per node
    group_key = variant * len(agg_opts) + agg_choice
    order = np.argsort(group_key, kind="stable")
    bounds_g = np.searchsorted(group_key[order], np.unique(group_key), side="left")
    bounds_g = np.r_[bounds_g, n_runs]
    for gi in range(len(bounds_g) - 1):
        grp = order[bounds_g[gi] : bounds_g[gi + 1]]
        v, ao = divmod(int(group_key[grp[0]]), len(agg_opts))
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
    # ---- nominal
    v0 = vkey[(0, 0, 0)]
    nominal = _aggregate_core(
        variants[v0],
        tree,
        W0[None, :],
        agg_code_opts[0][None, :],
        zeros="shift",
        shift=1.0,
        dat_thresh=dat_thresh,
        bounds=bounds[v0],
    )[0]
    # ---- bands
    units = X0.index.get_level_values("unit_id").to_numpy()
    periods = X0.index.get_level_values("period").to_numpy()
    q_lo, q_hi = quantiles
    band_parts = []
    mad = np.empty((n_runs, J))
    for j, nid in enumerate(tree.nodes):
        Yj = Y[j]
        nan_cols = np.isnan(Yj).any(axis=0)
        qs = np.empty((3, R))
        mean = np.empty(R)
        if (~nan_cols).any():
            qs[:, ~nan_cols] = np.quantile(Yj[:, ~nan_cols], [q_lo, 0.5, q_hi], axis=0)
            mean[~nan_cols] = Yj[:, ~nan_cols].mean(axis=0, dtype=np.float64)
        if nan_cols.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                qs[:, nan_cols] = np.nanquantile(Yj[:, nan_cols], [q_lo, 0.5, q_hi], axis=0)
                mean[nan_cols] = np.nanmean(Yj[:, nan_cols], axis=0, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            with warnings.catch_warnings():  # all-NaN runs (no data under the node)
                warnings.simplefilter("ignore", RuntimeWarning)
                mad[:, j] = np.nanmean(np.abs(Yj - nominal[:, j].astype(np.float32)), axis=1)
        no_pub = np.isnan(nominal[:, j])
        mean[no_pub] = np.nan
        qs[:, no_pub] = np.nan
        band_parts.append(
            pd.DataFrame(
                {
                    "unit_id": units,
                    "period": periods,
                    "node_id": nid,
                    "level": tree.levels[nid],
                    "nominal": nominal[:, j],
                    "mean": mean,
                    "median": qs[1],
                    "q05": qs[0],
                    "q95": qs[2],
                    "width": qs[2] - qs[0],
                }
            )
        )
    bands = pd.concat(band_parts, ignore_index=True)
    # ---- indices (Saltelli 2010 first order, Jansen total)
    ind_parts = []

    def estimators(F: np.ndarray) -> tuple[list, list]:
        fA = F[:N].astype(np.float64)
        fB = F[N : 2 * N].astype(np.float64)
        s1, st = [], []
        # outputs with no data (a unit with no indicator under a node) are all-NaN: their
        # indices are NaN by design, without the empty-slice warnings
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            V = np.nanvar(np.concatenate([fA, fB]), axis=0, ddof=1)
            for i in range(k):
                fAB = F[(2 + i) * N : (3 + i) * N].astype(np.float64)
                s1.append(np.where(V > 0, np.nanmean(fB * (fAB - fA), axis=0) / V, np.nan))
                st.append(np.where(V > 0, 0.5 * np.nanmean((fA - fAB) ** 2, axis=0) / V, np.nan))
        return s1, st

    for j, nid in enumerate(tree.nodes):
        s1, st = estimators(Y[j])
        for i, nm in enumerate(names):
            ind_parts.append(
                pd.DataFrame(
                    {
                        "output": "score",
                        "unit_id": units,
                        "period": periods,
                        "node_id": nid,
                        "assumption": nm,
                        "S1": s1[i],
                        "ST": st[i],
                    }
                )
            )
    s1, st = estimators(mad)
    boot = []
    if nboot:
        for j in range(J):
            e = sa_estimate(mad[:, j], N, k, nboot=nboot, seed=seed)
            boot.append(e)
    for i, nm in enumerate(names):
        part = pd.DataFrame(
            {
                "output": "mean_abs_deviation",
                "unit_id": None,
                "period": None,
                "node_id": list(tree.nodes),
                "assumption": nm,
                "S1": s1[i],
                "ST": st[i],
            }
        )
        if nboot:
            for a, b in (("S1_lo", "Si_lo"), ("S1_hi", "Si_hi"), ("ST_lo", "STi_lo")):
                part[a] = [e[b].iloc[i] for e in boot]
            part["ST_hi"] = [e["STi_hi"].iloc[i] for e in boot]
        ind_parts.append(part)
    indices = pd.concat(ind_parts, ignore_index=True)
    # ---- replicates
    mats = ["A"] * N + ["B"] * N + sum([[f"AB_{nm}"] * N for nm in names], [])
    rep = {"run": np.arange(n_runs), "matrix": mats, "sample": np.tile(np.arange(N), k + 2)}
    for nm in ("normalisation", "aggregation", "imputation", "treatment"):
        idx, opts = opt_idx[nm]
        rep[nm] = np.asarray(opts, dtype=object)[idx]
    if "removal" in spec:
        rep["removed_indicator"] = np.where(
            removed >= 0, np.asarray(tree.indicators, dtype=object)[np.maximum(removed, 0)], None
        )
    if "dummy" in spec:
        rep["dummy"] = U[:, cols["dummy"][0]]
    replicates = pd.DataFrame(rep)
    wcols = pd.DataFrame(W, columns=[f"w:{c}" for _, c in tree.edges])
    replicates = pd.concat([replicates, wcols], axis=1)
    nominal_df = _scores_tidy(nominal, X0.index, tree)
    return SensitivityResult(
        bands=bands,
        indices=indices,
        replicates=replicates,
        n_base=N,
        n_runs=n_runs,
        assumptions=spec,
        seed=seed,
        nominal=nominal_df,
        info={
            "n_variants": len(variants),
            "chunk_size": chunk_size,
            "n_undefined": int(np.isnan(Y).sum()),
            "runs": Y.transpose(1, 2, 0) if keep_runs else None,
            "rows": X0.index,
            "nodes": tree.nodes,
        },
    )


def to_published_scale(alternative: np.ndarray, published: np.ndarray) -> np.ndarray:
    """Map each column of ``alternative`` affinely onto the mean and SD of the same column
    of ``published`` (rows aligned; NaN kept): ``(a - mean_a) / sd_a * sd_p + mean_p``.

    Example
    -------
    >>> to_published_scale(np.array([[1.0], [2.0], [3.0]]), np.array([[0.0], [50], [100]]))
    array([[  0.],
           [ 50.],
           [100.]])
    """
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ma, sa = np.nanmean(alternative, axis=0), np.nanstd(alternative, axis=0)
        mp, sp = np.nanmean(published, axis=0), np.nanstd(published, axis=0)
        out = (alternative - ma) / sa * sp + mp
    return np.where(sa > 0, out, published)


def reference_scores(
    data: pd.DataFrame,
    fw: Framework,
    replicate: Mapping[str, Any],
    groups: pd.DataFrame | None = None,
    impute_group: str | None = None,
    treat_params: Mapping | None = None,
    dat_thresh: float | None = None,
    published: str | None = None,
) -> pd.DataFrame:
    """Rebuild one replicate with :func:`urbansec_lib.scoring.score` (slow reference).

    ``replicate`` is one row of :attr:`SensitivityResult.replicates` (as a dict).
    Used by the tests and the benchmark as the independent, unvectorised route.
    ``published``: the nominal normalisation (first option) of a ``scale="published"``
    run; an alternative normalisation is then mapped onto its scale
    (:func:`to_published_scale`) before aggregating.
    """
    nm = replicate.get("normalisation", "minmax")
    if published is not None and nm != published:
        return _reference_on_published_scale(
            data, fw, replicate, groups, impute_group, treat_params, dat_thresh, published
        )
    meth, prm = NORMALISATION_VARIANTS[nm]
    agg = replicate.get("aggregation", "arithmetic")
    imp = replicate.get("imputation", "none")
    tr = replicate.get("treatment", False)
    w = {k[2:]: v for k, v in replicate.items() if isinstance(k, str) and k.startswith("w:")}
    aggregate: dict = {"zeros": "shift", "shift": 1.0, "dat_thresh": dat_thresh}
    if agg != "framework":
        aggregate["method"] = agg
    prof = sc.score(
        data,
        fw,
        impute=None if imp in (None, "none") else {"method": imp, "group": impute_group},
        treat=dict(treat_params or {}) if tr else None,
        normalise=meth,
        normalise_params=prm,
        aggregate=aggregate,
        weights=w or None,
        groups=groups,
    )
    return prof.scores


def _reference_on_published_scale(
    data, fw, replicate, groups, impute_group, treat_params, dat_thresh, published
) -> pd.DataFrame:
    profs = {}
    for nm in (replicate["normalisation"], published):
        meth, prm = NORMALISATION_VARIANTS[nm]
        imp = replicate.get("imputation", "none")
        profs[nm] = sc.score(
            data,
            fw,
            impute=None if imp in (None, "none") else {"method": imp, "group": impute_group},
            treat=dict(treat_params or {}) if replicate.get("treatment", False) else None,
            normalise=meth,
            normalise_params=prm,
            groups=groups,
        )
    tree = build_tree(fw)
    wa = profs[replicate["normalisation"]].wide("indicators").reindex(columns=tree.indicators)
    wp = profs[published].wide("indicators").reindex(columns=tree.indicators)
    mapped = pd.DataFrame(
        to_published_scale(wa.to_numpy(float), wp.to_numpy(float)),
        index=wa.index,
        columns=wa.columns,
    )
    tidy = mapped.stack(future_stack=True).rename("value").reset_index()
    tidy = tidy.rename(columns={"level_2": "indicator_id"})
    if "indicator_id" not in tidy.columns:
        tidy = tidy.rename(columns={tidy.columns[2]: "indicator_id"})
    agg = replicate.get("aggregation", "arithmetic")
    w = {k[2:]: v for k, v in replicate.items() if isinstance(k, str) and k.startswith("w:")}
    m0, p0 = NORMALISATION_VARIANTS[published]
    return sc.aggregate(
        tidy,
        fw,
        method=None if agg == "framework" else agg,
        weights=w or None,
        dat_thresh=dat_thresh,
        zeros="shift",
        shift=1.0,
        bounds=_bounds_for(m0, p0),
    )


# ====================================================== any parameter, by address (COINr)
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


@dataclass
class SpecsResult:
    """Result of :func:`run_specs`.

    Attributes
    ----------
    bands : DataFrame
        ``unit_id, period, node_id, nominal, mean, median, q05, q95, width`` over all runs.
    indices : DataFrame
        (SA only) ``output`` (``score`` per unit of the target node, or
        ``mean_abs_deviation``), ``unit_id, period, address, Si, STi`` and bootstrap
        ``Si_lo, Si_hi, STi_lo, STi_hi``.
    replicates : DataFrame
        One row per run: ``run``, the value of every address (objects shown by their
        repr) and, for discrete specs, ``<address>#option`` (the option's position).
    runs : ndarray
        Scores of every run: runs x rows x nodes (rows = ``info["rows"]``).
    """

    bands: pd.DataFrame
    indices: pd.DataFrame
    replicates: pd.DataFrame
    runs: np.ndarray
    n_base: int
    n_runs: int
    specs: dict
    seed: int
    info: dict = field(default_factory=dict)

    def summary(self) -> str:
        """Text summary of the design and of the indices of the mean absolute deviation."""
        lines = [
            f"Sensitivity over {len(self.specs)} addresses, {self.n_runs} runs "
            f"(N = {self.n_base}), seed {self.seed}; {self.info.get('n_unique')} distinct "
            "pre-aggregation configurations computed"
        ]
        ix = self.indices
        if len(ix):
            m = ix[ix["output"] == "mean_abs_deviation"]
            lines.append(m[["address", "Si", "STi"]].round(3).to_string(index=False))
        return "\n".join(lines)


def _spec_value(spec: Mapping[str, Any], u: np.ndarray) -> list:
    if "values" in spec:
        vals = list(spec["values"])
        return [vals[i] for i in _choice(u, len(vals))]
    if "range" in spec:
        lo, hi = map(float, spec["range"])
        v = lo + (hi - lo) * u
        return list(np.round(v).astype(int)) if spec.get("integer") else list(v)
    raise ValueError("a spec needs 'values' (discrete) or 'range' (continuous uniform)")


def run_specs(
    data: pd.DataFrame,
    fw: Framework,
    specs: Mapping[str, Mapping[str, Any]],
    pipeline: Any = None,
    N: int = 100,
    sa_type: str = "SA",
    target: str | None = None,
    nboot: int | None = None,
    seed: int = 0,
    center: bool = False,
) -> SpecsResult:
    """Uncertainty / sensitivity analysis over ANY stage parameter, by address.

    COINr's ``get_sensitivity`` with ``SA_specs``: ``specs`` maps an address of a
    :class:`urbansec_lib.stages.Pipeline` parameter to its distribution, ``{"values":
    [...]}`` (discrete, uniform over the list - any objects: numbers, method names,
    weight sets, whole stage objects by stage name) or ``{"range": (lo, hi)}``
    (continuous uniform; ``"integer": True`` rounds). Example::

        {"treat.winmax": {"values": [1, 2, 3, 4, 5]},
         "normalise": {"values": [Normalise("minmax", {"range": (1, 100)}),
                                  Normalise("zscore", {"mean": 10, "sd": 2})]},
         "weight.scheme": {"values": noisy_weight_sets},
         "aggregate.method": {"values": ["arithmetic", "geometric"]}}

    ``sa_type="UA"`` samples N runs at random (bands only); ``"SA"`` runs the N(d + 2)
    design of :func:`sa_sample` and estimates Si / STi with :func:`sa_estimate` (with
    ``nboot`` bootstrap CIs) for every unit's score of ``target`` (default: the index)
    and for the mean absolute deviation of the target from the nominal over units.

    Runs sharing the same settings of every stage before weighting are computed once
    (cached); weights and aggregation are then applied per run with the vectorised
    aggregation core. ``center`` is passed to :func:`sa_estimate`.

    Returns
    -------
    SpecsResult
    """
    from .stages import Pipeline

    if sa_type not in ("SA", "UA"):
        raise ValueError("sa_type: 'SA' or 'UA'")
    pipe = pipeline if pipeline is not None else Pipeline()
    addresses = list(specs)
    if not addresses:
        raise ValueError("specs needs at least one address")
    for a in addresses:
        pipe.set(**{a: pipe.get(a) if "." in a else getattr(pipe, a)})  # validates
    d = len(addresses)
    rng = np.random.default_rng(seed)
    U = sa_sample(N, d, rng) if sa_type == "SA" else rng.random((N, d))
    n_runs = U.shape[0]
    values = {a: _spec_value(specs[a], U[:, i]) for i, a in enumerate(addresses)}
    tree = build_tree(fw)
    nominal = pipe.run(data, fw)
    rows = nominal.get_dset("Normalised").index
    cache: dict[str, Any] = {}
    Y = np.full((n_runs, len(rows), tree.J), np.nan)
    for r in range(n_runs):
        ch = {a: values[a][r] for a in addresses}
        p = pipe.set(**ch)
        pre_key = repr(
            [getattr(p, s) for s in ("denominate", "screen", "impute", "treat", "normalise")]
        )
        if isinstance(p.weight.scheme, str) and p.weight.scheme.startswith("pca"):
            prof = p.run(data, fw)
            S = prof.wide().reindex(index=rows, columns=list(tree.nodes)).to_numpy(float)
            Y[r] = S
            continue
        if pre_key not in cache:
            # pre-aggregation stages once per distinct setting (weights do not matter here)
            cache[pre_key] = p.set(weight=pipe.weight, aggregate=pipe.aggregate).run(data, fw)
        base = cache[pre_key]
        Nw = base.get_dset("Normalised").reindex(index=rows)
        meths, agg_kw = _resolve_methods(tree, p.score_kwargs()["aggregate"])
        agg_kw = {"p": 2.0, "zeros": "error", "shift": 1.0, "dat_thresh": None, **agg_kw}
        codes, custom = _method_codes(meths)
        W = _resolve_weights(tree, p.weight.scheme)
        Y[r] = _aggregate_core(
            Nw.to_numpy(float),
            tree,
            W[None],
            codes,
            bounds=base._bounds,
            custom=custom,
            row_periods=rows.get_level_values("period").to_numpy(),
            **agg_kw,
        )[0]
    nom = nominal.wide().reindex(index=rows, columns=list(tree.nodes)).to_numpy(float)
    units = rows.get_level_values("unit_id").to_numpy()
    periods = rows.get_level_values("period").to_numpy()
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(Y, [0.05, 0.5, 0.95], axis=0)
        mean = np.nanmean(Y, axis=0)
    for j, nid in enumerate(tree.nodes):
        no = np.isnan(nom[:, j])
        qq = q[:, :, j].copy()
        qq[:, no] = np.nan
        mj = np.where(no, np.nan, mean[:, j])
        parts.append(
            pd.DataFrame(
                {
                    "unit_id": units,
                    "period": periods,
                    "node_id": nid,
                    "nominal": nom[:, j],
                    "mean": mj,
                    "median": qq[1],
                    "q05": qq[0],
                    "q95": qq[2],
                    "width": qq[2] - qq[0],
                }
            )
        )
    bands = pd.concat(parts, ignore_index=True)
    indices = pd.DataFrame()
    if sa_type == "SA":
        tj = tree.nodes.index(target or tree.root)
        ind_parts = []
        for r_i in range(len(rows)):
            e = sa_estimate(Y[:, r_i, tj], N, d, nboot, seed, names=addresses, center=center)
            e.insert(0, "period", periods[r_i])
            e.insert(0, "unit_id", units[r_i])
            e.insert(0, "output", "score")
            ind_parts.append(e)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mad = np.nanmean(np.abs(Y[:, :, tj] - nom[None, :, tj]), axis=1)
        e = sa_estimate(mad, N, d, nboot, seed, names=addresses, center=center)
        e.insert(0, "period", None)
        e.insert(0, "unit_id", None)
        e.insert(0, "output", "mean_abs_deviation")
        ind_parts.append(e)
        indices = pd.concat(ind_parts, ignore_index=True).rename(columns={"variable": "address"})
    rep = pd.DataFrame({"run": np.arange(n_runs)})
    for i, a in enumerate(addresses):
        if "values" in specs[a]:  # which option of a discrete spec each run used
            rep[f"{a}#option"] = _choice(U[:, i], len(list(specs[a]["values"])))
        rep[a] = pd.Series(values[a], dtype=object).map(
            lambda v: v if isinstance(v, (int, float, str, type(None))) else repr(v)[:60]
        )
    return SpecsResult(
        bands=bands,
        indices=indices,
        replicates=rep,
        runs=Y,
        n_base=N,
        n_runs=n_runs,
        specs=dict(specs),
        seed=seed,
        info={"rows": rows, "nodes": tree.nodes, "n_unique": len(cache), "target": target},
    )


def noisy_weights(
    fw: Framework, noise: Mapping[int, float], n: int, seed: int = 0, weights: Any = None
) -> list[dict]:
    """``n`` perturbed weight sets (COINr ``get_noisy_weights``): each weight of a level
    in ``noise`` ({level: factor}) becomes ``w (1 + factor u)``, u ~ U(-1, 1).

    Returns a list of ``{child_id: weight}`` for ``{"weight.scheme": {"values": ...}}``.

    Example
    -------
    >>> ws = noisy_weights(fw, {2: 0.25}, n=100)  # doctest: +SKIP
    """
    tree = build_tree(fw)
    W0 = _resolve_weights(tree, weights)
    lv = np.array([tree.levels.get(c, 1) for _, c in tree.edges])
    rng = np.random.default_rng(seed)
    out = []
    F = np.zeros(tree.E)
    for level, f in noise.items():
        F[lv == level] = float(f)
    U = rng.random((n, tree.E)) * 2 - 1
    Wn = W0[None, :] * (1 + U * F[None, :])
    for r in range(n):
        out.append({c: float(w) for (_, c), w in zip(tree.edges, Wn[r])})
    return out
