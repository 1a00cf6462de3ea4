"""The self-assessment survey: framework -> forms, and survey exports -> tidy responses.

Form out
    :func:`to_xlsform` (XLSForm for KoboToolbox / ODK), :func:`to_questionnaire_html`
    (printable English questionnaire), :func:`to_template` (CSV/XLSX response template).
Responses in
    :func:`read_responses` reads a Kobo/ODK CSV or XLSX export (or the plain template),
    validates every cell and returns a :class:`Responses` object; every problem of the file
    is collected and reported with file, row (as a spreadsheet shows it), column, value and
    what was expected. :func:`import_export` runs read -> pseudonymise -> strip identifiers
    -> write ``data/processed/<unit>/`` with a manifest (idempotent).
Indicators
    :func:`aggregate` turns responses into tidy indicator values
    (``unit_id, indicator_id, period, value, n, source``).
Synthetic data
    :func:`simulate_responses` and :func:`write_kobo_export` make Kobo-shaped test and demo
    exports (clearly synthetic, seeded).

Answer coding (the survey column name of an indicator is its id)
    ``likert4`` / ``likert5``: codes 1..n, ``source.options`` ordered from code 1 upward;
    ``yes_no``: 0 = No, 1 = Yes; ``select_multiple``: space-separated codes 1..k (Kobo's
    ``multi_sel=both`` 0/1 columns ``question/code`` are read too); every other type is a
    number within the indicator's ``valid_range`` (whole numbers for ``count``).
    Missing answers are empty cells or ``n/a``.

Required answers (decision)
    Metadata questions (unit, area, wave, area_type, respondent_role) are required. Items are
    *not* required unless the indicator's source says ``required: true``: a respondent may
    skip a question rather than be forced to guess, and a skipped item is missing, not
    "don't know" coded as a value. Aggregates use the respondents who answered (``n``).

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework("tests/data/frameworks/mini.yaml")  # doctest: +SKIP
>>> us.survey.to_xlsform(fw, "form.xlsx")  # doctest: +SKIP
>>> r = us.survey.read_responses("export.csv", fw, unit_id="DE001C", key=key)  # doctest: +SKIP
>>> us.survey.aggregate(r.data, fw)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import gc
import hashlib
import html
import io
import json
import os
import re
import tempfile
import uuid as _uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import ingest
from ..core.errors import Problem, ValidationError
from ..model.framework import Framework, Indicator
from . import privacy

__all__ = [
    "METADATA_COLUMNS",
    "AREA_TYPES",
    "RESPONDENT_ROLES",
    "UNIT_CODE_PATTERN",
    "WAVE_RANGE",
    "SYSTEM_COLUMNS",
    "Responses",
    "form_version",
    "template_columns",
    "to_xlsform",
    "to_questionnaire_html",
    "write_unit_forms",
    "available_languages",
    "check_language",
    "to_template",
    "read_responses",
    "aggregate",
    "import_export",
    "simulate_responses",
    "write_kobo_export",
]

#: Columns of ``rejected.csv``: where each problem is, never the cells.
REJECTED_COLUMNS = ("file", "row", "column", "problem")
#: Metadata questions asked first, in this order (all required).
METADATA_COLUMNS = ("unit", "area", "wave", "area_type", "respondent_role")
#: Area types (choice name -> label).
AREA_TYPES = {
    "intervention": "Intervention area",
    "comparison": "Comparison area",
    "none": "Neither (not part of an evaluation)",
}
#: Respondent roles (choice name -> label).
RESPONDENT_ROLES = {
    "resident": "Resident",
    "city_staff": "City or municipal staff",
    "police": "Police",
    "civil_society": "Civil-society organisation",
    "business": "Business or shop owner",
    "other": "Other",
}
#: Unit codes: NUTS (``BE212``), Urban Audit cities (``DE001C``), country-prefixed LAU codes.
UNIT_CODE_PATTERN = r"^[A-Z]{2}[A-Z0-9]{1,10}$"
#: Plausible survey waves (years).
WAVE_RANGE = (1990, 2100)
_AREA_MAX = 64
#: Columns added by KoboToolbox / ODK Central / Briefcase that the importer accepts.
SYSTEM_COLUMNS = frozenset(
    """_id _uuid _submission_time _index _parent_index _parent_table_name _validation_status
    _status _tags _attachments __version__ _version_ _xform_id_string _duration _media_count
    start end today form_version meta/instanceID meta/instanceName meta/deprecatedID
    meta/rootUuid meta-instanceID meta-instanceName formhub/uuid instanceID KEY SubmissionDate
    AttachmentsPresent AttachmentsExpected Status ReviewState Edits FormVersion""".split()
)
_ID_COLUMNS = ("_uuid", "meta/instanceID", "meta-instanceID", "instanceID", "KEY")
_VERSION_COLUMNS = ("form_version", "FormVersion", "__version__", "_version_")
_STAMP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+\.\d+\.\d+$")
_SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
_GROUP_SEP = re.compile(r"[/:.\-]")
_CODED = ("likert4", "likert5", "yes_no")
_NA_TOKENS = {"", "n/a"}
_AREA_RE = re.compile(r"^\w[\w .'’()\-]*$")


def _area_ok(u: str) -> bool:
    """An area code, not free text: word characters and a few separators, fewer than six
    digits (a phone number or street address is not an area code), no e-mail."""
    if u.lower() in _NA_TOKENS:
        return True
    return bool(_AREA_RE.match(u)) and sum(ch.isdigit() for ch in u) < 6


def form_version(fw: Framework) -> str:
    """The version stamp written into forms and checked on import, e.g. ``urban_security-1.0.0``."""
    return f"{fw.id}-{fw.version}"


# ============================================================== question specs
def _options(ind: Indicator) -> list[str]:
    opts = list(ind.source.get("options") or [])
    if ind.type == "yes_no" and not opts:
        opts = ["No", "Yes"]
    # YAML 1.1 reads unquoted No / Yes as booleans
    return [("Yes" if o else "No") if isinstance(o, bool) else str(o) for o in opts]


def _codes(ind: Indicator) -> list[int] | None:
    """Valid answer codes of a coded question (None for numeric questions)."""
    if ind.type in ("likert4", "likert5"):
        return list(range(1, int(ind.type[-1]) + 1))
    if ind.type == "yes_no":
        return [0, 1]
    if ind.type == "select_multiple":
        return list(range(1, len(_options(ind)) + 1))
    return None


def _code_labels(ind: Indicator) -> list[tuple[int, str]]:
    codes = _codes(ind) or []
    opts = _options(ind)
    if ind.type == "yes_no":
        return [(c, opts[c] if c < len(opts) else str(c)) for c in codes]
    return [(c, opts[c - 1] if c - 1 < len(opts) else str(c)) for c in codes]


def _codes_text(ind: Indicator) -> str:
    pairs = _code_labels(ind)
    return "; ".join(f"{c} = {lab}" for c, lab in pairs)


def _is_numeric(ind: Indicator) -> bool:
    return ind.type not in _CODED and ind.type != "select_multiple"


def _num_range(ind: Indicator) -> tuple[float | None, float | None]:
    lo, hi = ind.valid_range
    return (None if lo is None else float(lo), None if hi is None else float(hi))


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _range_text(ind: Indicator) -> str:
    lo, hi = _num_range(ind)
    kind = "a whole number" if ind.type == "count" else "a number"
    if lo is not None and hi is not None:
        return f"{kind} between {_fmt_num(lo)} and {_fmt_num(hi)}"
    if lo is not None:
        return f"{kind} >= {_fmt_num(lo)}"
    if hi is not None:
        return f"{kind} <= {_fmt_num(hi)}"
    return kind


def _aggregate_kind(ind: Indicator) -> str:
    agg = ind.source.get("aggregate")
    if agg in ("share", "mean"):
        if agg == "share" and _is_numeric(ind):
            return "mean"
        return agg
    if ind.type in ("yes_no", "select_multiple"):
        return "share"
    if ind.type in ("likert4", "likert5") and ind.source.get("positive"):
        return "share"
    return "mean"


def _positive(ind: Indicator) -> list[int]:
    pos = ind.source.get("positive")
    if pos:
        return [int(p) for p in pos]
    if ind.type == "yes_no":
        return [1]
    if ind.type in ("likert4", "likert5"):
        n = int(ind.type[-1])
        return list(range(n // 2 + 1 + n % 2, n + 1))  # upper half: 3-4 of 4, 4-5 of 5
    return list(_codes(ind) or [])


def _is_staff_item(ind: Indicator) -> bool:
    """A city-level fact answered by the authority's staff (``source.respondent``)."""
    return str(ind.source.get("respondent", "resident")) == "city_staff"


def _survey_items(
    fw: Framework, levels: Sequence[str] | None, respondents: str = "all"
) -> list[Indicator]:
    if respondents not in ("all", "residents", "staff"):
        raise ValueError(f"respondents must be 'all', 'residents' or 'staff', not {respondents!r}")
    items = fw.survey_indicators(list(levels) if levels else None)
    if respondents == "residents":
        items = [i for i in items if not _is_staff_item(i)]
    elif respondents == "staff":
        items = [i for i in items if _is_staff_item(i)]
    clash = [i.id for i in items if i.id in METADATA_COLUMNS or i.id in SYSTEM_COLUMNS]
    if clash:
        raise ValueError(f"indicator ids clash with survey metadata columns: {clash}")
    return items


