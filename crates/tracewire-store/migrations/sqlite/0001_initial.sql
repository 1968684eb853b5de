-- Feeds, their polling state, and the articles read from them.
-- Times are Unix seconds (UTC) so that ordering and comparisons are plain
-- integer operations in every backend.

CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL UNIQUE,
    title         TEXT,
    site_url      TEXT,
    status        TEXT    NOT NULL DEFAULT 'new',
    last_error    TEXT,
    last_fetched  INTEGER,
    next_fetch_at INTEGER NOT NULL,
    error_count   INTEGER NOT NULL DEFAULT 0,
    interval_secs INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    created_at    INTEGER NOT NULL
);

CREATE INDEX feeds_next_fetch_at ON feeds (next_fetch_at);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid          TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    canonical_url TEXT,
    title         TEXT    NOT NULL,
    byline        TEXT,
    published     INTEGER,
    site_name     TEXT,
    language      TEXT,
    source_url    TEXT,
    attributions  TEXT    NOT NULL DEFAULT '[]',
    body_text     TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    fetched_at    INTEGER NOT NULL,
    views         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, guid)
);

-- Listings sort by publication time, falling back to fetch time.
CREATE INDEX articles_sort ON articles (COALESCE(published, fetched_at) DESC, id DESC);
