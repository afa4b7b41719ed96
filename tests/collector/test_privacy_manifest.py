"""/privacy.json through a real uvicorn: generated from the running configuration, per site on request."""

from __future__ import annotations

from pathlib import Path

from tests.support import CHROME_UA, LiveServer, free_port, make_settings


def manifest(server: LiveServer, site: int | None = None) -> dict:
    with server.client() as client:
        response = client.get("/privacy.json", params={"site": site} if site else None)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


def test_the_manifest_follows_the_configuration(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = LiveServer(make_settings(data_dir, port=free_port(), geoip_path="bundled")).start()
    try:
        site = server.add_site("shop.example")
        with server.client() as client:  # a hit makes the day's salt
            client.get("/matomo.php", params={"idsite": site.id, "rec": 1, "url": "https://shop.example/"},
                       headers={"User-Agent": CHROME_UA})
        first = manifest(server)
        assert first["ip"]["ipv4_bytes_removed"] == 2 and first["ip"]["ipv6_bits_kept"] == 48
        assert first["retention"]["days"] == 758
        assert first["retention"]["applies_to"] == ["events", "visits", "archives"]
        assert first["retention"]["last_run"] is not None  # the server ran retention when it started
        assert first["visitor_id"]["default"]["salt_lifetime_hours"] == 24
        assert first["visitor_id"]["default"]["last_salt_rotation"] is not None
        assert first["opt_out"]["cookies"][0] == {
            "name": "footfall_optout", "set_by": f"{server.url}/optout.js on the site's own domain (first party)",
            "max_age_days": 400, "same_site": "Lax",
        }
        assert "ip_truncated" in first["stored"]["columns"]  # some site may keep it
        assert first["geolocation"]["database_type"] == "DBIP-City-Lite"
        assert first["privacy_log"]["salt-created"]["entries"] == 1
        assert "consent_exemption" not in first and first["site"] is None

        one = manifest(server, site.id)
        assert one["site"] == {"id": site.id, "domains": ["shop.example"]}
        assert one["visitor_id"]["mode"] == "cookieless"
        assert one["do_not_track"]["dnt"] == "honoured"
        assert "ip_truncated" not in one["stored"]["columns"]
        assert one["consent_exemption"]["exempt"] is True
        statuses = {c["key"]: c["status"] for c in one["consent_exemption"]["criteria"]}
        assert statuses["retention"] == "met" and statuses["cookie_lifetime"] == "met"

        # The site's settings change while the server runs: so does its manifest.
        server.services.sites.update(site.id, cookie_mode=True, honor_dnt=False, store_truncated_ip=True,
                                     retention_days=30, domains="*")
        changed = manifest(server, site.id)
        assert changed["visitor_id"]["mode"] == "cookie"
        assert changed["do_not_track"]["gpc"] == "ignored"
        assert "ip_truncated" in changed["stored"]["columns"]
        assert changed["retention"]["days"] == 30
        assert changed["consent_exemption"]["exempt"] is False
        criteria = {c["key"]: c for c in changed["consent_exemption"]["criteria"]}
        assert criteria["no_cross_site_tracking"]["status"] == "not met"
        assert criteria["no_cross_site_tracking"]["change"] == "Replace * in the site's domains with its own domains."
        assert criteria["opt_out"]["status"] == "not met"
        assert criteria["cookie_lifetime"]["status"] == "check"
    finally:
        server.stop()

    # Another configuration of the server: the manifest says so.
    server = LiveServer(make_settings(data_dir, port=free_port(), ipv4_mask_bytes=1, ipv6_prefix=64,
                                      retention_days=0, geoip_path="none",
                                      public_url="https://stats.example.com")).start()
    try:
        again = manifest(server)
        assert again["ip"]["ipv4_bytes_removed"] == 1 and again["ip"]["ipv6_bits_kept"] == 64
        assert again["retention"]["forever"] is True
        assert again["geolocation"]["source"] == "none"
        assert again["opt_out"]["widget"] == "https://stats.example.com/optout.js"
        criteria = {c["key"]: c for c in manifest(server, site.id)["consent_exemption"]["criteria"]}
        assert criteria["ip_truncation"]["status"] == "not met"
        assert criteria["retention"]["status"] == "met"  # the site's own 30 days still apply
    finally:
        server.stop()


def test_an_unknown_site_is_a_clean_error(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.get("/privacy.json", params={"site": "999"}).status_code == 404
        assert client.get("/privacy.json", params={"site": "x"}).status_code == 400


def test_the_optout_widget_keeps_its_cookie_as_long_as_the_manifest_says() -> None:
    from collector.optout_page import COOKIE_MAX_AGE
    from footfall.paths import STATIC_DIR

    widget = (STATIC_DIR / "optout.js").read_text()
    assert f"max-age={COOKIE_MAX_AGE}" in widget
    assert "privacy.json" in widget


def test_the_optout_page_links_to_the_manifest(live_server: LiveServer) -> None:
    with live_server.client() as client:
        english = client.get("/optout", params={"lang": "en", "idsite": "3"}).text
        german = client.get("/optout", params={"lang": "de"}).text
    assert 'href="privacy.json?site=3"' in english and "Every privacy setting" in english
    assert 'href="privacy.json"' in german and "Alle Datenschutz-Einstellungen" in german


def test_a_site_that_sends_user_ids_is_not_exempt(live_server: LiveServer) -> None:
    site = live_server.add_site("app.example")
    with live_server.client() as client:
        client.get("/matomo.php", params={"idsite": site.id, "rec": 1, "url": "https://app.example/", "uid": "u-42"},
                   headers={"User-Agent": CHROME_UA})
    live_server.flush()
    body = manifest(live_server, site.id)
    [merging] = [c for c in body["consent_exemption"]["criteria"] if c["key"] == "no_merging"]
    assert merging["status"] == "not met" and merging["detail"].startswith("1 stored hit(s) carry a user ID")
    assert body["consent_exemption"]["exempt"] is False
    assert "u-42" not in str(body)
