"""Limits and bytes: what any user file may cost, read bounded, decoded honestly.

:class:`Limits` (file size, rows, cells, xlsx decompressed size and ratio, YAML aliases,
expansion and depth), :func:`read_bytes` (a located error for a missing, unreadable or
oversized file) and :func:`decode_text` (UTF-8 with or without BOM, UTF-16, and a legacy
code page only when the whole file is consistently in it).

Example
-------
>>> decode_text("café;a".encode("cp1252"), "t.csv")
('café;a', 'cp1252')
"""

from __future__ import annotations

import codecs
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, ValidationError


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

    Examples
    --------
    >>> tight = Limits(max_rows=2)
    >>> tight.max_rows, DEFAULT_LIMITS.max_rows > tight.max_rows
    (2, True)
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
