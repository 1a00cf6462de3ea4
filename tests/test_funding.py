"""Tests for urbansec_lib.funding (Action 2 funding catalogue and matching)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from urbansec_lib import funding, load_framework
from urbansec_lib.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "actions_bad"


def test_theme_vocabulary_is_the_framework_dimensions():
    assert funding.DIMENSIONS == tuple(d.id for d in load_framework().dimensions)


def test_packaged_catalogue():
    cat = funding.load_catalogue()
    t = cat.table()
    assert cat.version == "1.0.0"
    for iid in (
        "isf_2021_2027",
        "erdf_2021_2027",
        "eui_2021_2027",
        "urbact_iv",
        "esf_plus_2021_2027",
        "horizon_europe_cluster3",
        "cerv_2021_2027",
        "interreg_2021_2027",
    ):
        assert iid in t["id"].tolist()
    assert t["link"].str.startswith("https://").all()
    assert t["id"].is_unique
    # uncertain facts are flagged, and the flags name real fields
    isf = next(i for i in cat.instruments if i["id"] == "isf_2021_2027")
    assert "typical_grant" in isf["verify"]


def test_bad_catalogue_located():
    with pytest.raises(ValidationError) as exc:
        funding.load_catalogue(BAD / "bad_funding.yaml")
    assert {p.column for p in exc.value.problems} == {
        "version",
        "instruments[0].link",
        "instruments[0].themes[1]",
        "instruments[1].id",
        "instruments[1].programme_period",
        "instruments[1].eligible_applicants[1]",
        "instruments[2].name",
        "instruments[2].verify",
    }


def test_match_covers_each_dimension_in_order():
    cat = funding.load_catalogue()
    m = funding.match(["sense_of_safety", "social_cohesion"], catalogue=cat)
    assert m["dimension"].unique().tolist() == ["sense_of_safety", "social_cohesion"]
    themes = {i["id"]: i["themes"] for i in cat.instruments}
    assert all(d in themes[i] for d, i in zip(m["dimension"], m["instrument_id"]))
    # hand count from the catalogue: instruments listing sense_of_safety
    assert set(m.loc[m["dimension"] == "sense_of_safety", "instrument_id"]) == {
        "isf_2021_2027",
        "horizon_europe_cluster3",
        "cerv_2021_2027",
    }
    # catalogue order within a dimension (never ranked)
    order = [i["id"] for i in cat.instruments]
    sub = m.loc[m["dimension"] == "social_cohesion", "instrument_id"].tolist()
    assert sub == [i for i in order if i in sub]
    assert m.attrs["catalogue_version"] == "1.0.0"


def test_match_with_learning_partners_and_filters():
    lp = pd.DataFrame(
        {
            "node_id": ["urban_security", "urban_security", "quality_of_life"],
            "partner_id": ["BE212", "ES300", "FI1B1"],
        }
    )
    m = funding.match(pd.DataFrame({"node_id": ["urban_security"]}), learning_partners=lp)
    assert (m["learning_partners"] == "BE212, ES300").all()
    only_local = funding.match(["urban_security"], applicant="local_authorities")
    assert len(only_local) == len(m)
    with pytest.raises(ValueError, match="unknown dimension"):
        funding.match(["safety"])
    with pytest.raises(ValueError, match="applicant"):
        funding.match(["urban_security"], applicant="aliens")
    with pytest.raises(ValueError, match="node_id, partner_id"):
        funding.match(["urban_security"], learning_partners=lp.rename(columns={"node_id": "x"}))
