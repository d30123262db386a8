"""Screenshot of a campaign report in headless Chromium (the README's picture).

    .venv/bin/python tools/report_screenshot.py demo-output/campaign/report.html docs/images/report.png

Opens the page from disk and captures its top: provenance, funnel, limitations, the grid.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from report.cdp import Chromium, find_browser  # noqa: E402


def main(report: str, target: str) -> None:
    browser_path = find_browser()
    if browser_path is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")
    with Chromium(browser_path, width=1280, height=1700) as browser:
        browser.open(Path(report).resolve().as_uri())
        browser.evaluate("window.scrollTo(0, 0)")
        browser.screenshot(Path(target))
        if browser.errors():
            raise SystemExit(f"the page reported errors: {browser.errors()}")
    print(target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
