"""The synthetic control fit: predictors and outcomes prepared from a long panel, and the
nested search (unit weights ``W`` given predictor weights ``V``, ``V`` by the outer search).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from .synth_weights import _EPS, _bfgs, _nelder_mead, simplex_least_squares

__all__ = []

_FRAME = "<dataframe>"
_ARGS = "<arguments>"
_OPS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": np.nanmean,
    "median": np.nanmedian,
    "sum": np.nansum,
    "min": np.nanmin,
    "max": np.nanmax,
}


# --------------------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------------------
@dataclass
class _SCData:
    """Matrices of one synthetic-control problem (treated unit first in every matrix)."""

    units: list  # treated first, then donors
    times: np.ndarray
    treatment_time: Any
    X: np.ndarray  # (k, J+1) predictors, unscaled
    predictor_names: list[str]
    Y: np.ndarray  # (T, J+1) outcome
    opt_rows: np.ndarray  # indices into times used in loss_v
    pre_rows: np.ndarray
    post_rows: np.ndarray
    names: dict


def _rows(df: pd.DataFrame, mask: pd.Series) -> list[int]:
    pos = np.flatnonzero(np.asarray(mask))
    return [int(p) + 2 for p in pos]


def _as_periods(periods: Any) -> list:
    if periods is None:
        return []
    if isinstance(periods, (str, bytes)) or not isinstance(periods, Iterable):
        return [periods]
    return list(periods)


def _predictor_name(column: str, periods: list, op: str, n_pre: int) -> str:
    if not periods:
        label = f"{column} (pre-period)"
    elif len(periods) == 1:
        label = f"{column} ({periods[0]})"
    else:
        label = f"{column} ({periods[0]}-{periods[-1]})"
    return label if op == "mean" else f"{label}, {op}"


class _Problems(list):
    """Problems found so far in the synthetic control input (raised together)."""

    def fail(self, column, value, expected, row=None, file=_ARGS) -> None:
        self.append(Problem(file, row, column, value, expected))

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(list(self), what="synthetic control input")


def _prepare(
    df: Any,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    treatment_time: Any,
    predictors: Sequence | None,
    optimise_periods: Iterable | None,
    donors: Iterable | None,
    predictor_table: pd.DataFrame | None,
    unit_names: str | Mapping | None,
) -> _SCData:
    """Check the input and build predictors ``X`` and outcomes ``Y`` (treated unit first).

    Long because: the checks run in stages (columns, types, units and times, outcomes,
    predictors), each reporting all its problems before the next; predictors, donors and the
    predictor table are helpers.
    """
    pr = _Problems()
    if not isinstance(df, pd.DataFrame):
        raise ValidationError(
            [Problem(_FRAME, None, None, type(df).__name__, "a pandas DataFrame")],
            what="synthetic control input",
        )
    for role, col in (("outcome", outcome), ("unit", unit), ("time", time)):
        if not isinstance(col, str) or col not in df.columns:
            pr.fail(str(col), None, f"column present in the data frame (argument `{role}`)")
    pr.raise_if_any()
    for role, col in (("outcome", outcome), ("time", time)):
        if not pd.api.types.is_numeric_dtype(df[col]):
            pr.fail(col, list(pd.unique(df[col].dropna()))[:5], f"numeric values (`{role}`)")
    pr.raise_if_any()
    data = df.reset_index(drop=True)
    dup = data.duplicated([unit, time], keep=False)
    for r in _rows(data, dup)[:20]:
        pr.fail(f"{unit}, {time}", None, "one row per unit and time", row=r, file=_FRAME)
    donor_list = _donor_list(pr, list(pd.unique(data[unit])), unit, treated, donors)
    times = np.sort(pd.unique(data[time].dropna()))
    if treatment_time is None or not np.isscalar(treatment_time):
        pr.fail("treatment_time", treatment_time, "a single time value")
    elif not (np.any(times < treatment_time) and np.any(times >= treatment_time)):
        pr.fail(
            "treatment_time",
            treatment_time,
            "a time with at least one period before it and one from it on",
        )
    pr.raise_if_any()
    used = [treated, *donor_list]
    sub = data[data[unit].isin(used)]
    wide = sub.pivot_table(index=time, columns=unit, values=outcome, aggfunc="first")
    wide = wide.reindex(index=times, columns=used)
    missing = sub[outcome].isna()
    for r in _rows(sub, missing)[:20]:
        pr.fail(outcome, None, "an outcome value for every unit and time used", row=r, file=_FRAME)
    holes = wide.isna()
    if holes.to_numpy().any() and not missing.any():
        for u in wide.columns[holes.any(axis=0)][:20]:
            absent = wide.index[holes[u]].tolist()
            pr.fail(unit, u, f"a row for every time (missing: {absent[:10]})", file=_FRAME)
    pre = times < treatment_time
    pre_times = times[pre]
    if optimise_periods is None:
        opt = pre_times
    else:
        opt = np.asarray(_as_periods(optimise_periods))
        bad = [t for t in opt if t not in set(pre_times.tolist())]
        if bad:
            pr.fail("optimise_periods", bad[:10], "pre-treatment times present in the data")
    if predictors is None:
        predictors = [(outcome, [t], "mean") for t in pre_times]
    X_rows, names = _predictor_rows(pr, predictors, data, sub, unit, time, used, times, pre_times)
    if predictor_table is not None:
        _table_rows(pr, predictor_table, used, X_rows, names)
    if not X_rows and not pr:
        pr.fail("predictors", predictors, "at least one predictor")
    if len(set(names)) != len(names):
        pr.fail("predictors", names, "distinct predictors")
    pr.raise_if_any()
    X = np.asarray(X_rows, dtype=float)
    flat = np.nanstd(X[:, 1:], axis=1) == 0
    for nm in np.asarray(names, dtype=object)[flat]:
        pr.fail("predictors", nm, "a predictor that varies across the donors")
    pr.raise_if_any()
    name_map = _unit_names(data, unit, unit_names, used)
    return _SCData(
        units=used,
        times=times,
        treatment_time=treatment_time,
        X=X,
        predictor_names=names,
        Y=wide.to_numpy(dtype=float),
        opt_rows=np.flatnonzero(np.isin(times, opt)),
        pre_rows=np.flatnonzero(pre),
        post_rows=np.flatnonzero(~pre),
        names=name_map,
    )


def _donor_list(pr: _Problems, all_units: list, unit: str, treated, donors) -> list:
    """The donors (default: every unit but the treated one), checked."""
    if treated not in all_units:
        pr.fail("treated", treated, f"a value of column `{unit}`")
    if donors is None:
        donor_list = [u for u in all_units if u != treated]
    else:
        donor_list = list(donors)
        for d in donor_list:
            if d not in all_units:
                pr.fail("donors", d, f"a value of column `{unit}`")
        if treated in donor_list:
            pr.fail("donors", treated, "donors other than the treated unit")
        if len(set(donor_list)) != len(donor_list):
            pr.fail("donors", donor_list, "no repeated donor")
    if len(donor_list) < 2:
        pr.fail("donors", donor_list, "at least two donor units")
    return donor_list


def _predictor_rows(pr: _Problems, predictors, data, sub, unit, time, used, times, pre_times):
    """One row of ``X`` per (column, periods, op) predictor, and its name."""
    X_rows, names = [], []
    for i, spec in enumerate(predictors):
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            pr.fail(f"predictors[{i}]", spec, "a tuple (column, periods, 'mean')")
            continue
        column, periods = spec[0], _as_periods(spec[1])
        op = spec[2] if len(spec) == 3 else "mean"
        if not isinstance(column, str) or column not in data.columns:
            pr.fail(f"predictors[{i}]", column, "a column of the data frame")
            continue
        if not pd.api.types.is_numeric_dtype(data[column]):
            pr.fail(column, list(pd.unique(data[column].dropna()))[:5], "numeric predictor values")
            continue
        if op not in _OPS:
            pr.fail(f"predictors[{i}]", op, f"one of {sorted(_OPS)}")
            continue
        bad = [p for p in periods if p not in set(times.tolist())]
        if bad:
            pr.fail(f"predictors[{i}]", bad[:10], "times present in the data")
            continue
        per = periods or pre_times.tolist()
        block = sub[sub[time].isin(per)].pivot_table(
            index=time, columns=unit, values=column, aggfunc="first", dropna=False
        )
        block = block.reindex(index=per, columns=used)
        vals = block.to_numpy(dtype=float)
        empty = np.all(np.isnan(vals), axis=0)
        for u in np.asarray(used, dtype=object)[empty]:
            pr.fail(
                column, u, f"at least one value in {per[0]}-{per[-1]} for this unit", file=_FRAME
            )
        if empty.any():
            continue
        X_rows.append([_OPS[op](vals[:, j]) for j in range(vals.shape[1])])
        names.append(_predictor_name(column, periods, op, len(pre_times)))
    return X_rows, names


def _table_rows(pr: _Problems, predictor_table, used: list, X_rows: list, names: list) -> None:
    """Append the columns of ``predictor_table`` (indexed by unit) to ``X_rows``/``names``."""
    if not isinstance(predictor_table, pd.DataFrame):
        pr.fail("predictor_table", type(predictor_table).__name__, "a DataFrame indexed by unit")
        return
    absent = [u for u in used if u not in predictor_table.index]
    if absent:
        pr.fail("predictor_table", absent[:10], "a row for the treated unit and each donor")
        return
    tab = predictor_table.loc[used]
    for c in tab.columns:
        v = pd.to_numeric(tab[c], errors="coerce").to_numpy(dtype=float)
        if np.isnan(v).any():
            pr.fail(f"predictor_table.{c}", None, "a number for every unit")
            continue
        X_rows.append(v.tolist())
        names.append(str(c))


def _unit_names(data: pd.DataFrame, unit: str, unit_names: Any, used: list) -> dict:
    if unit_names is None:
        return {u: str(u) for u in used}
    if isinstance(unit_names, str) and unit_names in data.columns:
        m = data.drop_duplicates(unit).set_index(unit)[unit_names]
        return {u: str(m.get(u, u)) for u in used}
    if isinstance(unit_names, Mapping):
        return {u: str(unit_names.get(u, u)) for u in used}
    raise ValidationError(
        [Problem(_ARGS, None, "unit_names", unit_names, "a column name or a mapping")],
        what="synthetic control input",
    )


def _weights_table(w: pd.Series, unit_names: dict, min_weight: float) -> pd.DataFrame:
    """unit, name, weight for the weights above ``min_weight`` (data order, never sorted)."""
    out = pd.DataFrame(
        {
            "unit": w.index,
            "name": [unit_names.get(u, str(u)) for u in w.index],
            "weight": w.to_numpy(),
        }
    )
    return out[out["weight"] > min_weight].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Core fit
# --------------------------------------------------------------------------------------
@dataclass
class _Fit:
    v: np.ndarray
    w: np.ndarray
    loss_v: float
    loss_w: float
    search: pd.DataFrame


def _scale(X: np.ndarray) -> np.ndarray:
    sd = np.std(X, axis=1, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)
    return X / sd[:, None]


def _solve(
    X: np.ndarray,
    Z: np.ndarray,
    custom_v: np.ndarray | None,
    methods: Sequence[str] = ("Nelder-Mead", "BFGS"),
    custom_w: np.ndarray | None = None,
) -> _Fit:
    """V search and W for the matrices of one problem (column 0 is the treated unit).

    Long because: the objective closures and the runs from two starting points mirror
    Synth's ``fn.V``/``synth()``; kept together so the correspondence can be checked.
    """
    Xs = _scale(X)
    X1, X0 = Xs[:, 0], Xs[:, 1:]
    Z1, Z0 = Z[:, 0], Z[:, 1:]
    k = X.shape[0]

    last: list[np.ndarray] = []

    def w_of(v: np.ndarray) -> np.ndarray:
        # warm start from the previous solution: the optimum is unique in X0 W and the
        # active-set method reaches it from any feasible start
        sv = np.sqrt(v)
        w = simplex_least_squares(sv[:, None] * X0, sv * X1, start=last[0] if last else None)
        last[:] = [w]
        return w

    def loss_v_of(w: np.ndarray) -> float:
        r = Z1 - Z0 @ w
        return float(r @ r) / len(Z1)

    def objective(par: np.ndarray) -> float:
        a = np.abs(par)
        s = a.sum()
        if not np.isfinite(s) or s == 0:
            return np.inf
        return loss_v_of(w_of(a / s))

    rows = []
    if custom_w is not None:
        v = np.full(k, np.nan) if custom_v is None else np.abs(custom_v) / np.abs(custom_v).sum()
        w = np.asarray(custom_w, dtype=float)
        r = X1 - X0 @ w
        search = pd.DataFrame([{"start": "fixed W", "method": "none", "loss_v": np.nan}])
        return _Fit(v=v, w=w, loss_v=loss_v_of(w), loss_w=float(r @ (v * r)), search=search)
    if custom_v is not None or k == 1:
        v = np.ones(1) if k == 1 else np.abs(custom_v) / np.abs(custom_v).sum()
        rows.append({"start": "fixed V", "method": "none", "loss_v": np.nan, "evaluations": 0})
    else:
        starts = {"equal weights": np.full(k, 1.0 / k)}
        Xall = np.column_stack([np.ones(X0.shape[1] + 1), np.column_stack([X1, X0]).T])
        Zall = np.column_stack([Z1, Z0])
        xtx = Xall.T @ Xall
        if 1.0 / np.linalg.cond(xtx, 1) > _EPS:
            beta = np.linalg.solve(xtx, Xall.T @ Zall.T)[1:]
            sv2 = np.diag(beta @ beta.T)
            if sv2.sum() > 0:
                starts["regression"] = sv2 / sv2.sum()
        best = None
        for sname, x0 in starts.items():
            for m in methods:
                if m == "Nelder-Mead":
                    par, val, ev, conv = _nelder_mead(objective, x0)
                elif m == "BFGS":
                    par, val, ev, conv = _bfgs(objective, x0)
                else:
                    raise ValidationError(
                        [Problem(_ARGS, None, "methods", m, "'Nelder-Mead' or 'BFGS'")],
                        what="synthetic control input",
                    )
                val = objective(par)
                rows.append(
                    {
                        "start": sname,
                        "method": m,
                        "loss_v": val,
                        "evaluations": ev,
                        "converged": conv,
                    }
                )
                if best is None or val < best[1]:
                    best = (par, val)
        a = np.abs(best[0])
        v = a / a.sum()
    w = w_of(v)
    r = X1 - X0 @ w
    loss_w = float(r @ (v * r))
    return _Fit(v=v, w=w, loss_v=loss_v_of(w), loss_w=loss_w, search=pd.DataFrame(rows))


def _rmspe(gaps: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gaps**2))) if len(gaps) else float("nan")
