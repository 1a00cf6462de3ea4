"""Screenshots of demo reports with Debian's chromium (never a downloaded browser).

    python scripts/screenshots.py REPORTS_DIR OUT_DIR [--prefix before_] [--full]

Writes one JPEG per report kind (self-assessment, orpheus, Collective Impact SWOT, training)
and of the dashboard, at 1280 px wide; ``--full`` keeps the whole page, otherwise the first
2,400 px. Used for docs/ and docs/before_after/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

SHOTS = {
    "self_assessment": "ES001C/city_self_assessment.html",
    "orpheus": "FRL03/orpheus_impact.html",
    "ci_swot": "BE212/collective_impact_swot.html",
    "training": "TR-MAD-2025/training_evaluation.html",
    "dashboard": "site/index.html",
}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("reports")
    ap.add_argument("out")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--width", type=int, default=1280)
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": a.width, "height": 900})
        for name, rel in SHOTS.items():
            if a.only and name not in a.only:
                continue
            page.goto((Path(a.reports) / rel).resolve().as_uri())
            kw = (
                {"full_page": True}
                if a.full
                else {
                    "clip": {"x": 0, "y": 0, "width": a.width, "height": 2400},
                    "full_page": True,
                }
            )
            target = out / f"{a.prefix}{name}.jpg"
            page.screenshot(path=str(target), type="jpeg", quality=70, **kw)
            print("wrote", target)
        browser.close()


if __name__ == "__main__":
    main()
