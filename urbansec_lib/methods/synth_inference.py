"""Inference for a synthetic control: placebo-in-space permutation and leave-one-out refits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .synth_fit import _rmspe
from .synth_plots import plot_leave_one_out, plot_placebo_gaps

__all__ = ["PlaceboResult", "LeaveOneOutResult"]


@dataclass
class PlaceboResult:
    """Placebo-in-space permutation inference for a synthetic control.

    Attributes
    ----------
    pvalue : float
        Share of compared units (treated included) with a post/pre RMSPE ratio at least
        the treated unit's.
    rank, n_compared : int
        Numerator and denominator of ``pvalue``.
    gaps : pandas.DataFrame
        Gap series over time, one column per unit (treated first).
    placebo_table : pandas.DataFrame
        unit, name, treated, pre_rmspe, post_rmspe, ratio, mean_post_gap, included.
    pre_rmspe_limit : float or None
        Pre-RMSPE above which placebos were excluded.

    Examples
    --------
    From :meth:`SyntheticControlResult.placebos` (no V search, to run fast):

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
    >>> p = res.placebos(search_v=False)
    >>> type(p).__name__, p.rank, p.n_compared, round(p.pvalue, 3)
    ('PlaceboResult', 1, 7, 0.143)
    """

    treated: Any
    treatment_time: Any
    gaps: pd.DataFrame
    placebo_table: pd.DataFrame
    pvalue: float
    rank: int
    n_compared: int
    exclude_rmspe_above: float | None
    pre_rmspe_limit: float | None
    outcome_label: str
    unit_names: dict
    search_v: bool = True

    def table(self) -> pd.DataFrame:
        """One row per unit (treated first, donors in data order; not sorted by ratio)."""
        return self.placebo_table.copy()

    def summary(self) -> str:
        name = self.unit_names.get(self.treated, str(self.treated))
        excl = int((~self.placebo_table["included"]).sum())
        lines = [
            "Placebo-in-space test (Abadie, Diamond & Hainmueller 2010)",
            f"Treated unit: {name}; placebos: {len(self.placebo_table) - 1}"
            + (
                f" ({excl} excluded: pre-RMSPE above {self.exclude_rmspe_above:g} x the treated's)"
                if self.exclude_rmspe_above is not None
                else ""
            ),
            f"Permutation p-value (post/pre RMSPE ratio): {self.pvalue:.3g} = "
            f"{self.rank}/{self.n_compared}",
            "",
            self.placebo_table.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None, included_only=True):
        """Gap of every placebo (grey) and of the treated unit (black) over time."""
        cols = self.placebo_table
        if included_only:
            cols = cols[cols["included"]]
        name = self.unit_names.get(self.treated, str(self.treated))
        return plot_placebo_gaps(
            self.gaps[cols["unit"].tolist()],
            self.treated,
            self.treatment_time,
            treated_label=name,
            ylabel=ylabel or f"unit minus its synthetic ({self.outcome_label})",
            title=title
            or f"Placebo gaps: {name} against {len(cols) - 1} donors (p = {self.pvalue:.3f})",
        )


@dataclass
class LeaveOneOutResult:
    """Synthetic controls refitted without each donor of positive weight.

    Attributes
    ----------
    loo_table : pandas.DataFrame
        dropped, name, dropped_weight, estimate, pre_rmspe, post_rmspe, weights (the new
        weights above 0.01, as text).
    synthetic : pandas.DataFrame
        The leave-one-out synthetic series, one column per dropped donor.
    estimate : float
        The full-donor-pool estimate, for comparison.

    Examples
    --------
    From :meth:`SyntheticControlResult.leave_one_out` (no V search, to run fast):

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
    >>> loo = res.leave_one_out(search_v=False)
    >>> type(loo).__name__, loo.table()["dropped"].tolist(), round(loo.estimate, 1)
    ('LeaveOneOutResult', ['A', 'B'], -5.0)
    """

    treated: Any
    treatment_time: Any
    loo_table: pd.DataFrame
    synthetic: pd.DataFrame
    base: pd.DataFrame
    estimate: float
    outcome_label: str
    unit_names: dict

    def table(self) -> pd.DataFrame:
        """One row per dropped donor (in data order)."""
        return self.loo_table.copy()

    @property
    def range(self) -> tuple[float, float]:
        """Smallest and largest leave-one-out estimate."""
        e = self.loo_table["estimate"]
        return (float(e.min()), float(e.max())) if len(e) else (float("nan"),) * 2

    def summary(self) -> str:
        lo, hi = self.range
        return "\n".join(
            [
                "Leave-one-out synthetic controls",
                f"Full donor pool estimate: {self.estimate:.4g}; without one donor: "
                f"{lo:.4g} to {hi:.4g}",
                "",
                self.loo_table.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
            ]
        )

    def __str__(self) -> str:
        return self.summary()

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Treated, synthetic, and each leave-one-out synthetic (grey) over time."""
        name = self.unit_names.get(self.treated, str(self.treated))
        return plot_leave_one_out(
            self.base,
            self.synthetic,
            self.treatment_time,
            treated_label=name,
            ylabel=ylabel or self.outcome_label,
            title=title or f"{name}: synthetic control without one donor at a time",
        )


