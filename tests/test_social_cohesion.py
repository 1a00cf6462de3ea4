"""Social cohesion and security (issue 20): city panel, estimates, sensitivity, figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from threadpoolctl import threadpool_limits

from urbansec_lib import data, reports
from urbansec_lib import social_cohesion as sc
from urbansec_lib.errors import ValidationError
from urbansec_lib.omitted_variable import oster_beta_star, oster_delta, robustness_value


@pytest.fixture(scope="module")
def cdata():
    return sc.load_panels()


@pytest.fixture(scope="module")
def percep():
    return data.read_eurostat_tsv(sc.default_path("urb_percep"), dropna=True)


# ------------------------------------------------------------------ labels and codings
def test_bundled_code_list_confirms_every_item():
    labels = sc.read_code_labels(sc.default_path("labels"))
    tab = sc.check_item_labels(labels)
    assert len(tab) == 5 * len(sc.ITEMS)
    assert (
        labels["PS3092V"]
        == "Generally speaking, most people in this city can be trusted: strongly agree"
    )
    assert labels["PS3291V"] == "You feel safe in this city: somewhat agree"


def test_wrong_label_is_a_located_problem():
    labels = sc.read_code_labels(sc.default_path("labels"))
    labels["PS3093V"] = "Something else: somewhat agree"
    del labels["PS3096V"]
    with pytest.raises(ValidationError) as exc:
        sc.check_item_labels(labels, ["trust_city"])
    cols = [p.column for p in exc.value.problems]
    assert cols == ["PS3093V", "PS3096V"]


def test_codings_by_hand():
    rows = []
    for city, vals in {"AT001C": [20, 50, 15, 5, 10], "AT002C": [30, 40, 20, 10, None]}.items():
        for code, v in zip(sc.ITEMS["trust_city"].codes, vals):
            if v is not None:
                rows.append(
                    {
                        "indic_ur": code,
                        "cities": city,
                        "time": 2015,
                        "value": float(v),
                        "flag": "b" if city == "AT002C" else "",
                    }
                )
    rows.append({"indic_ur": "PS3092V", "cities": "AT", "time": 2015, "value": 1.0, "flag": ""})
    p = pd.DataFrame(rows)
    agree = sc.city_panel(p, "agree", ["trust_city"]).set_index("city")
    assert agree["trust_city"].to_dict() == {"AT001C": 70.0, "AT002C": 70.0}
    assert agree.loc["AT002C", "flags"] == "b"
    assert "AT" not in agree.index  # country aggregate is not a city
    strong = sc.city_panel(p, "strongly", ["trust_city"]).set_index("city")["trust_city"]
    assert strong.to_dict() == {"AT001C": 20.0, "AT002C": 30.0}
    dk = sc.city_panel(p, "excl_dk", ["trust_city"]).set_index("city")["trust_city"]
    assert dk.index.tolist() == ["AT001C"]  # no published don't-know share: left out
    assert dk["AT001C"] == pytest.approx(70 / 90 * 100)


def test_real_panel_matches_raw_cells(cdata, percep):
    p = cdata.panel.set_index(["city", "year"])
    cell = percep.set_index(["indic_ur", "cities", "time"])["value"]
    assert p.loc[("DE001C", 2012), "safe_city"] == pytest.approx(
        cell[("PS3290V", "DE001C", 2012)] + cell[("PS3291V", "DE001C", 2012)]
    )
    both = cdata.panel.dropna(subset=["safe_city", "trust_city"])
    assert sorted(both["year"].unique()) == [2009, 2012, 2015]
    assert both["city"].nunique() == 100 and len(both) == 242


def test_context_keeps_each_value_year(cdata):
    p = cdata.panel.set_index(["city", "year"])
    wien = p.loc[("AT001C", 2012)]
    # urb_cpop1 starts in 2013: nearest year 2013 (1,741,246, PROVENANCE of urb_cpop1)
    assert (wien["population"], wien["population_year"]) == (1741246.0, 2013)
    assert wien["size_class"] == "1 million or more" and wien["nuts3"] == "AT130"
    assert wien["crime_year"] == 2012
    assert np.isnan(p.loc[("FR001C", 2012), "crime_rate"])  # France absent from crim_gen_reg


def test_context_years_table(cdata):
    t = cdata.context_years()
    pop = t[t["context"].str.startswith("population")]
    assert pop.groupby("wave")["n_cities"].sum().max() <= 100
    crime = t[t["context"].str.startswith("recorded crime")]
    assert ((crime["source_year"] - crime["wave"]).abs() <= 2).all()


def test_region_crime_rates_needs_all_offences():
    c = pd.DataFrame(
        {
            "unit": "P_HTHAB",
            "iccs": list(sc.CRIME_ICCS)[:3],
            "geo": "X1",
            "time": 2012,
            "value": [1.0, 2.0, 3.0],
        }
    )
    assert sc.region_crime_rates(c, ["X1"]).empty


# ------------------------------------------------------------------ primary: independent check
def _dummies_fit(d, outcome, regs):
    X = d[regs].astype(float)
    for f in ("city", "year"):
        X = X.join(pd.get_dummies(d[f].astype(str), prefix=f, drop_first=True, dtype=float))
    X = sm.add_constant(X)
    g = d["city"].astype("category").cat.codes.to_numpy()
    return sm.OLS(d[outcome].astype(float), X).fit(
        cov_type="cluster", cov_kwds={"groups": g}, use_t=True
    )


def _fixest_factor(ref, d, n_regs):
    """SE ratio fixest / dummies: fixest's k leaves out the city effects nested in the
    clusters (k = regressors + wave levels, fixest ssc(fixef.K = "nested")), the dummy
    regression counts every dummy and the constant."""
    n, k_dummies = len(d), len(ref.params)
    k_fixest = n_regs + d["year"].nunique()
    return np.sqrt((n - k_dummies) / (n - k_fixest))


def test_primary_against_statsmodels_dummies(cdata):
    prim = sc.primary(cdata.panel, bootstrap=0)
    both = cdata.panel.dropna(subset=["safe_city", "trust_city"])
    assert (prim.n_obs_with_both, prim.n_units_with_both) == (242, 100)
    d = both[both.groupby("city")["year"].transform("nunique") >= 2]  # 27 cities seen once
    with threadpool_limits(1):
        ref = _dummies_fit(d, "safe_city", ["trust_city"])
        ref_all = _dummies_fit(both, "safe_city", ["trust_city"])
    assert prim.estimate == pytest.approx(ref.params["trust_city"], rel=1e-9)
    # singletons leave the slope unchanged
    assert prim.estimate == pytest.approx(ref_all.params["trust_city"], rel=1e-9)
    assert (prim.n_obs, prim.n_units, prim.years) == (215, 73, [2009, 2012, 2015])
    factor = 1.0 if prim.method.startswith("absorbed") else _fixest_factor(ref, d, 1)
    assert prim.se == pytest.approx(ref.bse["trust_city"] * factor, rel=1e-8)
    q = stats.t.ppf(0.975, 73 - 1)
    assert prim.ci_low == pytest.approx(prim.estimate - q * prim.se, rel=1e-9)
    if factor == 1.0:
        lo, hi = ref.conf_int().loc["trust_city"]
        assert (prim.ci_low, prim.ci_high) == pytest.approx((lo, hi), rel=1e-8)
        assert prim.pvalue == pytest.approx(ref.pvalues["trust_city"], rel=1e-6)
    # classical t and residual df for the sensitivity analysis: the same regression
    with threadpool_limits(1):
        cls = sm.OLS(ref.model.endog, ref.model.exog).fit()
    j = ref.model.exog_names.index("trust_city")
    assert prim.t_classical == pytest.approx(cls.tvalues[j], rel=1e-8)
    assert prim.df_resid == cls.df_resid == 215 - 73 - 2 - 1


def test_within_with_control_and_unbalanced_panel():
    rng = np.random.default_rng(5)
    n_c = 40
    d = pd.DataFrame(
        {
            "city": np.repeat([f"C{i:02d}" for i in range(n_c)], 4),
            "year": np.tile([2006, 2009, 2012, 2015], n_c),
        }
    )
    d = d.sample(frac=0.8, random_state=3).reset_index(drop=True)
    d = d[d.groupby("city")["year"].transform("nunique") >= 2]
    ce = d["city"].map({c: rng.normal(0, 5) for c in d["city"].unique()})
    d["trust_city"] = 50 + ce + rng.normal(0, 4, len(d))
    d["log_crime"] = rng.normal(8, 0.3, len(d))
    d["safe_city"] = 0.4 * d["trust_city"] - 3 * d["log_crime"] + 2 * ce + rng.normal(0, 2, len(d))
    est = sc.fit_within(d, "safe_city", "trust_city", controls=["log_crime"])
    with threadpool_limits(1):
        ref = _dummies_fit(d, "safe_city", ["trust_city", "log_crime"])
    assert est.estimate == pytest.approx(ref.params["trust_city"], rel=1e-8)
    factor = 1.0 if est.method.startswith("absorbed") else _fixest_factor(ref, d, 2)
    assert est.se == pytest.approx(ref.bse["trust_city"] * factor, rel=1e-7)


def test_demean_equals_dummy_residuals():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 7, 60)
    b = rng.integers(0, 4, 60)
    x = rng.normal(size=60)
    D = pd.get_dummies(
        pd.DataFrame({"a": a.astype(str), "b": b.astype(str)}), drop_first=True, dtype=float
    )
    with threadpool_limits(1):
        r = sm.OLS(x, sm.add_constant(D)).fit().resid
    assert np.allclose(sc.demean(x, [a, b]).ravel(), r, atol=1e-9)


def test_recorded_primary_keys(cdata):
    d = sc.primary(cdata.panel, bootstrap=0).as_dict()
    for k in ("estimate", "se", "ci_low", "ci_high", "n_units", "n_obs", "years"):
        assert k in d
    assert json.loads(json.dumps(reports._jsonable(d)))["years"] == [2009, 2012, 2015]


def test_wild_bootstrap_never_faked(cdata):
    prim = sc.primary(cdata.panel, bootstrap=199, seed=1)
    w = prim.wild
    assert sc._feols() is not None, "urbansec_lib.fixed_effects should be available"
    assert 0 <= w["pvalue"] <= 1 and w["ci_low"] < prim.estimate < w["ci_high"]
    assert w["B"] == 199 and w["seed"] == 1
    assert sc.primary(cdata.panel, bootstrap=199, seed=1).wild == w  # seeded


def test_fallback_without_fixed_effects_module(cdata, monkeypatch):
    from urbansec_lib.analysis import cohesion_fit

    monkeypatch.setattr(cohesion_fit, "_feols", lambda: None)  # where primary() looks it up
    prim = sc.primary(cdata.panel, bootstrap=199, seed=1)
    assert prim.method.startswith("absorbed")
    assert prim.wild["pvalue"] is None and "not computed" in prim.wild["note"]
    assert "not computed" in prim.wild_summary()
    both = cdata.panel.dropna(subset=["safe_city", "trust_city"])
    d = both[both.groupby("city")["year"].transform("nunique") >= 2]
    with threadpool_limits(1):
        ref = _dummies_fit(d, "safe_city", ["trust_city"])
    assert prim.se == pytest.approx(ref.bse["trust_city"], rel=1e-8)
    assert (prim.ci_low, prim.ci_high) == pytest.approx(tuple(ref.conf_int().loc["trust_city"]))
    assert prim.pvalue == pytest.approx(ref.pvalues["trust_city"], rel=1e-6)


# ------------------------------------------------------------------ around the primary
def test_specifications_table_in_fixed_order(cdata):
    specs = sc.specifications(cdata.panels)
    tab = specs.table()
    assert tab["spec"].iloc[0].startswith("Primary")
    assert {"within", "between", "cross-section"} <= set(tab["design"])
    assert (
        not tab["estimate"].is_monotonic_increasing and not tab["estimate"].is_monotonic_decreasing
    )
    # the two between rows share their city-waves, so Oster's comparison is like for like
    short = specs["Between, no controls (same city-waves as with controls)"]
    long = specs["Between, controls: size class, country, log recorded crime"]
    assert (short.n_obs, short.n_units) == (long.n_obs, long.n_units)
    fig = specs.plot()
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel()
    assert any("2015" in t.get_text() for t in fig.texts)


def test_between_against_formula_ols():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(2)
    d = pd.DataFrame(
        {"city": np.repeat([f"C{i}" for i in range(30)], 2), "year": [2012, 2015] * 30}
    )
    d["country"] = d["city"].map(lambda c: "AA" if int(c[1:]) < 15 else "BB")
    d["trust_city"] = rng.normal(50, 10, 60)
    d["safe_city"] = 30 + 0.5 * d["trust_city"] + (d["country"] == "BB") * 5 + rng.normal(0, 3, 60)
    est = sc.fit_between(d, "safe_city", "trust_city", controls=["country"])
    g = d["city"].astype("category").cat.codes
    with threadpool_limits(1):
        ref = smf.ols("safe_city ~ trust_city + C(country) + C(year)", d).fit(
            cov_type="cluster", cov_kwds={"groups": g}
        )
    assert est.estimate == pytest.approx(ref.params["trust_city"])
    assert est.se == pytest.approx(ref.bse["trust_city"])


def test_leave_one_country_out(cdata):
    loo = sc.leave_one_country_out(cdata.panel)
    assert loo["country_left_out"].tolist() == sorted(loo["country_left_out"])
    row = loo.set_index("country_left_out").loc["DE"]
    sub = cdata.panel[cdata.panel["country"] != "DE"]
    assert row["n_units"] == sc.fit_within(sub, "safe_city", "trust_city").n_units
    assert row["estimate"] == pytest.approx(sc.fit_within(sub, "safe_city", "trust_city").estimate)


def test_by_size_class_against_interacted_dummies(cdata):
    het, p_equal = sc.by_size_class(cdata.panel)
    assert het["size_class"].tolist() == [lab for lab, _ in sc.SIZE_CLASSES]  # size order
    d = cdata.panel.dropna(subset=["safe_city", "trust_city", "size_class_city"])
    d = d[d.groupby("city")["year"].transform("nunique") >= 2].copy()
    regs = []
    for i, (lab, _) in enumerate(sc.SIZE_CLASSES):
        d[f"x{i}"] = d["trust_city"] * (d["size_class_city"] == lab)
        regs.append(f"x{i}")
    with threadpool_limits(1):
        ref = _dummies_fit(d, "safe_city", regs)
    assert het["estimate"].to_numpy() == pytest.approx(ref.params[regs].to_numpy(), rel=1e-8)
    factor = 1.0 if sc._feols() is None else _fixest_factor(ref, d, len(regs))
    assert het["se"].to_numpy() == pytest.approx(ref.bse[regs].to_numpy() * factor, rel=1e-7)
    assert 0 < p_equal < 1


def test_partial_regression_slope_is_the_within_estimate(cdata):
    pr = sc.partial_regression(cdata.panel)
    slope = (pr["exposure_resid"] * pr["outcome_resid"]).sum() / (pr["exposure_resid"] ** 2).sum()
    d = cdata.panel.dropna(subset=["safe_city", "trust_city"])
    d = d[d.groupby("city")["year"].transform("nunique") >= 2]
    assert slope == pytest.approx(sc.fit_within(d, "safe_city", "trust_city").estimate)


def test_figures_have_titles_labels_and_years(cdata):
    for fig in (sc.plot_within_changes(cdata.panel), sc.plot_partial_regression(cdata.panel)):
        assert fig._suptitle is not None or fig.axes[0].get_title()
        assert all(ax.get_xlabel() for ax in fig.axes)
        note = " ".join(t.get_text() for t in fig.texts)
        assert "urb_percep" in note and "2009, 2012, 2015" in note


# ------------------------------------------------------------------ omitted variables
def test_robustness_value_published_darfur_example():
    # Cinelli & Hazlett (2020), JRSS B 82(1), Table 1 / sensemakr's Darfur example:
    # directly harmed, estimate 0.097, se 0.023, t 4.18, df 783 -> R2 2.2 %, RV 13.9 %, RV_a 7.6 %
    rv = robustness_value(t=0.0973 / 0.0233, df=783)
    assert round(rv.partial_r2, 3) == 0.022
    assert round(rv.rv_q, 3) == 0.139
    assert round(rv.rv_qa, 3) == 0.076


def test_robustness_value_by_hand():
    t, df = 2.0, 100
    f = t / np.sqrt(df)
    assert robustness_value(t, df).rv_q == pytest.approx(0.5 * (np.sqrt(f**4 + 4 * f**2) - f**2))
    assert robustness_value(1.0, 100).rv_qa == 0.0  # not significant: nothing to explain away
    # extreme case f_q >= 1/f*: (f_q^2 - f*^2) / (1 + f_q^2)
    from scipy import stats

    t, df = 60.0, 20
    fq, fc = t / np.sqrt(df), abs(stats.t.ppf(0.025, df - 1)) / np.sqrt(df - 1)
    assert fq > 1 / fc
    assert robustness_value(t, df).rv_qa == pytest.approx((fq**2 - fc**2) / (1 + fq**2))


def test_oster_delta_by_hand():
    # b0=2, R0=0.1; b~=1.5, R~=0.3; Rmax=0.39: delta = 1.5*0.2 / (0.5*0.09) = 6.667
    assert oster_delta(2.0, 0.1, 1.5, 0.3, r_max=0.39) == pytest.approx(1.5 * 0.2 / (0.5 * 0.09))
    # the delta found brings the bias-adjusted coefficient to zero
    d = oster_delta(2.0, 0.1, 1.5, 0.3, r_max=0.39)
    assert oster_beta_star(2.0, 0.1, 1.5, 0.3, r_max=0.39, delta=d) == pytest.approx(0.0, abs=1e-12)
    # default R_max = 1.3 R~
    assert oster_delta(2.0, 0.1, 1.5, 0.3) == pytest.approx(1.5 * 0.2 / (0.5 * 0.09))
    with pytest.raises(ValueError):
        oster_delta(2.0, 0.1, 1.5, 0.3, r_max=0.2)


# ------------------------------------------------------------------ unit section
def test_unit_section(cdata):
    text, traj, fig = sc.unit_section(cdata, {"urau_code": "ES001C", "name": "Madrid"})
    assert fig is not None and "Madrid" in text
    assert set(traj["item"]) == {"trust_city", "safe_city"}
    assert (traj["n_peers"] >= 3).all() and traj["peer_group"].iloc[0] == "1 million or more"
    assert "rank" not in " ".join(traj.columns)
    wide = sc.trajectory_table(traj)
    assert wide.index.tolist() == sorted(wide.index) and wide.shape[1] == 4
    own = traj.query("item == 'trust_city' and year == 2015")["value"].iloc[0]
    assert wide.loc[2015, "Trust (% agree): this city"] == own
    text, traj, fig = sc.unit_section(cdata, {"urau_code": None, "name": "Arr. Mechelen"})
    assert fig is None and traj.empty and "no Eurostat urb_percep data" in text


def test_design_statement_says_no_causal_claim(cdata):
    txt = sc.design_statement(sc.primary(cdata.panel, bootstrap=0))
    assert "not an individual effect" in txt and "not a causal effect" in txt
