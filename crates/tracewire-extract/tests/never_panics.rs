//! Extraction takes whatever the network sends: it must never panic, and
//! whatever it returns as HTML must be sanitized.

use proptest::prelude::*;
use url::Url;

/// Fragments that exercise the parser and the extractor's rules.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<div class=\"share related\">".to_string()),
        Just("<div class=\"entry-content\">".to_string()),
        Just("</div>".to_string()),
        Just("<article>".to_string()),
        Just("<a href=\"javascript:alert(1)\">".to_string()),
        Just("<a href=\"/rel\">".to_string()),
        Just("</a>".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("Source Article from https://a.example/x".to_string()),
        Just("Views: 0".to_string()),
        Just("<br><br>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("<pre>  code  </pre>".to_string()),
        Just("<meta property=\"og:title\" content=\"T\">".to_string()),
        Just("<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":".to_string()),
        "[a-zA-Z ,.\u{e9}\u{4e2d}]{0,80}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn extraction_never_panics_and_output_is_sanitized(pieces in prop::collection::vec(piece(), 0..60)) {
        let html = pieces.concat();
        let base = Url::parse("https://example.com/a/b").ok();
        let out = tracewire_extract::extract(&html, base.as_ref());
        prop_assert!(!out.html.contains("<script"));
        prop_assert!(!out.html.contains("javascript:"));
        prop_assert!(!out.html.contains("onerror"));
        let fragment = tracewire_extract::extract_fragment(&html, base.as_ref());
        prop_assert!(!fragment.html.contains("<script"));
    }

    #[test]
    fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2000), ct in prop::option::of("[a-z/;= -]{0,40}")) {
        let _ = tracewire_extract::decode_html(&bytes, ct.as_deref());
    }
}
