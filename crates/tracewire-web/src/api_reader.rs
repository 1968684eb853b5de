//! JSON API v1, per user: who is calling, their subscriptions and
//! categories, their reading list and its marks. Every endpoint needs a
//! caller ([`ApiUser`]): a bearer token, or a login session whose writes
//! carry `X-CSRF-Token`.

// An error here is the response to answer, made on the cold path only.
#![allow(clippy::result_large_err)]

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use tracewire_model::{Category, ReaderItem, Subscription};
use tracewire_store::accounts::{ItemQuery, Marks, Scope};

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, ApiUser, Caller, Paging, error, limit_param, list_page, page_of, store_error};
use crate::subscribe::{SubscribeError, subscribe_url};

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// A value of a query string or body, shortened for an error message.
fn shown(raw: &str) -> String {
    raw.chars().take(40).collect()
}

/// Longest subscription title and category name taken.
const MAX_NAME_CHARS: usize = 200;
/// Longest feed URL taken.
const MAX_URL_CHARS: usize = 2048;

#[derive(Serialize)]
struct Me {
    id: i64,
    name: String,
    is_admin: bool,
    created_at: String,
    /// How the caller proved who they are: "token" or "session".
    auth: &'static str,
}

/// `GET /api/v1/me`: the caller's account.
pub(crate) async fn me(ApiUser(caller): ApiUser) -> Response {
    let user = caller.user();
    Json(Me {
        id: user.id,
        name: user.name.clone(),
        is_admin: user.is_admin,
        created_at: time(user.created_at),
        auth: match caller {
            Caller::Token(_) => "token",
            Caller::Session(_) => "session",
        },
    })
    .into_response()
}

#[derive(Serialize)]
struct SubscriptionItem {
    feed_id: i64,
    url: String,
    /// What to call it: the user's title, else the feed's, else its URL.
    title: String,
    /// The title the user gave it.
    custom_title: Option<String>,
    /// The title the feed gives itself.
    feed_title: Option<String>,
    site_url: Option<String>,
    category: Option<Category>,
    status: &'static str,
    last_fetched: Option<String>,
    subscribed_at: String,
}

impl From<Subscription> for SubscriptionItem {
    fn from(s: Subscription) -> SubscriptionItem {
        SubscriptionItem {
            title: s.display_title().to_string(),
            feed_id: s.feed.id,
            url: s.feed.url,
            custom_title: s.title,
            feed_title: s.feed.title,
            site_url: s.feed.site_url,
            category: s.category,
            status: s.feed.status.as_str(),
            last_fetched: s.feed.last_fetched.map(time),
            subscribed_at: time(s.subscribed_at),
        }
    }
}

/// `GET /api/v1/subscriptions?limit=&offset=`: the caller's subscriptions, by title.
pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    list_page(
        "subscriptions",
        state.store.subscriptions(caller.user().id).await,
        &paging,
        SubscriptionItem::from,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSubscription {
    url: String,
    #[serde(default)]
    title: Option<String>,
    /// A category name, made when the user has none of that name.
    #[serde(default)]
    category: Option<String>,
}

/// A name a person typed: trimmed, `None` when blank; too long or with
/// control characters is an error.
fn name_field(field: &str, value: Option<&str>) -> Result<Option<String>, Response> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(bad_request(format!(
            "{field} is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(bad_request(format!("{field} must not contain control characters")));
    }
    Ok(Some(value.to_string()))
}

/// `POST /api/v1/subscriptions` `{"url","title"?,"category"?}`: subscribes
/// the caller (201 with the subscription; 200 with it when they already
/// had it, left as it was).
pub(crate) async fn subscribe(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    ApiJson(body): ApiJson<NewSubscription>,
) -> Response {
    let user = caller.user().id;
    let url = body.url.trim();
    if url.is_empty() || url.chars().count() > MAX_URL_CHARS || url.chars().any(char::is_control) {
        return bad_request(format!(
            "url must be a feed's http or https URL of at most {MAX_URL_CHARS} characters"
        ));
    }
    let title = match name_field("title", body.title.as_deref()) {
        Ok(t) => t,
        Err(response) => return response,
    };
    let category = match name_field("category", body.category.as_deref()) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let before = match state.store.subscriptions(user).await {
        Ok(list) => list,
        Err(e) => return store_error(e),
    };
    let category = match category {
        Some(name) => match state.store.category_named(user, &name, true).await {
            Ok(id) => id,
            Err(e) => return store_error(e),
        },
        None => None,
    };
    let feed = match subscribe_url(&state, user, url, title.as_deref(), category).await {
        Ok(feed) => feed,
        Err(SubscribeError::Store(e)) => return store_error(e),
        Err(e) => return bad_request(e.to_string()),
    };
    let existed = before.iter().any(|s| s.feed.id == feed.id);
    let subscription = match state.store.subscriptions(user).await {
        Ok(list) => list.into_iter().find(|s| s.feed.id == feed.id),
        Err(e) => return store_error(e),
    };
    let Some(subscription) = subscription else {
        // Removed by a concurrent request.
        return error(
            StatusCode::NOT_FOUND,
            format!("the subscription to feed {} was removed meanwhile", feed.id),
        );
    };
    let status = if existed { StatusCode::OK } else { StatusCode::CREATED };
    (status, Json(SubscriptionItem::from(subscription))).into_response()
}

/// `DELETE /api/v1/subscriptions/{feed_id}`: unsubscribes the caller (204).
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(feed): Path<String>,
) -> Response {
    let Ok(feed) = feed.parse::<i64>() else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no subscription to feed {:?}; feed ids are whole numbers", shown(&feed)),
        );
    };
    match state.store.unsubscribe(caller.user().id, feed).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            format!("you have no subscription to feed {feed}; GET /api/v1/subscriptions lists them"),
        ),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct CategoryItem {
    id: i64,
    name: String,
    /// Subscriptions in it.
    feeds: i64,
}

