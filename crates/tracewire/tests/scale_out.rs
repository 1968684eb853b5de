//! Scale-out: four `tracewire worker` processes crawl one fixture web of
//! 5,000 entries (20 sites, each on a loopback address of its own, answering
//! in 6–18 ms) against one PostgreSQL database, and one of them is killed
//! with SIGKILL mid-crawl, once it has stored articles, and started again.
//! When the queue is empty: every entry is stored exactly once (by feed and
//! GUID, and by URL), every feed was fetched, no page job is left or failed,
//! and no site ever had more requests in flight than the per-host limit
//! (`per_host_concurrency`), which binds across all the workers.
//!
//! Needs PostgreSQL: `TRACEWIRE_TEST_DATABASE_URL=postgres://…` names a
//! database the test may create a schema in (`scale_<pid>_<time>`, dropped
//! when the test passes, kept for a look when it fails). Unset, the test
//! prints that it was skipped and passes; CI sets it (`.ci/run`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;

use common::pg::{DATABASE_URL_VAR, Schema};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tracewire_testkit::scale_web::{ScaleWeb, ScaleWebConfig};

const WORKERS: usize = 4;
const PER_HOST_CONCURRENCY: usize = 2;
/// Seconds a claim lasts (the least the configuration allows): how long the
/// killed worker's jobs wait before the others take them.
const LEASE_SECS: u64 = 5;
/// Fetch time limit; a host slot a dead worker held is free again after
/// 10 s plus twice this.
const FETCH_TIMEOUT_SECS: u64 = 5;
/// The whole crawl, kill and restart included, must end within this.
const CRAWL_TIMEOUT: Duration = Duration::from_secs(210);

fn tracewire(data: &Path, database: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tracewire"));
    c.arg("--data-dir")
        .arg(data)
        .args(["--database", database, "--allow-private-networks", "--log", "warn"])
        .env_remove("TRACEWIRE_CONFIG")
        // Fixture sites are ours: no pacing between request starts; the
        // limit under test is the number in flight.
        .env("TRACEWIRE_PER_HOST_INTERVAL_MS", "0")
        .kill_on_drop(true);
    c
}

async fn run_ok(data: &Path, database: &str, args: &[&str]) -> String {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tracewire(data, database).args(args).stdin(Stdio::null()).output(),
    )
    .await
    .expect("tracewire took over 60 s")
    .unwrap();
    assert!(
        out.status.success(),
        "tracewire {:?} failed: {}",
        &args[..args.len().min(3)],
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `tracewire worker`, its log, and where it serves /metrics.
struct Worker {
    child: Child,
    metrics_url: String,
    log: std::path::PathBuf,
}

async fn start_worker(data: &Path, database: &str, name: &str) -> Worker {
    let log = data.join(format!("{name}.log"));
    let mut child = tracewire(data, database)
        .args(["worker", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the worker did not start within 30 s")
        .unwrap()
        .unwrap_or_else(|| panic!("{name} printed nothing: {}", tail(&log)));
    let metrics_url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the worker did not print its metrics URL")
        .to_string();
    // Whatever else it prints is read, so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Worker {
        child,
        metrics_url,
        log,
    }
}

/// The last lines of a worker's log, for a failure message.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Articles the worker says it stored (`tracewire_articles_stored`).
async fn stored_by(client: &reqwest::Client, worker: &Worker) -> u64 {
    let Ok(response) = client.get(&worker.metrics_url).send().await else {
        return 0;
    };
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("tracewire_articles_stored_total "))
        .and_then(|n| n.trim().parse::<f64>().ok())
        .map_or(0, |n| n as u64)
}

/// A feed as the test reads it: id, URL, status, last error, last fetched.
type FeedRow = (i64, String, String, Option<String>, Option<i64>);

/// The queue and the store at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Progress {
    articles: i64,
    unrelated: i64,
    page_jobs: i64,
    failed_jobs: i64,
    feeds_fetched: i64,
}

async fn progress(db: &mut PgConnection) -> Progress {
    let (articles, unrelated, page_jobs, failed_jobs, feeds_fetched): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM unrelated_articles), \
         (SELECT COUNT(*) FROM page_jobs), (SELECT COUNT(*) FROM page_jobs WHERE state = 'failed'), \
         (SELECT COUNT(*) FROM feeds WHERE last_fetched IS NOT NULL)",
    )
    .fetch_one(db)
    .await
    .unwrap();
    Progress {
        articles,
        unrelated,
        page_jobs,
        failed_jobs,
        feeds_fetched,
    }
}

