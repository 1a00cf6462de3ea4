"""Cross-city synthesis and pilot evaluation, against hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import urbansec_lib as us
from urbansec_lib import pilot, self_assessment, synthesis


def _scores():
    vals = {"A": [10, 80], "B": [20, 60], "C": [30, 40], "D": [40, 20], "E": [50, np.nan]}
    rows = []
    for u, (d1, d2) in vals.items():
        rows += [
            {"unit_id": u, "period": 2025, "node_id": "d1", "level": 2, "score": d1},
            {"unit_id": u, "period": 2025, "node_id": "d2", "level": 2, "score": d2},
        ]
    return pd.DataFrame(rows)


def test_group_distribution_by_hand():
    g = pd.Series([1, 1, 1, 2, 2], index=list("ABCDE"))
    d = synthesis.group_distribution(_scores(), g, nodes=["d2", "d1"])
    assert d[["group", "node_id"]].values.tolist() == [[1, "d2"], [1, "d1"], [2, "d2"], [2, "d1"]]
    r = d.set_index(["group", "node_id"])
    assert r.loc[(1, "d1"), "median"] == 20 and r.loc[(1, "d1"), "q25"] == 15
    assert r.loc[(2, "d2"), "n"] == 1  # E has no d2 score


def test_common_gaps_data_and_weak_spot():
    g = pd.Series([1, 1, 1, 2, 2], index=list("ABCDE"))
    gaps = synthesis.common_gaps(_scores(), g, ["d1", "d2"])
    got = {(r.gap, r.group, r.subject): r.units for r in gaps.itertuples()}
    # overall median d1 = 30: A, B below -> 2 of 3 in group 1 (weak spot)
    assert got[("weak spot", 1, "d1")] == "A, B"
    # group 2: E has no d2 -> half the group (data gap); D's d2 20 < median 50 -> weak spot
    assert got[("data", 2, "d2")] == "E"
    assert ("weak spot", 2, "d2") not in got  # a data gap is not also called a weak spot


def test_partner_network_units_alphabetical():
    g = pd.Series(1, index=list("ABCDE"))
    net = synthesis.partner_network(_scores(), g, nodes=["d1", "d2"])
    assert net["unit_id"].tolist() == sorted(net["unit_id"])
    a = net[net["unit_id"] == "A"]
    assert a["partner_id"].tolist() == ["B", "C", "D", "E"]  # alphabetical, never by gap


def test_plot_group_distributions_returns_figure():
    g = pd.Series([1, 1, 1, 2, 2], index=list("ABCDE"))
    fig = synthesis.plot_group_distributions(_scores(), g, ["d1", "d2"])
    assert len(fig.axes) == 1


def test_response_counts_suppress_small_roles():
    r = pd.DataFrame(
        {
            "unit_id": ["A"] * 15 + ["B"] * 5,
            "wave": 2025,
            "respondent_role": ["resident"] * 12 + ["police"] * 3 + ["resident"] * 5,
        }
    )
    c = pilot.response_counts(r, min_n=10).set_index("unit_id")
    assert c.loc["A", "respondents"] == 15 and c.loc["A", "resident"] == 12
    assert pd.isna(c.loc["A", "police"]) and c.loc["A", "suppressed_roles"] == 1
    assert pd.isna(c.loc["B", "resident"])


def test_item_nonresponse_worst_unit():
    r = pd.DataFrame({"unit_id": ["A", "A", "B", "B"], "q": [1, None, None, None]})
    nr = pilot.item_nonresponse(r, ["q", "missing_item"]).set_index("indicator_id")
    assert nr.loc["q", "nonresponse"] == 0.75 and nr.loc["q", "worst_unit_nonresponse"] == 1.0
    assert "missing_item" not in nr.index


class _Coh:
    def __init__(self, rows):
        self.correlations = pd.DataFrame(rows)


def test_indicator_review_rules():
    fw = us.load_framework("tests/data/frameworks/small.yaml")
    ids = [i.id for i in fw.indicators]
    units = [f"U{i}" for i in range(10)]
    raw = {ids[0]: 10, ids[1]: 10, ids[2]: 2}  # units with data per indicator; ids[3]: none
    rows = []
    for iid in ids:
        for k, u in enumerate(units):
            rows.append(
                {
                    "unit_id": u,
                    "period": 2025,
                    "indicator_id": iid,
                    "raw": 1.0 if k < raw.get(iid, 0) else np.nan,
                }
            )

    class P:
        indicators = pd.DataFrame(rows)

    coh = _Coh(
        [
            {"var1": ids[0], "relation": "parent", "method": "pearson", "r": 0.7},
            {"var1": ids[1], "relation": "parent", "method": "pearson", "r": -0.3},
            {"var1": ids[2], "relation": "parent", "method": "pearson", "r": 0.1},
        ]
    )
    nr = pd.DataFrame({"indicator_id": [ids[0]], "nonresponse": [0.05]})
    rev = pilot.indicator_review(fw, P, coh, nr).set_index("indicator_id")
    assert rev.loc[ids[0], "recommendation"] == "keep"
    assert (
        rev.loc[ids[1], "recommendation"] == "revise" and "negatively" in rev.loc[ids[1], "reason"]
    )
    assert rev.loc[ids[2], "recommendation"] == "drop"
    assert (
        rev.loc[ids[3], "recommendation"] == "revise"
        and "no unit has data" in rev.loc[ids[3], "reason"]
    )


def test_weak_dimensions_and_tables():
    pos = pd.DataFrame(
        {"node_id": ["a", "b", "c"], "score": [40, 70, np.nan], "peer_median": [50, 60, 55]}
    )
    assert self_assessment.weak_dimensions(pos) == ["a"]
    fw = us.load_framework()
    units = pd.DataFrame({"unit_id": ["X", "Y"], "name": ["Xcity", "Ycity"]})
    m = us.funding.match(
        ["social_cohesion"],
        learning_partners=pd.DataFrame({"node_id": ["social_cohesion"], "partner_id": ["Y"]}),
    )
    t = self_assessment.funding_table(m, fw, units)
    assert set(t["peers to learn from"]) == {"Ycity"}
    groups = pd.Series([2, 1], index=["X", "Y"])
    gm = self_assessment.group_members(groups, units)
    assert gm.loc[1, "members"] == "Ycity" and gm.loc[2, "units"] == 1


def test_network_table_empty():
    out = self_assessment.network_table(
        pd.DataFrame(columns=["unit_id", "node_id", "partner_id"]),
        us.load_framework(),
        pd.DataFrame({"unit_id": [], "name": []}),
    )
    assert "note" in out


def test_staff_items_aggregate_only_staff_answers():
    fw = us.load_framework()
    staff = [
        i
        for i in fw.survey_indicators()
        if i.source.get("respondent") == "city_staff" and i.type == "yes_no"
    ][0]
    df = pd.DataFrame(
        {
            "unit_id": "X",
            "wave": 2025,
            "respondent_role": ["city_staff", "city_staff", "resident", "resident"],
            staff.id: [1, 0, 1, 1],
        }
    )
    out = us.survey.aggregate(df, fw).set_index("indicator_id")
    assert out.loc[staff.id, "value"] == 50.0 and out.loc[staff.id, "n"] == 2


def test_survey_alpha_matches_the_correlation_formula():
    fw = us.load_framework()
    dim = fw.dimensions[1]  # social cohesion
    items = [
        i
        for i in dim.all_indicators()
        if i.is_survey
        and i.type in ("likert4", "likert5")
        and i.source.get("respondent", "resident") == "resident"
    ]
    rng = np.random.default_rng(0)
    latent = rng.normal(size=400)
    df = pd.DataFrame(
        {
            i.id: np.clip(np.round(3 + i.direction * latent + rng.normal(size=400)), 1, 5)
            for i in items
        }
    )
    alpha, per_item = us.coherence.survey_alpha(df, fw)
    got = alpha.set_index("node_id").loc[dim.id, "alpha_standardised"]
    aligned = df[[i.id for i in items]] * [i.direction for i in items]
    r = np.corrcoef(aligned.to_numpy().T)
    k = len(items)
    rbar = (r.sum() - k) / (k * (k - 1))
    assert got == pytest.approx(k * rbar / (1 + (k - 1) * rbar), rel=1e-9)
    assert set(per_item["node_id"]) >= {dim.id}
