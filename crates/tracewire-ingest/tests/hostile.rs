//! Hostile servers, each on 127.0.0.1 (or 127.0.0.2 for "private" targets):
//! every case ends in bounded time and memory with a clear error stored on
//! its feed, and the rest of the crawl goes on. Everything runs through the
//! real `Crawler`, the real `Fetcher` and a real SQLite store.
//!
//! The address guard stays on: the fetcher refuses private networks and
//! allows only 127.0.0.1 by name (`allowed_private_addresses`), so the
//! fixtures are reachable while 127.0.0.2, 169.254.169.254 and a host name
//! resolving to 127.0.0.2 are refused. Each case has its own host name
//! (`resolve_overrides`), so per-host limits do not queue one behind another.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracewire_ingest::crawl::{CrawlConfig, CrawlEvent, Crawler};
use tracewire_ingest::fetch::{FetchConfig, FetchError, Fetcher, Validators};
use tracewire_store::NewFeed;
use tracewire_testkit::hostile::{HostileServer, Misbehaviour};
use tracewire_testkit::{ARTICLE_HTML, FixtureResponse, FixtureServer};

/// The tests that measure this process's peak memory run one at a time.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const TIMEOUT: Duration = Duration::from_secs(3);
/// Scheduling slack on a loaded two-core machine running a debug build.
const SLACK: Duration = Duration::from_secs(4);
const MAX_BODY: usize = 10 * 1024 * 1024;
/// What each compression bomb decompresses to.
const BOMB_BYTES: usize = 1 << 30;

fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link)| format!("<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Wire</title>\
         <link>http://wire.example/</link>{items}</channel></rss>"
    )
}

/// `n` zero bytes, gzipped: about a thousandth of its size. Members of
/// 16 MiB each, one after another (a gzip stream may have many, and
/// decoders read them all), so that building it is quick.
fn gzip_bomb(n: usize) -> Vec<u8> {
    let member_size = 16 << 20;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; member_size]).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(n / member_size)
}

/// `n` zero bytes, brotli-compressed: a few hundred bytes.
fn brotli_bomb(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 1 << 16, 5, 24);
        let block = vec![0u8; 1 << 20];
        for _ in 0..n / block.len() {
            enc.write_all(&block).unwrap();
        }
    }
    out
}

/// A kernel figure for this process from /proc/self/status, in KiB.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn fetch_config(overrides: Vec<(String, SocketAddr)>) -> FetchConfig {
    FetchConfig {
        timeout: TIMEOUT,
        connect_timeout: Duration::from_secs(2),
        max_body_bytes: MAX_BODY,
        max_redirects: 5,
        allow_private_networks: false,
        allowed_private_addresses: vec![IpAddr::from([127, 0, 0, 1])],
        resolve_overrides: overrides,
        ..FetchConfig::default()
    }
}

/// One hostile case: the feed URL, what its stored error must say, and how
/// long it may take.
struct Case {
    name: &'static str,
    url: String,
    expect: Vec<&'static str>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_end_in_bounded_time_and_memory_and_the_crawl_goes_on() {
    let _alone = ALONE.lock().await;
    let started = Instant::now();
    let gzip = gzip_bomb(BOMB_BYTES);
    let br = brotli_bomb(BOMB_BYTES);
    eprintln!(
        "bombs built in {:.1?}: gzip {} bytes, brotli {} bytes, each {} bytes decompressed",
        started.elapsed(),
        gzip.len(),
        br.len(),
        BOMB_BYTES
    );

