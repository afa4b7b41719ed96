-- Hits the collector answered but did not record, counted per site, reason and minute.
-- No visitor data at all: only how many and why.
-- shard by: site_id
CREATE TABLE IF NOT EXISTS dropped_hits
(
    site_id   UInt32,
    minute    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    reason    LowCardinality(String),
    hits      UInt64
)
ENGINE = SummingMergeTree(hits)
PARTITION BY toYYYYMM(minute)
ORDER BY (site_id, minute, reason)
SETTINGS non_replicated_deduplication_window = 10000;
