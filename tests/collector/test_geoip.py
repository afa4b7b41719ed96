"""Geolocation from .mmdb files: one written here, and the bundled DB-IP City Lite."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.geoip import GeoLookup, Location, open_lookup
from collector.pipeline import run
from footfall.settings import Settings, SettingsError
from tests.collector.builders import TOKEN, make_context, make_hit, make_settings
from tests.mmdb_writer import write_city_database
from tests.support import CHROME_UA, LiveServer, free_port
from tests.support import make_settings as make_server_settings

NETWORKS = {
    "203.0.113.0/24": ("NL", "North Holland", "Amsterdam"),
    "198.51.100.128/25": ("DE", "Berlin", "Berlin"),
    "2001:db8:abcd::/48": ("JP", "Tokyo", "Shibuya"),
    "192.0.2.1/32": ("FR", "", ""),
}


@pytest.fixture
def mmdb(tmp_path: Path) -> Path:
    return write_city_database(tmp_path / "test-city.mmdb", NETWORKS)


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.1", Location("NL", "North Holland", "Amsterdam")),
        ("203.0.113.254", Location("NL", "North Holland", "Amsterdam")),
        ("198.51.100.200", Location("DE", "Berlin", "Berlin")),
        ("198.51.100.1", Location()),
        ("2001:db8:abcd:42::1", Location("JP", "Tokyo", "Shibuya")),
        ("2001:db8:abce::1", Location()),
        ("192.0.2.1", Location("FR", "", "")),
        ("192.0.2.2", Location()),
        ("not an ip", Location()),
        ("", Location()),
    ],
)
def test_lookup(mmdb: Path, ip: str, expected: Location) -> None:
    geo = GeoLookup(str(mmdb))
    try:
        assert geo.lookup(ip) == expected
    finally:
        geo.close()


def test_whole_pipeline_sets_the_location_and_forgets_the_ip(mmdb: Path) -> None:
    context = make_context(geo=GeoLookup(str(mmdb)))
    hit = make_hit(ip="198.51.100.130")
    assert run(hit, context) is None
    assert (hit.country_code, hit.region, hit.city) == ("DE", "Berlin", "Berlin")
    assert hit.ip == ""


def test_trusted_cip_is_located(mmdb: Path) -> None:
    context = make_context(geo=GeoLookup(str(mmdb)))
    hit = make_hit(ip="127.0.0.1", token_auth=TOKEN, overrides={"cip": "2001:db8:abcd::99"})
    assert run(hit, context) is None
    assert hit.country_code == "JP"


def test_geoip_path_setting(mmdb: Path) -> None:
    settings = make_settings(geoip_path=str(mmdb))
    assert settings.geoip_database == str(mmdb)
    lookup = open_lookup(settings.geoip_database)
    assert lookup is not None and lookup.lookup("203.0.113.9").country_code == "NL"
    assert make_settings(geoip_path="none").geoip_database is None
    assert open_lookup(None) is None


def test_geoip_path_to_a_missing_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="geoip_path"):
        make_settings(geoip_path=str(tmp_path / "missing.mmdb"))


def test_served_hits_are_located_with_the_configured_file(mmdb: Path, data_dir: Path) -> None:
    settings = make_server_settings(data_dir, port=free_port(), geoip_path=str(mmdb), trust_proxy_headers=True,
                                       trusted_proxies=("127.0.0.1", "10.0.0.0/8"), dashboard=False)
    server = LiveServer(settings).start()
    try:
        site = server.add_site("example.com")
        with server.client() as client:
            base = {"idsite": site.id, "rec": 1, "url": "https://example.com/", "send_image": 0}
            headers = {"User-Agent": CHROME_UA}
            assert client.get("/matomo.php", params={**base, "action_name": "cip",
                                                     "cip": "203.0.113.40", "token_auth": site.token_auth},
                              headers=headers).status_code == 204
            assert client.get("/matomo.php", params={**base, "action_name": "xff"},
                              headers={**headers, "X-Forwarded-For": "2001:db8:abcd::7, 10.0.0.1"}).status_code == 204
            assert client.get("/matomo.php", params={**base, "action_name": "untrusted", "cip": "203.0.113.40"},
                              headers={**headers, "X-Forwarded-For": "198.51.100.1"}).status_code == 204
        rows = {row["title"]: row for row in server.rows()}
        assert (rows["cip"]["country_code"], rows["cip"]["region"], rows["cip"]["city"]) == (
            "NL", "North Holland", "Amsterdam",
        )
        assert (rows["xff"]["country_code"], rows["xff"]["city"]) == ("JP", "Shibuya")
        assert rows["untrusted"]["country_code"] == ""  # cip without token_auth is ignored
    finally:
        server.stop()


def test_bundled_db_ip_database_knows_well_known_addresses() -> None:
    path = Settings(geoip_path="bundled").geoip_database
    assert path is not None and Path(path).is_file()
    geo = GeoLookup(path)
    try:
        google = geo.lookup("8.8.8.8")
        assert (google.country_code, google.region) == ("US", "California")
        assert len(geo.lookup("2001:4860:4860::8888").country_code) == 2  # IPv6 is covered too
        assert geo.lookup("127.0.0.1").country_code == ""
    finally:
        geo.close()
