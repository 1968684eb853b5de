//! `tracewire`: the one binary. Parses the command line, loads the
//! configuration, sets up logging and progress, and wires the crates together.

mod commands;
mod config;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
    },
    /// Manage subscriptions.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
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
    /// Extract the article from an HTML file or URL and print it as JSON.
    Extract {
        /// A file path or an http(s) URL.
        input: String,
        /// The page's address, for resolving relative links (files only).
        #[arg(long)]
        base_url: Option<String>,
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
    /// Print the commented example configuration.
    Config,
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
    /// Subscribe to every feed in an OPML file.
    Import { file: PathBuf },
    /// Print the subscriptions as OPML.
    Export,
}

fn main() -> ExitCode {
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
            other => other,
        };
        // Every other command reads the configuration, so a broken file is
        // reported whatever the command.
        let ctx = commands::Setup::new(cli.global)?;
        match command {
            Command::Demo { listen } => commands::demo(&ctx, &listen, show_progress).await,
            Command::Feeds { command } => match command {
                FeedsCommand::Add { urls, no_check } => commands::feeds_add(&ctx, &urls, no_check).await,
                FeedsCommand::List => commands::feeds_list(&ctx).await,
                FeedsCommand::Remove { id } => commands::feeds_remove(&ctx, id).await,
                FeedsCommand::Import { file } => commands::feeds_import(&ctx, &file).await,
                FeedsCommand::Export => commands::feeds_export(&ctx).await,
            },
            Command::Crawl { once, force } => commands::crawl(&ctx, once, force, show_progress).await,
            Command::Extract { input, base_url } => commands::extract(&ctx, &input, base_url.as_deref()).await,
            Command::Serve { listen, no_worker } => commands::serve(&ctx, &listen, !no_worker).await,
            Command::Config => Ok(ExitCode::SUCCESS),
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
