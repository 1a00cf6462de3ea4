"""Staggered adoption: Callaway & Sant'Anna, Sun & Abraham, Goodman-Bacon.

Reference values: R package did 2.3.0 on its mpdta data (tests/data/staggered, see
PROVENANCE.txt).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import urbansec_lib as us
from urbansec_lib.errors import ValidationError
from urbansec_lib.multiplier_bootstrap import _bootstrap_draws
from urbansec_lib.staggered import att_gt, bacon_decomposition, sun_abraham

DATA = Path(__file__).parent / "data" / "staggered"
CONTROL = {"nevertreated": "never", "notyettreated": "not_yet"}
CONFIGS = [
    (c, b, s)
    for c in CONTROL
    for b in ("varying", "universal")
    for s in ("none", "dr", "ipw", "reg", "dr_imp")
]


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def ref_gt() -> pd.DataFrame:
    files = ("did_att_gt.csv", "did_att_gt_dr_imp.csv")
    return pd.concat([pd.read_csv(DATA / f) for f in files], ignore_index=True)


@pytest.fixture(scope="module")
def ref_agg() -> pd.DataFrame:
    files = ("did_aggte.csv", "did_aggte_dr_imp.csv")
    return pd.concat([pd.read_csv(DATA / f) for f in files], ignore_index=True)


def _fit(mpdta, control, base, spec, **kw):
    return att_gt(
        mpdta,
        "lemp",
        "countyreal",
        "year",
        "first.treat",
        control=CONTROL[control],
        base_period=base,
        covariates=None if spec == "none" else ["lpop"],
        method="dr" if spec == "none" else spec,
        **kw,
    )


# --------------------------------------------------------------------------------------
# Callaway & Sant'Anna against did 2.3.0
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("control,base,spec", CONFIGS)
def test_att_gt_matches_did(mpdta, ref_gt, ref_agg, control, base, spec):
    res = _fit(mpdta, control, base, spec)
    ref = ref_gt[(ref_gt.control == control) & (ref_gt.base_period == base) & (ref_gt.spec == spec)]
    tab = res.table()
    assert len(tab) == len(ref)
    m = ref.merge(tab, on=["group", "time"], suffixes=("_r", ""))
    assert len(m) == len(ref)
    np.testing.assert_allclose(m["att"], m["att_r"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(m["se"], m["se_r"], atol=1e-4, rtol=0)
    assert (m["se"].isna() == m["se_r"].isna()).all()  # universal base period: SE missing
    assert res.pretest_stat == pytest.approx(ref["W"].iloc[0], abs=1e-6)
    agg = ref_agg[
        (ref_agg.control == control) & (ref_agg.base_period == base) & (ref_agg.spec == spec)
    ]
    for kind, key in (("simple", None), ("dynamic", "e"), ("group", "group"), ("calendar", "time")):
        a = res.aggregate(kind)
        overall = agg[(agg.type == kind) & agg.label.isna()].iloc[0]
        assert a.estimate == pytest.approx(overall.att, abs=1e-6)
        assert a.se == pytest.approx(overall.se, abs=1e-4)
        if key is None:
            continue
        sub = agg[(agg.type == kind) & agg.label.notna()]
        mm = sub.merge(a.table(), left_on="label", right_on=key, suffixes=("_r", ""))
        assert len(mm) == len(sub) == len(a.table())
        np.testing.assert_allclose(mm["att"], mm["att_r"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(mm["se"], mm["se_r"], atol=1e-4, rtol=0)


def test_att_gt_values_are_not_trivially_equal(mpdta):
    """The options matter: the fixtures would not all match one wrong implementation."""
    a = _fit(mpdta, "nevertreated", "varying", "dr").table()
    b = _fit(mpdta, "notyettreated", "varying", "dr").table()
    c = _fit(mpdta, "nevertreated", "varying", "none").table()
    d = _fit(mpdta, "nevertreated", "varying", "dr_imp").table()
    assert np.abs(a.att - b.att).max() > 1e-3
    assert np.abs(a.att - c.att).max() > 1e-3
    assert np.abs(a.att - d.att).max() > 1e-6  # improved DR is a different estimator


def test_published_minimum_wage_values(mpdta):
    """Callaway & Sant'Anna's minimum-wage application as printed by the did package.

    Sources (did 2.3.0 sources, output of the documented examples on mpdta, never-treated
    controls): man/aggte.Rd, ``aggte(out, type = "simple")``: ATT -0.04, SE 0.0123
    (bootstrap); README.md: ``att_gt(..., est_method = "reg")`` ATT(2004,2006) -0.1373,
    ATT(2007,2007) -0.0261; dynamic aggregation -0.0772 (SE 0.0214) with event-time effects
    -0.0199 (e=0), -0.0510 (e=1), -0.1373 (e=2), -0.1008 (e=3); group aggregation -0.031
    (SE 0.0119), cohort 2004 -0.0797.
    """
    res = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", method="reg")
    simple = res.aggregate("simple")
    assert round(simple.estimate, 2) == -0.04
    assert simple.se == pytest.approx(0.0123, rel=0.10)  # bootstrap SE in the print
    tab = res.table().set_index(["group", "time"])
    assert round(tab.loc[(2004, 2006), "att"], 4) == -0.1373
    assert round(tab.loc[(2007, 2007), "att"], 4) == -0.0261
    dyn = res.aggregate("dynamic")
    assert round(dyn.estimate, 4) == -0.0772
    assert dyn.se == pytest.approx(0.0214, rel=0.10)
    e = dyn.table().set_index("e")["att"].round(4)
    assert e.loc[[0, 1, 2, 3]].tolist() == [-0.0199, -0.0510, -0.1373, -0.1008]
    grp = res.aggregate("group")
    assert round(grp.estimate, 3) == -0.031
    assert grp.se == pytest.approx(0.0119, rel=0.10)
    assert round(grp.table().set_index("group").loc[2004, "att"], 4) == -0.0797
    # the ATT(g,t) object's own estimate is the simple aggregation
    assert res.estimate == pytest.approx(simple.estimate)
    assert res.ci[0] < res.estimate < res.ci[1] < 0


@pytest.mark.slow
def test_bootstrap_ses_match_did(mpdta):
    """Seeded multiplier bootstrap vs did's (100,000 draws) within did's tolerance 0.02."""
    ref = pd.read_csv(DATA / "did_bootstrap.csv")
    res = att_gt(
        mpdta, "lemp", "countyreal", "year", "first.treat", bootstrap=20_000, seed=1, cband=True
    )
    gt = ref[ref.what == "att_gt"]
    np.testing.assert_allclose(res.table()["se"], gt["se"], rtol=0.02)
    assert res.crit_val == pytest.approx(gt["crit_val"].iloc[0], rel=0.02)
    assert res.crit_val > 1.96  # uniform band wider than pointwise
    dyn = res.aggregate("dynamic")
    d = ref[ref.what == "dynamic"]
    np.testing.assert_allclose(dyn.table()["se"], d["se"], rtol=0.02)
    assert dyn.crit_val == pytest.approx(d["crit_val"].iloc[0], rel=0.02)
    assert dyn.se == pytest.approx(ref[ref.what == "dynamic_overall"]["se"].iloc[0], rel=0.03)
    # reproducible: same seed, same numbers
    again = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", bootstrap=20_000, seed=1)
    np.testing.assert_array_equal(again.table()["se"], res.table()["se"])


def test_bootstrap_cluster_and_weights(mpdta):
    res = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", bootstrap=500, seed=3)
    # clustering on the unit itself is the unclustered bootstrap (same draws)
    byunit = att_gt(
        mpdta,
        "lemp",
        "countyreal",
        "year",
        "first.treat",
        bootstrap=500,
        seed=3,
        cluster="countyreal",
    )
    np.testing.assert_allclose(byunit.table()["se"], res.table()["se"], rtol=1e-12)
    # Mammen weights: mean 0, variance 1, third moment 1
    rng = np.random.default_rng(0)
    from urbansec_lib.multiplier_bootstrap import _draw_weights

    w = _draw_weights(rng, (400_000, 1), "mammen")
    assert abs(w.mean()) < 0.01 and abs(w.var() - 1) < 0.01 and abs((w**3).mean() - 1) < 0.02
    mam = att_gt(
        mpdta,
        "lemp",
        "countyreal",
        "year",
        "first.treat",
        bootstrap=4000,
        seed=3,
        weights_type="mammen",
    )
    ana = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")
    np.testing.assert_allclose(mam.table()["se"], ana.table()["se"], rtol=0.08)
    # draws are vectorised in chunks: chunking does not change them
    inf = np.random.default_rng(1).normal(size=(50, 3))
    a = _bootstrap_draws(inf, 300, 7, "rademacher", None)
    assert a.shape == (300, 3)
    np.testing.assert_allclose(a.std(axis=0), np.sqrt((inf**2).mean(0)), rtol=0.15)


def test_att_gt_table_plot_and_summary(mpdta):
    res = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", time_label="year")
    tab = res.table()
    assert tab.columns[:7].tolist() == ["group", "time", "e", "att", "se", "ci_low", "ci_high"]
    assert (tab["e"] == tab["time"] - tab["group"]).all()
    assert "Callaway" in res.summary() and "Checks" in res.summary()
    fig = res.plot()
    ax = fig.axes[0]
    assert ax.get_title() and "years since adoption" in ax.get_xlabel()
    assert "lemp" in ax.get_ylabel()
    dyn = res.aggregate("dynamic")
    assert dyn.table().columns.tolist() == ["e", "att", "se", "ci_low", "ci_high", "pvalue"]
    fig = dyn.plot()
    ticks = fig.axes[0].get_xticks()
    assert np.allclose(ticks, np.round(ticks))  # integer event times
    for kind in ("simple", "group", "calendar"):
        a = res.aggregate(kind)
        assert np.isfinite([a.estimate, a.se, a.pvalue]).all()
        assert a.ci[0] < a.estimate < a.ci[1]
        assert a.plot().axes[0].get_title()
        assert kind in a.summary()


def test_aggregate_options(mpdta):
    res = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")
    dyn = res.aggregate("dynamic", min_e=-1, max_e=2)
    assert dyn.table()["e"].tolist() == [-1, 0, 1, 2]
    bal = res.aggregate("dynamic", balance_e=1)
    # only cohorts observed at least 1 period after adoption (2004, 2006)
    assert bal.table()["e"].max() == 1
    full = res.aggregate("dynamic").table().set_index("e")["att"]
    assert bal.table().set_index("e")["att"].loc[0] != pytest.approx(full.loc[0])
    with pytest.raises(ValidationError):
        res.aggregate("weekly")


def test_covariate_free_methods_coincide(mpdta):
    a = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", method="dr").table()
    b = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", method="ipw").table()
    np.testing.assert_allclose(a["att"], b["att"], atol=1e-12)
    # ATT(g,t) without covariates is the 2x2 DiD of means (hand computation)
    d = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.groupby("countyreal")["first.treat"].first()
    dy = d[2006] - d[2003]
    hand = dy[g == 2004].mean() - dy[g == 0].mean()
    assert a.set_index(["group", "time"]).loc[(2004, 2006), "att"] == pytest.approx(hand)


def test_att_gt_validation(mpdta):
    with pytest.raises(ValidationError) as err:
        att_gt(mpdta, "nope", "countyreal", "year", "first.treat", control="sometimes")
    assert len(err.value.problems) >= 1
    with pytest.raises(ValidationError) as err:
        att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", control="x", method="y")
    assert {p.column for p in err.value.problems} == {"control", "method"}
    bad = mpdta.copy()
    bad.loc[0, "first.treat"] = 2006  # varies within county
    with pytest.raises(ValidationError) as err:
        att_gt(bad, "lemp", "countyreal", "year", "first.treat")
    assert err.value.problems[0].column == "first.treat"
    with pytest.raises(ValidationError):
        att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", cluster="countyreal")
    with pytest.raises(ValidationError):
        att_gt(mpdta.assign(lemp="x"), "lemp", "countyreal", "year", "first.treat")


def test_unbalanced_and_always_treated_units_dropped(mpdta):
    d = mpdta[~((mpdta.countyreal == mpdta.countyreal.iloc[0]) & (mpdta.year == 2005))]
    d = pd.concat(
        [
            d,
            pd.DataFrame(
                {
                    "countyreal": 1,
                    "year": range(2003, 2008),
                    "lemp": 5.0,
                    "first.treat": 2003,
                    "lpop": 1.0,
                    "treat": 1,
                }
            ),
        ]
    )
    with pytest.warns(UserWarning):
        res = att_gt(d, "lemp", "countyreal", "year", "first.treat")
    assert res.n == 499


def test_impact_namespace_exposes_staggered():
    assert us.impact.att_gt is att_gt
    assert us.impact.sun_abraham is sun_abraham
    assert us.impact.bacon_decomposition is bacon_decomposition
    assert "att_gt" in dir(us.impact)
    with pytest.raises(AttributeError):
        us.impact.no_such_estimator  # noqa: B018


# --------------------------------------------------------------------------------------
# Sun & Abraham
# --------------------------------------------------------------------------------------
def test_sun_abraham_equals_cs_universal_never(mpdta):
    """Balanced, no covariates, never-treated controls: CATT(g,e) = CS ATT(g,t) universal."""
    sa = sun_abraham(mpdta, "lemp", "countyreal", "year", "first.treat")
    cs = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", base_period="universal")
    m = cs.table().merge(sa.table(), on=["group", "time"], suffixes=("_cs", "_sa"))
    assert len(m) == len(cs.table()) == 15
    np.testing.assert_allclose(m["att_sa"], m["att_cs"], atol=1e-10)
    # the post-period cohort-size weighted average equals CS's simple aggregation
    assert sa.estimate == pytest.approx(cs.aggregate("simple").estimate, abs=1e-10)
    # IW event-time effects equal CS's dynamic aggregation point estimates
    dyn = cs.aggregate("dynamic").table().set_index("e")["att"]
    iw = sa.event_study.set_index("e")["att"]
    np.testing.assert_allclose(iw.loc[dyn.index], dyn, atol=1e-10)


def test_sun_abraham_matches_statsmodels_dummies():
    """Independent route: OLS with explicit unit and year dummies, CRV1 by unit."""
    rng = np.random.default_rng(11)
    n, years = 40, np.arange(2010, 2016)
    first = rng.choice([0, 2012, 2014], n)
    d = pd.DataFrame({"u": np.repeat(np.arange(n), len(years)), "t": np.tile(years, n)})
    d["g"] = np.repeat(first, len(years))
    d["y"] = (
        0.3 * d.u % 5
        + 0.1 * (d.t - 2010)
        + ((d.g > 0) & (d.t >= d.g)) * (1 + 0.5 * (d.t - d.g))
        + rng.normal(0, 0.3, len(d))
    )
    sa = sun_abraham(d, "y", "u", "t", "g")
    cells = sa.table()[sa.table()["se"].notna()]
    X = pd.DataFrame(index=d.index)
    for r in cells.itertuples():
        X[f"g{r.group}_t{r.time}"] = ((d.g == r.group) & (d.t == r.time)).astype(float)
    X = pd.concat(
        [
            X,
            pd.get_dummies(d.u, prefix="u", dtype=float),
            pd.get_dummies(d.t, prefix="t", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    fit = sm.OLS(d.y, X).fit(cov_type="cluster", cov_kwds={"groups": d.u}, use_t=True)
    k = len(cells)
    np.testing.assert_allclose(fit.params.iloc[:k], cells["att"], atol=1e-9)
    # statsmodels counts every dummy in K; fixest's CRV1 (used here) does not count the
    # unit effects nested in the clusters: rescale by the ratio of the two corrections
    N = len(d)
    K_sm, K_fx = X.shape[1], k + len(years)
    ratio = np.sqrt((N - K_sm) / (N - K_fx))
    np.testing.assert_allclose(fit.bse.iloc[:k] * ratio, cells["se"], rtol=1e-9)


def test_sun_abraham_matches_pyfixest(mpdta):
    pf = pytest.importorskip("pyfixest")
    sa = sun_abraham(mpdta, "lemp", "countyreal", "year", "first.treat")
    cells = sa.table()[sa.table()["se"].notna()]
    d = mpdta.copy()
    names = []
    for r in cells.itertuples():
        nm = f"g{r.group}_t{r.time}"
        d[nm] = ((d["first.treat"] == r.group) & (d.year == r.time)).astype(float)
        names.append(nm)
    fit = pf.feols(
        f"lemp ~ {' + '.join(names)} | countyreal + year", data=d, vcov={"CRV1": "countyreal"}
    )
    np.testing.assert_allclose(fit.coef().loc[names], cells["att"], atol=1e-8)
    np.testing.assert_allclose(fit.se().loc[names], cells["se"], rtol=1e-6)


def test_sun_abraham_matches_project_feols(mpdta):
    """Same CATT and CRV1 SEs as the project's absorbed-FE OLS (alternating projections)."""
    from urbansec_lib.fixed_effects import feols

    sa = sun_abraham(mpdta, "lemp", "countyreal", "year", "first.treat")
    cells = sa.table()[sa.table()["se"].notna()]
    d = mpdta.copy()
    names = []
    for r in cells.itertuples():
        nm = f"g{r.group}_t{r.time}"
        d[nm] = ((d["first.treat"] == r.group) & (d.year == r.time)).astype(float)
        names.append(nm)
    fit = feols(d, "lemp", names, fe=["countyreal", "year"], cluster="countyreal", tol=1e-13)
    np.testing.assert_allclose(fit.params.loc[names], cells["att"], atol=1e-9)
    np.testing.assert_allclose(fit.se.loc[names], cells["se"], rtol=1e-7)


