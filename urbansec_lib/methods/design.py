"""The shared core of the impact designs: result objects, argument checks, assumption rows.

Used by :mod:`urbansec_lib.impact` (DiD, event study, ordinal DiD, ITS, WDD) and
:mod:`urbansec_lib.staggered`; each design returns an :class:`ImpactResult` with
``summary()``, ``table()`` (tidy terms) and ``assumptions`` (the checks it ran).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..core.errors import Problem, ValidationError

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


#: Below this many clusters CRV1 inference is unreliable: :func:`did` and
#: :func:`event_study` then add a wild cluster bootstrap (``wild_bootstrap="auto"``).
FEW_CLUSTERS = 30
#: Below this many clusters the bootstrap in :func:`did` uses Webb's six-point weights.
WEBB_BELOW = 12


class StaggeredTimingWarning(UserWarning):
    """Units start treatment in different periods: the TWFE estimate can be biased."""


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

_FRAME = "<dataframe>"
_ARGS = "<arguments>"
_ASSUMPTION_COLUMNS = ["check", "result", "passed", "note"]
_TABLE_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "pvalue"]


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
        lines.append("Checks:")
        for row in self.assumptions.itertuples(index=False):
            flag = {True: "ok ", False: "!! "}.get(row.passed, "-- ")
            note = f" ({row.note})" if row.note else ""
            lines.append(f"  [{flag}] {row.check}: {row.result}{note}")
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
    """

    z: float = float("nan")
    changes: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def plot(self):
        """Bar chart of the before-after change in each area (Figure)."""
        return plot_wdd(self.changes)


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------
class _Validator:
    """Collects every problem of one input before raising."""

    def __init__(self, df: Any, file: str = _FRAME):
        self.df = df
        self.file = file
        self.problems: list[Problem] = []
        if not isinstance(df, pd.DataFrame):
            self.fail(None, type(df).__name__, "a pandas DataFrame")

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, column: str | None, value: Any, expected: str) -> None:
        self.problems.append(Problem(self.file, None, column, value, expected))

    def column(self, col: Any, role: str, required: bool = True) -> bool:
        """True when ``col`` names an existing column (records a problem otherwise)."""
        if col is None:
            if required:
                self.fail(role, None, f"a column name for argument `{role}`")
            return False
        if not isinstance(self.df, pd.DataFrame):
            return False
        if not isinstance(col, str) or col not in self.df.columns:
            self.fail(str(col), None, f"column present in the data frame (argument `{role}`)")
            return False
        return True

    def columns(self, cols: Sequence[str] | str | None, role: str) -> list[str]:
        if cols is None:
            return []
        cols = [cols] if isinstance(cols, str) else list(cols)
        return [c for c in cols if self.column(c, role)]

    def numeric(self, col: str, role: str) -> bool:
        s = self.df[col]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            self.fail(col, _preview(s), f"numeric values (argument `{role}`)")
            return False
        return True

    def binary(self, col: str, role: str, both: bool = True) -> bool:
        s = self.df[col].dropna()
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(int)
        if not pd.api.types.is_numeric_dtype(s):
            self.fail(col, _preview(s), f"a 0/1 indicator (argument `{role}`)")
            return False
        bad = s[~s.isin([0, 1])]
        if len(bad):
            self.fail(col, _preview(bad), f"a 0/1 indicator (argument `{role}`)")
            return False
        if both and s.nunique() < 2:
            self.fail(col, _preview(s), f"both 0 and 1 present (argument `{role}`: 2 groups)")
            return False
        return True

    def positive(self, col: str, role: str, strict: bool = True) -> bool:
        if not self.numeric(col, role):
            return False
        s = self.df[col].dropna()
        bad = s[(s <= 0) if strict else (s < 0)]
        if len(bad):
            what = "positive" if strict else "non-negative"
            self.fail(col, _preview(bad), f"{what} values (argument `{role}`)")
            return False
        return True

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            raise ValidationError(self.problems, what=what)


def _preview(values: Any, k: int = 10) -> list:
    """Up to ``k`` distinct offending values as plain Python scalars."""
    uniq = pd.unique(pd.Series(values).dropna())
    out = []
    for v in uniq[:k]:
        out.append(v.item() if hasattr(v, "item") else v)
    return out


