"""Composite-indicator engine: screen, impute, treat, normalise, weight and aggregate.

The engine follows the OECD/JRC *Handbook on Constructing Composite Indicators* (2008)
and the conventions of COINr (JRC): every step is an explicit function with explicit
parameters, the whole pipeline is recorded in :attr:`Profile.log`, and a profile can be
regenerated from its stored raw data with one step changed (:meth:`Profile.rescore`).

Data flow (each step optional except normalise and aggregate)::

    tidy data (unit_id, indicator_id, period, value)
      -> validate -> [denominate] -> [screen] -> [impute] -> [treat_outliers]
      -> normalise (direction applied first) -> weights -> aggregate  => Profile

Conventions
-----------
* Panel data: every ``(unit_id, period)`` pair is one row of the indicator matrix.
  Normalisation and outlier treatment pool all units **and all periods** (one min and
  one max per indicator over the whole panel), so a unit's change over time is a change
  on one common scale (``by_period=True`` normalises each period separately instead).
  Mean/median imputation works within each period (cross-sectional).
* Direction: higher-is-worse indicators are multiplied by -1 before normalisation, as
  COINr does; goalposts and targets are given in the indicator's own units.
* Weights are renormalised over the children that are not missing for a unit.
* No output orders units from best to worst.

Example
-------
>>> import pandas as pd
>>> from urbansec_lib import scoring
>>> prof = scoring.score(data, fw)  # doctest: +SKIP
>>> prof.wide(level=2)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..core.errors import Problem, ValidationError
from ..model.framework import Dimension, Framework

__all__ = [
    "AGGREGATION_METHODS",
    "IMPUTATION_METHODS",
    "NORMALISATION_METHODS",
    "Profile",
    "StepResult",
    "Tree",
    "aggregate",
    "build_tree",
    "denominate",
    "effective_weights",
    "impute",
    "normalise",
    "normalise_vector",
    "copeland",
    "optimise_level_weights",
    "optimise_weights",
    "pca_weights",
    "score",
    "screen",
    "to_wide",
    "treat_outliers",
    "transform_vector",
    "treat_vector",
    "validate_data",
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
AGGREGATION_METHODS = ("arithmetic", "geometric", "harmonic", "generalised", "none")
#: Normalisation methods whose output lies in a bounded range [lo, hi] (used to flip
#: a node with direction -1 as ``lo + hi - score``; unbounded methods use ``-score``).
_BOUNDED = {"minmax", "goalposts", "dist2max", "percentile", "categorical"}
_AGG_CODE = {m: i for i, m in enumerate(AGGREGATION_METHODS)}
_KEYS = ["unit_id", "period"]
_LOG = logging.getLogger("urbansec.scoring")


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

    Example
    -------
    >>> t = build_tree(fw)  # doctest: +SKIP
    >>> t.nodes[-1] == fw.index_id  # doctest: +SKIP
    True
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
        for i in ch_ind:
            edges.append((nid, i.id))
            ep.append(j)
            ec.append(ipos[i.id])
            eind.append(True)
            ew.append(float(i.weight))
            ids.append(i.id)
            under.append(ipos[i.id])
        for c in ch_dim:
            edges.append((nid, c.id))
            ep.append(j)
            ec.append(npos[c.id])
            eind.append(False)
            ew.append(float(c.weight))
            ids.append(c.id)
            under.extend(ind_under[c.id])
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


# ======================================================================= data in/out
def validate_data(data: pd.DataFrame, fw: Framework, file: str = "data") -> pd.DataFrame:
    """Check tidy indicator data against a framework; return a clean copy.

    Required columns: ``unit_id``, ``indicator_id``, ``value``; ``period`` is optional
    (filled with 0 when absent). Every problem is collected: unknown indicators,
    non-numeric values, duplicated ``(unit_id, indicator_id, period)`` rows.

    Raises
    ------
    ValidationError
        With one :class:`~urbansec_lib.errors.Problem` per offending cell (row numbers
        as a spreadsheet shows them: header = row 1).
    """
    problems: list[Problem] = []
    if not isinstance(data, pd.DataFrame):
        raise ValidationError([Problem(file, None, None, type(data).__name__, "a DataFrame")])
    for col in ("unit_id", "indicator_id", "value"):
        if col not in data.columns:
            problems.append(Problem(file, None, col, None, f"a column {col!r}"))
    if problems:
        raise ValidationError(problems, "indicator data")
    df = data.reset_index(drop=True).copy()
    if "period" not in df.columns:
        df["period"] = 0
    known = {i.id for i in fw.indicators}
    bad_ind = ~df["indicator_id"].isin(known)
    for r in np.flatnonzero(bad_ind.to_numpy()):
        problems.append(
            Problem(
                file,
                int(r) + 2,
                "indicator_id",
                df.at[r, "indicator_id"],
                f"an indicator of framework {fw.id}",
            )
        )
    num = pd.to_numeric(df["value"], errors="coerce")
    bad_val = num.isna() & df["value"].notna()
    for r in np.flatnonzero(bad_val.to_numpy()):
        problems.append(Problem(file, int(r) + 2, "value", df.at[r, "value"], "a number"))
    bad_inf = np.isinf(num.to_numpy(dtype=float))
    for r in np.flatnonzero(bad_inf):
        problems.append(Problem(file, int(r) + 2, "value", df.at[r, "value"], "a finite number"))
    dup = df.duplicated(["unit_id", "indicator_id", "period"], keep="first")
    for r in np.flatnonzero(dup.to_numpy()):
        problems.append(
            Problem(
                file,
                int(r) + 2,
                "indicator_id",
                df.at[r, "indicator_id"],
                "one value per unit_id, indicator_id and period (duplicate row)",
            )
        )
    for r in np.flatnonzero(df["unit_id"].isna().to_numpy()):
        problems.append(Problem(file, int(r) + 2, "unit_id", None, "a unit id"))
    if problems:
        raise ValidationError(problems, "indicator data")
    df["value"] = num.astype(float)
    return df


def to_wide(data: pd.DataFrame, indicators: Sequence[str], column: str = "value") -> pd.DataFrame:
    """Tidy ``(unit_id, period, indicator_id, value)`` -> rows (unit_id, period) x indicators."""
    w = data.pivot_table(
        index=_KEYS, columns="indicator_id", values=column, aggfunc="first", dropna=False
    )
    w = w.reindex(columns=list(indicators))
    w.columns.name = None
    return w.sort_index()


def _to_tidy(wide: pd.DataFrame, name: str = "value") -> pd.DataFrame:
    out = wide.copy()
    out.columns.name = "indicator_id"
    return out.stack(future_stack=True).rename(name).reset_index()


@dataclass
class StepResult:
    """Output of one pipeline step.

    Attributes
    ----------
    data : DataFrame
        Tidy data after the step (``unit_id, period, indicator_id, value`` plus flags).
    report : DataFrame
        What the step did, one row per changed/dropped item, with the reason.
    log : dict
        The step's name and every parameter (as stored in :attr:`Profile.log`).
    """

    data: pd.DataFrame
    report: pd.DataFrame
    log: dict

    def summary(self) -> str:
        """One line per reported item (at most 20)."""
        head = f"{self.log.get('step')}: {len(self.report)} reported item(s)"
        return "\n".join([head] + [f"  {r}" for r in self.report.head(20).to_dict("records")])


# ======================================================================= denominate
_DENOM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:([/*])\s*([0-9.eE+]+))?\s*$")


def denominate(
    data: pd.DataFrame, fw: Framework, denominators: pd.DataFrame, file: str = "denominators"
) -> pd.DataFrame:
    """Divide indicators by the denominators declared in the framework.

    An indicator with ``denominator: population/100000`` is divided by
    ``population / 100000`` (a rate per 100,000 inhabitants); ``"area"`` divides by area;
    ``"gdp*1e-6"`` by ``gdp * 1e-6``. Indicators without a denominator are unchanged.

    Parameters
    ----------
    data : DataFrame
        Tidy indicator data.
    denominators : DataFrame
        Either wide (``unit_id``, optional ``period``, one column per denominator name)
        or long (``unit_id``, optional ``period``, ``denominator``, ``value``).
        Without ``period`` the denominator applies to every period.

    Returns
    -------
    DataFrame
        Copy of ``data`` with denominated values and a ``denominator`` column.

    A denominator missing for a unit (NaN, or the unit absent from ``denominators``)
    makes that indicator value missing, as in COINr's ``Denominate``; it is then imputed
    or screened like any missing value. Each such cell is logged (``logging`` at INFO)
    and listed in ``result.attrs["denominate_notes"]`` (and in the profile's log).

    Raises
    ------
    ValidationError
        Unparseable declarations, a denominator column absent altogether, or a zero or
        negative denominator (the problem names the unit and period).

    Example
    -------
    >>> den = pd.DataFrame({"unit_id": ["A"], "population": [250_000]})  # doctest: +SKIP
    >>> denominate(data, fw, den)  # doctest: +SKIP
    """
    df = validate_data(data, fw)
    den = denominators.copy()
    if {"denominator", "value"} <= set(den.columns):
        idx = ["unit_id"] + (["period"] if "period" in den.columns else [])
        den = den.pivot_table(index=idx, columns="denominator", values="value").reset_index()
    problems: list[Problem] = []
    decl: dict[str, tuple[str, float]] = {}
    for ind in fw.indicators:
        if not ind.denominator:
            continue
        m = _DENOM.match(str(ind.denominator))
        if not m:
            problems.append(
                Problem(
                    fw.source_path or fw.id,
                    None,
                    f"{ind.id}.denominator",
                    ind.denominator,
                    "name, name/number or name*number",
                )
            )
            continue
        name, op, num = m.group(1), m.group(2), m.group(3)
        factor = float(num) if num else 1.0
        decl[ind.id] = (name, factor if op != "*" else 1.0 / factor)
        if name not in den.columns:
            problems.append(
                Problem(
                    file, None, name, None, f"a denominator column {name!r} (needed by {ind.id})"
                )
            )
    if problems:
        raise ValidationError(problems, "denominators")
    df["denominator"] = df["indicator_id"].map(lambda k: decl.get(k, (None,))[0])
    on = ["unit_id"] + (["period"] if "period" in den.columns else [])
    merged = df.merge(den, on=on, how="left", suffixes=("", "_den"))
    out = df.copy()
    notes: list[dict] = []
    for iid, (name, factor) in decl.items():
        sel = (merged["indicator_id"] == iid).to_numpy()
        dv = merged.loc[sel, name].to_numpy(dtype=float)
        has_value = merged.loc[sel, "value"].notna().to_numpy()
        rows = np.flatnonzero(sel)
        # a missing denominator makes the value missing (then imputed or screened), as in
        # COINr; a zero or negative one is an error naming the unit
        for i in np.flatnonzero(np.isnan(dv) & has_value):
            r = rows[i]
            notes.append(
                {
                    "unit_id": df.at[r, "unit_id"],
                    "period": df.at[r, "period"],
                    "indicator_id": iid,
                    "denominator": name,
                    "note": f"{name} missing for unit {df.at[r, 'unit_id']!r}: "
                    f"{iid} set to missing",
                }
            )
        for i in np.flatnonzero(~np.isnan(dv) & ~(dv > 0) & has_value):
            r = rows[i]
            problems.append(
                Problem(
                    file,
                    None,
                    name,
                    float(dv[i]),
                    f"a positive {name} for unit {df.at[r, 'unit_id']!r}, "
                    f"period {df.at[r, 'period']!r}",
                )
            )
        out.loc[sel, "value"] = merged.loc[sel, "value"].to_numpy(dtype=float) / (dv / factor)
    if problems:
        raise ValidationError(problems, "denominators")
    for n_ in notes:
        _LOG.info(n_["note"])
    out.attrs["denominate_notes"] = notes
    return out


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

    Example
    -------
    >>> res = screen(data, fw, min_unit_coverage=0.5)  # doctest: +SKIP
    >>> res.report  # doctest: +SKIP
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

    Example
    -------
    >>> impute(data, fw, method=["interpolate", "locf", "mean"]).report  # doctest: +SKIP
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


# ========================================================================== treatment
def _skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Adjusted Fisher-Pearson skewness G1 and sample excess kurtosis G2.

    Same values as ``scipy.stats.skew(x, bias=False)`` and
    ``scipy.stats.kurtosis(x, bias=False)`` (Excel SKEW/KURT, COINr ``skew``/``kurt``),
    written out because this runs inside the winsorisation loop.
    """
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4 or np.ptp(x) == 0:
        return float("nan"), float("nan")
    d = x - x.mean()
    m2 = np.mean(d**2)
    m3 = np.mean(d**3)
    m4 = np.mean(d**4)
    g1 = m3 / m2**1.5
    g2 = m4 / m2**2 - 3.0
    G1 = np.sqrt(n * (n - 1)) / (n - 2) * g1
    G2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)
    return float(G1), float(G2)


