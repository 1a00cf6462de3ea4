"""Tests for urbansec_lib.fixed_effects.feols.

Reference routes
----------------
- pyfixest (the Python port of R fixest, test dependency): same model, estimates and CRV1 /
  HC1 SEs equal to 1e-8, both small-sample conventions (``ssc(k_fixef="full")`` = "all").
- statsmodels OLS on explicit dummies (independent route): the "all" convention equals its
  cluster-robust SE (G/(G-1) (n-1)/(n-K), K counting every dummy) and its HC1.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from urbansec_lib import fixed_effects as fx
from urbansec_lib.errors import ValidationError
from urbansec_lib.fixed_effects import feols


def panel(seed: int = 1, U: int = 60, T: int = 7, frac: float = 0.9) -> pd.DataFrame:
    """Unbalanced panel: unit and time effects, a treatment dummy, a covariate, weights."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"u": np.repeat(np.arange(U), T), "t": np.tile(np.arange(T), U)})
    d["city"] = d["u"] // 5
    d["tr"] = ((d["u"] < U // 3) & (d["t"] >= T // 2)).astype(float)
    d["x"] = rng.normal(size=len(d)) + 0.3 * d["t"]
    d["y"] = (
        0.5 * d["tr"]
        + 0.3 * d["x"]
        + rng.normal(size=U)[d["u"]]
        + rng.normal(size=T)[d["t"]]
        + rng.normal(size=len(d))
    )
    d["w"] = rng.uniform(0.5, 2.0, len(d))
    return d.sample(frac=frac, random_state=seed).reset_index(drop=True)


def _sm_dummies(d, cluster=None, weights=None):
    f = "y ~ tr + x + C(u) + C(t)"
    mod = smf.wls(f, d, weights=d[weights]) if weights else smf.ols(f, d)
    if cluster:
        return mod.fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(d[cluster])[0]}, use_t=True
        )
    return mod.fit(cov_type="HC1", use_t=True)


# --------------------------------------------------------------------------------------
# against pyfixest
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, "w"])
@pytest.mark.parametrize("cluster", ["u", "city", None])
@pytest.mark.parametrize("ssc", ["fixest", "all"])
def test_feols_equals_pyfixest(weights, cluster, ssc):
    pf = pytest.importorskip("pyfixest")
    d = panel(seed=3)
    ours = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster=cluster, weights=weights, ssc=ssc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols(
            "y ~ tr + x | u + t",
            data=d,
            vcov={"CRV1": cluster} if cluster else "hetero",
            weights=weights,
            ssc=pf.ssc(k_fixef="nonnested" if ssc == "fixest" else "full"),
            fixef_tol=1e-12,
        )
    np.testing.assert_allclose(ours.params.to_numpy(), ref.coef().to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.se.to_numpy(), ref.se().to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.pvalue.to_numpy(), ref.pvalue().to_numpy(), rtol=0, atol=1e-8)
    assert ours.n == ref._N


