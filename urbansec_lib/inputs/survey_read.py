"""Reading the self-assessment survey's exports: Kobo/ODK CSV or XLSX -> :class:`Responses`.

:func:`read_responses` reads the file once through the shared export engine
(:mod:`urbansec_lib.exports`), sorts its columns by role (metadata, items, Kobo's 0/1
option columns, system columns, identifiers / free text), checks every cell against its
question (:mod:`urbansec_lib.survey_answers`) and collects every problem of the file,
located by file, row (as a spreadsheet shows it), column, value and what was expected.
Identifier and free-text columns are kept apart (:attr:`Responses.identifiers`); rejected
rows keep no cells; submission ids become keyed pseudonyms when a key is given.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import ingest
from ..core.errors import Problem, ValidationError
from ..model.framework import Framework, Indicator
from . import privacy
from .exports import GROUP_SEP, Col, Collector, Export, Fatal, factorise, no_cyclic_gc
from .survey_answers import (
    check_area,
    check_choice,
    check_item,
    check_select_multiple,
    check_unit,
    check_wave,
)
from .survey_questions import (
    METADATA_COLUMNS,
    NA_TOKENS,
    SYSTEM_COLUMNS,
    code_labels,
    codes_text,
    form_version,
    item_codes,
    survey_items,
)

__all__ = ["Responses", "read_responses"]

_ID_COLUMNS = ("_uuid", "meta/instanceID", "meta-instanceID", "instanceID", "KEY")
_VERSION_COLUMNS = ("form_version", "FormVersion", "__version__", "_version_")
_STAMP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+\.\d+\.\d+$")
_SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
_FRAME_META = ("unit_id", "area", "wave", "area_type", "respondent_role")
_EMPTY = "a header row and data rows (the file is empty)"
_HEADER_ONLY = "at least one data row below the header (the file has only a header)"


@dataclass
class Responses:
    """Validated survey responses from one export.

    Attributes
    ----------
    data : DataFrame
        Tidy accepted responses: ``respondent, unit_id, area, wave, area_type,
        respondent_role`` then one column per indicator present in the export (codes or
        numbers; select_multiple as canonical space-separated codes ``"1 3"``).
        ``respondent`` is the keyed pseudonym when a key was given, else the source id.
    rejected : DataFrame
        Rejected rows: ``respondent`` (pseudonym once a key is given), ``source_row`` and
        ``problems`` (column and what was expected; never the rows' cells or values).
    problems : list of Problem
        Every problem found (errors and warnings), in file order.
    identifiers : DataFrame
        ``respondent`` plus any identifier / free-text columns of accepted rows (original
        headers). Never written to processed output except via a side file.
    framework_id, framework_version, form_version : str
    source_file, source_sha256, encoding, delimiter : str
    n_in : int
        Data rows read (blank rows excluded).
    pseudonymised : bool

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib import load_framework
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = p.write_text(
    ...     "unit,area,wave,area_type,respondent_role,qol_life_satisfaction,_uuid,email\\n"
    ...     "DE001C,Mitte,2024,intervention,resident,3,a1,jo@example.org\\n"
    ...     "DE001C,Mitte,2024,intervention,resident,9,a2,\\n"
    ... )
    >>> r = read_responses(p, load_framework(), unit_id="DE001C", on_error="split")
    >>> r.n_in, r.n_accepted, r.n_rejected, r.form_version
    (2, 1, 1, 'urban_security-1.0.0')
    >>> r.data.columns.tolist()
    ['respondent', 'unit_id', 'area', 'wave', 'area_type', 'respondent_role', 'qol_life_satisfaction']
    >>> r.identifiers.columns.tolist()  # kept apart, never in r.data
    ['respondent', 'email']
    >>> [str(e) for e in r.errors]
    ["export.csv, row 3, column 'qol_life_satisfaction': got '9', expected a code 1 = Not at all satisfied; 2 = Not very satisfied; 3 = Fairly satisfied; 4 = Very satisfied"]
    >>> q = r.pseudonymise("k" * 16)
    >>> q.pseudonymised, q.data["respondent"].str.fullmatch(r"r_[0-9a-f]{16}").tolist()
    (True, [True])
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem]
    identifiers: pd.DataFrame
    framework_id: str
    framework_version: str
    form_version: str
    source_file: str
    source_sha256: str
    encoding: str
    delimiter: str
    n_in: int
    pseudonymised: bool = False
    _raw_ids: pd.Series | None = field(default=None, repr=False)

    @property
    def n_accepted(self) -> int:
        """Rows accepted."""
        return len(self.data)

    @property
    def n_rejected(self) -> int:
        """Rows rejected (with their problems in :attr:`rejected`)."""
        return len(self.rejected)

    @property
    def errors(self) -> list[Problem]:
        """Problems with severity ``"error"``."""
        return [p for p in self.problems if p.severity == "error"]

    def table(self) -> pd.DataFrame:
        """All problems as a tidy frame."""
        return ValidationError(self.problems).table()

    def pseudonymise(self, key: bytes | str) -> Responses:
        """A copy with ``respondent`` replaced by keyed pseudonyms (idempotent)."""
        if self.pseudonymised:
            return self
        ids = self._raw_ids if self._raw_ids is not None else self.data["respondent"]
        data = self.data.copy()
        data["respondent"] = privacy.pseudonymise(ids.reset_index(drop=True), key).to_numpy()
        ident = self.identifiers.copy()
        ident["respondent"] = data["respondent"].to_numpy()
        rej = self.rejected.copy()
        if "respondent" in rej.columns and len(rej):
            rej["respondent"] = privacy.pseudonymise(rej["respondent"], key).to_numpy()
        out = Responses(**{**self.__dict__, "data": data, "identifiers": ident, "rejected": rej})
        out.pseudonymised = True
        return out

    def summary(self) -> str:
        """Plain-text summary of the import."""
        lines = [
            f"{self.source_file} (sha256 {self.source_sha256[:12]}..., {self.encoding}, "
            f"delimiter {self.delimiter!r})",
            f"  form version {self.form_version}",
            f"  rows in {self.n_in}, accepted {self.n_accepted}, rejected {self.n_rejected}",
            f"  problems: {len(self.errors)} error(s), "
            f"{len(self.problems) - len(self.errors)} warning(s)",
        ]
        return "\n".join(lines)


