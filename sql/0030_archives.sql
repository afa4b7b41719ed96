-- Report archives: the dashboard's reports pre-aggregated per local day, week and month of a site,
-- as Matomo archives them, so a 30-day or 12-month dashboard merges a few hundred rows instead of
-- regrouping millions of hits.  dashboard/stats/archive_sql.py computes the rows from the events,
-- dashboard/stats/archiver.py builds and replaces them, dashboard/stats/archive.py answers from them.

-- When the hits of each hour of visit starts last changed.  Every block inserted into the events
-- (the collector, imports, a replayed spool file that is not a duplicate) stamps the hours of its
-- visits; footfall/deletion.py stamps the hours it deletes from.  An archive built before a change
-- to one of its hours is stale: reports read those days from the events until it is rebuilt.
-- shard by: site_id
CREATE TABLE IF NOT EXISTS event_changes
(
    site_id    UInt32,
    hour       DateTime('UTC'),
    changed_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (site_id, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS event_changes_from_events TO event_changes AS
SELECT site_id, toStartOfHour(visit_start) AS hour, max(now64(3, 'UTC')) AS changed_at
FROM events
GROUP BY site_id, hour;

-- The hours of the events stored before this migration.
INSERT INTO event_changes
SELECT site_id, toStartOfHour(visit_start) AS hour, now64(3, 'UTC') AS changed_at
FROM events
GROUP BY site_id, hour;

-- One row per (unit, dimension, value): the visitors as a sketch that is exact for small counts and an
-- estimate within about 1 % above 2,048 (uniqCombined(15)), and every other component as an exact sum.
-- dimension '' holds the unit's totals.  A unit is rebuilt under a new build_id; archive_builds says
-- which build of each unit is current and when it was built.
-- shard by: site_id
CREATE TABLE IF NOT EXISTS archives
(
    site_id            UInt32,
    unit               LowCardinality(String),
    day                Date,
    build_id           UInt64,
    dimension          LowCardinality(String),
    value              String CODEC(ZSTD(3)),
    visitors           AggregateFunction(uniqCombined(15), UInt64),
    converted_visitors AggregateFunction(uniqCombinedIf(15), UInt64, UInt8),
    visits             UInt64 CODEC(T64, ZSTD(1)),
    pageviews          UInt64 CODEC(T64, ZSTD(1)),
    events             UInt64 CODEC(T64, ZSTD(1)),
    bounces            UInt64 CODEC(T64, ZSTD(1)),
    duration_ms        UInt64 CODEC(T64, ZSTD(1)),
    total_revenue      Float64 CODEC(ZSTD(1)),
    revenue_hits       UInt64 CODEC(T64, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site_id, dimension, unit, day, value)
-- Rows are large (a sketch is up to 24 KiB): small granules, so a report reads the rows of its dimension only.
SETTINGS index_granularity = 256;

-- The current build of each unit: when the events of each of its days were read (days_built_at, one per
-- day; a change to a day's visits after that makes the unit stale), and the time zone its days are in.  The newest row (version) of a unit counts.
-- shard by: site_id
CREATE TABLE IF NOT EXISTS archive_builds
(
    site_id   UInt32,
    unit      LowCardinality(String),
    day       Date,
    build_id  UInt64,
    -- The UTC instants the unit's first day starts and the day after its last starts.
    start_utc DateTime('UTC'),
    end_utc   DateTime('UTC'),
    built_at  DateTime64(3, 'UTC'),
    days_built_at Array(DateTime64(3, 'UTC')),
    version   DateTime64(3, 'UTC'),
    timezone  String,
    rows      UInt64,
    -- The property keys of custom events whose values (and (none)) the build holds.
    props     Array(String)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (site_id, unit, day);
