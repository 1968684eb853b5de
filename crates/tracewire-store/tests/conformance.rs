//! One storage story, run against the backend the environment selects:
//! with `TRACEWIRE_TEST_DATABASE_URL` unset, the embedded SQLite in a
//! temporary directory; set to a `postgres://` URL, PostgreSQL, each test in
//! a schema of its own in that database (created for the test, dropped when
//! it passes, kept for a look when it fails).
#![allow(clippy::unwrap_used)]

use chrono::{Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tracewire_model::{
    ArticleRelation, Attribution, AttributionKind, Citation, FeedStatus, LastFetch, NewArticle, RuleAction, RuleField,
    SiteStats, WebSubState,
};
use tracewire_store::{
    BAND_KEY_BIT, Candidate, Claim, EdgeNeighbour, FetchOutcome, FetchResult, HostRules, HostTurn, ItemQuery,
    MAX_PAGE_ATTEMPTS, Marks, NewFeed, NewPageJob, NewUser, PageJob, PageJobEnd, PgStore, Scope, Store, StoreError,
    WebSubOutcome, open_embedded,
};

use tracewire_store::dump;

/// The variable that selects the backend under test.
const DATABASE_URL_VAR: &str = "TRACEWIRE_TEST_DATABASE_URL";

/// Where one test's store lives. Dropping it removes a PostgreSQL schema
/// unless the test is failing.
enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl TestDb {
    async fn new() -> TestDb {
        let url = std::env::var(DATABASE_URL_VAR).unwrap_or_default();
        if url.is_empty() {
            return TestDb::Sqlite(tempfile::tempdir().unwrap());
        }
        assert!(
            url.starts_with("postgres://") || url.starts_with("postgresql://"),
            "{DATABASE_URL_VAR} must be a postgres:// URL"
        );
        // Unique across the tests of this run (a counter) and across runs
        // and processes sharing the database (the process id and the time).
        static TESTS: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let schema = format!(
            "tw_{}_{nanos}_{}",
            std::process::id(),
            TESTS.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = PgConnection::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        TestDb::Postgres { url, schema }
    }

    /// Opens the store, or opens it again: a new connection to the same
    /// directory or schema.
    async fn open(&self) -> Arc<dyn Store> {
        match self {
            TestDb::Sqlite(dir) => open_embedded(dir.path()).await.unwrap(),
            TestDb::Postgres { url, schema } => {
                let options = PgConnectOptions::from_str(url)
                    .unwrap()
                    .options([("search_path", schema)]);
                Arc::new(PgStore::connect_with(options).await.unwrap())
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDb::Postgres { url, schema } = self else {
            return;
        };
        if std::thread::panicking() {
            eprintln!("{DATABASE_URL_VAR}: schema {schema} kept, the test failed");
            return;
        }
        // Drop runs inside the test's runtime, which cannot block on a
        // future: the schema goes from a thread and runtime of its own.
        // A transaction the test dropped is rolled back by that blocked
        // runtime only, so the drop gives up after a while rather than
        // wait on it forever (the CI database goes as a whole anyway).
        let (url, sql) = (url.clone(), format!("DROP SCHEMA {schema} CASCADE"));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&url).await.unwrap();
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await {
                    eprintln!("{DATABASE_URL_VAR}: schema kept: {e}");
                }
                conn.close().await.unwrap();
            });
        })
        .join()
        .unwrap();
    }
}

/// A new, empty store of the backend under test, and what it lives in
/// (keep it until the test ends).
async fn test_store() -> (Arc<dyn Store>, TestDb) {
    let db = TestDb::new().await;
    let store = db.open().await;
    (store, db)
}

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
        annotations: Default::default(),
    }
}

#[tokio::test]
async fn storage_story() {
    let (store, _db) = test_store().await;

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
    let (store, db) = test_store().await;
    store.add_feed(new_feed("https://example.com/f", 60)).await.unwrap();
    drop(store);
    let store = db.open().await;
    assert_eq!(store.feeds().await.unwrap().len(), 1);
}

#[tokio::test]
async fn fingerprints_in_bulk_and_hot_keys() {
    let (store, _db) = test_store().await;
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
    let (store, _db) = test_store().await;
    let feed = store
        .add_feed(new_feed("https://example.com/unrelated", 60))
        .await
        .unwrap();
    let a = store.insert_article(&article(feed.id, "a", 2)).await.unwrap().unwrap();
    let b = store.insert_article(&article(feed.id, "b", 1)).await.unwrap().unwrap();
    // Every article stored so far (times are whole seconds).
    let later = Utc::now() + Duration::seconds(2);
    assert_eq!(store.unrelated_articles(later, 10).await.unwrap(), vec![a, b]);
    assert_eq!(store.unrelated_articles(later, 1).await.unwrap(), vec![a]);
    // A repeat is not stored and marks nothing.
    assert_eq!(store.insert_article(&article(feed.id, "a", 2)).await.unwrap(), None);
    store.mark_related(a).await.unwrap();
    store.mark_related(a).await.unwrap();
    assert_eq!(store.unrelated_articles(later, 10).await.unwrap(), vec![b]);
    // The mark goes with its article.
    assert!(store.remove_feed(feed.id).await.unwrap());
    assert!(store.unrelated_articles(later, 10).await.unwrap().is_empty());
}

// The work queue. Claims take the caller's `now`, so leases run out by
// moving it forward; host schedules run on the database's clock, so their
// waits are read, never slept.

/// A claim lease in these tests.
const LEASE: std::time::Duration = std::time::Duration::from_secs(60);

fn claim(worker: &str, now: chrono::DateTime<Utc>, limit: i64) -> Claim<'_> {
    Claim {
        worker,
        now,
        lease: LEASE,
        limit,
    }
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}

