//! Arbitrary input never panics; spans are valid, sorted and non-overlapping.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tracewire_entities::{EntityKind, canonical_name, entities};

fn check(text: &str) {
    let es = entities(text);
    let mut last_end = 0;
    for e in &es {
        assert!(e.span.start < e.span.end, "{e:?}");
        assert!(e.span.end <= text.len());
        assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
        assert!(e.span.start >= last_end, "overlap or unsorted: {es:?}");
        assert!(!e.canonical.is_empty());
        last_end = e.span.end;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string(text in any::<String>()) {
        check(&text);
        let _ = canonical_name(EntityKind::Person, &text);
        let _ = canonical_name(EntityKind::Place, &text);
    }

    #[test]
    fn name_like_strings(text in r"([A-Z][a-z]{0,6}|al-[A-Z][a-z]{0,4}|[A-Z]\.|U\.S\.|of|the|’s|'s|[ .,“”\n-]|é|Ł|İ){0,40}") {
        check(&text);
    }
}

#[test]
fn edge_cases() {
    for t in [
        "",
        " ",
        "A",
        "U.",
        "U.S",
        "’s",
        "al-",
        "al-X",
        "X’s’s",
        "Mr.",
        "İİ İ",
        "ǅ ǅ",
        "The",
        "\u{2019}",
    ] {
        check(t);
    }
}
