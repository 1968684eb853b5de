//! The subcommands. Each opens what it needs, does its job, and reports in
//! plain words on stdout (results) and stderr (progress, errors).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tracewire_ingest::opml_io::{OpmlFeed, read_opml, write_opml};
use tracewire_ingest::{CrawlEvent, CrawlReport, Crawler, Fetcher, Validators};
use tracewire_model::FeedStatus;
use tracewire_store::{MAX_PAGE_ATTEMPTS, NewFeed, SchemaVersion, Store, StoreError, open_embedded};
use tracewire_web::AppState;

use crate::GlobalArgs;
use crate::config::Config;
use crate::progress;

/// What every command starts from: the global flags and the configuration
/// (file, then flags and environment).
pub struct Setup {
    pub global: GlobalArgs,
    pub config: Config,
}

impl Setup {
    pub fn new(global: GlobalArgs) -> Result<Setup> {
        let default_path = global.data_dir.join("config.toml");
        let path = global
            .config
            .clone()
            .or_else(|| default_path.exists().then_some(default_path));
        let mut config = Config::load(path.as_deref())?;
        if global.allow_private_networks {
            config.fetch.allow_private_networks = true;
        }
        if let Some(t) = global.fetch_timeout {
            config.fetch.timeout_secs = t;
        }
        if let Some(ms) = global.per_host_interval_ms {
            config.crawl.per_host_interval_ms = ms;
        }
        if let Some(n) = global.max_body_bytes {
            config.fetch.max_body_bytes = n;
        }
        Ok(Setup { global, config })
    }
}

pub(crate) async fn open_store(ctx: &Setup) -> Result<Arc<dyn Store>> {
    Ok(open_versioned(ctx).await?.0)
}

async fn open_versioned(ctx: &Setup) -> Result<(Arc<dyn Store>, SchemaVersion)> {
    let dir = &ctx.global.data_dir;
    let opened = tracewire_store::open(ctx.global.database.as_deref(), dir).await;
    match &ctx.global.database {
        // The store's errors name the server without its password.
        Some(_) => opened.context("cannot open the PostgreSQL database (--database / TRACEWIRE_DATABASE_URL)"),
        None => opened.with_context(|| format!("cannot open the database in {}", dir.display())),
    }
}

pub async fn migrate(ctx: &Setup) -> Result<ExitCode> {
    let (_, version) = open_versioned(ctx).await?;
    match version.before {
        None => println!("created the schema, version {}", version.now),
        Some(before) if before == version.now => println!("the schema is up to date (version {before})"),
        Some(before) => println!("migrated the schema from version {before} to {}", version.now),
    }
    Ok(ExitCode::SUCCESS)
}

fn register_metrics(metrics: tracewire_ingest::CrawlMetrics) -> tracewire_web::RegisterMetrics {
    Arc::new(move |registry| metrics.register(registry))
}

/// A crawl-only process: claims work from the queue until Ctrl-C or
/// SIGTERM, then gives back what it holds.
pub async fn worker(ctx: &Setup, listen: Option<&str>) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let crawler = crawler(&ctx.config, store.clone())?;
    let metrics = register_metrics(crawler.metrics());
    tracing::info!(worker = crawler.worker(), "worker started");
    let ops = match listen {
        Some(listen) => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen} (is another process using it?)"))?;
            println!("worker health and metrics on http://{}/metrics", listener.local_addr()?);
            let state = AppState {
                store,
                config: Arc::new(ctx.config.web_config()),
                crawl_metrics: Some(metrics),
                search: None,
                throttle: Default::default(),
            };
            Some(tokio::spawn(tracewire_web::serve_ops(listener, state)))
        }
        None => None,
    };
    crawler.run(shutdown_signal()).await?;
    if let Some(ops) = ops {
        ops.abort();
    }
    Ok(ExitCode::SUCCESS)
}

fn crawler(config: &Config, store: Arc<dyn Store>) -> Result<Crawler> {
    let fetcher = Fetcher::new(config.fetch_config())?;
    Ok(Crawler::new(store, fetcher, config.crawl_config()))
}

