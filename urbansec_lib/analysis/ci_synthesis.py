"""Cross-city synthesis of Collective Impact self-assessments: recurring items and lessons.

Part of :mod:`urbansec_lib.analysis.collective_impact` (its public face). Never a score
table: cities are reported in the order given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .ci_model import GENERAL, CIModel, _resolve_model
from .ci_read import CIAssessment

# --------------------------------------------------------------------------------------------
# Cross-city synthesis
# --------------------------------------------------------------------------------------------

_EXTRA_STOP = {
    "lack",
    "lacking",
    "missing",
    "insufficient",
    "limited",
    "weak",
    "strong",
    "good",
    "poor",
    "city",
    "cities",
    "local",
    "new",
    "current",
    "currently",
    "e",
    "g",
    "eg",
    "etc",
    "partnership",
}
_SUFFIXES = (
    "ations",
    "ation",
    "ators",
    "ator",
    "ating",
    "ated",
    "ates",
    "ate",
    "ings",
    "ing",
    "ions",
    "ion",
    "ers",
    "er",
    "ies",
    "es",
    "ed",
    "ly",
    "s",
)


def _tokens(text: str) -> list[str]:
    """Lower-case, strip accents and punctuation, drop stopwords."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return [
        w
        for w in re.findall(r"[a-z0-9]+", t)
        if w not in ENGLISH_STOP_WORDS and w not in _EXTRA_STOP and len(w) > 1
    ]


def _stem(word: str) -> str:
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)] + ("y" if suf == "ies" else "")
    return word


def normalise_text(text: str) -> str:
    """Normalised, stemmed text used for grouping ("No dedicated staff!" -> "dedic staff").

    Examples
    --------
    >>> normalise_text("No dedicated staff!")
    'dedic staff'
    """
    return " ".join(_stem(w) for w in _tokens(text))


@dataclass
class CISynthesis:
    """Cross-city synthesis of SWOT self-assessments (see :func:`synthesis`).

    Attributes
    ----------
    units : list of str
        Units in the order given.
    recurring : DataFrame
        quadrant, grouping ("item", "keyword", "text_cluster"), block, item_id, theme,
        n_cities, cities (comma-separated, in the given order), n_items, examples.
    lessons : DataFrame
        kind, quadrant, block, item_id, theme, n_cities, cities, lesson (a sentence).

    Examples
    --------
    Usually returned by :func:`synthesis`; built by hand here:

    >>> lessons = pd.DataFrame({"lesson": ["Continuous communication is a strength in 2 of 2 "
    ...                                    "cities (BE212, ES300)"]})
    >>> syn = CISynthesis(["BE212", "ES300"], recurring=pd.DataFrame(), lessons=lessons)
    >>> print(syn.summary())
    Cross-city synthesis of 2 cities (BE212, ES300)
    - Continuous communication is a strength in 2 of 2 cities (BE212, ES300)
    """

    units: list[str]
    recurring: pd.DataFrame
    lessons: pd.DataFrame
    seed: int = 0

    def table(self) -> pd.DataFrame:
        """The recurring-items table."""
        return self.recurring.copy()

    def summary(self) -> str:
        """The lessons as a bulleted text."""
        head = f"Cross-city synthesis of {len(self.units)} cities ({', '.join(self.units)})"
        return "\n".join([head, *[f"- {s}" for s in self.lessons["lesson"]]])


def _singular(name: str) -> str:
    w = name.strip().lower()
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    return w[:-1] if w.endswith("s") else w


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _examples(group: pd.DataFrame, n: int = 3) -> str:
    firsts = group.drop_duplicates("unit_id").head(n)
    return " | ".join(f"{t} ({u})" for t, u in zip(firsts["item"], firsts["unit_id"]))


def _cities(group: pd.DataFrame, units: list[str]) -> list[str]:
    present = set(group["unit_id"])
    return [u for u in units if u in present]


