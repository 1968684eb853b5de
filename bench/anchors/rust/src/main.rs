//! Accuracy/speed anchors for open Rust article extractors.
//!
//! Reads every `*.html.gz` page of one data set into memory (decompressed,
//! decoded as UTF-8 with lossy replacement), then times extraction alone,
//! single-threaded, over the whole set `--runs` times. Writes the predictions
//! of the last run as `{id: {"articleBody": text}}` (the scorer's format) and
//! prints one JSON line of timings to stdout.
//!
//! Usage:
//!   anchors EXTRACTOR [--html-dir DIR] [--gt FILE] [--out FILE] [--runs N]
//!
//! EXTRACTOR: dom_smoothie | rs-trafilatura | trafilatura-rs
//!   dom_smoothie    Readability::new(html, Some(url), None)?.parse()?.text_content
//!   rs-trafilatura  rs_trafilatura::extract_with_options(html, Options { url, ..default })
//!                   (defaults: include_comments=false, include_tables=true)
//!   trafilatura-rs  crate `trafilatura` (port of go-trafilatura):
//!                   extract(html, Options::default().with_url(url).with_exclude_comments(true))
//!                   (crate default: enable_fallback=false, tables kept)
//!
//! Page id = file name without `.html.gz`; the page URL comes from the
//! ground-truth file's `url` field (`{id: {"articleBody", "url"}}`).
//!
//! Defaults: --html-dir $AEB_DIR/html, --gt $AEB_DIR/ground-truth.json with
//! AEB_DIR=/work/shared/data/extraction/aeb-dev, --out preds-EXTRACTOR.json,
//! --runs 2.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::Instant;

use serde_json::{json, Map, Value};

struct Page {
    id: String,
    url: Option<String>,
    html: String,
}

fn die(msg: &str) -> ! {
    eprintln!("anchors: {msg}");
    exit(2)
}

fn load_pages(html_dir: &Path, gt: &Path) -> Vec<Page> {
    let gt_text = fs::read_to_string(gt).unwrap_or_else(|e| die(&format!("{}: {e}", gt.display())));
    let gt: Value = serde_json::from_str(&gt_text).unwrap_or_else(|e| die(&format!("{}: {e}", gt.display())));
    let mut files: Vec<PathBuf> = fs::read_dir(html_dir)
        .unwrap_or_else(|e| die(&format!("{}: {e}", html_dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let id = name.trim_end_matches(".html.gz").to_string();
            let mut raw = Vec::new();
            flate2::read::GzDecoder::new(fs::File::open(&path).unwrap_or_else(|e| die(&format!("{name}: {e}"))))
                .read_to_end(&mut raw)
                .unwrap_or_else(|e| die(&format!("{name}: {e}")));
            let html = String::from_utf8_lossy(&raw).into_owned();
            let url = gt.get(&id).and_then(|v| v.get("url")).and_then(Value::as_str).map(str::to_owned);
            Page { id, url, html }
        })
        .collect()
}

type Extract = fn(&Page) -> String;

fn dom_smoothie(p: &Page) -> String {
    match dom_smoothie::Readability::new(p.html.as_str(), p.url.as_deref(), None) {
        Ok(mut r) => match r.parse() {
            Ok(a) => a.text_content.to_string(),
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    }
}

fn rs_trafilatura(p: &Page) -> String {
    let opts = rs_trafilatura::Options { url: p.url.clone(), ..rs_trafilatura::Options::default() };
    rs_trafilatura::extract_with_options(&p.html, &opts).map(|r| r.content_text).unwrap_or_default()
}

fn trafilatura_rs(p: &Page) -> String {
    let mut opts = trafilatura::Options::default().with_exclude_comments(true);
    if let Some(u) = p.url.as_deref().and_then(|u| url::Url::parse(u).ok()) {
        opts = opts.with_url(u);
    }
    trafilatura::extract(&p.html, &opts).map(|r| r.content_text).unwrap_or_default()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| die("usage: anchors EXTRACTOR [--html-dir DIR] [--gt FILE] [--out FILE] [--runs N]"));
    let extract: Extract = match name.as_str() {
        "dom_smoothie" => dom_smoothie,
        "rs-trafilatura" => rs_trafilatura,
        "trafilatura-rs" => trafilatura_rs,
        _ => die(&format!("unknown extractor {name}")),
    };
    let aeb = std::env::var("AEB_DIR").unwrap_or_else(|_| "/work/shared/data/extraction/aeb-dev".into());
    let mut html_dir = PathBuf::from(&aeb).join("html");
    let mut gt = PathBuf::from(&aeb).join("ground-truth.json");
    let mut out = PathBuf::from(format!("preds-{name}.json"));
    let mut runs: usize = 2;
    while let Some(flag) = args.next() {
        let val = args.next().unwrap_or_else(|| die(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--html-dir" => html_dir = val.into(),
            "--gt" => gt = val.into(),
            "--out" => out = val.into(),
            "--runs" => runs = val.parse().unwrap_or_else(|_| die("--runs needs a number")),
            _ => die(&format!("unknown flag {flag}")),
        }
    }

    let pages = load_pages(&html_dir, &gt);
    if pages.is_empty() {
        die(&format!("no *.html.gz in {}", html_dir.display()));
    }
    // Silence panic messages from extractors; a panicking page yields "".
    std::panic::set_hook(Box::new(|_| {}));

    let mut secs = Vec::with_capacity(runs);
    let mut panics = 0usize;
    let mut preds: Vec<String> = Vec::new();
    for _ in 0..runs.max(1) {
        panics = 0;
        let mut texts = Vec::with_capacity(pages.len());
        let t0 = Instant::now();
        for p in &pages {
            match catch_unwind(AssertUnwindSafe(|| extract(p))) {
                Ok(t) => texts.push(t),
                Err(_) => {
                    panics += 1;
                    texts.push(String::new())
                }
            }
        }
        secs.push(t0.elapsed().as_secs_f64());
        preds = texts;
    }

    let mut obj = Map::new();
    for (p, t) in pages.iter().zip(preds) {
        obj.insert(p.id.clone(), json!({ "articleBody": t }));
    }
    let sorted: BTreeMap<_, _> = obj.into_iter().collect();
    fs::write(&out, serde_json::to_string_pretty(&sorted).unwrap())
        .unwrap_or_else(|e| die(&format!("{}: {e}", out.display())));

    let n = pages.len();
    println!(
        "{}",
        json!({
            "extractor": name,
            "html_dir": html_dir.display().to_string(),
            "pages": n,
            "panics": panics,
            "seconds": secs,
            "pages_per_s": secs.iter().map(|s| n as f64 / s).collect::<Vec<_>>(),
            "out": out.display().to_string(),
        })
    );
}
