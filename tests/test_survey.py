"""Tests for urbansec_lib.survey: form out, responses in, aggregation, import, simulation."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from urbansec_lib import survey
from urbansec_lib.demo.survey import simulate_responses
from urbansec_lib.errors import ValidationError
from urbansec_lib.framework import load_framework

DATA = Path(__file__).parent / "data"
BAD = DATA / "survey_bad"
KEY = b"test-key-0123456789abcdef-0123456789"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def fw():
    return load_framework(DATA / "frameworks" / "mini.yaml")


def tree_hash(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ------------------------------------------------------------------ form out
def test_xlsform_layout(fw, tmp_path):
    path = survey.to_xlsform(fw, tmp_path / "form.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["survey", "choices", "settings"]
    rows = list(wb["survey"].iter_rows(values_only=True))
    head = rows[0]
    assert list(head[:8]) == [
        "type",
        "name",
        "label",
        "hint",
        "required",
        "constraint",
        "constraint_message",
        "relevant",
    ]
    recs = [dict(zip(head, r)) for r in rows[1:]]
    assert [r["name"] for r in recs[:5]] == list(survey.METADATA_COLUMNS)
    assert all(r["required"] == "yes" for r in recs[:5])
    assert recs[0]["constraint"] == f"regex(., '{survey.UNIT_CODE_PATTERN}')"
    assert recs[3]["type"] == "select_one area_type"
    groups = [r["name"] for r in recs if r["type"] == "begin group"]
    assert groups == ["safety", "cohesion"]  # one group per dimension (sub-dimension folded in)
    by = {r["name"]: r for r in recs}
    # the two Likert items with the same options share one list; other option sets differ
    assert by["safe_day"]["type"] == by["safe_night"]["type"] == "select_one likert4_1"
    assert by["worry_crime"]["type"] != by["trust_police"]["type"]
    assert by["victim_12m"]["type"] == "select_one yes_no"
    assert by["incidents_seen"]["type"].startswith("select_multiple ")
    assert by["neighbours_known"]["type"] == "integer"
    assert by["neighbours_known"]["constraint"] == ". >= 0 and . <= 200"
    assert by["meetings_share"]["type"] == "decimal"
    assert by["meetings_share"]["constraint"] == ". >= 0 and . <= 100"
    assert by["safe_day"]["required"] == "yes"  # source.required: true
    assert by["safe_night"]["required"] is None  # items optional by default
    assert "burglary_rate" not in by  # a statistic, not a survey item
    choices = list(wb["choices"].iter_rows(values_only=True))
    yes_no = [(n, lab) for ln, n, lab in choices[1:] if ln == "yes_no"]
    assert yes_no == [("0", "No"), ("1", "Yes")]
    lik = [n for ln, n, _ in choices[1:] if ln == "likert4_1"]
    assert lik == ["1", "2", "3", "4"]
    sett = list(wb["settings"].iter_rows(values_only=True))
    assert dict(zip(sett[0], sett[1]))["version"] == "mini-0.3.1"
    assert dict(zip(sett[0], sett[1]))["form_id"] == "mini_survey"


def test_xlsform_levels_filter(fw, tmp_path):
    wb = load_workbook(survey.to_xlsform(fw, tmp_path / "f.xlsx", levels=["city"]))
    names = {r[1] for r in wb["survey"].iter_rows(values_only=True)}
    assert "worry_crime" in names and "incidents_seen" not in names  # neighbourhood only


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_xlsform_converts_and_validates_with_odk_validate(fw, tmp_path):
    from pyxform.xls2xform import xls2xform_convert

    src = survey.to_xlsform(fw, tmp_path / "form.xlsx")
    warnings = xls2xform_convert(str(src), str(tmp_path / "form.xml"), validate=True)
    assert warnings == []
    root = ET.parse(tmp_path / "form.xml").getroot()
    data = root.find(
        ".//{http://www.w3.org/2002/xforms}instance/{http://www.w3.org/2002/xforms}data"
    )
    assert data.get("version") == "mini-0.3.1" and data.get("id") == "mini_survey"


# ------------------------------------------------------------ round trip
XF = "{http://www.w3.org/2002/xforms}"


def kobo_export_from_form(xform: Path, answers: list[dict], path: Path) -> None:
    """Test helper: write a Kobo-shaped CSV (``;``, group paths, multi_sel=both) for ``answers``.

    Column paths come from the XForm's primary instance and the select_multiple options from
    its itemsets, i.e. from the converted form, not from the survey module.
    """
    root = ET.parse(xform).getroot()
    data = root.find(f".//{XF}instance/{XF}data")
    cols: list[str] = []

    def walk(el, prefix):
        for ch in el:
            name = ch.tag.replace(XF, "")
            if name == "meta":
                continue
            if len(ch):
                walk(ch, f"{prefix}{name}/")
            else:
                cols.append(prefix + name)

    walk(data, "")
    multi = {}
    for sel in root.iter(f"{XF}select"):
        ref = sel.get("ref").removeprefix("/data/")
        itemset = sel.find(f"{XF}itemset").get("nodeset")
        list_id = itemset.split("'")[1]
        inst = root.find(f".//{XF}instance[@id='{list_id}']")
        multi[ref] = [it.findtext(f"{XF}name") for it in inst.iter(f"{XF}item")]
    calc = {
        b.get("nodeset").removeprefix("/data/"): b.get("calculate").strip("'")
        for b in root.iter(f"{XF}bind")
        if b.get("calculate")
    }
    header = ["start", "end"]
    for c in cols:
        header.append(c)
        if c in multi:
            header += [f"{c}/{o}" for o in multi[c]]
    header += ["meta/instanceID", "_id", "_uuid", "_submission_time", "__version__", "_index"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(header)
        for i, a in enumerate(answers):
            row = []
            for h in header:
                leaf = h.split("/")[-1]
                parent = h.rsplit("/", 1)[0]
                if h in calc:
                    row.append(calc[h])
                elif parent in multi and leaf in multi[parent]:
                    v = a.get(parent.split("/")[-1])
                    row.append("" if v is None else str(int(leaf in str(v).split())))
                elif h in ("start", "end"):
                    row.append("2025-05-01T10:00:00.000+02:00")
                elif h == "meta/instanceID":
                    row.append(f"uuid:00000000-0000-4000-8000-{i:012d}")
                elif h == "_uuid":
                    row.append(f"00000000-0000-4000-8000-{i:012d}")
                elif h in ("_id", "_index"):
                    row.append(str(i + 1))
                elif h == "_submission_time":
                    row.append("2025-05-01T10:10:00")
                elif h == "__version__":
                    row.append("vGh7sdf8K2mZq9XbLp3Rt")  # Kobo asset version uid: ignored
                else:
                    v = a.get(leaf)
                    row.append("n/a" if v is None else str(v))
            w.writerow(row)


ANSWERS = [
    # wave 2025: 4 respondents, wave 2023: 2 respondents
    dict(
        area="Kallio",
        wave=2025,
        area_type="intervention",
        respondent_role="resident",
        safe_day=3,
        safe_night=1,
        worry_crime=2,
        victim_12m=0,
        incidents_seen="1 2",
        trust_police=5,
        neighbours_known=10,
        meetings_share=50,
        minutes_to_help=10,
    ),
    dict(
        area="Kallio",
        wave=2025,
        area_type="intervention",
        respondent_role="police",
        safe_day=4,
        safe_night=4,
        worry_crime=4,
        victim_12m=1,
        incidents_seen=None,
        trust_police=4,
        neighbours_known=2,
        meetings_share=0,
        minutes_to_help=20.5,
    ),
    dict(
        area="Kontula",
        wave=2025,
        area_type="comparison",
        respondent_role="resident",
        safe_day=2,
        safe_night=None,
        worry_crime=5,
        victim_12m=0,
        incidents_seen="4",
        trust_police=1,
        neighbours_known=None,
        meetings_share=25,
        minutes_to_help=None,
    ),
    dict(
        area="Kontula",
        wave=2025,
        area_type="comparison",
        respondent_role="business",
        safe_day=1,
        safe_night=3,
        worry_crime=None,
        victim_12m=None,
        incidents_seen="3 4",
        trust_police=3,
        neighbours_known=0,
        meetings_share=None,
        minutes_to_help=30,
    ),
    dict(
        area="Kallio",
        wave=2023,
        area_type="intervention",
        respondent_role="resident",
        safe_day=2,
        safe_night=2,
        worry_crime=3,
        victim_12m=1,
        incidents_seen="2",
        trust_police=2,
        neighbours_known=5,
        meetings_share=10,
        minutes_to_help=15,
    ),
    dict(
        area="Kontula",
        wave=2023,
        area_type="comparison",
        respondent_role="other",
        safe_day=3,
        safe_night=None,
        worry_crime=3,
        victim_12m=1,
        incidents_seen="1",
        trust_police=4,
        neighbours_known=7,
        meetings_share=30,
        minutes_to_help=45,
    ),
]
# Values computed by hand from ANSWERS (share = % of answering respondents with a positive code)
EXPECTED = {
    ("safe_day", 2025): (50.0, 4),  # codes 3,4,2,1 -> 2 of 4 in {3,4}
    ("safe_night", 2025): (200 / 3, 3),  # 1,4,3 -> 2 of 3
    ("worry_crime", 2025): (11 / 3, 3),  # mean of 2,4,5
    ("victim_12m", 2025): (100 / 3, 3),  # 0,1,0 -> 1 of 3
    ("incidents_seen", 2025): (200 / 3, 3),  # "1 2","4","3 4": 2 of 3 ticked 2 or 3
    ("trust_police", 2025): (50.0, 4),  # 5,4,1,3 -> 2 of 4 in {4,5}
    ("neighbours_known", 2025): (4.0, 3),  # mean of 10,2,0
    ("meetings_share", 2025): (25.0, 3),  # mean of 50,0,25
    ("minutes_to_help", 2025): (60.5 / 3, 3),  # mean of 10,20.5,30
    ("safe_day", 2023): (50.0, 2),
    ("safe_night", 2023): (0.0, 1),
    ("worry_crime", 2023): (3.0, 2),
    ("victim_12m", 2023): (100.0, 2),
    ("incidents_seen", 2023): (50.0, 2),
    ("trust_police", 2023): (50.0, 2),
    ("neighbours_known", 2023): (6.0, 2),
    ("meetings_share", 2023): (20.0, 2),
    ("minutes_to_help", 2023): (30.0, 2),
}


def test_round_trip_form_to_indicators(fw, tmp_path):
    from pyxform.xls2xform import xls2xform_convert

    form = survey.to_xlsform(fw, tmp_path / "form.xlsx")
    xls2xform_convert(str(form), str(tmp_path / "form.xml"), validate=False)
    export = tmp_path / "FI001C_kobo.csv"
    answers = [dict(a, unit="FI001C") for a in ANSWERS]
    kobo_export_from_form(tmp_path / "form.xml", answers, export)
    r = survey.read_responses(export, fw, unit_id="FI001C", units={"FI001C", "DE001C"}, key=KEY)
    assert r.errors == [] and r.n_in == 6 and r.n_accepted == 6 and r.n_rejected == 0
    assert r.delimiter == ";" and r.form_version == "mini-0.3.1"
    assert r.data["respondent"].str.fullmatch(r"r_[0-9a-f]{16}").all()
    assert r.data["incidents_seen"].fillna("-").tolist()[:3] == ["1 2", "-", "4"]
    agg = survey.aggregate(r.data, fw)
    assert list(agg.columns) == ["unit_id", "indicator_id", "period", "value", "n", "source"]
    got = {(row.indicator_id, int(row.period)): (row.value, row.n) for row in agg.itertuples()}
    assert set(got) == set(EXPECTED)
    for k, (value, n) in EXPECTED.items():
        assert got[k][0] == pytest.approx(value), k
        assert got[k][1] == n, k


def test_template_csv_and_xlsx_read_back(fw, tmp_path):
    cols = survey.template_columns(fw)
    t = survey.to_template(fw, tmp_path / "t.csv")
    assert t.read_text(encoding="utf-8").strip().split(",") == cols
    # an empty template is a header-only file
    with pytest.raises(ValidationError, match="only a header"):
        survey.read_responses(t, fw)
    rows = [
        [str(a.get(c, "")) if a.get(c) is not None else "" for c in cols]
        for a in (dict(x, unit="FI001C") for x in ANSWERS)
    ]
    with open(t, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    x = survey.to_template(fw, tmp_path / "t.xlsx")
    wb = load_workbook(x)
    assert wb.sheetnames == ["responses", "codes"]
    ws = wb["responses"]
    assert [c.value for c in ws[1]] == cols
    for a in ANSWERS:
        ws.append([("FI001C" if c == "unit" else a.get(c)) for c in cols])
    wb.save(x)
    r1 = survey.read_responses(t, fw)
    r2 = survey.read_responses(x, fw)
    assert r1.errors == [] and r2.errors == []
    pd.testing.assert_frame_equal(
        r1.data.drop(columns="respondent"), r2.data.drop(columns="respondent")
    )
    agg = survey.aggregate(r2.data, fw)
    v = agg.set_index(["indicator_id", "period"])["value"]
    assert v[("minutes_to_help", 2025)] == pytest.approx(60.5 / 3)


def test_questionnaire_html_is_self_contained(fw, tmp_path):
    p = survey.to_questionnaire_html(fw, tmp_path / "q.html")
    text = p.read_text(encoding="utf-8")
    assert "@media print" in text
    for bad in ("http://", "https://", "<link", "<script", "<img", "url("):
        assert bad not in text
    for ind in fw.survey_indicators():
        assert ind.source["question"].replace("'", "&#x27;") in text
    assert 'Rather safe<span class="code">[3]</span>' in text
    assert "mini-0.3.1" in text


# ------------------------------------------------------- malformed corpus
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_located_message(fw, case):
    path = BAD / case["file"]
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(path, fw, **case["kwargs"])
    hits = [
        p
        for p in ei.value.problems
        if p.row == case["row"] and p.column == case["column"] and case["expected"] in str(p)
    ]
    assert hits, [str(p) for p in ei.value.problems]
    assert all(p.file == case["file"] for p in ei.value.problems)
    if case["level"] == "file":
        with pytest.raises(ValidationError):
            survey.read_responses(path, fw, on_error="split", **case["kwargs"])
    else:
        r = survey.read_responses(path, fw, on_error="split", **case["kwargs"])
        assert case["row"] in r.rejected["source_row"].tolist()
        assert r.n_accepted + r.n_rejected == r.n_in  # nothing silently dropped
        msg = r.rejected.set_index("source_row").loc[case["row"], "problems"]
        assert case["expected"] in msg


def test_corpus_has_enough_real_files():
    files = [p for p in BAD.iterdir() if p.suffix in (".csv", ".xlsx")]
    assert len(files) >= 25 and len(CASES) == len(files)
    raw = {p.name: p.read_bytes() for p in files}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw.values())  # UTF-8 with BOM
    assert any(b";" in b.split(b"\n")[0] for b in raw.values())
    assert any("très".encode("latin-1") in b for b in raw.values())  # Latin-1
    assert any(n.endswith(".xlsx") for n in raw)


def test_all_errors_of_a_file_are_reported(fw):
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(BAD / "37_three_errors.csv", fw)
    located = [(p.row, p.column) for p in ei.value.problems]
    assert located == [(2, "safe_day"), (3, "wave"), (4, "victim_12m")]
    assert list(ei.value.table().columns) == [
        "file",
        "row",
        "column",
        "value",
        "expected",
        "severity",
    ]


# ------------------------------------------------------------- reading details
def test_labels_decimal_comma_unit_fill_and_split_only(fw, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(
        "area;wave;area_type;respondent_role;safe_day;incidents_seen/1;incidents_seen/2;"
        "incidents_seen/3;incidents_seen/4;meetings_share\n"
        "Kallio;2025;Intervention area;Resident;Rather safe;1;0;1;0;12,5\n"
        "Kallio;2025;comparison;police;4;;;;;n/a\n",
        encoding="utf-8",
    )
    r = survey.read_responses(p, fw, unit_id="FI001C")
    assert r.errors == []
    d = r.data
    assert d["unit_id"].tolist() == ["FI001C", "FI001C"]
    assert d["area_type"].tolist() == ["intervention", "comparison"]
    assert d["safe_day"].tolist() == [3, 4]
    assert d["incidents_seen"].fillna("-").tolist() == ["1 3", "-"]
    assert d["meetings_share"].iloc[0] == 12.5 and np.isnan(d["meetings_share"].iloc[1])
    # questions missing from the export are warnings, not errors
    warn = [p for p in r.problems if p.severity == "warning"]
    assert len(warn) == 1 and "trust_police" in warn[0].expected


def test_identifier_columns_are_kept_apart(fw, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(
        "unit,area,wave,area_type,respondent_role,safe_day,respondent_name,contact/e-mail,"
        "_geolocation,comments\n"
        'FI001C,Kallio,2025,none,resident,3,Jane Doe,jane@example.org,"[60.1, 24.9]",hello\n',
        encoding="utf-8",
    )
    r = survey.read_responses(p, fw)
    assert r.errors == []
    assert "respondent_name" not in r.data.columns
    assert list(r.identifiers.columns) == [
        "respondent",
        "respondent_name",
        "contact/e-mail",
        "_geolocation",
        "comments",
    ]


def test_split_keeps_every_row(fw, tmp_path):
    df = simulate_responses(fw, ["AT001C"], n=40, seed=5)
    df["safe_day"] = df["safe_day"].astype(object)
    df.loc[[3, 7], "safe_day"] = 9
    p = survey.write_kobo_export(df, fw, tmp_path / "AT001C_kobo.csv")
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(p, fw, unit_id="AT001C")
    assert [e.row for e in ei.value.problems] == [5, 9]
    r = survey.read_responses(p, fw, unit_id="AT001C", on_error="split", key=KEY)
    assert (r.n_in, r.n_accepted, r.n_rejected) == (40, 38, 2)
    assert r.rejected["source_row"].tolist() == [5, 9]
    assert r.rejected["respondent"].str.fullmatch(r"r_[0-9a-f]{16}").all()


def _random_csv(draw):
    names = list(survey.METADATA_COLUMNS) + [
        "safe_day",
        "incidents_seen",
        "meetings_share",
        "_uuid",
        "form_version",
        "email",
        "q/x",
        "",
    ]
    header = draw(st.lists(st.sampled_from(names) | st.text(max_size=6), min_size=0, max_size=8))
    cell = st.sampled_from(
        [
            "",
            "n/a",
            "1",
            "3",
            "9",
            "-1",
            "1 2",
            "2025",
            "DE001C",
            "intervention",
            "resident",
            "12,5",
            "mini-0.3.1",
            "x",
            '"',
            ";",
            "\n",
        ]
    ) | st.text(max_size=5)
    rows = draw(st.lists(st.lists(cell, max_size=10), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(
        [header] + rows
    )
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return buf.getvalue().encode(enc, errors="replace")


@st.composite
def junk_files(draw):
    kind = draw(st.sampled_from(["bytes", "csv", "xlsx"]))
    if kind == "bytes":
        return draw(st.sampled_from([".csv", ".xlsx", ".xls", ".txt"])), draw(
            st.binary(max_size=600)
        )
    if kind == "csv":
        return ".csv", _random_csv(draw)
    wb = Workbook()
    ws = wb.active
    cells = (
        st.none()
        | st.integers(-5, 3000)
        | st.floats(allow_nan=True)
        | st.text(max_size=5)
        | st.booleans()
    )
    ws.append(
        draw(
            st.lists(st.sampled_from(list(survey.METADATA_COLUMNS) + ["safe_day", "x"]), max_size=7)
        )
    )
    for r in draw(st.lists(st.lists(cells, max_size=8), max_size=4)):
        ws.append([("" if isinstance(c, str) and any(ord(ch) < 32 for ch in c) else c) for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    return ".xlsx", buf.getvalue()


# hypothesis cannot use function-scoped fixtures: module-level framework and a temp dir
_FW = load_framework(DATA / "frameworks" / "mini.yaml")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk_files(), st.sampled_from(["raise", "split"]))
def test_fuzz_only_validation_errors(sample, on_error):
    import tempfile

    suffix, data = sample
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"export{suffix}"
        p.write_bytes(data)
        try:
            r = survey.read_responses(p, _FW, on_error=on_error)
        except ValidationError as exc:
            assert exc.problems
            return
        assert r.n_accepted + r.n_rejected == r.n_in


# --------------------------------------------------------------- aggregate
def test_aggregate_weighted_and_by_area_type(fw):
    d = pd.DataFrame(
        {
            "unit_id": ["X1"] * 4,
            "wave": [2025] * 4,
            "area_type": ["a", "a", "b", "b"],
            "safe_day": pd.array([4, 1, 3, None], dtype="Int64"),
            "worry_crime": pd.array([1, 5, 2, 2], dtype="Int64"),
            "w": [3.0, 1.0, 2.0, 5.0],
        }
    )
    agg = survey.aggregate(d, fw, weights="w").set_index("indicator_id")
    # weighted share: (3*1 + 1*0 + 2*1) / (3+1+2) * 100; the missing answer's weight is unused
    assert agg.loc["safe_day", "value"] == pytest.approx(500 / 6)
    assert agg.loc["safe_day", "n"] == 3
    # weighted mean: (3*1 + 1*5 + 2*2 + 5*2) / 11
    assert agg.loc["worry_crime", "value"] == pytest.approx(22 / 11)
    by = survey.aggregate(d, fw, by=("unit_id", "area_type", "wave"))
    assert list(by.columns) == [
        "unit_id",
        "area_type",
        "indicator_id",
        "period",
        "value",
        "n",
        "source",
    ]
    v = by.set_index(["area_type", "indicator_id"])["value"]
    assert v[("a", "safe_day")] == 50.0 and v[("b", "safe_day")] == 100.0
    d.loc[0, "w"] = -1
    with pytest.raises(ValidationError, match="weight"):
        survey.aggregate(d, fw, weights="w")


# ------------------------------------------------------------------ import
@pytest.fixture()
def raw_export(fw, tmp_path):
    raw = tmp_path / "data" / "raw" / "survey"
    df = simulate_responses(fw, ["LV001C"], n=80, seed=11)
    df["respondent_name"] = "Person " + df.index.astype(str)  # a direct identifier
    p = survey.write_kobo_export(
        df, fw, raw / "LV001C_selfassessment_kobo.csv", sep=",", multi_sel="both"
    )
    text = p.read_text(encoding="utf-8").splitlines()
    # Kobo puts free text where the form asked for it: add a name and an e-mail column
    text[0] += ",respondent_name,contact/email"
    text[1:] = [ln + f",Person {i},p{i}@example.org" for i, ln in enumerate(text[1:])]
    p.write_text("\n".join(text) + "\n", encoding="utf-8")
    return p


def test_import_export_idempotent_and_raw_untouched(fw, raw_export, tmp_path):
    raw_dir = raw_export.parent.parent
    before = tree_hash(raw_dir)
    proc = tmp_path / "data" / "processed"
    side = tmp_path / "private" / "LV001C_identifiers.csv"
    e1 = survey.import_export(raw_export, fw, "LV001C", proc, KEY, side_file=side)
    first = tree_hash(proc)
    e2 = survey.import_export(raw_export, fw, "LV001C", proc, KEY, side_file=side)
    assert tree_hash(proc) == first  # same bytes, manifest included
    assert e1 == e2
    assert tree_hash(raw_dir) == before
    assert sorted(first) == [
        "LV001C/indicators_survey.csv",
        "LV001C/manifest.json",
        "LV001C/responses.csv",
    ]
    resp = pd.read_csv(proc / "LV001C" / "responses.csv")
    assert len(resp) == 80 and resp["respondent"].is_unique
    text = (proc / "LV001C" / "responses.csv").read_text(encoding="utf-8")
    assert "Person" not in text and "@" not in text and "respondent_name" not in text
    raw_ids = pd.read_csv(raw_export, dtype=str)["_uuid"]
    assert not any(u in text for u in raw_ids)
    assert stat.S_IMODE(side.stat().st_mode) == 0o600
    kept = pd.read_csv(side)
    assert list(kept.columns) == ["respondent", "respondent_name", "contact/email"]
    assert set(kept["respondent"]) == set(resp["respondent"])
    man = (proc / "LV001C" / "manifest.json").read_text(encoding="utf-8")
    m = yaml.safe_load(man)
    entry = m["imports"][0]
    assert entry["source_sha256"] == hashlib.sha256(raw_export.read_bytes()).hexdigest()
    assert (entry["rows_in"], entry["rows_accepted"], entry["rows_rejected"]) == (80, 80, 0)
    assert entry["framework_version"] == "0.3.1"
    ind = pd.read_csv(proc / "LV001C" / "indicators_survey.csv")
    assert list(ind.columns) == ["unit_id", "indicator_id", "period", "value", "n", "source"]
    assert set(ind["period"]) == {2023, 2025}


def test_import_failure_leaves_processed_untouched(fw, raw_export, tmp_path):
    proc = tmp_path / "processed"
    survey.import_export(raw_export, fw, "LV001C", proc, KEY)
    before = tree_hash(proc)
    bad = raw_export.parent / "LV001C_broken.csv"
    lines = raw_export.read_text(encoding="utf-8").splitlines()
    bad.write_text(
        "\n".join(lines[:3] + [lines[3].replace("LV001C", "LV00X!")]) + "\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError, match="row 4"):
        survey.import_export(bad, fw, "LV001C", proc, KEY)
    assert tree_hash(proc) == before


def test_import_refuses_to_write_into_raw(fw, raw_export):
    with pytest.raises(ValidationError, match="outside (the raw input|data/raw)"):
        survey.import_export(raw_export, fw, "LV001C", raw_export.parent / "out", KEY)
    with pytest.raises(ValidationError, match="outside (the raw input|data/raw)"):
        survey.import_export(
            raw_export,
            fw,
            "LV001C",
            raw_export.parent.parent / "p",
            KEY,
            side_file=raw_export.parent / "ids.csv",
        )


def test_import_split_then_fixed_and_cumulative(fw, tmp_path):
    raw = tmp_path / "raw"
    proc = tmp_path / "processed"
    df = simulate_responses(fw, ["BE212"], n=30, seed=2)
    first = df[df["wave"] == 2023].copy()
    first["safe_day"] = first["safe_day"].astype(object)
    first.iloc[0, first.columns.get_loc("safe_day")] = 7
    p = survey.write_kobo_export(first, fw, raw / "BE212_a.csv")
    e = survey.import_export(p, fw, "BE212", proc, KEY, on_error="split")
    assert e["rows_rejected"] == 1
    rej = pd.read_csv(proc / "BE212" / "rejected.csv")
    assert list(rej.columns) == ["file", "row", "column", "problem"]  # never the cells
    assert rej["row"].tolist() == [2] and rej["column"].tolist() == ["safety/safe_day"]
    assert "a code 1 = Very unsafe" in rej["problem"].iloc[0]
    # the corrected file under the same name replaces the rejected row
    survey.write_kobo_export(df[df["wave"] == 2023], fw, p)
    survey.import_export(p, fw, "BE212", proc, KEY, on_error="split")
    assert not (proc / "BE212" / "rejected.csv").exists()
    # a later cumulative export (all waves) under another name: no double counting
    p2 = survey.write_kobo_export(df, fw, raw / "BE212_b.csv")
    survey.import_export(p2, fw, "BE212", proc, KEY)
    resp = pd.read_csv(proc / "BE212" / "responses.csv")
    assert len(resp) == 30 and resp["respondent"].is_unique
    man = yaml.safe_load((proc / "BE212" / "manifest.json").read_text(encoding="utf-8"))
    assert [x["source_file"] for x in man["imports"]] == ["BE212_a.csv", "BE212_b.csv"]


def test_import_needs_a_key(fw, raw_export, tmp_path, monkeypatch):
    from urbansec_lib import privacy

    monkeypatch.delenv("URBANSEC_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("URBANSEC_KEY_FILE", str(tmp_path / "nokey" / "k"))
    with pytest.raises(privacy.PseudonymKeyError):
        survey.import_export(raw_export, fw, "LV001C", tmp_path / "p", None)
    assert not (tmp_path / "p").exists()


# -------------------------------------------------------------- simulation
def test_simulation_is_seeded_and_plants_an_improvement(fw):
    a = simulate_responses(fw, ["DE001C", "ES001C"], n=4000, seed=7)
    b = simulate_responses(fw, ["DE001C", "ES001C"], n=4000, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_responses(fw, ["DE001C", "ES001C"], n=4000, seed=8))
    agg = survey.aggregate(
        a.rename(columns={"unit": "unit_id"}), fw, by=("area_type", "wave")
    ).set_index(["indicator_id", "area_type", "period"])["value"]
    did = (
        agg[("safe_night", "intervention", 2025)] - agg[("safe_night", "intervention", 2023)]
    ) - (agg[("safe_night", "comparison", 2025)] - agg[("safe_night", "comparison", 2023)])
    assert did > 5  # percentage points; planted effect 0.6 latent SD
    # higher-is-worse items move the other way
    did_w = (
        agg[("worry_crime", "intervention", 2025)] - agg[("worry_crime", "intervention", 2023)]
    ) - (agg[("worry_crime", "comparison", 2025)] - agg[("worry_crime", "comparison", 2023)])
    assert did_w < 0


def test_kobo_export_latin1_semicolon_both_forms(fw, tmp_path):
    df = simulate_responses(fw, ["FRL03"], n=50, seed=3)
    p = survey.write_kobo_export(
        df, fw, tmp_path / "FRL03_kobo.csv", sep=";", encoding="latin-1", multi_sel="both"
    )
    raw = p.read_bytes()
    assert "Libération".encode("latin-1") in raw
    r = survey.read_responses(p, fw, unit_id="FRL03")
    assert r.errors == [] and r.delimiter == ";"
    assert "Nice-Libération" in set(r.data["area"])
    exp = df["incidents_seen"].fillna("-").tolist()
    assert r.data["incidents_seen"].fillna("-").tolist() == exp


def test_unknown_column_does_not_hide_cell_errors(tmp_path):
    """An unknown column is reported together with the cell errors of the same file."""
    fw = load_framework()
    df = simulate_responses(fw, ["ES001C"], n=(12, 12), seed=3)
    path = tmp_path / "ES001C_export.csv"
    survey.write_kobo_export(df, fw, path, sep=",")
    text = path.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    col = next(i for i, h in enumerate(header) if h.endswith("sos_safe_walk_after_dark"))
    row = text[2].split(",")
    row[col] = "9"
    text[2] = ",".join(row)
    text[0] = text[0] + ",not_a_question"
    text[1:] = [t + ",x" for t in text[1:]]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        survey.read_responses(path, fw, unit_id="ES001C")
    where = {(p.row, p.column) for p in e.value.problems}
    assert (1, "not_a_question") in where
    assert any(r == 3 and c and c.endswith("sos_safe_walk_after_dark") for r, c in where)
