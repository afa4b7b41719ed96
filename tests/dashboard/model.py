"""An independent, pure-Python model of a known dataset and of the numbers the reports must show.

The generator makes visitors (an IP + User-Agent on one UTC day, since the
collector derives the visitor ID from the daily salt, the hit's UTC date, the
site, the IP and the UA), their visits and hits.  ``to_matomo`` turns a hit
into a Matomo tracking request (backdated with ``cdt``, trusted ``cip`` and
``country``).  ``Model`` computes visits and report numbers straight from
the generated hits, without ClickHouse, following the documented rules: a
gap over the timeout starts a visit (over all of a visitor's hits, as the
collector assigns visits at ingest), visits belong to the period they start
in with all their hits, bounce = one pageview and no interaction, a visit filter keeps whole
visits and an event filter keeps matching hits.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

UAS = {
    # ua kind: (UA string, browser, browser version, os, os version, device)
    "chrome": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Chrome", "124", "Windows", "10", "Desktop",
    ),
    "firefox": (
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Firefox", "125", "Linux", "", "Desktop",
    ),
    "iphone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
        "Mobile Safari", "17", "iOS", "17.4", "Mobile",
    ),
    "ipad": (
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1",
        "Mobile Safari", "16", "iOS", "16.6", "Tablet",
    ),
}
COUNTRIES = ["DE", "DE", "DE", "US", "US", "FR", "JP", "AT"]
PAGES = ["/", "/pricing", "/blog/hello", "/blog/privacy", "/docs", "/docs/install", "/about", "/contact"]
TITLES = {path: f"Title of {path}" for path in PAGES}
# source kind: (urlref, utm params, expected visit:source, expected visit:referrer)
SOURCES = {
    "direct": ("", {}, "Direct / None", "Direct / None"),
    "google": ("https://www.google.com/search?q=analytics", {}, "Google", "google.com/search"),
    "facebook": ("https://www.facebook.com/some/post", {}, "Facebook", "facebook.com/some/post"),
    "blog": ("https://blog.example.org/reviews/footfall?x=1", {}, "blog.example.org", "blog.example.org/reviews/footfall"),
    "newsletter": ("", {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"}, "Newsletter", "Direct / None"),
    "ads": (
        "https://www.google.com/",
        {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "brand", "utm_term": "web analytics"},
        "Google",  # utm_source=google is the source Google, like the organic clicks
        "google.com/",
    ),
}
# The channel, search engine and social network each source kind's visits are reported under.  A Google Ads
# click (utm_medium=cpc from a Google page) is paid search, as in Plausible and Matomo.
SOURCE_CHANNELS = {"direct": "Direct", "google": "Organic Search", "facebook": "Organic Social", "blog": "Referral",
                   "newsletter": "Email", "ads": "Paid Search"}
SEARCH_ENGINES = {"google": "Google"}
SOCIAL_NETWORKS = {"facebook": "Facebook"}
SOURCE_WEIGHTS = {"direct": 30, "google": 25, "facebook": 10, "blog": 10, "newsletter": 15, "ads": 10}
LANGUAGES = ["de-DE", "en-US", "fr-FR", "ja"]
SCREENS = ["1920x1080", "1440x900", "390x844", "820x1180"]
# Visit dimensions that leave out the visits without a value (no entry page, not from a search engine, ...).
ONLY_WHEN_SET = ("visit:entry_page", "visit:exit_page", "visit:search_engine", "visit:social_network")
INTERACTIONS = ("event", "search", "outlink", "download")
COUNTED = ("pageview", "event", "goal", "search", "outlink", "download")


@dataclass
class Hit:
    site: str  # domain
    visitor: tuple  # (ip, ua kind, UTC date): the collector's visitor identity
    ts: datetime
    type: str
    path: str
    country: str
    ua: str
    language: str
    screen: str
    source: str = "direct"  # only meaningful on the first hit of a generated visit
    first: bool = False
    goal_id: int = 0
    revenue: float = 0.0
    event: tuple = ("", "", "")  # category, action, name
    prop: str = ""  # dimension1
    search: str = ""
    link: str = ""


@dataclass
class Visit:
    site: str
    visitor: tuple
    hits: list[Hit] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.hits[0].ts

    @property
    def counted(self) -> list[Hit]:
        return [h for h in self.hits if h.type in COUNTED]

    @property
    def first(self) -> Hit:
        return self.counted[0]

    def attr(self, name: str) -> str:
        first = self.first
        ua = UAS[first.ua]
        # As in Plausible: the pages of the visit's first and last counted hit, pageview or not.
        if name == "visit:entry_page":
            return first.path
        if name == "visit:exit_page":
            return self.counted[-1].path
        if name in ("visit:source", "visit:referrer"):
            # A visit's source is its first hit's; later hits of a generated visit come from the site itself.
            if not first.first:
                return "Direct / None"
            return SOURCES[first.source][2 if name == "visit:source" else 3]
        if name.startswith("visit:utm_"):
            return (SOURCES[first.source][1].get(name[6:], "") if first.first else "") or "(not set)"
        if name == "visit:channel":
            return SOURCE_CHANNELS[first.source] if first.first else "Direct"
        if name == "visit:search_engine":
            return SEARCH_ENGINES.get(first.source, "") if first.first else ""
        if name == "visit:social_network":
            return SOCIAL_NETWORKS.get(first.source, "") if first.first else ""
        if name in ("visit:region", "visit:city"):
            return ""  # no GeoIP database, and the requests only override the country
        if name == "visit:country":
            return first.country
        if name == "visit:browser":
            return ua[1]
        if name == "visit:os":
            return ua[3]
        if name == "visit:device":
            return ua[5]
        if name == "visit:language":
            return first.language.lower()
        if name == "visit:screen":
            return first.screen
        raise KeyError(name)

    @property
    def bounce(self) -> bool:
        return sum(h.type == "pageview" for h in self.hits) == 1 and not any(h.type in INTERACTIONS for h in self.hits)

    @property
    def duration(self) -> float:
        return (self.hits[-1].ts - self.hits[0].ts).total_seconds()


def event_attr(hit: Hit, name: str) -> str | None:
    """An event dimension's value for a hit, or None when the dimension does not apply to it."""
    if hit.type not in COUNTED:
        return None
    if name == "event:page":
        return hit.path if hit.type == "pageview" else None
    if name == "event:title":
        return TITLES[hit.path] if hit.type == "pageview" else None
    if name in ("event:category", "event:action"):
        return hit.event[0 if name == "event:category" else 1] if hit.type == "event" else None
    if name == "event:goal":
        if hit.type == "goal":
            return f"Goal {hit.goal_id}"
        return None  # every generated event is a Matomo event (with a category), so no Plausible-style goal
    if name == "event:name":
        return {
            "pageview": "pageview",
            "event": hit.event[2] or hit.event[1],
            "goal": f"Goal {hit.goal_id}",
            "search": "Site Search",
            "outlink": "Outbound Link: Click",
            "download": "File Download",
        }[hit.type]
    if name.startswith("event:props:"):
        key = name[len("event:props:") :]
        return hit.prop if key == "dimension1" and hit.prop else "(none)"
    if name == "event:search_term":
        return hit.search.lower() if hit.type == "search" else None
    if name == "event:outlink":
        return hit.link if hit.type == "outlink" else None
    if name == "event:download":
        return hit.link if hit.type == "download" else None
    raise KeyError(name)