fn interval_secs(config: &Config) -> i64 {
    config.crawl_config().default_interval.as_secs() as i64
}

pub async fn feeds_add(ctx: &Setup, urls: &[String], no_check: bool) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let crawler = crawler(&ctx.config, store.clone())?;
    let mut failures = 0;
    for raw in urls {
        match add_one(&crawler, store.as_ref(), raw, no_check, interval_secs(&ctx.config)).await {
            Ok(line) => println!("{line}"),
            Err(e) => {
                failures += 1;
                eprintln!("error: {raw}: {e:#}");
            }
        }
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn add_one(crawler: &Crawler, store: &dyn Store, raw: &str, no_check: bool, interval: i64) -> Result<String> {
    let url = normalize_url(raw)?;
    if let Some(existing) = store.feed_by_url(&url).await? {
        bail!("already subscribed as feed #{}", existing.id);
    }
    let (feed_url, title, site_url, note) = if no_check {
        (url.clone(), None, None, String::new())
    } else {
        let resolved = crawler
            .resolve_subscription(&url)
            .await
            .map_err(|e| anyhow::anyhow!("{e}\n  (use --no-check to subscribe anyway)"))?;
        let note = if resolved.discovered {
            format!("(advertised by {url})")
        } else {
            String::new()
        };
        (resolved.feed_url, resolved.title, resolved.site_url, note)
    };
    let feed = match store
        .add_feed(NewFeed {
            url: feed_url.clone(),
            title,
            site_url,
            interval_secs: interval,
        })
        .await
    {
        Ok(f) => f,
        Err(StoreError::DuplicateFeed(u)) => bail!("{u} is already subscribed"),
        Err(e) => return Err(e.into()),
    };
    // The operator's feeds: every administrator reads them.
    for admin in store.users().await?.into_iter().filter(|u| u.is_admin) {
        store.subscribe(admin.id, feed.id, None, None).await?;
    }
    Ok(format!(
        "added feed #{}: {}{} {}",
        feed.id,
        feed.title.as_deref().map(|t| format!("{t} ")).unwrap_or_default(),
        feed.url,
        note
    )
    .trim_end()
    .to_string())
}

/// Accepts `example.com/feed` as `https://example.com/feed`; refuses what is
/// not an http(s) URL.
fn normalize_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    let candidate = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&candidate).with_context(|| format!("{raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("only http and https feeds are supported, not {}", url.scheme());
    }
    Ok(url.to_string())
}

/// Failed page jobs `feeds list` shows at most.
const FAILED_PAGES_LISTED: i64 = 20;

pub async fn feeds_list(ctx: &Setup) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let feeds = store.feeds().await?;
    if feeds.is_empty() {
        println!("No feeds. Add one with: tracewire feeds add URL");
        return Ok(ExitCode::SUCCESS);
    }
    for f in feeds {
        let fetched = f
            .last_fetched
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "never".to_string());
        println!(
            "#{:<4} {:<6} {}  (fetched {}, next {})",
            f.id,
            f.status.as_str(),
            f.title.as_deref().unwrap_or("(untitled)"),
            fetched,
            f.next_fetch_at.format("%Y-%m-%d %H:%M")
        );
        println!("      {}", f.url);
        if matches!(f.status, FeedStatus::Error | FeedStatus::Stopped)
            && let Some(e) = &f.last_error
        {
            println!("      last error: {e}");
            if f.status == FeedStatus::Stopped {
                println!(
                    "      not polled any more; `tracewire feeds resume {}` polls it again",
                    f.id
                );
            } else {
                println!(
                    "      {} failed fetches in a row (weighted {:.1}); retried with backoff, never dropped",
                    f.error_count, f.failure_weight
                );
            }
        }
    }
    let failed = store.page_jobs(true, FAILED_PAGES_LISTED).await?;
    if !failed.is_empty() {
        println!("\nEntries given up on (their pages failed {MAX_PAGE_ATTEMPTS} times; newest first):");
        for (job, error) in failed {
            println!(
                "  feed #{} {}: {}",
                job.feed_id,
                job.guid,
                error.as_deref().unwrap_or("no reason kept")
            );
        }
        println!("`tracewire feeds resume ID` tries a feed's entries again.");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn feeds_resume(ctx: &Setup, id: i64) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    if store.resume_feed(id).await? {
        println!("feed #{id} will be fetched in the next crawl");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: there is no feed #{id} (see `tracewire feeds list`)");
        Ok(ExitCode::FAILURE)
    }
}

