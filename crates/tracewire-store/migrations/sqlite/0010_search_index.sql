-- Search moved to a tantivy index beside the database (issue 7,
-- crates/tracewire-search): fields, facets, snippets and date ranges that
-- FTS5 and PostgreSQL's tsquery would each do differently, one engine for
-- both backends. The index follows `articles` by id, so the FTS5 table and
-- the triggers that kept it in each article's transaction go.
DROP TRIGGER IF EXISTS articles_fts_insert;
DROP TRIGGER IF EXISTS articles_fts_delete;
DROP TRIGGER IF EXISTS articles_fts_update;
DROP TABLE IF EXISTS articles_fts;

-- Following by id needs ids that are never given twice. Without
-- AUTOINCREMENT, SQLite gives the highest id again once its row is deleted
-- (a removed feed's newest articles); the insert now takes an id above
-- both the highest stored and the highest ever deleted.
CREATE TABLE article_id_floor (top INTEGER NOT NULL);
INSERT INTO article_id_floor (top) SELECT COALESCE(MAX(id), 0) FROM articles;
CREATE TRIGGER articles_id_floor AFTER DELETE ON articles BEGIN
    UPDATE article_id_floor SET top = old.id WHERE top < old.id;
END;
