"""Reproducible study reports: papermill execution, self-contained HTML, manifests, batch, reproduce.

One *study* is a parameterised notebook in ``notebooks/`` (a cell tagged ``parameters``).
:func:`run` executes it for each unit (in parallel worker processes, one failure never
stopping the others), renders a self-contained HTML report in-process with nbconvert's
API (no code, no CDN, figures embedded with alt text, a reproducibility footer), scans it
for personal data, and writes per unit::

    reports/<unit>/<study>.ipynb          executed notebook
    reports/<unit>/<study>.html           the report
    reports/<unit>/<study>.results.json   every number the notebook recorded
    reports/<unit>/manifest.json          per study: parameters, input hashes, versions, code

:func:`reproduce` re-runs a report from its manifest and compares every recorded number.

Inside a notebook, numbers and inputs are recorded with a :class:`Recorder`::

    rec = us.reports.Recorder(results_path)
    units = us.data.read_units(rec.use(raw / "units.csv"))
    rec.record("coverage", prof.coverage)
    us.reports.show_figure(fig, alt="Dimension profile of Madrid")
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import defaults
from ..core.errors import Problem, ValidationError
from ..core.ingest import RUN_ID_PATTERN
from ..core.versions import code_version, package_versions
from ..inputs.workspace import project_root
from ..study import studies as _studies

__all__ = [
    "STUDIES",
    "Recorder",
    "RunSummary",
    "ReproduceResult",
    "show_figure",
    "render_html",
    "run",
    "run_unit",
    "reproduce",
    "sha256_file",
    "project_root",
    "package_versions",
    "code_version",
]

#: Study name -> its legacy entry (notebook, title, units, scope, summary); see
#: :data:`urbansec_lib.studies.STUDIES`.
STUDIES = _studies.STUDIES


# ------------------------------------------------------------------ helpers
def _uses_synthetic(sources, datasets) -> bool:
    """Whether any source or dataset of a report is declared synthetic or illustrative."""
    texts = [str(x) for x in (sources or [])]
    texts += [f"{d.get('name', '')} {d.get('provenance', '')}" for d in (datasets or [])]
    return any(w in t.lower() for t in texts for w in ("synthetic", "illustrative", "demo"))


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same directory and rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(
            fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})
        ) as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    """Convert numbers, arrays and frames into JSON-safe plain values."""
    if isinstance(value, pd.DataFrame):
        df = value.reset_index(drop=True)
        return {
            "__frame__": True,
            "columns": [str(c) for c in df.columns],
            "data": [[_jsonable(v) for v in row] for row in df.itertuples(index=False)],
        }
    if isinstance(value, pd.Series):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if not np.isfinite(f) else f
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.isoformat()
    return value


# ------------------------------------------------------------------ in-notebook API
class Recorder:
    """Records a notebook's inputs (with sha256) and results (numbers, tidy frames).

    Parameters
    ----------
    path : str or Path or None
        JSON file to write; ``None`` keeps everything in memory (interactive use).

    Example
    -------
    >>> rec = Recorder(None)
    >>> rec.record("n_units", 7)
    >>> rec.results["n_units"]
    7
    """

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.results: dict[str, Any] = {}
        self.inputs: dict[str, str] = {}
        self.sources: list[str] = []
        self.datasets: list[dict[str, str]] = []
        self.skipped: dict[str, str] = {}

    def use(self, path: str | Path) -> Path:
        """Declare an input file (its sha256 goes to the manifest); returns the path."""
        p = Path(path)
        self.inputs[str(p)] = sha256_file(p)
        self._flush()
        return p

    def source(self, text: str) -> None:
        """Declare a data source shown in the report header (e.g. "Eurostat crim_gen_reg")."""
        if text not in self.sources:
            self.sources.append(text)
            self._flush()

    def dataset(self, name: str, year: str | int, provenance: str, url: str | None = None) -> None:
        """Declare a dataset for the report's "Methods and data sources" section.

        ``year`` is the reference year or period of the data (e.g. "2008-2022"),
        ``provenance`` who produced it and whether it is real, illustrative or synthetic.
        """
        entry = {"name": str(name), "year": str(year), "provenance": str(provenance)}
        if url:
            entry["url"] = str(url)
        if entry not in self.datasets:
            self.datasets.append(entry)
            self._flush()

    def skip(self, file: str, problem: str) -> None:
        """Declare an input left out because it failed validation (listed in the report's
        results and in the run's ``summary.json``)."""
        self.skipped[str(file)] = str(problem)
        self._flush()

    def record(self, name: str, value: Any) -> None:
        """Record a number, list, Series or DataFrame under ``name``."""
        self.results[name] = _jsonable(value)
        self._flush()

    def _flush(self) -> None:
        if self.path is not None:
            doc = {
                "results": self.results,
                "inputs": self.inputs,
                "sources": self.sources,
                "datasets": self.datasets,
            }
            if self.skipped:
                doc["skipped_inputs"] = self.skipped
            _atomic_write(self.path, json.dumps(doc, indent=1, sort_keys=True))


#: Widest figure (px) embedded in a report; wider figures are rendered at a lower dpi.
MAX_FIGURE_PX = 1100


def show_figure(fig, alt: str, dpi: int = 110, title: str | None = None) -> None:
    """Display a matplotlib figure as an embedded PNG with a title and alt text, then close it.

    ``title`` (default: the figure's own title, :func:`urbansec_lib.figures.title_of`) is
    shown as the figure's caption; ``alt`` should state the finding, not only the topic. A
    figure wider than :data:`MAX_FIGURE_PX` is rendered at a lower resolution so that it
    fits the page.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    from ..presentation.figures import title_of

    title = title or title_of(fig)
    # the title is shown once, as the caption above the image (selectable, searchable text)
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip() == title:
        sup.set_text("")
    elif len(fig.axes) >= 1 and fig.axes[0].get_title().strip() == title:
        fig.axes[0].set_title("")

    def _png(d: float) -> bytes:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=d, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()

    data = _png(dpi)
    width = int.from_bytes(data[16:20], "big")
    if width > MAX_FIGURE_PX:
        data = _png(dpi * MAX_FIGURE_PX / width * 0.995)
    plt.close(fig)
    meta = {"alt": alt}
    if title:
        meta["title"] = title
    display(Image(data=data, format="png"), metadata={"image/png": meta})


# ------------------------------------------------------------------ rendering
def render_html(nb, context: dict[str, Any]) -> str:
    """Render an executed notebook to a self-contained HTML report (no input cells).

    ``context`` fills the title block and reproducibility footer (title, unit_id,
    unit_name, study, date, sources, run_id, code_version, parameters_json, inputs,
    packages, manifest_relpath).
    """
    exporter = _html_exporter()
    nb = _key_findings_first(nb)
    nb.metadata["title"] = context.get("title", "urbansec report")
    context = dict(context)
    if "glossary" not in context:
        from ..presentation.present import glossary_terms

        context["glossary"] = glossary_terms(_reader_text(nb))
    body, _ = exporter.from_notebook_node(nb, resources={"urbansec": context})
    return _scroll_tables(_add_toc(body))


@functools.lru_cache(maxsize=1)
def _html_exporter():
    """One HTML exporter per process: its Jinja templates are compiled once, not per report
    (compiling them took most of a report's HTML export time)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    tdir = resources.files("urbansec_lib") / "templates"
    c = Config()
    c.HTMLExporter.extra_template_basedirs = [str(tdir)]
    c.HTMLExporter.template_name = "urbansec_report"
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("parameters", "injected-parameters", "remove")
    return HTMLExporter(config=c)


def _scroll_tables(body: str) -> str:
    """Wrap every table in a box that scrolls sideways on a narrow screen (a phone), so that
    a wide table never makes the whole page overflow."""
    body = re.sub(r"<table\b", '<div class="us-scroll"><table', body)
    return body.replace("</table>", "</table></div>")


def _reader_text(nb) -> str:
    """The text a reader sees (markdown cells and text outputs), for the glossary."""
    parts = []
    for c in nb.cells:
        if c.get("cell_type") == "markdown":
            parts.append(c.get("source", ""))
        for out in c.get("outputs", []):
            data = out.get("data", {})
            for mime in ("text/html", "text/markdown"):
                if mime in data:
                    v = data[mime]
                    parts.append("".join(v) if isinstance(v, list) else v)
            alt = out.get("metadata", {}).get("image/png", {})
            parts.append(f"{alt.get('title', '')} {alt.get('alt', '')}")
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


def _key_findings_first(nb):
    """A copy of ``nb`` with cells tagged ``key-findings`` right after the title cell."""
    import copy

    nb = copy.deepcopy(nb)
    tagged = [c for c in nb.cells if "key-findings" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return nb
    rest = [c for c in nb.cells if c not in tagged]
    first = next((i for i, c in enumerate(rest) if c.get("cell_type") == "markdown"), -1)
    nb.cells = rest[: first + 1] + tagged + rest[first + 1 :]
    return nb


_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link".*?</a>)?</h2>', re.S)


def _add_toc(body: str) -> str:
    """Insert a table of contents (the report's level-2 headings) at ``<!--us-toc-->``."""
    import html as _html

    heads = [(i, re.sub(r"<[^>]+>", "", t).strip()) for i, t in _H2.findall(body)]
    heads = [(i, t) for i, t in heads if t and i != "key-findings"]
    if len(heads) < 2:
        return body.replace("<!--us-toc-->", "")
    items = "".join(
        f'<li><a href="#{_html.escape(i)}">{_html.escape(_html.unescape(t))}</a></li>'
        for i, t in heads
    )
    nav = f'<nav class="us-toc" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'
    kf = body.find('<section class="us-key-findings">')
    if kf >= 0:  # contents follow the key findings
        end = body.find("</section>", kf) + len("</section>")
        return (
            body.replace("<!--us-toc-->", "", 1)[: end - len("<!--us-toc-->")]
            + nav
            + (body.replace("<!--us-toc-->", "", 1)[end - len("<!--us-toc-->") :])
        )
    return body.replace("<!--us-toc-->", nav, 1)


# ------------------------------------------------------------------ one unit
def _notebook_path(study: str, root: Path) -> Path:
    """The notebook of a study: a declared study name or a path to an ``.ipynb`` file.

    A declared study's notebook is ``<root>/notebooks/<file>`` when the workspace carries
    its own copy (the repository), else the packaged one (an installed package).
    """
    if study.endswith(".ipynb"):
        p = Path(study)
        return p if p.is_absolute() else (root / p)
    from ..inputs.workspace import package_notebooks_dir
    from ..study.studies import all_studies

    decl = all_studies().get(study)
    if decl is None:
        raise KeyError(f"unknown study {study!r}; known: {', '.join(all_studies())}")
    local = Path(root) / "notebooks" / decl.notebook
    return local if local.is_file() else package_notebooks_dir() / decl.notebook


def _notebook_parameters(nb: Path) -> dict[str, Any]:
    """The parameters a notebook declares (its ``parameters`` cell), by name."""
    import papermill as pm

    return dict(pm.inspect_notebook(str(nb)))


def _study_name(study: str) -> str:
    return Path(study).stem if study.endswith(".ipynb") else study


def _study_title(study: str) -> str:
    from ..study.studies import all_studies

    decl = all_studies().get(study)
    return decl.title if decl else _study_name(study).replace("_", " ").capitalize()


def _error_info(nb) -> dict[str, Any]:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {"cell": i, "exception": out.get("ename"), "message": out.get("evalue")}
    return {}


def run_unit(
    study: str,
    unit_id: str,
    parameters: dict[str, Any] | None = None,
    reports_dir: str | Path | None = None,
    run_id: str | None = None,
    root: str | Path | None = None,
    kernel_name: str = "python3",
    min_n: int = defaults.MIN_N,
    timeout: int = 600,
    engine: str = "papermill",
    lint: bool = True,
) -> dict[str, Any]:
    """Execute one study notebook for one unit and write its report files.

    Returns a status dict (unit_id, status "ok"/"failed"/"blocked", html path, error).
    Never raises for a failure inside the notebook: the partial executed notebook is
    kept and the error (cell, exception, message) is returned.

    ``engine="papermill"`` (default) runs the notebook in a new kernel;
    ``engine="warm"`` runs it in this process's long-lived kernel
    (:func:`urbansec_lib.executor.get_executor`): same executed notebook and results,
    without the kernel start and imports per unit.

    After the privacy scan the report linter (:mod:`urbansec_lib.lint_report`) reads the
    HTML; with ``lint=True`` (default) a report with findings is written but its status is
    "blocked" (exception ``ReportLintFailed``, the findings in the message).
    """
    import nbformat
    import papermill as pm

    if engine not in ("papermill", "warm"):
        raise ValueError(f"engine must be 'papermill' or 'warm', not {engine!r}")

    from ..inputs.workspace import for_data_dir
    from ..study.studies import safe_id

    safe_id(unit_id)  # a unit id becomes a folder name: checked before any path is built
    root = Path(root or project_root())
    params = {"unit_id": unit_id, "data_dir": str(root / defaults.DATA_DIR)}
    params.update(parameters or {})
    if not Path(params["data_dir"]).is_absolute():  # manifests record it relative to the root
        params["data_dir"] = str((root / params["data_dir"]).resolve())
    ws = for_data_dir(params["data_dir"])
    params.setdefault("seed", ws.seed)
    reports_dir = Path(reports_dir or root / defaults.REPORTS_DIR)
    run_id = run_id or new_run_id()
    from ..core.ingest import check_name, check_output

    check_name(unit_id, "unit id")  # before any path is built from it
    out_dir = reports_dir / unit_id
    check_output(out_dir, [reports_dir], what="report folder")
    nb_in = _notebook_path(study, root)
    name = _study_name(study)
    nb_params = _notebook_parameters(nb_in)
    if "min_n" in nb_params:
        params.setdefault("min_n", ws.min_n)
    if "framework_path" in nb_params and ws.framework_path():
        params.setdefault("framework_path", ws.framework_path())
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / f"{name}.results.json"
    params["results_path"] = str(results_path)
    t0 = time.perf_counter()
    status: dict[str, Any] = {"study": study, "unit_id": unit_id, "status": "ok", "error": None}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".run-") as tmp:
        nb_tmp = Path(tmp) / f"{name}.ipynb"
        tmp_results = Path(tmp) / "results.json"
        exec_params = dict(params, results_path=str(tmp_results))
        try:
            known = nb_params
            unknown = sorted(set(exec_params) - set(known))
            if unknown:
                raise ValueError(f"unknown notebook parameter(s) {unknown} for {nb_in.name}")
            if engine == "warm":
                from .executor import get_executor

                # writes nb_tmp also on a failure; the error is papermill's exception
                _, failure = get_executor(kernel_name, timeout).execute(nb_in, exec_params, nb_tmp)
                if failure is not None:
                    raise failure
            else:
                pm.execute_notebook(
                    str(nb_in),
                    str(nb_tmp),
                    parameters=exec_params,
                    kernel_name=kernel_name,
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                    request_save_on_cell_execute=False,
                )
        except Exception as exc:  # noqa: BLE001 - one unit's failure is recorded, never raised
            status["status"] = "failed"
            err = {"cell": None, "exception": type(exc).__name__, "message": str(exc)[:2000]}
            if nb_tmp.exists():
                err.update(_error_info(nbformat.read(nb_tmp, as_version=4)) or {})
                _atomic_write(out_dir / f"{name}.failed.ipynb", nb_tmp.read_text("utf-8"))
            status["error"] = err
            status["seconds"] = round(time.perf_counter() - t0, 2)
            return status
        nb = nbformat.read(nb_tmp, as_version=4)
        rec = json.loads(tmp_results.read_text("utf-8")) if tmp_results.exists() else {}
        record_params = {k: v for k, v in params.items() if k != "results_path"}
        # a relative data folder keeps the manifest valid when the project moves
        record_params["data_dir"] = _rel(record_params["data_dir"], root)
        manifest_entry = {
            "study": study,
            "unit_id": unit_id,
            "run_id": run_id,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "notebook": _rel(str(nb_in), root),
            "notebook_sha256": sha256_file(nb_in),
            "parameters": record_params,
            "inputs": {_rel(k, root): v for k, v in rec.get("inputs", {}).items()},
            "sources": rec.get("sources", []),
            "code_version": code_version(root),
            "packages": package_versions(),
            "results": f"{name}.results.json",
            "html": f"{name}.html",
        }
        uname = rec.get("results", {}).get("unit_name") or _unit_name(unit_id, params)
        context = {
            "title": f"{_study_title(study)}: {uname}",
            "unit_id": unit_id,
            "unit_name": uname,
            "study": study,
            "date": manifest_entry["created"][:10],
            "sources": manifest_entry["sources"],
            "run_id": run_id,
            "code_version": manifest_entry["code_version"],
            "parameters_json": json.dumps(record_params, sort_keys=True),
            "inputs": manifest_entry["inputs"],
            "packages": manifest_entry["packages"],
            "manifest_relpath": f"reports/{unit_id}/manifest.json",
            "datasets": rec.get("datasets", []),
            # the methods note mentions synthetic data only where the report uses some
            "has_synthetic": _uses_synthetic(manifest_entry["sources"], rec.get("datasets", [])),
        }
        html = render_html(nb, context)
        findings = _privacy_findings(html, min_n=min_n)
        from ..inputs.privacy import scan_results

        findings += [str(f) for f in scan_results(rec.get("results", {}), min_n=min_n)]
        if findings:
            status["status"] = "blocked"
            status["error"] = {
                "cell": None,
                "exception": "PrivacyCheckFailed",
                "message": "; ".join(findings[:10]),
            }
            _atomic_write(out_dir / f"{name}.failed.ipynb", nb_tmp.read_text("utf-8"))
            return status
        _atomic_write(out_dir / f"{name}.ipynb", nb_tmp.read_text("utf-8"))
        _atomic_write(
            results_path, tmp_results.read_text("utf-8") if tmp_results.exists() else "{}"
        )
        _atomic_write(out_dir / f"{name}.html", html)
        (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
        manifest_entry["html_sha256"] = hashlib.sha256(html.encode("utf-8")).hexdigest()
        _update_manifest(out_dir / "manifest.json", name, manifest_entry)
        if lint:
            from .lint_report import lint_html

            problems = lint_html(html)
            if problems:
                status["status"] = "blocked"
                status["error"] = {
                    "cell": None,
                    "exception": "ReportLintFailed",
                    "message": f"{len(problems)} finding(s): "
                    + "; ".join(str(f) for f in problems[:10]),
                }
    status["skipped_inputs"] = rec.get("skipped_inputs", {})
    status["html"] = str(out_dir / f"{name}.html")
    status["html_bytes"] = len(html.encode("utf-8"))
    status["seconds"] = round(time.perf_counter() - t0, 2)
    return status


def _unit_name(unit_id: str, params: dict[str, Any]) -> str:
    """The unit's name from its workspace (the code itself when unknown)."""
    try:
        from ..study.pipeline import unit_name

        return unit_name(unit_id, params.get("data_dir"))
    except Exception:  # noqa: BLE001 - a title never fails a report
        return unit_id


def _rel(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _update_manifest(path: Path, study: str, entry: dict[str, Any]) -> None:
    doc = {"studies": {}}
    if path.exists():
        try:
            doc = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError:
            doc = {"studies": {}}
    doc.setdefault("studies", {})[study] = entry
    _atomic_write(path, json.dumps(doc, indent=1, sort_keys=True))


def _privacy_findings(html: str, min_n: int) -> list[str]:
    try:
        from ..inputs.privacy import scan_html
    except ImportError:  # pragma: no cover - privacy module always ships
        return []
    return [str(f) for f in scan_html(html, min_n=min_n)]


# ------------------------------------------------------------------ batch
def new_run_id() -> str:
    """A sortable run id: UTC timestamp + short random suffix."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass
class RunSummary:
    """Outcome of a batch run (one row per unit in :attr:`table`)."""

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
    engine: str = "warm",
    lint: bool = True,
) -> RunSummary:
    """Run a study for many units in parallel; one unit's failure never stops the others.

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
    engine : {"warm", "papermill"}
        ``"warm"`` (default): each worker keeps one Jupyter kernel and runs its units in it
        one after another (:mod:`urbansec_lib.executor`; the namespace and library
        settings are reset between units, the kernel is replaced after a failure).
        ``"papermill"``: a new kernel per unit.
    lint : bool
        Run the report linter on every report (default); a report with findings is
        "blocked".

    Returns
    -------
    RunSummary, also written to ``reports/_runs/<run-id>/summary.json``.
    """
    if engine not in ("papermill", "warm"):
        raise ValueError(f"engine must be 'papermill' or 'warm', not {engine!r}")
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
        }
        for u in units
    ]
    t0 = time.perf_counter()
    results: list[dict[str, Any]] = []
    bar = _progress(len(tasks), progress)
    if executor == "dask":
        from dask.distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = client.map(_run_unit_kw, tasks, pure=False)
            for fut in as_completed(futures):
                results.append(fut.result())
                _tick(bar, results)
    elif jobs == 1:
        for t in tasks:
            results.append(_run_unit_kw(t))
            _tick(bar, results)
        if engine == "warm":  # don't leave a kernel running in the caller's process
            from .executor import close_executors

            close_executors()
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
            pending = {pool.submit(_run_unit_kw, t) for t in tasks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    results.append(fut.result())
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
    """Study and failed unit ids of an earlier run (for ``--retry-failed``)."""
    reports_dir = Path(reports_dir or project_root() / "reports")
    from ..core.ingest import check_name, read_json

    check_name(run_id, "run id", pattern=RUN_ID_PATTERN)
    doc = read_json(reports_dir / "_runs" / run_id / "summary.json")
    return doc["study"], list(doc["failed"])


# ------------------------------------------------------------------ reproduce
@dataclass
class ReproduceResult:
    """Outcome of :func:`reproduce`: changed inputs and differing numbers, per study."""

    manifest: Path
    changed_inputs: list[str]
    differences: list[str]
    studies: list[str]

    @property
    def identical(self) -> bool:
        return not self.changed_inputs and not self.differences

    def summary(self) -> str:
        lines = [f"reproduce {self.manifest} ({', '.join(self.studies)})"]
        lines += [f"  input changed: {p}" for p in self.changed_inputs]
        lines += [f"  differs: {d}" for d in self.differences[:100]]
        if len(self.differences) > 100:
            lines.append(f"  ... {len(self.differences) - 100} more differences")
        lines.append("  identical" if self.identical else "  NOT identical")
        return "\n".join(lines)


def _compare(a: Any, b: Any, path: str, out: list[str], rtol: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: present in only one run")
            else:
                _compare(a[k], b[k], f"{path}.{k}", out, rtol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]", out, rtol)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if not np.isclose(a, b, rtol=rtol, atol=0.0):
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


_MANIFEST_ENTRY = {
    "study": str,
    "unit_id": str,
    "run_id": str,
    "notebook": str,
    "notebook_sha256": str,
    "parameters": dict,
    "inputs": dict,
    "results": str,
}


def read_manifest(path: str | Path) -> dict[str, dict]:
    """The ``studies`` of a report manifest, validated (located errors, never a traceback):
    valid JSON, a ``studies`` mapping whose entries hold every field :func:`reproduce`
    needs with the right type, safe unit ids and relative result paths."""
    from ..core.ingest import NAME_PATTERN, read_json

    f = str(path)
    doc = read_json(path, f)
    problems: list[Problem] = []
    studies = doc.get("studies") if isinstance(doc, dict) else None
    if not isinstance(studies, dict) or not studies:
        raise ValidationError(
            [Problem(f, None, "studies", type(studies).__name__, "a mapping of study entries")], f
        )
    for name, e in studies.items():
        if not isinstance(e, dict):
            problems.append(Problem(f, None, f"studies.{name}", type(e).__name__, "a mapping"))
            continue
        for key, typ in _MANIFEST_ENTRY.items():
            if not isinstance(e.get(key), typ):
                problems.append(
                    Problem(f, None, f"studies.{name}.{key}", e.get(key), f"a {typ.__name__}")
                )
        uid = e.get("unit_id")
        if isinstance(uid, str) and not NAME_PATTERN.match(uid):
            problems.append(Problem(f, None, f"studies.{name}.unit_id", uid, "a unit id"))
        res = e.get("results")
        if isinstance(res, str) and (Path(res).is_absolute() or ".." in Path(res).parts):
            problems.append(
                Problem(f, None, f"studies.{name}.results", res, "a file name next to the manifest")
            )
        for k, v in (e.get("inputs") or {}).items() if isinstance(e.get("inputs"), dict) else []:
            if not isinstance(v, str) or not re.fullmatch(r"[0-9a-f]{64}", v):
                problems.append(Problem(f, None, f"studies.{name}.inputs.{k}", v, "a sha256"))
    if problems:
        raise ValidationError(problems, f)
    return studies


def reproduce(
    manifest_path: str | Path,
    study: str | None = None,
    root: str | Path | None = None,
    rtol: float = 1e-9,
) -> ReproduceResult:
    """Re-run a report from its manifest and compare every recorded number.

    Inputs whose sha256 changed since the report are named; the study is re-executed
    with the recorded parameters into a temporary directory and its results compared
    with the original (relative tolerance ``rtol``, default 1e-9: same numbers).
    """
    manifest_path = Path(manifest_path)
    root = Path(root or project_root())
    entries = read_manifest(manifest_path)
    if study is not None and study not in entries:
        raise ValidationError(
            [Problem(str(manifest_path), None, "studies", study, f"one of {sorted(entries)}")],
            str(manifest_path),
        )
    names = [study] if study else sorted(entries)
    changed: list[str] = []
    diffs: list[str] = []
    for name in names:
        entry = entries[name]
        for rel, digest in entry["inputs"].items():
            p = Path(rel) if Path(rel).is_absolute() else root / rel
            if not p.exists():
                changed.append(f"{rel} (missing)")
            elif sha256_file(p) != digest:
                changed.append(rel)
        nb = (
            _notebook_path(entry["study"], root)
            if not str(entry["study"]).endswith(".ipynb")
            else root / entry["notebook"]
        )
        if sha256_file(nb) != entry["notebook_sha256"]:
            changed.append(f"{entry['notebook']} (notebook changed)")
        original = json.loads((manifest_path.parent / entry["results"]).read_text("utf-8"))
        with tempfile.TemporaryDirectory(prefix="urbansec-reproduce-") as tmp:
            st = run_unit(
                entry["study"],
                entry["unit_id"],
                parameters=entry["parameters"],
                reports_dir=tmp,
                run_id=f"reproduce-{entry['run_id']}",
                root=root,
            )
            if st["status"] != "ok":
                diffs.append(f"{name}: re-run {st['status']}: {st['error']}")
                continue
            again = json.loads((Path(tmp) / entry["unit_id"] / entry["results"]).read_text("utf-8"))
        _compare(original.get("results", {}), again.get("results", {}), name, diffs, rtol)
    return ReproduceResult(manifest_path, changed, diffs, names)
