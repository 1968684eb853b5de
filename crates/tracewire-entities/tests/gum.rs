//! Named-mention F1 on the Wikinews part of the GUM corpus (see `tracewire_entities::eval`
//! for how gold spans are defined, and `data/gum-eval/` for the data and its licenses).
#![allow(clippy::unwrap_used)]

use tracewire_entities::eval::{GoldDoc, evaluate};

#[derive(serde::Deserialize)]
struct Set {
    docs: Vec<GoldDoc>,
}

fn docs() -> Vec<GoldDoc> {
    let set: Set = serde_json::from_str(include_str!("../data/gum-eval/gum-eval.json")).unwrap();
    set.docs
}

#[test]
fn gum_micro_f1() {
    let docs = docs();
    assert_eq!(docs.len(), 29);
    let report = evaluate(&docs);
    println!(
        "GUM Wikinews, {} documents, exact span + type:\n{}",
        docs.len(),
        report.table()
    );
    let micro = report.micro();
    assert!(
        micro.f1() >= 0.80,
        "micro F1 {:.3} < 0.80\n{}",
        micro.f1(),
        report.table()
    );
}

#[test]
fn gold_spans_are_on_char_boundaries() {
    for d in docs() {
        for (s, e, _) in tracewire_entities::eval::gold_bytes(&d) {
            assert!(
                s < e && d.text.is_char_boundary(s) && d.text.is_char_boundary(e),
                "{}",
                d.name
            );
        }
    }
}
