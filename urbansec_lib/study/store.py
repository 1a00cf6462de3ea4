"""Build once, read per unit: the columnar processed store of public data (Parquet).

Parsing the Eurostat bulk files and scoring every unit costs seconds; a report for one unit
needs a few hundred rows. :func:`build_store` therefore parses every public source **once**
(``urbansec data build``) for **every unit of the official registry** (929 Urban Audit
cities and 2,010 NUTS 2021 regions, plus the workspace's own units) and writes, under
``<data>/processed/store/``:

* ``units.parquet`` - every unit with public data: code, name, level, country, NUTS 3,
  population with its year and source (for regions without a published population: derived
  from crim_gen_reg counts and rates, labelled so);
* ``indicators.parquet`` - tidy public indicator values (``unit_id, indicator_id, period,
  value, source``) as published, each with its own year: nothing copied into other years;
* ``aligned.parquet`` - the values used by the profile of each reference period: per
  indicator the latest value up to that period (``source_period`` = its own year);
* ``scores.parquet`` - the profile of every unit (every node, every reference period),
  computed once for the whole set;
* ``peer_groups.parquet`` - peer groups, found once per unit level (cities among cities,
  NUTS 3 regions among NUTS 3 regions, ...), never across levels;
* ``manifest.json`` - provenance: each input file's sha256 and size, the parameters (seed,
  reference periods, framework id and version), row counts and package versions.

A unit's report then reads only its own rows and its comparators' already-computed scores
(:meth:`Store.unit_view`), with Parquet filters pushed down to the row groups.

Example
-------
>>> # skipped: building a store takes ~2 s even on a small copy of the demo (the tests
>>> # build it: tests/test_store.py)
>>> store = build_store("data", out=tmp / "store")             # doctest: +SKIP
>>> view = store.unit_view("PL013C")                           # doctest: +SKIP
>>> view.indicators[["indicator_id", "period", "value"]].head() # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.versions import code_version, package_versions
from ..model.framework import Framework, load_framework

__all__ = [
    "build_processed",
    "DEFAULT_PERIODS",
    "STORE_FORMAT",
    "Store",
    "UnitView",
    "build_store",
    "ensure_store",
    "is_current",
    "open_store",
    "store_dir",
]

#: Reference periods of the stored profiles (the Eurostat perception waves fall in
#: 2009-2019, recorded crime runs to 2021): every third year.
DEFAULT_PERIODS: tuple[int, ...] = (2009, 2012, 2015, 2018, 2021)

#: Version of the store layout (bump when files or columns change).
STORE_FORMAT = 1

_FILES = {
    "units": "units.parquet",
    "indicators": "indicators.parquet",
    "aligned": "aligned.parquet",
    "scores": "scores.parquet",
    "peer_groups": "peer_groups.parquet",
}

#: Row-group size: a unit's rows sit in one or two row groups, so a filtered read of one
#: unit touches a small part of each file.
_ROW_GROUP = 8_192


def store_dir(data: str | Path | None = None) -> Path:
    """``<data>/processed/store``: where :func:`build_store` writes by default.

    Examples
    --------
    >>> store_dir("/tmp/study/data").as_posix()
    '/tmp/study/data/processed/store'
    """
    from .study_inputs import processed_dir

    return processed_dir(data) / "store"


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` atomically (temporary file + rename), sorted row groups, no index."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".parquet")
    os.close(fd)
    try:
        pq.write_table(table, tmp, row_group_size=_ROW_GROUP, compression="zstd")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _registry_units(raw: Path, crime: pd.DataFrame) -> pd.DataFrame:
    """Every registry city and NUTS region, plus the workspace's own units table rows.

    Regions get a population derived from crim_gen_reg (counts / rates), with its year and
    source, as the demo's unit table does; the workspace's rows override the registry's.
    """
    from ..core.registry import load_registry
    from ..inputs import data as usdata

    units = load_registry().units()
    units["population"] = pd.to_numeric(units["population"].replace("", np.nan))
    units["pilot"] = False
    nuts = units["level"].str.startswith("NUTS") & units["population"].isna()
    pop = usdata.population_from_crime(crime, units.loc[nuts, "unit_id"]).set_index("geo")
    idx = units.index[nuts & units["unit_id"].isin(pop.index)]
    codes = units.loc[idx, "unit_id"]
    units.loc[idx, "population"] = codes.map(pop["population"]).round().to_numpy()
    units.loc[idx, "population_source"] = (
        "derived from Eurostat crim_gen_reg counts and rates (ICCS0502 NR / P_HTHAB * 100000), "
        "year " + codes.map(pop["year"]).astype(int).astype(str)
    ).to_numpy()
    from ..inputs.workspace import for_data_dir

    own_path = for_data_dir(raw.parent).units_file
    if own_path.is_file():
        own = usdata.read_units(own_path)
        units = pd.concat(
            [units[~units["unit_id"].isin(own["unit_id"])], own[units.columns]],
            ignore_index=True,
        )
    return units.sort_values("unit_id", kind="stable").reset_index(drop=True)


def _level_groups(units: pd.DataFrame, data: Path, seed: int) -> pd.DataFrame:
    """Peer groups within each unit level (``city-2``, ``NUTS3-1``...); groups are labels."""
    from ..engine.peers import peer_groups
    from .pipeline import unit_context

    out = []
    for level, sub in units.groupby("level", sort=True):
        if len(sub) < 8:  # too few units of this level to form two groups of four
            g = pd.Series(1, index=sub["unit_id"], name="peer_group")
        else:
            g = peer_groups(unit_context(sub, data), seed=seed)
        out.append(
            pd.DataFrame(
                {"unit_id": g.index, "level": level, "peer_group": f"{level}-" + g.astype(str)}
            )
        )
    return pd.concat(out, ignore_index=True).sort_values("unit_id").reset_index(drop=True)


def build_store(
    data: str | Path | None = None,
    fw: Framework | None = None,
    *,
    out: str | Path | None = None,
    periods: tuple[int, ...] = DEFAULT_PERIODS,
    seed: int | None = None,
    max_lag: int = 6,
) -> Store:
    """Parse every public source once and write the columnar store (see module docstring).

    Long because: half of it is the documentation; the code is one pass of the build
    (read, align, score, group peers, write, manifest) whose steps share its locals.

    Parameters
    ----------
    data : str or Path, optional
        Data folder holding ``raw/`` (read only); default: the workspace's.
    fw : Framework, optional
        Framework (default: the packaged one).
    out : str or Path, optional
        Store folder (default ``<data>/processed/store``). Never inside ``raw/``.
    periods : tuple of int
        Reference periods of the stored profiles.
    seed : int, optional
        Seed of the peer grouping (default: the project default seed).
    max_lag : int
        Oldest admissible value for a reference period, in years (see
        :func:`urbansec_lib.pipeline.align_periods`).

    Returns
    -------
    Store

    Example
    -------
    >>> # skipped: it builds the store of every registry unit (~2 s even on a small copy)
    >>> store = build_store("data")      # doctest: +SKIP
    >>> store.manifest["rows"]["units"]  # doctest: +SKIP
    2263
    """
    from ..inputs import data as usdata
    from .sa_basics import profile
    from .study_inputs import align_periods, data_dir, raw_dir

    if seed is None:
        seed = _default_seed()
    fw = fw or load_framework()
    root = data_dir(data)
    raw = raw_dir(data)
    dest = Path(out) if out is not None else store_dir(data)
    if dest.resolve().is_relative_to(raw.resolve()):
        raise ValidationError(
            [Problem(str(dest), None, None, str(dest), "an output folder outside data/raw")]
        )
    from ..inputs.workspace import for_data_dir

    pub = for_data_dir(root).public_raw_dir()  # the workspace's, or the bundled public data
    files = {k: pub / v for k, v in usdata.PUBLIC_FILES.items() if k != "units"}
    crime = usdata.read_eurostat_tsv(files["crim_gen_reg"], dropna=True)
    percep = usdata.read_eurostat_tsv(files["urb_percep"], dropna=True)
    units = _registry_units(raw, crime)
    ind = pd.concat(
        [
            usdata.crime_indicators(crime, fw, units, fallback_to_parent=True),
            usdata.perception_indicators(percep, fw, units),
        ],
        ignore_index=True,
    ).sort_values(["unit_id", "indicator_id", "period"], kind="stable")
    units = units[units["unit_id"].isin(ind["unit_id"])].reset_index(drop=True)
    aligned = align_periods(ind, periods, max_lag=max_lag)
    prof = profile(aligned, fw)
    scores = prof.scores.sort_values(["unit_id", "period", "node_id"], kind="stable")
    groups = _level_groups(units, root, seed)

    _write_parquet(units.astype({"pilot": bool}), dest / _FILES["units"])
    _write_parquet(ind, dest / _FILES["indicators"])
    _write_parquet(aligned, dest / _FILES["aligned"])
    _write_parquet(scores, dest / _FILES["scores"])
    _write_parquet(groups, dest / _FILES["peer_groups"])
    inputs = {
        k: {"sha256": _sha256(p), "bytes": p.stat().st_size} for k, p in _input_files(data).items()
    }
    manifest = {
        "format": STORE_FORMAT,
        "inputs": inputs,
        "registry": "urbansec_lib/codelists (see PROVENANCE.txt)",
        "parameters": {
            "framework": f"{fw.id} {fw.version}",
            "periods": list(periods),
            "max_lag": max_lag,
            "seed": seed,
            "peer_grouping": "k-means per unit level, k by silhouette (urbansec_lib.peers)",
        },
        "rows": {
            "units": len(units),
            "indicators": len(ind),
            "aligned": len(aligned),
            "scores": len(scores),
            "peer_groups": len(groups),
        },
        "levels": units["level"].value_counts().sort_index().to_dict(),
        "packages": package_versions(),
        "code_version": code_version(),
    }
    text = json.dumps(manifest, indent=1, sort_keys=True, default=str)
    (dest / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return Store(dest, manifest)


def _default_seed() -> int:
    try:  # one definition of the default seed (see urbansec_lib.defaults when present)
        from ..core.defaults import SEED  # type: ignore[attr-defined]

        return int(SEED)
    except ImportError:
        return SEED


@dataclass
class UnitView:
    """What one unit's report needs from the store, read with filters.

    Attributes
    ----------
    unit : dict
        The unit's row of ``units.parquet``.
    indicators : DataFrame
        The unit's public values, each with its own year and source.
    aligned : DataFrame
        The values behind each reference period's profile (``source_period`` = year).
    scores : DataFrame
        Scores of the unit **and its peers** (same level and peer group).
    peers : DataFrame
        The peer group's members (unit_id, name, country, population).

    Examples
    --------
    >>> v = UnitView({"unit_id": "A"}, *[pd.DataFrame()] * 4, groups=pd.Series(dtype=str))
    >>> v.unit["unit_id"], v.scores.empty
    ('A', True)
    """

    unit: dict
    indicators: pd.DataFrame
    aligned: pd.DataFrame
    scores: pd.DataFrame
    peers: pd.DataFrame
    groups: pd.Series = field(repr=False)


@dataclass
class Store:
    """An opened store folder. Reads are filtered: only the rows asked for are loaded.

    Parameters
    ----------
    path : Path
        The store folder.
    manifest : dict
        Its ``manifest.json``.

    Examples
    --------
    >>> import tempfile
    >>> st = Store(Path(tempfile.mkdtemp()), {"format": STORE_FORMAT, "rows": {}})
    >>> st.manifest["format"] == STORE_FORMAT
    True
    """

    path: Path
    manifest: dict[str, Any]

    def _read(self, name: str, unit_ids=None, columns=None, **eq) -> pd.DataFrame:
        import pyarrow.parquet as pq

        filters = []
        if unit_ids is not None:
            filters.append(("unit_id", "in", sorted(set(map(str, unit_ids)))))
        filters += [(k, "==", v) for k, v in eq.items() if v is not None]
        table = pq.read_table(self.path / _FILES[name], columns=columns, filters=filters or None)
        return table.to_pandas()

    def units(self, unit_ids=None) -> pd.DataFrame:
        """Units with public data (all, or ``unit_ids``)."""
        return self._read("units", unit_ids)

    def indicators(self, unit_ids=None) -> pd.DataFrame:
        """Public indicator values as published (each with its own year)."""
        return self._read("indicators", unit_ids)

    def aligned(self, unit_ids=None, period: int | None = None) -> pd.DataFrame:
        """Values used by each reference period's profile (with ``source_period``)."""
        return self._read("aligned", unit_ids, period=period)

    def scores(self, unit_ids=None, period: int | None = None) -> pd.DataFrame:
        """Profile scores (unit_id, period, node_id, level, score)."""
        return self._read("scores", unit_ids, period=period)

    def peer_groups(self) -> pd.Series:
        """Peer group label per unit (``city-3``...): labels, not an order."""
        g = self._read("peer_groups")
        return g.set_index("unit_id")["peer_group"]

    def unit_view(self, unit_id: str) -> UnitView:
        """Everything one unit's report reads: its rows and its peers' scores.

        Raises
        ------
        ValidationError
            ``unit_id`` has no public data in the store (the message says so and how to
            check the code).
        """
        groups = self.peer_groups()
        if unit_id not in groups.index:
            raise ValidationError(
                [
                    Problem(
                        str(self.path / _FILES["units"]),
                        None,
                        "unit_id",
                        unit_id,
                        "a unit with public data in the store (check the code with "
                        "`urbansec unit add CODE`; rebuild with `urbansec data build`)",
                    )
                ]
            )
        members = groups.index[groups == groups.loc[unit_id]]
        peers = self.units(members)
        unit = peers.loc[peers["unit_id"] == unit_id].iloc[0].to_dict()
        return UnitView(
            unit=unit,
            indicators=self.indicators([unit_id]),
            aligned=self.aligned([unit_id]),
            scores=self.scores(members),
            peers=peers[peers["unit_id"] != unit_id].reset_index(drop=True),
            groups=groups.loc[members],
        )


