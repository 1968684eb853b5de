-- The work queue (SQLite's migration 0008, issue 6): feed fetches and page
-- fetches are jobs a worker claims for a lease; a worker that dies loses
-- nothing, its claims run out and the jobs return. Hosts' schedules live here
-- too, so that every process crawling this database shares one politeness
-- schedule per host.
--
-- Here many processes claim at once. A claim locks the rows it takes and
-- passes over rows another claim has locked (`FOR NO KEY UPDATE SKIP LOCKED`,
-- src/postgres/queue.rs): no job is taken twice and no claim waits for
-- another. (`unrelated_articles.since`, which SQLite's 0008 adds as well, is
-- in 0001 here.)

-- A feed is its own fetch job: `claimed_by` holds it until `lease_until`
-- (Unix seconds, the claimer's clock, as every time in 0001), or until its
-- fetch is recorded. Claims find due feeds through `feeds_next_fetch_at`
-- (0001). No index on `claimed_by`: it changes with every claim, and an
-- indexed column would keep those updates from staying on their page (HOT);
-- only a stopping worker looks feeds up by it.
ALTER TABLE feeds
    ADD COLUMN claimed_by  TEXT,
    ADD COLUMN lease_until BIGINT;

-- One job per feed entry not stored yet: fetch its page, build and store the
-- article. `payload` is the crawler's entry (JSON); `host` the host of its
-- page, so a claim can pass over hosts that are busy. `attempts` counts
-- claims; a job claimed too often fails for good (`state` 'failed', kept with
-- its reason so the entry is not queued again until the feed is resumed). A
-- job goes when its article is stored. The unique key makes queueing an entry
-- twice (two workers reading one feed) a no-op, and serves lookups by feed.
CREATE TABLE page_jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id     BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid        TEXT   NOT NULL,
    host        TEXT,
    payload     TEXT   NOT NULL,
    state       TEXT   NOT NULL DEFAULT 'queued',
    attempts    BIGINT NOT NULL DEFAULT 0,
    run_after   BIGINT NOT NULL,
    claimed_by  TEXT,
    lease_until BIGINT,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    UNIQUE (feed_id, guid)
);

-- A claim takes the oldest queued jobs (`ORDER BY id LIMIT n`): it walks
-- this index in order and stops after n, past only the few jobs held or
-- waiting for a retry, never the failed ones that pile up until their feeds
-- are resumed.
CREATE INDEX page_jobs_queued ON page_jobs (id) WHERE state = 'queued';

-- Before it claims, a claim fails the jobs whose last attempt's lease ran
-- out: without this index that was a scan of the whole queue per claim. Few
-- jobs hold a lease (one that ends, or is given back, is cleared), so it
-- stays small; it also counts the live claims for `queue_stats`.
CREATE INDEX page_jobs_leased ON page_jobs (lease_until) WHERE state = 'queued' AND lease_until IS NOT NULL;

-- Each host's schedule, in milliseconds on the database server's clock (the
-- one clock every worker shares, whatever their own say): when the next
-- request may start, until when it asked us to wait (Retry-After), and its
-- least gap between requests (robots.txt Crawl-delay). A turn locks its
-- host's row, so turns at one host take place one at a time.
CREATE TABLE hosts (
    host            TEXT   PRIMARY KEY,
    next_start_ms   BIGINT NOT NULL DEFAULT 0,
    held_until_ms   BIGINT NOT NULL DEFAULT 0,
    min_interval_ms BIGINT NOT NULL DEFAULT 0
);

-- Requests in flight per host: a slot per request, held by a worker until it
-- gives it back or its lease runs out. Slots are only added under the host's
-- row lock, so a turn's count of them cannot be overtaken.
CREATE TABLE host_slots (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host           TEXT   NOT NULL,
    holder         TEXT   NOT NULL,
    lease_until_ms BIGINT NOT NULL
);

CREATE INDEX host_slots_host ON host_slots (host);
