"""In-process notebook execution: the cells run in this process, in an IPython shell.

The warm kernel (:mod:`urbansec_lib.publish.executor`) saves the kernel start and the imports
per notebook, but every cell still goes through a Jupyter kernel: the execute request, the
iopub messages of every output, their serialisation, nbclient's message loop. For a report
that is cheap to compute that machinery costs about as much as the analysis itself.
:class:`InProcessExecutor` runs the cells with IPython's own ``InteractiveShell`` inside
the calling process - no kernel, no ZMQ - and builds the executed notebook directly.

The executed notebook has papermill's shape: the notebook is prepared and finished with
papermill's own functions (``load_notebook_node``, ``parameterize_notebook``,
``prepare_notebook_metadata``, ``remove_error_markers``, papermill's
``NotebookExecutionManager`` for the per-cell ``metadata.papermill`` timing, status and
exception flag and the notebook's ``metadata.papermill`` record, ``raise_for_execution_errors``
for the red error banner and anchor and the returned
:class:`papermill.exceptions.PapermillExecutionError`), and every cell gets the nbformat
outputs a kernel would have sent, in the order it sent them:

* ``stream`` (``stdout``, ``stderr``): buffered per stream and flushed (stdout first) before
  any other output and at the end of the cell, as ipykernel's output streams do;
* ``display_data``: from the shell's display publisher (``display()``, ``Image`` and
  figures, with their metadata - the alt text of a figure, say; ``display_id`` updates and
  ``clear_output`` as nbclient applies them);
* ``execute_result``: the cell's last expression, with its execution count (``;`` silences
  it, as in a notebook);
* ``error``: ``ename``, ``evalue`` and the traceback lines; the notebook stops there (the
  rest is not run) unless the cell is tagged ``raises-exception``.

Cells tagged ``skip-execution`` and empty cells are not run; execution counts start at 1 in
every notebook; ``metadata.execution`` records the timings nbclient records;
``metadata.language_info`` is what ipykernel reports.

Matplotlib's backend is :mod:`urbansec_lib.publish.inprocess_shell`: an Agg canvas (``FigureCanvasAgg``, the
renderer of the inline backend and of the plain ``"Agg"`` backend); ``plt.show()`` displays
the open figures and closes them; after every cell, figures left open are displayed as PNG
and closed (the inline backend's ``flush_figures``); a figure as a cell's last expression
is shown as a PNG (``bbox_inches="tight"``, as in Jupyter).

A library that calls ``matplotlib.use("Agg")`` (urbansec_lib's plotting modules do, so
that they work headless) switches a Jupyter kernel away from its inline backend for good:
there, ``plt.show()`` then shows nothing and figures left open are never shown. Here the
backend is set back to the engine's after the cell, so both keep working.

Between notebooks the process is put back as it was before the notebook
(:func:`urbansec_lib.publish.kernel_state._setup_state`, the same code as the warm
kernel's reset): the namespace cleared, figures closed, rcParams, pandas options, working
folder, ``sys.path``, ``os.environ``, warnings filters (and "already warned" registries),
the root logger, and the global random generators re-seeded from the OS. While a
notebook runs, the root logger has no handlers (as in a new kernel: a warning logged by
the notebook goes to its ``stderr``), ``sys.stdout``/``sys.stderr`` and ``sys.displayhook``
are the notebook's and ``sys.modules["__main__"]`` is the notebook's namespace.

After the first notebook the process's heap is frozen (``gc.freeze``, after a full
collection): the modules a study imports live as long as the process, and without the freeze
every later full collection walks them again (on a batch of existing-data reports, the
largest cost of this engine over a plain script).

Limits (a new kernel per notebook, ``engine="papermill"``, has none of them):

* state kept inside imported modules (caches, monkey patches) is not reset, as with the warm
  kernel; library code changed on disk is not reloaded (a batch's worker processes live
  as long as the batch);
* objects that existed when the heap was frozen are left to reference counting: a cycle
  among them that becomes garbage later is not collected (in the calling process too);
* output written at the C level (file descriptors 1 and 2, subprocesses) goes to this
  process's own output, not the notebook's;
* a notebook that crashes the interpreter (``os._exit``, a segfault) takes the process with
  it;
* the per-cell ``timeout`` uses ``SIGALRM`` in the main thread; in another thread (a Dask
  worker) a watchdog thread raises the timeout in the running thread, which happens only
  when it next runs Python code (a long C call or ``time.sleep`` finishes first). Either
  way the timeout is raised inside the cell: code catching ``BaseException`` can swallow it.

Example
-------
>>> import tempfile, pathlib
>>> from urbansec_lib.publish.unit_report import example_notebook
>>> nb_path = example_notebook(pathlib.Path(tempfile.mkdtemp()) / "example.ipynb")
>>> ex = get_inprocess_executor()
>>> nb, err = ex.execute(nb_path, {"unit_id": "ES001C"})
>>> err is None, nb.cells[-1].outputs[0].data["text/markdown"]
(True, 'The answer for ES001C is 42.')
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .executor import DEFAULT_PRELOAD, prepare_notebook
from .inprocess_shell import (
    BACKEND,
    _Capture,
    _language_info,
    _now,
    _running,
    _shell_class,
    _Stream,
    show,
)
from .kernel_state import _setup_state

__all__ = ["InProcessExecutor", "get_inprocess_executor"]

log = logging.getLogger(__name__)

_lock = threading.RLock()  # one shell per process: one notebook at a time
_executor: InProcessExecutor | None = None


class _Timeout(BaseException):
    """Raised inside a cell that ran over the timeout (not an ``Exception``: never caught
    by a notebook's ``except Exception``)."""


# ---------------------------------------------------------------------- the executor
class InProcessExecutor:
    """Execute parameterised notebooks one after another in this process's IPython shell.

    Parameters
    ----------
    timeout : int or None
        Per-cell execution timeout in seconds (as papermill's ``execution_timeout``);
        ``None`` or 0 waits forever. See the module's notes for how it is enforced.
    preload : sequence of str
        Modules imported once, at the first notebook (:data:`DEFAULT_PRELOAD`); modules that
        fail to import are skipped (listed in :attr:`preload_failures`).
    kernel_name : str
        Only recorded (papermill writes it into the ``injected-parameters`` cell's
        language choice); no kernel is started.

    Notes
    -----
    One shell per process (IPython's ``display()`` publishes to the process's shell): use
    :func:`get_inprocess_executor`. Calls from several threads run one after another.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib.publish.unit_report import example_notebook
    >>> nb_path = example_notebook(pathlib.Path(tempfile.mkdtemp()) / "tiny.ipynb")
    >>> ex = get_inprocess_executor(timeout=600)
    >>> nb, err = ex.execute(nb_path, {"unit_id": "AA1"})
    >>> err is None, nb.metadata.papermill.parameters["unit_id"], ex.notebooks_run > 0
    (True, 'AA1', True)
    """

    def __init__(
        self,
        timeout: int | None = 600,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        kernel_name: str = "python3",
    ) -> None:
        self.timeout = timeout
        self.preload = tuple(preload)
        self.kernel_name = kernel_name
        self.shell = None
        self.capture = _Capture()
        self.notebooks_run = 0  #: notebooks executed by this executor
        self.preload_failures: list[str] = []
        self._timed_out = False
        self._builtins: dict[str, Any] = {}  # what IPython adds to builtins

    def start(self) -> None:
        """Create the shell (if not done yet), import :attr:`preload`, set up matplotlib."""
        if self.shell is not None:
            return
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        cfg = Config()
        cfg.HistoryManager.hist_file = ":memory:"  # as nbclient's kernels: no sqlite file
        main, previous = sys.modules.get("__main__"), InteractiveShell._instance
        known = set(vars(builtins))
        try:
            shell = _shell_class()(config=cfg)
        finally:  # the shell's namespace is __main__, its builtins exist: while a notebook runs
            if main is not None:
                sys.modules["__main__"] = main
            InteractiveShell._instance = previous
            self._builtins = {k: vars(builtins).pop(k) for k in set(vars(builtins)) - known}
        shell.capture = self.capture
        self.shell = shell
        self.preload_failures = _setup_state(self.preload, (), shell, register=False).failed_imports
        self._activate_matplotlib()
        shell.events.register("post_execute", self._flush_figures)

    def _activate_matplotlib(self) -> None:
        import matplotlib

        if matplotlib.get_backend() == BACKEND:
            return
        from IPython.core.pylabtools import activate_matplotlib, select_figure_formats

        activate_matplotlib(BACKEND)  # as the kernel for its inline backend: interactive mode
        select_figure_formats(self.shell, {"png"}, bbox_inches="tight")

    def _flush_figures(self) -> None:
        """After every cell: figures left open are displayed and closed (``flush_figures``)."""
        if "matplotlib.pyplot" in sys.modules:
            from matplotlib._pylab_helpers import Gcf

            if Gcf.get_all_fig_managers():
                show(True)
            import matplotlib

            if matplotlib.get_backend().lower() == "agg":  # matplotlib.use("Agg") in a library
                self._activate_matplotlib()

    # ------------------------------------------------------------------ execution
    def execute(
        self,
        nb_path: str | Path,
        parameters: Mapping[str, Any] | None = None,
        output_path: str | Path | None = None,
    ) -> tuple[Any, Exception | None]:
        """Run one notebook with ``parameters`` injected, in this process.

        Parameters
        ----------
        nb_path : str or Path
            The notebook (a cell tagged ``parameters`` receives the injected values after
            it, exactly as papermill does).
        parameters : mapping, optional
            Python values to inject.
        output_path : str or Path, optional
            Where to write the executed notebook (also on a failure, as papermill does);
            recorded in ``metadata.papermill.output_path``. ``None``: not written.

        Returns
        -------
        executed_nb : nbformat.NotebookNode
            The executed notebook, with papermill's ``metadata.papermill``; on a failure the
            partial notebook with papermill's error banner and anchor cells, later cells
            not executed.
        error : Exception or None
            ``None`` on success; for a cell error a
            :class:`papermill.exceptions.PapermillExecutionError` as papermill raises it;
            for a timeout nbclient's ``CellTimeoutError``.

        Raises
        ------
        FileNotFoundError, nbformat.ValidationError
            Problems before execution (an unreadable notebook).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from urbansec_lib.publish.unit_report import example_notebook
        >>> nb_path = example_notebook(pathlib.Path(tempfile.mkdtemp()) / "e.ipynb")
        >>> nb, err = get_inprocess_executor().execute(nb_path, {"unit_id": "FI001C"})
        >>> [c.execution_count for c in nb.cells if c.cell_type == "code"]
        [1, 2, 3]
        """
        from papermill.execute import raise_for_execution_errors
        from papermill.iorw import write_ipynb

        nb, out = prepare_notebook(nb_path, parameters, output_path, self.kernel_name)
        with _lock:
            self.start()
            error: Exception | None = None
            try:
                nb = self._execute_managed(nb)
                raise_for_execution_errors(nb, None)  # papermill's error cells, then raises
            except Exception as exc:  # noqa: BLE001 - returned to the caller with the notebook
                error = exc
                nb.metadata.papermill["exception"] = True  # unset by papermill on a timeout
            self.notebooks_run += 1
            if self.notebooks_run == 1:
                _freeze_heap()
        if out is not None:
            write_ipynb(nb, out)
        return nb, error

    def _execute_managed(self, nb):
        """papermill's ``Engine.execute_notebook``, with cells run by :meth:`_run_cells`."""
        nb_man = _manager_class()(
            nb, output_path=None, progress_bar=False, log_output=False, autosave_cell_every=0
        )
        nb_man.notebook_start()
        try:
            self._run_cells(nb_man)
            nb_man.nb.metadata["language_info"] = _language_info()
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    def _run_cells(self, nb_man) -> None:
        """papermill's ``papermill_execute_cells``: every cell in turn, stop at an error.

        The process state is snapshot before the first cell and restored after the last.
        """
        from IPython.core.interactiveshell import InteractiveShell

        shell = self.shell
        self._activate_matplotlib()
        foreign = _stash_figures()  # the caller's open figures are neither shown nor closed
        state = _setup_state((), (), shell, register=False)
        root = logging.getLogger()
        saved = (sys.stdout, sys.stderr, sys.modules.get("__main__"), InteractiveShell._instance)
        root.handlers[:] = []  # as in a new kernel: logged warnings go to the cell's stderr
        root.setLevel(logging.WARNING)
        sys.stdout, sys.stderr = _Stream(self.capture, "stdout"), _Stream(self.capture, "stderr")
        sys.modules["__main__"] = shell.user_module
        InteractiveShell._instance = shell
        vars(builtins).update(self._builtins)
        self.capture.display_ids = {}
        _running.append(shell)
        try:
            for index, cell in enumerate(nb_man.nb.cells):
                try:
                    nb_man.cell_start(cell, index)
                    if self._run_cell(cell):
                        nb_man.cell_exception(cell, cell_index=index, exception=self.capture.error)
                        break
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
        finally:
            _running.remove(shell)
            sys.stdout, sys.stderr = saved[0], saved[1]
            try:
                state.restore()
            finally:
                _unstash_figures(foreign)
                if saved[2] is not None:
                    sys.modules["__main__"] = saved[2]
                InteractiveShell._instance = saved[3]
                for k in self._builtins:
                    vars(builtins).pop(k, None)

    def _run_cell(self, cell) -> bool:
        """Run one code cell into its outputs; True when it failed (and errors stop)."""
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or not cell.source.strip() or "skip-execution" in tags:
            return False
        timing = cell.metadata["execution"] = {}
        timing["iopub.status.busy"] = _now()
        cell.outputs = []
        self.capture.start(cell.outputs)
        cell.execution_count = self.shell.execution_count
        timing["iopub.execute_input"] = _now()
        self._timed_out = False
        result = None
        try:
            with self._deadline():
                result = self.shell.run_cell(cell.source, store_history=True)
        except _Timeout:  # raised outside the cell's own code
            self._timed_out = True
        self.capture.flush()
        if self._timed_out:
            from nbclient.exceptions import CellTimeoutError

            cell.outputs[:] = [o for o in cell.outputs if o.get("ename") != _Timeout.__name__]
            raise CellTimeoutError.error_from_timeout_and_cell(
                "Cell execution timed out", self.timeout, cell
            )
        timing["shell.execute_reply"] = timing["iopub.status.idle"] = _now()
        if result is not None and result.execution_count is not None:
            cell.execution_count = result.execution_count
        failed = result is None or not result.success
        return failed and "raises-exception" not in tags

    @contextlib.contextmanager
    def _deadline(self):
        """Raise :class:`_Timeout` in the running cell after :attr:`timeout` seconds."""
        seconds = self.timeout
        if not seconds:
            yield
            return
        if threading.current_thread() is threading.main_thread():

            def alarm(signum, frame):
                self._timed_out = True
                raise _Timeout

            previous = signal.signal(signal.SIGALRM, alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            return
        import ctypes

        tid, guard, running = threading.get_ident(), threading.Lock(), [True]

        def fire():
            with guard:
                if running[0]:
                    self._timed_out = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(tid), ctypes.py_object(_Timeout)
                    )

        timer = threading.Timer(seconds, fire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            with guard:
                running[0] = False
            timer.cancel()
            if self._timed_out:  # not delivered yet (the thread was in C code): withdrawn
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), None)


