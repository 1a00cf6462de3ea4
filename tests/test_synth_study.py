"""Tests for urbansec_lib.synth_study: the one-region synthetic-control study on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from urbansec_lib import impact, synth_study
from urbansec_lib.errors import ValidationError
from urbansec_lib.pipeline import ICCS_LABELS

DATA = Path(__file__).resolve().parents[1] / "data"


def test_parse_spec_years_and_errors():
    spec = synth_study.parse_spec(
        {
            "design": "synthetic_control",
            "outcome": "ICCS05012",
            "treatment_year": 2016,
            "predictors": [
                {"offence": "ICCS05012", "years": "2008-2010"},
                {"offence": "ICCS02011", "years": 2012, "op": "median"},
                {"offence": "ICCS0401", "years": [2009, 2011]},
            ],
        },
        "x.yaml",
    )
    assert spec.predictors == [
        ("ICCS05012", [2008, 2009, 2010], "mean"),
        ("ICCS02011", [2012], "median"),
        ("ICCS0401", [2009, 2011], "mean"),
    ]
    assert spec.illustrative and spec.donors == "same_country"
    with pytest.raises(ValidationError) as e:
        synth_study.parse_spec(
            {"design": "did", "treatment_year": "x", "predictors": [{"offence": "A"}],
             "policy_date": "maybe", "placebo_exclude_rmspe_above": -1},
            "x.yaml",
        )  # fmt: skip
    cols = {p.column for p in e.value.problems}
    assert {
        "synthetic_control.design",
        "synthetic_control.outcome",
        "synthetic_control.treatment_year",
        "synthetic_control.predictors[0]",
        "synthetic_control.policy_date",
        "synthetic_control.placebo_exclude_rmspe_above",
    } <= cols


def test_units_without_the_block_have_no_study():
    assert synth_study.read_spec(DATA / "raw" / "orpheus" / "BE212_evaluation.yaml") is None
    assert synth_study.run("BE212", DATA) is None


def test_fi1b1_declares_the_design_on_real_data():
    doc = yaml.safe_load((DATA / "raw" / "orpheus" / "FI1B1_evaluation.yaml").read_text())
    block = doc["synthetic_control"]
    assert block["design"] == "synthetic_control"
    assert block["policy_date"] == "illustrative"
    spec = synth_study.read_spec(DATA / "raw" / "orpheus" / "FI1B1_evaluation.yaml")
    assert spec.treatment_year == 2016 and spec.outcome == "ICCS05012"


def test_region_panel_is_eurostat_crim_gen_reg():
    panel = synth_study.region_panel(None, country="FI", data=DATA)
    assert set(panel["geo"]) >= {"FI1B1", "FI193", "FI200"}
    assert panel["geo"].str.len().eq(5).all()
    # checked by hand in estat_crim_gen_reg.tsv: A,P_HTHAB,ICCS05012,FI1B1 2008 = 89.95 ...
    row = panel[(panel["geo"] == "FI1B1") & (panel["year"] == 2016)]
    assert row["name"].iloc[0] == "Helsinki-Uusimaa"
    tsv = DATA / "raw" / "public" / "eurostat_crim_gen_reg" / "estat_crim_gen_reg.tsv"
    line = next(
        ln for ln in tsv.read_text().splitlines() if ln.startswith("A,P_HTHAB,ICCS05012,FI1B1\t")
    )
    v2016 = float(line.split("\t")[1 + 2016 - 2008].split()[0])
    assert row["ICCS05012"].iloc[0] == pytest.approx(v2016)


@pytest.mark.slow
def test_fi1b1_study_runs_and_is_the_library_result():
    st = synth_study.run("FI1B1", DATA)
    assert st.geo == "FI1B1"
    assert "FI200" in st.dropped_donors and "FIZZZ" not in set(st.panel["geo"])
    assert len(st.result.weights) == 17
    # the study is exactly the library call on its panel
    again = impact.synthetic_control(
        st.panel, st.result.outcome_label.replace(" per 100,000 inhabitants", ""), "geo",
        "year", "FI1B1", 2016,
        predictors=[(ICCS_LABELS.get(o, o), y, op) for o, y, op in st.spec.predictors],
        custom_v=st.result.predictor_weights.to_numpy(),
    )  # fmt: skip
    np.testing.assert_allclose(again.weights, st.result.weights, atol=1e-12)
    assert st.placebos.n_compared == 18
    t = st.table()
    assert t["design"].tolist() == ["synthetic control", "synthetic difference-in-differences"]
    text = st.intro() + st.reading()
    assert "illustrative" in text and "Real public data" in text
    assert "planted" not in text.lower()
