//! The crawler: a worker on the database's work queue. It claims due feeds,
//! fetches each and queues a page job for every new entry; it claims page
//! jobs (its own or any other worker's), fetches the page, extracts, stores
//! the article and relates it. Every claim has a lease, so a worker that
//! dies loses nothing; every request waits for its host's turn, which the
//! database hands out, so politeness holds across all workers. One broken
//! feed or page never stops the others: a feed's failure is recorded on the
//! feed with its reason, and a page job that fails is tried again later,
//! then kept as failed with its reason.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;
use tracewire_extract::canonical_url::canonical_url;
use tracewire_extract::{Extracted, decode_html, extract, extract_fragment, feed_links};
use tracewire_model::{Feed, LastFetch, NewArticle, WebSubState};
use tracewire_store::{
    Claim, FetchOutcome, FetchResult, HostRules, HostTurn, MAX_PAGE_ATTEMPTS, NewPageJob, PageJob, PageJobEnd, Store,
    StoreError,
};
use url::Url;

use crate::feed::{FeedEntry, ParsedFeed, Served, looks_like_html, parse_feed_served};
use crate::fetch::{FetchError, Fetcher, Validators};
use crate::robots::{self, Rules};
use crate::websub;

#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// Polling interval for feeds that have none of their own.
    pub default_interval: Duration,
    /// Longest wait after repeated failures.
    pub max_backoff: Duration,
    /// Feeds this worker fetches at once.
    pub feed_concurrency: usize,
    /// Page jobs this worker runs at once.
    pub page_concurrency: usize,
    /// Requests in flight to one host, feeds and pages together.
    pub per_host_concurrency: usize,
    /// Least time between the starts of two requests to one host (raised
    /// to the host's robots.txt Crawl-delay, up to 30 s).
    pub per_host_interval: Duration,
    /// Ask each site's robots.txt before fetching an article page from it.
    pub respect_robots_txt: bool,
    /// This instance's public base URL, when hubs can reach it: feeds that
    /// name a WebSub hub are then subscribed, with the callback
    /// `{base}/websub/{feed_id}`. `None`: no WebSub.
    pub websub_base: Option<String>,
    /// Fetch each entry's page (otherwise only the feed's own content is used).
    pub fetch_pages: bool,
    /// New entries read from one fetch of a feed; the rest wait for the
    /// next fetches (the feed's body hash is not kept, so it is read again).
    /// Bounds a feed of 100,000 tiny entries to a day's politeness budget.
    pub max_new_entries: usize,
    /// A page whose extracted text is shorter than this loses to longer feed content.
    pub min_page_text_chars: usize,
    /// How often the scheduler looks for due feeds.
    pub tick: Duration,
    /// How long a claim on a feed or a page job lasts: a worker that dies
    /// holds its jobs this long, and an article it stored but did not
    /// relate waits this long for another worker to relate it.
    pub lease: Duration,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            default_interval: Duration::from_secs(30 * 60),
            max_backoff: Duration::from_secs(24 * 60 * 60),
            feed_concurrency: 8,
            page_concurrency: 8,
            per_host_concurrency: 2,
            per_host_interval: Duration::from_secs(1),
            respect_robots_txt: true,
            websub_base: None,
            fetch_pages: true,
            max_new_entries: 200,
            min_page_text_chars: 200,
            tick: Duration::from_secs(30),
            lease: Duration::from_secs(5 * 60),
        }
    }
}

/// Progress notifications, for a progress bar or log lines.
#[derive(Debug, Clone)]
pub enum CrawlEvent {
    /// This many feeds will be fetched in this round.
    FeedsDue(usize),
    /// A feed listed this many entries not seen before (queued as page jobs).
    EntriesFound { feed_id: i64, count: usize },
    /// One page job was handled (stored, or left for a retry).
    EntryDone {
        feed_id: i64,
        url: Option<String>,
        stored: bool,
    },
    /// A feed is finished.
    FeedDone(FeedReport),
}

/// One feed's part of a round: its fetch (when `fetched`), and the page jobs
/// of its entries this worker ran, whoever queued them.
#[derive(Debug, Clone, Default)]
pub struct FeedReport {
    pub feed_id: i64,
    pub url: String,
    /// The feed itself was fetched this round (else only its page jobs ran).
    pub fetched: bool,
    /// Entries not seen before, queued as page jobs.
    pub queued_entries: usize,
    pub new_articles: usize,
    /// The server answered 304 Not Modified.
    pub not_modified: bool,
    /// The body was the one read last time.
    pub unchanged: bool,
    /// Not fetched: the host asked us to wait.
    pub deferred: bool,
    /// The feed moved for good to this URL (stored as its new URL).
    pub moved_to: Option<String>,
    /// Why the feed failed, as stored on the feed.
    pub error: Option<String>,
    /// Entries whose page failed to fetch (their feed content was used instead).
    pub page_fallbacks: usize,
    /// Entries not stored this time, and why: beyond the cap (read at the
    /// next fetches), or neither page nor feed content gave text (the job
    /// is tried again later).
    pub skipped_entries: Vec<String>,
    /// Relations provenance found between the new articles and stored ones.
    pub relations: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CrawlReport {
    pub feeds: Vec<FeedReport>,
}

impl CrawlReport {
    pub fn new_articles(&self) -> usize {
        self.feeds.iter().map(|f| f.new_articles).sum()
    }

    pub fn relations(&self) -> usize {
        self.feeds.iter().map(|f| f.relations).sum()
    }

    pub fn failed_feeds(&self) -> usize {
        self.feeds.iter().filter(|f| f.error.is_some()).count()
    }

    /// Feeds fetched this round.
    pub fn fetched_feeds(&self) -> usize {
        self.feeds.iter().filter(|f| f.fetched).count()
    }
}

type EventSink = Arc<dyn Fn(&CrawlEvent) + Send + Sync>;

pub struct Crawler {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    config: CrawlConfig,
    /// This worker's name on its claims and host slots.
    worker: String,
    metrics: crate::CrawlMetrics,
    /// Each site's robots.txt rules and when they were read; one lock per
    /// site, so concurrent pages wait for one fetch of it.
    robots: Mutex<HashMap<String, RobotsSlot>>,
    events: Option<EventSink>,
}

/// One site's robots.txt rules and when they were read, behind the lock
/// its readers wait on.
type RobotsSlot = Arc<tokio::sync::Mutex<Option<(Instant, Arc<Rules>)>>>;

/// A host asks for a wait longer than this (Retry-After): its feeds are
/// deferred and its pages left for later instead of holding a worker.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(10);

/// How long a site's robots.txt is kept before it is read again (RFC 9309
/// asks for no more than a day), and how soon one that could not be read
/// is tried again.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const ROBOTS_RETRY: Duration = Duration::from_secs(30 * 60);

/// Longest Retry-After honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How often a worker asks again for a host whose slots are all taken, and
/// for page jobs while every ready one is on a busy host.
const BUSY_POLL: Duration = Duration::from_millis(25);
const IDLE_POLL: Duration = Duration::from_millis(50);

/// A failed page job waits this long before its next attempt, doubled per
/// attempt up to `PAGE_RETRY_MAX`.
const PAGE_RETRY: Duration = Duration::from_secs(5 * 60);
const PAGE_RETRY_MAX: Duration = Duration::from_secs(6 * 60 * 60);

/// What a page job carries: the entry, and what of its feed the article
/// needs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct QueuedEntry {
    entry: FeedEntry,
    feed_url: String,
    feed_title: Option<String>,
    feed_language: Option<String>,
}

/// Why an entry gave no article this time.
struct NoArticle {
    reason: String,
    /// The page was not asked for: its host wants us to wait this long.
    busy: Option<Duration>,
}

/// The host asked us to wait this long before asking again.
#[derive(Debug, Clone, Copy)]
struct HostBusy(Duration);

impl HostBusy {
    fn reason(self) -> String {
        format!(
            "not fetched: the server asked us to wait (Retry-After), {} s more",
            self.0.as_secs()
        )
    }
}

/// Why a fetch failed, and what that means for the next attempt.
#[derive(Debug, Clone)]
struct Failure {
    message: String,
    /// Added to the feed's failure weight (see `FetchError::weight`).
    weight: f64,
    retry_after: Option<Duration>,
    /// The server said 410 Gone.
    gone: bool,
}

