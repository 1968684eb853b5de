//! Extraction over a folder of saved pages: `extract --batch` (JSON out, in
//! the benchmark's format) and `bench extract` (quality and speed against a
//! ground truth).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use tracewire_extract::{Extracted, decode_html, eval, extract};
use url::Url;

use crate::progress;

/// Largest page read from disk, after decompression.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// A saved page: its id (the file name without extensions) and its text.
struct Page {
    id: String,
    html: String,
}

/// Reads every `*.html` and `*.html.gz` in `dir`, sorted by id.
fn read_pages(dir: &Path) -> Result<Vec<Page>> {
    let mut pages = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let (id, gz) = if let Some(id) = name.strip_suffix(".html.gz") {
            (id, true)
        } else if let Some(id) = name.strip_suffix(".html") {
            (id, false)
        } else {
            continue;
        };
        let bytes = match read_page_file(&path, gz) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("warning: skipping {}: {e:#}", path.display());
                continue;
            }
        };
        pages.push(Page {
            id: id.to_string(),
            html: decode_html(&bytes, None),
        });
    }
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(pages)
}

/// A saved page's bytes, gunzipped when `gz`, at most `MAX_PAGE_BYTES`.
pub fn read_page_file(path: &Path, gz: bool) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    if gz {
        flate2::read::GzDecoder::new(file)
            .take(MAX_PAGE_BYTES)
            .read_to_end(&mut bytes)
            .with_context(|| format!("{} is not a readable gzip file", path.display()))?;
    } else {
        file.take(MAX_PAGE_BYTES)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(bytes)
}

/// Runs `extract` over `pages` on `threads` threads, keeping page order.
fn extract_all(pages: &[Page], bases: &BTreeMap<String, Url>, threads: usize) -> Vec<Extracted> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Extracted>> = vec![None; pages.len()];
    let chunks: Vec<Vec<(usize, Extracted)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(page) = pages.get(i) else { break };
                        done.push((i, extract(&page.html, bases.get(&page.id))));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    for (i, e) in chunks.into_iter().flatten() {
        results[i] = Some(e);
    }
    results.into_iter().map(Option::unwrap_or_default).collect()
}

/// One page in the benchmark's output format.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchItem {
    article_body: String,
    title: Option<String>,
    author: Option<String>,
    #[serde(rename = "publish_date")]
    publish_date: Option<String>,
    url: Option<String>,
    language: Option<String>,
}

pub fn extract_batch(dir: &Path, out: &Path, threads: usize, show_progress: bool) -> Result<ExitCode> {
    let pages = read_pages(dir)?;
    if pages.is_empty() {
        bail!("no *.html or *.html.gz files in {}", dir.display());
    }
    let bar = progress::bar(show_progress, "extracting");
    if let Some(b) = &bar {
        b.set_length(pages.len() as u64);
    }
    let started = Instant::now();
    let extracted = extract_all(&pages, &BTreeMap::new(), threads);
    progress::clear();
    let items: BTreeMap<&str, BatchItem> = pages
        .iter()
        .zip(extracted)
        .map(|(p, e)| {
            (
                p.id.as_str(),
                BatchItem {
                    article_body: e.text,
                    title: e.title,
                    author: e.byline,
                    publish_date: e.published.map(|d| d.to_rfc3339()),
                    url: e.canonical_url,
                    language: e.language,
                },
            )
        })
        .collect();
    let json = serde_json::to_string_pretty(&items)?;
    std::fs::write(out, json).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "extracted {} pages in {:.2}s with {threads} thread(s); wrote {}",
        pages.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Truth {
    article_body: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default, rename = "publish_date")]
    publish_date: Option<String>,
}

/// Share of pages, among those whose truth has a value, where `matches` holds.
fn metadata_rate<'a>(
    pairs: impl Iterator<Item = (Option<&'a str>, Option<String>)>,
    matches: fn(&str, &str) -> bool,
) -> Option<(f64, usize)> {
    let (mut hit, mut n) = (0usize, 0usize);
    for (truth, predicted) in pairs {
        let Some(truth) = truth.filter(|t| !t.trim().is_empty()) else {
            continue;
        };
        n += 1;
        if predicted.is_some_and(|p| matches(truth, &p)) {
            hit += 1;
        }
    }
    (n > 0).then(|| (hit as f64 / n as f64, n))
}

