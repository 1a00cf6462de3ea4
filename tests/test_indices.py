"""Tests for urbansec_lib.indices (catalogue of existing indices, crosswalk, gaps).

Fixture expectations are hand-derived from the tags listed in the header of
tests/data/indices/framework.yaml; published numbers are those of DOMAIN.md section 3.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import urbansec_lib as us  # noqa: E402
from urbansec_lib import indices  # noqa: E402
from urbansec_lib.errors import ValidationError  # noqa: E402

DATA = Path(__file__).parent / "data" / "indices"
IDS = [
    "safe_cities_index", "qol_eu_cities", "eurostat_crime", "eurostat_urban_audit",
    "oecd_regional_wellbeing", "sdg_16_1_4", "icvs_eu_ics", "efus_safety_audit",
    "unhabitat_safer_cities", "numbeo",
]  # fmt: skip
# Every URL DOMAIN.md (sections 0 and 3) gives for the existing indices (copied from
# /work/shared/DOMAIN.md, 2026-11-24), except that links to document-mirror sites are replaced
# by the publisher's or an official page (issue 14; see tests/test_citations.py).
DOMAIN_URLS = {
    "https://portico.urban-initiative.eu/urban-agenda-eu/action-1-report-approaches-and-tools-assess-and-measure-security-and-safety-urban-areas-5401",
    "https://www.nec.com/en/global/ad/campaign/safecitiesindex/",
    "https://impact.economist.com/projects/safe-cities/",
    "https://impact-safecities.econ-asia.com/projects/safe-cities/safe-cities-2021-whitepaper/",
    "https://portico.urban-initiative.eu/european-commission/quality-life-european-cities-2023-report",
    "https://greekcitytimes.com/2024/02/21/athens-rome-and-naples-rank-low/",
    "https://ec.europa.eu/regional_policy/en/information/maps/quality_of_life",
    "https://ec.europa.eu/eurostat/cache/metadata/en/crim_gen_reg_esms.htm",
    "https://ec.europa.eu/eurostat/statistics-explained/index.php?title=Crime_statistics",
    "https://ec.europa.eu/eurostat/web/cities/database",
    "https://ec.europa.eu/eurostat/databrowser/view/crim_gen_reg/default/table?lang=en",
    "https://oecd.org/en/publications/how-s-life/volume-/issue-_9870c393-en/full-report/component-12",
    "http://www.oecdbetterlifeindex.org/topics/safety/",
    "https://oecd.org/en/publications/2018/10/oecd-regions-and-cities-at-a-glance-2018_g1g94710/full-report/component-23.html",
    "https://worldbank.github.io/sdg-metadata/metadata/en/16-1-4",
    "https://snyf.dst.dk/en/Statistik/temaer/SDG/globale-verdensmaal/16-fred-retfaerdighed-og-staerke-institutioner/delmaal-01/indikator-4",
    "https://www2.unil.ch/icvs/2013/04/445/index.html",
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52011PC0335",
    "https://www.cuttingcrimeimpact.eu/news-events/news/the-efus-safety-audit-guide-how-the-cci-project-has-helped-in-adapting-the-guide-to-new-challenges-in-urban-security-/",
    "https://efus.eu/topics/audits-methodology/methods-and-tools-for-a-strategic-approach-to-urban-security-publication/",
    "https://uni.unhabitat.org/safer-cities-partners/",
    "https://www.praeventionstag.de/nano.cms/daily-prevention-news/details/9728",
    "https://unhabitat.org/news/28-oct-2020/international-experts-and-un-habitat-with-the-support-of-the-madrid-city-council",
    "https://www.numbeo.com/crime/indices_explained.jsp",
}


@pytest.fixture(scope="module")
def cat():
    return indices.load_catalogue()


@pytest.fixture(scope="module")
def fx():
    fw = us.load_framework(DATA / "framework.yaml")
    return fw, indices.load_catalogue(DATA / "catalogue.yaml", dimensions=fw)


# ------------------------------------------------------------------ packaged catalogue
def test_packaged_catalogue_loads(cat):
    assert cat.ids == IDS
    assert re.fullmatch(r"\d+\.\d+\.\d+", cat.version)
    assert any(c["version"] == cat.version for c in cat.changelog)
    assert indices.catalogue_path().is_file()
    t = cat.table()
    assert t["index_id"].tolist() == IDS
    assert {"publisher", "n_cities", "small_medium_cities", "ranking", "openness"} <= set(t)


def _raw_facts(node, path=""):
    """Every mapping holding a ``value`` in the raw YAML (independent of the loader)."""
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
            return
        for k, v in node.items():
            yield from _raw_facts(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _raw_facts(v, f"{path}[{i}]")


def test_every_fact_has_a_source_from_domain(cat):
    raw = yaml.safe_load(indices.catalogue_path().read_text(encoding="utf-8"))
    facts = list(_raw_facts(raw["indices"]))
    assert len(facts) == len(cat.facts()) > 100
    unsourced = [p for p, f in facts if f.get("status") != "unknown" and not f.get("source")]
    assert unsourced == []
    # an unknown fact is only ever the value "unknown", never a number without a source
    bad_unknown = [p for p, f in facts if f.get("status") == "unknown" and f["value"] != "unknown"]
    assert bad_unknown == []
    # every cited key resolves to a URL that DOMAIN.md gives, and every source is cited
    urls = {s["url"] for s in raw["sources"].values()}
    assert urls <= DOMAIN_URLS, urls - DOMAIN_URLS
    cited = set(cat.facts()["sources"].str.split(",").explode()) - {""}
    assert cited == set(raw["sources"])
    assert (cat.sources_table()["n_facts"] > 0).all()


def test_published_numbers_match_domain(cat):
    # DOMAIN.md section 3: EIU 2021 60 cities / 76 indicators; QoL 2023 83 cities;
    # Urban Audit 2009 329 variables for 323 EU + 47 other cities; UN-Habitat network
    # 77 cities in 24 countries; ICVS ~80 countries.
    assert cat.value("safe_cities_index", "n_indicators") == 76
    assert cat.value("safe_cities_index", "coverage.n_cities") == 60
    assert cat.value("safe_cities_index", "method.ranking") is True
    assert cat.value("safe_cities_index", "coverage.small_medium_cities") is False
    assert cat.value("qol_eu_cities", "coverage.n_cities") == 83
    assert cat.value("qol_eu_cities", "years") == [2004, 2006, 2009, 2012, 2015, 2019, 2023]
    assert cat.value("eurostat_urban_audit", "n_indicators") == 329
    assert cat.value("eurostat_urban_audit", "coverage.n_cities") == 323 + 47
    assert cat.value("unhabitat_safer_cities", "coverage.n_cities") == 77
    assert cat.value("unhabitat_safer_cities", "coverage.countries") == 24
    assert cat.value("eurostat_crime", "geographic_unit") == ["country", "NUTS3"]
    assert cat.value("numbeo", "objective_perceived") == "perceived"


def test_removing_a_source_from_the_packaged_file_is_caught(tmp_path):
    text = indices.catalogue_path().read_text(encoding="utf-8")
    old = "n_cities: {value: 83, year: 2023, source: [qol_2023, qol_2009], status: src,"
    assert old in text
    p = tmp_path / "indices.yaml"
    p.write_text(text.replace(old, "n_cities: {value: 83, year: 2023, status: src,"), "utf-8")
    with pytest.raises(ValidationError) as ei:
        indices.load_catalogue(p)
    assert [(q.column, q.value) for q in ei.value.problems] == [
        ("indices[1].coverage.n_cities.source", None)
    ]


# ------------------------------------------------------------------ validation
def test_invalid_catalogue_lists_every_problem_with_its_path():
    fw = us.load_framework(DATA / "framework.yaml")
    with pytest.raises(ValidationError) as ei:
        indices.load_catalogue(DATA / "bad_catalogue.yaml", dimensions=fw)
    got = {(p.column, p.value) for p in ei.value.problems}
    assert got == {
        ("sources.s2.url", "example.org/two"),
        ("indices[0].publisher.source", None),  # a fact without a source
        ("indices[0].geographic_unit.value[1]", "borough"),
        ("indices[0].coverage.n_cities.source", "s9"),  # unknown source key
        ("indices[0].coverage.small_medium_cities.value", "maybe"),  # bad boolean
        ("indices[0].dimensions.value[1]", "safety"),  # unknown dimension id
        ("indices[0].openness", None),  # missing fact
        ("indices[1].id", "idx_one"),  # duplicate id
        ("indices[1].n_indicators.status", "src"),  # unknown value, status src
    }
    assert len(ei.value.problems) == 9
    assert all(p.file.endswith("bad_catalogue.yaml") and p.row is None for p in ei.value.problems)
    assert "9 problem(s)" in str(ei.value)


def test_yaml_syntax_error_is_located(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("catalogue:\n  id: x\n  name: [unclosed\n", "utf-8")
    with pytest.raises(ValidationError) as ei:
        indices.load_catalogue(p)
    assert ei.value.problems[0].row is not None
    assert ei.value.problems[0].expected == "valid YAML"


def test_dimension_ids_default_to_the_action1_six(cat):
    fw = us.load_framework()
    # the packaged catalogue validates against the framework's dimensions as well
    again = indices.load_catalogue(dimensions=fw)
    assert again.ids == cat.ids
    with pytest.raises(ValidationError, match="quality_of_life"):
        indices.load_catalogue(dimensions=["urban_security", "sense_of_safety"])


# ------------------------------------------------------------------ crosswalk and matrix
def test_crosswalk_counts_on_fixture(fx):
    fw, c = fx
    cw = indices.crosswalk(fw, c)
    assert list(zip(cw["indicator_id"], cw["index_id"])) == [
        ("a1", "idx_survey"), ("a2", "idx_survey"), ("b1", "idx_rank"),
        ("d1", "idx_stats"), ("d1", "idx_survey"), ("d2", "idx_survey"),
    ]  # fmt: skip
    assert cw.loc[cw["indicator_id"] == "d1", "nature"].unique().tolist() == ["objective"]
    m = indices.coverage_matrix(fw, c).set_index(["dimension", "index_id"])
    assert len(m) == 4 * 3
    assert m["n_indicators"].sum() == 6
    assert m.loc[("d_a", "idx_survey"), "n_indicators"] == 2
    assert m.loc[("d_b", "idx_rank"), "n_indicators"] == 1
    assert m.loc[("d_d", "idx_survey"), "n_indicators"] == 2
    assert m.loc[("d_d", "idx_stats"), "n_indicators"] == 1
    assert m.loc[("d_c", "idx_stats"), "n_indicators"] == 0
    assert m.loc[("d_b", "idx_rank"), "share"] == pytest.approx(50.0)
    assert m.loc[("d_a", "idx_survey"), "n_dimension_indicators"] == 2
    assert m["declared"].sum() == 3
    assert m.loc[("d_d", "idx_survey"), "evidence"] == "tagged only"
    assert m.loc[("d_d", "idx_stats"), "evidence"] == "tagged and declared"
    assert (m.drop(index=[("d_a", "idx_survey"), ("d_b", "idx_rank"), ("d_d", "idx_stats"),
                          ("d_d", "idx_survey")])["evidence"] == "none").all()  # fmt: skip


def test_crosswalk_rejects_a_tag_the_catalogue_lacks(fx):
    fw, c = fx
    doc = fw.to_dict()
    doc["dimensions"][2]["indicators"][0]["indices"] = ["nope"]
    bad = us.Framework.from_dict(doc, "fw.yaml")
    with pytest.raises(ValidationError) as ei:
        indices.crosswalk(bad, c)
    assert [(p.column, p.value) for p in ei.value.problems] == [("c1.indices[0]", "nope")]


def test_coverage_matrix_rejects_dimensions_outside_the_framework(fx):
    _, c = fx
    with pytest.raises(ValidationError, match="d_a"):
        indices.coverage_matrix(us.load_framework(), c)


# ------------------------------------------------------------------ gaps
def test_gaps_on_fixture(fx):
    fw, c = fx
    g = indices.gaps(fw, c)
    assert list(zip(g["gap"], g["subject"])) == [
        ("dimension_not_covered", "d_c"),
        ("dimension_perception_only", "d_a"),
        ("dimension_ranking_only", "d_b"),
        ("unit_not_covered", "neighbourhood"),
        ("unit_perception_only", "small_medium_cities"),
        ("index_only_ranks", "idx_rank"),
        ("indicator_without_index", "b2"),
        ("indicator_without_index", "c1"),
    ]
    assert set(g["gap"]) <= set(indices.GAP_KINDS)
    ds = indices.dimension_status(fw, c).set_index("dimension")
    assert ds["status"].to_dict() == {
        "d_a": "perception only", "d_b": "ranking only", "d_c": "not covered", "d_d": "covered",
    }  # fmt: skip
    assert ds.loc["d_d", "n_indices"] == 2
    assert ds.loc["d_b", "n_indicators_carried"] == 1
    us_ = indices.unit_status(c).set_index("unit")
    assert us_.loc["NUTS3", "indices"] == "idx_stats"
    assert us_.loc["NUTS3", "status"] == "covered"


def test_method_only_unit_and_packaged_gaps(cat):
    fw = us.load_framework()
    units = indices.unit_status(cat).set_index("unit")
    # DOMAIN.md: no index reports per neighbourhood; only the Efus audit method (any
    # municipality) is known to apply to small and medium cities; Eurostat has NUTS 3.
    assert units.loc["neighbourhood", "status"] == "not covered"
    assert units.loc["small_medium_cities", "status"] == "method only"
    assert units.loc["small_medium_cities", "indices"] == "efus_safety_audit"
    assert units.loc["NUTS3", "indices"] == "eurostat_crime"
    g = indices.gaps(fw, cat)
    assert g.loc[g["gap"] == "index_only_ranks", "subject"].tolist() == ["safe_cities_index"]
    without = set(g.loc[g["gap"] == "indicator_without_index", "subject"])
    assert without == {i.id for i in fw.indicators if not i.indices}
    m = indices.coverage_matrix(fw, cat)
    assert len(m) == len(fw.dimensions) * len(IDS)
    assert m["n_indicators"].sum() == sum(len(i.indices) for i in fw.indicators)


# ------------------------------------------------------------------ figures and HTML
def test_heatmap_returns_figure_with_counts_and_outlines(fx):
    fw, c = fx
    fig = indices.plot_coverage_heatmap(indices.coverage_matrix(fw, c))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    texts = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert texts == ["1", "1", "2", "2"]  # the four tagged cells; blanks elsewhere
    assert len(ax.patches) == 3  # one outline per declared cell
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Dimension A", "Dimension B", "Dimension C", "Dimension D",
    ]  # fmt: skip


def test_unit_coverage_plot(fx):
    _, c = fx
    fig = indices.plot_unit_coverage(c)
    assert isinstance(fig, Figure)
    covered, unknown = (len(col.get_offsets()) for col in fig.axes[0].collections)
    uc = c.unit_coverage()
    assert covered == (uc["coverage"] == "covered").sum() == 1 + 2 + 2
    assert unknown == 0


def test_catalogue_html_footnotes_resolve(cat):
    table = indices.catalogue_html(cat)
    listing = indices.sources_html(cat)
    refs = set(re.findall(r'href="#src-(\d+)"', table))
    anchors = set(re.findall(r'id="src-(\d+)"', listing))
    assert refs == anchors == {str(n) for n in range(1, len(cat.sources) + 1)}
    assert table.count("<tr>") == 2 * (len(IDS) + 1)
    assert isinstance(cat.open_facts(), pd.DataFrame)
    assert set(cat.open_facts()["status"]) == {"recall", "unknown"}
