"""Public data I/O: Eurostat bulk TSV files, NUTS 2021 codes, the unit registry.

Every reader validates its whole input and raises one
:class:`~urbansec_lib.core.errors.ValidationError` listing every located problem (file, row as a
spreadsheet shows it, column, value, what was expected). The indicator builders are pure
functions: frames in, a tidy frame ``unit_id, indicator_id, period, value, source`` out.

Layout of the raw public data (never modified by code; see ``data/raw/public/README.md``)::

    <data>/raw/units.csv                                           unit registry
    <data>/raw/public/eurostat_crim_gen_reg/estat_crim_gen_reg.tsv  police-recorded crime
    <data>/raw/public/eurostat_urb_percep/urb_percep.tsv            QoL perception survey
    <data>/raw/public/nuts2021_gisco/NUTS_RG_20M_2021_attributes.csv NUTS 2021 regions

``<data>`` is ``$URBANSEC_DATA`` when set, else the repository's ``data/`` folder.

Example
-------
>>> import urbansec_lib as us
>>> from urbansec_lib import data
>>> fw = us.load_framework()
>>> ind = data.build_public_indicators(data.default_raw_dir(), fw)
>>> list(ind.columns)
['unit_id', 'indicator_id', 'period', 'value', 'source']
>>> data.nuts_level("DE300"), data.nuts_parent("DE300")
(3, 'DE30')
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from ..model.framework import Framework

__all__ = [
    "PUBLIC_FILES",
    "UNIT_COLUMNS",
    "UNIT_LEVELS",
    "default_raw_dir",
    "read_eurostat_tsv",
    "read_nuts",
    "nuts_level",
    "nuts_parent",
    "validate_unit_codes",
    "read_units",
    "population_from_crime",
    "crime_indicators",
    "perception_indicators",
    "build_public_indicators",
]

#: Paths of the bundled public files, relative to the raw data directory.
PUBLIC_FILES: dict[str, Path] = {
    "crim_gen_reg": Path("public/eurostat_crim_gen_reg/estat_crim_gen_reg.tsv"),
    "urb_percep": Path("public/eurostat_urb_percep/urb_percep.tsv"),
    "nuts": Path("public/nuts2021_gisco/NUTS_RG_20M_2021_attributes.csv"),
    "units": Path("units.csv"),
}
#: Columns of the unit registry ``units.csv``, in order.
UNIT_COLUMNS = (
    "unit_id",
    "name",
    "level",
    "country",
    "nuts3",
    "urau_code",
    "population",
    "population_source",
    "pilot",
    "notes",
)
#: Levels a registry unit can have.
UNIT_LEVELS = ("city", "LAU", "NUTS0", "NUTS1", "NUTS2", "NUTS3")

_NUTS_RE = r"^[A-Z]{2}[A-Z0-9]{0,3}$"
_URAU_RE = r"^[A-Z]{2}[0-9]{3}[A-Z][0-9]?$"
# A Eurostat bulk-TSV cell: a number or ':' (missing), optionally followed by flag letters.
_CELL_RE = (
    r"^\s*(?:(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)|(?P<miss>:))?"
    r"\s*(?P<flag>[a-z]*)\s*$"
)
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}


# ----------------------------------------------------------------------------- paths
def default_raw_dir() -> Path:
    """The raw-data directory: ``$URBANSEC_DATA/raw``, else ``<repository>/data/raw``.

    Returns
    -------
    Path

    Example
    -------
    >>> default_raw_dir().name
    'raw'
    """
    root = os.environ.get("URBANSEC_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "data"
    return base / "raw"


def _raw_dir_from(data_dir: str | Path | None) -> Path:
    return Path(data_dir) / "raw" if data_dir is not None else default_raw_dir()


# ----------------------------------------------------------------- Eurostat bulk TSV
def read_eurostat_tsv(path: str | Path, *, dropna: bool = False) -> pd.DataFrame:
    """Read a Eurostat bulk-download TSV file into a tidy long frame.

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


