//! Storage: the [`Store`] trait every backend implements, its error type, and
//! the backends (embedded SQLite now; PostgreSQL behind the same trait later).
//!
//! Callers hold an `Arc<dyn Store>` and never see SQL. Backends keep their
//! own migrations under `migrations/<backend>/`.

mod sqlite;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracewire_model::{
    Article, ArticleId, ArticleRelation, ArticleSummary, ArticleText, Citation, Feed, FeedId, NewArticle, SiteStats,
    WebSubSubscription,
};

pub use sqlite::SqliteStore;

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
    #[error("stored data is corrupt ({what}): {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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

/// Everything Tracewire keeps. One trait, several backends, one conformance
/// test (`tests/conformance.rs`).
#[async_trait]
pub trait Store: Send + Sync {
    /// Subscribes to a feed; due for fetching at once.
    async fn add_feed(&self, feed: NewFeed) -> Result<Feed>;
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
    /// Polls a stopped or failing feed again at once, its failures forgiven.
    /// False when there is no such feed.
    async fn resume_feed(&self, id: FeedId) -> Result<bool>;
    /// Which of these entry GUIDs this feed already has articles for.
    async fn known_guids(&self, feed_id: FeedId, guids: &[String]) -> Result<HashSet<String>>;
    /// Stores an article unless the feed already has one with its GUID;
    /// returns the new id, or `None` for a duplicate. The article is marked
    /// unrelated in the same transaction (see [`Store::unrelated_articles`]).
    async fn insert_article(&self, article: &NewArticle) -> Result<Option<ArticleId>>;
    /// Articles stored whose provenance never finished (a crash, or a
    /// failure, between storing and [`Store::mark_related`]), oldest first,
    /// at most `limit`.
    async fn unrelated_articles(&self, limit: i64) -> Result<Vec<ArticleId>>;
    /// Records that an article's provenance is complete.
    async fn mark_related(&self, article: ArticleId) -> Result<()>;
    /// Newest first (by publication time, else fetch time).
    async fn articles(&self, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>>;
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
    /// [`Store::put_fingerprint`] for many articles in one transaction (bulk
    /// loads, a re-fingerprint under a new scheme).
    async fn put_fingerprints(&self, scheme: u32, batch: &[(ArticleId, Vec<u64>)]) -> Result<()>;
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

/// Opens the embedded default: a SQLite database in `data_dir`, created and
/// migrated on first use.
pub async fn open_embedded(data_dir: &std::path::Path) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(SqliteStore::open_in_dir(data_dir).await?))
}
