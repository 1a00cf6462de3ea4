"""Tests for the framework loader and the packaged urban-security framework."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from urbansec_lib import Framework, ValidationError, load_framework

CATALOGUE = {
    "safe_cities_index",
    "qol_eu_cities",
    "eurostat_crime",
    "eurostat_urban_audit",
    "oecd_regional_wellbeing",
    "sdg_16_1_4",
    "icvs_eu_ics",
    "efus_safety_audit",
    "unhabitat_safer_cities",
    "numbeo",
}
DIMENSIONS = [
    "quality_of_life",
    "social_cohesion",
    "public_space_liveability",
    "sense_of_safety",
    "urban_security",
    "background_conditions",
]
ICCS = ["ICCS0101", "ICCS02011", "ICCS0401", "ICCS0501", "ICCS05012", "ICCS0502", "ICCS050211"]


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework()


# ------------------------------------------------------------------ default framework
def test_default_framework_dimensions_in_order(fw):
    assert fw.id == "urban_security"
    assert fw.version == "1.0.0"
    assert [d.id for d in fw.dimensions] == DIMENSIONS
    assert fw.node("sense_of_safety").label == "Sense of safety in public spaces"
    assert fw.index_id == "urban_security_profile"
    assert any(
        str(c["version"]) == "1.0.0" and str(c["date"]) == "2026-11-24" for c in fw.changelog
    )


def test_default_framework_size_and_balance(fw):
    assert len(fw.indicators) >= 45
    for d in fw.dimensions:
        inds = d.all_indicators()
        assert 7 <= len(inds) <= 9, d.id
        natures = {i.nature for i in inds}
        assert natures == {"objective", "perceived"}, d.id
    assert len(fw.survey_indicators()) >= 20


def test_default_framework_hierarchy(fw):
    sec = fw.node("urban_security")
    assert [c.id for c in sec.children] == ["recorded_crime", "victimisation"]
    assert fw.dimension_of("crime_homicide") == "urban_security"
    assert fw.indicator("crime_homicide").parent == "recorded_crime"


def test_indices_come_from_the_catalogue(fw):
    used = {x for i in fw.indicators for x in i.indices}
    assert used <= CATALOGUE
    assert {"sdg_16_1_4", "qol_eu_cities", "eurostat_crime"} <= used


def test_crime_indicators_one_per_iccs_code(fw):
    crim = [i for i in fw.indicators if i.source.get("dataset") == "crim_gen_reg"]
    assert sorted(i.source["iccs"] for i in crim) == sorted(ICCS)
    for i in crim:
        assert i.source["unit"] == "P_HTHAB"
        assert i.type == "rate_per_100k" and i.direction == -1 and i.nature == "objective"
        assert {"NUTS1", "NUTS2", "NUTS3", "city"} <= set(i.levels)


def test_perception_sources_are_answer_code_blocks(fw):
    perc = [i for i in fw.indicators if i.source.get("dataset") == "urb_percep"]
    assert {i.id for i in perc} >= {
        "sos_safe_night_city_qol",
        "sos_safe_night_nbh_qol",
        "sos_safe_city_qol",
        "sos_safe_nbh_qol",
    }
    for i in perc:
        codes = i.source["codes"]
        assert all(re.fullmatch(r"PS\d{4}V", c) for c in codes)
        nums = [int(c[2:6]) for c in codes]
        # the first two codes of a 5-code block (strongly + somewhat agree / satisfied)
        assert nums == [nums[0], nums[0] + 1]
        assert i.type == "share" and i.nature == "perceived" and i.levels == ("city",)
        assert all(isinstance(w, int) for w in i.source["waves"])
    night = fw.indicator("sos_safe_night_city_qol").source
    assert night["codes"] == ["PS3514V", "PS3515V"] and night["waves"] == [2019]


def test_survey_items_are_complete(fw):
    for i in fw.survey_indicators():
        src = i.source
        assert src["question"].strip(), i.id
        assert src["aggregate"] in ("share", "mean"), i.id
        assert src.get("respondent") in ("resident", "city_staff"), i.id
        if i.type in ("likert4", "likert5"):
            n = int(i.type[-1])
            assert len(src["options"]) == n
            if src["aggregate"] == "share":
                assert set(src["positive"]) <= set(range(1, n + 1)) and src["positive"]
        elif i.type == "yes_no":
            assert src["options"] == ["No", "Yes"]  # coded 0 = No, 1 = Yes
            assert src["aggregate"] == "share" and src["positive"] == [1]
        else:
            assert "options" not in src and src["aggregate"] == "mean"
    sdg = fw.indicator("sos_safe_walk_after_dark").source
    assert sdg["question"] == "How safe do you feel walking alone in your neighbourhood after dark?"
    assert sdg["options"] == ["Very unsafe", "A bit unsafe", "Fairly safe", "Very safe"]
    assert sdg["positive"] == [3, 4]
    staff = [i for i in fw.survey_indicators() if i.source["respondent"] == "city_staff"]
    assert "bc_integrated_strategy" in {i.id for i in staff}


# ------------------------------------------------------------------ invalid frameworks
def _minimal() -> dict:
    ind = {
        "id": "a",
        "label": "A",
        "definition": "Indicator A",
        "type": "share",
        "direction": "higher_is_better",
        "unit": "%",
        "levels": ["city"],
        "source": {"kind": "statistic", "dataset": "x"},
        "nature": "objective",
        "frequency": "annual",
        "indices": [],
    }
    return {
        "framework": {
            "id": "t",
            "name": "Test",
            "version": "1.0.0",
            "changelog": [{"version": "1.0.0", "date": "2026-01-01", "changes": ["first"]}],
        },
        "dimensions": [
            {"id": "d1", "label": "D1", "indicators": [ind, {**ind, "id": "b"}]},
            {"id": "d2", "label": "D2", "indicators": [{**ind, "id": "c"}]},
            {"id": "d3", "label": "D3", "indicators": [{**ind, "id": "e"}]},
        ],
    }


def test_minimal_framework_is_valid():
    fw = Framework.from_dict(_minimal())
    assert [i.id for i in fw.indicators] == ["a", "b", "c", "e"]


def test_invalid_framework_lists_every_problem_with_its_yaml_path():
    doc = _minimal()
    d0 = doc["dimensions"][0]["indicators"]
    d0[1]["id"] = "a"  # duplicate id
    d0[0]["type"] = "percentage"  # unknown type
    del doc["dimensions"][1]["indicators"][0]["direction"]  # missing direction
    doc["dimensions"][1]["weight"] = -1  # weight < 0
    doc["dimensions"][2]["indicators"] = []  # dimension without indicators
    doc["framework"]["version"] = "1.0"  # bad semver (and no changelog entry for it)
    with pytest.raises(ValidationError) as exc:
        Framework.from_dict(doc)
    paths = {p.column for p in exc.value.problems}
    assert paths == {
        "dimensions[0].indicators[1].id",
        "dimensions[0].indicators[0].type",
        "dimensions[1].indicators[0].direction",
        "dimensions[1].weight",
        "dimensions[2].indicators",
        "framework.version",
        "framework.changelog",
    }
    assert all(p.file == "<dict>" for p in exc.value.problems)
    dup = next(p for p in exc.value.problems if p.column.endswith("[1].id"))
    assert dup.value == "a" and "dimensions[0].indicators[0]" in dup.expected


def test_missing_changelog_entry_alone():
    doc = _minimal()
    doc["framework"]["version"] = "1.1.0"
    with pytest.raises(ValidationError) as exc:
        Framework.from_dict(doc)
    assert [(p.column, p.value) for p in exc.value.problems] == [("framework.changelog", "1.1.0")]


def test_invalid_yaml_file_is_located(tmp_path):
    doc = _minimal()
    doc["dimensions"][0]["indicators"][0]["weight"] = -0.5
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_framework(path)
    (p,) = exc.value.problems
    assert (p.file, p.column, p.value) == (str(path), "dimensions[0].indicators[0].weight", -0.5)


# ------------------------------------------------------------------ user files, meta, interop
def test_user_supplied_framework_file_loads(tmp_path, fw):
    path = tmp_path / "my_framework.yaml"
    path.write_text(yaml.safe_dump(_minimal(), sort_keys=False), encoding="utf-8")
    mine = load_framework(path)
    assert mine.id == "t" and mine.source_path == str(path)
    # a user's edited copy of the packaged framework
    doc = fw.to_dict()
    doc["framework"]["version"] = "1.1.0"
    doc["framework"]["changelog"].append(
        {"version": "1.1.0", "date": "2027-01-01", "changes": ["drop one indicator"]}
    )
    doc["dimensions"][0]["indicators"].pop()
    path2 = tmp_path / "urban_security_v1_1.yaml"
    path2.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    edited = load_framework(path2)
    assert edited.version == "1.1.0"
    assert len(edited.indicators) == len(fw.indicators) - 1


def test_meta_levels_and_parents_are_consistent(fw):
    meta = fw.meta()
    assert len(meta) == len(fw.indicators) + len(fw.nodes) + 1
    assert meta["iCode"].is_unique
    codes = set(meta["iCode"])
    root = meta[meta["Parent"].isna()]
    assert root["iCode"].tolist() == [fw.index_id]
    assert set(meta["Parent"].dropna()) <= codes
    assert (meta.loc[meta["Type"] == "Indicator", "Level"] == 1).all()
    level = meta.set_index("iCode")["Level"]
    children = meta.dropna(subset=["Parent"]).groupby("Parent")["Level"].max()
    for parent, max_child in children.items():
        assert level[parent] == max_child + 1, parent
    assert level["recorded_crime"] == 2 and level["urban_security"] == 3
    assert level["quality_of_life"] == 2 and level[fw.index_id] == 4
    dims = meta[meta["Parent"] == fw.index_id]["iCode"].tolist()
    assert dims == DIMENSIONS


def test_to_dict_from_dict_round_trip(fw):
    doc = fw.to_dict()
    again = Framework.from_dict(copy.deepcopy(doc))
    assert again.to_dict() == doc
    assert [i.id for i in again.indicators] == [i.id for i in fw.indicators]
    via_yaml = Framework.from_dict(yaml.safe_load(yaml.safe_dump(doc, allow_unicode=True)))
    assert via_yaml.to_dict() == doc
    assert via_yaml.indicators_table().equals(fw.indicators_table())
