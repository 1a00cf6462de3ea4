"""Plots of synthetic control and synthetic DiD results (tidy frame in, Figure out)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd


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


def plot_synthetic(
    series: pd.DataFrame,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """Treated vs synthetic outcome (``SyntheticControlResult.series()``)."""
    fig, ax = _figure()
    ax.plot(series["time"], series["treated"], color="black", lw=1.8, label=treated_label)
    ax.plot(
        series["time"],
        series["synthetic"],
        color="#1b6ca8",
        lw=1.8,
        ls="--",
        label=f"synthetic {treated_label}",
    )
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def plot_placebo_gaps(
    gaps: pd.DataFrame,
    treated,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "gap",
    title: str = "",
):
    """Placebo gaps (grey) and the treated unit's gap (black) over time."""
    fig, ax = _figure()
    t = gaps.index.to_numpy()
    first = True
    for c in gaps.columns:
        if c == treated:
            continue
        ax.plot(t, gaps[c], color="#b0b0b0", lw=0.9, label="placebos (donors)" if first else None)
        first = False
    ax.plot(t, gaps[treated], color="black", lw=2.0, label=treated_label)
    ax.axhline(0, color="grey", lw=0.8)
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def plot_leave_one_out(
    base: pd.DataFrame,
    synthetic: pd.DataFrame,
    treatment_time,
    treated_label: str = "treated",
    ylabel: str = "outcome",
    title: str = "",
):
    """Treated, synthetic and leave-one-out synthetic series (grey)."""
    fig, ax = _figure()
    first = True
    for c in synthetic.columns:
        ax.plot(
            synthetic.index,
            synthetic[c],
            color="#b0b0b0",
            lw=1.0,
            label="leaving out one donor" if first else None,
        )
        first = False
    ax.plot(base["time"], base["treated"], color="black", lw=1.8, label=treated_label)
    ax.plot(
        base["time"],
        base["synthetic"],
        color="#1b6ca8",
        lw=1.8,
        ls="--",
        label=f"synthetic {treated_label} (all donors)",
    )
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(title)
    ax.legend(frameon=False)
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
    """SDID trajectories with the time weights as bars along the bottom (as synthdid)."""
    fig, ax = _figure()
    t = trajectories["time"]
    ax.plot(t, trajectories["treated"], color="black", lw=1.8, label=treated_label)
    ax.plot(
        t,
        trajectories["synthetic"],
        color="#1b6ca8",
        lw=1.8,
        ls="--",
        label="synthetic control (unit weights omega)",
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
    _mark_treatment(ax, treatment_time)
    _time_axis(ax)
    ax.set_ylabel(textwrap.fill(ylabel, 42))
    ax.set_title(f"{title}\nestimate {estimate:.3g}" if title else f"estimate {estimate:.3g}")
    ax.legend(frameon=False, fontsize=8)
    return fig
