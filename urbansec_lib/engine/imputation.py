"""Imputation of missing indicator values (COINr ``Impute``); observed values never change."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .tidy import _KEYS, StepResult, _to_tidy, to_wide, validate_data
from .tree import build_tree

__all__ = [
    "IMPUTATION_METHODS",
    "impute",
]

IMPUTATION_METHODS = (
    "none",
    "mean",
    "median",
    "group_mean",
    "group_median",
    "locf",
    "interpolate",
    "linear",
    "constant",
    "linear_constant",
    "row_mean",
    "row_median",
    "em",
)


# ============================================================================ impute
def _panel_fill(Y: pd.DataFrame, kind: str) -> np.ndarray:
    """COINr ``impute_panel`` (``stats::approx(rule = 2)``) per unit and indicator:
    linear (or step, ``constant``) between observations, the nearest observation before
    the first and after the last one; ``linear_constant`` uses constant for a series
    with one observation. Series with fewer observations than needed stay missing."""
    period = Y.index.get_level_values("period")
    t = pd.to_numeric(pd.Series(period), errors="coerce").to_numpy(float)
    if np.isnan(t).any():
        t = pd.factorize(pd.Series(period), sort=True)[0].astype(float)
    units = Y.index.get_level_values("unit_id").to_numpy()
    A = Y.to_numpy(float)
    F = A.copy()
    for u in pd.unique(units):
        rows = np.flatnonzero(units == u)
        rows = rows[np.argsort(t[rows], kind="stable")]
        tt = t[rows]
        for c in range(A.shape[1]):
            y = A[rows, c]
            ok = ~np.isnan(y)
            n_ok = int(ok.sum())
            if n_ok == 0 or n_ok == len(y):
                continue
            k = kind if kind != "linear_constant" else ("constant" if n_ok == 1 else "linear")
            if n_ok < 2 and kind != "linear_constant":
                continue  # COINr's approx() needs two points
            if k == "linear":
                F[rows, c] = np.interp(tt, tt[ok], y[ok])
            else:  # step function: last observation at or before t, first one before it
                pos = np.searchsorted(tt[ok], tt, side="right") - 1
                F[rows, c] = y[ok][np.clip(pos, 0, n_ok - 1)]
    return F


def _row_fill(
    Y: pd.DataFrame, fw: Framework, how: str, group_level: int | None, normalise_first: bool
) -> np.ndarray:
    """COINr ``Impute(impute_by = "row")``: a missing value = the mean (median) of the
    unit's other indicators in the same aggregate of ``group_level`` (all indicators when
    None), after min-max scaling each (directed) indicator to [0, 1] when
    ``normalise_first``, mapped back to the indicator's scale."""
    ids = list(Y.columns)
    A = Y.to_numpy(float)
    # directions only matter with normalise_first (as in COINr: raw values are averaged
    # as they are otherwise)
    dirs = np.array([fw.indicator(k).direction if normalise_first else 1 for k in ids], float)
    F = np.full(A.shape, np.nan)
    if group_level is None:
        blocks = [np.arange(len(ids))]
    else:
        meta = fw.meta()
        if group_level not in set(meta["Level"]) or group_level < 2:
            raise ValueError(f"group_level {group_level}: a level of the framework >= 2")
        tree = build_tree(fw)
        blocks = [
            np.array([ids.index(tree.indicators[k]) for k in tree.ind_under[n]])
            for n in tree.nodes
            if tree.levels[n] == group_level
        ]
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for cols in blocks:
            B = A[:, cols] * dirs[cols]
            if normalise_first:
                mn, mx = np.nanmin(B, axis=0), np.nanmax(B, axis=0)
                Bn = (B - mn) / (mx - mn)
            else:
                Bn = B
            fill = np.nanmean(Bn, axis=1) if how == "mean" else np.nanmedian(Bn, axis=1)
            out = np.where(np.isnan(Bn), fill[:, None], Bn)
            if normalise_first:
                out = out * (mx - mn) + mn
            F[:, cols] = out * dirs[cols]
    return F


