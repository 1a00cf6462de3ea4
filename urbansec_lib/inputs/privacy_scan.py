"""Statistical disclosure control of what a report publishes: scans of the rendered HTML
(pseudonyms, submission ids, e-mails, phone numbers, known ids, small group sizes) and of
the recorded numbers (small counts, survey values over too few people, distributions
over too few units), and secondary suppression of table cells.

Example
-------
>>> [f.kind for f in scan_html("<p>contact: jo@example.org, n = 4</p>")]
['email', 'small_n']
"""

from __future__ import annotations

import bisect
import html as _html
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.defaults import MIN_N

#: Fewest units a published distribution may be computed over.
MIN_UNITS = 3
_COUNT_COLUMNS = ("respondents", "n_respondents", "participants", "n_participants")
#: What a pseudonym looks like.
PSEUDONYM_RE = re.compile(r"\br_[0-9a-f]{16}\b")
#: Submission ids of Kobo/ODK exports (``_uuid``, ``meta/instanceID``) are UUIDs.
UUID_RE = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)


# ------------------------------------------------------------------ report scan
@dataclass(frozen=True)
class Finding:
    """Something in a rendered report that must not be there.

    Attributes
    ----------
    kind : str
        ``"pseudonym"``, ``"email"``, ``"phone"``, ``"known_id"`` or ``"small_n"``.
    match : str
        The matched text.
    position : int
        Character offset in the scanned text.
    context : str
        A few characters around the match (for the error message).

    Examples
    --------
    >>> f = scan_html("<p>contact: jo@example.org</p>")[0]
    >>> f.kind, f.match, f.position
    ('email', 'jo@example.org', 12)
    >>> print(f)
    email 'jo@example.org' at 12: ...<p>contact: jo@example.org</p>...
    """

    kind: str
    match: str
    position: int
    context: str

    def __str__(self) -> str:
        return f"{self.kind} {self.match!r} at {self.position}: ...{self.context}..."


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Each pattern starts with a literal (or a small set) and checks the character before it
# with a look-behind placed after it: the same matches as a leading look-behind, but the
# regex engine can then skip ahead to the literal (several times faster on a report).
_PHONES = (
    # international: +49 30 1234567, 0033 1 23 45 67 89, +44 (0)20 7946 0018
    re.compile(
        r"(?:\+(?<![\w.,+]\+)|00(?<![\w.,+]00))[1-9]\d{0,2}[\s.\-/]?(?:\(0\)[\s.\-]?)?\(?\d{1,4}\)?"
        r"(?:[\s.\-/]?\d{2,4}){2,5}(?![\w])"
    ),
    # national with separators: 030 1234567, 0612-345-678, 01 23 45 67 89
    re.compile(r"0(?<![\w.,/\-]0)\d{1,4}[\s\-/]\d{2,8}(?:[\s\-]\d{2,4}){0,3}(?![\w/\-]|[.,]\d)"),
    # national without separators: 0612345678
    re.compile(r"0(?<![\w.,/\-]0)[1-9]\d{8,10}(?![\w/\-]|[.,]\d)"),
)
_SMALL_N = re.compile(r"[nN](?<!\w[nN])\s*(?:=|:)\s*(\d{1,6})(?![\d.])")
#: :data:`PSEUDONYM_RE` led by its literal; :data:`UUID_RE`'s middle, a quick first test.
_PSEUDONYM_FAST = re.compile(r"r_(?<!\wr_)[0-9a-f]{16}\b")
_UUID_HINT = re.compile(r"-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-")
_DATA_URI = re.compile(r"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=\s]+")
_TAG = re.compile(r"<[^>]*>")


