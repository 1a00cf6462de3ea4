"""The self-assessment survey: framework -> forms, and survey exports -> tidy responses.

The public face of the survey; the work is done in one room per concept:

:mod:`~urbansec_lib.survey_questions`
    Which indicators are asked and how they are coded (metadata questions, answer codes,
    ranges, languages).
:mod:`~urbansec_lib.survey_forms`
    Form out: :func:`to_xlsform` (XLSForm for KoboToolbox / ODK, written by the shared
    :mod:`~urbansec_lib.xlsform`), :func:`to_questionnaire_html` (printable
    questionnaire), :func:`to_template` (CSV/XLSX response template),
    :func:`write_unit_forms`.
:mod:`~urbansec_lib.survey_read` and :mod:`~urbansec_lib.survey_answers`
    Responses in: :func:`read_responses` reads a Kobo/ODK CSV or XLSX export (or the plain
    template) through the shared export engine (:mod:`~urbansec_lib.exports`), validates
    every cell and returns a :class:`Responses` object; every problem of the file is
    collected and reported with file, row (as a spreadsheet shows it), column, value and
    what was expected.
:mod:`~urbansec_lib.survey_import`
    :func:`import_export` runs read -> pseudonymise -> strip identifiers -> write
    ``data/processed/<unit>/`` with a manifest (idempotent).
:mod:`~urbansec_lib.survey_aggregate`
    Indicators: :func:`aggregate` turns responses into tidy indicator values
    (``unit_id, indicator_id, period, value, n, source``).
:mod:`~urbansec_lib.kobo_export`
    :func:`write_kobo_export` writes Kobo-shaped exports (tests and demos); the synthetic
    responses themselves come from :func:`urbansec_lib.demo.survey.simulate_responses`
    (``survey.simulate_responses`` still resolves, deprecated).

Answer coding (the survey column name of an indicator is its id)
    ``likert4`` / ``likert5``: codes 1..n, ``source.options`` ordered from code 1 upward;
    ``yes_no``: 0 = No, 1 = Yes; ``select_multiple``: space-separated codes 1..k (Kobo's
    ``multi_sel=both`` 0/1 columns ``question/code`` are read too); every other type is a
    number within the indicator's ``valid_range`` (whole numbers for ``count``).
    Missing answers are empty cells or ``n/a``.

Required answers (decision)
    Metadata questions (unit, area, wave, area_type, respondent_role) are required. Items are
    *not* required unless the indicator's source says ``required: true``: a respondent may
    skip a question rather than be forced to guess, and a skipped item is missing, not
    "don't know" coded as a value. Aggregates use the respondents who answered (``n``).

Example
-------
>>> import tempfile, pathlib
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> us.survey.to_xlsform(fw, tmp / "form.xlsx").name
'form.xlsx'
>>> _ = (tmp / "export.csv").write_text(
...     "unit,area,wave,area_type,respondent_role,qol_life_satisfaction,_uuid\\n"
...     "DE001C,Mitte,2024,intervention,resident,3,a1\\n"
...     "DE001C,Mitte,2024,intervention,resident,4,a2\\n"
... )
>>> r = us.survey.read_responses(tmp / "export.csv", fw, unit_id="DE001C", key="k" * 32)
>>> r.data["respondent"].str.startswith("r_").tolist()
[True, True]
>>> us.survey.aggregate(r.data, fw)[["indicator_id", "period", "value", "n"]]
            indicator_id  period  value  n
0  qol_life_satisfaction    2024  100.0  2
"""

from __future__ import annotations

from typing import Any

from ..core import ingest  # noqa: F401 - public before the split
from ..core.errors import Problem, ValidationError  # noqa: F401 - public before the split
from ..model.framework import Framework, Indicator  # noqa: F401 - public before the split
from . import privacy  # noqa: F401 - public before the split
from .kobo_export import write_kobo_export
from .survey_aggregate import aggregate
from .survey_forms import (
    template_columns,
    to_questionnaire_html,
    to_template,
    to_xlsform,
    write_unit_forms,
)
from .survey_import import REJECTED_COLUMNS, import_export
from .survey_import import _csv_bytes as _csv_bytes  # noqa: F401 - used by tests
from .survey_import import _typed as _typed  # noqa: F401 - used by study.pipeline
from .survey_questions import (
    AREA_TYPES,
    METADATA_COLUMNS,
    RESPONDENT_ROLES,
    SYSTEM_COLUMNS,
    UNIT_CODE_PATTERN,
    WAVE_RANGE,
    available_languages,
    check_language,
    form_version,
)
from .survey_read import Responses, read_responses
from .xlsform import SURVEY_COLUMNS as XLSFORM_SURVEY_COLUMNS

__all__ = [
    "METADATA_COLUMNS",
    "AREA_TYPES",
    "RESPONDENT_ROLES",
    "UNIT_CODE_PATTERN",
    "WAVE_RANGE",
    "SYSTEM_COLUMNS",
    "REJECTED_COLUMNS",
    "XLSFORM_SURVEY_COLUMNS",
    "Responses",
    "form_version",
    "template_columns",
    "to_xlsform",
    "to_questionnaire_html",
    "write_unit_forms",
    "available_languages",
    "check_language",
    "to_template",
    "read_responses",
    "aggregate",
    "import_export",
    "write_kobo_export",
]

#: Demo simulators moved to :mod:`urbansec_lib.demo.survey` (old names, deprecated).
_MOVED_TO_DEMO = ("simulate_responses", "DEMO_AREAS")


def __getattr__(name: str) -> Any:
    """The demo simulator's old names: resolved lazily from :mod:`urbansec_lib.demo`, with a
    DeprecationWarning (the one reference from the library to the demo package). The import
    is absolute: reached by its short name, this module's spec parent is not its package,
    and a relative import would warn (ImportWarning)."""
    if name in _MOVED_TO_DEMO:
        import warnings

        from urbansec_lib.demo import survey as demo_survey

        warnings.warn(
            f"urbansec_lib.survey.{name} moved to urbansec_lib.demo.survey.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(demo_survey, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
