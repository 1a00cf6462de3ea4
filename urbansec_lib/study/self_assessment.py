"""The self-assessment study: readable tables and texts for a unit's profile report.

These functions turn the library's tidy results (framework, profile, peers, coverage,
coherence, sensitivity) into the small tables and sentences the
``city_self_assessment`` notebook shows, so that the notebook holds narrative and calls
only. Nothing here orders units by score.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> us.self_assessment.dimension_level(fw)
2
"""

from __future__ import annotations

import pandas as pd

from ..model.framework import Framework

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "DAT_THRESH",
    "profile",
    "unit_record",
    "unit_intro",
    "framework_overview",
    "dimension_level",
    "dimension_ids",
    "node_labels",
    "peer_text",
    "profile_alt_text",
    "position_table",
    "partners_table",
    "latest_change",
    "change_table",
    "comparators",
    "comparators_text",
    "indicator_years",
    "group_members",
    "network_table",
    "weak_dimensions",
    "funding_table",
    "unit_coverage",
    "survey_table",
    "coherence_table",
    "sensitivity_table",
    "robustness_table",
    "sources_table",
]

#: Assumptions varied by the report's robustness analysis (see urbansec_lib.sensitivity).
DEFAULT_ASSUMPTIONS: dict = {
    "weights": 0.25,
    "normalisation": ["minmax", "rank"],  # both on 0-100: bands compare like with like
    "aggregation": ["framework", "geometric"],  # nominal: each node's own method
    "removal": True,
}


#: Share of a node's children that must have data for the node to get a score (COINr's
#: ``dat_thresh``): units are compared on like evidence.
DAT_THRESH = 0.5


def profile(indicators: pd.DataFrame, fw: Framework, dat_thresh: float = DAT_THRESH):
    """The study's profile: :func:`urbansec_lib.score` with min-max normalisation,
    arithmetic aggregation and a data threshold per aggregate.

    Example
    -------
    >>> prof = profile(inputs.indicators, fw)  # doctest: +SKIP
    """
    from ..engine.scoring import score

    return score(indicators, fw, aggregate={"method": "arithmetic", "dat_thresh": dat_thresh})


def unit_record(units: pd.DataFrame, unit_id: str) -> dict:
    """The registry row of one unit as a dict (``KeyError`` naming the unit if unknown)."""
    row = units.loc[units["unit_id"] == unit_id]
    if row.empty:
        raise KeyError(f"unit {unit_id!r} is not in the unit registry (data/raw/units.csv)")
    return row.iloc[0].to_dict()


def unit_intro(unit: dict, inputs, fw: Framework) -> str:
    """A Markdown paragraph introducing the unit and its data."""
    ind = inputs.indicators
    own = ind[ind["unit_id"] == unit["unit_id"]]
    n_ind = own["indicator_id"].nunique()
    periods = sorted(own["period"].dropna().unique().tolist())
    pop = unit.get("population")
    pop_txt = f"about {float(pop):,.0f} inhabitants in its NUTS 3 region; " if pd.notna(pop) else ""
    text = (
        f"**{unit['name']}** (`{unit['unit_id']}`, {unit.get('level', '')}, "
        f"{unit.get('country', '')}): {pop_txt}"
        f"{n_ind} of the framework's {len(fw.indicators)} indicators have data, "
        f"for periods {', '.join(str(p) for p in periods) or 'none'}."
    )
    if inputs.problems:
        text += "\n\n" + "\n".join(
            f"> Survey export `{k}` was not used: {v.splitlines()[0]}"
            for k, v in inputs.problems.items()
        )
    return text


def framework_overview(fw: Framework) -> pd.DataFrame:
    """Indicators per dimension: total, objective, perceived, survey, public statistic."""
    rows = []
    for d in fw.dimensions:
        inds = d.all_indicators()
        rows.append(
            {
                "dimension": d.label,
                "indicators": len(inds),
                "objective": sum(i.nature == "objective" for i in inds),
                "perceived": sum(i.nature == "perceived" for i in inds),
                "survey": sum(i.is_survey for i in inds),
                "public statistic": sum(not i.is_survey for i in inds),
            }
        )
    return pd.DataFrame(rows).set_index("dimension")


