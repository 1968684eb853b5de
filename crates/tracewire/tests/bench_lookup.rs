//! `bench lookup`: a store filled step by step, candidate lookup timed at
//! each size.

mod common;

use common::Tracewire;

#[tokio::test]
async fn bench_lookup_prints_each_size_and_the_ratio() {
    let tw = Tracewire::new();
    let out = tw
        .ok(&["bench", "lookup", "--sizes", "200,400", "--queries", "20"])
        .await;
    // One row per size, and every planted copy found with its source.
    for size in ["200", "400"] {
        let row = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(size))
            .unwrap_or_else(|| panic!("no row for {size}: {out}"));
        assert!(row.trim_end().ends_with("10/10"), "{row}");
    }
    assert!(out.lines().any(|l| l.starts_with("ratio")), "{out}");
}
