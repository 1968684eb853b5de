//! Broken feeds each get a clear error on their feed while the others are
//! still crawled; the network guard refuses loopback unless allowed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Tracewire;
use tracewire_testkit::{FixtureResponse, FixtureServer};

const GOOD_FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title><link>http://good.example/</link>
<item><title>Still crawled</title><guid>good-1</guid><link>/good/1</link>
<description><![CDATA[<p>The other feeds are broken, but this one still arrives, with its full text intact and stored.</p>]]></description></item>
</channel></rss>"#;

#[tokio::test]
async fn each_broken_feed_is_recorded_and_the_rest_still_crawl() {
    let site = FixtureServer::start().await.unwrap();
    site.route("/good.xml", FixtureResponse::rss(GOOD_FEED));
    site.route(
        "/good/1",
        FixtureResponse::html("<html><body><article><p>The other feeds are broken, but this one still arrives, with its full text intact and stored.</p></article></body></html>"),
    );
    site.route(
        "/malformed.xml",
        FixtureResponse::rss(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bad</title><item><title>x</titl></item>",
        ),
    );
    site.route("/e404.xml", FixtureResponse::status(404));
    site.route("/e500.xml", FixtureResponse::status(500));
    site.route(
        "/slow.xml",
        FixtureResponse::rss(GOOD_FEED).with_delay(Duration::from_secs(6)),
    );
    site.route(
        "/page.html",
        FixtureResponse::html(
            "<!DOCTYPE html><html><head><title>Just a page</title></head><body><p>No feed here.</p></body></html>",
        ),
    );
    let mut huge = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>");
    while huge.len() < 400_000 {
        huge.push_str("<item><title>padding padding padding</title><guid>g</guid></item>");
    }
    huge.push_str("</channel></rss>");
    site.route("/huge.xml", FixtureResponse::rss(huge));

    let mut tw = Tracewire::new();
    tw.flags
        .extend(["--fetch-timeout", "2", "--max-body-bytes", "200000"].map(String::from));
    let paths = [
        "/malformed.xml",
        "/e404.xml",
        "/e500.xml",
        "/slow.xml",
        "/page.html",
        "/huge.xml",
        "/good.xml",
    ];
    for p in paths {
        tw.ok(&["feeds", "add", "--no-check", &site.url(p)]).await;
    }
    // A checked add of a broken URL is refused with the reason.
    let refused = tw.run(&["feeds", "add", &site.url("/e404.xml?again")]).await;
    assert!(!refused.ok && refused.stderr.contains("HTTP 404"), "{}", refused.stderr);

    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(crawled.contains("crawled 7 feeds: 1 new articles"), "{crawled}");
    assert!(crawled.contains("6 failed"), "{crawled}");

    let server = tw.serve().await;
    let feeds = server.json("/api/v1/feeds").await;
    let error_of = |path: &str| -> String {
        let f = feeds["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["url"] == site.url(path))
            .unwrap();
        assert_eq!(f["status"], "error", "{path}: {f}");
        f["last_error"].as_str().unwrap().to_string()
    };
    let expectations = [
        ("/malformed.xml", "cannot parse the feed"),
        ("/e404.xml", "HTTP 404"),
        ("/e500.xml", "HTTP 500"),
        ("/slow.xml", "timed out after 2 s"),
        ("/page.html", "advertises no feed"),
        ("/huge.xml", "larger than the 200000-byte limit"),
    ];
    for (path, wanted) in expectations {
        let error = error_of(path);
        assert!(error.contains(wanted), "{path}: expected {wanted:?} in {error:?}");
        assert!(
            error.contains("127.0.0.1"),
            "{path}: the error should name the URL: {error:?}"
        );
    }
    let good = feeds["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["url"] == site.url("/good.xml"))
        .unwrap();
    assert_eq!(good["status"], "ok");
    let list = server.json("/api/v1/articles").await;
    assert_eq!(list["articles"][0]["title"], "Still crawled");

    // The feed list shows the reasons too.
    let listing = tw.ok(&["feeds", "list"]).await;
    assert!(listing.contains("last error: HTTP 404"), "{listing}");
    let (_, page) = server.get("/feeds").await;
    assert!(page.contains("HTTP 500"), "{page}");

    // Failed feeds back off: they are not due again right away.
    let again = tw.ok(&["crawl", "--once"]).await;
    assert!(again.contains("crawled 0 feeds"), "{again}");
}

#[tokio::test]
async fn loopback_is_refused_unless_allowed() {
    let site = FixtureServer::start().await.unwrap();
    site.route("/good.xml", FixtureResponse::rss(GOOD_FEED));
    let tw = Tracewire::guarded();
    for url in [
        site.url("/good.xml"),
        site.url("/good.xml").replace("127.0.0.1", "localhost"),
    ] {
        let refused = tw.run(&["feeds", "add", &url]).await;
        assert!(!refused.ok, "{url} was accepted");
        assert!(refused.stderr.contains("refused to fetch"), "{}", refused.stderr);
        assert!(
            refused.stderr.contains("--allow-private-networks"),
            "{}",
            refused.stderr
        );
    }
    tw.ok(&["feeds", "add", "--no-check", &site.url("/good.xml")]).await;
    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(
        crawled.contains("1 failed") && crawled.contains("refused to fetch"),
        "{crawled}"
    );
    assert_eq!(site.hits("/good.xml"), 0, "the guarded fetcher must not connect at all");

    // A redirect from an allowed fetch into loopback is refused too: here the
    // guard is on, so even the first hop is; the unit tests cover the policy.
    let extract = tw.run(&["extract", &site.url("/good.xml")]).await;
    assert!(
        !extract.ok && extract.stderr.contains("refused to fetch"),
        "{}",
        extract.stderr
    );
}