#: Transformations of :func:`treat_vector` (``log_fallback`` and ``f1``).
TRANSFORMS = ("log_CT", "log_CT_plus", "log_CT_orig", "log_GII", "boxcox", "log")


def transform_vector(x: Any, method: str, lam: float | None = None) -> tuple[np.ndarray, str]:
    """One of COINr's transformations of a whole indicator vector (NaN kept).

    ``log_CT``: ``log(x - min + 0.01 (max - min))``; ``log_CT_plus``: ``log_CT`` when the
    skew is positive, else the mirrored ``-log(max + 0.01 (max - min) - x)``;
    ``log_CT_orig``: ``log(x - min + 1)``; ``log_GII``:
    ``log((max - 1)(x - min)/(max - min) + 1)`` (the documented GII formula; COINr 1.1.14's
    ``log_GII`` returns x unchanged, see docs/coinr_parity.md); ``boxcox``:
    ``((x - min + 1)^lam - 1)/lam`` (``log(x - min + 1)`` for lam = 0, COINr's
    ``boxcox(makepos = TRUE)``); ``log``: plain ``log(x)`` (positive values only).

    Returns
    -------
    (transformed x, name of the transform applied)

    Example
    -------
    >>> transform_vector([1.0, 2.0, 11.0], "log_CT_orig")[0].round(4).tolist()
    [0.0, 0.6931, 2.3979]
    """
    x = np.asarray(x, dtype=float)
    if method not in TRANSFORMS:
        raise ValueError(f"unknown transformation {method!r}; one of {TRANSFORMS}")
    mx, mn = np.nanmax(x), np.nanmin(x)
    a = 0.01 * (mx - mn)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "log_CT":
            return np.log(x - mn + a), "log_CT"
        if method == "log_CT_plus":
            if _skew_kurt(x)[0] > 0:
                return np.log(x - mn + a), "log_CT"
            return -np.log(mx + a - x), "log_CT_neg"
        if method == "log_CT_orig":
            return np.log(x - mn + 1.0), "log_CT_orig"
        if method == "log_GII":
            return np.log((mx - 1.0) * (x - mn) / (mx - mn) + 1.0), "log_GII"
        if method == "boxcox":
            if lam is None:
                raise ValueError("boxcox needs a lambda (treat parameter boxcox_lambda)")
            xp = x - mn + 1.0
            return (np.log(xp) if lam == 0 else (xp**lam - 1.0) / lam), "boxcox"
        if np.nanmin(x) <= 0:
            raise ValueError("plain log transformation needs positive values")
        return np.log(x), "log"


