//! A reader's own pages: logging in and out, their reading list and starred
//! articles, their subscriptions and categories, and their settings
//! (password, API tokens, saved searches, filter rules).
//!
//! Every form posts its session's CSRF token, checked before anything
//! changes; the login form, before there is a session, carries a token that
//! must match its own cookie. Every redirect target a form names is a path
//! on this site.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tracewire_model::{RuleAction, RuleField, User};
use tracewire_store::{ItemQuery, Marks, Scope};

use crate::auth::{self, ClientAddr, LoginError, MaybeSession, Session};
use crate::pages::{date, render, server_error};
use crate::{AppState, subscribe};

/// Items per page of the reading list.
const READING_PAGE: i64 = 30;

/// A page only a logged-in reader sees: where to send a visitor who is not.
fn to_login(next: &str) -> Response {
    let next = safe_next(Some(next));
    Redirect::to(&format!("/login?next={}", crate::path_segment(&next))).into_response()
}

/// A redirect target from a form or query: a path on this site, else `/`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn forbidden(site_title: &str, message: &str) -> Response {
    crate::pages::error_page(site_title, StatusCode::FORBIDDEN, "Not allowed", message)
}

/// A form that carries the session's CSRF token.
pub(crate) trait WithCsrf {
    fn csrf(&self) -> &str;
}

macro_rules! with_csrf {
    ($($form:ty),*) => {
        $(impl WithCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })*
    };
}

with_csrf!(
    CsrfForm,
    MarkForm,
    MarkAllForm,
    AddForm,
    EditForm,
    CategoryForm,
    SettingsForm
);

/// A form posted by a logged-in reader with their session's CSRF token (an
/// extractor). Anyone else is sent to log in; a form without the right
/// token changes nothing and gets 403.
pub(crate) struct Checked<T>(pub Session, pub T);

/// Where a reader who posted without a session goes back to after logging in.
fn page_of(path: &str) -> &'static str {
    match path.split('/').nth(1).unwrap_or_default() {
        "subscriptions" | "categories" => "/subscriptions",
        "settings" => "/settings",
        "items" | "reading" => "/reading",
        _ => "/",
    }
}

impl<T> axum::extract::FromRequest<AppState> for Checked<T>
where
    T: serde::de::DeserializeOwned + WithCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = request.into_parts();
        let Ok(MaybeSession(session)) = MaybeSession::from_request_parts(&mut parts, state).await;
        let back = page_of(parts.uri.path());
        let Some(session) = session else {
            return Err(to_login(back));
        };
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| {
                crate::pages::error_page(
                    &state.config.site_title,
                    StatusCode::BAD_REQUEST,
                    "Bad form",
                    &e.body_text(),
                )
            })?;
        if !auth::same_secret(&session.csrf, form.csrf()) {
            return Err(forbidden(
                &state.config.site_title,
                "The form had expired; go back and try again.",
            ));
        }
        Ok(Checked(session, form))
    }
}

/// Who the page is rendered for, as the page header shows it.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub name: String,
    /// For the header's log-out form.
    pub csrf: String,
}

tokio::task_local! {
    /// The viewer of the request being answered (set by
    /// [`require_login_unless_public`] around every handler), so that the
    /// shared page header knows it without every page passing it along.
    static VIEWER: Option<Viewer>;
}

/// The logged-in reader the current page is for (templates call this).
pub(crate) fn viewer() -> Option<Viewer> {
    VIEWER.try_with(Clone::clone).ok().flatten()
}

