"""A web site's traffic as a known model, written out as an access log.

Humans make visits (pageviews a few minutes apart, visits hours apart) on several
days, each pageview loading static files; bots crawl; some requests are redirected
or not found; one file is downloaded.  The model knows what Footfall should count.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

PAGES = ["/", "/pricing", "/blog/", "/blog/first-post", "/docs/start", "/about"]
REFERRERS = {"Google": "https://www.google.com/", "X (Twitter)": "https://t.co/abc", "Direct / None": "-"}
STATIC = ["/assets/site.css", "/assets/app.js?v=3", "/img/logo.png", "/favicon.ico"]
BOT_UAS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]
BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1 Build/{v}",
]


@dataclass
class Model:
    lines: list[tuple[datetime, str]] = field(default_factory=list)
    pageviews: Counter = field(default_factory=Counter)  # path -> pageviews
    visits_by_source: Counter = field(default_factory=Counter)
    visits: int = 0
    visitor_days: set = field(default_factory=set)  # visitor IDs rotate daily: one visitor per day
    downloads: int = 0
    ips: set = field(default_factory=set)
    user_agents: set = field(default_factory=set)
    days: list = field(default_factory=list)

    def line(self, when: datetime, ip: str, target: str, status: int, referrer: str, ua: str) -> None:
        stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
        self.lines.append((when, f'{ip} - - [{stamp}] "GET {target} HTTP/1.1" {status} 1234 "{referrer}" "{ua}"'))

    def sorted_lines(self) -> list[str]:
        return [text for _, text in sorted(self.lines, key=lambda item: item[0])]


def build(seed: int = 7, visitors: int = 30, days: int = 3) -> Model:
    rng = random.Random(seed)
    model = Model()
    first_day = (datetime.now(timezone.utc) - timedelta(days=days + 3)).replace(hour=0, minute=0, second=0,
                                                                                microsecond=0)
    model.days = [(first_day + timedelta(days=d)).date() for d in range(days)]
    for number in range(visitors):
        ip = f"203.0.{113 + number // 200}.{number % 200 + 10}"
        ua = rng.choice(BROWSERS).format(v=100 + number)
        model.ips.add(ip)
        model.user_agents.add(ua)
        for day in range(days):
            if rng.random() < 0.3:
                continue
            # Up to three visits a day, hours apart, inside the day (06:00 to 20:00 UTC).
            starts = sorted(rng.sample(range(6, 20, 5), rng.randint(1, 3)))
            for hour in starts:
                when = first_day + timedelta(days=day, hours=hour, minutes=rng.randint(0, 50))
                source = rng.choice(list(REFERRERS))
                model.visits += 1
                model.visits_by_source[source] += 1
                model.visitor_days.add((number, day))
                referrer = REFERRERS[source]
                for _step in range(rng.randint(1, 4)):
                    page = rng.choice(PAGES)
                    model.line(when, ip, page, 200, referrer, ua)
                    model.pageviews[page] += 1
                    for asset in rng.sample(STATIC, 2):
                        model.line(when + timedelta(seconds=1), ip, asset, 200, f"https://example.com{page}", ua)
                    if rng.random() < 0.15:
                        model.line(when + timedelta(seconds=5), ip, "/old-page", 301, "-", ua)
                    if rng.random() < 0.15:
                        model.line(when + timedelta(seconds=6), ip, "/missing", 404, "-", ua)
                    referrer = f"https://example.com{page}"
                    when += timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))
                if number == 0 and day == 0:
                    model.line(when, ip, "/files/brochure.pdf", 200, referrer, ua)
                    model.downloads += 1
    # Bots crawl every page every day.
    for day in range(days):
        for index, ua in enumerate(BOT_UAS):
            for page in PAGES:
                when = first_day + timedelta(days=day, hours=3, minutes=index * 10 + PAGES.index(page))
                model.line(when, f"66.249.66.{index + 1}", page, 200, "-", ua)
    return model
