"""Write the malformed-input corpus of the ingestion layer (tests/test_ingest.py).

    .venv/bin/python tests/data/ingest_bad/make_corpus.py

Every file is small and derived from a bundled fixture or demo file by one deliberate
defect; the expected (row, column, message) of each case is in tests/test_ingest.py.
Big and expanding files (zip bombs, 20,000 brackets, > 8 MiB) are generated inside the
tests instead, never committed.
"""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MINI = (ROOT / "tests" / "data" / "frameworks" / "mini.yaml").read_text(encoding="utf-8")
RAW = ROOT / "data" / "raw"


def w(name: str, data: str | bytes) -> None:
    p = HERE / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def fw(old: str, new: str, count: int = 1) -> str:
    assert old in MINI, old
    return MINI.replace(old, new, count)


def main() -> None:
    # ---------------------------------------------------------------- framework YAML
    w("fw_duplicate_dimensions.yaml", MINI + "dimensions:\n  - id: other\n    label: Other\n")
    w(
        "fw_misspelt_weight.yaml",
        fw("    label: Perceived safety\n", "    label: Perceived safety\n    wieght: 2\n"),
    )
    w(
        "fw_misspelt_direction.yaml",
        fw(
            "        direction: higher_is_better\n",
            "        direction: higher_is_better\n        diretion: 1\n",
        ),
    )
    w("fw_unknown_top_key.yaml", MINI + "dimension: []\n")
    w(
        "fw_weight_nan.yaml",
        fw("    label: Perceived safety\n", "    label: Perceived safety\n    weight: .nan\n"),
    )
    w(
        "fw_weight_inf.yaml",
        fw("    label: Perceived safety\n", "    label: Perceived safety\n    weight: .inf\n"),
    )
    w(
        "fw_weight_negative.yaml",
        fw("    label: Perceived safety\n", "    label: Perceived safety\n    weight: -1\n"),
    )
    w("fw_range_reversed.yaml", fw("range: [0, 200]", "range: [200, 0]"))
    w("fw_range_inf.yaml", fw("range: [0, 200]", "range: [0, .inf]"))
    w("fw_range_text.yaml", fw("range: [0, 200]", "range: [0, lots]"))
    w("fw_target_1e400.yaml", fw("range: [0, 200]", "range: [0, 200]\n        target: 1e400"))
    w(
        "fw_duplicate_indicator_key.yaml",
        fw("        type: likert4\n", "        type: likert4\n        type: likert5\n"),
    )
    w(
        "fw_latin1.yaml",
        fw("Perceived safety", "Perceived safety (s\u00e9curit\u00e9)").encode("latin-1"),
    )
    w("fw_self_anchor.yaml", fw("        indices: []\n", "        indices: &loop [a, *loop]\n"))
    w("fw_python_object.yaml", "framework: !!python/object/apply:os.system ['echo hi']\n")
    w("fw_syntax_error.yaml", fw("    label: Perceived safety\n", "    label: [Perceived safety\n"))
    w("fw_not_mapping.yaml", "- just\n- a list\n")
    w("fw_too_many_aliases.yaml", "a: &x 1\nb: [" + ", ".join(["*x"] * 600) + "]\n")
    laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, 9):
        prev, cur = chr(96 + k), chr(97 + k)
        laughs.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    w("fw_billion_laughs.yaml", "\n".join(laughs) + "\n")
    w("fw_utf16.yaml", codecs.BOM_UTF16_LE + MINI.encode("utf-16-le"))  # valid: read
    zero = fw("    label: Perceived safety\n", "    label: Perceived safety\n    weight: 0\n")
    w(
        "fw_all_weights_zero.yaml",
        zero.replace("  - id: cohesion\n", "  - id: cohesion\n    weight: 0\n", 1),
    )

    # ---------------------------------------------------------------- evaluation spec YAML
    spec = (RAW / "orpheus" / "BE212_evaluation.yaml").read_text(encoding="utf-8")
    w("spec_duplicate_key.yaml", spec + "first_post_wave: 2025\n")
    w("spec_misspelt_key.yaml", spec.replace("survey_file:", "survey_flie:"))
    w("spec_nan.yaml", spec.replace("first_post_wave: 2024", "first_post_wave: .nan"))

    # ---------------------------------------------------------------- tables
    inc = (RAW / "orpheus" / "BE212_incidents_monthly.csv").read_text(encoding="utf-8")
    lines = inc.splitlines()
    w(
        "incidents_mixed_encoding.csv",
        ("\n".join(lines[:3]) + "\n").encode()
        + b"2019-03,treated\xe9,4,20000\n"
        + "2019-04,treated,5,20000 \u00e9\n".encode(),
    )
    w("incidents_inf_population.csv", "\n".join(lines[:3] + ["2019-03,treated,4,inf"]) + "\n")
    w("incidents_count_1e400.csv", "\n".join(lines[:3] + ["2019-03,treated,1e400,20000"]) + "\n")
    w("incidents_blank_rows.csv", "\n".join(lines[:3] + ["", "", "2019-13,treated,4,20000"]) + "\n")
    w(
        "incidents_utf16_tab.csv",
        codecs.BOM_UTF16_LE
        + "\n".join(ln.replace(",", "\t") for ln in lines[:6]).encode("utf-16-le")
        + "\r\n".encode("utf-16-le"),
    )
    surv = (RAW / "orpheus" / "BE212_survey_outcomes.csv").read_text(encoding="utf-8").splitlines()
    w(
        "outcomes_weight_nan.csv",
        "\n".join([surv[0] + ",weight", surv[1] + ",1", surv[2] + ",nan"]) + "\n",
    )
    inv = (RAW / "orpheus" / "BE212_inventory.csv").read_text(encoding="utf-8").splitlines()
    w(
        "inventory_mixed_encoding.csv",
        (
            "\n".join([inv[0], inv[1].replace("housing", "housing caf\u00e9", 1)] + inv[2:4]) + "\n"
        ).encode()
        + inv[4].replace(",", " \u00f6,", 1).encode("cp1252")
        + b"\n"
        + ("\n".join(inv[5:]) + "\n").encode(),
    )
    w(
        "inventory_budget_1e400.csv",
        "\n".join(inv[:2] + [inv[2].replace(",650000,", ",1e400,")] + inv[3:]) + "\n",
    )
    w(
        "inventory_cp1252.csv",
        "\n".join(inv).replace("Neighbourhood", "Neighb\u00f6urhood").encode("cp1252") + b"\n",
    )
    w("inventory_binary.csv", b"\x00\x01\x02binary\x00" * 50)
    w("inventory_empty.csv", b"")

    # ---------------------------------------------------------------- manifests
    w("manifest_bad_json.json", '{"studies": {\n  "x": {"study": "a",\n  }\n}\n')
    w("manifest_no_studies.json", json.dumps({"unit_id": "BE212"}))
    w(
        "manifest_wrong_types.json",
        json.dumps({"studies": {"city": {"study": 3, "unit_id": "BE212"}}}),
    )
    w("manifest_nan.json", '{"studies": {"city": {"study": NaN}}}')
    w("manifest_deep.json", "[" * 5000 + "]" * 5000)
    good = {
        "study": "city_self_assessment",
        "unit_id": "../../etc",
        "run_id": "r",
        "notebook": "n",
        "notebook_sha256": "0" * 64,
        "parameters": {},
        "inputs": {"a": "nothex"},
        "results": "../../secret.json",
    }
    w("manifest_traversal.json", json.dumps({"studies": {"city": good}}))
    w("manifest_not_utf8.json", b'{"studies": "\xff\xfe\xfa"}')

    # ---------------------------------------------------------------- COINr iMeta
    head = "iCode,iName,Level,Direction,Weight,Parent,Type\n"
    w(
        "imeta_level_text.csv",
        head
        + "idx,Index,3,1,1,,Aggregate\nd1,D1,two,1,1,idx,Aggregate\nx1,X1,1,1,1,d1,Indicator\n",
    )
    w(
        "imeta_level_blank.csv",
        head + "idx,Index,3,1,1,,Aggregate\nd1,D1,,1,1,idx,Aggregate\nx1,X1,1,1,1,d1,Indicator\n",
    )
    w(
        "imeta_cycle.csv",
        head
        + "idx,Index,3,1,1,,Aggregate\nd1,D1,2,1,1,d2,Aggregate\nd2,D2,2,1,1,d1,Aggregate\nx1,X1,1,1,1,d1,Indicator\n",
    )
    w("imeta_empty.csv", head)
    w(
        "imeta_weight_inf.csv",
        head
        + "idx,Index,3,1,1,,Aggregate\nd1,D1,2,1,inf,idx,Aggregate\nx1,X1,1,1,1,d1,Indicator\n",
    )
    w(
        "imeta_mixed_encoding.csv",
        (head + "idx,Index \u00e9,3,1,1,,Aggregate\n").encode()
        + b"d1,D1 \xe9,2,1,1,idx,Aggregate\nx1,X1,1,1,1,d1,Indicator\n",
    )

    # ---------------------------------------------------------------- workbooks
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    ws.append([1, "=SUM(1,2)"])  # openpyxl writes the formula without a cached value
    buf = io.BytesIO()
    wb.save(buf)
    w("table_formula_no_value.xlsx", buf.getvalue())
    w("table_not_zip.xlsx", b"PK\x03\x04 this is not really a zip")
    w("table_legacy_garbage.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


if __name__ == "__main__":
    main()
