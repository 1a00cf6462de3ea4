"""Reading KoboToolbox / ODK exports: the engine shared by every questionnaire reader.

The self-assessment survey (:mod:`urbansec_lib.survey`) and the smaller instruments
(:mod:`urbansec_lib.instruments`) both read exports of forms written by
:mod:`urbansec_lib.xlsform`. What they share lives here:

* reading the file once through :func:`urbansec_lib.ingest.read_table` (encoding, delimiter,
  limits) and factorising it into stripped string columns (:func:`factorise`: blank rows
  dropped, ragged rows located, spreadsheet row numbers kept);
* the column roles of an export header: Kobo/ODK system columns
  (:data:`KOBO_SYSTEM_COLUMNS`), group paths (:func:`header_segments`), 0/1 option columns
  of ``select_multiple`` questions (:data:`TICKS`);
* located problems: :class:`Collector` (vectorised masks -> :class:`Problem` per cell,
  sorted as a spreadsheet reads) and :func:`located` (rows, values -> problems).

What a cell must hold is each questionnaire's own business (its question model): the survey
reads a framework's indicators, an instrument its YAML questions.

Example
-------
>>> from urbansec_lib.core.ingest import read_table
>>> t = read_table(data=b"a,b\\n1, x \\n,\\n2\\n", label="e.csv")
>>> ex = factorise(t, "e.csv")
>>> ex.header, ex.rownums.tolist(), [c.values.tolist() for c in ex.cols]
(['a', 'b'], [2, 4], [['1', '2'], ['x', '']])
>>> [str(p) for p in ex.ragged]
["e.csv, row 4: got '1 cells', expected 2 cells, as many as the header row (ragged row)"]
>>> header_segments("practice/location_type")
['practice', 'location_type']
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core import ingest
from ..core.errors import Problem, ValidationError

__all__ = [
    "KOBO_SYSTEM_COLUMNS",
    "GROUP_SEP",
    "TICKS",
    "Fatal",
    "Col",
    "Export",
    "factorise",
    "header_segments",
    "Collector",
    "located",
    "uniq_map",
    "no_cyclic_gc",
]

#: System columns that KoboToolbox, ODK Central and Briefcase add to every export (each
#: reader accepts these, plus a few of its own).
KOBO_SYSTEM_COLUMNS = frozenset(
    """_id _uuid _submission_time _index _parent_index _parent_table_name _validation_status
    _status _tags _attachments __version__ _version_ _xform_id_string _duration _media_count
    start end today meta/instanceID meta/instanceName meta/deprecatedID meta/rootUuid
    formhub/uuid instanceID KEY SubmissionDate""".split()
)
#: Separators of group paths in export headers (``group/question``, ``group-question`` ...).
GROUP_SEP = re.compile(r"[/:.\-]")
#: Cells of Kobo's 0/1 option columns of a ``select_multiple`` question.
TICKS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}
_EMPTY = "a header row and data rows (the file is empty)"


class Fatal(Exception):
    """Problems of the whole file: the reader stops and raises them at once.

    Raised inside a reader (by :func:`factorise` and the header checks) and turned into one
    :class:`~urbansec_lib.errors.ValidationError` by the reader's public function.

    Attributes
    ----------
    problems : list of Problem

    Examples
    --------
    >>> from urbansec_lib.core.ingest import read_table
    >>> try:
    ...     factorise(read_table(data=b",\\n1,2\\n", label="e.csv"), "e.csv")
    ... except Fatal as exc:
    ...     print([str(p) for p in exc.problems])
    ['e.csv, row 1: missing, expected a header row with the column names in row 1']
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Millions of short-lived cells: the cyclic GC only slows parsing down (no cycles).

    A context manager: the cyclic garbage collector is off inside the block and back on
    afterwards if it was on before (also when the block raises).

    Examples
    --------
    >>> import gc
    >>> with no_cyclic_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def header_segments(header: str) -> list[str]:
    """The parts of a group path (``group/question`` -> ``["group", "question"]``).

    Parameters
    ----------
    header : str
        An export header; the separators are :data:`GROUP_SEP` (``/ : . -``).

    Returns
    -------
    list of str
        The non-empty parts (the question name last).

    Examples
    --------
    >>> header_segments("safety/safe_day"), header_segments("safety-victim_12m")
    (['safety', 'safe_day'], ['safety', 'victim_12m'])
    >>> header_segments("incidents_seen/2"), header_segments("_uuid")
    (['incidents_seen', '2'], ['_uuid'])
    """
    return [s for s in GROUP_SEP.split(header) if s != ""]


