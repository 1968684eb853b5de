//! Prints the entities of the text on standard input, one per line.
//! `echo "Kremlin spokesman Dmitry Peskov said..." | cargo run -p tracewire-entities --example show`

use std::io::Read;

fn main() {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("cannot read stdin: {e}");
        return;
    }
    for e in tracewire_entities::entities(&text) {
        println!(
            "{}..{}\t{}\t{:?}\t{}",
            e.span.start,
            e.span.end,
            e.kind.as_str(),
            &text[e.span.clone()],
            e.canonical
        );
    }
}
