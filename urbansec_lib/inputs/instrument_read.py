"""Reading an instrument's exports: Kobo/ODK CSV or XLSX (or a filled template) -> tidy frame.

:func:`read_responses` reads the file once through the shared export engine
(:mod:`urbansec_lib.exports`: encoding, delimiter, blank rows, row numbers), sorts the header
by role (questions, Kobo's 0/1 option columns, system columns, the respondent id, the
instrument version), checks every answer column-wise by question type and raises one
:class:`~urbansec_lib.errors.ValidationError` with every located problem. Respondent ids
become keyed pseudonyms when a key is given; free-text answers are dropped unless asked for.
:func:`dummies` expands a select_multiple answer into 0/1 columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_table
from .exports import KOBO_SYSTEM_COLUMNS, TICKS, factorise, header_segments, located
from .instrument_model import VERSION_FIELD, Instrument, Question, load_instrument

__all__ = ["SYSTEM_COLUMNS", "read_responses", "dummies"]

#: Columns added by KoboToolbox / ODK that the reader accepts and drops.
SYSTEM_COLUMNS = KOBO_SYSTEM_COLUMNS | frozenset(
    "_notes _geolocation _submitted_by deviceid".split()
)
_ID_CANDIDATES = ("_uuid", "meta/instanceID", "instanceID", "KEY")
_NA = {"", "n/a", "na", "nan"}


def _is_system(header: str) -> bool:
    return header in SYSTEM_COLUMNS or header.startswith("_") or header.startswith("meta/")


def read_responses(
    path: str | Path,
    instr: Instrument | str | Path,
    id_column: str | None = None,
    key: bytes | str | None = None,
    keep_text: bool = False,
) -> pd.DataFrame:
    """Read and validate a survey export (Kobo/ODK CSV or XLSX, or a filled template).

    Parameters
    ----------
    path : str or Path
        CSV (``,``/``;``/tab separated; UTF-8, UTF-8 with BOM or Latin-1) or XLSX
        (first sheet).
    instr : Instrument or str or Path
        The instrument the answers were collected with.
    id_column : str, optional
        Column holding the respondent id (a question such as a participant code, or a
        system column). Default ``_uuid`` (or ``meta/instanceID``); when absent, row
        numbers are used.
    key : bytes or str, optional
        Pseudonymisation key: respondent ids are replaced by keyed pseudonyms
        (:func:`urbansec_lib.privacy.pseudonymise`).
    keep_text : bool
        Keep free-text answers (default ``False``: dropped; never for reports).

    Returns
    -------
    DataFrame
        ``respondent`` then the instrument's questions (form order) present in the file;
        integers as ``Int64``, decimals as float, dates as datetimes, select_one scales with
        numeric codes as ``Int64``, other select_one codes as strings, select_multiple as
        space-separated codes (see :func:`dummies`). ``attrs`` hold ``instrument``,
        ``version``, ``file``, ``dropped_text`` and ``n_rows``. The index is the
        spreadsheet row number.

    Raises
    ------
    ValidationError
        All problems of the file: unknown or duplicated columns, missing required columns
        or answers, wrong types, out-of-range numbers, unknown codes, codes not matching
        their pattern, duplicate submission ids, another instrument version. Rows as a
        spreadsheet shows them (header = row 1).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> head = "training_id,wave,participant_code,profile,is_1\\n"
    >>> _ = p.write_text(head + "TR-MAD-2025,pre,ab12cd,police_officer,2\\n")
    >>> df = read_responses(p, "training_pre_post", id_column="participant_code", key="k" * 32)
    >>> df[["wave", "is_1"]].to_dict("list"), df["respondent"].str.startswith("r_").tolist()
    ({'wave': ['pre'], 'is_1': [2]}, [True])
    >>> _ = p.write_text(head + "TR-MAD-2025,post,ab12cd,police_officer,6\\n")
    >>> try:
    ...     read_responses(p, "training_pre_post")
    ... except ValidationError as e:
    ...     print(e.problems[0])
    export.csv, row 2, column 'is_1': got '6', expected one of the codes 1, 2, 3, 4, 5
    """
    instr = load_instrument(instr)
    path = Path(path)
    label = path.name
    t = read_table(path, label=label)
    t.header = t.header + [""] * (len(t.codes) - len(t.header))  # cells beyond it: unnamed
    ex = factorise(t, label, require_header=False)
    body, sep, header = ex.frame().astype(str), ex.delimiter or ",", ex.header
    h = _classify_header(header, body, instr, id_column, label)
    problems = h.problems
    found = _Found(label, body.index.to_numpy(), problems)
    out = _from_option_columns(body, header, h.dummy_cols, h.colmap, found)
    for q in instr.questions:
        if q.name in h.colmap:
            s, col = body[h.colmap[q.name]], header[h.colmap[q.name]]
        elif q.name in out:
            s, col = out[q.name], q.name
        else:
            continue
        out[q.name] = _check_question(q, instr, s, col, sep, found)
    if h.version_pos is not None:
        v = body[h.version_pos]
        wrong = (v != "") & (v != instr.stamp)
        found.cells(
            wrong,
            header[h.version_pos],
            v,
            f"{instr.stamp} (answers collected with another version of the form)",
        )
    ids = _respondent_ids(body, header, h.id_pos, found)
    if problems:
        problems.sort(
            key=lambda p: (p.row or 0, header.index(p.column) if p.column in header else -1)
        )
        raise ValidationError(problems, what=label)
    if key is not None:
        from .privacy import pseudonymise

        ids = pseudonymise(ids, key)
    data = pd.DataFrame({"respondent": ids.astype(object)}, index=body.index)
    # the id question moves into ``respondent`` (never kept raw next to its pseudonym)
    kept = [q.name for q in instr.questions if q.name in out and q.name != id_column]
    dropped = [n for n in kept if instr.question(n).free_text and not keep_text]
    data = pd.concat([data, pd.DataFrame({n: out[n] for n in kept if n not in dropped})], axis=1)
    data.index.name = "row"
    data.attrs = {
        "instrument": instr.id,
        "version": instr.version,
        "file": label,
        "dropped_text": dropped,
        "n_rows": len(data),
    }
    return data


@dataclass
class _Found:
    """Problems of the answers, located at the spreadsheet rows of the export's body."""

    label: str
    rows: np.ndarray
    problems: list[Problem]

    def cells(
        self, mask: pd.Series, column: str, values: pd.Series | None, expected: str | list[str]
    ) -> None:
        """A problem per row where ``mask`` holds, showing ``values`` there (None: missing)."""
        n = int(mask.sum())
        shown = [None] * n if values is None else values[mask]
        self.problems += located(self.label, self.rows[mask.to_numpy()], column, shown, expected)


