"""Fuzzing the tracking parameters and bodies: any input gets a clean answer, never a 500."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from collector import parse_matomo, parse_plausible
from collector.hit import Dropped, Hit, RequestMeta
from footfall.app.asgi import create_app
from footfall.app.services import Services, build
from tests.support import CHROME_UA, make_settings

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CLEAN_STATUSES = {200, 202, 204, 400, 413}
NOW = datetime(2024, 5, 14, 12, 0, tzinfo=timezone.utc)
META = RequestMeta(ip="203.0.113.9", user_agent=CHROME_UA)

MATOMO_KEYS = [
    "idsite", "rec", "url", "action_name", "urlref", "_id", "cid", "_idn", "_idvc", "_viewts", "rand", "apiv",
    "res", "h", "m", "s", "lang", "pv_id", "ping", "_rcn", "_rck", "e_c", "e_a", "e_n", "e_v", "idgoal",
    "revenue", "search", "search_cat", "search_count", "link", "download", "dimension1", "dimension999",
    "send_image", "props", "ua", "uid", "cip", "cdt", "country", "region", "city", "lat", "long", "token_auth",
]
tricky_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "1", "0", "-1", "1e309", "NaN", "inf", "99999999999999999999", "0x10", " 1 ", "١",
                     "0123456789abcdef", "2024-05-14 11:00:00", "1715684400", "::1", "999.1.1.1",
                     "https://example.com/a?email=x#f", "javascript:alert(1)", "\x00", "%ZZ", "1920x1080",
                     "\u202e", "a" * 3000]),
)
matomo_params = st.dictionaries(st.sampled_from(MATOMO_KEYS) | st.text(max_size=10), tricky_text, max_size=12)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Services, int]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    server_settings = make_settings(data_dir, dashboard=False, max_bulk_requests=50)
    services = build(server_settings)
    site = services.sites.add("example.com", ["example.com"])
    with TestClient(create_app(server_settings, services=services), raise_server_exceptions=True) as client:
        yield client, services, site.id
    services.close()


def assert_clean(response) -> None:
    assert response.status_code in CLEAN_STATUSES, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


def with_site(params: dict[str, str], site_id: int) -> dict[str, str]:
    return {"idsite": str(site_id), "rec": "1", "url": "https://example.com/", **params}


@FUZZ
@given(params=matomo_params)
def test_matomo_parser_only_raises_dropped(params: dict[str, str]) -> None:
    for candidate in (params, {"idsite": "1", "rec": "1", **params}):
        try:
            hit = parse_matomo.parse(candidate, META, NOW)
        except Dropped:
            continue
        assert isinstance(hit, Hit) and hit.site_id > 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
plausible_bodies = st.dictionaries(
    st.sampled_from(["n", "u", "d", "r", "p", "$", "name", "url", "domain", "referrer", "props", "revenue",
                     "sd", "e", "h", "i", "w", "m"]) | st.text(max_size=5),
    json_values | st.sampled_from(["pageview", "engagement", "Signup", "https://example.com/x", "example.com"]),
    max_size=8,
)


@FUZZ
@given(body=plausible_bodies)
def test_plausible_parser_only_raises_dropped(body: dict) -> None:
    raw = json.dumps(body).encode()
    try:
        domain, hit = parse_plausible.parse(parse_plausible.decode(raw), META, NOW)
    except Dropped:
        return
    assert isinstance(domain, str) and isinstance(hit, Hit)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_plausible_decoder_takes_any_bytes(raw: bytes) -> None:
    try:
        parse_plausible.decode(raw)
    except Dropped:
        pass


@FUZZ
@given(params=matomo_params, method=st.sampled_from(["GET", "POST"]), headers=st.dictionaries(
    st.sampled_from(["DNT", "Sec-GPC", "Cookie", "Origin", "Referer", "Accept-Language", "Sec-Purpose",
                     "X-Forwarded-For", "User-Agent"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40), max_size=4))
def test_matomo_endpoint_answers_cleanly(app, params: dict[str, str], method: str, headers: dict[str, str]) -> None:
    client, _, site_id = app
    params = with_site(params, site_id) if len(params) % 2 else params
    if method == "GET":
        response = client.get("/matomo.php?" + urlencode(params), headers=headers)
    else:
        response = client.post("/matomo.php", content=urlencode(params),
                               headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert_clean(response)


@FUZZ
@given(body=st.binary(max_size=300))
def test_matomo_endpoint_takes_any_body(app, body: bytes) -> None:
    client, _, _ = app
    assert_clean(client.post("/matomo.php", content=body))
    assert_clean(client.post("/matomo.php", content=b'{"requests": ' + body + b"}"))


@FUZZ
@given(items=st.lists(st.one_of(matomo_params.map(urlencode).map(lambda q: "?" + q), json_values), max_size=8),
       good=st.integers(min_value=1, max_value=5))
def test_bulk_keeps_every_good_hit(app, items: list, good: int) -> None:
    client, services, site_id = app
    good_items = [f"?idsite={site_id}&rec=1&url=https://example.com/good/{n}&action_name=good" for n in range(good)]
    requests = good_items + items
    body = json.dumps({"requests": requests}).encode()  # NaN and Infinity included, as Python's json reads them
    response = client.post("/matomo.php", content=body, headers={"User-Agent": CHROME_UA})
    assert_clean(response)
    assert response.status_code == 200
    result = response.json()
    assert result["tracked"] >= good
    assert set(range(good)).isdisjoint(result["invalid_indices"])


@FUZZ
@given(body=plausible_bodies, content_type=st.sampled_from(["text/plain", "application/json", ""]))
def test_plausible_endpoint_answers_cleanly(app, body: dict, content_type: str) -> None:
    client, _, _ = app
    if len(body) % 2:
        body = {"n": "pageview", "u": "https://example.com/", "d": "example.com", **body}
    response = client.post("/api/event", content=json.dumps(body).encode(),
                           headers={"Content-Type": content_type, "User-Agent": CHROME_UA})
    assert_clean(response)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_plausible_endpoint_takes_any_bytes(app, raw: bytes) -> None:
    client, _, _ = app
    assert_clean(client.post("/api/event", content=raw, headers={"Content-Type": "text/plain"}))


def test_fuzzed_good_hits_were_stored(app) -> None:
    client, services, site_id = app
    response = client.post("/matomo.php", json={"requests": [
        f"?idsite={site_id}&rec=1&url=https://example.com/last&action_name=last"]}, headers={"User-Agent": CHROME_UA})
    assert response.json()["tracked"] == 1
    writer = services.writer
    writer.spool.seal()
    assert writer.flush_once()
    titles = dict(services.storage.query("SELECT title, count() FROM events GROUP BY title"))
    assert titles["last"] == 1


@FUZZ
@given(params=matomo_params, headers=st.fixed_dictionaries({}, optional={
    "ip": st.sampled_from(["", "203.0.113.9", "::1", "2001:db8::1", "garbage", "::ffff:1.2.3.4"]),
    "user_agent": st.text(max_size=60) | st.just(CHROME_UA),
    "origin": st.text(max_size=30) | st.just("https://example.com"),
}))
def test_every_stage_handles_what_the_parser_lets_through(params: dict[str, str], headers: dict) -> None:
    """The endpoint turns any stray exception into a drop; here stages must not raise at all."""
    from collector.pipeline import run
    from tests.collector.builders import TOKEN, make_context, make_site

    context = make_context(make_site(1, excluded_ips=("10.0.0.0/8", "2001:db8:1::/48"), cookie_mode=len(params) % 2 == 0))
    params = {"idsite": "1", "rec": "1", **params}
    if "token_auth" in params and len(params) % 3 == 0:
        params["token_auth"] = TOKEN
    try:
        hit = parse_matomo.parse(params, RequestMeta(**headers), NOW)
    except Dropped:
        return
    try:
        reason = run(hit, context)
    except Dropped:
        return
    if reason is None:
        assert hit.ip == hit.user_agent == hit.tracker_visitor_id == hit.user_id == hit.token_auth == ""
        assert hit.visitor_id > 0