def available_languages(fw: Framework | None = None) -> list[str]:
    """Languages the survey forms can be written in: English, plus every language in which
    each survey question of the framework has a translation (``source.translations``).

    Example
    -------
    >>> from urbansec_lib import load_framework
    >>> available_languages(load_framework())
    ['en']
    """
    if fw is None:
        from ..model.framework import load_framework

        fw = load_framework()
    items = fw.survey_indicators()
    langs = None
    for ind in items:
        tr = ind.source.get("translations") or {}
        have = {k for k, v in tr.items() if isinstance(v, dict) and v.get("question")}
        langs = have if langs is None else langs & have
    return ["en"] + sorted((langs or set()) - {"en"})


def check_language(fw: Framework, language: str) -> str:
    """``language`` if the forms can be written in it, else a one-line ValidationError."""
    langs = available_languages(fw)
    if language not in langs:
        raise ValidationError(
            [
                Problem(
                    "<arguments>",
                    None,
                    "--language",
                    language,
                    f"a language with translations of every question: {', '.join(langs)} "
                    f"(add source.translations.{language} to the framework for more)",
                )
            ],
            f"no {language!r} translation of the survey",
        )
    return language


def _text(ind: Indicator, language: str) -> tuple[str, list[str]]:
    """Question text and option labels in ``language`` (``source.translations`` if any)."""
    if language == "en":
        return str(ind.source.get("question", ind.label)), _options(ind)
    tr = (ind.source.get("translations") or {}).get(language)
    if not isinstance(tr, dict) or not tr.get("question"):
        raise ValueError(
            f"indicator {ind.id} has no {language!r} translation "
            f"(add source.translations.{language}.question/options to the framework)"
        )
    opts = [str(o) for o in tr.get("options") or _options(ind)]
    return str(tr["question"]), opts


# ==================================================================== XLSForm
#: Columns of an XLSForm ``survey`` sheet as written by urbansec (shared with instruments).
XLSFORM_SURVEY_COLUMNS = _SURVEY_HEADER = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "constraint",
    "constraint_message",
    "relevant",
    "calculation",
]
_LANG_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian"}


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

    Example
    -------
    >>> to_xlsform(fw, "survey.xlsx")  # doctest: +SKIP
    """
    from openpyxl import Workbook

    items = _survey_items(fw, levels, respondents)
    stamp = form_version(fw)
    survey: list[dict[str, str]] = []
    choices: list[tuple[str, str, str]] = []

    def q(**kw: str) -> None:
        survey.append(kw)

    unit_list = sorted(set(units)) if units else None
    if unit is not None:
        if not re.match(UNIT_CODE_PATTERN, str(unit)):
            raise ValueError(f"unit {unit!r} is not a unit code")
        q(type="calculate", name="unit", label="", calculation=f"'{unit}'")
    elif unit_list:
        q(type="select_one units", name="unit", label="Unit (city or region code)", required="yes")
        choices.extend(("units", u, u) for u in unit_list)
    else:
        q(
            type="text",
            name="unit",
            label="Unit (city or region code)",
            hint="Official code, e.g. DE001C (Urban Audit city) or BE212 (NUTS 3 region)",
            required="yes",
            constraint=f"regex(., '{UNIT_CODE_PATTERN}')",
            constraint_message="Upper-case letters and digits, starting with the country code",
        )
    staff = respondents == "staff"
    if staff:  # one answer per authority: no area, no role to choose
        q(type="calculate", name="area", label="", calculation="'citywide'")
    else:
        q(
            type="text",
            name="area",
            label="Area (neighbourhood or area code)",
            hint="The code of the area agreed for this survey, not an address",
            required="yes",
            constraint=f"string-length(.) >= 1 and string-length(.) <= {_AREA_MAX}",
            constraint_message=f"At most {_AREA_MAX} characters",
        )
    q(
        type="integer",
        name="wave",
        label="Survey wave (year)",
        required="yes",
        constraint=f". >= {WAVE_RANGE[0]} and . <= {WAVE_RANGE[1]}",
        constraint_message=f"A year between {WAVE_RANGE[0]} and {WAVE_RANGE[1]}",
    )
    if staff:
        q(type="calculate", name="area_type", label="", calculation="'none'")
        q(type="calculate", name="respondent_role", label="", calculation="'city_staff'")
    else:
        q(type="select_one area_type", name="area_type", label="Type of area", required="yes")
        choices.extend(("area_type", k, v) for k, v in AREA_TYPES.items())
        q(
            type="select_one respondent_role",
            name="respondent_role",
            label="Which best describes you?",
            required="yes",
        )
        roles_offered = {
            k: v
            for k, v in RESPONDENT_ROLES.items()
            if not (respondents == "residents" and k == "city_staff")
        }
        choices.extend(("respondent_role", k, v) for k, v in roles_offered.items())

    lists: dict[tuple, str] = {}
    counters: dict[str, int] = {}
    for dim in fw.dimensions:
        dim_items = [i for i in items if fw.dimension_of(i.id) == dim.id]
        if not dim_items:
            continue
        q(type="begin group", name=dim.id, label=dim.label)
        for ind in dim_items:
            question, opts = _text(ind, language)
            row: dict[str, str] = {"name": ind.id, "label": question}
            row["required"] = "yes" if ind.source.get("required") else ""
            roles = ind.source.get("roles")
            if roles:
                row["relevant"] = " or ".join(f"${{respondent_role}} = '{r}'" for r in roles)
            if ind.source.get("relevant"):
                row["relevant"] = str(ind.source["relevant"])
            if _is_numeric(ind):
                row["type"] = "integer" if ind.type == "count" else "decimal"
                lo, hi = _num_range(ind)
                cons = []
                if lo is not None:
                    cons.append(f". >= {_fmt_num(lo)}")
                if hi is not None:
                    cons.append(f". <= {_fmt_num(hi)}")
                if cons:
                    row["constraint"] = " and ".join(cons)
                    row["constraint_message"] = f"Enter {_range_text(ind)}"
                row["hint"] = ind.unit
            else:
                pairs = _code_labels(ind)
                labels = tuple(
                    opts[k] if k < len(opts) else lab for k, (_c, lab) in enumerate(pairs)
                )
                key = (ind.type, tuple(c for c, _ in pairs), labels)
                if key not in lists:
                    base = "yes_no" if ind.type == "yes_no" else ind.type
                    counters[base] = counters.get(base, 0) + 1
                    name = (
                        base
                        if (base == "yes_no" and counters[base] == 1)
                        else (f"{base}_{counters[base]}")
                    )
                    lists[key] = name
                    choices.extend((name, str(c), lab) for (c, _), lab in zip(pairs, labels))
                sel = "select_multiple" if ind.type == "select_multiple" else "select_one"
                row["type"] = f"{sel} {lists[key]}"
                if sel == "select_multiple":
                    row["hint"] = "Select all that apply"
            q(**row)
        q(type="end group", name=dim.id)
    q(type="calculate", name="form_version", label="", calculation=f"'{stamp}'")

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    label_col = (
        "label"
        if language == "en"
        else f"label::{_LANG_NAMES.get(language, language)} ({language})"
    )
    header = [label_col if h == "label" else h for h in _SURVEY_HEADER]
    ws.append(header)
    for row in survey:
        ws.append([row.get(h, "") or None for h in _SURVEY_HEADER])
    wc = wb.create_sheet("choices")
    wc.append(["list_name", "name", label_col])
    for c in choices:
        wc.append(list(c))
    wset = wb.create_sheet("settings")
    wset.append(["form_title", "form_id", "version", "default_language"])
    lang_name = f"{_LANG_NAMES.get(language, language)} ({language})"
    wset.append([f"{fw.name} - self-assessment survey", f"{fw.id}_survey", stamp, lang_name])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


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

    Example
    -------
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
        if not _survey_items(fw, levels, who):
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

    Example
    -------
    >>> to_questionnaire_html(fw, "questionnaire.html")  # doctest: +SKIP
    """
    items = _survey_items(fw, levels, respondents)
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
            text, opts = _text(ind, language)
            req = bool(ind.source.get("required"))
            if _is_numeric(ind):
                question(text, line, f"{ind.unit}; {_range_text(ind)}", req)
            else:
                pairs = _code_labels(ind)
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
    """Columns of the response template: metadata then indicator ids (all accepted on import)."""
    return list(METADATA_COLUMNS) + [i.id for i in _survey_items(fw, levels)]