    // Well-behaved servers: the good feed with its pages, and every static
    // hostile answer (bombs, redirects, wrong types) on one fixture server,
    // each reached under its own host name.
    let web = FixtureServer::start().await.unwrap();
    let good_items = [
        ("Talks resume in Geneva", "http://good.test/world/1"),
        ("Talks resume again", "http://good.test/world/2"),
        ("Talks resume once more", "http://good.test/world/3"),
    ];
    web.route("/good.xml", FixtureResponse::rss(rss(&good_items)));
    for path in ["/world/1", "/world/2", "/world/3"] {
        web.route(path, FixtureResponse::html(ARTICLE_HTML));
    }
    web.route(
        "/gzip.xml",
        FixtureResponse::rss(gzip.clone()).with_header("content-encoding", "gzip"),
    );
    web.route(
        "/brotli.xml",
        FixtureResponse::rss(br.clone()).with_header("content-encoding", "br"),
    );
    web.route("/loop/a", FixtureResponse::redirect(302, "/loop/b"));
    web.route("/loop/b", FixtureResponse::redirect(302, "/loop/a"));
    for i in 0..8 {
        web.route(
            &format!("/chain/{i}"),
            FixtureResponse::redirect(301, &format!("/chain/{}", i + 1)),
        );
    }
    web.route("/chain/8", FixtureResponse::rss(rss(&[])));
    // Five redirects, each answered just inside the time limit: the limit
    // is for the whole fetch, not for each hop.
    for i in 0..5 {
        web.route(
            &format!("/slow/{i}"),
            FixtureResponse::redirect(302, &format!("/slow/{}", i + 1)).with_delay(TIMEOUT.mul_f64(0.8)),
        );
    }
    web.route("/slow/5", FixtureResponse::rss(rss(&[])));
    // Five redirects are allowed: a chain of exactly five still works.
    web.route("/chain5/0", FixtureResponse::redirect(302, "/chain/4"));
    // A private service the guard must keep out, on 127.0.0.2 (not allowed).
    let private = FixtureServer::start_on("127.0.0.2:0").await.unwrap();
    private.route("/feed.xml", FixtureResponse::rss(rss(&good_items)));
    let private_url = private.url("/feed.xml");
    web.route("/to-private", FixtureResponse::redirect(302, &private_url));
    web.route(
        "/to-private-name",
        FixtureResponse::redirect(302, "http://internal.test/feed.xml"),
    );
    web.route(
        "/to-metadata",
        FixtureResponse::redirect(302, "http://169.254.169.254/latest/meta-data/"),
    );
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    web.route("/image.png", FixtureResponse::ok("image/png", png));
    web.route(
        "/html-as-feed",
        FixtureResponse::ok(
            "application/rss+xml",
            "<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
        ),
    );
    web.route("/story", FixtureResponse::html(ARTICLE_HTML));
    let mut bad_utf8 = rss(&[("Caf\u{e9} opens", "http://utf8.test/story")]).into_bytes();
    let at = bad_utf8.windows(3).position(|w| w == b"Caf").unwrap() + 3;
    bad_utf8.splice(at..at + 2, [0xff, 0xfe, 0xc3]);
    web.route("/bad-utf8.xml", FixtureResponse::rss(bad_utf8));

    // Raw-TCP servers for what no HTTP library will do.
    let slow_body = HostileServer::start(Misbehaviour::SlowDripBody {
        declared: 100_000,
        interval: Duration::from_secs(1),
    })
    .await
    .unwrap();
    let slow_head = HostileServer::start(Misbehaviour::SlowDripHeaders {
        interval: Duration::from_secs(1),
    })
    .await
    .unwrap();
    let endless = HostileServer::start(Misbehaviour::EndlessChunked).await.unwrap();
    let giant_length = HostileServer::start(Misbehaviour::LyingLength {
        declared: 1 << 30,
        sent: 64 * 1024,
        hold: true,
    })
    .await
    .unwrap();
    let short_body = HostileServer::start(Misbehaviour::LyingLength {
        declared: 1 << 20,
        sent: 1000,
        hold: false,
    })
    .await
    .unwrap();
    let stalled_body = HostileServer::start(Misbehaviour::LyingLength {
        declared: 1 << 20,
        sent: 1000,
        hold: true,
    })
    .await
    .unwrap();
    let huge = HostileServer::start(Misbehaviour::HugeFeed {
        entries: 100_000,
        item_bytes: 500,
    })
    .await
    .unwrap();

