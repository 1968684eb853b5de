//! The same path as the seed for Atom and JSON Feed sources, plus feed
//! discovery, fallback to feed content, OPML and unsubscribing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Tracewire;
use tracewire_testkit::{FixtureResponse, FixtureServer};

fn page(title: &str, site: &str, paragraphs: &[&str], tail: &str) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><title>{title} | {site}</title>
        <meta property="og:site_name" content="{site}"><meta name="author" content="Jo Reporter">
        </head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
        <main><article class="story"><h1>{title}</h1><div class="story-body">{body}{tail}</div>
        <div class="share-tools"><a href="/s">Share on Facebook</a></div></article>
        <aside class="sidebar"><h2>Most read</h2><ul><li><a href="/x">Something else</a></li></ul></aside></main>
        <footer>Copyright {site}</footer></body></html>"#
    )
}

const P1: &str =
    "The city council voted on Tuesday to expand the tram network, adding three new lines by 2030, officials said.";
const P2: &str =
    "Critics, including two opposition parties, said the plan was too expensive and would take years to deliver.";
const P3: &str = "The mayor said construction would begin next spring, with the first line opening within three years.";

#[tokio::test]
async fn atom_and_json_feed_sources() {
    let site = FixtureServer::start().await.unwrap();
    let b = site.base_url();
    site.route(
        "/atom.xml",
        FixtureResponse::atom(format!(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Courier</title><id>urn:courier</id>
            <link href="{b}/"/><updated>2024-05-01T10:00:00Z</updated>
            <entry><id>urn:courier:1</id><title>Council expands tram network</title><link rel="alternate" href="/stories/tram"/>
            <published>2024-05-01T09:00:00Z</published><updated>2024-05-01T09:00:00Z</updated><summary>Trams.</summary></entry></feed>"#
        )),
    );
    site.route(
        "/stories/tram",
        FixtureResponse::html(page("Council expands tram network", "Courier", &[P1, P2, P3], "")),
    );
    site.route(
        "/feed.json",
        FixtureResponse::json_feed(format!(
            r#"{{"version":"https://jsonfeed.org/version/1.1","title":"Wire","home_page_url":"{b}/","items":[
              {{"id":"w1","url":"{b}/a/tram-copy","title":"Tram network to grow","date_published":"2024-05-01T12:00:00Z"}},
              {{"id":"w2","url":"{b}/a/gone","title":"Page that vanished","content_html":"<p>{P1}</p><p>{P2}</p><p>Originally published at <a href=\"https://origin.example/tram\">https://origin.example/tram</a></p>"}}]}}"#
        )),
    );
    site.route(
        "/a/tram-copy",
        FixtureResponse::html(page(
            "Tram network to grow",
            "Wire",
            &[P1, P2],
            &format!(r#"<p>via <a href="{b}/stories/tram">Courier</a></p>"#),
        )),
    );
    // /a/gone is not routed: 404, so the feed's own content is used.
    site.route(
        "/",
        FixtureResponse::html(r#"<html><head><link rel="alternate" type="application/atom+xml" href="/atom.xml"></head><body>Home</body></html>"#),
    );

    let tw = Tracewire::new();
    // The home page advertises the Atom feed.
    let added = tw.ok(&["feeds", "add", &site.url("/"), &site.url("/feed.json")]).await;
    assert!(added.contains(&site.url("/atom.xml")), "{added}");
    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(crawled.contains("3 new articles"), "{crawled}");

    let server = tw.serve().await;
    let list = server.json("/api/v1/articles").await;
    let articles = list["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 3, "{list}");
    let by_title = |t: &str| {
        articles
            .iter()
            .find(|a| a["title"] == t)
            .unwrap_or_else(|| panic!("no {t}: {list}"))["id"]
            .as_i64()
            .unwrap()
    };

    let atom = server
        .json(&format!(
            "/api/v1/articles/{}",
            by_title("Council expands tram network")
        ))
        .await;
    assert_eq!(atom["text"], format!("{P1}\n\n{P2}\n\n{P3}"));
    assert_eq!(atom["byline"], "Jo Reporter");
    assert_eq!(atom["site_name"], "Courier");
    assert_eq!(atom["published"], "2024-05-01T09:00:00Z");
    assert!(atom["source_url"].is_null());

    let copy = server
        .json(&format!("/api/v1/articles/{}", by_title("Tram network to grow")))
        .await;
    assert_eq!(copy["text"], format!("{P1}\n\n{P2}"));
    assert_eq!(copy["source_url"], site.url("/stories/tram"));
    // The copy's original is in its provenance, not among its related
    // posts (which are other stories: here there are none).
    let provenance = server
        .json(&format!("/api/v1/articles/{}/provenance", copy["id"]))
        .await;
    let origin = by_title("Council expands tram network");
    assert_eq!(provenance["origin"]["id"], origin, "{provenance}");
    assert!(
        provenance["copies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == origin && c["relation"] != "same_story"),
        "{provenance}"
    );
    assert!(
        copy["related"].as_array().unwrap().iter().all(|r| r["id"] != origin),
        "{copy}"
    );

    let fallback = server
        .json(&format!("/api/v1/articles/{}", by_title("Page that vanished")))
        .await;
    assert_eq!(fallback["text"], format!("{P1}\n\n{P2}"));
    assert_eq!(fallback["source_url"], "https://origin.example/tram");

    // OPML out, remove, OPML in.
    let opml = tw.ok(&["feeds", "export"]).await;
    assert!(
        opml.contains(&site.url("/atom.xml")) && opml.contains(&site.url("/feed.json")),
        "{opml}"
    );
    let listing = tw.ok(&["feeds", "list"]).await;
    assert!(
        listing.contains("#1") && listing.contains("#2") && listing.contains("ok"),
        "{listing}"
    );
    tw.ok(&["feeds", "remove", "2"]).await;
    assert!(!tw.run(&["feeds", "remove", "2"]).await.ok);
    let listing = tw.ok(&["feeds", "list"]).await;
    assert!(!listing.contains("#2"), "{listing}");
    let file = tw.data.path().join("subs.opml");
    std::fs::write(&file, &opml).unwrap();
    let imported = tw.ok(&["feeds", "import", file.to_str().unwrap()]).await;
    assert!(
        imported.contains("imported 1 feeds (1 already subscribed)"),
        "{imported}"
    );
    let dup = tw.run(&["feeds", "add", &site.url("/atom.xml")]).await;
    assert!(!dup.ok && dup.stderr.contains("already subscribed"), "{}", dup.stderr);
}
