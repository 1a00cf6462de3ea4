"""Tests for urbansec_lib.privacy: pseudonyms, keys, identifier stripping, suppression, scans."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat

import numpy as np
import pandas as pd
import pytest

from urbansec_lib import privacy

KEY = b"0123456789abcdef0123456789abcdef"


# ------------------------------------------------------------------ pseudonyms
def test_pseudonymise_matches_hmac_sha256_and_is_deterministic():
    ids = pd.Series(["a1", "b2", "a1", None], index=[10, 11, 12, 13], name="_uuid")
    p = privacy.pseudonymise(ids, KEY)
    # independent route: the standard library's HMAC
    want = "r_" + hmac.new(KEY, b"a1", hashlib.sha256).hexdigest()[:16]
    assert p.loc[10] == want and p.loc[12] == want
    assert p.loc[11] != want
    assert p.loc[13] is None
    assert list(p.index) == [10, 11, 12, 13]
    assert p.iloc[:3].str.fullmatch(r"r_[0-9a-f]{16}").all()
    assert privacy.pseudonymise(ids, KEY).equals(p)
    other = privacy.pseudonymise(ids, b"another-key-with-enough-bytes!!")
    assert (other.iloc[:3] != p.iloc[:3]).all()
    # str keys are the utf-8 bytes
    assert privacy.pseudonymise(["a1"], KEY.decode()).iloc[0] == want


def test_short_key_refused():
    with pytest.raises(privacy.PseudonymKeyError, match="at least 16 bytes"):
        privacy.pseudonymise(["x"], b"short")


# ------------------------------------------------------------------ keys
@pytest.fixture()
def no_key_env(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    keyfile = tmp_path / "cfg" / "urbansec" / "pseudonym.key"
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(keyfile))
    return keyfile


def test_missing_key_is_refused_with_a_clear_message(no_key_env):
    with pytest.raises(privacy.PseudonymKeyError) as ei:
        privacy.load_key()
    msg = str(ei.value)
    assert privacy.KEY_ENV in msg and str(no_key_env) in msg and "create=True" in msg
    assert not no_key_env.exists()


def test_create_key_writes_0600_file_and_reuses_it(no_key_env):
    k1 = privacy.load_key(create=True)
    assert len(k1) == 64 and stat.S_IMODE(no_key_env.stat().st_mode) == 0o600
    assert privacy.load_key() == k1 == privacy.load_key(create=True)
    assert privacy.key_fingerprint(k1) == privacy.key_fingerprint(k1.decode())


def test_env_key_wins(no_key_env, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "an-environment-key-0123456789")
    assert privacy.load_key() == b"an-environment-key-0123456789"
    assert not no_key_env.exists()


def test_default_key_file_is_outside_the_repository():
    assert str(privacy.DEFAULT_KEY_FILE).startswith("~/.config/urbansec")


# ------------------------------------------------------------------ identifiers
@pytest.mark.parametrize(
    "col",
    [
        "name",
        "respondent_name",
        "SubmitterName",
        "contact/e-mail",
        "email",
        "phone_number",
        "tel",
        "home_address",
        "gps",
        "_geolocation",
        "gps_latitude",
        "longitude",
        "loc/geopoint",
        "comments",
        "other_comment",
        "free_text",
        "_submitted_by",
        "deviceid",
    ],
)
def test_identifier_names(col):
    assert privacy.is_identifier(col)


@pytest.mark.parametrize(
    "col",
    [
        "safe_day",
        "wave",
        "area",
        "area_type",
        "unit",
        "respondent",
        "trust_police",
        "_uuid",
        "victim_12m",
        "form_version",
    ],
)
def test_not_identifier_names(col):
    assert not privacy.is_identifier(col)


def test_strip_identifiers_drops_and_side_file(tmp_path):
    df = pd.DataFrame(
        {
            "respondent": ["r_1", "r_2"],
            "safe_day": [3, 4],
            "email": ["a@b.eu", "c@d.eu"],
            "loc/gps": ["60 24", "61 25"],
            "why": ["because the lights are out", "n/a"],  # a text question not in the framework
            "score_extra": [1.5, 2.0],  # numeric, unknown: kept
            "area": ["Kallio", "Kontula"],
        }
    )
    out = privacy.strip_identifiers(df)
    assert list(out.columns) == ["respondent", "safe_day", "why", "score_extra", "area"]
    side = tmp_path / "private" / "ids.csv"
    out = privacy.strip_identifiers(
        df, keep_side_file=side, keep=["respondent", "safe_day", "area"]
    )
    assert list(out.columns) == ["respondent", "safe_day", "score_extra", "area"]
    assert out.attrs["stripped_columns"] == ["email", "loc/gps", "why"]
    assert stat.S_IMODE(side.stat().st_mode) == 0o600
    kept = pd.read_csv(side)
    assert list(kept.columns) == ["respondent", "email", "loc/gps", "why"]
    assert kept["email"].tolist() == ["a@b.eu", "c@d.eu"]
    assert "email" in df.columns  # input unchanged


# ------------------------------------------------------------------ suppression
def test_suppress_masks_small_cells():
    t = pd.DataFrame(
        {
            "unit_id": ["A", "A", "B", "B"],
            "value": [50.0, 20.0, 30.0, 40.0],
            "n": [10, 9, np.nan, 250],
        }
    )
    s = privacy.suppress(t)
    assert s["suppressed"].tolist() == [False, True, True, False]
    assert s["value"].iloc[0] == 50.0 and s["value"].iloc[3] == 40.0
    assert s["value"].iloc[1:3].isna().all()
    assert t["value"].notna().all()  # copy
    s5 = privacy.suppress(t, min_n=5, value_cols=["value"])
    assert s5["suppressed"].tolist() == [False, False, True, False]
    with pytest.raises(ValueError):
        privacy.suppress(t, min_n=0)


def test_suppress_all_numeric_columns_when_no_value_column():
    t = pd.DataFrame({"g": ["x", "y"], "mean": [1.0, 2.0], "sd": [0.1, 0.2], "count": [3, 30]})
    s = privacy.suppress(t, n_col="count")
    assert s.loc[0, ["mean", "sd"]].isna().all() and s.loc[1, "mean"] == 2.0
    assert s["count"].tolist() == [3, 30]


# ------------------------------------------------------------------ scan
def test_scan_html_finds_planted_traces():
    html = (
        "<html><body><h1>Report</h1><table><tr><td>r_0123456789abcdef</td></tr></table>"
        "<p>Contact maria.rossi@example.org or +49 30 1234567, mobile 0612345678.</p>"
        "<p>Area Kallio (n = 4)</p><p>submission 5a1b2c3d-4e5f</p></body></html>"
    )
    found = privacy.scan_html(html, known_ids=["5a1b2c3d-4e5f"])
    kinds = [f.kind for f in found]
    assert kinds.count("pseudonym") == 1 and kinds.count("email") == 1
    assert kinds.count("phone") == 2 and kinds.count("known_id") == 1
    assert kinds.count("small_n") == 1
    assert {f.match for f in found if f.kind == "phone"} == {"+49 30 1234567", "0612345678"}
    assert [f.position for f in found] == sorted(f.position for f in found)


def test_scan_html_clean_report_has_no_findings():
    img = base64.b64encode(bytes(range(256)) * 20).decode()
    html = (
        "<html><body><p>Waves 2023-2025: 61.5% (n = 142) felt safe; population 1 920 950;"
        f' 0.123 and 12.5 points.</p><img src="data:image/png;base64,{img}">'
        "<p>n=10 in the smallest group; code DE001C; version urban_security-1.0.0</p>"
        "</body></html>"
    )
    assert privacy.scan_html(html) == []


def test_scan_ignores_digit_runs_in_attributes_but_not_in_text():
    from urbansec_lib.privacy import scan_html

    assert scan_html('<div id="cell-id=00895393"></div>') == []
    assert [f.kind for f in scan_html("<p>call +32 15 29 76 54</p>")] == ["phone"]


def test_scan_finds_submission_uuids():
    from urbansec_lib.privacy import scan_html

    f = scan_html("<td>3f2b8c1e-9a4d-4c2e-8f1a-0b9c7d6e5a43</td>")
    assert [x.kind for x in f] == ["submission_id"]


#: The scan's patterns as first written (a leading look-behind): the fast forms must find
#: exactly the same matches.
_LEADING_LOOKBEHIND = {
    "_PHONES": [
        r"(?<![\w.,+])(?:\+|00)[1-9]\d{0,2}[\s.\-/]?(?:\(0\)[\s.\-]?)?\(?\d{1,4}\)?"
        r"(?:[\s.\-/]?\d{2,4}){2,5}(?![\w])",
        r"(?<![\w.,/\-])0\d{1,4}[\s\-/]\d{2,8}(?:[\s\-]\d{2,4}){0,3}(?![\w/\-]|[.,]\d)",
        r"(?<![\w.,/\-])0[1-9]\d{8,10}(?![\w/\-]|[.,]\d)",
    ],
    "_SMALL_N": [r"(?<![\w])[nN]\s*(?:=|:)\s*(\d{1,6})(?![\d.])"],
    "_PSEUDONYM_FAST": [r"\br_[0-9a-f]{16}\b"],
}


def _scan_patterns():
    import re

    from urbansec_lib.inputs import privacy_scan as ps

    for name, originals in _LEADING_LOOKBEHIND.items():
        fast = getattr(ps, name)
        for a, b in zip(originals, fast if isinstance(fast, tuple) else (fast,), strict=True):
            yield re.compile(a), b


_ALPHABET = "0123456789 +-/.,()nN=:r_abcdefx\n"


def test_fast_scan_patterns_find_what_leading_lookbehinds_find():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pairs = list(_scan_patterns())
    planted = "x0612345678 +44 (0)20 7946 0018, n=4 an=3 r_0123456789abcdef 030 1234567 0612345678"
    for a, b in pairs:
        assert [m.span() for m in a.finditer(planted)] == [m.span() for m in b.finditer(planted)]
    assert sum(bool(b.search(planted)) for _, b in pairs) == len(pairs)  # each finds one

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.text(alphabet=_ALPHABET, max_size=60))
    def same(text):
        for a, b in pairs:
            assert [m.span() for m in a.finditer(text)] == [m.span() for m in b.finditer(text)]

    same()


def test_secondary_suppression_protects_a_lone_small_cell():
    import pandas as pd

    from urbansec_lib.privacy import secondary_suppress

    t = pd.DataFrame(
        {
            "code": ["a", "a", "a", "b", "b"],
            "n": [7, 20, 30, 25, 40],
            "k": [1.0, 5, 9, 3, 4],
            "suppressed": [True, False, False, False, False],
        }
    )
    out = secondary_suppress(t, "code", value_cols=["k"])
    assert out["suppressed"].tolist() == [True, True, False, False, False]
    assert out["k"].isna().tolist() == [
        False,
        True,
        False,
        False,
        False,
    ]  # primary k masked upstream
