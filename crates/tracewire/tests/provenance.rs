//! The offline provenance path: `simulate` writes a web of copies with its
//! truth, `relate` finds the copies and their origins, `bench relate`
//! scores it.

mod common;

use std::collections::HashMap;

use common::{Run, Tracewire};

/// The JSON values of a file of JSON lines.
#[allow(clippy::unwrap_used)] // a test helper: a failure is the test failing
fn read_jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn simulate_then_relate_finds_the_copies_and_their_origins() {
    let tw = Tracewire::new();
    let dir = tw.data.path().join("sim");
    let out = tw
        .ok(&[
            "simulate",
            "--origins",
            "30",
            "--sites",
            "6",
            "--seed",
            "5",
            "--out",
            dir.to_str().unwrap(),
        ])
        .await;
    assert!(out.contains("30 stories"), "{out}");
    let read = |name: &str| read_jsonl(&dir.join(name));
    let truth = read("truth.jsonl");
    // A broken line and a duplicate id are skipped, not fatal.
    let mut docs = std::fs::read_to_string(dir.join("docs.jsonl")).unwrap();
    let first = docs.lines().next().unwrap().to_string();
    docs.push_str("{not json\n");
    docs.push_str(&first);
    docs.push('\n');
    std::fs::write(dir.join("docs.jsonl"), docs).unwrap();

    let run = relate(&tw, &dir).await;
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("line skipped"), "{}", run.stderr);
    assert!(run.stdout.contains("2 lines skipped"), "{}", run.stdout);
    let lines = read("relations.jsonl");
    let origins: HashMap<i64, i64> = lines
        .iter()
        .filter(|l| l.get("origin").is_some())
        .map(|l| (l["id"].as_i64().unwrap(), l["origin"].as_i64().unwrap()))
        .collect();
    let pairs = lines.iter().filter(|l| l.get("kind").is_some()).count();
    assert!(pairs > 0);
    // Every copy is given its true origin.
    let copies: Vec<&serde_json::Value> = truth.iter().filter(|t| t["source"].is_i64()).collect();
    assert!(copies.len() > 10);
    let right = copies
        .iter()
        .filter(|t| origins.get(&t["id"].as_i64().unwrap()) == Some(&t["origin"].as_i64().unwrap()))
        .count();
    assert!(right * 100 >= copies.len() * 95, "{right} of {}", copies.len());
}

#[tokio::test]
async fn bench_relate_prints_its_scores() {
    let tw = Tracewire::new();
    let out = tw.ok(&["bench", "relate", "--origins", "40", "--sites", "8"]).await;
    for line in ["precision", "recall", "origin", "source", "fingerprint", "relate"] {
        assert!(out.lines().any(|l| l.starts_with(line)), "{line}: {out}");
    }
}

#[tokio::test]
async fn relate_ties_no_two_stories_by_their_boilerplate_or_quotes() {
    // The simulated web shares notices, pitches, "About" paragraphs and
    // quoted statements between unrelated stories; none may be related.
    let tw = Tracewire::new();
    let dir = tw.data.path().join("sim");
    tw.ok(&[
        "simulate",
        "--origins",
        "120",
        "--sites",
        "12",
        "--seed",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ])
    .await;
    let run = relate(&tw, &dir).await;
    assert!(run.ok, "{}", run.stderr);
    let read = |name: &str| read_jsonl(&dir.join(name));
    let truth = read("truth.jsonl");
    assert!(truth.iter().any(|t| t["made"] == "follow_up"));
    let origin: HashMap<i64, i64> = truth
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["origin"].as_i64().unwrap()))
        .collect();
    let pairs: Vec<(i64, i64)> = read("relations.jsonl")
        .iter()
        .filter(|l| l.get("kind").is_some_and(|k| k != "attributes"))
        .map(|l| (l["a"].as_i64().unwrap(), l["b"].as_i64().unwrap()))
        .collect();
    assert!(pairs.len() > 100, "{}", pairs.len());
    let wrong: Vec<_> = pairs.iter().filter(|(a, b)| origin[a] != origin[b]).collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// `tracewire relate` from `dir/docs.jsonl` to `dir/relations.jsonl`.
#[allow(clippy::unwrap_used)]
async fn relate(tw: &Tracewire, dir: &std::path::Path) -> Run {
    tw.run(&[
        "relate",
        "--input",
        dir.join("docs.jsonl").to_str().unwrap(),
        "--output",
        dir.join("relations.jsonl").to_str().unwrap(),
    ])
    .await
}
