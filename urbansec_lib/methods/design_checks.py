"""The impact designs' shared checks and helpers: argument validation with located errors,
assumption rows, the cluster and wild-bootstrap options, complete cases and the small OLS /
term-table helpers (one place for all designs).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..core.errors import Problem, ValidationError

__all__ = ["FEW_CLUSTERS", "WEBB_BELOW"]

#: Below this many clusters CRV1 inference is unreliable: :func:`did` and
#: :func:`event_study` then add a wild cluster bootstrap (``wild_bootstrap="auto"``).
FEW_CLUSTERS = 30
#: Below this many clusters the bootstrap in :func:`did` uses Webb's six-point weights.
WEBB_BELOW = 12

_FRAME = "<dataframe>"
_ARGS = "<arguments>"
_ASSUMPTION_COLUMNS = ["check", "result", "passed", "note"]
_TABLE_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "pvalue"]


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------
class _Validator:
    """Collects every problem of one input before raising."""

    def __init__(self, df: Any, file: str = _FRAME):
        self.df = df
        self.file = file
        self.problems: list[Problem] = []
        if not isinstance(df, pd.DataFrame):
            self.fail(None, type(df).__name__, "a pandas DataFrame")

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, column: str | None, value: Any, expected: str) -> None:
        self.problems.append(Problem(self.file, None, column, value, expected))

    def column(self, col: Any, role: str, required: bool = True) -> bool:
        """True when ``col`` names an existing column (records a problem otherwise)."""
        if col is None:
            if required:
                self.fail(role, None, f"a column name for argument `{role}`")
            return False
        if not isinstance(self.df, pd.DataFrame):
            return False
        if not isinstance(col, str) or col not in self.df.columns:
            self.fail(str(col), None, f"column present in the data frame (argument `{role}`)")
            return False
        return True

    def columns(self, cols: Sequence[str] | str | None, role: str) -> list[str]:
        if cols is None:
            return []
        cols = [cols] if isinstance(cols, str) else list(cols)
        return [c for c in cols if self.column(c, role)]

    def numeric(self, col: str, role: str) -> bool:
        s = self.df[col]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            self.fail(col, _preview(s), f"numeric values (argument `{role}`)")
            return False
        return True

    def binary(self, col: str, role: str, both: bool = True) -> bool:
        s = self.df[col].dropna()
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(int)
        if not pd.api.types.is_numeric_dtype(s):
            self.fail(col, _preview(s), f"a 0/1 indicator (argument `{role}`)")
            return False
        bad = s[~s.isin([0, 1])]
        if len(bad):
            self.fail(col, _preview(bad), f"a 0/1 indicator (argument `{role}`)")
            return False
        if both and s.nunique() < 2:
            self.fail(col, _preview(s), f"both 0 and 1 present (argument `{role}`: 2 groups)")
            return False
        return True

    def positive(self, col: str, role: str, strict: bool = True) -> bool:
        if not self.numeric(col, role):
            return False
        s = self.df[col].dropna()
        bad = s[(s <= 0) if strict else (s < 0)]
        if len(bad):
            what = "positive" if strict else "non-negative"
            self.fail(col, _preview(bad), f"{what} values (argument `{role}`)")
            return False
        return True

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            raise ValidationError(self.problems, what=what)


def _preview(values: Any, k: int = 10) -> list:
    """Up to ``k`` distinct offending values as plain Python scalars."""
    uniq = pd.unique(pd.Series(values).dropna())
    out = []
    for v in uniq[:k]:
        out.append(v.item() if hasattr(v, "item") else v)
    return out


def _covariate_design(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric covariates as float; categorical ones as dummies (first level dropped)."""
    parts = []
    for c in covariates:
        s = data[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).rename(c))
        else:
            parts.append(pd.get_dummies(s, prefix=c, prefix_sep="[", drop_first=True, dtype=float))
    if not parts:
        return pd.DataFrame(index=data.index)
    out = pd.concat(parts, axis=1)
    out.columns = [f"{c}]" if "[" in c else c for c in out.columns]
    return out


