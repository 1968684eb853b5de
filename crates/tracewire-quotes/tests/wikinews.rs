//! Scores `quotes()` on the labelled Wikinews set in `data/wikinews-quotes/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tracewire_quotes::QuoteKind;
use tracewire_quotes::eval::{DocPair, EvalQuote, evaluate};

fn kind(s: &str) -> QuoteKind {
    match s {
        "direct" => QuoteKind::Direct,
        "mixed" => QuoteKind::Mixed,
        _ => QuoteKind::Indirect,
    }
}

fn range(v: &Value) -> Option<std::ops::Range<usize>> {
    if v.is_null() {
        return None;
    }
    Some(v["start"].as_u64().unwrap() as usize..v["end"].as_u64().unwrap() as usize)
}

pub fn load() -> Vec<(String, String, Vec<EvalQuote>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/wikinews-quotes");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let gold = v["quotes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| EvalQuote {
                    content: range(&q["content"]).unwrap(),
                    speaker_name: q["speaker_name"].as_str().map(str::to_string),
                    cue: range(&q["cue"]),
                    kind: kind(q["kind"].as_str().unwrap()),
                })
                .collect();
            (
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
                gold,
            )
        })
        .collect()
}

#[test]
fn wikinews_targets() {
    let docs = load();
    assert!(docs.len() >= 40, "labelled set has {} documents", docs.len());
    let pairs: Vec<DocPair> = docs
        .iter()
        .map(|(_, text, gold)| DocPair {
            gold: gold.clone(),
            predicted: tracewire_quotes::quotes(text)
                .iter()
                .map(|q| EvalQuote::from_quote(text, q))
                .collect(),
        })
        .collect();
    let r = evaluate(&pairs);
    println!(
        "documents: {}  gold quotes: {}  predicted: {}",
        docs.len(),
        r.gold_quotes,
        r.predicted_quotes
    );
    println!("direct-quote content overlap  {}", r.content_overlap);
    println!("direct quotes, quote level    {}", r.content_quote_level);
    println!("all quotes, content overlap   {}", r.content_overlap_all);
    println!("speaker exact                 {}", r.speaker);
    println!("indirect-speech speaker       {}", r.indirect_speaker);
    println!("cue                           {}", r.cue);
    assert!(
        r.content_overlap.f1 >= 0.95,
        "content overlap F1 {}",
        r.content_overlap.f1
    );
    assert!(r.speaker.f1 >= 0.85, "speaker F1 {}", r.speaker.f1);
    assert!(
        r.indirect_speaker.f1 >= 0.70,
        "indirect speaker F1 {}",
        r.indirect_speaker.f1
    );
}

#[test]
fn truncated_texts_are_safe() {
    for (_, text, _) in load() {
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(97).collect();
        for &c in &cuts {
            for part in [&text[..c], &text[c..]] {
                for q in tracewire_quotes::quotes(part) {
                    assert!(part.is_char_boundary(q.content.start) && part.is_char_boundary(q.content.end));
                    assert!(q.content.start <= q.content.end && q.content.end <= part.len());
                }
            }
        }
    }
}