    let mut overrides: Vec<(String, SocketAddr)> = [
        "good.test",
        "gzip.test",
        "brotli.test",
        "loop.test",
        "chain.test",
        "chain5.test",
        "slow-redirects.test",
        "to-private.test",
        "to-private-name.test",
        "to-metadata.test",
        "png.test",
        "html.test",
        "utf8.test",
    ]
    .iter()
    .map(|h| (h.to_string(), web.addr()))
    .collect();
    overrides.extend([
        ("slow-body.test".to_string(), slow_body.addr()),
        ("slow-head.test".to_string(), slow_head.addr()),
        ("endless.test".to_string(), endless.addr()),
        ("giant-length.test".to_string(), giant_length.addr()),
        ("short-body.test".to_string(), short_body.addr()),
        ("stalled-body.test".to_string(), stalled_body.addr()),
        ("huge.test".to_string(), huge.addr()),
        ("internal.test".to_string(), private.addr()),
    ]);

    let case = |name, url: &str, expect: &[&'static str]| Case {
        name,
        url: url.to_string(),
        expect: expect.to_vec(),
    };
    let limit = "10485760-byte limit";
    let cases = vec![
        case(
            "slow-drip body",
            "http://slow-body.test/feed.xml",
            &["timed out after 3 s", "slow-body.test", "timeout_secs"],
        ),
        case(
            "slow-drip headers",
            "http://slow-head.test/feed.xml",
            &["timed out after 3 s", "slow-head.test"],
        ),
        case(
            "endless chunked body",
            "http://endless.test/feed.xml",
            &[limit, "endless.test", "max_body_bytes"],
        ),
        case(
            "1 GB Content-Length",
            "http://giant-length.test/feed.xml",
            &[limit, "declares 1073741824 bytes"],
        ),
        case(
            "body shorter than its length",
            "http://short-body.test/feed.xml",
            &["short-body.test", "cut off before its end", "after 1000 bytes"],
        ),
        case(
            "body stalls before its length",
            "http://stalled-body.test/feed.xml",
            &["timed out after 3 s", "stalled-body.test"],
        ),
        case(
            "gzip bomb",
            "http://gzip.test/gzip.xml",
            &[limit, "gzip.test", "compression bomb"],
        ),
        case("brotli bomb", "http://brotli.test/brotli.xml", &[limit, "brotli.test"]),
        case(
            "redirect loop",
            "http://loop.test/loop/a",
            &["loop.test/loop/a redirects more than 5 times"],
        ),
        case(
            "5 slow redirects",
            "http://slow-redirects.test/slow/0",
            &["timed out after 3 s", "slow-redirects.test"],
        ),
        case(
            "8 redirects",
            "http://chain.test/chain/0",
            &["chain.test/chain/0 redirects more than 5 times"],
        ),
        case(
            "redirect to a private address",
            "http://to-private.test/to-private",
            &["refused to fetch", "127.0.0.2", "--allow-private-networks"],
        ),
        case(
            "redirect to a name resolving privately",
            "http://to-private-name.test/to-private-name",
            &["refused to fetch", "internal.test (resolves to 127.0.0.2)"],
        ),
        case(
            "redirect to cloud metadata",
            "http://to-metadata.test/to-metadata",
            &["refused to fetch", "169.254.169.254"],
        ),
        case(
            "name resolving to a private address",
            "http://internal.test/feed.xml",
            &[
                "refused to fetch http://internal.test/feed.xml",
                "internal.test (resolves to 127.0.0.2)",
            ],
        ),
        case(
            "image/png as a feed",
            "http://png.test/image.png",
            &[
                "png.test/image.png",
                "served as image/png",
                "address of the feed itself",
            ],
        ),
        case(
            "HTML as a feed",
            "http://html.test/html-as-feed",
            &["is an HTML page, not a feed"],
        ),
        case(
            "invalid UTF-8 in a UTF-8 feed",
            "http://utf8.test/bad-utf8.xml",
            &["utf8.test", "UTF-8", "only its publisher can mend it"],
        ),
        case(
            "50 MB feed of 100k entries",
            "http://huge.test/feed.xml",
            &[limit, "huge.test"],
        ),
    ];

