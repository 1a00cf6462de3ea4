"""Fill-in templates of the Collective Impact self-assessment: workbook, Markdown, HTML.

Part of :mod:`urbansec_lib.analysis.collective_impact` (its public face).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .ci_markdown import markdown_to_html
from .ci_model import (
    ACTION_COLUMNS,
    BLOCK_COLUMNS,
    COVER,
    GENERAL,
    LISTS,
    NEXT_ACTIONS,
    PHASE_GUIDE,
    STAKEHOLDER_COLUMNS,
    STAKEHOLDERS,
    SWOT,
    SWOT_COLUMNS,
    CIItem,
    CIModel,
    _resolve_model,
)


def _initiative_labels(initiatives: Any) -> list[str]:
    """Names/ids of initiatives as text: list of str, of (id, name), of dicts, or a frame."""
    if initiatives is None:
        return []
    if isinstance(initiatives, pd.DataFrame):
        cols = [
            c
            for c in ("id", "initiative_id", "name", "initiative", "title")
            if c in initiatives.columns
        ][:2]
        initiatives = initiatives[cols].astype(str).agg(": ".join, axis=1).tolist()
    out = []
    for x in initiatives:
        if isinstance(x, dict):
            parts = [x.get(k) for k in ("id", "name") if x.get(k)]
            out.append(": ".join(str(p) for p in parts) or str(x))
        elif isinstance(x, (tuple, list)):
            out.append(": ".join(str(p) for p in x if p is not None))
        else:
            out.append(str(x))
    return out


def _questions_text(item: CIItem, model: CIModel) -> str:
    lines = []
    for qid, qname in model.quadrants.items():
        for q in item.questions.get(qid, ()):
            lines.append(f"{qid} ({qname}): {q}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


class _Writer:
    """The workbook being written: its styles, the dropdown lists and two sheet helpers."""

    def __init__(self, model: CIModel) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self.model = model
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.fill_in = PatternFill("solid", fgColor="FFF9D6")
        self.head_fill = PatternFill("solid", fgColor="DDE4EE")
        self.wb = Workbook()
        self.refs: dict[str, str] = {}

    def lists(self) -> None:
        """The hidden ``Lists`` sheet feeding the dropdowns."""
        model = self.model
        lists = self.wb.create_sheet(LISTS)
        all_items = [it.id for b in model.blocks for it in b.items]
        columns = {
            "rating": model.scale_labels,
            "phase": [p.name for p in model.phases],
            "quadrant": list(model.quadrants),
            "block": [b.id for b in model.blocks] + [GENERAL],
            "item_id": all_items,
            "sector": list(model.sectors),
        }
        for ci_, (key, values) in enumerate(columns.items(), start=1):
            letter = chr(64 + ci_)
            lists.cell(row=1, column=ci_, value=key).font = self.bold
            for ri, v in enumerate(values, start=2):
                lists.cell(row=ri, column=ci_, value=v)
            self.refs[key] = f"={LISTS}!${letter}$2:${letter}${len(values) + 1}"
        lists.sheet_state = "hidden"

    def dropdown(self, ws: Any, key: str, rng: str, prompt: str) -> None:
        """A list validation on ``rng`` fed by the ``key`` column of the lists sheet."""
        from openpyxl.worksheet.datavalidation import DataValidation

        dv = DataValidation(type="list", formula1=self.refs[key], allow_blank=True)
        dv.error = f"Choose a {key} from the list"
        dv.errorTitle = f"Invalid {key}"
        dv.prompt = prompt
        dv.showErrorMessage = True
        dv.showInputMessage = True
        ws.add_data_validation(dv)
        dv.add(rng)

    def header(self, ws: Any, cols: Sequence[str], widths: Sequence[int]) -> None:
        """A bold, shaded, frozen header row with the column widths."""
        for ci_, (c, wdt) in enumerate(zip(cols, widths), start=1):
            cell = ws.cell(row=1, column=ci_, value=c)
            cell.font, cell.fill = self.bold, self.head_fill
            ws.column_dimensions[chr(64 + ci_)].width = wdt
        ws.freeze_panes = "A2"

    def cover(self, unit_id: str, problem: str | None, labels: list[str]) -> None:
        """The cover: unit, problem, phase dropdown, initiatives and how to fill in."""
        model, bold, wrap = self.model, self.bold, self.wrap
        cover = self.wb.active
        cover.title = COVER
        self.header(cover, ["field", "value", "description"], [26, 60, 70])
        phase_names = "; ".join(f"{i}. {p.name}" for i, p in enumerate(model.phases, start=1))
        cover_rows = [
            ("unit_id", unit_id, "Unit identifier (e.g. NUTS-3 code)."),
            ("problem", problem, "The persistent policy problem this assessment addresses."),
            ("phase", None, f"Current phase of the collaboration (dropdown): {phase_names}."),
            ("assessed_by", None, "Who filled in this assessment (team, workshop)."),
            ("date", None, "Date of the assessment (YYYY-MM-DD)."),
            (
                "model",
                f"{model.name} {model.version}".strip(),
                "Model file used for this template.",
            ),
        ]
        for ri, (k, v, d) in enumerate(cover_rows, start=2):
            cover.cell(row=ri, column=1, value=k).font = bold
            cover.cell(row=ri, column=2, value=v)
            cover.cell(row=ri, column=3, value=d).alignment = wrap
            if k in ("problem", "phase", "assessed_by", "date") and v is None:
                cover.cell(row=ri, column=2).fill = self.fill_in
        self.dropdown(cover, "phase", "B4", "Select the FSG phase")
        r = len(cover_rows) + 3
        cover.cell(
            row=r,
            column=1,
            value="Initiatives without measurable impact (prevention-pyramid inventory)",
        ).font = bold
        for i, lab in enumerate(labels, start=1):
            cover.cell(row=r + i, column=1, value="initiative")
            cover.cell(row=r + i, column=2, value=lab).alignment = wrap
        if not labels:
            cover.cell(
                row=r + 1,
                column=3,
                value="(none given; add rows with field 'initiative' if relevant)",
            )
        scale = "; ".join(model.scale_labels)
        cover.cell(
            row=r + len(labels) + 3,
            column=2,
            value=(
                f"How to fill in: rate each item on the sheets {', '.join(b.sheet for b in model.blocks)} "
                f"({scale}) and list the evidence (one piece per line or separated by ';'). "
                "Write SWOT items on the SWOT sheet: S/W are internal to the partnership, O/T external "
                "(policy, funding, partners, context). Do not compare or rank cities."
            ),
        ).alignment = wrap

    def blocks(self) -> None:
        """One sheet per block: an item a row, rating (dropdown) and evidence to fill in."""
        for b in self.model.blocks:
            ws = self.wb.create_sheet(b.sheet)
            self.header(ws, BLOCK_COLUMNS, [30, 30, 50, 70, 24, 60])
            for ri, it in enumerate(b.items, start=2):
                vals = [it.id, it.name, it.definition, _questions_text(it, self.model), None, None]
                for ci_, v in enumerate(vals, start=1):
                    ws.cell(row=ri, column=ci_, value=v).alignment = self.wrap
                ws.cell(row=ri, column=5).fill = self.fill_in
                ws.cell(row=ri, column=6).fill = self.fill_in
            self.dropdown(ws, "rating", f"E2:E{len(b.items) + 1}", "Rate on the 1-4 scale")

    def tables(self, swot_rows: int, table_rows: int) -> None:
        """The SWOT, next actions, stakeholders and phase guide sheets."""
        wb = self.wb
        ws = wb.create_sheet(SWOT)
        self.header(ws, SWOT_COLUMNS, [22, 32, 12, 90])
        last = swot_rows + 1
        self.dropdown(ws, "block", f"A2:A{last}", "Block (or 'general')")
        self.dropdown(ws, "item_id", f"B2:B{last}", "Item id (optional for 'general')")
        self.dropdown(ws, "quadrant", f"C2:C{last}", "S, W (internal), O, T (external)")

        ws = wb.create_sheet(NEXT_ACTIONS)
        self.header(ws, ACTION_COLUMNS, [70, 30, 14, 32])
        self.dropdown(ws, "item_id", f"D2:D{table_rows + 1}", "Related item (optional)")

        ws = wb.create_sheet(STAKEHOLDERS)
        self.header(ws, STAKEHOLDER_COLUMNS, [20, 45, 60])
        self.dropdown(ws, "sector", f"A2:A{table_rows + 1}", "Sector")

        ws = wb.create_sheet(PHASE_GUIDE)
        self.header(ws, ["phase", "name", "definition", "questions"], [8, 26, 70, 70])
        for ri, p in enumerate(self.model.phases, start=2):
            for ci_, v in enumerate([ri - 1, p.name, p.definition, "\n".join(p.questions)], 1):
                ws.cell(row=ri, column=ci_, value=v).alignment = self.wrap


def template(
    unit_id: str,
    path: str | Path,
    problem: str | None = None,
    initiatives: Iterable[Any] | pd.DataFrame | None = None,
    model: CIModel | str | Path | None = None,
    swot_rows: int = 80,
    table_rows: int = 25,
) -> Path:
    """Write a fill-in Collective Impact self-assessment workbook (XLSX).

    Sheets: ``Cover`` (unit, policy problem, phase dropdown, initiatives without measurable
    impact), one sheet per block (``Conditions``, ``Preconditions``, ``Backbone functions``;
    one row per item with id, name, definition, guiding questions, a rating dropdown on the
    1-4 scale and evidence), ``SWOT`` (block, item_id, quadrant S/W/O/T dropdown, text),
    ``Next actions``, ``Stakeholders`` (sector dropdown), ``Phase guide`` and a hidden
    ``Lists`` sheet feeding the dropdowns.

    Parameters
    ----------
    unit_id : str
        Unit identifier (e.g. NUTS-3 code ``"BE212"``).
    path : str or Path
        Where to write the ``.xlsx`` file (parent folders are created).
    problem : str, optional
        The persistent policy problem the assessment addresses.
    initiatives : list, optional
        Initiatives from the prevention-pyramid inventory that showed no measurable impact:
        names/ids as str, ``(id, name)`` tuples, dicts with ``id``/``name`` or a DataFrame.
    model : CIModel or path, optional
        Default :func:`load_model()`.
    swot_rows, table_rows : int
        Number of pre-formatted empty rows on the SWOT and the other list sheets.

    Returns
    -------
    Path
        The written file.

    Example
    -------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> p = template("BE212", Path(tempfile.mkdtemp()) / "BE212_ci.xlsx", problem="Youth nuisance",
    ...              initiatives=["P07: street-corner work"])
    >>> load_workbook(p).sheetnames[:3]
    ['Cover', 'Conditions', 'Preconditions']
    """
    model = _resolve_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w = _Writer(model)
    w.lists()
    w.cover(unit_id, problem, _initiative_labels(initiatives))
    w.blocks()
    w.tables(swot_rows, table_rows)
    wb = w.wb
    wb.move_sheet(LISTS, offset=len(wb.sheetnames))
    wb.save(path)
    return path


def template_markdown(
    unit_id: str,
    problem: str | None = None,
    initiatives: Iterable[Any] | pd.DataFrame | None = None,
    model: CIModel | str | Path | None = None,
) -> str:
    """The self-assessment template as Markdown (for printing or a workshop wall).

    Example
    -------
    >>> md = template_markdown("BE212", problem="Youth nuisance")
    >>> md.splitlines()[0]
    '# Collective Impact self-assessment: BE212'
    """
    model = _resolve_model(model)
    boxes = "  ".join(f"[ ] {lab}" for lab in model.scale_labels)
    out = [
        f"# Collective Impact self-assessment: {unit_id}",
        "",
        f"*{model.name} (model {model.version}). Rating scale: "
        f"{'; '.join(model.scale_labels)}. Cities are not compared or ranked.*",
        "",
        f"**Unit:** {unit_id}",
        "",
        f"**Policy problem:** {problem or '______________________________'}",
        "",
        "## Initiatives without measurable impact (prevention-pyramid inventory)",
        "",
    ]
    labels = _initiative_labels(initiatives)
    out += [f"- {lab}" for lab in labels] or ["- ______________________________"]
    out += ["", "## Phase", "", "Tick the phase the collaboration is in now:", ""]
    out += [f"- [ ] {i}. **{p.name}**: {p.definition}" for i, p in enumerate(model.phases, start=1)]
    for b in model.blocks:
        out += ["", f"## {b.name}", ""]
        for it in b.items:
            out += [f"### {it.name} (`{it.id}`)", "", it.definition, "", "Guiding questions:", ""]
            for qid, qname in model.quadrants.items():
                qs = it.questions.get(qid, ())
                if qs:
                    out.append(f"- **{qname}:** {' '.join(qs)}")
            out += ["", f"Rating: {boxes}", "", "Evidence: ______________________________", ""]
    q = model.quadrants
    ids = list(q)
    out += ["## SWOT", "", f"| {q[ids[0]]} (internal) | {q[ids[1]]} (internal) |", "|---|---|"]
    out += ["| | |"] * 4
    out += ["", f"| {q[ids[2]]} (external) | {q[ids[3]]} (external) |", "|---|---|"]
    out += ["| | |"] * 4
    out += [
        "",
        "## Next actions",
        "",
        "| Action | Owner | Due | Related item |",
        "|---|---|---|---|",
    ]
    out += ["| | | | |"] * 5
    out += [
        "",
        "## Stakeholders by sector",
        "",
        "| Sector | Organisation | Role |",
        "|---|---|---|",
    ]
    out += [f"| {name} | | |" for name in model.sectors.values()]
    out += ["", "## Sources", ""]
    out += [f"- {s.get('citation', '')} {s.get('url', '')}".rstrip() for s in model.sources]
    return "\n".join(out) + "\n"


def template_html(
    unit_id: str,
    problem: str | None = None,
    initiatives: Iterable[Any] | pd.DataFrame | None = None,
    model: CIModel | str | Path | None = None,
) -> str:
    """The self-assessment template as a stand-alone HTML page (from :func:`template_markdown`).

    Example
    -------
    >>> "<h1>" in template_html("BE212")
    True
    """
    md = template_markdown(unit_id, problem=problem, initiatives=initiatives, model=model)
    return markdown_to_html(md, title=f"Collective Impact self-assessment: {unit_id}")