def to_template(fw: Framework, path: str | Path, levels: Sequence[str] | None = None) -> Path:
    """Write an empty response template (``.csv`` or ``.xlsx``, chosen by the suffix).

    The header holds exactly :func:`template_columns`; the XLSX version adds a ``codes``
    sheet listing each column's allowed answers (the importer reads the first sheet only).

    Example
    -------
    >>> to_template(fw, "responses_template.csv")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = template_columns(fw, levels)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "responses"
        ws.append(cols)
        wc = wb.create_sheet("codes")
        wc.append(["column", "question", "allowed answers"])
        wc.append(["unit", "Unit code", f"code matching {UNIT_CODE_PATTERN}"])
        wc.append(["area", "Area code", f"text, at most {_AREA_MAX} characters"])
        wc.append(["wave", "Survey wave", f"year {WAVE_RANGE[0]}-{WAVE_RANGE[1]}"])
        wc.append(["area_type", "Type of area", ", ".join(AREA_TYPES)])
        wc.append(["respondent_role", "Respondent role", ", ".join(RESPONDENT_ROLES)])
        for ind in _survey_items(fw, levels):
            allowed = _range_text(ind) if _is_numeric(ind) else _codes_text(ind)
            if ind.type == "select_multiple":
                allowed = "space-separated codes: " + allowed
            wc.append([ind.id, str(ind.source.get("question", ind.label)), allowed])
        wb.save(path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow(cols)
    return path


# ================================================================== Responses
@dataclass
class Responses:
    """Validated survey responses from one export.

    Attributes
    ----------
    data : DataFrame
        Tidy accepted responses: ``respondent, unit_id, area, wave, area_type,
        respondent_role`` then one column per indicator present in the export (codes or
        numbers; select_multiple as canonical space-separated codes ``"1 3"``).
        ``respondent`` is the keyed pseudonym when a key was given, else the source id.
    rejected : DataFrame
        Rejected rows: ``respondent`` (pseudonym once a key is given), ``source_row`` and
        ``problems`` (column and what was expected; never the rows' cells or values).
    problems : list of Problem
        Every problem found (errors and warnings), in file order.
    identifiers : DataFrame
        ``respondent`` plus any identifier / free-text columns of accepted rows (original
        headers). Never written to processed output except via a side file.
    framework_id, framework_version, form_version : str
    source_file, source_sha256, encoding, delimiter : str
    n_in : int
        Data rows read (blank rows excluded).
    pseudonymised : bool
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem]
    identifiers: pd.DataFrame
    framework_id: str
    framework_version: str
    form_version: str
    source_file: str
    source_sha256: str
    encoding: str
    delimiter: str
    n_in: int
    pseudonymised: bool = False
    _raw_ids: pd.Series | None = field(default=None, repr=False)

    @property
    def n_accepted(self) -> int:
        """Rows accepted."""
        return len(self.data)

    @property
    def n_rejected(self) -> int:
        """Rows rejected (with their problems in :attr:`rejected`)."""
        return len(self.rejected)

    @property
    def errors(self) -> list[Problem]:
        """Problems with severity ``"error"``."""
        return [p for p in self.problems if p.severity == "error"]

    def table(self) -> pd.DataFrame:
        """All problems as a tidy frame."""
        return ValidationError(self.problems).table()

    def pseudonymise(self, key: bytes | str) -> Responses:
        """A copy with ``respondent`` replaced by keyed pseudonyms (idempotent)."""
        if self.pseudonymised:
            return self
        ids = self._raw_ids if self._raw_ids is not None else self.data["respondent"]
        data = self.data.copy()
        data["respondent"] = privacy.pseudonymise(ids.reset_index(drop=True), key).to_numpy()
        ident = self.identifiers.copy()
        ident["respondent"] = data["respondent"].to_numpy()
        rej = self.rejected.copy()
        if "respondent" in rej.columns and len(rej):
            rej["respondent"] = privacy.pseudonymise(rej["respondent"], key).to_numpy()
        out = Responses(**{**self.__dict__, "data": data, "identifiers": ident, "rejected": rej})
        out.pseudonymised = True
        return out

    def summary(self) -> str:
        """Plain-text summary of the import."""
        lines = [
            f"{self.source_file} (sha256 {self.source_sha256[:12]}..., {self.encoding}, "
            f"delimiter {self.delimiter!r})",
            f"  form version {self.form_version}",
            f"  rows in {self.n_in}, accepted {self.n_accepted}, rejected {self.n_rejected}",
            f"  problems: {len(self.errors)} error(s), "
            f"{len(self.problems) - len(self.errors)} warning(s)",
        ]
        return "\n".join(lines)


