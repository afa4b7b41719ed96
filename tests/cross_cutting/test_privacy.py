"""Privacy: what Footfall must never keep, searched for in every byte it wrote.

A real ``footfall serve`` gets hits with distinctive IPs (through ``cip`` with
token_auth and through X-Forwarded-For), User-Agents, ``_id`` and ``uid``
values and denylisted query values.  Then the ClickHouse tables (decompressed,
through SQL), every file under the data directory (raw bytes), the spool as it
was while the hits waited in it, the metadata database and the captured logs
are searched for each value in its common encodings.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from footfall.app.services import open_metadata, open_storage
from footfall.metadata.sites import SiteStore
from tests.support import ServerProcess, make_settings

IP_CIP = "198.51.100.213"
IP_FORWARDED = "203.0.113.199"
IP_V6 = "2001:db8:beef:cafe:1234:5678:9abc:4242"
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 PrivacyCanary/7f3e9a"
)
UA_MARKER = "PrivacyCanary"
TRACKER_ID = "c0ffee15deadbeef"
USER_ID = "secret.user.4711@example.org"
EMAIL = "secret.person@example.org"
TOKEN_VALUE = "tok-98765-canary"
PASSWORD_VALUE = "hunter2-canary"
DENYLISTED_URL = f"https://example.com/account?email={EMAIL}&token={TOKEN_VALUE}&Password={PASSWORD_VALUE}&tab=1"
OPT_OUT_MARKER = "optout-marker-5c1d"
DNT_MARKER = "dnt-marker-77ab"
GPC_MARKER = "gpc-marker-e31f"


def encodings(value: str) -> set[bytes]:
    forms = {value, quote(value, safe=""), quote_plus(value), quote(value), value.upper(), value.lower()}
    found = {form.encode() for form in forms}
    found.add(value.encode("utf-16-le"))
    return found


def ip_encodings(ip: str) -> set[bytes]:
    address = ipaddress.ip_address(ip)
    forms = encodings(ip) | encodings(address.exploded)
    if address.version == 6:
        forms.add(address.packed)  # 16 bytes: never there by chance
    else:
        forms.add(str(int(address)).encode())  # the address as a UInt32 in text
    return forms


NEEDLES: dict[str, set[bytes]] = {
    "cip address": ip_encodings(IP_CIP),
    "forwarded address": ip_encodings(IP_FORWARDED),
    "IPv6 address": ip_encodings(IP_V6),
    "user agent": encodings(UA) | encodings(UA_MARKER),
    "_id": encodings(TRACKER_ID) | {bytes.fromhex(TRACKER_ID)},
    "uid": encodings(USER_ID),
    "denylisted email": encodings(EMAIL),
    "denylisted token": encodings(TOKEN_VALUE),
    "denylisted password": encodings(PASSWORD_VALUE),
}
DROPPED_MARKERS = {name: encodings(name) for name in (OPT_OUT_MARKER, DNT_MARKER, GPC_MARKER)}


def leaks(data: bytes, needles: dict[str, set[bytes]]) -> list[str]:
    return sorted(name for name, forms in needles.items() if any(form in data for form in forms))


def add_site_with_cli(data_dir: Path) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "footfall", "site", "add", "--domain", "example.com", "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    site_id = int(re.search(r"Site (\d+) added", result.stdout).group(1))
    token = re.search(r"token_auth[^:]*: ([0-9a-f]{32})", result.stdout).group(1)
    return site_id, token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run one server through every kind of hit; return what it wrote."""
    data_dir = tmp_path_factory.mktemp("privacy") / "data"
    site_id, token = add_site_with_cli(data_dir)
    db = open_metadata(make_settings(data_dir))
    cookie_site = SiteStore(db).add("cookies.example.org", ["cookies.example.org"], cookie_mode=True)
    db.close()

    server = ServerProcess(
        data_dir,
        extra_env={
            "FOOTFALL_TRUST_PROXY_HEADERS": "1",
            "FOOTFALL_FLUSH_INTERVAL_SECONDS": "3600",  # hits wait in the spool until shutdown
            "FOOTFALL_LOG_LEVEL": "debug",
        },
    ).start()
    accepted = 0
    with httpx.Client(base_url=server.url, timeout=30) as client:
        def track(expected: int, params: dict | None = None, **kwargs) -> httpx.Response:
            nonlocal accepted
            response = client.get("/matomo.php", params=params, **kwargs) if "data" not in kwargs and "json" not in kwargs \
                else client.post("/matomo.php", params=params, **kwargs)
            assert response.status_code == expected, (response.status_code, response.headers)
            if expected in (200, 204) and "x-footfall-dropped" not in response.headers:
                accepted += response.json()["tracked"] if expected == 200 and kwargs.get("json") else 1
            return response

        base = {"idsite": site_id, "rec": 1, "send_image": 0}
        # Server-side tracker: cip and ua overrides with token_auth, _id and uid.
        track(204, {**base, "url": DENYLISTED_URL, "action_name": "cip", "cip": IP_CIP, "token_auth": token,
                    "ua": UA, "_id": TRACKER_ID, "uid": USER_ID, "urlref": f"https://ref.example.net/?email={EMAIL}"})
        # A browser behind a trusted proxy, IPv4 and IPv6.
        track(204, {**base, "url": DENYLISTED_URL, "action_name": "xff", "_id": TRACKER_ID, "uid": USER_ID},
              headers={"User-Agent": UA, "X-Forwarded-For": f"{IP_FORWARDED}, 10.0.0.1"})
        track(204, {**base, "url": DENYLISTED_URL, "action_name": "v6", "e_c": "c", "e_a": "a"},
              headers={"User-Agent": UA, "X-Forwarded-For": IP_V6})
        # Cookie mode: _id is hashed with the server secret.
        track(204, {**base, "idsite": cookie_site.id, "url": "https://cookies.example.org/?email=" + EMAIL,
                    "_id": TRACKER_ID, "uid": USER_ID}, headers={"User-Agent": UA, "X-Forwarded-For": IP_FORWARDED})
        # Form POST and bulk.
        track(204, data={**base, "url": DENYLISTED_URL, "action_name": "form", "_id": TRACKER_ID, "uid": USER_ID},
              headers={"User-Agent": UA, "X-Real-IP": IP_FORWARDED})
        bulk = [f"?idsite={site_id}&rec=1&url={quote(DENYLISTED_URL)}&action_name=bulk{n}&_id={TRACKER_ID}"
                f"&uid={quote(USER_ID)}&cip={IP_CIP}&ua={quote(UA)}" for n in range(3)]
        track(200, json={"requests": bulk, "token_auth": token}, headers={"User-Agent": UA})
        # Plausible events.
        response = client.post("/api/event", content=(
            '{"n":"pageview","u":"%s","d":"example.com","r":"https://x.example.net/?token=%s"}' % (
                DENYLISTED_URL, TOKEN_VALUE)).encode(),
            headers={"User-Agent": UA, "X-Forwarded-For": IP_FORWARDED, "Content-Type": "text/plain"})
        assert response.status_code == 202
        accepted += 1

        # Malformed or refused hits carrying the same values.
        track(400, {**base, "url": DENYLISTED_URL, "_id": "zz" + TRACKER_ID, "uid": USER_ID},
              headers={"User-Agent": UA, "X-Forwarded-For": IP_FORWARDED})
        track(400, {**base, "url": DENYLISTED_URL, "cip": IP_CIP, "token_auth": "wrong" + TRACKER_ID, "uid": USER_ID},
              headers={"User-Agent": UA})
        track(400, {"idsite": "x" + IP_CIP, "rec": 1, "ua": UA, "uid": USER_ID}, headers={"User-Agent": UA})
        track(400, {**base, "url": DENYLISTED_URL, "e_v": "NaN" + EMAIL, "uid": USER_ID},
              headers={"User-Agent": UA, "X-Forwarded-For": IP_V6})
        track(400, {**base, "idsite": 999, "url": DENYLISTED_URL, "uid": USER_ID}, headers={"User-Agent": UA})
        response = client.post("/matomo.php", content=b'{"requests": [' + USER_ID.encode() + b"]",
                               headers={"User-Agent": UA, "X-Forwarded-For": IP_FORWARDED})
        assert response.status_code in (200, 400)
        response = client.post("/api/event", content=b'{"n": "pageview", "u": "' + EMAIL.encode() + b'", "d": 5}',
                               headers={"User-Agent": UA, "X-Forwarded-For": IP_V6})
        assert response.status_code == 400
        response = client.post("/api/event", content=b"\xff\xfe" + UA.encode(), headers={"X-Forwarded-For": IP_CIP})
        assert response.status_code == 400

        # Opted out, Do Not Track, Global Privacy Control: answered, never recorded, never logged.
        for marker, headers in (
            (OPT_OUT_MARKER, {"Cookie": "footfall_optout=1"}),
            (DNT_MARKER, {"DNT": "1"}),
            (GPC_MARKER, {"Sec-GPC": "1"}),
        ):
            response = client.get("/matomo.php", params={**base, "url": f"https://example.com/{marker}?email={EMAIL}",
                                                         "action_name": marker, "uid": USER_ID, "_id": TRACKER_ID},
                                  headers={"User-Agent": UA, "X-Forwarded-For": IP_FORWARDED, **headers})
            assert response.status_code == 204
            assert "x-footfall-dropped" in response.headers
        # The server keeps running and answers after all of it.
        assert client.get("/healthz").status_code == 200

    spool = {path.name: path.read_bytes() for path in (data_dir / "spool").glob("*")}
    assert sum(len(data) for data in spool.values()) > 0, "the hits were not waiting in the spool"
    assert server.terminate() in (0, -15)
    logs = server.logs()
    assert b"Application shutdown complete" in logs

    storage = open_storage(make_settings(data_dir), migrate=False)
    try:
        tables = {}
        for (name,) in storage.query("SHOW TABLES"):
            tables[name] = storage.query_dicts(f"SELECT * FROM `{name}`")
        events = storage.query_dicts("SELECT title, url, pathname, visitor_id, user_id_hash, referrer FROM events")
    finally:
        storage.close()
    files = {str(path.relative_to(data_dir)): path.read_bytes() for path in data_dir.rglob("*") if path.is_file()}
    return {"accepted": accepted, "spool": spool, "logs": logs, "tables": tables, "events": events, "files": files}


