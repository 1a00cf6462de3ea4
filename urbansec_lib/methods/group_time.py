"""Callaway & Sant'Anna (2021) group-time average treatment effects, :func:`att_gt`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .design_checks import _assumptions, _check
from .drdid import _EPS, _ESTIMATORS, _pscore
from .group_time_results import ATTgtResult
from .multiplier_bootstrap import _ZERO_SE, _boot_summary, _bootstrap_draws, _ci_table
from .staggered_panel import _arg_error, _drop_always_treated, _prepare

__all__ = ["att_gt"]


# --------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# --------------------------------------------------------------------------------------
def att_gt(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    control: str = "never",
    covariates: list[str] | str | None = None,
    method: str = "dr",
    alpha: float = 0.05,
    base_period: str = "varying",
    bootstrap: bool | int = False,
    seed: int = 0,
    cluster: str | None = None,
    cband: bool = False,
    weights_type: str = "rademacher",
    time_label: str = "period",
) -> ATTgtResult:
    """Group-time average treatment effects (Callaway & Sant'Anna 2021).

    ATT(g, t) is the average effect in period ``t`` for the cohort first treated in period
    ``g``, identified by a 2x2 DiD between that cohort and a comparison group from a base
    period before ``g`` to ``t``. Reproduces the R package ``did`` 2.3.0 (``att_gt`` with
    ``panel=TRUE``, no anticipation, no sampling weights) to numerical precision.

    Long because: the docstring documents sixteen options; the code is a short pipeline of
    helpers (options, cohorts, ATT(g, t), standard errors, pre-test, checks).

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel: one row per unit and period. Units not seen in every period are dropped
        (balanced panel) with a warning, as are units treated in the first period.
    outcome, unit, time : str
        Outcome, unit id and period columns (time numeric, e.g. years).
    group : str
        First period of treatment of the unit (0 for never treated); values after the last
        period count as never treated.
    control : {"never", "not_yet"}
        Comparison units: never treated, or not yet treated by period ``max(t, base)``.
    covariates : list of str, optional
        Pre-treatment covariates (taken at the earlier period of each 2x2 comparison; with
        time-invariant covariates this is immaterial). Categorical ones become dummies.
    method : {"dr", "ipw", "reg", "dr_imp"}
        Doubly robust (Sant'Anna & Zhao 2020, DRDID ``drdid_panel``, did's default),
        normalised inverse probability weighting (``std_ipw_did_panel``), outcome
        regression (``reg_did_panel``) or the improved doubly robust estimator
        (``drdid_imp_panel``: inverse-probability-tilting propensity score and weighted
        outcome regression, locally efficient and doubly robust for inference too).
        Without covariates all coincide.
    alpha : float
        1 - confidence level.
    base_period : {"varying", "universal"}
        ``"varying"``: pre-treatment ATT(g, t) compare t with t - 1 (short differences);
        ``"universal"``: every ATT(g, t) compares t with g - 1 (ATT(g, g-1) = 0 reported).
    bootstrap : bool or int
        ``False``: analytic SEs from the influence functions. An integer B (or ``True`` for
        999): multiplier bootstrap with B draws (IQR-based SEs as did).
    seed : int
        Seed of the bootstrap draws (the same draws are reused by every aggregation).
    cluster : str, optional
        Column of a cluster constant within unit (bootstrap only: clustered multiplier
        bootstrap on cluster means, as did's ``clustervars``).
    cband : bool
        Uniform (sup-t) confidence bands from the bootstrap, for the ATT(g, t) table and the
        dynamic / group / calendar tables of the aggregations.
    weights_type : {"rademacher", "mammen"}
        Multiplier distribution.
    time_label : str
        Name of one period for plots (e.g. ``"year"``).

    Returns
    -------
    ATTgtResult

    Raises
    ------
    ValidationError
        Missing columns, non-numeric values, a first-treated period varying within a unit,
        invalid options or no usable cohort / comparison group.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. Journal of Econometrics 225(2), 200-230.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> d = pd.DataFrame({"u": np.repeat(range(50), 5), "t": np.tile(range(1, 6), 50)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 5], 50), 5)
    >>> d["y"] = 0.5 * d.t + 1.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.2, len(d))
    >>> res = att_gt(d, "y", "u", "t", "g", control="not_yet")
    >>> res.table().columns.tolist()[:7]
    ['group', 'time', 'e', 'att', 'se', 'ci_low', 'ci_high']
    >>> res.table().columns.tolist()[:3], type(res.plot()).__name__
    (['group', 'time', 'e'], 'Figure')
    >>> res.summary().splitlines()[0]
    "Design      : Callaway & Sant'Anna staggered DiD (group-time ATT)"
    """
    iters, problems = _check_options(
        control, method, base_period, weights_type, alpha, bootstrap, cluster
    )
    if cband and not iters:
        problems.append(("cband", cband, "bootstrap=B as well (uniform bands use the bootstrap)"))
    if problems:
        _raise(problems)
    p = _drop_always_treated(_prepare(df, outcome, unit, time, group, covariates, cluster))
    times, first, Y, glist = _cohorts(p, group, control)
    n, T = Y.shape
    X = p.x if p.x is not None else np.ones((n, T, 1))
    gt, inf, overlap_max = _group_time_effects(
        first, times, Y, X, glist, control, method, base_period == "universal"
    )
    se, crit = _standard_errors(inf, n, alpha, iters, seed, weights_type, p.cluster, cband)
    pre, stat, pval = _pretest(gt, se, inf, n)
    lo, hi, pv = _ci_table(gt["att"], se, crit)
    gt["e"] = gt["time"] - gt["group"]
    gt = gt.assign(se=se, ci_low=lo, ci_high=hi, pvalue=pv)
    integer = np.all(np.mod(np.r_[times, glist], 1) == 0)
    for c in ("group", "time", "e"):
        if integer:
            gt[c] = gt[c].astype(int)
    gt = gt[["group", "time", "e", "att", "se", "ci_low", "ci_high", "pvalue", "post"]]
    checks = _checks(p, first, n, T, control, method, pre, stat, pval, overlap_max)
    result = ATTgtResult(
        design="Callaway & Sant'Anna staggered DiD (group-time ATT)",
        estimand=f"ATT(g,t) on {outcome}",
        estimate=float("nan"),
        se=float("nan"),
        ci=(float("nan"), float("nan")),
        pvalue=float("nan"),
        n=n,
        msms_level=4,
        assumptions=_assumptions(checks),
        model=None,
        alpha=alpha,
        terms=gt,
        influence=inf,
        pretest_stat=stat,
        pretest_df=int(pre.size),
        pretest_pvalue=pval,
        crit_val=crit,
        control=control,
        method=method,
        base_period=base_period,
        bootstrap=iters,
        seed=seed,
        weights_type=weights_type,
        cband=cband,
        outcome=outcome,
        time_label=time_label,
        unit_first=first,
        cluster=p.cluster,
        times=times,
        groups=glist,
    )
    if gt.loc[gt["post"] == 1, "att"].notna().any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            simple = result.aggregate("simple")
        result.estimate, result.se, result.ci, result.pvalue = (
            simple.estimate,
            simple.se,
            simple.ci,
            simple.pvalue,
        )
    return result


def _raise(problems: list[tuple]) -> None:
    from ..core.errors import Problem, ValidationError

    raise ValidationError(
        [Problem("<arguments>", None, a, v, e) for a, v, e in problems], what="arguments"
    )


def _check_options(control, method, base_period, weights_type, alpha, bootstrap, cluster):
    """Check :func:`att_gt`'s options: (number of bootstrap draws, problems found)."""
    problems = []
    if control not in ("never", "not_yet"):
        problems.append(("control", control, '"never" or "not_yet"'))
    if method not in _ESTIMATORS:
        problems.append(("method", method, '"dr", "ipw", "reg" or "dr_imp"'))
    if base_period not in ("varying", "universal"):
        problems.append(("base_period", base_period, '"varying" or "universal"'))
    if weights_type not in ("rademacher", "mammen"):
        problems.append(("weights_type", weights_type, '"rademacher" or "mammen"'))
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        problems.append(("alpha", alpha, "a number between 0 and 1"))
    if isinstance(bootstrap, bool):
        iters = 999 if bootstrap else 0
    elif isinstance(bootstrap, int) and bootstrap >= 2:
        iters = bootstrap
    else:
        iters = 0
        problems.append(("bootstrap", bootstrap, "False, True or a number of draws >= 2"))
    if cluster is not None and not iters:
        problems.append(
            ("cluster", cluster, "bootstrap=B as well (clustered SEs use the bootstrap)")
        )
    return iters, problems


