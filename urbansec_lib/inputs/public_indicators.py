"""Indicators from public data: police-recorded crime per 100,000 residents and the
perception survey's shares, mapped to the framework's indicators, each with its year and
source.

Example
-------
>>> import urbansec_lib as us
>>> ind = build_public_indicators(default_raw_dir(), us.load_framework())
>>> list(ind.columns)
['unit_id', 'indicator_id', 'period', 'value', 'source']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from ..model.framework import Framework

from .data_paths import PUBLIC_FILES, default_raw_dir
from .eurostat import read_eurostat_tsv
from .units_table import read_units

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
