"""The ``urbansec`` command.

Examples
--------
::

    urbansec init my-study && cd my-study           # a new study workspace
    urbansec unit add PL013C                        # a unit by its official code
    urbansec studies                                # the studies, their scope and inputs
    urbansec demo                                   # build data + all demo reports
    urbansec run --study city_self_assessment --units all --jobs 2
    urbansec run --unit ES001C                      # one unit, default study
    urbansec run --retry-failed 20261124T101500Z-ab12cd
    urbansec reproduce reports/ES001C/manifest.json
    urbansec data build                             # data/raw -> data/processed
    urbansec framework show [path]
    urbansec survey form --out forms/
    urbansec survey import data/raw/survey/ES001C_selfassessment_kobo.csv --unit ES001C
    urbansec ci template --unit BE212 --problem "..."
    urbansec key init                               # create the pseudonymisation key
    urbansec site                                   # static joint dashboard
    urbansec run --unit ES001C --pdf                # ... and print the report to PDF
    urbansec pdf reports/                           # print every report to PDF
    urbansec lint reports/                          # check every report with the linter
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


_WS_HELP = (
    "the study workspace (a folder holding urbansec.toml); default: the nearest one at or "
    "above the current folder"
)


def _common() -> argparse.ArgumentParser:
    c = argparse.ArgumentParser(add_help=False)
    c.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=_WS_HELP)
    return c


def _add_run(sub, common) -> None:
    from .core.defaults import SEED
    from .study.studies import DEFAULT_STUDY, help_text

    p = sub.add_parser(
        "run",
        parents=[common],
        help="execute a study notebook per unit and write HTML reports",
        description="Run a study for units of the workspace. Units and inputs are checked "
        "before any notebook starts (exit 2, nothing written).\n\nstudies:\n" + help_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--study", default=DEFAULT_STUDY, help=f"study name (default {DEFAULT_STUDY}; see above)"
    )
    p.add_argument(
        "--units",
        default=None,
        help="comma-separated unit ids, or 'all' (default: every unit of the workspace "
        "with the study's required inputs; partnership-wide studies need none)",
    )
    p.add_argument("--unit", default=None, help="one unit id (a code of this workspace)")
    p.add_argument("--all", action="store_true", help="all units of the study (as --units all)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument(
        "--executor",
        choices=["process", "dask"],
        default="process",
        help="process: local worker processes (default); dask: a Dask cluster (--scheduler)",
    )
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786)")
    p.add_argument(
        "--engine",
        choices=["warm", "papermill"],
        default="warm",
        help="warm: one long-lived kernel per worker (fast); papermill: a new kernel per unit",
    )
    p.add_argument(
        "--retry-failed",
        default=None,
        metavar="RUN_ID",
        help="rerun only the units that failed in run RUN_ID (reports/_runs/RUN_ID)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="data folder holding raw/ and processed/ (default: the workspace's)",
    )
    p.add_argument(
        "--reports-dir", default=None, help="where reports go (default: the workspace's reports/)"
    )
    p.add_argument(
        "--seed", type=int, default=None, help=f"seed (default: the workspace's, else {SEED})"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--pdf", action="store_true", help="also print each report to PDF (Chromium)")
    p.add_argument(
        "--no-lint", action="store_true", help="do not block reports the report linter flags"
    )


def _build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .study.studies import help_text

    common = _common()
    ap = argparse.ArgumentParser(
        prog="urbansec",
        description=__doc__.split("\n")[0],
        epilog="studies (urbansec run --study NAME):\n" + help_text() + "\n\nexit codes: 0 ok, "
        "2 bad input (one line naming what and where), 3 some units failed, 1 reproduce "
        "found differences",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--version", action="version", version=f"urbansec {__version__}")
    ap.add_argument("--workspace", metavar="DIR", default=None, help=_WS_HELP)
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND")
    _add_init(sub)
    _add_run(sub, common)
    sub.add_parser("studies", parents=[common], help="list the studies: scope, default, inputs")
    _add_unit(sub, common)
    _add_demo_reproduce_data(sub, common)
    _add_framework(sub, common)
    _add_survey(sub, common)
    _add_ci(sub, common)
    _add_tools(sub, common)
    return ap


def _add_init(sub: argparse._SubParsersAction) -> None:
    """``urbansec init DIR``: a new study workspace."""
    from .core.defaults import MIN_N, SEED

    p = sub.add_parser(
        "init",
        help="create a study workspace (data/raw, data/processed, reports, urbansec.toml)",
        description="Create a study workspace in DIR.",
    )
    p.add_argument("folder", metavar="DIR", help="the folder to create (may exist, empty)")
    p.add_argument("--name", default=None, help="a name for the study (default: DIR's name)")
    p.add_argument(
        "--framework", default="packaged", help="'packaged' (default) or a framework YAML path"
    )
    p.add_argument(
        "--min-n",
        type=int,
        default=MIN_N,
        help=f"suppression threshold: statistics over fewer respondents are withheld "
        f"(default {MIN_N})",
    )
    p.add_argument("--seed", type=int, default=SEED, help=f"seed of every random step ({SEED})")
    p.add_argument(
        "--comparators",
        choices=["reference+workspace", "workspace"],
        default="reference+workspace",
        help="what units are compared with: the bundled reference units (real public data "
        "only) plus this workspace's units (default), or this workspace's units only",
    )


def _add_unit(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``urbansec studies`` and ``urbansec unit add|list|search``."""
    p = sub.add_parser("unit", parents=[common], help="add, list or search units by official code")
    usub = p.add_subparsers(dest="unit_cmd", metavar="ACTION")
    u = usub.add_parser(
        "add",
        parents=[common],
        help="add a unit to the workspace by its official code",
        description="Add a unit by its official code (Urban Audit city, NUTS 2021, LAU): "
        "name, level, country, NUTS 3 and population come from the packaged registry. "
        "Unknown or mismatched codes are refused with the nearest matches.",
    )
    u.add_argument("code", help="official code, e.g. PL013C (Torun) or BE212 (NUTS 3)")
    u.add_argument("--name", default=None, help="the unit's name, checked against the registry's")
    usub.add_parser("list", parents=[common], help="the workspace's units")
    u = usub.add_parser("search", parents=[common], help="search the registry by code or name")
    u.add_argument("text", help="part of a name or code (accents optional)")
    u.add_argument("-n", type=int, default=5, help="number of matches (default 5)")


