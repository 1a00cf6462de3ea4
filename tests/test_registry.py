"""The official unit registry: values checked against the code lists' provenance spot checks."""

from __future__ import annotations

import pandas as pd
import pytest

from urbansec_lib import registry
from urbansec_lib.data import read_units
from urbansec_lib.registry import UnknownUnitError, load_registry, register_unit


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def test_list_sizes_match_provenance(reg):
    # codelists/PROVENANCE.txt: 929 city codes; NUTS 2021 L0=37, L1=125, L2=334, L3=1514.
    assert len(reg.cities) == 929
    assert reg.nuts["LEVL_CODE"].value_counts().sort_index().tolist() == [37, 125, 334, 1514]
    assert len(reg.lau) == 99_140


@pytest.mark.parametrize(
    "code, name, nuts3, pop, year",
    [
        # Spot checks verified in the source lists (see codelists/PROVENANCE.txt).
        ("AT001C", "Wien", "AT130", 1766746, 2014),
        ("PL013C", "Toruń", "PL613", 202074, 2018),
        ("PL011C", "Białystok", "PL841", 297459, 2018),
        ("DE001C", "Berlin", "DE300", 3664088, 2021),
        ("UK001C", "London", None, 8866541, 2018),
    ],
)
def test_city_records(reg, code, name, nuts3, pop, year):
    rec = reg.lookup(code)
    assert (rec.name, rec.level, rec.nuts3, rec.population, rec.population_year) == (
        name,
        "city",
        nuts3,
        pop,
        year,
    )
    assert rec.country == code[:2]
    assert str(year) in rec.population_source


def test_lau_record(reg):
    # LAU 2019 provenance: Toruń LAU 1004041066301 -> PL613, population 202074.
    rec = reg.lookup("PL_1004041066301")
    assert (rec.name, rec.level, rec.nuts3, rec.nuts_version, rec.population) == (
        "Toruń",
        "lau",
        "PL613",
        "2016",
        202074,
    )
    assert rec.population_year == 2019


def test_nuts_levels(reg):
    assert reg.lookup("PL").level == "nuts0"
    assert reg.lookup("PL6").level == "nuts1"
    assert reg.lookup("PL61").level == "nuts2"
    rec = reg.lookup("PL613")
    # nuts2021.csv row: PL613,3,PL,Bydgosko-toruński,...,URBN_TYPE=1
    assert (rec.level, rec.nuts3, rec.urban_type) == ("nuts3", "PL613", 1)


def test_unknown_code_names_nearest(reg):
    with pytest.raises(UnknownUnitError) as exc:
        reg.lookup("BE_99999")
    msg = str(exc.value)
    assert "BE_99999" in msg and "nearest" in msg
    with pytest.raises(UnknownUnitError, match="official unit code"):
        reg.lookup("../etc")


def test_old_city_code_is_not_silently_converted(reg):
    # DE039C1 (old list) is Kiel, DE039C (current list) is Koblenz: never drop the digit.
    assert reg.lookup("DE039C").name == "Koblenz"
    with pytest.raises(UnknownUnitError) as exc:
        reg.lookup("DE039C1")
    msg = str(exc.value)
    assert "Kiel" in msg and "DE036C (Kiel)" in msg and "old-style" in msg


def test_mismatched_name_is_refused_with_suggestion(reg):
    with pytest.raises(UnknownUnitError) as exc:
        reg.check("PL011C", name="Toruń")
    assert "PL011C is Białystok, not Toruń; did you mean PL013C (Toruń)" in str(exc.value)
    # accent- and case-insensitive match of the right name
    assert reg.check("PL011C", name="BIALYSTOK").unit_id == "PL011C"


def test_search_by_name(reg):
    assert reg.search("torun")[0].unit_id == "PL013C"
    assert reg.search("Wien")[0].unit_id == "AT001C"
    assert reg.search("PL613")[0].unit_id == "PL613"


def test_valid_unit_id():
    for good in ("PL013C", "BE212", "BE_21001", "TR-MAD-2025"):
        assert registry.valid_unit_id(good)
    for bad in ("", "..", "../x", "a/b", "PL013C ", "x" * 41, None, 3, "é"):
        assert not registry.valid_unit_id(bad)
    with pytest.raises(registry.ValidationError):
        registry.check_unit_id("../../tmp")


def test_register_unit_round_trip(tmp_path, reg):
    p = tmp_path / "units.csv"
    register_unit("PL013C", p, name="Torun")
    register_unit("PL613", p)
    register_unit("BE_21001", p)
    register_unit("UK001C", p)
    register_unit("PL013C", p, notes="pilot city")  # update in place, no duplicate
    units = read_units(p)
    assert units["unit_id"].tolist() == ["PL013C", "PL613", "BE_21001", "UK001C"]
    row = units.set_index("unit_id").loc["PL013C"]
    assert (row["name"], row["level"], row["nuts3"], row["population"]) == (
        "Toruń",
        "city",
        "PL613",
        202074.0,
    )
    assert row["notes"] == "pilot city"
    assert units.set_index("unit_id").at["BE_21001", "level"] == "LAU"
    with pytest.raises(UnknownUnitError):
        register_unit("PL011C", p, name="Toruń")
    assert len(read_units(p)) == 4  # nothing written by a refused call


def test_demo_units_agree_with_official_lists(reg):
    units = pd.read_csv("data/raw/units.csv", dtype=str, keep_default_na=False)
    for _, u in units.iterrows():
        rec = reg.lookup(u["unit_id"])
        assert rec.nuts3 in (u["nuts3"], None), u["unit_id"]


def test_units_table_covers_every_city_and_region(reg):
    t = reg.units()
    assert len(t) == 929 + 2010
    assert not t["unit_id"].duplicated().any()
    assert set(t["level"]) == {"city", "NUTS0", "NUTS1", "NUTS2", "NUTS3"}
