"""The city panel of the social-cohesion analysis: shares per city-wave, context, loading.

Part of :mod:`urbansec_lib.analysis.social_cohesion` (its public face).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from .cohesion_data import (
    CODINGS,
    CRIME_ICCS,
    ITEMS,
    SIZE_CLASSES,
    check_item_labels,
    default_path,
    read_city_lookup,
    read_city_population,
    read_code_labels,
)


# ----------------------------------------------------------------------- panel
def city_panel(
    percep: pd.DataFrame, coding: str = "agree", items: Iterable[str] | None = None
) -> pd.DataFrame:
    """City-wave panel of the items' shares under one coding.

    Parameters
    ----------
    percep : DataFrame
        :func:`urbansec_lib.data.read_eurostat_tsv` of ``urb_percep.tsv`` (``indic_ur,
        cities, time, value[, flag]``).
    coding : {"agree", "strongly", "excl_dk"}
        See the module docstring.
    items : iterable of str, optional
        Keys of :data:`ITEMS` (default all).

    Returns
    -------
    DataFrame
        ``city, country, year`` and one column per item (% of respondents), one row per
        city-wave with at least one item; ``flags`` joins the Eurostat flags of the codes
        used (``b`` break in series, ``e`` estimated, ``d`` definition differs).

    Examples
    --------
    >>> percep = pd.DataFrame({"indic_ur": ["PS3290V", "PS3291V", "PS3294V"] * 2,
    ...     "cities": ["AT001C"] * 3 + ["AT002C"] * 3, "time": [2012] * 6,
    ...     "value": [40.0, 45.0, 5.0, 30.0, 40.0, 10.0], "flag": [""] * 6})
    >>> city_panel(percep, items=["safe_city"])[["city", "year", "safe_city"]].values.tolist()
    [['AT001C', 2012, 85.0], ['AT002C', 2012, 70.0]]
    >>> city_panel(percep, coding="strongly", items=["safe_city"])["safe_city"].tolist()
    [40.0, 30.0]
    """
    if coding not in CODINGS:
        raise ValueError(f"coding must be one of {list(CODINGS)}")
    keys = list(items) if items is not None else list(ITEMS)
    need = {"indic_ur", "cities", "time", "value"}
    if not need <= set(percep.columns):
        raise ValidationError(
            [Problem("urb_percep frame", None, c, None, "a column") for c in need - set(percep)]
        )
    codes = {c: (k, i) for k in keys for i, c in enumerate(ITEMS[k].codes, start=1)}
    sub = percep[percep["indic_ur"].isin(codes) & percep["value"].notna()]
    sub = sub[sub["cities"].str.match(r"^[A-Z]{2}\d{3}C$")]
    pos = sub["indic_ur"].map({c: v[1] for c, v in codes.items()})
    item = sub["indic_ur"].map({c: v[0] for c, v in codes.items()})
    wide = (
        sub.assign(item=item, pos=pos)
        .pivot_table(
            index=["cities", "time", "item"], columns="pos", values="value", aggfunc="first"
        )
        .reindex(columns=[1, 2, 3, 4, 5])
    )
    if coding == "agree":
        val = wide[1] + wide[2]
    elif coding == "strongly":
        val = wide[1]
    else:
        val = (wide[1] + wide[2]) / (100.0 - wide[5]) * 100.0
    val = val.where(np.isfinite(val)).dropna().round(6)
    out = val.unstack("item").reindex(columns=keys).reset_index()
    out = out.rename(columns={"cities": "city", "time": "year"})
    out.columns.name = None
    if "flag" in sub:
        fl = sub.assign(flag=sub["flag"].fillna("").astype(str)).groupby(["cities", "time"])["flag"]
        flags = fl.agg(lambda s: "".join(sorted(set("".join(s))))).rename("flags")
        out = out.merge(flags, left_on=["city", "year"], right_index=True, how="left")
    else:
        out["flags"] = ""
    out.insert(1, "country", out["city"].str[:2])
    out["year"] = out["year"].astype(int)
    return out.sort_values(["city", "year"]).reset_index(drop=True)


def coding_table(items: Iterable[str] | None = None) -> pd.DataFrame:
    """The items and their codes, as used (documentation table for the report).

    Example
    -------
    >>> coding_table(["trust_city"])["agree_codes"].tolist()
    ['PS3092V + PS3093V']
    """
    keys = list(items) if items is not None else list(ITEMS)
    rows = []
    for k in keys:
        it = ITEMS[k]
        rows.append(
            {
                "item": k,
                "question (Eurostat code list)": it.question,
                "role": it.role,
                "agree_codes": f"{it.codes[0]} + {it.codes[1]}",
                "strongly_code": it.codes[0],
                "dont_know_code": it.codes[4],
            }
        )
    return pd.DataFrame(rows)


def size_class(population: pd.Series) -> pd.Series:
    """Size class label of each population (see :data:`SIZE_CLASSES`).

    Example
    -------
    >>> size_class(pd.Series([120_000, 600_000, 3_600_000])).tolist()
    ['under 250,000', '500,000-999,999', '1 million or more']
    """
    bounds = [b for _, b in SIZE_CLASSES] + [np.inf]
    labels = [lab for lab, _ in SIZE_CLASSES]
    cat = pd.cut(population.astype(float), bins=bounds, labels=labels, right=False)
    return cat.astype(object).where(cat.notna(), None)


def region_crime_rates(crime: pd.DataFrame, geos: Iterable[str]) -> pd.DataFrame:
    """Recorded crime per 100,000 inhabitants of NUTS regions, by year.

    The sum of the rates of :data:`CRIME_ICCS` (assault, robbery, burglary, theft); a
    region-year counts only when all four are published.

    Returns
    -------
    DataFrame
        ``nuts3, year, crime_rate``.

    Example
    -------
    >>> c = pd.DataFrame({"unit": ["P_HTHAB"] * 4, "iccs": list(CRIME_ICCS), "geo": ["X1"] * 4,
    ...                   "time": [2012] * 4, "value": [100.0, 50.0, 300.0, 1500.0]})
    >>> region_crime_rates(c, ["X1"]).values.tolist()
    [['X1', 2012, 1950.0]]
    """
    sub = crime[
        (crime["unit"] == "P_HTHAB")
        & crime["iccs"].isin(CRIME_ICCS)
        & crime["geo"].isin(set(geos))
        & crime["value"].notna()
    ]
    g = sub.groupby(["geo", "time"])["value"].agg(["sum", "size"]).reset_index()
    g = g[g["size"] == len(CRIME_ICCS)]
    out = g.rename(columns={"geo": "nuts3", "time": "year", "sum": "crime_rate"})
    out["year"] = out["year"].astype(int)
    return out[["nuts3", "year", "crime_rate"]].reset_index(drop=True)


def _nearest_year(
    left: pd.DataFrame, right: pd.DataFrame, key: str, value: str, max_gap: int
) -> pd.DataFrame:
    """For each (key, year) of ``left``, the value of ``right`` in the nearest year."""
    m = left[[key, "year"]].drop_duplicates().merge(right, on=key, suffixes=("", "_src"))
    m["gap"] = (m["year_src"] - m["year"]).abs()
    m = m[m["gap"] <= max_gap].sort_values(["gap", "year_src"])
    best = m.groupby([key, "year"], as_index=False).first()
    return best[[key, "year", value, "year_src"]]


def add_context(
    panel: pd.DataFrame,
    lookup: pd.DataFrame,
    population: pd.DataFrame,
    crime: pd.DataFrame | None = None,
    max_gap_crime: int = 2,
) -> pd.DataFrame:
    """Add each city-wave's context, each value with the year it comes from.

    * ``name``, ``nuts3``: from the city lookup (country: its GISCO country code).
    * ``population``, ``population_year``: the city's urb_cpop1 value of the year nearest
      to the wave (the series starts in 2013, so 2009 and 2012 waves use the earliest year);
      ``size_class`` from it. ``size_class_city`` is one class per city (from its
      population nearest to 2015), for the heterogeneity analysis.
    * ``crime_rate``, ``crime_year``, ``log_crime``: recorded crime of the city's NUTS 3
      region (:func:`region_crime_rates`) in the wave year or the nearest year within
      ``max_gap_crime`` years; empty where the region has no data (e.g. France).

    Returns
    -------
    DataFrame
        ``panel`` with the context columns.

    Examples
    --------
    Two Austrian cities (Wien in NUTS 3 region AT130, Graz) with the bundled lookup and
    population; made-up crime rates for AT130 only:

    >>> from urbansec_lib.analysis.cohesion_data import read_city_lookup, read_city_population
    >>> from urbansec_lib.analysis.cohesion_data import CRIME_ICCS
    >>> percep = pd.DataFrame({"indic_ur": ["PS3290V", "PS3291V", "PS3294V"] * 2,
    ...     "cities": ["AT001C"] * 3 + ["AT002C"] * 3, "time": [2015] * 6,
    ...     "value": [40.0, 45.0, 5.0, 30.0, 40.0, 10.0], "flag": [""] * 6})
    >>> crime = pd.DataFrame({"unit": ["P_HTHAB"] * 4, "iccs": list(CRIME_ICCS),
    ...     "geo": ["AT130"] * 4, "time": [2015] * 4, "value": [100.0, 50.0, 300.0, 1500.0]})
    >>> lookup = read_city_lookup(default_path("lookup"))
    >>> pop = read_city_population(default_path("population"))
    >>> p = add_context(city_panel(percep, items=["safe_city"]), lookup, pop, crime)
    >>> p[["city", "name", "size_class", "crime_rate"]].values.tolist()
    [['AT001C', 'Wien', '1 million or more', 1950.0], ['AT002C', 'Graz', '250,000-499,999', nan]]
    """
    out = panel.merge(
        lookup[["city", "name", "country", "nuts3"]], on="city", how="left", suffixes=("_code", "")
    )
    out["country"] = out["country"].fillna(out.pop("country_code"))
    pop = population[["city", "year", "population"]]
    p = _nearest_year(out, pop, "city", "population", max_gap=20)
    out = out.merge(
        p.rename(columns={"year_src": "population_year"}), on=["city", "year"], how="left"
    )
    out["size_class"] = size_class(out["population"])
    ref = _nearest_year(
        pd.DataFrame({"city": out["city"].unique(), "year": 2015}), pop, "city", "population", 20
    )
    ref = ref.assign(size_class_city=size_class(ref["population"]))[["city", "size_class_city"]]
    out = out.merge(ref, on="city", how="left")
    if crime is not None:
        cr = region_crime_rates(crime, out["nuts3"].dropna().unique())
        c = _nearest_year(out.dropna(subset=["nuts3"]), cr, "nuts3", "crime_rate", max_gap_crime)
        out = out.merge(
            c.rename(columns={"year_src": "crime_year"}), on=["nuts3", "year"], how="left"
        )
        out["log_crime"] = np.log(out["crime_rate"].where(out["crime_rate"] > 0))
        out["crime_log100"] = 100.0 * out["log_crime"]
    for col in ("population_year", "crime_year"):
        if col in out:
            out[col] = out[col].astype("Int64")
    return out


@dataclass
class CohesionData:
    """Everything the study reads, once: panels per coding, label check, context sources.

    Attributes
    ----------
    panels : dict
        Coding -> city-wave panel with context (:func:`city_panel`, :func:`add_context`).
    labels : DataFrame
        :func:`check_item_labels` output (codes confirmed in Eurostat's code list).
    files : list of Path
        Files read.

    Examples
    --------
    Built by :func:`load_panels` (here with a small urb_percep and crime frame):

    >>> from urbansec_lib.analysis.cohesion_data import CRIME_ICCS
    >>> percep = pd.DataFrame({"indic_ur": ["PS3290V", "PS3291V", "PS3294V"] * 2,
    ...     "cities": ["AT001C"] * 3 + ["AT002C"] * 3, "time": [2015] * 6,
    ...     "value": [40.0, 45.0, 5.0, 30.0, 40.0, 10.0], "flag": [""] * 6})
    >>> crime = pd.DataFrame({"unit": ["P_HTHAB"] * 4, "iccs": list(CRIME_ICCS),
    ...     "geo": ["AT130"] * 4, "time": [2015] * 4, "value": [100.0, 50.0, 300.0, 1500.0]})
    >>> d = load_panels(percep=percep, crime=crime)
    >>> list(d.panels), len(d.panel)
    (['agree', 'strongly', 'excl_dk'], 2)
    >>> d.coverage().loc[["safe_city", "population", "crime_rate"], 2015].tolist()
    [2, 2, 1]
    """

    panels: dict[str, pd.DataFrame]
    labels: pd.DataFrame
    files: list[Path] = field(default_factory=list)

    @property
    def panel(self) -> pd.DataFrame:
        """The ``"agree"`` panel."""
        return self.panels["agree"]

    def coverage(self) -> pd.DataFrame:
        """Cities with each item, per wave (``"agree"`` coding)."""
        p = self.panel
        cols = [c for c in ITEMS if c in p] + [c for c in ("population", "crime_rate") if c in p]
        return p.groupby("year")[cols].count().T.rename_axis("item / context")

    def context_years(self) -> pd.DataFrame:
        """For each wave, how many cities' population and crime values come from which year.

        Returns
        -------
        DataFrame
            ``wave, context, source_year, n_cities`` (cities with both survey questions).
        """
        p = self.panel.dropna(subset=["safe_city", "trust_city"])
        parts = []
        for col, name in (
            ("population_year", "population (urb_cpop1)"),
            ("crime_year", "recorded crime (crim_gen_reg)"),
        ):
            if col in p:
                g = p.dropna(subset=[col]).groupby(["year", col]).size()
                parts.append(
                    g.rename("n_cities")
                    .reset_index()
                    .rename(columns={"year": "wave", col: "source_year"})
                    .assign(context=name)
                )
        if not parts:
            return pd.DataFrame(columns=["wave", "context", "source_year", "n_cities"])
        out = pd.concat(parts, ignore_index=True)
        out["source_year"] = out["source_year"].astype(int)
        return out[["wave", "context", "source_year", "n_cities"]]


def load_panels(
    raw_dir: str | Path | None = None,
    track=None,
    percep: pd.DataFrame | None = None,
    crime: pd.DataFrame | None = None,
) -> CohesionData:
    """Read the study's inputs once and build the panels of every coding.

    Parameters
    ----------
    raw_dir : str or Path, optional
        ``<data>/raw`` (default: the repository's).
    track : callable, optional
        Called with each path before it is read (a report recorder's ``use``).
    percep, crime : DataFrame, optional
        urb_percep and crim_gen_reg as already read (e.g. ``StudyInputs.public``); read
        from ``raw_dir`` otherwise.

    Examples
    --------
    With small frames for urb_percep and crime (reading the bundled extracts takes a few
    seconds); labels, lookup and population are the bundled files:

    >>> from urbansec_lib.analysis.cohesion_data import CRIME_ICCS
    >>> percep = pd.DataFrame({"indic_ur": ["PS3290V", "PS3291V", "PS3294V"] * 2,
    ...     "cities": ["AT001C"] * 3 + ["AT002C"] * 3, "time": [2015] * 6,
    ...     "value": [40.0, 45.0, 5.0, 30.0, 40.0, 10.0], "flag": [""] * 6})
    >>> crime = pd.DataFrame({"unit": ["P_HTHAB"] * 4, "iccs": list(CRIME_ICCS),
    ...     "geo": ["AT130"] * 4, "time": [2015] * 4, "value": [100.0, 50.0, 300.0, 1500.0]})
    >>> d = load_panels(percep=percep, crime=crime)
    >>> [f.name for f in d.files]
    ['indic_ur.dic', 'urban_audit_cities.csv', 'urb_cpop1_page_linear.csv']
    >>> d.panel[["city", "year", "name", "population"]].values.tolist()
    [['AT001C', 2015, 'Wien', 1766746.0], ['AT002C', 2015, 'Graz', 269997.0]]
    """
    from ..inputs.data import read_eurostat_tsv

    use = track if track is not None else (lambda p: Path(p))
    files = []

    def path(name: str) -> Path:
        p = use(default_path(name, raw_dir))
        files.append(Path(p))
        return Path(p)

    labels = check_item_labels(read_code_labels(path("labels")))
    if percep is None:
        percep = read_eurostat_tsv(path("urb_percep"), dropna=True)
    if crime is None:
        crime = read_eurostat_tsv(path("crim_gen_reg"), dropna=True)
    lookup = read_city_lookup(path("lookup"))
    pop = read_city_population(path("population"))
    panels = {c: add_context(city_panel(percep, c), lookup, pop, crime) for c in CODINGS}
    return CohesionData(panels=panels, labels=labels, files=files)
