"""Write-side safeguards every writer uses: CSVs with spreadsheet formulas neutralised and
written atomically, strict names before a path is built, and every write kept inside its
output folders and out of ``data/raw``.

Example
-------
>>> check_name("BE212")
'BE212'
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .defaults import CONFIG_NAME, RAW_DIR, config_above
from .errors import Problem, ValidationError

# ================================================================== writing
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _neutralise_str(s: Any) -> Any:
    if not isinstance(s, str):
        return s
    if s.startswith(_FORMULA_START) and not _NUMBER.match(s):
        s = "'" + s
    if "\r" in s:  # a bare CR is not quoted by the csv writer and would split the row
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell (and column name) a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with
    ``'``; numbers such as ``-3.5`` are left alone. Carriage returns inside text become
    line feeds (the csv writer quotes those, not a bare CR).

    Example
    -------
    >>> neutralise_formulas(pd.DataFrame({"a": ["=HYPERLINK(1)", "-3", "+cmd|x", "@SUM(1)"]}))
                    a
    0  '=HYPERLINK(1)
    1              -3
    2         '+cmd|x
    3        '@SUM(1)
    """
    out = df.copy()
    out.columns = [_neutralise_str(c) for c in out.columns]
    for j in range(out.shape[1]):
        s = out.iloc[:, j]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            vals = s.to_numpy(dtype=object)
            if len(vals):
                uniq, inv = np.unique(vals.astype(str), return_inverse=True)
                fixed = np.array([_neutralise_str(u) for u in uniq], dtype=object)
                changed = fixed != uniq
                if changed.any():
                    hit = changed[inv]
                    vals = vals.copy()
                    vals[hit] = fixed[inv][hit]
                    out.isetitem(j, pd.Series(vals, index=out.index, name=out.columns[j]))
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out.isetitem(j, s.astype(object).map(_neutralise_str))
    return out


def csv_bytes(df: pd.DataFrame, index: bool = False, **kw: Any) -> bytes:
    """UTF-8 CSV bytes of ``df`` with formula prefixes neutralised (``\\n`` line ends).

    Examples
    --------
    >>> import pandas as pd
    >>> csv_bytes(pd.DataFrame({"a": ["=HYPERLINK(1)", "ok"]}))
    b"a\\n'=HYPERLINK(1)\\nok\\n"
    """
    safe = neutralise_formulas(df.reset_index() if index else df)
    return safe.to_csv(index=False, lineterminator="\n", **kw).encode("utf-8")