pub async fn feeds_remove(ctx: &Setup, id: i64) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    if store.remove_feed(id).await? {
        println!("removed feed #{id} and its articles");
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("there is no feed #{id} (see `tracewire feeds list`)");
    }
}

pub async fn feeds_import(ctx: &Setup, file: &Path) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let feeds = read_opml(&text).with_context(|| format!("cannot import {}", file.display()))?;
    let store = open_store(ctx).await?;
    let (mut added, mut existing) = (0, 0);
    for f in feeds {
        let Ok(url) = normalize_url(&f.url) else {
            eprintln!("warning: skipping {:?}: not an http(s) URL", f.url);
            continue;
        };
        match store
            .add_feed(NewFeed {
                url,
                title: f.title,
                site_url: f.site_url,
                interval_secs: interval_secs(&ctx.config),
            })
            .await
        {
            Ok(_) => added += 1,
            Err(StoreError::DuplicateFeed(_)) => existing += 1,
            Err(e) => return Err(e.into()),
        }
    }
    println!(
        "imported {added} feeds ({existing} already subscribed) from {}",
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn feeds_export(ctx: &Setup) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let feeds: Vec<OpmlFeed> = store
        .feeds()
        .await?
        .into_iter()
        .map(|f| OpmlFeed {
            url: f.url,
            title: f.title,
            site_url: f.site_url,
        })
        .collect();
    print!("{}", write_opml(&feeds)?);
    Ok(ExitCode::SUCCESS)
}

/// Runs one crawl round with a progress bar (terminal) or log lines.
async fn crawl_round(crawler: Crawler, force: bool, show_progress: bool) -> Result<CrawlReport> {
    let bar = progress::bar(show_progress, "crawling");
    let sink_bar = bar.clone();
    let crawler = crawler.with_events(move |event| match (event, &sink_bar) {
        (CrawlEvent::FeedsDue(n), Some(b)) => b.inc_length(*n as u64),
        (CrawlEvent::EntriesFound { count, .. }, Some(b)) => b.inc_length(*count as u64),
        (CrawlEvent::EntryDone { .. }, Some(b)) => b.inc(1),
        (CrawlEvent::FeedDone(r), Some(b)) => {
            b.inc(1);
            b.set_message(r.url.clone());
        }
        (CrawlEvent::FeedsDue(n), None) => tracing::info!(feeds = n, "crawl started"),
        (CrawlEvent::FeedDone(r), None) => tracing::info!(
            feed = %r.url,
            new_articles = r.new_articles,
            not_modified = r.not_modified,
            failed = r.error.is_some(),
            "feed done"
        ),
        _ => {}
    });
    let report = crawler.crawl_once(force).await;
    progress::clear();
    Ok(report?)
}

fn print_report(report: &CrawlReport) {
    let not_modified = report.feeds.iter().filter(|f| f.not_modified).count();
    println!(
        "crawled {} feeds: {} new articles, {} not modified, {} failed; {} relations between copies",
        report.fetched_feeds(),
        report.new_articles(),
        not_modified,
        report.failed_feeds(),
        report.relations()
    );
    for f in &report.feeds {
        if let Some(e) = &f.error {
            println!("  feed #{} {}: {e}", f.feed_id, f.url);
        }
        for skipped in &f.skipped_entries {
            println!("  feed #{}: entry left for the next crawl: {skipped}", f.feed_id);
        }
    }
}

