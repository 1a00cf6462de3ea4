"""Tests of the Monte Carlo uncertainty / sensitivity analysis (urbansec_lib.sensitivity)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from urbansec_lib import scoring, sensitivity  # noqa: E402
from urbansec_lib.framework import Framework  # noqa: E402

TAI = Path(__file__).parent / "data" / "oecd_handbook_tai"
FULL = {
    "weights": 0.3,
    "normalisation": ["minmax", "zscore", "rank"],
    "aggregation": ["arithmetic", "geometric"],
    "imputation": ["none", "mean"],
    "treatment": [False, True],
    "removal": True,
    "dummy": True,
}


@pytest.fixture(scope="module")
def tai():
    fw = Framework.from_coinr(TAI / "TAI_iMeta.csv", id="tai")
    d = pd.read_csv(TAI / "TAI_23_handbook_tableA2.csv")
    tidy = d.melt(id_vars="country", var_name="indicator_id").rename(columns={"country": "unit_id"})
    tidy.loc[[3, 40, 77], "value"] = np.nan  # some gaps so imputation matters
    return fw, tidy


@pytest.fixture(scope="module")
def res(tai):
    fw, d = tai
    return sensitivity.run(d, fw, FULL, n=4500, seed=1, keep_runs=True)


def test_dummy_near_zero_real_assumption_positive(res):
    ix = res.indices[res.indices["output"] == "mean_abs_deviation"].set_index(
        ["node_id", "assumption"]
    )
    dummy = ix.xs("dummy", level="assumption")
    assert (dummy[["S1", "ST"]].abs() < 0.05).all().all()
    norm = ix.xs("normalisation", level="assumption")
    assert (norm["ST"] > 0.2).all() and (norm["S1"] > 0.1).all()
    per_unit = res.indices[
        (res.indices["output"] == "score") & (res.indices["assumption"] == "dummy")
    ]
    assert per_unit[["S1", "ST"]].abs().max().max() < 0.05


def test_vectorised_runs_equal_the_reference_route(tai, res):
    fw, d = tai
    runs = res.info["runs"]
    rows = res.info["rows"]
    nodes = list(res.info["nodes"])
    picks = [0, 7, 600, 1200, 2222, 3000, 4499]
    checked = set()
    for i in picks:
        rep = res.replicates.iloc[i].to_dict()
        ref = sensitivity.reference_scores(d, fw, rep)
        refw = ref.pivot_table(
            index=["unit_id", "period"], columns="node_id", values="score", dropna=False
        ).reindex(index=rows, columns=nodes)
        np.testing.assert_allclose(runs[i], refw.to_numpy(), rtol=1e-5, atol=1e-3)
        checked.add((rep["normalisation"], rep["aggregation"]))
    assert len(checked) >= 3


def test_single_assumption_explains_everything(tai):
    fw, d = tai
    r = sensitivity.run(d, fw, {"normalisation": ["minmax", "zscore", "rank"]}, n=3000, seed=2)
    ix = r.indices[r.indices["output"] == "mean_abs_deviation"]
    np.testing.assert_allclose(ix["S1"], 1.0, atol=0.1)
    np.testing.assert_allclose(ix["ST"], 1.0, atol=0.1)


def test_bands_replicates_and_nominal(tai, res):
    fw, d = tai
    b = res.bands
    assert len(b) == 23 * 5
    assert (b["q05"] <= b["median"] + 1e-9).all() and (b["median"] <= b["q95"] + 1e-9).all()
    nominal = scoring.score(d, fw).scores.set_index(["unit_id", "node_id"])["score"]
    got = b.set_index(["unit_id", "node_id"])["nominal"]
    np.testing.assert_allclose(got.reindex(nominal.index), nominal, atol=1e-9)
    rp = res.replicates
    assert len(rp) == res.n_runs == res.n_base * 9
    assert {
        "normalisation",
        "aggregation",
        "imputation",
        "treatment",
        "removed_indicator",
        "dummy",
        "w:PATENTS",
        "w:creation",
    } <= set(rp.columns)
    # AB_i rows differ from A only in assumption i
    a = rp[rp["matrix"] == "A"].reset_index(drop=True)
    ab = rp[rp["matrix"] == "AB_aggregation"].reset_index(drop=True)
    assert (a["normalisation"] == ab["normalisation"]).all()
    w = rp.filter(like="w:").to_numpy()
    base = scoring.build_tree(fw).base_weights
    nz = w > 0
    assert (np.abs(w[nz] / np.broadcast_to(base, w.shape)[nz] - 1) <= 0.3 + 1e-12).all()
    assert "Sensitivity analysis" in res.summary()


def test_seed_reproducible(tai):
    fw, d = tai
    a = sensitivity.run(d, fw, {"weights": 0.2, "dummy": True}, n=400, seed=5)
    b = sensitivity.run(d, fw, {"weights": 0.2, "dummy": True}, n=400, seed=5, chunk_size=37)
    pd.testing.assert_frame_equal(a.bands, b.bands)
    c = sensitivity.run(d, fw, {"weights": 0.2, "dummy": True}, n=400, seed=6)
    assert not np.allclose(a.bands["median"], c.bands["median"])


def test_plots_return_figures(res):
    from matplotlib.figure import Figure

    assert isinstance(res.plot_bands("Finland"), Figure)
    assert isinstance(res.plot_indices(), Figure)
    assert isinstance(res.plot_indices(output="score", node_id="TAI"), Figure)


def test_unknown_assumption(tai):
    fw, d = tai
    with pytest.raises(ValueError, match="unknown assumption"):
        sensitivity.run(d, fw, {"colour": ["red"]}, n=100)


def test_nominal_scores_equal_the_profile_with_the_same_settings():
    """The uncertainty bands are centred on the published profile: with the report's own
    settings (data threshold, the framework's aggregation) the nominal run is the profile."""
    import urbansec_lib as us

    fw = us.load_framework()
    inputs = us.pipeline.load_inputs(Path(__file__).resolve().parent.parent / "data", fw)
    prof = us.self_assessment.profile(inputs.indicators, fw)
    sa = us.sensitivity.run(
        inputs.indicators,
        fw,
        assumptions=us.self_assessment.DEFAULT_ASSUMPTIONS,
        n=300,
        seed=1,
        dat_thresh=us.self_assessment.DAT_THRESH,
    )
    merged = sa.bands.merge(prof.scores, on=["unit_id", "period", "node_id"])
    assert len(merged) > 100
    np.testing.assert_allclose(merged["nominal"], merged["score"], rtol=1e-5, equal_nan=True)
