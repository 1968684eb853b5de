//! robots.txt for article pages (RFC 9309). Feeds are fetched without it:
//! a person subscribed to them, which is what every feed reader does.
//!
//! Rules are read by `texting_robots`; this module decides what an answer
//! means. As RFC 9309 says: a robots.txt that is missing or forbidden (4xx)
//! allows everything; one that cannot be reached (5xx, timeout, network
//! error) disallows everything for now; one that does not parse allows
//! everything. Only the first 500 KiB are read.

use std::time::Duration;

use texting_robots::Robot;
use url::Url;

use crate::fetch::{FetchError, FetchedPage};

/// The product token our rules are looked up under.
pub const AGENT: &str = "Tracewire";

/// RFC 9309 §2.5: crawlers must read at least 500 KiB.
const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// Longest Crawl-delay honoured; beyond it the site is still read, at this pace.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

/// What one site's robots.txt allows us.
#[derive(Debug)]
pub enum Rules {
    AllowAll,
    /// robots.txt could not be fetched: nothing is fetched from the site
    /// this time. The reason says why.
    Unreachable(String),
    Parsed(Robot),
}

impl Rules {
    /// Reads the outcome of fetching `robots_url`.
    pub fn from_fetch(robots_url: &str, fetched: Result<FetchedPage, FetchError>) -> Rules {
        match fetched {
            Ok(page) => {
                let body = &page.body[..page.body.len().min(MAX_ROBOTS_BYTES)];
                // texting_robots builds regexes from the file; a panic in it
                // must not take the crawl down (the file is untrusted input).
                match std::panic::catch_unwind(|| Robot::new(AGENT, body)) {
                    Ok(Ok(robot)) => Rules::Parsed(robot),
                    Ok(Err(error)) => {
                        tracing::info!(%robots_url, %error, "robots.txt does not parse; reading it as allowing everything");
                        Rules::AllowAll
                    }
                    Err(_) => {
                        tracing::warn!(%robots_url, "robots.txt made its parser panic; reading it as allowing everything");
                        Rules::AllowAll
                    }
                }
            }
            Err(FetchError::Status { status, .. }) if (400..500).contains(&status) && status != 429 => Rules::AllowAll,
            Err(error) => Rules::Unreachable(error.to_string()),
        }
    }

    /// `Err` with the reason when `url` may not be fetched.
    pub fn check(&self, robots_url: &str, url: &Url) -> Result<(), String> {
        match self {
            Rules::AllowAll => Ok(()),
            Rules::Unreachable(why) => Err(format!(
                "not fetched: its site's robots.txt could not be read ({why}), and until it can, \
                 the site is treated as disallowing crawlers (RFC 9309)"
            )),
            Rules::Parsed(robot) if robot.allowed(url.as_str()) => Ok(()),
            Rules::Parsed(_) => Err(format!("not fetched: {robots_url} disallows it for {AGENT}")),
        }
    }

    /// The site's Crawl-delay, bounded.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(MAX_CRAWL_DELAY.as_secs_f32()))),
            _ => None,
        }
    }
}

/// The robots.txt URL for `url`'s origin (credentials dropped).
pub fn robots_url(url: &Url) -> Option<String> {
    texting_robots::get_robots_url(url.as_str()).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn page(body: &str) -> Result<FetchedPage, FetchError> {
        Ok(FetchedPage {
            final_url: Url::parse("https://news.example/robots.txt").unwrap(),
            not_modified: false,
            content_type: Some("text/plain".into()),
            validators: Default::default(),
            body: body.as_bytes().to_vec(),
            redirects: Vec::new(),
        })
    }

    fn status(status: u16) -> Result<FetchedPage, FetchError> {
        Err(FetchError::Status {
            url: "https://news.example/robots.txt".into(),
            status,
            retry_after: None,
        })
    }

    #[test]
    fn rules_follow_rfc_9309() {
        let url = |p: &str| Url::parse(&format!("https://news.example{p}")).unwrap();
        let robots = "https://news.example/robots.txt";
        let rules = Rules::from_fetch(
            robots,
            page("User-agent: *\nDisallow: /private/\n\nUser-agent: tracewire\nDisallow: /drafts/\nCrawl-delay: 2.5\n"),
        );
        // Our own group applies (matched case-insensitively), not `*`'s.
        assert!(rules.check(robots, &url("/drafts/a")).is_err());
        assert!(rules.check(robots, &url("/private/a")).is_ok());
        assert_eq!(rules.crawl_delay(), Some(Duration::from_millis(2500)));

        let star = Rules::from_fetch(robots, page("User-agent: *\nDisallow: /\nAllow: /news/\n"));
        assert!(star.check(robots, &url("/news/2026/talks")).is_ok());
        assert!(star.check(robots, &url("/shop")).is_err());
        assert_eq!(star.crawl_delay(), None);

        let slow = Rules::from_fetch(robots, page("User-agent: *\nCrawl-delay: 86400\n"));
        assert_eq!(slow.crawl_delay(), Some(MAX_CRAWL_DELAY));

        // Missing or forbidden: everything allowed. Unreachable: nothing.
        for s in [404, 401, 403, 410] {
            assert!(
                Rules::from_fetch(robots, status(s)).check(robots, &url("/a")).is_ok(),
                "{s}"
            );
        }
        for s in [500, 503, 429] {
            let err = Rules::from_fetch(robots, status(s))
                .check(robots, &url("/a"))
                .unwrap_err();
            assert!(err.contains("could not be read"), "{err}");
        }
    }

    #[test]
    fn robots_url_is_the_origins() {
        let u = Url::parse("https://user:pw@News.Example:8443/a/b?c=1#d").unwrap();
        assert_eq!(robots_url(&u).unwrap(), "https://news.example:8443/robots.txt");
    }
}