pub async fn crawl(ctx: &Setup, once: bool, force: bool, show_progress: bool) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    if once {
        let report = crawl_round(crawler(&ctx.config, store)?, force, show_progress).await?;
        print_report(&report);
        return Ok(ExitCode::SUCCESS);
    }
    tracing::info!("crawling on schedule; press Ctrl-C to stop");
    let crawler = crawler(&ctx.config, store)?;
    crawler.run(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn extract(ctx: &Setup, input: &str, base_url: Option<&str>) -> Result<ExitCode> {
    let (html, base) = if input.starts_with("http://") || input.starts_with("https://") {
        let fetcher = Fetcher::new(ctx.config.fetch_config())?;
        let page = fetcher.get(input, &Validators::default()).await?;
        let html = tracewire_extract::decode_html(&page.body, page.content_type.as_deref());
        (html, Some(page.final_url))
    } else {
        let bytes = crate::batch::read_page_file(std::path::Path::new(input), input.ends_with(".gz"))?;
        let base = base_url
            .map(|b| url::Url::parse(b).with_context(|| format!("--base-url {b:?} is not a URL")))
            .transpose()?;
        (tracewire_extract::decode_html(&bytes, None), base)
    };
    let extracted = tracewire_extract::extract(&html, base.as_ref());
    println!("{}", serde_json::to_string_pretty(&extracted)?);
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(ctx: &Setup, listen: &str, with_worker: bool) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (is another server using it? try --listen 127.0.0.1:0)"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (worker, crawl_metrics) = if with_worker {
        let crawler = crawler(&ctx.config, store.clone())?;
        let metrics = register_metrics(crawler.metrics());
        let mut stopped = stopped.clone();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                // An error means the sender is gone: stop as well.
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(e) = crawler.run(shutdown).await {
                tracing::error!(error = %e, "the background crawler stopped");
            }
        });
        (Some(task), Some(metrics))
    } else {
        (None, None)
    };
    let search = crate::search::start_search(&ctx.global.data_dir, store.clone()).await?;
    let first_password = crate::users::ensure_first_user(store.as_ref()).await?;
    let state = AppState {
        store,
        config: Arc::new(ctx.config.web_config()),
        crawl_metrics,
        search: Some(search),
        throttle: Default::default(),
    };
    println!("Tracewire is serving on http://{addr}/");
    if let Some(password) = first_password {
        println!(
            "{}",
            crate::users::first_user_note(&format!("http://{addr}"), &password)
        );
    }
    tracewire_web::serve(listener, state, shutdown_signal()).await?;
    if let Some(w) = worker {
        // The crawler gives back its claims before it ends.
        let _ = stop.send(true);
        if tokio::time::timeout(std::time::Duration::from_secs(10), w)
            .await
            .is_err()
        {
            tracing::warn!("the background crawler did not stop in 10 s; its claims run out with their leases");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn demo(ctx: &Setup, listen: &str, keep_crawling: bool, show_progress: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut config = ctx.config.clone();
    // The demo web lives on 127.0.0.1 by design.
    config.fetch.allow_private_networks = true;
    // It is our own server: no need to pace requests to it.
    config.crawl.per_host_interval_ms = 0;
    // A feed added from the web UI is read within seconds.
    config.crawl.tick_secs = 2;
    let web = tracewire_testkit::demo::start_demo_web()
        .await
        .context("cannot start the demo web on 127.0.0.1")?;
    let data = tempfile::Builder::new()
        .prefix("tracewire-demo-")
        .tempdir()
        .context("cannot create a temporary data directory for the demo")?;
    let store = open_embedded(data.path()).await?;
    println!(
        "demo web: {} sites on 127.0.0.1; demo database in {}",
        web.sites.len(),
        data.path().display()
    );
    let crawler = crawler(&config, store.clone())?;
    for site in &web.sites {
        let line = add_one(&crawler, store.as_ref(), &site.home_url, false, interval_secs(&config)).await?;
        println!("  {line}");
    }
    let report = crawl_round(crawler, false, show_progress).await?;
    print_report(&report);
    // Then it goes on crawling, as `serve` does: feeds added on the web
    // are read. Its claims die with the demo's temporary database.
    if keep_crawling {
        let background = self::crawler(&config, store.clone())?;
        tokio::spawn(async move {
            if let Err(e) = background.run(std::future::pending()).await {
                tracing::error!(error = %e, "the demo's crawler stopped");
            }
        });
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (is another server using it? try --listen 127.0.0.1:0)"))?;
    let addr = listener.local_addr()?;
    let search = crate::search::start_search(data.path(), store.clone()).await?;
    // Made after the feeds were added: the first account reads them all.
    let first_password = crate::users::ensure_first_user(store.as_ref()).await?;
    let state = AppState {
        store,
        config: Arc::new(config.web_config()),
        crawl_metrics: None,
        search: Some(search),
        throttle: Default::default(),
    };
    println!(
        "ready in {:.1}s. Open http://{addr}/ (Ctrl-C to stop)",
        started.elapsed().as_secs_f64()
    );
    if let Some(password) = first_password {
        println!(
            "{}",
            crate::users::first_user_note(&format!("http://{addr}"), &password)
        );
    }
    tracewire_web::serve(listener, state, shutdown_signal()).await?;
    drop(web);
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what a service manager or container runtime sends).
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler available: run until killed.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}

pub async fn stories_list(ctx: &Setup, limit: i64) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let stories = store.recent_stories(5000, limit.clamp(1, 1000), 0).await?;
    if stories.is_empty() {
        println!("No stories yet: they form as articles are crawled.");
    }
    for s in stories {
        let s = s.summary;
        println!(
            "#{:<6} {:>3} articles {:>3} sites  {}  {}",
            s.id,
            s.articles,
            s.sites,
            s.last.format("%Y-%m-%d"),
            s.headline
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn stories_show(ctx: &Setup, id: i64) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let Some(story) = store.story(id).await? else {
        bail!("no story #{id}; `tracewire stories list` shows them");
    };
    println!("#{} {}", story.summary.id, story.summary.headline);
    for m in story.members {
        println!(
            "  {}  article {:<6} {:<8} {}  ({})",
            m.date.format("%Y-%m-%d %H:%M"),
            m.article.id,
            m.joined_by,
            m.article.title,
            m.article.site
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn stories_merge(ctx: &Setup, into: i64, from: i64) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    if into == from {
        bail!("a story cannot be merged into itself");
    }
    if !store.merge_stories(into, from).await? {
        bail!("no story #{into} or #{from}; `tracewire stories list` shows them");
    }
    println!("merged story #{from} into #{into}");
    Ok(ExitCode::SUCCESS)
}

pub async fn stories_split(ctx: &Setup, story: i64, articles: &[i64]) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    match store.split_story(story, articles).await? {
        Some(new) => {
            println!("moved {} articles of story #{story} into story #{new}", articles.len());
            Ok(ExitCode::SUCCESS)
        }
        None => bail!(
            "nothing to split: give some, not all, of the articles of story #{story} (`tracewire stories show {story}`)"
        ),
    }
}

/// `tracewire reannotate`: every stored article read again by this
/// version's annotator, in id order (so stories form as they would have on
/// arrival); articles already in a story keep it.
pub async fn reannotate(ctx: &Setup, show_progress: bool) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let total = store.count_articles().await?;
    let bar = progress::bar(show_progress, "reading");
    if let Some(bar) = &bar {
        bar.set_length(total.max(0) as u64);
    }
    let (mut after, mut done, mut quotes, mut stories) = (0, 0u64, 0usize, 0usize);
    loop {
        let batch = store.articles_for_index(after, 200).await?;
        let Some(last) = batch.last().map(|a| a.id) else {
            break;
        };
        after = last;
        for listed in batch {
            let Some(a) = store.article(listed.id).await? else {
                continue;
            };
            let annotations = tracewire_ingest::annotate::annotate(&a.text);
            quotes += annotations.quotes.len();
            store.put_annotations(a.id, &annotations).await?;
            if store.story_of(a.id).await?.is_none() {
                let id = a.id;
                let new = a.into_new(annotations);
                tracewire_ingest::stories::assign_story(store.as_ref(), id, &new).await?;
                stories += 1;
            }
            done += 1;
            if let Some(bar) = &bar {
                bar.set_position(done);
            }
        }
    }
    progress::clear();
    println!(
        "read {done} articles again: {quotes} quotes; {stories} put in a story. Run `tracewire reindex` so search sees them."
    );
    Ok(ExitCode::SUCCESS)
}
