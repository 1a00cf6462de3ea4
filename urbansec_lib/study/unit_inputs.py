"""Per-unit input files: Collective Impact workbooks, policy inventories, evaluations.

Each unit's file is read and validated on its own (:func:`read_each`): one broken file is
left out and listed (``skipped``), never stopping the others, except the file of the unit
whose report is being made, which raises. File names come from the workspace
(``[inputs.<unit>]`` in ``urbansec.toml``) or the default ``raw/...`` names.

Example
-------
>>> import urbansec_lib as us
>>> from pathlib import Path
>>> data = Path(us.__file__).parents[1] / "data"
>>> sorted(orpheus_files(data))
['BE212', 'ES300', 'FI1B1', 'FRL03']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .study_inputs import workspace

__all__ = [
    "UnitFiles",
    "read_each",
    "skipped_note",
    "collective_impact_files",
    "read_collective_impact",
    "orpheus_files",
    "read_orpheus",
    "evaluation_file",
    "has_evaluation",
    "read_evaluation",
    "read_rollout",
    "all_effects",
    "initiatives_without_impact",
]


def collective_impact_files(data: str | Path | None = None) -> dict[str, Path]:
    """Filled Collective Impact workbooks in ``raw/collective_impact``: unit id -> file.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> files = collective_impact_files(Path(us.__file__).parents[1] / "data")
    >>> {u: p.name for u, p in files.items()}["ES300"]
    'ES300_ci.xlsx'
    """
    return _unit_files(data, "ci_workbook", "raw/collective_impact/{unit}_ci.xlsx", "*_ci.xlsx")


class UnitFiles(dict):
    """unit id -> what was read from the unit's file; broken files in :attr:`skipped`.

    ``skipped`` maps file name -> the located problems (redacted: no cell values).

    Examples
    --------
    >>> got = UnitFiles({"ES300": "read"})
    >>> got.skipped["BE212_ci.xlsx"] = "1 problem(s): ..."
    >>> dict(got), list(got.skipped)
    ({'ES300': 'read'}, ['BE212_ci.xlsx'])
    """

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.skipped: dict[str, str] = {}


def read_each(
    files: dict[str, Path],
    reader,
    unit_id: str | None = None,
    recorder=None,
) -> UnitFiles:
    """Read every unit's file on its own: one broken file never stops the others.

    ``reader(path, unit)`` reads one file. A file that raises :class:`ValidationError` is
    left out and listed in ``result.skipped`` (and declared to ``recorder.skip``, so the
    report and the run's ``summary.json`` list it), except the file of ``unit_id`` itself:
    that unit's report must not silently lack its own data, so its error is raised.

    Examples
    --------
    >>> from urbansec_lib.core.errors import Problem, ValidationError
    >>> def reader(path, unit):
    ...     if unit == "B":
    ...         raise ValidationError([Problem(path.name, 2, "x", "?", "a number")])
    ...     return path.name
    >>> got = read_each({"A": Path("A_x.csv"), "B": Path("B_x.csv")}, reader)
    >>> dict(got), got.skipped
    ({'A': 'A_x.csv'}, {'B_x.csv': "1 problem(s): B_x.csv, row 2, column 'x': expected a number"})
    """
    from ..core.errors import ValidationError

    track = recorder.use if recorder is not None else (lambda p: Path(p))
    out = UnitFiles()
    for u, p in files.items():
        try:
            out[u] = reader(track(p), u)
        except ValidationError as exc:
            if unit_id is not None and u == unit_id:
                raise exc.without_values() from None  # shown in shared report folders
            out.skipped[p.name] = exc.redacted()
            if recorder is not None and hasattr(recorder, "skip"):
                recorder.skip(p.name, exc.redacted())
    return out


def skipped_note(obj) -> str:
    """Markdown listing the inputs left out of a partnership-wide view ("" when none).

    Examples
    --------
    >>> got = UnitFiles()
    >>> skipped_note(got)
    ''
    >>> got.skipped["B_x.csv"] = "1 problem(s)"
    >>> print(skipped_note(got))
    **Inputs left out (they failed validation):**
    <BLANKLINE>
    - `B_x.csv`: 1 problem(s)
    """
    skipped = getattr(obj, "skipped", None)
    if skipped is None and hasattr(obj, "attrs"):
        skipped = obj.attrs.get("skipped")
    if not skipped:
        return ""
    lines = [f"- `{k}`: {v}" for k, v in skipped.items()]
    return "**Inputs left out (they failed validation):**\n\n" + "\n".join(lines)


def read_collective_impact(
    data: str | Path | None = None, recorder=None, unit_id: str | None = None
) -> UnitFiles:
    """Read every demo/pilot CI workbook (unit id -> CIAssessment), in file-name order.

    Each workbook is read and validated on its own (:func:`read_each`): a broken one is
    skipped and listed in ``result.skipped``, except ``unit_id``'s own, which raises.
    Each file is declared to ``recorder`` (its sha256 goes to the report manifest).

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> got = read_collective_impact(Path(us.__file__).parents[1] / "data")
    >>> list(got), got.skipped
    (['BE212', 'ES300', 'FI1B1', 'FRL03'], {})
    """
    from ..analysis import collective_impact as ci

    return read_each(
        collective_impact_files(data), lambda p, u: ci.read(p), unit_id=unit_id, recorder=recorder
    )


def orpheus_files(data: str | Path | None = None) -> dict[str, Path]:
    """Policy inventories in ``raw/orpheus``: unit id -> file.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> orpheus_files(Path(us.__file__).parents[1] / "data")["FI1B1"].name
    'FI1B1_inventory.csv'
    """
    return _unit_files(data, "orpheus_inventory", "raw/orpheus/{unit}_inventory.csv", "")


def _unit_files(data, kind: str, default: str, _unused: str = "") -> dict[str, Path]:
    """unit id -> file of one per-unit input, for the workspace's own units (declared under
    ``[inputs.<unit>]`` in urbansec.toml or at the default name), in the units' order."""
    ws = workspace(data)
    out = {}
    if ws.demo:  # the demo names its files <unit>_...: every such file, as before
        for p in sorted(ws.data_dir.glob(default.replace("{unit}", "*"))):
            out.setdefault(p.name.split("_")[0], p)
    for u in ws.units()["unit_id"]:
        p = ws.input_path(kind, u, default)
        if p is not None and p.is_file():
            out[u] = p
    return dict(sorted(out.items()))


