#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use tracewire_model::IndexedArticle;

use super::*;

fn article(id: i64, title: &str, text: &str) -> IndexedArticle {
    IndexedArticle {
        id,
        title: title.into(),
        text: text.into(),
        site: "example.com".into(),
        language: Some("en".into()),
        date: Utc.with_ymd_and_hms(2015, 9, 1, 12, 0, 0).unwrap() + chrono::Duration::days(id),
        ..IndexedArticle::default()
    }
}

/// The corpus of the old store-side search test, plus fields.
fn corpus() -> Vec<IndexedArticle> {
    let mut a = vec![
        article(
            1,
            "Ceasefire talks resume",
            "Delegations met in Geneva on Monday for peace talks.",
        ),
        article(
            2,
            "Election results",
            "The electoral commission counted votes; elections were calm.",
        ),
        article(
            3,
            "A rumour of talks",
            "Unconfirmed reports of a ceasefire, an op-ed said.",
        ),
        article(
            4,
            "Storm warning",
            "Heavy rain expected in Vienna; état d'urgence declared.",
        ),
        article(5, "Marathon", &format!("Marathon {}", "word ".repeat(30_000))),
    ];
    a[0].site = "www.Reuters.com".into();
    a[0].byline = Some("Kelly Smith".into());
    a[0].speakers = vec!["Dmitry Peskov".into()];
    a[0].entities = vec!["Islamic State".into(), "Geneva".into()];
    a[3].language = Some("fr-FR".into());
    a[3].site = "lemonde.fr".into();
    a
}

fn index(dir: &std::path::Path) -> SearchIndex {
    let index = SearchIndex::open_writer(dir, WriterConfig::FOLLOW).unwrap();
    index.add(&corpus()).unwrap();
    index.commit(&sync::SyncState::default()).unwrap();
    index
}

fn found(index: &SearchIndex, q: &str) -> Vec<i64> {
    let query = SearchQuery::parse(q).unwrap();
    let mut ids: Vec<i64> = index
        .search(&query, Sort::Relevance, 50, 0)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn the_query_language_finds_what_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    assert_eq!(found(&index, "ceasefire"), vec![1, 3]);
    assert_eq!(found(&index, "CEASEFIRE talks"), vec![1, 3]);
    assert_eq!(found(&index, "\"peace talks\""), vec![1]);
    assert!(found(&index, "\"talks peace\"").is_empty());
    assert_eq!(found(&index, "elect*"), vec![2]);
    assert_eq!(found(&index, "election"), vec![2], "no stemming");
    assert_eq!(found(&index, "geneva OR vienna"), vec![1, 4]);
    assert_eq!(found(&index, "ceasefire -rumour"), vec![1]);
    assert_eq!(found(&index, "ceasefire -\"op-ed\""), vec![1]);
    assert_eq!(found(&index, "état"), vec![4], "accents are kept");
    assert!(found(&index, "etat").is_empty());
    assert_eq!(found(&index, "marathon"), vec![5]);
    assert!(found(&index, "nothing-like-this").is_empty());
}

#[test]
fn fields_dates_and_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    assert_eq!(found(&index, "title:talks"), vec![1, 3]);
    assert_eq!(found(&index, "title:geneva"), Vec::<i64>::new());
    assert_eq!(found(&index, "site:reuters.com"), vec![1]);
    assert_eq!(found(&index, "site:https://www.reuters.com/world/x"), vec![1]);
    assert_eq!(found(&index, "talks -site:reuters.com"), vec![3]);
    assert_eq!(found(&index, "lang:fr"), vec![4]);
    assert_eq!(found(&index, "author:kelly"), vec![1]);
    assert_eq!(found(&index, "speaker:\"dmitry peskov\""), vec![1]);
    assert_eq!(found(&index, "speaker:peskov"), vec![1]);
    assert_eq!(found(&index, "entity:\"islamic state\""), vec![1]);
    // Article n is dated 2015-09-01 + n days.
    assert_eq!(found(&index, "after:2015-09-04"), vec![3, 4, 5]);
    assert_eq!(found(&index, "before:2015-09-04"), vec![1, 2]);
    assert_eq!(found(&index, "talks after:2015-09-03 before:2015-09-05"), vec![3]);

    // A title match ranks first; by date, newest first.
    let q = SearchQuery::parse("ceasefire").unwrap();
    let by_score = index.search(&q, Sort::Relevance, 10, 0).unwrap();
    assert_eq!(by_score.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![1, 3]);
    let by_date = index.search(&q, Sort::Date, 10, 0).unwrap();
    assert_eq!(by_date.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![3, 1]);
    // Pages: total counts every match.
    let second = index.search(&q, Sort::Relevance, 1, 1).unwrap();
    assert_eq!((second.total, second.hits.len(), second.hits[0].id), (2, 1, 3));
}

#[test]
fn facets_count_every_match() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    let q = SearchQuery::parse("after:2015").unwrap();
    let r = index.search(&q, Sort::Relevance, 2, 0).unwrap();
    assert_eq!(r.total, 5);
    assert_eq!(r.hits.len(), 2);
    assert_eq!(
        r.sites,
        vec![
            ("example.com".to_string(), 3),
            ("lemonde.fr".to_string(), 1),
            ("reuters.com".to_string(), 1)
        ]
    );
    assert_eq!(r.languages, vec![("en".to_string(), 4), ("fr".to_string(), 1)]);
}

#[test]
fn snippets_show_the_match_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    let q = SearchQuery::parse("geneva").unwrap();
    let texts = [
        "<script>x</script> long before. Delegations met in Geneva on Monday.",
        "No match & here",
    ];
    let s = index.snippets(&q, &texts, 60).unwrap();
    assert!(s[0].contains("<b>Geneva</b>"), "{}", s[0]);
    assert!(!s[0].contains("<script>"), "{}", s[0]);
    assert_eq!(s[1], "No match &amp; here");
}

#[test]
fn replacing_and_deleting() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    let mut changed = article(2, "Referendum results", "Counted.");
    changed.site = "example.org".into();
    index.add(&[changed]).unwrap();
    index.delete(&[3]).unwrap();
    index.commit(&sync::SyncState::default()).unwrap();
    assert_eq!(index.ids().unwrap(), vec![1, 2, 4, 5]);
    assert_eq!(found(&index, "referendum"), vec![2]);
    assert!(found(&index, "election").is_empty());
}

#[test]
fn a_second_process_reads_and_the_payload_survives() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SearchIndex::open(dir.path(), WriterConfig::FOLLOW).unwrap();
    assert!(writer.is_writer());
    writer.add(&corpus()).unwrap();
    let state = sync::SyncState {
        after: 5,
        gaps: vec![(3, 100)],
    };
    writer.commit(&state).unwrap();
    // Another opener gets the index read-only, not an error.
    let reader = SearchIndex::open(dir.path(), WriterConfig::FOLLOW).unwrap();
    assert!(!reader.is_writer());
    assert!(matches!(
        SearchIndex::open_writer(dir.path(), WriterConfig::FOLLOW),
        Err(SearchError::Busy(_))
    ));
    assert_eq!(reader.num_docs(), 5);
    assert_eq!(reader.state().unwrap(), state);
    assert!(matches!(reader.add(&corpus()), Err(SearchError::ReadOnly)));
    drop(writer);
    let again = SearchIndex::open_writer(dir.path(), WriterConfig::FOLLOW).unwrap();
    assert_eq!(again.state().unwrap(), state);
}
