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


@pytest.mark.slow
def test_existing_data_study_on_dask_local_cluster(tmp_path):
    """The existing-data study on a LocalCluster: the store is built once by the caller,
    every unit of the set (here a sample across levels) is reported, none is lost."""
    distributed = pytest.importorskip("dask.distributed")
    from urbansec_lib import store, studies

    root = HERE.parent
    shutil.copytree(root / "data" / "raw", tmp_path / "raw")
    st = store.build_store(tmp_path)
    groups = st.peer_groups()
    units = st.units()
    sample = [
        units.loc[units["level"] == lv, "unit_id"].iloc[0] for lv in sorted(set(units["level"]))
    ]
    assert set(sample) <= set(studies.study_units("existing_data", tmp_path, scope="registry"))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        s = reports.run(
            "existing_data",
            sample,
            root=root,
            reports_dir=tmp_path / "reports",
            parameters={"data_dir": str(tmp_path)},
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert s.ok, s.summary()
    for u in sample:
        res = json.loads((tmp_path / "reports" / u / "existing_data.results.json").read_text())
        members = {k: v for k, v in groups.items() if v == groups[u]}
        assert res["results"]["peer_group"] == members
