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
>>> fw = imeta_to_framework("iMeta.csv", id="tai", name="TAI")  # doctest: +SKIP
>>> data, fw, groups = read_coinr("iData.csv", "iMeta.csv")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem, ValidationError
from .framework import AGGREGATIONS, Framework
from .ingest import read_bytes, read_frame, write_csv, xlsx_sheets

__all__ = ["imeta_to_framework", "framework_to_imeta", "read_coinr", "write_coinr"]

_REQUIRED = ["iCode", "Level", "Direction", "Weight", "Parent", "Type"]
_TREE_TYPES = {"Indicator", "Aggregate"}
_OTHER_TYPES = {"Group", "Denominator", "Other"}
_IDATA_SPECIAL = {"uCode", "uName", "Time"}


def _read_table(obj: Any, sheet: str) -> tuple[pd.DataFrame, str]:
    if isinstance(obj, pd.DataFrame):
        return obj.copy(), sheet
    p = Path(obj)
    if p.suffix.lower() in (".xlsx", ".xls"):
        sheets = xlsx_sheets(read_bytes(p, p.name), p.name)  # bounded, located errors
        # the named sheet, else the only sheet of the workbook
        use = sheet if sheet in sheets else (sheets[0] if len(sheets) == 1 else None)
        if use is None:
            raise ValidationError(
                [Problem(p.name, None, None, ", ".join(sheets), f"a sheet named {sheet!r}")], p.name
            )
        return read_frame(p, p.name, sheet=use, infer=True), f"{p.name}!{use}"
    return read_frame(p, p.name, infer=True), p.name


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def check_imeta_rows(df: pd.DataFrame, fname: str) -> list[Problem]:
    """Located problems for a blank or non-numeric ``Level``, an infinite ``Weight`` and a
    ``Parent`` chain that loops (a cycle never reaches the index); an empty iMeta raises.

    Example
    -------
    >>> t = pd.DataFrame({"iCode": ["a", "b"], "Level": [2, "x"], "Direction": [1, 1],
    ...                   "Weight": [1, 1], "Parent": ["b", "a"], "Type": ["Aggregate"] * 2})
    >>> [(p.row, p.column) for p in check_imeta_rows(t, "iMeta.csv")]
    [(3, 'Level'), (2, 'Parent'), (3, 'Parent')]
    """
    if len(df) == 0:
        raise ValidationError(
            [Problem(fname, 2, None, None, "at least one row below the header (iMeta is empty)")],
            f"iMeta {fname}",
        )
    problems: list[Problem] = []
    for col, exp in (("Level", "a whole number >= 1"), ("Weight", "a finite number >= 0")):
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        if col == "Level":
            bad = ~np.isfinite(v) | (np.isfinite(v) & ((v != np.round(v)) | (v < 1)))
        else:  # NaN and negatives are reported with the tree checks below
            bad = np.isinf(v)
        for r in np.flatnonzero(bad):
            val = df.at[r, col]
            problems.append(Problem(fname, int(r) + 2, col, None if _blank(val) else val, exp))
    parent = {
        str(code): (None if _blank(par) else str(par))
        for code, par in zip(df["iCode"], df["Parent"])
    }
    row_of = {str(code): int(r) + 2 for r, code in enumerate(df["iCode"])}
    in_cycle: set[str] = set()
    for start in parent:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node in parent and node not in seen:
            seen.append(node)
            node = parent[node]
        if node is not None and node in seen:
            in_cycle.update(seen[seen.index(node) :])
    for code in sorted(in_cycle, key=lambda c: row_of[c]):
        problems.append(
            Problem(
                fname,
                row_of[code],
                "Parent",
                parent[code],
                "a parent chain that ends at the index (this one loops back on itself)",
            )
        )
    return problems


