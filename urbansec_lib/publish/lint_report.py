"""A linter for produced HTML reports: what a reader should never see.

:func:`lint_html` reads a report as a reader sees it (the header and the reproducibility
footer, which show file names and parameters on purpose, are left out) and returns one
:class:`LintFinding` per problem:

``missing-value``
    a visible ``NaN``, ``nan``, ``None``, ``<NA>``, ``NaT`` or ``nan%``.
``identifier``
    a snake_case identifier (``n_items``, ``quality_of_life``) in a table header or cell,
    a caption or a figure's title or alt text, i.e. an internal name shown as a label.
``cut-text``
    a table cell ending in "…" or "...": text cut instead of wrapped.
``figure-title`` / ``figure-alt``
    a figure without a title (caption) or without alt text.
``figure-width``
    an embedded image wider than the page (:data:`MAX_IMAGE_PX` CSS pixels).
``p-value-format``
    a p-value not written as "< 0.001" or with three decimals (0.05, 1.03e-01).
``row-index``
    a bare 0, 1, 2, ... row index (an index that carries no meaning).
``punctuation``
    ".;" or ";." left by joined sentences.

:func:`lint_file` / :func:`lint_reports` apply it to files; ``urbansec run`` runs it on every
report after the privacy scan and blocks a report with findings.

Example
-------
>>> html = "<table><tr><th>n_items</th><td>NaN</td></tr></table>"
>>> sorted({f.rule for f in lint_html(html)})
['identifier', 'missing-value']
>>> lint_html("<table><tr><th>Items</th><td>4</td></tr></table>")
[]
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LintFinding", "lint_html", "lint_file", "lint_reports", "MAX_IMAGE_PX"]

#: Widest embedded image (CSS px at 1x) that fits the report column without scaling down
#: beyond legibility; matches the template's content width.
MAX_IMAGE_PX = 1200

_MISSING_CELL = re.compile(r"^\s*None\s*$|(?:^|[\s(\[])(NaN|nan|<NA>|NaT|nan%)(?:$|[\s,;)\]%])")
_MISSING_TEXT = re.compile(r"\bNaN\b|\bnan%|\bnan\b|<NA>|\bNaT\b")
_SNAKE = re.compile(r"(?<![\w./@#-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./@-])")
#: Statistical notation written with an underscore on purpose (Cohen's d_z).
NOTATION = frozenset({"d_z", "d_av", "r_s"})
_CUT = re.compile(r"(…|\.\.\.)\s*$")
_PUNCT = re.compile(r"\.\s*;|;\s*\.(?!\d)")
_P_HEADER = re.compile(r"(?i)(\bp[- ]?values?\b|^p$|^p\s*\(|\bp \(|holm|adjusted p|^p adj)")
_P_OK = re.compile(r"^(< ?0\.001|0\.\d{3}|1\.000|no data|not estimated|—|-|)$")
#: nbconvert's stand-in for missing alternative text is no description either.
_NO_ALT = "no description has been provided for this image"
_P_INLINE = re.compile(r"\bp\s*(=|<|≤)\s*([0-9][0-9.eE+-]*)")


@dataclass(frozen=True)
class LintFinding:
    """One problem: rule name, where (a short locator) and the offending text.

    Attributes
    ----------
    rule : str
        One of the rules of the module docstring (``missing-value``, ``identifier`` ...).
    where : str
        ``table 1 row 2 col 3``, ``figure 2 alt``, ``text`` ...
    text : str
        The offending text (shown cut to 80 characters).

    Examples
    --------
    >>> f = lint_html("<table><tr><td>Long text ...</td></tr></table>")[0]
    >>> f.rule, f.where
    ('cut-text', 'table 1 row 1 col 1')
    >>> print(f)
    cut-text: table 1 row 1 col 1: 'Long text ...'
    """

    rule: str
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: {self.text[:80]!r}"


def _png_width(src: str) -> int | None:
    if not src.startswith("data:image/png;base64,"):
        return None
    try:
        head = base64.b64decode(src.split(",", 1)[1][:64] + "==", validate=False)[:24]
        return struct.unpack(">I", head[16:20])[0]
    except (ValueError, struct.error):
        return None


def _identifiers(text: str) -> list[str]:
    """snake_case tokens, except a dataset code named with its publisher ("Eurostat
    crim_gen_reg"), which readers need to find the data."""
    return [
        m.group(0)
        for m in _SNAKE.finditer(text)
        if m.group(0) not in NOTATION and not re.search(r"Eurostat\s*$", text[: m.start()])
    ]


def _text(el) -> str:
    """An element's text as a reader reads it: its strings stripped and joined by spaces
    (BeautifulSoup's ``get_text(" ", strip=True)``)."""
    return " ".join(t.strip() for t in el.itertext() if t.strip())


def _inside(el, *tags: str) -> bool:
    return any(a.tag in tags for a in el.iterancestors())


def _parse(html: str):
    """The page as an lxml tree (libxml2's HTML parser: a report in a few milliseconds, where
    a BeautifulSoup tree took ten times longer); ``None`` for an empty page."""
    import lxml.html

    data = html.encode("utf-8")
    if not data.strip():
        return None
    return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))


