"""Respondent-level multilevel models: feeling safe and collective efficacy (pilot survey).

Respondents are nested in neighbourhoods (the survey's ``area``) nested in units. The
linear model is a statsmodels ``MixedLM`` with a random intercept per unit and a variance
component for neighbourhoods within units; the intraclass correlations are

* ``icc_unit = s2_unit / (s2_unit + s2_nbhd + s2_resid)`` (two respondents of the same unit),
* ``icc_neighbourhood = (s2_unit + s2_nbhd) / total`` (two respondents of the same
  neighbourhood, hence also of the same unit).

The ordinal variant is a proportional-odds (ordered logit) model, statsmodels
``OrderedModel``, with unit fixed effects and standard errors clustered by neighbourhood
(statsmodels has no random-effects ordinal model); its latent-scale residual variance is
``pi^2 / 3``.

Privacy: no statistic is computed over fewer than ``min_n`` respondents or fewer than
``min_units`` units; neighbourhoods with fewer than ``min_n`` respondents are left out of
the models (so no neighbourhood-level quantity rests on fewer), and no neighbourhood or
respondent prediction is reported.

The collective-efficacy scale follows Sampson, Raudenbush & Earls (1997, Science
277:918-924): the mean of the social cohesion and trust items and the informal social
control items (1-5), reverse-coded items flipped (``6 - x``).

Example
-------
>>> rng = np.random.default_rng(0)
>>> d = pd.DataFrame({"unit_id": np.repeat(list("ABCDEF"), 40),
...                   "area": np.repeat([f"n{i}" for i in range(12)], 20)})
>>> d["y"] = (np.repeat(rng.normal(0, 1, 6), 40) + np.repeat(rng.normal(0, 0.5, 12), 20)
...           + rng.normal(0, 1, 240))
>>> m = fit_multilevel(d, "y", [], min_n=10)
>>> m.n_obs, m.n_units, m.n_neighbourhoods
(240, 6, 12)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.defaults import MIN_N

__all__ = [
    "CE_ITEMS",
    "CE_REVERSED",
    "MultilevelResult",
    "OrdinalResult",
    "CONTROLS",
    "collective_efficacy",
    "respondent_frame",
    "model_frame",
    "fit_multilevel",
    "fit_ordinal",
    "anova_icc",
]

#: Collective-efficacy items of the urbansec resident questionnaire (framework
#: ``urban_security``, dimension social_cohesion): 3 social cohesion and trust items and 2
#: informal social control items of Sampson et al. (1997), each on 1-5.
CE_ITEMS: tuple[str, ...] = (
    "sc_ce_willing_help",
    "sc_ce_trust_neighbours",
    "sc_ce_not_get_along",
    "sc_isc_graffiti",
    "sc_isc_fight",
)
#: Reverse-coded items (agreement means less cohesion).
CE_REVERSED: tuple[str, ...] = ("sc_ce_not_get_along",)


def collective_efficacy(
    responses: pd.DataFrame,
    items: Sequence[str] = CE_ITEMS,
    reversed_items: Sequence[str] = CE_REVERSED,
    min_items: int = 3,
    scale_max: int = 5,
) -> pd.Series:
    """Collective-efficacy score per respondent (mean of the items, 1-5).

    Respondents with fewer than ``min_items`` answered items get NaN.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent, the items as columns (1..``scale_max``).
    items : sequence of str
        The items averaged (default :data:`CE_ITEMS`).
    reversed_items : sequence of str
        Items flipped as ``scale_max + 1 - x`` first (default :data:`CE_REVERSED`).
    min_items : int
        Fewest answered items for a score.
    scale_max : int
        Top of the answer scale.

    Returns
    -------
    Series
        The score, NaN where too few items were answered.

    Examples
    --------
    >>> r = pd.DataFrame({"sc_ce_willing_help": [5, 1], "sc_ce_trust_neighbours": [5, None],
    ...                   "sc_ce_not_get_along": [1, 5], "sc_isc_graffiti": [4, None],
    ...                   "sc_isc_fight": [5, None]})
    >>> collective_efficacy(r).tolist()
    [4.8, nan]
    """
    x = responses[list(items)].apply(pd.to_numeric, errors="coerce").astype(float)
    for c in reversed_items:
        x[c] = (scale_max + 1) - x[c]
    score = x.mean(axis=1)
    return score.where(x.notna().sum(axis=1) >= min_items).rename("collective_efficacy")


#: Respondent-level covariates of :func:`respondent_frame` (``wave`` enters as categories).
CONTROLS: tuple[str, ...] = ("resident", "victim", "wave")


def respondent_frame(responses: pd.DataFrame) -> pd.DataFrame:
    """The pilot answers with the model's variables added.

    * ``collective_efficacy``: :func:`collective_efficacy` (1-5);
    * ``resident``: 1 when the respondent answered as a resident (``respondent_role``);
    * ``victim``: victim of any crime in the last 12 months (``vict_any_crime_12m``, 0/1).

    Parameters
    ----------
    responses : DataFrame
        Pilot answers with the :data:`CE_ITEMS`, ``respondent_role`` and
        ``vict_any_crime_12m`` columns.

    Returns
    -------
    DataFrame
        A copy with the three columns added.

    Examples
    --------
    >>> r = pd.DataFrame({**{c: [4] for c in CE_ITEMS}, "respondent_role": ["resident"],
    ...                   "vict_any_crime_12m": [0], "wave": [2025]})
    >>> respondent_frame(r)[["collective_efficacy", "resident", "victim"]].values.tolist()
    [[3.6, 1.0, 0.0]]
    """
    out = responses.copy()
    out["collective_efficacy"] = collective_efficacy(out)
    out["resident"] = (out["respondent_role"] == "resident").astype(float)
    out["victim"] = pd.to_numeric(out["vict_any_crime_12m"], errors="coerce").astype(float)
    return out


def model_frame(
    responses: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    unit_col: str = "unit_id",
    nbhd_col: str = "area",
    min_n: int = MIN_N,
    categorical: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[str]]:
    """Complete cases, with neighbourhoods of fewer than ``min_n`` respondents left out.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent.
    outcome : str
    regressors : sequence of str
    unit_col, nbhd_col : str
        Unit and neighbourhood columns.
    min_n : int
        Fewest complete answers a neighbourhood needs to stay in.
    categorical : sequence of str
        Columns turned into labels (strings) for dummies.

    Returns
    -------
    (DataFrame, list of str)
        The frame (with a ``_nbhd`` column unique across units) and notes on what was left
        out (counts only, never below-threshold numbers of a named area).

    Examples
    --------
    >>> d = pd.DataFrame({"unit_id": ["A"] * 12 + ["B"] * 3, "area": ["n1"] * 12 + ["n2"] * 3,
    ...                   "y": range(15)})
    >>> f, notes = model_frame(d, "y", [], min_n=10)
    >>> len(f), notes
    (12, ['1 neighbourhood(s) with fewer than 10 complete answers left out'])
    """
    cols = [outcome, *regressors, unit_col, nbhd_col]
    d = responses.dropna(subset=cols).copy()
    for c in (outcome, *regressors):
        if c in categorical:  # labels as written (2025, not 2025.0)
            v = d[c]
            if pd.api.types.is_float_dtype(v) and (v % 1 == 0).all():
                v = v.astype("int64")
            d[c] = v.astype(str)
        elif pd.api.types.is_numeric_dtype(d[c]):  # nullable Int64 / boolean -> float64
            d[c] = d[c].astype("float64")
    d["_nbhd"] = d[unit_col].astype(str) + " / " + d[nbhd_col].astype(str)
    size = d.groupby("_nbhd")[outcome].transform("size")
    small = d.loc[size < min_n, "_nbhd"].nunique()
    d = d[size >= min_n]
    notes = []
    if small:
        notes.append(f"{small} neighbourhood(s) with fewer than {min_n} complete answers left out")
    return d, notes


@dataclass
class MultilevelResult:
    """Linear mixed model with unit and neighbourhood random intercepts.

    Attributes
    ----------
    params : DataFrame
        Fixed effects: ``term, estimate, se, ci_low, ci_high, pvalue``.
    variances : dict
        ``unit``, ``neighbourhood``, ``residual`` variance estimates.
    icc_unit, icc_neighbourhood : float
    n_obs, n_units, n_neighbourhoods : int
    suppressed : bool
        True when the privacy rules withheld every statistic (then all are NaN).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"unit_id": np.repeat(list("ABCD"), 40),
    ...                   "area": np.repeat([f"n{i}" for i in range(8)], 20)})
    >>> d["y"] = np.repeat(rng.normal(0, 1, 4), 40) + rng.normal(0, 1, 160)
    >>> m = fit_multilevel(d, "y", [], min_n=10)
    >>> type(m).__name__, m.n_units, m.n_neighbourhoods, sorted(m.variances)
    ('MultilevelResult', 4, 8, ['neighbourhood', 'residual', 'unit'])
    """

    outcome: str
    params: pd.DataFrame
    variances: dict[str, float]
    icc_unit: float
    icc_neighbourhood: float
    n_obs: int
    n_units: int
    n_neighbourhoods: int
    suppressed: bool = False
    notes: list[str] = field(default_factory=list)
    converged: bool = True

    @property
    def estimate(self) -> pd.Series:
        return self.params.set_index("term")["estimate"]

    @property
    def se(self) -> pd.Series:
        return self.params.set_index("term")["se"]

    def table(self) -> pd.DataFrame:
        """Fixed effects, then variance components and ICCs, as one tidy table."""
        vc = pd.DataFrame(
            [{"term": f"variance: {k}", "estimate": v} for k, v in self.variances.items()]
            + [
                {"term": "ICC unit", "estimate": self.icc_unit},
                {"term": "ICC neighbourhood (incl. unit)", "estimate": self.icc_neighbourhood},
            ]
        )
        return pd.concat([self.params, vc], ignore_index=True)

    def summary(self) -> str:
        if self.suppressed:
            return "Not estimated: " + "; ".join(self.notes)
        return (
            f"{self.n_obs} respondents in {self.n_neighbourhoods} neighbourhoods of "
            f"{self.n_units} units; ICC unit {self.icc_unit:.3f}, neighbourhood "
            f"{self.icc_neighbourhood:.3f}."
        )

    def plot(self):
        """Fixed-effect estimates with 95 % intervals (intercept left out)."""
        import matplotlib.pyplot as plt

        t = self.params[self.params["term"] != "Intercept"].reset_index(drop=True)
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(t) + 1.5))
        y = np.arange(len(t))[::-1]
        ax.hlines(y, t["ci_low"], t["ci_high"], color="#1b6ca8")
        ax.plot(t["estimate"], y, "o", color="#1b6ca8")
        ax.axvline(0, color="#3d3d3d", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels(t["term"], fontsize=8)
        ax.set_xlabel(f"Change in {self.outcome} (scale points), with 95 % interval")
        ax.set_title("Multilevel model of feeling safe: fixed effects")
        fig.tight_layout()
        return fig


def _withheld(outcome: str, notes: list[str], n: int, u: int, k: int) -> MultilevelResult:
    return MultilevelResult(
        outcome=outcome,
        params=pd.DataFrame(columns=["term", "estimate", "se", "ci_low", "ci_high", "pvalue"]),
        variances={"unit": np.nan, "neighbourhood": np.nan, "residual": np.nan},
        icc_unit=np.nan,
        icc_neighbourhood=np.nan,
        n_obs=n,
        n_units=u,
        n_neighbourhoods=k,
        suppressed=True,
        notes=notes,
    )


def _formula(outcome: str, regressors: Sequence[str], categorical: Sequence[str]) -> str:
    terms = [f"C({r})" if r in categorical else r for r in regressors]
    return f"{outcome} ~ " + (" + ".join(terms) if terms else "1")


def _params_frame(res, names: list, estimate: pd.Series, se: pd.Series) -> pd.DataFrame:
    """term, estimate, se, ci_low, ci_high, pvalue for the fitted terms ``names``."""
    ci = res.conf_int()
    return pd.DataFrame(
        {
            "term": names,
            "estimate": estimate.to_numpy(),
            "se": se.to_numpy(),
            "ci_low": ci.loc[names, 0].to_numpy(),
            "ci_high": ci.loc[names, 1].to_numpy(),
            "pvalue": res.pvalues[names].to_numpy(),
        }
    )


def fit_multilevel(
    responses: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    categorical: Sequence[str] = (),
    unit_col: str = "unit_id",
    nbhd_col: str = "area",
    min_n: int = MIN_N,
    min_units: int = 3,
) -> MultilevelResult:
    """Linear mixed model: unit random intercept, neighbourhood-within-unit variance component.

    Long because: the docstring documents the model and options (code ~40 lines).

    ``statsmodels.MixedLM.from_formula(outcome ~ regressors, groups=unit, re_formula="1",
    vc_formula={"neighbourhood": "0 + C(nbhd)"})``, fitted by REML.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent.
    outcome : str
    regressors : sequence of str
        Respondent-level covariates; those in ``categorical`` enter as dummies.
    min_n, min_units : int
        Privacy thresholds (respondents per neighbourhood and in total; units).

    Returns
    -------
    MultilevelResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"unit_id": np.repeat(list("ABCD"), 40),
    ...                   "area": np.repeat([f"n{i}" for i in range(8)], 20)})
    >>> d["y"] = np.repeat(rng.normal(0, 1, 4), 40) + rng.normal(0, 1, 160)
    >>> m = fit_multilevel(d, "y", [], min_n=10)
    >>> m.n_obs, round(m.icc_unit, 2), m.converged
    (160, 0.1, True)
    >>> m.table().columns.tolist()[:3], type(m.plot()).__name__
    (['term', 'estimate', 'se'], 'Figure')
    >>> m.summary().splitlines()[0]
    '160 respondents in 8 neighbourhoods of 4 units; ICC unit 0.102, neighbourhood 0.107.'
    """
    import statsmodels.formula.api as smf

    d, notes = model_frame(responses, outcome, regressors, unit_col, nbhd_col, min_n, categorical)
    n, u, k = len(d), d[unit_col].nunique(), d["_nbhd"].nunique()
    if n < min_n or u < min_units:
        return _withheld(
            outcome,
            notes + [f"needs at least {min_n} respondents and {min_units} units"],
            0,
            0,
            0,
        )
    model = smf.mixedlm(
        _formula(outcome, regressors, categorical),
        d,
        groups=d[unit_col],
        re_formula="1",
        vc_formula={"neighbourhood": "0 + C(_nbhd)"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(reml=True, method=["lbfgs", "powell"])
    params = _params_frame(res, list(res.fe_params.index), res.fe_params, res.bse_fe)
    s2u = float(res.cov_re.iloc[0, 0])
    s2n = float(res.vcomp[0]) if len(res.vcomp) else 0.0
    s2e = float(res.scale)
    tot = s2u + s2n + s2e
    return MultilevelResult(
        outcome=outcome,
        params=params,
        variances={"unit": s2u, "neighbourhood": s2n, "residual": s2e},
        icc_unit=s2u / tot,
        icc_neighbourhood=(s2u + s2n) / tot,
        n_obs=n,
        n_units=u,
        n_neighbourhoods=k,
        notes=notes,
        converged=bool(res.converged),
    )


@dataclass
class OrdinalResult:
    """Ordered-logit fit (unit fixed effects, SEs clustered by neighbourhood).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"unit_id": np.repeat(list("ABCDEF"), 40),
    ...                   "area": np.repeat([f"n{i}" for i in range(12)], 20)})
    >>> d["x"] = rng.normal(size=240)
    >>> d["safe"] = np.digitize(0.8 * d.x + rng.logistic(size=240), [-1, 0, 1]) + 1
    >>> o = fit_ordinal(d, "safe", ["x"], min_n=10)
    >>> type(o).__name__, o.n_obs, o.suppressed, o.table()["term"].tolist()
    ('OrdinalResult', 240, False, ['x'])
    """

    outcome: str
    params: pd.DataFrame
    n_obs: int
    n_units: int
    n_neighbourhoods: int
    suppressed: bool = False
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        return self.params

    def summary(self) -> str:
        if self.suppressed:
            return "Not estimated: " + "; ".join(self.notes)
        return (
            f"Ordered logit on {self.n_obs} respondents in {self.n_neighbourhoods} "
            f"neighbourhoods of {self.n_units} units (log-odds scale)."
        )


def fit_ordinal(
    responses: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    categorical: Sequence[str] = (),
    unit_col: str = "unit_id",
    nbhd_col: str = "area",
    min_n: int = MIN_N,
    min_units: int = 3,
) -> OrdinalResult:
    """Ordinal variant: proportional-odds logit with unit fixed effects.

    ``statsmodels.miscmodels.ordinal_model.OrderedModel`` (``distr="logit"``), covariance
    clustered by neighbourhood. Coefficients are log-odds of a higher answer category; the
    unit dummies and the thresholds are not reported.

    Parameters
    ----------
    responses, outcome, regressors, categorical, unit_col, nbhd_col, min_n, min_units
        As :func:`fit_multilevel` (``outcome`` holds ordered answer codes).

    Returns
    -------
    OrdinalResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"unit_id": np.repeat(list("ABCDEF"), 40),
    ...                   "area": np.repeat([f"n{i}" for i in range(12)], 20)})
    >>> d["x"] = rng.normal(size=240)
    >>> d["safe"] = np.digitize(0.8 * d.x + rng.logistic(size=240), [-1, 0, 1]) + 1
    >>> o = fit_ordinal(d, "safe", ["x"], min_n=10)
    >>> o.params["term"].tolist(), o.n_obs
    (['x'], 240)
    >>> o.table().columns.tolist()[:3]
    ['term', 'estimate', 'se']
    >>> o.summary().splitlines()[0]
    'Ordered logit on 240 respondents in 12 neighbourhoods of 6 units (log-odds scale).'
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    d, notes = model_frame(responses, outcome, regressors, unit_col, nbhd_col, min_n, categorical)
    n, u, k = len(d), d[unit_col].nunique(), d["_nbhd"].nunique()
    empty = pd.DataFrame(columns=["term", "estimate", "se", "ci_low", "ci_high", "pvalue"])
    if n < min_n or u < min_units:
        return OrdinalResult(
            outcome,
            empty,
            0,
            0,
            0,
            True,
            notes + [f"needs at least {min_n} respondents and {min_units} units"],
        )
    X = []
    for r in regressors:
        if r in categorical:
            X.append(pd.get_dummies(d[r].astype(str), prefix=r, drop_first=True, dtype=float))
        else:
            X.append(d[[r]].astype(float))
    X.append(pd.get_dummies(d[unit_col].astype(str), prefix="unit", drop_first=True, dtype=float))
    exog = pd.concat(X, axis=1)
    y = pd.Categorical(d[outcome].round().astype(int), ordered=True)
    groups = d["_nbhd"].astype("category").cat.codes.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel(pd.Series(y, index=d.index), exog, distr="logit").fit(
            method="bfgs",
            disp=False,
            maxiter=2000,
            cov_type="cluster",
            cov_kwds={"groups": groups},
        )
    keep = [c for c in exog.columns if not c.startswith("unit_")]
    params = _params_frame(res, keep, res.params[keep], res.bse[keep])
    return OrdinalResult(outcome, params, n, u, k, False, notes)


def anova_icc(y: pd.Series, groups: pd.Series) -> float:
    """One-way ANOVA estimator of the ICC for a balanced design ``(MSB - MSW) / (MSB + (k-1) MSW)``.

    For a balanced one-way design, REML gives the same variance components whenever the
    ANOVA estimate is positive (Searle, Casella & McCulloch 1992, ch. 3), a hand check of
    :func:`fit_multilevel`.

    Parameters
    ----------
    y : Series
        Outcome.
    groups : Series
        Group labels (equal group sizes).

    Returns
    -------
    float

    Examples
    --------
    >>> y = pd.Series([1., 2, 3, 5, 6, 7]); g = pd.Series(list("aaabbb"))
    >>> round(anova_icc(y, g), 4)
    0.8846
    """
    sizes = groups.value_counts()
    if sizes.nunique() != 1:
        raise ValueError("anova_icc needs a balanced design")
    k, a = int(sizes.iloc[0]), len(sizes)
    means = y.groupby(groups).transform("mean")
    msw = float(((y - means) ** 2).sum() / (a * (k - 1)))
    msb = float(k * ((y.groupby(groups).mean() - y.mean()) ** 2).sum() / (a - 1))
    return (msb - msw) / (msb + (k - 1) * msw)
