"""The demo/study pipeline: raw inputs -> tidy indicator data -> processed files and reports.

Everything derived is rebuilt from ``data/raw`` (never written here):

* :func:`load_inputs` reads the unit registry, the public statistics (Eurostat
  ``crim_gen_reg`` and ``urb_percep``) and every pilot survey export, and returns tidy
  indicator values (``unit_id, indicator_id, period, value, source[, n]``) plus the list
  of raw files used (their sha256 go into each report's manifest).
* :func:`build_processed` writes ``data/processed/`` (pseudonymised responses, survey and
  public indicator tables, each with a manifest entry).
* :func:`demo` builds processed data and runs every study on the bundled demo.

Example
-------
>>> inputs = load_inputs("data")          # doctest: +SKIP
>>> inputs.indicators.columns.tolist()    # doctest: +SKIP
['unit_id', 'indicator_id', 'period', 'value', 'source', 'n']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..model.framework import Framework, load_framework

__all__ = [
    "StudyInputs",
    "load_inputs",
    "align_periods",
    "data_dir",
    "raw_dir",
    "processed_dir",
    "check_unit_inputs",
    "workspace",
    "provenance_note",
    "declared_provenance",
    "data_kind",
    "source_label",
    "provenance_banner",
    "read_each",
    "skipped_note",
    "UnitFiles",
]


def data_dir(path: str | Path | None = None) -> Path:
    """The data folder: ``path``, ``$URBANSEC_DATA`` or the current workspace's data folder."""
    if path:
        return Path(path).resolve()
    if os.environ.get("URBANSEC_DATA"):
        return Path(os.environ["URBANSEC_DATA"]).resolve()
    from ..inputs.workspace import current

    return current().data_dir


def workspace(data: str | Path | None = None):
    """The :class:`~urbansec_lib.workspace.Workspace` of a data folder (default: the
    current workspace's): its units, comparators, public data and provenance."""
    from ..inputs.workspace import for_data_dir

    return for_data_dir(data_dir(data))


def provenance_note(path: str | Path, data: str | Path | None = None) -> str:
    """The declared provenance of an input (``"real"`` unless the workspace says otherwise)."""
    return workspace(data).provenance_of(path)


def source_label(what: str, path: str | Path, data: str | Path | None = None) -> str:
    """A source line for a report header: ``what``, plus the provenance when not real."""
    ws = workspace(data)
    return what if ws.is_real(path) else f"{what} ({ws.provenance_of(path)})"


def declared_provenance(path: str | Path, data: str | Path | None = None) -> str:
    """The provenance column of a report's dataset table: the workspace's declared label
    (e.g. ``"Synthetic outcome data with planted effects"``), or that the file is the unit's
    own real data."""
    ws = workspace(data)
    if ws.is_real(path):
        return "the unit's own file (real data)"
    text = ws.provenance_of(path)
    return text[0].upper() + text[1:]


def data_kind(path: str | Path, data: str | Path | None = None) -> str:
    """A short note for a figure title: ``"real data"``, ``"synthetic data"`` or
    ``"illustrative data"``, as the workspace declares the file."""
    return f"{workspace(data).provenance_kind(path)} data"


def provenance_banner(paths, data: str | Path | None = None) -> str:
    """A Markdown warning naming every input that is not real data (empty when all are)."""
    ws = workspace(data)
    notes = sorted({ws.provenance_of(p) for p in paths if p is not None and not ws.is_real(p)})
    if not notes:
        return ""
    return "> **Not real data.** " + "; ".join(n[0].upper() + n[1:] for n in notes) + "."


def raw_dir(path: str | Path | None = None) -> Path:
    """``<data>/raw``: inputs exactly as received, never written by code."""
    return data_dir(path) / "raw"


def processed_dir(path: str | Path | None = None) -> Path:
    """``<data>/processed``: everything derived, rebuildable from raw."""
    return data_dir(path) / "processed"


