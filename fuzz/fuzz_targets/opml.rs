//! Any text in: OPML import returns the feeds it lists or an error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tracewire_ingest::opml_io::read_opml(text);
});
