"""The outcome series of an evaluation, read and validated: respondent-level survey
outcomes, monthly incident counts, staggered-rollout panels, and the evaluation's YAML
specification; every problem located by file, spreadsheet row and column.

Example
-------
>>> from pathlib import Path
>>> import urbansec_lib
>>> raw = Path(urbansec_lib.__file__).parents[1] / "data" / "raw" / "orpheus"
>>> spec = read_spec(sorted(raw.glob("*_evaluation.yaml"))[0])
>>> type(spec).__name__
'EvaluationSpec'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import Column, TableSchema, check_keys, read_yaml_mapping

AREA_TYPES = ("intervention", "comparison")
AREA_ROLES = ("treated", "control", "buffer", "buffer_control")
SAFE_LEVELS = (3, 4)
#: Extra evaluation designs a spec may declare ("" = the default survey / incident designs).
DESIGNS = ("", "staggered")
ROLLOUT_COLUMNS = ("area", "year", "first_year", "population", "incidents", "incidents_per_1000")


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a small table as strings through the one reader (:mod:`urbansec_lib.ingest`):
    CSV/TSV/XLSX, encoding and delimiter sniffed, bounded; ``attrs["source_row"]`` holds the
    spreadsheet row of each row."""
    from ..core.ingest import read_table

    df = read_table(path, label=str(path)).frame()
    df.columns = [c.strip() for c in df.columns]
    return df


def _need_columns(df: pd.DataFrame, cols: list[str], file: str) -> list[Problem]:
    return [Problem(file, 1, c, None, "this column in the header") for c in cols if c not in df]


def _int_col(df, col, file, lo=None, hi=None, problems=None, allowed=None) -> pd.Series:
    s = df[col].str.strip()
    v = pd.to_numeric(s, errors="coerce")
    bad = v.isna() | (v != v.round())
    if lo is not None:
        bad |= v < lo
    if hi is not None:
        bad |= v > hi
    if allowed is not None:
        bad |= ~v.isin(allowed)
    rng = (
        f" in {lo}..{hi}"
        if lo is not None and hi is not None
        else (f" >= {lo}" if lo is not None else "")
    )
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(Problem(file, int(i) + 2, col, s.iloc[i] or None, f"a whole number{rng}"))
    return v


def read_survey_outcomes(path: str | Path, outcome: str = "feel_safe") -> pd.DataFrame:
    """Read and validate respondent-level survey outcomes (see module docs).

    Raises
    ------
    ValidationError
        Listing every problem with file, row (header = row 1) and column.

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> s = read_survey_outcomes(raw / "BE212_survey_outcomes.csv")
    >>> list(s.columns), len(s)
    (['area', 'area_type', 'wave', 'feel_safe'], 1260)
    >>> sorted(s["wave"].unique().tolist())
    [2021, 2023, 2025]
    """
    path = Path(path)
    df = _read_csv(path)
    file = str(path)
    schema = TableSchema(
        "survey outcomes",
        [
            Column("area", expected="an area code"),
            Column(
                "area_type", "choice", choices=AREA_TYPES, expected="intervention or comparison"
            ),
            Column("wave", "int", low=1990, high=2100),
            Column(outcome, "int", low=1, high=4),
            Column("weight", "float", required=False, gt=0),
        ],
        extra="keep",
    )
    t = schema.validate(df, file)
    out = pd.DataFrame(
        {"area": t["area"], "area_type": t["area_type"], "wave": t["wave"], outcome: t[outcome]}
    )
    if "weight" in t:
        out["weight"] = t["weight"]
    out["wave"] = out["wave"].astype(int)
    out[outcome] = out[outcome].astype(int)
    return out.reset_index(drop=True)


