//! `tracewire export` and `tracewire import`: a whole instance as JSON lines
//! (docs/EXPORT.md), to move it between the embedded SQLite and PostgreSQL
//! or to another machine. The store reads and writes the rows
//! (`tracewire_store::dump`); this module moves lines between them and a
//! file, a bounded batch at a time, and says how far it got.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use tracewire_store::dump::{self, DumpRow, DumpTable, Line, TABLES};

use crate::commands::{Setup, open_store};
use crate::progress;

/// What `--format` accepts.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line: a header, then a line per row, then a
    /// count of the rows (docs/EXPORT.md).
    Jsonl,
}

/// Rows read from the store per query.
const EXPORT_PAGE: usize = 1000;

/// An import loads a batch once it has this many bytes of lines, however
/// few rows (articles may be large).
const IMPORT_BATCH_BYTES: usize = 16 << 20;

/// Logs each table's rows once the next table starts (or the work ends),
/// where no progress bar is drawn.
struct TableLog {
    enabled: bool,
    current: Option<&'static str>,
}

impl TableLog {
    fn new(bar: Option<&indicatif::ProgressBar>) -> TableLog {
        TableLog {
            enabled: bar.is_none(),
            current: None,
        }
    }

    fn at(&mut self, table: &'static str, counts: &BTreeMap<&str, u64>, done: &'static str) {
        if self.enabled && self.current != Some(table) {
            self.end(counts, done);
            self.current = Some(table);
        }
    }

    fn end(&mut self, counts: &BTreeMap<&str, u64>, done: &'static str) {
        if let Some(table) = self.current.take() {
            tracing::info!(table, rows = counts.get(table).copied().unwrap_or(0), "{done}");
        }
    }
}

/// Rows per table, in export order, as a summary line's tail.
fn per_table(counts: &BTreeMap<&str, u64>) -> String {
    let listed: Vec<String> = TABLES
        .iter()
        .map(|t| format!("{} {}", t.name, counts.get(t.name).copied().unwrap_or(0)))
        .collect();
    listed.join(", ")
}

