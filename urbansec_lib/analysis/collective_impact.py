"""Collective Impact readiness and SWOT self-assessment (UA Partnership Action 5, method 2).

The model (five conditions, three preconditions, six backbone functions, five FSG phases, the
Tamarack 1-4 scale and the checklist prompts) is replaceable data in
``urbansec_lib/ci_models/collective_impact.yaml``; see ``/work/shared/DOMAIN.md`` section 2 for
the sources. The workflow is:

1. :func:`template` writes a fill-in workbook per city (or :func:`template_markdown` /
   :func:`template_html` for a workshop hand-out). The cover lists the initiatives of the
   prevention-pyramid inventory that showed no measurable impact, so the two Action 5 methods
   connect.
2. :func:`read` reads a filled workbook into a :class:`CIAssessment`; every input problem is
   located (sheet, row, column) and all of them are raised together as a
   :class:`~urbansec_lib.core.errors.ValidationError`.
3. :func:`plot_swot_matrix`, :func:`plot_condition_heatmap`, :func:`plot_readiness` draw one or
   several assessments; :func:`synthesis` finds recurring items and lessons across 3-5 cities.

No function scores or orders cities: cities always appear in the order they are given.

Example
-------
>>> from urbansec_lib import collective_impact as ci
>>> path = ci.template("BE212", "BE212_ci.xlsx", problem="Youth nuisance")  # doctest: +SKIP
>>> a = ci.read(path)  # after the workshop has filled it in  # doctest: +SKIP
>>> print(a.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from ..core.schema import Check, Column, TableSchema, Unique

__all__ = [
    "CIAssessment",
    "CIBlock",
    "CIItem",
    "CIModel",
    "CIPhase",
    "CISynthesis",
    "DEFAULT_MODEL_PATH",
    "load_model",
    "plot_condition_heatmap",
    "plot_readiness",
    "plot_swot_matrix",
    "read",
    "synthesis",
    "overview",
    "strengths",
    "template",
    "template_html",
    "template_markdown",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "ci_models" / "collective_impact.yaml"

COVER = "Cover"
SWOT = "SWOT"
NEXT_ACTIONS = "Next actions"
STAKEHOLDERS = "Stakeholders"
PHASE_GUIDE = "Phase guide"
LISTS = "Lists"
GENERAL = "general"

BLOCK_COLUMNS = ["id", "name", "definition", "guiding_questions", "rating", "evidence"]
SWOT_COLUMNS = ["block", "item_id", "quadrant", "text"]
ACTION_COLUMNS = ["action", "owner", "due", "item_id"]
STAKEHOLDER_COLUMNS = ["sector", "organisation", "role"]

_QUADRANT_COLOURS = {"S": "#dcefdc", "W": "#f8dcdc", "O": "#dce8f8", "T": "#fbe8cf"}


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CIItem:
    """One assessable item (a condition, precondition or backbone function)."""

    id: str
    name: str
    definition: str
    block: str
    questions: dict[str, tuple[str, ...]]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CIBlock:
    """A block of items, written to its own sheet of the workbook."""

    id: str
    name: str
    sheet: str
    items: tuple[CIItem, ...]


@dataclass(frozen=True)
class CIPhase:
    """One of the FSG phases of collective impact."""

    id: str
    name: str
    definition: str
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CIModel:
    """The Collective Impact model loaded from YAML (see :func:`load_model`).

    Attributes
    ----------
    scale : dict
        Rating value -> label, e.g. ``{1: "Just begun", ..., 4: "Completely achieved"}``.
    quadrants : dict
        Quadrant id -> name, in the order S, W, O, T.
    blocks : tuple of CIBlock
    phases : tuple of CIPhase
    sectors : dict
        Stakeholder sector id -> name.
    themes : tuple of dict
        Keyword themes (``id``, ``name``, ``keywords``) used by :func:`synthesis`.
    """

    name: str
    version: str
    sources: tuple[dict, ...]
    scale: dict[int, str]
    gap_at_or_below: int
    quadrants: dict[str, str]
    blocks: tuple[CIBlock, ...]
    phases: tuple[CIPhase, ...]
    sectors: dict[str, str]
    themes: tuple[dict, ...] = ()
    path: str = ""

    @property
    def scale_labels(self) -> list[str]:
        """Dropdown labels, e.g. ``["1 - Just begun", ..., "4 - Completely achieved"]``."""
        return [f"{v} - {lab}" for v, lab in self.scale.items()]

    @property
    def items(self) -> pd.DataFrame:
        """All items as a tidy frame (block, block_name, item_id, item_name, definition)."""
        rows = [
            (b.id, b.name, it.id, it.name, it.definition) for b in self.blocks for it in b.items
        ]
        return pd.DataFrame(
            rows, columns=["block", "block_name", "item_id", "item_name", "definition"]
        )

    def block(self, block_id: str) -> CIBlock:
        """The block with id ``block_id``."""
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)

    def item(self, item_id: str) -> CIItem:
        """The item with id ``item_id`` (ids are unique across blocks)."""
        for b in self.blocks:
            for it in b.items:
                if it.id == item_id:
                    return it
        raise KeyError(item_id)


def _qkey(name: str) -> str:
    return name.strip().lower()


def load_model(path: str | Path | None = None) -> CIModel:
    """Load the Collective Impact model from YAML.

    Parameters
    ----------
    path : str or Path, optional
        A model file; default the packaged ``ci_models/collective_impact.yaml``.

    Returns
    -------
    CIModel

    Raises
    ------
    ValidationError
        With every problem located by its YAML path (e.g. ``blocks[0].items[2].id``).

    Example
    -------
    >>> m = load_model()
    >>> [b.id for b in m.blocks]
    ['conditions', 'preconditions', 'backbone_functions']
    >>> m.scale_labels[0]
    '1 - Just begun'
    """
    path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    f = str(path)
    raw = read_yaml_mapping(path, f)
    problems: list[Problem] = []

    def need(d: Any, key: str, where: str, kind: type = str) -> Any:
        val = d.get(key) if isinstance(d, dict) else None
        if val is None or not isinstance(val, kind) or (kind is str and not val.strip()):
            exp = {str: "a non-empty text", list: "a list", dict: "a mapping", int: "an integer"}
            problems.append(Problem(f, None, f"{where}{key}", val, exp.get(kind, str(kind))))
            return None
        return val

    if not isinstance(raw, dict):
        raise ValidationError([Problem(f, None, None, raw, "a YAML mapping")], what=f)
    name = need(raw, "name", "") or ""
    version = str(raw.get("version", ""))
    sources = tuple(raw.get("sources") or ())
    source_ids = {s.get("id") for s in sources if isinstance(s, dict)}

    scale: dict[int, str] = {}
    scale_raw = need(raw, "scale", "", dict) or {}
    levels = need(scale_raw, "levels", "scale.", list) if scale_raw else None
    for i, lev in enumerate(levels or []):
        v, lab = (lev or {}).get("value"), (lev or {}).get("label")
        if not isinstance(v, int) or isinstance(v, bool) or v in scale:
            problems.append(Problem(f, None, f"scale.levels[{i}].value", v, "a unique integer"))
        elif not isinstance(lab, str) or not lab.strip():
            problems.append(Problem(f, None, f"scale.levels[{i}].label", lab, "a label"))
        else:
            scale[v] = lab.strip()
    gap = scale_raw.get("gap_at_or_below", 2) if isinstance(scale_raw, dict) else 2

    quadrants: dict[str, str] = {}
    for i, q in enumerate(need(raw, "quadrants", "", list) or []):
        qid, qname = (q or {}).get("id"), (q or {}).get("name")
        if not isinstance(qid, str) or not isinstance(qname, str) or qid in quadrants:
            problems.append(Problem(f, None, f"quadrants[{i}]", q, "a unique id and a name"))
        else:
            quadrants[qid] = qname
    if quadrants and len(quadrants) != 4:
        problems.append(Problem(f, None, "quadrants", list(quadrants), "exactly four quadrants"))
    qkeys = {_qkey(n): qid for qid, n in quadrants.items()}

    blocks: list[CIBlock] = []
    seen_items: dict[str, str] = {}
    seen_blocks: set[str] = set()
    sheets = {COVER, SWOT, NEXT_ACTIONS, STAKEHOLDERS, PHASE_GUIDE, LISTS}
    for bi, b in enumerate(need(raw, "blocks", "", list) or []):
        w = f"blocks[{bi}]."
        bid, bname, sheet = need(b, "id", w), need(b, "name", w), need(b, "sheet", w)
        if bid in seen_blocks or bid == GENERAL:
            problems.append(Problem(f, None, f"{w}id", bid, "a unique block id, not 'general'"))
        if sheet and (sheet in sheets or len(sheet) > 31):
            problems.append(
                Problem(f, None, f"{w}sheet", sheet, "a unique sheet name of <= 31 characters")
            )
        sheets.add(sheet)
        seen_blocks.add(bid)
        items = []
        for ii, it in enumerate(need(b, "items", w, list) or []):
            wi = f"{w}items[{ii}]."
            iid, iname = need(it, "id", wi), need(it, "name", wi)
            idef = need(it, "definition", wi)
            if iid in seen_items:
                problems.append(
                    Problem(
                        f,
                        None,
                        f"{wi}id",
                        iid,
                        f"an id unique across blocks (also in {seen_items[iid]})",
                    )
                )
            seen_items[iid] = str(bid)
            qs: dict[str, tuple[str, ...]] = {}
            for key, lst in ((it or {}).get("questions") or {}).items():
                if _qkey(key) not in qkeys:
                    problems.append(
                        Problem(
                            f,
                            None,
                            f"{wi}questions.{key}",
                            key,
                            f"one of {sorted(_qkey(n) for n in quadrants.values())}",
                        )
                    )
                    continue
                qs[qkeys[_qkey(key)]] = tuple(str(q) for q in (lst or []))
            for s in (it or {}).get("sources") or ():
                if s not in source_ids:
                    problems.append(Problem(f, None, f"{wi}sources", s, "an id listed in sources"))
            items.append(
                CIItem(
                    str(iid),
                    str(iname),
                    str(idef),
                    str(bid),
                    qs,
                    tuple((it or {}).get("sources") or ()),
                )
            )
        blocks.append(CIBlock(str(bid), str(bname), str(sheet), tuple(items)))

    phases: list[CIPhase] = []
    praw = need(raw, "phases", "", dict) or {}
    for pi, p in enumerate(need(praw, "items", "phases.", list) if praw else []):
        w = f"phases.items[{pi}]."
        pid, pname, pdef = need(p, "id", w), need(p, "name", w), need(p, "definition", w)
        phases.append(
            CIPhase(str(pid), str(pname), str(pdef), tuple((p or {}).get("questions") or ()))
        )

    sectors: dict[str, str] = {}
    for si, s in enumerate(need(raw, "stakeholder_sectors", "", list) or []):
        sid, sname = (s or {}).get("id"), (s or {}).get("name")
        if not isinstance(sid, str) or not isinstance(sname, str) or sid in sectors:
            problems.append(
                Problem(f, None, f"stakeholder_sectors[{si}]", s, "a unique id and name")
            )
        else:
            sectors[sid] = sname
    themes = tuple(t for t in (raw.get("themes") or ()) if isinstance(t, dict))
    for ti, t in enumerate(themes):
        if not t.get("id") or not isinstance(t.get("keywords"), list):
            problems.append(Problem(f, None, f"themes[{ti}]", t, "an id and a keyword list"))
    if problems:
        raise ValidationError(problems, what=f)
    return CIModel(
        name=name,
        version=version,
        sources=sources,
        scale=dict(sorted(scale.items())),
        gap_at_or_below=int(gap),
        quadrants=quadrants,
        blocks=tuple(blocks),
        phases=tuple(phases),
        sectors=sectors,
        themes=themes,
        path=f,
    )


_MODEL_CACHE: dict[str, CIModel] = {}


def _resolve_model(model: CIModel | str | Path | None) -> CIModel:
    if isinstance(model, CIModel):
        return model
    key = str(model or DEFAULT_MODEL_PATH)
    if key not in _MODEL_CACHE:
        _MODEL_CACHE[key] = load_model(model)
    return _MODEL_CACHE[key]


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
    >>> p = template("BE212", "/tmp/BE212_ci.xlsx", problem="Youth nuisance",
    ...              initiatives=["P07: street-corner work"])  # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    model = _resolve_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fill_in = PatternFill("solid", fgColor="FFF9D6")
    head_fill = PatternFill("solid", fgColor="DDE4EE")

    wb = Workbook()
    cover = wb.active
    cover.title = COVER

    # Lists (hidden) feeding the dropdowns.
    lists = wb.create_sheet(LISTS)
    all_items = [it.id for b in model.blocks for it in b.items]
    columns = {
        "rating": model.scale_labels,
        "phase": [p.name for p in model.phases],
        "quadrant": list(model.quadrants),
        "block": [b.id for b in model.blocks] + [GENERAL],
        "item_id": all_items,
        "sector": list(model.sectors),
    }
    refs = {}
    for ci_, (key, values) in enumerate(columns.items(), start=1):
        letter = chr(64 + ci_)
        lists.cell(row=1, column=ci_, value=key).font = bold
        for ri, v in enumerate(values, start=2):
            lists.cell(row=ri, column=ci_, value=v)
        refs[key] = f"={LISTS}!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    def dropdown(ws, key: str, rng: str, prompt: str) -> None:
        dv = DataValidation(type="list", formula1=refs[key], allow_blank=True)
        dv.error = f"Choose a {key} from the list"
        dv.errorTitle = f"Invalid {key}"
        dv.prompt = prompt
        dv.showErrorMessage = True
        dv.showInputMessage = True
        ws.add_data_validation(dv)
        dv.add(rng)

    def header(ws, cols: Sequence[str], widths: Sequence[int]) -> None:
        for ci_, (c, wdt) in enumerate(zip(cols, widths), start=1):
            cell = ws.cell(row=1, column=ci_, value=c)
            cell.font, cell.fill = bold, head_fill
            ws.column_dimensions[chr(64 + ci_)].width = wdt
        ws.freeze_panes = "A2"

    # Cover
    header(cover, ["field", "value", "description"], [26, 60, 70])
    phase_names = "; ".join(f"{i}. {p.name}" for i, p in enumerate(model.phases, start=1))
    cover_rows = [
        ("unit_id", unit_id, "Unit identifier (e.g. NUTS-3 code)."),
        ("problem", problem, "The persistent policy problem this assessment addresses."),
        ("phase", None, f"Current phase of the collaboration (dropdown): {phase_names}."),
        ("assessed_by", None, "Who filled in this assessment (team, workshop)."),
        ("date", None, "Date of the assessment (YYYY-MM-DD)."),
        ("model", f"{model.name} {model.version}".strip(), "Model file used for this template."),
    ]
    for ri, (k, v, d) in enumerate(cover_rows, start=2):
        cover.cell(row=ri, column=1, value=k).font = bold
        cover.cell(row=ri, column=2, value=v)
        cover.cell(row=ri, column=3, value=d).alignment = wrap
        if k in ("problem", "phase", "assessed_by", "date") and v is None:
            cover.cell(row=ri, column=2).fill = fill_in
    dropdown(cover, "phase", "B4", "Select the FSG phase")
    r = len(cover_rows) + 3
    cover.cell(
        row=r,
        column=1,
        value="Initiatives without measurable impact (prevention-pyramid inventory)",
    ).font = bold
    labels = _initiative_labels(initiatives)
    for i, lab in enumerate(labels, start=1):
        cover.cell(row=r + i, column=1, value="initiative")
        cover.cell(row=r + i, column=2, value=lab).alignment = wrap
    if not labels:
        cover.cell(
            row=r + 1, column=3, value="(none given; add rows with field 'initiative' if relevant)"
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

    # Block sheets
    for b in model.blocks:
        ws = wb.create_sheet(b.sheet)
        header(ws, BLOCK_COLUMNS, [30, 30, 50, 70, 24, 60])
        for ri, it in enumerate(b.items, start=2):
            vals = [it.id, it.name, it.definition, _questions_text(it, model), None, None]
            for ci_, v in enumerate(vals, start=1):
                ws.cell(row=ri, column=ci_, value=v).alignment = wrap
            ws.cell(row=ri, column=5).fill = fill_in
            ws.cell(row=ri, column=6).fill = fill_in
        dropdown(ws, "rating", f"E2:E{len(b.items) + 1}", "Rate on the 1-4 scale")

    # SWOT
    ws = wb.create_sheet(SWOT)
    header(ws, SWOT_COLUMNS, [22, 32, 12, 90])
    last = swot_rows + 1
    dropdown(ws, "block", f"A2:A{last}", "Block (or 'general')")
    dropdown(ws, "item_id", f"B2:B{last}", "Item id (optional for 'general')")
    dropdown(ws, "quadrant", f"C2:C{last}", "S, W (internal), O, T (external)")

    ws = wb.create_sheet(NEXT_ACTIONS)
    header(ws, ACTION_COLUMNS, [70, 30, 14, 32])
    dropdown(ws, "item_id", f"D2:D{table_rows + 1}", "Related item (optional)")

    ws = wb.create_sheet(STAKEHOLDERS)
    header(ws, STAKEHOLDER_COLUMNS, [20, 45, 60])
    dropdown(ws, "sector", f"A2:A{table_rows + 1}", "Sector")

    ws = wb.create_sheet(PHASE_GUIDE)
    header(ws, ["phase", "name", "definition", "questions"], [8, 26, 70, 70])
    for ri, p in enumerate(model.phases, start=2):
        for ci_, v in enumerate([ri - 1, p.name, p.definition, "\n".join(p.questions)], 1):
            ws.cell(row=ri, column=ci_, value=v).alignment = wrap
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


def _inline_md(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<!\*)\*(?!\s)(.+?)\*", r"<em>\1</em>", text)
    text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
    text = text.replace("[ ]", "&#9744;")
    return re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', text)


def _markdown_to_html(md: str, title: str = "") -> str:
    """Convert the Markdown subset written by :func:`template_markdown` to an HTML page."""
    body: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif m := re.match(r"^(#{1,6})\s+(.*)$", line):
            n = len(m.group(1))
            body.append(f"<h{n}>{_inline_md(m.group(2))}</h{n}>")
            i += 1
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline_md(lines[i][2:])}</li>")
                i += 1
            body.append("<ul>\n" + "\n".join(items) + "\n</ul>")
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            head, data = rows[0], [r for r in rows[1:] if not all(set(c) <= {"-"} for c in r)]
            th = "".join(f"<th>{_inline_md(c)}</th>" for c in head)
            trs = "\n".join(
                "<tr>" + "".join(f"<td>{_inline_md(c) or '&nbsp;'}</td>" for c in r) + "</tr>"
                for r in data
            )
            body.append(f"<table>\n<tr>{th}</tr>\n{trs}\n</table>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#|- |\|)", lines[i]):
                para.append(_inline_md(lines[i]))
                i += 1
            body.append("<p>" + "<br>\n".join(para) + "</p>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;width:100%;margin:1em 0}"
        "td,th{border:1px solid #999;padding:.4em;vertical-align:top;height:2.5em}"
        "th{background:#dde4ee}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


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
    return _markdown_to_html(md, title=f"Collective Impact self-assessment: {unit_id}")


# --------------------------------------------------------------------------------------------
# Reading filled workbooks
# --------------------------------------------------------------------------------------------


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _norm_header(v: Any) -> str:
    return re.sub(r"\s+", "_", str(v).strip().lower()) if v is not None else ""


def _as_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _sheet(wb: Any, schema: TableSchema, f: str, problems: list[Problem]) -> pd.DataFrame | None:
    """A sheet validated by its schema (``schema.name`` is the sheet): typed rows indexed
    by spreadsheet row, blank rows left out; None when the sheet or a column is missing.
    The problems found are added to ``problems``."""
    sheet = schema.name
    if sheet not in wb.sheetnames:
        problems.append(Problem(f, None, sheet, None, f"a sheet named {sheet!r}"))
        return None
    rows = list(wb[sheet].iter_rows(values_only=True))
    head = [_norm_header(h) for h in (rows[0] if rows else ())]
    first = {h: j for j, h in reversed(list(enumerate(head)))}  # a repeated header: the first
    cols = [c for c in schema.names if c in first]
    body = [[_clean(r[first[c]]) if first[c] < len(r) else None for c in cols] for r in rows[1:]]
    raw = pd.DataFrame(body, columns=cols, index=range(2, len(body) + 2), dtype=object)
    raw = raw[~raw.isna().all(axis=1)] if len(cols) else raw
    try:
        typed = schema.validate(raw, f, rows=raw.index, raise_=False)
    except ValidationError as exc:  # a missing column
        problems += exc.problems
        return None
    problems += schema.problems
    return typed


def _texts(s: pd.Series) -> pd.Series:
    return s.map(_as_text, na_action="ignore")


def _block_schema(b: CIBlock, model: CIModel) -> TableSchema:
    """The schema of one block sheet: an item id of the block, a rating, evidence."""
    ids = ", ".join(it.id for it in b.items)
    scale_txt = "a rating on the scale " + ", ".join(repr(s) for s in model.scale_labels)
    return TableSchema(
        b.sheet,
        [
            Column(
                "id",
                "choice",
                choices=tuple(it.id for it in b.items),
                key=_texts,
                expected=f"one of the item ids of {b.name}: {ids}",
                blank_expected=f"an item id of {b.name}: {ids}",
            ),
            Column(
                "rating",
                "custom",
                expected=scale_txt,
                parse=lambda s: s.map(lambda v: _parse_rating(v, model), na_action="ignore"),
            ),
            Column("evidence", "custom", nullable=True, parse=_texts),
        ],  # fmt: skip
        extra="drop",
        unique=[Unique("id", expected="each item once")],
        prefix=f"{b.sheet}!",
    )


def _swot_schema(model: CIModel) -> TableSchema:
    """The SWOT sheet: block (or general), item id, quadrant, text; item and block agree."""
    item_block = {it.id: b.id for b in model.blocks for it in b.items}
    block_opts = {b.id: b.name for b in model.blocks}
    block_alias = {b.sheet.lower(): b.id for b in model.blocks}

    def block(v: Any) -> str | None:
        s = str(v).strip()
        if s.lower() == GENERAL:
            return GENERAL
        return _lookup(s, block_opts) or block_alias.get(s.lower())

    def mismatch(t: pd.DataFrame) -> pd.Series:
        own = t["item_id"].map(item_block)
        return t["block"].notna() & own.notna() & t["block"].ne(own)

    def mismatch_text(t: pd.DataFrame) -> pd.Series:
        return t["item_id"].map(lambda i: f"{item_block.get(i)!r}, the block of item {i!r}")

    quadrants = "one of " + ", ".join(model.quadrants)
    return TableSchema(
        SWOT,
        [
            Column(
                "block",
                "custom",
                nullable=True,
                parse=lambda s: s.map(block, na_action="ignore"),
                expected="one of " + ", ".join([*block_opts, GENERAL]),
            ),
            Column(
                "item_id",
                "choice",
                nullable=True,
                choices=tuple(item_block),
                key=_texts,
                expected="an item id of the model (see the block sheets)",
            ),
            Column(
                "quadrant",
                "custom",
                expected=quadrants,
                parse=lambda s: s.map(lambda v: _lookup(v, model.quadrants), na_action="ignore"),
            ),
            Column("text", "custom", parse=_texts, blank_expected="the text of the SWOT item"),
        ],  # fmt: skip
        extra="drop",
        checks=[Check("block", mismatch, mismatch_text)],
        prefix=f"{SWOT}!",
    )


def _actions_schema(model: CIModel) -> TableSchema:
    items = tuple(it.id for b in model.blocks for it in b.items)
    return TableSchema(
        NEXT_ACTIONS,
        [
            Column("action", "custom", parse=_texts, blank_expected="the action"),
            Column("owner", "custom", nullable=True, parse=_texts),
            Column("due", "custom", nullable=True, parse=_texts),
            Column(
                "item_id",
                "choice",
                nullable=True,
                choices=items,
                key=_texts,
                expected="an item id of the model or empty",
            ),
        ],  # fmt: skip
        extra="drop",
        prefix=f"{NEXT_ACTIONS}!",
    )


def _stakeholders_schema(model: CIModel) -> TableSchema:
    return TableSchema(
        STAKEHOLDERS,
        [
            Column(
                "sector",
                "custom",
                expected="one of the sectors " + ", ".join(model.sectors),
                parse=lambda s: s.map(lambda v: _lookup(v, model.sectors), na_action="ignore"),
            ),
            Column(
                "organisation", "custom", parse=_texts, blank_expected="the organisation or group"
            ),
            Column("role", "custom", nullable=True, parse=_texts),
        ],  # fmt: skip
        extra="drop",
        prefix=f"{STAKEHOLDERS}!",
    )


def _parse_rating(v: Any, model: CIModel) -> int | None:
    """Rating value from an int, '2', '2 - Some progress' or the label alone; None if invalid."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v) if float(v).is_integer() and int(v) in model.scale else None
    s = str(v).strip()
    m = re.match(r"^(\d+)(?:\s*[-–:.]\s*(.*))?$", s)
    if m:
        val = int(m.group(1))
        lab = (m.group(2) or "").strip().lower()
        if val in model.scale and (not lab or lab == model.scale[val].lower()):
            return val
        return None
    for val, lab in model.scale.items():
        if s.lower() == lab.lower():
            return val
    return None