/// SIGTERM, as a service manager stops a worker; it gives back its claims
/// and exits 0.
async fn stop(worker: &mut Worker) {
    let pid = worker.child.id().expect("the worker has exited");
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(20), worker.child.wait())
        .await
        .expect("a worker did not stop within 20 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "a worker exited with {status}: {}", tail(&worker.log));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_one_killed_store_every_entry_once_within_host_limits() {
    let admin_url = std::env::var(DATABASE_URL_VAR).unwrap_or_default();
    if admin_url.is_empty() {
        eprintln!("skipped: set {DATABASE_URL_VAR}=postgres://… to run the scale-out test");
        return;
    }
    assert!(
        admin_url.starts_with("postgres://") || admin_url.starts_with("postgresql://"),
        "{DATABASE_URL_VAR} must be a postgres:// URL"
    );
    let started = Instant::now();
    let schema = Schema::create(&admin_url, "scale").await;
    let database = schema.url();
    let web = ScaleWeb::start(&ScaleWebConfig {
        sites: 20,
        entries: 5_000,
        entries_per_feed: 50,
        latency: Duration::from_millis(12),
        seed: 20_261_127,
    })
    .await
    .unwrap();
    let entries = web.entries.len();
    assert!(entries >= 5_000);
    if !web.distinct_hosts {
        eprintln!("note: 127.0.0.2 and up cannot be bound here; every site is on 127.0.0.1, one host");
    }

    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("config.toml"),
        format!(
            "[fetch]\ntimeout_secs = {FETCH_TIMEOUT_SECS}\n\
             [crawl]\nfeed_concurrency = 2\npage_concurrency = 8\nper_host_concurrency = {PER_HOST_CONCURRENCY}\n\
             lease_secs = {LEASE_SECS}\ntick_secs = 1\nwebsub = false\n"
        ),
    )
    .unwrap();
    let migrated = run_ok(data.path(), &database, &["migrate"]).await;
    assert!(migrated.contains("created the schema"), "{migrated}");
    let mut add: Vec<&str> = vec!["feeds", "add", "--no-check"];
    add.extend(web.feed_urls.iter().map(String::as_str));
    run_ok(data.path(), &database, &add).await;
    eprintln!(
        "{entries} entries in {} feeds on {} sites; schema {}; set up in {:.1?}",
        web.feed_urls.len(),
        web.servers.len(),
        schema.name,
        started.elapsed()
    );

    let mut db = PgConnection::connect(&database).await.unwrap();
    let client = reqwest::Client::new();
    let crawl_started = Instant::now();
    let mut workers = Vec::new();
    for n in 0..WORKERS {
        workers.push(start_worker(data.path(), &database, &format!("worker-{n}")).await);
    }

    // One worker is killed once the crawl is well under way and it has
    // stored its share of articles, and is started again at once.
    let mut killed: Option<(u64, Progress, Duration)> = None;
    let mut last_report = Instant::now();
    let done = loop {
        let now = progress(&mut db).await;
        for (n, w) in workers.iter_mut().enumerate() {
            if let Some(status) = w.child.try_wait().unwrap() {
                panic!("worker-{n} exited on its own with {status}:\n{}", tail(&w.log));
            }
        }
        if now.failed_jobs > 0 {
            let errors: Vec<(String,)> =
                sqlx::query_as("SELECT COALESCE(last_error, '') FROM page_jobs WHERE state = 'failed' LIMIT 5")
                    .fetch_all(&mut db)
                    .await
                    .unwrap();
            panic!("page jobs failed for good: {now:?}, e.g. {errors:?}");
        }
        if killed.is_none() && now.articles >= (entries / 5) as i64 {
            let stored = stored_by(&client, &workers[0]).await;
            if stored >= 25 {
                assert!(
                    (now.articles as usize) < entries * 4 / 5,
                    "the crawl is nearly over before the kill: {now:?}"
                );
                workers[0].child.kill().await.unwrap();
                eprintln!(
                    "killed worker-0 (SIGKILL) after {:.1?}; it had stored {stored} articles; {now:?}",
                    crawl_started.elapsed()
                );
                killed = Some((stored, now, crawl_started.elapsed()));
                workers[0] = start_worker(data.path(), &database, "worker-0-again").await;
            }
        }
        if now.articles == entries as i64 && now.page_jobs == 0 && now.unrelated == 0 {
            break now;
        }
        if last_report.elapsed() >= Duration::from_secs(10) {
            eprintln!("{:.0?}: {now:?}", crawl_started.elapsed());
            last_report = Instant::now();
        }
        assert!(
            crawl_started.elapsed() < CRAWL_TIMEOUT,
            "the crawl did not finish within {CRAWL_TIMEOUT:?}: {now:?}\nworker-1's log:\n{}",
            tail(&workers[1].log)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let crawl_time = crawl_started.elapsed();
    let (killed_stored, at_kill, kill_time) = killed.expect("no worker was killed: it never stored 25 articles");
    for w in &mut workers {
        stop(w).await;
    }
    for log in std::fs::read_dir(data.path()).unwrap() {
        let log = log.unwrap().path();
        if log.extension().is_some_and(|e| e == "log") {
            let text = std::fs::read_to_string(&log).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                eprintln!(
                    "{}: {} lines logged, e.g.\n  {}",
                    log.display(),
                    lines.len(),
                    lines[..lines.len().min(3)].join("\n  ")
                );
            }
        }
    }
    eprintln!(
        "crawled in {crawl_time:.1?} ({:.0} entries/s): {done:?}; {} requests, {} page re-fetches",
        entries as f64 / crawl_time.as_secs_f64(),
        web.requests(),
        web.page_refetches()
    );

    // Every feed was fetched, and fetched well.
    let feeds: Vec<FeedRow> = sqlx::query_as("SELECT id, url, status, last_error, last_fetched FROM feeds")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(feeds.len(), web.feed_urls.len());
    for (_, url, status, error, fetched) in &feeds {
        assert!(
            fetched.is_some() && status == "ok" && error.is_none(),
            "{url}: {status}, {error:?}"
        );
    }

    // Every entry exactly once, by (feed, GUID) and by URL.
    let feed_urls: HashMap<i64, &str> = feeds.iter().map(|(id, url, ..)| (*id, url.as_str())).collect();
    let rows: Vec<(i64, String, String)> = sqlx::query_as("SELECT feed_id, guid, url FROM articles")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let mut by_key: HashMap<(&str, &str), usize> = HashMap::new();
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    for (feed_id, guid, url) in &rows {
        *by_key.entry((feed_urls[feed_id], guid.as_str())).or_default() += 1;
        *by_url.entry(url.as_str()).or_default() += 1;
    }
    let expected: HashSet<(&str, &str)> = web
        .entries
        .iter()
        .map(|e| (e.feed_url.as_str(), e.guid.as_str()))
        .collect();
    let missing: Vec<_> = expected.iter().filter(|k| !by_key.contains_key(*k)).collect();
    let unexpected: Vec<_> = by_key.keys().filter(|k| !expected.contains(*k)).collect();
    let twice: Vec<_> = by_key.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        missing.is_empty(),
        "{} entries missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(unexpected.is_empty(), "entries not in the fixture: {unexpected:?}");
    assert!(twice.is_empty(), "entries stored more than once: {twice:?}");
    for e in &web.entries {
        assert_eq!(
            by_url.get(e.url.as_str()),
            Some(&1),
            "{} stored {:?} times",
            e.url,
            by_url.get(e.url.as_str())
        );
    }
    assert_eq!(rows.len(), entries);

    // No job left, failed or not.
    let (jobs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM page_jobs")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(jobs, 0, "page jobs left");

    // The per-host limit held across the workers, and was reached: the
    // workers wanted more than it allows.
    let in_flight = web.in_flight_by_site();
    eprintln!(
        "most requests in flight per site: {:?}",
        in_flight.iter().map(|(_, n)| *n).collect::<Vec<_>>()
    );
    for (addr, n) in &in_flight {
        assert!(
            *n <= PER_HOST_CONCURRENCY,
            "{addr} had {n} requests in flight, over the per-host limit {PER_HOST_CONCURRENCY}"
        );
    }
    assert_eq!(web.max_in_flight(), PER_HOST_CONCURRENCY, "no host was ever busy");
    eprintln!(
        "worker-0 killed at {kill_time:.1?} with {killed_stored} articles stored by it ({} in all); \
         {entries} entries stored once each; {:.1?} in all",
        at_kill.articles,
        started.elapsed()
    );
    db.close().await.unwrap();
}
