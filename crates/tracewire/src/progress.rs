//! Progress for long work: an indicatif bar on a terminal, log lines
//! otherwise. Log output goes through the active bar so the two never
//! garble each other.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use tracing_subscriber::EnvFilter;

/// The bar being drawn, if any; log lines are printed above it.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Sets up logging to stderr; returns whether progress bars should be drawn.
pub fn init_logging(filter: &str) -> bool {
    // PostgreSQL's notices ("relation … already exists, skipping" from the
    // migrator's IF NOT EXISTS) say nothing to an operator; its warnings do.
    let quiet = "sqlx::postgres::notice=warn";
    let filter =
        EnvFilter::try_new(format!("{filter},{quiet}")).unwrap_or_else(|_| EnvFilter::new(format!("info,{quiet}")));
    let terminal = std::io::stderr().is_terminal();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(terminal)
        .with_writer(|| BarAwareWriter)
        .with_target(false)
        .init();
    terminal
}

struct BarAwareWriter;

impl Write for BarAwareWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let active = ACTIVE.lock().unwrap_or_else(|e| e.into_inner());
        match active.as_ref() {
            Some(bar) => bar.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A counter of `what`, drawn as a bar on a terminal; `None` otherwise.
pub fn bar(show: bool, what: &str) -> Option<ProgressBar> {
    if !show {
        return None;
    }
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
    Some(bar)
}

/// Removes the active bar, if any.
pub fn clear() {
    if let Some(bar) = ACTIVE.lock().unwrap_or_else(|e| e.into_inner()).take() {
        bar.finish_and_clear();
    }
}
