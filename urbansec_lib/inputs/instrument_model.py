"""Instruments as data: the questions and choice lists of a questionnaire, and its YAML loader.

An *instrument* is a short questionnaire kept as package data
(``urbansec_lib/instruments/<id>.yaml``; the keys are described in
:mod:`urbansec_lib.instruments`). :func:`load_instrument` reads and validates one, every
problem located by its YAML path (``questions[3].choices``).

Example
-------
>>> instr = load_instrument("good_practice")
>>> instr.stamp, instr.question(instr.names[0]).type in QUESTION_TYPES
('good_practice-1.0.0', True)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping

__all__ = [
    "INSTRUMENT_DIR",
    "QUESTION_TYPES",
    "VERSION_FIELD",
    "Question",
    "Instrument",
    "available",
    "load_instrument",
]

#: Folder holding the packaged instruments.
INSTRUMENT_DIR = Path(__file__).resolve().parents[1] / "instruments"
#: Supported question types.
QUESTION_TYPES = ("select_one", "select_multiple", "integer", "decimal", "text", "date")
#: Hidden field carrying the instrument stamp into every submission.
VERSION_FIELD = "instrument_version"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Question:
    """One question of an instrument (see the module docstring for the YAML keys).

    Attributes
    ----------
    name, type, label : str
        XLSForm name, one of :data:`QUESTION_TYPES`, question text.
    choices : str or None
        Name of the choice list of a select question.
    required : bool
    min, max : float or None
        Bounds of a numeric answer.
    relevant, group, pattern : str or None
        XLSForm ``relevant`` expression, group name, regular expression of a text answer.
    free_text : bool
        A free-text answer (kept out of processed data).
    hint : str

    Examples
    --------
    >>> year = load_instrument("good_practice").question("year")
    >>> year.type, year.min, year.max, year.required, year.range_text
    ('integer', 1990, 2100, False, '1990-2100')
    >>> load_instrument("good_practice").question("liveability").choices
    'scale5'
    """

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

    Examples
    --------
    >>> gp = load_instrument("good_practice")
    >>> gp.id, gp.version, gp.names[:3]
    ('good_practice', '1.0.0', ['practice_name', 'city', 'country'])
    >>> gp.codes("liveability"), gp.numeric_codes("liveability")
    (['1', '2', '3', '4', '5'], True)
    >>> gp.labels("cost_band")["lt_50k"]
    'Less than EUR 50 000'
    >>> t = gp.table()
    >>> t.columns.tolist()
    ['name', 'type', 'label', 'choices', 'required', 'min', 'max', 'group']
    >>> t.loc[3, "name"], t.loc[3, "type"], int(t.loc[3, "max"])
    ('year', 'integer', 2100)
    >>> gp.question("budget")
    Traceback (most recent call last):
    ...
    KeyError: "'budget' is not a question of instrument 'good_practice'"
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

    Returns
    -------
    list of str
        Sorted; each names a YAML file under :data:`INSTRUMENT_DIR` holding ``questions``.

    Examples
    --------
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

    Examples
    --------
    >>> load_instrument("ai_technologies").question("dpia").type
    'select_one'

    A file with mistakes: every problem at once, located by its YAML path:

    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "my_form.yaml"
    >>> _ = bad.write_text(
    ...     "id: My Form\\n"
    ...     "title: Demo\\n"
    ...     "version: '1.0'\\n"
    ...     "questions:\\n"
    ...     "  - {name: age, type: number, label: Age}\\n"
    ...     "  - {name: ok, type: select_one, label: 'OK?', choices: yn}\\n"
    ... )
    >>> load_instrument(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 4 problem(s) in .../my_form.yaml:
      - .../my_form.yaml, column 'id': got 'My Form', expected a form id of lower-case letters, digits and underscores
      - .../my_form.yaml, column 'version': got '1.0', expected a semantic version such as 1.0.0
      - .../my_form.yaml, column 'questions[0].type': got 'number', expected one of select_one, select_multiple, integer, decimal, text, date
      - .../my_form.yaml, column 'questions[1].choices': got 'yn', expected the name of a list under choices
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
    choices = _load_choices(raw.get("choices") or {}, bad)
    questions: list[Question] = []
    seen: set[str] = set()
    raw_q = raw.get("questions")
    if not isinstance(raw_q, list) or not raw_q:
        bad("questions", raw_q, "a non-empty list of questions")
        raw_q = []
    for i, q in enumerate(raw_q):
        question = _load_question(f"questions[{i}]", q, choices, seen, bad)
        if question is not None:
            questions.append(question)
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


_Bad = Callable[[str, Any, str], None]


def _load_choices(raw_choices: Any, bad: _Bad) -> dict[str, dict[str, str]]:
    """Choice lists: list name -> {code: label}; problems located as ``choices.<list>[i]``."""
    choices: dict[str, dict[str, str]] = {}
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
    return choices


def _question_ok(w: str, q: dict, choices: dict, seen: set[str], bad: _Bad) -> bool:
    """Name, type, label and choice list of one question (problems located at ``w``)."""
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
    if qtype in ("select_one", "select_multiple") and q.get("choices") not in choices:
        bad(f"{w}.choices", q.get("choices"), "the name of a list under choices")
        ok = False
    return ok


def _load_question(w: str, q: Any, choices: dict, seen: set[str], bad: _Bad) -> Question | None:
    """One question of the YAML (None, with problems located at ``w``, when invalid)."""
    if not isinstance(q, dict):
        bad(w, q, "a mapping with name, type and label")
        return None
    ok = _question_ok(w, q, choices, seen, bad)
    qtype = q.get("type")
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
        return None
    return Question(
        name=q["name"],
        type=qtype,
        label=q["label"].strip(),
        choices=q.get("choices") if qtype.startswith("select") else None,
        required=bool(q.get("required", False)),
        min=lo,
        max=hi,
        relevant=q.get("relevant"),
        group=group,
        pattern=pattern,
        free_text=qtype == "text" and bool(q.get("free_text", True)),
        hint=str(q.get("hint") or ""),
    )
