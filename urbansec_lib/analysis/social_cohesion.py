"""Social cohesion and (feelings of) security across European cities (Action 5's question).

City-level analysis on Eurostat ``urb_percep`` (Quality of Life in European Cities survey)
with context from Eurostat ``urb_cpop1`` (city population), the Urban Audit city -> NUTS 3
link and Eurostat ``crim_gen_reg`` (police-recorded crime of the NUTS 3 region). Pure
functions and result objects; the study notebook only calls them.

Codings (all shares in % of respondents of the city-wave, from the 5 answer codes of each
question: 1 strongly agree / very satisfied, 2 somewhat agree / fairly satisfied, 3 somewhat
disagree, 4 strongly disagree, 5 don't know / no answer; see :data:`ITEMS`):

* ``"agree"`` (default): codes 1 + 2.
* ``"strongly"``: code 1 only.
* ``"excl_dk"``: (codes 1 + 2) / (100 - code 5) * 100, i.e. among those with an opinion;
  a city-wave counts only where the don't-know share is published.

A city-wave enters a coding only when every code it needs is published (``:`` is missing,
never zero). Labels of the codes are checked against Eurostat's ``indic_ur`` code list
(:func:`check_item_labels`).

The primary specification (:func:`primary`) is the within-city association: outcome "feel
safe in this city" (agree), exposure "most people in this city can be trusted" (agree),
city and wave fixed effects, standard errors clustered by city.

Example
-------
>>> percep = pd.DataFrame({
...     "indic_ur": ["PS3290V", "PS3291V", "PS3294V"] * 2,
...     "cities": ["AT001C"] * 3 + ["AT002C"] * 3, "time": [2012] * 6,
...     "value": [40.0, 45.0, 5.0, 30.0, 40.0, 10.0], "flag": [""] * 6})
>>> city_panel(percep, items=["safe_city"])[["city", "year", "safe_city"]].values.tolist()
[['AT001C', 2012, 85.0], ['AT002C', 2012, 70.0]]
>>> city_panel(percep, coding="excl_dk", items=["safe_city"])["safe_city"].round(2).tolist()
[89.47, 77.78]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from ..core.errors import Problem, ValidationError  # noqa: E402
from ..core.ingest import read_frame  # noqa: E402
from ..core.schema import Column, TableSchema, Unique  # noqa: E402
from ..methods.omitted_variable import RobustnessValue, oster_delta, robustness_value  # noqa: E402

__all__ = [
    "ITEMS",
    "CODINGS",
    "SIZE_CLASSES",
    "CRIME_ICCS",
    "SOURCE_PERCEP",
    "SOURCE_CONTEXT",
    "Item",
    "CohesionData",
    "CohesionEstimate",
    "load_panels",
    "unit_section",
    "default_path",
    "FILES",
    "Specifications",
    "read_code_labels",
    "check_item_labels",
    "read_city_lookup",
    "read_city_population",
    "city_panel",
    "coding_table",
    "add_context",
    "size_class",
    "region_crime_rates",
    "demean",
    "fit_within",
    "fit_between",
    "fit_cross_section",
    "primary",
    "specifications",
    "leave_one_country_out",
    "by_size_class",
    "omitted_variable_sensitivity",
    "partial_regression",
    "plot_within_changes",
    "plot_coefficients",
    "plot_partial_regression",
    "unit_trajectory",
    "plot_unit_trajectory",
    "trajectory_table",
    "design_statement",
]

SOURCE_PERCEP = "Eurostat urb_percep (Quality of Life in European Cities survey)"
SOURCE_CONTEXT = (
    "Eurostat urb_cpop1 (city population), GISCO Urban Audit 2021 (city -> NUTS 3 2021), "
    "Eurostat crim_gen_reg (police-recorded offences per 100,000 inhabitants of the NUTS 3 region)"
)


@dataclass(frozen=True)
class Item:
    """One urb_percep question: its 5 answer codes and the text Eurostat's code list uses."""

    key: str
    label: str
    codes: tuple[str, str, str, str, str]
    question: str
    role: str


def _codes(first: int) -> tuple[str, str, str, str, str]:
    return tuple(f"PS{first + i}V" for i in range(5))  # type: ignore[return-value]


#: Questions used, keyed by the column name of the city panel. ``question`` is the text of
#: the codes' labels in Eurostat's indic_ur code list (before ": strongly agree" etc.).
ITEMS: dict[str, Item] = {
    it.key: it
    for it in (
        Item(
            "safe_city",
            "Feel safe in this city (% agree)",
            _codes(3290),
            "You feel safe in this city",
            "safety",
        ),
        Item(
            "safe_neighbourhood",
            "Feel safe in the neighbourhood (% agree)",
            _codes(3300),
            "You feel safe in the neighborhood you live in",
            "safety",
        ),
        Item(
            "safe_night_city",
            "Feel safe walking alone at night in the city (% agree)",
            _codes(3514),
            "I feel safe walking alone at night in my city",
            "safety",
        ),
        Item(
            "safe_night_neighbourhood",
            "Feel safe walking alone at night in the neighbourhood (% agree)",
            _codes(3519),
            "I feel safe walking alone at night in my neighbourhood",
            "safety",
        ),
        Item(
            "trust_city",
            "Most people in this city can be trusted (% agree)",
            _codes(3092),
            "Generally speaking, most people in this city can be trusted",
            "cohesion",
        ),
        Item(
            "trust_neighbourhood",
            "Most people in my neighbourhood can be trusted (% agree)",
            _codes(3310),
            "Most people in my neighbourhood can be trusted",
            "cohesion",
        ),
        Item(
            "foreigners_integrated",
            "Foreigners who live in this city are well integrated (% agree)",
            _codes(2022),
            "Foreigners who live in this city are well integrated",
            "cohesion",
        ),
        Item(
            "neighbourhood_satisfaction",
            "Satisfied with the neighbourhood (% very or fairly satisfied)",
            _codes(3524),
            "The neighbourhood where you live",
            "cohesion",
        ),
    )
}

#: Coding name -> description.
CODINGS: dict[str, str] = {
    "agree": "strongly + somewhat agree (very + fairly satisfied), % of all respondents",
    "strongly": "strongly agree (very satisfied) only, % of all respondents",
    "excl_dk": "strongly + somewhat agree, % of respondents with an opinion (don't know / "
    "no answer excluded)",
}

#: Population size classes (persons, city proper, Eurostat urb_cpop1), lower bounds.
SIZE_CLASSES: tuple[tuple[str, float], ...] = (
    ("under 250,000", 0.0),
    ("250,000-499,999", 250_000.0),
    ("500,000-999,999", 500_000.0),
    ("1 million or more", 1_000_000.0),
)

#: Offences summed into "recorded crime" (rates per 100,000 inhabitants, crim_gen_reg).
CRIME_ICCS: dict[str, str] = {
    "ICCS02011": "assault",
    "ICCS0401": "robbery",
    "ICCS0501": "burglary",
    "ICCS0502": "theft",
}

