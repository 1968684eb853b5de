//! The one HTTP client: timeouts, a body size cap (after decompression),
//! a redirect limit, conditional GET, and a network guard that refuses
//! private, loopback, link-local and multicast addresses — checked on the
//! resolved address of every connection, redirects included — unless the
//! configuration allows them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER};
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
    /// Private addresses allowed even when `allow_private_networks` is off:
    /// one intranet server rather than the whole private space. Tests reach
    /// their loopback fixtures through it while the guard still refuses
    /// every other private address.
    pub allowed_private_addresses: Vec<IpAddr>,
    /// Host names answered from this list instead of DNS (tests,
    /// split-horizon setups). The guard applies to these addresses as to
    /// any other. A port other than 0 is used when the URL names none.
    pub resolve_overrides: Vec<(String, SocketAddr)>,
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
            allowed_private_addresses: Vec::new(),
            resolve_overrides: Vec::new(),
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
    #[error(
        "timed out after {secs} s fetching {url}: the whole response did not arrive in time (a slow or \
         overloaded server, or one sending a trickle); if the site is only slow, raise [fetch] timeout_secs"
    )]
    Timeout { url: String, secs: u64 },
    #[error(
        "the response from {url} is larger than the {limit}-byte limit{}; stopped reading (an endless \
         body, a compression bomb or a huge document); if it really is this large, raise [fetch] max_body_bytes",
        declared_size(*.declared)
    )]
    TooLarge {
        url: String,
        limit: usize,
        /// The size the server declared (`Content-Length`), when that is what gave it away.
        declared: Option<u64>,
    },
    #[error(
        "{url} redirects more than {limit} times (a redirect loop or too long a chain); open it in a \
         browser and subscribe to the address it finally leads to"
    )]
    TooManyRedirects { url: String, limit: usize },
    #[error("HTTP {status} from {url}{}", status_hint(*.status, *.retry_after))]
    Status {
        url: String,
        status: u16,
        /// Seconds the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<u64>,
    },
    #[error("could not fetch {url}: {reason}")]
    Network { url: String, reason: String },
}

impl FetchError {
    /// How much this failure counts toward a feed's backoff: 1.0 for one
    /// that will not mend by itself (a 404, a refused address, a body over
    /// the limit), less for the transient kind (a timeout, a reset
    /// connection, a 5xx), nothing for "slow down" (429), which has its
    /// own wait. Counting this way keeps a feed on a flaky server from
    /// backing off as if it were dead (Media Cloud's lesson).
    pub fn weight(&self) -> f64 {
        match self {
            FetchError::Timeout { .. } | FetchError::Network { .. } => 0.5,
            FetchError::Status { status: 429, .. } => 0.0,
            FetchError::Status { status, .. } if *status >= 500 || *status == 408 => 0.5,
            _ => 1.0,
        }
    }

    /// The wait the server asked for, for a 429 or 503 with `Retry-After`.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            FetchError::Status { retry_after, .. } => retry_after.map(std::time::Duration::from_secs),
            _ => None,
        }
    }

    /// True when the server says the resource is gone for good (410).
    pub fn is_gone(&self) -> bool {
        matches!(self, FetchError::Status { status: 410, .. })
    }
}

/// ", it declares N bytes" for a `TooLarge` found from the header.
fn declared_size(declared: Option<u64>) -> String {
    declared.map_or(String::new(), |n| format!(" (it declares {n} bytes)"))
}

/// What a status means and what to do about it, after "HTTP 404 from <url>".
fn status_hint(status: u16, retry_after: Option<u64>) -> String {
    let wait = retry_after.map_or(String::new(), |s| format!("; it asked us to wait {s} s"));
    match status {
        401 | 403 => ": the server refuses access (a login, a paywall or a bot wall); check the URL in a browser".into(),
        404 => ": not found; check the URL in a browser, the feed may have moved".into(),
        410 => ": the site says it is gone for good; Tracewire stops polling it (`tracewire feeds resume ID` if it comes back)".into(),
        429 => format!(": too many requests, the server asks us to slow down{wait}"),
        500..=599 => format!(": a server error, usually temporary; retried with backoff{wait}"),
        _ => String::new(),
    }
}

/// Seconds from a `Retry-After` value: delta-seconds or an HTTP date.
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).map_or(0, |d| d.as_secs()))
}

/// One redirect followed on the way to a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub status: u16,
    pub to: Url,
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
    /// Redirects followed, in order.
    pub redirects: Vec<Redirect>,
}

impl FetchedPage {
    /// Where the resource now lives for good: the final URL when every
    /// redirect on the way was permanent (301 or 308).
    pub fn moved_permanently(&self) -> Option<&Url> {
        (!self.redirects.is_empty() && self.redirects.iter().all(|r| matches!(r.status, 301 | 308)))
            .then_some(&self.final_url)
    }
}

