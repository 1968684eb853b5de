//! The Google Reader API (`/accounts/ClientLogin`, `/reader/api/0/…`), as
//! FreshRSS and Miniflux serve it to NetNewsWire, Reeder, FeedMe, ReadYou,
//! FluentReader and the like; also under `/api/greader.php` (FreshRSS's
//! layout, which some clients assume).
//!
//! A login (`ClientLogin`) makes an API token of kind "greader" that every
//! call carries as `Authorization: GoogleLogin auth=<token>`. The write
//! token `T` is derived from it (nothing stored) and every write must send
//! it. Item ids go out in the long form
//! (`tag:google.com,2005:reader/item/<16 hex>`) in item bodies and as
//! decimal in id lists; all three forms (long, bare 16 hex, decimal) are
//! accepted on input.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tracewire_model::{ArticleId, Feed, FeedId, ReaderItem, Subscription, User};
use tracewire_store::{ItemQuery, Marks, Scope, StoreError};

use crate::AppState;
use crate::auth::{self, ClientAddr, LoginError};
use crate::subscribe::{SubscribeError, subscribe_url};

/// Google Reader logins a user keeps at once (apps, devices).
const MAX_LOGIN_TOKENS: i64 = 20;

/// The store's kind of the tokens a login makes.
const TOKEN_KIND: &str = "greader";
const LONG_PREFIX: &str = "tag:google.com,2005:reader/item/";
const READING_LIST: &str = "user/-/state/com.google/reading-list";
const READ: &str = "user/-/state/com.google/read";
const STARRED: &str = "user/-/state/com.google/starred";
const LABEL_PREFIX: &str = "user/-/label/";
/// Items per page when a client does not say (`n`).
const DEFAULT_N: i64 = 20;
/// Most items (ids or contents) per page.
const MAX_N: i64 = 1000;
/// Most item ids one `edit-tag` or `items/contents` call may name.
const MAX_CALL_IDS: usize = 10_000;
/// Ids per store call.
const ID_CHUNK: usize = 1000;
const MAX_BODY_BYTES: usize = 4 << 20;
/// Most feeds one OPML import subscribes to.
const MAX_IMPORT_FEEDS: usize = 2000;
const MAX_NAME_CHARS: usize = 200;
/// Length of the write token `T`.
const WRITE_TOKEN_CHARS: usize = 57;

type Reply = Result<Response, Fail>;

/// A failed call's response (boxed: a `Response` is large).
struct Fail(Box<Response>);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        *self.0
    }
}

fn fail(status: StatusCode, body: impl Into<String>) -> Fail {
    Fail(Box::new(text(status, body)))
}

/// This API's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().merge(api()).nest("/api/greader.php", api())
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/accounts/ClientLogin", get(client_login).post(client_login))
        .route("/reader/api/0/token", get(token).post(token))
        .route("/reader/api/0/user-info", get(user_info))
        .route("/reader/api/0/subscription/list", get(subscription_list))
        .route("/reader/api/0/subscription/edit", post(subscription_edit))
        .route("/reader/api/0/subscription/quickadd", post(quickadd))
        .route("/reader/api/0/subscription/export", get(export))
        .route("/reader/api/0/subscription/import", post(import))
        .route("/reader/api/0/tag/list", get(tag_list))
        .route("/reader/api/0/rename-tag", post(rename_tag))
        .route("/reader/api/0/disable-tag", post(disable_tag))
        .route(
            "/reader/api/0/stream/contents",
            get(stream_contents_param).post(stream_contents_param),
        )
        .route(
            "/reader/api/0/stream/contents/{*stream}",
            get(stream_contents_path).post(stream_contents_path),
        )
        .route("/reader/api/0/stream/items/ids", get(item_ids).post(item_ids))
        .route(
            "/reader/api/0/stream/items/contents",
            get(item_contents).post(item_contents),
        )
        .route("/reader/api/0/edit-tag", post(edit_tag))
        .route("/reader/api/0/mark-all-as-read", post(mark_all_as_read))
        .route("/reader/api/0/unread-count", get(unread_count))
}

// ---------------------------------------------------------------------------
// Responses

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

fn ok() -> Response {
    text(StatusCode::OK, "OK")
}

fn bad_request(message: impl Into<String>) -> Fail {
    fail(StatusCode::BAD_REQUEST, message)
}

fn not_found(message: impl Into<String>) -> Fail {
    fail(StatusCode::NOT_FOUND, message)
}

fn unauthorized(message: &str) -> Fail {
    fail(
        StatusCode::UNAUTHORIZED,
        format!("Error=BadAuthentication\nInfo={message}\n"),
    )
}

/// A write without the right `T`: 401 with the header Google sent, which
/// tells clients such as Reeder to fetch a new token and retry.
fn bad_write_token() -> Fail {
    let mut response = text(
        StatusCode::UNAUTHORIZED,
        "missing or wrong write token T: get one from /reader/api/0/token",
    );
    response
        .headers_mut()
        .insert("Google-Bad-Token", HeaderValue::from_static("true"));
    Fail(Box::new(response))
}

fn store_error(e: StoreError) -> Fail {
    tracing::error!(error = %e, "storage failed while answering a Google Reader API request");
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal storage error; see the server log",
    )
}

fn subscribe_error(e: SubscribeError) -> Fail {
    match e {
        SubscribeError::Store(e) => store_error(e),
        other => bad_request(other.to_string()),
    }
}

fn json_reply(value: Value) -> Response {
    axum::Json(value).into_response()
}

// ---------------------------------------------------------------------------
// Requests

/// Name/value pairs of a query string or form body.
fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// Whether a body is a form: said so, or sent without a type and not XML.
fn is_form(headers: &HeaderMap, body: &[u8]) -> bool {
    match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(t) => t.to_ascii_lowercase().contains("application/x-www-form-urlencoded"),
        None => !body.is_empty() && !body.trim_ascii_start().starts_with(b"<"),
    }
}

/// The token of an `Authorization: GoogleLogin auth=<token>` header (or
/// `Bearer <token>`, which some clients send).
fn auth_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(char::is_whitespace)?;
    let rest = rest.trim();
    let token = if scheme.eq_ignore_ascii_case("GoogleLogin") {
        rest.strip_prefix("auth=").or_else(|| rest.strip_prefix("Auth="))?
    } else if scheme.eq_ignore_ascii_case("Bearer") {
        rest
    } else {
        return None;
    };
    let token = token.trim().trim_matches('"');
    (!token.is_empty() && token.len() <= 256).then(|| token.to_string())
}

/// The write token `T` of an auth token.
fn write_token(auth_token: &str) -> String {
    auth::secret_hash(&format!("T:{auth_token}"))
        .chars()
        .take(WRITE_TOKEN_CHARS)
        .collect()
}

/// An authenticated call: the user, their parameters (form body first,
/// then query string) and the raw body.
struct Call {
    user: User,
    token: String,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    body: Bytes,
}

impl FromRequest<AppState> for Call {
    type Rejection = Fail;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Fail> {
        let (parts, body) = req.into_parts();
        let token = auth_token(&parts.headers)
            .ok_or_else(|| unauthorized("send Authorization: GoogleLogin auth=<token from /accounts/ClientLogin>"))?;
        let user = state
            .store
            .token_user(&auth::secret_hash(&token), TOKEN_KIND, Utc::now())
            .await
            .map_err(store_error)?
            .ok_or_else(|| unauthorized("unknown or revoked auth token; log in again"))?;
        let body = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
            fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "cannot read the request body (at most 4 MiB)",
            )
        })?;
        let query = pairs(parts.uri.query().unwrap_or("").as_bytes());
        let form = if is_form(&parts.headers, &body) {
            pairs(&body)
        } else {
            Vec::new()
        };
        Ok(Call {
            user,
            token,
            headers: parts.headers,
            query,
            form,
            body,
        })
    }
}

impl Call {
    fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .chain(&self.query)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn params(&self, name: &str) -> Vec<&str> {
        self.form
            .iter()
            .chain(&self.query)
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn required(&self, name: &str) -> Result<&str, Fail> {
        self.param(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| bad_request(format!("parameter {name} is required")))
    }

    /// A write must carry the write token `T`.
    fn check_write_token(&self) -> Result<(), Fail> {
        match self.param("T") {
            Some(t) if auth::same_secret(t.trim(), &write_token(&self.token)) => Ok(()),
            _ => Err(bad_write_token()),
        }
    }
}

// ---------------------------------------------------------------------------
// Ids and streams

/// An item id in any of its three forms: long
/// (`tag:google.com,2005:reader/item/000000000000007b`), bare 16 hex
/// digits, or decimal.
fn parse_item_id(raw: &str) -> Option<ArticleId> {
    let raw = raw.trim();
    let id = if let Some(hex) = raw.strip_prefix(LONG_PREFIX) {
        parse_hex(hex)?
    } else if raw.len() == 16 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        parse_hex(raw)?
    } else if !raw.is_empty() && raw.len() <= 19 && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse::<i64>().ok()?
    } else {
        return None;
    };
    (id > 0).then_some(id)
}

fn parse_hex(hex: &str) -> Option<i64> {
    if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    i64::try_from(u64::from_str_radix(hex, 16).ok()?).ok()
}

fn long_id(id: ArticleId) -> String {
    format!("{LONG_PREFIX}{id:016x}")
}