_CATEGORY_WORDS = (
    ("strongly agree", "very satisfied"),
    ("somewhat agree", "fairly satisfied"),
    ("somewhat disagree", "not very satisfied"),
    ("strongly disagree", "not at all satisfied"),
    ("don't know",),
)


# ----------------------------------------------------------------------- readers
def read_code_labels(path: str | Path) -> dict[str, str]:
    """Read a Eurostat bulk-download code list (``CODE<TAB>label`` per line).

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.dic")
    >>> _ = open(p, "w", encoding="utf-8").write("PS3092V\\tTrust: strongly agree\\n")
    >>> read_code_labels(p)
    {'PS3092V': 'Trust: strongly agree'}
    """
    out: dict[str, str] = {}
    problems: list[Problem] = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            line = line.rstrip("\n\r")
            if not line.strip():
                continue
            code, sep, label = line.partition("\t")
            if not sep or not code.strip():
                problems.append(Problem(str(path), i, None, line[:40], "CODE<TAB>label"))
                continue
            out[code.strip()] = label.strip().replace("\xa0", " ").strip()
    if problems:
        raise ValidationError(problems, str(path))
    return out


def check_item_labels(
    labels: dict[str, str], items: Iterable[str] | None = None, file: str = "indic_ur.dic"
) -> pd.DataFrame:
    """Confirm each answer code's label in Eurostat's code list.

    Every code of every item must be in ``labels``, its label must start with the item's
    question text, and name the answer category expected at its position.

    Returns
    -------
    DataFrame
        ``item, code, position, label`` (the labels as Eurostat gives them).

    Raises
    ------
    ValidationError
        Listing every code that is missing or labelled otherwise.

    Example
    -------
    >>> labs = {f"PS{3092 + i}V": "Generally speaking, most people in this city can be "
    ...         "trusted: " + c for i, c in enumerate(["strongly agree", "somewhat agree",
    ...         "somewhat disagree", "strongly disagree", "don't know / no answer"])}
    >>> check_item_labels(labs, ["trust_city"])["position"].tolist()
    [1, 2, 3, 4, 5]
    """
    keys = list(items) if items is not None else list(ITEMS)
    rows, problems = [], []
    for key in keys:
        item = ITEMS[key]
        for pos, code in enumerate(item.codes, start=1):
            lab = labels.get(code)
            expected = f"'{item.question}: {' or '.join(_CATEGORY_WORDS[pos - 1])}...'"
            ok = (
                lab is not None
                and lab.lower().startswith(item.question.lower())
                and any(w in lab.lower() for w in _CATEGORY_WORDS[pos - 1])
            )
            if not ok:
                problems.append(Problem(file, None, code, lab, expected))
            rows.append({"item": key, "code": code, "position": pos, "label": lab})
    if problems:
        raise ValidationError(problems, file)
    return pd.DataFrame(rows)


def read_city_lookup(path: str | Path) -> pd.DataFrame:
    """Urban Audit city code -> name, country and NUTS 3 2021 region.

    Reads the Urban Audit city table (``urbansec_lib/codelists/urban_audit_cities.csv``,
    the official code list of :mod:`urbansec_lib.registry`; provenance in
    ``urbansec_lib/codelists/PROVENANCE.txt``).

    Returns
    -------
    DataFrame
        ``city, name, country, nuts3`` (``nuts3`` empty where GISCO 2021 has none).

    Example
    -------
    >>> lk = read_city_lookup(default_path("lookup"))  # doctest: +SKIP
    """
    schema = TableSchema(
        "Urban Audit cities",
        [
            Column("urau_code", expected="an Urban Audit code"),
            Column("cntr_code", nullable=True),
            Column("code_prefix", nullable=True),
            Column("name_eurostat_dic", nullable=True),
            Column("nuts3_2021", nullable=True),
        ],
        extra="keep",
        unique=[Unique("urau_code")],
    )
    df = schema.validate(read_frame(path, str(path)), str(path))
    if "name_gisco2021" in df:
        df["name_gisco2021"] = df["name_gisco2021"].str.strip()
    name = df["name_gisco2021"] if "name_gisco2021" in df else df["name_eurostat_dic"]
    return pd.DataFrame(
        {
            "city": df["urau_code"],
            "name": name.where(name != "", df["name_eurostat_dic"]),
            "country": df["cntr_code"].where(df["cntr_code"] != "", df["code_prefix"]),
            "nuts3": df["nuts3_2021"].replace("", pd.NA),
        }
    )


def read_city_population(path: str | Path) -> pd.DataFrame:
    """City population on 1 January (Eurostat urb_cpop1, DE1001V, linear CSV export).

    Returns
    -------
    DataFrame
        ``city, year, population, flag`` for the city codes (``..C``) only.

    Example
    -------
    >>> pop = read_city_population(default_path("population"))  # doctest: +SKIP
    """
    schema = TableSchema(
        "urb_cpop1",
        [
            Column("indic_ur"),
            Column("cities"),
            Column("TIME_PERIOD", "int", low=1900, high=2100, expected="a year"),
            Column("OBS_VALUE", "float", low=0, nullable=True),
            Column("OBS_FLAG", required=False, nullable=True),
        ],
        extra="keep",
    )
    df = schema.validate(read_frame(path, str(path)), str(path)).reset_index(drop=True)
    val, year = df["OBS_VALUE"], df["TIME_PERIOD"]
    keep = (df["indic_ur"] == "DE1001V") & df["cities"].str.match(r"^[A-Z]{2}\d{3}C$") & val.notna()
    return pd.DataFrame(
        {
            "city": df.loc[keep, "cities"],
            "year": year[keep].astype(int),
            "population": val[keep].astype(float),
            "flag": df.loc[keep, "OBS_FLAG"] if "OBS_FLAG" in df else "",
        }
    ).reset_index(drop=True)


#: Paths of the files this module reads, relative to ``<data>/raw``.
FILES: dict[str, Path] = {
    "labels": Path("public/eurostat_dictionaries/indic_ur.dic"),
    "population": Path("public/eurostat_urb_cpop1/urb_cpop1_page_linear.csv"),
    "urb_percep": Path("public/eurostat_urb_percep/urb_percep.tsv"),
    "crim_gen_reg": Path("public/eurostat_crim_gen_reg/estat_crim_gen_reg.tsv"),
}


def default_path(name: str, raw_dir: str | Path | None = None) -> Path:
    """Path of one bundled input (see :data:`FILES`) under ``raw_dir``.

    ``"lookup"`` is the Urban Audit city table packaged with urbansec
    (``urbansec_lib/codelists/urban_audit_cities.csv``, read by :mod:`urbansec_lib.registry`).

    Example
    -------
    >>> default_path("labels").name
    'indic_ur.dic'
    """
    from ..inputs.data import default_raw_dir

    if name == "lookup":  # the official city code list packaged with urbansec (registry)
        from importlib import resources

        return Path(str(resources.files("urbansec_lib") / "codelists" / "urban_audit_cities.csv"))
    return Path(raw_dir or default_raw_dir()) / FILES[name]


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


