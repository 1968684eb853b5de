//! `tracewire bench scale`: how the crawl's throughput grows with workers.
//!
//! A fixture web (`tracewire_testkit::scale_web`, the one `tests/scale_out.rs`
//! crawls: sites on loopback addresses of their own, answering after a
//! delay) is crawled from scratch by 1, 2, 4… `tracewire worker` processes
//! (this executable) sharing one PostgreSQL database, a fresh schema each
//! run, and once by one process on the embedded SQLite. Entries per second
//! run from the first feed claim to the last article stored, both seen by
//! polling the store every 50 ms.
//!
//! It measures the crawler, not the fixture sites' politeness: per-host
//! pacing is off unless `--per-host-interval-ms` asks for it, and the limit
//! on requests in flight per host (2 by default, as in production) stays,
//! so that what the sites could answer (sites × limit ÷ latency) is far above
//! what the workers do. Each run checks that every entry was stored and
//! that no site saw more requests at once than the limit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sqlx::Connection;
use tokio::process::{Child, Command};
use tracewire_store::{NewFeed, Store};
use tracewire_testkit::scale_web::{ScaleWeb, ScaleWebConfig};

use crate::GlobalArgs;

#[derive(clap::Args, Clone)]
pub struct ScaleArgs {
    /// Entries (article pages) in the fixture web.
    #[arg(long, default_value_t = 5_000)]
    entries: usize,
    /// Sites, each on a loopback address of its own (127.0.0.2 and up).
    #[arg(long, default_value_t = 20)]
    sites: usize,
    /// Mean time a site takes to answer, in milliseconds (each page's own
    /// delay is drawn from half to one and a half times this).
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Worker processes on PostgreSQL (--database), one run per count.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    workers: Vec<usize>,
    /// Requests in flight to one host, across every worker.
    #[arg(long, default_value_t = 2)]
    per_host_concurrency: usize,
    /// Page jobs each worker runs at once.
    #[arg(long, default_value_t = 8)]
    page_concurrency: usize,
    /// Leave out the run on the embedded SQLite.
    #[arg(long)]
    no_sqlite: bool,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Where one run's store lives.
enum Backend {
    /// A fresh schema in the database at this URL (dropped after the run).
    Postgres(String),
    /// The embedded SQLite in the run's data directory.
    Sqlite,
}

/// One run's figures.
struct Measured {
    seconds: f64,
    max_in_flight: usize,
    refetches: usize,
    cpu: Option<CpuShares>,
}

/// Where the machine's CPU went between the first claim and the last
/// article, as shares of all its cores' time (Linux: `/proc`).
#[derive(Debug, Clone, Copy)]
struct CpuShares {
    /// The machine was busy (not idle, not waiting for I/O).
    busy: f64,
    /// The worker processes.
    workers: f64,
    /// This process: the fixture web and the polling.
    bench: f64,
    /// PostgreSQL's server processes on this machine.
    postgres: f64,
}

impl CpuShares {
    /// The rest of the busy time: whatever else runs on the machine.
    fn rest(&self) -> f64 {
        (self.busy - self.workers - self.bench - self.postgres).max(0.0)
    }
}

/// CPU time counters, in clock ticks: the machine's (all cores), and the
/// workers' and this process's.
#[derive(Debug, Clone)]
struct CpuSample {
    total: u64,
    busy: u64,
    workers: u64,
    bench: u64,
    /// Each PostgreSQL server process's (one per connection).
    postgres: HashMap<u32, u64>,
}

impl CpuSample {
    fn take(workers: &[Child]) -> Option<CpuSample> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal …
        let total: u64 = ticks.iter().take(8).sum();
        let idle = ticks.get(3)? + ticks.get(4)?;
        let mut worker_ticks = 0;
        for child in workers {
            worker_ticks += process_ticks(&child.id()?.to_string())?;
        }
        Some(CpuSample {
            total,
            busy: total.saturating_sub(idle),
            workers: worker_ticks,
            bench: process_ticks("self")?,
            postgres: postgres_ticks(),
        })
    }

