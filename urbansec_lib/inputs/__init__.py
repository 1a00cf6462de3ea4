"""Layer 2, ``inputs``: Data in: study workspaces, public statistics, the survey and
questionnaire instruments, privacy safeguards applied on import.

May import from: ``core``, ``model`` (and its own modules).

Modules
-------
workspace_model
    A study workspace as an object: folders, units, framework, declared provenance.
workspace_open
    Opening and creating workspaces (config, folder, current folder, demo, init).
workspace
    Study workspaces: one folder per study, with its own data, units and reports.
data_paths
    Where the public data live; the unit registry's columns and levels.
eurostat
    Eurostat bulk TSV files into tidy frames, every malformed cell located.
nuts
    NUTS 2021 regions: code list, levels, parents, unit-code checks.
units_table
    The unit registry table (units.csv), read and validated.
public_indicators
    Indicators from public data (crime rates, perception shares), each with year and source.
data
    Public data I/O: Eurostat bulk TSV files, NUTS 2021 codes, the unit registry.
xlsform
    Writing XLSForms and response templates (shared by every questionnaire).
exports
    Reading KoboToolbox / ODK exports: the engine shared by every questionnaire reader.
survey
    The self-assessment survey: framework -> forms, and survey exports -> tidy
    responses (public face of the survey_* modules).
survey_questions
    The survey's questions: which indicators are asked, how they are coded.
survey_forms
    The survey's forms: XLSForm, printable questionnaire, response template.
survey_read
    Reading the survey's exports: Kobo/ODK CSV or XLSX -> Responses.
survey_answers
    The survey's answers: every cell of an export checked against its question.
survey_aggregate
    Survey responses -> indicator values.
survey_import
    Importing a survey export into data/processed/<unit>/ (idempotent, pseudonymised).
kobo_export
    Kobo-shaped CSV exports of survey responses (for tests, demos and benchmarks).
instruments
    Generic questionnaire instruments: YAML -> XLSForm / template, and Kobo exports ->
    clean data (public face of the instrument_* modules).
instrument_model
    Instruments as data: questions, choice lists, the YAML loader.
instrument_read
    Reading an instrument's exports: Kobo/ODK CSV or XLSX -> a tidy frame.
privacy_scan
    Disclosure control of what a report publishes: HTML and recorded-number scans.
privacy
    Privacy safeguards: keyed pseudonyms, identifier stripping, small-cell suppression,
    scans.
"""

from .._lazy import lazy_modules

__all__ = [
    "workspace_model",
    "workspace_open",
    "workspace",
    "data_paths",
    "eurostat",
    "nuts",
    "units_table",
    "public_indicators",
    "data",
    "xlsform",
    "exports",
    "survey",
    "survey_questions",
    "survey_forms",
    "survey_read",
    "survey_answers",
    "survey_aggregate",
    "survey_import",
    "kobo_export",
    "instruments",
    "instrument_model",
    "instrument_read",
    "privacy_scan",
    "privacy",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
