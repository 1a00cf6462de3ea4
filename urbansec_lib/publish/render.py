"""Rendering an executed study notebook as a self-contained HTML report: key findings
first, a table of contents, tables that scroll on a phone, a glossary, the footer.

Example
-------
>>> _scroll_tables("<table></table>").startswith("<div")
True
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any


# ------------------------------------------------------------------ rendering
def render_html(nb, context: dict[str, Any]) -> str:
    """Render an executed notebook to a self-contained HTML report (no input cells).

    ``context`` fills the title block and reproducibility footer (title, unit_id,
    unit_name, study, date, sources, run_id, code_version, parameters_json, inputs,
    packages, manifest_relpath).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("# A study\\n\\nKey finding: none.")]
    >>> html = render_html(nb, {"title": "A study", "unit_id": "BE212"})
    >>> html.lstrip().lower().startswith("<!doctype html>"), "A study" in html
    (True, True)
    """
    exporter = _html_exporter()
    nb = _key_findings_first(nb)  # a new top level: the caller's notebook is left as it was
    nb.metadata = type(nb)(dict(nb.metadata, title=context.get("title", "urbansec report")))
    context = dict(context)
    if "glossary" not in context:
        from ..presentation.present import glossary_terms

        context["glossary"] = glossary_terms(_reader_text(nb))
    body, _ = exporter.from_notebook_node(nb, resources={"urbansec": context})
    return _scroll_tables(_add_toc(_accessible(body)))


#: nbconvert's text for an image without alternative text (the report linter flags it).
MISSING_ALT = "No description has been provided for this image"
_IMG_NO_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
_FOCUSABLE = re.compile(
    r'(<div class="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")(?![^>]*tabindex)'
)


def _accessible(body: str) -> str:
    """What nbconvert's HTML exporter adds after its template, without parsing the page again
    (that parse and re-serialisation took half of a report's rendering): alternative text on
    an image that has none, and keyboard focus (``tabindex``) on every cell's text and output.

    >>> _accessible('<div class="jp-OutputArea-output x"><img src="a.png"></div>')
    '<div class="jp-OutputArea-output x" tabindex="0"><img alt="No description has been \
provided for this image" src="a.png"></div>'
    """
    body = _IMG_NO_ALT.sub(f'<img alt="{MISSING_ALT}"', body)
    return _FOCUSABLE.sub(r'\1 tabindex="0"', body)


@functools.lru_cache(maxsize=1)
def _html_exporter():
    """One HTML exporter per process: its Jinja templates are compiled once, not per report
    (compiling them took most of a report's HTML export time)."""
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from traitlets.config import Config

    class _ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its closing BeautifulSoup pass (done by
        :func:`_accessible` on the text)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            from nbconvert.filters.highlight import Highlight2HTML
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter(
                "highlight_code",
                self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
                ),
            )
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        @pass_context
        def markdown2html(self, context, source):
            """nbconvert's Markdown filter, remembered for a text without images (an image
            is read from its file, which may change): the notebook's own Markdown cells are
            the same for every unit of a batch."""
            cell = context.get("cell", {})
            if cell.get("attachments") or "![" in source or "<img" in source.lower():
                return super().markdown2html(context, source)
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            key = (source, path)
            html = self._markdown_cache.get(key)
            if html is None:
                if len(self._markdown_cache) > 4096:
                    self._markdown_cache.clear()
                html = self._markdown_cache[key] = super().markdown2html(context, source)
            return html

    tdir = resources.files("urbansec_lib") / "templates"
    c = Config()
    c.HTMLExporter.extra_template_basedirs = [str(tdir)]
    c.HTMLExporter.template_name = "urbansec_report"
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.optimistic_validation = True  # validate once, not after each preprocessor
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("parameters", "injected-parameters", "remove")
    exporter = _ReportExporter(config=c)
    exporter._markdown_cache = {}
    return exporter


def _scroll_tables(body: str) -> str:
    """Wrap every table in a box that scrolls sideways on a narrow screen (a phone), so that
    a wide table never makes the whole page overflow."""
    body = re.sub(r"<table\b", '<div class="us-scroll"><table', body)
    return body.replace("</table>", "</table></div>")


def _reader_text(nb) -> str:
    """The text a reader sees (markdown cells and text outputs), for the glossary."""
    parts = []
    for c in nb.cells:
        if c.get("cell_type") == "markdown":
            parts.append(c.get("source", ""))
        for out in c.get("outputs", []):
            data = out.get("data", {})
            for mime in ("text/html", "text/markdown"):
                if mime in data:
                    v = data[mime]
                    parts.append("".join(v) if isinstance(v, list) else v)
            alt = out.get("metadata", {}).get("image/png", {})
            parts.append(f"{alt.get('title', '')} {alt.get('alt', '')}")
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


def _key_findings_first(nb):
    """``nb`` with cells tagged ``key-findings`` right after the title cell: a new
    notebook node sharing the cells (the exporter copies it deeply before it changes any)."""
    import nbformat

    nb = nbformat.NotebookNode(nb)
    tagged = [c for c in nb.cells if "key-findings" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return nb
    rest = [c for c in nb.cells if c not in tagged]
    first = next((i for i, c in enumerate(rest) if c.get("cell_type") == "markdown"), -1)
    nb.cells = rest[: first + 1] + tagged + rest[first + 1 :]
    return nb


_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link".*?</a>)?</h2>', re.S)


def _add_toc(body: str) -> str:
    """Insert a table of contents (the report's level-2 headings) at ``<!--us-toc-->``."""
    import html as _html

    heads = [(i, re.sub(r"<[^>]+>", "", t).strip()) for i, t in _H2.findall(body)]
    heads = [(i, t) for i, t in heads if t and i != "key-findings"]
    if len(heads) < 2:
        return body.replace("<!--us-toc-->", "")
    items = "".join(
        f'<li><a href="#{_html.escape(i)}">{_html.escape(_html.unescape(t))}</a></li>'
        for i, t in heads
    )
    nav = f'<nav class="us-toc" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'
    kf = body.find('<section class="us-key-findings">')
    if kf >= 0:  # contents follow the key findings
        end = body.find("</section>", kf) + len("</section>")
        return (
            body.replace("<!--us-toc-->", "", 1)[: end - len("<!--us-toc-->")]
            + nav
            + (body.replace("<!--us-toc-->", "", 1)[end - len("<!--us-toc-->") :])
        )
    return body.replace("<!--us-toc-->", nav, 1)