def generate(sites: dict[str, str], first_day: datetime, days: int, visitors_per_day: int, seed: int = 7) -> list[Hit]:
    """Hits for every site: ``visitors_per_day`` visitors per site and UTC day, 1 to 3 visits each."""
    rng = random.Random(seed)
    hits: list[Hit] = []
    ip_counter = 0
    for domain in sites:
        for day in range(days):
            day_start = first_day + timedelta(days=day)
            for _ in range(visitors_per_day):
                ip_counter += 1
                ip = f"10.{ip_counter // 65536 % 256}.{ip_counter // 256 % 256}.{ip_counter % 256}"
                ua = rng.choice(list(UAS))
                visitor = (ip, ua, day_start.date())
                country = rng.choice(COUNTRIES)
                language = rng.choice(LANGUAGES)
                screen = rng.choice(SCREENS)
                # Stay within the UTC day: the visitor ID changes at UTC midnight.
                ts = day_start + timedelta(seconds=rng.randrange(0, 20 * 3600))
                for visit_index in range(rng.choice([1, 1, 1, 2, 2, 3])):
                    if visit_index:
                        ts += timedelta(minutes=rng.randrange(31, 120))
                    if ts >= day_start + timedelta(hours=23, minutes=30):
                        break
                    source = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
                    common = dict(site=domain, visitor=visitor, country=country, ua=ua, language=language, screen=screen)
                    path = rng.choice(PAGES)
                    hits.append(Hit(ts=ts, type="pageview", path=path, source=source, first=True, **common))
                    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
                        ts += timedelta(seconds=rng.randrange(5, 25 * 60))
                        kind = rng.choices(
                            ["pageview", "event", "goal", "search", "outlink", "download", "ping"],
                            weights=[40, 12, 8, 6, 5, 5, 24],
                        )[0]
                        if kind == "pageview":
                            path = rng.choice(PAGES)
                        hit = Hit(ts=ts, type=kind, path=path, **common)
                        if kind == "event":
                            name = rng.choice(["", "hero", "footer"])
                            hit.event = ("CTA", rng.choice(["click", "hover"]), name)
                            hit.prop = rng.choice(["", "red", "blue"])
                        elif kind == "goal":
                            hit.goal_id = rng.choice([1, 1, 2])
                            hit.revenue = rng.choice([0.0, 9.99, 49.5]) if hit.goal_id == 1 else 0.0
                        elif kind == "search":
                            hit.search = rng.choice(["Pricing", "privacy", "install guide"])
                        elif kind == "outlink":
                            hit.link = rng.choice(["https://github.com/footfall", "https://example.net/partner"])
                        elif kind == "download":
                            hit.link = f"https://{domain}/files/{rng.choice(['guide.pdf', 'app.zip'])}"
                        hits.append(hit)
    return hits