def _add_demo_reproduce_data(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``urbansec demo``, ``reproduce`` and ``data build``."""
    p = sub.add_parser(
        "demo",
        parents=[common],
        help="build processed data and every demo report (the repository's demo workspace)",
    )
    p.add_argument(
        "--into",
        metavar="DIR",
        default=None,
        help="first create the demo workspace in DIR from the packaged demo data (for an "
        "installed package without the repository)",
    )
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p = sub.add_parser(
        "reproduce",
        parents=[common],
        help="re-run a report from its manifest and compare every number",
    )
    p.add_argument("manifest", help="reports/<unit>/manifest.json")
    p.add_argument("--study", default=None, help="only this study of the manifest")
    p = sub.add_parser("data", parents=[common], help="data/raw -> data/processed")
    p.add_argument("action", choices=["build"], help="build: rebuild data/processed")
    p.add_argument("--data-dir", default=None, help="data folder (default: the workspace's)")


def _add_framework(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``urbansec framework show|validate|coinr``."""
    p = sub.add_parser("framework", parents=[common], help="show or validate a framework")
    p.add_argument(
        "action",
        choices=["show", "validate", "coinr"],
        help="show: summary; validate: check a YAML; coinr: write COINr's iMeta table",
    )
    p.add_argument("path", nargs="?", default=None, help="framework YAML (default: packaged)")
    p.add_argument("--out", default=None, help="for 'coinr': folder for iMeta.csv")
    p.add_argument(
        "--with-data",
        action="store_true",
        help="for 'coinr': also write the workspace's indicator data as iData",
    )
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="for 'coinr'")


