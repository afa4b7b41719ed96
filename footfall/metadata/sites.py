"""Sites: who may send hits, and the privacy settings that apply to them."""

from __future__ import annotations

import ipaddress
import re
import secrets
import time
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from footfall.metadata.db import Database

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SiteError(ValueError):
    """A site setting is invalid; the message names the field."""


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    domains: tuple[str, ...]
    timezone: str = "UTC"
    token_auth: str = ""
    excluded_ips: tuple[str, ...] = ()
    honor_dnt: bool = True
    cookie_mode: bool = False
    store_truncated_ip: bool = False
    retention_days: int = 0
    url_denylist: tuple[str, ...] = ()
    referrer_spam: tuple[str, ...] = ()
    # Public views (share links) hide rows of fewer than this many visitors.
    k_anonymity: int = 5
    currency: str = ""  # ISO 4217 code revenue is reported in; "" when the site sends none
    excluded_networks: tuple[IPNetwork, ...] = field(default=(), compare=False, repr=False)

    @property
    def primary_domain(self) -> str:
        return self.domains[0] if self.domains else ""

    def allows_host(self, host: str) -> bool:
        """True when ``host`` is one of the site's domains or a subdomain of one."""
        host = host.lower().rstrip(".")
        if host.startswith("www."):
            host = host[4:]
        for domain in self.domains:
            if domain == "*" or host == domain or host.endswith("." + domain):
                return True
        return False


DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(value: str) -> str:
    """``https://www.Example.com:8080/path`` → ``example.com``; anything that is not a host name is refused."""
    original = value.strip()
    value = original.lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if value.startswith("www."):
        value = value[4:]
    if not original:
        raise SiteError("domains: a domain is empty (expected a host name such as example.com)")
    if value == "*":
        return value
    try:
        value = value.encode("idna").decode("ascii") if not value.isascii() else value
    except UnicodeError:
        raise SiteError(f"domains: {original!r} is not a domain name (expected a host name such as example.com)") from None
    labels = value.split(".")
    if not value or len(value) > 253 or not all(DOMAIN_LABEL.match(label) for label in labels):
        raise SiteError(f"domains: {original!r} is not a domain name (expected a host name such as example.com)")
    return value


def parse_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise SiteError(f"excluded_ips: {value!r} is not an IP address or CIDR range") from None
    return tuple(networks)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


def _row_to_site(row: Any) -> Site:
    excluded = _split(row["excluded_ips"])
    return Site(
        id=row["id"],
        name=row["name"],
        domains=_split(row["domains"]),
        timezone=row["timezone"],
        token_auth=row["token_auth"],
        excluded_ips=excluded,
        honor_dnt=bool(row["honor_dnt"]),
        cookie_mode=bool(row["cookie_mode"]),
        store_truncated_ip=bool(row["store_truncated_ip"]),
        retention_days=row["retention_days"],
        url_denylist=_split(row["url_denylist"]),
        referrer_spam=_split(row["referrer_spam"]),
        k_anonymity=row["k_anonymity"],
        currency=row["currency"],
        excluded_networks=parse_networks(excluded),
    )


EDITABLE = (
    "name",
    "domains",
    "timezone",
    "excluded_ips",
    "honor_dnt",
    "cookie_mode",
    "store_truncated_ip",
    "retention_days",
    "url_denylist",
    "referrer_spam",
    "k_anonymity",
    "currency",
)
MAX_K_ANONYMITY = 1000