def _cohorts(p, group: str, control: str):
    """Periods, first-treated periods, outcomes and cohorts to estimate.

    Without never-treated units the last cohort becomes the comparison (``control="never"``)
    and the periods from its adoption on are dropped, as did does.
    """
    times, first, Y = p.times, p.first, p.y
    glist = np.unique(first[first > 0])
    if not (first == 0).any():
        latest = glist.max()
        keep_t = times < latest
        if control == "never":
            warnings.warn(
                "no never-treated units: the last cohort serves as comparison and periods "
                "from its adoption on are dropped",
                stacklevel=3,
            )
            first = np.where(first == latest, 0.0, first)
        times, Y = times[keep_t], Y[:, keep_t]
        p.x = None if p.x is None else p.x[:, keep_t]
        glist = glist[glist < latest]
    glist = glist[glist > times[0]]
    if len(glist) == 0 or len(times) < 2:
        raise _arg_error(group, None, "at least one cohort first treated after the first period")
    return times, first, Y, glist


def _group_time_effects(first, times, Y, X, glist, control, method, universal):
    """ATT(g, t) for every cohort and period: the table, the influence functions (one
    column per row) and the largest propensity score seen (overlap check).

    The loop picks base period and comparison group as did does; each 2x2 estimate is
    :func:`_att_2x2`.
    """
    n, T = Y.shape
    estimator = _ESTIMATORS[method]
    tfac = 0 if universal else 1
    rows: list[dict] = []
    cols: list[np.ndarray] = []
    overlap_max = 0.0
    for g in glist:
        before = np.flatnonzero(times < g)
        if before.size == 0:
            continue
        gbase = int(before[-1])
        treat = first == g
        for ti in range(T - tfac):
            cur = ti + tfac
            pret = gbase if universal else ti
            if control == "not_yet":
                thr = times[max(ti, pret) + tfac]
                comp = (first == 0) | ((first > thr) & (first != g))
            else:
                comp = first == 0
            post = g <= times[cur]
            if post:
                pret = gbase
            row = {"group": g, "time": times[cur], "post": int(post)}
            if universal and pret == cur:
                rows.append({**row, "att": 0.0})
                cols.append(np.zeros(n))
                continue
            idx = treat | comp
            D = treat[idx].astype(float)
            dy = Y[idx, cur] - Y[idx, pret]
            Xs = X[idx, min(cur, pret)]
            label = f"{g:g},{times[cur]:g}"
            att, col, ps_max = _att_2x2(dy, D, Xs, idx, method, estimator, label)
            if ps_max is not None:
                overlap_max = max(overlap_max, ps_max)
            rows.append({**row, "att": att})
            cols.append(col)
    return pd.DataFrame(rows), np.column_stack(cols), overlap_max


