"""The ingestion layer: malformed, oversized and expanding inputs give located errors.

Corpus: tests/data/ingest_bad (see its PROVENANCE.txt and make_corpus.py); big and
expanding inputs are generated here. Every case asserts a located ValidationError (file,
row, column, expected) or the correct handling of a valid-but-unusual file.
"""

from __future__ import annotations

import codecs
import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from urbansec_lib import (
    cli,
    coinr,
    collective_impact,
    framework,
    ingest,
    orpheus,
    outcomes,
    reports,
    survey,
)
from urbansec_lib.demo.survey import simulate_responses
from urbansec_lib.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
BAD = DATA / "ingest_bad"
KEY = b"test-key-0123456789abcdef-0123456789"


def _inventory(p):
    return orpheus.read_inventory(p, unit_id="BE212")


READERS = {
    "fw": framework.load_framework,
    "spec": outcomes.read_spec,
    "incidents": outcomes.read_incidents,
    "outcomes": outcomes.read_survey_outcomes,
    "inventory": _inventory,
    "manifest": reports.read_manifest,
    "imeta": coinr.imeta_to_framework,
    "table": ingest.read_table,
}

# file, reader, row, column, fragment of the expected text
CORPUS = [
    ("fw_all_weights_zero.yaml", "fw", None, "dimensions[*].weight", "at least one weight > 0"),
    ("fw_billion_laughs.yaml", "fw", 7, None, "billion laughs"),
    ("fw_duplicate_dimensions.yaml", "fw", 178, "dimensions", "each key once"),
    ("fw_duplicate_indicator_key.yaml", "fw", 22, "type", "each key once"),
    ("fw_latin1.yaml", "fw", 15, None, "UTF-8"),
    (
        "fw_misspelt_direction.yaml",
        "fw",
        None,
        "dimensions[0].indicators[0].diretion",
        "did you mean 'direction'",
    ),
    ("fw_misspelt_weight.yaml", "fw", None, "dimensions[0].wieght", "did you mean 'weight'"),
    ("fw_not_mapping.yaml", "fw", None, "<root>", "a mapping"),
    ("fw_python_object.yaml", "fw", 1, None, "valid YAML"),
    ("fw_range_inf.yaml", "fw", 148, None, "finite number"),
    ("fw_range_reversed.yaml", "fw", None, "dimensions[1].indicators[1].range", "low < high"),
    ("fw_range_text.yaml", "fw", None, "dimensions[1].indicators[1].range[1]", "finite number"),
    ("fw_self_anchor.yaml", "fw", 34, None, "self-referencing anchor"),
    ("fw_syntax_error.yaml", "fw", 16, None, "valid YAML"),
    ("fw_target_1e400.yaml", "fw", 149, None, "finite number"),
    ("fw_too_many_aliases.yaml", "fw", 2, None, "at most 500 alias"),
    ("fw_unknown_top_key.yaml", "fw", None, "<root>.dimension", "did you mean 'dimensions'"),
    ("fw_weight_inf.yaml", "fw", 16, None, "finite number"),
    ("fw_weight_nan.yaml", "fw", 16, None, "finite number"),
    ("fw_weight_negative.yaml", "fw", None, "dimensions[0].weight", "a finite number >= 0"),
    ("spec_duplicate_key.yaml", "spec", 8, "first_post_wave", "each key once"),
    ("spec_nan.yaml", "spec", 4, None, "finite number"),
    ("spec_misspelt_key.yaml", "spec", None, "survey_flie", "did you mean 'survey_file'"),
    ("inventory_budget_1e400.csv", "inventory", 3, "budget_eur", "euro"),
    ("imeta_cycle.csv", "imeta", 3, "Parent", "loops back"),
    ("imeta_empty.csv", "imeta", 2, None, "iMeta is empty"),
    ("imeta_level_blank.csv", "imeta", 3, "Level", "a whole number >= 1"),
    ("imeta_level_text.csv", "imeta", 3, "Level", "a whole number >= 1"),
    ("imeta_mixed_encoding.csv", "imeta", 3, None, "one encoding for the whole file"),
    ("imeta_weight_inf.csv", "imeta", 3, "Weight", "a finite number"),
    ("incidents_blank_rows.csv", "incidents", 6, "month", "a date YYYY-MM"),
    ("incidents_count_1e400.csv", "incidents", 4, "count", "a whole number >= 0"),
    ("incidents_inf_population.csv", "incidents", 4, "population", "a positive number"),
    ("incidents_mixed_encoding.csv", "incidents", 4, None, "one encoding for the whole file"),
    ("outcomes_weight_nan.csv", "outcomes", 3, "weight", "a positive number"),
    ("inventory_binary.csv", "inventory", None, None, "NUL bytes"),
    ("inventory_empty.csv", "inventory", 1, None, "a header row"),
    ("inventory_mixed_encoding.csv", "inventory", 5, None, "one encoding for the whole file"),
    ("manifest_bad_json.json", "manifest", 3, None, "valid JSON"),
    ("manifest_deep.json", "manifest", None, None, "at most 64 levels"),
    ("manifest_nan.json", "manifest", None, None, "without NaN"),
    ("manifest_no_studies.json", "manifest", None, "studies", "a mapping of study entries"),
    ("manifest_not_utf8.json", "manifest", 1, None, "UTF-8"),
    ("manifest_traversal.json", "manifest", None, "studies.city.unit_id", "a unit id"),
    ("manifest_traversal.json", "manifest", None, "studies.city.results", "next to the manifest"),
    ("manifest_wrong_types.json", "manifest", None, "studies.city.study", "a str"),
    ("table_formula_no_value.xlsx", "table", 2, "b", "never calculated"),
    ("table_legacy_garbage.xls", "table", None, None, "a readable .xls workbook"),
    ("table_not_zip.xlsx", "table", None, None, "a readable .xlsx workbook"),
]


