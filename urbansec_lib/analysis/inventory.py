"""The policy inventory of the prevention-pyramid mapping: columns, schema, reading, template.

Part of :mod:`urbansec_lib.analysis.orpheus` (its public face).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.schema import Check, Column, TableSchema, Unique
from .pyramid import (
    _AIM_SYNONYMS,
    DOMAINS,
    SECURITY_AIMS,
    TARGET_GROUPS,
    TIMINGS,
    Pyramid,
    load_pyramid,
)

#: Inventory columns: name -> (required, description).
COLUMNS: dict[str, tuple[bool, str]] = {
    "initiative_id": (True, "Unique id of the initiative within the unit (e.g. MEC-01)."),
    "name": (True, "Short name of the initiative."),
    "description": (False, "What it does, for whom, where."),
    "lead_organisation": (False, "Organisation in charge."),
    "partners": (False, "Partner organisations, separated by '|'."),
    "target_group": (
        True,
        "everyone | broad_population (broad population or risk-factor domain) | "
        "specific_problem (named problem, place, offence or risk group) | "
        "after_incident (offenders, victims after an incident).",
    ),
    "security_aim": (True, "yes | no: does it state an explicit security or preventive aim?"),
    "timing": (True, "before | after incidents."),
    "domain": (True, "Policy domain: " + ", ".join(DOMAINS) + "."),
    "start": (False, "Start date, YYYY-MM-DD (YYYY-MM, YYYY, DD/MM/YYYY also read)."),
    "end": (False, "End date (blank if ongoing); not before start."),
    "budget_eur": (False, "Annual budget in euro, >= 0."),
    "reach": (False, "Number of people reached per year, whole number >= 0."),
    "reviewer_layer": (False, "Optional: layer id chosen by a reviewer; overrides the rules."),
}
_REQUIRED = [c for c, (req, _) in COLUMNS.items() if req]
_CODED = {"target_group": TARGET_GROUPS, "security_aim": SECURITY_AIMS, "timing": TIMINGS}

# --------------------------------------------------------------------------- inventory

#: Repo folder of the demo inventories (used by the examples).
_DEMO = Path(__file__).resolve().parents[2] / "data" / "raw" / "orpheus"


def _blank(s: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace."""
    return s.isna() | s.astype("string").str.strip().eq("").fillna(True)


def _text(s: pd.Series) -> pd.Series:
    """Stripped text with <NA> for blank cells (StringDtype)."""
    t = s.astype("string").str.strip()
    return t.mask(t.eq("").fillna(False))


def _code(s: pd.Series) -> pd.Series:
    """Normalised code: lower case, spaces and hyphens as underscores."""
    return _text(s).str.lower().str.replace(r"[\s\-]+", "_", regex=True)


