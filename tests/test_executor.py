"""Warm-kernel executor: papermill-identical notebooks and results, state reset, errors."""

import json
import os
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from notebook_helpers import stdout_of, write_notebook

from urbansec_lib import executor as wx
from urbansec_lib import reports

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TINY = HERE / "data" / "notebooks" / "tiny.ipynb"
CITY = ROOT / "notebooks" / "city_self_assessment.ipynb"


_nb, _stdout = write_notebook, stdout_of


@pytest.fixture(scope="module")
def ex():
    e = wx.WarmExecutor(timeout=60, preload=("numpy", "pandas", "matplotlib.pyplot"))
    yield e
    e.close()


def test_parameters_and_metadata_as_papermill(ex, tmp_path):
    p = _nb(tmp_path / "a.ipynb", "print(x * 2, out)")
    nb, err = ex.execute(p, {"x": 21, "out": "ok"}, output_path=tmp_path / "a.out.ipynb")
    assert err is None
    # injected-parameters cell right after the `parameters` cell, papermill's text
    assert nb.cells[1].metadata.tags == ["parameters"]
    assert nb.cells[2].metadata.tags == ["injected-parameters"]
    assert nb.cells[2].source == '# Parameters\nx = 21\nout = "ok"\n'
    assert _stdout(nb.cells[3]) == "42 ok\n"
    meta = nb.metadata.papermill
    assert meta.parameters == {"x": 21, "out": "ok"} and meta.exception is None
    assert meta.input_path == str(p) and meta.output_path == str(tmp_path / "a.out.ipynb")
    assert meta.duration > 0 and meta.start_time and meta.end_time
    assert [c.metadata.papermill.status for c in nb.cells] == ["completed"] * 4
    # execution counts restart at 1 in every notebook, as in a new kernel
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3]
    nb2, _ = ex.execute(p, {"x": 1})
    assert [c.execution_count for c in nb2.cells if c.cell_type == "code"] == [1, 2, 3]
    assert (
        nbformat.read(tmp_path / "a.out.ipynb", as_version=4).cells[3].outputs
        == nb.cells[3].outputs
    )
    # same cells, tags and metadata keys as a papermill run of the same notebook
    cold = pm.execute_notebook(
        str(p), None, parameters={"x": 21, "out": "ok"}, progress_bar=False, kernel_name="python3"
    )
    assert [(c.source, c.metadata.tags) for c in cold.cells] == [
        (c.source, c.metadata.tags) for c in nb.cells
    ]
    assert [c.outputs for c in cold.cells if c.cell_type == "code"] == [
        c.outputs for c in nb.cells if c.cell_type == "code"
    ]
    assert set(cold.metadata.papermill) == set(meta)


def test_state_is_reset_between_notebooks_but_modules_stay(ex, tmp_path):
    dirty = _nb(
        tmp_path / "dirty.ipynb",
        "import os, sys, warnings, logging, colorsys\n"
        "import pandas as pd, matplotlib, matplotlib.pyplot as plt, numpy as np\n"
        "leftover = 1\n"
        "pd.set_option('display.precision', 1)\n"
        "matplotlib.rcParams['lines.linewidth'] = 9.0\n"
        "os.environ['URBANSEC_TEST_LEAK'] = '1'\n"
        "sys.path.insert(0, '/nowhere')\n"
        "warnings.simplefilter('error')\n"
        "logging.getLogger().addHandler(logging.NullHandler())\n"
        "fig = plt.figure()\n"
        "np.random.seed(1)\n"
        "os.chdir('/')",
    )
    probe = _nb(
        tmp_path / "probe.ipynb",
        "import os, sys, warnings, logging, json\n"
        "import pandas as pd, matplotlib, matplotlib.pyplot as plt, numpy as np\n"
        "print(json.dumps({'leftover': 'leftover' in dir(), 'precision': "
        "pd.get_option('display.precision'), 'lw': matplotlib.rcParams['lines.linewidth'], "
        "'env': 'URBANSEC_TEST_LEAK' in os.environ, 'path': '/nowhere' in sys.path, "
        "'filters': [f[0] for f in warnings.filters[:1]], 'handlers': "
        "len(logging.getLogger().handlers), 'figs': plt.get_fignums(), 'cwd': os.getcwd(), "
        "'draw': float(np.random.RandomState(1).rand()) == float(np.random.rand()), "
        "'colorsys': 'colorsys' in sys.modules}))",
    )
    before, err = ex.execute(probe)
    assert err is None
    _, err = ex.execute(dirty)
    assert err is None
    after, err = ex.execute(probe)
    assert err is None
    b, a = json.loads(_stdout(before.cells[-1])), json.loads(_stdout(after.cells[-1]))
    assert a["colorsys"] and not b["colorsys"]  # imported modules stay cached: the speed-up
    b.pop("colorsys"), a.pop("colorsys")
    assert a == b
    assert a["leftover"] is False and a["precision"] == 6 and a["figs"] == [] and not a["draw"]


