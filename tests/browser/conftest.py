"""Real headless Debian Chromium, driven with Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
from typing import Callable, Iterator

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


# Per module, not per session: Playwright's sync API keeps an event loop running in the
# main thread while it is open, and tests elsewhere that call asyncio.run() would fail.
@pytest.fixture(scope="module")
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


class SitePages:
    """A website on its own port (another origin than the collector), serving pages set by the test."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        pages = self.pages = {}  # path (without query) -> (content type, body)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                content_type, body = pages.get(self.path.split("?", 1)[0], ("text/plain", "not found"))
                data = body.encode()
                self.send_response(200 if self.path.split("?", 1)[0] in pages else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, html: str, content_type: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (content_type, html)

    def url(self, path: str = "/", host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site_pages() -> Iterator[SitePages]:
    pages = SitePages()
    try:
        yield pages
    finally:
        pages.close()


def wait_for(read: Callable[[], object], expected: object, timeout: float = 10.0) -> object:
    """Poll ``read()`` until it returns ``expected`` (hits arrive asynchronously)."""
    import time

    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value
