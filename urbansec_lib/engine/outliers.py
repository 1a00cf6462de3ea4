"""Outlier treatment (COINr ``Treat``): skew/kurtosis check, winsorising, log transforms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .tidy import _KEYS, StepResult, _to_tidy, to_wide, validate_data

__all__ = [
    "TRANSFORMS",
    "transform_vector",
    "treat_outliers",
    "treat_vector",
]


# ========================================================================== treatment
def _skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Adjusted Fisher-Pearson skewness G1 and sample excess kurtosis G2.

    Same values as ``scipy.stats.skew(x, bias=False)`` and
    ``scipy.stats.kurtosis(x, bias=False)`` (Excel SKEW/KURT, COINr ``skew``/``kurt``),
    written out because this runs inside the winsorisation loop.
    """
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4 or np.ptp(x) == 0:
        return float("nan"), float("nan")
    d = x - x.mean()
    m2 = np.mean(d**2)
    m3 = np.mean(d**3)
    m4 = np.mean(d**4)
    g1 = m3 / m2**1.5
    g2 = m4 / m2**2 - 3.0
    G1 = np.sqrt(n * (n - 1)) / (n - 2) * g1
    G2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)
    return float(G1), float(G2)


#: Transformations of :func:`treat_vector` (``log_fallback`` and ``f1``).
TRANSFORMS = ("log_CT", "log_CT_plus", "log_CT_orig", "log_GII", "boxcox", "log")


def transform_vector(x: Any, method: str, lam: float | None = None) -> tuple[np.ndarray, str]:
    """One of COINr's transformations of a whole indicator vector (NaN kept).

    ``log_CT``: ``log(x - min + 0.01 (max - min))``; ``log_CT_plus``: ``log_CT`` when the
    skew is positive, else the mirrored ``-log(max + 0.01 (max - min) - x)``;
    ``log_CT_orig``: ``log(x - min + 1)``; ``log_GII``:
    ``log((max - 1)(x - min)/(max - min) + 1)`` (the documented GII formula; COINr 1.1.14's
    ``log_GII`` returns x unchanged, see docs/coinr_parity.md); ``boxcox``:
    ``((x - min + 1)^lam - 1)/lam`` (``log(x - min + 1)`` for lam = 0, COINr's
    ``boxcox(makepos = TRUE)``); ``log``: plain ``log(x)`` (positive values only).

    Returns
    -------
    (transformed x, name of the transform applied)

    Example
    -------
    >>> transform_vector([1.0, 2.0, 11.0], "log_CT_orig")[0].round(4).tolist()
    [0.0, 0.6931, 2.3979]
    """
    x = np.asarray(x, dtype=float)
    if method not in TRANSFORMS:
        raise ValueError(f"unknown transformation {method!r}; one of {TRANSFORMS}")
    mx, mn = np.nanmax(x), np.nanmin(x)
    a = 0.01 * (mx - mn)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "log_CT":
            return np.log(x - mn + a), "log_CT"
        if method == "log_CT_plus":
            if _skew_kurt(x)[0] > 0:
                return np.log(x - mn + a), "log_CT"
            return -np.log(mx + a - x), "log_CT_neg"
        if method == "log_CT_orig":
            return np.log(x - mn + 1.0), "log_CT_orig"
        if method == "log_GII":
            return np.log((mx - 1.0) * (x - mn) / (mx - mn) + 1.0), "log_GII"
        if method == "boxcox":
            if lam is None:
                raise ValueError("boxcox needs a lambda (treat parameter boxcox_lambda)")
            xp = x - mn + 1.0
            return (np.log(xp) if lam == 0 else (xp**lam - 1.0) / lam), "boxcox"
        if np.nanmin(x) <= 0:
            raise ValueError("plain log transformation needs positive values")
        return np.log(x), "log"


