//! `tracewire bench reader`: what a reading app waits for, as a reader's
//! store grows: a page of the reading list (all feeds, one feed, deep in
//! the past), unread counts, the unread id list Fever clients fetch, a mark.
//!
//! One account subscribed to every generated feed, 30 % of the articles
//! read and 2 % starred; each operation timed `--repeats` times.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use tracewire_model::NewArticle;
use tracewire_store::{ItemQuery, Marks, NewFeed, NewUser, Scope, Store};

/// Articles marked per call while filling.
const MARK_BATCH: usize = 1000;

pub async fn bench_reader(
    articles: usize,
    feeds: usize,
    repeats: usize,
    database: Option<&str>,
    show_progress: bool,
) -> Result<ExitCode> {
    let dir = tempfile::Builder::new()
        .prefix("tracewire-bench-reader-")
        .tempdir()
        .context("cannot create a temporary directory for the benchmark")?;
    let (store, _) = tracewire_store::open(database, dir.path())
        .await
        .context("cannot open the benchmark's store")?;
    if !store.feeds().await?.is_empty() {
        anyhow::bail!("bench reader needs an empty database (it adds {feeds} feeds and {articles} articles)");
    }
    let feeds = feeds.max(1);
    let mut feed_ids = Vec::with_capacity(feeds);
    for f in 0..feeds {
        let feed = store
            .add_feed(NewFeed {
                url: format!("https://site{f}.bench.invalid/feed"),
                title: Some(format!("Site {f}")),
                site_url: None,
                interval_secs: 3600,
            })
            .await?;
        feed_ids.push(feed.id);
    }
    let user = store
        .add_user(&NewUser {
            name: "bench".to_string(),
            password_hash: "not a hash".to_string(),
            fever_key: None,
            is_admin: false,
        })
        .await?
        .context("the benchmark's account exists already")?;
    let started = Instant::now();
    let bar = crate::progress::bar(show_progress, "filling");
    if let Some(bar) = &bar {
        bar.set_length(articles as u64);
    }
    let mut ids = Vec::with_capacity(articles);
    for i in 0..articles {
        let feed = feed_ids[i % feeds];
        let id = store
            .insert_article(&article(feed, i))
            .await?
            .context("a generated article was stored twice")?;
        ids.push(id);
        if let Some(bar) = &bar {
            bar.inc(1);
        } else if (i + 1) % (articles / 10).max(1) == 0 {
            tracing::info!("stored {}/{articles} articles", i + 1);
        }
    }
    crate::progress::clear();
    // The first account was subscribed to every feed there was.
    let read: Vec<i64> = ids.iter().copied().filter(|id| id % 10 < 3).collect();
    let starred: Vec<i64> = ids.iter().copied().filter(|id| id % 50 == 7).collect();
    for chunk in read.chunks(MARK_BATCH) {
        let marks = Marks {
            read: Some(true),
            starred: None,
        };
        store.mark(user.id, chunk, marks).await?;
    }
    for chunk in starred.chunks(MARK_BATCH) {
        let marks = Marks {
            read: None,
            starred: Some(true),
        };
        store.mark(user.id, chunk, marks).await?;
    }
    println!(
        "filled {articles} articles in {feeds} feeds in {:.1}s ({}); {} read, {} starred",
        started.elapsed().as_secs_f64(),
        if database.is_some() { "PostgreSQL" } else { "SQLite" },
        read.len(),
        starred.len()
    );

    let base = ItemQuery {
        user: user.id,
        read: Some(false),
        limit: 50,
        ..Default::default()
    };
    let middle = ids.get(ids.len() / 2).copied();
    let one_feed = Scope::Feed(feed_ids[feeds / 2]);
    println!("{:<44} {:>10} {:>10} {:>10}", "operation", "p50 ms", "p99 ms", "max ms");
    let s: &dyn Store = store.as_ref();
    report(
        "reading list: 50 newest unread",
        time(repeats, || async { s.items(&base).await.map(drop) }).await?,
    );
    let deep = ItemQuery {
        before_id: middle,
        ..base.clone()
    };
    report(
        "reading list: 50 unread from the middle",
        time(repeats, || async { s.items(&deep).await.map(drop) }).await?,
    );
    let feed_page = ItemQuery {
        scope: one_feed,
        ..base.clone()
    };
    report(
        "one feed: 50 newest unread",
        time(repeats, || async { s.items(&feed_page).await.map(drop) }).await?,
    );
    let stars = ItemQuery {
        read: None,
        starred: Some(true),
        ..base.clone()
    };
    report(
        "starred: 50 newest",
        time(repeats, || async { s.items(&stars).await.map(drop) }).await?,
    );
    report(
        "unread counts per feed",
        time(repeats, || async { s.unread_counts(user.id).await.map(drop) }).await?,
    );
    report(
        "unread total (count_items)",
        time(repeats, || async { s.count_items(&base).await.map(drop) }).await?,
    );
    let all_unread = ItemQuery {
        limit: 10_000,
        ..base.clone()
    };
    report(
        "unread ids, newest 10,000 (Fever)",
        time(repeats, || async { s.item_ids(&all_unread).await.map(drop) }).await?,
    );
    let mut flip = false;
    let target = ids.last().copied().unwrap_or_default();
    let mut marks = Vec::with_capacity(repeats);
    for _ in 0..repeats.max(1) {
        flip = !flip;
        let at = Instant::now();
        s.mark(
            user.id,
            &[target],
            Marks {
                read: Some(flip),
                starred: None,
            },
        )
        .await?;
        marks.push(at.elapsed());
    }
    report("mark one article read/unread", marks);
    Ok(ExitCode::SUCCESS)
}

/// Times `op` `repeats` times (after one warm-up run).
async fn time<F, Fut>(repeats: usize, op: F) -> Result<Vec<Duration>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = tracewire_store::Result<()>>,
{
    op().await?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats.max(1) {
        let at = Instant::now();
        op().await?;
        times.push(at.elapsed());
    }
    Ok(times)
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what:<44} {:>10.2} {:>10.2} {:>10.2}",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    );
}

/// Generated article `i` of `feed`: a title and a paragraph or two.
fn article(feed: i64, i: usize) -> NewArticle {
    let fetched_at = DateTime::from_timestamp(1_700_000_000 + i as i64 * 30, 0).unwrap_or_else(Utc::now);
    let text = format!(
        "Story {i} begins with what happened and who said so. Officials met on day {} to discuss the \
         matter, and a spokesman told reporters the talks would go on. More detail follows in the \
         second paragraph, as it does in most news copy.",
        i % 365
    );
    NewArticle {
        feed_id: feed,
        guid: format!("bench-{i}"),
        url: format!("https://bench.invalid/{feed}/{i}"),
        site: format!("site{feed}.bench.invalid"),
        canonical_url: None,
        title: format!("Generated story {i}"),
        byline: Some("Bench Writer".to_string()),
        published: Some(fetched_at),
        site_name: None,
        language: Some("en".to_string()),
        source_url: None,
        attributions: Vec::new(),
        html: format!("<p>{text}</p>"),
        text,
        fetched_at,
        annotations: Default::default(),
    }
}
