"""The self-assessment survey's answers: every cell of an export checked against its question.

Column-wise and vectorised (a check runs once per distinct cell, not per row): each function
takes the export's columns (:class:`urbansec_lib.exports.Col`), records located problems in
a :class:`urbansec_lib.exports.Collector` and returns the clean values of the accepted
cells. :mod:`urbansec_lib.survey_read` calls them once the header is classified.

Example
-------
>>> import numpy as np
>>> from urbansec_lib.exports import Col, Collector
>>> wave = Col("wave", 2, np.array([0, 1, 2]), np.array(["2023", "23", ""], dtype=object))
>>> c = Collector("e.csv", np.array([2, 3, 4]))
>>> check_wave(wave, c).tolist()
[2023, <NA>, <NA>]
>>> [str(p) for p in c.sorted()]
["e.csv, row 3, column 'wave': got '23', expected a year between 1990 and 2100", "e.csv, row 4, column 'wave': missing, expected a survey wave (year, required)"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..model.framework import Indicator
from .exports import TICKS, Col, Collector, uniq_map
from .survey_questions import (
    AREA_MAX,
    AREA_TYPES,
    NA_TOKENS,
    RESPONDENT_ROLES,
    UNIT_CODE_PATTERN,
    WAVE_RANGE,
    area_ok,
    code_labels,
    codes_text,
    is_numeric,
    item_codes,
    num_range,
    range_text,
)

__all__ = [
    "check_unit",
    "check_area",
    "check_wave",
    "check_choice",
    "check_item",
    "check_select_multiple",
]


def _flag(c: Col, per_uniq: Iterable[bool]) -> np.ndarray:
    """A boolean per row from a boolean per distinct cell (False where a row has no cell)."""
    return c.per_row(np.array(list(per_uniq), dtype=bool), False).astype(bool)


def check_unit(
    c: Col, col: Collector, unit_id: str | None, units: Iterable[str] | None
) -> np.ndarray:
    """Unit codes (upper-cased): required, code-shaped, known, the unit being imported.

    Parameters
    ----------
    c : Col
        The ``unit`` column.
    col : Collector
        Receives one located problem per bad cell.
    unit_id : str or None
        The unit being imported: every other (valid) code is a problem.
    units : iterable of str or None
        Known unit codes: every other code-shaped value is a problem.

    Returns
    -------
    ndarray of str
        The upper-cased codes, one per row ("" where a row has no cell).

    Examples
    --------
    >>> c = Col("unit", 0, np.array([0, 1, 2, 3, 4]),
    ...         np.array(["de001c", "B-1", "BERLIN", "FR001C", ""], dtype=object))
    >>> col = Collector("e.csv", np.array([2, 3, 4, 5, 6]))
    >>> check_unit(c, col, "DE001C", ["DE001C", "FR001C"]).tolist()
    ['DE001C', 'B-1', 'BERLIN', 'FR001C', '']
    >>> for p in col.sorted():
    ...     print(p)
    e.csv, row 3, column 'unit': got 'B-1', expected a unit code like DE001C or BE212 (country letters then upper-case letters/digits)
    e.csv, row 4, column 'unit': got 'BERLIN', expected a known unit code (DE001C, FR001C)
    e.csv, row 5, column 'unit': got 'FR001C', expected DE001C (the unit being imported)
    e.csv, row 6, column 'unit': missing, expected a unit code (required)
    >>> col.bad.tolist()
    [False, True, True, True, True]
    """
    up = uniq_map(c, lambda u: u.upper())
    vals = c.per_row(up, "")
    miss = c.missing
    col.cells(miss, c, "a unit code (required)")
    bad_pat = ~miss & _flag(c, (not re.match(UNIT_CODE_PATTERN, u) for u in up))
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
    return vals


def check_area(c: Col, col: Collector) -> np.ndarray:
    """Area codes: required, short, a code and not free text (the value is withheld).

    Parameters
    ----------
    c : Col
        The ``area`` column.
    col : Collector
        Receives the problems; a cell that looks like free text (:func:`area_ok`) is
        reported as ``(withheld)``, never with its content.

    Returns
    -------
    ndarray of str
        The stripped cells (also the rejected ones: ``col.bad`` marks them).

    Examples
    --------
    >>> c = Col("area", 1, np.array([0, 1, 2]), np.array(["Mitte", "", "jo@example.org"], dtype=object))
    >>> col = Collector("e.csv", np.array([2, 3, 4]))
    >>> check_area(c, col).tolist()
    ['Mitte', '', 'jo@example.org']
    >>> for p in col.sorted():
    ...     print(p)
    e.csv, row 3, column 'area': missing, expected an area code (required)
    e.csv, row 4, column 'area': got '(withheld)', expected an area code (letters, digits, spaces, . - ' ( ); no e-mail, phone number or free text)
    """
    miss = c.missing
    col.cells(miss, c, "an area code (required)")
    long_ = ~miss & _flag(c, (len(u) > AREA_MAX for u in c.uniq))
    col.cells(long_, c, f"an area code of at most {AREA_MAX} characters")
    free = ~miss & ~long_ & _flag(c, (not area_ok(u) for u in c.uniq))
    col.cells(
        free,
        c,
        "an area code (letters, digits, spaces, . - ' ( ); no e-mail, phone number or free text)",
        values=np.full(len(c.codes), "(withheld)", dtype=object),
    )
    return c.values


def check_wave(c: Col, col: Collector) -> pd.arrays.IntegerArray:
    """Survey waves: required whole years within :data:`WAVE_RANGE`.

    Parameters
    ----------
    c : Col
        The ``wave`` column.
    col : Collector
        Receives the problems.

    Returns
    -------
    IntegerArray
        ``Int64`` years, ``<NA>`` where a cell is missing or not a year in range.

    Examples
    --------
    >>> c = Col("wave", 2, np.array([0, 1, 2]), np.array(["2024", "2024.5", "1889"], dtype=object))
    >>> col = Collector("e.csv", np.array([2, 3, 4]))
    >>> check_wave(c, col).tolist()
    [2024, <NA>, <NA>]
    >>> for p in col.sorted():
    ...     print(p)
    e.csv, row 3, column 'wave': got '2024.5', expected a year between 1990 and 2100
    e.csv, row 4, column 'wave': got '1889', expected a year between 1990 and 2100
    """
    miss = c.missing
    col.cells(miss, c, "a survey wave (year, required)")
    num = pd.to_numeric(pd.Series(c.uniq, dtype=object), errors="coerce").to_numpy(dtype=float)
    w = c.per_row(num, np.nan).astype(float)
    badw = ~miss & (np.isnan(w) | (w != np.round(w)) | (w < WAVE_RANGE[0]) | (w > WAVE_RANGE[1]))
    col.cells(badw, c, f"a year between {WAVE_RANGE[0]} and {WAVE_RANGE[1]}")
    return pd.array(np.where(np.isnan(w) | badw, np.nan, w), dtype="Float64").astype("Int64")


def check_choice(c: Col, col: Collector, name: str) -> np.ndarray:
    """``area_type`` / ``respondent_role``: a choice name or its label (case-insensitive).

    Parameters
    ----------
    c : Col
    col : Collector
        Receives the problems.
    name : {"area_type", "respondent_role"}
        Which metadata question (:data:`AREA_TYPES` or :data:`RESPONDENT_ROLES`).

    Returns
    -------
    ndarray of str
        The choice names, "" where a cell is missing or not a choice.

    Examples
    --------
    >>> c = Col("area_type", 3, np.array([0, 1, 2]),
    ...         np.array(["intervention", "Comparison area", "park"], dtype=object))
    >>> col = Collector("e.csv", np.array([2, 3, 4]))
    >>> check_choice(c, col, "area_type").tolist()
    ['intervention', 'comparison', '']
    >>> [str(p) for p in col.sorted()]
    ["e.csv, row 4, column 'area_type': got 'park', expected one of intervention, comparison, none"]
    """
    choices = AREA_TYPES if name == "area_type" else RESPONDENT_ROLES
    lut = {k: k for k in choices} | {v.lower(): k for k, v in choices.items()}
    mapped = c.per_row(uniq_map(c, lambda u: lut.get(u.lower(), "")), "")
    miss = c.missing
    col.cells(miss, c, f"one of {', '.join(choices)} (required)")
    col.cells(~miss & (mapped == ""), c, f"one of {', '.join(choices)}")
    return mapped


def check_item(ind: Indicator, c: Col, col: Collector, labels: dict[str, int]) -> object:
    """One numeric or coded (likert / yes-no) question: clean numbers or ``Int64`` codes.

    ``labels`` maps normalised codes and option labels to codes (coded questions).

    Parameters
    ----------
    ind : Indicator
        The question (``source.required`` makes a missing answer a problem).
    c : Col
        Its column.
    col : Collector
        Receives the problems.
    labels : dict
        Lower-case code or option label -> code (ignored for numeric questions).

    Returns
    -------
    IntegerArray or ndarray of float
        ``Int64`` codes of a coded question or a ``count``; floats of any other numeric
        question (decimal commas accepted). Missing where the answer is missing or bad.

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> c = Col("sc_volunteering", 5, np.array([0, 1, 2]), np.array(["1", "yes", "2"], dtype=object))
    >>> col = Collector("e.csv", np.array([2, 3, 4]))
    >>> check_item(fw.indicator("sc_volunteering"), c, col, {"0": 0, "1": 1, "no": 0, "yes": 1}).tolist()
    [1, 1, <NA>]
    >>> share = Col("psl_lighting_coverage", 6, np.array([0, 1, 2]),
    ...             np.array(["45,5", "", "120"], dtype=object))
    >>> check_item(fw.indicator("psl_lighting_coverage"), share, col, {}).tolist()
    [45.5, nan, nan]
    >>> for p in col.sorted():
    ...     print(p)
    e.csv, row 4, column 'sc_volunteering': got '2', expected a code 0 = No; 1 = Yes
    e.csv, row 4, column 'psl_lighting_coverage': got '120', expected a number between 0 and 100 (% of public streets and squares)
    """
    miss = c.missing
    if ind.source.get("required"):
        col.cells(miss, c, "an answer (required question)")
    if not is_numeric(ind):
        code = uniq_map(c, lambda u: labels.get(u.lower(), -1))
        v = c.per_row(code.astype(np.int64), -1).astype(np.int64)
        col.cells(~miss & (v < 0), c, f"a code {codes_text(ind)}")
        return pd.array(np.where(v < 0, np.nan, v), dtype="Float64").astype("Int64")
    fixed = pd.Series(c.uniq, dtype=object).str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    num = pd.to_numeric(fixed, errors="coerce").to_numpy(dtype=float)
    x = c.per_row(num, np.nan).astype(float)
    lo, hi = num_range(ind)
    bad = ~miss & (np.isnan(x) | ~np.isfinite(x))
    if lo is not None:
        bad |= ~miss & (x < lo)
    if hi is not None:
        bad |= ~miss & (x > hi)
    if ind.type == "count":
        bad |= ~miss & (x != np.round(x))
    col.cells(bad, c, f"{range_text(ind)} ({ind.unit})")
    x = np.where(miss | bad, np.nan, x)
    return pd.array(x, dtype="Float64").astype("Int64") if ind.type == "count" else x


def _from_combined(
    ind: Indicator, main: Col, codes: list[int], col: Collector
) -> tuple[np.ndarray, np.ndarray]:
    """Ticked codes (rows x codes) and answered rows of the space-separated column."""
    miss = main.missing
    if ind.source.get("required"):
        col.cells(miss, main, "an answer (required question)")
    valid = {str(c) for c in codes}

    def ok(u: str) -> bool:
        return u.lower() in NA_TOKENS or all(t in valid for t in u.split())

    okm = main.per_row(np.array([ok(u) for u in main.uniq], dtype=bool), True).astype(bool)
    col.cells(~okm, main, f"space-separated codes from {codes_text(ind)}")
    have = np.zeros((len(col.rownums), len(codes)), dtype=bool)
    for j, c in enumerate(codes):
        have[:, j] = _flag(main, (str(c) in u.split() for u in main.uniq)) & okm
    return have, ~miss & okm


def check_select_multiple(
    ind: Indicator, main: Col | None, opts: dict[int, Col], col: Collector
) -> np.ndarray:
    """A select_multiple question from its space-separated column and/or Kobo's 0/1 option
    columns (cross-checked when both are there): canonical codes ``"1 3"`` or None.

    Parameters
    ----------
    ind : Indicator
        A ``select_multiple`` question.
    main : Col or None
        The space-separated column (``question``), if the export has it.
    opts : dict
        Code -> the 0/1 column of that option (``question/code``); may be empty.
    col : Collector
        Receives the problems.

    Returns
    -------
    ndarray of object
        Canonical codes (ascending, space-separated) per row; missing (NaN) where a row has
        no answer or a bad one.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from urbansec_lib import load_framework
    >>> seen = replace(load_framework().indicator("sc_volunteering"), id="seen",
    ...                type="select_multiple",
    ...                source={"kind": "survey", "options": ["Graffiti", "Litter", "Noise"]})
    >>> main = Col("seen", 7, np.array([0, 1, 2]), np.array(["3 1", "", "4"], dtype=object))
    >>> col = Collector("e.csv", np.array([2, 3, 4]))
    >>> check_select_multiple(seen, main, {}, col).tolist()
    ['1 3', nan, nan]
    >>> [str(p) for p in col.sorted()]
    ["e.csv, row 4, column 'seen': got '4', expected space-separated codes from 1 = Graffiti; 2 = Litter; 3 = Noise"]

    Kobo's 0/1 option columns alone (``multi_sel=split``):

    >>> ticks = {1: Col("seen/1", 8, np.array([0, 1]), np.array(["1", "0"], dtype=object)),
    ...          2: Col("seen/2", 9, np.array([0, 1]), np.array(["1", "x"], dtype=object))}
    >>> col = Collector("e.csv", np.array([2, 3]))
    >>> check_select_multiple(seen, None, ticks, col).tolist()
    ['1 2', nan]
    >>> [str(p) for p in col.sorted()]
    ["e.csv, row 3, column 'seen/2': got 'x', expected 0 or 1 (option 2 = Litter ticked)"]
    """
    codes = item_codes(ind) or []
    n = len(col.rownums)
    have = np.zeros((n, len(codes)), dtype=bool)
    answered = np.zeros(n, dtype=bool)
    if main is not None:
        have, answered = _from_combined(ind, main, codes, col)
    if opts:
        split = np.zeros((n, len(codes)), dtype=bool)
        any_split = np.zeros(n, dtype=bool)
        for j, c in enumerate(codes):
            oc = opts.get(c)
            if oc is None:
                continue
            v = oc.per_row(
                uniq_map(
                    oc, lambda u: TICKS.get(u.lower(), -1 if u.lower() not in NA_TOKENS else -2)
                ),
                -2,
            )
            v = v.astype(np.int64)
            col.cells(v == -1, oc, f"0 or 1 (option {c} = {code_labels(ind)[j][1]} ticked)")
            split[:, j] = v == 1
            any_split |= v >= 0
            if main is not None:
                mism = answered & (v >= 0) & (split[:, j] != have[:, j])
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
