//! The work queue on PostgreSQL (migration 0002): claims on feeds and page
//! jobs, and hosts' shared schedules, for any number of worker processes at
//! once. Answers are the SQLite backend's (`src/sqlite/queue.rs`).
//!
//! A claim is one statement: `UPDATE ... WHERE id IN (SELECT id ... ORDER BY
//! ... LIMIT n FOR NO KEY UPDATE SKIP LOCKED)`. The inner select locks the
//! rows it picks and passes over those another claim is taking, so no job
//! is taken twice and no claim waits; a row another claim took and committed
//! since the statement began is checked again against the conditions, and
//! dropped. `NO KEY` because inserts that reference a feed (its articles,
//! its page jobs) take a key-share lock on it: a plain `FOR UPDATE` would
//! skip a feed while one of its entries is being stored.
//!
//! A host's turn reads before it writes: its transaction locks the host's
//! row first (`FOR UPDATE`), so turns at one host take place one at a time,
//! and reads the database's clock only once it holds the lock. Schedules are
//! on that clock (milliseconds), shared by every worker whatever their own
//! clocks say; claims' leases are on the caller's (seconds), as in SQLite.
//!
//! Statements that write several rows lock them in id order first, so that
//! two of them cannot deadlock (as everywhere in this backend).

use chrono::{DateTime, Utc};
use tracewire_model::Feed;

use super::{PgStore, limit};
use crate::rows::{FeedRow, JobRow, duration_ms, job_from_row, lease_secs, millis, to_secs};
use crate::{Claim, HostRules, HostTurn, MAX_PAGE_ATTEMPTS, NewPageJob, PageJob, PageJobEnd, QueueStats, Result};

/// The database server's clock, in Unix milliseconds. Volatile: each use in
/// a statement reads the clock again, so a statement that compares with it
/// more than once reads it once, in a CTE.
macro_rules! clock_ms {
    () => {
        "(extract(epoch from clock_timestamp()) * 1000)::bigint"
    };
}

impl PgStore {
    pub(super) async fn queue_claim_feeds(&self, claim: &Claim<'_>) -> Result<Vec<Feed>> {
        let now = to_secs(claim.now);
        let rows: Vec<FeedRow> = sqlx::query_as(concat!(
            "UPDATE feeds SET claimed_by = $1, lease_until = $2 WHERE id IN (",
            "SELECT id FROM feeds WHERE status <> 'stopped' AND next_fetch_at <= $3 ",
            "AND (lease_until IS NULL OR lease_until <= $3) ORDER BY next_fetch_at, id LIMIT $4 ",
            "FOR NO KEY UPDATE SKIP LOCKED) RETURNING ",
            feed_columns!()
        ))
        .bind(claim.worker)
        .bind(now + lease_secs(claim.lease))
        .bind(now)
        .bind(limit(claim.limit))
        .fetch_all(&self.pool)
        .await?;
        let mut feeds: Vec<Feed> = rows.into_iter().map(Feed::from).collect();
        // RETURNING follows no ORDER BY.
        feeds.sort_by_key(|f| (f.next_fetch_at, f.id));
        Ok(feeds)
    }

