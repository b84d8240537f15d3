"""The browser side of the page tests: Debian's chromium through Playwright, axe-core's
accessibility check, and screenshots a reviewer can look at.

The browser is the system's (``/usr/bin/chromium``, installed by ``make install``): nothing
downloads a browser build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# The impacts a page may not have: axe's "serious" and "critical".
BLOCKING = frozenset({"serious", "critical"})
_axe = Axe()


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    results: Any = _axe.run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
        if v.get("impact") in BLOCKING
    ]


def assert_accessible(page: Page) -> None:
    problems = accessibility_problems(page)
    assert problems == [], f"{page.url}: " + "; ".join(problems)


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot at test-output/screenshots/<name>.png."""
    assert re.fullmatch(r"[a-z0-9-]+", name), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page: Page, name: str) -> None:
    """What every main page gets: the accessibility check and its screenshot."""
    assert_accessible(page)
    assert screenshot(page, name).stat().st_size > 1000
