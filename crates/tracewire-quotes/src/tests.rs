#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;

/// The seed article, as the test kit serves it (crates/tracewire-testkit/fixtures/seed/article.txt).
const SEED: &str = include_str!("../../tracewire-testkit/fixtures/seed/article.txt");

/// (content, speaker_name, cue, kind) of every quote.
fn show(text: &str) -> Vec<(String, Option<String>, Option<String>, QuoteKind)> {
    quotes(text)
        .into_iter()
        .map(|q| {
            (
                text[q.content.clone()].to_string(),
                q.speaker_name.clone(),
                q.cue.map(|c| text[c].to_string()),
                q.kind,
            )
        })
        .collect()
}

/// The one quote whose content contains `needle`.
fn find<'a>(
    qs: &'a [(String, Option<String>, Option<String>, QuoteKind)],
    needle: &str,
) -> &'a (String, Option<String>, Option<String>, QuoteKind) {
    let hits: Vec<_> = qs.iter().filter(|q| q.0.contains(needle)).collect();
    assert!(!hits.is_empty(), "no quote contains {needle:?}: {qs:#?}");
    // The innermost one: the shortest content.
    hits.into_iter().min_by_key(|q| q.0.len()).unwrap()
}

#[test]
fn seed_article() {
    let qs = show(SEED);
    for q in &qs {
        println!("{q:?}");
    }
    // Reuters: the quoted report.
    let q = qs
        .iter()
        .find(|q| q.0.starts_with("Foreign Minister Walid al-Moualem said on Thursday"))
        .unwrap();
    assert_eq!(q.1.as_deref(), Some("Reuters"));
    assert_eq!(q.2.as_deref(), Some("said"));
    assert_eq!(q.3, QuoteKind::Direct);
    // Walid al-Moualem: the report inside the Reuters quote ...
    let q = find(&qs, "Russia had provided new weapons");
    assert!(q.0.starts_with("Russia had provided new weapons"), "{q:?}");
    assert_eq!(q.1.as_deref(), Some("Walid al-Moualem"));
    assert_eq!(q.3, QuoteKind::Indirect);
    // ... and the partial quote "if needed".
    let q = find(&qs, "if needed");
    assert_eq!(q.1.as_deref(), Some("Walid al-Moualem"));
    assert_eq!(q.2.as_deref(), Some("indicated"));
    assert!(matches!(q.3, QuoteKind::Mixed | QuoteKind::Direct));
    // Dmitry Peskov, both quotes.
    let q = find(&qs, "if there is a request, it will be discussed");
    assert_eq!(
        q.0,
        "if there is a request, it will be discussed as part of bilateral contacts,"
    );
    assert_eq!(q.1.as_deref(), Some("Dmitry Peskov"));
    assert_eq!(q.2.as_deref(), Some("told reporters"));
    assert_eq!(q.3, QuoteKind::Direct);
    let q = find(&qs, "Of course it will be discussed and considered.");
    assert_eq!(q.0, "Of course it will be discussed and considered.");
    assert_eq!(q.1.as_deref(), Some("Dmitry Peskov"));
    assert_eq!(q.3, QuoteKind::Direct);
    // The Israeli government: the Netanyahu statement.
    let q = find(&qs, "will present the threats posed to Israel");
    assert!(q.0.starts_with("will present the threats"));
    assert_eq!(q.1.as_deref(), Some("the Israeli government"));
    assert_eq!(q.2.as_deref(), Some("said"));
    assert_eq!(q.3, QuoteKind::Direct);
    // Russia: reported speech.
    let q = find(&qs, "willing to consider sending troops");
    assert!(q.0.starts_with("it’s willing to consider sending troops"));
    assert_eq!(q.1.as_deref(), Some("Russia"));
    assert_eq!(q.2.as_deref(), Some("said"));
    assert_eq!(q.3, QuoteKind::Indirect);
    // Scare quotes are not quotes.
    for scare in ["logistical", "combat", "consider"] {
        assert!(
            !qs.iter().any(|q| q.0 == scare || q.0.trim_matches(['“', '”']) == scare),
            "scare quote {scare} came out"
        );
        let marked = format!("“{scare}”");
        assert!(
            !qs.iter().any(|q| q.0.contains(&marked) && q.3 != QuoteKind::Indirect),
            "{scare} inside a quote"
        );
    }
    // Offsets are char boundaries and sorted.
    let raw = quotes(SEED);
    assert!(raw.windows(2).all(|w| w[0].content.start <= w[1].content.start));
}

#[test]
fn speaker_before_and_after_the_cue() {
    let t = "\"We will win,\" said Prime Minister Jane Doe. \"It is certain.\"\n\nDoe said the vote was fair. \
             According to the electoral commission, turnout was 60 percent.";
    let qs = show(t);
    assert_eq!(find(&qs, "We will win").1.as_deref(), Some("Jane Doe"));
    assert_eq!(find(&qs, "It is certain").1.as_deref(), Some("Jane Doe"));
    let q = find(&qs, "the vote was fair");
    assert_eq!(q.1.as_deref(), Some("Jane Doe"));
    assert_eq!(q.3, QuoteKind::Indirect);
    let q = find(&qs, "turnout was 60 percent");
    assert_eq!(q.1.as_deref(), Some("the electoral commission"));
    assert_eq!(q.2.as_deref(), Some("According to"));
}

