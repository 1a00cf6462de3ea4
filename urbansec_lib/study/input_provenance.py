"""What each input is, as the workspace declares it: the provenance notes of reports.

Every helper reads one thing, :meth:`Workspace.provenance_of
<urbansec_lib.workspace.Workspace.provenance_of>` (the ``[provenance]`` table of
``urbansec.toml``: ``"real"`` unless declared otherwise), through :func:`_declared`, and
words it for one place in a report: a header's source line, a dataset table's provenance
column, a figure title, a warning banner.

Example
-------
>>> from urbansec_lib.study.study_inputs import demo_copy
>>> d = demo_copy()
>>> data_kind(d / "raw" / "survey" / "ES001C_selfassessment_kobo.csv", d)
'synthetic data'
>>> data_kind(d / "raw" / "units.csv", d)
'real data'
"""

from __future__ import annotations

from pathlib import Path

from .study_inputs import workspace

__all__ = [
    "provenance_note",
    "source_label",
    "declared_provenance",
    "data_kind",
    "provenance_banner",
]


def _declared(path: str | Path, data=None) -> tuple[str, str]:
    """``(label, kind)`` of an input: the workspace's declared label and its first word
    (``"real"``, ``"synthetic"``, ``"illustrative"``). ``data`` is a data folder or an
    already open workspace."""
    ws = data if hasattr(data, "provenance_of") else workspace(data)
    return ws.provenance_of(path), ws.provenance_kind(path)


def _sentence(text: str) -> str:
    """``text`` with a capital first letter (the declared labels are lower case)."""
    return text[0].upper() + text[1:]


def provenance_note(path: str | Path, data: str | Path | None = None) -> str:
    """The declared provenance of an input (``"real"`` unless the workspace says otherwise).

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> d = demo_copy()
    >>> provenance_note(d / "raw" / "units.csv", d)
    'real'
    >>> provenance_note(d / "raw" / "survey" / "ES001C_selfassessment_kobo.csv", d)[:30]
    'synthetic self-assessment answ'
    """
    return _declared(path, data)[0]


def source_label(what: str, path: str | Path, data: str | Path | None = None) -> str:
    """A source line for a report header: ``what``, plus the provenance when not real.

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> d = demo_copy()
    >>> source_label("Unit registry", d / "raw" / "units.csv", d)
    'Unit registry'
    >>> source_label("Survey", d / "raw" / "survey" / "ES001C_selfassessment_kobo.csv", d)[:18]
    'Survey (synthetic '
    """
    label, kind = _declared(path, data)
    return what if kind == "real" else f"{what} ({label})"


def declared_provenance(path: str | Path, data: str | Path | None = None) -> str:
    """The provenance column of a report's dataset table: the workspace's declared label
    (e.g. ``"Synthetic outcome data with planted effects"``), or that the file is the unit's
    own real data.

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> d = demo_copy()
    >>> declared_provenance(d / "raw" / "units.csv", d)
    "the unit's own file (real data)"
    >>> declared_provenance(d / "raw" / "survey" / "ES001C_selfassessment_kobo.csv", d)[:9]
    'Synthetic'
    """
    label, kind = _declared(path, data)
    return "the unit's own file (real data)" if kind == "real" else _sentence(label)


def data_kind(path: str | Path, data: str | Path | None = None) -> str:
    """A short note for a figure title: ``"real data"``, ``"synthetic data"`` or
    ``"illustrative data"``, as the workspace declares the file.

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> d = demo_copy()
    >>> data_kind(d / "raw" / "survey" / "AT001C_selfassessment_kobo.csv", d)
    'synthetic data'
    """
    return f"{_declared(path, data)[1]} data"


def provenance_banner(paths, data: str | Path | None = None) -> str:
    """A Markdown warning naming every input that is not real data (empty when all are).

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> d = demo_copy()
    >>> provenance_banner([d / "raw" / "units.csv", None], d)
    ''
    >>> provenance_banner([d / "raw" / "survey" / "ES001C_selfassessment_kobo.csv"], d)[:40]
    '> **Not real data.** Synthetic self-asse'
    """
    ws = workspace(data)
    declared = [_declared(p, ws) for p in paths if p is not None]
    notes = sorted({label for label, kind in declared if kind != "real"})
    if not notes:
        return ""
    return "> **Not real data.** " + "; ".join(_sentence(n) for n in notes) + "."
