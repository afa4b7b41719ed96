-- Aggregates imported from another analytics tool, in the shape of Plausible's CSV export:
-- one table per file (imported_visitors, imported_sources, …), one row per day and dimension
-- value, kept apart from the events Footfall collected. import_id names the import, so one
-- import can be listed and deleted on its own. No visitor-level data: counts only.
-- shard by: site_id
CREATE TABLE IF NOT EXISTS imported_visitors
(
    site_id UInt32, import_id UInt64, date Date,
    visitors UInt64, pageviews UInt64, bounces UInt64, visits UInt64, visit_duration UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_sources
(
    site_id UInt32, import_id UInt64, date Date,
    source String, referrer String, utm_source String, utm_medium String, utm_campaign String,
    utm_content String, utm_term String,
    pageviews UInt64, visitors UInt64, visits UInt64, visit_duration UInt64, bounces UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, source)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_pages
(
    site_id UInt32, import_id UInt64, date Date,
    hostname String, page String,
    visits UInt64, visitors UInt64, pageviews UInt64, scroll_depth Nullable(UInt64), pageleave_visitors UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, page)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_entry_pages
(
    site_id UInt32, import_id UInt64, date Date,
    entry_page String,
    visitors UInt64, entrances UInt64, visit_duration UInt64, bounces UInt64, pageviews UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, entry_page)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_exit_pages
(
    site_id UInt32, import_id UInt64, date Date,
    exit_page String,
    visitors UInt64, visit_duration UInt64, exits UInt64, bounces UInt64, pageviews UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, exit_page)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_locations
(
    site_id UInt32, import_id UInt64, date Date,
    country LowCardinality(String), region LowCardinality(String), city UInt64,
    visitors UInt64, visits UInt64, visit_duration UInt64, bounces UInt64, pageviews UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, country)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_devices
(
    site_id UInt32, import_id UInt64, date Date,
    device LowCardinality(String),
    visitors UInt64, visits UInt64, visit_duration UInt64, bounces UInt64, pageviews UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, device)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_browsers
(
    site_id UInt32, import_id UInt64, date Date,
    browser LowCardinality(String), browser_version LowCardinality(String),
    visitors UInt64, visits UInt64, visit_duration UInt64, bounces UInt64, pageviews UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, browser)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_operating_systems
(
    site_id UInt32, import_id UInt64, date Date,
    operating_system LowCardinality(String), operating_system_version LowCardinality(String),
    visitors UInt64, visits UInt64, visit_duration UInt64, bounces UInt64, pageviews UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, operating_system)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS imported_custom_events
(
    site_id UInt32, import_id UInt64, date Date,
    name String, link_url String, path String,
    visitors UInt64, events UInt64
)
ENGINE = MergeTree ORDER BY (site_id, import_id, date, name)
SETTINGS non_replicated_deduplication_window = 1000;
