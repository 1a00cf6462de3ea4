"""Layer 2, ``inputs``: Data in: study workspaces, public statistics, the survey and
questionnaire instruments, privacy safeguards applied on import.

May import from: ``core``, ``model`` (and its own modules).

Modules
-------
workspace
    Study workspaces: one folder per study, with its own data, units and reports.
data
    Public data I/O: Eurostat bulk TSV files, NUTS 2021 codes, the unit registry.
survey
    The self-assessment survey: framework -> forms, and survey exports -> tidy
    responses.
instruments
    Generic questionnaire instruments: YAML -> XLSForm / template, and Kobo exports ->
    clean data.
privacy
    Privacy safeguards: keyed pseudonyms, identifier stripping, small-cell suppression,
    scans.
"""

from .._lazy import lazy_modules

__all__ = ["workspace", "data", "survey", "instruments", "privacy"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