def _split_evidence(v: Any) -> list[str]:
    if v is None:
        return []
    return [p.strip() for p in re.split(r"[;\n]+", str(v)) if p.strip()]


def _lookup(value: Any, options: dict[str, str]) -> str | None:
    """Map a free value to an option id via ids, names and 'n - name' forms (case-insensitive)."""
    s = re.sub(r"^\s*\d+\s*[-–.:]\s*", "", str(value)).strip().lower()
    cands = {s, s.replace(" ", "_"), s.split(" - ")[0].strip()}
    for oid, name in options.items():
        if cands & {oid.lower(), name.lower(), name.lower().rstrip("s")}:
            return oid
    return None


@dataclass
class CIAssessment:
    """A read Collective Impact self-assessment of one unit (see :func:`read`).

    Attributes
    ----------
    unit_id, problem : str
    phase : str
        Phase id (e.g. ``"organize_for_impact"``); ``phase_name`` holds its name.
    initiatives : list of str
        Initiatives without measurable impact listed on the cover.
    readiness : DataFrame
        unit_id, block, item_id, item_name, rating (Int64), rating_label, evidence,
        evidence_count, gap (rating <= 2 or no evidence).
    swot : DataFrame
        unit_id, block, item_id, item_name, quadrant, item (the text), row.
    next_actions : DataFrame
        unit_id, action, owner, due, item_id.
    stakeholders : DataFrame
        unit_id, sector, organisation, role.
    warnings : list of Problem
        Non-fatal problems (severity ``"warning"``), e.g. an empty SWOT quadrant.
    meta : dict
        Other cover fields (assessed_by, date, ...).
    """

    unit_id: str
    problem: str | None
    phase: str
    phase_name: str
    initiatives: list[str]
    readiness: pd.DataFrame
    swot: pd.DataFrame
    next_actions: pd.DataFrame
    stakeholders: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    model: CIModel | None = field(default=None, repr=False)

    @property
    def gaps(self) -> pd.DataFrame:
        """Readiness rows flagged as gaps."""
        return self.readiness[self.readiness["gap"]].reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """The readiness table (one row per item)."""
        return self.readiness.copy()

    def summary(self) -> str:
        """Plain-text summary: phase, ratings, gaps, SWOT counts and warnings."""
        model = self.model or _resolve_model(None)
        phase_no = [p.id for p in model.phases].index(self.phase) + 1
        lines = [
            f"Collective Impact self-assessment: {self.unit_id}",
            f"Policy problem: {self.problem or '-'}",
            f"Phase: {self.phase_name} ({phase_no} of {len(model.phases)})",
            f"Initiatives without measurable impact: {len(self.initiatives)}",
            f"Scale: {'; '.join(model.scale_labels)}",
            "",
        ]
        r = self.readiness[["block", "item_name", "rating", "evidence_count", "gap"]]
        lines += [r.to_string(index=False), ""]
        counts = self.swot["quadrant"].value_counts()
        lines.append(
            "SWOT items: " + ", ".join(f"{q} {int(counts.get(q, 0))}" for q in model.quadrants)
        )
        lines.append(
            f"Gaps (rating <= {model.gap_at_or_below} or no evidence): "
            + (", ".join(self.gaps["item_name"]) or "none")
        )
        lines.append(
            f"Next actions: {len(self.next_actions)}; stakeholders: {len(self.stakeholders)}"
        )
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def overview(assessments: Sequence[CIAssessment]) -> pd.DataFrame:
    """One row per city, in the order given: phase, problem, items rated, gaps, SWOT items.

    Example
    -------
    >>> overview([a1, a2]).columns.tolist()  # doctest: +SKIP
    ['unit_id', 'phase', 'problem', 'items_rated', 'gaps', 'swot_items']
    """
    rows = [
        {
            "unit_id": a.unit_id,
            "phase": a.phase_name,
            "problem": a.problem,
            "items_rated": int(a.readiness["rating"].notna().sum()),
            "gaps": int(a.readiness["gap"].sum()),
            "swot_items": len(a.swot),
        }
        for a in assessments
    ]
    return pd.DataFrame(rows).set_index("unit_id")


