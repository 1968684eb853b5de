//! Any string in: canonicalization never panics, and a canonical URL is its
//! own canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire_extract::canonical_url::canonical_url;

fuzz_target!(|input: &str| {
    if let Ok(url) = canonical_url(input) {
        let again = canonical_url(url.as_str()).map(String::from);
        assert_eq!(again.as_deref(), Ok(url.as_str()), "not idempotent for {input:?}");
    }
});
