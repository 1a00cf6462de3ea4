"""The self-assessment study against its peers: position, partners, comparators, funding.

Readable tables and sentences from :func:`urbansec_lib.peers.position` and the learning
partners, in framework order (never ordered by score).

Example
-------
>>> import pandas as pd
>>> pos = pd.DataFrame({"node_id": ["quality_of_life", "social_cohesion"],
...                     "score": [40.0, 80.0], "peer_median": [55.0, 60.0]})
>>> weak_dimensions(pos)
['quality_of_life']
"""

from __future__ import annotations

import pandas as pd

from ..model.framework import Framework
from .sa_basics import node_labels

__all__ = [
    "peer_text",
    "profile_alt_text",
    "position_table",
    "partners_table",
    "key_findings",
    "weak_dimensions",
    "funding_table",
    "group_members",
    "network_table",
    "comparators",
    "comparators_text",
]


def peer_text(unit_id: str, groups: pd.Series, units: pd.DataFrame) -> str:
    """Markdown sentence naming the unit's peer group members (alphabetical).

    Examples
    --------
    >>> import pandas as pd
    >>> groups = pd.Series({"A": 1, "B": 1, "C": 2, "D": 1})
    >>> units = pd.DataFrame({"unit_id": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"]})
    >>> peer_text("A", groups, units)
    'Peer group 1 of 2: 2 peers alike in context: Beta (`B`), D (`D`).'
    """
    g = groups.loc[unit_id]
    members = groups.index[(groups == g) & (groups.index != unit_id)]
    names = (
        units.set_index("unit_id")
        .reindex(members)["name"]
        .fillna(pd.Series(members, index=members))
    )
    listing = ", ".join(sorted(f"{n} (`{u}`)" for u, n in names.items()))
    return (
        f"Peer group {g} of {groups.attrs.get('k', groups.nunique())}: {len(members)} peers "
        f"alike in context: {listing}."
    )


def profile_alt_text(name: str, pos: pd.DataFrame, fw: Framework) -> str:
    """Alt text for the profile figure: each dimension's score and band, in words.

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> pos = pd.DataFrame({"node_id": ["quality_of_life", "social_cohesion"],
    ...                     "score": [40.2, None], "band": ["lower quarter of peers", None]})
    >>> profile_alt_text("Madrid", pos, us.load_framework())
    'Dimension scores of Madrid against its peers: Quality of life 40 (lower quarter of peers)'
    """
    labels = node_labels(fw)
    parts = [
        f"{labels.get(r.node_id, r.node_id)} {r.score:.0f} ({r.band})"
        for r in pos.itertuples()
        if pd.notna(r.score)
    ]
    return f"Dimension scores of {name} against its peers: " + "; ".join(parts)


