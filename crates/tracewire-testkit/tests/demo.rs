//! The demo web over real HTTP: home pages, feeds, every feed item's page,
//! attribution links on the aggregators, and the seed page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use reqwest::StatusCode;
use tracewire_testkit::demo::{DemoSite, DemoWeb, SEED_ARTICLE_PATH, SEED_PAGE_HTML, rewrite_seed, start_demo_web};

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(client: &reqwest::Client, url: &str) -> (StatusCode, String, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, content_type, response.text().await.unwrap())
}

/// Decodes the few entities the fixtures use (and drops CDATA markers).
fn unescape(text: &str) -> String {
    text.replace("<![CDATA[", "")
        .replace("]]>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of the first `<tag ...>...</tag>` in `block`.
fn tag_text(block: &str, tag: &str) -> Option<String> {
    let start = block.find(&format!("<{tag}"))?;
    let after = &block[start..];
    let open_end = after.find('>')? + 1;
    let close = after.find(&format!("</{tag}>"))?;
    Some(unescape(after[open_end..close].trim()))
}

/// The value of `attr="..."` in `text`.
fn attr(text: &str, attr: &str) -> Option<String> {
    let start = text.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = text[start..].find('"')?;
    Some(unescape(&text[start..start + end]))
}

/// The blocks starting with one of `opens` and ending with `close`.
fn blocks<'a>(text: &'a str, opens: &[&str], close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = opens.iter().filter_map(|o| rest.find(o)).min() {
        let Some(end) = rest[start..].find(close) else {
            break;
        };
        out.push(&rest[start..start + end + close.len()]);
        rest = &rest[start + end + close.len()..];
    }
    out
}

/// (title, link) of every item in a feed, whatever its format.
fn feed_items(site: &DemoSite, feed: &str) -> Vec<(String, String)> {
    match site.format {
        "rss2.0" => blocks(feed, &["<item>"], "</item>")
            .into_iter()
            .map(|b| (tag_text(b, "title").unwrap(), tag_text(b, "link").unwrap()))
            .collect(),
        "rss1.0" => blocks(feed, &["<item "], "</item>")
            .into_iter()
            .map(|b| (tag_text(b, "title").unwrap(), tag_text(b, "link").unwrap()))
            .collect(),
        "atom" => blocks(feed, &["<entry>"], "</entry>")
            .into_iter()
            .map(|b| {
                let link = b.find("<link rel=\"alternate\"").unwrap();
                (tag_text(b, "title").unwrap(), attr(&b[link..], "href").unwrap())
            })
            .collect(),
        "jsonfeed" => {
            let json: serde_json::Value = serde_json::from_str(feed).unwrap();
            json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["title"].as_str().unwrap().to_string(),
                        i["url"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        }
        other => panic!("unknown format {other}"),
    }
}

/// (lead-in, URL) of every attribution line in an aggregator page.
fn credits(page: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for label in ["Source Article from", "Originally published at", "via"] {
        let needle = format!("<p>{label} <a href=\"");
        for (start, _) in page.match_indices(&needle) {
            out.push((label, attr(&page[start..], "href").unwrap()));
        }
    }
    out
}

fn on_demo_host(web: &DemoWeb, url: &str) -> bool {
    web.sites.iter().any(|s| url.starts_with(&format!("{}/", s.base_url)))
}

#[tokio::test]
async fn the_demo_web_serves_feeds_pages_and_attributions() {
    let web = start_demo_web().await.unwrap();
    let client = client();

    let names: Vec<&str> = web.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "The Daily Ledger",
            "Northern Courier",
            "Metro Wire",
            "World News Feed",
            "Buzz Digest"
        ]
    );
    let hosts: BTreeSet<&str> = web.sites.iter().map(|s| s.base_url.as_str()).collect();
    assert_eq!(hosts.len(), 5, "every site has its own host");
    assert_eq!(web.feed_urls().len(), 5);

    let mut pages = 0;
    let mut chain = false;
    for site in &web.sites {
        assert!(site.base_url.starts_with("http://127.0.0.1:"));
        assert_eq!(site.home_url, format!("{}/", site.base_url));

        let (status, content_type, home) = get(&client, &site.home_url).await;
        assert_eq!(status, 200, "{} home", site.name);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let feed_path = site.feed_url.trim_start_matches(&site.base_url);
        assert!(
            home.contains("rel=\"alternate\"") && home.contains(&format!("href=\"{feed_path}\"")),
            "{} home does not announce its feed",
            site.name
        );

        let response = client.get(&site.feed_url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{} feed", site.name);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        let expected = match site.format {
            "rss2.0" => "application/rss+xml",
            "rss1.0" => "application/rdf+xml",
            "atom" => "application/atom+xml",
            _ => "application/feed+json",
        };
        assert!(content_type.starts_with(expected), "{}: {content_type}", site.name);
        let etag = response.headers()["etag"].to_str().unwrap().to_string();
        let feed = response.text().await.unwrap();

        // Conditional GET.
        let again = client
            .get(&site.feed_url)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{}", site.name);

        let items = feed_items(site, &feed);
        assert!(items.len() >= 5, "{}: {} items", site.name, items.len());
        for (title, link) in &items {
            assert!(
                link.starts_with(&format!("{}/", site.base_url)),
                "{}: {link} is not on the same server",
                site.name
            );
            let (status, content_type, page) = get(&client, link).await;
            assert_eq!(status, 200, "{link}");
            assert!(content_type.starts_with("text/html"));
            let page = unescape(&page);
            assert!(page.contains(title.as_str()), "{link} lacks its headline {title:?}");
            pages += 1;

            if site.aggregator {
                let found = credits(&page);
                assert_eq!(found.len(), 1, "{link}: credits {found:?}");
                let (_, url) = &found[0];
                if link.ends_with(SEED_ARTICLE_PATH) {
                    assert!(url.starts_with("https://www.freedomsphoenix.com/"));
                    continue;
                }
                assert!(on_demo_host(&web, url), "{link} credits {url}");
                assert_ne!(url, link);
                let (status, _, _) = get(&client, url).await;
                assert_eq!(status, 200, "{link} credits {url}, which does not answer");
                let wnf = &web.sites[3].base_url;
                if site.name == "Buzz Digest" && url.starts_with(&format!("{wnf}/")) {
                    chain = true;
                }
            }
        }
    }
    assert_eq!(pages, web.article_count());
    assert_eq!(web.article_count(), 8 + 8 + 8 + 7 + 5);
    assert!(chain, "Buzz Digest copies one story from World News Feed");

    // The seed page is served at its own path, with its links rewritten.
    let wnf = &web.sites[3];
    let (status, _, seed) = get(&client, &format!("{}{SEED_ARTICLE_PATH}", wnf.base_url)).await;
    assert_eq!(status, 200);
    assert_eq!(seed, rewrite_seed(SEED_PAGE_HTML, &wnf.base_url));
    assert!(!seed.contains("worldnewsfeed.example"));
    assert!(seed.contains(&format!(
        "<link rel=\"canonical\" href=\"{}{SEED_ARTICLE_PATH}\">",
        wnf.base_url
    )));
    let (_, _, wnf_feed) = get(&client, &wnf.feed_url).await;
    assert!(wnf_feed.contains("<content:encoded>"));
    assert!(wnf_feed.contains(&format!("<link>{}{SEED_ARTICLE_PATH}</link>", wnf.base_url)));
}

#[tokio::test]
async fn original_pages_carry_metadata_and_the_licence_credit() {
    let web = start_demo_web().await.unwrap();
    let client = client();
    for site in web.sites.iter().filter(|s| !s.aggregator) {
        let (_, _, feed) = get(&client, &site.feed_url).await;
        let items = feed_items(site, &feed);
        assert_eq!(items.len(), 8, "{}", site.name);
        for (_, link) in items {
            let (_, _, page) = get(&client, &link).await;
            assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{link}\">")));
            assert!(page.contains(&format!("<meta property=\"og:site_name\" content=\"{}\">", site.name)));
            assert!(page.contains("This article originally appeared on <a href=\"https://en.wikinews.org/wiki/"));
            assert!(page.contains("licensed under CC BY 2.5.</p>"));
            assert!(page.contains("Newsletter: sign up") && page.contains("Most read"));
        }
    }
}
