"""Tests for urbansec_lib.wildboot.wild_cluster_bootstrap.

Reference routes
----------------
- ``wildboottest`` (PyPI, by the pyfixest authors; test dependency): with Rademacher weights
  and few clusters both enumerate all 2^G sign patterns, so the bootstrap t statistics and
  the p-value are deterministic and must agree.
- A hand-built tiny case: three clusters, the eight sign patterns refitted one by one with
  statsmodels' cluster-robust OLS (no shortcut formulas).
- Webb's six-point distribution: mean 0, variance 1, fourth moment 7/6 (Webb 2014).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from urbansec_lib import wildboot
from urbansec_lib.fixed_effects import feols
from urbansec_lib.wildboot import wild_cluster_bootstrap


def data(seed: int = 5, G: int = 8, n: int = 300, beta: float = 0.3):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, G, n)
    x = rng.normal(size=n) + rng.normal(size=G)[g]
    x2 = rng.normal(size=n)
    y = 1 + beta * x + 0.3 * x2 + rng.normal(size=G)[g] + rng.normal(size=n)
    return y, np.column_stack([np.ones(n), x, x2]), g


def _p_ties(tb, t):
    """Our convention on the reference's draws: mean(|t*| >= |t|), ties counted."""
    return np.mean(np.abs(tb) >= abs(t) * (1 - 1e-10))


def _wildboottest(X, y, g, R, impose_null=True):
    wbt = pytest.importorskip("wildboottest.wildboottest")
    wb = wbt.WildboottestCL(X=X, Y=y, cluster=g, R=R, B=99999, seed=1)
    wb.get_scores(bootstrap_type="11", impose_null=impose_null)
    wb.get_weights(weights_type="rademacher")
    wb.get_numer()
    wb.get_denom()
    wb.get_tboot()
    wb.get_vcov()
    wb.get_tstat()
    wb.get_pvalue()
    return np.ravel(wb.t_boot), float(np.ravel(wb.t_stat)[0]), float(wb.pvalue)


@pytest.mark.parametrize("impose_null", [True, False])
def test_full_enumeration_equals_wildboottest(impose_null):
    y, X, g = data()
    tb, t, p = _wildboottest(X, y, g, np.array([0.0, 1.0, 0.0]), impose_null)
    r = wild_cluster_bootstrap(y, X, g, 1, B=99999, impose_null=impose_null)
    assert r.full_enumeration and r.B == 2**8 == tb.size
    np.testing.assert_allclose(np.sort(r.t_boot), np.sort(tb), atol=1e-10)
    assert r.t == pytest.approx(t, abs=1e-10)  # same (n-1)/(n-k) G/(G-1) without FE
    assert r.pvalue == _p_ties(tb, t) and abs(r.pvalue - p) <= 2 / r.B + 1e-12


def test_fixed_effects_equal_wildboottest_on_dummies():
    """Unit FE nested in clusters swept out, crossed time FE as dummies: same as all dummies."""
    rng = np.random.default_rng(2)
    U, T = 10, 6
    d = pd.DataFrame({"u": np.repeat(np.arange(U), T), "t": np.tile(np.arange(T), U)})
    d["city"] = d["u"] // 2
    d["tr"] = ((d["u"] < 5) & (d["t"] >= 3)).astype(float)
    d["x"] = rng.normal(size=len(d))
    d["y"] = (
        d["tr"]
        + 0.2 * d["x"]
        + rng.normal(size=U)[d["u"]]
        + rng.normal(size=T)[d["t"]]
        + rng.normal(size=len(d))
    )
    d = d.drop(index=[3, 17, 40, 41]).reset_index(drop=True)
    dummies = pd.get_dummies(d[["u", "t"]].astype(str), drop_first=True, dtype=float)
    Xd = np.column_stack([d["tr"], d["x"], np.ones(len(d)), dummies.to_numpy()])
    R = np.zeros(Xd.shape[1])
    R[0] = 1.0
    for cl in ("u", "city"):
        fit = feols(d, "y", ["tr", "x"], fe=["u", "t"], cluster=cl)
        r = fit.wild_bootstrap("tr", B=99999)
        tb, t, p = _wildboottest(Xd, d["y"].to_numpy(), d[cl].to_numpy(), R)
        assert r.estimate == pytest.approx(fit.params["tr"], abs=1e-9)
        assert r.se == pytest.approx(fit.se["tr"], rel=1e-9)  # fixest convention kept
        # wildboottest counts every dummy in k: t differs by a constant factor only
        np.testing.assert_allclose(np.sort(r.t_boot) * t / r.t, np.sort(tb), atol=1e-10)
        assert r.pvalue == _p_ties(tb, t) and abs(r.pvalue - p) <= 2 / r.B + 1e-12
    # the standalone function with column names gives the same answer
    r2 = wild_cluster_bootstrap(d["y"], d[["tr", "x", "u", "t"]], d["city"], "tr", fe=["u", "t"])
    assert r2.pvalue == fit.wild_bootstrap("tr").pvalue