fn page_job(feed_id: i64, guid: &str, host: Option<&str>) -> NewPageJob {
    NewPageJob {
        feed_id,
        guid: guid.to_string(),
        host: host.map(str::to_string),
        payload: format!(r#"{{"guid":"{guid}"}}"#),
    }
}

fn guids(jobs: &[PageJob]) -> Vec<&str> {
    jobs.iter().map(|j| j.guid.as_str()).collect()
}

fn outcome(at: chrono::DateTime<Utc>, next: chrono::DateTime<Utc>, result: FetchResult) -> FetchOutcome {
    FetchOutcome {
        fetched_at: at,
        next_fetch_at: next,
        result,
        moved_to: None,
    }
}

/// Host rules with a one-minute slot lease.
fn rules(concurrency: i64, interval_ms: u64, max_wait_ms: u64) -> HostRules {
    HostRules {
        concurrency,
        interval: ms(interval_ms),
        max_wait: ms(max_wait_ms),
        lease: std::time::Duration::from_secs(60),
    }
}

/// The slot and wait of a `Go`.
fn go(turn: HostTurn) -> (i64, std::time::Duration) {
    match turn {
        HostTurn::Go { slot, wait } => (slot, wait),
        other => panic!("expected Go, got {other:?}"),
    }
}

#[tokio::test]
async fn feed_claims() {
    let (store, _db) = test_store().await;
    let a = store.add_feed(new_feed("https://example.com/a", 60)).await.unwrap();
    let b = store.add_feed(new_feed("https://example.com/b", 60)).await.unwrap();
    let now = Utc::now();
    let ids = |feeds: Vec<tracewire_model::Feed>| feeds.iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(store.queue_stats(now).await.unwrap().feeds_due, 2);

    // Due feeds are claimed once, earliest first; another worker gets
    // nothing while the lease lives.
    assert_eq!(
        ids(store.claim_feeds(&claim("w1", now, 10)).await.unwrap()),
        vec![a.id, b.id]
    );
    assert!(store.claim_feeds(&claim("w2", now, 10)).await.unwrap().is_empty());
    let stats = store.queue_stats(now).await.unwrap();
    assert_eq!((stats.feeds_due, stats.feeds_claimed), (0, 2));
    assert!(
        store
            .claim_feeds(&claim("w2", now + secs(59), 10))
            .await
            .unwrap()
            .is_empty()
    );
    // The lease runs out: the feeds return, `limit` at a time.
    let after = now + secs(60);
    assert_eq!(
        ids(store.claim_feeds(&claim("w2", after, 1)).await.unwrap()),
        vec![a.id]
    );
    assert_eq!(
        ids(store.claim_feeds(&claim("w2", after, 1)).await.unwrap()),
        vec![b.id]
    );
    assert!(store.claim_feeds(&claim("w3", after, 10)).await.unwrap().is_empty());

    // Recording the fetch ends the claim: a feed still due is claimed again
    // at once; the other stays held.
    store
        .record_fetch(a.id, outcome(after, after, FetchResult::NotModified))
        .await
        .unwrap();
    assert_eq!(
        ids(store.claim_feeds(&claim("w3", after, 10)).await.unwrap()),
        vec![a.id]
    );

    // A stopping worker gives its claims back.
    store.release_claims("w2").await.unwrap();
    assert_eq!(
        ids(store.claim_feeds(&claim("w4", after, 10)).await.unwrap()),
        vec![b.id]
    );

    // Fetched, next due in an hour (one of them gone for good): nothing is
    // due until a forced crawl makes every feed not stopped due now.
    let hour = after + Duration::hours(1);
    store
        .record_fetch(a.id, outcome(after, hour, FetchResult::NotModified))
        .await
        .unwrap();
    let gone = FetchResult::Stopped {
        reason: "HTTP 410 Gone".into(),
    };
    store.record_fetch(b.id, outcome(after, hour, gone)).await.unwrap();
    let stats = store.queue_stats(after).await.unwrap();
    assert_eq!((stats.feeds_due, stats.feeds_claimed), (0, 0));
    assert!(store.claim_feeds(&claim("w5", after, 10)).await.unwrap().is_empty());
    store.due_now(after).await.unwrap();
    assert_eq!(store.queue_stats(after).await.unwrap().feeds_due, 1);
    assert_eq!(
        ids(store.claim_feeds(&claim("w5", after, 10)).await.unwrap()),
        vec![a.id]
    );
    // A feed due now is not moved later.
    store.due_now(hour).await.unwrap();
    assert_eq!(
        store.feed(a.id).await.unwrap().unwrap().next_fetch_at.timestamp(),
        after.timestamp()
    );
}

#[tokio::test]
async fn page_jobs_queue() {
    let (store, _db) = test_store().await;
    let f = store.add_feed(new_feed("https://example.com/f", 60)).await.unwrap().id;
    let o = store.add_feed(new_feed("https://example.com/o", 60)).await.unwrap().id;
    let now = Utc::now();

    // One job per (feed, GUID).
    let first = [
        page_job(f, "g1", None),
        page_job(f, "g2", None),
        page_job(f, "g3", None),
    ];
    assert_eq!(store.enqueue_pages(&first, now).await.unwrap(), 3);
    let again = [
        page_job(f, "g1", None),
        page_job(f, "g4", None),
        page_job(o, "g1", None),
    ];
    assert_eq!(store.enqueue_pages(&again, now).await.unwrap(), 2);
    assert_eq!(store.enqueue_pages(&[], now).await.unwrap(), 0);
    // Queued GUIDs are known, as stored articles' are.
    store.insert_article(&article(f, "stored", 1)).await.unwrap().unwrap();
    let asked: Vec<String> = ["g1", "g4", "stored", "zz"].map(String::from).to_vec();
    assert_eq!(
        store.known_guids(f, &asked).await.unwrap(),
        HashSet::from(["g1", "g4", "stored"].map(String::from))
    );
    assert!(store.known_guids(o, &["g2".to_string()]).await.unwrap().is_empty());
    assert_eq!(store.ready_pages(now).await.unwrap(), 5);
    let stats = store.queue_stats(now).await.unwrap();
    assert_eq!((stats.pages_queued, stats.pages_claimed, stats.pages_failed), (5, 0, 0));

    // Claimed oldest first, once, each claim an attempt.
    let w1 = store.claim_pages(&claim("w1", now, 2), 4).await.unwrap();
    assert_eq!(guids(&w1), ["g1", "g2"]);
    assert_eq!((w1[0].feed_id, w1[0].attempts), (f, 1));
    assert_eq!(w1[0].payload, r#"{"guid":"g1"}"#);
    let w2 = store.claim_pages(&claim("w2", now, 10), 4).await.unwrap();
    assert_eq!(guids(&w2), ["g3", "g4", "g1"]);
    assert_eq!(w2[2].feed_id, o);
    assert!(store.claim_pages(&claim("w3", now, 10), 4).await.unwrap().is_empty());
    assert_eq!(store.ready_pages(now).await.unwrap(), 0);
    let stats = store.queue_stats(now).await.unwrap();
    assert_eq!((stats.pages_queued, stats.pages_claimed), (0, 5));

    // Done: the job goes.
    let (g1, g2) = (w1[0].id, w1[1].id);
    store.end_page(g1, PageJobEnd::Done).await.unwrap();
    assert!(store.known_guids(f, &["g1".to_string()]).await.unwrap().is_empty());
    assert_eq!(store.page_jobs(false, 10).await.unwrap().len(), 4);

    // Retry: back in the queue at its time, the claim counted.
    let retry = PageJobEnd::Retry {
        at: now + secs(30),
        error: "HTTP 503".into(),
    };
    store.end_page(g2, retry).await.unwrap();
    assert_eq!(store.queue_stats(now).await.unwrap().pages_queued, 1);
    assert_eq!(store.ready_pages(now + secs(29)).await.unwrap(), 0);
    assert!(
        store
            .claim_pages(&claim("w3", now + secs(29), 10), 4)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.ready_pages(now + secs(30)).await.unwrap(), 1);
    let w3 = store.claim_pages(&claim("w3", now + secs(30), 10), 4).await.unwrap();
    assert_eq!((guids(&w3), w3[0].attempts), (vec!["g2"], 2));

    // Deferred: back in the queue, the claim not counted.
    let deferred = PageJobEnd::Deferred { until: now + secs(40) };
    store.end_page(g2, deferred).await.unwrap();
    assert!(
        store
            .claim_pages(&claim("w3", now + secs(39), 10), 4)
            .await
            .unwrap()
            .is_empty()
    );
    let w3 = store.claim_pages(&claim("w3", now + secs(40), 10), 4).await.unwrap();
    assert_eq!((guids(&w3), w3[0].attempts), (vec!["g2"], 2));

    // Failed: kept with its reason, never claimed, not queued again.
    let failed = PageJobEnd::Failed {
        error: "not an article".into(),
    };
    store.end_page(g2, failed).await.unwrap();
    let listed = store.page_jobs(true, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].0.id, listed[0].0.attempts), (g2, 2));
    assert_eq!(listed[0].1.as_deref(), Some("not an article"));
    assert_eq!(store.queue_stats(now).await.unwrap().pages_failed, 1);
    assert_eq!(store.enqueue_pages(&[page_job(f, "g2", None)], now).await.unwrap(), 0);
    assert_eq!(store.known_guids(f, &["g2".to_string()]).await.unwrap().len(), 1);
    // Every other lease runs out: they are claimed again, the failed one not.
    let day = now + Duration::days(1);
    let w4 = store.claim_pages(&claim("w4", day, 10), 4).await.unwrap();
    assert_eq!(guids(&w4), ["g3", "g4", "g1"]);
    assert!(w4.iter().all(|j| j.attempts == 2));
    // Newest first, failed or not.
    let all = store.page_jobs(false, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|(j, _)| j.guid.as_str()).collect::<Vec<_>>(),
        ["g1", "g4", "g3", "g2"]
    );
    assert_eq!(store.page_jobs(false, 1).await.unwrap().len(), 1);

    // Resuming the feed queues its failed jobs again, from scratch.
    assert!(store.resume_feed(f).await.unwrap());
    assert!(store.page_jobs(true, 10).await.unwrap().is_empty());
    let w5 = store.claim_pages(&claim("w5", day, 10), 4).await.unwrap();
    assert_eq!((guids(&w5), w5[0].attempts), (vec!["g2"], 1));

    // A stopping worker gives its jobs back, the claims not counted.
    store.release_claims("w4").await.unwrap();
    let stats = store.queue_stats(day).await.unwrap();
    assert_eq!((stats.pages_queued, stats.pages_claimed), (3, 1));
    let w6 = store.claim_pages(&claim("w6", day, 10), 4).await.unwrap();
    assert_eq!(guids(&w6), ["g3", "g4", "g1"]);
    assert!(w6.iter().all(|j| j.attempts == 2));

    // A forced crawl makes waiting jobs due now.
    let later = PageJobEnd::Retry {
        at: day + Duration::hours(1),
        error: "timeout".into(),
    };
    store.end_page(w6[0].id, later).await.unwrap();
    assert_eq!(store.ready_pages(day).await.unwrap(), 0);
    store.due_now(day).await.unwrap();
    assert_eq!(store.ready_pages(day).await.unwrap(), 1);

    // The feed's jobs go with it.
    assert!(store.remove_feed(f).await.unwrap());
    assert_eq!(store.page_jobs(false, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_page_job_claimed_too_often_fails_for_good() {
    let (store, _db) = test_store().await;
    let f = store.add_feed(new_feed("https://example.com/f", 60)).await.unwrap().id;
    let now = Utc::now();
    let lease = secs(LEASE.as_secs() as i64);

    // Each worker dies with the lease: the job returns, until the claim
    // that was its last attempt runs out too.
    store.enqueue_pages(&[page_job(f, "dies", None)], now).await.unwrap();
    let mut t = now;
    for attempt in 1..=MAX_PAGE_ATTEMPTS {
        let got = store.claim_pages(&claim("w", t, 10), 4).await.unwrap();
        assert_eq!((guids(&got), got[0].attempts), (vec!["dies"], attempt));
        t += lease;
    }
    assert_eq!(store.queue_stats(t - secs(1)).await.unwrap().pages_failed, 0);
    assert_eq!(store.ready_pages(t).await.unwrap(), 0);
    assert!(store.claim_pages(&claim("w", t, 10), 4).await.unwrap().is_empty());
    let failed = store.page_jobs(true, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].1.as_deref().unwrap().contains("gave up"), "{:?}", failed[0].1);
    assert_eq!(store.queue_stats(t).await.unwrap().pages_failed, 1);

    // Failing every time: the last retry fails it for good.
    store.enqueue_pages(&[page_job(f, "fails", None)], t).await.unwrap();
    for attempt in 1..=MAX_PAGE_ATTEMPTS {
        let got = store.claim_pages(&claim("w", t, 10), 4).await.unwrap();
        assert_eq!((guids(&got), got[0].attempts), (vec!["fails"], attempt));
        let retry = PageJobEnd::Retry {
            at: t,
            error: format!("HTTP 500 #{attempt}"),
        };
        store.end_page(got[0].id, retry).await.unwrap();
    }
    assert!(store.claim_pages(&claim("w", t, 10), 4).await.unwrap().is_empty());
    let failed = store.page_jobs(true, 10).await.unwrap();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].0.guid, "fails");
    assert_eq!(failed[0].1, Some(format!("HTTP 500 #{MAX_PAGE_ATTEMPTS}")));
}

