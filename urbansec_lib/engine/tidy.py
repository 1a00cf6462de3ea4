"""Tidy indicator data in and out of the scoring engine.

:func:`validate_data` checks tidy ``unit_id, indicator_id, period, value`` data against a
framework; :func:`to_wide` / ``_to_tidy`` turn it into the rows (unit_id, period) x
indicators matrix the stages work on and back; :class:`StepResult` is what a stage returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..model.framework import Framework

__all__ = [
    "StepResult",
    "example_data",
    "to_wide",
    "validate_data",
]

_KEYS = ["unit_id", "period"]


# ======================================================================= data in/out
def validate_data(data: pd.DataFrame, fw: Framework, file: str = "data") -> pd.DataFrame:
    """Check tidy indicator data against a framework; return a clean copy.

    Required columns: ``unit_id``, ``indicator_id``, ``value``; ``period`` is optional
    (filled with 0 when absent). Every problem is collected: unknown indicators,
    non-numeric values, duplicated ``(unit_id, indicator_id, period)`` rows.

    Raises
    ------
    ValidationError
        With one :class:`~urbansec_lib.errors.Problem` per offending cell (row numbers
        as a spreadsheet shows them: header = row 1).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> bad = pd.DataFrame({"unit_id": ["A"], "indicator_id": ["no_such"], "value": ["x"]})
    >>> try:
    ...     validate_data(bad, fw)
    ... except ValidationError as e:
    ...     print(len(e.problems))
    2
    >>> validate_data(example_data(fw), fw).shape == (3 * len(fw.indicators), 4)
    True
    """
    problems: list[Problem] = []
    if not isinstance(data, pd.DataFrame):
        raise ValidationError([Problem(file, None, None, type(data).__name__, "a DataFrame")])
    for col in ("unit_id", "indicator_id", "value"):
        if col not in data.columns:
            problems.append(Problem(file, None, col, None, f"a column {col!r}"))
    if problems:
        raise ValidationError(problems, "indicator data")
    df = data.reset_index(drop=True).copy()
    if "period" not in df.columns:
        df["period"] = 0

    def flag(mask: Any, col: str, expected: str, show: bool = True) -> None:
        for r in np.flatnonzero(np.asarray(mask)):
            value = df.at[r, col] if show else None
            problems.append(Problem(file, int(r) + 2, col, value, expected))

    flag(
        ~df["indicator_id"].isin({i.id for i in fw.indicators}),
        "indicator_id",
        f"an indicator of framework {fw.id}",
    )
    num = pd.to_numeric(df["value"], errors="coerce")
    flag(num.isna() & df["value"].notna(), "value", "a number")
    flag(np.isinf(num.to_numpy(dtype=float)), "value", "a finite number")
    flag(
        df.duplicated(["unit_id", "indicator_id", "period"], keep="first"),
        "indicator_id",
        "one value per unit_id, indicator_id and period (duplicate row)",
    )
    flag(df["unit_id"].isna(), "unit_id", "a unit id", show=False)
    if problems:
        raise ValidationError(problems, "indicator data")
    df["value"] = num.astype(float)
    return df


def to_wide(data: pd.DataFrame, indicators: Sequence[str], column: str = "value") -> pd.DataFrame:
    """Tidy ``(unit_id, period, indicator_id, value)`` -> rows (unit_id, period) x indicators.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> w = to_wide(example_data(fw), [i.id for i in fw.indicators])
    >>> w.shape, w.index.names
    ((3, 53), FrozenList(['unit_id', 'period']))
    """
    w = data.pivot_table(
        index=_KEYS, columns="indicator_id", values=column, aggfunc="first", dropna=False
    )
    w = w.reindex(columns=list(indicators))
    w.columns.name = None
    return w.sort_index()


def _to_tidy(wide: pd.DataFrame, name: str = "value") -> pd.DataFrame:
    out = wide.copy()
    out.columns.name = "indicator_id"
    return out.stack(future_stack=True).rename(name).reset_index()


@dataclass
class StepResult:
    """Output of one pipeline step.

    Attributes
    ----------
    data : DataFrame
        Tidy data after the step (``unit_id, period, indicator_id, value`` plus flags).
    report : DataFrame
        What the step did, one row per changed/dropped item, with the reason.
    log : dict
        The step's name and every parameter (as stored in :attr:`Profile.log`).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.engine.screening import screen
    >>> res = screen(example_data(fw), fw)
    >>> res.summary()
    'screen: 0 reported item(s)'
    """

    data: pd.DataFrame
    report: pd.DataFrame
    log: dict

    def summary(self) -> str:
        """One line per reported item (at most 20)."""
        head = f"{self.log.get('step')}: {len(self.report)} reported item(s)"
        return "\n".join([head] + [f"  {r}" for r in self.report.head(20).to_dict("records")])


def example_data(
    fw: Framework,
    units: Sequence[str] = ("A", "B", "C"),
    periods: Sequence[Any] = (2024,),
    seed: int = 0,
) -> pd.DataFrame:
    """Small deterministic tidy data for a framework, for examples and doctests.

    Every indicator of ``fw`` for every unit and period, values drawn uniformly from
    [1, 100] (one decimal) with a seeded generator: made-up numbers, not for analysis.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> d = example_data(fw, units=["A", "B"], periods=[2023, 2024])
    >>> list(d.columns), len(d) == 2 * 2 * len(fw.indicators)
    (['unit_id', 'indicator_id', 'period', 'value'], True)
    >>> validate_data(d, fw).equals(d)
    True
    """
    ids = [i.id for i in fw.indicators]
    rng = np.random.default_rng(seed)
    rows = [(u, k, p) for u in units for p in periods for k in ids]
    values = np.round(rng.uniform(1.0, 100.0, len(rows)), 1)
    out = pd.DataFrame(rows, columns=["unit_id", "indicator_id", "period"])
    out["value"] = values
    return out
