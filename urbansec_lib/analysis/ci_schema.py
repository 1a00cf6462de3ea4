"""Declared schemas of the sheets of a filled Collective Impact workbook, and their parsers.

Part of :mod:`urbansec_lib.analysis.collective_impact`: one
:class:`~urbansec_lib.core.schema.TableSchema` per sheet (block sheets, SWOT, next actions,
stakeholders); :mod:`~urbansec_lib.analysis.ci_read` applies them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from ..core.schema import Check, Column, TableSchema, Unique
from .ci_model import GENERAL, NEXT_ACTIONS, STAKEHOLDERS, SWOT, CIBlock, CIModel


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
