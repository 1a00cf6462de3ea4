"""In-process engine: papermill's notebook shape and results without a kernel, state reset,
errors and timeouts."""

import json
import os
import re
import shutil
import sys
import threading
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from notebook_helpers import stdout_of, write_notebook

from urbansec_lib import reports
from urbansec_lib.publish import inprocess

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


_nb, _stdout = write_notebook, stdout_of


def _shape(nb):
    """Cells and outputs without what differs from run to run (times, ids, addresses)."""

    def out(o):
        data = {
            k: (re.sub(r"0x[0-9a-f]+", "0x", v) if k == "text/plain" else v)
            for k, v in o.get("data", {}).items()
        }
        tb = [ANSI.sub("", t) for t in o.get("traceback", [])]
        return (o.output_type, o.get("name"), o.get("text"), data, o.get("metadata"),
                o.get("execution_count"), o.get("ename"), o.get("evalue"), tb)  # fmt: skip

    return [
        (
            c.cell_type,
            c.source,
            c.metadata.get("tags"),
            c.get("execution_count"),
            sorted(c.metadata),
            c.metadata.get("papermill", {}).get("status"),
            [out(o) for o in c.get("outputs", [])],
        )  # fmt: skip
        for c in nb.cells
    ]


@pytest.fixture()
def ex():
    return inprocess.get_inprocess_executor(timeout=60)