def to_matomo(hit: Hit, site_id: int) -> str:
    """The Matomo tracking request for a hit, as a bulk-request query string."""
    ua = UAS[hit.ua][0]
    url = f"https://{hit.site}{hit.path}"
    params: dict[str, str] = {
        "idsite": str(site_id),
        "rec": "1",
        "cdt": str(int(hit.ts.timestamp())),
        "cip": hit.visitor[0],
        "ua": ua,
        "country": hit.country.lower(),
        "lang": hit.language,
        "res": hit.screen,
    }
    if hit.first:
        urlref, utm, _, _ = SOURCES[hit.source]
        if utm:
            url += "?" + urlencode(utm)
        if urlref:
            params["urlref"] = urlref
    else:
        params["urlref"] = f"https://{hit.site}/"
    params["url"] = url
    if hit.type == "pageview":
        params["action_name"] = TITLES[hit.path]
    elif hit.type == "ping":
        params["ping"] = "1"
    elif hit.type == "event":
        params["e_c"], params["e_a"] = hit.event[0], hit.event[1]
        if hit.event[2]:
            params["e_n"] = hit.event[2]
        if hit.prop:
            params["dimension1"] = hit.prop
    elif hit.type == "goal":
        params["idgoal"] = str(hit.goal_id)
        if hit.revenue:
            params["revenue"] = str(hit.revenue)
    elif hit.type == "search":
        params["search"] = hit.search
    elif hit.type == "outlink":
        params["link"] = hit.link
    elif hit.type == "download":
        params["download"] = hit.link
    return "?" + urlencode(params)


# Filters, in the API's JSON form, evaluated on a (visit, hit) pair.


def hit_matches(filter_json: list, visit: Visit, hit: Hit) -> bool:
    op = filter_json[0]
    if op == "and":
        return all(hit_matches(f, visit, hit) for f in filter_json[1])
    if op == "or":
        return any(hit_matches(f, visit, hit) for f in filter_json[1])
    if op == "not":
        return not hit_matches(filter_json[1], visit, hit)
    if op in ("has_done", "has_not_done"):
        done = any(h.type in COUNTED and hit_matches(filter_json[1], visit, h) for h in visit.hits)
        return done if op == "has_done" else not done
    name, values = filter_json[1], filter_json[2]
    ignore_case = len(filter_json) == 4 and filter_json[3].get("case_sensitive") is False
    if name.startswith("visit:"):
        value = visit.attr(name)
    else:
        value = event_attr(hit, name)
        if value is None:
            return False
        if name.startswith("event:props:") and value == "(none)":
            # A hit without the property matches only "(none)", and every negated test.
            result = op in ("is", "is_not") and "(none)" in values
            return not result if op.endswith("_not") else result
    if ignore_case:
        value, values = value.lower(), [v.lower() for v in values]
    if op in ("is", "is_not"):
        result = value in values
    elif op in ("contains", "contains_not"):
        result = any(v in value for v in values)
    else:
        result = any(re.search(v, value) for v in values)
    return not result if op.endswith("_not") else result