def _parse_number(s: pd.Series) -> pd.Series:
    """Parse amounts written in the usual European and English ways.

    Blanks -> NaN, unreadable -> NaN (checked by the caller against the blank mask).
    Three digits after a separator are read as thousands grouping ("12.500" = 12500,
    "1,500,000" = 1500000); otherwise a single comma or point is the decimal mark.
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    t = _text(s).str.replace(r"[\s\u00a0'_]|EUR|€", "", regex=True)
    group_dot = t.str.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?").fillna(False)
    group_comma = t.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").fillna(False)
    t = t.mask(group_dot, t.str.replace(".", "", regex=False))
    t = t.mask(group_comma, t.str.replace(",", "", regex=False))
    t = t.str.replace(",", ".", regex=False)
    plain = t.str.fullmatch(r"-?\d+(\.\d+)?([eE][+-]?\d+)?").fillna(False)
    x = pd.to_numeric(t.where(plain), errors="coerce").astype(float)
    return x.where(np.isfinite(x))  # 1e400 overflows to infinity: unreadable, not accepted


def _parse_date(s: pd.Series) -> pd.Series:
    """Parse dates: datetime cells, ISO (YYYY[-MM[-DD]]), DD/MM/YYYY, DD.MM.YYYY."""
    obj = s.astype(object).where(~_blank(s), None)
    out = pd.to_datetime(obj, format="ISO8601", errors="coerce")
    t = _text(s)
    for fmt, pat in (
        ("%d/%m/%Y", r"\d{1,2}/\d{1,2}/\d{4}"),
        ("%d.%m.%Y", r"\d{1,2}\.\d{1,2}\.\d{4}"),
        ("%d-%m-%Y", r"\d{1,2}-\d{1,2}-\d{4}"),
    ):
        m = t.str.fullmatch(pat).fillna(False) & out.isna()
        if m.any():
            out = out.mask(m, pd.to_datetime(t.where(m), format=fmt, errors="coerce"))
    return out.astype("datetime64[us]")


def _norm_header(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).replace("\ufeff", "").strip().lower())


def _read_table(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV/XLSX file into raw cells; index = spreadsheet row number."""
    from ..core.ingest import read_bytes, read_table, xlsx_sheets

    file = path.name
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        raise ValueError(f"{file}: inventory must be .csv or .xlsx, got {suffix!r}")
    data = read_bytes(path, file)
    sheet = None
    if suffix in (".xlsx", ".xlsm"):
        sheets = xlsx_sheets(data, file)
        sheet = "inventory" if "inventory" in sheets else sheets[0]
    try:
        grid = read_table(path, data=data, label=file, sheet=sheet).grid()
    except ValidationError as exc:
        if any("empty" in p.expected for p in exc.problems):
            grid = pd.DataFrame()
        else:
            raise
    if grid.empty:
        exp = "a header row with the inventory columns (see inventory_template())"
        raise ValidationError([Problem(file, 1, None, None, exp)], what=file)
    grid.index = np.arange(1, len(grid) + 1)
    header = [_norm_header(h) if not _blank(pd.Series([h])).item() else "" for h in grid.iloc[0]]
    body = grid.iloc[1:]
    problems: list[Problem] = []
    keep = []
    seen: set[str] = set()
    for j, h in enumerate(header):
        if h == "":
            if not _blank(body.iloc[:, j]).all():
                problems.append(Problem(file, 1, None, None, f"a name for column {j + 1}"))
        elif h in seen:
            problems.append(Problem(file, 1, h, h, "each column name once"))
        else:
            seen.add(h)
            keep.append(j)
    body = body.iloc[:, keep]
    body.columns = [header[j] for j in keep]
    empty_row = pd.concat([_blank(body[c]) for c in body.columns], axis=1).all(axis=1)
    return body[~empty_row], problems


def _whole(s: pd.Series) -> pd.Series:
    """People counts: readable numbers that are whole; NaN otherwise."""
    x = _parse_number(s)
    return x.where(x % 1 == 0)


