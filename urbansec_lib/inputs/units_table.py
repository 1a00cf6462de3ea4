"""The unit registry table (``data/raw/units.csv``): read and validated, with population
where the crime data carry it.

Example
-------
>>> units = read_units(default_raw_dir() / "units.csv")
>>> {"unit_id", "level", "nuts3", "population"} <= set(units.columns)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    pass

from .data_paths import (  # noqa: F401
    _FALSE,
    _TRUE,
    _URAU_RE,
    PUBLIC_FILES,
    UNIT_COLUMNS,
    UNIT_LEVELS,
    _raw_dir_from,
    default_raw_dir,
)


# ---------------------------------------------------------------------- unit registry
def read_units(
    path: str | Path | None = None,
    *,
    nuts: pd.DataFrame | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Read and validate the unit registry (``data/raw/units.csv``).

    Long because: one declared check per column of units.csv, all collected before one error
    is raised, in column order.

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
