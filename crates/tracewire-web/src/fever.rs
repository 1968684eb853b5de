//! The Fever API, at `/fever/` (also `/fever` and `/api/fever.php`, where
//! FreshRSS serves it and clients configured for FreshRSS look).
//!
//! What clients send, and what this accepts:
//! - `api_key` (MD5 of "name:password", hex; compared case-insensitively) in
//!   the form body of a POST, or in the query string (GET or POST).
//! - Flags (`api`, `groups`, `feeds`, `favicons`, `items`, `links`,
//!   `unread_item_ids`, `saved_item_ids`) are detected by the key alone:
//!   `?api&items`, `?api=&items=` and `?items` are the same. Flags and
//!   arguments are read from the query string, then from the form body.
//! - Several flags in one request are answered together, after any `mark`.
//!
//! Every answer is HTTP 200 JSON with `api_version` 3; a wrong (or missing)
//! key answers `{"api_version":3,"auth":0}`, and so does any key while the
//! client's address is throttled for too many wrong keys. Only a storage
//! failure answers otherwise (HTTP 500, still JSON).
//!
//! Ids are article ids (items), feed ids (feeds) and category ids (groups).
//! Group 0 is Fever's "Kindling" (every feed) and group -1 its "Sparks",
//! which Tracewire has none of. Feeds in no category are in no group (they
//! are still in Kindling). There are no stored favicons: one transparent
//! image (id 1) stands for every feed's.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use tracewire_model::{ArticleId, FeedId, ReaderItem, Subscription, User};
use tracewire_store::{ItemQuery, Marks, Scope, StoreError};

use crate::AppState;
use crate::auth::ClientAddr;

const API_VERSION: i64 = 3;
/// Items per `items` answer (since_id, max_id, or the newest).
const ITEMS_PAGE: i64 = 50;
/// Ids `with_ids` reads at most (Fever's limit).
const MAX_WITH_IDS: usize = 50;
/// Ids `unread_item_ids` and `saved_item_ids` list at most: the newest ones.
const MAX_ID_LIST: usize = 10_000;
/// Items one `mark=item` changes at most (a comma list of ids).
const MAX_MARK_IDS: usize = tracewire_store::accounts::MAX_MARK_IDS;
/// Query and body parameters read at most.
const MAX_PARAMS: usize = 200;
/// Hot Links: the latest articles whose stories are looked at...
const LINK_ARTICLE_WINDOW: i64 = 2_000;
/// ...at most this many stories of them...
const LINK_STORIES: i64 = 200;
/// ...and links per page.
const LINKS_PER_PAGE: usize = 50;
/// The one favicon: a transparent 1×1 PNG.
const FAVICON: &str =
    "image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mNgAAIAAAUAAen63NgAAAAASUVORK5CYII=";
const FAVICON_ID: i64 = 1;

/// This API's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/fever", get(fever).post(fever))
        .route("/fever/", get(fever).post(fever))
        .route("/api/fever.php", get(fever).post(fever))
}

/// A request's parameters: the query string's, then the form body's.
struct Params {
    query: Vec<(String, String)>,
    body: Vec<(String, String)>,
}

impl Params {
    fn parse(query: Option<&str>, body: &[u8]) -> Params {
        let read = |bytes: &[u8]| {
            url::form_urlencoded::parse(bytes)
                .take(MAX_PARAMS)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>()
        };
        Params {
            query: read(query.unwrap_or_default().as_bytes()),
            body: read(body),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.query.iter().chain(&self.body).any(|(k, _)| k == key)
    }

    /// The first value of `key`, query string first.
    fn get(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(&self.body)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
    }

    /// The first non-empty `api_key`, form body first.
    fn api_key(&self) -> Option<&str> {
        self.body
            .iter()
            .chain(&self.query)
            .filter(|(k, v)| k == "api_key" && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .next()
    }

    /// `key` as an integer; `None` when absent or not one.
    fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

/// Integers of a comma-separated list (others skipped), each once, at most `max`.
fn id_list(raw: &str, max: usize) -> Vec<ArticleId> {
    let mut seen = HashSet::new();
    raw.split(',')
        .filter_map(|s| s.trim().parse::<i64>().ok())
        .filter(|id| *id > 0 && seen.insert(*id))
        .take(max)
        .collect()
}

fn join_ids(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}

fn unauthorized() -> Response {
    Json(json!({ "api_version": API_VERSION, "auth": 0 })).into_response()
}

async fn fever(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::parse(query.as_deref(), &body);
    let answer = match authenticate(&state, &addr, &params).await {
        Ok(Some(user)) => answer(&state, &user, &params).await,
        Ok(None) => return unauthorized(),
        Err(e) => Err(e),
    };
    match answer {
        Ok(map) => Json(Value::Object(map)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "storage failed while answering a Fever API request");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({
                    "api_version": API_VERSION,
                    "auth": 0,
                    "error": "internal storage error; see the server log",
                })),
            )
                .into_response()
        }
    }
}

