//! The crawler: fetch every due feed, then the page of every new entry;
//! extract; store. One broken feed or page never stops the others: each
//! feed's failure is recorded on the feed with its reason, and an entry whose
//! page and feed content both fail is left for the next crawl.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracewire_extract::canonical_url::canonical_url;
use tracewire_extract::{Extracted, decode_html, extract, extract_fragment, feed_links};
use tracewire_model::{Feed, NewArticle};
use tracewire_store::{FetchOutcome, FetchResult, Store, StoreError};
use url::Url;

use crate::feed::{FeedEntry, ParsedFeed, looks_like_html, parse_feed};
use crate::fetch::{Fetcher, Validators};

#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// Polling interval for feeds that have none of their own.
    pub default_interval: Duration,
    /// Longest wait after repeated failures.
    pub max_backoff: Duration,
    /// Feeds fetched at once.
    pub feed_concurrency: usize,
    /// Article pages fetched at once, per feed.
    pub page_concurrency: usize,
    /// Requests in flight to one host, feeds and pages together.
    pub per_host_concurrency: usize,
    /// Fetch each entry's page (otherwise only the feed's own content is used).
    pub fetch_pages: bool,
    /// A page whose extracted text is shorter than this loses to longer feed content.
    pub min_page_text_chars: usize,
    /// How often the scheduler looks for due feeds.
    pub tick: Duration,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            default_interval: Duration::from_secs(30 * 60),
            max_backoff: Duration::from_secs(24 * 60 * 60),
            feed_concurrency: 8,
            page_concurrency: 4,
            per_host_concurrency: 2,
            fetch_pages: true,
            min_page_text_chars: 200,
            tick: Duration::from_secs(30),
        }
    }
}

/// Progress notifications, for a progress bar or log lines.
#[derive(Debug, Clone)]
pub enum CrawlEvent {
    /// This many feeds will be fetched in this round.
    FeedsDue(usize),
    /// A feed listed this many entries not seen before.
    EntriesFound { feed_id: i64, count: usize },
    /// One entry was handled (stored or skipped).
    EntryDone {
        feed_id: i64,
        url: Option<String>,
        stored: bool,
    },
    /// A feed is finished.
    FeedDone(FeedReport),
}

#[derive(Debug, Clone, Default)]
pub struct FeedReport {
    pub feed_id: i64,
    pub url: String,
    pub new_articles: usize,
    pub not_modified: bool,
    /// Why the feed failed, as stored on the feed.
    pub error: Option<String>,
    /// Entries whose page failed to fetch (their feed content was used instead).
    pub page_fallbacks: usize,
    /// Entries left for the next crawl: neither page nor feed content gave text.
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
}

type EventSink = Arc<dyn Fn(&CrawlEvent) + Send + Sync>;

/// An entry's article, and whether the feed's content stood in for its page;
/// or why neither gave text.
type BuiltArticle = Result<(NewArticle, bool), String>;

pub struct Crawler {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    config: CrawlConfig,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    events: Option<EventSink>,
}

