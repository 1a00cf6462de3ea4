"""Power and minimum detectable effect of a clustered survey difference-in-differences."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from .design import _figure
from .design_checks import _ARGS, _Validator

__all__ = ["PowerResult", "power_did", "mde_table"]


# --------------------------------------------------------------------------------------
# Power
# --------------------------------------------------------------------------------------
def _power_problems(n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test):
    v = _Validator(pd.DataFrame(), file=_ARGS)
    checks = [
        ("n_per_area", n_per_area, lambda x: x >= 1, "a number >= 1"),
        (
            "n_areas",
            n_areas,
            lambda x: x >= (2 if test == "t" else 1),
            "areas per arm, >= 1 (>= 2 for test='t')",
        ),
        ("waves", waves, lambda x: float(x).is_integer() and x >= 2, "an integer >= 2"),
        ("icc", icc, lambda x: 0 <= x < 1, "a number in [0, 1)"),
        ("baseline_share", baseline_share, lambda x: 0 < x < 1, "a share in (0, 1)"),
        ("alpha", alpha, lambda x: 0 < x < 1, "a number in (0, 1)"),
        ("power", power, lambda x: 0 < x < 1, "a number in (0, 1)"),
    ]
    for name, x, ok, expected in checks:
        if not isinstance(x, (int, float, np.integer, np.floating)) or not ok(x):
            v.fail(name, x, expected)
    if test not in ("normal", "t"):
        v.fail("test", test, "'normal' or 't'")
    return v


def _did_area_sd(n_per_area, waves, icc, p) -> float:
    """SD of one area's pre-post change in its mean share (see :func:`power_did`)."""
    deff = 1 + (n_per_area - 1) * icc
    w_pre = waves // 2
    w_post = waves - w_pre
    return math.sqrt(p * (1 - p) * deff / n_per_area * (1 / w_pre + 1 / w_post))


class PowerResult(float):
    """Result of :func:`power_did`: a float (the MDE or the power) that also carries the
    design, so it prints a ``summary()`` and draws a power curve like the other results.

    Attributes
    ----------
    estimate : float
        The MDE in proportion points, or the power when an effect was given.
    kind : str
        ``"mde"`` or ``"power"``.
    n : int
        Respondents over both arms and all waves.
    design : dict
        The inputs (n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test).
    se, ci, pvalue : float, tuple, float
        Not applicable to a design calculation (NaN), kept for a uniform interface.

    Examples
    --------
    >>> mde = power_did(100, 10)
    >>> type(mde).__name__, mde.kind, isinstance(mde, float), mde.n
    ('PowerResult', 'mde', True, 4000)
    """

    def __new__(cls, value: float, kind: str, design: dict, sd: float):
        obj = super().__new__(cls, value)
        obj.kind, obj.design, obj._sd = kind, dict(design), sd
        obj.estimate = float(value)
        obj.se, obj.ci, obj.pvalue = float("nan"), (float("nan"), float("nan")), float("nan")
        obj.msms_level = None
        d = obj.design
        obj.n = int(round(d["n_per_area"] * d["n_areas"] * 2 * d["waves"]))
        return obj

    def table(self) -> pd.DataFrame:
        """The design and the result as a one-row tidy frame."""
        return pd.DataFrame([{**self.design, self.kind: self.estimate, "n": self.n}])

    def summary(self) -> str:
        d = self.design
        what = (
            f"Minimum detectable effect: {self.estimate * 100:.1f} percentage points"
            if self.kind == "mde"
            else f"Power to detect {d['effect'] * 100:.1f} points: {self.estimate:.2f}"
        )
        return "\n".join(
            [
                "Design      : survey difference-in-differences on a share (design calculation)",
                f"Areas       : {d['n_areas']} per arm, {d['n_per_area']} respondents per area and wave, "
                f"{d['waves']} waves, ICC {d['icc']}",
                f"Baseline    : {d['baseline_share']:.0%} ; alpha {d['alpha']} ; target power {d['power']}",
                what,
            ]
        )

    def plot(self):
        """Power as a function of the true effect (percentage points)."""
        d = self.design
        engine = NormalIndPower() if d["test"] == "normal" else TTestIndPower()
        eff = np.linspace(
            0.005, max(0.3, 2 * (self.estimate if self.kind == "mde" else d["effect"])), 80
        )
        pw = engine.power(
            effect_size=eff / self._sd,
            nobs1=d["n_areas"],
            alpha=d["alpha"],
            ratio=1.0,
            alternative="two-sided",
        )
        fig, ax = _figure()
        ax.plot(eff * 100, pw)
        ax.axhline(d["power"], ls="--", lw=0.8, color="grey")
        ax.set_xlabel("true effect (percentage points)")
        ax.set_ylabel("power")
        ax.set_ylim(0, 1)
        return fig

    def __reduce__(self):
        return (PowerResult, (float(self), self.kind, self.design, self._sd))


