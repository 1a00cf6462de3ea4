"""Figures of the social-cohesion analysis: within-city changes and coefficients.

Part of :mod:`urbansec_lib.analysis.social_cohesion` (its public face); the
partial-regression plot is in :mod:`~urbansec_lib.analysis.cohesion_robustness`.
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .cohesion_data import SOURCE_PERCEP, _label, _sample  # noqa: E402


# ----------------------------------------------------------------------- figures
def _source_note(fig: plt.Figure, years: Iterable[int], extra: str = "") -> None:
    ys = ", ".join(str(int(y)) for y in sorted(set(years)))
    text = f"Source: {SOURCE_PERCEP}, waves {ys}." + (f" {extra}" if extra else "")
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, wrap=True)


def plot_within_changes(
    panel: pd.DataFrame, outcome: str = "safe_city", exposure: str = "trust_city"
) -> plt.Figure:
    """Each city's move from wave to wave in (exposure, outcome), as arrows.

    One panel per pair of consecutive waves; arrows start at the earlier wave. Cities are
    not labelled (no ranking); the colour says whether both moved the same way.

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> fig = plot_within_changes(p)
    >>> [ax.get_title() for ax in fig.axes]
    ['2012 to 2015', '2015 to 2019']
    >>> plt.close(fig)
    """
    from ..presentation.plots import set_style

    set_style()
    d = _sample(panel, [outcome, exposure]).sort_values(["city", "year"])
    nxt = d.groupby("city")[["year", exposure, outcome]].shift(-1)
    seg = d.assign(year2=nxt["year"], x2=nxt[exposure], y2=nxt[outcome]).dropna(subset=["year2"])
    seg["year2"] = seg["year2"].astype(int)
    pairs = sorted(set(zip(seg["year"], seg["year2"])))
    fig, axes = plt.subplots(
        1,
        max(len(pairs), 1),
        figsize=(5.2 * max(len(pairs), 1), 4.6),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for ax, (y1, y2) in zip(axes[0], pairs):
        s = seg[(seg["year"] == y1) & (seg["year2"] == y2)]
        same = np.sign(s["x2"] - s[exposure]) == np.sign(s["y2"] - s[outcome])
        for ok, colour, lab in (
            (True, "#1b6ca8", "both rose or both fell"),
            (False, "#c0504d", "moved in opposite directions"),
        ):
            t = s[same == ok]
            ax.quiver(
                t[exposure],
                t[outcome],
                t["x2"] - t[exposure],
                t["y2"] - t[outcome],
                angles="xy",
                scale_units="xy",
                scale=1,
                width=0.004,
                color=colour,
                alpha=0.75,
                label=f"{lab} ({len(t)} cities)",
            )
        ax.set_title(f"{y1} to {y2}")
        ax.set_xlabel(f"{_label(exposure)}")
        ax.legend(loc="lower right", fontsize=8)
    axes[0][0].set_ylabel(_label(outcome))
    allx = pd.concat([seg[exposure], seg["x2"]])
    ally = pd.concat([seg[outcome], seg["y2"]])
    if len(allx):
        axes[0][0].set_xlim(allx.min() - 3, allx.max() + 3)
        axes[0][0].set_ylim(ally.min() - 3, ally.max() + 3)
    fig.suptitle("How trust and feeling safe moved within each city, wave to wave")
    fig.tight_layout()
    _source_note(fig, d["year"], "One arrow per city, from the earlier to the later wave.")
    return fig


def plot_coefficients(table: pd.DataFrame) -> plt.Figure:
    """Estimates with 95 % intervals, one row per specification, in the table's order.

    Examples
    --------
    >>> t = pd.DataFrame({"spec": ["Within", "Between"], "design": ["within", "between"],
    ...                   "estimate": [0.5, 0.8], "ci_low": [0.2, 0.4], "ci_high": [0.8, 1.2],
    ...                   "n_obs": [215, 80], "years": ["2009, 2012, 2015", "2015"]})
    >>> fig = plot_coefficients(t)
    >>> type(fig).__name__, len(fig.axes[0].get_yticklabels())
    ('Figure', 2)
    >>> plt.close(fig)
    """
    from ..presentation.plots import set_style

    set_style()
    t = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.6))
    y = np.arange(len(t))[::-1]
    colours = np.where(t["design"] == "within", "#1b6ca8", "#7f7f7f")
    ax.hlines(y, t["ci_low"], t["ci_high"], colors=colours, lw=1.8)
    ax.scatter(t["estimate"], y, c=colours, zorder=3)
    ax.axvline(0, color="#3d3d3d", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{s} (n={n})" for s, n in zip(t["spec"], t["n_obs"])], fontsize=8)
    ax.set_xlabel(
        "Change in outcome per 1-point change in exposure\n"
        "(percentage points; log points x 100 for crime), with 95 % interval"
    )
    ax.set_title("Association of social cohesion with (feeling) safe, across specifications")
    years = sorted({int(v) for ys in t["years"] for v in str(ys).split(", ") if v})
    _source_note(
        fig,
        years,
        "Blue: within cities (city and wave fixed effects); grey: between "
        "cities or one wave. Crime: Eurostat crim_gen_reg. Specifications in a fixed order.",
    )
    fig.tight_layout()
    return fig
