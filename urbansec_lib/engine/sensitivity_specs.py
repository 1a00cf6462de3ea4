"""Uncertainty and sensitivity analysis over any stage parameter, by address (COINr
``get_sensitivity`` with ``SA_specs``), and noisy weight sets to feed it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .aggregation import _aggregate_core, _method_codes, _resolve_methods
from .sobol import _choice, band_table, sa_estimate, sa_sample
from .tree import _resolve_weights, build_tree

__all__ = [
    "SpecsResult",
    "noisy_weights",
    "run_specs",
]


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

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data
    >>> res = run_specs(example_data(fw), fw, {"treat.winmax": {"values": [1, 5]}}, N=3)
    >>> res.summary().splitlines()[0].startswith("Sensitivity over 1 addresses, 9 runs (N = 3)")
    True
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

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data
    >>> res = run_specs(example_data(fw), fw, {"aggregate.method": {"values": ["arithmetic",
    ...                 "generalised"]}}, N=4, sa_type="UA")
    >>> res.runs.shape, res.n_runs
    ((4, 3, 9), 4)
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
    Y, n_unique = _spec_runs(data, fw, pipe, values, rows, tree, n_runs)
    nom = nominal.wide().reindex(index=rows, columns=list(tree.nodes)).to_numpy(float)
    units = rows.get_level_values("unit_id").to_numpy()
    periods = rows.get_level_values("period").to_numpy()
    bands = _spec_bands(Y, nom, tree, units, periods)
    indices = pd.DataFrame()
    if sa_type == "SA":
        tj = tree.nodes.index(target or tree.root)
        indices = _spec_indices(Y, nom, tj, N, d, nboot, seed, addresses, center, units, periods)
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
        info={"rows": rows, "nodes": tree.nodes, "n_unique": n_unique, "target": target},
    )


def _spec_runs(data, fw, pipe, values, rows, tree, n_runs) -> tuple[np.ndarray, int]:
    """Scores of every run (runs x rows x nodes) and the number of distinct settings of
    the stages before weighting (each computed once; weights and aggregation per run)."""
    cache: dict[str, Any] = {}
    Y = np.full((n_runs, len(rows), tree.J), np.nan)
    for r in range(n_runs):
        ch = {a: v[r] for a, v in values.items()}
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
    return Y, len(cache)


def _spec_bands(Y, nom, tree, units, periods) -> pd.DataFrame:
    """5-95% bands of every node over all runs (none where the nominal score is NaN)."""
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
        parts.append(band_table(units, periods, nid, nom[:, j], mj, qq))
    return pd.concat(parts, ignore_index=True)


def _spec_indices(Y, nom, tj, N, d, nboot, seed, addresses, center, units, periods):
    """Si / STi of every unit's score of node ``tj`` and of its mean absolute deviation
    from the nominal over units."""
    ind_parts = []
    for r_i in range(Y.shape[1]):
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
    return pd.concat(ind_parts, ignore_index=True).rename(columns={"variable": "address"})


def noisy_weights(
    fw: Framework, noise: Mapping[int, float], n: int, seed: int = 0, weights: Any = None
) -> list[dict]:
    """``n`` perturbed weight sets (COINr ``get_noisy_weights``): each weight of a level
    in ``noise`` ({level: factor}) becomes ``w (1 + factor u)``, u ~ U(-1, 1).

    Returns a list of ``{child_id: weight}`` for ``{"weight.scheme": {"values": ...}}``.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> ws = noisy_weights(load_framework(), {2: 0.25}, n=100)
    >>> len(ws), len(ws[0])
    (100, 61)
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
