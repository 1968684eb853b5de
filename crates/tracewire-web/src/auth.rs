//! Who is asking: passwords (Argon2id), login sessions (an HttpOnly cookie
//! and a CSRF token per session), API tokens, and login throttling.
//!
//! Secrets (session cookies, tokens) are 32 random bytes, hex; the store
//! keeps only their SHA-256, so a copy of the database logs no one in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::Utc;
use sha2::Digest;
use tracewire_model::User;

use crate::AppState;

/// The login session's cookie.
pub const SESSION_COOKIE: &str = "tw_session";
/// The login form's CSRF cookie (before there is a session).
pub const LOGIN_CSRF_COOKIE: &str = "tw_login";
/// How long a login lasts.
pub const SESSION_DAYS: i64 = 30;
/// Shortest password `users add` and the settings page accept.
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// An Argon2id hash (PHC string) of a password, with a random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` is the one `hash` was made from. A malformed hash
/// matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The Fever API's key for an account: MD5 of "name:password", lower-case hex
/// (what Fever clients compute and send).
pub fn fever_key(name: &str, password: &str) -> String {
    hex::encode(md5::Md5::digest(format!("{name}:{password}").as_bytes()))
}

/// A new secret: 32 random bytes, hex.
pub fn new_secret() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// What the store keeps of a secret: its SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ (CSRF
/// tokens, write tokens).
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site; `Secure` when
/// the site is served over HTTPS; `max_age` `None` removes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> String {
    let age = max_age.map_or(0, |d| d.as_secs());
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}{secure}")
}

/// A logged-in visitor: the account, and the session's CSRF token that
/// every form they post must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    /// The stored hash of the session cookie (to end it).
    pub token_hash: String,
}

/// The visitor's session, if they are logged in (an extractor; a failed
/// lookup is logged and treated as no session).
#[derive(Debug, Clone)]
pub struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(known) = parts.extensions.get::<MaybeSession>() {
            return Ok(known.clone());
        }
        let found = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(secret) if !secret.is_empty() => {
                let hash = secret_hash(secret);
                match state.store.session(&hash, Utc::now()).await {
                    Ok(found) => found.map(|(user, csrf)| Session {
                        user,
                        csrf,
                        token_hash: hash,
                    }),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the login session");
                        None
                    }
                }
            }
            _ => None,
        };
        let session = MaybeSession(found);
        parts.extensions.insert(session.clone());
        Ok(session)
    }
}

/// Failed logins allowed per key (an address, an account name) in
/// [`THROTTLE_WINDOW`] before more are refused until it ends.
pub const THROTTLE_ATTEMPTS: u32 = 10;
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(300);
/// Keys remembered at most (the oldest windows are dropped first).
const THROTTLE_KEYS: usize = 10_000;

/// Slows password guessing: counts failed logins per key, in this process
/// (each web node counts its own). Written by hand: a map and a window are
/// all it takes, and a rate-limiting crate would count requests, not
/// failures.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// `Err(wait)` when `keys` has failed too often lately.
    pub fn check(&self, keys: &[&str]) -> Result<(), Duration> {
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            if let Some((count, since)) = map.get(*key) {
                let elapsed = now.duration_since(*since);
                if *count >= THROTTLE_ATTEMPTS && elapsed < THROTTLE_WINDOW {
                    return Err(THROTTLE_WINDOW - elapsed);
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, keys: &[&str]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= THROTTLE_KEYS {
            map.retain(|_, (_, since)| now.duration_since(*since) < THROTTLE_WINDOW);
            if map.len() >= THROTTLE_KEYS {
                map.clear();
            }
        }
        for key in keys {
            let entry = map.entry((*key).to_string()).or_insert((0, now));
            if now.duration_since(entry.1) >= THROTTLE_WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, keys: &[&str]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            map.remove(*key);
        }
    }
}

/// Checks a name and password: the account, or `None` (a wrong name or
/// password alike). Throttled per name and per `client` (its address).
pub async fn check_password(
    state: &AppState,
    client: &str,
    name: &str,
    password: &str,
) -> Result<Option<User>, LoginError> {
    let name_key = format!("user:{name}");
    let client_key = format!("addr:{client}");
    let keys = [name_key.as_str(), client_key.as_str()];
    state.throttle.check(&keys).map_err(LoginError::Throttled)?;
    let found = state.store.user_by_name(name).await.map_err(LoginError::Store)?;
    // Hash anyway when the name is unknown, so the time taken does not
    // tell which names exist.
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, String::new()),
    };
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = if hash.is_empty() { dummy_hash() } else { hash };
        verify_password(&hash, &password)
    })
    .await
    .unwrap_or(false);
    match user.filter(|_| ok) {
        Some(user) => {
            state.throttle.succeeded(&keys);
            Ok(Some(user))
        }
        None => {
            state.throttle.failed(&keys);
            Ok(None)
        }
    }
}

/// An Argon2id hash of no one's password (a random one), made once.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let password = new_secret().unwrap_or_else(|_| "tracewire-dummy".to_string());
            hash_password(&password).unwrap_or_default()
        })
        .clone()
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("too many failed logins; try again in {} seconds", .0.as_secs().max(1))]
    Throttled(Duration),
    #[error("cannot read the accounts: {0}")]
    Store(tracewire_store::StoreError),
}

/// Makes a session for `user`: the cookie's secret and its CSRF token.
pub async fn start_session(state: &AppState, user: &User) -> Result<(String, String), String> {
    let secret = new_secret().map_err(|e| e.to_string())?;
    let csrf = new_secret().map_err(|e| e.to_string())?;
    let expires = Utc::now() + chrono::Duration::days(SESSION_DAYS);
    state
        .store
        .add_session(&secret_hash(&secret), user.id, &csrf, expires)
        .await
        .map_err(|e| e.to_string())?;
    Ok((secret, csrf))
}

/// The visitor's address, for throttling: the connection's peer, unless the
/// configuration trusts a proxy's `X-Forwarded-For` (an extractor).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr(client_address(
            &parts.headers,
            peer,
            state.config.trust_proxy,
        )))
    }
}

fn client_address(headers: &HeaderMap, peer: Option<std::net::SocketAddr>, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return forwarded.trim().to_string();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "correct horsf"));
        assert!(!verify_password("not a hash", "correct horse"));
        assert!(PasswordHash::new(&dummy_hash()).is_ok());
    }

    #[test]
    fn fever_keys_are_md5_of_name_and_password() {
        // md5("user:pass") and md5("admin:admin"), as Fever clients compute them.
        assert_eq!(fever_key("user", "pass"), "21a39285884a268d6458e3fdeb08beac");
        assert_eq!(fever_key("admin", "admin"), "d2abaa37a7c3db1137d385e1d8c15fd2");
    }

    #[test]
    fn throttling_counts_failures_per_key() {
        let t = LoginThrottle::default();
        for _ in 0..THROTTLE_ATTEMPTS {
            assert!(t.check(&["a"]).is_ok());
            t.failed(&["a"]);
        }
        assert!(t.check(&["a"]).is_err());
        assert!(t.check(&["b"]).is_ok());
        assert!(t.check(&["b", "a"]).is_err());
        t.succeeded(&["a"]);
        assert!(t.check(&["a"]).is_ok());
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; tw_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(set_cookie("x", "y", None, true).contains("Max-Age=0; Secure"));
    }
}
