"""A simulated city panel for the social-cohesion examples and tests (never real data).

Example
-------
>>> p = simulate_panel()
>>> p.shape[0], sorted(p["country"].unique())[:2]
(90, ['X0', 'X1'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_panel"]


def simulate_panel(n_cities: int = 30, seed: int = 0) -> pd.DataFrame:
    """``n_cities`` cities x three waves (2012, 2015, 2019) in five countries and two size
    classes; every perception item is half the city's trust plus noise, so cohesion and
    security move together by construction.

    Parameters
    ----------
    n_cities : int
    seed : int
        Seed of the generator (the panel is the same for the same seed).

    Returns
    -------
    DataFrame
        ``city, year, country, size_class_city``, one column per item of
        :data:`urbansec_lib.analysis.cohesion_data.ITEMS`, and ``trust_city``.

    Examples
    --------
    >>> round(float(simulate_panel()["trust_city"].mean()), 2)
    51.1
    """
    from ..analysis.cohesion_data import ITEMS

    rng = np.random.default_rng(seed)
    p = pd.DataFrame(
        {
            "city": np.repeat([f"C{i:02d}" for i in range(n_cities)], 3),
            "year": np.tile([2012, 2015, 2019], n_cities),
        }
    )
    p["country"] = "X" + (p.index // 3 % 5).astype(str)
    p["size_class_city"] = np.where(p.index // 3 % 2, "under 250,000", "1 million or more")
    trust = rng.normal(50, 10, len(p))
    for item in ITEMS:
        p[item] = 0.5 * trust + rng.normal(30, 3, len(p))
    p["trust_city"] = trust
    return p
