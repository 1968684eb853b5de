//! The seed aggregator copy, end to end: feed in, clean article out,
//! republished with its source, related posts and view counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Tracewire;
use tracewire_testkit::demo::{
    SEED_ARTICLE_PATH, SEED_FEED_XML, SEED_FORBIDDEN as FORBIDDEN, SEED_PAGE_HTML, SEED_SOURCE_URL as FREEDOMSPHOENIX,
    rewrite_seed, seed_paragraphs,
};
use tracewire_testkit::{FixtureResponse, FixtureServer};

#[tokio::test]
async fn seed_article_end_to_end() {
    let site = FixtureServer::start().await.unwrap();
    let base = site.base_url();
    site.route(
        "/feed/",
        FixtureResponse::rss(rewrite_seed(SEED_FEED_XML, &base)).with_etag("\"seed-v1\""),
    );
    site.route(
        SEED_ARTICLE_PATH,
        FixtureResponse::html(rewrite_seed(SEED_PAGE_HTML, &base)),
    );

    let tw = Tracewire::new();
    let added = tw.ok(&["feeds", "add", &site.url("/feed/")]).await;
    assert!(added.contains("World News Feed"), "{added}");
    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(crawled.contains("1 new articles"), "{crawled}");
    assert_eq!(site.hits(SEED_ARTICLE_PATH), 1, "the article page is fetched once");

    let server = tw.serve().await;
    let list = server.json("/api/v1/articles").await;
    let articles = list["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 1, "{list}");
    let id = articles[0]["id"].as_i64().unwrap();
    assert_eq!(
        articles[0]["title"],
        "Russia Says It May Send Troops Into Combat In Syria"
    );
    assert_eq!(articles[0]["source_url"], FREEDOMSPHOENIX);
    assert_eq!(articles[0]["views"], 0);

    let article = server.json(&format!("/api/v1/articles/{id}")).await;
    let text = article["text"].as_str().unwrap();
    for paragraph in seed_paragraphs() {
        assert!(
            text.contains(paragraph),
            "missing paragraph: {paragraph}\n\ntext: {text}"
        );
    }
    for bad in FORBIDDEN {
        assert!(!text.contains(bad), "text contains {bad:?}");
        assert!(
            !article["html"].as_str().unwrap().contains(bad),
            "html contains {bad:?}"
        );
    }
    assert_eq!(article["source_url"], FREEDOMSPHOENIX);
    assert_eq!(article["canonical_url"], site.url(SEED_ARTICLE_PATH));
    assert_eq!(article["site_name"], "World News Feed");
    assert_eq!(article["language"], "en");
    assert_eq!(article["byline"], "admin");
    assert_eq!(article["published"], "2015-09-18T14:05:00Z");
    assert!(
        article["related"].as_array().unwrap().is_empty(),
        "only one article exists"
    );
    assert_eq!(article["views"], 0, "reading the API does not count a view");

    // Who said what (issue 7): the speakers of the seed, the scare quotes
    // left out, every span in characters of the text.
    let chars: Vec<char> = text.chars().collect();
    let quotes = article["quotes"].as_array().unwrap();
    let mut said: Vec<(&str, &str)> = Vec::new();
    for q in quotes {
        let (start, end) = (
            q["content"]["start"].as_u64().unwrap() as usize,
            q["content"]["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[start..end].iter().collect::<String>(),
            q["content"]["text"].as_str().unwrap()
        );
        if let Some(who) = q["speaker_name"].as_str() {
            said.push((who, q["content"]["text"].as_str().unwrap()));
        }
    }
    for (who, words) in [
        ("Reuters", "Foreign Minister Walid al-Moualem said on Thursday"),
        ("Walid al-Moualem", "if needed"),
        ("Dmitry Peskov", "if there is a request"),
        ("Dmitry Peskov", "Of course it will be discussed and considered"),
        ("the Israeli government", "will present the threats"),
        ("Russia", "willing to consider sending troops"),
    ] {
        assert!(
            said.iter().any(|(w, t)| *w == who && t.contains(words)),
            "{who}: {words:?} not in {said:?}"
        );
    }
    for scare in ["logistical", "combat", "consider"] {
        assert!(
            !quotes.iter().any(|q| q["content"]["text"] == scare),
            "{scare} is a scare quote"
        );
    }
    let entities = article["entities"].as_array().unwrap();
    let named = |name: &str, kind: &str| entities.iter().any(|e| e["name"] == name && e["kind"] == kind);
    assert!(
        named("Bashar al-Assad", "PER") && named("Islamic State", "ORG") && named("Syria", "LOC"),
        "{entities:?}"
    );
    let peskov = server.json("/api/v1/entities/Dmitry%20Peskov").await;
    assert_eq!(peskov["quotes"].as_array().unwrap().len(), 2, "{peskov}");
    assert_eq!(peskov["articles"][0]["id"], id);
    assert_eq!(peskov["timeline"][0]["day"], "2015-09-18");
    assert_eq!(peskov["timeline"][0]["articles"], 1);
    let (status, page) = server.get("/entities/Dmitry%20Peskov").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Of course it will be discussed and considered."),
        "{page}"
    );
    let (status, _) = server.get("/entities/Nobody%20Atall").await;
    assert_eq!(status, 404);
    let found = server
        .json("/api/v1/search?q=speaker:peskov%20entity:%22islamic%20state%22")
        .await;
    assert_eq!(found["total"], 1, "{found}");

    // Every response says what a page may load: nothing framed, images
    // and inline styles, and scripts from our own files.
    let head = server
        .client
        .get(format!("{}/api/v1/articles/{id}", server.base))
        .send()
        .await
        .unwrap();
    let csp = head.headers()["content-security-policy"].to_str().unwrap();
    // Scripts: our own file only, never inline code or another origin.
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    let scripts: Vec<&str> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("script-src"))
        .collect();
    assert_eq!(scripts, vec!["script-src 'self'"], "{csp}");
    assert_eq!(head.headers()["x-content-type-options"], "nosniff");

    // Two page views, persisted.
    let (status, page) = server.get(&format!("/articles/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Russia Says It May Send Troops Into Combat In Syria"));
    assert!(page.contains("Source: <strong>freedomsphoenix.com</strong>"), "{page}");
    assert!(page.contains("https://www.freedomsphoenix.com/News/183511"), "{page}");
    assert!(page.contains("Views: 1"), "{page}");
    assert!(
        page.contains("<a href=\"/entities/Dmitry%20Peskov\">Dmitry Peskov</a>"),
        "{page}"
    );
    let (_, page) = server.get(&format!("/articles/{id}")).await;
    assert!(page.contains("Views: 2"));
    let article = server.json(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(article["views"], 2);

    // All three output feeds carry it and credit its source.
    let escaped = FREEDOMSPHOENIX.replace('&', "&amp;");
    for path in ["/feed.atom", "/feed.rss"] {
        let (status, xml) = server.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            xml.contains("Russia Says It May Send Troops Into Combat In Syria"),
            "{path}: {xml}"
        );
        assert!(
            xml.contains(&escaped) || xml.contains(FREEDOMSPHOENIX),
            "{path} does not credit the source: {xml}"
        );
        assert!(
            xml.contains(&format!("/articles/{id}")),
            "{path} does not link our copy"
        );
    }
    let json = server.json("/feed.json").await;
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    let item = &json["items"][0];
    assert_eq!(item["external_url"], FREEDOMSPHOENIX);
    assert_eq!(item["title"], "Russia Says It May Send Troops Into Combat In Syria");
    assert!(
        item["content_html"]
            .as_str()
            .unwrap()
            .contains("Source: freedomsphoenix.com")
    );

    // A second crawl adds nothing, and asks the server conditionally.
    let crawled = tw.ok(&["crawl", "--once", "--force"]).await;
    assert!(crawled.contains("0 new articles"), "{crawled}");
    assert_eq!(
        site.not_modified("/feed/"),
        1,
        "the second fetch should be a conditional GET answered 304"
    );
    let list = server.json("/api/v1/articles").await;
    assert_eq!(list["articles"].as_array().unwrap().len(), 1);

    // Without --force nothing is due yet.
    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(crawled.contains("crawled 0 feeds"), "{crawled}");

    // Unknown ids: 404 with a JSON error; the HTML page: 404 too.
    let (status, body) = server.get("/api/v1/articles/999").await;
    assert_eq!(status, 404);
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "not_found", "{body}");
    assert!(error["error"]["message"].is_string(), "{body}");
    let (status, _) = server.get("/articles/999").await;
    assert_eq!(status, 404);
    let (status, _) = server.get("/api/v1/articles?limit=-1").await;
    assert_eq!(status, 400);

    // The feed list page and API show the feed's health.
    let feeds = server.json("/api/v1/feeds").await;
    assert_eq!(feeds["feeds"][0]["status"], "ok");
    assert!(feeds["feeds"][0]["last_fetched"].is_string());
    let (status, page) = server.get("/feeds").await;
    assert_eq!(status, 200);
    assert!(page.contains("World News Feed"));
}
