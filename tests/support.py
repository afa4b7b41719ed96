"""Helpers for tests: a real uvicorn server in a thread or in a subprocess, on real chdb."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from footfall import settings as settings_module
from footfall.app.asgi import create_app
from footfall.app.services import Services, build
from footfall.metadata.sites import Site
from footfall.settings import Settings

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values = {"data_dir": data_dir, "geoip_path": "none", "flush_interval_seconds": 0.2, "log_format": "text"}
    values.update(overrides)
    return settings_module.load(config_file=None, environ={}, overrides=values)


class LiveServer:
    """uvicorn serving Footfall in a background thread of the test process.

    The test shares the server's services, so it can read ClickHouse while the
    server runs (embedded chdb allows one owner per process).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services: Services = build(settings)
        self.app = create_app(settings, services=self.services)
        self.port = settings.port
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on",
            proxy_headers=False,  # as footfall.app.server: the app reads forwarded headers from trusted proxies itself
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.services.close()

    def add_site(self, domain: str = "localhost", **settings: Any) -> Site:
        domains = [domain, *settings.pop("extra_domains", [])]
        return self.services.sites.add(settings.pop("name", domain), domains, **settings)

    def flush(self) -> None:
        """Store everything acknowledged so far."""
        writer = self.services.writer
        writer.spool.seal()
        for _ in range(50):
            if writer.flush_once() and not writer.spool.sealed():
                break
            time.sleep(0.05)
        writer.flush_drops()

    def rows(self, sql: str = "SELECT * FROM events ORDER BY timestamp", **parameters: Any) -> list[dict[str, Any]]:
        self.flush()
        return self.services.storage.query_dicts(sql, parameters)

    def count(self, where: str = "1", **parameters: Any) -> int:
        self.flush()
        return int(self.services.storage.query(f"SELECT count() FROM events WHERE {where}", parameters)[0][0])

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


class ServerProcess:
    """``footfall serve`` in its own process, for kill -9 and log capture."""

    def __init__(self, data_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "ServerProcess":
        env = {
            **os.environ,
            "FOOTFALL_GEOIP_PATH": "none",
            "FOOTFALL_FLUSH_INTERVAL_SECONDS": "0.5",
            **self.extra_env,
        }
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "footfall", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"footfall serve exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("footfall serve did not start")

    def terminate(self, timeout: float = 60) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.log.close()
        return code

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()

    def logs(self) -> bytes:
        return self.log_path.read_bytes()
