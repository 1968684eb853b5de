//! Rows as every backend reads them, and their conversion to model types:
//! the part of reading that does not depend on the SQL dialect. Both
//! schemas store the same columns with the same meaning (times as Unix
//! seconds, 64-bit keys as signed 64-bit integers), so one row type decodes
//! from either. No queries here beyond the column lists the row types read.
//!
//! The column lists are `macro_rules!` so that queries stay `&'static str`
//! (`concat!`); this module is declared with `#[macro_use]` before the
//! backends, which see the macros textually.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::FromRow;
use tracewire_model::{
    Article, ArticleRelation, ArticleSummary, Attribution, Feed, FeedStatus, LastFetch, WebSubState, WebSubSubscription,
};

use crate::{PageJob, Result, StoreError};

/// A fingerprint key as stored: the scheme keeps its top bit clear, so the
/// cast keeps its value.
pub(crate) fn key_to_i64(key: u64) -> i64 {
    (key & (u64::MAX >> 1)) as i64
}

pub(crate) fn relation_from_row((from, to, kind, score, evidence): (i64, i64, String, f64, String)) -> ArticleRelation {
    ArticleRelation {
        from,
        to,
        kind,
        score,
        evidence,
    }
}

/// Paragraph keys use all 64 bits; stored as the same bits in a signed
/// 64-bit integer.
pub(crate) fn paragraph_key_to_i64(key: u64) -> i64 {
    i64::from_ne_bytes(key.to_ne_bytes())
}

pub(crate) fn paragraph_key_from_i64(key: i64) -> u64 {
    u64::from_ne_bytes(key.to_ne_bytes())
}

pub(crate) fn to_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_secs(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// An article's attribution lines as stored (a JSON array).
pub(crate) fn attributions_json(attributions: &[Attribution]) -> Result<String> {
    serde_json::to_string(attributions).map_err(|e| StoreError::Corrupt {
        what: "article attributions",
        detail: e.to_string(),
    })
}

#[derive(FromRow)]
pub(crate) struct FeedRow {
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
    failure_weight: f64,
    content_hash: Option<String>,
    last_result: Option<String>,
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
            failure_weight: r.failure_weight,
            last_result: r.last_result.as_deref().and_then(LastFetch::parse),
            content_hash: r.content_hash,
            interval_secs: r.interval_secs,
            etag: r.etag,
            last_modified: r.last_modified,
            created_at: from_secs(r.created_at),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct ArticleRow {
    id: i64,
    feed_id: i64,
    guid: String,
    url: String,
    site: String,
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
            site: r.site,
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
        "id, feed_id, guid, url, site, canonical_url, title, byline, published, site_name, language, \
         source_url, attributions, body_text, body_html, fetched_at, views"
    };
}

#[derive(FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    feed_id: i64,
    title: String,
    url: String,
    site: String,
    published: Option<i64>,
    site_name: Option<String>,
    source_url: Option<String>,
    views: i64,
    excerpt: String,
}

impl From<SummaryRow> for ArticleSummary {
    fn from(r: SummaryRow) -> ArticleSummary {
        ArticleSummary {
            id: r.id,
            feed_id: r.feed_id,
            title: r.title,
            url: r.url,
            site: r.site,
            published: r.published.map(from_secs),
            site_name: r.site_name,
            source_url: r.source_url,
            views: r.views,
            excerpt: r.excerpt,
        }
    }
}

/// The column list `SummaryRow` reads.
macro_rules! summary_columns {
    () => {
        "id, feed_id, title, url, site, published, site_name, source_url, views, \
         substr(body_text, 1, 400) AS excerpt"
    };
}

/// The column list `FeedRow` reads, as a macro so queries stay `&'static str`.
macro_rules! feed_columns {
    () => {
        "id, url, title, site_url, status, last_error, last_fetched, next_fetch_at, \
         error_count, interval_secs, etag, last_modified, created_at, failure_weight, content_hash, \
         last_result"
    };
}

