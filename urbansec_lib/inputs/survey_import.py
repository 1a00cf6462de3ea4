"""Importing a survey export into ``data/processed/<unit>/`` (idempotent, pseudonymised).

:func:`import_export` runs :func:`urbansec_lib.survey.read_responses` ->
:func:`urbansec_lib.privacy.pseudonymise` -> :func:`urbansec_lib.privacy.strip_identifiers`
and writes the unit's ``responses.csv``, ``indicators_survey.csv``, ``rejected.csv`` and
``manifest.json``: free text and identifiers never reach processed data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import ingest
from ..core.errors import Problem, ValidationError
from ..core.outputs import _within
from ..model.framework import Framework
from . import privacy
from .survey_aggregate import aggregate
from .survey_questions import UNIT_CODE_PATTERN
from .survey_read import Responses, read_responses

__all__ = ["REJECTED_COLUMNS", "import_export"]

#: Columns of ``rejected.csv``: where each problem is, never the cells.
REJECTED_COLUMNS = ("file", "row", "column", "problem")
_BASE = ["respondent", "unit_id", "area", "wave", "area_type", "respondent_role"]


def import_export(
    path: str | Path,
    fw: Framework,
    unit_id: str,
    processed_dir: str | Path,
    key: bytes | str | None,
    on_error: str = "raise",
    side_file: str | Path | None = None,
    units: Iterable[str] | None = None,
) -> dict:
    """Import one survey export into ``processed_dir/<unit>/`` (idempotent).

    Runs :func:`read_responses` -> :func:`privacy.pseudonymise` ->
    :func:`privacy.strip_identifiers`, then writes

    * ``responses.csv`` - tidy pseudonymised responses of the unit from every imported
      export (rows of this export replace rows with the same respondent or from an earlier
      import of the same file name, so cumulative Kobo exports do not double-count);
    * ``indicators_survey.csv`` - :func:`aggregate` over ``responses.csv`` by unit and wave
      (not suppressed; reports apply :func:`privacy.suppress`);
    * ``rejected.csv`` - rejected rows with their problems (``on_error="split"``;
      identifiers and raw submission ids removed);
    * ``manifest.json`` - one entry per source file (sha256, rows in / accepted /
      rejected, framework and form version, key fingerprint, import time, output hashes).

    Nothing is written before validation has passed, nothing is ever written under the
    input's directory, and re-importing the same export gives byte-identical files (the
    import time of an unchanged entry is kept).

    Parameters
    ----------
    path : str or Path
        The export (never modified).
    fw : Framework
    unit_id : str
        The unit; every row must belong to it.
    processed_dir : str or Path
        Root of processed data (e.g. ``data/processed``).
    key : bytes or str or None
        Pseudonymisation key; ``None`` -> :func:`privacy.load_key` (refuses when missing).
    on_error : {"raise", "split"}
    side_file : str or Path, optional
        Where identifier / free-text columns go (0600); default: discarded.
    units : iterable of str, optional
        Valid unit codes (passed to :func:`read_responses`).

    Returns
    -------
    dict
        The manifest entry of this import.

    Raises
    ------
    ValidationError
        With ``on_error="raise"``, every problem of the export (file, row, column); also
        for bad arguments.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib import load_framework
    >>> from urbansec_lib.inputs.kobo_export import write_kobo_export
    >>> fw = load_framework()
    >>> work = pathlib.Path(tempfile.mkdtemp())
    >>> df = pd.DataFrame({"unit": ["DE001C"] * 3, "area": ["Mitte"] * 3, "wave": [2024] * 3,
    ...                    "area_type": ["none"] * 3, "respondent_role": ["resident"] * 3,
    ...                    "qol_life_satisfaction": [3, 4, 9]})
    >>> export = write_kobo_export(df, fw, work / "raw" / "kobo.csv")
    >>> import_export(export, fw, "DE001C", work / "processed", key="k" * 16)
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 2 problem(s) in kobo.csv:
      - kobo.csv, row 1: got '26 questions', expected columns for qol_housing_affordable, qol_health_care_satisfaction, sc_ce_willing_help, sc_ce_trust_neighbours, sc_ce_not_get_along, sc_isc_graffiti, sc_isc_fight, sc_volunteering, ... (questions missing from the export; left out)
      - kobo.csv, row 4, column 'quality_of_life/qol_life_satisfaction': got '9', expected a code 1 = Not at all satisfied; 2 = Not very satisfied; 3 = Fairly satisfied; 4 = Very satisfied
    >>> entry = import_export(export, fw, "DE001C", work / "processed", key="k" * 16,
    ...                       on_error="split")
    >>> entry["rows_in"], entry["rows_accepted"], entry["rows_rejected"], entry["key_fingerprint"]
    (3, 2, 1, '4998ec5b712c')
    >>> sorted(p.name for p in (work / "processed" / "DE001C").iterdir())
    ['indicators_survey.csv', 'manifest.json', 'rejected.csv', 'responses.csv']
    >>> print((work / "processed" / "DE001C" / "rejected.csv").read_text().splitlines()[1])
    kobo.csv,4,quality_of_life/qol_life_satisfaction,a code 1 = Not at all satisfied; 2 = Not very satisfied; 3 = Fairly satisfied; 4 = Very satisfied
    >>> import_export(export, fw, "DE001C", work / "processed", key="k" * 16,
    ...               on_error="split") == entry  # idempotent
    True
    """
    path = Path(path)
    unit = str(unit_id).upper()
    _check_arguments(path, unit_id, unit, processed_dir, side_file)
    out_dir = Path(processed_dir) / unit
    if key is None:
        key = privacy.load_key()
    r = read_responses(path, fw, unit_id=unit, units=units, on_error=on_error, key=key)
    item_ids = [i.id for i in fw.survey_indicators()]
    keep = _BASE + [c for c in r.data.columns if c in item_ids]
    frame = r.data.copy()
    for c in r.identifiers.columns:
        if c != "respondent":
            frame[c] = r.identifiers[c].to_numpy()
    clean = privacy.strip_identifiers(frame, keep_side_file=side_file, keep=keep)
    clean = clean[keep].copy()
    clean["source_file"] = r.source_file
    resp_path = out_dir / "responses.csv"
    merged = _merge_responses(resp_path, _as_strings(clean), r.source_file, item_ids)
    resp_bytes = _csv_bytes(merged)
    ind = aggregate(_typed(merged, fw), fw, by=("unit_id", "wave"))
    ind["value"] = ind["value"].round(8)
    ind_bytes = _csv_bytes(ind)
    rej_path = out_dir / "rejected.csv"
    rej_bytes = _rejected_bytes(rej_path, r)
    man_path = out_dir / "manifest.json"
    entry = _manifest_entry(r, fw, on_error, key, clean, side_file)
    outputs = {
        "responses.csv": hashlib.sha256(resp_bytes).hexdigest(),
        "indicators_survey.csv": hashlib.sha256(ind_bytes).hexdigest(),
    }
    if rej_bytes is not None:
        outputs["rejected.csv"] = hashlib.sha256(rej_bytes).hexdigest()
    man_bytes = _manifest_bytes(man_path, unit, entry, outputs)
    _atomic_write(resp_path, resp_bytes)
    _atomic_write(out_dir / "indicators_survey.csv", ind_bytes)
    if rej_bytes is not None:
        _atomic_write(rej_path, rej_bytes)
    elif rej_path.exists():
        rej_path.unlink()
    _atomic_write(man_path, man_bytes)
    return entry


def _argument_error(what: str, value: Any, expected: str) -> ValidationError:
    return ValidationError(
        [Problem("<arguments>", None, what, value, expected)], "import arguments"
    )


def _check_arguments(
    path: Path,
    unit_id: str,
    unit: str,
    processed_dir: str | Path,
    side_file: str | Path | None,
) -> None:
    """A unit code; outputs writable, the side file outside processed data, nothing under
    the raw input's directory."""
    if not re.match(UNIT_CODE_PATTERN, unit):
        raise _argument_error("unit_id", unit_id, "a unit code like DE001C or BE212")
    ingest.check_output(processed_dir, what="processed_dir")
    out_dir = Path(processed_dir) / unit
    in_dir = path.resolve().parent
    if side_file is not None:
        ingest.check_output(side_file, what="side_file")
        if _within(Path(side_file), Path(processed_dir)):
            raise _argument_error(
                "side_file",
                str(side_file),
                f"a location outside {processed_dir} (free text and identifiers never "
                "go into processed data; keep the side file with the raw data's "
                "access controls)",
            )
    for what, target in (
        ("processed_dir", out_dir),
        ("side_file", Path(side_file) if side_file else None),
    ):
        if target is not None and _within(target, in_dir):
            raise _argument_error(
                what,
                str(target),
                f"a location outside the raw input's directory {in_dir} (raw data is immutable)",
            )


