//! The web server: the reader's HTML pages, the JSON API and the output
//! feeds (Atom, RSS, JSON Feed).
//!
//! **Only this crate knows HTTP routes and JSON shapes**: the API's types in
//! [`api`] are its own, mapped from the model. Every article body it serves
//! goes through the sanitizer again on the way out, so nothing stored can
//! reach a browser unsanitized.

mod account;
mod api;
mod api_reader;
pub mod auth;
mod feeds;
mod fever;
mod greader;
mod ops;
mod pages;
mod provenance;
pub mod subscribe;
#[cfg(test)]
mod testing;
mod websub;

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use tracewire_model::{Article, ArticleId, ArticleText, StoryId};
use tracewire_similar::related;
use tracewire_store::{Store, StoreError};

/// How many recent articles related-post ranking looks through.
const RELATED_CANDIDATES: i64 = 1000;
const RELATED_COUNT: usize = 5;
const RELATED_MIN_SCORE: f64 = 0.05;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public base URL (`https://news.example.org`), for absolute links in
    /// output feeds. When unset, taken from the request's Host header.
    pub public_url: Option<String>,
    /// Shown in the page header and output feeds.
    pub site_title: String,
    /// What `/` lists.
    pub home: Home,
    /// Anyone may read the public pages (articles, stories, search, output
    /// feeds, the read API) without logging in. Off: everything but the
    /// login page asks for an account.
    pub public: bool,
    /// Trust `X-Forwarded-For` for the visitor's address (behind a reverse
    /// proxy), which login throttling counts by.
    pub trust_proxy: bool,
    /// How often a feed added from the web or an app is polled, in seconds.
    pub feed_interval_secs: i64,
}

impl WebConfig {
    /// Cookies are `Secure` when the public URL is HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

/// What the home page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Home {
    /// The latest articles, one by one (also at `/latest`).
    #[default]
    Articles,
    /// One entry per story, "Full coverage" (also at `/stories`).
    Stories,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: None,
            site_title: "Tracewire".to_string(),
            home: Home::Articles,
            public: true,
            trust_proxy: false,
            feed_interval_secs: 1800,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<WebConfig>,
    /// Adds what this process's crawler counts to `/metrics` (none when
    /// the process does not crawl).
    pub crawl_metrics: Option<RegisterMetrics>,
    /// The full-text index this process searches (none on a worker's
    /// operations port).
    pub search: Option<Arc<tracewire_search::SearchIndex>>,
    /// Failed logins, per address and account name (this process's).
    pub throttle: Arc<auth::LoginThrottle>,
}

impl AppState {
    /// A web process's state: no crawler metrics, no search index.
    pub fn new(store: Arc<dyn Store>, config: WebConfig) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            crawl_metrics: None,
            search: None,
            throttle: Arc::default(),
        }
    }
}

/// Registers a part's metrics in a `/metrics` scrape's registry.
pub type RegisterMetrics = Arc<dyn Fn(&mut prometheus_client::registry::Registry) + Send + Sync>;

/// All routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/latest", get(pages::index))
        .route("/articles/{id}", get(pages::article))
        .route("/feeds", get(pages::feeds))
        .route("/sites", get(pages::sites))
        .route("/sites/{site}", get(pages::site))
        .route("/search", get(pages::search))
        .route("/entities", get(pages::entities))
        .route("/stories", get(pages::stories))
        .route("/stories/{id}", get(pages::story))
        .route("/entities/{name}", get(pages::entity))
        .route("/feed.atom", get(feeds::atom))
        .route("/feed.rss", get(feeds::rss))
        .route("/feed.json", get(feeds::json_feed))
        .route(
            "/websub/{feed_id}",
            get(websub::verify)
                .post(websub::notify)
                .layer(axum::extract::DefaultBodyLimit::max(websub::MAX_NOTIFICATION_BYTES)),
        )
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/static/app.js", get(app_js))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", axum::routing::post(account::logout))
        .route("/reading", get(account::reading))
        .route("/starred", get(account::starred))
        .route("/reading/mark-all-read", axum::routing::post(account::mark_all))
        .route("/items/{id}/mark", axum::routing::post(account::mark_item))
        .route(
            "/subscriptions",
            get(account::subscriptions).post(account::add_subscription),
        )
        .route(
            "/subscriptions/{feed}/edit",
            axum::routing::post(account::edit_subscription),
        )
        .route(
            "/subscriptions/{feed}/remove",
            axum::routing::post(account::remove_subscription),
        )
        .route("/categories/{id}", axum::routing::post(account::edit_category))
        .route("/settings", get(account::settings).post(account::settings_post))
        .merge(
            Router::new()
                .route("/api/v1/openapi.json", get(api::openapi))
                .route("/api/v1/articles", get(api::articles))
                .route("/api/v1/articles/{id}", get(api::article))
                .route("/api/v1/articles/{id}/provenance", get(api::provenance))
                .route("/api/v1/search", get(api::search))
                .route("/api/v1/feeds", get(api::feeds))
                .route("/api/v1/sites", get(api::sites))
                .route("/api/v1/sites/{site}", get(api::site))
                .route("/api/v1/entities", get(api::entities))
                .route("/api/v1/entities/{name}", get(api::entity))
                .route("/api/v1/stories", get(api::stories))
                .route("/api/v1/stories/{id}", get(api::story))
                .route("/api/v1/me", get(api_reader::me))
                .route(
                    "/api/v1/subscriptions",
                    get(api_reader::subscriptions).post(api_reader::subscribe),
                )
                .route(
                    "/api/v1/subscriptions/{feed_id}",
                    axum::routing::delete(api_reader::unsubscribe),
                )
                .route("/api/v1/categories", get(api_reader::categories))
                .route("/api/v1/items", get(api_reader::items))
                .route(
                    "/api/v1/items/mark-all-read",
                    axum::routing::post(api_reader::mark_all_read),
                )
                .route("/api/v1/items/{id}", axum::routing::patch(api_reader::mark_item))
                .route("/api/v1/unread-counts", get(api_reader::unread_counts))
                .route("/api/{*rest}", axum::routing::any(api::not_found))
                .layer(axum::middleware::map_response(api::json_errors)),
        )
        .merge(greader::routes())
        .merge(fever::routes())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            account::require_login_unless_public,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// What every response may load and do. Pages run only our own script
