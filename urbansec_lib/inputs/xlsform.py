"""Writing XLSForms (KoboToolbox / ODK / Enketo) and response templates.

The engine shared by the self-assessment survey (:func:`urbansec_lib.survey.to_xlsform`) and
the smaller instruments (:func:`urbansec_lib.instruments.to_xlsform`): each builds its
question rows from its own question model, this module writes the workbook.

An XLSForm workbook has three sheets: ``survey`` (one row per question, columns
:data:`SURVEY_COLUMNS`), ``choices`` (``list_name, name, label``) and ``settings`` (one
header and one value row). A response template is a ``responses`` sheet holding only the
header and a ``codes`` sheet explaining each column's allowed answers.

Example
-------
>>> import tempfile, pathlib
>>> from openpyxl import load_workbook
>>> p = pathlib.Path(tempfile.mkdtemp()) / "f.xlsx"
>>> _ = write_xlsform(
...     p,
...     [["select_one yn", "ok", "All right?", "", "yes", "", "", "", ""]],
...     [["yn", "0", "No"], ["yn", "1", "Yes"]],
...     (["form_title", "form_id", "version"], ["Demo", "demo", "demo-1.0.0"]),
... )
>>> wb = load_workbook(p)
>>> wb.sheetnames, [c.value for c in wb["survey"][2]][:3]
(['survey', 'choices', 'settings'], ['select_one yn', 'ok', 'All right?'])
>>> range_constraint(1, 5, "{:g}".format)
'. >= 1 and . <= 5'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SURVEY_COLUMNS", "range_constraint", "write_xlsform", "write_codes_workbook"]

#: Columns of an XLSForm ``survey`` sheet as written by urbansec (every questionnaire).
SURVEY_COLUMNS = [
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


def range_constraint(
    lo: float | None, hi: float | None, fmt: Callable[[float], str] = "{:g}".format
) -> str:
    """XLSForm constraint of a number range (``". >= 1 and . <= 5"``; "" without bounds).

    Parameters
    ----------
    lo, hi : float or None
        Bounds (None: open end).
    fmt : callable
        Writes a bound (default ``"{:g}".format``).

    Returns
    -------
    str

    Examples
    --------
    >>> range_constraint(0, 100), range_constraint(0, None), range_constraint(None, None)
    ('. >= 0 and . <= 100', '. >= 0', '')
    >>> range_constraint(0.5, 2, "{:.1f}".format)
    '. >= 0.5 and . <= 2.0'
    """
    parts = []
    if lo is not None:
        parts.append(f". >= {fmt(lo)}")
    if hi is not None:
        parts.append(f". <= {fmt(hi)}")
    return " and ".join(parts)


def write_xlsform(
    path: str | Path,
    survey: Iterable[Sequence[Any]],
    choices: Iterable[Sequence[Any]],
    settings: tuple[Sequence[str], Sequence[Any]],
    label_column: str = "label",
) -> Path:
    """Write an XLSForm workbook.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file (parent folders are created).
    survey : iterable of rows
        Rows of the ``survey`` sheet, cells in :data:`SURVEY_COLUMNS` order.
    choices : iterable of rows
        ``(list_name, name, label)`` rows of the ``choices`` sheet.
    settings : (header, values)
        The ``settings`` sheet (``form_title``, ``form_id``, ``version`` ...).
    label_column : str
        Header of the label columns (``label::French (fr)`` for a translated form).

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> p = write_xlsform(
    ...     Path(tempfile.mkdtemp()) / "forms" / "f.xlsx",
    ...     [["integer", "age", "Âge", "", "yes", range_constraint(16, 120), "", "", ""]],
    ...     [],
    ...     (["form_title", "form_id", "version"], ["Démo", "demo", "demo-1.0.0"]),
    ...     label_column="label::French (fr)",
    ... )
    >>> wb = load_workbook(p)
    >>> [c.value for c in wb["survey"][1]][:3], wb["survey"]["F2"].value
    (['type', 'name', 'label::French (fr)'], '. >= 16 and . <= 120')
    >>> [c.value for c in wb["settings"][2]]
    ['Démo', 'demo', 'demo-1.0.0']
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append([label_column if h == "label" else h for h in SURVEY_COLUMNS])
    for row in survey:
        ws.append(list(row))
    wc = wb.create_sheet("choices")
    wc.append(["list_name", "name", label_column])
    for c in choices:
        wc.append(list(c))
    wset = wb.create_sheet("settings")
    wset.append(list(settings[0]))
    wset.append(list(settings[1]))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_codes_workbook(
    path: Path,
    header: Sequence[str],
    codes_header: Sequence[str],
    codes: Iterable[Sequence[Any]],
) -> Path:
    """An XLSX response template: a ``responses`` sheet holding ``header`` and a ``codes``
    sheet listing each column's allowed answers (importers read the first sheet only).

    Parameters
    ----------
    path : Path
        The ``.xlsx`` file (its folder must exist).
    header : sequence of str
        Column names of the ``responses`` sheet.
    codes_header : sequence of str
        Header of the ``codes`` sheet.
    codes : iterable of rows
        One row per column, e.g. ``(column, question, allowed answers)``.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> p = write_codes_workbook(Path(tempfile.mkdtemp()) / "template.xlsx", ["unit", "ok"],
    ...                          ["column", "allowed answers"], [["ok", "0 = No; 1 = Yes"]])
    >>> wb = load_workbook(p)
    >>> wb.sheetnames, [c.value for c in wb["responses"][1]], wb["responses"].max_row
    (['responses', 'codes'], ['unit', 'ok'], 1)
    >>> [c.value for c in wb["codes"][2]]
    ['ok', '0 = No; 1 = Yes']
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "responses"
    ws.append(list(header))
    wc = wb.create_sheet("codes")
    wc.append(list(codes_header))
    for row in codes:
        wc.append(list(row))
    wb.save(path)
    return path
