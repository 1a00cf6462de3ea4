"""Candidate success factors of the good practices: tests, models, evidence labels, figure.

Part of :mod:`urbansec_lib.analysis.good_practices` (its public face; see it for the
methods and the rules of thumb).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .gp_attributes import _INSTRUMENT, attribute_matrix, evidence_label, fisher_table

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

    Examples
    --------
    >>> from urbansec_lib import instruments
    >>> from urbansec_lib.analysis.gp_attributes import _DEMO
    >>> from urbansec_lib.analysis.gp_factors import success_factors
    >>> df = instruments.read_responses(_DEMO, "good_practice")  # the demo export
    >>> # 2 folds, 1 repeat, 5 trees and 1 permutation (defaults 5, 10, 100, 5): fast
    >>> sf = success_factors(df, seed=0, n_splits=2, n_repeats=1, n_estimators=5, perm_repeats=1)
    >>> type(sf).__name__, list(sf.table().columns[:3]), sf.model["n"], sf.model["n_high"]
    ('SuccessFactors', ['feature', 'label', 'a'], 40, 18)
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


def _crosstabs(X: pd.DataFrame, y: np.ndarray, meta: pd.DataFrame) -> pd.DataFrame:
    """Fisher's 2x2 table of every attribute, shares of high success, Holm-adjusted p."""
    from statsmodels.stats.multitest import multipletests

    rows = [fisher_table(X[c].to_numpy(), y) for c in X.columns]
    ct = pd.concat([meta[["feature", "label"]], pd.DataFrame(rows)], axis=1)
    ct["share_high_with"] = ct["a"] / (ct["a"] + ct["b"])
    ct["share_high_without"] = ct["c"] / (ct["c"] + ct["d"])
    ct["p_holm"] = multipletests(ct["p_fisher"], method="holm")[1] if len(ct) else []
    return ct


def _models(
    X: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    n_splits: int,
    n_repeats: int,
    n_estimators: int,
    perm_repeats: int,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The penalised logistic model (CV AUC, coefficients) and the random forest (held-out
    AUC, permutation importance); empty where a class has fewer than two practices."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

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
    if k < 2 or X.shape[1] == 0:
        return model, coefs, imp
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
    return model, coefs, imp


def _rule(r: pd.Series) -> str:
    """The sentence of one candidate rule."""
    verb = "more" if r["direction"] == "+" else "less"
    return (
        f"Practices where {r['label']} reached high success {verb} often "
        f"({r['a']} of {r['a'] + r['b']} vs {r['c']} of {r['c'] + r['d']} without; "
        f"odds ratio {r['odds_ratio']:.2g}, Fisher p {r['p_fisher']:.2g})."
    )


def _rules(
    ct: pd.DataFrame, coefs: pd.DataFrame, imp: pd.DataFrame, model: dict[str, Any]
) -> pd.DataFrame:
    """The rules of thumb: attributes with an evidence label, strongest first."""
    full = ct.merge(coefs, on="feature").merge(imp, on="feature")
    log_or = np.log(full["odds_ratio"].replace(0, np.nan))
    same = np.sign(full["coef"]) == np.sign(log_or.fillna(0))
    perm_lower = full["importance_mean"] - full["importance_sd"]
    auc_m = model["auc_mean"] if model["auc_mean"] is not None else np.nan
    full["evidence"] = [
        evidence_label(p, auc_m, s, pl) for p, s, pl in zip(full["p_fisher"], same, perm_lower)
    ]
    full["direction"] = np.where(full["share_high_with"] >= full["share_high_without"], "+", "-")
    cand = full[full["evidence"] != ""].copy()
    cand["rule"] = cand.apply(_rule, axis=1) if len(cand) else []
    order = {"strong": 0, "moderate": 1, "weak": 2}
    cand = cand.assign(_o=cand["evidence"].map(order)).sort_values("_o", kind="stable")
    return cand[["feature", "direction", "rule", "evidence", "p_fisher", "odds_ratio"]]


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

    Examples
    --------
    >>> from urbansec_lib import instruments
    >>> from urbansec_lib.analysis.gp_attributes import _DEMO
    >>> df = instruments.read_responses(_DEMO, "good_practice")  # the demo export
    >>> # fewer repeats, trees and permutations than the defaults, to run in a second
    >>> sf = success_factors(df, seed=0, n_repeats=1, n_estimators=20, perm_repeats=1)
    >>> sf.rules["evidence"].tolist()[:3]
    ['strong', 'moderate', 'weak']
    """
    y_all = pd.to_numeric(df["success"], errors="coerce")
    keep = y_all.notna()
    X, meta = attribute_matrix(df.loc[keep], instr)
    y = (y_all[keep] >= threshold).to_numpy()
    X = X.fillna(0.0)  # a missing optional answer counts as "not this attribute"
    counts = X.sum()
    X = X.loc[:, (counts >= min_count) & (counts <= len(X) - min_count)]
    meta = meta.set_index("feature").loc[X.columns].reset_index()
    ct = _crosstabs(X, y, meta)
    model, coefs, imp = _models(X, y, seed, n_splits, n_repeats, n_estimators, perm_repeats)
    rules = _rules(ct, coefs, imp, model)
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
    """Odds ratio (log scale) with exact 95% CI per attribute, in attribute order.

    Examples
    --------
    >>> from urbansec_lib import instruments
    >>> from urbansec_lib.analysis.gp_attributes import _DEMO
    >>> df = instruments.read_responses(_DEMO, "good_practice")  # the demo export
    >>> sf = success_factors(df, seed=0, n_repeats=1, n_estimators=20, perm_repeats=1)
    >>> plot_success_factors(sf.crosstabs).axes[0].get_xlabel()
    'Odds ratio of high success (exact 95% CI, clipped to 0.01-100)'
    """
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