def read_incidents(path: str | Path) -> pd.DataFrame:
    """Read and validate monthly incident counts per area role (see module docs).

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> i = read_incidents(raw / "BE212_incidents_monthly.csv")
    >>> list(i.columns), len(i)
    (['month', 'area', 'count', 'population'], 240)
    >>> sorted(i["area"].unique())
    ['buffer', 'buffer_control', 'control', 'treated']
    """
    path = Path(path)
    df = _read_csv(path)
    file = str(path)
    schema = TableSchema(
        "incidents",
        [
            Column("month", "date", fmt="%Y-%m"),
            Column("area", "choice", choices=AREA_ROLES),
            Column("count", "int", low=0),
            Column("population", "float", gt=0),
        ],
        extra="keep",
    )
    t = schema.validate(df, file, raise_=False)
    problems = list(schema.problems)
    month, area, count, pop = t["month"], t["area"], t["count"], t["population"]
    out = pd.DataFrame({"month": month, "area": area, "count": count, "population": pop})
    dup = out.duplicated(["month", "area"], keep="first") & month.notna() & area.notna()
    rows = t.attrs["source_row"]
    for i in np.flatnonzero(dup.to_numpy()):
        problems.append(
            Problem(file, int(rows[i]), "month", df["month"].iloc[i], "one row per month and area")
        )
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")), file)
    out["count"] = out["count"].astype(int)
    return out.sort_values(["area", "month"]).reset_index(drop=True)


def read_rollout(path: str | Path) -> pd.DataFrame:
    """Read and validate a staggered-rollout panel (one row per area and year).

    Long because: one validation pass, every problem located, kept in the order of the file,
    plus the docstring and its example.

    Columns: ``area``, ``year``, ``first_year`` (year the area adopted the initiative; 0 or
    blank = never), ``population``, ``incidents`` (count) and ``incidents_per_1000``. The
    adoption year must be the same in every row of an area, and each area and year appear
    once.

    Raises
    ------
    ValidationError
        Listing every problem with file, row (header = row 1) and column.

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> r = read_rollout(raw / "ES300_rollout_areas.csv")
    >>> list(r.columns) == list(ROLLOUT_COLUMNS)
    True
    >>> int((r["first_year"] == 0).groupby(r["area"]).first().sum()) > 0  # never-adopters
    True
    """
    path = Path(path)
    df = _read_csv(path)
    file = str(path)
    problems = _need_columns(df, list(ROLLOUT_COLUMNS), file)
    if problems:
        raise ValidationError(problems, file)
    area = df["area"].str.strip()
    for i in np.flatnonzero((area == "").to_numpy()):
        problems.append(Problem(file, int(i) + 2, "area", None, "an area code"))
    year = _int_col(df, "year", file, lo=1990, hi=2100, problems=problems)
    first = df["first_year"].str.strip().replace("", "0")
    first_v = pd.to_numeric(first, errors="coerce")
    bad = first_v.isna() | (first_v != first_v.round()) | ((first_v != 0) & (first_v < 1990))
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                file,
                int(i) + 2,
                "first_year",
                df["first_year"].iloc[i] or None,
                "the adoption year, or 0 / blank for never",
            )
        )
    count = _int_col(df, "incidents", file, lo=0, problems=problems)
    for col in ("population", "incidents_per_1000"):
        v = pd.to_numeric(df[col], errors="coerce")
        lo_bad = (v <= 0) if col == "population" else (v < 0)
        for i in np.flatnonzero((v.isna() | lo_bad).to_numpy()):
            what = "a positive number" if col == "population" else "a number >= 0"
            problems.append(Problem(file, int(i) + 2, col, df[col].iloc[i] or None, what))
    out = pd.DataFrame(
        {
            "area": area,
            "year": year,
            "first_year": first_v,
            "population": pd.to_numeric(df["population"], errors="coerce"),
            "incidents": count,
            "incidents_per_1000": pd.to_numeric(df["incidents_per_1000"], errors="coerce"),
        }
    )
    dup = out.duplicated(["area", "year"], keep="first") & out["year"].notna()
    for i in np.flatnonzero(dup.to_numpy()):
        problems.append(
            Problem(file, int(i) + 2, "year", df["year"].iloc[i], "one row per area and year")
        )
    varies = out.groupby("area")["first_year"].transform("nunique") > 1
    for i in np.flatnonzero(varies.to_numpy()):
        problems.append(
            Problem(
                file,
                int(i) + 2,
                "first_year",
                df["first_year"].iloc[i] or None,
                "the same adoption year in every row of the area",
            )
        )
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")), file)
    for c in ("year", "first_year", "incidents"):
        out[c] = out[c].astype(int)
    return out.sort_values(["area", "year"]).reset_index(drop=True)


