//! Any bytes in: the feed parser (with its repairs before feed-rs: the
//! declared encoding, HTML entities, Atom 0.3, version-less RSS, entry
//! sources) returns a feed or an error to its caller, never a panic.
//!
//! `parse_feed` catches panics inside feed-rs and quick-xml and refuses the
//! document; libfuzzer-sys's panic hook would abort on those too, so this
//! target installs a quiet hook: a panic that escapes `parse_feed` still
//! aborts (libfuzzer-sys catches the unwind and aborts), one it handles
//! does not. Run once without the hook (`TRACEWIRE_FUZZ_ALL_PANICS=1`) to
//! find the caught ones, which are feed-rs or quick-xml bugs.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

static QUIET: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    QUIET.call_once(|| {
        if std::env::var_os("TRACEWIRE_FUZZ_ALL_PANICS").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
    let _ = tracewire_ingest::parse_feed(bytes, "http://127.0.0.1:8097/feed.xml");
});
