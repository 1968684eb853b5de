-- The PostgreSQL schema: what the SQLite migrations 0001-0007 build, as one
-- migration (no PostgreSQL deployment predates it). Same tables, columns and
-- meaning, so that both backends give the same answers to the same calls
-- (tests/conformance.rs runs one story against each).
--
-- Times are Unix seconds (UTC) in BIGINTs, as in SQLite, so that ordering and
-- comparisons are plain integer operations and both backends round them
-- alike. Every integer is a BIGINT: the Rust side reads i64s, and the keys
-- are 64-bit values (fingerprint keys have the top bit clear; paragraph and
-- run keys use all 64 bits, stored as the same bits, so they may be negative).
--
-- Text that listings sort by (a site, a relation's kind, a cited source) is
-- COLLATE "C": bytewise, as SQLite compares text, whatever the database's
-- default collation is.

-- Feeds, their polling state, and the articles read from them.
-- status: 'new', 'ok', 'error', or 'stopped' (the server said 410 Gone).
-- failure_weight: failures counted fractionally since the last success (a
--   timeout weighs less than a 404); drives the backoff.
-- content_hash: SHA-256 of the last feed body read in full, so an unchanged
--   body is not parsed again even when the server ignores validators.
-- last_result: how the last fetch ended (updated, unchanged, not_modified,
--   failed, deferred); a 304 is trusted once, so the fetch after one is
--   unconditional and a server whose ETag lies is caught one interval late.
CREATE TABLE feeds (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url            TEXT   NOT NULL UNIQUE,
    title          TEXT,
    site_url       TEXT,
    status         TEXT   NOT NULL DEFAULT 'new',
    last_error     TEXT,
    last_fetched   BIGINT,
    next_fetch_at  BIGINT NOT NULL,
    error_count    BIGINT NOT NULL DEFAULT 0,
    interval_secs  BIGINT NOT NULL,
    etag           TEXT,
    last_modified  TEXT,
    created_at     BIGINT NOT NULL,
    failure_weight DOUBLE PRECISION NOT NULL DEFAULT 0,
    content_hash   TEXT,
    last_result    TEXT
);

CREATE INDEX feeds_next_fetch_at ON feeds (next_fetch_at);

-- site: the URL's host without "www.", with its port (the crawler's
-- `site_of`). SQLite added it later with a default for the rows it found;
-- here every article is stored with one.
CREATE TABLE articles (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id       BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid          TEXT   NOT NULL,
    url           TEXT   NOT NULL,
    site          TEXT   COLLATE "C" NOT NULL,
    canonical_url TEXT,
    title         TEXT   NOT NULL,
    byline        TEXT,
    published     BIGINT,
    site_name     TEXT   COLLATE "C",
    language      TEXT,
    source_url    TEXT,
    attributions  TEXT   NOT NULL DEFAULT '[]',
    body_text     TEXT   NOT NULL,
    body_html     TEXT   NOT NULL,
    fetched_at    BIGINT NOT NULL,
    views         BIGINT NOT NULL DEFAULT 0,
    UNIQUE (feed_id, guid)
);

-- Listings sort by publication time, falling back to fetch time.
CREATE INDEX articles_sort ON articles ((COALESCE(published, fetched_at)) DESC, id DESC);
CREATE INDEX articles_site ON articles (site, published);

-- Articles stored whose provenance (citations, furniture, fingerprint, URL
-- keys, relations) is not complete: a row is written with the article, in
-- its transaction, and deleted when relating it has finished. A crash in
-- between (or a failure while relating) leaves the row, and the next crawl
-- relates the article before anything else.
-- since: when the article was stored. Another worker relates it only once
-- the worker that stored it has had time to (a lease), so that two workers
-- do not relate one article at once.
CREATE TABLE unrelated_articles (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    since      BIGINT NOT NULL
);

-- Provenance: each article's fingerprint keys (LSH band keys and
-- containment anchors, see tracewire_similar::fingerprint) and the
-- relations found between articles.
CREATE TABLE fingerprints (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    scheme     BIGINT NOT NULL
);

