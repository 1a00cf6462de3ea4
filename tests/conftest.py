"""Shared fixtures. ``demo_reports`` runs every demo study once per test session (slow)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory):
    """Run every demo study into a temporary reports folder; returns (folder, summaries)."""
    from urbansec_lib import reports, studies

    out = tmp_path_factory.mktemp("reports")
    summaries = {}
    for study, spec in reports.STUDIES.items():
        if not (ROOT / "notebooks" / spec["notebook"]).exists():
            continue
        units = studies.study_units(study, ROOT / "data")
        summaries[study] = reports.run(
            study, units, jobs=os.cpu_count() or 2, reports_dir=out, root=ROOT, progress=False
        )
    return out, summaries


def chromium_path() -> str | None:
    for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(p).exists():
            return p
    return None
