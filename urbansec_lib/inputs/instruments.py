"""Generic questionnaire instruments: YAML -> XLSForm / template, and Kobo exports -> clean data.

The Partnership's smaller studies (training evaluation, good-practice inventory, AI
technologies survey) each use a short questionnaire. An *instrument* is that questionnaire as
package data (``urbansec_lib/instruments/<id>.yaml``)::

    id: good_practice            # form id (letters, digits, underscore)
    title: Security-by-design good practices
    version: 1.0.0               # semantic version, stamped into every form and submission
    questions:
      - name: location_type      # column name in the export
        type: select_one         # select_one | select_multiple | integer | decimal | text | date
        label: Where is the practice located?
        choices: location_types  # name of a choice list (select_* only)
        required: true
        constraint: {min: 1, max: 5}        # integer / decimal only
        relevant: "${wave} = 'post'"        # optional XLSForm condition (form logic only)
        group: practice                      # optional group (Kobo exports "practice/location_type")
        pattern: '^[A-Z]{2}$'                # text only: a code that must match
        free_text: false                     # text only: false = a code/title kept in the data
    choices:
      location_types:
        - {name: square, label: Square or plaza}

Workflow

1. :func:`load_instrument` reads and validates an instrument (located errors, YAML paths).
2. :func:`to_xlsform` writes the KoboToolbox / ODK form; :func:`to_template` a CSV/XLSX
   sheet for answers typed in by hand.
3. :func:`read_responses` reads a Kobo CSV/XLSX export (or the template), validates every
   cell column-wise, and returns a tidy frame (one row per submission).

Conventions of the reader (Kobo export shapes)
    Headers may carry group paths (``practice/location_type``; separators ``/ : . -``).
    ``select_multiple`` answers are space-separated codes; Kobo's extra 0/1 columns
    ``question/code`` are accepted (and used when the combined column is absent). Kobo system
    columns (``_uuid``, ``_submission_time``, ``start`` ...) are accepted and dropped.
    Empty cells and ``n/a`` are missing. ``select_one`` lists whose codes are all whole
    numbers (e.g. 1-5 scales) are returned as integers.

Privacy
    Respondent ids (``_uuid`` or ``id_column``) become the ``respondent`` column,
    pseudonymised with :func:`urbansec_lib.privacy.pseudonymise` when a ``key`` is given.
    Free-text answers (``text`` questions without ``free_text: false``) are dropped unless
    ``keep_text=True``; reports never show them.

Example
-------
>>> instr = load_instrument("good_practice")
>>> instr.stamp
'good_practice-1.0.0'
>>> to_xlsform(instr, "good_practice.xlsx")  # doctest: +SKIP
>>> df = read_responses("good_practices_kobo.csv", instr)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from .survey import XLSFORM_SURVEY_COLUMNS

__all__ = [
    "INSTRUMENT_DIR",
    "QUESTION_TYPES",
    "SYSTEM_COLUMNS",
    "Instrument",
    "Question",
    "available",
    "dummies",
    "load_instrument",
    "read_responses",
    "to_template",
    "to_xlsform",
]

#: Folder holding the packaged instruments.
INSTRUMENT_DIR = Path(__file__).resolve().parents[1] / "instruments"
#: Supported question types.
QUESTION_TYPES = ("select_one", "select_multiple", "integer", "decimal", "text", "date")
#: Columns added by KoboToolbox / ODK that the reader accepts and drops.
SYSTEM_COLUMNS = frozenset(
    """_id _uuid _submission_time _index _parent_index _parent_table_name _validation_status
    _status _tags _notes _attachments _geolocation __version__ _version_ _xform_id_string
    _submitted_by _duration _media_count start end today deviceid instanceID KEY
    SubmissionDate meta/instanceID meta/instanceName meta/deprecatedID meta/rootUuid
    formhub/uuid""".split()
)
_ID_CANDIDATES = ("_uuid", "meta/instanceID", "instanceID", "KEY")
#: Hidden field carrying the instrument stamp into every submission.
VERSION_FIELD = "instrument_version"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
_SEP_RE = re.compile(r"[/:.\-]")
_NA = {"", "n/a", "na", "nan"}


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One question of an instrument (see the module docstring for the YAML keys)."""

    name: str
    type: str
    label: str
    choices: str | None = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    relevant: str | None = None
    group: str | None = None
    pattern: str | None = None
    free_text: bool = False
    hint: str = ""

    @property
    def range_text(self) -> str:
        lo = "" if self.min is None else f"{self.min:g}"
        hi = "" if self.max is None else f"{self.max:g}"
        if lo and hi:
            return f"{lo}-{hi}"
        return f">= {lo}" if lo else (f"<= {hi}" if hi else "any value")


