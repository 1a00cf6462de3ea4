"""Sensitivity over any stage parameter by address (COINr's SA_specs), checked against
SALib's Sobol estimators on the same runs and against direct pipeline runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from urbansec_lib import coinr, sensitivity, stages

REF = Path(__file__).parent / "data" / "coinr_ref"


def salib_indices(y: np.ndarray, N: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """SALib's Sobol estimators on runs in COINr's layout (A, B, AB_1..AB_d)."""
    from SALib.analyze import sobol

    yA, yB = y[:N], y[N : 2 * N]
    yAB = y[2 * N :].reshape(d, N)
    Ys = np.column_stack([yA, *yAB, yB]).reshape(-1)  # SALib: per sample A, AB_1.., B
    # names as an array: SALib 1.5 calls pd.unique on them, which pandas 3 wants as an array
    names = np.array([f"x{i}" for i in range(d)])
    problem = {"num_vars": d, "names": names, "bounds": [[0, 1]] * d}
    r = sobol.analyze(problem, Ys, calc_second_order=False, num_resamples=10, seed=1)
    # SALib divides by the population variance (ddof 0), COINr by the sample variance
    c = (2 * N - 1) / (2 * N)
    return r["S1"] * c, r["ST"] * c


def test_sa_estimate_equals_salib_on_an_analytic_model():
    N, d = 4000, 3
    X = sensitivity.sa_sample(N, d, seed=7)
    a = np.array([1.0, 0.5, 0.0])
    y = X @ a + 0.8 * X[:, 0] * X[:, 1]
    est = sensitivity.sa_estimate(y, N, d, nboot=200, seed=1, center=True)
    s1, st = salib_indices(y, N, d)
    np.testing.assert_allclose(est["Si"], s1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(est["STi"], st, rtol=1e-10, atol=1e-12)
    # COINr's raw estimator (no centring), by hand
    raw = sensitivity.sa_estimate(y, N, d)
    yA, yB, yAB = y[:N], y[N : 2 * N], y[2 * N :].reshape(d, N)
    V = np.var(np.r_[yA, yB], ddof=1)
    np.testing.assert_allclose(raw["Si"], [np.mean(yB * (yAB[i] - yA)) / V for i in range(d)])
    np.testing.assert_allclose(raw["STi"], est["STi"], rtol=1e-10, atol=1e-12)
    assert est["STi"].iloc[2] == 0.0  # no effect, exactly
    assert (est["Si_lo"] <= est["Si"]).all() and (est["Si"] <= est["Si_hi"]).all()
    assert (est["STi_hi"] - est["STi_lo"]).iloc[0] > 0


@pytest.fixture(scope="module")
def asem_sa():
    t = coinr.read_coinr(REF / "ASEM_iData.csv", REF / "ASEM_iMeta.csv")
    pipe = stages.Pipeline(
        denominate=stages.Denominate(t.denominators),
        impute=stages.Impute("group_mean", group="EurAsia_group"),
        screen=stages.Screen(enabled=True, min_unit_coverage=0.9, after_impute=True),
        treat=stages.Treat(enabled=True, winmax=5, log_fallback="log_CT"),
        normalise=stages.Normalise("minmax", {"range": (0, 100)}),
        aggregate=stages.Aggregate("arithmetic"),
        groups=t.groups,
    )
    specs = {  # COINr's sensitivity vignette design
        "treat.winmax": {"values": [1, 2, 3, 4, 5]},
        "normalise": {
            "values": [
                stages.Normalise("minmax", {"range": (1, 100)}),
                stages.Normalise("zscore", {"mean": 10, "sd": 2}),
            ]
        },
        "weight.scheme": {"values": sensitivity.noisy_weights(t.fw, {2: 0.25, 3: 0.25}, 100)},
        "aggregate.method": {"values": ["arithmetic", "geometric"]},
    }
    res = sensitivity.run_specs(t.data, t.fw, specs, pipe, N=12, nboot=50, seed=3, center=True)
    return t, pipe, specs, res


def test_run_specs_design_and_salib_on_the_same_runs(asem_sa):
    t, pipe, specs, res = asem_sa
    N, d = res.n_base, len(specs)
    assert res.n_runs == N * (d + 2) == res.runs.shape[0]
    assert res.info["n_unique"] <= 10  # 5 winmax x 2 normalisations computed once each
    rows = list(res.info["rows"])
    j = list(res.info["nodes"]).index("Index")
    for unit in ("AUT", "CHN", "LAO"):
        r = [k for k, (u, _) in enumerate(rows) if u == unit][0]
        y = res.runs[:, r, j]
        s1, st = salib_indices(y, N, d)
        ix = res.indices.query("output == 'score' and unit_id == @unit").set_index("address")
        np.testing.assert_allclose(ix.loc[list(specs), "Si"], s1, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ix.loc[list(specs), "STi"], st, rtol=1e-9, atol=1e-12)
        assert {"Si_lo", "Si_hi", "STi_lo", "STi_hi"} <= set(ix.columns)


def test_run_specs_runs_equal_direct_pipeline_runs(asem_sa):
    t, pipe, specs, res = asem_sa
    nodes = list(res.info["nodes"])
    for r in (0, 13, 40, 70):
        ch = {a: specs[a]["values"][res.replicates.at[r, f"{a}#option"]] for a in specs}
        prof = pipe.set(**ch).run(t.data, t.fw)
        direct = prof.wide().reindex(index=res.info["rows"], columns=nodes).to_numpy()
        np.testing.assert_allclose(res.runs[r], direct, rtol=1e-10, atol=1e-10)
    # the nominal settings reproduce COINr's example coin
    b = res.bands.query("node_id == 'Index'").set_index("unit_id")
    import pandas as pd

    ref = pd.read_csv(REF / "coin_Aggregated.csv").set_index("uCode")["Index"]
    np.testing.assert_allclose(b["nominal"], ref.loc[b.index], rtol=1e-12)


def test_unknown_address_is_an_error(asem_sa):
    t, pipe, _, _ = asem_sa
    with pytest.raises(KeyError, match="winmx"):
        sensitivity.run_specs(t.data, t.fw, {"treat.winmx": {"values": [1, 2]}}, pipe, N=2)
