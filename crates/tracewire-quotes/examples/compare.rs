//! Prints gold and extracted quotes side by side for the labelled set (or one document).
//!
//! `cargo run -p tracewire-quotes --example compare [GUM_news_xxx]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tracewire_quotes::eval::normalize_name;
use tracewire_quotes::{char_offsets, quotes};

fn main() {
    let only = std::env::args().nth(1).filter(|a| a != "--errors");
    let errors = std::env::args().any(|a| a == "--errors");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/wikinews-quotes");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for p in files.iter().filter(|p| p.extension().is_some_and(|x| x == "json")) {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let id = v["id"].as_str().unwrap();
        if only.as_deref().is_some_and(|o| o != id) {
            continue;
        }
        let text = v["text"].as_str().unwrap();
        let chars: Vec<char> = text.chars().collect();
        let cut = |a: usize, b: usize| -> String {
            let s: String = chars[a..b].iter().collect();
            if s.chars().count() > 70 {
                format!("{}…", s.chars().take(70).collect::<String>())
            } else {
                s
            }
        };
        if errors {
            let preds: Vec<_> = quotes(text)
                .into_iter()
                .map(|q| (char_offsets(text, q.content.clone()), q.speaker_name.clone(), q.kind))
                .collect();
            let gold: Vec<_> = v["quotes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| {
                    let c = &q["content"];
                    (
                        c["start"].as_u64().unwrap() as usize..c["end"].as_u64().unwrap() as usize,
                        q["speaker_name"].as_str().map(str::to_string),
                    )
                })
                .collect();
            let ov = |a: &std::ops::Range<usize>, b: &std::ops::Range<usize>| a.start < b.end && b.start < a.end;
            for (g, gn) in &gold {
                let Some(gn) = gn else { continue };
                let hit = preds.iter().any(|(p, pn, _)| {
                    ov(g, p) && pn.as_deref().is_some_and(|x| normalize_name(x) == normalize_name(gn))
                });
                if !hit {
                    let got: Vec<_> = preds
                        .iter()
                        .filter(|(p, _, _)| ov(g, p))
                        .map(|(_, pn, _)| pn.clone())
                        .collect();
                    println!("{id} MISS gold {gn:?} got {got:?} | {}", cut(g.start, g.end));
                }
            }
            for (p, pn, k) in &preds {
                let Some(pn) = pn else { continue };
                let ok = gold
                    .iter()
                    .any(|(g, gn)| ov(g, p) && gn.as_deref().is_some_and(|x| normalize_name(x) == normalize_name(pn)));
                if !ok {
                    println!("{id} FP   pred {pn:?} {k:?} | {}", cut(p.start, p.end));
                }
            }
            continue;
        }
        println!("==== {id}");
        for q in v["quotes"].as_array().unwrap() {
            let c = &q["content"];
            println!(
                "  G {:>5} {:8} {:30} | {}",
                c["start"],
                q["kind"].as_str().unwrap(),
                q["speaker_name"].as_str().unwrap_or("-"),
                cut(
                    c["start"].as_u64().unwrap() as usize,
                    c["end"].as_u64().unwrap() as usize
                )
            );
        }
        for q in quotes(text) {
            let r = char_offsets(text, q.content.clone());
            let cue = q.cue.clone().map(|c| text[c].to_string()).unwrap_or_default();
            println!(
                "  P {:>5} {:8} {:30} | {} [{}]",
                r.start,
                format!("{:?}", q.kind).to_lowercase(),
                q.speaker_name.as_deref().unwrap_or("-"),
                cut(r.start, r.end),
                cue
            );
        }
    }
}
