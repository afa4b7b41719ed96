"""The one query/filter builder every report goes through.

A :class:`StatsQuery` names a site, a half-open UTC range and filters.  The
builder turns it into SQL over the ``events`` table, with every value bound
as a ClickHouse server-side parameter (``{p0:String}``), never pasted in.

Visits are assigned by the collector at ingest: every hit carries its
``visit_id`` (a new visit starts when the visitor's previous hit is more than
the visit timeout older) and ``visit_start`` (the visit's first hit).  A visit
belongs to the period in which it starts, with all its hits, also those after
the period's end, so every hit counts in exactly one period.
:func:`sessionized_hits` reads the hits of the visits that start in
``[start, end)``; reports group them by ``visit_id`` once per query (a visit
made only of ``ping``/``engagement`` hits is no visit).  A visit's source,
UTM, country and device are its first counted hit's; its entry and exit pages
its first and last pageview; its duration is last hit minus first hit, pings
included; a bounce is one pageview and no interaction event.

Filters (Plausible semantics):
- a *visit* dimension (``visit:*``) is constant over a visit, so it keeps or
  drops whole visits;
- an *event* dimension (``event:*``) is matched by hits.  Visit metrics
  (visitors, visits, bounce rate, duration) count the visits that contain at
  least one matching hit; event metrics (pageviews, events, revenue) count
  only the matching hits.
- ``and``/``or``/``not`` combine both kinds, evaluated per hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Union

from collector.referrers import SEARCH_ENGINE_LABELS, SEARCH_ENGINES, SOCIAL_NETWORKS
from footfall.schema import COLUMNS

OPERATORS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
MAX_FILTER_VALUES = 100
MAX_FILTER_DEPTH = 6


class QueryError(ValueError):
    """The query is invalid; the message is safe to show to the user."""


# Filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    dimension: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class And:
    filters: tuple["FilterExpr", ...]


@dataclass(frozen=True)
class Or:
    filters: tuple["FilterExpr", ...]


@dataclass(frozen=True)
class Not:
    filter: "FilterExpr"


FilterExpr = Union[Filter, And, Or, Not]


def parse_filter(data: Any, depth: int = 0) -> FilterExpr:
    """One filter in Plausible's JSON form: ``["is", "visit:country", ["DE"]]``, ``["and", [...]]``, ``["not", f]``."""
    if depth > MAX_FILTER_DEPTH:
        raise QueryError("filters: nested too deeply")
    if not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise QueryError(f"filters: {_short(data)} is not a filter like [\"is\", \"visit:country\", [\"DE\"]]")
    operator = data[0]
    if operator in ("and", "or"):
        if len(data) != 2 or not isinstance(data[1], list) or not data[1]:
            raise QueryError(f"filters: {operator} takes a non-empty list of filters")
        children = tuple(parse_filter(child, depth + 1) for child in data[1])
        return And(children) if operator == "and" else Or(children)
    if operator == "not":
        if len(data) != 2:
            raise QueryError("filters: not takes one filter")
        return Not(parse_filter(data[1], depth + 1))
    if operator not in OPERATORS:
        raise QueryError(f"filters: unknown operator {operator!r}; use one of {', '.join(OPERATORS)}, and, or, not")
    if len(data) not in (3, 4) or not isinstance(data[1], str) or not isinstance(data[2], list):
        raise QueryError(f"filters: {_short(data)} must be [operator, dimension, [values]]")
    values = data[2]
    if not values or len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"filters: {data[1]} needs 1 to {MAX_FILTER_VALUES} values")
    if not all(isinstance(value, (str, int, float)) and not isinstance(value, bool) for value in values):
        raise QueryError(f"filters: the values for {data[1]} must be strings")
    dimension(data[1], for_filter=True)  # raises for unknown dimensions
    clean = tuple(str(value) for value in values)
    if operator.startswith("matches"):
        for pattern in clean:
            try:
                re.compile(pattern)
            except re.error:
                raise QueryError(f"filters: {pattern!r} is not a valid regular expression") from None
    return Filter(data[1], operator, clean)