    fn shares_since(&self, start: &CpuSample) -> Option<CpuShares> {
        let total = self.total.checked_sub(start.total).filter(|t| *t > 0)? as f64;
        Some(CpuShares {
            busy: self.busy.saturating_sub(start.busy) as f64 / total,
            workers: self.workers.saturating_sub(start.workers) as f64 / total,
            bench: self.bench.saturating_sub(start.bench) as f64 / total,
            // A connection opened since counts from zero; one closed since
            // is not counted (the pools keep theirs for the whole run).
            postgres: self
                .postgres
                .iter()
                .map(|(pid, ticks)| ticks.saturating_sub(start.postgres.get(pid).copied().unwrap_or(0)))
                .sum::<u64>() as f64
                / total,
        })
    }
}

/// Every process named `postgres` and its CPU time so far.
fn postgres_ticks() -> HashMap<u32, u64> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (comm.trim() == "postgres").then_some(())?;
        Some((pid, process_ticks(&pid.to_string())?))
    })
    .collect()
}

/// A process's user and system time, in clock ticks (`/proc/<pid>/stat`,
/// fields 14 and 15, counted after the command name in parentheses).
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// No article stored for this long: the run has stalled.
const STALL: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(50);

/// `tracewire bench scale`.
pub async fn bench_scale(args: &ScaleArgs, global: &GlobalArgs, show_progress: bool) -> Result<ExitCode> {
    let exe = std::env::current_exe().context("cannot find this executable to start workers")?;
    let interval_ms = global.per_host_interval_ms.unwrap_or(0);
    let web_config = ScaleWebConfig {
        sites: args.sites,
        entries: args.entries,
        entries_per_feed: 50,
        latency: Duration::from_millis(args.latency_ms),
        seed: args.seed,
    };
    println!(
        "fixture web: {} entries in RSS feeds of up to 50 on {} sites (127.0.0.2 and up), pages of generated \
         news text, each answered in {}–{} ms",
        args.entries,
        args.sites,
        args.latency_ms / 2,
        args.latency_ms * 3 / 2
    );
    println!(
        "politeness: {} requests in flight per host across all workers; {interval_ms} ms between request starts \
         to a host{}",
        args.per_host_concurrency,
        if interval_ms == 0 {
            " (pacing off: the sites could answer far more than the workers ask, so the figures are the crawler's)"
        } else {
            ""
        }
    );
    println!(
        "workers: `tracewire worker` processes, {} page jobs and 4 feeds each at once; entries/s from the first \
         feed claim to the last article stored (polled every {} ms)",
        args.page_concurrency,
        POLL.as_millis()
    );
    let mut runs: Vec<(usize, Backend)> = Vec::new();
    match global.database.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            for &n in &args.workers {
                runs.push((n.max(1), Backend::Postgres(url.to_string())));
            }
        }
        None => println!("no --database postgres://…: the PostgreSQL runs are left out"),
    }
    if !args.no_sqlite {
        runs.push((1, Backend::Sqlite));
    }
    println!(
        "cpu: shares of the machine's {} cores over the timed span: busy in all; the workers; this process (the \
         fixture web); PostgreSQL's server; the rest (whatever else runs on the machine)",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "{:>7} {:>10} {:>8} {:>8} {:>10} {:>19} {:>10} {:>9} {:>8} {:>8} {:>9} {:>6}",
        "workers",
        "backend",
        "entries",
        "seconds",
        "entries/s",
        "max in flight/host",
        "refetches",
        "cpu busy",
        "workers",
        "fixture",
        "postgres",
        "rest"
    );
    let mut rates: Vec<(usize, &'static str, f64)> = Vec::new();
    for (workers, backend) in &runs {
        let name = match backend {
            Backend::Postgres(_) => "postgres",
            Backend::Sqlite => "sqlite",
        };
        let m = run(&exe, args, interval_ms, &web_config, *workers, backend, show_progress)
            .await
            .with_context(|| format!("the run with {workers} workers on {name} failed"))?;
        let rate = args.entries as f64 / m.seconds;
        let percent = |share: Option<f64>| share.map_or("-".to_string(), |s| format!("{:.0} %", s * 100.0));
        println!(
            "{workers:>7} {name:>10} {:>8} {:>8.1} {rate:>10.1} {:>19} {:>10} {:>9} {:>8} {:>8} {:>9} {:>6}",
            args.entries,
            m.seconds,
            m.max_in_flight,
            m.refetches,
            percent(m.cpu.map(|c| c.busy)),
            percent(m.cpu.map(|c| c.workers)),
            percent(m.cpu.map(|c| c.bench)),
            percent(m.cpu.map(|c| c.postgres)),
            percent(m.cpu.map(|c| c.rest())),
        );
        rates.push((*workers, name, rate));
    }
    let base = rates.iter().find(|(n, b, _)| *n == 1 && *b == "postgres").map(|r| r.2);
    if let Some(base) = base {
        for (n, backend, rate) in &rates {
            if (*n, *backend) != (1, "postgres") {
                println!("ratio   {n} on {backend} / 1 on postgres: {:.2}x", rate / base);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Crawls a fresh fixture web into a fresh store with `workers` processes.
async fn run(
    exe: &Path,
    args: &ScaleArgs,
    interval_ms: u64,
    web_config: &ScaleWebConfig,
    workers: usize,
    backend: &Backend,
    show_progress: bool,
) -> Result<Measured> {
    let web = ScaleWeb::start(web_config)
        .await
        .context("cannot start the fixture web on loopback")?;
    if !web.distinct_hosts {
        tracing::warn!("127.0.0.2 and up cannot be bound here: every site is on 127.0.0.1, one host");
    }
    let data = tempfile::Builder::new()
        .prefix("tracewire-bench-scale-")
        .tempdir()
        .context("cannot create a temporary data directory")?;
    std::fs::write(
        data.path().join("config.toml"),
        format!(
            "[crawl]\nfeed_concurrency = 4\npage_concurrency = {}\nper_host_concurrency = {}\n\
             per_host_interval_ms = {interval_ms}\nlease_secs = 30\ntick_secs = 1\nwebsub = false\n",
            args.page_concurrency.max(1),
            args.per_host_concurrency.max(1)
        ),
    )?;
    let schema = match backend {
        Backend::Postgres(url) => Some(Schema::create(url).await?),
        Backend::Sqlite => None,
    };
    let database = schema.as_ref().map(Schema::url);
    let measured = crawl(exe, data.path(), database.as_deref(), &web, workers, show_progress).await;
    crate::progress::clear();
    if let Some(schema) = schema {
        schema.drop_it().await?;
    }
    let (seconds, cpu) = measured?;
    let max_in_flight = web.max_in_flight();
    if max_in_flight > args.per_host_concurrency.max(1) {
        bail!(
            "a site had {max_in_flight} requests in flight, over the limit of {}",
            args.per_host_concurrency
        );
    }
    Ok(Measured {
        seconds,
        max_in_flight,
        refetches: web.page_refetches(),
        cpu,
    })
}

/// Subscribes the web's feeds, starts the workers and waits for the last
/// article; the seconds from the first feed claim to it, and where the
/// CPU went meanwhile.
async fn crawl(
    exe: &Path,
    data: &Path,
    database: Option<&str>,
    web: &ScaleWeb,
    workers: usize,
    show_progress: bool,
) -> Result<(f64, Option<CpuShares>)> {
    let (store, _) = tracewire_store::open(database, data).await?;
    for url in &web.feed_urls {
        store
            .add_feed(NewFeed {
                url: url.clone(),
                title: None,
                site_url: None,
                interval_secs: 3600,
            })
            .await?;
    }
    let feeds = web.feed_urls.len() as i64;
    let entries = web.entries.len() as i64;
    let mut children = Vec::with_capacity(workers);
    for n in 0..workers {
        children.push(start_worker(exe, data, database, n)?);
    }
    let bar = crate::progress::bar(show_progress, &format!("{workers} workers"));
    if let Some(bar) = &bar {
        bar.set_length(entries as u64);
    }
    let result = watch(store.as_ref(), &mut children, data, feeds, entries, bar.as_ref()).await;
    for child in &mut children {
        stop(child).await;
    }
    result
}

/// Polls the store until every entry is stored and the queue is empty.
async fn watch(
    store: &dyn Store,
    children: &mut [Child],
    data: &Path,
    feeds: i64,
    entries: i64,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<(f64, Option<CpuShares>)> {
    let mut first_claim: Option<(Instant, Option<CpuSample>)> = None;
    let (mut stored, mut moved) = (0, Instant::now());
    loop {
        for (n, child) in children.iter_mut().enumerate() {
            if let Some(status) = child.try_wait()? {
                bail!("worker {n} exited with {status}: {}", log_tail(&log_path(data, n)));
            }
        }
        let now = chrono::Utc::now();
        if first_claim.is_none() {
            let stats = store.queue_stats(now).await?;
            if stats.feeds_due < feeds {
                first_claim = Some((Instant::now(), CpuSample::take(children)));
            }
        }
        let count = store.count_articles().await?;
        if count > stored {
            match bar {
                Some(bar) => bar.set_position(count as u64),
                None if count * 10 / entries.max(1) > stored * 10 / entries.max(1) => {
                    tracing::info!("{count}/{entries} entries stored");
                }
                None => {}
            }
            (stored, moved) = (count, Instant::now());
        }
        if count >= entries {
            let last = Instant::now();
            let cpu = CpuSample::take(children);
            // The last jobs end just after their articles are stored.
            let mut stats = store.queue_stats(chrono::Utc::now()).await?;
            while stats.pages_queued + stats.pages_claimed + stats.pages_failed > 0 {
                if last.elapsed() > Duration::from_secs(30) {
                    bail!("every entry is stored, yet page jobs are left after 30 s: {stats:?}");
                }
                tokio::time::sleep(POLL).await;
                stats = store.queue_stats(chrono::Utc::now()).await?;
            }
            let (first, cpu_then) = first_claim.unwrap_or((last, None));
            let shares = cpu.zip(cpu_then).and_then(|(now, then)| now.shares_since(&then));
            return Ok(((last - first).as_secs_f64().max(f64::MIN_POSITIVE), shares));
        }
        if moved.elapsed() > STALL {
            bail!(
                "no article stored for {} s ({stored} of {entries}): {}",
                STALL.as_secs(),
                log_tail(&log_path(data, 0))
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

fn log_path(data: &Path, n: usize) -> PathBuf {
    data.join(format!("worker-{n}.log"))
}

fn start_worker(exe: &Path, data: &Path, database: Option<&str>, n: usize) -> Result<Child> {
    let log = std::fs::File::create(log_path(data, n))?;
    let mut c = Command::new(exe);
    c.arg("--data-dir").arg(data);
    if let Some(database) = database {
        c.args(["--database", database]);
    }
    c.args(["--allow-private-networks", "--log", "warn", "worker"])
        .env_remove("TRACEWIRE_CONFIG")
        .env_remove("TRACEWIRE_PER_HOST_INTERVAL_MS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    c.spawn().context("cannot start a worker")
}

/// SIGTERM (the worker gives back its claims), then SIGKILL if it has not
/// stopped within 15 s.
async fn stop(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    if tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// A schema of one run's own in the database at `admin_url`.
struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    async fn create(admin_url: &str) -> Result<Schema> {
        let name = format!(
            "tw_bench_scale_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros()
        );
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .context("cannot connect to the --database to create a schema for the run")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut conn)
            .await
            .with_context(|| format!("cannot create the schema {name}"))?;
        conn.close().await?;
        Ok(Schema {
            admin_url: admin_url.to_string(),
            name,
        })
    }

    /// The database URL with this schema as its search path.
    fn url(&self) -> String {
        let joint = if self.admin_url.contains('?') { '&' } else { '?' };
        format!("{}{joint}options=-c%20search_path%3D{}", self.admin_url, self.name)
    }

    async fn drop_it(self) -> Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .execute(&mut conn)
            .await
            .with_context(|| format!("cannot drop the schema {}", self.name))?;
        conn.close().await?;
        Ok(())
    }
}
