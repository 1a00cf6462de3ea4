"""Synthetic control and synthetic difference-in-differences for one treated unit.

When one city (or region) introduces a policy alone, a difference-in-differences against
a single hand-picked comparison is fragile. The synthetic control method (Abadie &
Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010) builds the comparison as a weighted
average of untreated units (the *donors*) that reproduces the treated unit's predictors
and pre-treatment outcome path; the effect is the post-treatment gap between the treated
unit and its synthetic twin. Synthetic difference-in-differences (Arkhangelsky, Athey,
Hirshberg, Imbens & Wager 2021) re-weights both units and pre-treatment periods and keeps
the difference-in-differences intercept.

- :func:`synthetic_control` -- predictor weights ``V`` (outer search) and unit weights
  ``W`` (inner quadratic programme on the simplex), as the R package ``Synth``;
  :meth:`SyntheticControlResult.placebos` (placebo-in-space permutation inference) and
  :meth:`SyntheticControlResult.leave_one_out` (robustness to each donor);
- :func:`synthetic_did` -- synthetic difference-in-differences, or the ``"sc"`` and
  ``"did"`` estimators of the same paper, with placebo, jackknife or bootstrap SEs as in
  the authors' ``synthdid`` package.

How ``W`` and ``V`` are found (deterministic; no random starting points)
-----------------------------------------------------------------------
Predictors are standardised as ``Synth`` does: each is divided by its standard deviation
(``ddof=1``) across the treated unit and the donors. Given predictor weights ``V``
(diagonal, non-negative, summing to one) the unit weights solve

    min_W (X1 - X0 W)' V (X1 - X0 W)   subject to  W >= 0, sum(W) = 1,

a convex quadratic programme solved *exactly* here by a primal active-set method started
from a Lawson-Hanson non-negative least squares fit (Synth uses the interior-point solver
``ipop``, whose answers carry ~1e-6 noise). ``V`` minimises the mean squared pre-treatment
outcome gap over ``optimise_periods`` (``loss_v``), a non-convex problem. As ``Synth`` does,
the search parametrises ``V = |v| / sum|v|`` and runs Nelder-Mead (Nash 1990, algorithm 19:
the variant R's ``optim`` uses; 500 function evaluations, relative tolerance 1.49e-8) and
BFGS (Nash 1990, algorithm 21; central-difference gradients with step 1e-3, 100
iterations) from two starting points: equal weights, and the normalised squared
coefficients of a regression of the pre-period outcomes on the scaled predictors (skipped
when that regression is singular, as in Synth). The best of the (up to) four runs is kept;
:attr:`SyntheticControlResult.search` lists them all. Pass ``custom_v=`` to fix ``V`` and
skip the search.

Where the parts live (this module is their public face; every name below imports from here)
-------------------------------------------------------------------------------------------
- :mod:`~urbansec_lib.synth_weights` -- :func:`simplex_least_squares` and the V search;
- :mod:`~urbansec_lib.synth_fit` -- data preparation and the nested fit;
- :mod:`~urbansec_lib.synth_results` -- :class:`SyntheticControlResult`;
- :mod:`~urbansec_lib.synth_inference` -- placebos and leave-one-out
  (:class:`PlaceboResult`, :class:`LeaveOneOutResult`);
- :mod:`~urbansec_lib.sdid` -- :func:`synthetic_did`, :class:`SyntheticDiDResult` (weights in
  :mod:`~urbansec_lib.sdid_weights`);
- :mod:`~urbansec_lib.synth_plots` -- the ``plot_*`` functions.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> years = np.arange(2000, 2016)
>>> base = {u: rng.normal(50, 5) + rng.normal(0, 1, len(years)).cumsum() for u in "ABCDEF"}
>>> base["T"] = 0.6 * base["A"] + 0.4 * base["B"] + np.where(years >= 2010, -5.0, 0.0)
>>> df = pd.DataFrame([(u, y, v) for u, s in base.items() for y, v in zip(years, s)],
...                   columns=["city", "year", "crime"])
>>> res = synthetic_control(df, "crime", "city", "year", treated="T", treatment_time=2010,
...                         predictors=[("crime", range(2000, 2010), "mean"),
...                                     ("crime", [2005], "mean"), ("crime", [2009], "mean")])
>>> round(res.estimate, 1)
-5.0
>>> res.weights.round(2)[["A", "B"]].tolist()
[0.6, 0.4]
>>> p = res.placebos(search_v=False)
>>> p.rank, p.n_compared, round(res.pvalue, 3)  # the treated unit's ratio is the largest
(1, 7, 0.143)
>>> res.leave_one_out(search_v=False).table()["dropped"].tolist()
['A', 'B']
>>> res.weights_table(min_weight=0.01)["unit"].tolist()
['A', 'B']
>>> res.table()["term"].tolist()[:2]
['mean post-treatment gap', 'gap 2010']
>>> p.table()["unit"].tolist()[:2], type(p.plot()).__name__, type(res.plot_gaps()).__name__
(['T', 'A'], 'Figure', 'Figure')
>>> res.summary().splitlines()[0]
'Design      : synthetic control (Abadie, Diamond & Hainmueller 2010)'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from .sdid import SyntheticDiDResult, synthetic_did
from .synth_fit import _ARGS, _Fit, _prepare, _rmspe, _SCData, _solve
from .synth_inference import LeaveOneOutResult, PlaceboResult
from .synth_plots import plot_leave_one_out, plot_placebo_gaps, plot_synthetic, plot_synthetic_did
from .synth_results import SyntheticControlResult
from .synth_weights import simplex_least_squares

__all__ = [
    "synthetic_control",
    "SyntheticControlResult",
    "PlaceboResult",
    "LeaveOneOutResult",
    "synthetic_did",
    "SyntheticDiDResult",
    "simplex_least_squares",
    "plot_synthetic",
    "plot_placebo_gaps",
    "plot_leave_one_out",
    "plot_synthetic_did",
]


def synthetic_control(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    treatment_time: Any,
    predictors: Sequence[tuple] | None = None,
    optimise_periods: Iterable | None = None,
    donors: Iterable | None = None,
    predictor_table: pd.DataFrame | None = None,
    custom_v: Sequence[float] | None = None,
    custom_w: Mapping | pd.Series | Sequence[float] | None = None,
    unit_names: str | Mapping | None = None,
    outcome_label: str | None = None,
    methods: Sequence[str] = ("Nelder-Mead", "BFGS"),
) -> SyntheticControlResult:
    """Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

    Long because: the docstring documents every option (the code is ~50 lines).

    Parameters
    ----------
    df : DataFrame
        Long panel, one row per unit and time; the outcome must be present for the
        treated unit and every donor at every time.
    outcome, unit, time : str
        Column names (``time`` numeric, e.g. years).
    treated : scalar
        The treated unit's value in ``unit``.
    treatment_time : scalar
        First period under treatment: periods before it are pre-treatment.
    predictors : list of (column, periods, op)
        Each predictor is ``op`` (``"mean"``, ``"median"``, ``"sum"``, ``"min"``,
        ``"max"``) of ``column`` over ``periods`` (a list or range of times, a single time,
        or ``None`` for all pre-treatment periods), ignoring missing values as Synth does.
        Default: the outcome in each pre-treatment period.
    optimise_periods : iterable, optional
        Pre-treatment periods whose outcome fit ``loss_v`` is minimised over V (Synth's
        ``time.optimize.ssr``). Default: all pre-treatment periods.
    donors : iterable, optional
        Donor pool (default: every other unit).
    predictor_table : DataFrame, optional
        Extra, already aggregated predictors: one row per unit (index = unit ids), one
        column per predictor.
    custom_v : sequence of float, optional
        Fixed predictor weights (normalised to sum one), skipping the V search.
    custom_w : Series, mapping or sequence of float, optional
        Fixed unit weights (by donor id, or in donor order), e.g. to reproduce a
        published synthetic unit: no optimisation; ``loss_w`` needs ``custom_v`` too
        (NaN without). Placebos and leave-one-out still search their own weights.
    unit_names : str or mapping, optional
        Column holding readable unit names, or a mapping id -> name, for tables and plots.
    outcome_label : str, optional
        Outcome with its unit for axis labels (default: the column name).
    methods : sequence of str
        Optimisers of the V search (``"Nelder-Mead"``, ``"BFGS"``).

    Returns
    -------
    SyntheticControlResult

    Raises
    ------
    ValidationError
        With every problem found: missing columns, unknown units, an unbalanced panel,
        missing outcomes, predictors without variation, bad periods.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1990, 2001)
    >>> df = pd.DataFrame({"u": np.repeat(list("TABC"), len(t)), "t": np.tile(t, 4),
    ...                    "y": np.concatenate([t - 1990 + (t >= 1997) * 2.0, t - 1991,
    ...                                         t - 1989, (t - 1990) * 2.0])})
    >>> r = synthetic_control(df, "y", "u", "t", "T", 1997, custom_v=None)
    >>> r.weights.round(3).tolist(), round(r.estimate, 3)
    ([0.5, 0.5, 0.0], 2.0)
    """
    data = _prepare(
        df,
        outcome,
        unit,
        time,
        treated,
        treatment_time,
        predictors,
        optimise_periods,
        donors,
        predictor_table,
        unit_names,
    )
    k = data.X.shape[0]
    if custom_v is not None:
        cv = np.asarray(custom_v, dtype=float)
        if cv.shape != (k,) or np.any(~np.isfinite(cv)) or np.any(cv < 0) or cv.sum() <= 0:
            raise ValidationError(
                [
                    Problem(
                        _ARGS,
                        None,
                        "custom_v",
                        list(np.atleast_1d(custom_v)),
                        f"{k} non-negative numbers, not all zero (one per predictor)",
                    )
                ],
                what="synthetic control input",
            )
        custom_v = cv
    w_fixed = None
    if custom_w is not None:
        donors_ = data.units[1:]
        if isinstance(custom_w, (Mapping, pd.Series)):
            cw = pd.Series(dict(custom_w) if isinstance(custom_w, Mapping) else custom_w)
            w_fixed = cw.reindex(donors_).to_numpy(dtype=float)
        else:
            w_fixed = np.asarray(custom_w, dtype=float)
        if w_fixed.shape != (len(donors_),) or not np.all(np.isfinite(w_fixed)):
            raise ValidationError(
                [
                    Problem(
                        _ARGS,
                        None,
                        "custom_w",
                        None,
                        f"a weight for each of the {len(donors_)} donors",
                    )
                ],
                what="synthetic control input",
            )
    fit = _solve(data.X, data.Y[data.opt_rows], custom_v, methods, custom_w=w_fixed)
    return _result(data, fit, outcome_label or outcome, {"methods": tuple(methods)})


def _result(data: _SCData, fit: _Fit, outcome_label: str, options: dict) -> SyntheticControlResult:
    """The result object of a fit: series, balance table and checks."""
    units, times = data.units, data.times
    donors = units[1:]
    synth = data.Y[:, 1:] @ fit.w
    treated_y = data.Y[:, 0]
    gap = treated_y - synth
    idx = pd.Index(times, name="time")
    pre_rmspe = _rmspe(gap[data.pre_rows])
    post_rmspe = _rmspe(gap[data.post_rows])
    balance = pd.DataFrame(
        {
            "treated": data.X[:, 0],
            "synthetic": data.X[:, 1:] @ fit.w,
            "donor_mean": data.X[:, 1:].mean(axis=1),
            "v": fit.v,
        },
        index=pd.Index(data.predictor_names, name="predictor"),
    )
    checks = _checks(data, fit, treated_y, pre_rmspe)
    return SyntheticControlResult(
        design="synthetic control (Abadie, Diamond & Hainmueller 2010)",
        estimand="mean post-treatment gap, treated minus synthetic control (outcome units)",
        estimate=float(np.mean(gap[data.post_rows])),
        n=len(units) * len(times),
        weights=pd.Series(fit.w, index=pd.Index(donors, name="unit"), name="weight"),
        predictor_weights=pd.Series(
            fit.v, index=pd.Index(data.predictor_names, name="predictor"), name="v"
        ),
        gaps=pd.Series(gap, index=idx, name="gap"),
        treated_series=pd.Series(treated_y, index=idx, name="treated"),
        synthetic_series=pd.Series(synth, index=idx, name="synthetic"),
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        loss_v=fit.loss_v,
        loss_w=fit.loss_w,
        balance=balance,
        search=fit.search,
        assumptions=pd.DataFrame(checks, columns=["check", "result", "passed", "note"]),
        treated=units[0],
        treatment_time=data.treatment_time,
        outcome_label=outcome_label,
        unit_names=data.names,
        _data=data,
        _options=options,
    )


def _checks(data: _SCData, fit: _Fit, treated_y: np.ndarray, pre_rmspe: float) -> list[dict]:
    """Pre-period fit, donor pool, predictors in the donors' range, pre-period length."""
    donors = data.units[1:]
    lo, hi = data.X[:, 1:].min(axis=1), data.X[:, 1:].max(axis=1)
    outside = [
        n for n, x, a, b in zip(data.predictor_names, data.X[:, 0], lo, hi) if x < a or x > b
    ]
    sd_pre = float(np.std(treated_y[data.pre_rows], ddof=1)) if len(data.pre_rows) > 1 else np.nan
    # benchmark: a flat line at the unit's own pre-period mean has RMSPE ~ its SD
    rel = pre_rmspe / sd_pre if np.isfinite(sd_pre) and sd_pre > 0 else float("nan")
    fit_ok = bool(rel <= 0.5) if np.isfinite(rel) else None
    n_pos = int((fit.w > 0.001).sum())
    checks = [
        {
            "check": "pre-treatment fit",
            "result": f"RMSPE {pre_rmspe:.4g}, {rel:.2f} x the unit's pre-period SD ({sd_pre:.4g})",
            "passed": fit_ok,
            "note": ""
            if fit_ok
            else "the synthetic tracks the pre-period ups and downs only partly (a flat line "
            "at the unit's mean scores 1): read the post-period gap with caution",
        },
        {
            "check": "donors",
            "result": f"{len(donors)} in the pool, {n_pos} with weight above 0.001",
            "passed": len(donors) >= 5,
            "note": "" if len(donors) >= 5 else "few donors: placebo p-values are coarse",
        },
        {
            "check": "predictors inside the donors' range",
            "result": "all" if not outside else f"outside: {', '.join(outside)}",
            "passed": not outside,
            "note": ""
            if not outside
            else "no convex combination of donors can match these predictors exactly",
        },
        {
            "check": "pre-treatment periods",
            "result": str(len(data.pre_rows)),
            "passed": len(data.pre_rows) >= 5,
            "note": "" if len(data.pre_rows) >= 5 else "a short pre-period risks overfitting",
        },
        {
            "check": "no anticipation, no interference",
            "result": "assumed",
            "passed": None,
            "note": "donors must not be affected by the intervention or similar policies",
        },
    ]
    return checks