# ---------------------------------------------------------------------- unit registry
def read_units(
    path: str | Path | None = None,
    *,
    nuts: pd.DataFrame | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Read and validate the unit registry (``data/raw/units.csv``).

    Columns: ``unit_id`` (NUTS code for regions, Urban Audit code for cities), ``name``,
    ``level`` (city / LAU / NUTS0-NUTS3), ``country`` (2 letters), ``nuts3`` (the
    NUTS3 region a city lies in; for a NUTS3 unit its own code), ``urau_code`` (Urban
    Audit city code, empty for regions), ``population``, ``population_source``, ``pilot``
    (true/false: has a synthetic self-assessment), ``notes``.

    Parameters
    ----------
    path : str or Path, optional
        Default ``<raw>/units.csv``.
    nuts : DataFrame, optional
        NUTS table; when given, ``nuts3`` and NUTS ``unit_id`` codes are checked against it.
    data_dir : str or Path, optional
        Data root holding ``raw/`` when ``path`` is not given.

    Returns
    -------
    DataFrame
        The registry with ``population`` as float and ``pilot`` as bool.

    Raises
    ------
    ValidationError
        Every problem of the file, located by row and column.

    Example
    -------
    >>> units = read_units()
    >>> units.loc[units.unit_id == "DE001C", "nuts3"].item()
    'DE300'
    """
    p = Path(path) if path is not None else _raw_dir_from(data_dir) / PUBLIC_FILES["units"]
    f = str(p)
    from ..core.ingest import read_table

    t = read_table(p, label=f)  # the one bounded reader (encoding, delimiter, limits)
    df = t.frame()
    rows = np.asarray(df.attrs["source_row"])
    df.attrs = {}
    missing = [c for c in UNIT_COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError(
            [Problem(f, 1, c, None, "a column of the unit registry") for c in missing], f
        )
    df = df.apply(lambda s: s.str.strip())
    problems: list[Problem] = []

    def flag(mask: pd.Series, col: str, expected: str) -> None:
        problems.extend(
            Problem(
                f, int(rows[i]), col, df[col].iat[i] if df[col].iat[i] != "" else None, expected
            )
            for i in np.flatnonzero(mask.to_numpy())
        )

    flag(df["unit_id"] == "", "unit_id", "a non-empty unit id")
    flag(
        df["unit_id"].duplicated(keep="first") & (df["unit_id"] != ""),
        "unit_id",
        "a unique unit id",
    )
    flag(~df["level"].isin(UNIT_LEVELS), "level", f"one of {', '.join(UNIT_LEVELS)}")
    flag(~df["country"].str.fullmatch(r"[A-Z]{2}"), "country", "a 2-letter country code")
    city = df["level"] == "city"
    is_nuts = df["level"].str.startswith("NUTS")
    flag(
        city & ~df["urau_code"].str.fullmatch(_URAU_RE),
        "urau_code",
        "an Urban Audit city code like 'DE001C' for a city",
    )
    flag(
        ~city & (df["urau_code"] != "") & ~df["urau_code"].str.fullmatch(_URAU_RE),
        "urau_code",
        "empty or an Urban Audit city code",
    )
    flag(
        (city | (df["level"] == "LAU"))
        & (df["nuts3"] != "")
        & ~df["nuts3"].str.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}"),
        "nuts3",
        "empty (not in the official lists, e.g. UK and LV cities) or the 5-character NUTS3 "
        "code of the region the unit lies in",
    )
    flag(
        (df["level"] == "NUTS3") & (df["nuts3"] != df["unit_id"]) & (df["nuts3"] != ""),
        "nuts3",
        "empty or the unit's own code for a NUTS3 unit",
    )
    lvl_num = df["level"].str.extract(r"NUTS(\d)")[0].astype(float)
    flag(
        is_nuts & (df["unit_id"].str.len() - 2 != lvl_num),
        "unit_id",
        "a NUTS code whose length matches the level",
    )
    flag(
        (city | (df["level"] == "LAU")) & (df["country"] != df["unit_id"].str[:2]),
        "country",
        "the country prefix of the unit id",
    )
    pop = pd.to_numeric(df["population"].replace("", np.nan), errors="coerce")
    flag(
        (df["population"] != "") & (pop.isna() | (pop <= 0)),
        "population",
        "a positive number or empty",
    )
    pilot_l = df["pilot"].str.lower()
    flag(~pilot_l.isin(_TRUE | _FALSE), "pilot", "true or false")
    if nuts is not None:
        known = set(nuts["nuts_id"])
        flag((df["nuts3"] != "") & ~df["nuts3"].isin(known), "nuts3", "a NUTS 2021 code")
        flag(is_nuts & ~df["unit_id"].isin(known), "unit_id", "a NUTS 2021 code")
    if problems:
        problems.sort(key=lambda q: (q.row, UNIT_COLUMNS.index(q.column)))
        raise ValidationError(problems, f)
    out = df.copy()
    out["population"] = pop.astype(float)
    out["pilot"] = pilot_l.isin(_TRUE)
    out.loc[(out["level"] == "NUTS3") & (out["nuts3"] == ""), "nuts3"] = out["unit_id"]
    return out


def population_from_crime(
    crime: pd.DataFrame, geos: Iterable[str], iccs: str = "ICCS0502"
) -> pd.DataFrame:
    """Population of regions derived from crim_gen_reg counts and rates (NR / P_HTHAB * 1e5).

    The reference ICCS code (default theft, the most frequent offence, so the rate's two
    decimals give the most precise ratio) is used for the latest year where both the count
    and the rate are positive. ``max_rel_dev`` reports how far the other ICCS codes'
    implied populations (those with a rate of at least 10 per 100k) deviate in that year.

    Parameters
    ----------
    crime : DataFrame
        From :func:`read_eurostat_tsv` on ``estat_crim_gen_reg.tsv``.
    geos : iterable of str
        NUTS codes.
    iccs : str, default "ICCS0502"

    Returns
    -------
    DataFrame
        ``geo, year, population, iccs, max_rel_dev`` (one row per geo with data).

    Example
    -------
    >>> crime = pd.DataFrame({"unit": ["NR", "P_HTHAB"], "iccs": ["ICCS0502"] * 2,
    ...                       "geo": ["DE300"] * 2, "time": [2020] * 2,
    ...                       "value": [150000.0, 4000.0]})
    >>> population_from_crime(crime, ["DE300"])
         geo  year  population      iccs  max_rel_dev
    0  DE300  2020   3750000.0  ICCS0502          0.0
    """
    geos = list(geos)
    sub = crime[crime["geo"].isin(geos) & crime["unit"].isin(["NR", "P_HTHAB"])]
    wide = sub.pivot_table(
        index=["geo", "iccs", "time"], columns="unit", values="value", aggfunc="first"
    )
    wide = wide[(wide.get("NR", 0) > 0) & (wide.get("P_HTHAB", 0) > 0)].reset_index()
    wide["pop"] = wide["NR"] / wide["P_HTHAB"] * 1e5
    ref = wide[wide["iccs"] == iccs].sort_values("time").groupby("geo").tail(1)
    ref = ref[["geo", "time", "pop"]].rename(columns={"time": "year", "pop": "population"})
    other = wide[wide["P_HTHAB"] >= 10].merge(
        ref, left_on=["geo", "time"], right_on=["geo", "year"]
    )
    other["dev"] = (other["pop"] / other["population"] - 1).abs()
    dev = other.groupby("geo")["dev"].max().rename("max_rel_dev")
    out = ref.merge(dev, on="geo", how="left")
    out["iccs"] = iccs
    return out[["geo", "year", "population", "iccs", "max_rel_dev"]].reset_index(drop=True)


# ------------------------------------------------------------------------ indicators
_TIDY = ["unit_id", "indicator_id", "period", "value", "source"]


def _require(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValidationError(
            [Problem(what, None, c, None, "a column of the frame") for c in missing], what
        )


def _unit_pairs(fw: Framework, units: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """(unit, indicator) pairs for the framework's indicators of ``dataset``."""
    specs = [
        {"indicator_id": i.id, "levels": list(i.levels), **i.source}
        for i in fw.indicators
        if i.source.get("kind") == "statistic" and i.source.get("dataset") == dataset
    ]
    if not specs:
        return pd.DataFrame(columns=["indicator_id", "unit_id"])
    spec = pd.DataFrame(specs)
    lv = spec[["indicator_id", "levels"]].explode("levels").rename(columns={"levels": "level"})
    pairs = units.merge(lv, on="level")
    return pairs.merge(spec.drop(columns=["levels"]), on="indicator_id")


def crime_indicators(
    crime: pd.DataFrame, fw: Framework, units: pd.DataFrame, *, fallback_to_parent: bool = False
) -> pd.DataFrame:
    """Police-recorded crime indicators (dataset ``crim_gen_reg``) for registry units.

    For each framework indicator with ``source: {dataset: crim_gen_reg, iccs, unit}`` and
    each unit at one of its levels, the value is the series of the unit's NUTS region:
    its ``nuts3`` for a city, its own code for a NUTS unit.

    Parameters
    ----------
    crime : DataFrame
        :func:`read_eurostat_tsv` of ``estat_crim_gen_reg.tsv`` (columns ``unit, iccs, geo,
        time, value, flag``).
    fw : Framework
    units : DataFrame
        :func:`read_units` registry.
    fallback_to_parent : bool, default False
        When the region has no data at all for an indicator, use the nearest parent
        region (NUTS2, then NUTS1) that has; the ``source`` says so. Never mixes levels
        within one unit's series.

    Returns
    -------
    DataFrame
        ``unit_id, indicator_id, period, value, source``, e.g. source
        ``"Eurostat crim_gen_reg (P_HTHAB, ICCS0101), DE300"``.

    Example
    -------
    >>> from urbansec_lib import load_framework
    >>> crime = pd.DataFrame({"unit": ["P_HTHAB"], "iccs": ["ICCS0101"], "geo": ["DE300"],
    ...                       "time": [2020], "value": [1.5], "flag": [""]})
    >>> units = read_units().query("unit_id == 'DE001C'")
    >>> crime_indicators(crime, load_framework(), units).to_dict("records")
    [{'unit_id': 'DE001C', 'indicator_id': 'crime_homicide', 'period': 2020, 'value': 1.5, 'source': 'Eurostat crim_gen_reg (P_HTHAB, ICCS0101), DE300'}]
    """
    _require(crime, ["unit", "iccs", "geo", "time", "value"], "crim_gen_reg frame")
    pairs = _unit_pairs(fw, units, "crim_gen_reg")
    if pairs.empty:
        return pd.DataFrame(columns=_TIDY)
    if "unit" not in pairs:
        pairs["unit"] = "P_HTHAB"
    pairs["unit"] = pairs["unit"].fillna("P_HTHAB")
    pairs = pairs.rename(columns={"unit": "stat_unit"})
    own = np.where(pairs["level"] == "city", pairs["nuts3"], pairs["unit_id"])
    pairs["geo0"] = pd.Series(own, index=pairs.index).astype(str)
    max_up = 2 if fallback_to_parent else 0
    cands = []
    for up in range(max_up + 1):  # at most 3 levels, not a loop over rows
        c = pairs.assign(rank=up, geo=pairs["geo0"].str[: -up or None])
        cands.append(c[c["geo"].str.len() >= 3 if up else c["geo"].str.len() > 0])
    cand = pd.concat(cands, ignore_index=True)
    data = crime.rename(columns={"unit": "stat_unit"})
    m = cand.merge(data, on=["stat_unit", "iccs", "geo"])
    m = m[m["value"].notna()]
    best = m.groupby(["unit_id", "indicator_id"])["rank"].transform("min")
    m = m[m["rank"] == best]
    src = "Eurostat crim_gen_reg (" + m["stat_unit"] + ", " + m["iccs"] + "), " + m["geo"]
    src = src.where(m["rank"] == 0, src + " (parent of " + m["geo0"] + ")")
    if "flag" in m:
        src = src.where(m["flag"].fillna("") == "", src + "; flag " + m["flag"].fillna(""))
    out = pd.DataFrame(
        {
            "unit_id": m["unit_id"],
            "indicator_id": m["indicator_id"],
            "period": m["time"].astype(int),
            "value": m["value"].astype(float),
            "source": src,
        }
    )
    return out.sort_values(["unit_id", "indicator_id", "period"]).reset_index(drop=True)


def perception_indicators(percep: pd.DataFrame, fw: Framework, units: pd.DataFrame) -> pd.DataFrame:
    """Perception indicators (dataset ``urb_percep``) for registry units with a city code.

    The value is the sum of the percentages of the indicator's answer ``codes`` (e.g.
    strongly + somewhat agree) for the unit's ``urau_code``, for the ``waves`` listed in
    the framework; a wave counts only when every code has a value.

    Parameters
    ----------
    percep : DataFrame
        :func:`read_eurostat_tsv` of ``urb_percep.tsv`` (columns ``indic_ur, cities,
        time, value, flag``).
    fw : Framework
    units : DataFrame
        :func:`read_units` registry.

    Returns
    -------
    DataFrame
        ``unit_id, indicator_id, period, value, source``, e.g. source
        ``"Eurostat urb_percep (PS3514V+PS3515V), DE001C"``.

    Example
    -------
    >>> from urbansec_lib import load_framework
    >>> percep = pd.DataFrame({"indic_ur": ["PS3360V", "PS3361V"], "cities": ["DE001C"] * 2,
    ...                        "time": [2019] * 2, "value": [40.0, 45.5], "flag": [""] * 2})
    >>> units = read_units().query("unit_id == 'DE001C'")
    >>> perception_indicators(percep, load_framework(), units).to_dict("records")
    [{'unit_id': 'DE001C', 'indicator_id': 'qol_satisfied_living_city', 'period': 2019, 'value': 85.5, 'source': 'Eurostat urb_percep (PS3360V+PS3361V), DE001C'}]
    """
    _require(percep, ["indic_ur", "cities", "time", "value"], "urb_percep frame")
    pairs = _unit_pairs(fw, units, "urb_percep")
    if pairs.empty:
        return pd.DataFrame(columns=_TIDY)
    pairs = pairs[pairs["urau_code"].fillna("") != ""].drop(columns=["unit"], errors="ignore")
    pairs["n_codes"] = pairs["codes"].map(len)
    pairs["label"] = pairs["codes"].map("+".join)
    pairs = pairs.explode("codes").rename(columns={"codes": "indic_ur"})
    if "waves" in pairs:
        pairs = pairs.explode("waves").rename(columns={"waves": "time"})
        pairs["time"] = pairs["time"].astype(int)
    keys = ["indic_ur", "urau_code"] + (["time"] if "time" in pairs else [])
    data = percep.rename(columns={"cities": "urau_code"})
    m = pairs.merge(data, on=keys)
    m = m[m["value"].notna()]
    if "flag" not in m:
        m["flag"] = ""
    g = m.groupby(
        ["unit_id", "indicator_id", "time", "urau_code", "label", "n_codes"], as_index=False
    ).agg(value=("value", "sum"), n=("value", "size"), flag=("flag", "sum"))
    g = g[g["n"] == g["n_codes"]]
    flags = g["flag"].astype(str).map(lambda s: "".join(sorted(set(s))))
    src = "Eurostat urb_percep (" + g["label"] + "), " + g["urau_code"]
    src = src.where(flags == "", src + "; flag " + flags)
    out = pd.DataFrame(
        {
            "unit_id": g["unit_id"],
            "indicator_id": g["indicator_id"],
            "period": g["time"].astype(int),
            "value": g["value"].round(6),
            "source": src,
        }
    )
    return out.sort_values(["unit_id", "indicator_id", "period"]).reset_index(drop=True)


def build_public_indicators(
    raw_dir: str | Path | None,
    fw: Framework,
    *,
    units: pd.DataFrame | None = None,
    fallback_to_parent: bool = False,
    track: Callable[[Path], Path] | None = None,
    frames: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """All public-statistic indicator values for every unit of the registry.

    Reads ``units.csv`` (unless ``units`` is given), the crim_gen_reg and urb_percep
    files under ``raw_dir`` (see :data:`PUBLIC_FILES`) and combines
    :func:`crime_indicators` and :func:`perception_indicators`.

    Parameters
    ----------
    raw_dir : str or Path or None
        The raw-data directory (``None``: :func:`default_raw_dir`).
    fw : Framework
    units : DataFrame, optional
        A registry to use instead of ``<raw_dir>/units.csv``.
    fallback_to_parent : bool, default False
        Passed to :func:`crime_indicators`.
    track : callable, optional
        Called with each raw file path before it is read and returning the path to read
        (e.g. a report recorder's ``use``, which records the file's sha256).
    frames : dict, optional
        When given, receives the tidy frames read (``"crim_gen_reg"``, ``"urb_percep"``),
        so that callers need not read the files again.

    Returns
    -------
    DataFrame
        ``unit_id, indicator_id, period, value, source``.

    Example
    -------
    >>> import urbansec_lib as us
    >>> df = build_public_indicators(None, us.load_framework())
    >>> sorted(df["source"].str.split(" ").str[1].unique())
    ['crim_gen_reg', 'urb_percep']
    """
    raw = Path(raw_dir) if raw_dir is not None else default_raw_dir()
    use = track if track is not None else (lambda p: p)
    if units is None:
        units = read_units(use(raw / PUBLIC_FILES["units"]))
    crime = read_eurostat_tsv(use(raw / PUBLIC_FILES["crim_gen_reg"]), dropna=True)
    percep = read_eurostat_tsv(use(raw / PUBLIC_FILES["urb_percep"]), dropna=True)
    if frames is not None:
        frames.update({"crim_gen_reg": crime, "urb_percep": percep})
    parts = [
        crime_indicators(crime, fw, units, fallback_to_parent=fallback_to_parent),
        perception_indicators(percep, fw, units),
    ]
    return pd.concat(parts, ignore_index=True)[_TIDY]
