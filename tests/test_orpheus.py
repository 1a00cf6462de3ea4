"""Tests for urbansec_lib.orpheus (prevention-pyramid mapping of policy inventories).

All expected numbers are hand-computed from the small frames built in each test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from urbansec_lib import orpheus  # noqa: E402
from urbansec_lib.errors import ValidationError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAD = Path(__file__).parent / "data" / "orpheus_bad"
DEMO = ROOT / "data" / "raw" / "orpheus"


def inv(*rows: tuple, unit: str = "X", **extra: list) -> pd.DataFrame:
    """Hand-made inventory: rows of (target_group, security_aim, timing, domain)."""
    df = pd.DataFrame(rows, columns=["target_group", "security_aim", "timing", "domain"])
    df.insert(0, "unit_id", unit)
    df.insert(1, "initiative_id", [f"i{k}" for k in range(len(df))])
    df.insert(2, "name", [f"initiative {k}" for k in range(len(df))])
    for k, v in extra.items():
        df[k] = v
    return df


# ----------------------------------------------------------------------------- pyramids


def test_builtin_pyramids_layers_bottom_to_top():
    p4 = orpheus.load_pyramid()
    assert p4.name == "partnership_4"
    assert p4.layer_ids == [
        "quality_of_life",
        "general_prevention",
        "specific_prevention",
        "reaction",
    ]
    assert [la.level for la in p4.layers] == [1, 2, 3, 4]
    assert all(la.definition and la.examples for la in p4.layers)
    d5 = orpheus.load_pyramid("deklerck_5")
    assert [la.level for la in d5.layers] == [0, 1, 2, 3, 4]
    assert d5.layer_ids[0] == "societal_context"
    assert list(p4.table().columns) == ["level", "id", "name", "definition", "examples"]
    assert p4.summary().splitlines()[1].lstrip().startswith("4. Reaction")


def test_unknown_pyramid_name():
    with pytest.raises(ValueError, match="unknown pyramid"):
        orpheus.load_pyramid("partnership_9")


def test_crosswalk_deklerck_to_partnership():
    cw = orpheus.load_pyramid("deklerck_5").crosswalk_to("partnership_4")
    got = dict(zip(cw.from_layer, cw.to_layer))
    assert got == {
        "societal_context": "quality_of_life",
        "fundamental_prevention": "quality_of_life",
        "general_prevention": "general_prevention",
        "specific_prevention": "specific_prevention",
        "curative_reaction": "reaction",
    }
    assert cw.set_index("from_layer").loc["societal_context", "relation"] == "nearest"
    assert cw.primary.all()


def test_crosswalk_partnership_to_deklerck():
    cw = orpheus.load_pyramid("partnership_4").crosswalk_to("deklerck_5")
    qol = cw[cw.from_layer == "quality_of_life"]
    assert set(qol.to_layer) == {"fundamental_prevention", "societal_context"}
    # the equivalent target is primary, the nearest one is not
    assert qol.set_index("to_layer").primary.to_dict() == {
        "societal_context": False,
        "fundamental_prevention": True,
    }
    assert cw.primary.sum() == 4
    p4 = orpheus.load_pyramid()
    there = p4.translate(p4.layer_ids, "deklerck_5")
    back = orpheus.load_pyramid("deklerck_5").translate(there, "partnership_4")
    assert back.tolist() == p4.layer_ids


def test_user_pyramid_yaml_loads_and_classifies(tmp_path):
    text = """
name: three_step
title: Three-step model
layers:
  - {id: base, name: Base, definition: Broad policy, examples: [housing]}
  - {id: prevention, name: Prevention, definition: Directly preventive}
  - {id: response, name: Response, definition: After incidents}
crosswalk:
  partnership_4:
    - {from: base, to: quality_of_life, relation: equivalent}
    - {from: prevention, to: general_prevention, relation: equivalent}
    - {from: prevention, to: specific_prevention, relation: equivalent}
    - {from: response, to: reaction, relation: equivalent}
