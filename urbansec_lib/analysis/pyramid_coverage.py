"""Coverage of the prevention pyramid per unit, its gaps, and the text that sums them up.

Part of :mod:`urbansec_lib.analysis.orpheus` (its public face).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .pyramid import DOMAINS, RULES_MODEL, TARGET_GROUPS, Pyramid, load_pyramid

_MEASURES = {"count": "n_initiatives", "budget": "budget_eur", "reach": "reach"}
_MEASURE_LABEL = {
    "count": "number of initiatives",
    "budget": "budget (EUR)",
    "reach": "reach (people)",
}

# --------------------------------------------------------------------------- coverage


def _pyramid_of(classified: pd.DataFrame, pyramid: str | Path | Pyramid | None) -> Pyramid:
    if pyramid is not None:
        return load_pyramid(pyramid)
    names = pd.unique(classified["pyramid"]) if "pyramid" in classified else []
    if len(names) > 1:
        raise ValueError(f"classified rows use several pyramids: {list(names)}")
    return load_pyramid(names[0] if len(names) else classified.attrs.get("pyramid", RULES_MODEL))


def coverage(
    classified: pd.DataFrame,
    measure: str = "count",
    *,
    pyramid: str | Path | Pyramid | None = None,
) -> pd.DataFrame:
    """Coverage profile: initiatives, budget and reach per unit and layer.

    Long because: the docstring documents every column and measure (32 lines); the code is 56.

    Only the primary ``layer`` counts towards n_initiatives, budget_eur and reach;
    ``n_secondary`` counts initiatives with the layer as secondary layer. Missing
    budgets or reach are left out of the sums and counted in ``n_budget_missing`` and
    ``n_reach_missing``.

    Parameters
    ----------
    classified : DataFrame
        Output of :func:`classify`.
    measure : {"count", "budget", "reach"}
        What ``share`` is a share of.
    pyramid : str, Path or Pyramid, optional
        Default: the ``pyramid`` column of ``classified``.

    Returns
    -------
    DataFrame
        unit_id, level, layer, layer_name, n_initiatives, n_secondary, budget_eur, reach,
        n_budget_missing, n_reach_missing, share (of the unit's total for ``measure``;
        NaN if that total is 0). Every unit x layer, units in order of first appearance,
        layers bottom to top. ``attrs["measure"]`` records the measure.

    Examples
    --------
    >>> from urbansec_lib.analysis.inventory import _DEMO, read_inventory
    >>> from urbansec_lib.analysis.pyramid_rules import classify
    >>> cov = coverage(classify(read_inventory(_DEMO / "BE212_inventory.csv")), "budget")
    >>> cov[["layer", "n_initiatives", "budget_eur"]].values.tolist()[0]
    ['quality_of_life', 3, 3780000.0]
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {list(_MEASURES)}, got {measure!r}")
    pyr = _pyramid_of(classified, pyramid)
    unknown = set(classified["layer"].dropna()) - set(pyr.layer_ids)
    if unknown:
        raise ValueError(f"layers {sorted(unknown)} are not in pyramid {pyr.name!r}")
    units = list(pd.unique(classified["unit_id"]))
    idx = pd.MultiIndex.from_product([units, pyr.layer_ids], names=["unit_id", "layer"])
    d = pd.DataFrame(
        {
            "unit_id": classified["unit_id"].to_numpy(),
            "layer": classified["layer"].to_numpy(),
            "n_initiatives": 1,
            "budget_eur": classified["budget_eur"].astype(float).to_numpy(),
            "reach": classified["reach"].astype(float).to_numpy(),
            "n_budget_missing": classified["budget_eur"].isna().astype(int).to_numpy(),
            "n_reach_missing": classified["reach"].isna().astype(int).to_numpy(),
        }
    )
    agg = d.groupby(["unit_id", "layer"]).sum(min_count=0).reindex(idx, fill_value=0)
    sec = classified.dropna(subset=["secondary_layer"])
    n_sec = sec.groupby(["unit_id", "secondary_layer"]).size()
    n_sec.index = n_sec.index.set_names(["unit_id", "layer"])
    agg["n_secondary"] = n_sec.reindex(idx, fill_value=0)
    out = agg.reset_index()
    lv = {la.id: la.level for la in pyr.layers}
    out.insert(1, "level", out["layer"].map(lv))
    out.insert(3, "layer_name", out["layer"].map(pyr.names()))
    col = _MEASURES[measure]
    total = out.groupby("unit_id", sort=False)[col].transform("sum")
    out["share"] = (out[col] / total.replace(0, np.nan)).astype(float)
    for c in ("n_initiatives", "n_secondary", "n_budget_missing", "n_reach_missing"):
        out[c] = out[c].astype(int)
    out = out[
        [
            "unit_id",
            "level",
            "layer",
            "layer_name",
            "n_initiatives",
            "n_secondary",
            "budget_eur",
            "reach",
            "n_budget_missing",
            "n_reach_missing",
            "share",
        ]
    ]
    out.attrs.update(measure=measure, pyramid=pyr.name)
    return out