/// The ids of every `i` parameter (at least one), or 400.
fn item_ids_of(call: &Call) -> Result<Vec<ArticleId>, Fail> {
    let raw = call.params("i");
    if raw.is_empty() {
        return Err(bad_request("parameter i (an item id) is required"));
    }
    if raw.len() > MAX_CALL_IDS {
        return Err(bad_request(format!("at most {MAX_CALL_IDS} item ids per call")));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(raw.len());
    for r in raw {
        let id = parse_item_id(r).ok_or_else(|| {
            bad_request(format!(
                "{r:?} is not an item id (decimal, 16 hex digits or {LONG_PREFIX}<16 hex>)"
            ))
        })?;
        if seen.insert(id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A stream id's kind, before looking anything up.
#[derive(Debug, PartialEq, Eq)]
enum StreamName<'a> {
    /// `user/-/state/com.google/<name>`
    State(&'a str),
    /// `user/-/label/<name>`
    Label(&'a str),
    /// `feed/<id or URL>`
    Feed(&'a str),
}

/// Parses a stream id; `user/-/` and `user/<own id>/` both name the user.
fn stream_name<'a>(raw: &'a str, user: &User) -> Result<StreamName<'a>, Fail> {
    let raw = raw.trim();
    if let Some(feed) = raw.strip_prefix("feed/") {
        if feed.is_empty() {
            return Err(bad_request("a feed stream is feed/<id>"));
        }
        return Ok(StreamName::Feed(feed));
    }
    let rest = raw
        .strip_prefix("user/")
        .ok_or_else(|| bad_request(format!("{raw:?} is not a stream id")))?;
    let (who, tail) = rest
        .split_once('/')
        .ok_or_else(|| bad_request(format!("{raw:?} is not a stream id")))?;
    if who != "-" && who != user.id.to_string() {
        return Err(bad_request("only your own streams (user/-/…) can be read"));
    }
    if let Some(state) = tail.strip_prefix("state/com.google/") {
        return Ok(StreamName::State(state));
    }
    if let Some(label) = tail.strip_prefix("label/")
        && !label.trim().is_empty()
    {
        return Ok(StreamName::Label(label));
    }
    Err(bad_request(format!("{raw:?} is not a stream id")))
}

/// A stream the user can read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stream {
    ReadingList,
    Read,
    Starred,
    KeptUnread,
    /// A state we keep nothing of (like, broadcast): always empty.
    Nothing,
    Feed(FeedId),
    Label(i64),
}

/// Resolves a stream id: 400 when malformed, 404 when the user has no
/// such feed or label.
async fn resolve(state: &AppState, user: &User, raw: &str) -> Result<Stream, Fail> {
    Ok(match stream_name(raw, user)? {
        StreamName::State(name) => match name {
            "reading-list" => Stream::ReadingList,
            "read" => Stream::Read,
            "starred" => Stream::Starred,
            "kept-unread" => Stream::KeptUnread,
            "like" | "broadcast" | "broadcast-friends" | "created" => Stream::Nothing,
            other => return Err(bad_request(format!("unknown state stream {other:?}"))),
        },
        StreamName::Feed(feed) => Stream::Feed(subscribed(state, user, feed).await?.feed.id),
        StreamName::Label(name) => Stream::Label(
            state
                .store
                .category_named(user.id, name, false)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found(format!("you have no label {name:?}")))?,
        ),
    })
}

/// The user's subscription to a feed named by id or URL, or 404.
async fn subscribed(state: &AppState, user: &User, feed: &str) -> Result<Subscription, Fail> {
    let id: Option<FeedId> = feed.parse().ok();
    let subs = state.store.subscriptions(user.id).await.map_err(store_error)?;
    subs.into_iter()
        .find(|s| Some(s.feed.id) == id || s.feed.url == feed)
        .ok_or_else(|| not_found(format!("you are not subscribed to feed/{feed}")))
}

/// What a page of items is filtered by.
#[derive(Debug, Default)]
struct Filter {
    scope: Scope,
    read: Option<bool>,
    starred: Option<bool>,
    /// The conditions contradict: nothing matches.
    empty: bool,
}

impl Filter {
    fn of(stream: &Stream) -> Filter {
        let mut f = Filter::default();
        match stream {
            Stream::ReadingList => {}
            Stream::Read => f.read = Some(true),
            Stream::Starred => f.starred = Some(true),
            Stream::KeptUnread => f.read = Some(false),
            Stream::Nothing => f.empty = true,
            Stream::Feed(id) => f.scope = Scope::Feed(*id),
            Stream::Label(id) => f.scope = Scope::Category(*id),
        }
        f
    }

    fn require(slot: &mut Option<bool>, value: bool, empty: &mut bool) {
        match slot {
            Some(v) if *v != value => *empty = true,
            _ => *slot = Some(value),
        }
    }

    /// Adds an include (`it`, `include`) or exclude (`xt`) target.
    fn target(&mut self, stream: &Stream, include: bool) -> Result<(), Fail> {
        match (stream, include) {
            (Stream::Read, v) => Self::require(&mut self.read, v, &mut self.empty),
            (Stream::KeptUnread, v) => Self::require(&mut self.read, !v, &mut self.empty),
            (Stream::Starred, v) => Self::require(&mut self.starred, v, &mut self.empty),
            (Stream::ReadingList, true) | (Stream::Nothing, false) => {}
            (Stream::ReadingList, false) | (Stream::Nothing, true) => self.empty = true,
            (Stream::Feed(_) | Stream::Label(_), true) if self.scope == Scope::All => {
                let other = Filter::of(stream);
                self.scope = other.scope;
            }
            (Stream::Feed(_) | Stream::Label(_), _) => {
                return Err(bad_request(
                    "only states (read, starred, kept-unread) can be included or excluded here",
                ));
            }
        }
        Ok(())
    }
}

/// A time parameter in seconds since 1970.
fn seconds_param(call: &Call, name: &str) -> Result<Option<DateTime<Utc>>, Fail> {
    let Some(raw) = call.param(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s >= 0)
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .map(Some)
        .ok_or_else(|| bad_request(format!("{name} must be a time in seconds since 1970, not {raw:?}")))
}

/// A page of a stream's items, and where the next page starts.
struct Page {
    items: Vec<ReaderItem>,
    continuation: Option<String>,
}

/// Reads the page a call asks for (`n`, `c`, `r`, `ot`, `nt`, `xt`, `it`)
/// of a stream.
async fn read_page(state: &AppState, call: &Call, stream: &Stream) -> Result<Page, Fail> {
    let mut filter = Filter::of(stream);
    for (name, include) in [("xt", false), ("it", true)] {
        for raw in call.params(name) {
            if raw.trim().is_empty() {
                continue;
            }
            let target = resolve(state, &call.user, raw).await?;
            filter.target(&target, include)?;
        }
    }
    let n = match call.param("n").filter(|v| !v.trim().is_empty()) {
        None => DEFAULT_N,
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .map_err(|_| bad_request(format!("n must be a number of items, not {raw:?}")))?
            .clamp(1, MAX_N),
    };
    let oldest_first = call.param("r") == Some("o");
    let continuation = match call.param("c").filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.trim()
                .parse::<i64>()
                .ok()
                .filter(|c| *c > 0)
                .ok_or_else(|| bad_request(format!("{raw:?} is not a continuation this server gave")))?,
        ),
    };
    let since = seconds_param(call, "ot")?;
    let until = seconds_param(call, "nt")?.map(|t| t + chrono::Duration::seconds(1));
    if filter.empty {
        return Ok(Page {
            items: Vec::new(),
            continuation: None,
        });
    }
    let query = ItemQuery {
        user: call.user.id,
        scope: filter.scope,
        read: filter.read,
        starred: filter.starred,
        since,
        until,
        after_id: continuation.filter(|_| oldest_first),
        before_id: continuation.filter(|_| !oldest_first),
        ids: None,
        oldest_first,
        limit: n + 1,
    };
    let mut items = state.store.items(&query).await.map_err(store_error)?;
    let continuation = if items.len() as i64 > n {
        items.truncate(n as usize);
        items.last().map(|i| i.article.id.to_string())
    } else {
        None
    };
    Ok(Page { items, continuation })
}

// ---------------------------------------------------------------------------
// Login and account

/// `POST /accounts/ClientLogin` (`Email`, `Passwd` in the form or query).
async fn client_login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = pairs(query.unwrap_or_default().as_bytes());
    if is_form(&headers, &body) {
        params.splice(0..0, pairs(&body));
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (Some(email), Some(password)) = (get("Email"), get("Passwd")) else {
        return text(
            StatusCode::BAD_REQUEST,
            "Error=BadAuthentication\nInfo=send Email and Passwd\n",
        );
    };
    let user = match auth::check_password(&state, &addr, email, password).await {
        Ok(Some(user)) => user,
        Ok(None) => return unauthorized("wrong name or password").into_response(),
        Err(LoginError::Throttled(wait)) => {
            let mut response = text(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Error=BadAuthentication\nInfo={}\n", LoginError::Throttled(wait)),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
        Err(LoginError::Store(e)) => return store_error(e).into_response(),
    };
    let token = match auth::new_secret() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot make a Google Reader token");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot make a token");
        }
    };
    let name = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().filter(|c| !c.is_control()).take(100).collect::<String>())
        .filter(|ua| !ua.trim().is_empty())
        .unwrap_or_else(|| "Google Reader client".to_string());
    if let Err(e) = state
        .store
        .add_token(user.id, TOKEN_KIND, &name, &auth::secret_hash(&token))
        .await
    {
        return store_error(e).into_response();
    }
    // An app that logs in at every launch leaves a token each time: the
    // newest few stay, the older ones stop working.
    if let Err(e) = state.store.prune_tokens(user.id, TOKEN_KIND, MAX_LOGIN_TOKENS).await {
        return store_error(e).into_response();
    }
    if get("output") == Some("json") {
        return json_reply(json!({"SID": token, "LSID": token, "Auth": token}));
    }
    text(StatusCode::OK, format!("SID={token}\nLSID={token}\nAuth={token}\n"))
}

/// `GET /reader/api/0/token`: the write token `T`.
async fn token(call: Call) -> Response {
    text(StatusCode::OK, write_token(&call.token))
}

async fn user_info(call: Call) -> Response {
    let id = call.user.id.to_string();
    json_reply(json!({
        "userId": id,
        "userName": call.user.name,
        "userProfileId": id,
        "userEmail": "",
        "isBloggerUser": false,
        "signupTimeSec": call.user.created_at.timestamp(),
        "isMultiLoginEnabled": false,
    }))
}

// ---------------------------------------------------------------------------
// Subscriptions and labels

fn label_id(name: &str) -> String {
    format!("{LABEL_PREFIX}{name}")
}

