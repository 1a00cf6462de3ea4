"""The study's inputs: the data folders, and raw inputs read into tidy indicator data.

* :func:`data_dir`, :func:`raw_dir`, :func:`processed_dir`, :func:`workspace`: where a
  study reads (``raw``, never written by code) and writes (``processed``).
* :func:`load_inputs` reads the unit registry, the public statistics (Eurostat
  ``crim_gen_reg`` and ``urb_percep``) and every pilot survey export, and returns tidy
  indicator values (``unit_id, indicator_id, period, value, source[, n]``) aligned on the
  survey waves (:func:`align_periods`), plus the list of raw files used.
* :func:`demo_copy`: a small copy of the bundled demo (a few units) for examples and tests.

Example
-------
>>> inputs = load_inputs(demo_copy())
>>> inputs.indicators.columns.tolist()
['unit_id', 'indicator_id', 'period', 'value', 'source', 'n', 'source_period']
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.defaults import MIN_N
from ..model.framework import Framework, load_framework

__all__ = [
    "StudyInputs",
    "load_inputs",
    "align_periods",
    "data_dir",
    "raw_dir",
    "processed_dir",
    "workspace",
    "survey_exports",
    "check_unit_inputs",
    "demo_copy",
]

#: Columns of the (empty) respondent-level answers when no survey was read.
_ANSWER_COLUMNS = ["unit_id", "area", "wave", "area_type", "respondent_role"]


def data_dir(path: str | Path | None = None) -> Path:
    """The data folder: ``path``, ``$URBANSEC_DATA`` or the current workspace's data folder.

    Examples
    --------
    >>> data_dir("/tmp/study/data").as_posix()
    '/tmp/study/data'
    """
    if path:
        return Path(path).resolve()
    if os.environ.get("URBANSEC_DATA"):
        return Path(os.environ["URBANSEC_DATA"]).resolve()
    from ..inputs.workspace import current

    return current().data_dir


def workspace(data: str | Path | None = None):
    """The :class:`~urbansec_lib.workspace.Workspace` of a data folder (default: the
    current workspace's): its units, comparators, public data and provenance.

    Examples
    --------
    >>> ws = workspace(demo_copy())
    >>> ws.demo, ws.unit_ids()
    (True, ['AT001C', 'ES001C'])
    """
    from ..inputs.workspace import for_data_dir

    return for_data_dir(data_dir(data))


def raw_dir(path: str | Path | None = None) -> Path:
    """``<data>/raw``: inputs exactly as received, never written by code.

    Examples
    --------
    >>> raw_dir("/tmp/study/data").as_posix()
    '/tmp/study/data/raw'
    """
    return data_dir(path) / "raw"


def processed_dir(path: str | Path | None = None) -> Path:
    """``<data>/processed``: everything derived, rebuildable from raw.

    Examples
    --------
    >>> processed_dir("/tmp/study/data").as_posix()
    '/tmp/study/data/processed'
    """
    return data_dir(path) / "processed"


@functools.lru_cache(maxsize=8)
def demo_copy(units: tuple[str, ...] = ("AT001C", "ES001C")) -> Path:
    """A small study workspace: the bundled demo reduced to a few ``units``, in a new
    temporary folder; returns its data folder (made once per set of units and process).

    The units' rows of the registry, their survey exports and only their rows of the
    public statistics are copied (the public files' other contents as they are), so that
    examples and tests read a real workspace in well under a second. The workspace declares
    the demo's provenance (:data:`urbansec_lib.workspace.DEMO_PROVENANCE`), as the demo does.

    Examples
    --------
    >>> d = demo_copy(("ES001C",))
    >>> sorted(p.name for p in (d / "raw").iterdir())
    ['public', 'survey', 'units.csv']
    >>> (d.parent / "urbansec.toml").is_file()
    True
    >>> [p.name for p in (d / "raw" / "survey").iterdir()]
    ['ES001C_selfassessment_kobo.csv']
    """
    import shutil
    import tempfile

    from ..core.defaults import RAW_DIR
    from ..inputs.workspace import DEMO_PROVENANCE, bundled_raw_dir, init

    ws = init(
        tempfile.mkdtemp(prefix="urbansec-demo-"),
        name="urbansec demo, a few units (synthetic and illustrative data)",
        units_file=f"{RAW_DIR}/units.csv",
        demo=True,
        comparators="workspace",
        provenance=DEMO_PROVENANCE,
    )
    src, raw = bundled_raw_dir(), ws.raw_dir
    reg = pd.read_csv(src / "units.csv", dtype=str, keep_default_na=False)
    reg = reg[reg["unit_id"].isin(units)]
    reg.to_csv(raw / "units.csv", index=False)
    geos = set(reg["unit_id"]) | set(reg["nuts3"])
    (raw / "public").mkdir(exist_ok=True)
    for f in sorted((src / "public").rglob("*")):
        dst = raw / "public" / f.relative_to(src / "public")
        if f.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        elif f.suffix == ".tsv":  # Eurostat: the geo code ends the first cell
            head, *rows = f.read_text(encoding="utf-8").splitlines(keepends=True)
            keep = [r for r in rows if r.split("\t", 1)[0].rsplit(",", 1)[-1] in geos]
            dst.write_text(head + "".join(keep), encoding="utf-8")
        else:
            shutil.copy(f, dst)
    (raw / "survey").mkdir(exist_ok=True)
    for f in sorted((src / "survey").glob("*_*.csv")):
        if f.name.split("_")[0] in units:
            shutil.copy(f, raw / "survey" / f.name)
    return ws.data_dir


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

    Examples
    --------
    >>> units = pd.DataFrame({"unit_id": ["A"], "name": ["Alpha"]})
    >>> ind = pd.DataFrame({"unit_id": ["A"], "indicator_id": ["x"], "period": [2023],
    ...                     "value": [1.0], "source": ["survey"], "n": [40]})
    >>> inputs = StudyInputs(units, ind)
    >>> inputs.problems, inputs.responses.empty
    ({}, True)
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

    Examples
    --------
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
    """Pilot survey exports in ``raw/survey``: unit id -> file (``<unit>_*.csv|xlsx``).

    Examples
    --------
    >>> {u: p.name for u, p in survey_exports(raw_dir(demo_copy())).items()}
    {'AT001C': 'AT001C_selfassessment_kobo.csv', 'ES001C': 'ES001C_selfassessment_kobo.csv'}
    """
    folder = raw / "survey"
    out: dict[str, Path] = {}
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() in (".csv", ".xlsx") and "_" in p.name:
                out.setdefault(p.name.split("_")[0], p)
    return out


@dataclass
class _SurveyRead:
    """What :func:`_read_surveys` read: aggregates, answers, provenance and failures."""

    frames: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    provenance: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def _read_surveys(ws, fw: Framework, track, recorder, skip_units, units: pd.DataFrame):
    """Every survey of the workspace's own units: the demo's raw exports (named
    ``<unit>_*.csv``), then the surveys imported with ``urbansec survey import``."""
    from ..core.errors import ValidationError
    from ..inputs import survey

    got = _SurveyRead()
    valid_units = set(units["unit_id"])
    own_units = set(units.loc[units["origin"] == "workspace", "unit_id"])
    read: set[str] = set()
    for unit, path in (survey_exports(ws.raw_dir) if ws.demo else {}).items():
        if unit in skip_units or unit not in own_units:
            continue
        try:
            resp = survey.read_responses(track(path), fw, unit_id=unit, units=valid_units)
            got.frames.append(survey.aggregate(resp.data, fw))
            # respondent ids are not needed downstream: never carried along
            got.answers.append(resp.data.drop(columns=["respondent"], errors="ignore"))
            read.add(unit)
            got.provenance[unit] = ws.provenance_of(path)
        except ValidationError as exc:
            got.problems[path.name] = exc.redacted()  # shown in reports: no cell values
            got.errors[path.name] = exc
            if recorder is not None and hasattr(recorder, "skip") and unit not in skip_units:
                recorder.skip(path.name, exc.redacted())
    for unit, folder in ws.survey_imports().items():
        if unit in skip_units or unit in read or unit not in own_units:
            continue
        resp = survey._typed(
            pd.read_csv(track(folder / "responses.csv"), dtype=str, keep_default_na=False), fw
        )
        got.frames.append(survey.aggregate(resp, fw))
        got.answers.append(resp.drop(columns=["respondent", "source_file"], errors="ignore"))
        got.provenance[unit] = ws.provenance_of(folder / "responses.csv")
    return got


def _withhold_small(raw_ind: pd.DataFrame, min_n: int) -> None:
    """Disclosure control before anything is scored: a survey value over fewer than
    ``min_n`` respondents is withheld in place (its n is kept, so tables can say "n<min_n")."""
    n_resp = pd.to_numeric(raw_ind["n"], errors="coerce")
    small = raw_ind["source"].astype(str).str.startswith("survey") & (n_resp < min_n).fillna(False)
    raw_ind.loc[small.to_numpy(), "value"] = float("nan")


def _survey_waves(raw_ind: pd.DataFrame, fw: Framework) -> tuple[int, ...]:
    """The survey waves (the default reference periods), else the latest period."""
    survey_ids = {i.id for i in fw.survey_indicators()}
    waves = raw_ind.loc[raw_ind["indicator_id"].isin(survey_ids), "period"].dropna()
    return tuple(sorted(int(w) for w in waves.unique())) or (int(raw_ind["period"].max()),)


def load_inputs(
    data: str | Path | None = None,
    fw: Framework | None = None,
    recorder=None,
    skip_units: tuple[str, ...] = (),
    periods: tuple[int, ...] | None = None,
    max_lag: int = 6,
    min_n: int = MIN_N,
) -> StudyInputs:
    """Read every raw input of the self-assessment study into tidy indicator data.

    Indicators are aligned on reference ``periods`` (default: the survey waves) with
    :func:`align_periods`; the unaligned values are kept in ``raw_indicators``. A survey
    export that fails validation is reported in ``problems`` and left out; it never stops
    the other units. Survey indicator values over fewer than ``min_n`` respondents are
    withheld (missing) before anything is scored, so no published score rests on them.

    Examples
    --------
    >>> inputs = load_inputs(demo_copy())
    >>> sorted(inputs.indicators["period"].unique().tolist()), inputs.problems
    ([2023, 2025], {})
    >>> inputs.sources
    ['Eurostat crim_gen_reg', 'Eurostat urb_percep', 'survey']
    """
    from ..inputs import data as usdata

    fw = fw or load_framework()
    ws = workspace(data)
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
    surveys = _read_surveys(ws, fw, track, recorder, skip_units, units)
    frames = [public.assign(n=pd.NA)] if "n" not in public else [public]
    raw_ind = pd.concat(frames + surveys.frames, ignore_index=True)
    raw_ind = raw_ind[["unit_id", "indicator_id", "period", "value", "source", "n"]]
    _withhold_small(raw_ind, min_n)
    if periods is None:
        periods = _survey_waves(raw_ind, fw)
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
        problems=surveys.problems,
        sources=sources,
        raw_indicators=raw_ind,
        errors=surveys.errors,
        survey_provenance=surveys.provenance,
        responses=(
            pd.concat(surveys.answers, ignore_index=True)
            if surveys.answers
            else pd.DataFrame(columns=_ANSWER_COLUMNS)
        ),
        public=public_frames,
    )


def check_unit_inputs(inputs: StudyInputs, unit_id: str) -> None:
    """Raise the located validation error of the unit's own survey export, if it failed.

    Other units' broken exports are only reported (their report says so); a unit whose own
    export is broken must not get a report that silently lacks its survey data.

    Examples
    --------
    >>> from urbansec_lib.core.errors import Problem, ValidationError
    >>> bad = ValidationError([Problem("LV001C_kobo.csv", 4, "q1", "9", "1-5")])
    >>> inputs = StudyInputs(pd.DataFrame(), pd.DataFrame(), errors={"LV001C_kobo.csv": bad})
    >>> check_unit_inputs(inputs, "ES001C")  # another unit's export: no error
    >>> try:
    ...     check_unit_inputs(inputs, "LV001C")
    ... except ValidationError as e:
    ...     print(e.problems[0])
    LV001C_kobo.csv, row 4, column 'q1': got '(withheld)', expected 1-5
    """
    for name, exc in inputs.errors.items():
        if name.split("_")[0] == unit_id:
            # the message goes to the report folder and run summary: no cell values
            raise exc.without_values() from None
