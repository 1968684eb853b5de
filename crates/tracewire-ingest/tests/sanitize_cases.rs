//! feedparser's `wellformed/sanitize` cases (the shared half, BSD) come out
//! inert along the path the crawler stores feed content by (issue 5, part
//! 7): parsed, then `extract_fragment` against the entry's base. Judged by
//! `tracewire_extract::audit_html`, not by comparing with feedparser's
//! output (the conformance command does that).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use tracewire_extract::{audit_html, extract_fragment, sanitize_html_with_base};
use tracewire_ingest::parse_feed;
use url::Url;

#[test]
fn feedparser_sanitize_cases_are_inert_once_stored() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/feedparser-cases/wellformed/sanitize");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 300, "{} cases in {}", files.len(), dir.display());
    let (mut fragments, mut dangerous_raw) = (0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let url = format!("http://127.0.0.1:8097/tests/wellformed/sanitize/{name}");
        let base = Url::parse(&url).unwrap();
        let Ok(feed) = parse_feed(&std::fs::read(path).unwrap(), &url) else {
            continue;
        };
        for entry in &feed.entries {
            for html in [&entry.content_html, &entry.summary_html].into_iter().flatten() {
                fragments += 1;
                if !audit_html(html).is_empty() {
                    dangerous_raw += 1;
                }
                let stored = extract_fragment(html, Some(&base)).html;
                let sanitized = sanitize_html_with_base(html, &base);
                for out in [stored, sanitized] {
                    let found = audit_html(&out);
                    if !found.is_empty() {
                        failures.push(format!("{name}: {html}\n  -> {out}\n  {found:?}"));
                    }
                }
            }
        }
    }
    // The cases carry their danger in entry content: a fixed floor shows
    // the check is looking at it.
    assert!(
        fragments >= 250 && dangerous_raw >= 150,
        "{fragments} fragments, {dangerous_raw} dangerous as written"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
