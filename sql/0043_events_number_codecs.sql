-- The small numeric columns were written with the default LZ4, whose size depends on how a part
-- was last written (up to twice as large after a mutation or a single-part merge). They are
-- mostly constant or zero (the site, goal, counts, engagement), which T64 then ZSTD packs to
-- almost nothing whichever way the part was written; the optional event value takes ZSTD.
-- Existing parts keep their codecs until they are merged.
ALTER TABLE events MODIFY COLUMN site_id CODEC(T64, ZSTD(1));
ALTER TABLE events MODIFY COLUMN goal_id CODEC(T64, ZSTD(1));
ALTER TABLE events MODIFY COLUMN search_count CODEC(T64, ZSTD(1));
ALTER TABLE events MODIFY COLUMN engagement_ms CODEC(T64, ZSTD(1));
ALTER TABLE events MODIFY COLUMN scroll_depth CODEC(T64, ZSTD(1));
ALTER TABLE events MODIFY COLUMN visit_count CODEC(T64, ZSTD(1));
ALTER TABLE events MODIFY COLUMN event_value CODEC(ZSTD(1));