@pytest.mark.slow
def test_outputs_errors_and_metadata_as_papermill(ex, tmp_path):
    """Streams, displays (with metadata), results, figures, an error: as papermill has them.

    (``plt.show()`` comes before the first use of urbansec_lib's plotting modules, which
    switch a kernel to the Agg backend: after that a kernel shows no figure on
    ``plt.show()``; the in-process engine still does.)"""
    p = _nb(
        tmp_path / "probe.ipynb",
        "print('a')\nimport sys\nprint('e', file=sys.stderr)\nprint('b')\n"
        "from IPython.display import display, Markdown\ndisplay(Markdown('**hi**'))\nprint('c')\n"
        "x + 1",
        "",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nfig",
        "fig, ax = plt.subplots()\nax.plot([3, 1])\nplt.show()\nprint('after')",
        "import urbansec_lib as us\nfig, ax = plt.subplots()\nax.bar([1, 2], [3, 4])\n"
        "us.reports.show_figure(fig, alt='Two bars, the second higher.', title='Bars')",
        "import pandas as pd\npd.DataFrame({'a': [1, 2]})",
        "y = 1;",
        "def f():\n    raise ValueError('boom ' + str(x))\nf()",
        "print('never')",
    )
    cold_path, hot_path = tmp_path / "cold.ipynb", tmp_path / "hot.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as cold_err:
        pm.execute_notebook(
            str(p), str(cold_path), parameters={"x": 5}, progress_bar=False, kernel_name="python3"
        )
    import matplotlib

    # a worker starts from matplotlib's defaults, as a new kernel does; this test process
    # may carry the style other tests applied (urbansec's figures theme), so start there
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        nb, err = ex.execute(p, {"x": 5}, output_path=hot_path)
    c = cold_err.value
    assert isinstance(err, pm.PapermillExecutionError)
    assert (err.ename, err.evalue, err.cell_index, err.exec_count) == (
        c.ename, c.evalue, c.cell_index, c.exec_count)  # fmt: skip
    assert ANSI.sub("", str(err)) == ANSI.sub("", str(c))
    cold, hot = nbformat.read(cold_path, as_version=4), nbformat.read(hot_path, as_version=4)
    assert _shape(hot) == _shape(cold)
    assert hot.metadata.language_info == cold.metadata.language_info
    assert set(hot.metadata.papermill) == set(cold.metadata.papermill)
    assert hot.metadata.papermill.exception is True
    assert reports._error_info(hot) == reports._error_info(cold)
    imgs = [
        o for cell in hot.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(imgs) == 5 and imgs[4].metadata["image/png"]["alt"] == "Two bars, the second higher."


def test_state_does_not_leak_between_notebooks(ex, tmp_path):
    dirty = _nb(
        tmp_path / "dirty.ipynb",
        "import os, sys, warnings, logging\n"
        "import pandas as pd, matplotlib, matplotlib.pyplot as plt, numpy as np\n"
        "leftover = 1\n"
        "pd.set_option('display.precision', 1)\n"
        "matplotlib.rcParams['lines.linewidth'] = 9.0\n"
        "os.environ['URBANSEC_TEST_LEAK'] = '1'\n"
        "sys.path.insert(0, '/nowhere')\n"
        "warnings.simplefilter('error')\n"
        "logging.getLogger().addHandler(logging.NullHandler())\n"
        "plt.ioff()\nfig = plt.figure()\nplt.ion()\n"
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
        "'draw': float(np.random.RandomState(1).rand()) == float(np.random.rand())}))",
        "import logging\nlogging.warning('to the cell')",
    )
    ex.start()  # the preload imports may set environment variables: before the snapshot
    cwd, path, env = os.getcwd(), list(sys.path), dict(os.environ)
    stdout, main = sys.stdout, sys.modules["__main__"]
    before, err = ex.execute(probe)
    assert err is None
    _, err = ex.execute(dirty)
    assert err is None
    after, err = ex.execute(probe)
    assert err is None
    b, a = json.loads(_stdout(before.cells[-2])), json.loads(_stdout(after.cells[-2]))
    assert a == b
    assert a["leftover"] is False and a["precision"] == 6 and a["figs"] == [] and not a["draw"]
    assert a["lw"] != 9.0 and a["handlers"] == 0
    assert _stdout(after.cells[-1]) == "WARNING:root:to the cell\n"
    # this process is as it was: the notebooks ran in it, and left nothing behind
    assert (os.getcwd(), sys.path, dict(os.environ)) == (cwd, path, env)
    assert sys.stdout is stdout and sys.modules["__main__"] is main
    assert [c.execution_count for c in after.cells if c.cell_type == "code"] == [1, 2, 3]


@pytest.mark.slow
def test_timeout_in_the_main_thread_and_in_another(tmp_path):
    slow = _nb(tmp_path / "slow.ipynb", "import time\nprint('started')\ntime.sleep(30)")
    busy = _nb(tmp_path / "busy.ipynb", "while True:\n    pass")
    ok = _nb(tmp_path / "ok.ipynb", "print(x)")
    ex = inprocess.get_inprocess_executor(timeout=1)
    try:
        nb, err = ex.execute(slow)
        assert err is not None and "timed out" in str(err).lower()
        assert nb.metadata.papermill.exception is True
        assert [o.output_type for o in nb.cells[-1].outputs] == ["stream"]  # no error output
        nb, err = ex.execute(ok, {"x": 5})
        assert err is None and _stdout(nb.cells[3]) == "5\n"
        got = {}
        t = threading.Thread(target=lambda: got.update(r=ex.execute(busy)))  # as a Dask worker
        t.start()
        t.join(20)
        assert not t.is_alive() and "timed out" in str(got["r"][1]).lower()
        nb, err = ex.execute(ok, {"x": 6})
        assert err is None and _stdout(nb.cells[3]) == "6\n"
    finally:
        ex.timeout = 600


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="inprocess"):
        reports.run_unit("notebooks/tiny.ipynb", "AA1", engine="warp")


def _tables_and_images(html: str) -> tuple[list[str], int]:
    tables = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t)).strip()
        for t in re.findall(r"<table.*?</table>", html, flags=re.S)
    ]
    return tables, len(re.findall(r"<img\b", html))


def _same_reports(study, unit, tmp_path, parameters=None, root=ROOT):
    out = {}
    for engine in ("papermill", "inprocess"):
        rd = tmp_path / engine
        st = reports.run_unit(
            study, unit, parameters, root=root, reports_dir=rd, run_id="r", engine=engine
        )
        assert st["status"] == "ok", st
        html = Path(st["html"]).read_text("utf-8")
        out[engine] = ((rd / unit / f"{study}.results.json").read_bytes(), _tables_and_images(html))
    (res_p, (tab_p, img_p)), (res_i, (tab_i, img_i)) = out["papermill"], out["inprocess"]
    assert json.loads(res_p)["results"]
    assert res_i == res_p  # byte-identical recorded numbers
    assert img_i == img_p and tab_i == tab_p
    return img_p, len(tab_p)