def imeta_to_framework(
    imeta: pd.DataFrame | str | Path,
    id: str = "coinr",
    name: str | None = None,
    version: str = "1.0.0",
    description: str = "Imported from a COINr iMeta table.",
    indicator_type: str = "continuous",
    levels: tuple[str, ...] = ("city",),
    dataset: str = "COINr iData",
) -> Framework:
    """Build a :class:`~urbansec_lib.framework.Framework` from a COINr ``iMeta`` table.

    The single aggregate without a parent is the index. Indicators get the measurement
    type ``indicator_type``, source ``{"kind": "statistic", "dataset": dataset}`` and
    territorial ``levels``; ``Unit``, ``Target``, ``Denominator`` and ``Aggregation``
    columns are used when present.

    Raises
    ------
    ValidationError
        Every problem with its row (header = row 1): missing columns, duplicate codes,
        unknown parents, a parent that is an indicator, directions other than +-1,
        negative weights, unknown types, more or less than one root, level mismatches.
    """
    df, fname = _read_table(imeta, "iMeta")
    problems: list[Problem] = []
    for c in _REQUIRED:
        if c not in df.columns:
            problems.append(Problem(fname, None, c, None, f"a column {c!r}"))
    if problems:
        raise ValidationError(problems, f"iMeta {fname}")
    df = df.reset_index(drop=True)
    problems += check_imeta_rows(df, fname)
    types = df["Type"].astype(str)
    for r in np.flatnonzero(~types.isin(_TREE_TYPES | _OTHER_TYPES)):
        problems.append(
            Problem(
                fname,
                r + 2,
                "Type",
                df.at[r, "Type"],
                "Indicator, Aggregate, Group, Denominator or Other",
            )
        )
    tree = df[types.isin(_TREE_TYPES)]
    seen: dict[str, int] = {}
    for r, code in zip(tree.index, tree["iCode"]):
        if code in seen:
            problems.append(
                Problem(fname, r + 2, "iCode", code, f"a unique code (also in row {seen[code]})")
            )
        else:
            seen[code] = r + 2
    kind = dict(zip(tree["iCode"], tree["Type"]))
    roots = []
    for r in tree.index:
        row = df.loc[r]
        par = row["Parent"]
        try:
            dv = float(row["Direction"])
        except (TypeError, ValueError):
            dv = np.nan
        if dv not in (1.0, -1.0):
            problems.append(Problem(fname, r + 2, "Direction", row["Direction"], "1 or -1"))
        try:
            wv = float(row["Weight"])
        except (TypeError, ValueError):
            wv = np.nan
        if not (wv >= 0):
            problems.append(Problem(fname, r + 2, "Weight", row["Weight"], "a number >= 0"))
        if _blank(par):
            if row["Type"] == "Indicator":
                problems.append(
                    Problem(fname, r + 2, "Parent", None, "the code of the indicator's aggregate")
                )
            else:
                roots.append(r)
        elif par not in kind:
            problems.append(Problem(fname, r + 2, "Parent", par, "the iCode of an aggregate"))
        elif kind[par] != "Aggregate":
            problems.append(
                Problem(fname, r + 2, "Parent", par, "an aggregate (it is an indicator)")
            )
        if "Aggregation" in df.columns and row["Type"] == "Aggregate":
            ag = row["Aggregation"]
            if not _blank(ag) and ag not in AGGREGATIONS:
                problems.append(
                    Problem(fname, r + 2, "Aggregation", ag, f"one of {', '.join(AGGREGATIONS)}")
                )
    if len(roots) != 1:
        problems.append(
            Problem(
                fname,
                None,
                "Parent",
                len(roots),
                "exactly one aggregate without a parent (the index)",
            )
        )
    if problems:
        raise ValidationError(problems, f"iMeta {fname}")

    def opt(row: pd.Series, col: str) -> Any:
        if col not in row.index or _blank(row[col]):
            return None
        return row[col]

    rows = {code: df.loc[r] for r, code in zip(tree.index, tree["iCode"])}
    kids: dict[str, list[str]] = {c: [] for c in rows}
    for code, row in rows.items():
        if not _blank(row["Parent"]):
            kids[row["Parent"]].append(code)

    def ind_dict(code: str) -> dict:
        row = rows[code]
        d = {
            "id": code,
            "label": str(opt(row, "iName") or code),
            "definition": str(opt(row, "iName") or code),
            "type": indicator_type,
            "direction": int(float(row["Direction"])),
            "unit": str(opt(row, "Unit") or "unspecified"),
            "source": {"kind": "statistic", "dataset": dataset},
            "levels": list(levels),
            "nature": "objective",
            "frequency": "unspecified",
            "indices": [],
            "weight": float(row["Weight"]),
        }
        if opt(row, "Target") is not None:
            d["target"] = float(row["Target"])
        if opt(row, "Denominator") is not None:
            d["denominator"] = str(row["Denominator"])
        return d

    def dim_dict(code: str) -> dict:
        row = rows[code]
        d: dict[str, Any] = {
            "id": code,
            "label": str(opt(row, "iName") or code),
            "description": str(opt(row, "iName") or code),
            "weight": float(row["Weight"]),
            "direction": int(float(row["Direction"])),
            "aggregation": str(opt(row, "Aggregation") or "arithmetic"),
        }
        ch = [c for c in kids[code] if rows[c]["Type"] == "Aggregate"]
        ii = [c for c in kids[code] if rows[c]["Type"] == "Indicator"]
        if ch:
            d["children"] = [dim_dict(c) for c in ch]
        if ii:
            d["indicators"] = [ind_dict(c) for c in ii]
        return d

    root = str(tree.loc[roots[0], "iCode"])
    rrow = rows[root]
    doc = {
        "framework": {
            "id": id,
            "name": name or str(opt(rrow, "iName") or root),
            "version": version,
            "description": description,
            "index": {
                "id": root,
                "label": str(opt(rrow, "iName") or root),
                "aggregation": str(opt(rrow, "Aggregation") or "arithmetic"),
            },
            "changelog": [{"version": version, "date": "", "changes": f"imported from {fname}"}],
        },
        "dimensions": [dim_dict(c) for c in kids[root] if rows[c]["Type"] == "Aggregate"],
    }
    stray = [c for c in kids[root] if rows[c]["Type"] == "Indicator"]
    if stray:
        raise ValidationError(
            [
                Problem(
                    fname,
                    seen[c],
                    "Parent",
                    root,
                    "an aggregate below the index (COINr: indicators sit in aggregates)",
                )
                for c in stray
            ],
            f"iMeta {fname}",
        )
    fw = Framework.from_dict(doc, source=fname)
    meta = fw.meta().set_index("iCode")["Level"]
    lv = [
        Problem(fname, seen[c], "Level", rows[c]["Level"], f"level {meta[c]} (from the tree)")
        for c in rows
        if int(float(rows[c]["Level"])) != int(meta[c])
    ]
    if lv:
        raise ValidationError(lv, f"iMeta {fname}")
    return fw


