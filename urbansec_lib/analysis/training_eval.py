"""Before/after evaluation of one training, and of all trainings of a data folder.

Part of :mod:`urbansec_lib.analysis.training` (its public face; see it for the method and
the honesty notes): Cohen's d_z with its exact interval, Holm-adjusted p-values, matched
pairs, suppression under ``min_n``; reading the two exports of a training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..core.defaults import MIN_N
from ..core.errors import Problem, ValidationError
from .training_competences import Competences, load_competences
from .training_figures import plot_evaluation

#: Satisfaction questions of the training questionnaire (1-5 agreement).
SATISFACTION_ITEMS = (
    "sat_overall",
    "sat_relevance",
    "sat_trainers",
    "sat_materials",
    "sat_recommend",
)

# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def cohen_dz(diff: Sequence[float] | np.ndarray) -> float:
    """Cohen's d_z of paired differences: mean / standard deviation (ddof = 1).

    Example
    -------
    >>> round(cohen_dz([1, 2, 3, 4]), 4)
    1.9365
    """
    d = np.asarray(diff, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return float("nan")
    sd = d.std(ddof=1)
    return float(d.mean() / sd) if sd > 0 else float("nan")


def dz_confint(dz: float, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact confidence interval of Cohen's d_z from the noncentral t distribution.

    With ``t = d_z * sqrt(n)`` on ``n - 1`` degrees of freedom, the limits are the
    noncentrality parameters for which ``t`` is the ``1 - alpha/2`` and ``alpha/2`` quantile,
    divided by ``sqrt(n)`` (Steiger & Fouladi 1997; "pivoting the noncentral t"), found by
    Brent's root finding on :func:`scipy.stats.nct.cdf`.

    Example
    -------
    >>> lo, hi = dz_confint(0.5, 25)
    >>> round(lo, 3), round(hi, 3)
    (0.079, 0.912)
    """
    if not np.isfinite(dz) or n < 2:
        return float("nan"), float("nan")
    df = n - 1
    t = dz * np.sqrt(n)

    def cdf(ncp: float) -> float:
        v = stats.nct.cdf(t, df, ncp)
        if not np.isfinite(v):  # scipy's nct can return NaN far in a tail: use symmetry
            v = 1.0 - stats.nct.cdf(-t, df, -ncp)
        if not np.isfinite(v):
            v = 1.0 if ncp < t else 0.0
        return float(v)

    # the cdf decreases in ncp; bracket around t with the large-sample sd of t
    step = np.sqrt(1.0 + t * t / (2.0 * df))

    def root(p: float) -> float:
        lo, hi = t - 6.0 * step, t + 6.0 * step
        while cdf(lo) < p:
            lo -= 2.0 * step
        while cdf(hi) > p:
            hi += 2.0 * step
        return optimize.brentq(lambda ncp: cdf(ncp) - p, lo, hi, xtol=1e-12)

    return float(root(1 - alpha / 2) / np.sqrt(n)), float(root(alpha / 2) / np.sqrt(n))


def _holm(p: pd.Series) -> pd.Series:
    from statsmodels.stats.multitest import multipletests

    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = multipletests(p[ok].to_numpy(), method="holm")[1]
    return out