"""
    path = tmp_path / "three_step.yaml"
    path.write_text(text, encoding="utf-8")
    p = orpheus.load_pyramid(path)
    assert p.layer_ids == ["base", "prevention", "response"]
    assert [la.level for la in p.layers] == [1, 2, 3]  # default: position from 1
    out = orpheus.classify(
        inv(
            ("everyone", "no", "before", "housing"), ("specific_problem", "yes", "before", "youth")
        ),
        pyramid=path,
    )
    assert out.layer.tolist() == ["base", "prevention"]
    assert out.pyramid.unique().tolist() == ["three_step"]


def test_malformed_pyramid_yaml_located(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        "name: broken\nlayers:\n  - {id: a, name: A, definition: x}\n  - {id: a, definition: y}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as exc:
        orpheus.load_pyramid(path)
    where = {(p.file, p.column) for p in exc.value.problems}
    assert where == {("broken.yaml", "layers[1].id"), ("broken.yaml", "layers[1].name")}


# -------------------------------------------------------------------------------- rules


def test_rule_table_covers_every_combination_once():
    r = orpheus.rules()
    assert len(r) == 16
    assert not r.duplicated(["target_group", "security_aim", "timing"]).any()
    assert set(r.confidence) <= {"high", "medium", "low"}
    assert r.rationale.str.len().min() > 20


def test_rules_for_deklerck_never_assign_level_0():
    r = orpheus.rules("deklerck_5")
    assert "societal_context" not in set(r.layer) | set(r.secondary_layer.dropna())
    assert r.set_index("rule_id").loc["R01", "layer"] == "fundamental_prevention"


@pytest.mark.parametrize(
    "row, layer, rule_id",
    [
        (("everyone", "no", "before", "housing"), "quality_of_life", "R01"),
        (("broad_population", "yes", "before", "youth"), "general_prevention", "R06"),
        (("specific_problem", "yes", "before", "public_space"), "specific_prevention", "R09"),
        (("after_incident", "no", "after", "victim_support"), "reaction", "R14"),
    ],
    ids=["quality_of_life", "general_prevention", "specific_prevention", "reaction"],
)
def test_classification_one_layer_each(row, layer, rule_id):
    out = orpheus.classify(inv(row))
    got = out.iloc[0]
    assert got.layer == layer
    assert got.rule_id == rule_id
    assert got.confidence == "high"
    assert got.layer_source == "rule"
    assert got.secondary_layer is None
    assert got.rationale.startswith(f"{rule_id}: aimed at ")
    assert got.layer_name.lower() in got.rationale


def test_classification_codes_are_normalised():
    out = orpheus.classify(inv(("Broad population", "TRUE", " Before ", "Youth")))
    assert out.layer.item() == "general_prevention"
    assert out.security_aim.item() == "yes"


def test_secondary_layers():
    out = orpheus.classify(
        inv(
            ("specific_problem", "yes", "after", "public_space"),  # R11
            ("everyone", "yes", "before", "public_space"),  # R02
            ("broad_population", "no", "before", "youth"),  # R05
            ("broad_population", "yes", "before", "policing"),  # R06 + policing hint
            ("after_incident", "yes", "after", "policing"),  # R13, hint points down: ignored
        )
    )
    assert out.layer.tolist() == [
        "reaction",
        "general_prevention",
        "quality_of_life",
        "general_prevention",
        "reaction",
    ]
    assert out.secondary_layer.tolist() == [
        "specific_prevention",
        "quality_of_life",
        "general_prevention",
        "specific_prevention",
        None,
    ]
    assert out.confidence.tolist() == ["medium", "medium", "medium", "medium", "high"]
    assert "Domain 'policing' suggests specific prevention" in out.rationale[3]


def test_reviewer_layer_wins_and_is_recorded():
    out = orpheus.classify(
        inv(
            ("after_incident", "no", "after", "victim_support"),
            ("broad_population", "no", "before", "youth"),
            ("broad_population", "no", "before", "youth"),
            reviewer_layer=["specific_prevention", None, "Quality of life"],
        )
    )
    assert out.layer.tolist() == ["specific_prevention", "quality_of_life", "quality_of_life"]
    assert out.layer_source.tolist() == ["reviewer", "rule", "reviewer"]
    assert out.rule_layer.tolist() == ["reaction", "quality_of_life", "quality_of_life"]
    assert out.rule_confidence.tolist() == ["high", "medium", "medium"]
    assert out.confidence[0] == "high"
    assert out.secondary_layer[0] is None
    assert out.rationale[0].startswith("Reviewer assigned specific prevention.")
    assert "R14" in out.rationale[0]
    assert out.rationale[2].startswith("Reviewer confirmed quality of life.")


def test_classify_invalid_dataframe_raises_located():
    bad = inv(("everyone", "no", "before", "housing"), ("nobody", "no", "later", "housing"))
    with pytest.raises(ValidationError) as exc:
        orpheus.classify(bad)
    got = [(p.file, p.row, p.column, p.value) for p in exc.value.problems]
    assert got == [
        ("<DataFrame>", 3, "target_group", "nobody"),
        ("<DataFrame>", 3, "timing", "later"),
    ]


def test_classify_with_deklerck_pyramid():
    out = orpheus.classify(
        inv(("everyone", "no", "before", "housing"), ("after_incident", "yes", "after", "justice")),
        pyramid="deklerck_5",
    )
    assert out.layer.tolist() == ["fundamental_prevention", "curative_reaction"]


# --------------------------------------------------------------------------- inventory

ROWS = [
    ["MEC-1", "Youth work", "Open youth work", "City", "NGO|School", "broad_population",
     "no", "before", "youth", "2020-01-01", "2022-12-31", "1000.5", "30", ""],
    ["MEC-2", "Patrols", "Hot-spot patrols", "Police", "", "specific_problem",
     "yes", "before", "policing", "2021-03-01", "", "250000", "", "reaction"],
]  # fmt: skip


def check_round_trip(df: pd.DataFrame) -> None:
    assert df.unit_id.tolist() == ["BE212", "BE212"]
    assert df.initiative_id.tolist() == ["MEC-1", "MEC-2"]
    assert df.partners[0] == "NGO|School"
    assert df.start.tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2021-03-01")]
    assert df.end[0] == pd.Timestamp("2022-12-31") and pd.isna(df.end[1])
    assert df.budget_eur.tolist() == [1000.5, 250000.0]
    assert df.reach[0] == 30 and np.isnan(df.reach[1])
    assert df.reviewer_layer.tolist() == [None, "reaction"]


def test_template_round_trip_csv(tmp_path):
    path = orpheus.inventory_template(tmp_path / "BE212_inventory.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == list(orpheus.COLUMNS)
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    check_round_trip(orpheus.read_inventory(path))


def test_template_round_trip_xlsx(tmp_path):
    path = orpheus.inventory_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["inventory", "codes", "columns"]
    ws = wb["inventory"]
    assert [c.value for c in ws[1]] == list(orpheus.COLUMNS)
    # dropdowns on the coded columns (F, G, H, I, N) and number checks (L, M)
    lists = {str(dv.sqref).split(":")[0] for dv in ws.data_validations.dataValidation
             if dv.type == "list"}  # fmt: skip
    assert lists == {"F2", "G2", "H2", "I2", "N2"}
    codes = [c.value for c in wb["codes"]["A"][1:] if c.value]
    assert codes == list(orpheus.TARGET_GROUPS)
    for i, row in enumerate(ROWS, start=2):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=v or None)
    ws["J2"] = pd.Timestamp("2020-01-01").to_pydatetime()  # a real Excel date
    ws["L3"] = 250000  # a real Excel number
    wb.save(path)
    check_round_trip(orpheus.read_inventory(path, unit_id="BE212"))


def test_template_rejects_other_suffix(tmp_path):
    with pytest.raises(ValueError, match="csv or .xlsx"):
        orpheus.inventory_template(tmp_path / "t.ods")


@pytest.mark.parametrize(
    "encoding, sep", [("utf-8", ","), ("utf-8-sig", ";"), ("latin-1", ";"), ("cp1252", "\t")]
)
def test_read_csv_dialects(tmp_path, encoding, sep):
    path = tmp_path / "inv.csv"
    rows = [list(orpheus.COLUMNS), *ROWS]
    rows[1][1] = "Jeugdwerk café"
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=sep).writerows(rows)
    df = orpheus.read_inventory(path, unit_id="BE212")
    assert df.name[0] == "Jeugdwerk café"
    check_round_trip(df)


def test_unit_id_from_file_name_and_number_formats(tmp_path):
    path = tmp_path / "FI1B1_inventory.csv"
    rows = [["initiative_id", "name", "target_group", "security_aim", "timing", "domain",
             "budget_eur"],
            ["a", "A", "everyone", "no", "before", "housing", "12.500"],
            ["b", "B", "everyone", "no", "before", "housing", "1.234,50"],
            ["c", "C", "everyone", "no", "before", "housing", "12,5"],
            ["d", "D", "everyone", "no", "before", "housing", "1 500 000"]]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    df = orpheus.read_inventory(path)
    assert df.unit_id.unique().tolist() == ["FI1B1"]
    assert df.budget_eur.tolist() == [12500.0, 1234.5, 12.5, 1_500_000.0]


def test_bad_inventory_located_problems():
    with pytest.raises(ValidationError) as exc:
        orpheus.read_inventory(BAD / "bad_inventory.csv")
    got = [(p.row, p.column, p.value) for p in exc.value.problems]
    assert got == [
        (3, "target_group", "hotspot"),
        (4, "security_aim", "maybe"),
        (4, "start", "2021-13-01"),
        (6, "end", "2021-01-01"),  # end before start
        (6, "budget_eur", "-200"),  # negative
        (6, "reach", "12.5"),  # not whole people
        (7, "initiative_id", "A2"),  # duplicate of row 3
        (7, "timing", "whenever"),
        (7, "domain", "sports"),
        (7, "reviewer_layer", "top_layer"),
        (8, "name", None),  # required, blank
        (8, "budget_eur", "abc"),
    ]
    assert {p.file for p in exc.value.problems} == {"bad_inventory.csv"}
    by = {(p.row, p.column): p.expected for p in exc.value.problems}
    assert "row 3" in by[(7, "initiative_id")]
    assert "2022-06-01" in by[(6, "end")]
    assert "quality_of_life" in by[(7, "reviewer_layer")]
    assert len(exc.value.table()) == 12


def test_missing_required_columns():
    with pytest.raises(ValidationError) as exc:
        orpheus.read_inventory(BAD / "missing_columns.csv", unit_id="X")
    got = [(p.file, p.row, p.column, p.value) for p in exc.value.problems]
    assert got == [
        ("missing_columns.csv", 1, "timing", None),  # the header row
        ("missing_columns.csv", 1, "domain", None),
    ]


def test_demo_inventories_are_valid():
    df = orpheus.read_inventories(DEMO)
    counts = df.groupby("unit_id").size().to_dict()
    assert set(counts) == {"BE212", "ES300", "FRL03", "FI1B1"}
    assert all(12 <= n <= 20 for n in counts.values())
    assert "illustrative" in (DEMO / "README.md").read_text(encoding="utf-8").lower()


# ---------------------------------------------------------------------- coverage, gaps


@pytest.fixture
def classified() -> pd.DataFrame:
    b = inv(
        ("everyone", "no", "before", "housing"),  # QoL
        ("everyone", "no", "before", "youth"),  # QoL
        ("specific_problem", "yes", "before", "policing"),  # SP
        ("after_incident", "no", "after", "victim_support"),  # reaction
        unit="B",
        budget_eur=[100.0, 300.0, 600.0, np.nan],
        reach=[10, 20, np.nan, 5],
    )
    a = inv(
        ("broad_population", "yes", "before", "youth"),  # GP
        ("everyone", "yes", "before", "housing"),  # GP, secondary QoL
        unit="A",
        budget_eur=[50.0, 150.0],
        reach=[1, 3],
    )
    return orpheus.classify(pd.concat([b, a], ignore_index=True))


def test_coverage_hand_computed(classified):
    cov = orpheus.coverage(classified, measure="budget")
    assert cov.unit_id.unique().tolist() == ["B", "A"]  # order of appearance, not sorted
    b = cov[cov.unit_id == "B"].set_index("layer")
    assert b.n_initiatives.tolist() == [2, 0, 1, 1]
    assert b.budget_eur.tolist() == [400.0, 0.0, 600.0, 0.0]
    assert b.reach.tolist() == [30.0, 0.0, 0.0, 5.0]
    assert b.n_budget_missing.tolist() == [0, 0, 0, 1]
    assert b.n_reach_missing.tolist() == [0, 0, 1, 0]
    assert b.share.tolist() == pytest.approx([0.4, 0.0, 0.6, 0.0])
    a = cov[cov.unit_id == "A"].set_index("layer")
    assert a.n_initiatives.tolist() == [0, 2, 0, 0]
    assert a.n_secondary.tolist() == [1, 0, 0, 0]
    assert a.share.tolist() == pytest.approx([0.0, 1.0, 0.0, 0.0])
    cnt = orpheus.coverage(classified, measure="count")
    assert cnt[cnt.unit_id == "B"].share.tolist() == pytest.approx([0.5, 0, 0.25, 0.25])
    reach = orpheus.coverage(classified, measure="reach")
    assert reach[reach.unit_id == "B"].share.tolist() == pytest.approx([30 / 35, 0, 0, 5 / 35])
    with pytest.raises(ValueError, match="measure"):
        orpheus.coverage(classified, measure="votes")


def test_gaps_sentences(classified):
    g = orpheus.gaps(classified[classified.unit_id == "A"], domains=["youth", "housing"])
    assert g.sentence.tolist() == [
        "no initiative at quality of life",
        "no initiative at specific prevention",
        "no initiative at reaction",
    ]  # general prevention covers both domains
    g = orpheus.gaps(classified, domains=["youth", "housing"])
    b = g[g.unit_id == "B"]
    assert b.sentence.tolist() == [
        "no initiative at general prevention",
        "no initiative at specific prevention for youth",
        "no initiative at specific prevention for housing",
        "no initiative at reaction for youth",
        "no initiative at reaction for housing",
    ]
    assert b.dimension.tolist() == ["layer", "domain", "domain", "domain", "domain"]
    t = orpheus.gaps(classified[classified.unit_id == "A"], by="target_group")
    assert "no initiative at general prevention aimed at everyone" not in t.sentence.tolist()
    assert (
        "no initiative at general prevention aimed at offenders or victims after an incident"
        in t.sentence.tolist()
    )


# ----------------------------------------------------------------------------- figures


def test_plot_pyramid_bars(classified):
    cov = orpheus.coverage(classified)
    fig = orpheus.plot_pyramid(cov, "B", measure="budget")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([400.0, 0.0, 600.0, 0.0])  # bottom to top
    # centred: each bar starts at -width/2
    assert [p.get_x() for p in ax.patches] == pytest.approx([-200.0, 0.0, -300.0, 0.0])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1. Quality of life", "2. General prevention", "3. Specific prevention",
                      "4. Reaction"]  # fmt: skip


def test_plot_pyramids_order_and_scale(classified):
    cov = orpheus.coverage(classified)
    fig = orpheus.plot_pyramids(cov, ["B", "A", "B"], measure="count")
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["B", "A", "B"]
    assert [len(ax.patches) for ax in fig.axes] == [4, 4, 4]
    assert len({ax.get_xlim() for ax in fig.axes}) == 1  # same scale
    assert [p.get_width() for p in fig.axes[1].patches] == [0, 2, 0, 0]
    rel = orpheus.plot_pyramids(cov, ["A", "B"], measure="count", relative=True)
    assert [p.get_width() for p in rel.axes[1].patches] == pytest.approx([0.5, 0, 0.25, 0.25])
    with pytest.raises(ValueError, match="not in coverage"):
        orpheus.plot_pyramids(cov, ["A", "Z"])


def test_plot_deklerck_has_five_bars():
    out = orpheus.classify(inv(("everyone", "no", "before", "housing")), pyramid="deklerck_5")
    fig = orpheus.plot_pyramid(orpheus.coverage(out), "X")
    assert len(fig.axes[0].patches) == 5
