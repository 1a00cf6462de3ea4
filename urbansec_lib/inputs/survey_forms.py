"""The self-assessment survey's forms: XLSForm, printable questionnaire, response template.

:func:`to_xlsform` writes the KoboToolbox / ODK form (through :mod:`urbansec_lib.xlsform`),
:func:`to_questionnaire_html` a printable questionnaire showing every answer code,
:func:`to_template` a CSV/XLSX sheet for answers typed in by hand, :func:`write_unit_forms`
the forms of one unit (residents and staff). The questions come from
:mod:`urbansec_lib.survey_questions`.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..model.framework import Framework, Indicator
from .survey_questions import (
    AREA_MAX,
    AREA_TYPES,
    METADATA_COLUMNS,
    RESPONDENT_ROLES,
    UNIT_CODE_PATTERN,
    WAVE_RANGE,
    check_language,
    code_labels,
    codes_text,
    fmt_num,
    form_version,
    is_numeric,
    num_range,
    question_text,
    range_text,
    survey_items,
)
from .xlsform import SURVEY_COLUMNS, range_constraint, write_codes_workbook, write_xlsform

__all__ = [
    "to_xlsform",
    "write_unit_forms",
    "to_questionnaire_html",
    "template_columns",
    "to_template",
]

_LANG_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian"}
_Row = dict[str, str]


# ==================================================================== XLSForm
def _unit_row(unit: str | None, unit_list: list[str] | None) -> tuple[_Row, list[tuple]]:
    """The ``unit`` question: fixed (calculate), a choice list, or a constrained code."""
    if unit is not None:
        if not re.match(UNIT_CODE_PATTERN, str(unit)):
            raise ValueError(f"unit {unit!r} is not a unit code")
        return dict(type="calculate", name="unit", label="", calculation=f"'{unit}'"), []
    if unit_list:
        row = dict(
            type="select_one units", name="unit", label="Unit (city or region code)", required="yes"
        )
        return row, [("units", u, u) for u in unit_list]
    row = dict(
        type="text",
        name="unit",
        label="Unit (city or region code)",
        hint="Official code, e.g. DE001C (Urban Audit city) or BE212 (NUTS 3 region)",
        required="yes",
        constraint=f"regex(., '{UNIT_CODE_PATTERN}')",
        constraint_message="Upper-case letters and digits, starting with the country code",
    )
    return row, []


def _metadata_rows(
    unit: str | None, units: Iterable[str] | None, respondents: str
) -> tuple[list[_Row], list[tuple]]:
    """Survey rows and choices of the metadata questions (unit, area, wave, type, role)."""
    unit_row, choices = _unit_row(unit, sorted(set(units)) if units else None)
    rows = [unit_row]
    staff = respondents == "staff"
    if staff:  # one answer per authority: no area, no role to choose
        rows.append(dict(type="calculate", name="area", label="", calculation="'citywide'"))
    else:
        rows.append(
            dict(
                type="text",
                name="area",
                label="Area (neighbourhood or area code)",
                hint="The code of the area agreed for this survey, not an address",
                required="yes",
                constraint=f"string-length(.) >= 1 and string-length(.) <= {AREA_MAX}",
                constraint_message=f"At most {AREA_MAX} characters",
            )
        )
    rows.append(
        dict(
            type="integer",
            name="wave",
            label="Survey wave (year)",
            required="yes",
            constraint=f". >= {WAVE_RANGE[0]} and . <= {WAVE_RANGE[1]}",
            constraint_message=f"A year between {WAVE_RANGE[0]} and {WAVE_RANGE[1]}",
        )
    )
    if staff:
        rows.append(dict(type="calculate", name="area_type", label="", calculation="'none'"))
        rows.append(
            dict(type="calculate", name="respondent_role", label="", calculation="'city_staff'")
        )
        return rows, choices
    rows.append(
        dict(type="select_one area_type", name="area_type", label="Type of area", required="yes")
    )
    choices.extend(("area_type", k, v) for k, v in AREA_TYPES.items())
    rows.append(
        dict(
            type="select_one respondent_role",
            name="respondent_role",
            label="Which best describes you?",
            required="yes",
        )
    )
    choices.extend(
        ("respondent_role", k, v)
        for k, v in RESPONDENT_ROLES.items()
        if not (respondents == "residents" and k == "city_staff")
    )
    return rows, choices


class _ChoiceLists:
    """Choice lists of the coded questions: one list per distinct (type, codes, labels),
    named by type (``yes_no``, ``likert4_1``, ``likert4_2`` ...)."""

    def __init__(self, choices: list[tuple]):
        self.choices = choices
        self.lists: dict[tuple, str] = {}
        self.counters: dict[str, int] = {}

    def name(self, ind: Indicator, pairs: list[tuple[int, str]], labels: tuple[str, ...]) -> str:
        key = (ind.type, tuple(c for c, _ in pairs), labels)
        if key not in self.lists:
            base = "yes_no" if ind.type == "yes_no" else ind.type
            self.counters[base] = self.counters.get(base, 0) + 1
            first_yes_no = base == "yes_no" and self.counters[base] == 1
            name = base if first_yes_no else f"{base}_{self.counters[base]}"
            self.lists[key] = name
            self.choices.extend((name, str(c), lab) for (c, _), lab in zip(pairs, labels))
        return self.lists[key]


def _item_row(ind: Indicator, language: str, lists: _ChoiceLists) -> _Row:
    """The survey row of one indicator (its choice list added to ``lists``)."""
    question, opts = question_text(ind, language)
    row: _Row = {"name": ind.id, "label": question}
    row["required"] = "yes" if ind.source.get("required") else ""
    roles = ind.source.get("roles")
    if roles:
        row["relevant"] = " or ".join(f"${{respondent_role}} = '{r}'" for r in roles)
    if ind.source.get("relevant"):
        row["relevant"] = str(ind.source["relevant"])
    if is_numeric(ind):
        row["type"] = "integer" if ind.type == "count" else "decimal"
        cons = range_constraint(*num_range(ind), fmt_num)
        if cons:
            row["constraint"] = cons
            row["constraint_message"] = f"Enter {range_text(ind)}"
        row["hint"] = ind.unit
        return row
    pairs = code_labels(ind)
    labels = tuple(opts[k] if k < len(opts) else lab for k, (_c, lab) in enumerate(pairs))
    sel = "select_multiple" if ind.type == "select_multiple" else "select_one"
    row["type"] = f"{sel} {lists.name(ind, pairs, labels)}"
    if sel == "select_multiple":
        row["hint"] = "Select all that apply"
    return row


def to_xlsform(
    fw: Framework,
    path: str | Path,
    levels: Sequence[str] | None = None,
    language: str = "en",
    units: Iterable[str] | None = None,
    unit: str | None = None,
    respondents: str = "all",
) -> Path:
    """Write the survey as an XLSForm workbook (KoboToolbox / ODK / Enketo).

    Parameters
    ----------
    fw : Framework
    path : str or Path
        The ``.xlsx`` file to write.
    levels : list of str, optional
        Only indicators for these territorial levels (see ``Framework.survey_indicators``).
    language : str
        Language code of the labels (``"en"``; others need ``source.translations``).
    units : iterable of str, optional
        Unit codes to offer as a ``select_one`` list; default a text question constrained to
        :data:`UNIT_CODE_PATTERN`.
    unit : str, optional
        Fix the unit: a hidden ``calculate`` field carries it into every submission (no
        respondent types a code).
    respondents : {"all", "residents", "staff"}
        ``"residents"``: the resident/stakeholder questionnaire (perceptions, without the
        city-level facts); ``"staff"``: the short staff questionnaire of city-level facts
        (``source.respondent: city_staff``), answered once per unit, role fixed.

    Returns
    -------
    Path

    Notes
    -----
    Sheets ``survey`` (type, name, label, hint, required, constraint, constraint_message,
    relevant, calculation), ``choices`` (list_name, name, label) and ``settings``
    (form_title, form_id, version = :func:`form_version`, default_language). A hidden
    ``form_version`` calculate field carries the stamp into every submission, so the
    importer can refuse answers collected with another framework version. One group per
    top-level dimension (group name = dimension id); choice names are the numeric codes.
    Questions may carry ``source.roles`` (list of respondent roles; becomes ``relevant``)
    or a raw ``source.relevant`` XPath.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> p = to_xlsform(fw, pathlib.Path(tempfile.mkdtemp()) / "survey.xlsx", unit="DE001C")
    >>> [r[1] for r in load_workbook(p)["survey"].iter_rows(min_row=2, max_row=4, values_only=True)]
    ['unit', 'area', 'wave']
    """
    items = survey_items(fw, levels, respondents)
    stamp = form_version(fw)
    survey, choices = _metadata_rows(unit, units, respondents)
    lists = _ChoiceLists(choices)
    for dim in fw.dimensions:
        dim_items = [i for i in items if fw.dimension_of(i.id) == dim.id]
        if not dim_items:
            continue
        survey.append(dict(type="begin group", name=dim.id, label=dim.label))
        survey.extend(_item_row(ind, language, lists) for ind in dim_items)
        survey.append(dict(type="end group", name=dim.id))
    survey.append(dict(type="calculate", name="form_version", label="", calculation=f"'{stamp}'"))
    lang_name = f"{_LANG_NAMES.get(language, language)} ({language})"
    return write_xlsform(
        path,
        [[row.get(h, "") or None for h in SURVEY_COLUMNS] for row in survey],
        choices,
        (
            ["form_title", "form_id", "version", "default_language"],
            [f"{fw.name} - self-assessment survey", f"{fw.id}_survey", stamp, lang_name],
        ),
        label_column="label" if language == "en" else f"label::{lang_name}",
    )


def write_unit_forms(
    fw: Framework,
    out_dir: str | Path,
    unit: str,
    levels: Sequence[str] | None = None,
    language: str = "en",
) -> list[Path]:
    """The forms of one unit: a resident/stakeholder form with the unit fixed (XLSForm and
    printable HTML) and a short staff questionnaire of the city-level facts (answered once
    per unit; its answers are facts about the authority, never suppressed as small cells).

    Examples
    --------
    >>> import tempfile
    >>> from urbansec_lib import load_framework
    >>> [p.name for p in write_unit_forms(load_framework(), tempfile.mkdtemp(), "PL013C")][:2]
    ['urban_security-1.0.0-PL013C-residents-xlsform.xlsx', 'urban_security-1.0.0-PL013C-residents-questionnaire.html']
    """
    check_language(fw, language)
    out = Path(out_dir)
    stem = f"{fw.id}-{fw.version}-{unit}"
    written = []
    for who, title in (
        ("residents", f"{fw.name} - questionnaire for residents and stakeholders ({unit})"),
        ("staff", f"{fw.name} - city facts, answered once by the authority's staff ({unit})"),
    ):
        if not survey_items(fw, levels, who):
            continue
        written.append(
            to_xlsform(
                fw,
                out / f"{stem}-{who}-xlsform.xlsx",
                levels=levels,
                language=language,
                unit=unit,
                respondents=who,
            )
        )
        written.append(
            to_questionnaire_html(
                fw,
                out / f"{stem}-{who}-questionnaire.html",
                levels=levels,
                language=language,
                title=title,
                respondents=who,
            )
        )
    return written


# ============================================================ HTML questionnaire
_HTML_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:48em;margin:2em auto;padding:0 1em;
color:#111;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;border-bottom:1px solid #999;
margin-top:1.6em}.meta{color:#444;font-size:.9em}
.q{margin:1em 0;page-break-inside:avoid;break-inside:avoid}.q .n{font-weight:bold;margin-right:.3em}
.q .hint{color:#555;font-size:.85em;font-style:italic}
ul.opts{list-style:none;padding-left:1.5em;margin:.3em 0}ul.opts li{margin:.15em 0}
.box{display:inline-block;width:.9em;height:.9em;border:1px solid #000;margin-right:.5em;
vertical-align:-.1em}.round{border-radius:50%}.code{color:#666;font-size:.8em;margin-left:.4em}
.line{display:inline-block;border-bottom:1px solid #000;min-width:10em;height:1.2em}
.note{border:1px solid #bbb;padding:.6em;font-size:.9em;background:#f6f6f6}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{page-break-after:avoid}
.note{background:none}a{color:#000;text-decoration:none}}
@page{margin:2cm}
"""


