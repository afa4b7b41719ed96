-- The random 64-bit hit_id was the largest column of the events table (8 bytes per event that
-- no compression can shrink) and no report reads it. Nothing else needs it either: a replayed
-- spool segment is recognised by its insert_deduplication_token, the export pages by
-- (timestamp, visitor_id) and keeps the rows of a tie on one page, forget and retention
-- delete by visitor and time.
ALTER TABLE events DROP COLUMN IF EXISTS hit_id;
