"""The client address, TLS and public URL behind reverse proxies: one rule for every caller."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from footfall import forwarded
from footfall.settings import Settings, SettingsError, load


def request(headers: dict[str, str], client: tuple[str, int] | None = ("127.0.0.1", 50000),
            scheme: str = "http") -> Request:
    scope = {
        "type": "http", "method": "GET", "path": "/", "query_string": b"", "scheme": scheme,
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()],
        "client": client, "server": ("127.0.0.1", 8000),
    }
    return Request(scope)


TRUSTING = Settings(trust_proxy_headers=True)


def test_the_socket_address_unless_proxy_headers_are_trusted() -> None:
    spoofed = request({"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.10"}, ("192.0.2.5", 1))
    assert forwarded.client_address(spoofed, Settings()) == "192.0.2.5"
    assert forwarded.client_address(request({}, client=None), Settings()) == ""
    # Trusted headers, but the peer is not one of our proxies: the headers do not count.
    assert forwarded.client_address(spoofed, TRUSTING) == "192.0.2.5"


def test_the_right_most_address_that_is_not_a_trusted_proxy() -> None:
    # The client wrote the first two entries; our proxy (the peer, 127.0.0.1) appended the real one.
    chosen = request({"X-Forwarded-For": "10.9.9.9, 198.51.100.1, 203.0.113.7"})
    assert forwarded.client_address(chosen, TRUSTING) == "203.0.113.7"
    # Two proxies of ours: a load balancer in 10.0.0.0/8, then the local nginx.
    chain = request({"X-Forwarded-For": "1.2.3.4, 203.0.113.7, 10.0.0.2"})
    two_hops = TRUSTING.replace(trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    assert forwarded.client_address(chain, two_hops) == "203.0.113.7"
    assert forwarded.client_address(chain, TRUSTING) == "10.0.0.2"
    # Written as address:port or [v6]:port, or IPv4-mapped.
    assert forwarded.client_address(request({"X-Forwarded-For": "[2001:db8::5]:443"}), TRUSTING) == "2001:db8::5"
    assert forwarded.client_address(request({"X-Forwarded-For": "203.0.113.8:80"}), TRUSTING) == "203.0.113.8"
    mapped = request({"X-Forwarded-For": "203.0.113.8"}, ("::ffff:127.0.0.1", 1))
    assert forwarded.client_address(mapped, TRUSTING) == "203.0.113.8"
    # Only our own proxies in the list: the first hop is the client.
    assert forwarded.client_address(request({"X-Forwarded-For": "127.0.0.1"}), TRUSTING) == "127.0.0.1"
    assert forwarded.client_address(request({"X-Real-IP": "2001:db8::9"}), TRUSTING) == "2001:db8::9"
    assert forwarded.client_address(request({}), TRUSTING) == "127.0.0.1"
    everyone = TRUSTING.replace(trusted_proxies=("*",))
    assert forwarded.client_address(request({"X-Forwarded-For": "203.0.113.1"}, ("192.0.2.1", 1)), everyone) == (
        "203.0.113.1"
    )


def test_https_from_the_socket_a_trusted_proxy_or_the_public_url() -> None:
    assert forwarded.is_https(request({}, scheme="https"), Settings())
    assert not forwarded.is_https(request({"X-Forwarded-Proto": "https"}), Settings())
    assert forwarded.is_https(request({"X-Forwarded-Proto": "https"}), TRUSTING)
    assert not forwarded.is_https(request({"X-Forwarded-Proto": "https"}, ("192.0.2.5", 1)), TRUSTING)
    assert not forwarded.is_https(request({"X-Forwarded-Proto": "http"}), TRUSTING)
    assert forwarded.is_https(request({}), Settings(public_url="https://stats.example.com"))


def test_links_use_the_public_url_and_never_a_forged_host() -> None:
    forged = request({"Host": "evil.example"})
    assert forwarded.public_base_url(forged, Settings()) == "http://127.0.0.1:8000/"
    public = Settings(public_url="https://stats.example.com/base")
    assert forwarded.public_base_url(forged, public) == "https://stats.example.com/base/"
    assert forwarded.public_base_url(request({"Host": "localhost:8000"}), Settings()) == "http://localhost:8000/"
    allowed = Settings(allowed_hosts=("stats.example.com",))
    assert forwarded.public_base_url(request({"Host": "stats.example.com"}), allowed) == "http://stats.example.com/"
    assert forwarded.public_base_url(forged, allowed) == "http://127.0.0.1:8000/"


@pytest.mark.parametrize("key, value", [
    ("public_url", "stats.example.com"),
    ("public_url", "ftp://stats.example.com"),
    ("public_url", "https://stats.example.com/?x=1"),
    ("public_url", "https://user:pw@stats.example.com"),
    ("trusted_proxies", "10.0.0.0/8, nginx"),
])
def test_bad_values_name_their_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        load(config_file=None, environ={}, overrides={key: value})


def test_good_values_load() -> None:
    settings = load(config_file=None, environ={"FOOTFALL_TRUSTED_PROXIES": "10.0.0.0/8, ::1"},
                    overrides={"public_url": "https://stats.example.com/"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1")
    assert settings.public_url == "https://stats.example.com/"
