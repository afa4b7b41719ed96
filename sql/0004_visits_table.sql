-- One row per visit, kept by ClickHouse from the events table: a materialized view
-- aggregates every inserted block per visit, and the AggregatingMergeTree's merges
-- combine the partial rows of a visit (min of the first hit, max of the last, sums of the
-- counts).  The entry page, the exit page and the first counted hit's attributes
-- (source, UTM, location, device) are (time, value) tuples, so min/max keep the earliest
-- or latest; reports read one tuple element and its time (argMin(first_hit.country_code,
-- first_hit.ts)) and group the few partial rows per visit, instead of every hit.
-- A block the events table drops as a duplicate (a replayed spool file: same
-- insert_deduplication_token) never reaches the view, and the view's own inserts are
-- deduplicated too (deduplicate_blocks_in_dependent_materialized_views), so a replay
-- after a crash between the two writes fills the gap without counting twice.
-- Events deleted through footfall/deletion.py (forget, the retention purge) take the
-- rows of their visits with them.
-- shard by: cityHash64(site_id, visitor_id)
CREATE TABLE IF NOT EXISTS visits
(
    site_id            UInt32,
    visit_start        DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    visitor_id         UInt64,
    visit_id           UInt64 CODEC(ZSTD(1)),
    visit_first        SimpleAggregateFunction(min, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    visit_end          SimpleAggregateFunction(max, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    visit_hits         SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    visit_pageviews    SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    visit_interactions SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    visit_goals        SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    visit_revenue      SimpleAggregateFunction(sum, Float64) CODEC(ZSTD(1)),
    entry_page         SimpleAggregateFunction(min, Tuple(ts DateTime64(3, 'UTC'), page String)) CODEC(ZSTD(3)),
    exit_page          SimpleAggregateFunction(max, Tuple(ts DateTime64(3, 'UTC'), page String)) CODEC(ZSTD(3)),
    first_hit          SimpleAggregateFunction(min, Tuple(
        ts DateTime64(3, 'UTC'),
        hostname String,
        referrer String,
        referrer_host String,
        referrer_type String,
        referrer_name String,
        utm_source String,
        utm_medium String,
        utm_campaign String,
        utm_term String,
        utm_content String,
        country_code String,
        region String,
        city String,
        browser String,
        browser_version String,
        os String,
        os_version String,
        device_type String,
        screen_size String,
        language String
    )) CODEC(ZSTD(3))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(visit_start)
ORDER BY (site_id, toDate(visit_start), visitor_id, visit_id)
SAMPLE BY visitor_id
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS visits_from_events TO visits AS
SELECT
    site_id, visit_start, visitor_id, visit_id,
    min(timestamp) AS visit_first,
    max(timestamp) AS visit_end,
    countIf(event_type NOT IN ('ping', 'engagement')) AS visit_hits,
    countIf(event_type = 'pageview') AS visit_pageviews,
    countIf(event_type IN ('event', 'search', 'outlink', 'download')) AS visit_interactions,
    countIf((event_type = 'goal' OR (event_type = 'event' AND event_category = ''))) AS visit_goals,
    sumIf(revenue, (event_type = 'goal' OR (event_type = 'event' AND event_category = ''))) AS visit_revenue,
    min((if(event_type = 'pageview', timestamp, toDateTime64('2299-12-31 00:00:00', 3, 'UTC')), if(event_type = 'pageview', pathname, ''))) AS entry_page,
    max((if(event_type = 'pageview', timestamp, toDateTime64(0, 3, 'UTC')), if(event_type = 'pageview', pathname, ''))) AS exit_page,
    min((
        if(event_type NOT IN ('ping', 'engagement'), timestamp, toDateTime64('2299-12-31 00:00:00', 3, 'UTC')),
        toString(hostname),
        toString(referrer),
        toString(referrer_host),
        toString(referrer_type),
        toString(referrer_name),
        toString(utm_source),
        toString(utm_medium),
        toString(utm_campaign),
        toString(utm_term),
        toString(utm_content),
        toString(country_code),
        toString(region),
        toString(city),
        toString(browser),
        toString(browser_version),
        toString(os),
        toString(os_version),
        toString(device_type),
        toString(screen_size),
        toString(language)
    )) AS first_hit
FROM events
GROUP BY site_id, visit_start, visitor_id, visit_id;

-- The visits of the events stored before this migration (it runs at start-up, before
-- the collector accepts hits, so no block reaches both the view and this copy).
INSERT INTO visits
SELECT
    site_id, visit_start, visitor_id, visit_id,
    min(timestamp) AS visit_first,
    max(timestamp) AS visit_end,
    countIf(event_type NOT IN ('ping', 'engagement')) AS visit_hits,
    countIf(event_type = 'pageview') AS visit_pageviews,
    countIf(event_type IN ('event', 'search', 'outlink', 'download')) AS visit_interactions,
    countIf((event_type = 'goal' OR (event_type = 'event' AND event_category = ''))) AS visit_goals,
    sumIf(revenue, (event_type = 'goal' OR (event_type = 'event' AND event_category = ''))) AS visit_revenue,
    min((if(event_type = 'pageview', timestamp, toDateTime64('2299-12-31 00:00:00', 3, 'UTC')), if(event_type = 'pageview', pathname, ''))) AS entry_page,
    max((if(event_type = 'pageview', timestamp, toDateTime64(0, 3, 'UTC')), if(event_type = 'pageview', pathname, ''))) AS exit_page,
    min((
        if(event_type NOT IN ('ping', 'engagement'), timestamp, toDateTime64('2299-12-31 00:00:00', 3, 'UTC')),
        toString(hostname),
        toString(referrer),
        toString(referrer_host),
        toString(referrer_type),
        toString(referrer_name),
        toString(utm_source),
        toString(utm_medium),
        toString(utm_campaign),
        toString(utm_term),
        toString(utm_content),
        toString(country_code),
        toString(region),
        toString(city),
        toString(browser),
        toString(browser_version),
        toString(os),
        toString(os_version),
        toString(device_type),
        toString(screen_size),
        toString(language)
    )) AS first_hit
FROM events
GROUP BY site_id, visit_start, visitor_id, visit_id;