/// The key's account; `None` for a wrong or missing key, or a throttled
/// address (whose key is not even looked up).
async fn authenticate(state: &AppState, addr: &str, params: &Params) -> Result<Option<User>, StoreError> {
    let throttle_key = format!("fever:{addr}");
    let keys = [throttle_key.as_str()];
    if state.throttle.check(&keys).is_err() {
        return Ok(None);
    }
    let key = params.api_key().map(str::to_ascii_lowercase).unwrap_or_default();
    let user = if key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        state.store.user_by_fever_key(&key).await?
    } else {
        None
    };
    match &user {
        Some(_) => state.throttle.succeeded(&keys),
        None => state.throttle.failed(&keys),
    }
    Ok(user)
}

/// Everything asked for, marks first.
async fn answer(state: &AppState, user: &User, params: &Params) -> Result<Map<String, Value>, StoreError> {
    let mut out = Map::new();
    out.insert("api_version".into(), API_VERSION.into());
    out.insert("auth".into(), 1.into());
    let mut want_unread = params.has("unread_item_ids");
    let mut want_saved = params.has("saved_item_ids");
    if params.has("mark") {
        match mark(state, user, params).await? {
            Some(Changed::Read) => want_unread = true,
            Some(Changed::Saved) => want_saved = true,
            None => {}
        }
    }
    let subscriptions = state.store.subscriptions(user.id).await?;
    out.insert(
        "last_refreshed_on_time".into(),
        last_refreshed(state, user, &subscriptions).await?.into(),
    );
    if params.has("groups") {
        let categories = state.store.categories(user.id).await?;
        let groups: Vec<Value> = categories
            .iter()
            .map(|c| json!({ "id": c.id, "title": c.name }))
            .collect();
        out.insert("groups".into(), groups.into());
    }
    if params.has("groups") || params.has("feeds") {
        out.insert("feeds_groups".into(), feeds_groups(&subscriptions).into());
    }
    if params.has("feeds") {
        let feeds: Vec<Value> = subscriptions
            .iter()
            .map(|s| {
                json!({
                    "id": s.feed.id,
                    "favicon_id": FAVICON_ID,
                    "title": s.display_title(),
                    "url": s.feed.url,
                    "site_url": s.feed.site_url.as_deref().unwrap_or_default(),
                    "is_spark": 0,
                    "last_updated_on_time": s.feed.last_fetched.map_or(0, |t| t.timestamp()),
                })
            })
            .collect();
        out.insert("feeds".into(), feeds.into());
    }
    if params.has("favicons") {
        out.insert("favicons".into(), json!([{ "id": FAVICON_ID, "data": FAVICON }]));
    }
    if params.has("items") {
        let total = state
            .store
            .count_items(&ItemQuery {
                user: user.id,
                ..Default::default()
            })
            .await?;
        out.insert("total_items".into(), total.into());
        out.insert("items".into(), items(state, user, params).await?.into());
    }
    if params.has("links") {
        let subscribed: HashSet<FeedId> = subscriptions.iter().map(|s| s.feed.id).collect();
        out.insert("links".into(), links(state, user, params, &subscribed).await?.into());
    }
    if want_unread {
        let ids = all_ids(state, user, Some(false), None).await?;
        out.insert("unread_item_ids".into(), ids.into());
    }
    if want_saved {
        let ids = all_ids(state, user, None, Some(true)).await?;
        out.insert("saved_item_ids".into(), ids.into());
    }
    Ok(out)
}

/// When the user's feeds last got something: the latest fetch of one of
/// them, or the newest article they can read, whichever is later (0: never).
async fn last_refreshed(state: &AppState, user: &User, subscriptions: &[Subscription]) -> Result<i64, StoreError> {
    let fetched = subscriptions
        .iter()
        .filter_map(|s| s.feed.last_fetched)
        .map(|t| t.timestamp())
        .max()
        .unwrap_or(0);
    let newest = state
        .store
        .items(&ItemQuery {
            user: user.id,
            limit: 1,
            ..Default::default()
        })
        .await?
        .first()
        .map_or(0, |i| i.fetched_at.timestamp());
    Ok(fetched.max(newest))
}

/// `[{group_id, feed_ids: "1,2"}]`, one per category that has feeds.
fn feeds_groups(subscriptions: &[Subscription]) -> Vec<Value> {
    let mut groups: Vec<(i64, Vec<FeedId>)> = Vec::new();
    for s in subscriptions {
        let Some(c) = &s.category else { continue };
        match groups.iter_mut().find(|(id, _)| *id == c.id) {
            Some((_, feeds)) => feeds.push(s.feed.id),
            None => groups.push((c.id, vec![s.feed.id])),
        }
    }
    groups.sort_by_key(|(id, _)| *id);
    groups
        .into_iter()
        .map(|(id, mut feeds)| {
            feeds.sort_unstable();
            json!({ "group_id": id, "feed_ids": join_ids(feeds) })
        })
        .collect()
}

