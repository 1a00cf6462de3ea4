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

from .workspace_model import (
    _PKG,
    DEMO_PROVENANCE,
    PROVENANCE_KINDS,
    Workspace,
    _toml_str,
    bundled_raw_dir,
    package_notebooks_dir,
)
from .workspace_open import (
    _from_config,
    current,
    demo_workspace,
    find,
    for_data_dir,
    init,
    load,
    project_root,
)

_FACE_PRIVATE = (_PKG, _from_config, _toml_str)  # reached through this face elsewhere

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
