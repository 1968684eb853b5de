//! The one HTTP client: timeouts, a body size cap (after decompression),
//! a redirect limit, conditional GET, and a network guard that refuses
//! private, loopback, link-local and multicast addresses — checked on the
//! resolved address of every connection, redirects included — unless the
//! configuration allows them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::{StatusCode, redirect};
use url::Url;

#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Whole-request limit, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Allow private, loopback and link-local targets (tests, the demo, intranets).
    pub allow_private_networks: bool,
    pub user_agent: String,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            allow_private_networks: false,
            user_agent: format!(
                "Tracewire/{} (+https://github.com/tracewire/tracewire; feed reader)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "refused to fetch {url}: {host} is a private, loopback, link-local or multicast address \
         (pass --allow-private-networks or set TRACEWIRE_ALLOW_PRIVATE_NETWORKS=1 to allow it)"
    )]
    Blocked { url: String, host: String },
    #[error("timed out after {secs}s fetching {url}")]
    Timeout { url: String, secs: u64 },
    #[error("response from {url} is larger than the {limit} byte limit")]
    TooLarge { url: String, limit: usize },
    #[error("more than {limit} redirects fetching {url}")]
    TooManyRedirects { url: String, limit: usize },
    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16 },
    #[error("could not fetch {url}: {reason}")]
    Network { url: String, reason: String },
}

/// Validators from an earlier response, for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful response (or a 304).
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// Where the body came from, after redirects.
    pub final_url: Url,
    pub not_modified: bool,
    pub content_type: Option<String>,
    pub validators: Validators,
    pub body: Vec<u8>,
}

