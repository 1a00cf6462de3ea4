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

The stages live one per module (this module is the public face and re-exports them):

``tree``
    :class:`Tree`, :func:`build_tree`, :func:`effective_weights` (the framework as arrays).
``tidy``
    :func:`validate_data`, :func:`to_wide`, :class:`StepResult`.
``denomination``, ``screening``, ``imputation``, ``outliers``, ``normalisation``
    :func:`denominate`, :func:`screen`, :func:`impute`, :func:`treat_outliers` (with
    :func:`treat_vector`, :func:`transform_vector`), :func:`normalise` (with
    :func:`normalise_vector`).
``aggregation``, ``weighting``
    :func:`aggregate`, :func:`copeland`; :func:`pca_weights`, :func:`optimise_weights`,
    :func:`optimise_level_weights`.

This module: :func:`score` (the whole pipeline in one call) and its result,
:class:`Profile`.

Example
-------
>>> from urbansec_lib import scoring
>>> from urbansec_lib.framework import load_framework
>>> fw = load_framework()
>>> prof = scoring.score(scoring.example_data(fw), fw)
>>> prof.wide(level=2).shape
(3, 7)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core.errors import Problem as Problem
from ..core.errors import ValidationError as ValidationError
from ..model.framework import Dimension as Dimension
from ..model.framework import Framework
from .aggregation import AGGREGATION_METHODS as AGGREGATION_METHODS
from .aggregation import _scores_tidy
from .aggregation import aggregate as aggregate
from .aggregation import copeland as copeland
from .denomination import denominate as denominate
from .imputation import IMPUTATION_METHODS as IMPUTATION_METHODS
from .imputation import impute as impute
from .normalisation import NORMALISATION_METHODS as NORMALISATION_METHODS
from .normalisation import normalise as normalise
from .normalisation import normalise_vector as normalise_vector
from .outliers import TRANSFORMS as TRANSFORMS
from .outliers import transform_vector as transform_vector
from .outliers import treat_outliers as treat_outliers
from .outliers import treat_vector as treat_vector
from .score_steps import (
    _aggregate_step,
    _coverage_table,
    _data_step,
    _impute_step,
    _indicator_table,
    _normalise_step,
    _screen_params,
    _screen_step,
    _treat_step,
)
from .screening import SCREEN_BY as SCREEN_BY
from .screening import screen as screen
from .tidy import _KEYS
from .tidy import StepResult as StepResult
from .tidy import example_data as example_data
from .tidy import to_wide as to_wide
from .tidy import validate_data as validate_data
from .tree import Tree as Tree
from .tree import build_tree as build_tree
from .tree import effective_weights as effective_weights
from .weighting import optimise_level_weights as optimise_level_weights
from .weighting import optimise_weights as optimise_weights
from .weighting import pca_weights as pca_weights

__all__ = [
    "AGGREGATION_METHODS",
    "IMPUTATION_METHODS",
    "NORMALISATION_METHODS",
    "SCREEN_BY",
    "TRANSFORMS",
    "Profile",
    "StepResult",
    "Tree",
    "aggregate",
    "build_tree",
    "copeland",
    "denominate",
    "effective_weights",
    "example_data",
    "impute",
    "normalise",
    "normalise_vector",
    "optimise_level_weights",
    "optimise_weights",
    "pca_weights",
    "score",
    "screen",
    "to_wide",
    "transform_vector",
    "treat_outliers",
    "treat_vector",
    "validate_data",
]


# ============================================================================= score
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

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> prof = score(example_data(fw), fw)
    >>> prof
    Profile(framework='urban_security', units=3, periods=1, nodes=9)
    >>> prof.summary().splitlines()[1].strip()
    '3 unit(s), period(s) [2024], 53 indicators, 9 aggregates'
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
    log: list[dict] = []
    tree = build_tree(fw)
    dsets: dict[str, pd.DataFrame] = {}
    df = _data_step(data, fw, denominators, tree, log, dsets)
    X = to_wide(df, tree.indicators)
    raw = X.copy()
    screen_report = pd.DataFrame()
    sp = _screen_params(screen)
    if screen and not sp["after_impute"]:
        X, screen_report = _screen_step(X, sp, log)
        raw = raw.loc[X.index]
        dsets["Screened"] = X.copy()
    observed = X.notna()
    X, imputed, done = _impute_step(X, impute, groups, fw, log)
    if done:
        dsets["Imputed"] = X.copy()
    if screen and sp["after_impute"]:
        X, screen_report = _screen_step(X, sp, log)
        raw, observed, imputed = raw.loc[X.index], observed.loc[X.index], imputed.loc[X.index]
        dsets["Screened"] = X.copy()
    X, treated, treat_report, done = _treat_step(X, treat, log)
    if done:
        dsets["Treated"] = X.copy()
    N, n_method, bounds = _normalise_step(X, fw, normalise, normalise_params, log)
    dsets["Normalised"] = N.copy()
    S, W, meths = _aggregate_step(N, tree, aggregate, weights, bounds, log)
    prof = Profile(
        scores=_scores_tidy(S, N.index, tree),
        indicators=_indicator_table(raw, N, imputed, treated),
        coverage=_coverage_table(observed, N.index, tree),
        log=log,
        effective_weights=effective_weights(tree, W),
        framework=fw,
        raw_data=data,
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

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> prof = score(example_data(fw, periods=[2023, 2024]), fw)
    >>> prof.wide(level=2, period=2024).shape
    (3, 7)
    >>> list(prof.dsets)
    ['Raw', 'Normalised', 'Aggregated']
    >>> ch = prof.change(unit_id="A")
    >>> ch["period_to"].unique().tolist(), len(ch) == 9
    ([2024], True)
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

        Examples
        --------
        >>> from urbansec_lib.framework import load_framework
        >>> fw = load_framework()
        >>> prof = score(example_data(fw), fw)
        >>> z = prof.rescore(normalise="zscore")
        >>> z.log[1]["step"], z.log[1]["method"], prof.log[1]["method"]
        ('normalise', 'zscore', 'minmax')
        """
        unknown = set(changed) - set(self.params)
        if unknown:
            raise TypeError(f"unknown score() parameter(s): {sorted(unknown)}")
        return score(self.raw_data, self.framework, **{**self.params, **changed})
