//! Crash safety: `tracewire crawl --once --force` killed with SIGKILL at
//! random points, again and again, over a fixture web of 2,048 entries;
//! after a last run that is let finish, every entry is stored exactly once,
//! no article is half-written (text, HTML, fingerprint, URL keys and
//! citations all there) and SQLite's integrity check passes.
//!
//! The kill delays come from a seeded generator; the seed is printed, and
//! `TRACEWIRE_CRASH_SEED=<seed>` replays a run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use tokio::process::Command;
use tracewire_testkit::simulate::{Chain, Rng};
use tracewire_testkit::{FixtureResponse, FixtureServer};

const SITES: usize = 8;
const FEEDS_PER_SITE: usize = 4;
const ENTRIES_PER_FEED: usize = 64;
const KILLS: usize = 24;

/// One entry of the fixture web, as the crawler must store it.
struct Entry {
    feed_url: String,
    guid: String,
    url: String,
    /// The page this entry's page copies, if it is a copy.
    copy_of: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Eight sites, each on its own loopback address where the system has
/// them (so per-host limits do not serialise the whole web), each with four
/// feeds of 64 entries and a page for every entry: 2,048 entries. One page
/// in eight is a copy of a page on the site before, crediting it, so
/// provenance has relations to find. Small feeds, so that a crawl starts
/// storing soon after it starts, and kills land while it stores.
async fn fixture_web(seed: u64) -> (Vec<FixtureServer>, Vec<String>, Vec<Entry>) {
    let chain = Chain::of_corpus();
    let mut rng = Rng::new(seed);
    let mut servers = Vec::new();
    for s in 0..SITES {
        let server = match FixtureServer::start_on(&format!("127.0.0.{}:0", s + 1)).await {
            Ok(server) => server,
            Err(_) => FixtureServer::start().await.unwrap(),
        };
        servers.push(server);
    }
    // (page URL, paragraphs) by site, feed and entry, for the copies.
    let mut texts: Vec<Vec<Vec<(String, String)>>> = Vec::new();
    let (mut feed_urls, mut entries) = (Vec::new(), Vec::new());
    for (s, server) in servers.iter().enumerate() {
        let mut site_texts = Vec::new();
        for f in 0..FEEDS_PER_SITE {
            let feed_url = server.url(&format!("/feed{f}.xml"));
            let mut items = String::new();
            let mut feed_texts = Vec::new();
            for i in 0..ENTRIES_PER_FEED {
                let path = format!("/story/{f}/{i}");
                let url = server.url(&path);
                let guid = format!("site{s}-feed{f}-entry{i}");
                let title = chain.headline(&mut rng, 8);
                let copy_of = (i % 8 == 3)
                    .then(|| s.checked_sub(1).and_then(|p| texts.get(p)))
                    .flatten()
                    .and_then(|site| site.get(f)?.get(i).cloned());
                let (paragraphs, credit) = match &copy_of {
                    Some((source_url, source_text)) => (
                        source_text.clone(),
                        format!("<p>Originally published at <a href=\"{source_url}\">{source_url}</a></p>"),
                    ),
                    None => (chain.paragraphs(&mut rng, 4).join("\n"), String::new()),
                };
                let body: String = paragraphs.lines().map(|p| format!("<p>{}</p>", escape(p))).collect();
                server.route(
                    &path,
                    FixtureResponse::html(format!(
                        "<html><head><title>{t}</title></head><body><header><a href=\"/\">Home</a></header>\
                         <article><h1>{t}</h1>{body}{credit}</article><footer>Site {s}</footer></body></html>",
                        t = escape(&title)
                    )),
                );
                items.push_str(&format!(
                    "<item><title>{}</title><link>{url}</link><guid isPermaLink=\"false\">{guid}</guid>\
                     <description>{}</description></item>",
                    escape(&title),
                    escape(paragraphs.lines().next().unwrap_or_default())
                ));
                feed_texts.push((url.clone(), paragraphs));
                entries.push(Entry {
                    feed_url: feed_url.clone(),
                    guid,
                    url,
                    copy_of: copy_of.map(|(source_url, _)| source_url),
                });
            }
            site_texts.push(feed_texts);
            server.route(
                &format!("/feed{f}.xml"),
                FixtureResponse::rss(format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
                     <title>Site {s}, feed {f}</title><link>{}</link>{items}</channel></rss>",
                    server.url("/")
                )),
            );
            feed_urls.push(feed_url);
        }
        texts.push(site_texts);
    }
    (servers, feed_urls, entries)
}