def strengths(assessment: CIAssessment, min_rating: int = 3) -> list[str]:
    """Names of the items rated ``min_rating`` or higher with evidence (fields of strength).

    Example
    -------
    >>> strengths(assessment)  # doctest: +SKIP
    ['Common agenda', 'Influential champion']
    """
    r = assessment.readiness
    ok = (r["rating"].fillna(0) >= min_rating) & (r["evidence_count"] > 0)
    return r.loc[ok, "item_name"].astype(str).tolist()


def _read_cover(
    wb: Any, f: str, phase_opts: dict[str, str], problems: list[Problem]
) -> tuple[Any, Any, Any, list[str], dict[str, str]]:
    """The cover sheet's fields: unit id, problem, phase, initiatives and other metadata."""
    schema = TableSchema(
        COVER,
        [
            Column("field", "custom", nullable=True, parse=_texts),
            Column("value", "custom", nullable=True, parse=lambda s: s),
        ],  # fmt: skip
        extra="drop",
        prefix=f"{COVER}!",
    )
    unit_id, problem, phase, initiatives, meta = None, None, None, [], {}
    cover = _sheet(wb, schema, f, problems)
    if cover is None:
        return unit_id, problem, phase, initiatives, meta
    seen = {}
    for r, fld, value in zip(cover.index, cover["field"], cover["value"], strict=True):
        key = _norm_header(fld) if isinstance(fld, str) else ""
        value = None if pd.isna(value) else value
        if key == "initiative":
            if value is not None:
                initiatives.append(_as_text(value))
        elif key in ("unit_id", "problem", "phase"):
            seen[key] = (int(r), value)
        elif key and value is not None:
            meta[key] = _as_text(value)
    r, unit_id = seen.get("unit_id", (None, None))
    if unit_id is None:
        problems.append(Problem(f, r, f"{COVER}!value", None, "the unit id (field 'unit_id')"))
    unit_id = _as_text(unit_id)
    problem = _as_text(seen.get("problem", (None, None))[1])
    r, ph = seen.get("phase", (None, None))
    phase = _lookup(ph, phase_opts) if ph is not None else None
    if phase is None:
        exp = "one of the phases " + ", ".join(phase_opts.values())
        problems.append(Problem(f, r, f"{COVER}!value", ph, exp))
    return unit_id, problem, phase, initiatives, meta