def _visible(root):
    """``root`` without what no reader reads as text (styles, scripts, code) and without the
    header and the reproducibility footer, which show file names and parameters on purpose."""
    drop = [
        el
        for el in root.iter("header", "footer", "style", "script", "code", "pre")
        if el.tag not in ("header", "footer")
        or {"us-header", "us-footer"} & set((el.get("class") or "").split())
    ]
    for el in drop:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the text that follows it
    return root


def lint_html(html: str, max_image_px: int = MAX_IMAGE_PX) -> list[LintFinding]:
    """Findings for one report's HTML (empty list: the report reads clean).

    Long because: one pass over the parsed page, one short rule after another, each rule a
    few lines.

    Parameters
    ----------
    html : str
        A rendered report.
    max_image_px : int
        Widest embedded image accepted (CSS pixels).

    Returns
    -------
    list of LintFinding
        In page order, without duplicates.

    Examples
    --------
    >>> for f in lint_html("<table><tr><th>n_items</th><td>NaN</td></tr></table>"):
    ...     print(f)
    identifier: table 1 row 1 col 1: 'n_items'
    missing-value: table 1 row 1 col 2: 'NaN'
    missing-value: text: 'n_items NaN'
    >>> p_table = ("<table><thead><tr><th>p-value</th></tr></thead>"
    ...            "<tbody><tr><td>0.05</td></tr><tr><td>&lt; 0.001</td></tr></tbody></table>")
    >>> [str(f) for f in lint_html(p_table)]
    ["p-value-format: table 1 row 2 col 1: '0.05'"]
    >>> [f.rule for f in lint_html('<figure><img src="f.png" alt=""></figure><p>Done.; next</p>')]
    ['figure-alt', 'figure-title', 'punctuation']
    >>> lint_html('<figure><img src="f.png" alt="Crime rate by year" width="1600">'
    ...           '<figcaption>Crime rate</figcaption></figure>', max_image_px=1200)
    [LintFinding(rule='figure-width', where='figure 1', text='1600 px > 1200 px')]
    """
    root = _parse(html)
    if root is None:
        return []
    # figures first: images keep their data before the visible-text pass
    out: list[LintFinding] = []
    for i, img in enumerate(root.iter("img"), 1):
        if _inside(img, "header", "footer"):
            continue
        alt = (img.get("alt") or "").strip()
        where = f"figure {i}"
        if not alt or alt.lower() in ("figure", "image", "png", _NO_ALT):
            out.append(LintFinding("figure-alt", where, alt))
        fig = next((a for a in img.iterancestors() if a.tag == "figure"), None)
        cap = fig.find(".//figcaption") if fig is not None else None
        title = (_text(cap) if cap is not None else "") or (img.get("title") or "").strip()
        if not title:
            out.append(LintFinding("figure-title", where, alt[:60]))
        for text, kind in ((alt, "alt"), (title, "title")):
            for m in _identifiers(text):
                out.append(LintFinding("identifier", f"{where} {kind}", m))
        width = _png_width(img.get("src") or "")
        declared = img.get("width")
        if declared and str(declared).isdigit():
            width = int(declared)
        if width is not None and width > max_image_px:
            out.append(LintFinding("figure-width", where, f"{width} px > {max_image_px} px"))
    root = _visible(root)
    for t, table in enumerate(root.iter("table"), 1):
        tw = f"table {t}"
        cap = table.find(".//caption")
        if cap is not None:
            for m in _identifiers(_text(cap)):
                out.append(LintFinding("identifier", f"{tw} caption", m))
        heads = [_text(th) for th in table.xpath(".//thead//th")]
        p_cols = {j for j, h in enumerate(heads) if _P_HEADER.search(h)}
        row_heads: list[str] = []
        for r, tr in enumerate(table.iter("tr"), 1):
            cells = [c for c in tr if c.tag in ("th", "td")]
            n_th_lead = 0
            for j, cell in enumerate(cells):
                text = _text(cell)
                loc = f"{tw} row {r} col {j + 1}"
                if _MISSING_CELL.search(text):
                    out.append(LintFinding("missing-value", loc, text))
                for m in _identifiers(text):
                    out.append(LintFinding("identifier", loc, m))
                if cell.tag == "td" and _CUT.search(text):
                    out.append(LintFinding("cut-text", loc, text[-60:]))
                if cell.tag == "td" and j in p_cols and not _P_OK.match(text):
                    out.append(LintFinding("p-value-format", loc, text))
                if cell.tag == "th" and j == n_th_lead and _inside(tr, "tbody"):
                    n_th_lead += 1
                    if j == 0:
                        row_heads.append(text)
        if len(row_heads) >= 2 and row_heads == [str(i) for i in range(len(row_heads))]:
            out.append(LintFinding("row-index", tw, "0, 1, 2, ..."))
    text = re.sub(r"\s+", " ", " ".join(root.itertext()))  # the spacing a browser shows
    for m in _MISSING_TEXT.finditer(text):
        ctx = text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
        out.append(LintFinding("missing-value", "text", ctx))
    for m in _PUNCT.finditer(text):
        ctx = text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
        out.append(LintFinding("punctuation", "text", ctx))
    for m in _P_INLINE.finditer(text):
        v = m.group(2).rstrip(".")
        ok = (m.group(1) in "<≤" and v == "0.001") or re.fullmatch(r"0\.\d{3}|1\.000", v)
        # thresholds in prose (p < 0.05, p < 0.10) are definitions, not reported p-values
        if not ok and not (m.group(1) in "<≤" and re.fullmatch(r"0\.\d{1,2}", v)):
            out.append(LintFinding("p-value-format", "text", m.group(0)))
    # de-duplicate while keeping order
    seen: set[tuple[str, str, str]] = set()
    uniq = []
    for f in out:
        key = (f.rule, f.where, f.text)
        if key not in seen:
            seen.add(key)
            uniq.append(f)
    return uniq