/// Articles stored, and how many of them lack a fingerprint or URL keys
/// (stored, not yet related), as a killed crawl left the database.
async fn progress(data: &std::path::Path) -> (i64, i64) {
    let options = SqliteConnectOptions::new().filename(data.join("tracewire.db"));
    let Ok(mut db) = SqliteConnection::connect_with(&options).await else {
        return (0, 0);
    };
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM fingerprints f WHERE f.article_id = a.id) \
         OR NOT EXISTS (SELECT 1 FROM url_keys u WHERE u.article_id = a.id)), 0) FROM articles a",
    )
    .fetch_one(&mut db)
    .await
    .unwrap_or((0, 0))
}

fn tracewire(data: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tracewire"));
    c.arg("--data-dir")
        .arg(data)
        .arg("--allow-private-networks")
        .args(["--per-host-interval-ms", "0", "--log", "error"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

/// Seconds a killed crawl holds its claims.
const LEASE_SECS: u64 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_at_random_points_stores_every_entry_once_and_whole() {
    let seed: u64 = std::env::var("TRACEWIRE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_126);
    eprintln!("crash test seed {seed} (replay with TRACEWIRE_CRASH_SEED={seed})");
    let started = Instant::now();
    let (_servers, feed_urls, entries) = fixture_web(seed).await;
    assert!(entries.len() >= 2000);
    let data = tempfile::tempdir().unwrap();
    // Feeds a few at a time, so that the first are storing while the
    // others still fetch their pages.
    std::fs::write(
        data.path().join("config.toml"),
        format!(
            "[crawl]\nfeed_concurrency = 2\npage_concurrency = 4\nper_host_concurrency = 4\nlease_secs = {LEASE_SECS}\n"
        ),
    )
    .unwrap();
    let mut add: Vec<&str> = vec!["feeds", "add", "--no-check"];
    add.extend(feed_urls.iter().map(String::as_str));
    let out = tracewire(data.path(), &add).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut rng = Rng::new(seed);
    let (mut kills, mut finished_early, mut delays) = (0, 0, Vec::new());
    let (mut max_unrelated, mut stored_at_kills) = (0, Vec::new());
    // Delays drawn from 0.1-1.3 s, stretched while runs store nothing before
    // their kill and shrunk while they store more than their share, so that
    // on a slow machine or a fast one the kills land all along the crawl.
    let mut stretch = 1.0_f64;
    let share = (entries.len() / (2 * KILLS)) as i64;
    while kills < KILLS {
        let delay = Duration::from_millis(rng.range(100, 1300)).mul_f64(stretch);
        let mut child = tracewire(data.path(), &["crawl", "--once", "--force"]).spawn().unwrap();
        tokio::time::sleep(delay).await;
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
            stretch = (stretch * 0.7).max(0.1);
            assert!(
                finished_early <= KILLS,
                "the crawl keeps finishing before the kill: kill sooner"
            );
            continue;
        }
        // SIGKILL: no destructor, no flush, no rollback but SQLite's own.
        child.kill().await.unwrap();
        kills += 1;
        delays.push(delay.as_millis());
        let (stored, unrelated) = progress(data.path()).await;
        eprintln!(
            "kill {kills} after {} ms: {stored} articles stored, {unrelated} without provenance",
            delay.as_millis()
        );
        max_unrelated = max_unrelated.max(unrelated);
        let gained = stored - stored_at_kills.last().copied().unwrap_or(0);
        if gained == 0 {
            stretch = (stretch * 1.25).min(4.0);
        } else if gained > 2 * share {
            stretch = (stretch * 0.8).max(0.1);
        }
        stored_at_kills.push(stored);
    }
    eprintln!(
        "{kills} kills after {delays:?} ms ({finished_early} runs finished first), {:.1?} so far",
        started.elapsed()
    );

    // The kills landed while the crawl was storing, not only before it began
    // or after it ended.
    let progressed = stored_at_kills
        .iter()
        .scan(0, |before, &now| Some(now > std::mem::replace(before, now)))
        .filter(|&p| p)
        .count();
    let before_last = stored_at_kills.last().copied().unwrap_or(0);
    eprintln!(
        "{progressed} runs stored articles before their kill; {before_last} of {} stored before the last run; \
         at most {max_unrelated} left unrelated by a kill",
        entries.len()
    );
    assert!(
        progressed >= KILLS / 2,
        "most kills came before anything was stored: {stored_at_kills:?}"
    );
    assert!(
        (before_last as usize) < entries.len(),
        "the crawl finished before the last kill"
    );

    // A killed worker's claims (feeds, page jobs, host slots) return to the
    // queue when their leases run out.
    tokio::time::sleep(Duration::from_secs(LEASE_SECS + 1)).await;
    let last = tokio::time::timeout(
        Duration::from_secs(150),
        tracewire(data.path(), &["crawl", "--once", "--force"]).output(),
    )
    .await
    .expect("the last crawl did not finish in 150 s")
    .unwrap();
    assert!(
        last.status.success(),
        "the last crawl failed: {}",
        String::from_utf8_lossy(&last.stderr)
    );

    let options = SqliteConnectOptions::new().filename(data.path().join("tracewire.db"));
    let mut db = SqliteConnection::connect_with(&options).await.unwrap();
    let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let (fk_violations,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pragma_foreign_key_check")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(fk_violations, 0, "rows pointing at missing rows");

    // Every entry exactly once, by (feed, GUID) and by URL.
    let feeds: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>("SELECT id, url FROM feeds")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let rows: Vec<(i64, i64, String, String, String, String)> =
        sqlx::query_as("SELECT id, feed_id, guid, url, body_text, body_html FROM articles")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();
    for (_, feed_id, guid, url, _, _) in &rows {
        *by_key.entry((feeds[feed_id].clone(), guid.clone())).or_default() += 1;
        *by_url.entry(url.clone()).or_default() += 1;
    }
    let expected: HashSet<(String, String)> = entries.iter().map(|e| (e.feed_url.clone(), e.guid.clone())).collect();
    let missing: Vec<&(String, String)> = expected.iter().filter(|k| !by_key.contains_key(*k)).collect();
    let unexpected: Vec<&(String, String)> = by_key.keys().filter(|k| !expected.contains(*k)).collect();
    let twice: Vec<_> = by_key.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        missing.is_empty(),
        "{} entries missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(unexpected.is_empty(), "entries not in the fixture: {unexpected:?}");
    assert!(twice.is_empty(), "entries stored more than once: {twice:?}");
    for e in &entries {
        assert_eq!(
            by_url.get(&e.url),
            Some(&1),
            "{} stored {:?} times",
            e.url,
            by_url.get(&e.url)
        );
    }
    assert_eq!(rows.len(), entries.len());

    // No half-written article: body, and every row provenance derives from it.
    let fingerprinted = article_ids(&mut db, "SELECT article_id FROM fingerprints").await;
    let keyed = article_ids(&mut db, "SELECT DISTINCT article_id FROM url_keys WHERE names = 0").await;
    let cited: HashMap<i64, i64> =
        sqlx::query_as::<_, (i64, i64)>("SELECT article_id, COUNT(*) FROM citations GROUP BY article_id")
            .fetch_all(&mut db)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let mut half_written = Vec::new();
    for (id, _, _, url, text, html) in &rows {
        let mut lacks = Vec::new();
        if text.trim().is_empty() {
            lacks.push("text");
        }
        if html.trim().is_empty() {
            lacks.push("html");
        }
        if !fingerprinted.contains(id) {
            lacks.push("fingerprint");
        }
        if !keyed.contains(id) {
            lacks.push("URL keys");
        }
        let cites = tracewire_provenance::citations(text).len() as i64;
        if cited.get(id).copied().unwrap_or(0) != cites {
            lacks.push("citations");
        }
        if !lacks.is_empty() {
            half_written.push(format!("#{id} {url}: no {}", lacks.join(", ")));
        }
    }
    assert!(
        half_written.is_empty(),
        "{} half-written articles:\n{}",
        half_written.len(),
        half_written.join("\n")
    );
    // Every copy is related to the page it copies, whichever was stored first.
    let ids: HashMap<&str, i64> = rows.iter().map(|(id, _, _, url, _, _)| (url.as_str(), *id)).collect();
    let related: HashSet<(i64, i64)> = sqlx::query_as::<_, (i64, i64)>("SELECT from_id, to_id FROM relations")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|(a, b)| [(a, b), (b, a)])
        .collect();
    let copies: Vec<(&str, &str)> = entries
        .iter()
        .filter_map(|e| e.copy_of.as_deref().map(|source| (source, e.url.as_str())))
        .collect();
    let unrelated: Vec<_> = copies
        .iter()
        .filter(|(source, copy)| !related.contains(&(ids[source], ids[copy])))
        .collect();
    eprintln!(
        "{} entries stored once each, {} copies related to their source; {kills} kills; {:.1?} in all",
        rows.len(),
        copies.len() - unrelated.len(),
        started.elapsed()
    );
    assert!(!copies.is_empty());
    assert!(
        unrelated.is_empty(),
        "copies not related to their source: {unrelated:?}"
    );
}

/// The article ids a one-column query returns.
async fn article_ids(db: &mut sqlx::SqliteConnection, sql: &'static str) -> HashSet<i64> {
    sqlx::query_as::<_, (i64,)>(sql)
        .fetch_all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|(id,)| id)
        .collect()
}
