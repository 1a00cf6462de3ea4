"""The `urbansec` command: exit codes and outputs."""

from __future__ import annotations

import pytest

from urbansec_lib.cli import main


def test_framework_show(capsys):
    assert main(["framework", "show"]) == 0
    out = capsys.readouterr().out
    assert "Sense of safety in public spaces" in out and "total" in out


def test_framework_invalid_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "fw.yaml"
    bad.write_text("framework: {id: x, name: y, version: '1'}\ndimensions: []\n")
    assert main(["framework", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "framework.version" in err and "dimensions" in err


def test_framework_coinr_export(tmp_path):
    assert main(["framework", "coinr", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "iMeta.csv").read_text()
    assert text.startswith("iCode,iName,Level")


def test_survey_form_writes_four_files(tmp_path):
    assert main(["survey", "form", "--out", str(tmp_path)]) == 0
    names = sorted(p.suffix for p in tmp_path.iterdir())
    assert names == [".csv", ".html", ".xlsx", ".xlsx"]


def test_ci_template(tmp_path):
    out = tmp_path / "BE212_ci.xlsx"
    assert (
        main(
            ["ci", "template", "--unit", "BE212", "--problem", "Youth nuisance", "--out", str(out)]
        )
        == 0
    )
    assert out.exists() and out.with_suffix(".md").exists() and out.with_suffix(".html").exists()
    assert "Youth nuisance" in out.with_suffix(".md").read_text()


def test_survey_import_refuses_without_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("URBANSEC_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("URBANSEC_KEY_FILE", str(tmp_path / "missing.key"))
    code = main(
        [
            "survey",
            "import",
            "data/raw/survey/ES001C_selfassessment_kobo.csv",
            "--unit",
            "ES001C",
            "--processed-dir",
            str(tmp_path / "p"),
        ]
    )
    assert code == 2
    assert "key" in capsys.readouterr().err.lower()
    assert not (tmp_path / "p").exists()


def test_survey_import_with_key(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANSEC_PSEUDONYM_KEY", "test-key-not-secret")
    code = main(
        [
            "survey",
            "import",
            "data/raw/survey/ES001C_selfassessment_kobo.csv",
            "--unit",
            "ES001C",
            "--processed-dir",
            str(tmp_path / "p"),
        ]
    )
    assert code == 0
    assert (tmp_path / "p" / "ES001C" / "responses.csv").exists()
    assert (tmp_path / "p" / "ES001C" / "manifest.json").exists()


@pytest.mark.parametrize("argv", [["run", "--study", "nope", "--units", "X"]])
def test_unknown_study_is_a_clear_error(argv, capsys):
    assert main(argv) == 2
    assert "unknown study" in capsys.readouterr().err


def test_framework_and_data_to_coinr_round_trip(tmp_path):
    from urbansec_lib import coinr

    assert main(["framework", "coinr", "--with-data", "--out", str(tmp_path)]) == 0
    data, fw, _ = coinr.read_coinr(tmp_path / "iData.csv", tmp_path / "iMeta.csv")
    assert len(fw.indicators) == 53
    assert {"ES001C", "BE212"} <= set(data["unit_id"])