#[derive(Serialize)]
struct CategoryList {
    categories: Vec<CategoryItem>,
    /// The offset of the next page; null on the last.
    next: Option<i64>,
}

/// `GET /api/v1/categories?limit=&offset=`: the caller's categories, by name.
pub(crate) async fn categories(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Response {
    let (limit, offset) = match paging.parse(crate::api::MAX_OFFSET) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let user = caller.user().id;
    let (categories, subscriptions) = match (
        state.store.categories(user).await,
        state.store.subscriptions(user).await,
    ) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
    };
    let (page, next) = page_of(categories, limit, offset);
    Json(CategoryList {
        categories: page
            .into_iter()
            .map(|c| CategoryItem {
                feeds: subscriptions
                    .iter()
                    .filter(|s| s.category.as_ref().is_some_and(|sc| sc.id == c.id))
                    .count() as i64,
                id: c.id,
                name: c.name,
            })
            .collect(),
        next,
    })
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct ItemParams {
    feed: Option<String>,
    category: Option<String>,
    read: Option<String>,
    starred: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

fn id_param(name: &str, raw: Option<&str>) -> Result<Option<i64>, Response> {
    match raw {
        None => Ok(None),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(bad_request(format!(
                "{name} must be an id, a whole number from 1, got {:?}",
                shown(raw)
            ))),
        },
    }
}

fn bool_param(name: &str, raw: Option<&str>) -> Result<Option<bool>, Response> {
    match raw {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(bad_request(format!(
            "{name} must be true or false, got {:?}",
            shown(other)
        ))),
    }
}

/// The scope of `feed` and `category` (at most one of them).
fn scope_of(feed: Option<i64>, category: Option<i64>) -> Result<Scope, Response> {
    match (feed, category) {
        (Some(_), Some(_)) => Err(bad_request("give feed or category, not both")),
        (Some(feed), None) => Ok(Scope::Feed(feed)),
        (None, Some(category)) => Ok(Scope::Category(category)),
        (None, None) => Ok(Scope::All),
    }
}

#[derive(Serialize)]
struct Item {
    id: i64,
    feed_id: i64,
    title: String,
    url: String,
    site: String,
    published: Option<String>,
    site_name: Option<String>,
    source_url: Option<String>,
    /// The first words of the text.
    excerpt: String,
    /// When it was stored.
    fetched: String,
    read: bool,
    starred: bool,
}

impl From<ReaderItem> for Item {
    fn from(i: ReaderItem) -> Item {
        let a = i.article;
        Item {
            id: a.id,
            feed_id: a.feed_id,
            title: a.title,
            url: a.url,
            site: a.site,
            published: a.published.map(time),
            site_name: a.site_name,
            source_url: a.source_url,
            excerpt: a.excerpt,
            fetched: time(i.fetched_at),
            read: i.read,
            starred: i.starred,
        }
    }
}

#[derive(Serialize)]
struct ItemList {
    items: Vec<Item>,
    /// The `before` of the next page (the last id here); null on the last.
    next: Option<i64>,
}

/// `GET /api/v1/items?feed=&category=&read=&starred=&before=&limit=`: the
/// caller's reading list, newest first, with their marks.
pub(crate) async fn items(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    ApiQuery(params): ApiQuery<ItemParams>,
) -> Response {
    let parsed = (|| {
        let feed = id_param("feed", params.feed.as_deref())?;
        let category = id_param("category", params.category.as_deref())?;
        let scope = scope_of(feed, category)?;
        let read = bool_param("read", params.read.as_deref())?;
        let starred = bool_param("starred", params.starred.as_deref())?;
        let before = id_param("before", params.before.as_deref())?;
        let limit = limit_param(params.limit.as_deref())?;
        Ok::<_, Response>((scope, read, starred, before, limit))
    })();
    let (scope, read, starred, before, limit) = match parsed {
        Ok(p) => p,
        Err(response) => return response,
    };
    let query = ItemQuery {
        user: caller.user().id,
        scope,
        read,
        starred,
        before_id: before,
        limit: limit + 1,
        ..ItemQuery::default()
    };
    match state.store.items(&query).await {
        Ok(mut list) => {
            let more = list.len() as i64 > limit;
            list.truncate(limit as usize);
            let next = if more { list.last().map(|i| i.article.id) } else { None };
            Json(ItemList {
                items: list.into_iter().map(Item::from).collect(),
                next,
            })
            .into_response()
        }
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarkBody {
    #[serde(default)]
    read: Option<bool>,
    #[serde(default)]
    starred: Option<bool>,
}

#[derive(Serialize)]
struct ItemState {
    id: i64,
    read: bool,
    starred: bool,
}

/// One item of the caller's reading list, if they can see it.
async fn visible_item(state: &AppState, user: i64, id: i64) -> Result<Option<ReaderItem>, Response> {
    let query = ItemQuery {
        user,
        ids: Some(vec![id]),
        limit: 1,
        ..ItemQuery::default()
    };
    match state.store.items(&query).await {
        Ok(mut list) => Ok(list.pop()),
        Err(e) => Err(store_error(e)),
    }
}

/// `PATCH /api/v1/items/{id}` `{"read"?,"starred"?}`: sets the caller's
/// marks of an article; answers its marks.
pub(crate) async fn mark_item(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MarkBody>,
) -> Response {
    let not_found = |id: &str| {
        error(
            StatusCode::NOT_FOUND,
            format!(
                "no item {:?} in your reading list; GET /api/v1/items lists them",
                shown(id)
            ),
        )
    };
    let Ok(article) = id.parse::<i64>() else {
        return not_found(&id);
    };
    if body.read.is_none() && body.starred.is_none() {
        return bad_request("give read or starred (true or false), or both");
    }
    let user = caller.user().id;
    match visible_item(&state, user, article).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&id),
        Err(response) => return response,
    }
    let marks = Marks {
        read: body.read,
        starred: body.starred,
    };
    if let Err(e) = state.store.mark(user, &[article], marks).await {
        return store_error(e);
    }
    match visible_item(&state, user, article).await {
        Ok(Some(item)) => Json(ItemState {
            id: item.article.id,
            read: item.read,
            starred: item.starred,
        })
        .into_response(),
        // Unstarred an article of a feed since left: gone from the list.
        Ok(None) => Json(ItemState {
            id: article,
            read: body.read.unwrap_or(false),
            starred: false,
        })
        .into_response(),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarkAllBody {
    #[serde(default)]
    feed: Option<i64>,
    #[serde(default)]
    category: Option<i64>,
    /// RFC 3339: only articles stored before it.
    #[serde(default)]
    before: Option<String>,
}

#[derive(Serialize)]
struct Marked {
    /// Articles newly marked read.
    marked: u64,
}

/// `POST /api/v1/items/mark-all-read` `{"feed"?,"category"?,"before"?}`:
/// marks read the caller's unread articles of a feed, a category or all,
/// stored before a time if given.
pub(crate) async fn mark_all_read(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    ApiJson(body): ApiJson<MarkAllBody>,
) -> Response {
    for (name, id) in [("feed", body.feed), ("category", body.category)] {
        if id.is_some_and(|id| id < 1) {
            return bad_request(format!("{name} must be an id, a whole number from 1"));
        }
    }
    let scope = match scope_of(body.feed, body.category) {
        Ok(s) => s,
        Err(response) => return response,
    };
    let before = match body.before.as_deref() {
        None => None,
        Some(raw) => match DateTime::parse_from_rfc3339(raw) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                return bad_request(format!(
                    "before must be an RFC 3339 time such as 2024-05-01T12:00:00Z, got {:?}",
                    shown(raw)
                ));
            }
        },
    };
    match state.store.mark_all_read(caller.user().id, scope, before).await {
        Ok(marked) => Json(Marked { marked }).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Serialize)]
struct FeedUnread {
    feed_id: i64,
    unread: i64,
    /// When the newest unread article was stored.
    newest: String,
}

#[derive(Serialize)]
struct UnreadCounts {
    /// Every subscribed feed with unread articles.
    feeds: Vec<FeedUnread>,
    total: i64,
}

/// `GET /api/v1/unread-counts`: the caller's unread articles per feed.
pub(crate) async fn unread_counts(State(state): State<AppState>, ApiUser(caller): ApiUser) -> Response {
    match state.store.unread_counts(caller.user().id).await {
        Ok(counts) => Json(UnreadCounts {
            total: counts.iter().map(|c| c.unread).sum(),
            feeds: counts
                .into_iter()
                .map(|c| FeedUnread {
                    feed_id: c.feed,
                    unread: c.unread,
                    newest: time(c.newest),
                })
                .collect(),
        })
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use crate::testing::TestServer;
    use crate::{AppState, WebConfig, auth};

    /// A server with an account `reader` and its API token.
    async fn server_with_token() -> (TestServer, tracewire_model::User, String) {
        let server = TestServer::start().await;
        let user = server.user("reader", "password1", false).await;
        let secret = auth::new_secret().unwrap();
        server
            .store
            .add_token(user.id, "api", "test", &auth::secret_hash(&secret))
            .await
            .unwrap();
        (server, user, secret)
    }

    async fn call(
        server: &TestServer,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = server.client.request(method, server.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
        };
        (status, value)
    }

    #[tokio::test]
    async fn a_token_reads_and_changes_its_owners_subscriptions() {
        let (server, user, token) = server_with_token().await;
        use reqwest::Method;
        let (status, me) = call(&server, &token, Method::GET, "/api/v1/me", None).await;
        assert_eq!(status, 200);
        assert_eq!(
            (me["id"].as_i64(), me["name"].as_str()),
            (Some(user.id), Some("reader"))
        );
        assert_eq!(me["auth"], "token");

        let (status, made) = call(
            &server,
            &token,
            Method::POST,
            "/api/v1/subscriptions",
            Some(json!({"url": "news.example/feed", "title": "News", "category": "World"})),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(made["url"], "https://news.example/feed");
        assert_eq!(made["title"], "News");
        assert_eq!(made["category"]["name"], "World");
        let feed = made["feed_id"].as_i64().unwrap();
        // Again: already there, left as it was.
        let (status, again) = call(
            &server,
            &token,
            Method::POST,
            "/api/v1/subscriptions",
            Some(json!({"url": "https://news.example/feed"})),
        )
        .await;
        assert_eq!((status, again["title"].as_str()), (200, Some("News")));

        let (status, list) = call(&server, &token, Method::GET, "/api/v1/subscriptions", None).await;
        assert_eq!(status, 200);
        assert_eq!(list["subscriptions"].as_array().unwrap().len(), 1);
        assert!(list["next"].is_null());
        let (_, categories) = call(&server, &token, Method::GET, "/api/v1/categories", None).await;
        assert_eq!(categories["categories"][0]["name"], "World");
        assert_eq!(categories["categories"][0]["feeds"], 1);

        for (body, code) in [
            (json!({"url": "ftp://x/y"}), 400),
            (json!({"url": ""}), 400),
            (json!({"url": "https://a.example", "colour": "red"}), 400),
            (json!({"title": "no url"}), 400),
            (json!({"url": 5}), 400),
        ] {
            let (status, error) = call(&server, &token, Method::POST, "/api/v1/subscriptions", Some(body)).await;
            assert_eq!(status, code, "{error}");
            assert_eq!(error["error"]["code"], "bad_request");
        }
        // Not JSON at all, and JSON without its content type.
        let response = server
            .client
            .post(server.url("/api/v1/subscriptions"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "bad_request");
        let response = server
            .client
            .post(server.url("/api/v1/subscriptions"))
            .bearer_auth(&token)
            .body(r#"{"url":"https://a.example"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415);

        let path = format!("/api/v1/subscriptions/{feed}");
        let (status, _) = call(&server, &token, Method::DELETE, &path, None).await;
        assert_eq!(status, 204);
        let (status, error) = call(&server, &token, Method::DELETE, &path, None).await;
        assert_eq!((status, error["error"]["code"].as_str()), (404, Some("not_found")));
        let (status, _) = call(&server, &token, Method::DELETE, "/api/v1/subscriptions/abc", None).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn items_page_by_cursor_and_take_marks() {
        let (server, user, token) = server_with_token().await;
        use reqwest::Method;
        let (feed, ids) = server.feed_with_articles("https://a.example/feed", "A", 5).await;
        server.store.subscribe(user.id, feed, None, None).await.unwrap();

        let (status, page) = call(&server, &token, Method::GET, "/api/v1/items?limit=2", None).await;
        assert_eq!(status, 200, "{page}");
        let got: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(got, vec![ids[4], ids[3]]);
        assert_eq!(page["next"], ids[3]);
        assert_eq!(page["items"][0]["read"], false);
        let path = format!("/api/v1/items?limit=2&before={}", ids[1]);
        let (_, last) = call(&server, &token, Method::GET, &path, None).await;
        assert_eq!(last["items"].as_array().unwrap().len(), 1);
        assert!(last["next"].is_null());

        let item = format!("/api/v1/items/{}", ids[4]);
        let (status, state) = call(
            &server,
            &token,
            Method::PATCH,
            &item,
            Some(json!({"read": true, "starred": true})),
        )
        .await;
        assert_eq!(status, 200, "{state}");
        assert_eq!(state, json!({"id": ids[4], "read": true, "starred": true}));
        let (status, _) = call(&server, &token, Method::PATCH, &item, Some(json!({}))).await;
        assert_eq!(status, 400);
        let (status, _) = call(
            &server,
            &token,
            Method::PATCH,
            "/api/v1/items/999999",
            Some(json!({"read": true})),
        )
        .await;
        assert_eq!(status, 404);
        let (_, starred) = call(&server, &token, Method::GET, "/api/v1/items?starred=true", None).await;
        assert_eq!(starred["items"].as_array().unwrap().len(), 1);
        let (_, unread) = call(&server, &token, Method::GET, "/api/v1/unread-counts", None).await;
        assert_eq!(unread["total"], 4);
        assert_eq!(unread["feeds"][0]["feed_id"], feed);

        for bad in [
            "/api/v1/items?read=yes",
            "/api/v1/items?limit=501",
            "/api/v1/items?before=0",
            "/api/v1/items?feed=1&category=1",
        ] {
            let (status, error) = call(&server, &token, Method::GET, bad, None).await;
            assert_eq!(
                (status, error["error"]["code"].as_str()),
                (400, Some("bad_request")),
                "{bad}"
            );
        }

        let (status, error) = call(
            &server,
            &token,
            Method::POST,
            "/api/v1/items/mark-all-read",
            Some(json!({"before": "yesterday"})),
        )
        .await;
        assert_eq!(status, 400, "{error}");
        let (status, marked) = call(
            &server,
            &token,
            Method::POST,
            "/api/v1/items/mark-all-read",
            Some(json!({"feed": feed, "before": "2999-01-01T00:00:00Z"})),
        )
        .await;
        assert_eq!((status, marked["marked"].as_i64()), (200, Some(4)));
        let (_, unread) = call(&server, &token, Method::GET, "/api/v1/unread-counts", None).await;
        assert_eq!(unread["total"], 0);
    }

    #[tokio::test]
    async fn a_session_reads_but_writes_only_with_its_csrf_token() {
        let server = TestServer::start().await;
        let user = server.user("reader", "password1", false).await;
        let state = AppState::new(server.store.clone(), WebConfig::default());
        let (secret, csrf) = auth::start_session(&state, &user).await.unwrap();
        let cookie = format!("{}={secret}", auth::SESSION_COOKIE);
        let me: Value = server
            .client
            .get(server.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["auth"], "session");
        let body = json!({"url": "https://b.example/feed"});
        let refused = server
            .client
            .post(server.url("/api/v1/subscriptions"))
            .header("cookie", &cookie)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["error"]["code"], "forbidden");
        let wrong = server
            .client
            .post(server.url("/api/v1/subscriptions"))
            .header("cookie", &cookie)
            .header("x-csrf-token", "0".repeat(csrf.len()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 403);
        let made = server
            .client
            .post(server.url("/api/v1/subscriptions"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(made.status(), 201);
        // No one at all: 401 with the challenge, even on a public instance.
        let anonymous = server.client.get(server.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        assert!(
            anonymous.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
}
