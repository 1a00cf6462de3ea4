"""Sensitivity of a regression coefficient to omitted variables.

Two published measures, implemented from the papers' formulas:

* **Robustness value** (Cinelli & Hazlett 2020, "Making sense of sensitivity: extending
  omitted variable bias", JRSS B 82(1):39-67): how strongly an unobserved confounder would
  have to be associated with both the exposure and the outcome (as shares of residual
  variance, partial R squared) to reduce the estimate by ``q * 100`` % (``RV_q``), or to make
  it no longer significant at level ``alpha`` (``RV_q,alpha``). Needs only the classical
  t-statistic of the coefficient and the residual degrees of freedom:

  ``f_q = q |t| / sqrt(df)``, ``RV_q = (sqrt(f_q^4 + 4 f_q^2) - f_q^2) / 2``; with
  ``f* = |t*_(alpha, df-1)| / sqrt(df - 1)`` and ``f_q,alpha = f_q - f*``:
  ``RV_q,alpha = 0`` when ``f_q <= f*``, ``RV(f_q,alpha)`` when ``f_q < 1 / f*``, else
  ``(f_q^2 - f*^2) / (1 + f_q^2)``. The partial R squared of the exposure with the outcome
  is ``t^2 / (t^2 + df)``.

* **Oster's delta** (Oster 2019, "Unobservable selection and coefficient stability", JBES
  37(2):187-204): how large selection on unobservables would have to be, relative to
  selection on the observed controls, to bring the coefficient to zero, given the
  movement of the coefficient and of R squared when the controls are added and an
  assumed maximal R squared ``R_max`` (Oster suggests ``min(1.3 R~, 1)``). This module
  uses the closed form ``delta = b~ (R~ - R0) / ((b0 - b~) (R_max - R~))`` (from the
  bias-adjusted ``b* = b~ - delta (b0 - b~) (R_max - R~) / (R~ - R0)``, exact for
  ``delta = 1`` and the usual approximation otherwise), where ``0`` marks the short
  (uncontrolled) regression and ``~`` the controlled one.

Example
-------
>>> rv = robustness_value(t=4.18, df=783)   # Darfur example of Cinelli & Hazlett 2020
>>> round(rv.rv_q, 3), round(rv.rv_qa, 3), round(rv.partial_r2, 3)
(0.139, 0.076, 0.022)
>>> rv.table().columns.tolist()[:3], rv.summary()[:35]
(['t', 'df', 'q'], 'An unobserved confounder explaining')
>>> round(oster_delta(b_short=2.0, r2_short=0.10, b_long=1.5, r2_long=0.30, r_max=0.39), 4)
6.6667
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["RobustnessValue", "robustness_value", "oster_delta", "oster_beta_star"]


@dataclass(frozen=True)
class RobustnessValue:
    """Cinelli & Hazlett (2020) sensitivity statistics of one coefficient.

    Attributes
    ----------
    t, df : float
        Classical t-statistic and residual degrees of freedom used.
    q, alpha : float
        Reduction of interest (1 = to zero) and significance level.
    partial_r2 : float
        Partial R squared of the exposure with the outcome, given the other regressors.
    rv_q : float
        Robustness value to bring the estimate to ``(1 - q)`` times itself.
    rv_qa : float
        Robustness value to make the ``1 - alpha`` interval include ``(1 - q)`` times it.

    Examples
    --------
    >>> rv = robustness_value(t=4.18, df=783)  # Darfur example of Cinelli & Hazlett 2020
    >>> type(rv).__name__, rv.q, rv.alpha, round(rv.rv_q, 3)
    ('RobustnessValue', 1.0, 0.05, 0.139)
    """

    t: float
    df: float
    q: float
    alpha: float
    partial_r2: float
    rv_q: float
    rv_qa: float

    def table(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame([self.__dict__])

    def summary(self) -> str:
        """Plain-language reading."""
        return (
            f"An unobserved confounder explaining {100 * self.rv_q:.1f} % of the residual "
            f"variance of both the exposure and the outcome would reduce the estimate by "
            f"{100 * self.q:.0f} %; one explaining {100 * self.rv_qa:.1f} % of both would make "
            f"it statistically indistinguishable from that at the {100 * self.alpha:.0f} % level. "
            f"The exposure itself explains {100 * self.partial_r2:.1f} % of the outcome's "
            "residual variance."
        )


def _rv(f: float) -> float:
    return 0.5 * (np.sqrt(f**4 + 4 * f**2) - f**2)


def robustness_value(t: float, df: float, q: float = 1.0, alpha: float = 0.05) -> RobustnessValue:
    """Robustness values and partial R squared of a coefficient (Cinelli & Hazlett 2020).

    Parameters
    ----------
    t : float
        Classical (homoskedastic OLS) t-statistic of the coefficient.
    df : float
        Residual degrees of freedom of the regression (observations minus all estimated
        parameters, fixed effects included).
    q : float, default 1
        Share of the estimate to explain away (1: to zero).
    alpha : float, default 0.05

    Returns
    -------
    RobustnessValue

    Examples
    --------
    >>> robustness_value(t=0.0, df=50).rv_q
    0.0
    """
    if df <= 1:
        raise ValueError("df must be > 1")
    if q <= 0:
        raise ValueError("q must be > 0")
    fq = q * abs(float(t)) / np.sqrt(df)
    fcrit = abs(stats.t.ppf(alpha / 2, df - 1)) / np.sqrt(df - 1)
    fqa = fq - fcrit
    if fqa <= 0:
        rv_qa = 0.0
    elif fq < 1 / fcrit:
        rv_qa = float(_rv(fqa))
    else:
        rv_qa = float((fq**2 - fcrit**2) / (1 + fq**2))
    return RobustnessValue(
        t=float(t),
        df=float(df),
        q=float(q),
        alpha=float(alpha),
        partial_r2=float(t**2 / (t**2 + df)),
        rv_q=float(_rv(fq)),
        rv_qa=rv_qa,
    )


def oster_delta(
    b_short: float, r2_short: float, b_long: float, r2_long: float, r_max: float | None = None
) -> float:
    """Oster (2019) delta for a bias-adjusted coefficient of zero.

    Parameters
    ----------
    b_short, r2_short : float
        Coefficient and R squared of the regression without the controls.
    b_long, r2_long : float
        The same with the controls.
    r_max : float, optional
        R squared of a hypothetical regression with all (also unobserved) controls;
        default ``min(1.3 * r2_long, 1)``.

    Returns
    -------
    float
        Relative degree of selection on unobservables (vs observables) that would bring
        the coefficient to zero; ``inf`` when the coefficient does not move with the
        controls (or moves away from zero, giving a negative value).

    Examples
    --------
    >>> oster_delta(1.0, 0.1, 1.0, 0.2)
    inf
    """
    r_max = min(1.3 * r2_long, 1.0) if r_max is None else float(r_max)
    if not r2_long < r_max <= 1:
        raise ValueError("need r2_long < r_max <= 1")
    move = (b_short - b_long) * (r_max - r2_long)
    if move == 0:
        return float("inf")
    return float(b_long * (r2_long - r2_short) / move)


def oster_beta_star(
    b_short: float,
    r2_short: float,
    b_long: float,
    r2_long: float,
    r_max: float | None = None,
    delta: float = 1.0,
) -> float:
    """Oster's bias-adjusted coefficient for a given ``delta`` (default 1).

    Parameters
    ----------
    b_short, r2_short : float
        Coefficient and R-squared of the regression without the controls.
    b_long, r2_long : float
        The same with the observed controls.
    r_max : float, optional
        R-squared of a hypothetical regression with all confounders (default
        ``min(1, 1.3 * r2_long)``, Oster 2019).
    delta : float
        Selection on unobservables relative to observables.

    Returns
    -------
    float

    Examples
    --------
    >>> oster_beta_star(2.0, 0.1, 1.5, 0.3, r_max=0.39)
    1.275
    """
    r_max = min(1.3 * r2_long, 1.0) if r_max is None else float(r_max)
    if r2_long == r2_short:
        raise ValueError("R squared does not move with the controls")
    return float(b_long - delta * (b_short - b_long) * (r_max - r2_long) / (r2_long - r2_short))
