"""A study workspace as an object: its folders, units, framework, parameters and the
declared provenance of its data (real, synthetic, illustrative), from ``urbansec.toml``.

Example
-------
>>> "synthetic" in PROVENANCE_KINDS
True
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import defaults
from ..core.errors import Problem, ValidationError
from .data_paths import _PKG, bundled_raw_dir

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
    >>> from urbansec_lib.inputs.workspace import init
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
