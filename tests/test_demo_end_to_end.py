"""End to end: every demo study runs for every demo unit; reports are self-contained,
carry the reproducibility footer, pass the privacy scan and open in a real browser."""

from __future__ import annotations

import json
import re

import pytest

from urbansec_lib import privacy, reports, site

pytestmark = pytest.mark.slow


def _htmls(folder):
    return sorted(p for p in folder.glob("*/*.html") if p.parent.name != "site")


def test_every_demo_unit_has_a_report(demo_reports):
    folder, summaries = demo_reports
    assert "city_self_assessment" in summaries
    for study, s in summaries.items():
        assert s.ok, s.summary()
        for unit in s.table["unit_id"]:
            html = folder / unit / f"{study}.html"
            assert html.exists(), html
            man = json.loads((folder / unit / "manifest.json").read_text())["studies"][study]
            assert man["inputs"] and all(len(h) == 64 for h in man["inputs"].values())
            assert man["parameters"]["unit_id"] == unit


def test_reports_self_contained_and_private(demo_reports):
    folder, _ = demo_reports
    for p in _htmls(folder):
        text = p.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", text), p
        assert "cdnjs" not in text, p
        assert "rec.record(" not in text and "import urbansec_lib" not in text, f"code in {p}"
        assert "output_error" not in text and "Traceback" not in text, f"error cell in {p}"
        assert "Reproducibility" in text and "Run id" in text
        assert privacy.scan_html(text) == [], p
        # every figure has alt text other than the default
        assert 'alt="figure"' not in text, p


def test_reproduce_demo_report(demo_reports):
    folder, summaries = demo_reports
    unit = summaries["city_self_assessment"].table["unit_id"].iloc[0]
    res = reports.reproduce(folder / unit / "manifest.json", study="city_self_assessment")
    assert res.identical, res.summary()


def _browser():
    from conftest import chromium_path

    exe = chromium_path()
    if exe is None:
        pytest.skip("Debian chromium not installed (.ci/run installs it)")
    pw = pytest.importorskip("playwright.sync_api")
    return exe, pw


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.mark.browser
def test_reports_open_in_chromium(demo_reports, tmp_path):
    exe, pw = _browser()
    folder, _ = demo_reports
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        n_images = 0
        for html in _htmls(folder):
            page.goto(html.as_uri())
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt])"
            )
            n_images += len(images)
            assert all(ok and alt for ok, alt in images), html
            assert (
                page.locator(
                    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                ).count()
                == 0
            )
            page.screenshot(path=str(tmp_path / f"{html.parent.name}-{html.stem}.png"))
        browser.close()
    assert errors == []
    assert n_images >= 2 * len(_htmls(folder))  # figures are embedded, not linked


@pytest.mark.browser
def test_site_filter_and_links(demo_reports, tmp_path):
    exe, pw = _browser()
    folder, _ = demo_reports
    index = site.build(reports_dir=folder)
    text = index.read_text()
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(index.as_uri())
        total = page.locator("#units tbody tr").count()
        assert total >= 20
        # alphabetical, never by score
        names = page.locator("#units tbody tr td:first-child").all_inner_texts()
        assert names == sorted(names, key=str.casefold) or names == sorted(names)
        page.screenshot(path=str(tmp_path / "site-index.png"), full_page=True)
        page.select_option("select[data-filter=country]", "ES")
        visible = page.locator("#units tbody tr:not([hidden])").count()
        assert 0 < visible < total
        # keyboard: the filter is reachable by Tab
        page.keyboard.press("Tab")
        page.locator("#units tbody tr:not([hidden]) td a").first.click()
        assert "/units/" in page.url
        page.screenshot(path=str(tmp_path / "site-unit.png"), full_page=True)
        link = page.locator("main ul li a").first
        href = link.get_attribute("href")
        assert href and href.endswith(".html")
        link.click()
        assert page.url.endswith(".html") and "/site/" not in page.url
        browser.close()
    assert errors == []


def test_every_demo_report_passes_the_report_linter(demo_reports):
    from urbansec_lib import lint_report

    folder, _ = demo_reports
    findings = lint_report.lint_reports(folder)
    assert findings == {}, {k: [str(f) for f in v[:5]] for k, v in findings.items()}


@pytest.mark.browser
def test_reports_fit_desktop_and_phone_widths(demo_reports, tmp_path):
    """Screenshots at 1280 px and at 390 px (phone): no report overflows horizontally;
    wide tables scroll inside their own box, figures shrink to the column."""
    exe, pw = _browser()
    folder, _ = demo_reports
    dashboard = site.build(reports_dir=folder)
    overflow = []
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for html in [*_htmls(folder), dashboard]:
                page.goto(html.as_uri())
                extra = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if extra > 1:
                    overflow.append((width, f"{html.parent.name}/{html.name}", extra))
                page.screenshot(path=str(tmp_path / f"{width}-{html.parent.name}-{html.stem}.png"))
            page.close()
        browser.close()
    assert overflow == []