# ----------------------------------------------------------------------- estimates
@dataclass
class CohesionEstimate:
    """One association estimate, statsmodels-like.

    Attributes
    ----------
    spec, outcome, exposure, design : str
        Name of the specification, the columns used and ``within`` / ``between`` /
        ``cross-section``.
    estimate, se, ci_low, ci_high, pvalue : float
        Coefficient of the exposure (percentage points of the outcome per percentage point
        of the exposure) with its cluster-robust standard error and 95 % interval.
    n_units, n_obs : int
        Cities and city-waves used.
    years : list of int
        Waves used.
    t_classical, df_resid, r2 : float
        Homoskedastic t-statistic, residual degrees of freedom and R squared of the same
        regression (for the omitted-variable sensitivity).
    wild : dict or None
        Wild cluster bootstrap (p-value and interval), where computed.
    method : str
        How the estimate was computed.
    """

    spec: str
    outcome: str
    exposure: str
    design: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    n_units: int
    n_obs: int
    years: list[int]
    t_classical: float = float("nan")
    df_resid: float = float("nan")
    r2: float = float("nan")
    controls: tuple[str, ...] = ()
    n_units_with_both: int | None = None
    n_obs_with_both: int | None = None
    wild: dict[str, Any] | None = None
    method: str = ""
    note: str = ""

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def as_dict(self) -> dict[str, Any]:
        """The recorded numbers (``estimate, se, ci_low, ci_high, n_units, n_obs, years``...)."""
        d = {
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "pvalue": self.pvalue,
            "n_units": self.n_units,
            "n_obs": self.n_obs,
            "years": list(self.years),
            "n_units_with_both": self.n_units_with_both,
            "n_obs_with_both": self.n_obs_with_both,
            "outcome": self.outcome,
            "exposure": self.exposure,
            "design": self.design,
            "method": self.method,
        }
        if self.wild is not None:
            d["wild_bootstrap"] = dict(self.wild)
        return d

    def table(self) -> pd.DataFrame:
        """One-row tidy table."""
        w = self.wild or {}
        return pd.DataFrame(
            [
                {
                    "spec": self.spec,
                    "design": self.design,
                    "outcome": self.outcome,
                    "exposure": self.exposure,
                    "controls": ", ".join(self.controls),
                    "estimate": self.estimate,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "pvalue": self.pvalue,
                    "wild_pvalue": w.get("pvalue", np.nan),
                    "wild_ci_low": w.get("ci_low", np.nan),
                    "wild_ci_high": w.get("ci_high", np.nan),
                    "n_units": self.n_units,
                    "n_obs": self.n_obs,
                    "years": ", ".join(str(y) for y in self.years),
                    "note": self.note,
                }
            ]
        )

    def summary(self) -> str:
        """Plain-language reading of the estimate."""
        ys = ", ".join(str(y) for y in self.years)
        kind = {
            "within": "Within cities (city and wave fixed effects)",
            "between": "Between cities (wave fixed effects and the listed controls)",
            "cross-section": "Across cities in one wave",
        }[self.design]
        return (
            f"{kind}: one percentage point more on '{_label(self.exposure)}' goes with "
            f"{self.estimate:+.2f} points on '{_label(self.outcome)}' (95 % CI "
            f"{self.ci_low:+.2f} to {self.ci_high:+.2f}; {self.n_units} cities, "
            f"{self.n_obs} city-waves, waves {ys})."
        )

    def wild_summary(self) -> str:
        """One sentence on the wild cluster bootstrap (or that it was not computed)."""
        w = self.wild or {}
        if w.get("pvalue") is None:
            return (
                "_Wild cluster bootstrap: not computed (the estimator is not available); only "
                "the cluster-robust interval is shown._"
            )
        p = w["pvalue"]
        from ..presentation.present import fmt_p_inline

        if p == 0:  # no draw as extreme: p below 1/B (the report's one p-value format)
            ptxt = "p < 0.001" if 1 / w["B"] <= 0.001 else f"p < {1 / w['B']:.3f}"
        else:
            ptxt = fmt_p_inline(p)
        return (
            f"Wild cluster bootstrap (restricted, {w['weights']} weights, {w['B']} draws, seed "
            f"{w['seed']}): {ptxt}, 95 % interval {w['ci_low']:+.2f} to {w['ci_high']:+.2f} "
            f"(cluster-robust: {self.ci_low:+.2f} to {self.ci_high:+.2f})."
        )

    def plot(self) -> plt.Figure:
        """Coefficient plot of this one estimate."""
        return plot_coefficients(self.table())


def _label(col: str) -> str:
    if col in ITEMS:
        return ITEMS[col].label
    return {
        "log_crime": "log recorded crime per 100,000 (NUTS 3)",
        "crime_rate": "recorded crime per 100,000 (NUTS 3)",
        "crime_log100": "recorded crime per 100,000 (NUTS 3), 100 x log",
    }.get(col, col)


