"""Where the public data live and what the unit registry holds: the bundled files' paths,
the raw data folder, the registry's columns and levels.

Example
-------
>>> default_raw_dir().name
'raw'
>>> UNIT_LEVELS[0], "nuts3" in UNIT_COLUMNS
('city', True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import defaults
from ..core.unit_codes import UNITS_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    pass


#: Paths of the bundled public files, relative to the raw data directory.
PUBLIC_FILES: dict[str, Path] = {
    "crim_gen_reg": Path("public/eurostat_crim_gen_reg/estat_crim_gen_reg.tsv"),
    "urb_percep": Path("public/eurostat_urb_percep/urb_percep.tsv"),
    "nuts": Path("public/nuts2021_gisco/NUTS_RG_20M_2021_attributes.csv"),
    "units": Path("units.csv"),
}
#: Columns of the unit registry ``units.csv``, in order (one definition, in core).
UNIT_COLUMNS = UNITS_COLUMNS
#: Levels a registry unit can have.
UNIT_LEVELS = ("city", "LAU", "NUTS0", "NUTS1", "NUTS2", "NUTS3")

_NUTS_RE = r"^[A-Z]{2}[A-Z0-9]{0,3}$"
_URAU_RE = r"^[A-Z]{2}[0-9]{3}[A-Z][0-9]?$"
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}


# ----------------------------------------------------------------------------- paths
_PKG = Path(__file__).resolve().parents[1]


def bundled_raw_dir() -> Path:
    """The bundled raw data (public statistics, code lists, reference units).

    In an installed package: ``urbansec_lib/bundled/`` (package data built from the
    repository's ``data/raw``); in a source checkout: the repository's ``data/raw``.

    Returns
    -------
    Path

    Examples
    --------
    >>> raw = bundled_raw_dir()
    >>> raw.name in ("bundled", "raw"), (raw / "units.csv").is_file(), (raw / "public").is_dir()
    (True, True, True)
    """
    inside = _PKG / "bundled"
    if (inside / "public").is_dir():
        return inside
    return _PKG.parent / "data" / "raw"


def default_raw_dir() -> Path:
    """The raw-data folder readers fall back to when none is given: ``$URBANSEC_DATA/raw``,
    else the nearest workspace's (``urbansec.toml`` at or above the current folder), else
    the bundled raw data (:func:`bundled_raw_dir`: an installed package reads its own).

    Returns
    -------
    Path

    Examples
    --------
    >>> default_raw_dir().name in ("raw", "bundled")
    True
    """
    root = os.environ.get("URBANSEC_DATA")
    if root:
        return Path(root) / "raw"
    cfg = defaults.config_above()
    if cfg is not None and (cfg.parent / defaults.RAW_DIR).is_dir():
        return cfg.parent / defaults.RAW_DIR
    return bundled_raw_dir()


def _raw_dir_from(data_dir: str | Path | None) -> Path:
    return Path(data_dir) / "raw" if data_dir is not None else default_raw_dir()
