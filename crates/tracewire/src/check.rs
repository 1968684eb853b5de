//! `tracewire feeds check URL|FILE`: fetch (or read) a feed and say what is
//! wrong with it and what Tracewire will do about it.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;
use tracewire_ingest::Fetcher;
use tracewire_ingest::check::{Finding, Severity, Summary, check_document, check_response};

use crate::commands::Setup;

#[derive(Serialize)]
struct Report {
    target: String,
    /// Where the document came from after redirects (URLs only).
    final_url: Option<String>,
    status: Option<u16>,
    bytes: usize,
    elapsed_ms: Option<u128>,
    summary: Option<Summary>,
    /// True when Tracewire can read entries from it.
    readable: bool,
    findings: Vec<Finding>,
}

pub async fn feeds_check(ctx: &Setup, target: &str, json: bool) -> Result<ExitCode> {
    let is_url = url::Url::parse(target).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    let mut report = Report {
        target: target.to_string(),
        final_url: None,
        status: None,
        bytes: 0,
        elapsed_ms: None,
        summary: None,
        readable: false,
        findings: Vec::new(),
    };
    if is_url {
        let fetcher = Fetcher::new(ctx.config.fetch_config())?;
        match fetcher.get_any(target).await {
            Err(error) => report.findings.push(Finding {
                severity: Severity::Problem,
                what: format!("The feed could not be fetched: {error}"),
                tracewire_will: "record this error on the feed and retry with backoff (never dropping the feed)"
                    .to_string(),
            }),
            Ok(d) => {
                report.final_url = Some(d.final_url.to_string());
                report.status = Some(d.status);
                report.bytes = d.body.len();
                report.elapsed_ms = Some(d.elapsed.as_millis());
                report.findings = check_response(&d, target);
                let fetched_ok = (200..300).contains(&d.status) && !d.truncated;
                if fetched_ok && !report.findings.iter().any(|f| f.severity == Severity::Problem) {
                    let (summary, found) = check_document(&d.body, d.final_url.as_str(), d.header("content-type"));
                    report.readable = summary.as_ref().is_some_and(|s| s.entries > 0)
                        || !found.iter().any(|f| f.severity == Severity::Problem);
                    report.summary = summary;
                    report.findings.extend(found);
                }
            }
        }
    } else {
        let path = std::path::Path::new(target);
        let body = std::fs::read(path)
            .with_context(|| format!("cannot read {target}: give an http(s) URL or the path of a feed file"))?;
        report.bytes = body.len();
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let file_url = url::Url::from_file_path(&canonical)
            .map(String::from)
            .unwrap_or_else(|_| format!("file://{}", canonical.display()));
        let (summary, found) = check_document(&body, &file_url, None);
        report.readable = summary.is_some() && !found.iter().any(|f| f.severity == Severity::Problem);
        report.summary = summary;
        report.findings = found;
    }
    report.findings.sort_by_key(|f| f.severity);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(if report.readable {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn render(r: &Report) -> String {
    let mut out = format!("Checked {}\n", r.target);
    if let Some(url) = r.final_url.as_deref().filter(|u| *u != r.target) {
        out += &format!("  ended at {url}\n");
    }
    let mut facts = Vec::new();
    if let Some(s) = &r.summary {
        facts.push(format_name(&s.format).to_string());
        if let Some(t) = &s.title {
            facts.push(format!("{t:?}"));
        }
        facts.push(format!("{} entries", s.entries));
    }
    if let Some(status) = r.status {
        facts.push(format!("HTTP {status}"));
    }
    facts.push(format!("{} bytes", r.bytes));
    if let Some(ms) = r.elapsed_ms {
        facts.push(format!("{ms} ms"));
    }
    out += &format!("  {}\n\n", facts.join(", "));
    if r.findings.is_empty() {
        out += "Nothing to report: Tracewire reads this feed as it is.\n";
        return out;
    }
    for f in &r.findings {
        let mark = match f.severity {
            Severity::Problem => "problem",
            Severity::Warning => "warning",
            Severity::Note => "note   ",
        };
        out += &format!("{mark}  {}\n         Tracewire will {}.\n", f.what, f.tracewire_will);
    }
    out += if r.readable {
        "\nTracewire can read this feed.\n"
    } else {
        "\nTracewire cannot read this feed as it is.\n"
    };
    out
}

fn format_name(code: &str) -> &str {
    match code {
        "rss090" => "RSS 0.90",
        "rss091n" | "rss091u" => "RSS 0.91",
        "rss092" => "RSS 0.92",
        "rss093" => "RSS 0.93",
        "rss094" => "RSS 0.94",
        "rss20" => "RSS 2.0",
        "rss" => "RSS (no known version)",
        "rss10" => "RSS 1.0",
        "atom03" => "Atom 0.3",
        "atom10" => "Atom 1.0",
        "cdf" => "CDF",
        "json" => "JSON Feed",
        _ => "a feed",
    }
}