# --------------------------------------------------------------------------------------
# The runs behind SyntheticControlResult.placebos / .leave_one_out
# --------------------------------------------------------------------------------------
def _placebos(sc, exclude_rmspe_above: float | None = None, search_v: bool = True) -> PlaceboResult:
    """Placebo-in-space runs for the fitted synthetic control ``sc``.

    The body of :meth:`~urbansec_lib.synthetic_control.SyntheticControlResult.placebos`
    (documented and tested there); sets ``sc``'s permutation p-value.
    """
    d = sc._data
    X, Y = d.X, d.Y
    v_fixed = None if search_v else sc.predictor_weights.to_numpy()
    gaps = {d.units[0]: sc.gaps.to_numpy()}
    rows = [_placebo_row(sc, d.units[0], sc.gaps.to_numpy(), True)]
    for j in range(1, len(d.units)):
        others = [i for i in range(1, len(d.units)) if i != j]
        cols = [j, *others]
        fit = sc._refit(X[:, cols], Y[:, cols], v_fixed)
        gap = Y[:, j] - Y[:, others] @ fit.w
        gaps[d.units[j]] = gap
        rows.append(_placebo_row(sc, d.units[j], gap, False))
    table = pd.DataFrame(rows)
    limit = None
    if exclude_rmspe_above is not None:
        limit = float(exclude_rmspe_above) * sc.pre_rmspe
        table["included"] = table["treated"] | (table["pre_rmspe"] <= limit)
    else:
        table["included"] = True
    inc = table[table["included"]]
    stat = float(table.loc[table["treated"], "ratio"].iloc[0])
    rank = int((inc["ratio"] >= stat - 1e-12 * abs(stat)).sum())
    out = PlaceboResult(
        treated=sc.treated,
        treatment_time=sc.treatment_time,
        gaps=pd.DataFrame(gaps, index=sc.gaps.index),
        placebo_table=table,
        pvalue=rank / len(inc),
        rank=rank,
        n_compared=len(inc),
        exclude_rmspe_above=exclude_rmspe_above,
        pre_rmspe_limit=limit,
        outcome_label=sc.outcome_label,
        unit_names=sc.unit_names,
        search_v=search_v,
    )
    sc._placebo = out
    return out


def _placebo_row(sc, u, gap: np.ndarray, treated: bool) -> dict:
    d = sc._data
    pre, post = _rmspe(gap[d.pre_rows]), _rmspe(gap[d.post_rows])
    return {
        "unit": u,
        "name": sc.unit_names.get(u, str(u)),
        "treated": treated,
        "pre_rmspe": pre,
        "post_rmspe": post,
        "ratio": post / pre if pre > 0 else float("inf"),
        "mean_post_gap": float(np.mean(gap[d.post_rows])),
    }


def _leave_one_out(sc, min_weight: float = 1e-6, search_v: bool = True) -> LeaveOneOutResult:
    """Leave-one-donor-out refits of the fitted synthetic control ``sc``.

    The body of :meth:`~urbansec_lib.synthetic_control.SyntheticControlResult.leave_one_out`
    (documented and tested there).
    """
    d = sc._data
    v_fixed = None if search_v else sc.predictor_weights.to_numpy()
    w = sc.weights
    rows, synth = [], {}
    for j in range(1, len(d.units)):
        u = d.units[j]
        if w[u] <= min_weight:
            continue
        cols = [0] + [i for i in range(1, len(d.units)) if i != j]
        fit = sc._refit(d.X[:, cols], d.Y[:, cols], v_fixed)
        s = d.Y[:, cols[1:]] @ fit.w
        gap = d.Y[:, 0] - s
        synth[u] = s
        kept = [d.units[i] for i in cols[1:]]
        top = ", ".join(
            f"{sc.unit_names.get(kept[i], kept[i])} {fit.w[i]:.2f}"
            for i in np.flatnonzero(fit.w > 0.01)
        )
        rows.append(
            {
                "dropped": u,
                "name": sc.unit_names.get(u, str(u)),
                "dropped_weight": float(w[u]),
                "estimate": float(np.mean(gap[d.post_rows])),
                "pre_rmspe": _rmspe(gap[d.pre_rows]),
                "post_rmspe": _rmspe(gap[d.post_rows]),
                "weights": top,
            }
        )
    return LeaveOneOutResult(
        treated=sc.treated,
        treatment_time=sc.treatment_time,
        loo_table=pd.DataFrame(rows),
        synthetic=pd.DataFrame(synth, index=sc.gaps.index),
        base=sc.series(),
        estimate=sc.estimate,
        outcome_label=sc.outcome_label,
        unit_names=sc.unit_names,
    )
