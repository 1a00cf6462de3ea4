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

Workflow (the work is done in :mod:`~urbansec_lib.instrument_model`,
:mod:`~urbansec_lib.instrument_read` and the shared :mod:`~urbansec_lib.xlsform` and
:mod:`~urbansec_lib.exports`)

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
>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> to_xlsform(instr, tmp / "good_practice.xlsx").name
'good_practice.xlsx'
>>> _ = (tmp / "gp.csv").write_text(
...     "practice_name,city,country,location_type,threat,measures,liveability,success\\n"
...     "Safe square,Mechelen,BE,square,vehicle_ramming,bollards lighting,4,5\\n"
... )
>>> df = read_responses(tmp / "gp.csv", instr)
>>> df[["country", "measures", "success"]].to_dict("records"), df.attrs["dropped_text"]
([{'country': 'BE', 'measures': 'bollards lighting', 'success': 5}], [])
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.errors import Problem, ValidationError  # noqa: F401 - public before the split
from ..core.ingest import read_yaml_mapping  # noqa: F401 - public before the split
from .instrument_model import (
    INSTRUMENT_DIR,
    QUESTION_TYPES,
    VERSION_FIELD,
    Instrument,
    Question,
    available,
    load_instrument,
)
from .instrument_read import SYSTEM_COLUMNS, dummies, read_responses
from .xlsform import SURVEY_COLUMNS as XLSFORM_SURVEY_COLUMNS  # noqa: F401 - public before
from .xlsform import range_constraint, write_codes_workbook, write_xlsform

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


# --------------------------------------------------------------------------------------------
# Forms out
# --------------------------------------------------------------------------------------------


def _constraint(q: Question) -> tuple[str, str]:
    if q.pattern:
        pat = q.pattern.replace("'", "")
        return f"regex(., '{pat}')", f"Expected a code matching {pat}"
    cons = range_constraint(q.min, q.max)
    if cons:
        return cons, f"Expected a value in {q.range_text}"
    return "", ""


def _survey_rows(instr: Instrument) -> list[list[str]]:
    """Rows of the ``survey`` sheet: questions wrapped in their groups, then the hidden
    version field."""
    rows: list[list[str]] = []
    current: str | None = None
    for q in instr.questions:
        if q.group != current:
            if current is not None:
                rows.append(["end_group", current, "", "", "", "", "", "", ""])
            if q.group is not None:
                label = q.group.replace("_", " ").capitalize()
                rows.append(["begin_group", q.group, label, "", "", "", "", "", ""])
            current = q.group
        qtype = f"{q.type} {q.choices}" if q.type.startswith("select") else q.type
        cons, msg = _constraint(q)
        required = "yes" if q.required else ""
        rows.append([qtype, q.name, q.label, q.hint, required, cons, msg, q.relevant or "", ""])
    if current is not None:
        rows.append(["end_group", current, "", "", "", "", "", "", ""])
    rows.append(["calculate", VERSION_FIELD, "", "", "", "", "", "", f"'{instr.stamp}'"])
    return rows


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
    The workbook of :func:`urbansec_lib.xlsform.write_xlsform` (sheets ``survey``,
    ``choices``, ``settings`` with form_title, form_id and version =
    :attr:`Instrument.stamp`); only the choice lists used are written. Consecutive questions
    with the same ``group`` are wrapped in ``begin_group`` / ``end_group``. A hidden calculate field
    ``instrument_version`` carries the stamp into every submission; :func:`read_responses`
    refuses submissions made with another version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> p = to_xlsform("training_pre_post", pathlib.Path(tempfile.mkdtemp()) / "training.xlsx")
    >>> load_workbook(p)["settings"]["C2"].value
    'training_pre_post-1.0.0'
    """
    instr = load_instrument(instr)
    used = {q.choices for q in instr.questions if q.choices}
    choices = [
        [lname, code, label]
        for lname, items in instr.choices.items()
        if lname in used
        for code, label in items.items()
    ]
    return write_xlsform(
        path,
        _survey_rows(instr),
        choices,
        (["form_title", "form_id", "version"], [instr.title, instr.id, instr.stamp]),
    )


def to_template(instr: Instrument | str | Path, path: str | Path) -> Path:
    """Write an empty response template: CSV (header only) or XLSX (with a ``codes`` sheet).

    The header is the question names in form order plus ``instrument_version``; the XLSX
    template adds a sheet listing every question's allowed codes or range.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = to_template("good_practice", pathlib.Path(tempfile.mkdtemp()) / "gp.csv")
    >>> p.read_text().strip().split(",")[-3:]
    ['outcomes', 'success', 'instrument_version']
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
    codes: list[list[str]] = []
    for q in instr.questions:
        if q.choices:
            for code, label in instr.choices[q.choices].items():
                codes.append([q.name, q.type, "yes" if q.required else "", code, label])
        else:
            rng = q.range_text if q.type in ("integer", "decimal") else (q.pattern or "")
            codes.append([q.name, q.type, "yes" if q.required else "", rng, q.label])
    codes.append([VERSION_FIELD, "text", "", instr.stamp, "leave as is"])
    return write_codes_workbook(
        path, header, ["question", "type", "required", "code or range", "label"], codes
    )