def _freeze_heap() -> None:
    """After the first notebook the process holds every module a study uses: one full
    collection, then those objects are moved out of the collector's reach (``gc.freeze``).
    They live as long as the process, and every later full collection would walk them again:
    on a report batch that was the largest part of this engine's cost over a plain script.
    Frozen objects still die by reference counting; only cycles among them that become
    garbage later are never collected."""
    import gc

    gc.collect()
    gc.freeze()


@functools.lru_cache(maxsize=1)
def _manager_class():
    """papermill's ``NotebookExecutionManager``, reading a cell's start time back with
    ``datetime.fromisoformat`` (it wrote it with ``isoformat``) instead of dateutil's
    general parser, the costliest step of papermill's per-cell bookkeeping: the same
    ``start_time``, ``end_time``, ``duration`` and ``status``."""
    import datetime as dt

    from papermill.engines import NotebookExecutionManager

    class Manager(NotebookExecutionManager):
        def cell_complete(self, cell, cell_index=None, **kwargs):
            record = cell.metadata.papermill
            start = record.get("start_time")
            record["start_time"] = None  # papermill's own duration step is skipped ...
            try:
                super().cell_complete(cell, cell_index=cell_index, **kwargs)
            finally:
                record["start_time"] = start
            if start:  # ... and done here, from the two times papermill wrote
                end = dt.datetime.fromisoformat(record["end_time"])
                record["duration"] = (end - dt.datetime.fromisoformat(start)).total_seconds()

    return Manager