class Model:
    def __init__(self, hits: list[Hit], timeout_minutes: int = 30) -> None:
        self.timeout = timedelta(minutes=timeout_minutes)
        self.by_visitor: dict[tuple, list[Hit]] = defaultdict(list)
        for hit in hits:
            # The collector's visitor ID: keyed by the site, IP, UA and the hit's own UTC date.
            key = (hit.visitor[0], hit.visitor[1], hit.ts.astimezone(timezone.utc).date())
            self.by_visitor[(hit.site, key)].append(hit)
        for series in self.by_visitor.values():
            series.sort(key=lambda h: h.ts)
        self._visits: dict[tuple, list[Visit]] = {}

    def visits(self, site: str, start: datetime, end: datetime) -> list[Visit]:
        """Visits that start in [start, end), with all their hits (also those after ``end``).

        A visitor's hits are split into visits where the gap to the previous hit
        is longer than the timeout, over all of their hits, as the collector does
        at ingest.
        """
        key = (site, start, end)
        if key not in self._visits:
            self._visits[key] = [
                visit
                for (hit_site, visitor), series in self.by_visitor.items()
                if hit_site == site
                for visit in self.split(site, visitor, series)
                if start <= visit.start < end and visit.counted
            ]
        return self._visits[key]

    def split(self, site: str, visitor: tuple, series: list[Hit]) -> list[Visit]:
        visits: list[Visit] = []
        previous = None
        for hit in series:
            if previous is None or hit.ts - previous > self.timeout:
                visits.append(Visit(site, visitor))
            visits[-1].hits.append(hit)
            previous = hit.ts
        return visits

    def breakdown(
        self, site: str, start: datetime, end: datetime, dims: list[str], filters: list, tz: str
    ) -> dict[tuple, dict[str, float]]:
        """Raw numbers per dimension-value tuple: visitors, visits, pageviews, events, bounces, duration, revenue, converted."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        groups: dict[tuple, dict] = defaultdict(lambda: {"visitors": set(), "visits": {}, "pageviews": 0, "events": 0, "revenue": 0.0, "converted": set()})
        event_dims = [d for d in dims if d.startswith("event:")]
        for visit in self.visits(site, start, end):
            matched = [h for h in visit.hits if all(hit_matches(f, visit, h) for f in filters)]
            matched_counted = [h for h in matched if h.type in COUNTED]
            if not matched_counted:
                continue
            visit_values = []
            skip = False
            for d in dims:
                if d.startswith("visit:"):
                    value = visit.attr(d)
                    if d in ONLY_WHEN_SET:
                        if value == "":
                            skip = True
                    visit_values.append(value)
                elif d.startswith("time:"):
                    local = visit.start.astimezone(zone)
                    visit_values.append(
                        local.strftime("%Y-%m-%d %H:00:00") if d == "time:hour" else local.strftime("%Y-%m-%d")
                    )
                else:
                    visit_values.append(None)
            if skip:
                continue
            if event_dims:
                hit_groups: dict[tuple, list[Hit]] = defaultdict(list)
                for hit in matched_counted:
                    values = list(visit_values)
                    ok = True
                    for i, d in enumerate(dims):
                        if d.startswith("event:"):
                            value = event_attr(hit, d)
                            if value is None:
                                ok = False
                                break
                            values[i] = value
                    if ok:
                        hit_groups[tuple(values)].append(hit)
            else:
                hit_groups = {tuple(visit_values): matched_counted}
            for key, group_hits in hit_groups.items():
                g = groups[key]
                g["visitors"].add(visit.visitor)
                g["visits"][id(visit)] = visit
                g["pageviews"] += sum(h.type == "pageview" for h in group_hits)
                g["events"] += len(group_hits)
                g["revenue"] += sum(h.revenue for h in group_hits if h.type == "goal")
                if any(h.type == "goal" for h in group_hits):
                    g["converted"].add(visit.visitor)
        result = {}
        for key, g in groups.items():
            visits = list(g["visits"].values())
            result[key] = {
                "visitors": len(g["visitors"]),
                "visits": len(visits),
                "pageviews": g["pageviews"],
                "events": g["events"],
                "bounces": sum(v.bounce for v in visits),
                "duration": sum(v.duration for v in visits),
                "revenue": g["revenue"],
                "converted": len(g["converted"]),
            }
        return result
