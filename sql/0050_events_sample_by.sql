-- Sampling for very large ranges: a report may read a fraction of the visitors (``SAMPLE 1/10``) and scale
-- its counts back.  The sampling key is the visitor ID, a keyed 64-bit hash spread evenly over all values, so a
-- fraction keeps whole visitors and so whole visits; the visits table (0004) is sampled by the same key, and
-- the same fraction of both tables is the same visitors.  The key is already in the ordering key after the
-- site and the day, so a sample reads that fraction of each day's granules.  Changing it rewrites no data.
ALTER TABLE events MODIFY SAMPLE BY visitor_id;