def write_csv(
    df: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    private: bool = False,
    allowed: Iterable[str | Path] | None = None,
    **kw: Any,
) -> Path:
    """The one CSV writer: formula prefixes neutralised, atomic (temporary file + rename),
    ``private`` files 0600; with ``allowed``, :func:`check_output` first.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_csv(pd.DataFrame({"x": ["=1+1"]}), pathlib.Path(tempfile.mkdtemp()) / "o.csv")
    >>> p.read_text()
    "x\\n'=1+1\\n"
    """
    path = Path(path)
    if allowed is not None:
        check_output(path, allowed)
    data = csv_bytes(df, index=index, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if private:
            os.chmod(tmp, 0o600)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ================================================================== names and paths
#: Unit ids, study names, training ids: a letter, then letters, digits, ``_`` or ``-``.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


#: Run ids (``20261124T101500Z-ab12cd``): letters, digits, ``_`` and ``-``.
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")


def check_name(value: Any, what: str = "unit id", pattern: re.Pattern | None = None) -> str:
    """``value`` when it is a safe name for a path component, else a ValidationError.

    Uses the registry's :func:`urbansec_lib.registry.valid_unit_id` for unit ids when the
    registry module is present, and always the strict :data:`NAME_PATTERN` (no ``..``,
    separators, spaces or control characters).

    Example
    -------
    >>> check_name("BE212")
    'BE212'
    >>> check_name("../etc")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in arguments:
      - <arguments>, column 'unit id': got '../etc', expected a letter, then up to 63 letters, digits, _ or - (no path separators or '..')
    """
    s = value if isinstance(value, str) else None
    ok = s is not None and bool((pattern or NAME_PATTERN).match(s))
    if ok and what == "unit id":
        try:
            from . import registry  # the lead's registry, when merged
        except ImportError:
            registry = None  # type: ignore[assignment]
        fn = getattr(registry, "valid_unit_id", None) if registry is not None else None
        if fn is not None:
            try:
                ok = bool(fn(s))
            except Exception:  # noqa: BLE001 - a registry problem is not a name problem
                ok = True
    if not ok:
        raise ValidationError(
            [
                Problem(
                    "<arguments>",
                    None,
                    what,
                    value,
                    "a letter, then up to 63 letters, digits, _ or - (no path separators or '..')",
                )
            ],
            "arguments",
        )
    return s  # type: ignore[return-value]


def _argument_error(what: str, path: Any, expected: str) -> ValidationError:
    return ValidationError([Problem("<arguments>", None, what, str(path), expected)], "arguments")


def _within(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


#: ``data/raw`` folders of the workspaces loaded in this process (see :func:`protect_raw`).
_PROTECTED: list[Path] = []


def protect_raw(path: str | Path) -> None:
    """Declare a folder as raw input (never an output); study workspaces declare theirs
    when they are loaded.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()) / "mine" / "raw"
    >>> protect_raw(d)
    >>> d in raw_roots()
    True
    """
    p = Path(path)
    if p not in _PROTECTED:
        _PROTECTED.append(p)


def raw_roots() -> list[Path]:
    """Folders that are never an output: every ``data/raw`` known (``$URBANSEC_DATA``,
    ``$URBANSEC_HOME``, the nearest ``urbansec.toml`` at or above the current folder, the
    repository's demo, and every workspace loaded in this process).

    Examples
    --------
    >>> all(isinstance(p, Path) for p in raw_roots())
    True
    """
    roots = []
    for var, sub in (("URBANSEC_DATA", ("raw",)), ("URBANSEC_HOME", ("data", "raw"))):
        env = os.environ.get(var)
        if env:
            roots.append(Path(env).joinpath(*sub))
    cfg = config_above()
    if cfg is not None:
        roots.append(cfg.parent / RAW_DIR)
    repo = Path(__file__).resolve().parents[2]
    if (repo / CONFIG_NAME).is_file():
        roots.append(repo / RAW_DIR)
    return [*roots, *(r for r in _PROTECTED if r not in roots)]


def check_output(
    path: str | Path,
    allowed: Iterable[str | Path] | None = None,
    what: str = "output",
    forbidden: Iterable[str | Path] = (),
) -> Path:
    """Refuse a write outside the ``allowed`` folders or inside a raw-data folder.

    A path is in a raw-data folder when it lies under one of ``forbidden``, under any
    :func:`raw_roots`, or has a ``raw`` folder directly under a ``data`` folder on its way.

    Example
    -------
    >>> check_output("/tmp/x/data/raw/out.csv")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in arguments:
      - <arguments>, column 'output': got '/tmp/x/data/raw/out.csv', expected a location outside data/raw (raw data is never written)
    """
    p = Path(path)
    res = p.resolve()
    parts = res.parts
    in_raw = any(a == "data" and b == "raw" for a, b in zip(parts, parts[1:]))
    in_raw = in_raw or any(_within(res, Path(r)) for r in [*forbidden, *raw_roots()])
    if in_raw:
        raise _argument_error(what, path, "a location outside data/raw (raw data is never written)")
    if allowed is not None:
        allowed = [Path(a) for a in allowed]
        if not any(_within(res, a) for a in allowed):
            raise _argument_error(what, path, "a location inside " + " or ".join(map(str, allowed)))
    return p
