//! One storage story, run against the backend the environment selects.
//! Today that is the embedded SQLite in a temporary directory; the PostgreSQL
//! backend will run the same story.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, Utc};
use std::collections::{HashMap, HashSet};

use tracewire_model::{
    ArticleRelation, Attribution, AttributionKind, Citation, FeedStatus, LastFetch, NewArticle, SiteStats, WebSubState,
};
use tracewire_store::{
    BAND_KEY_BIT, Candidate, EdgeNeighbour, FetchOutcome, FetchResult, NewFeed, StoreError, WebSubOutcome,
    open_embedded,
};

/// A subscription to `url`, polled every `interval_secs`.
fn new_feed(url: &str, interval_secs: i64) -> NewFeed {
    NewFeed {
        url: url.to_string(),
        title: None,
        site_url: None,
        interval_secs,
    }
}

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
        site: "example.com".to_string(),
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
        .add_feed(new_feed("https://example.com/feed", 1800))
        .await
        .unwrap();
    assert_eq!(feed.status, FeedStatus::New);
    let dup = store.add_feed(new_feed("https://example.com/feed", 1800)).await;
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
                    weight: 0.5,
                },
                moved_to: None,
            },
        )
        .await
        .unwrap();
    let failed = store.feed(feed.id).await.unwrap().unwrap();
    assert_eq!(failed.status, FeedStatus::Error);
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(failed.error_count, 1);
    assert_eq!(failed.failure_weight, 0.5);
    assert_eq!(failed.last_result, Some(LastFetch::Failed));
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
                    content_hash: Some("abc".into()),
                },
                moved_to: None,
            },
        )
        .await
        .unwrap();
    let ok = store.feed(feed.id).await.unwrap().unwrap();
    assert_eq!((ok.status, ok.error_count, ok.last_error), (FeedStatus::Ok, 0, None));
    assert_eq!(ok.etag.as_deref(), Some("\"v1\""));
    assert_eq!(ok.title.as_deref(), Some("Example"));
    assert_eq!((ok.failure_weight, ok.content_hash.as_deref()), (0.0, Some("abc")));
    assert_eq!(ok.last_result, Some(LastFetch::Updated));

    // A feed that moved for good takes its new URL, unless another
    // subscription has it; one that is gone stops until resumed.
    let other = store
        .add_feed(new_feed("https://example.com/other", 1800))
        .await
        .unwrap();
    let moved = |to: &str, result: FetchResult| FetchOutcome {
        fetched_at: now,
        next_fetch_at: now,
        result,
        moved_to: Some(to.to_string()),
    };
    store
        .record_fetch(other.id, moved("https://example.com/feed", FetchResult::NotModified))
        .await
        .unwrap();
    assert_eq!(
        store.feed(other.id).await.unwrap().unwrap().url,
        "https://example.com/other"
    );
    let unchanged = FetchResult::Unchanged {
        etag: None,
        last_modified: Some("Tue, 01 Dec 2026 10:00:00 GMT".into()),
    };
    store
        .record_fetch(other.id, moved("https://example.com/moved", unchanged))
        .await
        .unwrap();
    let other = store.feed(other.id).await.unwrap().unwrap();
    assert_eq!(other.url, "https://example.com/moved");
    assert_eq!(other.last_result, Some(LastFetch::Unchanged));
    assert!(other.last_modified.is_some());
    let gone = FetchResult::Stopped {
        reason: "HTTP 410 Gone".into(),
    };
    store
        .record_fetch(
            other.id,
            FetchOutcome {
                moved_to: None,
                ..moved("", gone)
            },
        )
        .await
        .unwrap();
    let stopped = store.feed(other.id).await.unwrap().unwrap();
    assert_eq!(
        (stopped.status, stopped.last_error.as_deref()),
        (FeedStatus::Stopped, Some("HTTP 410 Gone"))
    );
    assert!(!store.due_feeds(now).await.unwrap().iter().any(|f| f.id == other.id));
    assert!(store.resume_feed(other.id).await.unwrap());
    assert!(!store.resume_feed(-5).await.unwrap());
    let resumed = store.feed(other.id).await.unwrap().unwrap();
    assert_eq!((resumed.status, resumed.failure_weight), (FeedStatus::Error, 0.0));
    assert!(
        store
            .due_feeds(Utc::now())
            .await
            .unwrap()
            .iter()
            .any(|f| f.id == other.id)
    );
    store.remove_feed(other.id).await.unwrap();

    // WebSub: a request, the hub's verification for its topic only, a push
    // that makes the feed due at once.
    assert!(store.websub(feed.id).await.unwrap().is_none());
    store
        .put_websub_request(feed.id, "https://hub.example/", "https://example.com/feed", "s3cret")
        .await
        .unwrap();
    let asked = store.websub(feed.id).await.unwrap().unwrap();
    assert_eq!((asked.state, asked.secret.as_str()), (WebSubState::Requested, "s3cret"));
    let lease = now + Duration::days(10);
    let verified = WebSubOutcome::Verified { lease_expires: lease };
    assert!(
        !store
            .confirm_websub(feed.id, "https://elsewhere.example/", verified.clone())
            .await
            .unwrap()
    );
    assert!(
        store
            .confirm_websub(feed.id, "https://example.com/feed", verified)
            .await
            .unwrap()
    );
    let active = store.websub(feed.id).await.unwrap().unwrap();
    assert_eq!(active.state, WebSubState::Active);
    assert_eq!(active.lease_expires.map(|t| t.timestamp()), Some(lease.timestamp()));
    store
        .record_fetch(
            feed.id,
            FetchOutcome {
                fetched_at: now,
                next_fetch_at: now + Duration::hours(1),
                result: FetchResult::NotModified,
                moved_to: None,
            },
        )
        .await
        .unwrap();
    assert!(!store.due_feeds(now).await.unwrap().iter().any(|f| f.id == feed.id));
    store.websub_pushed(feed.id, now).await.unwrap();
    assert!(store.due_feeds(now).await.unwrap().iter().any(|f| f.id == feed.id));
    assert!(store.websub(feed.id).await.unwrap().unwrap().last_push.is_some());
    let denied = WebSubOutcome::Denied {
        reason: "topic not found".into(),
    };
    assert!(
        store
            .confirm_websub(feed.id, "https://example.com/feed", denied)
            .await
            .unwrap()
    );
    let refused = store.websub(feed.id).await.unwrap().unwrap();
    assert_eq!(
        (refused.state, refused.reason.as_deref()),
        (WebSubState::Denied, Some("topic not found"))
    );
    assert!(
        store
            .confirm_websub(feed.id, "https://example.com/feed", WebSubOutcome::Unsubscribed)
            .await
            .unwrap()
    );
    assert!(store.websub(feed.id).await.unwrap().is_none());

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

    // Sites: another site's copies of a1, one crediting its source.
    let elsewhere = |guid: &str, source: Option<&str>| NewArticle {
        url: format!("https://copies.example/{guid}"),
        site: "copies.example".to_string(),
        source_url: source.map(str::to_string),
        attributions: Vec::new(),
        ..article(feed.id, guid, 0)
    };
    let c1 = store.insert_article(&elsewhere("c1", None)).await.unwrap().unwrap();
    let c2 = store
        .insert_article(&elsewhere("c2", Some("https://example.com/a1")))
        .await
        .unwrap()
        .unwrap();
    store
        .put_relations(&[rel(a1, c1, "copy", 0.9), rel(a1, c2, "excerpt", 0.5)])
        .await
        .unwrap();
    let stats = |site: &str, articles, copies, credited, copied| SiteStats {
        site: site.to_string(),
        name: Some("Example".to_string()),
        articles,
        copies,
        credited,
        copied,
    };
    assert_eq!(
        store.site_stats(None).await.unwrap(),
        vec![stats("example.com", 3, 0, 0, 1), stats("copies.example", 2, 2, 1, 0)]
    );
    assert_eq!(
        store.site_stats(Some("copies.example")).await.unwrap(),
        vec![stats("copies.example", 2, 2, 1, 0)]
    );
    assert!(store.site_stats(Some("nowhere.example")).await.unwrap().is_empty());
    let listed = store.site_articles("copies.example", 10, 0).await.unwrap();
    assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>(), vec![c2, c1]);
    assert_eq!(listed[0].site, "copies.example");
    assert_eq!(store.article(a1).await.unwrap().unwrap().site, "example.com");

    // Relations within one site; one deleted.
    let within = store.site_relations("example.com").await.unwrap();
    assert_eq!(
        within
            .iter()
            .map(|r| (r.from, r.to, r.kind.as_str()))
            .collect::<Vec<_>>(),
        vec![(a1, a2, "attributes"), (a1, a2, "copy"), (a2, a3, "excerpt")]
    );
    store.delete_relation(a2, a3, "excerpt").await.unwrap();
    store.delete_relation(a2, a3, "excerpt").await.unwrap();
    assert_eq!(store.site_relations("example.com").await.unwrap().len(), 2);
    assert!(store.site_relations("copies.example").await.unwrap().is_empty());

    // URL keys: found by the URLs an article is known by, or names.
    store.put_url_keys(a1, &["example.com/a1".into()], &[]).await.unwrap();
    store
        .put_url_keys(c2, &["copies.example/c2".into()], &["example.com/a1".into()])
        .await
        .unwrap();
    let key = |k: &str| vec![k.to_string()];
    assert_eq!(
        store.articles_by_url_key(&key("example.com/a1"), false).await.unwrap(),
        vec![("example.com/a1".to_string(), a1)]
    );
    assert_eq!(
        store.articles_by_url_key(&key("example.com/a1"), true).await.unwrap(),
        vec![("example.com/a1".to_string(), c2)]
    );
    assert!(
        store
            .articles_by_url_key(&key("copies.example/c2"), true)
            .await
            .unwrap()
            .is_empty()
    );

    // Paragraph counts per site; keys use all 64 bits.
    store.count_paragraphs("example.com", &[1, u64::MAX]).await.unwrap();
    store.count_paragraphs("example.com", &[u64::MAX]).await.unwrap();
    store.count_paragraphs("copies.example", &[1]).await.unwrap();
    assert_eq!(
        store.paragraph_counts("example.com", &[1, 2, u64::MAX]).await.unwrap(),
        HashMap::from([(1, 1), (u64::MAX, 2)])
    );

    // Furniture shared across sites: edge runs with their neighbours, and
    // shared paragraph keys.
    let beside = |article, a| EdgeNeighbour {
        article,
        context: (a, u64::MAX),
    };
    store.add_edge_neighbour(u64::MAX, beside(c1, 1)).await.unwrap();
    store.add_edge_neighbour(u64::MAX, beside(c2, 2)).await.unwrap();
    store.add_edge_neighbour(u64::MAX, beside(c2, 3)).await.unwrap();
    store.add_edge_neighbour(7, beside(a1, 1)).await.unwrap();
    assert_eq!(
        store.edge_neighbours(&[u64::MAX, 8]).await.unwrap(),
        HashMap::from([(u64::MAX, vec![beside(c1, 1), beside(c2, 3)])])
    );
    store.add_shared_furniture(&[5, u64::MAX]).await.unwrap();
    store.add_shared_furniture(&[5]).await.unwrap();
    assert_eq!(
        store.shared_furniture(&[5, 6, u64::MAX]).await.unwrap(),
        HashSet::from([5, u64::MAX])
    );

    // Citations, in order, replaced on a second put; counted per site.
    let cite = |who: &str| Citation {
        who: who.to_string(),
        kind: "outlet".to_string(),
        phrase: format!("a {who} report"),
    };
    store
        .put_citations(c1, &[cite("Reuters"), cite("Bloomberg")])
        .await
        .unwrap();
    store.put_citations(c2, &[cite("Reuters")]).await.unwrap();
    assert_eq!(
        store.citations_of(c1).await.unwrap(),
        vec![cite("Reuters"), cite("Bloomberg")]
    );
    assert_eq!(
        store.site_citations("copies.example", 10).await.unwrap(),
        vec![("Reuters".to_string(), 2), ("Bloomberg".to_string(), 1)]
    );
    store.put_citations(c1, &[cite("AP")]).await.unwrap();
    assert_eq!(store.citations_of(c1).await.unwrap(), vec![cite("AP")]);

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
    assert!(store.citations_of(c1).await.unwrap().is_empty());
    assert!(
        store
            .articles_by_url_key(&key("example.com/a1"), true)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open_embedded(dir.path()).await.unwrap();
        store.add_feed(new_feed("https://example.com/f", 60)).await.unwrap();
    }
    let store = open_embedded(dir.path()).await.unwrap();
    assert_eq!(store.feeds().await.unwrap().len(), 1);
}

