"""The steps of :func:`urbansec_lib.scoring.score`: each stage applied to the wide data
as ``score()``'s parameters say, with its entry in the profile's log, and the profile's
indicator and coverage tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .aggregation import _aggregate_core, _method_codes, _resolve_methods
from .denomination import denominate
from .imputation import _impute_wide
from .normalisation import _bounds_for, _normalise_wide
from .outliers import _TREAT_DEFAULTS, _treat_wide
from .screening import _screen_wide
from .tidy import _KEYS, _to_tidy, to_wide, validate_data
from .tree import Tree, _resolve_weights
from .weighting import pca_tree_weights

__all__: list[str] = []


def _as_spec(spec: Any, default_key: str = "method") -> tuple[Any, dict]:
    if spec is None or spec is False:
        return None, {}
    if spec is True:
        return True, {}
    if isinstance(spec, Mapping):
        d = dict(spec)
        return d.pop(default_key, True), d
    return spec, {}


_SCREEN_DEFAULTS = {
    "min_unit_coverage": 0.0,
    "min_indicator_coverage": 0.0,
    "by": "NA",
    "min_nonzero": 0.05,
    "force": None,
    "after_impute": False,
}


def _screen_params(screen: Mapping | None) -> dict:
    """``score(screen=...)`` with the defaults filled in; unknown keys are an error."""
    sp = {**_SCREEN_DEFAULTS, **dict(screen or {})}
    unknown = set(sp) - set(_SCREEN_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown screen parameter(s) {sorted(unknown)}")
    return sp


def _screen_step(X: pd.DataFrame, sp: dict, log: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Screen the wide data with the parameters ``sp``; log what was dropped."""
    X2, rep, _ = _screen_wide(
        X,
        sp["min_unit_coverage"],
        sp["min_indicator_coverage"],
        sp["by"],
        sp["min_nonzero"],
        sp["force"],
    )
    log.append(
        {"step": "screen", **sp, "dropped": rep[["kind", "id", "period"]].to_dict("records")}
    )
    return X2, rep


def _impute_step(X, impute, groups, fw, log) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """Impute the wide data as ``score(impute=...)`` says -> (X, imputed mask, done)."""
    imp_method, imp_kw = _as_spec(impute)
    imputed = pd.DataFrame(False, index=X.index, columns=X.columns)
    if imp_method in (None, "none"):
        return X, imputed, False
    bad = set(imp_kw) - {"group", "group_level", "normalise_first", "seed"}
    if bad:
        raise ValueError(f"unknown imputation parameter(s) {sorted(bad)}")
    X, imputed = _impute_wide(
        X,
        imp_method,
        groups,
        imp_kw.get("group"),
        fw=fw,
        group_level=imp_kw.get("group_level"),
        normalise_first=imp_kw.get("normalise_first", True),
        seed=imp_kw.get("seed", 0),
    )
    log.append(
        {
            "step": "impute",
            "method": imp_method,
            **imp_kw,
            "n_imputed": int(imputed.to_numpy().sum()),
        }
    )
    return X, imputed, True


def _treat_step(X, treat, log) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, bool]:
    """Outlier treatment as ``score(treat=...)`` says -> (X, treated mask, report, done)."""
    tr_on, tr_kw = _as_spec(treat, "enabled")
    treated = pd.DataFrame(False, index=X.index, columns=X.columns)
    if not tr_on:
        return X, treated, pd.DataFrame(), False
    kw = {**_TREAT_DEFAULTS, **tr_kw}
    X, treated, treat_report, per_ind = _treat_wide(X, **kw)
    log.append({"step": "treat", **kw, "indicators": per_ind.to_dict("records")})
    return X, treated, treat_report, True


def _normalise_step(X, fw, normalise, normalise_params, log):
    """Normalise as ``score(normalise=..., normalise_params=...)`` says; the framework's
    per-indicator specs apply unless given explicitly -> (N, method, bounds)."""
    n_method, n_kw = _as_spec(normalise)
    if n_method is True:
        n_method = "minmax"
    n_kw = {**n_kw, **dict(normalise_params or {})}
    fw_indiv = {i.id: dict(i.normalisation) for i in fw.indicators if i.normalisation}
    if fw_indiv:  # the framework's per-indicator specs; explicit ones take precedence
        n_kw["indiv"] = {**fw_indiv, **dict(n_kw.get("indiv") or {})}
    by_period = bool(n_kw.pop("by_period", False))
    N = _normalise_wide(X, fw, n_method, n_kw, by_period)
    log.append(
        {
            "step": "normalise",
            "method": n_method,
            "by_period": by_period,
            "pooled_over_periods": not by_period,
            "direction_applied_first": True,
            **n_kw,
        }
    )
    return N, n_method, _bounds_for(n_method, n_kw)


