//! `tracewire search`, `tracewire reindex`, and the index a web process
//! keeps following the store.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tracewire_search::{SearchIndex, SearchQuery, Sort, WriterConfig, sync};
use tracewire_store::Store;

use crate::commands::{Setup, open_store};
use crate::progress;

/// How often a web process looks for new articles to index.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// How long a starting web process waits for the index to catch up before
/// it serves anyway (a big catch-up, after an upgrade, goes on behind).
const FIRST_CATCH_UP: Duration = Duration::from_secs(10);

/// Opens the search index in `data_dir` for a web process. When no other
/// process holds it, this one keeps it following the store; else it
/// searches what the holder keeps current.
pub async fn start_search(data_dir: &Path, store: Arc<dyn Store>) -> Result<Arc<SearchIndex>> {
    let index = SearchIndex::open(data_dir, WriterConfig::FOLLOW)
        .with_context(|| format!("cannot open the search index under {}", data_dir.display()))?;
    let index = Arc::new(index);
    if index.is_writer() {
        SearchIndex::remove_old_versions(data_dir);
        let (done, first_round) = tokio::sync::oneshot::channel();
        tokio::spawn(sync::follow(store, index.clone(), FOLLOW_EVERY, Some(done)));
        if tokio::time::timeout(FIRST_CATCH_UP, first_round).await.is_err() {
            tracing::info!("the search index is catching up with the database; searches find more as it goes");
        }
    } else {
        tracing::info!(
            dir = %index.dir().display(),
            "another process keeps the search index; this one searches it as that one writes"
        );
    }
    Ok(index)
}

/// Output of `tracewire search`.
pub struct SearchArgs<'a> {
    pub query: &'a str,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
    pub json: bool,
}

pub async fn search(ctx: &Setup, args: SearchArgs<'_>) -> Result<ExitCode> {
    let query = SearchQuery::parse(args.query).context("cannot read the search")?;
    let store = open_store(ctx).await?;
    let dir = &ctx.global.data_dir;
    let index = Arc::new(
        SearchIndex::open(dir, WriterConfig::FOLLOW)
            .with_context(|| format!("cannot open the search index under {}", dir.display()))?,
    );
    // Alone, catch up first; beside a running `serve`, that one does.
    if index.is_writer() {
        let added = sync::catch_up(store.as_ref(), &index, |_| {})
            .await
            .context("cannot bring the search index up to date")?;
        if added > 0 {
            tracing::info!(articles = added, "indexed the articles stored since the last search");
        }
    }
    let started = Instant::now();
    let page = sync::search(store.as_ref(), &index, &query, args.sort, args.limit, args.offset)
        .await
        .context("the search failed")?;
    let took = started.elapsed();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&page)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} {} ({:.1} ms)",
        page.total,
        if page.total == 1 { "article" } else { "articles" },
        took.as_secs_f64() * 1000.0
    );
    for (i, found) in page.hits.iter().enumerate() {
        let a = &found.article;
        let date = a
            .published
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        println!(
            "\n{}. {}\n   {} {} · /articles/{} · {}",
            args.offset + i + 1,
            a.title,
            a.site,
            date,
            a.id,
            a.url
        );
        println!("   {}", plain_snippet(&found.snippet));
    }
    let facet = |name: &str, values: &[(String, u64)]| {
        if !values.is_empty() {
            let listed: Vec<String> = values.iter().map(|(v, n)| format!("{v} ({n})")).collect();
            println!("{name}: {}", listed.join(", "));
        }
    };
    if !page.hits.is_empty() {
        println!();
    }
    facet("sites", &page.sites);
    facet("languages", &page.languages);
    Ok(ExitCode::SUCCESS)
}

/// A snippet's HTML as terminal text: the matches between `[` and `]`.
fn plain_snippet(html: &str) -> String {
    html.replace("<b>", "[")
        .replace("</b>", "]")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace('\n', " ")
}

pub async fn reindex(ctx: &Setup, show_progress: bool) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let dir = &ctx.global.data_dir;
    let index = Arc::new(
        SearchIndex::open_writer(dir, WriterConfig::rebuild())
            .with_context(|| format!("cannot rebuild the search index under {}", dir.display()))?,
    );
    let total = store.count_articles().await?;
    let bar = progress::bar(show_progress, "indexing");
    if let Some(bar) = &bar {
        bar.set_length(total.max(0) as u64);
    }
    let started = Instant::now();
    let mut logged = Instant::now();
    let added = sync::rebuild(store.as_ref(), &index, |n| {
        if let Some(bar) = &bar {
            bar.set_position(n as u64);
        } else if logged.elapsed() > Duration::from_secs(10) {
            logged = Instant::now();
            tracing::info!(articles = n, of = total, "indexing");
        }
    })
    .await;
    progress::clear();
    let added = added.context("the rebuild failed; the index is left partial, run `tracewire reindex` again")?;
    let index = Arc::try_unwrap(index).map_err(|_| anyhow::anyhow!("the search index is still in use"))?;
    index
        .finish_merges()
        .context("cannot finish merging the index's segments")?;
    SearchIndex::remove_old_versions(dir);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "indexed {added} articles in {secs:.1} s ({:.0} articles/s) into {}",
        added as f64 / secs.max(1e-9),
        dir.join(tracewire_search::INDEX_DIR).display()
    );
    Ok(ExitCode::SUCCESS)
}
