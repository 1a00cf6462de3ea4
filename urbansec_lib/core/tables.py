"""Tables of any user file (CSV/TSV/XLSX) as one :class:`Table`: encoding and delimiter
detected, rows numbered as a spreadsheet shows them, limits checked as rows are read.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "t.csv").write_bytes("a;b\\n1;é\\n".encode("cp1252"))
>>> t = read_table(d / "t.csv")
>>> t.header, t.encoding, t.delimiter, t.frame()["b"].tolist(), t.rownums.tolist()
(['a', 'b'], 'cp1252', ';', ['é'], [2])
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .bounds import (
    DEFAULT_LIMITS,
    Limits,
    _bounded,
    _fatal,
    _human,
    _sniff,
    decode_text,
    read_bytes,
)
from .errors import Problem, ValidationError
from .xlsx import _col_index, _xlsx_rows


# ================================================================== tables
@dataclass
class Table:
    """A table as read: header and factorised string columns.

    Attributes
    ----------
    file : str
        Name used in problems.
    header : list of str
        Row 1, stripped.
    codes : list of ndarray
        Per column, int32 codes into ``uniq`` (``-1``: the row has no such cell).
    uniq : list of ndarray
        Per column, the distinct raw cell strings.
    lengths : ndarray
        Cells per data row.
    rownums : ndarray
        Row number of each data row as a spreadsheet shows it.
    encoding, delimiter, sha256, sheet : str

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id,n\\na,1\\n\\nb,2\\n")
    >>> t = read_table(p)
    >>> t.header, t.frame()["n"].tolist(), t.frame().attrs["source_row"]
    (['id', 'n'], ['1', '2'], [2, 4])
    """

    file: str
    header: list[str]
    codes: list[np.ndarray]
    uniq: list[np.ndarray]
    lengths: np.ndarray
    rownums: np.ndarray
    encoding: str = ""
    delimiter: str = ""
    sha256: str = ""
    sheet: str = ""

    @property
    def n_rows(self) -> int:
        """Data rows."""
        return len(self.rownums)

    def values(self, j: int) -> np.ndarray:
        """Column ``j`` as an object array of strings ("" where the row has no cell)."""
        u = self.uniq[j]
        c = self.codes[j]
        if len(u) == 0:
            return np.full(len(c), "", dtype=object)
        out = u.astype(object)[np.where(c >= 0, c, 0)]
        out[c < 0] = ""
        return out

    def grid(self) -> pd.DataFrame:
        """Every cell as a string, header included: index = spreadsheet row number (1 =
        header), columns ``0 .. width-1`` (short rows padded with "")."""
        width = max(len(self.header), len(self.codes))
        cols = {}
        for j in range(width):
            head = self.header[j] if j < len(self.header) else ""
            body = self.values(j) if j < len(self.codes) else np.full(self.n_rows, "", dtype=object)
            cols[j] = np.concatenate([np.array([head], dtype=object), body])
        return pd.DataFrame(cols, index=np.arange(1, self.n_rows + 2))

    def frame(self, drop_blank: bool = True, infer: bool = False) -> pd.DataFrame:
        """All named columns as a string frame (blank rows dropped; ``source_row`` in attrs).

        Duplicate or empty header names keep their position (``""`` becomes ``column_<k>``).
        With ``infer``, blank cells become missing and a column whose every other cell is a
        number becomes numeric (as ``pandas.read_csv`` would type it).
        """
        cols: dict[str, np.ndarray] = {}
        for j, h in enumerate(self.header):
            name = h if h and h not in cols else f"{h or 'column'}_{j + 1}"
            cols[name] = self.values(j) if j < len(self.codes) else np.full(self.n_rows, "")
        df = pd.DataFrame(cols)
        rows = self.rownums
        if drop_blank and len(df):
            keep = (df.apply(lambda s: s.str.strip()) != "").any(axis=1).to_numpy()
            df, rows = df[keep].reset_index(drop=True), rows[keep]
        if infer:
            for c in df.columns:
                s = df[c].where(df[c].str.strip() != "", None)
                num = pd.to_numeric(s, errors="coerce")
                df[c] = num if (num.notna() == s.notna()).all() and s.notna().any() else s
        df.attrs["source_row"] = [int(r) for r in rows]
        return df


def read_grid(
    path: str | Path, label: str | None = None, sheet: str | int | None = None, **kw: Any
) -> pd.DataFrame:
    """:func:`read_table` as a grid of strings (index = spreadsheet row, row 1 = header).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id;n\\na;1\\n")
    >>> read_grid(p).values.tolist()
    [['id', 'n'], ['a', '1']]
    """
    return read_table(path, label=label, sheet=sheet, **kw).grid()


def read_frame(
    path: str | Path,
    label: str | None = None,
    sheet: str | int | None = None,
    infer: bool = False,
    **kw: Any,
) -> pd.DataFrame:
    """:func:`read_table` as a string frame with the header as columns (blank rows dropped;
    ``attrs["source_row"]`` holds each row's spreadsheet row number; ``infer``: see
    :meth:`Table.frame`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id,n\\na,1\\nb,2\\n")
    >>> df = read_frame(p)
    >>> df["n"].tolist(), df.attrs["source_row"]
    (['1', '2'], [2, 3])
    """
    return read_table(path, label=label, sheet=sheet, **kw).frame(infer=infer)


_NUL_CTRL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
_CTRL_BYTES = _NUL_CTRL.encode("ascii")


def _lines(text: str):
    """The lines of ``text`` with their ends (no copy of the whole text, unlike StringIO,
    which holds 4 bytes a character)."""
    start, n = 0, len(text)
    find = text.find
    while start < n:
        end = find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _csv_rows(data: bytes, label: str, delimiter: str | None) -> tuple[Iterable, str, str]:
    text, enc = decode_text(data, label)
    if "\x00" in text:
        raise _fatal(label, "binary data", "a text table (the file contains NUL bytes)")
    if enc == "utf-16":
        n_ctrl = len(text) - len(text.translate(str.maketrans("", "", _NUL_CTRL)))
    else:  # control characters are single bytes in UTF-8 / cp1252: count them on the bytes
        n_ctrl = len(data) - len(data.translate(None, _CTRL_BYTES))
    if n_ctrl > max(2, len(text) // 1000):
        raise _fatal(label, f"{n_ctrl} control characters", "a text table (this looks binary)")
    if not text.strip():
        raise _fatal(label, None, "a header row and data rows (the file is empty)")
    if "\r" in text and "\n" not in text:  # classic Mac line ends
        text = text.replace("\r", "\n")
    sep = delimiter or _sniff(text[: 1 << 20])
    return csv.reader(_lines(text), delimiter=sep, strict=False), enc, sep


_BLOCK = 4 << 20
_PD_CHUNK = 50_000


def _unify(
    parts: list[list[tuple[np.ndarray, np.ndarray]]],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per column, chunks of (local codes, distinct values) -> global int32 codes and
    distinct values, with one vectorised factorisation (code -1 stays -1)."""
    cat: list[np.ndarray] = []
    uniq: list[np.ndarray] = []
    for col_parts in parts:
        if not col_parts:
            uniq.append(np.zeros(0, dtype=object))
            cat.append(np.zeros(0, dtype=np.int32))
            continue
        all_u = np.concatenate([u for _c, u in col_parts])
        g, gu = pd.factorize(all_u) if len(all_u) else (np.zeros(0, np.int64), all_u)
        g = np.append(g.astype(np.int32), np.int32(-1))
        out, off = [], 0
        for c, u in col_parts:
            out.append(g[np.where(c >= 0, c + off, len(g) - 1)])
            off += len(u)
        cat.append(np.concatenate(out))
        uniq.append(np.asarray(gu, dtype=object))
    return cat, uniq


_MAX_FIELD = 131_072


def _field_counts(buf: bytes, sep: str) -> np.ndarray | None:
    """Cells per record of UTF-8 CSV bytes, quote-aware and vectorised (blocks of 4 MiB).

    A delimiter or line feed inside double quotes does not count (doubled quotes toggle
    twice). Blank lines count 0 cells, like :mod:`csv`. ``None`` when the quoting is not
    balanced (an unclosed quote): the caller falls back to the :mod:`csv` module.
    """
    s, q, nl = ord(sep), ord('"'), 10
    counts: list[np.ndarray] = []
    parity = 0
    cur = 0  # delimiters in the open record
    start_len = 0  # bytes of the open record (0 -> blank line)
    for off in range(0, len(buf), _BLOCK):
        a = np.frombuffer(buf, dtype=np.uint8, count=min(_BLOCK, len(buf) - off), offset=off)
        isq = a == q
        # parity of the quotes so far: uint8 wraps modulo 256, which keeps evenness
        inside = ((np.cumsum(isq, dtype=np.uint8) + np.uint8(parity)) & 1).astype(bool)
        parity = (parity + int(isq.sum())) & 1
        ends = np.flatnonzero((a == nl) & ~inside)
        seps = np.flatnonzero((a == s) & ~inside)
        del isq, inside
        # delimiters per record: records end at ``ends``; count seps before each end
        k = np.searchsorted(seps, ends)
        if len(ends):
            per = np.diff(np.concatenate([[0], k]))
            per[0] += cur
            lens_b = np.diff(np.concatenate([[-1], ends]))  # bytes incl. the LF
            lens_b[0] += start_len
            blank = (lens_b <= 1) | ((lens_b == 2) & (a[np.maximum(ends - 1, 0)] == 13))
            counts.append(np.where(blank & (per == 0), 0, per + 1).astype(np.int32))
            cur = len(seps) - int(k[-1])
            start_len = len(a) - 1 - int(ends[-1])
        else:
            cur += len(seps)
            start_len += len(a)
    if parity:
        return None
    if start_len > 0:  # last record without a final LF
        counts.append(np.array([cur + 1], dtype=np.int32))
    return np.concatenate(counts) if counts else np.zeros(0, dtype=np.int32)


def _fast_csv(
    data: bytes,
    label: str,
    delimiter: str | None,
    limits: Limits,
    skip: Callable[[str], bool] | None = None,
) -> tuple[list[str], list[np.ndarray], list[np.ndarray], np.ndarray, str, str] | None:
    """The C parser of pandas (categorical columns) for well-formed files; ``None`` ->

    Long because: the chunked C-parser path keeps its buffers in one scope so that a
    million-row export is held once.
    use the :mod:`csv` path (unclosed quotes, classic Mac line ends, odd quoting)."""
    text, enc = decode_text(data, label)
    if "\x00" in text:
        raise _fatal(label, "binary data", "a text table (the file contains NUL bytes)")
    if enc == "utf-16":
        n_ctrl = len(text) - len(text.translate(str.maketrans("", "", _NUL_CTRL)))
    else:
        n_ctrl = len(data) - len(data.translate(None, _CTRL_BYTES))
    if n_ctrl > max(2, len(text) // 1000):
        raise _fatal(label, f"{n_ctrl} control characters", "a text table (this looks binary)")
    if not text.strip():
        raise _fatal(label, None, "a header row and data rows (the file is empty)")
    if "\r" in text and "\n" not in text:
        return None
    sep = delimiter or _sniff(text[: 1 << 20])
    if enc in ("utf-8", "utf-8-sig"):
        buf = data[3:] if enc == "utf-8-sig" else data
    else:
        buf = text.encode("utf-8")
    del text
    counts = _field_counts(buf, sep)
    if counts is None or len(counts) == 0:
        return None
    n_rec = len(counts)
    if n_rec - 1 > limits.max_rows:
        raise _fatal(label, f"more than {limits.max_rows} rows", f"at most {limits.max_rows} rows")
    if int(counts.sum()) > limits.max_cells:
        raise _fatal(
            label, f"more than {limits.max_cells} cells", f"at most {limits.max_cells} cells"
        )
    width = int(counts.max())
    keep = list(range(width))
    if skip is not None:  # columns the caller never reads (e.g. Kobo's timestamps)
        try:
            head = next(
                csv.reader(_lines(buf[: 1 << 20].decode("utf-8", "replace")), delimiter=sep), []
            )
        except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted field
            raise _fatal(label, str(exc), "a well-formed CSV file") from None
        head = [h.strip().lstrip("\ufeff") for h in head]
        if len(head) == int(counts[0]):
            keep = [j for j in range(width) if j >= len(head) or not skip(head[j])]
    # the C parser in chunks of strings, each column factorised per chunk and unified at the
    # end (categorical dtype would re-unite categories per internal chunk: slow for id
    # columns with a distinct value per row)
    parts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(width)]
    n_read = 0
    try:
        reader = pd.read_csv(
            io.BytesIO(buf),
            header=None,
            names=list(range(max(width, 1))),
            usecols=keep,
            sep=sep,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            encoding="utf-8",
            quotechar='"',
            doublequote=True,
            chunksize=_PD_CHUNK,
        )
        with reader:
            for df in reader:
                n_read += len(df)
                for j in keep:
                    local, u = pd.factorize(df[j].to_numpy(dtype=object))
                    parts[j].append((local.astype(np.int32), np.asarray(u, dtype=object)))
                del df
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        return None
    if n_read != n_rec:
        return None  # the scan and the parser disagree (odd quoting): the csv path decides
    skipped = set(range(width)) - set(keep)
    for j in skipped:  # read as empty cells (the header name is kept)
        parts[j] = [(np.zeros(n_rec, dtype=np.int32), np.array([""], dtype=object))]
    codes, uniq = _unify(parts)
    del parts
    if skipped:  # the header row keeps its names
        head_u = np.array(list(head), dtype=object)
        for j in skipped:
            uniq[j] = np.array(["", head_u[j]], dtype=object)
            codes[j][0] = 1
    for j in range(width):
        if len(uniq[j]) and max(map(len, uniq[j])) > _MAX_FIELD:
            raise _fatal(label, "a cell over 131072 characters", "a well-formed CSV file")
        codes[j][counts <= j] = -1  # the row has no such cell
    first = [str(uniq[j][codes[j][0]]) for j in range(int(counts[0]))]  # the header row
    return first, [c[1:] for c in codes], uniq, counts[1:], enc, sep


_CHUNK = 8_192


def read_table(
    path: str | Path | None = None,
    *,
    data: bytes | None = None,
    label: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    kind: str | None = None,
    skip: Callable[[str], bool] | None = None,
) -> Table:
    """Read a CSV / TSV / XLSX table with the guarantees of this module.

    Long because: one pass over a file that may hold a million rows: encoding, delimiter,
    limits, header and the fast and slow paths share their state.

    Parameters
    ----------
    path : str or Path
        The file (``data`` may give its bytes instead).
    label : str, optional
        Name in problems (default: the file name).
    sheet : str or int, optional
        For workbooks: sheet name or 0-based number (default: the first).
    delimiter : str, optional
        Force a delimiter (default: sniffed).
    limits : Limits
    kind : {"csv", "xlsx"}, optional
        Default: from the content (zip signature) and the suffix.
    skip : callable, optional
        ``skip(header) -> True`` for columns the caller never reads: their cells are not
        kept (read as empty). Only a memory saving; every other check still runs.

    Returns
    -------
    Table

    Raises
    ------
    ValidationError
        Unreadable, empty, binary, mixed-encoding, malformed, too large, a zip bomb, a
        formula without a cached value, ``.xls`` (legacy) workbooks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("a,b\\n1,2\\n3,4\\n".encode())
    >>> try:
    ...     read_table(p, limits=Limits(max_rows=1))
    ... except ValidationError as e:
    ...     print(e.problems[0].expected)
    at most 1 rows
    """
    if data is None:
        if path is None:
            raise TypeError("give path or data")
        label = label or Path(path).name
        data = read_bytes(path, label, limits.max_file_bytes)
    label = label or (Path(path).name if path is not None else "<input>")
    if len(data) > limits.max_file_bytes:
        raise _fatal(label, _human(len(data)), f"a file of at most {_human(limits.max_file_bytes)}")
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        raise _fatal(label, None, "a header row and data rows (the file is empty)")
    suffix = Path(path).suffix.lower() if path is not None else ""
    kind = kind or (
        "xlsx"
        if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm")
        else "xls"
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or suffix == ".xls"
        else "csv"
    )
    problems: list[Problem] = []
    sheet_name = ""
    if kind == "xlsx":
        rows, sheet_name, problems = _xlsx_rows(data, label, sheet, limits)
        enc, sep = "xlsx", ""
    elif kind == "xls":
        try:
            grid = pd.read_excel(io.BytesIO(data), header=None, dtype=str, engine="xlrd")
        except Exception as exc:  # noqa: BLE001 - xlrd raises its own types for corrupt files
            raise _fatal(label, type(exc).__name__, "a readable .xls workbook") from None
        rows, enc, sep = grid.fillna("").astype(str).values.tolist(), "xls", ""
    else:
        got = _fast_csv(data, label, delimiter, limits, skip)
        if got is not None:
            first, cat, uniq, lengths, enc, sep = got
            header = [str(h).strip().lstrip("\ufeff") for h in first]
            return Table(
                file=label,
                header=header,
                codes=cat,
                uniq=uniq,
                lengths=lengths,
                rownums=np.arange(2, len(lengths) + 2),
                encoding=enc,
                delimiter=sep,
                sha256=sha,
            )
        rows, enc, sep = _csv_rows(data, label, delimiter)
    it = iter(_bounded(rows, label, limits))
    try:
        header_row = next(it, None)
        header = [str(h).strip().lstrip("\ufeff") for h in (header_row or [])]
        # per column: the chunks' local codes and distinct values, unified at the end with
        # one vectorised factorisation (memory: int32 codes + distinct strings, never a
        # Python string per cell beyond one chunk)
        parts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in header]
        lens: list[np.ndarray] = []
        n = 0
        while True:
            chunk = list(itertools.islice(it, _CHUNK))
            if not chunk:
                break
            m = len(chunk)
            lens.append(np.fromiter(map(len, chunk), dtype=np.int32, count=m))
            width = int(lens[-1].max()) if m else 0
            while len(parts) < width:
                parts.append(
                    [(np.full(n, -1, dtype=np.int32), np.zeros(0, dtype=object))] if n else []
                )
            cols = list(itertools.zip_longest(*chunk, fillvalue=None))
            del chunk
            for j in range(len(parts)):
                if j >= len(cols):
                    parts[j].append((np.full(m, -1, dtype=np.int32), np.zeros(0, dtype=object)))
                    continue
                local, uniq = pd.factorize(np.asarray(cols[j], dtype=object), use_na_sentinel=True)
                parts[j].append((local.astype(np.int32), np.asarray(uniq, dtype=object)))
            del cols
            n += m
    except csv.Error as exc:
        raise _fatal(label, str(exc), "a well-formed CSV file") from None
    if header_row is None:
        raise _fatal(label, None, "a header row and data rows (the file is empty)")
    cat, uniq = _unify(parts)
    del parts
    if problems:
        fixed = []
        for p in problems:
            sh, letter = str(p.column).split("!", 1)
            j = _col_index(letter)
            name = header[j] if j < len(header) and header[j] else ""
            fixed.append(replace(p, column=name or p.column))
        problems = fixed
        raise ValidationError(problems, label)
    return Table(
        file=label,
        header=header,
        codes=cat,
        uniq=uniq,
        lengths=np.concatenate(lens) if lens else np.zeros(0, dtype=np.int32),
        rownums=np.arange(2, n + 2),
        encoding=enc,
        delimiter=sep,
        sha256=sha,
        sheet=sheet_name,
    )