#[tokio::test]
async fn fingerprints_in_bulk_and_hot_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_embedded(dir.path()).await.unwrap();
    let feed = store.add_feed(new_feed("https://example.com/bulk", 60)).await.unwrap();
    // One more article than a key is read for: all share band key 1 and
    // anchor 5, each has an anchor of its own, the first two share anchor 7.
    let band = |n: u64| BAND_KEY_BIT | n;
    let max = tracewire_store::MAX_KEY_ROWS;
    let mut batch = Vec::new();
    for i in 0..=max {
        let id = store
            .insert_article(&article(feed.id, &format!("b{i}"), 1))
            .await
            .unwrap()
            .unwrap();
        let mut keys = vec![band(1), 5, 1000 + i as u64];
        if i < 2 {
            keys.push(7);
        }
        batch.push((id, keys));
    }
    store.put_fingerprints(1, &batch).await.unwrap();
    let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
    let only = |article, bands, anchors| {
        vec![Candidate {
            article,
            bands,
            anchors,
        }]
    };
    assert_eq!(
        store.fingerprint_candidates(&[1003], 10).await.unwrap(),
        only(ids[3], 0, 1)
    );
    // A key that many articles share is hot: only the earliest is read.
    assert_eq!(
        store.fingerprint_candidates(&[5], 10).await.unwrap(),
        only(ids[0], 0, 1)
    );
    assert_eq!(
        store.fingerprint_candidates(&[band(1)], 1000).await.unwrap(),
        only(ids[0], 1, 0)
    );
    let found = store.fingerprint_candidates(&[band(1), 5, 7, 1001], 2).await.unwrap();
    assert_eq!(
        found,
        vec![
            Candidate {
                article: ids[0],
                bands: 1,
                anchors: 2
            },
            Candidate {
                article: ids[1],
                bands: 0,
                anchors: 2
            },
        ]
    );
    // Storing again replaces an article's keys; more keys than one
    // document has are looked up too.
    let many: Vec<u64> = (5000..5200).collect();
    store.put_fingerprints(1, &[(ids[max], many.clone())]).await.unwrap();
    assert_eq!(
        store.fingerprint_candidates(&many, 10).await.unwrap(),
        only(ids[max], 0, 200)
    );
    // A hot key whose article has it no more starts afresh.
    store.put_fingerprint(ids[0], 1, &[7]).await.unwrap();
    assert!(store.fingerprint_candidates(&[5], 10).await.unwrap().is_empty());
    // One article at a time, as the crawl stores them: the key turns hot at
    // the MAX_KEY_ROWS-th article.
    for (n, id) in ids[1..max].iter().enumerate() {
        store.put_fingerprint(*id, 1, &[5]).await.unwrap();
        assert_eq!(store.fingerprint_candidates(&[5], 1000).await.unwrap().len(), n + 1);
    }
    store.put_fingerprint(ids[max], 1, &[5]).await.unwrap();
    assert_eq!(
        store.fingerprint_candidates(&[5], 1000).await.unwrap(),
        only(ids[1], 0, 1)
    );
    // A batch naming an article that does not exist is refused whole.
    assert!(
        store
            .put_fingerprints(1, &[(ids[0], vec![3]), (ids[max] + 1000, vec![3])])
            .await
            .is_err()
    );
    assert!(store.fingerprint_candidates(&[3], 10).await.unwrap().is_empty());
}

