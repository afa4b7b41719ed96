"""Benchmark events generated inside ClickHouse (``INSERT … SELECT … FROM numbers()``).

The same shape as the Python generator in ``bench_dashboard.py`` (one site,
264 pages, six referrer kinds, five devices, ten countries, visits of 1 to 8
hits, a quarter of the visitors coming back once), but written by ClickHouse
itself, so 100M events take minutes instead of hours.  Every value is a
function of the row number: two runs give the same data.

From the command line, into a data directory no server holds (migrated first;
the site must exist in its metadata as site 1):

    python -m bench.generate --data-dir DIR --events 1000000
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

from footfall.storage.clickhouse import Storage

HITS_PER_VISIT = (1, 2, 3, 4, 6, 8)  # mean 4
CHUNK_VISITS = 1_000_000

_SQL = """
INSERT INTO events (site_id, timestamp, visitor_id, visit_id, visit_start, /*hit_id*/ event_type, hostname, pathname,
    url, title, referrer, referrer_host, referrer_type, referrer_name, utm_source, utm_medium, utm_campaign,
    event_category, event_action, props, goal_id, revenue, search_keyword, link_url, country_code, browser,
    browser_version, os, os_version, device_type, screen_size, language, visit_count, search_count)
SELECT
    1, ts, visitor_id, visit_id, visit_start, /*rand64()*/ kind, 'example.com', path,
    concat('https://example.com', path), concat('Page ', path),
    if(hit_no = 0, ref.4, ''), if(hit_no = 0, ref.3, ''), if(hit_no = 0, ref.1, 'internal'), if(hit_no = 0, ref.2, ''),
    if(hit_no = 0 AND ref.1 = 'campaign', 'newsletter', ''), if(hit_no = 0 AND ref.1 = 'campaign', 'email', ''),
    if(hit_no = 0 AND ref.1 = 'campaign', concat('issue-', toString(h2 % 20)), ''),
    if(kind = 'event', 'CTA', ''), if(kind = 'event', ['click', 'hover'][1 + h2 % 2], ''),
    if(kind = 'event', map('variant', ['a', 'b'][1 + bitShiftRight(h2, 3) % 2]), map()),
    if(kind = 'goal', 1 + h2 % 3, 0), if(kind = 'goal', [0.0, 19.0, 99.0][1 + bitShiftRight(h2, 5) % 3], 0.0),
    if(kind = 'search', ['pricing', 'install', 'privacy', 'api'][1 + h2 % 4], ''),
    if(kind IN ('outlink', 'download'), concat('https://elsewhere.example/', toString(h2 % 30)), ''),
    country, device.1, device.2, device.3, device.4, device.5, device.6,
    if(country IN ('DE', 'AT', 'CH'), 'de-de', 'en-us'), 1, -1
FROM (
    SELECT
        visit_id, visitor_id, visit_start, h, ref, device, country, hit_no,
        visit_start + toIntervalSecond(offsets[hit_no + 1]) AS ts,
        cityHash64(visit_id, hit_no) AS h2,
        if(hit_no = 0, 'pageview', multiIf(h2 % 100 < 50, 'pageview', h2 % 100 < 75, 'ping', h2 % 100 < 85, 'event',
            h2 % 100 < 90, 'goal', h2 % 100 < 94, 'search', h2 % 100 < 97, 'outlink', 'download')) AS kind,
        {pages:Array(String)}[1 + bitShiftRight(h2, 11) % length({pages:Array(String)})] AS path
    FROM (
        SELECT
            number + 1 AS visit_id,
            if({hashed:UInt8}, cityHash64(intDiv(number * 3, 4) + 1), intDiv(number * 3, 4) + 1) AS visitor_id,
            cityHash64(number) AS h,
            {start:DateTime64(3, 'UTC')} + toIntervalSecond(h % {span:UInt32}) AS visit_start,
            [1, 2, 3, 4, 6, 8][1 + bitShiftRight(h, 8) % 6] AS hits,
            arrayCumSum(arrayMap(i -> if(i = 0, 0, 5 + cityHash64(number, i) % 595), range(hits))) AS offsets,
            [('direct', '', '', ''), ('search', 'Google', 'google.com', 'google.com/search'),
             ('search', 'Bing', 'bing.com', 'bing.com/search'), ('social', 'Facebook', 'facebook.com', 'facebook.com/'),
             ('website', 'news.example.org', 'news.example.org', 'news.example.org/article'),
             ('campaign', 'newsletter', '', '')][
                arrayFirstIndex(x -> x > bitShiftRight(h, 16) % 100, [35, 65, 70, 80, 90, 100])] AS ref,
            [('Chrome', '124', 'Windows', '10', 'desktop', '1920x1080'), ('Firefox', '125', 'Linux', '', 'desktop', '1440x900'),
             ('Mobile Safari', '17', 'iOS', '17.4', 'mobile', '390x844'),
             ('Chrome Mobile', '124', 'Android', '14', 'mobile', '412x915'),
             ('Mobile Safari', '16', 'iOS', '16.6', 'tablet', '820x1180')][1 + bitShiftRight(h, 24) % 5] AS device,
            ['DE', 'DE', 'DE', 'AT', 'CH', 'US', 'FR', 'NL', 'GB', 'PL'][1 + bitShiftRight(h, 32) % 10] AS country
        FROM numbers({first:UInt64}, {count:UInt64})
    )
    ARRAY JOIN range(hits) AS hit_no
)
"""


def generate(
    storage: Storage, events: int, end: datetime, pages: list[str], days: int = 35, *, hashed_visitors: bool = False
) -> int:
    """About ``events`` events (whole visits) over the ``days`` before ``end``; returns how many were written.

    Visitor IDs count up from 1; with ``hashed_visitors`` they are spread over all 64-bit values, as the
    collector's keyed hashes are (sampling by visitor ID needs that).
    """
    visits = max(1, events // 4)
    start = end - timedelta(days=days)
    sql = _SQL
    if _has_column(storage, "hit_id"):  # the events table before sql/0040 (bench_storage.py starts there)
        sql = sql.replace("/*hit_id*/", "hit_id,").replace("/*rand64()*/", "rand64(),")
    for first in range(0, visits, CHUNK_VISITS):
        storage.command(sql, {
            "pages": pages, "start": start, "span": days * 86400,
            "first": first, "count": min(CHUNK_VISITS, visits - first), "hashed": int(hashed_visitors),
        })
    return int(storage.query("SELECT count() FROM events")[0][0])


def _has_column(storage: Storage, name: str) -> bool:
    return bool(storage.query(
        "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND name = {n:String}",
        {"n": name},
    )[0][0])


# The pages of the generated site (bench_dashboard.py uses the same list).
PAGES = [f"/{section}/{n}" for section in ("blog", "docs", "shop", "news") for n in range(60)] + ["/", "/pricing"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate benchmark events inside ClickHouse for site 1.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=35)
    args = parser.parse_args()
    from footfall.app.services import open_storage
    from footfall.settings import load

    storage = open_storage(load(config_file=None, environ={}, overrides={"data_dir": args.data_dir, "geoip_path": "none"}))
    try:
        written = generate(storage, args.events, datetime.now(timezone.utc), PAGES, days=args.days)
    finally:
        storage.close()
    print(written)


if __name__ == "__main__":
    main()
