"""Sun & Abraham (2021) interaction-weighted event study, :func:`sun_abraham`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import ImpactResult
from .design_checks import _check
from .group_time_results import AggregatedATTResult, _aggregated
from .staggered_panel import _arg_error, _drop_always_treated, _prepare, _twfe_fields, _twfe_ols
from .staggered_plots import plot_event_time

__all__ = ["SunAbrahamResult", "sun_abraham"]


# --------------------------------------------------------------------------------------
# Sun & Abraham
# --------------------------------------------------------------------------------------
@dataclass
class SunAbrahamResult(ImpactResult):
    """Sun & Abraham (2021) interaction-weighted event study.

    ``table()`` lists the cohort-specific effects CATT(g, e) (``group, time, e, att, se,
    ci_low, ci_high, pvalue``; the reference period e = -1 of each cohort is 0 with no SE).
    ``estimate`` is the average post-adoption effect, weighting each CATT(g, e), e >= 0, by
    its cohort size (as fixest's ``aggregate(att=TRUE)``).

    Attributes
    ----------
    event_study : pandas.DataFrame
        The interaction-weighted (IW) effects by event time: ``e, att, se, ci_low, ci_high,
        pvalue`` (cohort-share weights, held fixed in the SEs as fixest does).
    vcov : pandas.DataFrame
        Cluster-robust (CRV1) covariance of the CATT(g, e).
    n_clusters : int
        Number of clusters (units unless ``cluster`` is given); CIs use t(G - 1).
    pretest_stat, pretest_df, pretest_pvalue : float, tuple, float
        F test that every pre-adoption CATT(g, e) is zero.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> d = pd.DataFrame({"u": np.repeat(range(60), 5), "t": np.tile(range(1, 6), 60)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 60), 5)
    >>> d["y"] = 2.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
    >>> sa = sun_abraham(d, "y", "u", "t", "g")
    >>> type(sa).__name__, round(sa.estimate, 1), sa.n_clusters
    ('SunAbrahamResult', 2.0, 60)
    >>> sa.event_study.columns.tolist()[:2]
    ['e', 'att']
    """

    event_study: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    vcov: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    n_clusters: int = 0
    control: str = "never"
    pretest_stat: float = float("nan")
    pretest_df: tuple[float, float] = (float("nan"), float("nan"))
    pretest_pvalue: float = float("nan")
    outcome: str = ""
    time_label: str = "period"

    def _extra_lines(self) -> list[str]:
        ctrl = "never-treated" if self.control == "never" else "last-treated cohort (and never)"
        return [
            f"Comparison  : {ctrl} units; CRV1 SEs, {self.n_clusters} clusters",
            f"Pre-trends  : F{self.pretest_df} = {self.pretest_stat:.3g}, "
            f"p = {self.pretest_pvalue:.3g}",
        ]

    def aggregate(self, type: str = "dynamic") -> AggregatedATTResult:
        """IW aggregation: ``"dynamic"`` (by event time) or ``"simple"`` (post average).

        Examples
        --------
        >>> rng = np.random.default_rng(4)
        >>> d = pd.DataFrame({"u": np.repeat(range(60), 5), "t": np.tile(range(1, 6), 60)})
        >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 60), 5)
        >>> d["y"] = 2.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
        >>> sa = sun_abraham(d, "y", "u", "t", "g")
        >>> sa.aggregate("dynamic").table()["e"].tolist(), round(sa.aggregate("simple").estimate, 1)
        ([-3, -2, -1, 0, 1, 2], 2.0)
        """
        if type not in ("dynamic", "simple"):
            raise _arg_error("type", type, '"dynamic" or "simple"')
        terms = (
            self.event_study.copy()
            if type == "dynamic"
            else pd.DataFrame(
                {
                    "term": ["post-adoption ATT"],
                    "att": [self.estimate],
                    "se": [self.se],
                    "ci_low": [self.ci[0]],
                    "ci_high": [self.ci[1]],
                    "pvalue": [self.pvalue],
                }
            )
        )
        return _aggregated(
            self,
            design=f"Sun & Abraham interaction-weighted event study ({type})",
            estimand=self.estimand,
            estimate=self.estimate,
            se=self.se,
            ci=self.ci,
            pvalue=self.pvalue,
            terms=terms,
            type=type,
            crit_val=float(stats.t.ppf(1 - self.alpha / 2, self.n_clusters - 1)),
        )

    def plot(self, ylabel: str | None = None, title: str | None = None):
        """IW event-study effects with confidence intervals (reference e = -1 at 0)."""
        return plot_event_time(
            self.event_study.rename(columns={"e": "x"}),
            xlabel=f"event time ({self.time_label}s since adoption)",
            ylabel=ylabel or f"effect on {self.outcome} (outcome units)",
            title=title or "Event study, interaction-weighted (Sun & Abraham)",
        )


def sun_abraham(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    control: str = "never",
    alpha: float = 0.05,
    cluster: str | None = None,
    time_label: str = "period",
) -> SunAbrahamResult:
    """Interaction-weighted event study (Sun & Abraham 2021).

    Long because: the docstring documents the model and options; the steps are
    :func:`_sample`, :func:`_cells`, :func:`_catt_table` and :func:`_iw_event_study`.

    Fits ``y_it = a_i + l_t + sum_g sum_{e != -1} d_ge 1{G_i = g} 1{t - g = e} + u_it`` by
    two-way fixed effects on a balanced panel, saturated in cohort x event time so that no
    already-treated cohort serves as a control, then averages the cohort effects d_ge at
    each event time with weights equal to the cohorts' shares (the IW estimator).

    Parameters
    ----------
    df, outcome, unit, time, group
        As :func:`att_gt` (``group`` = first treated period, 0 never treated).
    control : {"never", "last"}
        Comparison cohort: never-treated units, or the last-treated cohort (periods from
        its adoption on are dropped; never-treated units, if any, remain controls).
    alpha : float
        1 - confidence level (t(G - 1) intervals).
    cluster : str, optional
        Cluster column constant within unit (default: the unit).
    time_label : str
        Name of one period for plots.

    Returns
    -------
    SunAbrahamResult

    Notes
    -----
    In a balanced panel without covariates and with never-treated controls, CATT(g, e)
    equals Callaway & Sant'Anna's ATT(g, g + e) with ``base_period="universal"`` (tested).
    The reference period of a cohort is its last period before adoption.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> d = pd.DataFrame({"u": np.repeat(range(60), 5), "t": np.tile(range(1, 6), 60)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 60), 5)
    >>> d["y"] = 2.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
    >>> sa = sun_abraham(d, "y", "u", "t", "g")
    >>> round(sa.estimate, 1)
    2.0
    >>> sa.table().columns.tolist()[:3], type(sa.plot()).__name__
    (['group', 'time', 'e'], 'Figure')
    >>> sa.summary().splitlines()[0]
    'Design      : Sun & Abraham interaction-weighted event study (TWFE, cohort x event time)'
    """
    if control not in ("never", "last"):
        raise _arg_error("control", control, '"never" or "last"')
    p = _drop_always_treated(_prepare(df, outcome, unit, time, group, None, cluster))
    times, first, Y, cohorts = _sample(p, group, control)
    n, T = Y.shape
    cells, refs, X = _cells(times, first, cohorts, n)
    codes = np.arange(n) if p.cluster is None else p.cluster
    beta, V, G = _twfe_ols(Y, X, codes)
    crit = float(stats.t.ppf(1 - alpha / 2, G - 1))
    catt = _catt_table(cells, refs, beta, np.sqrt(np.diag(V)), crit, G)
    # IW aggregation with cohort-share weights
    size = {g: int((first == g).sum()) for g in cohorts}
    e_c = np.array([c[1] - c[0] for c in cells])
    w_size = np.array([size[g] for g in (c[0] for c in cells)], float)
    es = _iw_event_study(e_c, [r[1] - r[0] for r in refs], w_size, beta, V, crit, G)
    post = e_c >= 0
    w = np.where(post, w_size, 0.0)
    w /= w.sum()
    est, est_se = float(w @ beta), float(np.sqrt(w @ V @ w))
    # pre-trend F test
    pre = np.flatnonzero(~post)
    fstat, fp = float("nan"), float("nan")
    if pre.size:
        b, Vp = beta[pre], V[np.ix_(pre, pre)]
        fstat = float(b @ np.linalg.solve(Vp, b) / pre.size)
        fp = float(stats.f.sf(fstat, pre.size, G - 1))
    integer = np.all(np.mod(np.r_[times, cohorts], 1) == 0)
    if integer:
        for c in ("group", "time", "e"):
            catt[c] = catt[c].astype(int)
        es["e"] = es["e"].astype(int)
    catt = catt[["group", "time", "e", "att", "se", "ci_low", "ci_high", "pvalue"]]
    names = [f"g{g:g}:e{t - g:g}" for g, t, _ in cells]
    checks = [
        _check(
            "parallel pre-trends (F test: pre-adoption CATT = 0)",
            f"F({pre.size}, {G - 1}) = {fstat:.3g}, p = {fp:.3g}" if pre.size else "no leads",
            None if not np.isfinite(fp) else bool(fp >= 0.05),
        ),
        _check(
            "number of clusters",
            f"{G}",
            bool(G >= 30),
            "fewer than ~30 clusters: cluster-robust SEs are unreliable; prefer a wild "
            "cluster bootstrap"
            if G < 30
            else "",
        ),
        _check("no anticipation", "assumed", None),
    ]
    return SunAbrahamResult(
        design="Sun & Abraham interaction-weighted event study (TWFE, cohort x event time)",
        estimand=f"average post-adoption effect on {outcome} (cohort-size weighted CATT)",
        **_twfe_fields(est, est_se, crit, G, n * T, checks, alpha),
        terms=catt,
        event_study=es,
        vcov=pd.DataFrame(V, index=names, columns=names),
        n_clusters=G,
        control=control,
        pretest_stat=fstat,
        pretest_df=(float(pre.size), float(G - 1)),
        pretest_pvalue=fp,
        outcome=outcome,
        time_label=time_label,
    )


def _sample(p, group: str, control: str):
    """Periods, first-treated periods, outcomes and the cohorts estimated; with
    ``control="last"`` the last cohort becomes the control and its periods from adoption
    on are dropped."""
    times, first, Y = p.times, p.first.copy(), p.y
    cohorts = np.unique(first[first > 0])
    if control == "last":
        if cohorts.size < 2:
            raise _arg_error(group, list(cohorts), "at least two treated cohorts (control='last')")
        last = cohorts.max()
        keep_t = times < last
        times, Y = times[keep_t], Y[:, keep_t]
        first = np.where(first == last, 0.0, first)
        cohorts = cohorts[:-1]
    elif not (first == 0).any():
        raise _arg_error(group, None, "never-treated units (group 0), or control='last'")
    return times, first, Y, cohorts[cohorts > times[0]]


def _cells(times, first, cohorts, n: int):
    """Cohort x period cells (g, t, period index), each cohort's reference (g, t) and the
    n x T x cells indicator design."""
    cells: list[tuple[float, float, int]] = []  # (g, t, period index)
    refs: list[tuple[float, float]] = []
    for g in cohorts:
        base = np.flatnonzero(times < g)[-1]
        for j, t in enumerate(times):
            (refs.append((g, t)) if j == base else cells.append((g, t, j)))
    X = np.zeros((n, len(times), len(cells)))
    for c, (g, _, j) in enumerate(cells):
        X[first == g, j, c] = 1.0
    return cells, refs, X


def _catt_table(cells, refs, beta, se, crit: float, G: int) -> pd.DataFrame:
    """CATT(g, t) with t(G - 1) intervals; the reference cells as zeros."""
    catt = pd.DataFrame(
        {
            "group": [c[0] for c in cells] + [r[0] for r in refs],
            "time": [c[1] for c in cells] + [r[1] for r in refs],
            "att": np.r_[beta, np.zeros(len(refs))],
            "se": np.r_[se, np.full(len(refs), np.nan)],
        }
    )
    catt["e"] = catt["time"] - catt["group"]
    with np.errstate(invalid="ignore"):
        tstat = catt["att"] / catt["se"]
    catt["ci_low"] = catt["att"] - crit * catt["se"]
    catt["ci_high"] = catt["att"] + crit * catt["se"]
    catt["pvalue"] = 2 * stats.t.sf(np.abs(tstat), G - 1)
    return catt.sort_values(["group", "time"]).reset_index(drop=True)


def _iw_event_study(e_c, e_ref, w_size, beta, V, crit: float, G: int) -> pd.DataFrame:
    """Effects by event time: cohort-share weighted CATT (0 at the reference)."""
    rows = []
    for e in np.unique(np.r_[e_c, e_ref]):
        sel = e_c == e
        if not sel.any():
            rows.append({"e": e, "att": 0.0, "se": np.nan})
            continue
        w = np.where(sel, w_size, 0.0)
        w /= w.sum()
        rows.append({"e": e, "att": float(w @ beta), "se": float(np.sqrt(w @ V @ w))})
    es = pd.DataFrame(rows)
    es["ci_low"] = es["att"] - crit * es["se"]
    es["ci_high"] = es["att"] + crit * es["se"]
    with np.errstate(invalid="ignore"):
        es["pvalue"] = 2 * stats.t.sf(np.abs(es["att"] / es["se"]), G - 1)
    return es