#[tokio::test]
async fn host_turns() {
    let (store, _db) = test_store().await;

    // Two slots, then full; a slot given back is taken again.
    let two = rules(2, 0, 1000);
    let (s1, wait) = go(store.host_turn("a.example", "w1", two).await.unwrap());
    assert_eq!(wait, ms(0));
    let (_, wait) = go(store.host_turn("a.example", "w2", two).await.unwrap());
    assert_eq!(wait, ms(0));
    assert_eq!(store.host_turn("a.example", "w3", two).await.unwrap(), HostTurn::Full);
    assert_eq!(store.queue_stats(Utc::now()).await.unwrap().host_slots, 2);
    store.host_done(s1).await.unwrap();
    go(store.host_turn("a.example", "w3", two).await.unwrap());
    assert_eq!(store.host_turn("a.example", "w1", two).await.unwrap(), HostTurn::Full);
    // Hosts have slots of their own.
    go(store.host_turn("other.example", "w1", two).await.unwrap());
    // A stopping worker's slots go.
    store.release_claims("w3").await.unwrap();
    go(store.host_turn("a.example", "w1", two).await.unwrap());

    // The interval between starts: the second request waits for it.
    let spaced = rules(3, 200, 1000);
    let (_, wait) = go(store.host_turn("b.example", "w1", spaced).await.unwrap());
    assert_eq!(wait, ms(0));
    let (_, wait) = go(store.host_turn("b.example", "w2", spaced).await.unwrap());
    assert!((ms(100)..=ms(400)).contains(&wait), "{wait:?}");
    // A start further off than the caller waits: Later, nothing taken.
    let impatient = rules(3, 200, 100);
    match store.host_turn("b.example", "w3", impatient).await.unwrap() {
        HostTurn::Later { wait } => assert!((ms(101)..=ms(600)).contains(&wait), "{wait:?}"),
        other => panic!("expected Later, got {other:?}"),
    }
    // Slots held: two at a.example, one at other.example, two at b.example.
    assert_eq!(store.queue_stats(Utc::now()).await.unwrap().host_slots, 5);

    // Retry-After holds the host back; a shorter one later does not shorten it.
    store
        .hold_host("c.example", std::time::Duration::from_secs(5))
        .await
        .unwrap();
    store
        .hold_host("c.example", std::time::Duration::from_secs(1))
        .await
        .unwrap();
    match store.host_turn("c.example", "w1", rules(2, 0, 1000)).await.unwrap() {
        HostTurn::Later { wait } => assert!((ms(4000)..=ms(5000)).contains(&wait), "{wait:?}"),
        other => panic!("expected Later, got {other:?}"),
    }
    let (_, wait) = go(store.host_turn("c.example", "w1", rules(2, 0, 10_000)).await.unwrap());
    assert!((ms(4000)..=ms(5000)).contains(&wait), "{wait:?}");

    // Crawl-delay raises the interval, and is never lowered.
    store.slow_host("d.example", ms(300)).await.unwrap();
    store.slow_host("d.example", ms(100)).await.unwrap();
    let (_, wait) = go(store.host_turn("d.example", "w1", rules(3, 0, 2000)).await.unwrap());
    assert_eq!(wait, ms(0));
    let (_, wait) = go(store.host_turn("d.example", "w1", rules(3, 0, 2000)).await.unwrap());
    assert!((ms(150)..=ms(450)).contains(&wait), "{wait:?}");
    let (_, wait) = go(store.host_turn("d.example", "w1", rules(3, 0, 2000)).await.unwrap());
    assert!((ms(450)..=ms(750)).contains(&wait), "{wait:?}");
    // A longer interval of the caller's wins over it.
    let (_, wait) = go(store.host_turn("e.example", "w1", rules(3, 400, 2000)).await.unwrap());
    assert_eq!(wait, ms(0));
    store.slow_host("e.example", ms(100)).await.unwrap();
    let (_, wait) = go(store.host_turn("e.example", "w1", rules(3, 400, 2000)).await.unwrap());
    assert!((ms(250)..=ms(550)).contains(&wait), "{wait:?}");

    // A slot never given back is free once its lease runs out.
    let short = HostRules {
        lease: ms(100),
        ..rules(1, 0, 1000)
    };
    go(store.host_turn("lease.example", "w1", short).await.unwrap());
    assert_eq!(
        store.host_turn("lease.example", "w2", short).await.unwrap(),
        HostTurn::Full
    );
    tokio::time::sleep(ms(150)).await;
    go(store.host_turn("lease.example", "w2", short).await.unwrap());
}

#[tokio::test]
async fn page_claims_pass_over_busy_hosts() {
    let (store, _db) = test_store().await;
    let f = store.add_feed(new_feed("https://example.com/f", 60)).await.unwrap().id;
    let now = Utc::now();
    let jobs = [
        page_job(f, "full", Some("full.example")),
        page_job(f, "held", Some("held.example")),
        page_job(f, "spaced", Some("spaced.example")),
        page_job(f, "free", Some("free.example")),
        page_job(f, "nohost", None),
    ];
    store.enqueue_pages(&jobs, now).await.unwrap();
    // full.example: its one slot taken; held.example: a Retry-After;
    // spaced.example: its next start five seconds off.
    let (slot, _) = go(store.host_turn("full.example", "w0", rules(1, 0, 1000)).await.unwrap());
    store
        .hold_host("held.example", std::time::Duration::from_secs(5))
        .await
        .unwrap();
    go(store
        .host_turn("spaced.example", "w0", rules(5, 5000, 1000))
        .await
        .unwrap());

    // Ready however busy their hosts, but not while a host holds us off (a
    // round would wait out its Retry-After); claimed, only on hosts free now.
    assert_eq!(store.ready_pages(now).await.unwrap(), 4);
    let got = store.claim_pages(&claim("w1", now, 10), 1).await.unwrap();
    assert_eq!(guids(&got), ["free", "nohost"]);
    assert_eq!(store.ready_pages(now).await.unwrap(), 2);
    // With two slots a host, full.example is free again.
    let got = store.claim_pages(&claim("w1", now, 10), 2).await.unwrap();
    assert_eq!(guids(&got), ["full"]);
    // The slot given back: free at one slot too.
    store
        .enqueue_pages(&[page_job(f, "full2", Some("full.example"))], now)
        .await
        .unwrap();
    assert!(store.claim_pages(&claim("w1", now, 10), 1).await.unwrap().is_empty());
    store.host_done(slot).await.unwrap();
    let got = store.claim_pages(&claim("w1", now, 10), 1).await.unwrap();
    assert_eq!(guids(&got), ["full2"]);
}

