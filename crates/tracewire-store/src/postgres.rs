//! The shared backend: PostgreSQL, for several worker processes writing one
//! database at once.
//!
//! Every method gives what the SQLite backend gives for the same calls
//! (`tests/conformance.rs` runs one story against both), and stays correct
//! when any number of processes call it at once: a write is one statement
//! (an upsert, `ON CONFLICT`, `... = ... + 1 RETURNING`) or, where it reads
//! before it writes, a transaction that first locks what it reads. Nothing
//! that another process would need is kept in this process's memory.
//!
//! Lists of values travel as one array parameter each (`= ANY($1)`,
//! `UNNEST`), so statements do not grow with the lists. Rows written by one
//! statement go in a sorted order, so that two transactions writing
//! overlapping rows take their row locks in the same order and cannot
//! deadlock.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use tracewire_model::{
    Annotations, Article, ArticleEntity, ArticleId, ArticleQuote, ArticleRelation, ArticleSummary, ArticleText,
    Citation, EntitySummary, Feed, FeedId, IndexedArticle, NewArticle, QuoteInArticle, SiteStats, Story, StoryId,
    WebSubSubscription,
};

use crate::rows::{
    ArticleRow, FeedRow, SummaryRow, WebSubRow, attributions_json, key_to_i64, paragraph_key_from_i64,
    paragraph_key_to_i64, relation_from_row, to_secs, websub_from_row,
};
use crate::{
    BAND_KEY_BIT, Candidate, Claim, EdgeNeighbour, FetchOutcome, FetchResult, HostRules, HostTurn, MAX_KEY_ROWS,
    NewFeed, NewPageJob, PageJob, PageJobEnd, QueueStats, Result, Store, StoreError, WebSubOutcome,
};

accounts_impl!(PgStore, sqlx::Postgres);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process. Several processes share the server's
/// `max_connections` (100 by default), so each keeps a few.
const MAX_CONNECTIONS: u32 = 8;

/// How long a call waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The advisory lock every writer of fingerprint keys holds for its
/// transaction (see [`lock_fingerprint_keys`]); an arbitrary constant
/// ("twfp"), one per database.
const FINGERPRINT_KEYS_LOCK: i64 = 0x7477_6670;

/// Fingerprint key rows written per statement in a bulk load, and keys
/// checked per statement for the hot-key rule: large enough that a load is
/// a few round trips, small enough that one statement's arrays stay a few
/// megabytes.
const BULK_ROWS: usize = 50_000;
const BULK_KEYS: usize = 10_000;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// A write transaction (the same for every statement on PostgreSQL;
    /// SQLite's takes its write lock first).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// Connects to the database at `url` (`postgres://user:password@host/db`)
    /// and migrates it. A failure to connect names the URL without its
    /// password.
    pub async fn connect(url: &str) -> Result<PgStore> {
        Ok(Self::connect_versioned(url).await?.0)
    }

    /// [`PgStore::connect`], with the schema version before and after.
    pub async fn connect_versioned(url: &str) -> Result<(PgStore, crate::SchemaVersion)> {
        let shown = redact(url);
        let options = PgConnectOptions::from_str(url).map_err(|source| StoreError::Open {
            path: shown.clone(),
            source,
        })?;
        Self::open(options, shown).await
    }

    /// [`PgStore::connect`] with options built by the caller, e.g. with a
    /// `search_path` so that the store lives in a schema of its own.
    pub async fn connect_with(options: PgConnectOptions) -> Result<PgStore> {
        let shown = describe(&options);
        Ok(Self::open(options, shown).await?.0)
    }

    async fn open(options: PgConnectOptions, shown: String) -> Result<(PgStore, crate::SchemaVersion)> {
        // One connection first, alone: a server that refuses us is reported
        // at once with its reason, where a pool would retry until its
        // timeout and then report only that it timed out.
        let probe = PgConnection::connect_with(&options)
            .await
            .map_err(|source| StoreError::Open { path: shown, source })?;
        probe.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        // The migrator takes an advisory lock, so processes starting
        // together migrate one after the other. (Run on the pool: on a
        // `&mut PgConnection` the future is not `Send` for every lifetime,
        // and could not be spawned.)
        let version = crate::migrate_checked(&pool, &MIGRATOR).await?;
        Ok((PgStore { pool }, version))
    }
}

/// `url` with its password (in the user info, or a `password` parameter)
/// replaced by `***`, for messages and logs. Whatever follows the last `@`
/// is taken for the host, so that a password with an unescaped `@` or `/`
/// is masked whole.
pub(crate) fn redact(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let (user_info, host_on) = match rest.rfind('@') {
        Some(at) => rest.split_at(at),
        None => ("", rest),
    };
    let user_info = match user_info.split_once(':') {
        Some((user, _password)) => format!("{user}:***"),
        None => user_info.to_string(),
    };
    let host_on = match host_on.split_once('?') {
        Some((before, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                    _ => param.to_string(),
                })
                .collect();
            format!("{before}?{}", params.join("&"))
        }
        None => host_on.to_string(),
    };
    format!("{scheme}{user_info}{host_on}")
}

/// Where `options` point, as a URL without the password.
fn describe(options: &PgConnectOptions) -> String {
    let mut shown = format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    );
    if let Some(startup) = options.get_options() {
        shown.push_str("?options=");
        shown.push_str(startup);
    }
    shown
}