pub fn bench_extract(
    html: &Path,
    ground_truth: &Path,
    threads: usize,
    min_seconds: f64,
    report: Option<&Path>,
) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(ground_truth).with_context(|| format!("cannot read {}", ground_truth.display()))?;
    let truth: BTreeMap<String, Truth> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a ground-truth file", ground_truth.display()))?;
    let pages: Vec<Page> = read_pages(html)?
        .into_iter()
        .filter(|p| truth.contains_key(&p.id))
        .collect();
    if pages.is_empty() {
        bail!(
            "no page in {} has an entry in {}",
            html.display(),
            ground_truth.display()
        );
    }
    let bases: BTreeMap<String, Url> = truth
        .iter()
        .filter_map(|(id, t)| Some((id.clone(), Url::parse(t.url.as_deref()?).ok()?)))
        .collect();
    let bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    // Repeat until the timing is long enough to mean something.
    let started = Instant::now();
    let mut rounds = 0;
    let mut extracted;
    loop {
        extracted = extract_all(&pages, &bases, threads);
        rounds += 1;
        if started.elapsed().as_secs_f64() >= min_seconds {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let pages_per_sec = (pages.len() * rounds) as f64 / elapsed;
    let scores = eval::score(
        pages
            .iter()
            .zip(&extracted)
            .map(|(p, e)| (truth[&p.id].article_body.as_str(), e.text.as_str())),
    );
    let meta = |field: fn(&Truth) -> Option<&str>, value: fn(&Extracted) -> Option<String>, rule| {
        metadata_rate(
            pages
                .iter()
                .zip(&extracted)
                .map(|(p, e)| (field(&truth[&p.id]), value(e))),
            rule,
        )
    };
    let title = meta(|t| t.title.as_deref(), |e| e.title.clone(), eval::title_matches);
    let author = meta(|t| t.author.as_deref(), |e| e.byline.clone(), eval::author_matches);
    let date = meta(
        |t| t.publish_date.as_deref(),
        |e| e.published.map(|d| d.to_rfc3339()),
        eval::date_matches,
    );
    if let Some(report) = report {
        write_report(report, &pages, &extracted, &truth)?;
    }
    let missing = truth.len() - pages.len();
    println!(
        "pages        {} ({} missing from {})",
        pages.len(),
        missing,
        html.display()
    );
    println!("f1           {:.4}", scores.f1);
    println!("precision    {:.4}", scores.precision);
    println!("recall       {:.4}", scores.recall);
    println!("accuracy     {:.4}", scores.accuracy);
    for (name, rate) in [("title", title), ("author", author), ("date", date)] {
        if let Some((rate, n)) = rate {
            println!("{name:<12} {rate:.4} of {n} pages with a value");
        }
    }
    println!(
        "speed        {pages_per_sec:.1} pages/s with {threads} thread(s) ({rounds} rounds, {:.1} MB/s)",
        (bytes * rounds) as f64 / elapsed / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

/// How a metadata field's prediction is judged against the truth.
type MatchRule = fn(&str, &str) -> bool;

/// One tab-separated line per page: id, precision, recall, then for title,
/// author and date a 0/1/- verdict ("-" = no truth), the truth and the
/// prediction. For reading where an extractor wins and loses.
fn write_report(path: &Path, pages: &[Page], extracted: &[Extracted], truth: &BTreeMap<String, Truth>) -> Result<()> {
    use std::fmt::Write as _;
    let clean = |s: Option<&str>| s.unwrap_or("").replace(['\t', '\n', '\r'], " ");
    let mut out = String::from(
        "id\tprecision\trecall\ttitle_ok\ttitle_truth\ttitle\tauthor_ok\tauthor_truth\tauthor\tdate_ok\tdate_truth\tdate\n",
    );
    for (page, e) in pages.iter().zip(extracted) {
        let t = &truth[&page.id];
        let (tp, fp, fneg) = eval::page_counts(&t.article_body, &e.text);
        let ratio = |a: f64, b: f64| if a + b > 0.0 { a / (a + b) } else { 0.0 };
        let _ = write!(out, "{}\t{:.4}\t{:.4}", page.id, ratio(tp, fp), ratio(tp, fneg));
        let date = e.published.map(|d| d.to_rfc3339());
        let fields: [(Option<&str>, Option<&str>, MatchRule); 3] = [
            (t.title.as_deref(), e.title.as_deref(), eval::title_matches),
            (t.author.as_deref(), e.byline.as_deref(), eval::author_matches),
            (t.publish_date.as_deref(), date.as_deref(), eval::date_matches),
        ];
        for (truth, predicted, matches) in fields {
            let verdict = match truth.filter(|t| !t.trim().is_empty()) {
                None => "-",
                Some(t) if predicted.is_some_and(|p| matches(t, p)) => "1",
                Some(_) => "0",
            };
            let _ = write!(out, "\t{verdict}\t{}\t{}", clean(truth), clean(predicted));
        }
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("cannot write the report {}", path.display()))
}

/// Extracts generated hostile pages of `mib` MiB each and prints, for each,
/// the time taken and the process's peak resident memory so far. The
/// extractor reads at most `MAX_MARKUP_BYTES` of markup, so the peak stays
/// near that bound times the tree's overhead whatever the page's size.
pub fn bench_huge(mib: usize) -> Result<ExitCode> {
    let size = mib.max(1) << 20;
    let repeat_to = |unit: &str| -> String {
        let mut s = String::with_capacity(size + unit.len());
        while s.len() < size {
            s.push_str(unit);
        }
        s
    };
    type MakePage<'a> = Box<dyn Fn() -> String + 'a>;
    let cases: Vec<(&str, MakePage)> = vec![
        (
            "paragraphs",
            Box::new(|| {
                let body = repeat_to("<p>A sentence of an article, with commas, long enough to count as prose.</p>\n");
                format!("<html><body><article><h1>Huge</h1>{body}</article></body></html>")
            }),
        ),
        ("nested <div>s", Box::new(|| repeat_to("<div>"))),
        ("one text node", Box::new(|| format!("<p>{}</p>", repeat_to("word ")))),
        (
            "attribute flood",
            Box::new(|| format!("<p {}>text</p>", repeat_to("data-x=\"yyyyyyyy\" "))),
        ),
        (
            "unclosed comment",
            Box::new(|| format!("<p>before</p><!--{}", repeat_to("x"))),
        ),
    ];
    println!(
        "{mib} MiB pages; extraction reads at most {} MiB of markup",
        tracewire_extract::MAX_MARKUP_BYTES >> 20
    );
    println!("peak RSS before: {}", peak_rss());
    for (name, make) in cases {
        let page = make();
        let started = Instant::now();
        let out = tracewire_extract::extract(&page, None);
        let secs = started.elapsed().as_secs_f64();
        drop(page);
        println!(
            "{name:<18} {secs:>7.2} s  {:>9} chars of text  {} warning(s)  peak RSS {}",
            out.text.chars().count(),
            out.warnings.len(),
            peak_rss()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident set (VmHWM), where the OS reports it.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".to_string())
}

/// Where `extract --batch` writes when `--out` is not given.
pub fn default_out() -> PathBuf {
    PathBuf::from("extracted.json")
}