def read(path: str | Path, model: CIModel | str | Path | None = None) -> CIAssessment:
    """Read a filled self-assessment workbook written by :func:`template`.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file.
    model : CIModel or path, optional
        Default :func:`load_model()`.

    Returns
    -------
    CIAssessment

    Raises
    ------
    ValidationError
        Holding every problem, each located as ``Problem(file, row, "Sheet!column", ...)``:
        missing sheets or columns, missing or off-scale ratings, unknown / duplicate / missing
        items, unknown or missing phase, unknown quadrant, block or sector, missing texts.
        An empty SWOT quadrant is only a warning (``assessment.warnings``).

    Example
    -------
    >>> a = read("data/raw/collective_impact/BE212_ci.xlsx")  # doctest: +SKIP
    >>> a.readiness.head()  # doctest: +SKIP
    """
    from openpyxl import load_workbook

    model = _resolve_model(model)
    f = str(path)
    from ..core.ingest import check_xlsx, read_bytes

    data = read_bytes(path, f)
    check_xlsx(data, f)  # zip bomb / uncalculated formula -> located error before openpyxl
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one located problem
        raise ValidationError(
            [
                Problem(
                    f,
                    None,
                    None,
                    type(exc).__name__,
                    "an .xlsx workbook written by collective_impact.template()",
                )
            ],
            what=f,
        ) from exc
    problems: list[Problem] = []
    phase_opts = {p.id: p.name for p in model.phases}
    unit_id, problem, phase, initiatives, meta = _read_cover(wb, f, phase_opts, problems)
    readiness_rows = []
    for b in model.blocks:
        rows = _sheet(wb, _block_schema(b, model), f, problems)
        if rows is None:
            continue
        names = {it.id: it.name for it in b.items}
        for iid, it in names.items():
            if iid not in set(rows["id"].dropna()):
                problems.append(
                    Problem(f, None, f"{b.sheet}!id", None, f"a row for item {iid!r} ({it})")
                )
        for r in rows.itertuples():
            ev = r.evidence if isinstance(r.evidence, str) else None
            readiness_rows.append(
                (b.id, r.id, names.get(r.id), r.rating, ev, len(_split_evidence(ev)))
            )
    item_name = {it.id: it.name for b in model.blocks for it in b.items}
    item_block = {it.id: b.id for b in model.blocks for it in b.items}
    swot_rows = []
    rows = _sheet(wb, _swot_schema(model), f, problems)
    for r in [] if rows is None else rows.itertuples():
        iid = r.item_id if isinstance(r.item_id, str) else ""
        blk = r.block if isinstance(r.block, str) else item_block.get(iid, GENERAL)
        swot_rows.append((blk, iid, item_name.get(iid, ""), r.quadrant, r.text, r.Index))
    acts = _sheet(wb, _actions_schema(model), f, problems)
    stake = _sheet(wb, _stakeholders_schema(model), f, problems)
    if problems:
        raise ValidationError(problems, what=f)
    warnings: list[Problem] = []
    next_actions = acts[ACTION_COLUMNS].astype(object).where(acts[ACTION_COLUMNS].notna(), None)
    stakeholders = stake[STAKEHOLDER_COLUMNS].astype(object)
    stakeholders = stakeholders.where(stakeholders.notna(), None)
    next_actions, stakeholders = (
        next_actions.reset_index(drop=True),
        stakeholders.reset_index(drop=True),
    )
    swot = pd.DataFrame(
        swot_rows, columns=["block", "item_id", "item_name", "quadrant", "item", "row"]
    )
    for qid, qname in model.quadrants.items():
        if not (swot["quadrant"] == qid).any():
            warnings.append(
                Problem(
                    f,
                    None,
                    f"{SWOT}!quadrant",
                    None,
                    f"at least one {qname} ({qid}) item",
                    severity="warning",
                )
            )
    readiness = pd.DataFrame(
        readiness_rows,
        columns=["block", "item_id", "item_name", "rating", "evidence", "evidence_count"],
    )
    readiness["rating"] = readiness["rating"].astype("Int64")
    readiness["rating_label"] = readiness["rating"].map(model.scale).astype(object)
    readiness["gap"] = (
        (readiness["rating"].fillna(0) <= model.gap_at_or_below)
        | (readiness["evidence_count"] == 0)
    ).astype(bool)
    readiness.insert(0, "unit_id", unit_id)
    readiness = readiness[
        [
            "unit_id",
            "block",
            "item_id",
            "item_name",
            "rating",
            "rating_label",
            "evidence",
            "evidence_count",
            "gap",
        ]
    ]
    swot.insert(0, "unit_id", unit_id)
    next_actions.insert(0, "unit_id", unit_id)
    stakeholders.insert(0, "unit_id", unit_id)
    return CIAssessment(
        unit_id=str(unit_id),
        problem=problem,
        phase=str(phase),
        phase_name=phase_opts[phase],
        initiatives=initiatives,
        readiness=readiness,
        swot=swot,
        next_actions=next_actions,
        stakeholders=stakeholders,
        warnings=warnings,
        meta=meta,
        source=f,
        model=model,
    )


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _frames(data: Any, attr: str) -> pd.DataFrame:
    """Concatenate ``attr`` of one or several assessments, or pass a tidy frame through."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, CIAssessment):
        data = [data]
    data = list(data)
    if not data:
        raise ValueError("no assessments given")
    return pd.concat([getattr(a, attr) for a in data], ignore_index=True)


def _units(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["unit_id"]))


def plot_swot_matrix(
    assessment: CIAssessment | pd.DataFrame,
    max_items: int = 8,
    width: int = 60,
    max_chars: int = 140,
    model: CIModel | str | Path | None = None,
):
    """Classic 2x2 SWOT matrix of one unit, with the items as wrapped, truncated text.

    Parameters
    ----------
    assessment : CIAssessment or DataFrame
        An assessment, or its tidy ``swot`` frame (one unit).
    max_items : int
        Items shown per quadrant; the rest are counted ("... and 3 more").
    width : int
        Wrap width in characters.
    max_chars : int
        Longer items are truncated with an ellipsis.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = plot_swot_matrix(a)  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    model = _resolve_model(model if model is not None else getattr(assessment, "model", None))
    swot = _frames(assessment, "swot")
    units = _units(swot) if len(swot) else [getattr(assessment, "unit_id", "")]
    if len(units) > 1:
        raise ValueError(f"plot_swot_matrix draws one unit; got {units}")
    fig = Figure(figsize=(12, 8.5), layout="constrained")
    axes = fig.subplots(2, 2)
    kinds = ["internal", "internal", "external", "external"]
    for ax, (qid, qname), kind in zip(axes.ravel(), model.quadrants.items(), kinds):
        ax.set_facecolor(_QUADRANT_COLOURS.get(qid, "#eeeeee"))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{qname} ({kind})", fontsize=12, fontweight="bold", loc="left")
        items = swot[swot["quadrant"] == qid]
        lines: list[str] = []
        for _, row in items.head(max_items).iterrows():
            tag = f" [{row['item_name']}]" if row.get("item_name") else ""
            text = textwrap.shorten(f"{row['item']}{tag}", width=max_chars, placeholder=" ...")
            wrapped = textwrap.wrap(text, width=width) or [""]
            lines.append("\u2022 " + wrapped[0])
            lines += ["   " + w for w in wrapped[1:]]
        if len(items) > max_items:
            lines.append(f"... and {len(items) - max_items} more")
        if not lines:
            ax.text(
                0.5,
                0.5,
                "(no items)",
                ha="center",
                va="center",
                color="grey",
                style="italic",
                transform=ax.transAxes,
            )
        else:
            ax.text(
                0.02,
                0.97,
                "\n".join(lines),
                ha="left",
                va="top",
                fontsize=9.5,
                transform=ax.transAxes,
                linespacing=1.3,
            )
    title = f"SWOT: {units[0]}"
    prob = getattr(assessment, "problem", None)
    if prob:
        title += f" - {textwrap.shorten(prob, 90, placeholder=' ...')}"
    fig.suptitle(title, fontsize=13)
    return fig


