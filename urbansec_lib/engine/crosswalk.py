"""The framework read against the catalogue: crosswalk, coverage, dimension and unit status, gaps.

Analyses never order indices or units by a score: indices keep catalogue order and
dimensions framework order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from .catalogue import GAP_UNITS, UNKNOWN, Catalogue

if TYPE_CHECKING:
    from ..model.framework import Framework


__all__ = [
    "coverage_matrix",
    "crosswalk",
    "dimension_status",
    "gaps",
    "unit_status",
]


# ---------------------------------------------------------------------- analyses
def crosswalk(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """Framework indicators x catalogue indices, from the framework's ``indices`` tags.

    Parameters
    ----------
    fw : Framework
    catalogue : Catalogue

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, index) tag, in framework order: ``indicator_id``,
        ``label``, ``dimension`` (top-level), ``index_id``, ``index_label``, ``nature``
        (of the indicator), ``levels``. Indicators carried by no index have no row.

    Raises
    ------
    ValidationError
        If an indicator names an index the catalogue does not hold.

    Example
    -------
    >>> import urbansec_lib as us
    >>> from urbansec_lib.indices import load_catalogue
    >>> cw = crosswalk(us.load_framework(), load_catalogue())
    >>> bool(cw["index_id"].isin(load_catalogue().ids).all())
    True
    """
    labels = catalogue.labels
    rows, problems = [], []
    for ind in fw.indicators:
        for j, tag in enumerate(ind.indices):
            if tag not in labels:
                problems.append(
                    Problem(
                        str(fw.source_path or fw.id),
                        None,
                        f"{ind.id}.indices[{j}]",
                        tag,
                        "an index id of the catalogue: " + ", ".join(labels),
                    )
                )
                continue
            rows.append(
                {
                    "indicator_id": ind.id,
                    "label": ind.label,
                    "dimension": fw.dimension_of(ind.id),
                    "index_id": tag,
                    "index_label": labels[tag],
                    "nature": ind.nature,
                    "levels": ",".join(ind.levels),
                }
            )
    if problems:
        raise ValidationError(problems, f"framework {fw.id} against catalogue {catalogue.id}")
    cols = ["indicator_id", "label", "dimension", "index_id", "index_label", "nature", "levels"]
    return pd.DataFrame(rows, columns=cols)


def _check_dims(fw: Framework, catalogue: Catalogue) -> list[str]:
    dims = [d.id for d in fw.dimensions]
    extra = sorted({d for e in catalogue.entries for d in e["dimensions"]["value"]} - set(dims))
    if extra:
        raise ValidationError(
            [
                Problem(
                    str(catalogue.path or catalogue.id),
                    None,
                    "indices[*].dimensions",
                    d,
                    "a dimension of framework " + fw.id + ": " + ", ".join(dims),
                )
                for d in extra
            ],
            f"catalogue {catalogue.id} against framework {fw.id}",
        )
    return dims


def coverage_matrix(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """Framework dimensions x catalogue indices, in tidy long form.

    Two kinds of evidence are kept side by side: how many of the dimension's framework
    indicators the index carries (from the framework's tags), and whether the catalogue
    declares that the index covers the dimension.

    Returns
    -------
    pandas.DataFrame
        One row per (dimension, index), dimensions in framework order and indices in
        catalogue order: ``dimension``, ``dimension_label``, ``index_id``, ``index_label``,
        ``n_indicators`` (framework indicators of the dimension carried by the index),
        ``n_dimension_indicators``, ``share`` (percent), ``declared`` (bool), ``evidence``
        ("tagged and declared", "tagged only", "declared only", "none").

    Example
    -------
    >>> import urbansec_lib as us
    >>> from urbansec_lib.indices import load_catalogue
    >>> m = coverage_matrix(us.load_framework(), load_catalogue())
    >>> len(m) == 6 * 10
    True
    """
    dims = _check_dims(fw, catalogue)
    cw = crosswalk(fw, catalogue)
    counts = cw.groupby(["dimension", "index_id"]).size()
    n_dim = fw.indicators_table().groupby("dimension").size()
    grid = pd.MultiIndex.from_product([dims, catalogue.ids], names=["dimension", "index_id"])
    out = grid.to_frame(index=False)
    out["n_indicators"] = counts.reindex(grid, fill_value=0).to_numpy().astype(int)
    out["n_dimension_indicators"] = out["dimension"].map(n_dim).fillna(0).astype(int)
    out["share"] = np.where(
        out["n_dimension_indicators"] > 0,
        100.0 * out["n_indicators"] / out["n_dimension_indicators"].clip(lower=1),
        np.nan,
    )
    decl = catalogue.dimension_coverage().set_index(["dimension", "index_id"])["declared"]
    out["declared"] = decl.reindex(grid, fill_value=False).to_numpy().astype(bool)
    tagged = out["n_indicators"] > 0
    out["evidence"] = np.select(
        [tagged & out["declared"], tagged, out["declared"]],
        ["tagged and declared", "tagged only", "declared only"],
        "none",
    )
    out.insert(1, "dimension_label", out["dimension"].map({d.id: d.label for d in fw.dimensions}))
    out.insert(3, "index_label", out["index_id"].map(catalogue.labels))
    return out


def dimension_status(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """How each framework dimension is covered by the catalogue's indices.

    An index covers a dimension when it carries at least one of its framework indicators
    or the catalogue declares it. The dimension is *perception only* when all that
    evidence is perceived (the tagged indicators' nature; for a declared-only index, the
    index's ``objective_perceived``; unknown never counts as perceived), and *ranking
    only* when every covering index publishes a league table.

    Returns
    -------
    pandas.DataFrame
        One row per dimension (framework order): ``dimension``, ``label``,
        ``n_indicators``, ``n_indicators_carried``, ``n_indices``, ``indices``,
        ``perception_only``, ``ranking_only``, ``status``.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.indices import load_catalogue
    >>> ds = dimension_status(fw, load_catalogue())
    >>> ds["dimension"].tolist() == [d.id for d in fw.dimensions]
    True
    """
    m = coverage_matrix(fw, catalogue)
    cw = crosswalk(fw, catalogue)
    nature = {i: catalogue.value(i, "objective_perceived") for i in catalogue.ids}
    ranks = {i: catalogue.value(i, "method.ranking") is True for i in catalogue.ids}
    rows = []
    for d in fw.dimensions:
        sub = m[(m["dimension"] == d.id) & (m["evidence"] != "none")]
        covering = sub["index_id"].tolist()
        evidence: set[str] = set()
        for idx, ev in zip(sub["index_id"], sub["evidence"]):
            if ev == "declared only":
                evidence.add(nature[idx])
            else:
                evidence |= set(
                    cw.loc[(cw["dimension"] == d.id) & (cw["index_id"] == idx), "nature"]
                )
        perc = bool(covering) and evidence == {"perceived"}
        rank = bool(covering) and all(ranks[i] for i in covering)
        if not covering:
            status = "not covered"
        elif perc and rank:
            status = "perception and ranking only"
        elif perc:
            status = "perception only"
        elif rank:
            status = "ranking only"
        else:
            status = "covered"
        rows.append(
            {
                "dimension": d.id,
                "label": d.label,
                "n_indicators": len(d.all_indicators()),
                "n_indicators_carried": int(
                    cw.loc[cw["dimension"] == d.id, "indicator_id"].nunique()
                ),
                "n_indices": len(covering),
                "indices": ", ".join(covering),
                "perception_only": perc,
                "ranking_only": rank,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def unit_status(catalogue: Catalogue) -> pd.DataFrame:
    """Which indices cover each unit size of :data:`GAP_UNITS`.

    A unit is *method only* when every index covering it is a method (no comparable
    data), and *perception only* when every covering data index is perceived.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit``, ``label``, ``n_indices``, ``indices``, ``unknown``
        (indices whose coverage is not known), ``method_only``, ``perception_only``,
        ``status`` ("not covered", "method only", "perception only", "covered").

    Examples
    --------
    >>> from urbansec_lib.indices import load_catalogue
    >>> unit_status(load_catalogue())["unit"].tolist()
    ['small_medium_cities', 'NUTS3', 'neighbourhood']
    """
    uc = catalogue.unit_coverage()
    kind = {i: catalogue.value(i, "kind") for i in catalogue.ids}
    nature = {i: catalogue.value(i, "objective_perceived") for i in catalogue.ids}
    rows = []
    for unit, label in GAP_UNITS.items():
        sub = uc[uc["unit"] == unit]
        covering = sub.loc[sub["coverage"] == "covered", "index_id"].tolist()
        data = [i for i in covering if kind[i] != "method"]
        method_only = bool(covering) and not data
        perc = bool(data) and all(nature[i] == "perceived" for i in data)
        status = (
            "not covered"
            if not covering
            else "method only"
            if method_only
            else "perception only"
            if perc
            else "covered"
        )
        rows.append(
            {
                "unit": unit,
                "label": label,
                "n_indices": len(covering),
                "indices": ", ".join(covering),
                "unknown": ", ".join(sub.loc[sub["coverage"] == UNKNOWN, "index_id"]),
                "method_only": method_only,
                "perception_only": perc,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def gaps(fw: Framework, catalogue: Catalogue) -> pd.DataFrame:
    """Gaps of the existing indices, measured against the framework.

    Kinds (:data:`GAP_KINDS`): a dimension no index covers, or covers only with
    perceptions or only with ranking indices; a unit size (:data:`GAP_UNITS`) no index
    covers, or only a method or only perception data; an index that only ranks (publishes
    a league table); a framework indicator no index carries (what the framework adds).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per gap, grouped by kind in :data:`GAP_KINDS` order (framework and
        catalogue order within a kind): ``gap``, ``subject`` (dimension, unit, index or
        indicator id), ``label``, ``dimension``, ``indices`` (those that do cover it),
        ``detail`` (plain language).

    Example
    -------
    >>> import urbansec_lib as us
    >>> from urbansec_lib.indices import GAP_KINDS, load_catalogue
    >>> g = gaps(us.load_framework(), load_catalogue())
    >>> set(g["gap"]) <= set(GAP_KINDS)
    True
    """
    rows = _dimension_gaps(dimension_status(fw, catalogue))
    rows += _unit_gaps(unit_status(catalogue))
    rows += [
        _gap(
            "index_only_ranks",
            e["id"],
            e["label"],
            None,
            e["id"],
            "publishes a league table; units are ordered from best to worst",
        )
        for e in catalogue.entries
        if e["method"]["ranking"]["value"] is True
    ]
    carried = set(crosswalk(fw, catalogue)["indicator_id"])
    rows += [
        _gap(
            "indicator_without_index",
            ind.id,
            ind.label,
            fw.dimension_of(ind.id),
            "",
            f"{ind.nature}; levels {', '.join(ind.levels)}",
        )
        for ind in fw.indicators
        if ind.id not in carried
    ]
    cols = ["gap", "subject", "label", "dimension", "indices", "detail"]
    return pd.DataFrame(rows, columns=cols)


def _gap(gap: str, subject: str, label: str, dimension: Any, indices: str, detail: str) -> dict:
    """One row of :func:`gaps`."""
    return {
        "gap": gap,
        "subject": subject,
        "label": label,
        "dimension": dimension,
        "indices": indices,
        "detail": detail,
    }


def _dimension_gaps(ds: pd.DataFrame) -> list[dict]:
    """Dimensions not covered, covered only by perceptions, or only by ranking indices."""
    rows = [
        _gap(
            "dimension_not_covered",
            r.dimension,
            r.label,
            r.dimension,
            "",
            "no index carries any of its indicators or declares the dimension",
        )
        for r in ds.itertuples()
        if r.status == "not covered"
    ]
    for kind, flag, detail in (
        (
            "dimension_perception_only",
            "perception_only",
            "covered only by perceptions; no objective measure in any index",
        ),
        (
            "dimension_ranking_only",
            "ranking_only",
            "covered only by indices that publish a league table",
        ),
    ):
        rows += [
            _gap(kind, r.dimension, r.label, r.dimension, r.indices, detail)
            for r in ds[ds[flag]].itertuples()
        ]
    return rows


def _unit_gaps(us_: pd.DataFrame) -> list[dict]:
    """Unit sizes not covered, covered only by a method, or only by perception data."""
    note = {
        r.unit: (f"; coverage unknown for {r.unknown}" if r.unknown else "")
        for r in us_.itertuples()
    }
    rows = [
        _gap(
            "unit_not_covered",
            r.unit,
            r.label,
            None,
            "",
            f"no index reports on {r.label}{note[r.unit]}",
        )
        for r in us_.itertuples()
        if r.status == "not covered"
    ]
    rows += [
        _gap(
            "unit_method_only",
            r.unit,
            r.label,
            None,
            r.indices,
            f"only a method applies to {r.label}; no index gives comparable data{note[r.unit]}",
        )
        for r in us_[us_["method_only"]].itertuples()
    ]
    rows += [
        _gap(
            "unit_perception_only",
            r.unit,
            r.label,
            None,
            r.indices,
            f"only perception data on {r.label}{note[r.unit]}",
        )
        for r in us_[us_["perception_only"]].itertuples()
    ]
    return rows
