"""One ingestion layer for every user file: tables (CSV/TSV/XLSX), YAML, JSON; bounded.

Every file a user hands the toolkit (survey and instrument exports, policy inventories,
outcome series, Collective Impact workbooks, COINr tables, framework and catalogue YAML,
report manifests) is read here, so that every reader gets the same guarantees:

* **encoding**: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text" export, with
  or without BOM), and Windows-1252 / Latin-1 only when the *whole* file is consistently in
  it; a file mixing valid UTF-8 with stray non-UTF-8 bytes is an error naming the row;
* **delimiter**: ``,``, ``;``, tab or ``|``, sniffed on the header row outside quotes;
* **row numbers** as a spreadsheet shows them (header = row 1, first data row = row 2);
* **limits** checked before memory grows: file size, rows, cells; for ``.xlsx`` the
  decompressed size of every zip member (from the zip directory, before openpyxl opens
  it), the compression ratio and the shared-strings size; for YAML the file size, the
  number of aliases, the size of the alias-expanded document and the nesting depth;
* **xlsx formulas**: a formula cell without a cached value is an error (the answer is
  not in the file), not a silent missing answer;
* **YAML**: duplicate keys, NaN / infinity (also ``1e400``), self-referencing anchors and
  deep nesting are located errors; :func:`check_keys` reports unknown keys with the
  nearest valid name.

It also holds the write-side safeguards every writer uses: :func:`write_csv` (formula
prefixes neutralised, atomic), :func:`check_name` (strict ids before a path is built) and
:func:`check_output` (every write stays inside the allowed output folders and never in
``data/raw``).

The pieces live in their own modules, in the order a file passes through them:
:mod:`.bounds` (limits, bytes, decoding), :mod:`.xlsx` (workbooks), :mod:`.tables` (the
one table reader), :mod:`.schema` (declared table schemas), :mod:`.documents` (YAML and
JSON) and :mod:`.outputs` (the write side). This module is their one public face.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "units.csv").write_text("unit_id,population\\nBE212,abc\\n")
>>> schema = TableSchema("units", [Column("unit_id"), Column("population", "float", low=0)])
>>> try:
...     schema.validate(read_frame(d / "units.csv"), "units.csv")
... except ValidationError as e:
...     print(e.problems[0])
units.csv, row 2, column 'population': got 'abc', expected a number >= 0
"""

from __future__ import annotations

from .bounds import DEFAULT_LIMITS, Limits, decode_text, read_bytes
from .documents import check_keys, finite_number, read_json, read_yaml, read_yaml_mapping
from .errors import ValidationError  # noqa: F401 - the example
from .outputs import (
    NAME_PATTERN,
    RUN_ID_PATTERN,
    check_name,
    check_output,
    csv_bytes,
    neutralise_formulas,
    protect_raw,
    raw_roots,
    write_csv,
)
from .schema import Check, Column, TableSchema, Unique
from .tables import Table, read_frame, read_grid, read_table
from .xlsx import check_xlsx, col_letter, xlsx_sheets

__all__ = [
    "read_yaml_mapping",
    "Limits",
    "DEFAULT_LIMITS",
    "Table",
    "read_table",
    "read_grid",
    "read_frame",
    "check_xlsx",
    "xlsx_sheets",
    "col_letter",
    "read_bytes",
    "decode_text",
    "read_yaml",
    "read_json",
    "check_keys",
    "finite_number",
    "neutralise_formulas",
    "csv_bytes",
    "write_csv",
    "check_name",
    "NAME_PATTERN",
    "RUN_ID_PATTERN",
    "check_output",
    "protect_raw",
    "raw_roots",
    "Column",
    "TableSchema",
    "Check",
    "Unique",
]