impl Failure {
    fn hard(message: String) -> Failure {
        Failure {
            message,
            weight: 1.0,
            retry_after: None,
            gone: false,
        }
    }

    /// Ours, not the feed's (the database failed): counts for nothing.
    fn transient(message: String) -> Failure {
        Failure {
            weight: 0.0,
            ..Failure::hard(message)
        }
    }
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Failure {
        Failure {
            weight: e.weight(),
            retry_after: e.retry_after(),
            gone: e.is_gone(),
            message: e.to_string(),
        }
    }
}

/// What a feed URL gave.
enum FeedDocument {
    NotModified {
        moved_to: Option<String>,
    },
    /// The same body as last time (by content hash): not parsed again.
    Unchanged {
        validators: Validators,
        moved_to: Option<String>,
    },
    Parsed {
        feed: ParsedFeed,
        /// The URL the feed was read from: the one asked for, or the feed
        /// its HTML page advertised.
        feed_url: String,
        validators: Validators,
        moved_to: Option<String>,
        content_hash: String,
        /// The WebSub hub the document names (looked for only when this
        /// instance has a public URL).
        hub: Option<websub::Advertised>,
    },
    /// Not fetched: the host asked us to wait this long.
    Deferred(Duration),
}

/// Where a subscription URL leads: the feed document itself, after discovery.
#[derive(Debug, Clone)]
pub struct ResolvedFeed {
    pub feed_url: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// True when `feed_url` was found through the page's `<link rel="alternate">`.
    pub discovered: bool,
}

impl Crawler {
    pub fn new(store: Arc<dyn Store>, fetcher: Fetcher, config: CrawlConfig) -> Crawler {
        Crawler {
            store,
            fetcher,
            config,
            worker: worker_name(),
            metrics: crate::CrawlMetrics::default(),
            robots: Mutex::new(HashMap::new()),
            events: None,
        }
    }

    /// This worker's name, as its claims carry it.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// What this crawler counts (shared handles, for `/metrics`).
    pub fn metrics(&self) -> crate::CrawlMetrics {
        self.metrics.clone()
    }

    /// Gives back every claim this worker holds (it is stopping), so other
    /// workers need not wait for the leases to run out.
    pub async fn release_claims(&self) -> Result<(), StoreError> {
        self.store.release_claims(&self.worker).await
    }

    /// Calls `sink` for every progress event.
    pub fn with_events(mut self, sink: impl Fn(&CrawlEvent) + Send + Sync + 'static) -> Crawler {
        self.events = Some(Arc::new(sink));
        self
    }

    pub fn config(&self) -> &CrawlConfig {
        &self.config
    }

    fn emit(&self, event: CrawlEvent) {
        if let Some(sink) = &self.events {
            sink(&event);
        }
    }

    /// One round: claims and fetches due feeds (every feed when `force`)
    /// and runs page jobs until none is ready, its own and other workers'.
    pub async fn crawl_once(&self, force: bool) -> Result<CrawlReport, StoreError> {
        // Articles an interrupted crawl stored but did not relate, first:
        // ones older than a lease, so that no other worker is relating them.
        let stored_before = Utc::now() - chrono::Duration::from_std(self.config.lease).unwrap_or_default();
        match crate::provenance::relate_unfinished(self.store.as_ref(), stored_before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(articles = n, "related the articles an interrupted crawl left unrelated"),
            Err(e) => tracing::warn!(error = %e, "could not relate the articles an interrupted crawl left"),
        }
        let now = Utc::now();
        if force {
            self.store.due_now(now).await?;
        }
        self.emit(CrawlEvent::FeedsDue(
            self.store.queue_stats(now).await?.feeds_due as usize,
        ));
        let feeds_done = AtomicBool::new(false);
        let feed_phase = async {
            let loops = (0..self.config.feed_concurrency.max(1)).map(|_| self.feed_loop(now));
            let done = futures::future::join_all(loops).await;
            feeds_done.store(true, Ordering::Release);
            done
        };
        let (feeds, pages) = tokio::join!(feed_phase, self.run_pages(&feeds_done));
        let mut by_feed: HashMap<i64, FeedReport> = HashMap::new();
        let mut failed = None;
        for done in feeds {
            match done {
                Ok(reports) => by_feed.extend(reports.into_iter().map(|r| (r.feed_id, r))),
                // The round ends in the error; every fetch done is
                // recorded in the store already.
                Err(e) => failed = Some(e),
            }
        }
        let pages = pages?;
        if let Some(e) = failed {
            return Err(e);
        }
        for page in pages {
            let report = by_feed.entry(page.feed_id).or_insert_with(|| FeedReport {
                feed_id: page.feed_id,
                url: page.feed_url.clone(),
                ..FeedReport::default()
            });
            page.add_to(report);
        }
        let mut reports: Vec<FeedReport> = by_feed.into_values().collect();
        reports.sort_by_key(|r| r.feed_id);
        Ok(CrawlReport { feeds: reports })
    }

    /// Runs page jobs on `page_concurrency` loops until none is ready and
    /// `feeds_done` is set.
    async fn run_pages(&self, feeds_done: &AtomicBool) -> Result<Vec<PageReport>, StoreError> {
        let page_loops = (0..self.config.page_concurrency.max(1)).map(|_| self.page_loop(feeds_done));
        let mut pages = Vec::new();
        for done in futures::future::join_all(page_loops).await {
            pages.extend(done?);
        }
        Ok(pages)
    }

