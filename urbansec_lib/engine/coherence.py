"""Statistical coherence of a framework: correlations, Cronbach's alpha, PCA.

Follows the OECD/JRC Handbook (2008), Sections 4-5 (multivariate analysis) and COINr's
``get_corr``/``get_cronbach``/``get_PCA``:

* correlations (Pearson and Spearman) between siblings (within a level) and between
  every indicator/aggregate and its parent and ancestors (across levels);
* Cronbach's alpha of each aggregate's children, standardised (from the correlation
  matrix: ``k r / (1 + (k - 1) r)`` with r the mean inter-item correlation - the
  variant of the Handbook's Table 11, which reports 0.70 for the TAI) and raw
  (covariances), with the corrected item-total correlation and alpha-if-deleted;
* PCA eigenvalues and explained variance on standardised data (correlation matrix);
* flags for children that correlate negatively or weakly (< ``weak``) with their parent.

Example
-------
>>> from urbansec_lib import scoring
>>> from urbansec_lib.framework import load_framework
>>> fw = load_framework()
>>> prof = scoring.score(scoring.example_data(fw, units=[f"u{i}" for i in range(12)]), fw)
>>> res = coherence(prof)
>>> res.n_rows, sorted(res.flags["flag"].unique()) <= ["negative", "weak"]
(12, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CoherenceResult",
    "alpha_if_deleted",
    "coherence",
    "correlation_flags",
    "correlation_pvalues",
    "correlations",
    "cronbach_alpha",
    "denominator_correlations",
    "pca",
    "survey_alpha",
]


def correlations(values: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix of the columns of ``values`` (pairwise complete rows).

    ``method``: ``"pearson"`` or ``"spearman"`` (pandas, scipy ranks).

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1, 2, 3, 4.0], "b": [2, 4, 5, 9.0], "c": [4, 3, 2, 1.0]})
    >>> correlations(v).round(2).loc["a"].tolist()
    [1.0, 0.96, -1.0]
    """
    return values.corr(method=method)


def cronbach_alpha(values: pd.DataFrame, standardised: bool = True, use: str = "complete") -> float:
    """Cronbach's alpha of the columns of ``values``.

    ``use="complete"`` (complete rows): ``standardised=True`` gives ``k r / (1 + (k - 1)
    r)`` with r the mean off-diagonal correlation (alpha of z-scores); ``False`` gives
    ``k/(k-1) (1 - sum var_i / var_total)`` with sample variances of the raw values.
    ``use="pairwise"`` is COINr's ``get_cronbach``: from the covariance matrix C of
    pairwise complete observations, ``k^2 mean_offdiag(C) / sum(C)`` (raw values,
    ``standardised`` ignored); with complete data it equals the raw alpha.

    Example
    -------
    >>> round(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4.], "b": [1, 3, 2, 4.]})), 3)
    0.889
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4.], "b": [1, 3, 2, 4.]})
    >>> round(cronbach_alpha(d, use="pairwise"), 3), round(cronbach_alpha(d, False), 3)
    (0.889, 0.889)
    """
    if use not in ("complete", "pairwise"):
        raise ValueError("use: 'complete' or 'pairwise'")
    if use == "pairwise":
        k = values.shape[1]
        if k < 2:
            return float("nan")
        C = values.astype(float).cov(min_periods=2).to_numpy()
        total = np.nansum(C)
        off = (total - np.nansum(np.diag(C))) / (k * (k - 1))
        return float(k**2 * off / total)
    V = values.dropna()
    k = V.shape[1]
    if k < 2 or len(V) < 3:
        return float("nan")
    if standardised:
        C = np.corrcoef(V.to_numpy(float).T)
        r = (C.sum() - k) / (k * (k - 1))
        return float(k * r / (1 + (k - 1) * r))
    var_i = V.var(ddof=1).sum()
    var_t = V.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - var_i / var_t))