/// Writes the instance's export to `out` (stdout when `None`).
pub async fn export(ctx: &Setup, format: ExportFormat, out: Option<&Path>, show_progress: bool) -> Result<ExitCode> {
    let ExportFormat::Jsonl = format;
    let store = open_store(ctx).await?;
    let writer: Box<dyn Write + Send> = match out {
        Some(path) => Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?),
        None => Box::new(std::io::stdout()),
    };
    let mut writer = BufWriter::with_capacity(1 << 20, writer);
    let bar = progress::bar(show_progress, "exporting");
    let mut counts: BTreeMap<&str, u64> = TABLES.iter().map(|t| (t.name, 0)).collect();
    let mut log = TableLog::new(bar.as_ref());
    writeln!(writer, "{}", dump::header_line()).context("cannot write the export")?;
    let written = store
        .export_tables(EXPORT_PAGE, &mut |table, rows| {
            let n = rows.len() as u64;
            for row in rows {
                writeln!(writer, "{}", dump::row_line(table, row))?;
            }
            log.at(table.name, &counts, "exported");
            let count = counts.entry(table.name).or_default();
            *count += n;
            if let Some(bar) = &bar {
                bar.inc_length(n);
                bar.inc(n);
                bar.set_message(format!("{} {count}", table.name));
            }
            Ok(())
        })
        .await;
    progress::clear();
    log.end(&counts, "exported");
    written.context("the export failed")?;
    writeln!(writer, "{}", dump::end_line(&counts)).context("cannot write the export")?;
    writer.flush().context("cannot write the export")?;
    drop(writer);
    let total: u64 = counts.values().sum();
    let summary = format!("exported {total} rows: {}", per_table(&counts));
    match out {
        // The export itself is on stdout: the summary goes beside it.
        None => eprintln!("{summary}"),
        Some(path) => println!("{summary} (to {})", path.display()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Rows of one table waiting to be loaded together, and the lines they
/// came from.
struct Batch {
    table: &'static DumpTable,
    rows: Vec<DumpRow>,
    bytes: usize,
    first_line: u64,
    last_line: u64,
}

/// Loads an export (a file, or stdin for `-`) into the instance, which
/// must be empty.
pub async fn import(ctx: &Setup, file: &Path, show_progress: bool) -> Result<ExitCode> {
    let from_stdin = file.as_os_str() == "-";
    let shown = if from_stdin {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    let mut reader: Box<dyn BufRead + Send> = if from_stdin {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(
            File::open(file).with_context(|| format!("cannot open {shown}"))?,
        ))
    };
    let mut text = String::new();
    let mut line_no: u64 = 1;
    let read = reader
        .read_line(&mut text)
        .with_context(|| format!("cannot read {shown}"))?;
    if read == 0 {
        bail!("{shown} is empty: not an export");
    }
    dump::check_header(text.trim_end()).with_context(|| format!("{shown}, line 1"))?;
    let store = open_store(ctx).await?;
    dump::ensure_empty(store.as_ref()).await?;

    let bar = progress::bar(show_progress, "importing");
    let mut counts: BTreeMap<&str, u64> = TABLES.iter().map(|t| (t.name, 0)).collect();
    let mut batch: Option<Batch> = None;
    let mut log = TableLog::new(bar.as_ref());
    let mut ended = false;
    let mut last_position = 0;
    let loaded = async {
        loop {
            text.clear();
            let read = reader
                .read_line(&mut text)
                .with_context(|| format!("cannot read {shown} after line {line_no}"))?;
            if read == 0 {
                break;
            }
            line_no += 1;
            let line = text.trim_end();
            if line.is_empty() {
                continue;
            }
            if ended {
                bail!("line {line_no}: a line after the last one (\"end\")");
            }
            match dump::parse_line(line).map_err(|e| anyhow!("line {line_no}: {e}"))? {
                Line::Row { table, row } => {
                    table
                        .check_row(&row)
                        .map_err(|e| anyhow!("line {line_no} (table {}): {e}", table.name))?;
                    // Parents load before the rows that refer to them.
                    let at = position(table);
                    if at < last_position {
                        bail!(
                            "line {line_no}: table {} after table {}: an export lists its tables in the order {}",
                            table.name,
                            TABLES[last_position].name,
                            TABLES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                        );
                    }
                    last_position = at;
                    let full = batch.as_ref().is_some_and(|b| {
                        b.table.name != table.name
                            || b.rows.len() >= b.table.batch_rows
                            || b.bytes >= IMPORT_BATCH_BYTES
                    });
                    if full && let Some(done) = batch.take() {
                        load(store.as_ref(), done, &mut counts, &mut log, bar.as_ref()).await?;
                    }
                    let b = batch.get_or_insert_with(|| Batch {
                        table,
                        rows: Vec::new(),
                        bytes: 0,
                        first_line: line_no,
                        last_line: line_no,
                    });
                    b.bytes += line.len();
                    b.last_line = line_no;
                    b.rows.push(row);
                }
                Line::End { rows } => {
                    if let Some(done) = batch.take() {
                        load(store.as_ref(), done, &mut counts, &mut log, bar.as_ref()).await?;
                    }
                    let loaded: BTreeMap<&str, u64> =
                        counts.iter().filter(|(_, n)| **n > 0).map(|(t, n)| (*t, *n)).collect();
                    let listed: BTreeMap<&str, u64> = rows
                        .iter()
                        .filter(|(_, n)| **n > 0)
                        .map(|(t, n)| (t.as_str(), *n))
                        .collect();
                    if loaded != listed {
                        bail!(
                            "line {line_no}: the export's last line counts other rows ({}) than came before it ({})",
                            per_table(&listed),
                            per_table(&loaded)
                        );
                    }
                    ended = true;
                }
            }
        }
        if !ended {
            bail!(
                "{shown} ends at line {line_no} without its last line (\"end\"): the export was cut short. \
                 The rows before it are loaded; import a whole export into a new, empty instance"
            );
        }
        Ok(())
    }
    .await;
    progress::clear();
    log.end(&counts, "imported");
    loaded?;
    let total: u64 = counts.values().sum();
    println!("imported {total} rows from {shown}: {}", per_table(&counts));
    Ok(ExitCode::SUCCESS)
}

fn position(table: &DumpTable) -> usize {
    TABLES.iter().position(|t| t.name == table.name).unwrap_or(0)
}

/// Loads one batch in one transaction; an error names its lines and table.
async fn load(
    store: &dyn tracewire_store::Store,
    batch: Batch,
    counts: &mut BTreeMap<&str, u64>,
    log: &mut TableLog,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<()> {
    store.import_rows(batch.table, &batch.rows).await.with_context(|| {
        format!(
            "lines {}-{} (table {}): not loaded",
            batch.first_line, batch.last_line, batch.table.name
        )
    })?;
    log.at(batch.table.name, counts, "imported");
    let n = batch.rows.len() as u64;
    let count = counts.entry(batch.table.name).or_default();
    *count += n;
    if let Some(bar) = bar {
        bar.inc_length(n);
        bar.inc(n);
        bar.set_message(format!("{} {count}", batch.table.name));
    }
    Ok(())
}