@dataclass
class StudyInputs:
    """Tidy inputs of the self-assessment study.

    Attributes
    ----------
    units : DataFrame
        Unit registry (unit_id, name, level, country, nuts3, urau_code, population, pilot).
    indicators : DataFrame
        Tidy indicator values for every unit (public statistics for all, survey
        aggregates for pilots): unit_id, indicator_id, period, value, source, n.
    files : list of Path
        Raw files read.
    problems : dict
        Survey export -> error text for exports that failed validation (the batch goes on).
    responses : DataFrame
        Validated respondent-level answers of the pilot surveys, without respondent ids
        (for item non-response and internal-consistency checks).
    public : dict
        The public statistics as read (tidy frames ``"crim_gen_reg"``, ``"urb_percep"``
        of :func:`urbansec_lib.data.read_eurostat_tsv`), so no study reads them twice.
    survey_provenance : dict
        Unit -> the declared provenance of its survey answers (the workspace's
        ``[provenance]`` label, ``"real"`` unless declared otherwise).
    """

    units: pd.DataFrame
    indicators: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    raw_indicators: pd.DataFrame | None = None
    errors: dict = field(default_factory=dict)
    responses: pd.DataFrame = field(default_factory=pd.DataFrame)
    public: dict = field(default_factory=dict)
    survey_provenance: dict = field(default_factory=dict)


def align_periods(
    indicators: pd.DataFrame,
    periods: list[int] | tuple[int, ...],
    max_lag: int = 6,
) -> pd.DataFrame:
    """Latest value of each unit and indicator at each reference period ("last observation
    carried forward" within ``max_lag`` periods).

    Public statistics and surveys come on different calendars (Eurostat crime up to 2021,
    perception waves up to 2019, self-assessment waves 2023 and 2025). A profile for
    reference period ``t`` uses, for each indicator, the most recent value observed at or
    before ``t`` and not older than ``t - max_lag``; the period it came from is kept in
    ``source_period``. Values observed after ``t`` are never used for ``t``.

    Parameters
    ----------
    indicators : DataFrame
        Tidy unit_id, indicator_id, period, value[, source, n].
    periods : sequence of int
        Reference periods.
    max_lag : int
        Oldest admissible value, in periods before the reference period.

    Returns
    -------
    DataFrame with the same columns, ``period`` = reference period, plus ``source_period``.

    Example
    -------
    >>> d = pd.DataFrame({"unit_id": ["A", "A"], "indicator_id": ["x", "x"],
    ...                   "period": [2019, 2024], "value": [1.0, 2.0]})
    >>> out = align_periods(d, [2023, 2025])
    >>> out[["period", "source_period"]].values.tolist(), out["value"].tolist()
    ([[2023, 2019], [2025, 2024]], [1.0, 2.0])
    """
    d = indicators.dropna(subset=["value"]).copy()
    d["period"] = pd.to_numeric(d["period"], errors="coerce").astype("Int64")
    d = d.dropna(subset=["period"]).sort_values("period")
    out = []
    for t in sorted(set(int(p) for p in periods)):
        window = d[(d["period"] <= t) & (d["period"] >= t - max_lag)]
        latest = window.groupby(["unit_id", "indicator_id"], sort=False).tail(1)
        out.append(latest.assign(source_period=latest["period"].astype(int), period=t))
    cols = list(indicators.columns) + ["source_period"]
    if not out:
        return pd.DataFrame(columns=cols)
    res = pd.concat(out, ignore_index=True)
    res["period"] = res["period"].astype(int)
    return res[cols].sort_values(["unit_id", "indicator_id", "period"]).reset_index(drop=True)


def survey_exports(raw: Path) -> dict[str, Path]:
    """Pilot survey exports in ``raw/survey``: unit id -> file (``<unit>_*.csv|xlsx``)."""
    folder = raw / "survey"
    out: dict[str, Path] = {}
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() in (".csv", ".xlsx") and "_" in p.name:
                out.setdefault(p.name.split("_")[0], p)
    return out


