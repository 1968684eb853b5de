//! Prints the quotes of the text on stdin: `echo '…' | cargo run -p tracewire-quotes --example one`.
use std::io::Read;

fn main() {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        return;
    }
    for q in tracewire_quotes::quotes(&text) {
        println!(
            "{:?} | speaker {:?} -> {:?} | cue {:?} | {}",
            q.kind,
            q.speaker.clone().map(|r| &text[r]),
            q.speaker_name,
            q.cue.clone().map(|r| &text[r]),
            &text[q.content]
        );
    }
}
