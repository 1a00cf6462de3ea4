"""What code made a result: installed package versions and the code's git commit.

Recorded in every report manifest and in the processed store, so a result can be traced to
the exact code and environment that produced it.
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata as _md
from pathlib import Path

__all__ = ["package_versions", "code_version"]

#: The checkout this package is imported from (when it is one).
_CHECKOUT = Path(__file__).resolve().parents[2]

_PACKAGES = (
    "urbansec",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "pyyaml",
    "openpyxl",
)


_VERSIONS: dict[str, str] = {}


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a report depends on (read once per process: a
    batch records them for every report).

    Example
    -------
    >>> "pandas" in package_versions()
    True
    """
    if _VERSIONS:
        return dict(_VERSIONS)
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = _md.version(name)
        except _md.PackageNotFoundError:
            pass
    _VERSIONS.update(out)
    return out


def code_version(root: str | Path | None = None) -> str:
    """The git commit of the code (with ``-dirty`` when the tree has changes), or the version.

    ``root`` is the checkout to ask (default: the one this package is imported from); an
    installed package, outside any checkout, gives ``"urbansec <version>"``.

    Example
    -------
    >>> import tempfile
    >>> code_version(tempfile.mkdtemp()).startswith("urbansec ")  # not a checkout
    True
    """
    root = Path(root) if root is not None else _CHECKOUT
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        if not commit:
            raise OSError
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "urbansec_lib",
                "notebooks",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return f"urbansec {package_versions().get('urbansec', 'unknown')}"
