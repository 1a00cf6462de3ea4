"""One unit's section of the social-cohesion report: trajectory, its table and figure, text.

Part of :mod:`urbansec_lib.analysis.social_cohesion` (its public face).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..methods.omitted_variable import RobustnessValue  # noqa: E402
from .cohesion_data import ITEMS  # noqa: E402
from .cohesion_figures import _source_note  # noqa: E402
from .cohesion_fit import CohesionEstimate  # noqa: E402
from .cohesion_panel import CohesionData  # noqa: E402


# ----------------------------------------------------------------------- unit section
def unit_trajectory(
    panel: pd.DataFrame, city: str | None, items: Sequence[str] = ("trust_city", "safe_city")
) -> pd.DataFrame:
    """A city's values per wave next to its peers (same size class) and all cities.

    Peers are the other panel cities of the city's size class (``size_class_city``, or all
    cities where it has none). No position or rank is computed: the peers' median and
    interquartile range are given beside the city's own value.

    Returns
    -------
    DataFrame
        ``year, item, value, peer_q25, peer_median, peer_q75, n_peers``; empty when the city
        has no urb_percep data.

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> t = unit_trajectory(p, "C01")
    >>> t[["year", "item", "n_peers", "peer_group"]].head(2).values.tolist()
    [[2012, 'trust_city', 14, 'under 250,000'], [2015, 'trust_city', 14, 'under 250,000']]
    >>> unit_trajectory(p, "nowhere").empty
    True
    """
    if not city or city not in set(panel["city"]):
        return pd.DataFrame(
            columns=["year", "item", "value", "peer_q25", "peer_median", "peer_q75", "n_peers"]
        )
    own = panel[panel["city"] == city]
    cls = (
        own["size_class_city"].dropna().iloc[0]
        if "size_class_city" in own and own["size_class_city"].notna().any()
        else None
    )
    peers = panel[panel["city"] != city]
    if cls is not None:
        peers = peers[peers["size_class_city"] == cls]
    rows = []
    for item in items:
        for _, r in own.dropna(subset=[item]).iterrows():
            pv = peers.loc[peers["year"] == r["year"], item].dropna()
            rows.append(
                {
                    "year": int(r["year"]),
                    "item": item,
                    "value": float(r[item]),
                    "peer_q25": pv.quantile(0.25) if len(pv) >= 3 else np.nan,
                    "peer_median": pv.median() if len(pv) >= 3 else np.nan,
                    "peer_q75": pv.quantile(0.75) if len(pv) >= 3 else np.nan,
                    "n_peers": int(len(pv)),
                    "peer_group": cls or "all cities",
                }
            )
    return pd.DataFrame(rows)


def trajectory_table(traj: pd.DataFrame) -> pd.DataFrame:
    """Readable wide form of :func:`unit_trajectory`: one row per wave (years ascending).

    Example
    -------
    >>> t = pd.DataFrame({"year": [2012, 2012], "item": ["trust_city", "safe_city"],
    ...                   "value": [50.0, 70.0], "peer_median": [45.0, 72.0]})
    >>> trajectory_table(t).columns.tolist()[:2]
    ['Trust (% agree): this city', "Trust (% agree): peers' median"]
    """
    names = {"trust_city": "Trust (% agree)", "safe_city": "Feel safe in the city (% agree)"}
    cols = {}
    for item in [i for i in names if i in set(traj["item"])]:
        sub = traj[traj["item"] == item].set_index("year").sort_index()
        cols[f"{names[item]}: this city"] = sub["value"]
        cols[f"{names[item]}: peers' median"] = sub["peer_median"]
    out = pd.DataFrame(cols)
    out.index = out.index.astype(int)
    out.index.name = "wave"
    return out.sort_index()


def plot_unit_trajectory(traj: pd.DataFrame, name: str) -> plt.Figure:
    """The unit's trust and feeling safe wave to wave (arrows) against its peers' medians.

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> fig = plot_unit_trajectory(unit_trajectory(p, "C01"), "City one")
    >>> type(fig).__name__, fig.axes[0].get_title()
    ('Figure', 'Trust and feeling safe in City one, wave to wave, against peers')
    >>> plt.close(fig)
    """
    from ..presentation.plots import set_style

    set_style()
    w = traj.pivot_table(index="year", columns="item", values=["value", "peer_median"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for kind, colour, lab in (
        ("value", "#1b6ca8", name),
        ("peer_median", "#7f7f7f", "peers' median"),
    ):
        if kind not in w or "trust_city" not in w[kind] or "safe_city" not in w[kind]:
            continue
        pts = w[kind][["trust_city", "safe_city"]].dropna()
        ax.plot(pts["trust_city"], pts["safe_city"], "o", color=colour, label=lab)
        for (_, a), (_, b) in zip(pts.iloc[:-1].iterrows(), pts.iloc[1:].iterrows()):
            ax.annotate(
                "",
                xy=(b["trust_city"], b["safe_city"]),
                xytext=(a["trust_city"], a["safe_city"]),
                arrowprops={"arrowstyle": "->", "color": colour},
            )
        for y, r in pts.iterrows():
            ax.annotate(
                str(int(y)),
                (r["trust_city"], r["safe_city"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
                color=colour,
            )
    ax.set_xlabel(ITEMS["trust_city"].label)
    ax.set_ylabel(ITEMS["safe_city"].label)
    ax.set_title(f"Trust and feeling safe in {name}, wave to wave, against peers")
    ax.legend(fontsize=8)
    both = traj.pivot_table(index="year", columns="item", values="value").dropna()
    _source_note(fig, both.index, f"Peers: {traj['peer_group'].iloc[0]}.")
    fig.tight_layout()
    return fig


def design_statement(est: CohesionEstimate, rv: RobustnessValue | None = None) -> str:
    """What the design can and cannot say (Markdown).

    Examples
    --------
    >>> from urbansec_lib.analysis.cohesion_fit import fit_within
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> text = design_statement(fit_within(p, "safe_city", "trust_city"))
    >>> text.startswith("**What this can say.** Across the 30 cities"), "not a causal" in text
    (True, True)
    """
    ys = ", ".join(str(y) for y in est.years)
    txt = (
        f"**What this can say.** Across the {est.n_units} cities with both questions in the "
        f"waves {ys}, "
        "the within-city estimate describes whether cities where the share trusting "
        "most people rose also saw the share feeling safe rise, net of everything about a "
        "city that does not change between waves and of what all cities shared in a wave. "
        "It is an association between city-level shares.\n\n"
        "**What it cannot say.** It is not an individual effect: nothing here shows that a "
        "person who trusts others feels safer (that would be the ecological fallacy). It is "
        "not a causal effect: trust was not assigned, anything that moves both shares within "
        "a city between waves (a local event, economic change, a change in who answers) can "
        "produce the association, and safety may as well drive trust. With three waves at "
        "most per city, changes are short and measured with sampling error (a few hundred "
        "respondents per city and wave), which biases the estimate towards zero. "
        "Recorded crime is that of the NUTS 3 region, often larger than the city, and "
        "recording practice differs between countries. A causal claim would need a design "
        "that supports one (e.g. an intervention on cohesion with a comparison group)."
    )
    if rv is not None:
        txt += "\n\n**Omitted variables.** " + rv.summary()
    return txt


def unit_section(cdata: CohesionData, unit: dict) -> tuple[str, pd.DataFrame, plt.Figure | None]:
    """The city report's section: how the unit's trust and feeling safe moved against peers.

    Parameters
    ----------
    cdata : CohesionData
    unit : dict
        Registry row of the unit (``urau_code``, ``name``).

    Returns
    -------
    (str, DataFrame, Figure or None)
        Markdown text, the :func:`unit_trajectory` table and its figure (None without data).

    Examples
    --------
    >>> from urbansec_lib.demo.cohesion import simulate_panel
    >>> p = simulate_panel()  # 30 cities x 3 waves, 5 countries (simulated)
    >>> cdata = CohesionData(panels={"agree": p}, labels=pd.DataFrame())
    >>> text, traj, fig = unit_section(cdata, {"urau_code": "C01", "name": "City one"})
    >>> text.split(". ")[0]  # doctest: +ELLIPSIS
    'Share of residents of City one who agree most people in the city can be trusted, ...
    >>> len(traj), type(fig).__name__
    (6, 'Figure')
    >>> plt.close(fig)
    >>> unit_section(cdata, {"urau_code": "", "name": "Elsewhere"})[2] is None
    True
    """
    code = unit.get("urau_code")
    code = code if isinstance(code, str) and code else None
    traj = unit_trajectory(cdata.panel, code)
    if traj.empty:
        return (
            f"_{unit.get('name', 'This unit')} has no Eurostat urb_percep data (the Quality of "
            "Life in European Cities survey covers selected cities, identified by an Urban "
            "Audit city code): this section cannot be shown._",
            traj,
            None,
        )
    t = traj.pivot_table(index="year", columns="item", values="value")
    text = (
        f"Share of residents of {unit.get('name')} who agree most people in the city can be "
        "trusted, and who feel safe in the city, in each Quality of Life survey wave, next to "
        f"the median of its peers ({traj['peer_group'].iloc[0]}, "
        f"{int(traj['n_peers'].max())} other cities). "
    )
    both = t.dropna()
    if len(both) >= 2:
        a, b = both.index[-2], both.index[-1]
        d_tr = both.loc[b, "trust_city"] - both.loc[a, "trust_city"]
        d_sf = both.loc[b, "safe_city"] - both.loc[a, "safe_city"]
        text += (
            f"Between {a} and {b}, trust moved {d_tr:+.1f} points and feeling safe "
            f"{d_sf:+.1f} points. Across all cities the study finds that, within a city, "
            "the two tend to move together; this is an association between city shares, "
            "not an effect."
        )
    text += (
        " Levels shift between 2009 and 2012 in most cities (the survey changed contractor), "
        "so read a move against the peers' median, which shifts too."
    )
    return text, traj, plot_unit_trajectory(traj, unit.get("name", code))