def load_inputs(
    data: str | Path | None = None,
    fw: Framework | None = None,
    recorder=None,
    skip_units: tuple[str, ...] = (),
    periods: tuple[int, ...] | None = None,
    max_lag: int = 6,
    min_n: int = 10,
) -> StudyInputs:
    """Read every raw input of the self-assessment study into tidy indicator data.

    Indicators are aligned on reference ``periods`` (default: the survey waves) with
    :func:`align_periods`; the unaligned values are kept in ``raw_indicators``. A survey
    export that fails validation is reported in ``problems`` and left out; it never stops
    the other units. Survey indicator values over fewer than ``min_n`` respondents are
    withheld (missing) before anything is scored, so no published score rests on them.
    """
    from ..core.errors import ValidationError
    from ..inputs import data as usdata
    from ..inputs import survey

    fw = fw or load_framework()
    ws = workspace(data)
    raw = ws.raw_dir
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    public_frames: dict = {}
    if ws.units_file.is_file():
        track(ws.units_file)
    units = ws.comparator_units()  # declared: this workspace's units (+ reference units)
    public = usdata.build_public_indicators(
        ws.public_raw_dir(),
        fw,
        units=units,
        track=track,
        fallback_to_parent=True,
        frames=public_frames,
    )
    frames = [public.assign(n=pd.NA)] if "n" not in public else [public]
    problems: dict[str, str] = {}
    errors: dict = {}
    answers: list[pd.DataFrame] = []
    valid_units = set(units["unit_id"])
    own_units = set(units.loc[units["origin"] == "workspace", "unit_id"])
    read: set[str] = set()
    survey_prov: dict[str, str] = {}
    # raw exports named <unit>_*.csv are read only in the demo; others come from imports
    for unit, path in (survey_exports(raw) if ws.demo else {}).items():
        if unit in skip_units or unit not in own_units:
            continue
        try:
            resp = survey.read_responses(track(path), fw, unit_id=unit, units=valid_units)
            frames.append(survey.aggregate(resp.data, fw))
            # respondent ids are not needed downstream: never carried along
            answers.append(resp.data.drop(columns=["respondent"], errors="ignore"))
            read.add(unit)
            survey_prov[unit] = ws.provenance_of(path)
        except ValidationError as exc:
            problems[path.name] = exc.redacted()  # shown in reports: no cell values
            errors[path.name] = exc
            if recorder is not None and hasattr(recorder, "skip") and unit not in skip_units:
                recorder.skip(path.name, exc.redacted())
    # surveys imported with `urbansec survey import` (any export file name)
    for unit, folder in ws.survey_imports().items():
        if unit in skip_units or unit in read or unit not in own_units:
            continue
        resp = survey._typed(
            pd.read_csv(track(folder / "responses.csv"), dtype=str, keep_default_na=False), fw
        )
        frames.append(survey.aggregate(resp, fw))
        answers.append(resp.drop(columns=["respondent", "source_file"], errors="ignore"))
        survey_prov[unit] = ws.provenance_of(folder / "responses.csv")
    raw_ind = pd.concat(frames, ignore_index=True)
    raw_ind = raw_ind[["unit_id", "indicator_id", "period", "value", "source", "n"]]
    # disclosure control before anything is scored: a survey value over fewer than min_n
    # respondents is withheld (its n is kept, so tables can say "n<min_n")
    n_resp = pd.to_numeric(raw_ind["n"], errors="coerce")
    small = raw_ind["source"].astype(str).str.startswith("survey") & (n_resp < min_n).fillna(False)
    raw_ind.loc[small.to_numpy(), "value"] = float("nan")
    if periods is None:
        survey_ids = {i.id for i in fw.survey_indicators()}
        waves = raw_ind.loc[raw_ind["indicator_id"].isin(survey_ids), "period"].dropna()
        periods = tuple(sorted(int(w) for w in waves.unique())) or (int(raw_ind["period"].max()),)
    ind = align_periods(raw_ind, periods, max_lag=max_lag)
    files = list(getattr(recorder, "inputs", {}).keys()) if recorder is not None else []
    sources = sorted(ind["source"].dropna().map(lambda s: s.split(" (")[0]).unique())
    if recorder is not None:
        for s in sources:
            recorder.source(s)
    return StudyInputs(
        units=units,
        indicators=ind,
        files=[Path(f) for f in files],
        problems=problems,
        sources=sources,
        raw_indicators=raw_ind,
        errors=errors,
        survey_provenance=survey_prov,
        responses=(
            pd.concat(answers, ignore_index=True)
            if answers
            else pd.DataFrame(columns=["unit_id", "area", "wave", "area_type", "respondent_role"])
        ),
        public=public_frames,
    )