def open_store(path: str | Path | None = None) -> Store:
    """Open a built store (``path``: the store folder or a data folder).

    Raises
    ------
    FileNotFoundError
        No store there; the message says to run ``urbansec data build``.

    Example
    -------
    >>> # skipped: needs a built store (~2 s to build, see tests/test_store.py)
    >>> store = open_store("data")  # doctest: +SKIP
    """
    p = Path(path) if path is not None else store_dir()
    for cand in (p, p / "processed" / "store", p / "store"):
        if (cand / "manifest.json").is_file():
            manifest = json.loads((cand / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != STORE_FORMAT:
                raise FileNotFoundError(
                    f"{cand} was built with store format {manifest.get('format')}, this "
                    f"version reads format {STORE_FORMAT}: run `urbansec data build`"
                )
            return Store(cand, manifest)
    raise FileNotFoundError(f"no processed store under {p}: run `urbansec data build` first")


def _input_files(data: str | Path | None) -> dict[str, Path]:
    from ..inputs import data as usdata
    from .study_inputs import data_dir

    root = data_dir(data)
    from ..inputs.workspace import for_data_dir

    own = for_data_dir(root).units_file
    pub = for_data_dir(root).public_raw_dir()
    files = [pub / v for k, v in usdata.PUBLIC_FILES.items() if k != "units"] + [own]
    return {
        (str(p.relative_to(root)) if p.is_relative_to(root) else str(p)): p
        for p in files
        if p.is_file()
    }


def is_current(store: Store, data: str | Path | None = None) -> bool:
    """True when the store was built from exactly the current raw inputs (sha256) and layout.

    Example
    -------
    >>> # skipped: needs a built store (~2 s to build, see tests/test_store.py)
    >>> is_current(open_store("data"), "data")  # doctest: +SKIP
    True
    """
    recorded = {k: v.get("sha256") for k, v in store.manifest.get("inputs", {}).items()}
    now = {k: _sha256(p) for k, p in _input_files(data).items()}
    return recorded == now and all((store.path / f).is_file() for f in _FILES.values())


def ensure_store(data: str | Path | None = None, fw: Framework | None = None) -> Store:
    """The workspace's store, (re)built first when missing or built from other inputs.

    Used before a batch of existing-data reports is dispatched, so that every report of
    the batch reads the same store (reports never build it themselves).

    Example
    -------
    >>> # skipped: needs a built store (~2 s to build, see tests/test_store.py)
    >>> store = ensure_store("data")  # doctest: +SKIP
    """
    try:
        store = open_store(store_dir(data))
    except FileNotFoundError:
        return build_store(data, fw)
    return store if is_current(store, data) else build_store(data, fw)


def build_processed(data: str | Path | None = None, key: bytes | None = None) -> Path:
    """Rebuild ``data/processed`` from ``data/raw`` (survey imports + public indicators).

    Survey exports are imported with pseudonymised respondent ids (key from the
    environment or key file, see :func:`urbansec_lib.privacy.load_key`); a broken export
    is reported and skipped. Returns the processed folder.

    Examples
    --------
    >>> # skipped: it imports and pseudonymises every survey export (~1.5 s on a small copy)
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> out = build_processed(demo_copy(), key=b"0" * 32)  # doctest: +SKIP
    >>> (out / "indicators_public.csv").is_file()  # doctest: +SKIP
    True
    """
    from ..core.errors import ValidationError
    from ..core.ingest import check_output, write_csv
    from ..inputs import data as usdata
    from ..inputs import privacy, survey
    from .study_inputs import survey_exports, workspace

    ws = workspace(data)
    fw = load_framework(ws.framework_path())
    raw, out = ws.raw_dir, ws.processed_dir
    check_output(out, what="processed folder", forbidden=[raw])
    out.mkdir(parents=True, exist_ok=True)
    units = ws.comparator_units()
    public = usdata.build_public_indicators(
        ws.public_raw_dir(), fw, units=units, fallback_to_parent=True
    )
    write_csv(public, out / "indicators_public.csv")
    key = key if key is not None else privacy.load_key(create=True)
    report: dict[str, str] = {}
    for unit, path in (survey_exports(raw) if ws.demo else {}).items():
        try:
            survey.import_export(path, fw, unit, out, key, on_error="split")
            report[path.name] = "imported"
        except ValidationError as exc:
            report[path.name] = f"rejected: {exc.redacted()}"  # no cell values in processed/
    (out / "build_report.json").write_text(
        json.dumps(report, indent=1, sort_keys=True), encoding="utf-8"
    )
    build_store(data, fw, out=out / "store")  # every registry unit's public data, parsed once
    return out
