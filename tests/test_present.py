"""The presentation layer: one number format per kind, labels, no NaN, no cut text (issue 14);
the figure style; the report linter; PDF printing."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from urbansec_lib import figures, lint_report, present


# ------------------------------------------------------------------ number formats
@pytest.mark.parametrize(
    "p, shown",
    [(0.0004, "< 0.001"), (0.001, "0.001"), (0.04812, "0.048"), (0.05, "0.050"),
     (0.103, "0.103"), (1.0, "1.000"), (float("nan"), "no data"), (None, "no data")],
)  # fmt: skip
def test_pvalue_one_format(p, shown):
    assert present.fmt_pvalue(p) == shown


def test_formats_per_kind():
    assert present.fmt_score(55.249) == "55.2" and present.fmt_score(55.25, dp=0) == "55"
    assert present.fmt_share(0.423) == "42 %" and present.fmt_share(0.4251, dp=1) == "42.5 %"
    assert present.fmt_percent(42.3) == "42 %"
    assert present.fmt_ci(0.1234, 0.5678) == "[0.12, 0.57]"
    assert present.fmt_ci(12.34, 56.78, dp=1) == "[12.3, 56.8]"
    assert present.fmt_ci(np.nan, 1) == "no data"
    assert present.fmt_int(1234.0) == "1,234"
    link = present.fmt_url("https://www.urbact.eu/a?b=1&c=2")
    assert link == '<a href="https://www.urbact.eu/a?b=1&amp;c=2">urbact.eu</a>'


def test_humanise_and_join_sentences():
    assert present.humanise("alpha_standardised") == "Alpha standardised"
    assert present.humanise("ci_low") == "CI low" and present.humanise("pvalue") == "p-value"
    assert present.join_sentences(["A holds.", "b is checked."]) == "A holds; b is checked."
    assert ".;" not in present.join_sentences(["x.", "y.;", "z"])


def test_frame_labels_missing_ci_and_no_index():
    df = pd.DataFrame(
        {
            "node_id": ["quality_of_life", "background_conditions"],
            "score": [55.219, np.nan],
            "ci_low": [40.01, np.nan],
            "ci_high": [60.55, np.nan],
            "pvalue": [0.0001, 0.2345],
            "note": ["x" * 300, None],
        },
        index=[7, 8],
    )
    f = present.frame(
        df,
        columns={"node_id": "Dimension", "score": "Score (0-100)", "ci_low": "95% CI",
                 "pvalue": "p-value", "note": "Note"},
        kinds={"score": "score"},
        labels={"node_id": {"quality_of_life": "Quality of life"}},
        ci={"95% CI": ("ci_low", "ci_high")},
        dp={"95% CI": 1},
    )  # fmt: skip
    assert f.columns.tolist() == ["Dimension", "Score (0-100)", "95% CI", "p-value", "Note"]
    assert f.iloc[0].tolist()[:4] == ["Quality of life", "55.2", "[40.0, 60.5]", "< 0.001"]
    # an id without a label is humanised, never shown raw; NaN/None read "no data"
    assert f.iloc[1].tolist()[:4] == ["Background conditions", "no data", "no data", "0.234"]
    assert f.iloc[1, 4] == "no data"
    assert f.iloc[0, 4] == "x" * 300  # long text kept whole (wrapped by CSS, never cut)
    assert f.index.tolist() == [0, 1] and f.attrs["numeric"] == [
        "Score (0-100)",
        "95% CI",
        "p-value",
    ]


def test_table_html_reads_clean():
    df = pd.DataFrame(
        {"item": ["a <b>", "c"], "n": [3.0, np.nan], "share": [0.5, 0.25],
         "link": ["https://ec.europa.eu/x", None], "items": [["one", "two"], []]}
    )  # fmt: skip
    st = present.table(
        df,
        columns={"item": "Item", "n": "Answers", "share": "Share", "link": "Link",
                 "items": "Examples"},
        kinds={"share": "share", "link": "url", "items": "lines"},
        caption="A caption",
        notes=["Withheld: fewer than 10."],
    )  # fmt: skip
    html = st.to_html()
    assert "a &lt;b&gt;" in html and "<li>one</li>" in html
    assert '<a href="https://ec.europa.eu/x">ec.europa.eu</a>' in html
    assert "50 %" in html and "A caption" in html and "Withheld" in html
    assert lint_report.lint_html(html) == [], lint_report.lint_html(html)
    # no row index: the first cell of a body row is a td, not a th with 0, 1, ...
    assert not re.search(r'<th[^>]*class="row_heading[^"]*"[^>]*>0</th>', html)
    # deterministic (same table, same HTML: reports stay reproducible byte for byte)
    assert (
        present.table(df, kinds={"share": "share"}).to_html()
        == present.table(df, kinds={"share": "share"}).to_html()
    )


def test_table_empty_and_index():
    st = present.table(pd.DataFrame({"a": []}), empty="Nothing here.")
    assert "Nothing here." in st.to_html()
    st = present.table(pd.DataFrame({"dim": ["X"], "v": [1.0]}), index="Dim")
    assert "row_heading" in st.to_html()


def test_replace_ids_whole_words_only():
    m = {"qol": "Quality of life", "qol_eu": "QoL survey"}
    assert present.replace_ids("qol_eu and qol, not qolx", m) == (
        "QoL survey and Quality of life, not qolx"
    )


def test_glossary_has_framework_dimensions_and_used_terms():
    terms = dict(present.glossary_terms("the peer group and a confidence interval"))
    assert "Quality of life" in terms and "Peer group" in terms
    assert "Confidence interval" in terms and "Collective Impact" not in terms


# ------------------------------------------------------------------ figure style
def test_palette_is_okabe_ito_and_problems_are_found():
    assert figures.CATEGORICAL[:3] == ["#0072B2", "#E69F00", "#009E73"]
    fig, ax = plt.subplots()
    ax.plot([2007, 2008], [1, 2])
    ax.set_xlabel("n_items")
    assert "no title" in figures.problems(fig)
    assert any("internal name" in p for p in figures.problems(fig))
    figures.finish(ax, "T", xlabel="year", ylabel="count per month", years="x")
    fig.canvas.draw()
    assert figures.problems(fig) == []
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d{4}", t) for t in ticks), ticks  # never 2007.5
    plt.close(fig)


def test_show_figure_caption_width_and_alt(monkeypatch):
    from urbansec_lib import reports

    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda obj, metadata=None: shown.append(metadata)
    )
    fig, ax = plt.subplots(figsize=(16, 3))
    ax.plot([1, 2], [3, 4])
    ax.set_title("A wide figure")
    reports.show_figure(fig, alt="Two points rising from 3 to 4")
    meta = shown[0]["image/png"]
    assert meta["title"] == "A wide figure" and meta["alt"].startswith("Two points")


# ------------------------------------------------------------------ linter
BAD = """<html><body>
<header class="us-header"><code>unit_id</code></header>
<table><thead><tr><th></th><th>n_items</th><th>p-value</th></tr></thead>
<tbody><tr><th>0</th><td>NaN</td><td>1.03e-01</td></tr>
<tr><th>1</th><td>Satisfied with the life one leads; Satisfied w...</td><td>0.05</td></tr>
</tbody></table>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAABQAAAAAKCAYAAAA=" alt="">
<p>It holds.; then p = 0.0151 and 45 nan% of cases.</p>
<footer class="us-footer"><td>city_self_assessment</td></footer>
</body></html>"""


def test_linter_finds_every_kind_of_problem():
    rules = {f.rule for f in lint_report.lint_html(BAD)}
    assert rules == {
        "identifier", "missing-value", "cut-text", "p-value-format", "row-index",
        "figure-alt", "figure-title", "figure-width", "punctuation",
    }, rules  # fmt: skip
    found = lint_report.lint_html(BAD)
    # header and footer (file names, parameters) are not read as labels
    assert not any("unit_id" in f.text or "city_self" in f.text for f in found)
    width = [f for f in found if f.rule == "figure-width"][0]
    assert "1280 px" in width.text  # read from the PNG header


def test_linter_accepts_clean_report():
    good = """<table><thead><tr><th>Dimension</th><th>p-value</th><th>Dataset</th></tr></thead>
    <tbody><tr><td>Quality of life</td><td>&lt; 0.001</td><td>Eurostat crim_gen_reg</td></tr>
    <tr><td>Social cohesion</td><td>0.048</td><td><code>urb_percep</code></td></tr></tbody>
    </table><figure><figcaption>Scores</figcaption><img alt="Scores of Madrid: 55 and 77"
    src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAlgAAAAKCAYAAAA="></figure>
    <p>Effect size d_z 0.4; thresholds p &lt; 0.05 and None of the cities rank.</p>"""
    assert lint_report.lint_html(good) == []


def test_linter_matches_a_beautifulsoup_reading():
    """An independent route: the linter's lxml reading of tables and text finds what a
    BeautifulSoup reading (the html.parser tree) of the same page finds."""
    from bs4 import BeautifulSoup

    html = BAD.replace("</tbody>", "<tr><th>2</th><td>n_cases</td><td>0.2</td></tr></tbody>")
    soup = BeautifulSoup(html, "html.parser")
    for el in soup.select("header.us-header, footer.us-footer, code"):
        el.decompose()
    cells = [c.get_text(" ", strip=True) for c in soup.find_all(["td", "th"])]
    found = lint_report.lint_html(html)
    cell_ids = sorted(f.text for f in found if f.rule == "identifier" and "row" in f.where)
    assert cell_ids == sorted(c for c in cells if lint_report._identifiers(c))
    assert [f.where for f in found if f.rule == "p-value-format" and f.where != "text"] == [
        "table 1 row 2 col 3", "table 1 row 3 col 3", "table 1 row 4 col 3"
    ]  # fmt: skip
    assert lint_report.lint_html("") == [] and lint_report.lint_html("  ") == []


def test_render_matches_nbconvert_exporter_and_flags_missing_alt():
    """The report exporter skips nbconvert's closing BeautifulSoup pass and adds the same
    alternative text and keyboard focus itself: the page is nbconvert's, element for element;
    an image without alternative text gets a stand-in, which the linter flags."""
    import base64

    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from urbansec_lib.publish import render

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nSome *text*."),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output("display_data", {"image/png": png, "text/plain": "f"}),
                nbformat.v4.new_output(
                    "display_data", {"text/html": "<table><tr><td>4</td></tr></table>"}
                ),
            ],
        ),
    ]
    ours = render._html_exporter()
    stock = HTMLExporter(config=ours.config)
    ctx = {"urbansec": {"title": "T", "glossary": []}}
    a, _ = ours.from_notebook_node(nb, resources=dict(ctx))
    b, _ = stock.from_notebook_node(nb, resources=dict(ctx))
    a = render._accessible(a)

    def tree(html):
        soup = BeautifulSoup(html, "html.parser")
        return [(t.name, sorted((k, str(v)) for k, v in t.attrs.items())) for t in soup.find_all()]

    assert tree(a) == tree(b)
    assert 'tabindex="0"' in a
    assert render.MISSING_ALT in render._accessible('<p><img src="x.png"></p>')
    assert "figure-alt" in {f.rule for f in lint_report.lint_html(render.render_html(nb, {}))}


def test_markdown_is_converted_once_per_text_and_images_every_time(tmp_path, monkeypatch):
    """The report exporter remembers the HTML of a Markdown text (the same cells come back
    for every unit), but not of a text with an image: the file it embeds may have changed."""
    import base64

    import nbformat
    from nbconvert import HTMLExporter

    from urbansec_lib.publish import render

    monkeypatch.chdir(tmp_path)
    ours = render._html_exporter()
    stock = HTMLExporter(config=ours.config)
    text, image = f"## Method {tmp_path.name}\n\nA *fixed* text.", "![logo](logo.png)"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text), nbformat.v4.new_markdown_cell(image)]
    ctx = {"urbansec": {"title": "T", "glossary": []}}
    pages = []
    for colour in (b"\x01", b"\x02"):  # the image file changes between two reports
        (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + colour * 40)
        a, _ = ours.from_notebook_node(nb, resources=dict(ctx))
        b, _ = stock.from_notebook_node(nb, resources=dict(ctx))
        assert a.count("<h2") == b.count("<h2") and f">Method {tmp_path.name}<" in a
        embedded = base64.b64encode(b"\x89PNG\r\n\x1a\n" + colour * 40).decode()
        assert embedded in a and embedded in b
        pages.append(a)
    assert pages[0] != pages[1]
    cached = {src for src, _ in ours._markdown_cache}
    assert text in cached and image not in cached


# ------------------------------------------------------------------ PDF
@pytest.mark.slow
@pytest.mark.browser
def test_pdf_has_a4_pages_numbers_and_text(tmp_path):
    from urbansec_lib import pdf

    if pdf.find_chromium() is None:
        pytest.skip("Debian chromium not installed")
    pypdf = pytest.importorskip("pypdf")
    from importlib import resources

    css = resources.files("urbansec_lib") / "templates" / "urbansec_report" / "index.html.j2"
    style = re.search(r"<style[^>]*>(.*?)</style>", css.read_text(), re.S).group(1)
    rows = "".join(f"<tr><td>Row {i}</td><td>{i * 1.5:.1f}</td></tr>" for i in range(120))
    html = tmp_path / "r.html"
    html.write_text(
        f"<html><head><style>{style}</style></head><body><h1>Urban security profile</h1>"
        f"<table class='us-table'><thead><tr><th>Item</th><th>Score</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>",
        encoding="utf-8",
    )
    out = pdf.html_to_pdf(html, tmp_path / "r.pdf")
    reader = pypdf.PdfReader(out)
    assert 2 <= len(reader.pages) <= 6
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Urban security profile" in text and "Row 119" in text
    assert f"Page 1 of {len(reader.pages)}" in text  # the print stylesheet numbers pages
    # no table row cut across a page: every row's two cells are on the same page
    for i in (0, 60, 119):
        page = next(p for p in reader.pages if f"Row {i}" in p.extract_text())
        assert f"{i * 1.5:.1f}" in page.extract_text()
