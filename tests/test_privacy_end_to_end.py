"""Privacy end to end: personal data planted in every free-text and identifier position of
the raw exports never reaches ``data/processed/`` or any report.

A name, an e-mail address, a phone number and a submission id are planted in a copy of the
bundled raw data: in identifier columns (name, e-mail, phone, an unknown ``_passport_no``),
free-text answers (comments, "other, specify"), the submission id columns, an answer cell
and the area of rejected rows, a duplicated submission id, and a training export's comment.
Then the import (``build_processed``) and the reports run, and every file under
``data/processed/`` and every HTML / results file is searched for the planted strings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from urbansec_lib import reports, store

ROOT = Path(__file__).resolve().parent.parent
NAME = "Zyxwanda Plantface"
EMAIL = "zyx.plantface@example.org"
PHONE = "+49 30 98765432"
SUBID = "d3adbeef-0000-4000-8000-00000000c0de"
SUBID2 = "d3adbeef-1111-4000-8000-00000000c0de"
PLANTED = [NAME, "Plantface", EMAIL, PHONE, "98765432", SUBID, SUBID2, "d3adbeef"]


def _plant(data: Path) -> None:
    survey_dir = data / "raw" / "survey"
    # a valid export with identifiers and free text next to the answers
    p = next(survey_dir.glob("ES001C_*.csv"))
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["respondent_name"] = NAME
    df["contact/email"] = EMAIL
    df["contact/phone"] = PHONE
    df["comments"] = f"call {NAME} on {PHONE} or {EMAIL}"
    df["other_specify"] = EMAIL
    df["_passport_no"] = NAME
    df.loc[0, "_uuid"] = SUBID
    df.loc[0, "meta/instanceID"] = f"uuid:{SUBID}"
    df.to_csv(p, index=False)
    # an export with rejected rows: personal data typed into answers, area and a duplicate id
    q = next(survey_dir.glob("LV001C_*.csv"))
    df = pd.read_csv(q, dtype=str, keep_default_na=False)
    answer = next(c for c in df.columns if c.endswith("sos_safe_walk_after_dark"))
    df.loc[1, answer] = NAME
    df.loc[2, "area"] = EMAIL
    df.loc[3, "area"] = PHONE
    df.loc[4, "_uuid"] = SUBID2
    df.loc[5, "_uuid"] = SUBID2
    df["comments"] = f"{NAME} {EMAIL} {PHONE}"
    df.to_csv(q, index=False)
    # a training export's free-text comment and submission id
    t = sorted((data / "raw" / "training").glob("*_pre.csv"))[0]
    tr = pd.read_csv(t, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    tr["satisfaction/comments"] = f"{NAME} {EMAIL} {PHONE}"
    tr.loc[0, "_uuid"] = SUBID
    tr.to_csv(t, index=False, encoding="utf-8-sig")


def _leaks(folder: Path) -> list[str]:
    out = []
    for f in sorted(folder.rglob("*")):
        if not f.is_file() or f.suffix in (".png",):
            continue
        text = f.read_bytes().decode("utf-8", "replace")
        out += [f"{f.relative_to(folder)}: {s!r}" for s in PLANTED if s in text]
    return out


@pytest.mark.slow
def test_planted_personal_data_never_leaves_the_import(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANSEC_PSEUDONYM_KEY", "privacy-test-key-0123456789abcdef")
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "raw", data / "raw")
    _plant(data)
    raw_before = {p: p.read_bytes() for p in (data / "raw").rglob("*") if p.is_file()}

    processed = store.build_processed(data)
    # the import of the planted exports happened (not vacuous)
    assert (processed / "ES001C" / "responses.csv").exists()
    assert (processed / "LV001C" / "rejected.csv").exists()
    # identifier detection by declared roles: question ids holding "street" / "audit" kept
    resp = pd.read_csv(processed / "ES001C" / "responses.csv", nrows=2)
    assert {"psl_street_lighting", "psl_safety_audit_public_spaces"} <= set(resp.columns)
    rej = pd.read_csv(processed / "LV001C" / "rejected.csv")
    assert list(rej.columns) == ["file", "row", "column", "problem"] and len(rej) >= 4

    out = tmp_path / "reports"
    runs = [
        ("city_self_assessment", ["ES001C", "LV001C"]),
        (
            "training_evaluation",
            [
                sorted((data / "raw" / "training").glob("*_pre.csv"))[0].name.removesuffix(
                    "_pre.csv"
                )
            ],
        ),
    ]
    htmls = []
    for study, units in runs:
        s = reports.run(
            study,
            units,
            jobs=1,
            parameters={"data_dir": str(data)},
            reports_dir=out,
            root=ROOT,
            progress=False,
        )
        ok = s.table[s.table["status"] == "ok"]
        assert len(ok) >= 1, s.table[["unit_id", "status", "error"]]
        htmls += [Path(h) for h in ok["html"]]
    assert htmls and all(h.exists() for h in htmls)

    leaks = _leaks(processed) + _leaks(out)
    assert leaks == [], leaks
    # raw data untouched by import and reports
    assert {p: p.read_bytes() for p in (data / "raw").rglob("*") if p.is_file()} == raw_before