def parse_filters(data: Any) -> tuple[FilterExpr, ...]:
    """The top-level list of filters; they all apply (an implicit ``and``)."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise QueryError("filters: must be a list of filters")
    return tuple(parse_filter(item) for item in data)


def filter_to_json(expr: FilterExpr) -> list:
    if isinstance(expr, Filter):
        return [expr.operator, expr.dimension, list(expr.values)]
    if isinstance(expr, Not):
        return ["not", filter_to_json(expr.filter)]
    return ["and" if isinstance(expr, And) else "or", [filter_to_json(child) for child in expr.filters]]


def filter_dimensions(filters: tuple[FilterExpr, ...] | FilterExpr) -> set[str]:
    if isinstance(filters, tuple):
        return set().union(*(filter_dimensions(f) for f in filters)) if filters else set()
    if isinstance(filters, Filter):
        return {filters.dimension}
    if isinstance(filters, Not):
        return filter_dimensions(filters.filter)
    return set().union(*(filter_dimensions(child) for child in filters.filters))


def drop_filters(filters: tuple[FilterExpr, ...], dimension_name: str) -> tuple[FilterExpr, ...]:
    """The top-level filters that do not mention ``dimension_name`` (for conversion-rate denominators)."""
    return tuple(f for f in filters if dimension_name not in filter_dimensions(f))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


# The query -------------------------------------------------------------------


@dataclass(frozen=True)
class StatsQuery:
    """What every report takes: one site, ``[start, end)`` in UTC, filters."""

    site_id: int
    timezone: str
    start: datetime
    end: datetime
    filters: tuple[FilterExpr, ...] = ()
    visit_timeout_minutes: int = 30
    interval: str = "day"

    @classmethod
    def for_period(
        cls, site_id: int, period: Any, filters: tuple[FilterExpr, ...] = (), visit_timeout_minutes: int = 30
    ) -> "StatsQuery":
        """From a :class:`dashboard.stats.periods.Period`."""
        return cls(
            site_id=site_id,
            timezone=period.tz,
            start=period.start_utc,
            end=period.end_utc,
            filters=tuple(filters),
            visit_timeout_minutes=visit_timeout_minutes,
            interval=period.interval,
        )

    def with_range(self, start: datetime, end: datetime) -> "StatsQuery":
        return replace(self, start=start, end=end)

    def with_filters(self, filters: tuple[FilterExpr, ...]) -> "StatsQuery":
        return replace(self, filters=tuple(filters))

    def adding(self, *filters: FilterExpr) -> "StatsQuery":
        return replace(self, filters=self.filters + tuple(filters))


class Params:
    """Collects bound values; ``bind`` returns the placeholder to put in the SQL."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._names: dict[tuple[str, Any], str] = {}

    def bind(self, value: Any, type_: str = "String") -> str:
        key = (type_, tuple(value) if isinstance(value, list) else value)
        name = self._names.get(key)
        if name is None:
            name = f"p{len(self.values)}"
            self.values[name] = value
            self._names[key] = name
        return "{%s:%s}" % (name, type_)


# Dimensions ------------------------------------------------------------------

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


