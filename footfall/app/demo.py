"""Realistic demo data: a demo shop with a few thousand visits over the last weeks.

The hits are Matomo tracking requests, run through the real collector pipeline
(bot filter, referrer classification, URL hygiene, anonymization), backdated
with ``cdt`` and the site's ``token_auth``.  The site is in cookie mode, so
visitors come back: a pool of returning visitors with their own device,
location and favourite source.  Traffic follows a weekly and a daily rhythm
with noise, and a newsletter goes out every other Tuesday.

:func:`load` works on a :class:`~footfall.app.services.Services`: the CLI's own
(when it can open the data) or the running server's (through the admin
endpoint).  It creates nothing it cannot fill: the site and goals are removed
again when storing fails, and the login is created last.  It never makes an
account with a default password.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Iterator
from zoneinfo import ZoneInfo

from footfall.settings import Settings

if TYPE_CHECKING:
    from footfall.app.services import Services

DEMO_DOMAIN = "shop.footfall.example"
DEMO_NAME = "Demo shop"
DEMO_TIMEZONE = "Europe/Berlin"
DEMO_CURRENCY = "EUR"
DEMO_EMAIL = "demo@example.com"
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
LOCATIONS = [  # (weight, country, language, region, city)
    (14, "DE", "de-DE", "Berlin", "Berlin"),
    (8, "DE", "de-DE", "Bavaria", "Munich"),
    (6, "DE", "de-DE", "Hamburg", "Hamburg"),
    (5, "DE", "de-DE", "North Rhine-Westphalia", "Cologne"),
    (3, "DE", "de-DE", "Saxony", "Leipzig"),
    (3, "DE", "de-DE", "Hesse", "Frankfurt am Main"),
    (8, "AT", "de-AT", "Vienna", "Vienna"),
    (3, "AT", "de-AT", "Styria", "Graz"),
    (6, "CH", "de-CH", "Zurich", "Zurich"),
    (3, "CH", "fr-CH", "Geneva", "Geneva"),
    (6, "US", "en-US", "California", "San Francisco"),
    (4, "US", "en-US", "New York", "New York"),
    (2, "US", "en-US", "Texas", "Austin"),
    (6, "GB", "en-GB", "England", "London"),
    (2, "GB", "en-GB", "Scotland", "Edinburgh"),
    (4, "FR", "fr-FR", "Île-de-France", "Paris"),
    (2, "FR", "fr-FR", "Auvergne-Rhône-Alpes", "Lyon"),
    (4, "NL", "nl-NL", "North Holland", "Amsterdam"),
    (3, "PL", "pl-PL", "Mazovia", "Warsaw"),
    (2, "SE", "sv-SE", "Stockholm County", "Stockholm"),
    (3, "ES", "es-ES", "Catalonia", "Barcelona"),
]
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
    (4, "", "utm_source=Newsletter&utm_medium=email&utm_campaign=spring-sale&utm_content=header-button"),
    (5, "https://www.google.com/", "utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=privacy+analytics"),
    (3, "https://www.facebook.com/", "utm_source=fb&utm_medium=social&utm_campaign=launch-week"),
    (2, "https://www.instagram.com/", "utm_source=ig&utm_medium=social&utm_campaign=launch-week"),
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


GOALS = [  # (goal id, name, match type, match value): the hits below send goals 1 and 2 by id
    (1, "Purchase", "manual", ""),
    (2, "Subscription started", "manual", ""),
    (3, "Viewed pricing", "page", "/pricing"),
]
NEWSLETTER = "utm_source=Newsletter&utm_medium=email&utm_campaign=brew-letter&utm_content=top-story"
WEEKDAY_FACTORS = (1.0, 1.06, 1.02, 0.97, 0.86, 0.58, 0.63)  # Monday first
WEEKDAY_HOURS = [0.8, 0.4, 0.25, 0.2, 0.2, 0.4, 1.1, 2.4, 3.8, 4.6, 5, 5, 4.4, 4.8, 5.2, 5.2, 4.8, 4.3, 4, 4.4,
                 4.9, 4.2, 3, 1.8]
WEEKEND_HOURS = [1.4, 0.9, 0.5, 0.3, 0.2, 0.2, 0.4, 0.9, 1.8, 3, 4.2, 4.8, 4.8, 4.6, 4.4, 4.4, 4.5, 4.6, 4.7, 5,
                 5.2, 4.6, 3.4, 2.2]
RETURNING_SHARE = 0.32  # of visits, by a visitor who came before
PROPERTIES = {"form": ["footer", "popup", "blog sidebar"], "plan": ["monthly", "quarterly", "yearly"]}


class DemoError(RuntimeError):
    """The demo cannot run; the message says why and what to do."""


@dataclass
class DemoResult:
    site_id: int
    visits: int
    visitors: int
    hits: int
    dropped: int
    email: str
    password: str  # "" when an existing account kept its password
    created_user: bool
    url: str
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict) -> DemoResult:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})

    def summary(self) -> str:
        lines = [f"Demo site {self.site_id} ({DEMO_NAME}, {DEMO_DOMAIN}): {self.visits:,} visits by "
                 f"{self.visitors:,} visitors, {self.hits:,} hits stored, {self.dropped:,} hits counted as not recorded."]
        if self.password:
            what = "a new administrator" if self.created_user else "a new password"
            lines.append(f"Log in at {self.url}/login as {self.email} with the password {self.password} "
                         f"({what}; it is shown only this once).")
        else:
            lines.append(f"Log in at {self.url}/login as {self.email} with its password (it exists already; "
                         "pass --password to set a new one).")
        lines.append(f"The dashboard: {self.url}/sites/{self.site_id}?period=30d")
        return "\n".join([*self.notes, *lines])


@dataclass
class _Visitor:
    tracker_id: str
    ua: str
    screen: str
    country: str
    lang: str
    region: str
    city: str
    ip: str
    source: tuple[int, str, str]
    loyalty: float
    visits: int = 0
    last_visit: datetime | None = None


def _pick(rng: random.Random, table: list[tuple]) -> tuple:
    return rng.choices(table, weights=[row[0] for row in table])[0]


def _new_visitor(rng: random.Random) -> _Visitor:
    _, ua, screen = _pick(rng, USER_AGENTS)
    _, country, lang, region, city = _pick(rng, LOCATIONS)
    ip = f"{rng.randrange(11, 220)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    return _Visitor(f"{rng.getrandbits(64):016x}", ua, screen, country, lang, region, city, ip, _pick(rng, SOURCES),
                    rng.paretovariate(1.3))


def _is_newsletter_day(day: date) -> bool:
    return day.weekday() == 1 and day.isocalendar().week % 2 == 0


def _visit_starts(rng: random.Random, days: int, visits: int, now: datetime, tz: str) -> list[tuple[datetime, bool]]:
    """(start, from the newsletter) per visit: a weekly and a daily rhythm, growth, day-to-day noise and
    newsletter Tuesdays."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    day_weights = []
    for back in range(days):
        day = today - timedelta(days=back)
        weight = WEEKDAY_FACTORS[day.weekday()] * (1.0 + 0.5 * (days - back) / days) * rng.lognormvariate(0, 0.16)
        day_weights.append((day, weight * (1.45 if _is_newsletter_day(day) else 1.0)))
    total = sum(weight for _, weight in day_weights)
    starts = []
    for day, weight in day_weights:
        hours = WEEKEND_HOURS if day.weekday() >= 5 else WEEKDAY_HOURS
        newsletter = _is_newsletter_day(day)
        for _ in range(max(1, round(visits * weight / total))):
            hour = rng.choices(range(24), weights=hours)[0]
            if newsletter and rng.random() < 0.3:
                hour = rng.choice((9, 10, 10, 11, 12))  # the mail goes out in the morning
                from_newsletter = True
            else:
                from_newsletter = False
            local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=zone)
            instant = local.astimezone(timezone.utc)
            if instant < now - timedelta(minutes=2):
                starts.append((instant, from_newsletter))
    # A few visitors right now, for the realtime count.
    starts += [(now - timedelta(minutes=rng.uniform(1, 25)), False) for _ in range(max(3, visits // 400))]
    return sorted(starts)


def generate(site_id: int, token: str, *, days: int, visits: int, now: datetime, seed: int = 7) -> Iterator[dict[str, str]]:
    """Matomo tracking parameters for every hit of every demo visit, oldest first."""
    rng = random.Random(seed)
    base = f"https://{DEMO_DOMAIN}"
    seen: list[_Visitor] = []
    for number, (start, from_newsletter) in enumerate(_visit_starts(rng, days, visits, now, DEMO_TIMEZONE)):
        returning = bool(seen) and rng.random() < RETURNING_SHARE
        if returning:
            visitor = rng.choices(seen, weights=[v.loyalty for v in seen])[0]
        else:
            visitor = _new_visitor(rng)
            seen.append(visitor)
        if from_newsletter:
            referrer, campaign = "", NEWSLETTER
        elif returning and rng.random() < 0.6:
            referrer, campaign = "", ""  # a bookmark or a typed address
        else:
            _, referrer, campaign = visitor.source
        visitor.visits += 1
        common = {"idsite": str(site_id), "rec": "1", "token_auth": token, "cip": visitor.ip, "ua": visitor.ua,
                  "lang": visitor.lang, "res": visitor.screen, "country": visitor.country, "region": visitor.region,
                  "city": visitor.city, "apiv": "1", "_id": visitor.tracker_id, "_idvc": str(visitor.visits)}
        if visitor.last_visit is not None:
            common["_viewts"] = str(int(visitor.last_visit.timestamp()))
        visitor.last_visit = start
        clock = start
        pageviews = 1 + min(int(rng.expovariate(0.5 if returning else 0.6)), 11)
        bounced = pageviews == 1 and rng.random() < 0.8
        path = "/" if not campaign and rng.random() < 0.5 else _pick(rng, PAGES)[1]
        if "utm_campaign=spring-sale" in campaign:
            path = "/products/"
        elif from_newsletter:
            path = "/blog/how-to-brew-pour-over"

        def hit(extra: dict[str, str], at: datetime, common: dict[str, str] = common) -> dict[str, str]:
            return {**common, **extra, "cdt": str(round(at.timestamp(), 3)), "rand": str(rng.randrange(10**9))}

        for index in range(pageviews):
            title = next(t for _, p, t in PAGES if p == path)
            url = base + path + (("?" + campaign) if index == 0 and campaign else "")
            page = {"url": url, "action_name": title, "pv_id": f"{number:06d}{index:02d}"}
            if index == 0 and referrer:
                page["urlref"] = referrer
            yield hit(page, clock)
            stay = timedelta(seconds=rng.lognormvariate(math.log(45), 0.8))
            if not bounced:
                yield hit({"url": url, "ping": "1", "pv_id": page["pv_id"]}, clock + stay * 0.8)
                roll = rng.random()
                if roll < 0.08:
                    yield hit({"url": url, "search": rng.choice(SEARCHES), "search_count": str(rng.randrange(0, 12))},
                              clock + stay * 0.5)
                elif roll < 0.14:
                    yield hit({"url": url, "link": rng.choice(OUTLINKS)}, clock + stay * 0.9)
                elif roll < 0.19:
                    yield hit({"url": url, "download": base + rng.choice(DOWNLOADS)}, clock + stay * 0.9)
                elif roll < 0.30 and path.startswith("/blog/"):
                    yield hit({"url": url, "e_c": "Video", "e_a": "Play", "e_n": "Brewing basics"}, clock + stay * 0.4)
                elif roll < 0.36:
                    props = {"form": rng.choice(PROPERTIES["form"])}
                    yield hit({"url": url, "e_c": "Newsletter", "e_a": "Subscribe", "e_n": "Signup form",
                               "props": json.dumps(props)}, clock + stay * 0.7)
            clock += stay
            path = _pick(rng, PAGES)[1]
        buyer = not bounced and rng.random() < (0.14 if returning else 0.06)
        if buyer:
            revenue = sum(rng.choice([8.9, 12.5, 14.9, 19.9, 24.5]) for _ in range(rng.randint(1, 3)))
            yield hit({"url": base + "/checkout", "idgoal": "1", "revenue": f"{revenue:.2f}"}, clock)
        elif not bounced and rng.random() < 0.04:
            yield hit({"url": base + "/pricing", "idgoal": "2", "revenue": "9.90",
                       "props": json.dumps({"plan": rng.choice(PROPERTIES["plan"])})}, clock)


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


def new_password() -> str:
    """A random password for the demo login: 16 characters, never a default."""
    return secrets.token_urlsafe(12)


def load(
    services: Services,
    *,
    days: int = 30,
    visits: int = 3000,
    email: str = DEMO_EMAIL,
    password: str = "",
    force: bool = False,
    url: str = "",
    progress: Callable[[str], None] = lambda text: None,
    now: datetime | None = None,
) -> DemoResult:
    """Fill the demo site and print a login; raise DemoError (having created nothing) when it cannot.

    ``url`` is where users reach this Footfall (for the login it prints).  Without ``force`` the demo refuses an
    instance that has sites of its own.  An account that exists keeps its password unless ``password`` is given.
    """
    from footfall.deletion import delete_site_data

    if days < 1 or visits < 1:
        raise DemoError("--days and --visits must be at least 1")
    if "@" not in email.strip():
        raise DemoError(f"--email: {email!r} is not an e-mail address")
    if password and len(password) < 8:
        raise DemoError("--password: at least 8 characters")
    now = now or datetime.now(timezone.utc)
    others = [site for site in services.sites.list() if DEMO_DOMAIN not in site.domains]
    if others and not force:
        names = ", ".join(f"{site.name} (site {site.id})" for site in others[:3]) + (", …" if len(others) > 3 else "")
        raise DemoError(
            f"this Footfall has other sites ({names}). The demo adds a demo shop and an administrator account, so it "
            "belongs on a fresh data directory (--data-dir /tmp/footfall-demo). Pass --force to add it here anyway."
        )
    accounts = services.dashboard.accounts
    site = services.sites.by_domain(DEMO_DOMAIN)
    created_site = site is None
    result = DemoResult(0, 0, 0, 0, 0, email.strip(), "", False, url.rstrip("/"))
    if site is None:
        site = services.sites.add(DEMO_NAME, [DEMO_DOMAIN], timezone=DEMO_TIMEZONE, cookie_mode=True,
                                  currency=DEMO_CURRENCY)
    result.site_id = site.id
    try:
        if not created_site:
            progress(f"replacing the data of the demo site {site.id}")
            delete_site_data(services.storage, site.id)
            result.notes.append(f"The demo site {site.id} existed: its data was replaced.")
        goals = services.dashboard.goals
        for goal_id, name, match_type, match_value in GOALS:
            if goals.get(site.id, goal_id) is None:
                goals.add(site.id, name, match_type, match_value, goal_id=goal_id)
        _store(services, site.id, site.token_auth, days, visits, now, result, progress)
        user = accounts.find_user(result.email)
        if user is None:
            result.password = password or new_password()
            user = accounts.create_user(result.email, result.password, is_admin=True)
            result.created_user = True
        elif password:
            accounts.set_password(user.id, password)
            result.password = password
        if not user.is_admin:
            accounts.grant(user.id, site.id, "viewer")
    except BaseException:
        if created_site:
            with contextlib.suppress(Exception):
                delete_site_data(services.storage, site.id)
            services.sites.delete(site.id)
        raise
    return result


def _store(services: Services, site_id: int, token: str, days: int, visits: int, now: datetime,
           result: DemoResult, progress: Callable[[str], None]) -> None:
    from collector import parse_matomo
    from collector.hit import RequestMeta
    from collector.ingest import process
    from collector.rows import for_insert
    from footfall.schema import COLUMNS

    meta = RequestMeta(ip="127.0.0.1", user_agent="footfall-demo")
    visitor_ids: set[int] = set()
    visitor_column = COLUMNS.index("visitor_id")
    rows: list[list] = []
    for params in generate(site_id, token, days=days, visits=visits, now=now):
        if params.get("pv_id", "").endswith("00") and "action_name" in params:
            result.visits += 1
        row, _reason = process(services.collector, lambda params=params: parse_matomo.parse(params, meta, now))
        if row is None:
            continue
        prepared = for_insert(row)
        visitor_ids.add(prepared[visitor_column])
        rows.append(prepared)
        if len(rows) >= BATCH_ROWS:
            services.storage.insert("events", rows, COLUMNS)
            result.hits += len(rows)
            rows = []
            progress(f"stored {result.hits:,} hits")
    if rows:
        services.storage.insert("events", rows, COLUMNS)
        result.hits += len(rows)
    progress(f"stored {result.hits:,} hits")
    result.visitors = len(visitor_ids)
    drops = _drop_rows(site_id, days, now)
    services.storage.insert("dropped_hits", drops, ("site_id", "minute", "reason", "hits"))
    result.dropped = sum(row[3] for row in drops)


def load_direct(settings: Settings, *, url: str, **options) -> DemoResult:
    """The demo on data this process opens itself (no server runs on the data directory)."""
    from footfall.app import services as services_module
    from footfall.storage.clickhouse import DataDirLocked, StorageUnavailable

    try:
        services = services_module.build(settings)
    except DataDirLocked:
        raise DemoError(
            f"the data directory {settings.data_dir} is in use by another process, and no running `footfall serve` "
            "answers on its admin endpoint. Stop that process, or start the server on it (`footfall serve`, with "
            "admin_socket on) and run `footfall demo` again: it then loads the data through the server."
        ) from None
    except StorageUnavailable as exc:
        raise DemoError(str(exc)) from None
    try:
        return load(services, url=url, **options)
    finally:
        services.close()