@pytest.mark.parametrize(
    "name,reader,row,column,fragment", CORPUS, ids=[f"{c[0]}:{c[3]}" for c in CORPUS]
)
def test_corpus_case_is_a_located_error(name, reader, row, column, fragment):
    with pytest.raises(ValidationError) as ei:
        READERS[reader](BAD / name)
    hits = [
        p
        for p in ei.value.problems
        if p.row == row and p.column == column and fragment in p.expected
    ]
    assert hits, [str(p) for p in ei.value.problems]
    assert all(name in str(p.file) for p in ei.value.problems)


def test_corpus_files_all_used():
    files = {p.name for p in BAD.iterdir() if p.suffix not in (".py", ".txt")}
    used = {c[0] for c in CORPUS} | {
        "fw_utf16.yaml",
        "incidents_utf16_tab.csv",
        "inventory_cp1252.csv",
    }
    assert files == used


# ------------------------------------------------------------------ valid but unusual
def test_utf16_yaml_is_read():
    fw = framework.load_framework(BAD / "fw_utf16.yaml")
    assert fw.id == "mini"


def test_excel_unicode_text_export_is_read_not_column_missing():
    inc = outcomes.read_incidents(BAD / "incidents_utf16_tab.csv")
    ref = outcomes.read_incidents(ROOT / "data" / "raw" / "orpheus" / "BE212_incidents_monthly.csv")
    assert len(inc) == 5
    pd.testing.assert_frame_equal(
        inc.reset_index(drop=True),
        ref.merge(inc[["month", "area"]]).reset_index(drop=True),
    )


def test_consistent_cp1252_file_is_read_as_cp1252():
    inv = orpheus.read_inventory(BAD / "inventory_cp1252.csv", unit_id="BE212")
    assert inv["name"].str.contains("Neighböurhood").any()
    t = ingest.read_table(BAD / "inventory_cp1252.csv")
    assert t.encoding == "cp1252"


