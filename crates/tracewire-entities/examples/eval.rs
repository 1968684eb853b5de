//! Scores `entities()` on the GUM evaluation documents; with `--errors`, lists the misses.
//! `cargo run --release -p tracewire-entities --example eval -- --errors`

use tracewire_entities::entities;
use tracewire_entities::eval::{GoldDoc, Report, gold_bytes, score};

#[derive(serde::Deserialize)]
struct Set {
    docs: Vec<GoldDoc>,
}

fn main() {
    let set: Set = match serde_json::from_str(include_str!("../data/gum-eval/gum-eval.json")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bad eval data: {e}");
            return;
        }
    };
    let errors = std::env::args().any(|a| a == "--errors");
    let mut total = Report::default();
    for d in &set.docs {
        let gold = gold_bytes(d);
        let pred = entities(&d.text);
        total.add(&score(&gold, &pred));
        if errors {
            for p in &pred {
                if !gold
                    .iter()
                    .any(|g| g.0 == p.span.start && g.1 == p.span.end && g.2 == p.kind)
                {
                    let g = gold.iter().find(|g| g.0 < p.span.end && p.span.start < g.1);
                    let note = g
                        .map(|g| format!("  (gold {:?} {})", &d.text[g.0..g.1], g.2.as_str()))
                        .unwrap_or_default();
                    println!("FP {} {:?} {}{note}", d.name, &d.text[p.span.clone()], p.kind.as_str());
                }
            }
            for g in &gold {
                if !pred.iter().any(|p| p.span.start < g.1 && g.0 < p.span.end) {
                    println!("FN {} {:?} {}", d.name, &d.text[g.0..g.1], g.2.as_str());
                }
            }
        }
    }
    print!("{}", total.table());
}