# ================================================================== reading
class _Fatal(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


def _col_letter(pos: int) -> str:
    return ingest.col_letter(pos)


@dataclass
class _Col:
    """One column as factorised strings: ``uniq[codes]`` (code -1 = cell absent)."""

    header: str
    pos: int
    codes: np.ndarray
    uniq: np.ndarray  # stripped strings

    def per_row(self, per_uniq: np.ndarray | list, fill: Any) -> np.ndarray:
        arr = np.asarray(per_uniq)
        if len(arr) == 0:
            return np.full(len(self.codes), fill, dtype=object if arr.dtype == object else None)
        out = arr[np.where(self.codes >= 0, self.codes, 0)]
        if (self.codes < 0).any():
            out = out.astype(object) if out.dtype.kind in "UO" else out.astype(float)
            out[self.codes < 0] = fill
        return out

    @property
    def values(self) -> np.ndarray:
        return self.per_row(self.uniq.astype(object), "")

    @property
    def missing(self) -> np.ndarray:
        m = np.array([u.lower() in _NA_TOKENS for u in self.uniq], dtype=bool)
        return self.per_row(m, True).astype(bool)


def _table(t: ingest.Table, label: str) -> tuple[list[str], list[_Col], np.ndarray, list[Problem]]:
    """Header, factorised stripped columns (blank rows removed), row numbers, ragged rows."""
    header = t.header
    if not header or not any(header):
        if t.n_rows == 0 or not any(
            (np.array([str(u).strip() != "" for u in uq], dtype=bool)).any() for uq in t.uniq
        ):
            raise _Fatal(
                [Problem(label, None, None, None, "a header row and data rows (the file is empty)")]
            )
        raise _Fatal([Problem(label, 1, None, None, "a header row with the column names in row 1")])
    header = [h.removeprefix("ï»¿") for h in header]
    named = [k for k, h in enumerate(header) if h != ""]
    width = named[-1] + 1  # cells a row must have (trailing unnamed columns are optional)
    n = t.n_rows
    lens = t.lengths.astype(np.int64)
    cols: list[_Col] = []
    blank = np.ones(n, dtype=bool)
    extra_nonempty = np.zeros(n, dtype=bool)
    for pos in range(max(len(header), len(t.codes))):
        if pos < len(t.codes):
            codes = t.codes[pos]  # int32: half the memory of int64 for a 1e6-row export
            clean = np.array([str(u).strip() for u in t.uniq[pos]], dtype=object)
        else:
            codes = np.full(n, -1, dtype=np.int32)
            clean = np.array([], dtype=object)
        empty_u = np.array([u == "" for u in clean], dtype=bool)
        empty = (
            np.where(codes >= 0, empty_u[np.where(codes >= 0, codes, 0)], True)
            if len(clean)
            else np.ones(n, dtype=bool)
        )
        blank &= empty
        if pos < len(header):
            cols.append(_Col(header[pos], pos, codes, clean))
        else:
            extra_nonempty |= ~empty
    rownums = t.rownums
    problems: list[Problem] = []
    keep = ~blank
    short = keep & (lens < width)
    for i in np.flatnonzero(short):
        problems.append(
            Problem(
                label,
                int(rownums[i]),
                None,
                f"{lens[i]} cells",
                f"{width} cells, as many as the header row (ragged row)",
            )
        )
    for i in np.flatnonzero(keep & extra_nonempty):
        problems.append(
            Problem(
                label,
                int(rownums[i]),
                None,
                f"{lens[i]} cells",
                f"at most {len(header)} cells, as many as the header row (ragged row)",
            )
        )
    for c in cols:
        c.codes = c.codes[keep]
    return header, cols, rownums[keep], problems


# ------------------------------------------------------------------ classify
@dataclass
class _Schema:
    fw: Framework
    items: dict[str, Indicator]
    sm: dict[str, Indicator]
    labels: dict[str, dict[str, int]]  # indicator -> normalised code/label -> code

    @classmethod
    def of(cls, fw: Framework) -> _Schema:
        items = {i.id: i for i in _survey_items(fw, None)}
        sm = {k: v for k, v in items.items() if v.type == "select_multiple"}
        labels: dict[str, dict[str, int]] = {}
        for k, ind in items.items():
            if _codes(ind) is None:
                continue
            m: dict[str, int] = {}
            for c, lab in _code_labels(ind):
                m[lab.strip().lower()] = c
            for c, _lab in _code_labels(ind):
                m[str(c)] = c
                m[f"{c}.0"] = c
            labels[k] = m
        return cls(fw, items, sm, labels)


def _classify(header: str, schema: _Schema) -> tuple[str, str, int | None, str | None]:
    """(kind, canonical name, option code, expected-message) for one header."""
    if header in SYSTEM_COLUMNS:
        return "system", header, None, None
    segs = [s for s in _GROUP_SEP.split(header) if s != ""]
    last = segs[-1] if segs else header
    if last in METADATA_COLUMNS or last in schema.items:
        return ("meta" if last in METADATA_COLUMNS else "item"), last, None, None
    for sid, ind in schema.sm.items():
        m = re.search(rf"(?:^|[/:.\-]){re.escape(sid)}[/:.\-](?P<opt>.+)$", header)
        if m:
            code = schema.labels[sid].get(m.group("opt").strip().lower())
            if code is None:
                return (
                    "unknown",
                    header,
                    None,
                    (
                        f"an option column of {sid} named {sid}/<code> with a code from "
                        f"{_codes_text(ind)}"
                    ),
                )
            return "sm_opt", sid, code, None
    if privacy.is_identifier(header):
        return "ident", header, None, None
    if last in SYSTEM_COLUMNS:
        return "system", last, None, None
    if header.lstrip("_") != header:
        # an unknown ``_``-prefixed column (``_passport_no``): not a declared system column,
        # so treated as an identifier: kept apart, never stored in processed data
        return "ident", header, None, None
    return "unknown", header, None, None


def _unknown_expected(schema: _Schema) -> str:
    ids = list(schema.items)
    shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
    return (
        f"a framework question id ({shown}), a metadata column ({', '.join(METADATA_COLUMNS)}) "
        "or a Kobo/ODK system column"
    )


# ------------------------------------------------------------------ validate
class _Collector:
    def __init__(self, label: str, rownums: np.ndarray):
        self.label = label
        self.rownums = rownums
        self.bad = np.zeros(len(rownums), dtype=bool)
        self.items: list[tuple[int, int, Problem]] = []

    def header(
        self, pos: int, column: str, value: Any, expected: str, severity: str = "error"
    ) -> None:
        self.items.append((1, pos, Problem(self.label, 1, column, value, expected, severity)))

    def cells(
        self,
        mask: np.ndarray,
        col: _Col,
        expected: str | np.ndarray,
        values: np.ndarray | None = None,
        column: str | None = None,
    ) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        vals = col.values if values is None else values
        exp_arr = expected if isinstance(expected, np.ndarray) else None
        for i in idx:
            v = vals[i]
            v = None if (v is None or v == "") else v
            e = exp_arr[i] if exp_arr is not None else expected
            row = int(self.rownums[i])
            self.items.append((row, col.pos, Problem(self.label, row, column or col.header, v, e)))
        self.bad[idx] = True

    def rowlevel(self, problems: list[Problem]) -> None:
        pos_of = {int(r): k for k, r in enumerate(self.rownums)}
        for p in problems:
            self.items.append((p.row or 0, -1, p))
            if p.row in pos_of:
                self.bad[pos_of[p.row]] = True

    def sorted(self) -> list[Problem]:
        return [p for _r, _c, p in sorted(self.items, key=lambda t: (t[0], t[1]))]


def _uniq_map(col: _Col, func) -> np.ndarray:
    return np.array([func(u) for u in col.uniq], dtype=object)


def read_responses(
    path: str | Path,
    fw: Framework,
    unit_id: str | None = None,
    units: Iterable[str] | None = None,
    on_error: str = "raise",
    file_label: str | None = None,
    key: bytes | str | None = None,
) -> Responses:
    """Read and validate a survey export (Kobo/ODK CSV, XLSX, or the plain template).

    Parameters
    ----------
    path : str or Path
        The export. CSV with ``,``, ``;`` or tab (sniffed), UTF-8 with or without BOM,
        else Windows-1252 / Latin-1; or ``.xlsx`` (first sheet) / ``.xls``.
    fw : Framework
        The framework the form was generated from.
    unit_id : str, optional
        The unit being imported: every row's ``unit`` must equal it (and a missing ``unit``
        column is filled with it).
    units : iterable of str, optional
        Valid unit codes; other codes are problems.
    on_error : {"raise", "split"}
        ``"raise"``: any error raises one :class:`ValidationError` with all problems.
        ``"split"``: rows with problems go to :attr:`Responses.rejected` (with their
        problems), valid rows are imported. Problems of the whole file (unreadable file,
        unknown or missing columns) always raise.
    file_label : str, optional
        Name used in problems (default: the file name).
    key : bytes or str, optional
        Pseudonymisation key; when given, ``respondent`` is the keyed pseudonym.

    Returns
    -------
    Responses

    Raises
    ------
    ValidationError
        For every kind of bad input (never a raw pandas/Python exception).

    Notes
    -----
    Headers ``group/question`` lose their group prefix (``/``, ``-``, ``:`` or ``.``
    separators); Kobo ``multi_sel=both`` option columns ``question/code`` (or
    ``question/label``) are cross-checked against the space-separated column; system
    columns (``_uuid``, ``_submission_time``, ``_index``, ``_id``, ``start``, ``end``,
    ``meta/instanceID``, ``__version__``, ODK Central's ``KEY`` ...) are accepted;
    identifier / free-text columns (see :func:`privacy.is_identifier`) are kept apart in
    :attr:`Responses.identifiers`. Codes may also be given as their option labels
    (case-insensitive). Decimal commas (``3,5``) are accepted in numeric answers.
    The framework version is checked against ``form_version`` / ``FormVersion`` values and
    against stamp-shaped ``__version__`` values (Kobo's own ``__version__`` uids are ignored).

    Example
    -------
    >>> r = read_responses("DE001C_selfassessment_kobo.csv", fw, unit_id="DE001C")  # doctest: +SKIP
    >>> r.n_accepted, r.n_rejected  # doctest: +SKIP
    (120, 0)
    """
    if on_error not in ("raise", "split"):
        raise ValueError("on_error must be 'raise' or 'split'")
    path = Path(path)
    label = file_label or path.name
    data = ingest.read_bytes(path, label)
    sha = hashlib.sha256(data).hexdigest()
    # millions of short-lived cells: the cyclic GC only slows parsing down (no cycles here)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        holder = [data]  # _read takes ownership: the bytes are freed once parsed
        del data
        return _read(holder, sha, path, label, fw, unit_id, units, on_error, key)
    except _Fatal as exc:
        raise ValidationError(exc.problems, label) from None
    finally:
        if gc_was_enabled:
            gc.enable()


def _read(
    holder: list[bytes],
    sha: str,
    path: Path,
    label: str,
    fw: Framework,
    unit_id: str | None,
    units: Iterable[str] | None,
    on_error: str,
    key: bytes | str | None,
) -> Responses:
    data = holder.pop()
    if not data:
        raise _Fatal(
            [Problem(label, None, None, None, "a header row and data rows (the file is empty)")]
        )
    schema = _Schema.of(fw)
    used_system = {*_ID_COLUMNS, "_id", *_VERSION_COLUMNS}

    def unused(h: str) -> bool:  # Kobo timestamps, indexes, statuses: never read
        kind, name, _c, _e = _classify(h, schema)
        return kind == "system" and name not in used_system and h not in used_system

    try:
        t = ingest.read_table(path, data=data, label=label, skip=unused)
    except ValidationError as exc:
        raise _Fatal(exc.problems) from None
    del data
    enc, sep = t.encoding, t.delimiter
    header, cols, rownums, ragged = _table(t, label)
    del t
    if len(rownums) == 0:
        raise _Fatal(
            [
                Problem(
                    label,
                    2,
                    None,
                    None,
                    "at least one data row below the header (the file has only a header)",
                )
            ]
        )
    stamp = form_version(fw)
    col = _Collector(label, rownums)
    n = len(rownums)

    # ---- header
    by_name: dict[str, _Col] = {}
    sm_opts: dict[str, dict[int, _Col]] = {}
    system: dict[str, _Col] = {}
    ident: list[_Col] = []
    seen: dict[tuple, str] = {}
    for c in cols:
        if c.header == "":
            if not c.missing.all():
                col.header(c.pos, f"(column {_col_letter(c.pos)})", "", "a column name in row 1")
            continue
        kind, name, code, exp = _classify(c.header, schema)
        if kind == "unknown":
            col.header(c.pos, c.header, c.header, exp or _unknown_expected(schema))
            continue
        k = (kind, name, code)
        if k in seen and kind in ("meta", "item", "sm_opt"):
            col.header(
                c.pos, c.header, c.header, f"one column per question (also in column {seen[k]!r})"
            )
            continue
        seen[k] = c.header
        if kind in ("meta", "item"):
            by_name[name] = c
        elif kind == "sm_opt":
            sm_opts.setdefault(name, {})[int(code)] = c
        elif kind == "system":
            system.setdefault(name, c)
        else:
            ident.append(c)
    for m in METADATA_COLUMNS:
        if m not in by_name and not (m == "unit" and unit_id):
            col.header(len(cols), m, None, f"a column {m!r} (required metadata)")
    absent = []
    for iid, ind in schema.items.items():
        present = iid in by_name or iid in sm_opts
        if not present and ind.source.get("required"):
            col.header(len(cols), iid, None, f"a column {iid!r} (required question)")
        elif not present:
            absent.append(iid)
    if 0 < len(absent) <= 3:
        for iid in absent:
            col.header(
                len(cols),
                iid,
                None,
                f"a column {iid!r} (question missing from the export; left out)",
                "warning",
            )
    elif absent:
        shown = ", ".join(absent[:8]) + (", ..." if len(absent) > 8 else "")
        col.header(
            len(cols),
            None,
            f"{len(absent)} questions",
            f"columns for {shown} (questions missing from the export; left out)",
            "warning",
        )
    header_errors = [p for _r, _c, p in col.items if p.severity == "error"]
    # a missing required column leaves nothing to check the rows against: stop here; an
    # unknown, unnamed or duplicated column does not, so the cells are still validated and
    # every problem of the file is reported at once (the file is refused either way)
    if any("required" in p.expected for p in header_errors):
        raise _Fatal(col.sorted() + ragged)
    col.rowlevel(ragged)

    out: dict[str, Any] = {}
    # ---- metadata
    if "unit" in by_name:
        c = by_name["unit"]
        up = _uniq_map(c, lambda u: u.upper())
        vals = c.per_row(up, "")
        miss = c.missing
        col.cells(miss, c, "a unit code (required)")
        bad_pat = ~miss & c.per_row(
            np.array([not re.match(UNIT_CODE_PATTERN, u) for u in up], dtype=bool), False
        ).astype(bool)
        col.cells(
            bad_pat,
            c,
            "a unit code like DE001C or BE212 (country letters then upper-case letters/digits)",
        )
        ok = ~miss & ~bad_pat
        if units is not None:
            uset = {str(u).upper() for u in units}
            shown = ", ".join(sorted(uset)[:10]) + (", ..." if len(uset) > 10 else "")
            unk = ok & ~np.isin(vals, list(uset))
            col.cells(unk, c, f"a known unit code ({shown})")
            ok &= ~unk
        if unit_id:
            diff = ok & (vals != unit_id.upper())
            col.cells(diff, c, f"{unit_id} (the unit being imported)")
        out["unit_id"] = vals
    else:
        out["unit_id"] = np.full(n, str(unit_id).upper(), dtype=object)

    c = by_name["area"]
    miss = c.missing
    col.cells(miss, c, "an area code (required)")
    long_ = ~miss & c.per_row(
        np.array([len(u) > _AREA_MAX for u in c.uniq], dtype=bool), False
    ).astype(bool)
    col.cells(long_, c, f"an area code of at most {_AREA_MAX} characters")
    free = (
        ~miss
        & ~long_
        & c.per_row(np.array([not _area_ok(u) for u in c.uniq], dtype=bool), False).astype(bool)
    )
    col.cells(
        free,
        c,
        "an area code (letters, digits, spaces, . - ' ( ); no e-mail, phone number or free text)",
        values=np.full(n, "(withheld)", dtype=object),
    )
    out["area"] = c.values

    c = by_name["wave"]
    miss = c.missing
    col.cells(miss, c, "a survey wave (year, required)")
    num = pd.to_numeric(pd.Series(c.uniq, dtype=object), errors="coerce").to_numpy(dtype=float)
    w = c.per_row(num, np.nan).astype(float)
    badw = ~miss & (np.isnan(w) | (w != np.round(w)) | (w < WAVE_RANGE[0]) | (w > WAVE_RANGE[1]))
    col.cells(badw, c, f"a year between {WAVE_RANGE[0]} and {WAVE_RANGE[1]}")
    out["wave"] = pd.array(np.where(np.isnan(w) | badw, np.nan, w), dtype="Float64").astype("Int64")

    for name, choices in (("area_type", AREA_TYPES), ("respondent_role", RESPONDENT_ROLES)):
        c = by_name[name]
        lut = {k: k for k in choices} | {v.lower(): k for k, v in choices.items()}
        mapped = c.per_row(_uniq_map(c, lambda u, lut=lut: lut.get(u.lower(), "")), "")
        miss = c.missing
        col.cells(miss, c, f"one of {', '.join(choices)} (required)")
        col.cells(~miss & (mapped == ""), c, f"one of {', '.join(choices)}")
        out[name] = mapped

    # ---- items
    for iid, ind in schema.items.items():
        if ind.type == "select_multiple":
            if iid in by_name or iid in sm_opts:
                out[iid] = _select_multiple(
                    ind, by_name.get(iid), sm_opts.get(iid, {}), col, schema
                )
            continue
        if iid not in by_name:
            continue
        c = by_name[iid]
        miss = c.missing
        if ind.source.get("required"):
            col.cells(miss, c, "an answer (required question)")
        if _is_numeric(ind):
            fixed = pd.Series(c.uniq, dtype=object).str.replace(
                r"^(-?\d+),(\d+)$", r"\1.\2", regex=True
            )
            num = pd.to_numeric(fixed, errors="coerce").to_numpy(dtype=float)
            x = c.per_row(num, np.nan).astype(float)
            lo, hi = _num_range(ind)
            bad = ~miss & (np.isnan(x) | ~np.isfinite(x))
            if lo is not None:
                bad |= ~miss & (x < lo)
            if hi is not None:
                bad |= ~miss & (x > hi)
            if ind.type == "count":
                bad |= ~miss & (x != np.round(x))
            col.cells(bad, c, f"{_range_text(ind)} ({ind.unit})")
            x = np.where(miss | bad, np.nan, x)
            out[iid] = pd.array(x, dtype="Float64").astype("Int64") if ind.type == "count" else x
        else:
            lut = schema.labels[iid]
            code = _uniq_map(c, lambda u, lut=lut: lut.get(u.lower(), -1))
            v = c.per_row(code.astype(np.int64), -1).astype(np.int64)
            bad = ~miss & (v < 0)
            col.cells(bad, c, f"a code {_codes_text(ind)}")
            out[iid] = pd.array(np.where(v < 0, np.nan, v), dtype="Float64").astype("Int64")

    # ---- submission ids, duplicates, version
    def id_values(c: _Col) -> np.ndarray:
        u = np.array([x[5:] if x.startswith("uuid:") else x for x in c.uniq], dtype=object)
        return c.per_row(u, "")

    raw_id = pd.Series(np.full(n, None, dtype=object))
    id_col = next((system[k] for k in _ID_COLUMNS if k in system), None)
    ids = id_values(id_col) if id_col is not None else None
    for k in (*_ID_COLUMNS, "_id"):
        if k in system and raw_id.isna().any():
            c = system[k]
            v = ids if c is id_col else id_values(c)
            raw_id = raw_id.where(raw_id.notna(), pd.Series(v, dtype=object).where(~c.missing))
    if raw_id.isna().any():
        fallback = pd.Series([f"{sha[:16]}-row{r}" for r in rownums], dtype=object)
        raw_id = raw_id.where(raw_id.notna(), fallback)
    if id_col is not None:
        ids = pd.Series(ids, dtype=object)
        present = ~id_col.missing
        dup = present & ids.duplicated(keep="first").to_numpy()
        if dup.any():
            first_row = pd.Series(rownums).groupby(ids.to_numpy()).transform("first").to_numpy()
            exp = np.array(
                [f"a unique submission id (first seen in row {r})" for r in first_row], dtype=object
            )
            shown = (
                privacy.pseudonymise(ids, key).to_numpy(dtype=object)
                if key is not None
                else np.full(n, "(submission id withheld)", dtype=object)
            )
            col.cells(dup, id_col, exp, values=shown)
    for vname in _VERSION_COLUMNS:
        if vname not in system:
            continue
        c = system[vname]
        strict = vname in ("form_version", "FormVersion")

        def wrong(u: str, strict: bool = strict) -> bool:
            if u.lower() in _NA_TOKENS:
                return False
            if not strict and not (_STAMP_RE.match(u) or _SEMVER_RE.match(u)):
                return False  # Kobo's own __version__ uid
            return u not in (stamp, fw.version)

        bad = c.per_row(np.array([wrong(u) for u in c.uniq], dtype=bool), False).astype(bool)
        col.cells(
            bad,
            c,
            f"form version {stamp} (framework {fw.id} {fw.version}); re-generate the "
            "form from this framework or load the framework version the form was made from",
        )

    problems = col.sorted()
    errors = [p for p in problems if p.severity == "error"]
    if (errors and on_error == "raise") or header_errors:
        raise _Fatal(problems)  # header problems concern every row: refused even when splitting
    bad = col.bad
    good = ~bad

    # ---- assemble
    frame = pd.DataFrame(
        {
            "respondent": raw_id.to_numpy(),
            "unit_id": out["unit_id"],
            "area": out["area"],
            "wave": out["wave"],
            "area_type": out["area_type"],
            "respondent_role": out["respondent_role"],
        }
    )
    for iid in schema.items:
        if iid in out:
            frame[iid] = out[iid]
    accepted = frame[good].reset_index(drop=True)
    for cname in ("respondent", "unit_id", "area", "area_type", "respondent_role"):
        accepted[cname] = accepted[cname].astype(object)
    raw_ids = accepted["respondent"].copy()
    idf = pd.DataFrame({"respondent": raw_ids})
    for c in ident:
        idf[c.header] = c.values[good]

    # rejected rows keep no cells: a name typed into an answer must not travel on
    rejected = pd.DataFrame({"respondent": raw_id.to_numpy()[bad], "source_row": rownums[bad]})
    if bad.any():
        text: dict[int, list[str]] = {}
        for p in errors:
            if p.row is not None:
                where = f"column {p.column!r}: " if p.column else ""
                val = "missing, " if p.value is None else ""
                text.setdefault(p.row, []).append(f"{where}{val}expected {p.expected}")
        rejected.insert(2, "problems", ["; ".join(text.get(int(r), [])) for r in rownums[bad]])
    else:
        rejected.insert(2, "problems", pd.Series([], dtype=object))
    res = Responses(
        data=accepted,
        rejected=rejected,
        problems=problems,
        identifiers=idf,
        framework_id=fw.id,
        framework_version=fw.version,
        form_version=stamp,
        source_file=label,
        source_sha256=sha,
        encoding=enc,
        delimiter=sep,
        n_in=n,
        pseudonymised=False,
        _raw_ids=raw_ids,
    )
    return res.pseudonymise(key) if key is not None else res


def _select_multiple(
    ind: Indicator, main: _Col | None, opts: dict[int, _Col], col: _Collector, schema: _Schema
) -> np.ndarray:
    codes = _codes(ind) or []
    n = len(col.rownums)
    expected = f"space-separated codes from {_codes_text(ind)}"
    have = np.zeros((n, len(codes)), dtype=bool)
    answered = np.zeros(n, dtype=bool)
    if main is not None:
        miss = main.missing
        if ind.source.get("required"):
            col.cells(miss, main, "an answer (required question)")
        valid = {str(c) for c in codes}

        def ok(u: str) -> bool:
            return u.lower() in _NA_TOKENS or all(t in valid for t in u.split())

        okm = main.per_row(np.array([ok(u) for u in main.uniq], dtype=bool), True).astype(bool)
        col.cells(~okm, main, expected)
        for j, c in enumerate(codes):
            tok = np.array([str(c) in u.split() for u in main.uniq], dtype=bool)
            have[:, j] = main.per_row(tok, False).astype(bool) & okm
        answered = ~miss & okm
    if opts:
        lut = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}
        split = np.zeros((n, len(codes)), dtype=bool)
        any_split = np.zeros(n, dtype=bool)
        for j, c in enumerate(codes):
            oc = opts.get(c)
            if oc is None:
                continue
            v = oc.per_row(
                _uniq_map(
                    oc, lambda u: lut.get(u.lower(), -1 if u.lower() not in _NA_TOKENS else -2)
                ),
                -2,
            )
            v = v.astype(np.int64)
            col.cells(v == -1, oc, f"0 or 1 (option {c} = {_code_labels(ind)[j][1]} ticked)")
            split[:, j] = v == 1
            any_split |= v >= 0
            if main is not None:
                both = answered & (v >= 0)
                mism = both & (split[:, j] != have[:, j])
                if mism.any():
                    col.cells(mism, oc, f"0 or 1 agreeing with column {main.header!r}")
        if main is None:
            have = split
            answered = any_split & split.any(axis=1)
            if ind.source.get("required"):
                first = next(iter(opts.values()))
                col.cells(~answered, first, "an answer (required question)", column=ind.id)
    s = pd.Series(np.full(n, "", dtype=object))
    for j, c in enumerate(codes):
        s = s + np.where(have[:, j], f"{c} ", "")
    s = s.str.rstrip()
    return s.where(answered & (s != ""), None).to_numpy(dtype=object)


