"""Web server access-log lines → hits, for server-log analytics.

Pure functions, no I/O.  Formats:

- ``common``: NCSA common log format, ``%h %l %u %t "%r" %>s %b``;
- ``combined``: common plus ``"%{Referer}i" "%{User-Agent}i"`` (nginx's and Apache's default);
- ``vhost_combined``: Apache's ``%v:%p`` (or ``%v``) before combined, so lines name their host;
- ``caddy``: Caddy's JSON access log (``request.client_ip`` / ``remote_ip``, ``host``, ``uri``, headers).

As Matomo's log importer does, requests for static assets and answers other
than 2xx and 304 are skipped (``skip_reason``), and requests for files with a
download extension are recorded as downloads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from collector.hit import DOWNLOAD, PAGEVIEW, Hit

FORMATS = ("combined", "common", "vhost_combined", "caddy")

# What Matomo's importer treats as static assets and as downloads, by file extension.
STATIC_EXTENSIONS = frozenset(
    "gif jpg jpeg png bmp ico svg svgz ttf otf eot woff woff2 class swf css js map xml webp avif webmanifest".split()
)
STATIC_FILES = frozenset(("robots.txt", "favicon.ico", "sitemap.xml", "ads.txt", "security.txt"))
DOWNLOAD_EXTENSIONS = frozenset(
    (
        "7z aac apk arc arj asf asx avi azw3 bin bz2 csv deb dmg doc docx epub exe flac flv gz gzip hqx ibooks "
        "iso jar mobi mov movie mp2 mp3 mp4 mpeg mpg msi msp odb odf odg odp ods odt ogg ogv pdf phps ppt pptx "
        "qt qtm ra ram rar rpm rtf sea sit tar tbz tgz torrent txt wav webm wma wmv wpd xls xlsx xsd z zip"
    ).split()
)
MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}

_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_COMMON = r'(\S+) \S+ \S+ \[([^\]]+)\] ' + _QUOTED + r' (\d{3}) \S+'
PATTERNS = {
    "common": re.compile(r"^" + _COMMON),
    "combined": re.compile(r"^" + _COMMON + r" " + _QUOTED + r" " + _QUOTED),
    "vhost_combined": re.compile(r"^([^\s:]+)(?::\d+)? " + _COMMON + r" " + _QUOTED + r" " + _QUOTED),
}


class LogLineError(ValueError):
    """The line is not in the expected format."""


@dataclass(slots=True)
class LogRecord:
    ip: str
    timestamp: datetime
    method: str
    target: str  # path and query, as requested
    status: int
    referrer: str = ""
    user_agent: str = ""
    host: str = ""


_zones: dict[str, timezone] = {}
_last_time: list = ["", None]  # consecutive lines mostly share their second


def parse_clf_time(text: str) -> datetime:
    """``10/Oct/2000:13:55:36 -0700`` → an aware datetime."""
    if text == _last_time[0]:
        return _last_time[1]
    value = _parse_clf_time(text)
    _last_time[0], _last_time[1] = text, value
    return value


def _parse_clf_time(text: str) -> datetime:
    try:
        zone = _zones.get(text[21:])
        if zone is None:
            offset = text[21:].strip()
            sign = -1 if offset[0] == "-" else 1
            minutes = int(offset[1:3]) * 60 + int(offset[3:5])
            zone = _zones[text[21:]] = timezone(sign * timedelta(minutes=minutes))
        return datetime(int(text[7:11]), MONTHS[text[3:6]], int(text[0:2]), int(text[12:14]), int(text[15:17]),
                        int(text[18:20]), tzinfo=zone)
    except (KeyError, ValueError, IndexError):
        raise LogLineError(f"not a log time: {text[:40]!r}") from None


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return value.replace('\\"', '"').replace("\\x22", '"').replace("\\\\", "\\")


def _request(line: str) -> tuple[str, str]:
    parts = line.split(" ")
    if len(parts) < 2 or not parts[1]:
        raise LogLineError("no request line")
    return parts[0], parts[1]


def _header(headers: dict, name: str) -> str:
    value = headers.get(name) or headers.get(name.lower()) or ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def parse_caddy(line: str) -> LogRecord:
    try:
        data = json.loads(line)
        request = data["request"]
        headers = request.get("headers") or {}
        return LogRecord(
            ip=str(request.get("client_ip") or request.get("remote_ip") or ""),
            timestamp=datetime.fromtimestamp(float(data["ts"]), tz=timezone.utc),
            method=str(request.get("method", "GET")),
            target=str(request["uri"]),
            status=int(data.get("status") or 200),  # Caddy logs 0 when the handler wrote nothing: treat as 200
            referrer=_header(headers, "Referer"),
            user_agent=_header(headers, "User-Agent"),
            host=str(request.get("host", "")).split(":", 1)[0].lower(),
        )
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, OSError):
        raise LogLineError("not a Caddy JSON log line") from None


def parse_line(line: str, fmt: str) -> LogRecord:
    """One line → a record.  Raises LogLineError for a line not in ``fmt``."""
    if fmt == "caddy":
        return parse_caddy(line)
    pattern = PATTERNS.get(fmt)
    if pattern is None:
        raise ValueError(f"unknown log format {fmt!r}; one of {', '.join(FORMATS)}")
    match = pattern.match(line)
    if match is None:
        raise LogLineError(f"not a {fmt} log line")
    groups = match.groups()
    host = ""
    if fmt == "vhost_combined":
        host, groups = groups[0], groups[1:]
    method, target = _request(_unescape(groups[2]))
    referrer = user_agent = ""
    if fmt != "common":
        referrer, user_agent = _unescape(groups[4]), _unescape(groups[5])
    return LogRecord(
        ip=groups[0],
        timestamp=parse_clf_time(groups[1]),
        method=method,
        target=target,
        status=int(groups[3]),
        referrer="" if referrer == "-" else referrer,
        user_agent="" if user_agent == "-" else user_agent,
        host=host.lower(),
    )


def detect(line: str) -> str | None:
    """The format of a line, or None.  Tries the most specific format first."""
    if line.lstrip().startswith("{"):
        try:
            parse_caddy(line)
            return "caddy"
        except LogLineError:
            return None
    for fmt in ("vhost_combined", "combined", "common"):
        if PATTERNS[fmt].match(line):
            return fmt
    return None


def _extension(target: str) -> tuple[str, str]:
    path = target.split("?", 1)[0].split("#", 1)[0]
    name = path.rsplit("/", 1)[-1].lower()
    return name, name.rsplit(".", 1)[1] if "." in name else ""


def skip_reason(record: LogRecord) -> str | None:
    """Why Matomo's importer would not record this request, or None."""
    if record.status >= 400:
        return "http-error"
    if 300 <= record.status < 400 and record.status != 304:
        return "redirect"
    if record.status < 200:
        return "http-error"
    name, extension = _extension(record.target)
    if name in STATIC_FILES or extension in STATIC_EXTENSIONS:
        return "static"
    return None


def to_hit(record: LogRecord, site_id: int, host: str, scheme: str = "https") -> Hit:
    """The hit the request would have made.  An operator imports the log, so its times and IPs are trusted."""
    target = record.target if record.target.startswith("/") else "/" + record.target
    url = f"{scheme}://{host}{target}"
    _, extension = _extension(target)
    download = extension in DOWNLOAD_EXTENSIONS
    return Hit(
        ip=record.ip,
        user_agent=record.user_agent,
        timestamp=record.timestamp.astimezone(timezone.utc),
        site_id=site_id,
        trusted=True,
        event_type=DOWNLOAD if download else PAGEVIEW,
        url=url,
        link_url=url if download else "",
        referrer=record.referrer,
    )
