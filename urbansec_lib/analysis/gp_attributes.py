"""Attributes of the security-by-design good practices: the binary matrix, overview, 2x2 tests.

Part of :mod:`urbansec_lib.analysis.good_practices` (its public face).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..inputs import instruments as _instr

_INSTRUMENT = "good_practice"
_CATEGORICAL = ("location_type", "threat", "cost_band")
_MULTIPLE = ("measures", "partners")
_PHRASES = {
    "location_type": "the space is a",
    "threat": "the main threat is",
    "measures": "the measures include",
    "partners": "the partners include",
    "cost_band": "the cost is",
}

#: The repo's demo export of the good-practice survey (used by the examples).
_DEMO = (
    Path(__file__).resolve().parents[2]
    / "data"
    / "raw"
    / "good_practices"
    / "good_practices_kobo.csv"
)


def _short(label: str) -> str:
    """A choice label without its parenthesis, lower-cased except for acronyms (EUR)."""
    words = label.split("(")[0].strip().split()
    return " ".join(w if w.isupper() else w.lower() for w in words)


# --------------------------------------------------------------------------------------------
# Attributes
# --------------------------------------------------------------------------------------------


def attribute_matrix(
    df: pd.DataFrame, instr: Any = _INSTRUMENT
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binary attribute matrix of the practices, and a frame describing each attribute.

    Returns
    -------
    X : DataFrame of 0/1 (float; NaN where the answer is missing), one column per attribute
        ``<question>=<code>`` (select_one), ``<question>:<code>`` (select_multiple) and
        ``liveability>=4``.
    meta : DataFrame
        feature, question, code, label (plain-language description).

    Examples
    --------
    >>> from urbansec_lib import instruments
    >>> df = instruments.read_responses(_DEMO, "good_practice")  # the demo export
    >>> X, meta = attribute_matrix(df)
    >>> X.shape, X.columns[0], meta.columns.tolist()
    ((40, 29), 'location_type=square', ['feature', 'question', 'code', 'label'])
    """
    instr = _instr.load_instrument(instr)
    cols: dict[str, pd.Series] = {}
    meta: list[tuple[str, str, str, str]] = []
    for q in ("location_type", "threat", "measures", "partners", "cost_band"):
        if q not in df.columns:
            continue
        labels = instr.labels(q)
        if q in _MULTIPLE:
            d = _instr.dummies(df, instr, q).astype("Float64")
            for code in labels:
                name = f"{q}:{code}"
                cols[name] = d[code]
                meta.append((name, q, code, f"{_PHRASES[q]} {_short(labels[code])}"))
        else:
            s = df[q]
            for code in labels:
                name = f"{q}={code}"
                cols[name] = (s == code).astype("Float64").where(s.notna())
                meta.append((name, q, code, f"{_PHRASES[q]} {_short(labels[code])}"))
    if "liveability" in df.columns:
        lv = pd.to_numeric(df["liveability"], errors="coerce").astype(float)
        cols["liveability>=4"] = (lv >= 4).astype(float).where(lv.notna())
        meta.append(
            ("liveability>=4", "liveability", ">=4", "liveability integration rated 4 or 5")
        )
    X = pd.DataFrame(cols, index=df.index).astype(float)
    return X, pd.DataFrame(meta, columns=["feature", "question", "code", "label"])


def overview(df: pd.DataFrame, instr: Any = _INSTRUMENT) -> pd.DataFrame:
    """Number of practices per code of each descriptive question (form order).

    Returns a tidy frame: question, code, label, n_practices.

    Examples
    --------
    >>> from urbansec_lib import instruments
    >>> df = instruments.read_responses(_DEMO, "good_practice")  # the demo export
    >>> print(overview(df).head(2).to_string(index=False))
         question   code                     label  n_practices
    location_type square           Square or plaza            9
    location_type street Street or pedestrian zone           10
    """
    instr = _instr.load_instrument(instr)
    frames = []
    for q in ("location_type", "threat", "measures", "cost_band", "partners"):
        if q not in df.columns:
            continue
        if q in _MULTIPLE:
            counts = _instr.dummies(df, instr, q).sum()
        else:
            counts = df[q].value_counts().reindex(instr.codes(q), fill_value=0)
        labels = instr.labels(q)
        frames.append(
            pd.DataFrame(
                {
                    "question": q,
                    "code": list(labels),
                    "label": list(labels.values()),
                    "n_practices": counts.reindex(list(labels)).fillna(0).astype(int).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def fisher_table(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """2x2 table attribute (rows: with, without) x outcome (columns: high, not high).

    Returns counts a, b, c, d (with&high, with&not, without&high, without&not), the two-sided
    Fisher exact p, the sample odds ratio ad/bc, the conditional MLE odds ratio and its exact
    95% CI.

    Example
    -------
    >>> r = fisher_table(np.array([1, 1, 1, 1, 0, 0, 0, 0]), np.array([1, 1, 1, 0, 1, 0, 0, 0]))
    >>> (r["a"], r["b"], r["c"], r["d"]), round(r["p_fisher"], 4)
    ((3, 1, 1, 3), 0.4857)
    """
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    a, b = int((x & y).sum()), int((x & ~y).sum())
    c, d = int((~x & y).sum()), int((~x & ~y).sum())
    table = np.array([[a, b], [c, d]])
    p = stats.fisher_exact(table, alternative="two-sided").pvalue
    sample_or = (a * d) / (b * c) if b * c > 0 else (np.inf if a * d > 0 else np.nan)
    try:
        orr = stats.contingency.odds_ratio(table, kind="conditional")
        est = float(orr.statistic)
        ci = orr.confidence_interval(0.95)
        lo, hi = float(ci.low), float(ci.high)
    except ValueError:  # a zero row or column
        est, lo, hi = np.nan, np.nan, np.nan
    return {
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "p_fisher": float(p),
        "odds_ratio_sample": sample_or,
        "odds_ratio": est,
        "or_low": lo,
        "or_high": hi,
    }


def evidence_label(p: float, auc: float, same_sign: bool, perm_lower: float) -> str:
    """The evidence-strength label of a candidate rule (see the module docstring).

    Example
    -------
    >>> evidence_label(0.004, 0.78, True, 0.01), evidence_label(0.03, 0.6, True, -0.1)
    ('strong', 'moderate')
    >>> evidence_label(0.15, 0.9, True, 0.2), evidence_label(0.5, 0.9, True, 0.2)
    ('weak', '')
    """
    if not np.isfinite(p):
        return ""
    if p < 0.01 and np.isfinite(auc) and auc > 0.7 and same_sign:
        return "strong"
    if p < 0.05 or (p < 0.10 and np.isfinite(perm_lower) and perm_lower > 0):
        return "moderate"
    if p < 0.20:
        return "weak"
    return ""
