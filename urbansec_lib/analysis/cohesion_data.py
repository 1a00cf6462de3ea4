"""The Eurostat inputs of the social-cohesion analysis: questions, codings, code lists, readers.

Part of :mod:`urbansec_lib.analysis.social_cohesion` (its public face; see it for the
codings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_frame
from ..core.schema import Column, TableSchema, Unique

SOURCE_PERCEP = "Eurostat urb_percep (Quality of Life in European Cities survey)"
SOURCE_CONTEXT = (
    "Eurostat urb_cpop1 (city population), GISCO Urban Audit 2021 (city -> NUTS 3 2021), "
    "Eurostat crim_gen_reg (police-recorded offences per 100,000 inhabitants of the NUTS 3 region)"
)

#: The repo's raw-data folder (``public/`` holds the Eurostat extracts; used by examples).
_DEMO_RAW = Path(__file__).resolve().parents[2] / "data" / "raw"


@dataclass(frozen=True)
class Item:
    """One urb_percep question: its 5 answer codes and the text Eurostat's code list uses.

    Examples
    --------
    >>> it = ITEMS["trust_city"]
    >>> it.codes[:2], it.role
    (('PS3092V', 'PS3093V'), 'cohesion')
    """

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
    >>> lk = read_city_lookup(default_path("lookup"))
    >>> lk.set_index("city").loc["AT001C", ["name", "nuts3"]].tolist()
    ['Wien', 'AT130']
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
    >>> pop = read_city_population(default_path("population", _DEMO_RAW))
    >>> pop[["city", "year", "population"]].head(1).values.tolist()
    [['AT001C', 2013, 1741246.0]]
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