@pytest.mark.slow
def test_city_self_assessment_as_papermill(tmp_path):
    imgs, tables = _same_reports("city_self_assessment", "ES001C", tmp_path)
    assert imgs >= 4 and tables >= 3


@pytest.mark.slow
def test_existing_data_as_papermill(tmp_path):
    from urbansec_lib import store

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "data" / "raw", ws / "raw")
    store.build_store(ws)
    imgs, tables = _same_reports("existing_data", "ES001C", tmp_path, {"data_dir": str(ws)})
    assert imgs >= 1 and tables >= 3


@pytest.mark.slow
def test_failed_unit_as_papermill(tmp_path):
    proj = tmp_path / "p"
    (proj / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "notebooks" / "tiny.ipynb", proj / "notebooks")
    (proj / "pyproject.toml").write_text("[project]\nname='x'\n")
    (proj / "data").mkdir()
    (proj / "data" / "input.csv").write_text("x\n1\n2\n3\n4\n")
    par = {"input_csv": str(proj / "data" / "input.csv"), "fail": True}
    errors = []
    for engine in ("papermill", "inprocess"):
        rd = tmp_path / f"r_{engine}"
        st = reports.run_unit(
            "notebooks/tiny.ipynb", "BB2", par, root=proj, reports_dir=rd, engine=engine
        )
        assert st["status"] == "failed" and (rd / "BB2" / "tiny.failed.ipynb").exists()
        failed = nbformat.read(rd / "BB2" / "tiny.failed.ipynb", as_version=4)
        for cell in failed.cells:  # the temporary results path differs
            cell.source = re.sub(r"r_\w+/BB2/\.run-\w+", "TMP", cell.source)
        errors.append((st["error"], reports._error_info(failed), _shape(failed)))
        # the error message carries the traceback: compare it without colours
        errors[-1][0]["message"] = ANSI.sub("", errors[-1][0]["message"])
    assert errors[0] == errors[1]
    assert errors[1][0]["cell"] == 7 and errors[1][0]["exception"] == "RuntimeError"


@pytest.mark.slow
def test_a_unit_that_kills_its_worker_is_rerun_in_a_kernel(tmp_path):
    """The first run of BB2 kills its worker process (and the units waiting with it): those
    run again in a Jupyter kernel; every unit ends up ok."""
    marker = tmp_path / "died-once"
    nb = _nb(
        tmp_path / "dies.ipynb",
        "import os, pathlib\n"
        f"m = pathlib.Path({str(marker)!r})\n"
        "if unit_id == 'BB2' and not m.exists():\n"
        "    m.write_text('x')\n"
        "    os._exit(1)",
        "from IPython.display import Markdown, display\ndisplay(Markdown(f'Unit {unit_id}.'))",
        params='unit_id = "X"\ndata_dir = "data"\nseed = 0\nresults_path = ""',
    )
    (tmp_path / "data").mkdir()
    s = reports.run(str(nb), ["AA1", "BB2", "CC3"], root=tmp_path, jobs=2, progress=False)
    assert marker.exists() and s.ok, s.summary()
    assert json.loads(s.path.read_text())["engine"] == "inprocess"


