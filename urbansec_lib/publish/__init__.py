"""Layer 8, ``publish``: Publishing: notebook execution, reports and manifests, the
dashboard, PDF and the report linter.

May import from: ``core``, ``model``, ``inputs``, ``engine``, ``methods``, ``presentation``,
``analysis``, ``study`` (and its own modules).

Modules
-------
reports
    Reproducible study reports: papermill execution, self-contained HTML, manifests,
    batch, reproduce.
executor
    Warm-kernel notebook execution: one Jupyter kernel per worker, reused across
    notebooks.
site
    The joint dashboard: a static website built from the produced reports (no server).
pdf
    Print reports to PDF with headless Chromium (Debian's ``chromium``; never a
    downloaded
lint_report
    A linter for produced HTML reports: what a reader should never see.
batch
    Every study of a workspace in one go: processed data, every report, the dashboard.
"""

from .._lazy import lazy_modules

__all__ = ["reports", "executor", "site", "pdf", "lint_report", "batch"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