def test_weighted_regression_equals_wildboottest_on_scaled_data():
    y, X, g = data(seed=8, G=9)
    w = np.random.default_rng(1).uniform(0.5, 2.0, y.size)
    r = wild_cluster_bootstrap(y, X, g, 1, B=9999, regression_weights=w)
    sw = np.sqrt(w)
    tb, t, p = _wildboottest(X * sw[:, None], y * sw, g, np.array([0.0, 1.0, 0.0]))
    np.testing.assert_allclose(np.sort(r.t_boot), np.sort(tb), atol=1e-10)
    assert r.pvalue == _p_ties(tb, t) and abs(r.pvalue - p) <= 2 / r.B + 1e-12
    wls = sm.WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": g})
    assert r.se == pytest.approx(wls.bse[1], rel=1e-10)


def test_tiny_case_refitted_by_hand():
    """G = 3: restricted residuals, the 8 sign patterns, each refit by statsmodels."""
    rng = np.random.default_rng(0)
    g = np.repeat([0, 1, 2], [4, 5, 6])
    x = rng.normal(size=15)
    y = 0.5 + 0.8 * x + rng.normal(size=15)
    X = sm.add_constant(x)
    h0 = 0.2
    fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    t_obs = (fit.params[1] - h0) / fit.bse[1]
    restr = sm.OLS(y - h0 * x, X[:, :1]).fit()  # impose b1 = h0
    yhat0, u0 = restr.fittedvalues + h0 * x, restr.resid
    t_star = []
    for signs in itertools.product([-1.0, 1.0], repeat=3):
        ys = yhat0 + u0 * np.asarray(signs)[g]
        fs = sm.OLS(ys, X).fit(cov_type="cluster", cov_kwds={"groups": g})
        t_star.append((fs.params[1] - h0) / fs.bse[1])
    t_star = np.array(t_star)
    r = wild_cluster_bootstrap(y, X, g, 1, h0=h0, B=8)
    assert r.B == 8 and r.full_enumeration
    np.testing.assert_allclose(np.sort(r.t_boot), np.sort(t_star), atol=1e-10)
    assert r.t == pytest.approx(t_obs, abs=1e-12)
    assert r.pvalue == pytest.approx(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-9))
    assert r.pvalue >= 2 / 8  # the patterns +1 and -1 reproduce the data


def test_webb_weights_moments():
    v = wildboot.WEBB_VALUES
    assert v.mean() == pytest.approx(0.0, abs=1e-15)
    assert (v**2).mean() == pytest.approx(1.0)
    assert (v**4).mean() == pytest.approx(7 / 6)
    draws, full = wildboot.bootstrap_weights(50, 4000, "webb", seed=3)
    assert not full and draws.shape == (50, 4000)
    counts = np.unique(draws, return_counts=True)[1] / draws.size
    assert np.allclose(counts, 1 / 6, atol=0.01)
    rad, full = wildboot.bootstrap_weights(40, 999, "rademacher", seed=3)
    assert not full and set(np.unique(rad)) == {-1.0, 1.0}


def test_ci_by_test_inversion_brackets_alpha_and_seed_reproducible():
    y, X, g = data(seed=9, G=14, beta=0.6)
    r = wild_cluster_bootstrap(y, X, g, 1, weights="webb", B=1999, seed=7)
    assert not r.full_enumeration and r.B == 1999
    lo, hi = r.ci
    assert lo < r.estimate < hi
    eps = 1e-6 * r.se
    for bound, side in ((lo, -1), (hi, 1)):
        inside = wild_cluster_bootstrap(y, X, g, 1, h0=bound - side * eps, weights="webb",
                                        B=1999, seed=7)  # fmt: skip
        outside = wild_cluster_bootstrap(y, X, g, 1, h0=bound + side * 1e-3 * r.se,
                                         weights="webb", B=1999, seed=7)  # fmt: skip
        assert inside.pvalue > 0.05 >= outside.pvalue - 2 / 1999
    again = wild_cluster_bootstrap(y, X, g, 1, weights="webb", B=1999, seed=7)
    assert again.pvalue == r.pvalue and again.ci == r.ci
    # the interval is the set of nulls not rejected: the estimate itself has p = 1
    assert wild_cluster_bootstrap(y, X, g, 1, h0=r.estimate, weights="webb", B=1999,
                                  seed=7).pvalue == 1.0  # fmt: skip


