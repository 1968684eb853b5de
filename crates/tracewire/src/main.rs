//! `tracewire`: the one binary. Parses the command line, loads the
//! configuration, sets up logging and progress, and wires the crates together.

mod annotate;
mod batch;
mod bench_lookup;
mod bench_reader;
mod bench_scale;
mod bench_search;
mod check;
mod commands;
mod config;
mod conformance;
mod export;
mod progress;
mod relate;
mod search;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracewire_testkit::simulate::SimConfig;

// Parsing and extraction allocate many small strings and nodes; mimalloc
// serves them faster than glibc's allocator (see docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tracewire",
    version,
    about = "Self-hosted news aggregator and provenance engine"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub struct GlobalArgs {
    /// Where the embedded database lives (created on first use).
    #[arg(long, global = true, env = "TRACEWIRE_DATA_DIR", default_value = "./tracewire-data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL database to use instead of the embedded one
    /// (postgres://user:password@host/db); many workers and web servers
    /// may share it.
    #[arg(
        long,
        global = true,
        env = "TRACEWIRE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Configuration file (TOML); default: <data-dir>/config.toml if present.
    #[arg(long, global = true, env = "TRACEWIRE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Allow fetching from private, loopback and link-local addresses
    /// (TRACEWIRE_ALLOW_PRIVATE_NETWORKS=1 does the same).
    #[arg(long, global = true, env = "TRACEWIRE_ALLOW_PRIVATE_NETWORKS",
          action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_private_networks: bool,
    /// Whole-request fetch time limit in seconds (overrides the config file).
    #[arg(long, global = true, env = "TRACEWIRE_FETCH_TIMEOUT", value_name = "SECS")]
    pub fetch_timeout: Option<u64>,
    /// Least time between two requests to one host, in milliseconds
    /// (overrides the config file).
    #[arg(long, global = true, env = "TRACEWIRE_PER_HOST_INTERVAL_MS", value_name = "MS")]
    pub per_host_interval_ms: Option<u64>,
    /// Largest response body accepted, in bytes (overrides the config file).
    #[arg(long, global = true, env = "TRACEWIRE_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Log filter, e.g. "info" or "tracewire_ingest=debug".
    #[arg(long, global = true, env = "TRACEWIRE_LOG", default_value = "info")]
    pub log: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve an offline demo: a fixture web of news sites on 127.0.0.1,
    /// subscribed, crawled and served.
    Demo {
        /// Address for the web UI.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Crawl the demo web once, then no more: feeds added on the web
        /// are stored but never fetched (tests that add arbitrary feeds).
        #[arg(long)]
        no_crawl: bool,
    },
    /// Manage subscriptions.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Manage accounts: who may log in, read and use the reader APIs.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Fetch due feeds and their new articles.
    Crawl {
        /// Fetch once and exit (otherwise keep crawling on schedule).
        #[arg(long)]
        once: bool,
        /// Fetch every feed, due or not.
        #[arg(long)]
        force: bool,
    },
    /// Extract the article from an HTML file or URL and print it as JSON,
    /// or from every page in a folder (--batch).
    Extract {
        /// A file path (gzipped if it ends in .gz) or an http(s) URL.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        input: Option<String>,
        /// The page's address, for resolving relative links (files only).
        #[arg(long)]
        base_url: Option<String>,
        /// Extract every *.html and *.html.gz in this folder (id = file name).
        #[arg(long, value_name = "DIR")]
        batch: Option<PathBuf>,
        /// Where --batch writes {id: {"articleBody","title","author","publish_date","url","language"}}.
        #[arg(long, value_name = "FILE", requires = "batch")]
        out: Option<PathBuf>,
        /// Threads for --batch.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    /// Measure quality and speed.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Crawl only: claim due feeds and page jobs from the database's queue
    /// until stopped (run any number of these against one PostgreSQL).
    Worker {
        /// Also serve /healthz and /metrics on this address.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Apply the database migrations this version has, and say what changed.
    Migrate,
    /// Write everything this instance holds (feeds, articles, provenance,
    /// queue) as JSON lines, to move it to another backend or machine with
    /// `import` (docs/EXPORT.md).
    Export {
        #[arg(long, value_enum, default_value = "jsonl")]
        format: export::ExportFormat,
        /// Write to this file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Load an export into this instance, which must be empty (a new
    /// --data-dir, or an empty --database).
    Import {
        /// The export (`-`: standard input).
        file: PathBuf,
    },
    /// Serve the web UI, the JSON API and the output feeds.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Do not crawl in the background.
        #[arg(long)]
        no_worker: bool,
    },
    /// Search the stored articles (words, "phrases", OR, -excluded,
    /// title: author: site: lang: speaker: entity:, after:/before: dates).
    Search {
        /// The query, e.g. `"peace talks" site:reuters.com after:2015-09-01`
        /// (after the options: `-word` is part of it).
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
        query: Vec<String>,
        /// relevance or date (newest first).
        #[arg(long, default_value = "relevance")]
        sort: tracewire_search::Sort,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Print the page as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find quotes with their speakers and named entities in a corpus:
    /// reads {"id","title","text"} lines, writes {"id","quotes","entities"}
    /// lines (spans in characters of "text").
    Annotate {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// List stories, or merge and split them.
    Stories {
        #[command(subcommand)]
        command: StoriesCommand,
    },
    /// Read every stored article again for quotes and names, and put those
    /// without a story in one (after an upgrade; then run `reindex`).
    Reannotate,
    /// Rebuild the search index from the database (stop `serve` first: it
    /// holds the index while it runs).
    Reindex,
    /// Print the commented example configuration.
    Config,
    /// Build a simulated web of copied stories with its ground truth
    /// (docs.jsonl, truth.jsonl), from the bundled Wikinews texts.
    Simulate {
        #[command(flatten)]
        web: SimArgs,
        /// Folder to write to (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Run a feed-parser test suite through our parser and count what passes.
    Conformance {
        #[command(subcommand)]
        suite: ConformanceSuite,
    },
    /// Find copies, excerpts and updates in a collection, with every copy's
    /// origin: reads {"id","url","site","title","text","published"} lines.
    Relate {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Writes {"a","b","kind","score","evidence"} and {"id","origin","source"} lines.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add an account; the password is asked for (or read from standard
    /// input's first line when it is not a terminal).
    Add {
        name: String,
        /// May add users, manage every feed and regroup stories.
        #[arg(long)]
        admin: bool,
    },
    /// List accounts.
    List,
    /// Change an account's password (ends its web sessions).
    Passwd { name: String },
    /// Remove an account with its subscriptions, marks and tokens.
    Remove { name: String },
    /// Make an API token for an account and print it.
    Token {
        name: String,
        /// What the token is for (shown in the account's settings).
        #[arg(long, default_value = "command line")]
        label: String,
    },
}

#[derive(Subcommand)]
enum StoriesCommand {
    /// The latest stories: id, articles, sites, headline.
    List {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// One story's articles, earliest first.
    Show { id: i64 },
    /// Move every article of FROM into INTO (the grouping keeps them there).
    Merge { into: i64, from: i64 },
    /// Move these articles of STORY into a new story of their own.
    Split {
        story: i64,
        #[arg(required = true, num_args = 1..)]
        articles: Vec<i64>,
    },
}

#[derive(Subcommand)]
enum ConformanceSuite {
    /// Python feedparser's test cases: each file's `Expect:` checked against
    /// our parse (`Header:` cases served over HTTP on 127.0.0.1).
    Feedparser {
        /// The folder of cases (searched recursively).
        dir: PathBuf,
        /// Print {"total","passed","failed","skipped","skip_reasons","failures"}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Extraction quality (shingle F1 against a ground truth) and pages/s.
    Extract {
        /// Folder of *.html / *.html.gz pages.
        #[arg(long, value_name = "DIR")]
        html: PathBuf,
        /// {id: {"articleBody", "url"}} as in the article-extraction benchmark.
        #[arg(long, value_name = "FILE")]
        ground_truth: PathBuf,
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Repeat the extraction until this many seconds have passed.
        #[arg(long, default_value_t = 3.0)]
        min_seconds: f64,
        /// Also write one tab-separated line per page (scores, and each
        /// metadata field's truth and prediction) to this file.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
    },
    /// Provenance against the syndication simulator: pair precision and
    /// recall, origin and source accuracy, fingerprints per second.
    Relate {
        #[command(flatten)]
        web: SimArgs,
        /// Also relate the documents through the crawl's path (a SQLite
        /// store, furniture learnt as the articles arrive) and score that.
        #[arg(long)]
        crawl: bool,
    },
    /// Time and peak memory of extraction on generated hostile pages (huge,
    /// deeply nested, one giant text node, attribute floods).
    Huge {
        /// Size of each generated page, in MiB.
        #[arg(long, default_value_t = 64)]
        mib: usize,
    },
    /// What a reading app waits for: reading-list pages, unread counts, the
    /// unread id list, a mark, over one account's generated articles (on
    /// SQLite in a temporary directory, or an empty --database).
    Reader {
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
        #[arg(long, default_value_t = 200)]
        feeds: usize,
        /// Times each operation runs.
        #[arg(long, default_value_t = 200)]
        repeats: usize,
    },
    /// Candidate lookup time as a fresh store grows through each size
    /// (generated news text; copies planted so lookups find something).
    Lookup {
        /// Stored articles at each step, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<usize>,
        /// Articles looked up at each size (half are copies of stored ones).
        #[arg(long, default_value_t = 300)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Full-text search over generated articles: index build rate, size
    /// and memory, then search latency (page, total, facets, snippets) by
    /// kind of query.
    Search {
        /// Articles generated and indexed.
        #[arg(long, default_value_t = 1_000_000)]
        articles: usize,
        /// Distinct queries timed (each kind in turn).
        #[arg(long, default_value_t = 400)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Build the index in this (empty) folder instead of a temporary one.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Leave the index on disk after the run.
        #[arg(long)]
        keep: bool,
    },
    /// Annotation speed on one core (quotes and entities over the bundled
    /// Wikinews texts).
    Annotate {
        /// Repeat until this many seconds have passed.
        #[arg(long, default_value_t = 5.0)]
        min_seconds: f64,
    },
    /// Crawl throughput with 1, 2, 4… `tracewire worker` processes on one
    /// PostgreSQL database (--database) and one on the embedded SQLite,
    /// over a fixture web on loopback addresses.
    Scale(bench_scale::ScaleArgs),
}

/// The simulated web: its size and seed.
#[derive(Args, Clone, Copy)]
struct SimArgs {
    /// Stories (original articles).
    #[arg(long, default_value_t = 200)]
    origins: usize,
    /// Sites publishing them and their copies.
    #[arg(long, default_value_t = 30)]
    sites: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl From<SimArgs> for SimConfig {
    fn from(a: SimArgs) -> SimConfig {
        SimConfig {
            origins: a.origins,
            sites: a.sites,
            seed: a.seed,
        }
    }
}

#[derive(Subcommand)]
enum FeedsCommand {
    /// Subscribe to feeds (or pages that advertise one).
    Add {
        #[arg(required = true)]
        urls: Vec<String>,
        /// Subscribe without fetching the URL first.
        #[arg(long)]
        no_check: bool,
    },
    /// List subscriptions with their status and last error.
    List,
    /// Unsubscribe (and delete the feed's articles).
    Remove { id: i64 },
    /// Poll a stopped or failing feed again at the next crawl, its failures forgiven.
    Resume { id: i64 },
    /// Say what is wrong with a feed (a URL, or a file) and what Tracewire
    /// will do about it. Exits 1 when Tracewire cannot read it.
    Check {
        /// An http(s) URL, or the path of a feed file.
        target: String,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Subscribe to every feed in an OPML file.
    Import { file: PathBuf },
    /// Print the subscriptions as OPML.
    Export,
}

/// `tracewire … | head`: when the reader goes away, `println!` panics on
/// the broken pipe (Rust ignores SIGPIPE, and restoring it needs `unsafe`,
/// which this workspace forbids). Stop quietly instead, with the status a
/// process killed by SIGPIPE has, as other Unix tools do.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = Cli::parse();
    let show_progress = progress::init_logging(&cli.global.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let command = match cli.command {
            Command::Config => {
                print!("{}", config::EXAMPLE);
                return Ok(ExitCode::SUCCESS);
            }
            // Offline work on files: no configuration, no database.
            Command::Simulate { web, out } => return relate::simulate_to(web.into(), &out),
            Command::Relate { input, output } => return relate::relate_file(&input, &output),
            Command::Annotate { input, output, threads } => {
                let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
                return annotate::annotate_file(&input, &output, threads, show_progress);
            }
            Command::Bench {
                command: BenchCommand::Annotate { min_seconds },
            } => return annotate::bench_annotate(min_seconds),
            Command::Conformance {
                suite: ConformanceSuite::Feedparser { dir, json },
            } => return conformance::feedparser(&dir, json).await,
            Command::Bench {
                command: BenchCommand::Relate { web, crawl },
            } => return relate::bench_relate(web.into(), crawl).await,
            Command::Bench {
                command: BenchCommand::Lookup { sizes, queries, seed },
            } => return bench_lookup::bench_lookup(&sizes, queries, seed, show_progress).await,
            Command::Bench {
                command:
                    BenchCommand::Search {
                        articles,
                        queries,
                        seed,
                        dir,
                        keep,
                    },
            } => {
                return tokio::task::spawn_blocking(move || {
                    bench_search::bench_search(articles, queries, seed, dir.as_deref(), keep, show_progress)
                })
                .await
                .map_err(|e| anyhow::anyhow!("the search benchmark failed: {e}"))?;
            }
            Command::Bench {
                command: BenchCommand::Scale(args),
            } => return bench_scale::bench_scale(&args, &cli.global, show_progress).await,
            Command::Bench {
                command:
                    BenchCommand::Reader {
                        articles,
                        feeds,
                        repeats,
                    },
            } => {
                let database = cli.global.database.as_deref();
                return bench_reader::bench_reader(articles, feeds, repeats, database, show_progress).await;
            }
            other => other,
        };
        // Every other command reads the configuration, so a broken file is
        // reported whatever the command.
        let ctx = commands::Setup::new(cli.global)?;
        match command {
            Command::Demo { listen, no_crawl } => commands::demo(&ctx, &listen, !no_crawl, show_progress).await,
            Command::Feeds { command } => match command {
                FeedsCommand::Add { urls, no_check } => commands::feeds_add(&ctx, &urls, no_check).await,
                FeedsCommand::List => commands::feeds_list(&ctx).await,
                FeedsCommand::Remove { id } => commands::feeds_remove(&ctx, id).await,
                FeedsCommand::Resume { id } => commands::feeds_resume(&ctx, id).await,
                FeedsCommand::Check { target, json } => check::feeds_check(&ctx, &target, json).await,
                FeedsCommand::Import { file } => commands::feeds_import(&ctx, &file).await,
                FeedsCommand::Export => commands::feeds_export(&ctx).await,
            },
            Command::Crawl { once, force } => commands::crawl(&ctx, once, force, show_progress).await,
            Command::Extract {
                input,
                base_url,
                batch,
                out,
                threads,
            } => match (batch, input) {
                (Some(dir), _) => {
                    let out = out.unwrap_or_else(batch::default_out);
                    batch::extract_batch(&dir, &out, threads, show_progress)
                }
                (None, Some(input)) => commands::extract(&ctx, &input, base_url.as_deref()).await,
                (None, None) => Err(anyhow::anyhow!("give a file, a URL or --batch DIR")),
            },
            Command::Bench {
                command:
                    BenchCommand::Extract {
                        html,
                        ground_truth,
                        threads,
                        min_seconds,
                        report,
                    },
            } => batch::bench_extract(&html, &ground_truth, threads, min_seconds, report.as_deref()),
            Command::Bench {
                command: BenchCommand::Huge { mib },
            } => batch::bench_huge(mib),
            Command::Serve { listen, no_worker } => commands::serve(&ctx, &listen, !no_worker).await,
            Command::Worker { listen } => commands::worker(&ctx, listen.as_deref()).await,
            Command::Migrate => commands::migrate(&ctx).await,
            Command::Search {
                query,
                sort,
                limit,
                offset,
                json,
            } => {
                let query = query.join(" ");
                let args = search::SearchArgs {
                    query: &query,
                    sort,
                    limit: limit.clamp(1, 500),
                    offset: offset.min(10_000),
                    json,
                };
                search::search(&ctx, args).await
            }
            Command::Reindex => search::reindex(&ctx, show_progress).await,
            Command::Reannotate => commands::reannotate(&ctx, show_progress).await,
            Command::Users { command } => match command {
                UsersCommand::Add { name, admin } => users::add(&ctx, &name, admin).await,
                UsersCommand::List => users::list(&ctx).await,
                UsersCommand::Passwd { name } => users::passwd(&ctx, &name).await,
                UsersCommand::Remove { name } => users::remove(&ctx, &name).await,
                UsersCommand::Token { name, label } => users::token(&ctx, &name, &label).await,
            },
            Command::Stories { command } => match command {
                StoriesCommand::List { limit } => commands::stories_list(&ctx, limit).await,
                StoriesCommand::Show { id } => commands::stories_show(&ctx, id).await,
                StoriesCommand::Merge { into, from } => commands::stories_merge(&ctx, into, from).await,
                StoriesCommand::Split { story, articles } => commands::stories_split(&ctx, story, &articles).await,
            },
            Command::Export { format, out } => export::export(&ctx, format, out.as_deref(), show_progress).await,
            Command::Import { file } => export::import(&ctx, &file, show_progress).await,
            Command::Config
            | Command::Simulate { .. }
            | Command::Relate { .. }
            | Command::Annotate { .. }
            | Command::Conformance { .. } => Ok(ExitCode::SUCCESS),
            Command::Bench {
                command:
                    BenchCommand::Relate { .. }
                    | BenchCommand::Lookup { .. }
                    | BenchCommand::Search { .. }
                    | BenchCommand::Annotate { .. }
                    | BenchCommand::Reader { .. }
                    | BenchCommand::Scale(_),
            } => Ok(ExitCode::SUCCESS),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            progress::clear();
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