/// What a feed URL gave.
enum FeedDocument {
    NotModified,
    Parsed {
        feed: ParsedFeed,
        /// The URL the feed was read from: the one asked for, or the feed
        /// its HTML page advertised.
        feed_url: String,
        validators: Validators,
    },
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
            hosts: Mutex::new(HashMap::new()),
            events: None,
        }
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

    /// Fetches every due feed (every feed when `force`), once.
    pub async fn crawl_once(&self, force: bool) -> Result<CrawlReport, StoreError> {
        let now = Utc::now();
        let feeds = if force {
            self.store.feeds().await?
        } else {
            self.store.due_feeds(now).await?
        };
        self.emit(CrawlEvent::FeedsDue(feeds.len()));
        // Owned items: borrowed ones make the future not provably Send
        // (rust-lang/rust#102211).
        let reports: Vec<FeedReport> = futures::stream::iter(feeds)
            .map(|feed| async move { self.crawl_feed(&feed).await })
            .buffer_unordered(self.config.feed_concurrency.max(1))
            .collect()
            .await;
        let mut reports = reports;
        reports.sort_by_key(|r| r.feed_id);
        Ok(CrawlReport { feeds: reports })
    }

    /// Crawls on schedule until `shutdown` completes.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) -> Result<(), StoreError> {
        tokio::pin!(shutdown);
        loop {
            let report = self.crawl_once(false).await?;
            if !report.feeds.is_empty() {
                tracing::info!(
                    feeds = report.feeds.len(),
                    new_articles = report.new_articles(),
                    failed = report.failed_feeds(),
                    "crawl round finished"
                );
            }
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = tokio::time::sleep(self.config.tick) => {}
            }
        }
    }

    /// Fetches one feed and its new entries, and records the outcome.
    pub async fn crawl_feed(&self, feed: &Feed) -> FeedReport {
        let mut report = FeedReport {
            feed_id: feed.id,
            url: feed.url.clone(),
            ..FeedReport::default()
        };
        let fetched_at = Utc::now();
        let validators = Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let result = match self.fetch_feed_document(&feed.url, &validators).await {
            Err(error) => {
                tracing::warn!(feed = %feed.url, %error, "feed fetch failed");
                report.error = Some(error.clone());
                FetchResult::Failed { error }
            }
            Ok(FeedDocument::NotModified) => {
                report.not_modified = true;
                FetchResult::NotModified
            }
            Ok(FeedDocument::Parsed {
                feed: parsed,
                validators,
                ..
            }) => match self.store_new_entries(feed, &parsed, &mut report).await {
                Ok(()) => FetchResult::Updated {
                    title: parsed.title.clone(),
                    site_url: parsed.site_url.clone(),
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                },
                Err(e) => {
                    let error = format!("storing entries failed: {e}");
                    report.error = Some(error.clone());
                    FetchResult::Failed { error }
                }
            },
        };
        let next_fetch_at = self.next_fetch(feed, &result, fetched_at);
        let outcome = FetchOutcome {
            fetched_at,
            next_fetch_at,
            result,
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

    fn next_fetch(&self, feed: &Feed, result: &FetchResult, now: DateTime<Utc>) -> DateTime<Utc> {
        let interval = if feed.interval_secs > 0 {
            Duration::from_secs(feed.interval_secs as u64)
        } else {
            self.config.default_interval
        };
        let wait = match result {
            FetchResult::Failed { .. } => {
                // Exponential backoff on consecutive failures: 1, 2, 4, ... intervals.
                let failures = (feed.error_count + 1).clamp(1, 16) as u32;
                interval
                    .saturating_mul(1 << (failures - 1).min(10))
                    .min(self.config.max_backoff)
            }
            _ => interval,
        };
        now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
    }

    /// What a subscription URL leads to: the URL itself when it is a feed, or
    /// the first feed its page advertises.
    pub async fn resolve_subscription(&self, url: &str) -> Result<ResolvedFeed, String> {
        match self.fetch_feed_document(url, &Validators::default()).await? {
            FeedDocument::NotModified => Err(format!("{url} answered 304 Not Modified to a plain GET")),
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
            return Err(format!("cannot parse the feed at {}: {parse_error}", page.final_url));
        }
        let html = decode_html(&page.body, page.content_type.as_deref());
        Ok(feed_links(&html, Some(&page.final_url))
            .into_iter()
            .next()
            .map(|l| l.url))
    }

    async fn fetch_feed_document(&self, url: &str, validators: &Validators) -> Result<FeedDocument, String> {
        let page = self.fetch(url, validators).await?;
        if page.not_modified {
            return Ok(FeedDocument::NotModified);
        }
        match parse_feed(&page.body, page.final_url.as_str()) {
            Ok(feed) => Ok(FeedDocument::Parsed {
                feed,
                feed_url: url.to_string(),
                validators: page.validators,
            }),
            Err(parse_error) => {
                let Some(link) = self.advertised_feed(&page, &parse_error.0)? else {
                    return Err(format!(
                        "{url} is an HTML page, not a feed, and advertises no feed (no <link rel=\"alternate\">); \
                         subscribe to the site's feed URL instead"
                    ));
                };
                let linked = self.fetch(&link, &Validators::default()).await?;
                let feed = parse_feed(&linked.body, linked.final_url.as_str())
                    .map_err(|e| format!("{url} advertises the feed {link}, but it cannot be parsed: {e}"))?;
                // Validators of the page would not match the feed; send none next time.
                Ok(FeedDocument::Parsed {
                    feed,
                    feed_url: link,
                    validators: Validators::default(),
                })
            }
        }
    }

    async fn fetch(&self, url: &str, validators: &Validators) -> Result<crate::fetch::FetchedPage, String> {
        let _permit = self.host_permit(url).await;
        self.fetcher.get(url, validators).await.map_err(|e| e.to_string())
    }

    async fn host_permit(&self, url: &str) -> Option<OwnedSemaphorePermit> {
        let host = Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_host_concurrency.max(1))))
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }

    async fn store_new_entries(
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
        let fresh: Vec<FeedEntry> = parsed
            .entries
            .iter()
            .zip(identities)
            .filter(|(e, id)| !known.contains(&e.guid) && !known.contains(id) && seen.insert(id.clone()))
            .map(|(e, id)| FeedEntry { guid: id, ..e.clone() })
            .collect();
        self.emit(CrawlEvent::EntriesFound {
            feed_id: feed.id,
            count: fresh.len(),
        });
        let mut built: Vec<(usize, FeedEntry, BuiltArticle)> = futures::stream::iter(fresh.into_iter().enumerate())
            .map(|(i, entry)| async move {
                let built = self.article_for(feed, parsed, &entry).await;
                (i, entry, built)
            })
            .buffer_unordered(self.config.page_concurrency.max(1))
            .collect()
            .await;
        // Oldest entries first, so ids follow the feed's own order of publication.
        built.sort_by_key(|(i, _, _)| std::cmp::Reverse(*i));
        for (_, entry, result) in built {
            let stored = match result {
                Ok((article, fell_back)) => {
                    if fell_back {
                        report.page_fallbacks += 1;
                    }
                    let inserted = self.store.insert_article(&article).await?;
                    if let Some(id) = inserted {
                        report.new_articles += 1;
                        // Provenance is worth less than the article: a
                        // failure here is logged and the crawl goes on.
                        match crate::provenance::relate_new_article(self.store.as_ref(), id, &article).await {
                            Ok(found) => report.relations += found.len(),
                            Err(e) => {
                                tracing::warn!(article = id, error = %e, "provenance not computed for this article")
                            }
                        }
                    }
                    inserted.is_some()
                }
                Err(reason) => {
                    tracing::warn!(feed = %feed.url, entry = %entry.guid, %reason, "entry skipped; will retry next crawl");
                    report
                        .skipped_entries
                        .push(format!("{}: {reason}", entry.url.as_deref().unwrap_or(&entry.guid)));
                    false
                }
            };
            self.emit(CrawlEvent::EntryDone {
                feed_id: feed.id,
                url: entry.url.clone(),
                stored,
            });
        }
        Ok(())
    }

    /// Builds the article for one entry: from its page when that yields a
    /// real body, else from the feed's own content. The flag says whether
    /// the page failed and the feed content was used.
    async fn article_for(
        &self,
        feed: &Feed,
        parsed: &ParsedFeed,
        entry: &FeedEntry,
    ) -> Result<(NewArticle, bool), String> {
        let mut page: Option<(Extracted, Url)> = None;
        let mut page_error = None;
        if let Some(url) = entry.url.as_deref().filter(|_| self.config.fetch_pages) {
            match self.fetch(url, &Validators::default()).await {
                Ok(fetched) => {
                    let html = decode_html(&fetched.body, fetched.content_type.as_deref());
                    page = Some((extract(&html, Some(&fetched.final_url)), fetched.final_url));
                }
                Err(e) => page_error = Some(e),
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
            return Err(
                page_error.unwrap_or_else(|| "neither the page nor the feed entry has any article text".to_string())
            );
        };
        let fell_back = !use_page;
        let meta = page_meta.unwrap_or_default();
        // The page is fetched at the link as given; the article is stored
        // under the link's one spelling, so two links to it are one URL.
        let url = page_url
            .or_else(|| entry.url.clone())
            .unwrap_or_else(|| feed.url.clone());
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
        let site_name = meta
            .site_name
            .clone()
            .or_else(|| parsed.title.clone())
            .or_else(|| feed.title.clone());
        let language = meta.language.clone().or(body.language.clone()).or_else(|| {
            parsed
                .language
                .as_deref()
                .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        });
        Ok((
            NewArticle {
                feed_id: feed.id,
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
            },
            fell_back,
        ))
    }
}