def clean(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes checked and in their stored form; SiteError naming the first bad field."""
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE:
            raise SiteError(f"{key}: not a site setting")
        if key == "name":
            value = str(value).strip()
            if not value or len(value) > 200:
                raise SiteError("name: must be 1 to 200 characters")
        elif key == "domains":
            items = _split(value) if isinstance(value, str) else tuple(value)
            domains = tuple(dict.fromkeys(normalize_domain(d) for d in items))
            if not domains:
                raise SiteError("domains: at least one domain is needed")
            value = ",".join(domains)
        elif key == "timezone":
            try:
                zoneinfo.ZoneInfo(str(value))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise SiteError(f"timezone: {value!r} is not a known time zone") from None
        elif key == "excluded_ips":
            items = _split(value) if isinstance(value, str) else tuple(value)
            parse_networks(items)
            value = ",".join(items)
        elif key in ("url_denylist", "referrer_spam"):
            items = _split(value) if isinstance(value, str) else tuple(value)
            value = ",".join(item.lower() for item in items)
        elif key == "currency":
            value = str(value).strip().upper()
            if value and not (len(value) == 3 and value.isascii() and value.isalpha()):
                raise SiteError(f"currency: {value!r} is not a three-letter currency code like EUR or USD")
        elif key in ("honor_dnt", "cookie_mode", "store_truncated_ip"):
            value = 1 if value in (True, 1, "1", "true", "on", "yes") else 0
        elif key == "retention_days":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise SiteError("retention_days: must be a whole number") from None
            if value < 0:
                raise SiteError("retention_days: must not be negative")
        elif key == "k_anonymity":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise SiteError("k_anonymity: must be a whole number") from None
            if not 1 <= value <= MAX_K_ANONYMITY:
                raise SiteError(f"k_anonymity: must be between 1 and {MAX_K_ANONYMITY}")
        cleaned[key] = value
    return cleaned


class SiteStore:
    """Sites in the metadata database, with a cached snapshot for the hot path."""

    def __init__(self, db: Database, cache_seconds: float = 2.0) -> None:
        self.db = db
        db.ensure_column("sites", "k_anonymity", "INTEGER NOT NULL DEFAULT 5")
        db.ensure_column("sites", "currency", "TEXT NOT NULL DEFAULT ''")
        self.cache_seconds = cache_seconds
        self._snapshot: dict[int, Site] = {}
        self._loaded_at = 0.0
        self._domains: dict[str, Site] = {}
        self._domains_for: dict[int, Site] | None = None

    def add(self, name: str, domains: str | list[str], **settings: Any) -> Site:
        values = clean({"domains": domains, **settings})
        values = {"name": clean({"name": name or values["domains"].split(",")[0]})["name"], **values}
        values["token_auth"] = secrets.token_hex(16)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.db.execute(f"INSERT INTO sites ({columns}) VALUES ({marks})", values.values())
        self.invalidate()
        site = self.get(int(cursor.lastrowid))
        assert site is not None
        return site

    def update(self, site_id: int, **changes: Any) -> Site:
        values = clean(changes)
        if values:
            assignments = ", ".join(f"{key} = ?" for key in values)
            self.db.execute(f"UPDATE sites SET {assignments} WHERE id = ?", [*values.values(), site_id])
        self.invalidate()
        site = self.get(site_id)
        if site is None:
            raise SiteError(f"site {site_id} does not exist")
        return site

    def delete(self, site_id: int) -> None:
        self.db.execute("DELETE FROM sites WHERE id = ?", [site_id])
        self.invalidate()

    def get(self, site_id: int) -> Site | None:
        row = self.db.fetchone("SELECT * FROM sites WHERE id = ?", [site_id])
        return _row_to_site(row) if row else None

    def list(self) -> list[Site]:
        return [_row_to_site(row) for row in self.db.fetchall("SELECT * FROM sites ORDER BY id")]

    def by_domain(self, domain: str) -> Site | None:
        domain = normalize_domain(domain)
        for site in self.list():
            if domain in site.domains:
                return site
        return None

    def by_token(self, token: str) -> Site | None:
        row = self.db.fetchone("SELECT * FROM sites WHERE token_auth = ?", [token])
        return _row_to_site(row) if row else None

    def regenerate_token(self, site_id: int) -> Site:
        self.db.execute("UPDATE sites SET token_auth = ? WHERE id = ?", [secrets.token_hex(16), site_id])
        self.invalidate()
        site = self.get(site_id)
        if site is None:
            raise SiteError(f"site {site_id} does not exist")
        return site

    # The collector reads sites through this snapshot, refreshed every few seconds.
    def snapshot(self) -> dict[int, Site]:
        now = time.monotonic()
        if now - self._loaded_at > self.cache_seconds:
            self._snapshot = {site.id: site for site in self.list()}
            self._loaded_at = now
        return self._snapshot

    def cached(self, site_id: int) -> Site | None:
        return self.snapshot().get(site_id)

    def _domain_map(self) -> dict[str, Site]:
        snapshot = self.snapshot()
        if self._domains_for is not snapshot:
            self._domains = {d: site for site in snapshot.values() for d in site.domains}
            self._domains_for = snapshot
        return self._domains

    def cached_by_domain(self, domain: str) -> Site | None:
        domain = domain.strip().lower()
        if domain.startswith("www."):
            domain = domain[4:]
        return self._domain_map().get(domain)

    def origin_allowed(self, host: str) -> bool:
        """True when some site lists ``host`` (or a parent domain of it), as ``Site.allows_host`` decides.

        A lookup per label of the host in the domain map, not a scan of every site: it runs on every browser hit.
        """
        domains = self._domain_map()
        if "*" in domains:
            return True
        host = host.lower().rstrip(".")
        if host.startswith("www."):
            host = host[4:]
        labels = host.split(".")
        return any(".".join(labels[i:]) in domains for i in range(len(labels)))

    def invalidate(self) -> None:
        self._loaded_at = 0.0
