-- Codecs for the time and ID columns, measured by bench/bench_storage.py on the benchmark data and
-- on the same rows with random 64-bit visitor IDs and millisecond timestamps (what the collector
-- writes):
-- timestamp rises within a visitor's hits (the sort order is day, visitor, time), so Delta then
-- ZSTD(3) beats DoubleDelta; visit_start repeats for every hit of a visit, which plain ZSTD(3)
-- finds best; the visitor ID (a keyed hash in real data) gains from ZSTD over the default LZ4.
-- Existing parts keep their codecs until they are merged.
ALTER TABLE events MODIFY COLUMN timestamp CODEC(Delta, ZSTD(3));
ALTER TABLE events MODIFY COLUMN visit_start CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN visitor_id CODEC(ZSTD(1));
