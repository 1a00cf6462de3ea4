import numpy as np
import pandas as pd
import pytest

from urbansec_lib import orpheus, outcomes
from urbansec_lib.demo import outcomes as demo_outcomes
from urbansec_lib.errors import ValidationError


def test_survey_reader_located_errors(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(
        "area;area_type;wave;feel_safe\nA1;intervention;2022;3\nA2;treatment;2022;5\n;comparison;20x;2\n",
        encoding="latin-1",
    )
    with pytest.raises(ValidationError) as e:
        outcomes.read_survey_outcomes(p)
    got = {(q.row, q.column) for q in e.value.problems}
    assert got == {(3, "area_type"), (3, "feel_safe"), (4, "area"), (4, "wave")}
    assert all(q.file == str(p) for q in e.value.problems)


def test_incidents_reader_located_errors(tmp_path):
    p = tmp_path / "i.csv"
    p.write_text(
        "month,area,count,population\n2020-01,treated,3,100\n2020-13,treated,-1,0\n"
        "2020-01,treated,4,100\n2020-02,park,4,100\n"
    )
    with pytest.raises(ValidationError) as e:
        outcomes.read_incidents(p)
    got = {(q.row, q.column) for q in e.value.problems}
    assert got == {(3, "month"), (3, "count"), (3, "population"), (4, "month"), (5, "area")}


def test_missing_columns_named(tmp_path):
    p = tmp_path / "i.csv"
    p.write_text("month,area\n2020-01,treated\n")
    with pytest.raises(ValidationError) as e:
        outcomes.read_incidents(p)
    assert {q.column for q in e.value.problems} == {"count", "population"}


def test_wdd_counts_by_hand():
    inc = pd.DataFrame(
        {
            "month": pd.to_datetime(["2020-11-01", "2020-12-01", "2021-01-01", "2021-02-01"] * 4),
            "area": np.repeat(outcomes.AREA_ROLES, 4),
            "count": [1, 2, 3, 4, 10, 20, 30, 40, 5, 5, 5, 5, 0, 1, 0, 1],
            "population": 100,
        }
    )
    c = outcomes.wdd_counts(inc, "2021-01", window=2)
    assert c == {
        "treated_before": 3,
        "treated_after": 7,
        "control_before": 30,
        "control_after": 70,
        "buffer_before": 10,
        "buffer_after": 10,
        "buffer_control_before": 1,
        "buffer_control_after": 1,
    }


def test_evaluate_recovers_planted_effects():
    survey = demo_outcomes.simulate_survey(
        n_areas=10, n_per_area=300, waves=(2021, 2023), effect=0.8, seed=3
    )
    inc = demo_outcomes.simulate_incidents(
        months=72, intervention="2022-01", level_change=0.7, base_rate=200, seed=4
    )
    inc["month"] = pd.to_datetime(inc["month"])
    spec = outcomes.EvaluationSpec("X", "P1", "2022-01", 2023, None, None)
    ev = outcomes.evaluate(spec, survey, inc)
    assert ev.results["ordinal_did"].estimate == pytest.approx(0.8, abs=0.25)
    assert ev.results["its"].rate_ratio == pytest.approx(0.7, abs=0.06)
    lo, hi = ev.results["its"].rate_ratio_ci
    assert lo < 0.7 < hi
    assert ev.results["wdd"].estimate < 0
    tab = ev.table()
    assert list(tab["design"]) == ["did", "ordinal_did", "its", "wdd"]
    assert "Maryland SMS level 3" in outcomes.reading(ev)


def test_no_effect_reads_as_compatible_with_none():
    survey = demo_outcomes.simulate_survey(n_areas=6, n_per_area=100, effect=0.0, seed=11)
    spec = outcomes.EvaluationSpec("X", "P1", "2022-01", 2024, None, None)
    ev = outcomes.evaluate(spec, survey, None)
    text = outcomes.reading(ev)
    if ev.results["did"].pvalue >= 0.05:
        assert "not distinguishable from no effect" in text


def test_gap_summary_groups_by_layer():
    g = pd.DataFrame(
        {
            "unit_id": ["X", "X", "X"],
            "layer": ["reaction", "reaction", "qol"],
            "layer_name": ["Reaction", "Reaction", "Quality of life"],
            "dimension": ["domain", "domain", None],
            "value": ["youth", "housing", None],
            "sentence": ["", "", ""],
        }
    )
    s = orpheus.gap_summary(g).set_index("layer")["missing"]
    assert s["reaction"] == "housing, youth"
    assert s["qol"] == "no initiative at all"


def test_ordinal_did_uses_t_with_clusters_minus_one_df():
    from scipy import stats

    from urbansec_lib import impact

    s = demo_outcomes.simulate_survey(n_areas=6, n_per_area=60, effect=0.5, seed=2)
    d = s.assign(
        treated=(s["area_type"] == "intervention").astype(int), post=(s["wave"] >= 2024).astype(int)
    )
    r = impact.ordinal_did(d, "feel_safe", "treated", "post", cluster="area", safe_levels=[3, 4])
    t = r.estimate / r.se
    assert r.pvalue == pytest.approx(2 * stats.t.sf(abs(t), 5))
    crit = stats.t.ppf(0.975, 5)
    assert r.ci[1] - r.estimate == pytest.approx(crit * r.se)
    pe_t = r.prob_effect / r.prob_effect_se
    assert r.prob_effect_pvalue == pytest.approx(2 * stats.t.sf(abs(pe_t), 5))


def test_baseline_share_first_wave_only():
    s = pd.DataFrame({"wave": [2021, 2021, 2021, 2021, 2023], "feel_safe": [4, 3, 2, 1, 4]})
    assert outcomes.baseline_share(s) == 0.5
