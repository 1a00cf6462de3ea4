"""COINr's ``iMeta`` table, the framework's table form: read into a framework document,
checked row by row, and written from a framework.

This module needs nothing of the framework classes: :func:`imeta_document` returns the
document :meth:`urbansec_lib.framework.Framework.from_dict` builds, and
:func:`framework_to_imeta` reads only a framework's ``meta()`` and nodes.

Example
-------
>>> meta = pd.DataFrame({"iCode": ["idx", "d1", "x1"], "Level": [3, 2, 1],
...     "Direction": [1, 1, 1], "Weight": [1, 1, 1], "Parent": [None, "idx", "d1"],
...     "Type": ["Aggregate", "Aggregate", "Indicator"]})
>>> doc, fname, rows, seen = imeta_document(meta)
>>> doc["framework"]["index"]["id"], sorted(rows)
('idx', ['d1', 'idx', 'x1'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_bytes, read_frame, xlsx_sheets
from .nodes import AGGREGATIONS

# ------------------------------------------------------------------ COINr iMeta tables
# The framework's table form (COINr's iMeta): read and written here, with the model, so
# that Framework.from_coinr / to_coinr need nothing above this module (urbansec_lib.coinr
# adds the data tables, the COIN Tool workbook and the Excel export).
_REQUIRED = ["iCode", "Level", "Direction", "Weight", "Parent", "Type"]
_TREE_TYPES = {"Indicator", "Aggregate"}
_OTHER_TYPES = {"Group", "Denominator", "Other"}


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
            # COINr 1.x: Group / Denominator / Other rows carry no level
            tree = (
                df["Type"].astype(str).isin(["Indicator", "Aggregate"]).to_numpy()
                if "Type" in df
                else np.ones(len(df), dtype=bool)
            )
            bad = tree & (~np.isfinite(v) | (np.isfinite(v) & ((v != np.round(v)) | (v < 1))))
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


def example_imeta() -> pd.DataFrame:
    """A small COINr ``iMeta`` table: an index over one aggregate of two indicators (one
    with direction -1), for examples and tests.

    Examples
    --------
    >>> example_imeta()[["iCode", "Level"]].values.tolist()
    [['idx', 3], ['d1', 2], ['x1', 1], ['x2', 1]]
    """
    return pd.DataFrame(
        {
            "iCode": ["idx", "d1", "x1", "x2"],
            "Level": [3, 2, 1, 1],
            "Direction": [1, 1, 1, -1],
            "Weight": [1, 1, 1, 1],
            "Parent": [None, "idx", "d1", "d1"],
            "Type": ["Aggregate", "Aggregate", "Indicator", "Indicator"],
        }
    )


def imeta_document(
    imeta: pd.DataFrame | str | Path,
    id: str = "coinr",
    name: str | None = None,
    version: str = "1.0.0",
    description: str = "Imported from a COINr iMeta table.",
    indicator_type: str = "continuous",
    levels: tuple[str, ...] = ("city",),
    dataset: str = "COINr iData",
) -> tuple[dict, str, dict, dict]:
    """The framework document (as its YAML would hold it) of a COINr ``iMeta`` table,
    with the table's rows by code and their spreadsheet rows (for :func:`check_levels`).

    Long because: the whole-table checks (columns, types, unique codes, one root) run before
    the document is built, in the order COINr reports them.

    :func:`urbansec_lib.framework.imeta_to_framework` builds the framework from it; its
    docstring lists the columns read and the problems reported.

    Examples
    --------
    >>> import pandas as pd
    >>> meta = example_imeta()
    >>> doc, fname, rows, seen = imeta_document(meta)
    >>> [d["id"] for d in doc["dimensions"]], seen["x2"]
    (['d1'], 5)
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
        if opt(row, "Normalisation") is not None:
            # per-indicator normalisation: a method name, goalposts from GPlower/GPupper
            nd: dict[str, Any] = {"method": str(row["Normalisation"])}
            if opt(row, "GPlower") is not None and opt(row, "GPupper") is not None:
                nd["goalposts"] = [float(row["GPlower"]), float(row["GPupper"])]
            d["normalisation"] = nd
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
    return doc, fname, rows, seen


def check_levels(fw: Any, fname: str, rows: dict, seen: dict) -> None:
    """Raise when an iMeta ``Level`` differs from the level the tree gives its node.

    ``fw`` is the framework built from :func:`imeta_document`'s document.

    Examples
    --------
    >>> import pandas as pd
    >>> meta = example_imeta()
    >>> from urbansec_lib.model.framework import Framework
    >>> doc, fname, rows, seen = imeta_document(meta)
    >>> rows["x1"]["Level"] = 2  # the tree puts x1 at level 1
    >>> try:
    ...     check_levels(Framework.from_dict(doc), fname, rows, seen)
    ... except ValidationError as e:
    ...     print(e.problems[0].row, e.problems[0].expected)
    4 level 1 (from the tree)
    """
    meta = fw.meta().set_index("iCode")["Level"]
    lv = [
        Problem(fname, seen[c], "Level", rows[c]["Level"], f"level {meta[c]} (from the tree)")
        for c in rows
        if int(float(rows[c]["Level"])) != int(meta[c])
    ]
    if lv:
        raise ValidationError(lv, f"iMeta {fname}")


def framework_to_imeta(fw: Any) -> pd.DataFrame:
    """The framework as a COINr ``iMeta`` table (the index row has an empty Parent).

    Example
    -------
    >>> from urbansec_lib.model.framework import load_framework
    >>> framework_to_imeta(load_framework()).columns[:3].tolist()
    ['iCode', 'iName', 'Level']
    """
    meta = fw.meta()
    units = {i.id: i.unit for i in fw.indicators}
    meta["Unit"] = meta["iCode"].map(units)
    norms = {i.id: i.normalisation for i in fw.indicators if i.normalisation}
    meta["Normalisation"] = meta["iCode"].map(lambda c: norms[c]["method"] if c in norms else None)
    gp = {c: n.get("goalposts") for c, n in norms.items() if n.get("goalposts")}
    meta["GPlower"] = meta["iCode"].map(lambda c: gp[c][0] if c in gp else None)
    meta["GPupper"] = meta["iCode"].map(lambda c: gp[c][1] if c in gp else None)
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
    if norms:  # per-indicator normalisation (read back by imeta_to_framework)
        cols += ["Normalisation", "GPlower", "GPupper"]
    return meta[cols]