# ================================================================== header
@dataclass
class _Schema:
    fw: Framework
    items: dict[str, Indicator]
    sm: dict[str, Indicator]
    labels: dict[str, dict[str, int]]  # indicator -> normalised code/label -> code

    @classmethod
    def of(cls, fw: Framework) -> _Schema:
        items = {i.id: i for i in survey_items(fw, None)}
        sm = {k: v for k, v in items.items() if v.type == "select_multiple"}
        labels: dict[str, dict[str, int]] = {}
        for k, ind in items.items():
            if item_codes(ind) is None:
                continue
            m: dict[str, int] = {}
            for c, lab in code_labels(ind):
                m[lab.strip().lower()] = c
            for c, _lab in code_labels(ind):
                m[str(c)] = c
                m[f"{c}.0"] = c
            labels[k] = m
        return cls(fw, items, sm, labels)


def _classify(header: str, schema: _Schema) -> tuple[str, str, int | None, str | None]:
    """(kind, canonical name, option code, expected-message) for one header."""
    if header in SYSTEM_COLUMNS:
        return "system", header, None, None
    segs = [s for s in GROUP_SEP.split(header) if s != ""]
    last = segs[-1] if segs else header
    if last in METADATA_COLUMNS or last in schema.items:
        return ("meta" if last in METADATA_COLUMNS else "item"), last, None, None
    for sid, ind in schema.sm.items():
        m = re.search(rf"(?:^|[/:.\-]){re.escape(sid)}[/:.\-](?P<opt>.+)$", header)
        if m:
            code = schema.labels[sid].get(m.group("opt").strip().lower())
            if code is None:
                return (
                    "unknown",
                    header,
                    None,
                    (
                        f"an option column of {sid} named {sid}/<code> with a code from "
                        f"{codes_text(ind)}"
                    ),
                )
            return "sm_opt", sid, code, None
    if privacy.is_identifier(header):
        return "ident", header, None, None
    if last in SYSTEM_COLUMNS:
        return "system", last, None, None
    if header.lstrip("_") != header:
        # an unknown ``_``-prefixed column (``_passport_no``): not a declared system column,
        # so treated as an identifier: kept apart, never stored in processed data
        return "ident", header, None, None
    return "unknown", header, None, None


