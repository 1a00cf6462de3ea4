"""Tests for urbansec_lib.training (Action 4 pre/post evaluation)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import stats  # noqa: E402

from urbansec_lib import instruments, training  # noqa: E402
from urbansec_lib.errors import ValidationError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "actions_bad"
COMP = training.load_competences()


def frames(pre_scores, post_scores, area="integrated_security", ids=None):
    """Pre/post frames where every item of ``area`` equals the given score."""
    items = list(next(a for a in COMP.areas if a.id == area).items)
    ids = ids or [f"p{i}" for i in range(len(pre_scores))]
    pre = pd.DataFrame(
        {
            "respondent": ids,
            "wave": "pre",
            "training_id": "TR-TST-2025",
            **{i: pre_scores for i in items},
        }
    )
    post = pd.DataFrame(
        {
            "respondent": ids[: len(post_scores)],
            "wave": "post",
            "training_id": "TR-TST-2025",
            **{i: post_scores for i in items},
        }
    )
    return pre, post


def row(res, area="integrated_security"):
    return res.areas.set_index("area").loc[area]


def test_competence_framework_matches_questionnaire():
    instr = instruments.load_instrument("training_pre_post")
    item_ids = COMP.items["item"].tolist()
    assert set(item_ids) <= set(instr.names)
    assert all(instr.numeric_codes(i) for i in item_ids)
    assert set(COMP.profiles) == set(instr.codes("profile"))
    assert len(COMP.areas) == 6 and COMP.items.groupby("area").size().between(2, 3).all()
    assert COMP.matrix().loc["Urban planner / designer", "security_by_design"] == "core"


def test_bad_competences_located():
    with pytest.raises(ValidationError) as exc:
        training.load_competences(BAD / "bad_competences.yaml")
    assert {p.column for p in exc.value.problems} == {"areas[0].items", "profiles[0].core"}


def test_paired_t_and_wilcoxon_hand_computed():
    # differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t = 2.5 / (sqrt(5/3)/2) = 3.8730 (df 3)
    pre, post = frames([1, 1, 1, 1], [2, 3, 4, 5])
    r = row(training.evaluate(pre, post, min_n=2))
    assert r["n_pairs"] == 4
    assert r["mean_diff"] == pytest.approx(2.5)
    assert r["t"] == pytest.approx(2.5 / (np.sqrt(5 / 3) / 2), rel=1e-12)
    # two-sided p from Student's t with 3 df: 2 * (1 - F(3.8730)) = 0.030466 (t tables:
    # between the 0.05 and 0.02 two-sided critical values 3.182 and 4.541)
    assert r["p_t"] == pytest.approx(0.030466, abs=1e-5)
    # Wilcoxon: all four differences positive -> W = min(T+, T-) = 0; exact two-sided
    # p = 2 * P(T- = 0) = 2 / 2**4 = 0.125
    assert r["wilcoxon_w"] == 0
    assert r["p_wilcoxon"] == pytest.approx(0.125)
    # d_z = 2.5 / sqrt(5/3)
    assert r["dz"] == pytest.approx(2.5 / np.sqrt(5 / 3))


def test_dz_ci_against_independent_computations():
    # (1) exact pivot, independent route: dense grid of noncentrality values, interpolated
    dz, n = 0.5, 25
    t, df = dz * np.sqrt(n), n - 1
    grid = np.linspace(-2, 8, 200001)
    cdf = stats.nct.cdf(t, df, grid)  # decreasing in the noncentrality
    lo_ncp = np.interp(-0.975, -cdf, grid)
    hi_ncp = np.interp(-0.025, -cdf, grid)
    lo, hi = training.dz_confint(dz, n)
    assert lo == pytest.approx(lo_ncp / np.sqrt(n), abs=1e-4)
    assert hi == pytest.approx(hi_ncp / np.sqrt(n), abs=1e-4)
    # (2) duality with the t-test: at the two-sided 5% critical value the lower limit is 0
    tcrit = stats.t.ppf(0.975, 19)
    lo0, _ = training.dz_confint(tcrit / np.sqrt(20), 20)
    assert lo0 == pytest.approx(0.0, abs=1e-8)
    # (3) large n: close to the normal approximation d +- 1.96 sqrt(1/n + d^2/(2n))
    # (Hedges & Olkin 1985, one-sample / paired case)
    d, n = 0.4, 400
    se = np.sqrt(1 / n + d**2 / (2 * n))
    lo, hi = training.dz_confint(d, n)
    assert lo == pytest.approx(d - 1.96 * se, abs=3e-3)
    assert hi == pytest.approx(d + 1.96 * se, abs=3e-3)
    # (4) far tail where scipy's nct.cdf returns NaN: still finite and ordered
    lo, hi = training.dz_confint(0.9026, 26)
    assert 0 < lo < 0.9026 < hi


def test_holm_hand_computed():
    # p = (0.01, 0.04, 0.03, 0.005): sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06,
    # 0.04*1 = 0.04 -> monotone 0.02, 0.03, 0.06, 0.06 (Holm 1979)
    p = pd.Series([0.01, 0.04, 0.03, 0.005, np.nan])
    adj = training._holm(p)
    assert adj.iloc[:4].tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adj.iloc[4])


def test_matching_and_suppression():
    rng = np.random.default_rng(1)
    pre_s = rng.integers(1, 6, 12)
    post_s = np.clip(pre_s + rng.integers(0, 3, 12), 1, 5)[:10]
    pre, post = frames(list(pre_s), list(post_s))
    post.loc[len(post)] = ["newcomer", "post", "TR-TST-2025", 3, 3, 3]
    res = training.evaluate(pre, post, min_n=10)
    assert res.matching == {
        "n_pre": 12,
        "n_post": 11,
        "n_matched": 10,
        "n_pre_only": 2,
        "n_post_only": 1,
    }
    assert not row(res)["suppressed"] and row(res)["n_pairs"] == 10
    res11 = training.evaluate(pre, post, min_n=11)
    r = row(res11)
    assert r["suppressed"] and np.isnan(r["mean_diff"]) and np.isnan(r["p_holm"])
    assert "fewer than 11" in res11.report_table()["pairs"].tolist()
    # areas without answers are suppressed too, never reported as zero change
    assert row(res, "data_evaluation")["suppressed"]


def test_wrong_wave_and_duplicate_located():
    pre, post = frames([1, 2, 3], [2, 3, 4])
    post.loc[1, "wave"] = "pre"
    pre.index = pd.Index([2, 3, 4], name="row")
    pre.attrs["file"] = "x_pre.csv"
    pre.loc[4, "respondent"] = "p0"
    with pytest.raises(ValidationError) as exc:
        training.evaluate(pre, post)
    got = {(p.file, p.row, p.column) for p in exc.value.problems}
    assert ("x_pre.csv", 2, "respondent") in got and ("x_pre.csv", 4, "respondent") in got
    assert ("post responses", 3, "wave") in got


def test_demo_trainings_recover_planted_effects():
    res = {r.training_id: r for r in training.evaluate_all(ROOT / "data")}
    assert list(res) == ["TR-MAD-2025", "TR-MEC-2025"]
    mad = res["TR-MAD-2025"].areas.set_index("area")
    # planted +0.8 and +0.6 shifts: large effects, Holm p < 0.01
    assert mad.loc["integrated_security", "dz_low"] > 0.5
    assert mad.loc["data_evaluation", "p_holm"] < 0.01
    # no planted change in the European dimension
    assert mad.loc["european_dimension", "p_holm"] > 0.05
    mec = res["TR-MEC-2025"].areas.set_index("area")
    assert mec.loc["partnership_working", "p_holm"] < 0.01
    cmp = training.compare(list(res.values()))
    assert cmp["training_id"].unique().tolist() == ["TR-MAD-2025", "TR-MEC-2025"]
    sat = res["TR-MAD-2025"].satisfaction
    assert sat["n"].min() >= 10 and sat["share_agree"].between(0, 1).all()
    bp = res["TR-MAD-2025"].by_profile
    assert bp.loc[bp["suppressed"], "mean_diff"].isna().all()
    assert "matched participants" in res["TR-MAD-2025"].summary()
    assert isinstance(res["TR-MAD-2025"].plot(), Figure)
    assert isinstance(training.plot_compare(cmp), Figure)