def plot_condition_heatmap(
    assessments: CIAssessment | Sequence[CIAssessment] | pd.DataFrame,
    blocks: Sequence[str] | None = None,
    value: str = "items",
    model: CIModel | str | Path | None = None,
):
    """Heatmap of SWOT counts per item (condition, precondition, function) and quadrant.

    Parameters
    ----------
    assessments : CIAssessment, list of them, or a tidy ``swot`` frame
    blocks : list of str, optional
        Blocks to show (default all, plus ``general`` items if any).
    value : {"items", "cities"}
        Count SWOT items, or the number of cities naming at least one item in the cell.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = plot_condition_heatmap([a1, a2, a3])  # doctest: +SKIP
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    if value not in ("items", "cities"):
        raise ValueError("value must be 'items' or 'cities'")
    model = _resolve_model(model)
    swot = _frames(assessments, "swot")
    blocks = list(blocks) if blocks is not None else [b.id for b in model.blocks] + [GENERAL]
    rows = [
        (b.id, it.id, f"{b.name}: {it.name}")
        for b in model.blocks
        if b.id in blocks
        for it in b.items
    ]
    if GENERAL in blocks and (swot["block"] == GENERAL).any():
        rows.append((GENERAL, "", "General / cross-cutting"))
    key = pd.MultiIndex.from_tuples([(b, i) for b, i, _ in rows], names=["block", "item_id"])
    sub = swot[swot["block"].isin(blocks)]
    if value == "items":
        counts = sub.groupby(["block", "item_id", "quadrant"]).size()
    else:
        counts = sub.groupby(["block", "item_id", "quadrant"])["unit_id"].nunique()
    mat = (
        counts.unstack("quadrant")
        .reindex(index=key, columns=list(model.quadrants))
        .fillna(0)
        .astype(int)
    )
    mat.index = [lab for _, _, lab in rows]
    mat.columns = [f"{q}\n{n}" for q, n in model.quadrants.items()]
    fig = Figure(figsize=(10, 0.42 * len(mat) + 2.0), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        mat,
        annot=True,
        fmt="d",
        cmap="Blues",
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "SWOT items" if value == "items" else "cities"},
        ax=ax,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    units = _units(swot) if len(swot) else []
    ax.tick_params(axis="x", labelrotation=0)
    ax.set_title(
        textwrap.fill(f"SWOT {value} per item and quadrant ({', '.join(units)})", 70), fontsize=11
    )
    return fig


def plot_readiness(
    assessments: CIAssessment | Sequence[CIAssessment] | pd.DataFrame,
    blocks: Sequence[str] = ("conditions", "preconditions"),
    model: CIModel | str | Path | None = None,
):
    """Dot plot of the 1-4 ratings per item, one marker and colour per city.

    Cities keep the order given (never sorted by score); items keep the model order. Hollow
    markers flag ratings without evidence; the shaded band marks the gap zone (rating <= 2).

    Parameters
    ----------
    assessments : CIAssessment, list of them, or a tidy ``readiness`` frame
    blocks : list of str
        Blocks shown (default conditions and preconditions).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = plot_readiness([a1, a2, a3, a4])  # doctest: +SKIP
    """
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    model = _resolve_model(model)
    df = _frames(assessments, "readiness")
    units = _units(df)
    items = [(b, it) for b in model.blocks if b.id in blocks for it in b.items]
    ypos = {it.id: len(items) - 1 - k for k, (_, it) in enumerate(items)}
    df = df[df["item_id"].isin(ypos)]
    colours = sns.color_palette("colorblind", max(len(units), 1))
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    # first city on top within each item row
    offsets = np.linspace(0.25, -0.25, len(units)) if len(units) > 1 else np.zeros(1)
    fig = Figure(figsize=(9, 0.55 * len(items) + 1.8), layout="constrained")
    ax = fig.subplots()
    ax.axvspan(0.5, model.gap_at_or_below + 0.5, color="#f3e0e0", zorder=0)
    handles = []
    for k, u in enumerate(units):
        d = df[(df["unit_id"] == u) & df["rating"].notna()]
        y = d["item_id"].map(ypos).to_numpy(float) + offsets[k]
        x = d["rating"].to_numpy(float)
        has_ev = (d["evidence_count"] > 0).to_numpy()
        mk, col = markers[k % len(markers)], colours[k]
        ax.scatter(x[has_ev], y[has_ev], marker=mk, color=col, s=60, zorder=3)
        ax.scatter(
            x[~has_ev], y[~has_ev], marker=mk, facecolors="none", edgecolors=col, s=60, zorder=3
        )
        handles.append(Line2D([], [], marker=mk, color=col, linestyle="", markersize=8, label=u))
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            color="grey",
            markerfacecolor="none",
            linestyle="",
            label="no evidence",
        )
    )
    ax.set_yticks(list(ypos.values()), [f"{it.name}" for _, it in items])
    ax.set_xticks(
        list(model.scale), [f"{v}\n{textwrap.fill(lab, 12)}" for v, lab in model.scale.items()]
    )
    ax.set_xlim(0.5, max(model.scale) + 0.5)
    ax.set_ylim(-0.6, len(items) - 0.4)
    for k in range(len(items) - 1):
        ax.axhline(k + 0.5, color="#dddddd", linewidth=0.6, zorder=1)
    ax.grid(axis="x", color="#dddddd", zorder=1)
    ax.set_xlabel("Rating (Tamarack-style 1-4 scale)")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        title="City (order as given)",
    )
    ax.set_title("Collective Impact readiness per condition / precondition", fontsize=11)
    return fig


# --------------------------------------------------------------------------------------------
# Cross-city synthesis
# --------------------------------------------------------------------------------------------

_EXTRA_STOP = {
    "lack",
    "lacking",
    "missing",
    "insufficient",
    "limited",
    "weak",
    "strong",
    "good",
    "poor",
    "city",
    "cities",
    "local",
    "new",
    "current",
    "currently",
    "e",
    "g",
    "eg",
    "etc",
    "partnership",
}
_SUFFIXES = (
    "ations",
    "ation",
    "ators",
    "ator",
    "ating",
    "ated",
    "ates",
    "ate",
    "ings",
    "ing",
    "ions",
    "ion",
    "ers",
    "er",
    "ies",
    "es",
    "ed",
    "ly",
    "s",
)


def _tokens(text: str) -> list[str]:
    """Lower-case, strip accents and punctuation, drop stopwords."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return [
        w
        for w in re.findall(r"[a-z0-9]+", t)
        if w not in ENGLISH_STOP_WORDS and w not in _EXTRA_STOP and len(w) > 1
    ]