def inventory_schema(
    pyramid: Pyramid, domains: Sequence[str] | None = None, unit_id: str | None = None
) -> TableSchema:
    """The policy inventory's table schema: its columns, codes, dates, amounts and rules.

    Parameters
    ----------
    pyramid : Pyramid
        Supplies the layer ids (or names) ``reviewer_layer`` may use.
    domains : sequence of str, optional
        Allowed domain codes (default :data:`DOMAINS`).
    unit_id : str, optional
        When given, a ``unit_id`` column may only repeat it (or be blank).

    Examples
    --------
    >>> s = inventory_schema(load_pyramid())
    >>> s.names[:4]
    ['unit_id', 'initiative_id', 'name', 'description']
    >>> raw = pd.DataFrame({"unit_id": ["X"], "initiative_id": ["a"], "name": ["A"],
    ...     "target_group": ["everyone"], "security_aim": ["Y"], "timing": ["before"],
    ...     "domain": ["housing"], "budget_eur": ["12.500"]})
    >>> t = s.validate(raw, "inv.csv")
    >>> t.security_aim[0], float(t.budget_eur[0])
    ('yes', 12500.0)
    """
    domain_codes = tuple(DOMAINS) if domains is None else tuple(domains)
    req = "a value (required)"
    if unit_id is not None:
        unit = Column(
            "unit_id", "custom", required=False, nullable=True, parse=_text,
            expected=f"{unit_id!r} or blank", checks=((lambda u: u.ne(unit_id), f"{unit_id!r} or blank"),),
        )  # fmt: skip
    else:
        unit = Column("unit_id", "custom", parse=_text, expected="a unit id (e.g. BE212)")
    cols = [unit]
    for c in ("initiative_id", "name", "description", "lead_organisation", "partners"):
        required = COLUMNS[c][0]
        cols.append(Column(c, "custom", required=required, nullable=not required, parse=_text,
                           blank_expected=req))  # fmt: skip
    for c, vocab in [*_CODED.items(), ("domain", dict.fromkeys(domain_codes))]:
        cols.append(Column(
            c, "choice", choices=tuple(vocab), key=_code,
            aliases=_AIM_SYNONYMS if c == "security_aim" else None,
            expected="one of: " + ", ".join(vocab), blank_expected=req,
        ))  # fmt: skip
    date_exp = "a date YYYY-MM-DD (also YYYY-MM, YYYY, DD/MM/YYYY, DD.MM.YYYY) or blank"
    cols += [
        Column(c, "custom", required=False, nullable=True, parse=_parse_date, expected=date_exp)
        for c in ("start", "end")
    ]
    cols += [
        Column("budget_eur", "custom", required=False, nullable=True, parse=_parse_number,
               expected="an amount in euro (e.g. 12500 or 12500.50) or blank",
               checks=((lambda x: x < 0, "a non-negative amount in euro"),)),
        Column("reach", "custom", required=False, nullable=True, parse=_whole,
               expected="a whole number of people or blank",
               checks=((lambda x: x < 0, "a non-negative number of people"),)),
    ]  # fmt: skip
    lookup = {lid: lid for lid in pyramid.layer_ids}
    lookup |= {_norm_header(la.name): la.id for la in pyramid.layers}
    cols.append(Column(
        "reviewer_layer", "choice", required=False, nullable=True, choices=tuple(pyramid.layer_ids),
        key=_code, aliases=lookup,
        expected=f"a layer of {pyramid.name}: " + ", ".join(pyramid.layer_ids) + " (or blank)",
    ))  # fmt: skip
    after_start = Check(
        "end",
        lambda t: t["end"] < t["start"],
        lambda t: "a date on or after start " + t["start"].dt.strftime("%Y-%m-%d"),
    )
    return TableSchema(
        "policy inventory",
        cols,
        extra="keep",
        checks=[after_start],
        unique=[Unique("initiative_id", within=("unit_id",))],
    )


