"""Isolation in every study: one unit's broken input never stops the other units.

Each test copies the bundled raw data, plants ONE broken input for one unit and checks that
every other unit is still read (and, in the slow tests, that every other unit's report is
produced), that the broken file is listed (report results and ``summary.json``), and that
the broken unit's own run fails with the located error instead of a report without its
data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from urbansec_lib import pipeline, reports, training
from urbansec_lib.demo.survey import simulate_responses
from urbansec_lib.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "raw", d / "raw")
    return d


def _break_inventory(data: Path, unit: str = "ES300") -> str:
    p = data / "raw" / "orpheus" / f"{unit}_inventory.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[6] = "maybe"  # security_aim must be yes/no
    lines[2] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p.name


def _break_ci(data: Path, unit: str = "ES300") -> str:
    p = data / "raw" / "collective_impact" / f"{unit}_ci.xlsx"
    wb = load_workbook(p)
    wb["Conditions"]["E2"] = "7 - Beyond the scale"
    wb.save(p)
    return p.name


def _break_survey(data: Path, unit: str = "FI001C") -> str:
    p = next((data / "raw" / "survey").glob(f"{unit}_*.csv"))
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(unit, "XX999!", 1)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p.name


# ------------------------------------------------------------------ reader level (fast)
def test_orpheus_inventories_isolated(data):
    name = _break_inventory(data)
    got = pipeline.read_orpheus(data, unit_id="BE212")
    assert set(got["unit_id"]) == {"BE212", "FI1B1", "FRL03"}
    assert list(got.attrs["skipped"]) == [name]
    assert "row 3" in got.attrs["skipped"][name] and "maybe" not in got.attrs["skipped"][name]
    with pytest.raises(ValidationError, match="row 3"):
        pipeline.read_orpheus(data, unit_id="ES300")


def test_collective_impact_workbooks_isolated(data):
    name = _break_ci(data)
    rec = reports.Recorder(None)
    got = pipeline.read_collective_impact(data, recorder=rec, unit_id="BE212")
    assert list(got) == ["BE212", "FI1B1", "FRL03"]
    assert list(got.skipped) == [name] and list(rec.skipped) == [name]
    with pytest.raises(ValidationError):
        pipeline.read_collective_impact(data, unit_id="ES300")
    # partnership-wide view (no unit of its own): every valid workbook, the broken listed
    assert list(pipeline.read_collective_impact(data)) == ["BE212", "FI1B1", "FRL03"]


def test_self_assessment_survey_exports_isolated(data):
    name = _break_survey(data)
    rec = reports.Recorder(None)
    inputs = pipeline.load_inputs(data, recorder=rec)
    assert name in inputs.problems and name in rec.skipped
    assert "XX999!" not in inputs.problems[name]  # redacted: no cell values in reports
    survey_units = set(inputs.indicators.loc[inputs.indicators["source"] == "survey", "unit_id"])
    assert "FI001C" not in survey_units and {"ES001C", "LV001C"} <= survey_units
    pipeline.check_unit_inputs(inputs, "ES001C")
    with pytest.raises(ValidationError):
        pipeline.check_unit_inputs(inputs, "FI001C")


def test_evaluations_isolated(data):
    spec = data / "raw" / "orpheus" / "FI1B1_evaluation.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "first_post_wave: 2030\n", encoding="utf-8")
    eff = pipeline.all_effects(data)
    assert set(eff["unit_id"]) == {"BE212", "ES300", "FRL03"}
    assert list(eff.attrs["skipped"]) == ["FI1B1_evaluation"]


def test_trainings_isolated(data):
    ids = training.available_trainings(data)
    assert len(ids) >= 2
    p = data / "raw" / "training" / f"{ids[0]}_pre.csv"
    p.write_bytes(b"\x00\x01binary" * 20)
    rec = reports.Recorder(None)
    res = training.evaluate_all(data, recorder=rec)
    assert [r.training_id for r in res] == ids[1:]
    assert list(rec.skipped) == [ids[0]]


# ------------------------------------------------------------------ report level (slow)
def _run(study, units, data, tmp_path):
    return reports.run(
        study,
        units,
        jobs=1,
        parameters={"data_dir": str(data)},
        reports_dir=tmp_path / "reports",
        root=ROOT,
        progress=False,
    )


def _check(summary, broken_unit, name):
    table = summary.table.set_index("unit_id")
    others = [u for u in table.index if u != broken_unit]
    assert (table.loc[others, "status"] == "ok").all(), table[["status", "error"]]
    for u in others:
        assert Path(table.loc[u, "html"]).exists()
    assert table.loc[broken_unit, "status"] == "failed"
    doc = json.loads(Path(summary.path).read_text(encoding="utf-8"))
    assert name in doc["skipped_inputs"]
    html = Path(table.loc[others[0], "html"]).read_text(encoding="utf-8")
    assert name in html  # the report lists the input it left out


@pytest.mark.slow
def test_orpheus_study_reports_isolated(data, tmp_path):
    name = _break_inventory(data)
    units = ["BE212", "ES300", "FI1B1", "FRL03"]
    _check(_run("orpheus_impact", units, data, tmp_path), "ES300", name)


@pytest.mark.slow
def test_collective_impact_study_reports_isolated(data, tmp_path):
    name = _break_ci(data)
    units = ["BE212", "ES300", "FI1B1", "FRL03"]
    _check(_run("collective_impact_swot", units, data, tmp_path), "ES300", name)


@pytest.mark.slow
def test_self_assessment_study_reports_isolated(data, tmp_path):
    name = _break_survey(data)
    _check(_run("city_self_assessment", ["ES001C", "FI001C"], data, tmp_path), "FI001C", name)


# ------------------------------------------------------------------ disclosure control
def test_small_wave_withheld_everywhere(tmp_path):
    import pandas as pd

    from urbansec_lib import pilot, privacy, synthesis
    from urbansec_lib.framework import load_framework

    fw = load_framework()
    df = simulate_responses(fw, ["ES001C"], n=40, seed=1)
    small = df[df["wave"] == df["wave"].min()].head(3)  # a wave with 3 respondents
    big = df[df["wave"] == df["wave"].max()]
    resp = pd.concat([small, big], ignore_index=True)
    counts = pilot.response_counts(resp, min_n=10).set_index("wave")
    assert pd.isna(counts.loc[small["wave"].iloc[0], "respondents"])
    assert counts.loc[big["wave"].iloc[0], "respondents"] == len(big)
    # the scanner catches a count or a distribution that slipped through
    leaked = {
        "t": {"__frame__": True, "columns": ["wave", "respondents"], "data": [[2023, 3]]},
        "d": {
            "__frame__": True,
            "columns": ["group", "n", "q25", "median", "q75"],
            "data": [[1, 1, 50.0, 50.0, 50.0]],
        },
    }
    kinds = sorted(f.kind for f in privacy.scan_results(leaked))
    assert kinds == ["small_count", "small_distribution"]
    sc = pd.DataFrame(
        {
            "unit_id": list("ABCD"),
            "period": 1,
            "node_id": "d",
            "level": 1,
            "score": [10.0, 20.0, 30.0, 90.0],
        }
    )
    g = pd.Series([1, 1, 1, 2], index=list("ABCD"))
    dist = synthesis.group_distribution(sc, g, nodes=["d"]).set_index("group")
    assert dist.loc[2, "withheld"] and pd.isna(dist.loc[2, "median"])  # one unit: withheld
    assert privacy.scan_results({"x": reports._jsonable(dist.reset_index())}) == []


def test_load_inputs_withholds_survey_values_under_min_n(data):
    inputs = pipeline.load_inputs(data, min_n=10_000)  # every pilot wave is "too small"
    sv = inputs.raw_indicators[inputs.raw_indicators["source"] == "survey"]
    assert len(sv) and sv["value"].isna().all() and (sv["n"] > 0).all()
