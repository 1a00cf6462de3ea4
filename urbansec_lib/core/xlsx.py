"""Excel workbooks, bounded: zip-bomb checks before openpyxl, formulas without values,
sheets and rows as text.

Example
-------
>>> col_letter(0), col_letter(27)
('A', 'AB')
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from .bounds import DEFAULT_LIMITS, Limits, _bounded, _fatal, _human
from .errors import Problem, ValidationError


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
    """Spreadsheet column letter of a 0-based position (0 -> ``A``, 26 -> ``AA``).

    Examples
    --------
    >>> col_letter(0), col_letter(25), col_letter(26)
    ('A', 'Z', 'AA')
    """
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

    Examples
    --------
    >>> import io, openpyxl
    >>> wb = openpyxl.Workbook(); wb.active["A1"] = "id"; buf = io.BytesIO(); wb.save(buf)
    >>> check_xlsx(buf.getvalue(), "t.xlsx")
    ['Sheet']
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


def xlsx_sheets(data: bytes, label: str, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Sheet names of a workbook (after the zip-bomb checks).

    Examples
    --------
    >>> import io, openpyxl
    >>> wb = openpyxl.Workbook(); wb.active.title = "inventory"; buf = io.BytesIO(); wb.save(buf)
    >>> xlsx_sheets(buf.getvalue(), "t.xlsx")
    ['inventory']
    """
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
