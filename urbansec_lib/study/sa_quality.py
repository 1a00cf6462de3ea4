"""The self-assessment study's evidence checks: coherence, sensitivity, robustness, sources.

Readable tables of the statistical coherence (Cronbach's alpha), the sensitivity and
uncertainty analyses of the scores, and the datasets behind the indicators.

Example
-------
>>> from types import SimpleNamespace
>>> import pandas as pd
>>> import urbansec_lib as us
>>> inputs = SimpleNamespace(indicators=pd.DataFrame(
...     {"unit_id": ["A", "B", "A"], "source": ["survey", "survey", "Eurostat urb_percep"]}))
>>> sources_table(inputs)["units"].to_dict()
{'Eurostat urb_percep': 1, 'survey': 2}
"""

from __future__ import annotations

import pandas as pd

from ..model.framework import Framework
from .sa_basics import node_labels

__all__ = [
    "coherence_table",
    "sensitivity_table",
    "robustness_table",
    "robustness_alt_text",
    "sources_table",
    "datasets",
]


def coherence_table(coh, fw: Framework) -> pd.DataFrame:
    """Cronbach's alpha (standardised) per dimension and the weakly coherent indicators.

    ``coh`` is a :class:`urbansec_lib.coherence.CoherenceResult`; only Pearson flags of
    indicators against their parent are listed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> alpha = pd.DataFrame({"node_id": ["social_cohesion"], "n_children": [5],
    ...                       "alpha_standardised": [0.812]})
    >>> flags = pd.DataFrame({"method": ["pearson"], "parent": ["social_cohesion"],
    ...                       "child": ["sc_ce_willing_help"]})
    >>> t = coherence_table(SimpleNamespace(alpha=alpha, flags=flags), us.load_framework())
    >>> t["Cronbach's alpha"].tolist(), t["indicators used"].tolist()
    (['0.81'], ['5 of 5'])
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

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> idx = pd.DataFrame({"unit_id": "A", "node_id": "social_cohesion", "period": 2025,
    ...                     "assumption": ["weights", "removal"], "S1": [0.1, 0.62],
    ...                     "ST": [0.2, 0.71]})
    >>> sensitivity_table(SimpleNamespace(indices=idx), "A", us.load_framework()).to_dict("index")
    {'one indicator left out': {'first-order index': 0.62, 'total index': 0.71}, 'weights (plus or minus 25 %)': {'first-order index': 0.1, 'total index': 0.2}}
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
    """The unit's nominal dimension scores with the 5-95% band of the uncertainty analysis.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> bands = pd.DataFrame({"unit_id": "A", "node_id": ["social_cohesion"], "period": 2025,
    ...                       "nominal": [61.04], "median": [60.5], "q05": [55.0], "q95": [66.26]})
    >>> t = robustness_table(SimpleNamespace(bands=bands), "A", us.load_framework())
    >>> t.reset_index().values.tolist()
    [['Social cohesion', 61.0, 60.5, '55.0 - 66.3']]
    """
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
    contributed and the units covered.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> src = ["Eurostat crim_gen_reg (P_HTHAB, ICCS0401), AT130", "survey", "survey"]
    >>> ind = pd.DataFrame({"unit_id": ["A", "A", "B"], "source": src})
    >>> sources_table(SimpleNamespace(indicators=ind)).reset_index().values.tolist()
    [['Eurostat crim_gen_reg (P_HTHAB, ICCS0401)', 1, 1], ['survey', 2, 2]]
    """
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
    (for :meth:`urbansec_lib.reports.Recorder.dataset`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> ind = pd.DataFrame({"source": ["Eurostat urb_percep (PS1012V), AT001C"], "period": [2023],
    ...                     "source_period": [2019]})
    >>> d = datasets(SimpleNamespace(indicators=ind))[0]
    >>> d["year"], d["provenance"]
    ('2019', 'European Commission, DG REGIO / Eurostat (real data, bundled extraction)')
    """
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
    """Alt text for the uncertainty bands: each scored dimension's score and 5-95% band.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> bands = pd.DataFrame({"unit_id": "A", "node_id": ["social_cohesion"], "period": 2025,
    ...                       "nominal": [61.04], "median": [60.5], "q05": [55.0], "q95": [66.26]})
    >>> robustness_alt_text(SimpleNamespace(bands=bands), "A", us.load_framework(), "Alpha")
    'Uncertainty of the dimension scores of Alpha: Social cohesion: published 61.0, runs 55.0 to 66.3'
    """
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