def _impute_wide(
    X: pd.DataFrame,
    method: str | Sequence[str] | None,
    groups: pd.DataFrame | None = None,
    group: str | None = None,
    fw: Framework | None = None,
    group_level: int | None = None,
    normalise_first: bool = True,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (imputed X, boolean mask of imputed cells). Observed cells never change."""
    methods = [method] if isinstance(method, str) or method is None else list(method)
    Y = X.copy()
    for m in methods:
        if m in (None, "none"):
            continue
        if m not in IMPUTATION_METHODS:
            raise ValueError(f"unknown imputation method {m!r}; one of {IMPUTATION_METHODS}")
        period = Y.index.get_level_values("period")
        unit = Y.index.get_level_values("unit_id")
        if m in ("linear", "constant", "linear_constant"):
            Y = Y.where(Y.notna(), _panel_fill(Y, m))
            continue
        if m in ("row_mean", "row_median"):
            if fw is None:
                raise ValueError("row-wise imputation needs the framework")
            Y = Y.where(Y.notna(), _row_fill(Y, fw, m[4:], group_level, normalise_first))
            continue
        if m == "em":
            from sklearn.experimental import enable_iterative_imputer  # noqa: F401
            from sklearn.impute import IterativeImputer

            A = Y.to_numpy(float)
            keep = ~np.all(np.isnan(A), axis=0)
            F = A.copy()
            if keep.sum() >= 2:
                imp = IterativeImputer(max_iter=10, random_state=seed)
                F[:, keep] = imp.fit_transform(A[:, keep])
            Y = Y.where(Y.notna(), F)
            continue
        if m in ("mean", "median"):
            fill = Y.groupby(period).transform(m)
        elif m in ("group_mean", "group_median"):
            if groups is None or group is None:
                raise ValueError(f"{m} imputation needs groups (a frame) and group (a column)")
            if group not in groups.columns:
                raise ValueError(f"group column {group!r} not in groups {list(groups.columns)}")
            gmap = groups.drop_duplicates("unit_id").set_index("unit_id")[group]
            g = pd.Series(unit).map(gmap).to_numpy()
            key = pd.Series(g).astype(object).where(pd.notna(g), None)
            # units with a missing group are not imputed (NaN group -> dropped by groupby)
            fill = Y.groupby([key.to_numpy(), period], dropna=True).transform(m[6:])
            fill = fill.reindex(Y.index) if len(fill) != len(Y) else fill
        elif m == "locf":
            fill = Y.groupby(level="unit_id").ffill()
        else:  # interpolate (linear in the period value; inside observed periods only)
            pnum = pd.to_numeric(pd.Series(period), errors="coerce")
            if pnum.isna().any():
                pnum = pd.Series(pd.factorize(pd.Series(period), sort=True)[0])
            tmp = Y.copy()
            tmp.index = pd.MultiIndex.from_arrays(
                [unit, pnum.to_numpy(dtype=float)], names=["unit_id", "t"]
            )

            def _interp(g: pd.DataFrame) -> pd.DataFrame:
                gi = g.droplevel(0)
                return gi.interpolate(method="index", limit_area="inside").set_axis(g.index)

            fill = tmp.groupby(level="unit_id", group_keys=False).apply(_interp)
            fill = fill.reindex(tmp.index)
            fill.index = Y.index
        Y = Y.where(Y.notna(), fill.to_numpy())
    imputed = X.isna() & Y.notna()
    return Y, imputed


def impute(
    data: pd.DataFrame,
    fw: Framework,
    method: str | Sequence[str] | None = "mean",
    groups: pd.DataFrame | None = None,
    group: str | None = None,
    group_level: int | None = None,
    normalise_first: bool = True,
    seed: int = 0,
) -> StepResult:
    """Fill missing indicator values; never changes an observed value.

    Parameters
    ----------
    method : str or list of str
        ``"none"``; ``"mean"`` / ``"median"`` (indicator mean/median over units, within
        each period); ``"group_mean"`` / ``"group_median"`` (within ``group`` and
        period; units whose group is missing are not imputed); ``"locf"`` (last
        observation carried forward within a unit); ``"interpolate"`` (linear in the
        period between a unit's observed periods, no extrapolation); ``"linear"`` /
        ``"constant"`` / ``"linear_constant"`` (COINr ``impute_panel``: linear or step
        between observations and the nearest observation before the first and after the
        last one); ``"row_mean"`` / ``"row_median"`` (COINr ``impute_by = "row"``: the
        unit's mean of the other indicators of its aggregate at ``group_level``, after
        min-max scaling when ``normalise_first``); ``"em"`` (scikit-learn's
        IterativeImputer, an EM-like chained regression, seeded by ``seed``). A list
        applies the methods in turn, each filling only the gaps that remain.
    groups : DataFrame
        ``unit_id`` plus group columns (e.g. COINr's ``Group_*``).
    group : str
        The column of ``groups`` to use.

    Returns
    -------
    StepResult
        ``data`` has an ``imputed`` flag; ``report`` lists each imputed cell.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> from urbansec_lib.engine.tidy import example_data
    >>> fw = load_framework()
    >>> data = example_data(fw, periods=[2023, 2024])
    >>> data.loc[0, "value"] = None  # unit A, first indicator, 2023
    >>> res = impute(data, fw, method=["interpolate", "locf", "mean"])
    >>> res.report[["unit_id", "period", "indicator_id", "reason"]].values.tolist()
    [['A', 2023, 'qol_satisfied_living_city', "missing; imputed by ['interpolate', 'locf', 'mean']"]]
    """
    df = validate_data(data, fw)
    ids = [i.id for i in fw.indicators]
    X = to_wide(df, ids)
    Y, imp = _impute_wide(
        X,
        method,
        groups,
        group,
        fw=fw,
        group_level=group_level,
        normalise_first=normalise_first,
        seed=seed,
    )
    out = _to_tidy(Y)
    flags = _to_tidy(imp, "imputed")
    out["imputed"] = flags["imputed"].to_numpy(dtype=bool)
    out = out[
        out["value"].notna()
        | out.set_index(_KEYS + ["indicator_id"]).index.isin(
            df.set_index(_KEYS + ["indicator_id"]).index
        )
    ]
    rep = out.loc[out["imputed"], _KEYS + ["indicator_id", "value"]].copy()
    rep["reason"] = f"missing; imputed by {method}"
    log = {
        "step": "impute",
        "method": method,
        "group": group,
        "n_imputed": int(imp.to_numpy().sum()),
    }
    return StepResult(out.reset_index(drop=True), rep.reset_index(drop=True), log)