# ---------------------------------------------------------------------- per-process singleton
_pid: int | None = None


def get_inprocess_executor(
    kernel_name: str = "python3", timeout: int | None = 600
) -> InProcessExecutor:
    """The in-process executor of this process, created on first use.

    Batch workers call this for every unit, so the shell and its imports are shared by all
    the units a worker runs; ``timeout`` and ``kernel_name`` are updated in place. A forked
    child gets its own executor.

    Examples
    --------
    >>> ex = get_inprocess_executor()
    >>> ex is get_inprocess_executor(timeout=60), ex.timeout
    (True, 60)
    """
    global _executor, _pid, _lock
    with _lock:
        if _pid != os.getpid():
            _lock = threading.RLock()  # a lock held by another thread at fork time stays held
            _executor, _pid = None, os.getpid()
        if _executor is None:
            _executor = InProcessExecutor(timeout=timeout, kernel_name=kernel_name)
        _executor.timeout, _executor.kernel_name = timeout, kernel_name
        return _executor


def _stash_figures() -> dict:
    """Take the process's open matplotlib figures out of pyplot's registry (a notebook
    starts with none, as in a new kernel); :func:`_unstash_figures` puts them back."""
    if "matplotlib._pylab_helpers" not in sys.modules:
        return {}
    from matplotlib._pylab_helpers import Gcf

    foreign = dict(Gcf.figs)
    Gcf.figs.clear()
    return foreign


def _unstash_figures(foreign: dict) -> None:
    if foreign:
        from matplotlib._pylab_helpers import Gcf

        Gcf.figs.update(foreign)