-- Candidate lookup reads one index range per key, whatever the corpus size.
CREATE TABLE fingerprint_keys (
    key        BIGINT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
);

CREATE INDEX fingerprint_keys_article ON fingerprint_keys (article_id);

-- Hot fingerprint keys: a key that 32 articles (tracewire_store::MAX_KEY_ROWS)
-- have come to share keeps one row, its earliest article's, and is listed
-- here so that later articles add none. A candidate lookup then reads at most
-- 31 rows per key whatever the store's size, and no count: a common phrase or
-- a widely copied story points to the first article that had it.
CREATE TABLE hot_keys (
    key BIGINT PRIMARY KEY
);

-- A hot key whose last article is gone (deleted, or fingerprinted anew) is
-- forgotten, so the next articles that have it are stored again. The row
-- trigger runs at the end of the deleting statement, so a statement that
-- deletes many rows of a key (a feed's articles going) sees them all gone.
-- Writers of fingerprint keys hold one advisory lock (src/postgres.rs), so
-- no other transaction adds a row of the key between this check and the
-- delete.
CREATE FUNCTION forget_hot_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM fingerprint_keys WHERE key = OLD.key) THEN
        DELETE FROM hot_keys WHERE key = OLD.key;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hot_key_forgotten AFTER DELETE ON fingerprint_keys
    FOR EACH ROW EXECUTE FUNCTION forget_hot_key();

CREATE TABLE relations (
    from_id  BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    to_id    BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind     TEXT   COLLATE "C" NOT NULL,
    score    DOUBLE PRECISION NOT NULL,
    evidence TEXT   NOT NULL,
    PRIMARY KEY (from_id, to_id, kind)
);

CREATE INDEX relations_to ON relations (to_id);

-- The URLs an article is known by and the ones it names as its source (for
-- `attributes` relations in either order of arrival). `names` false: a URL
-- the article is known by (its page, its canonical URL); true: a URL it
-- names as its source (SQLite stores 0 and 1). Keys are
-- `tracewire_provenance::url_key`.
CREATE TABLE url_keys (
    key        TEXT    NOT NULL,
    names      BOOLEAN NOT NULL,
    article_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (key, names, article_id)
);

CREATE INDEX url_keys_article ON url_keys (article_id);

-- How many of a site's articles each paragraph (by its key) appeared in:
-- each site's repeated paragraphs are its furniture.
CREATE TABLE site_paragraphs (
    site     TEXT   NOT NULL,
    key      BIGINT NOT NULL,
    articles BIGINT NOT NULL,
    PRIMARY KEY (site, key)
);

-- Furniture shared across sites (`tracewire_provenance::furniture`): each
-- run of paragraphs found at an article's edge, with the article and the
-- neighbour it was found beside (up to three distinct ones are kept), and
-- the paragraph keys of runs found beside three: furniture on every site.
CREATE TABLE furniture_edges (
    run        BIGINT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    context_a  BIGINT NOT NULL,
    context_b  BIGINT NOT NULL,
    PRIMARY KEY (run, article_id)
);

CREATE TABLE shared_furniture (
    key BIGINT PRIMARY KEY
);

-- The sources each article's text cites, in the order they appear.
CREATE TABLE citations (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    who        TEXT   COLLATE "C" NOT NULL,
    kind       TEXT   NOT NULL,
    phrase     TEXT   NOT NULL,
    PRIMARY KEY (article_id, position)
);

CREATE INDEX citations_who ON citations (who);

-- WebSub subscriptions: one per feed whose document names a hub, when the
-- instance has a public URL for the hub to call back.
-- state: 'requested' (sent, not yet verified by the hub), 'active'
-- (verified; lease_expires set), 'denied' (the hub refused; reason set).
CREATE TABLE websub (
    feed_id       BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    hub           TEXT   NOT NULL,
    topic         TEXT   NOT NULL,
    secret        TEXT   NOT NULL,
    state         TEXT   NOT NULL,
    requested_at  BIGINT NOT NULL,
    lease_expires BIGINT,
    last_push     BIGINT,
    reason        TEXT
);
