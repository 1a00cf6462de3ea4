r"""A batch of study reports: every unit in parallel worker processes, one failure never
stopping the others, a :class:`RunSummary` of what was run.

Example
-------
>>> import re
>>> bool(re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", new_run_id()))
True
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import defaults
from ..core.ingest import RUN_ID_PATTERN
from ..inputs.workspace import project_root
from .recorder import _atomic_write, _jsonable
from .unit_report import ENGINES, _notebook_path, new_run_id, run_unit

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ batch
@dataclass
class RunSummary:
    """Outcome of a batch run (one row per unit in :attr:`table`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"unit_id": ["A", "B"], "status": ["ok", "failed"], "error": [None, "x"]})
    >>> s = RunSummary("r1", "demo", t, Path("summary.json"), 1.0)
    >>> s.ok, s.failed
    (False, ['B'])
    """

    run_id: str
    study: str
    table: pd.DataFrame
    path: Path
    seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return self.table.loc[self.table["status"] != "ok", "unit_id"].tolist()

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        n_ok = int((self.table["status"] == "ok").sum())
        lines = [
            f"run {self.run_id} study {self.study}: {n_ok} ok, {len(self.failed)} failed "
            f"({self.seconds:.1f} s)"
        ]
        for r in self.table.itertuples():
            msg = "" if r.status == "ok" else f"  {r.error}"
            lines.append(f"  {r.unit_id:<10} {r.status:<8}{msg}")
        return "\n".join(lines)


def _worker_init() -> None:
    # Import heavy modules once per worker process (not once per unit).
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _run_unit_kw(kw: dict[str, Any]) -> dict[str, Any]:
    try:
        return run_unit(**kw)
    except Exception as exc:  # noqa: BLE001 - never let one unit stop the batch
        return {
            "study": kw["study"],
            "unit_id": kw["unit_id"],
            "status": "failed",
            "error": {
                "cell": None,
                "exception": type(exc).__name__,
                "message": "".join(traceback.format_exception_only(exc)).strip(),
            },
        }


def run(
    study: str,
    units: Iterable[str],
    jobs: int | None = None,
    parameters: dict[str, Any] | None = None,
    unit_parameters: dict[str, dict[str, Any]] | None = None,
    reports_dir: str | Path | None = None,
    run_id: str | None = None,
    root: str | Path | None = None,
    executor: str = "process",
    scheduler: str | None = None,
    progress: bool = True,
    min_n: int = defaults.MIN_N,
    engine: str = "inprocess",
    lint: bool = True,
) -> RunSummary:
    """Run a study for many units in parallel; one unit's failure never stops the others.

    Long because: the batch's steps in order (unit checks, the worker pool with its retry of
    units lost with a worker, the summary file), sharing the pool's state.

    Parameters
    ----------
    study : str
        A key of :data:`STUDIES`.
    units : iterable of str
        Unit ids.
    jobs : int, optional
        Worker processes (default: the machine's cores).
    parameters : dict, optional
        Notebook parameters shared by every unit; ``unit_parameters`` per unit.
    executor : {"process", "dask"}
        Local process pool (default) or a Dask distributed cluster at ``scheduler``.
    engine : {"inprocess", "warm", "papermill"}
        ``"inprocess"`` (default): each worker runs the cells itself, in an IPython shell
        without a kernel (:mod:`urbansec_lib.publish.inprocess`; the process state is
        reset between units; with ``jobs=1`` inside an IPython session, in one worker
        process, not the caller's). Units lost with a worker that died (a notebook
        crashing its process) are run again in a kernel (``"warm"``).
        ``"warm"``: each worker keeps one Jupyter kernel and runs its units in it one after
        another (:mod:`urbansec_lib.executor`; the namespace and library settings are reset
        between units, the kernel is replaced after a failure).
        ``"papermill"``: a new kernel per unit.
    lint : bool
        Run the report linter on every report (default); a report with findings is
        "blocked".

    Returns
    -------
    RunSummary, also written to ``reports/_runs/<run-id>/summary.json``.

    Examples
    --------
    >>> from urbansec_lib.publish.unit_report import example_study
    >>> root, nb = example_study()  # a folder with data/ and a one-number study notebook
    >>> s = run(nb, ["BE212", "ES300"], root=root, jobs=1, progress=False)
    >>> s.ok, sorted(s.table["unit_id"])
    (True, ['BE212', 'ES300'])
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    root = Path(root or project_root())
    units = list(dict.fromkeys(units))
    if not study.endswith(".ipynb"):
        # unknown study or unit, a unit given to a partnership-wide study, a missing
        # required input: ValidationError before any notebook starts or folder is made
        from ..inputs.workspace import for_data_dir
        from ..study.studies import check_request

        ddir = (parameters or {}).get("data_dir") or root / defaults.DATA_DIR
        ddir = ddir if Path(ddir).is_absolute() else root / ddir
        units = check_request(study, units, for_data_dir(ddir))
    else:
        from ..study.studies import safe_id

        for u in units:
            safe_id(u)
    nb = _notebook_path(study, root)
    if not nb.exists():
        raise FileNotFoundError(f"notebook of study {study!r} not found: {nb}")
    reports_dir = Path(reports_dir or root / defaults.REPORTS_DIR)
    run_id = run_id or new_run_id()
    units = list(dict.fromkeys(units))
    from ..core.ingest import check_name, check_output

    for u in units:  # every unit id checked before any folder is made
        check_name(u, "unit id")
    check_output(reports_dir, what="reports folder")
    check_name(run_id, "run id", pattern=RUN_ID_PATTERN)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(units) or 1))
    from ..core.versions import code_version

    code = code_version(root)  # once per batch: every report of the run records the same
    tasks = [
        {
            "study": study,
            "unit_id": u,
            "parameters": {**(parameters or {}), **(unit_parameters or {}).get(u, {})},
            "reports_dir": str(reports_dir),
            "run_id": run_id,
            "root": str(root),
            "min_n": min_n,
            "engine": engine,
            "lint": lint,
            "code": code,
        }
        for u in units
    ]
    t0 = time.perf_counter()
    results: list[dict[str, Any]] = []
    bar = _progress(len(tasks), progress)
    if jobs == 1 and executor != "dask" and not (engine == "inprocess" and _inside_ipython()):
        for t in tasks:
            results.append(_run_unit_kw(t))
            _tick(bar, results)
        if engine == "warm":  # don't leave a kernel running in the caller's process
            from .executor import close_executors

            close_executors()
    else:
        with contextlib.ExitStack() as stack:
            if executor == "dask":
                from dask.distributed import Client

                client = stack.enter_context(Client(scheduler))
                run_all = functools.partial(_run_dask, client, bar=bar, results=results)
            else:
                run_all = functools.partial(_run_pool, jobs=jobs, bar=bar, results=results)
            lost = run_all(tasks)
            if lost and engine == "inprocess":
                # a notebook that kills its process (a crash in C code, os._exit) takes the
                # worker (and, in the local pool, the units waiting with it): those run
                # again, each in a Jupyter kernel (engine "warm"), where a crash takes only
                # the kernel
                log.warning("a worker died; re-running %d unit(s) in a kernel", len(lost))
                lost = run_all([dict(t, engine="warm") for t in lost])
        for t in lost:
            results.append(_lost(t))
            _tick(bar, results)
    if bar is not None:
        bar.close()
    order = {u: i for i, u in enumerate(units)}
    table = pd.DataFrame(results).sort_values("unit_id", key=lambda s: s.map(order))
    for col in ("html", "html_bytes", "seconds"):
        if col not in table:
            table[col] = None
    table = table.reset_index(drop=True)
    out = reports_dir / "_runs" / run_id / "summary.json"
    summary = RunSummary(run_id, study, table, out, time.perf_counter() - t0)
    doc = {
        "run_id": run_id,
        "study": study,
        "units": units,
        "jobs": jobs,
        "executor": executor,
        "engine": engine,
        "code_version": code,
        "seconds": round(summary.seconds, 2),
        "n_ok": int((table["status"] == "ok").sum()),
        "failed": summary.failed,
        "skipped_inputs": {
            k: v for row in results for k, v in (row.get("skipped_inputs") or {}).items()
        },
        "parameters": parameters or {},
        "results": _jsonable(table.to_dict("records")),
    }
    _atomic_write(out, json.dumps(doc, indent=1))
    return summary


