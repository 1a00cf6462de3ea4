"""Cross-city synthesis: peer learning across all units, never a league table.

Functions over a scored :class:`~urbansec_lib.scoring.Profile` and peer groups:

* :func:`group_distribution` - each peer group's distribution per dimension;
* :func:`partner_network` - for every unit, the peers strong where it is weak;
* :func:`common_gaps` - data gaps and weak spots shared by many units of a group;
* :func:`plot_group_distributions` - the distributions side by side.

Units and groups are listed alphabetically or by group label; nothing is sorted by score.

Example
-------
>>> import pandas as pd
>>> sc = pd.DataFrame({"unit_id": list("ABCD"), "period": 2025, "node_id": "d", "level": 2,
...                    "score": [10.0, 20.0, 30.0, 40.0]})
>>> g = pd.Series([1, 1, 1, 2], index=list("ABCD"))
>>> group_distribution(sc, g, nodes=["d"])[["median", "withheld"]].values.tolist()
[[20.0, False], [nan, True]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import peers

__all__ = [
    "MIN_UNITS",
    "group_distribution",
    "partner_network",
    "common_gaps",
    "plot_group_distributions",
]

#: Fewest units a published distribution may be computed over.
MIN_UNITS = peers.MIN_PEERS


def _scores(profile, nodes: list[str] | None, period) -> pd.DataFrame:
    sc = profile.scores if hasattr(profile, "scores") else profile
    if "period" in sc:
        period = sc["period"].max() if period is None else period
        sc = sc[sc["period"] == period]
    if nodes is not None:
        sc = sc[sc["node_id"].isin(nodes)]
    return sc


def group_distribution(
    profile, groups: pd.Series, nodes: list[str] | None = None, period=None
) -> pd.DataFrame:
    """Per peer group and node: n, quartiles, min and max of the scores (latest period).

    Returns a tidy frame ordered by group label, then by ``nodes`` order. Where fewer than
    :data:`MIN_UNITS` units have a score, the statistics are withheld (missing, and
    ``withheld`` is true): a "distribution" of one or two units is their scores.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> groups = pd.Series([1, 1, 1, 1, 2, 2, 2, 2], index=units)
    >>> d = group_distribution(prof, groups, nodes=["quality_of_life"])
    >>> d[["group", "n", "withheld"]].values.tolist()
    [[1, 4, False], [2, 4, False]]
    """
    sc = _scores(profile, nodes, period)
    sc = sc.assign(group=sc["unit_id"].map(groups)).dropna(subset=["group", "score"])
    out = (
        sc.groupby(["group", "node_id"])["score"]
        .agg(
            n="count",
            min="min",
            q25=lambda s: s.quantile(0.25),
            median="median",
            q75=lambda s: s.quantile(0.75),
            max="max",
        )
        .reset_index()
    )
    # a distribution over fewer than MIN_UNITS units reveals their scores: withheld
    few = out["n"] < MIN_UNITS
    out.loc[few, ["min", "q25", "median", "q75", "max"]] = np.nan
    out["withheld"] = few.to_numpy()
    if nodes is not None:
        order = {n: i for i, n in enumerate(nodes)}
        out = (
            out.assign(_o=out["node_id"].map(order)).sort_values(["group", "_o"]).drop(columns="_o")
        )
    return out.reset_index(drop=True)


def partner_network(
    profile,
    groups: pd.Series,
    nodes: list[str] | None = None,
    min_gap: float = 10.0,
    n_partners: int | None = None,
    period=None,
) -> pd.DataFrame:
    """Learning partners of every unit (see :func:`urbansec_lib.peers.learning_partners`).

    Returns unit_id, node_id, partner_id, gap, indicators; units alphabetical.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> groups = pd.Series(1, index=units)
    >>> net = partner_network(prof, groups, nodes=["quality_of_life"], min_gap=5)
    >>> list(net.columns)
    ['unit_id', 'node_id', 'partner_id', 'gap', 'indicators']
    """
    sc = _scores(profile, nodes, period)
    frames = []
    for u in sorted(set(sc["unit_id"]) & set(groups.index)):
        lp = peers.learning_partners(
            profile, u, groups, nodes=nodes, min_gap=min_gap, n_partners=n_partners, period=period
        )
        if len(lp):
            frames.append(lp.assign(unit_id=u))
    cols = ["unit_id", "node_id", "partner_id", "gap", "indicators"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _group_gap(gap: str, group: Any, subject: str, hit: pd.Series) -> dict:
    """One row of :func:`common_gaps`: the share and the names of the units hit."""
    return {
        "gap": gap,
        "group": group,
        "subject": subject,
        "share_of_units": float(hit.mean()),
        "units": ", ".join(hit.index[hit]),
    }


def common_gaps(
    profile, groups: pd.Series, nodes: list[str], fw=None, share: float = 0.5, period=None
) -> pd.DataFrame:
    """Gaps shared by at least ``share`` of a peer group's units.

    Two kinds: ``data`` - a node for which that share of the group's units have no score
    (and, with ``fw``, indicators missing for that share of all units); ``weak spot`` - a
    node where that share of the group's units score below the median of all units.

    Returns gap, group, node_id / indicator_id, share_of_units, units (alphabetical).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> groups = pd.Series([1, 1, 1, 1, 2, 2, 2, 2], index=units)
    >>> g = common_gaps(prof, groups, nodes=["quality_of_life", "social_cohesion"])
    >>> set(g["gap"]) <= {"data", "weak spot"}
    True
    """
    sc = _scores(profile, nodes, period)
    wide = sc.pivot_table(index="unit_id", columns="node_id", values="score", dropna=False)
    wide = wide.reindex(index=sorted(set(groups.index) | set(wide.index)))
    overall = wide.median()
    rows = []
    for g, members in groups.groupby(groups):
        m = wide.reindex(sorted(members.index))
        for node in nodes:
            if node not in m:
                continue
            missing = m[node].isna()
            if missing.mean() >= share:
                rows.append(_group_gap("data", g, node, missing))
            below = m[node] < overall[node]
            if below.mean() >= share and missing.mean() < share:
                rows.append(_group_gap("weak spot", g, node, below))
    if fw is not None and hasattr(profile, "indicators"):
        ind = profile.indicators
        if "period" in ind:
            ind = ind[ind["period"] == (ind["period"].max() if period is None else period)]
        avail = ind.assign(ok=ind["raw"].notna()).pivot_table(
            index="unit_id", columns="indicator_id", values="ok", aggfunc="max"
        )
        miss = (
            1
            - avail.reindex(columns=[i.id for i in fw.indicators])
            .fillna(False)
            .astype(float)
            .mean()
        )
        for iid, m in miss[miss >= share].items():
            rows.append(
                {
                    "gap": "indicator data",
                    "group": "all",
                    "subject": iid,
                    "share_of_units": float(m),
                    "units": "",
                }
            )
    return pd.DataFrame(rows, columns=["gap", "group", "subject", "share_of_units", "units"])


def plot_group_distributions(
    profile, groups: pd.Series, nodes: list[str], labels: dict[str, str] | None = None, period=None
) -> Figure:
    """Scores per node for each peer group: every unit as a dot, the group median as a bar.

    Nodes in the given order, groups by label; units are not named (this is a
    distribution, not a league table).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> groups = pd.Series([1, 1, 1, 1, 2, 2, 2, 2], index=units)
    >>> fig = plot_group_distributions(prof, groups, nodes=["quality_of_life"])
    >>> type(fig).__name__
    'Figure'
    """
    sc = _scores(profile, nodes, period)
    sc = sc.assign(group=sc["unit_id"].map(groups)).dropna(subset=["group", "score"])
    gl = sorted(sc["group"].unique())
    fig = Figure(figsize=(9, 0.7 * len(nodes) + 1.6))
    ax = fig.subplots()
    colours = ["#1b6ca8", "#e07b00", "#2e7d32", "#8e24aa", "#c62828", "#00838f"]
    height = 0.8 / max(len(gl), 1)
    for gi, g in enumerate(gl):
        sub = sc[sc["group"] == g]
        for ni, node in enumerate(nodes):
            y = len(nodes) - 1 - ni + (gi - (len(gl) - 1) / 2) * height
            vals = sub.loc[sub["node_id"] == node, "score"].to_numpy()
            if len(vals) < MIN_UNITS:  # withheld: too few units to show a distribution
                continue
            jitter = (np.arange(len(vals)) % 5 - 2) * height * 0.12
            ax.scatter(
                vals,
                y + jitter,
                s=18,
                color=colours[gi % len(colours)],
                alpha=0.7,
                label=f"peer group {g}" if ni == 0 else None,
            )
            ax.plot(
                [np.median(vals)] * 2,
                [y - height * 0.45, y + height * 0.45],
                color=colours[gi % len(colours)],
                lw=3,
            )
    ax.set_yticks(np.arange(len(nodes))[::-1], [labels.get(n, n) if labels else n for n in nodes])
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (0-100); dots are units, bars the group median")
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=max(min(len(gl), 4), 1), frameon=False
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
