"""The shared core of the impact designs: result objects, argument checks, assumption rows.

The result objects and their plots are here; the argument checks, assumption rows and
small fitting helpers are in :mod:`urbansec_lib.design_checks` (``FEW_CLUSTERS`` and
``WEBB_BELOW`` are re-exported here as before). Used by :mod:`urbansec_lib.impact` (DiD, event study, ordinal DiD, ITS, WDD) and
:mod:`urbansec_lib.staggered`; each design returns an :class:`ImpactResult` with
``summary()``, ``table()`` (tidy terms) and ``assumptions`` (the checks it ran).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem as Problem  # importable from here as before
from ..core.errors import ValidationError as ValidationError
from .design_checks import FEW_CLUSTERS, WEBB_BELOW, _check_lines, _wb_lines

__all__ = [
    "ImpactResult",
    "DiDResult",
    "EventStudyResult",
    "OrdinalDiDResult",
    "ITSResult",
    "WDDResult",
    "FEW_CLUSTERS",
    "WEBB_BELOW",
    "StaggeredTimingWarning",
    "plot_group_means",
    "plot_event_study",
    "plot_its",
    "plot_ordinal",
    "plot_wdd",
]


class StaggeredTimingWarning(UserWarning):
    """Units start treatment in different periods: the TWFE estimate can be biased.

    Examples
    --------
    Emitted by :func:`urbansec_lib.impact.did` (two-way fixed effects) on staggered starts:

    >>> import warnings
    >>> from urbansec_lib.methods.impact import did
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"unit": np.repeat(np.arange(20), 6), "t": np.tile(np.arange(6), 20)})
    >>> d["d"] = (((d.unit < 5) & (d.t >= 2)) | ((d.unit // 5 == 1) & (d.t >= 4))).astype(int)
    >>> d["y"] = d["d"] + rng.normal(size=len(d))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = did(d, "y", "d", unit="unit", time="t")
    >>> [type(w.message).__name__ for w in caught]
    ['StaggeredTimingWarning']
    """


#: Maryland Scientific Methods Scale, with an honest one-line reading of each level.
MSMS_LEVELS: dict[int, str] = {
    1: "correlation at one point in time; no basis for a causal claim.",
    2: "before-after without a comparable control; the change cannot be separated from "
    "trends, seasonality or other events.",
    3: "before-after with a comparable control; credible only if treated and comparison "
    "would have moved in parallel without the intervention.",
    4: "multiple units with controls for other factors; stronger, but still assumes no "
    "unmeasured time-varying confounding.",
    5: "randomised assignment; the strongest design, open mainly to attrition, spillover "
    "and small-sample imbalance.",
}


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------
@dataclass
class ImpactResult:
    """Shared base of all impact results (statsmodels style).

    Attributes
    ----------
    design : str
        Plain-language name of the design and estimator.
    estimand : str
        What ``estimate`` measures and on which scale.
    estimate, se : float
        Point estimate and its standard error (same scale).
    ci : tuple of float
        ``(low, high)`` confidence interval at level ``1 - alpha``.
    pvalue : float
        Two-sided p-value of ``estimate = 0``.
    n : int
        Observations used (rows, time points, or crimes for WDD).
    msms_level : int
        Maryland Scientific Methods Scale level (1-5) of the design.
    assumptions : pandas.DataFrame
        Tidy checks: ``check``, ``result``, ``passed`` (True/False/None), ``note``.
    model : object
        The underlying statsmodels results (``None`` for closed-form tests).
    alpha : float
        Significance level of ``ci``.

    Examples
    --------
    Every design returns a subclass, here the closed-form WDD (:class:`WDDResult`):

    >>> from urbansec_lib.methods.impact import wdd
    >>> r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
    >>> isinstance(r, ImpactResult), r.estimate, r.msms_level, r.model is None
    (True, -118.0, 3, True)
    >>> r.summary().splitlines()[0]
    'Design      : weighted displacement difference (Wheeler & Ratcliffe 2018)'
    """

    design: str
    estimand: str
    estimate: float
    se: float
    ci: tuple[float, float]
    pvalue: float
    n: int
    msms_level: int
    assumptions: pd.DataFrame
    model: Any
    alpha: float
    terms: pd.DataFrame = field(repr=False)

    def table(self) -> pd.DataFrame:
        """Tidy coefficient table (term, estimate, se, ci_low, ci_high, pvalue, ...)."""
        return self.terms.copy()

    def summary(self) -> str:
        """Plain-text summary: design, n, estimate, MSMS level, reading and checks."""
        pct = f"{100 * (1 - self.alpha):g}%"
        lines = [
            f"Design      : {self.design}",
            f"Estimand    : {self.estimand}",
            f"n           : {self.n:,}",
            f"Estimate    : {self.estimate:.4g} (SE {self.se:.4g}), {pct} CI "
            f"{self.ci[0]:.4g} to {self.ci[1]:.4g}, p = {self.pvalue:.3g}",
        ]
        lines += self._extra_lines()
        lines.append(f"MSMS level  : {self.msms_level} - {MSMS_LEVELS[self.msms_level]}")
        if np.isfinite(self.ci[0]) and self.ci[0] <= 0 <= self.ci[1]:
            lines.append(
                "Reading     : the interval includes no effect; the data are compatible "
                "with zero as well as with the effects inside the interval."
            )
        lines += _check_lines(self.assumptions)
        lines.append("")
        lines.append(self.terms.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        return "\n".join(lines)

    def _extra_lines(self) -> list[str]:
        return []

    def plot(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()


@dataclass
class EventStudyResult(ImpactResult):
    """Event-study result; ``estimate`` is the mean of the post-period (lag) effects.

    Attributes
    ----------
    coefs : pandas.DataFrame
        One row per event time (reference period with estimate 0 and missing SE).
    pretrend_stat, pretrend_df, pretrend_pvalue : float
        Joint Wald F test that all pre-period leads are zero (NaN when no lead exists).
    wild_bootstrap : urbansec_lib.wildboot.WildBootResult or None
        Wild cluster bootstrap of ``estimate`` (mean of the lags), when run; each event
        time's WCR p-value and CI are in ``coefs`` (``wcr_pvalue``, ``wcr_ci_low``,
        ``wcr_ci_high``).

    Examples
    --------
    >>> from urbansec_lib.methods.impact import event_study
    >>> rng = np.random.default_rng(1)
    >>> panel = pd.DataFrame({"unit_id": np.repeat(np.arange(40), 8), "t": np.tile(range(8), 40)})
    >>> panel["tr"] = (panel.unit_id < 20).astype(int)
    >>> panel["y"] = 0.2 * panel.t + panel.tr * (panel.t >= 5) + rng.normal(0, 0.3, 320)
    >>> es = event_study(panel, "y", "tr", "t", 5, cluster="unit_id")
    >>> type(es).__name__, round(es.estimate, 1), len(es.coefs)
    ('EventStudyResult', 0.9, 8)
    """

    coefs: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    pretrend_stat: float = float("nan")
    pretrend_df: tuple[float, float] = (float("nan"), float("nan"))
    pretrend_pvalue: float = float("nan")
    wild_bootstrap: Any = field(default=None, repr=False)

    def _extra_lines(self) -> list[str]:
        return _wb_lines(self.wild_bootstrap, self.alpha)

    def plot(self):
        """Leads/lags coefficients with CIs (matplotlib Figure)."""
        return plot_event_study(self.coefs)


@dataclass
class DiDResult(ImpactResult):
    """Difference-in-differences result (2x2 or two-way fixed effects).

    Attributes
    ----------
    group_means : pandas.DataFrame
        Mean outcome by group and period (group, period, mean, se, ci_low, ci_high, n).
    event_study : EventStudyResult or None
        Pre-trend check when more than two periods allow event times to be formed.
    wild_bootstrap : urbansec_lib.wildboot.WildBootResult or None
        Wild cluster bootstrap (WCR) test of the effect, when run; its p-value and CI
        also appear as ``wcr_pvalue``, ``wcr_ci_low``, ``wcr_ci_high`` in ``table()``.

    Examples
    --------
    >>> from urbansec_lib.methods.impact import did
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"treated": np.repeat([0, 1], 200), "post": np.tile([0, 1], 200)})
    >>> d["y"] = 1.0 + 2.0 * d.treated * d.post + rng.normal(size=400)
    >>> res = did(d, "y", "treated", post="post")
    >>> type(res).__name__, round(res.estimate, 1), len(res.group_means)
    ('DiDResult', 2.2, 4)
    """

    group_means: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    event_study: EventStudyResult | None = field(default=None, repr=False)
    wild_bootstrap: Any = field(default=None, repr=False)

    def _extra_lines(self) -> list[str]:
        return _wb_lines(self.wild_bootstrap, self.alpha)

    def plot(self):
        """Group means over time with CIs (matplotlib Figure)."""
        return plot_group_means(self.group_means)


@dataclass
class OrdinalDiDResult(ImpactResult):
    """Ordered-logit/probit DiD; ``estimate`` is the treated x post log-odds (logit).

    Attributes
    ----------
    odds_ratio : float
        ``exp(estimate)`` (logit only, else NaN), with ``odds_ratio_ci``.
    prob_effect, prob_effect_se, prob_effect_ci, prob_effect_pvalue : float, float, tuple, float
        Change in the probability of feeling safe (outcome in ``safe_levels``) for the
        treated group in the post period: factual minus counterfactual (interaction set
        to 0), averaged over those respondents; delta-method SE and CI.
    p_safe_factual, p_safe_counterfactual : float
        The two averaged probabilities.
    probabilities : pandas.DataFrame
        Per outcome level: factual and counterfactual mean predicted probability.
    cutpoints : pandas.DataFrame
        Thresholds on the latent scale (polr/Stata parametrisation) with SEs.

    Examples
    --------
    >>> from urbansec_lib.methods.impact import ordinal_did
    >>> rng = np.random.default_rng(5)
    >>> s = pd.DataFrame({"nbhd": rng.integers(0, 20, 800), "post": rng.integers(0, 2, 800)})
    >>> s["treated"] = (s.nbhd < 10).astype(int)
    >>> s["safe4"] = np.digitize(0.8 * s.treated * s.post + rng.logistic(size=800), [-1, 0, 1]) + 1
    >>> r = ordinal_did(s, "safe4", "treated", "post", cluster="nbhd")
    >>> type(r).__name__, len(r.probabilities), len(r.cutpoints)
    ('OrdinalDiDResult', 4, 3)
    """

    odds_ratio: float = float("nan")
    odds_ratio_ci: tuple[float, float] = (float("nan"), float("nan"))
    prob_effect: float = float("nan")
    prob_effect_se: float = float("nan")
    prob_effect_ci: tuple[float, float] = (float("nan"), float("nan"))
    prob_effect_pvalue: float = float("nan")
    p_safe_factual: float = float("nan")
    p_safe_counterfactual: float = float("nan")
    safe_levels: list = field(default_factory=list)
    probabilities: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    cutpoints: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def _extra_lines(self) -> list[str]:
        out = []
        if np.isfinite(self.odds_ratio):
            out.append(
                f"Odds ratio  : {self.odds_ratio:.4g} "
                f"({self.odds_ratio_ci[0]:.4g} to {self.odds_ratio_ci[1]:.4g})"
            )
        out.append(
            f"P(safe)     : treated, post: {self.p_safe_factual:.3f} with intervention vs "
            f"{self.p_safe_counterfactual:.3f} counterfactual; change "
            f"{self.prob_effect:+.3f} ({self.prob_effect_ci[0]:+.3f} to "
            f"{self.prob_effect_ci[1]:+.3f}); safe = {self.safe_levels}"
        )
        return out

    def plot(self):
        """Predicted probability of each level, factual vs counterfactual (Figure)."""
        return plot_ordinal(self.probabilities)


@dataclass
class ITSResult(ImpactResult):
    """Interrupted time series; ``estimate`` is the log level-change rate ratio.

    Attributes
    ----------
    rate_ratio, rate_ratio_ci : float, tuple
        Level change as a rate ratio (``exp(estimate)``) and its CI.
    slope_rate_ratio, slope_rate_ratio_ci : float, tuple
        Change in the per-period trend as a rate ratio (NaN without slope change).
    dispersion : float
        Pearson chi2 / df of the fitted model.
    fitted : pandas.DataFrame
        time, observed, fitted, counterfactual (no intervention), post.

    Examples
    --------
    >>> from urbansec_lib.methods.impact import its
    >>> rng = np.random.default_rng(4)
    >>> m = pd.DataFrame({"time": np.arange(1, 61), "pop": 50_000})
    >>> m["ban"] = (m.time > 36).astype(int)
    >>> m["aces"] = rng.poisson(200 * np.exp(-0.2 * m.ban))
    >>> r = its(m, "aces", "time", "ban", offset="pop", family="quasipoisson")
    >>> type(r).__name__, round(r.rate_ratio, 1), r.fitted.columns.tolist()[:3]
    ('ITSResult', 0.8, ['time', 'observed', 'fitted'])
    """

    rate_ratio: float = float("nan")
    rate_ratio_ci: tuple[float, float] = (float("nan"), float("nan"))
    slope_rate_ratio: float = float("nan")
    slope_rate_ratio_ci: tuple[float, float] = (float("nan"), float("nan"))
    dispersion: float = float("nan")
    fitted: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def _extra_lines(self) -> list[str]:
        out = [
            f"Level RR    : {self.rate_ratio:.4g} "
            f"({self.rate_ratio_ci[0]:.4g} to {self.rate_ratio_ci[1]:.4g})"
        ]
        if np.isfinite(self.slope_rate_ratio):
            out.append(
                f"Slope RR    : {self.slope_rate_ratio:.5g} per period "
                f"({self.slope_rate_ratio_ci[0]:.5g} to {self.slope_rate_ratio_ci[1]:.5g})"
            )
        return out

    def plot(self):
        """Observed counts, fitted values and the no-intervention counterfactual."""
        return plot_its(self.fitted)


@dataclass
class WDDResult(ImpactResult):
    """Weighted Displacement Difference; ``estimate`` is the WDD in crime counts.

    Attributes
    ----------
    z : float
        ``estimate / se``.
    changes : pandas.DataFrame
        area, before, after, change for the (up to) four areas.

    Examples
    --------
    >>> from urbansec_lib.methods.impact import wdd
    >>> r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
    >>> type(r).__name__, round(r.z, 2)
    ('WDDResult', -2.98)
    >>> r.changes[["area", "change"]].values.tolist()[:2]
    [['treated', -97.0], ['control', 10.0]]
    """

    z: float = float("nan")
    changes: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def plot(self):
        """Bar chart of the before-after change in each area (Figure)."""
        return plot_wdd(self.changes)


def _figure(figsize=(6.4, 4.0)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def plot_group_means(means: pd.DataFrame):
    """Mean outcome by group and period with CI bars (``DiDResult.group_means``).

    Parameters
    ----------
    means : DataFrame
        Columns ``group``, ``period``, ``mean``, ``ci_low``, ``ci_high``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"group": [0, 0, 1, 1], "period": [0, 1, 0, 1],
    ...                   "mean": [1.0, 1.1, 1.0, 1.6], "ci_low": [0.9, 1.0, 0.9, 1.5],
    ...                   "ci_high": [1.1, 1.2, 1.1, 1.7]})
    >>> [t.get_text() for t in plot_group_means(m).axes[0].get_legend().get_texts()]
    ['0', '1']
    """
    fig, ax = _figure()
    periods = list(pd.unique(means["period"].sort_values()))
    for g, sub in means.groupby("group", sort=True):
        x = [periods.index(p) for p in sub["period"]]
        err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
        ax.errorbar(x, sub["mean"], yerr=err, marker="o", capsize=3, label=str(g))
    ax.set_xticks(range(len(periods)), [str(p) for p in periods])
    ax.set_xlabel("period")
    ax.set_ylabel("mean outcome")
    ax.legend(frameon=False)
    return fig


def plot_event_study(coefs: pd.DataFrame):
    """Event-study coefficients by event time with CIs (``EventStudyResult.coefs``).

    Parameters
    ----------
    coefs : DataFrame
        Columns ``event_time``, ``estimate``, ``ci_low``, ``ci_high``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"event_time": [-2, -1, 0, 1], "estimate": [0.1, 0.0, 1.0, 1.2],
    ...                   "ci_low": [-0.2, 0.0, 0.7, 0.8], "ci_high": [0.4, 0.0, 1.3, 1.6]})
    >>> plot_event_study(c).axes[0].get_xlabel()
    'event time (periods since start)'
    """
    fig, ax = _figure()
    c = coefs.sort_values("event_time")
    err = np.vstack([c["estimate"] - c["ci_low"], c["ci_high"] - c["estimate"]])
    ax.errorbar(c["event_time"], c["estimate"], yerr=np.nan_to_num(err), fmt="o", capsize=3)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(-0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("event time (periods since start)")
    ax.set_ylabel("effect relative to reference period")
    return fig


def plot_its(fitted: pd.DataFrame):
    """Observed counts, fitted values and counterfactual (``ITSResult.fitted``).

    Parameters
    ----------
    fitted : DataFrame
        Columns ``time``, ``observed``, ``fitted``, ``counterfactual``, ``post`` (0/1).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"time": [1, 2, 3, 4], "observed": [10, 12, 8, 7],
    ...                   "fitted": [11.0, 11, 7.5, 7.5], "counterfactual": [11.0, 11, 11, 11],
    ...                   "post": [0, 0, 1, 1]})
    >>> len(plot_its(f).axes[0].lines)  # fitted, counterfactual, intervention line
    3
    """
    fig, ax = _figure()
    ax.scatter(fitted["time"], fitted["observed"], s=12, color="grey", label="observed")
    ax.plot(fitted["time"], fitted["fitted"], label="fitted")
    post = fitted["post"] == 1
    ax.plot(
        fitted.loc[post, "time"],
        fitted.loc[post, "counterfactual"],
        ls="--",
        label="counterfactual (no intervention)",
    )
    if post.any():
        ax.axvline(fitted.loc[post, "time"].min() - 0.5, color="grey", lw=0.8)
    ax.set_xlabel("time")
    ax.set_ylabel("count")
    ax.legend(frameon=False)
    return fig


def plot_ordinal(probabilities: pd.DataFrame):
    """Predicted probability of each level, factual vs counterfactual.

    Parameters
    ----------
    probabilities : DataFrame
        Columns ``level``, ``factual``, ``counterfactual`` (``OrdinalDiDResult.probabilities``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"level": ["1", "2", "3"], "factual": [0.2, 0.3, 0.5],
    ...                   "counterfactual": [0.3, 0.3, 0.4]})
    >>> len(plot_ordinal(p).axes[0].patches)
    6
    """
    fig, ax = _figure()
    x = np.arange(len(probabilities))
    ax.bar(x - 0.2, probabilities["counterfactual"], width=0.4, label="counterfactual")
    ax.bar(x + 0.2, probabilities["factual"], width=0.4, label="with intervention")
    ax.set_xticks(x, probabilities["level"])
    ax.set_ylabel("mean predicted probability (treated, post)")
    ax.legend(frameon=False)
    return fig


def plot_wdd(changes: pd.DataFrame):
    """Bar chart of the before-after change per area (``WDDResult.changes``).

    Parameters
    ----------
    changes : DataFrame
        Columns ``area`` and ``change``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> ch = pd.DataFrame({"area": ["treated", "control"], "change": [-97.0, 10.0]})
    >>> len(plot_wdd(ch).axes[0].patches)
    2
    """
    fig, ax = _figure()
    ax.bar(changes["area"], changes["change"])
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("change in count (after - before)")
    return fig
