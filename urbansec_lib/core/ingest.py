"""One ingestion layer for every user file: tables (CSV/TSV/XLSX), YAML, JSON; bounded.

Every file a user hands the toolkit (survey and instrument exports, policy inventories,
outcome series, Collective Impact workbooks, COINr tables, framework and catalogue YAML,
report manifests) is read here, so that every reader gets the same guarantees:

* **encoding**: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text" export, with
  or without BOM), and Windows-1252 / Latin-1 only when the *whole* file is consistently in
  it; a file mixing valid UTF-8 with stray non-UTF-8 bytes is an error naming the row;
* **delimiter**: ``,``, ``;``, tab or ``|``, sniffed on the header row outside quotes;
* **row numbers** as a spreadsheet shows them (header = row 1, first data row = row 2);
* **limits** checked before memory grows: file size, rows, cells; for ``.xlsx`` the
  decompressed size of every zip member (from the zip directory, before openpyxl opens
  it), the compression ratio and the shared-strings size; for YAML the file size, the
  number of aliases, the size of the alias-expanded document and the nesting depth;
* **xlsx formulas**: a formula cell without a cached value is an error (the answer is
  not in the file), not a silent missing answer;
* **YAML**: duplicate keys, NaN / infinity (also ``1e400``), self-referencing anchors and
  deep nesting are located errors; :func:`check_keys` reports unknown keys with the
  nearest valid name.

It also holds the write-side safeguards every writer uses: :func:`write_csv` (formula
prefixes neutralised, atomic), :func:`check_name` (strict ids before a path is built) and
:func:`check_output` (every write stays inside the allowed output folders and never in
``data/raw``).

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

import codecs
import csv
import difflib
import hashlib
import io
import itertools
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .defaults import CONFIG_NAME, RAW_DIR, config_above
from .errors import Problem, ValidationError
from .schema import Check, Column, TableSchema, Unique

__all__ = [
    "read_yaml_mapping",
    "Limits",
    "DEFAULT_LIMITS",
    "Table",
    "read_table",
    "read_grid",
    "read_frame",
    "check_xlsx",
    "read_bytes",
    "decode_text",
    "read_yaml",
    "read_json",
    "check_keys",
    "finite_number",
    "neutralise_formulas",
    "csv_bytes",
    "write_csv",
    "check_name",
    "NAME_PATTERN",
    "RUN_ID_PATTERN",
    "check_output",
    "Column",
    "TableSchema",
    "Check",
    "Unique",
]


# ================================================================== limits
@dataclass(frozen=True)
class Limits:
    """Size and expansion limits of the readers (a clear error long before memory grows).

    Parameters
    ----------
    max_file_bytes : int
        Largest table file read (default 1 GiB: a 1e6-row export is ~150 MB).
    max_rows, max_cells : int
        Data rows and cells (rows x columns) of one table.
    max_xlsx_uncompressed : int
        Sum of the decompressed sizes of an ``.xlsx``'s zip members.
    max_xlsx_member : int
        Decompressed size of one member.
    max_xlsx_ratio : float
        Compression ratio above which a member larger than 1 MiB is refused (a zip bomb).
    max_shared_strings : int
        Decompressed size of ``xl/sharedStrings.xml``.
    max_yaml_bytes : int
        Largest YAML / JSON file.
    max_yaml_aliases : int
        Alias references (``*name``) in one YAML document.
    max_yaml_nodes : int
        Nodes of the document with every alias expanded ("billion laughs").
    max_yaml_depth : int
        Nesting depth of YAML / JSON.
    """

    max_file_bytes: int = 1 << 30
    max_rows: int = 5_000_000
    max_cells: int = 200_000_000
    max_xlsx_uncompressed: int = 1 << 30
    max_xlsx_member: int = 768 << 20
    max_xlsx_ratio: float = 250.0
    max_shared_strings: int = 128 << 20
    max_yaml_bytes: int = 8 << 20
    max_yaml_aliases: int = 500
    max_yaml_nodes: int = 1_000_000
    max_yaml_depth: int = 64


DEFAULT_LIMITS = Limits()


def _fatal(file: str, value: Any, expected: str, row: int | None = None, column=None):
    return ValidationError([Problem(file, row, column, value, expected)], file)


def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def read_bytes(path: str | Path, label: str | None = None, max_bytes: int | None = None) -> bytes:
    """The bytes of a user file, with located errors (missing, a directory, too large).

    Example
    -------
    >>> read_bytes("/")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in /:
      - /: got 'a directory', expected a file (give the path of the file, not of its folder)
    """
    p = Path(path)
    f = label or str(path)
    limit = DEFAULT_LIMITS.max_file_bytes if max_bytes is None else max_bytes
    if p.is_dir():
        raise _fatal(f, "a directory", "a file (give the path of the file, not of its folder)")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise _fatal(f, exc.strerror or type(exc).__name__, "a readable file") from None
    if size > limit:
        raise _fatal(f, _human(size), f"a file of at most {_human(limit)}")
    try:
        with open(p, "rb") as fh:
            data = fh.read(min(limit, size) + 1)  # never a limit-sized buffer up front
            if len(data) > size:  # grew while reading, or a special file: read the rest
                data += fh.read(limit + 1 - len(data))
    except OSError as exc:
        raise _fatal(f, exc.strerror or type(exc).__name__, "a readable file") from None
    if len(data) > limit:  # grew while reading, or a special file
        raise _fatal(f, f"more than {_human(limit)}", f"a file of at most {_human(limit)}")
    return data


# ================================================================== decoding
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def decode_text(data: bytes, label: str = "<input>", allow_legacy: bool = True) -> tuple[str, str]:
    """Decode a text file: ``(text, encoding)``; BOM removed.

    UTF-16 with a BOM, or without one when every other byte of the start is NUL (Excel's
    "Unicode text"); UTF-8 with or without BOM; else, when ``allow_legacy`` and the file
    holds no valid multi-byte UTF-8 sequence at all, Windows-1252 (Latin-1 when it uses a
    byte cp1252 leaves undefined). A file with valid UTF-8 *and* invalid bytes is a mixed
    encoding: :class:`ValidationError` naming the line (row) of the first invalid byte.

    Example
    -------
    >>> decode_text("é".encode("utf-8") + b" \\xe9")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in <input>:
      - <input>, row 1: got 'byte 0xe9 at offset 3', expected one encoding for the whole file ...
    """
    head = data[:4096]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 4
        and (
            head[1::2].count(0) >= 0.9 * (len(head) // 2)
            or head[0::2].count(0) >= 0.9 * (len(head) // 2)
        )
        and head.count(0) < len(head) * 0.75
    ):
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            enc = "utf-16"
        else:
            enc = "utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(enc).lstrip("\ufeff"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _fatal(
                label,
                f"byte at offset {exc.start}",
                "a valid UTF-16 text file (the file is cut or mixes encodings)",
                row=data[: exc.start].decode(enc, "replace").count("\n") + 1,
            ) from None
    try:
        text = data.decode("utf-8-sig")
        return text, ("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if not allow_legacy or data.startswith(codecs.BOM_UTF8) or _UTF8_MULTI.search(data):
        raise _fatal(
            label,
            f"byte 0x{data[bad_at]:02x} at offset {bad_at}",
            "one encoding for the whole file (this file is UTF-8 elsewhere but this row is "
            "not; re-save it as UTF-8)"
            if allow_legacy
            else "UTF-8 text (re-save the file as UTF-8)",
            row=_line_of(data, bad_at),
        )
    if _CP1252_UNDEFINED.search(data):
        return data.decode("latin-1"), "latin-1"
    return data.decode("cp1252"), "cp1252"


def _sniff(text: str) -> str:
    first = ""
    for ln in itertools.islice(io.StringIO(text), 50):
        if ln.strip():
            first = ln
            break
    first = re.sub(r'"[^"]*"', "", first)
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


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


def _check_zip(data: bytes, label: str, limits: Limits) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fatal(label, "not a zip archive", "a readable .xlsx workbook") from None
    infos = zf.infolist()
    if len(infos) > 10_000:
        raise _fatal(label, f"{len(infos)} zip members", "an .xlsx with at most 10000 parts")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.max_xlsx_member or (
            info.file_size > (1 << 20) and ratio > limits.max_xlsx_ratio
        ):
            raise _fatal(
                label,
                f"{info.filename} expands to {_human(info.file_size)} "
                f"(compression ratio {ratio:.0f})",
                f"an .xlsx whose parts expand to at most {_human(limits.max_xlsx_member)} at a "
                f"ratio of at most {limits.max_xlsx_ratio:.0f} (this looks like a zip bomb)",
            )
        if info.filename.lower().endswith("sharedstrings.xml") and (
            info.file_size > limits.max_shared_strings
        ):
            raise _fatal(
                label,
                f"shared strings of {_human(info.file_size)}",
                f"at most {_human(limits.max_shared_strings)} of shared strings",
            )
    if total > limits.max_xlsx_uncompressed:
        raise _fatal(
            label,
            f"{_human(total)} decompressed",
            f"an .xlsx of at most {_human(limits.max_xlsx_uncompressed)} decompressed",
        )


_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def col_letter(pos: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 -> ``A``, 26 -> ``AA``)."""
    s, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _formula_without_value(xml: bytes) -> list[tuple[int, int, str]]:
    """(row, col, formula) of every formula cell without a cached value in a sheet XML."""
    out = []
    if b"<f" not in xml:
        return out
    for m in _CELL_RE.finditer(xml):
        body = m.group(2) or b""
        if b"<f" not in body:
            continue
        v = re.search(rb"<v>(.*?)</v>", body, re.S)
        is_ = b"<is>" in body
        if (v is None or v.group(1).strip() == b"") and not is_:
            ref = _REF_RE.search(m.group(1))
            f = re.search(rb"<f[^>]*>(.*?)</f>", body, re.S)
            if ref:
                out.append(
                    (
                        int(ref.group(2)),
                        _col_index(ref.group(1).decode()),
                        (f.group(1).decode("utf-8", "replace") if f else "(shared formula)"),
                    )
                )
    return out