def test_linear_combination_and_interface():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    y, X, g = data(seed=10, G=8)
    Xdf = pd.DataFrame(X, columns=["const", "x", "x2"])
    r = wild_cluster_bootstrap(y, Xdf, g, {"x": 1.0, "x2": -1.0}, B=999)
    fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    assert r.param == "R'b" and r.estimate == pytest.approx(fit.params[1] - fit.params[2])
    tab = r.table()
    assert {"term", "estimate", "se", "pvalue", "ci_low", "ci_high", "B"} <= set(tab.columns)
    assert "WCR" in r.summary() and "full enumeration" in r.summary()
    assert isinstance(r.plot(), Figure)
    with pytest.raises(ValueError):
        wild_cluster_bootstrap(y, X, g, 1, weights="mammen")
    with pytest.raises(ValueError):
        wild_cluster_bootstrap(y, X, np.zeros(y.size), 1)
    with pytest.raises(ValueError, match="clustered"):
        feols(Xdf.assign(y=y), "y", ["x"]).wild_bootstrap("x")


@pytest.mark.slow
def test_size_under_the_null_with_few_clusters():
    """WCR rejects a true null about 5% of the time with 8 clusters (CRV1 t: more)."""
    rej_wb, rej_t = [], []
    for s in range(400):
        rng = np.random.default_rng(1000 + s)
        G = 8
        g = np.repeat(np.arange(G), 30)
        x = rng.normal(size=G)[g] + rng.normal(size=g.size)
        y = rng.normal(size=G)[g] + rng.normal(size=g.size)  # b = 0
        X = np.column_stack([np.ones(g.size), x])
        r = wild_cluster_bootstrap(y, X, g, 1, B=256)
        rej_wb.append(r.pvalue < 0.05)
        fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)
        rej_t.append(fit.pvalues[1] < 0.05)
    assert 0.02 <= np.mean(rej_wb) <= 0.085
    assert np.mean(rej_t) >= np.mean(rej_wb)


def test_feols_weighted_fe_bootstrap_keeps_the_fit_and_equals_dummies():
    """WLS with absorbed FE: the bootstrap reproduces the fit's estimate and CRV1 SE, and its
    draws equal the explicit-dummy bootstrap on sqrt(w)-scaled data."""
    rng = np.random.default_rng(4)
    U, T = 10, 5
    d = pd.DataFrame({"u": np.repeat(np.arange(U), T), "t": np.tile(np.arange(T), U)})
    d["tr"] = ((d["u"] < 5) & (d["t"] >= 2)).astype(float)
    d["w"] = rng.uniform(0.5, 2.0, len(d))
    d["y"] = d["tr"] + rng.normal(size=U)[d["u"]] + rng.normal(size=len(d))
    fit = feols(d, "y", ["tr"], fe=["u", "t"], cluster="u", weights="w")
    r = fit.wild_bootstrap("tr", B=99999)
    assert r.estimate == pytest.approx(fit.params["tr"], abs=1e-9)
    assert r.se == pytest.approx(fit.se["tr"], rel=1e-9)
    dummies = pd.get_dummies(d[["u", "t"]].astype(str), drop_first=True, dtype=float)
    Xd = np.column_stack([d["tr"], np.ones(len(d)), dummies.to_numpy()])
    sw = np.sqrt(d["w"].to_numpy())
    R = np.zeros(Xd.shape[1])
    R[0] = 1.0
    tb, t, _ = _wildboottest(Xd * sw[:, None], d["y"].to_numpy() * sw, d["u"].to_numpy(), R)
    np.testing.assert_allclose(np.sort(r.t_boot) * t / r.t, np.sort(tb), atol=1e-8)
    assert r.pvalue == _p_ties(tb, t)