def treat_vector(
    x: np.ndarray,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    winmax: int | None = 5,
    log_fallback: str | None = "log_CT_plus",
    force_win: bool = False,
    f1: str = "winsorise",
    boxcox_lambda: float | None = None,
) -> dict:
    """COINr's outlier treatment of one indicator (``Treat()``), step by step.

    1. Check: pass if ``|G1| < skew_thresh`` **or** ``G2 < kurt_thresh`` where G1 is the
       adjusted Fisher-Pearson skewness (``scipy.stats.skew(bias=False)``, Excel's
       SKEW, COINr's ``skew``) and G2 the sample excess kurtosis
       (``scipy.stats.kurtosis(bias=False)``, Excel's KURT). A passing indicator is left
       unchanged (COINr: also with ``force_win``).
    2. Winsorise (COINr ``winsorise``): while failing (or, with ``force_win``, whether
       failing or not) and fewer than ``winmax`` points are winsorised, move all points
       tied at the extreme to the next value, on the side of the sign of the *current*
       skew (>= 0: highest values -> next highest). As in COINr, the count is the number
       of points sitting at the clipped level(s), so the last step may exceed ``winmax``
       when values tie. ``f1`` set to a transformation (see :data:`TRANSFORMS`) applies
       that instead of winsorising (COINr ``f1``).
    3. If it still fails, discard step 2 and transform the **untreated** values with
       ``log_fallback`` (:func:`transform_vector`: ``log_CT`` is COINr's default,
       ``log_CT_plus`` (urbansec's default) mirrors it for negative skew, ``log_CT_orig``,
       ``log_GII``, ``boxcox`` with ``boxcox_lambda``, ``log``); ``None`` keeps the
       result of step 2. An unknown name is an error.

    Fewer than 4 values or a constant vector: no check possible, returned unchanged.

    Returns
    -------
    dict
        ``x`` (treated), ``treated`` (bool per point), ``reason`` (str per point),
        ``method`` (``none``/``winsorise``/the transform), ``n_winsorised``,
        ``skew_before``, ``kurt_before``, ``skew_after``, ``kurt_after``, ``passed``.

    Example
    -------
    >>> r = treat_vector(np.r_[np.arange(1, 11), 30, 100.0])
    >>> r["method"], r["n_winsorised"], r["x"][-1]
    ('winsorise', 1, np.float64(30.0))
    """
    if log_fallback is not None and log_fallback not in TRANSFORMS:
        raise ValueError(f"unknown log_fallback {log_fallback!r}; one of {TRANSFORMS} or None")
    if f1 != "winsorise" and f1 not in TRANSFORMS:
        raise ValueError(f"unknown f1 {f1!r}; 'winsorise' or one of {TRANSFORMS}")
    if force_win and winmax is None:
        raise ValueError("force_win needs a winmax (it winsorises up to winmax points)")
    x = np.asarray(x, dtype=float)
    sk0, ku0 = _skew_kurt(x)

    def passes(s: float, k: float) -> bool:
        return bool(np.isnan(s) or abs(s) < skew_thresh or k < kurt_thresh)

    res = {
        "x": x.copy(),
        "treated": np.zeros(x.size, bool),
        "reason": np.full(x.size, "", object),
        "method": "none",
        "n_winsorised": 0,
        "skew_before": sk0,
        "kurt_before": ku0,
        "skew_after": sk0,
        "kurt_after": ku0,
        "passed": passes(sk0, ku0),
    }
    if res["passed"]:
        return res
    ok = ~np.isnan(x)
    if f1 != "winsorise":
        xt, meth = transform_vector(x, f1, boxcox_lambda)
        sk, ku = _skew_kurt(xt)
        if passes(sk, ku) or log_fallback is None:
            res.update(x=xt, method=meth, skew_after=sk, kurt_after=ku, passed=passes(sk, ku))
            res["treated"] = ok.copy()
            res["reason"] = np.where(ok, f"{meth} transform (skew {sk0:.2f} before)", "")
            return res
        nwin = 0
    else:
        xw = x.copy()
        imax = np.array([], int)
        imin = np.array([], int)
        nwin = 0
        sk, ku = sk0, ku0
        while (force_win or not passes(sk, ku)) and (winmax is None or nwin < winmax):
            vals = xw[ok]
            if sk >= 0:
                imax = np.flatnonzero(ok & (xw == vals.max()))
                rest = np.delete(xw, imax)
                rest = rest[~np.isnan(rest)]
                if rest.size == 0:
                    break
                xw[imax] = rest.max()
            else:
                imin = np.flatnonzero(ok & (xw == vals.min()))
                rest = np.delete(xw, imin)
                rest = rest[~np.isnan(rest)]
                if rest.size == 0:
                    break
                xw[imin] = rest.min()
            nwin = imax.size + imin.size
            sk, ku = _skew_kurt(xw)
        if passes(sk, ku) or log_fallback is None:
            changed = ok & (xw != x)
            res.update(
                x=xw,
                method="winsorise",
                n_winsorised=int(changed.sum()),
                skew_after=sk,
                kurt_after=ku,
                passed=passes(sk, ku),
            )
            res["treated"] = changed
            reason = np.full(x.size, "", object)
            reason[changed & (x > xw)] = (
                f"winsorised high (skew {sk0:.2f}, kurtosis {ku0:.2f} before)"
            )
            reason[changed & (x < xw)] = (
                f"winsorised low (skew {sk0:.2f}, kurtosis {ku0:.2f} before)"
            )
            res["reason"] = reason
            return res
    xl, meth = transform_vector(x, log_fallback, boxcox_lambda)
    sk, ku = _skew_kurt(xl)
    res.update(
        x=xl, method=meth, n_winsorised=0, skew_after=sk, kurt_after=ku, passed=passes(sk, ku)
    )
    res["treated"] = ok.copy()
    reason = np.full(x.size, "", object)
    reason[ok] = (
        f"{meth} transform: {f1} ({nwin} point(s)) did not bring skew "
        f"{sk0:.2f} / kurtosis {ku0:.2f} within thresholds"
    )
    res["reason"] = reason
    return res


_TREAT_KEYS = (
    "skew_thresh",
    "kurt_thresh",
    "winmax",
    "log_fallback",
    "force_win",
    "f1",
    "boxcox_lambda",
)