def test_sun_abraham_last_cohort_control_and_plot(mpdta):
    sa = sun_abraham(
        mpdta, "lemp", "countyreal", "year", "first.treat", control="last", time_label="year"
    )
    tab = sa.table()
    assert set(tab["group"]) == {2004, 2006}
    assert tab["time"].max() == 2006  # periods from the last cohort's adoption dropped
    # With control="last" and no covariates, CATT(g,e) is the 2x2 DiD against the pooled
    # never-treated and last-treated units (all untreated before 2007)
    w = mpdta[mpdta.year <= 2006].pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.groupby("countyreal")["first.treat"].first()
    dy = w[2005] - w[2003]
    hand = dy[g == 2004].mean() - dy[g.isin([0, 2007])].mean()
    assert tab.set_index(["group", "time"]).loc[(2004, 2005), "att"] == pytest.approx(hand)
    fig = sa.plot()
    assert "Sun & Abraham" in fig.axes[0].get_title()
    assert "years since adoption" in fig.axes[0].get_xlabel()
    agg = sa.aggregate("dynamic")
    assert "e" in agg.table().columns and agg.estimate == sa.estimate
    assert "Sun & Abraham" in sa.summary()
    with pytest.raises(ValidationError):
        sun_abraham(mpdta, "lemp", "countyreal", "year", "first.treat", control="nope")