/// Store handles to one database, as separate processes would hold: on
/// PostgreSQL each with its own pool, on SQLite each on the same file.
async fn handles(db: &TestDb, n: usize) -> Vec<Arc<dyn Store>> {
    let mut handles = Vec::new();
    for _ in 0..n {
        handles.push(db.open().await);
    }
    handles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_claim_each_job_once() {
    let (store, db) = test_store().await;
    let mut feeds = Vec::new();
    for i in 0..24 {
        feeds.push(
            store
                .add_feed(new_feed(&format!("https://example.com/{i}"), 60))
                .await
                .unwrap()
                .id,
        );
    }
    let now = Utc::now();
    let jobs: Vec<NewPageJob> = (0..240)
        .map(|i| {
            let host = format!("h{}.example", i % 5);
            page_job(feeds[i % feeds.len()], &format!("e{i}"), (i % 7 != 0).then_some(&host))
        })
        .collect();
    assert_eq!(store.enqueue_pages(&jobs, now).await.unwrap(), 240);
    let mut queued: Vec<i64> = store
        .page_jobs(false, -1)
        .await
        .unwrap()
        .iter()
        .map(|(j, _)| j.id)
        .collect();
    queued.sort_unstable();

    let handles = handles(&db, 4).await;
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = handles[t % handles.len()].clone();
            tokio::spawn(async move {
                let worker = format!("w{t}");
                let (mut feeds, mut pages) = (Vec::new(), Vec::new());
                loop {
                    let c = claim(&worker, now, 3);
                    let f = store.claim_feeds(&Claim { limit: 2, ..c }).await.unwrap();
                    let p = store.claim_pages(&c, 1).await.unwrap();
                    if f.is_empty() && p.is_empty() {
                        return (feeds, pages);
                    }
                    feeds.extend(f.into_iter().map(|f| f.id));
                    pages.extend(p);
                }
            })
        })
        .collect();
    let (mut claimed_feeds, mut claimed_pages) = (Vec::new(), Vec::new());
    for task in tasks {
        let (f, p) = task.await.unwrap();
        claimed_feeds.extend(f);
        claimed_pages.extend(p);
    }
    assert!(claimed_pages.iter().all(|j| j.attempts == 1));
    let mut pages: Vec<i64> = claimed_pages.iter().map(|j| j.id).collect();
    pages.sort_unstable();
    assert_eq!(pages, queued, "every job claimed exactly once");
    claimed_feeds.sort_unstable();
    assert_eq!(claimed_feeds, feeds, "every feed claimed exactly once");
    assert_eq!(store.ready_pages(now).await.unwrap(), 0);
    let stats = store.queue_stats(now).await.unwrap();
    assert_eq!((stats.pages_claimed, stats.feeds_claimed), (240, 24));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_host_turns_keep_the_host_rules() {
    let (_store, db) = test_store().await;
    let handles = handles(&db, 4).await;
    // Eight workers ask at once, each on its own handle's connections.
    let turns = |host: &'static str, rules: HostRules| {
        let handles = handles.clone();
        async move {
            let tasks: Vec<_> = (0..8)
                .map(|t| {
                    let store = handles[t % handles.len()].clone();
                    tokio::spawn(async move { store.host_turn(host, &format!("w{t}"), rules).await.unwrap() })
                })
                .collect();
            let mut got = Vec::new();
            for task in tasks {
                got.push(task.await.unwrap());
            }
            got
        }
    };

    // Two slots: two workers go, the others find the host full.
    let got = turns("slots.example", rules(2, 0, 10_000)).await;
    let gone = got.iter().filter(|t| matches!(t, HostTurn::Go { .. })).count();
    assert_eq!(gone, 2, "{got:?}");
    assert_eq!(got.iter().filter(|t| **t == HostTurn::Full).count(), 6, "{got:?}");

    // Starts two seconds apart, at most three seconds' wait: one worker
    // goes now, one in two seconds, and the others' turns would come later
    // than they wait (all eight asked within a second of each other).
    let got = turns("spaced.example", rules(8, 2000, 3000)).await;
    let mut waits: Vec<std::time::Duration> = got
        .iter()
        .filter_map(|t| match t {
            HostTurn::Go { wait, .. } => Some(*wait),
            _ => None,
        })
        .collect();
    waits.sort_unstable();
    assert_eq!(waits.len(), 2, "{got:?}");
    assert!(waits[0] < ms(1000) && waits[1] > ms(1000), "{got:?}");
    assert!(got.iter().all(|t| !matches!(t, HostTurn::Full)), "{got:?}");
}

