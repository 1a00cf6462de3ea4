"""Normalisation of indicators onto a common scale (direction applied first)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import Problem, ValidationError
from ..model.framework import Framework
from .tidy import _KEYS, StepResult, _to_tidy, to_wide, validate_data

__all__ = [
    "NORMALISATION_METHODS",
    "normalise",
    "normalise_vector",
]

NORMALISATION_METHODS = (
    "minmax",
    "zscore",
    "goalposts",
    "dist2targ",
    "dist2ref",
    "dist2max",
    "fracmax",
    "percentile",
    "rank",
    "borda",
    "ratio",
    "difference",
    "above_below_mean",
    "categorical",
    "none",
)


#: Normalisation methods whose output lies in a bounded range [lo, hi] (used to flip
#: a node with direction -1 as ``lo + hi - score``; unbounded methods use ``-score``).
_BOUNDED = {"minmax", "goalposts", "dist2max", "percentile", "categorical"}


# ======================================================================= normalise
def _per_ind(param: Any, ind_ids: Sequence[str], default: Callable[[str], Any], what: str):
    out = []
    missing = []
    for k in ind_ids:
        if isinstance(param, Mapping):
            v = param.get(k, None)
        else:
            v = param
        if v is None:
            v = default(k)
        if v is None:
            missing.append(k)
        out.append(v)
    if missing:
        raise ValidationError(
            [
                Problem("normalise_params", None, what, k, f"a {what} for indicator {k}")
                for k in missing
            ],
            "normalisation parameters",
        )
    return out


def _rank_min(X: np.ndarray) -> np.ndarray:
    R = np.full(X.shape, np.nan)
    for j in range(X.shape[1]):
        ok = ~np.isnan(X[:, j])
        R[ok, j] = stats.rankdata(X[ok, j], method="min")
    return R


def normalise_vector(x: Any, method: str = "minmax", direction: int = 1, **params: Any):
    """Normalise one indicator vector (convenience wrapper of the matrix engine).

    Example
    -------
    >>> normalise_vector([1.0, 2.0, 3.0], "minmax", range=(0, 1)).tolist()
    [0.0, 0.5, 1.0]
    """
    X = np.asarray(x, dtype=float)[:, None]
    return _normalise_array(X, np.array([direction], float), method, ["x"], None, None, params)[
        :, 0
    ]


def _normalise_array(
    X: np.ndarray,
    directions: np.ndarray,
    method: str,
    ind_ids: Sequence[str],
    fw: Framework | None,
    row_units: np.ndarray | None,
    params: Mapping[str, Any],
    row_periods: np.ndarray | None = None,
) -> np.ndarray:
    """Column-wise normalisation of a rows x indicators array (NaN kept)."""
    p = dict(params or {})
    if method not in NORMALISATION_METHODS:
        raise ValueError(f"unknown normalisation {method!r}; one of {NORMALISATION_METHODS}")
    d = directions[None, :]
    Xd = X * d
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mn, mx = np.nanmin(Xd, axis=0), np.nanmax(Xd, axis=0)
        scale = float(p.get("scale", 100.0))
        if method == "minmax":
            lo, hi = p.get("range", (0.0, 100.0))
            return (Xd - mn) / (mx - mn) * (hi - lo) + lo
        if method == "zscore":
            mu, sd = np.nanmean(Xd, axis=0), np.nanstd(Xd, axis=0, ddof=1)
            return (Xd - mu) / sd * float(p.get("sd", 1.0)) + float(p.get("mean", 0.0))
        if method == "dist2max":
            return (1 - (mx - Xd) / (mx - mn)) * scale
        if method == "fracmax":
            return Xd / mx * scale
        if method in ("goalposts", "dist2targ"):
            return _to_targets(Xd, directions, method, ind_ids, fw, p, mn, scale)
        if method in ("dist2ref", "ratio", "difference"):
            return _to_reference(Xd, method, row_units, row_periods, p, mn, mx, scale)
        if method == "above_below_mean":
            thr = float(p.get("p", 0.2))
            mu = np.nanmean(Xd, axis=0)
            Y = np.where(Xd > mu * (1 + thr), 1.0, np.where(Xd < mu * (1 - thr), -1.0, 0.0))
            return np.where(np.isnan(Xd), np.nan, Y)
        if method in ("rank", "borda", "percentile", "categorical"):
            return _by_rank(Xd, method, p, scale)
        return Xd  # "none"


def _to_targets(Xd, directions, method, ind_ids, fw, p, mn, scale) -> np.ndarray:
    """``goalposts`` and ``dist2targ``: per-indicator goalposts or targets (given, else the
    framework's valid range or target), in the indicator's own units."""

    def dflt(k: str) -> Any:
        if fw is None:
            return None
        ind = fw.indicator(k)
        if method == "dist2targ":
            return ind.target
        lo_, hi_ = ind.valid_range
        return None if lo_ is None or hi_ is None else (lo_, hi_)

    key = "goalposts" if method == "goalposts" else "targets"
    vals = _per_ind(p.get(key), ind_ids, dflt, key[:-1])
    if method == "goalposts":
        gp = np.array([sorted(map(float, v)) for v in vals])
        lo = np.where(directions > 0, gp[:, 0], -gp[:, 1])
        hi = np.where(directions > 0, gp[:, 1], -gp[:, 0])
        Y = (Xd - lo) / (hi - lo)
        if p.get("clip", True):
            Y = np.clip(Y, 0, 1)
        return Y * scale
    t = np.array(vals, dtype=float) * directions
    Y = (Xd - mn) / (t - mn)
    if p.get("cap_max", False):
        Y = np.minimum(Y, 1.0)
    return Y * scale


def _to_reference(Xd, method, row_units, row_periods, p, mn, mx, scale) -> np.ndarray:
    """``dist2ref``, ``ratio`` and ``difference``: distance to a reference unit (same
    period) or to the mean, max or min."""
    if method == "dist2ref":
        ref = p.get("ref_unit")
        if ref is None or row_units is None or not np.any(row_units == ref):
            raise ValueError("dist2ref needs ref_unit, a unit present in the data")
        xref = _ref_rows(Xd, row_units, row_periods, ref)
        Y = 1 - (xref - Xd) / (xref - mn)
        if p.get("cap_max", False):
            Y = np.minimum(Y, 1.0)
        return Y * scale
    ref = p.get("ref", "mean")
    if ref == "mean":
        xr = np.nanmean(Xd, axis=0)[None, :]
    elif ref == "max":
        xr = mx[None, :]
    elif ref == "min":
        xr = mn[None, :]
    else:
        if row_units is None or not np.any(row_units == ref):
            raise ValueError(f"reference {ref!r}: 'mean', 'max', 'min' or a unit id")
        xr = _ref_rows(Xd, row_units, row_periods, ref)
    return Xd / xr if method == "ratio" else (Xd - xr) / xr


def _by_rank(Xd, method, p, scale) -> np.ndarray:
    """``rank``, ``borda``, ``percentile`` and ``categorical``: from ranks, ties at the
    lowest rank."""
    R = _rank_min(Xd)
    n = np.sum(~np.isnan(Xd), axis=0)
    if method == "rank":
        return R
    if method == "borda":
        return R - 1.0
    if method == "percentile":
        if p.get("kind", "handbook") == "handbook":
            return R / n * scale
        return (R - 1) / (n - 1) * scale
    pct = R / n * 100
    cats = p.get("categories", ((95, 100), (85, 80), (65, 60), (35, 50), (15, 40), (5, 20)))
    Y = np.zeros_like(pct)
    done = np.zeros(pct.shape, bool)
    for thr, val in cats:
        hit = (pct >= thr) & ~done
        Y[hit] = val
        done |= hit
    return np.where(np.isnan(Xd), np.nan, Y)


def _ref_rows(Xd, row_units, row_periods, ref):
    """Reference unit's values aligned to each row (same period when periods given)."""
    sel = row_units == ref
    if row_periods is None:
        return np.broadcast_to(Xd[sel][0], Xd.shape)
    out = np.full(Xd.shape, np.nan)
    per = pd.Series(np.arange(len(row_periods))).groupby(row_periods)
    for idx in per.groups.values():
        idx = np.asarray(idx)
        r = idx[sel[idx]]
        if r.size:
            out[idx] = Xd[r[0]]
    return out


def _normalise_wide(
    X: pd.DataFrame,
    fw: Framework,
    method: str,
    params: Mapping | None,
    by_period: bool = False,
    directions: np.ndarray | None = None,
):
    ids = list(X.columns)
    p = dict(params or {})
    indiv = dict(p.pop("indiv", None) or {})
    dirs = (
        directions
        if directions is not None
        else np.array([fw.indicator(k).direction for k in ids], float)
    )
    units = X.index.get_level_values("unit_id").to_numpy()
    periods = X.index.get_level_values("period").to_numpy()
    A = X.to_numpy(dtype=float)

    def run(cols: np.ndarray, meth: str, prm: Mapping) -> np.ndarray:
        sub_ids = [ids[c] for c in cols]
        if not by_period:
            return _normalise_array(A[:, cols], dirs[cols], meth, sub_ids, fw, units, prm, periods)
        Y = np.full((A.shape[0], cols.size), np.nan)
        for pv in pd.unique(periods):
            s = periods == pv
            Y[s] = _normalise_array(
                A[s][:, cols], dirs[cols], meth, sub_ids, fw, units[s], prm, periods[s]
            )
        return Y

    bad = [k for k in indiv if k not in ids]
    if bad:
        raise ValueError(f"normalisation specs for {bad}, which are not indicators")
    glob = np.array([c for c, k in enumerate(ids) if k not in indiv], int)
    Y = np.full(A.shape, np.nan)
    if glob.size:
        Y[:, glob] = run(glob, method, p)
    for k, spec in indiv.items():
        sp = dict(spec)
        meth = sp.pop("method", method)
        c = np.array([ids.index(k)])
        Y[:, c] = run(c, meth, sp)
    return pd.DataFrame(Y, index=X.index, columns=ids)


def normalise(
    data: pd.DataFrame,
    fw: Framework,
    method: str = "minmax",
    by_period: bool = False,
    **params: Any,
) -> StepResult:
    """Normalise every indicator; higher-is-worse indicators are multiplied by -1 first.

    Methods (x' = direction * x; min, max, mean, SD over all units and periods pooled,
    or per period with ``by_period=True``):

    ``minmax``
        ``(x' - min)/(max - min) * (u - l) + l``, ``range=(l, u)`` default (0, 100).
    ``zscore``
        ``(x' - mean)/sd * s + m`` with the *sample* SD; ``mean=m`` (0), ``sd=s`` (1).
    ``goalposts``
        ``(x - low)/(high - low)`` (``(high - x)/(high - low)`` for higher-is-worse),
        clipped to [0, 1] (``clip=True``), times ``scale`` (100). ``goalposts`` = (low,
        high) or {indicator: (low, high)} in the indicator's units; default: its range.
    ``dist2targ``
        COINr ``n_dist2targ``: ``(x' - min)/(t' - min) * scale``; ``targets`` {id: value}
        default the framework's targets; ``cap_max``.
    ``dist2ref``
        COINr ``n_dist2ref``: ``(1 - (x'_ref - x')/(x'_ref - min)) * scale`` with the
        reference unit ``ref_unit`` (same period); ``cap_max``.
    ``dist2max``
        COINr ``n_dist2max``: ``(1 - (max - x')/(max - min)) * scale``.
    ``fracmax``
        COINr ``n_fracmax``: ``x'/max * scale`` (Handbook "ratio to best").
    ``percentile``
        ``kind="handbook"``: ``rank/n * scale`` with ties at the lowest rank (Handbook
        Table 15); ``kind="coinr"``: ``(rank - 1)/(n - 1) * scale`` (dplyr percent_rank).
    ``rank``
        Rank, ties at the lowest rank (1 = lowest x').
    ``borda``
        Borda score: rank - 1 (COINr ``n_borda``; 0 = lowest x').
    ``ratio`` / ``difference``
        ``x'/x'_ref`` and ``(x' - x'_ref)/x'_ref`` with ``ref`` = ``"mean"``, ``"max"``,
        ``"min"`` or a unit id (Handbook distance to a reference).
    ``above_below_mean``
        1 above ``(1 + p)*mean``, -1 below ``(1 - p)*mean``, else 0 (``p=0.2``).
    ``categorical``
        Handbook categorical scale on the percentile: >=95 -> 100, >=85 -> 80,
        >=65 -> 60, >=35 -> 50, >=15 -> 40, >=5 -> 20, else 0 (``categories``).
    ``none``
        x' unchanged.

    Ratio-type methods assume positive ratio-scale data; with direction -1 the values
    are negative (as in COINr) - prefer a range-based method for such indicators.

    Per-indicator specs (COINr ``indiv_specs``): ``indiv={indicator: {"method": ...,
    **params}}`` normalises those indicators their own way, the rest with ``method``.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> from urbansec_lib.engine.tidy import example_data
    >>> fw = load_framework()
    >>> res = normalise(example_data(fw), fw, "zscore", mean=100, sd=10)
    >>> z = res.data.groupby("indicator_id")["value"]
    >>> bool(np.allclose(z.mean(), 100) and np.allclose(z.std(), 10))
    True
    """
    df = validate_data(data, fw)
    ids = [i.id for i in fw.indicators]
    X = to_wide(df, ids)
    Y = _normalise_wide(X, fw, method, params, by_period)
    out = _to_tidy(Y)
    out["raw"] = _to_tidy(X)["value"].to_numpy()
    key = out.set_index(_KEYS + ["indicator_id"]).index
    out = out[key.isin(df.set_index(_KEYS + ["indicator_id"]).index)]
    log = {"step": "normalise", "method": method, "by_period": by_period, **params}
    return StepResult(out.reset_index(drop=True), pd.DataFrame(), log)


def _bounds_for(method: str, params: Mapping) -> tuple[float, float] | None:
    """Range of a bounded normalisation (for mirroring direction -1 nodes), else None."""
    if method not in _BOUNDED:
        return None
    if method == "minmax":
        lo, hi = params.get("range", (0.0, 100.0))
        return (float(lo), float(hi))
    if method == "categorical":
        return (0.0, 100.0)
    return (0.0, float(params.get("scale", 100.0)))
