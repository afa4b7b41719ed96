"""Render docs/dashboard.png: demo data in a fresh data directory, `footfall serve`, headless Chromium.

    python scripts/screenshot.py [--out docs/dashboard.png] [--width 1280]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "dashboard.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--chromium", default=os.environ.get("FOOTFALL_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="footfall-screenshot-") as tmp:
        data_dir = Path(tmp) / "data"
        port = free_port()
        env = {**os.environ, "FOOTFALL_GEOIP_PATH": "none", "FOOTFALL_LOG_LEVEL": "warning"}
        cli = [sys.executable, "-m", "footfall"]
        password = secrets.token_urlsafe(12)
        subprocess.run([*cli, "demo", "--data-dir", str(data_dir), "--password", password], check=True, env=env,
                       cwd=tmp, stdout=subprocess.DEVNULL)
        server = subprocess.Popen([*cli, "serve", "--data-dir", str(data_dir), "--port", str(port)], env=env, cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("footfall serve did not start")
                time.sleep(0.2)
            shoot(base, password, args.out, args.width, args.chromium)
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"wrote {args.out}")


def shoot(base: str, password: str, out: str, width: int, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
            page.goto(base + "/login")
            page.fill("input[name=email]", "demo@example.com")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/sites$"))
            page.goto(base + "/sites/1?period=30d")
            page.wait_for_selector("svg.chart")
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=out, full_page=True)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