def _unknown_expected(schema: _Schema) -> str:
    ids = list(schema.items)
    shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
    return (
        f"a framework question id ({shown}), a metadata column ({', '.join(METADATA_COLUMNS)}) "
        "or a Kobo/ODK system column"
    )


# ================================================================== reading
def read_responses(
    path: str | Path,
    fw: Framework,
    unit_id: str | None = None,
    units: Iterable[str] | None = None,
    on_error: str = "raise",
    file_label: str | None = None,
    key: bytes | str | None = None,
) -> Responses:
    """Read and validate a survey export (Kobo/ODK CSV, XLSX, or the plain template).

    Parameters
    ----------
    path : str or Path
        The export. CSV with ``,``, ``;`` or tab (sniffed), UTF-8 with or without BOM,
        else Windows-1252 / Latin-1; or ``.xlsx`` (first sheet) / ``.xls``.
    fw : Framework
        The framework the form was generated from.
    unit_id : str, optional
        The unit being imported: every row's ``unit`` must equal it (and a missing ``unit``
        column is filled with it).
    units : iterable of str, optional
        Valid unit codes; other codes are problems.
    on_error : {"raise", "split"}
        ``"raise"``: any error raises one :class:`ValidationError` with all problems.
        ``"split"``: rows with problems go to :attr:`Responses.rejected` (with their
        problems), valid rows are imported. Problems of the whole file (unreadable file,
        unknown or missing columns) always raise.
    file_label : str, optional
        Name used in problems (default: the file name).
    key : bytes or str, optional
        Pseudonymisation key; when given, ``respondent`` is the keyed pseudonym.

    Returns
    -------
    Responses

    Raises
    ------
    ValidationError
        For every kind of bad input (never a raw pandas/Python exception).

    Notes
    -----
    Headers ``group/question`` lose their group prefix (``/``, ``-``, ``:`` or ``.``
    separators); Kobo ``multi_sel=both`` option columns ``question/code`` (or
    ``question/label``) are cross-checked against the space-separated column; system
    columns (``_uuid``, ``_submission_time``, ``_index``, ``_id``, ``start``, ``end``,
    ``meta/instanceID``, ``__version__``, ODK Central's ``KEY`` ...) are accepted;
    identifier / free-text columns (see :func:`privacy.is_identifier`) are kept apart in
    :attr:`Responses.identifiers`. Codes may also be given as their option labels
    (case-insensitive). Decimal commas (``3,5``) are accepted in numeric answers.
    The framework version is checked against ``form_version`` / ``FormVersion`` values and
    against stamp-shaped ``__version__`` values (Kobo's own ``__version__`` uids are ignored).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbansec_lib import load_framework
    >>> fw = load_framework()
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = p.write_text(
    ...     "unit,area,wave,area_type,respondent_role,qol_life_satisfaction,_uuid\\n"
    ...     "DE001C,Mitte,2024,intervention,resident,3,a1\\n"
    ...     "DE001C,Mitte,2024,intervention,resident,9,a2\\n"
    ... )
    >>> r = read_responses(p, fw, unit_id="DE001C", on_error="split")
    >>> r.n_accepted, r.n_rejected, r.rejected["problems"].tolist()
    (1, 1, ["column 'qol_life_satisfaction': expected a code 1 = Not at all satisfied; 2 = Not very satisfied; 3 = Fairly satisfied; 4 = Very satisfied"])
    """
    if on_error not in ("raise", "split"):
        raise ValueError("on_error must be 'raise' or 'split'")
    path = Path(path)
    label = file_label or path.name
    data = ingest.read_bytes(path, label)
    sha = hashlib.sha256(data).hexdigest()
    try:
        with no_cyclic_gc():
            holder = [data]  # _read takes ownership: the bytes are freed once parsed
            del data
            return _read(holder, sha, path, label, fw, unit_id, units, on_error, key)
    except Fatal as exc:
        raise ValidationError(exc.problems, label) from None


