"""Warm-kernel notebook execution: one Jupyter kernel per worker, reused across notebooks.

Running a parameterised notebook with papermill starts a new kernel every time, and the
kernel then imports numpy, pandas, scipy, statsmodels, scikit-learn and matplotlib again:
about 2.5 s per notebook before the first line of analysis runs, and papermill cannot reuse
a kernel. :class:`WarmExecutor` keeps **one** kernel alive and runs notebook after notebook
in it, so the imports are paid once per worker process.

Each notebook is prepared and post-processed with papermill's own functions (the same
``injected-parameters`` cell after the cell tagged ``parameters``, the same
``metadata.papermill`` provenance record with the parameters, timings and exception flag,
the same per-cell ``metadata.papermill``, the same red error banner and anchor cell on a
failure, the same :class:`papermill.exceptions.PapermillExecutionError`) and executed by
papermill's nbclient-based client, handed the live kernel (``km``/``kc``) so that nbclient
does not shut it down after the notebook (nbclient only cleans up a kernel it owns).

Before every notebook the kernel is put back into the state it had right after start-up:

* the user namespace is cleared as ``%reset -f`` does (``InteractiveShell.reset``; with a
  new history session, so execution counts start at 1 as in a new kernel), followed by a
  collection of the young generations (IPython's own two full collections are skipped:
  they cost more than any other per-notebook step, and the collector's schedule bounds
  memory as in any long process); imported modules stay in ``sys.modules`` - that is the
  speed-up;
* all matplotlib figures are closed and ``matplotlib.rcParams`` restored;
* pandas options, ``warnings`` filters (and the "already warned" registries), the root
  logger's handlers and level, the working directory, ``sys.path`` and ``os.environ`` are
  restored;
* the global random generators of ``random`` and ``numpy.random`` are re-seeded from the OS,
  as in a new process (notebooks must seed their own generators anyway).

If a source file of a watched package (``urbansec_lib`` by default) changed on disk since
the kernel imported it, the kernel is replaced instead: a notebook never runs against stale
library code (a new notebook calling a new library function, say).

What is **not** reset: state kept inside imported modules (module-level caches, monkey
patches, registered callbacks, C-extension globals). A notebook that relies on changing such
state should be run with papermill (a new kernel each time).

After a failed notebook (a cell error, a timeout, a dead kernel) the kernel is replaced
before the next notebook: a failure can leave half-done state behind.

Example
-------
>>> import tempfile, pathlib
>>> from urbansec_lib.executor import WarmExecutor
>>> from urbansec_lib.publish.unit_report import example_notebook
>>> nb_path = example_notebook(pathlib.Path(tempfile.mkdtemp()) / "example.ipynb")
>>> with WarmExecutor() as ex:  # one kernel, two notebooks
...     nb, err = ex.execute(nb_path, {"unit_id": "ES001C"})
...     nb2, err2 = ex.execute(nb_path, {"unit_id": "FI001C"})
>>> err is None and err2 is None, ex.notebooks_run
(True, 2)
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .kernel_state import _KERNEL_RESTORE, _KERNEL_SETUP, _KERNEL_STALE, _KERNEL_STATE

__all__ = ["DEFAULT_PRELOAD", "DEFAULT_WATCH", "WarmExecutor", "get_executor", "close_executors"]

log = logging.getLogger(__name__)

#: Modules imported once when a kernel starts (before the state snapshot is taken).
DEFAULT_PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.api",
    "sklearn",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "IPython.display",
    "urbansec_lib",
)

#: Packages whose source files are watched: if one changes, the kernel is replaced.
DEFAULT_WATCH: tuple[str, ...] = ("urbansec_lib",)


def prepare_notebook(
    nb_path: str | Path,
    parameters: Mapping[str, Any] | None,
    output_path: str | Path | None,
    kernel_name: str,
) -> tuple[Any, str | None]:
    """A notebook made ready to run exactly as papermill does it: loaded, parameters
    injected after the cell tagged ``parameters``, ``metadata.papermill`` filled in, old
    error markers removed. Both the warm and the in-process engines start here.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib.publish.unit_report import example_notebook
    >>> p = example_notebook(pathlib.Path(tempfile.mkdtemp()) / "e.ipynb")
    >>> nb, out = prepare_notebook(p, {"unit_id": "BE212"}, None, "python3")
    >>> nb.metadata.papermill["parameters"], out
    ({'unit_id': 'BE212'}, None)
    """
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb_path = str(nb_path)
    nb = load_notebook_node(nb_path)
    if parameters:
        nb = parameterize_notebook(nb, dict(parameters), kernel_name=kernel_name)
    out = str(output_path) if output_path is not None else None
    nb = prepare_notebook_metadata(nb, nb_path, out)
    return remove_error_markers(nb), out


class WarmExecutor:
    """Execute parameterised notebooks one after another in one long-lived Jupyter kernel.

    Parameters
    ----------
    kernel_name : str
        Jupyter kernel to start (default ``"python3"``).
    timeout : int or None
        Per-cell execution timeout in seconds (as papermill's ``execution_timeout``);
        ``None`` waits forever.
    startup_timeout : int
        Seconds to wait for the kernel to start.
    preload : sequence of str
        Modules imported once, right after the kernel starts (:data:`DEFAULT_PRELOAD`).
        Modules that fail to import are skipped.
    watch : sequence of str
        Module name prefixes (:data:`DEFAULT_WATCH`) whose source files are checked before
        every notebook: if one changed on disk since it was imported, the kernel is
        replaced, so a notebook never runs against stale library code.
    cwd : str or Path, optional
        Working directory of the kernel (default: this process's working directory).
    transport : {"ipc", "tcp"}
        ZMQ transport between this process and the kernel. ``"ipc"`` (Unix sockets in a
        private temporary folder, the default on POSIX) is local-only, needs no free TCP
        ports and does not trigger ipykernel's "running over TCP without encryption"
        warning.
    retry : bool
        Re-run a failed notebook once in a new kernel (default), so that a dead or hung
        kernel, or state left behind by an earlier notebook, never loses a unit.

    Notes
    -----
    The kernel starts lazily, at the first :meth:`execute`. Not thread-safe: use one
    executor per thread (:func:`get_executor` does that).

    Example
    -------
    >>> import tempfile, pathlib
    >>> from urbansec_lib.publish.unit_report import example_notebook
    >>> nb_path = example_notebook(pathlib.Path(tempfile.mkdtemp()) / "tiny.ipynb")
    >>> ex = WarmExecutor(timeout=600)
    >>> nb, err = ex.execute(nb_path, {"unit_id": "AA1"})
    >>> err is None, nb.metadata.papermill.parameters["unit_id"]
    (True, 'AA1')
    >>> ex.close()
    """

    def __init__(
        self,
        kernel_name: str = "python3",
        timeout: int | None = 600,
        startup_timeout: int = 60,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        watch: Sequence[str] = DEFAULT_WATCH,
        cwd: str | Path | None = None,
        transport: str | None = None,
        retry: bool = True,
    ) -> None:
        self.kernel_name = kernel_name
        self.retry = retry
        self.retries = 0  #: notebooks re-run once in a new kernel after a failure
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.preload = tuple(preload)
        self.watch = tuple(watch)
        self.cwd = str(cwd) if cwd is not None else None
        self.transport = transport or ("ipc" if os.name == "posix" else "tcp")
        self.km = None
        self.kc = None
        self.kernel_starts = 0  #: how many kernels this executor has started
        self.notebooks_run = 0  #: notebooks executed in the current kernel
        self.preload_failures: list[str] = []
        self._ipc_dir: str | None = None
        self._owner_pid = os.getpid()  # a forked child must not touch its parent's kernel
        self._needs_restart = False

    # ------------------------------------------------------------------ kernel life cycle
    @property
    def alive(self) -> bool:
        """Whether a kernel is running."""
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def start(self) -> None:
        """Start the kernel (if not running) and import :attr:`preload` in it."""
        if self.km is not None:
            return
        import tempfile

        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        kw: dict[str, Any] = {"kernel_name": self.kernel_name, "transport": self.transport}
        if self.transport == "ipc":
            self._ipc_dir = tempfile.mkdtemp(prefix="urbansec-kernel-")
            kw["ip"] = str(Path(self._ipc_dir) / "k")
        self._owner_pid = os.getpid()
        km = AsyncKernelManager(**kw)
        # same history setting as nbclient (in-memory, no sqlite file shared between kernels)
        run_sync(km.start_kernel)(
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            cwd=self.cwd or os.getcwd(),
        )
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        except Exception:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
            raise
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self.kernel_starts += 1
        self.notebooks_run = 0
        self._needs_restart = False
        reply = self._run_silent(
            _KERNEL_SETUP.replace("__PRELOAD__", repr(list(self.preload))).replace(
                "__WATCH__", repr(list(self.watch))
            ),
            user_expressions={"failed": "__urbansec_failed"},
        )
        if reply["content"]["status"] != "ok":
            self.close()
            raise RuntimeError(f"warm kernel set-up failed: {reply['content'].get('evalue')}")
        failed = reply["content"].get("user_expressions", {}).get("failed", {})
        self.preload_failures = (
            [] if failed.get("status") != "ok" else _literal(failed["data"].get("text/plain", "[]"))
        )
        self._run_silent("del __urbansec_failed")

    def restart(self) -> None:
        """Replace the kernel by a new one (used after a failed notebook)."""
        self._shutdown_kernel()
        self.start()

    def close(self) -> None:
        """Shut the kernel down. The executor can be used again (it restarts lazily)."""
        self._shutdown_kernel()

    def __enter__(self) -> WarmExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _shutdown_kernel(self) -> None:
        from jupyter_core.utils import run_sync

        km, kc = self.km, self.kc
        self.km = self.kc = None
        if os.getpid() != self._owner_pid:  # inherited through fork: the parent's kernel
            self._ipc_dir = None
            return
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                try:
                    run_sync(km.shutdown_kernel)(now=True)
                except RuntimeError as exc:  # already dead
                    if "No kernel is running" not in str(exc):
                        raise
                run_sync(km.cleanup_resources)()
        finally:
            if self._ipc_dir is not None:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)
                self._ipc_dir = None

    def _run_silent(self, code: str, user_expressions: dict[str, str] | None = None) -> dict:
        """Execute code without output, history or execution count; returns the reply."""
        from jupyter_core.utils import run_sync

        return run_sync(self.kc.execute_interactive)(
            code,
            silent=True,
            store_history=False,
            user_expressions=user_expressions or {},
            allow_stdin=False,
            stop_on_error=False,
            timeout=self.timeout,
            output_hook=lambda msg: None,
        )

    def _reset_state(self) -> None:
        reply = self._run_silent(_KERNEL_RESTORE, user_expressions={"stale": _KERNEL_STALE})
        content = reply["content"]
        stale = content.get("user_expressions", {}).get("stale", {})
        stale_files = _literal(stale.get("data", {}).get("text/plain", "[]"))
        if content["status"] != "ok" or stale.get("status") != "ok" or stale_files:
            # library code changed on disk, or the kernel is not in a known state
            log.info(
                "replacing the warm kernel (%s)",
                f"changed: {', '.join(stale_files)}" if stale_files else content.get("evalue"),
            )
            self.restart()
            self._run_silent(_KERNEL_RESTORE)

    # ------------------------------------------------------------------ execution
    def execute(
        self,
        nb_path: str | Path,
        parameters: Mapping[str, Any] | None = None,
        output_path: str | Path | None = None,
    ) -> tuple[Any, Exception | None]:
        """Run one notebook with ``parameters`` injected, in the warm kernel.

        Parameters
        ----------
        nb_path : str or Path
            The notebook (a cell tagged ``parameters`` receives the injected values after
            it, exactly as papermill does).
        parameters : mapping, optional
            Python values to inject (real Python types, as with papermill's Python API).
        output_path : str or Path, optional
            Where to write the executed notebook (also on a failure, as papermill does);
            recorded in ``metadata.papermill.output_path``. ``None``: not written.

        Returns
        -------
        executed_nb : nbformat.NotebookNode
            The executed notebook, with ``metadata.papermill`` (``parameters``,
            ``input_path``, ``start_time``, ``end_time``, ``duration``, ``exception``...).
            On a failure: the partial notebook, with papermill's error banner and anchor
            cells, later cells not executed.
        error : Exception or None
            ``None`` on success. For a cell error, a
            :class:`papermill.exceptions.PapermillExecutionError` (``ename``, ``evalue``,
            ``cell_index``, ``exec_count``, ``traceback``), as papermill raises it. For a
            timeout or a dead kernel, nbclient's exception. After any error, the kernel
            is replaced before the next notebook.

        Raises
        ------
        FileNotFoundError, nbformat.ValidationError, jupyter_client.kernelspec.NoSuchKernel
            Problems before execution (unreadable notebook, kernel cannot start).

        Notes
        -----
        A unit is never lost to the warm kernel itself: when a notebook fails (a dead or
        hung kernel, or a cell error that state left behind by an earlier notebook could
        explain), the kernel is replaced and the notebook run **once more** in the new
        kernel; only the second outcome is returned. ``metadata.papermill`` then records
        ``urbansec_retried: true`` and the first error (``urbansec_first_error``). With
        ``retry=False`` a failure is returned at once.
        """
        nb, error = self._execute_once(nb_path, parameters, output_path)
        if error is None or not self.retry:
            return nb, error
        first = f"{type(error).__name__}: {str(error).strip().splitlines()[-1:] or ''}"
        log.warning("notebook %s failed in the warm kernel (%s); retrying once", nb_path, first)
        self.retries += 1
        self.restart()
        nb, error = self._execute_once(nb_path, parameters, output_path, retried=first)
        return nb, error

    def _execute_once(
        self,
        nb_path: str | Path,
        parameters: Mapping[str, Any] | None,
        output_path: str | Path | None,
        retried: str | None = None,
    ) -> tuple[Any, Exception | None]:
        from papermill.execute import raise_for_execution_errors
        from papermill.iorw import write_ipynb

        nb, out = prepare_notebook(nb_path, parameters, output_path, self.kernel_name)

        if self._needs_restart and self.km is not None:
            self.restart()
        if self.km is None:
            self.start()
        self._reset_state()

        error: Exception | None = None
        self._needs_restart = True  # until the notebook has finished cleanly
        try:
            nb = self._execute_managed(nb)
            raise_for_execution_errors(nb, None)  # adds papermill's error cells, then raises
        except Exception as exc:  # noqa: BLE001 - returned to the caller with the notebook
            error = exc
            nb.metadata.papermill["exception"] = True  # papermill leaves it unset on a timeout
        else:
            self._needs_restart = False
            self._run_silent(_KERNEL_STATE + ".check_stale()")  # note newly imported modules
        self.notebooks_run += 1
        if retried is not None:
            nb.metadata.papermill["urbansec_retried"] = True
            nb.metadata.papermill["urbansec_first_error"] = retried
        if out is not None:
            write_ipynb(nb, out)
        return nb, error

    def _execute_managed(self, nb):
        """papermill's ``Engine.execute_notebook`` + ``NBClientEngine``, with our kernel."""
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NotebookExecutionManager
        from papermill.log import logger

        nb_man = NotebookExecutionManager(
            nb, output_path=None, progress_bar=False, log_output=False, autosave_cell_every=0
        )
        nb_man.notebook_start()
        try:
            client = PapermillNotebookClient(
                nb_man,
                km=self.km,
                kernel_name=self.kernel_name,
                timeout=self.timeout,
                startup_timeout=self.startup_timeout,
                log=logger,
                log_output=False,
            )
            client.kc = self.kc  # a running client: nbclient neither starts nor stops it
            assert not client.owns_km  # nbclient shuts down only the kernels it owns
            client.execute()
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


def _literal(text: str) -> list[str]:
    import ast

    try:
        return list(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return [text]


# ---------------------------------------------------------------------- per-process singleton
_local = threading.local()
_all: list[WarmExecutor] = []
_all_lock = threading.Lock()
_inherited: list[WarmExecutor] = []
_exit_hooked_pid: int | None = None


def get_executor(kernel_name: str = "python3", timeout: int | None = 600) -> WarmExecutor:
    """The warm executor of this worker process (one per thread), created on first use.

    Batch workers call this for every unit, so the kernel and its imports are shared by all
    the units a worker runs. A different ``kernel_name`` replaces the kernel; ``timeout``
    is updated in place. A forked child never reuses its parent's kernel. Kernels are shut
    down when the process exits (:func:`close_executors`).

    Example
    -------
    >>> ex = get_executor()  # the kernel itself starts at the first execute()
    >>> ex is get_executor()
    True
    """
    global _exit_hooked_pid
    pid = os.getpid()
    ex: WarmExecutor | None = getattr(_local, "executor", None)
    if ex is not None and getattr(_local, "pid", None) != pid:
        _inherited.append(ex)  # inherited through fork: the parent's; never closed or freed
        ex = None
    if ex is not None and ex.kernel_name != kernel_name:
        ex.close()
        ex = None
    if ex is None:
        ex = WarmExecutor(kernel_name=kernel_name, timeout=timeout)
        _local.executor, _local.pid = ex, pid
        with _all_lock:
            if _exit_hooked_pid != pid:
                _all.clear()  # a forked child's copy of the parent's list
                atexit.register(close_executors)
                try:  # multiprocessing children leave through os._exit: no atexit there
                    from multiprocessing import util

                    util.Finalize(None, close_executors, exitpriority=100)
                except ImportError:  # pragma: no cover
                    pass
                _exit_hooked_pid = pid
    with _all_lock:
        if ex not in _all:  # new, or closed by close_executors() and used again
            _all.append(ex)
    ex.timeout = timeout
    return ex


def close_executors() -> None:
    """Shut down every kernel started through :func:`get_executor` in this process.

    Examples
    --------
    >>> close_executors()  # every warm kernel of this process is shut down
    >>> _all
    []
    """
    if _exit_hooked_pid != os.getpid():
        return
    with _all_lock:
        todo = list(_all)
        _all.clear()
    for ex in todo:
        try:
            ex.close()
        except Exception as exc:  # noqa: BLE001 - best effort at exit
            log.debug("closing warm kernel failed: %r", exc)
    _local.__dict__.clear()
