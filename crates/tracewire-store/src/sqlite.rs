//! The embedded backend: one SQLite file (WAL mode) under the data directory.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, QueryBuilder};
use tracewire_model::{
    Article, ArticleId, ArticleRelation, ArticleSummary, ArticleText, Attribution, Feed, FeedId, FeedStatus, NewArticle,
};

use crate::{BAND_KEY_BIT, Candidate, FetchOutcome, FetchResult, NewFeed, Result, Store, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "tracewire.db";

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Creates `dir` if needed and opens (creating, migrating) the database in it.
    pub async fn open_in_dir(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        Self::open(&dir.join(DATABASE_FILE)).await
    }

    /// Opens (creating, migrating) the database file at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
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
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

/// A fingerprint key as stored: the scheme keeps its top bit clear, so the
/// cast keeps its value.
fn key_to_i64(key: u64) -> i64 {
    (key & (u64::MAX >> 1)) as i64
}

fn to_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_secs(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[derive(FromRow)]
struct FeedRow {
    id: i64,
    url: String,
    title: Option<String>,
    site_url: Option<String>,
    status: String,
    last_error: Option<String>,
    last_fetched: Option<i64>,
    next_fetch_at: i64,
    error_count: i64,
    interval_secs: i64,
    etag: Option<String>,
    last_modified: Option<String>,
    created_at: i64,
}

impl From<FeedRow> for Feed {
    fn from(r: FeedRow) -> Feed {
        Feed {
            id: r.id,
            url: r.url,
            title: r.title,
            site_url: r.site_url,
            status: FeedStatus::parse(&r.status),
            last_error: r.last_error,
            last_fetched: r.last_fetched.map(from_secs),
            next_fetch_at: from_secs(r.next_fetch_at),
            error_count: r.error_count,
            interval_secs: r.interval_secs,
            etag: r.etag,
            last_modified: r.last_modified,
            created_at: from_secs(r.created_at),
        }
    }
}

#[derive(FromRow)]
struct ArticleRow {
    id: i64,
    feed_id: i64,
    guid: String,
    url: String,
    canonical_url: Option<String>,
    title: String,
    byline: Option<String>,
    published: Option<i64>,
    site_name: Option<String>,
    language: Option<String>,
    source_url: Option<String>,
    attributions: String,
    body_text: String,
    body_html: String,
    fetched_at: i64,
    views: i64,
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;

    fn try_from(r: ArticleRow) -> Result<Article> {
        let attributions: Vec<Attribution> =
            serde_json::from_str(&r.attributions).map_err(|e| StoreError::Corrupt {
                what: "article attributions",
                detail: format!("article {}: {e}", r.id),
            })?;
        Ok(Article {
            id: r.id,
            feed_id: r.feed_id,
            guid: r.guid,
            url: r.url,
            canonical_url: r.canonical_url,
            title: r.title,
            byline: r.byline,
            published: r.published.map(from_secs),
            site_name: r.site_name,
            language: r.language,
            source_url: r.source_url,
            attributions,
            text: r.body_text,
            html: r.body_html,
            fetched_at: from_secs(r.fetched_at),
            views: r.views,
        })
    }
}

/// The column list `ArticleRow` reads.
macro_rules! article_columns {
    () => {
        "id, feed_id, guid, url, canonical_url, title, byline, published, site_name, language, \
         source_url, attributions, body_text, body_html, fetched_at, views"
    };
}

#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    feed_id: i64,
    title: String,
    url: String,
    published: Option<i64>,
    site_name: Option<String>,
    source_url: Option<String>,
    views: i64,
    excerpt: String,
}

/// The column list `FeedRow` reads, as a macro so queries stay `&'static str`.
macro_rules! feed_columns {
    () => {
        "id, url, title, site_url, status, last_error, last_fetched, next_fetch_at, \
         error_count, interval_secs, etag, last_modified, created_at"
    };
}

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
            " FROM feeds WHERE next_fetch_at <= ? ORDER BY next_fetch_at, id"
        ))
        .bind(to_secs(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Feed::from).collect())
    }

    async fn record_fetch(&self, id: FeedId, outcome: FetchOutcome) -> Result<()> {
        let fetched = to_secs(outcome.fetched_at);
        let next = to_secs(outcome.next_fetch_at);
        let query = match &outcome.result {
            FetchResult::Updated {
                title,
                site_url,
                etag,
                last_modified,
            } => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, last_fetched = ?, \
                 next_fetch_at = ?, title = COALESCE(?, title), site_url = COALESCE(?, site_url), \
                 etag = ?, last_modified = ? WHERE id = ?",
            )
            .bind(fetched)
            .bind(next)
            .bind(title)
            .bind(site_url)
            .bind(etag)
            .bind(last_modified),
            FetchResult::NotModified => sqlx::query(
                "UPDATE feeds SET status = 'ok', last_error = NULL, error_count = 0, last_fetched = ?, \
                 next_fetch_at = ? WHERE id = ?",
            )
            .bind(fetched)
            .bind(next),
            FetchResult::Failed { error } => sqlx::query(
                "UPDATE feeds SET status = 'error', last_error = ?, error_count = error_count + 1, \
                 last_fetched = ?, next_fetch_at = ? WHERE id = ?",
            )
            .bind(error)
            .bind(fetched)
            .bind(next),
        };
        query.bind(id).execute(&self.pool).await?;
        Ok(())
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
            q.push(")");
            let rows: Vec<(String,)> = q.build_query_as().fetch_all(&self.pool).await?;
            known.extend(rows.into_iter().map(|(g,)| g));
        }
        Ok(known)
    }

    async fn insert_article(&self, a: &NewArticle) -> Result<Option<ArticleId>> {
        let attributions = serde_json::to_string(&a.attributions).map_err(|e| StoreError::Corrupt {
            what: "article attributions",
            detail: e.to_string(),
        })?;
        let id: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO articles (feed_id, guid, url, canonical_url, title, byline, published, site_name, \
             language, source_url, attributions, body_text, body_html, fetched_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (feed_id, guid) DO NOTHING RETURNING id",
        )
        .bind(a.feed_id)
        .bind(&a.guid)
        .bind(&a.url)
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
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(|(id,)| id))
    }

    async fn articles(&self, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(
            "SELECT id, feed_id, title, url, published, site_name, source_url, views, \
             substr(body_text, 1, 400) AS excerpt FROM articles \
             ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ? OFFSET ?",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ArticleSummary {
                id: r.id,
                feed_id: r.feed_id,
                title: r.title,
                url: r.url,
                published: r.published.map(from_secs),
                site_name: r.site_name,
                source_url: r.source_url,
                views: r.views,
                excerpt: r.excerpt,
            })
            .collect())
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
        let mut tx = self.pool.begin().await?;
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
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::new("INSERT OR IGNORE INTO fingerprint_keys (key, article_id) ");
            q.push_values(chunk, |mut row, key| {
                row.push_bind(key_to_i64(*key)).push_bind(article);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn fingerprint_candidates(&self, keys: &[u64], limit: i64) -> Result<Vec<Candidate>> {
        let mut out: std::collections::HashMap<i64, Candidate> = std::collections::HashMap::new();
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::new("SELECT key, article_id FROM fingerprint_keys WHERE key IN (");
            let mut list = q.separated(", ");
            for key in chunk {
                list.push_bind(key_to_i64(*key));
            }
            q.push(")");
            let rows: Vec<(i64, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
            for (key, article) in rows {
                let c = out.entry(article).or_insert(Candidate {
                    article,
                    bands: 0,
                    anchors: 0,
                });
                if key as u64 & BAND_KEY_BIT != 0 {
                    c.bands += 1;
                } else {
                    c.anchors += 1;
                }
            }
        }
        let mut found: Vec<Candidate> = out.into_values().collect();
        found.sort_by_key(|c| (std::cmp::Reverse(c.bands + c.anchors), c.article));
        found.truncate(usize::try_from(limit.max(0)).unwrap_or(usize::MAX));
        Ok(found)
    }

    async fn put_relations(&self, relations: &[ArticleRelation]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
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
        Ok(rows
            .into_iter()
            .map(|(from, to, kind, score, evidence)| ArticleRelation {
                from,
                to,
                kind,
                score,
                evidence,
            })
            .collect())
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
}
