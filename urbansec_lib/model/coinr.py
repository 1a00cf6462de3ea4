"""Interoperability with COINr (JRC): the ``iMeta`` and ``iData`` tables.

COINr describes an index with two tables:

``iMeta``
    one row per indicator and aggregate: ``iCode, iName, Level, Direction, Weight,
    Parent, Type`` (``Indicator`` / ``Aggregate``; ``Group``, ``Denominator`` and
    ``Other`` rows are not part of the tree), optional ``Unit``, ``Target``; urbansec
    also reads/writes ``Aggregation`` and ``Denominator``.
``iData``
    one row per unit (and time): ``uCode, uName, Time``, group columns ``Group_*``,
    one column per indicator (and denominators).

Example
-------
>>> import tempfile
>>> import pandas as pd
>>> from urbansec_lib.model.framework import load_framework
>>> fw = load_framework()
>>> tidy = pd.DataFrame({"unit_id": "A", "indicator_id": [i.id for i in fw.indicators],
...     "value": 1.0})
>>> idata, imeta = write_coinr(tidy, fw, tempfile.mkdtemp())  # iData.csv, iMeta.csv
>>> data, fw2, groups = read_coinr(idata, imeta)
>>> len(data) == len(fw.indicators), [d.id for d in fw2.dimensions] == [d.id for d in fw.dimensions]
(True, True)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import check_xlsx, read_bytes, write_csv
from ..core.schema import Column, TableSchema, Unique
from .framework import Framework, imeta_to_framework
from .imeta import _blank, _read_table, framework_to_imeta

__all__ = [
    "CoinrTables",
    "export_to_excel",
    "framework_to_imeta",
    "imeta_to_framework",
    "read_coin_tool",
    "read_coinr",
    "write_coinr",
]

_OTHER_TYPES = {"Group", "Denominator", "Other"}


class CoinrTables(tuple):
    """What :func:`read_coinr` returns: unpacks as ``(data, fw, groups)``.

    Attributes
    ----------
    data : DataFrame
        Tidy ``unit_id, indicator_id, period, value``.
    fw : Framework
    groups : DataFrame
        ``unit_id``, ``uName`` and every group column (iMeta ``Type = Group`` or a
        ``Group_*`` column).
    denominators : DataFrame
        ``unit_id``, ``period`` and one column per denominator (iMeta
        ``Type = Denominator``), the form ``score(denominators=...)`` takes; empty
        columns when iMeta declares none.

    Examples
    --------
    >>> import pandas as pd
    >>> from urbansec_lib.model.imeta import example_imeta
    >>> meta = example_imeta()
    >>> data = pd.DataFrame({"uCode": ["A", "B"], "uName": ["A", "B"], "x1": [1, 2], "x2": [3, 4]})
    >>> t = read_coinr(data, meta)
    >>> data_tidy, fw, groups = t
    >>> data_tidy.shape, [i.id for i in fw.indicators], t.denominators.columns.tolist()
    ((4, 4), ['x1', 'x2'], ['unit_id', 'period'])
    """

    data: pd.DataFrame
    fw: Framework
    groups: pd.DataFrame
    denominators: pd.DataFrame

    def __new__(cls, data, fw, groups, denominators):  # noqa: D102
        obj = super().__new__(cls, (data, fw, groups))
        obj.data, obj.fw, obj.groups, obj.denominators = data, fw, groups, denominators
        return obj


def _finite(s: pd.Series) -> pd.Series:
    """Numbers (text or numeric cells); NaN where unreadable or infinite."""
    x = pd.to_numeric(s, errors="coerce").astype(float)
    return x.where(np.isfinite(x))


def idata_schema(fw: Framework, meta: pd.DataFrame, found: Sequence[Any] = ()) -> TableSchema:
    """The table schema of a COINr ``iData`` table for framework ``fw`` and its ``iMeta``.

    As COINr 1.x, iMeta's ``Type`` gives the roles: ``Group`` rows (and any ``Group_*``
    column of ``found``) are group labels, ``Denominator`` rows finite numbers, other
    non-indicator types are kept unchecked; every indicator needs a column of finite
    numbers (blanks allowed); ``uCode`` (and ``Time`` when present) identify a row once.

    Examples
    --------
    >>> meta = pd.DataFrame({"iCode": ["idx", "d1", "x1"], "Level": [3, 2, 1],
    ...     "Direction": [1, 1, 1], "Weight": [1, 1, 1], "Parent": [None, "idx", "d1"],
    ...     "Type": ["Aggregate", "Aggregate", "Indicator"]})
    >>> s = idata_schema(imeta_to_framework(meta), meta)
    >>> s.names
    ['uCode', 'uName', 'Time', 'x1']
    """
    types = meta["Type"].astype(str) if "Type" in meta else pd.Series("", index=meta.index)
    by_type = {t: [c for c in meta.loc[types == t, "iCode"]] for t in ("Group", "Denominator")}
    other = [c for c in meta.loc[types == "Other", "iCode"]]
    groups = [*by_type["Group"], *(str(c) for c in found if str(c).startswith("Group_"))]
    cols = [
        Column("uCode", blank_expected="a unit code"),
        Column("uName", required=False, nullable=True),
        Column("Time", "custom", required=False, nullable=True, parse=lambda s: s),
    ]
    cols += [Column(g, required=False, nullable=True, expected="a group label")
             for g in dict.fromkeys(groups)]  # fmt: skip
    num = {"kind": "custom", "nullable": True, "parse": _finite, "expected": "a finite number"}
    cols += [Column(c, required=False, **num) for c in by_type["Denominator"]]
    cols += [Column(c, "custom", required=False, nullable=True, parse=lambda s: s) for c in other]
    cols += [Column(i.id, **num) for i in fw.indicators]
    cols = list({c.name: c for c in reversed(cols)}.values())[::-1]  # a name once: the first
    time = ("Time",) if "Time" in found else ()
    once = "one row per uCode" + (" and Time" if time else "")
    return TableSchema(
        "iData",
        cols,
        extra="error",
        unique=[Unique("uCode", within=time, expected=once)],
        extra_expected="an iMeta code, uCode, uName, Time or a Group_ column",
    )


def read_coinr(
    idata_path: str | Path | pd.DataFrame, imeta_path: str | Path | pd.DataFrame, **kw: Any
) -> CoinrTables:
    """Read COINr ``iData`` + ``iMeta`` -> ``(tidy data, framework, groups)``.

    As COINr 1.x does, the roles of iData's columns come from iMeta's ``Type``: group
    columns are the ``Type = Group`` rows (any name; ``Group_*`` columns are also
    accepted as groups), denominators the ``Type = Denominator`` rows. Tidy data has
    ``unit_id`` (= uCode), ``indicator_id``, ``period`` (= Time, 0 when absent),
    ``value``. The result unpacks as ``data, fw, groups``; the denominators are on its
    ``.denominators`` attribute (see :class:`CoinrTables`). ``kw`` goes to
    :func:`imeta_to_framework`.

    Raises
    ------
    ValidationError
        Unknown iData columns, missing uCode, non-numeric indicator or denominator
        cells, indicators of iMeta missing from iData, duplicated uCode/Time rows.

    Example
    -------
    >>> meta = pd.DataFrame({"iCode": ["idx", "d", "x1", "x2", "pop"],
    ...     "Level": [3, 2, 1, 1, None], "Direction": [1, 1, 1, 1, None],
    ...     "Weight": [1, 1, 1, 1, None], "Parent": [None, "idx", "d", "d", None],
    ...     "Type": ["Aggregate", "Aggregate", "Indicator", "Indicator", "Denominator"]})
    >>> idata = pd.DataFrame({"uCode": ["A", "B"], "x1": [1, 2], "x2": [3, None],
    ...     "pop": [10, 20]})
    >>> data, fw, groups = read_coinr(idata, meta)
    >>> data["value"].tolist(), read_coinr(idata, meta).denominators["pop"].tolist()
    ([1.0, 2.0, 3.0, nan], [10.0, 20.0])
    """
    fw = imeta_to_framework(imeta_path, **kw)
    idata, fname = _read_table(idata_path, "iData")
    meta, _ = _read_table(imeta_path, "iMeta")
    schema = idata_schema(fw, meta, idata.columns)
    codes = [i.id for i in fw.indicators]
    present = set(idata.columns)
    group_codes = [c.name for c in schema.columns if c.expected == "a group label"]
    group_codes = [c for c in group_codes if c in present]
    den_codes = [c.name for c in schema.columns if c.expected == "a finite number"]
    den_codes = [c for c in den_codes if c in present and c not in codes]
    try:
        idata = schema.validate(idata.reset_index(drop=True), fname, raise_=False)
    except ValidationError as exc:
        raise ValidationError(exc.problems, f"iData {fname}") from None
    if schema.problems:
        raise ValidationError(schema.problems, f"iData {fname}")
    period = idata["Time"] if "Time" in idata.columns else pd.Series(0, index=idata.index)
    long = idata[codes].astype(float).assign(unit_id=idata["uCode"], period=period)
    tidy = long.melt(id_vars=["unit_id", "period"], var_name="indicator_id", value_name="value")
    tidy = tidy[["unit_id", "indicator_id", "period", "value"]]
    gcols = ["uName"] if "uName" in idata.columns else []
    gcols += group_codes
    groups = idata[["uCode"] + gcols].drop_duplicates("uCode").rename(columns={"uCode": "unit_id"})
    den = idata[den_codes].astype(float) if den_codes else pd.DataFrame(index=idata.index)
    den.insert(0, "period", period.to_numpy())
    den.insert(0, "unit_id", idata["uCode"].to_numpy())
    return CoinrTables(
        tidy.reset_index(drop=True), fw, groups.reset_index(drop=True), den.reset_index(drop=True)
    )


def write_coinr(
    data_tidy: pd.DataFrame,
    fw: Framework,
    dir: str | Path,
    fmt: str = "csv",
    groups: pd.DataFrame | None = None,
) -> list[Path]:
    """Write tidy data + framework as COINr ``iData`` / ``iMeta`` (CSV files or one XLSX).

    ``Time`` is written when the data has more than one period. Returns the written paths
    (``iData.csv`` + ``iMeta.csv``, or ``coinr.xlsx`` with sheets iData and iMeta).

    Examples
    --------
    >>> import pandas as pd
    >>> from urbansec_lib.model.imeta import example_imeta
    >>> meta = example_imeta()
    >>> import tempfile
    >>> fw = imeta_to_framework(meta)
    >>> tidy = pd.DataFrame({"unit_id": ["A", "A"], "indicator_id": ["x1", "x2"], "value": [1.0, 2.0]})
    >>> [p.name for p in write_coinr(tidy, fw, tempfile.mkdtemp())]
    ['iData.csv', 'iMeta.csv']
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError("fmt must be 'csv' or 'xlsx'")
    out = Path(dir)
    out.mkdir(parents=True, exist_ok=True)
    df = data_tidy.copy()
    if "period" not in df.columns:
        df["period"] = 0
    codes = [i.id for i in fw.indicators]
    wide = (
        df.pivot_table(
            index=["unit_id", "period"], columns="indicator_id", values="value", dropna=False
        )
        .reindex(columns=codes)
        .reset_index()
    )
    wide.columns.name = None
    wide = wide.rename(columns={"unit_id": "uCode", "period": "Time"})
    if df["period"].nunique() <= 1:
        wide = wide.drop(columns="Time")
    if groups is not None:
        g = groups.rename(columns={"unit_id": "uCode"})
        wide = wide.merge(g, on="uCode", how="left")
    if "uName" not in wide.columns:
        wide.insert(1, "uName", wide["uCode"])
    front = ["uCode", "uName"] + (["Time"] if "Time" in wide.columns else [])
    gcols = [c for c in wide.columns if str(c).startswith("Group_")]
    wide = wide[front + gcols + codes]
    imeta = framework_to_imeta(fw)
    if fmt == "csv":
        p1, p2 = out / "iData.csv", out / "iMeta.csv"
        write_csv(wide, p1)
        write_csv(imeta, p2)
        return [p1, p2]
    p = out / "coinr.xlsx"
    with pd.ExcelWriter(p) as xw:
        wide.to_excel(xw, sheet_name="iData", index=False)
        imeta.to_excel(xw, sheet_name="iMeta", index=False)
    return [p]