#: The repo's demo data folder (``raw/training`` holds two demo trainings; used by examples).
_DEMO_DATA = Path(__file__).resolve().parents[2] / "data"


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class TrainingEvaluation:
    """Result of :func:`evaluate` (statsmodels style).

    Attributes
    ----------
    training_id : str
    areas : DataFrame
        One row per competence area (framework order): area, area_name, n_pairs, mean_pre,
        mean_post, mean_diff, t, p_t, wilcoxon_w, p_wilcoxon, dz, dz_low, dz_high, p_holm,
        suppressed.
    satisfaction : DataFrame
        item, n, mean, share_agree (answers 4-5), suppressed.
    by_profile : DataFrame
        profile, area, n_pairs, mean_diff, suppressed (groups under ``min_n`` masked).
    matching : dict
        n_pre, n_post, n_matched, n_pre_only, n_post_only.
    params : dict
        alpha, min_n, competence framework version.

    Examples
    --------
    >>> pre, post = read_training(_DEMO_DATA, "TR-MAD-2025")  # the demo exports
    >>> res = evaluate(pre, post)
    >>> res.matching["n_matched"], len(res.table()), res.params["min_n"]
    (33, 6, 10)
    """

    training_id: str
    areas: pd.DataFrame
    satisfaction: pd.DataFrame
    by_profile: pd.DataFrame
    matching: dict[str, int]
    params: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """The per-area table (tidy)."""
        return self.areas.copy()

    def summary(self) -> str:
        """Plain-text summary (no respondent-level data)."""
        m = self.matching
        lines = [
            f"Training {self.training_id}: {m['n_matched']} matched participants "
            f"({m['n_pre_only']} answered only before, {m['n_post_only']} only after; "
            "excluded).",
            f"Paired t-test, Wilcoxon signed-rank, Cohen's d_z with exact "
            f"{100 * (1 - self.params['alpha']):.0f}% CI, Holm-adjusted p across areas. "
            f"Areas with fewer than {self.params['min_n']} pairs suppressed.",
        ]
        for r in self.areas.itertuples():
            if r.suppressed:
                lines.append(f"  {r.area_name:<40} suppressed (too few pairs)")
            else:
                lines.append(
                    f"  {r.area_name:<40} {r.mean_pre:4.2f} -> {r.mean_post:4.2f} "
                    f"(diff {r.mean_diff:+.2f}; d_z {r.dz:.2f} [{r.dz_low:.2f}, {r.dz_high:.2f}];"
                    f" Holm p {r.p_holm:.3g})"
                )
        return "\n".join(lines)

    def plot(self):
        """Before/after means and d_z with CI per area; returns a matplotlib Figure."""
        return plot_evaluation(
            self.areas,
            title=f"Training {self.training_id}: self-assessed confidence before and after",
        )

    def matching_text(self) -> str:
        """One paragraph (Markdown) on who was matched and who was left out."""
        m = self.matching
        return (
            f"**{m['n_matched']}** participants answered both before and after the training "
            f"and are analysed; {m['n_pre_only']} answered only before and {m['n_post_only']} "
            "only after (left out: they cannot be compared with themselves). Areas, profile "
            f"groups and satisfaction items with fewer than {self.params['min_n']} answers "
            "are suppressed."
        )

    def report_table(self) -> pd.DataFrame:
        """The per-area table rounded for a report (suppressed areas say so)."""
        from ..presentation.present import fmt_ci

        t = self.areas
        ci = pd.Series([fmt_ci(a, b) for a, b in zip(t["dz_low"], t["dz_high"])], index=t.index)
        out = pd.DataFrame(
            {
                "competence area": t["area_name"],
                "pairs": t["n_pairs"]
                .astype(object)
                .where(~t["suppressed"], f"fewer than {self.params['min_n']}"),
                "before": t["mean_pre"].round(2),
                "after": t["mean_post"].round(2),
                "change": t["mean_diff"].round(2),
                "d_z": t["dz"].round(2),
                "d_z 95% CI": ci.where(~t["suppressed"], "suppressed"),
                "p (t-test)": t["p_t"].map(_fmt_p),
                "p (Wilcoxon)": t["p_wilcoxon"].map(_fmt_p),
                "p (Holm)": t["p_holm"].map(_fmt_p),
            }
        )
        return out


def _fmt_p(p: float) -> str:
    from ..presentation.present import fmt_pvalue

    return "not tested" if not np.isfinite(p) else fmt_pvalue(p)


def _check_frame(
    df: pd.DataFrame, wave: str, id_col: str, training_id: str | None, problems: list[Problem]
) -> None:
    f = df.attrs.get("file", f"{wave} responses")
    rows = df.index if df.index.name == "row" else pd.RangeIndex(2, len(df) + 2)
    if id_col not in df.columns:
        problems.append(Problem(f, 1, id_col, None, "a respondent id column"))
        return
    dup = df[id_col].duplicated(keep=False) & df[id_col].notna()
    problems += [
        Problem(f, int(r), id_col, "duplicate id", "one answer per participant per wave")
        for r in rows[dup.to_numpy()]
    ]
    if "wave" in df.columns:
        wrong = df["wave"].notna() & (df["wave"] != wave)
        problems += [
            Problem(f, int(r), "wave", v, f"{wave!r} (this is the {wave} file)")
            for r, v in zip(rows[wrong.to_numpy()], df["wave"][wrong])
        ]
    if training_id is not None and "training_id" in df.columns:
        wrong = df["training_id"].notna() & (df["training_id"] != training_id)
        problems += [
            Problem(f, int(r), "training_id", v, f"{training_id!r}")
            for r, v in zip(rows[wrong.to_numpy()], df["training_id"][wrong])
        ]