    let dir = tempfile::tempdir().unwrap();
    let store = tracewire_store::open_embedded(dir.path()).await.unwrap();
    let mut ids = HashMap::new();
    for c in &cases {
        let feed = store
            .add_feed(NewFeed {
                url: c.url.clone(),
                title: None,
                site_url: None,
                interval_secs: 1800,
            })
            .await
            .unwrap();
        ids.insert(c.url.clone(), feed.id);
    }
    let good = store
        .add_feed(NewFeed {
            url: "http://good.test/good.xml".into(),
            title: None,
            site_url: None,
            interval_secs: 1800,
        })
        .await
        .unwrap();
    let also_good = store
        .add_feed(NewFeed {
            url: "http://chain5.test/chain5/0".into(),
            title: None,
            site_url: None,
            interval_secs: 1800,
        })
        .await
        .unwrap();

    let fetcher = Fetcher::new(fetch_config(overrides)).unwrap();
    let finished: Arc<Mutex<HashMap<String, Duration>>> = Arc::default();
    let clock = Instant::now();
    let sink = finished.clone();
    let crawler = Crawler::new(
        store.clone(),
        fetcher,
        CrawlConfig {
            feed_concurrency: 32,
            // The fixtures are ours: no pacing between requests to one host.
            per_host_interval: Duration::ZERO,
            ..CrawlConfig::default()
        },
    )
    .with_events(move |e| {
        if let CrawlEvent::FeedDone(r) = e {
            sink.lock().unwrap().insert(r.url.clone(), clock.elapsed());
        }
    });

    // Peak memory from here on: clear_refs "5" resets the high-water mark.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = proc_status_kib("VmRSS:").unwrap_or(0);
    let crawl_started = Instant::now();
    let report = crawler.crawl_once(true).await.unwrap();
    let crawl_time = crawl_started.elapsed();
    let peak = proc_status_kib(if reset { "VmHWM:" } else { "VmRSS:" }).unwrap_or(0);
    let growth_mib = peak.saturating_sub(rss_before) / 1024;
    eprintln!(
        "crawl of {} feeds took {crawl_time:.1?}; peak memory grew {growth_mib} MiB",
        report.feeds.len()
    );

    // The rest of the crawl went on: the good feed's articles are stored.
    let good_report = report.feeds.iter().find(|r| r.feed_id == good.id).unwrap();
    assert_eq!(good_report.error, None, "{good_report:?}");
    assert_eq!(good_report.new_articles, 3, "{good_report:?}");
    assert!(store.feed(good.id).await.unwrap().unwrap().last_error.is_none());
    let five = report.feeds.iter().find(|r| r.feed_id == also_good.id).unwrap();
    assert_eq!(five.error, None, "five redirects are allowed: {five:?}");

