"""The self-assessment study's basics: its scoring, the unit and the framework's labels.

The profile (:func:`profile`: the score with the study's data threshold), the assumptions
its robustness analysis varies, the unit's registry row and introduction, and the
framework's dimensions and labels that every table of the report uses.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> dimension_level(fw), dimension_ids(fw)[:2]
(2, ['quality_of_life', 'social_cohesion'])
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

    Examples
    --------
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> fw = us.load_framework()
    >>> ind = pd.DataFrame({"unit_id": ["A", "B", "C"], "indicator_id": "crime_robbery",
    ...                     "period": 2021, "value": [10.0, 30.0, 20.0]})
    >>> prof = profile(ind, fw)
    >>> prof.indicators.query("indicator_id == 'crime_robbery'")["value"].round(1).tolist()
    [100.0, 0.0, 50.0]
    >>> bool(prof.scores["score"].isna().all())  # one indicator: under every data threshold
    True
    """
    from ..engine.scoring import score

    return score(indicators, fw, aggregate={"method": "arithmetic", "dat_thresh": dat_thresh})


def unit_record(units: pd.DataFrame, unit_id: str) -> dict:
    """The registry row of one unit as a dict (``KeyError`` naming the unit if unknown).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"unit_id": ["ES001C"], "name": ["Madrid"]})
    >>> unit_record(units, "ES001C")
    {'unit_id': 'ES001C', 'name': 'Madrid'}
    """
    row = units.loc[units["unit_id"] == unit_id]
    if row.empty:
        raise KeyError(f"unit {unit_id!r} is not in the unit registry (data/raw/units.csv)")
    return row.iloc[0].to_dict()


def unit_intro(unit: dict, inputs, fw: Framework) -> str:
    """A Markdown paragraph introducing the unit and its data.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> import urbansec_lib as us
    >>> fw = us.load_framework()
    >>> ind = pd.DataFrame({"unit_id": "ES001C", "indicator_id": ["crime_robbery", "qol_life_satisfaction"],
    ...                     "period": [2023, 2025], "value": [1.0, 2.0]})
    >>> inputs = SimpleNamespace(indicators=ind, problems={})
    >>> print(unit_intro({"unit_id": "ES001C", "name": "Madrid", "level": "city", "country": "ES",
    ...                   "population": None}, inputs, fw)[:60])
    **Madrid** (`ES001C`, city, ES): 2 of the framework's 53 ind
    """
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
    """Indicators per dimension: total, objective, perceived, survey, public statistic.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> framework_overview(us.load_framework()).columns.tolist()
    ['indicators', 'objective', 'perceived', 'survey', 'public statistic']
    """
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

    Examples
    --------
    >>> import urbansec_lib as us
    >>> dimension_level(us.load_framework())
    2
    """
    meta = fw.meta()
    levels = meta.loc[meta["iCode"].isin([d.id for d in fw.dimensions]), "Level"]
    return int(levels.mode().iloc[0])


def dimension_ids(fw: Framework) -> list[str]:
    """Ids of the top-level dimensions, in framework order.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> dimension_ids(us.load_framework())[:3]
    ['quality_of_life', 'social_cohesion', 'public_space_liveability']
    """
    return [d.id for d in fw.dimensions]


def node_labels(fw: Framework) -> dict[str, str]:
    """node id -> label for every dimension, sub-dimension and indicator.

    Examples
    --------
    >>> import urbansec_lib as us
    >>> labels = node_labels(us.load_framework())
    >>> labels["sense_of_safety"], labels["crime_robbery"]
    ('Sense of safety in public spaces', 'Robbery (police-recorded)')
    """
    out = {n.id: n.label for n in fw.nodes}
    out.update({i.id: i.label for i in fw.indicators})
    return out