/// Which id list a mark changed.
enum Changed {
    Read,
    Saved,
}

/// `mark=item&as=read|unread|saved|unsaved&id=N` (also `id=1,2,3`),
/// `mark=feed&as=read&id=F&before=T`, `mark=group&as=read&id=G&before=T`:
/// items stored at or before `T` (Unix seconds).
/// Anything else changes nothing.
async fn mark(state: &AppState, user: &User, params: &Params) -> Result<Option<Changed>, StoreError> {
    let what = params.get("mark").unwrap_or_default();
    let how = params.get("as").unwrap_or_default();
    let store = &state.store;
    if what == "item" {
        let (marks, changed) = match how {
            "read" => (
                Marks {
                    read: Some(true),
                    starred: None,
                },
                Changed::Read,
            ),
            "unread" => (
                Marks {
                    read: Some(false),
                    starred: None,
                },
                Changed::Read,
            ),
            "saved" => (
                Marks {
                    read: None,
                    starred: Some(true),
                },
                Changed::Saved,
            ),
            "unsaved" => (
                Marks {
                    read: None,
                    starred: Some(false),
                },
                Changed::Saved,
            ),
            _ => return Ok(None),
        };
        let ids = id_list(params.get("id").unwrap_or_default(), MAX_MARK_IDS);
        store.mark(user.id, &ids, marks).await?;
        return Ok(Some(changed));
    }
    if how != "read" {
        return Ok(None);
    }
    let Some(id) = params.int("id") else { return Ok(None) };
    let scope = match (what, id) {
        ("feed", feed) => Scope::Feed(feed),
        ("group", 0) => Scope::All,
        ("group", group) if group > 0 => Scope::Category(group),
        // Sparks (-1) has no feeds.
        ("group", _) => return Ok(Some(Changed::Read)),
        _ => return Ok(None),
    };
    // The store marks what was stored before a time; Fever, at or before.
    // A time before any there can be marks nothing; one past any there
    // can be, or none (or not a number, as Miniflux reads it), everything.
    let before = match params.int("before") {
        Some(t) => match t.checked_add(1).and_then(|t| DateTime::from_timestamp(t, 0)) {
            Some(at) => Some(at),
            None if t < 0 => return Ok(Some(Changed::Read)),
            None => None,
        },
        None => None,
    };
    store.mark_all_read(user.id, scope, before).await?;
    Ok(Some(Changed::Read))
}