@pytest.mark.slow
def test_cell_error_reported_as_papermill_and_kernel_replaced(ex, tmp_path):
    bad = _nb(
        tmp_path / "bad.ipynb",
        "import sys\nsys.modules['_urbansec_poison'] = sys",
        "print('before')",
        "raise RuntimeError('planted failure ' + str(x))",
        "print('never')",
    )
    cold_path = tmp_path / "cold.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as cold_err:
        pm.execute_notebook(
            str(bad), str(cold_path), parameters={"x": 7}, progress_bar=False, kernel_name="python3"
        )
    if ex.km is None:  # run alone, the shared executor has not started its kernel yet
        ex.start()
    starts = ex.kernel_starts
    nb, err = ex.execute(bad, {"x": 7}, output_path=tmp_path / "warm.ipynb")
    assert isinstance(err, pm.PapermillExecutionError)
    c = cold_err.value
    assert (
        (err.ename, err.evalue, err.cell_index, err.exec_count)
        == (c.ename, c.evalue, c.cell_index, c.exec_count)
        == ("RuntimeError", "planted failure 7", 5, 5)
    )
    assert str(err) == str(c)
    cold = nbformat.read(cold_path, as_version=4)
    warm = nbformat.read(tmp_path / "warm.ipynb", as_version=4)
    # same partial notebook: error banner + anchor cells, later cells not executed
    assert [(x.source, x.metadata.get("tags")) for x in warm.cells] == [
        (x.source, x.metadata.get("tags")) for x in cold.cells
    ]
    assert [x.get("execution_count") for x in warm.cells] == [
        x.get("execution_count") for x in cold.cells
    ]
    assert warm.metadata.papermill.exception is True
    assert warm.cells[-1].execution_count is None and warm.cells[-1].outputs == []
    info = reports._error_info(warm)
    assert info == reports._error_info(cold)
    assert (info["exception"], info["message"]) == ("RuntimeError", "planted failure 7")
    # the next notebook runs in a new kernel: nothing of the failed one survives
    probe = _nb(tmp_path / "probe.ipynb", "import sys\nprint('_urbansec_poison' in sys.modules)")
    nb2, err2 = ex.execute(probe)
    assert err2 is None and _stdout(nb2.cells[-1]) == "False\n"
    # one new kernel for the retry of the failed notebook, one after its second failure
    assert ex.kernel_starts == starts + 2
    assert warm.metadata.papermill.urbansec_retried is True


@pytest.mark.slow
def test_timeout_returns_error_and_recovers(tmp_path):
    slow = _nb(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)")
    ok = _nb(tmp_path / "ok.ipynb", "print(x)")
    with wx.WarmExecutor(timeout=2, preload=(), retry=False) as e:
        nb, err = e.execute(slow)
        assert err is not None and "timed out" in str(err).lower()
        assert nb.metadata.papermill.exception is True
        nb, err = e.execute(ok, {"x": 5})
        assert err is None and _stdout(nb.cells[3]) == "5\n" and e.kernel_starts == 2


@pytest.mark.slow
def test_a_dead_kernel_never_loses_the_unit(tmp_path):
    """The kernel dies under the first run; the unit is re-run once in a new kernel."""
    marker = tmp_path / "died-once"
    dies = _nb(
        tmp_path / "dies.ipynb",
        "import os, pathlib\n"
        f"m = pathlib.Path({str(marker)!r})\n"
        "if not m.exists():\n"
        "    m.write_text('x')\n"
        "    os._exit(1)",
        "print(x + 1)",
    )
    with wx.WarmExecutor(timeout=30, preload=()) as e:
        nb, err = e.execute(dies, {"x": 1})
        assert err is None and _stdout(nb.cells[-1]) == "2\n"
        assert e.retries == 1 and e.kernel_starts == 2
        assert nb.metadata.papermill.urbansec_retried is True
        assert "DeadKernel" in nb.metadata.papermill.urbansec_first_error
    with wx.WarmExecutor(timeout=30, preload=(), retry=False) as e:
        marker.unlink()
        nb, err = e.execute(dies, {"x": 1})
        assert err is not None and e.retries == 0