    fn claim(&self, now: DateTime<Utc>) -> Claim<'_> {
        Claim {
            worker: &self.worker,
            now,
            lease: self.config.lease,
            limit: 1,
        }
    }

    /// Claims and crawls due feeds, one at a time, until none is left.
    async fn feed_loop(&self, now: DateTime<Utc>) -> Result<Vec<FeedReport>, StoreError> {
        let mut reports = Vec::new();
        loop {
            let claimed = self.store.claim_feeds(&self.claim(now)).await?;
            if claimed.is_empty() {
                return Ok(reports);
            }
            for feed in claimed {
                reports.push(self.fetch_feed(&feed).await);
            }
        }
    }

    /// Claims and runs page jobs until none is ready and the feeds of this
    /// round are done. A ready job on a busy host is waited for.
    async fn page_loop(&self, feeds_done: &AtomicBool) -> Result<Vec<PageReport>, StoreError> {
        let mut reports = Vec::new();
        let concurrency = self.config.per_host_concurrency.max(1) as i64;
        let mut idle = false;
        loop {
            // Read before the claim: a feed that finishes after it queued
            // its jobs before, and the next claim sees them.
            let feeds_finished = feeds_done.load(Ordering::Acquire);
            let now = Utc::now();
            // Waiting for the feeds to queue something: a count (a read)
            // says when, where a claim is a write (on SQLite, the one write
            // lock) every loop would take twenty times a second.
            if idle && !feeds_finished && self.store.ready_pages(now).await? == 0 {
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            let claimed = self.store.claim_pages(&self.claim(now), concurrency).await?;
            idle = claimed.is_empty();
            if idle {
                if feeds_finished && self.store.ready_pages(now).await? == 0 {
                    return Ok(reports);
                }
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            for job in claimed {
                reports.push(self.run_page_job(job).await);
            }
        }
    }

    /// Builds, stores and relates one page job's article, and ends the job.
    async fn run_page_job(&self, job: PageJob) -> PageReport {
        let mut report = PageReport {
            feed_id: job.feed_id,
            ..PageReport::default()
        };
        let end = match serde_json::from_str::<QueuedEntry>(&job.payload) {
            Err(e) => PageJobEnd::Failed {
                error: format!("the queued entry cannot be read ({e}); a bug, please report it"),
            },
            Ok(queued) => {
                report.feed_url = queued.feed_url.clone();
                let end = self.store_page(&job, &queued, &mut report).await;
                self.emit(CrawlEvent::EntryDone {
                    feed_id: job.feed_id,
                    url: queued.entry.url.clone(),
                    stored: report.stored,
                });
                end
            }
        };
        if matches!(end, PageJobEnd::Retry { .. } | PageJobEnd::Failed { .. }) {
            self.metrics.page_jobs_failed.inc();
        }
        if let Err(e) = self.store.end_page(job.id, end).await {
            // The lease runs out and the job returns; storing it again is a no-op.
            tracing::warn!(job = job.id, error = %e, "could not end the page job");
        }
        report
    }

    async fn store_page(&self, job: &PageJob, queued: &QueuedEntry, report: &mut PageReport) -> PageJobEnd {
        let entry = &queued.entry;
        let name = entry.url.clone().unwrap_or_else(|| entry.guid.clone());
        let retry = |reason: String| {
            let wait = PAGE_RETRY
                .saturating_mul(1 << (job.attempts - 1).clamp(0, 16))
                .min(PAGE_RETRY_MAX);
            PageJobEnd::Retry {
                at: Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                error: reason,
            }
        };
        let (article, fell_back) = match self.article_for(job.feed_id, queued).await {
            Ok(built) => built,
            Err(NoArticle {
                busy: Some(wait),
                reason,
            }) => {
                report.skipped.push(format!("{name}: {reason}"));
                return PageJobEnd::Deferred {
                    until: Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                };
            }
            Err(NoArticle { reason, .. }) => {
                let last = job.attempts >= MAX_PAGE_ATTEMPTS;
                tracing::warn!(feed = %queued.feed_url, entry = %entry.guid, %reason, last, "entry not stored");
                report.skipped.push(format!("{name}: {reason}"));
                return if last {
                    PageJobEnd::Failed { error: reason }
                } else {
                    retry(reason)
                };
            }
        };
        report.fell_back = fell_back;
        let inserted = match self.store.insert_article(&article).await {
            Ok(inserted) => inserted,
            Err(e) => {
                report.skipped.push(format!("{name}: storing it failed: {e}"));
                return retry(format!("storing the article failed: {e}"));
            }
        };
        if let Some(id) = inserted {
            report.stored = true;
            self.metrics.articles_stored.inc();
            // A failure leaves the article in every reading list: logged,
            // not worth failing the job for.
            if let Err(e) = apply_filter_rules(self.store.as_ref(), id, &article).await {
                tracing::warn!(article = id, error = %e, "filter rules not applied to this article");
            }
            // Provenance is worth less than the article: a failure here is
            // logged, the article stays marked unrelated, and a later round
            // relates it.
            match crate::provenance::relate_new_article(self.store.as_ref(), id, &article).await {
                Ok(found) => report.relations += found.len(),
                Err(e) => tracing::warn!(article = id, error = %e, "provenance not computed for this article"),
            }
        }
        PageJobEnd::Done
    }

    /// Crawls on schedule until `shutdown` completes, then gives back what
    /// it holds: a round in progress is dropped, its jobs returned to the
    /// queue. A database that fails a round is tried again a tick later.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) -> Result<(), StoreError> {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                round = self.crawl_once(false) => match round {
                    Ok(report) if report.feeds.is_empty() => {}
                    Ok(report) => tracing::info!(
                        feeds = report.fetched_feeds(),
                        new_articles = report.new_articles(),
                        failed = report.failed_feeds(),
                        "crawl round finished"
                    ),
                    Err(e) => tracing::error!(error = %e, "the crawl round failed; trying again at the next tick"),
                },
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(self.config.tick) => {}
            }
        }
        self.release_claims().await
    }

    /// Fetches one feed now, due or not, and runs the page jobs that are
    /// ready (its new entries' among them); the report counts its own.
    pub async fn crawl_feed(&self, feed: &Feed) -> FeedReport {
        let mut report = self.fetch_feed(feed).await;
        match self.run_pages(&AtomicBool::new(true)).await {
            Ok(pages) => {
                for page in pages.into_iter().filter(|p| p.feed_id == feed.id) {
                    page.add_to(&mut report);
                }
            }
            Err(e) => {
                report
                    .error
                    .get_or_insert_with(|| format!("running its page jobs failed: {e}"));
            }
        }
        report
    }

    /// Fetches one feed, queues its new entries, and records the outcome.
    async fn fetch_feed(&self, feed: &Feed) -> FeedReport {
        let mut report = FeedReport {
            feed_id: feed.id,
            url: feed.url.clone(),
            fetched: true,
            ..FeedReport::default()
        };
        let fetched_at = Utc::now();
        // A 304 is believed once: the fetch after one asks without
        // validators, so a server whose ETag does not change with its
        // content costs at most one interval of delay, and the content
        // hash keeps the unconditional fetch from re-reading an unchanged
        // body.
        let validators = if feed.last_result == Some(LastFetch::NotModified) {
            Validators::default()
        } else {
            Validators {
                etag: feed.etag.clone(),
                last_modified: feed.last_modified.clone(),
            }
        };
        let mut retry_after = None;
        let mut moved = None;
        let result = match self
            .fetch_feed_document(&feed.url, &validators, feed.content_hash.as_deref())
            .await
        {
            Err(failure) => {
                tracing::warn!(feed = %feed.url, error = %failure.message, "feed fetch failed");
                report.error = Some(failure.message.clone());
                retry_after = failure.retry_after;
                if failure.gone {
                    FetchResult::Stopped {
                        reason: failure.message,
                    }
                } else {
                    FetchResult::Failed {
                        error: failure.message,
                        weight: failure.weight,
                    }
                }
            }
            Ok(FeedDocument::Deferred(wait)) => {
                report.deferred = true;
                retry_after = Some(wait);
                FetchResult::Deferred
            }
            Ok(FeedDocument::NotModified { moved_to }) => {
                report.not_modified = true;
                moved = moved_to;
                FetchResult::NotModified
            }
            Ok(FeedDocument::Unchanged { validators, moved_to }) => {
                report.unchanged = true;
                moved = moved_to;
                FetchResult::Unchanged {
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                }
            }
            Ok(FeedDocument::Parsed {
                feed: parsed,
                validators,
                moved_to,
                content_hash,
                hub,
                ..
            }) => {
                moved = moved_to;
                if let Some(hub) = hub {
                    self.keep_subscribed(feed, &hub).await;
                }
                match self.queue_new_entries(feed, &parsed, &mut report).await {
                    Ok(()) => {
                        // Entries left for a retry must be read again: forget
                        // what would let the next fetch skip this body.
                        let complete = report.skipped_entries.is_empty();
                        FetchResult::Updated {
                            title: parsed.title.clone(),
                            site_url: parsed.site_url.clone(),
                            etag: validators.etag.filter(|_| complete),
                            last_modified: validators.last_modified.filter(|_| complete),
                            content_hash: Some(content_hash).filter(|_| complete),
                        }
                    }
                    Err(e) => {
                        let error = format!("storing entries failed: {e}");
                        report.error = Some(error.clone());
                        FetchResult::Failed { error, weight: 0.5 }
                    }
                }
            }
        };
        report.moved_to = moved.clone();
        let next_fetch_at = self.next_fetch(feed, &result, retry_after, fetched_at);
        let outcome = FetchOutcome {
            fetched_at,
            next_fetch_at,
            result,
            moved_to: moved,
        };
        if let Err(e) = self.store.record_fetch(feed.id, outcome).await {
            tracing::error!(feed = %feed.url, error = %e, "could not record the fetch outcome");
            report
                .error
                .get_or_insert_with(|| format!("recording the fetch failed: {e}"));
        }
        self.emit(CrawlEvent::FeedDone(report.clone()));
        report
    }

    /// Asks the feed's hub to notify us, unless a subscription for this hub
    /// and topic is live, or was asked for recently. A failure is logged
    /// and recorded on the subscription; polling goes on regardless.
    async fn keep_subscribed(&self, feed: &Feed, advertised: &websub::Advertised) {
        let Some(base) = &self.config.websub_base else {
            return;
        };
        let topic = advertised.topic.clone().unwrap_or_else(|| feed.url.clone());
        let now = Utc::now();
        let current = match self.store.websub(feed.id).await {
            Ok(current) => current,
            Err(e) => {
                tracing::warn!(feed = %feed.url, error = %e, "cannot read the WebSub subscription");
                return;
            }
        };
        let settled = current.as_ref().is_some_and(|s| {
            s.hub == advertised.hub
                && s.topic == topic
                && match s.state {
                    WebSubState::Active => s.lease_expires.is_some_and(|l| l > now + chrono::Duration::days(1)),
                    // A hub gets a day to verify; one that refused is asked weekly.
                    WebSubState::Requested => s.requested_at > now - chrono::Duration::days(1),
                    WebSubState::Denied => s.requested_at > now - chrono::Duration::days(7),
                }
        });
        if settled {
            return;
        }
        let secret = match websub::new_secret() {
            Ok(secret) => secret,
            Err(e) => {
                tracing::warn!(feed = %feed.url, error = %e, "no WebSub subscription");
                return;
            }
        };
        let callback = format!("{}/websub/{}", base.trim_end_matches('/'), feed.id);
        // Recorded first: the hub may verify before its answer reaches us.
        if let Err(e) = self
            .store
            .put_websub_request(feed.id, &advertised.hub, &topic, &secret)
            .await
        {
            tracing::warn!(feed = %feed.url, error = %e, "cannot record the WebSub request");
            return;
        }
        let form = websub::subscribe_form(&topic, &callback, &secret);
        // In the hub's turn, if it has one now; a busy hub is asked anyway
        // (one request a day per feed).
        let slot = match host_of(&advertised.hub) {
            Some(host) => self.host_turn(&host).await.ok(),
            None => None,
        };
        let posted = self.fetcher.post_form(&advertised.hub, &form).await;
        if let Some(slot) = slot
            && let Err(e) = self.store.host_done(slot).await
        {
            tracing::warn!(hub = %advertised.hub, error = %e, "could not give back the host's slot");
        }
        let refusal = match posted {
            Ok(status) if (200..300).contains(&status) => {
                tracing::info!(feed = %feed.url, hub = %advertised.hub, "asked the hub for WebSub notifications");
                return;
            }
            Ok(status) => format!(
                "the hub {} answered HTTP {status} to the subscription request",
                advertised.hub
            ),
            Err(e) => format!("the subscription request could not be sent: {e}"),
        };
        tracing::warn!(feed = %feed.url, reason = %refusal, "WebSub subscription refused; polling goes on");
        let denied = tracewire_store::WebSubOutcome::Denied { reason: refusal };
        if let Err(e) = self.store.confirm_websub(feed.id, &topic, denied).await {
            tracing::warn!(feed = %feed.url, error = %e, "cannot record the WebSub refusal");
        }
    }

    /// When to fetch again: the feed's interval; after failures, longer by
    /// 2^(weight - 1) (the failure weight counts a timeout as half a 404),
    /// up to `max_backoff`; never sooner than the server's Retry-After (up
    /// to a week). Every wait is spread by ±10 % so feeds that fail or
    /// fall due together do not stay together.
    fn next_fetch(
        &self,
        feed: &Feed,
        result: &FetchResult,
        retry_after: Option<Duration>,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let interval = if feed.interval_secs > 0 {
            Duration::from_secs(feed.interval_secs as u64)
        } else {
            self.config.default_interval
        };
        let base = match result {
            FetchResult::Failed { weight, .. } => {
                let total = (feed.failure_weight + weight).max(1.0);
                interval
                    .mul_f64(2f64.powf((total - 1.0).min(20.0)))
                    .min(self.config.max_backoff)
            }
            FetchResult::Stopped { .. } => self.config.max_backoff,
            FetchResult::Deferred => Duration::ZERO,
            _ => interval,
        };
        let wait = base.mul_f64(0.9 + 0.2 * fastrand::f64());
        let wait = match retry_after {
            Some(asked) => wait.max(asked.min(MAX_RETRY_AFTER)),
            None => wait,
        };
        now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
    }

    /// What a subscription URL leads to: the URL itself when it is a feed, or
    /// the first feed its page advertises.
    pub async fn resolve_subscription(&self, url: &str) -> Result<ResolvedFeed, String> {
        match self
            .fetch_feed_document(url, &Validators::default(), None)
            .await
            .map_err(|f| f.message)?
        {
            FeedDocument::NotModified { .. } | FeedDocument::Unchanged { .. } => {
                Err(format!("{url} answered 304 Not Modified to a plain GET"))
            }
            FeedDocument::Deferred(wait) => Err(HostBusy(wait).reason()),
            FeedDocument::Parsed { feed, feed_url, .. } => {
                let discovered = feed_url != url;
                Ok(ResolvedFeed {
                    site_url: feed.site_url.or_else(|| discovered.then(|| url.to_string())),
                    title: feed.title,
                    feed_url,
                    discovered,
                })
            }
        }
    }

    /// For a body that is not a feed: the first feed link if it is an HTML
    /// page, `None` if it is a page without one, an error if it is neither.
    fn advertised_feed(&self, page: &crate::fetch::FetchedPage, parse_error: &str) -> Result<Option<String>, String> {
        if !looks_like_html(page.content_type.as_deref(), &page.body) {
            let served_as = page.content_type.as_deref().unwrap_or("no Content-Type");
            let feed_type = ["xml", "rss", "atom", "json"].iter().any(|t| served_as.contains(t));
            let hint = if feed_type {
                "the feed is broken; only its publisher can mend it"
            } else {
                "check that this is the address of the feed itself"
            };
            return Err(format!(
                "cannot parse the feed at {} (served as {served_as}): {parse_error}; {hint}",
                page.final_url
            ));
        }
        let html = decode_html(&page.body, page.content_type.as_deref());
        Ok(feed_links(&html, Some(&page.final_url))
            .into_iter()
            .next()
            .map(|l| l.url))
    }

    async fn fetch_feed_document(
        &self,
        url: &str,
        validators: &Validators,
        known_hash: Option<&str>,
    ) -> Result<FeedDocument, Failure> {
        let page = match self.fetch("feed", url, validators).await {
            Ok(page) => page,
            Err(FetchFailure::Busy(busy)) => return Ok(FeedDocument::Deferred(busy.0)),
            Err(FetchFailure::Failed(e)) => return Err(e.into()),
            Err(FetchFailure::Gate(e)) => return Err(Failure::transient(e)),
        };
        let moved_to = page
            .moved_permanently()
            .map(Url::to_string)
            .filter(|moved| moved != url);
        if page.not_modified {
            return Ok(FeedDocument::NotModified { moved_to });
        }
        let content_hash = sha256_hex(&page.body);
        if known_hash == Some(content_hash.as_str()) {
            return Ok(FeedDocument::Unchanged {
                validators: page.validators,
                moved_to,
            });
        }
        match parse_feed_served(&page.body, page.final_url.as_str(), served(&page)) {
            Ok(feed) => Ok(FeedDocument::Parsed {
                feed,
                feed_url: url.to_string(),
                validators: page.validators,
                moved_to,
                content_hash,
                hub: self
                    .config
                    .websub_base
                    .as_ref()
                    .and_then(|_| websub::discover(&page.body)),
            }),
            Err(parse_error) => {
                let link = self.advertised_feed(&page, &parse_error.0).map_err(Failure::hard)?;
                let Some(link) = link else {
                    return Err(Failure::hard(format!(
                        "{url} is an HTML page, not a feed, and advertises no feed (no <link rel=\"alternate\">); \
                         subscribe to the site's feed URL instead"
                    )));
                };
                let linked = match self.fetch("feed", &link, &Validators::default()).await {
                    Ok(linked) => linked,
                    Err(FetchFailure::Busy(busy)) => return Ok(FeedDocument::Deferred(busy.0)),
                    Err(FetchFailure::Failed(e)) => return Err(e.into()),
                    Err(FetchFailure::Gate(e)) => return Err(Failure::transient(e)),
                };
                let feed =
                    parse_feed_served(&linked.body, linked.final_url.as_str(), served(&linked)).map_err(|e| {
                        Failure::hard(format!(
                            "{url} advertises the feed {link}, but it cannot be parsed: {e}"
                        ))
                    })?;
                // Validators of the page would not match the feed; send none next time.
                Ok(FeedDocument::Parsed {
                    feed,
                    feed_url: link,
                    validators: Validators::default(),
                    moved_to: None,
                    content_hash,
                    hub: self
                        .config
                        .websub_base
                        .as_ref()
                        .and_then(|_| websub::discover(&linked.body)),
                })
            }
        }
    }

    /// One request in its host's turn. A 429 or 503 with Retry-After holds
    /// back every later request to that host, from every worker.
    async fn fetch(
        &self,
        kind: &'static str,
        url: &str,
        validators: &Validators,
    ) -> Result<crate::fetch::FetchedPage, FetchFailure> {
        let host = host_of(url);
        let slot = match &host {
            Some(host) => Some(self.host_turn(host).await?),
            None => None,
        };
        let started = Instant::now();
        let result = self.fetcher.get(url, validators).await;
        self.metrics
            .fetched(kind, result.is_ok(), started.elapsed().as_secs_f64());
        if let (Err(e), Some(host)) = (&result, &host)
            && let Some(wait) = e.retry_after()
            && let Err(e) = self.store.hold_host(host, wait.min(MAX_RETRY_AFTER)).await
        {
            tracing::warn!(%host, error = %e, "could not record the host's Retry-After");
        }
        if let Some(slot) = slot
            && let Err(e) = self.store.host_done(slot).await
        {
            // The slot's lease runs out instead.
            tracing::warn!(url, error = %e, "could not give back the host's slot");
        }
        result.map_err(FetchFailure::Failed)
    }

    /// Waits for a turn at `host` (a free slot, its next start time); `Busy`
    /// when the host asked for a longer wait than a worker is held for.
    async fn host_turn(&self, host: &str) -> Result<i64, FetchFailure> {
        let rules = HostRules {
            concurrency: self.config.per_host_concurrency.max(1) as i64,
            interval: self.config.per_host_interval,
            max_wait: MAX_INLINE_WAIT,
            // The whole fetch has one deadline; a slot outlives it.
            lease: MAX_INLINE_WAIT + self.fetcher.config().timeout * 2,
        };
        loop {
            match self.store.host_turn(host, &self.worker, rules).await {
                Ok(HostTurn::Go { slot, wait }) => {
                    tokio::time::sleep(wait).await;
                    return Ok(slot);
                }
                Ok(HostTurn::Full) => tokio::time::sleep(BUSY_POLL).await,
                Ok(HostTurn::Later { wait }) => return Err(FetchFailure::Busy(HostBusy(wait))),
                Err(e) => {
                    return Err(FetchFailure::Gate(format!(
                        "not fetched: the database could not schedule a request to {host}: {e}"
                    )));
                }
            }
        }
    }

    /// `Err` with the reason when the site's robots.txt keeps us from
    /// fetching `url` (or cannot be read, or its host asks us to wait).
    /// Fetched once per site per worker.
    async fn robots_allows(&self, url: &str) -> Result<(), RobotsVerdict> {
        if !self.config.respect_robots_txt {
            return Ok(());
        }
        let Ok(parsed) = Url::parse(url) else {
            return Ok(());
        };
        let Some(robots_url) = robots::robots_url(&parsed) else {
            return Ok(());
        };
        let slot = {
            let mut robots = self.robots.lock().unwrap_or_else(|e| e.into_inner());
            robots.entry(robots_url.clone()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        let fresh = cached.as_ref().filter(|(read, rules)| {
            let ttl = match rules.as_ref() {
                Rules::Unreachable(_) => ROBOTS_RETRY,
                _ => ROBOTS_TTL,
            };
            read.elapsed() < ttl
        });
        let rules = match fresh {
            Some((_, rules)) => rules.clone(),
            None => {
                let fetched = match self.fetch("robots", &robots_url, &Validators::default()).await {
                    Ok(page) => Ok(page),
                    Err(FetchFailure::Failed(e)) => Err(e),
                    // Not remembered: the next page asks again.
                    Err(FetchFailure::Busy(busy)) => return Err(RobotsVerdict::Busy(busy.0)),
                    Err(FetchFailure::Gate(e)) => return Err(RobotsVerdict::Refused(e)),
                };
                let rules = Arc::new(Rules::from_fetch(&robots_url, fetched));
                if let (Some(delay), Some(host)) = (rules.crawl_delay(), host_of(url))
                    && let Err(e) = self.store.slow_host(&host, delay).await
                {
                    tracing::warn!(%host, error = %e, "could not record the host's Crawl-delay");
                }
                *cached = Some((Instant::now(), rules.clone()));
                rules
            }
        };
        rules.check(&robots_url, &parsed).map_err(RobotsVerdict::Refused)
    }

    async fn queue_new_entries(
        &self,
        feed: &Feed,
        parsed: &ParsedFeed,
        report: &mut FeedReport,
    ) -> Result<(), StoreError> {
        // An entry is known by its GUID as written (how articles stored
        // before canonical identities were recorded) or by its identity.
        let identities: Vec<String> = parsed.entries.iter().map(|e| entry_identity(&e.guid)).collect();
        let mut guids: Vec<String> = parsed.entries.iter().map(|e| e.guid.clone()).collect();
        guids.extend(
            parsed
                .entries
                .iter()
                .zip(&identities)
                .filter(|(e, id)| e.guid != **id)
                .map(|(_, id)| id.clone()),
        );
        let known = self.store.known_guids(feed.id, &guids).await?;
        let mut seen = std::collections::HashSet::new();
        let mut fresh: Vec<FeedEntry> = parsed
            .entries
            .iter()
            .zip(identities)
            .filter(|(e, id)| !known.contains(&e.guid) && !known.contains(id) && seen.insert(id.clone()))
            .map(|(e, id)| FeedEntry { guid: id, ..e.clone() })
            .collect();
        // Feeds list newest first: the newest are read now, the rest at the
        // next fetches (a skipped entry keeps the body hash from being kept).
        let cap = self.config.max_new_entries.max(1);
        if fresh.len() > cap {
            report.skipped_entries.push(format!(
                "{} new entries beyond the {cap} read per fetch; left for the next fetches",
                fresh.len() - cap
            ));
            fresh.truncate(cap);
        }
        // Oldest first, so job ids (and article ids) follow the feed's own
        // order of publication.
        let jobs = fresh
            .into_iter()
            .rev()
            .map(|entry| {
                let host = entry
                    .url
                    .as_deref()
                    .filter(|_| self.config.fetch_pages)
                    .and_then(host_of);
                let guid = entry.guid.clone();
                let queued = QueuedEntry {
                    entry,
                    feed_url: feed.url.clone(),
                    feed_title: parsed.title.clone().or_else(|| feed.title.clone()),
                    feed_language: parsed.language.clone(),
                };
                let payload = serde_json::to_string(&queued).map_err(|e| StoreError::Corrupt {
                    what: "queued entry",
                    detail: e.to_string(),
                })?;
                Ok(NewPageJob {
                    feed_id: feed.id,
                    guid,
                    host,
                    payload,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        report.queued_entries = self.store.enqueue_pages(&jobs, Utc::now()).await?;
        self.emit(CrawlEvent::EntriesFound {
            feed_id: feed.id,
            count: report.queued_entries,
        });
        Ok(())
    }

    /// Builds the article for one entry: from its page when that yields a
    /// real body, else from the feed's own content. The flag says whether
    /// the page failed and the feed content was used.
    async fn article_for(&self, feed_id: i64, queued: &QueuedEntry) -> Result<(NewArticle, bool), NoArticle> {
        let entry = &queued.entry;
        let mut page: Option<(Extracted, Url)> = None;
        let mut page_error = None;
        let mut busy = None;
        if let Some(url) = entry.url.as_deref().filter(|_| self.config.fetch_pages) {
            match self.robots_allows(url).await {
                Err(RobotsVerdict::Busy(wait)) => {
                    busy = Some(wait);
                    page_error = Some(format!("{url}: {}", HostBusy(wait).reason()));
                }
                Err(RobotsVerdict::Refused(why)) => page_error = Some(format!("{url}: {why}")),
                Ok(()) => match self.fetch("page", url, &Validators::default()).await {
                    Ok(fetched) => {
                        let html = decode_html(&fetched.body, fetched.content_type.as_deref());
                        page = Some((extract(&html, Some(&fetched.final_url)), fetched.final_url));
                    }
                    Err(FetchFailure::Failed(e)) => page_error = Some(e.to_string()),
                    Err(FetchFailure::Gate(e)) => page_error = Some(e),
                    Err(FetchFailure::Busy(b)) => {
                        busy = Some(b.0);
                        page_error = Some(format!("{url}: {}", b.reason()));
                    }
                },
            }
        }
        let entry_base = entry.url.as_deref().and_then(|u| Url::parse(u).ok());
        let from_feed = entry
            .content_html
            .as_deref()
            .or(entry.summary_html.as_deref())
            .map(|html| extract_fragment(html, entry_base.as_ref()));

        let page_len = page.as_ref().map_or(0, |(p, _)| p.text.chars().count());
        let feed_len = from_feed.as_ref().map_or(0, |f| f.text.chars().count());
        let use_page = page_len > 0 && (page_len >= self.config.min_page_text_chars || page_len >= feed_len);
        let (page_meta, page_url) = match page {
            Some((p, u)) => (Some(p), Some(String::from(u))),
            None => (None, None),
        };
        let body = if use_page {
            page_meta.clone()
        } else {
            from_feed.filter(|_| feed_len > 0)
        };
        let Some(body) = body else {
            return Err(NoArticle {
                reason: page_error
                    .unwrap_or_else(|| "neither the page nor the feed entry has any article text".to_string()),
                busy,
            });
        };
        let fell_back = !use_page;
        let meta = page_meta.unwrap_or_default();
        // The page is fetched at the link as given; the article is stored
        // under the link's one spelling, so two links to it are one URL.
        let url = page_url
            .or_else(|| entry.url.clone())
            .unwrap_or_else(|| queued.feed_url.clone());
        let url = canonical_url(&url).map(String::from).unwrap_or(url);
        let mut attributions = body.attributions.clone();
        let mut source_url = body.source_url.clone();
        if source_url.is_none() && !meta.attributions.is_empty() {
            attributions = meta.attributions.clone();
            source_url = meta.source_url.clone();
        }
        let title = entry
            .title
            .clone()
            .or(meta.title.clone())
            .unwrap_or_else(|| "(untitled)".to_string());
        let site_name = meta.site_name.clone().or_else(|| queued.feed_title.clone());
        let language = meta.language.clone().or(body.language.clone()).or_else(|| {
            queued
                .feed_language
                .as_deref()
                .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        });
        let annotations = crate::annotate::annotate(&body.text);
        Ok((
            NewArticle {
                feed_id,
                guid: entry.guid.clone(),
                site: tracewire_provenance::site_of(&url),
                url,
                canonical_url: meta.canonical_url.clone(),
                title,
                byline: meta.byline.clone().or_else(|| entry.author.clone()),
                published: entry.published.or(meta.published.map(|d| d.with_timezone(&Utc))),
                site_name,
                language,
                source_url,
                attributions,
                text: body.text,
                html: body.html,
                fetched_at: Utc::now(),
                annotations,
            },
            fell_back,
        ))
    }
}

/// Why a request in its host's turn did not give a page.
enum FetchFailure {
    Failed(FetchError),
    Busy(HostBusy),
    /// The database could not hand out the turn.
    Gate(String),
}

/// Why robots.txt keeps a page from being fetched now.
enum RobotsVerdict {
    Refused(String),
    /// robots.txt itself could not be asked for yet: the host wants us to wait.
    Busy(Duration),
}

/// What running one page job did.
#[derive(Debug, Default)]
struct PageReport {
    feed_id: i64,
    feed_url: String,
    stored: bool,
    fell_back: bool,
    relations: usize,
    skipped: Vec<String>,
}

impl PageReport {
    fn add_to(self, report: &mut FeedReport) {
        report.new_articles += usize::from(self.stored);
        report.page_fallbacks += usize::from(self.fell_back);
        report.relations += self.relations;
        report.skipped_entries.extend(self.skipped);
    }
}

/// The host of a URL, as host schedules are kept: lower case, no port.
fn host_of(url: &str) -> Option<String> {
    Some(Url::parse(url).ok()?.host_str()?.to_ascii_lowercase())
}

/// A name for this worker's claims: the machine, the process, and a random
/// part (two crawlers in one process are two workers).
fn worker_name() -> String {
    let machine = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{machine}:{}:{:08x}", std::process::id(), fastrand::u32(..))
}

/// What the response said that bears on reading the document: the
/// charset of its Content-Type comes before the XML declaration.
fn served(page: &crate::fetch::FetchedPage) -> Served<'_> {
    Served {
        content_type: page.content_type.as_deref(),
        content_language: None,
    }
}

/// SHA-256 of a body, in hex.
fn sha256_hex(body: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}

/// The identity an entry is stored under: a GUID that is an http(s) URL (a
/// permalink, or the link of an entry without a GUID) in its canonical form,
/// so links that differ only by tracking parameters, fragment, case or
/// default port are one entry; any other GUID as the feed wrote it.
fn entry_identity(guid: &str) -> String {
    canonical_url(guid).map_or_else(|_| guid.to_string(), String::from)
}

/// Keeps a new article out of the reading lists of the subscribers whose
/// filter rules turn it away (`tracewire_model::rules_admit`).
pub async fn apply_filter_rules(
    store: &dyn Store,
    id: tracewire_model::ArticleId,
    article: &tracewire_model::NewArticle,
) -> Result<(), StoreError> {
    let subject = tracewire_model::RuleSubject {
        title: &article.title,
        author: article.byline.as_deref(),
        content: &article.text,
        url: &article.url,
    };
    for user in store.subscribers(article.feed_id).await? {
        let rules = store.rules(user).await?;
        if !rules.is_empty() && !tracewire_model::rules_admit(&rules, &subject) {
            store.hide(user, id).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tracewire_store::NewFeed;
    use tracewire_testkit::{ARTICLE_HTML, FixtureResponse, FixtureServer};

    use super::*;
    use crate::fetch::FetchConfig;

    fn rss(items: &[(&str, &str)]) -> String {
        let items: String = items
            .iter()
            .map(|(title, link)| {
                format!(
                    "<item><title>{title}</title><link>{}</link></item>",
                    link.replace('&', "&amp;")
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
             <link>http://wire.example/</link>{items}</channel></rss>"
        )
    }

    /// A crawler on a fresh store that may fetch from loopback, unpaced.
    async fn crawler(dir: &std::path::Path) -> (Arc<dyn Store>, Crawler) {
        let config = CrawlConfig {
            per_host_interval: Duration::ZERO,
            ..CrawlConfig::default()
        };
        crawler_with(dir, config, FetchConfig::default()).await
    }

    #[tokio::test]
    async fn links_that_differ_by_tracking_and_fragment_are_one_article() {
        let site = FixtureServer::start().await.unwrap();
        let newsletter = "/world/talks-resume?utm_source=newsletter&utm_medium=email";
        let social = "/world/talks-resume?utm_source=twitter#comments";
        let later = "/world/talks-resume?fbclid=IwAR0abc&UTM_Campaign=x";
        for path in [newsletter, "/world/talks-resume?utm_source=twitter", later] {
            site.route(path, FixtureResponse::html(ARTICLE_HTML));
        }
        site.route(
            "/feed.xml",
            FixtureResponse::rss(rss(&[
                ("Talks resume in Geneva", &site.url(newsletter)),
                ("Talks resume in Geneva", &site.url(social)),
            ])),
        );
        let dir = tempfile::tempdir().unwrap();
        let (store, crawler) = crawler(dir.path()).await;
        let feed = subscribe(&store, site.url("/feed.xml")).await;

        let report = crawler.crawl_feed(&feed).await;
        assert_eq!(report.error, None);
        assert_eq!(report.new_articles, 1, "{report:?}");
        let articles = store.articles(10, 0).await.unwrap();
        assert_eq!(articles.len(), 1);
        assert_eq!(articles[0].url, site.url("/world/talks-resume"));
        assert_eq!(site.hits(newsletter), 1, "the page is fetched at the link as given");
        assert_eq!(site.hits("/world/talks-resume?utm_source=twitter"), 0);

        // The same story, linked again later with other trackers.
        site.route(
            "/feed.xml",
            FixtureResponse::rss(rss(&[("Talks resume in Geneva", &site.url(later))])),
        );
        let feed = store.feed(feed.id).await.unwrap().unwrap();
        let report = crawler.crawl_feed(&feed).await;
        assert_eq!(report.error, None);
        assert_eq!(report.new_articles, 0, "{report:?}");
        assert_eq!(store.count_articles().await.unwrap(), 1);
        assert_eq!(site.hits(later), 0, "a known entry's page is not fetched again");
    }

    /// A crawler that may fetch from loopback, with `config`.
    async fn crawler_with(dir: &std::path::Path, config: CrawlConfig, fetch: FetchConfig) -> (Arc<dyn Store>, Crawler) {
        let store = tracewire_store::open_embedded(dir).await.unwrap();
        let fetcher = Fetcher::new(FetchConfig {
            allow_private_networks: true,
            ..fetch
        })
        .unwrap();
        (store.clone(), Crawler::new(store, fetcher, config))
    }

    async fn subscribe(store: &Arc<dyn Store>, url: String) -> Feed {
        store
            .add_feed(NewFeed {
                url,
                title: None,
                site_url: None,
                interval_secs: 1800,
            })
            .await
            .unwrap()
    }

    /// An RSS item with a link and a description long enough to stand in
    /// for its page.
    fn item(guid: &str, link: &str) -> String {
        format!(
            "<item><guid>{guid}</guid><title>Story {guid}</title><link>{link}</link>\
             <description>Officials said on Tuesday that story {guid} had been confirmed by three \
             separate delegations after a week of talks in Geneva about the ceasefire.</description></item>"
        )
    }

    fn channel(items: &[String]) -> String {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
             <link>http://wire.example/</link>{}</channel></rss>",
            items.concat()
        )
    }

    #[tokio::test]
    async fn one_host_sees_at_most_its_concurrency_and_a_pause_between_requests() {
        let site = FixtureServer::start().await.unwrap();
        let items: Vec<String> = (0..8)
            .map(|i| {
                let path = format!("/story/{i}");
                site.route(
                    &path,
                    FixtureResponse::html(ARTICLE_HTML).with_delay(Duration::from_millis(150)),
                );
                item(&i.to_string(), &site.url(&path))
            })
            .collect();
        site.route("/feed.xml", FixtureResponse::rss(channel(&items)));
        let dir = tempfile::tempdir().unwrap();
        let config = CrawlConfig {
            per_host_concurrency: 2,
            per_host_interval: Duration::from_millis(100),
            page_concurrency: 8,
            ..CrawlConfig::default()
        };
        let (store, crawler) = crawler_with(dir.path(), config, FetchConfig::default()).await;
        let feed = subscribe(&store, site.url("/feed.xml")).await;
        let report = crawler.crawl_feed(&feed).await;
        assert_eq!((report.error, report.new_articles), (None, 8));
        assert_eq!(site.max_in_flight(), 2, "the host's limit is used, never exceeded");
        let arrivals = site.arrivals();
        assert_eq!(arrivals.len(), 10, "feed, robots.txt, eight pages: {arrivals:?}");
        for pair in arrivals.windows(2) {
            let gap = pair[1].1 - pair[0].1;
            assert!(
                gap >= Duration::from_millis(95),
                "{} then {} after {gap:?}",
                pair[0].0,
                pair[1].0
            );
        }
    }

    #[tokio::test]
    async fn robots_txt_keeps_pages_out_and_the_feed_text_stands_in() {
        let site = FixtureServer::start().await.unwrap();
        site.route(
            "/robots.txt",
            FixtureResponse::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
        );
        site.route("/private/a", FixtureResponse::html(ARTICLE_HTML));
        site.route("/public/b", FixtureResponse::html(ARTICLE_HTML));
        let items = [item("a", &site.url("/private/a")), item("b", &site.url("/public/b"))];
        site.route("/feed.xml", FixtureResponse::rss(channel(&items)));
        let dir = tempfile::tempdir().unwrap();
        let (store, crawler) = crawler(dir.path()).await;
        let feed = subscribe(&store, site.url("/feed.xml")).await;
        let report = crawler.crawl_feed(&feed).await;
        assert_eq!((report.error.as_deref(), report.new_articles), (None, 2));
        assert_eq!(report.page_fallbacks, 1, "{report:?}");
        assert_eq!(site.hits("/private/a"), 0, "a disallowed page is never requested");
        assert_eq!(site.hits("/public/b"), 1);
        assert_eq!(site.hits("/robots.txt"), 1, "robots.txt is read once per site");
        assert_eq!(store.count_articles().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_lying_etag_costs_at_most_one_interval_and_an_unchanged_body_is_not_reread() {
        let site = FixtureServer::start().await.unwrap();
        let page = |i: usize| {
            site.route(&format!("/s/{i}"), FixtureResponse::html(ARTICLE_HTML));
            item(&i.to_string(), &site.url(&format!("/s/{i}")))
        };
        let first = [page(1)];
        site.route("/feed.xml", FixtureResponse::rss(channel(&first)).with_etag("\"v1\""));
        let dir = tempfile::tempdir().unwrap();
        let (store, crawler) = crawler(dir.path()).await;
        let feed = subscribe(&store, site.url("/feed.xml")).await;
        let crawl = || async {
            let feed = store.feed(feed.id).await.unwrap().unwrap();
            crawler.crawl_feed(&feed).await
        };
        assert_eq!(crawl().await.new_articles, 1);
        // New content under the same ETag: the server answers 304 to it.
        let second = [page(2), page(1)];
        site.route("/feed.xml", FixtureResponse::rss(channel(&second)).with_etag("\"v1\""));
        let lied = crawl().await;
        assert!(lied.not_modified && lied.new_articles == 0, "{lied:?}");
        // The fetch after a 304 asks without validators and sees the entry.
        let caught = crawl().await;
        assert!(!caught.not_modified && caught.new_articles == 1, "{caught:?}");
        assert_eq!(site.not_modified("/feed.xml"), 1);
        // Validators are used again after a full read.
        assert!(crawl().await.not_modified);

        // A server that ignores validators: the same body is recognised by
        // its hash and not parsed again.
        site.route("/plain.xml", FixtureResponse::rss(channel(&first)));
        let plain = subscribe(&store, site.url("/plain.xml")).await;
        assert_eq!(crawler.crawl_feed(&plain).await.new_articles, 1);
        let plain = store.feed(plain.id).await.unwrap().unwrap();
        assert!(plain.content_hash.is_some());
        let again = crawler.crawl_feed(&plain).await;
        assert!(again.unchanged && again.error.is_none(), "{again:?}");
        let plain = store.feed(plain.id).await.unwrap().unwrap();
        assert_eq!(plain.last_result, Some(LastFetch::Unchanged));
    }

    #[tokio::test]
    async fn a_permanent_move_updates_the_feed_url_and_a_gone_feed_stops() {
        let site = FixtureServer::start().await.unwrap();
        site.route("/s/1", FixtureResponse::html(ARTICLE_HTML));
        let body = channel(&[item("1", &site.url("/s/1"))]);
        site.route("/old.xml", FixtureResponse::redirect(301, "/middle.xml"));
        site.route("/middle.xml", FixtureResponse::redirect(308, "/new.xml"));
        site.route("/new.xml", FixtureResponse::rss(body.clone()));
        site.route("/temporary.xml", FixtureResponse::redirect(302, "/elsewhere.xml"));
        site.route("/elsewhere.xml", FixtureResponse::rss(body));
        site.route("/gone.xml", FixtureResponse::status(410));
        let dir = tempfile::tempdir().unwrap();
        let (store, crawler) = crawler(dir.path()).await;

        let moved = subscribe(&store, site.url("/old.xml")).await;
        let report = crawler.crawl_feed(&moved).await;
        assert_eq!(report.moved_to.as_deref(), Some(site.url("/new.xml").as_str()));
        assert_eq!(store.feed(moved.id).await.unwrap().unwrap().url, site.url("/new.xml"));

        let temporary = subscribe(&store, site.url("/temporary.xml")).await;
        let report = crawler.crawl_feed(&temporary).await;
        assert_eq!((report.error, report.moved_to), (None, None));
        assert_eq!(
            store.feed(temporary.id).await.unwrap().unwrap().url,
            site.url("/temporary.xml")
        );

        let gone = subscribe(&store, site.url("/gone.xml")).await;
        crawler.crawl_feed(&gone).await;
        let gone = store.feed(gone.id).await.unwrap().unwrap();
        assert_eq!(gone.status, tracewire_model::FeedStatus::Stopped);
        let reason = gone.last_error.unwrap();
        assert!(reason.contains("410") && reason.contains("feeds resume"), "{reason}");
        let far = Utc::now() + chrono::Duration::days(400);
        assert!(!store.due_feeds(far).await.unwrap().iter().any(|f| f.id == gone.id));
        // Not even a forced crawl asks again.
        let hits = site.hits("/gone.xml");
        let report = crawler.crawl_once(true).await.unwrap();
        assert!(!report.feeds.iter().any(|f| f.feed_id == gone.id));
        assert_eq!(site.hits("/gone.xml"), hits);
    }

    #[tokio::test]
    async fn retry_after_holds_back_the_host_and_failures_count_by_kind() {
        let site = FixtureServer::start().await.unwrap();
        site.route(
            "/busy.xml",
            FixtureResponse::status(429).with_header("Retry-After", "3600"),
        );
        site.route("/other.xml", FixtureResponse::rss(channel(&[])));
        site.route(
            "/slow.xml",
            FixtureResponse::rss(channel(&[])).with_delay(Duration::from_secs(5)),
        );
        let dir = tempfile::tempdir().unwrap();
        let config = CrawlConfig {
            per_host_interval: Duration::ZERO,
            ..CrawlConfig::default()
        };
        let fetch = FetchConfig {
            timeout: Duration::from_secs(1),
            ..FetchConfig::default()
        };
        let (store, crawler) = crawler_with(dir.path(), config, fetch).await;
        // Stored times have whole seconds.
        let hour = chrono::Duration::seconds(3599);

        let busy = subscribe(&store, site.url("/busy.xml")).await;
        let before = Utc::now();
        let report = crawler.crawl_feed(&busy).await;
        assert!(report.error.as_deref().is_some_and(|e| e.contains("429")), "{report:?}");
        let busy = store.feed(busy.id).await.unwrap().unwrap();
        assert_eq!(busy.failure_weight, 0.0, "being asked to slow down is not a failure");
        assert!(busy.next_fetch_at >= before + hour, "{:?}", busy.next_fetch_at);

        // Another feed on the host waits too, without a request.
        let other = subscribe(&store, site.url("/other.xml")).await;
        let report = crawler.crawl_feed(&other).await;
        assert!(report.deferred && report.error.is_none(), "{report:?}");
        assert_eq!(site.hits("/other.xml"), 0);
        let other = store.feed(other.id).await.unwrap().unwrap();
        assert_eq!(other.last_result, Some(LastFetch::Deferred));
        assert!(other.next_fetch_at >= before + hour - chrono::Duration::seconds(5));

        // The hold is the database's: another worker waits too.
        let elsewhere = Crawler::new(
            store.clone(),
            Fetcher::new(FetchConfig {
                allow_private_networks: true,
                ..FetchConfig::default()
            })
            .unwrap(),
            CrawlConfig::default(),
        );
        let feed = store.feed(other.id).await.unwrap().unwrap();
        assert!(elsewhere.crawl_feed(&feed).await.deferred);
        assert_eq!(site.hits("/other.xml"), 0);

        // A timeout counts half as much as a 404; the backoff grows with the
        // weight, spread by ±10 %. (Another host: this one is held.)
        let fresh = Crawler::new(
            store.clone(),
            Fetcher::new(FetchConfig {
                allow_private_networks: true,
                timeout: Duration::from_secs(1),
                resolve_overrides: vec![("elsewhere.test".into(), site.addr())],
                ..FetchConfig::default()
            })
            .unwrap(),
            CrawlConfig {
                per_host_interval: Duration::ZERO,
                ..CrawlConfig::default()
            },
        );
        let port = site.addr().port();
        let slow = subscribe(&store, format!("http://elsewhere.test:{port}/slow.xml")).await;
        let missing = subscribe(&store, format!("http://elsewhere.test:{port}/missing.xml")).await;
        for _ in 0..3 {
            for id in [slow.id, missing.id] {
                let feed = store.feed(id).await.unwrap().unwrap();
                fresh.crawl_feed(&feed).await;
            }
        }
        let slow = store.feed(slow.id).await.unwrap().unwrap();
        let missing = store.feed(missing.id).await.unwrap().unwrap();
        assert_eq!((slow.error_count, slow.failure_weight), (3, 1.5));
        assert_eq!((missing.error_count, missing.failure_weight), (3, 3.0));
        assert!(slow.last_error.as_deref().unwrap().contains("timed out"));
        assert!(missing.last_error.as_deref().unwrap().contains("404"));
        let wait = |f: &Feed| (f.next_fetch_at - f.last_fetched.unwrap()).num_seconds() as f64;
        // 1800 s × 2^(1.5 − 1) ≈ 2,546 s and 1800 s × 2^(3 − 1) = 7,200 s, ±10 %.
        assert!((2290.0..=2801.0).contains(&wait(&slow)), "{}", wait(&slow));
        assert!((6480.0..=7921.0).contains(&wait(&missing)), "{}", wait(&missing));

        // Pages on the held host wait in the queue; the round does not wait
        // out the hold.
        site.route(
            "/links.xml",
            FixtureResponse::rss(channel(&[item("held", &site.url("/article"))])),
        );
        let links = subscribe(&store, format!("http://elsewhere.test:{port}/links.xml")).await;
        let round = tokio::time::timeout(Duration::from_secs(10), fresh.crawl_once(false)).await;
        let round = round.expect("the round waited for the held host").unwrap();
        assert!(
            round
                .feeds
                .iter()
                .any(|f| f.feed_id == links.id && f.queued_entries == 1)
        );
        assert_eq!(site.hits("/article"), 0);
        let stats = store.queue_stats(Utc::now()).await.unwrap();
        assert_eq!((stats.pages_queued, stats.pages_failed), (1, 0));
    }

    #[test]
    fn only_url_guids_are_canonicalized() {
        assert_eq!(
            entry_identity("HTTPS://News.example:443/a?id=3&utm_source=rss#top"),
            "https://news.example/a?id=3"
        );
        for opaque in [
            "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            "tag:news.example,2024:a#1",
            "12345",
        ] {
            assert_eq!(entry_identity(opaque), opaque);
        }
    }

    #[tokio::test]
    async fn filter_rules_keep_articles_out_of_their_users_lists() {
        use tracewire_model::{RuleAction, RuleField};
        use tracewire_store::{ItemQuery, NewUser};
        let dir = tempfile::tempdir().unwrap();
        let store = tracewire_store::open_embedded(dir.path()).await.unwrap();
        let feed = store
            .add_feed(NewFeed {
                url: "https://wire.example/feed".into(),
                title: None,
                site_url: None,
                interval_secs: 60,
            })
            .await
            .unwrap();
        let mut users = Vec::new();
        for name in ["blocks", "keeps", "plain"] {
            let new = NewUser {
                name: name.into(),
                password_hash: "x".into(),
                fever_key: None,
                is_admin: false,
            };
            let user = store.add_user(&new).await.unwrap().unwrap();
            store.subscribe(user.id, feed.id, None, None).await.unwrap();
            users.push(user.id);
        }
        store
            .add_rule(users[0], RuleAction::Block, RuleField::Title, "sponsored")
            .await
            .unwrap();
        store
            .add_rule(users[1], RuleAction::Keep, RuleField::Url, "/world/")
            .await
            .unwrap();
        let mut stored = Vec::new();
        for (guid, title, url) in [
            ("1", "Sponsored: a watch", "https://wire.example/world/1"),
            ("2", "Storm hits coast", "https://wire.example/local/2"),
        ] {
            let article = NewArticle {
                feed_id: feed.id,
                guid: guid.into(),
                url: url.into(),
                site: "wire.example".into(),
                canonical_url: None,
                title: title.into(),
                byline: None,
                published: None,
                site_name: None,
                language: None,
                source_url: None,
                attributions: Vec::new(),
                text: "Text.".into(),
                html: "<p>Text.</p>".into(),
                fetched_at: Utc::now(),
                annotations: Default::default(),
            };
            let id = store.insert_article(&article).await.unwrap().unwrap();
            apply_filter_rules(store.as_ref(), id, &article).await.unwrap();
            stored.push(id);
        }
        let seen = |user| {
            let store = store.clone();
            async move {
                let query = ItemQuery {
                    user,
                    limit: 10,
                    oldest_first: true,
                    ..Default::default()
                };
                let items = store.items(&query).await.unwrap();
                items.iter().map(|i| i.article.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(seen(users[0]).await, vec![stored[1]], "blocked the sponsored one");
        assert_eq!(seen(users[1]).await, vec![stored[0]], "kept only /world/");
        assert_eq!(seen(users[2]).await, stored, "no rules, everything");
    }
}
