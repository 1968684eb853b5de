//! One storage story, run against the backend the environment selects.
//! Today that is the embedded SQLite in a temporary directory; the PostgreSQL
//! backend will run the same story.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, Utc};
use tracewire_model::{ArticleRelation, Attribution, AttributionKind, FeedStatus, NewArticle};
use tracewire_store::{BAND_KEY_BIT, Candidate, FetchOutcome, FetchResult, NewFeed, StoreError, open_embedded};

/// A fixed "now" for publication times: the round-trip check builds the
/// same article twice, and `Utc::now()` could cross a second in between.
fn reference_now() -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

fn article(feed_id: i64, guid: &str, published_days_ago: i64) -> NewArticle {
    NewArticle {
        feed_id,
        guid: guid.to_string(),
        url: format!("https://example.com/{guid}"),
        canonical_url: None,
        title: format!("Title {guid}"),
        byline: Some("A. Writer".to_string()),
        published: Some(reference_now() - Duration::days(published_days_ago)),
        site_name: Some("Example".to_string()),
        language: Some("en".to_string()),
        source_url: Some("https://origin.example/1".to_string()),
        attributions: vec![Attribution {
            kind: AttributionKind::Source,
            url: Some("https://origin.example/1".to_string()),
            text: "Source: https://origin.example/1".to_string(),
        }],
        text: format!("Body of {guid}"),
        html: format!("<p>Body of {guid}</p>"),
        fetched_at: Utc::now(),
    }
}