# Visit attributes, aggregated over a visit's hits (``GROUP BY visit_id``).
VISIT_COLUMNS: dict[str, str] = {
    "visit_first": "min(timestamp)",
    "visit_end": "max(timestamp)",
    "visit_hits": "countIf(counted)",
    "visit_pageviews": "countIf(event_type = 'pageview')",
    "visit_interactions": f"countIf({INTERACTION})",
    "entry_page": "argMinIf(pathname, timestamp, event_type = 'pageview')",
    "exit_page": "argMaxIf(pathname, timestamp, event_type = 'pageview')",
    **{
        f"v_{column}": _first(column)
        for column in (
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
    },
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


# SQL -------------------------------------------------------------------------


def render_filter(expr: FilterExpr, params: Params, tz: str) -> str:
    """SQL for one filter, over the hits relation (a hit-level boolean)."""
    if isinstance(expr, And):
        return "(" + " AND ".join(render_filter(child, params, tz) for child in expr.filters) + ")"
    if isinstance(expr, Or):
        return "(" + " OR ".join(render_filter(child, params, tz) for child in expr.filters) + ")"
    if isinstance(expr, Not):
        return f"(NOT {render_filter(expr.filter, params, tz)})"
    dim = dimension(expr.dimension, for_filter=True)
    column = dim.expression(params, tz)
    op, values = expr.operator, list(expr.values)
    if op in ("is", "is_not"):
        test = f"{column} IN {params.bind(values, 'Array(String)')}"
    elif op in ("contains", "contains_not"):
        test = f"multiSearchAnyCaseInsensitiveUTF8({column}, {params.bind(values, 'Array(String)')})"
    else:
        test = "(" + " OR ".join(f"match({column}, {params.bind(v)})" for v in values) + ")"
    if op.endswith("_not"):
        test = f"NOT {test}"
    if dim.scope == "event" and dim.only:
        return f"(({dim.condition(params, tz)}) AND {test})"
    return f"({test})"


_WORD = re.compile(r"[a-z_]+")


def _needed_columns(fragments: list[str]) -> list[str]:
    words = set(_WORD.findall(" ".join(fragments)))
    base = {"site_id", "timestamp", "visitor_id", "visit_id", "visit_start", "event_type"}
    return [column for column in COLUMNS if column in base or column in words]


def visit_columns_for(fragments: list[str]) -> dict[str, str]:
    """The visit attributes (name -> aggregate over the visit's hits) that ``fragments`` mention, plus the basics."""
    words = set(_WORD.findall(" ".join(fragments)))
    return {name: sql for name, sql in VISIT_COLUMNS.items() if name in ALWAYS_VISIT_COLUMNS or name in words}


def hits_relation(query: StatsQuery, params: Params, fragments: list[str]) -> str:
    """Hits of visits that start in the query's range, each with its visit's attributes.

    ``fragments`` is the SQL the caller will run over the relation; only the
    columns and visit attributes it mentions are read and computed.  The
    attributes come from one ``GROUP BY visit_id``, joined back to the hits.
    """
    visit_columns = visit_columns_for(fragments)
    per_visit = ",\n            ".join(f"{sql} AS {name}" for name, sql in visit_columns.items())
    hits = sessionized_hits(query, params, fragments)
    visits = sessionized_hits(query, params, list(visit_columns.values()))
    return f"""(
    SELECT * FROM {hits} AS hits
    INNER JOIN (
        SELECT visit_id,
            {per_visit}
        FROM {visits}
        GROUP BY visit_id
        HAVING visit_hits > 0
    ) AS visits USING visit_id
)"""


def match_sql(query: StatsQuery, params: Params) -> str:
    """One boolean per hit: does it match all the query's filters."""
    if not query.filters:
        return "1"
    return " AND ".join(render_filter(f, params, query.timezone) for f in query.filters)


def sessionized_hits(query: StatsQuery, params: Params, fragments: list[str]) -> str:
    """Every hit of the visits that start in ``[start, end)``; ``visit_id`` names a visit.

    Visits are assigned by the collector at ingest, so this is a plain range
    read: ``visit_start`` selects the visits (its minmax index skips other
    days) and ``timestamp >= start - timeout`` lets the primary key skip the
    days before (a late hit may join a visit up to the timeout before its start).
    Only the columns ``fragments`` mention are read; ``counted`` says whether
    a hit is more than a ping.
    """
    columns = _needed_columns(fragments)
    timeout = timedelta(minutes=query.visit_timeout_minutes)
    site = params.bind(query.site_id, "UInt32")
    low = params.bind(query.start - timeout, "DateTime64(3, 'UTC')")
    start = params.bind(query.start, "DateTime64(3, 'UTC')")
    end = params.bind(query.end, "DateTime64(3, 'UTC')")
    return f"""(
    SELECT {', '.join(columns)}, {COUNTED} AS counted
    FROM events
    WHERE site_id = {site} AND visit_start >= {start} AND visit_start < {end} AND timestamp >= {low}
)"""


def split_filters(query: StatsQuery) -> tuple[list[FilterExpr], list[FilterExpr]] | None:
    """Top-level filters split into (visit-only, event-only); None when one mixes both kinds."""
    visit_filters, event_filters = [], []
    for expr in query.filters:
        scopes = {dimension(name, for_filter=True).scope for name in filter_dimensions(expr)}
        if scopes == {"visit"}:
            visit_filters.append(expr)
        elif scopes == {"event"}:
            event_filters.append(expr)
        else:
            return None
    return visit_filters, event_filters
