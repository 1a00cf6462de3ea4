"""The study and presentation modules' public names, by the paths they had before the split.

``self_assessment`` and ``pipeline`` were split into smaller modules (``sa_*``,
``study_inputs``, ``input_provenance``, ``unit_inputs``); notebooks, scripts and other
modules still call ``us.pipeline.x`` and ``us.self_assessment.x``. Every public name of
each module before the split (less the stdlib and third-party names it imported, such as
``pd`` or ``dataclass``) must be importable from its old path, short and layered, and be
the same object as in its new home.
"""

from __future__ import annotations

import importlib

import pytest

BEFORE = {
    "pipeline": [
        "Framework", "ICCS_LABELS", "Path", "StudyInputs", "UnitFiles", "align_periods",
        "all_effects", "check_unit_inputs", "collective_impact_files", "data_dir", "data_kind",
        "declared_provenance", "evaluation_file", "has_evaluation",
        "initiatives_without_impact", "load_framework", "load_inputs", "orpheus_files", "pd",
        "processed_dir", "provenance_banner", "provenance_note", "raw_dir",
        "read_collective_impact", "read_each", "read_evaluation", "read_orpheus",
        "read_rollout", "region_crime", "skipped_note", "source_label", "survey_exports",
        "unit_context", "unit_name", "workspace",
        "_unit_files",
    ],
    "self_assessment": [
        "DAT_THRESH", "DEFAULT_ASSUMPTIONS", "Framework", "change_table", "coherence_table",
        "comparators", "comparators_text", "datasets", "dimension_ids", "dimension_level",
        "framework_overview", "funding_table", "group_members", "indicator_years",
        "key_findings", "latest_change", "network_table", "node_labels", "partners_table",
        "pd", "peer_text", "position_table", "profile", "profile_alt_text",
        "robustness_alt_text", "robustness_table", "sensitivity_table", "sources_table",
        "survey_table", "unit_coverage", "unit_intro", "unit_record", "weak_dimensions",
        "_ASSUMPTIONS", "_DATASETS", "_alpha_text", "_survey_dataset",
    ],
    "present": [
        "MISSING", "fmt_ci", "fmt_int", "fmt_number", "fmt_p_inline", "fmt_percent",
        "fmt_pvalue", "fmt_score", "fmt_share", "fmt_url", "frame", "glossary_terms",
        "humanise", "join_sentences", "key_findings", "replace_ids", "table",
    ],
    "figures": [
        "CATEGORICAL", "PALETTE", "SEQUENTIAL", "apply", "finish", "problems", "relabel",
        "title_of", "year_axis",
    ],
    "plots": [
        "PALETTE", "plot_change", "plot_coverage", "plot_profile", "plot_trend", "set_style",
        "year_axis",
    ],
}  # fmt: skip

LAYER = {"pipeline": "study", "self_assessment": "study"}
CASES = [(mod, name) for mod, names in BEFORE.items() for name in names]


@pytest.mark.parametrize(("mod", "name"), CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_old_path_still_imports(mod, name):
    layer = LAYER.get(mod, "presentation")
    short = importlib.import_module(f"urbansec_lib.{mod}")
    layered = importlib.import_module(f"urbansec_lib.{layer}.{mod}")
    assert short is layered
    assert getattr(short, name) is getattr(layered, name)
    exec(f"from urbansec_lib.{mod} import {name}", {})  # noqa: S102 - the import statement


def test_public_names_in_all_resolve():
    for mod in BEFORE:
        m = importlib.import_module(f"urbansec_lib.{mod}")
        assert [n for n in m.__all__ if not hasattr(m, n)] == []
