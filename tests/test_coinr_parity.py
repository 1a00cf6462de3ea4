"""Case-by-case parity with COINr 1.1.14 itself.

Every expected value here was computed by COINr 1.1.14 (commit b968203) on its own ASEM
example data; the calls are quoted in tests/data/coinr_ref/PROVENANCE.txt. The inputs are
read exactly as a COINr user hands them over (ASEM_iData.csv / ASEM_iMeta.csv through
:func:`urbansec_lib.coinr.read_coinr`: groups and denominators from iMeta's ``Type``,
LAO's missing Energy left missing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from urbansec_lib import coherence, coinr, scoring

REF = Path(__file__).parent / "data" / "coinr_ref"
TOL = 1e-9


@pytest.fixture(scope="module")
def asem():
    return coinr.read_coinr(REF / "ASEM_iData.csv", REF / "ASEM_iMeta.csv")


def ref_wide(name: str, panel: bool = False) -> pd.DataFrame:
    df = pd.read_csv(REF / f"{name}.csv")
    df = df.rename(columns={"uCode": "unit_id", "Time": "period"})
    return df.set_index(["unit_id", "period"] if panel else "unit_id")


def coin_stage(name: str, fw) -> pd.DataFrame:
    """A COINr data set (uCode + indicator columns) as urbansec tidy data."""
    w = ref_wide(name)
    ids = [i.id for i in fw.indicators]
    t = w[ids].reset_index().melt(id_vars="unit_id", var_name="indicator_id")
    t["period"] = 2022
    return t


def wide_of(tidy: pd.DataFrame, col: str = "value") -> pd.DataFrame:
    return tidy.pivot_table(index="unit_id", columns="indicator_id", values=col, dropna=False)


def assert_same(ours: pd.DataFrame, ref: pd.DataFrame, tol: float = TOL) -> None:
    ref = ref.loc[ours.index, ours.columns].astype(float)
    np.testing.assert_array_equal(ours.isna().to_numpy(), ref.isna().to_numpy())
    np.testing.assert_allclose(ours.to_numpy(float), ref.to_numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ ASEM end to end
def test_read_coinr_keeps_groups_and_denominators_from_imeta(asem):
    data, fw, groups = asem
    assert {"GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"} <= set(groups.columns)
    assert list(asem.denominators.columns) == [
        "unit_id",
        "period",
        "Area",
        "Energy",
        "GDP",
        "Population",
    ]
    lao = asem.denominators.set_index("unit_id").loc["LAO"]
    assert np.isnan(lao["Energy"])  # left missing, as COINr's user hands it over
    assert fw.indicator("Flights").denominator == "Population"


def test_asem_example_coin_end_to_end(asem):
    data, fw, groups = asem
    prof = scoring.score(
        data,
        fw,
        denominators=asem.denominators,
        groups=groups,
        impute={"method": "group_mean", "group": "EurAsia_group"},
        screen={"min_unit_coverage": 0.9, "after_impute": True},
        treat={"winmax": 5, "log_fallback": "log_CT"},
        normalise="minmax",
        aggregate="arithmetic",
    )
    notes = prof.log[1]["notes"]
    assert {(n["unit_id"], n["indicator_id"]) for n in notes} == {("LAO", "Elec"), ("LAO", "Gas")}
    ref = ref_wide("coin_Aggregated")
    assert_same(prof.wide().droplevel("period"), ref)
    assert_same(wide_of(prof.indicators), ref)
    # the stages in between
    den = scoring.denominate(data, fw, asem.denominators)
    assert_same(wide_of(den), ref_wide("coin_Denominated"))
    assert_same(wide_of(prof.indicators, "raw"), ref_wide("coin_Denominated"))


def test_asem_panel_purse_with_per_period_treatment():
    data, fw, groups = coinr.read_coinr(REF / "ASEM_iData_p.csv", REF / "ASEM_iMeta.csv")
    prof = scoring.score(
        data,
        fw,
        screen={"min_unit_coverage": 0.9},
        treat={"winmax": 5, "log_fallback": "log_CT", "by_period": True},
        normalise="minmax",  # pooled over the periods = COINr's Normalise(global = TRUE)
        aggregate="arithmetic",
    )
    ref = ref_wide("purse_Aggregated", panel=True)
    assert len(prof.wide()) == len(ref) == 230  # screening drops unit-years per year
    assert_same(prof.wide(), ref)
    # pooled treatment is not what COINr does: it differs
    pooled = scoring.score(
        data, fw, screen={"min_unit_coverage": 0.9}, treat={"log_fallback": "log_CT"}
    )
    assert np.nanmax(np.abs(pooled.wide().to_numpy() - ref.loc[pooled.wide().index, pooled.wide().columns].to_numpy())) > 0.1


def test_missing_denominator_problem_names_the_unit(asem):
    data, fw, _ = asem
    den = asem.denominators.copy()
    den.loc[den["unit_id"] == "CHN", "Area"] = -1.0
    with pytest.raises(Exception) as e:
        scoring.denominate(data, fw, den)
    assert "CHN" in str(e.value.problems[0].expected)
    assert e.value.problems[0].value == -1.0


# ------------------------------------------------------------------ normalisation
NORMS = {
    "minmax_0_100": ("minmax", {"range": (0, 100)}),
    "minmax_1_100": ("minmax", {"range": (1, 100)}),
    "zscore_10_2": ("zscore", {"mean": 10, "sd": 2}),
    "dist2max": ("dist2max", {"scale": 1}),
    "fracmax": ("fracmax", {"scale": 1}),
    "prank": ("percentile", {"kind": "coinr", "scale": 1}),
    "rank": ("rank", {}),
    "borda": ("borda", {}),
    "dist2ref_AUT": ("dist2ref", {"ref_unit": "AUT", "scale": 1}),
    "dist2targ": ("dist2targ", {"scale": 1}),
    "indiv": (
        "minmax",
        {
            "indiv": {
                "LPI": {"method": "zscore", "mean": 10, "sd": 2},
                "Flights": {"method": "borda"},
                "Bord": {"method": "fracmax", "scale": 1},
            }
        },
    ),
}


@pytest.mark.parametrize("case", sorted(NORMS))
def test_normalisation_matches_coinr(asem, case):
    fw = asem.fw
    method, params = NORMS[case]
    res = scoring.normalise(coin_stage("coin_Treated", fw), fw, method, **params)
    assert_same(wide_of(res.data), ref_wide(f"norm_{case}"))