def _validate(
    raw: pd.DataFrame,
    file: str,
    *,
    unit_id: str | None,
    pyramid: Pyramid,
    domains: Sequence[str] | None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check and normalise an inventory against :func:`inventory_schema`; ``raw.index``
    holds spreadsheet row numbers."""
    raw = raw.copy()
    raw.columns = [_norm_header(c) for c in raw.columns]
    present = set(raw.columns)
    schema = inventory_schema(pyramid, domains, unit_id)
    missing = [c for c in _REQUIRED if c not in present]
    problems = [
        Problem(file, 1, c, None, f"a column {c!r} (required; see template)") for c in missing
    ]
    if unit_id is None and "unit_id" not in present:
        problems.append(Problem(file, 1, "unit_id", None, "a unit_id column or argument"))
        missing.append("unit_id")
    for c in schema.names:
        if c not in present:  # optional columns (and missing ones, reported above) as blanks
            raw[c] = pd.Series(pd.NA, index=raw.index, dtype=object)
    out = schema.validate(raw, file, rows=raw.index, raise_=False)
    problems += [p for p in schema.problems if p.column not in missing]
    if unit_id is not None:
        out["unit_id"] = pd.Series(unit_id, index=raw.index, dtype="string")
    col_order = ["unit_id", *COLUMNS]
    extras = [c for c in raw.columns if c not in col_order]
    order = {c: k for k, c in enumerate([*col_order, *extras])}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    out = out[[*col_order, *extras]].reset_index(drop=True)
    out["start"] = out["start"].astype("datetime64[us]")
    out["end"] = out["end"].astype("datetime64[us]")
    for c in ("budget_eur", "reach"):
        out[c] = out[c].astype(float)
    for c in [*col_order[:6], "target_group", "security_aim", "timing", "domain", "reviewer_layer"]:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out, problems


def _unit_from_stem(path: Path) -> str:
    return re.sub(r"[_-]?inventory$", "", path.stem, flags=re.IGNORECASE) or path.stem


def read_inventory(
    path: str | Path,
    unit_id: str | None = None,
    *,
    pyramid: str | Path | Pyramid = "partnership_4",
    domains: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a policy inventory (CSV or XLSX).

    CSV may use ``,`` or ``;`` (or tab) and be UTF-8 (with or without BOM), Windows-1252
    or Latin-1. XLSX is read from the sheet ``inventory`` (else the first sheet). Blank
    rows are skipped; extra columns are kept unchanged.

    Parameters
    ----------
    path : str or Path
    unit_id : str, optional
        Unit of every row. If omitted, a ``unit_id`` column is used when present, else the
        file name without ``_inventory`` (``BE212_inventory.csv`` -> ``BE212``).
    pyramid : str, Path or Pyramid
        Pyramid whose layer ids (or names) ``reviewer_layer`` may use.
    domains : sequence of str, optional
        Allowed domain codes (default :data:`DOMAINS`).

    Returns
    -------
    DataFrame
        One row per initiative: unit_id, the :data:`COLUMNS` (codes lower-case,
        ``start``/``end`` as datetimes, ``budget_eur``/``reach`` as floats) and any
        extra columns.

    Raises
    ------
    ValidationError
        With *every* problem: missing required columns (row ``None``), blank required
        cells, unknown codes, bad dates, end before start, negative or unreadable
        budgets and reach, duplicate initiative ids, unknown reviewer layers. Rows are as
        a spreadsheet shows them (header = 1).

    Examples
    --------
    >>> inv = read_inventory(_DEMO / "BE212_inventory.csv")  # a demo file of data/raw/orpheus
    >>> inv.unit_id.unique().tolist(), len(inv)
    (['BE212'], 16)
    """
    path = Path(path)
    raw, problems = _read_table(path)
    if unit_id is None and "unit_id" not in raw.columns:
        unit_id = _unit_from_stem(path)
    out, more = _validate(
        raw, path.name, unit_id=unit_id, pyramid=load_pyramid(pyramid), domains=domains
    )
    problems += more
    if problems:
        raise ValidationError(problems, what=path.name)
    return out


def read_inventories(
    paths: str | Path | Iterable[str | Path],
    *,
    pyramid: str | Path | Pyramid = "partnership_4",
    domains: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read several inventories (a list of files, or a folder's ``*_inventory.csv/.xlsx``).

    Problems of all files are collected into one :class:`ValidationError`.

    Examples
    --------
    >>> inv = read_inventories(_DEMO)  # every *_inventory.csv of the demo folder
    >>> inv.unit_id.unique().tolist()
    ['BE212', 'ES300', 'FI1B1', 'FRL03']
    """
    if isinstance(paths, (str, Path)) and Path(paths).is_dir():
        folder = Path(paths)
        files = sorted([*folder.glob("*_inventory.csv"), *folder.glob("*_inventory.xlsx")])
    elif isinstance(paths, (str, Path)):
        files = [Path(paths)]
    else:
        files = [Path(p) for p in paths]
    frames, problems = [], []
    for f in files:
        try:
            frames.append(read_inventory(f, pyramid=pyramid, domains=domains))
        except ValidationError as exc:
            problems += exc.problems
    if problems:
        raise ValidationError(problems, what=f"{len(files)} inventories")
    if not frames:
        raise ValueError(f"no inventory files found in {paths}")
    return pd.concat(frames, ignore_index=True)


def inventory_template(
    path: str | Path,
    *,
    pyramid: str | Path | Pyramid = "partnership_4",
    domains: Sequence[str] | None = None,
) -> Path:
    """Write an empty policy-inventory template (CSV or XLSX, chosen by suffix).

    Long because: the docstring documents both formats (27 lines); the code writes the header, one
    example row, the dropdowns and the help sheet in order.

    The CSV holds the header row (UTF-8 with BOM, so spreadsheet programs show accents).
    The XLSX has an ``inventory`` sheet with dropdowns (data validation) for the coded
    columns and non-negative number checks, a ``codes`` sheet listing every code with
    its meaning, and a ``columns`` sheet describing each column.

    Parameters
    ----------
    path : str or Path
        ``*.csv`` or ``*.xlsx``.
    pyramid : str, Path or Pyramid
        Supplies the ``reviewer_layer`` choices.
    domains : sequence of str, optional
        Domain codes offered (default :data:`DOMAINS`).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> p = inventory_template(Path(tempfile.mkdtemp()) / "my_city_inventory.csv")
    >>> p.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[:3]
    ['initiative_id', 'name', 'description']
    """
    path = Path(path)
    header = list(COLUMNS)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(header)
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be .csv or .xlsx, got {path.suffix!r}")
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    pyr = load_pyramid(pyramid)
    domain_codes = list(DOMAINS) if domains is None else list(domains)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "inventory"
    ws.append(header)
    for j, c in enumerate(header, start=1):
        ws.cell(row=1, column=j).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(j)].width = max(14, len(c) + 4)
    ws.freeze_panes = "A2"
    codes = wb.create_sheet("codes")
    lists = {
        "target_group": (list(TARGET_GROUPS), list(TARGET_GROUPS.values())),
        "security_aim": (list(SECURITY_AIMS), list(SECURITY_AIMS.values())),
        "timing": (list(TIMINGS), list(TIMINGS.values())),
        "domain": (domain_codes, [DOMAINS.get(d, d) for d in domain_codes]),
        "reviewer_layer": (pyr.layer_ids, [la.name for la in pyr.layers]),
    }
    last = 1000
    for k, (col, (vals, meanings)) in enumerate(lists.items()):
        cc, mc = get_column_letter(2 * k + 1), get_column_letter(2 * k + 2)
        codes[f"{cc}1"], codes[f"{mc}1"] = col, "meaning"
        codes[f"{cc}1"].font = Font(bold=True)
        for i, (v, m) in enumerate(zip(vals, meanings), start=2):
            codes[f"{cc}{i}"], codes[f"{mc}{i}"] = v, m
        target = get_column_letter(header.index(col) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"=codes!${cc}$2:${cc}${len(vals) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error=f"Choose a {col} code from the list (see sheet 'codes').",
        )
        dv.add(f"{target}2:{target}{last}")
        ws.add_data_validation(dv)
    for col, kind in (("budget_eur", "decimal"), ("reach", "whole")):
        target = get_column_letter(header.index(col) + 1)
        dv = DataValidation(
            type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        dv.error = "A number >= 0."
        dv.add(f"{target}2:{target}{last}")
        ws.add_data_validation(dv)
    for col in ("start", "end"):
        target = get_column_letter(header.index(col) + 1)
        for i in range(2, last + 1):
            ws[f"{target}{i}"].number_format = "yyyy-mm-dd"
    doc = wb.create_sheet("columns")
    doc.append(["column", "required", "description"])
    for c, (req, desc) in COLUMNS.items():
        doc.append([c, "yes" if req else "no", desc])
    doc.column_dimensions["A"].width = 18
    doc.column_dimensions["C"].width = 100
    wb.save(path)
    return path
