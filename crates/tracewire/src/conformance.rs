//! `tracewire conformance feedparser DIR`: feedparser's test cases run
//! through our parser (`tracewire_ingest::conformance`). Cases with
//! `Header:` lines are served with those headers by a fixture server on
//! 127.0.0.1 and fetched by our own fetcher; the rest are parsed from disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;
use tracewire_ingest::conformance::{Case, Outcome, case_url, judge, read_case};
use tracewire_ingest::{FetchConfig, Fetcher, Validators};
use tracewire_testkit::{FixtureResponse, FixtureServer};

#[derive(Serialize)]
struct Report {
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    /// Skipped cases by reason.
    skip_reasons: BTreeMap<String, usize>,
    failures: Vec<Failure>,
}

#[derive(Serialize)]
struct Failure {
    path: String,
    description: String,
    expect: String,
    reason: String,
}

/// Runs every case under `dir`; prints the counts (or the JSON report).
pub async fn feedparser(dir: &Path, json: bool) -> Result<ExitCode> {
    let mut files = Vec::new();
    walk(dir, &mut files).with_context(|| format!("cannot read the cases folder {}", dir.display()))?;
    files.sort();
    let server = FixtureServer::start()
        .await
        .context("cannot start the fixture server on 127.0.0.1")?;
    let fetcher = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        ..FetchConfig::default()
    })
    .context("cannot build the HTTP client")?;
    let mut report = Report {
        total: 0,
        passed: 0,
        failed: 0,
        skipped: 0,
        skip_reasons: BTreeMap::new(),
        failures: Vec::new(),
    };
    for file in files {
        let rel = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let Some(case) = read_case(&rel, bytes) else {
            continue;
        };
        report.total += 1;
        let document = if case.headers.is_empty() {
            Some(case.body.clone())
        } else {
            served(&server, &fetcher, &case).await
        };
        let outcome = match &document {
            Some(doc) => judge(&case, doc, &case_url(&case.path)),
            None => judge(&case, b"", &case_url(&case.path)),
        };
        match outcome {
            Outcome::Passed => report.passed += 1,
            Outcome::Skipped(reason) => {
                report.skipped += 1;
                *report.skip_reasons.entry(reason).or_default() += 1;
            }
            Outcome::Failed(reason) => {
                report.failed += 1;
                report.failures.push(Failure {
                    path: case.path,
                    description: case.description,
                    expect: case.expect,
                    reason,
                });
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} passed, {} failed, {} skipped",
            report.passed, report.failed, report.skipped
        );
        let judged = report.passed + report.failed;
        if judged > 0 {
            println!(
                "{:.1} % of the cases judged pass; {:.1} % of all are skipped",
                100.0 * report.passed as f64 / judged as f64,
                100.0 * report.skipped as f64 / report.total.max(1) as f64
            );
        }
        for (reason, n) in &report.skip_reasons {
            println!("skipped {n:>4}  {reason}");
        }
        let mut by_folder: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &report.failures {
            let folder = f.path.rsplit_once('/').map_or("", |(d, _)| d);
            *by_folder.entry(folder).or_default() += 1;
        }
        for (folder, n) in by_folder {
            println!("failed  {n:>4}  in {folder}/");
        }
        println!("(--json lists every failure with what we got)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves a case with its `Header:` lines and fetches it as the crawler
/// would; `None` when the fetch fails (a 404, a redirect to nowhere).
async fn served(server: &FixtureServer, fetcher: &Fetcher, case: &Case) -> Option<Vec<u8>> {
    let status = case
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Status"))
        .and_then(|(_, v)| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(200);
    let mut headers: Vec<(String, String)> = case
        .headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("Status"))
        .cloned()
        .collect();
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("Content-Type"))
    {
        headers.push(("Content-Type".into(), "application/xml".into()));
    }
    let response = FixtureResponse {
        status,
        headers,
        ..FixtureResponse::ok("application/xml", case.body.clone())
    };
    let path = format!("/tests/{}", case.path);
    server.route(&path, response);
    fetcher
        .get(&server.url(&path), &Validators::default())
        .await
        .ok()
        .map(|page| page.body)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
