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
>>> from urbansec_lib.framework import load_framework
>>> from urbansec_lib.scoring import example_data
>>> fw = load_framework()
>>> assumptions = {"weights": 0.2, "normalisation": ["minmax", "zscore"], "dummy": True}
>>> res = run(example_data(fw), fw, assumptions, n=200, seed=1)
>>> res.n_base, res.n_runs
(40, 200)
>>> mad = res.indices.query("output == 'mean_abs_deviation'")
>>> sorted(mad["assumption"].unique())
['dummy', 'normalisation', 'weights']
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .aggregation import (
    AGGREGATION_METHODS,
    _aggregate_core,
    _scores_tidy,
)
from .sensitivity_runs import (
    _aggregate_runs,
    _assumption_values,
    _design,
    _run_variants,
    _variants,
)
from .sensitivity_specs import SpecsResult as SpecsResult
from .sensitivity_specs import noisy_weights as noisy_weights
from .sensitivity_specs import run_specs as run_specs
from .sensitivity_variants import _DEFAULT_OPTIONS
from .sensitivity_variants import NORMALISATION_VARIANTS as NORMALISATION_VARIANTS
from .sensitivity_variants import reference_scores as reference_scores
from .sensitivity_variants import to_published_scale as to_published_scale
from .sobol import band_table, sobol_indices
from .sobol import sa_estimate as sa_estimate
from .sobol import sa_sample as sa_sample
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


ASSUMPTIONS = (
    "weights",
    "normalisation",
    "aggregation",
    "imputation",
    "treatment",
    "removal",
    "dummy",
)


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

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data
    >>> res = run(example_data(fw), fw, {"weights": 0.25}, n=60, seed=0)
    >>> res.summary().splitlines()[0]
    'Sensitivity analysis: 60 runs (N = 20, 1 assumptions), seed 0'
    >>> type(res.plot_bands("A")).__name__
    'Figure'
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


def _nanquantile_columns(X: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.nanquantile(X, qs, axis=0)`` (linear interpolation), vectorised over columns:
    one sort of the transposed array instead of a Python-level pass per column (numpy's
    ``nanquantile`` with missing values), the cost that dominated the bands.

    Examples
    --------
    >>> X = np.array([[1.0, np.nan], [2.0, 5.0], [4.0, 7.0], [np.nan, np.nan]])
    >>> _nanquantile_columns(X, (0.0, 0.5, 1.0)).tolist()
    [[1.0, 5.0], [2.0, 6.0], [4.0, 7.0]]
    """
    S = np.sort(np.ascontiguousarray(X.T), axis=1)  # missing values sort last
    n = (~np.isnan(S)).sum(axis=1)
    rows = np.arange(S.shape[0])
    out = np.full((len(qs), S.shape[0]), np.nan)
    has = n > 0
    for k, q in enumerate(qs):
        h = (n - 1) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        lo, hi = np.clip(lo, 0, None), np.clip(hi, 0, None)
        x_lo = S[rows, lo].astype(np.float64)
        x_hi = S[rows, hi].astype(np.float64)
        v = x_lo + (h - lo) * (x_hi - x_lo)
        out[k, has] = v[has]
    return out


def _bands(Y, nominal, tree, units, periods, quantiles):
    """Uncertainty bands of every node and unit, and each run's mean absolute deviation
    from the nominal score per node (runs x nodes)."""
    q_lo, q_hi = quantiles
    R = nominal.shape[0]
    band_parts = []
    mad = np.empty((Y.shape[1], tree.J))
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
                qs[:, nan_cols] = _nanquantile_columns(Yj[:, nan_cols], (q_lo, 0.5, q_hi))
                mean[nan_cols] = np.nanmean(Yj[:, nan_cols], axis=0, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            with warnings.catch_warnings():  # all-NaN runs (no data under the node)
                warnings.simplefilter("ignore", RuntimeWarning)
                mad[:, j] = np.nanmean(np.abs(Yj - nominal[:, j].astype(np.float32)), axis=1)
        no_pub = np.isnan(nominal[:, j])
        mean[no_pub] = np.nan
        qs[:, no_pub] = np.nan
        band_parts.append(
            band_table(units, periods, nid, nominal[:, j], mean, qs, level=tree.levels[nid])
        )
    return pd.concat(band_parts, ignore_index=True), mad


def _indices(Y, mad, tree, names, N, units, periods, nboot, seed):
    """Sensitivity indices (Saltelli 2010 first order, Jansen total) of every unit's
    score and of the mean absolute deviation per node (with bootstrap CIs)."""
    k = len(names)
    ind_parts = []
    for j, nid in enumerate(tree.nodes):
        s1, st = sobol_indices(Y[j], N, k)
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
    s1, st = sobol_indices(mad, N, k)
    boot = []
    if nboot:
        for j in range(tree.J):
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
    return pd.concat(ind_parts, ignore_index=True)


def _replicates(spec, names, N, opt_idx, removed, U, cols, W, tree) -> pd.DataFrame:
    """One row per run: its matrix (A, B, AB_<assumption>), sample and every value."""
    k = len(names)
    n_runs = N * (k + 2)
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
    return pd.concat([replicates, wcols], axis=1)


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

    Long because: it reads as the analysis step by step (design, values, variants, runs,
    bands, indices, replicates); each step is a named helper.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data
    >>> res = run(example_data(fw), fw, {"weights": 0.25, "dummy": True}, n=120, seed=0)
    >>> res.n_runs, list(res.bands.columns[:4])
    (120, ['unit_id', 'period', 'node_id', 'level'])
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
    cols, U = _design(names, tree, N, rng)
    W0 = _resolve_weights(tree, weights)
    W, removed, opt_idx = _assumption_values(spec, U, cols, tree, W0)
    variants, bounds, vkey = _variants(X0, fw, opt_idx, groups, impute_group, treat_params, scale)
    variant, agg_code_opts = _run_variants(opt_idx, vkey, tree)
    R, J = X0.shape[0], tree.J
    if chunk_size is None:
        chunk_size = int(np.clip(3e7 / (max(R, 1) * (J + 4)), 50, 5000))
    Y = _aggregate_runs(
        variants,
        bounds,
        variant,
        opt_idx["aggregation"][0],
        agg_code_opts,
        W,
        tree,
        chunk_size,
        dat_thresh,
    )
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
    units = X0.index.get_level_values("unit_id").to_numpy()
    periods = X0.index.get_level_values("period").to_numpy()
    bands, mad = _bands(Y, nominal, tree, units, periods, quantiles)
    indices = _indices(Y, mad, tree, names, N, units, periods, nboot, seed)
    replicates = _replicates(spec, names, N, opt_idx, removed, U, cols, W, tree)
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


# ====================================================== any parameter, by address (COINr)
