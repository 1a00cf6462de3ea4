"""Study workspaces: one folder per study, with its own data, units and reports.

A workspace is a folder holding ``urbansec.toml`` (see :func:`init`)::

    urbansec.toml        framework, units file, threshold, seed, data sources, provenance
    units.csv            this workspace's units (``urbansec unit add CODE``)
    data/raw/            inputs exactly as received (never written by code)
    data/processed/      everything derived (survey imports, public indicator tables)
    reports/             one folder per unit (``reports/<unit>/``) and the dashboard

Every command works on the workspace it is run in (the nearest parent folder holding
``urbansec.toml``) or on ``--workspace DIR``. The repository itself is one workspace: the
demo, whose config declares its synthetic and illustrative data (``demo = true``).

What a workspace's studies compare a unit with is declared in the config
(``comparators``): by default the bundled reference units, with their real public data only
(Eurostat ``crim_gen_reg`` and ``urb_percep``), plus this workspace's own units with their
own data. The demo's synthetic survey answers never enter a workspace that did not declare
``demo = true``.

Example
-------
>>> import tempfile
>>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study")
>>> ws.name, ws.seed, ws.min_n, ws.demo
('Torun study', 20261124, 10, False)
>>> find(ws.root / "data" / "raw").root == ws.root
True
"""

from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import defaults
from ..core.errors import Problem, ValidationError

__all__ = [
    "Workspace",
    "init",
    "find",
    "load",
    "current",
    "demo_workspace",
    "for_data_dir",
    "bundled_raw_dir",
    "package_notebooks_dir",
    "PROVENANCE_KINDS",
    "DEMO_PROVENANCE",
    "project_root",
]

#: What a dataset is, as declared in a workspace's ``[provenance]`` table.
PROVENANCE_KINDS = ("real", "synthetic", "illustrative")

#: Provenance of the repository's demo data (paths relative to the workspace; ``*`` globs).
DEMO_PROVENANCE: dict[str, str] = {
    "data/raw/survey": "synthetic self-assessment answers (seeded generator "
    "scripts/make_demo_survey.py), for demonstration only",
    "data/raw/orpheus/*_inventory.csv": "illustrative policy inventory (drafted from the "
    "pyramid manual's example measures)",
    "data/raw/orpheus/*_evaluation.yaml": "synthetic outcome data with planted effects",
    "data/raw/orpheus/*_survey_outcomes.csv": "synthetic outcome data with planted effects",
    "data/raw/orpheus/*_incidents_monthly.csv": "synthetic outcome data with planted effects",
    "data/raw/orpheus/*_rollout_areas.csv": "synthetic outcome data with planted effects",
    "data/raw/collective_impact": "illustrative Collective Impact workbooks (demo)",
    "data/raw/training": "synthetic training exports (seeded generator)",
    "data/raw/good_practices": "synthetic good-practice inventory (seeded generator)",
    "data/raw/ai/ai_survey_kobo.csv": "synthetic AI survey answers (seeded generator)",
    "data/raw/ai/national_positions.csv": "illustrative national positions (placeholders)",
}

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


def package_notebooks_dir() -> Path:
    """The study notebooks: ``urbansec_lib/notebooks`` when installed, else the repository's
    ``notebooks/`` (the authored source, written by ``scripts/make_notebooks.py``).

    Returns
    -------
    Path

    Examples
    --------
    >>> nb = package_notebooks_dir()
    >>> nb.name, any(nb.glob("*.ipynb"))
    ('notebooks', True)
    """
    inside = _PKG / "notebooks"
    if inside.is_dir() and any(inside.glob("*.ipynb")):
        return inside
    return _PKG.parent / "notebooks"


