"""Pipeline: period alignment, study units, and a broken unit that fails alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from urbansec_lib import pipeline, reports, studies
from urbansec_lib.demo import outcomes as demo_outcomes

ROOT = Path(__file__).resolve().parent.parent


def test_align_periods_by_hand():
    d = pd.DataFrame(
        {
            "unit_id": ["A", "A", "A", "B", "B"],
            "indicator_id": ["x", "x", "y", "x", "x"],
            "period": [2015, 2019, 2024, 2010, 2026],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    out = pipeline.align_periods(d, [2023, 2025], max_lag=6)
    got = {
        (r.unit_id, r.indicator_id, r.period): (r.value, r.source_period) for r in out.itertuples()
    }
    # A.x: 2019 is the latest <= 2023 (and <= 2025, within 6); B.x 2010 is too old;
    # B.x 2026 is after both reference periods; A.y 2024 only counts for 2025.
    assert got == {
        ("A", "x", 2023): (2.0, 2019),
        ("A", "x", 2025): (2.0, 2019),
        ("A", "y", 2025): (3.0, 2024),
    }


def test_study_units_of_the_demo():
    assert studies.study_units("orpheus_impact", ROOT / "data") == [
        "BE212",
        "ES300",
        "FI1B1",
        "FRL03",
    ]
    pilots = studies.study_units("city_self_assessment", ROOT / "data")
    assert {"ES001C", "BE212", "FRL03"} <= set(pilots)
    assert studies.study_units("existing_indices", ROOT / "data") == ["EU"]


def test_load_inputs_skips_a_broken_export_and_names_it(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw" / "public", raw / "public")
    shutil.copy(ROOT / "data" / "raw" / "units.csv", raw / "units.csv")
    (raw / "survey").mkdir()
    for p in (ROOT / "data" / "raw" / "survey").glob("*_kobo.csv"):
        shutil.copy(p, raw / "survey" / p.name)
    bad = raw / "survey" / "LV001C_selfassessment_kobo.csv"
    bad.write_bytes(b"this is not a survey export\x00\x01")
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    inputs = pipeline.load_inputs(tmp_path)
    assert list(inputs.problems) == ["LV001C_selfassessment_kobo.csv"]
    assert "LV001C_selfassessment_kobo.csv" in inputs.problems["LV001C_selfassessment_kobo.csv"]
    assert inputs.indicators["unit_id"].isin(["ES001C"]).any()
    # respondent-level answers come along for the pilot checks, without respondent ids
    assert "respondent" not in inputs.responses and len(inputs.responses) > 100
    assert "LV001C" not in set(inputs.responses["unit_id"])
    with pytest.raises(Exception) as e:
        pipeline.check_unit_inputs(inputs, "LV001C")
    assert "LV001C_selfassessment_kobo.csv" in str(e.value)
    pipeline.check_unit_inputs(inputs, "ES001C")  # others unaffected
    # raw data never written
    assert before == {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_batch_with_a_deliberately_broken_unit(tmp_path):
    """`urbansec run --units all` on the demo with one broken export: that unit fails
    alone, with the file, row and column in its summary entry."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    bad = raw / "survey" / "LV001C_selfassessment_kobo.csv"
    lines = bad.read_text(encoding="utf-8-sig").splitlines()
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    header = lines[0].split(sep)
    col = next(i for i, h in enumerate(header) if h.endswith("sos_safe_walk_after_dark"))
    cells = lines[3].split(sep)
    cells[col] = "9"
    lines[3] = sep.join(cells)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = ["ES001C", "LV001C", "BE212"]
    s = reports.run(
        "city_self_assessment",
        units,
        jobs=2,
        parameters={"data_dir": str(tmp_path)},
        reports_dir=tmp_path / "reports",
        root=ROOT,
        progress=False,
    )
    assert s.failed == ["LV001C"]
    doc = json.loads(s.path.read_text())
    err = next(r["error"] for r in doc["results"] if r["unit_id"] == "LV001C")
    assert err["exception"] == "ValidationError"
    assert "LV001C_selfassessment_kobo.csv" in err["message"] and "row 4" in err["message"]
    assert "sos_safe_walk_after_dark" in err["message"]
    # retry only the failed one
    study, failed = reports.failed_units(s.run_id, tmp_path / "reports")
    assert (study, failed) == ("city_self_assessment", ["LV001C"])


def test_region_crime_maps_city_to_its_nuts3_region():
    # published check (PROVENANCE of crim_gen_reg): Berlin DE300 homicides 2016-2019
    c = pipeline.region_crime("DE001C", ROOT / "data", unit="NR")
    hom = c[c["offence"] == "intentional homicide"].set_index("year")["value"]
    assert c["geo"].unique().tolist() == ["DE300"]
    assert hom.loc[2016:2019].tolist() == [47, 45, 36, 44]
    assert pipeline.region_crime("FRL03", ROOT / "data").empty  # France not in the extraction


def test_initiatives_without_impact_link_pyramid_to_collective_impact(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw" / "orpheus", raw / "orpheus")
    shutil.copy(ROOT / "data" / "raw" / "units.csv", raw / "units.csv")
    # demo ES300's initiative shows a measurable effect (ITS): it is not listed
    assert pipeline.initiatives_without_impact("ES300", tmp_path) == []
    # replace FI1B1's outcomes by data with no effect at all
    demo_outcomes.simulate_survey(
        n_areas=6, n_per_area=40, waves=(2021, 2023, 2025), effect=0.0, first_post_wave=2024, seed=5
    ).to_csv(raw / "orpheus" / "FI1B1_survey_outcomes.csv", index=False)
    demo_outcomes.simulate_incidents(
        intervention="2023-03", level_change=1.0, displacement=1.0, base_rate=5, seed=6
    ).to_csv(raw / "orpheus" / "FI1B1_incidents_monthly.csv", index=False)
    found = pipeline.initiatives_without_impact("FI1B1", tmp_path)
    assert found == [("HEL-10", "Night-time street work")]
    assert pipeline.initiatives_without_impact("XX000", tmp_path) == []


def test_dataset_provenance_follows_the_workspace_declaration():
    """The survey's provenance row is the workspace's declaration, never a fixed label."""
    from types import SimpleNamespace

    from urbansec_lib import self_assessment

    ind = pd.DataFrame(
        {
            "unit_id": ["A", "A"],
            "indicator_id": ["x", "y"],
            "period": [2023, 2025],
            "value": [1.0, 2.0],
            "source": ["survey (n=80)", "survey (n=80)"],
        }
    )
    demo = SimpleNamespace(
        indicators=ind,
        survey_provenance={"A": "synthetic self-assessment answers (seeded generator)"},
    )
    (row,) = self_assessment.datasets(demo)
    assert row["year"] == "2023-2025" and row["provenance"].startswith("Synthetic")
    real = SimpleNamespace(indicators=ind, survey_provenance={"A": "real"})
    (row,) = self_assessment.datasets(real)
    assert "real data" in row["provenance"] and "ynthetic" not in row["provenance"]