def test_utf16_without_bom_is_read(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("a\tb\n1\tö\n".encode("utf-16-le"))
    t = ingest.read_table(p)
    assert (t.header, t.delimiter, t.frame()["b"].tolist()) == (["a", "b"], "\t", ["ö"])


def test_stray_byte_in_utf8_is_an_error_not_mojibake(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("a,b\n1,é\n2,x\n".encode() + b"3,\xe9\n")
    with pytest.raises(ValidationError) as ei:
        ingest.read_table(p)
    assert ei.value.problems[0].row == 4


# ------------------------------------------------------------------ generated inputs
def test_20000_nested_brackets_yaml(tmp_path):
    p = tmp_path / "deep.yaml"
    p.write_text("a: " + "[" * 20000 + "]" * 20000 + "\n")
    with pytest.raises(ValidationError) as ei:
        framework.load_framework(p)
    assert ei.value.problems[0].row == 1 and "nesting" in ei.value.problems[0].expected


def test_yaml_over_size_limit(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("a: " + "x" * (9 << 20) + "\n")
    with pytest.raises(ValidationError, match="at most 8.0 MiB"):
        framework.load_framework(p)


def test_directory_given_as_file(tmp_path):
    for call in (framework.load_framework, ingest.read_table, outcomes.read_spec):
        with pytest.raises(ValidationError, match="a directory"):
            call(tmp_path)
    with pytest.raises(ValidationError, match="a directory"):
        survey.read_responses(tmp_path, framework.load_framework(DATA / "frameworks" / "mini.yaml"))


def test_missing_file_is_located(tmp_path):
    with pytest.raises(ValidationError, match="a readable file"):
        framework.load_framework(tmp_path / "nope.yaml")


def _xlsx_with_member(name: str, size: int) -> bytes:
    """A real workbook plus one highly compressible member of ``size`` bytes."""
    wb = Workbook()
    wb.active.append(["a"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            if info.filename != name:
                zf.writestr(info, src.read(info.filename))
        with zf.open(name, "w", force_zip64=True) as fh:
            block = b"<si><t>lol</t></si>" * (1 << 16)
            left = size
            while left > 0:
                fh.write(block[: min(left, len(block))])
                left -= len(block)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    p = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    p.write_bytes(_xlsx_with_member("xl/sharedStrings.xml", 300 << 20))
    return p


def test_shared_strings_bomb_is_refused_before_openpyxl(bomb):
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(ValidationError, match="zip bomb|shared strings"):
        ingest.read_table(bomb)
    with pytest.raises(ValidationError, match="zip bomb|shared strings"):
        orpheus.read_inventory(bomb, unit_id="BE212")
    with pytest.raises(ValidationError, match="zip bomb|shared strings"):
        collective_impact.read(bomb)


def test_too_many_zip_parts(tmp_path):
    p = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        for k in range(10_001):
            zf.writestr(f"x/{k}", b"")
    with pytest.raises(ValidationError, match="at most 10000 parts"):
        ingest.read_table(p)


def test_row_cell_and_size_limits(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n" + "1,2\n" * 50)
    with pytest.raises(ValidationError, match="at most 10 rows"):
        ingest.read_table(p, limits=ingest.Limits(max_rows=10))
    with pytest.raises(ValidationError, match="at most 20 cells"):
        ingest.read_table(p, limits=ingest.Limits(max_cells=20))
    with pytest.raises(ValidationError, match="at most 100 bytes"):
        ingest.read_table(p, limits=ingest.Limits(max_file_bytes=100))
    x = tmp_path / "t.xlsx"
    wb = Workbook()
    for k in range(30):
        wb.active.append([k, k])
    wb.save(x)
    with pytest.raises(ValidationError, match="at most 10 rows"):
        ingest.read_table(x, limits=ingest.Limits(max_rows=10))


def test_huge_quoted_field_is_located(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('a,b\n1,"' + "x" * 200_000 + '"\n')
    with pytest.raises(ValidationError, match="well-formed CSV"):
        ingest.read_table(p)


def test_ci_workbook_formula_without_cached_value(tmp_path):
    src = ROOT / "data" / "raw" / "collective_impact" / "BE212_ci.xlsx"
    wb = load_workbook(src)
    ws = wb["Conditions"]
    cell = ws["E3"]  # a rating
    cell.value = '=CONCATENATE("3 - ", "Mostly achieved")'
    p = tmp_path / "BE212_ci.xlsx"
    wb.save(p)
    with pytest.raises(ValidationError) as ei:
        collective_impact.read(p)
    prob = ei.value.problems[0]
    assert prob.row == cell.row and prob.column == f"{ws.title}!{cell.column_letter}"
    assert "never calculated" in prob.expected


# ------------------------------------------------------------------ survey exports
@pytest.fixture(scope="module")
def fw():
    return framework.load_framework(DATA / "frameworks" / "mini.yaml")


@pytest.fixture()
def export(fw, tmp_path):
    df = simulate_responses(fw, ["LV001C"], n=12, seed=3)
    return survey.write_kobo_export(df, fw, tmp_path / "raw" / "LV001C_kobo.csv", sep=",")


def test_survey_unicode_text_export(fw, export, tmp_path):
    text = export.read_text(encoding="utf-8").replace(",", "\t")
    p = tmp_path / "LV001C_unicode.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    r = survey.read_responses(p, fw, unit_id="LV001C")
    ref = survey.read_responses(export, fw, unit_id="LV001C")
    assert (r.encoding, r.delimiter, r.n_accepted) == ("utf-16", "\t", 12)
    pd.testing.assert_frame_equal(r.data, ref.data)


def test_survey_mixed_encoding_names_the_row(fw, export, tmp_path):
    lines = export.read_bytes().splitlines()
    lines[1] = lines[1].replace(b"LV001C", b"LV001C", 1)
    p = tmp_path / "mixed.csv"
    area = lines[3].split(b",")
    p.write_bytes(
        b"\n".join(lines[:3] + [lines[3].replace(area[0], area[0] + b"\xe9", 1)] + lines[4:])
        + "é".encode()
    )
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(p, fw, unit_id="LV001C")
    assert ei.value.problems[0].row == 4 and "one encoding" in ei.value.problems[0].expected


def test_survey_xlsx_formula_without_value_is_an_error(fw, export, tmp_path):
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    wb = Workbook()
    wb.active.append(list(df.columns))
    for row in df.itertuples(index=False):
        wb.active.append(list(row))
    col = list(df.columns).index(next(c for c in df.columns if c.endswith("safe_day"))) + 1
    wb.active.cell(row=5, column=col).value = "=2+1"
    p = tmp_path / "LV001C.xlsx"
    wb.save(p)
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(p, fw, unit_id="LV001C")
    prob = ei.value.problems[0]
    assert (
        prob.row == 5 and prob.column.endswith("safe_day") and "never calculated" in prob.expected
    )


@pytest.mark.parametrize(
    "area", ["jane.doe@example.org", "+49 30 1234567", '=HYPERLINK("http://x")', "@SUM(A1)"]
)
def test_survey_area_personal_data_or_formula_rejected_and_withheld(fw, export, tmp_path, area):
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    df.loc[2, "area"] = area
    p = tmp_path / "LV001C_x.csv"
    df.to_csv(p, index=False)
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(p, fw, unit_id="LV001C")
    prob = next(q for q in ei.value.problems if q.column == "area")
    assert prob.row == 4 and prob.value == "(withheld)" and area not in str(ei.value)
    r = survey.read_responses(p, fw, unit_id="LV001C", on_error="split", key=KEY)
    assert r.n_rejected == 1 and area not in r.rejected.to_csv()


def test_survey_duplicate_id_message_has_pseudonym_not_raw_id(fw, export, tmp_path):
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    raw = df.loc[0, "_uuid"]
    df.loc[3, "_uuid"] = raw
    p = tmp_path / "LV001C_dup.csv"
    df.to_csv(p, index=False)
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(p, fw, unit_id="LV001C", key=KEY)
    assert raw not in str(ei.value) and "r_" in str(ei.value)
    with pytest.raises(ValidationError) as ei:
        survey.read_responses(p, fw, unit_id="LV001C")
    assert raw not in str(ei.value) and "withheld" in str(ei.value)


def test_unknown_identifier_like_column_never_stored(fw, export, tmp_path):
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    df["_passport_no"] = [f"X{k:08d}" for k in range(len(df))]
    df.loc[1, next(c for c in df.columns if c.endswith("safe_day"))] = "9"  # one rejected row
    p = tmp_path / "raw" / "LV001C_pp.csv"
    df.to_csv(p, index=False)
    proc = tmp_path / "processed"
    survey.import_export(p, fw, "LV001C", proc, KEY, on_error="split")
    text = "".join(f.read_text(encoding="utf-8") for f in proc.rglob("*") if f.is_file())
    assert "X00000" not in text
    csvs = "".join(f.read_text(encoding="utf-8") for f in proc.rglob("*.csv"))
    assert "_passport_no" not in csvs  # only named (not stored) in the manifest's stripped list
    man = json.loads((proc / "LV001C" / "manifest.json").read_text(encoding="utf-8"))
    assert "_passport_no" in man["imports"][0]["stripped_columns"]


def test_side_file_inside_processed_refused(fw, export, tmp_path):
    proc = tmp_path / "processed"
    with pytest.raises(ValidationError, match="never go into processed"):
        survey.import_export(export, fw, "LV001C", proc, KEY, side_file=proc / "ids.csv")


# ------------------------------------------------------------------ writing
def test_write_csv_neutralises_every_formula_prefix(tmp_path):
    cells = ['=HYPERLINK("x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx", "-3.5", "ok"]
    p = ingest.write_csv(pd.DataFrame({"=col": cells, "n": range(8)}), tmp_path / "o.csv")
    back = pd.read_csv(p, dtype=str, keep_default_na=False)
    assert back.columns[0] == "'=col"
    assert back.iloc[:, 0].tolist()[:5] == ["'" + c for c in cells[:5]]
    assert back.iloc[5, 0] == "'\nx"  # a bare CR would split the row: written as LF, quoted
    assert back.iloc[:, 0].tolist()[6:] == ["-3.5", "ok"]


def test_import_neutralises_formulas_in_processed_csv(fw, tmp_path):
    df = pd.DataFrame({"x": ["=1+1", "a"]})
    assert survey._csv_bytes(df).decode().splitlines()[1] == "'=1+1"


# ------------------------------------------------------------------ names and paths
@pytest.mark.parametrize("bad", ["../x", "..", "a/b", "a b", "", "x\x00", "é" * 3, "-x"])
def test_check_name_refuses_unsafe(bad):
    with pytest.raises(ValidationError):
        ingest.check_name(bad)


def test_cli_refuses_paths_outside(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--unit", "../../evil", "--no-progress"]) == 2
    assert cli.main(["ci", "template", "--unit", "../evil"]) == 2
    assert not any(tmp_path.parent.glob("evil*"))
    assert cli.main(["ci", "template", "--unit", "BE212", "--out", "data/raw/x.xlsx"]) == 2
    exp = ROOT / "data" / "raw" / "survey"
    export = next(exp.glob("*.csv"))
    args = ["survey", "import", str(export), "--unit", export.name.split("_")[0]]
    assert cli.main(args + ["--processed-dir", str(ROOT / "data" / "raw")]) == 2
    assert cli.main(args + ["--processed-dir", "data/raw/x"]) == 2
    err = capsys.readouterr().err
    assert "data/raw" in err and "no path separators" in err


def test_reports_run_refuses_unsafe_unit(tmp_path):
    with pytest.raises(ValidationError):
        reports.run("city_self_assessment", ["../x"], reports_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_check_output():
    with pytest.raises(ValidationError):
        ingest.check_output("/tmp/w/data/raw/a.csv")
    with pytest.raises(ValidationError, match="a location inside"):
        ingest.check_output("/tmp/elsewhere/a.csv", allowed=["/tmp/reports"])
    assert ingest.check_output("/tmp/reports/u/a.csv", allowed=["/tmp/reports"])


# ------------------------------------------------------------------ schemas
def test_table_schema_types_and_locates():
    s = ingest.TableSchema(
        "t",
        [
            ingest.Column("id"),
            ingest.Column("n", "int", low=0),
            ingest.Column("kind", "choice", choices=("a", "b")),
            ingest.Column("ok", "bool", nullable=True),
        ],
    )
    df = pd.DataFrame(
        {
            "id": ["x", "", "z"],
            "n": ["1", "1.5", "inf"],
            "kind": ["A", "c", "b"],
            "ok": ["yes", "0", "maybe"],
        }
    )
    with pytest.raises(ValidationError) as ei:
        s.validate(df, "t.csv")
    got = [(p.row, p.column) for p in ei.value.problems]
    assert got == [(3, "id"), (3, "n"), (3, "kind"), (4, "n"), (4, "ok")]
    good = s.validate(df.iloc[[0]], "t.csv")
    assert (
        good["n"].tolist() == [1]
        and good["kind"].tolist() == ["a"]
        and good["ok"].tolist() == [True]
    )
    with pytest.raises(ValidationError, match="did you mean 'kind'"):
        s.validate(df.rename(columns={"kind": "knid"}), "t.csv")


# ------------------------------------------------------------------ fail fast, bounded memory
_PROBE = textwrap.dedent(
    """
    import json, resource, sys, time, zipfile
    sys.path.insert(0, {root!r})
    from urbansec_lib import framework, ingest, orpheus
    from urbansec_lib.errors import ValidationError
    def vm():
        return int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
    cap = vm() + (400 << 20)  # hard ceiling: the process dies rather than swap
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {{}}
    for name, call in [
        ("xlsx_bomb", lambda: ingest.read_table({bomb!r})),
        ("inventory_bomb", lambda: orpheus.read_inventory({bomb!r}, unit_id="BE212")),
        ("billion_laughs", lambda: framework.load_framework({laughs!r})),
        ("deep", lambda: framework.load_framework({deep!r})),
        ("self_anchor", lambda: framework.load_framework({anchor!r})),
    ]:
        t0 = time.perf_counter()
        try:
            call()
            ok = False
        except ValidationError:
            ok = True
        out[name] = [ok, time.perf_counter() - t0]
    out["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    print(json.dumps(out))
    """
)


def test_expansion_inputs_fail_fast_in_bounded_memory(bomb, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 20000 + "]" * 20000 + "\n")
    code = _PROBE.format(
        root=str(ROOT),
        bomb=str(bomb),
        laughs=str(BAD / "fw_billion_laughs.yaml"),
        deep=str(deep),
        anchor=str(BAD / "fw_self_anchor.yaml"),
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    for name in ("xlsx_bomb", "inventory_bomb", "billion_laughs", "deep", "self_anchor"):
        ok, seconds = out[name]
        assert ok and seconds < 2.0, (name, out)
    assert out["rss_growth_mb"] < 200, out


def test_large_export_is_read_in_chunks_with_small_peak(tmp_path):
    """Columns are read as codes + distinct values: 200,000 rows x 12 columns, small peak."""
    import tracemalloc

    p = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{k}": rng.integers(1, 5, 200_000).astype(str) for k in range(12)})
    df.to_csv(p, index=False)
    size = p.stat().st_size
    tracemalloc.start()
    t = ingest.read_table(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert t.n_rows == 200_000 and t.uniq[0].size <= 5  # 4 answers + the header
    cells = 200_000 * 12
    # the decoded text once + int32 codes (and their concatenation) + one chunk of strings;
    # a Python string per cell would cost ~55 bytes a cell (132 MB here)
    assert peak < size + 12 * cells + (32 << 20), (peak, size)


def test_coinr_idata_infinite_value_refused(tmp_path):
    (tmp_path / "iMeta.csv").write_text(
        "iCode,iName,Level,Direction,Weight,Parent,Type\n"
        "idx,Index,3,1,1,,Aggregate\nd1,D1,2,1,1,idx,Aggregate\nx1,X1,1,1,1,d1,Indicator\n"
    )
    (tmp_path / "iData.csv").write_text("uCode,uName,x1\nA,A,1\nB,B,inf\n")
    with pytest.raises(ValidationError) as ei:
        coinr.read_coinr(tmp_path / "iData.csv", tmp_path / "iMeta.csv")
    assert [(p.row, p.column) for p in ei.value.problems] == [(3, "x1")]
