"""Event-time plots of staggered-adoption results (tidy frame in, Figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import _figure

__all__ = ["plot_event_time"]


# --------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------
def _event_axes(ax, xlabel: str, ylabel: str, title: str, reference: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.axhline(0, color="grey", lw=0.8)
    if reference:
        ax.axvline(-0.5, color="grey", lw=0.8, ls="--")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)


def plot_event_time(
    coefs: pd.DataFrame,
    xlabel: str = "event time (periods since adoption)",
    ylabel: str = "effect (outcome units)",
    title: str = "Event study",
    reference_line: bool = True,
):
    """Effects with confidence bands: a tidy frame with ``x, att, ci_low, ci_high``.

    Pre-adoption points (x < 0 when ``reference_line``) are drawn in grey, later ones in
    colour; the shaded area is the band.

    Parameters
    ----------
    coefs : DataFrame
        Columns ``x``, ``att``, ``ci_low``, ``ci_high``.
    xlabel, ylabel, title : str
        Axis labels and title.
    reference_line : bool
        Grey pre-adoption points and a dashed line half a period before adoption.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"x": [-1, 0, 1], "att": [0.0, 1.0, 1.5],
    ...                   "ci_low": [-0.2, 0.7, 1.1], "ci_high": [0.2, 1.3, 1.9]})
    >>> fig = plot_event_time(c)
    >>> fig.axes[0].get_title()
    'Event study'
    """
    fig, ax = _figure()
    c = coefs.sort_values("x")
    ax.fill_between(c["x"], c["ci_low"], c["ci_high"], color="C0", alpha=0.15, lw=0)
    pre = (c["x"] < 0) if reference_line else np.zeros(len(c), bool)
    for mask, colour, label in ((pre, "grey", "before adoption"), (~pre, "C0", "after adoption")):
        s = c[mask]
        if len(s):
            err = np.vstack([s["att"] - s["ci_low"], s["ci_high"] - s["att"]])
            ax.errorbar(
                s["x"],
                s["att"],
                yerr=np.nan_to_num(err),
                fmt="o",
                capsize=3,
                color=colour,
                label=label if reference_line else None,
            )
    _event_axes(ax, xlabel, ylabel, title, reference_line)
    if reference_line and pre.any():
        ax.legend(frameon=False, fontsize=8)
    return fig