def _area_scores(df: pd.DataFrame, comp: Competences) -> pd.DataFrame:
    """Mean of the answered items per area (NaN when fewer than half are answered)."""
    out = {}
    for a in comp.areas:
        cols = [c for c in a.items if c in df.columns]
        if not cols:
            out[a.id] = pd.Series(np.nan, index=df.index)
            continue
        x = df[cols].apply(pd.to_numeric, errors="coerce").astype(float)
        enough = x.notna().sum(axis=1) >= np.ceil(len(a.items) / 2)
        out[a.id] = x.mean(axis=1).where(enough)
    return pd.DataFrame(out, index=df.index)


_STAT_COLUMNS = [
    "mean_pre",
    "mean_post",
    "mean_diff",
    "t",
    "p_t",
    "wilcoxon_w",
    "p_wilcoxon",
    "dz",
    "dz_low",
    "dz_high",
]


def _area_row(area: Any, x0: np.ndarray, x1: np.ndarray, alpha: float) -> dict[str, Any]:
    """Paired statistics of one area (NaN where fewer than two pairs or no variation)."""
    d = x1 - x0
    n = len(d)
    rec: dict[str, Any] = {"area": area.id, "area_name": area.name, "n_pairs": n}
    if n >= 2 and np.std(d) > 0:
        t = stats.ttest_rel(x1, x0)
        w = stats.wilcoxon(x1, x0) if np.any(d != 0) else None
        dz = cohen_dz(d)
        lo, hi = dz_confint(dz, n, alpha)
        rec.update(
            mean_pre=x0.mean(),
            mean_post=x1.mean(),
            mean_diff=d.mean(),
            t=float(t.statistic),
            p_t=float(t.pvalue),
            wilcoxon_w=float(w.statistic) if w else np.nan,
            p_wilcoxon=float(w.pvalue) if w else np.nan,
            dz=dz,
            dz_low=lo,
            dz_high=hi,
        )
    else:
        rec.update(
            mean_pre=np.mean(x0) if n else np.nan,
            mean_post=np.mean(x1) if n else np.nan,
            mean_diff=np.mean(d) if n else np.nan,
            **dict.fromkeys(_STAT_COLUMNS[3:], np.nan),
        )
    return rec


def _areas(
    a_pre: pd.DataFrame, a_post: pd.DataFrame, comp: Competences, alpha: float, min_n: int
) -> pd.DataFrame:
    """Per-area results of the matched pairs, suppressed under ``min_n``, Holm-adjusted."""
    diff = a_post - a_pre
    rows = []
    for a in comp.areas:
        ok = diff[a.id].notna()
        x0, x1 = a_pre.loc[ok, a.id].to_numpy(), a_post.loc[ok, a.id].to_numpy()
        rows.append(_area_row(a, x0, x1, alpha))
    areas = pd.DataFrame(rows)
    areas["suppressed"] = areas["n_pairs"] < min_n
    areas[_STAT_COLUMNS] = areas[_STAT_COLUMNS].astype(float).mask(areas["suppressed"], np.nan)
    areas["p_holm"] = _holm(areas["p_t"])
    return areas


