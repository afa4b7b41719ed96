"""Per-hit cost of the collector's pipeline without HTTP, as a ratio to a bare parse.

Each measured hit is a realistic Matomo pageview (query-string parameters, a UA
from a repeated mix, a public IPv4 address).  Measured in one run:
- parse: ``parse_matomo.parse`` alone (the floor);
- pipeline: parse, every stage in ``collector.pipeline.STAGES``, then ``to_row``,
  with the bundled DB-IP City Lite database and with no GeoIP database.

    python -m bench.bench_pipeline [--hits 30000]
"""

from __future__ import annotations

import argparse
import gc
import random
import secrets
import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from bench.common import print_table, repeated_mix, write_results
from collector import parse_matomo
from collector.context import PipelineContext
from collector.geoip import open_lookup
from collector.hit import RequestMeta
from collector.pipeline import run
from collector.rows import to_row
from collector.user_agent import UserAgentClassifier
from footfall import settings as settings_module
from footfall.metadata.sites import Site

PAGES = ("/", "/pricing", "/blog/privacy-first-analytics", "/docs/install", "/about", "/contact")
REFERRERS = ("", "", "https://www.google.com/search?q=footfall", "https://news.ycombinator.com/", "https://t.co/abc")


def requests(count: int, seed: int = 5) -> list[tuple[dict[str, str], RequestMeta]]:
    rng = random.Random(seed)
    agents = repeated_mix(count, seed=seed)
    out = []
    for index in range(count):
        page = rng.choice(PAGES)
        query = urlencode({
            "idsite": 1, "rec": 1, "url": f"https://example.com{page}?utm_source=newsletter&ref={index % 50}",
            "action_name": page.strip("/") or "Home", "urlref": rng.choice(REFERRERS), "_id": secrets.token_hex(8),
            "res": "1920x1080", "pv_id": secrets.token_hex(3), "h": 12, "m": 30, "s": 5, "send_image": 0,
        })
        ip = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        meta = RequestMeta(ip=ip, user_agent=agents[index], accept_language="de-DE,de;q=0.9,en;q=0.8")
        out.append((dict(parse_qsl(query, keep_blank_values=True)), meta))
    return out


def context(geoip_path: str | None) -> PipelineContext:
    settings = settings_module.load(config_file=None, environ={}, overrides={"geoip_path": "none"})
    site = Site(id=1, name="example.com", domains=("example.com",))
    salt = secrets.token_bytes(32)
    return PipelineContext(
        settings=settings,
        find_site=lambda site_id: site if site_id == 1 else None,
        salt_for=lambda now: salt,
        secret=secrets.token_bytes(32),
        user_agents=UserAgentClassifier(settings.ua_cache_size),
        geo=open_lookup(geoip_path),
    )


def parse_only(batch, now: datetime) -> float:
    gc.collect()
    started = time.perf_counter()
    for params, meta in batch:
        parse_matomo.parse(params, meta, now)
    return (time.perf_counter() - started) / len(batch) * 1e6


def whole_pipeline(batch, now: datetime, ctx: PipelineContext) -> tuple[float, int]:
    kept = 0
    gc.collect()
    started = time.perf_counter()
    for params, meta in batch:
        hit = parse_matomo.parse(params, meta, now)
        if run(hit, ctx) is None:
            to_row(hit)
            kept += 1
    return (time.perf_counter() - started) / len(batch) * 1e6, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=30_000)
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    batch = requests(args.hits)
    bundled = settings_module.load(config_file=None, environ={}, overrides={}).geoip_database

    with_geo, without_geo = context(bundled), context(None)
    # Warm-up: fill the UA cache and the page cache of the .mmdb, as a running server has them.
    whole_pipeline(batch[:2000], now, with_geo)
    whole_pipeline(batch[:2000], now, without_geo)

    parse_us = parse_only(batch, now)
    geo_us, kept = whole_pipeline(batch, now, with_geo)
    plain_us, _ = whole_pipeline(batch, now, without_geo)
    rows = [
        ("parse only", parse_us, 1.0, 1e6 / parse_us),
        ("parse + stages + row, no GeoIP", plain_us, plain_us / parse_us, 1e6 / plain_us),
        ("parse + stages + row, DB-IP City Lite" if bundled else "(no bundled GeoIP)", geo_us, geo_us / parse_us, 1e6 / geo_us),
    ]
    print_table(
        f"Collector pipeline without HTTP ({args.hits} hits, {kept} kept; bots dropped)",
        ("path", "µs/hit", "× parse", "hits/s/core"),
        rows,
    )
    path = write_results(
        "pipeline",
        {"hits": args.hits, "kept": kept, "parse_us": parse_us, "pipeline_us": plain_us,
         "pipeline_geoip_us": geo_us, "ratio": plain_us / parse_us, "ratio_geoip": geo_us / parse_us,
         "geoip_database": bundled},
    )
    print(f"\n  results: {path}")


if __name__ == "__main__":
    main()
