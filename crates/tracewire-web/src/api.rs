//! JSON API v1. These types are the wire format; they change only with a new
//! API version.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use tracewire_model::{Article, ArticleSummary, Feed};

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
    let related = match related_to(state.store.as_ref(), &article).await {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    Json(ArticleDetail {
        id: article.id,
        html: tracewire_extract::sanitize_html(&article.html),
        url: article.url,
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
                })
                .collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct StoryArticle {
    id: i64,
    url: String,
    site: String,
    title: String,
    published: Option<String>,
}

#[derive(Serialize)]
struct CopyItem {
    id: i64,
    url: String,
    site: String,
    /// How it relates to this article ("copy", "excerpt", ...), or
    /// "same_story" when only through others.
    relation: String,
    score: Option<f64>,
    evidence: Option<String>,
}

#[derive(Serialize)]
struct CiteItem {
    who: String,
    kind: tracewire_provenance::CiteKind,
    phrase: String,
}

#[derive(Serialize)]
struct ProvenanceBody {
    origin: StoryArticle,
    /// From the origin to this article, each copied from the one before.
    chain: Vec<StoryArticle>,
    copies: Vec<CopyItem>,
    cites: Vec<CiteItem>,
}

fn story_article(a: &Article) -> StoryArticle {
    StoryArticle {
        id: a.id,
        url: a.url.clone(),
        site: tracewire_provenance::site_of(&a.url),
        title: a.title.clone(),
        published: time(a.published),
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
    let id = article.id;
    let cites = tracewire_provenance::citations(&article.text)
        .into_iter()
        .map(|c| CiteItem {
            who: c.who,
            kind: c.kind,
            phrase: c.phrase,
        })
        .collect();
    let story = match crate::provenance::story_of(state.store.as_ref(), article).await {
        Ok(s) => s,
        Err(e) => return store_error(e),
    };
    let lineage = story.lineage(id);
    let chain: Vec<StoryArticle> = story
        .chain(id)
        .iter()
        .filter_map(|i| story.articles.get(i))
        .map(story_article)
        .collect();
    let Some(origin) = story.articles.get(&lineage.origin).map(story_article) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "the story's origin is missing");
    };
    let copies = story
        .articles
        .values()
        .filter(|a| a.id != id)
        .map(|a| {
            let direct = story
                .relations
                .iter()
                .filter(|r| (r.from == id && r.to == a.id) || (r.to == id && r.from == a.id))
                .max_by(|x, y| (x.kind != "attributes").cmp(&(y.kind != "attributes")));
            CopyItem {
                id: a.id,
                url: a.url.clone(),
                site: tracewire_provenance::site_of(&a.url),
                relation: direct.map_or("same_story".to_string(), |r| r.kind.clone()),
                score: direct.map(|r| r.score),
                evidence: direct.map(|r| r.evidence.clone()),
            }
        })
        .collect();
    Json(ProvenanceBody {
        origin,
        chain,
        copies,
        cites,
    })
    .into_response()
}