def _att_2x2(dy, D, Xs, idx, method, estimator, label: str):
    """One ATT(g, t): the estimate, its influence function over all units (scaled by
    ``n / n1``) and the largest propensity score (None when none was fitted).

    A singular fit, a separation or failed overlap (a propensity score >= 0.999) gives NaN
    and a warning naming ``ATT(label)``.
    """
    n, n1 = idx.size, int(idx.sum())
    if not (D.sum() > 0 and (1 - D).sum() > 0):
        return np.nan, np.full(n, np.nan), None
    ps_max = None
    if Xs.shape[1] == 1:
        # no covariates: every estimator is the 2x2 DiD of means (closed form of
        # the DRDID influence functions with an intercept-only design)
        ptr, t_, c_ = D.mean(), D == 1, D == 0
        mt, mc = dy[t_].mean(), dy[c_].mean()
        att = float(mt - mc)
        inf = np.where(t_, (dy - mt) / ptr, -(dy - mc) / (1 - ptr))
    else:
        try:
            if method in ("dr", "ipw", "dr_imp"):
                ps = _pscore(D, Xs)
                ps_max = float(ps.max())
                if ps.max() >= 0.999:
                    raise np.linalg.LinAlgError("overlap violated")
            att, inf = estimator(dy, D, Xs)
        except (np.linalg.LinAlgError, ValueError) as exc:  # singular / separation
            warnings.warn(f"ATT({label}) not estimated: {exc}", stacklevel=4)
            return np.nan, np.full(n, np.nan), ps_max
    col = np.zeros(n)
    col[idx] = inf * n / n1
    return att, col, ps_max


