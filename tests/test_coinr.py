"""Tests of the COINr iMeta/iData interoperability (urbansec_lib.coinr)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from urbansec_lib import coinr, load_framework, scoring
from urbansec_lib.errors import ValidationError
from urbansec_lib.framework import Framework

DATA = Path(__file__).parent / "data"
TAI = DATA / "oecd_handbook_tai"


def small_data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
            "indicator_id": ["burglary", "assault", "feel_safe", "trust_police"] * 3,
            "period": 2020,
            "value": [100, 50, 60, 40, 200, 30, 80, np.nan, 300, 10, 70, 60],
        }
    )


def test_yaml_and_coinr_table_give_identical_results():
    fy = load_framework(DATA / "frameworks" / "small.yaml")
    fc = Framework.from_coinr(DATA / "frameworks" / "small_iMeta.csv", id="small")
    cols = ["Level", "iCode", "Direction", "Weight", "Parent", "Type", "Aggregation", "Target"]
    pd.testing.assert_frame_equal(fy.meta()[cols], fc.meta()[cols])
    for kw in (
        {},
        {"aggregate": "geometric", "normalise_params": {"range": (1, 100)}},
        {"impute": "mean", "normalise": "zscore"},
    ):
        a = scoring.score(small_data(), fy, **kw).scores
        b = scoring.score(small_data(), fc, **kw).scores
        pd.testing.assert_frame_equal(a, b)


def test_tai_imeta_builds_the_tree():
    fw = Framework.from_coinr(TAI / "TAI_iMeta.csv", id="tai", name="TAI")
    assert fw.index_id == "TAI"
    assert [d.id for d in fw.dimensions] == [
        "creation",
        "diffusion_recent",
        "diffusion_old",
        "skills",
    ]
    assert len(fw.indicators) == 8
    assert fw.node("skills").indicators[0].id == "SCHOOLING"


def test_imeta_roundtrip():
    fw = load_framework(DATA / "frameworks" / "small.yaml")
    im = fw.to_coinr()
    assert list(im.columns[:7]) == [
        "iCode",
        "iName",
        "Level",
        "Direction",
        "Weight",
        "Parent",
        "Type",
    ]
    fw2 = Framework.from_coinr(im, id="small")
    cols = [
        "Level",
        "iCode",
        "iName",
        "Direction",
        "Weight",
        "Parent",
        "Type",
        "Aggregation",
        "Denominator",
        "Target",
    ]
    pd.testing.assert_frame_equal(fw.meta()[cols], fw2.meta()[cols])


def test_bad_imeta_lists_every_problem_with_rows():
    im = pd.read_csv(DATA / "frameworks" / "small_iMeta.csv")
    im.loc[1, "Direction"] = 2
    im.loc[3, "Parent"] = "nowhere"
    im.loc[4, "Weight"] = -1
    with pytest.raises(ValidationError) as e:
        Framework.from_coinr(im)
    got = {(p.row, p.column) for p in e.value.problems}
    assert got == {(3, "Direction"), (5, "Parent"), (6, "Weight")}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_write_read_roundtrip(tmp_path, fmt):
    fw = load_framework(DATA / "frameworks" / "small.yaml")
    d = pd.concat([small_data(), small_data().assign(period=2021)])
    groups = pd.DataFrame({"unit_id": ["A", "B", "C"], "Group_size": ["s", "s", "l"]})
    paths = coinr.write_coinr(d, fw, tmp_path, fmt=fmt, groups=groups)
    if fmt == "csv":
        idata, imeta = paths
        assert list(pd.read_csv(idata).columns[:4]) == ["uCode", "uName", "Time", "Group_size"]
    else:
        idata = imeta = paths[0]
    d2, fw2, g2 = coinr.read_coinr(idata, imeta, id="small")
    assert g2["Group_size"].tolist() == ["s", "s", "l"]
    a = scoring.score(d, fw).scores
    b = scoring.score(d2, fw2).scores
    np.testing.assert_allclose(a["score"], b["score"])


def test_read_coinr_reports_bad_cells(tmp_path):
    fw = load_framework(DATA / "frameworks" / "small.yaml")
    coinr.write_coinr(small_data(), fw, tmp_path)
    idata = pd.read_csv(tmp_path / "iData.csv")
    idata["assault"] = idata["assault"].astype(object)
    idata.loc[1, "assault"] = "lots"
    idata["mystery"] = 1
    idata.to_csv(tmp_path / "iData.csv", index=False)
    with pytest.raises(ValidationError) as e:
        coinr.read_coinr(tmp_path / "iData.csv", tmp_path / "iMeta.csv")
    assert {p.column for p in e.value.problems} == {"mystery"}
    idata.drop(columns="mystery").to_csv(tmp_path / "iData.csv", index=False)
    with pytest.raises(ValidationError) as e:
        coinr.read_coinr(tmp_path / "iData.csv", tmp_path / "iMeta.csv")
    assert [(p.row, p.column, p.value) for p in e.value.problems] == [(3, "assault", "lots")]
