"""Synthetic outcome data of impact evaluations (SYNTHETIC: tests, demos, benchmarks).

Survey waves with a planted ordered-logit difference-in-differences effect, monthly incident
counts with a planted rate ratio, and a staggered rollout with heterogeneous effects, in the
layouts :mod:`urbansec_lib.outcomes` reads (``scripts/make_demo_outcomes.py`` writes
``data/raw/orpheus`` with them). Moved here from :mod:`urbansec_lib.outcomes` (the old
names still resolve, deprecated).

Example
-------
>>> s = simulate_survey(n_areas=4, n_per_area=50, waves=(2022, 2024), effect=0.5, seed=1)
>>> sorted(s["area_type"].unique())
['comparison', 'intervention']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.outcomes import AREA_ROLES, ROLLOUT_COLUMNS  # noqa: F401 - the doctest

__all__ = ["simulate_survey", "simulate_incidents", "simulate_rollout"]


def simulate_survey(
    n_areas: int = 6,
    n_per_area: int = 80,
    waves: tuple[int, ...] = (2022, 2024),
    effect: float = 0.6,
    first_post_wave: int | None = None,
    icc_sd: float = 0.3,
    seed: int = 0,
) -> pd.DataFrame:
    """Repeated cross-section survey with a planted ordered-logit DiD ``effect`` (log-odds).

    Half the areas are intervention areas. The latent feeling of safety is
    ``area effect + 0.2 * wave index + effect * intervention * post + logistic noise``,
    cut at (-1, 0, 1.5) into the 4-point item. Vectorised (no loop over respondents).

    Parameters
    ----------
    n_areas : int
        Areas (the first half are intervention areas).
    n_per_area : int
        Respondents per area and wave.
    waves : tuple of int
        Survey waves (years).
    effect : float
        Planted DiD effect on the latent scale (log-odds).
    first_post_wave : int, optional
        First wave after the intervention (default: the last wave).
    icc_sd : float
        SD of the area effects (clustering).
    seed : int

    Returns
    -------
    DataFrame
        One row per respondent: ``area, area_type, wave, feel_safe`` (codes 1-4).

    Examples
    --------
    >>> s = simulate_survey(n_areas=4, n_per_area=50, waves=(2022, 2024), effect=0.5, seed=1)
    >>> s.shape, s.columns.tolist()
    ((400, 4), ['area', 'area_type', 'wave', 'feel_safe'])
    >>> s.groupby("wave").size().tolist(), sorted(s["feel_safe"].unique().tolist())
    ([200, 200], [1, 2, 3, 4])
    >>> s.drop_duplicates("area")[["area", "area_type"]].values.tolist()
    [['A01', 'intervention'], ['A02', 'intervention'], ['A03', 'comparison'], ['A04', 'comparison']]
    """
    rng = np.random.default_rng(seed)
    first_post_wave = first_post_wave or waves[-1]
    areas = np.array([f"A{i + 1:02d}" for i in range(n_areas)])
    a_type = np.where(np.arange(n_areas) < n_areas // 2, "intervention", "comparison")
    a_eff = rng.normal(0, icc_sd, n_areas)
    n = n_areas * n_per_area * len(waves)
    ai = np.tile(np.repeat(np.arange(n_areas), n_per_area), len(waves))
    wi = np.repeat(np.arange(len(waves)), n_areas * n_per_area)
    wave = np.asarray(waves)[wi]
    treated = a_type[ai] == "intervention"
    post = wave >= first_post_wave
    latent = a_eff[ai] + 0.2 * wi + effect * (treated & post) + rng.logistic(size=n)
    y = 1 + np.searchsorted(np.array([-1.0, 0.0, 1.5]), latent)
    return pd.DataFrame(
        {"area": areas[ai], "area_type": a_type[ai], "wave": wave, "feel_safe": y.astype(int)}
    )


def simulate_incidents(
    start: str = "2019-01",
    months: int = 60,
    intervention: str = "2022-01",
    level_change: float = 0.8,
    displacement: float = 1.0,
    base_rate: float = 40.0,
    population: int = 20_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Monthly Poisson counts for treated/control/buffer/buffer_control areas.

    The treated area's rate is multiplied by ``level_change`` from ``intervention`` on
    (rate ratio), the buffer's by ``displacement``; all areas share a seasonal cycle and a
    mild trend.

    Parameters
    ----------
    start : str
        First month (``YYYY-MM``).
    months : int
        Length of the series.
    intervention : str
        First month with the intervention in force.
    level_change : float
        Planted rate ratio in the treated area.
    displacement : float
        Rate ratio in the buffer area (> 1: crime displaced into it).
    base_rate : float
        Mean monthly count of the treated area before the intervention.
    population : int
        Population of every area.
    seed : int

    Returns
    -------
    DataFrame
        ``month, area, count, population``, one row per area (:data:`AREA_ROLES`) and month.

    Examples
    --------
    >>> i = simulate_incidents(months=24, start="2021-01", intervention="2022-01", seed=1)
    >>> i.shape, i.columns.tolist(), i["area"].unique().tolist()
    ((96, 4), ['month', 'area', 'count', 'population'], ['treated', 'control', 'buffer', 'buffer_control'])

    The planted rate ratio comes back out of the counts:

    >>> i = simulate_incidents(level_change=0.5, seed=0)
    >>> m = i.assign(post=i["month"] >= "2022-01").groupby(["area", "post"])["count"].mean()
    >>> ratio = (m["treated", True] / m["treated", False]) / (m["control", True] / m["control", False])
    >>> bool(0.45 < ratio < 0.55)
    True
    """
    rng = np.random.default_rng(seed)
    idx = pd.period_range(start, periods=months, freq="M")
    t = np.arange(months)
    season = 1 + 0.15 * np.sin(2 * np.pi * (idx.month.to_numpy() - 1) / 12)
    trend = 1 + 0.002 * t
    post = idx >= pd.Period(intervention, "M")
    mult = {
        "treated": np.where(post, level_change, 1.0),
        "control": np.ones(months),
        "buffer": np.where(post, displacement, 1.0),
        "buffer_control": np.ones(months),
    }
    scale = {"treated": 1.0, "control": 1.1, "buffer": 0.6, "buffer_control": 0.65}
    rows = []
    for role in AREA_ROLES:
        mu = base_rate * scale[role] * season * trend * mult[role]
        rows.append(
            pd.DataFrame(
                {
                    "month": idx.strftime("%Y-%m"),
                    "area": role,
                    "count": rng.poisson(mu),
                    "population": population,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def simulate_rollout(
    n_areas: int = 40,
    years: tuple[int, int] = (2016, 2024),
    cohorts: dict[int, tuple[float, float]] | None = None,
    never_share: float = 0.35,
    base_rate: float = 32.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Neighbourhood panel with a staggered rollout and planted, heterogeneous effects.

    Areas adopt in one of the ``cohorts`` years or never (share ``never_share``). Incidents
    are Poisson with a rate per 1,000 residents of ``area level x common trend x effect``,
    where an area of the cohort adopting in year g has, e years after adoption, the rate
    ratio ``rr0 - slope * e`` (``cohorts = {g: (rr0, slope)}``): effects differ between
    cohorts and grow with exposure, the case in which two-way fixed effects mislead.
    Vectorised (no loop over areas or years).

    Examples
    --------
    >>> r = simulate_rollout(n_areas=12, seed=1)
    >>> sorted(r.columns) == sorted(ROLLOUT_COLUMNS)
    True
    """
    cohorts = cohorts or {2019: (0.92, 0.05), 2021: (0.85, 0.03), 2023: (0.97, 0.0)}
    rng = np.random.default_rng(seed)
    yrs = np.arange(years[0], years[1] + 1)
    n_never = int(round(never_share * n_areas))
    g = np.r_[np.zeros(n_never), rng.choice(list(cohorts), n_areas - n_never)]
    g = rng.permutation(g)
    level = rng.lognormal(0.0, 0.25, n_areas)
    pop = rng.integers(6, 40, n_areas) * 1000
    trend = 1 - 0.015 * (yrs - yrs[0])
    G, Y = np.meshgrid(g, yrs, indexing="ij")
    e = Y - G
    rr0 = np.vectorize(lambda c: cohorts.get(c, (1.0, 0.0))[0])(G)
    slope = np.vectorize(lambda c: cohorts.get(c, (1.0, 0.0))[1])(G)
    effect = np.where((G > 0) & (e >= 0), rr0 - slope * e, 1.0)
    noise = rng.lognormal(0.0, 0.04, G.shape)
    mu = base_rate * level[:, None] * trend[None, :] * effect * noise * pop[:, None] / 1000
    count = rng.poisson(mu)
    areas = np.array([f"N{i + 1:03d}" for i in range(n_areas)])
    out = pd.DataFrame(
        {
            "area": np.repeat(areas, len(yrs)),
            "year": np.tile(yrs, n_areas),
            "first_year": G.ravel().astype(int),
            "population": np.repeat(pop, len(yrs)),
            "incidents": count.ravel(),
        }
    )
    out["incidents_per_1000"] = (1000 * out["incidents"] / out["population"]).round(3)
    return out
