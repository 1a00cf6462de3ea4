"""The registry of official unit codes: Urban Audit cities, NUTS 2021 regions and LAU 2019.

Every unit a study runs on is identified by an official code, checked against real
published lists packaged with urbansec (``urbansec_lib/codelists/``, provenance in
``PROVENANCE.txt`` there):

* **Urban Audit cities** (current, 2020+ code list, e.g. ``PL013C``): name, country,
  NUTS 3 2021, population (Eurostat ``urb_cpop1``, with its own year);
* **NUTS 2021 regions**, levels 0-3 (e.g. ``PL613``): name, level, country, urban-rural type;
* **LAU 2019 municipalities**, by GISCO id (country + ``_`` + national LAU code, e.g.
  ``BE_21001``): name, NUTS 3 (2016 version), population (2019), degree of urbanisation.

:meth:`Registry.lookup` returns a :class:`UnitRecord` or raises :class:`UnknownUnitError`
naming the nearest codes; :meth:`Registry.check` also refuses a code whose official name
is not the name given ("PL011C is Białystok, not Toruń; did you mean PL013C (Toruń)?").
:func:`register_unit` writes a registered unit into a workspace's unit table, so a unit
table never has to be edited by hand.

Example
-------
>>> reg = load_registry()
>>> rec = reg.lookup("PL013C")
>>> rec.name, rec.level, rec.nuts3, rec.population_year
('Toruń', 'city', 'PL613', 2018)
>>> reg.lookup("PL613").name
'Bydgosko-toruński'
>>> try:
...     reg.check("PL011C", name="Torun")
... except UnknownUnitError as exc:
...     print(exc.problems[0].expected)
PL011C is Białystok, not Torun; did you mean PL013C (Toruń), PL_1004041066301 (Toruń)?
"""

from __future__ import annotations

import csv
import difflib
import functools
import gzip
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import Problem, ValidationError
from .unit_codes import (
    UNIT_ID_PATTERN,
    UNITS_COLUMNS,
    check_unit_id,
    code_kind,
    normalise_name,
    valid_unit_id,
)

__all__ = [
    "UNIT_ID_PATTERN",
    "UnitRecord",
    "UnknownUnitError",
    "Registry",
    "load_registry",
    "register_unit",
    "valid_unit_id",
    "check_unit_id",
    "code_kind",
    "normalise_name",
    "UNITS_COLUMNS",
]


@dataclass(frozen=True)
class UnitRecord:
    """One unit as the official lists describe it.

    Attributes
    ----------
    unit_id : str
        The official code (Urban Audit city code, NUTS 2021 code or LAU GISCO id).
    name : str
        Official name (national spelling with diacritics where the list has it).
    level : str
        ``city``, ``lau``, ``nuts0``, ``nuts1``, ``nuts2`` or ``nuts3``.
    country : str
        Two-letter country code.
    nuts3 : str or None
        NUTS 3 region the unit lies in (for a NUTS 3 unit its own code).
    nuts_version : str or None
        Version of ``nuts3`` (``2021``; ``2016`` for LAU units).
    population, population_year, population_source
        Latest published population, its reference year and source (None when unknown).
    urau_code : str or None
        Urban Audit city code (cities only).
    urban_type : int or None
        NUTS 3 urban-rural typology (1 predominantly urban, 2 intermediate, 3 rural) or the
        LAU degree of urbanisation (1 city, 2 town/suburb, 3 rural).
    sources : tuple of str
        The code lists the record comes from.

    Examples
    --------
    >>> r = load_registry().lookup("ES300")
    >>> r.unit_id, r.level
    ('ES300', 'nuts3')
    """

    unit_id: str
    name: str
    level: str
    country: str
    nuts3: str | None = None
    nuts_version: str | None = None
    population: float | None = None
    population_year: int | None = None
    population_source: str | None = None
    urau_code: str | None = None
    urban_type: int | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)

    def to_units_row(self, *, pilot: bool = False, notes: str = "") -> dict[str, str]:
        """The record as a row of a workspace's units table (``units.csv`` layout).

        Example
        -------
        >>> load_registry().lookup("PL013C").to_units_row()["nuts3"]
        'PL613'
        """
        level = {"city": "city", "lau": "LAU"}.get(self.level, self.level.upper())
        pop = "" if self.population is None else f"{self.population:.0f}"
        return {
            "unit_id": self.unit_id,
            "name": self.name,
            "level": level,
            "country": self.country,
            "nuts3": self.nuts3 or "",
            "urau_code": self.urau_code or "",
            "population": pop,
            "population_source": self.population_source or "",
            "pilot": "true" if pilot else "false",
            "notes": notes,
        }

    def as_dict(self) -> dict:
        """Plain ``dict`` of the record's fields."""
        return asdict(self)