def lint_file(path: str | Path, max_image_px: int = MAX_IMAGE_PX) -> list[LintFinding]:
    """Findings for one HTML file.

    Parameters
    ----------
    path : str or Path
        A UTF-8 HTML report.
    max_image_px : int
        Widest embedded image accepted (CSS pixels).

    Returns
    -------
    list of LintFinding

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "report.html"
    >>> _ = p.write_text("<p>Share of residents: nan%</p>", encoding="utf-8")
    >>> [str(f) for f in lint_file(p)]
    ["missing-value: text: 'Share of residents: nan%'"]
    """
    return lint_html(Path(path).read_text(encoding="utf-8"), max_image_px=max_image_px)


def lint_reports(reports_dir: str | Path) -> dict[str, list[LintFinding]]:
    """Findings per report under ``reports_dir/<unit>/<study>.html`` (only reports with any).

    The dashboard (``site/``) and run logs (``_runs/``) are not reports and are left out.

    Parameters
    ----------
    reports_dir : str or Path

    Returns
    -------
    dict
        ``"<unit>/<study>.html"`` -> list of LintFinding.

    Examples
    --------
    >>> import tempfile
    >>> reports = Path(tempfile.mkdtemp())
    >>> for rel, text in [("ES001C/existing_data.html", "<p>Rate: NaN</p>"),
    ...                   ("ES001C/training.html", "<p>Rate: 4.2</p>"),
    ...                   ("site/index.html", "<p>NaN</p>")]:
    ...     (reports / rel).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (reports / rel).write_text(text, encoding="utf-8")
    >>> {k: [f.rule for f in v] for k, v in lint_reports(reports).items()}
    {'ES001C/existing_data.html': ['missing-value']}
    """
    out = {}
    for p in sorted(Path(reports_dir).glob("*/*.html")):
        if p.parent.name in ("site", "_runs"):
            continue
        found = lint_file(p)
        if found:
            out[f"{p.parent.name}/{p.name}"] = found
    return out
