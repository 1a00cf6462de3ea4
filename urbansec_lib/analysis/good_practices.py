"""Security-by-design good practices (UA Partnership Action 6): inventory and success factors.

The inventory is collected with the ``good_practice`` instrument
(``instruments/good_practice.yaml``) and read with
:func:`urbansec_lib.instruments.read_responses`. This module

* writes a static, searchable and filterable HTML page of the inventory plus a CSV
  (:func:`inventory_html`): one self-contained file, inline JavaScript, no CDN, labelled form
  controls, works when opened from disk;
* looks for *candidate* success factors in small samples (:func:`success_factors`): which
  practice attributes go together with a high self-rated success (4-5)?

Methods of :func:`success_factors`
    1. For every binary attribute (a location type, a threat, a measure, a partner, a cost
       band, liveability integration >= 4): the 2x2 table attribute x high success, Fisher's
       exact test (:func:`scipy.stats.fisher_exact`, two-sided), the conditional maximum
       likelihood odds ratio with its exact CI (:func:`scipy.stats.contingency.odds_ratio`),
       and Holm-adjusted p-values across attributes (for information).
    2. An L2-penalised logistic regression (scikit-learn, ``C=1``, standardised attributes)
       with repeated stratified k-fold cross-validated ROC AUC (mean and standard deviation
       over folds): how well do the attributes *together* separate high from other success?
    3. A random forest with permutation importance (:func:`sklearn.inspection.permutation_importance`,
       ROC AUC) computed on the held-out fold of each split, averaged over folds.

Evidence labels of the "rules of thumb" (documented decision, open to better judgement)
    ``strong``   Fisher p < 0.01, the logistic model's CV-AUC > 0.7, and the model's
                 standardised coefficient has the same sign as log(odds ratio).
    ``moderate`` Fisher p < 0.05, or p < 0.10 with a held-out permutation importance whose
                 mean minus one standard deviation is above zero.
    ``weak``     Fisher p < 0.20 (a lead to discuss, not a finding).
    Attributes with p >= 0.20 give no rule. All rules are associations in a self-selected,
    self-rated sample: candidates for discussion with practitioners, never causal claims.

Example
-------
>>> from urbansec_lib import good_practices as gp, instruments
>>> df = instruments.read_responses("good_practices_kobo.csv", "good_practice")  # doctest: +SKIP
>>> sf = gp.success_factors(df, seed=0)  # doctest: +SKIP
>>> sf.rules[["rule", "evidence"]]  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..inputs import instruments as _instr

__all__ = [
    "SuccessFactors",
    "attribute_matrix",
    "evidence_label",
    "fisher_table",
    "inventory_html",
    "overview",
    "plot_success_factors",
    "success_factors",
]

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


# --------------------------------------------------------------------------------------------
# Success factors
# --------------------------------------------------------------------------------------------


@dataclass
class SuccessFactors:
    """Result of :func:`success_factors`.

    Attributes
    ----------
    crosstabs : DataFrame
        Per attribute: feature, label, a, b, c, d, share_high_with, share_high_without,
        odds_ratio (conditional MLE), or_low, or_high, p_fisher, p_holm.
    model : dict
        n, n_high, logistic CV-AUC mean / sd, random-forest CV-AUC mean / sd, n_splits,
        n_repeats, seed (``None`` values when a class is too small for cross-validation).
    coefficients : DataFrame
        feature, coef (standardised logistic coefficients fitted on all practices).
    importance : DataFrame
        feature, importance_mean, importance_sd (held-out permutation importance, ROC AUC).
    rules : DataFrame
        Candidate rules of thumb: feature, direction (+/-), rule, evidence, p_fisher,
        odds_ratio (attribute order, grouped by evidence label; never a ranking of practices).
    """

    crosstabs: pd.DataFrame
    model: dict[str, Any]
    coefficients: pd.DataFrame
    importance: pd.DataFrame
    rules: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Cross-tabs joined with model coefficient and permutation importance."""
        return self.crosstabs.merge(self.coefficients, on="feature", how="left").merge(
            self.importance, on="feature", how="left"
        )

    def summary(self) -> str:
        m = self.model
        auc = (
            "not estimated (too few practices per class)"
            if m.get("auc_mean") is None
            else f"{m['auc_mean']:.2f} (sd {m['auc_sd']:.2f})"
        )
        lines = [
            f"{m['n']} practices, {m['n_high']} with high self-rated success (>= "
            f"{self.params['threshold']}).",
            f"Logistic (L2) repeated {m['n_splits']}-fold CV AUC: {auc}.",
        ]
        if m.get("rf_auc_mean") is not None:
            lines.append(f"Random forest CV AUC: {m['rf_auc_mean']:.2f} (sd {m['rf_auc_sd']:.2f}).")
        lines.append("Candidate rules of thumb (associations, not causes):")
        if self.rules.empty:
            lines.append("  none (no attribute with Fisher p < 0.20)")
        for r in self.rules.itertuples():
            lines.append(f"  [{r.evidence}] {r.rule}")
        return "\n".join(lines)

    def summary_markdown(self) -> str:
        """:meth:`summary` as Markdown (one line per rule, evidence label in bold)."""
        lines = self.summary().splitlines()
        out = []
        for ln in lines:
            s = ln.strip()
            if s.startswith("[") and "]" in s:
                label, rest = s[1:].split("]", 1)
                out.append(f"- **{label}**{rest}")
            else:
                out.append(s + "  ")
        return "\n".join(out)

    def plot(self):
        """Odds ratios with exact CIs per attribute; returns a Figure."""
        return plot_success_factors(self.crosstabs)