@dataclass(frozen=True)
class Instrument:
    """A questionnaire loaded by :func:`load_instrument`.

    Attributes
    ----------
    id, title, version : str
    questions : tuple of Question
    choices : dict
        Choice list name -> {code: label} (in form order).
    description : str
    path : str
    """

    id: str
    title: str
    version: str
    questions: tuple[Question, ...]
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    description: str = ""
    path: str = ""

    @property
    def stamp(self) -> str:
        """``<id>-<version>``: written to the form settings and every submission."""
        return f"{self.id}-{self.version}"

    @property
    def names(self) -> list[str]:
        """Question names in form order."""
        return [q.name for q in self.questions]

    def question(self, name: str) -> Question:
        """The question called ``name``."""
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(f"{name!r} is not a question of instrument {self.id!r}")

    def codes(self, name: str) -> list[str]:
        """Choice codes of a select question, in form order."""
        q = self.question(name)
        return list(self.choices.get(q.choices or "", {}))

    def labels(self, name: str) -> dict[str, str]:
        """Choice code -> label of a select question."""
        return dict(self.choices.get(self.question(name).choices or "", {}))

    def numeric_codes(self, name: str) -> bool:
        """True when a select question's codes are all whole numbers (a rating scale)."""
        codes = self.codes(name)
        return bool(codes) and all(re.fullmatch(r"-?\d+", c) for c in codes)

    def table(self) -> pd.DataFrame:
        """Questions as a tidy frame (name, type, label, choices, required, min, max, group)."""
        cols = ["name", "type", "label", "choices", "required", "min", "max", "group"]
        return pd.DataFrame([[getattr(q, c) for c in cols] for q in self.questions], columns=cols)


def available() -> list[str]:
    """Ids of the packaged instruments.

    Example
    -------
    >>> "good_practice" in available()
    True
    """
    out = []
    for p in sorted(INSTRUMENT_DIR.glob("*.yaml")):
        doc = yaml.safe_load(p.read_text("utf-8"))
        if isinstance(doc, dict) and "questions" in doc:
            out.append(p.stem)
    return out


def _resolve_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    return INSTRUMENT_DIR / f"{name_or_path}.yaml"


