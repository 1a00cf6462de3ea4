"""Figures for self-assessment profiles and peer comparison.

Every function takes tidy data, returns a matplotlib ``Figure`` and never shows or saves
it. Nodes are drawn in framework order, never sorted by score (no league tables).

Example
-------
>>> import pandas as pd
>>> pos = pd.DataFrame({"node_id": ["a", "b"], "score": [40, 70], "peer_q25": [30, 50],
...                     "peer_median": [45, 60], "peer_q75": [55, 75]})
>>> fig = plot_profile(pos, title="Unit X")
>>> len(fig.axes)
1
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["plot_profile", "plot_coverage", "plot_change", "plot_trend", "set_style"]

from .figures import PALETTE as _SHARED  # noqa: E402
from .figures import apply as _apply_style  # noqa: E402
from .figures import year_axis  # noqa: E402

PALETTE = {"unit": _SHARED["unit"], "peers": _SHARED["peers"], "median": _SHARED["median"]}


def set_style() -> None:
    """The report style (:func:`urbansec_lib.figures.apply`: Okabe-Ito palette).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> set_style()
    >>> plt.rcParams["axes.prop_cycle"].by_key()["color"][:2]
    ['#0072B2', '#E69F00']
    """
    _apply_style()


def _labels(nodes: pd.Series, labels: dict[str, str] | None) -> list[str]:
    return [labels.get(n, n) if labels else n for n in nodes]


def plot_profile(
    position: pd.DataFrame,
    labels: dict[str, str] | None = None,
    title: str = "",
    order: list[str] | None = None,
) -> plt.Figure:
    """A unit's node scores against its peers' interquartile range and median.

    Parameters
    ----------
    position : DataFrame
        From :func:`urbansec_lib.peers.position`: node_id, score, peer_q25, peer_median,
        peer_q75.
    labels : dict, optional
        node_id -> readable label.
    title : str
    order : list of str, optional
        Node order (default: as given, i.e. framework order).

    Examples
    --------
    >>> pos = pd.DataFrame({"node_id": ["a", "b"], "score": [40, 70], "peer_q25": [30, 50],
    ...                     "peer_median": [45, 60], "peer_q75": [55, 75]})
    >>> fig = plot_profile(pos, labels={"a": "Alpha", "b": "Beta"}, title="Unit X")
    >>> type(fig).__name__, fig.axes[0].get_title(), [float(x) for x in fig.axes[0].get_xlim()]
    ('Figure', 'Unit X', [0.0, 100.0])
    >>> plt.close(fig)
    """
    set_style()
    df = position.set_index("node_id")
    if order is not None:
        df = df.reindex([o for o in order if o in df.index])
    y = np.arange(len(df))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(df) + 1.4))
    ax.barh(
        y,
        df["peer_q75"] - df["peer_q25"],
        left=df["peer_q25"],
        height=0.5,
        color=PALETTE["peers"],
        label="peers: middle half (25th-75th percentile)",
    )
    ax.scatter(
        df["peer_median"],
        y,
        marker="|",
        s=300,
        color=PALETTE["median"],
        label="peers: median",
        zorder=3,
    )
    ax.scatter(df["score"], y, marker="o", s=70, color=PALETTE["unit"], label="this unit", zorder=4)
    ax.set_yticks(y, _labels(df.index.to_series(), labels))
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (0-100, normalised across all units; higher is better)")
    ax.set_title(title or "Dimension scores against the peer group")
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False, fontsize="small"
    )
    fig.tight_layout()
    return fig


def plot_coverage(
    coverage: pd.DataFrame,
    labels: dict[str, str] | None = None,
    title: str = "Data coverage",
) -> plt.Figure:
    """Share of indicators with data per node (tidy: node_id, n_indicators, n_available).

    Examples
    --------
    >>> cov = pd.DataFrame({"node_id": ["a", "b"], "n_indicators": [4, 5],
    ...                     "n_available": [4, 2]})
    >>> fig = plot_coverage(cov, labels={"a": "Alpha"})
    >>> type(fig).__name__, [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ('Figure', ['Alpha', 'b'])
    >>> plt.close(fig)
    """
    df = coverage.reset_index(drop=True)
    share = 100 * df["n_available"] / df["n_indicators"].where(df["n_indicators"] > 0)
    fig, ax, y = _node_bars(df, share, PALETTE["unit"])
    for yi, s, a, n in zip(y, share, df["n_available"], df["n_indicators"]):
        ax.text(
            min(float(np.nan_to_num(s)) + 1.5, 92), yi, f"{a}/{n}", va="center", fontsize="small"
        )
    ax.set_xlim(0, 100)
    return _finish_bars(fig, ax, y, df, labels, "indicators with data (%)", title)


def _node_bars(df: pd.DataFrame, values, color):
    """One horizontal bar per node (first node on top), in the report style:
    ``(fig, ax, y)``."""
    set_style()
    y = np.arange(len(df))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(df) + 1.2))
    ax.barh(y, values, color=color, height=0.55)
    return fig, ax, y


def _finish_bars(fig, ax, y, df: pd.DataFrame, labels, xlabel: str, title: str):
    """Node labels on the bars, the axis label and title; returns ``fig``."""
    ax.set_yticks(y, _labels(df["node_id"], labels))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_change(
    change: pd.DataFrame,
    labels: dict[str, str] | None = None,
    title: str = "Change since the previous period",
) -> plt.Figure:
    """Change of each node's score between two periods (tidy: node_id, change).

    Examples
    --------
    >>> fig = plot_change(pd.DataFrame({"node_id": ["a", "b"], "change": [2.5, -1.0]}))
    >>> type(fig).__name__, len(fig.axes), fig.axes[0].get_xlabel()
    ('Figure', 1, 'change in score (points)')
    >>> plt.close(fig)
    """
    df = change.reset_index(drop=True)
    colors = np.where(df["change"] >= 0, _SHARED["positive"], _SHARED["negative"])
    fig, ax, y = _node_bars(df, df["change"], colors)
    ax.axvline(0, color="black", lw=0.8)
    return _finish_bars(fig, ax, y, df, labels, "change in score (points)", title)


def plot_trend(
    data: pd.DataFrame,
    x: str = "year",
    y: str = "value",
    hue: str = "offence",
    title: str = "",
    ylabel: str = "per 100,000 inhabitants",
) -> plt.Figure:
    """Lines of ``y`` over ``x``, one per ``hue`` level, each on its own small panel
    (levels differ by orders of magnitude: compare trends, not levels).

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2019, 2020, 2019, 2020], "value": [1.0, 2.0, 30.0, 28.0],
    ...                   "offence": ["robbery", "robbery", "theft", "theft"]})
    >>> fig = plot_trend(d, title="Offences")
    >>> len(fig.axes), [a.get_visible() for a in fig.axes], fig._suptitle.get_text()
    (3, [True, True, False], 'Offences')
    >>> plt.close(fig)
    """
    set_style()
    levels = list(dict.fromkeys(data[hue]))
    ncol = 3
    nrow = max(1, -(-len(levels) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, 2.4 * nrow), squeeze=False)
    for ax, lev in zip(axes.flat, levels):
        sub = data[data[hue] == lev].sort_values(x)
        ax.plot(sub[x], sub[y], marker="o", ms=3, color=PALETTE["unit"])
        ax.set_title(str(lev), fontsize="small")
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize="x-small")
        if x == "year":
            year_axis(ax, "x")
    for ax in list(axes.flat)[len(levels) :]:
        ax.set_visible(False)
    fig.supylabel(ylabel, fontsize="small")
    fig.supxlabel(x, fontsize="small")
    fig.suptitle(title or f"{ylabel} by {x}")
    fig.tight_layout()
    return fig