def _run_pool(
    tasks: list[dict[str, Any]], jobs: int, bar, results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run tasks in a process pool, appending to ``results``; returns the tasks lost to a
    worker that died (every task still waiting in the pool then)."""
    lost: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
        futures = {pool.submit(_run_unit_kw, t): t for t in tasks}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    results.append(fut.result())
                except BrokenProcessPool:
                    lost.append(futures[fut])
                    continue
                _tick(bar, results)
    return sorted(lost, key=tasks.index)


def _run_dask(
    client, tasks: list[dict[str, Any]], bar, results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run tasks on a Dask cluster, appending to ``results``; returns the tasks whose future
    failed: Dask re-runs a task whose worker died, up to the scheduler's
    ``allowed-failures``, then gives up on it (``KilledWorker``); a unit never raises."""
    from dask.distributed import as_completed

    futures = client.map(_run_unit_kw, tasks, pure=False)
    task_of = {f.key: t for f, t in zip(futures, tasks)}
    lost: list[dict[str, Any]] = []
    for fut in as_completed(futures):
        try:
            results.append(fut.result())
        except Exception:  # noqa: BLE001 - KilledWorker, a cancelled future: the unit is lost
            log.warning("unit %s lost on the cluster", task_of[fut.key]["unit_id"], exc_info=True)
            lost.append(task_of[fut.key])
            continue
        _tick(bar, results)
    return sorted(lost, key=tasks.index)


def _lost(task: dict[str, Any]) -> dict[str, Any]:
    """The status of a unit whose worker process died while running it."""
    return {
        "study": task["study"],
        "unit_id": task["unit_id"],
        "status": "failed",
        "error": {
            "cell": None,
            "exception": "WorkerDied",
            "message": "the worker process running this unit died",
        },
    }


def _inside_ipython() -> bool:
    """Whether this process runs an IPython shell (a Jupyter kernel, say) of its own."""
    ip = sys.modules.get("IPython.core.interactiveshell")
    if ip is None or not ip.InteractiveShell.initialized():
        return False
    return not type(ip.InteractiveShell.instance()).__module__.startswith("urbansec_lib")


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="unit", desc="reports", file=sys.stderr)


def _tick(bar, results: list[dict[str, Any]]) -> None:
    if bar is None:
        return
    n_fail = sum(r["status"] != "ok" for r in results)
    bar.set_postfix(done=len(results) - n_fail, failed=n_fail)
    bar.update(1)


def failed_units(run_id: str, reports_dir: str | Path | None = None) -> tuple[str, list[str]]:
    """Study and failed unit ids of an earlier run (for ``--retry-failed``).

    Examples
    --------
    >>> import json, tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "_runs" / "r1").mkdir(parents=True)
    >>> doc = {"study": "demo", "failed": ["B"]}  # as run() writes it, in short
    >>> _ = (d / "_runs" / "r1" / "summary.json").write_text(json.dumps(doc))
    >>> failed_units("r1", d)
    ('demo', ['B'])
    """
    reports_dir = Path(reports_dir or project_root() / "reports")
    from ..core.ingest import check_name, read_json

    check_name(run_id, "run id", pattern=RUN_ID_PATTERN)
    doc = read_json(reports_dir / "_runs" / run_id / "summary.json")
    return doc["study"], list(doc["failed"])