/// Anonymous visitors may read only what is public: when `[web] public` is
/// off, every page but logging in (and the reader APIs, which check their
/// own credentials) sends them to the login page, and the JSON API answers
/// 401. Every handler runs knowing its [`viewer`].
pub(crate) async fn require_login_unless_public(
    State(state): State<AppState>,
    session: MaybeSession,
    request: Request,
    next: Next,
) -> Response {
    let viewer = session.0.as_ref().map(|s| Viewer {
        name: s.user.name.clone(),
        csrf: s.csrf.clone(),
    });
    if state.config.public || session.0.is_some() {
        return VIEWER.scope(viewer, next.run(request)).await;
    }
    let path = request.uri().path();
    let open = path == "/login"
        || path == "/healthz"
        || path == "/metrics"
        || path.starts_with("/websub/")
        || path.starts_with("/reader/api/")
        || path.starts_with("/accounts/ClientLogin")
        || path.starts_with("/fever")
        || path.starts_with("/api/fever.php")
        || path.starts_with("/static/");
    if open || path.starts_with("/api/") {
        // (A token may still open the API.)
        return VIEWER.scope(None, next.run(request)).await;
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    to_login(&target)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    site_title: String,
    csrf: String,
    next: String,
    name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

fn login_page(state: &AppState, next: &str, name: &str, error: Option<String>, status: StatusCode) -> Response {
    let csrf = match auth::new_secret() {
        Ok(c) => c,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let mut response = render(
        &LoginPage {
            site_title: state.config.site_title.clone(),
            csrf: csrf.clone(),
            next: safe_next(Some(next)),
            name: name.to_string(),
            error,
        },
        status,
    );
    let cookie = auth::set_cookie(
        auth::LOGIN_CSRF_COOKIE,
        &csrf,
        Some(std::time::Duration::from_secs(3600)),
        state.config.secure_cookies(),
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    session: MaybeSession,
    Query(q): Query<LoginQuery>,
) -> Response {
    // Logging in on its own leads to the reading list.
    let next = safe_next(Some(q.next.as_deref().unwrap_or("/reading")));
    if session.0.is_some() {
        return Redirect::to(&next).into_response();
    }
    login_page(&state, &next, "", None, StatusCode::OK)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let cookie_token = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or_default();
    if form.csrf.is_empty() || !auth::same_secret(cookie_token, &form.csrf) {
        let message = "The login form had expired (or cookies are off). Please try again.".to_string();
        return login_page(&state, &next, &form.name, Some(message), StatusCode::FORBIDDEN);
    }
    let name = form.name.trim();
    let user = match auth::check_password(&state, &client, name, &form.password).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let message = "That name and password do not match an account.".to_string();
            return login_page(&state, &next, name, Some(message), StatusCode::UNAUTHORIZED);
        }
        Err(e @ LoginError::Throttled(_)) => {
            return login_page(&state, &next, name, Some(e.to_string()), StatusCode::TOO_MANY_REQUESTS);
        }
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let (secret, _) = match auth::start_session(&state, &user).await {
        Ok(s) => s,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let secure = state.config.secure_cookies();
    let mut response = Redirect::to(&next).into_response();
    let max_age = std::time::Duration::from_secs(u64::try_from(auth::SESSION_DAYS).unwrap_or(30) * 86_400);
    for cookie in [
        auth::set_cookie(auth::SESSION_COOKIE, &secret, Some(max_age), secure),
        auth::set_cookie(auth::LOGIN_CSRF_COOKIE, "", None, secure),
    ] {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn logout(State(state): State<AppState>, Checked(session, _): Checked<CsrfForm>) -> Response {
    if let Err(e) = state
        .store
        .remove_session(&session.token_hash, chrono::Utc::now())
        .await
    {
        return server_error(&state.config.site_title, e);
    }
    let mut response = Redirect::to("/").into_response();
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, "", None, state.config.secure_cookies());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

struct ItemView {
    id: i64,
    title: String,
    site: String,
    feed_title: String,
    date: String,
    excerpt: String,
    read: bool,
    starred: bool,
}

struct FeedLink {
    id: i64,
    title: String,
    unread: i64,
    current: bool,
}

struct CategoryLink {
    id: i64,
    name: String,
    unread: i64,
    current: bool,
}

#[derive(Template)]
#[template(path = "reading.html")]
struct ReadingPage {
    site_title: String,
    user: String,
    csrf: String,
    heading: String,
    /// This page's address (forms come back to it).
    here: String,
    items: Vec<ItemView>,
    feeds: Vec<FeedLink>,
    categories: Vec<CategoryLink>,
    unread_total: i64,
    show_all: bool,
    /// The query string selecting this list, without paging.
    filter: String,
    older: Option<i64>,
    starred_view: bool,
    scope_feed: Option<i64>,
    scope_category: Option<i64>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ReadingQuery {
    feed: Option<i64>,
    category: Option<i64>,
    /// "all" shows read articles too.
    show: Option<String>,
    before: Option<i64>,
}

pub(crate) async fn reading(
    State(state): State<AppState>,
    session: MaybeSession,
    Query(q): Query<ReadingQuery>,
) -> Response {
    reading_list(state, session, q, false).await
}

pub(crate) async fn starred(
    State(state): State<AppState>,
    session: MaybeSession,
    Query(q): Query<ReadingQuery>,
) -> Response {
    reading_list(state, session, q, true).await
}

async fn reading_list(state: AppState, session: MaybeSession, q: ReadingQuery, starred_view: bool) -> Response {
    let base = if starred_view { "/starred" } else { "/reading" };
    let Some(session) = session.0 else {
        return to_login(base);
    };
    let title = &state.config.site_title;
    let user = session.user.id;
    let subscriptions = match state.store.subscriptions(user).await {
        Ok(s) => s,
        Err(e) => return server_error(title, e),
    };
    let unread = match state.store.unread_counts(user).await {
        Ok(c) => c.into_iter().map(|c| (c.feed, c.unread)).collect::<HashMap<_, _>>(),
        Err(e) => return server_error(title, e),
    };
    let scope = match (q.feed, q.category) {
        (Some(f), _) => Scope::Feed(f),
        (None, Some(c)) => Scope::Category(c),
        _ => Scope::All,
    };
    let show_all = starred_view || q.show.as_deref() == Some("all");
    let query = ItemQuery {
        user,
        scope,
        read: (!show_all).then_some(false),
        starred: starred_view.then_some(true),
        before_id: q.before,
        limit: READING_PAGE + 1,
        ..Default::default()
    };
    let mut items = match state.store.items(&query).await {
        Ok(items) => items,
        Err(e) => return server_error(title, e),
    };
    let older = if items.len() as i64 > READING_PAGE {
        items.truncate(READING_PAGE as usize);
        items.last().map(|i| i.article.id)
    } else {
        None
    };
    let titles: HashMap<i64, String> = subscriptions
        .iter()
        .map(|s| (s.feed.id, s.display_title().to_string()))
        .collect();
    let mut categories: Vec<CategoryLink> = Vec::new();
    for s in &subscriptions {
        if let Some(c) = &s.category {
            let n = unread.get(&s.feed.id).copied().unwrap_or(0);
            match categories.iter_mut().find(|x| x.id == c.id) {
                Some(x) => x.unread += n,
                None => categories.push(CategoryLink {
                    id: c.id,
                    name: c.name.clone(),
                    unread: n,
                    current: q.category == Some(c.id),
                }),
            }
        }
    }
    categories.sort_by_key(|c| c.name.to_lowercase());
    let feeds = subscriptions
        .iter()
        .map(|s| FeedLink {
            id: s.feed.id,
            title: s.display_title().to_string(),
            unread: unread.get(&s.feed.id).copied().unwrap_or(0),
            current: q.feed == Some(s.feed.id),
        })
        .collect();
    let heading = match scope {
        Scope::Feed(f) => titles.get(&f).cloned().unwrap_or_else(|| "Feed".to_string()),
        Scope::Category(c) => categories
            .iter()
            .find(|x| x.id == c)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| "Category".to_string()),
        Scope::All if starred_view => "Starred".to_string(),
        Scope::All => "All subscriptions".to_string(),
    };
    let mut filter = Vec::new();
    if let Some(f) = q.feed {
        filter.push(format!("feed={f}"));
    } else if let Some(c) = q.category {
        filter.push(format!("category={c}"));
    }
    if show_all && !starred_view {
        filter.push("show=all".to_string());
    }
    let filter = filter.join("&");
    let here = match (filter.is_empty(), q.before) {
        (true, None) => base.to_string(),
        (true, Some(b)) => format!("{base}?before={b}"),
        (false, None) => format!("{base}?{filter}"),
        (false, Some(b)) => format!("{base}?{filter}&before={b}"),
    };
    let items = items
        .into_iter()
        .map(|i| ItemView {
            id: i.article.id,
            feed_title: titles.get(&i.article.feed_id).cloned().unwrap_or_default(),
            site: i.article.site_name.clone().unwrap_or_else(|| i.article.site.clone()),
            date: date(Some(i.article.published.unwrap_or(i.fetched_at))),
            excerpt: i.article.excerpt.chars().take(280).collect(),
            title: i.article.title,
            read: i.read,
            starred: i.starred,
        })
        .collect();
    render(
        &ReadingPage {
            site_title: title.clone(),
            user: session.user.name.clone(),
            csrf: session.csrf.clone(),
            heading,
            here,
            items,
            feeds,
            categories,
            unread_total: unread.values().sum(),
            show_all,
            filter,
            older,
            starred_view,
            scope_feed: q.feed,
            scope_category: if q.feed.is_none() { q.category } else { None },
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub(crate) struct MarkForm {
    #[serde(default)]
    csrf: String,
    action: String,
    back: Option<String>,
}

/// `POST /items/{id}/mark`: read, unread, star, unstar. Answers a script's
/// `fetch` (Accept: application/json) with the new state, a form with a
/// redirect back.
pub(crate) async fn mark_item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Checked(session, form): Checked<MarkForm>,
) -> Response {
    let marks = match form.action.as_str() {
        "read" => Marks {
            read: Some(true),
            starred: None,
        },
        "unread" => Marks {
            read: Some(false),
            starred: None,
        },
        "star" => Marks {
            read: None,
            starred: Some(true),
        },
        "unstar" => Marks {
            read: None,
            starred: Some(false),
        },
        _ => {
            return crate::pages::error_page(
                &state.config.site_title,
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "An article can be marked read, unread, star or unstar.",
            );
        }
    };
    if let Err(e) = state.store.mark(session.user.id, &[id], marks).await {
        return server_error(&state.config.site_title, e);
    }
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let query = ItemQuery {
            user: session.user.id,
            ids: Some(vec![id]),
            limit: 1,
            ..Default::default()
        };
        return match state.store.items(&query).await {
            Ok(items) => match items.first() {
                Some(i) => axum::Json(serde_json::json!({"id": id, "read": i.read, "starred": i.starred}))
                    .into_response(),
                None => (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"error": {"code": "not_found", "message": "no such article in your reading list"}}))).into_response(),
            },
            Err(e) => server_error(&state.config.site_title, e),
        };
    }
    Redirect::to(&safe_next(form.back.as_deref())).into_response()
}

#[derive(Deserialize)]
pub(crate) struct MarkAllForm {
    #[serde(default)]
    csrf: String,
    feed: Option<i64>,
    category: Option<i64>,
    back: Option<String>,
}

pub(crate) async fn mark_all(State(state): State<AppState>, Checked(session, form): Checked<MarkAllForm>) -> Response {
    let scope = match (form.feed, form.category) {
        (Some(f), _) => Scope::Feed(f),
        (None, Some(c)) => Scope::Category(c),
        _ => Scope::All,
    };
    if let Err(e) = state
        .store
        .mark_all_read(session.user.id, scope, Some(chrono::Utc::now()))
        .await
    {
        return server_error(&state.config.site_title, e);
    }
    Redirect::to(&safe_next(form.back.as_deref())).into_response()
}

struct SubscriptionView {
    feed_id: i64,
    title: String,
    custom_title: String,
    url: String,
    site_url: Option<String>,
    category: String,
    status: &'static str,
    ok: bool,
    last_error: Option<String>,
    last_fetched: String,
    unread: i64,
}

#[derive(Template)]
#[template(path = "subscriptions.html")]
struct SubscriptionsPage {
    site_title: String,
    csrf: String,
    subscriptions: Vec<SubscriptionView>,
    categories: Vec<tracewire_model::Category>,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct MessageQuery {
    added: Option<i64>,
    error: Option<String>,
}

pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    session: MaybeSession,
    Query(q): Query<MessageQuery>,
) -> Response {
    let Some(session) = session.0 else {
        return to_login("/subscriptions");
    };
    subscriptions_page(&state, &session, q, StatusCode::OK).await
}

async fn subscriptions_page(state: &AppState, session: &Session, q: MessageQuery, status: StatusCode) -> Response {
    let title = &state.config.site_title;
    let user = session.user.id;
    let (subs, categories, unread) = match (
        state.store.subscriptions(user).await,
        state.store.categories(user).await,
        state.store.unread_counts(user).await,
    ) {
        (Ok(s), Ok(c), Ok(u)) => (s, c, u),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return server_error(title, e),
    };
    let unread: HashMap<i64, i64> = unread.into_iter().map(|c| (c.feed, c.unread)).collect();
    let message = q.added.and_then(|id| {
        subs.iter().find(|s| s.feed.id == id).map(|s| {
            format!(
                "Subscribed to {}. Its articles appear after the next crawl of the feed.",
                s.display_title()
            )
        })
    });
    let subscriptions = subs
        .into_iter()
        .map(|s| SubscriptionView {
            feed_id: s.feed.id,
            title: s.display_title().to_string(),
            custom_title: s.title.clone().unwrap_or_default(),
            category: s.category.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            status: s.feed.status.as_str(),
            ok: !matches!(
                s.feed.status,
                tracewire_model::FeedStatus::Error | tracewire_model::FeedStatus::Stopped
            ),
            last_error: s.feed.last_error.clone(),
            last_fetched: date(s.feed.last_fetched),
            unread: unread.get(&s.feed.id).copied().unwrap_or(0),
            url: s.feed.url,
            site_url: s.feed.site_url,
        })
        .collect();
    render(
        &SubscriptionsPage {
            site_title: title.clone(),
            csrf: session.csrf.clone(),
            subscriptions,
            categories,
            message,
            error: q.error,
        },
        status,
    )
}

#[derive(Deserialize)]
pub(crate) struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    category: String,
}

async fn category_id(state: &AppState, user: &User, name: &str) -> Result<Option<i64>, tracewire_store::StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    state.store.category_named(user.id, name, true).await
}

pub(crate) async fn add_subscription(
    State(state): State<AppState>,
    Checked(session, form): Checked<AddForm>,
) -> Response {
    let category = match category_id(&state, &session.user, &form.category).await {
        Ok(c) => c,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    match subscribe::subscribe_url(&state, session.user.id, &form.url, None, category).await {
        Ok(feed) => Redirect::to(&format!("/subscriptions?added={}", feed.id)).into_response(),
        Err(subscribe::SubscribeError::Store(e)) => server_error(&state.config.site_title, e),
        Err(e) => {
            let q = MessageQuery {
                added: None,
                error: Some(e.to_string()),
            };
            subscriptions_page(&state, &session, q, StatusCode::BAD_REQUEST).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
}

pub(crate) async fn edit_subscription(
    State(state): State<AppState>,
    Path(feed): Path<i64>,
    Checked(session, form): Checked<EditForm>,
) -> Response {
    let subscribed = match state.store.subscriptions(session.user.id).await {
        Ok(s) => s.iter().any(|s| s.feed.id == feed),
        Err(e) => return server_error(&state.config.site_title, e),
    };
    if !subscribed {
        return forbidden(&state.config.site_title, "You are not subscribed to that feed.");
    }
    let category = match category_id(&state, &session.user, &form.category).await {
        Ok(c) => c,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let title = Some(form.title.trim()).filter(|t| !t.is_empty());
    if let Err(e) = state.store.subscribe(session.user.id, feed, title, category).await {
        return server_error(&state.config.site_title, e);
    }
    Redirect::to("/subscriptions").into_response()
}

pub(crate) async fn remove_subscription(
    State(state): State<AppState>,
    Path(feed): Path<i64>,
    Checked(session, _): Checked<CsrfForm>,
) -> Response {
    if let Err(e) = state.store.unsubscribe(session.user.id, feed).await {
        return server_error(&state.config.site_title, e);
    }
    Redirect::to("/subscriptions").into_response()
}

#[derive(Deserialize)]
pub(crate) struct CategoryForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    name: String,
}

/// `POST /categories/{id}`: rename or remove one of the reader's categories.
pub(crate) async fn edit_category(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Checked(session, form): Checked<CategoryForm>,
) -> Response {
    let user = session.user.id;
    let done = match form.action.as_str() {
        "rename" if !form.name.trim().is_empty() => state.store.rename_category(user, id, form.name.trim()).await,
        "remove" => state.store.remove_category(user, id).await,
        _ => Ok(false),
    };
    match done {
        Ok(true) => Redirect::to("/subscriptions").into_response(),
        Ok(false) => {
            let q = MessageQuery {
                added: None,
                error: Some("No such category of yours, or another one already has that name.".to_string()),
            };
            subscriptions_page(&state, &session, q, StatusCode::BAD_REQUEST).await
        }
        Err(e) => server_error(&state.config.site_title, e),
    }
}

struct TokenView {
    id: i64,
    kind: String,
    name: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    site_title: String,
    user: String,
    is_admin: bool,
    csrf: String,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    searches: Vec<tracewire_model::SavedSearch>,
    rules: Vec<tracewire_model::FilterRule>,
    fever_user: String,
    /// This server's address, for the apps.
    server: String,
    message: Option<String>,
    error: Option<String>,
}

async fn settings_page(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    new_token: Option<String>,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let title = &state.config.site_title;
    let user = session.user.id;
    let (tokens, searches, rules) = match (
        state.store.tokens(user).await,
        state.store.saved_searches(user).await,
        state.store.rules(user).await,
    ) {
        (Ok(t), Ok(s), Ok(r)) => (t, s, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return server_error(title, e),
    };
    render(
        &SettingsPage {
            site_title: title.clone(),
            user: session.user.name.clone(),
            is_admin: session.user.is_admin,
            csrf: session.csrf.clone(),
            tokens: tokens
                .into_iter()
                .map(|t| TokenView {
                    id: t.id,
                    kind: if t.kind == "greader" {
                        "Google Reader app".to_string()
                    } else {
                        "API".to_string()
                    },
                    name: t.name,
                    created: date(Some(t.created_at)),
                    last_used: date(t.last_used_at),
                })
                .collect(),
            new_token,
            searches,
            rules,
            fever_user: session.user.name.clone(),
            server: crate::base_url(&state.config, headers),
            message,
            error,
        },
        status,
    )
}

pub(crate) async fn settings(State(state): State<AppState>, session: MaybeSession, headers: HeaderMap) -> Response {
    let Some(session) = session.0 else {
        return to_login("/settings");
    };
    settings_page(&state, &headers, &session, None, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    csrf: String,
    /// What to do: password, token, search, rule, or remove-token,
    /// remove-search, remove-rule (with `id`).
    action: String,
    id: Option<i64>,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    rule_action: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    pattern: String,
    back: Option<String>,
}

pub(crate) async fn settings_post(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Checked(session, form): Checked<SettingsForm>,
) -> Response {
    let title = state.config.site_title.clone();
    let user = session.user.id;
    let store = &state.store;
    let bad = |message: String| (Some(message), StatusCode::BAD_REQUEST);
    let (error, status): (Option<String>, StatusCode) = match form.action.as_str() {
        "password" => {
            match auth::check_password(&state, &client, &session.user.name, &form.current).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return settings_page(
                        &state,
                        &headers,
                        &session,
                        None,
                        None,
                        Some("The current password is not right.".into()),
                        StatusCode::BAD_REQUEST,
                    )
                    .await;
                }
                Err(e) => {
                    return settings_page(
                        &state,
                        &headers,
                        &session,
                        None,
                        None,
                        Some(e.to_string()),
                        StatusCode::TOO_MANY_REQUESTS,
                    )
                    .await;
                }
            }
            if form.password != form.again {
                bad("The two new passwords differ.".into())
            } else if form.password.chars().count() < auth::MIN_PASSWORD_CHARS {
                bad(format!("Use at least {} characters.", auth::MIN_PASSWORD_CHARS))
            } else {
                let hash = match auth::hash_password(&form.password) {
                    Ok(h) => h,
                    Err(e) => return server_error(&title, e),
                };
                let fever = auth::fever_key(&session.user.name, &form.password);
                if let Err(e) = store.set_password(user, &hash, Some(&fever)).await {
                    return server_error(&title, e);
                }
                // Every session ended: this one starts again.
                return Redirect::to("/login?next=/settings").into_response();
            }
        }
        "token" => {
            let label = Some(form.name.trim()).filter(|n| !n.is_empty()).unwrap_or("API token");
            let secret = match auth::new_secret() {
                Ok(s) => s,
                Err(e) => return server_error(&title, e),
            };
            if let Err(e) = store.add_token(user, "api", label, &auth::secret_hash(&secret)).await {
                return server_error(&title, e);
            }
            return settings_page(&state, &headers, &session, Some(secret), None, None, StatusCode::OK).await;
        }
        "remove-token" => {
            if let Err(e) = store.remove_token(user, form.id.unwrap_or(0)).await {
                return server_error(&title, e);
            }
            (None, StatusCode::OK)
        }
        "search" => {
            let (name, query) = (form.name.trim(), form.query.trim());
            if name.is_empty() || query.is_empty() {
                bad("A saved search needs a name and a query.".into())
            } else {
                if let Err(e) = store.save_search(user, name, query).await {
                    return server_error(&title, e);
                }
                if let Some(back) = form.back.as_deref() {
                    return Redirect::to(&safe_next(Some(back))).into_response();
                }
                (None, StatusCode::OK)
            }
        }
        "remove-search" => {
            if let Err(e) = store.remove_saved_search(user, form.id.unwrap_or(0)).await {
                return server_error(&title, e);
            }
            (None, StatusCode::OK)
        }
        "rule" => match (
            RuleAction::parse(&form.rule_action),
            RuleField::parse(&form.field),
            tracewire_model::compile_rule_pattern(&form.pattern),
        ) {
            (Some(action), Some(field), Ok(_)) => {
                if let Err(e) = store.add_rule(user, action, field, form.pattern.trim()).await {
                    return server_error(&title, e);
                }
                (None, StatusCode::OK)
            }
            (_, _, Err(e)) => bad(e),
            _ => bad("Choose keep or block, and a field.".into()),
        },
        "remove-rule" => {
            if let Err(e) = store.remove_rule(user, form.id.unwrap_or(0)).await {
                return server_error(&title, e);
            }
            (None, StatusCode::OK)
        }
        _ => bad("Unknown settings action.".into()),
    };
    if error.is_none() {
        return Redirect::to("/settings").into_response();
    }
    settings_page(&state, &headers, &session, None, None, error, status).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use reqwest::StatusCode;

    use crate::testing::TestServer;

    /// The value of the first `name="csrf"` field of a page.
    fn csrf_of(page: &str) -> String {
        let at = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
        page[at..].split('"').next().unwrap().to_string()
    }

    fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap().to_string())
    }

    /// Logs in through the form; returns the session cookie and its CSRF token.
    async fn log_in(server: &TestServer, name: &str, password: &str) -> (String, String) {
        let form = server.client.get(server.url("/login")).send().await.unwrap();
        let login_cookie = cookie_of(&form, "tw_login").unwrap();
        let csrf = csrf_of(&form.text().await.unwrap());
        let done = server
            .client
            .post(server.url("/login"))
            .header("cookie", &login_cookie)
            .form(&[
                ("name", name),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/reading"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert_eq!(done.headers()["location"], "/reading");
        let session = cookie_of(&done, "tw_session").unwrap();
        let page = server
            .client
            .get(server.url("/reading"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (session, csrf_of(&page))
    }

    #[tokio::test]
    async fn logging_in_checks_the_form_token_and_the_password() {
        let server = TestServer::start().await;
        server.user("alice", "alice-password", true).await;
        let form = server
            .client
            .get(server.url("/login?next=/settings"))
            .send()
            .await
            .unwrap();
        let set = form.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
        let login_cookie = cookie_of(&form, "tw_login").unwrap();
        let csrf = csrf_of(&form.text().await.unwrap());
        let post = |fields: Vec<(&'static str, String)>, cookie: Option<String>| {
            let mut r = server.client.post(server.url("/login")).form(&fields);
            if let Some(c) = cookie {
                r = r.header("cookie", c);
            }
            r.send()
        };
        let fields = |pw: &str, token: &str| {
            vec![
                ("name", "alice".to_string()),
                ("password", pw.to_string()),
                ("csrf", token.to_string()),
                ("next", "https://evil.example/".to_string()),
            ]
        };
        // No cookie, or a token that is not the cookie's: refused.
        let r = post(fields("alice-password", &csrf), None).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post(fields("alice-password", "forged"), Some(login_cookie.clone()))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post(fields("wrong-password", &csrf), Some(login_cookie.clone()))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.unwrap().contains("do not match"));
        // Right: a session, and a redirect that stays on this site.
        let r = post(fields("alice-password", &csrf), Some(login_cookie.clone()))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/");
        let session = cookie_of(&r, "tw_session").unwrap();
        let settings = server
            .client
            .get(server.url("/settings"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(settings.status(), StatusCode::OK);
        let page = settings.text().await.unwrap();
        assert!(page.contains("Signed in as <strong>alice</strong>"));
        // Every page's header knows who is reading, and offers to log out.
        assert!(
            page.contains("title=\"Settings\">alice</a>") && page.contains(">Log out</button>"),
            "{page}"
        );
        let anonymous = server
            .client
            .get(server.url("/latest"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(anonymous.contains("<a href=\"/login\">Log in</a>") && !anonymous.contains("Log out"));
        // Logging out ends the session (the form needs the session's token).
        let csrf = csrf_of(&page);
        let r = server
            .client
            .post(server.url("/logout"))
            .header("cookie", &session)
            .form(&[("csrf", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        server
            .client
            .post(server.url("/logout"))
            .header("cookie", &session)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        let r = server
            .client
            .get(server.url("/settings"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/login?next=%2Fsettings");
    }

    #[tokio::test]
    async fn failed_logins_are_throttled() {
        let server = TestServer::start().await;
        server.user("bob", "bob-password", false).await;
        let form = server.client.get(server.url("/login")).send().await.unwrap();
        let cookie = cookie_of(&form, "tw_login").unwrap();
        let csrf = csrf_of(&form.text().await.unwrap());
        let attempt = |pw: &'static str| {
            server
                .client
                .post(server.url("/login"))
                .header("cookie", &cookie)
                .form(&[("name", "bob"), ("password", pw), ("csrf", csrf.as_str())])
                .send()
        };
        for _ in 0..crate::auth::THROTTLE_ATTEMPTS {
            assert_eq!(attempt("guess").await.unwrap().status(), StatusCode::UNAUTHORIZED);
        }
        // Now even the right password waits.
        let r = attempt("bob-password").await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text().await.unwrap().contains("too many failed logins"));
    }

    #[tokio::test]
    async fn a_reader_reads_stars_and_manages_subscriptions() {
        let server = TestServer::start().await;
        let (feed, ids) = server.feed_with_articles("https://one.example/feed", "One", 3).await;
        // The first account reads the feeds already there; carol is the second.
        server.user("admin", "admin-password", true).await;
        server.user("carol", "carol-password", false).await;
        let (session, csrf) = log_in(&server, "carol", "carol-password").await;
        let get = |path: &str| server.client.get(server.url(path)).header("cookie", &session).send();
        let post = |path: &str, fields: Vec<(&str, String)>| {
            server
                .client
                .post(server.url(path))
                .header("cookie", &session)
                .form(&fields)
                .send()
        };
        let page = get("/reading").await.unwrap().text().await.unwrap();
        assert!(page.contains("All read") && !page.contains("One story"), "{page}");
        let r = post(
            "/subscriptions",
            vec![
                ("csrf", csrf.clone()),
                ("url", "https://one.example/feed".into()),
                ("category", "News".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.headers()["location"], format!("/subscriptions?added={feed}").as_str());
        let page = get(&format!("/subscriptions?added={feed}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Subscribed to One.") && page.contains("News"), "{page}");
        let bad = post(
            "/subscriptions",
            vec![("csrf", csrf.clone()), ("url", "ftp://x.example/".into())],
        )
        .await
        .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert!(bad.text().await.unwrap().contains("only http and https"));
        // A forged form changes nothing.
        let forged = post(
            "/subscriptions",
            vec![("csrf", "x".into()), ("url", "https://two.example/feed".into())],
        )
        .await
        .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert!(
            server
                .store
                .feed_by_url("https://two.example/feed")
                .await
                .unwrap()
                .is_none()
        );

        let page = get("/reading").await.unwrap().text().await.unwrap();
        for i in 0..3 {
            assert!(page.contains(&format!("One story {i}")), "{page}");
        }
        // Mark read with the form, star through the script's JSON call.
        let r = post(
            &format!("/items/{}/mark", ids[0]),
            vec![
                ("csrf", csrf.clone()),
                ("action", "read".into()),
                ("back", "/reading".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.headers()["location"], "/reading");
        let r = server
            .client
            .post(server.url(&format!("/items/{}/mark", ids[1])))
            .header("cookie", &session)
            .header("accept", "application/json")
            .form(&[("csrf", csrf.as_str()), ("action", "star")])
            .send()
            .await
            .unwrap();
        let state: serde_json::Value = r.json().await.unwrap();
        assert_eq!(state, serde_json::json!({"id": ids[1], "read": false, "starred": true}));
        let page = get("/reading").await.unwrap().text().await.unwrap();
        assert!(!page.contains("One story 0") && page.contains("One story 1"));
        let page = get("/starred").await.unwrap().text().await.unwrap();
        assert!(page.contains("One story 1") && !page.contains("One story 2"));
        // Opening an article reads it and offers its star.
        let page = get(&format!("/articles/{}", ids[2]))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("☆ Star"), "{page}");
        let page = get("/reading").await.unwrap().text().await.unwrap();
        assert!(!page.contains("One story 2"));
        // Mark all read, then the category and title of the subscription.
        post(
            "/reading/mark-all-read",
            vec![("csrf", csrf.clone()), ("feed", feed.to_string())],
        )
        .await
        .unwrap();
        let page = get("/reading").await.unwrap().text().await.unwrap();
        assert!(page.contains("All read"), "{page}");
        post(
            &format!("/subscriptions/{feed}/edit"),
            vec![
                ("csrf", csrf.clone()),
                ("title", "Mine".into()),
                ("category", "World".into()),
            ],
        )
        .await
        .unwrap();
        let page = get("/subscriptions").await.unwrap().text().await.unwrap();
        assert!(page.contains(">Mine</a>") && page.contains("World"), "{page}");
        let world = server.store.category_named(2, "World", false).await.unwrap().unwrap();
        let r = post(
            &format!("/categories/{world}"),
            vec![
                ("csrf", csrf.clone()),
                ("action", "rename".into()),
                ("name", "News".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "News is taken");
        post(
            &format!("/categories/{world}"),
            vec![
                ("csrf", csrf.clone()),
                ("action", "rename".into()),
                ("name", "Abroad".into()),
            ],
        )
        .await
        .unwrap();
        let page = get("/subscriptions").await.unwrap().text().await.unwrap();
        assert!(page.contains("Abroad") && !page.contains("value=\"World\""), "{page}");
        post(
            &format!("/categories/{world}"),
            vec![("csrf", csrf.clone()), ("action", "remove".into())],
        )
        .await
        .unwrap();
        let page = get("/subscriptions").await.unwrap().text().await.unwrap();
        assert!(!page.contains("Abroad"), "{page}");
        post(&format!("/subscriptions/{feed}/remove"), vec![("csrf", csrf.clone())])
            .await
            .unwrap();
        let page = get("/subscriptions").await.unwrap().text().await.unwrap();
        assert!(page.contains("No subscriptions yet"));
        // Starred stays readable after leaving the feed.
        let page = get("/starred").await.unwrap().text().await.unwrap();
        assert!(page.contains("One story 1"));
    }

    #[tokio::test]
    async fn settings_make_tokens_searches_and_rules() {
        let server = TestServer::start().await;
        let user = server.user("dan", "dan-password", false).await;
        let (session, csrf) = log_in(&server, "dan", "dan-password").await;
        let post = |fields: Vec<(&str, &str)>| {
            let mut all = vec![("csrf", csrf.as_str())];
            all.extend(fields);
            server
                .client
                .post(server.url("/settings"))
                .header("cookie", &session)
                .form(&all)
                .send()
        };
        let page = post(vec![("action", "token"), ("name", "script")])
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = page.find("<code class=\"token\">").unwrap() + "<code class=\"token\">".len();
        let token = &page[at..at + 64];
        let hash = crate::auth::secret_hash(token);
        let owner = server.store.token_user(&hash, "api", chrono::Utc::now()).await.unwrap();
        assert_eq!(owner.map(|u| u.id), Some(user.id));
        post(vec![
            ("action", "search"),
            ("name", "Storms"),
            ("query", "storm lang:en"),
        ])
        .await
        .unwrap();
        let r = post(vec![
            ("action", "rule"),
            ("rule_action", "block"),
            ("field", "title"),
            ("pattern", "("),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("not a regular expression"));
        post(vec![
            ("action", "rule"),
            ("rule_action", "block"),
            ("field", "title"),
            ("pattern", "sponsored"),
        ])
        .await
        .unwrap();
        let page = server
            .client
            .get(server.url("/settings"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Storms") && page.contains("block when title matches <code>sponsored</code>"));
        let search = server
            .client
            .get(server.url("/search?q=storm"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            search.contains("Saved: <a href=\"/search?q=storm%20lang%3Aen\">Storms</a>"),
            "{search}"
        );
        assert!(page.contains("script") && page.contains("API"));
        // A new password ends the session and needs the current one.
        let r = post(vec![
            ("action", "password"),
            ("current", "nope-nope"),
            ("password", "new-password-1"),
            ("again", "new-password-1"),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = post(vec![
            ("action", "password"),
            ("current", "dan-password"),
            ("password", "new-password-1"),
            ("again", "new-password-1"),
        ])
        .await
        .unwrap();
        assert_eq!(r.headers()["location"], "/login?next=/settings");
        let (found, _) = server.store.user_by_name("dan").await.unwrap().unwrap();
        assert_eq!(found.id, user.id);
        let after = server
            .client
            .get(server.url("/settings"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::SEE_OTHER);
        log_in(&server, "dan", "new-password-1").await;
        assert_eq!(
            server
                .store
                .user_by_fever_key(&crate::auth::fever_key("dan", "new-password-1"))
                .await
                .unwrap()
                .map(|u| u.id),
            Some(user.id)
        );
    }

    #[tokio::test]
    async fn a_private_instance_shows_nothing_before_login() {
        let config = crate::WebConfig {
            public: false,
            ..crate::WebConfig::default()
        };
        let server = TestServer::start_with(config).await;
        for path in ["/", "/latest", "/stories", "/search?q=x", "/feed.atom"] {
            let r = server.client.get(server.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
            assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
        }
        for path in ["/login", "/healthz", "/static/app.js"] {
            let r = server.client.get(server.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
        }
        // The public default serves them.
        let open = TestServer::start().await;
        let r = open.client.get(open.url("/latest")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"));
        assert!(!csp.contains("script-src 'unsafe-inline'"));
    }
}
