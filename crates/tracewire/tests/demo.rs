//! `tracewire demo`, the README's main command, runs offline and serves a
//! crawled fixture web with aggregator copies credited to their sources.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[allow(clippy::unwrap_used)] // a test helper: a failure is the test failing
async fn get_json(client: &reqwest::Client, url: String) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

#[allow(clippy::unwrap_used)] // a test helper: a failure is the test failing
async fn get_text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn demo_crawls_the_fixture_web_and_serves_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracewire"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("TRACEWIRE_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut transcript = String::new();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            transcript.push_str(&line);
            transcript.push('\n');
            if line.starts_with("ready") {
                let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
                return url.trim_end_matches('/').to_string();
            }
        }
        panic!("demo exited before it was ready:\n{transcript}");
    })
    .await
    .expect("demo was not ready within 60s");
    assert!(transcript.contains("0 failed"), "{transcript}");
    // The aggregators' copies were related to what they copied as the
    // crawl stored them.
    let relations: usize = transcript
        .split("failed; ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the crawl summary counts relations");
    assert!(relations >= 5, "{transcript}");

    let client = reqwest::Client::new();
    let list: serde_json::Value = get_json(&client, format!("{base}/api/v1/articles?limit=500")).await;
    let articles = list["articles"].as_array().unwrap();
    assert!(articles.len() >= 30, "only {} articles", articles.len());
    let seed = articles
        .iter()
        .find(|a| a["title"] == "Russia Says It May Send Troops Into Combat In Syria")
        .expect("the seed article is part of the demo");
    assert!(seed["source_url"].as_str().unwrap().contains("freedomsphoenix.com"));
    // Aggregator copies credit the demo's original sites.
    let credited_locally = articles
        .iter()
        .filter(|a| {
            a["source_url"]
                .as_str()
                .is_some_and(|s| s.starts_with("http://127.0.0.1:"))
        })
        .count();
    assert!(credited_locally >= 8, "{credited_locally} copies credit a demo site");

    // Provenance: a copy that credits a demo site has its origin there, a
    // chain from it, and the other copies of its story.
    let copy = articles
        .iter()
        .find(|a| {
            a["source_url"]
                .as_str()
                .is_some_and(|s| s.starts_with("http://127.0.0.1:"))
        })
        .unwrap();
    let p: serde_json::Value = get_json(&client, format!("{base}/api/v1/articles/{}/provenance", copy["id"])).await;
    assert_ne!(p["origin"]["id"], copy["id"], "{p}");
    let chain = p["chain"].as_array().unwrap();
    assert!(chain.len() >= 2, "{p}");
    assert_eq!(chain[0]["id"], p["origin"]["id"]);
    assert_eq!(chain.last().unwrap()["id"], copy["id"]);
    assert!(
        p["copies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == chain[chain.len() - 2]["id"] && c["evidence"].is_string()),
        "its immediate source is among the copies, with evidence: {p}"
    );
    assert!(
        chain
            .iter()
            .all(|a| a["site"].as_str().unwrap().starts_with("127.0.0.1:")),
        "sites keep their port: {p}"
    );
    // A copy of a copy: Buzz Digest copied World News Feed's copy and
    // credited it. Its page shows the chain, the other copies with their
    // evidence and what it changed; its related posts are other stories.
    let mut deepest = (0, serde_json::Value::Null);
    for a in articles {
        let p: serde_json::Value = get_json(&client, format!("{base}/api/v1/articles/{}/provenance", a["id"])).await;
        let len = p["chain"].as_array().map_or(0, Vec::len);
        if len > deepest.0 {
            deepest = (len, p);
        }
    }
    let (len, p) = deepest;
    assert!(len >= 3, "a chain of three articles: {p}");
    let chain = p["chain"].as_array().unwrap();
    let last = chain.last().unwrap();
    let changes = &p["changes"];
    assert_eq!(changes["source"], chain[len - 2]["id"], "{p}");
    assert!(changes["kept"].as_u64().unwrap() > 0, "{p}");
    assert!(
        p["copies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == chain[len - 2]["id"] && c["relation"] != "same_story"),
        "{p}"
    );
    let page = get_text(&client, format!("{base}/articles/{}", last["id"])).await;
    assert!(page.contains("<h2>Provenance</h2>"), "{page}");
    assert!(page.contains("Chain: "), "{page}");
    // The picture of the chain: a node per article linking to it, this one
    // marked, the origin marked, and a line per copy.
    let svg = page
        .split("<svg class=\"provenance-chain\"")
        .nth(1)
        .expect("no provenance picture");
    let svg = svg.split("</svg>").next().unwrap_or_default();
    for a in chain {
        assert!(svg.contains(&format!("<a href=\"/articles/{}\">", a["id"])), "{svg}");
    }
    assert!(
        svg.contains("class=\"node current") && svg.contains(" origin\""),
        "{svg}"
    );
    assert!(svg.matches("class=\"edge\"").count() >= len - 1, "{svg}");
    assert!(page.contains("paragraphs kept"), "{page}");
    let related = page.split("<h2>Related posts</h2>").nth(1).unwrap_or_default();
    let related = related.split("</section>").next().unwrap_or_default();
    for a in chain.iter().chain(p["copies"].as_array().unwrap()) {
        assert!(
            !related.contains(&format!("href=\"/articles/{}\"", a["id"])),
            "related posts list other stories, not copies of this one: {related}"
        );
    }
    // One related post per story (the demo's copies keep their story's
    // headline, whatever its case).
    for a in articles {
        let detail: serde_json::Value = get_json(&client, format!("{base}/api/v1/articles/{}", a["id"])).await;
        let mut titles: Vec<String> = detail["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_lowercase())
            .collect();
        let shown = titles.len();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), shown, "one related post per story: {titles:?}");
    }
    // Its site's page counts its copies and how many credit their source.
    let site = last["site"].as_str().unwrap();
    let stats: serde_json::Value = get_json(&client, format!("{base}/api/v1/sites/{site}")).await;
    assert!(stats["copies"].as_i64().unwrap() >= 3, "{stats}");
    assert!(stats["credited"].as_i64().unwrap() >= 1, "{stats}");
    assert!(stats["articles"].as_i64().unwrap() >= stats["copies"].as_i64().unwrap());
    let site_page = get_text(&client, format!("{base}/sites/{site}")).await;
    assert!(site_page.contains("credit their source"), "{site_page}");

    // The seed cites its sources; an unknown id is a 404.
    let p: serde_json::Value = get_json(&client, format!("{base}/api/v1/articles/{}/provenance", seed["id"])).await;
    let cited: Vec<&str> = p["cites"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["who"].as_str())
        .collect();
    for who in ["Reuters", "Bloomberg", "Dmitry Peskov", "Israeli government"] {
        assert!(cited.contains(&who), "{who} in {cited:?}");
    }
    let missing = client
        .get(format!("{base}/api/v1/articles/999999/provenance"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let home = get_text(&client, format!("{base}/")).await;
    assert!(home.contains("Russia Says It May Send Troops Into Combat In Syria"));
}
