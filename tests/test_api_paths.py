"""Old import paths keep working after a module is split into smaller ones.

``urbansec_lib.scoring``, ``urbansec_lib.indices`` and ``urbansec_lib.sensitivity`` were
split into one module per concept (``engine/tree.py``, ``engine/normalisation.py``, ...);
each old module stays the public face and re-exports every name it had. The lists below
are ``dir(module)`` as it was before the split, without the names a module only had
because it imported them (``np``, ``pd``, ``re``, ``Any``, ``dataclass``, ...), which were
never its API.
"""

from __future__ import annotations

import importlib

import pytest

#: Public names of each module before the split (``dir()``, incidental imports left out).
OLD_NAMES = {
    "scoring": (
        "AGGREGATION_METHODS",
        "Dimension",
        "Framework",
        "IMPUTATION_METHODS",
        "NORMALISATION_METHODS",
        "Problem",
        "Profile",
        "SCREEN_BY",
        "StepResult",
        "TRANSFORMS",
        "Tree",
        "ValidationError",
        "aggregate",
        "build_tree",
        "copeland",
        "denominate",
        "effective_weights",
        "impute",
        "normalise",
        "normalise_vector",
        "optimise_level_weights",
        "optimise_weights",
        "pca_weights",
        "score",
        "screen",
        "to_wide",
        "transform_vector",
        "treat_outliers",
        "treat_vector",
        "validate_data",
    ),
    "indices": (
        "Catalogue",
        "DIMENSIONS",
        "GAP_KINDS",
        "GAP_UNITS",
        "GEO_UNITS",
        "KINDS",
        "NATURES",
        "NOT_APPLICABLE",
        "OPENNESS",
        "Problem",
        "STATUSES",
        "UNKNOWN",
        "ValidationError",
        "catalogue_html",
        "catalogue_path",
        "check_version_block",
        "coverage_matrix",
        "crosswalk",
        "dimension_status",
        "framework_file",
        "gaps",
        "load_catalogue",
        "plot_coverage_heatmap",
        "plot_unit_coverage",
        "read_yaml_mapping",
        "sources_html",
        "unit_status",
    ),
    "sensitivity": (
        "ASSUMPTIONS",
        "Framework",
        "NORMALISATION_VARIANTS",
        "SensitivityResult",
        "SpecsResult",
        "noisy_weights",
        "reference_scores",
        "run",
        "run_specs",
        "sa_estimate",
        "sa_sample",
        "to_published_scale",
    ),
}


@pytest.mark.parametrize("module", sorted(OLD_NAMES))
def test_old_names_still_import(module):
    short = importlib.import_module(f"urbansec_lib.{module}")
    layered = importlib.import_module(f"urbansec_lib.engine.{module}")
    assert short is layered
    missing = [n for n in OLD_NAMES[module] if not hasattr(short, n)]
    assert missing == [], f"urbansec_lib.{module} lost {missing}"


@pytest.mark.parametrize("module", sorted(OLD_NAMES))
def test_old_all_still_lists_the_api(module):
    mod = importlib.import_module(f"urbansec_lib.{module}")
    assert set(mod.__all__) <= set(dir(mod))
    for name in mod.__all__:
        exec(f"from urbansec_lib.{module} import {name}", {})