def _sample(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    return df.dropna(subset=list(cols)).copy()


def _feols():
    """The project's absorbed fixed-effects estimator, where available."""
    try:
        from ..methods import fixed_effects  # type: ignore[attr-defined]
    except ImportError:
        return None
    # only this package's own module (an editable install may resolve another checkout's)
    if Path(fixed_effects.__file__).resolve().parents[1] != Path(__file__).resolve().parents[1]:
        return None
    return getattr(fixed_effects, "feols", None)


def demean(
    values: np.ndarray, fe: Sequence[np.ndarray], tol: float = 1e-11, max_iter: int = 10_000
) -> np.ndarray:
    """Remove fixed effects from each column by alternating projections (Gaure 2013).

    Parameters
    ----------
    values : ndarray, shape (n, k)
    fe : sequence of integer-coded group arrays, each of shape (n,)

    Returns
    -------
    ndarray
        The residuals of each column on all fixed effects (the "within" transform).

    Example
    -------
    >>> x = np.array([[1.0], [2.0], [3.0], [5.0]])
    >>> demean(x, [np.array([0, 0, 1, 1])]).ravel().tolist()
    [-0.5, 0.5, -1.0, 1.0]
    """
    x = np.asarray(values, dtype=float).copy()
    if x.ndim == 1:
        x = x[:, None]
    codes = [np.asarray(g) for g in fe]
    counts = [np.bincount(g) for g in codes]
    for _ in range(max_iter):
        prev = x.copy()
        for g, c in zip(codes, counts):
            sums = np.zeros((len(c), x.shape[1]))
            np.add.at(sums, g, x)
            x -= (sums / c[:, None])[g]
        if np.max(np.abs(x - prev)) < tol:
            break
    return x


def _fe_rank(codes: Sequence[np.ndarray]) -> int:
    """Number of free parameters of one or two sets of fixed effects (connected components)."""
    if len(codes) == 1:
        return int(codes[0].max() + 1)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = codes
    na, nb = int(a.max() + 1), int(b.max() + 1)
    adj = coo_matrix((np.ones(len(a)), (a, b + na)), shape=(na + nb, na + nb))
    n_comp, _ = connected_components(adj, directed=False)
    return na + nb - n_comp


@dataclass
class _WithinFit:
    params: np.ndarray
    vcov: np.ndarray
    vcov_classical: np.ndarray
    resid: np.ndarray
    df_resid: int
    n_clusters: int
    r2: float
    names: list[str]


def _within_ols(
    d: pd.DataFrame,
    outcome: str,
    regs: Sequence[str],
    fe: Sequence[str] = ("city", "year"),
    cluster: str = "city",
) -> _WithinFit:
    """OLS with absorbed fixed effects; CRV1 covariance ``G/(G-1) (N-1)/(N-K)``, K counting
    every fixed effect (as OLS with dummies in statsmodels or Stata's ``regress``)."""
    codes = [d[f].astype("category").cat.codes.to_numpy() for f in fe]
    y = d[outcome].to_numpy(dtype=float)
    X = d[list(regs)].to_numpy(dtype=float)
    Z = demean(np.column_stack([y, X]), codes)
    yt, Xt = Z[:, 0], Z[:, 1:]
    B = Xt.T @ Xt
    Binv = np.linalg.inv(B)
    beta = Binv @ (Xt.T @ yt)
    e = yt - Xt @ beta
    n, k = Xt.shape
    K = k + _fe_rank(codes)
    df = n - K
    g = d[cluster].astype("category").cat.codes.to_numpy()
    G = int(g.max() + 1)
    scores = np.zeros((G, k))
    np.add.at(scores, g, Xt * e[:, None])
    meat = scores.T @ scores
    c = G / (G - 1) * (n - 1) / df
    tss = float(((y - y.mean()) ** 2).sum())
    return _WithinFit(
        params=beta,
        vcov=c * Binv @ meat @ Binv,
        vcov_classical=float(e @ e) / df * Binv,
        resid=e,
        df_resid=int(df),
        n_clusters=G,
        r2=1 - float(e @ e) / tss if tss > 0 else float("nan"),
        names=list(regs),
    )


def fit_within(
    panel: pd.DataFrame,
    outcome: str,
    exposure: str,
    controls: Sequence[str] = (),
    spec: str = "",
    bootstrap: int = 0,
    seed: int = 0,
    weights: str = "rademacher",
    alpha: float = 0.05,
    min_waves: int = 2,
) -> CohesionEstimate:
    """Within-city association: city and wave fixed effects, SEs clustered by city.

    Uses the city-waves where the outcome, the exposure and the controls are observed, of
    cities observed in at least ``min_waves`` such waves: a city seen once (a singleton
    of the city fixed effect) carries no within-city information; it leaves the estimate
    unchanged but would inflate the number of observations, so it is dropped, as fixest,
    pyfixest and reghdfe do. ``n_obs_with_both`` and ``n_units_with_both`` count every
    city-wave with the variables, ``n_obs`` and ``n_units`` those used.

    Estimated with the project's absorbed fixed-effects estimator
    :func:`urbansec_lib.fixed_effects.feols` (CRV1 by city with fixest's small-sample
    correction, which does not count the city effects nested in the clusters; t(G-1)
    intervals) when it is available, else by absorbing the fixed effects here
    (:func:`demean`) with CRV1 ``G/(G-1) (N-1)/(N-K)``, K counting every fixed effect (as
    OLS with dummies), t(G-1) intervals. ``bootstrap > 0`` adds the wild cluster bootstrap
    of the exposure's coefficient (:meth:`FEOLSResult.wild_bootstrap`: ``weights``,
    ``bootstrap`` draws, ``seed``, null imposed) where available; otherwise it is marked as
    not computed. The classical t-statistic, residual degrees of freedom (every fixed
    effect counted) and R squared are those of the absorbed fit (for the omitted-variable
    sensitivity).

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"city": np.repeat([f"C{i}" for i in range(30)], 3),
    ...                   "year": np.tile([2009, 2012, 2015], 30)})
    >>> d["trust_city"] = rng.normal(50, 10, 90)
    >>> d["safe_city"] = 0.5 * d["trust_city"] + rng.normal(0, 1, 90)
    >>> round(fit_within(d, "safe_city", "trust_city").estimate, 1)
    0.5
    """
    cols = [outcome, exposure, *controls]
    full = _sample(panel, cols)
    nw = full.groupby("city")["year"].transform("nunique")
    d = full[nw >= min_waves]
    if d["city"].nunique() < 3 or d["year"].nunique() < 2:
        raise ValueError(f"{spec or outcome}: too few cities or waves for a within estimate")
    regs = [exposure, *controls]
    own = _within_ols(d, outcome, regs)
    j = regs.index(exposure)
    t_classical = float(own.params[j] / np.sqrt(own.vcov_classical[j, j]))
    feols = _feols()
    wild = None
    n_obs, n_units = len(d), int(d["city"].nunique())
    if feols is not None:
        fit = feols(
            d, outcome, regs, fe=["city", "year"], cluster="city", ssc="fixest", alpha=alpha
        )
        est = float(fit.params[exposure])
        se = float(fit.se[exposure])
        lo, hi = float(fit.ci.loc[exposure, "ci_low"]), float(fit.ci.loc[exposure, "ci_high"])
        pv = float(fit.pvalue[exposure])
        n_obs, n_units = int(fit.n), int(fit.n_clusters)
        method = (
            "urbansec_lib.fixed_effects.feols: absorbed city and wave fixed effects, CRV1 by "
            f"city (fixest small-sample correction, k = {fit.df_k}), t with {fit.df_resid} df"
        )
        if bootstrap:
            wb = fit.wild_bootstrap(exposure, weights=weights, B=bootstrap, seed=seed)
            wild = {
                "pvalue": float(wb.pvalue),
                "ci_low": float(wb.ci[0]),
                "ci_high": float(wb.ci[1]),
                "B": int(bootstrap),
                "weights": weights,
                "seed": int(seed),
                "impose_null": bool(wb.impose_null),
                "full_enumeration": bool(wb.full_enumeration),
            }
    else:
        est = float(own.params[j])
        se = float(np.sqrt(own.vcov[j, j]))
        tcrit = stats.t.ppf(1 - alpha / 2, own.n_clusters - 1)
        lo, hi = est - tcrit * se, est + tcrit * se
        pv = float(2 * stats.t.sf(abs(est / se), own.n_clusters - 1))
        method = (
            "absorbed city and wave fixed effects (alternating projections), CRV1 by city "
            "(every fixed effect counted)"
        )
        if bootstrap:
            wild = {
                "pvalue": None,
                "ci_low": None,
                "ci_high": None,
                "B": 0,
                "weights": weights,
                "seed": int(seed),
                "note": "not computed: the wild cluster bootstrap estimator is not available",
            }
    return CohesionEstimate(
        spec=spec or f"within: {outcome} ~ {exposure}",
        outcome=outcome,
        exposure=exposure,
        design="within",
        estimate=est,
        se=se,
        ci_low=float(lo),
        ci_high=float(hi),
        pvalue=pv,
        n_units=n_units,
        n_obs=n_obs,
        years=sorted(int(y) for y in d["year"].unique()),
        t_classical=t_classical,
        df_resid=float(own.df_resid),
        r2=own.r2,
        controls=tuple(controls),
        n_units_with_both=int(full["city"].nunique()),
        n_obs_with_both=len(full),
        wild=wild,
        method=method,
    )


def _ols_formula_fit(d: pd.DataFrame, outcome: str, terms: list[str], cluster: str | None):
    import statsmodels.formula.api as smf

    rhs = " + ".join(terms) if terms else "1"
    mod = smf.ols(f"{outcome} ~ {rhs}", data=d)
    if cluster is not None and d[cluster].nunique() < len(d):
        g = d[cluster].astype("category").cat.codes.to_numpy()
        return mod.fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)
    return mod.fit(cov_type="HC1", use_t=True)