def check_unit_inputs(inputs: StudyInputs, unit_id: str) -> None:
    """Raise the located validation error of the unit's own survey export, if it failed.

    Other units' broken exports are only reported (their report says so); a unit whose own
    export is broken must not get a report that silently lacks its survey data.
    """
    for name, exc in inputs.errors.items():
        if name.split("_")[0] == unit_id:
            # the message goes to the report folder and run summary: no cell values
            raise exc.without_values() from None


def collective_impact_files(data: str | Path | None = None) -> dict[str, Path]:
    """Filled Collective Impact workbooks in ``raw/collective_impact``: unit id -> file."""
    return _unit_files(data, "ci_workbook", "raw/collective_impact/{unit}_ci.xlsx", "*_ci.xlsx")


class UnitFiles(dict):
    """unit id -> what was read from the unit's file; broken files in :attr:`skipped`.

    ``skipped`` maps file name -> the located problems (redacted: no cell values).
    """

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.skipped: dict[str, str] = {}


def read_each(
    files: dict[str, Path],
    reader,
    unit_id: str | None = None,
    recorder=None,
) -> UnitFiles:
    """Read every unit's file on its own: one broken file never stops the others.

    ``reader(path, unit)`` reads one file. A file that raises :class:`ValidationError` is
    left out and listed in ``result.skipped`` (and declared to ``recorder.skip``, so the
    report and the run's ``summary.json`` list it), except the file of ``unit_id`` itself:
    that unit's report must not silently lack its own data, so its error is raised.
    """
    from ..core.errors import ValidationError

    track = recorder.use if recorder is not None else (lambda p: Path(p))
    out = UnitFiles()
    for u, p in files.items():
        try:
            out[u] = reader(track(p), u)
        except ValidationError as exc:
            if unit_id is not None and u == unit_id:
                raise exc.without_values() from None  # shown in shared report folders
            out.skipped[p.name] = exc.redacted()
            if recorder is not None and hasattr(recorder, "skip"):
                recorder.skip(p.name, exc.redacted())
    return out


def skipped_note(obj) -> str:
    """Markdown listing the inputs left out of a partnership-wide view ("" when none)."""
    skipped = getattr(obj, "skipped", None)
    if skipped is None and hasattr(obj, "attrs"):
        skipped = obj.attrs.get("skipped")
    if not skipped:
        return ""
    lines = [f"- `{k}`: {v}" for k, v in skipped.items()]
    return "**Inputs left out (they failed validation):**\n\n" + "\n".join(lines)


def read_collective_impact(
    data: str | Path | None = None, recorder=None, unit_id: str | None = None
) -> UnitFiles:
    """Read every demo/pilot CI workbook (unit id -> CIAssessment), in file-name order.

    Each workbook is read and validated on its own (:func:`read_each`): a broken one is
    skipped and listed in ``result.skipped``, except ``unit_id``'s own, which raises.
    Each file is declared to ``recorder`` (its sha256 goes to the report manifest).
    """
    from ..analysis import collective_impact as ci

    return read_each(
        collective_impact_files(data), lambda p, u: ci.read(p), unit_id=unit_id, recorder=recorder
    )


def orpheus_files(data: str | Path | None = None) -> dict[str, Path]:
    """Policy inventories in ``raw/orpheus``: unit id -> file."""
    return _unit_files(data, "orpheus_inventory", "raw/orpheus/{unit}_inventory.csv", "")


def _unit_files(data, kind: str, default: str, _unused: str = "") -> dict[str, Path]:
    """unit id -> file of one per-unit input, for the workspace's own units (declared under
    ``[inputs.<unit>]`` in urbansec.toml or at the default name), in the units' order."""
    ws = workspace(data)
    out = {}
    if ws.demo:  # the demo names its files <unit>_...: every such file, as before
        for p in sorted(ws.data_dir.glob(default.replace("{unit}", "*"))):
            out.setdefault(p.name.split("_")[0], p)
    for u in ws.units()["unit_id"]:
        p = ws.input_path(kind, u, default)
        if p is not None and p.is_file():
            out[u] = p
    return dict(sorted(out.items()))


