"""Layer 8, ``publish``: Publishing: notebook execution, reports and manifests, the
dashboard, PDF and the report linter.

May import from: ``core``, ``model``, ``inputs``, ``engine``, ``methods``, ``presentation``,
``analysis``, ``study`` (and its own modules).

Modules
-------
recorder
    What a study notebook calls: the Recorder of inputs and numbers, show_figure.
kernel_state
    The warm kernel's own side: its state snapshot and the restore before every notebook.
executor
    Warm-kernel notebook execution: one Jupyter kernel per worker, reused across
    notebooks.
inprocess_shell
    The in-process engine's IPython shell (outputs as nbformat outputs) and matplotlib
    backend.
inprocess
    In-process notebook execution: the cells run in the worker's own IPython shell, no
    kernel.
render
    An executed notebook as a self-contained HTML report.
unit_report
    One study report for one unit: execute, render, scan, lint, manifest.
runs
    A batch of study reports in parallel workers; one failure never stops the others.
reproduce
    Re-run a report from its manifest and compare every recorded number.
reports
    Reproducible study reports: the public face of the modules above.
site
    The joint dashboard: a static website built from the produced reports (no server).
pdf
    Print reports to PDF with headless Chromium (Debian's ``chromium``; never a
    downloaded browser).
lint_report
    A linter for produced HTML reports: what a reader should never see.
batch
    Every study of a workspace in one go: processed data, every report, the dashboard.
"""

from .._lazy import lazy_modules

__all__ = [
    "recorder",
    "kernel_state",
    "executor",
    "inprocess_shell",
    "inprocess",
    "render",
    "unit_report",
    "runs",
    "reproduce",
    "reports",
    "site",
    "pdf",
    "lint_report",
    "batch",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