/// `with_ids` (at most 50, exactly those the user can read), else
/// `since_id` (the next 50 after it, ascending), else `max_id` (the 50
/// before it, descending; 0 or less: the newest), else the newest 50.
async fn items(state: &AppState, user: &User, params: &Params) -> Result<Vec<Value>, StoreError> {
    let mut query = ItemQuery {
        user: user.id,
        limit: ITEMS_PAGE,
        ..Default::default()
    };
    if let Some(raw) = params.get("with_ids") {
        query.ids = Some(id_list(raw, MAX_WITH_IDS));
    } else if let Some(since) = params.int("since_id") {
        query.after_id = Some(since.max(0));
        query.oldest_first = true;
    } else if let Some(max) = params.int("max_id").filter(|m| *m > 0) {
        query.before_id = Some(max);
    }
    let found = state.store.items(&query).await?;
    let ids: Vec<ArticleId> = found.iter().map(|i| i.article.id).collect();
    let mut bodies: std::collections::HashMap<ArticleId, tracewire_model::Article> = state
        .store
        .articles_by_ids(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(found
        .into_iter()
        .map(|item| {
            let article = bodies.remove(&item.article.id);
            item_json(item, article)
        })
        .collect())
}

fn item_json(item: ReaderItem, article: Option<tracewire_model::Article>) -> Value {
    let (author, html) = article
        .map(|a| (a.byline.unwrap_or_default(), tracewire_extract::sanitize_html(&a.html)))
        .unwrap_or_default();
    let a = item.article;
    json!({
        "id": a.id,
        "feed_id": a.feed_id,
        "title": a.title,
        "author": author,
        "html": html,
        "url": a.url,
        "is_saved": i64::from(item.starred),
        "is_read": i64::from(item.read),
        "created_on_time": a.published.unwrap_or(item.fetched_at).timestamp(),
    })
}

/// The ids of the user's items with these marks, comma-separated,
/// ascending: the newest [`MAX_ID_LIST`] of them at most.
async fn all_ids(
    state: &AppState,
    user: &User,
    read: Option<bool>,
    starred: Option<bool>,
) -> Result<String, StoreError> {
    let mut ids = state
        .store
        .item_ids(&ItemQuery {
            user: user.id,
            read,
            starred,
            limit: MAX_ID_LIST as i64,
            ..Default::default()
        })
        .await?;
    ids.truncate(MAX_ID_LIST);
    ids.sort_unstable();
    Ok(join_ids(ids))
}

/// Hot Links: stories that several sites carried, hottest first.
///
/// Fever ranks links that many feeds point to. Tracewire knows more
/// directly which articles carry the same story (copies, excerpts,
/// rewrites and credited sources all land in one story), so:
/// - candidates are the stories of the latest [`LINK_ARTICLE_WINDOW`]
///   articles (at most [`LINK_STORIES`] stories), those with articles from
///   at least two distinct sites, dated (first to last article) within the
///   range: from `offset + range` days ago to `offset` days ago (`offset`
///   default 0, `range` default 7);
/// - only stories with an article in one of the user's feeds count, and
///   `item_ids` lists those articles of it (ascending);
/// - the link is the story's origin (its earliest article): `url` its URL,
///   `title` the story's headline, `item_id` the origin when the user can
///   read it (else their earliest article of it), `feed_id` and `is_saved`
///   that item's; `is_item` and `is_local` are 1;
/// - `temperature` is ten times the number of distinct sites (a float, as
///   Fever's is), ties broken by article count, then recency;
/// - `id` is the story id; [`LINKS_PER_PAGE`] links per `page` (from 1).
async fn links(
    state: &AppState,
    user: &User,
    params: &Params,
    subscribed: &HashSet<FeedId>,
) -> Result<Vec<Value>, StoreError> {
    let offset = params.int("offset").unwrap_or(0).clamp(0, 36_500);
    let range = params.int("range").unwrap_or(7).clamp(1, 36_500);
    let page = params.int("page").unwrap_or(1).clamp(1, 1_000) as usize;
    let end = Utc::now() - Duration::days(offset);
    let start = end - Duration::days(range);
    let mut hot: Vec<_> = state
        .store
        .recent_stories(LINK_ARTICLE_WINDOW, LINK_STORIES, 0)
        .await?
        .into_iter()
        .map(|s| s.summary)
        .filter(|s| s.sites >= 2 && s.first <= end && s.last >= start)
        .collect();
    hot.sort_by_key(|s| std::cmp::Reverse((s.sites, s.articles, s.last, s.id)));
    let skip = (page - 1).saturating_mul(LINKS_PER_PAGE);
    let mut seen = 0usize;
    let mut picked = Vec::new();
    for summary in hot {
        if picked.len() >= LINKS_PER_PAGE {
            break;
        }
        let Some(story) = state.store.story(summary.id).await? else {
            continue;
        };
        let mut mine: Vec<_> = story
            .members
            .iter()
            .filter(|m| subscribed.contains(&m.article.feed_id))
            .map(|m| &m.article)
            .collect();
        if mine.is_empty() {
            continue;
        }
        seen += 1;
        if seen <= skip {
            continue;
        }
        let origin = story
            .members
            .iter()
            .find(|m| m.article.id == summary.origin)
            .map(|m| &m.article);
        let item = mine
            .iter()
            .find(|a| a.id == summary.origin)
            .copied()
            .or_else(|| mine.first().copied());
        let Some(item) = item else { continue };
        let url = origin.map_or(item.url.clone(), |o| o.url.clone());
        let (item_id, feed_id) = (item.id, item.feed_id);
        mine.sort_by_key(|a| a.id);
        let item_ids = join_ids(mine.iter().map(|a| a.id));
        picked.push((summary, item_id, feed_id, url, item_ids));
    }
    let saved: HashMap<ArticleId, bool> = if picked.is_empty() {
        HashMap::new()
    } else {
        state
            .store
            .items(&ItemQuery {
                user: user.id,
                ids: Some(picked.iter().map(|p| p.1).collect()),
                limit: LINKS_PER_PAGE as i64,
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|i| (i.article.id, i.starred))
            .collect()
    };
    Ok(picked
        .into_iter()
        .map(|(summary, item_id, feed_id, url, item_ids)| {
            json!({
                "id": summary.id,
                "feed_id": feed_id,
                "item_id": item_id,
                "temperature": summary.sites as f64 * 10.0,
                "is_item": 1,
                "is_local": 1,
                "is_saved": i64::from(saved.get(&item_id).copied().unwrap_or(false)),
                "title": summary.headline,
                "url": url,
                "item_ids": item_ids,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use reqwest::header::CONTENT_TYPE;
    use serde_json::Value;
    use tracewire_model::NewArticle;

    use crate::auth::fever_key;
    use crate::testing::TestServer;

    const NAME: &str = "reader";
    const PASSWORD: &str = "secret-pass-1";

    fn key() -> String {
        fever_key(NAME, PASSWORD)
    }

    /// POST `path?api&<query>` with `api_key` in the form body, as
    /// freshrss-api does; asserts HTTP 200 JSON.
    async fn post(s: &TestServer, path: &str, query: &str, key: &str) -> Value {
        let resp = s
            .client
            .post(s.url(&format!("{path}?api=&{query}")))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("api_key={key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}?{query}");
        resp.json().await.unwrap()
    }

    async fn call(s: &TestServer, query: &str) -> Value {
        let v = post(s, "/fever/", query, &key()).await;
        assert_eq!(v["auth"], 1, "{query}: {v}");
        assert_eq!(v["api_version"], 3);
        assert!(v["last_refreshed_on_time"].is_i64());
        v
    }

    fn ids(v: &Value) -> Vec<i64> {
        let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap())
            .collect()
    }

    fn item_ids(v: &Value) -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn auth_takes_the_key_from_the_body_or_the_query() {
        let s = TestServer::start().await;
        s.user(NAME, PASSWORD, false).await;
        for path in ["/fever/", "/fever", "/api/fever.php"] {
            let v = post(&s, path, "", &key()).await;
            assert_eq!(v["auth"], 1, "{path}");
            assert_eq!(v["api_version"], 3);
            assert!(v["last_refreshed_on_time"].is_i64());
        }
        // Upper-case hex is the same key.
        assert_eq!(post(&s, "/fever/", "", &key().to_uppercase()).await["auth"], 1);
        // GET with everything in the query, and no `api` flag at all.
        let resp = s
            .client
            .get(s.url(&format!("/fever/?api_key={}&feeds=", key())))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["auth"], 1);
        assert!(v["feeds"].is_array());
        // Flags in the body too.
        let resp = s
            .client
            .post(s.url("/fever"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("api_key={}&api&groups", key()))
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["auth"], 1);
        assert!(v["groups"].is_array());
    }

    #[tokio::test]
    async fn wrong_or_missing_keys_get_auth_0_then_throttled() {
        let s = TestServer::start().await;
        s.user(NAME, PASSWORD, false).await;
        let wrong = fever_key(NAME, "wrong");
        let v = post(&s, "/fever/", "feeds=", &wrong).await;
        assert_eq!(v, serde_json::json!({ "api_version": 3, "auth": 0 }));
        assert_eq!(post(&s, "/fever/", "", "").await["auth"], 0);
        assert_eq!(post(&s, "/fever/", "", "not-hex-%00%FF").await["auth"], 0);
        let resp = s.client.get(s.url("/fever/?api")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["auth"], 0);
        // The right key still works before the limit...
        assert_eq!(post(&s, "/fever/", "", &key()).await["auth"], 1);
        for _ in 0..crate::auth::THROTTLE_ATTEMPTS {
            assert_eq!(post(&s, "/fever/", "", &wrong).await["auth"], 0);
        }
        // ...and not after it: the address is throttled.
        let v = post(&s, "/fever/", "items=", &key()).await;
        assert_eq!(v, serde_json::json!({ "api_version": 3, "auth": 0 }));
    }

    #[tokio::test]
    async fn groups_and_feeds_follow_categories() {
        let s = TestServer::start().await;
        let (a, _) = s.feed_with_articles("https://a.example/feed", "Alpha", 1).await;
        let (b, _) = s.feed_with_articles("https://b.example/feed", "Beta", 1).await;
        let (c, _) = s.feed_with_articles("https://c.example/feed", "Gamma", 1).await;
        let user = s.user(NAME, PASSWORD, false).await;
        let news = s.store.category_named(user.id, "News", true).await.unwrap().unwrap();
        let tech = s.store.category_named(user.id, "Tech", true).await.unwrap().unwrap();
        s.store.subscribe(user.id, a, None, Some(news)).await.unwrap();
        s.store
            .subscribe(user.id, b, Some("My Beta"), Some(news))
            .await
            .unwrap();
        s.store.subscribe(user.id, c, None, Some(tech)).await.unwrap();

        let v = call(&s, "groups=").await;
        let groups = v["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2);
        assert!(groups.iter().any(|g| g["id"] == news && g["title"] == "News"));
        let fg = v["feeds_groups"].as_array().unwrap();
        let news_feeds = fg.iter().find(|g| g["group_id"] == news).unwrap();
        assert_eq!(ids(&news_feeds["feed_ids"]), vec![a, b]);
        let tech_feeds = fg.iter().find(|g| g["group_id"] == tech).unwrap();
        assert_eq!(ids(&tech_feeds["feed_ids"]), vec![c]);
        assert!(v.get("feeds").is_none());

        let v = call(&s, "feeds=").await;
        let feeds = v["feeds"].as_array().unwrap();
        assert_eq!(feeds.len(), 3);
        let beta = feeds.iter().find(|f| f["id"] == b).unwrap();
        assert_eq!(beta["title"], "My Beta");
        assert_eq!(beta["url"], "https://b.example/feed");
        assert_eq!(beta["site_url"], "https://b.example");
        assert_eq!(beta["favicon_id"], 1);
        assert_eq!(beta["is_spark"], 0);
        assert!(beta["last_updated_on_time"].is_i64());
        assert!(v["feeds_groups"].is_array());

        let v = call(&s, "favicons=").await;
        let favicons = v["favicons"].as_array().unwrap();
        assert_eq!(favicons.len(), 1);
        assert_eq!(favicons[0]["id"], 1);
        assert!(favicons[0]["data"].as_str().unwrap().starts_with("image/png;base64,"));
    }

    #[tokio::test]
    async fn items_page_by_since_id_max_id_and_with_ids() {
        let s = TestServer::start().await;
        let (feed, all) = s.feed_with_articles("https://a.example/feed", "Alpha", 60).await;
        s.user(NAME, PASSWORD, false).await;

        let v = call(&s, "items=&since_id=0").await;
        assert_eq!(v["total_items"], 60);
        assert_eq!(item_ids(&v), all[..50].to_vec());
        let first = &v["items"][0];
        assert_eq!(first["feed_id"], feed);
        assert_eq!(first["title"], "Alpha story 0");
        assert_eq!(first["author"], "A. Writer");
        assert_eq!(first["url"], "https://a.example/story-0");
        assert_eq!(first["html"], "<p>Text of story 0 of Alpha.</p>");
        assert_eq!(first["is_read"], 0);
        assert_eq!(first["is_saved"], 0);
        assert!(first["created_on_time"].as_i64().unwrap() > 0);

        let v = call(&s, &format!("items=&since_id={}", all[49])).await;
        assert_eq!(item_ids(&v), all[50..].to_vec());
        let v = call(&s, &format!("items=&since_id={}", all[59])).await;
        assert!(item_ids(&v).is_empty());

        let v = call(&s, &format!("items=&max_id={}", all[59])).await;
        let mut want: Vec<i64> = all[9..59].to_vec();
        want.reverse();
        assert_eq!(item_ids(&v), want);
        let v = call(&s, &format!("items=&max_id={}", all[9])).await;
        assert_eq!(item_ids(&v).len(), 9);
        // No paging argument: the newest 50.
        let v = call(&s, "items=").await;
        assert_eq!(item_ids(&v)[0], all[59]);
        assert_eq!(item_ids(&v).len(), 50);

        let asked = format!("{},{},x,{},999999,{}", all[3], all[7], all[3], all[40]);
        let v = call(&s, &format!("items=&with_ids={asked}")).await;
        let mut got = item_ids(&v);
        got.sort_unstable();
        assert_eq!(got, vec![all[3], all[7], all[40]]);
        assert_eq!(v["total_items"], 60);
        // At most 50 of a longer list.
        let many: Vec<String> = all.iter().map(|i| i.to_string()).collect();
        let v = call(&s, &format!("items=&with_ids={}", many.join(","))).await;
        assert_eq!(item_ids(&v).len(), 50);
    }

    #[tokio::test]
    async fn item_html_is_sanitized() {
        let s = TestServer::start().await;
        let (feed, _) = s.feed_with_articles("https://a.example/feed", "Alpha", 0).await;
        s.user(NAME, PASSWORD, false).await;
        let id = s
            .store
            .insert_article(&NewArticle {
                feed_id: feed,
                guid: "evil".into(),
                url: "https://a.example/evil".into(),
                site: "a.example".into(),
                canonical_url: None,
                title: "Evil".into(),
                byline: None,
                published: None,
                site_name: None,
                language: None,
                source_url: None,
                attributions: Vec::new(),
                text: "Hi".into(),
                html: "<p onclick=\"x()\">Hi<script>alert(1)</script></p>".into(),
                fetched_at: Utc::now(),
                annotations: Default::default(),
            })
            .await
            .unwrap()
            .unwrap();
        let v = call(&s, &format!("items=&with_ids={id}")).await;
        let item = &v["items"][0];
        let html = item["html"].as_str().unwrap();
        assert!(
            html.contains("Hi") && !html.contains("script") && !html.contains("onclick"),
            "{html}"
        );
        assert_eq!(item["author"], "");
        assert!(item["created_on_time"].as_i64().unwrap() > 0);
    }

    #[tokio::test]
    async fn marking_items_answers_with_the_id_lists() {
        let s = TestServer::start().await;
        let (_, all) = s.feed_with_articles("https://a.example/feed", "Alpha", 5).await;
        s.user(NAME, PASSWORD, false).await;

        let v = call(&s, "unread_item_ids=&saved_item_ids=").await;
        assert_eq!(ids(&v["unread_item_ids"]), all);
        assert_eq!(v["saved_item_ids"], "");

        let v = call(&s, &format!("mark=item&as=read&id={}", all[1])).await;
        let unread = ids(&v["unread_item_ids"]);
        assert!(!unread.contains(&all[1]) && unread.len() == 4);
        let v = call(&s, &format!("items=&with_ids={}", all[1])).await;
        assert_eq!(v["items"][0]["is_read"], 1);

        let v = call(&s, &format!("mark=item&as=unread&id={}", all[1])).await;
        assert_eq!(ids(&v["unread_item_ids"]), all);

        let v = call(&s, &format!("mark=item&as=saved&id={}", all[2])).await;
        assert_eq!(ids(&v["saved_item_ids"]), vec![all[2]]);
        let v = call(&s, &format!("mark=item&as=saved&id={},{}", all[3], all[4])).await;
        assert_eq!(ids(&v["saved_item_ids"]), vec![all[2], all[3], all[4]]);
        let v = call(&s, &format!("items=&with_ids={}", all[2])).await;
        assert_eq!(v["items"][0]["is_saved"], 1);
        let v = call(&s, &format!("mark=item&as=unsaved&id={}", all[3])).await;
        assert_eq!(ids(&v["saved_item_ids"]), vec![all[2], all[4]]);
        let v = call(&s, "saved_item_ids=").await;
        assert_eq!(ids(&v["saved_item_ids"]), vec![all[2], all[4]]);
        // Saving keeps the item unread.
        let v = call(&s, "unread_item_ids=").await;
        assert_eq!(ids(&v["unread_item_ids"]), all);
    }

    #[tokio::test]
    async fn marking_feeds_and_groups_read_respects_before() {
        let s = TestServer::start().await;
        let (a, a_ids) = s.feed_with_articles("https://a.example/feed", "Alpha", 4).await;
        let (b, b_ids) = s.feed_with_articles("https://b.example/feed", "Beta", 2).await;
        let (c, c_ids) = s.feed_with_articles("https://c.example/feed", "Gamma", 2).await;
        let user = s.user(NAME, PASSWORD, false).await;
        let news = s.store.category_named(user.id, "News", true).await.unwrap().unwrap();
        s.store.subscribe(user.id, b, None, Some(news)).await.unwrap();

        // A time before any there can be marks nothing.
        let v = call(&s, "mark=group&as=read&id=0&before=-9223372036854775808").await;
        assert_eq!(ids(&v["unread_item_ids"]).len(), 8);

        // Alpha's articles were stored 4, 3, 2 and 1 minutes ago: "before"
        // two and a half minutes ago takes the first two.
        let before = Utc::now().timestamp() - 150;
        let v = call(&s, &format!("mark=feed&as=read&id={a}&before={before}")).await;
        let unread = ids(&v["unread_item_ids"]);
        assert!(!unread.contains(&a_ids[0]) && !unread.contains(&a_ids[1]));
        assert!(unread.contains(&a_ids[2]) && unread.contains(&a_ids[3]));

        let now = Utc::now().timestamp() + 5;
        let v = call(&s, &format!("mark=group&as=read&id={news}&before={now}")).await;
        let unread = ids(&v["unread_item_ids"]);
        assert!(b_ids.iter().all(|i| !unread.contains(i)));
        assert!(c_ids.iter().all(|i| unread.contains(i)));
        // Sparks: nothing.
        let v = call(&s, &format!("mark=group&as=read&id=-1&before={now}")).await;
        assert_eq!(ids(&v["unread_item_ids"]).len(), 4);
        // Kindling: everything.
        let v = call(&s, &format!("mark=group&as=read&id=0&before={now}")).await;
        assert_eq!(v["unread_item_ids"], "");
        let _ = c;
    }

    #[tokio::test]
    async fn users_see_and_mark_only_their_own_items() {
        let s = TestServer::start().await;
        let (_, a_ids) = s.feed_with_articles("https://a.example/feed", "Alpha", 3).await;
        s.user(NAME, PASSWORD, false).await;
        let (b, b_ids) = s.feed_with_articles("https://b.example/feed", "Beta", 2).await;
        let other = s.user("other", "other-pass-1", false).await;
        s.store.subscribe(other.id, b, None, None).await.unwrap();
        let other_key = fever_key("other", "other-pass-1");

        let v = post(&s, "/fever/", "items=&since_id=0&unread_item_ids=&feeds=", &other_key).await;
        assert_eq!(v["auth"], 1);
        assert_eq!(item_ids(&v), b_ids);
        assert_eq!(v["total_items"], 2);
        assert_eq!(ids(&v["unread_item_ids"]), b_ids);
        assert_eq!(v["feeds"].as_array().unwrap().len(), 1);
        // Another user's items cannot be read or marked.
        let v = post(&s, "/fever/", &format!("items=&with_ids={}", a_ids[0]), &other_key).await;
        assert!(item_ids(&v).is_empty());
        post(
            &s,
            "/fever/",
            &format!("mark=item&as=saved&id={}", a_ids[0]),
            &other_key,
        )
        .await;
        post(&s, "/fever/", "mark=group&as=read&id=0", &other_key).await;
        let v = call(&s, "unread_item_ids=&saved_item_ids=").await;
        assert_eq!(ids(&v["unread_item_ids"]), a_ids);
        assert_eq!(v["saved_item_ids"], "");
    }

    #[tokio::test]
    async fn hot_links_are_stories_several_sites_carried() {
        let s = TestServer::start().await;
        let (a, a_ids) = s.feed_with_articles("https://a.example/feed", "Alpha", 2).await;
        let (_, b_ids) = s.feed_with_articles("https://b.example/feed", "Beta", 2).await;
        s.user(NAME, PASSWORD, false).await;
        // Alpha's first story, copied by Beta a minute later.
        let story = s.store.join_story(a_ids[0], None, "first", 0.0).await.unwrap().unwrap();
        s.store.join_story(b_ids[1], Some(story), "copy", 1.0).await.unwrap();
        // A story on one site only is not a hot link.
        s.store.join_story(a_ids[1], None, "first", 0.0).await.unwrap();

        let v = call(&s, "links=").await;
        let links = v["links"].as_array().unwrap();
        assert_eq!(links.len(), 1, "{v}");
        let link = &links[0];
        assert_eq!(link["id"], story);
        assert_eq!(link["item_id"], a_ids[0]);
        assert_eq!(link["feed_id"], a);
        assert_eq!(link["url"], "https://a.example/story-0");
        assert_eq!(link["title"], "Alpha story 0");
        assert_eq!(link["temperature"].as_f64(), Some(20.0));
        assert_eq!(link["is_item"], 1);
        assert_eq!(link["is_local"], 1);
        assert_eq!(link["is_saved"], 0);
        assert_eq!(ids(&link["item_ids"]), vec![a_ids[0], b_ids[1]]);

        call(&s, &format!("mark=item&as=saved&id={}", a_ids[0])).await;
        let v = call(&s, "links=&offset=0&range=1&page=1").await;
        assert_eq!(v["links"][0]["is_saved"], 1);
        // Out of the range, or past the last page: none.
        assert_eq!(
            call(&s, "links=&offset=30&range=7").await["links"],
            serde_json::json!([])
        );
        assert_eq!(call(&s, "links=&page=2").await["links"], serde_json::json!([]));
        // A user with none of the story's feeds sees no link.
        s.user("other", "other-pass-1", false).await;
        let v = post(&s, "/fever/", "links=", &fever_key("other", "other-pass-1")).await;
        assert_eq!(v["links"], serde_json::json!([]));
    }

    #[tokio::test]
    async fn garbage_parameters_still_get_json() {
        let s = TestServer::start().await;
        s.feed_with_articles("https://a.example/feed", "Alpha", 3).await;
        s.user(NAME, PASSWORD, false).await;
        for query in [
            "items=&since_id=abc",
            "items=&since_id=-5",
            "items=&max_id=99999999999999999999999",
            "items=&max_id=-1",
            "items=&with_ids=",
            "items=&with_ids=,,,-1,a%00b",
            "items=&since_id=9223372036854775807",
            "mark=item&as=read&id=abc",
            "mark=item&as=everything&id=1",
            "mark=item&as=read",
            "mark=feed&as=read&id=1&before=9223372036854775807",
            "mark=feed&as=read&id=1&before=-9223372036854775808",
            "mark=feed&as=read&id=x&before=y",
            "mark=group&as=unread&id=0",
            "mark=nonsense",
            "mark=group&as=read&id=-9223372036854775808",
            "links=&offset=-1&range=999999999999&page=0",
            "links=&page=99999999999999",
            "%FF%FE=&items&groups&feeds&favicons&links&unread_item_ids&saved_item_ids",
        ] {
            let v = call(&s, query).await;
            assert_eq!(v["auth"], 1, "{query}");
        }
        // Combined flags all answer.
        let v = call(&s, "groups&feeds&favicons&items&links&unread_item_ids&saved_item_ids").await;
        for key in ["groups", "feeds", "feeds_groups", "favicons", "items", "links"] {
            assert!(v[key].is_array(), "{key}");
        }
        assert!(v["unread_item_ids"].is_string() && v["saved_item_ids"].is_string());
        assert!(v["total_items"].is_i64());
        // A non-form body.
        let resp = s
            .client
            .post(s.url("/fever/?api&items"))
            .header(CONTENT_TYPE, "application/json")
            .body(vec![0xff, 0x00, b'{', b'&', b'='])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["auth"], 0);
    }
}
