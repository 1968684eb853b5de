//! Times `entities()` over the GUM evaluation texts until at least two seconds have passed.
//! `cargo run --release -p tracewire-entities --example entity_speed`

use std::time::{Duration, Instant};

#[derive(serde::Deserialize)]
struct Set {
    docs: Vec<tracewire_entities::eval::GoldDoc>,
}

fn main() {
    let set: Set = match serde_json::from_str(include_str!("../data/gum-eval/gum-eval.json")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bad eval data: {e}");
            return;
        }
    };
    let texts: Vec<&str> = set.docs.iter().map(|d| d.text.as_str()).collect();
    let words_per_pass: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    // Warm up (builds the lexicon).
    let mut found = 0usize;
    for t in &texts {
        found += tracewire_entities::entities(t).len();
    }
    let start = Instant::now();
    let mut passes = 0usize;
    while start.elapsed() < Duration::from_secs(2) {
        for t in &texts {
            found += std::hint::black_box(tracewire_entities::entities(std::hint::black_box(t))).len();
        }
        passes += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let articles = (passes * texts.len()) as f64;
    let words = (passes * words_per_pass) as f64;
    println!(
        "{} articles ({} words on average): {:.0} articles/s, {:.0} words/s, {:.3} ms per 700 words ({found} entities)",
        texts.len(),
        words_per_pass / texts.len(),
        articles / secs,
        words / secs,
        700.0 / (words / secs) * 1000.0
    );
}
