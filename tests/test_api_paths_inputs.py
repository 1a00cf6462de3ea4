"""Every public name of ``urbansec_lib.survey`` and ``urbansec_lib.instruments`` from before
the split into one room per concept (survey_*, instrument_*, xlsform, exports) still imports
from its old path.

The lists were recorded before the change with
``sorted(n for n in dir(mod) if not n.startswith('_'))``. Left out: names that were only
there because the module imported them (standard-library modules, typing helpers, numpy /
pandas / yaml), listed in ``INCIDENTAL`` so the record stays complete.
"""

from __future__ import annotations

import importlib
import warnings

import pytest

SURVEY = [
    "AREA_TYPES",
    "DEMO_AREAS",
    "Framework",
    "Indicator",
    "METADATA_COLUMNS",
    "Problem",
    "REJECTED_COLUMNS",
    "RESPONDENT_ROLES",
    "Responses",
    "SYSTEM_COLUMNS",
    "UNIT_CODE_PATTERN",
    "ValidationError",
    "WAVE_RANGE",
    "XLSFORM_SURVEY_COLUMNS",
    "aggregate",
    "available_languages",
    "check_language",
    "form_version",
    "import_export",
    "ingest",
    "privacy",
    "read_responses",
    "simulate_responses",
    "template_columns",
    "to_questionnaire_html",
    "to_template",
    "to_xlsform",
    "write_kobo_export",
    "write_unit_forms",
]
INSTRUMENTS = [
    "INSTRUMENT_DIR",
    "Instrument",
    "Problem",
    "QUESTION_TYPES",
    "Question",
    "SYSTEM_COLUMNS",
    "VERSION_FIELD",
    "ValidationError",
    "XLSFORM_SURVEY_COLUMNS",
    "available",
    "dummies",
    "load_instrument",
    "read_responses",
    "read_yaml_mapping",
    "to_template",
    "to_xlsform",
]
#: In ``dir()`` before the change only as imports of the module itself (not API).
INCIDENTAL = {
    "survey": "Any Iterable Path Sequence UTC annotations csv dataclass datetime field gc "
    "hashlib html io json np os pd re tempfile".split(),
    "instruments": "Any Iterable Path annotations dataclass field np pd re yaml".split(),
}
#: Moved to ``urbansec_lib.demo``: still resolve from the old path, with a warning.
DEPRECATED = {("survey", "simulate_responses"), ("survey", "DEMO_AREAS")}


@pytest.mark.parametrize(
    "module, name",
    [("survey", n) for n in SURVEY] + [("instruments", n) for n in INSTRUMENTS],
)
def test_old_public_name_imports(module, name):
    mod = importlib.import_module(f"urbansec_lib.{module}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        ns: dict = {}
        exec(f"from urbansec_lib.{module} import {name}", ns)
        assert ns[name] is getattr(mod, name)
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert bool(deprecations) == ((module, name) in DEPRECATED)


def test_layered_paths_are_the_same_modules():
    import urbansec_lib.inputs.instruments as li
    import urbansec_lib.inputs.survey as ls
    import urbansec_lib.instruments as i
    import urbansec_lib.survey as s

    assert s is ls and i is li


def test_the_record_is_complete():
    """Nothing public vanished from the old paths that is not accounted for."""
    for module, names in (("survey", SURVEY), ("instruments", INSTRUMENTS)):
        mod = importlib.import_module(f"urbansec_lib.{module}")
        now = {n for n in dir(mod) if not n.startswith("_")}
        missing = set(names) - now - {n for m, n in DEPRECATED if m == module}
        assert missing == set()
        assert set(mod.__all__) <= set(names)
