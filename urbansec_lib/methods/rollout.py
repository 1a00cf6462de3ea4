"""A staggered rollout evaluated end to end (used by the orpheus report)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bacon import BaconResult, bacon_decomposition
from .group_time import att_gt
from .group_time_results import AggregatedATTResult, ATTgtResult

__all__ = ["RolloutEvaluation", "evaluate_rollout"]


# --------------------------------------------------------------------------------------
# A staggered rollout evaluated end to end (used by the orpheus report)
# --------------------------------------------------------------------------------------
@dataclass
class RolloutEvaluation:
    """Callaway & Sant'Anna effects of a staggered rollout beside the TWFE estimate.

    Attributes
    ----------
    att_gt : ATTgtResult
        Group-time effects.
    simple, dynamic : AggregatedATTResult
        Overall ATT and the event-study (effect by years since adoption).
    bacon : BaconResult
        TWFE estimate and its Goodman-Bacon decomposition.
    outcome_label : str
        Plain-language outcome name with its unit (for text and plots).

    Examples
    --------
    >>> from urbansec_lib.demo.outcomes import simulate_rollout
    >>> ev = evaluate_rollout(simulate_rollout(n_areas=30, seed=2))
    >>> type(ev).__name__, type(ev.simple).__name__, type(ev.bacon).__name__
    ('RolloutEvaluation', 'AggregatedATTResult', 'BaconResult')
    """

    att_gt: ATTgtResult
    simple: AggregatedATTResult
    dynamic: AggregatedATTResult
    bacon: BaconResult
    outcome_label: str

    def table(self) -> pd.DataFrame:
        """One row per estimator: estimate, se, ci_low, ci_high, pvalue, n, msms_level."""
        rows = []
        for name, r in (
            ("Callaway & Sant'Anna: average effect on adopting areas", self.simple),
            ("Callaway & Sant'Anna: average over years since adoption", self.dynamic),
            ("Two-way fixed effects (TWFE)", self.bacon),
        ):
            rows.append(
                {
                    "design": name,
                    "estimate": r.estimate,
                    "se": r.se,
                    "ci_low": r.ci[0],
                    "ci_high": r.ci[1],
                    "pvalue": r.pvalue,
                    "n": r.n,
                    "msms_level": r.msms_level,
                    "scale": f"difference in {self.outcome_label}",
                }
            )
        return pd.DataFrame(rows)

    def reading(self, alpha: float = 0.05) -> str:
        """Plain-language reading of the rollout results (Markdown)."""
        g = self.att_gt
        first = g.unit_first
        cohorts = ", ".join(str(int(c)) for c in g.groups)
        s, d, b = self.simple, self.dynamic.table(), self.bacon
        post = d[d["e"] >= 0]
        lines = [
            f"- **Design.** {int((first > 0).sum())} areas adopted the initiative in "
            f"different years ({cohorts}); {int((first == 0).sum())} never did. Each "
            "adopting cohort is compared with "
            + ("never-treated" if g.control == "never" else "not-yet-treated")
            + " areas over the same years (Callaway & Sant'Anna), so no area that already "
            "has the initiative serves as a comparison.",
            f"- **Average effect.** Over all adopting areas and years after adoption, "
            f"{self.outcome_label} changed by {s.estimate:+.2f} "
            f"({100 * (1 - alpha):g}% CI {s.ci[0]:+.2f} to {s.ci[1]:+.2f}).",
        ]
        if len(post) > 1:
            lines.append(
                f"- **Over time.** In the year of adoption the change was "
                f"{post['att'].iloc[0]:+.2f}; {int(post['e'].iloc[-1])} years later it was "
                f"{post['att'].iloc[-1]:+.2f} (the later event times rest on the earliest "
                "cohort only, so their intervals are wider)."
            )
        if np.isfinite(g.pretest_pvalue):
            verdict = (
                "no sign of diverging trends before adoption"
                if g.pretest_pvalue >= alpha
                else "signs of diverging trends before adoption: read the effects with care"
            )
            lines.append(
                f"- **Before adoption.** Test that all pre-adoption effects are zero: "
                f"p = {g.pretest_pvalue:.3f} ({verdict})."
            )
        forbidden = b.terms.loc[b.terms["type"].str.startswith("later vs"), "weight"].sum()
        lines.append(
            f"- **The usual regression.** A two-way fixed-effects regression gives "
            f"{b.estimate:+.2f} ({100 * (1 - alpha):g}% CI {b.ci[0]:+.2f} to {b.ci[1]:+.2f}). "
            f"{forbidden:.0%} of its weight comes from comparisons that use already-treated "
            "areas as controls (Goodman-Bacon decomposition); when effects grow over time "
            "those comparisons pull the TWFE estimate away from the true average, which is "
            "why the Callaway & Sant'Anna estimate is the one to report."
        )
        lines.append(
            f"- **Strength.** Maryland Scientific Methods Scale level {s.msms_level}: "
            "multiple areas with comparison areas; it still assumes parallel trends and no "
            "anticipation, and areas were not randomised."
        )
        return "\n".join(lines)


def evaluate_rollout(
    rollout: pd.DataFrame,
    outcome: str = "incidents_per_1000",
    unit: str = "area",
    time: str = "year",
    group: str = "first_year",
    control: str = "never",
    outcome_label: str = "incidents per 1,000 residents",
    alpha: float = 0.05,
) -> RolloutEvaluation:
    """Evaluate a staggered rollout: ATT(g, t), simple and dynamic ATT, TWFE and Bacon.

    Parameters
    ----------
    rollout : pandas.DataFrame
        Area x year panel (e.g. from :func:`urbansec_lib.outcomes.read_rollout`).
    outcome, unit, time, group : str
        Columns; ``group`` is the adoption year (0 never).
    control : {"never", "not_yet"}
        Comparison areas for :func:`att_gt` (falls back to ``"not_yet"`` when fewer than 3
        areas never adopt).
    outcome_label : str
        Outcome in words, with its unit.
    alpha : float
        1 - confidence level.

    Returns
    -------
    RolloutEvaluation

    Examples
    --------
    >>> from urbansec_lib.demo.outcomes import simulate_rollout
    >>> ev = evaluate_rollout(simulate_rollout(n_areas=30, seed=2))
    >>> bool(ev.table()["design"].str.contains("TWFE").any())
    True
    >>> ev.table().columns.tolist()[:3]
    ['design', 'estimate', 'se']
    >>> ev.reading().splitlines()[0][:14]
    '- **Design.** '
    """
    never = rollout.groupby(unit)[group].first().eq(0).sum()
    if control == "never" and never < 3:
        control = "not_yet"
    res = att_gt(rollout, outcome, unit, time, group, control=control, alpha=alpha, time_label=time)
    treated = ((rollout[group] > 0) & (rollout[time] >= rollout[group])).astype(int)
    bacon = bacon_decomposition(
        rollout.assign(_treated=treated), outcome, unit, time, "_treated", alpha=alpha
    )
    bacon.outcome = outcome_label
    res.outcome = outcome_label
    return RolloutEvaluation(
        att_gt=res,
        simple=res.aggregate("simple"),
        dynamic=res.aggregate("dynamic"),
        bacon=bacon,
        outcome_label=outcome_label,
    )