def _sheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(
                lambda v: v if isinstance(v, (str, int, float, type(None))) else str(v)
            )
    return out


def export_to_excel(prof: Any, path: str | Path, analysis: dict | None = None) -> Path:
    """Write a whole profile to one XLSX workbook, as COINr's ``export_to_excel``.

    Sheets: ``iMeta`` (the framework as COINr metadata), one sheet per stage data set
    (``Data_Raw``, ``Data_Denominated``, ... ``Data_Aggregated``: uCode, Time and one
    column per indicator / aggregate), ``Weights`` (effective weights), ``Coverage``,
    ``Screening`` and ``Treatment`` (what those stages did), ``Log`` (every step and
    parameter) and one sheet per entry of ``analysis`` (e.g. a coherence table,
    ``{"Cronbach": df}``). Sheet names are cut at Excel's 31 characters.

    Example
    -------
    >>> import tempfile, openpyxl
    >>> from urbansec_lib.engine.scoring import example_data, score
    >>> from urbansec_lib.model.framework import load_framework
    >>> fw = load_framework()
    >>> prof = score(example_data(fw), fw)
    >>> p = export_to_excel(prof, Path(tempfile.mkdtemp()) / "coin_export.xlsx")
    >>> openpyxl.load_workbook(p, read_only=True).sheetnames[:2]
    ['iMeta', 'Data_Raw']
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        framework_to_imeta(prof.framework).to_excel(xw, sheet_name="iMeta", index=False)
        for name, d in prof.dsets.items():
            w = d.reset_index().rename(columns={"unit_id": "uCode", "period": "Time"})
            w.to_excel(xw, sheet_name=f"Data_{name}"[:31], index=False)
        prof.effective_weights.to_excel(xw, sheet_name="Weights", index=False)
        prof.coverage.to_excel(xw, sheet_name="Coverage", index=False)
        _sheet_safe(prof.screen_report).to_excel(xw, sheet_name="Screening", index=False)
        _sheet_safe(prof.treat_report).to_excel(xw, sheet_name="Treatment", index=False)
        log = pd.DataFrame(
            [
                {"step": e.get("step"), "parameter": k, "value": str(v)[:32000]}
                for e in prof.log
                for k, v in e.items()
                if k != "step"
            ]
        )
        log.to_excel(xw, sheet_name="Log", index=False)
        for name, t in (analysis or {}).items():
            _sheet_safe(pd.DataFrame(t)).to_excel(xw, sheet_name=str(name)[:31], index=False)
    return p


#: Aggregate-code prefixes of the COIN Tool levels, lowest first, and the Database rows
#: (1-based, as Excel shows them) holding each indicator's code at that level.
_CT_LEVELS = (("sp.", 14), ("p.", 13), ("si.", 12), ("Index", 11))


def read_coin_tool(path: str | Path, **kw: Any) -> CoinrTables:
    """Read a JRC COIN Tool (Excel) input workbook, as COINr's ``import_coin_tool``.

    Long because: it follows the COIN Tool's fixed sheet layout cell by cell, as COINr's
    import_coin_tool does, so that the two can be read side by side.

    Supported layout (COIN Tool v1, the one COINr 1.1.14 reads):

    sheet ``Database``
        from column E, one column per indicator: row 7 weight, 8 direction, 9 lower and
        10 upper goalpost, 11-14 the codes of the indicator's index / sub-index
        (``si.*``) / pillar (``p.*``) / sub-pillar (``sp.*``), 15 name, 16 code; from
        row 17 one row per unit: B name, C code, values from E (``n/a`` = missing).
        A level whose code is the same for every indicator is unused and dropped.
    sheet ``Framework``
        rows 5-52: C the aggregate code (``--`` = unused), E its weight, H its name.

    Returns the same as :func:`read_coinr`. Codes become identifiers (``Ind.01`` ->
    ``Ind_01``, ``p.01`` -> ``p_01``); the goalposts are kept in the iMeta passed on
    but not used. ``kw`` goes to :func:`imeta_to_framework`.

    Raises
    ------
    ValidationError
        Unreadable workbook, missing sheets, no indicators or units, unknown codes.

    Example
    -------
    >>> data, fw, groups = read_coin_tool("coin_tool.xlsx")  # doctest: +SKIP

    (Skipped: it needs a COIN Tool workbook; tests/test_coinr_parity.py reads one.)
    """
    p = Path(path)
    data = read_bytes(p, p.name)
    check_xlsx(data, p.name)  # zip bomb / uncalculated formula -> located error first
    try:
        book = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is a located error
        raise ValidationError(
            [Problem(p.name, None, None, type(exc).__name__, "a readable COIN Tool workbook")],
            p.name,
        ) from None
    problems = [
        Problem(p.name, None, None, s, f"a sheet named {s!r}")
        for s in ("Database", "Framework")
        if s not in book
    ]
    if problems:
        raise ValidationError(problems, p.name)
    db = book["Database"].reindex(index=range(max(len(book["Database"]), 17)))
    db = db.reindex(columns=range(max(db.shape[1], 5)))

    def cell(r: int, c: int) -> Any:
        return db.iat[r - 1, c]

    ind_cols = [c for c in range(4, db.shape[1]) if not _blank(cell(16, c))]
    unit_rows = [r for r in range(17, db.shape[0] + 1) if not _blank(cell(r, 2))]
    if not ind_cols:
        problems.append(Problem(f"{p.name}!Database", 16, "E", None, "indicator codes"))
    if not unit_rows:
        problems.append(Problem(f"{p.name}!Database", 17, "C", None, "unit codes"))
    if problems:
        raise ValidationError(problems, p.name)
    codes = [str(cell(16, c)).strip() for c in ind_cols]
    used = []
    for prefix, row in _CT_LEVELS:
        vals = [str(cell(row, c)).strip() for c in ind_cols]
        if prefix == "Index" or len(set(vals)) > 1:
            used.append((prefix, vals))
    level_of = {prefix: i + 2 for i, (prefix, _) in enumerate(used)}

    def num(v: Any) -> float:
        try:
            return float(v)
        except (TypeError, ValueError):
            return np.nan

    rows = []
    for j, c in enumerate(ind_cols):
        rows.append(
            {
                "iCode": codes[j],
                "iName": str(cell(15, c)),
                "Level": 1,
                "Direction": num(cell(8, c)),
                "Weight": num(cell(7, c)),
                "Parent": used[0][1][j] if len(used) > 1 else "Index",
                "Type": "Indicator",
                "GPlower": num(cell(9, c)),
                "GPupper": num(cell(10, c)),
            }
        )
    fr = book["Framework"]
    parents: dict[str, str] = {}
    for li in range(len(used) - 1):
        for child, par in zip(used[li][1], used[li + 1][1]):
            parents[child] = par
    for r in range(4, min(len(fr), 52)):
        code = fr.iat[r, 2] if fr.shape[1] > 2 else None
        if _blank(code) or str(code).strip() == "--":
            continue
        code = str(code).strip()
        prefix = next((pr for pr, _ in used if code.startswith(pr)), None)
        if prefix is None:
            continue  # a level the workbook does not use
        rows.append(
            {
                "iCode": code,
                "iName": str(fr.iat[r, 7]) if fr.shape[1] > 7 else code,
                "Level": level_of[prefix],
                "Direction": 1,
                "Weight": num(fr.iat[r, 4]) if fr.shape[1] > 4 else 1.0,
                "Parent": parents.get(code) if prefix != "Index" else None,
                "Type": "Aggregate",
            }
        )
    imeta = pd.DataFrame(rows)
    # urbansec ids are identifiers: the COIN Tool's "Ind.01", "p.01" become "Ind_01", "p_01"
    for col in ("iCode", "Parent"):
        imeta[col] = imeta[col].map(lambda v: v.replace(".", "_") if isinstance(v, str) else v)
    codes = [c.replace(".", "_") for c in codes]
    idata = pd.DataFrame(
        {
            "uName": [str(cell(r, 1)) for r in unit_rows],
            "uCode": [str(cell(r, 2)).strip() for r in unit_rows],
        }
    )
    for j, c in enumerate(ind_cols):
        idata[codes[j]] = [num(cell(r, c)) for r in unit_rows]
    kw.setdefault("dataset", f"COIN Tool {p.name}")
    out = read_coinr(idata, imeta, **kw)
    return out