#[tokio::test]
async fn the_search_index_reads_articles_by_id() {
    let (store, _db) = test_store().await;
    let feed = store.add_feed(new_feed("https://example.com/feed", 60)).await.unwrap();
    assert_eq!(store.max_article_id().await.unwrap(), None);
    let mut ids = Vec::new();
    for (i, guid) in ["a", "b", "c"].iter().enumerate() {
        ids.push(
            store
                .insert_article(&article(feed.id, guid, i as i64))
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // A page far over the indexed length is handed over cut; an article
    // without a date is dated by its fetch.
    let mut huge = article(feed.id, "huge", 9);
    huge.text = format!("Marathon {}", "word ".repeat(30_000));
    huge.published = None;
    let huge_id = store.insert_article(&huge).await.unwrap().unwrap();
    assert_eq!(store.max_article_id().await.unwrap(), Some(huge_id));

    let first = store.articles_for_index(0, 2).await.unwrap();
    assert_eq!(first.iter().map(|a| a.id).collect::<Vec<_>>(), ids[..2].to_vec());
    let a = &first[0];
    assert_eq!(
        (
            a.title.as_str(),
            a.byline.as_deref(),
            a.site.as_str(),
            a.language.as_deref(),
            a.text.as_str()
        ),
        ("Title a", Some("A. Writer"), "example.com", Some("en"), "Body of a")
    );
    assert_eq!(a.date.timestamp(), (reference_now() - Duration::days(0)).timestamp());
    let rest = store.articles_for_index(ids[1], 10).await.unwrap();
    assert_eq!(rest.iter().map(|a| a.id).collect::<Vec<_>>(), vec![ids[2], huge_id]);
    let cut = &rest[1];
    assert_eq!(cut.text.chars().count(), tracewire_store::INDEXED_TEXT_CHARS);
    assert_eq!(cut.date.timestamp(), huge.fetched_at.timestamp());

    let some = store
        .articles_for_index_by_ids(&[huge_id, ids[0], 999_999])
        .await
        .unwrap();
    assert_eq!(some.iter().map(|a| a.id).collect::<Vec<_>>(), vec![ids[0], huge_id]);
    let mut hits = store.search_hits(&[ids[1], 999_999, ids[0]]).await.unwrap();
    hits.sort_by_key(|(s, _)| s.id);
    assert_eq!(hits.len(), 2);
    assert_eq!((hits[0].0.id, hits[0].1.as_str()), (ids[0], "Body of a"));
    assert_eq!(hits[1].0.title, "Title b");

    // Ids are never given twice, even after the newest articles go: the
    // index follows articles by id.
    store.remove_feed(feed.id).await.unwrap();
    assert_eq!(store.max_article_id().await.unwrap(), None);
    assert!(store.articles_for_index_by_ids(&ids).await.unwrap().is_empty());
    let feed = store.add_feed(new_feed("https://example.com/feed2", 60)).await.unwrap();
    let next = store.insert_article(&article(feed.id, "d", 0)).await.unwrap().unwrap();
    assert!(next > huge_id, "{next} was given before");
}

fn span(start: usize, text: &str) -> tracewire_model::TextSpan {
    tracewire_model::TextSpan {
        start,
        end: start + text.chars().count(),
        text: text.to_string(),
    }
}

fn mention(start: usize, text: &str, kind: &str, canonical: &str) -> tracewire_model::EntityMention {
    tracewire_model::EntityMention {
        start,
        end: start + text.chars().count(),
        text: text.to_string(),
        kind: kind.to_string(),
        canonical: canonical.to_string(),
    }
}

#[tokio::test]
async fn quotes_and_entities_are_kept_with_their_article() {
    let (store, _db) = test_store().await;
    let feed = store.add_feed(new_feed("https://example.com/feed", 60)).await.unwrap();
    let peskov = tracewire_model::ArticleQuote {
        content: span(40, "it will be discussed"),
        speaker: Some(span(70, "Kremlin spokesman Dmitry Peskov")),
        speaker_name: Some("Dmitry Peskov".to_string()),
        cue: Some(span(102, "told reporters")),
        kind: "direct".to_string(),
    };
    let russia = tracewire_model::ArticleQuote {
        content: span(130, "it’s willing to consider"),
        speaker: Some(span(120, "Russia")),
        speaker_name: Some("Russia".to_string()),
        cue: None,
        kind: "indirect".to_string(),
    };
    let mut a = article(feed.id, "a", 1);
    a.annotations.quotes = vec![peskov.clone(), russia.clone()];
    a.annotations.entities = vec![
        mention(3, "Bashar al-Assad", "PER", "Bashar al-Assad"),
        mention(70, "Kremlin", "ORG", "Kremlin"),
        mention(88, "Dmitry Peskov", "PER", "Dmitry Peskov"),
        mention(150, "Assad", "PER", "Bashar al-Assad"),
    ];
    let a_id = store.insert_article(&a).await.unwrap().unwrap();
    let mut b = article(feed.id, "b", 0);
    b.annotations.entities = vec![mention(0, "Assad", "PER", "Bashar al-Assad")];
    b.annotations.quotes = vec![tracewire_model::ArticleQuote {
        speaker: None,
        speaker_name: Some("Dmitry Peskov".to_string()),
        cue: None,
        ..peskov.clone()
    }];
    let b_id = store.insert_article(&b).await.unwrap().unwrap();

    assert_eq!(
        store.quotes_of(a_id).await.unwrap(),
        vec![peskov.clone(), russia.clone()]
    );
    let entities = store.entities_of(a_id).await.unwrap();
    assert_eq!(
        entities
            .iter()
            .map(|e| (e.name.as_str(), e.kind.as_str(), e.mentions, e.first))
            .collect::<Vec<_>>(),
        vec![
            ("Bashar al-Assad", "PER", 2, 3),
            ("Kremlin", "ORG", 1, 70),
            ("Dmitry Peskov", "PER", 1, 88)
        ]
    );
    // Newest first: b was published a day after a.
    let named = store.entity_articles("Bashar al-Assad", 10, 0).await.unwrap();
    assert_eq!(named.iter().map(|s| s.id).collect::<Vec<_>>(), vec![b_id, a_id]);
    assert_eq!(store.entity_articles("Bashar al-Assad", 10, 1).await.unwrap().len(), 1);
    let day = |days_ago: i64| {
        (reference_now() - Duration::days(days_ago))
            .format("%Y-%m-%d")
            .to_string()
    };
    assert_eq!(
        store.entity_timeline("Bashar al-Assad", 30).await.unwrap(),
        vec![(day(1), 1), (day(0), 1)]
    );
    assert_eq!(
        store.entity_timeline("Bashar al-Assad", 1).await.unwrap(),
        vec![(day(0), 1)]
    );
    let said = store.quotes_by("Dmitry Peskov", 10).await.unwrap();
    assert_eq!(said.iter().map(|q| q.article.id).collect::<Vec<_>>(), vec![b_id, a_id]);
    assert_eq!(said[1].quote, peskov);
    let top = store.top_entities(None, 10).await.unwrap();
    assert_eq!(
        (top[0].name.as_str(), top[0].kind.as_str(), top[0].articles),
        ("Bashar al-Assad", "PER", 2)
    );
    assert_eq!(store.top_entities(Some("ORG"), 10).await.unwrap().len(), 1);

    let mut many = store.entities_of_articles(&[a_id, b_id, 999_999]).await.unwrap();
    many.sort();
    assert_eq!(many.len(), 4);
    assert_eq!(many[3], (b_id, "Bashar al-Assad".to_string(), "PER".to_string()));
    // The search index reads the speakers and the names.
    let indexed = store.articles_for_index_by_ids(&[a_id]).await.unwrap();
    let mut speakers = indexed[0].speakers.clone();
    speakers.sort();
    assert_eq!(speakers, vec!["Dmitry Peskov", "Russia"]);
    assert_eq!(indexed[0].entities.len(), 3);

    // Read again: replaced whole; a vanished article is left alone.
    store
        .put_annotations(a_id, &tracewire_model::Annotations::default())
        .await
        .unwrap();
    assert!(store.quotes_of(a_id).await.unwrap().is_empty());
    assert!(store.entities_of(a_id).await.unwrap().is_empty());
    store.put_annotations(999_999, &b.annotations).await.unwrap();
    assert!(store.quotes_of(999_999).await.unwrap().is_empty());
    // They go with their feed.
    store.remove_feed(feed.id).await.unwrap();
    assert!(store.quotes_by("Dmitry Peskov", 10).await.unwrap().is_empty());
    assert!(store.top_entities(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn stories_group_articles_and_people_regroup_them() {
    let (store, _db) = test_store().await;
    let feed = store.add_feed(new_feed("https://example.com/feed", 60)).await.unwrap();
    let mut ids = Vec::new();
    for (i, guid) in ["a", "b", "c", "d"].iter().enumerate() {
        let mut a = article(feed.id, guid, 10 - i as i64);
        a.site = format!("site{}.example", i % 2);
        a.annotations.entities = vec![
            mention(0, "Peskov", "PER", "Dmitry Peskov"),
            mention(9, "Kremlin", "ORG", "Kremlin"),
        ];
        a.annotations.quotes = vec![tracewire_model::ArticleQuote {
            content: span(20, guid),
            speaker: None,
            speaker_name: Some("Dmitry Peskov".to_string()),
            cue: None,
            kind: "direct".to_string(),
        }];
        ids.push(store.insert_article(&a).await.unwrap().unwrap());
    }
    let s1 = store.join_story(ids[0], None, "first", 0.0).await.unwrap().unwrap();
    assert_eq!(store.join_story(ids[1], Some(s1), "copy", 0.9).await.unwrap(), Some(s1));
    let s2 = store.join_story(ids[2], None, "first", 0.0).await.unwrap().unwrap();
    assert_ne!(s1, s2);
    assert_eq!(store.story_of(ids[1]).await.unwrap(), Some(s1));
    assert_eq!(store.story_of(ids[3]).await.unwrap(), None);
    assert_eq!(store.join_story(999_999, Some(s1), "copy", 1.0).await.unwrap(), None);

    // Candidates: stored articles in a story, in the window, sharing names.
    let at = |days: i64| (reference_now() - Duration::days(days)).timestamp();
    let found = store.story_candidates(ids[3], at(20), at(0), 10).await.unwrap();
    let mut seen: Vec<(i64, i64, i64)> = found.clone();
    seen.sort_unstable();
    assert_eq!(seen, vec![(ids[0], s1, 2), (ids[1], s1, 2), (ids[2], s2, 2)]);
    assert!(
        store
            .story_candidates(ids[3], at(8), at(0), 10)
            .await
            .unwrap()
            .iter()
            .all(|c| c.0 == ids[2])
    );

    let story = store.story(s1).await.unwrap().unwrap();
    assert_eq!(
        (
            story.summary.articles,
            story.summary.sites,
            story.summary.origin,
            story.summary.headline.as_str()
        ),
        (2, 2, ids[0], "Title a")
    );
    assert_eq!(
        story.members.iter().map(|m| m.article.id).collect::<Vec<_>>(),
        vec![ids[0], ids[1]]
    );
    assert_eq!(story.members[1].joined_by, "copy");
    let recent = store.recent_stories(100, 10, 0).await.unwrap();
    assert_eq!(recent.iter().map(|s| s.summary.id).collect::<Vec<_>>(), vec![s2, s1]);
    assert_eq!(store.recent_stories(100, 1, 1).await.unwrap()[0].summary.id, s1);
    assert_eq!(store.story_quotes(s1, 10).await.unwrap().len(), 2);
    let related = store.related_stories(s1, 10).await.unwrap();
    assert_eq!(
        related.iter().map(|(s, n)| (s.summary.id, *n)).collect::<Vec<_>>(),
        vec![(s2, 2)]
    );

    // A person merges, then splits: the grouping leaves their choice be.
    assert!(store.merge_stories(s1, s2).await.unwrap());
    assert!(store.story(s2).await.unwrap().is_none());
    assert!(!store.merge_stories(s1, s2).await.unwrap());
    assert_eq!(store.story(s1).await.unwrap().unwrap().summary.articles, 3);
    assert_eq!(store.join_story(ids[2], None, "similar", 0.5).await.unwrap(), Some(s1));
    assert_eq!(store.split_story(s1, &[ids[0], ids[1], ids[2]]).await.unwrap(), None);
    assert_eq!(store.split_story(s1, &[999_999]).await.unwrap(), None);
    let s3 = store.split_story(s1, &[ids[1]]).await.unwrap().unwrap();
    assert_eq!(store.story_of(ids[1]).await.unwrap(), Some(s3));
    assert_eq!(store.join_story(ids[1], Some(s1), "copy", 1.0).await.unwrap(), Some(s3));
    assert_eq!(store.story(s1).await.unwrap().unwrap().summary.articles, 2);

    // A list brings each story's counts whole but only its first articles.
    for guid in ["e", "f", "g"] {
        let id = store.insert_article(&article(feed.id, guid, 1)).await.unwrap().unwrap();
        store.join_story(id, Some(s1), "copy", 1.0).await.unwrap();
    }
    let listed = store.recent_stories(100, 10, 0).await.unwrap();
    let s1_listed = listed.iter().find(|s| s.summary.id == s1).unwrap();
    assert_eq!((s1_listed.summary.articles, s1_listed.members.len()), (5, 4));
    assert_eq!(s1_listed.summary.origin, ids[0]);
    assert_eq!(store.story(s1).await.unwrap().unwrap().members.len(), 5);
}

// Moving an instance (`tracewire export` / `import`): what one store
// exports, another of either backend loads, and answers alike.

/// A store's export as its lines (tables in order, rows in key order),
/// read `page` rows at a time.
async fn export_lines(store: &dyn Store, page: usize) -> Vec<String> {
    let mut lines = Vec::new();
    store
        .export_tables(page, &mut |table, rows| {
            lines.extend(rows.into_iter().map(|row| dump::row_line(table, row)));
            Ok(())
        })
        .await
        .unwrap();
    lines
}

/// Loads an export's lines into `store`, at most `batch` rows of a table
/// per call, as `tracewire import` does.
async fn import_lines(store: &dyn Store, lines: &[String], batch: usize) -> Result<(), StoreError> {
    dump::ensure_empty(store).await?;
    let mut pending: Option<(&'static dump::DumpTable, Vec<dump::DumpRow>)> = None;
    for line in lines {
        let dump::Line::Row { table, row } = dump::parse_line(line).unwrap() else {
            panic!("not a row: {line}");
        };
        match &mut pending {
            Some((t, rows)) if t.name == table.name && rows.len() < batch => rows.push(row),
            _ => {
                if let Some((t, rows)) = pending.take() {
                    store.import_rows(t, &rows).await?;
                }
                pending = Some((table, vec![row]));
            }
        }
    }
    if let Some((t, rows)) = pending {
        store.import_rows(t, &rows).await?;
    }
    Ok(())
}

/// A store with rows in every table an export holds.
async fn every_kind_of_row(store: &dyn Store) -> Vec<i64> {
    let now = Utc::now();
    let feed = store
        .add_feed(new_feed("https://example.com/feed", 1800))
        .await
        .unwrap();
    let other = store.add_feed(new_feed("https://example.com/other", 60)).await.unwrap();
    let gone = store.add_feed(new_feed("https://example.com/gone", 60)).await.unwrap();
    store
        .record_fetch(
            other.id,
            outcome(
                now,
                now + secs(60),
                FetchResult::Failed {
                    error: "HTTP 500".into(),
                    weight: 0.25,
                },
            ),
        )
        .await
        .unwrap();
    store
        .put_websub_request(feed.id, "https://hub.example/", "https://example.com/feed", "s3cret")
        .await
        .unwrap();
    let verified = WebSubOutcome::Verified {
        lease_expires: now + Duration::days(3),
    };
    store
        .confirm_websub(feed.id, "https://example.com/feed", verified)
        .await
        .unwrap();
    // Articles, with a gap in their ids (a removed feed's).
    let mut ids = Vec::new();
    let max = tracewire_store::MAX_KEY_ROWS;
    for i in 0..=max {
        if i == 3 {
            for g in 0..3 {
                let gone_article = article(gone.id, &format!("g{g}"), 1);
                store.insert_article(&gone_article).await.unwrap();
            }
        }
        let mut a = article(feed.id, &format!("a{i}"), i as i64 % 5);
        a.title = format!("Ceasefire talks, part {i}");
        ids.push(store.insert_article(&a).await.unwrap().unwrap());
    }
    store.remove_feed(gone.id).await.unwrap();
    for id in &ids[..max] {
        store.mark_related(*id).await.unwrap();
    }
    store.add_view(ids[0]).await.unwrap();
    // Fingerprints: one key shared by every article turns hot.
    let band = |n: u64| BAND_KEY_BIT | n;
    let batch: Vec<(i64, Vec<u64>)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, vec![band(1), 5, 100 + i as u64, u64::MAX >> 1]))
        .collect();
    store.put_fingerprints(1, &batch).await.unwrap();
    let rel = |from, to, kind: &str, score| ArticleRelation {
        from,
        to,
        kind: kind.to_string(),
        score,
        evidence: format!("{kind}: \"quoted\" evidence\nover two lines"),
    };
    store
        .put_relations(&[
            rel(ids[0], ids[1], "copy", 0.875),
            rel(ids[0], ids[1], "attributes", 1.0),
            rel(ids[1], ids[2], "excerpt", 1.0 / 3.0),
        ])
        .await
        .unwrap();
    store
        .put_url_keys(ids[0], &["example.com/a0".into()], &[])
        .await
        .unwrap();
    store
        .put_url_keys(ids[1], &["example.com/a1".into()], &["example.com/a0".into()])
        .await
        .unwrap();
    store
        .count_paragraphs("example.com", &[1, u64::MAX, 1 << 63])
        .await
        .unwrap();
    store.count_paragraphs("example.com", &[u64::MAX]).await.unwrap();
    store.count_paragraphs("ünïcode.example", &[7]).await.unwrap();
    let beside = |article, a| EdgeNeighbour {
        article,
        context: (a, u64::MAX),
    };
    store.add_edge_neighbour(u64::MAX, beside(ids[0], 1)).await.unwrap();
    store.add_edge_neighbour(9, beside(ids[1], 2)).await.unwrap();
    store.add_shared_furniture(&[5, u64::MAX]).await.unwrap();
    let cite = |who: &str| Citation {
        who: who.to_string(),
        kind: "outlet".to_string(),
        phrase: format!("a {who} report"),
    };
    store
        .put_citations(ids[2], &[cite("Reuters"), cite("Agence France-Presse")])
        .await
        .unwrap();
    let annotations = tracewire_model::Annotations {
        quotes: vec![
            tracewire_model::ArticleQuote {
                content: span(0, "Body"),
                speaker: Some(span(8, "of")),
                speaker_name: Some("Óscar Núñez".to_string()),
                cue: Some(span(5, "said")),
                kind: "direct".to_string(),
            },
            tracewire_model::ArticleQuote {
                content: span(1, "ody"),
                speaker: None,
                speaker_name: None,
                cue: None,
                kind: "indirect".to_string(),
            },
        ],
        entities: vec![mention(0, "Body", "ORG", "Body Inc."), mention(5, "of", "LOC", "Of")],
    };
    store.put_annotations(ids[1], &annotations).await.unwrap();
    let story = store.join_story(ids[0], None, "first", 0.0).await.unwrap().unwrap();
    store.join_story(ids[1], Some(story), "similar", 0.625).await.unwrap();
    // The queue: a job waiting, one claimed, one failed for good; host
    // schedules (and a slot in flight, which is not exported).
    store
        .enqueue_pages(
            &[
                page_job(other.id, "waiting", Some("a.example")),
                page_job(other.id, "claimed", None),
                page_job(other.id, "failed", Some("b.example")),
            ],
            now,
        )
        .await
        .unwrap();
    let claimed = store.claim_pages(&claim("w1", now, 2), 2).await.unwrap();
    store
        .end_page(
            claimed[0].id,
            PageJobEnd::Failed {
                error: "HTTP 404".into(),
            },
        )
        .await
        .unwrap();
    store.claim_feeds(&claim("w1", now, 1)).await.unwrap();
    store.slow_host("a.example", ms(1500)).await.unwrap();
    store
        .hold_host("b.example", std::time::Duration::from_secs(30))
        .await
        .unwrap();
    go(store.host_turn("c.example", "w1", rules(2, 0, 1000)).await.unwrap());
    // An account with everything it keeps (its session is left out).
    let user = store.add_user(&new_user("reader", true)).await.unwrap().unwrap();
    store
        .add_token(user.id, "greader", "phone", "token-hash")
        .await
        .unwrap();
    let category = store.category_named(user.id, "World", true).await.unwrap();
    store.subscribe(user.id, feed.id, Some("Mine"), category).await.unwrap();
    let marks = Marks {
        read: Some(true),
        starred: Some(true),
    };
    store.mark(user.id, &ids[..2], marks).await.unwrap();
    store.save_search(user.id, "Quakes", "earthquake").await.unwrap();
    store
        .add_rule(user.id, RuleAction::Keep, RuleField::Url, "/world/")
        .await
        .unwrap();
    store
        .add_session("session-hash", user.id, "csrf", now + Duration::hours(1))
        .await
        .unwrap();
    ids
}

#[tokio::test]
async fn an_export_loads_into_a_new_store_whole() {
    let (source, _source_db) = test_store().await;
    let ids = every_kind_of_row(source.as_ref()).await;
    let exported = export_lines(source.as_ref(), 1000).await;
    // Every table has rows; paging by key (here three rows a page, over
    // keys of one to three columns) reads each row once.
    for table in dump::TABLES {
        let prefix = format!("{{\"table\":\"{}\",", table.name);
        assert!(
            exported.iter().any(|l| l.starts_with(&prefix)),
            "no {} rows",
            table.name
        );
    }
    assert_eq!(export_lines(source.as_ref(), 3).await, exported);
    assert!(matches!(
        dump::ensure_empty(source.as_ref()).await,
        Err(StoreError::ImportNotEmpty { table: "feeds" })
    ));

    let (target, _target_db) = test_store().await;
    import_lines(target.as_ref(), &exported, 7).await.unwrap();
    assert_eq!(export_lines(target.as_ref(), 1000).await, exported);

    // The same answers to the same questions.
    let (s, t) = (source.as_ref(), target.as_ref());
    assert_eq!(s.feeds().await.unwrap(), t.feeds().await.unwrap());
    assert_eq!(s.articles(100, 0).await.unwrap(), t.articles(100, 0).await.unwrap());
    assert_eq!(
        s.recent_articles(100).await.unwrap(),
        t.recent_articles(100).await.unwrap()
    );
    for id in &ids {
        assert_eq!(s.article(*id).await.unwrap(), t.article(*id).await.unwrap());
        assert_eq!(s.relations_of(*id).await.unwrap(), t.relations_of(*id).await.unwrap());
        assert_eq!(s.citations_of(*id).await.unwrap(), t.citations_of(*id).await.unwrap());
    }
    let band = |n: u64| BAND_KEY_BIT | n;
    let keys = [band(1), 5, 100, 101, u64::MAX >> 1, 130];
    assert_eq!(
        s.fingerprint_candidates(&keys, 10).await.unwrap(),
        t.fingerprint_candidates(&keys, 10).await.unwrap()
    );
    assert_eq!(
        t.fingerprint_candidates(&[5], 10).await.unwrap().len(),
        1,
        "5 is a hot key"
    );
    assert_eq!(s.site_stats(None).await.unwrap(), t.site_stats(None).await.unwrap());
    assert_eq!(ids[3] - ids[2], 4, "a gap in the ids");
    let feed = s.feeds().await.unwrap()[0].id;
    assert_eq!(s.websub(feed).await.unwrap(), t.websub(feed).await.unwrap());
    let url_key = vec!["example.com/a0".to_string()];
    for named in [false, true] {
        assert_eq!(
            s.articles_by_url_key(&url_key, named).await.unwrap(),
            t.articles_by_url_key(&url_key, named).await.unwrap()
        );
    }
    let paragraphs = [1, 7, u64::MAX, 1 << 63];
    assert_eq!(
        s.paragraph_counts("example.com", &paragraphs).await.unwrap(),
        t.paragraph_counts("example.com", &paragraphs).await.unwrap()
    );
    assert_eq!(
        t.paragraph_counts("ünïcode.example", &paragraphs).await.unwrap(),
        HashMap::from([(7, 1)])
    );
    assert_eq!(
        s.edge_neighbours(&[9, u64::MAX]).await.unwrap(),
        t.edge_neighbours(&[9, u64::MAX]).await.unwrap()
    );
    assert_eq!(
        t.shared_furniture(&[5, 6, u64::MAX]).await.unwrap(),
        HashSet::from([5, u64::MAX])
    );
    assert_eq!(
        s.page_jobs(false, 10).await.unwrap(),
        t.page_jobs(false, 10).await.unwrap()
    );
    let later = Utc::now() + secs(5);
    assert_eq!(
        s.unrelated_articles(later, 10).await.unwrap(),
        t.unrelated_articles(later, 10).await.unwrap()
    );
    assert_eq!(
        s.articles_for_index(0, 1000).await.unwrap(),
        t.articles_for_index(0, 1000).await.unwrap()
    );
    // Accounts come along, sessions do not.
    let (su, tu) = (s.users().await.unwrap(), t.users().await.unwrap());
    assert_eq!(su, tu);
    let user = su[0].id;
    assert_eq!(
        s.subscriptions(user).await.unwrap(),
        t.subscriptions(user).await.unwrap()
    );
    let all = ItemQuery {
        user,
        limit: 1000,
        ..Default::default()
    };
    assert_eq!(s.items(&all).await.unwrap(), t.items(&all).await.unwrap());
    assert_eq!(s.rules(user).await.unwrap(), t.rules(user).await.unwrap());
    assert_eq!(
        s.saved_searches(user).await.unwrap(),
        t.saved_searches(user).await.unwrap()
    );
    let soon = Utc::now();
    assert!(t.token_user("token-hash", "greader", soon).await.unwrap().is_some());
    assert!(s.session("session-hash", soon).await.unwrap().is_some());
    assert!(t.session("session-hash", soon).await.unwrap().is_none());
    // The host slot in flight stayed behind; the schedules came along.
    let (s_stats, t_stats) = (s.queue_stats(later).await.unwrap(), t.queue_stats(later).await.unwrap());
    assert_eq!((s_stats.host_slots, t_stats.host_slots), (1, 0));
    assert!(matches!(
        t.host_turn("b.example", "w2", rules(2, 0, 1000)).await.unwrap(),
        HostTurn::Later { .. }
    ));

    // New rows get new ids, past the ones loaded.
    let max_feed = s.feeds().await.unwrap().iter().map(|f| f.id).max().unwrap();
    let added = t.add_feed(new_feed("https://example.com/new", 60)).await.unwrap();
    assert!(added.id > max_feed, "{} after {max_feed}", added.id);
    let new_article = t.insert_article(&article(added.id, "new", 0)).await.unwrap().unwrap();
    assert!(new_article > *ids.iter().max().unwrap());
    t.enqueue_pages(&[page_job(added.id, "new", None)], Utc::now())
        .await
        .unwrap();
    let jobs = t.page_jobs(false, 10).await.unwrap();
    let max_job = s
        .page_jobs(false, 10)
        .await
        .unwrap()
        .iter()
        .map(|(j, _)| j.id)
        .max()
        .unwrap();
    assert!(jobs.iter().any(|(j, _)| j.guid == "new" && j.id > max_job));

    // A second import into it is refused, naming a table with rows.
    assert!(matches!(
        import_lines(target.as_ref(), &exported, 1000).await,
        Err(StoreError::ImportNotEmpty { table: "feeds" })
    ));
}

#[tokio::test]
async fn an_import_refuses_rows_that_do_not_fit() {
    let (store, _db) = test_store().await;
    let feeds = dump::table("feeds").unwrap();
    let row = |v: serde_json::Value| v.as_object().unwrap().clone();
    let feed = row(serde_json::json!({
        "id": 7, "url": "https://example.com/feed", "status": "new", "next_fetch_at": 1,
        "error_count": 0, "interval_secs": 60, "created_at": 1, "failure_weight": 0.0,
    }));
    // A value of the wrong kind, named with its table and column; nothing
    // of the batch is stored.
    let mut wrong = feed.clone();
    wrong.insert("interval_secs".into(), "sixty".into());
    match store.import_rows(feeds, &[feed.clone(), wrong]).await {
        Err(StoreError::ImportRow { table: "feeds", detail }) => assert!(detail.contains("interval_secs"), "{detail}"),
        other => panic!("{other:?}"),
    }
    assert!(store.feeds().await.unwrap().is_empty());
    // An article of a feed the store does not have: the database refuses
    // it, and the batch with it.
    let articles = dump::table("articles").unwrap();
    let lost = row(serde_json::json!({
        "id": 1, "feed_id": 8, "guid": "g", "url": "https://example.com/g", "site": "example.com",
        "title": "T", "attributions": "[]", "body_text": "b", "body_html": "<p>b</p>", "fetched_at": 1, "views": 0,
    }));
    store.import_rows(feeds, &[feed]).await.unwrap();
    assert!(store.import_rows(articles, &[lost]).await.is_err());
    assert_eq!(store.count_articles().await.unwrap(), 0);
    assert_eq!(store.feeds().await.unwrap()[0].id, 7);
}

fn new_user(name: &str, is_admin: bool) -> NewUser {
    NewUser {
        name: name.to_string(),
        password_hash: format!("$argon2id$hash-of-{name}"),
        fever_key: Some(format!("md5-of-{name}")),
        is_admin,
    }
}

fn ids_of(items: &[tracewire_model::ReaderItem]) -> Vec<i64> {
    items.iter().map(|i| i.article.id).collect()
}

#[tokio::test]
async fn accounts_keep_their_own_subscriptions_and_reading_state() {
    let (store, _db) = test_store().await;
    let s = store.as_ref();
    let f1 = s.add_feed(new_feed("https://one.example/feed", 60)).await.unwrap();
    let f2 = s.add_feed(new_feed("https://two.example/feed", 60)).await.unwrap();
    let mut a1 = Vec::new();
    let mut a2 = Vec::new();
    for i in 0..4 {
        a1.push(
            s.insert_article(&article(f1.id, &format!("one{i}"), 1))
                .await
                .unwrap()
                .unwrap(),
        );
        a2.push(
            s.insert_article(&article(f2.id, &format!("two{i}"), 1))
                .await
                .unwrap()
                .unwrap(),
        );
    }

    // Users: the first is subscribed to the feeds already there; names are unique.
    let alice = s.add_user(&new_user("alice", true)).await.unwrap().unwrap();
    let bob = s.add_user(&new_user("bob", false)).await.unwrap().unwrap();
    assert!(s.add_user(&new_user("alice", false)).await.unwrap().is_none());
    assert!(alice.is_admin && !bob.is_admin);
    assert_eq!(s.users().await.unwrap(), vec![alice.clone(), bob.clone()]);
    let (found, hash) = s.user_by_name("alice").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (alice.clone(), "$argon2id$hash-of-alice"));
    assert_eq!(s.user_by_fever_key("md5-of-bob").await.unwrap(), Some(bob.clone()));
    assert_eq!(s.user_by_fever_key("nothing").await.unwrap(), None);
    assert_eq!(s.user(bob.id).await.unwrap(), Some(bob.clone()));
    let subscribed: Vec<i64> = s
        .subscriptions(alice.id)
        .await
        .unwrap()
        .iter()
        .map(|x| x.feed.id)
        .collect();
    assert_eq!(subscribed, vec![f1.id, f2.id]);
    assert!(s.subscriptions(bob.id).await.unwrap().is_empty());

    // Sessions expire and end; tokens answer for their kind only.
    let now = Utc::now();
    s.add_session("sess-a", alice.id, "csrf-a", now + Duration::hours(1))
        .await
        .unwrap();
    s.add_session("sess-old", alice.id, "csrf-o", now - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        s.session("sess-a", now).await.unwrap(),
        Some((alice.clone(), "csrf-a".to_string()))
    );
    assert_eq!(s.session("sess-old", now).await.unwrap(), None);
    let token = s.add_token(bob.id, "api", "laptop", "tok-hash").await.unwrap();
    assert_eq!(s.token_user("tok-hash", "api", now).await.unwrap(), Some(bob.clone()));
    assert_eq!(s.token_user("tok-hash", "greader", now).await.unwrap(), None);
    let listed = s.tokens(bob.id).await.unwrap();
    assert_eq!((listed.len(), listed[0].name.as_str()), (1, "laptop"));
    assert!(listed[0].last_used_at.is_some());
    assert!(!s.remove_token(alice.id, token).await.unwrap(), "not alice's");
    assert!(s.remove_token(bob.id, token).await.unwrap());
    assert_eq!(s.token_user("tok-hash", "api", now).await.unwrap(), None);
    for phone in ["p1", "p2", "p3"] {
        s.add_token(alice.id, "greader", phone, &format!("hash-{phone}"))
            .await
            .unwrap();
    }
    s.add_token(alice.id, "api", "script", "hash-script").await.unwrap();
    assert_eq!(s.prune_tokens(alice.id, "greader", 2).await.unwrap(), 1);
    let kept: Vec<String> = s.tokens(alice.id).await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(kept, vec!["p2", "p3", "script"]);
    s.remove_session("sess-a", now).await.unwrap();
    assert_eq!(s.session("sess-a", now).await.unwrap(), None);

    // Categories are per user; a subscription can only be in its user's.
    let tech = s.category_named(alice.id, "Tech", true).await.unwrap().unwrap();
    assert_eq!(s.category_named(alice.id, "Tech", true).await.unwrap(), Some(tech));
    assert_eq!(s.category_named(bob.id, "Tech", false).await.unwrap(), None);
    let bobs = s.category_named(bob.id, "News", true).await.unwrap().unwrap();
    s.subscribe(alice.id, f1.id, Some("First feed"), Some(tech))
        .await
        .unwrap();
    s.subscribe(alice.id, f2.id, None, Some(bobs)).await.unwrap();
    s.subscribe(bob.id, f2.id, None, Some(bobs)).await.unwrap();
    let subs = s.subscriptions(alice.id).await.unwrap();
    assert_eq!(subs[0].display_title(), "First feed");
    assert_eq!(subs[0].category.as_ref().map(|c| c.id), Some(tech));
    assert_eq!(subs[1].category, None, "bob's category is not alice's");
    assert_eq!(
        s.subscriptions(bob.id).await.unwrap()[0]
            .category
            .as_ref()
            .map(|c| c.id),
        Some(bobs)
    );
    assert_eq!(s.subscribers(f2.id).await.unwrap(), vec![alice.id, bob.id]);
    let other = s.category_named(alice.id, "Other", true).await.unwrap().unwrap();
    assert!(!s.rename_category(alice.id, other, "Tech").await.unwrap(), "name taken");
    assert!(!s.rename_category(bob.id, tech, "Mine").await.unwrap(), "not bob's");
    assert!(s.rename_category(alice.id, tech, "Technology").await.unwrap());
    let names: Vec<String> = s
        .categories(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["Other", "Technology"]);

    // The reading list: newest first, unread at first, paged by id.
    let all = ItemQuery {
        user: alice.id,
        limit: 100,
        ..Default::default()
    };
    let mut every: Vec<i64> = a1.iter().chain(&a2).copied().collect();
    every.sort_unstable_by(|a, b| b.cmp(a));
    let items = s.items(&all).await.unwrap();
    assert_eq!(ids_of(&items), every);
    assert!(items.iter().all(|i| !i.read && !i.starred));
    assert_eq!(items[0].article.title, "Title two3");
    assert_eq!(s.count_items(&all).await.unwrap(), 8);
    let page = ItemQuery {
        limit: 3,
        ..all.clone()
    };
    let first = s.items(&page).await.unwrap();
    let second = s
        .items(&ItemQuery {
            before_id: Some(first[2].article.id),
            ..page.clone()
        })
        .await
        .unwrap();
    assert_eq!([ids_of(&first), ids_of(&second)].concat(), every[..6].to_vec());
    let oldest = s
        .items(&ItemQuery {
            oldest_first: true,
            limit: 2,
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(ids_of(&oldest), vec![a1[0], a2[0]]);
    let in_tech = s
        .items(&ItemQuery {
            scope: Scope::Category(tech),
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(ids_of(&in_tech).len(), 4);
    assert!(in_tech.iter().all(|i| i.article.feed_id == f1.id));
    let asked = s
        .items(&ItemQuery {
            ids: Some(vec![a1[1], a2[2], 999_999]),
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(ids_of(&asked), vec![a2[2], a1[1]]);
    assert!(
        s.items(&ItemQuery {
            user: bob.id,
            ids: Some(vec![a1[1]]),
            ..all.clone()
        })
        .await
        .unwrap()
        .is_empty()
    );

    // Marks are the user's own.
    assert_eq!(
        s.mark(
            alice.id,
            &[a1[0], a1[1]],
            Marks {
                read: Some(true),
                starred: None
            }
        )
        .await
        .unwrap(),
        2
    );
    s.mark(
        alice.id,
        &[a1[1], a2[3]],
        Marks {
            read: None,
            starred: Some(true),
        },
    )
    .await
    .unwrap();
    s.mark(
        bob.id,
        &[a1[2]],
        Marks {
            read: Some(true),
            starred: None,
        },
    )
    .await
    .unwrap();
    let unread = ItemQuery {
        read: Some(false),
        ..all.clone()
    };
    assert_eq!(s.count_items(&unread).await.unwrap(), 6);
    let starred = s
        .items(&ItemQuery {
            starred: Some(true),
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(ids_of(&starred), vec![a2[3], a1[1]]);
    assert!(starred[1].read && starred[1].starred && !starred[0].read);
    assert_eq!(
        s.count_items(&ItemQuery {
            user: bob.id,
            read: Some(false),
            ..all.clone()
        })
        .await
        .unwrap(),
        4
    );
    s.mark(
        alice.id,
        &[a1[0]],
        Marks {
            read: Some(false),
            starred: None,
        },
    )
    .await
    .unwrap();
    let counts = s.unread_counts(alice.id).await.unwrap();
    assert_eq!(
        counts.iter().map(|c| (c.feed, c.unread)).collect::<Vec<_>>(),
        vec![(f1.id, 3), (f2.id, 4)]
    );

    // Mark all read: one feed, up to a time, or everything.
    let before_all = Utc::now() - Duration::hours(1);
    assert_eq!(
        s.mark_all_read(alice.id, Scope::Feed(f1.id), Some(before_all))
            .await
            .unwrap(),
        0
    );
    assert_eq!(s.mark_all_read(alice.id, Scope::Feed(f1.id), None).await.unwrap(), 3);
    let counts = s.unread_counts(alice.id).await.unwrap();
    assert_eq!(
        counts.iter().map(|c| (c.feed, c.unread)).collect::<Vec<_>>(),
        vec![(f2.id, 4)]
    );
    assert_eq!(
        s.items(&ItemQuery {
            starred: Some(true),
            ..all.clone()
        })
        .await
        .unwrap()
        .len(),
        2,
        "stars stay"
    );
    assert_eq!(s.mark_all_read(bob.id, Scope::All, None).await.unwrap(), 4);
    assert_eq!(
        s.count_items(&ItemQuery {
            user: bob.id,
            read: Some(false),
            ..all.clone()
        })
        .await
        .unwrap(),
        0
    );

    // A starred article stays in the list after its feed is left; a hidden one leaves it.
    assert!(s.unsubscribe(alice.id, f2.id).await.unwrap());
    assert!(!s.unsubscribe(alice.id, f2.id).await.unwrap());
    assert_eq!(
        ids_of(&s.items(&all).await.unwrap()),
        vec![a2[3], a1[3], a1[2], a1[1], a1[0]]
    );
    s.mark(
        alice.id,
        &[a2[3]],
        Marks {
            read: None,
            starred: Some(false),
        },
    )
    .await
    .unwrap();
    assert_eq!(s.items(&all).await.unwrap().len(), 4);
    s.hide(alice.id, a1[3]).await.unwrap();
    assert_eq!(ids_of(&s.items(&all).await.unwrap()), vec![a1[2], a1[1], a1[0]]);

    // Saved searches and filter rules.
    let q = s.save_search(alice.id, "Storms", "storm lang:en").await.unwrap();
    assert_eq!(
        s.save_search(alice.id, "Storms", "storm OR hurricane").await.unwrap(),
        q
    );
    let saved = s.saved_searches(alice.id).await.unwrap();
    assert_eq!((saved.len(), saved[0].query.as_str()), (1, "storm OR hurricane"));
    assert!(s.saved_searches(bob.id).await.unwrap().is_empty());
    assert!(!s.remove_saved_search(bob.id, q).await.unwrap());
    assert!(s.remove_saved_search(alice.id, q).await.unwrap());
    let rule = s
        .add_rule(bob.id, RuleAction::Block, RuleField::Title, "(?i)sponsored")
        .await
        .unwrap();
    let rules = s.rules(bob.id).await.unwrap();
    assert_eq!(
        (rules[0].id, rules[0].action, rules[0].field),
        (rule, RuleAction::Block, RuleField::Title)
    );
    assert!(s.remove_rule(bob.id, rule).await.unwrap());
    assert!(s.rules(bob.id).await.unwrap().is_empty());

    // A new password ends sessions; removing a user removes what was theirs.
    s.add_session("sess-b", bob.id, "csrf-b", now + Duration::hours(1))
        .await
        .unwrap();
    assert!(s.set_password(bob.id, "new-hash", Some("md5-new")).await.unwrap());
    assert_eq!(s.session("sess-b", now).await.unwrap(), None);
    assert_eq!(s.user_by_fever_key("md5-new").await.unwrap(), Some(bob.clone()));
    assert!(s.remove_user(bob.id).await.unwrap());
    assert_eq!(s.subscribers(f2.id).await.unwrap(), Vec::<i64>::new());
    assert!(s.user(bob.id).await.unwrap().is_none());
    // Removing a feed removes its subscriptions and marks.
    assert!(s.remove_feed(f1.id).await.unwrap());
    assert!(s.subscriptions(alice.id).await.unwrap().is_empty());
    assert!(s.items(&all).await.unwrap().is_empty());
}
