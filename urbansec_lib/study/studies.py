"""Studies as declared objects: what each study is, what it needs, what it publishes.

One :class:`Study` per study: name, title, notebook, scope (``"unit"``: one report per
unit; ``"partnership"``: one report for the whole partnership, ``reports/EU/``), the inputs
it reads (required or optional, each with its default file name under the data folder),
its parameters with defaults and the results it records. The command line, the batch
runner (:func:`urbansec_lib.reports.run`), the dashboard (:mod:`urbansec_lib.site`) and
``reproduce`` read these declarations; :data:`urbansec_lib.reports.STUDIES` is kept as a
plain-dict view of them for older code.

:func:`check_request` checks units and inputs before any notebook starts: an unknown
unit, a unit given to a partnership-wide study or a missing required input raises a
:class:`~urbansec_lib.core.errors.ValidationError` with one clear line (the CLI exits 2, no
notebook runs, no ``reports/<unit>/`` folder is made).

Example
-------
>>> s = get("orpheus_impact")
>>> s.scope, [i.kind for i in s.inputs if i.required]
('unit', ['orpheus_inventory'])
>>> get("ai_technologies").scope
'partnership'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import defaults
from ..core.errors import Problem, ValidationError

__all__ = ["Input", "Study", "DECLARED", "study_units", "STUDIES", "all_studies", "get",
           "names", "check_request", "safe_id", "SAFE_ID", "DEFAULT_STUDY", "help_text",
           "RequestError"]  # fmt: skip

#: Any id that becomes a folder name (reports/<id>/): checked before a path is built.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
#: The study ``urbansec run --unit X`` runs when no ``--study`` is given.
DEFAULT_STUDY = "city_self_assessment"


@dataclass(frozen=True)
class Input:
    """One input of a study.

    ``default`` is the file name under the data folder (``{unit}`` is replaced by the unit
    id; a ``*`` pattern means "at least one such file"); a workspace can name another file
    in its ``[inputs.<unit>]`` table. ``kind == "survey"`` is an imported self-assessment
    survey (``urbansec survey import``, any file name).

    Examples
    --------
    >>> inp = Input("ci_workbook", "filled Collective Impact workbook",
    ...             "raw/collective_impact/{unit}_ci.xlsx", required=True)
    >>> inp.default.format(unit="ES300"), inp.required
    ('raw/collective_impact/ES300_ci.xlsx', True)
    """

    kind: str
    description: str
    default: str | None = None
    required: bool = False


@dataclass(frozen=True)
class Study:
    """The declaration of one study (see the module docstring).

    Examples
    --------
    >>> s = get("city_self_assessment")
    >>> s.scope, s.per_unit, s.notebook
    ('unit', True, 'city_self_assessment.ipynb')
    """

    name: str
    title: str
    notebook: str
    scope: str  # "unit" | "partnership" | "training"
    summary: str
    inputs: tuple[Input, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    results: tuple[str, ...] = ()
    demo_units: str = ""  # how the demo finds its units (studies.study_units)

    @property
    def per_unit(self) -> bool:
        return self.scope != "partnership"

    def as_legacy(self) -> dict[str, Any]:
        """The old ``reports.STUDIES`` entry (notebook, title, units) plus scope/summary."""
        return {
            "notebook": self.notebook,
            "title": self.title,
            "units": "EU" if self.scope == "partnership" else self.demo_units,
            "scope": self.scope,
            "summary": self.summary,
        }

    def line(self) -> str:
        """One line for ``--help``: name, scope and summary."""
        scope = {
            "unit": "per unit",
            "partnership": "partnership-wide",
            "training": "per training",
        }.get(self.scope, self.scope)
        star = " (default)" if self.name == DEFAULT_STUDY else ""
        return f"{self.name}{star} [{scope}]: {self.summary}"


_INVENTORY = Input(
    "orpheus_inventory",
    "policy inventory (initiatives with target group, aim, timing)",
    "raw/orpheus/{unit}_inventory.csv",
    required=True,
)
_EVALUATION = Input(
    "orpheus_evaluation",
    "impact evaluation spec (YAML) with its outcome survey / incident files",
    "raw/orpheus/{unit}_evaluation.yaml",
)

#: The declared studies, in the order the CLI lists them.
DECLARED: dict[str, Study] = {
    s.name: s
    for s in (
        Study(
            "city_self_assessment",
            "Urban security self-assessment profile",
            "city_self_assessment.ipynb",
            "unit",
            "six-dimension profile against declared comparators, change over time, "
            "coverage, coherence, robustness",
            (
                Input(
                    "survey",
                    "imported self-assessment survey (`urbansec survey import`); optional: "
                    "public statistics alone give a partial profile",
                ),
            ),
            {"framework_path": "", "min_n": defaults.MIN_N, "n_draws": 10000},
            ("unit_name", "scores", "position", "comparators", "change", "coverage"),
            demo_units="pilots",
        ),
        Study(
            "orpheus_impact",
            "Prevention pyramid and impact of local initiatives",
            "orpheus_impact.ipynb",
            "unit",
            "prevention pyramid, coverage and gaps; an initiative's impact when an "
            "evaluation is given",
            (_INVENTORY, _EVALUATION),
            {"pyramid": "partnership_4", "measure": "count", "initiative": ""},
            ("unit_name", "coverage", "gaps", "effects"),
            demo_units="orpheus",
        ),
        Study(
            "collective_impact_swot",
            "Collective Impact readiness and SWOT",
            "collective_impact_swot.ipynb",
            "unit",
            "readiness on the 1-4 scale, SWOT matrix, lessons (one city or several)",
            (
                Input(
                    "ci_workbook",
                    "filled Collective Impact workbook (`urbansec ci template`)",
                    "raw/collective_impact/{unit}_ci.xlsx",
                    required=True,
                ),
            ),
            {"problem": ""},
            ("unit_name", "readiness", "strengths", "swot_counts"),
            demo_units="collective_impact",
        ),
        Study(
            "collective_impact_synthesis",
            "Collective Impact across the pilot cities",
            "collective_impact_synthesis.ipynb",
            "partnership",
            "the cities' Collective Impact assessments side by side, recurring SWOT items",
            (
                Input(
                    "ci_workbooks",
                    "Collective Impact workbooks",
                    "raw/collective_impact/*_ci.xlsx",
                    True,
                ),
            ),
        ),
        Study(
            "cross_city_synthesis",
            "Cross-city synthesis: peer learning across all units",
            "cross_city_synthesis.ipynb",
            "partnership",
            "peer groups, each group's distribution per dimension, learning-partner network",
            (),
            {"framework_path": ""},
        ),
        Study(
            "pilot_evaluation",
            "Pilot evaluation of the self-assessment",
            "pilot_evaluation.ipynb",
            "partnership",
            "response counts, item non-response, internal consistency, keep/revise/drop",
            (Input("surveys", "imported self-assessment surveys", None, True),),
            {"framework_path": "", "min_n": defaults.MIN_N},
        ),
        Study(
            "existing_indices",
            "Existing indices, benchmarking and self-assessment tools",
            "existing_indices.ipynb",
            "partnership",
            "catalogue of existing indices (every fact sourced), coverage heatmap, gaps",
            (),
            {"framework_path": ""},
        ),
        Study(
            "training_evaluation",
            "Training evaluation: self-assessed competences before and after",
            "training_evaluation.ipynb",
            "training",
            "paired pre/post competences of one training (t, Wilcoxon, d_z, Holm)",
            (
                Input("training_pre", "pre-training export", "raw/training/{unit}_pre.csv", True),
                Input(
                    "training_post", "post-training export", "raw/training/{unit}_post.csv", True
                ),
            ),
            {"min_n": defaults.MIN_N},
            demo_units="trainings",
        ),
        Study(
            "good_practices",
            "Security by design: good practices and success factors",
            "good_practices.ipynb",
            "partnership",
            "security-by-design inventory and success factors",
            (
                Input(
                    "good_practices",
                    "good-practice survey export",
                    "raw/good_practices/good_practices_kobo.csv",
                    True,
                ),
            ),
            {"min_n": defaults.MIN_N},
        ),
        Study(
            "ai_technologies",
            "AI-inclusive technologies in public spaces",
            "ai_technologies.ipynb",
            "partnership",
            "prevalence with Wilson CIs, bottlenecks by size class and country",
            (Input("ai_survey", "AI survey export", "raw/ai/ai_survey_kobo.csv", True),),
            {"min_n": defaults.MIN_N},
        ),
    )
}


def _from_legacy(name: str, entry: dict[str, Any]) -> Study:
    """A declaration for a study registered only in ``reports.STUDIES`` (older code)."""
    scope = entry.get("scope") or ("partnership" if entry.get("units") == "EU" else "unit")
    return Study(
        name,
        entry.get("title", name.replace("_", " ").capitalize()),
        entry["notebook"],
        scope,
        entry.get("summary", entry.get("title", name)),
        tuple(entry.get("inputs", ())),
        dict(entry.get("parameters", {})),
        demo_units=entry.get("units", ""),
    )


def all_studies() -> dict[str, Study]:
    """Every study: the declarations, plus any study registered in :data:`STUDIES` (the
    legacy view, also ``reports.STUDIES``) by older code, given a default declaration from
    that entry.

    Examples
    --------
    >>> "city_self_assessment" in all_studies()
    True
    """
    out = dict(DECLARED)
    for name, entry in STUDIES.items():
        if name not in out and isinstance(entry, dict) and "notebook" in entry:
            out[name] = _from_legacy(name, entry)
    return out


def names() -> list[str]:
    """The studies' names, in the order the CLI lists them.

    Examples
    --------
    >>> names()[0] == DEFAULT_STUDY
    True
    """
    return list(all_studies())


def get(name: str) -> Study:
    """The declaration of a study (``ValidationError`` listing the known ones).

    Examples
    --------
    >>> get("city_self_assessment").scope
    'unit'
    """
    studies = all_studies()
    if name not in studies:
        raise _one_line(
            f"unknown study {name!r}; known: {', '.join(studies)}",
            "--study",
            name,
            "one of " + ", ".join(studies),
        )
    return studies[name]


def safe_id(value: str, what: str = "--unit") -> str:
    """``value`` if it can safely name a folder (letters, digits, ``-``, ``_``), else a
    ``ValidationError`` (checked before any path is built).

    Examples
    --------
    >>> safe_id("ES001C")
    'ES001C'
    """
    if not isinstance(value, str) or not SAFE_ID.match(value):
        raise _one_line(
            f"{value!r} cannot be a unit id ({what}): letters, digits, '-' or '_' only",
            what,
            value,
            "letters, digits, '-' or '_' only",
        )
    return value


def help_text() -> str:
    """The studies, one line each, for ``urbansec --help``.

    Examples
    --------
    >>> help_text().splitlines()[0].split(" [")[0]
    '  city_self_assessment (default)'
    """
    return "\n".join("  " + s.line() for s in all_studies().values())


class RequestError(ValidationError):
    """A refused request (unknown unit, wrong scope, missing input): one clear line.

    Examples
    --------
    >>> e = RequestError("no units to run", [Problem("<arguments>", None, "--unit", None, "a unit")])
    >>> str(e), len(e.problems)
    ('no units to run', 1)
    """

    def __init__(self, message: str, problems):
        super().__init__(problems, message)
        self.message = message
        self.args = (message,)

    def __str__(self) -> str:
        return self.message


def _one_line(msg: str, column: str, value: Any, expected: str) -> RequestError:
    return RequestError(msg, [Problem("<arguments>", None, column, value, expected)])


def check_request(study: str, units: list[str], ws=None) -> list[str]:
    """Check a run request before any notebook starts; return the units to run.

    Raises
    ------
    ValidationError
        An unknown study; a unit id that is not a valid code; a unit given to a
        partnership-wide study; a unit that is not in the workspace (with the nearest
        registry matches); a missing required input.

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy, workspace
    >>> ws = workspace(demo_copy())
    >>> check_request("city_self_assessment", ["ES001C"], ws)
    ['ES001C']
    """
    from . import pipeline

    decl = get(study)
    ws = ws if ws is not None else pipeline.workspace()
    if not units:
        raise _one_line(
            f"study {study}: no units to run",
            "--unit",
            None,
            "a unit of this workspace (add one with `urbansec unit add CODE`)"
            if decl.per_unit
            else defaults.PARTNERSHIP_UNIT,
        )
    for u in units:
        safe_id(u)
    _check_scope(decl, study, units, ws)
    _check_inputs(decl, study, units, ws)
    return list(units)


def _check_scope(decl: Study, study: str, units: list[str], ws) -> None:
    """Refuse units that do not fit the study's scope (a unit given to a partnership-wide
    study, an unknown training, a unit that is not in the workspace)."""
    if decl.scope == "partnership":
        bad = [u for u in units if u != defaults.PARTNERSHIP_UNIT]
        if bad:
            raise _one_line(
                f"study {study} is partnership-wide: run it without --unit "
                f"(its report is reports/{defaults.PARTNERSHIP_UNIT}/)",
                "--unit",
                bad[0],
                f"no unit (or {defaults.PARTNERSHIP_UNIT}) for a partnership-wide study",
            )
    elif decl.scope == "training":
        known = set(study_units(study, ws.data_dir))
        for u in units:
            if u not in known:
                raise _one_line(
                    f"{u} is not a training of this workspace (known: "
                    f"{', '.join(sorted(known)) or 'none'})",
                    "--unit",
                    u,
                    "a training id with pre and post exports",
                )
    elif decl.scope == "unit":
        known = set(ws.unit_ids())
        if ws.demo:  # the demo names some units only by their files (e.g. ES300_inventory)
            known |= set(study_units(study, ws.data_dir))
        if study == "existing_data":  # any registry unit with public data (the store)
            known |= set(study_units(study, ws.data_dir, scope="registry"))
        for u in units:
            if u == defaults.PARTNERSHIP_UNIT:
                raise _one_line(
                    f"study {study} runs per unit: give --unit CODE",
                    "--unit",
                    u,
                    "a unit of this workspace",
                )
            if u not in known:
                raise _one_line(
                    _unknown_unit_message(u, ws), "--unit", u, "a unit of this workspace"
                )


def _check_inputs(decl: Study, study: str, units: list[str], ws) -> None:
    """Refuse a unit that lacks one of the study's required inputs (naming where it was
    looked for)."""
    for u in units:
        for inp in decl.inputs:
            if inp.required and not _input_present(inp, u, ws):
                where = (
                    ws.input_path(inp.kind, u, inp.default)
                    if inp.default and "*" not in inp.default
                    else (ws.data_dir / inp.default if inp.default else ws.processed_dir)
                )
                raise _one_line(
                    f"study {study} needs the {inp.description} for {u}: not found at "
                    f"{_rel(where, ws.root)}"
                    + (
                        f" (or name the file under [inputs.{u}] in urbansec.toml)"
                        if "{unit}" in (inp.default or "")
                        else ""
                    ),
                    inp.kind,
                    _rel(where, ws.root),
                    "an existing file",
                )


def _rel(p: Path, root: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(p)


def _input_present(inp: Input, unit: str, ws) -> bool:
    if inp.kind in ("survey", "surveys"):
        if ws.survey_imports():
            return True
        return ws.demo and any((ws.raw_dir / "survey").glob("*_*.csv"))
    if inp.default and "*" in inp.default:
        return any(ws.data_dir.glob(inp.default))
    p = ws.input_path(inp.kind, unit, inp.default)
    return p is not None and p.is_file()


def _unknown_unit_message(unit: str, ws) -> str:
    """``XX999 is not a unit of this workspace`` plus what the registry knows of it."""
    base = f"{unit} is not a unit of this workspace"
    try:
        from ..core.registry import load_registry

        reg = load_registry()
        try:
            rec = reg.lookup(unit)
            return f"{base} ({unit} is {rec.name}; add it with `urbansec unit add {unit}`)"
        except ValidationError as exc:
            why = exc.problems[0].expected if exc.problems else str(exc).splitlines()[0]
            return f"{base}, nor an official code ({why})"
    except ImportError:  # pragma: no cover - the registry ships with the package
        return base


#: The legacy view of the declarations (``reports.STUDIES``): study name -> ``notebook``,
#: ``title``, ``units``, ``scope``, ``summary``. Code that adds an entry here (with at least
#: ``notebook``) gets a default declaration from it (:func:`all_studies`).
STUDIES: dict[str, dict] = {name: decl.as_legacy() for name, decl in DECLARED.items()}
# studies registered by entry only (default declarations, see :func:`_from_legacy`)
STUDIES.update(
    {
        "social_cohesion_security": {
            "notebook": "social_cohesion_security.ipynb",
            "title": "Social cohesion and (feelings of) security in European cities",
            "units": "EU",
        },
        "existing_data": {
            "notebook": "existing_data.ipynb",
            "title": "Existing-data profile from public statistics",
            "units": "registry",
        },
        "existing_data_synthesis": {
            "notebook": "existing_data_synthesis.ipynb",
            "title": "Every city and region from existing data",
            "units": "EU",
        },
    }
)


def study_units(study: str, data: str | Path | None = None, scope: str = "workspace") -> list[str]:
    """The units of a study in a workspace (``all`` on the command line).

    Per-unit studies: the workspace's units that have the study's required inputs (the
    self-assessment: every unit of the workspace; in the demo, the pilots). Partnership-wide
    studies: ``["EU"]``. Trainings: the trainings with pre and post exports. For
    ``existing_data``, ``scope="workspace"`` gives the workspace's units that public data
    cover, ``scope="registry"`` every unit of the official registry that public data cover
    (read from the processed store, built first when missing or stale).

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> study_units("city_self_assessment", demo_copy()), study_units("existing_indices")
    (['AT001C', 'ES001C'], ['EU'])
    """
    from . import pipeline

    if study == "existing_data":
        from .store import ensure_store

        stored = set(ensure_store(data).units()["unit_id"])
        if scope == "registry":
            return sorted(stored)
        return [u for u in pipeline.workspace(data).units()["unit_id"] if u in stored]

    decl = get(study)
    ws = pipeline.workspace(data)
    if decl.scope == "partnership":
        from ..core.defaults import PARTNERSHIP_UNIT

        return [PARTNERSHIP_UNIT]
    if decl.scope == "training":
        from ..analysis.training import available_trainings

        return list(available_trainings(ws.data_dir))
    units = ws.units()
    if study == "city_self_assessment" and ws.demo:
        return units.loc[units["pilot"].astype(bool), "unit_id"].tolist()
    if study == "orpheus_impact":
        return list(pipeline.orpheus_files(data))
    if study == "collective_impact_swot":
        return list(pipeline.collective_impact_files(data))
    out = []
    for u in units["unit_id"]:
        if all(_input_present(i, u, ws) for i in decl.inputs if i.required):
            out.append(u)
    return out
