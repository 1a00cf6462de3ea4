"""Pilot evaluation (Action 1's third deliverable): how did the self-assessment pilot go?

Response counts per unit and wave, item non-response, and a "keep / revise / drop"
recommendation per indicator with its reason, from data availability, non-response and
coherence with the indicator's dimension.

The rules (parameters in brackets) are deliberately simple and reported with each result:

* **revise** - no unit has data; or the indicator correlates negatively with its parent
  (a direction or wording problem); or more than ``max_nonresponse`` (20 %) of the
  respondents skipped it;
* **drop** - weak coherence (0 <= r < ``weak``, 0.2) *and* data for fewer than
  ``min_coverage`` (30 %) of the units: little information at a real collection cost;
* **keep** - otherwise.

Example
-------
>>> import pandas as pd
>>> r = pd.DataFrame({"unit_id": ["A", "A", "B"], "wave": [2025] * 3, "q1": [1, None, 3]})
>>> item_nonresponse(r, ["q1"])["nonresponse"].round(2).tolist()
[0.33]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.defaults import MIN_N

__all__ = ["response_counts", "item_nonresponse", "indicator_review", "RULES"]

#: The recommendation rules' default thresholds.
RULES = {"max_nonresponse": 0.2, "weak": 0.2, "min_coverage": 0.3}


def response_counts(
    responses: pd.DataFrame, min_n: int = MIN_N, by: tuple[str, ...] = ("unit_id", "wave")
) -> pd.DataFrame:
    """Respondents per unit and wave (and per respondent role), small cells suppressed.

    Returns one row per group with ``respondents`` and one column per role; counts under
    ``min_n`` (a wave's total too, flagged in ``suppressed``) are shown as missing
    (``<NA>``); role counts withheld are counted in ``suppressed_roles``.

    Examples
    --------
    >>> roles = ["resident"] * 12 + ["police"] * 2 + ["resident"] * 3
    >>> r = pd.DataFrame({"unit_id": ["A"] * 14 + ["B"] * 3, "wave": 2025, "respondent_role": roles})
    >>> c = response_counts(r)
    >>> c[["unit_id", "respondents", "suppressed", "resident", "suppressed_roles"]]
      unit_id  respondents  suppressed  resident  suppressed_roles
    0       A           14       False        12                 1
    1       B         <NA>        True      <NA>                 2
    """
    by = [c for c in by if c in responses]
    total = responses.groupby(by).size().rename("respondents")
    out = total.mask(total < min_n).astype("Int64").to_frame()  # a wave of 3: withheld
    out["suppressed"] = (total < min_n).to_numpy()
    if "respondent_role" in responses:
        roles = responses.groupby(by + ["respondent_role"]).size().unstack(fill_value=0)
        small = roles < min_n
        out = out.join(roles.mask(small).astype("Int64"))
        out["suppressed_roles"] = small.sum(axis=1)
    return out.reset_index()


def item_nonresponse(
    responses: pd.DataFrame, items: list[str], unit_col: str = "unit_id"
) -> pd.DataFrame:
    """Share of respondents who skipped each item, overall and in the worst unit.

    Examples
    --------
    >>> r = pd.DataFrame({"unit_id": ["A", "A", "B", "B"], "q1": [1, None, 3, 4],
    ...                   "q2": [1, 2, None, None]})
    >>> item_nonresponse(r, ["q1", "q2"]).values.tolist()
    [['q1', 0.25, 0.5], ['q2', 0.5, 1.0]]
    """
    items = [i for i in items if i in responses]
    miss = responses[items].isna()
    overall = miss.mean()
    per_unit = miss.groupby(responses[unit_col]).mean() if unit_col in responses else None
    out = pd.DataFrame({"indicator_id": items, "nonresponse": overall.to_numpy()})
    if per_unit is not None:
        out["worst_unit_nonresponse"] = per_unit.max().reindex(items).to_numpy()
    return out


def indicator_review(
    fw,
    prof,
    coh=None,
    nonresponse: pd.DataFrame | None = None,
    item_stats: pd.DataFrame | None = None,
    max_nonresponse: float = RULES["max_nonresponse"],
    weak: float = RULES["weak"],
    min_coverage: float = RULES["min_coverage"],
    period=None,
) -> pd.DataFrame:
    """Keep / revise / drop per indicator, with the evidence and the reason.

    Long because: the docstring documents every column of the review (21 lines); the code is one
    pass per indicator.

    Parameters
    ----------
    fw : Framework
    prof : Profile
        The scored pilot (for data availability per unit).
    coh : CoherenceResult, optional
        For the correlation of each indicator with its parent (Pearson).
    nonresponse : DataFrame, optional
        From :func:`item_nonresponse`.
    item_stats : DataFrame, optional
        Respondent-level item-rest correlations (``indicator_id, corr_with_total``, from
        :func:`urbansec_lib.coherence.survey_alpha`); they replace the unit-level
        correlation for survey items, being estimated on far more observations.

    Returns
    -------
    DataFrame: indicator_id, label, dimension, source, unit_coverage, nonresponse,
    r_parent, recommendation, reason (framework order).

    Examples
    --------
    >>> from urbansec_lib.engine.scoring import example_data, score
    >>> from urbansec_lib.model.framework import load_framework
    >>> fw = load_framework()
    >>> prof = score(example_data(fw), fw)
    >>> nr = pd.DataFrame({"indicator_id": [fw.indicators[0].id], "nonresponse": [0.35]})
    >>> rv = indicator_review(fw, prof, nonresponse=nr)
    >>> rv["recommendation"].value_counts().to_dict()
    {'keep': 52, 'revise': 1}
    >>> rv.loc[0, "reason"]
    '35% of respondents skipped it'
    """
    ind = prof.indicators
    if "period" in ind:
        ind = ind[ind["period"] == (ind["period"].max() if period is None else period)]
    n_units = ind["unit_id"].nunique()
    avail = ind[ind["raw"].notna()].groupby("indicator_id")["unit_id"].nunique()
    r_parent = pd.Series(dtype=float)
    if coh is not None and len(coh.correlations):
        c = coh.correlations
        c = c[(c["relation"] == "parent") & (c["method"] == "pearson")]
        r_parent = c.set_index("var1")["r"]
    if item_stats is not None and len(item_stats):
        r_parent = item_stats.set_index("indicator_id")["corr_with_total"].combine_first(r_parent)
    nr = (
        nonresponse.set_index("indicator_id")["nonresponse"]
        if nonresponse is not None
        else pd.Series(dtype=float)
    )
    rows = []
    for i in fw.indicators:
        cov = float(avail.get(i.id, 0)) / n_units if n_units else 0.0
        r = float(r_parent.get(i.id, np.nan))
        skip = float(nr.get(i.id, np.nan))
        reasons, rec = [], "keep"
        if cov == 0:
            rec = "revise"
            reasons.append("no unit has data: collect it in the next wave or replace it")
        if np.isfinite(r) and r < 0:
            rec = "revise"
            reasons.append(
                f"correlates negatively with its dimension (r = {r:.2f}): check direction and wording"
            )
        if np.isfinite(skip) and skip > max_nonresponse:
            rec = "revise"
            reasons.append(f"{skip:.0%} of respondents skipped it")
        if np.isfinite(r) and 0 <= r < weak and 0 < cov < min_coverage:
            rec = "drop"
            reasons.append(
                f"weakly coherent (r = {r:.2f}) and available for only {cov:.0%} of units"
            )
        if not reasons:
            reasons.append(
                f"available for {cov:.0%} of units"
                + (f", r = {r:.2f} with its dimension" if np.isfinite(r) else "")
            )
        rows.append(
            {
                "indicator_id": i.id,
                "label": i.label,
                "dimension": fw.dimension_of(i.id),
                "source": i.source.get("kind"),
                "unit_coverage": cov,
                "nonresponse": skip,
                "r_parent": r,
                "recommendation": rec,
                "reason": "; ".join(reasons),
            }
        )
    return pd.DataFrame(rows)
