"""Peer groups and learning partners: compare a unit with units alike in context, never rank.

A unit's *peers* are the units most alike in context (NUTS level, population size class,
urban-rural type, and whatever context data exists), found by clustering standardised
context variables (scikit-learn, seeded). A unit is then shown *within its peers'
distribution* (a percentile band, not a rank), and its *learning partners* are peers that
are strong where it is weak, with the indicators that make the difference.

Example
-------
>>> import pandas as pd
>>> ctx = pd.DataFrame({"log_pop": [5.1, 5.2, 6.3, 6.4, 5.0, 6.2]},
...                    index=["A", "B", "C", "D", "E", "F"])
>>> groups = peer_groups(ctx, seed=0)
>>> bool(groups.loc["A"] == groups.loc["B"])
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ..core.errors import Problem, ValidationError

__all__ = [
    "PeerGrouper",
    "peer_groups",
    "nearest_peers",
    "peer_set",
    "position",
    "learning_partners",
    "context_features",
    "BANDS",
]

#: Fewer peers with data than this and no band is given.
MIN_PEERS = 3

#: Percentile bands used to place a unit in its peers' distribution (no ranks).
BANDS = (
    (0.0, 25.0, "lower quarter of peers"),
    (25.0, 75.0, "middle half of peers"),
    (75.0, 100.01, "upper quarter of peers"),
)


def context_features(
    units: pd.DataFrame,
    numeric: list[str] | None = None,
    categorical: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Turn a unit registry into numeric context features for peer grouping.

    Parameters
    ----------
    units : DataFrame
        One row per unit with ``unit_id`` and context columns. ``population`` is
        log10-transformed; other numeric columns listed in ``numeric`` are used as is;
        columns in ``categorical`` (e.g. ``level``) are one-hot encoded.
    numeric : list of str, optional
        Extra numeric context columns (e.g. urban-rural type, density, unemployment).
    categorical : tuple of str
        Categorical context columns. Empty by default: one-hot columns of a rare category
        (two NUTS 3 regions among cities) would otherwise split them off on their own.

    Returns
    -------
    DataFrame indexed by unit_id with only finite numeric columns.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_id": ["A", "B"], "population": [1e4, 1e6]})
    >>> context_features(units)["log10_population"].tolist()
    [4.0, 6.0]
    """
    df = units.set_index("unit_id") if "unit_id" in units.columns else units.copy()
    out = pd.DataFrame(index=df.index)
    if "population" in df:
        pop = pd.to_numeric(df["population"], errors="coerce")
        out["log10_population"] = np.log10(pop.where(pop > 0))
    for col in numeric or []:
        out[col] = pd.to_numeric(df[col], errors="coerce")
    for cat in categorical:
        if cat in df:
            out = out.join(pd.get_dummies(df[cat].astype(str), prefix=cat, dtype=float))
    out = out.apply(lambda s: s.fillna(s.median()))
    return out.loc[:, out.notna().all() & (out.std(ddof=0) > 0)]