def load_instrument(name_or_path: str | Path | Instrument) -> Instrument:
    """Load and validate an instrument.

    Parameters
    ----------
    name_or_path : str or Path or Instrument
        A packaged instrument id (``"training_pre_post"``, ``"good_practice"``,
        ``"ai_technologies"``) or the path of a YAML file. An :class:`Instrument` is
        returned unchanged.

    Returns
    -------
    Instrument

    Raises
    ------
    ValidationError
        Every problem of the file, located by YAML path (``questions[3].choices``).

    Example
    -------
    >>> load_instrument("ai_technologies").question("dpia").type
    'select_one'
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    path = _resolve_path(name_or_path)
    f = str(path)
    raw = read_yaml_mapping(path, f)
    problems: list[Problem] = []

    def bad(where: str, value: Any, expected: str) -> None:
        problems.append(Problem(f, None, where, value, expected))

    iid, title = raw.get("id"), raw.get("title")
    version = str(raw.get("version", ""))
    if not isinstance(iid, str) or not _NAME_RE.match(iid):
        bad("id", iid, "a form id of lower-case letters, digits and underscores")
    if not isinstance(title, str) or not title.strip():
        bad("title", title, "a non-empty title")
    if not _SEMVER_RE.match(version):
        bad("version", raw.get("version"), "a semantic version such as 1.0.0")

    choices: dict[str, dict[str, str]] = {}
    raw_choices = raw.get("choices") or {}
    if not isinstance(raw_choices, dict):
        bad("choices", raw_choices, "a mapping of list name -> list of {name, label}")
        raw_choices = {}
    for lname, items in raw_choices.items():
        if not isinstance(items, list) or not items:
            bad(f"choices.{lname}", items, "a non-empty list of {name, label}")
            continue
        lst: dict[str, str] = {}
        for i, it in enumerate(items):
            extra = sorted(set(it) - {"name", "label"}) if isinstance(it, dict) else []
            if extra:
                bad(
                    f"choices.{lname}[{i}]",
                    extra,
                    "only the keys name and label (quote labels that contain commas)",
                )
                continue
            code = str(it.get("name", "")) if isinstance(it, dict) else ""
            label = it.get("label") if isinstance(it, dict) else None
            if not re.fullmatch(r"[A-Za-z0-9_]+", code) or code in lst:
                bad(f"choices.{lname}[{i}].name", code or it, "a unique code without spaces")
            elif not isinstance(label, str) or not label.strip():
                bad(f"choices.{lname}[{i}].label", label, "a non-empty label")
            else:
                lst[code] = label.strip()
        choices[str(lname)] = lst

    questions: list[Question] = []
    seen: set[str] = set()
    raw_q = raw.get("questions")
    if not isinstance(raw_q, list) or not raw_q:
        bad("questions", raw_q, "a non-empty list of questions")
        raw_q = []
    for i, q in enumerate(raw_q):
        w = f"questions[{i}]"
        if not isinstance(q, dict):
            bad(w, q, "a mapping with name, type and label")
            continue
        name, qtype, label = q.get("name"), q.get("type"), q.get("label")
        ok = True
        if not isinstance(name, str) or not _NAME_RE.match(name) or name in seen:
            bad(f"{w}.name", name, "a unique name of lower-case letters, digits, underscores")
            ok = False
        seen.add(str(name))
        if name == VERSION_FIELD:
            bad(f"{w}.name", name, f"a name other than the reserved {VERSION_FIELD!r}")
            ok = False
        if qtype not in QUESTION_TYPES:
            bad(f"{w}.type", qtype, f"one of {', '.join(QUESTION_TYPES)}")
            ok = False
        if not isinstance(label, str) or not label.strip():
            bad(f"{w}.label", label, "a non-empty label")
            ok = False
        lname = q.get("choices")
        if qtype in ("select_one", "select_multiple") and lname not in choices:
            bad(f"{w}.choices", lname, "the name of a list under choices")
            ok = False
        cons = q.get("constraint") or {}
        lo, hi = (cons.get("min"), cons.get("max")) if isinstance(cons, dict) else (None, None)
        if cons and qtype not in ("integer", "decimal"):
            bad(f"{w}.constraint", cons, "no min/max (only integer and decimal have a range)")
            ok = False
        for k, v in (("min", lo), ("max", hi)):
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
                bad(f"{w}.constraint.{k}", v, "a number")
                ok = False
        if ok and lo is not None and hi is not None and lo > hi:
            bad(f"{w}.constraint", cons, "min <= max")
            ok = False
        pattern = q.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError):
                bad(f"{w}.pattern", pattern, "a valid regular expression")
                ok = False
        group = q.get("group")
        if group is not None and (not isinstance(group, str) or not _NAME_RE.match(group)):
            bad(f"{w}.group", group, "a group name of lower-case letters, digits, underscores")
            ok = False
        if not ok:
            continue
        questions.append(
            Question(
                name=name,
                type=qtype,
                label=label.strip(),
                choices=lname if qtype.startswith("select") else None,
                required=bool(q.get("required", False)),
                min=lo,
                max=hi,
                relevant=q.get("relevant"),
                group=group,
                pattern=pattern,
                free_text=qtype == "text" and bool(q.get("free_text", True)),
                hint=str(q.get("hint") or ""),
            )
        )
    if problems:
        raise ValidationError(problems, what=f)
    return Instrument(
        id=iid,
        title=title.strip(),
        version=version,
        questions=tuple(questions),
        choices=choices,
        description=str(raw.get("description") or "").strip(),
        path=f,
    )


# --------------------------------------------------------------------------------------------
# Forms out
# --------------------------------------------------------------------------------------------


def _constraint(q: Question) -> tuple[str, str]:
    parts = []
    if q.min is not None:
        parts.append(f". >= {q.min:g}")
    if q.max is not None:
        parts.append(f". <= {q.max:g}")
    if q.pattern:
        pat = q.pattern.replace("'", "")
        return f"regex(., '{pat}')", f"Expected a code matching {pat}"
    if parts:
        return " and ".join(parts), f"Expected a value in {q.range_text}"
    return "", ""


def to_xlsform(instr: Instrument | str | Path, path: str | Path) -> Path:
    """Write an instrument as an XLSForm workbook (KoboToolbox / ODK Collect / Enketo).

    Parameters
    ----------
    instr : Instrument or str or Path
        The instrument (or what :func:`load_instrument` accepts).
    path : str or Path
        The ``.xlsx`` file to write.

    Returns
    -------
    Path

    Notes
    -----
    Sheets ``survey`` (type, name, label, hint, required, constraint, constraint_message,
    relevant, calculation), ``choices`` (list_name, name, label) and ``settings``
    (form_title, form_id, version = :attr:`Instrument.stamp`). Consecutive questions with the
    same ``group`` are wrapped in ``begin_group`` / ``end_group``. A hidden calculate field
    ``instrument_version`` carries the stamp into every submission; :func:`read_responses`
    refuses submissions made with another version.

    Example
    -------
    >>> to_xlsform("training_pre_post", "training.xlsx")  # doctest: +SKIP
    """
    from openpyxl import Workbook

    instr = load_instrument(instr)
    path = Path(path)
    head = list(XLSFORM_SURVEY_COLUMNS)
    rows: list[list[str]] = []
    current: str | None = None
    for q in instr.questions:
        if q.group != current:
            if current is not None:
                rows.append(["end_group", current, "", "", "", "", "", "", ""])
            if q.group is not None:
                rows.append(
                    [
                        "begin_group",
                        q.group,
                        q.group.replace("_", " ").capitalize(),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            current = q.group
        qtype = f"{q.type} {q.choices}" if q.type.startswith("select") else q.type
        cons, msg = _constraint(q)
        rows.append(
            [
                qtype,
                q.name,
                q.label,
                q.hint,
                "yes" if q.required else "",
                cons,
                msg,
                q.relevant or "",
                "",
            ]
        )
    if current is not None:
        rows.append(["end_group", current, "", "", "", "", "", "", ""])
    rows.append(["calculate", VERSION_FIELD, "", "", "", "", "", "", f"'{instr.stamp}'"])
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(head)
    for r in rows:
        ws.append(r)
    wc = wb.create_sheet("choices")
    wc.append(["list_name", "name", "label"])
    used = {q.choices for q in instr.questions if q.choices}
    for lname, items in instr.choices.items():
        if lname in used:
            for code, label in items.items():
                wc.append([lname, code, label])
    wsettings = wb.create_sheet("settings")
    wsettings.append(["form_title", "form_id", "version"])
    wsettings.append([instr.title, instr.id, instr.stamp])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def to_template(instr: Instrument | str | Path, path: str | Path) -> Path:
    """Write an empty response template: CSV (header only) or XLSX (with a ``codes`` sheet).

    The header is the question names in form order plus ``instrument_version``; the XLSX
    template adds a sheet listing every question's allowed codes or range.

    Example
    -------
    >>> to_template("good_practice", "good_practices.csv")  # doctest: +SKIP
    """
    instr = load_instrument(instr)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [*instr.names, VERSION_FIELD]
    if path.suffix.lower() == ".csv":
        from ..core.ingest import write_csv

        write_csv(pd.DataFrame(columns=header), path)
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be .csv or .xlsx, got {path.name}")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "responses"
    ws.append(header)
    wc = wb.create_sheet("codes")
    wc.append(["question", "type", "required", "code or range", "label"])
    for q in instr.questions:
        if q.choices:
            for code, label in instr.choices[q.choices].items():
                wc.append([q.name, q.type, "yes" if q.required else "", code, label])
        else:
            rng = q.range_text if q.type in ("integer", "decimal") else (q.pattern or "")
            wc.append([q.name, q.type, "yes" if q.required else "", rng, q.label])
    wc.append([VERSION_FIELD, "text", "", instr.stamp, "leave as is"])
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# Responses in
# --------------------------------------------------------------------------------------------


def _read_table(path: Path, label: str) -> tuple[pd.DataFrame, str]:
    """All cells as stripped strings; the index is the spreadsheet row number."""
    from ..core.ingest import read_table

    t = read_table(path, label=label)  # the one bounded reader: encoding, delimiter, limits
    df, sep = t.grid(), t.delimiter or ","
    if df.empty or df.shape[0] < 1:
        raise ValidationError(
            [Problem(label, None, None, None, "a header row and data rows (the file is empty)")],
            what=label,
        )
    df = df.fillna("").astype(str).apply(lambda s: s.str.strip())
    header = [h.lstrip("\ufeff") for h in df.iloc[0].tolist()]
    body = df.iloc[1:].copy()
    body.index = np.arange(2, len(body) + 2)  # spreadsheet row numbers
    body.columns = range(body.shape[1])
    body = body.loc[(body != "").any(axis=1)]
    body.attrs["header"] = header
    return body, sep


def _segments(header: str) -> list[str]:
    return [s for s in _SEP_RE.split(header) if s]


def _is_system(header: str) -> bool:
    return header in SYSTEM_COLUMNS or header.startswith("_") or header.startswith("meta/")


def _problems(
    label: str,
    rows: Iterable[int],
    column: str,
    values: Iterable[Any],
    expected: str | Iterable[str],
) -> list[Problem]:
    rows, values = list(rows), list(values)
    exp = [expected] * len(rows) if isinstance(expected, str) else list(expected)
    return [Problem(label, int(r), column, v, e) for r, v, e in zip(rows, values, exp)]


def read_responses(
    path: str | Path,
    instr: Instrument | str | Path,
    id_column: str | None = None,
    key: bytes | str | None = None,
    keep_text: bool = False,
) -> pd.DataFrame:
    """Read and validate a survey export (Kobo/ODK CSV or XLSX, or a filled template).

    Parameters
    ----------
    path : str or Path
        CSV (``,``/``;``/tab separated; UTF-8, UTF-8 with BOM or Latin-1) or XLSX
        (first sheet).
    instr : Instrument or str or Path
        The instrument the answers were collected with.
    id_column : str, optional
        Column holding the respondent id (a question such as a participant code, or a
        system column). Default ``_uuid`` (or ``meta/instanceID``); when absent, row
        numbers are used.
    key : bytes or str, optional
        Pseudonymisation key: respondent ids are replaced by keyed pseudonyms
        (:func:`urbansec_lib.privacy.pseudonymise`).
    keep_text : bool
        Keep free-text answers (default ``False``: dropped; never for reports).

    Returns
    -------
    DataFrame
        ``respondent`` then the instrument's questions (form order) present in the file;
        integers as ``Int64``, decimals as float, dates as datetimes, select_one scales with
        numeric codes as ``Int64``, other select_one codes as strings, select_multiple as
        space-separated codes (see :func:`dummies`). ``attrs`` hold ``instrument``,
        ``version``, ``file``, ``dropped_text`` and ``n_rows``. The index is the
        spreadsheet row number.

    Raises
    ------
    ValidationError
        All problems of the file: unknown or duplicated columns, missing required columns
        or answers, wrong types, out-of-range numbers, unknown codes, codes not matching
        their pattern, duplicate submission ids, another instrument version. Rows as a
        spreadsheet shows them (header = row 1).

    Example
    -------
    >>> df = read_responses("export.csv", "good_practice")  # doctest: +SKIP
    """
    instr = load_instrument(instr)
    path = Path(path)
    label = path.name
    body, sep = _read_table(path, label)
    header: list[str] = body.attrs["header"]
    problems: list[Problem] = []
    qnames = set(instr.names)
    multi = {q.name for q in instr.questions if q.type == "select_multiple"}

    # ---- classify the header
    colmap: dict[str, int] = {}  # question -> position
    dummy_cols: dict[str, dict[str, int]] = {}  # select_multiple question -> code -> position
    id_pos: int | None = None
    version_pos: int | None = None
    wanted_id = id_column
    for pos, h in enumerate(header):
        if h == "":
            if (body[pos] != "").any():
                problems.append(
                    Problem(
                        label, 1, f"column {pos + 1}", None, "a column name (the column has values)"
                    )
                )
            continue
        segs = _segments(h)
        last = segs[-1] if segs else h
        if wanted_id is not None and h == wanted_id and wanted_id not in qnames:
            id_pos = pos
            continue
        if last == VERSION_FIELD:
            version_pos = pos
            continue
        if _is_system(h):
            if wanted_id is None and h in _ID_CANDIDATES and id_pos is None:
                id_pos = pos
            continue
        if last in qnames:
            if last in colmap:
                problems.append(
                    Problem(label, 1, h, h, f"one column per question ({last!r} appears twice)")
                )
            else:
                colmap[last] = pos
            continue
        if len(segs) >= 2 and segs[-2] in multi and last in instr.codes(segs[-2]):
            dummy_cols.setdefault(segs[-2], {})[last] = pos
            continue
        problems.append(
            Problem(
                label,
                1,
                h,
                h,
                f"a question of instrument {instr.id!r} or a KoboToolbox system column",
            )
        )
    if wanted_id is not None and wanted_id in qnames:
        id_pos = colmap.get(wanted_id)
    if wanted_id is not None and id_pos is None:
        problems.append(Problem(label, 1, wanted_id, None, "the respondent id column"))
    for q in instr.questions:
        if q.name not in colmap and q.name not in dummy_cols and q.required:
            problems.append(
                Problem(label, 1, q.name, None, f"a column for the required question {q.name!r}")
            )

    out: dict[str, pd.Series] = {}
    rows = body.index.to_numpy()

    # ---- select_multiple from 0/1 columns when the combined column is absent
    for qn, codes in dummy_cols.items():
        flags = {}
        for code, pos in codes.items():
            s = body[pos]
            badm = ~s.str.lower().isin(_NA | {"0", "1", "0.0", "1.0", "true", "false"})
            problems += _problems(label, rows[badm.to_numpy()], header[pos], s[badm], "0 or 1")
            flags[code] = s.str.lower().isin({"1", "1.0", "true"})
        if qn not in colmap:
            fr = pd.DataFrame(flags)
            joined = fr.apply(lambda c: np.where(c, c.name + " ", "")).sum(axis=1).str.strip()
            out[qn] = joined

    # ---- column-wise validation
    for q in instr.questions:
        if q.name in colmap:
            s = body[colmap[q.name]]
        elif q.name in out:
            s = out[q.name]
        else:
            continue
        col = header[colmap[q.name]] if q.name in colmap else q.name
        miss = s.str.lower().isin(_NA)
        if q.required and not q.relevant:
            problems += _problems(
                label,
                rows[miss.to_numpy()],
                col,
                [None] * int(miss.sum()),
                "an answer (the question is required)",
            )
        present = ~miss
        if q.type in ("integer", "decimal"):
            txt = s.str.replace(",", ".", regex=False) if sep == ";" else s
            num = pd.to_numeric(txt.where(present), errors="coerce")
            kind = "a whole number" if q.type == "integer" else "a number"
            wrong = present & (num.isna() | ((num % 1 != 0) if q.type == "integer" else False))
            problems += _problems(label, rows[wrong.to_numpy()], col, s[wrong], kind)
            ok = present & ~wrong
            oor = ok & (
                (num < q.min if q.min is not None else False)
                | (num > q.max if q.max is not None else False)
            )
            problems += _problems(
                label, rows[oor.to_numpy()], col, s[oor], f"{kind} in {q.range_text}"
            )
            val = num.where(ok & ~oor)
            out[q.name] = val.round().astype("Int64") if q.type == "integer" else val.astype(float)
        elif q.type == "select_one":
            codes = instr.codes(q.name)
            norm = s.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
            wrong = present & ~norm.isin(codes)
            problems += _problems(
                label, rows[wrong.to_numpy()], col, s[wrong], f"one of the codes {', '.join(codes)}"
            )
            val = norm.where(present & ~wrong)
            if instr.numeric_codes(q.name):
                out[q.name] = pd.to_numeric(val, errors="coerce").astype("Int64")
            else:
                out[q.name] = val.astype(object).where(val.notna(), None)
        elif q.type == "select_multiple":
            codes = instr.codes(q.name)
            tokens = s.where(present, "").str.split().explode()
            badtok = tokens.notna() & ~tokens.isin(codes)
            bad_rows = tokens[badtok].groupby(level=0).agg(" ".join)
            problems += _problems(
                label,
                bad_rows.index,
                col,
                bad_rows,
                f"space-separated codes among {', '.join(codes)}",
            )
            val = s.str.split().str.join(" ").where(present & ~s.index.isin(bad_rows.index))
            out[q.name] = val.astype(object).where(val.notna(), None)
        elif q.type == "date":
            dt = pd.to_datetime(s.where(present), errors="coerce", format="ISO8601")
            wrong = present & dt.isna()
            problems += _problems(label, rows[wrong.to_numpy()], col, s[wrong], "a date YYYY-MM-DD")
            out[q.name] = dt
        else:  # text
            if q.pattern:
                wrong = present & ~s.str.fullmatch(q.pattern)
                problems += _problems(
                    label, rows[wrong.to_numpy()], col, s[wrong], f"a code matching {q.pattern}"
                )
            out[q.name] = s.where(present, None)

    # ---- instrument version
    if version_pos is not None:
        v = body[version_pos]
        wrong = (v != "") & (v != instr.stamp)
        problems += _problems(
            label,
            rows[wrong.to_numpy()],
            header[version_pos],
            v[wrong],
            f"{instr.stamp} (answers collected with another version of the form)",
        )

    # ---- respondent ids
    if id_pos is not None:
        ids = body[id_pos]
        id_header = header[id_pos]
        missing_id = ids.str.lower().isin(_NA)
        problems += _problems(
            label,
            rows[missing_id.to_numpy()],
            id_header,
            [None] * int(missing_id.sum()),
            "a respondent / submission id",
        )
        dup = ids.duplicated(keep=False) & ~missing_id
        if dup.any():
            first = ids[dup].groupby(ids[dup]).transform(lambda g: ",".join(map(str, g.index)))
            problems += _problems(
                label,
                rows[dup.to_numpy()],
                id_header,
                ids[dup],
                [f"a unique id (the same id is in rows {r})" for r in first],
            )
        ids = ids.where(~missing_id, None)
    else:
        ids = pd.Series(body.index.astype(str), index=body.index)

    if problems:
        problems.sort(
            key=lambda p: (p.row or 0, header.index(p.column) if p.column in header else -1)
        )
        raise ValidationError(problems, what=label)

    if key is not None:
        from .privacy import pseudonymise

        ids = pseudonymise(ids, key)
    data = pd.DataFrame({"respondent": ids.astype(object)}, index=body.index)
    # the id question moves into ``respondent`` (never kept raw next to its pseudonym)
    kept = [q.name for q in instr.questions if q.name in out and q.name != id_column]
    dropped = [n for n in kept if instr.question(n).free_text and not keep_text]
    data = pd.concat([data, pd.DataFrame({n: out[n] for n in kept if n not in dropped})], axis=1)
    data.index.name = "row"
    data.attrs = {
        "instrument": instr.id,
        "version": instr.version,
        "file": label,
        "dropped_text": dropped,
        "n_rows": len(data),
    }
    return data


def dummies(data: pd.DataFrame, instr: Instrument | str | Path, name: str) -> pd.DataFrame:
    """0/1 indicator columns of a select_multiple answer, one per code (form order).

    Missing answers give missing (``<NA>``) in every column.

    Example
    -------
    >>> df = pd.DataFrame({"measures": ["bollards lighting", None]})
    >>> dummies(df, "good_practice", "measures")[["bollards", "lighting", "surveillance"]]
       bollards  lighting  surveillance
    0         1         1             0
    1      <NA>      <NA>          <NA>
    """
    instr = load_instrument(instr)
    codes = instr.codes(name)
    s = data[name]
    tokens = s.fillna("").astype(str).str.split().explode()
    tab = pd.crosstab(tokens.index, tokens).reindex(index=s.index, columns=codes, fill_value=0)
    tab = (tab > 0).astype("Int64")
    tab[s.isna().to_numpy()] = pd.NA
    tab.columns.name = None
    tab.index = s.index
    return tab