def gaps(
    classified: pd.DataFrame,
    domains: Sequence[str] | None = None,
    *,
    by: str | None = "domain",
    pyramid: str | Path | Pyramid | None = None,
) -> pd.DataFrame:
    """Empty cells of the pyramid, as plain sentences.

    Long because: the docstring documents the gap rule and its columns (31 lines); the code is 52.

    Lists, per unit, every layer with no initiative at all ("no initiative at
    reaction"), then every layer x domain (or layer x target group) combination with no
    initiative ("no initiative at general prevention for youth"). Layers that are
    entirely empty are not repeated per domain. Only primary layers count.

    Parameters
    ----------
    classified : DataFrame
        Output of :func:`classify`.
    domains : sequence of str, optional
        Domains to check (default: every domain that occurs in ``classified``, in the
        order of :data:`DOMAINS`, so units are compared on the same list).
    by : {"domain", "target_group", None}
        Second dimension; ``None`` lists whole-layer gaps only.
    pyramid : str, Path or Pyramid, optional

    Returns
    -------
    DataFrame
        unit_id, layer, layer_name, dimension (``"layer"``, ``"domain"`` or
        ``"target_group"``), value, sentence. Units in order of first appearance.

    Examples
    --------
    >>> from urbansec_lib.analysis.inventory import _DEMO, read_inventory
    >>> from urbansec_lib.analysis.pyramid_rules import classify
    >>> gaps(classify(read_inventory(_DEMO / "BE212_inventory.csv"))).sentence.tolist()[:1]
    ['no initiative at quality of life for youth']
    """
    if by not in ("domain", "target_group", None):
        raise ValueError(f"by must be 'domain', 'target_group' or None, got {by!r}")
    pyr = _pyramid_of(classified, pyramid)
    names = pyr.names()
    units = list(pd.unique(classified["unit_id"]))
    idx = pd.MultiIndex.from_product([units, pyr.layer_ids], names=["unit_id", "layer"])
    n = classified.groupby(["unit_id", "layer"]).size().reindex(idx, fill_value=0)
    empty = n[n == 0].reset_index()[["unit_id", "layer"]]
    empty["dimension"] = "layer"
    empty["value"] = None
    frames = [empty]
    if by is not None:
        if by == "domain":
            present = set(classified["domain"].dropna())
            values = [d for d in DOMAINS if d in present] if domains is None else list(domains)
            values += [d for d in sorted(present) if domains is None and d not in DOMAINS]
        else:
            values = list(TARGET_GROUPS)
        idx3 = pd.MultiIndex.from_product(
            [units, pyr.layer_ids, values], names=["unit_id", "layer", "value"]
        )
        n3 = classified.groupby(["unit_id", "layer", by]).size()
        n3.index = n3.index.set_names(["unit_id", "layer", "value"])
        n3 = n3.reindex(idx3, fill_value=0).reset_index(name="n")
        layer_n = n.reindex(pd.MultiIndex.from_frame(n3[["unit_id", "layer"]])).to_numpy()
        cells = n3[(n3["n"] == 0) & (layer_n > 0)].drop(columns="n")
        cells.insert(2, "dimension", by)
        frames.append(cells)
    out = pd.concat(frames, ignore_index=True)
    # order: unit (first appearance), layer bottom to top, whole-layer first, values
    out["_u"] = out["unit_id"].map({u: k for k, u in enumerate(units)})
    out["_l"] = out["layer"].map({lid: k for k, lid in enumerate(pyr.layer_ids)})
    out["_d"] = (out["dimension"] != "layer").astype(int)
    out = out.sort_values(["_u", "_d", "_l"], kind="stable").drop(columns=["_u", "_l", "_d"])
    out.insert(2, "layer_name", out["layer"].map(names))
    label = out["layer_name"].str.lower()
    vals = out["value"].astype(object)
    dom_txt = vals.map(lambda v: DOMAINS.get(v, str(v).replace("_", " ")))
    tg_txt = vals.map(TARGET_GROUPS)
    out["sentence"] = np.select(
        [out["dimension"] == "layer", out["dimension"] == "domain"],
        ["no initiative at " + label, "no initiative at " + label + " for " + dom_txt],
        "no initiative at " + label + " aimed at " + tg_txt.fillna(""),
    )
    return out.reset_index(drop=True)


