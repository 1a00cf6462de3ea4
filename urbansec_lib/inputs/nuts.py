"""NUTS 2021 regions: the GISCO code list, a code's level and parent, and the check of unit
codes against it.

Example
-------
>>> nuts_level("DE300"), nuts_parent("DE300")
(3, 'DE30')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    pass

from .data_paths import _NUTS_RE, PUBLIC_FILES, _raw_dir_from, default_raw_dir  # noqa: F401


# ---------------------------------------------------------------------------- NUTS
def read_nuts(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Read the official GISCO NUTS 2021 attribute table (levels 0-3).

    Parameters
    ----------
    path : str or Path, optional
        The ``NUTS_RG_20M_2021_attributes.csv`` file. Default: the copy under the raw
        data directory (``PUBLIC_FILES["nuts"]``).
    data_dir : str or Path, optional
        Data root holding ``raw/`` (default: ``$URBANSEC_DATA`` or the repository's
        ``data/``); used only when ``path`` is not given.

    Returns
    -------
    DataFrame
        Columns ``nuts_id``, ``level`` (int 0-3), ``country``, ``name`` (Latin script),
        ``name_national``, ``urban_type`` (1 predominantly urban, 2 intermediate,
        3 predominantly rural, 0 n/a), ``mount_type``, ``coast_type``, ``parent``
        (``None`` for countries).

    Example
    -------
    >>> nuts = read_nuts()
    >>> nuts.set_index("nuts_id").loc["DE300", "name"]
    'Berlin'
    """
    p = Path(path) if path is not None else _raw_dir_from(data_dir) / PUBLIC_FILES["nuts"]
    df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    need = ["NUTS_ID", "LEVL_CODE", "CNTR_CODE", "NAME_LATN", "NUTS_NAME", "URBN_TYPE"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValidationError(
            [Problem(str(p), 1, c, None, "a column of the GISCO NUTS table") for c in missing],
            str(p),
        )
    lvl = pd.to_numeric(df["LEVL_CODE"], errors="coerce")
    bad = lvl.isna() | ~df["NUTS_ID"].str.match(_NUTS_RE) | (df["NUTS_ID"].str.len() - 2 != lvl)
    if bad.any():
        raise ValidationError(
            [
                Problem(
                    str(p),
                    int(i) + 2,
                    "NUTS_ID",
                    df["NUTS_ID"].iat[i],
                    "a NUTS code whose length matches LEVL_CODE",
                )
                for i in np.flatnonzero(bad.to_numpy())
            ],
            str(p),
        )
    out = pd.DataFrame(
        {
            "nuts_id": df["NUTS_ID"],
            "level": lvl.astype(int),
            "country": df["CNTR_CODE"],
            "name": df["NAME_LATN"],
            "name_national": df["NUTS_NAME"],
            "urban_type": pd.to_numeric(df["URBN_TYPE"], errors="coerce").astype("Int64"),
            "mount_type": pd.to_numeric(df.get("MOUNT_TYPE"), errors="coerce").astype("Int64")
            if "MOUNT_TYPE" in df
            else pd.NA,
            "coast_type": pd.to_numeric(df.get("COAST_TYPE"), errors="coerce").astype("Int64")
            if "COAST_TYPE" in df
            else pd.NA,
        }
    )
    out["parent"] = nuts_parent(out["nuts_id"])
    return out


def nuts_level(code: str | pd.Series) -> int | pd.Series:
    """NUTS level from the code's length (country = 0, ..., NUTS3 = 3).

    Parameters
    ----------
    code : str or Series of str

    Returns
    -------
    int or Series of int

    Raises
    ------
    ValueError
        When a code does not look like a NUTS code (2 letters + up to 3 characters).

    Example
    -------
    >>> nuts_level("BE212"), nuts_level("BE2"), nuts_level("BE")
    (3, 1, 0)
    """
    if isinstance(code, pd.Series):
        ok = code.astype(str).str.match(_NUTS_RE)
        if not ok.all():
            raise ValueError(f"not NUTS codes: {list(code[~ok].unique()[:10])}")
        return code.str.len() - 2
    if not isinstance(code, str) or not re.match(_NUTS_RE, code):
        raise ValueError(f"not a NUTS code: {code!r}")
    return len(code) - 2


def nuts_parent(code: str | pd.Series) -> str | None | pd.Series:
    """The parent NUTS code (one level up); ``None`` for a country.

    Example
    -------
    >>> nuts_parent("FRL03"), nuts_parent("FR")
    ('FRL0', None)
    """
    lvl = nuts_level(code)
    if isinstance(code, pd.Series):
        return pd.Series(
            np.where(lvl > 0, code.str[:-1], None), index=code.index, dtype=object, name=code.name
        )
    return code[:-1] if lvl > 0 else None


def validate_unit_codes(
    codes: Iterable[str] | pd.Series,
    nuts: pd.DataFrame,
    registry: pd.DataFrame | None = None,
    *,
    file: str = "<codes>",
    column: str = "code",
    levels: Iterable[int] | None = None,
    first_row: int = 2,
) -> None:
    """Check that every code is a known NUTS 2021 code (or a registry unit / city code).

    Parameters
    ----------
    codes : iterable of str
        Codes in file order (the i-th code is reported at row ``first_row + i``).
    nuts : DataFrame
        The NUTS table from :func:`read_nuts`.
    registry : DataFrame, optional
        A unit registry (:func:`read_units`); its ``unit_id`` and ``urau_code`` values are
        accepted too.
    file, column : str
        Where the codes come from, for the error message.
    levels : iterable of int, optional
        Allowed NUTS levels (e.g. ``[3]``); default any level.
    first_row : int, default 2
        Spreadsheet row of the first code (header = row 1).

    Raises
    ------
    ValidationError
        Listing every unknown code (and every code at a wrong level) with its row.

    Example
    -------
    >>> nuts = pd.DataFrame({"nuts_id": ["DE", "DE3", "DE30", "DE300"], "level": [0, 1, 2, 3]})
    >>> validate_unit_codes(["DE300", "XX999"], nuts, file="u.csv", column="nuts3")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in u.csv:
      - u.csv, row 3, column 'nuts3': got 'XX999', expected a NUTS 2021 code
    """
    s = (
        pd.Series(
            list(codes) if not isinstance(codes, pd.Series) else codes.to_numpy(), dtype=object
        )
        .astype(str)
        .str.strip()
    )
    known_nuts = nuts.set_index("nuts_id")["level"]
    in_nuts = s.isin(known_nuts.index)
    ok = in_nuts.copy()
    what = "a NUTS 2021 code"
    if registry is not None:
        extra = set(registry["unit_id"].astype(str))
        if "urau_code" in registry:
            extra |= set(registry["urau_code"].dropna().astype(str)) - {""}
        ok |= s.isin(extra)
        what += " or a unit_id / urau_code of the unit registry"
    problems = [
        Problem(file, int(i) + first_row, column, s.iat[i], what) for i in np.flatnonzero(~ok)
    ]
    if levels is not None:
        allowed = sorted(set(int(v) for v in levels))
        lvl = s.map(known_nuts)
        wrong = in_nuts & ~lvl.isin(allowed)
        problems += [
            Problem(
                file,
                int(i) + first_row,
                column,
                s.iat[i],
                f"a NUTS code of level {', '.join(map(str, allowed))}",
            )
            for i in np.flatnonzero(wrong.to_numpy())
        ]
        problems.sort(key=lambda p: p.row)
    if problems:
        raise ValidationError(problems, file)
