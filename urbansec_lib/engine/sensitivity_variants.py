"""The normalisation variants of the sensitivity analysis, the published scale, and the
slow reference route that rebuilds one replicate with :func:`urbansec_lib.scoring.score`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from . import scoring as sc
from .normalisation import _bounds_for
from .tree import build_tree

__all__ = [
    "NORMALISATION_VARIANTS",
    "reference_scores",
    "to_published_scale",
]

#: Normalisation options of the sensitivity analysis: name -> (scoring method, params).
NORMALISATION_VARIANTS: dict[str, tuple[str, dict]] = {
    "minmax": ("minmax", {"range": (0.0, 100.0)}),
    "zscore": ("zscore", {"mean": 50.0, "sd": 10.0}),
    "rank": ("percentile", {"kind": "coinr", "scale": 100.0}),
    "goalposts": ("goalposts", {"scale": 100.0}),
    "dist2max": ("dist2max", {"scale": 100.0}),
}

#: The options of each choice assumption when given as ``True`` (the first is nominal).
_DEFAULT_OPTIONS = {
    "normalisation": ["minmax", "zscore", "rank"],
    "aggregation": ["arithmetic", "geometric"],
    "imputation": ["none", "mean"],
    "treatment": [False, True],
}


def to_published_scale(alternative: np.ndarray, published: np.ndarray) -> np.ndarray:
    """Map each column of ``alternative`` affinely onto the mean and SD of the same column
    of ``published`` (rows aligned; NaN kept): ``(a - mean_a) / sd_a * sd_p + mean_p``.

    Example
    -------
    >>> to_published_scale(np.array([[1.0], [2.0], [3.0]]), np.array([[0.0], [50], [100]]))
    array([[  0.],
           [ 50.],
           [100.]])
    """
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ma, sa = np.nanmean(alternative, axis=0), np.nanstd(alternative, axis=0)
        mp, sp = np.nanmean(published, axis=0), np.nanstd(published, axis=0)
        out = (alternative - ma) / sa * sp + mp
    return np.where(sa > 0, out, published)


def reference_scores(
    data: pd.DataFrame,
    fw: Framework,
    replicate: Mapping[str, Any],
    groups: pd.DataFrame | None = None,
    impute_group: str | None = None,
    treat_params: Mapping | None = None,
    dat_thresh: float | None = None,
    published: str | None = None,
) -> pd.DataFrame:
    """Rebuild one replicate with :func:`urbansec_lib.scoring.score` (slow reference).

    ``replicate`` is one row of :attr:`SensitivityResult.replicates` (as a dict).
    Used by the tests and the benchmark as the independent, unvectorised route.
    ``published``: the nominal normalisation (first option) of a ``scale="published"``
    run; an alternative normalisation is then mapped onto its scale
    (:func:`to_published_scale`) before aggregating.

    Examples
    --------
    >>> from urbansec_lib.framework import load_framework
    >>> fw = load_framework()
    >>> from urbansec_lib.scoring import example_data
    >>> s = reference_scores(example_data(fw), fw, {"normalisation": "zscore"})
    >>> list(s.columns), len(s) == 3 * 9
    (['unit_id', 'period', 'node_id', 'level', 'score'], True)
    """
    nm = replicate.get("normalisation", "minmax")
    if published is not None and nm != published:
        return _reference_on_published_scale(
            data, fw, replicate, groups, impute_group, treat_params, dat_thresh, published
        )
    meth, prm = NORMALISATION_VARIANTS[nm]
    agg = replicate.get("aggregation", "arithmetic")
    imp = replicate.get("imputation", "none")
    tr = replicate.get("treatment", False)
    w = {k[2:]: v for k, v in replicate.items() if isinstance(k, str) and k.startswith("w:")}
    aggregate: dict = {"zeros": "shift", "shift": 1.0, "dat_thresh": dat_thresh}
    if agg != "framework":
        aggregate["method"] = agg
    prof = sc.score(
        data,
        fw,
        impute=None if imp in (None, "none") else {"method": imp, "group": impute_group},
        treat=dict(treat_params or {}) if tr else None,
        normalise=meth,
        normalise_params=prm,
        aggregate=aggregate,
        weights=w or None,
        groups=groups,
    )
    return prof.scores


def _reference_on_published_scale(
    data, fw, replicate, groups, impute_group, treat_params, dat_thresh, published
) -> pd.DataFrame:
    profs = {}
    for nm in (replicate["normalisation"], published):
        meth, prm = NORMALISATION_VARIANTS[nm]
        imp = replicate.get("imputation", "none")
        profs[nm] = sc.score(
            data,
            fw,
            impute=None if imp in (None, "none") else {"method": imp, "group": impute_group},
            treat=dict(treat_params or {}) if replicate.get("treatment", False) else None,
            normalise=meth,
            normalise_params=prm,
            groups=groups,
        )
    tree = build_tree(fw)
    wa = profs[replicate["normalisation"]].wide("indicators").reindex(columns=tree.indicators)
    wp = profs[published].wide("indicators").reindex(columns=tree.indicators)
    mapped = pd.DataFrame(
        to_published_scale(wa.to_numpy(float), wp.to_numpy(float)),
        index=wa.index,
        columns=wa.columns,
    )
    tidy = mapped.stack(future_stack=True).rename("value").reset_index()
    tidy = tidy.rename(columns={"level_2": "indicator_id"})
    if "indicator_id" not in tidy.columns:
        tidy = tidy.rename(columns={tidy.columns[2]: "indicator_id"})
    agg = replicate.get("aggregation", "arithmetic")
    w = {k[2:]: v for k, v in replicate.items() if isinstance(k, str) and k.startswith("w:")}
    m0, p0 = NORMALISATION_VARIANTS[published]
    return sc.aggregate(
        tidy,
        fw,
        method=None if agg == "framework" else agg,
        weights=w or None,
        dat_thresh=dat_thresh,
        zeros="shift",
        shift=1.0,
        bounds=_bounds_for(m0, p0),
    )