def dimension_level(fw: Framework) -> int:
    """The framework level (as in ``fw.meta()``) of the top-level dimensions.

    With uneven depth, dimensions may sit at different levels; the most common is used
    for peer comparisons and ``position`` falls back to node ids.
    """
    meta = fw.meta()
    levels = meta.loc[meta["iCode"].isin([d.id for d in fw.dimensions]), "Level"]
    return int(levels.mode().iloc[0])


def dimension_ids(fw: Framework) -> list[str]:
    """Ids of the top-level dimensions, in framework order."""
    return [d.id for d in fw.dimensions]


def node_labels(fw: Framework) -> dict[str, str]:
    """node id -> label for every dimension, sub-dimension and indicator."""
    out = {n.id: n.label for n in fw.nodes}
    out.update({i.id: i.label for i in fw.indicators})
    return out


def peer_text(unit_id: str, groups: pd.Series, units: pd.DataFrame) -> str:
    """Markdown sentence naming the unit's peer group members (alphabetical)."""
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
    """Alt text for the profile figure: each dimension's score and band, in words."""
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
    """Learning partners with readable dimension, partner and indicator names."""
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
    """Dimensions where the unit scores below its peers' median (in the given order)."""
    ok = pos["score"].notna() & pos["peer_median"].notna() & (pos["score"] < pos["peer_median"])
    return pos.loc[ok, "node_id"].tolist()


def funding_table(funding: pd.DataFrame, fw: Framework, units: pd.DataFrame) -> pd.DataFrame:
    """Readable funding matches: dimension, instrument, period, managing body, link, partners."""
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
    """Peer groups with their members' names, alphabetical within each group."""
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
    """The learning-partner network in readable form: unit, dimension, partners (alphabetical)."""
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


