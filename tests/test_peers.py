import numpy as np
import pandas as pd
import pytest

from urbansec_lib import peers
from urbansec_lib.errors import ValidationError


def _context(seed=1):
    rng = np.random.default_rng(seed)
    a = rng.normal([0, 0], 0.2, size=(6, 2))
    b = rng.normal([4, 4], 0.2, size=(6, 2))
    c = rng.normal([0, 5], 0.2, size=(6, 2))
    x = np.vstack([a, b, c])
    idx = [f"U{i:02d}" for i in range(18)]
    return pd.DataFrame(x, index=idx, columns=["f1", "f2"])


def test_peer_groups_recover_planted_clusters_and_are_deterministic():
    ctx = _context()
    g1 = peers.peer_groups(ctx, seed=0)
    g2 = peers.peer_groups(ctx.sample(frac=1, random_state=3), seed=0)
    assert g1.attrs["k"] == 3
    # the three planted blocks are exactly the groups
    blocks = [ctx.index[0:6], ctx.index[6:12], ctx.index[12:18]]
    for b in blocks:
        assert g1.loc[b].nunique() == 1
    assert g1.loc[[b[0] for b in blocks]].nunique() == 3
    # same result whatever the row order, and across calls with the same seed
    pd.testing.assert_series_equal(g1.sort_index(), g2.sort_index())
    pd.testing.assert_series_equal(g1, peers.peer_groups(ctx, seed=0))


def test_agglomerative_and_fixed_k():
    g = peers.peer_groups(_context(), method="agglomerative", k=3)
    assert g.nunique() == 3


def test_context_validation_located():
    ctx = _context()
    ctx.iloc[2, 0] = np.nan
    with pytest.raises(ValidationError) as e:
        peers.peer_groups(ctx)
    assert e.value.problems[0].column == "f1"


def _scores():
    # 5 peers in one group, scores per node hand-made
    rows = []
    vals = {"A": [10, 80], "B": [20, 60], "C": [30, 40], "D": [40, 20], "E": [50, 50]}
    for u, (d1, d2) in vals.items():
        rows.append({"unit_id": u, "period": 2025, "node_id": "d1", "level": 2, "score": d1})
        rows.append({"unit_id": u, "period": 2025, "node_id": "d2", "level": 2, "score": d2})
        rows.append(
            {"unit_id": u, "period": 2025, "node_id": "idx", "level": 3, "score": (d1 + d2) / 2}
        )
    return pd.DataFrame(rows)


def test_position_percentile_band_by_hand():
    sc = _scores()
    groups = pd.Series(1, index=list("ABCDE"))
    pos = peers.position(sc, "C", groups, level=2).set_index("node_id")
    # C has d1=30: peers A,B below (2 of 4) -> 50th percentile; d2=40: D below (1 of 4) -> 25
    assert pos.loc["d1", "percentile"] == pytest.approx(50.0)
    assert pos.loc["d2", "percentile"] == pytest.approx(25.0)
    assert pos.loc["d1", "band"] == "middle half of peers"
    assert pos.loc["d1", "peer_median"] == pytest.approx(np.median([10, 20, 40, 50]))
    assert pos.loc["d2", "peer_n"] == 4


def test_learning_partners_are_stronger_peers_where_weak():
    sc = _scores()
    groups = pd.Series(1, index=list("ABCDE"))
    lp = peers.learning_partners(sc, "A", groups, level=2, min_gap=10)
    # A is weak on d1 (10 < median 35): partners C (+20), D (+30), E (+40), B is only +10
    assert set(lp["node_id"]) == {"d1"}
    assert lp["partner_id"].tolist() == ["B", "C", "D", "E"]  # alphabetical, never by gap
    assert lp["gap"].tolist() == [10, 20, 30, 40]
    strict = peers.learning_partners(sc, "A", groups, level=2, min_gap=15)
    assert strict["partner_id"].tolist() == ["C", "D", "E"]


def test_other_group_not_compared():
    sc = _scores()
    groups = pd.Series([1, 1, 1, 2, 2], index=list("ABCDE"))
    pos = peers.position(sc, "A", groups, level=2, fallback=False).set_index("node_id")
    assert pos.loc["d1", "peer_n"] == 2
    # with the fallback, a group with too few peers is compared with all units instead
    fb = peers.position(sc, "A", groups, level=2).set_index("node_id")
    assert fb.loc["d1", "peer_n"] == 4 and fb.loc["d1", "compared_with"] == "all units"


def test_nearest_peers_distance_sorted():
    ctx = _context()
    nn = peers.nearest_peers(ctx, "U00", n=3)
    assert len(nn) == 3 and "U00" not in nn["peer_id"].tolist()
    assert nn["distance"].is_monotonic_increasing
    assert set(nn["peer_id"]) <= set(ctx.index[:6])


def test_too_few_peers_get_no_band_and_no_peer_statistics():
    sc = _scores()
    groups = pd.Series([1, 1, 1, 2, 2], index=list("ABCDE"))
    pos = peers.position(sc, "A", groups, level=2, fallback=False)
    assert set(pos["band"]) == {"too few peers to place"}
    assert pos[["peer_q25", "peer_median", "peer_q75", "percentile"]].isna().all().all()


def test_missing_own_score_is_not_the_lowest_band():
    sc = _scores()
    sc.loc[(sc["unit_id"] == "C") & (sc["node_id"] == "d1"), "score"] = np.nan
    groups = pd.Series(1, index=list("ABCDE"))
    pos = peers.position(sc, "C", groups, level=2).set_index("node_id")
    assert pos.loc["d1", "band"] == "no score" and np.isnan(pos.loc["d1", "percentile"])


def test_min_size_rules_out_tiny_groups():
    ctx = _context()
    ctx.loc["OUT"] = [20.0, -20.0]  # a lone outlier would form its own group
    g = peers.peer_groups(ctx, seed=0, min_size=4)
    assert g.value_counts().min() >= 4
    # the outlier joined the group with the nearest centroid, the planted blocks stay apart
    assert g.loc[ctx.index[:18]].nunique() == 3


def test_nearest_peer_set_is_a_group_series():
    ctx = _context()
    s = peers.peer_set(ctx, "U07", n=4)
    assert s.loc["U07"] == 1 and (s == 1).sum() == 5
    assert set(s[s == 1].index) <= set(ctx.index[6:12])