def secondary_suppress(
    table: pd.DataFrame,
    by: str | list[str],
    n_col: str = "n",
    flag_col: str = "suppressed",
    value_cols: list[str] | None = None,
) -> pd.DataFrame:
    """Complementary suppression: where a margin is published, one suppressed cell in a
    group could be recovered by subtraction; suppress the next-smallest cell as well.

    Within each group of rows sharing the ``by`` columns (e.g. one technology across size
    classes), when exactly one cell is suppressed (``flag_col``), the unsuppressed cell with
    the smallest ``n_col`` is suppressed too (its ``value_cols`` set to missing).

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["a"] * 3, "n": [7, 20, 30], "k": [1, 5, 9],
    ...                   "suppressed": [True, False, False]})
    >>> secondary_suppress(t, "code", value_cols=["k"])["suppressed"].tolist()
    [True, True, False]
    """
    out = table.copy()
    by = [by] if isinstance(by, str) else list(by)
    key = out[by].astype(str).agg("|".join, axis=1)
    n_supp = out[flag_col].groupby(key).transform("sum")
    cand = out[~out[flag_col].astype(bool) & (n_supp == 1)]
    if len(cand):
        pick = cand.groupby(key.loc[cand.index])[n_col].idxmin()
        out.loc[pick.to_numpy(), flag_col] = True
        if value_cols:
            out.loc[pick.to_numpy(), value_cols] = np.nan
    return out


def _without_data_uris(html_text: str):
    """The text with each embedded ``data:`` URI cut to one space (base64 images are most
    of a report's bytes and never a trace of a person), and a function mapping a position
    in it back to the position in ``html_text``.

    >>> t, back = _without_data_uris('<img src="data:image/png;base64,AAAA"> r_0123')
    >>> t.index("r_"), back(t.index("r_"))
    (14, 39)
    """
    cut = [(m.start(), m.end()) for m in _DATA_URI.finditer(html_text)]
    if not cut:
        return html_text, lambda pos: pos
    parts, short_at, orig_at, prev, n = [], [0], [0], 0, 0
    for a, b in cut:
        parts += [html_text[prev:a], " "]
        n += a - prev + 1
        short_at.append(n)
        orig_at.append(b)
        prev = b
    parts.append(html_text[prev:])

    def to_orig(pos: int) -> int:
        k = bisect.bisect_right(short_at, pos) - 1
        return orig_at[k] + pos - short_at[k]

    return "".join(parts), to_orig


def scan_html(html_text: str, min_n: int = MIN_N, known_ids: Iterable[str] = ()) -> list[Finding]:
    """Scan rendered report HTML for respondent-level traces.

    Looks for pseudonyms (``r_`` + 16 hex digits), survey submission ids (UUIDs, as Kobo's
    ``_uuid``), e-mail addresses, phone numbers, any of
    ``known_ids`` (e.g. the source submission ids and pseudonyms of the unit's respondents)
    and group sizes ``n = k`` / ``n: k`` below ``min_n``. Embedded ``data:`` URIs (base64
    images) are blanked first so they do not produce false alarms; pseudonyms, e-mails and
    known ids are searched everywhere (scripts and attributes included), phone numbers and
    group sizes in the visible text.

    Returns
    -------
    list of Finding
        Sorted by position; empty when the report is clean.

    Examples
    --------
    >>> [f.kind for f in scan_html("<p>contact: jo@example.org, n = 4</p>")]
    ['email', 'small_n']
    """
    text, to_orig = _without_data_uris(str(html_text))
    found: dict[tuple[str, int], Finding] = {}

    def add(kind: str, m_text: str, pos: int) -> None:
        ctx = text[max(0, pos - 30) : pos + len(m_text) + 30].replace("\n", " ")
        at = to_orig(pos)
        found.setdefault((kind, at), Finding(kind, m_text, at, ctx))

    for m in _PSEUDONYM_FAST.finditer(text):
        add("pseudonym", m.group(0), m.start())
    for m in UUID_RE.finditer(text) if _UUID_HINT.search(text) else ():
        add("submission_id", m.group(0), m.start())
    for m in _EMAIL.finditer(text) if "@" in text else ():
        add("email", m.group(0), m.start())
    # phone numbers: visible text only (tags blanked, offsets kept), so that digit runs in
    # attributes such as cell ids or CSS do not raise false alarms
    visible = _TAG.sub(lambda m: " " * len(m.group(0)), text)
    phone_spans: list[tuple[int, int]] = []
    for rx in _PHONES:
        for m in rx.finditer(visible):
            if sum(ch.isdigit() for ch in m.group(0)) < 8:
                continue
            if any(a <= m.start() < b for a, b in phone_spans):
                continue
            phone_spans.append((m.start(), m.end()))
            add("phone", m.group(0), m.start())
    for kid in {str(k) for k in known_ids if k is not None and str(k).strip()}:
        for m in re.finditer(re.escape(kid), text):
            add("known_id", kid, m.start())
        esc = _html.escape(kid)
        if esc != kid:
            for m in re.finditer(re.escape(esc), text):
                add("known_id", kid, m.start())
    # group sizes: visible text too
    for m in _SMALL_N.finditer(visible):
        if int(m.group(1)) < min_n:
            add("small_n", m.group(0), m.start())
    return sorted(found.values(), key=lambda f: (f.position, f.kind))


