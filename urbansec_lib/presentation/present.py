"""Display-ready tables for reports: one number format per kind, labels instead of ids.

Every table a reader sees is made by :func:`table`, which returns a pandas
:class:`~pandas.io.formats.style.Styler` (rendered by Jupyter and nbconvert as an HTML
table): readable column labels (with units and reference years in the headers), one
format per kind of number, "no data" (or a footnote) instead of NaN/None, no row index
unless one is asked for, long text wrapped (never cut) and URLs as links. The formatted
strings are in :func:`frame` (what tests check).

Number formats (one per kind):

======== ============================ =================
kind     example input                shown as
======== ============================ =================
score    55.24                        55.2
share    0.423 (a proportion)         42 %
percent  42.3 (already in percent)    42 %
pvalue   0.0004 / 0.04812             < 0.001 / 0.048
ci       (0.12, 0.57)                 [0.12, 0.57]
int      12.0                         12
number   0.4567 (dp=2)                0.46
url      https://ec.europa.eu/x       link (host shown)
text     any                          escaped, wrapped
code     "Eurostat crim_gen_reg"      identifiers in <code>
lines    ["a", "b"]                   bulleted list in the cell
======== ============================ =================

The library is pandas' own ``Styler`` (no extra dependency; it is what ``display`` of a
frame already uses, keeps the data and its formatting apart, escapes HTML and hides the
index), rather than hand-built HTML.

Example
-------
>>> import pandas as pd
>>> df = pd.DataFrame({"node_id": ["qol", "sc"], "score": [55.24, None],
...                    "pvalue": [0.0004, 0.04812]})
>>> f = frame(df, columns={"node_id": "Dimension", "score": "Score (0-100)",
...                        "pvalue": "p-value"},
...           kinds={"score": "score", "pvalue": "pvalue"},
...           labels={"node_id": {"qol": "Quality of life", "sc": "Social cohesion"}})
>>> f.values.tolist()
[['Quality of life', '55.2', '< 0.001'], ['Social cohesion', 'no data', '0.048']]
>>> "<th" in table(df, columns={"score": "Score"}).to_html()
True
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

__all__ = [
    "MISSING",
    "fmt_score",
    "fmt_share",
    "fmt_percent",
    "fmt_pvalue",
    "fmt_ci",
    "fmt_int",
    "fmt_number",
    "fmt_url",
    "fmt_p_inline",
    "humanise",
    "frame",
    "table",
    "key_findings",
    "join_sentences",
]

#: What a reader sees where there is no value.
MISSING = "no data"


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, (float, np.floating)):
        return not math.isfinite(float(x))
    if isinstance(x, str):
        return x.strip().lower() in ("", "nan", "none", "<na>", "nat")
    return False


def fmt_score(x: Any, dp: int = 1, missing: str = MISSING) -> str:
    """A score with ``dp`` decimals (default 1): ``55.24 -> '55.2'``.

    >>> fmt_score(55.24), fmt_score(float("nan"))
    ('55.2', 'no data')
    """
    return missing if _is_missing(x) else f"{float(x):.{dp}f}"


def fmt_number(x: Any, dp: int = 2, missing: str = MISSING) -> str:
    """A number with ``dp`` decimals and thousands separators: ``1234.5 -> '1,234.50'``.

    >>> fmt_number(1234.5), fmt_number(None)
    ('1,234.50', 'no data')
    """
    return missing if _is_missing(x) else f"{float(x):,.{dp}f}"


def fmt_int(x: Any, missing: str = MISSING) -> str:
    """A count: ``12.0 -> '12'``, ``1234 -> '1,234'``.

    >>> fmt_int(12.0), fmt_int(1234)
    ('12', '1,234')
    """
    return missing if _is_missing(x) else f"{round(float(x)):,d}"


def fmt_share(x: Any, dp: int = 0, missing: str = MISSING) -> str:
    """A proportion (0-1) as a percentage: ``0.423 -> '42 %'``.

    >>> fmt_share(0.423), fmt_share(0.4251, dp=1)
    ('42 %', '42.5 %')
    """
    return missing if _is_missing(x) else f"{100 * float(x):.{dp}f} %"


def fmt_percent(x: Any, dp: int = 0, missing: str = MISSING) -> str:
    """A value already in percent: ``42.3 -> '42 %'``.

    >>> fmt_percent(42.3)
    '42 %'
    """
    return missing if _is_missing(x) else f"{float(x):.{dp}f} %"


def fmt_pvalue(p: Any, missing: str = MISSING) -> str:
    """A p-value: ``'< 0.001'`` below 0.001, otherwise three decimals.

    >>> fmt_pvalue(0.0004), fmt_pvalue(0.04812), fmt_pvalue(0.103), fmt_pvalue(1)
    ('< 0.001', '0.048', '0.103', '1.000')
    """
    if _is_missing(p):
        return missing
    p = float(p)
    return "< 0.001" if p < 0.001 else f"{min(p, 1.0):.3f}"


def fmt_ci(lo: Any, hi: Any, dp: int = 2, missing: str = MISSING) -> str:
    """A confidence interval ``[a, b]``.

    >>> fmt_ci(0.1234, 0.5678), fmt_ci(12.34, 56.78, dp=1), fmt_ci(None, 1)
    ('[0.12, 0.57]', '[12.3, 56.8]', 'no data')
    """
    if _is_missing(lo) or _is_missing(hi):
        return missing
    return f"[{float(lo):.{dp}f}, {float(hi):.{dp}f}]"


def fmt_url(url: Any, text: str | None = None, missing: str = MISSING) -> str:
    """An HTML link showing the host (or ``text``): never a cut URL.

    >>> fmt_url("https://ec.europa.eu/regional_policy/funding/erdf_en")
    '<a href="https://ec.europa.eu/regional_policy/funding/erdf_en">ec.europa.eu</a>'
    """
    if _is_missing(url):
        return missing
    u = str(url).strip()
    host = urlparse(u).hostname or u
    label = text or (host[4:] if host.startswith("www.") else host)
    return f'<a href="{html.escape(u, quote=True)}">{html.escape(label)}</a>'


_ACRONYMS = {
    "ci": "CI", "id": "ID", "eu": "EU", "mde": "MDE", "did": "DiD", "its": "ITS",
    "wdd": "WDD", "swot": "SWOT", "nuts": "NUTS", "auc": "AUC", "dpia": "DPIA", "ai": "AI",
    "n": "n", "sd": "SD", "se": "SE", "or": "OR", "qol": "QoL", "url": "URL",
}  # fmt: skip
_WORDS = {"pvalue": "p-value", "pvalues": "p-values", "dz": "d_z", "q25": "25th percentile",
          "q75": "75th percentile", "pct": "%", "msms": "Maryland scale"}  # fmt: skip


def humanise(name: Any) -> str:
    """A readable label for an internal name: ``'alpha_standardised' -> 'Alpha standardised'``.

    Used only where no label exists in the framework or a catalogue.

    >>> humanise("ci_low"), humanise("n_items"), humanise("pvalue"), humanise("civil_society")
    ('CI low', 'n items', 'p-value', 'Civil society')
    """
    s = str(name)
    if s in ("d_z", "d_av") or re.match(r"^[a-z]( |\(|-|$)", s):  # notation: d_z, p (t-test)
        return s
    if "_" not in s and s.lower() not in _WORDS and s.lower() not in _ACRONYMS:
        return s[:1].upper() + s[1:] if s.islower() else s
    words = [w for w in re.split(r"[_\s]+", s) if w]
    out = []
    for i, w in enumerate(words):
        lw = w.lower()
        if lw in _WORDS:
            out.append(_WORDS[lw])
        elif lw in _ACRONYMS:
            out.append(_ACRONYMS[lw])
        else:
            out.append(lw.capitalize() if i == 0 else lw)
    return " ".join(out)


def join_sentences(parts: Sequence[str], sep: str = "; ") -> str:
    """Join clauses without doubled punctuation (no ".;" or ";.").

    >>> join_sentences(["Parallel trends hold.", "check seasonality."])
    'Parallel trends hold; check seasonality.'
    """
    parts = [str(p).strip() for p in parts if str(p).strip()]
    if not parts:
        return ""
    body = [p.rstrip(".;") for p in parts[:-1]] + [parts[-1].rstrip(";")]
    text = sep.join(body)
    return text if text.endswith((".", "!", "?")) else text + "."


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

_FORMATTERS: dict[str, Callable[..., str]] = {
    "score": fmt_score,
    "share": fmt_share,
    "percent": fmt_percent,
    "pvalue": fmt_pvalue,
    "int": fmt_int,
    "number": fmt_number,
    "url": fmt_url,
}


def _apply(f: Callable[..., str], v: Any, kw: dict) -> str:
    """Format ``v``; a text that is not a number (already formatted, or a note such as
    "fewer than 10") is shown as it is."""
    if isinstance(v, str) and f is not fmt_url and not _is_missing(v):
        try:
            float(v)
        except ValueError:
            return html.escape(v)
    return f(v, **kw)


def _lines(v: Any, missing: str) -> str:
    if not isinstance(v, (list, tuple, np.ndarray)):
        v = [] if _is_missing(v) else [v]
    items = [str(x) for x in v if not _is_missing(x)]
    if not items:
        return missing
    return "<ul class='us-lines'>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>"


def _text(x: Any, missing: str) -> str:
    if _is_missing(x):
        return missing
    if isinstance(x, (list, tuple, set, np.ndarray)):
        items = [str(v) for v in x if not _is_missing(v)]
        return ", ".join(items) if items else missing
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):,.2f}"
    return str(x)


_P_NAME = re.compile(r"(?i)(\bp[- ]?values?\b|^p$|^p\s*\(|holm|adjusted p)")


def _auto_kind(header: str, col: pd.Series) -> str:
    """Default kind: p-values by their header, counts, other numbers; text otherwise."""
    if _P_NAME.search(str(header)):
        return "pvalue"
    if col.dtype == bool or pd.api.types.is_bool_dtype(col):
        return "text"
    if pd.api.types.is_numeric_dtype(col):
        vals = pd.to_numeric(col, errors="coerce").dropna()
        if len(vals) and np.all(np.isclose(vals, np.round(vals))):
            return "int"
        return "number"
    return "text"


def frame(
    df: pd.DataFrame,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    kinds: Mapping[str, str | tuple[str, int]] | None = None,
    labels: Mapping[str, Mapping[Any, str] | Callable[[Any], str]] | None = None,
    ci: Mapping[str, tuple[str, str]] | None = None,
    missing: str | Mapping[str, str] = MISSING,
    dp: Mapping[str, int] | None = None,
    number_dp: int = 2,
) -> pd.DataFrame:
    """The formatted strings of :func:`table` (same arguments), as a DataFrame.

    Parameters
    ----------
    df : DataFrame
        Tidy data; its index is ignored (use a column for a meaningful row label).
    columns : dict or list, optional
        Source column -> header label, in display order (list: humanised names). Default:
        every column, humanised.
    kinds : dict, optional
        Source column -> kind ("score", "share", "percent", "pvalue", "int", "number",
        "url", "text") or (kind, decimals). Default "text" (numbers: 2 decimals).
    labels : dict, optional
        Source column -> mapping (or function) from ids to readable labels (framework node
        labels, unit names, catalogue labels). Ids without a label stay, humanised.
    ci : dict, optional
        New header -> (low column, high column), formatted ``[a, b]`` with the decimals of
        ``dp[header]`` (default 2); placed where the low column is in ``columns`` or last.
    missing : str or dict
        What to show for a missing value (default "no data"), globally or per column.
    dp : dict, optional
        Decimals per column (overrides the kind's default).
    number_dp : int
        Decimals of numbers without a declared kind (default 2).

    The returned frame's ``attrs["numeric"]`` lists the headers of numeric columns (shown
    right-aligned by :func:`table`).

    Long because: most of it is the documentation of its eight arguments; the code is
    about 30 lines, its steps in ``_default_columns``, ``_entries``, ``_kind_of``,
    ``_relabelled`` and ``_formatted``.

    Examples
    --------
    >>> df = pd.DataFrame({"unit": ["a_b"], "share": [0.423], "ci_low": [0.1], "ci_high": [0.5]})
    >>> f = frame(df, kinds={"share": "share"})
    >>> f.columns.tolist(), f.values.tolist()
    (['Unit', 'Share', '95% CI'], [['A b', '42 %', '[0.10, 0.50]']])
    >>> f.attrs["numeric"]
    ['Share', '95% CI']
    """
    kinds = dict(kinds or {})
    labels = dict(labels or {})
    dp = dict(dp or {})
    ci = dict(ci or {})
    if any(n is not None for n in df.index.names):  # a meaningful index becomes columns
        df = df.reset_index()
    df = df.rename(columns=str)
    if columns is None:
        columns, ci = _default_columns(df, labels, ci)
    elif not isinstance(columns, Mapping):
        columns = {c: humanise(c) for c in columns}
    columns = dict(columns)
    order = _entries(columns, ci)
    data = df.reset_index(drop=True)
    out: dict[str, list[str]] = {}
    numeric: list[str] = []
    for what, key in order:
        miss = missing.get(key, MISSING) if isinstance(missing, Mapping) else missing
        if what == "ci":
            lo, hi = ci[key]
            d = dp.get(key, 2)
            out[key] = [fmt_ci(a, b, dp=d, missing=miss) for a, b in zip(data[lo], data[hi])]
            numeric.append(key)
            continue
        if key not in data.columns:
            raise KeyError(f"column {key!r} not in the table (columns: {list(data.columns)})")
        kind, digits = _kind_of(key, columns[key], data[key], kinds, dp, number_dp)
        header = columns[key]
        out[header] = _formatted(_relabelled(data[key], labels.get(key)), kind, digits, miss)
        if kind not in ("lines", "text", "code", "url"):
            numeric.append(header)
    names = [columns[k] if w == "col" else k for w, k in order]
    res = pd.DataFrame(out, columns=names)
    res.attrs["numeric"] = numeric
    return res


def _default_columns(df: pd.DataFrame, labels: dict, ci: dict) -> tuple[dict, dict]:
    """Headers of a table without a column spec: every column humanised, one CI column
    (``ci_low``/``ci_high``), and columns of snake_case ids humanised (``labels`` gains an
    empty mapping for them, in place)."""
    columns = {c: humanise(c) for c in df.columns}
    if {"ci_low", "ci_high"} <= set(df.columns) and not ci:
        ci = {"95% CI": ("ci_low", "ci_high")}
        columns = {c: v for c, v in columns.items() if c != "ci_high"}
    for c in df.columns:
        vals = df[c].dropna()
        if (
            c not in labels
            and len(vals)
            and vals.map(lambda v: isinstance(v, str)).all()
            and vals.str.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+").any()
        ):
            labels[c] = {}
    return columns, ci


def _entries(columns: dict, ci: dict) -> list[tuple[str, str]]:
    """The table's entries in display order: ``("col", source column)`` or ``("ci", header)``
    (a CI where its low column is listed, else last)."""
    ci_low = {lo: name for name, (lo, _hi) in ci.items()}
    order: list[tuple[str, str]] = []
    for c in columns:
        if c in ci_low:
            order.append(("ci", ci_low[c]))
        elif c in ci:
            order.append(("ci", c))
        else:
            order.append(("col", c))
    for name in ci:
        if ("ci", name) not in order:
            order.append(("ci", name))
    return order


def _kind_of(key, header, col, kinds, dp, number_dp) -> tuple[str, int | None]:
    """A column's kind and decimals: declared, else guessed from its header and values."""
    kind = kinds.get(key) or _auto_kind(header, col)
    digits = None
    if isinstance(kind, tuple):
        kind, digits = kind
    digits = dp.get(key, digits)
    if kind == "number" and digits is None:
        digits = number_dp
    return kind, digits