def _dummies(s: pd.Series, prefix: str) -> pd.DataFrame:
    return pd.get_dummies(s, prefix=prefix, drop_first=True, dtype=float)


def _assumptions(rows: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=_ASSUMPTION_COLUMNS)


def _check_lines(assumptions: pd.DataFrame) -> list[str]:
    """``Checks:`` and one ``[ok ]`` / ``[!! ]`` / ``[-- ]`` line per assumption row."""
    lines = ["Checks:"]
    for row in assumptions.itertuples(index=False):
        flag = {True: "ok ", False: "!! "}.get(row.passed, "-- ")
        note = f" ({row.note})" if row.note else ""
        lines.append(f"  [{flag}] {row.check}: {row.result}{note}")
    return lines


def _check(check: str, result: str, passed: bool | None, note: str = "") -> dict:
    return {"check": check, "result": result, "passed": passed, "note": note}


def _cluster_check(
    groups: pd.Series | None,
    default_hint: str,
    none_label: str = "none (HC1 robust SEs)",
    wb: Any = None,
) -> dict:
    if groups is None:
        return _check("clustering", none_label, None, default_hint)
    g = int(pd.Series(groups).nunique())
    if g >= FEW_CLUSTERS:
        return _check("number of clusters", str(g), True, "")
    note = (
        f"fewer than {FEW_CLUSTERS} clusters: cluster-robust (CRV1) SEs are too small and "
        "their p-values optimistic; "
    )
    if wb is not None:
        note += (
            f"wild cluster bootstrap ({'WCR' if wb.impose_null else 'WCU'}, {wb.weights}, "
            f"B = {wb.B}): p = {wb.pvalue:.3g}, CI {wb.ci[0]:.4g} to {wb.ci[1]:.4g}"
        )
    else:
        note += "use the wild cluster bootstrap (`wild_bootstrap=True`)"
    return _check("number of clusters", str(g), False, note)


def _wb_lines(wb: Any, alpha: float) -> list[str]:
    if wb is None:
        return []
    pct = f"{100 * (1 - alpha):g}%"
    return [
        f"Wild boot.  : p = {wb.pvalue:.3g}, {pct} CI {wb.ci[0]:.4g} to {wb.ci[1]:.4g} "
        f"({'WCR' if wb.impose_null else 'WCU'}, {wb.weights} weights, B = {wb.B}"
        f"{', full enumeration' if wb.full_enumeration else ''}; {wb.n_clusters} clusters)"
    ]


def _wb_options(wild_bootstrap: Any, groups: pd.Series | None, v: _Validator) -> dict | None:
    """Keyword arguments for the bootstrap, or None when it is not run.

    Default weights: Webb's six-point with fewer than :data:`WEBB_BELOW` clusters (with
    G clusters Rademacher weights give only 2**G distinct draws; Webb 2014), else
    Rademacher.
    """
    if wild_bootstrap is None or wild_bootstrap is False:
        return None
    g = None if groups is None else int(pd.Series(groups).nunique())
    if isinstance(wild_bootstrap, str) and wild_bootstrap == "auto":
        if g is None or g >= FEW_CLUSTERS:
            return None
        kw: dict = {"_auto": True}
    elif g is None:
        v.fail("cluster", None, "a `cluster` column for the wild cluster bootstrap")
        return None
    elif wild_bootstrap is True:
        kw = {}
    elif isinstance(wild_bootstrap, dict):
        allowed = {"B", "weights", "seed", "impose_null"}
        bad = sorted(set(wild_bootstrap) - allowed - {"_auto"})  # _auto: from did()
        if bad:
            v.fail("wild_bootstrap", bad, f"options among {sorted(allowed)}")
        kw = dict(wild_bootstrap)
    else:
        v.fail("wild_bootstrap", wild_bootstrap, "True, False, 'auto' or a dict of options")
        return None
    kw.setdefault("weights", "webb" if g < WEBB_BELOW else "rademacher")
    return kw


