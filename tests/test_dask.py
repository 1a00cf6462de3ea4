"""The batch runs on an existing distributed engine: Dask, tested on a LocalCluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from notebook_helpers import write_notebook

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


@pytest.mark.slow
def test_a_unit_that_kills_every_worker_fails_alone_on_dask(tmp_path):
    """BB2 kills the worker process on every try: Dask gives up on it (KilledWorker), the
    batch runs it in a Jupyter kernel, which dies too (and once more in a new kernel); BB2
    is reported failed and the other units are ok (the batch never raises)."""
    distributed = pytest.importorskip("dask.distributed")
    import dask

    log = tmp_path / "tries.txt"
    nb = write_notebook(
        tmp_path / "dies.ipynb",
        "import os, sys\n"
        "if unit_id == 'BB2':\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(('kernel' if 'ipykernel' in sys.modules else 'inprocess') + '\\n')\n"
        "    os._exit(1)",
        "from IPython.display import Markdown, display\ndisplay(Markdown(f'Unit {unit_id}.'))",
        params='unit_id = "X"\ndata_dir = "data"\nseed = 0\nresults_path = ""',
    )
    (tmp_path / "data").mkdir()
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            s = reports.run(
                str(nb),
                ["AA1", "BB2", "CC3"],
                root=tmp_path,
                executor="dask",
                scheduler=cluster.scheduler_address,
                progress=False,
            )
    assert s.failed == ["BB2"], s.summary()
    assert (tmp_path / "reports" / "CC3" / "dies.html").exists()
    # two tries in-process (allowed-failures 1), then in a kernel, retried once in a new one
    assert log.read_text().split() == ["inprocess", "inprocess", "kernel", "kernel"]


@pytest.mark.slow
def test_existing_data_study_on_dask_local_cluster(tmp_path):
    """The full existing-data set (every unit the store profiles: 2,261 cities and regions
    from the bundled public data) on a LocalCluster: the store is built once by the caller,
    every unit is reported, none is lost, each with its own peer group from the store
    (about 10 minutes on 2 cores)."""
    distributed = pytest.importorskip("dask.distributed")
    from urbansec_lib import store, studies

    root = HERE.parent
    shutil.copytree(root / "data" / "raw", tmp_path / "raw")
    st = store.build_store(tmp_path)
    groups = st.peer_groups()
    units = studies.study_units("existing_data", tmp_path, scope="registry")
    assert len(units) == len(st.units()) > 2000
    assert set(st.units()["level"]) >= {"city", "NUTS1", "NUTS2", "NUTS3"}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        s = reports.run(
            "existing_data",
            units,
            root=root,
            reports_dir=tmp_path / "reports",
            parameters={"data_dir": str(tmp_path)},
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert s.ok and len(s.table) == len(units), s.summary()[:2000]
    members: dict = {}
    for k, v in groups.items():
        members.setdefault(v, {})[k] = v
    for u in units:
        assert (tmp_path / "reports" / u / "existing_data.html").exists()
        res = json.loads((tmp_path / "reports" / u / "existing_data.results.json").read_text())
        assert res["results"]["peer_group"] == members[groups[u]]
