"""Located validation errors shared by every importer.

Every importer (survey exports, policy inventories, SWOT workbooks, framework files)
collects *all* problems of one input before raising, and each problem names the file,
the row as a spreadsheet shows it (1-based, header = row 1), the column, the offending
value and what was expected.

Example
-------
>>> p = Problem(file="a.csv", row=3, column="age", value="7", expected="integer 16-110")
>>> str(p)
"a.csv, row 3, column 'age': got '7', expected integer 16-110"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Problem", "ValidationError"]


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    Parameters
    ----------
    file : str
        File name (or YAML path root / workbook name).
    row : int or None
        Row as a spreadsheet shows it (header is row 1, first data row is row 2),
        or ``None`` when the problem concerns the whole file or a column.
    column : str or None
        Column name, sheet!column, or YAML path (e.g. ``dimensions[2].indicators[0].type``).
    value : Any
        The offending value (``None`` when missing).
    expected : str
        What was expected, in plain language.
    severity : str
        ``"error"`` (default) or ``"warning"``.

    Examples
    --------
    >>> print(Problem("inv.csv", 3, "budget_eur", "-200", "a non-negative amount"))
    inv.csv, row 3, column 'budget_eur': got '-200', expected a non-negative amount
    """

    file: str
    row: int | None
    column: str | None
    value: Any
    expected: str
    severity: str = "error"

    def __str__(self) -> str:
        value = self.value.item() if hasattr(self.value, "item") else self.value  # numpy scalars
        where = [str(self.file)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        val = "missing" if value is None else f"got {value!r}"
        return f"{', '.join(where)}: {val}, expected {self.expected}"


class ValidationError(ValueError):
    """Raised when an input has one or more problems; carries all of them.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, in file order.

    Examples
    --------
    >>> e = ValidationError([Problem("a.csv", 2, "x", "?", "a number")], "a.csv")
    >>> len(e.problems), str(e).splitlines()[0]
    (1, '1 problem(s) in a.csv:')
    """

    def __init__(self, problems: Iterable[Problem], what: str = "input"):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) in {what}:"]
        lines += [f"  - {p}" for p in self.problems[:200]]
        if len(self.problems) > 200:
            lines.append(f"  ... and {len(self.problems) - 200} more")
        super().__init__("\n".join(lines))

    def redacted(self, limit: int = 20) -> str:
        """The message without the offending values (file, row, column and what was
        expected only): safe to store or show where a value might be personal data.

        Example
        -------
        >>> e = ValidationError([Problem("a.csv", 3, "age", "Jane Doe", "integer 16-110")])
        >>> e.redacted()
        "1 problem(s): a.csv, row 3, column 'age': expected integer 16-110"
        """
        parts = []
        for p in self.problems[:limit]:
            where = [str(p.file)]
            if p.row is not None:
                where.append(f"row {p.row}")
            if p.column is not None:
                where.append(f"column {p.column!r}")
            parts.append(f"{', '.join(where)}: expected {p.expected}")
        more = f"; ... and {len(self.problems) - limit} more" if len(self.problems) > limit else ""
        return f"{len(self.problems)} problem(s): " + "; ".join(parts) + more

    def without_values(self) -> ValidationError:
        """The same problems with every offending value replaced by ``"(withheld)"``: for
        errors that end up in shared places (report folders, run summaries), where a value
        typed into a survey answer may be personal data.

        Example
        -------
        >>> e = ValidationError([Problem("a.csv", 3, "age", "Jane Doe", "integer 16-110")])
        >>> str(e.without_values().problems[0])
        "a.csv, row 3, column 'age': got '(withheld)', expected integer 16-110"
        """
        from dataclasses import replace

        return ValidationError(
            [replace(p, value=None if p.value is None else "(withheld)") for p in self.problems]
        )

    def table(self) -> pd.DataFrame:
        """All problems as a tidy frame (file, row, column, value, expected, severity)."""
        import pandas as pd  # here, so that importing the errors (every command) stays light

        cols = ["file", "row", "column", "value", "expected", "severity"]
        return pd.DataFrame([asdict(p) for p in self.problems], columns=cols)


_SEMVER = __import__("re").compile(r"^\d+\.\d+\.\d+$")


def check_version_block(meta: Any, where: str, bad) -> tuple[str, list]:
    """Validate the header of versioned package data (framework, catalogue, ...).

    ``meta`` must hold ``id``, ``name``, a semantic ``version`` and a non-empty
    ``changelog`` with an entry for the current version. Every problem is reported through
    ``bad(yaml_path, value, expected)``; returns ``(version, changelog)``.

    Example
    -------
    >>> found = []
    >>> check_version_block({"id": "x", "name": "X", "version": "1.0"}, "framework",
    ...                     lambda *a: found.append(a[0]))
    ('1.0', [])
    >>> found
    ['framework.version', 'framework.changelog']
    """
    if not isinstance(meta, dict):
        bad(where, meta, "a mapping with id, name, version, changelog")
        meta = {}
    for key in ("id", "name", "version"):
        if not meta.get(key):
            bad(f"{where}.{key}", meta.get(key), "a non-empty value")
    version = str(meta.get("version", "") or "")
    if version and not _SEMVER.match(version):
        bad(f"{where}.version", version, "a semantic version like 1.2.0")
    changelog = meta.get("changelog") or []
    if not isinstance(changelog, list) or not changelog:
        bad(f"{where}.changelog", changelog, "a non-empty list of {version, date, changes}")
        changelog = []
    elif version and not any(
        isinstance(c, dict) and str(c.get("version")) == version for c in changelog
    ):
        bad(f"{where}.changelog", version, f"an entry for the current version {version}")
    return version, changelog
