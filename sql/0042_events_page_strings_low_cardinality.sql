-- A site has far fewer pages than hits: the path, the URL and the title of a page repeat on
-- every view of it. As LowCardinality each row stores a small dictionary key instead of the
-- text, which also makes the page reports group on integers. A site with very many distinct
-- URLs (IDs in the query string) still works: ClickHouse starts a new dictionary when one
-- grows past its limit. The referrer stays a plain string (every linking page is its own).
-- Changing the type rewrites these three columns of the stored parts once.
ALTER TABLE events MODIFY COLUMN pathname LowCardinality(String) CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN url LowCardinality(String) CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN title LowCardinality(String) CODEC(ZSTD(3));
