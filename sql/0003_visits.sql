-- Each hit carries the visit it belongs to, assigned by the collector at ingest
-- (a new visit after visit_timeout_minutes of inactivity), so reports group by
-- visit_id instead of re-deriving visits with window functions on every query.
ALTER TABLE events ADD COLUMN IF NOT EXISTS visit_id UInt64 CODEC(ZSTD(1)) AFTER visitor_id;
ALTER TABLE events ADD COLUMN IF NOT EXISTS visit_start DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)) AFTER visit_id;
ALTER TABLE events ADD INDEX IF NOT EXISTS visit_start_minmax visit_start TYPE minmax GRANULARITY 4;
