//! Golden-file tests: the seed page and 30 WCXB pages (see
//! `tests/golden/README.md`) against reviewed snapshots, so that any change
//! in what the extractor returns shows up as a diff.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use tracewire_extract::{Extracted, decode_html, extract};
use url::Url;

/// Everything a reader or a later stage sees of one extraction, one field
/// a line, then the text.
fn render(out: &Extracted) -> String {
    let mut s = String::new();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let _ = writeln!(s, "title: {}", opt(&out.title));
    let _ = writeln!(s, "byline: {}", opt(&out.byline));
    let _ = writeln!(
        s,
        "published: {}",
        out.published.map_or("-".to_string(), |d| d.to_rfc3339())
    );
    let _ = writeln!(s, "canonical: {}", opt(&out.canonical_url));
    let _ = writeln!(s, "site: {}", opt(&out.site_name));
    let _ = writeln!(s, "language: {}", opt(&out.language));
    let _ = writeln!(s, "source: {}", opt(&out.source_url));
    for a in &out.attributions {
        let _ = writeln!(
            s,
            "attribution: {:?} {} ({})",
            a.kind,
            a.url.as_deref().unwrap_or("-"),
            a.text
        );
    }
    for w in &out.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(s, "--- text ({} chars)", out.text.chars().count());
    s.push_str(&out.text);
    s.push('\n');
    s
}

#[test]
fn seed_page() {
    let base = Url::parse(&format!(
        "{}{}",
        tracewire_testkit::demo::SEED_ORIGIN,
        tracewire_testkit::demo::SEED_ARTICLE_PATH
    ))
    .ok();
    let out = extract(tracewire_testkit::demo::SEED_PAGE_HTML, base.as_ref());
    insta::assert_snapshot!("seed_page", render(&out));
    insta::assert_snapshot!("seed_page_html", out.html);
}

#[test]
fn wcxb_pages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let mut seen = 0;
    for line in index.lines().filter(|l| !l.trim().is_empty()) {
        let (id, url) = line.split_once('\t').unwrap();
        let gz = std::fs::read(dir.join("pages").join(format!("{id}.html.gz"))).unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut bytes).unwrap();
        let html = decode_html(&bytes, None);
        let base = Url::parse(url).ok();
        let out = extract(&html, base.as_ref());
        insta::assert_snapshot!(format!("wcxb_{id}"), render(&out));
        seen += 1;
    }
    assert_eq!(seen, 30, "tests/golden/index.tsv lists 30 pages");
}
