"""Print reports to PDF with headless Chromium (Debian's ``chromium``; never a downloaded
browser).

The report's print stylesheet sets A4 pages, page numbers ("Page n of m") and keeps tables,
figures and table rows from being cut across pages; :func:`html_to_pdf` only asks Chromium
to print the page, without its own header and footer.

    urbansec pdf reports/ES001C/city_self_assessment.html      # one report
    urbansec pdf reports/                                      # every report under a folder
    urbansec run --unit ES001C --pdf                           # run, then print

Example
-------
>>> find_chromium() is None or find_chromium().endswith(("chromium", "chromium-browser"))
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["find_chromium", "html_to_pdf", "reports_to_pdf", "CHROMIUM_FLAGS"]

#: Flags for a quiet, offline, sandbox-free headless print.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def find_chromium() -> str | None:
    """Path of the system Chromium (``$URBANSEC_CHROMIUM`` first), or None."""
    env = os.environ.get("URBANSEC_CHROMIUM")
    if env and Path(env).exists():
        return env
    for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(p).exists():
            return p
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


def html_to_pdf(
    html: str | Path,
    pdf: str | Path | None = None,
    chromium: str | None = None,
    timeout: int = 180,
) -> Path:
    """Print one HTML file to PDF (default: same name, ``.pdf``); returns the PDF path.

    Raises ``FileNotFoundError`` when no Chromium is installed (``apt-get install chromium``)
    and ``RuntimeError`` when printing fails.
    """
    html = Path(html).resolve()
    pdf = Path(pdf) if pdf else html.with_suffix(".pdf")
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError(
            "Chromium not found: install Debian's package (apt-get install -y chromium) "
            "or set URBANSEC_CHROMIUM"
        )
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="urbansec-chromium-") as profile:
        tmp = Path(profile) / "out.pdf"
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp}",
            html.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(f"chromium could not print {html}: {proc.stderr[-500:]}")
        shutil.move(str(tmp), pdf)
    return pdf


def _htmls(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.glob("*/*.html") if q.parent.name not in ("site", "_runs"))
        else:
            out.append(p)
    return out


def reports_to_pdf(paths: Iterable[str | Path], chromium: str | None = None) -> list[Path]:
    """Print every given report (HTML files, or folders of ``<unit>/<study>.html``)."""
    return [html_to_pdf(h, chromium=chromium) for h in _htmls(paths)]