_RECURRING_COLUMNS = [
    "quadrant",
    "grouping",
    "block",
    "item_id",
    "theme",
    "n_cities",
    "cities",
    "n_items",
    "examples",
]
_LESSON_COLUMNS = ["kind", "quadrant", "block", "item_id", "theme", "n_cities", "cities", "lesson"]


def _text_clusters(
    g: pd.DataFrame, method: str, seed: int, distance_threshold: float
) -> tuple[np.ndarray, Any, np.ndarray]:
    """Cluster labels of the normalised texts of one quadrant, their TF-IDF matrix and terms."""
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    vec = TfidfVectorizer(token_pattern=r"[a-z0-9]+", sublinear_tf=True)
    X = vec.fit_transform(g["norm"])
    if method == "agglomerative":
        dist = cosine_distances(X)
        labels = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=distance_threshold,
        ).fit_predict(dist)
    else:
        k = int(np.clip(round(len(g) / g["unit_id"].nunique()), 2, g["norm"].nunique()))
        labels = KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(X)
    return labels, X, np.asarray(vec.get_feature_names_out())


def _where(q: str, block: str, item_id: str, theme: str, cities: list[str]) -> dict:
    """The columns a recurring group and a lesson share: where it is and in which cities."""
    return dict(
        quadrant=q,
        block=block,
        item_id=item_id,
        theme=theme,
        n_cities=len(cities),
        cities=", ".join(cities),
    )


def _recurring(
    swot: pd.DataFrame,
    units: list[str],
    model: CIModel,
    min_cities: int,
    min_items: int,
    distance_threshold: float,
    method: str,
    seed: int,
) -> pd.DataFrame:
    """Groups of SWOT items that recur in ``min_cities`` or more: by model item, by keyword
    theme and by text similarity; quadrant order, then grouping, then most cities first."""
    rec: list[dict] = []

    def add(grouping: str, q: str, g: pd.DataFrame, block: str, item_id: str, theme: str) -> None:
        cities = _cities(g, units)
        if len(cities) >= min_cities:
            where = _where(q, block, item_id, theme, cities)
            rec.append({**where, "grouping": grouping, "n_items": len(g), "examples": _examples(g)})

    # 1. by model item
    named = swot[swot["item_id"] != ""]
    for (q, blk, iid), g in named.groupby(["quadrant", "block", "item_id"], sort=False):
        add("item", q, g, blk, iid, model.item(iid).name)

    # 2. by keyword theme
    raw_tokens = swot["item"].map(_tokens)
    for t in model.themes:
        kws = tuple(str(k).lower() for k in t["keywords"])
        hit = raw_tokens.map(lambda ws, kws=kws: any(w.startswith(kws) for w in ws))
        for q, g in swot[hit].groupby("quadrant", sort=False):
            add("keyword", q, g, ", ".join(dict.fromkeys(g["block"])), "", t["name"])

    # 3. by text similarity
    for q, g in swot.groupby("quadrant", sort=False):
        g = g[g["norm"].str.len() > 0]
        n_distinct = g["norm"].nunique()
        if len(g) < max(min_items, 2) or g["unit_id"].nunique() < min_cities or n_distinct < 2:
            continue
        labels, X, terms = _text_clusters(g, method, seed, distance_threshold)
        for lab in np.unique(labels):
            members = g[labels == lab]
            if members["unit_id"].nunique() < min_cities:
                continue
            centroid = np.asarray(X[labels == lab].mean(axis=0)).ravel()
            top = terms[np.argsort(-centroid, kind="stable")[:3]]
            add(
                "text_cluster",
                q,
                members,
                ", ".join(dict.fromkeys(members["block"])),
                ", ".join(dict.fromkeys(members["item_id"].replace("", GENERAL))),
                " / ".join(top),
            )

    recurring = pd.DataFrame(rec, columns=_RECURRING_COLUMNS)
    qorder = list(model.quadrants)
    gorder = {"item": 0, "text_cluster": 1, "keyword": 2}
    if len(recurring):
        recurring = recurring.assign(
            _q=recurring["quadrant"].map(qorder.index), _g=recurring["grouping"].map(gorder)
        ).sort_values(["_q", "_g", "n_cities"], ascending=[True, True, False], kind="stable")
        recurring = recurring.drop(columns=["_q", "_g"]).reset_index(drop=True)
    return recurring


