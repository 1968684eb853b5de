//! `tracewire annotate`: quotes with their speakers and named entities for
//! a corpus of JSON lines, and `tracewire bench annotate`, its speed.
//!
//! Input lines are `{"id","title","text"}`; each output line is
//! `{"id","quotes":[…],"entities":[…]}` in input order, spans in Unicode
//! characters of `text` (the shapes of `tracewire_model::ArticleQuote` and
//! `EntityMention`). A line that cannot be read is reported on stderr with
//! its number and written as `{"id","error"}`, so the output keeps one line
//! per input line; the command then exits with status 1.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use tracewire_ingest::annotate::annotate;
use tracewire_model::{ArticleQuote, EntityMention};

use crate::progress;

/// Lines read and annotated at a time (spread over the threads).
const BLOCK: usize = 4096;
/// Longest input line taken: bounds the memory one document can ask for.
const MAX_LINE_BYTES: usize = 16 << 20;

#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default)]
    #[allow(dead_code)]
    title: Option<String>,
    text: String,
}

#[derive(Serialize)]
struct Annotated<'a> {
    id: &'a serde_json::Value,
    quotes: Vec<ArticleQuote>,
    entities: Vec<EntityMention>,
}

#[derive(Serialize)]
struct Failed<'a> {
    id: &'a serde_json::Value,
    error: String,
}

/// One output line for one input line.
fn annotate_line(line: &str) -> std::result::Result<String, String> {
    let doc: Doc = serde_json::from_str(line).map_err(|e| format!("not a {{\"id\",\"title\",\"text\"}} line: {e}"))?;
    let found = annotate(&doc.text);
    serde_json::to_string(&Annotated {
        id: &doc.id,
        quotes: found.quotes,
        entities: found.entities,
    })
    .map_err(|e| e.to_string())
}

/// Annotates `lines` on `threads` threads, in order.
fn annotate_block(lines: &[String], threads: usize) -> Vec<std::result::Result<String, String>> {
    let chunk = lines.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|l| annotate_line(l)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("the annotator failed on this block".to_string())])
            })
            .collect()
    })
}