@dataclass
class _Header:
    """Where each question, 0/1 option column, the id and the version are (positions)."""

    colmap: dict[str, int] = field(default_factory=dict)  # question -> position
    dummy_cols: dict[str, dict[str, int]] = field(default_factory=dict)  # question -> code -> pos
    id_pos: int | None = None
    version_pos: int | None = None
    problems: list[Problem] = field(default_factory=list)


def _classify_header(
    header: list[str], body: pd.DataFrame, instr: Instrument, wanted_id: str | None, label: str
) -> _Header:
    """Column roles of the header; unnamed, unknown, duplicated and missing required
    columns are problems (row 1)."""
    out = _Header()
    problems = out.problems
    qnames = set(instr.names)
    multi = {q.name for q in instr.questions if q.type == "select_multiple"}
    for pos, h in enumerate(header):
        if h == "":
            if (body[pos] != "").any():
                problems.append(
                    Problem(
                        label, 1, f"column {pos + 1}", None, "a column name (the column has values)"
                    )
                )
            continue
        segs = header_segments(h)
        last = segs[-1] if segs else h
        if wanted_id is not None and h == wanted_id and wanted_id not in qnames:
            out.id_pos = pos
        elif last == VERSION_FIELD:
            out.version_pos = pos
        elif _is_system(h):
            if wanted_id is None and h in _ID_CANDIDATES and out.id_pos is None:
                out.id_pos = pos
        elif last in qnames:
            if last in out.colmap:
                problems.append(
                    Problem(label, 1, h, h, f"one column per question ({last!r} appears twice)")
                )
            else:
                out.colmap[last] = pos
        elif len(segs) >= 2 and segs[-2] in multi and last in instr.codes(segs[-2]):
            out.dummy_cols.setdefault(segs[-2], {})[last] = pos
        else:
            problems.append(
                Problem(
                    label,
                    1,
                    h,
                    h,
                    f"a question of instrument {instr.id!r} or a KoboToolbox system column",
                )
            )
    if wanted_id is not None and wanted_id in qnames:
        out.id_pos = out.colmap.get(wanted_id)
    if wanted_id is not None and out.id_pos is None:
        problems.append(Problem(label, 1, wanted_id, None, "the respondent id column"))
    for q in instr.questions:
        if q.name not in out.colmap and q.name not in out.dummy_cols and q.required:
            problems.append(
                Problem(label, 1, q.name, None, f"a column for the required question {q.name!r}")
            )
    return out


def _from_option_columns(
    body: pd.DataFrame,
    header: list[str],
    dummy_cols: dict[str, dict[str, int]],
    colmap: dict[str, int],
    found: _Found,
) -> dict[str, pd.Series]:
    """select_multiple answers from Kobo's 0/1 option columns (checked; used when the
    combined column is absent)."""
    out: dict[str, pd.Series] = {}
    for qn, codes in dummy_cols.items():
        flags = {}
        for code, pos in codes.items():
            s = body[pos]
            badm = ~s.str.lower().isin(_NA | set(TICKS))
            found.cells(badm, header[pos], s, "0 or 1")
            flags[code] = s.str.lower().isin({k for k, v in TICKS.items() if v == 1})
        if qn not in colmap:
            fr = pd.DataFrame(flags)
            joined = fr.apply(lambda c: np.where(c, c.name + " ", "")).sum(axis=1).str.strip()
            out[qn] = joined
    return out


