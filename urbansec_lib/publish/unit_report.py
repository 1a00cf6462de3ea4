"""One study report for one unit: execute its notebook (a new kernel or the warm one),
render the HTML, scan it for personal data, lint it, and write the manifest entry.

Example
-------
>>> _study_name("city_self_assessment")
'city_self_assessment'
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import re
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from ..core import defaults
from ..core.versions import code_version, package_versions
from ..inputs.workspace import project_root
from .recorder import _atomic_write, _uses_synthetic, sha256_file
from .render import render_html

#: The ways of executing a notebook (see :func:`run_unit`).
ENGINES = ("papermill", "warm", "inprocess")


def new_run_id() -> str:
    """A sortable run id: UTC timestamp + short random suffix.

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(r"[0-9A-Za-z_-]+", new_run_id()))
    True
    """
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def example_notebook(path: str | Path) -> Path:
    """Write the smallest study notebook there is: a ``parameters`` cell and one recorded
    number (what every study notebook holds: see CONTRIBUTING.md, "Studies").

    Examples
    --------
    >>> import tempfile, papermill
    >>> nb = example_notebook(Path(tempfile.mkdtemp()) / "example.ipynb")
    >>> sorted(papermill.inspect_notebook(str(nb)))
    ['data_dir', 'results_path', 'seed', 'unit_id']
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = 'unit_id = "X"\ndata_dir = "data"\nseed = 0\nresults_path = ""'
    body = (
        "from IPython.display import Markdown, display\n"
        "import urbansec_lib as us\n"
        "rec = us.reports.Recorder(results_path)\n"
        'rec.record("answer", 42)\n'
        'display(Markdown(f"The answer for {unit_id} is 42."))'
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Example study\n\nOne recorded number."),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def example_study(folder: str | Path | None = None) -> tuple[Path, str]:
    """A folder (default: a new temporary one) holding ``data/`` and the
    :func:`example_notebook`; returns the folder and the notebook's path, as
    :func:`run_unit` and :func:`urbansec_lib.reports.run` take them (``root``, ``study``).

    Examples
    --------
    >>> root, nb = example_study()
    >>> (root / "data").is_dir(), Path(nb).name
    (True, 'example.ipynb')
    """
    import tempfile

    root = (
        Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="urbansec-example-"))
    )
    (root / "data").mkdir(parents=True, exist_ok=True)
    return root, str(example_notebook(root / "example.ipynb"))


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
    """The parameters a notebook declares (its ``parameters`` cell), by name: read once per
    version of the file (its path, size and modification time), not once per unit."""
    st = Path(nb).stat()
    return dict(_inspect_parameters(str(nb), st.st_size, st.st_mtime_ns))


@functools.lru_cache(maxsize=64)
def _inspect_parameters(nb: str, size: int, mtime_ns: int) -> dict[str, Any]:
    import papermill as pm

    return dict(pm.inspect_notebook(nb))


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
    code: str | None = None,
) -> dict[str, Any]:
    """Execute one study notebook for one unit and write its report files.

    Long because: the steps of one report in the order they must happen (safe ids before any
    path, execution, the failure record, rendering, the privacy scan, the writes, the
    manifest, the linter), each a call; split further they would only pass the same dozen
    values around.

    Returns a status dict (unit_id, status "ok"/"failed"/"blocked", html path, error).
    Never raises for a failure inside the notebook: the partial executed notebook is
    kept and the error (cell, exception, message) is returned.

    ``engine="papermill"`` (default) runs the notebook in a new kernel;
    ``engine="warm"`` runs it in this process's long-lived kernel
    (:func:`urbansec_lib.executor.get_executor`): same executed notebook and results,
    without the kernel start and imports per unit. ``engine="inprocess"`` runs the cells
    in this process itself, in an IPython shell without a kernel
    (:mod:`urbansec_lib.publish.inprocess`): the same notebook shape and results, without
    the kernel's messages. ``timeout`` is per cell (seconds) with every engine.

    After the privacy scan the report linter (:mod:`urbansec_lib.lint_report`) reads the
    HTML; with ``lint=True`` (default) a report with findings is written but its status is
    "blocked" (exception ``ReportLintFailed``, the findings in the message).

    ``code`` is the code version the manifest records; ``None`` (default) asks git
    (:func:`urbansec_lib.versions.code_version`). A batch asks once, at its start, and
    passes the answer to every unit.

    Examples
    --------
    >>> from urbansec_lib.publish.unit_report import example_study
    >>> root, nb = example_study()  # a folder with data/ and a one-number study notebook
    >>> status = run_unit(nb, "BE212", root=root)
    >>> status["status"], Path(status["html"]).name
    ('ok', 'example.html')
    """
    import nbformat
    import papermill as pm

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")

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
            if engine in ("warm", "inprocess"):
                if engine == "warm":
                    from .executor import get_executor as get
                else:
                    from .inprocess import get_inprocess_executor as get
                # writes nb_tmp also on a failure; the error is papermill's exception
                nb, failure = get(kernel_name, timeout).execute(nb_in, exec_params, nb_tmp)
                if failure is not None:
                    raise failure
            else:
                nb = pm.execute_notebook(
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
        # the executed notebook as the engine returned it, the one it wrote to nb_tmp
        rec = json.loads(tmp_results.read_text("utf-8")) if tmp_results.exists() else {}
        manifest_entry, context = _manifest_and_context(
            study, unit_id, run_id, name, nb_in, params, rec, root, code
        )
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


def _manifest_and_context(
    study: str,
    unit_id: str,
    run_id: str,
    name: str,
    nb_in: Path,
    params: dict[str, Any],
    rec: dict[str, Any],
    root: Path,
    code: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's manifest entry (parameters, input hashes, versions, code) and the
    context of its title block and reproducibility footer."""
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
        "code_version": code or code_version(root),
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
    return manifest_entry, context


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
    """The privacy scan's findings for a rendered report. The report template's own style
    sheets (byte-identical in every report, most of its text) are left out of the scan:
    they hold no trace of a person, and scanning them cost more than the rest."""
    from ..inputs.privacy import scan_html

    for css in _template_styles():
        html = html.replace(css, "<style></style>")
    return [str(f) for f in scan_html(html, min_n=min_n)]


@functools.lru_cache(maxsize=1)
def _template_styles() -> tuple[str, ...]:
    """The ``<style>`` blocks of an empty report (the template's), longest first."""
    import nbformat

    empty = render_html(nbformat.v4.new_notebook(), {"title": "-", "glossary": []})
    blocks = re.findall(r"<style[^>]*>.*?</style>", empty, flags=re.S)
    return tuple(sorted({b for b in blocks if len(b) > 200}, key=len, reverse=True))
