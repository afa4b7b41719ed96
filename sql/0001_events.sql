-- Every accepted hit, one row each, already anonymized by the collector.
-- Ordered for the dashboard's access path: one site, a time range, then visitors.
-- shard by: cityHash64(site_id, visitor_id)
CREATE TABLE IF NOT EXISTS events
(
    site_id          UInt32,
    timestamp        DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    visitor_id       UInt64,
    hit_id           UInt64 CODEC(ZSTD(1)),
    event_type       LowCardinality(String),
    user_id_hash     UInt64 CODEC(ZSTD(1)),
    pageview_id      String CODEC(ZSTD(1)),
    hostname         LowCardinality(String),
    pathname         String CODEC(ZSTD(3)),
    url              String CODEC(ZSTD(3)),
    title            String CODEC(ZSTD(3)),
    referrer         String CODEC(ZSTD(3)),
    referrer_host    LowCardinality(String),
    referrer_type    LowCardinality(String),
    referrer_name    LowCardinality(String),
    utm_source       LowCardinality(String),
    utm_medium       LowCardinality(String),
    utm_campaign     String CODEC(ZSTD(3)),
    utm_term         String CODEC(ZSTD(3)),
    utm_content      String CODEC(ZSTD(3)),
    event_category   LowCardinality(String),
    event_action     String CODEC(ZSTD(3)),
    event_name       String CODEC(ZSTD(3)),
    event_value      Nullable(Float64),
    props            Map(String, String) CODEC(ZSTD(3)),
    goal_id          UInt32,
    revenue          Float64 CODEC(ZSTD(1)),
    search_keyword   String CODEC(ZSTD(3)),
    search_category  LowCardinality(String),
    search_count     Int32 DEFAULT -1,
    link_url         String CODEC(ZSTD(3)),
    engagement_ms    UInt32,
    scroll_depth     UInt8,
    country_code     LowCardinality(String),
    region           LowCardinality(String),
    city             LowCardinality(String),
    browser          LowCardinality(String),
    browser_version  LowCardinality(String),
    os               LowCardinality(String),
    os_version       LowCardinality(String),
    device_type      LowCardinality(String),
    screen_size      LowCardinality(String),
    language         LowCardinality(String),
    visit_count      UInt32,
    ip_truncated     LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (site_id, toDate(timestamp), visitor_id, timestamp)
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000;
