"""The self-assessment study over time and by indicator: change, data years, coverage.

Like-for-like change between the unit's two latest periods (:func:`latest_change`), the
year each indicator value is from, the unit's coverage and its survey values (small cells
suppressed).

Example
-------
>>> import pandas as pd
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> ch = pd.DataFrame({"node_id": ["quality_of_life"], "change": [2.44], "n_indicators": [3],
...                    "years_from": ["2023"], "years_to": ["2025"]})
>>> change_table(ch, fw)["change (points)"].tolist()
[2.4]
"""

from __future__ import annotations

import pandas as pd

from ..core.defaults import MIN_N
from ..model.framework import Framework
from .sa_basics import node_labels, profile

__all__ = [
    "latest_change",
    "change_table",
    "indicator_years",
    "unit_coverage",
    "survey_table",
]

#: Columns of :func:`latest_change` when it compares like with like.
_CHANGE_COLUMNS = [
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

    Examples
    --------
    >>> import urbansec_lib as us
    >>> from urbansec_lib.study.study_inputs import demo_copy, load_inputs
    >>> fw = us.load_framework()
    >>> ind = load_inputs(demo_copy(), fw).indicators
    >>> ch = latest_change(profile(ind, fw), "ES001C", fw, ind)
    >>> r = ch.iloc[0]
    >>> r["node_id"], int(r["period_from"]), int(r["period_to"]), r["years_to"]
    ('social_cohesion', 2023, 2025, '2025')
    """
    ids = [d.id for d in fw.dimensions]
    if indicators is None or "source_period" not in indicators.columns:
        return _profile_change(prof, unit_id, ids)
    own = indicators[(indicators["unit_id"] == unit_id) & indicators["value"].notna()]
    periods = sorted(own["period"].dropna().unique().tolist())
    if len(periods) < 2:
        return pd.DataFrame(columns=_CHANGE_COLUMNS)
    p0, p1 = periods[-2], periods[-1]
    a = own[own["period"] == p0].set_index("indicator_id")["source_period"]
    b = own[own["period"] == p1].set_index("indicator_id")["source_period"]
    common = a.index.intersection(b.index)
    fresh = [i for i in common if b[i] > a[i]]
    if not fresh:
        return pd.DataFrame(columns=_CHANGE_COLUMNS)
    sub = indicators[indicators["indicator_id"].isin(fresh) & indicators["period"].isin([p0, p1])]
    ch = profile(sub, fw).change(unit_id=unit_id)
    ch = ch[ch["node_id"].isin(ids) & (ch["period_from"] == p0) & (ch["period_to"] == p1)]
    ch = ch.dropna(subset=["change"])
    if ch.empty:
        return pd.DataFrame(columns=_CHANGE_COLUMNS)
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
    return _in_order(pd.DataFrame(rows, columns=_CHANGE_COLUMNS), ids)


def _in_order(ch: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Rows of ``ch`` in the order of the node ids ``ids`` (framework order)."""
    order = {d: i for i, d in enumerate(ids)}
    return (
        ch.assign(_o=ch["node_id"].map(order))
        .sort_values("_o")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _profile_change(prof, unit_id: str, ids: list[str]) -> pd.DataFrame:
    """The profile's own change of the dimension scores between the two latest periods."""
    ch = prof.change(unit_id=unit_id)
    ch = ch[ch["node_id"].isin(ids)].dropna(subset=["change"])
    if ch.empty:
        return ch
    last = ch["period_to"].max()
    ch = ch[ch["period_to"] == last]
    ch = ch[ch["period_from"] == ch["period_from"].max()]
    return _in_order(ch, ids)


def change_table(change: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """The like-for-like change per dimension with the indicators and years compared.

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> ch = pd.DataFrame({"node_id": ["social_cohesion"], "change": [-1.26], "n_indicators": [4],
    ...                    "years_from": ["2023"], "years_to": ["2025"]})
    >>> change_table(ch, us.load_framework()).reset_index().values.tolist()
    [['Social cohesion', -1.3, 4, '2023', '2025']]
    """
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


def indicator_years(indicators: pd.DataFrame, unit_id: str, fw: Framework, period=None):
    """The unit's indicator values in a profile period with the year each value is from.

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> fw = us.load_framework()
    >>> ind = pd.DataFrame({"unit_id": "A", "indicator_id": ["crime_robbery"], "period": [2023],
    ...                     "value": [12.0], "source": ["Eurostat crim_gen_reg (P_HTHAB)"],
    ...                     "source_period": [2021]})
    >>> indicator_years(ind, "A", fw).reset_index().values.tolist()
    [['Robbery (police-recorded)', 'Urban security', 2021, 'Eurostat crim_gen_reg']]
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
    """Coverage of the unit over all its periods, per dimension (node_id, n_indicators, n_available).

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> from urbansec_lib.study.sa_basics import profile
    >>> fw = us.load_framework()
    >>> ind = pd.DataFrame({"unit_id": ["A", "B"], "indicator_id": "crime_robbery",
    ...                     "period": 2021, "value": [10.0, 30.0]})
    >>> cov = unit_coverage(profile(ind, fw), "A", fw)
    >>> cov.query("n_available > 0").values.tolist()
    [['urban_security', 9, 1]]
    """
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
    indicators: pd.DataFrame, unit_id: str, fw: Framework, min_n: int = MIN_N
) -> pd.DataFrame:
    """The unit's survey indicator values per period, with cells under ``min_n`` suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> ind = pd.DataFrame({"unit_id": "A", "indicator_id": "qol_life_satisfaction",
    ...                     "period": [2023, 2025], "value": [61.23, 64.0], "n": [40, 8]})
    >>> survey_table(ind, "A", us.load_framework()).values.tolist()
    [[61.2, 'n<10']]
    """
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
