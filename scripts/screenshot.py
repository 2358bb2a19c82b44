"""Screenshots of the main pages of a running luister, signed in, in headless Chromium (for docs/img/).

    LUISTER_EMAIL=… LUISTER_PASSWORD=… python scripts/screenshot.py http://127.0.0.1:8484 docs/img

Writes overview.png, mentions.png, drill-down.png, topics.png, topic-test.png and sources.png.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def shoot(page: Page, target: Path, *, full: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(target), full_page=full)
    print(f"wrote {target}")


def main() -> None:
    base, folder = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("input[name=email]", os.environ["LUISTER_EMAIL"])
        page.fill("input[name=password]", os.environ["LUISTER_PASSWORD"])
        page.click("button[type=submit]")
        page.wait_for_selector("[data-chart=volume][data-ready]")
        shoot(page, folder / "overview.png", full=True)
        page.goto(f"{base}/?topic=Voltaro")
        page.wait_for_selector("[data-chart=volume][data-ready]")
        page.locator("[data-chart=volume]").scroll_into_view_if_needed()
        bars = page.locator("[data-chart=volume] .trace.bars .point path")
        boxes = [bars.nth(i).bounding_box() for i in range(bars.count())]
        tallest = max((b for b in boxes if b), key=lambda b: b["height"])
        page.mouse.click(tallest["x"] + tallest["width"] / 2, tallest["y"] + tallest["height"] - 3)
        page.wait_for_url("**/mentions?**")
        shoot(page, folder / "drill-down.png")
        page.goto(f"{base}/mentions?q=storing%20lang:nl")
        shoot(page, folder / "mentions.png")
        page.goto(f"{base}/topics")
        shoot(page, folder / "topics.png")
        page.type("#topic-query", 'voltaro AND (app OR factuur OR "ligt eruit") -test')
        page.wait_for_timeout(1500)
        page.locator("#topic-query").scroll_into_view_if_needed()
        shoot(page, folder / "topic-test.png")
        page.goto(f"{base}/sources")
        shoot(page, folder / "sources.png")
        browser.close()


if __name__ == "__main__":
    main()