def treat_vector(
    x: np.ndarray,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    winmax: int | None = 5,
    log_fallback: str | None = "log_CT_plus",
    force_win: bool = False,
    f1: str = "winsorise",
    boxcox_lambda: float | None = None,
) -> dict:
    """COINr's outlier treatment of one indicator (``Treat()``), step by step.

    1. Check: pass if ``|G1| < skew_thresh`` **or** ``G2 < kurt_thresh`` where G1 is the
       adjusted Fisher-Pearson skewness (``scipy.stats.skew(bias=False)``, Excel's
       SKEW, COINr's ``skew``) and G2 the sample excess kurtosis
       (``scipy.stats.kurtosis(bias=False)``, Excel's KURT). A passing indicator is left
       unchanged (COINr: also with ``force_win``).
    2. Winsorise (COINr ``winsorise``): while failing (or, with ``force_win``, whether
       failing or not) and fewer than ``winmax`` points are winsorised, move all points
       tied at the extreme to the next value, on the side of the sign of the *current*
       skew (>= 0: highest values -> next highest). As in COINr, the count is the number
       of points sitting at the clipped level(s), so the last step may exceed ``winmax``
       when values tie. ``f1`` set to a transformation (see :data:`TRANSFORMS`) applies
       that instead of winsorising (COINr ``f1``).
    3. If it still fails, discard step 2 and transform the **untreated** values with
       ``log_fallback`` (:func:`transform_vector`: ``log_CT`` is COINr's default,
       ``log_CT_plus`` (urbansec's default) mirrors it for negative skew, ``log_CT_orig``,
       ``log_GII``, ``boxcox`` with ``boxcox_lambda``, ``log``); ``None`` keeps the
       result of step 2. An unknown name is an error.

    Fewer than 4 values or a constant vector: no check possible, returned unchanged.

    Returns
    -------
    dict
        ``x`` (treated), ``treated`` (bool per point), ``reason`` (str per point),
        ``method`` (``none``/``winsorise``/the transform), ``n_winsorised``,
        ``skew_before``, ``kurt_before``, ``skew_after``, ``kurt_after``, ``passed``.

    Long because: most of it is this docstring (every option documented, an example).

    Example
    -------
    >>> r = treat_vector(np.r_[np.arange(1, 11), 30, 100.0])
    >>> r["method"], r["n_winsorised"], r["x"][-1]
    ('winsorise', 1, np.float64(30.0))
    """
    if log_fallback is not None and log_fallback not in TRANSFORMS:
        raise ValueError(f"unknown log_fallback {log_fallback!r}; one of {TRANSFORMS} or None")
    if f1 != "winsorise" and f1 not in TRANSFORMS:
        raise ValueError(f"unknown f1 {f1!r}; 'winsorise' or one of {TRANSFORMS}")
    if force_win and winmax is None:
        raise ValueError("force_win needs a winmax (it winsorises up to winmax points)")
    x = np.asarray(x, dtype=float)
    sk0, ku0 = _skew_kurt(x)

    def passes(s: float, k: float) -> bool:
        return bool(np.isnan(s) or abs(s) < skew_thresh or k < kurt_thresh)

    res = {
        "x": x.copy(),
        "treated": np.zeros(x.size, bool),
        "reason": np.full(x.size, "", object),
        "method": "none",
        "n_winsorised": 0,
        "skew_before": sk0,
        "kurt_before": ku0,
        "skew_after": sk0,
        "kurt_after": ku0,
        "passed": passes(sk0, ku0),
    }
    if res["passed"]:
        return res
    ok = ~np.isnan(x)
    if f1 != "winsorise":
        xt, meth = transform_vector(x, f1, boxcox_lambda)
        sk, ku = _skew_kurt(xt)
        if passes(sk, ku) or log_fallback is None:
            res.update(x=xt, method=meth, skew_after=sk, kurt_after=ku, passed=passes(sk, ku))
            res["treated"] = ok.copy()
            res["reason"] = np.where(ok, f"{meth} transform (skew {sk0:.2f} before)", "")
            return res
        nwin = 0
    else:
        xw, nwin, sk, ku = _winsorise(x, ok, sk0, ku0, passes, force_win, winmax)
        if passes(sk, ku) or log_fallback is None:
            changed = ok & (xw != x)
            res.update(
                x=xw,
                method="winsorise",
                n_winsorised=int(changed.sum()),
                skew_after=sk,
                kurt_after=ku,
                passed=passes(sk, ku),
            )
            res["treated"] = changed
            reason = np.full(x.size, "", object)
            before = f"(skew {sk0:.2f}, kurtosis {ku0:.2f} before)"
            reason[changed & (x > xw)] = f"winsorised high {before}"
            reason[changed & (x < xw)] = f"winsorised low {before}"
            res["reason"] = reason
            return res
    xl, meth = transform_vector(x, log_fallback, boxcox_lambda)
    sk, ku = _skew_kurt(xl)
    res.update(
        x=xl, method=meth, n_winsorised=0, skew_after=sk, kurt_after=ku, passed=passes(sk, ku)
    )
    res["treated"] = ok.copy()
    reason = np.full(x.size, "", object)
    reason[ok] = (
        f"{meth} transform: {f1} ({nwin} point(s)) did not bring skew "
        f"{sk0:.2f} / kurtosis {ku0:.2f} within thresholds"
    )
    res["reason"] = reason
    return res