    pub(super) async fn queue_enqueue_pages(&self, jobs: &[NewPageJob], now: DateTime<Utc>) -> Result<usize> {
        // Inserted in (feed, GUID) order: two workers queueing overlapping
        // entries wait for each other's rows in the same order, and cannot
        // deadlock. The sort is stable, so of two jobs with one key the
        // first given is the one kept, as in SQLite.
        let mut order: Vec<&NewPageJob> = jobs.iter().collect();
        order.sort_by(|a, b| (a.feed_id, &a.guid).cmp(&(b.feed_id, &b.guid)));
        if order.is_empty() {
            return Ok(0);
        }
        let feed_ids: Vec<i64> = order.iter().map(|j| j.feed_id).collect();
        let guids: Vec<&str> = order.iter().map(|j| j.guid.as_str()).collect();
        let hosts: Vec<Option<&str>> = order.iter().map(|j| j.host.as_deref()).collect();
        let payloads: Vec<&str> = order.iter().map(|j| j.payload.as_str()).collect();
        let added = sqlx::query(
            "INSERT INTO page_jobs (feed_id, guid, host, payload, run_after, created_at) \
             SELECT j.feed_id, j.guid, j.host, j.payload, $5, $5 \
             FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[]) WITH ORDINALITY \
               AS j (feed_id, guid, host, payload, n) \
             ORDER BY j.n ON CONFLICT (feed_id, guid) DO NOTHING",
        )
        .bind(feed_ids)
        .bind(guids)
        .bind(hosts)
        .bind(payloads)
        .bind(to_secs(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(usize::try_from(added).unwrap_or(usize::MAX))
    }

    pub(super) async fn queue_claim_pages(&self, claim: &Claim<'_>, host_concurrency: i64) -> Result<Vec<PageJob>> {
        let now = to_secs(claim.now);
        let mut tx = self.pool.begin().await?;
        // Jobs whose last claim was their last attempt, and whose worker
        // never came back, fail for good. (One another claim is failing
        // right now is passed over: it fails all the same.)
        sqlx::query(
            "UPDATE page_jobs SET state = 'failed', claimed_by = NULL, lease_until = NULL, \
             last_error = COALESCE(last_error || '; ', '') || 'gave up: claimed ' || attempts || \
             ' times, and the worker stopped or failed each time' \
             WHERE id IN (SELECT id FROM page_jobs WHERE state = 'queued' AND attempts >= $1 \
             AND lease_until <= $2 ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)",
        )
        .bind(MAX_PAGE_ATTEMPTS)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // A host is busy when its next start has not come, it asked us to
        // wait, or its live slots are all taken: the busy hosts are found
        // once per claim (a hashed NOT IN), not once per job looked at, so
        // a claim walks past a busy host's many jobs cheaply. They are a
        // hint, read without locks; `host_turn` is what keeps the schedule.
        let rows: Vec<JobRow> = sqlx::query_as(concat!(
            "UPDATE page_jobs SET claimed_by = $1, lease_until = $2, attempts = attempts + 1 WHERE id IN ( \
             SELECT j.id FROM page_jobs j WHERE j.state = 'queued' AND j.attempts < $3 \
             AND j.run_after <= $4 AND (j.lease_until IS NULL OR j.lease_until <= $4) \
             AND (j.host IS NULL OR j.host NOT IN ( \
               WITH clock AS (SELECT ",
            clock_ms!(),
            " AS ms) \
               SELECT h.host FROM hosts h, clock WHERE h.next_start_ms > clock.ms OR h.held_until_ms > clock.ms \
               UNION ALL \
               SELECT s.host FROM host_slots s, clock WHERE s.lease_until_ms > clock.ms \
               GROUP BY s.host HAVING COUNT(*) >= $5)) \
             ORDER BY j.id LIMIT $6 FOR NO KEY UPDATE OF j SKIP LOCKED) \
             RETURNING ",
            page_job_columns!()
        ))
        .bind(claim.worker)
        .bind(now + lease_secs(claim.lease))
        .bind(MAX_PAGE_ATTEMPTS)
        .bind(now)
        .bind(host_concurrency)
        .bind(limit(claim.limit))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut jobs: Vec<PageJob> = rows.into_iter().map(job_from_row).collect();
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    pub(super) async fn queue_ready_pages(&self, now: DateTime<Utc>) -> Result<i64> {
        let now = to_secs(now);
        let (n,): (i64,) = sqlx::query_as(concat!(
            "SELECT COUNT(*) FROM page_jobs j WHERE state = 'queued' AND attempts < $1 \
             AND run_after <= $2 AND (lease_until IS NULL OR lease_until <= $2) \
             AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = j.host AND h.held_until_ms > ",
            clock_ms!(),
            ")"
        ))
        .bind(MAX_PAGE_ATTEMPTS)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    pub(super) async fn queue_due_now(&self, now: DateTime<Utc>) -> Result<()> {
        let now = to_secs(now);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE feeds SET next_fetch_at = $1 WHERE id IN (SELECT id FROM feeds \
             WHERE status <> 'stopped' AND next_fetch_at > $1 ORDER BY id FOR NO KEY UPDATE)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE page_jobs SET run_after = $1 WHERE id IN (SELECT id FROM page_jobs \
             WHERE state = 'queued' AND run_after > $1 ORDER BY id FOR NO KEY UPDATE)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn queue_end_page(&self, job: i64, end: PageJobEnd) -> Result<()> {
        // One statement on the job's row: `attempts` is read as it is when
        // the row lock is granted.
        let query = match &end {
            PageJobEnd::Done => sqlx::query("DELETE FROM page_jobs WHERE id = $1").bind(job),
            PageJobEnd::Retry { at, error } => sqlx::query(
                "UPDATE page_jobs SET claimed_by = NULL, lease_until = NULL, run_after = $2, last_error = $3, \
                 state = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'queued' END WHERE id = $1",
            )
            .bind(job)
            .bind(to_secs(*at))
            .bind(error)
            .bind(MAX_PAGE_ATTEMPTS),
            PageJobEnd::Deferred { until } => sqlx::query(
                "UPDATE page_jobs SET claimed_by = NULL, lease_until = NULL, run_after = $2, \
                 attempts = GREATEST(attempts - 1, 0) WHERE id = $1",
            )
            .bind(job)
            .bind(to_secs(*until)),
            PageJobEnd::Failed { error } => sqlx::query(
                "UPDATE page_jobs SET state = 'failed', claimed_by = NULL, lease_until = NULL, last_error = $2 \
                 WHERE id = $1",
            )
            .bind(job)
            .bind(error),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn queue_page_jobs(&self, failed_only: bool, n: i64) -> Result<Vec<(PageJob, Option<String>)>> {
        let rows: Vec<(i64, i64, String, String, i64, Option<String>)> = sqlx::query_as(concat!(
            "SELECT ",
            page_job_columns!(),
            ", last_error FROM page_jobs WHERE state = 'failed' OR NOT $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(failed_only)
        .bind(limit(n))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, feed_id, guid, payload, attempts, error)| {
                (job_from_row((id, feed_id, guid, payload, attempts)), error)
            })
            .collect())
    }

    pub(super) async fn queue_release_claims(&self, worker: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE feeds SET claimed_by = NULL, lease_until = NULL WHERE id IN (SELECT id FROM feeds \
             WHERE claimed_by = $1 ORDER BY id FOR NO KEY UPDATE)",
        )
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        // Given back unfinished: the claim was no attempt.
        sqlx::query(
            "UPDATE page_jobs SET claimed_by = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0) \
             WHERE id IN (SELECT id FROM page_jobs WHERE claimed_by = $1 AND state = 'queued' \
             ORDER BY id FOR NO KEY UPDATE)",
        )
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM host_slots WHERE holder = $1")
            .bind(worker)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn queue_host_turn(&self, host: &str, worker: &str, rules: HostRules) -> Result<HostTurn> {
        let mut tx = self.pool.begin().await?;
        // A host seen for the first time by two workers at once: the second
        // insert waits for the first and does nothing; both then lock the row.
        sqlx::query("INSERT INTO hosts (host) VALUES ($1) ON CONFLICT (host) DO NOTHING")
            .bind(host)
            .execute(&mut *tx)
            .await?;
        // Turns at this host take place one at a time from here to the
        // commit: slots are only added, and the next start only moved, by a
        // turn holding this lock.
        let (next_start, held_until, min_interval): (i64, i64, i64) = sqlx::query_as(
            "SELECT next_start_ms, held_until_ms, min_interval_ms FROM hosts WHERE host = $1 FOR UPDATE",
        )
        .bind(host)
        .fetch_one(&mut *tx)
        .await?;
        // The clock is read once the lock is held, in a statement of its
        // own: read while waiting for the turn before, it would be behind,
        // and this turn's start could come less than an interval after
        // that turn's.
        let (now,): (i64,) = sqlx::query_as(concat!("SELECT ", clock_ms!()))
            .fetch_one(&mut *tx)
            .await?;
        let start = now.max(next_start).max(held_until);
        if start - now > millis(rules.max_wait) {
            tx.commit().await?;
            return Ok(HostTurn::Later {
                wait: duration_ms(start - now),
            });
        }
        sqlx::query("DELETE FROM host_slots WHERE host = $1 AND lease_until_ms <= $2")
            .bind(host)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let (held,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM host_slots WHERE host = $1")
            .bind(host)
            .fetch_one(&mut *tx)
            .await?;
        if held >= rules.concurrency.max(1) {
            tx.commit().await?;
            return Ok(HostTurn::Full);
        }
        let interval = millis(rules.interval).max(min_interval);
        sqlx::query("UPDATE hosts SET next_start_ms = $2 WHERE host = $1")
            .bind(host)
            .bind(start + interval)
            .execute(&mut *tx)
            .await?;
        let (slot,): (i64,) =
            sqlx::query_as("INSERT INTO host_slots (host, holder, lease_until_ms) VALUES ($1, $2, $3) RETURNING id")
                .bind(host)
                .bind(worker)
                .bind(start + millis(rules.lease))
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(HostTurn::Go {
            slot,
            wait: duration_ms(start - now),
        })
    }

    pub(super) async fn queue_host_done(&self, slot: i64) -> Result<()> {
        sqlx::query("DELETE FROM host_slots WHERE id = $1")
            .bind(slot)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn queue_hold_host(&self, host: &str, wait: std::time::Duration) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO hosts (host, held_until_ms) VALUES ($1, ",
            clock_ms!(),
            " + $2) ON CONFLICT (host) DO UPDATE \
             SET held_until_ms = GREATEST(hosts.held_until_ms, EXCLUDED.held_until_ms)"
        ))
        .bind(host)
        .bind(millis(wait))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn queue_slow_host(&self, host: &str, interval: std::time::Duration) -> Result<()> {
        sqlx::query(
            "INSERT INTO hosts (host, min_interval_ms) VALUES ($1, $2) ON CONFLICT (host) DO UPDATE \
             SET min_interval_ms = GREATEST(hosts.min_interval_ms, EXCLUDED.min_interval_ms)",
        )
        .bind(host)
        .bind(millis(interval))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn queue_counts(&self, now: DateTime<Utc>) -> Result<QueueStats> {
        let now = to_secs(now);
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(concat!(
            "SELECT \
             (SELECT COUNT(*) FROM feeds WHERE status <> 'stopped' AND next_fetch_at <= $1 \
              AND (lease_until IS NULL OR lease_until <= $1)), \
             (SELECT COUNT(*) FROM feeds WHERE lease_until > $1), \
             (SELECT COUNT(*) FROM page_jobs WHERE state = 'queued' AND (lease_until IS NULL OR lease_until <= $1)), \
             (SELECT COUNT(*) FROM page_jobs WHERE state = 'queued' AND lease_until > $1), \
             (SELECT COUNT(*) FROM page_jobs WHERE state = 'failed'), \
             (SELECT COUNT(*) FROM host_slots WHERE lease_until_ms > (SELECT ",
            clock_ms!(),
            "))"
        ))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueStats {
            feeds_due: row.0,
            feeds_claimed: row.1,
            pages_queued: row.2,
            pages_claimed: row.3,
            pages_failed: row.4,
            host_slots: row.5,
        })
    }
}