def _stem(word: str) -> str:
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)] + ("y" if suf == "ies" else "")
    return word


def normalise_text(text: str) -> str:
    """Normalised, stemmed text used for grouping ("No dedicated staff!" -> "dedic staff")."""
    return " ".join(_stem(w) for w in _tokens(text))


@dataclass
class CISynthesis:
    """Cross-city synthesis of SWOT self-assessments (see :func:`synthesis`).

    Attributes
    ----------
    units : list of str
        Units in the order given.
    recurring : DataFrame
        quadrant, grouping ("item", "keyword", "text_cluster"), block, item_id, theme,
        n_cities, cities (comma-separated, in the given order), n_items, examples.
    lessons : DataFrame
        kind, quadrant, block, item_id, theme, n_cities, cities, lesson (a sentence).
    """

    units: list[str]
    recurring: pd.DataFrame
    lessons: pd.DataFrame
    seed: int = 0

    def table(self) -> pd.DataFrame:
        """The recurring-items table."""
        return self.recurring.copy()

    def summary(self) -> str:
        """The lessons as a bulleted text."""
        head = f"Cross-city synthesis of {len(self.units)} cities ({', '.join(self.units)})"
        return "\n".join([head, *[f"- {s}" for s in self.lessons["lesson"]]])


def _singular(name: str) -> str:
    w = name.strip().lower()
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    return w[:-1] if w.endswith("s") else w


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _examples(group: pd.DataFrame, n: int = 3) -> str:
    firsts = group.drop_duplicates("unit_id").head(n)
    return " | ".join(f"{t} ({u})" for t, u in zip(firsts["item"], firsts["unit_id"]))