def position_table(pos: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """The unit's position per dimension in readable form (framework order).

    Dimensions without a score (too few indicators with data) are left out and named in
    ``attrs["note"]``; scores are rounded to one decimal, the peers' middle half is written
    "q25 - q75".

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> pos = pd.DataFrame({"node_id": ["social_cohesion", "quality_of_life"],
    ...                     "score": [80.04, None], "peer_median": [60.0, 55.0],
    ...                     "peer_q25": [50.0, 40.0], "peer_q75": [70.0, 65.0],
    ...                     "band": ["upper quarter of peers", None]})
    >>> t = position_table(pos, us.load_framework())
    >>> t.reset_index().values.tolist()
    [['Social cohesion', 80.0, 60.0, '50.0 - 70.0', 'upper quarter of peers', 'peer group']]
    >>> t.attrs["note"]
    'No score for Quality of life: fewer than half of the indicators have data for this unit.'
    """
    from ..presentation.present import fmt_score

    labels = node_labels(fw)
    order = {d.id: i for i, d in enumerate(fw.nodes)}
    df = pos.assign(_o=pos["node_id"].map(order)).sort_values("_o")
    none = df["score"].isna()
    out = pd.DataFrame(
        {
            "dimension": df["node_id"].map(labels),
            "score (0-100)": df["score"].round(1),
            "peers' median": df["peer_median"].round(1),
            "peers' middle half": [
                f"{fmt_score(a)} - {fmt_score(b)}" if pd.notna(a) and pd.notna(b) else pd.NA
                for a, b in zip(df["peer_q25"], df["peer_q75"])
            ],
            "position": df["band"],
            "compared with": df.get("compared_with", "peer group"),
        }
    )[~none.to_numpy()].set_index("dimension")
    if none.any():
        names = ", ".join(df.loc[none, "node_id"].map(labels))
        out.attrs["note"] = (
            f"No score for {names}: fewer than half of the indicators have data for this unit."
        )
    return out


def partners_table(partners: pd.DataFrame, fw: Framework, units: pd.DataFrame) -> pd.DataFrame:
    """Learning partners with readable dimension, partner and indicator names.

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> partners = pd.DataFrame({"node_id": ["social_cohesion"], "partner_id": ["B"],
    ...                          "gap": [12.34], "indicators": ["sc_ce_willing_help"]})
    >>> units = pd.DataFrame({"unit_id": ["B"], "name": ["Beta"]})
    >>> partners_table(partners, us.load_framework(), units).iloc[0, :2].tolist()
    ['Social cohesion', 'Beta (B)']
    """
    if partners.empty:
        return pd.DataFrame(
            {
                "note": [
                    "No peer is clearly stronger in a dimension where this unit is below its peers' median."
                ]
            }
        )
    labels = node_labels(fw)
    names = units.set_index("unit_id")["name"]
    order = {d.id: i for i, d in enumerate(fw.nodes)}
    df = partners.assign(_o=partners["node_id"].map(order)).sort_values(["_o", "partner_id"])
    return pd.DataFrame(
        {
            "dimension": df["node_id"].map(labels),
            "learning partner": df["partner_id"].map(names).fillna(df["partner_id"])
            + " ("
            + df["partner_id"]
            + ")",
            "difference (points)": df["gap"].round(1),
            "indicators that differ most": df["indicators"].map(
                lambda s: "; ".join(labels.get(i, i) for i in s.split(",") if i)
            ),
        }
    ).reset_index(drop=True)


def key_findings(
    unit: dict,
    pos: pd.DataFrame,
    fw: Framework,
    partners: pd.DataFrame | None = None,
    change: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
) -> list[str]:
    """A few generated sentences saying what the numbers show for this unit (no ranking).

    Example
    -------
    >>> import pandas as pd
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> pos = pd.DataFrame({"node_id": ["quality_of_life", "social_cohesion"],
    ...                     "score": [40.0, 80.0], "peer_median": [55.0, 60.0],
    ...                     "band": ["lower quarter of peers", "upper quarter of peers"]})
    >>> print(key_findings({"name": "Madrid"}, pos, fw)[0])
    Madrid is below its peers' median in 1 of 2 scored dimensions: Quality of life (40.0 against a median of 55.0).
    """
    from ..presentation.present import fmt_score

    labels = node_labels(fw)
    name = unit.get("name", unit.get("unit_id", "The unit"))
    scored = pos[pos["score"].notna() & pos["peer_median"].notna()]
    below = scored[scored["score"] < scored["peer_median"]]
    above = scored[scored["score"] >= scored["peer_median"]]
    out = []
    if len(below):
        items = ", ".join(
            f"{labels.get(r.node_id, r.node_id)} ({fmt_score(r.score)} against a median of "
            f"{fmt_score(r.peer_median)})"
            for r in below.itertuples()
        )
        out.append(
            f"{name} is below its peers' median in {len(below)} of {len(scored)} scored "
            f"dimensions: {items}."
        )
    else:
        out.append(
            f"{name} is not below its peers' median in any of its {len(scored)} scored dimensions."
        )
    if len(above):
        out.append(
            "At or above the peers' median: "
            + ", ".join(labels.get(n, n) for n in above["node_id"])
            + "."
        )
    missing = pos.loc[pos["score"].isna(), "node_id"]
    if len(missing):
        out.append(
            "No score (too few indicators with data): "
            + ", ".join(labels.get(n, n) for n in missing)
            + "."
        )
    if partners is not None and len(partners):
        n = partners["partner_id"].nunique()
        out.append(
            f"{n} peer(s) clearly stronger in a weaker dimension are suggested as "
            "learning partners."
        )
    if change is not None and len(change):
        up = change[change["change"] > 0]
        p0, p1 = int(change["period_from"].iloc[0]), int(change["period_to"].iloc[0])
        out.append(f"Between {p0} and {p1}, {len(up)} of {len(change)} dimension scores rose.")
    if coverage is not None and len(coverage):
        a, n = int(coverage["n_available"].sum()), int(coverage["n_indicators"].sum())
        out.append(f"{a} of the framework's {n} indicators have data for this unit.")
    return out


def weak_dimensions(pos: pd.DataFrame) -> list[str]:
    """Dimensions where the unit scores below its peers' median (in the given order).

    Examples
    --------
    >>> import pandas as pd
    >>> pos = pd.DataFrame({"node_id": ["a", "b", "c"], "score": [40.0, 80.0, None],
    ...                     "peer_median": [55.0, 60.0, 50.0]})
    >>> weak_dimensions(pos)
    ['a']
    """
    ok = pos["score"].notna() & pos["peer_median"].notna() & (pos["score"] < pos["peer_median"])
    return pos.loc[ok, "node_id"].tolist()


def funding_table(funding: pd.DataFrame, fw: Framework, units: pd.DataFrame) -> pd.DataFrame:
    """Readable funding matches: dimension, instrument, period, managing body, link, partners.

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> funding = pd.DataFrame({"dimension": ["social_cohesion"], "name": ["ERDF"],
    ...                         "programme_period": ["2021-2027"], "managing_body": ["DG REGIO"],
    ...                         "link": ["https://ec.europa.eu"], "learning_partners": ["B"]})
    >>> units = pd.DataFrame({"unit_id": ["B"], "name": ["Beta"]})
    >>> funding_table(funding, us.load_framework(), units)["peers to learn from"].tolist()
    ['Beta']
    """
    if funding.empty:
        return pd.DataFrame({"note": ["The unit is not below its peers' median in any dimension."]})
    labels = node_labels(fw)
    names = units.set_index("unit_id")["name"].to_dict()
    partners = funding.get("learning_partners", pd.Series("", index=funding.index)).fillna("")
    return pd.DataFrame(
        {
            "dimension": funding["dimension"].map(labels),
            "instrument": funding["name"],
            "period": funding["programme_period"],
            "managed by": funding["managing_body"],
            "link": funding["link"],
            "peers to learn from": partners.map(
                lambda s: ", ".join(
                    names.get(u.strip(), u.strip()) for u in str(s).split(",") if u.strip()
                )
            ),
        }
    ).set_index(["dimension", "instrument"])


def group_members(groups: pd.Series, units: pd.DataFrame) -> pd.DataFrame:
    """Peer groups with their members' names, alphabetical within each group.

    Examples
    --------
    >>> import pandas as pd
    >>> groups = pd.Series({"A": 1, "B": 1, "C": 2})
    >>> units = pd.DataFrame({"unit_id": ["A", "B", "C"], "name": ["Beta", "Alpha", "Gamma"]})
    >>> group_members(groups, units).values.tolist()
    [[2, 'Alpha, Beta'], [1, 'Gamma']]
    """
    names = units.set_index("unit_id")["name"]
    df = pd.DataFrame({"unit_id": groups.index, "group": groups.to_numpy()})
    df["name"] = df["unit_id"].map(names).fillna(df["unit_id"])
    out = (
        df.sort_values(["group", "name"])
        .groupby("group")
        .agg(units=("name", "count"), members=("name", lambda s: ", ".join(s)))
    )
    return out


def network_table(net: pd.DataFrame, fw: Framework, units: pd.DataFrame) -> pd.DataFrame:
    """The learning-partner network in readable form: unit, dimension, partners (alphabetical).

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> net = pd.DataFrame({"unit_id": ["A", "A"], "node_id": "social_cohesion",
    ...                     "partner_id": ["C", "B"]})
    >>> units = pd.DataFrame({"unit_id": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"]})
    >>> network_table(net, us.load_framework(), units).reset_index().values.tolist()
    [['Alpha', 'Social cohesion', 'Beta, Gamma']]
    """
    if net.empty:
        return pd.DataFrame({"note": ["No unit has a clearly stronger peer in a weak dimension."]})
    labels = node_labels(fw)
    names = units.set_index("unit_id")["name"].to_dict()
    df = net.assign(
        unit=net["unit_id"].map(names).fillna(net["unit_id"]),
        partner=net["partner_id"].map(names).fillna(net["partner_id"]),
    )
    out = (
        df.sort_values(["unit", "node_id", "partner"])
        .groupby(["unit", "node_id"], sort=False)["partner"]
        .apply(", ".join)
        .reset_index()
    )
    out["dimension"] = out["node_id"].map(labels)
    return out.set_index(["unit", "dimension"])[["partner"]].rename(
        columns={"partner": "learn from"}
    )


def comparators(prof, unit_id: str, units: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per dimension, how many other units have a score to compare with (latest period).

    Columns: node_id, n_comparators, needed (:data:`urbansec_lib.defaults.MIN_COMPARATORS`),
    short_by (how many are missing; 0 when enough), workspace, reference (ids of the
    comparators by origin, alphabetical).

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from urbansec_lib.study.study_inputs import demo_copy, load_inputs
    >>> from urbansec_lib.study.sa_basics import profile
    >>> fw = us.load_framework()
    >>> inputs = load_inputs(demo_copy(), fw)
    >>> comp = comparators(profile(inputs.indicators, fw), "ES001C", inputs.units, fw)
    >>> comp[["node_id", "n_comparators", "short_by"]].iloc[0].to_dict()
    {'node_id': 'quality_of_life', 'n_comparators': 1, 'short_by': 2}
    """
    from ..core.defaults import MIN_COMPARATORS

    sc = prof.scores
    last = sc.loc[sc["unit_id"] == unit_id, "period"].max()
    sc = sc[(sc["period"] == last) & sc["score"].notna() & (sc["unit_id"] != unit_id)]
    origin = (
        units.set_index("unit_id")["origin"]
        if "origin" in units.columns
        else pd.Series("workspace", index=units["unit_id"])
    )
    rows = []
    for d in fw.dimensions:
        ids = sorted(sc.loc[sc["node_id"] == d.id, "unit_id"].unique())
        org = origin.reindex(ids).fillna("workspace")
        rows.append(
            {
                "node_id": d.id,
                "n_comparators": len(ids),
                "needed": MIN_COMPARATORS,
                "short_by": max(0, MIN_COMPARATORS - len(ids)),
                "workspace": [u for u in ids if org[u] == "workspace"],
                "reference": [u for u in ids if org[u] == "reference"],
            }
        )
    return pd.DataFrame(rows)


def comparators_text(comp: pd.DataFrame, units: pd.DataFrame, unit_id: str) -> str:
    """Markdown declaring what the unit is compared with, and where too few comparators have
    a dimension (and by how many).

    Examples
    --------
    >>> import pandas as pd
    >>> comp = pd.DataFrame({"node_id": ["social_cohesion"], "n_comparators": [2], "needed": [3],
    ...                      "short_by": [1], "workspace": [["B", "C"]], "reference": [[]]})
    >>> units = pd.DataFrame({"unit_id": ["B", "C"], "name": ["Beta", "Gamma"]})
    >>> text = comparators_text(comp, units, "A")
    >>> print(text.splitlines()[0])
    **Compared with:** 2 unit(s) of this workspace (Beta, Gamma).
    >>> text.split("): ")[-1]
    'social cohesion: 2 (1 short). These dimensions are not positioned.'
    """
    from ..core.defaults import MIN_COMPARATORS

    ws = sorted({u for lst in comp["workspace"] for u in lst})
    ref = sorted({u for lst in comp["reference"] for u in lst})
    names = units.set_index("unit_id")["name"].to_dict()
    parts = []
    if ws:
        parts.append(
            f"{len(ws)} unit(s) of this workspace ("
            + ", ".join(f"{names.get(u, u)}" for u in ws)
            + ")"
        )
    if ref:
        parts.append(
            f"{len(ref)} reference unit(s) with bundled real public data only (Eurostat "
            "crim_gen_reg, urb_percep; never survey data): "
            + ", ".join(names.get(u, u) for u in ref)
        )
    text = "**Compared with:** " + ("; ".join(parts) if parts else "no other unit") + "."
    few = comp[comp["short_by"] > 0]
    if len(few):
        labels = dict(zip(few["node_id"], few["node_id"]))
        text += (
            f"\n\n**Too few comparators** (at least {MIN_COMPARATORS} other units with a score "
            "are needed to place a unit): "
            + "; ".join(
                f"{labels[r.node_id].replace('_', ' ')}: {r.n_comparators} ({r.short_by} short)"
                for r in few.itertuples()
            )
            + ". These dimensions are not positioned."
        )
    return text