@dataclass
class PeerGrouper:
    """Cluster units into peer groups on standardised context variables.

    Parameters
    ----------
    method : {"kmeans", "agglomerative"}
        Clustering algorithm (Ward linkage for agglomerative).
    k : int or None
        Number of groups; ``None`` chooses k in ``k_range`` by the silhouette score.
    k_range : tuple of int
        Candidate k (inclusive bounds) when ``k`` is None.
    seed : int
        Random seed (k-means initialisation).
    min_size : int
        Members of groups smaller than this are moved to the nearest large group (a peer
        distribution of one or two units says little); k is then chosen by the silhouette
        of the merged grouping.

    Attributes
    ----------
    labels_ : Series
        Peer group (int, 1-based) per unit_id.
    k_ : int
        Number of groups used.
    silhouette_ : DataFrame
        Silhouette score for each candidate k.
    features_ : DataFrame
        Standardised features used.

    Examples
    --------
    >>> ctx = pd.DataFrame({"pop": [1, 2, 3, 10, 11, 12.0], "dens": [5, 6, 5, 50, 52, 51.0]},
    ...                    index=pd.Index(list("ABCDEF"), name="unit_id"))
    >>> g = PeerGrouper(k=2, min_size=2).fit(ctx)
    >>> g.k_, sorted(g.labels_.value_counts().tolist())
    (2, [3, 3])
    """

    method: str = "kmeans"
    k: int | None = None
    k_range: tuple[int, int] = (2, 8)
    seed: int = 0
    min_size: int = 4
    labels_: pd.Series = field(init=False, repr=False)
    k_: int = field(init=False, repr=False)
    silhouette_: pd.DataFrame = field(init=False, repr=False)
    features_: pd.DataFrame = field(init=False, repr=False)

    def _cluster(self, x: np.ndarray, k: int) -> np.ndarray:
        if self.method == "kmeans":
            # One OpenMP thread: on small data, k-means' thread start-up dominates, and on a
            # shared 2-core machine oversubscription made it 30x slower (same labels).
            with threadpool_limits(limits=1, user_api="openmp"):
                return KMeans(n_clusters=k, n_init=10, random_state=self.seed).fit_predict(x)
        if self.method == "agglomerative":
            return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
        raise ValueError(f"method must be 'kmeans' or 'agglomerative', got {self.method!r}")

    def fit(self, context: pd.DataFrame) -> PeerGrouper:
        """Fit on a unit x feature frame (index = unit_id, numeric columns).

        Examples
        --------
        >>> ctx = pd.DataFrame({"pop": [1, 2, 3, 10, 11, 12.0], "dens": [5, 6, 5, 50, 52, 51.0]},
        ...                    index=pd.Index(list("ABCDEF"), name="unit_id"))
        >>> PeerGrouper(k=2, min_size=2).fit(ctx).labels_.nunique()
        2
        """
        _check_context(context)
        ctx = context.sort_index()
        x = StandardScaler().fit_transform(ctx.to_numpy(dtype=float))
        n = len(ctx)
        if self.k is not None:
            ks = [int(self.k)]
        else:
            ks = list(range(self.k_range[0], min(self.k_range[1], n - 1) + 1)) or [1]
        sil, labels = [], {}
        for k in ks:
            raw = self._cluster(x, k) if k > 1 else np.zeros(n, dtype=int)
            lab = _merge_small(x, raw, self.min_size)
            labels[k] = lab
            n_groups = len(np.unique(lab))
            ok = 1 < n_groups < n
            sil.append(
                {
                    "k": k,
                    "groups_after_merge": n_groups,
                    "silhouette": silhouette_score(x, lab) if ok else np.nan,
                }
            )
        self.silhouette_ = pd.DataFrame(sil)
        if self.k is None and self.silhouette_["silhouette"].notna().any():
            best = int(self.silhouette_.loc[self.silhouette_["silhouette"].idxmax(), "k"])
        else:
            best = ks[0]
        lab = labels[best]
        self.k_ = len(np.unique(lab))
        self.labels_ = pd.Series(_relabel(lab), index=ctx.index, name="peer_group")
        self.features_ = pd.DataFrame(x, index=ctx.index, columns=ctx.columns)
        return self


