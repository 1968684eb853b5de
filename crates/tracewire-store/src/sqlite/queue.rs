//! The work queue on SQLite (migration 0008): claims on feeds and page
//! jobs, and hosts' shared schedules. SQLite lets one connection write at a
//! time, so a claim is one UPDATE; a read-then-write (a host's turn) runs in
//! a `BEGIN IMMEDIATE` transaction, which takes the write lock first. Several
//! processes on one file (a `tracewire crawl` beside `tracewire serve`) share
//! the queue and the schedules as workers on PostgreSQL do.

use chrono::{DateTime, Utc};
use tracewire_model::Feed;

use super::{FeedRow, SqliteStore, WRITE, to_secs};
use crate::rows::{JobRow, duration_ms, job_from_row, lease_secs, millis};
use crate::{Claim, HostRules, HostTurn, MAX_PAGE_ATTEMPTS, NewPageJob, PageJob, PageJobEnd, QueueStats, Result};

/// The database's clock, for host schedules: the process's own (one file,
/// one machine).
fn clock_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl SqliteStore {
    pub(super) async fn queue_claim_feeds(&self, claim: &Claim<'_>) -> Result<Vec<Feed>> {
        let now = to_secs(claim.now);
        let rows: Vec<FeedRow> = sqlx::query_as(concat!(
            "UPDATE feeds SET claimed_by = ?1, lease_until = ?2 WHERE id IN (",
            "SELECT id FROM feeds WHERE status != 'stopped' AND next_fetch_at <= ?3 ",
            "AND (lease_until IS NULL OR lease_until <= ?3) ORDER BY next_fetch_at, id LIMIT ?4) RETURNING ",
            feed_columns!()
        ))
        .bind(claim.worker)
        .bind(now + lease_secs(claim.lease))
        .bind(now)
        .bind(claim.limit)
        .fetch_all(&self.pool)
        .await?;
        let mut feeds: Vec<Feed> = rows.into_iter().map(Feed::from).collect();
        // RETURNING follows no ORDER BY.
        feeds.sort_by_key(|f| (f.next_fetch_at, f.id));
        Ok(feeds)
    }

    pub(super) async fn queue_enqueue_pages(&self, jobs: &[NewPageJob], now: DateTime<Utc>) -> Result<usize> {
        let now = to_secs(now);
        let mut tx = self.pool.begin_with(WRITE).await?;
        let mut added = 0;
        for job in jobs {
            added += sqlx::query(
                "INSERT INTO page_jobs (feed_id, guid, host, payload, run_after, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (feed_id, guid) DO NOTHING",
            )
            .bind(job.feed_id)
            .bind(&job.guid)
            .bind(&job.host)
            .bind(&job.payload)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(added)
    }

    pub(super) async fn queue_claim_pages(&self, claim: &Claim<'_>, host_concurrency: i64) -> Result<Vec<PageJob>> {
        let now = to_secs(claim.now);
        let now_ms = clock_ms();
        let mut tx = self.pool.begin_with(WRITE).await?;
        // Jobs whose last claim was their last attempt, and whose worker
        // never came back, fail for good.
        sqlx::query(
            "UPDATE page_jobs SET state = 'failed', claimed_by = NULL, lease_until = NULL, \
             last_error = COALESCE(last_error || '; ', '') || 'gave up: claimed ' || attempts || \
             ' times, and the worker stopped or failed each time' \
             WHERE state = 'queued' AND attempts >= ?1 AND lease_until <= ?2",
        )
        .bind(MAX_PAGE_ATTEMPTS)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rows: Vec<JobRow> = sqlx::query_as(
            "UPDATE page_jobs SET claimed_by = ?1, lease_until = ?2, attempts = attempts + 1 WHERE id IN ( \
             SELECT j.id FROM page_jobs j WHERE j.state = 'queued' AND j.attempts < ?3 \
             AND j.run_after <= ?4 AND (j.lease_until IS NULL OR j.lease_until <= ?4) \
             AND (j.host IS NULL OR ( \
               NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = j.host \
                           AND (h.next_start_ms > ?5 OR h.held_until_ms > ?5)) \
               AND (SELECT COUNT(*) FROM host_slots s WHERE s.host = j.host AND s.lease_until_ms > ?5) < ?6)) \
             ORDER BY j.id LIMIT ?7) \
             RETURNING id, feed_id, guid, payload, attempts",
        )
        .bind(claim.worker)
        .bind(now + lease_secs(claim.lease))
        .bind(MAX_PAGE_ATTEMPTS)
        .bind(now)
        .bind(now_ms)
        .bind(host_concurrency)
        .bind(claim.limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut jobs: Vec<PageJob> = rows.into_iter().map(job_from_row).collect();
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    pub(super) async fn queue_ready_pages(&self, now: DateTime<Utc>) -> Result<i64> {
        let now = to_secs(now);
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM page_jobs j WHERE state = 'queued' AND attempts < ?1 \
             AND run_after <= ?2 AND (lease_until IS NULL OR lease_until <= ?2) \
             AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = j.host AND h.held_until_ms > ?3)",
        )
        .bind(MAX_PAGE_ATTEMPTS)
        .bind(now)
        .bind(clock_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    pub(super) async fn queue_due_now(&self, now: DateTime<Utc>) -> Result<()> {
        let now = to_secs(now);
        let mut tx = self.pool.begin_with(WRITE).await?;
        sqlx::query("UPDATE feeds SET next_fetch_at = ?1 WHERE status != 'stopped' AND next_fetch_at > ?1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE page_jobs SET run_after = ?1 WHERE state = 'queued' AND run_after > ?1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn queue_end_page(&self, job: i64, end: PageJobEnd) -> Result<()> {
        // The job's id is bound last, after each end's own values: `?N` is
        // the N-th value bound.
        let query = match &end {
            PageJobEnd::Done => sqlx::query("DELETE FROM page_jobs WHERE id = ?1"),
            PageJobEnd::Retry { at, error } => sqlx::query(
                "UPDATE page_jobs SET claimed_by = NULL, lease_until = NULL, run_after = ?1, last_error = ?2, \
                 state = CASE WHEN attempts >= ?3 THEN 'failed' ELSE 'queued' END WHERE id = ?4",
            )
            .bind(to_secs(*at))
            .bind(error)
            .bind(MAX_PAGE_ATTEMPTS),
            PageJobEnd::Deferred { until } => sqlx::query(
                "UPDATE page_jobs SET claimed_by = NULL, lease_until = NULL, run_after = ?1, \
                 attempts = MAX(attempts - 1, 0) WHERE id = ?2",
            )
            .bind(to_secs(*until)),
            PageJobEnd::Failed { error } => sqlx::query(
                "UPDATE page_jobs SET state = 'failed', claimed_by = NULL, lease_until = NULL, last_error = ?1 \
                 WHERE id = ?2",
            )
            .bind(error),
        };
        query.bind(job).execute(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn queue_page_jobs(
        &self,
        failed_only: bool,
        limit: i64,
    ) -> Result<Vec<(PageJob, Option<String>)>> {
        let rows: Vec<(i64, i64, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, feed_id, guid, payload, attempts, last_error FROM page_jobs \
             WHERE state = 'failed' OR NOT ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(failed_only)
        .bind(limit)
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
        let mut tx = self.pool.begin_with(WRITE).await?;
        sqlx::query("UPDATE feeds SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = ?1")
            .bind(worker)
            .execute(&mut *tx)
            .await?;
        // Given back unfinished: the claim was no attempt.
        sqlx::query(
            "UPDATE page_jobs SET claimed_by = NULL, lease_until = NULL, attempts = MAX(attempts - 1, 0) \
             WHERE claimed_by = ?1 AND state = 'queued'",
        )
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM host_slots WHERE holder = ?1")
            .bind(worker)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn queue_host_turn(&self, host: &str, worker: &str, rules: HostRules) -> Result<HostTurn> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        // Read with the write lock held: read while waiting for another
        // turn, the clock would be behind, and this turn's start could come
        // less than an interval after that turn's.
        let now = clock_ms();
        sqlx::query("INSERT INTO hosts (host) VALUES (?1) ON CONFLICT (host) DO NOTHING")
            .bind(host)
            .execute(&mut *tx)
            .await?;
        let (next_start, held_until, min_interval): (i64, i64, i64) =
            sqlx::query_as("SELECT next_start_ms, held_until_ms, min_interval_ms FROM hosts WHERE host = ?1")
                .bind(host)
                .fetch_one(&mut *tx)
                .await?;
        let start = now.max(next_start).max(held_until);
        if start - now > millis(rules.max_wait) {
            tx.commit().await?;
            return Ok(HostTurn::Later {
                wait: duration_ms(start - now),
            });
        }
        sqlx::query("DELETE FROM host_slots WHERE host = ?1 AND lease_until_ms <= ?2")
            .bind(host)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let (held,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM host_slots WHERE host = ?1")
            .bind(host)
            .fetch_one(&mut *tx)
            .await?;
        if held >= rules.concurrency.max(1) {
            tx.commit().await?;
            return Ok(HostTurn::Full);
        }
        let interval = millis(rules.interval).max(min_interval);
        sqlx::query("UPDATE hosts SET next_start_ms = ?2 WHERE host = ?1")
            .bind(host)
            .bind(start + interval)
            .execute(&mut *tx)
            .await?;
        let (slot,): (i64,) =
            sqlx::query_as("INSERT INTO host_slots (host, holder, lease_until_ms) VALUES (?1, ?2, ?3) RETURNING id")
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
        sqlx::query("DELETE FROM host_slots WHERE id = ?1")
            .bind(slot)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn queue_hold_host(&self, host: &str, wait: std::time::Duration) -> Result<()> {
        sqlx::query(
            "INSERT INTO hosts (host, held_until_ms) VALUES (?1, ?2) \
             ON CONFLICT (host) DO UPDATE SET held_until_ms = MAX(held_until_ms, excluded.held_until_ms)",
        )
        .bind(host)
        .bind(clock_ms() + millis(wait))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn queue_slow_host(&self, host: &str, interval: std::time::Duration) -> Result<()> {
        sqlx::query(
            "INSERT INTO hosts (host, min_interval_ms) VALUES (?1, ?2) \
             ON CONFLICT (host) DO UPDATE SET min_interval_ms = MAX(min_interval_ms, excluded.min_interval_ms)",
        )
        .bind(host)
        .bind(millis(interval))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn queue_counts(&self, now: DateTime<Utc>) -> Result<QueueStats> {
        let now = to_secs(now);
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM feeds WHERE status != 'stopped' AND next_fetch_at <= ?1 \
              AND (lease_until IS NULL OR lease_until <= ?1)), \
             (SELECT COUNT(*) FROM feeds WHERE lease_until > ?1), \
             (SELECT COUNT(*) FROM page_jobs WHERE state = 'queued' AND (lease_until IS NULL OR lease_until <= ?1)), \
             (SELECT COUNT(*) FROM page_jobs WHERE state = 'queued' AND lease_until > ?1), \
             (SELECT COUNT(*) FROM page_jobs WHERE state = 'failed'), \
             (SELECT COUNT(*) FROM host_slots WHERE lease_until_ms > ?2)",
        )
        .bind(now)
        .bind(clock_ms())
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
