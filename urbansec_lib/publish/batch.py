"""Every study of a workspace in one go: processed data, every report, the dashboard.

What ``urbansec demo`` (and ``make demo``) runs on the bundled demo workspace; it works the
same on any workspace.
"""

from __future__ import annotations

from pathlib import Path

from ..inputs.workspace import current
from ..study import store, studies
from . import reports, site

__all__ = ["run_workspace"]


def run_workspace(
    jobs: int | None = None, progress: bool = True, workspace_dir: str | Path | None = None
) -> int:
    """Build processed data and run every study with units on a workspace (the current
    one, or ``workspace_dir``; the repository is the demo's), then the dashboard; print
    where the reports are.

    Returns the exit code: 0 when every report was written, 3 when some failed.

    Examples
    --------
    >>> run_workspace(jobs=2, workspace_dir=".")  # doctest: +SKIP
    0

    (Skipped: it builds every report of a workspace, minutes of work; even a new, empty
    workspace builds its processed data (about 5 s) and runs the EU-wide studies in
    notebook kernels. The slow test ``tests/test_demo_end_to_end.py`` runs it on the demo.)
    """
    ws = current(workspace_dir)
    store.build_processed(ws.data_dir)
    code = 0
    for name in studies.all_studies():
        nb = reports._notebook_path(name, ws.root)
        if not nb.exists():
            continue
        units = studies.study_units(name, ws.data_dir)
        if not units:
            continue
        summary = reports.run(
            name, units, jobs=jobs, progress=progress, root=ws.root, reports_dir=ws.reports_dir
        )
        print(summary.summary())
        if not summary.ok:
            code = 3
    print(f"dashboard: {site.build(root=ws.root)}")
    print(f"reports written under {ws.reports_dir}")
    return code
