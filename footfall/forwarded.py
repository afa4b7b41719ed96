"""What a request says about its client when Footfall runs behind reverse proxies.

``X-Forwarded-For`` is a list that every proxy appends to; only the entries
our own proxies appended can be believed.  So the client is the right-most
entry that is not a trusted proxy, as uvicorn's ``forwarded_allow_ips`` and
nginx's ``real_ip_recursive`` do, and the headers count only when the TCP peer
itself is a trusted proxy.  One home for the rule: the login limiter, the
collector's excluded-IP rule, the admin endpoint's locality check, Secure
cookies and the URLs Footfall writes all ask this module.
"""

from __future__ import annotations

import functools
import ipaddress

from starlette.requests import HTTPConnection

from footfall.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
TRUST_ALL = "*"


@functools.lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The trusted networks; None means every peer is trusted (``*``)."""
    if TRUST_ALL in proxies:
        return None
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in proxies)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    networks = _networks(proxies)
    if networks is None:
        return True
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in networks)


def _peer(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else ""


def _from_trusted_proxy(connection: HTTPConnection, settings: Settings) -> bool:
    return settings.trust_proxy_headers and is_trusted(_peer(connection), settings.trusted_proxies)


def client_address(connection: HTTPConnection, settings: Settings) -> str:
    """The client's address: the TCP peer, or behind trusted proxies the address they saw."""
    peer = _peer(connection)
    if not _from_trusted_proxy(connection, settings):
        return peer
    headers = connection.headers
    forwarded = headers.get("x-forwarded-for", "")
    if forwarded:
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        for entry in reversed(entries):
            if not is_trusted(entry, settings.trusted_proxies):
                parsed = _address(entry)
                return str(parsed) if parsed is not None else ""
        # Every hop is one of ours: the first one is the client.
        return entries[0] if entries else peer
    real = headers.get("x-real-ip", "").strip()
    return real or peer


def is_https(connection: HTTPConnection, settings: Settings) -> bool:
    """Whether the browser reached Footfall over TLS: directly, or by a trusted proxy's word."""
    if connection.scope.get("scheme") in ("https", "wss"):
        return True
    if _from_trusted_proxy(connection, settings):
        proto = connection.headers.get("x-forwarded-proto", "")
        if proto:
            # The proxy nearest the browser speaks first; a TLS hop anywhere in front is enough for Secure.
            return proto.split(",", 1)[0].strip().lower() == "https"
    return settings.public_url.lower().startswith("https://")


def host_allowed(host: str, settings: Settings) -> bool:
    """Whether a Host header may be used to write URLs: the configured hosts, or this machine's names."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    if not name:
        return False
    if name in {entry.lower() for entry in settings.allowed_hosts}:
        return True
    if name in ("localhost", settings.host.lower()):
        return True
    parsed = _address(name)
    return parsed is not None and parsed.is_loopback


def public_base_url(connection: HTTPConnection, settings: Settings) -> str:
    """The URL users reach Footfall at, ending in ``/``, for share links, snippets and redirects.

    ``public_url`` when set; otherwise the request's own Host if it is allowed,
    else the address Footfall listens on.  A forged Host never reaches a link.
    """
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/"
    scheme = "https" if is_https(connection, settings) else "http"
    host = connection.headers.get("host", "")
    if host and host_allowed(host, settings):
        return f"{scheme}://{host}/"
    listen = settings.host if settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    if ":" in listen:
        listen = f"[{listen}]"
    return f"{scheme}://{listen}:{settings.port}/"
