"""Report pipeline: papermill execution, self-contained HTML, manifests, batch, reproduce."""

import json
import re
import shutil
from pathlib import Path

import pytest

from urbansec_lib import reports

HERE = Path(__file__).resolve().parent
TINY = HERE / "data" / "notebooks" / "tiny.ipynb"


@pytest.fixture()
def project(tmp_path):
    """A throwaway project root with the tiny study notebook and one input file."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(TINY, tmp_path / "notebooks" / "tiny.ipynb")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "data").mkdir()
    inp = tmp_path / "data" / "input.csv"
    inp.write_text("x\n1\n2\n3\n4\n")
    return tmp_path


def test_recorder_jsonable_and_flush(tmp_path):
    import numpy as np
    import pandas as pd

    rec = reports.Recorder(tmp_path / "r.json")
    rec.record("a", np.float64(1.5))
    rec.record("nan", float("nan"))
    rec.record("df", pd.DataFrame({"u": ["A"], "v": [np.int64(2)]}))
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["results"]["a"] == 1.5
    assert doc["results"]["nan"] is None
    assert doc["results"]["df"]["data"] == [["A", 2]]


def test_compare_reports_differences():
    out = []
    reports._compare({"a": 1.0, "b": [1, 2]}, {"a": 1.0 + 1e-12, "b": [1, 3]}, "s", out, 1e-9)
    assert out == ["s.b[1]: 2 != 3"]


def test_atomic_write_leaves_no_temp(tmp_path):
    p = tmp_path / "x" / "f.html"
    reports._atomic_write(p, "<html></html>")
    assert p.read_text() == "<html></html>"
    assert [q.name for q in p.parent.iterdir()] == ["f.html"]


@pytest.mark.slow
def test_run_unit_html_manifest_and_reproduce(project):
    inp = str(project / "data" / "input.csv")
    st = reports.run_unit(
        "notebooks/tiny.ipynb",
        "AA1",
        {"input_csv": inp},
        root=project,
        reports_dir=project / "reports",
        run_id="r1",
    )
    assert st["status"] == "ok", st
    out = project / "reports" / "AA1"
    html = (out / "tiny.html").read_text()
    # self-contained: no external script/style, figure embedded with alt text, no code
    assert not re.search(r"<script[^>]+src=", html)
    assert "cdnjs" not in html and "mathjax" not in html.lower()
    assert 'alt="line of x"' in html and "data:image/png;base64," in html
    assert "rec.record" not in html and "import numpy" not in html
    assert "Tiny AA1" in html and "AA1" in html and "Reproducibility" in html
    man = json.loads((out / "manifest.json").read_text())["studies"]["tiny"]
    assert man["parameters"]["unit_id"] == "AA1"
    assert man["inputs"] == {"data/input.csv": reports.sha256_file(inp)}
    assert "pandas" in man["packages"] and man["code_version"]
    res = json.loads((out / "tiny.results.json").read_text())["results"]
    assert res["mean"] == 2.5
    # reproduce: identical, then an edited input is named and the exit says so
    rr = reports.reproduce(out / "manifest.json", root=project)
    assert rr.identical, rr.summary()
    Path(inp).write_text("x\n1\n2\n3\n10\n")
    rr = reports.reproduce(out / "manifest.json", root=project)
    assert not rr.identical
    assert rr.changed_inputs == ["data/input.csv"]
    assert any("mean" in d for d in rr.differences)


@pytest.mark.slow
def test_batch_one_failure_does_not_stop_others(project):
    inp = str(project / "data" / "input.csv")
    summary = reports.run(
        "notebooks/tiny.ipynb",
        ["AA1", "BB2", "CC3"],
        jobs=2,
        root=project,
        reports_dir=project / "reports",
        parameters={"input_csv": inp},
        unit_parameters={"BB2": {"fail": True}},
        progress=False,
    )
    assert summary.failed == ["BB2"]
    doc = json.loads(summary.path.read_text())
    assert doc["failed"] == ["BB2"]
    err = [r for r in doc["results"] if r["unit_id"] == "BB2"][0]["error"]
    assert err["exception"] == "RuntimeError" and "planted failure" in err["message"]
    assert err["cell"] is not None
    assert (project / "reports" / "BB2" / "tiny.failed.ipynb").exists()
    assert not (project / "reports" / "BB2" / "tiny.html").exists()
    for u in ("AA1", "CC3"):
        assert (project / "reports" / u / "tiny.html").exists()
    study, failed = reports.failed_units(summary.run_id, project / "reports")
    assert failed == ["BB2"]


def test_batch_asks_the_code_version_once(tmp_path, monkeypatch):
    """git is asked once per batch, not twice per unit; every manifest records its answer."""
    from urbansec_lib.core import versions
    from urbansec_lib.publish.unit_report import example_study

    calls = []
    monkeypatch.setattr(versions, "code_version", lambda root=None: calls.append(root) or "c0de")
    root, nb = example_study(tmp_path)
    s = reports.run(nb, ["AA1", "BB2", "CC3"], root=root, jobs=1, progress=False)
    assert s.ok and len(calls) == 1
    for u in ("AA1", "BB2", "CC3"):
        doc = json.loads((root / "reports" / u / "manifest.json").read_text())
        assert doc["studies"]["example"]["code_version"] == "c0de"
    assert json.loads(s.path.read_text())["code_version"] == "c0de"


@pytest.mark.slow
def test_privacy_scan_blocks_publication(project):
    pytest.importorskip("urbansec_lib.privacy")
    inp = str(project / "data" / "input.csv")
    st = reports.run_unit(
        "notebooks/tiny.ipynb",
        "AA1",
        {"input_csv": inp, "leak": "contact: jane.doe@example.org"},
        root=project,
        reports_dir=project / "reports",
    )
    assert st["status"] == "blocked"
    assert not (project / "reports" / "AA1" / "tiny.html").exists()


@pytest.mark.slow
def test_reproduce_after_moving_the_project(project, tmp_path_factory):
    st = reports.run_unit(
        "notebooks/tiny.ipynb",
        "AA1",
        {"input_csv": "data/input.csv"},
        root=project,
        reports_dir=project / "reports",
    )
    assert st["status"] == "ok", st
    man = json.loads((project / "reports" / "AA1" / "manifest.json").read_text())
    assert man["studies"]["tiny"]["parameters"]["data_dir"] == "data"
    moved = tmp_path_factory.mktemp("moved") / "proj"
    shutil.copytree(project, moved)
    rr = reports.reproduce(moved / "reports" / "AA1" / "manifest.json", root=moved)
    assert rr.identical, rr.summary()
