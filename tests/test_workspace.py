"""Study workspaces, declared studies and the checks before any notebook runs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from urbansec_lib import defaults, studies, workspace
from urbansec_lib.cli import main
from urbansec_lib.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
KEY = "workspace-test-key-0123456789abcdef"


@pytest.fixture()
def torun(tmp_path, monkeypatch):
    """A fresh workspace with Toruń (PL013C), the current folder inside it."""
    ws = workspace.init(tmp_path / "torun", name="Toruń")
    monkeypatch.chdir(ws.root)
    monkeypatch.delenv("URBANSEC_WORKSPACE", raising=False)
    monkeypatch.delenv("URBANSEC_HOME", raising=False)
    monkeypatch.delenv("URBANSEC_DATA", raising=False)
    monkeypatch.setenv("URBANSEC_PSEUDONYM_KEY", KEY)
    assert main(["unit", "add", "PL013C"]) == 0
    return workspace.load(ws.root)


def test_init_layout_config_and_find(tmp_path):
    ws = workspace.init(tmp_path / "a", seed=7, min_n=12)
    for sub in ("data/raw", "data/processed", "reports"):
        assert (ws.root / sub).is_dir()
    assert (ws.seed, ws.min_n, ws.demo, ws.comparators) == (7, 12, False, defaults.COMPARATORS)
    assert workspace.find(ws.root / "data" / "raw").root == ws.root
    with pytest.raises(ValidationError):
        workspace.init(ws.root)  # never overwrites a workspace
    with pytest.raises(ValidationError, match="urbansec init"):
        workspace.load(tmp_path)


def test_repository_is_the_demo_workspace():
    ws = workspace.load(ROOT)
    assert ws.demo and ws.units_file == ROOT / "data" / "raw" / "units.csv"
    assert ws.provenance_kind(ROOT / "data/raw/survey/ES001C_selfassessment_kobo.csv") == (
        "synthetic"
    )
    assert ws.provenance_kind(ROOT / "data/raw/orpheus/BE212_inventory.csv") == "illustrative"
    assert ws.provenance_kind(ROOT / "data/raw/orpheus/BE212_survey_outcomes.csv") == ("synthetic")
    assert ws.is_real(ROOT / "data/raw/public/eurostat_urb_percep/urb_percep.tsv")


def test_report_provenance_labels_follow_the_declaration(torun):
    from urbansec_lib import pipeline

    demo_inv = ROOT / "data/raw/orpheus/BE212_inventory.csv"
    assert pipeline.declared_provenance(demo_inv, ROOT / "data").startswith("Illustrative policy")
    assert pipeline.data_kind(ROOT / "data/raw/orpheus/ES300_rollout_areas.csv", ROOT / "data") == (
        "synthetic data"
    )
    own = torun.raw_dir / "orpheus" / "PL013C_inventory.csv"
    assert pipeline.declared_provenance(own, torun.data_dir) == "the unit's own file (real data)"
    assert pipeline.data_kind(own, torun.data_dir) == "real data"


def test_comparators_are_declared_and_never_demo_surveys(torun):
    units = torun.comparator_units()
    own = units[units["origin"] == "workspace"]
    ref = units[units["origin"] == "reference"]
    assert own["unit_id"].tolist() == ["PL013C"]
    bundled = {r["unit_id"] for r in csv.DictReader((ROOT / "data/raw/units.csv").open())}
    assert set(ref["unit_id"]) == bundled and not ref["pilot"].any()


def test_unit_add_refuses_wrong_code_and_writes_nothing(tmp_path, monkeypatch, capsys):
    ws = workspace.init(tmp_path / "b")
    monkeypatch.chdir(ws.root)
    assert main(["unit", "add", "PL011C", "--name", "Toruń"]) == 2
    err = capsys.readouterr().err
    assert "Białystok" in err and "PL013C" in err
    assert not ws.units_file.exists()
    assert main(["unit", "add", "../x"]) == 2
    assert main(["--workspace", str(ws.root), "unit", "add", "PL013C", "--name", "Toruń"]) == 0
    assert ws.units_file.read_text(encoding="utf-8").splitlines()[1].startswith("PL013C,Toruń")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "--unit", "XX999"], "not a unit of this workspace"),
        (["run", "--unit", "ES001C"], "ES001C is Madrid"),
        (["run", "--study", "ai_technologies", "--unit", "PL013C"], "partnership-wide"),
        (["run", "--study", "orpheus_impact", "--unit", "PL013C"], "inventory"),
        (["run", "--study", "collective_impact_swot", "--unit", "PL013C"], "Collective Impact"),
        (["run", "--unit", "../../etc"], "letters, digits"),
        (["run", "--study", "nope"], "unknown study"),
    ],
)
def test_bad_requests_exit_2_one_line_nothing_written(torun, capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1
    assert list(torun.reports_dir.iterdir()) == []


def test_declarations_match_the_notebooks():
    import papermill as pm

    common = {"unit_id", "data_dir", "seed", "results_path"}
    for name, decl in studies.DECLARED.items():
        nb = ROOT / "notebooks" / decl.notebook
        params = pm.inspect_notebook(str(nb))
        assert set(params) - common == set(decl.parameters), name
    from urbansec_lib import reports

    for name, decl in studies.DECLARED.items():  # the compatibility view is derived
        assert reports.STUDIES[name]["notebook"] == decl.notebook
        assert reports.STUDIES[name]["scope"] == decl.scope


def test_help_lists_studies_scope_and_default(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "city_self_assessment (default) [per unit]" in out
    assert "ai_technologies [partnership-wide]" in out
    with pytest.raises(SystemExit):
        main(["survey", "form", "--help"])
    assert "Languages on offer: en" in capsys.readouterr().out


def test_survey_form_per_unit(torun, capsys):
    from openpyxl import load_workbook

    from urbansec_lib import load_framework

    assert main(["survey", "form", "--unit", "PL013C", "--out", "forms"]) == 0
    files = {p.name for p in (torun.root / "forms").iterdir()}
    res = next(f for f in files if f.endswith("residents-xlsform.xlsx"))
    staff = next(f for f in files if f.endswith("staff-xlsform.xlsx"))

    def rows(name):
        sh = load_workbook(torun.root / "forms" / name)["survey"]
        head = [c.value for c in sh[1]]
        return [dict(zip(head, [c.value for c in r])) for r in sh.iter_rows(min_row=2)]

    r_rows, s_rows = rows(res), rows(staff)
    unit = next(q for q in r_rows if q["name"] == "unit")
    assert (unit["type"], unit["calculation"]) == ("calculate", "'PL013C'")
    staff_ids = {
        i.id
        for i in load_framework().survey_indicators()
        if i.source.get("respondent") == "city_staff"
    }
    assert staff_ids <= {q["name"] for q in s_rows}
    assert not staff_ids & {q["name"] for q in r_rows}
    role = next(q for q in s_rows if q["name"] == "respondent_role")
    assert role["calculation"] == "'city_staff'"
    assert main(["survey", "form", "--unit", "PL013C", "--language", "pl"]) == 2
    assert "no 'pl' translation" in capsys.readouterr().err
    assert main(["survey", "form", "--unit", "XX999"]) == 2


def test_survey_import_any_name_is_read_by_the_study(torun, tmp_path):
    import urbansec_lib as us

    fw = us.load_framework()
    from urbansec_lib.demo.survey import simulate_responses

    df = simulate_responses(fw, ["PL013C"], n=40, seed=1, areas={"PL013C": [("A1", "none")]})
    dl = tmp_path / "Downloads"
    export = dl / "export (final) 2025.csv"
    dl.mkdir()
    us.survey.write_kobo_export(df, fw, export)
    assert main(["survey", "import", str(export), "--unit", "PL013C"]) == 0
    assert (torun.processed_dir / "PL013C" / "responses.csv").is_file()
    assert list(dl.iterdir()) == [export]  # nothing written next to the export
    inputs = us.pipeline.load_inputs(torun.data_dir, fw)
    survey_ids = {i.id for i in fw.survey_indicators()}
    sv = inputs.indicators[inputs.indicators["indicator_id"].isin(survey_ids)]
    assert set(sv["unit_id"]) == {"PL013C"}  # no demo pilot's synthetic answers
    assert set(inputs.responses["unit_id"]) == {"PL013C"}
    # a public statistic keeps its own year: never relabelled as a survey period
    pub = inputs.indicators[~inputs.indicators["indicator_id"].isin(survey_ids)]
    own = pub[pub["unit_id"] == "PL013C"]
    assert len(own) and (own["source_period"] <= 2021).all()
    # change over time: like with like, public values carried forward do not enter
    prof = us.self_assessment.profile(inputs.indicators, fw)
    ch = us.self_assessment.latest_change(prof, "PL013C", fw, inputs.indicators)
    assert len(ch) and set(ch["years_from"]) == {"2023"} and set(ch["years_to"]) == {"2025"}
    fresh = inputs.indicators[inputs.indicators["unit_id"] == "PL013C"]
    waves = fresh.pivot_table(
        index="indicator_id", columns="period", values="source_period", aggfunc="first"
    )
    new = waves.index[(waves[2025] > waves[2023])]
    assert set(new) <= survey_ids
    by_dim = pd.Series([fw.dimension_of(i) for i in new]).value_counts()
    for r in ch.itertuples():
        assert r.n_indicators == by_dim[r.node_id]


def test_workspace_env_is_restored(torun):
    assert main(["--workspace", str(torun.root), "unit", "list"]) == 0
    assert "URBANSEC_WORKSPACE" not in os.environ
