"""The pip (pyproject.toml) and conda (environment.yml) routes declare the same runtime deps."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pip_deps = dict(_split(r) for r in pyproject["project"]["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(
        _split(d)
        for d in env["dependencies"]
        if isinstance(d, str) and not d.startswith(("python", "pip"))
    )
    assert pip_deps == conda
    # every runtime dependency has a lower bound
    assert all(v.startswith(">=") for v in pip_deps.values()), pip_deps


def test_design_card_dependencies_present():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = {_split(r)[0] for r in pyproject["project"]["dependencies"]}
    for card in (
        "jupyterlab",
        "pandas",
        "statsmodels",
        "scikit-learn",
        "seaborn",
        "papermill",
        "nbconvert",
    ):
        assert card in names


def test_notebooks_committed_without_outputs():
    import nbformat

    for nb_path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), nb_path
        for c in nb.cells:
            if c.cell_type == "code":
                assert not c.outputs, f"{nb_path.name} has outputs"