def gap_summary(gaps_table: pd.DataFrame) -> pd.DataFrame:
    """Gaps condensed to one row per unit and layer: the domains (or target groups) with
    no initiative, comma-separated; an entirely empty layer reads "no initiative at all".

    Example
    -------
    >>> g = pd.DataFrame({"unit_id": ["X", "X"], "layer": ["reaction"] * 2,
    ...                   "layer_name": ["Reaction"] * 2, "dimension": ["domain"] * 2,
    ...                   "value": ["youth", "housing"], "sentence": ["", ""]})
    >>> gap_summary(g)["missing"].tolist()
    ['housing, youth']
    """
    cols = ["unit_id", "layer", "layer_name", "missing"]
    if gaps_table.empty:
        return pd.DataFrame(columns=cols)
    g = gaps_table.assign(value=gaps_table["value"].fillna("").astype(str))
    out = (
        g.groupby(["unit_id", "layer", "layer_name"], sort=False)["value"]
        .apply(
            lambda s: (
                "no initiative at all"
                if (s == "").any()
                else ", ".join(sorted(v.replace("_", " ") for v in s))
            )
        )
        .rename("missing")
        .reset_index()
    )
    return out[cols]


def key_findings(name: str, unit_coverage: pd.DataFrame, gaps_table: pd.DataFrame, evaluation):
    """A few generated sentences for the report's key findings: the pyramid's shape, its
    gaps and what each evaluation design can say.

    ``unit_coverage`` is :func:`coverage` for one unit, ``gaps_table`` :func:`gaps` for it,
    ``evaluation`` an :class:`urbansec_lib.outcomes.Evaluation` (or None).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from urbansec_lib.analysis.inventory import _DEMO, read_inventory
    >>> from urbansec_lib.analysis.pyramid_rules import classify
    >>> cl = classify(read_inventory(_DEMO / "BE212_inventory.csv"))
    >>> key_findings("Mechelen", coverage(cl), gaps(cl), None)[0]
    'Mechelen lists 16 initiatives; from the base of the pyramid up: Quality of life 3, General prevention 6, Specific prevention 4, Reaction 3.'
    """
    from ..presentation.present import fmt_ci, fmt_pvalue

    out = []
    cov = unit_coverage.sort_values("level")
    total = int(cov["n_initiatives"].sum())
    parts = ", ".join(f"{r.layer_name} {int(r.n_initiatives)}" for r in cov.itertuples())
    out.append(f"{name} lists {total} initiatives; from the base of the pyramid up: {parts}.")
    empty = cov.loc[cov["n_initiatives"] == 0, "layer_name"].tolist()
    if empty:
        out.append("No initiative in: " + ", ".join(empty) + ".")
    n_gaps = gaps_table["layer"].nunique() if len(gaps_table) else 0
    if n_gaps:
        out.append(f"{n_gaps} layer(s) have domains or target groups without any initiative.")
    if evaluation is not None:
        from .outcomes import DESIGN_NAMES

        tab = evaluation.table()
        for r in tab.itertuples():
            verdict = (
                "distinguishable from no effect" if r.pvalue < 0.05 else "compatible with no effect"
            )
            out.append(
                f"{DESIGN_NAMES.get(r.design, r.design)}: {r.estimate:.2f} ({r.scale}), 95% CI "
                f"{fmt_ci(r.ci_low, r.ci_high)}, p-value {fmt_pvalue(r.pvalue)}: {verdict}."
            )
    return out
