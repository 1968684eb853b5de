//! JSON API v1. These types are the wire format; they change only with a new
//! API version.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use tracewire_model::{Article, ArticleEntity, ArticleQuote, ArticleSummary, EntitySummary, Feed, SiteStats};

use crate::{AppState, related_to};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: message.into() })).into_response()
}

fn store_error(e: tracewire_store::StoreError) -> Response {
    tracing::error!(error = %e, "storage failed while answering an API request");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal storage error; see the server log",
    )
}

fn time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    limit: Option<String>,
    offset: Option<String>,
}

#[derive(Serialize)]
struct ArticleListItem {
    id: i64,
    title: String,
    url: String,
    site: String,
    published: Option<String>,
    site_name: Option<String>,
    source_url: Option<String>,
    views: i64,
}

impl From<ArticleSummary> for ArticleListItem {
    fn from(a: ArticleSummary) -> Self {
        ArticleListItem {
            id: a.id,
            title: a.title,
            url: a.url,
            site: a.site,
            published: time(a.published),
            site_name: a.site_name,
            source_url: a.source_url,
            views: a.views,
        }
    }
}

#[derive(Serialize)]
struct ArticleList {
    articles: Vec<ArticleListItem>,
}

/// A query parameter in `0..=max`, or the message saying what is wrong.
fn parse_param(name: &str, value: Option<&str>, default: i64, max: i64) -> Result<i64, String> {
    let Some(raw) = value else { return Ok(default) };
    match raw.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err(format!("{name} must be a whole number from 0 to {max}, got {raw:?}")),
    }
}

pub(crate) async fn articles(State(state): State<AppState>, Query(paging): Query<Paging>) -> Response {
    let limit = match parse_param("limit", paging.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let offset = match parse_param("offset", paging.offset.as_deref(), 0, i64::MAX / 2) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match state.store.articles(limit, offset).await {
        Ok(list) => Json(ArticleList {
            articles: list.into_iter().map(ArticleListItem::from).collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct SearchParams {
    pub(crate) q: Option<String>,
    pub(crate) sort: Option<String>,
    pub(crate) limit: Option<String>,
    pub(crate) offset: Option<String>,
}

#[derive(Serialize)]
struct SearchHit {
    #[serde(flatten)]
    article: ArticleListItem,
    /// The passage that matched: escaped text, the matches in `<b>`.
    snippet: String,
    score: f32,
}

#[derive(Serialize)]
struct FacetValue {
    value: String,
    count: u64,
}

#[derive(Serialize)]
struct Facets {
    site: Vec<FacetValue>,
    language: Vec<FacetValue>,
}

#[derive(Serialize)]
struct SearchResponse {
    total: usize,
    sort: tracewire_search::Sort,
    articles: Vec<SearchHit>,
    facets: Facets,
}

fn facet(values: Vec<(String, u64)>) -> Vec<FacetValue> {
    values
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect()
}

/// `GET /api/v1/search?q=…&sort=relevance|date&limit=&offset=`: articles
/// matching the query (the language of `tracewire_search::query`), with the
/// total, a snippet each, and counts per site and language.
pub(crate) async fn search(State(state): State<AppState>, Query(params): Query<SearchParams>) -> Response {
    let query = match tracewire_search::SearchQuery::parse(params.q.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("q: {e}")),
    };
    let sort = match params
        .sort
        .as_deref()
        .unwrap_or_default()
        .parse::<tracewire_search::Sort>()
    {
        Ok(sort) => sort,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("sort: {e}")),
    };
    let limit = match parse_param("limit", params.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let offset = match parse_param("offset", params.offset.as_deref(), 0, MAX_SEARCH_OFFSET) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let Some(index) = &state.search else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "this process has no search index");
    };
    let page = tracewire_search::sync::search(
        state.store.as_ref(),
        index,
        &query,
        sort,
        limit as usize,
        offset as usize,
    )
    .await;
    match page {
        Ok(page) => Json(SearchResponse {
            total: page.total,
            sort,
            articles: page
                .hits
                .into_iter()
                .map(|f| SearchHit {
                    article: f.article.into(),
                    snippet: f.snippet,
                    score: f.score,
                })
                .collect(),
            facets: Facets {
                site: facet(page.sites),
                language: facet(page.languages),
            },
        })
        .into_response(),
        Err(e) => search_error(e),
    }
}

pub(crate) fn search_error(e: tracewire_search::SearchError) -> Response {
    tracing::error!(error = %e, "search failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal search error; see the server log",
    )
}

/// Deepest page of search results: ranking every match to skip past more
/// costs more than a reader paging ever needs.
pub(crate) const MAX_SEARCH_OFFSET: i64 = 10_000;

#[derive(Serialize)]
struct RelatedItem {
    id: i64,
    title: String,
    url: String,
}

#[derive(Serialize)]
struct ArticleDetail {
    id: i64,
    url: String,
    site: String,
    canonical_url: Option<String>,
    title: String,
    byline: Option<String>,
    published: Option<String>,
    site_name: Option<String>,
    language: Option<String>,
    source_url: Option<String>,
    text: String,
    html: String,
    views: i64,
    related: Vec<RelatedItem>,
    feed_id: i64,
    /// Quotes with their speakers; spans in characters of `text`.
    quotes: Vec<ArticleQuote>,
    /// People, organizations and places named, most mentioned first.
    entities: Vec<ArticleEntity>,
}

/// The article a path names, or the 404 / 500 answer to give instead.
async fn load_article(state: &AppState, id: &str) -> Result<Article, Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(error(StatusCode::NOT_FOUND, format!("no article with id {id:?}")));
    };
    match state.store.article(id).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(error(StatusCode::NOT_FOUND, format!("no article with id {id}"))),
        Err(e) => Err(store_error(e)),
    }
}