_TEMPLATE = """\
# urbansec study workspace: read by every `urbansec` command
# run in this folder or below it. Units are added with `urbansec unit add CODE`.

[workspace]
name = {name}
# "packaged" (the framework shipped with urbansec) or a path to a framework YAML
framework = {framework}
# this workspace's units, written by `urbansec unit add` (never edit by hand)
units = {units}
# statistics over fewer respondents are withheld
min_n = {min_n}
# seed of every random step (peer groups, robustness, text clustering)
seed = {seed}

[data]
# folder holding raw/ (inputs as received, never written by code) and processed/
dir = {data}
reports = {reports}
# "packaged": the bundled real public data (Eurostat crim_gen_reg, urb_percep, GISCO NUTS)
public = {public}
# what a unit is compared with: "reference+workspace" (bundled reference units with their
# real public data, plus this workspace's units) or "workspace" (this workspace's units only)
comparators = {comparators}
# true only for the synthetic demo: its survey exports and inventories then enter the studies
demo = {demo}

[provenance]
# what each dataset is: "real", "synthetic" or "illustrative" (longest matching path wins;
# anything not listed is real). Reports read these labels, notebooks never hard-code them.
{provenance}
[inputs]
# per unit, files under data/raw that do not follow the default names, e.g.
# [inputs.PL013C]
# orpheus_inventory = "data/raw/policies_2025.csv"
"""


def _toml_str(s: str) -> str:
    return json.dumps(str(s), ensure_ascii=False)