def success_factors(
    df: pd.DataFrame,
    seed: int = 0,
    threshold: int = 4,
    n_splits: int = 5,
    n_repeats: int = 10,
    n_estimators: int = 100,
    perm_repeats: int = 5,
    min_count: int = 3,
    instr: Any = _INSTRUMENT,
) -> SuccessFactors:
    """Candidate success factors of good practices in a small sample.

    Parameters
    ----------
    df : DataFrame
        Practices as read by :func:`urbansec_lib.instruments.read_responses` with the
        ``good_practice`` instrument (needs ``success``).
    seed : int
        Seed of the cross-validation splits, the random forest and the permutations.
    threshold : int
        High success is ``success >= threshold`` (default 4 on the 1-5 scale).
    n_splits, n_repeats : int
        Repeated stratified k-fold cross-validation (``n_splits`` is lowered to the size of
        the smaller class when needed).
    n_estimators, perm_repeats : int
        Random-forest trees and permutation repeats per held-out fold.
    min_count : int
        Attributes present (or absent) in fewer than ``min_count`` practices are left out.

    Returns
    -------
    SuccessFactors
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from statsmodels.stats.multitest import multipletests

    y_all = pd.to_numeric(df["success"], errors="coerce")
    keep = y_all.notna()
    X, meta = attribute_matrix(df.loc[keep], instr)
    y = (y_all[keep] >= threshold).to_numpy()
    X = X.fillna(0.0)  # a missing optional answer counts as "not this attribute"
    counts = X.sum()
    X = X.loc[:, (counts >= min_count) & (counts <= len(X) - min_count)]
    meta = meta.set_index("feature").loc[X.columns].reset_index()

    rows = [fisher_table(X[c].to_numpy(), y) for c in X.columns]
    ct = pd.concat([meta[["feature", "label"]], pd.DataFrame(rows)], axis=1)
    ct["share_high_with"] = ct["a"] / (ct["a"] + ct["b"])
    ct["share_high_without"] = ct["c"] / (ct["c"] + ct["d"])
    ct["p_holm"] = multipletests(ct["p_fisher"], method="holm")[1] if len(ct) else []

    n_high, n_low = int(y.sum()), int((~y).sum())
    k = min(n_splits, n_high, n_low)
    model: dict[str, Any] = {
        "n": int(len(y)),
        "n_high": n_high,
        "n_splits": k,
        "n_repeats": n_repeats,
        "seed": seed,
        "auc_mean": None,
        "auc_sd": None,
        "rf_auc_mean": None,
        "rf_auc_sd": None,
    }
    coefs = pd.DataFrame({"feature": X.columns, "coef": np.nan})
    imp = pd.DataFrame({"feature": X.columns, "importance_mean": np.nan, "importance_sd": np.nan})
    if k >= 2 and X.shape[1] > 0:
        Xa = X.to_numpy()
        logit = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
        cv = RepeatedStratifiedKFold(n_splits=k, n_repeats=n_repeats, random_state=seed)
        auc = cross_val_score(logit, Xa, y, cv=cv, scoring="roc_auc")
        model.update(auc_mean=float(auc.mean()), auc_sd=float(auc.std(ddof=1)))
        logit.fit(Xa, y)
        coefs["coef"] = logit[-1].coef_[0]
        # random forest: held-out AUC and permutation importance on each test fold
        cv1 = RepeatedStratifiedKFold(n_splits=k, n_repeats=1, random_state=seed)
        rf_auc, perms = [], []
        from sklearn.metrics import roc_auc_score

        for i, (tr, te) in enumerate(cv1.split(Xa, y)):
            rf = RandomForestClassifier(
                n_estimators=n_estimators, min_samples_leaf=2, random_state=seed + i
            )
            rf.fit(Xa[tr], y[tr])
            rf_auc.append(roc_auc_score(y[te], rf.predict_proba(Xa[te])[:, 1]))
            pi = permutation_importance(
                rf, Xa[te], y[te], scoring="roc_auc", n_repeats=perm_repeats, random_state=seed + i
            )
            perms.append(pi.importances_mean)
        perms = np.asarray(perms)
        model.update(rf_auc_mean=float(np.mean(rf_auc)), rf_auc_sd=float(np.std(rf_auc, ddof=1)))
        imp["importance_mean"] = perms.mean(axis=0)
        imp["importance_sd"] = perms.std(axis=0, ddof=1)

    # rules of thumb
    full = ct.merge(coefs, on="feature").merge(imp, on="feature")
    log_or = np.log(full["odds_ratio"].replace(0, np.nan))
    same = np.sign(full["coef"]) == np.sign(log_or.fillna(0))
    perm_lower = full["importance_mean"] - full["importance_sd"]
    auc_m = model["auc_mean"] if model["auc_mean"] is not None else np.nan
    full["evidence"] = [
        evidence_label(p, auc_m, s, pl) for p, s, pl in zip(full["p_fisher"], same, perm_lower)
    ]
    full["direction"] = np.where(full["share_high_with"] >= full["share_high_without"], "+", "-")

    def rule(r: pd.Series) -> str:
        verb = "more" if r["direction"] == "+" else "less"
        return (
            f"Practices where {r['label']} reached high success {verb} often "
            f"({r['a']} of {r['a'] + r['b']} vs {r['c']} of {r['c'] + r['d']} without; "
            f"odds ratio {r['odds_ratio']:.2g}, Fisher p {r['p_fisher']:.2g})."
        )

    cand = full[full["evidence"] != ""].copy()
    cand["rule"] = cand.apply(rule, axis=1) if len(cand) else []
    order = {"strong": 0, "moderate": 1, "weak": 2}
    cand = cand.assign(_o=cand["evidence"].map(order)).sort_values("_o", kind="stable")
    rules = cand[["feature", "direction", "rule", "evidence", "p_fisher", "odds_ratio"]]
    return SuccessFactors(
        crosstabs=ct,
        model=model,
        coefficients=coefs,
        importance=imp,
        rules=rules.reset_index(drop=True),
        params={
            "threshold": threshold,
            "seed": seed,
            "n_estimators": n_estimators,
            "perm_repeats": perm_repeats,
            "min_count": min_count,
        },
    )


def plot_success_factors(crosstabs: pd.DataFrame):
    """Odds ratio (log scale) with exact 95% CI per attribute, in attribute order."""
    import matplotlib.pyplot as plt

    df = crosstabs.reset_index(drop=True)
    y = np.arange(len(df))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(df) + 1.4))
    est = df["odds_ratio"].clip(1e-2, 1e2)
    lo = df["or_low"].clip(1e-2, 1e2)
    hi = df["or_high"].clip(1e-2, 1e2)
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color="#1b5e96", capsize=2)
    ax.axvline(1, color="#444444", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(1e-2, 1e2)
    ax.set_yticks(y)
    ax.set_yticklabels(df["feature"], fontsize=8)
    ax.set_xlabel("Odds ratio of high success (exact 95% CI, clipped to 0.01-100)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# Inventory page
# --------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1a1a1a}
h1{font-size:1.5rem}.note{color:#444;max-width:60rem}
form{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0;align-items:flex-end}
label{display:flex;flex-direction:column;font-size:.9rem;gap:.2rem}
select,input{font:inherit;padding:.3rem;border:1px solid #767676;border-radius:3px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}caption{text-align:left;font-weight:600;margin-bottom:.5rem}
button{font:inherit;padding:.3rem .8rem}:focus{outline:3px solid #f9a825}
"""

