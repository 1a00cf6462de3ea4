"""Table schemas as code: declared columns and checks that validate a frame of raw cells.

A :class:`TableSchema` is the one way a reader states what a table must hold (in the spirit
of pandera's ``DataFrameSchema``, without its dependency): its :class:`Column` s (kind,
required, blanks allowed, bounds, choices with aliases, a pattern or a parser of the
reader's own, the column's role) and its table-level :class:`Check` s (cross-column rules
such as "end on or after start") and unique keys. :meth:`TableSchema.validate` returns a
typed copy and raises one :class:`~urbansec_lib.core.errors.ValidationError` listing every
problem, located by file, spreadsheet row (header = row 1) and column. Values of
identifier and free-text columns never appear in a message.

Example
-------
>>> import pandas as pd
>>> s = TableSchema(
...     "budget lines",
...     [Column("id"), Column("start", "int", low=2000), Column("end", "int", low=2000)],
...     checks=[Check("end", lambda t: t["end"] < t["start"], "a year on or after start")],
...     unique=[Unique("id")],
... )
>>> df = pd.DataFrame({"id": ["a", "a"], "start": ["2020", "2021"], "end": ["2022", "2019"]})
>>> try:
...     s.validate(df, "b.csv")
... except Exception as e:
...     for p in e.problems:
...         print(p)
b.csv, row 3, column 'id': got 'a', expected a unique id (already used in row 2)
b.csv, row 3, column 'end': got '2019', expected a year on or after start
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem, ValidationError

__all__ = ["Column", "Check", "Unique", "TableSchema", "blank_mask"]

#: Roles whose values never appear in a message.
PRIVATE_ROLES = ("identifier", "free_text", "id")

_TRUE = {"1", "true", "yes", "y", "x", "1.0"}
_FALSE = {"0", "false", "no", "n", "", "0.0"}


def blank_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is missing or only whitespace.

    Examples
    --------
    >>> blank_mask(pd.Series(["a", " ", None, float("nan")])).tolist()
    [False, True, True, True]
    """
    return (s.isna() | s.astype("string").str.strip().eq("").fillna(True)).to_numpy(bool)