@dataclass(frozen=True)
class Workspace:
    """A study workspace (see the module docstring).

    Attributes
    ----------
    root : Path
        The workspace folder.
    config_path : Path or None
        Its ``urbansec.toml`` (``None`` for a bare data folder without one).
    name : str
    framework : str
        ``"packaged"`` or a framework YAML path.
    units_file : Path
    data_dir : Path
        Holds ``raw/`` and ``processed/``.
    reports_dir : Path
    public : str
        ``"packaged"`` or a folder holding ``public/``.
    comparators : str
        ``"reference+workspace"`` or ``"workspace"``.
    demo : bool
        Whether synthetic demo data may enter the studies.
    seed, min_n : int
    provenance : dict
        Path (relative to the root) -> provenance text, first word one of
        :data:`PROVENANCE_KINDS`.
    inputs : dict
        Unit -> {input kind -> path}, for inputs not under their default names.

    Examples
    --------
    Made by :func:`init` (or read by :func:`load`, :func:`find`, :func:`current`):

    >>> import tempfile
    >>> ws = init(tempfile.mkdtemp() + "/torun", name="Torun study",
    ...           provenance={"data/raw/survey": "synthetic test answers"})
    >>> ws.raw_dir.relative_to(ws.root).as_posix(), ws.framework_path(), ws.unit_ids()
    ('data/raw', None, [])
    >>> ws.provenance_kind(ws.raw_dir / "survey" / "export.csv"), ws.is_real(ws.raw_dir / "public")
    ('synthetic', True)
    >>> ws.comparator_units()["origin"].unique().tolist()  # no own units yet: the references
    ['reference']
    >>> ws.input_path("orpheus_inventory", "PL013C", "raw/orpheus/{unit}_inventory.csv").name
    'PL013C_inventory.csv'
    """

    root: Path
    config_path: Path | None
    name: str = "urbansec workspace"
    framework: str = defaults.FRAMEWORK
    units_file: Path = Path(defaults.UNITS_FILE)
    data_dir: Path = Path(defaults.DATA_DIR)
    reports_dir: Path = Path(defaults.REPORTS_DIR)
    public: str = defaults.PUBLIC
    comparators: str = defaults.COMPARATORS
    demo: bool = False
    seed: int = defaults.SEED
    min_n: int = defaults.MIN_N
    provenance: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from ..core.ingest import protect_raw

        protect_raw(self.raw_dir)  # a loaded workspace's raw data is never an output

    # ------------------------------------------------------------ paths
    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    def framework_path(self) -> str | None:
        """``None`` for the packaged framework, else the YAML path (relative to the root)."""
        if self.framework in ("", "packaged", None):
            return None
        p = Path(self.framework)
        return str(p if p.is_absolute() else self.root / p)

    def public_raw_dir(self) -> Path:
        """The raw folder whose ``public/`` holds the public statistics used."""
        if self.public in ("", "packaged"):
            if (self.raw_dir / "public").is_dir():
                return self.raw_dir
            return bundled_raw_dir()
        p = Path(self.public)
        p = p if p.is_absolute() else self.root / p
        return p.parent if p.name == "public" else p

    def public_file(self, key: str) -> Path:
        """A bundled public file by its :data:`urbansec_lib.data.PUBLIC_FILES` key."""
        from .data import PUBLIC_FILES

        return self.public_raw_dir() / PUBLIC_FILES[key]

    # ------------------------------------------------------------ units
    def units(self) -> pd.DataFrame:
        """This workspace's own units (empty frame when none has been added yet)."""
        from .data import UNIT_COLUMNS, read_units

        if not self.units_file.is_file():
            return pd.DataFrame(columns=list(UNIT_COLUMNS)).assign(pilot=False)
        return read_units(self.units_file)

    def unit_ids(self) -> list[str]:
        return self.units()["unit_id"].tolist()

    def reference_units(self) -> pd.DataFrame:
        """The bundled reference units (real cities and regions with bundled public data).

        Their ``pilot`` flag is cleared outside the demo: no synthetic survey of theirs is
        read by a workspace that did not ask for the demo.
        """
        from .data import read_units

        ref = read_units(bundled_raw_dir() / "units.csv")
        return ref.assign(pilot=False)

    def comparator_units(self) -> pd.DataFrame:
        """Every unit the studies of this workspace read, with an ``origin`` column:

        ``workspace`` (this workspace's units) or ``reference`` (bundled reference units,
        real public data only). The demo's units file is its own list (origin ``workspace``).
        """
        own = self.units().assign(origin="workspace")
        if self.demo or self.comparators == "workspace":
            return own.reset_index(drop=True)
        if self.comparators != "reference+workspace":
            raise ValidationError(
                [
                    Problem(
                        str(self.config_path),
                        None,
                        "data.comparators",
                        self.comparators,
                        '"reference+workspace" or "workspace"',
                    )
                ],
                str(self.config_path),
            )
        ref = self.reference_units()
        ref = ref[~ref["unit_id"].isin(own["unit_id"])].assign(origin="reference")
        return pd.concat([own, ref], ignore_index=True)

    # ------------------------------------------------------------ inputs
    def input_path(self, kind: str, unit: str, default: str | None) -> Path | None:
        """The file of a per-unit input: declared in ``[inputs.<unit>]`` or at its default
        name (``default`` with ``{unit}``, relative to the data folder)."""
        declared = self.inputs.get(unit, {}).get(kind)
        if declared:
            p = Path(declared)
            return p if p.is_absolute() else self.root / p
        if default is None:
            return None
        return self.data_dir / default.format(unit=unit)

    def survey_imports(self) -> dict[str, Path]:
        """Imported surveys: unit -> ``data/processed/<unit>/`` holding ``responses.csv``
        (written by ``urbansec survey import``, whatever the export's file name was)."""
        out: dict[str, Path] = {}
        proc = self.processed_dir
        if not proc.is_dir():
            return out
        for man in sorted(proc.glob("*/manifest.json")):
            try:
                doc = json.loads(man.read_text("utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if doc.get("kind") == "survey" and (man.parent / "responses.csv").is_file():
                out[str(doc.get("unit_id") or man.parent.name)] = man.parent
        return out

    # ------------------------------------------------------------ provenance
    def provenance_of(self, path: str | Path) -> str:
        """The declared provenance of a file or folder (longest matching prefix), else
        ``"real"``; the bundled public data are always real."""
        p = Path(path).resolve()
        try:
            rel = p.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            rel = p.as_posix()
        best, text = -1, "real"
        for key, val in self.provenance.items():
            k = key.rstrip("/")
            if fnmatch.fnmatchcase(rel, k) or rel == k or rel.startswith(k + "/"):
                if len(k) > best:
                    best, text = len(k), str(val)
        return text

    def provenance_kind(self, path: str | Path) -> str:
        """``"real"``, ``"synthetic"`` or ``"illustrative"`` (first word of the label)."""
        return self.provenance_of(path).split()[0].lower().rstrip(":;,")

    def is_real(self, path: str | Path) -> bool:
        return self.provenance_kind(path) == "real"


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