@dataclass
class Col:
    """One column as factorised strings: ``uniq[codes]`` (code -1 = cell absent).

    Attributes
    ----------
    header : str
        The column's header.
    pos : int
        Its position in the header row (0-based).
    codes : ndarray of int
        Per data row, the index of its cell in ``uniq`` (-1: the row has no such cell).
    uniq : ndarray of str
        The distinct stripped cells.
    na : frozenset
        Cells read as missing (lower case).

    Examples
    --------
    >>> col = Col("wave", 2, np.array([0, 1, 0, -1]), np.array(["2024", "N/A"], dtype=object))
    >>> col.values.tolist(), col.missing.tolist()
    (['2024', 'N/A', '2024', ''], [False, True, False, True])
    >>> col.per_row(np.array([2024, 0]), fill=-1).tolist()
    [2024.0, 0.0, 2024.0, -1.0]

    :func:`factorise` builds them from a file:

    >>> from urbansec_lib.core.ingest import read_table
    >>> ex = factorise(read_table(data=b"wave\\n2024\\n2024\\n", label="e.csv"), "e.csv")
    >>> ex.cols[0].header, ex.cols[0].values.tolist()
    ('wave', ['2024', '2024'])
    """

    header: str
    pos: int
    codes: np.ndarray
    uniq: np.ndarray  # stripped strings
    na: frozenset = frozenset({"", "n/a"})  # cells read as missing (lower case)

    def per_row(self, per_uniq: np.ndarray | list, fill: Any) -> np.ndarray:
        """Values per distinct cell -> values per row (``fill`` where a row has no cell)."""
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
        """The stripped cells ("" where a row has no cell)."""
        return self.per_row(self.uniq.astype(object), "")

    @property
    def missing(self) -> np.ndarray:
        """Cells that are empty or a missing token (``n/a``)."""
        m = np.array([u.lower() in self.na for u in self.uniq], dtype=bool)
        return self.per_row(m, True).astype(bool)


@dataclass
class Export:
    """An export as read: header, named columns, row numbers of the non-blank data rows.

    Attributes
    ----------
    header : list of str
    cols : list of Col
        One per header cell, in header order.
    rownums : ndarray of int
        Spreadsheet row number of each kept data row (the header is row 1).
    ragged : list of Problem
        Rows with fewer or more cells than the header.
    encoding, delimiter : str
        As detected by :func:`urbansec_lib.ingest.read_table`.

    Examples
    --------
    >>> from urbansec_lib.core.ingest import read_table
    >>> ex = factorise(read_table(data=b"a;b\\n1;x\\n;\\n2;y\\n", label="e.csv"), "e.csv")
    >>> ex.header, ex.rownums.tolist(), ex.encoding, ex.delimiter
    (['a', 'b'], [2, 4], 'utf-8', ';')
    >>> ex.frame()
       0  1
    2  1  x
    4  2  y
    """

    header: list[str]
    cols: list[Col]
    rownums: np.ndarray
    ragged: list[Problem] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    def frame(self) -> pd.DataFrame:
        """Stripped cells as strings: columns = header positions, index = row numbers."""
        return pd.DataFrame({c.pos: c.values for c in self.cols}, index=self.rownums)


def uniq_map(col: Col, func: Callable[[str], Any]) -> np.ndarray:
    """``func`` of every distinct cell of a column (object array, same order as ``uniq``).

    A check then runs once per distinct cell; :meth:`Col.per_row` spreads the results over
    the rows.

    Parameters
    ----------
    col : Col
    func : callable
        Called with each distinct stripped cell.

    Returns
    -------
    ndarray of object

    Examples
    --------
    >>> col = Col("wave", 0, np.array([0, 1, 0]), np.array(["2024", "23"], dtype=object))
    >>> ok = uniq_map(col, lambda u: len(u) == 4)
    >>> ok.tolist(), col.per_row(ok, False).tolist()
    ([True, False], [True, False, True])
    """
    return np.array([func(u) for u in col.uniq], dtype=object)


def _empty_file(t: ingest.Table) -> bool:
    return t.n_rows == 0 or not any(
        (np.array([str(u).strip() != "" for u in uq], dtype=bool)).any() for uq in t.uniq
    )