#[tokio::test]
async fn storage_story() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_embedded(dir.path()).await.unwrap();

    // Feeds: add, duplicate refused, listed, due at once.
    let feed = store
        .add_feed(NewFeed {
            url: "https://example.com/feed".into(),
            title: None,
            site_url: None,
            interval_secs: 1800,
        })
        .await
        .unwrap();
    assert_eq!(feed.status, FeedStatus::New);
    let dup = store
        .add_feed(NewFeed {
            url: "https://example.com/feed".into(),
            title: None,
            site_url: None,
            interval_secs: 1800,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::DuplicateFeed(_))));
    assert_eq!(store.feeds().await.unwrap().len(), 1);
    assert_eq!(store.due_feeds(Utc::now()).await.unwrap().len(), 1);

    // A failure is recorded with its reason and pushes the next fetch out.
    let now = Utc::now();
    store
        .record_fetch(
            feed.id,
            FetchOutcome {
                fetched_at: now,
                next_fetch_at: now + Duration::hours(1),
                result: FetchResult::Failed {
                    error: "HTTP 500".into(),
                },
            },
        )
        .await
        .unwrap();
    let failed = store.feed(feed.id).await.unwrap().unwrap();
    assert_eq!(failed.status, FeedStatus::Error);
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(failed.error_count, 1);
    assert!(store.due_feeds(now).await.unwrap().is_empty());

    // Success clears the error and keeps validators.
    store
        .record_fetch(
            feed.id,
            FetchOutcome {
                fetched_at: now,
                next_fetch_at: now,
                result: FetchResult::Updated {
                    title: Some("Example".into()),
                    site_url: None,
                    etag: Some("\"v1\"".into()),
                    last_modified: None,
                },
            },
        )
        .await
        .unwrap();
    let ok = store.feed(feed.id).await.unwrap().unwrap();
    assert_eq!((ok.status, ok.error_count, ok.last_error), (FeedStatus::Ok, 0, None));
    assert_eq!(ok.etag.as_deref(), Some("\"v1\""));
    assert_eq!(ok.title.as_deref(), Some("Example"));

    // Articles: inserted once per GUID, listed newest first.
    let a1 = store.insert_article(&article(feed.id, "a1", 2)).await.unwrap().unwrap();
    let a2 = store.insert_article(&article(feed.id, "a2", 1)).await.unwrap().unwrap();
    assert_eq!(store.insert_article(&article(feed.id, "a1", 2)).await.unwrap(), None);
    assert_eq!(store.count_articles().await.unwrap(), 2);
    let known = store.known_guids(feed.id, &["a1".into(), "zz".into()]).await.unwrap();
    assert_eq!(known.into_iter().collect::<Vec<_>>(), vec!["a1".to_string()]);
    let listed = store.articles(10, 0).await.unwrap();
    assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>(), vec![a2, a1]);
    assert_eq!(store.articles(10, 1).await.unwrap().len(), 1);

    // Round trip of every field.
    let stored = store.article(a1).await.unwrap().unwrap();
    let original = article(feed.id, "a1", 2);
    assert_eq!(stored.title, original.title);
    assert_eq!(stored.attributions, original.attributions);
    assert_eq!(stored.source_url, original.source_url);
    assert_eq!(
        stored.published.map(|t| t.timestamp()),
        original.published.map(|t| t.timestamp())
    );
    assert_eq!(stored.views, 0);

    // Views persist.
    assert_eq!(store.add_view(a1).await.unwrap(), Some(1));
    assert_eq!(store.add_view(a1).await.unwrap(), Some(2));
    assert_eq!(store.add_view(9999).await.unwrap(), None);
    assert_eq!(store.article(a1).await.unwrap().unwrap().views, 2);
    assert_eq!(store.article_texts(10).await.unwrap().len(), 2);
    let recent = store.recent_articles(1).await.unwrap();
    assert_eq!(recent.iter().map(|a| a.id).collect::<Vec<_>>(), vec![a2]);
    assert_eq!(recent[0].html, "<p>Body of a2</p>");

    // Fingerprints: candidates by shared keys, bands and anchors apart,
    // most shared first; storing again replaces the keys.
    let band = |n: u64| BAND_KEY_BIT | n;
    let a3 = store.insert_article(&article(feed.id, "a3", 3)).await.unwrap().unwrap();
    store
        .put_fingerprint(a1, 1, &[band(1), band(2), 10, 11, 12])
        .await
        .unwrap();
    store.put_fingerprint(a2, 1, &[band(1), 10, 99]).await.unwrap();
    store.put_fingerprint(a3, 1, &[band(7), 77]).await.unwrap();
    let found = store
        .fingerprint_candidates(&[band(1), band(2), 10, 11, 55], 10)
        .await
        .unwrap();
    assert_eq!(
        found,
        vec![
            Candidate {
                article: a1,
                bands: 2,
                anchors: 2
            },
            Candidate {
                article: a2,
                bands: 1,
                anchors: 1
            },
        ]
    );
    assert_eq!(store.fingerprint_candidates(&[band(1)], 1).await.unwrap().len(), 1);
    assert!(store.fingerprint_candidates(&[], 10).await.unwrap().is_empty());
    store.put_fingerprint(a1, 1, &[band(9)]).await.unwrap();
    let found = store.fingerprint_candidates(&[band(1), band(9)], 10).await.unwrap();
    assert_eq!(found.iter().map(|c| c.article).collect::<Vec<_>>(), vec![a1, a2]);
    // The largest key the scheme makes round-trips.
    store.put_fingerprint(a3, 1, &[u64::MAX >> 1]).await.unwrap();
    assert_eq!(
        store.fingerprint_candidates(&[u64::MAX >> 1], 10).await.unwrap()[0].article,
        a3
    );

    // Relations: one per pair and kind, found from either side.
    let rel = |from, to, kind: &str, score| ArticleRelation {
        from,
        to,
        kind: kind.to_string(),
        score,
        evidence: format!("{kind} evidence"),
    };
    store
        .put_relations(&[
            rel(a1, a2, "copy", 0.8),
            rel(a1, a2, "attributes", 1.0),
            rel(a2, a3, "excerpt", 0.3),
        ])
        .await
        .unwrap();
    store.put_relations(&[rel(a1, a2, "copy", 0.9)]).await.unwrap();
    let of_a2 = store.relations_of(a2).await.unwrap();
    assert_eq!(of_a2.len(), 3);
    assert_eq!(of_a2.iter().find(|r| r.kind == "copy").unwrap().score, 0.9);
    assert_eq!(store.relations_of(a1).await.unwrap().len(), 2);

    // Removing a feed removes its articles, and with them their fingerprints
    // and relations.
    assert!(store.remove_feed(feed.id).await.unwrap());
    assert!(!store.remove_feed(feed.id).await.unwrap());
    assert_eq!(store.count_articles().await.unwrap(), 0);
    assert!(
        store
            .fingerprint_candidates(&[band(1), band(9), 10], 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.relations_of(a2).await.unwrap().is_empty());
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open_embedded(dir.path()).await.unwrap();
        store
            .add_feed(NewFeed {
                url: "https://example.com/f".into(),
                title: None,
                site_url: None,
                interval_secs: 60,
            })
            .await
            .unwrap();
    }
    let store = open_embedded(dir.path()).await.unwrap();
    assert_eq!(store.feeds().await.unwrap().len(), 1);
}
