"""The result of :func:`urbansec_lib.fixed_effects.feols`: coefficients, vcov, tidy tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["FEOLSResult"]


@dataclass
class FEOLSResult:
    """Fixed-effects OLS/WLS fit (statsmodels style).

    Attributes
    ----------
    params, se, tvalues, pvalue : pandas.Series
        Coefficients, standard errors, t statistics and two-sided p-values by term
        (``bse`` and ``pvalues`` are aliases of ``se`` and ``pvalue``).
    ci : pandas.DataFrame
        ``ci_low``, ``ci_high`` at level ``1 - alpha`` by term.
    vcov : pandas.DataFrame
        Variance-covariance matrix of ``params``.
    n, n_clusters : int, int or None
        Observations used and number of clusters (``None`` for HC1).
    df_resid : int
        Degrees of freedom of the t (and F) reference distribution: G - 1 or n - k.
    df_k : int
        Coefficients counted in the small-sample correction (``ssc`` convention).
    ssc, ssc_factor : str, float
        Convention and the factor applied to the sandwich.
    vcov_type : str
        ``"CRV1"`` or ``"HC1"``.
    fe, fe_levels, fe_nested : list
        Fixed-effect names, their number of levels, and whether nested in the clusters.
    n_singletons, n_missing : int
        Rows dropped as singletons and for missing values.
    collinear : list of str
        Regressors dropped as collinear with the fixed effects or earlier regressors.
    resid, fittedvalues : pandas.Series
        Residuals and fitted values (fixed effects included), indexed like the used rows.
    sweeps : int
        Alternating-projection sweeps used by the demeaning.

    Examples
    --------
    The methods on one clustered two-way fit:

    >>> from urbansec_lib.fixed_effects import feols
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"c": np.repeat(np.arange(12), 10), "t": np.tile(np.arange(10), 12)})
    >>> d["x"], d["z"] = rng.normal(size=120), rng.normal(size=120)
    >>> d["y"] = 1.0 * d.x + 0.5 * d.z + rng.normal(size=120)
    >>> fit = feols(d, "y", ["x", "z"], fe=["c", "t"], cluster="c")
    >>> fit.conf_int().round(2).to_dict("index")
    {'x': {'ci_low': 0.8, 'ci_high': 1.3}, 'z': {'ci_low': 0.14, 'ci_high': 0.69}}
    >>> r = fit.lincom({"x": 1, "z": -1})
    >>> round(r["estimate"], 2), r["df"]
    (0.64, 11)
    >>> w = fit.wald(["x", "z"])
    >>> w["df"], w["pvalue"] < 0.001
    ((2.0, 11.0), True)
    >>> wb = fit.wild_bootstrap("x", B=999, seed=1)
    >>> wb.B, wb.pvalue < 0.01
    (999, True)
    >>> fit.table().columns.tolist()
    ['term', 'estimate', 'se', 'ci_low', 'ci_high', 'pvalue']
    """

    params: pd.Series
    se: pd.Series
    tvalues: pd.Series
    pvalue: pd.Series
    ci: pd.DataFrame
    vcov: pd.DataFrame
    n: int
    n_clusters: int | None
    df_resid: int
    df_k: int
    ssc: str
    ssc_factor: float
    vcov_type: str
    outcome: str
    fe: list[str]
    fe_levels: list[int]
    fe_nested: list[bool]
    n_singletons: int
    n_missing: int
    collinear: list[str]
    resid: pd.Series = field(repr=False)
    fittedvalues: pd.Series = field(repr=False)
    alpha: float = 0.05
    sweeps: int = 0
    weights: str | None = None
    cluster: str | None = None
    _raw: dict = field(default_factory=dict, repr=False)

    @property
    def bse(self) -> pd.Series:
        return self.se

    @property
    def pvalues(self) -> pd.Series:
        return self.pvalue

    @property
    def nobs(self) -> int:
        return self.n

    @property
    def exog_names(self) -> list[str]:
        return list(self.params.index)

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """``ci_low``, ``ci_high`` by term at level ``1 - alpha`` (t with ``df_resid``)."""
        a = self.alpha if alpha is None else alpha
        q = stats.t.ppf(1 - a / 2, self.df_resid)
        return pd.DataFrame(
            {"ci_low": self.params - q * self.se, "ci_high": self.params + q * self.se}
        )

    def table(self) -> pd.DataFrame:
        """Tidy coefficient table: term, estimate, se, ci_low, ci_high, pvalue."""
        return pd.DataFrame(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.se.to_numpy(),
                "ci_low": self.ci["ci_low"].to_numpy(),
                "ci_high": self.ci["ci_high"].to_numpy(),
                "pvalue": self.pvalue.to_numpy(),
            }
        )

    def summary(self) -> str:
        """Plain-text summary: model, inference convention, coefficient table."""
        fe = " + ".join(self.fe) if self.fe else "none"
        se_kind = (
            f"CRV1 by {self.cluster} ({self.n_clusters} clusters, t with {self.df_resid} df)"
            if self.vcov_type == "CRV1"
            else f"HC1 (t with {self.df_resid} df)"
        )
        lines = [
            f"Fixed-effects {'WLS' if self.weights else 'OLS'}: {self.outcome} ~ "
            f"{' + '.join(self.params.index)} | {fe}",
            f"n           : {self.n:,} (dropped: {self.n_missing} missing, "
            f"{self.n_singletons} singletons)",
            f"SEs         : {se_kind}; small-sample convention '{self.ssc}' "
            f"(k = {self.df_k}, factor {self.ssc_factor:.6g})",
        ]
        if self.collinear:
            lines.append(f"Collinear   : dropped {', '.join(self.collinear)}")
        lines.append("")
        lines.append(self.table().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def lincom(self, c: Sequence[float] | dict, alpha: float | None = None) -> dict:
        """Linear combination ``c'b``: estimate, se, t, df, pvalue, ci (t inference).

        ``c`` is a vector over ``params`` or a ``{term: weight}`` mapping.
        """
        cv = self._vector(c)
        est = float(cv @ self.params.to_numpy())
        se = float(np.sqrt(cv @ self.vcov.to_numpy() @ cv))
        a = self.alpha if alpha is None else alpha
        q = stats.t.ppf(1 - a / 2, self.df_resid)
        t = est / se if se > 0 else float("nan")
        return {
            "estimate": est,
            "se": se,
            "t": t,
            "df": self.df_resid,
            "pvalue": float(2 * stats.t.sf(abs(t), self.df_resid)),
            "ci": (est - q * se, est + q * se),
        }

    def wald(self, terms: Sequence[str]) -> dict:
        """Joint F test that ``terms`` are all zero: F, df (q, df_resid), pvalue."""
        idx = [self.exog_names.index(t) for t in terms]
        b = self.params.to_numpy()[idx]
        V = self.vcov.to_numpy()[np.ix_(idx, idx)]
        q = len(idx)
        F = float(b @ np.linalg.solve(V, b) / q)
        return {
            "F": F,
            "df": (float(q), float(self.df_resid)),
            "pvalue": float(stats.f.sf(F, q, self.df_resid)),
        }

    def _vector(self, c) -> np.ndarray:
        if isinstance(c, dict):
            cv = np.zeros(len(self.params))
            for term, wgt in c.items():
                cv[self.exog_names.index(term)] = wgt
            return cv
        cv = np.asarray(c, dtype=float)
        if cv.shape != (len(self.params),):
            raise ValueError(f"c must have {len(self.params)} entries, got shape {cv.shape}")
        return cv

    def wild_bootstrap(self, param: str | Sequence[float] | dict, **kwargs):
        """Wild cluster bootstrap (WCR) test of one coefficient or linear combination.

        Uses the fit's data, fixed effects, weights, clusters and small-sample
        convention; keyword arguments go to
        :func:`urbansec_lib.wildboot.wild_cluster_bootstrap` (``h0``, ``weights``,
        ``B``, ``seed``, ``alpha``, ``impose_null``).

        Returns
        -------
        urbansec_lib.wildboot.WildBootResult
        """
        from .wildboot import wild_cluster_bootstrap

        if self.vcov_type != "CRV1":
            raise ValueError("wild_bootstrap needs a clustered fit: pass `cluster=` to feols")
        raw = self._raw
        R = {param: 1.0} if isinstance(param, str) else param
        kwargs.setdefault("alpha", self.alpha)
        res = wild_cluster_bootstrap(
            raw["y"],
            pd.DataFrame(raw["X"], columns=self.exog_names),
            raw["cluster"],
            R,
            fe=raw["fe"],
            regression_weights=raw["w"],
            small_sample=self.ssc_factor,
            **kwargs,
        )
        if isinstance(param, str):
            res.param = param
        return res

    def plot(self):
        """Coefficients with confidence intervals (matplotlib Figure)."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.4 * max(len(self.params), 2)))
        pos = np.arange(len(self.params))
        err = np.vstack([self.params - self.ci["ci_low"], self.ci["ci_high"] - self.params]).astype(
            float
        )
        ax.errorbar(self.params.to_numpy(), pos, xerr=err, fmt="o", color="#1f4e79", capsize=3)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(pos, list(self.params.index))
        ax.set_xlabel(f"coefficient ({100 * (1 - self.alpha):g}% CI)")
        ax.set_title(f"{self.outcome}: fixed-effects estimates")
        fig.tight_layout()
        return fig
