//! Times `quotes()` on repetitive inputs: `cargo run --release -p tracewire-quotes --example stress`.
fn main() {
    let pieces = [
        "said ",
        "“a,” he said ",
        "according to ",
        "\"x\" ",
        "Smith said that Jones told reporters ",
        "A B C D E F ",
        "he said she said ",
        "“",
        ", said Mr. X, ",
    ];
    for size in [50_000usize, 200_000, 800_000] {
        for p in pieces {
            let text = p.repeat(size / p.len());
            let t = std::time::Instant::now();
            let n = tracewire_quotes::quotes(&text).len();
            println!("{size:>7} {p:?}: {:?} ({n} quotes)", t.elapsed());
        }
    }
}
