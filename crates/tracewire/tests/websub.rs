//! WebSub end to end on 127.0.0.1 (issue 5, part 3): a feed names a hub,
//! the crawler subscribes with our public callback, the hub verifies it
//! against our web server, and a signed notification makes the feed due at
//! once; a forged one does not.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tracewire_ingest::{CrawlConfig, Crawler, FetchConfig, Fetcher};
use tracewire_model::WebSubState;
use tracewire_store::NewFeed;
use tracewire_testkit::websub_hub::FixtureHub;
use tracewire_testkit::{ARTICLE_HTML, FixtureResponse, FixtureServer};
use tracewire_web::{AppState, WebConfig};

#[tokio::test]
async fn a_feed_with_a_hub_is_pushed_to_us() {
    let hub = FixtureHub::start().await.unwrap();
    let site = FixtureServer::start().await.unwrap();
    let topic = site.url("/feed.xml");
    site.route("/story/1", FixtureResponse::html(ARTICLE_HTML));
    site.route(
        "/feed.xml",
        FixtureResponse::rss(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>\
             <title>Wire</title><link>{}</link><atom:link rel=\"hub\" href=\"{}\"/>\
             <atom:link rel=\"self\" href=\"{topic}\"/>\
             <item><guid>1</guid><title>Talks resume</title><link>{}</link></item></channel></rss>",
            site.url("/"),
            hub.url(),
            site.url("/story/1")
        )),
    );

    let data = tempfile::tempdir().unwrap();
    let store = tracewire_store::open_embedded(data.path()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState {
        store: store.clone(),
        config: Arc::new(WebConfig {
            public_url: Some(base.clone()),
            ..WebConfig::default()
        }),
        crawl_metrics: None,
        search: None,
        throttle: Default::default(),
    };
    let web = tokio::spawn(tracewire_web::serve(listener, state, std::future::pending()));
    let fetcher = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        ..FetchConfig::default()
    })
    .unwrap();
    let crawler = Crawler::new(
        store.clone(),
        fetcher,
        CrawlConfig {
            per_host_interval: Duration::ZERO,
            websub_base: Some(base.clone()),
            ..CrawlConfig::default()
        },
    );
    let feed = store
        .add_feed(NewFeed {
            url: topic.clone(),
            title: None,
            site_url: None,
            interval_secs: 1800,
        })
        .await
        .unwrap();

    // The first crawl subscribes; the hub's verification reaches our server.
    let report = crawler.crawl_feed(&feed).await;
    assert_eq!((report.error, report.new_articles), (None, 1));
    let requests = hub.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.topic, topic);
    assert_eq!(request.callback, format!("{base}/websub/{}", feed.id));
    assert!(request.verified, "our callback echoed the challenge");
    assert_eq!(request.secret.as_ref().map(String::len), Some(64));
    let subscription = store.websub(feed.id).await.unwrap().unwrap();
    assert_eq!(subscription.state, WebSubState::Active);
    assert!(subscription.lease_expires.unwrap() > Utc::now() + chrono::Duration::days(9));

    // A live subscription is not asked for again.
    let feed = store.feed(feed.id).await.unwrap().unwrap();
    crawler.crawl_feed(&feed).await;
    assert_eq!(hub.requests().len(), 1);
    let due = |at| {
        let store = store.clone();
        async move { store.due_feeds(at).await.unwrap().iter().any(|f| f.id == feed.id) }
    };
    assert!(!due(Utc::now()).await, "polled: next fetch is an interval away");

    // A forged notification is acknowledged and ignored.
    let client = reqwest::Client::new();
    let callback = format!("{base}/websub/{}", feed.id);
    let forged = client
        .post(&callback)
        .header("x-hub-signature", format!("sha256={}", "0".repeat(64)))
        .body("<rss/>")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 202);
    assert!(!due(Utc::now()).await, "a forged push changes nothing");

    // The hub's signed notification makes the feed due now.
    assert_eq!(hub.publish(&topic, "<rss/>").await, [202]);
    assert!(due(Utc::now()).await);
    assert!(store.websub(feed.id).await.unwrap().unwrap().last_push.is_some());

    // Verifications we did not ask for are refused.
    for query in [
        "hub.mode=subscribe&hub.topic=http%3A%2F%2Fother.example%2F&hub.challenge=x",
        "hub.mode=unsubscribe&hub.topic=x&hub.challenge=x",
    ] {
        let r = client.get(format!("{callback}?{query}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{query}");
    }
    let r = client
        .post(format!("{base}/websub/999"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410, "a feed we do not follow");
    web.abort();
}