/// An article is marked unrelated with its insert, in one transaction, until
/// its provenance is done: a crash in between leaves the mark for the next
/// crawl (`tracewire_ingest::provenance::relate_unfinished`).
#[tokio::test]
async fn an_article_is_unrelated_until_marked_related() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_embedded(dir.path()).await.unwrap();
    let feed = store
        .add_feed(new_feed("https://example.com/unrelated", 60))
        .await
        .unwrap();
    let a = store.insert_article(&article(feed.id, "a", 2)).await.unwrap().unwrap();
    let b = store.insert_article(&article(feed.id, "b", 1)).await.unwrap().unwrap();
    assert_eq!(store.unrelated_articles(10).await.unwrap(), vec![a, b]);
    assert_eq!(store.unrelated_articles(1).await.unwrap(), vec![a]);
    // A repeat is not stored and marks nothing.
    assert_eq!(store.insert_article(&article(feed.id, "a", 2)).await.unwrap(), None);
    store.mark_related(a).await.unwrap();
    store.mark_related(a).await.unwrap();
    assert_eq!(store.unrelated_articles(10).await.unwrap(), vec![b]);
    // The mark goes with its article.
    assert!(store.remove_feed(feed.id).await.unwrap());
    assert!(store.unrelated_articles(10).await.unwrap().is_empty());
}
