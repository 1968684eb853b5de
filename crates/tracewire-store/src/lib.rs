//! Storage: the [`Store`] trait every backend implements, its error type, and
//! the backends: embedded SQLite (the default) and PostgreSQL (several
//! processes sharing one database).
//!
//! Callers hold an `Arc<dyn Store>` and never see SQL. Backends keep their
//! own migrations under `migrations/<backend>/`.

#[macro_use]
mod rows;
#[macro_use]
pub mod accounts;
pub mod dump;
mod postgres;
mod sqlite;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracewire_model::{
    Annotations, Article, ArticleEntity, ArticleId, ArticleQuote, ArticleRelation, ArticleSummary, ArticleText,
    Citation, EntitySummary, Feed, FeedId, IndexedArticle, NewArticle, QuoteInArticle, SiteStats, Story, StoryId,
    WebSubSubscription,
};

pub use accounts::{Accounts, ApiToken, ItemQuery, Marks, NewUser, Scope, UnreadCount};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Characters of an article's text handed to the search index: bounds the
/// work a huge page costs. Written out as `100000` in the SQL of
/// `rows::index_columns!` and the backends' `search.rs`.
pub const INDEXED_TEXT_CHARS: usize = 100_000;

/// Articles [`Store::story`] returns at most (the earliest): a story copied
/// thousands of times stays one bounded page. Its counts cover them all.
pub const STORY_MEMBERS: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a feed with URL {0} is already subscribed")]
    DuplicateFeed(String),
    #[error("cannot open the database at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "the database's schema is at version {found}, newer than this Tracewire knows (up to {known}): \
         a newer Tracewire has migrated it; run that version (or restore a backup taken before it ran)"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error(
        "{0}: not a database URL Tracewire knows; use postgres://user@host/db, \
         or no --database for the embedded SQLite in --data-dir"
    )]
    UnknownDatabase(String),
    #[error("stored data is corrupt ({what}): {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot write the export: {0}")]
    ExportWrite(#[source] std::io::Error),
    #[error(
        "the target already holds data (table {table} has rows): an import loads a whole instance into an \
         empty one only; use a new --data-dir or an empty database"
    )]
    ImportNotEmpty { table: &'static str },
    #[error("table {table}: {detail}")]
    ImportRow { table: &'static str, detail: String },
    #[error("not an export this Tracewire can import: {0}")]
    ImportFormat(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A feed to subscribe to.
#[derive(Debug, Clone)]
pub struct NewFeed {
    pub url: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
    pub interval_secs: i64,
}

/// How one fetch of a feed ended, as storage records it.
#[derive(Debug, Clone)]
pub struct FetchOutcome {
    pub fetched_at: DateTime<Utc>,
    pub next_fetch_at: DateTime<Utc>,
    pub result: FetchResult,
    /// The feed moved for good (every redirect was a 301 or 308): its new
    /// URL, stored unless another subscription already has it.
    pub moved_to: Option<String>,
}

#[derive(Debug, Clone)]
pub enum FetchResult {
    /// A new version of the feed was read. `content_hash` is `None` when
    /// some entries must be read again next time (they were left for a retry).
    Updated {
        title: Option<String>,
        site_url: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        content_hash: Option<String>,
    },
    /// The body was the one read last time (same content hash).
    Unchanged {
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// The server answered 304 Not Modified.
    NotModified,
    /// The fetch or parse failed; the message says what and why. `weight`
    /// is added to the feed's failure weight (1.0 for a hard failure such
    /// as a 404, less for a transient one such as a timeout).
    Failed { error: String, weight: f64 },
    /// The server said the feed is gone for good: stop polling it.
    Stopped { reason: String },
    /// Not fetched this time (the host asked us to wait); only the next
    /// attempt moves.
    Deferred,
}

/// What a hub said of a subscription request.
#[derive(Debug, Clone)]
pub enum WebSubOutcome {
    Verified {
        lease_expires: DateTime<Utc>,
    },
    Denied {
        reason: String,
    },
    /// The hub confirmed an unsubscription: the row goes.
    Unsubscribed,
}

/// One claim on the queue: by `worker`, at most `limit` jobs, held for
/// `lease` from `now` (the caller's clock, whole seconds).
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub worker: &'a str,
    pub now: DateTime<Utc>,
    pub lease: std::time::Duration,
    pub limit: i64,
}

/// A page to fetch for a feed entry not stored yet: one job in the queue.
#[derive(Debug, Clone)]
pub struct NewPageJob {
    pub feed_id: FeedId,
    /// The entry's identity in its feed (the article's GUID once stored).
    pub guid: String,
    /// The host of the entry's page (none when no page will be fetched).
    pub host: Option<String>,
    /// What a worker needs to build the article (the crawler's entry, as
    /// JSON; storage does not read it).
    pub payload: String,
}

/// A page job a worker has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageJob {
    pub id: i64,
    pub feed_id: FeedId,
    pub guid: String,
    pub payload: String,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// How a claimed page job ended.
#[derive(Debug, Clone)]
pub enum PageJobEnd {
    /// The article is stored (or was already): the job goes.
    Done,
    /// It failed; try again at `at`.
    Retry { at: DateTime<Utc>, error: String },
    /// Not attempted (the host asked us to wait): back in the queue until
    /// `until`, this claim not counted as an attempt.
    Deferred { until: DateTime<Utc> },
    /// It failed for good: kept, with the reason, and never claimed again.
    Failed { error: String },
}

/// Claims this many times (each ended by a failure, or by the worker
/// dying with the lease) and a page job fails for good.
pub const MAX_PAGE_ATTEMPTS: i64 = 8;

/// A worker's turn at a host (see [`Store::host_turn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostTurn {
    /// A slot is held for the worker: start the request after `wait`, then
    /// give the slot back with [`Store::host_done`].
    Go { slot: i64, wait: std::time::Duration },
    /// Every slot of the host is taken: ask again shortly.
    Full,
    /// The host may not be asked before `wait` has passed (its schedule, a
    /// Retry-After), longer than the caller would wait.
    Later { wait: std::time::Duration },
}

/// The rules a host's turns follow.
#[derive(Debug, Clone, Copy)]
pub struct HostRules {
    /// Requests in flight at once, across every worker.
    pub concurrency: i64,
    /// Least time between the starts of two requests (raised by the host's
    /// Crawl-delay, [`Store::slow_host`]).
    pub interval: std::time::Duration,
    /// Longest wait the caller accepts; a later turn is [`HostTurn::Later`].
    pub max_wait: std::time::Duration,
    /// How long a slot stays held if its worker never gives it back.
    pub lease: std::time::Duration,
}

/// The work queue at a glance (`/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Feeds whose next fetch has come, not claimed.
    pub feeds_due: i64,
    /// Feeds a worker holds a live claim on.
    pub feeds_claimed: i64,
    /// Page jobs waiting (now or for a retry time).
    pub pages_queued: i64,
    /// Page jobs a worker holds a live claim on.
    pub pages_claimed: i64,
    /// Page jobs that failed for good.
    pub pages_failed: i64,
    /// Host slots held now.
    pub host_slots: i64,
}

/// Everything Tracewire keeps. One trait, several backends, one conformance
/// test (`tests/conformance.rs`).
#[async_trait]
pub trait Store: Accounts + Send + Sync {
    /// Subscribes to a feed; due for fetching at once.
    async fn add_feed(&self, feed: NewFeed) -> Result<Feed>;
    /// Answers when the database does (a health check): one indexed lookup.
    async fn ping(&self) -> Result<()> {
        self.feed(0).await.map(|_| ())
    }
    async fn feed(&self, id: FeedId) -> Result<Option<Feed>>;
    async fn feed_by_url(&self, url: &str) -> Result<Option<Feed>>;
    /// All feeds, oldest subscription first.
    async fn feeds(&self) -> Result<Vec<Feed>>;
    /// Unsubscribes and deletes the feed's articles. False if there was no such feed.
    async fn remove_feed(&self, id: FeedId) -> Result<bool>;
    /// Feeds whose next fetch time has come, earliest first.
    async fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<Feed>>;
    async fn record_fetch(&self, id: FeedId, outcome: FetchOutcome) -> Result<()>;
    /// Records that a WebSub subscription was asked of `hub` for `topic`
    /// (replacing any earlier one of the feed's).
    async fn put_websub_request(&self, feed_id: FeedId, hub: &str, topic: &str, secret: &str) -> Result<()>;
    async fn websub(&self, feed_id: FeedId) -> Result<Option<WebSubSubscription>>;
    /// The hub verified (`lease` set) or refused (`denied` with the reason)
    /// the subscription for `topic`. False when the feed has no such request
    /// (then the hub must be told no).
    async fn confirm_websub(&self, feed_id: FeedId, topic: &str, outcome: WebSubOutcome) -> Result<bool>;
    /// A notification with a valid signature came: the feed is due at once.
    async fn websub_pushed(&self, feed_id: FeedId, at: DateTime<Utc>) -> Result<()>;
    /// Polls a stopped or failing feed again at once, its failures forgiven
    /// and its failed page jobs queued again.
    /// False when there is no such feed.
    async fn resume_feed(&self, id: FeedId) -> Result<bool>;
    /// Which of these entry GUIDs this feed already has articles or page
    /// jobs for.
    async fn known_guids(&self, feed_id: FeedId, guids: &[String]) -> Result<HashSet<String>>;
    /// Stores an article unless the feed already has one with its GUID;
    /// returns the new id, or `None` for a duplicate. The article is marked
    /// unrelated in the same transaction (see [`Store::unrelated_articles`]).
    async fn insert_article(&self, article: &NewArticle) -> Result<Option<ArticleId>>;
    /// Articles stored before `stored_before` whose provenance never
    /// finished (a crash, or a failure, between storing and
    /// [`Store::mark_related`]), oldest first, at most `limit`. The time
    /// keeps a worker from relating an article another is relating now.
    async fn unrelated_articles(&self, stored_before: DateTime<Utc>, limit: i64) -> Result<Vec<ArticleId>>;
    /// Records that an article's provenance is complete.
    async fn mark_related(&self, article: ArticleId) -> Result<()>;
    /// Newest first (by publication time, else fetch time).
    async fn articles(&self, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>>;
    /// Articles after `after`, by id, as the search index reads them.
    async fn articles_for_index(&self, after: ArticleId, limit: i64) -> Result<Vec<IndexedArticle>>;
    /// These articles (those still stored), as the search index reads them.
    async fn articles_for_index_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<IndexedArticle>>;
    /// The highest article id stored.
    async fn max_article_id(&self) -> Result<Option<ArticleId>>;
    /// Replaces an article's quotes and named entities (when the stored
    /// articles are read again by a newer annotator).
    async fn put_annotations(&self, article: ArticleId, annotations: &Annotations) -> Result<()>;
    /// An article's quotes, in the order of its text.
    async fn quotes_of(&self, article: ArticleId) -> Result<Vec<ArticleQuote>>;
    /// The entities an article names, most mentioned first.
    async fn entities_of(&self, article: ArticleId) -> Result<Vec<ArticleEntity>>;
    /// The (article, name, kind) of every entity these articles name.
    async fn entities_of_articles(&self, articles: &[ArticleId]) -> Result<Vec<(ArticleId, String, String)>>;
    /// Articles naming an entity (by canonical name), newest first.
    async fn entity_articles(&self, name: &str, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>>;
    /// How many articles named an entity each day (UTC, `YYYY-MM-DD`), for
    /// its latest `days` days with any, oldest first.
    async fn entity_timeline(&self, name: &str, days: i64) -> Result<Vec<(String, i64)>>;
    /// Quotes of a speaker (by canonical name), newest first.
    async fn quotes_by(&self, speaker: &str, limit: i64) -> Result<Vec<QuoteInArticle>>;
    /// The entities the most articles name, of one kind ("PER", "ORG",
    /// "LOC") or all.
    async fn top_entities(&self, kind: Option<&str>, limit: i64) -> Result<Vec<EntitySummary>>;
    /// The story an article is in.
    async fn story_of(&self, article: ArticleId) -> Result<Option<StoryId>>;
    /// Puts an article in a story (`None`: a new one) unless a person
    /// placed it (split, merge); returns the story it is in, or `None` if
    /// the article is gone.
    async fn join_story(
        &self,
        article: ArticleId,
        story: Option<StoryId>,
        joined_by: &str,
        score: f64,
    ) -> Result<Option<StoryId>>;
    /// Articles in a story, dated between `from` and `to` (Unix seconds),
    /// that share names with this article: (article, its story, names
    /// shared), most shared first.
    async fn story_candidates(
        &self,
        article: ArticleId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(ArticleId, StoryId, i64)>>;
    /// The stories of the latest `window` articles, most recently updated
    /// first, each with its earliest few articles.
    async fn recent_stories(&self, window: i64, limit: i64, offset: i64) -> Result<Vec<Story>>;
    /// A story with its earliest [`STORY_MEMBERS`] articles.
    async fn story(&self, id: StoryId) -> Result<Option<Story>>;
    /// Moves every article of `from` into `into` (and keeps them there).
    async fn merge_stories(&self, into: StoryId, from: StoryId) -> Result<bool>;
    /// Moves these articles of a story into a new story (and keeps both
    /// apart); `None` when that would move none or all of them.
    async fn split_story(&self, story: StoryId, articles: &[ArticleId]) -> Result<Option<StoryId>>;
    /// The quotes in a story's articles, earliest first.
    async fn story_quotes(&self, story: StoryId, limit: i64) -> Result<Vec<QuoteInArticle>>;
    /// Other stories naming at least two of the same people or
    /// organizations, with how many they share, most first.
    async fn related_stories(&self, story: StoryId, limit: i64) -> Result<Vec<(Story, i64)>>;
    /// The listings and texts of these articles (those still stored), in no
    /// particular order: a page of search results.
    async fn search_hits(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleSummary, String)>>;
    async fn article(&self, id: ArticleId) -> Result<Option<Article>>;
    /// The newest `limit` articles with their bodies (for output feeds).
    async fn recent_articles(&self, limit: i64) -> Result<Vec<Article>>;
    async fn count_articles(&self) -> Result<i64>;
    /// Adds one view and returns the new count; `None` for an unknown id.
    async fn add_view(&self, id: ArticleId) -> Result<Option<i64>>;
    /// Texts of the newest `limit` articles, for similarity ranking.
    async fn article_texts(&self, limit: i64) -> Result<Vec<ArticleText>>;

    /// Stores an article's fingerprint keys under `scheme`, replacing any it had.
    async fn put_fingerprint(&self, article: ArticleId, scheme: u32, keys: &[u64]) -> Result<()>;
    /// Articles that share fingerprint keys with `keys`, counting band keys
    /// and containment anchors apart, most shared first, at most `limit`.
    /// A hot key (one [`MAX_KEY_ROWS`] articles came to share) finds only
    /// the earliest of them.
    async fn fingerprint_candidates(&self, keys: &[u64], limit: i64) -> Result<Vec<Candidate>>;
    /// Stores relations (one per pair and kind; a repeat replaces the score
    /// and evidence).
    async fn put_relations(&self, relations: &[ArticleRelation]) -> Result<()>;
    /// Every relation an article is part of, either side.
    async fn relations_of(&self, article: ArticleId) -> Result<Vec<ArticleRelation>>;
    /// Relations whose two articles are both of `site`.
    async fn site_relations(&self, site: &str) -> Result<Vec<ArticleRelation>>;
    /// Deletes the relation of this pair and kind, if stored.
    async fn delete_relation(&self, from: ArticleId, to: ArticleId, kind: &str) -> Result<()>;
    /// Records the URLs an article is known by (`own`: its page, its
    /// canonical URL) and the ones it names as its source (`named`), as
    /// `tracewire_provenance::url_key`s.
    async fn put_url_keys(&self, article: ArticleId, own: &[String], named: &[String]) -> Result<()>;
    /// The articles known by one of `keys` (`named` false) or naming one of
    /// them as their source (`named` true), each with the key it matched.
    async fn articles_by_url_key(&self, keys: &[String], named: bool) -> Result<Vec<(String, ArticleId)>>;
    /// In how many of `site`'s articles each of these paragraph keys has
    /// appeared; keys never seen are absent.
    async fn paragraph_counts(&self, site: &str, keys: &[u64]) -> Result<HashMap<u64, i64>>;
    /// Counts one more article of `site` for each of these paragraph keys.
    async fn count_paragraphs(&self, site: &str, keys: &[u64]) -> Result<()>;
    /// For each of these edge runs (`tracewire_provenance::furniture`), the
    /// articles it was found in and the neighbour beside it there.
    async fn edge_neighbours(&self, runs: &[u64]) -> Result<HashMap<u64, Vec<EdgeNeighbour>>>;
    /// Records that `run` was found in `article` beside `neighbour`.
    async fn add_edge_neighbour(&self, run: u64, neighbour: EdgeNeighbour) -> Result<()>;
    /// Which of these paragraph keys are furniture on every site.
    async fn shared_furniture(&self, keys: &[u64]) -> Result<HashSet<u64>>;
    /// Marks paragraph keys as furniture on every site.
    async fn add_shared_furniture(&self, keys: &[u64]) -> Result<()>;
    /// Stores the sources an article's text cites, replacing any it had.
    async fn put_citations(&self, article: ArticleId, citations: &[Citation]) -> Result<()>;
    /// The sources an article's text cites, in the order they appear.
    async fn citations_of(&self, article: ArticleId) -> Result<Vec<Citation>>;
    /// One site's articles, newest first (as `articles`).
    async fn site_articles(&self, site: &str, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>>;
    /// How many articles each site has, copied, credited and had copied;
    /// one site's, or every site's with the most articles first.
    async fn site_stats(&self, site: Option<&str>) -> Result<Vec<SiteStats>>;
    /// The sources a site's articles cite most, with how many of its
    /// articles cite each, at most `limit`.
    async fn site_citations(&self, site: &str, limit: i64) -> Result<Vec<(String, i64)>>;
    // The work queue (see ARCHITECTURE.md, "Work queue"). A claim holds a
    // job until its lease ends; a worker that dies loses nothing, its jobs
    // return to the queue when their leases run out.

    /// Makes every feed not stopped, and every queued page job, due at
    /// `now` (a forced crawl).
    async fn due_now(&self, now: DateTime<Utc>) -> Result<()>;
    /// Claims feeds: due ones not stopped, not held under a live claim,
    /// earliest first. [`Store::record_fetch`] ends the claim.
    async fn claim_feeds(&self, claim: &Claim<'_>) -> Result<Vec<Feed>>;
    /// Queues page jobs; one per (feed, GUID): a job already queued, or
    /// failed for good, is left as it is. Returns how many were added.
    async fn enqueue_pages(&self, jobs: &[NewPageJob], now: DateTime<Utc>) -> Result<usize>;
    /// Claims page jobs, oldest first: ones whose time has come, not held
    /// under a live claim, on a host that is free now (fewer than
    /// `host_concurrency` slots held, its next start come).
    /// A job claimed [`MAX_PAGE_ATTEMPTS`] times without ending fails for
    /// good instead.
    async fn claim_pages(&self, claim: &Claim<'_>, host_concurrency: i64) -> Result<Vec<PageJob>>;
    /// Page jobs a claim could take now or shortly: their time has come and
    /// their host is at most busy, not holding us off (Retry-After). Zero
    /// means the queue has nothing left for this round.
    async fn ready_pages(&self, now: DateTime<Utc>) -> Result<i64>;
    async fn end_page(&self, job: i64, end: PageJobEnd) -> Result<()>;
    /// Page jobs that failed for good (or all not done), newest first.
    async fn page_jobs(&self, failed_only: bool, limit: i64) -> Result<Vec<(PageJob, Option<String>)>>;
    /// Ends every claim `worker` holds (feeds, pages, host slots): it is
    /// stopping.
    async fn release_claims(&self, worker: &str) -> Result<()>;
    /// Asks for a turn at `host` under `rules`, on the database's clock, so
    /// that every worker shares one schedule per host.
    async fn host_turn(&self, host: &str, worker: &str, rules: HostRules) -> Result<HostTurn>;
    /// Gives back a slot [`Store::host_turn`] handed out.
    async fn host_done(&self, slot: i64) -> Result<()>;
    /// The host asked us to wait (Retry-After): no request starts before `wait` has passed.
    async fn hold_host(&self, host: &str, wait: std::time::Duration) -> Result<()>;
    /// Raises the host's least interval between request starts (its
    /// robots.txt Crawl-delay); never lowers it.
    async fn slow_host(&self, host: &str, interval: std::time::Duration) -> Result<()>;
    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<QueueStats>;

    /// [`Store::put_fingerprint`] for many articles in one transaction (bulk
    /// loads, a re-fingerprint under a new scheme).
    async fn put_fingerprints(&self, scheme: u32, batch: &[(ArticleId, Vec<u64>)]) -> Result<()>;

    // Moving an instance between backends (`tracewire export` / `import`,
    // [`dump`]).

    /// Hands every table of an export ([`dump::TABLES`], in that order) to
    /// `sink`, at most `page` rows at a time in key order, all read from one
    /// snapshot: a write made meanwhile is in the export whole or not at all.
    async fn export_tables(&self, page: usize, sink: &mut dump::Sink<'_>) -> Result<()>;
    /// Loads rows of `table` as an export holds them, ids kept, in one
    /// transaction; later ids are generated past them. For an empty store
    /// ([`dump::ensure_empty`]), tables in [`dump::TABLES`] order.
    async fn import_rows(&self, table: &'static dump::DumpTable, rows: &[dump::DumpRow]) -> Result<()>;
}

/// Band keys have bit 62 set; containment anchors have it clear
/// (`tracewire_similar::fingerprint`).
pub const BAND_KEY_BIT: u64 = 1 << 62;

/// Articles a fingerprint key is stored for before it turns hot: from then
/// on it keeps one row, its earliest article's, and later articles add none.
/// A key that many articles share is a common phrase, a site's furniture or
/// a story copied many times; a lookup through it finds where it began, and
/// a lookup reads fewer than this many rows per key however large the store
/// grows (reading every row made it slow down with the store, `tracewire
/// bench lookup`). Copies of a much-copied story still find its origin, and
/// the copies they came from through what those copies changed or through
/// their attribution lines.
pub const MAX_KEY_ROWS: usize = 32;

/// An article an edge run was found in, and the likeness of the paragraph
/// beside it there (`tracewire_provenance::furniture::Context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeNeighbour {
    pub article: ArticleId,
    pub context: (u64, u64),
}

/// An article sharing fingerprint keys with a looked-up one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub article: ArticleId,
    pub bands: usize,
    pub anchors: usize,
}

/// The schema before and after a store was opened (`tracewire migrate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchemaVersion {
    /// The newest migration applied before (`None`: a new database).
    pub before: Option<i64>,
    pub now: i64,
}

/// Applies `migrator`'s migrations the database lacks, after refusing a
/// schema newer than this build knows (a migration it does not have was
/// applied): an old binary must not write to a newer schema.
async fn migrate_checked<DB>(pool: &sqlx::Pool<DB>, migrator: &sqlx::migrate::Migrator) -> Result<SchemaVersion>
where
    DB: sqlx::Database,
    DB::Connection: sqlx::migrate::Migrate,
{
    use sqlx::migrate::Migrate;
    let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    let before = {
        let mut conn = pool.acquire().await?;
        conn.ensure_migrations_table(&migrator.table_name).await?;
        conn.list_applied_migrations(&migrator.table_name)
            .await?
            .iter()
            .map(|m| m.version)
            .max()
    };
    if let Some(found) = before.filter(|v| *v > known) {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    migrator.run(pool).await?;
    Ok(SchemaVersion { before, now: known })
}

/// Opens the store `database_url` names (`postgres://…`), or the embedded
/// SQLite in `data_dir` when there is none; migrates it.
pub async fn open(database_url: Option<&str>, data_dir: &std::path::Path) -> Result<(Arc<dyn Store>, SchemaVersion)> {
    match database_url.map(str::trim).filter(|u| !u.is_empty()) {
        None => {
            let (store, version) = SqliteStore::open_in_dir_versioned(data_dir).await?;
            Ok((Arc::new(store), version))
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let (store, version) = PgStore::connect_versioned(url).await?;
            Ok((Arc::new(store), version))
        }
        Some(url) => Err(StoreError::UnknownDatabase(postgres::redact(url))),
    }
}

/// Opens the embedded default: a SQLite database in `data_dir`, created and
/// migrated on first use.
pub async fn open_embedded(data_dir: &std::path::Path) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(SqliteStore::open_in_dir(data_dir).await?))
}