_JS = """
(function(){
  var f=document.getElementById('filters'), rows=[].slice.call(document.querySelectorAll('#inv tbody tr'));
  var out=document.getElementById('count');
  function apply(){
    var q=document.getElementById('q').value.toLowerCase().trim(), shown=0;
    var sel=[].slice.call(f.querySelectorAll('select'));
    rows.forEach(function(r){
      var ok=!q||r.textContent.toLowerCase().indexOf(q)>=0;
      sel.forEach(function(s){
        if(ok&&s.value){var v=(r.getAttribute('data-'+s.name)||'').split(' ');ok=v.indexOf(s.value)>=0;}
      });
      r.hidden=!ok; if(ok){shown++;}
    });
    out.textContent=shown+' of '+rows.length+' practices shown';
  }
  f.addEventListener('input',apply); f.addEventListener('change',apply);
  f.addEventListener('reset',function(){setTimeout(apply,0);});
  f.addEventListener('submit',function(e){e.preventDefault();});
  apply();
})();
"""


def inventory_html(
    df: pd.DataFrame,
    path: str | Path,
    title: str = "Security by design in public spaces: good-practice inventory",
    note: str = "",
    instr: Any = _INSTRUMENT,
    include_text: bool = False,
) -> Path:
    """Write the inventory as one static, searchable, filterable HTML page and a CSV.

    Parameters
    ----------
    df : DataFrame
        Practices as read by :func:`urbansec_lib.instruments.read_responses`.
    path : str or Path
        The ``.html`` file; the CSV is written next to it (same name, ``.csv``).
    title, note : str
        Page title and an introductory note (e.g. "SYNTHETIC demo data").
    include_text : bool
        Show the free-text ``outcomes`` column when present (default ``False``).

    Returns
    -------
    Path of the HTML page. Practices appear in the order given (never sorted by success).

    Notes
    -----
    Filters (country, type of space, threat, measure, partner) and a free-text search work
    offline (inline JavaScript, no external resources); every control has a visible label,
    the table has a caption and column headers with ``scope``, and the number of shown
    practices is announced in an ``aria-live`` region.
    """
    instr = _instr.load_instrument(instr)
    path = Path(path)
    cols = [
        c
        for c in (
            "practice_name",
            "city",
            "country",
            "year",
            "location_type",
            "threat",
            "measures",
            "liveability",
            "cost_band",
            "partners",
            "success",
        )
        if c in df.columns
    ]
    if include_text and "outcomes" in df.columns:
        cols.append("outcomes")
    data = df[cols].reset_index(drop=True)
    # CSV with codes replaced by labels
    csv = data.copy()
    for c in cols:
        if c in instr.names and instr.question(c).choices and not instr.numeric_codes(c):
            lab = instr.labels(c)
            csv[c] = csv[c].map(
                lambda v, lab=lab: (
                    "; ".join(lab.get(t, t) for t in str(v).split()) if isinstance(v, str) else v
                )
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    from ..core.ingest import write_csv

    write_csv(csv, path.with_suffix(".csv"))

    def esc(v: Any) -> str:
        return (
            ""
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA
            else html.escape(str(v))
        )

    heads = {
        c: (instr.question(c).label.split("(")[0].split("?")[0].strip() if c in instr.names else c)
        for c in cols
    }
    filters = [
        c for c in ("country", "location_type", "threat", "measures", "partners") if c in cols
    ]
    controls = [
        '<label for="q">Search<input id="q" name="q" type="search" '
        'placeholder="title, city, measure..."></label>'
    ]
    for c in filters:
        present = set(" ".join(data[c].dropna().astype(str)).split())
        opts = "".join(
            f'<option value="{html.escape(k)}">{html.escape(v)}</option>'
            for k, v in instr.labels(c).items()
            if k in present
        )
        controls.append(
            f'<label for="f-{c}">{html.escape(heads[c])}<select id="f-{c}" '
            f'name="{c}"><option value="">All</option>{opts}</select></label>'
        )
    controls.append('<button type="reset">Clear filters</button>')
    body_rows = []
    for r in data.itertuples(index=False):
        rec = dict(zip(cols, r))
        attrs = " ".join(f'data-{c}="{esc(rec[c])}"' for c in filters)
        cells = []
        for c in cols:
            v = rec[c]
            if isinstance(v, str) and c in instr.names and instr.question(c).choices:
                lab = instr.labels(c)
                v = "; ".join(lab.get(t, t) for t in v.split())
            cells.append(f"<td>{esc(v)}</td>")
        body_rows.append(f"<tr {attrs}>{''.join(cells)}</tr>")
    th = "".join(f'<th scope="col">{html.escape(heads[c])}</th>' for c in cols)
    meta = json.dumps({"instrument": instr.stamp, "n": len(data)})
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="urbansec good_practices.inventory_html {html.escape(meta)}">
<title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>{html.escape(title)}</h1>
<p class="note">{html.escape(note)}</p>
<p class="note">Practices in the order they were submitted. Success is the submitting team's
own rating (1-5); it is not an independent evaluation and the list is not a ranking.</p>
<form id="filters" role="search" aria-label="Filter the practices">{"".join(controls)}</form>
<p id="count" aria-live="polite"></p>
<table id="inv"><caption>{html.escape(title)}</caption>
<thead><tr>{th}</tr></thead><tbody>
{chr(10).join(body_rows)}
</tbody></table>
</main><script>{_JS}</script></body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
