//! The WebSub callback, `/websub/{feed_id}`: the hub's verification of a
//! subscription the crawler asked for (GET), and its notifications (POST).
//!
//! A verification is answered only for a subscription we asked for, with
//! the topic we asked for; an unsubscription we never ask for, so one is
//! always refused. A notification counts only with a valid HMAC signature
//! made with the subscription's secret; it then makes the feed due at once
//! (the crawler reads the feed itself: the pushed body is not trusted as
//! the feed). Every notification gets a 2xx, as the specification asks,
//! except for a feed we do not follow (410, so the hub stops).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use tracewire_store::WebSubOutcome;

use crate::AppState;

/// Longest lease we record, whatever the hub says.
const MAX_LEASE_SECS: i64 = 365 * 24 * 60 * 60;
/// The lease assumed when the hub names none.
const DEFAULT_LEASE_SECS: i64 = 10 * 24 * 60 * 60;
/// Largest notification body read.
pub const MAX_NOTIFICATION_BYTES: usize = 10 * 1024 * 1024;

pub async fn verify(
    State(state): State<AppState>,
    Path(feed_id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let param = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
    let (mode, topic) = (param("hub.mode"), param("hub.topic"));
    let outcome = match mode {
        "subscribe" => {
            let lease = param("hub.lease_seconds")
                .parse::<i64>()
                .unwrap_or(DEFAULT_LEASE_SECS)
                .clamp(0, MAX_LEASE_SECS);
            WebSubOutcome::Verified {
                lease_expires: Utc::now() + chrono::Duration::seconds(lease),
            }
        }
        "denied" => WebSubOutcome::Denied {
            reason: Some(param("hub.reason"))
                .filter(|r| !r.is_empty())
                .unwrap_or("the hub gave no reason")
                .chars()
                .take(500)
                .collect(),
        },
        // We never unsubscribe: a request to is not ours.
        _ => return (StatusCode::NOT_FOUND, "no such subscription request").into_response(),
    };
    let denied = matches!(outcome, WebSubOutcome::Denied { .. });
    match state.store.confirm_websub(feed_id, topic, outcome).await {
        Ok(true) if denied => (StatusCode::OK, "noted").into_response(),
        Ok(true) => (
            StatusCode::OK,
            [("content-type", "text/plain; charset=utf-8")],
            param("hub.challenge").to_string(),
        )
            .into_response(),
        Ok(false) => (StatusCode::NOT_FOUND, "no such subscription request").into_response(),
        Err(e) => {
            tracing::error!(feed = feed_id, error = %e, "cannot record the hub's verification");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
        }
    }
}

pub async fn notify(
    State(state): State<AppState>,
    Path(feed_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let subscription = match state.store.websub(feed_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return (StatusCode::GONE, "not subscribed").into_response(),
        Err(e) => {
            tracing::error!(feed = feed_id, error = %e, "cannot read the WebSub subscription");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    };
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    if !signature.is_some_and(|s| signature_valid(subscription.secret.as_bytes(), &body, s)) {
        tracing::warn!(feed = feed_id, "WebSub notification without a valid signature ignored");
        return (StatusCode::ACCEPTED, "ignored").into_response();
    }
    if let Err(e) = state.store.websub_pushed(feed_id, Utc::now()).await {
        tracing::error!(feed = feed_id, error = %e, "cannot mark the feed due after a notification");
        return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
    }
    tracing::info!(feed = feed_id, "WebSub notification: the feed is due now");
    (StatusCode::ACCEPTED, "thanks").into_response()
}

/// Checks `X-Hub-Signature: method=hex` (sha1, sha256, sha384 or sha512)
/// against the body, in constant time.
pub fn signature_valid(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some((method, hex)) = header.trim().split_once('=') else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    fn check<M: Mac + KeyInit>(secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
        let Ok(mut mac) = <M as KeyInit>::new_from_slice(secret) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(expected).is_ok()
    }
    match method.to_ascii_lowercase().as_str() {
        "sha1" => check::<Hmac<sha1::Sha1>>(secret, body, &expected),
        "sha256" => check::<Hmac<sha2::Sha256>>(secret, body, &expected),
        "sha384" => check::<Hmac<sha2::Sha384>>(secret, body, &expected),
        "sha512" => check::<Hmac<sha2::Sha512>>(secret, body, &expected),
        _ => false,
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim().as_bytes();
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231-style known value.
        let body = b"The quick brown fox jumps over the lazy dog";
        let good = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        assert!(signature_valid(b"key", body, good));
        assert!(signature_valid(
            b"key",
            body,
            "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
        ));
        assert!(!signature_valid(b"other", body, good));
        assert!(!signature_valid(b"key", b"tampered", good));
        assert!(!signature_valid(b"key", body, "md5=80070713463e7749b90c2dc24911e275"));
        assert!(!signature_valid(b"key", body, "sha256=zz"));
        assert!(!signature_valid(b"key", body, "garbage"));
    }
}
