"""Tests for urbansec_lib.collective_impact (Collective Impact readiness + SWOT templates)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from urbansec_lib import collective_impact as ci  # noqa: E402
from urbansec_lib.errors import ValidationError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "ci_bad"
DEMO = ROOT / "data" / "raw" / "collective_impact"
MODEL = ci.load_model()
ALL_ITEMS = [it.id for b in MODEL.blocks for it in b.items]


# ------------------------------------------------------------------------------------------
# helper: fill a generated template with openpyxl, as a workshop would
# ------------------------------------------------------------------------------------------


def fill(
    path: Path,
    phase: str = "Organize for impact",
    ratings: dict | None = None,
    swot: list | None = None,
    actions: list | None = None,
    stakeholders: list | None = None,
) -> Path:
    """Write answers into the template at ``path``; unspecified items get (3, 'minutes')."""
    wb = load_workbook(path)
    cover = wb["Cover"]
    for r in range(2, cover.max_row + 1):
        if cover.cell(row=r, column=1).value == "phase":
            cover.cell(row=r, column=2, value=phase)
    ratings = ratings or {}
    for b in MODEL.blocks:
        ws = wb[b.sheet]
        for r in range(2, ws.max_row + 1):
            iid = ws.cell(row=r, column=1).value
            rating, evidence = ratings.get(iid, ("3 - Mostly achieved", "minutes"))
            ws.cell(row=r, column=5, value=rating)
            ws.cell(row=r, column=6, value=evidence)
    if swot is None:
        swot = [
            ("conditions", "common_agenda", "S", "Agreed problem statement"),
            ("conditions", "backbone_support", "W", "No coordinator"),
            ("general", None, "O", "EU call"),
            ("general", None, "T", "Budget cuts"),
        ]
    for r, row in enumerate(swot, start=2):
        for c, v in enumerate(row, start=1):
            wb["SWOT"].cell(row=r, column=c, value=v)
    for r, row in enumerate(actions or [], start=2):
        for c, v in enumerate(row, start=1):
            wb["Next actions"].cell(row=r, column=c, value=v)
    for r, row in enumerate(stakeholders or [], start=2):
        for c, v in enumerate(row, start=1):
            wb["Stakeholders"].cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def make(tmp_path: Path, unit: str, **kw) -> ci.CIAssessment:
    path = ci.template(unit, tmp_path / f"{unit}_ci.xlsx", problem=f"Problem of {unit}")
    return ci.read(fill(path, **kw))


# ------------------------------------------------------------------------------------------
# model
# ------------------------------------------------------------------------------------------


def test_model_contents_follow_domain_md():
    # DOMAIN.md section 2: 5 conditions, 3 preconditions, 6 backbone functions, 5 FSG phases.
    sizes = {b.id: len(b.items) for b in MODEL.blocks}
    assert sizes == {"conditions": 5, "preconditions": 3, "backbone_functions": 6}
    assert [p.name for p in MODEL.phases] == [
        "Assess readiness",
        "Initiate action",
        "Organize for impact",
        "Begin implementation",
        "Sustain action and impact",
    ]
    assert MODEL.scale[1] == "Just begun" and MODEL.scale[4] == "Completely achieved"
    assert MODEL.scale_labels[0] == "1 - Just begun"
    source_ids = {s["id"] for s in MODEL.sources}
    for b in MODEL.blocks:
        for it in b.items:
            assert it.definition and set(it.sources) <= source_ids and it.sources
            assert set(it.questions) == {"S", "W", "O", "T"}, it.id
    assert {s["url"] for s in MODEL.sources} >= {
        "https://www.kauffman.org/collective-impact-toolkit",
        "https://www.tamarackcommunity.ca/engage-march-2020",
    }


def test_model_errors_are_located(tmp_path):
    text = ci.DEFAULT_MODEL_PATH.read_text(encoding="utf-8")
    bad = text.replace("id: shared_measurement\n", "id: common_agenda\n", 1)
    bad = bad.replace("{value: 2, label: Some progress}", "{value: 1, label: Some progress}")
    p = tmp_path / "bad.yaml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        ci.load_model(p)
    cols = {pr.column for pr in exc.value.problems}
    assert cols == {"blocks[0].items[1].id", "scale.levels[1].value"}
    assert all(pr.file == str(p) for pr in exc.value.problems)


# ------------------------------------------------------------------------------------------
# templates
# ------------------------------------------------------------------------------------------


def test_template_workbook_structure(tmp_path):
    p = ci.template(
        "BE212",
        tmp_path / "t.xlsx",
        problem="Youth nuisance",
        initiatives=["P03: street-corner work", ("P11", "poster campaign")],
    )
    wb = load_workbook(p)
    assert wb.sheetnames[:4] == ["Cover", "Conditions", "Preconditions", "Backbone functions"]
    assert {"SWOT", "Next actions", "Stakeholders"} <= set(wb.sheetnames)
    cover = wb["Cover"]
    assert [cover[f"B{r}"].value for r in (2, 3)] == ["BE212", "Youth nuisance"]
    values = [c.value for c in cover["B"]]
    assert "P03: street-corner work" in values and "P11: poster campaign" in values
    # one row per item with definition and guiding questions
    ws = wb["Conditions"]
    assert [c.value for c in ws[1]] == ci.BLOCK_COLUMNS
    assert [ws.cell(row=r, column=1).value for r in range(2, 7)] == [
        it.id for it in MODEL.block("conditions").items
    ]
    assert ws["D2"].value.startswith("S (Strengths): ")
    # dropdowns: rating on the 1-4 scale, quadrant, phase, sector
    lists = wb["Lists"]

    def options(sheet, cell):
        for dv in wb[sheet].data_validations.dataValidation:
            if cell in dv.sqref:
                col, rows = dv.formula1.split("!")[1].replace("$", "").split(":")
                c, r1, r2 = col[0], int(col[1:]), int(rows[1:])
                return [lists[f"{c}{r}"].value for r in range(r1, r2 + 1)]
        return None

    assert options("Conditions", "E4") == MODEL.scale_labels
    assert options("Backbone functions", "E7") == MODEL.scale_labels
    assert options("SWOT", "C10") == ["S", "W", "O", "T"]
    assert options("Cover", "B4") == [p.name for p in MODEL.phases]
    assert options("Stakeholders", "A2")[:3] == ["public", "police_justice", "private"]
    assert lists.sheet_state == "hidden"


def test_template_markdown_and_html():
    md = ci.template_markdown("ES300", problem="Squares <at night>", initiatives=["P7: patrols"])
    for it in ALL_ITEMS:
        assert f"(`{it}`)" in md
    for p in MODEL.phases:
        assert p.name in md
    assert "[ ] 4 - Completely achieved" in md and "- P7: patrols" in md
    page = ci.template_html("ES300", problem="Squares <at night>")
    assert page.startswith("<!DOCTYPE html>") and page.count("<h3>") == len(ALL_ITEMS)
    assert "Squares &lt;at night&gt;" in page and "<at night>" not in page
    assert "<table>" in page and "<code>common_agenda</code>" in page


# ------------------------------------------------------------------------------------------
# round trip
# ------------------------------------------------------------------------------------------


def test_round_trip_gives_back_what_was_written(tmp_path):
    ratings = {iid: ("3 - Mostly achieved", f"Evidence for {iid}") for iid in ALL_ITEMS}
    ratings["common_agenda"] = ("1 - Just begun", "Plan 2025\nCouncil decision; Survey")
    ratings["backbone_support"] = (4, "Coordinator post")  # a plain number is accepted
    ratings["urgency_for_change"] = ("Some progress", None)  # the label alone is accepted
    swot = [
        ("conditions", "common_agenda", "S", "Élus et associations partagent le diagnostic"),
        (None, "backbone_support", "W", "No dedicated coordination staff"),  # block inferred
        ("general", None, "O", "Interreg call 2026"),
        ("preconditions", "adequate_financial_resources", "T", "Budget cut announced"),
        ("Backbone functions", "mobilise_funding", "T", "Funders ask for separate reports"),
    ]
    actions = [
        ("Appoint a coordinator", "Prevention service", "2026-01-31", "backbone_support"),
        ("Agree five indicators", None, None, None),
    ]
    stakeholders = [
        ("public", "City prevention service", "Convenor"),
        ("Civil society", "Youth NGOs", None),  # sector name is mapped to its id
    ]
    path = ci.template("BE212", tmp_path / "rt.xlsx", problem="Youth nuisance", initiatives=["X1"])
    a = ci.read(
        fill(path, "Begin implementation", ratings, swot, actions, stakeholders), model=MODEL
    )

    assert (a.unit_id, a.problem, a.phase, a.phase_name) == (
        "BE212",
        "Youth nuisance",
        "begin_implementation",
        "Begin implementation",
    )
    assert a.initiatives == ["X1"] and a.warnings == []
    r = a.readiness.set_index("item_id")
    assert list(r.index) == ALL_ITEMS
    expected_rating = {iid: 3 for iid in ALL_ITEMS} | {
        "common_agenda": 1,
        "backbone_support": 4,
        "urgency_for_change": 2,
    }
    assert r["rating"].to_dict() == expected_rating
    assert r.loc["common_agenda", "evidence"] == "Plan 2025\nCouncil decision; Survey"
    assert r.loc["common_agenda", "evidence_count"] == 3
    assert r.loc["common_agenda", "rating_label"] == "Just begun"
    assert pd.isna(r.loc["urgency_for_change", "evidence"])
    assert r.loc["shared_measurement", "evidence"] == "Evidence for shared_measurement"

    got_swot = list(a.swot[["block", "item_id", "quadrant", "item"]].itertuples(index=False))
    assert [tuple(x) for x in got_swot] == [
        ("conditions", "common_agenda", "S", swot[0][3]),
        ("conditions", "backbone_support", "W", swot[1][3]),
        ("general", "", "O", swot[2][3]),
        ("preconditions", "adequate_financial_resources", "T", swot[3][3]),
        ("backbone_functions", "mobilise_funding", "T", swot[4][3]),
    ]
    assert a.swot["row"].tolist() == [2, 3, 4, 5, 6]
    na = a.next_actions[["action", "owner", "due", "item_id"]].astype(object)
    assert na.where(na.notna(), None).values.tolist() == [
        list(actions[0]),
        ["Agree five indicators", None, None, None],
    ]
    st = a.stakeholders[["sector", "organisation", "role"]].astype(object)
    assert st.where(st.notna(), None).values.tolist() == [
        ["public", "City prevention service", "Convenor"],
        ["civil_society", "Youth NGOs", None],
    ]
    assert set(a.readiness["unit_id"]) == {"BE212"} and set(a.swot["unit_id"]) == {"BE212"}
    text = a.summary()
    assert "Begin implementation (4 of 5)" in text and "SWOT items: S 1, W 1, O 1, T 2" in text


def test_readiness_gap_logic_hand_checked(tmp_path):
    # gap = rating <= 2 or no evidence (DOMAIN.md 2: Tamarack 1-4 scale; our gap rule)
    ratings = {
        "common_agenda": ("2 - Some progress", "Plan"),  # rating 2 -> gap
        "shared_measurement": ("3 - Mostly achieved", None),  # no evidence -> gap
        "mutually_reinforcing_activities": ("3 - Mostly achieved", "Map"),  # no gap
        "continuous_communication": ("4 - Completely achieved", "a; b\nc"),  # no gap, 3 ev.
        "backbone_support": ("1 - Just begun", "Memo"),  # gap
        "influential_champion": ("4 - Completely achieved", " ; \n "),  # blank evidence -> gap
    }
    a = make(tmp_path, "FI1B1", ratings=ratings)
    r = a.readiness.set_index("item_id")
    assert r.loc[list(ratings), "gap"].tolist() == [True, True, False, False, True, True]
    assert r.loc[list(ratings), "evidence_count"].tolist() == [1, 0, 1, 3, 1, 0]
    # the other 8 items: 3 with evidence -> no gap
    assert int(r["gap"].sum()) == 4
    assert a.gaps["item_id"].tolist() == [
        "common_agenda",
        "shared_measurement",
        "backbone_support",
        "influential_champion",
    ]


# ------------------------------------------------------------------------------------------
# malformed corpus: each file gives its located error(s)
# ------------------------------------------------------------------------------------------

# file -> set of (row, column, value); see tests/data/ci_bad/make_corpus.py for each change
EXPECTED = {
    "missing_rating.xlsx": {(3, "Conditions!rating", None)},
    "rating_off_scale.xlsx": {(2, "Preconditions!rating", "5 - Beyond")},
    "rating_not_on_scale_text.xlsx": {(4, "Backbone functions!rating", "high")},
    "rating_label_mismatch.xlsx": {(2, "Conditions!rating", "3 - Completely achieved")},
    "unknown_item.xlsx": {(4, "Conditions!id", "shared_vision"), (None, "Conditions!id", None)},
    "duplicate_item.xlsx": {(5, "Conditions!id", "common_agenda"), (None, "Conditions!id", None)},
    "unknown_phase.xlsx": {(4, "Cover!value", "Scale up")},
    "missing_phase.xlsx": {(4, "Cover!value", None)},
    "missing_unit.xlsx": {(2, "Cover!value", None)},
    "unknown_quadrant.xlsx": {(3, "SWOT!quadrant", "X")},
    "swot_unknown_item.xlsx": {(2, "SWOT!item_id", "common_agendas")},
    "swot_block_mismatch.xlsx": {(5, "SWOT!block", "conditions")},
    "swot_missing_text.xlsx": {(4, "SWOT!text", None)},
    "missing_sheet.xlsx": {(None, "Backbone functions", None)},
    "missing_column.xlsx": {(1, "Conditions!rating", None)},
    "unknown_sector.xlsx": {(3, "Stakeholders!sector", "media")},
    "many_problems.xlsx": {
        (3, "Preconditions!rating", 0),
        (4, "Cover!value", "Phase 6"),
        (5, "SWOT!quadrant", "Risk"),
    },
    "not_a_workbook.xlsx": {(None, None, "not a zip archive")},
}


def test_corpus_matches_generator():
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert set(mod.CASES) == set(EXPECTED) == {p.name for p in BAD.glob("*.xlsx")}
    assert len(EXPECTED) >= 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_workbook_gives_located_errors(name):
    path = BAD / name
    with pytest.raises(ValidationError) as exc:
        ci.read(path)
    probs = exc.value.problems
    assert {(p.row, p.column, p.value) for p in probs} == EXPECTED[name]
    assert all(p.file == str(path) and p.severity == "error" and p.expected for p in probs)
    assert len(exc.value.table()) == len(EXPECTED[name])


def test_missing_rating_message_names_the_scale():
    with pytest.raises(ValidationError) as exc:
        ci.read(BAD / "missing_rating.xlsx")
    msg = str(exc.value)
    assert "row 3, column 'Conditions!rating': missing" in msg
    assert "'1 - Just begun'" in msg and "'4 - Completely achieved'" in msg


def test_empty_quadrant_is_a_warning_not_an_error(tmp_path):
    swot = [
        ("conditions", "common_agenda", "S", "Agreed problem statement"),
        ("general", None, "O", "EU call"),
        ("general", None, "T", "Budget cuts"),
    ]
    a = make(tmp_path, "ES300", swot=swot)
    assert len(a.swot) == 3
    assert [(w.column, w.severity, w.row) for w in a.warnings] == [
        ("SWOT!quadrant", "warning", None)
    ]
    assert "Weaknesses (W)" in a.warnings[0].expected


# ------------------------------------------------------------------------------------------
# synthesis
# ------------------------------------------------------------------------------------------

PLANTED = {  # the same weakness, worded differently, under a different item in 3 cities
    "BE212": ("conditions", "backbone_support", "No dedicated staff to coordinate partners"),
    "ES300": (
        "backbone_functions",
        "support_aligned_activities",
        "Lack of dedicated coordination staff",
    ),
    "FRL03": ("backbone_functions", "guide_vision_strategy", "Coordinator staff is not dedicated!"),
}
OTHER_W = {
    "BE212": "Police and youth workers disagree on the problem definition",
    "ES300": "Indicators for public squares differ between departments",
    "FRL03": "Residents are hardly involved in planning",
    "FI1B1": "Indicators differ between schools and social services",
}


def _city(tmp_path, unit):
    swot = [("conditions", "common_agenda", "S", "Shared safety plan adopted")]
    if unit in PLANTED:
        blk, iid, text = PLANTED[unit]
        swot.append((blk, iid, "W", text))
    blk = "conditions"
    iid = "shared_measurement" if unit in ("ES300", "FI1B1") else "common_agenda"
    swot.append((blk, iid, "W", OTHER_W[unit]))
    swot += [
        ("general", None, "O", f"Peer exchange offered to {unit}"),
        ("general", None, "T", "Project funding ends next year"),
    ]
    rating = "2 - Some progress" if unit != "FI1B1" else "4 - Completely achieved"
    return make(tmp_path, unit, swot=swot, ratings={"backbone_support": (rating, "memo")})


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cities")
    return [_city(tmp, u) for u in ("BE212", "ES300", "FRL03", "FI1B1")]


def test_synthesis_groups_planted_weakness_by_text(four):
    syn = ci.synthesis(four, seed=0)
    rec = syn.recurring
    w = rec[(rec["quadrant"] == "W") & (rec["grouping"] == "text_cluster")]
    hit = w[w["examples"].str.contains("coordination staff")]
    assert hit["cities"].tolist() == ["BE212, ES300, FRL03"]
    assert hit["n_cities"].tolist() == [3]
    assert (
        hit["item_id"].iloc[0]
        == "backbone_support, support_aligned_activities, guide_vision_strategy"
    )
    assert "FI1B1" not in hit["examples"].iloc[0]
    # by item: shared_measurement weakness only in ES300 and FI1B1
    by_item = rec[(rec["grouping"] == "item") & (rec["quadrant"] == "W")]
    assert by_item.set_index("item_id")["cities"].to_dict() == {
        "common_agenda": "BE212, FRL03",
        "shared_measurement": "ES300, FI1B1",
    }
    # by keyword theme: "Funding and budget" threat in all 4 cities
    kw = rec[(rec["grouping"] == "keyword") & (rec["quadrant"] == "T")]
    assert kw.set_index("theme").loc["Funding and budget", "cities"] == "BE212, ES300, FRL03, FI1B1"
    lessons = syn.lessons["lesson"].tolist()
    assert any("recurs in 3 of 4 cities (BE212, ES300, FRL03)" in s for s in lessons)
    assert (
        "Backbone support is a readiness gap (rated 2 or lower, or without evidence) in 3 of 4 "
        "cities (BE212, ES300, FRL03)" in lessons
    )
    assert syn.summary().startswith("Cross-city synthesis of 4 cities (BE212, ES300, FRL03, FI1B1)")


def test_synthesis_keeps_the_given_city_order(four):
    rev = ci.synthesis(four[::-1], seed=0)
    assert rev.units == ["FI1B1", "FRL03", "ES300", "BE212"]
    rec = rev.recurring
    hit = rec[(rec["grouping"] == "text_cluster") & rec["examples"].str.contains("coordination")]
    assert hit["cities"].tolist() == ["FRL03, ES300, BE212"]
    # no per-city score table anywhere
    assert not {"rank", "score"} & (set(rec.columns) | set(rev.lessons.columns))


def test_synthesis_kmeans_is_seeded_and_inputs_checked(four):
    a = ci.synthesis(four, seed=3, method="kmeans").recurring
    b = ci.synthesis(four, seed=3, method="kmeans").recurring
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError):
        ci.synthesis(four[:1])
    with pytest.raises(ValueError):
        ci.synthesis([four[0], four[0]])


def test_normalise_text():
    assert ci.normalise_text("No dedicated STAFF, to coordinate!") == "dedic staff coordin"
    assert ci.normalise_text("Lack of dedicated coordination staff") == "dedic coordin staff"


# ------------------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------------------


def test_plot_swot_matrix(tmp_path):
    long = "A very long weakness " + "with many words " * 20
    swot = [("conditions", "common_agenda", "S", "Agreed problem statement")]
    swot += [("general", None, "W", f"Weakness {i}") for i in range(9)] + [
        ("general", None, "W", long)
    ]
    a = make(tmp_path, "BE212", swot=swot)
    fig = ci.plot_swot_matrix(a, max_items=8)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert [ax.get_title(loc="left") for ax in axes] == [
        "Strengths (internal)",
        "Weaknesses (internal)",
        "Opportunities (external)",
        "Threats (external)",
    ]
    w_text = axes[1].texts[0].get_text()
    assert "Weakness 7" in w_text and "Weakness 8" not in w_text
    assert w_text.endswith("... and 2 more")
    assert "[Common agenda]" in axes[0].texts[0].get_text()
    assert axes[2].texts[0].get_text() == "(no items)"
    fig2 = ci.plot_swot_matrix(ci.read(tmp_path / "BE212_ci.xlsx"), max_items=20, max_chars=60)
    long_lines = [s for s in fig2.axes[1].texts[0].get_text().split("\n") if "many" in s]
    assert long_lines and long_lines[-1].endswith("...")


def test_plot_condition_heatmap_counts(four):
    fig = ci.plot_condition_heatmap(four)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Five conditions: Common agenda"
    assert labels[-1] == "General / cross-cutting"
    n_cols = 4
    cells = [int(t.get_text()) for t in ax.texts]
    assert len(cells) == len(labels) * n_cols
    grid = pd.DataFrame([cells[i : i + n_cols] for i in range(0, len(cells), n_cols)], index=labels)
    # hand count: common_agenda S in all 4 cities; W in BE212, FRL03; general O 4, T 4
    assert grid.loc["Five conditions: Common agenda"].tolist() == [4, 2, 0, 0]
    assert grid.loc["General / cross-cutting"].tolist() == [0, 0, 4, 4]
    assert sum(cells) == sum(len(a.swot) for a in four)


def test_plot_readiness_keeps_city_order(four):
    order = [four[2], four[0], four[3], four[1]]
    fig = ci.plot_readiness(order)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["FRL03", "BE212", "FI1B1", "ES300", "no evidence"]
    xt = [t.get_text() for t in ax.get_xticklabels()]
    assert xt[0] == "1\nJust begun" and xt[-1].startswith("4\nCompletely")
    yt = [t.get_text() for t in ax.get_yticklabels()]
    names = [it.name for b in MODEL.blocks[:2] for it in b.items]
    assert yt == names  # model order, top to bottom as listed in the model
    ticks = ax.get_yticks()
    assert list(ticks) == sorted(ticks, reverse=True)


# ------------------------------------------------------------------------------------------
# illustrative demo data
# ------------------------------------------------------------------------------------------


def test_demo_workbooks_read_and_are_labelled_illustrative():
    units = ["BE212", "ES300", "FRL03", "FI1B1"]
    demo = [ci.read(DEMO / f"{u}_ci.xlsx") for u in units]
    assert [a.unit_id for a in demo] == units
    for a in demo:
        assert "ILLUSTRATIVE" in a.meta["status"] and a.problem.startswith("[ILLUSTRATIVE]")
    assert "not the cities' actual assessments" in (DEMO / "README.md").read_text()


def test_strengths_need_rating_and_evidence():
    import pandas as pd

    from urbansec_lib.collective_impact import CIAssessment, strengths

    r = pd.DataFrame(
        {
            "item_name": ["Common agenda", "Backbone support", "Champion", "Funding"],
            "rating": pd.array([4, 3, 2, 3], dtype="Int64"),
            "evidence_count": [1, 0, 2, 1],
        }
    )
    a = CIAssessment(
        "X",
        None,
        "assess_readiness",
        "Assess readiness",
        [],
        r,
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame(),
    )
    assert strengths(a) == ["Common agenda", "Funding"]
