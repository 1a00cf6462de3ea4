"""Generate the malformed survey-export corpus used by tests/test_survey.py.

Run from the repository root:  .venv/bin/python tests/data/survey_bad/make_corpus.py
Every file is small, hand-designed and deterministic (no randomness); the files and
cases.yaml are committed, this script documents how they were made. The framework is the
test fixture tests/data/frameworks/mini.yaml (form version mini-0.3.1).

cases.yaml lists for every file the problem the importer must report: row (as a spreadsheet
shows it; header = 1, null = whole file), column (original header, null = whole row/file),
a substring of the message, whether the problem concerns one row ("row": on_error="split"
rejects that row and imports the rest) or the whole file ("file": always raises), and the
keyword arguments to pass to read_responses.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import yaml
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

HEADER = [
    "unit",
    "area",
    "wave",
    "area_type",
    "respondent_role",
    "safe_day",
    "safe_night",
    "worry_crime",
    "victim_12m",
    "incidents_seen",
    "trust_police",
    "neighbours_known",
    "meetings_share",
    "minutes_to_help",
]
ROWS = [
    [
        "DE001C",
        "Neukölln-Nord",
        "2025",
        "intervention",
        "resident",
        "3",
        "2",
        "4",
        "0",
        "1 3",
        "4",
        "12",
        "50",
        "15",
    ],
    [
        "DE001C",
        "Spandau-Mitte",
        "2025",
        "comparison",
        "police",
        "4",
        "4",
        "2",
        "1",
        "",
        "5",
        "3",
        "0",
        "8.5",
    ],
    [
        "DE001C",
        "Köpenick",
        "2023",
        "comparison",
        "resident",
        "2",
        "n/a",
        "3",
        "0",
        "2",
        "3",
        "0",
        "25.5",
        "30",
    ],
]
KOBO_HEADER = [
    "start",
    "end",
    "unit",
    "area",
    "wave",
    "area_type",
    "respondent_role",
    "safety/safe_day",
    "safety/safe_night",
    "safety/worry_crime",
    "safety/victim_12m",
    "safety/incidents_seen",
    "cohesion/trust_police",
    "cohesion/neighbours_known",
    "cohesion/meetings_share",
    "cohesion/minutes_to_help",
    "form_version",
    "meta/instanceID",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "__version__",
    "_index",
]
UUIDS = [
    "0f8c7a52-1d3e-4c5b-9a61-3e2f4b5c6d70",
    "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "9b8a7f6e-5d4c-4b3a-a291-807f6e5d4c3b",
]

cases: list[dict] = []


def kobo_rows(
    version: str = "mini-0.3.1", dunder: str = "vX7fj3kQm2nP8rT5sW1yZa"
) -> list[list[str]]:
    out = []
    for i, r in enumerate(ROWS):
        out.append(
            [f"2025-05-0{i + 1}T10:00:00.000+02:00", f"2025-05-0{i + 1}T10:09:00.000+02:00"]
            + r
            + [
                version,
                f"uuid:{UUIDS[i]}",
                str(1000 + i),
                UUIDS[i],
                f"2025-05-0{i + 1}T10:10:00",
                "",
                dunder,
                str(i + 1),
            ]
        )
    return out


def write_csv(
    name: str,
    header: list[str],
    rows: list[list[str]],
    sep: str = ",",
    encoding: str = "utf-8",
    eol: str = "\n",
) -> None:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v or "\n" in v) else v

    lines = [sep.join(cell(c) for c in header)] + [sep.join(cell(c) for c in r) for r in rows]
    (HERE / name).write_bytes((eol.join(lines) + eol).encode(encoding))


def write_xlsx(name: str, header: list[str], rows: list[list]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "responses"
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    (HERE / name).write_bytes(_fixed_time_zip(buf.getvalue()))


def _fixed_time_zip(data: bytes) -> bytes:
    """Same workbook with fixed timestamps (openpyxl stamps the save time), so reruns match."""
    stamp = "2026-11-24T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp.encode() + rb"\g<3>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 24, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, body)
    return out.getvalue()


def case(
    file: str,
    row: int | None,
    column: str | None,
    expected: str,
    level: str = "row",
    note: str = "",
    **kwargs,
) -> None:
    cases.append(
        {
            "file": file,
            "row": row,
            "column": column,
            "expected": expected,
            "level": level,
            "kwargs": kwargs,
            "note": note,
        }
    )


def mutate(
    r: int,
    col: str,
    value: str,
    rows: list[list[str]] | None = None,
    header: list[str] | None = None,
) -> list[list[str]]:
    rows = [list(x) for x in (rows or ROWS)]
    rows[r][(header or HEADER).index(col)] = value
    return rows


def main() -> None:
    for p in HERE.iterdir():
        if p.suffix in (".csv", ".xlsx", ".txt") and p.name != "PROVENANCE.txt":
            p.unlink()
    # --- whole-file problems
    (HERE / "01_empty.csv").write_bytes(b"")
    case("01_empty.csv", None, None, "the file is empty", "file", "zero bytes")
    (HERE / "02_binary.csv").write_bytes(bytes(range(256)) * 3)
    case("02_binary.csv", None, None, "NUL bytes", "file", "binary junk")
    write_csv("03_header_only.csv", HEADER, [])
    case("03_header_only.csv", 2, None, "only a header", "file")
    (HERE / "04_blank_lines_only.csv").write_bytes(b"\r\n  \r\n;;;\r\n")
    case("04_blank_lines_only.csv", None, None, "the file is empty", "file")
    write_csv("05_unknown_column.csv", HEADER + ["q99"], [r + ["x"] for r in ROWS])
    case("05_unknown_column.csv", 1, "q99", "framework question id", "file")
    hdr = [h for h in HEADER if h != "wave"]
    write_csv(
        "06_missing_wave_column.csv",
        hdr,
        [[c for h, c in zip(HEADER, r) if h != "wave"] for r in ROWS],
        sep=";",
    )
    case("06_missing_wave_column.csv", 1, "wave", "required metadata", "file")
    write_csv("07_duplicate_column.csv", HEADER + ["safety/safe_day"], [r + ["3"] for r in ROWS])
    case("07_duplicate_column.csv", 1, "safety/safe_day", "one column per question", "file")
    write_csv("08_empty_header_cell.csv", HEADER + [""], [r + ["stray"] for r in ROWS])
    case("08_empty_header_cell.csv", 1, "(column O)", "a column name", "file")
    kh = KOBO_HEADER[:12] + ["safety/incidents_seen/7"] + KOBO_HEADER[12:]
    kr = [r[:12] + ["0"] + r[12:] for r in kobo_rows()]
    write_csv("09_unknown_option_column.csv", kh, kr, sep=";")
    case(
        "09_unknown_option_column.csv",
        1,
        "safety/incidents_seen/7",
        "an option column of incidents_seen",
        "file",
    )
    (HERE / "10_corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\x14\x00truncated workbook" * 5)
    case("10_corrupt.xlsx", None, None, "readable .xlsx", "file")
    (HERE / "11_not_a_workbook.xlsx").write_bytes(b"unit;area\nDE001C;x\n")
    case("11_not_a_workbook.xlsx", None, None, "readable .xlsx", "file", "CSV renamed .xlsx")
    # --- row-level problems
    write_csv("12_ragged_long.csv", HEADER, [ROWS[0], ROWS[1] + ["extra", "cells"], ROWS[2]])
    case("12_ragged_long.csv", 3, None, "ragged row")
    write_csv("13_ragged_short.csv", HEADER, [ROWS[0], ROWS[1], ROWS[2][:9]], sep=";")
    case("13_ragged_short.csv", 4, None, "ragged row")
    text = (
        ",".join(HEADER)
        + "\n"
        + ",".join(ROWS[0])
        + "\n"
        + '"DE001C,Spandau,2025,comparison,police,4,4,2,1,,5,3,0,8.5\n'
        + ",".join(ROWS[2])
        + "\n"
    )
    (HERE / "14_unclosed_quote.csv").write_bytes(text.encode("utf-8"))
    case("14_unclosed_quote.csv", 3, None, "ragged row", note="quote never closed")
    write_csv("15_likert_out_of_range.csv", HEADER, mutate(1, "safe_day", "7"))
    case("15_likert_out_of_range.csv", 3, "safe_day", "a code 1 = Very unsafe; 2 = Rather unsafe")
    write_csv(
        "16_likert_text_latin1.csv",
        HEADER,
        mutate(0, "safe_night", "très"),
        sep=";",
        encoding="latin-1",
    )
    case("16_likert_text_latin1.csv", 2, "safe_night", "a code 1 = Very unsafe")
    write_csv("17_share_out_of_range.csv", HEADER, mutate(2, "meetings_share", "150"))
    case("17_share_out_of_range.csv", 4, "meetings_share", "a number between 0 and 100")
    write_csv("18_count_not_integer.csv", HEADER, mutate(0, "neighbours_known", "2.5"))
    case("18_count_not_integer.csv", 2, "neighbours_known", "a whole number between 0 and 200")
    write_csv("19_numeric_text.csv", HEADER, mutate(1, "minutes_to_help", "ten"), eol="\r\n")
    case("19_numeric_text.csv", 3, "minutes_to_help", "a number between 0 and 240")
    write_csv("20_required_answer_missing.csv", HEADER, mutate(1, "safe_day", ""), sep=";")
    case("20_required_answer_missing.csv", 3, "safe_day", "required question")
    write_csv("21_area_missing.csv", HEADER, mutate(2, "area", "n/a"))
    case("21_area_missing.csv", 4, "area", "an area code (required)")
    write_csv("22_bad_wave.csv", HEADER, mutate(0, "wave", "25"))
    case("22_bad_wave.csv", 2, "wave", "a year between 1990 and 2100")
    write_csv(
        "23_bad_area_type.csv",
        HEADER,
        mutate(1, "area_type", "treated"),
        sep=";",
        encoding="utf-8-sig",
    )
    case("23_bad_area_type.csv", 3, "area_type", "one of intervention, comparison, none")
    write_csv("24_bad_role.csv", HEADER, mutate(2, "respondent_role", "mayor"))
    case("24_bad_role.csv", 4, "respondent_role", "one of resident, city_staff")
    write_csv("25_unit_mismatch.csv", HEADER, mutate(1, "unit", "FI001C"))
    case("25_unit_mismatch.csv", 3, "unit", "DE001C (the unit being imported)", unit_id="DE001C")
    write_csv(
        "26_unknown_unit.csv",
        HEADER,
        mutate(0, "unit", "XX999C", mutate(1, "unit", "XX999C", mutate(2, "unit", "XX999C"))),
    )
    case(
        "26_unknown_unit.csv",
        2,
        "unit",
        "a known unit code (DE001C, FI001C)",
        units=["DE001C", "FI001C"],
    )
    write_csv("27_bad_unit_code.csv", HEADER, mutate(2, "unit", "de-001"))
    case("27_bad_unit_code.csv", 4, "unit", "a unit code like DE001C")
    kr = kobo_rows()
    kr[2][KOBO_HEADER.index("_uuid")] = UUIDS[0]
    write_csv("28_duplicate_uuid_kobo.csv", KOBO_HEADER, kr, sep=";", encoding="utf-8-sig")
    case("28_duplicate_uuid_kobo.csv", 4, "_uuid", "a unique submission id (first seen in row 2)")
    kr = kobo_rows()
    kr[0][KOBO_HEADER.index("form_version")] = "mini-0.2.0"
    write_csv("29_form_version_mismatch_kobo.csv", KOBO_HEADER, kr, sep=";")
    case("29_form_version_mismatch_kobo.csv", 2, "form_version", "form version mini-0.3.1")
    kr = kobo_rows(dunder="mini-0.2.0")
    write_csv("30_dunder_version_mismatch_kobo.csv", KOBO_HEADER, kr)
    case("30_dunder_version_mismatch_kobo.csv", 3, "__version__", "form version mini-0.3.1")
    write_csv("31_select_multiple_bad_code.csv", HEADER, mutate(0, "incidents_seen", "1 9"))
    case("31_select_multiple_bad_code.csv", 2, "incidents_seen", "space-separated codes from 1")
    sm = [
        "safety/incidents_seen/1",
        "safety/incidents_seen/2",
        "safety/incidents_seen/3",
        "safety/incidents_seen/4",
    ]
    kh = KOBO_HEADER[:12] + sm + KOBO_HEADER[12:]
    split = {"1 3": ["1", "0", "0", "0"], "": ["", "", "", ""], "2": ["0", "1", "0", "0"]}
    kr = [r[:12] + split[r[11]] + r[12:] for r in kobo_rows()]
    write_csv("32_select_multiple_split_mismatch.csv", kh, kr, sep=";")
    case(
        "32_select_multiple_split_mismatch.csv",
        2,
        "safety/incidents_seen/3",
        "agreeing with column 'safety/incidents_seen'",
    )
    kr = [r[:12] + split[r[11]] + r[12:] for r in kobo_rows()]
    kr[2][12 + 1] = "yes"
    write_csv("33_select_multiple_split_bad_value.csv", kh, kr, sep=";")
    case("33_select_multiple_split_bad_value.csv", 4, "safety/incidents_seen/2", "0 or 1")
    rows = [[int(c) if c.isdigit() else c for c in r] for r in mutate(1, "safe_day", "9")]
    write_xlsx("34_xlsx_bad_code.xlsx", HEADER, rows)
    case("34_xlsx_bad_code.xlsx", 3, "safe_day", "a code 1 = Very unsafe")
    rows = [[int(c) if c.isdigit() else c for c in r] for r in ROWS]
    rows[0][HEADER.index("minutes_to_help")] = 300.5
    write_xlsx("35_xlsx_out_of_range.xlsx", HEADER, rows)
    case("35_xlsx_out_of_range.xlsx", 2, "minutes_to_help", "a number between 0 and 240")
    write_csv(
        "36_decimal_comma_latin1.csv",
        HEADER,
        mutate(2, "meetings_share", "150,5"),
        sep=";",
        encoding="latin-1",
    )
    case(
        "36_decimal_comma_latin1.csv",
        4,
        "meetings_share",
        "a number between 0 and 100",
        note="decimal comma is read as 150.5",
    )
    rows = mutate(0, "safe_day", "0", mutate(1, "wave", "twenty", mutate(2, "victim_12m", "2")))
    write_csv("37_three_errors.csv", HEADER, rows)
    case(
        "37_three_errors.csv",
        4,
        "victim_12m",
        "a code 0 = No; 1 = Yes",
        note="three problems; all must be reported",
    )

    (HERE / "cases.yaml").write_text(
        "# Generated by make_corpus.py - expected located problem per malformed export.\n"
        + yaml.safe_dump(
            {"framework": "tests/data/frameworks/mini.yaml", "cases": cases},
            sort_keys=False,
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    (HERE / "PROVENANCE.txt").write_text(
        "Malformed survey exports for the importer tests.\n"
        "Origin: hand-designed, generated by make_corpus.py in this folder (no real data,\n"
        "no people; area names are public neighbourhood names). Framework: the test fixture\n"
        "tests/data/frameworks/mini.yaml. Shapes follow the KoboToolbox CSV export (XML names,\n"
        "group prefixes, ';' default delimiter, _uuid/_id/__version__ system columns) and the\n"
        "plain response template. Regenerate: .venv/bin/python tests/data/survey_bad/make_corpus.py\n"
        "Licence: same as the repository.\n",
        encoding="utf-8",
    )
    print(f"{len(cases)} cases written to {HERE}")


if __name__ == "__main__":
    main()
