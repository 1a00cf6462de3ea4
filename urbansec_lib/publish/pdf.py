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
    """Path of the system Chromium (``$URBANSEC_CHROMIUM`` first), or None.

    Returns
    -------
    str or None
        ``$URBANSEC_CHROMIUM`` when it names an existing file, else Debian's
        ``/usr/bin/chromium`` (or ``chromium-browser``), else one on ``$PATH``.

    Examples
    --------
    >>> found = find_chromium()
    >>> found is None or found.endswith(("chromium", "chromium-browser"))
    True
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"URBANSEC_CHROMIUM": "/bin/sh"}):
    ...     find_chromium()
    '/bin/sh'
    """
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

    Parameters
    ----------
    html : str or Path
        The report.
    pdf : str or Path, optional
        Where to write the PDF (default: next to ``html``).
    chromium : str, optional
        The browser executable (default: :func:`find_chromium`).
    timeout : int
        Seconds before the print is given up.

    Returns
    -------
    Path

    Examples
    --------
    The real print needs Chromium (absent where these examples run), so a stand-in
    executable shows the contract: it is called with :data:`CHROMIUM_FLAGS` and
    ``--print-to-pdf=FILE`` and must write that file.

    >>> import stat
    >>> work = Path(tempfile.mkdtemp())
    >>> fake = work / "fake-chromium"
    >>> _ = fake.write_text(
    ...     "#!/bin/sh\\n"
    ...     'for a in "$@"; do case "$a" in --print-to-pdf=*) '
    ...     "printf '%%PDF-1.4' > \\"${a#--print-to-pdf=}\\";; esac; done\\n"
    ... )
    >>> fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    >>> report = work / "ES001C" / "existing_data.html"
    >>> report.parent.mkdir()
    >>> _ = report.write_text("<h1>Report</h1>", encoding="utf-8")
    >>> out = html_to_pdf(report, chromium=str(fake))
    >>> out.name, out.read_bytes()
    ('existing_data.pdf', b'%PDF-1.4')

    A browser that prints nothing:

    >>> html_to_pdf(report, chromium="/bin/true")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: chromium could not print .../ES001C/existing_data.html: ...
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
    """Print every given report (HTML files, or folders of ``<unit>/<study>.html``).

    In a folder, the dashboard (``site/``) and run logs (``_runs/``) are left out.

    Parameters
    ----------
    paths : iterable of str or Path
        HTML files and/or reports folders.
    chromium : str, optional
        The browser executable (default: :func:`find_chromium`).

    Returns
    -------
    list of Path
        The PDFs, in the order printed.

    Examples
    --------
    With a stand-in for Chromium (see :func:`html_to_pdf`; the real print needs Chromium):

    >>> import stat
    >>> work = Path(tempfile.mkdtemp())
    >>> fake = work / "fake-chromium"
    >>> _ = fake.write_text(
    ...     "#!/bin/sh\\n"
    ...     'for a in "$@"; do case "$a" in --print-to-pdf=*) '
    ...     "printf '%%PDF-1.4' > \\"${a#--print-to-pdf=}\\";; esac; done\\n"
    ... )
    >>> fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    >>> for rel in ("reports/ES001C/existing_data.html", "reports/EU/good_practices.html",
    ...             "reports/site/index.html"):
    ...     (work / rel).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (work / rel).write_text("<h1>Report</h1>", encoding="utf-8")
    >>> [p.relative_to(work).as_posix() for p in reports_to_pdf([work / "reports"], str(fake))]
    ['reports/ES001C/existing_data.pdf', 'reports/EU/good_practices.pdf']
    """
    return [html_to_pdf(h, chromium=chromium) for h in _htmls(paths)]