/// (never inline code, so a script in an article could not run even if the
/// sanitizer missed it) and load nothing but their own inline styles and
/// the images republished articles show; sanitized article HTML is the
/// first defence, this the second.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src http: https: data:; \
     style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The one script (`static/app.js`): keyboard shortcuts and marking without
/// a reload; every page works without it.
const APP_JS: &str = include_str!("../static/app.js");

async fn app_js() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
        .into_response()
}

async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::header::{self, HeaderValue};
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves only `/healthz` and `/metrics` (a worker's operations port).
pub async fn serve_ops(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .with_state(state);
    axum::serve(listener, routes).await
}

/// Related posts: first the stories that name the same people and
/// organizations as this article's story (each by its earliest article),
/// then the articles most similar by text, one per story. The articles of
/// its own story (`story`: copies, excerpts, versions, and other write-ups
/// grouped with it) are left out, as the provenance section and the story
/// page list them, and of several copies of another story only the
/// best-ranked is kept.
async fn related_to(
    store: &dyn Store,
    article: &Article,
    story: &HashSet<ArticleId>,
) -> Result<Vec<ArticleText>, StoreError> {
    // Stories already represented (or this article's own): one entry each.
    let mut covered_stories: HashSet<StoryId> = HashSet::new();
    let mut chosen = Vec::new();
    if let Some(own) = store.story_of(article.id).await? {
        covered_stories.insert(own);
        for (other, _) in store.related_stories(own, RELATED_COUNT as i64).await? {
            covered_stories.insert(other.summary.id);
            // Members come earliest first: the first is the origin.
            if let Some(origin) = other.members.into_iter().next() {
                chosen.push(ArticleText {
                    id: origin.article.id,
                    title: origin.article.title,
                    url: origin.article.url,
                    text: String::new(),
                });
            }
        }
    }
    if chosen.len() >= RELATED_COUNT {
        return Ok(chosen);
    }
    let mut candidates = store.article_texts(RELATED_CANDIDATES).await?;
    candidates.retain(|c| !story.contains(&c.id));
    let target = ArticleText {
        id: article.id,
        title: article.title.clone(),
        url: article.url.clone(),
        text: article.text.clone(),
    };
    // Ranked deeper than shown, as copies of one story take several places.
    let ranked = related(&target, &candidates, RELATED_COUNT * 4, RELATED_MIN_SCORE);
    // Articles stored before stories existed have none: their copies are
    // known by their relations.
    let mut covered: HashSet<ArticleId> = HashSet::new();
    for r in ranked {
        if chosen.len() == RELATED_COUNT {
            break;
        }
        match store.story_of(r.id).await? {
            Some(s) => {
                if !covered_stories.insert(s) {
                    continue;
                }
            }
            None => {
                if !covered.insert(r.id) {
                    continue;
                }
                covered.extend(
                    store
                        .relations_of(r.id)
                        .await?
                        .iter()
                        .flat_map(|rel| [rel.from, rel.to]),
                );
            }
        }
        chosen.extend(candidates.iter().find(|c| c.id == r.id).cloned());
    }
    Ok(chosen)
}

/// `https://host` for absolute links: the configured public URL, else the
/// request's Host header.
fn base_url(config: &WebConfig, headers: &HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// A short display name for a URL's site: its host without `www.`, with
/// its port (provenance's notion of a site).
fn host_of(url: &str) -> Option<String> {
    Some(tracewire_provenance::site_of(url)).filter(|s| !s.is_empty())
}

/// A name as one path segment (`/entities/{name}`): every byte but ASCII
/// letters, digits and `-._~` percent-encoded.
pub(crate) fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
