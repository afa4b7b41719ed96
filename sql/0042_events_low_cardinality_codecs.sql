-- The LowCardinality columns were written with the default LZ4. Their dictionary keys repeat
-- for every hit of a visit (the same country, browser, device, source), which ZSTD(3) packs
-- tighter; they are small either way, so the slower level costs little time.
-- Existing parts keep their codecs until they are merged.
ALTER TABLE events MODIFY COLUMN event_type CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN hostname CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN referrer_host CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN referrer_type CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN referrer_name CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN utm_source CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN utm_medium CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN event_category CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN search_category CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN country_code CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN region CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN city CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN browser CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN browser_version CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN os CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN os_version CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN device_type CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN screen_size CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN language CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN ip_truncated CODEC(ZSTD(3));
