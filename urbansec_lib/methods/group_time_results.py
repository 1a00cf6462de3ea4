"""Results of Callaway & Sant'Anna's estimator: group-time effects ATT(g, t) and their
aggregations (simple, dynamic, group, calendar).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import ImpactResult, _figure
from .multiplier_bootstrap import _ZERO_SE, _boot_summary, _bootstrap_draws, _ci_table
from .staggered_panel import _arg_error
from .staggered_plots import _event_axes, plot_event_time

__all__ = ["AggregatedATTResult", "ATTgtResult"]


@dataclass
class AggregatedATTResult(ImpactResult):
    """An aggregation of group-time ATTs (``ATTgtResult.aggregate``).

    ``estimate`` is the overall summary: for ``"simple"`` the cohort-size weighted average of
    all post-treatment ATT(g, t); for ``"dynamic"`` the average of the event-time effects at
    e >= 0; for ``"group"`` the cohort-size weighted average of the cohort effects; for
    ``"calendar"`` the average of the calendar-period effects (Callaway & Sant'Anna 2021,
    section 3.1).

    Attributes
    ----------
    type : str
        ``"simple"``, ``"dynamic"``, ``"group"`` or ``"calendar"``.
    crit_val : float
        Critical value of the bands in ``table()`` (normal quantile, or the bootstrap sup-t
        value when uniform bands were asked for).
    influence : numpy.ndarray
        Influence function of ``estimate`` (one value per unit).
    outcome, time_label : str
        Names used in plots.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from urbansec_lib.methods.group_time import att_gt
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame({"u": np.repeat(range(40), 4), "t": np.tile(range(1, 5), 40)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 40), 4)
    >>> d["y"] = 1.5 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
    >>> res = att_gt(d, "y", "u", "t", "g")
    >>> agg = res.aggregate("dynamic")
    >>> type(agg).__name__, agg.type, agg.table()["e"].tolist()
    ('AggregatedATTResult', 'dynamic', [-2, -1, 0, 1])
    """

    type: str = "simple"
    crit_val: float = float("nan")
    influence: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    outcome: str = ""
    time_label: str = "period"

    def plot(self, ylabel: str | None = None, title: str | None = None):
        """Effects with confidence intervals (bands) against event time, cohort or period."""
        t = self.terms
        if self.type == "simple":
            coefs = pd.DataFrame(
                {"x": [0], "att": [self.estimate], "ci_low": [self.ci[0]], "ci_high": [self.ci[1]]}
            )
            xlabel = "overall"
        else:
            key = {"dynamic": "e", "group": "group", "calendar": "time"}[self.type]
            coefs = t.rename(columns={key: "x"})
            xlabel = {
                "dynamic": f"event time ({self.time_label}s since adoption)",
                "group": f"cohort (first {self.time_label} treated)",
                "calendar": self.time_label,
            }[self.type]
        default_title = {
            "simple": "Average effect on the treated (all cohorts and periods)",
            "dynamic": "Effect by time since adoption (Callaway & Sant'Anna)",
            "group": "Effect by adoption cohort (Callaway & Sant'Anna)",
            "calendar": "Effect by calendar period (Callaway & Sant'Anna)",
        }[self.type]
        return plot_event_time(
            coefs,
            xlabel=xlabel,
            ylabel=ylabel or f"effect on {self.outcome} (outcome units)",
            title=title or default_title,
            reference_line=self.type == "dynamic",
        )


@dataclass
class ATTgtResult(ImpactResult):
    """Group-time average treatment effects ATT(g, t) (Callaway & Sant'Anna 2021).

    ``estimate``, ``se``, ``ci`` and ``pvalue`` are those of the ``"simple"`` aggregation (the
    cohort-size weighted average of every post-treatment ATT(g, t)); ``table()`` lists each
    ATT(g, t) with ``group, time, e, att, se, ci_low, ci_high, pvalue, post``.

    Attributes
    ----------
    influence : numpy.ndarray
        ``n x K`` influence functions of the K ATT(g, t), one row per unit.
    pretest_stat, pretest_df, pretest_pvalue : float
        Wald test that all pre-treatment ATT(g, t) are zero (parallel-trends pre-test).
    crit_val : float
        Critical value of the table's bands (uniform when ``cband`` was used).
    control, method, base_period : str
        The options used.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from urbansec_lib.methods.group_time import att_gt
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame({"u": np.repeat(range(40), 4), "t": np.tile(range(1, 5), 40)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 40), 4)
    >>> d["y"] = 1.5 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
    >>> res = att_gt(d, "y", "u", "t", "g")
    >>> type(res).__name__, res.control, res.method, round(res.estimate, 1)
    ('ATTgtResult', 'never', 'dr', 1.5)
    >>> res.table().columns.tolist()[:4]
    ['group', 'time', 'e', 'att']
    """

    influence: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    pretest_stat: float = float("nan")
    pretest_df: int = 0
    pretest_pvalue: float = float("nan")
    crit_val: float = float("nan")
    control: str = "never"
    method: str = "dr"
    base_period: str = "varying"
    bootstrap: int = 0
    seed: int = 0
    weights_type: str = "rademacher"
    cband: bool = False
    outcome: str = ""
    time_label: str = "period"
    unit_first: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    cluster: np.ndarray | None = field(default=None, repr=False)
    times: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    groups: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def _extra_lines(self) -> list[str]:
        se_kind = (
            f"multiplier bootstrap ({self.bootstrap} {self.weights_type} draws, seed {self.seed})"
            if self.bootstrap
            else "analytic (influence function)"
        )
        return [
            f"Comparison  : {'never-treated' if self.control == 'never' else 'not-yet-treated'}"
            f" units; estimator {self.method}; base period {self.base_period}",
            f"SEs         : {se_kind}; bands {'uniform' if self.cband else 'pointwise'}",
        ]

    # -- aggregation -------------------------------------------------------------------
    def _se(self, inf: np.ndarray) -> np.ndarray:
        inf = np.atleast_2d(inf.T).T
        n = inf.shape[0]
        if self.bootstrap:
            bres = _bootstrap_draws(inf, self.bootstrap, self.seed, self.weights_type, self.cluster)
            m = n if self.cluster is None else int(self.cluster.max()) + 1
            return _boot_summary(bres, m, self.alpha)[0]
        se = np.sqrt(np.mean(inf**2, axis=0) / n)
        return np.where(se <= _ZERO_SE, np.nan, se)

    def _crit(self, inf: np.ndarray) -> float:
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        if not (self.cband and self.bootstrap) or inf.shape[1] < 2:
            return z
        m = inf.shape[0] if self.cluster is None else int(self.cluster.max()) + 1
        bres = _bootstrap_draws(inf, self.bootstrap, self.seed, self.weights_type, self.cluster)
        crit = _boot_summary(bres, m, self.alpha)[1]
        if not np.isfinite(crit) or crit < z:
            warnings.warn("uniform band not available; reporting pointwise intervals", stacklevel=3)
            return z
        return crit

    def aggregate(
        self,
        type: str = "simple",
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregatedATTResult:
        """Aggregate the ATT(g, t) into summary effects (did's ``aggte``).

        Long because: the four aggregations share the table and result code here; their
        arithmetic is in ``_CellWeights``, ``_by_event_time``, ``_by_group`` and
        ``_by_calendar``.

        Parameters
        ----------
        type : {"simple", "dynamic", "group", "calendar"}
            ``"simple"``: weighted average of all post-treatment ATT(g, t) (weights
            proportional to cohort size); ``"dynamic"``: effect by event time e = t - g;
            ``"group"``: effect by cohort; ``"calendar"``: effect by period.
        min_e, max_e : float
            Event-time window kept (``max_e`` also limits the post periods used by
            ``"simple"`` and ``"group"``).
        balance_e : int, optional
            For ``"dynamic"``: keep only cohorts observed for at least ``balance_e`` periods
            after adoption (a balanced composition across event times).

        Returns
        -------
        AggregatedATTResult
            SEs from the influence functions, including the effect of estimating the
            weights (cohort shares), as did 2.3.0.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from urbansec_lib.staggered import att_gt
        >>> rng = np.random.default_rng(2)
        >>> d = pd.DataFrame({"u": np.repeat(range(40), 4), "t": np.tile(range(1, 5), 40)})
        >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 40), 4)
        >>> d["y"] = 1.5 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
        >>> agg = att_gt(d, "y", "u", "t", "g").aggregate("dynamic")
        >>> list(agg.table()["e"])
        [-2, -1, 0, 1]
        """
        if type not in ("simple", "dynamic", "group", "calendar"):
            raise _arg_error("type", type, '"simple", "dynamic", "group" or "calendar"')
        gt = self.terms
        keep = gt["att"].notna().to_numpy()
        if not keep.all():
            warnings.warn(
                f"{int((~keep).sum())} ATT(g,t) could not be estimated and are left out",
                stacklevel=2,
            )
        g = gt["group"].to_numpy(float)[keep]
        t = gt["time"].to_numpy(float)[keep]
        att = gt["att"].to_numpy(float)[keep]
        w = _CellWeights(g, att, self.influence[:, keep], self.unit_first)
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        post = (g <= t) & (t <= g + max_e)
        if type == "simple":
            sel = np.flatnonzero(post)
            est = float(np.sum(att[sel] * w.pg[sel]) / w.pg[sel].sum())
            overall_inf = w.agg_inf(sel)
            terms = pd.DataFrame({"term": ["simple ATT"], "att": [est]})
            sub = None
        else:
            if type == "dynamic":
                key, labels, sub_att, sub_inf, est, overall_inf = _by_event_time(
                    w, g, t, min_e, max_e, balance_e
                )
            elif type == "group":
                key, labels, sub_att, sub_inf, est, overall_inf = _by_group(w, g, post)
            else:
                key, labels, sub_att, sub_inf, est, overall_inf = _by_calendar(w, g, t)
            sub_se = self._se(sub_inf)
            crit = self._crit(sub_inf)
            lo, hi, p = _ci_table(sub_att, sub_se, crit)
            terms = pd.DataFrame(
                {
                    key: labels,
                    "att": sub_att,
                    "se": sub_se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "pvalue": p,
                }
            )
            if key != "e" or np.all(np.mod(labels, 1) == 0):
                terms[key] = terms[key].astype(int)
            sub = crit
        se = float(self._se(overall_inf)[0])
        lo, hi, p = _ci_table([est], [se], z)
        if type == "simple":
            terms = terms.assign(se=se, ci_low=lo[0], ci_high=hi[0], pvalue=p[0])
        labels_txt = {
            "simple": "cohort-size weighted average of all post-treatment ATT(g,t)",
            "dynamic": "average effect over event times e >= 0 (by time since adoption)",
            "group": "cohort-size weighted average of the cohort effects",
            "calendar": "average of the calendar-period effects",
        }
        return _aggregated(
            self,
            design=f"Callaway & Sant'Anna staggered DiD, {type} aggregation",
            estimand=f"ATT on {self.outcome}: {labels_txt[type]}",
            estimate=est,
            se=se,
            ci=(float(lo[0]), float(hi[0])),
            pvalue=float(p[0]),
            terms=terms,
            type=type,
            crit_val=z if sub is None else sub,
            influence=overall_inf,
        )

    def plot(self, ylabel: str | None = None, title: str | None = None):
        """ATT(g, t) of every cohort against event time, with confidence bands."""
        t = self.terms.dropna(subset=["att"])
        fig, ax = _figure((7.0, 4.2))
        cohorts = np.unique(t["group"])
        width = 0.5 / max(len(cohorts), 1)
        for i, (gg, sub) in enumerate(t.groupby("group")):
            x = sub["e"] + (i - (len(cohorts) - 1) / 2) * width
            err = np.vstack([sub["att"] - sub["ci_low"], sub["ci_high"] - sub["att"]])
            ax.errorbar(
                x,
                sub["att"],
                yerr=np.nan_to_num(err),
                fmt="o",
                ms=4,
                capsize=2,
                label=f"cohort {int(gg)}",
            )
        _event_axes(
            ax,
            f"event time ({self.time_label}s since adoption)",
            ylabel or f"ATT(g,t) on {self.outcome} (outcome units)",
            title or "Group-time effects by cohort (Callaway & Sant'Anna)",
            True,
        )
        ax.legend(frameon=False, fontsize=8)
        return fig


def _aggregated(parent: ImpactResult, **fields) -> AggregatedATTResult:
    """An aggregation of ``parent``: its n, MSMS level, checks, alpha, outcome and time
    label, with ``fields`` (design, estimate, terms, ...)."""
    return AggregatedATTResult(
        n=parent.n,
        msms_level=parent.msms_level,
        assumptions=parent.assumptions,
        model=None,
        alpha=parent.alpha,
        outcome=parent.outcome,
        time_label=parent.time_label,
        **fields,
    )


# --------------------------------------------------------------------------------------
# Aggregation of the ATT(g, t) (did's aggte)
# --------------------------------------------------------------------------------------
class _CellWeights:
    """Cohort-share weights of the ATT(g, t) cells and the influence functions of weighted
    averages of them (including the estimation of the weights, as did 2.3.0)."""

    def __init__(self, g: np.ndarray, att: np.ndarray, inf: np.ndarray, unit_first: np.ndarray):
        self.att, self.inf, self.n = att, inf, len(unit_first)
        self.glist = np.unique(g)
        self.ind = (unit_first[:, None] == self.glist[None, :]).astype(float)  # n x groups
        self.pgg = self.ind.mean(axis=0)
        gidx = np.searchsorted(self.glist, g)
        self.pg = self.pgg[gidx]
        self.ind_k = self.ind[:, gidx]  # n x K: unit in the cell's cohort

    def wif(self, sel: np.ndarray) -> np.ndarray:
        p = self.pg[sel]
        dev = self.ind_k[:, sel] - p
        return dev / p.sum() - np.outer(dev.sum(axis=1), p / p.sum() ** 2)

    def agg_inf(self, sel: np.ndarray, with_wif: bool = True) -> np.ndarray:
        w = self.pg[sel] / self.pg[sel].sum()
        out = self.inf[:, sel] @ w
        if with_wif:
            out = out + self.wif(sel) @ self.att[sel]
        return out

    def average(self, sel: np.ndarray) -> float:
        return np.sum(self.att[sel] * self.pg[sel]) / self.pg[sel].sum()


def _by_event_time(w: _CellWeights, g, t, min_e, max_e, balance_e):
    """Dynamic aggregation: effects by event time e = t - g and their average over e >= 0."""
    e_all = t - g
    incl = np.ones(len(g), bool)
    eseq = np.unique(e_all)
    if balance_e is not None:
        incl = (t.max() - g) >= balance_e
        eseq = np.unique(e_all[incl])
        lo = balance_e - t.max() + min(t.min(), g.min())
        eseq = eseq[(eseq <= balance_e) & (eseq >= lo)]
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    sels = [np.flatnonzero((e_all == e) & incl) for e in eseq]
    sub_att = np.array([w.average(s) for s in sels])
    sub_inf = np.column_stack([w.agg_inf(s) for s in sels])
    use = eseq >= 0
    return "e", eseq, sub_att, sub_inf, float(np.mean(sub_att[use])), sub_inf[:, use].mean(axis=1)


def _by_group(w: _CellWeights, g, post):
    """Group aggregation: effect of each cohort and their cohort-size weighted average."""
    sels = [np.flatnonzero((g == gg) & post) for gg in w.glist]
    sub_att = np.array([w.att[s].mean() if len(s) else np.nan for s in sels])
    sub_inf = np.column_stack(
        [w.agg_inf(s, with_wif=False) if len(s) else np.zeros(w.n) for s in sels]
    )
    ok = np.isfinite(sub_att)
    pgg = w.pgg
    est = float(np.sum(sub_att[ok] * pgg[ok]) / pgg[ok].sum())
    dev = w.ind[:, ok] - pgg[ok]
    w_if = dev / pgg[ok].sum() - np.outer(dev.sum(1), pgg[ok] / pgg[ok].sum() ** 2)
    overall_inf = sub_inf[:, ok] @ (pgg[ok] / pgg[ok].sum()) + w_if @ sub_att[ok]
    return "group", w.glist, sub_att, sub_inf, est, overall_inf


def _by_calendar(w: _CellWeights, g, t):
    """Calendar aggregation: effect in each period and their plain average."""
    labels = np.unique(t[t >= g.min()])
    sels = [np.flatnonzero((t == tt) & (g <= t)) for tt in labels]
    sub_att = np.array([w.average(s) for s in sels])
    sub_inf = np.column_stack([w.agg_inf(s) for s in sels])
    return "time", labels, sub_att, sub_inf, float(np.mean(sub_att)), sub_inf.mean(axis=1)
