"""Write the malformed Collective Impact workbooks used by tests/test_collective_impact.py.

Each case starts from a valid workbook (``collective_impact.template()`` filled in below) and
breaks it in one documented way; ``CASES`` maps the file name to that change. The expected
located problems are asserted in the test file. Regenerate (from the repository root) with::

    .venv/bin/python tests/data/ci_bad/make_corpus.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:  # until the package is installed
    sys.path.insert(0, str(ROOT))

from urbansec_lib import collective_impact as ci  # noqa: E402

# Template layout (default model): Cover rows 2-4 = unit_id, problem, phase; Conditions rows
# 2-6 = common_agenda, shared_measurement, mutually_reinforcing_activities,
# continuous_communication, backbone_support; Preconditions rows 2-4; Backbone functions 2-7.
SWOT_ROWS = [
    ("conditions", "common_agenda", "S", "Shared safety plan adopted by all partners"),
    ("conditions", "backbone_support", "W", "No dedicated coordination staff"),
    ("general", None, "O", "EU peer exchange programme"),
    ("preconditions", "adequate_financial_resources", "T", "Project funding ends next year"),
]


def fill_valid(path: Path) -> None:
    """Fill a fresh template so that it reads without any problem or warning."""
    model = ci.load_model()
    wb = load_workbook(path)
    wb[ci.COVER]["B4"] = "Organize for impact"
    for b in model.blocks:
        ws = wb[b.sheet]
        for r in range(2, len(b.items) + 2):
            ws.cell(row=r, column=5, value="3 - Mostly achieved")
            ws.cell(row=r, column=6, value="Minutes of the steering group")
    for r, row in enumerate(SWOT_ROWS, start=2):
        for c, v in enumerate(row, start=1):
            wb[ci.SWOT].cell(row=r, column=c, value=v)
    wb[ci.NEXT_ACTIONS].append(["Appoint a coordinator", "City", "2026-01-31", "backbone_support"])
    wb[ci.STAKEHOLDERS]["A2"], wb[ci.STAKEHOLDERS]["B2"] = "public", "Prevention service"
    wb[ci.STAKEHOLDERS]["A3"], wb[ci.STAKEHOLDERS]["B3"] = "community", "Residents' council"
    wb.save(path)


def _set(sheet: str, cell: str, value: object) -> Callable:
    def change(wb):
        wb[sheet][cell] = value

    return change


def _many(*changes: Callable) -> Callable:
    def change(wb):
        for c in changes:
            c(wb)

    return change


def _drop_sheet(sheet: str) -> Callable:
    def change(wb):
        del wb[sheet]

    return change


CASES: dict[str, tuple[str, Callable | None]] = {
    "missing_rating.xlsx": (
        "Conditions!E3 (shared_measurement) left empty",
        _set("Conditions", "E3", None),
    ),
    "rating_off_scale.xlsx": (
        "Preconditions!E2 = '5 - Beyond'",
        _set("Preconditions", "E2", "5 - Beyond"),
    ),
    "rating_not_on_scale_text.xlsx": (
        "Backbone functions!E4 = 'high'",
        _set("Backbone functions", "E4", "high"),
    ),
    "rating_label_mismatch.xlsx": (
        "Conditions!E2 = '3 - Completely achieved'",
        _set("Conditions", "E2", "3 - Completely achieved"),
    ),
    "unknown_item.xlsx": (
        "Conditions!A4 renamed to 'shared_vision' (so one item is missing)",
        _set("Conditions", "A4", "shared_vision"),
    ),
    "duplicate_item.xlsx": (
        "Conditions!A5 = 'common_agenda' again",
        _set("Conditions", "A5", "common_agenda"),
    ),
    "unknown_phase.xlsx": ("Cover!B4 phase = 'Scale up'", _set("Cover", "B4", "Scale up")),
    "missing_phase.xlsx": ("Cover!B4 phase left empty", _set("Cover", "B4", None)),
    "missing_unit.xlsx": ("Cover!B2 unit_id left empty", _set("Cover", "B2", None)),
    "unknown_quadrant.xlsx": ("SWOT!C3 quadrant = 'X'", _set("SWOT", "C3", "X")),
    "swot_unknown_item.xlsx": (
        "SWOT!B2 item_id = 'common_agendas'",
        _set("SWOT", "B2", "common_agendas"),
    ),
    "swot_block_mismatch.xlsx": (
        "SWOT!A5 block = 'conditions' for a precondition item",
        _set("SWOT", "A5", "conditions"),
    ),
    "swot_missing_text.xlsx": ("SWOT!D4 text left empty", _set("SWOT", "D4", None)),
    "missing_sheet.xlsx": ("sheet 'Backbone functions' deleted", _drop_sheet("Backbone functions")),
    "missing_column.xlsx": (
        "Conditions!E1 header 'rating' renamed to 'score'",
        _set("Conditions", "E1", "score"),
    ),
    "unknown_sector.xlsx": (
        "Stakeholders!A3 sector = 'media'",
        _set("Stakeholders", "A3", "media"),
    ),
    "many_problems.xlsx": (
        "three problems at once: Preconditions!E3 = 0, Cover!B4 = 'Phase 6', SWOT!C5 = 'Risk'",
        _many(
            _set("Preconditions", "E3", 0),
            _set("Cover", "B4", "Phase 6"),
            _set("SWOT", "C5", "Risk"),
        ),
    ),
    "not_a_workbook.xlsx": ("a text file with an .xlsx name", None),
}


def main(out: Path = HERE) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (_, change) in CASES.items():
        path = out / name
        if change is None:
            path.write_text("unit_id,rating\nBE212,3\n", encoding="utf-8")
        else:
            ci.template("BE212", path, problem="Test problem", initiatives=["P01: pilot"])
            fill_valid(path)
            wb = load_workbook(path)
            change(wb)
            wb.save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main():
        print(p.relative_to(ROOT))
