"""The scoring engine as named stages with typed parameters (COINr's coin, sklearn-style).

Each stage is a small dataclass with explicit parameters; a :class:`Pipeline` holds one
of each, runs them in COINr's order and returns a :class:`~urbansec_lib.scoring.Profile`
whose ``dsets`` keep every stage's output by name and whose ``log`` records every
parameter. Any parameter has an *address* ``"<stage>.<parameter>"`` (COINr's
``SA_specs`` addresses, e.g. ``"treat.winmax"``), used by :meth:`Pipeline.set` to
regenerate with changed settings and by :func:`urbansec_lib.sensitivity.run_specs` to
vary any parameter in an uncertainty / sensitivity analysis.

Stages (in order; ``screen.after_impute`` moves screening after imputation):

===========  ==============================================================
denominate   :class:`Denominate` - divide by declared denominators
screen       :class:`Screen` - drop units/indicators by missing data or zeros
impute       :class:`Impute` - fill missing values
treat        :class:`Treat` - winsorise / transform outliers
normalise    :class:`Normalise` - put indicators on a common scale
weight       :class:`Weight` - the weights of every child in its parent
aggregate    :class:`Aggregate` - combine children into aggregate scores
===========  ==============================================================

:func:`urbansec_lib.scoring.score` stays the one-call route: ``Pipeline(...).run(data,
fw)`` gives the same profile as ``score(data, fw, **pipeline.score_kwargs())``.

Example
-------
>>> from urbansec_lib.stages import Pipeline, Treat
>>> pipe = Pipeline(treat=Treat(enabled=True, winmax=5))
>>> pipe.set(**{"treat.winmax": 3}).treat.winmax
3
>>> pipe.get("normalise.method")
'minmax'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..model.framework import Framework
from . import scoring

__all__ = [
    "STAGES",
    "Aggregate",
    "Denominate",
    "Impute",
    "Normalise",
    "Pipeline",
    "Screen",
    "Treat",
    "Weight",
]


@dataclass(frozen=True)
class Denominate:
    """Divide indicators by their declared denominators (COINr ``Denominate``).

    ``denominators``: wide ``unit_id[, period]`` + one column per denominator (e.g.
    :attr:`urbansec_lib.coinr.CoinrTables.denominators`); ``None`` = no denominating.

    Examples
    --------
    >>> Pipeline().score_kwargs()["denominators"] is None
    True
    """

    denominators: pd.DataFrame | None = None


@dataclass(frozen=True)
class Screen:
    """Screen units by data availability / zeros (COINr ``Screen``).

    See :func:`urbansec_lib.scoring.screen`; ``enabled=False`` skips the stage.

    Examples
    --------
    >>> Pipeline(screen=Screen(enabled=True, min_unit_coverage=0.5)).score_kwargs()["screen"]
    {'min_unit_coverage': 0.5, 'min_indicator_coverage': 0.0, 'by': 'NA', 'min_nonzero': 0.05, 'force': None, 'after_impute': False}
    """

    enabled: bool = False
    min_unit_coverage: float = 0.0
    min_indicator_coverage: float = 0.0
    by: str = "NA"
    min_nonzero: float = 0.05
    force: Mapping[Any, bool] | None = None
    after_impute: bool = False


@dataclass(frozen=True)
class Impute:
    """Fill missing values (COINr ``Impute``); ``method=None`` skips the stage.

    See :func:`urbansec_lib.scoring.impute` for the methods.

    Examples
    --------
    >>> Pipeline(impute=Impute(method="mean")).score_kwargs()["impute"]["method"]
    'mean'
    """

    method: str | tuple[str, ...] | None = None
    group: str | None = None
    group_level: int | None = None
    normalise_first: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Treat:
    """Outlier treatment (COINr ``Treat``); ``enabled=False`` skips the stage.

    See :func:`urbansec_lib.scoring.treat_vector`.

    Examples
    --------
    >>> Pipeline(treat=Treat(enabled=True, winmax=3)).score_kwargs()["treat"]["winmax"]
    3
    """

    enabled: bool = False
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    winmax: int | None = 5
    log_fallback: str | None = "log_CT_plus"
    force_win: bool = False
    f1: str = "winsorise"
    boxcox_lambda: float | None = None
    by_period: bool = False
    indiv: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Normalise:
    """Normalisation (COINr ``Normalise``): ``method`` and its ``params`` (e.g.
    ``{"range": (0, 100)}``), ``by_period``, per-indicator ``indiv`` specs.

    Examples
    --------
    >>> n = Normalise("zscore", {"mean": 100, "sd": 10})
    >>> kw = Pipeline(normalise=n).score_kwargs()
    >>> kw["normalise"], kw["normalise_params"]
    ('zscore', {'mean': 100, 'sd': 10})
    """

    method: str = "minmax"
    params: Mapping[str, Any] = field(default_factory=dict)
    by_period: bool = False
    indiv: Mapping[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class Weight:
    """Weights: ``None`` / ``"framework"``, ``"equal"``, ``"pca"``, ``"pca_loadings"`` or
    ``{child_id: weight}``.

    Examples
    --------
    >>> Pipeline(weight=Weight("equal")).score_kwargs()["weights"]
    'equal'
    """

    scheme: str | Mapping[str, float] | None = None


@dataclass(frozen=True)
class Aggregate:
    """Aggregation (COINr ``Aggregate``): ``method`` = a name, a function, or
    ``{node_id or level: method}``; ``None`` = each node's framework method.

    Examples
    --------
    >>> Pipeline(aggregate=Aggregate("geometric", zeros="shift")).score_kwargs()["aggregate"]
    {'p': 2.0, 'zeros': 'shift', 'shift': 1.0, 'dat_thresh': None, 'method': 'geometric'}
    """

    method: str | Callable | Mapping[Any, Any] | None = None
    p: float = 2.0
    zeros: str = "error"
    shift: float = 1.0
    dat_thresh: float | None = None


#: Stage name -> stage class, in pipeline order.
STAGES: dict[str, type] = {
    "denominate": Denominate,
    "screen": Screen,
    "impute": Impute,
    "treat": Treat,
    "normalise": Normalise,
    "weight": Weight,
    "aggregate": Aggregate,
}


@dataclass(frozen=True)
class Pipeline:
    """One object through named stages; see the module docs.

    Parameters
    ----------
    denominate, screen, impute, treat, normalise, weight, aggregate
        The stage objects (defaults: the stage's defaults).
    groups : DataFrame, optional
        ``unit_id`` + group columns (group imputation).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> data = example_data(fw)
    >>> pipe = Pipeline(normalise=Normalise("zscore"))
    >>> prof = pipe.run(data, fw)
    >>> prof.scores.equals(score(data, fw, **pipe.score_kwargs()).scores)
    True
    >>> pipe.get("normalise.method"), pipe.set(**{"weight.scheme": "equal"}).weight.scheme
    ('zscore', 'equal')
    >>> pipe.regenerate(prof, normalise=Normalise("minmax")).log[1]["method"]
    'minmax'
    """

    denominate: Denominate = field(default_factory=Denominate)
    screen: Screen = field(default_factory=Screen)
    impute: Impute = field(default_factory=Impute)
    treat: Treat = field(default_factory=Treat)
    normalise: Normalise = field(default_factory=Normalise)
    weight: Weight = field(default_factory=Weight)
    aggregate: Aggregate = field(default_factory=Aggregate)
    groups: pd.DataFrame | None = None

    # ------------------------------------------------------------ addresses
    def get(self, address: str) -> Any:
        """The value at ``"<stage>.<parameter>"`` (a ``params`` entry of normalise can be
        reached as ``"normalise.params.range"``)."""
        stage, rest = self._split(address)
        obj = getattr(self, stage)
        head, _, tail = rest.partition(".")
        val = getattr(obj, head)
        return val[tail] if tail else val

    def set(self, **changes: Any) -> Pipeline:
        """A copy with parameters changed by address, e.g. ``set(**{"treat.winmax": 3})``.

        A whole stage can be replaced by its name (``set(treat=Treat(...))``).
        """
        new = self
        for address, value in changes.items():
            if "." not in address:
                if address not in STAGES and address != "groups":
                    raise KeyError(f"unknown stage {address!r}; one of {list(STAGES)}")
                new = dataclasses.replace(new, **{address: value})
                continue
            stage, rest = self._split(address)
            obj = getattr(new, stage)
            head, _, tail = rest.partition(".")
            if tail:
                d = dict(getattr(obj, head) or {})
                d[tail] = value
                value = d
            obj = dataclasses.replace(obj, **{head: value})
            new = dataclasses.replace(new, **{stage: obj})
        return new

    @staticmethod
    def _split(address: str) -> tuple[str, str]:
        stage, _, rest = address.partition(".")
        if stage not in STAGES:
            raise KeyError(f"unknown stage {stage!r} in {address!r}; one of {list(STAGES)}")
        cls = STAGES[stage]
        names = {f.name for f in dataclasses.fields(cls)}
        head = rest.partition(".")[0]
        if head not in names:
            raise KeyError(f"{stage} has no parameter {head!r}; one of {sorted(names)}")
        return stage, rest

    # ------------------------------------------------------------ running
    def score_kwargs(self) -> dict:
        """The equivalent keyword arguments of :func:`urbansec_lib.scoring.score`."""
        sc, im, tr, no, ag = self.screen, self.impute, self.treat, self.normalise, self.aggregate
        kw: dict[str, Any] = {"groups": self.groups}
        kw["denominators"] = self.denominate.denominators
        kw["screen"] = (
            {
                "min_unit_coverage": sc.min_unit_coverage,
                "min_indicator_coverage": sc.min_indicator_coverage,
                "by": sc.by,
                "min_nonzero": sc.min_nonzero,
                "force": sc.force,
                "after_impute": sc.after_impute,
            }
            if sc.enabled
            else None
        )
        if im.method in (None, "none"):
            kw["impute"] = None
        else:
            kw["impute"] = {
                "method": list(im.method) if isinstance(im.method, tuple) else im.method,
                "group": im.group,
                "group_level": im.group_level,
                "normalise_first": im.normalise_first,
                "seed": im.seed,
            }
        if tr.enabled:
            kw["treat"] = {
                f.name: getattr(tr, f.name) for f in dataclasses.fields(tr) if f.name != "enabled"
            }
        else:
            kw["treat"] = None
        params = dict(no.params)
        if no.by_period:
            params["by_period"] = True
        if no.indiv:
            params["indiv"] = dict(no.indiv)
        kw["normalise"] = no.method
        kw["normalise_params"] = params
        kw["weights"] = self.weight.scheme
        agg: dict[str, Any] = {
            "p": ag.p,
            "zeros": ag.zeros,
            "shift": ag.shift,
            "dat_thresh": ag.dat_thresh,
        }
        if ag.method is not None:
            agg["method"] = ag.method
        kw["aggregate"] = agg
        return kw

    def run(self, data: pd.DataFrame, fw: Framework) -> scoring.Profile:
        """Run every stage -> :class:`~urbansec_lib.scoring.Profile` (``dsets`` by name,
        ``log``; ``profile.pipeline`` is this pipeline)."""
        prof = scoring.score(data, fw, **self.score_kwargs())
        prof.pipeline = self
        return prof

    def regenerate(self, prof: scoring.Profile, **changes: Any) -> scoring.Profile:
        """Re-run on the profile's stored raw data with parameters changed by address."""
        return self.set(**changes).run(prof.raw_data, prof.framework)