def fit_between(
    panel: pd.DataFrame,
    outcome: str,
    exposure: str,
    controls: Sequence[str] = (),
    spec: str = "",
    sample: Sequence[str] = (),
) -> CohesionEstimate:
    """Between-city association: pooled city-waves with wave fixed effects and controls.

    ``controls`` may name numeric columns (e.g. ``log_crime``) or categorical ones
    (``size_class``, ``country``: dummies). ``sample`` lists extra columns that must be
    observed (to compare specifications on the same city-waves). Standard errors
    clustered by city (statsmodels CRV1, t(G-1) intervals).

    Example
    -------
    >>> d = pd.DataFrame({"city": list("ABCDEFGH"), "year": 2012,
    ...                   "trust_city": [30., 40, 50, 60, 70, 80, 35, 65]})
    >>> d["safe_city"] = 20 + 0.8 * d["trust_city"] + [1, -1, 0.5, -0.5, 0, 1, -1, 0]
    >>> round(fit_between(d, "safe_city", "trust_city").estimate, 1)
    0.8
    """
    cols = [outcome, exposure, *controls, *sample]
    d = _sample(panel, cols)
    terms = [exposure]
    for c in controls:
        terms.append(f"C({c})" if not pd.api.types.is_numeric_dtype(d[c]) else c)
    multi = d["year"].nunique() > 1
    if multi:
        terms.append("C(year)")
    res = _ols_formula_fit(d, outcome, terms, "city")
    ci = res.conf_int().loc[exposure]
    return CohesionEstimate(
        spec=spec or f"between: {outcome} ~ {exposure}",
        outcome=outcome,
        exposure=exposure,
        design="between" if multi else "cross-section",
        estimate=float(res.params[exposure]),
        se=float(res.bse[exposure]),
        ci_low=float(ci.iloc[0]),
        ci_high=float(ci.iloc[1]),
        pvalue=float(res.pvalues[exposure]),
        n_units=int(d["city"].nunique()),
        n_obs=len(d),
        years=sorted(int(y) for y in d["year"].unique()),
        t_classical=float(res.params[exposure] / _classical_se(res, exposure)),
        df_resid=float(res.df_resid),
        r2=float(res.rsquared),
        controls=tuple(controls),
        method="statsmodels OLS, "
        + ("CRV1 by city" if d["city"].nunique() < len(d) else "HC1")
        + (", wave dummies" if multi else ""),
    )


def _classical_se(res, name: str) -> float:
    s2 = res.ssr / res.df_resid
    xtx_inv = np.linalg.pinv(res.model.exog.T @ res.model.exog)
    j = list(res.model.exog_names).index(name)
    return float(np.sqrt(s2 * xtx_inv[j, j]))


def fit_cross_section(
    panel: pd.DataFrame,
    outcome: str,
    exposure: str,
    year: int,
    controls: Sequence[str] = (),
    spec: str = "",
) -> CohesionEstimate:
    """Association across cities in one wave (HC1 standard errors).

    Example
    -------
    >>> d = pd.DataFrame({"city": list("ABCDEF"), "year": 2019,
    ...                   "x": [1., 2, 3, 4, 5, 6], "y": [2., 4.1, 5.9, 8.2, 9.9, 12]})
    >>> fit_cross_section(d, "y", "x", 2019).design
    'cross-section'
    """
    d = panel[panel["year"] == year]
    return fit_between(
        d, outcome, exposure, controls, spec=spec or f"{year}: {outcome} ~ {exposure}"
    )


def primary(
    panel: pd.DataFrame, bootstrap: int = 9999, seed: int = 20261124, weights: str = "rademacher"
) -> CohesionEstimate:
    """The primary specification of issue 20.

    Outcome: % strongly or somewhat agreeing they feel safe in this city (PS3290V +
    PS3291V); exposure: % strongly or somewhat agreeing most people in this city can be
    trusted (PS3092V + PS3093V); all city-waves with both (``panel`` under the
    ``"agree"`` coding); city and wave fixed effects; SEs clustered by city, with the wild
    cluster bootstrap beside them.
    """
    return fit_within(
        panel,
        "safe_city",
        "trust_city",
        spec="Primary: within-city, feel safe in city ~ trust",
        bootstrap=bootstrap,
        seed=seed,
        weights=weights,
    )


@dataclass
class Specifications:
    """All estimates of the study, in a fixed reading order (never sorted by size)."""

    estimates: list[CohesionEstimate] = field(default_factory=list)

    def add(self, est: CohesionEstimate, group: str) -> None:
        est.note = est.note or group
        self.estimates.append(est)

    def table(self) -> pd.DataFrame:
        """Tidy table, one row per specification."""
        if not self.estimates:
            return pd.DataFrame()
        return pd.concat([e.table() for e in self.estimates], ignore_index=True)

    def plot(self) -> plt.Figure:
        """Coefficient plot across specifications."""
        return plot_coefficients(self.table())

    def __getitem__(self, spec: str) -> CohesionEstimate:
        for e in self.estimates:
            if e.spec == spec:
                return e
        raise KeyError(spec)


