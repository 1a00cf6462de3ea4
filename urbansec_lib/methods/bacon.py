"""Goodman-Bacon (2021) decomposition of the TWFE coefficient, :func:`bacon_decomposition`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import ImpactResult, _figure
from .design_checks import _check, _Validator
from .staggered_panel import _arg_error, _prepare, _twfe_fields, _twfe_ols, _within

__all__ = ["BaconResult", "bacon_decomposition"]


# --------------------------------------------------------------------------------------
# Goodman-Bacon decomposition
# --------------------------------------------------------------------------------------
@dataclass
class BaconResult(ImpactResult):
    """Goodman-Bacon (2021) decomposition of the TWFE DiD coefficient.

    ``estimate`` is the TWFE coefficient (with its CRV1 SE clustered by unit);
    ``table()`` lists every 2x2 comparison: ``type, treated, control, estimate, weight``
    (``control`` is a cohort's first treated period, or ``"never"``). The weights sum to 1
    and ``sum(weight * estimate)`` equals ``estimate`` exactly.

    Attributes
    ----------
    by_type : pandas.DataFrame
        Total weight and weighted average estimate of each comparison type.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> d = pd.DataFrame({"u": np.repeat(range(60), 5), "t": np.tile(range(1, 6), 60)})
    >>> d["g"] = np.repeat(rng.choice([0, 3, 4], 60), 5)
    >>> d["y"] = 2.0 * ((d.g > 0) & (d.t >= d.g)) + rng.normal(0, 0.1, len(d))
    >>> d["d"] = ((d.g > 0) & (d.t >= d.g)).astype(int)
    >>> b = bacon_decomposition(d, "y", "u", "t", "d")
    >>> type(b).__name__, round(float(b.by_type["weight"].sum()), 6)
    ('BaconResult', 1.0)
    """

    by_type: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    outcome: str = ""

    def _extra_lines(self) -> list[str]:
        lines = ["By type     :"]
        for r in self.by_type.itertuples(index=False):
            lines.append(
                f"  {r.type}: weight {r.weight:.3f}, average 2x2 estimate {r.estimate:.4g}"
            )
        return lines

    def plot(self, title: str | None = None, ylabel: str | None = None):
        """Scatter of the 2x2 estimates against their weights, by comparison type."""
        fig, ax = _figure((7.0, 4.2))
        for i, (kind, sub) in enumerate(self.terms.groupby("type", sort=False)):
            ax.scatter(sub["weight"], sub["estimate"], s=36, color=f"C{i}", label=kind)
        ax.axhline(self.estimate, color="black", lw=1, ls="--", label=f"TWFE {self.estimate:.3g}")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_xlabel("weight in the TWFE estimate (share)")
        ax.set_ylabel(ylabel or f"2x2 DiD estimate\n({self.outcome})")
        ax.set_title(title or "Goodman-Bacon decomposition of the TWFE estimate")
        ax.legend(frameon=False, fontsize=8)
        return fig


def bacon_decomposition(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    alpha: float = 0.05,
) -> BaconResult:
    """Decompose the TWFE DiD coefficient into 2x2 comparisons (Goodman-Bacon 2021).

    Long because: the docstring explains the three kinds of comparison (code ~60 lines).

    With staggered timing the TWFE coefficient of a binary, absorbing treatment is a
    weighted average of (a) treated cohorts vs never-treated units, (b) earlier-treated vs
    later-treated cohorts before the later ones adopt, and (c) later-treated vs
    earlier-treated cohorts after the earlier ones adopted (already-treated units as
    controls: biased when effects change over time). Cohorts treated from the first period
    enter as "later vs always treated". Weights follow Goodman-Bacon (2021), Theorem 1.

    Parameters
    ----------
    df : pandas.DataFrame
        Balanced long panel (unbalanced units are dropped with a warning).
    outcome, unit, time : str
        Outcome, unit and period columns.
    treated : str
        0/1 treatment indicator, absorbing (once 1, a unit stays treated).
    alpha : float
        1 - confidence level of the TWFE interval.

    Returns
    -------
    BaconResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> d = pd.DataFrame({"u": np.repeat(range(30), 6), "t": np.tile(range(6), 30)})
    >>> g = np.repeat(rng.choice([0, 2, 4], 30), 6)
    >>> d["d"] = ((g > 0) & (d.t >= g)).astype(int)
    >>> d["y"] = d.d * (1 + 0.5 * (d.t - g)) + rng.normal(0, 0.1, len(d))
    >>> b = bacon_decomposition(d, "y", "u", "t", "d")
    >>> bool(np.isclose((b.table().weight * b.table().estimate).sum(), b.estimate))
    True
    >>> b.table().columns.tolist()[:3], type(b.plot()).__name__
    (['type', 'treated', 'control'], 'Figure')
    >>> b.summary().splitlines()[0]
    'Design      : Two-way fixed effects DiD with its Goodman-Bacon decomposition'
    """
    p = _prepare(
        _with_first(df, outcome, unit, time, treated),
        outcome,
        unit,
        time,
        "_first",
        what="Bacon decomposition data",
    )
    times, first, Y = p.times, p.first, p.y
    n, T = Y.shape
    D = ((first[:, None] > 0) & (times[None, :] >= first[:, None])).astype(float)
    Dt = _within(D)
    vd = float(np.mean(Dt**2))
    if vd <= 0:
        raise _arg_error(treated, None, "treatment timing that varies across units and periods")
    beta, V, G = _twfe_ols(Y, D[:, :, None], np.arange(n))
    est, se = float(beta[0]), float(np.sqrt(V[0, 0]))
    rows = _comparisons(times, first, Y, vd)
    tab = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    integer = np.all(np.mod(times, 1) == 0)
    for c in ("treated", "control"):
        tab[c] = [x if isinstance(x, str) else (int(x) if integer else x) for x in tab[c]]
    by = (
        tab.assign(wx=tab.weight * tab.estimate)
        .groupby("type", sort=False)[["weight", "wx"]]
        .sum()
        .reset_index()
    )
    by["estimate"] = by.pop("wx") / by["weight"]
    crit = float(stats.t.ppf(1 - alpha / 2, G - 1))
    forbidden = tab.loc[tab["type"].str.startswith("later vs"), "weight"].sum()
    checks = [
        _check(
            "weight on already-treated controls",
            f"{forbidden:.1%} of the TWFE weight",
            bool(forbidden < 0.1),
            "later-vs-earlier comparisons are biased when effects change over time; "
            "prefer att_gt / sun_abraham",
        ),
        _check(
            "weights sum to 1",
            f"{tab['weight'].sum():.6f}",
            bool(abs(tab["weight"].sum() - 1) < 1e-8),
        ),
    ]
    return BaconResult(
        design="Two-way fixed effects DiD with its Goodman-Bacon decomposition",
        estimand=f"TWFE coefficient of {treated} on {outcome}",
        **_twfe_fields(est, se, crit, G, n * T, checks, alpha),
        terms=tab,
        by_type=by,
        outcome=outcome,
    )


def _with_first(df, outcome, unit, time, treated) -> pd.DataFrame:
    """The checked panel with each unit's first treated period in ``_first`` (0: never)."""
    v = _Validator(df)
    ok = all(
        [
            v.column(c, r)
            for r, c in (("outcome", outcome), ("unit", unit), ("time", time), ("treated", treated))
        ]
    )
    v.raise_if_any("Bacon decomposition data")
    if ok:
        v.binary(treated, "treated")
        v.numeric(time, "time")
    v.raise_if_any("Bacon decomposition data")
    d = df[[unit, time, outcome, treated]].dropna().sort_values([unit, time])
    trt = d[treated].astype(int)
    if (trt.groupby(d[unit]).diff() < 0).any():
        bad = d.loc[(trt.groupby(d[unit]).diff() < 0).to_numpy(), unit]
        v.fail(treated, list(pd.unique(bad))[:10], "an absorbing treatment (no switch back to 0)")
        v.raise_if_any("Bacon decomposition data")
    first_t = d[time].where(trt == 1).groupby(d[unit]).transform("min").fillna(0)
    d = d.assign(_first=first_t.to_numpy())
    return d


def _comparisons(times, first, Y, vd: float) -> list[tuple]:
    """Every 2x2 comparison: (type, treated, control, estimate, weight), weights from
    Goodman-Bacon (2021), Theorem 1 (``vd``: variance of the demeaned treatment)."""
    share = {g: float(np.mean(first == g)) for g in np.unique(first)}
    dbar = {g: float(np.mean(times >= g)) for g in share if g > 0}
    mean_y = {g: Y[first == g].mean(axis=0) for g in share}

    def dd(treat_g, ctrl_g, before, after):
        a, b = mean_y[treat_g], mean_y[ctrl_g]
        return float((a[after].mean() - a[before].mean()) - (b[after].mean() - b[before].mean()))

    rows = []
    timing = sorted(g for g in share if g > 0)
    always = times[0]
    if 0 in share:
        nu = share[0]
        for k in timing:
            if k <= always:
                continue
            nk, dk = share[k], dbar[k]
            nku = nk / (nk + nu)
            w = (nk + nu) ** 2 * nku * (1 - nku) * dk * (1 - dk) / vd
            rows.append(
                ("treated vs never treated", k, "never", dd(k, 0, times < k, times >= k), w)
            )
    for i, k in enumerate(timing):
        for l in timing[i + 1 :]:  # noqa: E741 - Goodman-Bacon's notation
            nk, nl, dk, dl = share[k], share[l], dbar[k], dbar[l]
            nkl = nk / (nk + nl)
            if k > always:
                w = (
                    ((nk + nl) * (1 - dl)) ** 2
                    * nkl
                    * (1 - nkl)
                    * (dk - dl)
                    / (1 - dl)
                    * (1 - dk)
                    / (1 - dl)
                    / vd
                )
                win = times < l
                rows.append(
                    (
                        "earlier vs later treated",
                        k,
                        l,
                        dd(k, l, win & (times < k), win & (times >= k)),
                        w,
                    )
                )
            w = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * (dk - dl) / dk / vd
            win = times >= k
            kind = "later vs earlier treated" if k > always else "later vs always treated"
            rows.append((kind, l, k, dd(l, k, win & (times < l), win & (times >= l)), w))
    return rows