def correlation_pvalues(values: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Two-sided p-values of the correlation of every pair of columns (pairwise complete
    rows), from :func:`scipy.stats.pearsonr` / :func:`scipy.stats.spearmanr` (COINr's
    ``get_pvals``, R's ``cor.test``). The diagonal is 0, as in COINr.

    Example
    -------
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5.], "b": [2, 1, 4, 3, 5.]})
    >>> round(float(correlation_pvalues(d).loc["a", "b"]), 4)
    0.1041
    """
    from scipy import stats

    cols = list(values.columns)
    A = values.to_numpy(float)
    P = np.zeros((len(cols), len(cols)))
    f = stats.pearsonr if method == "pearson" else stats.spearmanr
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            ok = ~np.isnan(A[:, i]) & ~np.isnan(A[:, j])
            if ok.sum() < 3:
                P[i, j] = P[j, i] = np.nan
                continue
            P[i, j] = P[j, i] = float(f(A[ok, i], A[ok, j])[1])
    return pd.DataFrame(P, index=cols, columns=cols)


def correlation_flags(
    values: pd.DataFrame,
    fw: Any,
    threshold: float = 0.9,
    kind: str = "high",
    group_level: int = 2,
    method: str = "pearson",
) -> pd.DataFrame:
    """Pairs of indicators in the same aggregate of ``group_level`` whose correlation is
    above (``kind="high"``, e.g. redundant) or below (``"low"``) ``threshold``
    (COINr's ``get_corr_flags``; pairwise complete rows, each pair once).

    Returns
    -------
    DataFrame
        ``group, indicator_1, indicator_2, r``.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> f = correlation_flags(prof.wide("indicators"), fw, threshold=0.9)
    >>> list(f.columns)
    ['group', 'indicator_1', 'indicator_2', 'r']
    """
    if kind not in ("high", "low"):
        raise ValueError("kind: 'high' or 'low'")
    from .scoring import build_tree

    tree = build_tree(fw)
    parent_at: dict[str, str] = {}
    for n in tree.nodes:
        if tree.levels[n] == group_level:
            for k in tree.ind_under[n]:
                parent_at[tree.indicators[k]] = n
    C = values.corr(method=method)
    cols = list(C.columns)
    rows = []
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            g = parent_at.get(a)
            r = C.loc[a, b]
            if g is None or g != parent_at.get(b) or np.isnan(r):
                continue
            if (kind == "high" and r > threshold) or (kind == "low" and r < threshold):
                rows.append({"group": g, "indicator_1": a, "indicator_2": b, "r": float(r)})
    return pd.DataFrame(rows, columns=["group", "indicator_1", "indicator_2", "r"])


def denominator_correlations(
    values: pd.DataFrame,
    denominators: pd.DataFrame,
    threshold: float = 0.6,
    method: str = "pearson",
) -> pd.DataFrame:
    """Indicators correlated with a denominator beyond ``|r| > threshold`` (COINr's
    ``get_denom_corr``): a hint that an indicator may need denominating. Rows of
    ``values`` and ``denominators`` are aligned by index (pairwise complete rows).

    Returns
    -------
    DataFrame
        ``indicator, denominator, r`` sorted by indicator.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> values = prof.wide("indicators", period=2024)
    >>> den = pd.DataFrame({"population": range(100, 900, 100)}, index=values.index)
    >>> list(denominator_correlations(values, den).columns)
    ['indicator', 'denominator', 'r']
    """
    rows = []
    for a in values.columns:
        for d in denominators.columns:
            r = values[a].corr(denominators[d], method=method)
            if np.isfinite(r) and abs(r) > threshold:
                rows.append({"indicator": a, "denominator": d, "r": float(r)})
    out = pd.DataFrame(rows, columns=["indicator", "denominator", "r"])
    return out.sort_values(["indicator", "denominator"]).reset_index(drop=True)


def alpha_if_deleted(values: pd.DataFrame, standardised: bool = True) -> pd.DataFrame:
    """Corrected item-total correlation and alpha without each column (Handbook Table 11).

    The item-total correlation correlates each item with the sum of the *other* items
    (z-scores when ``standardised``).

    Returns
    -------
    DataFrame
        ``item, corr_with_total, alpha_if_deleted``.

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 4, 5, 9, 8.0], "c": [1, 3, 2, 5, 4.0]})
    >>> alpha_if_deleted(v)["item"].tolist()
    ['a', 'b', 'c']
    """
    V = values.dropna()
    Z = (V - V.mean()) / V.std(ddof=1) if standardised else V
    rows = []
    for c in V.columns:
        rest = Z.drop(columns=c)
        r = stats.pearsonr(Z[c], rest.sum(axis=1))[0] if len(V) > 2 else np.nan
        rows.append(
            {
                "item": c,
                "corr_with_total": float(r),
                "alpha_if_deleted": cronbach_alpha(V.drop(columns=c), standardised),
            }
        )
    return pd.DataFrame(rows)


def pca(values: pd.DataFrame) -> pd.DataFrame:
    """Eigenvalues of the correlation matrix (PCA on standardised data, complete rows).

    Returns
    -------
    DataFrame
        ``pc, eigenvalue, pct_variance, cum_pct`` (largest first).

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1, 2, 3, 4.0], "b": [2, 4, 5, 9.0], "c": [4, 3, 2, 1.0]})
    >>> p = pca(v)
    >>> p["pc"].tolist(), float(p["cum_pct"].iloc[-1].round(6))
    ([1, 2, 3], 100.0)
    """
    V = values.dropna()
    if V.shape[1] < 2 or len(V) < 3:
        return pd.DataFrame(columns=["pc", "eigenvalue", "pct_variance", "cum_pct"])
    ev = np.linalg.eigvalsh(np.corrcoef(V.to_numpy(float).T))[::-1]
    ev = np.clip(ev, 0, None)
    pct = ev / ev.sum() * 100
    return pd.DataFrame(
        {
            "pc": np.arange(1, len(ev) + 1),
            "eigenvalue": ev,
            "pct_variance": pct,
            "cum_pct": np.cumsum(pct),
        }
    )


@dataclass
class CoherenceResult:
    """Result of :func:`coherence` (tidy frames).

    Attributes
    ----------
    correlations : DataFrame
        ``var1, var2, relation (sibling/parent/ancestor), parent, method, r, n``.
    alpha : DataFrame
        ``node_id, level, n_children, alpha_standardised, alpha_raw``.
    alpha_if_deleted : DataFrame
        ``node_id, item, corr_with_total, alpha_if_deleted, alpha_if_deleted_raw``.
    pca : DataFrame
        ``node_id, pc, eigenvalue, pct_variance, cum_pct``.
    flags : DataFrame
        ``child, parent, method, r, flag`` (``negative`` or ``weak``).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(12)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> res = coherence(prof)
    >>> res.summary().splitlines()[0].startswith("Coherence")
    True
    >>> res.table().equals(res.alpha)
    True
    """

    correlations: pd.DataFrame
    alpha: pd.DataFrame
    alpha_if_deleted: pd.DataFrame
    pca: pd.DataFrame
    flags: pd.DataFrame
    weak: float
    n_rows: int

    def summary(self) -> str:
        """Plain-text summary per aggregate: alpha, first eigenvalue, flags."""
        lines = [f"Coherence over {self.n_rows} unit-period rows (weak < {self.weak})"]
        for _, a in self.alpha.iterrows():
            p = self.pca[self.pca["node_id"] == a["node_id"]]
            ev = (
                f"PC1 {p['eigenvalue'].iloc[0]:.2f} ({p['pct_variance'].iloc[0]:.0f}%)"
                if len(p)
                else "PC1 n/a"
            )
            lines.append(
                f"  {a['node_id']:<28} k={a['n_children']:<3} alpha(std) "
                f"{a['alpha_standardised']:.2f}  alpha(raw) {a['alpha_raw']:.2f}  {ev}"
            )
        if len(self.flags):
            lines.append("Flags:")
            for _, f in self.flags.iterrows():
                lines.append(
                    f"  {f['child']} vs {f['parent']}: {f['method']} r = {f['r']:.2f} ({f['flag']})"
                )
        else:
            lines.append("No negative or weak child-parent correlations.")
        return "\n".join(lines)

    def table(self) -> pd.DataFrame:
        """The alpha table (one row per aggregate)."""
        return self.alpha


def _correlation_rows(allv, tree, methods, weak, min_rows) -> tuple[list, list]:
    """Correlations of siblings and of every child with its parent and ancestors, per
    method; flags for children weakly or negatively correlated with their parent."""
    parent_of = {c: p for p, c in tree.edges}

    def ancestors(c: str) -> list[str]:
        out = []
        while c in parent_of:
            c = parent_of[c]
            out.append(c)
        return out

    corr_rows, flag_rows = [], []
    for method in methods:
        C = allv.corr(method=method)
        Nn = allv.notna().astype(int).T @ allv.notna().astype(int)
        for j, nid in enumerate(tree.nodes):
            kids = list(tree.children[j])
            for i1, a in enumerate(kids):
                for b in kids[i1 + 1 :]:
                    corr_rows.append(
                        {
                            "var1": a,
                            "var2": b,
                            "relation": "sibling",
                            "parent": nid,
                            "method": method,
                            "r": C.at[a, b],
                            "n": int(Nn.at[a, b]),
                        }
                    )
        for c in list(tree.indicators) + list(tree.nodes):
            for k, anc in enumerate(ancestors(c)):
                r = C.at[c, anc]
                corr_rows.append(
                    {
                        "var1": c,
                        "var2": anc,
                        "relation": "parent" if k == 0 else "ancestor",
                        "parent": anc,
                        "method": method,
                        "r": r,
                        "n": int(Nn.at[c, anc]),
                    }
                )
                if k == 0 and np.isfinite(r) and r < weak and Nn.at[c, anc] >= min_rows:
                    flag_rows.append(
                        {
                            "child": c,
                            "parent": anc,
                            "method": method,
                            "r": r,
                            "flag": "negative" if r < 0 else "weak",
                        }
                    )
    return corr_rows, flag_rows


def _reliability_rows(allv, tree, min_coverage, min_rows) -> tuple[list, list, list]:
    """Cronbach's alpha, alpha if deleted and PCA of every node's children."""
    a_rows, aid_rows, pca_rows = [], [], []
    for j, nid in enumerate(tree.nodes):
        kids = list(tree.children[j])
        V = allv[kids]
        cov = V.notna().mean()
        V = V.loc[:, (cov > 0) & (cov >= min_coverage)]
        n_used, rows_used = V.shape[1], int(V.dropna().shape[0])
        if rows_used < min_rows:
            V = V.iloc[0:0]  # too few complete rows: not estimable
        a_rows.append(
            {
                "node_id": nid,
                "level": tree.levels[nid],
                "n_children": len(kids),
                "n_children_used": n_used,
                "n_rows_used": rows_used,
                "alpha_standardised": cronbach_alpha(V, True),
                "alpha_raw": cronbach_alpha(V, False),
            }
        )
        if V.shape[1] >= 3:
            s = alpha_if_deleted(V, True)
            s["alpha_if_deleted_raw"] = alpha_if_deleted(V, False)["alpha_if_deleted"]
            s.insert(0, "node_id", nid)
            aid_rows.append(s)
        p = pca(V)
        if len(p):
            p.insert(0, "node_id", nid)
            pca_rows.append(p)
    return a_rows, aid_rows, pca_rows


def coherence(
    prof: Any,
    weak: float = 0.2,
    period: Any = None,
    methods: tuple[str, ...] = ("pearson", "spearman"),
    min_coverage: float = 0.0,
    min_rows: int = 10,
) -> CoherenceResult:
    """Coherence analysis of a :class:`~urbansec_lib.scoring.Profile`.

    Uses the normalised indicators (direction applied, so a negative correlation is a
    real conflict) and the aggregate scores. Rows are unit-periods (all periods pooled
    unless ``period`` is given - pooled rows of one unit are not independent).

    Parameters
    ----------
    weak : float
        A child whose correlation with its parent is below ``weak`` (but >= 0) is
        flagged ``weak``; below 0, ``negative``.
    min_coverage : float
        For alpha, alpha-if-deleted and PCA of a node, only children with data in at
        least this share of rows are used (then complete rows). ``0`` (default) uses every
        child with any data; children with no data at all are always left out and the
        number used is reported in ``n_children_used``.
    min_rows : int
        Fewer complete rows than this and alpha, alpha-if-deleted and PCA of a node are
        not estimated (NaN), and a correlation on fewer pairs raises no flag: statistics
        from a handful of units are noise.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> res = coherence(prof, min_rows=5)
    >>> res.n_rows, len(res.alpha) == 9
    (8, True)
    """
    tree = prof._tree
    iw = prof.wide("indicators", period=period)
    sw = prof.wide(None, period=period)
    allv = pd.concat([iw, sw], axis=1)
    corr_rows, flag_rows = _correlation_rows(allv, tree, methods, weak, min_rows)
    a_rows, aid_rows, pca_rows = _reliability_rows(allv, tree, min_coverage, min_rows)
    empty_aid = pd.DataFrame(
        columns=["node_id", "item", "corr_with_total", "alpha_if_deleted", "alpha_if_deleted_raw"]
    )
    return CoherenceResult(
        correlations=pd.DataFrame(corr_rows),
        alpha=pd.DataFrame(a_rows),
        alpha_if_deleted=pd.concat(aid_rows, ignore_index=True) if aid_rows else empty_aid,
        pca=pd.concat(pca_rows, ignore_index=True)
        if pca_rows
        else pd.DataFrame(columns=["node_id", "pc", "eigenvalue", "pct_variance", "cum_pct"]),
        flags=pd.DataFrame(flag_rows, columns=["child", "parent", "method", "r", "flag"]),
        weak=weak,
        n_rows=len(allv),
    )


def survey_alpha(
    responses: pd.DataFrame, fw, min_rows: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent-level internal consistency of each dimension's survey items.

    City-level coherence rests on a handful of units; the survey's own items can be checked
    on hundreds of respondents instead. For every top-level dimension, its rating-scale
    items (likert4/likert5, answered by residents) are aligned by direction (items where
    higher is worse are reversed) and Cronbach's alpha (standardised) is computed on the
    respondents who answered all of them.

    Parameters
    ----------
    responses : DataFrame
        Validated respondent-level answers (one column per indicator id).
    fw : Framework
    min_rows : int
        Fewer complete respondents than this and the dimension is not estimated.

    Returns
    -------
    (alpha, items)
        ``alpha``: node_id, n_items, n_respondents, alpha_standardised;
        ``items``: node_id, indicator_id, corr_with_total (item-rest), alpha_if_deleted.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> likert = [i.id for i in fw.indicators if i.type in ("likert4", "likert5")]
    >>> rng = np.random.default_rng(0)
    >>> responses = pd.DataFrame(rng.integers(1, 5, (60, len(likert))), columns=likert)
    >>> alpha, items = survey_alpha(responses, fw)
    >>> list(alpha.columns), bool((alpha["n_respondents"] == 60).all())
    (['node_id', 'n_items', 'n_respondents', 'alpha_standardised'], True)
    """
    a_rows, i_rows = [], []
    for d in fw.dimensions:
        items = [
            i
            for i in d.all_indicators()
            if i.is_survey
            and i.type in ("likert4", "likert5")
            and i.source.get("respondent", "resident") == "resident"
            and i.id in responses
        ]
        if len(items) < 2:
            continue
        V = pd.DataFrame(
            {i.id: pd.to_numeric(responses[i.id], errors="coerce") * i.direction for i in items}
        ).dropna()
        ok = len(V) >= min_rows
        a_rows.append(
            {
                "node_id": d.id,
                "n_items": len(items),
                # a count under 10 respondents is withheld (disclosure control)
                "n_respondents": len(V) if len(V) >= 10 else np.nan,
                "alpha_standardised": cronbach_alpha(V, True) if ok else np.nan,
            }
        )
        if ok and len(items) >= 3:
            t = alpha_if_deleted(V, True).rename(columns={"item": "indicator_id"})
            t.insert(0, "node_id", d.id)
            i_rows.append(t)
    items_cols = ["node_id", "indicator_id", "corr_with_total", "alpha_if_deleted"]
    return (
        pd.DataFrame(a_rows, columns=["node_id", "n_items", "n_respondents", "alpha_standardised"]),
        pd.concat(i_rows, ignore_index=True) if i_rows else pd.DataFrame(columns=items_cols),
    )