def read_orpheus(
    data: str | Path | None = None,
    recorder=None,
    pyramid: str = "partnership_4",
    unit_id: str | None = None,
):
    """Read and classify every policy inventory (one tidy frame for all units).

    Each inventory is read and validated on its own (:func:`read_each`): a broken one is
    left out and listed in ``result.attrs["skipped"]``, except ``unit_id``'s own.
    """
    from ..analysis import orpheus

    got = read_each(
        orpheus_files(data),
        lambda p, u: orpheus.read_inventory(p, unit_id=u, pyramid=pyramid),
        unit_id=unit_id,
        recorder=recorder,
    )
    if not got:
        from ..core.errors import Problem, ValidationError

        raise ValidationError(
            [Problem("orpheus", None, None, list(got.skipped), "at least one valid inventory")],
            "policy inventories",
        )
    out = orpheus.classify(pd.concat(list(got.values()), ignore_index=True), pyramid=pyramid)
    out.attrs["skipped"] = dict(got.skipped)
    return out


def read_evaluation(unit_id: str, data: str | Path | None = None, recorder=None):
    """The evaluation spec of a unit and its validated outcome data (survey, incidents).

    Returns ``(spec, survey or None, incidents or None)``; every file read is declared to
    ``recorder``.
    """
    from ..analysis import outcomes

    track = recorder.use if recorder is not None else (lambda p: Path(p))
    spec = outcomes.read_spec(track(evaluation_file(unit_id, data)))
    survey = (
        outcomes.read_survey_outcomes(track(spec.resolve(spec.survey_file)))
        if spec.survey_file
        else None
    )
    incidents = (
        outcomes.read_incidents(track(spec.resolve(spec.incidents_file)))
        if spec.incidents_file
        else None
    )
    return spec, survey, incidents


def evaluation_file(unit_id: str, data: str | Path | None = None) -> Path:
    """The unit's impact-evaluation spec (declared in urbansec.toml or the default name)."""
    return workspace(data).input_path(
        "orpheus_evaluation", unit_id, "raw/orpheus/{unit}_evaluation.yaml"
    )


def has_evaluation(unit_id: str, data: str | Path | None = None) -> bool:
    """Whether the unit has an impact evaluation (spec file) to report on."""
    p = evaluation_file(unit_id, data)
    return p is not None and p.is_file()


def read_rollout(unit_id: str, data: str | Path | None = None, recorder=None):
    """The staggered-rollout panel of a unit whose evaluation declares ``design: staggered``.

    Returns ``(spec, rollout)``; ``rollout`` is ``None`` when the unit's evaluation declares
    no staggered design, and both are ``None`` when the unit has no evaluation file. Every
    file read is declared to ``recorder``.
    """
    from ..analysis import outcomes

    if not has_evaluation(unit_id, data):
        return None, None
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    spec = outcomes.read_spec(track(evaluation_file(unit_id, data)))
    if spec.design != "staggered":
        return spec, None
    return spec, outcomes.read_rollout(track(spec.resolve(spec.rollout_file)))


def all_effects(
    data: str | Path | None = None, units: list[str] | None = None, recorder=None
) -> pd.DataFrame:
    """Effect table of every unit's evaluated initiative (unit order as given); a unit whose
    evaluation inputs fail validation is left out and listed in ``attrs["skipped"]``."""
    from ..analysis import outcomes
    from ..core.errors import ValidationError

    units = units if units is not None else sorted(orpheus_files(data))
    frames = []
    skipped: dict[str, str] = {}
    for u in units:
        if not has_evaluation(u, data):
            continue
        try:
            spec, survey, incidents = read_evaluation(u, data)
        except ValidationError as exc:  # one unit's broken evaluation never hides the others
            skipped[f"{u}_evaluation"] = exc.redacted()
            if recorder is not None and hasattr(recorder, "skip"):
                recorder.skip(f"{u}_evaluation", exc.redacted())
            continue
        t = outcomes.evaluate(spec, survey, incidents).table()
        frames.append(t.assign(unit_id=u, initiative_id=spec.initiative_id))
    cols = [
        "unit_id",
        "initiative_id",
        "design",
        "estimate",
        "ci_low",
        "ci_high",
        "pvalue",
        "n",
        "msms_level",
        "scale",
    ]
    out = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    out.attrs["skipped"] = skipped
    return out


