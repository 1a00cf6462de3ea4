"""Tests for urbansec_lib.good_practices (Action 6 inventory and success factors)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from urbansec_lib import good_practices as gp  # noqa: E402
from urbansec_lib import instruments  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FAST = dict(n_splits=3, n_repeats=2, n_estimators=20, perm_repeats=2)


def synthetic(n: int = 40, seed: int = 3) -> pd.DataFrame:
    """Practices where `lighting` strongly predicts high success; all else is noise."""
    rng = np.random.default_rng(seed)
    instr = instruments.load_instrument("good_practice")
    meas = instr.codes("measures")
    lighting = np.r_[np.ones(n // 2, bool), np.zeros(n - n // 2, bool)]
    other = rng.random((n, len(meas))) < 0.4
    other[:, meas.index("lighting")] = lighting
    high = np.where(lighting, rng.random(n) < 0.9, rng.random(n) < 0.1)
    return pd.DataFrame(
        {
            "location_type": rng.choice(instr.codes("location_type"), n),
            "threat": rng.choice(instr.codes("threat"), n),
            "measures": [" ".join(c for c, on in zip(meas, r) if on) or "bollards" for r in other],
            "liveability": rng.integers(1, 6, n),
            "cost_band": rng.choice(instr.codes("cost_band"), n),
            "partners": None,
            "success": np.where(high, rng.integers(4, 6, n), rng.integers(1, 4, n)),
        }
    )


def test_fisher_tea_tasting():
    # Fisher (1935) lady tasting tea, [[3, 1], [1, 3]]: one-sided P = 0.2429 (= 17/70), the
    # two-sided P is twice that, 0.4857 (Agresti 2002, Categorical Data Analysis, 3.5.1).
    r = gp.fisher_table(np.array([1, 1, 1, 1, 0, 0, 0, 0]), np.array([1, 1, 1, 0, 1, 0, 0, 0]))
    assert (r["a"], r["b"], r["c"], r["d"]) == (3, 1, 1, 3)
    assert r["p_fisher"] == pytest.approx(34 / 70, abs=1e-12)
    assert r["p_fisher"] == pytest.approx(0.4857, abs=1e-4)
    one_sided = stats.fisher_exact([[3, 1], [1, 3]], alternative="greater").pvalue
    assert one_sided == pytest.approx(0.2429, abs=1e-4)
    # sample odds ratio 9; conditional MLE 6.408309 as R's fisher.test reports for TeaTasting
    assert r["odds_ratio_sample"] == 9
    assert r["odds_ratio"] == pytest.approx(6.408309, abs=1e-4)
    assert r["or_low"] == pytest.approx(0.2117, abs=1e-3)


def test_evidence_labels():
    assert gp.evidence_label(0.005, 0.75, True, -1) == "strong"
    assert gp.evidence_label(0.005, 0.65, True, -1) == "moderate"  # model too weak
    assert gp.evidence_label(0.005, 0.80, False, -1) == "moderate"  # model disagrees
    assert gp.evidence_label(0.08, 0.80, True, 0.01) == "moderate"
    assert gp.evidence_label(0.08, 0.80, True, -0.01) == "weak"
    assert gp.evidence_label(0.25, 0.95, True, 0.3) == ""


def test_planted_factor_recovered():
    sf = gp.success_factors(synthetic(), seed=0, **FAST)
    rules = sf.rules.set_index("feature")
    assert "measures:lighting" in rules.index
    assert rules.loc["measures:lighting", "direction"] == "+"
    assert rules.loc["measures:lighting", "evidence"] == "strong"
    assert sf.model["auc_mean"] > 0.7
    assert (rules["evidence"] == "strong").sum() == 1  # nothing else is strong
    imp = sf.importance.set_index("feature")["importance_mean"]
    assert imp.idxmax() == "measures:lighting"
    ct = sf.crosstabs.set_index("feature").loc["measures:lighting"]
    assert ct["a"] + ct["b"] == 20
    assert "strong" in sf.summary() and sf.summary_markdown().count("- **") == len(sf.rules)


def test_same_seed_same_output_other_seed_differs():
    df = synthetic()
    a = gp.success_factors(df, seed=7, **FAST)
    b = gp.success_factors(df, seed=7, **FAST)
    c = gp.success_factors(df, seed=8, **FAST)
    pd.testing.assert_frame_equal(a.table(), b.table())
    pd.testing.assert_frame_equal(a.rules, b.rules)
    assert a.model == b.model
    assert a.model["auc_mean"] != c.model["auc_mean"]


def test_demo_inventory_and_page(tmp_path):
    df = instruments.read_responses(
        ROOT / "data" / "raw" / "good_practices" / "good_practices_kobo.csv", "good_practice"
    )
    ov = gp.overview(df)
    assert ov.query("question == 'location_type'")["n_practices"].sum() == len(df)
    df.loc[df.index[0], "practice_name"] = "<script>alert(1)</script>"
    page = gp.inventory_html(df, tmp_path / "inv.html", note="SYNTHETIC")
    html = page.read_text("utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"?http", html)  # no CDN
    for c in ("country", "location_type", "threat", "measures", "partners"):
        assert f'<label for="f-{c}">' in html and f'id="f-{c}"' in html
    assert 'aria-live="polite"' in html and '<th scope="col">' in html
    assert html.count("<tr data-") == len(df)
    csv = pd.read_csv(page.with_suffix(".csv"))
    assert len(csv) == len(df) and "outcomes" not in csv.columns
    assert csv["location_type"].iloc[0] in {
        "Square or plaza",
        "Street or pedestrian zone",
        "Transport hub (station, stop)",
        "Park or green space",
        "Event space (temporary or permanent)",
    }
    sf = gp.success_factors(df.assign(practice_name="x"), seed=0, **FAST)
    # the demo plants place management as a success factor
    assert sf.rules.set_index("feature").loc["measures:management", "direction"] == "+"
