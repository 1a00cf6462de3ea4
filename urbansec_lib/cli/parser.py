"""The ``urbansec`` command's arguments: one parser, built one command at a time (light:
no scientific imports, so that ``--help`` answers at once).

Example
-------
>>> ap = _build_parser()
>>> ap.parse_args(["unit", "add", "PL013C"]).code
'PL013C'
"""

from __future__ import annotations

import argparse
from pathlib import Path

_WS_HELP = (
    "the study workspace (a folder holding urbansec.toml); default: the nearest one at or "
    "above the current folder"
)


def _common() -> argparse.ArgumentParser:
    c = argparse.ArgumentParser(add_help=False)
    c.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=_WS_HELP)
    return c


def _add_run(sub, common) -> None:
    from ..core.defaults import SEED
    from ..study.studies import DEFAULT_STUDY, help_text

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
        choices=["inprocess", "warm", "papermill"],
        default="inprocess",
        help="inprocess: the cells run in the worker itself, no kernel (default, fastest); "
        "warm: one long-lived kernel per worker; papermill: a new kernel per unit",
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
    from .. import __version__
    from ..study.studies import help_text

    common = _common()
    ap = argparse.ArgumentParser(
        prog="urbansec",
        description="The ``urbansec`` command.",
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
    from ..core.defaults import MIN_N, SEED

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

        path = Path(__file__).resolve().parents[1] / "frameworks" / "urban_security.yaml"
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