def _standard_errors(inf, n, alpha, iters, seed, weights_type, cluster, cband):
    """Analytic influence-function SEs, or multiplier-bootstrap ones (``iters`` draws),
    and the critical value (normal, or the sup-t of the uniform band when ``cband``)."""
    finite = np.isfinite(inf).all(axis=0)
    se = np.full(inf.shape[1], np.nan)
    se[finite] = np.sqrt(np.mean(inf[:, finite] ** 2, axis=0) / n)
    se[se <= _ZERO_SE] = np.nan
    z = float(stats.norm.ppf(1 - alpha / 2))
    crit = z
    if iters:
        m = n if cluster is None else int(cluster.max()) + 1
        bres = _bootstrap_draws(inf[:, finite], iters, seed, weights_type, cluster)
        bse, bcrit = _boot_summary(bres, m, alpha)
        se_b = np.full(inf.shape[1], np.nan)
        se_b[finite] = bse
        se = np.where(np.isfinite(se), se_b, np.nan)
        if cband:
            crit = bcrit if np.isfinite(bcrit) else z
    return se, crit


def _pretest(gt: pd.DataFrame, se, inf, n: int):
    """Wald pre-test that the pre-treatment ATT(g, t) are zero: (rows, statistic, p)."""
    pre = np.flatnonzero((gt["group"] > gt["time"]).to_numpy() & np.isfinite(se))
    stat, pval = float("nan"), float("nan")
    if pre.size:
        V = inf[:, pre].T @ inf[:, pre] / n
        if np.linalg.cond(V) < 1 / _EPS:
            a = gt["att"].to_numpy()[pre]
            stat = float(n * a @ np.linalg.solve(V, a))
            pval = float(stats.chi2.sf(stat, pre.size))
    return pre, stat, pval


def _checks(p, first, n, T, control, method, pre, stat, pval, overlap_max) -> list[dict]:
    """The assumption rows of :func:`att_gt`."""
    checks = [
        _check(
            "parallel pre-trends (Wald test: pre-treatment ATT(g,t) = 0)",
            "no pre-treatment periods"
            if not pre.size
            else f"chi2({pre.size}) = {stat:.3g}, p = {pval:.3g}",
            None if not np.isfinite(pval) else bool(pval >= 0.05),
            "a small p-value signals diverging trends before adoption",
        ),
        _check(
            "comparison group",
            f"{'never-treated' if control == 'never' else 'not-yet-treated'} units; "
            f"{int((first == 0).sum())} never-treated of {n}",
            bool((first == 0).sum() >= 3) if control == "never" else None,
        ),
        _check(
            "balanced panel",
            f"{n} units x {T} periods; dropped {p.dropped.get('units_unbalanced', 0)} "
            f"unbalanced and {p.dropped.get('units_always_treated', 0)} always-treated units",
            None,
        ),
        _check("no anticipation", "assumed (effects start at the first treated period)", None),
    ]
    if method in ("dr", "ipw", "dr_imp") and p.x is not None:
        checks.append(
            _check(
                "overlap (propensity score < 0.999)", f"max {overlap_max:.3f}", overlap_max < 0.999
            )
        )
    return checks