def factorise(t: ingest.Table, label: str, require_header: bool = True) -> Export:
    """Stripped, factorised columns of a table (blank rows removed) and its ragged rows.

    ``require_header`` (default) refuses a file without column names in row 1 (raises
    :class:`Fatal`); otherwise only a file without any column is refused (a
    :class:`~urbansec_lib.errors.ValidationError`). Rows shorter than the last named column
    or with cells beyond the header are listed in :attr:`Export.ragged` (the caller decides
    whether they are problems).

    Parameters
    ----------
    t : Table
        As read by :func:`urbansec_lib.ingest.read_table`.
    label : str
        File name used in problems.
    require_header : bool
        Refuse a file whose first row holds no column name.

    Returns
    -------
    Export

    Raises
    ------
    Fatal
        With ``require_header``: an empty file, or a first row without column names.

    Examples
    --------
    >>> from urbansec_lib.core.ingest import read_table
    >>> ex = factorise(read_table(data=b"a,b\\n1,x\\n2\\n", label="e.csv"), "e.csv")
    >>> [c.values.tolist() for c in ex.cols], [str(p) for p in ex.ragged]
    ([['1', '2'], ['x', '']], ["e.csv, row 3: got '1 cells', expected 2 cells, as many as the header row (ragged row)"])
    >>> factorise(read_table(data=b",\\n1,2\\n", label="e.csv"), "e.csv", require_header=False).header
    ['', '']
    """
    header = t.header
    if require_header and (not header or not any(header)):
        if _empty_file(t):
            raise Fatal([Problem(label, None, None, None, _EMPTY)])
        raise Fatal([Problem(label, 1, None, None, "a header row with the column names in row 1")])
    if not require_header and max(len(header), len(t.codes)) == 0:
        raise ValidationError([Problem(label, None, None, None, _EMPTY)], what=label)
    named = [k for k, h in enumerate(header) if h != ""]
    width = named[-1] + 1 if named else 0  # cells a row must have (trailing unnamed optional)
    n = t.n_rows
    lens = t.lengths.astype(np.int64)
    cols: list[Col] = []
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
            cols.append(Col(header[pos], pos, codes, clean))
        else:
            extra_nonempty |= ~empty
    rownums = t.rownums
    keep = ~blank
    problems = [
        Problem(
            label,
            int(rownums[i]),
            None,
            f"{lens[i]} cells",
            f"{width} cells, as many as the header row (ragged row)",
        )
        for i in np.flatnonzero(keep & (lens < width))
    ]
    problems += [
        Problem(
            label,
            int(rownums[i]),
            None,
            f"{lens[i]} cells",
            f"at most {len(header)} cells, as many as the header row (ragged row)",
        )
        for i in np.flatnonzero(keep & extra_nonempty)
    ]
    for c in cols:
        c.codes = c.codes[keep]
    return Export(header, cols, rownums[keep], problems, t.encoding, t.delimiter)


class Collector:
    """Problems of an export, collected column-wise and sorted as a spreadsheet reads them
    (row, then column position); :attr:`bad` marks the data rows with a problem.

    Parameters
    ----------
    label : str
        File name used in problems.
    rownums : ndarray of int
        Spreadsheet row numbers of the data rows (:attr:`Export.rownums`).

    Examples
    --------
    >>> c = Collector("f.csv", np.array([2, 3]))
    >>> col = Col("x", 0, np.array([0, 1]), np.array(["1", "zz"], dtype=object))
    >>> c.cells(np.array([False, True]), col, "a number")
    >>> c.header(0, "x", "x", "a known column", "warning")
    >>> [str(p) for p in c.sorted()], c.bad.tolist()
    (["f.csv, row 1, column 'x': got 'x', expected a known column", "f.csv, row 3, column 'x': got 'zz', expected a number"], [False, True])
    """

    def __init__(self, label: str, rownums: np.ndarray):
        self.label = label
        self.rownums = rownums
        self.bad = np.zeros(len(rownums), dtype=bool)
        self.items: list[tuple[int, int, Problem]] = []

    def header(
        self, pos: int, column: str | None, value: Any, expected: str, severity: str = "error"
    ) -> None:
        """A problem of the header row (row 1) at column position ``pos``."""
        self.items.append((1, pos, Problem(self.label, 1, column, value, expected, severity)))

    def cells(
        self,
        mask: np.ndarray,
        col: Col,
        expected: str | np.ndarray,
        values: np.ndarray | None = None,
        column: str | None = None,
    ) -> None:
        """A problem per row where ``mask`` holds (value: the cell, or ``values``)."""
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
        """Problems of whole rows (ragged rows): sorted before the rows' cells."""
        pos_of = {int(r): k for k, r in enumerate(self.rownums)}
        for p in problems:
            self.items.append((p.row or 0, -1, p))
            if p.row in pos_of:
                self.bad[pos_of[p.row]] = True

    def sorted(self) -> list[Problem]:
        """Every problem, by row then column position."""
        return [p for _r, _c, p in sorted(self.items, key=lambda t: (t[0], t[1]))]


def located(
    label: str,
    rows: Iterable[int],
    column: str,
    values: Iterable[Any],
    expected: str | Iterable[str],
) -> list[Problem]:
    """One problem per row: ``file, row, column, value, expected`` (one or per-row texts).

    Parameters
    ----------
    label : str
        File name.
    rows : iterable of int
        Spreadsheet row numbers.
    column : str
    values : iterable
        The offending value of each row (None: missing).
    expected : str or iterable of str
        What was expected: one text for every row, or one per row.

    Returns
    -------
    list of Problem

    Examples
    --------
    >>> [str(p) for p in located("f.csv", [4], "age", ["x"], "a whole number")]
    ["f.csv, row 4, column 'age': got 'x', expected a whole number"]
    """
    rows, values = list(rows), list(values)
    exp = [expected] * len(rows) if isinstance(expected, str) else list(expected)
    return [Problem(label, int(r), column, v, e) for r, v, e in zip(rows, values, exp)]
