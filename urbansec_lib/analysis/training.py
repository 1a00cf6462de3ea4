"""Evaluation of capacity-building trainings (UA Partnership Action 4): before/after self-assessment.

Every training uses the same questionnaire (``instruments/training_pre_post.yaml``) and the same
analysis, so trainings can be compared with each other:

1. Participants answer the competence items (1-5 confidence) before and after the training,
   with a self-generated participant code; :func:`urbansec_lib.instruments.read_responses`
   reads the two exports (``id_column="participant_code"``; pseudonymised with a key).
2. :func:`evaluate` keeps the *matched* participants (both waves), scores every competence
   area as the mean of its answered items (at least half of them), and per area reports the
   number of pairs, mean before, after and difference, the paired t-test
   (:func:`scipy.stats.ttest_rel`), the Wilcoxon signed-rank test (:func:`scipy.stats.wilcoxon`,
   scipy defaults: zero differences dropped, exact or normal approximation chosen by scipy),
   the standardised mean difference of paired data Cohen's d_z = mean(diff) / sd(diff) with an
   exact confidence interval from the noncentral t distribution (Steiger & Fouladi 1997;
   Cumming 2012, ch. 11), and Holm-adjusted p-values of the t-tests across areas
   (:func:`statsmodels.stats.multitest.multipletests`).
3. Satisfaction items (after the training) are summarised as mean and share agreeing (4-5).

Honesty notes
    Self-assessed confidence is not measured competence; a before/after change has no
    control group (maturation, social desirability and "response shift" can inflate it).
    Participants who answered only one wave are counted and excluded (they may differ).
    Areas with fewer than ``min_n`` (default 10) matched pairs are suppressed (numbers
    masked, not dropped), as are profile groups and satisfaction items under ``min_n``.

Example
-------
>>> from urbansec_lib import instruments, training
>>> instr = instruments.load_instrument("training_pre_post")
>>> pre = instruments.read_responses("TR-MAD-2025_pre.csv", instr,
...                                  id_column="participant_code")  # doctest: +SKIP
>>> res = training.evaluate(pre, post)  # doctest: +SKIP
>>> print(res.summary())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping

__all__ = [
    "COMPETENCES_PATH",
    "CompetenceArea",
    "Competences",
    "TrainingEvaluation",
    "SATISFACTION_ITEMS",
    "available_trainings",
    "compare",
    "cohen_dz",
    "dz_confint",
    "evaluate",
    "evaluate_all",
    "load_competences",
    "plot_compare",
    "plot_evaluation",
    "read_training",
]

COMPETENCES_PATH = Path(__file__).resolve().parents[1] / "instruments" / "competences.yaml"
#: Satisfaction questions of the training questionnaire (1-5 agreement).
SATISFACTION_ITEMS = (
    "sat_overall",
    "sat_relevance",
    "sat_trainers",
    "sat_materials",
    "sat_recommend",
)


# --------------------------------------------------------------------------------------------
# Competence framework
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetenceArea:
    """One competence area with its self-assessment items (id -> statement)."""

    id: str
    name: str
    items: dict[str, str]


@dataclass(frozen=True)
class Competences:
    """The competence framework: areas, items, staff profiles and the rating scale."""

    name: str
    version: str
    areas: tuple[CompetenceArea, ...]
    profiles: dict[str, dict[str, Any]]
    scale: tuple[int, int] = (1, 5)
    path: str = ""

    @property
    def items(self) -> pd.DataFrame:
        """Tidy frame: area, area_name, item, text (framework order)."""
        rows = [(a.id, a.name, i, t) for a in self.areas for i, t in a.items.items()]
        return pd.DataFrame(rows, columns=["area", "area_name", "item", "text"])

    def area_names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.areas}

    def matrix(self) -> pd.DataFrame:
        """Profiles x areas: ``core`` / ``supporting`` / empty."""
        cols = [a.id for a in self.areas]
        rows = {
            p["name"]: [
                "core" if a in p["core"] else ("supporting" if a in p["supporting"] else "")
                for a in cols
            ]
            for p in self.profiles.values()
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def load_competences(path: str | Path | None = None) -> Competences:
    """Load the competence framework (default the packaged ``instruments/competences.yaml``).

    Raises
    ------
    ValidationError
        Every problem located by YAML path (``areas[2].items[0].id``).

    Example
    -------
    >>> c = load_competences()
    >>> [a.id for a in c.areas][:2]
    ['integrated_security', 'crime_prevention']
    """
    path = Path(path) if path is not None else COMPETENCES_PATH
    f = str(path)
    raw = read_yaml_mapping(path, f)
    problems: list[Problem] = []
    areas: list[CompetenceArea] = []
    seen_items: set[str] = set()
    for i, a in enumerate(raw.get("areas") or []):
        w = f"areas[{i}]"
        if not isinstance(a, dict) or not a.get("id") or not a.get("name"):
            problems.append(Problem(f, None, w, a, "an area with id and name"))
            continue
        items: dict[str, str] = {}
        lst = a.get("items") or []
        if not 2 <= len(lst) <= 3:
            problems.append(Problem(f, None, f"{w}.items", len(lst), "2 or 3 items per area"))
        for j, it in enumerate(lst):
            iid = it.get("id") if isinstance(it, dict) else None
            if not iid or iid in seen_items or not (it.get("text") or "").strip():
                problems.append(
                    Problem(f, None, f"{w}.items[{j}]", it, "an item with a unique id and a text")
                )
                continue
            seen_items.add(iid)
            items[iid] = it["text"].strip()
        areas.append(CompetenceArea(str(a["id"]), str(a["name"]), items))
    if not areas:
        problems.append(Problem(f, None, "areas", raw.get("areas"), "a list of areas"))
    area_ids = {a.id for a in areas}
    profiles: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(raw.get("profiles") or []):
        w = f"profiles[{i}]"
        if not isinstance(p, dict) or not p.get("id") or not p.get("name"):
            problems.append(Problem(f, None, w, p, "a profile with id and name"))
            continue
        for k in ("core", "supporting"):
            unknown = [x for x in (p.get(k) or []) if x not in area_ids]
            if unknown:
                problems.append(Problem(f, None, f"{w}.{k}", unknown, "ids of areas"))
        profiles[p["id"]] = {
            "name": p["name"],
            "core": list(p.get("core") or []),
            "supporting": list(p.get("supporting") or []),
        }
    sc = raw.get("scale") or {}
    if problems:
        raise ValidationError(problems, what=f)
    return Competences(
        name=str(raw.get("name", "")),
        version=str(raw.get("version", "")),
        areas=tuple(areas),
        profiles=profiles,
        scale=(int(sc.get("min", 1)), int(sc.get("max", 5))),
        path=f,
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


def evaluate(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    id_col: str = "respondent",
    competences: Competences | str | Path | None = None,
    training_id: str | None = None,
    min_n: int = 10,
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
    >>> res = evaluate(pre, post, min_n=10)  # doctest: +SKIP
    >>> res.table()[["area", "n_pairs", "mean_diff", "dz", "p_holm"]]  # doctest: +SKIP
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
    diff = a_post - a_pre

    rows = []
    for a in comp.areas:
        ok = diff[a.id].notna()
        x0, x1 = a_pre.loc[ok, a.id].to_numpy(), a_post.loc[ok, a.id].to_numpy()
        d = x1 - x0
        n = int(ok.sum())
        rec: dict[str, Any] = {"area": a.id, "area_name": a.name, "n_pairs": n}
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
                t=np.nan,
                p_t=np.nan,
                wilcoxon_w=np.nan,
                p_wilcoxon=np.nan,
                dz=np.nan,
                dz_low=np.nan,
                dz_high=np.nan,
            )
        rows.append(rec)
    areas = pd.DataFrame(rows)
    areas["suppressed"] = areas["n_pairs"] < min_n
    stat_cols = [
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
    areas[stat_cols] = areas[stat_cols].astype(float).mask(areas["suppressed"], np.nan)
    areas["p_holm"] = _holm(areas["p_t"])

    # satisfaction (all post respondents)
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

    # change by staff profile (profile as given before the training)
    if "profile" in pre.columns:
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
        by_profile = by_profile.sort_values(
            ["profile", "area"],
            key=lambda s: s.map(porder if s.name == "profile" else order),
        ).reset_index(drop=True)
    else:
        by_profile = pd.DataFrame(columns=["profile", "area", "n_pairs", "mean_diff", "suppressed"])
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
    """Training ids with both exports in ``<data_dir>/raw/training/`` (sorted by id)."""
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
    min_n: int = 10,
    alpha: float = 0.05,
    key: bytes | str | None = None,
    recorder: Any = None,
) -> list[TrainingEvaluation]:
    """:func:`evaluate` every training of ``<data_dir>/raw/training`` (same method for all).

    A training whose exports fail validation is left out (declared to ``recorder.skip``,
    so the report and the run's ``summary.json`` list it): it never hides the others.
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


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def plot_evaluation(areas: pd.DataFrame, title: str = ""):
    """Before -> after means (left) and Cohen's d_z with CI (right) per competence area.

    Suppressed areas are labelled "suppressed" and drawn without values.
    """
    import matplotlib.pyplot as plt

    df = areas.reset_index(drop=True)
    y = np.arange(len(df))[::-1]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(10, 0.55 * len(df) + 1.6), sharey=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    ok = ~df["suppressed"].to_numpy()
    ax1.hlines(y[ok], df["mean_pre"][ok], df["mean_post"][ok], color="#999999", lw=2)
    ax1.scatter(df["mean_pre"][ok], y[ok], color="#E69F00", s=50, label="before", zorder=3)
    ax1.scatter(df["mean_post"][ok], y[ok], color="#0072B2", s=50, label="after", zorder=3)
    for yy in y[~ok]:
        ax1.text(
            3,
            yy,
            "suppressed (too few pairs)",
            ha="center",
            va="center",
            fontsize=8,
            color="#666666",
        )
    ax1.set_xlim(1, 5)
    ax1.set_xlabel("Mean self-assessed confidence (1-5)")
    ax1.set_yticks(y)
    ax1.set_yticklabels(df["area_name"])
    ax1.legend(loc="lower right", fontsize=8, frameon=False)
    ax2.errorbar(
        df["dz"][ok],
        y[ok],
        xerr=[(df["dz"] - df["dz_low"])[ok], (df["dz_high"] - df["dz"])[ok]],
        fmt="o",
        color="#0072B2",
        capsize=3,
    )
    ax2.axvline(0, color="#444444", lw=0.8)
    ax2.set_xlabel("effect size d_z (mean change / SD of changes), 95% CI")
    for ax in (ax1, ax2):
        ax.grid(axis="x", color="#eeeeee")
        ax.spines[["top", "right"]].set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_compare(table: pd.DataFrame):
    """d_z with CI per area for several trainings (output of :func:`compare`); a Figure."""
    import matplotlib.pyplot as plt

    areas = list(dict.fromkeys(table["area_name"]))
    trainings = list(dict.fromkeys(table["training_id"]))
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(areas) + 1.5))
    base = np.arange(len(areas))[::-1].astype(float)
    step = 0.7 / max(1, len(trainings))
    from ..presentation.figures import CATEGORICAL as colours

    for k, tr in enumerate(trainings):
        sub = table[table["training_id"] == tr].set_index("area_name").reindex(areas)
        yy = base + 0.35 - step * (k + 0.5)
        ok = ~sub["suppressed"].fillna(True).astype(bool).to_numpy()
        ax.errorbar(
            sub["dz"][ok],
            yy[ok],
            xerr=[(sub["dz"] - sub["dz_low"])[ok], (sub["dz_high"] - sub["dz"])[ok]],
            fmt="o",
            capsize=3,
            color=colours[k % len(colours)],
            label=tr,
        )
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(base)
    ax.set_yticklabels(areas)
    ax.set_xlabel("effect size d_z (mean change / SD of changes), 95% CI")
    ax.set_title("Effect size per competence area, every training (codes in order)")
    ax.legend(fontsize=8, frameon=False, title="training")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def profile_table(result, instrument=None):
    """Display-ready mean change per staff profile and competence area (suppressed groups
    say so), with readable profile and area names."""
    from ..inputs import instruments
    from ..presentation.present import table

    inst = instrument or instruments.load_instrument("training_pre_post")
    profiles = inst.choices.get("profiles", {})
    areas = dict(zip(result.areas["area"], result.areas["area_name"]))
    bp = result.by_profile
    min_n = result.params["min_n"]
    withheld = sorted(
        set(bp.loc[bp["suppressed"], "profile"]) - set(bp.loc[~bp["suppressed"], "profile"])
    )
    note = f"Groups with fewer than {min_n} matched participants are withheld" + (
        ": " + ", ".join(profiles.get(w, w) for w in withheld) + "." if withheld else "."
    )
    bp = bp[~bp["profile"].isin(withheld)]
    return table(
        bp,
        columns={
            "profile": "Staff profile",
            "area": "Competence area",
            "n_pairs": "Pairs",
            "mean_diff": "Mean change (points on 1-5)",
        },
        labels={"profile": profiles, "area": areas},
        kinds={"n_pairs": "int", "mean_diff": ("number", 2)},
        missing={"n_pairs": f"fewer than {min_n}", "mean_diff": "withheld"},
        notes=[note],
    )