def _winsorise(
    x: np.ndarray,
    ok: np.ndarray,
    sk: float,
    ku: float,
    passes: Callable[[float, float], bool],
    force_win: bool,
    winmax: int | None,
) -> tuple[np.ndarray, int, float, float]:
    """COINr's ``winsorise`` loop: while failing (or ``force_win``) and fewer than
    ``winmax`` points are winsorised, move the points tied at the extreme on the side of
    the current skew to the next value -> (x winsorised, n points, skew, kurtosis)."""
    xw = x.copy()
    imax = np.array([], int)
    imin = np.array([], int)
    nwin = 0
    while (force_win or not passes(sk, ku)) and (winmax is None or nwin < winmax):
        high = sk >= 0
        at = np.flatnonzero(ok & (xw == (xw[ok].max() if high else xw[ok].min())))
        rest = np.delete(xw, at)
        rest = rest[~np.isnan(rest)]
        if rest.size == 0:
            break
        xw[at] = rest.max() if high else rest.min()
        if high:
            imax = at
        else:
            imin = at
        nwin = imax.size + imin.size
        sk, ku = _skew_kurt(xw)
    return xw, nwin, sk, ku


#: The outlier treatment of ``score(treat=True)`` (COINr's default has ``log_CT``).
_TREAT_DEFAULTS = {
    "skew_thresh": 2.0,
    "kurt_thresh": 3.5,
    "winmax": 5,
    "log_fallback": "log_CT_plus",
}
_TREAT_KEYS = (
    "skew_thresh",
    "kurt_thresh",
    "winmax",
    "log_fallback",
    "force_win",
    "f1",
    "boxcox_lambda",
)


