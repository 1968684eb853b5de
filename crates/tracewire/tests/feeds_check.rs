//! `tracewire feeds check` (issue 5, part 9) against feeds served on
//! 127.0.0.1 and from files: plain words, what Tracewire will do, exit status.

mod common;

use common::Tracewire;
use tracewire_testkit::demo::SEED_FEED_XML;
use tracewire_testkit::{FixtureResponse, FixtureServer};

#[tokio::test]
async fn a_good_feed_behind_a_permanent_redirect() {
    let site = FixtureServer::start().await.unwrap();
    site.route("/old", FixtureResponse::redirect(301, "/feed.xml"));
    site.route("/feed.xml", FixtureResponse::rss(SEED_FEED_XML).with_etag("\"1\""));
    let tw = Tracewire::new();
    let out = tw.ok(&["feeds", "check", &site.url("/old")]).await;
    assert!(
        out.contains("RSS 2.0, \"World News Feed\", 1 entries, HTTP 200"),
        "{out}"
    );
    assert!(out.contains("moved for good"), "{out}");
    assert!(
        out.contains(&format!(
            "Tracewire will update the subscription to {}",
            site.url("/feed.xml")
        )),
        "{out}"
    );
    assert!(out.contains("Tracewire can read this feed."), "{out}");
}

#[tokio::test]
async fn a_bot_wall_is_named_and_the_exit_status_says_so() {
    let site = FixtureServer::start().await.unwrap();
    site.route(
        "/feed",
        FixtureResponse::ok(
            "text/html; charset=UTF-8",
            "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>\
             <script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1\"></script></body></html>",
        )
        .with_header("cf-mitigated", "challenge")
        .with_header("server", "cloudflare"),
    );
    let tw = Tracewire::new();
    let run = tw.run(&["feeds", "check", &site.url("/feed"), "--json"]).await;
    assert!(!run.ok, "a feed behind a wall is not readable: {}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["readable"], false);
    let first = &report["findings"][0];
    assert_eq!(first["severity"], "problem");
    assert!(
        first["what"].as_str().unwrap().contains("Cloudflare bot-wall"),
        "{first}"
    );
    assert!(
        first["tracewire_will"]
            .as_str()
            .unwrap()
            .contains("retries with backoff"),
        "{first}"
    );
}

#[tokio::test]
async fn a_file_with_faults_and_a_guarded_address() {
    let tw = Tracewire::new();
    let file = tw.data.path().join("feed.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
        <item><title>&lt;b&gt;Bold&lt;/b&gt;</title><link>https://w.example/1</link><pubDate>31/02/2025</pubDate></item>
        </channel></rss>"#,
    )
    .unwrap();
    let out = tw.ok(&["feeds", "check", file.to_str().unwrap()]).await;
    assert!(out.contains("The one entry has no GUID or id"), "{out}");
    assert!(out.contains("dates that cannot be read: \"31/02/2025\""), "{out}");
    assert!(out.contains("titles contain HTML markup"), "{out}");
    assert!(
        out.contains("Tracewire will store them without a publication date"),
        "{out}"
    );

    // Without the private-network switch, loopback is refused, and said so.
    let site = FixtureServer::start().await.unwrap();
    site.route("/feed.xml", FixtureResponse::rss(SEED_FEED_XML));
    let guarded = Tracewire::guarded();
    let run = guarded.run(&["feeds", "check", &site.url("/feed.xml")]).await;
    assert!(!run.ok);
    assert!(
        run.stdout.contains("could not be fetched: refused to fetch"),
        "{}",
        run.stdout
    );
    assert_eq!(site.hits("/feed.xml"), 0);
}
