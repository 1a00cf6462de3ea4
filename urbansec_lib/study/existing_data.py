"""The existing-data study: any city or region profiled from public data alone.

Action 1 asks that the framework be piloted "by looking for already existing data" for
NUTS 1, 2 and 3 regions and urban authorities of every size. This study profiles every
unit of the official registry that public statistics cover (Eurostat ``crim_gen_reg`` for
regions, ``urb_percep`` for cities), from the processed store built once by
``urbansec data build`` (:mod:`urbansec_lib.store`): a unit's report reads only its own rows
and its peers' already-computed scores.

Honest numbers: every value keeps its own year and source; a reference period's profile
uses, per indicator, the latest value up to that period and shows its year; a change over
time compares like with like (the same indicators, each observed in both years) and names
the years. Peers are units of the **same level** (cities with cities, NUTS 3 regions with
NUTS 3 regions) alike in context; positions are bands, never ranks.

Example
-------
>>> import pandas as pd
>>> a = pd.DataFrame({"unit_id": "X", "indicator_id": ["i1", "i1"], "period": [2015, 2021],
...                   "value": [10.0, 10.0], "source_period": [2013, 2013]})
>>> like_for_like_change(a, "X", 2015, 2021).empty   # same 2013 value: no change shown
True
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..model.framework import Framework

__all__ = [
    "by_level",
    "reference_period",
    "unit_intro",
    "indicator_table",
    "position_in_group",
    "like_for_like_change",
    "change_table",
    "coverage_table",
    "position_table",
    "no_score_text",
    "sources_text",
    "LEVEL_ORDER",
    "synthesis_intro",
    "group_summary",
    "distribution_table",
    "data_gaps",
]

#: Unit levels in the order the partnership-wide synthesis presents them.
LEVEL_ORDER = ("city", "NUTS3", "NUTS2", "NUTS1")


def reference_period(aligned: pd.DataFrame, unit_id: str) -> int | None:
    """The latest reference period in which the unit has any value (None if none).

    Example
    -------
    >>> a = pd.DataFrame({"unit_id": ["X", "X"], "period": [2018, 2021], "value": [1.0, None]})
    >>> reference_period(a, "X")
    2018
    """
    own = aligned[(aligned["unit_id"] == unit_id) & aligned["value"].notna()]
    return int(own["period"].max()) if len(own) else None


def _pop_text(unit: dict) -> str:
    pop = unit.get("population")
    if pop is None or pd.isna(pop):
        return "no published population"
    src = unit.get("population_source") or "source not recorded"
    return f"population {float(pop):,.0f} ({src})"


def unit_intro(unit: dict, view_indicators: pd.DataFrame, peers: pd.DataFrame) -> str:
    """A Markdown paragraph: what the unit is, which public data cover it, with their years.

    Example
    -------
    >>> u = {"unit_id": "PL613", "name": "Bydgosko-toruński", "level": "NUTS3", "country": "PL",
    ...      "population": None}
    >>> ind = pd.DataFrame({"indicator_id": ["a"], "period": [2019], "source": ["Eurostat x"]})
    >>> "2019" in unit_intro(u, ind, pd.DataFrame({"unit_id": ["A", "B", "C"]}))
    True
    """
    years = sorted(int(y) for y in view_indicators["period"].dropna().unique())
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "none")
    datasets = sorted(
        {str(s).split(" (")[0] for s in view_indicators.get("source", pd.Series(dtype=str))}
    )
    level = {"city": "city (Urban Audit)"}.get(str(unit["level"]), str(unit["level"]))
    region = ""
    if str(unit["level"]) == "city" and unit.get("nuts3"):
        region = (
            f" Recorded-crime statistics are those of its NUTS 3 region `{unit['nuts3']}` "
            "(Eurostat publishes them by region, not by city)."
        )
    return (
        f"**{unit['name']}** (`{unit['unit_id']}`) is a {level} in {unit['country']}; "
        f"{_pop_text(unit)}. Public data cover {view_indicators['indicator_id'].nunique()} "
        f"of the framework's indicators for it, observed in {span} "
        f"({', '.join(datasets) or 'no dataset'}). It is compared with "
        f"{len(peers)} peers: units of the same level alike in context (population, "
        "urban-rural type and coastal location), never with units of another level." + region
    )


def indicator_table(
    aligned: pd.DataFrame, unit_id: str, period: int, fw: Framework
) -> pd.DataFrame:
    """The values behind the unit's profile for ``period``, each with its own year and source.

    Example
    -------
    >>> import urbansec_lib as us
    >>> fw = us.load_framework()
    >>> a = pd.DataFrame({"unit_id": ["X"], "indicator_id": ["crime_homicide"],
    ...   "period": [2021], "value": [1.234], "source": ["Eurostat crim_gen_reg (...)"],
    ...   "source_period": [2020]})
    >>> indicator_table(a, "X", 2021, fw)["year"].tolist()
    [2020]
    """
    own = aligned[
        (aligned["unit_id"] == unit_id) & (aligned["period"] == period) & aligned["value"].notna()
    ]
    dim_of = {i.id: d.label for d in fw.dimensions for i in d.all_indicators()}
    ind = {i.id: i for i in fw.indicators}
    order = {i.id: k for k, i in enumerate(fw.indicators)}
    own = own.assign(_o=own["indicator_id"].map(order)).sort_values("_o")
    return pd.DataFrame(
        {
            "dimension": own["indicator_id"].map(dim_of).to_numpy(),
            "indicator": own["indicator_id"].map(lambda i: ind[i].label if i in ind else i),
            "value": own["value"].round(2).to_numpy(),
            "unit of measure": own["indicator_id"].map(
                lambda i: getattr(ind.get(i), "unit", "") or ""
            ),
            "year": own["source_period"].astype(int).to_numpy(),
            "source": own["source"].to_numpy(),
        }
    ).reset_index(drop=True)


def position_in_group(
    scores: pd.DataFrame, unit_id: str, groups: pd.Series, period: int, fw: Framework
) -> pd.DataFrame:
    """The unit's band among its peers per dimension for ``period`` (no rank, no fallback).

    Only peers of the unit's own level and group are used (the store's scores of the
    group); with fewer than three peers scored on a dimension, no position is given.

    Example
    -------
    >>> s = pd.DataFrame({"unit_id": list("ABCD"), "period": 2021, "node_id": "urban_security",
    ...                   "level": 1, "score": [10.0, 20.0, 30.0, 40.0]})
    >>> g = pd.Series(1, index=list("ABCD"))
    >>> import urbansec_lib as us
    >>> position_in_group(s, "D", g, 2021, us.load_framework())["band"].tolist()
    ['upper quarter of peers']
    """
    from ..engine.peers import position

    dims = [d.id for d in fw.dimensions]
    return position(scores, unit_id, groups, period=period, nodes=dims, fallback=False)


def like_for_like_change(
    aligned: pd.DataFrame, unit_id: str, period_from: int, period_to: int
) -> pd.DataFrame:
    """Indicator changes between two reference periods, like with like.

    Only indicators observed in **both** periods, each with a value of its own year (a
    value carried from the same year into both periods is not a change and is left out).

    Returns
    -------
    DataFrame
        ``indicator_id, year_from, value_from, year_to, value_to, change``.

    Example
    -------
    >>> a = pd.DataFrame({"unit_id": "X", "indicator_id": ["i", "i"], "period": [2015, 2021],
    ...                   "value": [10.0, 12.5], "source_period": [2015, 2021]})
    >>> like_for_like_change(a, "X", 2015, 2021).to_dict("records")[0]["year_from"]
    2015
    """
    own = aligned[(aligned["unit_id"] == unit_id) & aligned["value"].notna()]
    a = own[own["period"] == period_from].set_index("indicator_id")
    b = own[own["period"] == period_to].set_index("indicator_id")
    both = a.index.intersection(b.index)
    a, b = a.loc[both], b.loc[both]
    keep = a["source_period"].to_numpy() != b["source_period"].to_numpy()
    out = pd.DataFrame(
        {
            "indicator_id": both[keep],
            "year_from": a["source_period"].to_numpy()[keep].astype(int),
            "value_from": a["value"].to_numpy()[keep],
            "year_to": b["source_period"].to_numpy()[keep].astype(int),
            "value_to": b["value"].to_numpy()[keep],
        }
    )
    out["change"] = (out["value_to"] - out["value_from"]).round(6)
    return out.reset_index(drop=True)


def change_table(change: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """:func:`like_for_like_change` in readable form, with the direction that is better.

    Example
    -------
    >>> import urbansec_lib as us
    >>> c = pd.DataFrame({"indicator_id": ["crime_homicide"], "year_from": [2015],
    ...   "value_from": [1.0], "year_to": [2021], "value_to": [0.5], "change": [-0.5]})
    >>> change_table(c, us.load_framework())["reading"].item()
    'better'
    """
    ind = {i.id: i for i in fw.indicators}
    sign = change["indicator_id"].map(lambda i: getattr(ind.get(i), "direction", 1) or 1)
    better = np.sign(change["change"].to_numpy(dtype=float) * sign.to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "indicator": change["indicator_id"].map(lambda i: ind[i].label if i in ind else i),
            "from": change["year_from"].astype(str)
            + ": "
            + change["value_from"].round(2).astype(str),
            "to": change["year_to"].astype(str) + ": " + change["value_to"].round(2).astype(str),
            "change": change["change"].round(2),
            "reading": pd.Series(better).map({1.0: "better", -1.0: "worse", 0.0: "unchanged"}),
        }
    )


def coverage_table(aligned: pd.DataFrame, unit_id: str, period: int, fw: Framework) -> pd.DataFrame:
    """How many of each dimension's indicators public data cover for the unit in ``period``.

    Example
    -------
    >>> import urbansec_lib as us
    >>> a = pd.DataFrame({"unit_id": ["X"], "indicator_id": ["crime_homicide"],
    ...                   "period": [2021], "value": [1.0]})
    >>> t = coverage_table(a, "X", 2021, us.load_framework())
    >>> int(t.loc[t["dimension"] == "Urban security", "with public data"].item())
    1
    """
    own = aligned[
        (aligned["unit_id"] == unit_id) & (aligned["period"] == period) & aligned["value"].notna()
    ]
    have = set(own["indicator_id"])
    rows = []
    for d in fw.dimensions:
        ids = [i.id for i in d.all_indicators()]
        rows.append(
            {
                "dimension": d.label,
                "indicators": len(ids),
                "with public data": sum(i in have for i in ids),
            }
        )
    return pd.DataFrame(rows)


def position_table(pos: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """The dimensions with a score, in readable form (framework order); no empty rows.

    Example
    -------
    >>> import urbansec_lib as us
    >>> pos = pd.DataFrame({"node_id": ["urban_security", "quality_of_life"],
    ...   "score": [97.3, float("nan")], "peer_q25": [89.8, None], "peer_median": [91.6, None],
    ...   "peer_q75": [93.6, None], "band": ["upper quarter of peers", "no score"],
    ...   "compared_with": ["peer group", "peer group"]})
    >>> position_table(pos, us.load_framework()).index.tolist()
    ['Urban security']
    """
    from .self_assessment import position_table as _table

    scored = pos[pos["score"].notna()]
    t = _table(scored, fw)
    few = scored["peer_median"].isna().to_numpy()
    if few.any():
        t.loc[few, ["peers' median", "peers' middle half"]] = "withheld (fewer than 3 peers)"
    return t


def no_score_text(pos: pd.DataFrame, fw: Framework) -> str:
    """A sentence naming the dimensions public data cannot score for this unit.

    Example
    -------
    >>> import urbansec_lib as us
    >>> pos = pd.DataFrame({"node_id": ["quality_of_life"], "score": [float("nan")]})
    >>> no_score_text(pos, us.load_framework())
    '_No score from public data (fewer than half of their indicators observed): Quality of life._'
    """
    labels = {d.id: d.label for d in fw.dimensions}
    missing = [labels.get(n, n) for n in pos.loc[pos["score"].isna(), "node_id"]]
    if not missing:
        return ""
    return (
        "_No score from public data (fewer than half of their indicators observed): "
        + ", ".join(missing)
        + "._"
    )


def sources_text(indicators: pd.DataFrame, manifest: dict) -> str:
    """The datasets behind the report and the store's provenance, in one paragraph.

    Example
    -------
    >>> ind = pd.DataFrame({"source": ["Eurostat crim_gen_reg (P_HTHAB, ICCS0401), PL613"]})
    >>> sources_text(ind, {"parameters": {"framework": "urban_security 1.0.0"}})[:35]
    'Sources: Eurostat crim_gen_reg. The'
    """
    names = sorted({str(x).split(" (")[0] for x in indicators["source"]})
    fw = manifest.get("parameters", {}).get("framework", "")
    return (
        f"Sources: {'; '.join(names) or 'none'}. The processed store records each input "
        f"file's sha256 in its manifest; framework {fw}."
    )


def synthesis_intro(units: pd.DataFrame, manifest: dict) -> str:
    """How many units of each level the store covers, and from which data.

    Example
    -------
    >>> u = pd.DataFrame({"unit_id": ["A", "B"], "level": ["city", "NUTS3"]})
    >>> synthesis_intro(u, {"parameters": {"periods": [2015, 2021]}})[:19]
    '2 units with public'
    """
    counts = units["level"].value_counts()
    parts = [f"{int(counts[lv]):,} {lv}" for lv in LEVEL_ORDER if lv in counts]
    periods = manifest.get("parameters", {}).get("periods", [])
    return (
        f"{len(units):,} units with public data ({', '.join(parts)}), from the packaged "
        "official registry (Urban Audit cities, NUTS 2021). Profiles at the reference periods "
        f"{', '.join(str(p) for p in periods)}; Eurostat crim_gen_reg (recorded crime by NUTS "
        "region) and urb_percep (perception survey, cities only)."
    )


def group_summary(units: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Per level and peer group: number of units, countries and population range.

    Example
    -------
    >>> u = pd.DataFrame({"unit_id": ["A", "B"], "level": "city", "country": ["PL", "DE"],
    ...                   "population": [1e5, 3e5]})
    >>> group_summary(u, pd.Series({"A": "city-1", "B": "city-1"}))["units"].tolist()
    [2]
    """
    u = units.assign(group=units["unit_id"].map(groups)).dropna(subset=["group"])
    rows = []
    for (level, g), sub in u.groupby(["level", "group"], sort=True):
        pop = pd.to_numeric(sub["population"], errors="coerce").dropna()
        rows.append(
            {
                "level": level,
                "peer group": g,
                "units": len(sub),
                "countries": sub["country"].nunique(),
                "population (min - max)": (
                    f"{pop.min():,.0f} - {pop.max():,.0f}" if len(pop) else "not published"
                ),
            }
        )
    order = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    out = pd.DataFrame(rows)
    return (
        out.assign(_o=out["level"].map(order))
        .sort_values(["_o", "peer group"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def by_level(
    units: pd.DataFrame, groups: pd.Series, scores: pd.DataFrame, dims: list[str]
) -> Iterator[tuple[str, pd.Series, pd.DataFrame, list[str]]]:
    """Per unit level (in :data:`LEVEL_ORDER`, levels without grouped units left out): its
    units' peer groups, their scores, and the dimensions that have a score for any of them.

    Example
    -------
    >>> u = pd.DataFrame({"unit_id": ["A", "B", "R"], "level": ["city", "city", "NUTS2"]})
    >>> g = pd.Series({"A": "city-1", "B": "city-1", "R": "NUTS2-1"})
    >>> sc = pd.DataFrame({"unit_id": ["A", "B", "R"], "node_id": ["d1", "d1", "d2"],
    ...                    "score": [50.0, 60.0, None]})
    >>> [(lv, len(m), len(s), d) for lv, m, s, d in by_level(u, g, sc, ["d1", "d2"])]
    [('city', 2, 2, ['d1']), ('NUTS2', 1, 1, [])]
    """
    for level in LEVEL_ORDER:
        members = groups[groups.index.isin(units.loc[units["level"] == level, "unit_id"])]
        if members.empty:
            continue
        sc = scores[scores["unit_id"].isin(members.index)]
        has = set(sc.loc[sc["score"].notna(), "node_id"])
        yield level, members, sc, [d for d in dims if d in has]


def distribution_table(dist: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """:func:`urbansec_lib.synthesis.group_distribution` in readable form (1 dp).

    Example
    -------
    >>> d = pd.DataFrame({"group": ["city-1"], "node_id": ["x"], "n": [5], "q25": [1.0],
    ...                   "median": [2.0], "q75": [3.0], "min": [0.0], "max": [4.0]})
    >>> distribution_table(d, {"x": "X"})["middle half"].item()
    '1.0 - 3.0'
    """
    return pd.DataFrame(
        {
            "peer group": dist["group"],
            "dimension": dist["node_id"].map(lambda n: labels.get(n, n)),
            "units scored": dist["n"].astype(int),
            "median": dist["median"].round(1),
            "middle half": dist["q25"].map("{:.1f}".format)
            + " - "
            + dist["q75"].map("{:.1f}".format),
        }
    )


def data_gaps(
    scores: pd.DataFrame,
    units: pd.DataFrame,
    groups: pd.Series,
    nodes: list[str],
    labels: dict[str, str],
    share: float = 0.5,
) -> pd.DataFrame:
    """Per level: dimensions without a score for at least ``share`` of the level's units.

    Example
    -------
    >>> s = pd.DataFrame({"unit_id": ["A", "B"], "period": 2021, "node_id": "x",
    ...                   "score": [float("nan"), 1.0]})
    >>> u = pd.DataFrame({"unit_id": ["A", "B"], "level": "city"})
    >>> data_gaps(s, u, pd.Series({"A": 1, "B": 1}), ["x"], {"x": "X"})["units without a score"].tolist()
    ['1 of 2 (50%)']
    """
    period = scores["period"].max()
    sc = scores[(scores["period"] == period) & scores["node_id"].isin(nodes)]
    wide = sc.pivot_table(index="unit_id", columns="node_id", values="score", dropna=False)
    lv = units.set_index("unit_id")["level"]
    rows = []
    for level in [x for x in LEVEL_ORDER if x in set(lv)]:
        ids = lv.index[lv == level]
        w = wide.reindex(index=ids, columns=nodes)
        miss = w.isna().mean()
        for node in nodes:
            if miss[node] >= share:
                k = int(w[node].isna().sum())
                rows.append(
                    {
                        "level": level,
                        "dimension": labels.get(node, node),
                        "units without a score": f"{k} of {len(ids)} ({miss[node]:.0%})",
                    }
                )
    return pd.DataFrame(rows, columns=["level", "dimension", "units without a score"])