    let finished = finished.lock().unwrap().clone();
    let mut failures = Vec::new();
    let mut stored_elsewhere = 0;
    for c in &cases {
        let feed = store.feed(ids[&c.url]).await.unwrap().unwrap();
        let error = feed.last_error.clone().unwrap_or_default();
        let took = finished.get(&c.url).copied().unwrap_or(Duration::MAX);
        eprintln!("{:<40} {:>6.2?}  {error}", c.name, took);
        if took > TIMEOUT + SLACK {
            failures.push(format!("{}: took {took:?}, more than {:?}", c.name, TIMEOUT + SLACK));
        }
        let read = report
            .feeds
            .iter()
            .find(|r| r.feed_id == feed.id)
            .map_or(0, |r| r.new_articles);
        if c.name.contains("UTF-8") && error.is_empty() && read == 1 {
            // A parser that reads past the bad bytes (U+FFFD in their
            // place, as feedparser does) is as good as a clear error.
            stored_elsewhere += 1;
            continue;
        }
        for want in &c.expect {
            if !error.contains(want) {
                failures.push(format!("{}: error {error:?} does not say {want:?}", c.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(store.count_articles().await.unwrap(), 3 + stored_elsewhere);
    assert_eq!(private.hits("/feed.xml"), 0, "the private server was reached");
    assert!(crawl_time < TIMEOUT + SLACK, "the crawl took {crawl_time:?}");
    // Two bombs of 1 GiB each, 50 MB of feed and an endless body were
    // offered; each read stopped at the 10 MiB cap.
    assert!(growth_mib < 128, "peak memory grew {growth_mib} MiB");
}

/// The same redirects and names, with the guard off, reach the private
/// server: the refusals above were the guard's, not a fixture that could
/// not be reached.
#[tokio::test]
async fn without_the_guard_the_private_targets_are_reachable() {
    let private = FixtureServer::start_on("127.0.0.2:0").await.unwrap();
    private.route("/feed.xml", FixtureResponse::rss(rss(&[])));
    let web = FixtureServer::start().await.unwrap();
    web.route("/to-private", FixtureResponse::redirect(302, &private.url("/feed.xml")));
    web.route(
        "/to-private-name",
        FixtureResponse::redirect(302, "http://internal.test/feed.xml"),
    );
    let overrides = vec![
        ("web.test".to_string(), web.addr()),
        ("internal.test".to_string(), private.addr()),
    ];
    let open = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        ..fetch_config(overrides.clone())
    })
    .unwrap();
    let guarded = Fetcher::new(fetch_config(overrides)).unwrap();
    for url in [
        "http://web.test/to-private",
        "http://web.test/to-private-name",
        "http://internal.test/feed.xml",
    ] {
        let page = open.get(url, &Validators::default()).await.unwrap();
        assert!(page.body.starts_with(b"<?xml"), "{url}");
        let err = guarded.get(url, &Validators::default()).await.unwrap_err();
        assert!(matches!(err, FetchError::Blocked { .. }), "{url}: {err}");
    }
    assert_eq!(private.hits("/feed.xml"), 3);
    // An override is not a way around the guard for a name either.
    let literal = guarded
        .get(&private.url("/feed.xml"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(literal, FetchError::Blocked { .. }), "{literal}");
    assert_eq!(private.hits("/feed.xml"), 3);
}

/// 100,000 entries in 5 MB, under the body cap: each entry's page would be
/// fetched, 100,000 requests (28 hours at the default one request a second
/// per host), every article held in memory until the last is built.
/// The crawler reads at most `max_new_entries` (200) new entries per fetch;
/// the rest wait for the next fetches.
#[tokio::test]
async fn a_feed_of_100k_small_entries_is_read_in_bounded_time() {
    let _alone = ALONE.lock().await;
    let web = FixtureServer::start().await.unwrap();
    let items: String = (0..100_000)
        .map(|i| format!("<item><link>http://tiny.test/n/{i}</link></item>"))
        .collect();
    let body =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Tiny</title>{items}</channel></rss>");
    assert!(body.len() < MAX_BODY);
    web.route("/feed.xml", FixtureResponse::rss(body));
    let dir = tempfile::tempdir().unwrap();
    let store = tracewire_store::open_embedded(dir.path()).await.unwrap();
    let feed = store
        .add_feed(NewFeed {
            url: "http://tiny.test/feed.xml".into(),
            title: None,
            site_url: None,
            interval_secs: 1800,
        })
        .await
        .unwrap();
    let fetcher = Fetcher::new(fetch_config(vec![("tiny.test".into(), web.addr())])).unwrap();
    let crawler = Crawler::new(
        store.clone(),
        fetcher,
        CrawlConfig {
            per_host_interval: Duration::ZERO,
            ..CrawlConfig::default()
        },
    );
    let limit = TIMEOUT * 2 + SLACK;
    let started = Instant::now();
    let report = tokio::time::timeout(limit * 2, crawler.crawl_feed(&feed)).await;
    let took = started.elapsed();
    let pages = (0..100_000).filter(|i| web.hits(&format!("/n/{i}")) > 0).count();
    eprintln!("{took:.1?}, {pages} pages fetched");
    assert!(report.is_ok() && took < limit, "took {took:?}, {pages} pages fetched");
    assert!(pages <= 1000, "{pages} pages fetched in one crawl of one feed");
    let report = report.unwrap();
    assert!(
        report
            .skipped_entries
            .iter()
            .any(|s| s.contains("99800 new entries beyond the 200")),
        "{:?}",
        report.skipped_entries
    );
}
