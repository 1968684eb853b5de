-- The work queue (issue 6): feed fetches and page fetches are jobs a worker
-- claims for a lease; a worker that dies loses nothing, its claims run out
-- and the jobs return. Hosts' schedules live here too, so that every
-- process crawling this database shares one politeness schedule per host.

-- A feed is its own fetch job: `claimed_by` holds it until `lease_until`
-- (Unix seconds), or until its fetch is recorded.
ALTER TABLE feeds ADD COLUMN claimed_by TEXT;
ALTER TABLE feeds ADD COLUMN lease_until INTEGER;

-- One job per feed entry not stored yet: fetch its page, build and store
-- the article. `payload` is the crawler's entry (JSON); `host` the host of
-- its page, so a claim can pass over hosts that are busy. `attempts` counts
-- claims; a job claimed too often fails for good (`state` 'failed', kept
-- with its reason so the entry is not queued again until the feed is
-- resumed). A job goes when its article is stored.
CREATE TABLE page_jobs (
    id          INTEGER PRIMARY KEY,
    feed_id     INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid        TEXT    NOT NULL,
    host        TEXT,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'queued',
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_after   INTEGER NOT NULL,
    claimed_by  TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (feed_id, guid)
);

CREATE INDEX page_jobs_ready ON page_jobs (state, run_after, id);

-- Each host's schedule, in milliseconds on the database's clock: when the
-- next request may start, until when it asked us to wait (Retry-After), and
-- its least gap between requests (robots.txt Crawl-delay).
CREATE TABLE hosts (
    host            TEXT    PRIMARY KEY,
    next_start_ms   INTEGER NOT NULL DEFAULT 0,
    held_until_ms   INTEGER NOT NULL DEFAULT 0,
    min_interval_ms INTEGER NOT NULL DEFAULT 0
);

-- Requests in flight per host: a slot per request, held by a worker until
-- it gives it back or its lease runs out.
CREATE TABLE host_slots (
    id             INTEGER PRIMARY KEY,
    host           TEXT    NOT NULL,
    holder         TEXT    NOT NULL,
    lease_until_ms INTEGER NOT NULL
);

CREATE INDEX host_slots_host ON host_slots (host);

-- When an article was stored unrelated: another worker relates it only
-- once the worker that stored it has had time to (a lease), so two workers
-- do not relate one article at once. Rows from before are old enough.
ALTER TABLE unrelated_articles ADD COLUMN since INTEGER NOT NULL DEFAULT 0;