def power_did(
    n_per_area: float,
    n_areas: float,
    waves: int = 2,
    icc: float = 0.05,
    baseline_share: float = 0.6,
    effect: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    test: str = "normal",
) -> float:
    """Minimum detectable effect (or power) of a survey DiD on a share, e.g. feeling safe.

    Long because: the docstring documents the design effect formula and every option (the
    code is ~40 lines).

    Design: ``n_areas`` areas in each arm (treated and comparison), ``n_per_area``
    respondents per area in each wave, independent cross-sections, ``waves`` waves split
    into ``floor(waves/2)`` before and the rest after. With ``p = baseline_share``,
    ``deff = 1 + (n_per_area - 1) * icc`` and ``n1 = n0 = n_per_area * n_areas``::

        Var(DiD) = deff * p(1-p) * (1/n1 + 1/n0) * (1/w_pre + 1/w_post)
        MDE ~= (z_{1-alpha/2} + z_{power}) * sqrt(Var(DiD))

    (the wave factor is 2 for two waves: the DiD subtracts two independent changes).
    Area effects are assumed not to persist between waves, which is conservative when
    the same areas are surveyed. The computation uses statsmodels ``NormalIndPower``
    (``test="normal"``) or ``TTestIndPower`` (``test="t"``, df = 2 n_areas - 2) with
    the areas as the units and the standardised effect ``effect / sd_area``.

    Parameters
    ----------
    n_per_area : number
        Respondents per area per wave.
    n_areas : number
        Areas per arm.
    waves : int
        Total number of survey waves (>= 2).
    icc : float
        Intra-area correlation of the outcome.
    baseline_share : float
        Baseline share of the binary outcome.
    effect : float, optional
        Effect in proportion points (e.g. 0.05); if given, power is returned.
    alpha, power : float
        Two-sided level and target power.
    test : {"normal", "t"}

    Returns
    -------
    PowerResult
        A float - the MDE in proportion points (``effect`` None) or the power - with
        ``summary()``, ``table()`` and ``plot()`` (power curve).

    Examples
    --------
    >>> mde = power_did(100, 10)
    >>> round(mde, 4), mde.table().columns.tolist()[:3]
    (0.2117, ['n_per_area', 'n_areas', 'waves'])
    >>> mde.summary().splitlines()[0]
    'Design      : survey difference-in-differences on a share (design calculation)'
    >>> type(mde.plot()).__name__
    'Figure'
    """
    v = _power_problems(n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test)
    if effect is not None and (not isinstance(effect, (int, float, np.floating)) or effect == 0):
        v.fail("effect", effect, "a non-zero effect in proportion points")
    v.raise_if_any("power_did() input")
    sd = _did_area_sd(n_per_area, int(waves), icc, baseline_share)
    engine = NormalIndPower() if test == "normal" else TTestIndPower()
    design = {
        "n_per_area": n_per_area,
        "n_areas": n_areas,
        "waves": int(waves),
        "icc": icc,
        "baseline_share": baseline_share,
        "effect": effect,
        "alpha": alpha,
        "power": power,
        "test": test,
    }
    if effect is None:
        d = engine.solve_power(
            effect_size=None,
            nobs1=n_areas,
            alpha=alpha,
            power=power,
            ratio=1.0,
            alternative="two-sided",
        )
        return PowerResult(float(np.ravel(d)[0]) * sd, "mde", design, sd)
    return PowerResult(
        float(
            engine.power(
                effect_size=abs(effect) / sd,
                nobs1=n_areas,
                alpha=alpha,
                ratio=1.0,
                alternative="two-sided",
            )
        ),
        "power",
        design,
        sd,
    )


def mde_table(
    n_per_area: float | Sequence[float],
    n_areas: float | Sequence[float],
    waves: int | Sequence[int] = 2,
    icc: float | Sequence[float] = 0.05,
    baseline_share: float | Sequence[float] = 0.6,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    test: str = "normal",
) -> pd.DataFrame:
    """MDE of :func:`power_did` over a grid of designs, as a tidy DataFrame.

    Every argument may be a scalar or a list; all combinations are returned in input
    order with columns n_per_area, n_areas, waves, icc, baseline_share, alpha, power,
    deff, n_per_arm_wave (``n_per_area * n_areas``) and mde.

    Parameters
    ----------
    n_per_area, n_areas, waves, icc, baseline_share, alpha, power, test
        As :func:`power_did`; each may be a list (the grid is their product).

    Returns
    -------
    DataFrame
        One row per combination.

    Examples
    --------
    >>> mde_table([50, 100], [5, 10], icc=[0.02, 0.05]).shape
    (8, 10)
    """

    def as_list(x):
        return list(x) if isinstance(x, (list, tuple, np.ndarray, pd.Series)) else [x]

    grid = pd.DataFrame(
        list(
            itertools.product(
                *(as_list(x) for x in (n_per_area, n_areas, waves, icc, baseline_share))
            )
        ),
        columns=["n_per_area", "n_areas", "waves", "icc", "baseline_share"],
    )
    grid["alpha"] = alpha
    grid["power"] = power
    grid["deff"] = 1 + (grid["n_per_area"] - 1) * grid["icc"]
    grid["n_per_arm_wave"] = grid["n_per_area"] * grid["n_areas"]
    grid["mde"] = [
        power_did(
            r.n_per_area,
            r.n_areas,
            int(r.waves),
            r.icc,
            r.baseline_share,
            None,
            alpha,
            power,
            test=test,
        )
        for r in grid.itertuples(index=False)
    ]
    return grid
