//! The index following a real store: catching up, carrying on after a
//! restart, dropping what the store lost, rebuilding; and, on PostgreSQL
//! (`TRACEWIRE_TEST_DATABASE_URL`), an article whose id became visible
//! after a higher one was read.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;
use std::sync::Arc;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tracewire_model::NewArticle;
use tracewire_search::{SearchIndex, SearchQuery, Sort, WriterConfig, sync};
use tracewire_store::{NewFeed, PgStore, Store};

fn article(feed_id: i64, guid: &str, text: &str) -> NewArticle {
    NewArticle {
        feed_id,
        guid: guid.to_string(),
        url: format!("https://example.com/{guid}"),
        site: "example.com".to_string(),
        canonical_url: None,
        title: format!("Title {guid}"),
        byline: None,
        published: None,
        site_name: None,
        language: Some("en".to_string()),
        source_url: None,
        attributions: Vec::new(),
        text: text.to_string(),
        html: format!("<p>{text}</p>"),
        fetched_at: chrono::Utc::now(),
        annotations: Default::default(),
    }
}

fn feed(url: &str) -> NewFeed {
    NewFeed {
        url: url.to_string(),
        title: None,
        site_url: None,
        interval_secs: 60,
    }
}

async fn total(store: &dyn Store, index: &Arc<SearchIndex>, q: &str) -> usize {
    let q = SearchQuery::parse(q).unwrap();
    sync::search(store, index, &q, Sort::Relevance, 10, 0)
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn follows_the_store_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = tracewire_store::open_embedded(dir.path()).await.unwrap();
    let f = store.add_feed(feed("https://example.com/feed")).await.unwrap();
    for (g, t) in [
        ("a", "ceasefire talks"),
        ("b", "ceasefire holds"),
        ("c", "storm warning"),
    ] {
        store.insert_article(&article(f.id, g, t)).await.unwrap();
    }
    {
        let index = Arc::new(SearchIndex::open_writer(dir.path(), WriterConfig::FOLLOW).unwrap());
        assert_eq!(sync::catch_up(store.as_ref(), &index, |_| {}).await.unwrap(), 3);
        assert_eq!(total(store.as_ref(), &index, "ceasefire").await, 2);
        assert_eq!(index.state().unwrap().after, 3);
    }
    // Reopened: it carries on from its last commit.
    store
        .insert_article(&article(f.id, "d", "ceasefire signed"))
        .await
        .unwrap();
    let index = Arc::new(SearchIndex::open_writer(dir.path(), WriterConfig::FOLLOW).unwrap());
    assert_eq!(sync::catch_up(store.as_ref(), &index, |_| {}).await.unwrap(), 1);
    assert_eq!(sync::catch_up(store.as_ref(), &index, |_| {}).await.unwrap(), 0);
    assert_eq!(total(store.as_ref(), &index, "ceasefire").await, 3);

    // Gone from the store: gone from the results, then from the index.
    store.remove_feed(f.id).await.unwrap();
    assert_eq!(total(store.as_ref(), &index, "ceasefire").await, 0);
    assert_eq!(index.ids().unwrap(), vec![3], "the storm was not a hit");
    assert_eq!(sync::prune(store.as_ref(), &index).await.unwrap(), 1);
    assert!(index.ids().unwrap().is_empty());
    let f2 = store.add_feed(feed("https://example.com/feed2")).await.unwrap();
    store
        .insert_article(&article(f2.id, "e", "ceasefire again"))
        .await
        .unwrap();
    assert_eq!(sync::catch_up(store.as_ref(), &index, |_| {}).await.unwrap(), 1);
    assert_eq!(total(store.as_ref(), &index, "ceasefire").await, 1);
    assert_eq!(sync::rebuild(store.as_ref(), &index, |_| {}).await.unwrap(), 1);
    assert_eq!(index.ids().unwrap().len(), 1);
}

#[tokio::test]
async fn an_id_seen_late_on_postgresql_is_indexed_when_it_commits() {
    let url = std::env::var("TRACEWIRE_TEST_DATABASE_URL").unwrap_or_default();
    if url.is_empty() {
        eprintln!("TRACEWIRE_TEST_DATABASE_URL is not set: skipped");
        return;
    }
    let schema = format!(
        "tw_search_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let mut admin = PgConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let store: Arc<dyn Store> = Arc::new(PgStore::connect_with(options.clone()).await.unwrap());
    let f = store.add_feed(feed("https://example.com/feed")).await.unwrap();

    // A transaction takes an id and has not committed when a later id has.
    let mut slow = PgConnection::connect_with(&options).await.unwrap();
    sqlx::query("BEGIN").execute(&mut slow).await.unwrap();
    let (late,): (i64,) = sqlx::query_as(
        "INSERT INTO articles (feed_id, guid, url, site, title, body_text, body_html, fetched_at) \
         VALUES ($1, 'late', 'https://example.com/late', 'example.com', 'Late', 'ceasefire late', '', 0) \
         RETURNING id",
    )
    .bind(f.id)
    .fetch_one(&mut slow)
    .await
    .unwrap();
    let early = store
        .insert_article(&article(f.id, "early", "ceasefire early"))
        .await
        .unwrap()
        .unwrap();
    assert!(early > late);

    let dir = tempfile::tempdir().unwrap();
    let index = Arc::new(SearchIndex::open_writer(dir.path(), WriterConfig::FOLLOW).unwrap());
    assert_eq!(sync::catch_up(store.as_ref(), &index, |_| {}).await.unwrap(), 1);
    let state = index.state().unwrap();
    assert_eq!(state.after, early);
    assert_eq!(state.gaps.iter().map(|g| g.0).collect::<Vec<_>>(), vec![late]);

    sqlx::query("COMMIT").execute(&mut slow).await.unwrap();
    assert_eq!(sync::catch_up(store.as_ref(), &index, |_| {}).await.unwrap(), 1);
    assert_eq!(index.ids().unwrap(), vec![late, early]);
    assert!(index.state().unwrap().gaps.is_empty());
    assert_eq!(total(store.as_ref(), &index, "ceasefire").await, 2);

    slow.close().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
}
