"""The batch runs on an existing distributed engine: Dask, tested on a LocalCluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from urbansec_lib import reports

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_batch_on_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(HERE / "data" / "notebooks" / "tiny.ipynb", tmp_path / "notebooks" / "tiny.ipynb")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "data").mkdir()
    inp = tmp_path / "data" / "input.csv"
    inp.write_text("x\n1\n2\n3\n")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        s = reports.run(
            "notebooks/tiny.ipynb",
            ["AA1", "BB2"],
            root=tmp_path,
            reports_dir=tmp_path / "reports",
            parameters={"input_csv": str(inp)},
            unit_parameters={"BB2": {"fail": True}},
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert s.failed == ["BB2"]
    assert (tmp_path / "reports" / "AA1" / "tiny.html").exists()
    doc = json.loads(s.path.read_text())
    assert doc["executor"] == "dask"
