"""``POST /optout/forget`` through a real uvicorn on real chdb: who may delete what, and how often."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from collector.optout_forget import DONE, FORGETS_PER_WINDOW
from collector.rate_limit import ClientRateLimiter
from footfall.metadata.sites import Site
from tests.support import CHROME_UA, LiveServer, free_port, make_settings

VISITOR = "a1b2c3d4e5f60718"
OTHER_VISITOR = "0f1e2d3c4b5a6978"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("forget") / "data"
    # A long flush interval: acknowledged hits wait in the spool until something asks for them.
    # Behind a same-host proxy (the test client is 127.0.0.1): X-Forwarded-For names the client.
    live = LiveServer(
        make_settings(data_dir, port=free_port(), flush_interval_seconds=60, trust_proxy_headers=True)
    ).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(autouse=True)
def fresh_rate_limit(server: LiveServer) -> None:
    server.services.collector.forget_limiter = ClientRateLimiter()


def send_hits(client: httpx.Client, site: Site, tracker_id: str, pages: list[str]) -> None:
    for path in pages:
        params = {
            "idsite": site.id,
            "rec": 1,
            "url": f"https://{site.primary_domain}{path}",
            "_id": tracker_id,
            "send_image": 0,
        }
        response = client.get("/matomo.php", params=params, headers={"User-Agent": CHROME_UA})
        assert response.status_code == 204
        assert "x-footfall-dropped" not in response.headers


def count(server: LiveServer, site: Site) -> int:
    return server.count("site_id = {site:UInt32}", site=site.id)


def forget(client: httpx.Client, site_id: object, visitor: str, origin: str | None, client_ip: str = "",
           **extra: str) -> httpx.Response:
    headers = {"Origin": origin} if origin else {}
    if client_ip:
        headers["X-Forwarded-For"] = client_ip
    return client.post("/optout/forget", data={"idsite": str(site_id), "visitor": visitor, **extra}, headers=headers)


def test_a_visitor_deletes_exactly_their_own_rows_even_those_still_in_the_spool(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="footfall")
    site = server.add_site("shop.example", cookie_mode=True)
    origin = "https://www.shop.example"
    with server.client() as client:
        send_hits(client, site, VISITOR, ["/", "/cart", "/checkout"])
        send_hits(client, site, OTHER_VISITOR, ["/"])
        assert server.services.writer.spool.current_rows + len(server.services.writer.spool.sealed()) > 0

        # The widget sends the cookie's id as it reads it; case does not matter.
        response = forget(client, site.id, VISITOR.upper(), origin)
        assert response.status_code == 200
        assert response.json() == DONE
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["cache-control"] == "no-store"
        assert count(server, site) == 1
        [kept] = server.rows("SELECT pathname FROM events WHERE site_id = {site:UInt32}", site=site.id)
        assert kept["pathname"] == "/"

        # Asking again finds nothing; the other visitor, asking as JSON, loses only their row.
        assert forget(client, site.id, VISITOR, origin).json() == DONE
        response = client.post(
            "/optout/forget", json={"idsite": site.id, "visitor": OTHER_VISITOR}, headers={"Origin": origin}
        )
        assert response.json() == DONE
    assert count(server, site) == 0
    for tracker_id in (VISITOR, OTHER_VISITOR):
        assert tracker_id not in caplog.text.lower()
    assert "deleted their data: 3 events" in caplog.text


def test_a_cookieless_site_has_nothing_tied_to_a_browser(server: LiveServer) -> None:
    site = server.add_site("blog.example")
    with server.client() as client:
        send_hits(client, site, VISITOR, ["/post"])
        response = forget(client, site.id, VISITOR, "https://blog.example")
    assert response.status_code == 409
    assert "cookieless" in response.json()["error"]
    assert response.headers["access-control-allow-origin"] == "https://blog.example"
    assert count(server, site) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"visitor": "a1b2c3d4e5f6071"}, "16 hexadecimal"),
        ({"visitor": "a1b2c3d4e5f607189"}, "16 hexadecimal"),
        ({"visitor": "g1b2c3d4e5f60718"}, "16 hexadecimal"),
        ({"visitor": "a1b2c3d4e5f60718.1700000000"}, "16 hexadecimal"),
        ({"visitor": ""}, "16 hexadecimal"),
        ({"idsite": "999999"}, "existing site"),
        ({"idsite": "one"}, "existing site"),
        ({"idsite": "²"}, "existing site"),
        ({"idsite": "1" * 30}, "existing site"),
        ({"idsite": ""}, "existing site"),
    ],
)
def test_bad_input_is_refused(server: LiveServer, fields: dict[str, str], message: str) -> None:
    site = server.add_site("input.example", cookie_mode=True)
    data = {"idsite": str(site.id), "visitor": VISITOR, **fields}
    with server.client() as client:
        response = client.post("/optout/forget", data=data, headers={"Origin": "https://input.example"})
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_unreadable_bodies_are_refused(server: LiveServer) -> None:
    headers = {"Origin": "https://input.example"}
    with server.client() as client:
        json_headers = {**headers, "Content-Type": "application/json"}
        broken = client.post("/optout/forget", content=b'{"idsite": 1,', headers=json_headers)
        listed = client.post("/optout/forget", json=[1, VISITOR], headers=headers)
        binary = client.post("/optout/forget", content=b"\xff\xfe", headers=headers)
        padded = {"idsite": "1", "visitor": VISITOR, "pad": "x" * 10_000}
        huge = client.post("/optout/forget", data=padded, headers=headers)
    assert [broken.status_code, listed.status_code, binary.status_code, huge.status_code] == [400, 400, 400, 413]


def test_only_the_sites_own_origins_may_ask(server: LiveServer) -> None:
    site = server.add_site("own.example", cookie_mode=True)
    other = server.add_site("neighbour.example", cookie_mode=True)
    with server.client() as client:
        send_hits(client, site, VISITOR, ["/"])
        foreign = ("https://evil.example", "https://own.example.evil.example", "https://neighbour.example", "null", None)
        for origin in foreign:
            response = forget(client, site.id, VISITOR, origin)
            assert response.status_code == 403, origin
            assert "access-control-allow-origin" not in response.headers
        # A subdomain of the site's domain is the site's.
        assert forget(client, site.id, VISITOR, "https://blog.own.example").json() == DONE
    assert count(server, site) == 0
    assert count(server, other) == 0


def test_the_optout_page_may_ask_with_its_token(server: LiveServer) -> None:
    site = server.add_site("iframe.example", cookie_mode=True)
    with server.client() as client:
        send_hits(client, site, VISITOR, ["/", "/about"])
        html = client.get("/optout", params={"idsite": site.id}).text
        token = re.search(r'name="csrf" value="([^"]+)"', html)
        assert token is not None
        assert forget(client, site.id, VISITOR, None, csrf="forged").status_code == 403
        response = forget(client, site.id, VISITOR, None, csrf=token.group(1))
        assert response.status_code == 200
        assert response.json() == DONE
        client.cookies.clear()  # the token without its cookie is worthless
        assert forget(client, site.id, VISITOR, None, csrf=token.group(1)).status_code == 403
    assert count(server, site) == 0


def test_a_preflight_from_the_site_is_answered(server: LiveServer) -> None:
    server.add_site("preflight.example", cookie_mode=True)
    with server.client() as client:
        allowed = client.options(
            "/optout/forget",
            headers={"Origin": "https://preflight.example", "Access-Control-Request-Method": "POST"},
        )
        foreign = client.options(
            "/optout/forget", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://preflight.example"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in foreign.headers


def test_the_answer_does_not_tell_whether_an_id_has_data(server: LiveServer) -> None:
    site = server.add_site("quiet.example", cookie_mode=True)
    with server.client() as client:
        send_hits(client, site, VISITOR, ["/", "/a"])
        deleted = forget(client, site.id, VISITOR, "https://quiet.example")
        nothing = forget(client, site.id, OTHER_VISITOR, "https://quiet.example")
    assert count(server, site) == 0
    assert (deleted.status_code, deleted.content) == (nothing.status_code, nothing.content)
    assert dict(deleted.headers).keys() == dict(nothing.headers).keys()


def test_deletions_are_rate_limited_per_client_not_per_site(server: LiveServer) -> None:
    site = server.add_site("busy.example", cookie_mode=True)
    calm = server.add_site("calm.example", cookie_mode=True)
    with server.client() as client:
        send_hits(client, site, VISITOR, ["/"])
        # One client spends its budget: the proxy appended its address after whatever the client sent.
        statuses = [
            forget(client, site.id, OTHER_VISITOR, "https://busy.example", f"10.{n}.0.1, 198.51.100.7").status_code
            for n in range(FORGETS_PER_WINDOW)
        ]
        assert statuses == [200] * FORGETS_PER_WINDOW
        limited = forget(client, site.id, VISITOR, "https://busy.example", "198.51.100.7")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["access-control-allow-origin"] == "https://busy.example"
        assert forget(client, calm.id, VISITOR, "https://calm.example", "198.51.100.7").status_code == 429
        assert count(server, site) == 1
        # Every other visitor of the same site still gets their erasure.
        assert forget(client, site.id, VISITOR, "https://busy.example", "203.0.113.20").status_code == 200
    assert count(server, site) == 0


def test_the_rate_limit_window_slides() -> None:
    limiter = ClientRateLimiter(limit=2, window_seconds=60)
    assert limiter.wait("a", now=0) == 0
    assert limiter.wait("a", now=10) == 0
    assert limiter.wait("a", now=20) == 40
    assert limiter.wait("b", now=20) == 0
    assert limiter.wait("a", now=60) == 0
    assert limiter.wait("a", now=65) == 5
    assert limiter.wait("a", now=70) == 0