@dataclass
class _Header:
    """The export's columns by role (from :func:`_classify`)."""

    by_name: dict[str, Col] = field(default_factory=dict)  # metadata and items
    sm_opts: dict[str, dict[int, Col]] = field(default_factory=dict)  # 0/1 option columns
    system: dict[str, Col] = field(default_factory=dict)
    ident: list[Col] = field(default_factory=list)


def _load(path: Path, data: bytes, label: str, schema: _Schema) -> Export:
    """The table of an export, columns factorised; unused system columns are not kept."""
    used_system = {*_ID_COLUMNS, "_id", *_VERSION_COLUMNS}

    def unused(h: str) -> bool:  # Kobo timestamps, indexes, statuses: never read
        kind, name, _c, _e = _classify(h, schema)
        return kind == "system" and name not in used_system and h not in used_system

    try:
        t = ingest.read_table(path, data=data, label=label, skip=unused)
    except ValidationError as exc:
        raise Fatal(exc.problems) from None
    t.header = [h.removeprefix("ï»¿") for h in t.header]  # a BOM read as Latin-1
    return factorise(t, label)


def _classify_header(cols: list[Col], schema: _Schema, col: Collector) -> _Header:
    """Sort the columns by role; unnamed, unknown and duplicated columns are problems."""
    out = _Header()
    seen: dict[tuple, str] = {}
    for c in cols:
        if c.header == "":
            if not c.missing.all():
                col.header(
                    c.pos, f"(column {ingest.col_letter(c.pos)})", "", "a column name in row 1"
                )
            continue
        kind, name, code, exp = _classify(c.header, schema)
        if kind == "unknown":
            col.header(c.pos, c.header, c.header, exp or _unknown_expected(schema))
            continue
        k = (kind, name, code)
        if k in seen and kind in ("meta", "item", "sm_opt"):
            col.header(
                c.pos, c.header, c.header, f"one column per question (also in column {seen[k]!r})"
            )
            continue
        seen[k] = c.header
        if kind in ("meta", "item"):
            out.by_name[name] = c
        elif kind == "sm_opt":
            out.sm_opts.setdefault(name, {})[int(code)] = c
        elif kind == "system":
            out.system.setdefault(name, c)
        else:
            out.ident.append(c)
    return out


def _missing_columns(
    head: _Header, schema: _Schema, unit_id: str | None, col: Collector, end: int
) -> None:
    """Required metadata / questions without a column (errors); other absent questions
    (warnings: one each for up to three, else one for all)."""
    for m in METADATA_COLUMNS:
        if m not in head.by_name and not (m == "unit" and unit_id):
            col.header(end, m, None, f"a column {m!r} (required metadata)")
    absent = []
    for iid, ind in schema.items.items():
        present = iid in head.by_name or iid in head.sm_opts
        if not present and ind.source.get("required"):
            col.header(end, iid, None, f"a column {iid!r} (required question)")
        elif not present:
            absent.append(iid)
    if 0 < len(absent) <= 3:
        for iid in absent:
            col.header(
                end,
                iid,
                None,
                f"a column {iid!r} (question missing from the export; left out)",
                "warning",
            )
    elif absent:
        shown = ", ".join(absent[:8]) + (", ..." if len(absent) > 8 else "")
        col.header(
            end,
            None,
            f"{len(absent)} questions",
            f"columns for {shown} (questions missing from the export; left out)",
            "warning",
        )