def _relabelled(col: pd.Series, lab) -> pd.Series:
    """Ids replaced by readable labels (a mapping or a function; unknown ids humanised)."""
    if lab is None:
        return col
    return col.map(
        lambda v: v if _is_missing(v) else (lab(v) if callable(lab) else lab.get(v, humanise(v)))
    )


def _formatted(col: pd.Series, kind: str, digits: int | None, miss: str) -> list[str]:
    """The column's values as display strings of one kind."""
    if kind == "lines":  # a list of texts: a bulleted list in the cell, never cut
        return [_lines(v, miss) for v in col]
    if kind in ("text", "code"):
        vals = [_text(v, miss) for v in col]
        vals = [html.escape(v) if v != miss else v for v in vals]
        if kind == "code":  # identifiers a reader may look up (dataset codes) as code
            vals = [_CODE.sub(r"<code>\g<0></code>", v) for v in vals]
        return vals
    f = _FORMATTERS[kind]
    kw: dict[str, Any] = {"missing": miss}
    if digits is not None and kind in ("score", "share", "percent", "number"):
        kw["dp"] = digits
    return [_apply(f, v, kw) for v in col]


def table(
    df: pd.DataFrame,
    *frame_args: Any,
    caption: str | None = None,
    notes: Sequence[str] = (),
    index: str | None = None,
    empty: str = "No rows to show.",
    **frame_kw: Any,
):
    """A display-ready table (pandas ``Styler``); ``columns``, ``kinds``, ``labels``, ``ci``,
    ``missing``, ``dp`` and ``number_dp`` as :func:`frame` (which makes its strings).

    ``index`` names a header (after relabelling) whose values label the rows (shown as row
    headers); by default there is no row index. ``caption`` goes above the table, ``notes``
    (footnotes, e.g. why some values are withheld) below it. An empty table shows ``empty``.

    Examples
    --------
    >>> df = pd.DataFrame({"node_id": ["qol"], "pvalue": [0.0004]})
    >>> st = table(df, {"node_id": "Dimension", "pvalue": "p-value"}, caption="Tests",
    ...            notes=["One test."])
    >>> st.data.values.tolist(), "One test." in st.to_html()
    ([['qol', '< 0.001']], True)
    """
    f = frame(df, *frame_args, **frame_kw)
    numeric = [c for c in f.attrs.get("numeric", []) if c != index]
    if f.empty:
        f = pd.DataFrame({"": [html.escape(empty)]})
        index = None
        numeric = []
    if index is not None:
        f = f.set_index(index)
    digest = hashlib.sha1(f.to_json().encode("utf-8")).hexdigest()[:10]
    st = f.style.set_uuid(f"us{digest}")
    if index is None:
        st = st.hide(axis="index")
    st = st.set_table_attributes('class="dataframe us-table"')
    if numeric:
        st = st.set_properties(subset=numeric, **{"text-align": "right"})
    cap = html.escape(caption) if caption else ""
    if notes:
        foot = "<br>".join(f"<small class='us-note'>{html.escape(n)}</small>" for n in notes)
        cap = f"{cap}<br>{foot}" if cap else foot
    if cap:
        st = st.set_caption(cap)
    return st


