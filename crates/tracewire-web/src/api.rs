//! JSON API v1. These types are the wire format; they change only with a new
//! API version.

// An error here is the response to answer, made on the cold path only.
#![allow(clippy::result_large_err)]

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tracewire_model::{Article, ArticleEntity, ArticleQuote, ArticleSummary, EntitySummary, Feed, SiteStats, User};

use crate::auth::{MaybeSession, Session};
use crate::{AppState, related_to};

pub(crate) const DEFAULT_LIMIT: i64 = 50;
pub(crate) const MAX_LIMIT: i64 = 500;
/// Deepest offset the paged lists that are not search take.
pub(crate) const MAX_OFFSET: i64 = i64::MAX / 2;

/// The OpenAPI 3.0 description of this API, served as is.
const OPENAPI: &str = include_str!("../static/openapi.json");

#[derive(Serialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize)]
struct ErrorDetail {
    code: &'static str,
    message: String,
}

/// The machine-readable code of an error status.
fn error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// An API error: `{"error":{"code":"…","message":"…"}}`, the code following
/// from the status (`bad_request`, `unauthorized`, `forbidden`, `not_found`,
/// `internal`, `unavailable`, …).
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    // 422 is what axum's extractors say; the API says 400 for every bad request.
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: error_code(status),
            message: message.into(),
        },
    };
    (status, Json(body)).into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub(crate) fn store_error(e: tracewire_store::StoreError) -> Response {
    tracing::error!(error = %e, "storage failed while answering an API request");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal storage error; try again later, and if it persists see the server log",
    )
}

/// `GET /api/v1/openapi.json`: the API's OpenAPI 3.0 document (no login needed).
pub(crate) async fn openapi() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        OPENAPI,
    )
        .into_response()
}

/// Any other path under `/api/`: a JSON 404.
pub(crate) async fn not_found(request: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "there is no API endpoint at {}; GET /api/v1/openapi.json lists them",
            request.uri().path()
        ),
    )
}

/// Wraps the API's routes: an error response that is not already JSON (the
/// 405 of a wrong method, an extractor's plain-text rejection, a body over
/// the size limit) is given the API's error shape, its text as the message.
pub(crate) async fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match (status, text.is_empty()) {
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("another method");
            format!("this endpoint does not take that method; use {allowed}")
        }
        (StatusCode::PAYLOAD_TOO_LARGE, _) => "the request body is too large".to_string(),
        (_, true) => status.canonical_reason().unwrap_or("error").to_string(),
        (_, false) => text,
    };
    let fixed = error(status, message);
    let (fixed_parts, fixed_body) = fixed.into_parts();
    parts.status = fixed_parts.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::new(fixed_body))
}

/// A JSON request body; what axum would refuse in plain text is a JSON
/// 400 (or 415 without a JSON content type, 413 when too large).
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON, with the header Content-Type: application/json",
            )),
            Err(JsonRejection::BytesRejection(e)) => Err(error(e.status(), format!("cannot read the body: {e}"))),
            Err(e) => Err(bad_request(format!(
                "the body is not the JSON this endpoint takes: {}; see /api/v1/openapi.json",
                e.body_text()
            ))),
        }
    }
}

/// Query parameters; a malformed query string (a name given twice) is a
/// JSON 400.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(e) => Err(bad_request(format!("bad query string: {}", e.body_text()))),
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// `Authorization: Bearer <token>`.
    Token(User),
    /// The browser's login session (writes carry `X-CSRF-Token`).
    Session(Session),
}

impl Caller {
    pub(crate) fn user(&self) -> &User {
        match self {
            Caller::Token(user) => user,
            Caller::Session(session) => &session.user,
        }
    }
}

const WWW_AUTHENTICATE: &str = "Bearer realm=\"tracewire\"";
const WWW_AUTHENTICATE_INVALID: &str = "Bearer realm=\"tracewire\", error=\"invalid_token\"";

