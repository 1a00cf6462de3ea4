"""Tests for urbansec_lib.ai_survey (Action 3 survey of urban authorities)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from urbansec_lib import ai_survey, instruments  # noqa: E402
from urbansec_lib.errors import ValidationError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "actions_bad"
RAW = ROOT / "data" / "raw" / "ai"


def wilson_by_hand(k: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval: (k + z^2/2 +- z sqrt(k(n-k)/n + z^2/4)) / (n + z^2)."""
    centre = (k + z * z / 2) / (n + z * z)
    half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def small() -> pd.DataFrame:
    # 12 small authorities (3 using ANPR), 4 large ones (all using ANPR)
    used = ["anpr"] * 3 + ["none"] * 9 + ["anpr drones"] * 4
    return pd.DataFrame(
        {
            "country": ["ES"] * 12 + ["FR"] * 4,
            "size_class": ["small"] * 12 + ["large"] * 4,
            "tech_used": used,
            "tech_tested": [None] * 15 + ["drones"],
            "bottlenecks": ["legal"] * 6 + [None] * 6 + ["financial"] * 4,
            "dpia": [None] * 12 + ["yes", "yes", "no", "dont_know"],
        }
    )


def test_wilson_hand_computed():
    # k = 3, n = 10: centre (3 + 1.9207) / 13.8415 = 0.35550, half-width 0.24772
    lo, hi = wilson_by_hand(3, 10)
    assert (lo, hi) == pytest.approx((0.107789, 0.603222), abs=1e-5)
    t = ai_survey.prevalence(
        small().iloc[:10].assign(tech_used=["anpr"] * 3 + ["none"] * 7), min_n=10
    )
    r = t.set_index(["status", "technology"]).loc[("used", "anpr")]
    assert (r["n"], r["k"], r["share"]) == (10, 3, 0.3)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    assert ai_survey.wilson([0], [5])[0][0] == pytest.approx(0.0, abs=1e-12)


def test_groups_suppressed_and_in_code_order():
    t = ai_survey.prevalence(small(), by="size_class", min_n=10)
    assert t["size_class"].unique().tolist() == ["small", "large"]  # form order, not by share
    large = t[t["size_class"] == "large"]
    assert (
        large["suppressed"].all() and large[["k", "share", "ci_low", "ci_high"]].isna().all().all()
    )
    # complementary suppression: the overall total is published too, so with only two
    # size classes the other one would reveal the small cell by subtraction
    s = t[(t["size_class"] == "small") & (t["status"] == "used")].set_index("technology")
    assert s["suppressed"].all() and s["k"].isna().all()
    assert (s["n"] == 12).all()
    # the small class on its own (no published margin): nothing to protect
    only_small = ai_survey.prevalence(small()[small()["size_class"] == "small"], min_n=10)
    s = only_small[only_small["status"] == "used"].set_index("technology")
    assert s.loc["anpr", "k"] == 3 and s.loc["any", "k"] == 3 and s.loc["any", "n"] == 12
    # optional select_multiple: empty answers count as "none of these"
    tested = only_small[only_small["status"] == "tested"].set_index("technology")
    assert tested.loc["drones", "n"] == 12 and tested.loc["drones", "k"] == 0
    rep = ai_survey.report_table(t, by="size_class")
    assert (rep.loc[rep["size class"] == "large", "authorities"] == "too few").all()


def test_bottlenecks_and_safeguards():
    b = ai_survey.bottlenecks(small(), by=None, min_n=10).set_index("code")
    assert b.loc["legal", "n"] == 16 and b.loc["legal", "k"] == 6  # empty = none of these
    s = ai_survey.safeguards(small(), min_n=1).query("question == 'dpia'").set_index("code")
    # denominator: the 7 users (3 small + 4 large) who answered: only 4 answered the DPIA item
    assert s.loc["yes", "n"] == 4 and s.loc["yes", "k"] == 2


def test_national_positions(tmp_path):
    pos = ai_survey.read_national_positions(RAW / "national_positions.csv")
    assert (pos["status"] == "illustrative").all()
    df = instruments.read_responses(RAW / "ai_survey_kobo.csv", "ai_technologies")
    j = ai_survey.join_national_positions(df, pos, min_n=10)
    assert j["country"].tolist() == sorted(j["country"])
    small_c = df["country"].value_counts().lt(10)
    masked = j.set_index("country").loc[small_c[small_c].index]
    assert masked["suppressed"].all() and masked["n"].isna().all()
    with pytest.raises(ValidationError) as exc:
        ai_survey.read_national_positions(BAD / "national_positions_bad.csv")
    assert {(p.row, p.column) for p in exc.value.problems} == {
        (3, "country"),
        (4, "source"),
        (4, "date"),
        (5, "country"),
        (5, "status"),
    }


def test_demo_survey():
    df = instruments.read_responses(RAW / "ai_survey_kobo.csv", "ai_technologies")
    t = ai_survey.prevalence(df, min_n=10)
    used = t[t["status"] == "used"].set_index("technology")
    k = df["tech_used"].str.split().apply(lambda v: "video_analytics" in v).sum()
    assert used.loc["video_analytics", "k"] == k and used.loc["video_analytics", "n"] == 60
    assert list(used.index[:-1]) == [
        c for c in instruments.load_instrument("ai_technologies").codes("tech_used") if c != "none"
    ]
    by_c = ai_survey.bottlenecks(df, by="country", min_n=10)
    assert by_c.loc[by_c["country"] == "AT", "suppressed"].all()
    assert isinstance(
        ai_survey.plot_prevalence(ai_survey.prevalence(df, by="size_class"), by="size_class"),
        Figure,
    )
