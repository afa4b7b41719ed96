"""Oversized request heads are refused by the server, with h11 and with httptools."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn

from footfall import http_limits
from footfall.app.server import uvicorn_config
from tests.support import free_port, make_settings


@pytest.fixture(params=["h11", "httptools"])
def server(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[int]:
    settings = make_settings(data_dir, port=free_port())
    config = uvicorn_config(settings, http=request.param)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield settings.port
    finally:
        running.should_exit = True
        thread.join(timeout=30)


def exchange(port: int, head: bytes, chunk: int = 1 << 16) -> bytes:
    """Send a request head (in chunks, as a client streaming a huge header would) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            for start in range(0, len(head), chunk):
                sock.sendall(head[start:start + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the rest arrived
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
                if b"\r\n\r\n" in answer and b"connection: close" in answer.lower():
                    break
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_a_normal_request_is_served(server: int) -> None:
    assert status(exchange(server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")) == 200


def test_a_huge_header_is_refused(server: int) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * (4 << 20) + b"\r\n\r\n"
    assert status(exchange(server, head)) in (400, 431)


def test_many_headers_add_up(server: int) -> None:
    lines = b"".join(b"X-H%d: %s\r\n" % (n, b"b" * 1000) for n in range(200))
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + lines + b"\r\n"
    assert status(exchange(server, head)) in (400, 431)


def test_a_huge_url_is_refused(server: int, data_dir: Path) -> None:
    limit = http_limits.max_head_bytes(make_settings(data_dir))
    head = b"GET /matomo.php?x=" + b"c" * (limit + 10) + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
    assert status(exchange(server, head)) in (400, 414, 431)
    # A hit as long as max_hit_bytes allows still gets through.
    fitting = b"GET /healthz?x=" + b"c" * 15000 + b" HTTP/1.1\r\nHost: localhost\r\n"
    assert status(exchange(server, fitting + b"Connection: close\r\n\r\n")) == 200
