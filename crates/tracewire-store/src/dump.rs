//! A whole instance as JSON lines (`tracewire export` / `tracewire import`,
//! docs/EXPORT.md): the tables and columns an export holds, in an order that
//! respects their foreign keys, the lines of the file, and the checks an
//! import makes. Both backends' schemas have these tables and columns under
//! these names; the few type differences (PostgreSQL's BOOLEAN `url_keys.names`
//! is SQLite's 0/1) are settled here, so one file serves both.
//!
//! No SQL here: each backend reads and writes the tables it describes
//! (`sqlite/dump.rs`, `postgres/dump.rs`) through [`crate::Store::export_tables`]
//! and [`crate::Store::import_rows`].
//!
//! Left out: `host_slots`, the requests in flight of the old instance's
//! processes. A slot lasts one request, and its worker gives it back by id to
//! the database it took it from; on another database that id names nothing
//! (or another slot). And SQLite's `article_id_floor`, the highest article
//! id ever deleted there: it keeps that database's ids from being given
//! twice, and the new instance's search index starts empty. And login
//! `sessions`: after a move everyone logs in again (API tokens are kept, so
//! apps keep working). Every other
//! column is kept, claims included: a job or
//! feed claimed when the export was taken is, on the new instance, held by a
//! worker that died, and returns to the queue when its lease runs out, its
//! attempt counted, as the queue treats any dead worker's claim.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::{Result, Store, StoreError};

/// One row: column name to value (integers, numbers, strings, booleans,
/// null).
pub type DumpRow = Map<String, Value>;

/// What receives an export, a page of one table's rows at a time, in
/// [`TABLES`] order; an error stops the export.
pub type Sink<'a> = dyn FnMut(&'static DumpTable, Vec<DumpRow>) -> std::io::Result<()> + Send + 'a;

/// The first line's `format`.
pub const FORMAT: &str = "tracewire-export";
/// The layout of the lines (not the schema: that is the header's `schema`).
pub const FORMAT_VERSION: i64 = 1;

/// How a column's values are written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A signed 64-bit integer (ids, Unix seconds, keys stored as their bits).
    Int,
    /// A 64-bit float.
    Real,
    Text,
    /// `true`/`false` (SQLite stores 1/0).
    Bool,
}

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

/// One table of an export.
#[derive(Debug)]
pub struct DumpTable {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The primary key: rows are exported in its order, a page at a time
    /// after the last row's key.
    pub key: &'static [&'static str],
    /// The key is a generated `id`: an import keeps the ids, then moves the
    /// generator past them (PostgreSQL's identity sequences).
    pub generated_id: bool,
    /// Rows per batch an import loads in one transaction.
    pub batch_rows: usize,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        nullable: false,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        nullable: true,
    }
}

use Kind::{Bool, Int, Real, Text};

/// Rows per batch for tables of small rows.
const BATCH: usize = 1000;