/// The guarded HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let resolver = GuardedResolver {
            guard: Guard {
                allow_private: config.allow_private_networks,
                allowed: config.allowed_private_addresses.clone(),
            },
            overrides: config.resolve_overrides.clone(),
        };
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            // Redirects are followed by `get`, which checks each hop and
            // keeps the chain (a permanent move updates a feed's URL).
            .redirect(redirect::Policy::none())
            // A proxy would resolve hosts for us and bypass the address guard.
            .no_proxy()
            .dns_resolver(Arc::new(resolver))
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

    /// True when `host` (as `blocked_literal` names it) is an address the
    /// configuration allows in spite of the guard.
    fn exempt(&self, host: &str) -> bool {
        host.parse::<IpAddr>()
            .is_ok_and(|ip| self.config.allowed_private_addresses.contains(&ip))
    }

    /// The URL if it is one we may fetch: http(s), and not an address the
    /// guard refuses.
    fn check_url(&self, url: &str) -> Result<Url, FetchError> {
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
            && let Some(host) = blocked_literal(&parsed).filter(|h| !self.exempt(h))
        {
            return Err(FetchError::Blocked {
                url: url.to_string(),
                host,
            });
        }
        Ok(parsed)
    }

    /// Sends a GET and follows redirects by hand, each hop checked by the
    /// address guard: the response at the end, its URL and the chain.
    async fn send_following(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<(reqwest::Response, Url, Vec<Redirect>), FetchError> {
        let mut current = self.check_url(url)?;
        let mut redirects = Vec::new();
        let response = loop {
            let mut request = self.client.get(current.clone());
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, lm);
            }
            let response = request.send().await.map_err(|e| self.classify(current.as_str(), e))?;
            let status = response.status();
            // Some servers send UTF-8 in Location; read it as such.
            let location = response
                .headers()
                .get(LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
            let Some(location) = location.filter(|_| status.is_redirection() && status != StatusCode::NOT_MODIFIED)
            else {
                break response;
            };
            let next = current.join(&location).map_err(|e| FetchError::InvalidUrl {
                url: current.to_string(),
                reason: format!("it redirects to {location:?}, which is not a URL ({e})"),
            })?;
            if redirects.len() >= self.config.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    url: url.to_string(),
                    limit: self.config.max_redirects,
                });
            }
            current = self.check_url(next.as_str())?;
            redirects.push(Redirect {
                status: status.as_u16(),
                to: current.clone(),
            });
        };
        Ok((response, current, redirects))
    }

    /// GETs `url`, following redirects, sending `validators` as
    /// If-None-Match / If-Modified-Since. Non-2xx statuses other than 304
    /// are errors.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<FetchedPage, FetchError> {
        // reqwest's timeout is per request; redirects are ours, so the
        // whole chain gets one deadline here.
        tokio::time::timeout(self.config.timeout, self.get_unbounded(url, validators))
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Timeout {
                    url: url.to_string(),
                    secs: self.config.timeout.as_secs(),
                })
            })
    }

    async fn get_unbounded(&self, url: &str, validators: &Validators) -> Result<FetchedPage, FetchError> {
        let (response, current, redirects) = self.send_following(url, validators).await?;
        let mut response = response;
        let final_url = current;
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
        let retry_after = header(RETRY_AFTER);
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchedPage {
                final_url,
                not_modified: true,
                content_type,
                validators,
                body: Vec::new(),
                redirects,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: final_url.to_string(),
                status: status.as_u16(),
                retry_after: retry_after.and_then(|v| parse_retry_after(&v, std::time::SystemTime::now())),
            });
        }
        let limit = self.config.max_body_bytes;
        // Before decompression this is only the compressed size, and a
        // server may lie; it refuses the honest giants at once, and the loop
        // below counts what is really read, decompressed.
        if let Some(declared) = response.content_length().filter(|&n| n > limit as u64) {
            return Err(FetchError::TooLarge {
                url: final_url.to_string(),
                limit,
                declared: Some(declared),
            });
        }
        let mut body = Vec::new();
        let read_error = |e, read: usize| match self.classify(final_url.as_str(), e) {
            FetchError::Network { url, reason } => FetchError::Network {
                url,
                reason: format!("{reason} (after {read} bytes of the body)"),
            },
            other => other,
        };
        while let Some(chunk) = response.chunk().await.map_err(|e| read_error(e, body.len()))? {
            if body.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge {
                    url: final_url.to_string(),
                    limit,
                    declared: None,
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
            redirects,
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
                    host: blocked.described(),
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
            // reqwest reports a connection closed early as a decode error
            // when the body goes through its decompressor.
            format!(
                "reading the body failed ({cause}): the response was cut off before its end, or its \
                 compression is corrupt; usually passing, it is tried again later"
            )
        } else {
            cause
        };
        FetchError::Network {
            url: url.to_string(),
            reason,
        }
    }
}

/// A response of any status, for diagnosis (`tracewire feeds check`).
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub final_url: Url,
    pub status: u16,
    /// Response headers, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body, cut at the configured limit.
    pub body: Vec<u8>,
    /// True when the body was longer than the limit and was cut.
    pub truncated: bool,
    pub redirects: Vec<Redirect>,
    pub elapsed: std::time::Duration,
}

