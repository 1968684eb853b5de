//! Any bytes and content type in: decoding picks an encoding and never
//! panics, and the result extracts without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &[u8])| {
    let (content_type, bytes) = input;
    let html = tracewire_extract::decode_html(bytes, Some(content_type));
    let _ = tracewire_extract::extract(&html, None);
});
