//! A fixture web for scale-out tests and benchmarks: many news sites, each a
//! [`FixtureServer`] on a loopback address of its own (127.0.0.2,
//! 127.0.0.3, …), so that each site is a host of its own to the crawler's
//! per-host limits, each with feeds listing its entries and an article page
//! for every entry, answering after a small delay like a real server.
//!
//! `tests/scale_out.rs` and `tracewire bench scale` build theirs here, so the
//! test and the benchmark crawl one kind of web. Everything follows from the
//! seed (texts, delays); only the ports change from run to run.
//!
//! It must not decide what is checked: it says what every entry is (feed,
//! GUID, page URL) and what every site saw (requests, most in flight), and
//! the caller asserts.

use std::fmt::Write as _;
use std::time::Duration;

use crate::simulate::{Chain, Rng};
use crate::{FixtureResponse, FixtureServer};

/// What to build.
#[derive(Debug, Clone, Copy)]
pub struct ScaleWebConfig {
    /// Sites, each on its own loopback address (see [`ScaleWeb::start`]).
    pub sites: usize,
    /// Entries in the whole web: one article page each.
    pub entries: usize,
    /// Most entries one feed lists; a site has as many feeds as its share
    /// of entries needs. Keep it under the crawler's `max_new_entries`
    /// (200), or a feed's entries take several fetches to read.
    pub entries_per_feed: usize,
    /// Mean time a response waits before it is sent; each route's own
    /// delay is drawn from half to one and a half times this.
    pub latency: Duration,
    pub seed: u64,
}

impl Default for ScaleWebConfig {
    fn default() -> Self {
        ScaleWebConfig {
            sites: 20,
            entries: 5_000,
            entries_per_feed: 50,
            latency: Duration::from_millis(20),
            seed: 1,
        }
    }
}

/// One entry, as the crawler must store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleEntry {
    pub feed_url: String,
    pub guid: String,
    /// The entry's page.
    pub url: String,
}

/// The running web; its servers stop when it is dropped.
pub struct ScaleWeb {
    pub servers: Vec<FixtureServer>,
    /// Every feed's URL, site by site.
    pub feed_urls: Vec<String>,
    pub entries: Vec<ScaleEntry>,
    /// Whether every site got an address of its own (false where the system
    /// has only 127.0.0.1: the sites are then one host to the crawler).
    pub distinct_hosts: bool,
}

impl ScaleWeb {
    /// Starts the sites: site `s` on `127.0.0.{s + 2}` (an ephemeral port),
    /// or on 127.0.0.1 where that address cannot be bound. Feeds are RSS 2.0,
    /// newest entry first, each item with a GUID, its page's link and its
    /// first paragraph as the description; pages are generated news text
    /// (the simulator's word chain over the bundled Wikinews texts), distinct
    /// from one another, with a header and footer around the article.
    pub async fn start(config: &ScaleWebConfig) -> std::io::Result<ScaleWeb> {
        let sites = config.sites.clamp(1, 250);
        let mut servers = Vec::with_capacity(sites);
        let mut distinct_hosts = true;
        for s in 0..sites {
            let server = match FixtureServer::start_on(&format!("127.0.0.{}:0", s + 2)).await {
                Ok(server) => server,
                Err(_) => {
                    distinct_hosts = false;
                    FixtureServer::start().await?
                }
            };
            servers.push(server);
        }
        let chain = Chain::of_corpus();
        let mut rng = Rng::new(config.seed);
        let latency_ms = u64::try_from(config.latency.as_millis()).unwrap_or(u64::MAX);
        let mut delay = || Duration::from_millis(rng.range(latency_ms / 2, latency_ms * 3 / 2 + 1));
        let mut text_rng = Rng::new(config.seed ^ 0x5ca1e);
        let per_feed = config.entries_per_feed.max(1);
        let (mut feed_urls, mut entries) = (Vec::new(), Vec::with_capacity(config.entries));
        for (s, server) in servers.iter().enumerate() {
            // Site s's share: the entries are spread evenly, the first sites
            // taking one more when they do not divide.
            let share = config.entries / sites + usize::from(s < config.entries % sites);
            let feeds = share.div_ceil(per_feed);
            for f in 0..feeds {
                let first = f * share / feeds;
                let last = (f + 1) * share / feeds;
                let feed_path = format!("/feed{f}.xml");
                let feed_url = server.url(&feed_path);
                let mut items = Vec::with_capacity(last - first);
                for i in first..last {
                    let path = format!("/story/{f}/{i}");
                    let url = server.url(&path);
                    let guid = format!("site{s}-feed{f}-entry{i}");
                    let title = chain.headline(&mut text_rng, 8);
                    let count = text_rng.range(3, 6) as usize;
                    let paragraphs = chain.paragraphs(&mut text_rng, count);
                    server.route(
                        &path,
                        FixtureResponse::html(page_html(s, &title, &paragraphs)).with_delay(delay()),
                    );
                    items.push(format!(
                        "<item><title>{}</title><link>{url}</link><guid isPermaLink=\"false\">{guid}</guid>\
                         <description>{}</description></item>",
                        escape(&title),
                        escape(paragraphs.first().map(String::as_str).unwrap_or_default())
                    ));
                    entries.push(ScaleEntry {
                        feed_url: feed_url.clone(),
                        guid,
                        url,
                    });
                }
                // Newest first, as feeds list them.
                items.reverse();
                server.route(
                    &feed_path,
                    FixtureResponse::rss(format!(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
                         <title>Site {s}, feed {f}</title><link>{}</link>{}</channel></rss>",
                        server.url("/"),
                        items.concat()
                    ))
                    .with_delay(delay()),
                );
                feed_urls.push(feed_url);
            }
        }
        Ok(ScaleWeb {
            servers,
            feed_urls,
            entries,
            distinct_hosts,
        })
    }