def _merge_responses(
    resp_path: Path, new: pd.DataFrame, source_file: str, item_ids: list[str]
) -> pd.DataFrame:
    """Earlier imports of the unit plus this one: rows of this export replace rows with the
    same respondent or from an earlier import of the same file (cumulative Kobo exports
    are not double-counted); sorted for byte-identical re-imports."""
    if resp_path.exists():
        old = pd.read_csv(resp_path, dtype=str, keep_default_na=False)
        if "source_file" in old.columns and "respondent" in old.columns:
            drop = (old["source_file"] == source_file) | old["respondent"].isin(new["respondent"])
            old = old[~drop]
        merged = pd.concat([old, new], ignore_index=True).fillna("")
    else:
        merged = new
    known_order = _BASE + [i for i in item_ids if i in merged.columns]
    extra = [c for c in merged.columns if c not in known_order and c != "source_file"]
    merged = merged[known_order + extra + ["source_file"]]
    merged = merged.sort_values(
        ["unit_id", "wave", "area", "respondent", "source_file"], kind="mergesort"
    )
    return merged.reset_index(drop=True)


def _rejected_bytes(rej_path: Path, r: Responses) -> bytes | None:
    """``rejected.csv`` of the unit (file, row, column, problem; never cells or values),
    this export's rows replacing its earlier ones; None when nothing is rejected."""
    rejected_rows = set(r.rejected["source_row"].tolist())
    rej = pd.DataFrame(
        [
            {"file": r.source_file, "row": p.row, "column": p.column or "", "problem": p.expected}
            for p in r.errors
            if p.row is not None and p.row in rejected_rows
        ],
        columns=REJECTED_COLUMNS,
    )
    rej_new = _as_strings(rej) if len(rej) else rej.astype(str)
    if rej_path.exists():
        old = pd.read_csv(rej_path, dtype=str, keep_default_na=False)
        if list(old.columns) != list(REJECTED_COLUMNS):  # an older layout kept cells: drop it
            old = old.iloc[0:0].reindex(columns=REJECTED_COLUMNS)
        old = old[old["file"] != r.source_file]
        rej_all = pd.concat([old, rej_new], ignore_index=True).fillna("")
    else:
        rej_all = rej_new
    if not len(rej_all):
        return None
    rej_all = rej_all.assign(_o=pd.to_numeric(rej_all["row"], errors="coerce"))
    rej_all = rej_all.sort_values(["file", "_o"], kind="mergesort").drop(columns="_o")
    return _csv_bytes(rej_all.reset_index(drop=True))


