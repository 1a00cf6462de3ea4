"""Trends of indicator (or score) time series: differences, CAGR, percentage change.

The two rates are COINr's (``get_trends`` with ``f_trend = "CAGR"`` or ``"prc_change"``),
computed per unit and indicator from the observed (non-missing) periods:

``difference``
    last value - first value.
``cagr``
    compound annual growth rate ``(y_last / y_first)^(1 / (t_last - t_first)) - 1`` (0
    when the two values are equal, as COINr; infinite when ``y_first`` is 0).
``prc_change``
    percentage change per ``per`` time units: with two observations
    ``(y_last - y_first) / y_first * 100 * per / (t_last - t_first)``; with three or
    more, from the least-squares line ``y = a + b t``: ``b per / (a + b t_first) * 100``
    (0 when all values are equal).

Fewer than two observations give a missing trend. No output orders units.

Example
-------
>>> d = pd.DataFrame({"unit_id": "A", "indicator_id": "x", "period": [2018, 2020],
...                   "value": [100.0, 121.0]})
>>> round(float(trends(d, "cagr")["trend"].iloc[0]), 10)
0.1
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TREND_METHODS", "trends"]

TREND_METHODS = ("difference", "cagr", "prc_change")


def trends(
    data: pd.DataFrame,
    method: str = "cagr",
    per: float = 1.0,
    value: str = "value",
    keys: tuple[str, str] = ("unit_id", "indicator_id"),
) -> pd.DataFrame:
    """Trend of every (unit, indicator) series of tidy data (see module docs).

    Parameters
    ----------
    data : DataFrame
        Tidy ``unit_id, indicator_id, period, value`` (``period`` numeric); a profile's
        ``scores`` works too with ``keys=("unit_id", "node_id"), value="score"``.
    method : {"difference", "cagr", "prc_change"}
    per : float
        Time units of the percentage change (1 = per year, 10 = per decade).

    Returns
    -------
    DataFrame
        ``<keys>, trend, n_obs, availability, t_first, t_last`` (``availability`` = share
        of the series' periods observed, COINr's ``Avail``).

    Examples
    --------
    >>> d = pd.DataFrame({"unit_id": "A", "indicator_id": "x", "period": [2020, 2022],
    ...                   "value": [100.0, 121.0]})
    >>> trends(d, "cagr")[["trend", "n_obs"]].round(6).values.tolist()
    [[0.1, 2.0]]
    """
    if method not in TREND_METHODS:
        raise ValueError(f"unknown trend method {method!r}; one of {TREND_METHODS}")
    k = list(keys)
    df = data[k + ["period", value]].copy()
    df["t"] = pd.to_numeric(df["period"], errors="raise").astype(float)
    df = df.sort_values(k + ["t"], kind="stable")
    g_all = df.groupby(k, sort=True)
    n_all = g_all[value].size()
    obs = df[df[value].notna()]
    g = obs.groupby(k, sort=True)
    first, last = g[value].first(), g[value].last()
    t0, t1 = g["t"].first(), g["t"].last()
    n = g[value].size()
    out = pd.DataFrame(index=n_all.index)
    out["n_obs"] = n.reindex(out.index).fillna(0).astype(int)
    out["availability"] = out["n_obs"] / n_all
    out["t_first"] = t0.reindex(out.index)
    out["t_last"] = t1.reindex(out.index)
    y0, y1 = first.reindex(out.index), last.reindex(out.index)
    dt = out["t_last"] - out["t_first"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "difference":
            tr = y1 - y0
        elif method == "cagr":
            tr = np.where(y1 == y0, 0.0, (y1 / y0) ** (1.0 / dt) - 1.0)
            tr = pd.Series(tr, index=out.index)
        else:
            two = (y1 - y0) * 100.0 / y0 * (per / dt)
            # least squares for >= 3 observations (centred time: no cancellation)
            tbar = obs.groupby(k, sort=True)["t"].transform("mean")
            ybar = obs.groupby(k, sort=True)[value].transform("mean")
            obs = obs.assign(
                sxy=(obs["t"] - tbar) * (obs[value] - ybar), sxx=(obs["t"] - tbar) ** 2
            )
            sums = (
                obs.groupby(k, sort=True)[["sxy", "sxx", "t", value]]
                .agg({"sxy": "sum", "sxx": "sum", "t": "mean", value: "mean"})
                .reindex(out.index)
            )
            m = out["n_obs"]
            b = sums["sxy"] / sums["sxx"]
            reg = b * per / (sums[value] + b * (out["t_first"] - sums["t"])) * 100.0
            const = g[value].nunique().reindex(out.index) == 1
            tr = pd.Series(np.where(m >= 3, reg, two), index=out.index)
            tr[const] = 0.0
    tr = pd.Series(np.asarray(tr, float), index=out.index)
    tr[out["n_obs"] < 2] = np.nan
    out.insert(0, "trend", tr)
    return out.reset_index()