def _cities(group: pd.DataFrame, units: list[str]) -> list[str]:
    present = set(group["unit_id"])
    return [u for u in units if u in present]


def synthesis(
    assessments: Sequence[CIAssessment],
    seed: int = 0,
    min_cities: int = 2,
    min_items: int = 4,
    distance_threshold: float = 0.75,
    method: str = "agglomerative",
    model: CIModel | str | Path | None = None,
) -> CISynthesis:
    """Recurring SWOT items and readiness patterns across 3-5 cities (never a score table).

    Items are grouped three ways, within each quadrant: by model item (same condition /
    precondition / function), by keyword theme (the model's ``themes``, matched on lower-cased,
    punctuation- and stopword-free words) and by text similarity (TF-IDF of the normalised,
    lightly stemmed text, clustered on cosine distance) when a quadrant has at least
    ``min_items`` items. A group recurs when it spans at least ``min_cities`` cities.

    Parameters
    ----------
    assessments : list of CIAssessment
        Distinct units; they are reported in the order given.
    seed : int
        Random state for ``method="kmeans"`` (agglomerative clustering is deterministic).
    min_cities : int
        Minimum number of cities for a recurring group or lesson.
    min_items : int
        Minimum number of items in a quadrant for text clustering.
    distance_threshold : float
        Cosine-distance threshold for average-linkage agglomerative clustering.
    method : {"agglomerative", "kmeans"}
        Text-clustering method (k-means uses about one cluster per item of a city).

    Returns
    -------
    CISynthesis

    Example
    -------
    >>> syn = synthesis([a_be, a_es, a_fr, a_fi], seed=0)  # doctest: +SKIP
    >>> print(syn.summary())  # doctest: +SKIP
    """
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    assessments = list(assessments)
    units = [a.unit_id for a in assessments]
    if len(units) < 2 or len(set(units)) != len(units):
        raise ValueError(f"synthesis needs at least two distinct units; got {units}")
    if method not in ("agglomerative", "kmeans"):
        raise ValueError("method must be 'agglomerative' or 'kmeans'")
    model = _resolve_model(model if model is not None else assessments[0].model)
    n = len(units)
    qorder = list(model.quadrants)
    swot = pd.concat([a.swot for a in assessments], ignore_index=True)
    swot["norm"] = swot["item"].map(normalise_text)
    rec: list[dict] = []

    def add(grouping: str, q: str, g: pd.DataFrame, block: str, item_id: str, theme: str) -> None:
        cities = _cities(g, units)
        if len(cities) >= min_cities:
            rec.append(
                dict(
                    quadrant=q,
                    grouping=grouping,
                    block=block,
                    item_id=item_id,
                    theme=theme,
                    n_cities=len(cities),
                    cities=", ".join(cities),
                    n_items=len(g),
                    examples=_examples(g),
                )
            )

    # 1. by model item
    named = swot[swot["item_id"] != ""]
    for (q, blk, iid), g in named.groupby(["quadrant", "block", "item_id"], sort=False):
        add("item", q, g, blk, iid, model.item(iid).name)

    # 2. by keyword theme
    raw_tokens = swot["item"].map(_tokens)
    for t in model.themes:
        kws = tuple(str(k).lower() for k in t["keywords"])
        hit = raw_tokens.map(lambda ws, kws=kws: any(w.startswith(kws) for w in ws))
        for q, g in swot[hit].groupby("quadrant", sort=False):
            add("keyword", q, g, ", ".join(dict.fromkeys(g["block"])), "", t["name"])

    # 3. by text similarity
    for q, g in swot.groupby("quadrant", sort=False):
        g = g[g["norm"].str.len() > 0]
        n_distinct = g["norm"].nunique()
        if len(g) < max(min_items, 2) or g["unit_id"].nunique() < min_cities or n_distinct < 2:
            continue
        vec = TfidfVectorizer(token_pattern=r"[a-z0-9]+", sublinear_tf=True)
        X = vec.fit_transform(g["norm"])
        if method == "agglomerative":
            dist = cosine_distances(X)
            labels = AgglomerativeClustering(
                n_clusters=None,
                metric="precomputed",
                linkage="average",
                distance_threshold=distance_threshold,
            ).fit_predict(dist)
        else:
            k = int(np.clip(round(len(g) / g["unit_id"].nunique()), 2, n_distinct))
            labels = KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(X)
        terms = np.asarray(vec.get_feature_names_out())
        for lab in np.unique(labels):
            members = g[labels == lab]
            if members["unit_id"].nunique() < min_cities:
                continue
            centroid = np.asarray(X[labels == lab].mean(axis=0)).ravel()
            top = terms[np.argsort(-centroid, kind="stable")[:3]]
            add(
                "text_cluster",
                q,
                members,
                ", ".join(dict.fromkeys(members["block"])),
                ", ".join(dict.fromkeys(members["item_id"].replace("", GENERAL))),
                " / ".join(top),
            )

    cols = [
        "quadrant",
        "grouping",
        "block",
        "item_id",
        "theme",
        "n_cities",
        "cities",
        "n_items",
        "examples",
    ]
    recurring = pd.DataFrame(rec, columns=cols)
    gorder = {"item": 0, "text_cluster": 1, "keyword": 2}
    if len(recurring):
        recurring = recurring.assign(
            _q=recurring["quadrant"].map(qorder.index), _g=recurring["grouping"].map(gorder)
        ).sort_values(["_q", "_g", "n_cities"], ascending=[True, True, False], kind="stable")
        recurring = recurring.drop(columns=["_q", "_g"]).reset_index(drop=True)

    # Lessons
    qword = {qid: _singular(name) for qid, name in model.quadrants.items()}
    lessons: list[dict] = []

    def lesson(kind, q, blk, iid, theme, cities, text):
        lessons.append(
            dict(
                kind=kind,
                quadrant=q,
                block=blk,
                item_id=iid,
                theme=theme,
                n_cities=len(cities),
                cities=", ".join(cities),
                lesson=text,
            )
        )

    by_item = recurring[recurring["grouping"] == "item"]
    item_groups = set(zip(by_item["quadrant"], by_item["item_id"]))
    for _, r in recurring.iterrows():
        cities = r["cities"].split(", ")
        where = f"{r['n_cities']} of {n} cities ({r['cities']})"
        if r["grouping"] == "item":
            text = f"{r['theme']} is {_a(qword[r['quadrant']])} in {where}: {r['examples']}"
        elif r["grouping"] == "text_cluster":
            if (r["quadrant"], r["item_id"]) in item_groups:
                continue  # the same items already make an item-level lesson
            text = (
                f"A similar {qword[r['quadrant']]} ('{r['theme']}') recurs in {where}, "
                f"across items {_item_names(model, r['item_id'])}: {r['examples']}"
            )
        else:
            if r["n_cities"] < max(min_cities, int(np.ceil(0.75 * n))):
                continue
            text = f"{r['theme']} comes up as {_a(qword[r['quadrant']])} in {where}"
        lesson(r["grouping"], r["quadrant"], r["block"], r["item_id"], r["theme"], cities, text)

    ready = pd.concat([a.readiness for a in assessments], ignore_index=True)
    for (blk, iid), g in ready.groupby(["block", "item_id"], sort=False):
        gap_c = _cities(g[g["gap"]], units)
        strong = g[(g["rating"].fillna(0) > model.gap_at_or_below) & (g["evidence_count"] > 0)]
        ok_c = _cities(strong, units)
        name = model.item(iid).name
        if len(gap_c) >= min_cities:
            lesson(
                "readiness_gap",
                "",
                blk,
                iid,
                name,
                gap_c,
                f"{name} is a readiness gap (rated {model.gap_at_or_below} or lower, or "
                f"without evidence) in {len(gap_c)} of {n} cities ({', '.join(gap_c)})",
            )
        if len(ok_c) >= min_cities:
            lesson(
                "readiness_strength",
                "",
                blk,
                iid,
                name,
                ok_c,
                f"{name} is established (rated above {model.gap_at_or_below} with evidence) "
                f"in {len(ok_c)} of {n} cities ({', '.join(ok_c)}); peers can learn from them",
            )
    lcols = ["kind", "quadrant", "block", "item_id", "theme", "n_cities", "cities", "lesson"]
    return CISynthesis(
        units=units, recurring=recurring, lessons=pd.DataFrame(lessons, columns=lcols), seed=seed
    )


