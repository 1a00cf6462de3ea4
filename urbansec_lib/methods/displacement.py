"""The Weighted Displacement Difference test (Wheeler & Ratcliffe 2018)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .design import WDDResult
from .design_checks import _ARGS, _assumptions, _check, _Validator

__all__ = ["wdd"]

# --------------------------------------------------------------------------------------
# Weighted displacement difference
# --------------------------------------------------------------------------------------
#: wdd's count arguments, in order.
_COUNTS = (
    "treated_before",
    "treated_after",
    "control_before",
    "control_after",
    "buffer_before",
    "buffer_after",
    "buffer_control_before",
    "buffer_control_after",
)


def wdd(
    treated_before: float,
    treated_after: float,
    control_before: float,
    control_after: float,
    buffer_before: float | None = None,
    buffer_after: float | None = None,
    buffer_control_before: float | None = None,
    buffer_control_after: float | None = None,
    *,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted Displacement Difference test (Wheeler & Ratcliffe 2018, Crime Sci 7:17).

    Long because: the docstring documents the test and its eight counts (code ~45 lines).

    ``WDD = dT - dCt + dD - dCd`` with ``dX = X_after - X_before`` for the treated area
    (T), its control (Ct), the displacement buffer (D) and the buffer's control (Cd).
    Under independent Poisson counts ``Var(WDD)`` is the sum of the eight counts;
    ``z = WDD / sqrt(Var)``. Negative values mean fewer crimes than expected. Without
    buffer counts the test is the local ``dT - dCt`` only.

    Parameters
    ----------
    treated_before, treated_after, control_before, control_after : float
        Crime counts of the treated area and its control, before and after.
    buffer_before, buffer_after, buffer_control_before, buffer_control_after : float, optional
        Counts of the displacement buffer and its control (all four or none).
    alpha : float
        1 - confidence level.

    Returns
    -------
    WDDResult

    Examples
    --------
    >>> r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
    >>> r.estimate, r.se ** 2, round(r.z, 2)
    (-118.0, 1568.0, -2.98)
    >>> r.table().columns.tolist()[:3], type(r.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> r.summary().splitlines()[0]
    'Design      : weighted displacement difference (Wheeler & Ratcliffe 2018)'
    """
    vals = [
        treated_before,
        treated_after,
        control_before,
        control_after,
        buffer_before,
        buffer_after,
        buffer_control_before,
        buffer_control_after,
    ]
    _check_counts(list(_COUNTS), vals, alpha)
    buf = vals[4:]
    has_buf = buf[0] is not None
    c = np.array([float(x) if x is not None else 0.0 for x in vals])
    dT, dCt, dD, dCd = c[1] - c[0], c[3] - c[2], c[5] - c[4], c[7] - c[6]
    z_a = stats.norm.ppf(1 - alpha / 2)
    rows = [_z_row("local: dT - dCt", dT - dCt, c[:4].sum(), z_a)]
    if has_buf:
        rows.append(_z_row("displacement: dD - dCd", dD - dCd, c[4:].sum(), z_a))
    rows.append(_z_row("WDD" if has_buf else "WDD (no buffer)", dT - dCt + dD - dCd, c.sum(), z_a))
    terms = pd.DataFrame(rows)
    tot = rows[-1]
    areas = ["treated", "control", "buffer", "buffer control"][: 4 if has_buf else 2]
    changes = pd.DataFrame(
        {"area": areas, "before": c[0:8:2][: len(areas)], "after": c[1:8:2][: len(areas)]}
    )
    changes["change"] = changes["after"] - changes["before"]
    checks = _checks(c, has_buf)
    return WDDResult(
        design="weighted displacement difference (Wheeler & Ratcliffe 2018)"
        + ("" if has_buf else ", no displacement buffer"),
        estimand="change in crime counts relative to controls (negative = fewer crimes)",
        estimate=float(tot["estimate"]),
        se=float(tot["se"]),
        ci=(float(tot["ci_low"]), float(tot["ci_high"])),
        pvalue=float(tot["pvalue"]),
        n=int(round(c.sum())),
        msms_level=3,
        assumptions=_assumptions(checks),
        model=None,
        alpha=alpha,
        terms=terms,
        z=float(tot["z"]),
        changes=changes,
    )


def _check_counts(names: list[str], vals: list, alpha: float) -> None:
    """Non-negative finite counts, all four buffer counts or none, alpha in (0, 1)."""
    v = _Validator(pd.DataFrame(), file=_ARGS)
    buf = vals[4:]
    if any(b is not None for b in buf) and any(b is None for b in buf):
        for n_, b in zip(names[4:], buf):
            if b is None:
                v.fail(n_, None, "all four buffer counts or none")
    for n_, x in zip(names, vals):
        if x is None:
            continue
        if (
            not isinstance(x, (int, float, np.integer, np.floating))
            or not math.isfinite(x)
            or x < 0
        ):
            v.fail(n_, x, "a non-negative count")
    if not (0 < alpha < 1):
        v.fail("alpha", alpha, "a number between 0 and 1")
    v.raise_if_any("wdd() input")


def _z_row(term: str, est: float, var: float, z_a: float) -> dict:
    """A term row with its Poisson SE, normal interval, p-value and z."""
    se = math.sqrt(var)
    zz = est / se if se > 0 else float("nan")
    return {
        "term": term,
        "estimate": est,
        "se": se,
        "ci_low": est - z_a * se,
        "ci_high": est + z_a * se,
        "pvalue": 2 * stats.norm.sf(abs(zz)),
        "z": zz,
    }


def _checks(c: np.ndarray, has_buf: bool) -> list[dict]:
    """Comparable controls, the Poisson variance and the displacement buffer."""
    ratio = c[2] / c[0] if c[0] > 0 else float("inf")
    checks = [
        _check(
            "control comparable",
            f"control/treated before = {ratio:.3g}",
            bool(0.5 <= ratio <= 2),
            "control areas should have crime counts similar to the treated area",
        )
    ]
    if has_buf:
        rb = c[6] / c[4] if c[4] > 0 else float("inf")
        checks.append(
            _check(
                "buffer control comparable",
                f"buffer control/buffer before = {rb:.3g}",
                bool(0.5 <= rb <= 2),
                "",
            )
        )
    checks += [
        _check(
            "Poisson variance",
            "assumed",
            None,
            "overdispersed counts (repeat victimisation, series crimes) make the SE too small",
        ),
        _check(
            "displacement buffer",
            "included" if has_buf else "not included",
            None,
            "" if has_buf else "displacement / diffusion of benefits not assessed",
        ),
    ]
    return checks
