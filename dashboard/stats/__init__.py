"""Footfall's reports: one module per report family over one query/filter builder.

Every report function takes ``(storage, query, ...)`` and returns plain data
(dicts, lists, or a :class:`breakdown.Result`); templates and the JSON API
only render it.  ``storage`` is a :class:`footfall.storage.clickhouse.Storage`.

Building a query::

    from dashboard.stats import periods
    from dashboard.stats.filters import parse_filters
    from dashboard.stats.query import StatsQuery

    period = periods.resolve("30d", site.timezone)            # or "custom", start=..., end=...
    query = StatsQuery.for_period(site.id, period, parse_filters([["is", "visit:country", ["DE"]]]),
                                  visit_timeout_minutes=settings.visit_timeout_minutes)
    previous = StatsQuery.for_period(site.id, periods.previous(period), query.filters,
                                     visit_timeout_minutes=settings.visit_timeout_minutes)

Modules:
- ``periods``: the one definition of periods, shared by the dashboard and the Stats API, with Plausible's
  meanings: ``resolve(period, tz, *, today=None, start=None, end=None, earliest=None, interval=None, now=None)``
  and ``from_pair(first, last, tz)`` (ISO dates, or date-times kept to the second) ``-> Period``
  (``Period.start_utc/end_utc/label/span/interval/start_date/end_date/exact``), ``previous(period)``,
  ``time_labels(period)``.  Names: day/today, yesterday, Nd (ending yesterday), Nmo (whole months before this
  one), month, last_month, year, all, 24h, 30m, realtime, custom.
- ``query``: ``StatsQuery`` (site, range, filters; ``exact=True`` never samples), ``Params`` (bound values),
  ``QueryError``.
- ``sampling``: a range with more events than ``storage.sample_above_events`` (the setting) is read as a
  sample by visitor ID and its counts scaled; ``Result.sample_percent`` says how large (None: exact).
- ``filters``: ``Filter(dimension, operator, values)``, ``And``, ``Or``, ``Not``; ``parse_filters(json)`` /
  ``filter_to_json``; ``filter_dimensions``, ``drop_filters``.
  Operators: is, is_not, contains, contains_not (substring), matches, matches_not (regex), case-sensitive unless
  ``Filter.case_sensitive`` is False; ``HasDone`` (has_done / has_not_done) keeps visits by what they did.
- ``dimensions``: the registry ``DIMENSIONS`` (+ ``event:props:KEY``, ``time``) and ``dimension(name)``.
- ``sql``: ``sessionized_hits`` (the hits of the visits that start in the range), ``hits_relation`` (hits with
  their visit's attributes, for filters that mix visit and event dimensions) and ``render_filter`` (the one
  where-clause builder).
- ``breakdown.breakdown(storage, query, dimensions, metrics, *, order_by=None, limit=10000, offset=0) -> Result``:
  the engine; ``Result.rows`` are ``{"dimensions": [...], "value": <first dim>, "<metric>": n, ...}``.
- ``aggregate.aggregate(storage, query, metrics=None) -> dict``; ``aggregate.compare(storage, query, previous, metrics=None)``
  → ``{"visitors": {"value", "previous", "change"}, ...}``.
- ``timeseries.timeseries(storage, query, period, metrics=None, interval=None) -> [{"date": ..., "visitors": ...}]``
  (every bucket of the period, empty ones as 0).
- ``pages``: ``top_pages``, ``entry_pages``, ``exit_pages``, ``page_titles`` — each ``(storage, query, *, limit, offset)``.
- ``sources.sources(storage, query, report="sources", *, limit, offset)`` with report one of ``sources.REPORTS``
  (sources, channels, referrers, search_engines, social_networks, utm_sources/mediums/campaigns/terms/contents).
- ``audience.audience(storage, query, report="countries", ...)`` with ``audience.REPORTS`` (countries, regions, cities,
  browsers, browser_versions, operating_systems, os_versions, devices, screen_sizes, languages).
- ``actions``: ``custom_events``, ``event_categories``, ``event_actions``, ``property_keys``,
  ``event_properties(storage, query, key, event_name=None)``, ``goals`` (conversion rate, revenue),
  ``search_terms``, ``outlinks``, ``downloads``.
- ``realtime.realtime(storage, site_id, minutes=30) -> {"visitors", "pageviews", "series", "pages"}``,
  ``realtime.current_visitors(storage, site_id)``.
- ``drops.dropped_hits(storage, site_id, start, end) -> {"total", "reasons": [{"reason", "hits"}]}``,
  ``drops.summary(...)`` → "1,204 hits not recorded: opt-out 800, bot 404".

Metrics (``metrics.METRICS``): visitors, visits, pageviews, views_per_visit, bounce_rate (integer %),
visit_duration (integer seconds), events, percentage (share of all visitors), conversion_rate (over all visitors
without the goal filters), group_conversion_rate (over the group's visitors), total_revenue, average_revenue.

Semantics, in short (details in ``sql``): visits are assigned at ingest (``visit_id``/``visit_start`` on
every hit; a gap longer than the visit timeout starts a new one) and belong, with all their hits, to the
period in which they start; each report groups hits by ``visit_id`` once; a visit filter keeps
whole visits; an event filter keeps the visits with a matching hit for visit metrics, and only the
matching hits for pageviews/events/revenue.  All values are bound as server-side parameters.
"""

from dashboard.stats.filters import And, Filter, Not, Or  # noqa: F401
from dashboard.stats.query import QueryError, StatsQuery  # noqa: F401