def swot_table(assessment: CIAssessment, model: CIModel | str | Path | None = None):
    """The SWOT matrix of one unit as a display-ready 2x2 table (internal / external by
    helpful / harmful), every item in full with the condition it concerns; no empty space
    and no cut text (:func:`urbansec_lib.present.table`)."""
    from ..presentation.present import table

    model = _resolve_model(model if model is not None else getattr(assessment, "model", None))
    swot = _frames(assessment, "swot")

    def items(q: str) -> list[str]:
        rows = swot[swot["quadrant"] == q]
        return [
            f"{r['item']} ({r['item_name']})" if r.get("item_name") else str(r["item"])
            for _, r in rows.iterrows()
        ] or ["(none named)"]

    q = model.quadrants
    df = pd.DataFrame(
        {
            "": ["Internal (the partnership)", "External (its environment)"],
            "helpful": [items("S"), items("O")],
            "harmful": [items("W"), items("T")],
        }
    )
    return table(
        df,
        columns={
            "": "",
            "helpful": f"{q.get('S', 'Strengths')} / {q.get('O', 'Opportunities')} (helpful)",
            "harmful": f"{q.get('W', 'Weaknesses')} / {q.get('T', 'Threats')} (harmful)",
        },
        kinds={"helpful": "lines", "harmful": "lines"},
        caption=f"SWOT of {getattr(assessment, 'meta', {}).get('unit_name') or assessment.unit_id}",
    )


def sector_label(sector: str) -> str:
    """Readable stakeholder sector: ``police_justice -> 'Police and justice'``."""
    return _SECTORS.get(sector, str(sector).replace("_", " ").capitalize())


_SECTORS = {
    "public": "Public authorities",
    "police_justice": "Police and justice",
    "civil_society": "Civil society",
    "research": "Research",
    "community": "Community",
    "private": "Private sector",
    "business": "Business",
}


def readiness_table(assessment: CIAssessment):
    """Display-ready readiness ratings of one unit: block and item names, rating label,
    pieces of evidence, whether the item is a gap (rating 2 or lower)."""
    from ..presentation.present import table

    model = _resolve_model(getattr(assessment, "model", None))
    blocks = {b.id: b.name for b in model.blocks}
    r = assessment.readiness
    return table(
        r,
        columns={
            "block": "Block",
            "item_name": "Condition or function",
            "rating_label": "Rating (1-4)",
            "evidence_count": "Pieces of evidence",
            "gap": "Gap (rated 2 or lower)",
        },
        labels={"block": blocks},
        kinds={"evidence_count": "int"},
        missing={"rating_label": "not rated"},
    )


def lessons_table(syn, model: CIModel | str | Path | None = None, names: dict | None = None):
    """Display-ready recurring lessons of a :func:`synthesis`: quadrant, cities (by name)
    and the lesson in full (wrapped, never cut)."""
    from ..presentation.present import table

    model = _resolve_model(model)
    lessons = syn.lessons.assign(
        cities=syn.lessons["cities"].map(
            lambda s: ", ".join((names or {}).get(c.strip(), c.strip()) for c in str(s).split(","))
        ),
        lesson=syn.lessons["lesson"].str.replace(" | ", "; ", regex=False),
    )
    return table(
        lessons,
        columns={"quadrant": "SWOT quadrant", "cities": "Cities", "lesson": "Lesson"},
        labels={"quadrant": model.quadrants},
    )


def key_findings(assessment: CIAssessment, name: str | None = None) -> list[str]:
    """Generated key findings for one unit: phase, readiness gaps and strengths, SWOT size."""
    name = name or assessment.unit_id
    r = assessment.readiness
    out = [f"{name} is in the phase '{assessment.phase_name}' of the Collective Impact model."]
    rated = r[r["rating"].notna()]
    gaps = rated[rated["gap"].astype(bool)]
    if len(gaps):
        out.append(
            f"{len(gaps)} of {len(rated)} rated items are readiness gaps (rated 2 or lower): "
            + ", ".join(gaps["item_name"])
            + "."
        )
    strong = rated[rated["rating"] >= 3]
    if len(strong):
        out.append("Rated 3 or 4: " + ", ".join(strong["item_name"]) + ".")
    counts = assessment.swot.groupby("quadrant").size()
    q = _resolve_model(getattr(assessment, "model", None)).quadrants
    out.append(
        "SWOT items named: " + ", ".join(f"{q[k].lower()} {int(counts.get(k, 0))}" for k in q) + "."
    )
    return out


def _item_names(model: CIModel, ids: str) -> str:
    """Readable names for comma-separated item ids ("general" for items outside the model)."""
    names = {it.id: it.name for b in model.blocks for it in b.items}
    return ", ".join(names.get(i.strip(), i.strip().replace("_", " ")) for i in str(ids).split(","))