def unit_name(unit_id: str, data: str | Path | None = None) -> str:
    """A unit's name from the workspace's units, else the bundled reference units, else the
    NUTS table, else the code itself."""
    ws = workspace(data)
    try:
        units = ws.comparator_units()
        hit = units.loc[units["unit_id"] == unit_id, "name"]
        if len(hit):
            return str(hit.iloc[0])
        nuts = pd.read_csv(ws.public_file("nuts"), dtype=str)
        hit = nuts.loc[nuts["NUTS_ID"] == unit_id, "NAME_LATN"]
        if len(hit):
            return str(hit.iloc[0])
    except (OSError, KeyError):
        pass
    return unit_id


def unit_context(units: pd.DataFrame, data: str | Path | None = None) -> pd.DataFrame:
    """Numeric context features of each unit for peer grouping.

    log10 population (of the unit's NUTS 3 region), and the urban-rural type (1 urban,
    2 intermediate, 3 rural) and coastal flag of that NUTS 3 region from the GISCO NUTS
    2021 table.
    """
    from ..engine.peers import context_features
    from ..inputs import data as usdata

    nuts = usdata.read_nuts(workspace(data).public_file("nuts"))
    n3 = nuts.set_index("nuts_id")
    key = units["nuts3"].where(units["nuts3"].notna() & (units["nuts3"] != ""), units["unit_id"])
    u = units.assign(
        urban_type=pd.to_numeric(key.map(n3["urban_type"]), errors="coerce"),
        coastal=pd.to_numeric(key.map(n3["coast_type"]), errors="coerce")
        .isin([1, 2])
        .astype(float),
    )
    return context_features(u, numeric=["urban_type", "coastal"])


#: ICCS codes of Eurostat crim_gen_reg with readable labels.
ICCS_LABELS = {
    "ICCS0101": "intentional homicide",
    "ICCS02011": "assault",
    "ICCS0401": "robbery",
    "ICCS0501": "burglary",
    "ICCS05012": "burglary of private residential premises",
    "ICCS0502": "theft",
    "ICCS050211": "theft of a motorised land vehicle",
}


def region_crime(
    unit_id: str, data: str | Path | None = None, recorder=None, unit: str = "P_HTHAB"
) -> pd.DataFrame:
    """Police-recorded offences per 100,000 inhabitants (Eurostat ``crim_gen_reg``, real data)
    in the NUTS 3 region of a unit (the unit itself when it is a NUTS code, else the
    registry's ``nuts3``). Tidy: geo, year, offence, value. Empty when Eurostat has none
    (e.g. France is not in this extraction)."""
    from ..inputs import data as usdata

    ws = workspace(data)
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    geo = unit_id
    units = ws.comparator_units()
    hit = units.loc[units["unit_id"] == unit_id, "nuts3"].dropna()
    if len(hit) and hit.iloc[0]:
        geo = hit.iloc[0]
    tsv = usdata.read_eurostat_tsv(track(ws.public_file("crim_gen_reg")))
    sel = tsv[(tsv["geo"] == geo) & (tsv["unit"] == unit) & tsv["value"].notna()]
    return pd.DataFrame(
        {
            "geo": sel["geo"],
            "year": sel["time"].astype(int),
            "offence": sel["iccs"].map(ICCS_LABELS).fillna(sel["iccs"]),
            "value": sel["value"],
        }
    ).reset_index(drop=True)


def initiatives_without_impact(
    unit_id: str, data: str | Path | None = None, alpha: float = 0.05
) -> list[tuple[str, str]]:
    """The unit's evaluated initiative, as ``(id, name)``, when no design found an effect
    distinguishable from zero at ``alpha`` (Action 5's link from the pyramid study to the
    Collective Impact template). Empty when it had a measurable effect or was not evaluated.
    """
    from ..analysis import orpheus, outcomes

    if not has_evaluation(unit_id, data):
        return []
    spec, survey, incidents = read_evaluation(unit_id, data)
    tab = outcomes.evaluate(spec, survey, incidents).table()
    if (tab["pvalue"] < alpha).any():
        return []
    names = {}
    inv = orpheus_files(data).get(unit_id)
    if inv is not None:
        df = orpheus.read_inventory(inv, unit_id=unit_id)
        names = dict(zip(df["initiative_id"], df["name"]))
    return [(spec.initiative_id, names.get(spec.initiative_id, spec.initiative_id))]