# --------------------------------------------------------------------------------------
# Goodman-Bacon
# --------------------------------------------------------------------------------------
def _bacon_panel(seed=5, n=60, always=False):
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2010)
    choices = [0, 2003, 2006, 2008] + ([2000] if always else [])
    first = rng.choice(choices, n)
    d = pd.DataFrame({"u": np.repeat(np.arange(n), len(years)), "t": np.tile(years, n)})
    g = np.repeat(first, len(years))
    d["d"] = ((g > 0) & (d.t >= g)).astype(int)
    d["y"] = (
        np.repeat(rng.normal(size=n), len(years))
        + 0.2 * (d.t - 2000)
        + d.d * (1 + 0.3 * (d.t - g))  # effects grow with exposure
        + rng.normal(0, 0.2, len(d))
    )
    return d


@pytest.mark.parametrize("always", [False, True])
def test_bacon_weights_sum_to_twfe_exactly(always):
    d = _bacon_panel(always=always)
    b = bacon_decomposition(d, "y", "u", "t", "d")
    tab = b.table()
    assert tab["weight"].sum() == pytest.approx(1, abs=1e-12)
    assert (tab["weight"] * tab["estimate"]).sum() == pytest.approx(b.estimate, abs=1e-12)
    # TWFE coefficient from OLS with explicit dummies (independent route)
    X = pd.concat(
        [
            d[["d"]].astype(float),
            pd.get_dummies(d.u, prefix="u", dtype=float),
            pd.get_dummies(d.t, prefix="t", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    ols = sm.OLS(d.y, X).fit()
    assert b.estimate == pytest.approx(ols.params["d"], abs=1e-10)
    types = set(tab["type"])
    assert {
        "treated vs never treated",
        "earlier vs later treated",
        "later vs earlier treated",
    } <= types
    assert ("later vs always treated" in types) == always


def test_bacon_two_by_two_by_hand():
    d = _bacon_panel()
    b = bacon_decomposition(d, "y", "u", "t", "d")
    w = d.pivot(index="u", columns="t", values="y")
    g = d[d.d == 1].groupby("u")["t"].min().reindex(w.index).fillna(0)
    row = b.table().query(
        "type == 'earlier vs later treated' and treated == 2003 and control == 2006"
    )
    yk, yl = w[g == 2003], w[g == 2006]
    pre, mid = [c for c in w.columns if c < 2003], [c for c in w.columns if 2003 <= c < 2006]
    hand = (yk[mid].values.mean() - yk[pre].values.mean()) - (
        yl[mid].values.mean() - yl[pre].values.mean()
    )
    assert row["estimate"].iloc[0] == pytest.approx(hand)
    # effects growing over time bias the later-vs-earlier comparisons downwards
    by = b.by_type.set_index("type")
    assert (
        by.loc["later vs earlier treated", "estimate"]
        < by.loc["treated vs never treated", "estimate"]
    )
    assert b.assumptions["check"].str.contains("already-treated").any()


def test_bacon_on_mpdta_plot_and_validation(mpdta):
    d = mpdta.assign(
        d=((mpdta["first.treat"] > 0) & (mpdta.year >= mpdta["first.treat"])).astype(int)
    )
    b = bacon_decomposition(d, "lemp", "countyreal", "year", "d")
    assert (b.table()["weight"] * b.table()["estimate"]).sum() == pytest.approx(
        b.estimate, abs=1e-12
    )
    fig = b.plot()
    ax = fig.axes[0]
    assert ax.get_title() and "weight" in ax.get_xlabel() and "lemp" in ax.get_ylabel()
    assert "TWFE" in b.summary()
    bad = d.copy()
    bad.loc[(bad.countyreal == 8001) & (bad.year == 2007), "d"] = 0
    bad.loc[(bad.countyreal == 8001) & (bad.year == 2006), "d"] = 1
    with pytest.raises(ValidationError) as err:
        bacon_decomposition(bad, "lemp", "countyreal", "year", "d")
    assert err.value.problems[0].column == "d"
    with pytest.raises(ValidationError):
        bacon_decomposition(d.assign(d=2), "lemp", "countyreal", "year", "d")


def test_no_warnings_on_clean_data(mpdta):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", covariates=["lpop"])


# --------------------------------------------------------------------------------------
# Rollout data (orpheus demo): reader, spec, simulation, evaluation
# --------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent


def test_read_rollout_located_errors(tmp_path):
    from urbansec_lib import outcomes

    p = tmp_path / "r.csv"
    p.write_text(
        "area,year,first_year,population,incidents,incidents_per_1000\n"
        "N1,2020,2021,1000,5,5.0\n"
        "N1,2021,2022,1000,4,4.0\n"  # adoption year varies within N1 (rows 2 and 3)
        ",2020,,0,-1,x\n"  # no area, population 0, negative count, not a number
        "N2,2020,,1000,3,3.0\n"
        "N2,2020,,1000,3,3.0\n"  # duplicate area-year
        "N3,19x,1850,1000,3,3.0\n"
    )
    with pytest.raises(ValidationError) as e:
        outcomes.read_rollout(p)
    got = {(q.row, q.column) for q in e.value.problems}
    assert got == {
        (2, "first_year"),
        (3, "first_year"),
        (4, "area"),
        (4, "population"),
        (4, "incidents"),
        (4, "incidents_per_1000"),
        (6, "year"),
        (7, "year"),
        (7, "first_year"),
    }
    p.write_text("area,year\nN1,2020\n")
    with pytest.raises(ValidationError) as e:
        outcomes.read_rollout(p)
    assert {q.column for q in e.value.problems} == {
        "first_year",
        "population",
        "incidents",
        "incidents_per_1000",
    }


def test_read_spec_staggered_design(tmp_path):
    from urbansec_lib import outcomes

    base = "unit_id: X\ninitiative_id: P1\nstart_month: 2022-01\nfirst_post_wave: 2023\n"
    p = tmp_path / "X_evaluation.yaml"
    p.write_text(base + "incidents_file: i.csv\ndesign: staggered\n")
    with pytest.raises(ValidationError) as e:
        outcomes.read_spec(p)
    assert [q.column for q in e.value.problems] == ["rollout_file"]
    p.write_text(base + "incidents_file: i.csv\ndesign: lottery\n")
    with pytest.raises(ValidationError) as e:
        outcomes.read_spec(p)
    assert [q.column for q in e.value.problems] == ["design"]
    p.write_text(base + "incidents_file: i.csv\ndesign: staggered\nrollout_file: r.csv\n")
    spec = outcomes.read_spec(p)
    assert spec.design == "staggered" and spec.resolve(spec.rollout_file) == tmp_path / "r.csv"
    p.write_text(base + "incidents_file: i.csv\n")
    assert outcomes.read_spec(p).design == ""


def test_read_rollout_without_evaluation_file(tmp_path):
    """A unit with an inventory but no evaluation file: no rollout, no error."""
    from urbansec_lib import pipeline

    (tmp_path / "raw" / "orpheus").mkdir(parents=True)
    assert not pipeline.has_evaluation("PL013C", tmp_path)
    assert pipeline.read_rollout("PL013C", tmp_path) == (None, None)
    ev = tmp_path / "raw" / "orpheus" / "PL013C_evaluation.yaml"
    ev.write_text(
        "unit_id: PL013C\ninitiative_id: P1\nstart_month: 2022-01\nfirst_post_wave: 2023\n"
        "incidents_file: i.csv\n"
    )
    spec, rollout = pipeline.read_rollout("PL013C", tmp_path)
    assert spec.design == "" and rollout is None


def test_simulated_rollout_recovers_planted_effect_and_shows_twfe_bias():
    """Large synthetic rollout: CS simple ATT = the planted average effect; TWFE is off."""
    from urbansec_lib.demo.outcomes import simulate_rollout

    cohorts = {2019: (0.92, 0.05), 2021: (0.85, 0.03), 2023: (0.97, 0.0)}
    r = simulate_rollout(n_areas=3000, cohorts=cohorts, never_share=0.35, seed=7)
    ev = us.staggered.evaluate_rollout(r)
    # planted effect in incidents per 1,000: -32 E[level] E[noise] trend_t (1 - rate ratio)
    scale = 32 * np.exp(0.25**2 / 2) * np.exp(0.04**2 / 2)
    first = r.groupby("area")["first_year"].first()
    size = first[first > 0].value_counts()
    num = den = 0.0
    for g, (rr0, slope) in cohorts.items():
        for t in range(g, 2025):
            eff = -scale * (1 - 0.015 * (t - 2016)) * (1 - (rr0 - slope * (t - g)))
            num, den = num + size[g] * eff, den + size[g]
    truth = num / den
    assert abs(ev.simple.estimate - truth) < 3 * ev.simple.se
    assert abs(ev.bacon.estimate - truth) > 5 * ev.bacon.se  # TWFE biased towards zero
    assert ev.bacon.estimate > truth
    tab = ev.table()
    assert tab["design"].str.contains("TWFE").sum() == 1 and len(tab) == 3
    text = ev.reading()
    assert "Goodman-Bacon" in text and "never-treated" in text


def test_demo_rollout_is_declared_and_read_only_for_es300():
    data = ROOT / "data"
    spec, rollout = us.pipeline.read_rollout("ES300", data)
    assert spec.design == "staggered" and spec.rollout_file == "ES300_rollout_areas.csv"
    first = rollout.groupby("area")["first_year"].first()
    assert (first == 0).sum() >= 3 and first[first > 0].nunique() >= 3
    ev = us.staggered.evaluate_rollout(rollout)
    assert ev.simple.ci[1] < 0  # the planted reduction is found
    # the other units' evaluations are unchanged and still run
    _, none = us.pipeline.read_rollout("BE212", data)
    assert none is None
    spec, survey, incidents = us.pipeline.read_evaluation("ES300", data)
    assert len(us.outcomes.evaluate(spec, survey, incidents).table()) == 4
    readme = (data / "raw" / "orpheus" / "README.md").read_text(encoding="utf-8")
    assert "ES300_rollout_areas.csv" in readme and "synthetic" in readme.lower()