/// A `websub` row, in the order of [`websub_columns!`].
pub(crate) type WebSubRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// The column list `WebSubRow` reads.
macro_rules! websub_columns {
    () => {
        "feed_id, hub, topic, secret, state, requested_at, lease_expires, last_push, reason"
    };
}

pub(crate) fn websub_from_row(
    (feed_id, hub, topic, secret, state, requested_at, lease_expires, last_push, reason): WebSubRow,
) -> WebSubSubscription {
    WebSubSubscription {
        feed_id,
        hub,
        topic,
        secret,
        state: WebSubState::parse(&state),
        requested_at: from_secs(requested_at),
        lease_expires: lease_expires.map(from_secs),
        last_push: last_push.map(from_secs),
        reason,
    }
}

/// A claimed page job, in the order of [`page_job_columns!`].
pub(crate) type JobRow = (i64, i64, String, String, i64);

/// The column list `JobRow` reads.
macro_rules! page_job_columns {
    () => {
        "id, feed_id, guid, payload, attempts"
    };
}

pub(crate) fn job_from_row((id, feed_id, guid, payload, attempts): JobRow) -> PageJob {
    PageJob {
        id,
        feed_id,
        guid,
        payload,
        attempts,
    }
}

/// A claim's lease in whole seconds (claims are stored in seconds), at
/// least one so that a claim is never born expired.
pub(crate) fn lease_secs(lease: std::time::Duration) -> i64 {
    i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 4).max(1)
}

/// A duration in milliseconds (host schedules), far from overflow when
/// added to a clock reading.
pub(crate) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Milliseconds of a host schedule as a wait; none when negative.
pub(crate) fn duration_ms(ms: i64) -> std::time::Duration {
    std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The column list `IndexRow` reads: the text cut where the search index
/// stops reading (`crate::INDEXED_TEXT_CHARS`), the date falling back to
/// the fetch time.
macro_rules! index_columns {
    () => {
        "id, title, byline, site, language, COALESCE(published, fetched_at) AS date, \
         substr(body_text, 1, 100000) AS text"
    };
}

#[derive(FromRow)]
pub(crate) struct IndexRow {
    id: i64,
    title: String,
    byline: Option<String>,
    site: String,
    language: Option<String>,
    date: i64,
    text: String,
}

impl From<IndexRow> for tracewire_model::IndexedArticle {
    fn from(r: IndexRow) -> tracewire_model::IndexedArticle {
        tracewire_model::IndexedArticle {
            id: r.id,
            title: r.title,
            byline: r.byline,
            site: r.site,
            language: r.language,
            date: from_secs(r.date),
            text: r.text,
            speakers: Vec::new(),
            entities: Vec::new(),
        }
    }
}

/// A search hit: its listing and its text (for the snippet).
#[derive(FromRow)]
pub(crate) struct HitRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    text: String,
}

impl From<HitRow> for (ArticleSummary, String) {
    fn from(r: HitRow) -> (ArticleSummary, String) {
        (r.summary.into(), r.text)
    }
}

/// The column list `QuoteRow` reads (from `quotes q`).
macro_rules! quote_columns {
    () => {
        "q.kind, q.content_start, q.content_end, q.content, q.speaker_start, q.speaker_end, q.speaker, \
         q.speaker_name, q.cue_start, q.cue_end, q.cue"
    };
}

#[derive(FromRow)]
pub(crate) struct QuoteRow {
    kind: String,
    content_start: i64,
    content_end: i64,
    content: String,
    speaker_start: Option<i64>,
    speaker_end: Option<i64>,
    speaker: Option<String>,
    speaker_name: Option<String>,
    cue_start: Option<i64>,
    cue_end: Option<i64>,
    cue: Option<String>,
}

fn span(start: Option<i64>, end: Option<i64>, text: Option<String>) -> Option<tracewire_model::TextSpan> {
    Some(tracewire_model::TextSpan {
        start: usize::try_from(start?).ok()?,
        end: usize::try_from(end?).ok()?,
        text: text?,
    })
}