def _merge_small(x: np.ndarray, lab: np.ndarray, min_size: int) -> np.ndarray:
    """Move the members of groups smaller than ``min_size`` to the nearest large group
    (by distance to its centroid); a no-op when every group is large enough."""
    lab = lab.copy()
    sizes = pd.Series(lab).value_counts()
    large = sizes[sizes >= min_size].index.to_numpy()
    small = sizes[sizes < min_size].index.to_numpy()
    if len(small) == 0 or len(large) == 0:
        return lab
    centroids = np.vstack([x[lab == g].mean(axis=0) for g in large])
    move = np.isin(lab, small)
    d = ((x[move, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    lab[move] = large[d.argmin(axis=1)]
    return lab


def _relabel(lab: np.ndarray) -> np.ndarray:
    """Number groups 1.. in order of first appearance (stable, independent of k-means ids)."""
    _, first = np.unique(lab, return_index=True)
    order = {old: new + 1 for new, old in enumerate(lab[np.sort(first)])}
    return np.array([order[v] for v in lab])


def _check_context(context: pd.DataFrame) -> None:
    problems = []
    if context.index.has_duplicates:
        for u in context.index[context.index.duplicated()].unique():
            problems.append(Problem("<context>", None, "unit_id", u, "one row per unit"))
    for col in context.columns:
        vals = pd.to_numeric(context[col], errors="coerce")
        if vals.isna().any():
            bad = context.index[vals.isna()].tolist()[:5]
            problems.append(Problem("<context>", None, str(col), bad, "numeric, no missing values"))
    if len(context) < 3:
        problems.append(Problem("<context>", None, None, len(context), "at least 3 units"))
    if problems:
        raise ValidationError(problems, "peer context")


def peer_groups(
    context: pd.DataFrame,
    seed: int = 0,
    k: int | None = None,
    method: str = "kmeans",
    k_range: tuple[int, int] = (2, 8),
    min_size: int = 4,
) -> pd.Series:
    """Peer group per unit (unit_id -> group number), from context variables.

    Parameters
    ----------
    context : DataFrame
        Index unit_id, numeric context columns (see :func:`context_features`).
    seed : int
        Random seed.
    k : int, optional
        Number of groups; chosen by silhouette when omitted.
    method : {"kmeans", "agglomerative"}
    k_range : tuple of int
        Candidate k bounds.
    min_size : int
        Smallest admissible group when k is chosen (see :class:`PeerGrouper`).

    Returns
    -------
    Series named ``peer_group`` indexed by unit_id. Group numbers are labels, not an
    order. ``.attrs`` holds ``k`` and the silhouette table.

    Example
    -------
    >>> ctx = pd.DataFrame({"x": [0, 0.1, 5, 5.1]}, index=list("abcd"))
    >>> peer_groups(ctx, seed=0).tolist()
    [1, 1, 2, 2]
    """
    g = PeerGrouper(method=method, k=k, k_range=k_range, seed=seed, min_size=min_size).fit(context)
    out = g.labels_.copy()
    out.attrs = {"k": g.k_, "silhouette": g.silhouette_.to_dict("records"), "seed": seed}
    return out


def nearest_peers(context: pd.DataFrame, unit_id: str, n: int = 5) -> pd.DataFrame:
    """The ``n`` units nearest in standardised context space (distance, not a ranking of merit).

    Examples
    --------
    >>> ctx = pd.DataFrame({"pop": [1, 2, 3, 10, 11, 12.0], "dens": [5, 6, 5, 50, 52, 51.0]},
    ...                    index=pd.Index(list("ABCDEF"), name="unit_id"))
    >>> nearest_peers(ctx, "A", n=2)["peer_id"].tolist()
    ['B', 'C']
    """
    _check_context(context)
    ctx = context.sort_index()
    if unit_id not in ctx.index:
        raise ValidationError([Problem("<context>", None, "unit_id", unit_id, "a known unit")])
    x = StandardScaler().fit_transform(ctx.to_numpy(dtype=float))
    nn = NearestNeighbors(n_neighbors=min(n + 1, len(ctx))).fit(x)
    dist, idx = nn.kneighbors(x[[ctx.index.get_loc(unit_id)]])
    out = pd.DataFrame({"peer_id": ctx.index[idx[0]], "distance": dist[0]})
    return out[out["peer_id"] != unit_id].head(n).reset_index(drop=True)


def peer_set(context: pd.DataFrame, unit_id: str, n: int = 8) -> pd.Series:
    """A unit and its ``n`` nearest peers in context, as a group Series for :func:`position`.

    Returns a Series indexed by every unit of ``context``: 1 for the unit and its nearest
    peers, 0 for the others. Useful when clustering finds no well-separated groups (e.g.
    units that are all large urban regions): every unit still gets peers most like it.

    Examples
    --------
    >>> ctx = pd.DataFrame({"pop": [1, 2, 3, 10, 11, 12.0], "dens": [5, 6, 5, 50, 52, 51.0]},
    ...                    index=pd.Index(list("ABCDEF"), name="unit_id"))
    >>> peer_set(ctx, "A", n=2).tolist()
    [1, 1, 1, 0, 0, 0]
    """
    near = nearest_peers(context, unit_id, n=n)["peer_id"]
    s = pd.Series(0, index=context.index.sort_values(), name="peer_group")
    s.loc[[unit_id, *near]] = 1
    return s


def _scores_frame(profile) -> pd.DataFrame:
    return profile.scores if hasattr(profile, "scores") else profile


def _latest(df: pd.DataFrame, period) -> pd.DataFrame:
    if "period" not in df:
        return df
    if period is None:
        period = df["period"].max()
    return df[df["period"] == period]


def _distribution(wide: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    """The unit's score against the other rows of ``wide`` (units x nodes), per node."""
    own = wide.loc[unit_id]
    others = wide.drop(index=unit_id)
    below = (others.lt(own, axis=1)).sum()
    ties = (others.eq(own, axis=1)).sum()
    n = others.notna().sum()
    return pd.DataFrame(
        {
            "node_id": wide.columns,
            "score": own.to_numpy(),
            "peer_n": n.to_numpy(),
            "peer_q25": others.quantile(0.25).to_numpy(),
            "peer_median": others.median().to_numpy(),
            "peer_q75": others.quantile(0.75).to_numpy(),
            "percentile": (100 * (below + 0.5 * ties) / n.where(n > 0)).to_numpy(),
        }
    )


def position(
    profile,
    unit_id: str,
    groups: pd.Series,
    level: int | None = None,
    period=None,
    nodes: list[str] | None = None,
    fallback: bool = True,
) -> pd.DataFrame:
    """Where a unit stands in its peer group's distribution, per node (no rank).

    Parameters
    ----------
    profile : Profile or DataFrame
        A scored profile (or its tidy ``scores`` frame: unit_id, period, node_id, level, score).
    unit_id : str
    groups : Series
        Peer group per unit (from :func:`peer_groups`).
    level : int, optional
        Only nodes at this framework level (e.g. the dimensions).
    period : optional
        Period to use (default: the latest).
    nodes : list of str, optional
        Only these nodes, in this order (overrides ``level``; e.g. the top-level
        dimensions of a framework of uneven depth).
    fallback : bool
        Where fewer than :data:`MIN_PEERS` peers of the group have a score for a node
        (e.g. a dimension measured by a survey only some units ran), compare with all
        units that have one; ``compared_with`` says which was used.

    Returns
    -------
    DataFrame with node_id, score, peer_n, peer_q25, peer_median, peer_q75, percentile
    (share of peers scoring below the unit, ties counted half, 0-100), band (lower
    quarter / middle half / upper quarter of peers; "too few peers to place" - then the
    peer statistics are withheld, as they would reveal the peers' scores; "no score")
    and compared_with ("peer group" / "all units").

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> groups = pd.Series(1, index=units)
    >>> pos = position(prof, "u0", groups, nodes=["quality_of_life"])
    >>> pos["node_id"].tolist()
    ['quality_of_life']
    """
    sc = _latest(_scores_frame(profile), period)
    if nodes is not None:
        sc = sc[sc["node_id"].isin(nodes)]
    elif level is not None:
        sc = sc[sc["level"] == level]
    if unit_id not in groups.index:
        raise ValidationError(
            [Problem("<groups>", None, "unit_id", unit_id, "a unit with a peer group")]
        )
    cols = [
        "node_id",
        "score",
        "peer_n",
        "peer_q25",
        "peer_median",
        "peer_q75",
        "percentile",
        "band",
        "compared_with",
    ]
    wide_all = sc.pivot_table(index="unit_id", columns="node_id", values="score", dropna=False)
    if nodes is not None:
        wide_all = wide_all.reindex(columns=[n for n in nodes if n in wide_all.columns])
    if unit_id not in wide_all.index:
        return pd.DataFrame(columns=cols)
    members = groups.index[groups == groups.loc[unit_id]]
    out = _distribution(wide_all.loc[wide_all.index.isin(members)], unit_id)
    out["compared_with"] = "peer group"
    if fallback:
        alt = _distribution(wide_all, unit_id)
        use = (out["peer_n"] < MIN_PEERS) & (alt["peer_n"] >= MIN_PEERS)
        out.loc[use, alt.columns] = alt.loc[use]
        out.loc[use, "compared_with"] = "all units"
    out["band"] = pd.cut(
        out["percentile"],
        bins=[b[0] for b in BANDS] + [BANDS[-1][1]],
        labels=[b[2] for b in BANDS],
        right=False,
    ).astype(object)
    few = out["peer_n"] < MIN_PEERS
    out.loc[few, ["peer_q25", "peer_median", "peer_q75", "percentile"]] = np.nan
    out.loc[few, "band"] = "too few peers to place"
    no_score = out["score"].isna()
    out.loc[no_score, "percentile"] = np.nan
    out.loc[no_score, "band"] = "no score"
    return out[cols].reset_index(drop=True)


def learning_partners(
    profile,
    unit_id: str,
    groups: pd.Series | None = None,
    level: int | None = None,
    n_partners: int | None = None,
    min_gap: float = 10.0,
    n_indicators: int = 3,
    period=None,
    nodes: list[str] | None = None,
) -> pd.DataFrame:
    """Peers that are strong where the unit is weak, with the indicators that differ.

    For each node (e.g. dimension) where the unit scores below its peers' median, the
    partners are the peers whose score exceeds the unit's by at least ``min_gap`` points,
    listed alphabetically (a reading list, not a league table; ``n_partners`` caps the
    list, alphabetically too). For each partner the ``n_indicators``
    indicators under that node with the largest normalised difference are named.

    Parameters
    ----------
    profile : Profile
        Needs ``scores`` and ``indicators`` (normalised values) frames.
    unit_id : str
    groups : Series, optional
        Peer groups; all units are peers when omitted.
    level : int, optional
        Framework level of the nodes to compare (default: the level just above indicators
        whose nodes are dimensions, i.e. all aggregate nodes except the root).
    n_partners, min_gap, n_indicators : see above
    period : optional
        Period to use (default latest).
    nodes : list of str, optional
        Only these nodes (overrides ``level``).

    Returns
    -------
    DataFrame: node_id, partner_id, unit_score, partner_score, gap, indicators
    (comma-separated ids), indicator_gaps (same order).

    Long because: most of it is this docstring (every option documented, an example).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data, score
    >>> units = [f"u{i}" for i in range(8)]
    >>> prof = score(example_data(fw, units=units), fw)
    >>> lp = learning_partners(prof, "u0", pd.Series(1, index=units), nodes=["quality_of_life"])
    >>> isinstance(lp, pd.DataFrame)
    True
    """
    sc = _latest(_scores_frame(profile), period)
    peers = None
    if groups is not None:
        if unit_id not in groups.index:
            raise ValidationError(
                [Problem("<groups>", None, "unit_id", unit_id, "a unit with a peer group")]
            )
        peers = groups.index[groups == groups.loc[unit_id]]
    if nodes is not None:
        sc = sc[sc["node_id"].isin(nodes)]
    elif level is None:
        top = sc["level"].max()
        sc = sc[sc["level"] < top]
    else:
        sc = sc[sc["level"] == level]
    wide_all = sc.pivot_table(index="unit_id", columns="node_id", values="score")
    cols = [
        "node_id",
        "partner_id",
        "unit_score",
        "partner_score",
        "gap",
        "indicators",
        "indicator_gaps",
    ]
    if unit_id not in wide_all.index:
        return pd.DataFrame(columns=cols)
    own = wide_all.loc[unit_id]
    others = wide_all.drop(index=unit_id)
    if peers is not None:
        # as in position(): a node where the group has too few peers with a score is
        # compared with all units; elsewhere only the group's members count
        in_group = others.index.isin(peers)
        enough = others[in_group].notna().sum() >= MIN_PEERS
        others.loc[~in_group, enough[enough].index] = np.nan
    weak = own[own < others.median()].index
    ind = getattr(profile, "indicators", None)
    members = _node_members(profile)
    if ind is not None:
        ind = _latest(ind, period).pivot_table(
            index="unit_id", columns="indicator_id", values="value"
        )
    rows = []
    for node in weak:
        gaps = (others[node] - own[node]).dropna()
        gaps = gaps[gaps >= min_gap].sort_index()  # alphabetical: a reading list, not a top-n
        if n_partners is not None:
            gaps = gaps.head(n_partners)
        for partner, gap in gaps.items():
            names, diffs = "", ""
            if ind is not None and node in members and unit_id in ind.index:
                cols_ = [c for c in members[node] if c in ind.columns]
                d = (ind.loc[partner, cols_] - ind.loc[unit_id, cols_]).dropna()
                d = d[d > 0].sort_values(ascending=False).head(n_indicators)
                names = ",".join(d.index)
                diffs = ",".join(f"{v:.1f}" for v in d.to_numpy())
            rows.append(
                {
                    "node_id": node,
                    "partner_id": partner,
                    "unit_score": own[node],
                    "partner_score": others.loc[partner, node],
                    "gap": gap,
                    "indicators": names,
                    "indicator_gaps": diffs,
                }
            )
    return pd.DataFrame(rows, columns=cols)


def _node_members(profile) -> dict[str, list[str]]:
    """node_id -> indicator ids below it, from the profile's framework if it has one."""
    fw = getattr(profile, "framework", None)
    if fw is None:
        return {}
    return {n.id: [i.id for i in n.all_indicators()] for n in fw.nodes}