def read_orpheus(
    data: str | Path | None = None,
    recorder=None,
    pyramid: str = "partnership_4",
    unit_id: str | None = None,
):
    """Read and classify every policy inventory (one tidy frame for all units).

    Each inventory is read and validated on its own (:func:`read_each`): a broken one is
    left out and listed in ``result.attrs["skipped"]``, except ``unit_id``'s own.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> inv = read_orpheus(Path(us.__file__).parents[1] / "data")
    >>> sorted(inv["unit_id"].unique()), inv.attrs["skipped"]
    (['BE212', 'ES300', 'FI1B1', 'FRL03'], {})
    """
    from ..analysis import orpheus

    got = read_each(
        orpheus_files(data),
        lambda p, u: orpheus.read_inventory(p, unit_id=u, pyramid=pyramid),
        unit_id=unit_id,
        recorder=recorder,
    )
    if not got:
        from ..core.errors import Problem, ValidationError

        raise ValidationError(
            [Problem("orpheus", None, None, list(got.skipped), "at least one valid inventory")],
            "policy inventories",
        )
    out = orpheus.classify(pd.concat(list(got.values()), ignore_index=True), pyramid=pyramid)
    out.attrs["skipped"] = dict(got.skipped)
    return out


def read_evaluation(unit_id: str, data: str | Path | None = None, recorder=None):
    """The evaluation spec of a unit and its validated outcome data (survey, incidents).

    Returns ``(spec, survey or None, incidents or None)``; every file read is declared to
    ``recorder``.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> spec, survey, incidents = read_evaluation("FI1B1", Path(us.__file__).parents[1] / "data")
    >>> spec.initiative_id, survey is not None, incidents is not None
    ('HEL-10', True, True)
    """
    from ..analysis import outcomes

    track = recorder.use if recorder is not None else (lambda p: Path(p))
    spec = outcomes.read_spec(track(evaluation_file(unit_id, data)))
    survey = (
        outcomes.read_survey_outcomes(track(spec.resolve(spec.survey_file)))
        if spec.survey_file
        else None
    )
    incidents = (
        outcomes.read_incidents(track(spec.resolve(spec.incidents_file)))
        if spec.incidents_file
        else None
    )
    return spec, survey, incidents