def _lesson(kind, q, blk, iid, theme, cities, text) -> dict:
    """One row of the lessons table."""
    return {"kind": kind, **_where(q, blk, iid, theme, cities), "lesson": text}


def _swot_lessons(recurring: pd.DataFrame, n: int, model: CIModel, min_cities: int) -> list[dict]:
    """A sentence for every recurring group (a text cluster only where no item-level group
    of the same quadrant and items exists; a keyword theme only in 3 of 4 cities or more)."""
    qword = {qid: _singular(name) for qid, name in model.quadrants.items()}
    by_item = recurring[recurring["grouping"] == "item"]
    item_groups = set(zip(by_item["quadrant"], by_item["item_id"]))
    lessons: list[dict] = []
    for _, r in recurring.iterrows():
        cities = r["cities"].split(", ")
        where = f"{r['n_cities']} of {n} cities ({r['cities']})"
        if r["grouping"] == "item":
            text = f"{r['theme']} is {_a(qword[r['quadrant']])} in {where}: {r['examples']}"
        elif r["grouping"] == "text_cluster":
            if (r["quadrant"], r["item_id"]) in item_groups:
                continue  # the same items already make an item-level lesson
            text = (
                f"A similar {qword[r['quadrant']]} ('{r['theme']}') recurs in {where}, "
                f"across items {_item_names(model, r['item_id'])}: {r['examples']}"
            )
        else:
            if r["n_cities"] < max(min_cities, int(np.ceil(0.75 * n))):
                continue
            text = f"{r['theme']} comes up as {_a(qword[r['quadrant']])} in {where}"
        lessons.append(
            _lesson(
                r["grouping"], r["quadrant"], r["block"], r["item_id"], r["theme"], cities, text
            )
        )
    return lessons


def _readiness_lessons(
    assessments: list[CIAssessment], units: list[str], model: CIModel, min_cities: int
) -> list[dict]:
    """Items that are a readiness gap, or established, in ``min_cities`` or more."""
    n = len(units)
    lessons: list[dict] = []
    ready = pd.concat([a.readiness for a in assessments], ignore_index=True)
    for (blk, iid), g in ready.groupby(["block", "item_id"], sort=False):
        gap_c = _cities(g[g["gap"]], units)
        strong = g[(g["rating"].fillna(0) > model.gap_at_or_below) & (g["evidence_count"] > 0)]
        ok_c = _cities(strong, units)
        name = model.item(iid).name
        if len(gap_c) >= min_cities:
            text = (
                f"{name} is a readiness gap (rated {model.gap_at_or_below} or lower, or "
                f"without evidence) in {len(gap_c)} of {n} cities ({', '.join(gap_c)})"
            )
            lessons.append(_lesson("readiness_gap", "", blk, iid, name, gap_c, text))
        if len(ok_c) >= min_cities:
            text = (
                f"{name} is established (rated above {model.gap_at_or_below} with evidence) "
                f"in {len(ok_c)} of {n} cities ({', '.join(ok_c)}); peers can learn from them"
            )
            lessons.append(_lesson("readiness_strength", "", blk, iid, name, ok_c, text))
    return lessons


