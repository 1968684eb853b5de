//! What an operator and an API client see of one instance: `migrate`,
//! search through the JSON API, `/healthz`, `/metrics`, and a database URL
//! that is not one (its password never printed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Tracewire;
use tracewire_testkit::{ARTICLE_HTML, FixtureResponse, FixtureServer};

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>http://wire.example/</link>
<item><title>Ceasefire talks resume in Geneva</title><guid>w-1</guid><link>/a/1</link></item>
<item><title>Storm warning for the coast</title><guid>w-2</guid><link>/a/2</link>
<description><![CDATA[<p>Heavy rain and strong winds are expected along the coast through the weekend, forecasters said on Friday.</p>]]></description></item>
</channel></rss>"#;

#[tokio::test]
async fn search_health_and_metrics() {
    let site = FixtureServer::start().await.unwrap();
    site.route("/feed.xml", FixtureResponse::rss(FEED));
    site.route("/a/1", FixtureResponse::html(ARTICLE_HTML));
    site.route("/a/2", FixtureResponse::status(404));
    let tw = Tracewire::new();
    let migrated = tw.ok(&["migrate"]).await;
    assert!(migrated.contains("created the schema"), "{migrated}");
    assert!(tw.ok(&["migrate"]).await.contains("up to date"));
    tw.ok(&["feeds", "add", "--no-check", &site.url("/feed.xml")]).await;
    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(crawled.contains("crawled 1 feeds: 2 new articles"), "{crawled}");

    // `serve` indexes what is stored before it answers.
    let server = tw.serve().await;
    let hits = server.json("/api/v1/search?q=ceasefire").await;
    let titles: Vec<&str> = hits["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Ceasefire talks resume in Geneva"]);
    let storm = server.json("/api/v1/search?q=%22strong%20winds%22%20-ceasefire").await;
    assert_eq!(storm["articles"][0]["title"], "Storm warning for the coast");
    let (status, body) = server.get("/api/v1/search?q=-only").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at least one word"), "{body}");
    assert_eq!(hits["total"], 1);

    let (status, body) = server.get("/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"));
    let (status, metrics) = server.get("/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "tracewire_feeds_due 0",
        "tracewire_page_jobs{state=\"queued\"} 0",
        "tracewire_page_jobs{state=\"failed\"} 0",
        "tracewire_host_slots 0",
    ] {
        assert!(metrics.contains(line), "{line:?} missing from\n{metrics}");
    }
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
}

#[tokio::test]
async fn a_bad_database_url_is_named_without_its_password() {
    let tw = Tracewire::new();
    for url in [
        "mysql://admin:hunter2@db.example/news",
        "postgres://admin:hunter2@127.0.0.1:1/news",
    ] {
        let run = tw.run(&["--database", url, "feeds", "list"]).await;
        assert!(!run.ok, "{url} was accepted");
        assert!(!run.stderr.contains("hunter2"), "the password leaked: {}", run.stderr);
        assert!(run.stderr.contains("admin:***@"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    use sqlx::Connection;
    let tw = Tracewire::new();
    tw.ok(&["migrate"]).await;
    // What a newer Tracewire's migration leaves behind.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(tw.data.path().join("tracewire.db"));
    let mut db = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();
    for args in [&["migrate"][..], &["feeds", "list"][..]] {
        let run = tw.run(args).await;
        assert!(!run.ok, "{args:?} ran on a newer schema");
        assert!(
            run.stderr
                .contains("version 9999, newer than this Tracewire knows (up to "),
            "{}",
            run.stderr
        );
    }
}
