"""The small Markdown subset of the workshop hand-outs, converted to a stand-alone HTML page.

Part of :mod:`urbansec_lib.analysis.collective_impact`: :func:`markdown_to_html` renders what
:func:`~urbansec_lib.analysis.ci_template.template_markdown` writes (headings, bullet lists,
pipe tables, paragraphs; ``**bold**``, ``*italic*``, ```code```, ``[ ]`` boxes and bare links).
"""

from __future__ import annotations

import html
import re


def inline_md(text: str) -> str:
    """One line of Markdown as HTML: escaped, with bold, italic, code, boxes and links.

    Examples
    --------
    >>> inline_md("**Unit:** [ ] see https://example.org & `code`")
    '<strong>Unit:</strong> &#9744; see <a href="https://example.org">https://example.org</a> &amp; <code>code</code>'
    """
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<!\*)\*(?!\s)(.+?)\*", r"<em>\1</em>", text)
    text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
    text = text.replace("[ ]", "&#9744;")
    return re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', text)


def markdown_to_html(md: str, title: str = "") -> str:
    """Convert the Markdown subset written by :func:`template_markdown` to an HTML page.

    Parameters
    ----------
    md : str
        Headings, ``- `` bullet lists, pipe tables and paragraphs.
    title : str
        The page title.

    Returns
    -------
    str
        A stand-alone HTML page with its own style sheet.

    Examples
    --------
    >>> page = markdown_to_html("# Title\\n\\n- one\\n- two\\n\\n| a | b |\\n|---|---|\\n| 1 | |")
    >>> [line for line in page.splitlines() if line.startswith(("<h1", "<li", "<tr"))]
    ['<h1>Title</h1>', '<li>one</li>', '<li>two</li>', '<tr><th>a</th><th>b</th></tr>', '<tr><td>1</td><td>&nbsp;</td></tr>']
    """
    body: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif m := re.match(r"^(#{1,6})\s+(.*)$", line):
            n = len(m.group(1))
            body.append(f"<h{n}>{inline_md(m.group(2))}</h{n}>")
            i += 1
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{inline_md(lines[i][2:])}</li>")
                i += 1
            body.append("<ul>\n" + "\n".join(items) + "\n</ul>")
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            head, data = rows[0], [r for r in rows[1:] if not all(set(c) <= {"-"} for c in r)]
            th = "".join(f"<th>{inline_md(c)}</th>" for c in head)
            trs = "\n".join(
                "<tr>" + "".join(f"<td>{inline_md(c) or '&nbsp;'}</td>" for c in r) + "</tr>"
                for r in data
            )
            body.append(f"<table>\n<tr>{th}</tr>\n{trs}\n</table>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#|- |\|)", lines[i]):
                para.append(inline_md(lines[i]))
                i += 1
            body.append("<p>" + "<br>\n".join(para) + "</p>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;width:100%;margin:1em 0}"
        "td,th{border:1px solid #999;padding:.4em;vertical-align:top;height:2.5em}"
        "th{background:#dde4ee}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