def specifications(
    panels: dict[str, pd.DataFrame], primary_estimate: CohesionEstimate | None = None
) -> Specifications:
    """Every specification around the primary one.

    Parameters
    ----------
    panels : dict
        Coding name -> city panel with context (:func:`add_context`), at least
        ``"agree"``; ``"strongly"`` and ``"excl_dk"`` add the alternative codings.
    primary_estimate : CohesionEstimate, optional
        Put first (computed with :func:`primary`).
    """
    p = panels["agree"]
    s = Specifications()
    if primary_estimate is not None:
        s.add(primary_estimate, "primary")
    else:
        s.add(primary(p, bootstrap=0), "primary")
    s.add(
        fit_within(
            p, "safe_neighbourhood", "trust_city", spec="Within: feel safe in neighbourhood ~ trust"
        ),
        "other outcome",
    )
    s.add(
        fit_within(
            p,
            "safe_city",
            "foreigners_integrated",
            spec="Within: feel safe in city ~ foreigners well integrated",
        ),
        "other cohesion item",
    )
    s.add(
        fit_within(
            p,
            "safe_neighbourhood",
            "trust_neighbourhood",
            spec="Within: feel safe in neighbourhood ~ trust in neighbours",
        ),
        "other cohesion item",
    )
    for coding, name in (("strongly", "strongly agree only"), ("excl_dk", "don't know excluded")):
        if coding in panels:
            s.add(
                fit_within(
                    panels[coding], "safe_city", "trust_city", spec=f"Within, coding {name}"
                ),
                "alternative coding",
            )
    if "log_crime" in p:
        s.add(
            fit_within(
                p,
                "safe_city",
                "trust_city",
                controls=["log_crime"],
                spec="Within, controlling recorded crime (NUTS 3)",
            ),
            "control",
        )
        s.add(
            fit_within(
                p,
                "crime_log100",
                "trust_city",
                spec="Within: recorded crime (NUTS 3, 100 x log) ~ trust",
            ),
            "crime as outcome",
        )
    ctx = [c for c in ("size_class", "country", "log_crime") if c in p]
    s.add(
        fit_between(
            p,
            "safe_city",
            "trust_city",
            sample=ctx,
            spec="Between, no controls (same city-waves as with controls)",
        ),
        "between",
    )
    s.add(
        fit_between(
            p,
            "safe_city",
            "trust_city",
            controls=ctx,
            spec="Between, controls: size class, country, log recorded crime",
        ),
        "between",
    )
    if "log_crime" in p:
        s.add(
            fit_between(
                p,
                "crime_log100",
                "trust_city",
                controls=[c for c in ctx if c != "log_crime"],
                spec="Between: recorded crime (100 x log) ~ trust, controls size class, country",
            ),
            "crime as outcome",
        )
    if (
        p.loc[p["year"] == 2019, ["neighbourhood_satisfaction", "safe_night_neighbourhood"]]
        .notna()
        .all(axis=1)
        .sum()
        >= 10
    ):
        s.add(
            fit_cross_section(
                p,
                "safe_night_neighbourhood",
                "neighbourhood_satisfaction",
                2019,
                spec="2019: safe at night in neighbourhood ~ neighbourhood satisfaction",
            ),
            "other cohesion item",
        )
        s.add(
            fit_cross_section(
                p, "safe_night_city", "trust_city", 2019, spec="2019: safe at night in city ~ trust"
            ),
            "other outcome",
        )
    return s


