"""Realistic demo data: a demo site with a few thousand visits over the last weeks.

The hits are Matomo tracking requests, run through the real collector pipeline
(bot filter, referrer classification, URL hygiene, anonymization), backdated
with ``cdt`` and the site's ``token_auth``.  With embedded ClickHouse this
needs the data directory to itself; while ``footfall serve`` runs, pass
``url=`` to send the same hits to the running server instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from footfall.settings import Settings

DEMO_DOMAIN = "shop.footfall.example"
DEMO_NAME = "Demo shop"
DEMO_TIMEZONE = "Europe/Berlin"
BATCH_ROWS = 50_000

USER_AGENTS = [  # (weight, UA, screen)
    (30, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "1920x1080"),
    (12, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "1440x900"),
    (10, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", "1536x864"),
    (5, "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "2560x1440"),
    (6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "1366x768"),
    (22, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "390x844"),
    (18, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", "412x915"),
    (5, "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "820x1180"),
]
COUNTRIES = [(34, "DE", "de-DE"), (12, "AT", "de-AT"), (10, "CH", "de-CH"), (14, "US", "en-US"), (8, "GB", "en-GB"),
             (6, "FR", "fr-FR"), (5, "NL", "nl-NL"), (4, "PL", "pl-PL"), (3, "SE", "sv-SE"), (4, "ES", "es-ES")]
SOURCES = [  # (weight, referrer URL, extra URL query)
    (30, "", ""),
    (22, "https://www.google.com/", ""),
    (5, "https://duckduckgo.com/", ""),
    (4, "https://www.bing.com/", ""),
    (2, "https://www.ecosia.org/", ""),
    (5, "https://t.co/abc123", ""),
    (4, "https://www.linkedin.com/feed/", ""),
    (3, "https://www.reddit.com/r/selfhosted/", ""),
    (3, "https://news.ycombinator.com/item?id=1", ""),
    (3, "https://github.com/footfall/footfall", ""),
    (2, "https://www.heise.de/news/analytics.html", ""),
    (7, "", "utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale&utm_content=header-button"),
    (5, "https://www.google.com/", "utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=privacy+analytics"),
    (3, "https://www.facebook.com/", "utm_source=facebook&utm_medium=social&utm_campaign=launch-week"),
    (2, "", "utm_source=partner-blog&utm_medium=referral&utm_campaign=spring-sale&utm_content=sidebar"),
]
PAGES = [  # (weight, path, title)
    (30, "/", "Footfall Demo Shop – Fair trade coffee"),
    (14, "/products/", "All products – Demo Shop"),
    (9, "/products/ethiopia-yirgacheffe", "Ethiopia Yirgacheffe – Demo Shop"),
    (8, "/products/colombia-huila", "Colombia Huila – Demo Shop"),
    (6, "/products/espresso-blend", "Espresso blend – Demo Shop"),
    (7, "/blog/", "Blog – Demo Shop"),
    (6, "/blog/how-to-brew-pour-over", "How to brew pour-over coffee – Demo Shop"),
    (4, "/blog/why-we-dropped-cookies", "Why we dropped cookie banners – Demo Shop"),
    (5, "/pricing", "Subscriptions – Demo Shop"),
    (4, "/about", "About us – Demo Shop"),
    (3, "/contact", "Contact – Demo Shop"),
    (5, "/cart", "Your cart – Demo Shop"),
    (2, "/checkout", "Checkout – Demo Shop"),
]
SEARCHES = ["espresso", "decaf", "grinder", "gift card", "subscription", "ethiopia", "filter", "shipping"]
OUTLINKS = ["https://github.com/footfall/footfall", "https://www.instagram.com/demoshop", "https://fairtrade.net/"]
DOWNLOADS = ["/files/brew-guide.pdf", "/files/price-list-2024.pdf"]


class DemoError(RuntimeError):
    """The demo cannot run (e.g. the data directory is in use); the message says what to do."""


@dataclass
class DemoResult:
    site_id: int
    visits: int
    hits: int
    dropped: int
    email: str
    password: str
    created_user: bool
    url: str
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Demo site {self.site_id} ({DEMO_NAME}, {DEMO_DOMAIN}): {self.visits:,} visits, {self.hits:,} hits "
                 f"stored, {self.dropped:,} hits counted as not recorded."]
        if self.created_user:
            lines.append(f"Log in at {self.url}/login as {self.email} with the password {self.password}")
        else:
            lines.append(f"Log in at {self.url}/login with your account ({self.email} exists already).")
        lines.append(f"The dashboard: {self.url}/sites/{self.site_id}?period=30d")
        return "\n".join([*self.notes, *lines])


def _pick(rng: random.Random, table: list[tuple]) -> tuple:
    return rng.choices(table, weights=[row[0] for row in table])[0]


def _visit_starts(rng: random.Random, days: int, visits: int, now: datetime, tz: str) -> list[datetime]:
    """Visit start times: more on weekdays and in the afternoon, growing over the period."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    day_weights = []
    for back in range(days):
        day = today - timedelta(days=back)
        weight = (0.65 if day.weekday() >= 5 else 1.0) * (1.0 + 0.6 * (days - back) / days)
        day_weights.append((day, weight))
    hour_weights = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4.5, 5, 5, 4.5, 5, 5.5, 5.5, 5, 4.5, 4, 4.5, 5, 4, 3, 2]
    total = sum(weight for _, weight in day_weights)
    starts = []
    for day, weight in day_weights:
        for _ in range(max(1, round(visits * weight / total))):
            hour = rng.choices(range(24), weights=hour_weights)[0]
            local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=zone)
            instant = local.astimezone(timezone.utc)
            if instant < now - timedelta(minutes=2):
                starts.append(instant)
    # A few visitors right now, for the realtime count.
    starts += [now - timedelta(minutes=rng.uniform(1, 25)) for _ in range(max(3, visits // 400))]
    return sorted(starts)


def generate(site_id: int, token: str, *, days: int, visits: int, now: datetime, seed: int = 7) -> Iterator[dict[str, str]]:
    """Matomo tracking parameters for every hit of every demo visit, oldest first."""
    rng = random.Random(seed)
    base = f"https://{DEMO_DOMAIN}"
    for number, start in enumerate(_visit_starts(rng, days, visits, now, DEMO_TIMEZONE)):
        _, ua, screen = _pick(rng, USER_AGENTS)
        _, country, lang = _pick(rng, COUNTRIES)
        _, referrer, campaign = _pick(rng, SOURCES)
        ip = f"{rng.randrange(11, 220)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        common = {"idsite": str(site_id), "rec": "1", "token_auth": token, "cip": ip, "ua": ua, "lang": lang,
                  "res": screen, "country": country, "apiv": "1"}
        clock = start
        pageviews = 1 + min(int(rng.expovariate(0.55)), 9)
        bounced = pageviews == 1 and rng.random() < 0.8
        path = "/" if not campaign and rng.random() < 0.5 else _pick(rng, PAGES)[1]
        if "utm_campaign=spring-sale" in campaign:
            path = "/products/"

        def hit(extra: dict[str, str], at: datetime, common: dict[str, str] = common) -> dict[str, str]:
            return {**common, **extra, "cdt": str(round(at.timestamp(), 3)), "rand": str(rng.randrange(10**9))}

        for index in range(pageviews):
            title = next(t for _, p, t in PAGES if p == path)
            url = base + path + (("?" + campaign) if index == 0 and campaign else "")
            page = {"url": url, "action_name": title, "pv_id": f"{number:06d}{index:02d}"}
            if index == 0 and referrer:
                page["urlref"] = referrer
            yield hit(page, clock)
            stay = timedelta(seconds=rng.uniform(8, 160))
            if not bounced:
                yield hit({"url": url, "ping": "1", "pv_id": page["pv_id"]}, clock + stay * 0.8)
                roll = rng.random()
                if roll < 0.08:
                    yield hit({"url": url, "search": rng.choice(SEARCHES), "search_count": str(rng.randrange(0, 12))}, clock + stay * 0.5)
                elif roll < 0.14:
                    yield hit({"url": url, "link": rng.choice(OUTLINKS)}, clock + stay * 0.9)
                elif roll < 0.19:
                    yield hit({"url": url, "download": base + rng.choice(DOWNLOADS)}, clock + stay * 0.9)
                elif roll < 0.30 and path.startswith("/blog/"):
                    yield hit({"url": url, "e_c": "Video", "e_a": "Play", "e_n": "Brewing basics"}, clock + stay * 0.4)
                elif roll < 0.36:
                    yield hit({"url": url, "e_c": "Newsletter", "e_a": "Subscribe", "e_n": "Footer form",
                               "dimension1": rng.choice(["footer", "popup", "blog"])}, clock + stay * 0.7)
            clock += stay
            path = _pick(rng, PAGES)[1]
        if not bounced and rng.random() < 0.09:
            yield hit({"url": base + "/checkout", "idgoal": "1", "revenue": f"{rng.choice([14.9, 19.9, 24.5, 39.0, 58.0]):.2f}"},
                      clock)
        elif not bounced and rng.random() < 0.05:
            yield hit({"url": base + "/pricing", "idgoal": "2"}, clock)


def _drop_rows(site_id: int, days: int, now: datetime, seed: int = 11) -> list[list]:
    """Counts of hits the collector would not record: opt-outs, DNT/GPC, bots, prefetches."""
    rng = random.Random(seed)
    rows = []
    reasons = (("opt-out", 6), ("do-not-track", 9), ("global-privacy-control", 3), ("bot", 14), ("prefetch", 2))
    for back in range(days):
        minute = (now - timedelta(days=back)).replace(second=0, microsecond=0)
        for reason, mean in reasons:
            rows.append([site_id, minute, reason, max(0, int(rng.gauss(mean, mean / 3)))])
    return rows


def _ensure_site_and_user(settings: Settings, email: str, password: str) -> tuple[int, str, bool]:
    from dashboard.accounts import Accounts
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    db = open_metadata(settings)
    try:
        sites = SiteStore(db)
        site = sites.by_domain(DEMO_DOMAIN) or sites.add(DEMO_NAME, [DEMO_DOMAIN], timezone=DEMO_TIMEZONE)
        accounts = Accounts(db)
        created = False
        if not any(u.email.lower() == email.lower() for u in accounts.list_users()):
            accounts.create_user(email, password, is_admin=True)
            created = True
        return site.id, site.token_auth, created
    finally:
        db.close()


def load(
    settings: Settings,
    *,
    days: int = 30,
    visits: int = 3000,
    email: str = "demo@example.com",
    password: str = "demo-password",
    url: str = "",
    progress: Callable[[str], None] = lambda text: None,
    now: datetime | None = None,
) -> DemoResult:
    if days < 1 or visits < 1:
        raise DemoError("days and visits must be at least 1")
    now = now or datetime.now(timezone.utc)
    site_id, token, created = _ensure_site_and_user(settings, email, password)
    target = url.rstrip("/") if url else f"http://{settings.host}:{settings.port}"
    result = DemoResult(site_id, 0, 0, 0, email, password, created, target)

    def counted() -> Iterator[dict[str, str]]:
        for params in generate(site_id, token, days=days, visits=visits, now=now):
            if params.get("pv_id", "").endswith("00") and "action_name" in params:
                result.visits += 1
            yield params

    if url:
        _send(url, counted(), result, progress)
    else:
        _store(settings, counted(), site_id, days, now, result, progress)
    return result


def _store(settings: Settings, hits: Iterable[dict[str, str]], site_id: int, days: int, now: datetime,
           result: DemoResult, progress: Callable[[str], None]) -> None:
    from collector import parse_matomo
    from collector.hit import RequestMeta
    from collector.ingest import process
    from collector.rows import COLUMNS, for_insert
    from footfall.app import services as services_module
    from footfall.storage.clickhouse import DataDirLocked

    advice = (
        "embedded ClickHouse allows one process per data directory. Either stop the server and run `footfall demo` "
        f"again, or send the demo hits through the running server: footfall demo --url http://{settings.host}:{settings.port}"
    )
    try:
        services = services_module.build(settings)
    except DataDirLocked:
        raise DemoError(f"the data directory {settings.data_dir} is in use: `footfall serve` is running on it, and "
                        + advice) from None
    except Exception as exc:
        if not settings.is_embedded:
            raise
        raise DemoError(f"cannot open the embedded ClickHouse in {settings.data_dir} ({type(exc).__name__}). If "
                        "`footfall serve` is running on it: " + advice) from None
    try:
        meta = RequestMeta(ip="127.0.0.1", user_agent="footfall-demo")
        rows: list[list] = []
        for params in hits:
            row, reason = process(services.collector, lambda params=params: parse_matomo.parse(params, meta, now))
            if row is not None:
                rows.append(for_insert(row))
            if len(rows) >= BATCH_ROWS:
                services.storage.insert("events", rows, COLUMNS)
                result.hits += len(rows)
                rows = []
                progress(f"stored {result.hits:,} hits")
        if rows:
            services.storage.insert("events", rows, COLUMNS)
            result.hits += len(rows)
        progress(f"stored {result.hits:,} hits")
        drops = _drop_rows(site_id, days, now)
        services.storage.insert("dropped_hits", drops, ("site_id", "minute", "reason", "hits"))
        result.dropped = sum(row[3] for row in drops)
    finally:
        services.close()


def _send(url: str, hits: Iterable[dict[str, str]], result: DemoResult, progress: Callable[[str], None]) -> None:
    import itertools
    import json
    import urllib.request

    endpoint = url.rstrip("/") + "/matomo.php"
    iterator = iter(hits)
    sent = 0
    while batch := list(itertools.islice(iterator, 500)):
        sent += len(batch)
        body = json.dumps({"requests": ["?" + urlencode(params) for params in batch]}).encode()
        request = urllib.request.Request(endpoint, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read())
        except OSError as exc:
            raise DemoError(f"cannot send the demo hits to {endpoint}: {exc}") from None
        result.hits += int(answer.get("tracked", 0))
        progress(f"sent {sent:,} hits")
