//! Any string in, an article out: extraction must never panic, on whole
//! documents and on feed fragments alike.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let base = url::Url::parse("https://fuzz.example/news/2024/01/02/story.html").ok();
    let out = tracewire_extract::extract(html, base.as_ref());
    // Whatever came in, what goes out has been through the sanitizer.
    assert!(!out.html.contains("<script"));
    let _ = tracewire_extract::extract_fragment(html, base.as_ref());
});