fn unauthorized(challenge: &'static str, message: impl Into<String>) -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

/// Longest token secret looked up (ours are 64 hex digits).
const MAX_TOKEN_CHARS: usize = 256;

/// Who is calling: a bearer token's owner, else the login session's user,
/// else no one. A token that is malformed or unknown is a 401.
async fn caller(parts: &mut Parts, state: &AppState) -> Result<Option<Caller>, Response> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let invalid = || {
            unauthorized(
                WWW_AUTHENTICATE_INVALID,
                "the Authorization header is not a valid token: send Authorization: Bearer <token>, \
                 a token made on /settings or by `tracewire users token NAME`",
            )
        };
        let value = value.to_str().map_err(|_| invalid())?;
        let (scheme, token) = value.trim().split_once(' ').ok_or_else(invalid)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > MAX_TOKEN_CHARS {
            return Err(invalid());
        }
        let hash = crate::auth::secret_hash(token);
        return match state.store.token_user(&hash, "api", Utc::now()).await {
            Ok(Some(user)) => Ok(Some(Caller::Token(user))),
            Ok(None) => Err(unauthorized(
                WWW_AUTHENTICATE_INVALID,
                "unknown or revoked token: make a new one on /settings or with `tracewire users token NAME`",
            )),
            Err(e) => Err(store_error(e)),
        };
    }
    let Ok(MaybeSession(session)) = MaybeSession::from_request_parts(parts, state).await;
    Ok(session.map(Caller::Session))
}

/// The caller of a public read endpoint: anyone when the instance is
/// public, else someone logged in or with a token (an extractor).
pub(crate) struct Reader(#[allow(dead_code)] pub Option<Caller>);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let who = caller(parts, state).await?;
        if who.is_none() && !state.config.public {
            return Err(login_needed());
        }
        Ok(Reader(who))
    }
}

fn login_needed() -> Response {
    unauthorized(
        WWW_AUTHENTICATE,
        "this needs an account: send Authorization: Bearer <token> (made on /settings or by \
         `tracewire users token NAME`), or log in",
    )
}

/// The caller of a per-user endpoint: required. With a session (not a
/// token), a request that changes anything must carry the session's CSRF
/// token in `X-CSRF-Token` (an extractor).
pub(crate) struct ApiUser(pub Caller);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(who) = caller(parts, state).await? else {
            return Err(login_needed());
        };
        if let Caller::Session(session) = &who {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !safe && !crate::auth::same_secret(sent, &session.csrf) {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "a write with a login session must carry the session's CSRF token in X-CSRF-Token \
                     (or use Authorization: Bearer <token>)",
                ));
            }
        }
        Ok(ApiUser(who))
    }
}

fn time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    limit: Option<String>,
    offset: Option<String>,
}

impl Paging {
    /// `limit` (1..=500, default 50) and `offset` (0..=`max_offset`).
    pub(crate) fn parse(&self, max_offset: i64) -> Result<(i64, i64), Response> {
        let limit = limit_param(self.limit.as_deref())?;
        let offset = parse_param("offset", self.offset.as_deref(), 0, 0, max_offset).map_err(bad_request)?;
        Ok((limit, offset))
    }
}

/// The `limit` query parameter: 1..=500, 50 when absent.
pub(crate) fn limit_param(value: Option<&str>) -> Result<i64, Response> {
    parse_param("limit", value, DEFAULT_LIMIT, 1, MAX_LIMIT).map_err(bad_request)
}

/// The `next` offset of a page: where the following page starts, when
/// `more` says there is one.
pub(crate) fn next_offset(offset: i64, shown: usize, more: bool) -> Option<i64> {
    more.then(|| offset.saturating_add(shown as i64))
}

/// One page of a list held in full: the page and its `next` offset.
pub(crate) fn page_of<T>(all: Vec<T>, limit: i64, offset: i64) -> (Vec<T>, Option<i64>) {
    let total = all.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let page: Vec<T> = all
        .into_iter()
        .skip(start)
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let more = start + page.len() < total;
    let next = next_offset(offset, page.len(), more);
    (page, next)
}

/// A page of a list the store returns whole, as `{name: [...], "next"}`:
/// `paging` parsed (a bad value answers 400), each item mapped to its wire
/// form.
pub(crate) fn list_page<T, U: Serialize>(
    name: &str,
    all: Result<Vec<T>, tracewire_store::StoreError>,
    paging: &Paging,
    wire: impl FnMut(T) -> U,
) -> Response {
    let (limit, offset) = match paging.parse(MAX_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    match all {
        Ok(all) => {
            let (page, next) = page_of(all, limit, offset);
            let items: Vec<U> = page.into_iter().map(wire).collect();
            let mut body = serde_json::Map::new();
            body.insert(name.to_string(), serde_json::json!(items));
            body.insert("next".to_string(), serde_json::json!(next));
            Json(serde_json::Value::Object(body)).into_response()
        }
        Err(e) => store_error(e),
    }
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
    /// The offset of the next page; null on the last.
    next: Option<i64>,
}

/// A query parameter in `min..=max`, or the message saying what is wrong.
pub(crate) fn parse_param(name: &str, value: Option<&str>, default: i64, min: i64, max: i64) -> Result<i64, String> {
    let Some(raw) = value else { return Ok(default) };
    match raw.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name} must be a whole number from {min} to {max}, got {:?}",
            raw.chars().take(40).collect::<String>()
        )),
    }
}