def test_callers_open_figures_are_neither_shown_nor_closed(ex, tmp_path):
    """A figure the calling process left open is not flushed into the notebook's first cell
    and is still open afterwards (the engine runs in the caller's process)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mine = plt.figure()
    try:
        nb, err = ex.execute(_nb(tmp_path / "n.ipynb", "y = x + 1"), {"x": 1})
        assert err is None
        images = [
            o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
        ]
        assert images == [] and plt.fignum_exists(mine.number)
    finally:
        plt.close(mine)


def test_outputs_are_nbformat_outputs_and_the_notebook_validates(ex, tmp_path):
    """Outputs are built as nbformat's ``new_output`` builds them (without its check of each
    output); the executed notebook as a whole passes nbformat's schema, and each cell's
    papermill duration is its end time minus its start time."""
    import datetime as dt

    from nbformat.v4 import new_output

    from urbansec_lib.publish.inprocess_shell import _output

    fields = {
        "stream": {"name": "stderr", "text": "e\n"},
        "display_data": {"data": {"text/plain": "a", "text/html": "<b>a</b>"},
                         "metadata": {"image/png": {"alt": "x"}}},
        "execute_result": {"data": {"text/plain": "2"}, "metadata": {}, "execution_count": 3},
        "error": {"ename": "ValueError", "evalue": "boom", "traceback": ["l1", "l2"]},
    }  # fmt: skip
    for kind, f in fields.items():
        mine, theirs = _output(kind, **f), new_output(kind, **f)
        assert mine == theirs and type(mine.get("data", mine)) is type(theirs.get("data", theirs))
    nb, err = ex.execute(
        _nb(
            tmp_path / "all.ipynb",
            "import sys\nprint('o')\nprint('e', file=sys.stderr)\n"
            "from IPython.display import display, HTML\ndisplay(HTML('<i>h</i>'), metadata={'a': 1})\n"
            "1 + 1",
            "raise KeyError('k')",
        )
    )
    assert isinstance(err, pm.PapermillExecutionError)
    nbformat.validate(nb)  # raises on an invalid output
    kinds = [o.output_type for c in nb.cells for o in c.get("outputs", [])]
    assert {"stream", "display_data", "execute_result", "error"} <= set(kinds)
    ran = [
        c.metadata.papermill for c in nb.cells if c.metadata.get("papermill", {}).get("start_time")
    ]
    assert ran
    for r in ran:
        span = dt.datetime.fromisoformat(r["end_time"]) - dt.datetime.fromisoformat(r["start_time"])
        assert r["duration"] == span.total_seconds() >= 0


def test_magics_are_transformed_on_every_run_and_new_transformers_apply(ex, tmp_path):
    """The remembered static input transformations: a cell magic and a shell escape work in
    every notebook; a transformer registered later is applied to a cell seen before."""
    p = _nb(tmp_path / "m.ipynb", "%%capture c\nprint('hidden')", "v = !echo hi\nprint(v[0])")
    for _ in range(2):
        nb, err = ex.execute(p)
        assert err is None and _stdout(nb.cells[-1]) == "hi\n" and _stdout(nb.cells[-2]) == ""
    ex.start()
    manager = ex.shell.input_transformer_manager

    def shout(lines):
        return [ln.replace("print('hidden')", "print('shown')") for ln in lines]

    manager.cleanup_transforms.append(shout)
    try:
        nb, err = ex.execute(_nb(tmp_path / "m2.ipynb", "print('hidden')"))
        assert err is None and _stdout(nb.cells[-1]) == "shown\n"
    finally:
        manager.cleanup_transforms.remove(shout)
    nb, err = ex.execute(_nb(tmp_path / "m3.ipynb", "print('hidden')"))
    assert _stdout(nb.cells[-1]) == "hidden\n"


def test_first_notebooks_objects_are_collected_before_the_heap_is_frozen(tmp_path):
    """After its first notebook the engine freezes the heap (gc.freeze): the notebook's own
    objects, cycles included, are gone by then, and later notebooks' cycles are collected."""
    import subprocess

    nb = _nb(
        tmp_path / "cycle.ipynb",
        "import sys, weakref\nclass Node: pass\n"
        "a = Node(); a.me = a\n"
        "sys.modules['urbansec_lib'].__dict__.setdefault('_probe', []).append(weakref.ref(a))",
    )
    code = (
        "import gc, sys\nfrom urbansec_lib.publish import inprocess\nimport urbansec_lib\n"
        "ex = inprocess.get_inprocess_executor()\n"
        f"for _ in range(2):\n    nb, err = ex.execute({str(nb)!r})\n    assert err is None, err\n"
        "gc.collect()\n"
        "print(gc.get_freeze_count() > 0, [r() is None for r in urbansec_lib._probe])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == "True [True, True]"