pub(crate) async fn article(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let article = match load_article(&state, &id).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let store = state.store.as_ref();
    let related = match crate::provenance::story_ids(store, &article).await {
        Ok(story) => related_to(store, &article, &story).await,
        Err(e) => Err(e),
    };
    let related = match related {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let (quotes, entities) = match (store.quotes_of(article.id).await, store.entities_of(article.id).await) {
        (Ok(q), Ok(e)) => (q, e),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
    };
    Json(ArticleDetail {
        quotes,
        entities,
        id: article.id,
        html: tracewire_extract::sanitize_html(&article.html),
        url: article.url,
        site: article.site,
        canonical_url: article.canonical_url,
        title: article.title,
        byline: article.byline,
        published: time(article.published),
        site_name: article.site_name,
        language: article.language,
        source_url: article.source_url,
        text: article.text,
        views: article.views,
        related: related
            .into_iter()
            .map(|r| RelatedItem {
                id: r.id,
                title: r.title,
                url: r.url,
            })
            .collect(),
        feed_id: article.feed_id,
    })
    .into_response()
}

#[derive(Serialize)]
struct FeedItem {
    id: i64,
    url: String,
    title: Option<String>,
    status: &'static str,
    last_error: Option<String>,
    last_fetched: Option<String>,
    /// How the last fetch ended: updated, unchanged, not_modified, failed, deferred.
    last_result: Option<&'static str>,
    next_fetch: Option<String>,
    /// Failed fetches in a row, and their weight (a timeout counts half).
    error_count: i64,
    failure_weight: f64,
}

#[derive(Serialize)]
struct FeedList {
    feeds: Vec<FeedItem>,
}

pub(crate) async fn feeds(State(state): State<AppState>) -> Response {
    match state.store.feeds().await {
        Ok(list) => Json(FeedList {
            feeds: list
                .into_iter()
                .map(|f: Feed| FeedItem {
                    id: f.id,
                    url: f.url,
                    title: f.title,
                    status: f.status.as_str(),
                    last_error: f.last_error,
                    last_fetched: time(f.last_fetched),
                    last_result: f.last_result.map(|r| r.as_str()),
                    next_fetch: time(Some(f.next_fetch_at)),
                    error_count: f.error_count,
                    failure_weight: f.failure_weight,
                })
                .collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

/// `GET /api/v1/articles/{id}/provenance`: the story's origin, the chain of
/// copies that led to this article, every other copy with its relation and
/// evidence, and the sources its text names.
pub(crate) async fn provenance(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let article = match load_article(&state, &id).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    match crate::provenance::provenance_of(state.store.as_ref(), article).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct SiteItem {
    site: String,
    name: Option<String>,
    articles: i64,
    /// Articles that copy (or excerpt) an earlier article of another site.
    copies: i64,
    /// Of those, the ones that credit a source.
    credited: i64,
    /// Articles other sites copied.
    copied: i64,
}

impl From<SiteStats> for SiteItem {
    fn from(s: SiteStats) -> SiteItem {
        SiteItem {
            site: s.site,
            name: s.name,
            articles: s.articles,
            copies: s.copies,
            credited: s.credited,
            copied: s.copied,
        }
    }
}

#[derive(Serialize)]
struct SiteList {
    sites: Vec<SiteItem>,
}

/// `GET /api/v1/sites`: every site with what provenance knows of it, the
/// most articles first.
pub(crate) async fn sites(State(state): State<AppState>) -> Response {
    match state.store.site_stats(None).await {
        Ok(sites) => Json(SiteList {
            sites: sites.into_iter().map(SiteItem::from).collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct SiteBody {
    #[serde(flatten)]
    stats: SiteItem,
    /// The sources its articles cite most, with how many articles cite each.
    cites: Vec<CitedSource>,
}

#[derive(Serialize)]
struct CitedSource {
    who: String,
    articles: i64,
}

/// Sources `GET /api/v1/sites/{site}` lists.
const SITE_CITED: i64 = 20;

/// `GET /api/v1/sites/{site}`: one site's counts and the sources it cites.
pub(crate) async fn site(State(state): State<AppState>, Path(site): Path<String>) -> Response {
    let store = state.store.as_ref();
    let stats = match store.site_stats(Some(&site)).await {
        Ok(mut s) if !s.is_empty() => s.swap_remove(0),
        Ok(_) => return error(StatusCode::NOT_FOUND, format!("no articles from site {site:?}")),
        Err(e) => return store_error(e),
    };
    match store.site_citations(&site, SITE_CITED).await {
        Ok(cited) => Json(SiteBody {
            stats: stats.into(),
            cites: cited
                .into_iter()
                .map(|(who, articles)| CitedSource { who, articles })
                .collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct EntityParams {
    kind: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct EntityList {
    entities: Vec<EntitySummary>,
}

/// `GET /api/v1/entities?kind=PER|ORG|LOC&limit=`: the entities the most
/// articles name.
pub(crate) async fn entities(State(state): State<AppState>, Query(params): Query<EntityParams>) -> Response {
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(k @ ("PER" | "ORG" | "LOC")) => Some(k),
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("kind must be PER, ORG or LOC, got {other:?}"),
            );
        }
    };
    let limit = match parse_param("limit", params.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match state.store.top_entities(kind, limit).await {
        Ok(entities) => Json(EntityList { entities }).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct QuoteItem {
    article: ArticleListItem,
    quote: ArticleQuote,
}

#[derive(Serialize)]
struct EntityDetail {
    name: String,
    /// Quotes this name is the speaker of, newest first.
    quotes: Vec<QuoteItem>,
    /// Articles naming it, newest first.
    articles: Vec<ArticleListItem>,
    /// Articles naming it per day (UTC), its latest 90 days with any,
    /// oldest first.
    timeline: Vec<DayCount>,
}

#[derive(Serialize)]
struct DayCount {
    day: String,
    articles: i64,
}

/// `GET /api/v1/entities/{name}?limit=&offset=`: the articles that name an
/// entity (its canonical name) and the quotes it said.
pub(crate) async fn entity(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(paging): Query<Paging>,
) -> Response {
    let limit = match parse_param("limit", paging.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let offset = match parse_param("offset", paging.offset.as_deref(), 0, i64::MAX / 2) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let store = state.store.as_ref();
    let (articles, quotes, timeline) = match (
        store.entity_articles(&name, limit, offset).await,
        store.quotes_by(&name, limit).await,
        store.entity_timeline(&name, crate::pages::TIMELINE_DAYS).await,
    ) {
        (Ok(a), Ok(q), Ok(t)) => (a, q, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return store_error(e),
    };
    if articles.is_empty() && quotes.is_empty() && offset == 0 {
        return error(StatusCode::NOT_FOUND, format!("no article names {name:?}"));
    }
    Json(EntityDetail {
        name,
        quotes: quotes
            .into_iter()
            .map(|q| QuoteItem {
                article: q.article.into(),
                quote: q.quote,
            })
            .collect(),
        articles: articles.into_iter().map(ArticleListItem::from).collect(),
        timeline: timeline
            .into_iter()
            .map(|(day, articles)| DayCount { day, articles })
            .collect(),
    })
    .into_response()
}

#[derive(Serialize)]
struct StoryItem {
    id: i64,
    headline: String,
    origin: i64,
    articles: i64,
    sites: i64,
    first: Option<String>,
    last: Option<String>,
}

impl From<&tracewire_model::StorySummary> for StoryItem {
    fn from(s: &tracewire_model::StorySummary) -> StoryItem {
        StoryItem {
            id: s.id,
            headline: s.headline.clone(),
            origin: s.origin,
            articles: s.articles,
            sites: s.sites,
            first: time(Some(s.first)),
            last: time(Some(s.last)),
        }
    }
}

#[derive(Serialize)]
struct StoryList {
    stories: Vec<StoryItem>,
}

/// `GET /api/v1/stories?limit=&offset=`: the stories of the latest
/// articles, most recently updated first.
pub(crate) async fn stories(State(state): State<AppState>, Query(paging): Query<Paging>) -> Response {
    let limit = match parse_param("limit", paging.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let offset = match parse_param("offset", paging.offset.as_deref(), 0, 10_000) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match state
        .store
        .recent_stories(crate::pages::STORY_WINDOW, limit, offset)
        .await
    {
        Ok(list) => Json(StoryList {
            stories: list.iter().map(|s| StoryItem::from(&s.summary)).collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct StoryArticle {
    #[serde(flatten)]
    article: ArticleListItem,
    /// "first", "copy", "similar", "split" or "merge".
    joined_by: String,
    score: f64,
}

#[derive(Serialize)]
struct StoryDetail {
    #[serde(flatten)]
    story: StoryItem,
    /// Earliest first.
    articles: Vec<StoryArticle>,
    quotes: Vec<QuoteItem>,
    related: Vec<StoryItem>,
}

/// `GET /api/v1/stories/{id}`: a story with every article, the quotes in
/// them, and related stories.
pub(crate) async fn story(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(StatusCode::NOT_FOUND, format!("no story with id {id:?}"));
    };
    let store = state.store.as_ref();
    let story = match store.story(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("no story with id {id}")),
        Err(e) => return store_error(e),
    };
    let (quotes, related) = match (store.story_quotes(id, 200).await, store.related_stories(id, 10).await) {
        (Ok(q), Ok(r)) => (q, r),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
    };
    Json(StoryDetail {
        story: StoryItem::from(&story.summary),
        articles: story
            .members
            .into_iter()
            .map(|m| StoryArticle {
                article: m.article.into(),
                joined_by: m.joined_by,
                score: m.score,
            })
            .collect(),
        quotes: quotes
            .into_iter()
            .map(|q| QuoteItem {
                article: q.article.into(),
                quote: q.quote,
            })
            .collect(),
        related: related.iter().map(|(s, _)| StoryItem::from(&s.summary)).collect(),
    })
    .into_response()
}