def _covariate_design(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric covariates as float; categorical ones as dummies (first level dropped)."""
    parts = []
    for c in covariates:
        s = data[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).rename(c))
        else:
            parts.append(pd.get_dummies(s, prefix=c, prefix_sep="[", drop_first=True, dtype=float))
    if not parts:
        return pd.DataFrame(index=data.index)
    out = pd.concat(parts, axis=1)
    out.columns = [f"{c}]" if "[" in c else c for c in out.columns]
    return out


def _dummies(s: pd.Series, prefix: str) -> pd.DataFrame:
    return pd.get_dummies(s, prefix=prefix, drop_first=True, dtype=float)


def _assumptions(rows: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=_ASSUMPTION_COLUMNS)


def _check(check: str, result: str, passed: bool | None, note: str = "") -> dict:
    return {"check": check, "result": result, "passed": passed, "note": note}


def _cluster_check(
    groups: pd.Series | None,
    default_hint: str,
    none_label: str = "none (HC1 robust SEs)",
    wb: Any = None,
) -> dict:
    if groups is None:
        return _check("clustering", none_label, None, default_hint)
    g = int(pd.Series(groups).nunique())
    if g >= FEW_CLUSTERS:
        return _check("number of clusters", str(g), True, "")
    note = (
        f"fewer than {FEW_CLUSTERS} clusters: cluster-robust (CRV1) SEs are too small and "
        "their p-values optimistic; "
    )
    if wb is not None:
        note += (
            f"wild cluster bootstrap ({'WCR' if wb.impose_null else 'WCU'}, {wb.weights}, "
            f"B = {wb.B}): p = {wb.pvalue:.3g}, CI {wb.ci[0]:.4g} to {wb.ci[1]:.4g}"
        )
    else:
        note += "use the wild cluster bootstrap (`wild_bootstrap=True`)"
    return _check("number of clusters", str(g), False, note)


def _wb_lines(wb: Any, alpha: float) -> list[str]:
    if wb is None:
        return []
    pct = f"{100 * (1 - alpha):g}%"
    return [
        f"Wild boot.  : p = {wb.pvalue:.3g}, {pct} CI {wb.ci[0]:.4g} to {wb.ci[1]:.4g} "
        f"({'WCR' if wb.impose_null else 'WCU'}, {wb.weights} weights, B = {wb.B}"
        f"{', full enumeration' if wb.full_enumeration else ''}; {wb.n_clusters} clusters)"
    ]


def _wb_options(wild_bootstrap: Any, groups: pd.Series | None, v: _Validator) -> dict | None:
    """Keyword arguments for the bootstrap, or None when it is not run.

    Default weights: Webb's six-point with fewer than :data:`WEBB_BELOW` clusters (with
    G clusters Rademacher weights give only 2**G distinct draws; Webb 2014), else
    Rademacher.
    """
    if wild_bootstrap is None or wild_bootstrap is False:
        return None
    g = None if groups is None else int(pd.Series(groups).nunique())
    if isinstance(wild_bootstrap, str) and wild_bootstrap == "auto":
        if g is None or g >= FEW_CLUSTERS:
            return None
        kw: dict = {"_auto": True}
    elif g is None:
        v.fail("cluster", None, "a `cluster` column for the wild cluster bootstrap")
        return None
    elif wild_bootstrap is True:
        kw = {}
    elif isinstance(wild_bootstrap, dict):
        allowed = {"B", "weights", "seed", "impose_null"}
        bad = sorted(set(wild_bootstrap) - allowed - {"_auto"})  # _auto: from did()
        if bad:
            v.fail("wild_bootstrap", bad, f"options among {sorted(allowed)}")
        kw = dict(wild_bootstrap)
    else:
        v.fail("wild_bootstrap", wild_bootstrap, "True, False, 'auto' or a dict of options")
        return None
    kw.setdefault("weights", "webb" if g < WEBB_BELOW else "rademacher")
    return kw


def _try_wb(kw: dict, fn, *args, **kwargs):
    """Run a bootstrap; in automatic mode an infeasible design is skipped with a warning."""
    opts = dict(kw)
    auto = opts.pop("_auto", False)
    try:
        return fn(*args, **opts, **kwargs)
    except ValueError as err:
        if not auto:
            raise
        warnings.warn(f"wild cluster bootstrap skipped: {err}", UserWarning, stacklevel=3)
        return None


def _add_wb_columns(terms: pd.DataFrame, rows: dict[str, Any]) -> pd.DataFrame:
    """wcr_pvalue / wcr_ci_low / wcr_ci_high beside the CRV1 columns (NaN elsewhere)."""
    out = terms.copy()
    out["wcr_pvalue"] = out["term"].map({t: r.pvalue for t, r in rows.items()})
    out["wcr_ci_low"] = out["term"].map({t: r.ci[0] for t, r in rows.items()})
    out["wcr_ci_high"] = out["term"].map({t: r.ci[1] for t, r in rows.items()})
    return out.astype({"wcr_pvalue": float, "wcr_ci_low": float, "wcr_ci_high": float})


def _complete_cases(df: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, dict]:
    data = df.loc[df[cols].notna().all(axis=1), cols].copy()
    dropped = len(df) - len(data)
    return data, _check(
        "complete cases",
        f"{len(data)} of {len(df)} rows used",
        None,
        f"{dropped} row(s) with missing values dropped" if dropped else "",
    )


def _msms(base: int, randomised: bool) -> int:
    return 5 if randomised else base


def _fit_linear(y, X, weights=None, groups=None):
    """OLS/WLS with cluster-robust (by ``groups``) or HC1 SEs and t inference."""
    model = sm.WLS(y, X, weights=weights) if weights is not None else sm.OLS(y, X)
    if groups is not None:
        codes = pd.factorize(pd.Series(groups))[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    return model.fit(cov_type="HC1", use_t=True)


def _terms_frame(res, alpha: float, names: Sequence[str] | None = None) -> pd.DataFrame:
    ci = np.asarray(res.conf_int(alpha=alpha))
    params = pd.Series(np.asarray(res.params), index=res.model.exog_names)
    out = pd.DataFrame(
        {
            "term": params.index,
            "estimate": params.values,
            "se": np.asarray(res.bse),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "pvalue": np.asarray(res.pvalues),
        }
    )
    if names is not None:
        out = out[out["term"].isin(names)]
    return out.reset_index(drop=True)


def _row(terms: pd.DataFrame, term: str) -> pd.Series:
    return terms.loc[terms["term"] == term].iloc[0]


def _group_means(data, outcome, treated, period, weights=None, alpha=0.05) -> pd.DataFrame:
    """Weighted (or plain) means by group and period with linearisation SEs."""
    y = data[outcome].to_numpy(dtype=float)
    w = data[weights].to_numpy(dtype=float) if weights else np.ones(len(y))
    tr = data[treated].to_numpy().astype(int)
    pcode, periods = pd.factorize(data[period], sort=True)
    P = len(periods)
    cell = tr * P + pcode
    m = 2 * P
    n = np.bincount(cell, minlength=m)
    sw = np.bincount(cell, w, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(cell, w * y, minlength=m) / sw
        dev = (y - mean[cell]) * w
        var = np.bincount(cell, dev**2, minlength=m) * n / np.clip(n - 1, 1, None) / sw**2
    keep = np.flatnonzero(n > 0)
    out = pd.DataFrame(
        {
            "group": np.where(keep // P == 1, "treated", "comparison"),
            "period": periods.take(keep % P),
            "mean": mean[keep],
            "se": np.sqrt(var[keep]),
            "n": n[keep],
        }
    )
    tq = stats.t.ppf(1 - alpha / 2, np.clip(out["n"].to_numpy() - 1, 1, None))
    out["ci_low"] = out["mean"] - tq * out["se"]
    out["ci_high"] = out["mean"] + tq * out["se"]
    return out[["group", "period", "mean", "se", "ci_low", "ci_high", "n"]]


def _figure(figsize=(6.4, 4.0)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def plot_group_means(means: pd.DataFrame):
    """Mean outcome by group and period with CI bars (``DiDResult.group_means``)."""
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
    """Event-study coefficients by event time with CIs (``EventStudyResult.coefs``)."""
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
    """Observed counts, fitted values and counterfactual (``ITSResult.fitted``)."""
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
    """Predicted probability of each level, factual vs counterfactual."""
    fig, ax = _figure()
    x = np.arange(len(probabilities))
    ax.bar(x - 0.2, probabilities["counterfactual"], width=0.4, label="counterfactual")
    ax.bar(x + 0.2, probabilities["factual"], width=0.4, label="with intervention")
    ax.set_xticks(x, probabilities["level"])
    ax.set_ylabel("mean predicted probability (treated, post)")
    ax.legend(frameon=False)
    return fig


def plot_wdd(changes: pd.DataFrame):
    """Bar chart of the before-after change per area (``WDDResult.changes``)."""
    fig, ax = _figure()
    ax.bar(changes["area"], changes["change"])
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("change in count (after - before)")
    return fig
