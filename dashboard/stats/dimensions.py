"""The dimensions reports group and filter by, as SQL over the hits relation.

A dimension is ``event`` (varies per hit), ``visit`` (constant over a visit:
its first counted hit's source, UTM, country and device, its first and last
pageview) or ``time`` (the visit's start, bucketed in the site's time zone).
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.referrers import SEARCH_ENGINE_LABELS, SEARCH_ENGINES, SOCIAL_NETWORKS
from dashboard.stats.query import Params, QueryError

# Hits that count as events; ping and engagement hits only extend visits.
COUNTED = "event_type NOT IN ('ping', 'engagement')"
INTERACTION = "event_type IN ('event', 'search', 'outlink', 'download')"
# Goals: Matomo goal conversions ("Goal N") and Plausible-style custom events (by name).
GOAL_NAME = "multiIf(event_type = 'goal', concat('Goal ', toString(goal_id)), event_type = 'event' AND event_category = '', event_name, '')"
IS_GOAL = "(event_type = 'goal' OR (event_type = 'event' AND event_category = ''))"
EVENT_NAME = (
    "multiIf(event_type = 'pageview', 'pageview', event_type = 'event', if(event_name != '', event_name, event_action), "
    "event_type = 'goal', concat('Goal ', toString(goal_id)), event_type = 'search', 'Site Search', "
    "event_type = 'outlink', 'Outbound Link: Click', event_type = 'download', 'File Download', event_type)"
)


def _first(column: str) -> str:
    return f"argMinIf({column}, timestamp, counted)"


# A visit's source, UTM, location and device: its first counted hit's.
FIRST_HIT_COLUMNS = (
    "hostname",
    "referrer",
    "referrer_host",
    "referrer_type",
    "referrer_name",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "country_code",
    "region",
    "city",
    "browser",
    "browser_version",
    "os",
    "os_version",
    "device_type",
    "screen_size",
    "language",
)

# Visit attributes, aggregated over a visit's hits (``GROUP BY visit_id``).
VISIT_COLUMNS: dict[str, str] = {
    "visit_first": "min(timestamp)",
    "visit_end": "max(timestamp)",
    "visit_hits": "countIf(counted)",
    "visit_pageviews": "countIf(event_type = 'pageview')",
    "visit_interactions": f"countIf({INTERACTION})",
    "entry_page": "argMinIf(pathname, timestamp, event_type = 'pageview')",
    "exit_page": "argMaxIf(pathname, timestamp, event_type = 'pageview')",
    **{f"v_{column}": _first(column) for column in FIRST_HIT_COLUMNS},
}
ALWAYS_VISIT_COLUMNS = ("visit_first", "visit_end", "visit_hits", "visit_pageviews", "visit_interactions")


def _from_known_site(sites: dict[str, str], labels: tuple[str, ...] = ()) -> str:
    """SQL: the visit's referrer host, or its utm_source, names one of ``sites`` (domain -> name).

    UTM parameters make a visit's referrer type ``campaign``, so a paid click
    from a search engine or a social network is recognised by its referrer
    host (``google.com``, ``l.facebook.com``) or its utm_source (``google``,
    ``facebook``), as Plausible does.  Every piece is a constant from the
    lists, never user input; dots are written as ``[.]`` so no backslash needs
    escaping in the SQL string.
    """
    domains = "|".join(domain.replace(".", "[.]") for domain in sites if "." in domain)
    host = f"(^|[.])({domains})$"
    if labels:  # google.de, google.co.uk
        host += f"|^({'|'.join(labels)})([.][^.]{{1,3}}){{1,2}}$"
    names = {name.lower() for name in sites.values()} | set(labels)
    names |= {domain.split(".")[0] for domain in sites if domain.count(".") == 1 and len(domain.split(".")[0]) > 2}
    quoted = ", ".join(f"'{name}'" for name in sorted(names) if "'" not in name and "\\" not in name)
    return f"(match(v_referrer_host, '{host}') OR lower(v_utm_source) IN ({quoted}))"


FROM_SEARCH_ENGINE = _from_known_site(SEARCH_ENGINES, tuple(SEARCH_ENGINE_LABELS))
FROM_SOCIAL_NETWORK = _from_known_site(SOCIAL_NETWORKS)
CHANNEL = (
    "multiIf("
    "v_utm_medium IN ('cpc', 'ppc', 'paid', 'paidsearch', 'paid_search') "
    f"AND (v_referrer_type = 'search' OR {FROM_SEARCH_ENGINE}), 'Paid Search', "
    "v_utm_medium IN ('cpc', 'ppc', 'paid', 'paidsocial', 'paid_social') "
    f"AND (v_referrer_type = 'social' OR {FROM_SOCIAL_NETWORK}), 'Paid Social', "
    "v_utm_medium IN ('cpc', 'ppc', 'paid', 'display', 'banner', 'cpm'), 'Paid Other', "
    "lower(v_utm_medium) IN ('email', 'e-mail', 'newsletter') OR lower(v_utm_source) IN ('newsletter', 'email'), 'Email', "
    "lower(v_utm_medium) = 'affiliate', 'Affiliates', "
    "v_referrer_type = 'search', 'Organic Search', "
    "v_referrer_type = 'social', 'Organic Social', "
    "v_referrer_type = 'website', 'Referral', "
    "v_referrer_type = 'campaign', 'Campaign', "
    "'Direct')"
)
DEVICE = (
    "multiIf(v_device_type = 'desktop', 'Desktop', v_device_type = 'mobile', 'Mobile', "
    "v_device_type = 'tablet', 'Tablet', v_device_type = '', '', 'Other')"
)


@dataclass(frozen=True)
class Dimension:
    """A report dimension: its SQL over the hits relation, and which rows it applies to.

    ``scope`` is ``event`` (varies per hit), ``visit`` (constant per visit) or
    ``time`` (the visit's start, bucketed in the site's time zone).  ``only``
    restricts the rows an event dimension groups or matches (e.g. goals only);
    for a visit dimension it only narrows breakdowns.  ``$tz`` and ``$key`` in
    the SQL are replaced by the bound time zone and props key.
    """

    name: str
    scope: str
    sql: str
    only: str = ""
    key: str = ""

    def expression(self, params: Params, tz: str) -> str:
        sql = self.sql.replace("$tz", params.bind(tz))
        if self.key:
            sql = sql.replace("$key", params.bind(self.key))
        return sql

    def condition(self, params: Params, tz: str) -> str:
        sql = self.only.replace("$tz", params.bind(tz))
        if self.key:
            sql = sql.replace("$key", params.bind(self.key))
        return sql


def _event(name: str, sql: str, only: str = COUNTED) -> Dimension:
    return Dimension(name, "event", sql, only)


def _visit(name: str, sql: str, only: str = "") -> Dimension:
    return Dimension(name, "visit", sql, only)


TIME_FORMATS = {
    "time:hour": "formatDateTime(toStartOfHour(visit_start, $tz), '%Y-%m-%d %H:00:00', $tz)",
    "time:day": "toString(toDate(visit_start, $tz))",
    "time:week": "toString(toMonday(toDate(visit_start, $tz)))",
    "time:month": "toString(toStartOfMonth(toDate(visit_start, $tz)))",
}

DIMENSIONS: dict[str, Dimension] = {
    dim.name: dim
    for dim in (
        _event("event:page", "pathname", "event_type = 'pageview'"),
        _event("event:hostname", "hostname"),
        _event("event:name", EVENT_NAME),
        _event("event:goal", GOAL_NAME, IS_GOAL),
        _event("event:title", "title", "event_type = 'pageview' AND title != ''"),
        _event("event:category", "event_category", "event_type = 'event' AND event_category != ''"),
        _event("event:action", "event_action", "event_type = 'event' AND event_category != ''"),
        _event("event:search_term", "lower(search_keyword)", "event_type = 'search'"),
        _event("event:search_category", "search_category", "event_type = 'search' AND search_category != ''"),
        _event("event:outlink", "link_url", "event_type = 'outlink'"),
        _event("event:download", "link_url", "event_type = 'download'"),
        _visit("visit:entry_page", "entry_page", "entry_page != ''"),
        _visit("visit:exit_page", "exit_page", "exit_page != ''"),
        _visit("visit:entry_page_hostname", "v_hostname"),
        _visit(
            "visit:source",
            "if(v_referrer_type IN ('direct', 'internal', '') OR v_referrer_name = '', 'Direct / None', v_referrer_name)",
        ),
        _visit(
            "visit:referrer",
            "if(v_referrer = '' OR v_referrer_type IN ('direct', 'internal'), 'Direct / None', v_referrer)",
        ),
        _visit("visit:referrer_type", "if(v_referrer_type IN ('', 'internal'), 'direct', v_referrer_type)"),
        _visit("visit:search_engine", "v_referrer_name", "v_referrer_type = 'search'"),
        _visit("visit:social_network", "v_referrer_name", "v_referrer_type = 'social'"),
        _visit("visit:channel", CHANNEL),
        _visit("visit:utm_source", "v_utm_source", "v_utm_source != ''"),
        _visit("visit:utm_medium", "v_utm_medium", "v_utm_medium != ''"),
        _visit("visit:utm_campaign", "v_utm_campaign", "v_utm_campaign != ''"),
        _visit("visit:utm_term", "v_utm_term", "v_utm_term != ''"),
        _visit("visit:utm_content", "v_utm_content", "v_utm_content != ''"),
        _visit("visit:country", "v_country_code"),
        _visit("visit:region", "v_region"),
        _visit("visit:city", "v_city"),
        _visit("visit:browser", "v_browser"),
        _visit("visit:browser_version", "concat(v_browser, ' ', v_browser_version)"),
        _visit("visit:os", "v_os"),
        _visit("visit:os_version", "concat(v_os, ' ', v_os_version)"),
        _visit("visit:device", DEVICE),
        _visit("visit:screen", "v_screen_size"),
        _visit("visit:language", "v_language"),
        *(Dimension(name, "time", sql) for name, sql in TIME_FORMATS.items()),
    )
}
PROPS_PREFIX = "event:props:"
TIME_DIMENSIONS = ("time", *TIME_FORMATS)


def dimension(name: str, *, interval: str = "day", for_filter: bool = False) -> Dimension:
    """The dimension called ``name`` (``time`` means the query's interval); QueryError if unknown."""
    if not isinstance(name, str):
        raise QueryError("dimensions: each dimension must be a string")
    if name.startswith(PROPS_PREFIX):
        key = name[len(PROPS_PREFIX) :]
        if not key or len(key) > 300:
            raise QueryError(f"dimensions: {name!r} needs a property name")
        return Dimension(name, "event", "if(mapContains(props, $key), props[$key], '(none)')", COUNTED, key)
    if name == "time":
        name = f"time:{interval}"
    found = DIMENSIONS.get(name)
    if found is None:
        raise QueryError(f"unknown dimension {name!r}; known: {', '.join([*DIMENSIONS, 'time', PROPS_PREFIX + 'KEY'])}")
    if for_filter and found.scope == "time":
        raise QueryError(f"filters: cannot filter on {name}; use date_range")
    return found
