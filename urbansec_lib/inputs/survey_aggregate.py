"""Survey responses -> indicator values (``unit_id, indicator_id, period, value, n, source``).

:func:`aggregate` turns tidy responses (:attr:`urbansec_lib.survey.Responses.data`) into one
value per indicator and group: the (weighted) share of respondents giving a positive answer
(``aggregate: share``; ``source.positive`` codes, by default the upper half of a Likert
scale, *yes*, any ticked option) or the (weighted) mean answer (``aggregate: mean``).
Values are not suppressed here: :func:`urbansec_lib.privacy.suppress` does that before
publishing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..model.framework import Framework, Indicator
from .survey_questions import is_numeric, item_codes
from .survey_read import Responses

__all__ = ["aggregate"]


def aggregate(
    responses: pd.DataFrame | Responses,
    fw: Framework,
    by: Sequence[str] = ("unit_id", "wave"),
    weights: str | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Tidy survey indicator values per group.

    Parameters
    ----------
    responses : DataFrame or Responses
        Tidy responses (``Responses.data`` layout).
    fw : Framework
    by : sequence of str
        Grouping columns; ``wave`` is reported as ``period``.
    weights : str or array-like, optional
        A weight column name (or one weight per row); weighted shares / means.

    Returns
    -------
    DataFrame
        ``unit_id, indicator_id, period, value, n, source`` (plus any other ``by``
        columns before ``indicator_id``). ``aggregate: share`` -> 100 x (weighted) share of
        respondents whose answer is in ``source.positive`` (select_multiple: who ticked any
        positive option); ``aggregate: mean`` -> (weighted) mean answer. ``n`` = respondents
        who answered (unweighted). Groups where nobody answered are left out. Values are not
        suppressed here: apply :func:`privacy.suppress` before publishing. Indicators whose
        ``source.respondent`` names a role other than ``resident`` (e.g. ``city_staff``)
        use only the answers of respondents with that ``respondent_role``.

    Examples
    --------
    >>> import pandas as pd
    >>> from urbansec_lib import load_framework
    >>> r = pd.DataFrame({"unit_id": ["DE001C"] * 3, "wave": [2024] * 3,
    ...                   "respondent_role": ["resident"] * 3, "qol_life_satisfaction": [4, 1, 3]})
    >>> aggregate(r, load_framework())
      unit_id           indicator_id  period      value  n  source
    0  DE001C  qol_life_satisfaction    2024  66.666667  3  survey
    """
    df = responses.data if isinstance(responses, Responses) else responses
    by = list(by)
    missing = [b for b in by if b not in df.columns]
    if missing:
        raise KeyError(f"grouping columns not in the responses: {missing}")
    w = _weights(df, weights)
    keys = df[by].reset_index(drop=True)
    parts = []
    roles = df["respondent_role"].reset_index(drop=True) if "respondent_role" in df else None
    for ind in fw.survey_indicators():
        if ind.id not in df.columns:
            continue
        s = df[ind.id].reset_index(drop=True)
        role = ind.source.get("respondent")
        if roles is not None and role not in (None, "resident", "any"):
            # facts about the authority (a written strategy, a safety audit) are answered by
            # its staff: other respondents' answers are not evidence about them
            s = s.where(roles == role)
        parts.append(_group_values(ind, s, keys, w, by))
    cols = [("period" if b == "wave" else b) for b in by]
    order = (
        [c for c in cols if c != "period"]
        + ["indicator_id"]
        + (["period"] if "period" in cols else [])
    )
    order += ["value", "n", "source"]
    if not parts:
        return pd.DataFrame(columns=order)
    res = pd.concat(parts, ignore_index=True).rename(columns={"wave": "period"})
    res["source"] = "survey"
    res["n"] = res["n"].astype("int64")
    return res[order].reset_index(drop=True)


def _weights(df: pd.DataFrame, weights: str | Sequence[float] | None) -> np.ndarray:
    """One finite weight >= 0 per row (ones without weights); located problems otherwise."""
    nrow = len(df)
    if weights is None:
        return np.ones(nrow)
    wv = df[weights] if isinstance(weights, str) else pd.Series(np.asarray(weights))
    w = pd.to_numeric(wv, errors="coerce").to_numpy(dtype=float)
    badw = ~np.isfinite(w) | (w < 0)
    if len(w) != nrow or badw.any():
        probs = [
            Problem(
                "<responses>",
                int(i) + 2,
                str(weights) if isinstance(weights, str) else "weights",
                None if np.isnan(w[i]) else float(w[i]),
                "a finite weight >= 0",
            )
            for i in np.flatnonzero(badw)[:200]
        ]
        if len(w) != nrow:
            probs = [
                Problem("<responses>", None, "weights", len(w), f"{nrow} weights, one per row")
            ]
        raise ValidationError(probs, "survey weights")
    return w


def _scored(ind: Indicator, s: pd.Series, kind: str) -> np.ndarray:
    """Per respondent: 1/0 (positive answer or not) for shares, the answer for means;
    NaN where not answered."""
    if ind.type == "select_multiple":
        st = s.astype("string")
        pat = r"(?:^|\s)(?:" + "|".join(str(p) for p in _positive(ind)) + r")(?:\s|$)"
        hit = st.str.contains(pat, regex=True)
        return np.where(
            st.isna().to_numpy(), np.nan, hit.fillna(False).to_numpy(dtype=bool).astype(float)
        )
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if kind == "share":
        x = np.where(np.isnan(x), np.nan, np.isin(x, _positive(ind)).astype(float))
    return x


def _group_values(
    ind: Indicator, s: pd.Series, keys: pd.DataFrame, w: np.ndarray, by: list[str]
) -> pd.DataFrame:
    """One indicator's (weighted) value and respondents per group (groups with answers)."""
    kind = _aggregate_kind(ind)
    x = _scored(ind, s, kind)
    ans = ~np.isnan(x)
    tmp = keys.copy()
    tmp["_wx"] = np.where(ans, w * np.nan_to_num(x), 0.0)
    tmp["_w"] = np.where(ans, w, 0.0)
    tmp["n"] = ans.astype(np.int64)
    g = tmp.groupby(by, sort=True, dropna=False, observed=True)[["_wx", "_w", "n"]].sum()
    g = g.reset_index()
    g = g[g["n"] > 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        val = g["_wx"].to_numpy() / g["_w"].to_numpy()
    if kind == "share":
        val = val * 100.0
    g["value"] = val
    g["indicator_id"] = ind.id
    return g.drop(columns=["_wx", "_w"])


def _aggregate_kind(ind: Indicator) -> str:
    agg = ind.source.get("aggregate")
    if agg in ("share", "mean"):
        if agg == "share" and is_numeric(ind):
            return "mean"
        return agg
    if ind.type in ("yes_no", "select_multiple"):
        return "share"
    if ind.type in ("likert4", "likert5") and ind.source.get("positive"):
        return "share"
    return "mean"


def _positive(ind: Indicator) -> list[int]:
    pos = ind.source.get("positive")
    if pos:
        return [int(p) for p in pos]
    if ind.type == "yes_no":
        return [1]
    if ind.type in ("likert4", "likert5"):
        n = int(ind.type[-1])
        return list(range(n // 2 + 1 + n % 2, n + 1))  # upper half: 3-4 of 4, 4-5 of 5
    return list(item_codes(ind) or [])