@dataclass(frozen=True)
class EvaluationSpec:
    """Which initiative is evaluated, from when, with which outcome files.

    Examples
    --------
    >>> spec = EvaluationSpec("BE212", "MEC-05", "2023-01", 2024, "s.csv", None, path="/d/e.yaml")
    >>> spec.resolve(spec.survey_file).name, spec.resolve(spec.incidents_file)
    ('s.csv', None)
    """

    unit_id: str
    initiative_id: str
    start_month: str
    first_post_wave: int
    survey_file: str | None
    incidents_file: str | None
    note: str = ""
    path: str = ""
    design: str = ""
    rollout_file: str | None = None

    def resolve(self, name: str | None) -> Path | None:
        return None if not name else Path(self.path).parent / name


def data_needed_text(unit_name: str) -> str:
    """What data would let the impact of an initiative be measured (for a report that has
    a policy inventory but no evaluation yet).

    Example
    -------
    >>> "comparison areas" in data_needed_text("Torun")
    True
    """
    return (
        f"**No impact evaluation for {unit_name} yet.** The pyramid above maps the policies; "
        "measuring one initiative's impact needs an evaluation spec "
        "(`data/raw/orpheus/<unit>_evaluation.yaml`) "
        "with at least one of: (1) an outcome survey in intervention and comparison areas, "
        "before and after the start (difference-in-differences on the share feeling safe); "
        "(2) monthly recorded incidents in the treated area, a control area and a "
        "displacement buffer, for a year or more before and after (interrupted time series, "
        "weighted displacement difference). The table below helps size such a survey."
    )


def read_spec(path: str | Path) -> EvaluationSpec:
    """Read an evaluation spec YAML (unit_id, initiative_id, start_month, first_post_wave,
    survey_file, incidents_file, note) with located errors.

    Examples
    --------
    >>> raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"  # the demo
    >>> spec = read_spec(raw / "BE212_evaluation.yaml")
    >>> spec.unit_id, spec.initiative_id, spec.start_month, spec.first_post_wave
    ('BE212', 'MEC-05', '2023-01', 2024)
    >>> spec.resolve(spec.survey_file).name
    'BE212_survey_outcomes.csv'
    """
    path = Path(path)
    file = str(path)
    doc = read_yaml_mapping(path, file)
    problems: list[Problem] = []
    check_keys(
        doc,
        (
            "unit_id",
            "initiative_id",
            "start_month",
            "first_post_wave",
            "survey_file",
            "incidents_file",
            "note",
            "design",
            "rollout_file",
            "synthetic_control",  # read by urbansec_lib.synth_study
        ),
        "spec",
        lambda where, v, exp: problems.append(Problem(file, None, where.split(".", 1)[1], v, exp)),
    )
    for key in ("unit_id", "initiative_id", "start_month", "first_post_wave"):
        if not doc.get(key):
            problems.append(Problem(file, None, key, doc.get(key), "a value"))
    if doc.get("start_month") and pd.isna(
        pd.to_datetime(str(doc["start_month"]), format="%Y-%m", errors="coerce")
    ):
        problems.append(
            Problem(file, None, "start_month", doc["start_month"], "a month as YYYY-MM")
        )
    if not (doc.get("survey_file") or doc.get("incidents_file")):
        problems.append(
            Problem(file, None, "survey_file", None, "survey_file and/or incidents_file")
        )
    design = str(doc.get("design") or "")
    if design not in DESIGNS:
        problems.append(Problem(file, None, "design", design, "one of " + ", ".join(DESIGNS[1:])))
    if design == "staggered" and not doc.get("rollout_file"):
        problems.append(
            Problem(file, None, "rollout_file", None, "a rollout panel file (design: staggered)")
        )
    if problems:
        raise ValidationError(problems, file)
    return EvaluationSpec(
        unit_id=str(doc["unit_id"]),
        initiative_id=str(doc["initiative_id"]),
        start_month=str(doc["start_month"]),
        first_post_wave=int(doc["first_post_wave"]),
        survey_file=doc.get("survey_file"),
        incidents_file=doc.get("incidents_file"),
        note=str(doc.get("note", "")),
        path=file,
        design=design,
        rollout_file=doc.get("rollout_file"),
    )
