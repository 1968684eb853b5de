-- Full-text search (issue 6): a GIN index over the title (weight A) and
-- the first 100,000 characters of the text (weight B;
-- tracewire_store::search::INDEXED_TEXT_CHARS: a tsvector over 1 MB is
-- refused, and would fail the article's insert). The 'simple'
-- configuration lowercases and does not stem or drop stop words, as the
-- embedded SQLite index does, so both backends find the same articles.
-- An expression index, not a column: nothing to keep in step, nothing to
-- export. The same expression is written in `postgres/search.rs`.
CREATE INDEX articles_search ON articles USING GIN (
    (setweight(to_tsvector('simple', title), 'A') ||
     setweight(to_tsvector('simple', left(body_text, 100000)), 'B'))
);