/// A label's name from its stream id (or, for clients that send it so,
/// the bare name); 400 when empty or too long.
fn label_name<'a>(raw: &'a str, user: &User) -> Result<&'a str, Fail> {
    let name = match stream_name(raw, user) {
        Ok(StreamName::Label(name)) => name,
        Ok(_) => return Err(bad_request(format!("{raw:?} is not a label (user/-/label/<name>)"))),
        Err(_) if !raw.contains('/') => raw,
        Err(e) => return Err(e),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad_request(format!(
            "a label name has 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name)
}

fn subscription_json(s: &Subscription) -> Value {
    let categories: Vec<Value> = s
        .category
        .iter()
        .map(|c| json!({"id": label_id(&c.name), "label": c.name, "type": "folder"}))
        .collect();
    json!({
        "id": format!("feed/{}", s.feed.id),
        "title": s.display_title(),
        "categories": categories,
        "url": s.feed.url,
        "htmlUrl": s.feed.site_url.clone().unwrap_or_default(),
        "iconUrl": "",
        "firstitemmsec": s.subscribed_at.timestamp_millis().to_string(),
    })
}

async fn subscription_list(State(state): State<AppState>, call: Call) -> Reply {
    let subs = state.store.subscriptions(call.user.id).await.map_err(store_error)?;
    let list: Vec<Value> = subs.iter().map(subscription_json).collect();
    Ok(json_reply(json!({ "subscriptions": list })))
}

/// A title parameter: `None` absent, `Some(None)` empty (the feed's own).
fn title_param(call: &Call) -> Result<Option<Option<String>>, Fail> {
    match call.param("t") {
        None => Ok(None),
        Some(t) if t.chars().count() > 500 => Err(bad_request("a title has at most 500 characters")),
        Some(t) => Ok(Some(Some(t.trim().to_string()).filter(|t| !t.is_empty()))),
    }
}

/// Changes a subscription's title and label.
async fn edit_one(
    state: &AppState,
    user: &User,
    sub: &Subscription,
    title: &Option<Option<String>>,
    add: Option<i64>,
    remove: Option<&str>,
) -> Result<(), Fail> {
    let new_title = match title {
        Some(t) => t.clone(),
        None => sub.title.clone(),
    };
    let current = sub.category.as_ref();
    let new_category = match (add, remove) {
        (Some(c), _) => Some(c),
        (None, Some(r)) if current.is_some_and(|c| c.name == r) => None,
        _ => current.map(|c| c.id),
    };
    if new_title != sub.title || new_category != current.map(|c| c.id) {
        state
            .store
            .subscribe(user.id, sub.feed.id, new_title.as_deref(), new_category)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// `POST subscription/edit`: `ac` subscribe, unsubscribe or edit; `s`
/// (repeatable), `t`, `a`, `r`.
async fn subscription_edit(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let user = &call.user;
    let action = call.param("ac").unwrap_or("edit");
    let streams: Vec<&str> = call.params("s").into_iter().filter(|s| !s.trim().is_empty()).collect();
    if streams.is_empty() {
        return Err(bad_request("parameter s (feed/<id>) is required"));
    }
    let title = title_param(&call)?;
    let add = match call.param("a").filter(|a| !a.trim().is_empty()) {
        Some(a) => {
            let name = label_name(a, user)?;
            state
                .store
                .category_named(user.id, name, true)
                .await
                .map_err(store_error)?
        }
        None => None,
    };
    let remove = match call.param("r").filter(|r| !r.trim().is_empty()) {
        Some(r) => Some(label_name(r, user)?),
        None => None,
    };
    for s in streams {
        let feed = s.trim().strip_prefix("feed/").unwrap_or(s.trim());
        match action {
            "subscribe" => {
                let found = find_or_subscribe(&state, user, feed, title.clone().flatten().as_deref(), add).await?;
                let sub = subscribed(&state, user, &found.id.to_string()).await?;
                edit_one(&state, user, &sub, &title, add, remove).await?;
            }
            "unsubscribe" => {
                let sub = subscribed(&state, user, feed).await?;
                state
                    .store
                    .unsubscribe(user.id, sub.feed.id)
                    .await
                    .map_err(store_error)?;
            }
            "edit" => {
                let sub = subscribed(&state, user, feed).await?;
                edit_one(&state, user, &sub, &title, add, remove).await?;
            }
            other => {
                return Err(bad_request(format!(
                    "ac must be subscribe, unsubscribe or edit, not {other:?}"
                )));
            }
        }
    }
    Ok(ok())
}

/// The feed at `raw` (a URL the instance has exactly, else as
/// [`subscribe_url`] normalizes it), the user subscribed to it.
async fn find_or_subscribe(
    state: &AppState,
    user: &User,
    raw: &str,
    title: Option<&str>,
    category: Option<i64>,
) -> Result<Feed, Fail> {
    let raw = raw.trim();
    if let Some(feed) = state.store.feed_by_url(raw).await.map_err(store_error)? {
        let subs = state.store.subscriptions(user.id).await.map_err(store_error)?;
        if !subs.iter().any(|s| s.feed.id == feed.id) {
            state
                .store
                .subscribe(user.id, feed.id, title, category)
                .await
                .map_err(store_error)?;
        }
        return Ok(feed);
    }
    subscribe_url(state, user.id, raw, title, category)
        .await
        .map_err(subscribe_error)
}

/// `POST subscription/quickadd` (`quickadd=<URL>`).
async fn quickadd(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let raw = call.required("quickadd")?.trim();
    let url = raw.strip_prefix("feed/").unwrap_or(raw);
    let feed = find_or_subscribe(&state, &call.user, url, None, None).await?;
    let sub = subscribed(&state, &call.user, &feed.id.to_string()).await?;
    Ok(json_reply(json!({
        "query": raw,
        "numResults": 1,
        "streamId": format!("feed/{}", feed.id),
        "streamName": sub.display_title(),
    })))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn opml_outline(s: &Subscription) -> opml::Outline {
    let title = s.display_title().to_string();
    opml::Outline {
        text: title.clone(),
        title: Some(title),
        r#type: Some("rss".to_string()),
        xml_url: Some(s.feed.url.clone()),
        html_url: s.feed.site_url.clone(),
        ..opml::Outline::default()
    }
}

/// `GET subscription/export`: OPML, a folder outline per label.
async fn export(State(state): State<AppState>, call: Call) -> Reply {
    let subs = state.store.subscriptions(call.user.id).await.map_err(store_error)?;
    let mut doc = opml::OPML {
        version: "2.0".to_string(),
        ..opml::OPML::default()
    };
    doc.head = Some(opml::Head {
        title: Some(format!(
            "{} subscriptions of {}",
            state.config.site_title, call.user.name
        )),
        ..opml::Head::default()
    });
    let mut folders: Vec<opml::Outline> = Vec::new();
    for s in &subs {
        match &s.category {
            Some(c) => match folders.iter_mut().find(|f| f.text == c.name) {
                Some(folder) => folder.outlines.push(opml_outline(s)),
                None => folders.push(opml::Outline {
                    text: c.name.clone(),
                    title: Some(c.name.clone()),
                    outlines: vec![opml_outline(s)],
                    ..opml::Outline::default()
                }),
            },
            None => doc.body.outlines.push(opml_outline(s)),
        }
    }
    folders.sort_by_key(|f| f.text.to_lowercase());
    folders.append(&mut doc.body.outlines);
    doc.body.outlines = folders;
    let xml = doc.to_string().map_err(|e| {
        tracing::error!(error = %e, "cannot write a subscription export");
        fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot write the OPML export; see the server log",
        )
    })?;
    let out = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n");
    Ok((
        [
            (header::CONTENT_TYPE, "text/x-opml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"subscriptions.opml\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// A feed of an OPML file: its URL, title and folder.
#[derive(Debug, PartialEq, Eq)]
struct OpmlFeed {
    url: String,
    title: Option<String>,
    folder: Option<String>,
}

/// The feeds of an OPML document (each `outline` with an `xmlUrl`, in the
/// folder of the nearest enclosing outline without one); `None` when it is
/// not OPML. Read by the `opml` crate, as `tracewire feeds import` reads it.
fn opml_feeds(xml: &str) -> Option<Vec<OpmlFeed>> {
    let doc = opml::OPML::from_str(xml).ok()?;
    let mut feeds = Vec::new();
    // Outlines still to visit, each with its folder; a stack, not
    // recursion, however deep the nesting.
    let mut stack: Vec<(&opml::Outline, Option<&str>)> = doc.body.outlines.iter().rev().map(|o| (o, None)).collect();
    while let Some((outline, folder)) = stack.pop() {
        let name = outline.title.as_deref().unwrap_or(&outline.text).trim();
        match outline.xml_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => feeds.push(OpmlFeed {
                url: url.to_string(),
                title: Some(name.to_string()).filter(|t| !t.is_empty()),
                folder: folder.map(str::to_string),
            }),
            None => {
                let folder = Some(name).filter(|n| !n.is_empty()).or(folder);
                stack.extend(outline.outlines.iter().rev().map(|o| (o, folder)));
            }
        }
    }
    Some(feeds)
}

/// Decodes XML/HTML character references (`&amp;`, `&#39;`, `&#x2019;`);
/// unknown ones are left as they are.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.get(1..).and_then(|r| {
            let end = r.find(';').filter(|e| *e <= 10)?;
            let entity = &r[..end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, end + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `POST subscription/import`: an OPML body; each outline's `xmlUrl`
/// subscribed, in the label of its folder. `T` comes in the query string.
async fn import(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let body = std::str::from_utf8(&call.body).map_err(|_| bad_request("the OPML body is not UTF-8"))?;
    let feeds = opml_feeds(body).ok_or_else(|| bad_request("the body is not an OPML document"))?;
    if feeds.is_empty() {
        return Err(bad_request("the OPML document has no feeds (outline with xmlUrl)"));
    }
    if feeds.len() > MAX_IMPORT_FEEDS {
        return Err(bad_request(format!("at most {MAX_IMPORT_FEEDS} feeds per import")));
    }
    let mut failed = 0;
    for f in &feeds {
        let category = match f.folder.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => {
                let name: String = name.chars().take(MAX_NAME_CHARS).collect();
                state
                    .store
                    .category_named(call.user.id, &name, true)
                    .await
                    .map_err(store_error)?
            }
            None => None,
        };
        match subscribe_url(&state, call.user.id, &f.url, f.title.as_deref(), category).await {
            Ok(_) => {}
            Err(SubscribeError::Store(e)) => return Err(store_error(e)),
            Err(e) => {
                failed += 1;
                tracing::info!(url = %f.url, error = %e, "OPML import skipped a feed");
            }
        }
    }
    if failed == feeds.len() {
        return Err(bad_request("none of the OPML's feed URLs is an http(s) URL"));
    }
    Ok(ok())
}

async fn tag_list(State(state): State<AppState>, call: Call) -> Reply {
    let categories = state.store.categories(call.user.id).await.map_err(store_error)?;
    let mut tags = vec![json!({ "id": STARRED })];
    tags.extend(
        categories
            .iter()
            .map(|c| json!({"id": label_id(&c.name), "label": c.name, "type": "folder"})),
    );
    Ok(json_reply(json!({ "tags": tags })))
}

/// The label a tag call names (`s=user/-/label/<name>`, or `t=<name>`), or 404.
async fn named_label(state: &AppState, call: &Call) -> Result<(i64, String), Fail> {
    let name = match (call.param("s").filter(|s| !s.trim().is_empty()), call.param("t")) {
        (Some(s), _) => label_name(s, &call.user)?,
        (None, Some(t)) => label_name(t, &call.user)?,
        (None, None) => return Err(bad_request("parameter s (user/-/label/<name>) is required")),
    };
    let id = state
        .store
        .category_named(call.user.id, name, false)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found(format!("you have no label {name:?}")))?;
    Ok((id, name.to_string()))
}

/// `POST rename-tag`: `s` the label, `dest` its new id.
async fn rename_tag(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let (id, _) = named_label(&state, &call).await?;
    let dest = label_name(call.required("dest")?, &call.user)?;
    let renamed = state
        .store
        .rename_category(call.user.id, id, dest)
        .await
        .map_err(store_error)?;
    if !renamed {
        return Err(fail(StatusCode::CONFLICT, format!("you already have a label {dest:?}")));
    }
    Ok(ok())
}

/// `POST disable-tag`: removes a label; its feeds stay subscribed.
async fn disable_tag(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let (id, name) = named_label(&state, &call).await?;
    if !state
        .store
        .remove_category(call.user.id, id)
        .await
        .map_err(store_error)?
    {
        return Err(not_found(format!("you have no label {name:?}")));
    }
    Ok(ok())
}

// ---------------------------------------------------------------------------
// Streams and items

async fn item_ids(State(state): State<AppState>, call: Call) -> Reply {
    let s = call.param("s").filter(|s| !s.trim().is_empty()).unwrap_or(READING_LIST);
    let stream = resolve(&state, &call.user, s).await?;
    let page = read_page(&state, &call, &stream).await?;
    let refs: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.article.id.to_string(),
                "directStreamIds": [],
                "timestampUsec": i.fetched_at.timestamp_micros().to_string(),
            })
        })
        .collect();
    let mut out = json!({ "itemRefs": refs });
    if let Some(c) = page.continuation {
        out["continuation"] = Value::String(c);
    }
    Ok(json_reply(out))
}

/// Where items come from: each feed's title, site and label.
struct Origins {
    subs: HashMap<FeedId, Subscription>,
    others: HashMap<FeedId, Option<Feed>>,
}

impl Origins {
    async fn of(state: &AppState, user: &User) -> Result<Origins, Fail> {
        let subs = state.store.subscriptions(user.id).await.map_err(store_error)?;
        Ok(Origins {
            subs: subs.into_iter().map(|s| (s.feed.id, s)).collect(),
            others: HashMap::new(),
        })
    }

    /// Title, site and label of a feed (one the user left is looked up).
    async fn get(&mut self, state: &AppState, feed: FeedId) -> Result<(String, String, Option<String>), Fail> {
        if let Some(s) = self.subs.get(&feed) {
            return Ok((
                s.display_title().to_string(),
                s.feed.site_url.clone().unwrap_or_default(),
                s.category.as_ref().map(|c| c.name.clone()),
            ));
        }
        if let std::collections::hash_map::Entry::Vacant(entry) = self.others.entry(feed) {
            entry.insert(state.store.feed(feed).await.map_err(store_error)?);
        }
        Ok(match self.others.get(&feed).and_then(Option::as_ref) {
            Some(f) => (
                f.title.clone().unwrap_or_else(|| f.url.clone()),
                f.site_url.clone().unwrap_or_default(),
                None,
            ),
            None => (String::new(), String::new(), None),
        })
    }
}

/// Items in the Google Reader form, bodies sanitized.
async fn items_json(state: &AppState, user: &User, items: &[ReaderItem]) -> Result<Vec<Value>, Fail> {
    let mut origins = Origins::of(state, user).await?;
    let ids: Vec<i64> = items.iter().map(|i| i.article.id).collect();
    let mut bodies: std::collections::HashMap<i64, tracewire_model::Article> = state
        .store
        .articles_by_ids(&ids)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let a = &item.article;
        let (feed_title, site, label) = origins.get(state, a.feed_id).await?;
        let article = bodies.remove(&a.id);
        let html = match &article {
            Some(article) => tracewire_extract::sanitize_html(&article.html),
            None => format!("<p>{}</p>", xml_escape(&a.excerpt)),
        };
        let author = article.as_ref().and_then(|x| x.byline.clone()).unwrap_or_default();
        let canonical = article
            .as_ref()
            .and_then(|x| x.canonical_url.clone())
            .unwrap_or_else(|| a.url.clone());
        let mut categories = vec![READING_LIST.to_string()];
        if item.read {
            categories.push(READ.to_string());
        }
        if item.starred {
            categories.push(STARRED.to_string());
        }
        if let Some(label) = label {
            categories.push(label_id(&label));
        }
        let published = a.published.unwrap_or(item.fetched_at).timestamp();
        out.push(json!({
            "id": long_id(a.id),
            "crawlTimeMsec": item.fetched_at.timestamp_millis().to_string(),
            "timestampUsec": item.fetched_at.timestamp_micros().to_string(),
            "published": published,
            "updated": published,
            "title": unescape(&a.title),
            "author": author,
            "canonical": [{ "href": canonical }],
            "alternate": [{ "href": a.url, "type": "text/html" }],
            "categories": categories,
            "origin": {
                "streamId": format!("feed/{}", a.feed_id),
                "title": feed_title,
                "htmlUrl": site,
            },
            "summary": { "direction": "ltr", "content": html },
            "content": { "direction": "ltr", "content": html },
        }));
    }
    Ok(out)
}

/// The envelope of a list of items.
fn stream_json(state: &AppState, call: &Call, id: &str, title: &str, items: Vec<Value>) -> Value {
    let base = crate::base_url(&state.config, &call.headers);
    json!({
        "direction": "ltr",
        "id": id,
        "title": title,
        "self": [{ "href": format!("{base}/reader/api/0/stream/contents/{id}") }],
        "author": call.user.name,
        "updated": Utc::now().timestamp(),
        "items": items,
    })
}

async fn stream_title(state: &AppState, user: &User, stream: &Stream) -> Result<String, Fail> {
    Ok(match stream {
        Stream::ReadingList => "Reading list".to_string(),
        Stream::Read => "Read items".to_string(),
        Stream::Starred => "Starred items".to_string(),
        Stream::KeptUnread => "Unread items".to_string(),
        Stream::Nothing => String::new(),
        Stream::Feed(id) => Origins::of(state, user).await?.get(state, *id).await?.0,
        Stream::Label(id) => state
            .store
            .categories(user.id)
            .await
            .map_err(store_error)?
            .into_iter()
            .find(|c| c.id == *id)
            .map(|c| c.name)
            .unwrap_or_default(),
    })
}

async fn stream_contents(state: &AppState, call: &Call, raw: &str) -> Reply {
    let stream = resolve(state, &call.user, raw).await?;
    let page = read_page(state, call, &stream).await?;
    let items = items_json(state, &call.user, &page.items).await?;
    let title = stream_title(state, &call.user, &stream).await?;
    let mut out = stream_json(state, call, raw.trim(), &title, items);
    if let Some(c) = page.continuation {
        out["continuation"] = Value::String(c);
    }
    Ok(json_reply(out))
}

/// `GET stream/contents/<stream id>`.
async fn stream_contents_path(State(state): State<AppState>, Path(stream): Path<String>, call: Call) -> Reply {
    stream_contents(&state, &call, &stream).await
}

/// `GET stream/contents?s=<stream id>` (the reading list when absent).
async fn stream_contents_param(State(state): State<AppState>, call: Call) -> Reply {
    let s = call
        .param("s")
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(READING_LIST)
        .to_string();
    stream_contents(&state, &call, &s).await
}

/// `POST stream/items/contents` (`i` repeated): the items asked for that
/// the user can see, in the order asked.
async fn item_contents(State(state): State<AppState>, call: Call) -> Reply {
    let ids = item_ids_of(&call)?;
    let mut found: HashMap<ArticleId, ReaderItem> = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let query = ItemQuery {
            user: call.user.id,
            ids: Some(chunk.to_vec()),
            limit: chunk.len() as i64,
            ..ItemQuery::default()
        };
        for item in state.store.items(&query).await.map_err(store_error)? {
            found.insert(item.article.id, item);
        }
    }
    let items: Vec<ReaderItem> = ids.iter().filter_map(|id| found.remove(id)).collect();
    let items = items_json(&state, &call.user, &items).await?;
    Ok(json_reply(stream_json(
        &state,
        &call,
        READING_LIST,
        "Reading list",
        items,
    )))
}

/// What an `edit-tag` tag does.
fn tag_marks(raw: &str, add: bool, user: &User, marks: &mut Marks) -> Result<(), Fail> {
    let set = |slot: &mut Option<bool>, value: bool| match slot {
        Some(v) if *v != value => Err(bad_request("the tags to add and remove contradict each other")),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    };
    match stream_name(raw, user)? {
        StreamName::State("read") => set(&mut marks.read, add),
        StreamName::State("kept-unread") => set(&mut marks.read, !add),
        StreamName::State("starred") => set(&mut marks.starred, add),
        // Google's other states (like, broadcast, tracking-…) are kept by no one here.
        StreamName::State(_) => Ok(()),
        StreamName::Label(_) => Err(bad_request("labels on single items are not supported")),
        StreamName::Feed(_) => Err(bad_request(format!("{raw:?} is not a tag"))),
    }
}

/// `POST edit-tag`: `i` repeated, `a` tags to add, `r` tags to remove.
async fn edit_tag(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let ids = item_ids_of(&call)?;
    let adds = call.params("a");
    let removes = call.params("r");
    if adds.is_empty() && removes.is_empty() {
        return Err(bad_request("send a tag to add (a) or remove (r)"));
    }
    let mut marks = Marks::default();
    for (tags, add) in [(adds, true), (removes, false)] {
        for tag in tags.into_iter().filter(|t| !t.trim().is_empty()) {
            tag_marks(tag, add, &call.user, &mut marks)?;
        }
    }
    state.store.mark(call.user.id, &ids, marks).await.map_err(store_error)?;
    Ok(ok())
}

/// `ts` of mark-all-as-read: µs by Google's rule; milliseconds and seconds
/// are recognised by size. Items stored in that second are included.
fn before_param(raw: &str) -> Result<DateTime<Utc>, Fail> {
    let ts: i64 = raw
        .trim()
        .parse()
        .ok()
        .filter(|t| *t >= 0)
        .ok_or_else(|| bad_request(format!("ts must be a time in microseconds since 1970, not {raw:?}")))?;
    let secs = if ts < 100_000_000_000 {
        ts
    } else if ts < 100_000_000_000_000 {
        ts / 1000
    } else {
        ts / 1_000_000
    };
    DateTime::from_timestamp(secs.saturating_add(1), 0).ok_or_else(|| bad_request("ts is out of range"))
}

/// `POST mark-all-as-read`: `s` the stream, `ts` (µs) only items stored
/// until then.
async fn mark_all_as_read(State(state): State<AppState>, call: Call) -> Reply {
    call.check_write_token()?;
    let stream = resolve(&state, &call.user, call.required("s")?).await?;
    let before = match call.param("ts").filter(|t| !t.trim().is_empty()) {
        Some(raw) => Some(before_param(raw)?),
        None => None,
    };
    let user = call.user.id;
    let scope = match stream {
        Stream::ReadingList | Stream::KeptUnread => Some(Scope::All),
        Stream::Feed(id) => Some(Scope::Feed(id)),
        Stream::Label(id) => Some(Scope::Category(id)),
        Stream::Read | Stream::Nothing => None,
        Stream::Starred => {
            // Page through the unread starred items, marking each page.
            for _ in 0..1000 {
                let query = ItemQuery {
                    user,
                    read: Some(false),
                    starred: Some(true),
                    until: before,
                    limit: ID_CHUNK as i64,
                    ..ItemQuery::default()
                };
                let ids: Vec<ArticleId> = state
                    .store
                    .items(&query)
                    .await
                    .map_err(store_error)?
                    .iter()
                    .map(|i| i.article.id)
                    .collect();
                if ids.is_empty() {
                    break;
                }
                let marks = Marks {
                    read: Some(true),
                    starred: None,
                };
                if state.store.mark(user, &ids, marks).await.map_err(store_error)? == 0 {
                    break;
                }
            }
            None
        }
    };
    if let Some(scope) = scope {
        state
            .store
            .mark_all_read(user, scope, before)
            .await
            .map_err(store_error)?;
    }
    Ok(ok())
}

/// `GET unread-count`: per feed, per label, and the reading list.
async fn unread_count(State(state): State<AppState>, call: Call) -> Reply {
    let counts = state.store.unread_counts(call.user.id).await.map_err(store_error)?;
    let subs = state.store.subscriptions(call.user.id).await.map_err(store_error)?;
    let label_of: HashMap<FeedId, &str> = subs
        .iter()
        .filter_map(|s| s.category.as_ref().map(|c| (s.feed.id, c.name.as_str())))
        .collect();
    let row = |id: String, count: i64, newest: DateTime<Utc>| json!({"id": id, "count": count, "newestItemTimestampUsec": newest.timestamp_micros().to_string()});
    let mut rows = Vec::new();
    let mut labels: Vec<(&str, i64, DateTime<Utc>)> = Vec::new();
    let mut total = 0;
    let mut newest: Option<DateTime<Utc>> = None;
    for c in &counts {
        rows.push(row(format!("feed/{}", c.feed), c.unread, c.newest));
        total += c.unread;
        newest = newest.max(Some(c.newest));
        if let Some(label) = label_of.get(&c.feed) {
            match labels.iter_mut().find(|(name, _, _)| name == label) {
                Some(entry) => {
                    entry.1 += c.unread;
                    entry.2 = entry.2.max(c.newest);
                }
                None => labels.push((label, c.unread, c.newest)),
            }
        }
    }
    for (name, count, at) in labels {
        rows.push(row(label_id(name), count, at));
    }
    if let Some(at) = newest {
        rows.push(row(READING_LIST.to_string(), total, at));
    }
    Ok(json_reply(json!({ "max": total.max(1000), "unreadcounts": rows })))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::TestServer;

    const PW: &str = "secret-pass-1";
    const FEED_URL: &str = "https://example.com/feed";

    async fn login(srv: &TestServer, name: &str, password: &str) -> String {
        let r = srv
            .client
            .post(srv.url("/accounts/ClientLogin"))
            .form(&[("Email", name), ("Passwd", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let body = r.text().await.unwrap();
        for line in body.trim().split('\n') {
            assert!(line.contains('='), "{body:?}");
        }
        body.lines().find_map(|l| l.strip_prefix("Auth=")).unwrap().to_string()
    }

    struct G {
        srv: std::sync::Arc<TestServer>,
        auth: String,
        t: String,
    }

    impl G {
        /// A feed of `n` articles, then user "reader" (subscribed to it, as
        /// the first account), logged in.
        async fn start(n: usize) -> (G, FeedId, Vec<i64>) {
            let srv = TestServer::start().await;
            let (feed, ids) = srv.feed_with_articles(FEED_URL, "Example", n).await;
            srv.user("reader", PW, false).await;
            let g = G::login(std::sync::Arc::new(srv), "reader").await;
            (g, feed, ids)
        }

        async fn login(srv: std::sync::Arc<TestServer>, name: &str) -> G {
            let auth = login(&srv, name, PW).await;
            let mut g = G {
                srv,
                auth,
                t: String::new(),
            };
            let (status, t) = g.get("/reader/api/0/token").await;
            assert_eq!(status, 200);
            g.t = t;
            g
        }

        fn header(&self) -> String {
            format!("GoogleLogin auth={}", self.auth)
        }

        async fn get(&self, path: &str) -> (u16, String) {
            let r = self
                .srv
                .client
                .get(self.srv.url(path))
                .header("Authorization", self.header())
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }

        async fn json(&self, path: &str) -> Value {
            let (status, body) = self.get(path).await;
            assert_eq!(status, 200, "{path}: {body}");
            serde_json::from_str(&body).unwrap()
        }

        /// Posts a form with the write token.
        async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
            let mut form = form.to_vec();
            form.push(("T", &self.t));
            self.post_raw(path, &form).await
        }

        async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
            let r = self
                .srv
                .client
                .post(self.srv.url(path))
                .header("Authorization", self.header())
                .form(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }

        /// Item ids (decimal) of one page of stream/items/ids.
        async fn ids(&self, query: &str) -> (Vec<i64>, Option<String>) {
            let v = self
                .json(&format!("/reader/api/0/stream/items/ids?output=json&{query}"))
                .await;
            let ids = v["itemRefs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().parse().unwrap())
                .collect();
            (ids, v["continuation"].as_str().map(str::to_string))
        }

        async fn contents(&self, ids: &[&str]) -> Vec<Value> {
            let form: Vec<(&str, &str)> = ids.iter().map(|i| ("i", *i)).collect();
            let (status, body) = self
                .post("/reader/api/0/stream/items/contents?output=json", &form)
                .await;
            assert_eq!(status, 200, "{body}");
            let v: Value = serde_json::from_str(&body).unwrap();
            v["items"].as_array().unwrap().clone()
        }

        async fn unread_ids(&self) -> Vec<i64> {
            self.ids(&format!("s={}&xt={}", enc(READING_LIST), enc(READ))).await.0
        }

        async fn unread_count(&self, id: &str) -> i64 {
            let v = self.json("/reader/api/0/unread-count?output=json").await;
            v["unreadcounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .map_or(0, |r| r["count"].as_i64().unwrap())
        }
    }

    fn enc(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    #[test]
    fn item_ids_parse_in_all_three_forms() {
        assert_eq!(
            parse_item_id("tag:google.com,2005:reader/item/0000000000000067"),
            Some(103)
        );
        assert_eq!(parse_item_id("0000000000000067"), Some(103));
        assert_eq!(parse_item_id("103"), Some(103));
        assert_eq!(long_id(103), "tag:google.com,2005:reader/item/0000000000000067");
        for bad in [
            "",
            "abc",
            "-5",
            "0",
            "99999999999999999999999",
            "tag:google.com,2005:reader/item/",
            "tag:google.com,2005:reader/item/ffffffffffffffff",
            "tag:google.com,2005:reader/item/zz",
            "1e3",
        ] {
            assert_eq!(parse_item_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn opml_outlines_become_feeds_in_folders() {
        let xml = r#"<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
            <!-- <outline xmlUrl="https://commented.example/feed"/> -->
            <outline text="Tech &amp; Science" title="Tech &amp; Science">
              <outline type="rss" text="A" xmlUrl="https://a.example/feed?x=1&amp;y=2" htmlUrl="https://a.example/"/>
              <outline type='rss' title="B > C" xmlUrl='https://b.example/rss'></outline>
            </outline>
            <outline type="rss" text="Loose" xmlUrl="https://c.example/atom"/>
            </body></opml>"#;
        let feeds = opml_feeds(xml).unwrap();
        assert_eq!(
            feeds,
            vec![
                OpmlFeed {
                    url: "https://a.example/feed?x=1&y=2".into(),
                    title: Some("A".into()),
                    folder: Some("Tech & Science".into())
                },
                OpmlFeed {
                    url: "https://b.example/rss".into(),
                    title: Some("B > C".into()),
                    folder: Some("Tech & Science".into())
                },
                OpmlFeed {
                    url: "https://c.example/atom".into(),
                    title: Some("Loose".into()),
                    folder: None
                },
            ]
        );
        assert_eq!(opml_feeds("not xml"), None);
        // Truncated or broken documents are not OPML.
        assert_eq!(opml_feeds("<opml><body><outline xmlUrl=\"https://x/\" "), None);
        assert_eq!(opml_feeds("<opml><outline = \"\" xmlUrl/><!--"), None);
        assert_eq!(
            unescape("a &amp;&lt;b&#39;&#x2019; &bogus; &"),
            "a &<b'\u{2019} &bogus; &"
        );
    }

    #[tokio::test]
    async fn client_login_issues_tokens_and_rejects_bad_passwords() {
        let (g, _, _) = G::start(1).await;
        let srv = &g.srv;
        let bad = srv
            .client
            .post(srv.url("/accounts/ClientLogin"))
            .form(&[("Email", "reader"), ("Passwd", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 401);
        let missing = srv.client.post(srv.url("/accounts/ClientLogin")).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 400);
        // In the query string, and as JSON.
        let r = srv
            .client
            .get(srv.url(&format!("/accounts/ClientLogin?Email=reader&Passwd={PW}&output=json")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.unwrap();
        assert!(v["Auth"].as_str().unwrap().len() >= 32);
        // FreshRSS's layout too.
        let r = srv
            .client
            .post(srv.url("/api/greader.php/accounts/ClientLogin"))
            .form(&[("Email", "reader"), ("Passwd", PW)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);

        assert_eq!(g.t.len(), WRITE_TOKEN_CHARS);
        let info = g.json("/reader/api/0/user-info").await;
        assert_eq!(info["userName"], "reader");
        assert!(info["userId"].as_str().is_some());
        // Bad or missing auth: 401.
        for auth in ["GoogleLogin auth=not-a-token", "GoogleLogin", "Basic abc", ""] {
            let r = srv
                .client
                .get(srv.url("/reader/api/0/token"))
                .header("Authorization", auth)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 401, "{auth}");
        }
        let r = srv.client.get(srv.url("/reader/api/0/user-info")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        // Each login is an API token of kind greader, named by the client.
        let user = srv.store.user_by_name("reader").await.unwrap().unwrap().0;
        let tokens = srv.store.tokens(user.id).await.unwrap();
        assert_eq!(tokens.len(), 3);
        assert!(tokens.iter().all(|t| t.kind == "greader"));
    }

    #[tokio::test]
    async fn logins_are_throttled_after_repeated_failures() {
        let (g, _, _) = G::start(0).await;
        let srv = &g.srv;
        for _ in 0..10 {
            let r = srv
                .client
                .post(srv.url("/accounts/ClientLogin"))
                .form(&[("Email", "reader"), ("Passwd", "nope")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 401);
        }
        let r = srv
            .client
            .post(srv.url("/accounts/ClientLogin"))
            .form(&[("Email", "reader"), ("Passwd", PW)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        assert!(r.headers().contains_key("retry-after"));
        // A token made before still works.
        assert_eq!(g.get("/reader/api/0/user-info").await.0, 200);
    }

    #[tokio::test]
    async fn writes_need_the_write_token() {
        let (g, _, ids) = G::start(2).await;
        let id = ids[0].to_string();
        let form = [("i", id.as_str()), ("a", READ)];
        let r = g
            .srv
            .client
            .post(g.srv.url("/reader/api/0/edit-tag"))
            .header("Authorization", g.header())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        assert_eq!(r.headers()["google-bad-token"], "true");
        let wrong = [("i", id.as_str()), ("a", READ), ("T", "x".repeat(57).leak())];
        assert_eq!(g.post_raw("/reader/api/0/edit-tag", &wrong).await.0, 401);
        for path in [
            "/reader/api/0/subscription/quickadd",
            "/reader/api/0/subscription/edit",
            "/reader/api/0/mark-all-as-read",
            "/reader/api/0/rename-tag",
            "/reader/api/0/disable-tag",
            "/reader/api/0/subscription/import",
        ] {
            assert_eq!(g.post_raw(path, &[("s", "feed/1")]).await.0, 401, "{path}");
        }
        assert!(g.ids(&format!("s={}", enc(READ))).await.0.is_empty());
        assert_eq!(g.post("/reader/api/0/edit-tag", &form).await, (200, "OK".to_string()));
        assert_eq!(g.ids(&format!("s={}", enc(READ))).await.0, vec![ids[0]]);
        // Another login's T is not this one's.
        let other = login(&g.srv, "reader", PW).await;
        assert_ne!(write_token(&other), g.t);
    }

    #[tokio::test]
    async fn quickadd_edit_list_export_and_unsubscribe() {
        let (g, feed, _) = G::start(1).await;
        // An existing feed: the same stream, once.
        for _ in 0..2 {
            let (status, body) = g
                .post(
                    "/reader/api/0/subscription/quickadd?output=json",
                    &[("quickadd", FEED_URL)],
                )
                .await;
            assert_eq!(status, 200, "{body}");
            let v: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["streamId"], format!("feed/{feed}"));
            assert_eq!(v["numResults"], 1);
        }
        // A new one is stored (the crawler reads it later).
        let (status, body) = g
            .post(
                "/reader/api/0/subscription/quickadd",
                &[("quickadd", "news.example.org/rss")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        let new_stream = v["streamId"].as_str().unwrap().to_string();
        assert_ne!(new_stream, format!("feed/{feed}"));
        for bad in ["ftp://x.example/feed", "http://", ""] {
            let (status, _) = g
                .post("/reader/api/0/subscription/quickadd", &[("quickadd", bad)])
                .await;
            assert_eq!(status, 400, "{bad}");
        }

        let s = format!("feed/{feed}");
        let (status, _) = g
            .post(
                "/reader/api/0/subscription/edit",
                &[("ac", "edit"), ("s", &s), ("t", "Renamed"), ("a", "user/-/label/Tech")],
            )
            .await;
        assert_eq!(status, 200);
        let list = g.json("/reader/api/0/subscription/list?output=json").await;
        let subs = list["subscriptions"].as_array().unwrap();
        assert_eq!(subs.len(), 2);
        let mine = subs.iter().find(|x| x["id"] == s.as_str()).unwrap();
        assert_eq!(mine["title"], "Renamed");
        assert_eq!(mine["url"], FEED_URL);
        let cats = mine["categories"].as_array().unwrap();
        assert_eq!(cats.len(), 1);
        let keys: Vec<&String> = cats[0].as_object().unwrap().keys().collect();
        assert!(keys.iter().all(|k| ["id", "label", "type"].contains(&k.as_str())));
        assert_eq!(cats[0]["id"], "user/-/label/Tech");

        let tags = g.json("/reader/api/0/tag/list?output=json").await;
        let tags = tags["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t["id"] == STARRED));
        assert!(
            tags.iter()
                .any(|t| t["id"] == "user/-/label/Tech" && t["type"] == "folder")
        );
        for t in tags {
            assert!(
                t.as_object()
                    .unwrap()
                    .keys()
                    .all(|k| ["id", "label", "type"].contains(&k.as_str()))
            );
        }

        let (status, opml) = g.get("/reader/api/0/subscription/export").await;
        assert_eq!(status, 200);
        assert!(opml.contains("<outline text=\"Tech\""), "{opml}");
        assert!(opml.contains("xmlUrl=\"https://example.com/feed\""), "{opml}");
        assert!(opml.contains("xmlUrl=\"https://news.example.org/rss\""), "{opml}");
        assert!(
            opml_feeds(&opml)
                .unwrap()
                .iter()
                .any(|f| f.folder.as_deref() == Some("Tech"))
        );

        // r= takes the label off; an empty t gives the feed its own title back.
        let (status, _) = g
            .post(
                "/reader/api/0/subscription/edit",
                &[("ac", "edit"), ("s", &s), ("t", ""), ("r", "user/-/label/Tech")],
            )
            .await;
        assert_eq!(status, 200);
        let list = g.json("/reader/api/0/subscription/list").await;
        let mine = list["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == s.as_str())
            .unwrap()
            .clone();
        assert_eq!(mine["title"], "Example");
        assert!(mine["categories"].as_array().unwrap().is_empty());

        let unsub = [("ac", "unsubscribe"), ("s", new_stream.as_str())];
        assert_eq!(g.post("/reader/api/0/subscription/edit", &unsub).await.0, 200);
        assert_eq!(g.post("/reader/api/0/subscription/edit", &unsub).await.0, 404);
        // ac=subscribe with feed/<url>, into a label.
        let (status, _) = g
            .post(
                "/reader/api/0/subscription/edit",
                &[
                    ("ac", "subscribe"),
                    ("s", "feed/https://news.example.org/rss"),
                    ("a", "user/-/label/News"),
                    ("t", "The News"),
                ],
            )
            .await;
        assert_eq!(status, 200);
        let list = g.json("/reader/api/0/subscription/list").await;
        let news = list["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["url"] == "https://news.example.org/rss")
            .unwrap()
            .clone();
        assert_eq!(news["title"], "The News");
        assert_eq!(news["categories"][0]["label"], "News");
        for bad in [
            vec![("ac", "frobnicate"), ("s", s.as_str())],
            vec![("ac", "edit")],
            vec![("ac", "edit"), ("s", s.as_str()), ("a", "user/-/state/com.google/read")],
        ] {
            assert_eq!(g.post("/reader/api/0/subscription/edit", &bad).await.0, 400, "{bad:?}");
        }
        assert_eq!(
            g.post("/reader/api/0/subscription/edit", &[("ac", "edit"), ("s", "feed/9999")])
                .await
                .0,
            404
        );
    }

    #[tokio::test]
    async fn import_subscribes_to_each_outline() {
        let (g, _, _) = G::start(0).await;
        let opml = r#"<?xml version="1.0"?><opml version="2.0"><body>
            <outline text="World"><outline type="rss" text="W" xmlUrl="https://world.example/feed"/></outline>
            <outline type="rss" text="Bad" xmlUrl="gopher://old.example/"/>
            <outline type="rss" text="Plain" xmlUrl="https://plain.example/rss"/>
            </body></opml>"#;
        let post = |body: &'static str, t: String| {
            g.srv
                .client
                .post(g.srv.url(&format!("/reader/api/0/subscription/import?T={t}")))
                .header("Authorization", g.header())
                .header("Content-Type", "text/x-opml")
                .body(body)
                .send()
        };
        let r = post(opml, g.t.clone()).await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let list = g.json("/reader/api/0/subscription/list").await;
        let subs = list["subscriptions"].as_array().unwrap();
        // example.com's (the first account has every feed), and two of the three.
        assert_eq!(subs.len(), 3);
        let world = subs.iter().find(|x| x["url"] == "https://world.example/feed").unwrap();
        assert_eq!(world["categories"][0]["label"], "World");
        assert_eq!(world["title"], "W");
        assert_eq!(post("just text", g.t.clone()).await.unwrap().status().as_u16(), 400);
        assert_eq!(
            post("<opml><body/></opml>", g.t.clone())
                .await
                .unwrap()
                .status()
                .as_u16(),
            400
        );
        assert_eq!(post(opml, "wrong".into()).await.unwrap().status().as_u16(), 401);
    }

    #[tokio::test]
    async fn ids_page_newest_first_with_continuation_and_oldest_first() {
        let (g, feed, ids) = G::start(5).await;
        let s = format!("s=feed/{feed}");
        let mut newest_first: Vec<i64> = ids.clone();
        newest_first.reverse();
        let (page1, c1) = g.ids(&format!("{s}&n=2")).await;
        assert_eq!(page1, newest_first[..2]);
        let (page2, c2) = g.ids(&format!("{s}&n=2&c={}", c1.unwrap())).await;
        assert_eq!(page2, newest_first[2..4]);
        let (page3, c3) = g.ids(&format!("{s}&n=2&c={}", c2.unwrap())).await;
        assert_eq!(page3, newest_first[4..]);
        assert_eq!(c3, None);
        // Exactly n left: no continuation either.
        let (all, c) = g.ids(&format!("{s}&n=5")).await;
        assert_eq!((all, c), (newest_first.clone(), None));
        // Oldest first.
        let (asc1, c) = g.ids(&format!("{s}&n=3&r=o")).await;
        assert_eq!(asc1, ids[..3]);
        let (asc2, _) = g.ids(&format!("{s}&n=3&r=o&c={}", c.unwrap())).await;
        assert_eq!(asc2, ids[3..]);
        // The reading list, by default, and n's default of 20.
        let (reading, _) = g.ids("").await;
        assert_eq!(reading, newest_first);
        let (reading, _) = g.ids(&format!("s={}", enc(READING_LIST))).await;
        assert_eq!(reading, newest_first);
        // Out-of-range n is clamped.
        assert_eq!(g.ids(&format!("{s}&n=100000")).await.0.len(), 5);
        assert_eq!(g.ids(&format!("{s}&n=0")).await.0.len(), 1);
        // Timestamps go with the refs.
        let v = g.json(&format!("/reader/api/0/stream/items/ids?{s}")).await;
        assert!(
            v["itemRefs"][0]["timestampUsec"]
                .as_str()
                .unwrap()
                .bytes()
                .all(|b| b.is_ascii_digit())
        );
    }

    #[tokio::test]
    async fn ids_filter_by_state_and_time() {
        let (g, feed, ids) = G::start(4).await;
        let s = format!("s=feed/{feed}");
        let (i0, i1) = (ids[0].to_string(), ids[1].to_string());
        g.post("/reader/api/0/edit-tag", &[("i", &i0), ("a", READ)]).await;
        g.post("/reader/api/0/edit-tag", &[("i", &i1), ("a", STARRED)]).await;
        let (unread, _) = g.ids(&format!("{s}&xt={}", enc(READ))).await;
        assert_eq!(unread, vec![ids[3], ids[2], ids[1]]);
        let (read, _) = g.ids(&format!("{s}&it={}", enc(READ))).await;
        assert_eq!(read, vec![ids[0]]);
        let (starred, _) = g.ids(&format!("{s}&it={}", enc(STARRED))).await;
        assert_eq!(starred, vec![ids[1]]);
        assert_eq!(g.ids(&format!("s={}", enc(STARRED))).await.0, vec![ids[1]]);
        assert_eq!(g.ids(&format!("s={}", enc(READ))).await.0, vec![ids[0]]);
        let kept = "user/-/state/com.google/kept-unread";
        assert_eq!(g.ids(&format!("s={}", enc(kept))).await.0.len(), 3);
        // Contradictions give nothing.
        assert!(g.ids(&format!("s={}&xt={}", enc(READ), enc(READ))).await.0.is_empty());
        assert!(
            g.ids(&format!("{s}&it={}", enc("user/-/state/com.google/like")))
                .await
                .0
                .is_empty()
        );
        // Stored-time bounds, in seconds.
        let now = Utc::now().timestamp();
        assert!(g.ids(&format!("{s}&ot={}", now + 60)).await.0.is_empty());
        assert_eq!(g.ids(&format!("{s}&ot={}", now - 3600)).await.0.len(), 4);
        // Stored 4, 3, 2, 1 minutes ago: ot two and a half minutes ago keeps two.
        assert_eq!(g.ids(&format!("{s}&ot={}", now - 150)).await.0, vec![ids[3], ids[2]]);
        assert_eq!(g.ids(&format!("{s}&nt={}", now - 150)).await.0, vec![ids[1], ids[0]]);
        // The user id form of a stream.
        let user = g.json("/reader/api/0/user-info").await;
        let mine = format!("user/{}/state/com.google/starred", user["userId"].as_str().unwrap());
        assert_eq!(g.ids(&format!("s={}", enc(&mine))).await.0, vec![ids[1]]);
    }

    #[tokio::test]
    async fn contents_accept_long_short_and_hex_ids() {
        let (g, feed, ids) = G::start(3).await;
        let long = long_id(ids[0]);
        let hex = format!("{:016x}", ids[1]);
        let dec = ids[2].to_string();
        g.post("/reader/api/0/edit-tag", &[("i", &dec), ("a", STARRED), ("a", READ)])
            .await;
        let items = g.contents(&[&long, &hex, &dec, &dec, "999999"]).await;
        let got: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(got, vec![long.clone(), long_id(ids[1]), long_id(ids[2])]);
        let item = &items[2];
        assert_eq!(item["origin"]["streamId"], format!("feed/{feed}"));
        assert_eq!(item["origin"]["title"], "Example");
        assert_eq!(item["alternate"][0]["href"], "https://example.com/story-2");
        assert_eq!(item["alternate"][0]["type"], "text/html");
        assert_eq!(item["canonical"][0].as_object().unwrap().len(), 1);
        assert_eq!(item["author"], "A. Writer");
        assert_eq!(item["title"], "Example story 2");
        assert!(item["published"].as_i64().unwrap() > 0);
        assert!(
            item["crawlTimeMsec"]
                .as_str()
                .unwrap()
                .bytes()
                .all(|b| b.is_ascii_digit())
        );
        assert!(
            item["timestampUsec"]
                .as_str()
                .unwrap()
                .bytes()
                .all(|b| b.is_ascii_digit())
        );
        assert!(
            item["content"]["content"]
                .as_str()
                .unwrap()
                .contains("<p>Text of story 2")
        );
        assert!(item.get("enclosure").is_none());
        let cats: Vec<&str> = item["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(cats, vec![READING_LIST, READ, STARRED]);
        let cats0 = items[0]["categories"].as_array().unwrap();
        assert_eq!(cats0.len(), 1);

        // GET, with ids in the query.
        let v = g
            .json(&format!("/reader/api/0/stream/items/contents?i={}&i={dec}", enc(&long)))
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert!(v["self"][0].as_object().unwrap().keys().all(|k| k == "href"));

        // stream/contents, by path and by parameter, paged.
        let v = g
            .json(&format!("/reader/api/0/stream/contents/feed/{feed}?n=2&output=json"))
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert_eq!(v["id"], format!("feed/{feed}"));
        assert_eq!(v["title"], "Example");
        let c = v["continuation"].as_str().unwrap();
        let v = g
            .json(&format!("/reader/api/0/stream/contents/feed/{feed}?n=2&c={c}"))
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert!(v.get("continuation").is_none());
        let v = g
            .json(&format!("/reader/api/0/stream/contents/{}", enc(READING_LIST)))
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 3);
        let v = g
            .json(&format!(
                "/reader/api/0/stream/contents/{READING_LIST}?xt={}",
                enc(READ)
            ))
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        let v = g
            .json(&format!("/reader/api/0/stream/contents?s={}", enc(STARRED)))
            .await;
        assert_eq!(v["items"][0]["id"], long_id(ids[2]));
    }

    #[tokio::test]
    async fn edit_tag_marks_read_unread_and_starred() {
        let (g, feed, ids) = G::start(3).await;
        let stream = format!("feed/{feed}");
        let id = long_id(ids[1]);
        assert_eq!(g.unread_count(&stream).await, 3);
        assert_eq!(
            g.post("/reader/api/0/edit-tag", &[("i", &id), ("a", READ)]).await.0,
            200
        );
        assert_eq!(g.unread_ids().await, vec![ids[2], ids[0]]);
        assert_eq!(g.unread_count(&stream).await, 2);
        assert_eq!(
            g.post("/reader/api/0/edit-tag", &[("i", &id), ("r", READ)]).await.0,
            200
        );
        assert_eq!(g.unread_ids().await.len(), 3);
        assert_eq!(
            g.post("/reader/api/0/edit-tag", &[("i", &id), ("a", READ)]).await.0,
            200
        );
        let kept = "user/-/state/com.google/kept-unread";
        assert_eq!(
            g.post("/reader/api/0/edit-tag", &[("i", &id), ("a", kept)]).await.0,
            200
        );
        assert_eq!(g.unread_ids().await.len(), 3);
        // Several ids at once, starring.
        let (a, b) = (ids[0].to_string(), ids[2].to_string());
        let form = [("i", a.as_str()), ("i", b.as_str()), ("a", STARRED)];
        assert_eq!(g.post("/reader/api/0/edit-tag", &form).await.0, 200);
        assert_eq!(g.ids(&format!("s={}", enc(STARRED))).await.0, vec![ids[2], ids[0]]);
        assert_eq!(g.unread_ids().await.len(), 3);
        assert_eq!(
            g.post("/reader/api/0/edit-tag", &[("i", &a), ("r", STARRED)]).await.0,
            200
        );
        assert_eq!(g.ids(&format!("s={}", enc(STARRED))).await.0, vec![ids[2]]);
        // Other states are accepted and kept by no one.
        let like = "user/-/state/com.google/like";
        assert_eq!(g.post("/reader/api/0/edit-tag", &[("i", &a), ("a", like)]).await.0, 200);
        // Bad calls.
        for bad in [
            vec![("a", READ)],
            vec![("i", a.as_str())],
            vec![("i", "garbage"), ("a", READ)],
            vec![("i", "tag:google.com,2005:reader/item/xyz"), ("a", READ)],
            vec![("i", a.as_str()), ("a", READ), ("r", READ)],
            vec![("i", a.as_str()), ("a", "user/-/label/Foo")],
            vec![("i", a.as_str()), ("a", "nonsense")],
        ] {
            assert_eq!(g.post("/reader/api/0/edit-tag", &bad).await.0, 400, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn mark_all_as_read_respects_ts_and_unread_counts() {
        let srv = TestServer::start().await;
        let (feed_a, ids_a) = srv.feed_with_articles(FEED_URL, "Example", 3).await;
        let (feed_b, _) = srv.feed_with_articles("https://other.example/feed", "Other", 2).await;
        srv.user("reader", PW, false).await;
        let g = G::login(std::sync::Arc::new(srv), "reader").await;
        let (a, b) = (format!("feed/{feed_a}"), format!("feed/{feed_b}"));
        g.post(
            "/reader/api/0/subscription/edit",
            &[("ac", "edit"), ("s", &b), ("a", "user/-/label/Misc")],
        )
        .await;
        let v = g.json("/reader/api/0/unread-count?output=json").await;
        for row in v["unreadcounts"].as_array().unwrap() {
            assert!(
                row["newestItemTimestampUsec"]
                    .as_str()
                    .unwrap()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            );
        }
        assert_eq!(g.unread_count(&a).await, 3);
        assert_eq!(g.unread_count(&b).await, 2);
        assert_eq!(g.unread_count("user/-/label/Misc").await, 2);
        assert_eq!(g.unread_count(READING_LIST).await, 5);

        // ts before everything: nothing; in µs at the second-newest item's time: all but the newest.
        let old = ((Utc::now().timestamp() - 3600) * 1_000_000).to_string();
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", &a), ("ts", &old)])
                .await
                .0,
            200
        );
        assert_eq!(g.unread_count(&a).await, 3);
        let items = g.contents(&[&ids_a[1].to_string()]).await;
        let ts = items[0]["timestampUsec"].as_str().unwrap().to_string();
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", &a), ("ts", &ts)])
                .await
                .0,
            200
        );
        assert_eq!(g.unread_count(&a).await, 1);
        assert_eq!(g.unread_count(&b).await, 2);
        // A label, then everything.
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", "user/-/label/Misc")])
                .await
                .0,
            200
        );
        assert_eq!(g.unread_count(&b).await, 0);
        assert_eq!(g.unread_count(READING_LIST).await, 1);
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", READING_LIST)]).await.0,
            200
        );
        assert_eq!(g.unread_count(READING_LIST).await, 0);
        // Unknown streams: 404; malformed: 400.
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", "feed/9999")]).await.0,
            404
        );
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", "user/-/label/None")])
                .await
                .0,
            404
        );
        assert_eq!(g.post("/reader/api/0/mark-all-as-read", &[("s", "bogus")]).await.0, 400);
        assert_eq!(g.post("/reader/api/0/mark-all-as-read", &[]).await.0, 400);
        assert_eq!(
            g.post("/reader/api/0/mark-all-as-read", &[("s", &a), ("ts", "soon")])
                .await
                .0,
            400
        );
    }

    #[tokio::test]
    async fn label_streams_and_tag_rename_and_disable() {
        let srv = TestServer::start().await;
        let (feed_a, ids_a) = srv.feed_with_articles(FEED_URL, "Example", 2).await;
        let (_, ids_b) = srv.feed_with_articles("https://other.example/feed", "Other", 2).await;
        srv.user("reader", PW, false).await;
        let g = G::login(std::sync::Arc::new(srv), "reader").await;
        let a = format!("feed/{feed_a}");
        g.post(
            "/reader/api/0/subscription/edit",
            &[("ac", "edit"), ("s", &a), ("a", "user/-/label/Tech")],
        )
        .await;
        let tech = enc("user/-/label/Tech");
        assert_eq!(g.ids(&format!("s={tech}")).await.0, vec![ids_a[1], ids_a[0]]);
        let items = g.contents(&[&ids_a[0].to_string(), &ids_b[0].to_string()]).await;
        assert!(
            items[0]["categories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "user/-/label/Tech")
        );
        assert_eq!(items[1]["categories"].as_array().unwrap().len(), 1);

        let rename = [("s", "user/-/label/Tech"), ("dest", "user/-/label/Science")];
        assert_eq!(g.post("/reader/api/0/rename-tag?output=json", &rename).await.0, 200);
        assert_eq!(g.get(&format!("/reader/api/0/stream/items/ids?s={tech}")).await.0, 404);
        let science = enc("user/-/label/Science");
        assert_eq!(g.ids(&format!("s={science}")).await.0.len(), 2);
        assert_eq!(g.post("/reader/api/0/rename-tag", &rename).await.0, 404);
        g.post(
            "/reader/api/0/subscription/edit",
            &[
                ("ac", "edit"),
                ("s", &format!("feed/{}", feed_a + 1)),
                ("a", "user/-/label/Misc"),
            ],
        )
        .await;
        let clash = [("s", "user/-/label/Misc"), ("dest", "user/-/label/Science")];
        assert_eq!(g.post("/reader/api/0/rename-tag", &clash).await.0, 409);
        assert_eq!(
            g.post("/reader/api/0/rename-tag", &[("s", "user/-/label/Misc")])
                .await
                .0,
            400
        );

        assert_eq!(
            g.post("/reader/api/0/disable-tag", &[("s", "user/-/label/Science")])
                .await
                .0,
            200
        );
        assert_eq!(g.post("/reader/api/0/disable-tag", &[("t", "Misc")]).await.0, 200);
        assert_eq!(
            g.post("/reader/api/0/disable-tag", &[("s", "user/-/label/Science")])
                .await
                .0,
            404
        );
        let tags = g.json("/reader/api/0/tag/list").await;
        assert_eq!(tags["tags"].as_array().unwrap().len(), 1);
        // The feeds stay subscribed.
        let list = g.json("/reader/api/0/subscription/list").await;
        assert_eq!(list["subscriptions"].as_array().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn users_cannot_read_or_mark_each_others_items() {
        let (g, feed, ids) = G::start(2).await;
        g.srv.user("other", PW, false).await;
        let other = G::login(g.srv.clone(), "other").await;
        let s = format!("feed/{feed}");
        let all: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        assert!(other.contents(&all).await.is_empty());
        assert!(other.ids("").await.0.is_empty());
        assert_eq!(other.get(&format!("/reader/api/0/stream/items/ids?s={s}")).await.0, 404);
        assert_eq!(other.get(&format!("/reader/api/0/stream/contents/{s}")).await.0, 404);
        assert_eq!(other.post("/reader/api/0/mark-all-as-read", &[("s", &s)]).await.0, 404);
        let user = g.json("/reader/api/0/user-info").await;
        let theirs = format!("user/{}/state/com.google/read", user["userId"].as_str().unwrap());
        assert_eq!(
            other
                .get(&format!("/reader/api/0/stream/items/ids?s={}", enc(&theirs)))
                .await
                .0,
            400
        );
        // Their marks change nothing of mine, nor make them see my items.
        assert_eq!(
            other
                .post("/reader/api/0/edit-tag", &[("i", all[0]), ("a", STARRED)])
                .await
                .0,
            200
        );
        assert_eq!(
            other
                .post("/reader/api/0/edit-tag", &[("i", all[0]), ("a", READ)])
                .await
                .0,
            200
        );
        assert!(other.ids(&format!("s={}", enc(STARRED))).await.0.is_empty());
        assert!(g.ids(&format!("s={}", enc(STARRED))).await.0.is_empty());
        assert_eq!(g.unread_count(&s).await, 2);
        // My write token is not theirs.
        let form = [("i", all[0]), ("a", READ), ("T", g.t.as_str())];
        assert_eq!(other.post_raw("/reader/api/0/edit-tag", &form).await.0, 401);
    }

    #[tokio::test]
    async fn bad_streams_and_parameters_are_rejected() {
        let (g, feed, _) = G::start(2).await;
        for (query, status) in [
            ("s=bogus", 400),
            ("s=feed/", 400),
            ("s=feed/9999", 404),
            ("s=user/-/label/None", 404),
            ("s=user/-/state/com.google/bogus", 400),
            ("s=user/-/nothing", 400),
            ("s=user/-/label/", 400),
            ("n=abc", 400),
            ("c=xyz", 400),
            ("c=-3", 400),
            ("ot=yesterday", 400),
            ("ot=99999999999999999", 400),
            ("nt=-1", 400),
            ("xt=bogus", 400),
            (&format!("s=feed/{feed}&it=feed/{feed}") as &str, 400),
        ] {
            let (got, body) = g.get(&format!("/reader/api/0/stream/items/ids?{query}")).await;
            assert_eq!(got, status, "{query}: {body}");
        }
        assert_eq!(
            g.get("/reader/api/0/stream/contents/user/-/state/com.google/bogus")
                .await
                .0,
            400
        );
        assert_eq!(g.get("/reader/api/0/stream/contents/feed/77").await.0, 404);
        for ids in [vec!["garbage"], vec!["1", "0x10"], vec![""]] {
            let form: Vec<(&str, &str)> = ids.iter().map(|i| ("i", *i)).collect();
            assert_eq!(
                g.post("/reader/api/0/stream/items/contents", &form).await.0,
                400,
                "{ids:?}"
            );
        }
        assert_eq!(g.post("/reader/api/0/stream/items/contents", &[]).await.0, 400);
        let many: Vec<(&str, &str)> = std::iter::repeat_n(("i", "1"), MAX_CALL_IDS + 1).collect();
        assert_eq!(g.post("/reader/api/0/stream/items/contents", &many).await.0, 400);
        // A body that is no form is not read as one.
        let r = g
            .srv
            .client
            .post(g.srv.url("/reader/api/0/edit-tag"))
            .header("Authorization", g.header())
            .header("Content-Type", "application/json")
            .body("{\"i\":1}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
    }
}