#[test]
fn pronouns_and_multi_paragraph_quotes() {
    let t = "Mayor John Smith spoke on Monday. \"The bridge will open in May.\n\n\"It has been a long wait,\" he said.\n\n\
             Asked about costs, he told reporters the budget was balanced.";
    let qs = show(t);
    assert_eq!(find(&qs, "The bridge will open").1.as_deref(), Some("John Smith"));
    assert_eq!(find(&qs, "It has been a long wait").1.as_deref(), Some("John Smith"));
    let q = find(&qs, "the budget was balanced");
    assert_eq!(q.1.as_deref(), Some("John Smith"));
    assert_eq!(q.2.as_deref(), Some("told reporters"));
}

#[test]
fn newswire_patterns() {
    let t = "Talks resumed on Monday. “We are ready,” said John Smith, a spokesman for the ministry. \
             The ministry said in a statement that the talks would resume next week.\n\n\
             Smith, 45, told reporters: “It is over.”\n\n\
             He called the plan \"reckless\" and left.\n\n\
             \"Document found on street not secret, say feds\" — The Canadian Press, August 15, 2008";
    let qs = show(t);
    assert_eq!(find(&qs, "We are ready").1.as_deref(), Some("John Smith"));
    let q = find(&qs, "the talks would resume next week");
    assert_eq!(q.1.as_deref(), Some("the ministry"));
    assert_eq!(q.3, QuoteKind::Indirect);
    let q = find(&qs, "It is over.");
    assert_eq!(q.1.as_deref(), Some("John Smith"));
    assert_eq!(q.2.as_deref(), Some("told reporters"));
    assert!(!qs.iter().any(|q| q.0.contains("reckless")), "scare quote: {qs:?}");
    assert!(!qs.iter().any(|q| q.0.contains("Document found")), "headline: {qs:?}");
}

#[test]
fn acronyms_and_institutions() {
    let t = "The World Health Organization (WHO) issued new advice. WHO said the virus was spreading. \
             \"We are concerned,\" the Israeli government said in an e-mailed statement.";
    let qs = show(t);
    assert_eq!(
        find(&qs, "the virus was spreading").1.as_deref(),
        Some("World Health Organization")
    );
    assert_eq!(
        find(&qs, "We are concerned").1.as_deref(),
        Some("the Israeli government")
    );
}

#[test]
fn guillemets_and_low_quotes() {
    let t = "«Nous allons gagner», a dit le ministre. Le ministre Jean Dupont said: „Wir schaffen das“.";
    let qs = show(t);
    assert!(qs.iter().any(|q| q.0 == "Wir schaffen das"), "{qs:?}");
}

#[test]
fn char_offsets_count_chars() {
    let t = "a “b” é";
    let r = t.find('b').unwrap();
    assert_eq!(char_offsets(t, r..r + 1), 3..4);
    assert_eq!(char_offsets(t, 0..t.len() + 10), 0..7);
}

#[test]
fn empty_and_odd_inputs() {
    for t in [
        "",
        "\"",
        "“",
        "\"\"",
        "said",
        "\n\n\"",
        "according to",
        "``",
        "'",
        "„“",
        "”“",
        "a, said \"",
        "\"a\" said",
    ] {
        for q in quotes(t) {
            assert!(t.is_char_boundary(q.content.start) && t.is_char_boundary(q.content.end));
        }
    }
}

#[test]
fn adversarial_inputs_stay_fast() {
    let pieces = [
        "said ",
        "“a,” he said ",
        "according to ",
        "\"x\" ",
        "Smith said that Jones told reporters ",
        "A B C D E F ",
        "he said she said ",
        "“",
        ", said Mr. X, ",
    ];
    for p in pieces {
        let text = p.repeat(40_000 / p.len());
        let t = std::time::Instant::now();
        check(&text);
        assert!(t.elapsed().as_secs() < 20, "{p:?} took {:?}", t.elapsed());
    }
}

fn check(text: &str) {
    let qs = quotes(text);
    let mut last = 0;
    for q in &qs {
        assert!(q.content.start <= q.content.end && q.content.end <= text.len());
        assert!(text.is_char_boundary(q.content.start) && text.is_char_boundary(q.content.end));
        assert!(q.content.start >= last);
        last = q.content.start;
        for r in [&q.speaker, &q.cue].into_iter().flatten() {
            assert!(r.start <= r.end && r.end <= text.len());
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        }
        let c = char_offsets(text, q.content.clone());
        assert!(c.start <= c.end && c.end <= text.chars().count());
    }
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,300}") {
        check(&s);
    }

    #[test]
    fn never_panics_on_quote_heavy_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("\"".to_string()), Just("“".to_string()), Just("”".to_string()), Just("‘".to_string()),
                Just("’".to_string()), Just("'".to_string()), Just("«".to_string()), Just("»".to_string()),
                Just("„".to_string()), Just("``".to_string()), Just(", ".to_string()), Just(". ".to_string()),
                Just("\n".to_string()), Just("\n\n".to_string()), Just(" said ".to_string()),
                Just(" told reporters ".to_string()), Just("According to ".to_string()), Just(" that ".to_string()),
                Just("he ".to_string()), Just("Mr. ".to_string()), Just("al-Moualem ".to_string()),
                Just("Dmitry Peskov ".to_string()), Just("the ".to_string()), Just("é ".to_string()),
                Just("(WHO) ".to_string()), Just("who ".to_string()), Just(": ".to_string()), Just(" — ".to_string()),
                "[a-zA-Z]{1,8} ",
            ],
            0..60,
        )
    ) {
        check(&parts.concat());
    }
}