def _satisfaction(post: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Mean and share agreeing (4-5) of each satisfaction item, all post respondents."""
    sat_rows = []
    for item in SATISFACTION_ITEMS:
        if item not in post.columns:
            continue
        x = pd.to_numeric(post[item], errors="coerce").dropna().astype(float)
        sat_rows.append(
            {
                "item": item,
                "n": len(x),
                "mean": x.mean() if len(x) else np.nan,
                "share_agree": (x >= 4).mean() if len(x) else np.nan,
            }
        )
    satisfaction = pd.DataFrame(sat_rows, columns=["item", "n", "mean", "share_agree"])
    satisfaction["suppressed"] = satisfaction["n"] < min_n
    satisfaction[["mean", "share_agree"]] = (
        satisfaction[["mean", "share_agree"]].astype(float).mask(satisfaction["suppressed"])
    )
    return satisfaction


def _by_profile(
    pre: pd.DataFrame, diff: pd.DataFrame, keys: list, id_col: str, comp: Competences, min_n: int
) -> pd.DataFrame:
    """Mean change per staff profile (as given before the training) and area."""
    if "profile" not in pre.columns:
        return pd.DataFrame(columns=["profile", "area", "n_pairs", "mean_diff", "suppressed"])
    prof = pre.set_index(id_col)["profile"].reindex(keys)
    long = (
        diff.assign(profile=prof.to_numpy())
        .melt(id_vars="profile", var_name="area", value_name="diff")
        .dropna(subset=["diff"])
    )
    by_profile = (
        long.groupby(["profile", "area"], sort=False)["diff"]
        .agg(n_pairs="count", mean_diff="mean")
        .reset_index()
    )
    by_profile["suppressed"] = by_profile["n_pairs"] < min_n
    by_profile["mean_diff"] = by_profile["mean_diff"].mask(by_profile["suppressed"])
    by_profile["n_pairs"] = by_profile["n_pairs"].where(~by_profile["suppressed"])
    order = {a.id: i for i, a in enumerate(comp.areas)}
    porder = {p: i for i, p in enumerate(comp.profiles)}
    return by_profile.sort_values(
        ["profile", "area"],
        key=lambda s: s.map(porder if s.name == "profile" else order),
    ).reset_index(drop=True)


def evaluate(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    id_col: str = "respondent",
    competences: Competences | str | Path | None = None,
    training_id: str | None = None,
    min_n: int = MIN_N,
    alpha: float = 0.05,
) -> TrainingEvaluation:
    """Evaluate one training from its before and after answers (matched participants only).

    Parameters
    ----------
    pre, post : DataFrame
        Answers of the two waves as returned by
        :func:`urbansec_lib.instruments.read_responses` (one row per participant; competence
        items as 1-5 numbers; optional ``profile``, ``wave``, ``training_id`` and satisfaction
        columns).
    id_col : str
        Participant id column used to match the waves (default ``respondent``).
    competences : Competences or path, optional
        The competence framework (default the packaged one).
    training_id : str, optional
        Expected training code; rows with another ``training_id`` are errors. Default: the
        most frequent code in ``pre``.
    min_n : int
        Suppression threshold for areas, profile groups and satisfaction items.
    alpha : float
        1 - confidence level of the d_z interval.

    Returns
    -------
    TrainingEvaluation

    Raises
    ------
    ValidationError
        Duplicate participant ids within a wave, rows of the wrong wave or training.

    Example
    -------
    >>> pre, post = read_training(_DEMO_DATA, "TR-MAD-2025")  # the demo exports
    >>> res = evaluate(pre, post, min_n=10)
    >>> res.table()[["area", "n_pairs", "mean_diff", "dz"]].head(2).round(2).values.tolist()
    [['integrated_security', 33, 1.04, 1.37], ['crime_prevention', 33, 0.24, 0.35]]
    """
    comp = competences if isinstance(competences, Competences) else load_competences(competences)
    if training_id is None and "training_id" in pre.columns and pre["training_id"].notna().any():
        training_id = str(pre["training_id"].mode().iloc[0])
    problems: list[Problem] = []
    _check_frame(pre, "pre", id_col, training_id, problems)
    _check_frame(post, "post", id_col, training_id, problems)
    if problems:
        raise ValidationError(problems, what=f"training {training_id or ''} answers".strip())

    ids_pre = set(pre[id_col].dropna())
    ids_post = set(post[id_col].dropna())
    matched = ids_pre & ids_post
    matching = {
        "n_pre": len(ids_pre),
        "n_post": len(ids_post),
        "n_matched": len(matched),
        "n_pre_only": len(ids_pre - ids_post),
        "n_post_only": len(ids_post - ids_pre),
    }
    a_pre = _area_scores(pre.set_index(id_col), comp)
    a_post = _area_scores(post.set_index(id_col), comp)
    keys = sorted(matched)
    a_pre, a_post = a_pre.loc[keys], a_post.loc[keys]
    areas = _areas(a_pre, a_post, comp, alpha, min_n)
    satisfaction = _satisfaction(post, min_n)
    by_profile = _by_profile(pre, a_post - a_pre, keys, id_col, comp, min_n)
    return TrainingEvaluation(
        training_id=training_id or "",
        areas=areas,
        satisfaction=satisfaction,
        by_profile=by_profile,
        matching=matching,
        params={"alpha": alpha, "min_n": min_n, "competences_version": comp.version},
    )


def compare(results: Sequence[TrainingEvaluation]) -> pd.DataFrame:
    """Side-by-side per-area results of several trainings (in the order given, not ranked).

    Returns a tidy frame: training_id, area, area_name, n_pairs, mean_diff, dz, dz_low,
    dz_high, p_holm, suppressed.

    Examples
    --------
    >>> table = compare(evaluate_all(_DEMO_DATA))
    >>> table["training_id"].unique().tolist(), len(table)
    (['TR-MAD-2025', 'TR-MEC-2025'], 12)
    """
    cols = [
        "area",
        "area_name",
        "n_pairs",
        "mean_diff",
        "dz",
        "dz_low",
        "dz_high",
        "p_holm",
        "suppressed",
    ]
    frames = [r.areas[cols].assign(training_id=r.training_id) for r in results]
    if not frames:
        return pd.DataFrame(columns=["training_id", *cols])
    return pd.concat(frames, ignore_index=True)[["training_id", *cols]]


# --------------------------------------------------------------------------------------------
# Reading the exports of a training
# --------------------------------------------------------------------------------------------


def available_trainings(data_dir: str | Path) -> list[str]:
    """Training ids with both exports in ``<data_dir>/raw/training/`` (sorted by id).

    Examples
    --------
    >>> available_trainings(_DEMO_DATA)
    ['TR-MAD-2025', 'TR-MEC-2025']
    """
    folder = Path(data_dir) / "raw" / "training"
    pre = {p.name[: -len("_pre.csv")] for p in folder.glob("*_pre.csv")}
    post = {p.name[: -len("_post.csv")] for p in folder.glob("*_post.csv")}
    return sorted(pre & post)


def read_training(
    data_dir: str | Path,
    training_id: str,
    key: bytes | str | None = None,
    recorder: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``<data_dir>/raw/training/<training_id>_pre.csv`` and ``_post.csv``.

    Both are read with the ``training_pre_post`` instrument, matched on the participant code
    (pseudonymised when ``key`` is given). ``recorder`` (a
    :class:`urbansec_lib.reports.Recorder`) records both files as inputs.

    Examples
    --------
    >>> pre, post = read_training(_DEMO_DATA, "TR-MAD-2025")
    >>> len(pre), len(post), pre["wave"].iloc[0]
    (36, 34, 'pre')
    """
    from ..inputs import instruments

    instr = instruments.load_instrument("training_pre_post")
    folder = Path(data_dir) / "raw" / "training"
    out = []
    for wave in ("pre", "post"):
        path = folder / f"{training_id}_{wave}.csv"
        if recorder is not None:
            recorder.use(path)
        out.append(instruments.read_responses(path, instr, id_column="participant_code", key=key))
    return out[0], out[1]


def evaluate_all(
    data_dir: str | Path,
    min_n: int = MIN_N,
    alpha: float = 0.05,
    key: bytes | str | None = None,
    recorder: Any = None,
) -> list[TrainingEvaluation]:
    """:func:`evaluate` every training of ``<data_dir>/raw/training`` (same method for all).

    A training whose exports fail validation is left out (declared to ``recorder.skip``,
    so the report and the run's ``summary.json`` list it): it never hides the others.

    Examples
    --------
    >>> [r.training_id for r in evaluate_all(_DEMO_DATA)]
    ['TR-MAD-2025', 'TR-MEC-2025']
    """
    out = []
    for t in available_trainings(data_dir):
        try:
            pre, post = read_training(data_dir, t, key=key, recorder=recorder)
        except ValidationError as exc:
            if recorder is not None and hasattr(recorder, "skip"):
                recorder.skip(t, exc.redacted())
            continue
        out.append(evaluate(pre, post, training_id=t, min_n=min_n, alpha=alpha))
    return out
