"""The staggered-adoption panel: checks and preparation shared by the staggered estimators,
and two-way fixed effects on a balanced panel by the exact within transformation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .design_checks import _assumptions, _covariate_design, _Validator

__all__ = []


# --------------------------------------------------------------------------------------
# Panel preparation
# --------------------------------------------------------------------------------------
@dataclass
class _Panel:
    units: np.ndarray  # (n,) unit labels, sorted
    times: np.ndarray  # (T,) sorted periods
    y: np.ndarray  # (n, T)
    first: np.ndarray  # (n,) first treated period, 0 never
    x: np.ndarray | None  # (n, T, k) covariate design incl. intercept, or None
    x_names: list[str]
    cluster: np.ndarray | None  # (n,) integer codes
    dropped: dict[str, int]


def _prepare(
    df: Any,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    covariates: list[str] | str | None = None,
    cluster: str | None = None,
    what: str = "staggered adoption data",
) -> _Panel:
    v = _Validator(df)
    cols = {"outcome": outcome, "unit": unit, "time": time, "group": group}
    present = {role: v.column(c, role) for role, c in cols.items()}
    covs = v.columns(covariates, "covariates")
    clus = v.columns(cluster, "cluster")
    v.raise_if_any(what)
    for role in ("outcome", "time", "group"):
        if present[role]:
            v.numeric(cols[role], role)
    v.raise_if_any(what)
    data = df[list(dict.fromkeys([unit, time, group, outcome, *covs, *clus]))]
    n_rows = len(data)
    data = data.dropna()
    dropped = {"rows_missing": n_rows - len(data)}
    if dropped["rows_missing"]:
        warnings.warn(f"dropped {dropped['rows_missing']} rows with missing values", stacklevel=3)
    if data.duplicated([unit, time]).any():
        dup = data.loc[data.duplicated([unit, time], keep=False), unit]
        v.fail(unit, list(pd.unique(dup))[:10], "one row per unit and period")
    g_per_unit = data.groupby(unit)[group].nunique()
    if (g_per_unit > 1).any():
        v.fail(
            group,
            list(g_per_unit.index[g_per_unit > 1][:10]),
            "the same first-treated period in every row of a unit",
        )
    bad_g = data.loc[(data[group] < 0), group]
    if len(bad_g):
        v.fail(group, list(pd.unique(bad_g))[:10], "0 (never treated) or a period >= 0")
    v.raise_if_any(what)

    times = np.sort(pd.unique(data[time]).astype(float))
    # balanced panel: keep units observed in every period (as did's makeBalancedPanel)
    counts = data.groupby(unit)[time].nunique()
    keep = counts.index[counts == len(times)]
    dropped["units_unbalanced"] = int(len(counts) - len(keep))
    if dropped["units_unbalanced"]:
        warnings.warn(
            f"dropped {dropped['units_unbalanced']} units not observed in every period "
            "(balanced panel required)",
            stacklevel=3,
        )
        data = data[data[unit].isin(keep)]
    data = data.sort_values([unit, time])
    units = pd.unique(data[unit])
    n, T = len(units), len(times)
    if n == 0:
        v.fail(unit, None, "at least one unit observed in every period")
        v.raise_if_any(what)
    y = data[outcome].to_numpy(float).reshape(n, T)
    first = data[group].to_numpy(float).reshape(n, T)[:, 0].copy()
    first[first > times.max()] = 0.0  # treated after the panel ends: as if never treated
    x = None
    names: list[str] = []
    if covs:
        design = _covariate_design(data, covs)
        names = ["(Intercept)", *design.columns]
        xm = np.column_stack([np.ones(len(data)), design.to_numpy(float)])
        x = xm.reshape(n, T, xm.shape[1])
    codes = None
    if clus:
        per_unit = data.groupby(unit, sort=False)[clus[0]].nunique()
        if (per_unit > 1).any():
            v.fail(
                clus[0], list(per_unit.index[per_unit > 1][:10]), "a cluster constant within unit"
            )
            v.raise_if_any(what)
        codes = pd.factorize(data[clus[0]].to_numpy().reshape(n, T)[:, 0])[0]
    return _Panel(units, times, y, first, x, names, codes, dropped)


def _drop_always_treated(p: _Panel) -> _Panel:
    """Drop units treated in the first period (no pre-period), as did does."""
    always = (p.first > 0) & (p.first <= p.times[0])
    if always.any():
        warnings.warn(
            f"dropped {int(always.sum())} units already treated in the first period",
            stacklevel=3,
        )
        keep = ~always
        p = _Panel(
            p.units[keep],
            p.times,
            p.y[keep],
            p.first[keep],
            None if p.x is None else p.x[keep],
            p.x_names,
            None if p.cluster is None else pd.factorize(p.cluster[keep])[0],
            {**p.dropped, "units_always_treated": int(always.sum())},
        )
    return p


def _arg_error(arg: str, value: Any, expected: str):
    from ..core.errors import Problem, ValidationError

    return ValidationError([Problem("<arguments>", None, arg, value, expected)], what="arguments")


# --------------------------------------------------------------------------------------
# Two-way fixed effects on a balanced panel (exact within transformation)
# --------------------------------------------------------------------------------------
def _within(a: np.ndarray) -> np.ndarray:
    """Two-way demeaning of an ``n x T (x k)`` balanced panel array (exact for balance)."""
    return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean(axis=(0, 1))


def _twfe_ols(
    y: np.ndarray, X: np.ndarray, cluster: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """TWFE OLS of ``y (n x T)`` on ``X (n x T x k)`` with unit and period effects.

    On a balanced panel the two-way within transformation is exact in one step
    (``x_it - x_i. - x_.t + x_..``), several times faster than alternating projections
    (:func:`urbansec_lib.fixed_effects.feols` gives the same numbers, tested). CRV1 SEs by
    ``cluster`` (constant within unit) with the project's fixest convention
    (:func:`~urbansec_lib.fixed_effects.effective_k`: the unit effects nested in the
    clusters count once, K = k + T). Returns the coefficients, their covariance and G.
    """
    from .fixed_effects import effective_k, small_sample_factor

    n, T, k = X.shape
    yt = _within(y).reshape(-1)
    Xt = _within(X).reshape(n * T, k)
    xtx = Xt.T @ Xt
    bread = np.linalg.inv(xtx)
    beta = bread @ (Xt.T @ yt)
    u = yt - Xt @ beta
    codes = np.repeat(cluster, T)
    G = int(codes.max()) + 1
    scores = np.zeros((G, k))
    np.add.at(scores, codes, Xt * u[:, None])
    df_k = effective_k(k, [n, T], [True, False], "fixest")
    factor = small_sample_factor(n * T, df_k, G, "fixest")
    return beta, factor * bread @ (scores.T @ scores) @ bread, G


def _twfe_fields(est: float, se: float, crit: float, G: int, n_obs: int, checks, alpha) -> dict:
    """The :class:`ImpactResult` fields of a clustered TWFE estimate: estimate, se, the
    interval ``est -/+ crit * se``, the two-sided t(G - 1) p-value, n, MSMS level 4,
    assumptions, no model object and alpha (shared by Sun & Abraham and Bacon)."""
    return {
        "estimate": est,
        "se": se,
        "ci": (est - crit * se, est + crit * se),
        "pvalue": float(2 * stats.t.sf(abs(est / se), G - 1)),
        "n": n_obs,
        "msms_level": 4,
        "assumptions": _assumptions(checks),
        "model": None,
        "alpha": alpha,
    }
