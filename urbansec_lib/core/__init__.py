"""Layer 0, ``core``: Foundations every layer may use: located errors, defaults, the one
bounded reader, the official unit registry, code versions.

May import from: nothing of this package (and its own modules).

Modules
-------
errors
    Located validation errors shared by every importer.
defaults
    One definition of every default: seed, suppression threshold, workspace layout.
ingest
    One ingestion layer for every user file: tables (CSV/TSV/XLSX), YAML, JSON; bounded.
schema
    Table schemas as code: declared columns and checks that validate a frame of raw
    cells.
registry
    The registry of official unit codes: Urban Audit cities, NUTS 2021 regions and LAU
    2019.
versions
    What code made a result: installed package versions and the code's git commit.
"""

from .._lazy import lazy_modules

__all__ = ["errors", "defaults", "schema", "ingest", "registry", "versions"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
