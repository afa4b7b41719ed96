"""The /optout iframe page through a real uvicorn: style validation, CSRF, cookie attributes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from collector import optout_page
from tests.support import CHROME_UA, LiveServer, free_port, make_settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("optout") / "data"
    live = LiveServer(make_settings(data_dir, port=free_port(), trust_proxy_headers=True)).start()
    try:
        yield live
    finally:
        live.stop()


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def set_cookie_headers(response: httpx.Response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"fontColor": "fff", "backgroundColor": "0A0b0C"}, {"fontColor": "fff", "backgroundColor": "0A0b0C"}),
        ({"fontColor": "#fff", "backgroundColor": "ffff"}, {}),
        ({"fontColor": "red", "backgroundColor": "fff;x"}, {}),
        ({"fontSize": "12px"}, {"fontSize": "12px"}),
        ({"fontSize": "1.2em"}, {"fontSize": "1.2em"}),
        ({"fontSize": "80%"}, {"fontSize": "80%"}),
        ({"fontSize": "12px;color:red"}, {}),
        ({"fontSize": "large"}, {}),
        ({"fontFamily": "Open Sans, Helvetica, sans-serif"}, {"fontFamily": "Open Sans, Helvetica, sans-serif"}),
        ({"fontFamily": "x}</style><script>alert(1)</script>"}, {}),
        ({"fontFamily": "'Comic Sans'"}, {}),
        ({"unknown": "1"}, {}),
    ],
)
def test_style_parameters_are_validated_like_matomo(query: dict[str, str], expected: dict[str, str]) -> None:
    assert optout_page.style_params(query) == expected


def test_language_follows_the_parameter_then_the_browser() -> None:
    assert optout_page.language("de", "en-US") == "de"
    assert optout_page.language("", "de-DE,de;q=0.9,en;q=0.8") == "de"
    assert optout_page.language("fr", "fr-FR,en;q=0.5") == "en"
    assert optout_page.language("xx", "") == "en"


def test_page_renders_valid_styles_and_ignores_the_rest(server: LiveServer) -> None:
    with server.client() as client:
        response = client.get(
            "/optout",
            params={
                "lang": "de",
                "fontColor": "123abc",
                "backgroundColor": "red;}body{display:none",
                "fontSize": "15px",
                "fontFamily": "Georgia</style><script>alert(1)</script>",
            },
        )
    assert response.status_code == 200
    html = response.text
    assert '<html lang="de">' in html
    assert "Widerspruch gegen die Besuchsstatistik" in html
    assert "Ihre Besuche werden derzeit gezählt." in html
    assert "color: #123abc;" in html
    assert "font-size: 15px;" in html
    assert "background: transparent;" in html
    assert "display:none" not in html
    assert "<script" not in html
    assert "system-ui, sans-serif" in html
    # Cookieless sites: the page says why there is nothing to delete.
    assert "nichts, was für Sie gelöscht werden könnte" in html
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers


def test_post_without_the_csrf_cookie_is_refused(server: LiveServer) -> None:
    with server.client() as client:
        page = client.get("/optout", params={"lang": "en"})
        fields = form_fields(page.text)
        client.cookies.clear()
        response = client.post("/optout", data={**fields, "action": "out"})
    assert response.status_code == 403
    assert "The form had expired" in response.text
    assert "footfall_optout" not in set_cookie_headers(response)


def test_post_with_a_token_for_another_browser_is_refused(server: LiveServer) -> None:
    with server.client() as attacker:
        attacker_fields = form_fields(attacker.get("/optout").text)
    with server.client() as victim:
        victim.get("/optout")
        assert victim.cookies.get(optout_page.CSRF_COOKIE)
        forged = victim.post("/optout", data={**attacker_fields, "action": "out"})
        tampered = victim.post("/optout", data={"csrf": "x" + attacker_fields["csrf"], "action": "out"})
    assert forged.status_code == 403
    assert tampered.status_code == 403
    assert "footfall_optout" not in set_cookie_headers(forged)


def test_opting_out_and_back_in_on_http(server: LiveServer) -> None:
    with server.client() as client:
        fields = form_fields(client.get("/optout", params={"lang": "en", "fontSize": "12px"}).text)
        assert fields["lang"] == "en" and fields["fontSize"] == "12px"
        response = client.post("/optout", data={**fields, "action": "out"})
        assert response.status_code == 303
        assert response.headers["location"] == "optout?fontSize=12px&lang=en&done=out"
        cookie = set_cookie_headers(response)["footfall_optout"]
        assert cookie.startswith("footfall_optout=1;")
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "secure" not in attributes and "partitioned" not in attributes
        max_age = int(next(a for a in attributes if a.startswith("max-age=")).split("=")[1])
        assert max_age >= 365 * 24 * 3600

        status = client.get("/optout?fontSize=12px&lang=en&done=out")
        assert "You have opted out: your visits are not counted." in status.text
        assert "Count my visits again" in status.text
        assert "did not keep the opt-out cookie" not in status.text

        fields = form_fields(status.text)
        back = client.post("/optout", data={**fields, "action": "in"})
        assert back.status_code == 303
        deleted = set_cookie_headers(back)["footfall_optout"].lower()
        assert "max-age=0" in deleted
        assert client.cookies.get("footfall_optout") is None
        assert "Your visits are currently counted." in client.get("/optout?lang=en&done=in").text


def test_the_page_says_when_the_browser_dropped_the_cookie(server: LiveServer) -> None:
    with server.client() as client:
        html = client.get("/optout", params={"lang": "en", "done": "out"}).text
    assert "did not keep the opt-out cookie" in html


def test_opting_out_over_https_sets_a_partitioned_cross_site_cookie(server: LiveServer) -> None:
    headers = {"X-Forwarded-Proto": "https"}
    with server.client() as client:
        page = client.get("/optout", headers=headers)
        csrf_cookie = set_cookie_headers(page)[optout_page.CSRF_COOKIE]
        nonce = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
        fields = form_fields(page.text)
        response = client.post(
            "/optout",
            data={**fields, "action": "out"},
            headers={**headers, "Cookie": f"{optout_page.CSRF_COOKIE}={nonce}"},
        )
    assert response.status_code == 303
    for cookie in (csrf_cookie, set_cookie_headers(response)["footfall_optout"]):
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"secure", "samesite=none", "partitioned", "httponly"} <= attributes


def test_status_shows_do_not_track_and_the_collector_drops_opted_out_hits(server: LiveServer) -> None:
    site = server.add_site("example.com")
    with server.client() as client:
        html = client.get("/optout", params={"lang": "en"}, headers={"Sec-GPC": "1"}).text
        assert "Global Privacy Control, so nothing is recorded anyway" in html
        fields = form_fields(html)
        client.post("/optout", data={**fields, "action": "out"})
        assert client.cookies.get("footfall_optout") == "1"
        hit = {"idsite": site.id, "rec": 1, "url": "https://example.com/", "send_image": 0}
        dropped = client.get("/matomo.php", params=hit, headers={"User-Agent": CHROME_UA})
        client.cookies.clear()
        kept = client.get("/matomo.php", params=hit, headers={"User-Agent": CHROME_UA})
    assert dropped.headers["x-footfall-dropped"] == "opt-out"
    assert "x-footfall-dropped" not in kept.headers
    assert server.count("site_id = {site:UInt32}", site=site.id) == 1


def test_cookie_mode_sites_explain_who_can_delete_the_data(server: LiveServer) -> None:
    site = server.add_site("cookies.example", cookie_mode=True)
    cookieless = server.add_site("daily.example")
    with server.client() as client:
        html = client.get("/optout", params={"lang": "en", "idsite": site.id}).text
        german = client.get("/optout", params={"lang": "de", "idsite": site.id}).text
        other = client.get("/optout", params={"lang": "en", "idsite": cookieless.id}).text
        assert client.get("/optout", params={"idsite": "²"}).status_code == 200  # a digit, but not an ASCII one
    assert "the data collected about you can be deleted" in html
    assert "use the button “Delete the data collected about me” in the opt-out section" in html
    assert "Schaltfläche „Meine erfassten Daten löschen“ im Widerspruchsbereich" in german
    # The iframe cannot read the site's cookie, so it offers no button of its own.
    assert html.count("<button") == 1 and 'value="out"' in html
    assert "cannot be traced back to this browser" in other
    assert "Delete the data collected about me”" not in other


def test_iframe_snippet_points_at_the_page() -> None:
    from footfall.snippets import opt_out_iframe_snippet

    snippet = opt_out_iframe_snippet("https://stats.example.org", "de")
    assert snippet.startswith('<iframe src="https://stats.example.org/optout?lang=de"')
    assert 'title="Opt-out"' in snippet
