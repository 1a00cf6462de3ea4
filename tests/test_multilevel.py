"""Respondent-level multilevel models (issue 20): hand-built cases with known ICCs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from urbansec_lib import multilevel as ml


def _nested(a: int, b: int, r: int, s2u: float, s2n: float, s2e: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(a), b * r)
    nb = np.repeat(np.arange(a * b), r)
    y = (
        rng.normal(0, np.sqrt(s2u), a)[unit]
        + rng.normal(0, np.sqrt(s2n), a * b)[nb]
        + rng.normal(0, np.sqrt(s2e), a * b * r)
    )
    return pd.DataFrame(
        {"unit_id": [f"U{u}" for u in unit], "area": [f"n{k % b}" for k in nb], "y": y}
    )


def test_balanced_nested_reml_equals_anova_by_hand():
    # balanced two-level nested design: REML = the ANOVA (expected mean squares) estimators
    # when they are positive (Searle, Casella & McCulloch 1992, Variance Components, ch. 4)
    a, b, r = 8, 4, 12
    d = _nested(a, b, r, 1.0, 0.5, 2.0, seed=11)
    nb = d["unit_id"] + "/" + d["area"]
    m_u = d.groupby("unit_id")["y"].transform("mean")
    m_n = d.groupby(nb)["y"].transform("mean")
    ms_e = ((d["y"] - m_n) ** 2).sum() / (a * b * (r - 1))
    ms_n = ((m_n - m_u) ** 2).sum() / (a * (b - 1))  # row sum = r * sum over neighbourhoods
    ms_u = b * r * ((d.groupby("unit_id")["y"].mean() - d["y"].mean()) ** 2).sum() / (a - 1)
    s2e, s2n, s2u = ms_e, (ms_n - ms_e) / r, (ms_u - ms_n) / (b * r)
    assert min(s2e, s2n, s2u) > 0
    m = ml.fit_multilevel(d, "y", [], min_n=10)
    assert m.variances["residual"] == pytest.approx(s2e, rel=1e-3)
    assert m.variances["neighbourhood"] == pytest.approx(s2n, rel=1e-3)
    assert m.variances["unit"] == pytest.approx(s2u, rel=1e-3)
    tot = s2u + s2n + s2e
    assert m.icc_unit == pytest.approx(s2u / tot, rel=1e-3)
    assert m.icc_neighbourhood == pytest.approx((s2u + s2n) / tot, rel=1e-3)


def test_simulated_known_icc_recovered():
    # true ICC unit 1/3.5 = 0.286, neighbourhood 1.5/3.5 = 0.429
    d = _nested(40, 4, 15, 1.0, 0.5, 2.0, seed=3)
    m = ml.fit_multilevel(d, "y", [], min_n=10)
    assert m.icc_unit == pytest.approx(1 / 3.5, abs=0.08)
    assert m.icc_neighbourhood == pytest.approx(1.5 / 3.5, abs=0.08)
    assert (m.n_obs, m.n_units, m.n_neighbourhoods) == (2400, 40, 160)


def test_anova_icc_one_way_by_hand():
    y = pd.Series([1.0, 2, 3, 5, 6, 7])
    g = pd.Series(list("aaabbb"))
    # MSW = 1, MSB = 24, k = 3: (24 - 1) / (24 + 2)
    assert ml.anova_icc(y, g) == pytest.approx(23 / 26)


def test_fixed_effect_recovered_and_table():
    d = _nested(10, 3, 20, 0.5, 0.2, 1.0, seed=5)
    rng = np.random.default_rng(6)
    d["x"] = rng.normal(size=len(d))
    d["y"] = d["y"] + 0.7 * d["x"]
    m = ml.fit_multilevel(d, "y", ["x"], min_n=10)
    row = m.params.set_index("term").loc["x"]
    assert row["estimate"] == pytest.approx(0.7, abs=0.1)
    assert row["ci_low"] < 0.7 < row["ci_high"]
    assert {"ICC unit", "variance: residual"} <= set(m.table()["term"])


def test_suppression_rules():
    d = _nested(2, 3, 20, 0.5, 0.2, 1.0, seed=1)  # only 2 units
    m = ml.fit_multilevel(d, "y", [], min_n=10)
    assert m.suppressed and np.isnan(m.icc_unit) and m.params.empty
    assert ml.fit_ordinal(d.assign(y=(d["y"] > 0).astype(int) + 1), "y", [], min_n=10).suppressed
    # neighbourhoods under the threshold are left out (never used in a statistic)
    d = _nested(4, 3, 12, 0.5, 0.2, 1.0, seed=2)
    d = d.drop(d.index[(d["unit_id"] == "U0") & (d["area"] == "n0")][:5])
    m = ml.fit_multilevel(d, "y", [], min_n=10)
    assert m.n_neighbourhoods == 11 and m.n_obs == 4 * 3 * 12 - 12
    assert "fewer than 10" in m.notes[0]


def test_collective_efficacy_reverses_and_needs_three_items():
    r = pd.DataFrame({c: [4, 4, None] for c in ml.CE_ITEMS})
    r.loc[0, "sc_ce_not_get_along"] = 1  # strong disagreement that people don't get along
    r.loc[2, "sc_ce_willing_help"] = 5
    s = ml.collective_efficacy(r)
    assert s.iloc[0] == pytest.approx((4 * 4 + 5) / 5)
    assert s.iloc[1] == pytest.approx((4 * 4 + 2) / 5)
    assert np.isnan(s.iloc[2])


def test_ordinal_recovers_slope():
    rng = np.random.default_rng(9)
    n = 1500
    d = pd.DataFrame({"unit_id": rng.choice(list("ABCDE"), n), "area": rng.choice(list("pqr"), n)})
    d["x"] = rng.normal(size=n)
    latent = 1.0 * d["x"] + d["unit_id"].map(dict(zip("ABCDE", [0, 0.5, -0.5, 1, 0])))
    latent = latent + rng.logistic(size=n)
    d["y"] = np.digitize(latent, [-1.0, 0.5, 2.0]) + 1
    o = ml.fit_ordinal(d, "y", ["x"], min_n=10)
    row = o.params.set_index("term").loc["x"]
    assert row["estimate"] == pytest.approx(1.0, abs=0.12)
    assert list(o.params["term"]) == ["x"]  # unit dummies and thresholds not reported


def test_on_the_demo_pilot_survey():
    from urbansec_lib import pipeline

    inputs = pipeline.load_inputs()
    resp = ml.respondent_frame(inputs.responses)
    regs = ["collective_efficacy", *ml.CONTROLS]
    m = ml.fit_multilevel(resp, "sos_safe_walk_after_dark", regs, categorical=["wave"], min_n=10)
    assert not m.suppressed and m.n_units == 7 and 0 <= m.icc_unit <= m.icc_neighbourhood <= 1
    d, _ = ml.model_frame(resp, "sos_safe_walk_after_dark", regs, min_n=10, categorical=["wave"])
    assert d.groupby("_nbhd").size().min() >= 10 and len(d) == m.n_obs
    assert "C(wave)[T.2025]" in set(m.params["term"])
    # with a threshold above every neighbourhood's size nothing is estimated
    assert ml.fit_multilevel(resp, "sos_safe_walk_after_dark", regs, min_n=1000).suppressed