def _treat_wide(
    X: pd.DataFrame,
    by_period: bool = False,
    indiv: Mapping[str, Any] | None = None,
    **kw: Any,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat every column; ``by_period`` treats each period separately (COINr purse);
    ``indiv`` = {indicator: "none" or a dict of :func:`treat_vector` parameters}."""
    bad = [k for k in kw if k not in _TREAT_KEYS]
    if bad:
        raise ValueError(f"unknown treatment parameter(s) {bad}; one of {_TREAT_KEYS}")
    indiv = dict(indiv or {})
    for k, v in indiv.items():
        if k not in X.columns:
            raise ValueError(f"treatment spec for {k!r}, which is not an indicator")
        if not (v == "none" or isinstance(v, Mapping)):
            raise ValueError(f"treatment spec of {k}: 'none' or a dict of parameters")
    Y = X.copy()
    treated = pd.DataFrame(False, index=X.index, columns=X.columns)
    cells, per_ind = [], []
    periods = X.index.get_level_values("period").to_numpy()
    blocks = [(None, np.ones(len(X), bool))]
    if by_period:
        blocks = [(pv, periods == pv) for pv in pd.unique(periods)]
    for k in X.columns:
        spec = indiv.get(k)
        for pv, rows in blocks:
            x = X[k].to_numpy(dtype=float)[rows]
            if spec == "none":
                r = treat_vector(x, skew_thresh=np.inf)
            else:
                r = treat_vector(x, **{**kw, **dict(spec or {})})
            Y.loc[rows, k] = r["x"]
            treated.loc[rows, k] = r["treated"]
            per_ind.append(
                {
                    "indicator_id": k,
                    **({"period": pv} if by_period else {}),
                    "method": r["method"],
                    "n_winsorised": r["n_winsorised"],
                    "skew_before": r["skew_before"],
                    "kurt_before": r["kurt_before"],
                    "skew_after": r["skew_after"],
                    "kurt_after": r["kurt_after"],
                    "passed": r["passed"],
                }
            )
            i = np.flatnonzero(r["treated"])
            if i.size:
                sub = X.index[rows]
                cells.append(
                    pd.DataFrame(
                        {
                            "unit_id": sub.get_level_values("unit_id")[i],
                            "period": sub.get_level_values("period")[i],
                            "indicator_id": k,
                            "raw": x[i],
                            "value": r["x"][i],
                            "reason": r["reason"][i],
                        }
                    )
                )
    cols = _KEYS + ["indicator_id", "raw", "value", "reason"]
    cells_df = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(columns=cols)
    return Y, treated, cells_df, pd.DataFrame(per_ind)


def treat_outliers(
    data: pd.DataFrame,
    fw: Framework,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    winmax: int | None = 5,
    log_fallback: str | None = "log_CT_plus",
    by_period: bool = False,
    indiv: Mapping[str, Any] | None = None,
    force_win: bool = False,
    f1: str = "winsorise",
    boxcox_lambda: float | None = None,
) -> StepResult:
    """COINr's outlier treatment, indicator by indicator (see :func:`treat_vector`).

    Values are pooled over all units and periods of an indicator; ``by_period=True``
    treats each period separately, as COINr treats each coin of a purse. ``indiv`` gives
    per-indicator specs (COINr ``indiv_specs``): ``{indicator: "none"}`` or
    ``{indicator: {"winmax": 3, "force_win": True, ...}}`` overriding the global ones.

    Returns
    -------
    StepResult
        ``data`` has a ``treated`` flag; ``report`` lists every treated cell with raw
        value, treated value and reason; ``log["indicators"]`` holds skew/kurtosis
        before and after per indicator (and period).

    Example
    -------
    >>> treat_outliers(data, fw, winmax=5).report  # doctest: +SKIP
    """
    df = validate_data(data, fw)
    ids = [i.id for i in fw.indicators]
    X = to_wide(df, ids)
    kw = dict(
        skew_thresh=skew_thresh,
        kurt_thresh=kurt_thresh,
        winmax=winmax,
        log_fallback=log_fallback,
        force_win=force_win,
        f1=f1,
        boxcox_lambda=boxcox_lambda,
    )
    Y, tr, cells, per_ind = _treat_wide(X, by_period=by_period, indiv=indiv, **kw)
    out = _to_tidy(Y)
    out["treated"] = _to_tidy(tr, "t")["t"].to_numpy(dtype=bool)
    key = out.set_index(_KEYS + ["indicator_id"]).index
    out = out[key.isin(df.set_index(_KEYS + ["indicator_id"]).index)]
    log = {
        "step": "treat",
        **kw,
        "by_period": by_period,
        "indiv": dict(indiv or {}),
        "indicators": per_ind.to_dict("records"),
    }
    return StepResult(out.reset_index(drop=True), cells, log)


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
        if method == "dist2ref":
            ref = p.get("ref_unit")
            if ref is None or row_units is None or not np.any(row_units == ref):
                raise ValueError("dist2ref needs ref_unit, a unit present in the data")
            xref = _ref_rows(Xd, row_units, row_periods, ref)
            Y = 1 - (xref - Xd) / (xref - mn)
            if p.get("cap_max", False):
                Y = np.minimum(Y, 1.0)
            return Y * scale
        if method in ("ratio", "difference"):
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
        if method == "above_below_mean":
            thr = float(p.get("p", 0.2))
            mu = np.nanmean(Xd, axis=0)
            Y = np.where(Xd > mu * (1 + thr), 1.0, np.where(Xd < mu * (1 - thr), -1.0, 0.0))
            return np.where(np.isnan(Xd), np.nan, Y)
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
        if method == "categorical":
            pct = R / n * 100
            cats = p.get("categories", ((95, 100), (85, 80), (65, 60), (35, 50), (15, 40), (5, 20)))
            Y = np.zeros_like(pct)
            done = np.zeros(pct.shape, bool)
            for thr, val in cats:
                hit = (pct >= thr) & ~done
                Y[hit] = val
                done |= hit
            return np.where(np.isnan(Xd), np.nan, Y)
        return Xd  # "none"


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

    Example
    -------
    >>> normalise(data, fw, "zscore", mean=100, sd=10).data  # doctest: +SKIP
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


# ========================================================================= aggregate
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


def _flip(S: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    return (bounds[0] + bounds[1] - S) if bounds is not None else -S


def _aggregate_core(
    X: np.ndarray,
    tree: Tree,
    W: np.ndarray,
    methods: np.ndarray,
    p: float | np.ndarray = 2.0,
    zeros: str = "error",
    shift: float = 1.0,
    dat_thresh: float | None = None,
    bounds: tuple[float, float] | None = None,
    node_major: bool = False,
    dtype: Any = np.float64,
    custom: Mapping[int, Callable] | None = None,
    row_periods: np.ndarray | None = None,
) -> np.ndarray:
    """Aggregate a rows x indicators matrix through the tree for D weight draws at once.

    Parameters
    ----------
    X : (R, K) normalised values, NaN = missing.
    W : (D, E) child weights per draw (edge order of ``tree.edges``).
    methods : (D, J) int codes into :data:`AGGREGATION_METHODS` per draw and node.
    node_major : bool
        Return (J, D, R) instead of (D, R, J).
    dtype : numpy dtype
        Working precision (the sensitivity analysis uses float32).
    custom : {node index: f}, optional
        Nodes aggregated by a function ``f(values, weights) -> scores`` (values: units x
        children with NaN, weights: the children's weights) applied within each period
        (``row_periods``), e.g. :func:`copeland`.

    Returns
    -------
    (D, R, J) node scores (a view of a node-major array).

    Every weighted mean is ``f^-1(sum w g(x) / sum w)`` with g = identity (arithmetic),
    log (geometric), 1/x (harmonic) or x**p (generalised), sums over the children that
    are present; the indicator part of a node is one matrix product (draws x
    indicators) @ (indicators x rows) per formula.
    """
    R, K = X.shape
    D = W.shape[0]
    J = tree.J
    X = np.asarray(X, dtype=dtype)
    W = np.asarray(W, dtype=dtype)
    pj = np.broadcast_to(np.asarray(p, dtype=float), (J,))
    M = ~np.isnan(X)
    Mf = M.astype(dtype)
    X0 = np.where(M, X, 0).astype(dtype, copy=False)
    shift_v = shift if zeros == "shift" else 0.0
    S = np.full((J, D, R), np.nan, dtype=dtype)

    def g(code: int, v: np.ndarray, j: int) -> np.ndarray:
        if code == 0:
            return v
        vv = v + shift_v
        with np.errstate(divide="ignore", invalid="ignore"):
            if code == 1:
                return np.log(vv)
            if code == 2:
                return 1.0 / vv
            return vv ** pj[j]

    gcache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def g_ind(code: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        key = code if code != 3 else 100 + j
        if key not in gcache:
            G = g(code, X0, j)
            bad = M & ~np.isfinite(G)
            gcache[key] = (np.where(M & ~bad, G, 0.0), bad)
        return gcache[key]

    par, chi, isind = tree.edge_parent, tree.edge_child, tree.edge_child_is_ind
    need_cnt = dat_thresh is not None
    custom = dict(custom or {})
    blocks = (
        [np.arange(R)]
        if row_periods is None
        else [np.flatnonzero(row_periods == pv) for pv in pd.unique(row_periods)]
    )
    for j in range(J):
        if j in custom:
            es = np.flatnonzero(par == j)
            for d in range(D):
                cols = []
                for e in es:
                    c = chi[e]
                    if isind[e]:
                        cols.append(X[:, c].astype(float))
                    else:
                        sc_ = S[c, d].astype(float)
                        cols.append(_flip(sc_, bounds) if tree.node_direction[c] < 0 else sc_)
                V = np.column_stack(cols)
                w = np.asarray(W[d, es], float)
                for rows in blocks:
                    S[j, d, rows] = np.asarray(custom[j](V[rows], w), dtype=float)
            continue
        mcode = methods[:, j]
        codes = np.unique(mcode)
        single = codes.size == 1
        num = np.zeros((D, R), dtype=dtype)
        den = np.zeros((D, R), dtype=dtype)
        cnt = np.zeros((D, R), dtype=dtype) if need_cnt else None
        npos = np.zeros(D)
        poison = None
        ie = np.flatnonzero((par == j) & isind)
        if ie.size:
            ks = chi[ie]
            Wj = W[:, ie]
            Pj = (Wj > 0).astype(dtype)
            Mk = M[:, ks]
            if Mk.all():  # complete data: denominators are the weight sums
                den += Wj.sum(axis=1)[:, None]
                if need_cnt:
                    cnt += Pj.sum(axis=1)[:, None]
            else:
                MfT = Mf[:, ks].T
                den += Wj @ MfT
                if need_cnt:
                    cnt += Pj @ MfT
            npos += Pj.sum(axis=1)
            for code in codes:
                if code == 4:
                    continue
                if (code in (1, 2) or (code == 3 and pj[j] < 0)) and zeros == "error":
                    badx = Mk & (X0[:, ks] <= 0)
                    if badx.any():
                        r, c = np.argwhere(badx)[0]
                        raise ValueError(
                            f"{AGGREGATION_METHODS[code]} aggregation needs positive values "
                            "(generalised: for p < 0); "
                            f"indicator {tree.indicators[ks[c]]} has {X[r, ks[c]]:.4g}. "
                            "Normalise to a positive range (e.g. minmax range=(1, 100)) or "
                            "use zeros='shift'"
                        )
                G, bad = g_ind(int(code), j)
                badk = bad[:, ks]
                if single:
                    num += Wj @ G[:, ks].T
                    if badk.any():
                        poison = (Pj @ badk.T.astype(dtype)) > 0
                else:
                    rows = mcode == code
                    num[rows] += Wj[rows] @ G[:, ks].T
                    if badk.any():
                        if poison is None:
                            poison = np.zeros((D, R), dtype=bool)
                        poison[rows] |= (Pj[rows] @ badk.T.astype(dtype)) > 0
        for e in np.flatnonzero((par == j) & ~isind):
            c = chi[e]
            sc = S[c]
            if tree.node_direction[c] < 0:
                sc = _flip(sc, bounds)
            w = W[:, e][:, None]
            nan_c = np.isnan(sc)
            any_nan = bool(nan_c.any())
            if any_nan:
                sc = np.where(nan_c, 0.0, sc)
            for code in codes:
                if code == 4:
                    continue
                rows = slice(None) if single else (mcode == code)
                vals = sc[rows]
                if (code in (1, 2) or (code == 3 and pj[j] < 0)) and zeros == "error":
                    chk = vals if not any_nan else vals[~nan_c[rows]]
                    if np.any(chk <= 0):
                        raise ValueError(
                            f"{AGGREGATION_METHODS[code]} aggregation of node {tree.nodes[j]} "
                            f"needs positive child scores ({tree.nodes[c]} has values <= 0)"
                        )
                gv = g(int(code), vals, j) * w[rows]
                if any_nan:
                    gv[nan_c[rows]] = 0.0
                num[rows] += gv
            if any_nan:
                av = ~nan_c
                den += av * w
                if need_cnt:
                    cnt += av * (w > 0)
            else:
                den += w
                if need_cnt:
                    cnt += w > 0
            npos += W[:, e] > 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.divide(num, den, out=num)
            if single:
                code = codes[0]
                if code == 1:
                    np.exp(out, out=out)
                elif code == 2:
                    np.divide(1.0, out, out=out)
                elif code == 3:
                    np.power(out, 1.0 / pj[j], out=out)
                elif code == 4:
                    out[:] = np.nan
                if code != 0 and shift_v:
                    out -= shift_v
            else:
                mean = out.copy()
                for code in codes:
                    rows = mcode == code
                    m = mean[rows]
                    if code == 0:
                        out[rows] = m
                    elif code == 1:
                        out[rows] = np.exp(m) - shift_v
                    elif code == 2:
                        out[rows] = 1.0 / m - shift_v
                    elif code == 3:
                        out[rows] = m ** (1.0 / pj[j]) - shift_v
                    else:
                        out[rows] = np.nan
            bad_out = (den <= 0) | ~np.isfinite(out)
            if poison is not None:
                bad_out |= poison
            if need_cnt:
                bad_out |= cnt / npos[:, None] < dat_thresh
            out[bad_out] = np.nan
        S[j] = out
    return S if node_major else S.transpose(1, 2, 0)


def copeland(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Copeland score of each unit from an outranking matrix (COINr ``a_copeland``).

    ``values``: units x children (NaN allowed: a comparison with a missing value counts
    for neither unit). For units i < j the outranking share is ``sum(w[x_i > x_j]) +
    sum(w[x_i == x_j]) / 2`` with weights summing to 1, and ``1 -`` that for j over i (as
    COINr); a unit scores +1 for each unit it outranks (> 0.5), -1 for each that outranks
    it, 0 for a tie. The score is a count, not on the normalised scale.

    Example
    -------
    >>> copeland(np.array([[1.0, 2.0], [2.0, 3.0], [0.0, 5.0]])).tolist()
    [-1.0, 1.0, 0.0]
    """
    V = np.asarray(values, float)
    n, k = V.shape
    w = np.ones(k) if weights is None else np.asarray(weights, float)
    w = w / np.nansum(w)
    with np.errstate(invalid="ignore"):
        gt = (V[:, None, :] > V[None, :, :]).astype(float)
        eq = (V[:, None, :] == V[None, :, :]).astype(float)
    orm = gt @ w + (eq @ w) / 2
    iu = np.triu_indices(n, 1)
    full = np.zeros((n, n))
    full[iu] = orm[iu]
    full[(iu[1], iu[0])] = 1 - orm[iu]
    sc_ = np.where(full > 0.5, 1.0, np.where(full < 0.5, -1.0, 0.0))
    np.fill_diagonal(sc_, 0.0)
    return sc_.sum(axis=1)


def _resolve_methods(tree: Tree, aggregate: Any) -> tuple[list[Any], dict]:
    """Per-node aggregation method list and the parameters (p, zeros, shift, dat_thresh).

    A method is a name of :data:`AGGREGATION_METHODS`, ``"copeland"`` or a callable
    ``f(values, weights)``; a mapping may be keyed by node id or by level (int)."""
    spec = aggregate
    params: dict = {}
    if isinstance(spec, Mapping) and "method" in spec:
        params = {k: v for k, v in spec.items() if k != "method"}
        spec = spec["method"]
    elif isinstance(spec, Mapping) and not (set(spec) & (set(tree.nodes) | set(range(2, 50)))):
        params = dict(spec)
        spec = None
    if spec is None:
        meths: list[Any] = list(tree.node_aggregation)
    elif isinstance(spec, str) or callable(spec):
        meths = [spec] * tree.J
    else:
        meths = [
            spec.get(n, spec.get(tree.levels[n], a))
            for n, a in zip(tree.nodes, tree.node_aggregation)
        ]
    for m in meths:
        if not callable(m) and m not in AGGREGATION_METHODS and m != "copeland":
            raise ValueError(
                f"unknown aggregation {m!r}; one of {AGGREGATION_METHODS}, 'copeland' "
                "or a function f(values, weights)"
            )
    return meths, params


def _method_codes(meths: Sequence[Any]) -> tuple[np.ndarray, dict]:
    """(1, J) codes for the vectorised core and the {node: function} custom nodes."""
    codes = np.array(
        [[_AGG_CODE[m] if isinstance(m, str) and m in _AGG_CODE else 0 for m in meths]]
    )
    custom = {
        j: (copeland if m == "copeland" else m)
        for j, m in enumerate(meths)
        if callable(m) or m == "copeland"
    }
    return codes, custom


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


def _scores_tidy(S: np.ndarray, index: pd.MultiIndex, tree: Tree) -> pd.DataFrame:
    R, J = S.shape
    df = pd.DataFrame(
        {
            "unit_id": np.repeat(index.get_level_values("unit_id").to_numpy(), J),
            "period": np.repeat(index.get_level_values("period").to_numpy(), J),
            "node_id": np.tile(np.array(tree.nodes, dtype=object), R),
            "level": np.tile(np.array([tree.levels[n] for n in tree.nodes]), R),
            "score": S.reshape(-1),
        }
    )
    return df


def aggregate(
    indicators: pd.DataFrame,
    fw: Framework,
    method: str | Mapping | None = None,
    weights: Any = None,
    dat_thresh: float | None = None,
    p: float = 2.0,
    zeros: str = "error",
    shift: float = 1.0,
    bounds: tuple[float, float] | None = (0.0, 100.0),
) -> pd.DataFrame:
    """Aggregate normalised indicators up the framework tree.

    Parameters
    ----------
    indicators : DataFrame
        Tidy normalised values (``unit_id, period, indicator_id, value``).
    method : str, callable or mapping, optional
        ``None`` = each node's own ``aggregation`` from the framework; a method for all
        nodes; or ``{node_id or level: method}`` (a different function per level, as
        COINr's ``f_ag`` vector). Methods: ``arithmetic``, ``geometric``, ``harmonic``,
        ``generalised`` (power mean with exponent ``p``; zeros allowed for p > 0, as in
        COINr), ``copeland`` (:func:`copeland`, within each period), ``none``, or a user
        function ``f(values, weights) -> scores`` (values: units x children of one
        period).
    weights : optional
        ``None`` (framework weights), ``"equal"``, or ``{child_id: weight}``.
    dat_thresh : float, optional
        Minimum share (0-1) of a node's (positively weighted) children that must be
        present, else the node's score is missing (COINr ``dat_thresh``).
    zeros : {"error", "shift"}
        Geometric/harmonic/generalised means need positive values: raise, or add
        ``shift`` to every child before and subtract it after.
    bounds : (lo, hi) or None
        Scale of the normalised values, used to mirror a node with direction -1 as
        ``lo + hi - score`` (``None``: ``-score``).

    Weights are renormalised over the children that are present for each unit.

    Returns
    -------
    DataFrame
        ``unit_id, period, node_id, level, score``.
    """
    tree = build_tree(fw)
    df = indicators.copy()
    if "period" not in df.columns:
        df["period"] = 0
    X = to_wide(df, tree.indicators)
    meths, extra = _resolve_methods(tree, method)
    W = _resolve_weights(tree, weights)
    codes, custom = _method_codes(meths)
    S = _aggregate_core(
        X.to_numpy(float),
        tree,
        W[None, :],
        codes,
        p=extra.get("p", p),
        zeros=extra.get("zeros", zeros),
        shift=extra.get("shift", shift),
        dat_thresh=extra.get("dat_thresh", dat_thresh),
        bounds=bounds,
        custom=custom,
        row_periods=X.index.get_level_values("period").to_numpy(),
    )[0]
    return _scores_tidy(S, X.index, tree)


# ============================================================================ weights
def pca_weights(values: pd.DataFrame, kind: str = "squared") -> pd.Series:
    """Weights from the first principal component of standardised children.

    PCA of the correlation matrix of ``values`` (units x children, complete rows).
    ``kind="squared"``: the squared loadings of the first (unrotated) component, which
    sum to 1 (the eigenvector has unit length) - the simple variant of the Handbook's
    PCA/FA weighting (Section 6.1). ``kind="loadings"``: the signed loadings themselves,
    as COINr's ``get_PCA`` returns them (``prcomp(scale = TRUE)$rotation[, 1]``); an
    eigenvector's sign is arbitrary, so urbansec orients it to a positive sum (COINr
    keeps whatever sign LAPACK returns); a child loading against the others keeps a
    negative weight. Needs at least 3 complete rows; else equal weights.

    Example
    -------
    >>> pca_weights(pd.DataFrame({"a": [1, 2, 3, 4.], "b": [2, 4, 5, 9.]})).round(2).tolist()
    [0.5, 0.5]
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4.], "b": [2, 4, 5, 9.]})
    >>> pca_weights(d, kind="loadings").round(4).tolist()
    [0.7071, 0.7071]
    """
    if kind not in ("squared", "loadings"):
        raise ValueError("kind: 'squared' or 'loadings'")
    V = values.dropna()
    k = values.shape[1]
    if k == 1 or len(V) < 3:
        return pd.Series(np.full(k, 1.0 / k), index=values.columns)
    sd = V.std(ddof=1)
    ok = sd > 0
    w = pd.Series(0.0, index=values.columns)
    if ok.sum() < 2:
        w[ok] = 1.0 / max(ok.sum(), 1)
        return w
    C = np.corrcoef(V.loc[:, ok].to_numpy().T)
    evals, evecs = np.linalg.eigh(C)
    v = evecs[:, -1]
    if kind == "loadings":
        w[ok] = v if v.sum() >= 0 else -v
        return w
    w[ok] = v**2 / np.sum(v**2)
    return w


def optimise_weights(
    prof: Profile,
    node_id: str,
    target: Mapping[str, float] | Sequence[float] | None = None,
    method: str = "Nelder-Mead",
    maxiter: int = 2000,
) -> dict:
    """Weights of ``node_id``'s children that match a target importance (COINr ``get_opt_weights``).

    Importance of a child = Pearson correlation of the child with the node's score over
    all unit-periods of ``prof``; importances and target are both normalised to sum to 1
    and the sum of squared differences is minimised over the (positive) weights with
    :func:`scipy.optimize.minimize`. The children's values are held fixed.

    Parameters
    ----------
    target : optional
        ``{child_id: importance}`` or a sequence; default equal importance.

    Returns
    -------
    dict
        ``weights`` ({child: weight}, summing to 1), ``importance`` (achieved),
        ``target``, ``objective``, ``success``. Pass ``weights`` to
        ``prof.rescore(weights=...)``.
    """
    tree = prof._tree
    j = tree.nodes.index(node_id)
    es = np.flatnonzero(tree.edge_parent == j)
    kids = [tree.edges[e][1] for e in es]
    vals = []
    iw = prof.indicators.pivot_table(
        index=_KEYS, columns="indicator_id", values="value", dropna=False
    )
    sw = prof.wide()
    for e, c in zip(es, kids):
        vals.append(iw[c] if tree.edge_child_is_ind[e] else sw[c])
    V = pd.concat(vals, axis=1).dropna().to_numpy(float)
    for n, e in enumerate(es):
        if not tree.edge_child_is_ind[e] and tree.node_direction[tree.edge_child[e]] < 0:
            V[:, n] = _flip(V[:, n], prof._bounds)
    t = (
        np.ones(len(kids))
        if target is None
        else (
            np.array([target[c] for c in kids], float)
            if isinstance(target, Mapping)
            else np.asarray(target, float)
        )
    )
    t = t / t.sum()
    code = _AGG_CODE[prof._methods[j]]

    def agg(w):
        w = np.abs(w)
        if code == 1:
            return np.exp(np.log(V) @ w / w.sum())
        return V @ w / w.sum()

    def importance(w):
        y = agg(w)
        c = np.array([np.corrcoef(V[:, i], y)[0, 1] for i in range(V.shape[1])])
        return c / c.sum()

    def obj(w):
        return float(np.sum((importance(w) - t) ** 2))

    w0 = np.ones(len(kids)) / len(kids)
    r = optimize.minimize(
        obj, w0, method=method, options={"maxiter": maxiter, "xatol": 1e-8, "fatol": 1e-12}
    )
    w = np.abs(r.x) / np.abs(r.x).sum()
    return {
        "weights": dict(zip(kids, w)),
        "importance": dict(zip(kids, importance(w))),
        "target": dict(zip(kids, t)),
        "objective": float(r.fun),
        "success": bool(r.success),
    }


def optimise_level_weights(
    prof: Profile,
    level: int,
    optype: str = "balance",
    target: Any = "equal",
    toler: float = 0.1,
    maxiter: int = 500,
    allow_negative: bool = False,
) -> dict:
    """Weights of all components at ``level`` optimised as COINr's ``get_opt_weights``.

    The components of ``level`` (1 = indicators) are correlated (Pearson) with the index
    after re-aggregating the profile with candidate weights. ``optype="balance"``
    minimises ``log(mean((t - c / sum(c))^2))`` for a target importance ``t`` (``"equal"``
    or a sequence, normalised to sum 1); ``"infomax"`` maximises ``sum(c)``. Nelder-Mead
    (:func:`scipy.optimize.minimize`) from the target (balance) or the current weights
    (infomax), with COINr's ``reltol`` as ``toler`` and ``maxit`` as ``maxiter``.

    Negative weights: COINr optimises the raw weights unconstrained, so a weight can
    come out negative. urbansec's choice (``allow_negative=False``) optimises ``|v|``,
    so every weight is >= 0 - a negative weight would reward a unit for doing worse on
    a component, which a published index should not do. ``allow_negative=True``
    reproduces COINr's unconstrained search.

    Returns
    -------
    dict
        ``weights`` ({component: weight}, summing to 1), ``correlations`` (achieved),
        ``objective``, ``success``, ``n_evaluations``. Pass ``weights`` to
        ``prof.rescore(weights=...)``.
    """
    if optype not in ("balance", "infomax"):
        raise ValueError("optype: 'balance' or 'infomax'")
    tree = prof._tree
    W0 = np.asarray(prof._weights, float)
    meths = prof._methods
    codes, custom = _method_codes(meths)
    N = prof.indicators.pivot_table(
        index=_KEYS, columns="indicator_id", values="value", dropna=False
    ).reindex(columns=list(tree.indicators))
    A = N.to_numpy(float)
    comps = (
        list(tree.indicators) if level == 1 else [n for n in tree.nodes if tree.levels[n] == level]
    )
    if not comps:
        raise ValueError(f"no components at level {level}")
    pos = tree.edge_index()
    es = np.array([pos[c] for c in comps])
    root = tree.nodes.index(tree.root)
    t = None
    if optype == "balance":
        t = np.ones(len(comps)) if isinstance(target, str) and target == "equal" else None
        if t is None:
            t = np.asarray(target, float)
        if t.size != len(comps):
            raise ValueError(f"target needs {len(comps)} values (the components of level {level})")
        t = t / t.sum()
    last: dict[str, Any] = {}

    def corr(w: np.ndarray) -> np.ndarray:
        W = W0.copy()
        W[es] = w / w.sum()
        S = _aggregate_core(A, tree, W[None], codes, bounds=prof._bounds, custom=custom)[0]
        y = S[:, root]
        V = (
            A[:, [tree.indicators.index(c) for c in comps]]
            if level == 1
            else S[:, [tree.nodes.index(c) for c in comps]]
        )
        ok = ~np.isnan(y)
        c = np.array(
            [
                np.corrcoef(V[ok & ~np.isnan(V[:, i]), i], y[ok & ~np.isnan(V[:, i])])[0, 1]
                for i in range(len(comps))
            ]
        )
        return c

    def obj(v: np.ndarray) -> float:
        w = v if allow_negative else np.abs(v)
        c = corr(w)
        if optype == "balance":
            val = float(np.log(max(np.sum((t - c / c.sum()) ** 2) / c.size, 1e-300)))
        else:
            val = float(-np.sum(c))
        last.update(c=c, val=val)
        return val

    x0 = t.copy() if optype == "balance" else W0[es].copy()
    r = optimize.minimize(
        obj, x0, method="Nelder-Mead", options={"maxiter": maxiter, "fatol": toler * 1e-3}
    )
    w = r.x if allow_negative else np.abs(r.x)
    w = w / w.sum()
    c = corr(w)
    return {
        "weights": dict(zip(comps, w)),
        "correlations": dict(zip(comps, c)),
        "objective": float(obj(w)),
        "success": bool(r.success),
        "n_evaluations": int(r.nfev),
        "optype": optype,
        "objective_at": lambda ww: obj(np.asarray(ww, float)),
    }


# ============================================================================= score
def _as_spec(spec: Any, default_key: str = "method") -> tuple[Any, dict]:
    if spec is None or spec is False:
        return None, {}
    if spec is True:
        return True, {}
    if isinstance(spec, Mapping):
        d = dict(spec)
        return d.pop(default_key, True), d
    return spec, {}


def score(
    data: pd.DataFrame,
    fw: Framework,
    impute: Any = None,
    treat: Any = None,
    normalise: Any = "minmax",
    aggregate: Any = None,
    weights: Any = None,
    screen: Mapping | None = None,
    groups: pd.DataFrame | None = None,
    normalise_params: Mapping | None = None,
    denominators: pd.DataFrame | None = None,
) -> Profile:
    """Score units on a framework: the full pipeline in one call -> :class:`Profile`.

    Parameters
    ----------
    data : DataFrame
        Tidy ``unit_id, indicator_id, period, value[, source, n]``. Indicators not in
        ``fw`` raise :class:`~urbansec_lib.core.errors.ValidationError`; framework indicators
        absent from ``data`` get coverage 0 (NaN values).
    fw : Framework
    impute : None, str, list or dict
        ``None`` (no imputation), a method of :func:`impute` (or a list applied in
        turn), or ``{"method": ..., "group": "Group_x", "group_level": 2,
        "normalise_first": True, "seed": 0}`` (group from ``groups``; ``group_level`` /
        ``normalise_first`` for the row-wise methods, ``seed`` for ``"em"``).
    treat : None, True or dict
        ``True`` for urbansec's default outlier treatment, or a dict of
        :func:`treat_outliers` parameters (``skew_thresh``, ``kurt_thresh``, ``winmax``,
        ``log_fallback``, ``force_win``, ``f1``, ``boxcox_lambda``, ``by_period`` (treat
        each period separately, as COINr treats a purse), ``indiv`` (per-indicator
        specs)). COINr's default is ``{"log_fallback": "log_CT"}``.
    normalise : str or dict
        A method of :func:`normalise`; parameters in ``normalise_params`` (or in the
        dict: ``{"method": "zscore", "mean": 100, "sd": 10}``); ``by_period`` and
        ``indiv`` (per-indicator specs) too. Indicators with a ``normalisation`` in the
        framework use it (explicit ``indiv`` entries win). Default min-max to 0-100
        pooled over all units and periods (COINr's ``Normalise(global = TRUE)``).
    aggregate : None, str, callable or dict
        ``None`` = each node's framework aggregation; a method for all nodes (a name of
        :func:`aggregate`, ``"copeland"`` or a function ``f(values, weights)``);
        ``{node_id or level: method}``; or ``{"method": ..., "dat_thresh": 0.5, "p": 2,
        "zeros": "error"|"shift", "shift": 1}``.
    weights : None, "equal", "pca", "pca_loadings", mapping or frame
        Framework weights by default; ``"pca"`` (squared loadings) or
        ``"pca_loadings"`` (COINr's signed loadings) derive every node's child weights
        with :func:`pca_weights` bottom-up.
    screen : dict, optional
        ``{"min_unit_coverage": ..., "min_indicator_coverage": ..., "by": "NA" | "zeros"
        | "NA_and_zeros", "min_nonzero": 0.05, "force": {unit: True/False},
        "after_impute": False}`` (see :func:`screen`). ``after_impute=True`` screens the
        imputed data, as COINr's example coin does.
    groups : DataFrame, optional
        ``unit_id`` + group columns (for group imputation; kept on the profile).
    denominators : DataFrame, optional
        Passed to :func:`denominate` first (a missing denominator gives a missing value
        and a note in the log).

    The one-call route of :class:`urbansec_lib.stages.Pipeline`; every stage's output
    is kept on ``profile.dsets`` by name.

    Returns
    -------
    Profile

    Example
    -------
    >>> prof = score(data, fw)  # doctest: +SKIP
    >>> prof.summary()  # doctest: +SKIP
    """
    params = dict(
        impute=impute,
        treat=treat,
        normalise=normalise,
        aggregate=aggregate,
        weights=weights,
        screen=screen,
        groups=groups,
        normalise_params=normalise_params,
        denominators=denominators,
    )
    raw_input = data
    log: list[dict] = []
    df = validate_data(data, fw)
    log.append(
        {
            "step": "validate",
            "n_rows": len(df),
            "n_units": df["unit_id"].nunique(),
            "n_periods": df["period"].nunique(),
            "framework": fw.id,
            "framework_version": fw.version,
        }
    )
    tree = build_tree(fw)
    dsets: dict[str, pd.DataFrame] = {"Raw": to_wide(df, tree.indicators)}
    if denominators is not None:
        df = denominate(df, fw, denominators)
        dsets["Denominated"] = to_wide(df, tree.indicators)
        log.append(
            {
                "step": "denominate",
                "declarations": {i.id: i.denominator for i in fw.indicators if i.denominator},
                "notes": list(df.attrs.get("denominate_notes", [])),
            }
        )
    X = to_wide(df, tree.indicators)
    raw = X.copy()
    screen_report = pd.DataFrame()
    sp = {
        "min_unit_coverage": 0.0,
        "min_indicator_coverage": 0.0,
        "by": "NA",
        "min_nonzero": 0.05,
        "force": None,
        "after_impute": False,
        **dict(screen or {}),
    }
    unknown = set(sp) - {
        "min_unit_coverage",
        "min_indicator_coverage",
        "by",
        "min_nonzero",
        "force",
        "after_impute",
    }
    if unknown:
        raise ValueError(f"unknown screen parameter(s) {sorted(unknown)}")

    def _do_screen(X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        X2, rep, _ = _screen_wide(
            X,
            sp["min_unit_coverage"],
            sp["min_indicator_coverage"],
            sp["by"],
            sp["min_nonzero"],
            sp["force"],
        )
        log.append(
            {"step": "screen", **sp, "dropped": rep[["kind", "id", "period"]].to_dict("records")}
        )
        return X2, rep

    if screen and not sp["after_impute"]:
        X, screen_report = _do_screen(X)
        raw = raw.loc[X.index]
        dsets["Screened"] = X.copy()
    observed = X.notna()
    # impute
    imp_method, imp_kw = _as_spec(impute)
    imputed = pd.DataFrame(False, index=X.index, columns=X.columns)
    if imp_method not in (None, "none"):
        bad = set(imp_kw) - {"group", "group_level", "normalise_first", "seed"}
        if bad:
            raise ValueError(f"unknown imputation parameter(s) {sorted(bad)}")
        X, imputed = _impute_wide(
            X,
            imp_method,
            groups,
            imp_kw.get("group"),
            fw=fw,
            group_level=imp_kw.get("group_level"),
            normalise_first=imp_kw.get("normalise_first", True),
            seed=imp_kw.get("seed", 0),
        )
        log.append(
            {
                "step": "impute",
                "method": imp_method,
                **imp_kw,
                "n_imputed": int(imputed.to_numpy().sum()),
            }
        )
    if imp_method not in (None, "none"):
        dsets["Imputed"] = X.copy()
    if screen and sp["after_impute"]:
        X, screen_report = _do_screen(X)
        raw, observed, imputed = raw.loc[X.index], observed.loc[X.index], imputed.loc[X.index]
        dsets["Screened"] = X.copy()
    # treat
    tr_on, tr_kw = _as_spec(treat, "enabled")
    treated = pd.DataFrame(False, index=X.index, columns=X.columns)
    treat_report = pd.DataFrame()
    if tr_on:
        kw = {
            "skew_thresh": 2.0,
            "kurt_thresh": 3.5,
            "winmax": 5,
            "log_fallback": "log_CT_plus",
            **tr_kw,
        }
        X, treated, treat_report, per_ind = _treat_wide(X, **kw)
        dsets["Treated"] = X.copy()
        log.append({"step": "treat", **kw, "indicators": per_ind.to_dict("records")})
    # normalise
    n_method, n_kw = _as_spec(normalise)
    if n_method is True:
        n_method = "minmax"
    n_kw = {**n_kw, **dict(normalise_params or {})}
    fw_indiv = {i.id: dict(i.normalisation) for i in fw.indicators if i.normalisation}
    if fw_indiv:  # the framework's per-indicator specs; explicit ones take precedence
        n_kw["indiv"] = {**fw_indiv, **dict(n_kw.get("indiv") or {})}
    by_period = bool(n_kw.pop("by_period", False))
    N = _normalise_wide(X, fw, n_method, n_kw, by_period)
    dsets["Normalised"] = N.copy()
    log.append(
        {
            "step": "normalise",
            "method": n_method,
            "by_period": by_period,
            "pooled_over_periods": not by_period,
            "direction_applied_first": True,
            **n_kw,
        }
    )
    bounds = _bounds_for(n_method, n_kw)
    # weights + aggregate
    meths, agg_kw = _resolve_methods(tree, aggregate)
    agg_kw = {"p": 2.0, "zeros": "error", "shift": 1.0, "dat_thresh": None, **agg_kw}
    codes, custom = _method_codes(meths)
    agg_kw_core = {
        **agg_kw,
        "custom": custom,
        "row_periods": N.index.get_level_values("period").to_numpy(),
    }
    A = N.to_numpy(float)
    if isinstance(weights, str) and weights in ("pca", "pca_loadings"):
        pkind = "squared" if weights == "pca" else "loadings"
        W = np.ones(tree.E)
        for lvl in sorted(set(tree.levels[n] for n in tree.nodes)):
            S = _aggregate_core(A, tree, W[None], codes, bounds=bounds, **agg_kw_core)[0]
            for j, nid in enumerate(tree.nodes):
                if tree.levels[nid] != lvl:
                    continue
                es = np.flatnonzero(tree.edge_parent == j)
                cols = {}
                for e in es:
                    c = tree.edge_child[e]
                    cols[tree.edges[e][1]] = A[:, c] if tree.edge_child_is_ind[e] else S[:, c]
                W[es] = pca_weights(pd.DataFrame(cols), kind=pkind).to_numpy()
        wlog = weights
    else:
        W = _resolve_weights(tree, weights)
        wlog = weights if isinstance(weights, (str, type(None))) else "given"
    log.append(
        {
            "step": "weights",
            "scheme": wlog if wlog is not None else "framework",
            "weights": {c: float(w) for (_, c), w in zip(tree.edges, W)},
        }
    )
    S = _aggregate_core(A, tree, W[None], codes, bounds=bounds, **agg_kw_core)[0]
    log.append(
        {
            "step": "aggregate",
            "methods": {
                n: (m if isinstance(m, str) else getattr(m, "__name__", "function"))
                for n, m in zip(tree.nodes, meths)
            },
            **agg_kw,
            "weights_renormalised_over_present_children": True,
            "node_flip_bounds": bounds,
        }
    )
    # tidy outputs
    scores = _scores_tidy(S, N.index, tree)
    ind = _to_tidy(raw.reindex(N.index), "raw")
    ind["value"] = _to_tidy(N)["value"].to_numpy()
    ind["imputed"] = _to_tidy(imputed, "f")["f"].to_numpy(dtype=bool)
    ind["treated"] = _to_tidy(treated, "f")["f"].to_numpy(dtype=bool)
    obs = observed.to_numpy()
    cov_rows = []
    R = len(N.index)
    for nid in tree.nodes:
        ks = tree.ind_under[nid]
        n_av = obs[:, ks].sum(axis=1)
        cov_rows.append(
            pd.DataFrame(
                {
                    "unit_id": N.index.get_level_values("unit_id"),
                    "period": N.index.get_level_values("period"),
                    "node_id": nid,
                    "n_indicators": len(ks),
                    "n_available": n_av,
                    "share": n_av / len(ks) if len(ks) else np.nan,
                }
            )
        )
    coverage = (
        pd.concat(cov_rows, ignore_index=True)
        if R
        else pd.DataFrame(columns=_KEYS + ["node_id", "n_indicators", "n_available", "share"])
    )
    coverage = coverage.sort_values(_KEYS, kind="stable").reset_index(drop=True)
    eff = effective_weights(tree, W)
    prof = Profile(
        scores=scores,
        indicators=ind,
        coverage=coverage,
        log=log,
        effective_weights=eff,
        framework=fw,
        raw_data=raw_input,
        params=params,
        groups=groups,
        screen_report=screen_report,
        treat_report=treat_report,
    )
    prof._tree = tree
    prof._methods = meths
    prof._bounds = bounds
    prof._weights = W
    agg_wide = pd.DataFrame(S, index=N.index, columns=list(tree.nodes))
    dsets["Aggregated"] = pd.concat([N, agg_wide], axis=1)
    prof.dsets = dsets
    return prof


# =========================================================================== Profile
@dataclass
class Profile:
    """A scored framework: tidy frames for every stage plus the log of every step.

    Attributes
    ----------
    scores : DataFrame
        ``unit_id, period, node_id, level, score`` for every aggregate node incl. the root.
    indicators : DataFrame
        ``unit_id, period, indicator_id, raw, value, imputed, treated``.
    coverage : DataFrame
        ``unit_id, period, node_id, n_indicators, n_available, share`` (observed data,
        before imputation).
    log : list of dict
        One dict per step with every parameter.
    effective_weights : DataFrame
        ``node_id, level, indicator_id, weight`` (sums to 1 per aggregate).
    screen_report, treat_report : DataFrame
        What screening dropped and which cells outlier treatment changed (with reasons).
    dsets : dict of DataFrame
        Each stage's output by name (COINr's ``dsets``), see :meth:`get_dset`.
    """

    scores: pd.DataFrame
    indicators: pd.DataFrame
    coverage: pd.DataFrame
    log: list
    effective_weights: pd.DataFrame
    framework: Framework
    raw_data: pd.DataFrame
    params: dict
    groups: pd.DataFrame | None = None
    screen_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    treat_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Every stage's data set by name, as COINr's ``coin$Data``: ``Raw``, ``Denominated``,
    #: ``Screened``, ``Imputed``, ``Treated``, ``Normalised``, ``Aggregated`` (the stages
    #: that ran; wide, rows = unit-periods; ``Aggregated`` adds the aggregate scores).
    dsets: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    def get_dset(self, name: str) -> pd.DataFrame:
        """One stage's data set by name (COINr ``get_dset``): ``Raw``, ``Denominated``,
        ``Screened``, ``Imputed``, ``Treated``, ``Normalised`` or ``Aggregated``."""
        if name not in self.dsets:
            raise KeyError(f"no data set {name!r}; this profile has {list(self.dsets)}")
        return self.dsets[name]

    def wide(self, level: int | str | None = None, period: Any = None) -> pd.DataFrame:
        """Units (x period) by nodes matrix of scores.

        Parameters
        ----------
        level : int, "indicators" or None
            A level as in ``fw.meta()`` (2 = lowest aggregates); ``"indicators"`` gives
            the normalised indicators; ``None`` every aggregate node.
        period : optional
            Keep one period (index is then ``unit_id`` only).
        """
        if level == "indicators" or level == 1:
            df = self.indicators.rename(columns={"indicator_id": "node_id", "value": "score"})
            order = list(self._tree.indicators)
        else:
            df = self.scores if level is None else self.scores[self.scores["level"] == level]
            order = [n for n in self._tree.nodes if n in set(df["node_id"])]
        if period is not None:
            df = df[df["period"] == period]
            w = df.pivot_table(index="unit_id", columns="node_id", values="score", dropna=False)
        else:
            w = df.pivot_table(index=_KEYS, columns="node_id", values="score", dropna=False)
        w = w.reindex(columns=order)
        w.columns.name = None
        return w

    def table(self, **kw: Any) -> pd.DataFrame:
        """Alias of :meth:`wide` (house style: results have a ``table()``)."""
        return self.wide(**kw)

    def change(self, unit_id: Any = None, baseline: bool = False) -> pd.DataFrame:
        """Change of every node's score over time, per unit.

        Consecutive periods by default; ``baseline=True`` compares every period with the
        unit's first period.

        Returns
        -------
        DataFrame
            ``unit_id, node_id, period_from, period_to, score_from, score_to, change``.
        """
        s = self.scores if unit_id is None else self.scores[self.scores["unit_id"] == unit_id]
        s = s.sort_values(["unit_id", "node_id", "period"])
        g = s.groupby(["unit_id", "node_id"], sort=False)
        if baseline:
            prev_p = g["period"].transform("first")
            prev_s = g["score"].transform("first")
        else:
            prev_p = g["period"].shift(1)
            prev_s = g["score"].shift(1)
        out = pd.DataFrame(
            {
                "unit_id": s["unit_id"],
                "node_id": s["node_id"],
                "period_from": prev_p,
                "period_to": s["period"],
                "score_from": prev_s,
                "score_to": s["score"],
            }
        )
        out = out[out["period_from"].notna() & (out["period_from"] != out["period_to"])]
        out["change"] = out["score_to"] - out["score_from"]
        return out.reset_index(drop=True)

    def summary(self) -> str:
        """Plain-text account: framework, data, every step with its parameters, coverage
        and the distribution of each node's scores (no ranking)."""
        fw = self.framework
        units = self.scores["unit_id"].nunique()
        periods = sorted(self.scores["period"].unique().tolist(), key=str)
        lines = [
            f"Profile: {fw.name} ({fw.id} v{fw.version})",
            f"  {units} unit(s), period(s) {periods}, {len(self._tree.indicators)} "
            f"indicators, {len(self._tree.nodes)} aggregates",
        ]
        lines.append("Steps:")
        for entry in self.log:
            shown = {
                k: v
                for k, v in entry.items()
                if k not in ("step", "weights", "indicators", "dropped")
            }
            if "dropped" in entry:
                shown["n_dropped"] = len(entry["dropped"])
            lines.append(f"  - {entry['step']}: {shown}")
        cov = self.coverage[self.coverage["node_id"] == self._tree.root]["share"]
        lines.append(f"Data coverage (index): mean {cov.mean():.0%}, min {cov.min():.0%}")
        n_imp, n_tr = int(self.indicators["imputed"].sum()), int(self.indicators["treated"].sum())
        lines.append(f"Imputed cells: {n_imp}; treated cells: {n_tr}")
        lines.append("Scores by node (over units and periods): mean [min, max], n missing")
        for nid in self._tree.nodes:
            s = self.scores.loc[self.scores["node_id"] == nid, "score"]
            lines.append(
                f"  L{self._tree.levels[nid]} {nid:<28} {s.mean():8.2f} "
                f"[{s.min():.2f}, {s.max():.2f}]  {int(s.isna().sum())}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Profile(framework={self.framework.id!r}, units="
            f"{self.scores['unit_id'].nunique()}, periods="
            f"{self.scores['period'].nunique()}, nodes={len(self._tree.nodes)})"
        )

    # ------------------------------------------------------------- regenerate
    def rescore(self, **changed: Any) -> Profile:
        """Regenerate the profile from the stored raw data with some steps changed.

        Example
        -------
        >>> prof.rescore(normalise="zscore", aggregate="geometric")  # doctest: +SKIP
        """
        unknown = set(changed) - set(self.params)
        if unknown:
            raise TypeError(f"unknown score() parameter(s): {sorted(unknown)}")
        return score(self.raw_data, self.framework, **{**self.params, **changed})