def latest_change(
    prof, unit_id: str, fw: Framework, indicators: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Change of the unit's dimension scores between its two latest periods, like with like.

    With ``indicators`` (aligned values carrying ``source_period``, as
    :func:`urbansec_lib.pipeline.load_inputs` returns them), only indicators observed anew
    in the later period *and* with a value in the earlier one enter (a public statistic
    carried forward from the same year into both periods is not a change), both periods
    are re-scored on that same set, and the columns ``n_indicators``, ``years_from`` and
    ``years_to`` say which indicators and source years are compared. Without it, the
    profile's own scores are differenced (older behaviour).

    Example
    -------
    >>> ch = latest_change(prof, "ES001C", fw, inputs.indicators)  # doctest: +SKIP
    """
    ids = [d.id for d in fw.dimensions]
    if indicators is None or "source_period" not in indicators.columns:
        ch = prof.change(unit_id=unit_id)
        ch = ch[ch["node_id"].isin(ids)].dropna(subset=["change"])
        if ch.empty:
            return ch
        last = ch["period_to"].max()
        ch = ch[ch["period_to"] == last]
        ch = ch[ch["period_from"] == ch["period_from"].max()]
        order = {d: i for i, d in enumerate(ids)}
        return (
            ch.assign(_o=ch["node_id"].map(order))
            .sort_values("_o")
            .drop(columns="_o")
            .reset_index(drop=True)
        )
    cols = [
        "unit_id",
        "node_id",
        "period_from",
        "period_to",
        "score_from",
        "score_to",
        "change",
        "n_indicators",
        "years_from",
        "years_to",
    ]
    own = indicators[(indicators["unit_id"] == unit_id) & indicators["value"].notna()]
    periods = sorted(own["period"].dropna().unique().tolist())
    if len(periods) < 2:
        return pd.DataFrame(columns=cols)
    p0, p1 = periods[-2], periods[-1]
    a = own[own["period"] == p0].set_index("indicator_id")["source_period"]
    b = own[own["period"] == p1].set_index("indicator_id")["source_period"]
    common = a.index.intersection(b.index)
    fresh = [i for i in common if b[i] > a[i]]
    if not fresh:
        return pd.DataFrame(columns=cols)
    sub = indicators[indicators["indicator_id"].isin(fresh) & indicators["period"].isin([p0, p1])]
    ch = profile(sub, fw).change(unit_id=unit_id)
    ch = ch[ch["node_id"].isin(ids) & (ch["period_from"] == p0) & (ch["period_to"] == p1)]
    ch = ch.dropna(subset=["change"])
    if ch.empty:
        return pd.DataFrame(columns=cols)
    dim_of = {i: fw.dimension_of(i) for i in fresh}
    rows = []
    for r in ch.itertuples(index=False):
        inds = [i for i in fresh if dim_of[i] == r.node_id]
        rows.append(
            {
                **r._asdict(),
                "n_indicators": len(inds),
                "years_from": ", ".join(str(int(y)) for y in sorted(set(a[inds]))),
                "years_to": ", ".join(str(int(y)) for y in sorted(set(b[inds]))),
            }
        )
    order = {d: i for i, d in enumerate(ids)}
    out = pd.DataFrame(rows, columns=cols)
    return (
        out.assign(_o=out["node_id"].map(order))
        .sort_values("_o")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def change_table(change: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """The like-for-like change per dimension with the indicators and years compared."""
    if change.empty:
        return change
    labels = node_labels(fw)
    return pd.DataFrame(
        {
            "dimension": change["node_id"].map(labels),
            "change (points)": change["change"].round(1),
            "indicators compared": change["n_indicators"],
            "data years (earlier)": change["years_from"],
            "data years (later)": change["years_to"],
        }
    ).set_index("dimension")


def comparators(prof, unit_id: str, units: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per dimension, how many other units have a score to compare with (latest period).

    Columns: node_id, n_comparators, needed (:data:`urbansec_lib.defaults.MIN_COMPARATORS`),
    short_by (how many are missing; 0 when enough), workspace, reference (ids of the
    comparators by origin, alphabetical).

    Example
    -------
    >>> comparators(prof, "PL013C", inputs.units, fw)  # doctest: +SKIP
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
    a dimension (and by how many)."""
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


def indicator_years(indicators: pd.DataFrame, unit_id: str, fw: Framework, period=None):
    """The unit's indicator values in a profile period with the year each value is from.

    Example
    -------
    >>> indicator_years(inputs.indicators, "ES001C", fw)  # doctest: +SKIP
    """
    own = indicators[(indicators["unit_id"] == unit_id) & indicators["value"].notna()]
    if own.empty:
        return pd.DataFrame({"note": ["No indicator data for this unit."]})
    period = period if period is not None else own["period"].max()
    own = own[own["period"] == period]
    labels = node_labels(fw)
    year = own["source_period"] if "source_period" in own.columns else own["period"]
    return (
        pd.DataFrame(
            {
                "indicator": own["indicator_id"].map(labels).fillna(own["indicator_id"]),
                "dimension": own["indicator_id"].map(lambda i: labels.get(fw.dimension_of(i), "")),
                "data year": year.astype(int).to_numpy(),
                "source": own["source"].astype(str).str.split(" \\(").str[0].to_numpy(),
            }
        )
        .sort_values(["dimension", "indicator"])
        .set_index("indicator")
    )


def unit_coverage(prof, unit_id: str, fw: Framework) -> pd.DataFrame:
    """Coverage of the unit over all its periods, per dimension (node_id, n_indicators, n_available)."""
    # a unit's coverage is the union over its periods
    ind = prof.indicators[(prof.indicators["unit_id"] == unit_id) & prof.indicators["raw"].notna()]
    avail = set(ind["indicator_id"])
    rows = []
    for d in fw.dimensions:
        ids = [i.id for i in d.all_indicators()]
        rows.append(
            {"node_id": d.id, "n_indicators": len(ids), "n_available": sum(i in avail for i in ids)}
        )
    return pd.DataFrame(rows)


def survey_table(
    indicators: pd.DataFrame, unit_id: str, fw: Framework, min_n: int = 10
) -> pd.DataFrame:
    """The unit's survey indicator values per period, with cells under ``min_n`` suppressed."""
    from ..inputs.privacy import suppress

    ids = {i.id for i in fw.survey_indicators()}
    own = indicators[
        (indicators["unit_id"] == unit_id) & indicators["indicator_id"].isin(ids)
    ].copy()
    if own.empty:
        return pd.DataFrame({"note": ["No self-assessment survey for this unit."]})
    own["n"] = pd.to_numeric(own["n"], errors="coerce")
    own = suppress(own, n_col="n", min_n=min_n)
    labels = node_labels(fw)
    own["indicator"] = own["indicator_id"].map(labels)
    own["value"] = own["value"].round(1).astype(object).where(~own["suppressed"], f"n<{min_n}")
    wide = own.pivot_table(index="indicator", columns="period", values="value", aggfunc="first")
    nmin = own[~own["suppressed"]].groupby("period")["n"].min().reindex(wide.columns)
    wide.columns = [
        f"{c} (n>={int(nmin[c])})" if pd.notna(nmin[c]) else str(c) for c in wide.columns
    ]
    return wide


def coherence_table(coh, fw: Framework) -> pd.DataFrame:
    """Cronbach's alpha (standardised) per dimension and the weakly coherent indicators.

    ``coh`` is a :class:`urbansec_lib.coherence.CoherenceResult`; only Pearson flags of
    indicators against their parent are listed.
    """
    labels = node_labels(fw)
    alpha = coh.alpha[coh.alpha["node_id"].isin([n.id for n in fw.nodes])]
    flags = coh.flags
    if len(flags):
        flags = flags[
            (flags["method"] == "pearson") & flags["child"].isin([i.id for i in fw.indicators])
        ]
    flagged = (
        flags.groupby("parent")["child"].apply(lambda s: "; ".join(labels.get(i, i) for i in s))
        if len(flags)
        else pd.Series(dtype=str)
    )
    out = pd.DataFrame(
        {
            "dimension": alpha["node_id"].map(labels),
            "indicators used": alpha.get("n_children_used", alpha["n_children"]).astype(str)
            + " of "
            + alpha["n_children"].astype(str),
            "units": alpha.get("n_rows_used", pd.Series(pd.NA, index=alpha.index)).astype("Int64"),
            "Cronbach's alpha": alpha["alpha_standardised"].map(_alpha_text),
            "weak or negative indicators": alpha["node_id"].map(flagged).fillna(""),
        }
    )
    return out.set_index("dimension")


def sensitivity_table(sa, unit_id: str, fw: Framework, period=None) -> pd.DataFrame:
    """What the unit's dimension scores are most sensitive to.

    Mean first-order (S1, Saltelli 2010) and total (ST, Jansen) sensitivity index of each
    assumption over the unit's top-level dimensions at ``period`` (default latest).
    """
    idx = sa.indices
    idx = idx[(idx["unit_id"] == unit_id) & idx["node_id"].isin([d.id for d in fw.dimensions])]
    if "output" in idx:
        idx = idx[idx["output"] == "score"]
    if period is None and len(idx):
        period = idx["period"].max()
    idx = idx[idx["period"] == period]
    out = idx.groupby("assumption")[["S1", "ST"]].mean().round(2)
    out.index = out.index.map(lambda a: _ASSUMPTIONS.get(a, str(a).replace("_", " ")))
    out.index.name = "assumption varied"
    return out.rename(columns={"S1": "first-order index", "ST": "total index"})


_ASSUMPTIONS = {
    "weights": "weights (plus or minus 25 %)",
    "normalisation": "normalisation (min-max or percentile rank)",
    "aggregation": "aggregation (framework's own or geometric)",
    "removal": "one indicator left out",
    "indicator_set": "one indicator left out",
}


def robustness_table(sa, unit_id: str, fw: Framework, period=None) -> pd.DataFrame:
    """The unit's nominal dimension scores with the 5-95% band of the uncertainty analysis."""
    b = sa.bands[(sa.bands["unit_id"] == unit_id)]
    if period is None and len(b):
        period = b["period"].max()
    b = b[(b["period"] == period)].set_index("node_id")
    rows = [d for d in fw.dimensions if d.id in b.index]
    return pd.DataFrame(
        {
            "dimension": [d.label for d in rows],
            "score": [round(b.at[d.id, "nominal"], 1) for d in rows],
            "median of replicates": [round(b.at[d.id, "median"], 1) for d in rows],
            "5-95% band": [
                f"{b.at[d.id, 'q05']:.1f} - {b.at[d.id, 'q95']:.1f}"
                if pd.notna(b.at[d.id, "q05"]) and pd.notna(b.at[d.id, "q95"])
                else pd.NA
                for d in rows
            ],
        }
    ).set_index("dimension")


def sources_table(inputs) -> pd.DataFrame:
    """Data sources used (dataset and series, not per unit), with the number of values each
    contributed and the units covered."""
    src = inputs.indicators["source"].fillna("unknown").astype(str)
    # "Eurostat crim_gen_reg (P_HTHAB, ICCS0101), AT130 (parent of ...)" -> dataset + series
    series = src.str.replace(r"\),.*$", ")", regex=True)
    df = pd.DataFrame({"source": series, "unit_id": inputs.indicators["unit_id"]})
    return df.groupby("source").agg(values=("unit_id", "size"), units=("unit_id", "nunique"))


def _alpha_text(v) -> str:
    return "not estimable (fewer than 10 units with complete data)" if pd.isna(v) else f"{v:.2f}"


_DATASETS = {
    "Eurostat crim_gen_reg": (
        "Eurostat crim_gen_reg: police-recorded offences per 100,000 inhabitants, NUTS 3",
        "Eurostat (real data, bundled extraction)",
        "https://ec.europa.eu/eurostat/databrowser/view/crim_gen_reg/default/table?lang=en",
    ),
    "Eurostat urb_percep": (
        "Eurostat urb_percep: Quality of Life in European Cities perception survey",
        "European Commission, DG REGIO / Eurostat (real data, bundled extraction)",
        "https://ec.europa.eu/eurostat/databrowser/view/urb_percep/default/table?lang=en",
    ),
}


def _survey_dataset(inputs) -> tuple[str, str, None]:
    """Name and provenance of the self-assessment survey, from the workspace's declaration
    (e.g. the demo's synthetic answers) of every unit's survey file."""
    labels = sorted(set(getattr(inputs, "survey_provenance", {}).values()))
    not_real = [x for x in labels if x.split()[0].lower().rstrip(":;,") != "real"]
    if not labels:
        prov = "the units' own survey exports"
    elif not_real:
        prov = "; ".join(x[0].upper() + x[1:] for x in not_real)
    else:
        prov = "the units' own survey exports, imported with pseudonymised ids (real data)"
    return "Self-assessment survey of the units", prov, None


def datasets(inputs) -> list[dict]:
    """The datasets behind the indicators, each with its reference years and provenance
    (for :meth:`urbansec_lib.reports.Recorder.dataset`)."""
    ind = inputs.indicators
    src = ind["source"].fillna("unknown").astype(str)
    key = src.str.replace(r"\),.*$", ")", regex=True).str.extract(r"^([^(]+)")[0].str.strip()
    years = pd.to_numeric(ind.get("source_period", ind["period"]), errors="coerce")
    years = years.fillna(pd.to_numeric(ind["period"], errors="coerce"))
    out = []
    for k, yrs in years.groupby(key, sort=False):
        if k == "survey":
            name, prov, url = _survey_dataset(inputs)
        else:
            name, prov, url = _DATASETS.get(k, (k, "see the source column", None))
        lo, hi = yrs.min(), yrs.max()
        year = "not stated" if pd.isna(lo) else (f"{lo:.0f}" if lo == hi else f"{lo:.0f}-{hi:.0f}")
        d = {"name": name, "year": year, "provenance": prov}
        if url:
            d["url"] = url
        out.append(d)
    return out


def robustness_alt_text(sa, unit_id: str, fw: Framework, name: str) -> str:
    """Alt text for the uncertainty bands: each scored dimension's score and 5-95% band."""
    b = sa.bands[sa.bands["unit_id"] == unit_id]
    if not len(b):
        return f"No uncertainty analysis for {name}."
    b = b[b["period"] == b["period"].max()]
    labels = node_labels(fw)
    dims = {d.id for d in fw.dimensions}
    parts = [
        f"{labels.get(r.node_id, r.node_id)}: published {r.nominal:.1f}, runs "
        f"{r.q05:.1f} to {r.q95:.1f}"
        for r in b.itertuples()
        if r.node_id in dims and pd.notna(r.nominal)
    ]
    return f"Uncertainty of the dimension scores of {name}: " + "; ".join(parts)