def _try_wb(kw: dict, fn, *args, **kwargs):
    """Run a bootstrap; in automatic mode an infeasible design is skipped with a warning."""
    opts = dict(kw)
    auto = opts.pop("_auto", False)
    try:
        return fn(*args, **opts, **kwargs)
    except ValueError as err:
        if not auto:
            raise
        warnings.warn(f"wild cluster bootstrap skipped: {err}", UserWarning, stacklevel=3)
        return None


def _add_wb_columns(terms: pd.DataFrame, rows: dict[str, Any]) -> pd.DataFrame:
    """wcr_pvalue / wcr_ci_low / wcr_ci_high beside the CRV1 columns (NaN elsewhere)."""
    out = terms.copy()
    out["wcr_pvalue"] = out["term"].map({t: r.pvalue for t, r in rows.items()})
    out["wcr_ci_low"] = out["term"].map({t: r.ci[0] for t, r in rows.items()})
    out["wcr_ci_high"] = out["term"].map({t: r.ci[1] for t, r in rows.items()})
    return out.astype({"wcr_pvalue": float, "wcr_ci_low": float, "wcr_ci_high": float})


def _complete_cases(df: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, dict]:
    data = df.loc[df[cols].notna().all(axis=1), cols].copy()
    dropped = len(df) - len(data)
    return data, _check(
        "complete cases",
        f"{len(data)} of {len(df)} rows used",
        None,
        f"{dropped} row(s) with missing values dropped" if dropped else "",
    )


def _msms(base: int, randomised: bool) -> int:
    return 5 if randomised else base


def _fit_linear(y, X, weights=None, groups=None):
    """OLS/WLS with cluster-robust (by ``groups``) or HC1 SEs and t inference."""
    model = sm.WLS(y, X, weights=weights) if weights is not None else sm.OLS(y, X)
    if groups is not None:
        codes = pd.factorize(pd.Series(groups))[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    return model.fit(cov_type="HC1", use_t=True)


def _terms_frame(res, alpha: float, names: Sequence[str] | None = None) -> pd.DataFrame:
    ci = np.asarray(res.conf_int(alpha=alpha))
    params = pd.Series(np.asarray(res.params), index=res.model.exog_names)
    out = pd.DataFrame(
        {
            "term": params.index,
            "estimate": params.values,
            "se": np.asarray(res.bse),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "pvalue": np.asarray(res.pvalues),
        }
    )
    if names is not None:
        out = out[out["term"].isin(names)]
    return out.reset_index(drop=True)


def _row(terms: pd.DataFrame, term: str) -> pd.Series:
    return terms.loc[terms["term"] == term].iloc[0]


def _group_means(data, outcome, treated, period, weights=None, alpha=0.05) -> pd.DataFrame:
    """Weighted (or plain) means by group and period with linearisation SEs."""
    y = data[outcome].to_numpy(dtype=float)
    w = data[weights].to_numpy(dtype=float) if weights else np.ones(len(y))
    tr = data[treated].to_numpy().astype(int)
    pcode, periods = pd.factorize(data[period], sort=True)
    P = len(periods)
    cell = tr * P + pcode
    m = 2 * P
    n = np.bincount(cell, minlength=m)
    sw = np.bincount(cell, w, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(cell, w * y, minlength=m) / sw
        dev = (y - mean[cell]) * w
        var = np.bincount(cell, dev**2, minlength=m) * n / np.clip(n - 1, 1, None) / sw**2
    keep = np.flatnonzero(n > 0)
    out = pd.DataFrame(
        {
            "group": np.where(keep // P == 1, "treated", "comparison"),
            "period": periods.take(keep % P),
            "mean": mean[keep],
            "se": np.sqrt(var[keep]),
            "n": n[keep],
        }
    )
    tq = stats.t.ppf(1 - alpha / 2, np.clip(out["n"].to_numpy() - 1, 1, None))
    out["ci_low"] = out["mean"] - tq * out["se"]
    out["ci_high"] = out["mean"] + tq * out["se"]
    return out[["group", "period", "mean", "se", "ci_low", "ci_high", "n"]]
