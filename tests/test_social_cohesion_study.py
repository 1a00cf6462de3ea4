"""End to end: the social_cohesion_security study notebook runs and records its numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from urbansec_lib import privacy, reports, studies

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def test_study_notebook_runs_and_records_primary(tmp_path):
    assert reports.STUDIES["social_cohesion_security"]["units"] == "EU"
    assert studies.study_units("social_cohesion_security", ROOT / "data") == ["EU"]
    summary = reports.run(
        "social_cohesion_security", ["EU"], jobs=1, reports_dir=tmp_path, root=ROOT, progress=False
    )
    assert summary.ok, summary.summary()
    res = json.loads((tmp_path / "EU" / "social_cohesion_security.results.json").read_text())
    prim = res["results"]["primary"]
    for k in ("estimate", "se", "ci_low", "ci_high", "n_units", "n_obs", "years"):
        assert k in prim
    assert prim["years"] == [2009, 2012, 2015]
    assert (prim["n_obs_with_both"], prim["n_obs"], prim["n_units"]) == (242, 215, 73)
    assert prim["ci_low"] < prim["estimate"] < prim["ci_high"]
    html = (tmp_path / "EU" / "social_cohesion_security.html").read_text(encoding="utf-8")
    assert privacy.scan_html(html) == []
    assert "Traceback" not in html and "output_error" not in html
    assert "not a causal effect" in html and "synthetic" in html
