"""The processed store: every registry unit's public data parsed once, read per unit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from urbansec_lib import existing_data, store
from urbansec_lib.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A workspace copy of the demo's raw data and its store (built once for the module)."""
    ws = tmp_path_factory.mktemp("ws")
    shutil.copytree(RAW, ws / "raw")
    return ws, store.build_store(ws)


def _tsv_value(path: Path, key: str, year: int) -> float:
    """Independent route: the raw Eurostat bulk TSV cell, parsed by hand."""
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        years = [h.strip() for h in header[1:]]
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            if cells[0] == key:
                return float(cells[1 + years.index(str(year))].strip().split(" ")[0])
    raise KeyError(key)


@pytest.mark.slow
def test_every_city_and_region_with_public_data(built):
    _, st = built
    units = st.units()
    levels = units["level"].value_counts().to_dict()
    # every level the framework's public indicators apply to, from the official lists
    assert set(levels) == {"city", "NUTS1", "NUTS2", "NUTS3"}
    assert levels["city"] > 600 and levels["NUTS3"] > 1000
    assert len(units) == st.manifest["rows"]["units"] > 2000
    assert set(units["unit_id"]) == set(st.indicators()["unit_id"])  # each has data
    # the workspace's own table overrides the registry row (demo pilot flags kept)
    own = pd.read_csv(RAW / "units.csv", dtype=str)
    pilots = set(own.loc[own["pilot"] == "true", "unit_id"])
    assert pilots & set(units.loc[units["pilot"], "unit_id"]) == pilots & set(units["unit_id"])


@pytest.mark.slow
def test_values_match_the_raw_file_and_keep_their_year(built):
    _, st = built
    ind = st.indicators(["PL013C", "PL613"])
    # Toruń's recorded robbery rate is its NUTS 3 region's (PL613), as published for 2021
    crime = RAW / "public" / "eurostat_crim_gen_reg" / "estat_crim_gen_reg.tsv"
    want = _tsv_value(crime, "A,P_HTHAB,ICCS0401,PL613", 2021)
    for unit in ("PL013C", "PL613"):
        got = ind[
            (ind["unit_id"] == unit)
            & (ind["indicator_id"] == "crime_robbery")
            & (ind["period"] == 2021)
        ]
        assert got["value"].item() == pytest.approx(want)
        assert got["source"].item().endswith("PL613")
    # aligned values: never from after the reference period, never older than max_lag
    al = st.aligned()
    assert (al["source_period"] <= al["period"]).all()
    assert (al["source_period"] >= al["period"] - 6).all()


@pytest.mark.slow
def test_peer_groups_never_mix_levels(built):
    _, st = built
    units = st.units().set_index("unit_id")
    groups = st.peer_groups()
    lvl = groups.index.map(units["level"])
    assert all(g.startswith(f"{lv}-") for g, lv in zip(groups, lvl, strict=True))
    view = st.unit_view("PL013C")
    assert set(view.peers["level"]) == {"city"} and "PL013C" not in set(view.peers["unit_id"])
    assert set(view.scores["unit_id"]) == set(view.groups.index)
    assert set(view.indicators["unit_id"]) == {"PL013C"}


@pytest.mark.slow
def test_population_of_regions_is_derived_and_labelled(built):
    _, st = built
    reg = st.units(["PL613"]).iloc[0]
    crime = RAW / "public" / "eurostat_crim_gen_reg" / "estat_crim_gen_reg.tsv"
    nr = _tsv_value(crime, "A,NR,ICCS0502,PL613", 2021)
    rate = _tsv_value(crime, "A,P_HTHAB,ICCS0502,PL613", 2021)
    assert reg["population"] == pytest.approx(round(nr / rate * 1e5))
    assert "derived from Eurostat crim_gen_reg" in reg["population_source"]
    assert "2021" in reg["population_source"]


@pytest.mark.slow
def test_rebuild_is_identical_and_staleness_is_detected(built, tmp_path):
    ws, st = built
    again = store.build_store(ws, out=tmp_path / "again")
    for name in ("units", "indicators", "aligned", "scores", "peer_groups"):
        a = getattr(st, name)() if name != "peer_groups" else st.peer_groups()
        b = getattr(again, name)() if name != "peer_groups" else again.peer_groups()
        if isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b)
        else:
            pd.testing.assert_frame_equal(a, b)
    assert store.is_current(st, ws)
    units = ws / "raw" / "units.csv"
    original = units.read_text(encoding="utf-8")
    try:
        units.write_text(original + "\n", encoding="utf-8")
        assert not store.is_current(st, ws)
    finally:
        units.write_text(original, encoding="utf-8")


def test_unknown_unit_and_missing_store_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="urbansec data build"):
        store.open_store(tmp_path)
    with pytest.raises(ValidationError, match="outside data/raw"):
        store.build_store(ROOT / "data", out=ROOT / "data" / "raw" / "store")


@pytest.mark.slow
def test_unit_without_public_data_is_a_located_error(built):
    _, st = built
    with pytest.raises(ValidationError, match="public data in the store"):
        st.unit_view("FRL03")  # France is absent from the bundled crim_gen_reg extraction


def test_like_for_like_change_uses_only_indicators_seen_in_both_years():
    a = pd.DataFrame(
        {
            "unit_id": "X",
            "indicator_id": ["a", "a", "b", "c", "c"],
            "period": [2015, 2021, 2021, 2015, 2021],
            "value": [10.0, 12.0, 5.0, 3.0, 3.0],
            "source_period": [2014, 2020, 2021, 2013, 2013],
        }
    )
    ch = existing_data.like_for_like_change(a, "X", 2015, 2021)
    # a: observed 2014 and 2020; b: only in 2021; c: the same 2013 value carried over
    assert ch.to_dict("records") == [
        {
            "indicator_id": "a",
            "year_from": 2014,
            "value_from": 10.0,
            "year_to": 2020,
            "value_to": 12.0,
            "change": 2.0,
        }
    ]
