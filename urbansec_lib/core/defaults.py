"""One definition of every default: seed, suppression threshold, workspace layout.

Every module, the command line and ``urbansec init`` read these names; nothing else
spells the numbers or folder names out.

Example
-------
>>> from urbansec_lib import defaults
>>> defaults.SEED, defaults.MIN_N, defaults.CONFIG_NAME
(20261124, 10, 'urbansec.toml')
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "SEED",
    "MIN_N",
    "MIN_UNITS",
    "MIN_COMPARATORS",
    "CONFIG_NAME",
    "DATA_DIR",
    "RAW_DIR",
    "PROCESSED_DIR",
    "REPORTS_DIR",
    "UNITS_FILE",
    "FRAMEWORK",
    "PUBLIC",
    "COMPARATORS",
    "PARTNERSHIP_UNIT",
    "config_above",
]

#: Seed of every random step (peer grouping, Monte Carlo robustness, text clustering).
SEED: int = 20261124
#: Small-cell suppression threshold: statistics over fewer respondents are withheld.
MIN_N: int = 10
#: Statistics over fewer units than this are withheld (e.g. peer-group spreads).
MIN_UNITS: int = 3
#: A unit is positioned on a dimension only among at least this many units with a score.
MIN_COMPARATORS: int = 3
#: The workspace configuration file (found by walking up from the current folder).
CONFIG_NAME: str = "urbansec.toml"
#: Workspace layout, relative to the workspace folder.
DATA_DIR: str = "data"
RAW_DIR: str = "data/raw"
PROCESSED_DIR: str = "data/processed"
REPORTS_DIR: str = "reports"
#: The workspace's units file (written by ``urbansec unit add``, never by hand).
UNITS_FILE: str = "units.csv"
#: ``"packaged"``: the framework shipped with the package; otherwise a YAML path.
FRAMEWORK: str = "packaged"
#: ``"packaged"``: the bundled real public data (Eurostat, GISCO); otherwise a folder.
PUBLIC: str = "packaged"
#: What a unit is compared with: the bundled reference units (real public data only)
#: plus this workspace's units (``"reference+workspace"``), or this workspace's units only.
COMPARATORS: str = "reference+workspace"
#: The pseudo-unit of partnership-wide studies (reports/EU/).
PARTNERSHIP_UNIT: str = "EU"


def config_above(start: str | Path | None = None) -> Path | None:
    """The nearest :data:`CONFIG_NAME` at or above ``start`` (default: the current folder).

    The one place that walks up looking for a workspace: ``workspace.find`` loads what it
    finds; the ingestion layer protects that workspace's raw data.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / CONFIG_NAME).write_text("")
    >>> (d / "a" / "b").mkdir(parents=True)
    >>> config_above(d / "a" / "b") == d / CONFIG_NAME
    True
    """
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / CONFIG_NAME).is_file():
            return p / CONFIG_NAME
    return None
