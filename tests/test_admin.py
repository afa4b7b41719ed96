"""The local admin endpoint: token files, who may call it, and what it does."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from footfall.app import admin
from footfall.deletion import Visitor
from tests.support import CHROME_UA, LiveServer, free_port, make_settings


def token_of(server: LiveServer) -> str:
    return (server.settings.data_dir / admin.TOKEN_FILE).read_text().strip()


def test_the_server_writes_a_private_token_and_its_url(live_server: LiveServer) -> None:
    data_dir = live_server.settings.data_dir
    token_path = data_dir / admin.TOKEN_FILE
    assert token_path.stat().st_mode & 0o777 == 0o600
    assert len(token_of(live_server)) >= 32
    assert (data_dir / admin.URL_FILE).read_text().strip() == live_server.url


def test_requests_without_the_token_are_refused(live_server: LiveServer) -> None:
    with live_server.client() as client:
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
        with server.client() as http:
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
    # Left behind by a killed server: nothing answers, so the CLI opens the data itself.
    admin.write_credentials(data_dir, f"http://127.0.0.1:{free_port()}")
    assert admin.AdminClient.discover(data_dir) is None


def test_the_endpoint_can_be_switched_off(data_dir: Path) -> None:
    server = LiveServer(make_settings(data_dir, port=free_port(), admin_socket=False)).start()
    try:
        assert not (data_dir / admin.TOKEN_FILE).exists()
        with server.client() as client:
            assert client.get("/admin/api/ping").status_code == 404
    finally:
        server.stop()