def _answers(
    head: _Header,
    schema: _Schema,
    col: Collector,
    n: int,
    unit_id: str | None,
    units: Iterable[str] | None,
) -> dict[str, Any]:
    """Clean values of every metadata and item column (problems go to ``col``)."""
    by_name = head.by_name
    out: dict[str, Any] = {}
    if "unit" in by_name:
        out["unit_id"] = check_unit(by_name["unit"], col, unit_id, units)
    else:
        out["unit_id"] = np.full(n, str(unit_id).upper(), dtype=object)
    out["area"] = check_area(by_name["area"], col)
    out["wave"] = check_wave(by_name["wave"], col)
    for name in ("area_type", "respondent_role"):
        out[name] = check_choice(by_name[name], col, name)
    for iid, ind in schema.items.items():
        if ind.type == "select_multiple":
            if iid in by_name or iid in head.sm_opts:
                out[iid] = check_select_multiple(
                    ind, by_name.get(iid), head.sm_opts.get(iid, {}), col
                )
        elif iid in by_name:
            out[iid] = check_item(ind, by_name[iid], col, schema.labels.get(iid, {}))
    return out


def _id_values(c: Col) -> np.ndarray:
    u = np.array([x[5:] if x.startswith("uuid:") else x for x in c.uniq], dtype=object)
    return c.per_row(u, "")


def _submission_ids(
    system: dict[str, Col], col: Collector, sha: str, key: bytes | str | None
) -> pd.Series:
    """Raw respondent ids (first id column that has one, else file hash and row); duplicate
    submission ids are problems (shown as pseudonyms, or withheld without a key)."""
    rownums = col.rownums
    n = len(rownums)
    raw_id = pd.Series(np.full(n, None, dtype=object))
    id_col = next((system[k] for k in _ID_COLUMNS if k in system), None)
    ids = _id_values(id_col) if id_col is not None else None
    for k in (*_ID_COLUMNS, "_id"):
        if k in system and raw_id.isna().any():
            c = system[k]
            v = ids if c is id_col else _id_values(c)
            raw_id = raw_id.where(raw_id.notna(), pd.Series(v, dtype=object).where(~c.missing))
    if raw_id.isna().any():
        fallback = pd.Series([f"{sha[:16]}-row{r}" for r in rownums], dtype=object)
        raw_id = raw_id.where(raw_id.notna(), fallback)
    if id_col is not None:
        ids = pd.Series(ids, dtype=object)
        dup = ~id_col.missing & ids.duplicated(keep="first").to_numpy()
        if dup.any():
            first_row = pd.Series(rownums).groupby(ids.to_numpy()).transform("first").to_numpy()
            exp = np.array(
                [f"a unique submission id (first seen in row {r})" for r in first_row], dtype=object
            )
            shown = (
                privacy.pseudonymise(ids, key).to_numpy(dtype=object)
                if key is not None
                else np.full(n, "(submission id withheld)", dtype=object)
            )
            col.cells(dup, id_col, exp, values=shown)
    return raw_id


def _check_versions(system: dict[str, Col], col: Collector, fw: Framework) -> None:
    """Form-version columns must carry this framework's stamp (Kobo's own uids pass)."""
    stamp = form_version(fw)
    for vname in _VERSION_COLUMNS:
        if vname not in system:
            continue
        c = system[vname]
        strict = vname in ("form_version", "FormVersion")

        def wrong(u: str, strict: bool = strict) -> bool:
            if u.lower() in NA_TOKENS:
                return False
            if not strict and not (_STAMP_RE.match(u) or _SEMVER_RE.match(u)):
                return False  # Kobo's own __version__ uid
            return u not in (stamp, fw.version)

        bad = c.per_row(np.array([wrong(u) for u in c.uniq], dtype=bool), False).astype(bool)
        col.cells(
            bad,
            c,
            f"form version {stamp} (framework {fw.id} {fw.version}); re-generate the "
            "form from this framework or load the framework version the form was made from",
        )