def satisfaction_table(result, instrument=None):
    """Display-ready satisfaction items: the question, answers, mean (1-5), share agreeing."""
    from ..inputs import instruments
    from ..presentation.present import table

    inst = instrument or instruments.load_instrument("training_pre_post")

    def label(name):
        try:
            return inst.question(name).label
        except KeyError:
            return str(name).replace("_", " ")

    return table(
        result.satisfaction,
        columns={
            "item": "Statement",
            "n": "Answers",
            "mean": "Mean (1-5)",
            "share_agree": "Agree or strongly agree",
        },
        labels={"item": label},
        kinds={"n": "int", "mean": ("number", 2), "share_agree": "share"},
        missing="withheld",
    )


def key_findings(result) -> list[str]:
    """Generated key findings: matched participants and which areas changed clearly."""
    m = result.matching
    a = result.areas[~result.areas["suppressed"]]
    out = [f"{m['n_matched']} participants answered before and after the training."]
    clear = a[(a["p_holm"] < 0.05) & (a["mean_diff"] > 0)]
    if len(clear):
        out.append(
            "Self-assessed confidence rose clearly (Holm-adjusted p < 0.05) in: "
            + ", ".join(f"{r.area_name} (d_z {r.dz:.2f})" for r in clear.itertuples())
            + "."
        )
    rest = a[~a.index.isin(clear.index)]
    if len(rest):
        out.append("No clear change in: " + ", ".join(rest["area_name"]) + ".")
    out.append(
        "The change is self-assessed confidence, not measured skill, without a comparison group."
    )
    return out