def to_questionnaire_html(
    fw: Framework,
    path: str | Path,
    levels: Sequence[str] | None = None,
    language: str = "en",
    title: str | None = None,
    respondents: str = "all",
) -> Path:
    """Write a printable, self-contained HTML questionnaire (no external assets).

    ``respondents`` selects the questions as in :func:`to_xlsform`.

    Each question shows its answer codes so paper answers can be typed into the
    template (:func:`to_template`) and imported with :func:`read_responses`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib import load_framework
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "questionnaire.html"
    >>> "<h2>About this survey</h2>" in to_questionnaire_html(load_framework(), p).read_text()
    True
    """
    items = survey_items(fw, levels, respondents)
    esc = html.escape
    title = title or f"{fw.name} - self-assessment questionnaire"
    out: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(language)}"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_HTML_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">Form version {esc(form_version(fw))}. Tick one box unless told '
        "otherwise; leave a question blank if you prefer not to answer.</p>",
        '<p class="note">Please do not write your name, address, telephone number or other '
        "personal details anywhere on this questionnaire.</p>",
    ]
    n = 0

    def opts_html(pairs: list[tuple[int | str, str]], round_: bool) -> str:
        cls = "box round" if round_ else "box"
        lis = "".join(
            f'<li><span class="{cls}"></span>{esc(lab)}<span class="code">[{esc(str(c))}]</span></li>'
            for c, lab in pairs
        )
        return f'<ul class="opts">{lis}</ul>'

    def question(text: str, body: str, hint: str = "", required: bool = False) -> None:
        nonlocal n
        n += 1
        req = " (required)" if required else ""
        h = f'<div class="hint">{esc(hint)}</div>' if hint else ""
        out.append(f'<div class="q"><span class="n">{n}.</span>{esc(text)}{req}{h}{body}</div>')

    out.append("<h2>About this survey</h2>")
    line = '<div><span class="line"></span></div>'
    question("Unit (city or region code)", line, "e.g. DE001C or BE212", True)
    question("Area (neighbourhood or area code)", line, "the area code, not an address", True)
    question("Survey wave (year)", line, "", True)
    question("Type of area", opts_html(list(AREA_TYPES.items()), True), "", True)
    question("Which best describes you?", opts_html(list(RESPONDENT_ROLES.items()), True), "", True)
    for dim in fw.dimensions:
        dim_items = [i for i in items if fw.dimension_of(i.id) == dim.id]
        if not dim_items:
            continue
        out.append(f"<h2>{esc(dim.label)}</h2>")
        for ind in dim_items:
            text, opts = question_text(ind, language)
            req = bool(ind.source.get("required"))
            if is_numeric(ind):
                question(text, line, f"{ind.unit}; {range_text(ind)}", req)
            else:
                pairs = code_labels(ind)
                labels = [opts[k] if k < len(opts) else lab for k, (_c, lab) in enumerate(pairs)]
                multi = ind.type == "select_multiple"
                hint = "Tick all that apply" if multi else ""
                question(
                    text, opts_html(list(zip([c for c, _ in pairs], labels)), not multi), hint, req
                )
    out.append("</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


# ================================================================== template
def template_columns(fw: Framework, levels: Sequence[str] | None = None) -> list[str]:
    """Columns of the response template: metadata then indicator ids (all accepted on import).

    Parameters
    ----------
    fw : Framework
    levels : sequence of str, optional
        Only the questions for these territorial levels.

    Returns
    -------
    list of str
        :data:`METADATA_COLUMNS`, then the id of each :func:`survey_items` question.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> template_columns(fw)[:6]
    ['unit', 'area', 'wave', 'area_type', 'respondent_role', 'qol_life_satisfaction']
    >>> len(template_columns(fw)), len(template_columns(fw, ["neighbourhood"]))
    (32, 24)
    """
    return list(METADATA_COLUMNS) + [i.id for i in survey_items(fw, levels)]


def to_template(fw: Framework, path: str | Path, levels: Sequence[str] | None = None) -> Path:
    """Write an empty response template (``.csv`` or ``.xlsx``, chosen by the suffix).

    The header holds exactly :func:`template_columns`; the XLSX version adds a ``codes``
    sheet listing each column's allowed answers (the importer reads the first sheet only).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib import load_framework
    >>> p = to_template(load_framework(), pathlib.Path(tempfile.mkdtemp()) / "template.csv")
    >>> p.read_text().split(",")[:3]
    ['unit', 'area', 'wave']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = template_columns(fw, levels)
    if path.suffix.lower() == ".xlsx":
        codes = [
            ["unit", "Unit code", f"code matching {UNIT_CODE_PATTERN}"],
            ["area", "Area code", f"text, at most {AREA_MAX} characters"],
            ["wave", "Survey wave", f"year {WAVE_RANGE[0]}-{WAVE_RANGE[1]}"],
            ["area_type", "Type of area", ", ".join(AREA_TYPES)],
            ["respondent_role", "Respondent role", ", ".join(RESPONDENT_ROLES)],
        ]
        for ind in survey_items(fw, levels):
            allowed = range_text(ind) if is_numeric(ind) else codes_text(ind)
            if ind.type == "select_multiple":
                allowed = "space-separated codes: " + allowed
            codes.append([ind.id, str(ind.source.get("question", ind.label)), allowed])
        write_codes_workbook(path, cols, ["column", "question", "allowed answers"], codes)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow(cols)
    return path