def test_get_executor_is_a_per_process_singleton():
    a = wx.get_executor("python3", 30)
    assert wx.get_executor("python3", 60) is a and a.timeout == 60
    b = wx.get_executor("python3-other")
    assert b is not a and b.kernel_name == "python3-other"
    assert a.km is None and b.km is None  # kernels start lazily, at the first notebook
    wx.close_executors()
    assert wx.get_executor() is not b


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        reports.run_unit("notebooks/tiny.ipynb", "AA1", engine="warp")


@pytest.mark.slow
def test_city_results_byte_identical_to_cold_papermill(tmp_path):
    """Same unit twice in a warm kernel, and after another unit: the Recorder's results
    JSON is byte-identical to a cold papermill run (so are the figures)."""
    data = str(ROOT / "data")

    def params(u, tag):
        return {"unit_id": u, "data_dir": data, "results_path": str(tmp_path / f"{tag}_{u}.json")}

    cold = {}
    for u in ("ES001C", "FI001C"):
        cold[u] = pm.execute_notebook(
            str(CITY), None, parameters=params(u, "cold"), progress_bar=False, kernel_name="python3"
        )
    warm = []
    with wx.WarmExecutor(timeout=600) as e:
        for i, u in enumerate(("FI001C", "ES001C", "ES001C")):
            nb, err = e.execute(CITY, params(u, f"warm{i}"))
            assert err is None, err
            warm.append((u, nb))
        assert e.kernel_starts == 1
    for i, (u, nb) in enumerate(warm):
        ref = (tmp_path / f"cold_{u}.json").read_bytes()
        assert json.loads(ref)["results"]["unit_name"]
        assert (tmp_path / f"warm{i}_{u}.json").read_bytes() == ref, (i, u)

        def pngs(notebook):
            return [
                o["data"]["image/png"]
                for c in notebook.cells
                if c.cell_type == "code"
                for o in c.outputs
                if "image/png" in o.get("data", {})
            ]

        assert pngs(nb) == pngs(cold[u]) and len(pngs(nb)) >= 4


@pytest.mark.slow
def test_run_unit_warm_and_papermill_engines_agree(tmp_path):
    proj = tmp_path / "p"
    (proj / "notebooks").mkdir(parents=True)
    shutil.copy(TINY, proj / "notebooks" / "tiny.ipynb")
    (proj / "pyproject.toml").write_text("[project]\nname='x'\n")
    (proj / "data").mkdir()
    (proj / "data" / "input.csv").write_text("x\n1\n2\n3\n4\n")
    par = {"input_csv": str(proj / "data" / "input.csv")}
    out = {}
    try:
        for engine in ("papermill", "warm", "warm"):
            rd = tmp_path / f"r_{engine}_{len(out)}"
            st = reports.run_unit(
                "notebooks/tiny.ipynb",
                "AA1",
                par,
                root=proj,
                reports_dir=rd,
                run_id="r",
                engine=engine,
            )
            assert st["status"] == "ok", st
            out[rd.name] = (rd / "AA1" / "tiny.results.json").read_bytes()
            st = reports.run_unit(
                "notebooks/tiny.ipynb",
                "BB2",
                dict(par, fail=True),
                root=proj,
                reports_dir=rd,
                engine=engine,
            )
            assert st["status"] == "failed" and st["error"]["cell"] == 7  # as papermill writes it
            assert st["error"]["exception"] == "RuntimeError"
            assert (rd / "BB2" / "tiny.failed.ipynb").exists()
    finally:
        wx.close_executors()
    assert len(set(out.values())) == 1


def test_changed_library_code_replaces_the_kernel(tmp_path):
    mod = tmp_path / "urbansec_probe_mod.py"
    mod.write_text("VALUE = 1\n")
    code = (
        f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nimport urbansec_probe_mod\n"
        "print(urbansec_probe_mod.VALUE)"
    )
    nb_path = _nb(tmp_path / "m.ipynb", code)
    with wx.WarmExecutor(preload=(), watch=("urbansec_probe_mod",)) as e:
        assert _stdout(e.execute(nb_path)[0].cells[-1]) == "1\n"
        assert _stdout(e.execute(nb_path)[0].cells[-1]) == "1\n" and e.kernel_starts == 1
        mod.write_text("VALUE = 2\n")
        st = mod.stat()
        os.utime(mod, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        assert _stdout(e.execute(nb_path)[0].cells[-1]) == "2\n" and e.kernel_starts == 2
