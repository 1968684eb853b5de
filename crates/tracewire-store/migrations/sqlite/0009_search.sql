-- Full-text search (issue 6): the title and the first 100,000 characters
-- of each article's text (tracewire_store::search::INDEXED_TEXT_CHARS, the
-- bound PostgreSQL's index needs too), kept by triggers in the article's
-- own transaction, so the index never misses or outlives an article, even
-- after a crash. Contentless (the text lives in `articles`); words are cut
-- and lowercased as PostgreSQL's 'simple' configuration does, accents
-- kept, no stemming, so both backends find the same articles.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = "unicode61 remove_diacritics 0"
);

INSERT INTO articles_fts (rowid, title, body)
    SELECT id, title, substr(body_text, 1, 100000) FROM articles;

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, substr(new.body_text, 1, 100000));
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body_text ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, substr(new.body_text, 1, 100000));
END;
