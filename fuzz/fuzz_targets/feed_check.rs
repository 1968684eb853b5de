//! Any bytes in: `tracewire feeds check`'s reading of a document (the
//! parse, the raw scan of items and entries, the WebSub hub discovery)
//! and the robots.txt rules say something or nothing, never panic.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use tracewire_ingest::fetch::FetchedPage;
use tracewire_ingest::robots::Rules;

static QUIET: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    // feed-rs panics caught inside parse_feed stay quiet (see feed.rs).
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = tracewire_ingest::check::check_document(bytes, "http://127.0.0.1:8097/feed.xml", None);
    let _ = tracewire_ingest::websub::discover(bytes);
    let url = url::Url::parse("http://127.0.0.1:8097/a/b?c").unwrap_or_else(|_| unreachable!());
    let page = FetchedPage {
        final_url: url.clone(),
        not_modified: false,
        content_type: None,
        validators: Default::default(),
        body: bytes.to_vec(),
        redirects: Vec::new(),
    };
    let rules = Rules::from_fetch("http://127.0.0.1:8097/robots.txt", Ok(page));
    let _ = rules.check("http://127.0.0.1:8097/robots.txt", &url);
    let _ = rules.crawl_delay();
});