def _rejected(raw_id: pd.Series, rownums: np.ndarray, bad: np.ndarray, errors: list[Problem]):
    """Rejected rows keep no cells: a name typed into an answer must not travel on."""
    rejected = pd.DataFrame({"respondent": raw_id.to_numpy()[bad], "source_row": rownums[bad]})
    if not bad.any():
        rejected.insert(2, "problems", pd.Series([], dtype=object))
        return rejected
    text: dict[int, list[str]] = {}
    for p in errors:
        if p.row is not None:
            where = f"column {p.column!r}: " if p.column else ""
            val = "missing, " if p.value is None else ""
            text.setdefault(p.row, []).append(f"{where}{val}expected {p.expected}")
    rejected.insert(2, "problems", ["; ".join(text.get(int(r), [])) for r in rownums[bad]])
    return rejected


def _read(
    holder: list[bytes],
    sha: str,
    path: Path,
    label: str,
    fw: Framework,
    unit_id: str | None,
    units: Iterable[str] | None,
    on_error: str,
    key: bytes | str | None,
) -> Responses:
    """Long because: the import's steps in order (read, header, cells, ids, versions,
    accept/reject, assemble), each a call; what passes between them is visible here."""
    data = holder.pop()
    if not data:
        raise Fatal([Problem(label, None, None, None, _EMPTY)])
    schema = _Schema.of(fw)
    ex = _load(path, data, label, schema)
    del data
    rownums = ex.rownums
    if len(rownums) == 0:
        raise Fatal([Problem(label, 2, None, None, _HEADER_ONLY)])
    col = Collector(label, rownums)
    n = len(rownums)
    head = _classify_header(ex.cols, schema, col)
    _missing_columns(head, schema, unit_id, col, len(ex.cols))
    header_errors = [p for _r, _c, p in col.items if p.severity == "error"]
    # a missing required column leaves nothing to check the rows against: stop here; an
    # unknown, unnamed or duplicated column does not, so the cells are still validated and
    # every problem of the file is reported at once (the file is refused either way)
    if any("required" in p.expected for p in header_errors):
        raise Fatal(col.sorted() + ex.ragged)
    col.rowlevel(ex.ragged)
    out = _answers(head, schema, col, n, unit_id, units)
    raw_id = _submission_ids(head.system, col, sha, key)
    _check_versions(head.system, col, fw)
    problems = col.sorted()
    errors = [p for p in problems if p.severity == "error"]
    if (errors and on_error == "raise") or header_errors:
        raise Fatal(problems)  # header problems concern every row: refused even when splitting
    good = ~col.bad
    frame = pd.DataFrame({"respondent": raw_id.to_numpy()} | {k: out[k] for k in _FRAME_META})
    for iid in schema.items:
        if iid in out:
            frame[iid] = out[iid]
    accepted = frame[good].reset_index(drop=True)
    for cname in ("respondent", "unit_id", "area", "area_type", "respondent_role"):
        accepted[cname] = accepted[cname].astype(object)
    raw_ids = accepted["respondent"].copy()
    idf = pd.DataFrame({"respondent": raw_ids})
    for c in head.ident:
        idf[c.header] = c.values[good]
    res = Responses(
        data=accepted,
        rejected=_rejected(raw_id, rownums, col.bad, errors),
        problems=problems,
        identifiers=idf,
        framework_id=fw.id,
        framework_version=fw.version,
        form_version=form_version(fw),
        source_file=label,
        source_sha256=sha,
        encoding=ex.encoding,
        delimiter=ex.delimiter,
        n_in=n,
        pseudonymised=False,
        _raw_ids=raw_ids,
    )
    return res.pseudonymise(key) if key is not None else res
