"""Reproducible study reports: papermill execution, self-contained HTML, manifests, batch, reproduce.

One *study* is a parameterised notebook in ``notebooks/`` (a cell tagged ``parameters``).
:func:`run` executes it for each unit (in parallel worker processes, one failure never
stopping the others), renders a self-contained HTML report in-process with nbconvert's
API (no code, no CDN, figures embedded with alt text, a reproducibility footer), scans it
for personal data, and writes per unit::

    reports/<unit>/<study>.ipynb          executed notebook
    reports/<unit>/<study>.html           the report
    reports/<unit>/<study>.results.json   every number the notebook recorded
    reports/<unit>/manifest.json          per study: parameters, input hashes, versions, code

:func:`reproduce` re-runs a report from its manifest and compares every recorded number.

Inside a notebook, numbers and inputs are recorded with a :class:`Recorder`::

    rec = us.reports.Recorder(results_path)
    units = us.data.read_units(rec.use(raw / "units.csv"))
    rec.record("coverage", prof.coverage)
    us.reports.show_figure(fig, alt="Dimension profile of Madrid")
"""

from __future__ import annotations

from ..core.versions import code_version, package_versions
from ..inputs.workspace import project_root
from ..study import studies as _studies
from .recorder import MAX_FIGURE_PX, Recorder, _atomic_write, _jsonable, sha256_file, show_figure
from .render import render_html
from .reproduce import ReproduceResult, _compare, read_manifest, reproduce
from .runs import RunSummary, failed_units, run
from .unit_report import (
    _error_info,
    _notebook_path,
    example_notebook,
    example_study,
    new_run_id,
    run_unit,
)

__all__ = [
    "STUDIES",
    "Recorder",
    "RunSummary",
    "ReproduceResult",
    "show_figure",
    "render_html",
    "run",
    "run_unit",
    "reproduce",
    "sha256_file",
    "project_root",
    "package_versions",
    "code_version",
    "MAX_FIGURE_PX",
    "new_run_id",
    "failed_units",
    "read_manifest",
    "example_notebook",
    "example_study",
]

#: Study name -> its legacy entry (notebook, title, units, scope, summary); see
#: :data:`urbansec_lib.studies.STUDIES`.
STUDIES = _studies.STUDIES

# private helpers other modules and tests reach through this face
_FACE_PRIVATE = (_atomic_write, _compare, _error_info, _jsonable, _notebook_path)
