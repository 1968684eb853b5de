//! The embedded backend: one SQLite file (WAL mode) under the data directory.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
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
    BAND_KEY_BIT, Candidate, Claim, EdgeNeighbour, FetchOutcome, FetchResult, HostRules, HostTurn, NewFeed, NewPageJob,
    PageJob, PageJobEnd, QueueStats, Result, Store, StoreError, WebSubOutcome,
};

accounts_impl!(SqliteStore, sqlx::Sqlite);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "tracewire.db";

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Creates `dir` if needed and opens (creating, migrating) the database in it.
    pub async fn open_in_dir(dir: &Path) -> Result<SqliteStore> {
        Ok(Self::open_in_dir_versioned(dir).await?.0)
    }

    /// [`SqliteStore::open_in_dir`], with the schema version before and after.
    pub async fn open_in_dir_versioned(dir: &Path) -> Result<(SqliteStore, crate::SchemaVersion)> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        Self::open_versioned(&dir.join(DATABASE_FILE)).await
    }

    /// Opens (creating, migrating) the database file at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        Ok(Self::open_versioned(path).await?.0)
    }

    async fn open_versioned(path: &Path) -> Result<(SqliteStore, crate::SchemaVersion)> {
        let open_error = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_error)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Candidate lookup descends one index range per key: with the
            // key table larger than SQLite's 2 MB default cache, every
            // descent was a read() call. A memory map lets the OS page
            // cache serve them (docs/BENCHMARKS.md, candidate lookup), and a
            // larger page cache keeps the upper levels of the indexes.
            .pragma("mmap_size", MMAP_BYTES.to_string())
            .pragma("cache_size", format!("-{CACHE_KIB}"));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        let version = crate::migrate_checked(&pool, &MIGRATOR).await?;
        Ok((SqliteStore { pool }, version))
    }

    /// A write transaction, with the write lock taken first (see [`WRITE`]).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with(WRITE).await?)
    }

    /// Fingerprint key rows stored, and keys turned hot (`tracewire bench
    /// lookup`).
    pub async fn fingerprint_key_rows(&self) -> Result<(i64, i64)> {
        Ok(
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM fingerprint_keys), (SELECT COUNT(*) FROM hot_keys)")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// How every write transaction begins: with the write lock. A deferred
/// transaction that reads before it writes cannot wait for another writer
/// (SQLite answers SQLITE_BUSY at once rather than risk a deadlock); with
/// the search index's trigger even a lone insert failed that way beside the
/// crawler's other writers (tests/ops.rs). Taken first, the lock is waited
/// for (busy_timeout) like any other.
const WRITE: &str = "BEGIN IMMEDIATE";

/// Bytes of the database file read through a memory map, per connection.
const MMAP_BYTES: u64 = 1 << 30;
/// Page cache per connection, in KiB.
const CACHE_KIB: u64 = 64 * 1024;

/// Integers as a JSON array, for `json_each(?)`: one bound value for a list
/// of any length.
fn json_list(values: &[i64]) -> String {
    let listed: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("[{}]", listed.join(","))
}

/// Marks the keys listed by `touched` (a subquery, bound to `touched_json`
/// if given) that [`crate::MAX_KEY_ROWS`] articles now share as hot, and
/// keeps only each such key's earliest row (migration 0004): run after new
/// rows go in, in their transaction.
async fn trim_hot_keys(conn: &mut SqliteConnection, touched: &str, touched_json: Option<&str>) -> Result<()> {
    let mark = format!(
        "INSERT OR IGNORE INTO hot_keys (key) SELECT key FROM fingerprint_keys \
         WHERE key IN ({touched}) GROUP BY key HAVING COUNT(*) >= {}",
        crate::MAX_KEY_ROWS
    );
    let trim = format!(
        "DELETE FROM fingerprint_keys WHERE key IN (SELECT key FROM hot_keys WHERE key IN ({touched})) \
         AND article_id > (SELECT MIN(f.article_id) FROM fingerprint_keys f WHERE f.key = fingerprint_keys.key)"
    );
    for sql in [mark, trim] {
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let q = match touched_json {
            Some(json) => q.bind(json),
            None => q,
        };
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

mod annotations;
pub(crate) mod dump;
mod queue;
mod search;
mod stories;

#[async_trait]
impl Store for SqliteStore {
    async fn add_feed(&self, feed: NewFeed) -> Result<Feed> {
        let now = to_secs(Utc::now());
        let inserted: Option<FeedRow> = sqlx::query_as(concat!(
            "INSERT INTO feeds (url, title, site_url, status, next_fetch_at, interval_secs, created_at) \
             VALUES (?, ?, ?, 'new', ?, ?, ?) ON CONFLICT (url) DO NOTHING RETURNING ",
            feed_columns!()
        ))
        .bind(&feed.url)
        .bind(&feed.title)
        .bind(&feed.site_url)
        .bind(now)
        .bind(feed.interval_secs)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        inserted.map(Feed::from).ok_or(StoreError::DuplicateFeed(feed.url))
    }

    async fn feed(&self, id: FeedId) -> Result<Option<Feed>> {
        let row: Option<FeedRow> = sqlx::query_as(concat!("SELECT ", feed_columns!(), " FROM feeds WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Feed::from))
    }

    async fn feed_by_url(&self, url: &str) -> Result<Option<Feed>> {
        let row: Option<FeedRow> = sqlx::query_as(concat!("SELECT ", feed_columns!(), " FROM feeds WHERE url = ?"))
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
        let done = sqlx::query("DELETE FROM feeds WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<Feed>> {
        let rows: Vec<FeedRow> = sqlx::query_as(concat!(
            "SELECT ",
            feed_columns!(),
            " FROM feeds WHERE next_fetch_at <= ? AND status != 'stopped' ORDER BY next_fetch_at, id"
        ))
        .bind(to_secs(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Feed::from).collect())
    }

    async fn record_fetch(&self, id: FeedId, outcome: FetchOutcome) -> Result<()> {
        let fetched = to_secs(outcome.fetched_at);
        let next = to_secs(outcome.next_fetch_at);
        let mut tx = self.pool.begin_with(WRITE).await?;
        let query = match &outcome.result {
            FetchResult::Updated {
                title,
                site_url,
                etag,
                last_modified,
                content_hash,
            } => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, failure_weight = 0, \
                 last_result = 'updated', last_fetched = ?, next_fetch_at = ?, title = COALESCE(?, title), \
                 site_url = COALESCE(?, site_url), etag = ?, last_modified = ?, content_hash = ? WHERE id = ?",
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
                 last_result = 'unchanged', last_fetched = ?, next_fetch_at = ?, etag = ?, last_modified = ? \
                 WHERE id = ?",
            )
            .bind(fetched)
            .bind(next)
            .bind(etag)
            .bind(last_modified),
            FetchResult::NotModified => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, failure_weight = 0, \
                 last_result = 'not_modified', last_fetched = ?, next_fetch_at = ? WHERE id = ?",
            )
            .bind(fetched)
            .bind(next),
            FetchResult::Failed { error, weight } => sqlx::query(
                "UPDATE feeds SET status = 'error', last_error = ?, error_count = error_count + 1, \
                 failure_weight = failure_weight + ?, last_result = 'failed', last_fetched = ?, \
                 next_fetch_at = ? WHERE id = ?",
            )
            .bind(error)
            .bind(weight)
            .bind(fetched)
            .bind(next),
            FetchResult::Stopped { reason } => sqlx::query(
                "UPDATE feeds SET status = 'stopped', last_error = ?, error_count = error_count + 1, \
                 last_result = 'failed', last_fetched = ?, next_fetch_at = ? WHERE id = ?",
            )
            .bind(reason)
            .bind(fetched)
            .bind(next),
            FetchResult::Deferred => {
                sqlx::query("UPDATE feeds SET last_result = 'deferred', next_fetch_at = ? WHERE id = ?").bind(next)
            }
        };
        query.bind(id).execute(&mut *tx).await?;
        // The fetch is recorded: its claim ends.
        sqlx::query("UPDATE feeds SET claimed_by = NULL, lease_until = NULL WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(url) = &outcome.moved_to {
            // Another subscription may already have the new URL: then both
            // stay as they are, and the redirect is followed each time.
            sqlx::query("UPDATE feeds SET url = ?1 WHERE id = ?2 AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?1)")
                .bind(url)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn put_websub_request(&self, feed_id: FeedId, hub: &str, topic: &str, secret: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO websub (feed_id, hub, topic, secret, state, requested_at) VALUES (?, ?, ?, ?, 'requested', ?) \
             ON CONFLICT (feed_id) DO UPDATE SET hub = excluded.hub, topic = excluded.topic, \
             secret = excluded.secret, state = 'requested', requested_at = excluded.requested_at, reason = NULL",
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
            sqlx::query_as(concat!("SELECT ", websub_columns!(), " FROM websub WHERE feed_id = ?"))
                .bind(feed_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(websub_from_row))
    }

    async fn confirm_websub(&self, feed_id: FeedId, topic: &str, outcome: WebSubOutcome) -> Result<bool> {
        let done = match outcome {
            WebSubOutcome::Verified { lease_expires } => sqlx::query(
                "UPDATE websub SET state = 'active', lease_expires = ?, reason = NULL WHERE feed_id = ? AND topic = ?",
            )
            .bind(to_secs(lease_expires))
            .bind(feed_id)
            .bind(topic),
            WebSubOutcome::Denied { reason } => {
                sqlx::query("UPDATE websub SET state = 'denied', reason = ? WHERE feed_id = ? AND topic = ?")
                    .bind(reason)
                    .bind(feed_id)
                    .bind(topic)
            }
            WebSubOutcome::Unsubscribed => sqlx::query("DELETE FROM websub WHERE feed_id = ? AND topic = ?")
                .bind(feed_id)
                .bind(topic),
        }
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn websub_pushed(&self, feed_id: FeedId, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        sqlx::query("UPDATE websub SET last_push = ? WHERE feed_id = ?")
            .bind(to_secs(at))
            .bind(feed_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE feeds SET next_fetch_at = MIN(next_fetch_at, ?) WHERE id = ? AND status != 'stopped'")
            .bind(to_secs(at))
            .bind(feed_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn resume_feed(&self, id: FeedId) -> Result<bool> {
        let now = to_secs(Utc::now());
        let mut tx = self.pool.begin_with(WRITE).await?;
        let done = sqlx::query(
            "UPDATE feeds SET status = CASE WHEN status = 'stopped' THEN 'error' ELSE status END, \
             error_count = 0, failure_weight = 0, next_fetch_at = ? WHERE id = ?",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE page_jobs SET state = 'queued', attempts = 0, run_after = ?, last_error = NULL \
             WHERE feed_id = ? AND state = 'failed'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn known_guids(&self, feed_id: FeedId, guids: &[String]) -> Result<HashSet<String>> {
        let mut known = HashSet::new();
        // SQLite limits bound parameters per statement; stay well below.
        for chunk in guids.chunks(500) {
            let mut q = QueryBuilder::new("SELECT guid FROM articles WHERE feed_id = ");
            q.push_bind(feed_id).push(" AND guid IN (");
            let mut list = q.separated(", ");
            for g in chunk {
                list.push_bind(g);
            }
            q.push(") UNION SELECT guid FROM page_jobs WHERE feed_id = ");
            q.push_bind(feed_id).push(" AND guid IN (");
            let mut list = q.separated(", ");
            for g in chunk {
                list.push_bind(g);
            }
            q.push(")");
            let rows: Vec<(String,)> = q.build_query_as().fetch_all(&self.pool).await?;
            known.extend(rows.into_iter().map(|(g,)| g));
        }
        Ok(known)
    }

    async fn insert_article(&self, a: &NewArticle) -> Result<Option<ArticleId>> {
        let attributions = attributions_json(&a.attributions)?;
        let mut tx = self.pool.begin_with(WRITE).await?;
        let id: Option<(i64,)> = sqlx::query_as(
            // An id above every id ever given (migration 0010): the search
            // index follows articles by id and must never see one again.
            "INSERT INTO articles (id, feed_id, guid, url, site, canonical_url, title, byline, published, site_name, \
             language, source_url, attributions, body_text, body_html, fetched_at) \
             VALUES ((SELECT MAX(COALESCE((SELECT MAX(id) FROM articles), 0), (SELECT top FROM article_id_floor)) + 1), \
             ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
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
            // leaves this row for the next crawl (migration 0006).
            sqlx::query("INSERT INTO unrelated_articles (article_id, since) VALUES (?, ?)")
                .bind(id)
                .bind(to_secs(Utc::now()))
                .execute(&mut *tx)
                .await?;
            annotations::write_annotations(&mut tx, id, &a.annotations).await?;
        }
        tx.commit().await?;
        Ok(id.map(|(id,)| id))
    }

    async fn unrelated_articles(&self, stored_before: DateTime<Utc>, limit: i64) -> Result<Vec<ArticleId>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT article_id FROM unrelated_articles WHERE since < ? ORDER BY article_id LIMIT ?")
                .bind(to_secs(stored_before))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn mark_related(&self, article: ArticleId) -> Result<()> {
        sqlx::query("DELETE FROM unrelated_articles WHERE article_id = ?")
            .bind(article)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn articles(&self, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ? OFFSET ?"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }

    async fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> =
            sqlx::query_as(concat!("SELECT ", article_columns!(), " FROM articles WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Article::try_from).transpose()
    }

    async fn recent_articles(&self, limit: i64) -> Result<Vec<Article>> {
        let rows: Vec<ArticleRow> = sqlx::query_as(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ?"
        ))
        .bind(limit)
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
            sqlx::query_as("UPDATE articles SET views = views + 1 WHERE id = ? RETURNING views")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(views.map(|(v,)| v))
    }

    async fn put_fingerprint(&self, article: ArticleId, scheme: u32, keys: &[u64]) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        sqlx::query("DELETE FROM fingerprint_keys WHERE article_id = ?")
            .bind(article)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT OR REPLACE INTO fingerprints (article_id, scheme) VALUES (?, ?)")
            .bind(article)
            .bind(i64::from(scheme))
            .execute(&mut *tx)
            .await?;
        // Keys fit i64: the fingerprint scheme keeps the top bit clear.
        let keys: Vec<i64> = keys.iter().map(|k| key_to_i64(*k)).collect();
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::new("INSERT OR IGNORE INTO fingerprint_keys (key, article_id) ");
            q.push_values(chunk, |mut row, key| {
                row.push_bind(*key).push_bind(article);
            });
            q.build().execute(&mut *tx).await?;
        }
        trim_hot_keys(&mut tx, "SELECT value FROM json_each(?1)", Some(&json_list(&keys))).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn fingerprint_candidates(&self, keys: &[u64], limit: i64) -> Result<Vec<Candidate>> {
        let mut keys: Vec<i64> = keys.iter().map(|k| key_to_i64(*k)).collect();
        keys.sort_unstable();
        keys.dedup();
        // One statement with one bound value, whatever the number of keys:
        // each key is one index range of fewer than MAX_KEY_ROWS rows (hot
        // keys keep one, migration 0004). The limit is written into the
        // statement: a bound LIMIT makes SQLite prepare it again at every call.
        let sql = format!(
            "SELECT article_id, SUM(key >= {BAND_KEY_BIT}), SUM(key < {BAND_KEY_BIT}) FROM fingerprint_keys \
             WHERE key IN (SELECT value FROM json_each(?1)) \
             GROUP BY article_id ORDER BY COUNT(*) DESC, article_id LIMIT {}",
            limit.max(0)
        );
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(json_list(&keys))
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
        let mut tx = self.pool.begin_with(WRITE).await?;
        for r in relations {
            sqlx::query(
                "INSERT INTO relations (from_id, to_id, kind, score, evidence) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (from_id, to_id, kind) DO UPDATE SET score = excluded.score, evidence = excluded.evidence",
            )
            .bind(r.from)
            .bind(r.to)
            .bind(&r.kind)
            .bind(r.score)
            .bind(&r.evidence)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn relations_of(&self, article: ArticleId) -> Result<Vec<ArticleRelation>> {
        let rows: Vec<(i64, i64, String, f64, String)> = sqlx::query_as(
            "SELECT from_id, to_id, kind, score, evidence FROM relations WHERE from_id = ? \
             UNION SELECT from_id, to_id, kind, score, evidence FROM relations WHERE to_id = ? \
             ORDER BY 1, 2, 3",
        )
        .bind(article)
        .bind(article)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(relation_from_row).collect())
    }

    async fn site_relations(&self, site: &str) -> Result<Vec<ArticleRelation>> {
        let rows: Vec<(i64, i64, String, f64, String)> = sqlx::query_as(
            "SELECT r.from_id, r.to_id, r.kind, r.score, r.evidence FROM relations r \
             JOIN articles f ON f.id = r.from_id JOIN articles t ON t.id = r.to_id \
             WHERE f.site = ? AND t.site = ? ORDER BY 1, 2, 3",
        )
        .bind(site)
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(relation_from_row).collect())
    }

    async fn delete_relation(&self, from: ArticleId, to: ArticleId, kind: &str) -> Result<()> {
        sqlx::query("DELETE FROM relations WHERE from_id = ? AND to_id = ? AND kind = ?")
            .bind(from)
            .bind(to)
            .bind(kind)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn put_url_keys(&self, article: ArticleId, own: &[String], named: &[String]) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        for (names, keys) in [(0_i64, own), (1, named)] {
            for key in keys {
                sqlx::query("INSERT OR IGNORE INTO url_keys (key, names, article_id) VALUES (?, ?, ?)")
                    .bind(key)
                    .bind(names)
                    .bind(article)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn articles_by_url_key(&self, keys: &[String], named: bool) -> Result<Vec<(String, ArticleId)>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::new("SELECT key, article_id FROM url_keys WHERE names = ");
            q.push_bind(i64::from(named)).push(" AND key IN (");
            let mut list = q.separated(", ");
            for key in chunk {
                list.push_bind(key);
            }
            q.push(") ORDER BY article_id");
            let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn paragraph_counts(&self, site: &str, keys: &[u64]) -> Result<HashMap<u64, i64>> {
        let mut counts = HashMap::new();
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::new("SELECT key, articles FROM site_paragraphs WHERE site = ");
            q.push_bind(site).push(" AND key IN (");
            let mut list = q.separated(", ");
            for key in chunk {
                list.push_bind(paragraph_key_to_i64(*key));
            }
            q.push(")");
            let rows: Vec<(i64, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
            counts.extend(rows.into_iter().map(|(k, n)| (paragraph_key_from_i64(k), n)));
        }
        Ok(counts)
    }

    async fn count_paragraphs(&self, site: &str, keys: &[u64]) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        for key in keys {
            sqlx::query(
                "INSERT INTO site_paragraphs (site, key, articles) VALUES (?, ?, 1) \
                 ON CONFLICT (site, key) DO UPDATE SET articles = articles + 1",
            )
            .bind(site)
            .bind(paragraph_key_to_i64(*key))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn edge_neighbours(&self, runs: &[u64]) -> Result<HashMap<u64, Vec<EdgeNeighbour>>> {
        let mut found: HashMap<u64, Vec<EdgeNeighbour>> = HashMap::new();
        for chunk in runs.chunks(400) {
            let mut q =
                QueryBuilder::new("SELECT run, article_id, context_a, context_b FROM furniture_edges WHERE run IN (");
            let mut list = q.separated(", ");
            for run in chunk {
                list.push_bind(paragraph_key_to_i64(*run));
            }
            q.push(") ORDER BY run, article_id");
            let rows: Vec<(i64, i64, i64, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
            for (run, article, a, b) in rows {
                found
                    .entry(paragraph_key_from_i64(run))
                    .or_default()
                    .push(EdgeNeighbour {
                        article,
                        context: (paragraph_key_from_i64(a), paragraph_key_from_i64(b)),
                    });
            }
        }
        Ok(found)
    }

    async fn add_edge_neighbour(&self, run: u64, n: EdgeNeighbour) -> Result<()> {
        sqlx::query(
            "INSERT OR REPLACE INTO furniture_edges (run, article_id, context_a, context_b) VALUES (?, ?, ?, ?)",
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
        let mut found = HashSet::new();
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::new("SELECT key FROM shared_furniture WHERE key IN (");
            let mut list = q.separated(", ");
            for key in chunk {
                list.push_bind(paragraph_key_to_i64(*key));
            }
            q.push(")");
            let rows: Vec<(i64,)> = q.build_query_as().fetch_all(&self.pool).await?;
            found.extend(rows.into_iter().map(|(k,)| paragraph_key_from_i64(k)));
        }
        Ok(found)
    }

    async fn add_shared_furniture(&self, keys: &[u64]) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        for key in keys {
            sqlx::query("INSERT OR IGNORE INTO shared_furniture (key) VALUES (?)")
                .bind(paragraph_key_to_i64(*key))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn put_citations(&self, article: ArticleId, citations: &[Citation]) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        sqlx::query("DELETE FROM citations WHERE article_id = ?")
            .bind(article)
            .execute(&mut *tx)
            .await?;
        for (position, c) in (0_i64..).zip(citations) {
            sqlx::query("INSERT INTO citations (article_id, position, who, kind, phrase) VALUES (?, ?, ?, ?, ?)")
                .bind(article)
                .bind(position)
                .bind(&c.who)
                .bind(&c.kind)
                .bind(&c.phrase)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn citations_of(&self, article: ArticleId) -> Result<Vec<Citation>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT who, kind, phrase FROM citations WHERE article_id = ? ORDER BY position")
                .bind(article)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(who, kind, phrase)| Citation { who, kind, phrase })
            .collect())
    }

    async fn site_articles(&self, site: &str, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles WHERE site = ? ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ? OFFSET ?"
        ))
        .bind(site)
        .bind(limit)
        .bind(offset)
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
               FROM articles a WHERE ? IS NULL OR a.site = ?) \
             SELECT site, MAX(site_name), COUNT(*), \
               SUM(CASE WHEN is_copy THEN 1 ELSE 0 END), \
               SUM(CASE WHEN is_copy AND credits THEN 1 ELSE 0 END), \
               SUM(CASE WHEN was_copied THEN 1 ELSE 0 END) \
             FROM flags GROUP BY site ORDER BY COUNT(*) DESC, site",
        )
        .bind(site)
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

    async fn site_citations(&self, site: &str, limit: i64) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT c.who, COUNT(DISTINCT c.article_id) AS n FROM citations c \
             JOIN articles a ON a.id = c.article_id WHERE a.site = ? \
             GROUP BY c.who ORDER BY n DESC, c.who LIMIT ?",
        )
        .bind(site)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn article_texts(&self, limit: i64) -> Result<Vec<ArticleText>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, title, url, body_text FROM articles \
             ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, url, text)| ArticleText { id, title, url, text })
            .collect())
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

    async fn due_now(&self, now: DateTime<Utc>) -> Result<()> {
        self.queue_due_now(now).await
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

    async fn hold_host(&self, host: &str, wait: std::time::Duration) -> Result<()> {
        self.queue_hold_host(host, wait).await
    }

    async fn slow_host(&self, host: &str, interval: std::time::Duration) -> Result<()> {
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
        // A bulk load on a connection of its own, closed afterwards rather
        // than returned to the pool with these settings:
        // - foreign keys off: checked per row, they make every multi-row
        //   INSERT keep a statement journal, a copy of each page it touches
        //   (most of them, as the rows land all over the key index); the
        //   batch's articles are checked once below instead;
        // - a 256 MiB page cache: the rows go in key order, so the key index
        //   is written front to back, each page once, but the article index
        //   takes them at random places among the batch's articles, pages
        //   that the default 2 MB cache would spill and read back row after row.
        let mut conn = self.pool.acquire().await?;
        conn.close_on_drop();
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        sqlx::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, WRITE).await?;
        let mut articles: Vec<ArticleId> = batch.iter().map(|(article, _)| *article).collect();
        articles.sort_unstable();
        articles.dedup();
        for chunk in articles.chunks(400) {
            let mut q = QueryBuilder::new("SELECT COUNT(*) FROM articles WHERE id IN (");
            let mut list = q.separated(", ");
            for article in chunk {
                list.push_bind(*article);
            }
            q.push(")");
            let (found,): (i64,) = q.build_query_as().fetch_one(&mut *tx).await?;
            if found != chunk.len() as i64 {
                // What the foreign key would have refused.
                return Err(StoreError::Database(sqlx::Error::RowNotFound));
            }
            let mut q = QueryBuilder::new("DELETE FROM fingerprint_keys WHERE article_id IN (");
            let mut list = q.separated(", ");
            for article in chunk {
                list.push_bind(*article);
            }
            q.push(")");
            q.build().execute(&mut *tx).await?;
        }
        for chunk in articles.chunks(400) {
            let mut q = QueryBuilder::new("INSERT OR REPLACE INTO fingerprints (article_id, scheme) ");
            q.push_values(chunk, |mut row, article| {
                row.push_bind(*article).push_bind(i64::from(scheme));
            });
            q.build().execute(&mut *tx).await?;
        }
        let mut rows: Vec<(i64, ArticleId)> = batch
            .iter()
            .flat_map(|(article, keys)| keys.iter().map(move |key| (key_to_i64(*key), *article)))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        for chunk in rows.chunks(2000) {
            let mut q = QueryBuilder::new("INSERT OR IGNORE INTO fingerprint_keys (key, article_id) ");
            q.push_values(chunk, |mut row, (key, article)| {
                row.push_bind(*key).push_bind(*article);
            });
            q.build().execute(&mut *tx).await?;
        }
        // The keys touched, for the hot-key rule, in a table of this
        // connection's own (it is closed afterwards).
        sqlx::query("CREATE TEMP TABLE touched_keys (key INTEGER PRIMARY KEY)")
            .execute(&mut *tx)
            .await?;
        let mut keys: Vec<i64> = rows.iter().map(|(key, _)| *key).collect();
        keys.dedup();
        for chunk in keys.chunks(4000) {
            let mut q = QueryBuilder::new("INSERT INTO temp.touched_keys (key) ");
            q.push_values(chunk, |mut row, key| {
                row.push_bind(*key);
            });
            q.build().execute(&mut *tx).await?;
        }
        trim_hot_keys(&mut tx, "SELECT key FROM temp.touched_keys", None).await?;
        tx.commit().await?;
        Ok(())
    }
}