pub fn annotate_file(input: &Path, output: &Path, threads: usize, show_progress: bool) -> Result<ExitCode> {
    let file = File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let out = File::create(output).with_context(|| format!("cannot create {}", output.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let bar = progress::bar(show_progress, "annotating");
    if let Some(bar) = &bar {
        bar.set_length(size);
    }
    let threads = threads.max(1);
    let started = Instant::now();
    let (mut done, mut failed, mut words, mut line_no, mut read_bytes) = (0usize, 0usize, 0usize, 0usize, 0u64);
    let mut logged = Instant::now();
    loop {
        let mut block = Vec::with_capacity(BLOCK);
        let mut first_line = line_no + 1;
        while block.len() < BLOCK {
            let mut line = String::new();
            let n = (&mut reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_line(&mut line)
                .with_context(|| format!("cannot read {} at line {}", input.display(), line_no + 1))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            read_bytes += n as u64;
            if n > MAX_LINE_BYTES && !line.ends_with('\n') {
                // Skip the rest of an overlong line.
                let mut rest = Vec::new();
                reader.read_until(b'\n', &mut rest)?;
                read_bytes += rest.len() as u64;
                line = String::from("{\"error\":\"line too long\"}");
            }
            if line.trim().is_empty() {
                if block.is_empty() {
                    first_line = line_no + 1;
                }
                continue;
            }
            block.push(line);
        }
        if block.is_empty() {
            break;
        }
        words += block.iter().map(|l| l.split_whitespace().count()).sum::<usize>();
        for (i, result) in annotate_block(&block, threads).into_iter().enumerate() {
            let text = match result {
                Ok(text) => text,
                Err(e) => {
                    failed += 1;
                    let id = serde_json::from_str::<serde_json::Value>(&block[i])
                        .ok()
                        .and_then(|v| v.get("id").cloned())
                        .unwrap_or(serde_json::Value::Null);
                    eprintln!("{}: line {}: {e}", input.display(), first_line + i);
                    serde_json::to_string(&Failed { id: &id, error: e })?
                }
            };
            writeln!(out, "{text}").with_context(|| format!("cannot write {}", output.display()))?;
        }
        done += block.len();
        if let Some(bar) = &bar {
            bar.set_position(read_bytes);
            bar.set_message(format!("{done} documents"));
        } else if logged.elapsed() > Duration::from_secs(10) {
            logged = Instant::now();
            tracing::info!(documents = done, "annotating");
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", output.display()))?;
    progress::clear();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "annotated {} documents in {secs:.2} s ({:.0}/s, {:.0} words/s on {threads} threads) into {}",
        done - failed,
        done as f64 / secs,
        words as f64 / secs,
        output.display()
    );
    if failed > 0 {
        eprintln!("{failed} lines could not be read (listed above; written as {{\"id\",\"error\"}} lines)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `tracewire bench annotate`: one core over the bundled Wikinews news
/// texts, repeated until `min_seconds` pass; articles/s as measured and
/// as for 700-word articles.
pub fn bench_annotate(min_seconds: f64) -> Result<ExitCode> {
    let texts: Vec<String> = tracewire_testkit::demo::corpus_articles()
        .iter()
        .map(|a| a.paragraphs.join("\n\n"))
        .collect();
    anyhow::ensure!(!texts.is_empty(), "no bundled texts to annotate");
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    // Warm the lexicons (built once, on first use).
    let mut found = (0usize, 0usize);
    for t in &texts {
        let a = annotate(t);
        found.0 += a.quotes.len();
        found.1 += a.entities.len();
    }
    let started = Instant::now();
    let mut rounds = 0usize;
    while started.elapsed().as_secs_f64() < min_seconds {
        for t in &texts {
            std::hint::black_box(annotate(std::hint::black_box(t)));
        }
        rounds += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let articles = (rounds * texts.len()) as f64 / secs;
    let words_per_sec = (rounds * words) as f64 / secs;
    println!(
        "{} texts, {:.0} words each on average; {} quotes and {} entity mentions in one pass",
        texts.len(),
        words as f64 / texts.len() as f64,
        found.0,
        found.1
    );
    println!(
        "one core: {articles:.0} articles/s, {words_per_sec:.0} words/s = {:.0} articles/s of 700 words",
        words_per_sec / 700.0
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_in_order_and_bad_lines_named() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("docs.jsonl");
        let output = dir.path().join("out.jsonl");
        let seed = include_str!("../../tracewire-testkit/fixtures/seed/article.txt");
        let lines = [
            serde_json::json!({"id": "seed", "title": "Russia", "text": seed}).to_string(),
            "not json".to_string(),
            String::new(),
            serde_json::json!({"id": 7, "title": "t", "text": "“It will rain,” said Ann Lee."}).to_string(),
        ];
        std::fs::write(&input, lines.join("\n")).unwrap();
        let code = annotate_file(&input, &output, 2, false).unwrap();
        assert_eq!(code, ExitCode::FAILURE);
        let out: Vec<serde_json::Value> = std::fs::read_to_string(&output)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0]["id"], "seed");
        assert!(out[1]["error"].as_str().unwrap().contains("not a"));
        let q = &out[2]["quotes"][0];
        assert_eq!(q["content"]["text"], "It will rain,");
        assert_eq!(
            (q["content"]["start"].as_u64(), q["content"]["end"].as_u64()),
            (Some(1), Some(14))
        );
        assert_eq!(q["speaker_name"], "Ann Lee");
        assert_eq!(q["kind"], "direct");
        let e = &out[2]["entities"][0];
        assert_eq!((e["text"].as_str(), e["type"].as_str()), (Some("Ann Lee"), Some("PER")));
        let speakers: Vec<&str> = out[0]["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|q| q["speaker_name"].as_str())
            .collect();
        assert!(speakers.contains(&"Dmitry Peskov"), "{speakers:?}");
    }
}
