"""Robustness of the social-cohesion association: specifications, leave-one-out, subgroups,
omitted-variable sensitivity and the partial-regression (added-variable) view.

Part of :mod:`urbansec_lib.analysis.social_cohesion` (its public face).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from ..methods.omitted_variable import RobustnessValue, oster_delta, robustness_value  # noqa: E402
from . import cohesion_fit  # noqa: E402
from .cohesion_data import ITEMS, SIZE_CLASSES, _label, _sample  # noqa: E402
from .cohesion_figures import _source_note, plot_coefficients  # noqa: E402
from .cohesion_fit import (  # noqa: E402
    CohesionEstimate,
    _within_ols,
    demean,
    fit_between,
    fit_cross_section,
    fit_within,
    primary,
)


@dataclass
class Specifications:
    """All estimates of the study, in a fixed reading order (never sorted by size).

    Examples
    --------
    Built by :func:`specifications` (here on a simulated panel):

    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> s = specifications({"agree": p})
    >>> len(s.estimates), s.table()["note"].iloc[0]
    (8, 'primary')
    >>> round(s["Primary: within-city, feel safe in city ~ trust"].estimate, 2)
    0.53
    """

    estimates: list[CohesionEstimate] = field(default_factory=list)

    def add(self, est: CohesionEstimate, group: str) -> None:
        est.note = est.note or group
        self.estimates.append(est)

    def table(self) -> pd.DataFrame:
        """Tidy table, one row per specification."""
        if not self.estimates:
            return pd.DataFrame()
        return pd.concat([e.table() for e in self.estimates], ignore_index=True)

    def plot(self) -> plt.Figure:
        """Coefficient plot across specifications."""
        return plot_coefficients(self.table())

    def __getitem__(self, spec: str) -> CohesionEstimate:
        for e in self.estimates:
            if e.spec == spec:
                return e
        raise KeyError(spec)


def specifications(
    panels: dict[str, pd.DataFrame], primary_estimate: CohesionEstimate | None = None
) -> Specifications:
    """Every specification around the primary one.

    Parameters
    ----------
    panels : dict
        Coding name -> city panel with context (:func:`add_context`), at least
        ``"agree"``; ``"strongly"`` and ``"excl_dk"`` add the alternative codings.
    primary_estimate : CohesionEstimate, optional
        Put first (computed with :func:`primary`).

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> s = specifications({"agree": p})
    >>> s.table()[["design", "estimate"]].round(2).head(3)
       design  estimate
    0  within      0.53
    1  within      0.62
    2  within      0.80
    """
    p = panels["agree"]
    s = Specifications()
    if primary_estimate is not None:
        s.add(primary_estimate, "primary")
    else:
        s.add(primary(p, bootstrap=0), "primary")
    _within_specifications(s, panels)
    _between_specifications(s, p)
    _cross_section_specifications(s, p)
    return s


def _within_specifications(s: Specifications, panels: dict[str, pd.DataFrame]) -> None:
    """Other outcomes and cohesion items, alternative codings, crime as control and outcome."""
    p = panels["agree"]
    s.add(
        fit_within(
            p, "safe_neighbourhood", "trust_city", spec="Within: feel safe in neighbourhood ~ trust"
        ),
        "other outcome",
    )
    s.add(
        fit_within(
            p,
            "safe_city",
            "foreigners_integrated",
            spec="Within: feel safe in city ~ foreigners well integrated",
        ),
        "other cohesion item",
    )
    s.add(
        fit_within(
            p,
            "safe_neighbourhood",
            "trust_neighbourhood",
            spec="Within: feel safe in neighbourhood ~ trust in neighbours",
        ),
        "other cohesion item",
    )
    for coding, name in (("strongly", "strongly agree only"), ("excl_dk", "don't know excluded")):
        if coding in panels:
            s.add(
                fit_within(
                    panels[coding], "safe_city", "trust_city", spec=f"Within, coding {name}"
                ),
                "alternative coding",
            )
    if "log_crime" in p:
        s.add(
            fit_within(
                p,
                "safe_city",
                "trust_city",
                controls=["log_crime"],
                spec="Within, controlling recorded crime (NUTS 3)",
            ),
            "control",
        )
        s.add(
            fit_within(
                p,
                "crime_log100",
                "trust_city",
                spec="Within: recorded crime (NUTS 3, 100 x log) ~ trust",
            ),
            "crime as outcome",
        )


def _between_specifications(s: Specifications, p: pd.DataFrame) -> None:
    """Between-city fits, without and with the context controls, and crime as outcome."""
    ctx = [c for c in ("size_class", "country", "log_crime") if c in p]
    s.add(
        fit_between(
            p,
            "safe_city",
            "trust_city",
            sample=ctx,
            spec="Between, no controls (same city-waves as with controls)",
        ),
        "between",
    )
    s.add(
        fit_between(
            p,
            "safe_city",
            "trust_city",
            controls=ctx,
            spec="Between, controls: size class, country, log recorded crime",
        ),
        "between",
    )
    if "log_crime" in p:
        s.add(
            fit_between(
                p,
                "crime_log100",
                "trust_city",
                controls=[c for c in ctx if c != "log_crime"],
                spec="Between: recorded crime (100 x log) ~ trust, controls size class, country",
            ),
            "crime as outcome",
        )


def _cross_section_specifications(s: Specifications, p: pd.DataFrame) -> None:
    """The 2019 items asked in one wave only (where at least 10 cities answered both)."""
    if (
        p.loc[p["year"] == 2019, ["neighbourhood_satisfaction", "safe_night_neighbourhood"]]
        .notna()
        .all(axis=1)
        .sum()
        >= 10
    ):
        s.add(
            fit_cross_section(
                p,
                "safe_night_neighbourhood",
                "neighbourhood_satisfaction",
                2019,
                spec="2019: safe at night in neighbourhood ~ neighbourhood satisfaction",
            ),
            "other cohesion item",
        )
        s.add(
            fit_cross_section(
                p, "safe_night_city", "trust_city", 2019, spec="2019: safe at night in city ~ trust"
            ),
            "other outcome",
        )


def leave_one_country_out(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> pd.DataFrame:
    """The within estimate re-estimated without each country in turn (countries A-Z).

    Returns
    -------
    DataFrame
        ``country_left_out, n_cities_left_out, estimate, se, ci_low, ci_high, n_units,
        n_obs`` (alphabetical by country: no ordering by estimate).

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> loo = leave_one_country_out(p)
    >>> loo[["country_left_out", "n_cities_left_out"]].values.tolist()[:2]
    [['X0', 6], ['X1', 6]]
    >>> loo["estimate"].round(2).tolist()
    [0.57, 0.55, 0.51, 0.53, 0.5]
    """
    d = _sample(panel, [outcome, exposure])
    rows = []
    for cc in sorted(d["country"].unique()):
        e = fit_within(d[d["country"] != cc], outcome, exposure)
        rows.append(
            {
                "country_left_out": cc,
                "n_cities_left_out": int(d.loc[d["country"] == cc, "city"].nunique()),
                "estimate": e.estimate,
                "se": e.se,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "n_units": e.n_units,
                "n_obs": e.n_obs,
            }
        )
    return pd.DataFrame(rows)


def by_size_class(
    panel: pd.DataFrame,
    outcome: str = "safe_city",
    exposure: str = "trust_city",
    min_cities: int = 3,
) -> tuple[pd.DataFrame, float]:
    """Heterogeneity of the within association by city size class.

    Long because: one regression and its Wald test with the docstring and a runnable example
    (a simulated panel, 10 lines).

    One regression with city and wave fixed effects and the exposure interacted with the
    city's size class (``size_class_city``), SEs clustered by city (the estimator and
    conventions of :func:`fit_within`); classes with fewer than ``min_cities`` cities are
    left out. Equality of the slopes: cluster-robust Wald test, F with G - 1 denominator df.

    Returns
    -------
    (DataFrame, float)
        Per class (in size order) ``size_class, estimate, se, ci_low, ci_high, n_units,
        n_obs``, and the p-value of the Wald test that all slopes are equal.

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> t, p_equal = by_size_class(p)
    >>> t[["size_class", "n_units"]].values.tolist()
    [['under 250,000', 15], ['1 million or more', 15]]
    >>> 0 <= p_equal <= 1
    True
    """
    d = _sample(panel, [outcome, exposure, "size_class_city"])
    d = d[d.groupby("city")["year"].transform("nunique") >= 2]
    order = [lab for lab, _ in SIZE_CLASSES]
    counts = d.groupby("size_class_city")["city"].nunique()
    keep = [c for c in order if counts.get(c, 0) >= min_cities]
    d = d[d["size_class_city"].isin(keep)].copy()
    regs = []
    for i, c in enumerate(keep):
        name = f"x{i}"
        d[name] = d[exposure] * (d["size_class_city"] == c)
        regs.append(name)
    feols = cohesion_fit._feols()  # looked up on the module: a test may replace it
    if feols is not None:  # same estimator and conventions as the primary estimate
        f = feols(d, outcome, regs, fe=["city", "year"], cluster="city", ssc="fixest")
        params, vcov, n_cl = (
            f.params[regs].to_numpy(),
            f.vcov.loc[regs, regs].to_numpy(),
            f.n_clusters,
        )
    else:
        own = _within_ols(d, outcome, regs)
        params, vcov, n_cl = own.params, own.vcov, own.n_clusters
    tcrit = stats.t.ppf(0.975, n_cl - 1)
    rows = []
    for j, c in enumerate(keep):
        sub = d[d["size_class_city"] == c]
        est, se = float(params[j]), float(np.sqrt(vcov[j, j]))
        rows.append(
            {
                "size_class": c,
                "estimate": est,
                "se": se,
                "ci_low": est - tcrit * se,
                "ci_high": est + tcrit * se,
                "n_units": int(sub["city"].nunique()),
                "n_obs": len(sub),
            }
        )
    if len(regs) > 1:
        R = np.zeros((len(regs) - 1, len(regs)))
        R[:, 0] = 1.0
        R[np.arange(len(regs) - 1), np.arange(1, len(regs))] = -1.0
        diff = R @ params
        W = float(diff @ np.linalg.solve(R @ vcov @ R.T, diff))
        q = len(regs) - 1
        p_equal = float(stats.f.sf(W / q, q, n_cl - 1))
    else:
        p_equal = float("nan")
    return pd.DataFrame(rows), p_equal


def omitted_variable_sensitivity(
    within: CohesionEstimate, short: CohesionEstimate, long: CohesionEstimate
) -> tuple[RobustnessValue, float]:
    """Cinelli & Hazlett robustness value of the within estimate and Oster's delta.

    ``within`` gets the robustness value (from its classical t and residual degrees of
    freedom, fixed effects counted); Oster's delta compares the between-city estimate
    without (``short``) and with (``long``) the context controls on the same city-waves
    (R_max = min(1.3 R squared, 1)).

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> within = fit_within(p, "safe_city", "trust_city")
    >>> short = fit_between(p, "safe_city", "trust_city", sample=["country"])
    >>> long = fit_between(p, "safe_city", "trust_city", controls=["country"])
    >>> rv, delta = omitted_variable_sensitivity(within, short, long)
    >>> type(rv).__name__, 0 < rv.rv_q < 1
    ('RobustnessValue', True)
    """
    rv = robustness_value(within.t_classical, within.df_resid)
    delta = oster_delta(short.estimate, short.r2, long.estimate, long.r2)
    return rv, delta


def partial_regression(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> pd.DataFrame:
    """Outcome and exposure residualised on city and wave fixed effects (Frisch-Waugh-Lovell).

    The slope of ``outcome_resid`` on ``exposure_resid`` is the within estimate.

    Returns
    -------
    DataFrame
        ``city, year, exposure_resid, outcome_resid``.

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> pr = partial_regression(p)
    >>> len(pr), round(float(pr["exposure_resid"].mean()), 6) == 0
    (90, True)
    >>> round(float(np.polyfit(pr["exposure_resid"], pr["outcome_resid"], 1)[0]), 2)
    0.53
    """
    d = _sample(panel, [outcome, exposure])
    d = d[d.groupby("city")["year"].transform("nunique") >= 2]
    out = d[["city", "year"]].copy()
    codes = [d[f].astype("category").cat.codes.to_numpy() for f in ("city", "year")]
    z = demean(d[[exposure, outcome]].to_numpy(dtype=float), codes)
    out["exposure_resid"], out["outcome_resid"] = z[:, 0], z[:, 1]
    return out.reset_index(drop=True)


def plot_partial_regression(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> plt.Figure:
    """Partial-regression (added-variable) scatter of the within estimate.

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> fig = plot_partial_regression(p)
    >>> type(fig).__name__, len(fig.axes)
    ('Figure', 1)
    >>> plt.close(fig)
    """
    from ..presentation.plots import set_style

    set_style()
    pr = partial_regression(panel, outcome, exposure)
    slope = float(np.polyfit(pr["exposure_resid"], pr["outcome_resid"], 1)[0])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.scatter(
        pr["exposure_resid"],
        pr["outcome_resid"],
        s=14,
        alpha=0.6,
        color="#1b6ca8",
        label="city-wave",
    )
    xs = np.linspace(pr["exposure_resid"].min(), pr["exposure_resid"].max(), 20)
    ax.plot(xs, slope * xs, color="#3d3d3d", label=f"slope {slope:.2f}")
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    ax.axvline(0, color="#bbbbbb", lw=0.6)
    ax.set_xlabel(f"{_label(exposure)}:\ndeviation from city and wave means (percentage points)")
    ax.set_ylabel(
        f"{ITEMS[outcome].label if outcome in ITEMS else outcome}:\n"
        "deviation from city and wave means (points)"
    )
    ax.set_title("Within-city association, net of city and wave fixed effects")
    ax.legend(fontsize=8)
    _source_note(fig, pr["year"], f"{pr['city'].nunique()} cities, {len(pr)} city-waves.")
    fig.tight_layout()
    return fig