    /// The most requests any one site was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.servers.iter().map(FixtureServer::max_in_flight).max().unwrap_or(0)
    }

    /// Each site's address and the most requests it was answering at once.
    pub fn in_flight_by_site(&self) -> Vec<(std::net::SocketAddr, usize)> {
        self.servers.iter().map(|s| (s.addr(), s.max_in_flight())).collect()
    }

    /// Requests the sites received, all paths together.
    pub fn requests(&self) -> usize {
        self.servers.iter().map(|s| s.arrivals().len()).sum()
    }

    /// Requests for entry pages beyond one per page (a page fetched again
    /// after its worker died, or by two workers at once).
    pub fn page_refetches(&self) -> usize {
        self.entries
            .iter()
            .map(|e| {
                let path = e.url.find("/story/").map_or("", |at| &e.url[at..]);
                self.server_of(&e.url)
                    .map_or(0, |server| server.hits(path).saturating_sub(1))
            })
            .sum()
    }

    fn server_of(&self, url: &str) -> Option<&FixtureServer> {
        self.servers.iter().find(|s| url.starts_with(&s.base_url()))
    }
}

fn page_html(site: usize, title: &str, paragraphs: &[String]) -> String {
    let title = escape(title);
    let mut html = format!(
        "<html><head><title>{title} | Site {site}</title></head><body>\
         <header><a href=\"/\">Site {site}</a> <a href=\"/world\">World</a> <a href=\"/politics\">Politics</a></header>\
         <article><h1>{title}</h1>"
    );
    for p in paragraphs {
        let _ = write!(html, "<p>{}</p>", escape(p));
    }
    let _ = write!(
        html,
        "</article><footer>Copyright Site {site}. All rights reserved.</footer></body></html>"
    );
    html
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_web_has_every_entry_once_and_serves_its_pages() {
        let config = ScaleWebConfig {
            sites: 3,
            entries: 101,
            entries_per_feed: 20,
            latency: Duration::from_millis(2),
            seed: 7,
        };
        let web = ScaleWeb::start(&config).await.unwrap();
        assert_eq!(web.entries.len(), 101);
        // 34, 34 and 33 entries: two feeds a site (17 and 17; 16 and 17).
        assert_eq!(web.feed_urls.len(), 6);
        let urls: std::collections::HashSet<&str> = web.entries.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls.len(), 101);
        let client = reqwest::Client::new();
        let entry = &web.entries[40];
        let page = client.get(&entry.url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<article>"), "{page}");
        let feed = client.get(&entry.feed_url).send().await.unwrap().text().await.unwrap();
        assert!(feed.contains(&entry.guid) && feed.contains(&entry.url), "{feed}");
        assert_eq!(web.page_refetches(), 0);
        assert_eq!(web.requests(), 2);
        assert_eq!(web.max_in_flight(), 1);
    }
}
