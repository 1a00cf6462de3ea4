"""Every public name of the methods modules still imports from its old path.

The modules of ``urbansec_lib.methods`` were split into smaller ones ("one room per
concept"); the old modules stay the public face. ``API`` is the list recorded before the
split (``sorted(n for n in dir(mod) if not n.startswith("_"))``, minus the names in
``NOT_API``): each must import from the short path (``urbansec_lib.impact``) and from the
layered path (``urbansec_lib.methods.impact``), as the same object.

``NOT_API`` keeps the rest of that recorded list: standard-library, typing and third-party
names the old modules happened to import (``np``, ``pd``, ``Any``, ``OrderedModel``, ...).
They were never part of the interface (nothing in the repository reads them from these
modules) and the split modules import them where they are used.
"""

from __future__ import annotations

import importlib

import pytest

API = {
    "impact": [
        "DiDResult",
        "EventStudyResult",
        "FEW_CLUSTERS",
        "ITSResult",
        "ImpactResult",
        "LeaveOneOutResult",
        "MSMS_LEVELS",
        "OrdinalDiDResult",
        "PlaceboResult",
        "PowerResult",
        "Problem",
        "StaggeredTimingWarning",
        "SyntheticControlResult",
        "SyntheticDiDResult",
        "ValidationError",
        "WDDResult",
        "WEBB_BELOW",
        "att_gt",
        "bacon_decomposition",
        "did",
        "event_study",
        "its",
        "mde_table",
        "ordinal_cutpoints",
        "ordinal_did",
        "plot_event_study",
        "plot_group_means",
        "plot_its",
        "plot_ordinal",
        "plot_wdd",
        "power_did",
        "sun_abraham",
        "synthetic_control",
        "synthetic_did",
        "wdd",
    ],
    "staggered": [
        "ATTgtResult",
        "AggregatedATTResult",
        "BaconResult",
        "ImpactResult",
        "RolloutEvaluation",
        "SunAbrahamResult",
        "att_gt",
        "bacon_decomposition",
        "evaluate_rollout",
        "plot_event_time",
        "sun_abraham",
    ],
    "synthetic_control": [
        "LeaveOneOutResult",
        "PlaceboResult",
        "Problem",
        "SyntheticControlResult",
        "SyntheticDiDResult",
        "ValidationError",
        "plot_leave_one_out",
        "plot_placebo_gaps",
        "plot_synthetic",
        "plot_synthetic_did",
        "simplex_least_squares",
        "synthetic_control",
        "synthetic_did",
    ],
    "design": [
        "DiDResult",
        "EventStudyResult",
        "FEW_CLUSTERS",
        "ITSResult",
        "ImpactResult",
        "MSMS_LEVELS",
        "OrdinalDiDResult",
        "Problem",
        "StaggeredTimingWarning",
        "ValidationError",
        "WDDResult",
        "WEBB_BELOW",
        "plot_event_study",
        "plot_group_means",
        "plot_its",
        "plot_ordinal",
        "plot_wdd",
    ],
    "fixed_effects": [
        "ConvergenceWarning",
        "FEOLSResult",
        "Problem",
        "SSC_OPTIONS",
        "ValidationError",
        "demean",
        "effective_k",
        "feols",
        "feols_many",
        "nested_in",
        "singleton_mask",
        "small_sample_factor",
    ],
    "multilevel": [
        "CE_ITEMS",
        "CE_REVERSED",
        "CONTROLS",
        "MultilevelResult",
        "OrdinalResult",
        "anova_icc",
        "collective_efficacy",
        "fit_multilevel",
        "fit_ordinal",
        "model_frame",
        "respondent_frame",
    ],
    "wildboot": ["WEBB_VALUES", "WildBootResult", "bootstrap_weights", "wild_cluster_bootstrap"],
    "demean": [
        "ConvergenceWarning",
        "SSC_OPTIONS",
        "demean",
        "effective_k",
        "nested_in",
        "singleton_mask",
        "small_sample_factor",
    ],
    "omitted_variable": ["RobustnessValue", "oster_beta_star", "oster_delta", "robustness_value"],
}

NOT_API = {
    "impact": [
        "Any",
        "NormalIndPower",
        "OrderedModel",
        "Sequence",
        "TTestIndPower",
        "acorr_ljungbox",
        "annotations",
        "approx_fprime",
        "durbin_watson",
        "itertools",
        "math",
        "np",
        "pd",
        "sm",
        "stats",
        "warnings",
    ],
    "staggered": [
        "Any",
        "annotations",
        "dataclass",
        "field",
        "math",
        "np",
        "pd",
        "sm",
        "stats",
        "warnings",
    ],
    "synthetic_control": [
        "Any",
        "Callable",
        "Iterable",
        "Mapping",
        "Sequence",
        "annotations",
        "dataclass",
        "field",
        "linalg",
        "lru_cache",
        "math",
        "np",
        "optimize",
        "pd",
        "stats",
        "textwrap",
    ],
    "design": [
        "Any",
        "Iterable",
        "Sequence",
        "annotations",
        "dataclass",
        "field",
        "np",
        "pd",
        "sm",
        "stats",
        "warnings",
    ],
    "fixed_effects": [
        "Sequence",
        "annotations",
        "dataclass",
        "field",
        "np",
        "pd",
        "stats",
        "warnings",
    ],
    "multilevel": ["Sequence", "annotations", "dataclass", "field", "np", "pd", "warnings"],
    "wildboot": ["Any", "Sequence", "annotations", "dataclass", "field", "np", "pd", "sp"],
    "demean": ["Any", "Sequence", "annotations", "linalg", "np", "pd", "sp", "warnings"],
    "omitted_variable": ["annotations", "dataclass", "np", "pd", "stats"],
}

CASES = [(m, n) for m, names in API.items() for n in names]


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_old_public_name_imports(module, name):
    short = importlib.import_module(f"urbansec_lib.{module}")
    layered = importlib.import_module(f"urbansec_lib.methods.{module}")
    assert short is layered
    assert hasattr(layered, name), f"urbansec_lib.methods.{module} lost {name}"
    exec(f"from urbansec_lib.{module} import {name}", {})  # the form users write


def test_lists_are_disjoint_and_sorted():
    for module, names in API.items():
        assert names == sorted(names)
        assert not set(names) & set(NOT_API[module])
