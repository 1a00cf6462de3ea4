"""Opening and creating workspaces: from a config file, a folder, the current folder (or
``$URBANSEC_WORKSPACE``), a bare data folder; the demo workspace; ``urbansec init``.

Example
-------
>>> import tempfile
>>> ws = init(tempfile.mkdtemp() + "/study")
>>> load(ws.root).name == ws.name
True
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from ..core import defaults
from ..core.errors import Problem, ValidationError
from .workspace_model import (
    _PKG,
    _TEMPLATE,
    DEMO_PROVENANCE,
    PROVENANCE_KINDS,
    Workspace,
    _toml_str,
    bundled_raw_dir,
)


# ------------------------------------------------------------------ constructors
def _from_config(path: Path) -> Workspace:
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(
            [Problem(str(path), None, None, None, f"a valid TOML file ({exc})")], str(path)
        ) from exc
    root = path.parent.resolve()
    w, d = doc.get("workspace", {}), doc.get("data", {})

    def rel(v: str) -> Path:
        p = Path(v)
        return p if p.is_absolute() else root / p

    problems = []
    for sect, k, typ in (
        (w, "seed", int),
        (w, "min_n", int),
        (d, "demo", bool),
    ):
        if k in sect and not isinstance(sect[k], typ):
            problems.append(Problem(str(path), None, k, sect[k], f"a {typ.__name__}"))
    prov = {str(k): str(v) for k, v in doc.get("provenance", {}).items()}
    for k, v in prov.items():
        kind = v.split()[0].lower().rstrip(":;,") if v.split() else ""
        if kind not in PROVENANCE_KINDS:
            problems.append(
                Problem(str(path), None, f"provenance.{k}", v, f"one of {PROVENANCE_KINDS}")
            )
    if problems:
        raise ValidationError(problems, str(path))
    inputs = {
        str(u).upper(): {str(k): str(v) for k, v in t.items()}
        for u, t in doc.get("inputs", {}).items()
        if isinstance(t, dict)
    }
    return Workspace(
        root=root,
        config_path=path.resolve(),
        name=str(w.get("name", root.name)),
        framework=str(w.get("framework", defaults.FRAMEWORK)),
        units_file=rel(w.get("units", defaults.UNITS_FILE)),
        data_dir=rel(d.get("dir", defaults.DATA_DIR)),
        reports_dir=rel(d.get("reports", defaults.REPORTS_DIR)),
        public=str(d.get("public", defaults.PUBLIC)),
        comparators=str(d.get("comparators", defaults.COMPARATORS)),
        demo=bool(d.get("demo", False)),
        seed=int(w.get("seed", defaults.SEED)),
        min_n=int(w.get("min_n", defaults.MIN_N)),
        provenance=prov,
        inputs=inputs,
    )


def load(root: str | Path) -> Workspace:
    """The workspace in folder ``root`` (``ValidationError`` when it has no config).

    Parameters
    ----------
    root : str or Path
        The folder holding ``urbansec.toml`` (not a folder below it: see :func:`find`).

    Returns
    -------
    Workspace

    Raises
    ------
    ValidationError
        When ``root`` holds no ``urbansec.toml``, or the config has wrong values.

    Examples
    --------
    >>> import tempfile
    >>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study")
    >>> load(ws.root) == ws
    True
    >>> load(ws.raw_dir)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in .../torun/data/raw:
      - .../torun/data/raw: missing, expected a workspace folder holding urbansec.toml (create one with `urbansec init .../torun/data/raw`)
    """
    root = Path(root).resolve()
    cfg = root / defaults.CONFIG_NAME
    if not cfg.is_file():
        raise ValidationError(
            [
                Problem(
                    str(root),
                    None,
                    None,
                    None,
                    f"a workspace folder holding {defaults.CONFIG_NAME} "
                    f"(create one with `urbansec init {root}`)",
                )
            ],
            str(root),
        )
    return _from_config(cfg)


def find(start: str | Path | None = None, required: bool = True) -> Workspace | None:
    """The workspace holding ``start`` (default: the current folder), walking up to the
    nearest folder with ``urbansec.toml``; ``$URBANSEC_WORKSPACE`` wins when set.

    Parameters
    ----------
    start : str or Path, optional
        Where to start (default: the current folder).
    required : bool
        Raise when no workspace holds ``start``; ``False`` returns None instead.

    Returns
    -------
    Workspace or None

    Raises
    ------
    ValidationError
        No workspace found and ``required``.

    Examples
    --------
    >>> import tempfile
    >>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study")
    >>> find(ws.raw_dir / "survey").name
    'Torun study'
    >>> find(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in ...:
      - ...: missing, expected a folder inside a workspace (urbansec.toml not found here or above; create one with `urbansec init DIR` or pass --workspace DIR)
    """
    env = os.environ.get("URBANSEC_WORKSPACE")
    if env and start is None:
        return load(env)
    here = Path(start or Path.cwd()).resolve()
    cfg = defaults.config_above(here)
    if cfg is not None:
        return _from_config(cfg)
    if required:
        raise ValidationError(
            [
                Problem(
                    str(here),
                    None,
                    None,
                    None,
                    f"a folder inside a workspace ({defaults.CONFIG_NAME} not found here or "
                    "above; create one with `urbansec init DIR` or pass --workspace DIR)",
                )
            ],
            str(here),
        )
    return None


def current(explicit: str | Path | None = None) -> Workspace:
    """The workspace a command works on: ``explicit`` (``--workspace DIR``), else
    ``$URBANSEC_WORKSPACE`` / ``$URBANSEC_HOME``, else the nearest ``urbansec.toml`` at or
    above the current folder, else (in a source checkout) the repository's demo workspace.

    Parameters
    ----------
    explicit : str or Path, optional
        A workspace folder (``--workspace DIR``).

    Returns
    -------
    Workspace

    Raises
    ------
    ValidationError
        When ``explicit`` is not a workspace, or no workspace is found at all.

    Examples
    --------
    >>> import tempfile
    >>> from unittest import mock
    >>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study")
    >>> current(ws.root).name
    'Torun study'
    >>> with mock.patch.dict(os.environ, {"URBANSEC_WORKSPACE": str(ws.root)}):
    ...     current().root == ws.root
    True
    """
    if explicit:
        return load(explicit)
    for var in ("URBANSEC_WORKSPACE", "URBANSEC_HOME"):
        env = os.environ.get(var)
        if env:
            if (Path(env) / defaults.CONFIG_NAME).is_file():
                return load(env)
            return for_data_dir(Path(env) / defaults.DATA_DIR)
    ws = find(required=False)
    if ws is not None:
        return ws
    repo = _PKG.parent / defaults.CONFIG_NAME
    if repo.is_file():
        return _from_config(repo)
    return find(required=True)  # raises with the way out


def for_data_dir(data_dir: str | Path) -> Workspace:
    """The workspace of a data folder (``<workspace>/data``), as the notebooks see it.

    A data folder without a workspace config around it (a bare copy of the demo data, as
    in older tests) is read as its own demo workspace: units from ``raw/units.csv``, public
    data from ``raw/public`` (or the bundled copy), every raw survey export used.

    Parameters
    ----------
    data_dir : str or Path
        A folder holding ``raw/`` (and ``processed/``).

    Returns
    -------
    Workspace

    Examples
    --------
    >>> import tempfile
    >>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study")
    >>> for_data_dir(ws.data_dir) == ws
    True
    >>> bare = for_data_dir(tempfile.mkdtemp() + "/data")
    >>> bare.config_path, bare.demo, bare.units_file.relative_to(bare.root).as_posix()
    (None, True, 'data/raw/units.csv')
    >>> bare.provenance_kind(bare.data_dir / "raw" / "survey" / "export.csv")
    'synthetic'
    """
    data_dir = Path(data_dir).resolve()
    for p in (data_dir.parent, data_dir):
        cfg = p / defaults.CONFIG_NAME
        if cfg.is_file():
            ws = _from_config(cfg)
            if ws.data_dir.resolve() == data_dir:
                return ws
    return Workspace(
        root=data_dir.parent,
        config_path=None,
        name=data_dir.parent.name,
        units_file=data_dir / "raw" / "units.csv",
        data_dir=data_dir,
        reports_dir=data_dir.parent / defaults.REPORTS_DIR,
        demo=True,
        public="packaged",
        provenance=dict(DEMO_PROVENANCE)
        if data_dir.name == "data"
        else {k.replace("data/", f"{data_dir.name}/", 1): v for k, v in DEMO_PROVENANCE.items()},
    )


def demo_workspace(folder: str | Path) -> Workspace:
    """Create (or refresh) the demo as a workspace in ``folder`` from the packaged demo data:
    its units, public data and the synthetic / illustrative inputs, declared as such.

    Parameters
    ----------
    folder : str or Path
        Created when missing; an existing demo workspace there is refreshed.

    Returns
    -------
    Workspace

    Examples
    --------
    >>> import tempfile
    >>> ws = demo_workspace(tempfile.mkdtemp() + "/demo")
    >>> ws.demo, ws.provenance_kind(ws.raw_dir / "survey" / "ES001C_selfassessment_kobo.csv")
    (True, 'synthetic')
    """
    import shutil

    ws = init(
        folder,
        name="urbansec demo (synthetic and illustrative data)",
        units_file=f"{defaults.RAW_DIR}/units.csv",
        demo=True,
        comparators="workspace",
        provenance=DEMO_PROVENANCE,
        exist_ok=True,
    )
    src = bundled_raw_dir().resolve()
    if src != ws.raw_dir.resolve():
        shutil.copytree(src, ws.raw_dir, dirs_exist_ok=True)
    return load(ws.root)


def init(
    folder: str | Path,
    name: str | None = None,
    *,
    framework: str = defaults.FRAMEWORK,
    min_n: int = defaults.MIN_N,
    seed: int = defaults.SEED,
    comparators: str = defaults.COMPARATORS,
    demo: bool = False,
    units_file: str = defaults.UNITS_FILE,
    provenance: dict[str, str] | None = None,
    exist_ok: bool = False,
) -> Workspace:
    """Create a workspace: ``data/raw``, ``data/processed``, ``reports`` and ``urbansec.toml``.

    Refuses (``ValidationError``) when the folder already holds a config, unless
    ``exist_ok`` (then the existing workspace is returned unchanged).

    Parameters
    ----------
    folder : str or Path
        The new workspace folder (created with its parents).
    name : str, optional
        Default: the folder's name.
    framework : str
        ``"packaged"`` or the path of a framework YAML.
    min_n, seed : int
        Smallest published group and the seed of every random step.
    comparators : {"reference+workspace", "workspace"}
        What the studies compare a unit with.
    demo : bool
        Let synthetic demo data enter the studies.
    units_file : str
        The units file, relative to the folder.
    provenance : dict, optional
        Path -> provenance text (first word ``real``, ``synthetic`` or ``illustrative``).
    exist_ok : bool

    Returns
    -------
    Workspace

    Raises
    ------
    ValidationError
        The folder already holds a workspace (without ``exist_ok``), or a bad argument.

    Examples
    --------
    >>> import tempfile
    >>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study", min_n=20)
    >>> ws.config_path.name, ws.min_n, sorted(p.name for p in ws.root.iterdir())
    ('urbansec.toml', 20, ['data', 'reports', 'urbansec.toml'])
    >>> init(ws.root, exist_ok=True) == ws
    True
    >>> init(ws.root)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in .../torun/urbansec.toml:
      - .../torun/urbansec.toml: missing, expected a folder without a workspace yet
    >>> init(tempfile.mkdtemp(), comparators="all")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in init arguments:
      - <arguments>, column 'comparators': got 'all', expected "reference+workspace" or "workspace"
    """
    root = Path(folder).resolve()
    cfg = root / defaults.CONFIG_NAME
    if cfg.exists():
        if exist_ok:
            return _from_config(cfg)
        raise ValidationError(
            [Problem(str(cfg), None, None, None, "a folder without a workspace yet")], str(cfg)
        )
    if comparators not in ("reference+workspace", "workspace"):
        raise ValidationError(
            [
                Problem(
                    "<arguments>",
                    None,
                    "comparators",
                    comparators,
                    '"reference+workspace" or "workspace"',
                )
            ],
            "init arguments",
        )
    for sub in (defaults.RAW_DIR, defaults.PROCESSED_DIR, defaults.REPORTS_DIR):
        (root / sub).mkdir(parents=True, exist_ok=True)
    prov = "".join(f"{_toml_str(k)} = {_toml_str(v)}\n" for k, v in (provenance or {}).items())
    text = _TEMPLATE.format(
        name=_toml_str(name or root.name),
        framework=_toml_str(framework),
        units=_toml_str(units_file),
        min_n=int(min_n),
        seed=int(seed),
        data=_toml_str(defaults.DATA_DIR),
        reports=_toml_str(defaults.REPORTS_DIR),
        public=_toml_str(defaults.PUBLIC),
        comparators=_toml_str(comparators),
        demo="true" if demo else "false",
        provenance=prov,
    )
    cfg.write_text(text, encoding="utf-8")
    return _from_config(cfg)


def project_root() -> Path:
    """The workspace folder the reports belong to (see :func:`current`): ``$URBANSEC_HOME``,
    else the nearest ``urbansec.toml`` at or above the current folder, else the repository
    (its demo workspace), else the current folder.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile
    >>> old = os.environ.get("URBANSEC_HOME")
    >>> os.environ["URBANSEC_HOME"] = home = tempfile.mkdtemp()
    >>> project_root() == Path(home).resolve()
    True
    >>> _ = os.environ.pop("URBANSEC_HOME") if old is None else os.environ.update(URBANSEC_HOME=old)
    """
    env = os.environ.get("URBANSEC_HOME")
    if env:
        return Path(env).resolve()
    try:
        return current().root
    except ValidationError:
        pass
    for p in [Path.cwd(), *Path.cwd().parents, _PKG.parent]:
        if (p / "notebooks").is_dir() and (p / "pyproject.toml").is_file():
            return p
    return Path.cwd()
