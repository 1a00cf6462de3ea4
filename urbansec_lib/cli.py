"""The ``urbansec`` command.

Examples
--------
::

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


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="execute a study notebook per unit and write HTML reports")
    p.add_argument("--study", default="city_self_assessment")
    p.add_argument("--units", default=None, help="comma-separated unit ids, or 'all'")
    p.add_argument("--unit", default=None, help="one unit id")
    p.add_argument("--all", action="store_true", help="all units of the study")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--executor", choices=["process", "dask"], default="process")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address")
    p.add_argument(
        "--engine",
        choices=["warm", "papermill"],
        default="warm",
        help="warm: one long-lived kernel per worker (fast); papermill: a new kernel per unit",
    )
    p.add_argument("--retry-failed", default=None, metavar="RUN_ID")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--reports-dir", default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--pdf", action="store_true", help="also print each report to PDF (Chromium)")
    p.add_argument(
        "--no-lint", action="store_true", help="do not block reports the report linter flags"
    )


def _build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="urbansec", description=__doc__.split("\n")[0])
    ap.add_argument("--version", action="store_true")
    sub = ap.add_subparsers(dest="cmd")
    _add_run(sub)
    p = sub.add_parser("demo", help="build processed data and every demo report")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--no-progress", action="store_true")
    p = sub.add_parser("reproduce", help="re-run a report from its manifest and compare")
    p.add_argument("manifest")
    p.add_argument("--study", default=None)
    p = sub.add_parser("data", help="data/raw -> data/processed")
    p.add_argument("action", choices=["build"])
    p.add_argument("--data-dir", default=None)
    p = sub.add_parser("framework", help="show or validate a framework")
    p.add_argument("action", choices=["show", "validate", "coinr"])
    p.add_argument("path", nargs="?", default=None)
    p.add_argument("--out", default=None, help="for 'coinr': folder for iMeta.csv")
    p.add_argument(
        "--with-data",
        action="store_true",
        help="for 'coinr': also write the demo indicator data as iData",
    )
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p = sub.add_parser("survey", help="survey form out / responses in")
    ssub = p.add_subparsers(dest="survey_cmd")
    f = ssub.add_parser("form", help="XLSForm + printable questionnaire + response template")
    f.add_argument("--framework", default=None)
    f.add_argument("--levels", nargs="*", default=None)
    f.add_argument("--language", default="en")
    f.add_argument("--out", default="forms")
    i = ssub.add_parser("import", help="validate, pseudonymise and import a survey export")
    i.add_argument("export")
    i.add_argument("--unit", required=True)
    i.add_argument("--framework", default=None)
    i.add_argument("--processed-dir", default=None)
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
    p = sub.add_parser("ci", help="Collective Impact templates")
    csub = p.add_subparsers(dest="ci_cmd")
    t = csub.add_parser("template", help="write a fill-in SWOT workbook (+ Markdown/HTML)")
    t.add_argument("--unit", required=True)
    t.add_argument("--problem", default=None)
    t.add_argument("--initiatives", nargs="*", default=None)
    t.add_argument(
        "--from-evaluation",
        action="store_true",
        help="list the unit's evaluated initiative if it showed no measurable impact",
    )
    t.add_argument("--out", default=None)
    p = sub.add_parser("key", help="pseudonymisation key")
    p.add_argument("action", choices=["init", "fingerprint"])
    p = sub.add_parser("pdf", help="print reports to PDF with headless Chromium")
    p.add_argument("paths", nargs="+", help="HTML reports or folders of <unit>/<study>.html")
    p = sub.add_parser("lint", help="check produced reports with the report linter")
    p.add_argument("paths", nargs="+", help="HTML reports or folders of <unit>/<study>.html")
    p = sub.add_parser("site", help="build the static joint dashboard from the reports")
    p.add_argument("--out", default=None)
    return ap


def _cmd_run(a) -> int:
    from . import pipeline, reports

    params = {}
    if a.data_dir:
        params["data_dir"] = str(Path(a.data_dir).resolve())
    if a.seed is not None:
        params["seed"] = a.seed
    study = a.study
    if a.retry_failed:
        study, units = reports.failed_units(a.retry_failed, a.reports_dir)
        if not units:
            print(f"run {a.retry_failed} had no failed units")
            return 0
    elif a.unit:
        units = [a.unit]
    elif a.all or a.units in (None, "all"):
        units = pipeline.study_units(study, a.data_dir)
    else:
        units = [u.strip() for u in a.units.split(",") if u.strip()]
    summary = reports.run(
        study,
        units,
        jobs=a.jobs,
        parameters=params,
        reports_dir=a.reports_dir,
        executor=a.executor,
        scheduler=a.scheduler,
        progress=not a.no_progress,
        engine=a.engine,
        lint=not a.no_lint,
    )
    print(summary.summary())
    print(f"summary: {summary.path}")
    if a.pdf:
        from .pdf import html_to_pdf

        for html in summary.table["html"].dropna():
            print(f"pdf: {html_to_pdf(html)}")
    return 0 if summary.ok else 3


def _cmd_lint(a) -> int:
    from .lint_report import lint_file
    from .pdf import _htmls

    n = 0
    for p in _htmls(a.paths):
        for f in lint_file(p):
            n += 1
            print(f"{p}: {f}")
    print(f"{n} finding(s)")
    return 0 if n == 0 else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``urbansec`` console script. Exit 0 ok, 2 bad input, 3 some failed."""
    ap = _build_parser()
    a = ap.parse_args(argv)
    if a.version:
        from . import __version__

        print(__version__)
        return 0
    from .errors import ValidationError

    try:
        if a.cmd == "run":
            return _cmd_run(a)
        if a.cmd == "demo":
            from . import pipeline

            return pipeline.demo(jobs=a.jobs, progress=not a.no_progress)
        if a.cmd == "reproduce":
            from . import reports

            res = reports.reproduce(a.manifest, study=a.study)
            print(res.summary())
            return 0 if res.identical else 1
        if a.cmd == "data":
            from . import pipeline

            out = pipeline.build_processed(a.data_dir)
            print(out)
            return 0
        if a.cmd == "framework":
            from .framework import load_framework

            fw = load_framework(a.path)
            if a.action == "coinr":
                out = Path(a.out or ".")
                out.mkdir(parents=True, exist_ok=True)
                if a.with_data:
                    from . import coinr, pipeline

                    inputs = pipeline.load_inputs(None, fw)
                    for p in coinr.write_coinr(inputs.indicators, fw, out, fmt=a.format):
                        print(p)
                else:
                    fw.to_coinr().to_csv(out / "iMeta.csv", index=False)
                    print(out / "iMeta.csv")
            else:
                print(fw.summary())
            return 0
        if a.cmd == "survey":
            return _cmd_survey(a, ap)
        if a.cmd == "ci":
            return _cmd_ci(a, ap)
        if a.cmd == "key":
            from . import privacy

            key = privacy.load_key(create=a.action == "init")
            print(f"pseudonymisation key ready (fingerprint {privacy.key_fingerprint(key)})")
            return 0
        if a.cmd == "pdf":
            from .pdf import reports_to_pdf

            for out in reports_to_pdf(a.paths):
                print(out)
            return 0
        if a.cmd == "lint":
            return _cmd_lint(a)
        if a.cmd == "site":
            from . import site

            print(site.build(out_dir=a.out))
            return 0
        ap.print_help()
        return 0
    except ValidationError as exc:
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


