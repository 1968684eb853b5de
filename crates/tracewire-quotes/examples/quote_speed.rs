//! Times `quotes()` over the labelled Wikinews texts.
//!
//! `cargo run --release -p tracewire-quotes --example quote_speed`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/wikinews-quotes");
    let mut texts: Vec<String> = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths.iter().filter(|p| p.extension().is_some_and(|x| x == "json")) {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        texts.push(v["text"].as_str().unwrap().to_string());
    }
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    // Warm up.
    let mut found = 0;
    for t in &texts {
        found += tracewire_quotes::quotes(t).len();
    }
    let start = Instant::now();
    let mut rounds = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        for t in &texts {
            found += std::hint::black_box(tracewire_quotes::quotes(std::hint::black_box(t))).len();
        }
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let articles = rounds as f64 * texts.len() as f64;
    let avg_words = words as f64 / texts.len() as f64;
    let wps = rounds as f64 * words as f64 / secs;
    println!(
        "{} texts, {:.0} words on average, {} rounds in {:.2} s ({} quotes)",
        texts.len(),
        avg_words,
        rounds,
        secs,
        found
    );
    println!("articles/s: {:.0}", articles / secs);
    println!("words/s:    {:.0}", wps);
    println!(
        "700-word article: {:.3} ms ({:.0} articles/s)",
        700.0 / wps * 1000.0,
        wps / 700.0
    );
}
