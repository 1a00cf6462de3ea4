"""Tests for urbansec_lib.data: Eurostat TSV reader, NUTS codes, unit registry, indicators.

Published numbers are from the shared PROVENANCE files (tests/data/eurostat/PROVENANCE.txt):
Berlin DE300 police-recorded homicides 2016-2019 = 47, 45, 36, 44 and burglaries 2019 =
34,919 (Eurostat crim_gen_reg); QoL 2019 "I feel safe walking alone at night in my city":
Berlin 18.1 + 48.5 %, Wien 49.2 + 32.1 % (Eurostat urb_percep); GISCO NUTS 2021 counts by
level 37 / 125 / 334 / 1514.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from urbansec_lib import ValidationError, data, load_framework

HERE = Path(__file__).parent
EXTRACTS = HERE / "data" / "eurostat"
RAW = HERE.parent / "data" / "raw"
CRIM_FULL = RAW / data.PUBLIC_FILES["crim_gen_reg"]
PERCEP_FULL = RAW / data.PUBLIC_FILES["urb_percep"]
NUTS_FULL = RAW / data.PUBLIC_FILES["nuts"]


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.fixture(scope="module")
def crime():
    return data.read_eurostat_tsv(EXTRACTS / "crim_gen_reg_extract.tsv")


@pytest.fixture(scope="module")
def percep():
    return data.read_eurostat_tsv(EXTRACTS / "urb_percep_extract.tsv")


@pytest.fixture(scope="module")
def nuts():
    return data.read_nuts(NUTS_FULL)


@pytest.fixture(scope="module")
def units(nuts):
    return data.read_units(RAW / "units.csv", nuts=nuts)


def _series(df, **keys):
    m = np.logical_and.reduce([df[k] == v for k, v in keys.items()])
    return df[m].set_index("time")["value"]


# ------------------------------------------------------------------- Eurostat TSV reader
def test_crime_extract_published_numbers(crime):
    assert list(crime.columns) == ["freq", "unit", "iccs", "geo", "time", "value", "flag"]
    assert crime["time"].dtype == np.int64 and crime["value"].dtype == np.float64
    assert len(crime) == 16 * 14  # 16 rows x 14 years, missing cells kept
    berlin = _series(crime, unit="NR", iccs="ICCS0101", geo="DE300")
    assert berlin.loc[2016:2019].tolist() == [47, 45, 36, 44]
    assert _series(crime, unit="NR", iccs="ICCS0501", geo="DE300")[2019] == 34919
    assert np.isnan(berlin[2008]) and np.isnan(berlin[2021])  # ':' -> NaN
    assert (crime["flag"] == "").all()


def test_perception_extract_published_numbers_and_flags(percep):
    assert list(percep.columns) == ["indic_ur", "unit", "cities", "time", "value", "flag"]
    assert sorted(percep["time"].unique()) == [2004, 2006, 2009, 2012, 2015, 2019]
    v = percep.set_index(["indic_ur", "cities", "time"])
    assert v.loc[("PS3514V", "DE001C", 2019), "value"] == 18.1
    assert v.loc[("PS3515V", "DE001C", 2019), "value"] == 48.5
    assert v.loc[("PS3514V", "AT001C", 2019), "value"] == 49.2
    assert v.loc[("PS3515V", "AT001C", 2019), "value"] == 32.1
    # flags: "18.2 e", ": u", "21.1 b"
    assert tuple(v.loc[("PS1012V", "LV002C", 2015), ["value", "flag"]]) == (18.2, "e")
    row = v.loc[("PS1014V", "LV004C", 2015)]
    assert np.isnan(row["value"]) and row["flag"] == "u"
    assert tuple(v.loc[("PS3335V", "AT001C", 2019), ["value", "flag"]]) == (21.1, "b")
    assert v.loc[("PS3514V", "DE001C", 2015), "flag"] == ""


def test_answer_shares_of_a_question_sum_to_100(percep):
    w = percep[percep["time"] == 2019].pivot_table(
        index="cities", columns="indic_ur", values="value"
    )
    for first in (3514, 3519):
        block = [f"PS{first + k}V" for k in range(5)]
        assert np.allclose(w.loc[["DE001C", "AT001C"], block].sum(axis=1), 100, atol=1.0)


def test_dropna_keeps_only_values(crime):
    small = data.read_eurostat_tsv(EXTRACTS / "crim_gen_reg_extract.tsv", dropna=True)
    assert len(small) == crime["value"].notna().sum()
    assert small["value"].notna().all()


def _write(tmp_path, text, name="bad.tsv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_malformed_tsv_gives_located_errors(tmp_path):
    text = (
        "unit,iccs,geo\\TIME_PERIOD\t2019 \t2020 \n"
        "NR,ICCS0101,DE300\t44 \t12 \n"  # row 2: fine
        "NR,DE300\t1 \t2 \n"  # row 3: two key parts instead of three
        "NR,ICCS0101,AT130\t12,5 \t: c\n"  # row 4: '12,5' is not a number
        "NR,,BE212\tabc\t3 p\n"  # row 5: empty key part, 'abc' unparseable
    )
    p = _write(tmp_path, text)
    with pytest.raises(ValidationError) as exc:
        data.read_eurostat_tsv(p)
    got = {(q.row, q.column, q.value) for q in exc.value.problems}
    key = "unit,iccs,geo\\TIME_PERIOD"
    assert got == {
        (3, key, "NR,DE300"),
        (5, key, "NR,,BE212"),
        (4, "2019", "12,5"),
        (5, "2019", "abc"),
    }
    assert all(q.file == str(p) for q in exc.value.problems)


def test_tsv_header_problems_are_located(tmp_path):
    p = _write(tmp_path, "unit,geo\t2019 \nNR,DE300\t1 \n")
    with pytest.raises(ValidationError) as exc:
        data.read_eurostat_tsv(p)
    (q,) = exc.value.problems
    assert (q.row, q.column) == (1, "unit,geo")
    p = _write(tmp_path, "unit,geo\\time\t2019 \tyear \nNR,DE300\t1 \t2 \n")
    with pytest.raises(ValidationError) as exc:
        data.read_eurostat_tsv(p)
    assert [(q.row, q.column) for q in exc.value.problems] == [(1, "year ")]


def test_crime_full_file_nuts3_sums_equal_nuts2():
    # PROVENANCE: for ICCS0501 / NR / 2019 the NUTS3 sum equals the NUTS2 value in
    # 232 of 232 NUTS2 regions with complete NUTS3 data.
    full = data.read_eurostat_tsv(CRIM_FULL)
    sub = full[(full["unit"] == "NR") & (full["iccs"] == "ICCS0501") & (full["time"] == 2019)]
    sub = sub[sub["geo"].str.len() >= 4]
    n3 = sub[sub["geo"].str.len() == 5].assign(parent=lambda d: d["geo"].str[:4])
    n2 = sub[sub["geo"].str.len() == 4].set_index("geo")["value"]
    complete = n3.groupby("parent")["value"].agg(lambda s: s.notna().all())
    sums = n3.groupby("parent")["value"].sum()
    ok = complete[complete].index.intersection(n2.dropna().index)
    assert len(ok) == 232
    assert np.allclose(sums[ok], n2[ok], rtol=0, atol=0.5)


def test_full_perception_answer_blocks_sum_to_100():
    full = data.read_eurostat_tsv(PERCEP_FULL, dropna=True)
    base = full["indic_ur"].str[2:6].astype(int)
    for first in (3514, 3519, 3300, 3360, 3092, 3290, 1012):
        blk = full[(base >= first) & (base < first + 5)]
        g = blk.groupby(["cities", "time"])["value"].agg(["sum", "size"])
        g = g[g["size"] == 5]
        if first == 3290:
            # 2009 wave quirk: the two disagree codes are identical in every city
            w09 = blk[blk["time"] == 2009].pivot_table(
                index="cities", columns="indic_ur", values="value"
            )
            assert (w09["PS3292V"] == w09["PS3293V"]).all()
            g = g[g.index.get_level_values("time") != 2009]
        inside = g["sum"].between(98.9, 101.1)
        assert inside.mean() >= 0.99, first
        assert len(g) >= 90, first


# ------------------------------------------------------------------------------ NUTS
def test_read_nuts_counts_and_parents(nuts):
    assert nuts["level"].value_counts().sort_index().tolist() == [37, 125, 334, 1514]
    row = nuts.set_index("nuts_id").loc["DE300"]
    assert (row["name"], row["level"], row["parent"], row["country"]) == ("Berlin", 3, "DE30", "DE")
    assert nuts["parent"].dropna().isin(nuts["nuts_id"]).all()


def test_nuts_level_and_parent():
    assert data.nuts_level("BE212") == 3 and data.nuts_level("BE") == 0
    assert data.nuts_parent("FRL03") == "FRL0" and data.nuts_parent("FR") is None
    s = pd.Series(["DE", "DE3", "DE30", "DE300"])
    assert data.nuts_level(s).tolist() == [0, 1, 2, 3]
    assert data.nuts_parent(s).tolist() == [None, "DE", "DE3", "DE30"]
    with pytest.raises(ValueError):
        data.nuts_level("de300")


def test_validate_unit_codes_locates_unknown_codes(nuts, units):
    data.validate_unit_codes(["DE300", "BE212", "FRL03"], nuts, levels=[3])
    with pytest.raises(ValidationError) as exc:
        data.validate_unit_codes(
            ["DE300", "XX999", "DE3", "DE001C"], nuts, file="in.csv", column="unit", levels=[3]
        )
    assert [(p.file, p.row, p.column, p.value) for p in exc.value.problems] == [
        ("in.csv", 3, "unit", "XX999"),
        ("in.csv", 4, "unit", "DE3"),
        ("in.csv", 5, "unit", "DE001C"),
    ]
    # with the registry, Urban Audit city codes are accepted
    data.validate_unit_codes(["DE300", "DE001C", "AT001C"], nuts, registry=units)
    # EL300 (pre-2021 Attiki code used in crim_gen_reg) is not a NUTS 2021 code
    with pytest.raises(ValidationError):
        data.validate_unit_codes(["EL300"], nuts)


# ---------------------------------------------------------------------- unit registry
def test_unit_registry(units, nuts):
    assert len(units) == 26 and units["unit_id"].is_unique
    assert set(units.loc[units["pilot"], "unit_id"]) == {
        "ES001C",
        "FI001C",
        "LV001C",
        "BE212",
        "FRL03",
        "AT001C",
        "DE001C",
    }
    cities = units[units["level"] == "city"]
    assert len(cities) == 24 and (cities["unit_id"] == cities["urau_code"]).all()
    lvl = nuts.set_index("nuts_id")["level"]
    assert (units["nuts3"].map(lvl) == 3).all()
    names = nuts.set_index("nuts_id")["name"]
    assert names[units.set_index("unit_id").loc["DE001C", "nuts3"]] == "Berlin"
    percep = data.read_eurostat_tsv(PERCEP_FULL, dropna=True)
    assert set(cities["urau_code"]) <= set(percep["cities"])


def test_registry_population_agrees_with_another_offence(units):
    # Independent route: Berlin's population implied by burglary (ICCS0501) 2019 =
    # 34,919 / 958.04 * 100,000; the registry uses theft (ICCS0502).
    berlin = units.set_index("unit_id").loc["DE001C", "population"]
    assert berlin == pytest.approx(34919 / 958.04 * 1e5, rel=5e-4)
    mechelen = units.set_index("unit_id").loc["BE212", "population"]
    assert mechelen == pytest.approx(735 / 210.60 * 1e5, rel=5e-4)  # ICCS0501 2021
    assert np.isnan(units.set_index("unit_id").loc["FRL03", "population"])


def test_population_from_crime_is_consistent_across_iccs():
    full = data.read_eurostat_tsv(CRIM_FULL, dropna=True)
    pop = data.population_from_crime(full, ["DE300", "AT130", "BE212", "LV006"])
    assert set(pop["geo"]) == {"DE300", "AT130", "BE212", "LV006"}
    assert (pop["max_rel_dev"] < 5e-4).all()
    assert pop.set_index("geo").loc["DE300", "year"] == 2019


def test_malformed_registry_is_located(tmp_path, nuts):
    head = ",".join(data.UNIT_COLUMNS)
    rows = [
        "DE001C,Berlin,city,DE,DE300,DE001C,3644823,x,true,",
        "DE001C,Berlin again,town,DE,DE300,DE001C,1,x,true,",  # row 3: duplicate id, level
        "AT001C,Wien,city,AT,AT999,,-5,x,maybe,",  # row 4: urau, pop, pilot; nuts3 unknown
    ]
    p = tmp_path / "units.csv"
    p.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        data.read_units(p, nuts=nuts)
    got = [(q.row, q.column) for q in exc.value.problems]
    assert got == [
        (3, "unit_id"),
        (3, "level"),
        (4, "nuts3"),
        (4, "urau_code"),
        (4, "population"),
        (4, "pilot"),
    ]
    p.write_text("unit_id,name\nX,Y\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        data.read_units(p)
    assert {q.column for q in exc.value.problems} == set(data.UNIT_COLUMNS) - {"unit_id", "name"}


# ------------------------------------------------------------------------ indicators
def test_crime_indicators_for_city_and_region(crime, fw, units):
    out = data.crime_indicators(crime, fw, units)
    assert list(out.columns) == ["unit_id", "indicator_id", "period", "value", "source"]
    assert set(out["indicator_id"]) == {"crime_homicide", "crime_burglary"}
    assert set(out["unit_id"]) == {"DE001C", "AT001C", "BE212"}
    berlin = out[(out["unit_id"] == "DE001C") & (out["indicator_id"] == "crime_homicide")]
    assert berlin.set_index("period")["value"].loc[2016:2019].tolist() == [1.34, 1.26, 1.00, 1.21]
    assert (berlin["source"] == "Eurostat crim_gen_reg (P_HTHAB, ICCS0101), DE300").all()
    mech = out[(out["unit_id"] == "BE212") & (out["indicator_id"] == "crime_burglary")]
    assert mech.set_index("period")["value"][2021] == 210.60
    assert out["value"].notna().all()


def test_crime_indicators_parent_fallback(fw):
    crime = pd.DataFrame(
        {
            "unit": "P_HTHAB",
            "iccs": "ICCS0101",
            "geo": ["EL30", "EL300"],
            "time": 2019,
            "value": [0.94, 0.9],
            "flag": "",
        }
    )
    units = pd.DataFrame(
        {"unit_id": ["EL001C"], "level": ["city"], "nuts3": ["EL303"], "urau_code": ["EL001C"]}
    )
    assert data.crime_indicators(crime, fw, units).empty
    out = data.crime_indicators(crime, fw, units, fallback_to_parent=True)
    assert out[["unit_id", "indicator_id", "period", "value"]].values.tolist() == [
        ["EL001C", "crime_homicide", 2019, 0.94]
    ]
    assert out["source"].item().endswith("EL30 (parent of EL303)")


def test_perception_indicators_sum_agree_codes(percep, fw, units):
    out = data.perception_indicators(percep, fw, units)
    v = out.set_index(["unit_id", "indicator_id", "period"])["value"]
    assert v[("DE001C", "sos_safe_night_city_qol", 2019)] == pytest.approx(66.6)  # 18.1+48.5
    assert v[("AT001C", "sos_safe_night_city_qol", 2019)] == pytest.approx(81.3)  # 49.2+32.1
    assert v[("DE001C", "sos_safe_city_qol", 2015)] == pytest.approx(71.0)  # 19 + 52
    assert ("DE001C", "sos_safe_night_city_qol", 2015) not in v.index  # 2019 wave only
    src = out.set_index(["unit_id", "indicator_id", "period"])["source"]
    assert src[("DE001C", "sos_safe_night_city_qol", 2019)] == (
        "Eurostat urb_percep (PS3514V+PS3515V), DE001C"
    )
    assert not out["unit_id"].isin(["BE212", "FRL03"]).any()  # no city code


def test_build_public_indicators_on_the_repository_data(fw, units):
    out = data.build_public_indicators(RAW, fw, units=units, fallback_to_parent=True)
    assert list(out.columns) == ["unit_id", "indicator_id", "period", "value", "source"]
    assert not out.duplicated(["unit_id", "indicator_id", "period"]).any()
    night = out[(out["indicator_id"] == "sos_safe_night_city_qol")].set_index("unit_id")["value"]
    assert len(night) == 23 and "FI001C" not in night.index  # Helsinki: no 2019 wave
    assert night.between(30, 100).all()
    assert night["DE001C"] == pytest.approx(66.6)
    # France is absent from crim_gen_reg; Athina only via its NUTS2 parent
    crime_rows = out["indicator_id"].str.startswith("crime")
    assert not (crime_rows & out["unit_id"].isin(["FR001C", "FRL03"])).any()
    athina = out[(out["unit_id"] == "EL001C") & out["indicator_id"].str.startswith("crime")]
    assert athina["source"].str.contains("parent of EL303").all() and len(athina) > 0
    seen = []
    data.build_public_indicators(RAW, fw, units=units, track=lambda p: seen.append(p) or p)
    assert {Path(p).name for p in seen} == {"estat_crim_gen_reg.tsv", "urb_percep.tsv"}
