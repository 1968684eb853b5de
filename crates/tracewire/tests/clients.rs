//! Real third-party reader clients against the real binary: the Google
//! Reader API driven by `google-reader` and the Fever API by `freshrss-api`
//! (both from PyPI, pinned in `tests/clients/requirements.txt`), then what
//! they did seen in our web UI.
//!
//! Needs a Python with those libraries: `.ci/run` makes one and sets
//! `TRACEWIRE_TEST_CLIENTS_PYTHON`; by hand:
//!
//! ```text
//! python3 -m venv /tmp/tw-clients
//! /tmp/tw-clients/bin/pip install --ignore-requires-python -r crates/tracewire/tests/clients/requirements.txt
//! TRACEWIRE_TEST_CLIENTS_PYTHON=/tmp/tw-clients/bin/python cargo test -p tracewire --test clients -- --ignored
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Tracewire;
use tracewire_testkit::{FixtureResponse, FixtureServer};

const PASSWORD: &str = "reader-password-1";

fn feed(n: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<item><title>Client story {i}</title><guid>story-{i}</guid><link>/a/{i}</link>\
                 <pubDate>Fri, 18 Sep 2015 {:02}:00:00 GMT</pubDate>\
                 <description><![CDATA[<p>Story {i} of the client test: talks went on in Geneva \
                 on day {i}, a spokesman said.</p>]]></description></item>",
                i % 24
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Client wire</title><link>http://wire.example/</link>{items}</channel></rss>"#
    )
}

/// Runs one client script; returns its final JSON line.
async fn run_client(python: &str, script: &str, env: &[(&str, String)]) -> serde_json::Value {
    let path = format!("{}/tests/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut command = tokio::process::Command::new(python);
    command.arg(&path).kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(180), command.output())
        .await
        .expect("the client script took over 3 minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed:\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let last = stdout.lines().rev().find(|l| l.starts_with('{')).expect("no JSON line");
    let report: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(report["ok"], true, "{stdout}\n{stderr}");
    eprintln!("{script}: {last}");
    report
}

fn ids(report: &serde_json::Value, key: &str) -> Vec<i64> {
    report[key]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the third-party client libraries: set TRACEWIRE_TEST_CLIENTS_PYTHON (see the module doc)"]
async fn real_reader_apps_subscribe_read_and_star() {
    let python = std::env::var("TRACEWIRE_TEST_CLIENTS_PYTHON")
        .expect("TRACEWIRE_TEST_CLIENTS_PYTHON: a Python with tests/clients/requirements.txt installed");
    let site = FixtureServer::start().await.unwrap();
    site.route("/feed.xml", FixtureResponse::rss(feed(60)));
    let feed_url = site.url("/feed.xml");

    let tw = Tracewire::new();
    std::fs::write(
        tw.data.path().join("config.toml"),
        "[crawl]\ntick_secs = 1\nfetch_pages = false\n",
    )
    .unwrap();
    let added = tw
        .run_input(&["users", "add", "reader"], &format!("{PASSWORD}\n"))
        .await;
    assert!(added.ok, "{}{}", added.stdout, added.stderr);
    assert!(added.stdout.contains("added reader"), "{}", added.stdout);
    // The instance reads the feed before the app subscribes (reader is no
    // administrator, so not subscribed by `feeds add`): the app finds every
    // entry stored, not a crawl half done.
    tw.ok(&["feeds", "add", "--no-check", &feed_url]).await;
    let crawled = tw.ok(&["crawl", "--once"]).await;
    assert!(crawled.contains("60 new"), "{crawled}");
    let server = tw.serve_with(&[]).await;
    let env = vec![
        ("TW_BASE", server.base.clone()),
        ("TW_USER", "reader".to_string()),
        ("TW_PASS", PASSWORD.to_string()),
        ("TW_FEED_URL", feed_url.clone()),
        ("TW_WAIT", "90".to_string()),
    ];

    let greader = run_client(&python, "greader_client.py", &env).await;
    for endpoint in [
        "ClientLogin",
        "subscription/quickadd",
        "subscription/list",
        "stream/items/contents",
        "edit-tag(a=read)",
        "mark-all-as-read",
    ] {
        assert!(
            greader["covered"].as_array().unwrap().iter().any(|c| c == endpoint),
            "google-reader did not cover {endpoint}: {greader}"
        );
    }
    let fever = run_client(&python, "fever_client.py", &env).await;
    assert!(fever["covered"].as_array().unwrap().len() >= 8, "{fever}");

    // What the apps did, seen by the same account in the web UI.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(format!("{}/login", server.base)).send().await.unwrap();
    let login_cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = form.text().await.unwrap();
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page[at..].split('"').next().unwrap().to_string();
    let done = client
        .post(format!("{}/login", server.base))
        .header("cookie", &login_cookie)
        .form(&[("name", "reader"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let session = done
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("tw_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let get = |path: String| {
        let client = client.clone();
        let session = session.clone();
        async move {
            let r = client.get(path).header("cookie", session).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let starred_page = get(format!("{}/starred", server.base)).await;
    let mut starred = ids(&greader, "starred_ids");
    starred.extend(ids(&fever, "starred_ids"));
    assert!(!starred.is_empty(), "the clients starred nothing: {greader} {fever}");
    for id in starred {
        let article = server.json(&format!("/api/v1/articles/{id}")).await;
        let title = article["title"].as_str().unwrap();
        assert!(
            starred_page.contains(title),
            "{title} is not on /starred:\n{starred_page}"
        );
    }
    // Both apps finished by marking the feed read: nothing unread is left.
    let reading = get(format!("{}/reading", server.base)).await;
    assert!(reading.contains("All read"), "{reading}");
    let subscriptions = get(format!("{}/subscriptions", server.base)).await;
    assert!(subscriptions.contains(&feed_url), "{subscriptions}");
}