def _weights_step(A, tree, weights, codes, bounds, agg_kw_core, log) -> np.ndarray:
    """Edge weights: given, or derived by PCA bottom-up (``"pca"``, ``"pca_loadings"``)."""
    if isinstance(weights, str) and weights in ("pca", "pca_loadings"):
        kind = "squared" if weights == "pca" else "loadings"
        W = pca_tree_weights(A, tree, codes, kind, bounds=bounds, **agg_kw_core)
        wlog = weights
    else:
        W = _resolve_weights(tree, weights)
        wlog = weights if isinstance(weights, (str, type(None))) else "given"
    log.append(
        {
            "step": "weights",
            "scheme": wlog if wlog is not None else "framework",
            "weights": {c: float(w) for (_, c), w in zip(tree.edges, W)},
        }
    )
    return W


def _data_step(data, fw, denominators, tree, log, dsets) -> pd.DataFrame:
    """Validate the tidy data and divide by the denominators (when given); log both."""
    df = validate_data(data, fw)
    log.append(
        {
            "step": "validate",
            "n_rows": len(df),
            "n_units": df["unit_id"].nunique(),
            "n_periods": df["period"].nunique(),
            "framework": fw.id,
            "framework_version": fw.version,
        }
    )
    dsets["Raw"] = to_wide(df, tree.indicators)
    if denominators is not None:
        df = denominate(df, fw, denominators)
        dsets["Denominated"] = to_wide(df, tree.indicators)
        log.append(
            {
                "step": "denominate",
                "declarations": {i.id: i.denominator for i in fw.indicators if i.denominator},
                "notes": list(df.attrs.get("denominate_notes", [])),
            }
        )
    return df


def _aggregate_step(N, tree, aggregate, weights, bounds, log):
    """Weights (given or PCA) and aggregation of the normalised data -> (S, W, methods)."""
    meths, agg_kw = _resolve_methods(tree, aggregate)
    agg_kw = {"p": 2.0, "zeros": "error", "shift": 1.0, "dat_thresh": None, **agg_kw}
    codes, custom = _method_codes(meths)
    agg_kw_core = {
        **agg_kw,
        "custom": custom,
        "row_periods": N.index.get_level_values("period").to_numpy(),
    }
    A = N.to_numpy(float)
    W = _weights_step(A, tree, weights, codes, bounds, agg_kw_core, log)
    S = _aggregate_core(A, tree, W[None], codes, bounds=bounds, **agg_kw_core)[0]
    log.append(
        {
            "step": "aggregate",
            "methods": {
                n: (m if isinstance(m, str) else getattr(m, "__name__", "function"))
                for n, m in zip(tree.nodes, meths)
            },
            **agg_kw,
            "weights_renormalised_over_present_children": True,
            "node_flip_bounds": bounds,
        }
    )
    return S, W, meths


def _indicator_table(raw, N, imputed, treated) -> pd.DataFrame:
    """``Profile.indicators``: raw and normalised value, imputed and treated flags."""
    ind = _to_tidy(raw.reindex(N.index), "raw")
    ind["value"] = _to_tidy(N)["value"].to_numpy()
    ind["imputed"] = _to_tidy(imputed, "f")["f"].to_numpy(dtype=bool)
    ind["treated"] = _to_tidy(treated, "f")["f"].to_numpy(dtype=bool)
    return ind


def _coverage_table(observed: pd.DataFrame, index: pd.MultiIndex, tree: Tree) -> pd.DataFrame:
    """``Profile.coverage``: observed indicators under every node, per unit-period."""
    obs = observed.to_numpy()
    cov_rows = []
    for nid in tree.nodes:
        ks = tree.ind_under[nid]
        n_av = obs[:, ks].sum(axis=1)
        cov_rows.append(
            pd.DataFrame(
                {
                    "unit_id": index.get_level_values("unit_id"),
                    "period": index.get_level_values("period"),
                    "node_id": nid,
                    "n_indicators": len(ks),
                    "n_available": n_av,
                    "share": n_av / len(ks) if len(ks) else np.nan,
                }
            )
        )
    coverage = (
        pd.concat(cov_rows, ignore_index=True)
        if len(index)
        else pd.DataFrame(columns=_KEYS + ["node_id", "n_indicators", "n_available", "share"])
    )
    return coverage.sort_values(_KEYS, kind="stable").reset_index(drop=True)
