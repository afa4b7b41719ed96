"""Real headless Debian Chromium, driven with Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
from typing import Iterator

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
# The real browser, with its headless marker taken out of the UA so the collector's bot filter lets it in.
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def chromium_path() -> str:
    for name in (os.environ.get("FOOTFALL_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    pytest.fail("Chromium is not installed (apt-get install chromium); browser tests need it")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright gives each launch a fresh, empty profile directory of its own.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    """A fresh browser context (own cookies and storage) per test."""
    ctx = browser.new_context(user_agent=DESKTOP_UA, viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    try:
        yield ctx
    finally:
        ctx.close()