def _xlsx_cell(v: Any) -> str:
    import datetime as _dt

    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        if not math.isfinite(v):
            return repr(v)
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    return str(v)


def check_xlsx(data: bytes, label: str, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Zip-bomb checks, then every formula cell without a cached value in any sheet is a
    located problem; returns the sheet names. Use before opening a workbook with openpyxl.

    Raises
    ------
    ValidationError
    """
    _check_zip(data, label, limits)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise _fatal(label, type(exc).__name__, "a readable .xlsx workbook") from None
    problems: list[Problem] = []
    try:
        names = list(wb.sheetnames)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for ws in wb.worksheets:
                path = getattr(ws, "_worksheet_path", None)
                if not path:
                    continue
                for r, c, f in _formula_without_value(zf.read(path)):
                    problems.append(
                        Problem(
                            label,
                            r,
                            f"{ws.title}!{col_letter(c)}",
                            f"formula ={f}",
                            "a value (the formula was never calculated: open the workbook in "
                            "a spreadsheet program, let it recalculate and save it)",
                        )
                    )
    finally:
        wb.close()
    if problems:
        raise ValidationError(problems, label)
    return names


def read_grid(
    path: str | Path, label: str | None = None, sheet: str | int | None = None, **kw: Any
) -> pd.DataFrame:
    """:func:`read_table` as a grid of strings (index = spreadsheet row, row 1 = header)."""
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
    :meth:`Table.frame`)."""
    return read_table(path, label=label, sheet=sheet, **kw).frame(infer=infer)


def xlsx_sheets(data: bytes, label: str, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Sheet names of a workbook (after the zip-bomb checks)."""
    _check_zip(data, label, limits)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise _fatal(label, type(exc).__name__, "a readable .xlsx workbook") from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _xlsx_rows(
    data: bytes, label: str, sheet: str | int | None, limits: Limits
) -> tuple[Iterable[list[str]], str, list[Problem]]:
    _check_zip(data, label, limits)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise _fatal(label, type(exc).__name__, "a readable .xlsx workbook") from None
    try:
        if sheet is None or isinstance(sheet, int):
            k = sheet or 0
            if k >= len(wb.worksheets):
                raise _fatal(label, f"{len(wb.worksheets)} sheets", f"a sheet number {k + 1}")
            ws = wb.worksheets[k]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise _fatal(label, sheet, f"a sheet named {sheet!r} (have {', '.join(wb.sheetnames)})")
        problems: list[Problem] = []
        path = getattr(ws, "_worksheet_path", None)
        if path:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                xml = zf.read(path)
            for r, c, f in _formula_without_value(xml):
                problems.append(
                    Problem(
                        label,
                        r,
                        f"{ws.title}!{col_letter(c)}",
                        f"formula ={f}",
                        "a value (the formula was never calculated: open the workbook in a "
                        "spreadsheet program, let it recalculate and save it)",
                    )
                )
            del xml
        rows = [
            [_xlsx_cell(v) for v in r]
            for r in _bounded(ws.iter_rows(values_only=True), label, limits)
        ]
        return rows, ws.title, problems
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _fatal(label, type(exc).__name__, "a readable .xlsx workbook") from None
    finally:
        wb.close()


def _bounded(rows: Iterable, label: str, limits: Limits):
    cells = 0
    for k, r in enumerate(rows):
        if k > limits.max_rows:
            raise _fatal(
                label, f"more than {limits.max_rows} rows", f"at most {limits.max_rows} rows"
            )
        cells += len(r)
        if cells > limits.max_cells:
            raise _fatal(
                label, f"more than {limits.max_cells} cells", f"at most {limits.max_cells} cells"
            )
        yield r


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


# ================================================================== YAML
try:  # pragma: no cover - the C parser is optional
    import yaml
except ImportError:  # pragma: no cover
    yaml = None  # type: ignore[assignment]


class _YamlStop(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _make_loader():
    class Loader(yaml.SafeLoader):
        pass

    # YAML 1.2 floats: 1e400, 1.5e3 (YAML 1.1 would read them as strings)
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )

    def compose_node(self, parent, index):
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > self._limits.max_yaml_depth:
                mark = self.peek_event().start_mark
                raise _YamlStop(
                    Problem(
                        self._label,
                        mark.line + 1,
                        None,
                        f"nesting deeper than {self._limits.max_yaml_depth}",
                        f"at most {self._limits.max_yaml_depth} levels of nesting",
                    )
                )
            if self.check_event(yaml.AliasEvent):
                self._aliases = getattr(self, "_aliases", 0) + 1
                if self._aliases > self._limits.max_yaml_aliases:
                    mark = self.peek_event().start_mark
                    raise _YamlStop(
                        Problem(
                            self._label,
                            mark.line + 1,
                            None,
                            f"more than {self._limits.max_yaml_aliases} aliases",
                            f"at most {self._limits.max_yaml_aliases} alias references (*name)",
                        )
                    )
            return yaml.SafeLoader.compose_node(self, parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for k, _v in node.value:
                if k.tag == "tag:yaml.org,2002:merge":
                    continue
                if isinstance(k, yaml.ScalarNode):
                    key = (
                        self.construct_scalar(k)
                        if k.tag == "tag:yaml.org,2002:str"
                        else (self.construct_object(k))
                    )
                    try:
                        hash(key)
                    except TypeError:
                        continue
                    if key in seen:
                        self._problems.append(
                            Problem(
                                self._label,
                                k.start_mark.line + 1,
                                str(key),
                                str(key),
                                f"each key once per mapping (also in line {seen[key]}: "
                                "a duplicate key silently drops one of them)",
                            )
                        )
                    else:
                        seen[key] = k.start_mark.line + 1
        return yaml.SafeLoader.construct_mapping(self, node, deep=deep)

    def construct_yaml_float(self, node):
        v = yaml.SafeLoader.construct_yaml_float(self, node)
        if not math.isfinite(v):
            self._problems.append(
                Problem(
                    self._label,
                    node.start_mark.line + 1,
                    None,
                    node.value,
                    "a finite number (NaN and infinity are not accepted)",
                )
            )
        return v

    Loader.compose_node = compose_node
    Loader.construct_mapping = construct_mapping
    Loader.add_constructor("tag:yaml.org,2002:float", construct_yaml_float)
    return Loader


_LOADER = None


def _expanded_size(node, limits: Limits, label: str) -> None:
    """Count the nodes of the alias-expanded document (memoised); refuse cycles."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(n) -> int:
        key = id(n)
        if key in memo:
            return memo[key]
        if key in active:
            raise _YamlStop(
                Problem(
                    label,
                    n.start_mark.line + 1,
                    None,
                    "an anchor used inside itself",
                    "an alias (*name) that refers to a completed node, not to one of its own "
                    "parents (a self-referencing anchor never ends)",
                )
            )
        active.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            total += sum(size(c) for c in n.value)
        elif isinstance(n, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        active.discard(key)
        memo[key] = total
        if total > limits.max_yaml_nodes:
            raise _YamlStop(
                Problem(
                    label,
                    n.start_mark.line + 1,
                    None,
                    f"more than {limits.max_yaml_nodes} values once aliases are expanded",
                    f"a document of at most {limits.max_yaml_nodes} values (nested aliases "
                    "multiply: this looks like a 'billion laughs' file)",
                )
            )
        return total

    size(node)


def read_yaml(
    path: str | Path | None = None,
    *,
    text: str | None = None,
    label: str | None = None,
    mapping: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> Any:
    """Read one YAML document safely, with located errors.

    Refuses (as :class:`ValidationError`, row = the line): a directory, a missing or too
    large file, non-UTF-8 bytes, invalid YAML, duplicate keys, NaN / infinity (also
    ``1e400``), more aliases than ``limits.max_yaml_aliases``, a document that expands to
    more than ``limits.max_yaml_nodes`` values, a self-referencing anchor, nesting deeper
    than ``limits.max_yaml_depth``; with ``mapping`` (default) a document that is not a
    mapping. Only plain data is built (``!!python/...`` tags are refused).

    Example
    -------
    >>> read_yaml(text="a: 1\\nb: .nan\\na: 2\\n", label="x.yaml")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 2 problem(s) in x.yaml:
      - x.yaml, row 2: got '.nan', expected a finite number (NaN and infinity are not accepted)
      - x.yaml, row 3, column 'a': got 'a', expected each key once per mapping (also in line 1: ...
    """
    global _LOADER
    if yaml is None:  # pragma: no cover
        raise ImportError("pyyaml is required")
    if text is None:
        if path is None:
            raise TypeError("give path or text")
        label = label or str(path)
        data = read_bytes(path, label, limits.max_yaml_bytes)
        text, _enc = decode_text(data, label, allow_legacy=False)
    label = label or "<yaml>"
    if len(text) > limits.max_yaml_bytes:
        raise _fatal(label, _human(len(text)), f"a file of at most {_human(limits.max_yaml_bytes)}")
    if _LOADER is None:
        _LOADER = _make_loader()
    loader = _LOADER(text)
    loader._label = label
    loader._limits = limits
    loader._problems = []
    try:
        node = loader.get_single_node()
        if node is None:
            doc = None
        else:
            _expanded_size(node, limits, label)
            doc = loader.construct_document(node)
    except _YamlStop as exc:
        raise ValidationError([exc.problem], label) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise _fatal(label, str(exc).splitlines()[0], "valid YAML", row=row) from None
    except RecursionError:
        raise _fatal(label, "nesting too deep", "less deeply nested YAML") from None
    finally:
        loader.dispose()
    if loader._problems:
        raise ValidationError(sorted(loader._problems, key=lambda p: p.row or 0), label)
    if mapping and not isinstance(doc, dict):
        raise _fatal(label, type(doc).__name__, "a YAML mapping (key: value lines)")
    return doc


def read_json(path: str | Path, label: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Read a JSON file with located errors (size, encoding, syntax with its line, depth,
    NaN / infinity refused).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> _ = p.write_text('{"a": 1,\\n "b": }')
    >>> read_json(p, "m.json")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in m.json:
      - m.json, row 2: got 'Expecting value', expected valid JSON
    """
    label = label or str(path)
    data = read_bytes(path, label, limits.max_yaml_bytes)
    text, _ = decode_text(data, label, allow_legacy=False)

    def bad_constant(c: str) -> Any:
        raise ValueError(c)

    depth = 0
    for ch in text:  # cheap bracket depth before json's recursive decoder sees it
        if ch in "[{":
            depth += 1
            if depth > limits.max_yaml_depth:
                raise _fatal(label, "nesting too deep", f"at most {limits.max_yaml_depth} levels")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text, parse_constant=bad_constant)
    except json.JSONDecodeError as exc:
        raise _fatal(label, exc.msg, "valid JSON", row=exc.lineno) from None
    except ValueError as exc:
        raise _fatal(label, str(exc), "valid JSON without NaN or Infinity") from None
    except RecursionError:
        raise _fatal(label, "nesting too deep", "less deeply nested JSON") from None


def check_keys(
    d: dict,
    allowed: Iterable[str],
    where: str,
    bad: Callable[[str, Any, str], None],
) -> None:
    """Report every key of ``d`` not in ``allowed`` through ``bad(path, key, expected)``,
    with the nearest valid name.

    Example
    -------
    >>> found = []
    >>> check_keys({"wieght": 1, "id": "x"}, ["id", "weight"], "dimensions[0]",
    ...            lambda *a: found.append(a))
    >>> found
    [('dimensions[0].wieght', 'wieght', "a known field: did you mean 'weight'? (known: id, weight)")]
    """
    allowed = list(allowed)
    for k in d:
        if k in allowed:
            continue
        near = difflib.get_close_matches(str(k), allowed, 1, 0.6)
        known = ", ".join(sorted(allowed))
        exp = (
            f"a known field: did you mean {near[0]!r}? (known: {known})"
            if near
            else f"a known field ({known})"
        )
        bad(f"{where}.{k}", k, exp)


def finite_number(
    value: Any,
    where: str,
    bad: Callable[[str, Any, str], None],
    low: float | None = None,
    high: float | None = None,
    default: float | None = None,
) -> float | None:
    """``value`` as a finite float within ``[low, high]``, else report it and return
    ``default`` (booleans, strings, NaN, infinity and ``1e400`` are refused).

    Example
    -------
    >>> finite_number(float("inf"), "w", lambda *a: print(a), low=0)
    ('w', inf, 'a finite number >= 0')
    """
    exp = "a finite number" + (
        f" from {low:g} to {high:g}"
        if low is not None and high is not None
        else f" >= {low:g}"
        if low is not None
        else ""
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        bad(where, value, exp)
        return default
    try:
        v = float(value)
    except OverflowError:
        bad(where, value, exp)
        return default
    if not math.isfinite(v) or (low is not None and v < low) or (high is not None and v > high):
        bad(where, value, exp)
        return default
    return v


# ================================================================== writing
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _neutralise_str(s: Any) -> Any:
    if not isinstance(s, str):
        return s
    if s.startswith(_FORMULA_START) and not _NUMBER.match(s):
        s = "'" + s
    if "\r" in s:  # a bare CR is not quoted by the csv writer and would split the row
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell (and column name) a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with
    ``'``; numbers such as ``-3.5`` are left alone. Carriage returns inside text become
    line feeds (the csv writer quotes those, not a bare CR).

    Example
    -------
    >>> neutralise_formulas(pd.DataFrame({"a": ["=HYPERLINK(1)", "-3", "+cmd|x", "@SUM(1)"]}))
                    a
    0  '=HYPERLINK(1)
    1              -3
    2         '+cmd|x
    3        '@SUM(1)
    """
    out = df.copy()
    out.columns = [_neutralise_str(c) for c in out.columns]
    for j in range(out.shape[1]):
        s = out.iloc[:, j]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            vals = s.to_numpy(dtype=object)
            if len(vals):
                uniq, inv = np.unique(vals.astype(str), return_inverse=True)
                fixed = np.array([_neutralise_str(u) for u in uniq], dtype=object)
                changed = fixed != uniq
                if changed.any():
                    hit = changed[inv]
                    vals = vals.copy()
                    vals[hit] = fixed[inv][hit]
                    out.isetitem(j, pd.Series(vals, index=out.index, name=out.columns[j]))
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out.isetitem(j, s.astype(object).map(_neutralise_str))
    return out


def csv_bytes(df: pd.DataFrame, index: bool = False, **kw: Any) -> bytes:
    """UTF-8 CSV bytes of ``df`` with formula prefixes neutralised (``\\n`` line ends)."""
    safe = neutralise_formulas(df.reset_index() if index else df)
    return safe.to_csv(index=False, lineterminator="\n", **kw).encode("utf-8")


def write_csv(
    df: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    private: bool = False,
    allowed: Iterable[str | Path] | None = None,
    **kw: Any,
) -> Path:
    """The one CSV writer: formula prefixes neutralised, atomic (temporary file + rename),
    ``private`` files 0600; with ``allowed``, :func:`check_output` first.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_csv(pd.DataFrame({"x": ["=1+1"]}), pathlib.Path(tempfile.mkdtemp()) / "o.csv")
    >>> p.read_text()
    "x\\n'=1+1\\n"
    """
    path = Path(path)
    if allowed is not None:
        check_output(path, allowed)
    data = csv_bytes(df, index=index, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if private:
            os.chmod(tmp, 0o600)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ================================================================== names and paths
#: Unit ids, study names, training ids: a letter, then letters, digits, ``_`` or ``-``.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


#: Run ids (``20261124T101500Z-ab12cd``): letters, digits, ``_`` and ``-``.
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")


def check_name(value: Any, what: str = "unit id", pattern: re.Pattern | None = None) -> str:
    """``value`` when it is a safe name for a path component, else a ValidationError.

    Uses the registry's :func:`urbansec_lib.registry.valid_unit_id` for unit ids when the
    registry module is present, and always the strict :data:`NAME_PATTERN` (no ``..``,
    separators, spaces or control characters).

    Example
    -------
    >>> check_name("BE212")
    'BE212'
    >>> check_name("../etc")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in arguments:
      - <arguments>, column 'unit id': got '../etc', expected a letter, then up to 63 letters, digits, _ or - (no path separators or '..')
    """
    s = value if isinstance(value, str) else None
    ok = s is not None and bool((pattern or NAME_PATTERN).match(s))
    if ok and what == "unit id":
        try:
            from . import registry  # the lead's registry, when merged
        except ImportError:
            registry = None  # type: ignore[assignment]
        fn = getattr(registry, "valid_unit_id", None) if registry is not None else None
        if fn is not None:
            try:
                ok = bool(fn(s))
            except Exception:  # noqa: BLE001 - a registry problem is not a name problem
                ok = True
    if not ok:
        raise ValidationError(
            [
                Problem(
                    "<arguments>",
                    None,
                    what,
                    value,
                    "a letter, then up to 63 letters, digits, _ or - (no path separators or '..')",
                )
            ],
            "arguments",
        )
    return s  # type: ignore[return-value]


def _within(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


#: ``data/raw`` folders of the workspaces loaded in this process (see :func:`protect_raw`).
_PROTECTED: list[Path] = []


def protect_raw(path: str | Path) -> None:
    """Declare a folder as raw input (never an output); study workspaces declare theirs
    when they are loaded."""
    p = Path(path)
    if p not in _PROTECTED:
        _PROTECTED.append(p)


def raw_roots() -> list[Path]:
    """Folders that are never an output: every ``data/raw`` known (``$URBANSEC_DATA``,
    ``$URBANSEC_HOME``, the nearest ``urbansec.toml`` at or above the current folder, the
    repository's demo, and every workspace loaded in this process)."""
    roots = []
    for var, sub in (("URBANSEC_DATA", ("raw",)), ("URBANSEC_HOME", ("data", "raw"))):
        env = os.environ.get(var)
        if env:
            roots.append(Path(env).joinpath(*sub))
    cfg = config_above()
    if cfg is not None:
        roots.append(cfg.parent / RAW_DIR)
    repo = Path(__file__).resolve().parents[2]
    if (repo / CONFIG_NAME).is_file():
        roots.append(repo / RAW_DIR)
    return [*roots, *(r for r in _PROTECTED if r not in roots)]


def check_output(
    path: str | Path,
    allowed: Iterable[str | Path] | None = None,
    what: str = "output",
    forbidden: Iterable[str | Path] = (),
) -> Path:
    """Refuse a write outside the ``allowed`` folders or inside a raw-data folder.

    A path is in a raw-data folder when it lies under one of ``forbidden``, under any
    :func:`raw_roots`, or has a ``raw`` folder directly under a ``data`` folder on its way.

    Example
    -------
    >>> check_output("/tmp/x/data/raw/out.csv")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in arguments:
      - <arguments>, column 'output': got '/tmp/x/data/raw/out.csv', expected a location outside data/raw (raw data is never written)
    """
    p = Path(path)
    res = p.resolve()
    parts = res.parts
    in_raw = any(a == "data" and b == "raw" for a, b in zip(parts, parts[1:]))
    in_raw = in_raw or any(_within(res, Path(r)) for r in [*forbidden, *raw_roots()])
    if in_raw:
        raise ValidationError(
            [
                Problem(
                    "<arguments>",
                    None,
                    what,
                    str(path),
                    "a location outside data/raw (raw data is never written)",
                )
            ],
            "arguments",
        )
    if allowed is not None:
        allowed = [Path(a) for a in allowed]
        if not any(_within(res, a) for a in allowed):
            raise ValidationError(
                [
                    Problem(
                        "<arguments>",
                        None,
                        what,
                        str(path),
                        "a location inside " + " or ".join(str(a) for a in allowed),
                    )
                ],
                "arguments",
            )
    return p


def read_yaml_mapping(path, file: str | None = None) -> dict:
    """Read a YAML file that must hold a mapping, with located errors.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    file : str, optional
        How the file is named in problems (default: the path as given).

    Raises
    ------
    ValidationError
        Unreadable file, invalid YAML (with the line as ``row``), or not a mapping; and
        everything :func:`urbansec_lib.ingest.read_yaml` refuses (duplicate keys, NaN /
        infinity, alias bombs, self-referencing anchors, deep nesting, non-UTF-8 bytes).

    Example
    -------
    >>> read_yaml_mapping("missing.yaml")  # doctest: +SKIP
    """
    return read_yaml(path, label=file or str(path), mapping=True)
