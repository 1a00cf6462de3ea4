"""Denomination: indicators divided by the denominators declared in the framework."""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..model.framework import Framework
from .tidy import validate_data

__all__ = [
    "denominate",
]

_LOG = logging.getLogger("urbansec.scoring")


# ======================================================================= denominate
_DENOM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:([/*])\s*([0-9.eE+]+))?\s*$")


def _declarations(
    fw: Framework, den: pd.DataFrame, file: str
) -> tuple[dict[str, tuple[str, float]], list[Problem]]:
    """Each indicator's denominator declaration -> ``{indicator: (column, factor)}``, and
    the problems: an unparseable declaration, a denominator column absent from ``den``."""
    problems: list[Problem] = []
    decl: dict[str, tuple[str, float]] = {}
    for ind in fw.indicators:
        if not ind.denominator:
            continue
        m = _DENOM.match(str(ind.denominator))
        if not m:
            problems.append(
                Problem(
                    fw.source_path or fw.id,
                    None,
                    f"{ind.id}.denominator",
                    ind.denominator,
                    "name, name/number or name*number",
                )
            )
            continue
        name, op, num = m.group(1), m.group(2), m.group(3)
        factor = float(num) if num else 1.0
        decl[ind.id] = (name, factor if op != "*" else 1.0 / factor)
        if name not in den.columns:
            problems.append(
                Problem(
                    file, None, name, None, f"a denominator column {name!r} (needed by {ind.id})"
                )
            )
    return decl, problems


def denominate(
    data: pd.DataFrame, fw: Framework, denominators: pd.DataFrame, file: str = "denominators"
) -> pd.DataFrame:
    """Divide indicators by the denominators declared in the framework.

    An indicator with ``denominator: population/100000`` is divided by
    ``population / 100000`` (a rate per 100,000 inhabitants); ``"area"`` divides by area;
    ``"gdp*1e-6"`` by ``gdp * 1e-6``. Indicators without a denominator are unchanged.

    Parameters
    ----------
    data : DataFrame
        Tidy indicator data.
    denominators : DataFrame
        Either wide (``unit_id``, optional ``period``, one column per denominator name)
        or long (``unit_id``, optional ``period``, ``denominator``, ``value``).
        Without ``period`` the denominator applies to every period.

    Returns
    -------
    DataFrame
        Copy of ``data`` with denominated values and a ``denominator`` column.

    A denominator missing for a unit (NaN, or the unit absent from ``denominators``)
    makes that indicator value missing, as in COINr's ``Denominate``; it is then imputed
    or screened like any missing value. Each such cell is logged (``logging`` at INFO)
    and listed in ``result.attrs["denominate_notes"]`` (and in the profile's log).

    Raises
    ------
    ValidationError
        Unparseable declarations, a denominator column absent altogether, or a zero or
        negative denominator (the problem names the unit and period).

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> data = pd.DataFrame(
    ...     {"unit_id": ["A", "B"], "indicator_id": "crime_homicide", "value": [5.0, 12.0]}
    ... )
    >>> den = pd.DataFrame({"unit_id": ["A", "B"], "population": [250_000, 600_000]})
    >>> denominate(data, fw, den)[["unit_id", "value", "denominator"]].values.tolist()
    [['A', 2.0, 'population'], ['B', 2.0, 'population']]
    """
    df = validate_data(data, fw)
    den = denominators.copy()
    if {"denominator", "value"} <= set(den.columns):
        idx = ["unit_id"] + (["period"] if "period" in den.columns else [])
        den = den.pivot_table(index=idx, columns="denominator", values="value").reset_index()
    decl, problems = _declarations(fw, den, file)
    if problems:
        raise ValidationError(problems, "denominators")
    df["denominator"] = df["indicator_id"].map(lambda k: decl.get(k, (None,))[0])
    on = ["unit_id"] + (["period"] if "period" in den.columns else [])
    merged = df.merge(den, on=on, how="left", suffixes=("", "_den"))
    out = df.copy()
    notes: list[dict] = []
    for iid, (name, factor) in decl.items():
        sel = (merged["indicator_id"] == iid).to_numpy()
        dv = merged.loc[sel, name].to_numpy(dtype=float)
        has_value = merged.loc[sel, "value"].notna().to_numpy()
        rows = np.flatnonzero(sel)
        # a missing denominator makes the value missing (then imputed or screened), as in
        # COINr; a zero or negative one is an error naming the unit
        for i in np.flatnonzero(np.isnan(dv) & has_value):
            r = rows[i]
            notes.append(
                {
                    "unit_id": df.at[r, "unit_id"],
                    "period": df.at[r, "period"],
                    "indicator_id": iid,
                    "denominator": name,
                    "note": f"{name} missing for unit {df.at[r, 'unit_id']!r}: "
                    f"{iid} set to missing",
                }
            )
        for i in np.flatnonzero(~np.isnan(dv) & ~(dv > 0) & has_value):
            r = rows[i]
            problems.append(
                Problem(
                    file,
                    None,
                    name,
                    float(dv[i]),
                    f"a positive {name} for unit {df.at[r, 'unit_id']!r}, "
                    f"period {df.at[r, 'period']!r}",
                )
            )
        out.loc[sel, "value"] = merged.loc[sel, "value"].to_numpy(dtype=float) / (dv / factor)
    if problems:
        raise ValidationError(problems, "denominators")
    for n_ in notes:
        _LOG.info(n_["note"])
    out.attrs["denominate_notes"] = notes
    return out
