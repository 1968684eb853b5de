//! A WebSub hub on 127.0.0.1 for tests: it takes subscription requests,
//! verifies each with the subscriber's callback (the challenge must come
//! back), and publishes signed notifications to verified subscribers. What
//! a public hub does, without the internet.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use hmac::{Hmac, KeyInit, Mac};

/// One subscription request as the hub received it.
#[derive(Debug, Clone)]
pub struct HubRequest {
    pub mode: String,
    pub topic: String,
    pub callback: String,
    pub secret: Option<String>,
    pub lease_seconds: Option<String>,
    /// Whether the callback echoed the challenge.
    pub verified: bool,
}

#[derive(Default)]
struct Hub {
    requests: Vec<HubRequest>,
}

pub struct FixtureHub {
    addr: SocketAddr,
    hub: Arc<Mutex<Hub>>,
    task: tokio::task::JoinHandle<()>,
}

impl FixtureHub {
    pub async fn start() -> std::io::Result<FixtureHub> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let hub = Arc::new(Mutex::new(Hub::default()));
        let app = axum::Router::new()
            .route("/", axum::routing::post(subscribe))
            .with_state(hub.clone());
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, "fixture hub stopped");
            }
        });
        Ok(FixtureHub { addr, hub, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<HubRequest> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner()).requests.clone()
    }

    /// POSTs `body` to every verified subscriber of `topic`, signed with
    /// its secret (`X-Hub-Signature: sha256=…`); returns each callback's status.
    pub async fn publish(&self, topic: &str, body: &str) -> Vec<u16> {
        let subscribers: Vec<HubRequest> = self
            .requests()
            .into_iter()
            .filter(|r| r.verified && r.mode == "subscribe" && r.topic == topic)
            .collect();
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for s in subscribers {
            let mut request = client
                .post(&s.callback)
                .header("content-type", "application/rss+xml")
                .header(
                    "link",
                    format!("<{}>; rel=\"hub\", <{topic}>; rel=\"self\"", self.url()),
                )
                .body(body.to_string());
            if let Some(secret) = &s.secret
                && let Ok(mut mac) = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            {
                mac.update(body.as_bytes());
                let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
                request = request.header("x-hub-signature", format!("sha256={hex}"));
            }
            statuses.push(request.send().await.map_or(0, |r| r.status().as_u16()));
        }
        statuses
    }
}

impl Drop for FixtureHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Takes a request and verifies it with the callback before answering, so
/// a test sees the outcome as soon as the subscriber's request returns.
async fn subscribe(State(hub): State<Arc<Mutex<Hub>>>, Form(form): Form<HashMap<String, String>>) -> StatusCode {
    let get = |k: &str| form.get(k).cloned();
    let (Some(mode), Some(topic), Some(callback)) = (get("hub.mode"), get("hub.topic"), get("hub.callback")) else {
        return StatusCode::BAD_REQUEST;
    };
    let challenge = format!("challenge-{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    let verified = match reqwest::Client::new()
        .get(&callback)
        .query(&[
            ("hub.mode", mode.as_str()),
            ("hub.topic", topic.as_str()),
            ("hub.challenge", challenge.as_str()),
            ("hub.lease_seconds", "864000"),
        ])
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r.text().await.is_ok_and(|t| t == challenge),
        _ => false,
    };
    hub.lock().unwrap_or_else(|e| e.into_inner()).requests.push(HubRequest {
        mode,
        topic,
        callback,
        secret: get("hub.secret"),
        lease_seconds: get("hub.lease_seconds"),
        verified,
    });
    StatusCode::ACCEPTED
}
