"""The one figure style shared by every study: palette, titles, axis labels, year ticks.

* :data:`PALETTE` / :data:`CATEGORICAL`: the Okabe-Ito colour-blind-safe palette (Okabe &
  Ito 2008, "Color Universal Design"), used by every study.
* :func:`apply`: the seaborn/matplotlib theme with that palette as the colour cycle.
* :func:`finish`: title, axis labels with units and integer year ticks in one call.
* :func:`title_of` / :func:`problems`: what :func:`urbansec_lib.reports.show_figure` puts in
  the caption, and what a figure still lacks (no title, an unlabelled axis, an internal
  name as a label, fractional years).

Example
-------
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([2007, 2008, 2009], [3, 4, 5])
>>> problems(fig)
['no title', 'x axis without a label', 'y axis without a label']
>>> finish(ax, "Offences in Madrid", xlabel="year", ylabel="per 100,000 inhabitants",
...        years="x")
>>> problems(fig), title_of(fig)
([], 'Offences in Madrid')
>>> plt.close(fig)
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

__all__ = [
    "PALETTE",
    "CATEGORICAL",
    "apply",
    "finish",
    "relabel",
    "year_axis",
    "title_of",
    "problems",
]

#: Okabe-Ito colours by role (colour-blind safe; black/grey for reference marks).
PALETTE = {
    "unit": "#0072B2",  # blue: this unit / treated
    "comparison": "#E69F00",  # orange: comparison / control
    "peers": "#B9D3E8",  # light blue band: peers' middle half
    "median": "#333333",  # near black: medians, reference lines
    "positive": "#009E73",  # bluish green: improvement
    "negative": "#D55E00",  # vermillion: deterioration
    "neutral": "#999999",
    "highlight": "#CC79A7",  # reddish purple
    "extra": "#56B4E9",  # sky blue
    "yellow": "#F0E442",
}
#: Categorical cycle (Okabe-Ito order, black last).
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
               "#000000"]  # fmt: skip
#: Sequential colour map for counts (perceptually uniform, colour-blind safe).
SEQUENTIAL = "cividis"

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def apply() -> None:
    """Apply the report theme (seaborn whitegrid, Okabe-Ito colour cycle).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> apply()
    >>> plt.rcParams["axes.titleweight"], plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
    ('bold', '#0072B2')
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95, palette=CATEGORICAL)
    plt.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=CATEGORICAL)
    plt.rcParams["axes.titlesize"] = "medium"
    plt.rcParams["axes.titleweight"] = "bold"
    plt.rcParams["figure.titleweight"] = "bold"


def year_axis(ax, axis: str = "x") -> None:
    """Integer ticks (years) on ``axis`` ("x" or "y"): never 2007.5.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2007, 2008, 2009], [3, 4, 5])
    >>> year_axis(ax, "x")
    >>> all(float(t).is_integer() for t in ax.get_xticks())
    True
    >>> plt.close(fig)
    """
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True))
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:.0f}")
    target.set_major_formatter(fmt)


def finish(
    ax,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    years: str | None = None,
) -> None:
    """Set a title and axis labels (with units) and make year axes integer.

    ``years`` is "x", "y" or None: the axis that carries years.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> finish(ax, "Offences", xlabel="year", ylabel="per 100,000 inhabitants", years="x")
    >>> ax.get_title(), ax.get_xlabel()
    ('Offences', 'year')
    >>> plt.close(fig)
    """
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if years:
        year_axis(ax, years)


def title_of(fig) -> str:
    """The figure's title: its suptitle, else its axes' titles joined.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, axes = plt.subplots(1, 2)
    >>> _ = axes[0].set_title("Crime"); _ = axes[1].set_title("Perception")
    >>> title_of(fig)
    'Crime; Perception'
    >>> _ = fig.suptitle("Madrid")
    >>> title_of(fig)
    'Madrid'
    >>> plt.close(fig)
    """
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return sup.get_text().strip()
    titles = [a.get_title().strip() for a in fig.axes if a.get_visible() and a.get_title()]
    if len(titles) == 1:
        return titles[0]
    return "; ".join(dict.fromkeys(titles))


def problems(fig) -> list[str]:
    """What a figure still lacks for a reader (empty list: nothing).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2], [3, 4]); _ = ax.set_title("T"); _ = ax.set_xlabel("ci_low")
    >>> problems(fig)
    ['y axis without a label', "internal name 'ci_low' as a label"]
    >>> plt.close(fig)
    """
    out = []
    if not title_of(fig):
        out.append("no title")
    main = [a for a in fig.axes if a.get_visible() and a.has_data()]
    sup_x = getattr(fig, "_supxlabel", None)
    sup_y = getattr(fig, "_supylabel", None)
    if main and not any(a.get_xlabel() for a in main) and not (sup_x and sup_x.get_text()):
        if any(a.xaxis.get_visible() and a.get_xticks().size for a in main):
            out.append("x axis without a label")
    if main and not any(a.get_ylabel() for a in main) and not (sup_y and sup_y.get_text()):
        if any(a.yaxis.get_visible() and a.get_yticks().size for a in main):
            out.append("y axis without a label")
    for a in main:
        for text in (a.get_xlabel(), a.get_ylabel(), a.get_title()):
            for m in _SNAKE.findall(text or ""):
                out.append(f"internal name {m!r} as a label")
    return out


def relabel(
    fig,
    labels: dict | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: dict | None = None,
    years: str | None = None,
):
    """Readable labels on an existing figure (for plots made elsewhere); returns ``fig``.

    ``labels`` maps tick labels (ids such as ``quality_of_life``) to readable labels on
    every axis; ``legend`` maps legend entries; ``title``/``xlabel``/``ylabel`` apply to
    the first axes; ``years`` ("x"/"y") makes that axis integer on every axes.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.barh([0, 1], [3, 4]); _ = ax.set_yticks([0, 1], ["ci_low", "n_items"])
    >>> _ = relabel(fig, {"ci_low": "Lower bound"}, title="T", xlabel="x (unit)")
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_title()
    (['Lower bound', 'n items'], 'T')
    >>> plt.close(fig)
    """
    from .present import humanise

    def _map(s: str) -> str:
        if labels and s in labels:
            return labels[s]
        return humanise(s) if _SNAKE.fullmatch(s or "") else s

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_ticklabels()
            texts = [t.get_text() for t in ticks]
            if any(texts) and any(_map(s) != s for s in texts):
                axis.set_ticks(axis.get_ticklocs(), [_map(s) for s in texts])
        leg = ax.get_legend()
        if leg is not None:
            for txt in leg.get_texts():
                s = txt.get_text()
                txt.set_text((legend or {}).get(s, _map(s)))
        if years:
            year_axis(ax, years)
    if fig.axes:
        sup = getattr(fig, "_suptitle", None)
        if title is not None and sup is not None and sup.get_text():
            sup.set_text(title)
            title = None
        finish(fig.axes[0], title, xlabel=xlabel, ylabel=ylabel)
    return fig
