"""Tests for urbansec_lib.instruments (YAML instruments -> XLSForm / template; Kobo exports in)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from urbansec_lib import instruments as ins
from urbansec_lib.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "actions_bad"
RAW = ROOT / "data" / "raw"
KEY = b"0123456789abcdef0123456789abcdef"


def problems(exc: pytest.ExceptionInfo) -> set[tuple]:
    return {(p.row, p.column) for p in exc.value.problems}


def test_packaged_instruments_load():
    assert ins.available() == ["ai_technologies", "good_practice", "training_pre_post"]
    gp = ins.load_instrument("good_practice")
    assert gp.stamp == "good_practice-1.0.0"
    assert gp.question("measures").type == "select_multiple"
    assert gp.codes("location_type") == ["square", "street", "transport_hub", "park", "event_space"]
    # labels with commas are quoted in the YAML (not split into extra keys)
    assert ins.load_instrument("ai_technologies").labels("bottlenecks")["technical"] == (
        "Technical (integration, data quality, skills)"
    )
    assert gp.numeric_codes("success") and not gp.numeric_codes("threat")


def test_bad_instrument_located():
    with pytest.raises(ValidationError) as exc:
        ins.load_instrument(BAD / "bad_instrument.yaml")
    assert problems(exc) == {
        (None, "version"),
        (None, "questions[0].choices"),
        (None, "questions[1].name"),
        (None, "questions[2].type"),
        (None, "questions[3].constraint"),
    }


@pytest.mark.parametrize("name", ["training_pre_post", "good_practice", "ai_technologies"])
def test_xlsform_converts_with_pyxform(tmp_path, name):
    from pyxform.xls2xform import xls2xform_convert

    xlsx = ins.to_xlsform(name, tmp_path / f"{name}.xlsx")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["survey", "choices", "settings"]
    settings = [c.value for c in wb["settings"][2]]
    assert settings[1:] == [name, f"{name}-1.0.0"]
    warnings = xls2xform_convert(xlsx, tmp_path / f"{name}.xml", validate=False)
    xml = (tmp_path / f"{name}.xml").read_text("utf-8")
    assert f'version="{name}-1.0.0"' in xml
    assert "instrument_version" in xml
    assert not [w for w in warnings if "error" in w.lower()]


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_xlsform_passes_odk_validate(tmp_path):
    from pyxform.xls2xform import xls2xform_convert

    xlsx = ins.to_xlsform("good_practice", tmp_path / "gp.xlsx")
    xls2xform_convert(xlsx, tmp_path / "gp.xml", validate=True)  # raises on an invalid form
    xml = (tmp_path / "gp.xml").read_text("utf-8")
    assert "regex(" not in xml or "constraint" in xml
    assert 'type="int"' in xml and 'constraint=". &gt;= 1990 and . &lt;= 2100"' in xml


def test_templates(tmp_path):
    csv = ins.to_template("good_practice", tmp_path / "t.csv")
    assert pd.read_csv(csv).columns.tolist()[-1] == "instrument_version"
    xlsx = ins.to_template("good_practice", tmp_path / "t.xlsx")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["responses", "codes"]
    # fill the XLSX template as a person would and read it back
    ws = wb["responses"]
    header = [c.value for c in ws[1]]
    row = {
        "practice_name": "Plaza",
        "city": "Demo",
        "country": "ES",
        "year": 2020,
        "location_type": "square",
        "threat": "crime",
        "measures": "lighting management",
        "liveability": 4,
        "success": 5,
        "instrument_version": "good_practice-1.0.0",
    }
    ws.append([row.get(h) for h in header])
    wb.save(xlsx)
    df = ins.read_responses(xlsx, "good_practice")
    assert df.loc[2, "year"] == 2020 and df.loc[2, "success"] == 5
    assert df.loc[2, "measures"] == "lighting management"
    with pytest.raises(ValueError):
        ins.to_template("good_practice", tmp_path / "t.txt")


def test_read_demo_kobo_exports():
    gp = ins.read_responses(RAW / "good_practices" / "good_practices_kobo.csv", "good_practice")
    assert len(gp) == 40 and gp.index[0] == 2
    assert "outcomes" not in gp.columns and gp.attrs["dropped_text"] == ["outcomes"]
    assert str(gp["success"].dtype) == "Int64" and gp["success"].between(1, 5).all()
    ai = ins.read_responses(RAW / "ai" / "ai_survey_kobo.csv", "ai_technologies")
    assert len(ai) == 60 and ai["country"].nunique() == 10


def test_semicolon_latin1_and_keep_text():
    path = BAD / "ai_semicolon_latin1.csv"
    df = ins.read_responses(path, "ai_technologies")
    assert df["tech_used"].tolist() == ["video_analytics anpr", "none"]
    assert "comments" not in df.columns
    kept = ins.read_responses(path, "ai_technologies", keep_text=True)
    assert kept.loc[2, "comments"] == "Señal débil, comentário"


def test_many_problems_all_located():
    with pytest.raises(ValidationError) as exc:
        ins.read_responses(BAD / "gp_many_problems.csv", "good_practice")
    assert problems(exc) == {
        (1, "colour"),  # unknown column
        (3, "practice/city"),  # missing required
        (3, "practice/year"),  # out of range
        (4, "practice/location_type"),  # unknown code
        (4, "design/liveability"),  # not a number / not a code
        (4, "_uuid"),  # duplicate submission id
        (5, "_uuid"),
        (5, "design/measures"),  # unknown select_multiple code
        (6, "instrument_version"),  # another version of the form
    }
    by = {(p.row, p.column): p for p in exc.value.problems}
    assert by[(5, "design/measures")].value == "lasers"
    assert by[(3, "practice/year")].expected == "a whole number in 1990-2100"
    assert all(p.file == "gp_many_problems.csv" for p in exc.value.problems)


def test_missing_required_column_and_binary():
    with pytest.raises(ValidationError) as exc:
        ins.read_responses(BAD / "gp_missing_column.csv", "good_practice")
    assert problems(exc) == {(1, "success")}
    with pytest.raises(ValidationError) as exc:
        ins.read_responses(BAD / "not_a_table.csv", "good_practice")
    assert problems(exc) == {(None, None)}


def test_duplicate_participant_code():
    with pytest.raises(ValidationError) as exc:
        ins.read_responses(
            BAD / "training_pre_dup.csv", "training_pre_post", id_column="participant_code"
        )
    assert problems(exc) == {(2, "about/participant_code"), (4, "about/participant_code")}


def test_pseudonymised_ids_match_across_waves():
    tr = RAW / "training"
    kw = dict(instr="training_pre_post", id_column="participant_code", key=KEY)
    pre = ins.read_responses(tr / "TR-MAD-2025_pre.csv", **kw)
    post = ins.read_responses(tr / "TR-MAD-2025_post.csv", **kw)
    raw_pre = ins.read_responses(
        tr / "TR-MAD-2025_pre.csv", "training_pre_post", id_column="participant_code"
    )
    assert "participant_code" not in pre.columns  # the raw code never sits beside its pseudonym
    assert pre["respondent"].str.fullmatch(r"r_[0-9a-f]{16}").all()
    assert not set(pre["respondent"]) & set(raw_pre["respondent"])
    # same participants are matched after pseudonymisation as before
    n_raw = len(
        set(raw_pre["respondent"])
        & set(
            ins.read_responses(
                tr / "TR-MAD-2025_post.csv", "training_pre_post", id_column="participant_code"
            )["respondent"]
        )
    )
    assert len(set(pre["respondent"]) & set(post["respondent"])) == n_raw == 33


def test_dummy_columns_only(tmp_path):
    # Kobo's 0/1 columns alone (combined column absent) are enough
    src = pd.read_csv(
        RAW / "good_practices" / "good_practices_kobo.csv", dtype=str, keep_default_na=False
    )
    only = src.drop(columns=["design/measures"])
    p = tmp_path / "dummies.csv"
    only.to_csv(p, index=False)
    a = ins.read_responses(p, "good_practice")
    b = ins.read_responses(RAW / "good_practices" / "good_practices_kobo.csv", "good_practice")
    assert a["measures"].tolist() == b["measures"].tolist()
    d = ins.dummies(b, "good_practice", "measures")
    assert d.columns.tolist() == ins.load_instrument("good_practice").codes("measures")
    assert (d.sum(axis=1) == b["measures"].str.split().str.len()).all()


def test_xlsx_export_with_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["authority/country", "authority/size_class", "technologies/tech_used", "_uuid"])
    ws.append(["ES", "small", "anpr", "a"])
    ws.append(["FR", "huge", "anpr", "b"])
    p = tmp_path / "ai.xlsx"
    wb.save(p)
    with pytest.raises(ValidationError) as exc:
        ins.read_responses(p, "ai_technologies")
    assert problems(exc) == {(3, "authority/size_class")}


def test_cells_beyond_the_header_are_an_unnamed_column(tmp_path):
    """A row longer than the header: the extra cells are a column without a name (row 1)."""
    p = tmp_path / "t.csv"
    p.write_text(
        "training_id,wave,participant_code,profile\nTR-MAD-2025,pre,ab12cd,police_officer,oops\n"
    )
    with pytest.raises(ValidationError) as e:
        ins.read_responses(p, "training_pre_post")
    assert [str(x) for x in e.value.problems] == [
        "t.csv, row 1, column 'column 5': missing, expected a column name (the column has values)"
    ]
