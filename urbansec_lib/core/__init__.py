"""Layer 0, ``core``: Foundations every layer may use: located errors, defaults, the one
bounded reader, the official unit registry, code versions.

May import from: nothing of this package (and its own modules).

Modules
-------
errors
    Located validation errors shared by every importer.
defaults
    One definition of every default: seed, suppression threshold, workspace layout.
bounds
    Limits and bytes: what any user file may cost, read bounded, decoded honestly.
xlsx
    Excel workbooks, bounded: zip-bomb checks, formulas without values, sheets as text.
tables
    Tables of any user file (CSV/TSV/XLSX) as one Table: encoding, delimiter, row numbers.
documents
    YAML and JSON documents, bounded and strict.
outputs
    Write-side safeguards: neutralised CSVs, strict names, writes kept out of data/raw.
ingest
    One ingestion layer for every user file: the public face of the modules above.
schema
    Table schemas as code: declared columns and checks that validate a frame of raw
    cells.
unit_codes
    Official unit codes as text: patterns, the path-safe check, name folding.
registry
    The registry of official unit codes: Urban Audit cities, NUTS 2021 regions and LAU
    2019.
versions
    What code made a result: installed package versions and the code's git commit.
"""

from .._lazy import lazy_modules

__all__ = [
    "errors",
    "defaults",
    "schema",
    "bounds",
    "xlsx",
    "tables",
    "documents",
    "outputs",
    "ingest",
    "registry",
    "versions",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