def _cmd_survey(a, ap) -> int:
    from . import survey
    from .framework import load_framework

    fw = load_framework(a.framework)
    if a.survey_cmd == "form":
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        stem = f"{fw.id}-{fw.version}"
        survey.to_xlsform(fw, out / f"{stem}-xlsform.xlsx", levels=a.levels, language=a.language)
        survey.to_questionnaire_html(fw, out / f"{stem}-questionnaire.html", levels=a.levels)
        survey.to_template(fw, out / f"{stem}-template.csv", levels=a.levels)
        survey.to_template(fw, out / f"{stem}-template.xlsx", levels=a.levels)
        print(f"wrote form, questionnaire and templates to {out}/")
        return 0
    if a.survey_cmd == "import":
        from . import pipeline, privacy

        key = privacy.load_key(create=a.create_key)
        processed = Path(a.processed_dir) if a.processed_dir else pipeline.processed_dir()
        from .data import read_units

        units = set(read_units(pipeline.raw_dir() / "units.csv")["unit_id"])
        entry = survey.import_export(
            a.export,
            fw,
            a.unit,
            processed,
            key,
            on_error="split" if a.accept_valid else "raise",
            side_file=a.side_file,
            units=units,
        )
        print(entry)
        return 0
    ap.print_help()
    return 0


def _cmd_ci(a, ap) -> int:
    from . import collective_impact as ci

    if a.ci_cmd == "template":
        out = Path(a.out or f"{a.unit}_collective_impact.xlsx")
        if a.from_evaluation:
            from . import pipeline

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
