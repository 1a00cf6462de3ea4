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

import sys
from pathlib import Path

__all__ = ["main"]


from .parser import _build_parser


def _cmd_run(a) -> int:
    from ..inputs.workspace import current
    from ..publish import reports
    from ..study import studies

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
    from ..core.ingest import check_name

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
        from ..publish.pdf import html_to_pdf

        for html in summary.table["html"].dropna():
            print(f"pdf: {html_to_pdf(html)}")
    return 0 if summary.ok else 3


def _cmd_lint(a) -> int:
    from ..publish.lint_report import lint_file
    from ..publish.pdf import _htmls

    n = 0
    for p in _htmls(a.paths):
        for f in lint_file(p):
            n += 1
            print(f"{p}: {f}")
    print(f"{n} finding(s)")
    return 0 if n == 0 else 1


def _cmd_init(a) -> int:
    from ..inputs import workspace

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
    from ..inputs.workspace import current

    if a.unit_cmd == "search":
        from ..core.registry import load_registry

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
    from ..core.registry import check_unit_id, register_unit

    return register_unit(check_unit_id(code.strip(), source="CODE"), ws.units_file, name=name)


def _cmd_studies(a) -> int:
    from ..study.studies import all_studies

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
    from ..core.errors import ValidationError

    old_env = os.environ.get("URBANSEC_WORKSPACE")
    if getattr(a, "workspace", None):
        from ..inputs.workspace import load

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
        from ..publish import batch

        target = a.workspace
        if a.into:
            from ..inputs.workspace import demo_workspace

            target = str(demo_workspace(a.into).root)
        return batch.run_workspace(jobs=a.jobs, progress=not a.no_progress, workspace_dir=target)
    if a.cmd == "reproduce":
        from ..inputs.workspace import current
        from ..publish import reports

        res = reports.reproduce(a.manifest, study=a.study, root=current(a.workspace).root)
        print(res.summary())
        return 0 if res.identical else 1
    if a.cmd == "data":
        from ..study import store

        out = store.build_processed(a.data_dir)
        print(out)
        return 0
    if a.cmd == "framework":
        from ..model.framework import load_framework

        fw = load_framework(a.path)
        if a.action == "coinr":
            from ..core.ingest import check_output, write_csv

            out = check_output(Path(a.out or "."), what="--out")
            out.mkdir(parents=True, exist_ok=True)
            if a.with_data:
                from ..model import coinr
                from ..study import pipeline

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
        from ..inputs import privacy

        key = privacy.load_key(create=a.action == "init")
        print(f"pseudonymisation key ready (fingerprint {privacy.key_fingerprint(key)})")
        return 0
    if a.cmd == "pdf":
        from ..publish.pdf import reports_to_pdf

        for out in reports_to_pdf(a.paths):
            print(out)
        return 0
    if a.cmd == "lint":
        return _cmd_lint(a)
    if a.cmd == "site":
        from ..publish import site

        print(site.build(out_dir=a.out))
        return 0
    ap.print_help()
    return 0


def _cmd_survey(a, ap) -> int:
    from ..inputs import survey
    from ..inputs.workspace import current
    from ..model.framework import load_framework

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
        from ..inputs import privacy

        unit = _workspace_unit(ws, a.unit)
        key = privacy.load_key(create=a.create_key)
        processed = Path(a.processed_dir) if a.processed_dir else ws.processed_dir
        units = set(ws.comparator_units()["unit_id"])
        from ..core.ingest import check_output

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
    from ..study.studies import _one_line, _unknown_unit_message, safe_id

    safe_id(code)
    known = set(ws.unit_ids())
    if code not in known:
        raise _one_line(_unknown_unit_message(code, ws), "--unit", code, "a unit of this workspace")
    return code


def _cmd_ci(a, ap) -> int:
    from ..analysis import collective_impact as ci

    if a.ci_cmd == "template":
        from ..core.ingest import check_name, check_output

        check_name(a.unit, "unit id")  # before a file name is built from it
        out = Path(a.out or f"{a.unit}_collective_impact.xlsx")
        for p in (out, out.with_suffix(".md"), out.with_suffix(".html")):
            check_output(p, what="--out")
        if a.from_evaluation:
            from ..study import pipeline

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