# ================================================================== aggregate
def aggregate(
    responses: pd.DataFrame | Responses,
    fw: Framework,
    by: Sequence[str] = ("unit_id", "wave"),
    weights: str | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Tidy survey indicator values per group.

    Parameters
    ----------
    responses : DataFrame or Responses
        Tidy responses (``Responses.data`` layout).
    fw : Framework
    by : sequence of str
        Grouping columns; ``wave`` is reported as ``period``.
    weights : str or array-like, optional
        A weight column name (or one weight per row); weighted shares / means.

    Returns
    -------
    DataFrame
        ``unit_id, indicator_id, period, value, n, source`` (plus any other ``by``
        columns before ``indicator_id``). ``aggregate: share`` -> 100 x (weighted) share of
        respondents whose answer is in ``source.positive`` (select_multiple: who ticked any
        positive option); ``aggregate: mean`` -> (weighted) mean answer. ``n`` = respondents
        who answered (unweighted). Groups where nobody answered are left out. Values are not
        suppressed here: apply :func:`privacy.suppress` before publishing. Indicators whose
        ``source.respondent`` names a role other than ``resident`` (e.g. ``city_staff``)
        use only the answers of respondents with that ``respondent_role``.

    Example
    -------
    >>> aggregate(r.data, fw).head()  # doctest: +SKIP
    """
    df = responses.data if isinstance(responses, Responses) else responses
    by = list(by)
    missing = [b for b in by if b not in df.columns]
    if missing:
        raise KeyError(f"grouping columns not in the responses: {missing}")
    nrow = len(df)
    if weights is None:
        w = np.ones(nrow)
    else:
        wv = df[weights] if isinstance(weights, str) else pd.Series(np.asarray(weights))
        w = pd.to_numeric(wv, errors="coerce").to_numpy(dtype=float)
        badw = ~np.isfinite(w) | (w < 0)
        if len(w) != nrow or badw.any():
            probs = [
                Problem(
                    "<responses>",
                    int(i) + 2,
                    str(weights) if isinstance(weights, str) else "weights",
                    None if np.isnan(w[i]) else float(w[i]),
                    "a finite weight >= 0",
                )
                for i in np.flatnonzero(badw)[:200]
            ]
            if len(w) != nrow:
                probs = [
                    Problem("<responses>", None, "weights", len(w), f"{nrow} weights, one per row")
                ]
            raise ValidationError(probs, "survey weights")
    keys = df[by].reset_index(drop=True)
    parts = []
    roles = df["respondent_role"].reset_index(drop=True) if "respondent_role" in df else None
    for ind in fw.survey_indicators():
        if ind.id not in df.columns:
            continue
        s = df[ind.id].reset_index(drop=True)
        role = ind.source.get("respondent")
        if roles is not None and role not in (None, "resident", "any"):
            # facts about the authority (a written strategy, a safety audit) are answered by
            # its staff: other respondents' answers are not evidence about them
            s = s.where(roles == role)
        kind = _aggregate_kind(ind)
        if ind.type == "select_multiple":
            st = s.astype("string")
            pos = _positive(ind)
            pat = r"(?:^|\s)(?:" + "|".join(str(p) for p in pos) + r")(?:\s|$)"
            hit = st.str.contains(pat, regex=True)
            x = np.where(
                st.isna().to_numpy(), np.nan, hit.fillna(False).to_numpy(dtype=bool).astype(float)
            )
        else:
            x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if kind == "share":
                x = np.where(np.isnan(x), np.nan, np.isin(x, _positive(ind)).astype(float))
        ans = ~np.isnan(x)
        tmp = keys.copy()
        tmp["_wx"] = np.where(ans, w * np.nan_to_num(x), 0.0)
        tmp["_w"] = np.where(ans, w, 0.0)
        tmp["n"] = ans.astype(np.int64)
        g = (
            tmp.groupby(by, sort=True, dropna=False, observed=True)[["_wx", "_w", "n"]]
            .sum()
            .reset_index()
        )
        g = g[g["n"] > 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            val = g["_wx"].to_numpy() / g["_w"].to_numpy()
        if kind == "share":
            val = val * 100.0
        g["value"] = val
        g["indicator_id"] = ind.id
        parts.append(g.drop(columns=["_wx", "_w"]))
    cols = [("period" if b == "wave" else b) for b in by]
    order = (
        [c for c in cols if c != "period"]
        + ["indicator_id"]
        + (["period"] if "period" in cols else [])
    )
    order += ["value", "n", "source"]
    if not parts:
        return pd.DataFrame(columns=order)
    res = pd.concat(parts, ignore_index=True).rename(columns={"wave": "period"})
    res["source"] = "survey"
    res["n"] = res["n"].astype("int64")
    return res[order].reset_index(drop=True)


# ================================================================== import
def _within(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return ingest.csv_bytes(df)  # formula prefixes neutralised


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Round-trip through CSV text so new and previously written rows compare as strings."""
    return pd.read_csv(io.BytesIO(_csv_bytes(df)), dtype=str, keep_default_na=False)


def _typed(df: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    out = df.copy()
    out["wave"] = pd.to_numeric(out["wave"], errors="coerce").astype("Int64")
    for ind in fw.survey_indicators():
        if ind.id in out.columns:
            if ind.type == "select_multiple":
                out[ind.id] = out[ind.id].where(out[ind.id] != "", None)
            else:
                out[ind.id] = pd.to_numeric(out[ind.id].replace("", np.nan), errors="coerce")
    return out


def import_export(
    path: str | Path,
    fw: Framework,
    unit_id: str,
    processed_dir: str | Path,
    key: bytes | str | None,
    on_error: str = "raise",
    side_file: str | Path | None = None,
    units: Iterable[str] | None = None,
) -> dict:
    """Import one survey export into ``processed_dir/<unit>/`` (idempotent).

    Runs :func:`read_responses` -> :func:`privacy.pseudonymise` ->
    :func:`privacy.strip_identifiers`, then writes

    * ``responses.csv`` - tidy pseudonymised responses of the unit from every imported
      export (rows of this export replace rows with the same respondent or from an earlier
      import of the same file name, so cumulative Kobo exports do not double-count);
    * ``indicators_survey.csv`` - :func:`aggregate` over ``responses.csv`` by unit and wave
      (not suppressed; reports apply :func:`privacy.suppress`);
    * ``rejected.csv`` - rejected rows with their problems (``on_error="split"``;
      identifiers and raw submission ids removed);
    * ``manifest.json`` - one entry per source file (sha256, rows in / accepted /
      rejected, framework and form version, key fingerprint, import time, output hashes).

    Nothing is written before validation has passed, nothing is ever written under the
    input's directory, and re-importing the same export gives byte-identical files (the
    import time of an unchanged entry is kept).

    Parameters
    ----------
    path : str or Path
        The export (never modified).
    fw : Framework
    unit_id : str
        The unit; every row must belong to it.
    processed_dir : str or Path
        Root of processed data (e.g. ``data/processed``).
    key : bytes or str or None
        Pseudonymisation key; ``None`` -> :func:`privacy.load_key` (refuses when missing).
    on_error : {"raise", "split"}
    side_file : str or Path, optional
        Where identifier / free-text columns go (0600); default: discarded.
    units : iterable of str, optional
        Valid unit codes (passed to :func:`read_responses`).

    Returns
    -------
    dict
        The manifest entry of this import.
    """
    path = Path(path)
    unit = str(unit_id).upper()
    if not re.match(UNIT_CODE_PATTERN, unit):
        raise ValidationError(
            [Problem("<arguments>", None, "unit_id", unit_id, "a unit code like DE001C or BE212")],
            "import arguments",
        )
    ingest.check_output(processed_dir, what="processed_dir")
    out_dir = Path(processed_dir) / unit
    in_dir = path.resolve().parent
    if side_file is not None:
        ingest.check_output(side_file, what="side_file")
        if _within(Path(side_file), Path(processed_dir)):
            raise ValidationError(
                [
                    Problem(
                        "<arguments>",
                        None,
                        "side_file",
                        str(side_file),
                        f"a location outside {processed_dir} (free text and identifiers never "
                        "go into processed data; keep the side file with the raw data's "
                        "access controls)",
                    )
                ],
                "import arguments",
            )
    for what, target in (
        ("processed_dir", out_dir),
        ("side_file", Path(side_file) if side_file else None),
    ):
        if target is not None and _within(target, in_dir):
            raise ValidationError(
                [
                    Problem(
                        "<arguments>",
                        None,
                        what,
                        str(target),
                        f"a location outside the raw input's directory {in_dir} "
                        "(raw data is immutable)",
                    )
                ],
                "import arguments",
            )
    if key is None:
        key = privacy.load_key()
    r = read_responses(path, fw, unit_id=unit, units=units, on_error=on_error, key=key)

    base = ["respondent", "unit_id", "area", "wave", "area_type", "respondent_role"]
    item_ids = [i.id for i in fw.survey_indicators()]
    keep = base + [c for c in r.data.columns if c in item_ids]
    frame = r.data.copy()
    for c in r.identifiers.columns:
        if c != "respondent":
            frame[c] = r.identifiers[c].to_numpy()
    clean = privacy.strip_identifiers(frame, keep_side_file=side_file, keep=keep)
    clean = clean[keep].copy()
    clean["source_file"] = r.source_file

    # ---- merge with earlier imports of this unit
    resp_path = out_dir / "responses.csv"
    new = _as_strings(clean)
    if resp_path.exists():
        old = pd.read_csv(resp_path, dtype=str, keep_default_na=False)
        if "source_file" in old.columns and "respondent" in old.columns:
            drop = (old["source_file"] == r.source_file) | old["respondent"].isin(new["respondent"])
            old = old[~drop]
        merged = pd.concat([old, new], ignore_index=True).fillna("")
    else:
        merged = new
    known_order = base + [i for i in item_ids if i in merged.columns]
    extra = [c for c in merged.columns if c not in known_order and c != "source_file"]
    merged = merged[known_order + extra + ["source_file"]]
    merged = merged.sort_values(
        ["unit_id", "wave", "area", "respondent", "source_file"], kind="mergesort"
    )
    merged = merged.reset_index(drop=True)
    resp_bytes = _csv_bytes(merged)

    ind = aggregate(_typed(merged, fw), fw, by=("unit_id", "wave"))
    ind["value"] = ind["value"].round(8)
    ind_bytes = _csv_bytes(ind)

    # ---- rejected rows: file, row, column, problem; never their cells or values
    rej_path = out_dir / "rejected.csv"
    rej = pd.DataFrame(
        [
            {"file": r.source_file, "row": p.row, "column": p.column or "", "problem": p.expected}
            for p in r.errors
            if p.row is not None and p.row in set(r.rejected["source_row"].tolist())
        ],
        columns=REJECTED_COLUMNS,
    )
    rej_new = _as_strings(rej) if len(rej) else rej.astype(str)
    if rej_path.exists():
        old = pd.read_csv(rej_path, dtype=str, keep_default_na=False)
        if list(old.columns) != list(REJECTED_COLUMNS):  # an older layout kept cells: drop it
            old = old.iloc[0:0].reindex(columns=REJECTED_COLUMNS)
        old = old[old["file"] != r.source_file]
        rej_all = pd.concat([old, rej_new], ignore_index=True).fillna("")
    else:
        rej_all = rej_new
    if len(rej_all):
        rej_all = rej_all.assign(_o=pd.to_numeric(rej_all["row"], errors="coerce"))
        rej_all = rej_all.sort_values(["file", "_o"], kind="mergesort").drop(columns="_o")
        rej_bytes: bytes | None = _csv_bytes(rej_all.reset_index(drop=True))
    else:
        rej_bytes = None

    # ---- manifest
    man_path = out_dir / "manifest.json"
    manifest: dict[str, Any] = {"unit_id": unit, "imports": []}
    if man_path.exists():
        try:
            manifest = json.loads(man_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {"unit_id": unit, "imports": []}
    entries = [e for e in manifest.get("imports", []) if isinstance(e, dict)]
    prev = next((e for e in entries if e.get("source_file") == r.source_file), None)
    entry = {
        "source_file": r.source_file,
        "source_sha256": r.source_sha256,
        "encoding": r.encoding,
        "delimiter": r.delimiter,
        "rows_in": r.n_in,
        "rows_accepted": r.n_accepted,
        "rows_rejected": r.n_rejected,
        "framework_id": fw.id,
        "framework_version": fw.version,
        "form_version": r.form_version,
        "on_error": on_error,
        "pseudonymisation": "HMAC-SHA256, 16 hex digits, prefix r_",
        "key_fingerprint": privacy.key_fingerprint(key),
        "stripped_columns": sorted(clean.attrs.get("stripped_columns", [])),
        "side_file_written": bool(side_file) and bool(clean.attrs.get("stripped_columns")),
    }
    same = prev is not None and all(prev.get(k) == v for k, v in entry.items())
    entry["imported_at"] = (
        prev["imported_at"]
        if same and "imported_at" in prev
        else datetime.now(UTC).replace(microsecond=0).isoformat()
    )
    entries = [e for e in entries if e.get("source_file") != r.source_file] + [entry]
    entries.sort(key=lambda e: str(e.get("source_file")))
    outputs = {
        "responses.csv": hashlib.sha256(resp_bytes).hexdigest(),
        "indicators_survey.csv": hashlib.sha256(ind_bytes).hexdigest(),
    }
    if rej_bytes is not None:
        outputs["rejected.csv"] = hashlib.sha256(rej_bytes).hexdigest()
    manifest = {"unit_id": unit, "kind": "survey", "imports": entries, "outputs": outputs}
    man_bytes = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(
        "utf-8"
    )

    _atomic_write(resp_path, resp_bytes)
    _atomic_write(out_dir / "indicators_survey.csv", ind_bytes)
    if rej_bytes is not None:
        _atomic_write(rej_path, rej_bytes)
    elif rej_path.exists():
        rej_path.unlink()
    _atomic_write(man_path, man_bytes)
    return entry


# ================================================================ simulation
#: Default synthetic areas per pilot unit: (area code, area type).
DEMO_AREAS: dict[str, list[tuple[str, str]]] = {
    "ES001C": [
        ("Lavapies", "intervention"),
        ("San-Cristobal", "intervention"),
        ("Chamberi", "comparison"),
        ("Usera", "comparison"),
    ],
    "FI001C": [
        ("Kallio", "intervention"),
        ("Itäkeskus", "intervention"),
        ("Vuosaari", "comparison"),
        ("Kontula", "comparison"),
    ],
    "LV001C": [
        ("Maskavas-forstate", "intervention"),
        ("Purvciems", "comparison"),
        ("Imanta", "comparison"),
    ],
    "AT001C": [
        ("Favoriten", "intervention"),
        ("Floridsdorf", "comparison"),
        ("Simmering", "comparison"),
        ("Innere-Stadt", "none"),
    ],
    "DE001C": [
        ("Neukölln-Nord", "intervention"),
        ("Märkisches-Viertel", "intervention"),
        ("Spandau-Mitte", "comparison"),
        ("Köpenick", "comparison"),
    ],
    "BE212": [
        ("Mechelen-Noord", "intervention"),
        ("Nekkerspoel", "comparison"),
        ("Muizen", "comparison"),
    ],
    "FRL03": [
        ("Nice-Libération", "intervention"),
        ("Ariane", "intervention"),
        ("Cimiez", "comparison"),
        ("Saint-Roch", "comparison"),
    ],
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate_responses(
    fw: Framework,
    units: Sequence[str],
    n: int | tuple[int, int] = (60, 150),
    seed: int = 0,
    waves: Sequence[int] = (2023, 2025),
    areas: dict[str, list[tuple[str, str]]] | None = None,
    effect: float = 0.6,
    missing: float = 0.03,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Synthetic survey responses (SYNTHETIC - for tests, demos and benchmarks).

    A latent "sense of security" per respondent = unit effect + area effect + role effect
    + noise, with a planted improvement of ``effect`` (latent SD units) in intervention
    areas in the last wave. Each item reads the latent with its direction (an improvement
    lowers "higher is worse" items), a loading and item-specific offset; items are then
    coded like the real form (Likert codes, 0/1, numbers in range, ticked options).

    Parameters
    ----------
    fw : Framework
    units : sequence of str
        Unit codes.
    n : int or (low, high)
        Respondents per unit (all waves together); a pair draws a number per unit.
    seed : int
        Random seed (everything is derived from it).
    waves : sequence of int
        Survey waves (years); respondents are split evenly at random.
    areas : dict, optional
        ``unit -> [(area code, area type), ...]``; default :data:`DEMO_AREAS` or
        ``<unit>-A1..A4`` (two intervention, two comparison areas).
    effect : float
        Planted improvement in intervention areas in the last wave.
    missing : float
        Share of missing answers per non-required item.
    levels : sequence of str, optional
        Only indicators for these levels.

    Returns
    -------
    DataFrame
        ``_uuid, unit, area, wave, area_type, respondent_role`` and one column per survey
        indicator (template layout, plus ``_uuid``).

    Example
    -------
    >>> df = simulate_responses(fw, ["DE001C"], n=100, seed=1)  # doctest: +SKIP
    """
    rng = np.random.default_rng(seed)
    items = _survey_items(fw, levels)
    frames = []
    roles = np.array(list(RESPONDENT_ROLES))
    role_p = np.array([0.78, 0.06, 0.04, 0.05, 0.05, 0.02])
    role_eff = {
        "resident": 0.0,
        "city_staff": 0.3,
        "police": 0.4,
        "civil_society": -0.1,
        "business": -0.2,
        "other": 0.0,
    }
    last = max(waves)
    for unit in units:
        k = int(rng.integers(n[0], n[1] + 1)) if isinstance(n, tuple) else int(n)
        ua = (
            (areas or {}).get(unit)
            or DEMO_AREAS.get(unit)
            or [
                (f"{unit}-A{j + 1}", t)
                for j, t in enumerate(["intervention", "intervention", "comparison", "comparison"])
            ]
        )
        unit_eff = rng.normal(0, 0.4)
        area_eff = rng.normal(0, 0.25, len(ua))
        ai = rng.integers(0, len(ua), k)
        wave = rng.choice(np.asarray(waves), k)
        role = rng.choice(roles, k, p=role_p)
        atype = np.array([t for _a, t in ua], dtype=object)[ai]
        z = (
            unit_eff
            + area_eff[ai]
            + np.vectorize(role_eff.get)(role)
            + 0.05 * (wave - min(waves)) / max(1, last - min(waves))
            + effect * ((atype == "intervention") & (wave == last))
            + rng.normal(0, 1, k)
        )
        uu = rng.integers(0, 256, (k, 16), dtype=np.uint8)
        uu[:, 6] = (uu[:, 6] & 0x0F) | 0x40
        uu[:, 8] = (uu[:, 8] & 0x3F) | 0x80
        df = pd.DataFrame(
            {
                "_uuid": [str(_uuid.UUID(bytes=b.tobytes())) for b in uu],
                "unit": unit,
                "area": np.array([a for a, _t in ua], dtype=object)[ai],
                "wave": wave.astype(np.int64),
                "area_type": atype,
                "respondent_role": role,
            }
        )
        for ind in items:
            load = rng.uniform(0.5, 0.85)
            off = rng.normal(0.3, 0.4)
            ystar = ind.direction * load * z + np.sqrt(1 - load**2) * rng.normal(0, 1, k) + off
            if ind.type in ("likert4", "likert5"):
                m = int(ind.type[-1])
                cuts = np.linspace(-1.2, 1.2, m - 1)
                v = pd.array(1 + np.searchsorted(cuts, ystar), dtype="Int64")
            elif ind.type == "yes_no":
                v = pd.array(
                    (rng.random(k) < _sigmoid(ystar - 0.8)).astype(np.int64), dtype="Int64"
                )
            elif ind.type == "select_multiple":
                codes = _codes(ind) or []
                offs = rng.normal(-0.8, 0.6, len(codes))
                tick = rng.random((k, len(codes))) < _sigmoid(offs[None, :] - 0.7 * ystar[:, None])
                s = pd.Series(np.full(k, "", dtype=object))
                for j, c in enumerate(codes):
                    s = s + np.where(tick[:, j], f"{c} ", "")
                v = s.str.rstrip().where(lambda x: x != "", None).to_numpy(dtype=object)
            else:
                lo, hi = _num_range(ind)
                lo = 0.0 if lo is None else lo
                if ind.type == "count":
                    x = lo + rng.poisson(np.exp(1.6 + 0.4 * ystar))
                elif ind.type == "share" or (hi is not None and hi - lo <= 100):
                    top = 100.0 if hi is None else hi
                    x = np.round(lo + (top - lo) * _sigmoid(0.9 * ystar - 0.3), 1)
                else:
                    scale = 10.0 if hi is None else (hi - lo) / 12
                    x = np.round(lo + scale * np.exp(0.45 * ystar), 1)
                if hi is not None:
                    x = np.minimum(x, hi)
                v = pd.array(x, dtype="Float64").astype("Int64") if ind.type == "count" else x
            if not ind.source.get("required") and missing > 0:
                drop = rng.random(k) < missing
                v = pd.Series(v)
                v[drop] = None
                v = v.to_numpy(dtype=object) if ind.type == "select_multiple" else v.array
            df[ind.id] = v
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def write_kobo_export(
    df: pd.DataFrame,
    fw: Framework,
    path: str | Path,
    sep: str = ";",
    encoding: str = "utf-8",
    multi_sel: str = "space",
    groups: bool = True,
    na_rep: str = "",
    seed: int = 0,
    version: str | None = None,
) -> Path:
    """Write responses (template layout, e.g. :func:`simulate_responses`) as a Kobo CSV export.

    Columns as KoboToolbox writes them with XML names and group prefixes: ``start, end``,
    metadata, ``<dimension>/<question>`` (and ``<dimension>/<question>/<code>`` 0/1 columns
    when ``multi_sel`` is ``"split"`` or ``"both"``), ``form_version``,
    ``meta/instanceID``, ``_id, _uuid, _submission_time, _validation_status, _status,
    __version__, _index``.

    Parameters
    ----------
    sep : str
        Delimiter (Kobo's default is ``;``).
    encoding : str
        ``utf-8``, ``utf-8-sig`` (BOM) or ``latin-1``.
    multi_sel : {"space", "split", "both"}
    groups : bool
        Prefix question names with their dimension group.
    na_rep : str
        How missing answers are written (``""`` or ``"n/a"``).
    seed : int
        Seed for timestamps / ids that are not in ``df``.
    version : str, optional
        ``form_version`` value (default :func:`form_version`).
    """
    rng = np.random.default_rng(seed)
    k = len(df)
    uuids = (
        df["_uuid"].astype(str).to_numpy()
        if "_uuid" in df.columns
        else np.array(
            [str(_uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(k)], dtype=object
        )
    )
    waves = pd.to_numeric(df["wave"], errors="coerce").fillna(2000).astype(int).to_numpy()
    day = rng.integers(0, 60, k)
    sec = rng.integers(8 * 3600, 20 * 3600, k)
    t0 = (
        pd.to_datetime([f"{w}-04-01" for w in waves])
        + pd.to_timedelta(day, "D")
        + pd.to_timedelta(sec, "s")
    )
    dur = pd.to_timedelta(rng.integers(240, 1500, k), "s")
    fmt = "%Y-%m-%dT%H:%M:%S.000+00:00"
    out: dict[str, Any] = {
        "start": t0.strftime(fmt),
        "end": (t0 + dur).strftime(fmt),
    }
    for m in METADATA_COLUMNS:
        out[m] = df[m].to_numpy() if m in df.columns else np.full(k, "", dtype=object)
    for ind in fw.survey_indicators():
        if ind.id not in df.columns:
            continue
        name = f"{fw.dimension_of(ind.id)}/{ind.id}" if groups else ind.id
        col = df[ind.id]
        if ind.type == "select_multiple":
            st = col.astype(object).where(col.notna(), None)
            if multi_sel in ("space", "both"):
                out[name] = st.to_numpy()
            if multi_sel in ("split", "both"):
                for c in _codes(ind) or []:
                    toks = st.fillna("").astype(str).str.split()
                    has = toks.map(lambda t, c=c: str(c) in t)
                    out[f"{name}/{c}"] = np.where(st.isna(), None, has.astype(int).astype(str))
        else:
            out[name] = col.to_numpy(dtype=object)
    out["form_version"] = version or form_version(fw)
    out["meta/instanceID"] = ["uuid:" + u for u in uuids]
    out["_id"] = np.arange(1, k + 1) + 10_000_000
    out["_uuid"] = uuids
    out["_submission_time"] = (
        t0 + dur + pd.to_timedelta(rng.integers(60, 86400, k), "s")
    ).strftime("%Y-%m-%dT%H:%M:%S")
    out["_validation_status"] = ""
    out["_status"] = "submitted_via_web"
    out["__version__"] = "v" + hashlib.sha1(form_version(fw).encode()).hexdigest()[:21]
    out["_index"] = np.arange(1, k + 1)
    frame = pd.DataFrame(out)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(sep=sep, index=False, na_rep=na_rep, lineterminator="\n")
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8-sig" else encoding
    path.write_bytes(text.encode(enc))
    return path