def framework_to_imeta(fw: Framework) -> pd.DataFrame:
    """The framework as a COINr ``iMeta`` table (the index row has an empty Parent)."""
    meta = fw.meta()
    units = {i.id: i.unit for i in fw.indicators}
    meta["Unit"] = meta["iCode"].map(units)
    cols = [
        "iCode",
        "iName",
        "Level",
        "Direction",
        "Weight",
        "Parent",
        "Type",
        "Aggregation",
        "Denominator",
        "Target",
        "Unit",
    ]
    return meta[cols]


def read_coinr(
    idata_path: str | Path | pd.DataFrame, imeta_path: str | Path | pd.DataFrame, **kw: Any
) -> tuple[pd.DataFrame, Framework, pd.DataFrame]:
    """Read COINr ``iData`` + ``iMeta`` -> ``(tidy data, framework, groups)``.

    Tidy data has ``unit_id`` (= uCode), ``indicator_id``, ``period`` (= Time, 0 when
    absent), ``value``; ``groups`` has ``unit_id``, ``uName`` and every ``Group_*``
    column. ``kw`` goes to :func:`imeta_to_framework`.

    Raises
    ------
    ValidationError
        Unknown iData columns, missing uCode, non-numeric indicator cells, indicators of
        iMeta missing from iData, duplicated uCode/Time rows.
    """
    fw = imeta_to_framework(imeta_path, **kw)
    idata, fname = _read_table(idata_path, "iData")
    problems: list[Problem] = []
    codes = [i.id for i in fw.indicators]
    meta, _ = _read_table(imeta_path, "iMeta")
    other = set(meta.loc[meta["Type"].isin(_OTHER_TYPES), "iCode"]) if "Type" in meta else set()
    if "uCode" not in idata.columns:
        problems.append(Problem(fname, None, "uCode", None, "a column 'uCode'"))
    for c in idata.columns:
        if c in _IDATA_SPECIAL or c in codes or c in other or str(c).startswith("Group_"):
            continue
        problems.append(
            Problem(
                fname, None, str(c), None, "an iMeta code, uCode, uName, Time or a Group_ column"
            )
        )
    for c in codes:
        if c not in idata.columns:
            problems.append(Problem(fname, None, c, None, f"a column for indicator {c}"))
    if problems:
        raise ValidationError(problems, f"iData {fname}")
    idata = idata.reset_index(drop=True)
    keys = ["uCode"] + (["Time"] if "Time" in idata.columns else [])
    for r in np.flatnonzero(idata.duplicated(keys).to_numpy()):
        problems.append(
            Problem(
                fname,
                r + 2,
                "uCode",
                idata.at[r, "uCode"],
                "one row per uCode" + (" and Time" if "Time" in keys else ""),
            )
        )
    for r in np.flatnonzero(idata["uCode"].isna().to_numpy()):
        problems.append(Problem(fname, r + 2, "uCode", None, "a unit code"))
    for c in codes:
        num = pd.to_numeric(idata[c], errors="coerce")
        bad = (num.isna() & idata[c].notna()) | np.isinf(num.astype(float))
        for r in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(fname, r + 2, c, idata.at[r, c], "a finite number"))
    if problems:
        raise ValidationError(problems, f"iData {fname}")
    period = idata["Time"] if "Time" in idata.columns else pd.Series(0, index=idata.index)
    long = idata[codes].apply(pd.to_numeric).assign(unit_id=idata["uCode"], period=period)
    tidy = long.melt(id_vars=["unit_id", "period"], var_name="indicator_id", value_name="value")
    tidy = tidy[["unit_id", "indicator_id", "period", "value"]]
    gcols = ["uName"] if "uName" in idata.columns else []
    gcols += [c for c in idata.columns if str(c).startswith("Group_")]
    groups = idata[["uCode"] + gcols].drop_duplicates("uCode").rename(columns={"uCode": "unit_id"})
    return tidy.reset_index(drop=True), fw, groups.reset_index(drop=True)


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