/// The guarded HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let allow_private = config.allow_private_networks;
        let max_redirects = config.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                let url = attempt.url().to_string();
                return attempt.error(FetchError::TooManyRedirects {
                    url,
                    limit: max_redirects,
                });
            }
            if !allow_private && let Some(host) = blocked_literal(attempt.url()) {
                let url = attempt.url().to_string();
                return attempt.error(FetchError::Blocked { url, host });
            }
            attempt.follow()
        });
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(policy)
            // A proxy would resolve hosts for us and bypass the address guard.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()
            .map_err(|e| FetchError::Network {
                url: String::new(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            client,
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url`, sending `validators` as If-None-Match / If-Modified-Since.
    /// Non-2xx statuses other than 304 are errors.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<FetchedPage, FetchError> {
        let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: format!("scheme {:?} is not http or https", parsed.scheme()),
            });
        }
        if !self.config.allow_private_networks
            && let Some(host) = blocked_literal(&parsed)
        {
            return Err(FetchError::Blocked {
                url: url.to_string(),
                host,
            });
        }
        let mut request = self.client.get(parsed.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, lm);
        }
        let mut response = request.send().await.map_err(|e| self.classify(url, e))?;
        let final_url = response.url().clone();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let content_type = header(CONTENT_TYPE);
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchedPage {
                final_url,
                not_modified: true,
                content_type,
                validators,
                body: Vec::new(),
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: final_url.to_string(),
                status: status.as_u16(),
            });
        }
        let limit = self.config.max_body_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(FetchError::TooLarge {
                url: final_url.to_string(),
                limit,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge {
                    url: final_url.to_string(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchedPage {
            final_url,
            not_modified: false,
            content_type,
            validators,
            body,
        })
    }

    /// Turns reqwest's error into one that says what happened in our terms.
    fn classify(&self, url: &str, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout {
                url: url.to_string(),
                secs: self.config.timeout.as_secs(),
            };
        }
        // Our own errors come back wrapped from the redirect policy and the resolver.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if let Some(ours) = err.downcast_ref::<FetchError>() {
                return ours.clone();
            }
            if let Some(blocked) = err.downcast_ref::<BlockedHost>() {
                return FetchError::Blocked {
                    url: url.to_string(),
                    host: blocked.0.clone(),
                };
            }
            source = err.source();
        }
        // reqwest's chain repeats the URL and layers ("error sending request
        // for url ...: client error (Connect): tcp connect error: ..."); the
        // innermost cause is the part a person can act on.
        let mut innermost: &dyn std::error::Error = &e;
        while let Some(next) = innermost.source() {
            innermost = next;
        }
        let cause = innermost.to_string();
        let reason = if e.is_connect() {
            format!("cannot connect: {cause}")
        } else if e.is_body() || e.is_decode() {
            format!("the response body could not be read: {cause}")
        } else {
            cause
        };
        FetchError::Network {
            url: url.to_string(),
            reason,
        }
    }
}

/// The host of `url` if it is an IP literal the guard refuses.
fn blocked_literal(url: &Url) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(d) => {
            // "localhost" and its subdomains never leave the machine.
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return (d == "localhost" || d.ends_with(".localhost")).then_some(d);
        }
    };
    (!is_public(ip)).then(|| ip.to_string())
}

/// True for addresses on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xC0) == 64) // 100.64.0.0/10 carrier-grade NAT
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
                || (o[0] == 198 && (o[1] & 0xFE) == 18) // 198.18.0.0/15 benchmarking
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 can reach IPv4 private space
                || (s[0] == 0x2001 && s[1] == 0xdb8)) // documentation
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to private, loopback, link-local or multicast addresses")]
struct BlockedHost(String);

/// Resolves with the system resolver and drops addresses the guard refuses,
/// so a hostname pointing at 127.0.0.1 or 10.x is refused at connect time,
/// including on redirects and DNS rebinding.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(BlockedHost(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "ff02::1",
        ] {
            assert!(
                !is_public(private.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))),
                "{private}"
            );
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(
                is_public(public.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))),
                "{public}"
            );
        }
    }
}

#[cfg(test)]
mod network_tests {
    #![allow(clippy::unwrap_used)]
    use std::str::FromStr;

    use tracewire_testkit::{FixtureResponse, FixtureServer};

    use super::*;

    #[tokio::test]
    async fn the_resolver_drops_private_addresses() {
        let guarded = GuardedResolver { allow_private: false };
        let err = match guarded.resolve(Name::from_str("localhost").unwrap()).await {
            Ok(_) => panic!("localhost resolved through the guard"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("private, loopback"), "{err}");
        let open = GuardedResolver { allow_private: true };
        let addrs: Vec<SocketAddr> = open
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }

    #[tokio::test]
    async fn redirects_are_followed_and_bounded() {
        let site = FixtureServer::start().await.unwrap();
        site.route("/a", FixtureResponse::redirect(302, "/b"));
        site.route("/b", FixtureResponse::redirect(301, "/c"));
        site.route("/c", FixtureResponse::ok("text/plain", "done"));
        for i in 0..10 {
            site.route(
                &format!("/loop{i}"),
                FixtureResponse::redirect(302, &format!("/loop{}", i + 1)),
            );
        }
        let fetcher = Fetcher::new(FetchConfig {
            allow_private_networks: true,
            max_redirects: 3,
            ..FetchConfig::default()
        })
        .unwrap();
        let page = fetcher.get(&site.url("/a"), &Validators::default()).await.unwrap();
        assert_eq!(page.body, b"done");
        assert_eq!(page.final_url.path(), "/c");
        let err = fetcher
            .get(&site.url("/loop0"), &Validators::default())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::TooManyRedirects { limit: 3, .. }), "{err}");
    }

    #[test]
    fn private_literals_in_urls_are_caught_in_every_spelling() {
        // The redirect policy and the first hop both use this check, because
        // reqwest does not consult the resolver for IP literals.
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://[::1]/",
            "http://10.255.255.1/x",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost./",
            "http://api.localhost/",
            "http://[::ffff:192.168.0.1]/",
        ] {
            assert!(blocked_literal(&Url::parse(url).unwrap()).is_some(), "{url} not caught");
        }
        for url in [
            "http://example.com/",
            "http://93.184.216.34/",
            "https://[2606:4700::1111]/",
        ] {
            assert!(
                blocked_literal(&Url::parse(url).unwrap()).is_none(),
                "{url} wrongly caught"
            );
        }
    }

    #[tokio::test]
    async fn oversized_bodies_stop_at_the_cap() {
        let site = FixtureServer::start().await.unwrap();
        site.route("/big", FixtureResponse::ok("text/plain", vec![b'x'; 50_000]));
        let fetcher = Fetcher::new(FetchConfig {
            allow_private_networks: true,
            max_body_bytes: 10_000,
            ..FetchConfig::default()
        })
        .unwrap();
        let err = fetcher
            .get(&site.url("/big"), &Validators::default())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { limit: 10_000, .. }), "{err}");
    }
}
