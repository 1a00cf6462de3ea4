"""Screening by data availability: drop indicators, then unit-periods, below thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .tidy import _KEYS, StepResult, to_wide, validate_data

__all__ = [
    "SCREEN_BY",
    "screen",
]

# ============================================================================ screen
SCREEN_BY = ("NA", "zeros", "NA_and_zeros")


def _screen_wide(
    X: pd.DataFrame,
    min_unit_coverage: float,
    min_indicator_coverage: float,
    by: str = "NA",
    min_nonzero: float = 0.05,
    force: Mapping[Any, bool] | None = None,
):
    if by not in SCREEN_BY:
        raise ValueError(f"screen by {by!r}; one of {SCREEN_BY}")
    rows = []
    obs = X.notna()
    ind_cov = obs.mean(axis=0)
    drop_ind = [k for k in X.columns if ind_cov[k] < min_indicator_coverage]
    for k in drop_ind:
        rows.append(
            {
                "kind": "indicator",
                "id": k,
                "period": None,
                "coverage": float(ind_cov[k]),
                "threshold": min_indicator_coverage,
                "reason": f"indicator available for {ind_cov[k]:.0%} of unit-periods "
                f"< {min_indicator_coverage:.0%}",
            }
        )
    X = X.copy()
    X[drop_ind] = np.nan
    A = X.to_numpy(float)
    n_obs = (~np.isnan(A)).sum(axis=1)
    unit_cov = pd.Series(n_obs / max(A.shape[1], 1), index=X.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        nonzero = pd.Series(1 - (A == 0).sum(axis=1) / n_obs, index=X.index)
    low_na = unit_cov < min_unit_coverage
    low_zero = nonzero < min_nonzero
    drop = {"NA": low_na, "zeros": low_zero, "NA_and_zeros": low_na | low_zero}[by].copy()
    forced = dict(force or {})
    unit_level = X.index.get_level_values("unit_id")
    unknown = [u for u in forced if u not in set(unit_level)]
    if unknown:
        raise ValueError(f"forced units {unknown} are not in the data")
    for u, inc in forced.items():
        drop[unit_level == u] = not bool(inc)
    for u, p in drop[drop].index:
        if u in forced:
            reason, thr, cov = "forced exclusion", None, float(unit_cov[(u, p)])
        elif low_na[(u, p)] and by != "zeros":
            reason = f"unit has {unit_cov[(u, p)]:.0%} of indicators < {min_unit_coverage:.0%}"
            thr, cov = min_unit_coverage, float(unit_cov[(u, p)])
        else:
            reason = f"unit has {nonzero[(u, p)]:.0%} non-zero values < {min_nonzero:.0%}"
            thr, cov = min_nonzero, float(nonzero[(u, p)])
        rows.append(
            {
                "kind": "unit",
                "id": u,
                "period": p,
                "coverage": cov,
                "threshold": thr,
                "reason": reason,
            }
        )
    X = X.drop(index=drop[drop].index)
    rep = pd.DataFrame(rows, columns=["kind", "id", "period", "coverage", "threshold", "reason"])
    return X, rep, drop_ind


def screen(
    data: pd.DataFrame,
    fw: Framework,
    min_unit_coverage: float = 0.0,
    min_indicator_coverage: float = 0.0,
    by: str = "NA",
    min_nonzero: float = 0.05,
    force: Mapping[Any, bool] | None = None,
) -> StepResult:
    """Screen by data availability: drop indicators, then unit-periods, below thresholds.

    Indicator coverage = share of unit-periods with a value; unit coverage = share of
    the framework's indicators (after dropping screened-out indicators' values) a
    unit-period has. Dropped indicators stay in the framework with no data (coverage 0).
    As COINr's ``Screen``: ``by="NA"`` drops units with coverage < ``min_unit_coverage``
    (``dat_thresh``), ``by="zeros"`` units whose share of non-zero values among their
    observed values is < ``min_nonzero`` (``nonzero_thresh``), ``by="NA_and_zeros"``
    either; ``force={unit: True/False}`` includes / excludes units whatever their data.

    Returns
    -------
    StepResult
        ``report`` columns: kind (``indicator``/``unit``), id, period, coverage,
        threshold, reason.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> from urbansec_lib.engine.tidy import example_data
    >>> fw = load_framework()
    >>> data = example_data(fw)
    >>> data = data[(data["unit_id"] != "C") | (data.index % 2 == 0)]  # C: half its data
    >>> res = screen(data, fw, min_unit_coverage=0.6)
    >>> res.report[["kind", "id", "reason"]].values.tolist()
    [['unit', 'C', 'unit has 51% of indicators < 60%']]
    >>> sorted(res.data["unit_id"].unique())
    ['A', 'B']
    """
    df = validate_data(data, fw)
    ids = [i.id for i in fw.indicators]
    X = to_wide(df, ids)
    X2, rep, _ = _screen_wide(X, min_unit_coverage, min_indicator_coverage, by, min_nonzero, force)
    keep = pd.MultiIndex.from_frame(df[_KEYS]).isin(X2.index)
    out = df[keep].copy()
    out = out[~out["indicator_id"].isin(rep.loc[rep["kind"] == "indicator", "id"])]
    log = {
        "step": "screen",
        "min_unit_coverage": min_unit_coverage,
        "min_indicator_coverage": min_indicator_coverage,
        "by": by,
        "min_nonzero": min_nonzero,
        "force": dict(force or {}),
        "dropped": rep[["kind", "id", "period"]].to_dict("records"),
    }
    return StepResult(out.reset_index(drop=True), rep, log)
