//! Search end to end: `tracewire search` and `reindex` on a crawled
//! instance, the JSON API and the search page of a running `serve`, and
//! that index following articles another process crawls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Server, Tracewire};
use tracewire_testkit::{FixtureResponse, FixtureServer};

fn feed(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, text)| {
            format!(
                "<item><title>{title}</title><guid>{guid}</guid><link>/a/{guid}</link>\
                 <pubDate>Fri, 18 Sep 2015 10:00:00 GMT</pubDate>\
                 <description><![CDATA[<p>{text}</p>]]></description></item>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>http://wire.example/</link>{items}</channel></rss>"#
    )
}

/// A site whose article pages are missing: the entries' own text is stored.
async fn site(items: &[(&str, &str, &str)]) -> FixtureServer {
    let site = FixtureServer::start().await.unwrap();
    site.route("/feed.xml", FixtureResponse::rss(feed(items)));
    site
}

async fn titles_found(server: &Server, query: &str) -> Vec<String> {
    let body = server.json(&format!("/api/v1/search?q={query}")).await;
    body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn search_from_the_command_line_the_api_and_the_page() {
    let wire = site(&[
        (
            "1",
            "Ceasefire talks resume in Geneva",
            "Delegations met in Geneva on Monday for peace talks, a spokesman told reporters.",
        ),
        (
            "2",
            "Storm warning for the coast",
            "Heavy rain and strong winds are expected along the coast through the weekend.",
        ),
    ])
    .await;
    let daily = site(&[(
        "9",
        "A rumour of talks",
        "Unconfirmed reports of a ceasefire circulated in Vienna on Tuesday.",
    )])
    .await;
    let tw = Tracewire::new();
    tw.ok(&[
        "feeds",
        "add",
        "--no-check",
        &wire.url("/feed.xml"),
        &daily.url("/feed.xml"),
    ])
    .await;
    tw.ok(&["crawl", "--once"]).await;

    // Alone, `search` brings the index up to date first.
    let out = tw.ok(&["search", "ceasefire"]).await;
    assert!(out.starts_with("2 articles"), "{out}");
    assert!(out.contains("Ceasefire talks resume in Geneva"), "{out}");
    assert!(out.contains("[ceasefire]") || out.contains("[Ceasefire]"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&tw.ok(&["search", "--json", "\"peace talks\"", "-storm"]).await).unwrap();
    assert_eq!(json["total"], 1);
    assert!(
        json["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<b>peace</b> <b>talks</b>"),
        "{json}"
    );
    let bad = tw.run(&["search", "talks", "after:yesterday"]).await;
    assert!(!bad.ok);
    assert!(bad.stderr.contains("YYYY-MM-DD"), "{}", bad.stderr);
    let rebuilt = tw.ok(&["reindex"]).await;
    assert!(rebuilt.starts_with("indexed 3 articles"), "{rebuilt}");

    let server = tw.serve().await;
    assert_eq!(
        titles_found(&server, "geneva").await,
        vec!["Ceasefire talks resume in Geneva"]
    );
    let wire_site = wire
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let body = server
        .json(&format!("/api/v1/search?q=talks%20site:{wire_site}&sort=date&limit=1"))
        .await;
    assert_eq!((body["total"].as_u64(), body["sort"].as_str()), (Some(1), Some("date")));
    let all = server.json("/api/v1/search?q=after:2015-09-01").await;
    assert_eq!(all["total"], 3);
    let sites: Vec<(String, u64)> = all["facets"]["site"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["value"].as_str().unwrap().to_string(), f["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(sites.len(), 2);
    assert!(sites.contains(&(wire_site.clone(), 2)), "{sites:?}");
    for (query, status) in [("talks&sort=sideways", 400), ("before:2015-13", 400), ("-only", 400)] {
        let (got, body) = server.get(&format!("/api/v1/search?q={query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body.contains("\"error\""), "{body}");
    }

    let (status, page) = server.get("/search?q=ceasefire").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("2 articles"), "{page}");
    assert!(
        page.contains("<b>ceasefire</b>") || page.contains("<b>Ceasefire</b>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("site%3A{wire_site}").replace(':', "%3A")),
        "facet link: {page}"
    );
    let (status, page) = server.get("/search?q=%3Cscript%3E%20after:never").await;
    assert_eq!(status, 400);
    assert!(!page.contains("<script>"), "{page}");

    // Beside a running serve: `search` reads what serve keeps, `reindex`
    // says who holds the index, and a crawl by another process is found.
    assert!(tw.ok(&["search", "geneva"]).await.starts_with("1 article"));
    let busy = tw.run(&["reindex"]).await;
    assert!(!busy.ok);
    assert!(busy.stderr.contains("another tracewire process"), "{}", busy.stderr);
    let late = site(&[(
        "5",
        "Marathon record in Berlin",
        "A new marathon record was set on Sunday.",
    )])
    .await;
    tw.ok(&["feeds", "add", "--no-check", &late.url("/feed.xml")]).await;
    tw.ok(&["crawl", "--once"]).await;
    let mut found = Vec::new();
    for _ in 0..50 {
        found = titles_found(&server, "marathon").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(found, vec!["Marathon record in Berlin"]);

    // A removed feed's articles leave the results.
    let list = tw.ok(&["feeds", "list"]).await;
    // `#ID status title` with the URL on the line below.
    let lines: Vec<&str> = list.lines().collect();
    let at = lines.iter().position(|l| l.contains(&late.url("/feed.xml"))).unwrap();
    let late_id = lines[at - 1]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_start_matches('#')
        .to_string();
    tw.ok(&["feeds", "remove", &late_id]).await;
    assert!(titles_found(&server, "marathon").await.is_empty());
}