/// `GET /api/v1/articles?limit=&offset=`: the latest articles, newest first.
pub(crate) async fn articles(
    State(state): State<AppState>,
    _reader: Reader,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    let (limit, offset) = match paging.parse(MAX_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    match state.store.articles(limit + 1, offset).await {
        Ok(mut list) => {
            let more = list.len() as i64 > limit;
            list.truncate(limit as usize);
            Json(ArticleList {
                next: next_offset(offset, list.len(), more),
                articles: list.into_iter().map(ArticleListItem::from).collect(),
            })
            .into_response()
        }
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
    /// The offset of the next page; null on the last.
    next: Option<i64>,
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
pub(crate) async fn search(
    State(state): State<AppState>,
    _reader: Reader,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Response {
    let query = match tracewire_search::SearchQuery::parse(params.q.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(e) => return bad_request(format!("q: {e}")),
    };
    let sort = match params
        .sort
        .as_deref()
        .unwrap_or_default()
        .parse::<tracewire_search::Sort>()
    {
        Ok(sort) => sort,
        Err(e) => return bad_request(format!("sort: {e}")),
    };
    let paging = Paging {
        limit: params.limit,
        offset: params.offset,
    };
    let (limit, offset) = match paging.parse(MAX_SEARCH_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let Some(index) = &state.search else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this process has no search index; ask a web server that runs one",
        );
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
            next: next_offset(
                offset,
                page.hits.len(),
                (offset as usize).saturating_add(page.hits.len()) < page.total
                    && offset + (page.hits.len() as i64) <= MAX_SEARCH_OFFSET
                    && !page.hits.is_empty(),
            ),
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
        return Err(error(
            StatusCode::NOT_FOUND,
            format!(
                "no article with id {:?}; ids are whole numbers",
                id.chars().take(40).collect::<String>()
            ),
        ));
    };
    match state.store.article(id).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(error(StatusCode::NOT_FOUND, format!("no article with id {id}"))),
        Err(e) => Err(store_error(e)),
    }
}

pub(crate) async fn article(State(state): State<AppState>, _reader: Reader, Path(id): Path<String>) -> Response {
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

/// `GET /api/v1/feeds?limit=&offset=`: the feeds the instance reads, with
/// their health.
pub(crate) async fn feeds(
    State(state): State<AppState>,
    _reader: Reader,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    list_page("feeds", state.store.feeds().await, &paging, |f: Feed| FeedItem {
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
}

/// `GET /api/v1/articles/{id}/provenance`: the story's origin, the chain of
/// copies that led to this article, every other copy with its relation and
/// evidence, and the sources its text names.
pub(crate) async fn provenance(State(state): State<AppState>, _reader: Reader, Path(id): Path<String>) -> Response {
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

/// `GET /api/v1/sites?limit=&offset=`: every site with what provenance
/// knows of it, the most articles first.
pub(crate) async fn sites(
    State(state): State<AppState>,
    _reader: Reader,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    list_page("sites", state.store.site_stats(None).await, &paging, SiteItem::from)
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
pub(crate) async fn site(State(state): State<AppState>, _reader: Reader, Path(site): Path<String>) -> Response {
    let store = state.store.as_ref();
    let stats = match store.site_stats(Some(&site)).await {
        Ok(mut s) if !s.is_empty() => s.swap_remove(0),
        Ok(_) => {
            return error(
                StatusCode::NOT_FOUND,
                format!(
                    "no articles from site {:?}; GET /api/v1/sites lists the sites",
                    site.chars().take(200).collect::<String>()
                ),
            );
        }
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
    offset: Option<String>,
}

#[derive(Serialize)]
struct EntityList {
    entities: Vec<EntitySummary>,
    /// The offset of the next page; null on the last.
    next: Option<i64>,
}

/// Deepest offset of `GET /api/v1/entities` (it ranks everything before it).
const MAX_ENTITY_OFFSET: i64 = 10_000;

/// `GET /api/v1/entities?kind=PER|ORG|LOC&limit=`: the entities the most
/// articles name.
pub(crate) async fn entities(
    State(state): State<AppState>,
    _reader: Reader,
    ApiQuery(params): ApiQuery<EntityParams>,
) -> Response {
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(k @ ("PER" | "ORG" | "LOC")) => Some(k),
        Some(other) => {
            return bad_request(format!(
                "kind must be PER, ORG or LOC, got {:?}",
                other.chars().take(40).collect::<String>()
            ));
        }
    };
    let paging = Paging {
        limit: params.limit,
        offset: params.offset,
    };
    let (limit, offset) = match paging.parse(MAX_ENTITY_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    match state.store.top_entities(kind, offset + limit + 1).await {
        Ok(entities) => {
            let (entities, next) = page_of(entities, limit, offset);
            Json(EntityList { entities, next }).into_response()
        }
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
    /// The offset of the next page of articles; null on the last.
    next: Option<i64>,
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
    _reader: Reader,
    Path(name): Path<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    let (limit, offset) = match paging.parse(MAX_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let store = state.store.as_ref();
    let (mut articles, quotes, timeline) = match (
        store.entity_articles(&name, limit + 1, offset).await,
        store.quotes_by(&name, limit).await,
        store.entity_timeline(&name, crate::pages::TIMELINE_DAYS).await,
    ) {
        (Ok(a), Ok(q), Ok(t)) => (a, q, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return store_error(e),
    };
    if articles.is_empty() && quotes.is_empty() && offset == 0 {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "no article names {:?}; GET /api/v1/entities lists the names",
                name.chars().take(200).collect::<String>()
            ),
        );
    }
    let more = articles.len() as i64 > limit;
    articles.truncate(limit as usize);
    Json(EntityDetail {
        next: next_offset(offset, articles.len(), more),
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
    /// The offset of the next page; null on the last.
    next: Option<i64>,
}

/// Deepest offset of `GET /api/v1/stories`.
const MAX_STORY_OFFSET: i64 = 10_000;

/// `GET /api/v1/stories?limit=&offset=`: the stories of the latest
/// articles, most recently updated first.
pub(crate) async fn stories(
    State(state): State<AppState>,
    _reader: Reader,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    let (limit, offset) = match paging.parse(MAX_STORY_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    match state
        .store
        .recent_stories(crate::pages::STORY_WINDOW, limit + 1, offset)
        .await
    {
        Ok(mut list) => {
            let more = list.len() as i64 > limit;
            list.truncate(limit as usize);
            Json(StoryList {
                next: next_offset(offset, list.len(), more),
                stories: list.iter().map(|s| StoryItem::from(&s.summary)).collect(),
            })
            .into_response()
        }
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
    id: i64,
    headline: String,
    origin: i64,
    /// How many articles (`articles` here is the list: a story's summary
    /// flattened in used to send the key twice).
    article_count: i64,
    sites: i64,
    first: Option<String>,
    last: Option<String>,
    /// Earliest first.
    articles: Vec<StoryArticle>,
    quotes: Vec<QuoteItem>,
    related: Vec<StoryItem>,
}

/// `GET /api/v1/stories/{id}`: a story with every article, the quotes in
/// them, and related stories.
pub(crate) async fn story(State(state): State<AppState>, _reader: Reader, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "no story with id {:?}; ids are whole numbers",
                id.chars().take(40).collect::<String>()
            ),
        );
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
    let summary = &story.summary;
    Json(StoryDetail {
        id: summary.id,
        headline: summary.headline.clone(),
        origin: summary.origin,
        article_count: summary.articles,
        sites: summary.sites,
        first: time(Some(summary.first)),
        last: time(Some(summary.last)),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use serde_json::Value;

    use crate::WebConfig;
    use crate::testing::TestServer;

    /// Every `/api/v1` route of `lib.rs`'s router, with its methods.
    fn routes_in_lib() -> BTreeSet<(String, String)> {
        let source = include_str!("lib.rs");
        let mut found = BTreeSet::new();
        for chunk in source.split(".route(").skip(1) {
            let Some(rest) = chunk.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some((path, handlers)) = rest.split_once('"') else {
                continue;
            };
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for (call, method) in [
                ("get(", "get"),
                ("post(", "post"),
                ("patch(", "patch"),
                ("delete(", "delete"),
                ("put(", "put"),
            ] {
                let called = handlers
                    .match_indices(call)
                    .any(|(i, _)| i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric());
                if called {
                    found.insert((path.to_string(), method.to_string()));
                }
            }
        }
        found
    }

    #[tokio::test]
    async fn the_openapi_document_parses_and_describes_every_route() {
        let server = TestServer::start_with(WebConfig {
            public: false,
            ..WebConfig::default()
        })
        .await;
        // Served to anyone, even on a private instance.
        let response = server
            .client
            .get(server.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let doc: Value = response.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.0"));
        assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.insert((path.clone(), method.clone()));
            }
        }
        let routes = routes_in_lib();
        assert!(routes.len() >= 20, "{routes:?}");
        let missing: Vec<_> = routes.difference(&documented).collect();
        assert!(
            missing.is_empty(),
            "routes the OpenAPI document leaves out: {missing:?}"
        );
        let extra: Vec<_> = documented.difference(&routes).collect();
        assert!(extra.is_empty(), "documented but not routed: {extra:?}");
        // Every reference resolves.
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/").skip(1) {
            let target = piece.split('"').next().unwrap();
            let mut node = &doc;
            for step in target.split('/') {
                node = &node[step];
            }
            assert!(!node.is_null(), "dangling $ref #/{target}");
        }
    }

    async fn error_of(response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{status}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        (status, body)
    }

    #[tokio::test]
    async fn every_error_is_json_with_a_code() {
        let server = TestServer::start().await;
        let c = &server.client;
        let (status, body) = error_of(c.get(server.url("/api/v1/articles?limit=0")).send().await.unwrap()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")));
        let (status, body) = error_of(
            c.get(server.url("/api/v1/articles?limit=1&limit=2"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")));
        let (status, body) = error_of(c.get(server.url("/api/v1/articles/x")).send().await.unwrap()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
        let (status, body) = error_of(c.get(server.url("/api/v1/nothing/here")).send().await.unwrap()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
        let (status, body) = error_of(c.get(server.url("/api/v2/articles")).send().await.unwrap()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
        let response = c.post(server.url("/api/v1/articles")).send().await.unwrap();
        assert!(response.headers().contains_key("allow"));
        let (status, body) = error_of(response).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (405, Some("method_not_allowed"))
        );
        // The HTML pages keep their HTML 404.
        let page = c.get(server.url("/no/such/page")).send().await.unwrap();
        assert_eq!(page.status(), 404);
        assert!(
            page.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        // Pages say where the next one starts.
        let (feed, _) = server.feed_with_articles("https://a.example/feed", "A", 3).await;
        let _ = feed;
        let page: Value = c
            .get(server.url("/api/v1/articles?limit=2"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["articles"].as_array().unwrap().len(), 2);
        assert_eq!(page["next"], 2);
        let page: Value = c
            .get(server.url("/api/v1/articles?limit=2&offset=2"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["articles"].as_array().unwrap().len(), 1);
        assert!(page["next"].is_null());
    }

    #[tokio::test]
    async fn a_private_instance_answers_the_api_only_to_callers() {
        let server = TestServer::start_with(WebConfig {
            public: false,
            ..WebConfig::default()
        })
        .await;
        let c = &server.client;
        let response = c.get(server.url("/api/v1/articles")).send().await.unwrap();
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let (status, body) = error_of(response).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));

        let user = server.user("reader", "password1", false).await;
        let secret = crate::auth::new_secret().unwrap();
        server
            .store
            .add_token(user.id, "api", "test", &crate::auth::secret_hash(&secret))
            .await
            .unwrap();
        let ok = c
            .get(server.url("/api/v1/articles"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        for bad in ["Bearer nope", "Basic YTpi", "Bearer", "Bearer  "] {
            let response = c
                .get(server.url("/api/v1/feeds"))
                .header("authorization", bad)
                .send()
                .await
                .unwrap();
            assert!(response.headers().contains_key("www-authenticate"), "{bad}");
            let (status, _) = error_of(response).await;
            assert_eq!(status, 401, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_bad_token_is_refused_even_where_anyone_may_read() {
        let server = TestServer::start().await;
        let anonymous = server.client.get(server.url("/api/v1/articles")).send().await.unwrap();
        assert_eq!(anonymous.status(), 200);
        let response = server
            .client
            .get(server.url("/api/v1/articles"))
            .bearer_auth("0".repeat(64))
            .send()
            .await
            .unwrap();
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_eq!(error_of(response).await.0, 401);
    }
}
