"""One region against the others' public data: a synthetic-control study of one unit.

A unit's evaluation YAML (``data/raw/orpheus/<unit>_evaluation.yaml``) may declare, beside
its survey and incident designs, a block

.. code-block:: yaml

    synthetic_control:
      design: synthetic_control
      source: eurostat_crim_gen_reg        # police-recorded offences per 100,000
      outcome: ICCS05012                   # ICCS code of the outcome
      treatment_year: 2016                 # first year under the policy
      policy_date: illustrative            # or "real" (then cite it in `note`)
      donors: same_country                 # or a list of NUTS 3 codes
      exclude_donors: [FI200]              # optional
      predictors:                          # (offence, years, op); years "a-b", a year or a list
        - {offence: ICCS05012, years: 2008-2015}
        - {offence: ICCS02011, years: 2008-2015, op: mean}
      placebo_exclude_rmspe_above: 5       # optional (k times the treated unit's pre-RMSPE)
      note: free text shown in the report

:func:`run` builds the panel of the unit's NUTS 3 region and its donor regions from the
bundled Eurostat ``crim_gen_reg`` extraction (real data), fits
:func:`urbansec_lib.synthetic_control.synthetic_control` with placebos and leave-one-out,
and synthetic difference-in-differences beside it. Regions are listed in data order and
never ranked.

Example
-------
>>> spec = parse_spec({"design": "synthetic_control", "outcome": "ICCS05012",
...                    "treatment_year": 2016, "predictors": [
...                    {"offence": "ICCS05012", "years": "2008-2015"}]}, "x.yaml")
>>> spec.predictors
[('ICCS05012', [2008, 2009, 2010, 2011, 2012, 2013, 2014, 2015], 'mean')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from ..inputs.data import read_units
from ..methods.synthetic_control import (
    LeaveOneOutResult,
    PlaceboResult,
    SyntheticControlResult,
    SyntheticDiDResult,
    synthetic_control,
    synthetic_did,
)

__all__ = ["SynthSpec", "SynthStudy", "parse_spec", "read_spec", "region_panel", "run"]

_OPS = ("mean", "median", "sum", "min", "max")


@dataclass
class SynthSpec:
    """The ``synthetic_control`` block of an evaluation YAML.

    Examples
    --------
    >>> spec = parse_spec({"design": "synthetic_control", "outcome": "ICCS05012",
    ...                    "treatment_year": 2016, "predictors": [
    ...                    {"offence": "ICCS05012", "years": 2015}]}, "x.yaml", unit_id="FI1B1")
    >>> spec.unit_id, spec.treatment_year, spec.donors, spec.illustrative
    ('FI1B1', 2016, 'same_country', True)
    """

    unit_id: str
    outcome: str
    treatment_year: int
    predictors: list[tuple[str, list[int], str]]
    donors: str | list[str] = "same_country"
    exclude_donors: list[str] = field(default_factory=list)
    policy_date: str = "illustrative"
    source: str = "eurostat_crim_gen_reg"
    placebo_exclude_rmspe_above: float | None = None
    note: str = ""
    path: str = ""

    @property
    def illustrative(self) -> bool:
        return self.policy_date != "real"


def _years(value: Any, where: str, problems: list[Problem], file: str) -> list[int]:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        return [value]
    if isinstance(value, str) and "-" in value:
        a, _, b = value.partition("-")
        if a.strip().isdigit() and b.strip().isdigit() and int(a) <= int(b):
            return list(range(int(a), int(b) + 1))
    if isinstance(value, str) and value.strip().isdigit():
        return [int(value)]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return list(value)
    problems.append(Problem(file, None, where, value, "a year, 'first-last' or a list of years"))
    return []


def parse_spec(block: Any, file: str, unit_id: str = "") -> SynthSpec:
    """Validate a ``synthetic_control`` block (all problems at once).

    Examples
    --------
    >>> spec = parse_spec({"design": "synthetic_control", "outcome": "ICCS05012",
    ...                    "treatment_year": 2016, "donors": ["FI1C1", "FI1C2"], "predictors": [
    ...                    {"offence": "ICCS02011", "years": [2012, 2014], "op": "median"}]}, "x.yaml")
    >>> spec.donors, spec.predictors
    (['FI1C1', 'FI1C2'], [('ICCS02011', [2012, 2014], 'median')])
    """
    problems: list[Problem] = []
    root = "synthetic_control"
    if not isinstance(block, dict):
        raise ValidationError([Problem(file, None, root, block, "a mapping")], file)
    if block.get("design", "synthetic_control") != "synthetic_control":
        problems.append(
            Problem(file, None, f"{root}.design", block.get("design"), "synthetic_control")
        )
    outcome = block.get("outcome")
    if not isinstance(outcome, str) or not outcome:
        problems.append(Problem(file, None, f"{root}.outcome", outcome, "an ICCS code"))
    ty = block.get("treatment_year")
    if not isinstance(ty, int) or isinstance(ty, bool):
        problems.append(Problem(file, None, f"{root}.treatment_year", ty, "a year"))
    preds = []
    raw_preds = block.get("predictors")
    if not isinstance(raw_preds, list) or not raw_preds:
        problems.append(Problem(file, None, f"{root}.predictors", raw_preds, "a list"))
        raw_preds = []
    for i, p in enumerate(raw_preds):
        where = f"{root}.predictors[{i}]"
        if not isinstance(p, dict) or "offence" not in p or "years" not in p:
            problems.append(Problem(file, None, where, p, "{offence: ICCS code, years: ...}"))
            continue
        op = p.get("op", "mean")
        if op not in _OPS:
            problems.append(Problem(file, None, f"{where}.op", op, f"one of {list(_OPS)}"))
        preds.append((str(p["offence"]), _years(p["years"], f"{where}.years", problems, file), op))
    donors = block.get("donors", "same_country")
    if not (
        donors == "same_country"
        or (isinstance(donors, list) and all(isinstance(d, str) for d in donors))
    ):
        problems.append(
            Problem(file, None, f"{root}.donors", donors, "same_country or NUTS 3 codes")
        )
    excl = block.get("exclude_donors", []) or []
    if not isinstance(excl, list):
        problems.append(Problem(file, None, f"{root}.exclude_donors", excl, "a list of codes"))
        excl = []
    policy = block.get("policy_date", "illustrative")
    if policy not in ("illustrative", "real"):
        problems.append(Problem(file, None, f"{root}.policy_date", policy, "illustrative or real"))
    source = block.get("source", "eurostat_crim_gen_reg")
    if source != "eurostat_crim_gen_reg":
        problems.append(Problem(file, None, f"{root}.source", source, "eurostat_crim_gen_reg"))
    k = block.get("placebo_exclude_rmspe_above")
    if k is not None and (not isinstance(k, (int, float)) or isinstance(k, bool) or k <= 0):
        problems.append(
            Problem(file, None, f"{root}.placebo_exclude_rmspe_above", k, "a positive number")
        )
    if problems:
        raise ValidationError(problems, file)
    return SynthSpec(
        unit_id=unit_id,
        outcome=outcome,
        treatment_year=int(ty),
        predictors=preds,
        donors=donors,
        exclude_donors=[str(e) for e in excl],
        policy_date=policy,
        source=source,
        placebo_exclude_rmspe_above=None if k is None else float(k),
        note=str(block.get("note", "")),
        path=file,
    )


def read_spec(path: str | Path) -> SynthSpec | None:
    """The ``synthetic_control`` block of an evaluation YAML, or None when it has none.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> orpheus = Path(us.__file__).parents[1] / "data" / "raw" / "orpheus"
    >>> spec = read_spec(orpheus / "FI1B1_evaluation.yaml")
    >>> spec.outcome, spec.treatment_year
    ('ICCS05012', 2016)
    >>> read_spec(orpheus / "BE212_evaluation.yaml") is None  # no synthetic_control block
    True
    """
    path = Path(path)
    doc = read_yaml_mapping(path, str(path))
    if "synthetic_control" not in doc:
        return None
    return parse_spec(doc["synthetic_control"], str(path), str(doc.get("unit_id", "")))


def region_panel(
    geos: list[str] | None,
    country: str | None = None,
    data: str | Path | None = None,
    recorder=None,
    unit: str = "P_HTHAB",
) -> pd.DataFrame:
    """Wide panel of NUTS 3 regions from Eurostat ``crim_gen_reg`` (real data).

    One row per region and year; columns ``geo``, ``name``, ``year`` and one column per
    ICCS code (offences per 100,000 inhabitants with ``unit="P_HTHAB"``). Regions: the
    given codes, or every NUTS 3 region of ``country`` (extra-regio ``ZZZ`` codes left out).

    Examples
    --------
    >>> import urbansec_lib as us
    >>> panel = region_panel(["FI1B1", "FI1C1"], data=Path(us.__file__).parents[1] / "data")
    >>> panel["geo"].unique().tolist(), panel.columns[:3].tolist()
    (['FI1B1', 'FI1C1'], ['geo', 'name', 'year'])
    """
    from ..inputs import data as usdata
    from .study_inputs import raw_dir

    raw = raw_dir(data)
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    tsv = usdata.read_eurostat_tsv(
        track(raw / "public" / "eurostat_crim_gen_reg" / "estat_crim_gen_reg.tsv")
    )
    nuts = usdata.read_nuts(
        track(raw / "public" / "nuts2021_gisco" / "NUTS_RG_20M_2021_attributes.csv")
    )
    n3 = nuts[nuts["level"] == 3].set_index("nuts_id")
    sel = tsv[tsv["unit"] == unit]
    if geos is not None:
        sel = sel[sel["geo"].isin(geos)]
    else:
        sel = sel[sel["geo"].isin(n3.index[n3["country"] == country])]
    wide = sel.pivot_table(index=["geo", "time"], columns="iccs", values="value", dropna=False)
    wide = wide.reset_index().rename(columns={"time": "year"})
    wide.columns.name = None
    wide.insert(1, "name", wide["geo"].map(n3["name"]).fillna(wide["geo"]))
    order = list(pd.unique(sel["geo"]))  # file order, not sorted by any value
    wide["geo"] = pd.Categorical(wide["geo"], categories=order, ordered=True)
    wide = wide.sort_values(["geo", "year"]).reset_index(drop=True)
    wide["geo"] = wide["geo"].astype(str)
    return wide


@dataclass
class SynthStudy:
    """A unit's synthetic-control study: spec, panel and the fitted results.

    Examples
    --------
    >>> from dataclasses import fields
    >>> [f.name for f in fields(SynthStudy)][:5]
    ['spec', 'geo', 'panel', 'result', 'placebos']
    """

    spec: SynthSpec
    geo: str
    panel: pd.DataFrame
    result: SyntheticControlResult
    placebos: PlaceboResult
    leave_one_out: LeaveOneOutResult
    sdid: SyntheticDiDResult
    dropped_donors: dict[str, str]
    outcome_label: str

    @property
    def name(self) -> str:
        return self.result.unit_names.get(self.geo, self.geo)

    def table(self) -> pd.DataFrame:
        """Synthetic control and SDID side by side (design, estimate, se, ci, p, ...)."""
        sc, sd = self.result, self.sdid
        return pd.DataFrame(
            [
                {
                    "design": "synthetic control",
                    "estimate": sc.estimate,
                    "se": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "pvalue": self.placebos.pvalue,
                    "inference": f"placebo-in-space permutation ({self.placebos.rank}/"
                    f"{self.placebos.n_compared})",
                    "pre_rmspe": sc.pre_rmspe,
                },
                {
                    "design": "synthetic difference-in-differences",
                    "estimate": sd.estimate,
                    "se": sd.se,
                    "ci_low": sd.ci[0],
                    "ci_high": sd.ci[1],
                    "pvalue": sd.pvalue,
                    "inference": f"placebo SE ({sd.replications} draws, seed {sd.seed})",
                    "pre_rmspe": np.nan,
                },
            ]
        )

    def intro(self) -> str:
        """Plain-language description of the data and the (illustrative) policy date."""
        s = self.spec
        date = (
            f"The policy start ({s.treatment_year}) is **illustrative**, chosen for this "
            "demonstration: no real policy is claimed, and nothing here is a finding about "
            f"{self.name}."
            if s.illustrative
            else f"The policy start ({s.treatment_year}) is the date given in the evaluation file."
        )
        years = self.result.gaps.index
        n = len(self.result.weights)
        dropped = (
            " Left out of the donor pool: "
            + "; ".join(f"{k} ({v})" for k, v in self.dropped_donors.items())
            + "."
            if self.dropped_donors
            else ""
        )
        return (
            f"**Real public data**: {self.outcome_label} in {self.name} (NUTS 3 `{self.geo}`) "
            f"and {n} other regions of the same country, {years.min()}-{years.max()} "
            f"(Eurostat `crim_gen_reg`). {date} Within one country the offences are recorded "
            f"under the same rules, so the regions are comparable donors.{dropped}"
            + (f" {s.note}" if s.note else "")
        )

    def reading(self) -> str:
        """Plain-language reading of the fit, the gap, the placebos and the robustness."""
        r, p, lo_res, sd = self.result, self.placebos, self.leave_one_out, self.sdid
        wt = r.weights_table(min_weight=0.01)
        mix = ", ".join(f"{n} ({w:.0%})" for n, w in zip(wt["name"], wt["weight"]))
        pre_mean = float(r.treated_series[r.treated_series.index < r.treatment_time].mean())
        direction = "above" if r.estimate > 0 else "below"
        lo, hi = lo_res.range
        sd_pre = float(r.treated_series[r.treated_series.index < r.treatment_time].std())
        rel = r.pre_rmspe / sd_pre if sd_pre > 0 else float("nan")
        fit_text = (
            ": a close fit."
            if rel <= 0.5
            else f": {rel:.0%} of the year-to-year SD, so the synthetic follows the region's "
            "ups and downs only partly and the gap after the start must be read with caution."
        )
        placebo_text = (
            "a gap this large relative to the pre-period fit is rare among the regions "
            "without the policy."
            if p.pvalue <= 0.1
            else "regions without the policy show gaps this large (relative to their fit) "
            "too often to attribute the gap to the policy."
        )
        sd_ci = (
            f"SE {sd.se:.3g}, 95% CI {sd.ci[0]:.3g} to {sd.ci[1]:.3g}"
            if np.isfinite(sd.se)
            else "no SE"
        )
        lines = [
            f"- **The synthetic {self.name}** is a weighted average of {mix}.",
            f"- **Before {r.treatment_time}** it tracked the region with a root mean squared "
            f"gap of {r.pre_rmspe:.3g} per 100,000 (the region's pre-period mean was "
            f"{pre_mean:.3g}; its year-to-year SD {sd_pre:.3g}){fit_text}",
            f"- **From {r.treatment_time}** the region's rate was on average "
            f"{abs(r.estimate):.3g} per 100,000 {direction} its synthetic twin.",
            f"- **Placebo test**: giving the start date to each donor region in turn, "
            f"{p.rank} of {p.n_compared} regions (the unit included) show a post/pre gap "
            f"ratio at least as large as {self.name}'s (permutation p = {p.pvalue:.3f}; with "
            f"{p.n_compared} regions the smallest possible is {1 / p.n_compared:.2f}): "
            f"{placebo_text}",
            f"- **Leaving out one donor at a time**, the estimate ranges from {lo:.3g} to "
            f"{hi:.3g}.",
            f"- **Synthetic difference-in-differences** (which also re-weights years and "
            f"allows a constant level difference) estimates {sd.estimate:.3g} ({sd_ci}).",
        ]
        return "\n".join(lines)


def run(unit_id: str, data: str | Path | None = None, recorder=None) -> SynthStudy | None:
    """Fit the synthetic-control study declared in a unit's evaluation YAML (None if none).

    Donors with a missing outcome in any year, or no data for a predictor, are left out
    and listed in :attr:`SynthStudy.dropped_donors`.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> run("BE212", Path(us.__file__).parents[1] / "data") is None  # declares no such study
    True
    """
    from .pipeline import ICCS_LABELS
    from .study_inputs import raw_dir

    raw = raw_dir(data)
    path = raw / "orpheus" / f"{unit_id}_evaluation.yaml"
    if not path.exists():
        return None
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    spec = read_spec(track(path))
    if spec is None:
        return None
    spec.unit_id = spec.unit_id or unit_id
    units = read_units(raw / "units.csv")  # the one reader, validated
    hit = units.loc[units["unit_id"] == unit_id, "nuts3"].replace("", None).dropna()
    geo = hit.iloc[0] if len(hit) and hit.iloc[0] else unit_id
    if spec.donors == "same_country":
        panel = region_panel(None, country=geo[:2], data=data, recorder=recorder)
    else:
        panel = region_panel([geo, *spec.donors], data=data, recorder=recorder)
    _check_panel(spec, panel, geo)
    treated_years = panel.loc[(panel["geo"] == geo) & panel[spec.outcome].notna(), "year"]
    panel = panel[panel["year"].isin(treated_years)].reset_index(drop=True)
    dropped = _dropped_donors(spec, panel, geo)
    panel = panel[~panel["geo"].isin(list(dropped))].reset_index(drop=True)
    # readable column names (offence labels) so tables name the predictors
    panel = panel.rename(columns=ICCS_LABELS)
    outcome = ICCS_LABELS.get(spec.outcome, spec.outcome)
    label = f"{outcome} per 100,000 inhabitants"
    fit = {  # what both estimators are told
        "treated": geo,
        "treatment_time": spec.treatment_year,
        "unit_names": dict(zip(panel["geo"], panel["name"])),
        "outcome_label": label,
    }
    preds = [(ICCS_LABELS.get(off, off), yrs, op) for off, yrs, op in spec.predictors]
    res = synthetic_control(panel, outcome, "geo", "year", predictors=preds, **fit)
    placebos = res.placebos(exclude_rmspe_above=spec.placebo_exclude_rmspe_above)
    loo = res.leave_one_out()
    sdid = synthetic_did(panel, outcome, "geo", "year", **fit)
    return SynthStudy(
        spec=spec,
        geo=geo,
        panel=panel,
        result=res,
        placebos=placebos,
        leave_one_out=loo,
        sdid=sdid,
        dropped_donors=dropped,
        outcome_label=label,
    )


def _check_panel(spec: SynthSpec, panel: pd.DataFrame, geo: str) -> None:
    """Raise a located :class:`ValidationError` when the panel lacks the treated region,
    the outcome or a predictor of the evaluation file."""
    file = spec.path
    problems = []
    if geo not in set(panel["geo"]):
        problems.append(Problem(file, None, "unit_id", geo, "a region in crim_gen_reg"))
    if spec.outcome not in panel.columns:
        problems.append(
            Problem(file, None, "synthetic_control.outcome", spec.outcome, "an ICCS code")
        )
    for off, _, _ in spec.predictors:
        if off not in panel.columns:
            problems.append(
                Problem(file, None, "synthetic_control.predictors", off, "an ICCS code")
            )
    if problems:
        raise ValidationError(problems, file)


def _dropped_donors(spec: SynthSpec, panel: pd.DataFrame, geo: str) -> dict[str, str]:
    """Donor region -> why it is left out (excluded, extra-regio, an outcome or predictor
    without data)."""
    dropped: dict[str, str] = {}
    for d in spec.exclude_donors:
        if d in set(panel["geo"]) and d != geo:
            dropped[d] = "excluded in the evaluation file"
    for d, sub in panel.groupby("geo", sort=False):
        if d == geo or d in dropped:
            continue
        if d.endswith("ZZZ"):
            dropped[d] = "extra-regio code"
        elif sub[spec.outcome].isna().any():
            dropped[d] = "outcome missing in some year"
        elif any(
            sub.loc[sub["year"].isin(yrs), off].isna().all() for off, yrs, _ in spec.predictors
        ):
            dropped[d] = "a predictor has no data"
    return dropped