/// SQLite reads a negative LIMIT as no limit; PostgreSQL refuses one, and
/// reads `LIMIT NULL` as no limit.
fn limit(n: i64) -> Option<i64> {
    (n >= 0).then_some(n)
}

/// SQLite reads a negative OFFSET as none; PostgreSQL refuses one.
fn offset(n: i64) -> i64 {
    n.max(0)
}

/// Serializes the writers of fingerprint keys, until their transaction
/// ends. The hot-key rule reads before it writes: it counts a key's rows to
/// mark it hot, keeps its earliest row, and forgets it when its last row
/// goes (the trigger in the migration). Interleaved, two writers could leave
/// a hot key with several rows, or forget a key another writer had just
/// stored an article under; and their trims, deleting rows of the same keys
/// in different orders, could deadlock. SQLite has one writer at a time
/// anyway; here only these writers wait for each other, and candidate
/// lookups read without waiting.
async fn lock_fingerprint_keys(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(FINGERPRINT_KEYS_LOCK)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks those of `touched` (sorted, distinct) that [`MAX_KEY_ROWS`]
/// articles now share as hot, and keeps only each such key's earliest row:
/// run after new rows go in, in their transaction, under
/// [`lock_fingerprint_keys`].
async fn trim_hot_keys(conn: &mut PgConnection, touched: &[i64]) -> Result<()> {
    for chunk in touched.chunks(BULK_KEYS) {
        sqlx::query(
            "INSERT INTO hot_keys (key) SELECT key FROM fingerprint_keys WHERE key = ANY($1) \
             GROUP BY key HAVING COUNT(*) >= $2 ORDER BY key ON CONFLICT (key) DO NOTHING",
        )
        .bind(chunk)
        .bind(MAX_KEY_ROWS as i64)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "DELETE FROM fingerprint_keys k WHERE k.key IN (SELECT h.key FROM hot_keys h WHERE h.key = ANY($1)) \
             AND k.article_id > (SELECT MIN(f.article_id) FROM fingerprint_keys f WHERE f.key = k.key)",
        )
        .bind(chunk)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

mod annotations;
pub(crate) mod dump;
mod queue;
mod search;
mod stories;

#[async_trait]
impl Store for PgStore {
    async fn add_feed(&self, feed: NewFeed) -> Result<Feed> {
        let now = to_secs(Utc::now());
        // A concurrent insert of the same URL makes this one wait for it,
        // then do nothing: one of them gets the feed, the other the error.
        let inserted: Option<FeedRow> = sqlx::query_as(concat!(
            "INSERT INTO feeds (url, title, site_url, status, next_fetch_at, interval_secs, created_at) \
             VALUES ($1, $2, $3, 'new', $4, $5, $4) ON CONFLICT (url) DO NOTHING RETURNING ",
            feed_columns!()
        ))
        .bind(&feed.url)
        .bind(&feed.title)
        .bind(&feed.site_url)
        .bind(now)
        .bind(feed.interval_secs)
        .fetch_optional(&self.pool)
        .await?;
        inserted.map(Feed::from).ok_or(StoreError::DuplicateFeed(feed.url))
    }

    async fn feed(&self, id: FeedId) -> Result<Option<Feed>> {
        let row: Option<FeedRow> = sqlx::query_as(concat!("SELECT ", feed_columns!(), " FROM feeds WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Feed::from))
    }

    async fn feed_by_url(&self, url: &str) -> Result<Option<Feed>> {
        let row: Option<FeedRow> = sqlx::query_as(concat!("SELECT ", feed_columns!(), " FROM feeds WHERE url = $1"))
            .bind(url)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Feed::from))
    }

    async fn feeds(&self) -> Result<Vec<Feed>> {
        let rows: Vec<FeedRow> = sqlx::query_as(concat!("SELECT ", feed_columns!(), " FROM feeds ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Feed::from).collect())
    }

    async fn remove_feed(&self, id: FeedId) -> Result<bool> {
        // The feed's articles take their fingerprint keys with them, and
        // the trigger forgets hot keys left without rows: a fingerprint
        // key write, under its lock.
        let mut tx = self.pool.begin().await?;
        lock_fingerprint_keys(&mut tx).await?;
        let done = sqlx::query("DELETE FROM feeds WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<Feed>> {
        let rows: Vec<FeedRow> = sqlx::query_as(concat!(
            "SELECT ",
            feed_columns!(),
            " FROM feeds WHERE next_fetch_at <= $1 AND status <> 'stopped' ORDER BY next_fetch_at, id"
        ))
        .bind(to_secs(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Feed::from).collect())
    }

    async fn record_fetch(&self, id: FeedId, outcome: FetchOutcome) -> Result<()> {
        let fetched = to_secs(outcome.fetched_at);
        let next = to_secs(outcome.next_fetch_at);
        // Each update is one statement on the feed's row: counters such as
        // `error_count + 1` are computed on the row as it is when the row
        // lock is granted, so concurrent records of one feed add up.
        let mut tx = self.pool.begin().await?;
        let query = match &outcome.result {
            FetchResult::Updated {
                title,
                site_url,
                etag,
                last_modified,
                content_hash,
            } => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, failure_weight = 0, \
                 last_result = 'updated', last_fetched = $1, next_fetch_at = $2, title = COALESCE($3, title), \
                 site_url = COALESCE($4, site_url), etag = $5, last_modified = $6, content_hash = $7 WHERE id = $8",
            )
            .bind(fetched)
            .bind(next)
            .bind(title)
            .bind(site_url)
            .bind(etag)
            .bind(last_modified)
            .bind(content_hash),
            FetchResult::Unchanged { etag, last_modified } => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, failure_weight = 0, \
                 last_result = 'unchanged', last_fetched = $1, next_fetch_at = $2, etag = $3, last_modified = $4 \
                 WHERE id = $5",
            )
            .bind(fetched)
            .bind(next)
            .bind(etag)
            .bind(last_modified),
            FetchResult::NotModified => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, failure_weight = 0, \
                 last_result = 'not_modified', last_fetched = $1, next_fetch_at = $2 WHERE id = $3",
            )
            .bind(fetched)
            .bind(next),
            FetchResult::Failed { error, weight } => sqlx::query(
                "UPDATE feeds SET status = 'error', last_error = $1, error_count = error_count + 1, \
                 failure_weight = failure_weight + $2, last_result = 'failed', last_fetched = $3, \
                 next_fetch_at = $4 WHERE id = $5",
            )
            .bind(error)
            .bind(weight)
            .bind(fetched)
            .bind(next),
            FetchResult::Stopped { reason } => sqlx::query(
                "UPDATE feeds SET status = 'stopped', last_error = $1, error_count = error_count + 1, \
                 last_result = 'failed', last_fetched = $2, next_fetch_at = $3 WHERE id = $4",
            )
            .bind(reason)
            .bind(fetched)
            .bind(next),
            FetchResult::Deferred => {
                sqlx::query("UPDATE feeds SET last_result = 'deferred', next_fetch_at = $1 WHERE id = $2").bind(next)
            }
        };
        query.bind(id).execute(&mut *tx).await?;
        // The fetch is recorded: its claim ends.
        sqlx::query("UPDATE feeds SET claimed_by = NULL, lease_until = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(url) = &outcome.moved_to {
            // Another subscription may already have the new URL: then both
            // stay as they are, and the redirect is followed each time. One
            // that takes it between the check and the update (another
            // process subscribing, or moving a feed there) makes the update
            // fail on the unique URL: that is the same answer, so the
            // update is undone alone, in a savepoint, and the fetch stays
            // recorded.
            let mut savepoint = Connection::begin(&mut *tx).await?;
            let moved = sqlx::query(
                "UPDATE feeds SET url = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = $1)",
            )
            .bind(url)
            .bind(id)
            .execute(&mut *savepoint)
            .await;
            match moved {
                Ok(_) => savepoint.commit().await?,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => savepoint.rollback().await?,
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn put_websub_request(&self, feed_id: FeedId, hub: &str, topic: &str, secret: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO websub (feed_id, hub, topic, secret, state, requested_at) \
             VALUES ($1, $2, $3, $4, 'requested', $5) \
             ON CONFLICT (feed_id) DO UPDATE SET hub = EXCLUDED.hub, topic = EXCLUDED.topic, \
             secret = EXCLUDED.secret, state = 'requested', requested_at = EXCLUDED.requested_at, reason = NULL",
        )
        .bind(feed_id)
        .bind(hub)
        .bind(topic)
        .bind(secret)
        .bind(to_secs(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn websub(&self, feed_id: FeedId) -> Result<Option<WebSubSubscription>> {
        let row: Option<WebSubRow> =
            sqlx::query_as(concat!("SELECT ", websub_columns!(), " FROM websub WHERE feed_id = $1"))
                .bind(feed_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(websub_from_row))
    }

    async fn confirm_websub(&self, feed_id: FeedId, topic: &str, outcome: WebSubOutcome) -> Result<bool> {
        let done = match outcome {
            WebSubOutcome::Verified { lease_expires } => sqlx::query(
                "UPDATE websub SET state = 'active', lease_expires = $1, reason = NULL \
                 WHERE feed_id = $2 AND topic = $3",
            )
            .bind(to_secs(lease_expires))
            .bind(feed_id)
            .bind(topic),
            WebSubOutcome::Denied { reason } => {
                sqlx::query("UPDATE websub SET state = 'denied', reason = $1 WHERE feed_id = $2 AND topic = $3")
                    .bind(reason)
                    .bind(feed_id)
                    .bind(topic)
            }
            WebSubOutcome::Unsubscribed => sqlx::query("DELETE FROM websub WHERE feed_id = $1 AND topic = $2")
                .bind(feed_id)
                .bind(topic),
        }
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn websub_pushed(&self, feed_id: FeedId, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE websub SET last_push = $1 WHERE feed_id = $2")
            .bind(to_secs(at))
            .bind(feed_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE feeds SET next_fetch_at = LEAST(next_fetch_at, $1) WHERE id = $2 AND status <> 'stopped'")
            .bind(to_secs(at))
            .bind(feed_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn resume_feed(&self, id: FeedId) -> Result<bool> {
        let now = to_secs(Utc::now());
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE feeds SET status = CASE WHEN status = 'stopped' THEN 'error' ELSE status END, \
             error_count = 0, failure_weight = 0, next_fetch_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // Its failed page jobs are queued again, locked in id order.
        sqlx::query(
            "UPDATE page_jobs SET state = 'queued', attempts = 0, run_after = $1, last_error = NULL \
             WHERE id IN (SELECT id FROM page_jobs WHERE feed_id = $2 AND state = 'failed' \
             ORDER BY id FOR NO KEY UPDATE)",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn known_guids(&self, feed_id: FeedId, guids: &[String]) -> Result<HashSet<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT guid FROM articles WHERE feed_id = $1 AND guid = ANY($2) \
             UNION SELECT guid FROM page_jobs WHERE feed_id = $1 AND guid = ANY($2)",
        )
        .bind(feed_id)
        .bind(guids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(g,)| g).collect())
    }

    async fn insert_article(&self, a: &NewArticle) -> Result<Option<ArticleId>> {
        let attributions = attributions_json(&a.attributions)?;
        let mut tx = self.pool.begin().await?;
        // Two processes storing the same entry: the second waits for the
        // first's transaction, then inserts nothing and gets `None`.
        let id: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO articles (feed_id, guid, url, site, canonical_url, title, byline, published, site_name, \
             language, source_url, attributions, body_text, body_html, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (feed_id, guid) DO NOTHING RETURNING id",
        )
        .bind(a.feed_id)
        .bind(&a.guid)
        .bind(&a.url)
        .bind(&a.site)
        .bind(&a.canonical_url)
        .bind(&a.title)
        .bind(&a.byline)
        .bind(a.published.map(to_secs))
        .bind(&a.site_name)
        .bind(&a.language)
        .bind(&a.source_url)
        .bind(attributions)
        .bind(&a.text)
        .bind(&a.html)
        .bind(to_secs(a.fetched_at))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id,)) = id {
            // Its provenance is still to come: a crash before it is done
            // leaves this row for the next crawl.
            sqlx::query("INSERT INTO unrelated_articles (article_id, since) VALUES ($1, $2)")
                .bind(id)
                .bind(to_secs(Utc::now()))
                .execute(&mut *tx)
                .await?;
            annotations::write_annotations(&mut tx, id, &a.annotations).await?;
        }
        tx.commit().await?;
        Ok(id.map(|(id,)| id))
    }

    async fn unrelated_articles(&self, stored_before: DateTime<Utc>, n: i64) -> Result<Vec<ArticleId>> {
        // A listing, not a claim, as in SQLite: two processes asking at once
        // get the same articles; `stored_before` is what keeps a worker off
        // an article another has just stored and is relating.
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT article_id FROM unrelated_articles WHERE since < $1 ORDER BY article_id LIMIT $2")
                .bind(to_secs(stored_before))
                .bind(limit(n))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn mark_related(&self, article: ArticleId) -> Result<()> {
        sqlx::query("DELETE FROM unrelated_articles WHERE article_id = $1")
            .bind(article)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn articles(&self, n: i64, skip: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit(n))
        .bind(offset(skip))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }

    async fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> =
            sqlx::query_as(concat!("SELECT ", article_columns!(), " FROM articles WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Article::try_from).transpose()
    }

    async fn recent_articles(&self, n: i64) -> Result<Vec<Article>> {
        let rows: Vec<ArticleRow> = sqlx::query_as(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT $1"
        ))
        .bind(limit(n))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Article::try_from).collect()
    }

    async fn count_articles(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM articles")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    async fn add_view(&self, id: ArticleId) -> Result<Option<i64>> {
        let views: Option<(i64,)> =
            sqlx::query_as("UPDATE articles SET views = views + 1 WHERE id = $1 RETURNING views")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(views.map(|(v,)| v))
    }

    async fn put_fingerprint(&self, article: ArticleId, scheme: u32, keys: &[u64]) -> Result<()> {
        // Keys fit i64: the fingerprint scheme keeps the top bit clear.
        let mut keys: Vec<i64> = keys.iter().map(|k| key_to_i64(*k)).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut tx = self.pool.begin().await?;
        lock_fingerprint_keys(&mut tx).await?;
        sqlx::query("DELETE FROM fingerprint_keys WHERE article_id = $1")
            .bind(article)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO fingerprints (article_id, scheme) VALUES ($1, $2) \
             ON CONFLICT (article_id) DO UPDATE SET scheme = EXCLUDED.scheme",
        )
        .bind(article)
        .bind(i64::from(scheme))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO fingerprint_keys (key, article_id) SELECT key, $2 FROM UNNEST($1::BIGINT[]) AS k (key) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&keys)
        .bind(article)
        .execute(&mut *tx)
        .await?;
        trim_hot_keys(&mut tx, &keys).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn fingerprint_candidates(&self, keys: &[u64], n: i64) -> Result<Vec<Candidate>> {
        let keys: Vec<i64> = keys.iter().map(|k| key_to_i64(*k)).collect();
        // Each key is one index range of fewer than MAX_KEY_ROWS rows (hot
        // keys keep one). SQLite's backend writes `limit.max(0)` into its
        // statement: a negative limit finds nothing there, and here.
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT article_id, COUNT(*) FILTER (WHERE key >= $2), COUNT(*) FILTER (WHERE key < $2) \
             FROM fingerprint_keys WHERE key = ANY($1) \
             GROUP BY article_id ORDER BY COUNT(*) DESC, article_id LIMIT $3",
        )
        .bind(&keys)
        .bind(key_to_i64(BAND_KEY_BIT))
        .bind(n.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(article, bands, anchors)| Candidate {
                article,
                bands: usize::try_from(bands).unwrap_or(0),
                anchors: usize::try_from(anchors).unwrap_or(0),
            })
            .collect())
    }

    async fn put_relations(&self, relations: &[ArticleRelation]) -> Result<()> {
        // One statement may not upsert a row twice: of repeats within the
        // call the last wins, as it does in SQLite's one-by-one upserts.
        let mut latest: BTreeMap<(i64, i64, &str), &ArticleRelation> = BTreeMap::new();
        for r in relations {
            latest.insert((r.from, r.to, r.kind.as_str()), r);
        }
        if latest.is_empty() {
            return Ok(());
        }
        let rows = latest.values();
        let from: Vec<i64> = rows.clone().map(|r| r.from).collect();
        let to: Vec<i64> = rows.clone().map(|r| r.to).collect();
        let kind: Vec<&str> = rows.clone().map(|r| r.kind.as_str()).collect();
        let score: Vec<f64> = rows.clone().map(|r| r.score).collect();
        let evidence: Vec<&str> = rows.map(|r| r.evidence.as_str()).collect();
        sqlx::query(
            "INSERT INTO relations (from_id, to_id, kind, score, evidence) \
             SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::DOUBLE PRECISION[], $5::TEXT[]) \
             ON CONFLICT (from_id, to_id, kind) DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence",
        )
        .bind(from)
        .bind(to)
        .bind(kind)
        .bind(score)
        .bind(evidence)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn relations_of(&self, article: ArticleId) -> Result<Vec<ArticleRelation>> {
        let rows: Vec<(i64, i64, String, f64, String)> = sqlx::query_as(
            "SELECT from_id, to_id, kind, score, evidence FROM relations WHERE from_id = $1 \
             UNION SELECT from_id, to_id, kind, score, evidence FROM relations WHERE to_id = $1 \
             ORDER BY 1, 2, 3",
        )
        .bind(article)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(relation_from_row).collect())
    }

    async fn site_relations(&self, site: &str) -> Result<Vec<ArticleRelation>> {
        let rows: Vec<(i64, i64, String, f64, String)> = sqlx::query_as(
            "SELECT r.from_id, r.to_id, r.kind, r.score, r.evidence FROM relations r \
             JOIN articles f ON f.id = r.from_id JOIN articles t ON t.id = r.to_id \
             WHERE f.site = $1 AND t.site = $1 ORDER BY 1, 2, 3",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(relation_from_row).collect())
    }

    async fn delete_relation(&self, from: ArticleId, to: ArticleId, kind: &str) -> Result<()> {
        sqlx::query("DELETE FROM relations WHERE from_id = $1 AND to_id = $2 AND kind = $3")
            .bind(from)
            .bind(to)
            .bind(kind)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn put_url_keys(&self, article: ArticleId, own: &[String], named: &[String]) -> Result<()> {
        let rows: BTreeSet<(&str, bool)> = own
            .iter()
            .map(|key| (key.as_str(), false))
            .chain(named.iter().map(|key| (key.as_str(), true)))
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let keys: Vec<&str> = rows.iter().map(|(key, _)| *key).collect();
        let names: Vec<bool> = rows.iter().map(|(_, names)| *names).collect();
        sqlx::query(
            "INSERT INTO url_keys (key, names, article_id) \
             SELECT key, names, $3 FROM UNNEST($1::TEXT[], $2::BOOLEAN[]) AS u (key, names) \
             ON CONFLICT DO NOTHING",
        )
        .bind(keys)
        .bind(names)
        .bind(article)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn articles_by_url_key(&self, keys: &[String], named: bool) -> Result<Vec<(String, ArticleId)>> {
        Ok(sqlx::query_as(
            "SELECT key, article_id FROM url_keys WHERE names = $1 AND key = ANY($2) ORDER BY article_id, key",
        )
        .bind(named)
        .bind(keys)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn paragraph_counts(&self, site: &str, keys: &[u64]) -> Result<HashMap<u64, i64>> {
        let keys: Vec<i64> = keys.iter().map(|k| paragraph_key_to_i64(*k)).collect();
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT key, articles FROM site_paragraphs WHERE site = $1 AND key = ANY($2)")
                .bind(site)
                .bind(keys)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(k, n)| (paragraph_key_from_i64(k), n)).collect())
    }

    async fn count_paragraphs(&self, site: &str, keys: &[u64]) -> Result<()> {
        // One statement may not upsert a row twice: a key listed twice
        // counts twice, as in SQLite's one-by-one upserts.
        let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
        for key in keys {
            *counts.entry(paragraph_key_to_i64(*key)).or_default() += 1;
        }
        if counts.is_empty() {
            return Ok(());
        }
        let (keys, times): (Vec<i64>, Vec<i64>) = counts.into_iter().unzip();
        sqlx::query(
            "INSERT INTO site_paragraphs (site, key, articles) \
             SELECT $1, key, times FROM UNNEST($2::BIGINT[], $3::BIGINT[]) AS c (key, times) \
             ON CONFLICT (site, key) DO UPDATE SET articles = site_paragraphs.articles + EXCLUDED.articles",
        )
        .bind(site)
        .bind(keys)
        .bind(times)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn edge_neighbours(&self, runs: &[u64]) -> Result<HashMap<u64, Vec<EdgeNeighbour>>> {
        let runs: Vec<i64> = runs.iter().map(|r| paragraph_key_to_i64(*r)).collect();
        let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT run, article_id, context_a, context_b FROM furniture_edges WHERE run = ANY($1) \
             ORDER BY run, article_id",
        )
        .bind(runs)
        .fetch_all(&self.pool)
        .await?;
        let mut found: HashMap<u64, Vec<EdgeNeighbour>> = HashMap::new();
        for (run, article, a, b) in rows {
            found
                .entry(paragraph_key_from_i64(run))
                .or_default()
                .push(EdgeNeighbour {
                    article,
                    context: (paragraph_key_from_i64(a), paragraph_key_from_i64(b)),
                });
        }
        Ok(found)
    }

    async fn add_edge_neighbour(&self, run: u64, n: EdgeNeighbour) -> Result<()> {
        sqlx::query(
            "INSERT INTO furniture_edges (run, article_id, context_a, context_b) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (run, article_id) DO UPDATE SET context_a = EXCLUDED.context_a, \
             context_b = EXCLUDED.context_b",
        )
        .bind(paragraph_key_to_i64(run))
        .bind(n.article)
        .bind(paragraph_key_to_i64(n.context.0))
        .bind(paragraph_key_to_i64(n.context.1))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn shared_furniture(&self, keys: &[u64]) -> Result<HashSet<u64>> {
        let keys: Vec<i64> = keys.iter().map(|k| paragraph_key_to_i64(*k)).collect();
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT key FROM shared_furniture WHERE key = ANY($1)")
            .bind(keys)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(k,)| paragraph_key_from_i64(k)).collect())
    }

    async fn add_shared_furniture(&self, keys: &[u64]) -> Result<()> {
        let keys: BTreeSet<i64> = keys.iter().map(|k| paragraph_key_to_i64(*k)).collect();
        if keys.is_empty() {
            return Ok(());
        }
        let keys: Vec<i64> = keys.into_iter().collect();
        sqlx::query(
            "INSERT INTO shared_furniture (key) SELECT key FROM UNNEST($1::BIGINT[]) AS s (key) ON CONFLICT DO NOTHING",
        )
        .bind(keys)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn put_citations(&self, article: ArticleId, citations: &[Citation]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Replacing reads before it writes: a second writer's delete would
        // not see the rows the first one inserted, and its inserts would
        // then collide with them. The article's row lock makes writers of
        // one article's citations take turns (it leaves inserts that
        // reference the article alone: they take a weaker lock).
        sqlx::query("SELECT 1 FROM articles WHERE id = $1 FOR NO KEY UPDATE")
            .bind(article)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM citations WHERE article_id = $1")
            .bind(article)
            .execute(&mut *tx)
            .await?;
        if !citations.is_empty() {
            let who: Vec<&str> = citations.iter().map(|c| c.who.as_str()).collect();
            let kind: Vec<&str> = citations.iter().map(|c| c.kind.as_str()).collect();
            let phrase: Vec<&str> = citations.iter().map(|c| c.phrase.as_str()).collect();
            // Positions count from 0, in the order given.
            sqlx::query(
                "INSERT INTO citations (article_id, position, who, kind, phrase) \
                 SELECT $1, c.n - 1, c.who, c.kind, c.phrase \
                 FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[]) WITH ORDINALITY AS c (who, kind, phrase, n)",
            )
            .bind(article)
            .bind(who)
            .bind(kind)
            .bind(phrase)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn citations_of(&self, article: ArticleId) -> Result<Vec<Citation>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT who, kind, phrase FROM citations WHERE article_id = $1 ORDER BY position")
                .bind(article)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(who, kind, phrase)| Citation { who, kind, phrase })
            .collect())
    }

    async fn site_articles(&self, site: &str, n: i64, skip: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles WHERE site = $1 ORDER BY COALESCE(published, fetched_at) DESC, id DESC \
             LIMIT $2 OFFSET $3"
        ))
        .bind(site)
        .bind(limit(n))
        .bind(offset(skip))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }

    async fn site_stats(&self, site: Option<&str>) -> Result<Vec<SiteStats>> {
        // A copy: the later side of a copying relation whose earlier side
        // is another site's article. Credited: it names a source in an
        // attribution line, or is the later side of an `attributes`.
        let rows: Vec<(String, Option<String>, i64, i64, i64, i64)> = sqlx::query_as(
            "WITH flags AS ( \
               SELECT a.site, a.site_name, \
                 EXISTS (SELECT 1 FROM relations r JOIN articles s ON s.id = r.from_id \
                         WHERE r.to_id = a.id AND r.kind IN ('copy', 'excerpt', 'duplicate') \
                         AND s.site <> a.site) AS is_copy, \
                 (a.source_url IS NOT NULL OR EXISTS (SELECT 1 FROM relations r \
                         WHERE r.to_id = a.id AND r.kind = 'attributes')) AS credits, \
                 EXISTS (SELECT 1 FROM relations r JOIN articles c ON c.id = r.to_id \
                         WHERE r.from_id = a.id AND r.kind IN ('copy', 'excerpt', 'duplicate') \
                         AND c.site <> a.site) AS was_copied \
               FROM articles a WHERE $1::TEXT IS NULL OR a.site = $1) \
             SELECT site, MAX(site_name), COUNT(*), \
               SUM(CASE WHEN is_copy THEN 1 ELSE 0 END), \
               SUM(CASE WHEN is_copy AND credits THEN 1 ELSE 0 END), \
               SUM(CASE WHEN was_copied THEN 1 ELSE 0 END) \
             FROM flags GROUP BY site ORDER BY COUNT(*) DESC, site",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(site, name, articles, copies, credited, copied)| SiteStats {
                site,
                name,
                articles,
                copies,
                credited,
                copied,
            })
            .collect())
    }

    async fn site_citations(&self, site: &str, n: i64) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT c.who, COUNT(DISTINCT c.article_id) AS n FROM citations c \
             JOIN articles a ON a.id = c.article_id WHERE a.site = $1 \
             GROUP BY c.who ORDER BY n DESC, c.who LIMIT $2",
        )
        .bind(site)
        .bind(limit(n))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn article_texts(&self, n: i64) -> Result<Vec<ArticleText>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, title, url, body_text FROM articles \
             ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT $1",
        )
        .bind(limit(n))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, url, text)| ArticleText { id, title, url, text })
            .collect())
    }

    async fn due_now(&self, now: DateTime<Utc>) -> Result<()> {
        self.queue_due_now(now).await
    }

    async fn articles_for_index(&self, after: ArticleId, limit: i64) -> Result<Vec<IndexedArticle>> {
        self.index_feed(after, limit).await
    }

    async fn articles_for_index_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<IndexedArticle>> {
        self.index_feed_by_ids(ids).await
    }

    async fn max_article_id(&self) -> Result<Option<ArticleId>> {
        Ok(sqlx::query_scalar("SELECT MAX(id) FROM articles")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn put_annotations(&self, article: ArticleId, annotations: &Annotations) -> Result<()> {
        self.annotations_put(article, annotations).await
    }

    async fn quotes_of(&self, article: ArticleId) -> Result<Vec<ArticleQuote>> {
        self.article_quotes(article).await
    }

    async fn entities_of(&self, article: ArticleId) -> Result<Vec<ArticleEntity>> {
        self.article_entities(article).await
    }

    async fn entities_of_articles(&self, articles: &[ArticleId]) -> Result<Vec<(ArticleId, String, String)>> {
        self.entities_of_many(articles).await
    }

    async fn entity_articles(&self, name: &str, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>> {
        self.entity_article_list(name, limit, offset).await
    }

    async fn entity_timeline(&self, name: &str, days: i64) -> Result<Vec<(String, i64)>> {
        self.entity_days(name, days).await
    }

    async fn quotes_by(&self, speaker: &str, limit: i64) -> Result<Vec<QuoteInArticle>> {
        self.speaker_quotes(speaker, limit).await
    }

    async fn top_entities(&self, kind: Option<&str>, limit: i64) -> Result<Vec<EntitySummary>> {
        self.entity_list(kind, limit).await
    }

    async fn story_of(&self, article: ArticleId) -> Result<Option<StoryId>> {
        self.story_of_article(article).await
    }

    async fn join_story(
        &self,
        article: ArticleId,
        story: Option<StoryId>,
        joined_by: &str,
        score: f64,
    ) -> Result<Option<StoryId>> {
        self.story_join(article, story, joined_by, score).await
    }

    async fn story_candidates(
        &self,
        article: ArticleId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(ArticleId, StoryId, i64)>> {
        self.story_candidate_list(article, from, to, limit).await
    }

    async fn recent_stories(&self, window: i64, limit: i64, offset: i64) -> Result<Vec<Story>> {
        self.recent_story_list(window, limit, offset).await
    }

    async fn story(&self, id: StoryId) -> Result<Option<Story>> {
        self.one_story(id).await
    }

    async fn merge_stories(&self, into: StoryId, from: StoryId) -> Result<bool> {
        self.stories_merge(into, from).await
    }

    async fn split_story(&self, story: StoryId, articles: &[ArticleId]) -> Result<Option<StoryId>> {
        self.story_split(story, articles).await
    }

    async fn story_quotes(&self, story: StoryId, limit: i64) -> Result<Vec<QuoteInArticle>> {
        self.story_quote_list(story, limit).await
    }

    async fn related_stories(&self, story: StoryId, limit: i64) -> Result<Vec<(Story, i64)>> {
        self.related_story_list(story, limit).await
    }

    async fn search_hits(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleSummary, String)>> {
        self.hits(ids).await
    }

    async fn claim_feeds(&self, claim: &Claim<'_>) -> Result<Vec<Feed>> {
        self.queue_claim_feeds(claim).await
    }

    async fn enqueue_pages(&self, jobs: &[NewPageJob], now: DateTime<Utc>) -> Result<usize> {
        self.queue_enqueue_pages(jobs, now).await
    }

    async fn claim_pages(&self, claim: &Claim<'_>, host_concurrency: i64) -> Result<Vec<PageJob>> {
        self.queue_claim_pages(claim, host_concurrency).await
    }

    async fn ready_pages(&self, now: DateTime<Utc>) -> Result<i64> {
        self.queue_ready_pages(now).await
    }

    async fn end_page(&self, job: i64, end: PageJobEnd) -> Result<()> {
        self.queue_end_page(job, end).await
    }

    async fn page_jobs(&self, failed_only: bool, limit: i64) -> Result<Vec<(PageJob, Option<String>)>> {
        self.queue_page_jobs(failed_only, limit).await
    }

    async fn release_claims(&self, worker: &str) -> Result<()> {
        self.queue_release_claims(worker).await
    }

    async fn host_turn(&self, host: &str, worker: &str, rules: HostRules) -> Result<HostTurn> {
        self.queue_host_turn(host, worker, rules).await
    }

    async fn host_done(&self, slot: i64) -> Result<()> {
        self.queue_host_done(slot).await
    }

    async fn hold_host(&self, host: &str, wait: Duration) -> Result<()> {
        self.queue_hold_host(host, wait).await
    }

    async fn slow_host(&self, host: &str, interval: Duration) -> Result<()> {
        self.queue_slow_host(host, interval).await
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<QueueStats> {
        self.queue_counts(now).await
    }

    async fn export_tables(&self, page: usize, sink: &mut crate::dump::Sink<'_>) -> Result<()> {
        self.dump_export(page, sink).await
    }

    async fn import_rows(&self, table: &'static crate::dump::DumpTable, rows: &[crate::dump::DumpRow]) -> Result<()> {
        self.dump_import(table, rows).await
    }

    async fn put_fingerprints(&self, scheme: u32, batch: &[(ArticleId, Vec<u64>)]) -> Result<()> {
        let mut articles: Vec<ArticleId> = batch.iter().map(|(article, _)| *article).collect();
        articles.sort_unstable();
        articles.dedup();
        let mut rows: Vec<(i64, ArticleId)> = batch
            .iter()
            .flat_map(|(article, keys)| keys.iter().map(move |key| (key_to_i64(*key), *article)))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let mut tx = self.pool.begin().await?;
        lock_fingerprint_keys(&mut tx).await?;
        let (found,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM articles WHERE id = ANY($1)")
            .bind(&articles)
            .fetch_one(&mut *tx)
            .await?;
        if found != articles.len() as i64 {
            // What the SQLite backend answers (it checks the batch itself
            // rather than the foreign key); the transaction is dropped, so
            // nothing of the batch is stored. Rolled back here rather than
            // on drop, so the connection holds no lock while the caller
            // goes on.
            tx.rollback().await?;
            return Err(StoreError::Database(sqlx::Error::RowNotFound));
        }
        sqlx::query("DELETE FROM fingerprint_keys WHERE article_id = ANY($1)")
            .bind(&articles)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO fingerprints (article_id, scheme) SELECT article_id, $2 FROM UNNEST($1::BIGINT[]) \
             AS f (article_id) ON CONFLICT (article_id) DO UPDATE SET scheme = EXCLUDED.scheme",
        )
        .bind(&articles)
        .bind(i64::from(scheme))
        .execute(&mut *tx)
        .await?;
        for chunk in rows.chunks(BULK_ROWS) {
            let (keys, owners): (Vec<i64>, Vec<i64>) = chunk.iter().copied().unzip();
            sqlx::query(
                "INSERT INTO fingerprint_keys (key, article_id) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[]) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(keys)
            .bind(owners)
            .execute(&mut *tx)
            .await?;
        }
        let mut touched: Vec<i64> = rows.iter().map(|(key, _)| *key).collect();
        touched.dedup();
        trim_hot_keys(&mut tx, &touched).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_only() {
        let cases = [
            (
                "postgres://tw:s3cret@db.example:5432/tracewire",
                "postgres://tw:***@db.example:5432/tracewire",
            ),
            (
                "postgres://postgres@127.0.0.1:5432/tw",
                "postgres://postgres@127.0.0.1:5432/tw",
            ),
            ("postgres://localhost/tw", "postgres://localhost/tw"),
            ("postgresql://tw:@host/tw", "postgresql://tw:***@host/tw"),
            // Unescaped `@` and `/` in the password: masked whole.
            ("postgres://tw:p@ss/w0rd@host/tw", "postgres://tw:***@host/tw"),
            (
                "postgres://host/tw?user=tw&password=s3cret&sslmode=require",
                "postgres://host/tw?user=tw&password=***&sslmode=require",
            ),
            (
                "postgres://tw:a@host/tw?PASSWORD=b",
                "postgres://tw:***@host/tw?PASSWORD=***",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
        }
    }

    #[tokio::test]
    async fn a_failed_connection_names_the_url_without_its_password() {
        // Port 1 refuses at once on a machine without a server there; a
        // URL that does not parse fails before any connection.
        for url in [
            "postgres://tw:s3cret@127.0.0.1:1/tw",
            "postgres://tw:s3cret@127.0.0.1:port/tw",
        ] {
            match PgStore::connect(url).await {
                Err(StoreError::Open { path, .. }) => {
                    assert!(!path.contains("s3cret"), "{path}");
                    assert!(path.contains("tw:***@127.0.0.1"), "{path}");
                }
                Err(other) => panic!("{url}: not an open error: {other}"),
                Ok(_) => panic!("{url}: connected"),
            }
        }
    }
}