def test_the_hits_were_stored(served: dict) -> None:
    titles = sorted(row["title"] for row in served["events"])
    assert len(served["events"]) == served["accepted"] == 9
    assert {"cip", "xff", "form", "bulk0", "bulk1", "bulk2"} <= set(titles)
    for row in served["events"]:
        if row["url"].startswith("https://example.com/account"):
            assert row["url"] == "https://example.com/account?tab=1"
        assert row["visitor_id"] != 0


def test_clickhouse_tables_hold_no_raw_values(served: dict) -> None:
    assert "events" in served["tables"]
    for name, rows in served["tables"].items():
        text = repr(rows).encode()
        assert leaks(text, NEEDLES) == [], name


def test_no_file_under_the_data_directory_holds_raw_values(served: dict) -> None:
    assert any(name.endswith("metadata.sqlite3") for name in served["files"])
    assert any(name.startswith("clickhouse") for name in served["files"])
    found = {name: leaks(data, NEEDLES) for name, data in served["files"].items()}
    assert {name: names for name, names in found.items() if names} == {}


def test_the_spool_held_no_raw_values(served: dict) -> None:
    for name, data in served["spool"].items():
        assert leaks(data, NEEDLES) == [], name


def test_logs_hold_no_raw_values(served: dict) -> None:
    assert served["logs"]
    assert leaks(served["logs"], NEEDLES) == []
    assert b"Traceback" not in served["logs"]


def test_logs_hold_no_visitor_ids(served: dict) -> None:
    for row in served["events"]:
        for value in (row["visitor_id"], row["user_id_hash"]):
            if value:
                assert str(value).encode() not in served["logs"]
                assert f"{value:x}".encode() not in served["logs"]


def test_opted_out_dnt_and_gpc_hits_leave_no_trace(served: dict) -> None:
    assert all(marker not in row["url"] and marker not in row["title"] for row in served["events"]
               for marker in DROPPED_MARKERS)
    assert leaks(served["logs"], DROPPED_MARKERS) == []
    for name, data in {**served["files"], **served["spool"]}.items():
        assert leaks(data, DROPPED_MARKERS) == [], name
    for name, rows in served["tables"].items():
        assert leaks(repr(rows).encode(), DROPPED_MARKERS) == [], name
    reasons = {row["reason"] for row in served["tables"]["dropped_hits"]}
    assert {"opt-out", "do-not-track", "global-privacy-control"} <= reasons