def key_findings(points: Sequence[str], title: str = "Key findings"):
    """The report's key findings (a short generated summary), shown first in the report.

    Display it from a cell tagged ``key-findings``: :func:`urbansec_lib.reports.render_html`
    moves that cell right after the title.

    >>> key_findings(["Two dimensions are below the peers' median."]).data[:40]
    '<section class="us-key-findings"><h2 id='
    """
    from IPython.display import HTML

    items = "".join(f"<li>{html.escape(p)}</li>" for p in points if p)
    return HTML(
        f'<section class="us-key-findings"><h2 id="key-findings">{html.escape(title)}</h2>'
        f"<ul>{items}</ul></section>"
    )


def glossary_terms(text: str = "", fw=None) -> list[tuple[str, str]]:
    """Glossary entries for a report: the framework's dimensions and every packaged term the
    report's ``text`` uses (case-insensitive), in glossary order.

    >>> [t for t, _ in glossary_terms("the peer group and a p-value")][-2:]
    ['Peer group', 'p-value']
    """
    low = text.lower()
    out = list(_dimension_entries() if fw is None else _dimension_entries_of(fw))
    out += [(term, definition) for term, definition in _glossary() if term.lower() in low]
    return out


@functools.lru_cache(maxsize=1)
def _glossary() -> tuple[tuple[str, str], ...]:
    """The packaged glossary (term, definition), read once per process."""
    from importlib import resources

    import yaml

    path = resources.files("urbansec_lib") / "templates" / "glossary.yaml"
    terms = yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]
    return tuple((str(t), str(d)) for t, d in terms.items())


