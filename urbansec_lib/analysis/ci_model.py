"""The Collective Impact model: items, blocks, phases, the rating scale, loaded from YAML.

Part of :mod:`urbansec_lib.analysis.collective_impact` (its public face). The model file is
replaceable data, default ``urbansec_lib/ci_models/collective_impact.yaml``.

Example
-------
>>> from urbansec_lib.analysis.ci_model import load_model
>>> [p.id for p in load_model().phases][:2]
['assess_readiness', 'initiate_action']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping

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

# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CIItem:
    """One assessable item (a condition, precondition or backbone function).

    Examples
    --------
    >>> it = load_model().item("common_agenda")
    >>> it.name, it.block, list(it.questions)
    ('Common agenda', 'conditions', ['S', 'W', 'O', 'T'])
    """

    id: str
    name: str
    definition: str
    block: str
    questions: dict[str, tuple[str, ...]]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CIBlock:
    """A block of items, written to its own sheet of the workbook.

    Examples
    --------
    >>> b = load_model().block("conditions")
    >>> b.sheet, len(b.items), b.items[0].id
    ('Conditions', 5, 'common_agenda')
    """

    id: str
    name: str
    sheet: str
    items: tuple[CIItem, ...]


@dataclass(frozen=True)
class CIPhase:
    """One of the FSG phases of collective impact.

    Examples
    --------
    >>> ph = load_model().phases[0]
    >>> ph.id, ph.name, len(ph.questions)
    ('assess_readiness', 'Assess readiness', 2)
    """

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

    Examples
    --------
    >>> m = load_model()
    >>> m.scale[1], list(m.quadrants), m.items.shape
    ('Just begun', ['S', 'W', 'O', 'T'], (14, 5))
    >>> m.item("backbone_support").block
    'conditions'
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


_EXPECTED_KIND = {str: "a non-empty text", list: "a list", dict: "a mapping", int: "an integer"}


def _need(problems: list[Problem], f: str, d: Any, key: str, where: str, kind: type = str) -> Any:
    """``d[key]`` when it is a ``kind`` (a non-blank text for ``str``); else None and a
    problem located at ``where + key``."""
    val = d.get(key) if isinstance(d, dict) else None
    if val is None or not isinstance(val, kind) or (kind is str and not val.strip()):
        expected = _EXPECTED_KIND.get(kind, str(kind))
        problems.append(Problem(f, None, f"{where}{key}", val, expected))
        return None
    return val


def _load_scale(raw: dict, f: str, problems: list[Problem]) -> tuple[dict[int, str], Any]:
    """The rating scale (value -> label) and the ``gap_at_or_below`` threshold."""
    scale: dict[int, str] = {}
    scale_raw = _need(problems, f, raw, "scale", "", dict) or {}
    levels = _need(problems, f, scale_raw, "levels", "scale.", list) if scale_raw else None
    for i, lev in enumerate(levels or []):
        v, lab = (lev or {}).get("value"), (lev or {}).get("label")
        if not isinstance(v, int) or isinstance(v, bool) or v in scale:
            problems.append(Problem(f, None, f"scale.levels[{i}].value", v, "a unique integer"))
        elif not isinstance(lab, str) or not lab.strip():
            problems.append(Problem(f, None, f"scale.levels[{i}].label", lab, "a label"))
        else:
            scale[v] = lab.strip()
    gap = scale_raw.get("gap_at_or_below", 2) if isinstance(scale_raw, dict) else 2
    return scale, gap


def _load_quadrants(raw: dict, f: str, problems: list[Problem]) -> dict[str, str]:
    """The four SWOT quadrants, id -> name."""
    quadrants: dict[str, str] = {}
    for i, q in enumerate(_need(problems, f, raw, "quadrants", "", list) or []):
        qid, qname = (q or {}).get("id"), (q or {}).get("name")
        if not isinstance(qid, str) or not isinstance(qname, str) or qid in quadrants:
            problems.append(Problem(f, None, f"quadrants[{i}]", q, "a unique id and a name"))
        else:
            quadrants[qid] = qname
    if quadrants and len(quadrants) != 4:
        problems.append(Problem(f, None, "quadrants", list(quadrants), "exactly four quadrants"))
    return quadrants


def _load_item(
    it: Any,
    wi: str,
    bid: Any,
    ctx: dict[str, Any],
    f: str,
    problems: list[Problem],
) -> CIItem:
    """One item of a block (``wi`` its YAML path); ``ctx`` holds the quadrants, the
    quadrant keys, the source ids and the item ids seen so far (updated)."""
    quadrants, qkeys, seen_items = ctx["quadrants"], ctx["qkeys"], ctx["seen_items"]
    iid, iname = _need(problems, f, it, "id", wi), _need(problems, f, it, "name", wi)
    idef = _need(problems, f, it, "definition", wi)
    if iid in seen_items:
        expected = f"an id unique across blocks (also in {seen_items[iid]})"
        problems.append(Problem(f, None, f"{wi}id", iid, expected))
    seen_items[iid] = str(bid)
    qs: dict[str, tuple[str, ...]] = {}
    for key, lst in ((it or {}).get("questions") or {}).items():
        if _qkey(key) not in qkeys:
            expected = f"one of {sorted(_qkey(n) for n in quadrants.values())}"
            problems.append(Problem(f, None, f"{wi}questions.{key}", key, expected))
            continue
        qs[qkeys[_qkey(key)]] = tuple(str(q) for q in (lst or []))
    for s in (it or {}).get("sources") or ():
        if s not in ctx["source_ids"]:
            problems.append(Problem(f, None, f"{wi}sources", s, "an id listed in sources"))
    sources = tuple((it or {}).get("sources") or ())
    return CIItem(str(iid), str(iname), str(idef), str(bid), qs, sources)


def _load_blocks(
    raw: dict, f: str, quadrants: dict[str, str], source_ids: set, problems: list[Problem]
) -> list[CIBlock]:
    """The blocks and their items; sheet names unique and at most 31 characters."""
    ctx = {
        "quadrants": quadrants,
        "qkeys": {_qkey(n): qid for qid, n in quadrants.items()},
        "source_ids": source_ids,
        "seen_items": {},
    }
    blocks: list[CIBlock] = []
    seen_blocks: set[str] = set()
    sheets = {COVER, SWOT, NEXT_ACTIONS, STAKEHOLDERS, PHASE_GUIDE, LISTS}
    for bi, b in enumerate(_need(problems, f, raw, "blocks", "", list) or []):
        w = f"blocks[{bi}]."
        bid, bname = _need(problems, f, b, "id", w), _need(problems, f, b, "name", w)
        sheet = _need(problems, f, b, "sheet", w)
        if bid in seen_blocks or bid == GENERAL:
            problems.append(Problem(f, None, f"{w}id", bid, "a unique block id, not 'general'"))
        if sheet and (sheet in sheets or len(sheet) > 31):
            problems.append(
                Problem(f, None, f"{w}sheet", sheet, "a unique sheet name of <= 31 characters")
            )
        sheets.add(sheet)
        seen_blocks.add(bid)
        items = [
            _load_item(it, f"{w}items[{ii}].", bid, ctx, f, problems)
            for ii, it in enumerate(_need(problems, f, b, "items", w, list) or [])
        ]
        blocks.append(CIBlock(str(bid), str(bname), str(sheet), tuple(items)))
    return blocks


def _load_phases(raw: dict, f: str, problems: list[Problem]) -> list[CIPhase]:
    """The FSG phases, in order."""
    phases: list[CIPhase] = []
    praw = _need(problems, f, raw, "phases", "", dict) or {}
    for pi, p in enumerate(_need(problems, f, praw, "items", "phases.", list) if praw else []):
        w = f"phases.items[{pi}]."
        pid, pname = _need(problems, f, p, "id", w), _need(problems, f, p, "name", w)
        pdef = _need(problems, f, p, "definition", w)
        phases.append(
            CIPhase(str(pid), str(pname), str(pdef), tuple((p or {}).get("questions") or ()))
        )
    return phases


def _load_sectors(raw: dict, f: str, problems: list[Problem]) -> dict[str, str]:
    """The stakeholder sectors, id -> name."""
    sectors: dict[str, str] = {}
    for si, s in enumerate(_need(problems, f, raw, "stakeholder_sectors", "", list) or []):
        sid, sname = (s or {}).get("id"), (s or {}).get("name")
        if not isinstance(sid, str) or not isinstance(sname, str) or sid in sectors:
            problems.append(
                Problem(f, None, f"stakeholder_sectors[{si}]", s, "a unique id and name")
            )
        else:
            sectors[sid] = sname
    return sectors


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
    if not isinstance(raw, dict):
        raise ValidationError([Problem(f, None, None, raw, "a YAML mapping")], what=f)
    name = _need(problems, f, raw, "name", "") or ""
    version = str(raw.get("version", ""))
    sources = tuple(raw.get("sources") or ())
    source_ids = {s.get("id") for s in sources if isinstance(s, dict)}
    scale, gap = _load_scale(raw, f, problems)
    quadrants = _load_quadrants(raw, f, problems)
    blocks = _load_blocks(raw, f, quadrants, source_ids, problems)
    phases = _load_phases(raw, f, problems)
    sectors = _load_sectors(raw, f, problems)
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