def _check_question(
    q: Question,
    instr: Instrument,
    s: pd.Series,
    col: str,
    sep: str,
    found: _Found,
) -> pd.Series:
    """One question's answers, checked by type: the clean values (problems to ``found``)."""
    miss = s.str.lower().isin(_NA)
    if q.required and not q.relevant:
        found.cells(miss, col, None, "an answer (the question is required)")
    present = ~miss
    if q.type in ("integer", "decimal"):
        return _number(q, s, present, col, sep, found)
    if q.type in ("select_one", "select_multiple"):
        return _select(q, instr, s, present, col, found)
    if q.type == "date":
        dt = pd.to_datetime(s.where(present), errors="coerce", format="ISO8601")
        found.cells(present & dt.isna(), col, s, "a date YYYY-MM-DD")
        return dt
    if q.pattern:  # text
        found.cells(present & ~s.str.fullmatch(q.pattern), col, s, f"a code matching {q.pattern}")
    return s.where(present, None)


def _number(
    q: Question,
    s: pd.Series,
    present: pd.Series,
    col: str,
    sep: str,
    found: _Found,
) -> pd.Series:
    """integer / decimal: numbers (decimal commas in ``;``-separated files) within range."""
    txt = s.str.replace(",", ".", regex=False) if sep == ";" else s
    num = pd.to_numeric(txt.where(present), errors="coerce")
    kind = "a whole number" if q.type == "integer" else "a number"
    wrong = present & (num.isna() | ((num % 1 != 0) if q.type == "integer" else False))
    found.cells(wrong, col, s, kind)
    ok = present & ~wrong
    oor = ok & (
        (num < q.min if q.min is not None else False)
        | (num > q.max if q.max is not None else False)
    )
    found.cells(oor, col, s, f"{kind} in {q.range_text}")
    val = num.where(ok & ~oor)
    return val.round().astype("Int64") if q.type == "integer" else val.astype(float)


def _select(
    q: Question,
    instr: Instrument,
    s: pd.Series,
    present: pd.Series,
    col: str,
    found: _Found,
) -> pd.Series:
    """select_one (a code; ``Int64`` for numeric scales) / select_multiple (known codes)."""
    codes = instr.codes(q.name)
    if q.type == "select_one":
        norm = s.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
        wrong = present & ~norm.isin(codes)
        found.cells(wrong, col, s, f"one of the codes {', '.join(codes)}")
        val = norm.where(present & ~wrong)
        if instr.numeric_codes(q.name):
            return pd.to_numeric(val, errors="coerce").astype("Int64")
        return val.astype(object).where(val.notna(), None)
    tokens = s.where(present, "").str.split().explode()
    badtok = tokens.notna() & ~tokens.isin(codes)
    bad_rows = tokens[badtok].groupby(level=0).agg(" ".join)
    found.problems += located(
        found.label,
        bad_rows.index,
        col,
        bad_rows,
        f"space-separated codes among {', '.join(codes)}",
    )
    val = s.str.split().str.join(" ").where(present & ~s.index.isin(bad_rows.index))
    return val.astype(object).where(val.notna(), None)


def _respondent_ids(
    body: pd.DataFrame,
    header: list[str],
    id_pos: int | None,
    found: _Found,
) -> pd.Series:
    """Respondent ids: present and unique (else row numbers when there is no id column)."""
    if id_pos is None:
        return pd.Series(body.index.astype(str), index=body.index)
    ids = body[id_pos]
    id_header = header[id_pos]
    missing_id = ids.str.lower().isin(_NA)
    found.cells(missing_id, id_header, None, "a respondent / submission id")
    dup = ids.duplicated(keep=False) & ~missing_id
    if dup.any():
        first = ids[dup].groupby(ids[dup]).transform(lambda g: ",".join(map(str, g.index)))
        found.cells(
            dup, id_header, ids, [f"a unique id (the same id is in rows {r})" for r in first]
        )
    return ids.where(~missing_id, None)


def dummies(data: pd.DataFrame, instr: Instrument | str | Path, name: str) -> pd.DataFrame:
    """0/1 indicator columns of a select_multiple answer, one per code (form order).

    Missing answers give missing (``<NA>``) in every column.

    Examples
    --------
    >>> df = pd.DataFrame({"measures": ["bollards lighting", None]})
    >>> dummies(df, "good_practice", "measures")[["bollards", "lighting", "surveillance"]]
       bollards  lighting  surveillance
    0         1         1             0
    1      <NA>      <NA>          <NA>
    """
    instr = load_instrument(instr)
    codes = instr.codes(name)
    s = data[name]
    tokens = s.fillna("").astype(str).str.split().explode()
    tab = pd.crosstab(tokens.index, tokens).reindex(index=s.index, columns=codes, fill_value=0)
    tab = (tab > 0).astype("Int64")
    tab[s.isna().to_numpy()] = pd.NA
    tab.columns.name = None
    tab.index = s.index
    return tab