impl Diagnosis {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Fetcher {
    /// POSTs a form (a WebSub subscription request) and returns the status.
    /// The address guard and the time limit hold; redirects are not
    /// followed (a hub answers 202).
    pub async fn post_form(&self, url: &str, form: &[(&str, String)]) -> Result<u16, FetchError> {
        let target = self.check_url(url)?;
        let response = self
            .client
            .post(target)
            .form(form)
            .send()
            .await
            .map_err(|e| self.classify(url, e))?;
        Ok(response.status().as_u16())
    }

    /// GETs `url` like [`Fetcher::get`], but keeps a response of any status
    /// with its headers and (capped) body, so that an error page can be
    /// looked at: a bot wall, a login page. The address guard, the redirect
    /// limit and the time limit hold as for `get`.
    pub async fn get_any(&self, url: &str) -> Result<Diagnosis, FetchError> {
        tokio::time::timeout(self.config.timeout, self.get_any_unbounded(url))
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Timeout {
                    url: url.to_string(),
                    secs: self.config.timeout.as_secs(),
                })
            })
    }

    async fn get_any_unbounded(&self, url: &str) -> Result<Diagnosis, FetchError> {
        let started = std::time::Instant::now();
        let (mut response, final_url, redirects) = self.send_following(url, &Validators::default()).await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let limit = self.config.max_body_bytes;
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(final_url.as_str(), e))?
        {
            let room = limit.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Diagnosis {
            final_url,
            status,
            headers,
            body,
            truncated,
            redirects,
            elapsed: started.elapsed(),
        })
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

/// A host name every address of which the guard refused.
#[derive(Debug, thiserror::Error)]
#[error("{} resolves only to private, loopback, link-local or multicast addresses", .0)]
struct BlockedHost(String, Vec<IpAddr>);

impl BlockedHost {
    /// "name (resolves to 10.0.0.1, ...)", for `FetchError::Blocked`.
    fn described(&self) -> String {
        let addrs: Vec<String> = self.1.iter().map(IpAddr::to_string).collect();
        format!("{} (resolves to {})", self.0, addrs.join(", "))
    }
}

/// What the address guard lets through.
#[derive(Debug, Clone, Default)]
struct Guard {
    allow_private: bool,
    /// Private addresses allowed one by one.
    allowed: Vec<IpAddr>,
}

impl Guard {
    fn permits(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip) || self.allowed.contains(&ip)
    }
}

/// Resolves with the system resolver (or the configured overrides) and
/// drops addresses the guard refuses, so a hostname pointing at 127.0.0.1
/// or 10.x is refused at connect time, including on redirects and DNS
/// rebinding.
struct GuardedResolver {
    guard: Guard,
    overrides: Vec<(String, SocketAddr)>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let overridden: Vec<SocketAddr> = self
            .overrides
            .iter()
            .filter(|(h, _)| h.trim_end_matches('.').eq_ignore_ascii_case(&host))
            .map(|(_, a)| *a)
            .collect();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = if overridden.is_empty() {
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect()
            } else {
                overridden
            };
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                addrs.into_iter().partition(|a| guard.permits(a.ip()));
            if allowed.is_empty() {
                let refused = refused.iter().map(SocketAddr::ip).collect();
                return Err(Box::new(BlockedHost(host, refused)) as Box<dyn std::error::Error + Send + Sync>);
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
        let guarded = GuardedResolver {
            guard: Guard::default(),
            overrides: Vec::new(),
        };
        let err = match guarded.resolve(Name::from_str("localhost").unwrap()).await {
            Ok(_) => panic!("localhost resolved through the guard"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("private, loopback"), "{err}");
        let open = GuardedResolver {
            guard: Guard {
                allow_private: true,
                allowed: Vec::new(),
            },
            overrides: Vec::new(),
        };
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

#[cfg(test)]
mod deadline_tests {
    #![allow(clippy::unwrap_used)]
    use std::time::{Duration, Instant};

    use tracewire_testkit::{FixtureResponse, FixtureServer};

    use super::*;

    #[tokio::test]
    async fn a_chain_of_slow_redirects_shares_one_deadline() {
        // Each hop answers within the limit; the chain as a whole does not.
        let site = FixtureServer::start().await.unwrap();
        for i in 0..4 {
            site.route(
                &format!("/hop{i}"),
                FixtureResponse::redirect(302, &format!("/hop{}", i + 1)).with_delay(Duration::from_millis(700)),
            );
        }
        site.route("/hop4", FixtureResponse::ok("text/plain", "done"));
        let fetcher = Fetcher::new(FetchConfig {
            allow_private_networks: true,
            timeout: Duration::from_secs(2),
            ..FetchConfig::default()
        })
        .unwrap();
        let started = Instant::now();
        let err = fetcher
            .get(&site.url("/hop0"), &Validators::default())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Timeout { secs: 2, .. }), "{err}");
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "{:?}",
            started.elapsed()
        );
        let err = fetcher.get_any(&site.url("/hop0")).await.unwrap_err();
        assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    }
}