class UnknownUnitError(ValidationError):
    """A code that is not in the official lists, or whose official name differs.

    Examples
    --------
    >>> try:
    ...     load_registry().lookup("XX999")
    ... except UnknownUnitError as e:
    ...     print(type(e).__name__, e.problems[0].column)
    UnknownUnitError unit_id
    """


def _opt(v) -> str | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)


def _files():
    return resources.files("urbansec_lib") / "codelists"


class Registry:
    """The official code lists, indexed for lookup and nearest-match suggestions.

    Parameters
    ----------
    cities, nuts : DataFrame
        The packaged Urban Audit city table and NUTS 2021 attribute table (see
        :func:`load_registry`).
    lau : DataFrame, optional
        The LAU 2019 table; read on first use when not given.

    Example
    -------
    >>> reg = load_registry()
    >>> "PL013C" in reg, "XX999C" in reg
    (True, False)
    """

    def __init__(
        self, cities: pd.DataFrame, nuts: pd.DataFrame, lau: pd.DataFrame | None = None
    ) -> None:
        self.cities = cities.set_index("urau_code", drop=False)
        self.nuts = nuts.set_index("NUTS_ID", drop=False)
        self._lau = lau.set_index("gisco_id", drop=False) if lau is not None else None

    @property
    def lau(self) -> pd.DataFrame:
        """The LAU 2019 table (read from the package on first use)."""
        if self._lau is None:
            with gzip.open(_files() / "lau2019.csv.gz", "rt", encoding="utf-8") as fh:
                lau = pd.read_csv(fh, dtype=str, keep_default_na=False)
            self._lau = lau.set_index("gisco_id", drop=False)
        return self._lau

    # ------------------------------------------------------------------ lookup
    def __contains__(self, code: object) -> bool:
        try:
            self.lookup(str(code))
        except UnknownUnitError:
            return False
        return True

    def lookup(self, code: str) -> UnitRecord:
        """The official record of ``code``.

        Raises
        ------
        UnknownUnitError
            ``code`` is in none of the lists; the message names the nearest codes.

        Example
        -------
        >>> load_registry().lookup("DE001C").nuts3
        'DE300'
        """
        code = str(code).strip()
        kind = code_kind(code)
        if kind == "city" and code in self.cities.index:
            return self._city(self.cities.loc[code])
        if kind == "nuts" and code in self.nuts.index:
            return self._nuts(self.nuts.loc[code])
        if kind == "lau" and code in self.lau.index:
            return self._lau_record(self.lau.loc[code])
        raise UnknownUnitError([Problem("unit registry", None, "unit_id", code, self._why(code))])

    def check(self, code: str, name: str | None = None) -> UnitRecord:
        """:meth:`lookup`, and refuse ``code`` when ``name`` is not its official name.

        Names compare accent- and case-insensitively, against the national and the Latin
        spelling of every list that names the unit.

        Example
        -------
        >>> load_registry().check("PL013C", name="Torun").name
        'Toruń'
        """
        rec = self.lookup(code)
        if name is None or not str(name).strip():
            return rec
        if normalise_name(name) in {normalise_name(n) for n in self._names_of(rec)}:
            return rec
        near = [r for r in self.search(name, n=3) if r.unit_id != rec.unit_id]
        hint = (
            "; did you mean " + ", ".join(f"{r.unit_id} ({r.name})" for r in near) if near else ""
        )
        raise UnknownUnitError(
            [
                Problem(
                    "unit registry", None, "name", name, f"{code} is {rec.name}, not {name}{hint}?"
                )
            ]
            if hint
            else [Problem("unit registry", None, "name", name, f"{code} is {rec.name}, not {name}")]
        )

    def search(
        self, text: str, n: int = 5, *, kinds: Iterable[str] | None = None
    ) -> list[UnitRecord]:
        """Units whose code or name is nearest to ``text`` (accent-insensitive).

        Exact codes come first, then exact names, then names that start with ``text``, then
        close spellings (:func:`difflib.get_close_matches`). LAU municipalities are searched
        only after cities and regions, by exact or prefix name.

        Example
        -------
        >>> [r.unit_id for r in load_registry().search("Torun", n=2)]
        ['PL013C', 'PL_1004041066301']
        """
        kinds = set(kinds or ("city", "nuts", "lau"))
        text = str(text).strip()
        out: list[UnitRecord] = []

        def add(recs: Iterable[UnitRecord]) -> None:
            for r in recs:
                if r.unit_id not in {o.unit_id for o in out}:
                    out.append(r)

        if text in self:
            add([self.lookup(text)])
        key = normalise_name(text)
        names = self._name_index(kinds - {"lau"})
        add(self.lookup(c) for c in names.get(key, []))
        add(self.lookup(c) for k, cs in names.items() if k.startswith(key) and k != key for c in cs)
        for k in difflib.get_close_matches(key, list(names), n=n, cutoff=0.75):
            add(self.lookup(c) for c in names[k])
        if "lau" in kinds and len(out) < n:
            lau = self._lau_names()
            hit = lau.index[lau == key].tolist()
            if len(hit) < n:
                hit += lau.index[lau.str.startswith(key) & (lau != key)].tolist()
            add(self._lau_record(self.lau.loc[c]) for c in hit[:n])
        return out[:n]

    def units(self, level: str | None = None, country: str | None = None) -> pd.DataFrame:
        """Every city and NUTS region of the lists as a units table (``units.csv`` layout).

        LAU municipalities are left out unless ``level="lau"`` is asked for.

        Example
        -------
        >>> t = load_registry().units(level="nuts3", country="PL")
        >>> len(t), t.loc[t.unit_id == "PL613", "name"].item()
        (73, 'Bydgosko-toruński')
        """
        if level == "lau":
            recs = [self._lau_record(r) for _, r in self.lau.iterrows()]
        else:
            recs = [self._city(r) for _, r in self.cities.iterrows()]
            recs += [self._nuts(r) for _, r in self.nuts.iterrows()]
            if level is not None:
                recs = [r for r in recs if r.level == level]
        if country is not None:
            recs = [r for r in recs if r.country == country]
        cols = list(UNITS_COLUMNS)
        return pd.DataFrame([r.to_units_row() for r in recs], columns=cols)

    # ------------------------------------------------------------------ records
    def _city(self, r: pd.Series) -> UnitRecord:
        name = _opt(r["name_gisco2021"]) or _opt(r["name_eurostat_dic"]) or _opt(r["name_mcc2020"])
        pop = _opt(r["pop_latest"])
        year = _opt(r["pop_latest_year"])
        flag = _opt(r["pop_latest_flag"])
        src = None
        if pop is not None:
            src = f"Eurostat urb_cpop1 DE1001V, {year}" + (f" (flag {flag})" if flag else "")
        nuts3 = _opt(r["nuts3_2021"])
        urban = None
        if nuts3 and nuts3 in self.nuts.index:
            urban = int(self.nuts.at[nuts3, "URBN_TYPE"]) or None
        sources = tuple(
            s
            for s, col in (
                ("Eurostat cities.dic", "in_eurostat_dic"),
                ("GISCO Urban Audit 2021", "in_gisco2021"),
                ("MCC-EUcityTRM 2020", "in_mcc2020"),
                ("Eurostat urb_cpop1", "in_urb_cpop1_2013_2022"),
            )
            if str(r[col]) == "1"
        )
        return UnitRecord(
            unit_id=r["urau_code"],
            name=name or r["urau_code"],
            level="city",
            country=_opt(r["cntr_code"]) or r["code_prefix"],
            nuts3=nuts3,
            nuts_version="2021" if nuts3 else None,
            population=float(pop) if pop is not None else None,
            population_year=int(year) if year is not None else None,
            population_source=src,
            urau_code=r["urau_code"],
            urban_type=urban,
            sources=sources,
        )

    def _nuts(self, r: pd.Series) -> UnitRecord:
        level = int(r["LEVL_CODE"])
        urban = int(r["URBN_TYPE"]) if level == 3 and int(r["URBN_TYPE"]) else None
        return UnitRecord(
            unit_id=r["NUTS_ID"],
            name=r["NAME_LATN"],
            level=f"nuts{level}",
            country=r["CNTR_CODE"],
            nuts3=r["NUTS_ID"] if level == 3 else None,
            nuts_version="2021" if level == 3 else None,
            urban_type=urban,
            sources=("GISCO NUTS 2021",),
        )

    def _lau_record(self, r: pd.Series) -> UnitRecord:
        pop = _opt(r["population"])
        deg = _opt(r["degurba"])
        return UnitRecord(
            unit_id=r["gisco_id"],
            name=_opt(r["lau_name_national"]) or r["lau_name_latin"],
            level="lau",
            country=r["country"],
            nuts3=_opt(r["code_2016"]),
            nuts_version="2016",
            population=float(pop) if pop is not None else None,
            population_year=2019 if pop is not None else None,
            population_source="Eurostat LAU 2019 (EU-28-LAU-2019-NUTS-2016)" if pop else None,
            urban_type=int(deg) if deg is not None else None,
            sources=("Eurostat LAU 2019",),
        )

    # ------------------------------------------------------------------ matching
    def _names_of(self, rec: UnitRecord) -> list[str]:
        if rec.level == "city":
            r = self.cities.loc[rec.unit_id]
            cols = ("name_gisco2021", "name_eurostat_dic", "name_mcc2020")
            return [str(r[c]) for c in cols if _opt(r[c])]
        if rec.level == "lau":
            r = self.lau.loc[rec.unit_id]
            return [str(r["lau_name_national"]), str(r["lau_name_latin"])]
        r = self.nuts.loc[rec.unit_id]
        return [str(r["NAME_LATN"]), str(r["NUTS_NAME"])]

    def _name_index(self, kinds: Iterable[str]) -> dict[str, list[str]]:
        key = frozenset(kinds)
        cache = self.__dict__.setdefault("_name_cache", {})
        if key in cache:
            return cache[key]
        idx: dict[str, list[str]] = cache.setdefault(key, {})
        kinds = key
        if "city" in kinds:
            for col in ("name_gisco2021", "name_eurostat_dic", "name_mcc2020"):
                for code, nm in self.cities[col].items():
                    if _opt(nm):
                        lst = idx.setdefault(normalise_name(nm), [])
                        if code not in lst:
                            lst.append(code)
        if "nuts" in kinds:
            for col in ("NAME_LATN", "NUTS_NAME"):
                for code, nm in self.nuts[col].items():
                    lst = idx.setdefault(normalise_name(nm), [])
                    if code not in lst:
                        lst.append(code)
        return idx

    def _lau_names(self) -> pd.Series:
        if not hasattr(self, "_lau_norm"):
            self._lau_norm = self.lau["lau_name_latin"].map(normalise_name)
        return self._lau_norm

    def _why(self, code: str) -> str:
        kind = code_kind(code)
        if kind is None:
            return (
                "an official unit code: an Urban Audit city code (e.g. PL013C), a NUTS 2021 "
                "code (e.g. PL613) or a LAU 2019 GISCO id (e.g. BE_21001)"
            )
        if kind == "old_city":
            lau = self.lau
            hit = lau.loc[lau["city_id"] == code, "city_name"]
            if len(hit):
                near = self.search(hit.iat[0], n=3, kinds=("city",))
                sugg = ", ".join(f"{r.unit_id} ({r.name})" for r in near)
                return (
                    f"a current Urban Audit code: {code} is an old-style (pre-2020) code "
                    f"({hit.iat[0]}); the two code lists differ, never drop the last digit"
                    + (f"; did you mean {sugg}?" if sugg else "")
                )
            return f"a current Urban Audit code: {code} looks like an old-style (pre-2020) code"
        pool = {
            "city": self.cities.index,
            "nuts": self.nuts.index,
            "lau": self.lau.index[self.lau["country"] == code[:2]],
        }[kind]
        near = difflib.get_close_matches(code, list(pool), n=3, cutoff=0.6)
        what = {
            "city": "Urban Audit city code",
            "nuts": "NUTS 2021 code",
            "lau": "LAU 2019 GISCO id",
        }
        if not near:
            return f"a known {what[kind]}"
        sugg = ", ".join(f"{c} ({self.lookup(c).name})" for c in near)
        return f"a known {what[kind]}; nearest: {sugg}"


