-- Search moved to a tantivy index kept by each web process (issue 7,
-- crates/tracewire-search), following `articles` by id; the GIN index of
-- 0003 has no reader left and only slowed every insert.
DROP INDEX IF EXISTS articles_search;
