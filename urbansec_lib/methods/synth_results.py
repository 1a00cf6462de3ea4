"""The result of :func:`urbansec_lib.synthetic_control.synthetic_control`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import synth_inference as _inference
from .design_checks import _check_lines
from .synth_fit import _Fit, _SCData, _solve, _weights_table
from .synth_inference import LeaveOneOutResult, PlaceboResult
from .synth_plots import _figure, _finish, plot_synthetic

__all__ = ["SyntheticControlResult"]


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------
@dataclass
class SyntheticControlResult:
    """Synthetic control for one treated unit (statsmodels-style result).

    Attributes
    ----------
    design, estimand : str
        Plain-language design and what ``estimate`` measures.
    estimate : float
        Mean post-treatment gap (treated minus synthetic), in outcome units.
    se, ci : float, tuple
        Not defined for a synthetic control (NaN): inference is by placebos.
    pvalue : float
        Permutation p-value of the latest :meth:`placebos` run (NaN before).
    n : int
        Units used (treated + donors) times periods.
    msms_level : int
        Maryland Scientific Methods Scale level (3: before-after with a constructed
        comparable control).
    weights : pandas.Series
        Unit weights ``W`` over the donors (index: unit ids), summing to one.
    predictor_weights : pandas.Series
        Predictor weights ``V`` (index: predictor names), summing to one.
    gaps, treated_series, synthetic_series : pandas.Series
        Over time: treated minus synthetic, treated outcome, synthetic outcome.
    pre_rmspe, post_rmspe : float
        Root mean squared gap before / from ``treatment_time``.
    loss_v : float
        Mean squared gap over ``optimise_periods`` (Synth's ``loss.v``).
    loss_w : float
        ``(X1 - X0 W)' V (X1 - X0 W)`` on the standardised predictors (``loss.w``).
    balance : pandas.DataFrame
        Per predictor: treated, synthetic, donor mean (unscaled; Synth's ``tab.pred``).
    search : pandas.DataFrame
        The runs of the V search (start, method, loss_v, evaluations, converged).
    assumptions : pandas.DataFrame
        Checks: pre-period fit, donors, predictors outside the donors' range.

    The example of :mod:`urbansec_lib.synthetic_control` runs :meth:`placebos`,
    :meth:`leave_one_out`, :meth:`weights_table` and :meth:`table` on a fit.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from urbansec_lib.methods.synthetic_control import synthetic_control
    >>> rng = np.random.default_rng(0)
    >>> years = np.arange(2000, 2016)
    >>> base = {u: rng.normal(50, 5) + rng.normal(0, 1, len(years)).cumsum() for u in "ABCDEF"}
    >>> base["T"] = 0.6 * base["A"] + 0.4 * base["B"] + np.where(years >= 2010, -5.0, 0.0)
    >>> df = pd.DataFrame([(u, y, v) for u, s in base.items() for y, v in zip(years, s)],
    ...                   columns=["city", "year", "crime"])
    >>> res = synthetic_control(df, "crime", "city", "year", treated="T", treatment_time=2010,
    ...                         predictors=[("crime", range(2000, 2010), "mean"),
    ...                                     ("crime", [2005], "mean"), ("crime", [2009], "mean")])
    >>> type(res).__name__, round(res.estimate, 1), res.msms_level
    ('SyntheticControlResult', -5.0, 3)
    >>> res.weights.round(2)[["A", "B"]].tolist(), round(float(res.weights.sum()), 6)
    ([0.6, 0.4], 1.0)
    """

    design: str
    estimand: str
    estimate: float
    n: int
    weights: pd.Series
    predictor_weights: pd.Series
    gaps: pd.Series
    treated_series: pd.Series
    synthetic_series: pd.Series
    pre_rmspe: float
    post_rmspe: float
    loss_v: float
    loss_w: float
    balance: pd.DataFrame
    search: pd.DataFrame
    assumptions: pd.DataFrame
    treated: Any
    treatment_time: Any
    outcome_label: str
    unit_names: dict
    se: float = float("nan")
    ci: tuple[float, float] = (float("nan"), float("nan"))
    msms_level: int = 3
    alpha: float = 0.05
    _data: _SCData | None = field(default=None, repr=False)
    _options: dict = field(default_factory=dict, repr=False)
    _placebo: PlaceboResult | None = field(default=None, repr=False)

    @property
    def pvalue(self) -> float:
        """Permutation p-value of the latest :meth:`placebos` run (NaN before any)."""
        return self._placebo.pvalue if self._placebo is not None else float("nan")

    @property
    def ratio(self) -> float:
        """Post/pre RMSPE ratio of the treated unit (the placebo test statistic)."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else float("inf")

    def table(self) -> pd.DataFrame:
        """Tidy table: the mean post gap and the gap in each post period.

        Columns ``term, estimate, se, ci_low, ci_high, pvalue`` like every impact result;
        SEs and intervals are NaN (use :meth:`placebos`); the p-value of the mean gap row
        is the permutation p-value once placebos were run.
        """
        post = self.gaps[self.gaps.index >= self.treatment_time]
        terms = ["mean post-treatment gap"] + [f"gap {t}" for t in post.index]
        est = [self.estimate, *post.to_numpy()]
        pv = [self.pvalue] + [float("nan")] * len(post)
        nan = [float("nan")] * len(terms)
        return pd.DataFrame(
            {"term": terms, "estimate": est, "se": nan, "ci_low": nan, "ci_high": nan, "pvalue": pv}
        )

    def series(self) -> pd.DataFrame:
        """time, treated, synthetic, gap and period (``pre``/``post``)."""
        out = pd.DataFrame(
            {
                "time": self.gaps.index,
                "treated": self.treated_series.to_numpy(),
                "synthetic": self.synthetic_series.to_numpy(),
                "gap": self.gaps.to_numpy(),
            }
        )
        out["period"] = np.where(out["time"] >= self.treatment_time, "post", "pre")
        return out

    def weights_table(self, min_weight: float = 0.0) -> pd.DataFrame:
        """Donor weights with unit names (donors in data order, never sorted by weight)."""
        return _weights_table(self.weights, self.unit_names, min_weight)

    def summary(self) -> str:
        """Plain-text summary: fit, estimate, weights, predictor balance and checks."""
        name = self.unit_names.get(self.treated, str(self.treated))
        lines = [
            f"Design      : {self.design}",
            f"Estimand    : {self.estimand}",
            f"Treated     : {name} from {self.treatment_time}; {len(self.weights)} donors",
            f"n           : {self.n:,} unit-periods",
            f"Estimate    : {self.estimate:.4g} (mean post-treatment gap)",
            f"Fit         : pre-treatment RMSPE {self.pre_rmspe:.4g}, post {self.post_rmspe:.4g}"
            f" (ratio {self.ratio:.3g}); loss V {self.loss_v:.4g}, loss W {self.loss_w:.4g}",
        ]
        if self._placebo is not None:
            p = self._placebo
            lines.append(
                f"Placebos    : permutation p = {p.pvalue:.3g} ({p.rank} of {p.n_compared} "
                "units have a post/pre RMSPE ratio at least the treated unit's)"
            )
        else:
            lines.append("Placebos    : not run (call .placebos() for the permutation p-value)")
        lines += _check_lines(self.assumptions)
        lines.append("")
        lines.append("Donor weights (W > 0.001):")
        wt = self.weights_table(min_weight=0.001)
        lines.append(wt.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        lines.append("")
        lines.append("Predictor balance (V = predictor weight):")
        lines.append(self.balance.to_string(float_format=lambda v: f"{v:.4g}"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Treated vs synthetic outcome over time with the treatment marked (Figure)."""
        name = self.unit_names.get(self.treated, str(self.treated))
        return plot_synthetic(
            self.series(),
            self.treatment_time,
            treated_label=name,
            ylabel=ylabel or self.outcome_label,
            title=title or f"{name} and its synthetic control",
        )

    def plot_gaps(self, title: str | None = None, ylabel: str | None = None):
        """Gap (treated minus synthetic) over time (Figure)."""
        name = self.unit_names.get(self.treated, str(self.treated))
        fig, ax = _figure()
        s = self.series()
        ax.plot(s["time"], s["gap"], color="black", lw=1.6)
        ax.axhline(0, color="grey", lw=0.8)
        _finish(
            ax,
            self.treatment_time,
            ylabel or f"treated minus synthetic ({self.outcome_label})",
            title or f"{name}: gap to its synthetic control",
        )
        return fig

    # ---------------------------------------------------------------- refits
    def _refit(self, X: np.ndarray, Y: np.ndarray, custom_v) -> _Fit:
        d = self._data
        return _solve(X, Y[d.opt_rows], custom_v, self._options["methods"])

    def placebos(
        self,
        exclude_rmspe_above: float | None = None,
        search_v: bool = True,
    ) -> PlaceboResult:
        """Placebo-in-space inference (Abadie, Diamond & Hainmueller 2010, section 4).

        Each donor in turn is treated as if it had received the intervention at
        ``treatment_time``; its synthetic control is fitted from the *other donors* (the
        treated unit is left out of every placebo donor pool, since its post-period is
        affected by the intervention). The test statistic is each unit's ratio of
        post- to pre-treatment RMSPE; the permutation p-value is the share of units
        (treated included) whose ratio is at least the treated unit's (Abadie, Diamond &
        Hainmueller 2015), so the smallest attainable p-value is ``1 / (J + 1)``.

        Parameters
        ----------
        exclude_rmspe_above : float, optional
            Leave out of the p-value the placebos whose pre-treatment RMSPE exceeds this
            many times the treated unit's (a factor ``k`` on the RMSPE is ``k**2`` on the
            MSPE used by ADH 2010, who show 20, 5 and 2 times the MSPE). Default: keep all.
        search_v : bool
            Re-run the V search for every placebo (default, as the original analyses);
            ``False`` keeps the treated unit's V (faster).

        Returns
        -------
        PlaceboResult
            Also sets this result's :attr:`pvalue`.
        """
        return _inference._placebos(self, exclude_rmspe_above, search_v)

    def leave_one_out(self, min_weight: float = 1e-6, search_v: bool = True) -> LeaveOneOutResult:
        """Refit without each donor that has a positive weight (robustness check).

        Parameters
        ----------
        min_weight : float
            Donors with ``W > min_weight`` are dropped one at a time.
        search_v : bool
            Re-run the V search for each refit (default) or keep this result's V.
        """
        return _inference._leave_one_out(self, min_weight, search_v)
