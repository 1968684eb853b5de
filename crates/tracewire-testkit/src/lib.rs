//! Fixture web servers on 127.0.0.1 for tests and for the offline demo.
//!
//! A [`FixtureServer`] serves canned responses (feeds, pages, errors, slow or
//! oversized bodies) on an ephemeral loopback port and counts the requests it
//! gets, so tests can talk real HTTP without reaching outside the machine.
//! [`demo`] builds a small web of news sites and aggregators from the bundled
//! Wikinews corpus; [`scale_web`] a large one, many sites on loopback
//! addresses of their own, for scale-out tests and benchmarks.

pub mod demo;
pub mod hostile;
pub mod scale_web;
pub mod simulate;
pub mod websub_hub;

/// A news article page long enough for the extractor to keep its body, for
/// fixture sites whose pages do not matter to the test.
pub const ARTICLE_HTML: &str = "<html><head><title>Talks resume in Geneva</title></head><body><article>\
    <h1>Talks resume in Geneva</h1>\
    <p>Negotiators returned to Geneva on Tuesday for a third round of talks on the ceasefire, \
    officials from both delegations said, after a week in which the fighting along the front \
    line slowed but did not stop.</p>\
    <p>The mediators said they expected the talks to last at least three days and that a joint \
    statement could follow if the two sides agreed on the exchange of prisoners first.</p>\
    </article></body></html>";

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;

/// One canned response.
#[derive(Debug, Clone)]
pub struct FixtureResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (to provoke client timeouts).
    pub delay: Option<Duration>,
    /// When set, the response carries this ETag and a request whose
    /// `If-None-Match` equals it gets `304 Not Modified`.
    pub etag: Option<String>,
    /// When set, sent as `Last-Modified`; an equal `If-Modified-Since` gets 304.
    pub last_modified: Option<String>,
}

impl FixtureResponse {
    /// A 200 response with the given content type.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        FixtureResponse {
            status: 200,
            headers: vec![("content-type".to_string(), content_type.to_string())],
            body: body.into(),
            delay: None,
            etag: None,
            last_modified: None,
        }
    }

    pub fn html(body: impl Into<Vec<u8>>) -> Self {
        Self::ok("text/html; charset=utf-8", body)
    }

    pub fn rss(body: impl Into<Vec<u8>>) -> Self {
        Self::ok("application/rss+xml; charset=utf-8", body)
    }

    pub fn atom(body: impl Into<Vec<u8>>) -> Self {
        Self::ok("application/atom+xml; charset=utf-8", body)
    }

    pub fn json_feed(body: impl Into<Vec<u8>>) -> Self {
        Self::ok("application/feed+json", body)
    }

    /// A bare status with a short text body.
    pub fn status(status: u16) -> Self {
        FixtureResponse {
            status,
            headers: vec![("content-type".to_string(), "text/plain".to_string())],
            body: format!("status {status}").into_bytes(),
            delay: None,
            etag: None,
            last_modified: None,
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).with_header("location", location)
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    pub fn with_etag(mut self, etag: &str) -> Self {
        self.etag = Some(etag.to_string());
        self
    }

    pub fn with_last_modified(mut self, value: &str) -> Self {
        self.last_modified = Some(value.to_string());
        self
    }
}

#[derive(Default)]
struct Shared {
    routes: HashMap<String, FixtureResponse>,
    hits: HashMap<String, usize>,
    not_modified: HashMap<String, usize>,
    /// Requests being answered now, and the most there ever were.
    in_flight: usize,
    max_in_flight: usize,
    /// When each request arrived, in order.
    arrivals: Vec<(String, std::time::Instant)>,
}

/// Counts a request as in flight until the handler returns.
struct InFlight(Arc<Mutex<Shared>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.in_flight = guard.in_flight.saturating_sub(1);
    }
}

/// A web server on `127.0.0.1:<ephemeral>` answering from a route table.
///
/// Routes are keyed by path plus query (`/feed.xml`, `/page?id=1`); unknown
/// paths get 404. The server stops when this value is dropped.
pub struct FixtureServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl FixtureServer {
    /// Binds an ephemeral loopback port and starts serving in the background.
    pub async fn start() -> std::io::Result<FixtureServer> {
        Self::start_on("127.0.0.1:0").await
    }

    /// Binds the given address (use port 0 for an ephemeral one).
    pub async fn start_on(bind: &str) -> std::io::Result<FixtureServer> {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = axum::Router::new().fallback(answer).with_state(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, "fixture server stopped");
            }
        });
        Ok(FixtureServer { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), path)
    }

    /// Adds or replaces the response for `path` (path plus query).
    pub fn route(&self, path: &str, response: FixtureResponse) {
        self.lock().routes.insert(path.to_string(), response);
    }

    /// How many requests `path` has received, whatever the answer.
    pub fn hits(&self, path: &str) -> usize {
        self.lock().hits.get(path).copied().unwrap_or(0)
    }

    /// The most requests this server was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// Every request's path and arrival time, in order of arrival.
    pub fn arrivals(&self) -> Vec<(String, std::time::Instant)> {
        self.lock().arrivals.clone()
    }

    /// How many requests to `path` were answered `304 Not Modified`.
    pub fn not_modified(&self, path: &str) -> usize {
        self.lock().not_modified.get(path).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        // A poisoned lock only means a handler panicked mid-update; the
        // counters are still usable for a test's assertions.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(shared): State<Arc<Mutex<Shared>>>, request: Request) -> Response {
    let key = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let found = {
        let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
        *guard.hits.entry(key.clone()).or_default() += 1;
        guard.in_flight += 1;
        guard.max_in_flight = guard.max_in_flight.max(guard.in_flight);
        guard.arrivals.push((key.clone(), std::time::Instant::now()));
        guard.routes.get(&key).cloned()
    };
    let _in_flight = InFlight(shared.clone());
    let Some(fixture) = found else {
        return plain(StatusCode::NOT_FOUND, "no such fixture");
    };
    if let Some(delay) = fixture.delay {
        tokio::time::sleep(delay).await;
    }
    let headers = request.headers();
    let etag_matches = match (&fixture.etag, headers.get(header::IF_NONE_MATCH)) {
        (Some(etag), Some(sent)) => sent.as_bytes() == etag.as_bytes(),
        _ => false,
    };
    let date_matches = match (&fixture.last_modified, headers.get(header::IF_MODIFIED_SINCE)) {
        (Some(lm), Some(sent)) => sent.as_bytes() == lm.as_bytes(),
        _ => false,
    };
    let mut builder = Response::builder();
    if let Some(etag) = &fixture.etag {
        builder = builder.header(header::ETAG, etag);
    }
    if let Some(lm) = &fixture.last_modified {
        builder = builder.header(header::LAST_MODIFIED, lm);
    }
    if fixture.status == 200 && (etag_matches || date_matches) {
        let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
        *guard.not_modified.entry(key).or_default() += 1;
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad fixture"));
    }
    let status = StatusCode::from_u16(fixture.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    builder = builder.status(status);
    for (name, value) in &fixture.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            builder = builder.header(name, value);
        }
    }
    builder
        .body(Body::from(fixture.body))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad fixture"))
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response
}