def scan_results(results, min_n: int = MIN_N, min_units: int = MIN_UNITS) -> list[Finding]:
    """Scan a report's recorded numbers for statistics that disclosure control must withhold.

    Walks the recorded results (as :class:`urbansec_lib.reports.Recorder` stores them:
    frames as ``{"__frame__": True, "columns", "data"}``) and reports

    * ``small_count``: a respondent count (``respondents``, ``n_respondents``,
      ``participants``) between 1 and ``min_n - 1`` that is published;
    * ``small_survey_value``: a survey value (``source`` starting with ``survey``) with
      ``n < min_n`` that is not missing;
    * ``small_distribution``: quartiles / median of fewer than ``min_units`` units
      (``peer_n`` with ``peer_q25`` / ``peer_median`` / ``peer_q75``, or ``n`` with
      ``q25`` / ``median`` / ``q75``) that are not missing.

    Examples
    --------
    >>> res = {"counts": {"__frame__": True, "columns": ["wave", "respondents"],
    ...                   "data": [[2023, 3], [2025, 40]]}}
    >>> [f.kind for f in scan_results(res)]
    ['small_count']
    """
    found: list[Finding] = []

    def num(v):
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    def frame(name: str, cols: list[str], data: list[list]) -> None:
        ix = {c: k for k, c in enumerate(cols)}
        for r, row in enumerate(data):
            for c in _COUNT_COLUMNS:
                if c in ix:
                    v = num(row[ix[c]])
                    if v is not None and 0 < v < min_n:
                        found.append(Finding("small_count", f"{c}={v}", r, f"{name} row {r}"))
            if "n" in ix and "value" in ix and "source" in ix:
                n, v, src = num(row[ix["n"]]), row[ix["value"]], str(row[ix["source"]])
                if src.startswith("survey") and n is not None and n < min_n and v is not None:
                    found.append(Finding("small_survey_value", f"n={n}", r, f"{name} row {r}"))
            for ncol, qs in (
                ("peer_n", ("peer_q25", "peer_median", "peer_q75")),
                ("n", ("q25", "median", "q75")),
            ):
                if ncol in ix and any(q in ix for q in qs):
                    n = num(row[ix[ncol]])
                    shown = [q for q in qs if q in ix and num(row[ix[q]]) is not None]
                    if n is not None and n < min_units and shown:
                        found.append(
                            Finding("small_distribution", f"{ncol}={n}", r, f"{name} row {r}")
                        )

    def walk(name: str, obj) -> None:
        if isinstance(obj, dict):
            if obj.get("__frame__") and isinstance(obj.get("columns"), list):
                frame(name, [str(c) for c in obj["columns"]], obj.get("data") or [])
                return
            for k, v in obj.items():
                walk(f"{name}.{k}" if name else str(k), v)
        elif isinstance(obj, list):
            for k, v in enumerate(obj):
                walk(f"{name}[{k}]", v)

    walk("", results)
    return found