def evaluation_file(unit_id: str, data: str | Path | None = None) -> Path:
    """The unit's impact-evaluation spec (declared in urbansec.toml or the default name).

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> evaluation_file("FI1B1", Path(us.__file__).parents[1] / "data").name
    'FI1B1_evaluation.yaml'
    """
    return workspace(data).input_path(
        "orpheus_evaluation", unit_id, "raw/orpheus/{unit}_evaluation.yaml"
    )


def has_evaluation(unit_id: str, data: str | Path | None = None) -> bool:
    """Whether the unit has an impact evaluation (spec file) to report on.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> data = Path(us.__file__).parents[1] / "data"
    >>> has_evaluation("FI1B1", data), has_evaluation("ES001C", data)
    (True, False)
    """
    p = evaluation_file(unit_id, data)
    return p is not None and p.is_file()


def read_rollout(unit_id: str, data: str | Path | None = None, recorder=None):
    """The staggered-rollout panel of a unit whose evaluation declares ``design: staggered``.

    Returns ``(spec, rollout)``; ``rollout`` is ``None`` when the unit's evaluation declares
    no staggered design, and both are ``None`` when the unit has no evaluation file. Every
    file read is declared to ``recorder``.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> data = Path(us.__file__).parents[1] / "data"
    >>> spec, rollout = read_rollout("ES300", data)
    >>> spec.design, len(rollout) > 0
    ('staggered', True)
    >>> read_rollout("ES001C", data)
    (None, None)
    """
    from ..analysis import outcomes

    if not has_evaluation(unit_id, data):
        return None, None
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    spec = outcomes.read_spec(track(evaluation_file(unit_id, data)))
    if spec.design != "staggered":
        return spec, None
    return spec, outcomes.read_rollout(track(spec.resolve(spec.rollout_file)))


def all_effects(
    data: str | Path | None = None, units: list[str] | None = None, recorder=None
) -> pd.DataFrame:
    """Effect table of every unit's evaluated initiative (unit order as given); a unit whose
    evaluation inputs fail validation is left out and listed in ``attrs["skipped"]``.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> eff = all_effects(Path(us.__file__).parents[1] / "data", units=["FI1B1"])
    >>> eff["initiative_id"].unique().tolist(), eff.attrs["skipped"]
    (['HEL-10'], {})
    """
    from ..analysis import outcomes
    from ..core.errors import ValidationError

    units = units if units is not None else sorted(orpheus_files(data))
    frames = []
    skipped: dict[str, str] = {}
    for u in units:
        if not has_evaluation(u, data):
            continue
        try:
            spec, survey, incidents = read_evaluation(u, data)
        except ValidationError as exc:  # one unit's broken evaluation never hides the others
            skipped[f"{u}_evaluation"] = exc.redacted()
            if recorder is not None and hasattr(recorder, "skip"):
                recorder.skip(f"{u}_evaluation", exc.redacted())
            continue
        t = outcomes.evaluate(spec, survey, incidents).table()
        frames.append(t.assign(unit_id=u, initiative_id=spec.initiative_id))
    cols = [
        "unit_id",
        "initiative_id",
        "design",
        "estimate",
        "ci_low",
        "ci_high",
        "pvalue",
        "n",
        "msms_level",
        "scale",
    ]
    out = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    out.attrs["skipped"] = skipped
    return out


def initiatives_without_impact(
    unit_id: str, data: str | Path | None = None, alpha: float = 0.05
) -> list[tuple[str, str]]:
    """The unit's evaluated initiative, as ``(id, name)``, when no design found an effect
    distinguishable from zero at ``alpha`` (Action 5's link from the pyramid study to the
    Collective Impact template). Empty when it had a measurable effect or was not evaluated.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from pathlib import Path
    >>> data = Path(us.__file__).parents[1] / "data"
    >>> initiatives_without_impact("ES300", data)  # its initiative had a measurable effect
    []
    >>> initiatives_without_impact("ES001C", data)  # no evaluation
    []
    """
    from ..analysis import orpheus, outcomes

    if not has_evaluation(unit_id, data):
        return []
    spec, survey, incidents = read_evaluation(unit_id, data)
    tab = outcomes.evaluate(spec, survey, incidents).table()
    if (tab["pvalue"] < alpha).any():
        return []
    names = {}
    inv = orpheus_files(data).get(unit_id)
    if inv is not None:
        df = orpheus.read_inventory(inv, unit_id=unit_id)
        names = dict(zip(df["initiative_id"], df["name"]))
    return [(spec.initiative_id, names.get(spec.initiative_id, spec.initiative_id))]
