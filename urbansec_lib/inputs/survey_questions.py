"""The self-assessment survey's questions: which indicators are asked, how they are coded.

The survey column name of an indicator is its id. Metadata questions come first
(:data:`METADATA_COLUMNS`); then every survey indicator of the framework
(:func:`survey_items`), coded by type: ``likert4`` / ``likert5`` codes 1..n, ``yes_no``
0/1, ``select_multiple`` codes 1..k, every other type a number in ``valid_range``.
Forms (:mod:`urbansec_lib.survey_forms`), the export reader
(:mod:`urbansec_lib.survey_read`) and the aggregation read the questions from here.

Example
-------
>>> from urbansec_lib import load_framework
>>> fw = load_framework()
>>> ind = survey_items(fw, None)[0]
>>> ind.id, ind.type, item_codes(ind)
('qol_life_satisfaction', 'likert4', [1, 2, 3, 4])
>>> codes_text(ind)
'1 = Not at all satisfied; 2 = Not very satisfied; 3 = Fairly satisfied; 4 = Very satisfied'
>>> range_text(fw.indicator("psl_lighting_coverage"))
'a number between 0 and 100'
>>> form_version(fw)
'urban_security-1.0.0'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.errors import Problem, ValidationError
from ..model.framework import Framework, Indicator
from .exports import KOBO_SYSTEM_COLUMNS

__all__ = [
    "METADATA_COLUMNS",
    "AREA_TYPES",
    "RESPONDENT_ROLES",
    "UNIT_CODE_PATTERN",
    "WAVE_RANGE",
    "AREA_MAX",
    "SYSTEM_COLUMNS",
    "CODED",
    "NA_TOKENS",
    "area_ok",
    "form_version",
    "item_options",
    "item_codes",
    "code_labels",
    "codes_text",
    "is_numeric",
    "num_range",
    "fmt_num",
    "range_text",
    "is_staff_item",
    "survey_items",
    "available_languages",
    "check_language",
    "question_text",
]

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
#: Longest area code (characters).
AREA_MAX = 64
#: Columns added by KoboToolbox / ODK Central / Briefcase that the importer accepts.
SYSTEM_COLUMNS = KOBO_SYSTEM_COLUMNS | frozenset(
    """form_version meta-instanceID meta-instanceName AttachmentsPresent AttachmentsExpected
    Status ReviewState Edits FormVersion""".split()
)
#: Question types coded 1..n / 0-1 (one answer).
CODED = ("likert4", "likert5", "yes_no")
#: Cells read as a missing answer (lower case).
NA_TOKENS = {"", "n/a"}
_AREA_RE = re.compile(r"^\w[\w .'’()\-]*$")


def area_ok(u: str) -> bool:
    """An area code, not free text: word characters and a few separators, fewer than six
    digits (a phone number or street address is not an area code), no e-mail.

    Parameters
    ----------
    u : str
        The stripped cell of the ``area`` column.

    Returns
    -------
    bool
        True for an area code or a missing answer (:data:`NA_TOKENS`).

    Examples
    --------
    >>> area_ok("Nord-Est"), area_ok("St. Pauli (Süd)"), area_ok("n/a")
    (True, True, True)
    >>> area_ok("+32 475 12 34 56"), area_ok("Hauptstr. 123456"), area_ok("jo@example.org")
    (False, False, False)
    """
    if u.lower() in NA_TOKENS:
        return True
    return bool(_AREA_RE.match(u)) and sum(ch.isdigit() for ch in u) < 6


def form_version(fw: Framework) -> str:
    """The version stamp written into forms and checked on import, e.g. ``urban_security-1.0.0``.

    Parameters
    ----------
    fw : Framework

    Returns
    -------
    str
        ``<framework id>-<framework version>``.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> form_version(load_framework())
    'urban_security-1.0.0'
    """
    return f"{fw.id}-{fw.version}"


def item_options(ind: Indicator) -> list[str]:
    """Option labels of a question (``source.options``), as strings.

    A ``yes_no`` question without options gets ``["No", "Yes"]``; unquoted ``No`` / ``Yes``
    that YAML 1.1 read as booleans are turned back into their labels.

    Parameters
    ----------
    ind : Indicator
        A survey indicator.

    Returns
    -------
    list of str
        Empty for a numeric question.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> item_options(fw.indicator("sc_ce_willing_help"))[:2]
    ['Strongly disagree', 'Disagree']
    >>> item_options(replace(fw.indicator("sc_volunteering"), source={"options": [False, True]}))
    ['No', 'Yes']
    >>> item_options(fw.indicator("psl_lighting_coverage"))
    []
    """
    opts = list(ind.source.get("options") or [])
    if ind.type == "yes_no" and not opts:
        opts = ["No", "Yes"]
    # YAML 1.1 reads unquoted No / Yes as booleans
    return [("Yes" if o else "No") if isinstance(o, bool) else str(o) for o in opts]


def item_codes(ind: Indicator) -> list[int] | None:
    """Valid answer codes of a coded question (None for numeric questions).

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    list of int or None
        ``likert4`` / ``likert5``: 1..n; ``yes_no``: 0, 1; ``select_multiple``: 1..k (one
        code per option); None for every numeric type.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> item_codes(fw.indicator("sc_ce_willing_help")), item_codes(fw.indicator("sc_volunteering"))
    ([1, 2, 3, 4, 5], [0, 1])
    >>> seen = replace(fw.indicator("sc_volunteering"), type="select_multiple",
    ...                source={"kind": "survey", "options": ["Graffiti", "Litter", "Noise"]})
    >>> item_codes(seen), item_codes(fw.indicator("psl_lighting_coverage"))
    ([1, 2, 3], None)
    """
    if ind.type in ("likert4", "likert5"):
        return list(range(1, int(ind.type[-1]) + 1))
    if ind.type == "yes_no":
        return [0, 1]
    if ind.type == "select_multiple":
        return list(range(1, len(item_options(ind)) + 1))
    return None


def code_labels(ind: Indicator) -> list[tuple[int, str]]:
    """``(code, option label)`` pairs of a coded question (the code itself when a label is
    missing; empty for a numeric question).

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    list of (int, str)

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> code_labels(fw.indicator("sc_volunteering"))
    [(0, 'No'), (1, 'Yes')]
    >>> code_labels(fw.indicator("qol_life_satisfaction"))[0]
    (1, 'Not at all satisfied')
    """
    codes = item_codes(ind) or []
    opts = item_options(ind)
    if ind.type == "yes_no":
        return [(c, opts[c] if c < len(opts) else str(c)) for c in codes]
    return [(c, opts[c - 1] if c - 1 < len(opts) else str(c)) for c in codes]


def codes_text(ind: Indicator) -> str:
    """The codes of a coded question in words (``"0 = No; 1 = Yes"``), as forms, templates
    and import problems show them.

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    str
        Empty for a numeric question.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> codes_text(load_framework().indicator("sc_volunteering"))
    '0 = No; 1 = Yes'
    """
    pairs = code_labels(ind)
    return "; ".join(f"{c} = {lab}" for c, lab in pairs)


def is_numeric(ind: Indicator) -> bool:
    """True when the answer is a number in ``valid_range``, not a code (every type but
    :data:`CODED` and ``select_multiple``).

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    bool

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> is_numeric(fw.indicator("psl_lighting_coverage")), is_numeric(fw.indicator("sc_volunteering"))
    (True, False)
    """
    return ind.type not in CODED and ind.type != "select_multiple"


def num_range(ind: Indicator) -> tuple[float | None, float | None]:
    """The valid range of a numeric answer as floats (None for an open end).

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    (float or None, float or None)
        The declared ``range``, else the natural range of the measurement type.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from urbansec_lib import load_framework
    >>> share = load_framework().indicator("psl_lighting_coverage")
    >>> num_range(share), num_range(replace(share, type="count", range=(0, None)))
    ((0.0, 100.0), (0.0, None))
    """
    lo, hi = ind.valid_range
    return (None if lo is None else float(lo), None if hi is None else float(hi))


def fmt_num(x: float) -> str:
    """A bound as people write it: ``3`` for a whole number, else the float's repr.

    Parameters
    ----------
    x : float

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_num(100.0), fmt_num(2.5), fmt_num(0)
    ('100', '2.5', '0')
    """
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def range_text(ind: Indicator) -> str:
    """What a numeric answer must be, in words (``"a whole number >= 0"`` for a count).

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    str
        Used in forms, templates and import problems.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from urbansec_lib import load_framework
    >>> share = load_framework().indicator("psl_lighting_coverage")
    >>> range_text(share)
    'a number between 0 and 100'
    >>> range_text(replace(share, type="count", range=(0, None)))
    'a whole number >= 0'
    >>> range_text(replace(share, type="continuous", range=(None, None)))
    'a number'
    """
    lo, hi = num_range(ind)
    kind = "a whole number" if ind.type == "count" else "a number"
    if lo is not None and hi is not None:
        return f"{kind} between {fmt_num(lo)} and {fmt_num(hi)}"
    if lo is not None:
        return f"{kind} >= {fmt_num(lo)}"
    if hi is not None:
        return f"{kind} <= {fmt_num(hi)}"
    return kind


def is_staff_item(ind: Indicator) -> bool:
    """A city-level fact answered by the authority's staff (``source.respondent``).

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    bool
        True when ``source.respondent`` is ``city_staff`` (default: ``resident``).

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> is_staff_item(fw.indicator("psl_lighting_coverage")), is_staff_item(fw.indicator("sc_volunteering"))
    (True, False)
    """
    return str(ind.source.get("respondent", "resident")) == "city_staff"


def survey_items(
    fw: Framework, levels: Sequence[str] | None, respondents: str = "all"
) -> list[Indicator]:
    """The survey's questions: the framework's survey indicators, in framework order.

    Parameters
    ----------
    fw : Framework
    levels : sequence of str or None
        Only indicators for these territorial levels (None: all).
    respondents : {"all", "residents", "staff"}
        Every question, only those answered by residents, or only the city-level facts
        answered by staff (:func:`is_staff_item`).

    Returns
    -------
    list of Indicator

    Raises
    ------
    ValueError
        For another ``respondents``, or when an indicator id clashes with a metadata or
        system column of the export.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> len(survey_items(fw, None)), len(survey_items(fw, None, "staff"))
    (27, 6)
    >>> survey_items(fw, None, "staff")[0].id
    'psl_lighting_coverage'
    >>> survey_items(fw, None, "everyone")
    Traceback (most recent call last):
    ...
    ValueError: respondents must be 'all', 'residents' or 'staff', not 'everyone'
    """
    if respondents not in ("all", "residents", "staff"):
        raise ValueError(f"respondents must be 'all', 'residents' or 'staff', not {respondents!r}")
    items = fw.survey_indicators(list(levels) if levels else None)
    if respondents == "residents":
        items = [i for i in items if not is_staff_item(i)]
    elif respondents == "staff":
        items = [i for i in items if is_staff_item(i)]
    clash = [i.id for i in items if i.id in METADATA_COLUMNS or i.id in SYSTEM_COLUMNS]
    if clash:
        raise ValueError(f"indicator ids clash with survey metadata columns: {clash}")
    return items


def available_languages(fw: Framework | None = None) -> list[str]:
    """Languages the survey forms can be written in: English, plus every language in which
    each survey question of the framework has a translation (``source.translations``).

    Parameters
    ----------
    fw : Framework, optional
        Default: the packaged framework.

    Returns
    -------
    list of str
        ``"en"`` first, then the other languages in alphabetical order.

    Examples
    --------
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
    """``language`` if the forms can be written in it, else a one-line ValidationError.

    Parameters
    ----------
    fw : Framework
    language : str
        A language code (``--language`` of ``urbansec survey form``).

    Returns
    -------
    str
        ``language`` unchanged.

    Raises
    ------
    ValidationError
        One problem at ``--language`` listing the available languages.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> check_language(fw, "en")
    'en'
    >>> check_language(fw, "fr")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in no 'fr' translation of the survey:
      - <arguments>, column '--language': got 'fr', expected a language with translations of every question: en (add source.translations.fr to the framework for more)
    """
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


def question_text(ind: Indicator, language: str) -> tuple[str, list[str]]:
    """Question text and option labels in ``language`` (``source.translations`` if any).

    Parameters
    ----------
    ind : Indicator
    language : str
        ``"en"`` (the framework's own text) or a language of ``source.translations``.

    Returns
    -------
    (str, list of str)
        The question and its option labels (the English labels when the translation
        gives none).

    Raises
    ------
    ValueError
        When the indicator has no translation of its question into ``language``.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> ind = load_framework().indicator("sc_volunteering")
    >>> question_text(ind, "en")[1]
    ['No', 'Yes']
    >>> question_text(ind, "fr")
    Traceback (most recent call last):
    ...
    ValueError: indicator sc_volunteering has no 'fr' translation (add source.translations.fr.question/options to the framework)
    """
    if language == "en":
        return str(ind.source.get("question", ind.label)), item_options(ind)
    tr = (ind.source.get("translations") or {}).get(language)
    if not isinstance(tr, dict) or not tr.get("question"):
        raise ValueError(
            f"indicator {ind.id} has no {language!r} translation "
            f"(add source.translations.{language}.question/options to the framework)"
        )
    opts = [str(o) for o in tr.get("options") or item_options(ind)]
    return str(tr["question"]), opts