def _treat_wide(
    X: pd.DataFrame,
    by_period: bool = False,
    indiv: Mapping[str, Any] | None = None,
    **kw: Any,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat every column; ``by_period`` treats each period separately (COINr purse);
    ``indiv`` = {indicator: "none" or a dict of :func:`treat_vector` parameters}."""
    bad = [k for k in kw if k not in _TREAT_KEYS]
    if bad:
        raise ValueError(f"unknown treatment parameter(s) {bad}; one of {_TREAT_KEYS}")
    indiv = dict(indiv or {})
    for k, v in indiv.items():
        if k not in X.columns:
            raise ValueError(f"treatment spec for {k!r}, which is not an indicator")
        if not (v == "none" or isinstance(v, Mapping)):
            raise ValueError(f"treatment spec of {k}: 'none' or a dict of parameters")
    Y = X.copy()
    treated = pd.DataFrame(False, index=X.index, columns=X.columns)
    cells, per_ind = [], []
    periods = X.index.get_level_values("period").to_numpy()
    blocks = [(None, np.ones(len(X), bool))]
    if by_period:
        blocks = [(pv, periods == pv) for pv in pd.unique(periods)]
    for k in X.columns:
        spec = indiv.get(k)
        for pv, rows in blocks:
            x = X[k].to_numpy(dtype=float)[rows]
            if spec == "none":
                r = treat_vector(x, skew_thresh=np.inf)
            else:
                r = treat_vector(x, **{**kw, **dict(spec or {})})
            Y.loc[rows, k] = r["x"]
            treated.loc[rows, k] = r["treated"]
            per_ind.append(
                {
                    "indicator_id": k,
                    **({"period": pv} if by_period else {}),
                    "method": r["method"],
                    "n_winsorised": r["n_winsorised"],
                    "skew_before": r["skew_before"],
                    "kurt_before": r["kurt_before"],
                    "skew_after": r["skew_after"],
                    "kurt_after": r["kurt_after"],
                    "passed": r["passed"],
                }
            )
            i = np.flatnonzero(r["treated"])
            if i.size:
                sub = X.index[rows]
                cells.append(
                    pd.DataFrame(
                        {
                            "unit_id": sub.get_level_values("unit_id")[i],
                            "period": sub.get_level_values("period")[i],
                            "indicator_id": k,
                            "raw": x[i],
                            "value": r["x"][i],
                            "reason": r["reason"][i],
                        }
                    )
                )
    cols = _KEYS + ["indicator_id", "raw", "value", "reason"]
    cells_df = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(columns=cols)
    return Y, treated, cells_df, pd.DataFrame(per_ind)


def treat_outliers(
    data: pd.DataFrame,
    fw: Framework,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    winmax: int | None = 5,
    log_fallback: str | None = "log_CT_plus",
    by_period: bool = False,
    indiv: Mapping[str, Any] | None = None,
    force_win: bool = False,
    f1: str = "winsorise",
    boxcox_lambda: float | None = None,
) -> StepResult:
    """COINr's outlier treatment, indicator by indicator (see :func:`treat_vector`).

    Values are pooled over all units and periods of an indicator; ``by_period=True``
    treats each period separately, as COINr treats each coin of a purse. ``indiv`` gives
    per-indicator specs (COINr ``indiv_specs``): ``{indicator: "none"}`` or
    ``{indicator: {"winmax": 3, "force_win": True, ...}}`` overriding the global ones.

    Returns
    -------
    StepResult
        ``data`` has a ``treated`` flag; ``report`` lists every treated cell with raw
        value, treated value and reason; ``log["indicators"]`` holds skew/kurtosis
        before and after per indicator (and period).

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> from urbansec_lib.engine.tidy import example_data
    >>> fw = load_framework()
    >>> data = example_data(fw, units=list("ABCDEFGHIJ"))
    >>> one = data["indicator_id"] == fw.indicators[0].id
    >>> data.loc[one, "value"] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0]
    >>> treat_outliers(data, fw, winmax=5).report[["unit_id", "raw", "value"]].values.tolist()
    [['J', 100.0, 9.0]]
    """
    df = validate_data(data, fw)
    ids = [i.id for i in fw.indicators]
    X = to_wide(df, ids)
    kw = dict(
        skew_thresh=skew_thresh,
        kurt_thresh=kurt_thresh,
        winmax=winmax,
        log_fallback=log_fallback,
        force_win=force_win,
        f1=f1,
        boxcox_lambda=boxcox_lambda,
    )
    Y, tr, cells, per_ind = _treat_wide(X, by_period=by_period, indiv=indiv, **kw)
    out = _to_tidy(Y)
    out["treated"] = _to_tidy(tr, "t")["t"].to_numpy(dtype=bool)
    key = out.set_index(_KEYS + ["indicator_id"]).index
    out = out[key.isin(df.set_index(_KEYS + ["indicator_id"]).index)]
    log = {
        "step": "treat",
        **kw,
        "by_period": by_period,
        "indiv": dict(indiv or {}),
        "indicators": per_ind.to_dict("records"),
    }
    return StepResult(out.reset_index(drop=True), cells, log)