@functools.lru_cache(maxsize=1)
def _dimension_entries() -> tuple[tuple[str, str], ...]:
    """The packaged framework's dimensions (label, description), read once per process."""
    from ..model.framework import load_framework

    return _dimension_entries_of(None, load_framework)


def _dimension_entries_of(fw, load=None) -> tuple[tuple[str, str], ...]:
    try:
        fw = fw if load is None else load()
        return tuple(
            (fw.node(d.id).label, getattr(fw.node(d.id), "description", "") or "")
            for d in fw.dimensions
        )
    except Exception:  # noqa: BLE001 - a glossary never stops a report
        return ()


def replace_ids(text: Any, mapping: Mapping[str, str]) -> Any:
    """Replace every id of ``mapping`` that appears as a whole word in ``text`` by its label.

    >>> replace_ids("coverage unknown for qol_eu_cities, numbeo", {"qol_eu_cities": "QoL survey"})
    'coverage unknown for QoL survey, numbeo'
    """
    if _is_missing(text) or not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pat = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w])")
    return pat.sub(lambda m: mapping[m.group(1)], str(text))


def fmt_p_inline(p: Any) -> str:
    """A p-value in running text: ``'p = 0.048'`` or ``'p < 0.001'``.

    >>> fmt_p_inline(0.04812), fmt_p_inline(0.0001)
    ('p = 0.048', 'p < 0.001')
    """
    v = fmt_pvalue(p)
    return f"p {v}" if v.startswith("<") else f"p = {v}"
