"""Eurostat bulk TSV files (``estat_*.tsv``): read into a tidy frame with the flags kept,
every malformed cell located.

Example
-------
>>> t = read_eurostat_tsv(default_raw_dir() / PUBLIC_FILES["crim_gen_reg"])
>>> {"geo", "time", "value", "flag"} <= set(t.columns)
True
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from .data_paths import PUBLIC_FILES, default_raw_dir  # noqa: F401 - the example

if TYPE_CHECKING:  # pragma: no cover
    pass


# A Eurostat bulk-TSV cell: a number or ':' (missing), optionally followed by flag letters.
_CELL_RE = (
    r"^\s*(?:(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)|(?P<miss>:))?"
    r"\s*(?P<flag>[a-z]*)\s*$"
)


# ----------------------------------------------------------------- Eurostat bulk TSV
def read_eurostat_tsv(path: str | Path, *, dropna: bool = False) -> pd.DataFrame:
    """Read a Eurostat bulk-download TSV file into a tidy long frame.

    Long because: one vectorised pass over the whole table (keys, period headers, every cell
    with its flag), each check locating its rows; split, the frames would be passed around
    whole.

    The layout is the one of Eurostat's bulk download: the first column holds the
    comma-joined dimension keys (header like ``freq,unit,iccs,geo\\TIME_PERIOD`` or
    ``indic_ur,unit,cities\\time``), the other columns are periods (header ``"2019 "``,
    trailing spaces allowed); a cell is a number or ``:`` (missing), optionally followed
    by flag letters (``"23.8 b"``, ``": c"``).

    Parameters
    ----------
    path : str or Path
        The ``.tsv`` file (uncompressed).
    dropna : bool, default False
        Drop the cells whose value is missing (``:``).

    Returns
    -------
    DataFrame
        One row per cell, in file order (row by row, periods left to right): the key
        columns (str, named after the header), ``time`` (int), ``value`` (float, NaN for
        ``:``) and ``flag`` (str, ``""`` when none).

    Raises
    ------
    ValidationError
        With every problem located (row 1 = header): a header without the
        ``keys\\time`` first column, a non-year period column, a row with the wrong number
        of key parts or an empty key, a cell that is neither a number nor ``:``.

    Example
    -------
    >>> import io, tempfile, pathlib
    >>> txt = "unit,geo\\\\time\\t2019 \\t2020 \\nNR,DE300\\t44 \\t: c\\n"
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.tsv"
    >>> _ = p.write_text(txt)
    >>> df = read_eurostat_tsv(p)
    >>> df.columns.tolist()
    ['unit', 'geo', 'time', 'value', 'flag']
    >>> df[["time", "value", "flag"]].to_dict("list")
    {'time': [2019, 2020], 'value': [44.0, nan], 'flag': ['', 'c']}
    """
    path = Path(path)
    fname = str(path)
    try:
        raw = pd.read_csv(
            path, sep="\t", dtype=str, keep_default_na=False, na_filter=False, quoting=3
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ValidationError(
            [
                Problem(
                    fname,
                    int(m.group(1)) if m else None,
                    None,
                    str(exc).strip(),
                    "tab-separated rows with as many fields as the header",
                )
            ],
            fname,
        ) from None
    except pd.errors.EmptyDataError:
        raise ValidationError(
            [Problem(fname, None, None, None, "a Eurostat TSV file with a header row")], fname
        ) from None

    problems: list[Problem] = []
    header = [str(c) for c in raw.columns]
    first = header[0]
    if "\\" not in first:
        problems.append(
            Problem(
                fname,
                1,
                first,
                first,
                "a first column of comma-joined keys with a header like 'unit,geo\\time'",
            )
        )
        raise ValidationError(problems, fname)
    key_names = [k.strip() for k in first.split("\\", 1)[0].split(",")]
    if any(not k for k in key_names) or len(set(key_names)) != len(key_names):
        problems.append(
            Problem(fname, 1, first, first, "distinct, non-empty key names separated by ','")
        )
        raise ValidationError(problems, fname)
    time_cols = header[1:]
    years = [c.strip() for c in time_cols]
    for c, y in zip(time_cols, years):
        if not re.fullmatch(r"\d{4}", y):
            problems.append(Problem(fname, 1, c, c, "a year such as '2019' as period header"))
    if not time_cols:
        problems.append(Problem(fname, 1, None, None, "at least one period column"))

    # --- keys: one comma-joined string per row
    keys = raw[first].astype(str)
    n_parts = keys.str.count(",") + 1
    parts = keys.str.split(",", expand=True, regex=False)
    bad_count = n_parts != len(key_names)
    if parts.shape[1] < len(key_names):
        parts = parts.reindex(columns=range(len(key_names)))
    parts = parts.iloc[:, : len(key_names)].fillna("")
    parts = pd.DataFrame({j: parts[c].str.strip() for j, c in enumerate(parts.columns)})
    parts.columns = key_names
    bad_empty = (parts == "").any(axis=1) & ~bad_count
    expected_keys = f"{len(key_names)} non-empty comma-separated keys ({','.join(key_names)})"
    problems += [
        Problem(fname, int(i) + 2, first, keys.iat[i], expected_keys)
        for i in np.flatnonzero((bad_count | bad_empty).to_numpy())
    ]

    # --- cells, vectorised over the whole table (row-major order). Plain numbers and ':'
    # are parsed with to_numeric; the few cells carrying flag letters go through a regex.
    n_rows, n_cols = len(raw), len(time_cols)
    cells = pd.Series(raw[time_cols].to_numpy(dtype=object).ravel(), dtype="string")
    cells = cells.fillna("").str.strip()
    flagged = cells.str.contains(r"[a-zA-Z]", regex=True).to_numpy(dtype=bool)
    plain = cells.where(~flagged & (cells != ":") & (cells != ""))
    value = pd.to_numeric(plain, errors="coerce").to_numpy(dtype=float)
    flag = np.full(len(cells), "", dtype=object)
    bad_cell = ~flagged & np.isnan(value) & (plain.notna().to_numpy(dtype=bool))
    if flagged.any():
        idx = np.flatnonzero(flagged)
        ext = cells.iloc[idx].str.extract(_CELL_RE)
        ok = (ext["num"].notna() | ext["miss"].notna()).to_numpy(dtype=bool)
        value[idx[ok]] = pd.to_numeric(ext["num"][ok], errors="coerce").to_numpy(dtype=float)
        flag[idx[ok]] = ext["flag"][ok].fillna("").astype(str).to_numpy(dtype=object)
        bad_cell[idx[~ok]] = True
    problems += [
        Problem(
            fname,
            int(pos // n_cols) + 2,
            time_cols[pos % n_cols].strip(),
            cells.iat[pos],
            "a number or ':' optionally followed by flag letters (e.g. '23.8 b', ': c')",
        )
        for pos in np.flatnonzero(bad_cell)
    ]
    if problems:
        raise ValidationError(problems, fname)

    out = pd.DataFrame({k: np.repeat(parts[k].to_numpy(dtype=object), n_cols) for k in key_names})
    out["time"] = np.tile(np.asarray(years, dtype=np.int64), n_rows)
    out["value"] = value
    out["flag"] = flag
    if dropna:
        out = out[out["value"].notna()].reset_index(drop=True)
    out.attrs["source"] = fname
    return out
