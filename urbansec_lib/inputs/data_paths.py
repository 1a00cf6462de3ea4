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