impl From<QuoteRow> for tracewire_model::ArticleQuote {
    fn from(r: QuoteRow) -> tracewire_model::ArticleQuote {
        tracewire_model::ArticleQuote {
            content: span(Some(r.content_start), Some(r.content_end), Some(r.content)).unwrap_or(
                tracewire_model::TextSpan {
                    start: 0,
                    end: 0,
                    text: String::new(),
                },
            ),
            speaker: span(r.speaker_start, r.speaker_end, r.speaker),
            speaker_name: r.speaker_name,
            cue: span(r.cue_start, r.cue_end, r.cue),
            kind: r.kind,
        }
    }
}

/// A quote with the listing of its article.
#[derive(FromRow)]
pub(crate) struct QuoteInArticleRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    #[sqlx(flatten)]
    quote: QuoteRow,
}

impl From<QuoteInArticleRow> for tracewire_model::QuoteInArticle {
    fn from(r: QuoteInArticleRow) -> tracewire_model::QuoteInArticle {
        tracewire_model::QuoteInArticle {
            article: r.summary.into(),
            quote: r.quote.into(),
        }
    }
}

/// Puts the speakers and entity names read for a batch on its articles.
pub(crate) fn attach_names(
    articles: &mut [tracewire_model::IndexedArticle],
    speakers: Vec<(i64, String)>,
    entities: Vec<(i64, String)>,
) {
    for (id, name) in speakers {
        if let Some(a) = articles.iter_mut().find(|a| a.id == id) {
            a.speakers.push(name);
        }
    }
    for (id, name) in entities {
        if let Some(a) = articles.iter_mut().find(|a| a.id == id) {
            a.entities.push(name);
        }
    }
}

/// An article of a story (from `story_articles sa JOIN articles`).
#[derive(FromRow)]
pub(crate) struct MemberRow {
    story_id: i64,
    joined_by: String,
    score: f64,
    fetched_at: i64,
    #[sqlx(flatten)]
    summary: SummaryRow,
}

/// What a story's articles add up to (one row a story).
#[derive(FromRow)]
pub(crate) struct StoryCountRow {
    story_id: i64,
    articles: i64,
    sites: i64,
    first_at: i64,
    last_at: i64,
}

/// Stories from their counts, their earliest members (any order; the
/// first is the origin) and the headlines people set; in the order of
/// `order`.
pub(crate) fn stories_of(
    order: &[i64],
    counts: Vec<StoryCountRow>,
    rows: Vec<MemberRow>,
    headlines: &[(i64, Option<String>)],
) -> Vec<tracewire_model::Story> {
    let mut by_story: std::collections::HashMap<i64, Vec<tracewire_model::StoryMember>> = Default::default();
    for r in rows {
        let summary: ArticleSummary = r.summary.into();
        by_story
            .entry(r.story_id)
            .or_default()
            .push(tracewire_model::StoryMember {
                date: summary.published.unwrap_or_else(|| from_secs(r.fetched_at)),
                article: summary,
                joined_by: r.joined_by,
                score: r.score,
            });
    }
    order
        .iter()
        .filter_map(|id| {
            let count = counts.iter().find(|c| c.story_id == *id)?;
            let mut members = by_story.remove(id)?;
            members.sort_by_key(|m| (m.date, m.article.id));
            let origin = members.first()?;
            let headline = headlines
                .iter()
                .find(|(h, _)| h == id)
                .and_then(|(_, h)| h.clone())
                .unwrap_or_else(|| origin.article.title.clone());
            Some(tracewire_model::Story {
                summary: tracewire_model::StorySummary {
                    id: *id,
                    headline,
                    origin: origin.article.id,
                    articles: count.articles,
                    sites: count.sites,
                    first: from_secs(count.first_at),
                    last: from_secs(count.last_at),
                },
                members,
            })
        })
        .collect()
}
