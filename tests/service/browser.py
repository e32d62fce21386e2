"""Headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright, for the browser
tests. Skips without Playwright or Chromium (fails instead under ``GRAPHKIT_REQUIRE_ALL=1``).
The flags keep Chromium off the network: this machine refuses outside connections."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support import need

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

__all__ = ["CHROMIUM", "chromium_tab"]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium_tab(*, timeout_ms: int, javascript: bool = True,
                 viewport: ViewportSize | None = None) -> Iterator[Any]:
    """A fresh tab in a fresh headless Chromium, closed afterwards."""
    need(importlib.util.find_spec("playwright") is not None, "Playwright is not installed")
    need(CHROMIUM.exists(), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(java_script_enabled=javascript, viewport=viewport)
            tab = context.new_page()
            tab.set_default_timeout(timeout_ms)
            yield tab
        finally:
            browser.close()