@dataclass(frozen=True)
class Column:
    """A declared column of a table schema.

    Parameters
    ----------
    name : str
    kind : {"str", "int", "float", "bool", "date", "choice", "custom"}
        ``"custom"`` uses ``parse``.
    required : bool
        The column must be present.
    nullable : bool
        Blank cells allowed.
    low, high : float, optional
        Inclusive bounds for numbers.
    gt : float, optional
        Exclusive lower bound for numbers.
    choices : tuple of str, optional
        Allowed values for ``kind="choice"`` (matched after ``key``).
    aliases : mapping, optional
        Other spellings of a choice (after ``key``) -> the choice.
    key : callable, optional
        Normalises cells before matching choices (default: strip and lower-case).
    pattern : str, optional
        Regular expression a string must match in full.
    parse : callable, optional
        For ``kind="custom"``: raw cells -> values, NA where a non-blank cell is unreadable.
    role : {"data", "id", "identifier", "free_text"}
        What the column holds; identifiers and free text never appear in messages.
    expected : str, optional
        What a wrong cell should have been, in plain language (default from the kind).
    blank_expected : str, optional
        The message for a blank cell where blanks are not allowed (default ``expected``).
    checks : sequence of (callable, str)
        Value checks after parsing: ``(values -> bad mask, expected)``.
    fmt : str
        Date format for ``kind="date"``.

    Examples
    --------
    >>> Column("x", "float", low=0, high=1).describe()
    'a number from 0 to 1'
    """

    name: str
    kind: str = "str"
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    role: str = "data"
    expected: str | None = None
    gt: float | None = None
    fmt: str = "%Y-%m-%d"
    aliases: Mapping[str, str] | None = None
    key: Callable[[pd.Series], pd.Series] | None = None
    parse: Callable[[pd.Series], pd.Series] | None = None
    blank_expected: str | None = None
    checks: tuple[tuple[Callable[[pd.Series], Any], str], ...] = ()

    def describe(self) -> str:
        """What a cell of this column should hold, in plain language."""
        if self.expected:
            return self.expected
        if self.kind == "choice":
            return f"one of {', '.join(self.choices or ())}"
        if self.kind in ("int", "float"):
            what = "a whole number" if self.kind == "int" else "a number"
            if self.low is not None and self.high is not None:
                return f"{what} from {self.low:g} to {self.high:g}"
            if self.low is not None:
                return f"{what} >= {self.low:g}"
            if self.gt is not None:
                return f"{what} > {self.gt:g}" if self.gt else f"a positive {what[2:]}"
            return what
        if self.kind == "bool":
            return "yes/no (1/0, true/false)"
        if self.kind == "date":
            return "a date " + self.fmt.replace("%Y", "YYYY").replace("%m", "MM").replace(
                "%d", "DD"
            )
        return "a value" if not self.pattern else f"a value matching {self.pattern}"

    # ------------------------------------------------------------ parsing, per kind
    def _number(self, s: pd.Series, blank: np.ndarray) -> tuple[pd.Series, np.ndarray]:
        x = pd.to_numeric(s.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True), errors="coerce")
        xv = x.to_numpy(dtype=float)
        wrong = ~blank & ~np.isfinite(xv)
        if self.kind == "int":
            wrong |= ~blank & np.isfinite(xv) & (xv != np.round(xv))
        if self.low is not None:
            wrong |= ~blank & (xv < self.low)
        if self.high is not None:
            wrong |= ~blank & (xv > self.high)
        if self.gt is not None:
            wrong |= ~blank & ~(xv > self.gt)
        val = pd.Series(np.where(blank | wrong, np.nan, xv), index=s.index)
        return (val.astype("Int64") if self.kind == "int" else val), wrong

    def _choice(self, raw: pd.Series, s: pd.Series, blank: np.ndarray):
        k = self.key(raw) if self.key is not None else s.str.lower()
        lut = {(v if self.key is not None else v.lower()): v for v in self.choices or ()}
        for a, v in (self.aliases or {}).items():
            lut.setdefault(a, v)
        mapped = k.map(lut)
        return mapped.where(~blank, None), ~blank & mapped.isna().to_numpy()

    def convert(self, raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
        """Typed values, the mask of wrong non-blank cells and the mask of blanks."""
        s = raw.astype(str).str.strip()
        blank = blank_mask(raw)
        if self.kind in ("int", "float"):
            val, wrong = self._number(s, blank)
        elif self.kind == "bool":
            low = s.str.lower()
            wrong = ~low.isin(_TRUE | _FALSE).to_numpy()
            val = pd.Series(low.isin(_TRUE).to_numpy(), index=raw.index)
        elif self.kind == "date":
            val = pd.to_datetime(s.where(~blank), errors="coerce", format=self.fmt)
            wrong = ~blank & val.isna().to_numpy()
        elif self.kind == "choice":
            val, wrong = self._choice(raw, s, blank)
        elif self.kind == "custom":
            if self.parse is None:
                raise TypeError(f"column {self.name!r}: kind 'custom' needs a parse function")
            val = self.parse(raw)
            wrong = ~blank & pd.isna(val).to_numpy(bool)
        else:
            wrong = np.zeros(len(s), dtype=bool)
            if self.pattern:
                wrong = ~blank & ~s.str.fullmatch(self.pattern).fillna(False).to_numpy()
            val = s.where(~blank, "")
        return val, np.asarray(wrong, dtype=bool), blank


@dataclass(frozen=True)
class Check:
    """A table-level rule: ``test(typed frame) -> mask of bad rows``, reported in ``column``.

    ``expected`` is a string, or a function of the typed frame giving one message per row
    (e.g. naming the start date an end date must follow).

    Examples
    --------
    >>> c = Check("b", lambda t: t["b"] < t["a"], "at least a")
    >>> c.test(pd.DataFrame({"a": [1, 2], "b": [3, 1]})).tolist()
    [False, True]
    """

    column: str
    test: Callable[[pd.DataFrame], Any]
    expected: str | Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Unique:
    """Values of ``column`` (within the groups of ``within``) appear once; the message names
    the row that used the value first.

    Examples
    --------
    >>> Unique("initiative_id", within=("unit_id",)).keys
    ('unit_id', 'initiative_id')
    """

    column: str
    within: tuple[str, ...] = ()
    expected: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.within, self.column)


