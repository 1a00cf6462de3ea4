"""Reading a filled Collective Impact workbook into a :class:`CIAssessment`.

Part of :mod:`urbansec_lib.analysis.collective_impact` (its public face). Every input problem
is located (sheet, row, column) and all are raised together as a
:class:`~urbansec_lib.core.errors.ValidationError`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.schema import Column, TableSchema
from .ci_model import (
    ACTION_COLUMNS,
    COVER,
    GENERAL,
    STAKEHOLDER_COLUMNS,
    SWOT,
    CIModel,
    _resolve_model,
)
from .ci_schema import (
    _actions_schema,
    _as_text,
    _block_schema,
    _clean,
    _lookup,
    _norm_header,
    _split_evidence,
    _stakeholders_schema,
    _swot_schema,
    _texts,
)

# --------------------------------------------------------------------------------------------
# Reading filled workbooks
# --------------------------------------------------------------------------------------------


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

    Examples
    --------
    >>> a = read(_DEMO / "BE212_ci.xlsx")
    >>> a.unit_id, a.phase, len(a.table()), len(a.gaps)
    ('BE212', 'begin_implementation', 14, 7)
    >>> print(a.summary().splitlines()[2])
    Phase: Begin implementation (4 of 5)
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
    >>> a = [read(_DEMO / f"{u}_ci.xlsx") for u in ("BE212", "ES300")]
    >>> overview(a)[["phase", "items_rated", "gaps"]].values.tolist()
    [['Begin implementation', 14, 7], ['Organize for impact', 14, 9]]
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
    >>> strengths(read(_DEMO / "BE212_ci.xlsx"))[:2]
    ['Common agenda', 'Mutually reinforcing activities']
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


#: Repo folder of the demo workbooks (used by the examples).
_DEMO = Path(__file__).resolve().parents[2] / "data" / "raw" / "collective_impact"

_READINESS_COLUMNS = [
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


def _open_workbook(path: str | Path, f: str) -> Any:
    """The workbook, bounded and checked before openpyxl opens it; one located problem if
    it cannot be read."""
    from openpyxl import load_workbook

    from ..core.ingest import check_xlsx, read_bytes

    data = read_bytes(path, f)
    check_xlsx(data, f)  # zip bomb / uncalculated formula -> located error before openpyxl
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
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


def _read_blocks(wb: Any, model: CIModel, f: str, problems: list[Problem]) -> list[tuple]:
    """Rows (block, item_id, item_name, rating, evidence, evidence_count) of the block
    sheets; a missing item is a problem."""
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
    return readiness_rows


def _read_swot(wb: Any, model: CIModel, f: str, problems: list[Problem]) -> list[tuple]:
    """Rows (block, item_id, item_name, quadrant, item, row) of the SWOT sheet."""
    item_name = {it.id: it.name for b in model.blocks for it in b.items}
    item_block = {it.id: b.id for b in model.blocks for it in b.items}
    swot_rows = []
    rows = _sheet(wb, _swot_schema(model), f, problems)
    for r in [] if rows is None else rows.itertuples():
        iid = r.item_id if isinstance(r.item_id, str) else ""
        blk = r.block if isinstance(r.block, str) else item_block.get(iid, GENERAL)
        swot_rows.append((blk, iid, item_name.get(iid, ""), r.quadrant, r.text, r.Index))
    return swot_rows


def _empty_quadrants(swot: pd.DataFrame, model: CIModel, f: str) -> list[Problem]:
    """A warning for every SWOT quadrant without an item."""
    return [
        Problem(
            f,
            None,
            f"{SWOT}!quadrant",
            None,
            f"at least one {qname} ({qid}) item",
            severity="warning",
        )
        for qid, qname in model.quadrants.items()
        if not (swot["quadrant"] == qid).any()
    ]


def _readiness(readiness_rows: list[tuple], model: CIModel, unit_id: Any) -> pd.DataFrame:
    """The readiness table: ratings with their labels, evidence counts and gaps."""
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
    return readiness[_READINESS_COLUMNS]


def _objects(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``frame`` as objects, missing values None, index from 0."""
    out = frame[columns].astype(object)
    return out.where(out.notna(), None).reset_index(drop=True)


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
    >>> a = read(_DEMO / "BE212_ci.xlsx")  # the demo workbook of data/raw/collective_impact
    >>> a.readiness[["item_id", "rating", "gap"]].head(2).values.tolist()
    [['common_agenda', 3, False], ['shared_measurement', 2, True]]
    """
    model = _resolve_model(model)
    f = str(path)
    wb = _open_workbook(path, f)
    problems: list[Problem] = []
    phase_opts = {p.id: p.name for p in model.phases}
    unit_id, problem, phase, initiatives, meta = _read_cover(wb, f, phase_opts, problems)
    readiness_rows = _read_blocks(wb, model, f, problems)
    swot_rows = _read_swot(wb, model, f, problems)
    acts = _sheet(wb, _actions_schema(model), f, problems)
    stake = _sheet(wb, _stakeholders_schema(model), f, problems)
    if problems:
        raise ValidationError(problems, what=f)
    next_actions = _objects(acts, ACTION_COLUMNS)
    stakeholders = _objects(stake, STAKEHOLDER_COLUMNS)
    swot = pd.DataFrame(
        swot_rows, columns=["block", "item_id", "item_name", "quadrant", "item", "row"]
    )
    warnings = _empty_quadrants(swot, model, f)
    readiness = _readiness(readiness_rows, model, unit_id)
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
