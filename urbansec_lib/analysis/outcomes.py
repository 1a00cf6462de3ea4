"""Outcome data for impact evaluations: survey waves and monthly incident counts.

Action 5 evaluates one initiative per city with two kinds of outcome data:

* **survey outcomes** (repeated cross-sections, one row per respondent): ``area``,
  ``area_type`` (intervention / comparison), ``wave`` (year), the 4-point item
  ``feel_safe`` ("How safe do you feel walking alone in your area after dark?",
  1 = very unsafe ... 4 = very safe), optional ``weight``;
* **incident counts** (one row per month and area role): ``month`` (YYYY-MM), ``area``
  (treated / control / buffer / buffer_control), ``count``, ``population``.

An evaluation spec (YAML: unit_id, initiative_id, start_month, first_post_wave, files)
ties them to an initiative of the policy inventory. A spec may also declare
``design: staggered`` with a ``rollout_file``: a panel of neighbourhoods adopting the
initiative in different years (``area``, ``year``, ``first_year`` = year of adoption, 0 or
blank for never, ``population``, ``incidents``, ``incidents_per_1000``), read by
:func:`read_rollout` and evaluated with :mod:`urbansec_lib.staggered`. Readers validate with located errors
(file, spreadsheet row, column) like every importer; :func:`evaluate` runs the designs of
:mod:`urbansec_lib.impact` that the data allow. Synthetic data with planted effects
(tests, demo) come from :mod:`urbansec_lib.demo.outcomes` (``simulate_survey``,
``simulate_incidents``, ``simulate_rollout``; the old names here still resolve, deprecated).

Example
-------
>>> from urbansec_lib.demo.outcomes import simulate_survey
>>> s = simulate_survey(n_areas=4, n_per_area=50, waves=(2022, 2024), effect=0.5, seed=1)
>>> sorted(s["area_type"].unique())
['comparison', 'intervention']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path  # noqa: F401 - the examples use it
from typing import Any

import numpy as np
import pandas as pd

from ..methods import impact
from ..presentation import present
from .outcome_readers import (  # noqa: F401 - the readers, re-exported here
    AREA_ROLES,
    AREA_TYPES,
    DESIGNS,
    ROLLOUT_COLUMNS,
    SAFE_LEVELS,
    EvaluationSpec,
    _int_col,
    _need_columns,
    _read_csv,
    data_needed_text,
    read_incidents,
    read_rollout,
    read_spec,
    read_survey_outcomes,
)

__all__ = [
    "data_needed_text",
    "EvaluationSpec",
    "read_spec",
    "read_survey_outcomes",
    "read_incidents",
    "read_rollout",
    "its_frame",
    "wdd_counts",
    "Evaluation",
    "evaluate",
    "reading",
    "baseline_share",
]


# ------------------------------------------------------------------ designs
def its_frame(incidents: pd.DataFrame, start_month: str, area: str = "treated") -> pd.DataFrame:
    """Monthly series of one area ready for :func:`urbansec_lib.impact.its`.

    Columns: month, time (1..T), month_of_year, post (0/1 from ``start_month``), count,
    population.

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> i = read_incidents(raw / "BE212_incidents_monthly.csv")
    >>> f = its_frame(i, "2023-01")
    >>> len(f), int(f["post"].sum()), int(f["time"].iloc[-1])
    (60, 12, 60)
    """
    s = incidents[incidents["area"] == area].sort_values("month").reset_index(drop=True)
    start = pd.Timestamp(start_month + "-01")
    return s.assign(
        time=np.arange(1, len(s) + 1),
        month_of_year=s["month"].dt.month,
        post=(s["month"] >= start).astype(int),
    )


def wdd_counts(incidents: pd.DataFrame, start_month: str, window: int = 12) -> dict[str, int]:
    """Counts per area role in the ``window`` months before and from ``start_month``.

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> i = read_incidents(raw / "BE212_incidents_monthly.csv")
    >>> c = wdd_counts(i, "2023-01")
    >>> c["treated_before"], c["treated_after"], len(c)
    (455, 466, 8)
    """
    start = pd.Timestamp(start_month + "-01")
    before = (incidents["month"] < start) & (
        incidents["month"] >= start - pd.DateOffset(months=window)
    )
    after = (incidents["month"] >= start) & (
        incidents["month"] < start + pd.DateOffset(months=window)
    )
    out = {}
    for role in AREA_ROLES:
        r = incidents["area"] == role
        out[f"{role}_before"] = int(incidents.loc[r & before, "count"].sum())
        out[f"{role}_after"] = int(incidents.loc[r & after, "count"].sum())
    return out


@dataclass
class Evaluation:
    """All designs run for one initiative: results by name and a tidy overview.

    Examples
    --------
    Built by :func:`evaluate` (here on a small simulated survey only):

    >>> from urbansec_lib.demo.outcomes import simulate_survey
    >>> spec = EvaluationSpec("X", "I-1", "2023-01", 2024, "survey.csv", None)
    >>> ev = evaluate(spec, survey=simulate_survey(n_areas=4, n_per_area=60, seed=1))
    >>> sorted(ev.results)
    ['did', 'ordinal_did']
    >>> ev.table()[["design", "estimate", "msms_level"]].round(1)
            design  estimate  msms_level
    0          did       5.8           3
    1  ordinal_did       2.6           3
    """

    spec: EvaluationSpec
    results: dict[str, Any]

    def table(self) -> pd.DataFrame:
        """One row per design: estimate, CI, p-value, n, MSMS level, effect scale."""
        rows = []
        for name, r in self.results.items():
            pvalue = r.pvalue
            if name == "ordinal_did":
                est, lo, hi, scale = (
                    r.prob_effect * 100,
                    *(np.asarray(r.prob_effect_ci) * 100),
                    "change in % feeling safe (ordered logit)",
                )
                pvalue = r.prob_effect_pvalue
            elif name == "did":
                est, (lo, hi), scale = (
                    r.estimate * 100,
                    np.asarray(r.ci) * 100,
                    "change in % feeling safe (linear probability DiD)",
                )
            elif name == "its":
                est, (lo, hi), scale = r.rate_ratio, r.rate_ratio_ci, "rate ratio, level change"
            else:
                est, (lo, hi), scale = r.estimate, r.ci, "difference in counts (WDD)"
            rows.append(
                {
                    "design": name,
                    "estimate": est,
                    "ci_low": lo,
                    "ci_high": hi,
                    "pvalue": pvalue,
                    "n": r.n,
                    "msms_level": r.msms_level,
                    "scale": scale,
                }
            )
        return pd.DataFrame(rows)


def evaluate(
    spec: EvaluationSpec,
    survey: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    window: int = 12,
) -> Evaluation:
    """Run every design the data allow for one initiative.

    * survey: linear-probability DiD on "feels safe" (3-4 on the 4-point item), clustered
      by area, and ordered-logit DiD on the raw item (effect also as change in the
      probability of feeling safe);
    * incidents: segmented quasi-Poisson ITS on the treated area (level change, no slope
      change, 2 seasonal harmonics, population offset) and the WDD over ``window``
      months before/after.

    Examples
    --------
    Incident designs on the bundled demo (survey designs: see :class:`Evaluation`):

    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> spec = read_spec(raw / "BE212_evaluation.yaml")
    >>> ev = evaluate(spec, incidents=read_incidents(raw / "BE212_incidents_monthly.csv"))
    >>> ev.table()[["design", "estimate", "msms_level"]].round(2)
      design  estimate  msms_level
    0    its      0.98           2
    1    wdd     21.00           3
    """
    res: dict[str, Any] = {}
    if survey is not None:
        d = survey.assign(
            treated=(survey["area_type"] == "intervention").astype(int),
            post=(survey["wave"] >= spec.first_post_wave).astype(int),
            safe=survey["feel_safe"].isin(SAFE_LEVELS).astype(int),
        )
        res["did"] = impact.did(d, "safe", "treated", post="post", cluster="area")
        res["ordinal_did"] = impact.ordinal_did(
            d, "feel_safe", "treated", "post", cluster="area", safe_levels=list(SAFE_LEVELS)
        )
    if incidents is not None:
        f = its_frame(incidents, spec.start_month)
        res["its"] = impact.its(
            f,
            "count",
            "time",
            "post",
            offset="population",
            seasonality=2,
            season="month_of_year",
            family="quasipoisson",
            slope_change=False,
        )
        res["wdd"] = impact.wdd(*wdd_counts(incidents, spec.start_month, window).values())
    return Evaluation(spec, res)


def baseline_share(survey: pd.DataFrame, outcome: str = "feel_safe") -> float:
    """Share feeling safe (answers in :data:`SAFE_LEVELS`) in the first wave, all areas.

    Example
    -------
    >>> baseline_share(pd.DataFrame({"wave": [1, 1, 2], "feel_safe": [4, 1, 1]}))
    0.5
    """
    first = survey[survey["wave"] == survey["wave"].min()]
    return float(first[outcome].isin(SAFE_LEVELS).mean())


def reading(evaluation: Evaluation, alpha: float = 0.05) -> str:
    """An honest plain-language reading of each design's result and strength (Markdown).

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> spec = read_spec(raw / "BE212_evaluation.yaml")
    >>> ev = evaluate(spec, incidents=read_incidents(raw / "BE212_incidents_monthly.csv"))
    >>> print(reading(ev))  # doctest: +ELLIPSIS
    - **Interrupted time series of recorded incidents**: incidents changed by a factor 0.98 ...
    - **Weighted displacement difference**: the weighted displacement difference is +21 ...
    """
    lines = []
    tab = evaluation.table().set_index("design")
    names = {
        "did": "Survey DiD (linear probability)",
        "ordinal_did": "Survey DiD (ordered logit)",
        "its": "Interrupted time series of recorded incidents",
        "wdd": "Weighted displacement difference",
    }
    for design, r in evaluation.results.items():
        row = tab.loc[design]
        sig = row["pvalue"] < alpha
        if design in ("did", "ordinal_did"):
            what = (
                f"the share feeling safe changed by {row['estimate']:+.1f} points "
                f"(95% CI {row['ci_low']:+.1f} to {row['ci_high']:+.1f})"
            )
        elif design == "its":
            what = (
                f"incidents changed by a factor {row['estimate']:.2f} at the start "
                f"(95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f})"
            )
        else:
            what = (
                f"the weighted displacement difference is {row['estimate']:+.0f} incidents "
                f"(95% CI {row['ci_low']:+.0f} to {row['ci_high']:+.0f})"
            )
        verdict = (
            "distinguishable from no effect at the 5% level"
            if sig
            else "not distinguishable from no effect: the data are compatible with no change"
        )
        failed = r.assumptions[r.assumptions["passed"] == False]  # noqa: E712
        checks = [
            f"{c} ({_p_format(str(res).rstrip('.; '))})"
            for c, res in zip(failed["check"], failed["result"])
        ]
        caveat = f" Checks to heed: {'; '.join(checks)}." if checks else ""
        level = str(impact.MSMS_LEVELS[r.msms_level]).rstrip(".; ")
        p_txt = present.fmt_pvalue(row["pvalue"])
        lines.append(
            f"- **{names.get(design, design)}**: {what}, p {'' if p_txt.startswith('<') else '= '}"
            f"{p_txt}, {verdict}. Maryland SMS level {r.msms_level} (Scientific Methods Scale): "
            f"{level}.{caveat}"
        )
    return "\n".join(lines)


def _p_format(text: str) -> str:
    """Write every "p = 0.0151" in a check's text in the report's one p-value format."""
    import re

    def sub(m):
        v = present.fmt_pvalue(float(m.group(1)))
        return f"p {v}" if v.startswith("<") else f"p = {v}"

    return re.sub(r"\bp = ([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)", sub, text)


DESIGN_NAMES = {
    "did": "Survey difference-in-differences (linear probability)",
    "ordinal_did": "Survey difference-in-differences (ordered logit)",
    "its": "Interrupted time series of recorded incidents",
    "wdd": "Weighted displacement difference",
}
_AREAS = {
    "treated": "intervention area",
    "control": "control area",
    "buffer": "displacement\nbuffer",
    "buffer control": "buffer's\ncontrol area",
}
_LEVELS = {1: "very unsafe", 2: "fairly unsafe", 3: "fairly safe", 4: "very safe"}


def effects_table(table: pd.DataFrame, by_unit: dict | None = None):
    """Display-ready effects (:meth:`Evaluation.table` or :func:`pipeline.all_effects`):
    design names, estimate with its 95% CI, p-value "< 0.001"/3 dp, effect scale."""
    df = table.assign(design=table["design"].map(DESIGN_NAMES).fillna(table["design"]))
    cols = {}
    if "unit_id" in df:
        df = df.assign(unit_id=df["unit_id"].map(by_unit or {}).fillna(df["unit_id"]))
        cols["unit_id"] = "City"
    if "initiative_id" in df:
        cols["initiative_id"] = "Initiative"
    cols.update(
        {
            "design": "Design",
            "estimate": "Estimate",
            "ci_low": "95% CI",
            "pvalue": "p-value",
            "n": "n (answers or months)",
            "msms_level": "Maryland scale level (1-5)",
            "scale": "Effect measured as",
        }
    )
    return present.table(
        df,
        columns=cols,
        kinds={"estimate": ("number", 2), "pvalue": "pvalue", "n": "int", "msms_level": "int"},
        ci={"95% CI": ("ci_low", "ci_high")},
    )


def plot_design(evaluation: Evaluation, design: str, place: str = ""):
    """One design's figure with a title, axis labels in the outcome's units, real dates
    and readable area and answer names (a Figure)."""
    from matplotlib.ticker import PercentFormatter

    from ..presentation import figures

    r = evaluation.results[design]
    fig = r.plot()
    ax = fig.axes[0]
    spec = evaluation.spec
    where = f"{place}: " if place else ""
    if design == "did":
        first = spec.first_post_wave
        figures.relabel(
            fig,
            {"0": f"before (waves before {first})", "1": f"after (waves from {first})"},
            title=f"{where}residents feeling safe after dark, intervention and comparison areas",
            xlabel="survey period",
            ylabel="residents feeling safe after dark (%)",
            legend={"treated": "intervention areas", "comparison": "comparison areas"},
        )
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif design == "ordinal_did":
        figures.relabel(
            fig,
            {str(k): f"{k} {v}" for k, v in _LEVELS.items()},
            title=f"{where}answers of the intervention areas after the start, with and "
            "without the initiative",
            xlabel="answer to 'How safe do you feel walking alone after dark?'",
            ylabel="predicted share of answers (%)",
            legend={
                "counterfactual": "without the initiative (model)",
                "with intervention": "with the initiative",
            },
        )
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif design == "its":
        start = pd.Timestamp(spec.start_month + "-01")
        fit = r.fitted
        # time 1..T counts months of the treated area's series
        first = start - pd.DateOffset(months=int(fit.loc[fit["post"] == 1, "time"].min()) - 1)
        ticks = [t for t in fit["time"] if (first + pd.DateOffset(months=int(t) - 1)).month == 1]
        ax.set_xticks(ticks, [f"{(first + pd.DateOffset(months=int(t) - 1)).year}" for t in ticks])
        figures.relabel(
            fig,
            title=f"{where}recorded incidents per month in the intervention area "
            f"(initiative from {start:%B %Y})",
            xlabel="year (ticks at January)",
            ylabel="recorded incidents per month",
            legend={"counterfactual (no intervention)": "without the initiative (model)"},
        )
    elif design == "wdd":
        figures.relabel(
            fig,
            _AREAS,
            title=f"{where}change in recorded incidents, 12 months before and after the start",
            xlabel="area",
            ylabel="change in recorded incidents (after minus before)",
        )
    return fig


def design_alt(evaluation: Evaluation, design: str, place: str = "") -> str:
    """Alt text stating a design's finding (estimate, CI, p-value)."""
    row = evaluation.table().set_index("design").loc[design]
    ci = present.fmt_ci(row["ci_low"], row["ci_high"])
    return (
        f"{DESIGN_NAMES.get(design, design)}{' in ' + place if place else ''}: estimate "
        f"{row['estimate']:.2f} ({row['scale']}), 95% CI {ci}, p-value "
        f"{present.fmt_pvalue(row['pvalue'])}."
    )


#: Demo simulators moved to :mod:`urbansec_lib.demo.outcomes` (old names, deprecated).
_MOVED_TO_DEMO = ("simulate_survey", "simulate_incidents", "simulate_rollout")


def __getattr__(name: str):
    """The demo simulators' old names: resolved lazily from :mod:`urbansec_lib.demo`, with a
    DeprecationWarning (the one reference from the library to the demo package). The import
    is absolute: reached by its short name, this module's spec parent is not its package,
    and a relative import would warn (ImportWarning)."""
    if name in _MOVED_TO_DEMO:
        import warnings

        from urbansec_lib.demo import outcomes as demo_outcomes

        warnings.warn(
            f"urbansec_lib.outcomes.{name} moved to urbansec_lib.demo.outcomes.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(demo_outcomes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