def synthesis(
    assessments: Sequence[CIAssessment],
    seed: int = 0,
    min_cities: int = 2,
    min_items: int = 4,
    distance_threshold: float = 0.75,
    method: str = "agglomerative",
    model: CIModel | str | Path | None = None,
) -> CISynthesis:
    """Recurring SWOT items and readiness patterns across 3-5 cities (never a score table).

    Items are grouped three ways, within each quadrant: by model item (same condition /
    precondition / function), by keyword theme (the model's ``themes``, matched on lower-cased,
    punctuation- and stopword-free words) and by text similarity (TF-IDF of the normalised,
    lightly stemmed text, clustered on cosine distance) when a quadrant has at least
    ``min_items`` items. A group recurs when it spans at least ``min_cities`` cities.

    Parameters
    ----------
    assessments : list of CIAssessment
        Distinct units; they are reported in the order given.
    seed : int
        Random state for ``method="kmeans"`` (agglomerative clustering is deterministic).
    min_cities : int
        Minimum number of cities for a recurring group or lesson.
    min_items : int
        Minimum number of items in a quadrant for text clustering.
    distance_threshold : float
        Cosine-distance threshold for average-linkage agglomerative clustering.
    method : {"agglomerative", "kmeans"}
        Text-clustering method (k-means uses about one cluster per item of a city).

    Returns
    -------
    CISynthesis

    Example
    -------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> cities = [read(_DEMO / f"{u}_ci.xlsx") for u in ("BE212", "ES300", "FRL03", "FI1B1")]
    >>> syn = synthesis(cities, seed=0)
    >>> print(syn.summary().splitlines()[0])
    Cross-city synthesis of 4 cities (BE212, ES300, FRL03, FI1B1)
    >>> r = syn.recurring.iloc[0]
    >>> r["quadrant"], r["grouping"], r["theme"], int(r["n_cities"])
    ('S', 'item', 'Continuous communication', 3)
    """
    assessments = list(assessments)
    units = [a.unit_id for a in assessments]
    if len(units) < 2 or len(set(units)) != len(units):
        raise ValueError(f"synthesis needs at least two distinct units; got {units}")
    if method not in ("agglomerative", "kmeans"):
        raise ValueError("method must be 'agglomerative' or 'kmeans'")
    model = _resolve_model(model if model is not None else assessments[0].model)
    swot = pd.concat([a.swot for a in assessments], ignore_index=True)
    swot["norm"] = swot["item"].map(normalise_text)
    recurring = _recurring(
        swot, units, model, min_cities, min_items, distance_threshold, method, seed
    )
    lessons = _swot_lessons(recurring, len(units), model, min_cities)
    lessons += _readiness_lessons(assessments, units, model, min_cities)
    return CISynthesis(
        units=units,
        recurring=recurring,
        lessons=pd.DataFrame(lessons, columns=_LESSON_COLUMNS),
        seed=seed,
    )


def key_findings(assessment: CIAssessment, name: str | None = None) -> list[str]:
    """Generated key findings for one unit: phase, readiness gaps and strengths, SWOT size.

    Parameters
    ----------
    assessment : CIAssessment
    name : str, optional
        Display name of the unit (default its id).

    Returns
    -------
    list of str
        One sentence each.

    Examples
    --------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> key_findings(read(_DEMO / "BE212_ci.xlsx"), "Mechelen")[0]
    "Mechelen is in the phase 'Begin implementation' of the Collective Impact model."
    """
    name = name or assessment.unit_id
    r = assessment.readiness
    out = [f"{name} is in the phase '{assessment.phase_name}' of the Collective Impact model."]
    rated = r[r["rating"].notna()]
    gaps = rated[rated["gap"].astype(bool)]
    if len(gaps):
        out.append(
            f"{len(gaps)} of {len(rated)} rated items are readiness gaps (rated 2 or lower): "
            + ", ".join(gaps["item_name"])
            + "."
        )
    strong = rated[rated["rating"] >= 3]
    if len(strong):
        out.append("Rated 3 or 4: " + ", ".join(strong["item_name"]) + ".")
    counts = assessment.swot.groupby("quadrant").size()
    q = _resolve_model(getattr(assessment, "model", None)).quadrants
    out.append(
        "SWOT items named: " + ", ".join(f"{q[k].lower()} {int(counts.get(k, 0))}" for k in q) + "."
    )
    return out


def _item_names(model: CIModel, ids: str) -> str:
    """Readable names for comma-separated item ids ("general" for items outside the model)."""
    names = {it.id: it.name for b in model.blocks for it in b.items}
    return ", ".join(names.get(i.strip(), i.strip().replace("_", " ")) for i in str(ids).split(","))