@dataclass
class TableSchema:
    """A declared table schema: validates a frame of raw cells into typed columns, with
    every problem located (file, spreadsheet row, column, value, expected).

    Parameters
    ----------
    name : str
    columns : list of Column
    extra : {"error", "keep", "drop"}
        What to do with columns the schema does not declare.
    checks : list of Check
        Table-level rules, run on the typed frame (rows whose cells are wrong are left out).
    unique : list of Unique
        Unique keys.
    prefix : str
        Put before column names in messages (``"Cover!"`` for a workbook sheet).
    missing_row : int or None
        Row reported for a missing column (default the header row, 1).
    extra_expected : str, optional
        What an undeclared column should have been (default: the list of known columns).

    Example
    -------
    >>> s = TableSchema("t", [Column("id"), Column("x", "float", low=0, high=1)])
    >>> df = pd.DataFrame({"id": ["a", "b"], "x": ["0.5", "nan"]})
    >>> try:
    ...     s.validate(df, "t.csv")
    ... except ValidationError as e:
    ...     print(e.problems[0])
    t.csv, row 3, column 'x': got 'nan', expected a number from 0 to 1
    """

    name: str
    columns: list[Column]
    extra: str = "error"  # or "keep" / "drop"
    checks: list[Check] = field(default_factory=list)
    unique: list[Unique] = field(default_factory=list)
    prefix: str = ""
    missing_row: int | None = 1
    extra_expected: str | None = None
    problems: list[Problem] = field(default_factory=list, repr=False)

    @property
    def names(self) -> list[str]:
        """The declared column names, in order."""
        return [c.name for c in self.columns]

    def _column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def _shape_problems(self, df: pd.DataFrame, file: str) -> list[Problem]:
        """Missing required columns and (with ``extra="error"``) unknown ones."""
        probs: list[Problem] = []
        names = set(self.names)
        found = [str(x) for x in df.columns]
        for c in self.columns:
            if c.name not in df.columns and c.required:
                near = difflib.get_close_matches(c.name, found, 1, 0.75)
                hint = f" (found {near[0]!r}: a misspelling?)" if near else ""
                col = self.prefix + c.name
                probs.append(
                    Problem(file, self.missing_row, col, None, f"a column {c.name!r}{hint}")
                )
        if self.extra == "error":
            for x in found:
                if x not in names:
                    near = difflib.get_close_matches(x, sorted(names), 1, 0.6)
                    exp = self.extra_expected or f"a known column ({', '.join(sorted(names))})"
                    if near:
                        exp = (
                            f"{self.extra_expected or 'a known column'} (did you mean {near[0]!r}?)"
                        )
                    probs.append(Problem(file, 1, self.prefix + x, x, exp))
        return probs

    def _problem(self, file, row, col: Column | None, name: str, value, expected) -> Problem:
        value = None if value is None or not str(value).strip() or pd.isna(value) else value
        if col is not None and col.role in PRIVATE_ROLES and value is not None:
            value = "(withheld)"
        return Problem(file, int(row), self.prefix + name, value, str(expected))

    def _table_problems(self, df, out, bad_cells, file, rows) -> list[Problem]:
        """Problems of the unique keys and the table-level checks (on rows whose cells in
        the columns involved are all valid)."""
        probs: list[Problem] = []
        pos = pd.Series(np.arange(len(out)), index=out.index)
        for u in self.unique:
            if any(k not in out.columns for k in u.keys):
                continue
            parts = [out[k].astype(object).where(out[k].notna(), "").astype(str) for k in u.keys]
            key = parts[0]
            for part in parts[1:]:
                key = key + "\x1f" + part
            ok = ~np.logical_or.reduce([bad_cells.get(k, np.zeros(len(out), bool)) for k in u.keys])
            ok &= ~blank_mask(out[u.column].astype(object).where(out[u.column].notna(), None))
            key = key.where(ok, "\x00" + pos.astype(str))  # rows left out: keys of their own
            first = pos.groupby(key.to_numpy()).transform("first").to_numpy()
            dup = key.duplicated().to_numpy()
            exp = u.expected or f"a unique {u.column}"
            for i in np.flatnonzero(dup):
                msg = f"{exp} (already used in row {int(rows[first[i]])})"
                probs.append(
                    self._problem(file, rows[i], self._column(u.column), u.column,
                                  df[u.column].iloc[i] if u.column in df else None, msg)
                )  # fmt: skip
        for ch in self.checks:
            if ch.column not in out.columns:
                continue
            mask = np.array(pd.Series(ch.test(out)).fillna(False), dtype=bool)
            mask = mask & ~bad_cells.get(ch.column, np.zeros(len(out), bool))
            exp = ch.expected(out) if callable(ch.expected) else ch.expected
            for i in np.flatnonzero(mask):
                e = exp.iloc[i] if isinstance(exp, pd.Series) else exp
                v = df[ch.column].iloc[i] if ch.column in df else None
                probs.append(self._problem(file, rows[i], self._column(ch.column), ch.column, v, e))
        return probs

    def validate(
        self, df: pd.DataFrame, file: str, rows: Sequence[int] | None = None, raise_: bool = True
    ) -> pd.DataFrame:
        """Typed copy of ``df``; raises one ValidationError with all problems.

        With ``raise_=False`` the problems are left in :attr:`problems` and the typed frame
        (wrong cells as missing) is returned.
        """
        rows = np.asarray(
            rows if rows is not None else df.attrs.get("source_row", np.arange(2, len(df) + 2))
        )
        shape = self._shape_problems(df, file)
        if shape:
            raise ValidationError(shape, file)
        names = set(self.names)
        keep = df.columns if self.extra != "drop" else [c for c in df.columns if c in names]
        out = df[list(keep)].copy()
        probs: list[Problem] = []
        bad_cells: dict[str, np.ndarray] = {}
        for c in self.columns:
            if c.name not in df.columns:
                continue
            raw = df[c.name]
            val, wrong, blank = c.convert(raw)
            out[c.name] = val
            bad = wrong | (blank & ~c.nullable)
            for test, exp in c.checks:
                extra = np.asarray(pd.Series(test(val)).fillna(False), dtype=bool) & ~bad
                for i in np.flatnonzero(extra):
                    probs.append(self._problem(file, rows[i], c, c.name, raw.iloc[i], exp))
                bad = bad | extra
            bad_cells[c.name] = bad
            for i in np.flatnonzero(wrong | (blank & ~c.nullable)):
                exp = c.blank_expected if blank[i] and c.blank_expected else c.describe()
                probs.append(self._problem(file, rows[i], c, c.name, raw.iloc[i], exp))
        probs += self._table_problems(df, out, bad_cells, file, rows)
        order = {self.prefix + n: k for k, n in enumerate(self.names)}
        probs.sort(key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))
        if probs and raise_:
            raise ValidationError(probs, file)
        self.problems = probs
        out.attrs["source_row"] = [int(r) for r in rows]
        return out