def leave_one_country_out(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> pd.DataFrame:
    """The within estimate re-estimated without each country in turn (countries A-Z).

    Returns
    -------
    DataFrame
        ``country_left_out, n_cities_left_out, estimate, se, ci_low, ci_high, n_units,
        n_obs`` (alphabetical by country: no ordering by estimate).
    """
    d = _sample(panel, [outcome, exposure])
    rows = []
    for cc in sorted(d["country"].unique()):
        e = fit_within(d[d["country"] != cc], outcome, exposure)
        rows.append(
            {
                "country_left_out": cc,
                "n_cities_left_out": int(d.loc[d["country"] == cc, "city"].nunique()),
                "estimate": e.estimate,
                "se": e.se,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "n_units": e.n_units,
                "n_obs": e.n_obs,
            }
        )
    return pd.DataFrame(rows)


def by_size_class(
    panel: pd.DataFrame,
    outcome: str = "safe_city",
    exposure: str = "trust_city",
    min_cities: int = 3,
) -> tuple[pd.DataFrame, float]:
    """Heterogeneity of the within association by city size class.

    One regression with city and wave fixed effects and the exposure interacted with the
    city's size class (``size_class_city``), SEs clustered by city (the estimator and
    conventions of :func:`fit_within`); classes with fewer than ``min_cities`` cities are
    left out. Equality of the slopes: cluster-robust Wald test, F with G - 1 denominator df.

    Returns
    -------
    (DataFrame, float)
        Per class (in size order) ``size_class, estimate, se, ci_low, ci_high, n_units,
        n_obs``, and the p-value of the Wald test that all slopes are equal.
    """
    d = _sample(panel, [outcome, exposure, "size_class_city"])
    d = d[d.groupby("city")["year"].transform("nunique") >= 2]
    order = [lab for lab, _ in SIZE_CLASSES]
    counts = d.groupby("size_class_city")["city"].nunique()
    keep = [c for c in order if counts.get(c, 0) >= min_cities]
    d = d[d["size_class_city"].isin(keep)].copy()
    regs = []
    for i, c in enumerate(keep):
        name = f"x{i}"
        d[name] = d[exposure] * (d["size_class_city"] == c)
        regs.append(name)
    feols = _feols()
    if feols is not None:  # same estimator and conventions as the primary estimate
        f = feols(d, outcome, regs, fe=["city", "year"], cluster="city", ssc="fixest")
        params, vcov, n_cl = (
            f.params[regs].to_numpy(),
            f.vcov.loc[regs, regs].to_numpy(),
            f.n_clusters,
        )
    else:
        own = _within_ols(d, outcome, regs)
        params, vcov, n_cl = own.params, own.vcov, own.n_clusters
    tcrit = stats.t.ppf(0.975, n_cl - 1)
    rows = []
    for j, c in enumerate(keep):
        sub = d[d["size_class_city"] == c]
        est, se = float(params[j]), float(np.sqrt(vcov[j, j]))
        rows.append(
            {
                "size_class": c,
                "estimate": est,
                "se": se,
                "ci_low": est - tcrit * se,
                "ci_high": est + tcrit * se,
                "n_units": int(sub["city"].nunique()),
                "n_obs": len(sub),
            }
        )
    if len(regs) > 1:
        R = np.zeros((len(regs) - 1, len(regs)))
        R[:, 0] = 1.0
        R[np.arange(len(regs) - 1), np.arange(1, len(regs))] = -1.0
        diff = R @ params
        W = float(diff @ np.linalg.solve(R @ vcov @ R.T, diff))
        q = len(regs) - 1
        p_equal = float(stats.f.sf(W / q, q, n_cl - 1))
    else:
        p_equal = float("nan")
    return pd.DataFrame(rows), p_equal


def omitted_variable_sensitivity(
    within: CohesionEstimate, short: CohesionEstimate, long: CohesionEstimate
) -> tuple[RobustnessValue, float]:
    """Cinelli & Hazlett robustness value of the within estimate and Oster's delta.

    ``within`` gets the robustness value (from its classical t and residual degrees of
    freedom, fixed effects counted); Oster's delta compares the between-city estimate
    without (``short``) and with (``long``) the context controls on the same city-waves
    (R_max = min(1.3 R squared, 1)).
    """
    rv = robustness_value(within.t_classical, within.df_resid)
    delta = oster_delta(short.estimate, short.r2, long.estimate, long.r2)
    return rv, delta


def partial_regression(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> pd.DataFrame:
    """Outcome and exposure residualised on city and wave fixed effects (Frisch-Waugh-Lovell).

    The slope of ``outcome_resid`` on ``exposure_resid`` is the within estimate.

    Returns
    -------
    DataFrame
        ``city, year, exposure_resid, outcome_resid``.
    """
    d = _sample(panel, [outcome, exposure])
    d = d[d.groupby("city")["year"].transform("nunique") >= 2]
    out = d[["city", "year"]].copy()
    codes = [d[f].astype("category").cat.codes.to_numpy() for f in ("city", "year")]
    z = demean(d[[exposure, outcome]].to_numpy(dtype=float), codes)
    out["exposure_resid"], out["outcome_resid"] = z[:, 0], z[:, 1]
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------- figures
def _source_note(fig: plt.Figure, years: Iterable[int], extra: str = "") -> None:
    ys = ", ".join(str(int(y)) for y in sorted(set(years)))
    text = f"Source: {SOURCE_PERCEP}, waves {ys}." + (f" {extra}" if extra else "")
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, wrap=True)


def plot_within_changes(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> plt.Figure:
    """Each city's move from wave to wave in (exposure, outcome), as arrows.

    One panel per pair of consecutive waves; arrows start at the earlier wave. Cities are
    not labelled (no ranking); the colour says whether both moved the same way.
    """
    from ..presentation.plots import set_style

    set_style()
    d = _sample(panel, [outcome, exposure]).sort_values(["city", "year"])
    nxt = d.groupby("city")[["year", exposure, outcome]].shift(-1)
    seg = d.assign(year2=nxt["year"], x2=nxt[exposure], y2=nxt[outcome]).dropna(subset=["year2"])
    seg["year2"] = seg["year2"].astype(int)
    pairs = sorted(set(zip(seg["year"], seg["year2"])))
    fig, axes = plt.subplots(
        1,
        max(len(pairs), 1),
        figsize=(5.2 * max(len(pairs), 1), 4.6),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for ax, (y1, y2) in zip(axes[0], pairs):
        s = seg[(seg["year"] == y1) & (seg["year2"] == y2)]
        same = np.sign(s["x2"] - s[exposure]) == np.sign(s["y2"] - s[outcome])
        for ok, colour, lab in (
            (True, "#1b6ca8", "both rose or both fell"),
            (False, "#c0504d", "moved in opposite directions"),
        ):
            t = s[same == ok]
            ax.quiver(
                t[exposure],
                t[outcome],
                t["x2"] - t[exposure],
                t["y2"] - t[outcome],
                angles="xy",
                scale_units="xy",
                scale=1,
                width=0.004,
                color=colour,
                alpha=0.75,
                label=f"{lab} ({len(t)} cities)",
            )
        ax.set_title(f"{y1} to {y2}")
        ax.set_xlabel(f"{_label(exposure)}")
        ax.legend(loc="lower right", fontsize=8)
    axes[0][0].set_ylabel(_label(outcome))
    allx = pd.concat([seg[exposure], seg["x2"]])
    ally = pd.concat([seg[outcome], seg["y2"]])
    if len(allx):
        axes[0][0].set_xlim(allx.min() - 3, allx.max() + 3)
        axes[0][0].set_ylim(ally.min() - 3, ally.max() + 3)
    fig.suptitle("How trust and feeling safe moved within each city, wave to wave")
    fig.tight_layout()
    _source_note(fig, d["year"], "One arrow per city, from the earlier to the later wave.")
    return fig


def plot_coefficients(table: pd.DataFrame) -> plt.Figure:
    """Estimates with 95 % intervals, one row per specification, in the table's order."""
    from ..presentation.plots import set_style

    set_style()
    t = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.6))
    y = np.arange(len(t))[::-1]
    colours = np.where(t["design"] == "within", "#1b6ca8", "#7f7f7f")
    ax.hlines(y, t["ci_low"], t["ci_high"], colors=colours, lw=1.8)
    ax.scatter(t["estimate"], y, c=colours, zorder=3)
    ax.axvline(0, color="#3d3d3d", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{s} (n={n})" for s, n in zip(t["spec"], t["n_obs"])], fontsize=8)
    ax.set_xlabel(
        "Change in outcome per 1-point change in exposure\n"
        "(percentage points; log points x 100 for crime), with 95 % interval"
    )
    ax.set_title("Association of social cohesion with (feeling) safe, across specifications")
    years = sorted({int(v) for ys in t["years"] for v in str(ys).split(", ") if v})
    _source_note(
        fig,
        years,
        "Blue: within cities (city and wave fixed effects); grey: between "
        "cities or one wave. Crime: Eurostat crim_gen_reg. Specifications in a fixed order.",
    )
    fig.tight_layout()
    return fig


def plot_partial_regression(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> plt.Figure:
    """Partial-regression (added-variable) scatter of the within estimate."""
    from ..presentation.plots import set_style

    set_style()
    pr = partial_regression(panel, outcome, exposure)
    slope = float(np.polyfit(pr["exposure_resid"], pr["outcome_resid"], 1)[0])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.scatter(
        pr["exposure_resid"],
        pr["outcome_resid"],
        s=14,
        alpha=0.6,
        color="#1b6ca8",
        label="city-wave",
    )
    xs = np.linspace(pr["exposure_resid"].min(), pr["exposure_resid"].max(), 20)
    ax.plot(xs, slope * xs, color="#3d3d3d", label=f"slope {slope:.2f}")
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    ax.axvline(0, color="#bbbbbb", lw=0.6)
    ax.set_xlabel(f"{_label(exposure)}:\ndeviation from city and wave means (percentage points)")
    ax.set_ylabel(
        f"{ITEMS[outcome].label if outcome in ITEMS else outcome}:\n"
        "deviation from city and wave means (points)"
    )
    ax.set_title("Within-city association, net of city and wave fixed effects")
    ax.legend(fontsize=8)
    _source_note(fig, pr["year"], f"{pr['city'].nunique()} cities, {len(pr)} city-waves.")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------- unit section
def unit_trajectory(
    panel: pd.DataFrame, city: str | None, items: Sequence[str] = ("trust_city", "safe_city")
) -> pd.DataFrame:
    """A city's values per wave next to its peers (same size class) and all cities.

    Peers are the other panel cities of the city's size class (``size_class_city``, or all
    cities where it has none). No position or rank is computed: the peers' median and
    interquartile range are given beside the city's own value.

    Returns
    -------
    DataFrame
        ``year, item, value, peer_q25, peer_median, peer_q75, n_peers``; empty when the city
        has no urb_percep data.
    """
    if not city or city not in set(panel["city"]):
        return pd.DataFrame(
            columns=["year", "item", "value", "peer_q25", "peer_median", "peer_q75", "n_peers"]
        )
    own = panel[panel["city"] == city]
    cls = (
        own["size_class_city"].dropna().iloc[0]
        if "size_class_city" in own and own["size_class_city"].notna().any()
        else None
    )
    peers = panel[panel["city"] != city]
    if cls is not None:
        peers = peers[peers["size_class_city"] == cls]
    rows = []
    for item in items:
        for _, r in own.dropna(subset=[item]).iterrows():
            pv = peers.loc[peers["year"] == r["year"], item].dropna()
            rows.append(
                {
                    "year": int(r["year"]),
                    "item": item,
                    "value": float(r[item]),
                    "peer_q25": pv.quantile(0.25) if len(pv) >= 3 else np.nan,
                    "peer_median": pv.median() if len(pv) >= 3 else np.nan,
                    "peer_q75": pv.quantile(0.75) if len(pv) >= 3 else np.nan,
                    "n_peers": int(len(pv)),
                    "peer_group": cls or "all cities",
                }
            )
    return pd.DataFrame(rows)


def trajectory_table(traj: pd.DataFrame) -> pd.DataFrame:
    """Readable wide form of :func:`unit_trajectory`: one row per wave (years ascending).

    Example
    -------
    >>> t = pd.DataFrame({"year": [2012, 2012], "item": ["trust_city", "safe_city"],
    ...                   "value": [50.0, 70.0], "peer_median": [45.0, 72.0]})
    >>> trajectory_table(t).columns.tolist()[:2]
    ['Trust (% agree): this city', "Trust (% agree): peers' median"]
    """
    names = {"trust_city": "Trust (% agree)", "safe_city": "Feel safe in the city (% agree)"}
    cols = {}
    for item in [i for i in names if i in set(traj["item"])]:
        sub = traj[traj["item"] == item].set_index("year").sort_index()
        cols[f"{names[item]}: this city"] = sub["value"]
        cols[f"{names[item]}: peers' median"] = sub["peer_median"]
    out = pd.DataFrame(cols)
    out.index = out.index.astype(int)
    out.index.name = "wave"
    return out.sort_index()


def plot_unit_trajectory(traj: pd.DataFrame, name: str) -> plt.Figure:
    """The unit's trust and feeling safe wave to wave (arrows) against its peers' medians."""
    from ..presentation.plots import set_style

    set_style()
    w = traj.pivot_table(index="year", columns="item", values=["value", "peer_median"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for kind, colour, lab in (
        ("value", "#1b6ca8", name),
        ("peer_median", "#7f7f7f", "peers' median"),
    ):
        if kind not in w or "trust_city" not in w[kind] or "safe_city" not in w[kind]:
            continue
        pts = w[kind][["trust_city", "safe_city"]].dropna()
        ax.plot(pts["trust_city"], pts["safe_city"], "o", color=colour, label=lab)
        for (_, a), (_, b) in zip(pts.iloc[:-1].iterrows(), pts.iloc[1:].iterrows()):
            ax.annotate(
                "",
                xy=(b["trust_city"], b["safe_city"]),
                xytext=(a["trust_city"], a["safe_city"]),
                arrowprops={"arrowstyle": "->", "color": colour},
            )
        for y, r in pts.iterrows():
            ax.annotate(
                str(int(y)),
                (r["trust_city"], r["safe_city"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
                color=colour,
            )
    ax.set_xlabel(ITEMS["trust_city"].label)
    ax.set_ylabel(ITEMS["safe_city"].label)
    ax.set_title(f"Trust and feeling safe in {name}, wave to wave, against peers")
    ax.legend(fontsize=8)
    both = traj.pivot_table(index="year", columns="item", values="value").dropna()
    _source_note(fig, both.index, f"Peers: {traj['peer_group'].iloc[0]}.")
    fig.tight_layout()
    return fig


def design_statement(est: CohesionEstimate, rv: RobustnessValue | None = None) -> str:
    """What the design can and cannot say (Markdown)."""
    ys = ", ".join(str(y) for y in est.years)
    txt = (
        f"**What this can say.** Across the {est.n_units} cities with both questions in the "
        f"waves {ys}, "
        "the within-city estimate describes whether cities where the share trusting "
        "most people rose also saw the share feeling safe rise, net of everything about a "
        "city that does not change between waves and of what all cities shared in a wave. "
        "It is an association between city-level shares.\n\n"
        "**What it cannot say.** It is not an individual effect: nothing here shows that a "
        "person who trusts others feels safer (that would be the ecological fallacy). It is "
        "not a causal effect: trust was not assigned, anything that moves both shares within "
        "a city between waves (a local event, economic change, a change in who answers) can "
        "produce the association, and safety may as well drive trust. With three waves at "
        "most per city, changes are short and measured with sampling error (a few hundred "
        "respondents per city and wave), which biases the estimate towards zero. "
        "Recorded crime is that of the NUTS 3 region, often larger than the city, and "
        "recording practice differs between countries. A causal claim would need a design "
        "that supports one (e.g. an intervention on cohesion with a comparison group)."
    )
    if rv is not None:
        txt += "\n\n**Omitted variables.** " + rv.summary()
    return txt


def unit_section(cdata: CohesionData, unit: dict) -> tuple[str, pd.DataFrame, plt.Figure | None]:
    """The city report's section: how the unit's trust and feeling safe moved against peers.

    Parameters
    ----------
    cdata : CohesionData
    unit : dict
        Registry row of the unit (``urau_code``, ``name``).

    Returns
    -------
    (str, DataFrame, Figure or None)
        Markdown text, the :func:`unit_trajectory` table and its figure (None without data).
    """
    code = unit.get("urau_code")
    code = code if isinstance(code, str) and code else None
    traj = unit_trajectory(cdata.panel, code)
    if traj.empty:
        return (
            f"_{unit.get('name', 'This unit')} has no Eurostat urb_percep data (the Quality of "
            "Life in European Cities survey covers selected cities, identified by an Urban "
            "Audit city code): this section cannot be shown._",
            traj,
            None,
        )
    t = traj.pivot_table(index="year", columns="item", values="value")
    text = (
        f"Share of residents of {unit.get('name')} who agree most people in the city can be "
        "trusted, and who feel safe in the city, in each Quality of Life survey wave, next to "
        f"the median of its peers ({traj['peer_group'].iloc[0]}, "
        f"{int(traj['n_peers'].max())} other cities). "
    )
    both = t.dropna()
    if len(both) >= 2:
        a, b = both.index[-2], both.index[-1]
        d_tr = both.loc[b, "trust_city"] - both.loc[a, "trust_city"]
        d_sf = both.loc[b, "safe_city"] - both.loc[a, "safe_city"]
        text += (
            f"Between {a} and {b}, trust moved {d_tr:+.1f} points and feeling safe "
            f"{d_sf:+.1f} points. Across all cities the study finds that, within a city, "
            "the two tend to move together; this is an association between city shares, "
            "not an effect."
        )
    text += (
        " Levels shift between 2009 and 2012 in most cities (the survey changed contractor), "
        "so read a move against the peers' median, which shifts too."
    )
    return text, traj, plot_unit_trajectory(traj, unit.get("name", code))