def _manifest_entry(
    r: Responses,
    fw: Framework,
    on_error: str,
    key: bytes | str,
    clean: pd.DataFrame,
    side_file: str | Path | None,
) -> dict:
    """The manifest entry of this import (without its import time)."""
    return {
        "source_file": r.source_file,
        "source_sha256": r.source_sha256,
        "encoding": r.encoding,
        "delimiter": r.delimiter,
        "rows_in": r.n_in,
        "rows_accepted": r.n_accepted,
        "rows_rejected": r.n_rejected,
        "framework_id": fw.id,
        "framework_version": fw.version,
        "form_version": r.form_version,
        "on_error": on_error,
        "pseudonymisation": "HMAC-SHA256, 16 hex digits, prefix r_",
        "key_fingerprint": privacy.key_fingerprint(key),
        "stripped_columns": sorted(clean.attrs.get("stripped_columns", [])),
        "side_file_written": bool(side_file) and bool(clean.attrs.get("stripped_columns")),
    }


def _manifest_bytes(man_path: Path, unit: str, entry: dict, outputs: dict) -> bytes:
    """``manifest.json``: one entry per source file (an unchanged entry keeps its import
    time, so re-importing gives byte-identical files) and the outputs' hashes. Sets
    ``entry["imported_at"]``."""
    manifest: dict[str, Any] = {"unit_id": unit, "imports": []}
    if man_path.exists():
        try:
            manifest = json.loads(man_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {"unit_id": unit, "imports": []}
    entries = [e for e in manifest.get("imports", []) if isinstance(e, dict)]
    prev = next((e for e in entries if e.get("source_file") == entry["source_file"]), None)
    same = prev is not None and all(prev.get(k) == v for k, v in entry.items())
    entry["imported_at"] = (
        prev["imported_at"]
        if same and "imported_at" in prev
        else datetime.now(UTC).replace(microsecond=0).isoformat()
    )
    entries = [e for e in entries if e.get("source_file") != entry["source_file"]] + [entry]
    entries.sort(key=lambda e: str(e.get("source_file")))
    manifest = {"unit_id": unit, "kind": "survey", "imports": entries, "outputs": outputs}
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return text.encode("utf-8")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return ingest.csv_bytes(df)  # formula prefixes neutralised


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Round-trip through CSV text so new and previously written rows compare as strings."""
    return pd.read_csv(io.BytesIO(_csv_bytes(df)), dtype=str, keep_default_na=False)


def _typed(df: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    out = df.copy()
    out["wave"] = pd.to_numeric(out["wave"], errors="coerce").astype("Int64")
    for ind in fw.survey_indicators():
        if ind.id in out.columns:
            if ind.type == "select_multiple":
                out[ind.id] = out[ind.id].where(out[ind.id] != "", None)
            else:
                out[ind.id] = pd.to_numeric(out[ind.id].replace("", np.nan), errors="coerce")
    return out