/// The identity an entry is stored under: a GUID that is an http(s) URL (a
/// permalink, or the link of an entry without a GUID) in its canonical form,
/// so links that differ only by tracking parameters, fragment, case or
/// default port are one entry; any other GUID as the feed wrote it.
fn entry_identity(guid: &str) -> String {
    canonical_url(guid).map_or_else(|_| guid.to_string(), String::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tracewire_store::NewFeed;
    use tracewire_testkit::{FixtureResponse, FixtureServer};

    use super::*;
    use crate::fetch::FetchConfig;

    const PAGE: &str = "<html><head><title>Talks resume in Geneva</title></head><body><article>\
        <h1>Talks resume in Geneva</h1>\
        <p>Negotiators returned to Geneva on Tuesday for a third round of talks on the ceasefire, \
        officials from both delegations said, after a week in which the fighting along the front \
        line slowed but did not stop.</p>\
        <p>The mediators said they expected the talks to last at least three days and that a joint \
        statement could follow if the two sides agreed on the exchange of prisoners first.</p>\
        </article></body></html>";

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

    async fn crawler(dir: &std::path::Path) -> (Arc<dyn Store>, Crawler) {
        let store = tracewire_store::open_embedded(dir).await.unwrap();
        let fetcher = Fetcher::new(FetchConfig {
            allow_private_networks: true,
            ..FetchConfig::default()
        })
        .unwrap();
        (store.clone(), Crawler::new(store, fetcher, CrawlConfig::default()))
    }

    #[tokio::test]
    async fn links_that_differ_by_tracking_and_fragment_are_one_article() {
        let site = FixtureServer::start().await.unwrap();
        let newsletter = "/world/talks-resume?utm_source=newsletter&utm_medium=email";
        let social = "/world/talks-resume?utm_source=twitter#comments";
        let later = "/world/talks-resume?fbclid=IwAR0abc&UTM_Campaign=x";
        for path in [newsletter, "/world/talks-resume?utm_source=twitter", later] {
            site.route(path, FixtureResponse::html(PAGE));
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
        let feed = store
            .add_feed(NewFeed {
                url: site.url("/feed.xml"),
                title: None,
                site_url: None,
                interval_secs: 1800,
            })
            .await
            .unwrap();

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
}
