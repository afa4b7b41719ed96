"""The local admin endpoint: token files, who may call it, and what it does."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from footfall.app import admin
from footfall.deletion import Visitor
from tests.support import CHROME_UA, LiveServer, free_port, make_settings


def token_of(server: LiveServer) -> str:
    return (server.settings.data_dir / admin.TOKEN_FILE).read_text().strip()


def admin_http(server: LiveServer) -> httpx.Client:
    """A client of the admin listener: the Unix socket in the data directory."""
    socket_path = server.settings.data_dir / admin.SOCKET_FILE
    return httpx.Client(transport=httpx.HTTPTransport(uds=str(socket_path)), base_url="http://localhost", timeout=30)


def test_the_server_writes_a_private_token_and_serves_a_private_socket(live_server: LiveServer) -> None:
    data_dir = live_server.settings.data_dir
    token_path = data_dir / admin.TOKEN_FILE
    assert token_path.stat().st_mode & 0o777 == 0o600
    assert len(token_of(live_server)) >= 32
    socket_path = data_dir / admin.SOCKET_FILE
    assert stat.S_ISSOCK(socket_path.stat().st_mode)
    assert socket_path.stat().st_mode & 0o777 == 0o600
    assert (data_dir / admin.URL_FILE).read_text().strip() == "unix:" + str(socket_path.resolve())


def test_the_public_listener_does_not_serve_the_admin_endpoint(live_server: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {token_of(live_server)}"}
    with live_server.client() as client:
        assert client.get("/admin/api/ping", headers=auth).status_code == 404
        assert client.post("/admin/api/retention", headers=auth, json={}).status_code == 404
        # Not even through a same-host proxy that forwards a loopback client.
        forwarded = {**auth, "X-Forwarded-For": "127.0.0.1"}
        assert client.get("/admin/api/ping", headers=forwarded).status_code == 404


def test_requests_without_the_token_are_refused(live_server: LiveServer) -> None:
    with admin_http(live_server) as client:
        assert client.get("/admin/api/ping").status_code == 401
        assert client.get("/admin/api/ping", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/admin/api/ping", headers={"Authorization": token_of(live_server)}).status_code == 401
        response = client.post("/admin/api/forget", json={"site_id": 1, "visitor_id": 1})
        assert response.status_code == 401
        response = client.get("/admin/api/ping", headers={"Authorization": f"Bearer {token_of(live_server)}"})
        assert response.status_code == 200
        assert response.json()["status"] == "ok"


def test_only_local_clients_are_answered() -> None:
    app = Starlette(routes=[Route("/ping", admin.guarded(admin.ping))])
    app.state.admin_token = "s3cret"
    auth = {"Authorization": "Bearer s3cret"}
    with TestClient(app, client=("203.0.113.9", 40000)) as remote:
        assert remote.get("/ping", headers=auth).status_code == 403
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/ping", headers=auth).status_code == 200
    with TestClient(app, client=("::1", 40000)) as local6:
        assert local6.get("/ping", headers=auth).status_code == 200
    app.state.admin_token = None
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/ping", headers=auth).status_code == 404


def test_forget_through_the_endpoint_stores_the_spool_first(data_dir: Path) -> None:
    # An hour between flushes: the hits are only in the spool when the request comes.
    server = LiveServer(make_settings(data_dir, port=free_port(), flush_interval_seconds=3600)).start()
    try:
        site = server.add_site("example.com")
        with server.client() as http:
            for path in ("/a", "/b"):
                http.get(
                    "/matomo.php",
                    params={"idsite": site.id, "rec": "1", "url": "https://example.com" + path, "uid": "dana",
                            "send_image": "0"},
                    headers={"User-Agent": CHROME_UA},
                )
        assert server.services.storage.query("SELECT count() FROM events") == [(0,)]
        client = admin.AdminClient.discover(data_dir)
        assert client is not None
        assert client.forget(Visitor(site.id, user_id="dana")).deleted == 2
        assert server.count() == 0
        with admin_http(server) as http:
            auth = {"Authorization": f"Bearer {token_of(server)}"}
            assert http.post("/admin/api/forget", headers=auth, content=b"not json").status_code == 400
            assert http.post("/admin/api/forget", headers=auth, json={"site_id": site.id}).status_code == 400
            missing = http.post("/admin/api/forget", headers=auth, json={"site_id": 999, "visitor_id": 1})
            assert missing.status_code == 404
    finally:
        server.stop()


def test_the_files_go_away_on_shutdown_and_stale_ones_are_ignored(data_dir: Path) -> None:
    server = LiveServer(make_settings(data_dir, port=free_port())).start()
    assert admin.AdminClient.discover(data_dir) is not None
    server.stop()
    assert not (data_dir / admin.TOKEN_FILE).exists()
    assert not (data_dir / admin.URL_FILE).exists()
    assert not (data_dir / admin.SOCKET_FILE).exists()
    # Left behind by a killed server: nothing answers, so the CLI opens the data itself.
    admin.write_credentials(data_dir, "unix:" + str(data_dir / admin.SOCKET_FILE))
    assert admin.AdminClient.discover(data_dir) is None
    admin.write_credentials(data_dir, f"http://127.0.0.1:{free_port()}")
    assert admin.AdminClient.discover(data_dir) is None


def test_a_loopback_listener_where_a_socket_path_would_be_too_long(tmp_path: Path) -> None:
    data_dir = tmp_path / ("d" * 120) / "data"
    server = LiveServer(make_settings(data_dir, port=free_port())).start()
    try:
        address = (data_dir / admin.URL_FILE).read_text().strip()
        assert address.startswith("http://127.0.0.1:") and not address.endswith(f":{server.port}")
        client = admin.AdminClient.discover(data_dir)
        assert client is not None and client.call("GET", "/ping")["status"] == "ok"
        with httpx.Client(base_url=address) as http:  # a token is still needed
            assert http.get("/admin/api/ping").status_code == 401
    finally:
        server.stop()


def test_the_endpoint_can_be_switched_off(data_dir: Path) -> None:
    server = LiveServer(make_settings(data_dir, port=free_port(), admin_socket=False)).start()
    try:
        assert not (data_dir / admin.TOKEN_FILE).exists()
        assert not (data_dir / admin.SOCKET_FILE).exists()
        with server.client() as client:
            assert client.get("/admin/api/ping").status_code == 404
    finally:
        server.stop()