def test_feols_no_fe_and_one_fe_equal_pyfixest():
    pf = pytest.importorskip("pyfixest")
    d = panel(seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r0 = pf.feols("y ~ tr + x", data=d, vcov={"CRV1": "city"})
        r1 = pf.feols("y ~ tr + x | u", data=d, vcov={"CRV1": "city"})
    o0 = feols(d, "y", ["tr", "x"], cluster="city")
    o1 = feols(d, "y", ["tr", "x"], fe=["u"], cluster="city")
    assert list(o0.params.index) == ["Intercept", "tr", "x"]
    for o, r in ((o0, r0), (o1, r1)):
        np.testing.assert_allclose(o.params.to_numpy(), r.coef().to_numpy(), atol=1e-10)
        np.testing.assert_allclose(o.se.to_numpy(), r.se().to_numpy(), atol=1e-10)


def test_feols_singletons_dropped_like_pyfixest():
    pf = pytest.importorskip("pyfixest")
    d = panel(seed=5)
    d = pd.concat([d, d.iloc[:3].assign(u=[900, 901, 902])], ignore_index=True)
    ours = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ tr + x | u + t", data=d, vcov={"CRV1": "u"}, fixef_tol=1e-12)
    assert ours.n_singletons == 3 and ours.n == ref._N == len(d) - 3
    assert ours.n_clusters == d["u"].nunique() - 3
    np.testing.assert_allclose(ours.se.to_numpy(), ref.se().to_numpy(), atol=1e-8)


# --------------------------------------------------------------------------------------
# against statsmodels dummy regressions (independent route)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, "w"])
def test_feols_all_convention_equals_statsmodels_dummies(weights):
    d = panel(seed=6, U=30, T=5)
    sm_cl = _sm_dummies(d, "u", weights)
    sm_hc = _sm_dummies(d, None, weights)
    o_cl = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u", weights=weights, ssc="all")
    o_hc = feols(d, "y", ["tr", "x"], fe=["u", "t"], weights=weights, ssc="all")
    o_fx = feols(d, "y", ["tr", "x"], fe=["u", "t"], weights=weights)  # HC1: no nesting
    for term in ("tr", "x"):
        assert o_cl.params[term] == pytest.approx(sm_cl.params[term], abs=1e-10)
        assert o_cl.se[term] == pytest.approx(sm_cl.bse[term], abs=1e-10)
        assert o_cl.pvalue[term] == pytest.approx(sm_cl.pvalues[term], abs=1e-10)
        assert o_hc.se[term] == pytest.approx(sm_hc.bse[term], abs=1e-10)
        assert o_fx.se[term] == pytest.approx(sm_hc.bse[term], abs=1e-10)
    assert o_cl.df_resid == d["u"].nunique() - 1
    assert o_hc.df_resid == sm_hc.df_resid
    np.testing.assert_allclose(o_cl.fittedvalues.to_numpy(), sm_cl.fittedvalues, atol=1e-9)


def test_fixest_convention_by_hand_ratio():
    """Unit FE nested in unit clusters count as one coefficient (fixest, reghdfe)."""
    d = panel(seed=7, U=40, T=6, frac=1.0)
    a = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u")
    b = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u", ssc="all")
    n, U, T, k = len(d), 40, 6, 2
    assert a.df_k == k + T and b.df_k == k + U + T - 1
    assert a.fe_nested == [True, False]
    ratio = np.sqrt((n - (k + U + T - 1)) / (n - (k + T)))
    assert (a.se / b.se).to_numpy() == pytest.approx([ratio, ratio], rel=1e-12)
    # Di Tella & Schargrodsky shape: the 6% of issue 16
    ditella = np.sqrt((7884 - 1 - 10 + 1) / (7884 - fx.effective_k(1, [876, 9], [1, 0], "all")))
    assert ditella == pytest.approx(1.0606, abs=1e-4)


def test_keep_singletons_matches_dummies():
    d = panel(seed=8, U=20, T=4)
    d = pd.concat([d, d.iloc[:2].assign(u=[500, 501])], ignore_index=True)
    o = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u", ssc="all", drop_singletons=False)
    s = _sm_dummies(d, "u")
    assert o.n == len(d) and o.n_singletons == 0
    assert o.se["tr"] == pytest.approx(s.bse["tr"], abs=1e-10)


def test_lincom_and_wald_equal_statsmodels():
    d = panel(seed=9, U=30, T=5)
    o = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u", ssc="all")
    s = _sm_dummies(d, "u")
    lc = o.lincom({"tr": 0.5, "x": 0.5})
    tt = s.t_test("0.5 * tr + 0.5 * x = 0")
    assert lc["estimate"] == pytest.approx(float(np.ravel(tt.effect)[0]), abs=1e-10)
    assert lc["se"] == pytest.approx(float(np.ravel(tt.sd)[0]), abs=1e-10)
    assert lc["pvalue"] == pytest.approx(float(tt.pvalue), abs=1e-10)
    wt = s.wald_test("tr = 0, x = 0", use_f=True, scalar=True)
    w = o.wald(["tr", "x"])
    assert w["F"] == pytest.approx(float(wt.statistic), rel=1e-9)
    assert w["df"] == (2.0, float(wt.df_denom))


# --------------------------------------------------------------------------------------
# demeaning, collinearity, validation, interface
# --------------------------------------------------------------------------------------
def test_demean_two_way_balanced_by_hand_and_weighted_one_way():
    rng = np.random.default_rng(0)
    U, T = 5, 4
    u, t = np.repeat(np.arange(U), T), np.tile(np.arange(T), U)
    x = rng.normal(size=U * T)
    M = x.reshape(U, T)
    hand = M - M.mean(1, keepdims=True) - M.mean(0, keepdims=True) + M.mean()
    np.testing.assert_allclose(fx.demean(x, [u, t]), hand.ravel(), atol=1e-12)
    w = rng.uniform(1, 3, U * T)
    wm = np.bincount(u, w * x) / np.bincount(u, w)
    np.testing.assert_allclose(fx.demean(x, [u], w), x - wm[u], atol=1e-14)


def test_demean_converges_on_unbalanced_and_warns_at_cap():
    d = panel(seed=10, U=40, T=6, frac=0.7)
    u, t = pd.factorize(d["u"])[0], pd.factorize(d["t"])[0]
    z = fx.demean(d["x"].to_numpy(), [u, t], tol=1e-13)
    assert np.abs(np.bincount(u, z)).max() < 1e-9 and np.abs(np.bincount(t, z)).max() < 1e-9
    with pytest.warns(fx.ConvergenceWarning):
        fx.demean(d["x"].to_numpy(), [u, t], tol=1e-15, maxiter=1)


def test_collinear_regressor_is_dropped_with_warning():
    d = panel(seed=11).assign(z=lambda f: f["u"] * 0.5)  # time-invariant: absorbed by unit FE
    with pytest.warns(UserWarning, match="collinear"):
        o = feols(d, "y", ["tr", "z", "x"], fe=["u", "t"], cluster="u")
    assert o.collinear == ["z"] and list(o.params.index) == ["tr", "x"]


def test_missing_rows_dropped_and_counted():
    d = panel(seed=12)
    d.loc[:4, "x"] = np.nan
    o = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster="u")
    assert o.n_missing == 5 and o.n == len(d) - 5 - o.n_singletons


def test_validation_lists_all_problems():
    d = panel(seed=13).assign(s="a", w=lambda f: f["w"] - 5)
    with pytest.raises(ValidationError) as e:
        feols(d, "nope", ["s", "tr"], fe=["zz"], cluster="cc", weights="w")
    cols = {p.column for p in e.value.problems}
    assert {"nope", "s", "zz", "cc", "w"} <= cols
    with pytest.raises(ValueError, match="ssc"):
        feols(d, "y", ["tr"], ssc="bogus")


def test_result_interface():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    o = feols(panel(seed=14), "y", ["tr", "x"], fe=["u", "t"], cluster="u")
    tab = o.table()
    assert list(tab.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "pvalue"]
    assert (tab["ci_low"] < tab["estimate"]).all() and (tab["estimate"] < tab["ci_high"]).all()
    ci90 = o.conf_int(0.10)
    assert (ci90["ci_low"] > o.ci["ci_low"]).all()
    s = o.summary()
    assert "CRV1 by u" in s and "fixest" in s and "u + t" in s
    assert isinstance(o.plot(), Figure)
    assert o.bse is o.se and o.nobs == o.n