@functools.cache
def load_registry() -> Registry:
    """The packaged registry (cached: read once per process).

    Example
    -------
    >>> len(load_registry().cities), len(load_registry().nuts)
    (929, 2010)
    """
    root = _files()
    with (root / "urban_audit_cities.csv").open(encoding="utf-8") as fh:
        cities = pd.read_csv(fh, dtype=str, keep_default_na=False)
    with (root / "nuts2021.csv").open(encoding="utf-8") as fh:
        nuts = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return Registry(cities, nuts)


def register_unit(
    code: str,
    units_csv: str | Path,
    *,
    name: str | None = None,
    pilot: bool = False,
    notes: str = "",
    registry: Registry | None = None,
) -> UnitRecord:
    """Register ``code`` in the units table ``units_csv`` from the official lists.

    Name, level, country, NUTS 3 and population come from the registry; ``name``, when
    given, must be the unit's official name (else :class:`UnknownUnitError` with the
    nearest matches). A unit already in the table is updated in place (its ``pilot`` and
    ``notes`` are kept unless given). The file is created when missing and written
    atomically.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "units.csv"
    >>> register_unit("PL013C", p).name
    'Toruń'
    >>> p.read_text(encoding="utf-8").splitlines()[1].split(",")[:5]
    ['PL013C', 'Toruń', 'city', 'PL', 'PL613']
    """
    reg = registry or load_registry()
    rec = reg.check(code, name=name)
    path = Path(units_csv)
    rows: list[dict[str, str]] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    row = rec.to_units_row(pilot=pilot, notes=notes)
    for i, old in enumerate(rows):
        if old.get("unit_id") == rec.unit_id:
            if not notes:
                row["notes"] = old.get("notes", "")
            if not pilot:
                row["pilot"] = old.get("pilot", "false") or "false"
            rows[i] = row
            break
    else:
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".units-", suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(UNITS_COLUMNS), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in UNITS_COLUMNS})
    os.replace(tmp, path)
    return rec
