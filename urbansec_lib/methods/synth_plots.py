"""Plots of synthetic control and synthetic DiD results (tidy frame in, Figure out).

Example
-------
>>> import pandas as pd
>>> s = pd.DataFrame({"time": [2000, 2001, 2002, 2003], "treated": [1.0, 1.2, 0.8, 0.7],
...                   "synthetic": [1.0, 1.1, 1.1, 1.2]})
>>> fig = plot_synthetic(s, 2002, treated_label="Basque Country")
>>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
['Basque Country', 'synthetic Basque Country']
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

__all__ = ["plot_synthetic", "plot_placebo_gaps", "plot_leave_one_out", "plot_synthetic_did"]


# --------------------------------------------------------------------------------------
# Plots (tidy frame in, Figure out)
# --------------------------------------------------------------------------------------
def _figure(figsize=(7.0, 4.2)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _time_axis(ax, label: str = "year") -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(label)


def _mark_treatment(ax, treatment_time) -> None:
    x = float(treatment_time) - 0.5
    ax.axvline(x, color="grey", lw=1.0, ls="--")
    ax.annotate(
        f"treatment from {treatment_time}",
        xy=(x, 0.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, 5),
        textcoords="offset points",
        fontsize=8,
        color="dimgrey",
    )


def _treated_and_synthetic(ax, time, treated, synthetic, treated_label: str, synth_label: str):
    """The treated series (solid black) and its synthetic twin (dashed blue)."""
    ax.plot(time, treated, color="black", lw=1.8, label=treated_label)
    ax.plot(time, synthetic, color="#1b6ca8", lw=1.8, ls="--", label=synth_label)


def _finish(ax, treatment_time, ylabel: str, title: str, legend: dict | None = None) -> None:
    """Treatment line, integer time axis, wrapped y label, title and (unless None) legend."""
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    if legend is not None:
        ax.legend(frameon=False, **legend)


def _grey_lines(ax, frame: pd.DataFrame, label: str, lw: float, skip=None) -> None:
    """One grey line per column of ``frame`` (index: time), labelled once."""
    first = True
    for c in frame.columns:
        if skip is not None and c == skip:
            continue
        ax.plot(frame.index, frame[c], color="#b0b0b0", lw=lw, label=label if first else None)
        first = False


def plot_synthetic(
    series: pd.DataFrame,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """Treated vs synthetic outcome (``SyntheticControlResult.series()``).

    Parameters
    ----------
    series : DataFrame
        Columns ``time``, ``treated``, ``synthetic``.
    treatment_time
        First treated period (a dashed line half a period before it).
    treated_label, ylabel, title : str
        Legend label of the treated unit, y-axis label, title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"time": [1, 2, 3], "treated": [1.0, 2, 1], "synthetic": [1.0, 1.9, 2]})
    >>> len(plot_synthetic(s, 3).axes[0].lines)  # treated, synthetic, treatment line
    3
    """
    fig, ax = _figure()
    _treated_and_synthetic(
        ax,
        series["time"],
        series["treated"],
        series["synthetic"],
        treated_label,
        f"synthetic {treated_label}",
    )
    _finish(ax, treatment_time, ylabel, title, legend={})
    return fig


def plot_placebo_gaps(
    gaps: pd.DataFrame,
    treated,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "gap",
    title: str = "",
):
    """Placebo gaps (grey) and the treated unit's gap (black) over time.

    Parameters
    ----------
    gaps : DataFrame
        One column per unit (treated and placebos), index: time (``PlaceboResult.gaps``).
    treated
        The treated unit's column.
    treatment_time, treated_label, ylabel, title
        As :func:`plot_synthetic`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"T": [0.0, 0.1, -2], "A": [0.1, -0.1, 0.3], "B": [0, 0.2, 0.1]},
    ...                  index=[1, 2, 3])
    >>> len(plot_placebo_gaps(g, "T", 3).axes[0].lines)  # 2 placebos, treated, zero, treatment
    5
    """
    fig, ax = _figure()
    _grey_lines(ax, gaps, "placebos (donors)", 0.9, skip=treated)
    ax.plot(gaps.index.to_numpy(), gaps[treated], color="black", lw=2.0, label=treated_label)
    ax.axhline(0, color="grey", lw=0.8)
    _finish(ax, treatment_time, ylabel, title, legend={})
    return fig


def plot_leave_one_out(
    base: pd.DataFrame,
    synthetic: pd.DataFrame,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """Treated, synthetic and leave-one-out synthetic series (grey).

    Parameters
    ----------
    base : DataFrame
        The full fit's ``series()`` (``time``, ``treated``, ``synthetic``).
    synthetic : DataFrame
        One leave-one-out synthetic series per dropped donor, index: time.
    treatment_time, treated_label, ylabel, title
        As :func:`plot_synthetic`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"time": [1, 2, 3], "treated": [1.0, 2, 1], "synthetic": [1.0, 1.9, 2]})
    >>> loo = pd.DataFrame({"A": [1.1, 1.8, 2.1]}, index=[1, 2, 3])
    >>> len(plot_leave_one_out(b, loo, 3).axes[0].lines)
    4
    """
    fig, ax = _figure()
    _grey_lines(ax, synthetic, "leaving out one donor", 1.0)
    _treated_and_synthetic(
        ax,
        base["time"],
        base["treated"],
        base["synthetic"],
        treated_label,
        f"synthetic {treated_label} (all donors)",
    )
    _finish(ax, treatment_time, ylabel, title, legend={})
    return fig


def plot_synthetic_did(
    trajectories: pd.DataFrame,
    time_weights: pd.Series,
    treatment_time,
    estimate: float,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """SDID trajectories with the time weights as bars along the bottom (as synthdid).

    Parameters
    ----------
    trajectories : DataFrame
        Columns ``time``, ``treated``, ``synthetic`` (``SyntheticDiDResult.trajectories``).
    time_weights : Series
        Pre-period time weights lambda, index: time.
    treatment_time, treated_label, ylabel
        As :func:`plot_synthetic`.
    estimate : float
        Shown in the title.
    title : str
        Put above the estimate.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> tr = pd.DataFrame({"time": [1, 2, 3], "treated": [1.0, 2, 1], "synthetic": [1.0, 1.9, 2]})
    >>> fig = plot_synthetic_did(tr, pd.Series([0.5, 0.5], index=[1, 2]), 3, -1.0)
    >>> fig.axes[0].get_title()
    'estimate -1'
    """
    fig, ax = _figure()
    t = trajectories["time"]
    _treated_and_synthetic(
        ax,
        t,
        trajectories["treated"],
        trajectories["synthetic"],
        treated_label,
        "synthetic control (unit weights omega)",
    )
    lo = float(np.nanmin(trajectories[["treated", "synthetic"]].to_numpy()))
    hi = float(np.nanmax(trajectories[["treated", "synthetic"]].to_numpy()))
    span = (hi - lo) or 1.0
    if time_weights.sum() > 0:
        ax.bar(
            time_weights.index,
            time_weights.to_numpy() * 0.25 * span,
            bottom=lo - 0.3 * span,
            width=0.8,
            color="#e0a040",
            label="time weights lambda (pre-period)",
        )
        ax.set_ylim(lo - 0.32 * span, hi + 0.1 * span)
    title = f"{title}\nestimate {estimate:.3g}" if title else f"estimate {estimate:.3g}"
    _finish(ax, treatment_time, ylabel, title, legend={"fontsize": 8})
    return fig