/// Every table an export holds, parents before the tables that refer to
/// them (feeds, then articles, then what hangs off articles).
pub static TABLES: &[DumpTable] = &[
    DumpTable {
        name: "feeds",
        columns: &[
            col("id", Int),
            col("url", Text),
            opt("title", Text),
            opt("site_url", Text),
            col("status", Text),
            opt("last_error", Text),
            opt("last_fetched", Int),
            col("next_fetch_at", Int),
            col("error_count", Int),
            col("interval_secs", Int),
            opt("etag", Text),
            opt("last_modified", Text),
            col("created_at", Int),
            col("failure_weight", Real),
            opt("content_hash", Text),
            opt("last_result", Text),
            opt("claimed_by", Text),
            opt("lease_until", Int),
        ],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "articles",
        columns: &[
            col("id", Int),
            col("feed_id", Int),
            col("guid", Text),
            col("url", Text),
            col("site", Text),
            opt("canonical_url", Text),
            col("title", Text),
            opt("byline", Text),
            opt("published", Int),
            opt("site_name", Text),
            opt("language", Text),
            opt("source_url", Text),
            col("attributions", Text),
            col("body_text", Text),
            col("body_html", Text),
            col("fetched_at", Int),
            col("views", Int),
        ],
        key: &["id"],
        generated_id: true,
        // Articles carry their text and HTML: fewer per batch keeps a
        // batch a few megabytes.
        batch_rows: 200,
    },
    DumpTable {
        name: "fingerprints",
        columns: &[col("article_id", Int), col("scheme", Int)],
        key: &["article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "fingerprint_keys",
        columns: &[col("key", Int), col("article_id", Int)],
        key: &["key", "article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "hot_keys",
        columns: &[col("key", Int)],
        key: &["key"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "relations",
        columns: &[
            col("from_id", Int),
            col("to_id", Int),
            col("kind", Text),
            col("score", Real),
            col("evidence", Text),
        ],
        key: &["from_id", "to_id", "kind"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "url_keys",
        columns: &[col("key", Text), col("names", Bool), col("article_id", Int)],
        key: &["key", "names", "article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "site_paragraphs",
        columns: &[col("site", Text), col("key", Int), col("articles", Int)],
        key: &["site", "key"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "furniture_edges",
        columns: &[
            col("run", Int),
            col("article_id", Int),
            col("context_a", Int),
            col("context_b", Int),
        ],
        key: &["run", "article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "shared_furniture",
        columns: &[col("key", Int)],
        key: &["key"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "citations",
        columns: &[
            col("article_id", Int),
            col("position", Int),
            col("who", Text),
            col("kind", Text),
            col("phrase", Text),
        ],
        key: &["article_id", "position"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "quotes",
        columns: &[
            col("article_id", Int),
            col("position", Int),
            col("kind", Text),
            col("content_start", Int),
            col("content_end", Int),
            col("content", Text),
            opt("speaker_start", Int),
            opt("speaker_end", Int),
            opt("speaker", Text),
            opt("speaker_name", Text),
            opt("cue_start", Int),
            opt("cue_end", Int),
            opt("cue", Text),
        ],
        key: &["article_id", "position"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "article_entities",
        columns: &[
            col("article_id", Int),
            col("name", Text),
            col("kind", Text),
            col("mentions", Int),
            col("first_at", Int),
        ],
        key: &["article_id", "name", "kind"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "stories",
        columns: &[col("id", Int), opt("headline", Text), col("created_at", Int)],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "story_articles",
        columns: &[
            col("article_id", Int),
            col("story_id", Int),
            col("joined_by", Text),
            col("score", Real),
        ],
        key: &["article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "unrelated_articles",
        columns: &[col("article_id", Int), col("since", Int)],
        key: &["article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "websub",
        columns: &[
            col("feed_id", Int),
            col("hub", Text),
            col("topic", Text),
            col("secret", Text),
            col("state", Text),
            col("requested_at", Int),
            opt("lease_expires", Int),
            opt("last_push", Int),
            opt("reason", Text),
        ],
        key: &["feed_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "page_jobs",
        columns: &[
            col("id", Int),
            col("feed_id", Int),
            col("guid", Text),
            opt("host", Text),
            col("payload", Text),
            col("state", Text),
            col("attempts", Int),
            col("run_after", Int),
            opt("claimed_by", Text),
            opt("lease_until", Int),
            opt("last_error", Text),
            col("created_at", Int),
        ],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "hosts",
        columns: &[
            col("host", Text),
            col("next_start_ms", Int),
            col("held_until_ms", Int),
            col("min_interval_ms", Int),
        ],
        key: &["host"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "users",
        columns: &[
            col("id", Int),
            col("name", Text),
            col("password_hash", Text),
            opt("fever_key", Text),
            col("is_admin", Int),
            col("created_at", Int),
        ],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "api_tokens",
        columns: &[
            col("id", Int),
            col("user_id", Int),
            col("kind", Text),
            col("name", Text),
            col("token_hash", Text),
            col("created_at", Int),
            opt("last_used_at", Int),
        ],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "categories",
        columns: &[col("id", Int), col("user_id", Int), col("name", Text)],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "subscriptions",
        columns: &[
            col("user_id", Int),
            col("feed_id", Int),
            opt("title", Text),
            opt("category_id", Int),
            col("created_at", Int),
        ],
        key: &["user_id", "feed_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "item_states",
        columns: &[
            col("user_id", Int),
            col("article_id", Int),
            col("is_read", Int),
            col("is_starred", Int),
            col("is_hidden", Int),
            col("changed_at", Int),
            opt("starred_at", Int),
        ],
        key: &["user_id", "article_id"],
        generated_id: false,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "saved_searches",
        columns: &[
            col("id", Int),
            col("user_id", Int),
            col("name", Text),
            col("query", Text),
            col("created_at", Int),
        ],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
    DumpTable {
        name: "filter_rules",
        columns: &[
            col("id", Int),
            col("user_id", Int),
            col("action", Text),
            col("field", Text),
            col("pattern", Text),
            col("created_at", Int),
        ],
        key: &["id"],
        generated_id: true,
        batch_rows: BATCH,
    },
];

/// Tables of the schema an export leaves out (see the module's comment):
/// after a move everyone logs in again.
pub const LEFT_OUT: &[&str] = &["host_slots", "article_id_floor", "sessions"];

/// The table of an export called `name`.
pub fn table(name: &str) -> Option<&'static DumpTable> {
    TABLES.iter().find(|t| t.name == name)
}

/// A value of a row, typed by its column, as a backend binds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'r> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'r str>),
    Bool(Option<bool>),
}

impl DumpTable {
    /// The column names, comma-separated, for a statement.
    pub(crate) fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        names.join(", ")
    }

    /// The key's column names, comma-separated.
    pub(crate) fn key_list(&self) -> String {
        self.key.join(", ")
    }

    /// Whether `row` can be loaded into this table: every value of its
    /// column's kind, no null where the column takes none, no column the
    /// table lacks. A column missing from the row is null.
    pub fn check_row(&self, row: &DumpRow) -> std::result::Result<(), String> {
        self.cells(row).map(|_| ())
    }

    /// `row`'s values in [`DumpTable::columns`] order, checked as
    /// [`DumpTable::check_row`] says.
    pub(crate) fn cells<'r>(&self, row: &'r DumpRow) -> std::result::Result<Vec<Cell<'r>>, String> {
        if let Some(unknown) = row.keys().find(|name| !self.columns.iter().any(|c| c.name == *name)) {
            return Err(format!("no column {unknown:?} in table {}", self.name));
        }
        self.columns.iter().map(|c| cell(c, row.get(c.name))).collect()
    }

    /// The values of `row`'s key, in [`DumpTable::key`] order.
    pub(crate) fn key_cells<'r>(&self, row: &'r DumpRow) -> std::result::Result<Vec<Cell<'r>>, String> {
        self.key
            .iter()
            .map(|name| match self.columns.iter().find(|c| c.name == *name) {
                Some(c) => cell(c, row.get(c.name)),
                None => Err(format!("table {}: no key column {name}", self.name)),
            })
            .collect()
    }

    /// A row as read from the database: null-or-value per column, in
    /// [`DumpTable::columns`] order.
    pub(crate) fn row_of(&self, values: Vec<Value>) -> DumpRow {
        self.columns.iter().map(|c| c.name.to_string()).zip(values).collect()
    }

    pub(crate) fn import_error(&'static self, detail: String) -> StoreError {
        StoreError::ImportRow {
            table: self.name,
            detail,
        }
    }
}

fn cell<'r>(column: &Column, value: Option<&'r Value>) -> std::result::Result<Cell<'r>, String> {
    let value = value.unwrap_or(&Value::Null);
    if value.is_null() {
        if !column.nullable {
            return Err(format!("column {} may not be null", column.name));
        }
        return Ok(match column.kind {
            Int => Cell::Int(None),
            Real => Cell::Real(None),
            Text => Cell::Text(None),
            Bool => Cell::Bool(None),
        });
    }
    let found = match column.kind {
        Int => value.as_i64().map(|v| Cell::Int(Some(v))),
        Real => value.as_f64().map(|v| Cell::Real(Some(v))),
        Text => value.as_str().map(|v| Cell::Text(Some(v))),
        Bool => value.as_bool().map(|v| Cell::Bool(Some(v))),
    };
    found.ok_or_else(|| {
        let expected = match column.kind {
            Int => "a 64-bit integer",
            Real => "a number",
            Text => "a string",
            Bool => "true or false",
        };
        format!("column {}: expected {expected}, found {value}", column.name)
    })
}

/// A float as JSON: JSON has no NaN or infinity, and a stored one would
/// come back as null, so it stops the export instead.
pub(crate) fn real_value(table: &DumpTable, column: &str, v: Option<f64>) -> Result<Value> {
    match v {
        None => Ok(Value::Null),
        Some(v) => serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| StoreError::Corrupt {
                what: "a number the export cannot write",
                detail: format!("{}.{column} is {v}", table.name),
            }),
    }
}

/// The newest migration of each backend this build has: the schema an
/// export from it describes.
pub fn schema_versions() -> (i64, i64) {
    (
        crate::sqlite::dump::schema_version(),
        crate::postgres::dump::schema_version(),
    )
}

/// The first line of an export.
pub fn header_line() -> String {
    let (sqlite, postgres) = schema_versions();
    let tables: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    json!({
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema": {"sqlite": sqlite, "postgres": postgres},
        "tables": tables,
    })
    .to_string()
}

/// Checks an export's first line: a Tracewire export this build can read
/// (its format version and schema no newer than this build's).
pub fn check_header(line: &str) -> Result<()> {
    let bad = |detail: String| StoreError::ImportFormat(detail);
    let header: Value =
        serde_json::from_str(line).map_err(|e| bad(format!("the first line is not a JSON object ({e})")))?;
    if header.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(bad(format!(
            "the first line has no \"format\":\"{FORMAT}\"; this is not a file `tracewire export` wrote"
        )));
    }
    let version = header.get("version").and_then(Value::as_i64).unwrap_or(0);
    let schema = |backend: &str| header.pointer(&format!("/schema/{backend}")).and_then(Value::as_i64);
    let (sqlite, postgres) = schema_versions();
    let (Some(file_sqlite), Some(file_postgres)) = (schema("sqlite"), schema("postgres")) else {
        return Err(bad("the header has no schema versions".to_string()));
    };
    if version > FORMAT_VERSION || file_sqlite > sqlite || file_postgres > postgres {
        return Err(bad(format!(
            "a newer Tracewire wrote it (format {version}, schema sqlite {file_sqlite} / postgres {file_postgres}; \
             this one reads format {FORMAT_VERSION}, schema up to sqlite {sqlite} / postgres {postgres}): \
             import it with that version or a later one"
        )));
    }
    if version < 1 {
        return Err(bad(format!("unknown format version {version}")));
    }
    Ok(())
}

/// A line of an export after the header.
#[derive(Debug)]
pub enum Line {
    Row {
        table: &'static DumpTable,
        row: DumpRow,
    },
    /// The last line: how many rows of each table came before it, so that
    /// a file cut short is told from a whole one.
    End {
        rows: BTreeMap<String, u64>,
    },
}

/// One row's line.
pub fn row_line(table: &DumpTable, row: DumpRow) -> String {
    // Written by hand so that the table comes first (a JSON object's keys
    // are written sorted).
    format!(
        "{{\"table\":{},\"row\":{}}}",
        Value::from(table.name),
        Value::Object(row)
    )
}

/// The last line, with the rows written of every table.
pub fn end_line(rows: &BTreeMap<&str, u64>) -> String {
    json!({ "end": rows }).to_string()
}

/// Reads a line after the header.
pub fn parse_line(text: &str) -> std::result::Result<Line, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut line) = value else {
        return Err("not a JSON object".to_string());
    };
    if let Some(end) = line.remove("end") {
        let counts = end.as_object().ok_or("\"end\" is not an object")?;
        let mut rows = BTreeMap::new();
        for (name, n) in counts {
            let n = n.as_u64().ok_or_else(|| format!("\"end\": {name} is not a count"))?;
            rows.insert(name.clone(), n);
        }
        return Ok(Line::End { rows });
    }
    let name = line
        .get("table")
        .and_then(Value::as_str)
        .ok_or("no \"table\" (nor \"end\")")?;
    let table = table(name).ok_or_else(|| format!("unknown table {name:?}"))?;
    let Some(Value::Object(row)) = line.remove("row") else {
        return Err(format!("table {}: no \"row\" object", table.name));
    };
    Ok(Line::Row { table, row })
}

/// Refuses to import into a store that holds anything: an import keeps
/// the ids it reads, which would collide with (or point into) rows
/// already there. Asks each table for one row, as a one-row export whose
/// first row stops it.
pub async fn ensure_empty(store: &dyn Store) -> Result<()> {
    let mut found: Option<&'static str> = None;
    let probe = store
        .export_tables(1, &mut |table, rows| {
            if rows.is_empty() {
                return Ok(());
            }
            found = Some(table.name);
            Err(std::io::Error::other("the store is not empty"))
        })
        .await;
    match (found, probe) {
        (Some(table), _) => Err(StoreError::ImportNotEmpty { table }),
        (None, result) => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_come_after_the_tables_they_refer_to() {
        let at = |name: &str| TABLES.iter().position(|t| t.name == name).unwrap();
        for table in TABLES {
            for column in table.columns {
                let parent = match column.name {
                    "feed_id" => "feeds",
                    "article_id" | "from_id" | "to_id" => "articles",
                    "user_id" => "users",
                    "category_id" => "categories",
                    _ => continue,
                };
                assert!(at(parent) < at(table.name), "{} before {parent}", table.name);
            }
            for key in table.key {
                assert!(table.columns.iter().any(|c| c.name == *key), "{}.{key}", table.name);
            }
        }
    }

    #[test]
    fn rows_are_checked_against_their_columns() {
        let urls = table("url_keys").unwrap();
        let row = |v: Value| v.as_object().unwrap().clone();
        let good = row(json!({"key": "example.com/a", "names": true, "article_id": 3}));
        assert_eq!(
            urls.cells(&good).unwrap(),
            vec![
                Cell::Text(Some("example.com/a")),
                Cell::Bool(Some(true)),
                Cell::Int(Some(3))
            ]
        );
        let wrong = [
            (
                json!({"key": "k", "names": 1, "article_id": 3}),
                "names: expected true or false",
            ),
            (
                json!({"key": "k", "names": true, "article_id": 3.5}),
                "article_id: expected a 64-bit",
            ),
            (
                json!({"key": null, "names": true, "article_id": 3}),
                "key may not be null",
            ),
            (json!({"names": true, "article_id": 3}), "key may not be null"),
            (
                json!({"key": "k", "names": true, "article_id": 3, "x": 1}),
                "no column \"x\"",
            ),
        ];
        for (value, message) in wrong {
            let err = urls.check_row(&row(value)).unwrap_err();
            assert!(err.contains(message), "{err}");
        }
        // A nullable column may be left out; keys use all 64 bits.
        let feeds = table("websub").unwrap();
        let sub = row(json!({"feed_id": i64::MIN, "hub": "h", "topic": "t", "secret": "s",
                             "state": "requested", "requested_at": 1}));
        assert_eq!(feeds.cells(&sub).unwrap()[0], Cell::Int(Some(i64::MIN)));
        assert_eq!(feeds.cells(&sub).unwrap()[6], Cell::Int(None));
    }

    #[test]
    fn a_header_from_a_newer_tracewire_is_refused() {
        check_header(&header_line()).unwrap();
        let (sqlite, postgres) = schema_versions();
        let newer = [
            json!({"format": FORMAT, "version": FORMAT_VERSION + 1, "schema": {"sqlite": sqlite, "postgres": postgres}}),
            json!({"format": FORMAT, "version": 1, "schema": {"sqlite": sqlite + 1, "postgres": postgres}}),
            json!({"format": FORMAT, "version": 1, "schema": {"sqlite": sqlite, "postgres": postgres + 1}}),
        ];
        for header in newer {
            let err = check_header(&header.to_string()).unwrap_err().to_string();
            assert!(err.contains("a newer Tracewire wrote it"), "{err}");
        }
        // An older schema is read.
        check_header(&json!({"format": FORMAT, "version": 1, "schema": {"sqlite": 1, "postgres": 1}}).to_string())
            .unwrap();
        for other in ["[]", "{\"format\":\"opml\"}", "not json"] {
            assert!(check_header(other).is_err(), "{other}");
        }
    }

    #[test]
    fn floats_read_back_to_the_same_bits() {
        let relations = table("relations").unwrap();
        for score in [
            0.980_555_555_555_555_5,
            0.990_445_859_872_611_5,
            0.1 + 0.2,
            1.0 / 3.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            -0.0,
        ] {
            let row = json!({"from_id": 1, "to_id": 2, "kind": "copy", "score": score, "evidence": ""});
            let line = row_line(relations, row.as_object().unwrap().clone());
            let Line::Row { row, .. } = parse_line(&line).unwrap() else {
                panic!("{line}");
            };
            let Cell::Real(Some(read)) = relations.cells(&row).unwrap()[3] else {
                panic!("{line}");
            };
            assert_eq!(read.to_bits(), score.to_bits(), "{line}");
        }
    }

    #[test]
    fn lines_read_back() {
        let feeds = table("feeds").unwrap();
        let row = json!({"id": 1, "url": "https://example.com/feed"})
            .as_object()
            .unwrap()
            .clone();
        match parse_line(&row_line(feeds, row.clone())).unwrap() {
            Line::Row { table, row: read } => assert_eq!((table.name, read), ("feeds", row)),
            other => panic!("{other:?}"),
        }
        let counts = BTreeMap::from([("feeds", 1), ("articles", 0)]);
        match parse_line(&end_line(&counts)).unwrap() {
            Line::End { rows } => assert_eq!(rows.get("feeds"), Some(&1)),
            other => panic!("{other:?}"),
        }
        for (bad, message) in [
            ("{\"table\":\"host_slots\",\"row\":{}}", "unknown table"),
            ("{\"table\":\"feeds\"}", "no \"row\""),
            ("{\"row\":{}}", "no \"table\""),
            ("[1]", "not a JSON object"),
            ("{\"table\":\"feeds\",", "not JSON"),
        ] {
            let err = parse_line(bad).unwrap_err();
            assert!(err.contains(message), "{bad}: {err}");
        }
    }
}
