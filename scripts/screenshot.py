"""Screenshot a running luister page in headless Chromium (for docs/img/).

python scripts/screenshot.py http://127.0.0.1:8484/ docs/img/overview.png
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def main() -> None:
    url, target = sys.argv[1], sys.argv[2]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.screenshot(path=target, full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
