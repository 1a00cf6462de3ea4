"""Figures of the prevention-pyramid mapping: one pyramid, or several side by side.

Part of :mod:`urbansec_lib.analysis.orpheus` (its public face).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .pyramid_coverage import _MEASURE_LABEL, _MEASURES

# ---------------------------------------------------------------------------- figures


def _values(sub: pd.DataFrame, measure: str, relative: bool) -> np.ndarray:
    v = sub[_MEASURES[measure]].to_numpy(dtype=float)
    if relative:
        tot = v.sum()
        v = v / tot if tot > 0 else np.zeros_like(v)
    return v


def _fmt(v: float, measure: str, relative: bool) -> str:
    if relative:
        return f"{v:.0%}"
    if measure == "budget":
        if v >= 1e6:
            return f"EUR {v / 1e6:.1f} m"
        return f"EUR {v / 1e3:.0f} k" if v >= 1e3 else f"EUR {v:.0f}"
    if measure == "reach":
        return f"{v:,.0f} people"
    return f"{v:.0f}"


def _draw(ax: Any, sub: pd.DataFrame, measure: str, relative: bool, xmax: float) -> None:
    sub = sub.sort_values("level", kind="stable")
    v = _values(sub, measure, relative)
    y = np.arange(len(sub))
    cmap = matplotlib.colormaps["RdYlGn_r"]
    colors = cmap(np.linspace(0.12, 0.88, len(sub)))
    ax.barh(y, v, left=-v / 2, height=0.82, color=colors, edgecolor="0.25", linewidth=0.6)
    for yi, vi in zip(y, v):
        txt = _fmt(vi, measure, relative) if vi > 0 else "none"
        ax.text(
            vi / 2 + 0.02 * xmax,
            yi,
            txt,
            va="center",
            ha="left",
            fontsize=8,
            color="0.15" if vi > 0 else "firebrick",
        )
    ax.set_yticks(y, [f"{lv}. {nm}" for lv, nm in zip(sub["level"], sub["layer_name"])])
    ax.set_xlim(-0.5 * xmax * 1.05, 0.5 * xmax * 1.6)
    ax.set_ylim(-0.6, len(sub) - 0.4)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(left=False)
    if measure in ("budget", "reach") and not relative:
        miss = int(sub[f"n_{'budget' if measure == 'budget' else 'reach'}_missing"].sum())
        if miss:
            ax.set_xlabel(f"{miss} initiative(s) without {measure} figure not counted", fontsize=7)


def _unit_rows(coverage: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    sub = coverage[coverage["unit_id"] == unit_id]
    if sub.empty:
        raise ValueError(
            f"unit {unit_id!r} not in coverage; units: {list(coverage.unit_id.unique())}"
        )
    return sub


def plot_pyramid(
    coverage: pd.DataFrame,
    unit_id: str,
    measure: str = "count",
    *,
    relative: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw one unit's prevention pyramid (``title`` default: "<unit_id>: prevention pyramid").

    Layers are stacked bottom (level 1) to top as centred horizontal bars whose width is
    proportional to ``measure``; an empty layer is marked "none".

    Parameters
    ----------
    coverage : DataFrame
        Output of :func:`coverage`.
    unit_id : str
    measure : {"count", "budget", "reach"}
    relative : bool
        Plot each layer's share of the unit's total instead of absolute values.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, one bar per layer.

    Examples
    --------
    >>> from urbansec_lib.analysis.inventory import _DEMO, read_inventory
    >>> from urbansec_lib.analysis.pyramid_coverage import coverage
    >>> from urbansec_lib.analysis.pyramid_rules import classify
    >>> cov = coverage(classify(read_inventory(_DEMO / "BE212_inventory.csv")))
    >>> plot_pyramid(cov, "BE212").axes[0].get_title()
    'BE212: prevention pyramid, bar width = number of initiatives'
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {list(_MEASURES)}, got {measure!r}")
    sub = _unit_rows(coverage, unit_id)
    v = _values(sub, measure, relative)
    xmax = float(v.max()) if v.max() > 0 else 1.0
    fig = Figure(figsize=(6.4, 0.7 * len(sub) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    _draw(ax, sub, measure, relative, xmax)
    what = ("share of " if relative else "") + _MEASURE_LABEL[measure]
    ax.set_title(title or f"{unit_id}: prevention pyramid, bar width = {what}", fontsize=10)
    return fig


def plot_pyramids(
    coverage: pd.DataFrame,
    units: Sequence[str],
    measure: str = "count",
    *,
    relative: bool = False,
    names: dict[str, str] | None = None,
) -> Figure:
    """Side-by-side pyramids for several units, in the order given, on one scale.

    ``names`` maps unit ids to the names shown above each panel.

    Units are drawn exactly in the order of ``units`` (never sorted by any value). All
    panels share the same bar-width scale, so widths compare across units.

    Parameters
    ----------
    coverage : DataFrame
        Output of :func:`coverage`.
    units : sequence of str
        Typically 3-5 unit ids.
    measure : {"count", "budget", "reach"}
    relative : bool
        Compare shares of each unit's total instead of absolute values.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per unit, one bar per layer in each.

    Examples
    --------
    >>> from urbansec_lib.analysis.inventory import _DEMO, read_inventories
    >>> from urbansec_lib.analysis.pyramid_coverage import coverage
    >>> from urbansec_lib.analysis.pyramid_rules import classify
    >>> cov = coverage(classify(read_inventories(_DEMO)))
    >>> [ax.get_title() for ax in plot_pyramids(cov, ["BE212", "ES300"]).axes]
    ['BE212', 'ES300']
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {list(_MEASURES)}, got {measure!r}")
    units = list(units)
    if not units:
        raise ValueError("give at least one unit")
    subs = [_unit_rows(coverage, u) for u in units]
    xmax = max(float(_values(s, measure, relative).max()) for s in subs)
    xmax = xmax if xmax > 0 else 1.0
    n_layers = max(len(s) for s in subs)
    fig = Figure(figsize=(2.6 * len(units) + 1.2, 0.7 * n_layers + 1.6), layout="constrained")
    axes = fig.subplots(1, len(units), sharey=True, squeeze=False)[0]
    for ax, u, s in zip(axes, units, subs):
        _draw(ax, s, measure, relative, xmax)
        ax.set_title(str((names or {}).get(u, u)), fontsize=10)
    what = ("share of " if relative else "") + _MEASURE_LABEL[measure]
    fig.suptitle(f"Prevention pyramids, bar width = {what} (same scale)", fontsize=11)
    return fig