def _add_survey(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``urbansec survey form|import``."""
    p = sub.add_parser("survey", parents=[common], help="survey form out / responses in")
    ssub = p.add_subparsers(dest="survey_cmd", metavar="ACTION")
    langs = ", ".join(_form_languages())
    f = ssub.add_parser(
        "form",
        parents=[common],
        help="XLSForm + printable questionnaire + response template",
        description="Write the survey forms. With --unit: a resident/stakeholder form with "
        "the unit fixed (no respondent types a code) and a separate short staff "
        f"questionnaire for the city-level facts. Languages on offer: {langs}.",
    )
    f.add_argument("--unit", default=None, help="fix the unit in the forms (a workspace unit)")
    f.add_argument("--framework", default=None, help="framework YAML (default: workspace's)")
    f.add_argument(
        "--levels", nargs="*", default=None, help="only indicators for these territorial levels"
    )
    f.add_argument("--language", default="en", help=f"label language, one of: {langs} (default en)")
    f.add_argument("--out", default="forms", help="output folder (default forms/)")
    i = ssub.add_parser(
        "import",
        parents=[common],
        help="validate, pseudonymise and import a survey export (any file name)",
    )
    i.add_argument("export", help="the Kobo/ODK export (.csv or .xlsx), any file name")
    i.add_argument("--unit", required=True, help="the unit the answers belong to")
    i.add_argument("--framework", default=None, help="framework YAML (default: workspace's)")
    i.add_argument("--processed-dir", default=None, help="default: the workspace's data/processed")
    i.add_argument(
        "--accept-valid",
        action="store_true",
        help="import valid rows; rejected rows go to rejected.csv",
    )
    i.add_argument(
        "--create-key", action="store_true", help="create the pseudonymisation key if missing"
    )
    i.add_argument(
        "--side-file",
        default=None,
        help="keep free text / identifiers in this access-restricted file",
    )


def _add_ci(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``urbansec ci template``."""
    p = sub.add_parser("ci", parents=[common], help="Collective Impact templates")
    csub = p.add_subparsers(dest="ci_cmd", metavar="ACTION")
    t = csub.add_parser(
        "template", parents=[common], help="write a fill-in SWOT workbook (+ Markdown/HTML)"
    )
    t.add_argument("--unit", required=True, help="the unit")
    t.add_argument("--problem", default=None, help="the policy problem statement")
    t.add_argument("--initiatives", nargs="*", default=None, help="initiatives to list")
    t.add_argument(
        "--from-evaluation",
        action="store_true",
        help="list the unit's evaluated initiative if it showed no measurable impact",
    )
    t.add_argument(
        "--out", default=None, help="workbook path (default <unit>_collective_impact.xlsx)"
    )


def _add_tools(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``urbansec key``, ``pdf``, ``lint`` and ``site``."""
    p = sub.add_parser("key", parents=[common], help="pseudonymisation key")
    p.add_argument(
        "action", choices=["init", "fingerprint"], help="init: create; fingerprint: show"
    )
    p = sub.add_parser("pdf", parents=[common], help="print reports to PDF with headless Chromium")
    p.add_argument("paths", nargs="+", help="HTML reports or folders of <unit>/<study>.html")
    p = sub.add_parser("lint", parents=[common], help="check produced reports with the linter")
    p.add_argument("paths", nargs="+", help="HTML reports or folders of <unit>/<study>.html")
    p = sub.add_parser(
        "site", parents=[common], help="build the static joint dashboard from the reports"
    )
    p.add_argument("--out", default=None, help="output folder (default reports/site)")


def _form_languages() -> list[str]:
    """Languages of the packaged framework's survey (light: no scientific imports)."""
    try:
        import yaml

        path = Path(__file__).resolve().parent / "frameworks" / "urban_security.yaml"
        doc = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, ImportError, ValueError):
        return ["en"]
    langs: set[str] | None = None

    def walk(node) -> None:
        nonlocal langs
        if isinstance(node, dict):
            src = node.get("source")
            if isinstance(src, dict) and src.get("kind") == "survey":
                tr = src.get("translations") or {}
                have = {k for k, v in tr.items() if isinstance(v, dict) and v.get("question")}
                langs = have if langs is None else langs & have
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return ["en"] + sorted((langs or set()) - {"en"})


def _cmd_run(a) -> int:
    from .inputs.workspace import current
    from .publish import reports
    from .study import studies

    ws = current(a.workspace)
    params = {}
    if a.data_dir:
        params["data_dir"] = str(Path(a.data_dir).resolve())
    if a.seed is not None:
        params["seed"] = a.seed
    study = a.study
    if a.retry_failed:
        study, units = reports.failed_units(a.retry_failed, a.reports_dir or ws.reports_dir)
        if not units:
            print(f"run {a.retry_failed} had no failed units")
            return 0
    elif a.unit:
        units = [a.unit]
    elif a.all or a.units in (None, "all"):
        # `--units all` of the existing-data study: every registry unit with public data
        scope = "registry" if (a.all or a.units == "all") else "workspace"
        units = studies.study_units(study, a.data_dir or ws.data_dir, scope=scope)
    else:
        units = [u.strip() for u in a.units.split(",") if u.strip()]
    from .core.ingest import check_name

    for u in units:
        check_name(u, "unit id")  # before any report folder is made
    if study not in reports.STUDIES:
        check_name(study, "study name")
    summary = reports.run(
        study,
        units,
        jobs=a.jobs,
        parameters=params,
        reports_dir=a.reports_dir or ws.reports_dir,
        root=ws.root,
        executor=a.executor,
        scheduler=a.scheduler,
        progress=not a.no_progress,
        engine=a.engine,
        lint=not a.no_lint,
    )
    print(summary.summary())
    print(f"summary: {summary.path}")
    if a.pdf:
        from .publish.pdf import html_to_pdf

        for html in summary.table["html"].dropna():
            print(f"pdf: {html_to_pdf(html)}")
    return 0 if summary.ok else 3


def _cmd_lint(a) -> int:
    from .publish.lint_report import lint_file
    from .publish.pdf import _htmls

    n = 0
    for p in _htmls(a.paths):
        for f in lint_file(p):
            n += 1
            print(f"{p}: {f}")
    print(f"{n} finding(s)")
    return 0 if n == 0 else 1


def _cmd_init(a) -> int:
    from .inputs import workspace

    ws = workspace.init(
        a.folder,
        name=a.name,
        framework=a.framework,
        min_n=a.min_n,
        seed=a.seed,
        comparators=a.comparators,
    )
    print(f"workspace ready: {ws.config_path}")
    print(f"next: cd {a.folder} && urbansec unit add CODE")
    return 0


def _cmd_unit(a, ap) -> int:
    from .inputs.workspace import current

    if a.unit_cmd == "search":
        from .core.registry import load_registry

        for r in load_registry().search(a.text, n=a.n):
            print(f"{r.unit_id:<10} {r.level:<6} {r.country}  {r.name}")
        return 0
    ws = current(a.workspace)
    if a.unit_cmd == "add":
        rec = add_unit(ws, a.code, name=a.name)
        pop = (
            f", population {rec.population:,.0f} ({rec.population_year})" if rec.population else ""
        )
        print(
            f"added {rec.unit_id}: {rec.name} ({rec.level}, {rec.country}{pop}) to {ws.units_file}"
        )
        return 0
    if a.unit_cmd == "list":
        units = ws.units()
        if units.empty:
            print("no units yet: add one with `urbansec unit add CODE`")
        for r in units.itertuples():
            print(f"{r.unit_id:<10} {r.level:<6} {r.country}  {r.name}")
        return 0
    ap.print_help()
    return 0


def add_unit(ws, code: str, name: str | None = None):
    """Register ``code`` in the workspace's units file (from the official registry); returns
    the :class:`~urbansec_lib.registry.UnitRecord`. Unknown or mismatched codes raise
    :class:`~urbansec_lib.registry.UnknownUnitError` naming the nearest matches.

    Examples
    --------
    >>> import tempfile
    >>> from urbansec_lib.inputs.workspace import init
    >>> ws = init(tempfile.mkdtemp())
    >>> add_unit(ws, "ES300").name
    'Madrid'
    """
    from .core.registry import check_unit_id, register_unit

    return register_unit(check_unit_id(code.strip(), source="CODE"), ws.units_file, name=name)


def _cmd_studies(a) -> int:
    from .study.studies import all_studies

    for s in all_studies().values():
        print(s.line())
        for i in s.inputs:
            req = "required" if i.required else "optional"
            where = f" ({i.default})" if i.default else ""
            print(f"    {req}: {i.description}{where}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``urbansec`` console script. Exit 0 ok, 2 bad input, 3 some failed.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> main(["init", d])  # doctest: +ELLIPSIS
    workspace ...
    0
    >>> main(["--workspace", d, "unit", "add", "XX999"])  # an unknown code: exit 2
    2
    """
    import os

    ap = _build_parser()
    a = ap.parse_args(argv)
    from .core.errors import ValidationError

    old_env = os.environ.get("URBANSEC_WORKSPACE")
    if getattr(a, "workspace", None):
        from .inputs.workspace import load

        try:
            load(a.workspace)
        except ValidationError as exc:
            print(str(exc).splitlines()[0] if str(exc) else repr(exc), file=sys.stderr)
            return 2
        os.environ["URBANSEC_WORKSPACE"] = str(Path(a.workspace).resolve())
    try:
        return _dispatch(a, ap)
    except ValidationError as exc:
        probs = getattr(exc, "problems", [])
        if len(probs) == 1 and str(getattr(probs[0], "file", "")) == "<arguments>":
            # a refused argument: one clear line
            lines = str(exc).splitlines()
            head = lines[0].rstrip(":") if len(lines) > 1 else ""
            line = lines[-1].strip().lstrip("- ")
            print(f"{head}: {line}" if head else line, file=sys.stderr)
        else:
            print(str(exc), file=sys.stderr)
        return 2
    except (FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # e.g. a missing pseudonymisation key
        if type(exc).__name__ != "PseudonymKeyError":
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if old_env is None:
            os.environ.pop("URBANSEC_WORKSPACE", None)
        else:
            os.environ["URBANSEC_WORKSPACE"] = old_env


def _dispatch(a, ap) -> int:
    if a.cmd == "init":
        return _cmd_init(a)
    if a.cmd == "unit":
        return _cmd_unit(a, ap)
    if a.cmd == "studies":
        return _cmd_studies(a)
    if a.cmd == "run":
        return _cmd_run(a)
    if a.cmd == "demo":
        from .publish import batch

        target = a.workspace
        if a.into:
            from .inputs.workspace import demo_workspace

            target = str(demo_workspace(a.into).root)
        return batch.run_workspace(jobs=a.jobs, progress=not a.no_progress, workspace_dir=target)
    if a.cmd == "reproduce":
        from .inputs.workspace import current
        from .publish import reports

        res = reports.reproduce(a.manifest, study=a.study, root=current(a.workspace).root)
        print(res.summary())
        return 0 if res.identical else 1
    if a.cmd == "data":
        from .study import store

        out = store.build_processed(a.data_dir)
        print(out)
        return 0
    if a.cmd == "framework":
        from .model.framework import load_framework

        fw = load_framework(a.path)
        if a.action == "coinr":
            from .core.ingest import check_output, write_csv

            out = check_output(Path(a.out or "."), what="--out")
            out.mkdir(parents=True, exist_ok=True)
            if a.with_data:
                from .model import coinr
                from .study import pipeline

                inputs = pipeline.load_inputs(None, fw)
                for p in coinr.write_coinr(inputs.indicators, fw, out, fmt=a.format):
                    print(p)
            else:
                write_csv(fw.to_coinr(), out / "iMeta.csv")
                print(out / "iMeta.csv")
        else:
            print(fw.summary())
        return 0
    if a.cmd == "survey":
        return _cmd_survey(a, ap)
    if a.cmd == "ci":
        return _cmd_ci(a, ap)
    if a.cmd == "key":
        from .inputs import privacy

        key = privacy.load_key(create=a.action == "init")
        print(f"pseudonymisation key ready (fingerprint {privacy.key_fingerprint(key)})")
        return 0
    if a.cmd == "pdf":
        from .publish.pdf import reports_to_pdf

        for out in reports_to_pdf(a.paths):
            print(out)
        return 0
    if a.cmd == "lint":
        return _cmd_lint(a)
    if a.cmd == "site":
        from .publish import site

        print(site.build(out_dir=a.out))
        return 0
    ap.print_help()
    return 0


def _cmd_survey(a, ap) -> int:
    from .inputs import survey
    from .inputs.workspace import current
    from .model.framework import load_framework

    ws = current(a.workspace)
    fw = load_framework(a.framework or ws.framework_path())
    if a.survey_cmd == "form":
        out = Path(a.out)
        survey.check_language(fw, a.language)
        stem = f"{fw.id}-{fw.version}"
        if a.unit:
            unit = _workspace_unit(ws, a.unit)
            out.mkdir(parents=True, exist_ok=True)
            written = survey.write_unit_forms(fw, out, unit, levels=a.levels, language=a.language)
            for p in written:
                print(p)
            return 0
        out.mkdir(parents=True, exist_ok=True)
        survey.to_xlsform(fw, out / f"{stem}-xlsform.xlsx", levels=a.levels, language=a.language)
        survey.to_questionnaire_html(
            fw, out / f"{stem}-questionnaire.html", levels=a.levels, language=a.language
        )
        survey.to_template(fw, out / f"{stem}-template.csv", levels=a.levels)
        survey.to_template(fw, out / f"{stem}-template.xlsx", levels=a.levels)
        print(f"wrote form, questionnaire and templates to {out}/")
        return 0
    if a.survey_cmd == "import":
        from .inputs import privacy

        unit = _workspace_unit(ws, a.unit)
        key = privacy.load_key(create=a.create_key)
        processed = Path(a.processed_dir) if a.processed_dir else ws.processed_dir
        units = set(ws.comparator_units()["unit_id"])
        from .core.ingest import check_output

        check_output(processed, what="--processed-dir", forbidden=[ws.raw_dir])
        entry = survey.import_export(
            a.export,
            fw,
            unit,
            processed,
            key,
            on_error="split" if a.accept_valid else "raise",
            side_file=a.side_file,
            units=units,
        )
        print(entry)
        print(f"imported for {unit}: {processed / unit} (the reports read it from there)")
        return 0
    ap.print_help()
    return 0


def _workspace_unit(ws, code: str) -> str:
    """``code`` if it is a unit of the workspace, else a one-line ValidationError."""
    from .study.studies import _one_line, _unknown_unit_message, safe_id

    safe_id(code)
    known = set(ws.unit_ids())
    if code not in known:
        raise _one_line(_unknown_unit_message(code, ws), "--unit", code, "a unit of this workspace")
    return code


def _cmd_ci(a, ap) -> int:
    from .analysis import collective_impact as ci

    if a.ci_cmd == "template":
        from .core.ingest import check_name, check_output

        check_name(a.unit, "unit id")  # before a file name is built from it
        out = Path(a.out or f"{a.unit}_collective_impact.xlsx")
        for p in (out, out.with_suffix(".md"), out.with_suffix(".html")):
            check_output(p, what="--out")
        if a.from_evaluation:
            from .study import pipeline

            found = pipeline.initiatives_without_impact(a.unit)
            a.initiatives = (a.initiatives or []) + [f"{i}: {n}" for i, n in found]
            print(f"initiatives without measurable impact: {a.initiatives or 'none'}")
        ci.template(a.unit, out, problem=a.problem, initiatives=a.initiatives)
        md = ci.template_markdown(a.unit, problem=a.problem, initiatives=a.initiatives)
        out.with_suffix(".md").write_text(md, encoding="utf-8")
        out.with_suffix(".html").write_text(
            ci.template_html(a.unit, problem=a.problem, initiatives=a.initiatives), encoding="utf-8"
        )
        print(f"wrote {out}, {out.with_suffix('.md')}, {out.with_suffix('.html')}")
        return 0
    ap.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
