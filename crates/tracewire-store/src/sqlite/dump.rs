//! Exports and imports on SQLite (`crate::dump` says what and why): tables
//! read a page at a time in key order inside one read transaction (in WAL
//! mode, a snapshot), rows loaded a batch per write transaction. SQLite
//! stores the export's booleans as 0/1.

use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row};

use super::{MIGRATOR, SqliteStore};
use crate::dump::{Cell, DumpRow, DumpTable, Kind, Sink, TABLES, real_value};
use crate::{Result, StoreError};

/// Takes the write lock first, as every write transaction here does: a
/// deferred one that reads (foreign keys) before it writes could not wait
/// for another writer.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Bound values per INSERT, well under SQLite's limit (32,766).
const VALUES_PER_STATEMENT: usize = 8000;

/// The newest SQLite migration this build has.
pub(crate) fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

fn bind(q: &mut QueryBuilder<Sqlite>, value: Cell<'_>) {
    match value {
        Cell::Int(v) => q.push_bind(v),
        Cell::Real(v) => q.push_bind(v),
        Cell::Text(v) => q.push_bind(v),
        Cell::Bool(v) => q.push_bind(v.map(i64::from)),
    };
}

fn read_row(table: &'static DumpTable, row: &SqliteRow) -> Result<DumpRow> {
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, column) in table.columns.iter().enumerate() {
        values.push(match column.kind {
            Kind::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::from),
            Kind::Real => real_value(table, column.name, row.try_get::<Option<f64>, _>(i)?)?,
            Kind::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::from),
            Kind::Bool => row
                .try_get::<Option<i64>, _>(i)?
                .map_or(Value::Null, |v| Value::from(v != 0)),
        });
    }
    Ok(table.row_of(values))
}

/// Every table of the export, a page at a time, from `conn`'s transaction.
async fn export_from(conn: &mut SqliteConnection, page: usize, sink: &mut Sink<'_>) -> Result<()> {
    for table in TABLES {
        let mut after: Option<DumpRow> = None;
        loop {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("SELECT {} FROM {}", table.column_list(), table.name));
            if let Some(last) = &after {
                let key = table.key_cells(last).map_err(|detail| StoreError::Corrupt {
                    what: "an exported key",
                    detail,
                })?;
                q.push(format!(" WHERE ({}) > (", table.key_list()));
                for (i, value) in key.into_iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    bind(&mut q, value);
                }
                q.push(")");
            }
            q.push(format!(" ORDER BY {} LIMIT ", table.key_list()));
            q.push_bind(i64::try_from(page).unwrap_or(i64::MAX));
            let rows: Vec<SqliteRow> = q.build().fetch_all(&mut *conn).await?;
            let rows: Vec<DumpRow> = rows.iter().map(|r| read_row(table, r)).collect::<Result<_>>()?;
            let full = rows.len() == page;
            // The next page starts after this one's last key (the key
            // alone: a row may be a whole article).
            after = rows.last().map(|last| {
                let key = table
                    .key
                    .iter()
                    .filter_map(|k| Some((k.to_string(), last.get(*k)?.clone())));
                key.collect()
            });
            if !rows.is_empty() {
                sink(table, rows).map_err(StoreError::ExportWrite)?;
            }
            if !full {
                break;
            }
        }
    }
    Ok(())
}

/// Inserts `cells` (rows of `table`) with their ids, in `conn`'s
/// transaction.
async fn insert_batch(
    conn: &mut SqliteConnection,
    table: &'static DumpTable,
    cells: &[Vec<Cell<'_>>],
    per_statement: usize,
) -> Result<()> {
    for chunk in cells.chunks(per_statement) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("INSERT INTO {} ({}) ", table.name, table.column_list()));
        q.push_values(chunk, |mut values, row| {
            for value in row {
                match *value {
                    Cell::Int(v) => values.push_bind(v),
                    Cell::Real(v) => values.push_bind(v),
                    Cell::Text(v) => values.push_bind(v),
                    Cell::Bool(v) => values.push_bind(v.map(i64::from)),
                };
            }
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

impl SqliteStore {
    pub(super) async fn dump_export(&self, page: usize, sink: &mut Sink<'_>) -> Result<()> {
        let page = page.max(1);
        // One read transaction for every table: what it reads is one
        // snapshot, however long the export takes.
        let mut tx = self.pool.begin().await?;
        let read = export_from(&mut tx, page, sink).await;
        // Ended here whatever happened: a transaction dropped open would
        // keep its snapshot until the connection is next used.
        tx.rollback().await?;
        read
    }

    pub(super) async fn dump_import(&self, table: &'static DumpTable, rows: &[DumpRow]) -> Result<()> {
        let cells: Vec<Vec<Cell<'_>>> = rows
            .iter()
            .map(|row| table.cells(row).map_err(|detail| table.import_error(detail)))
            .collect::<Result<_>>()?;
        let per_statement = (VALUES_PER_STATEMENT / table.columns.len()).max(1);
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        match insert_batch(&mut tx, table, &cells, per_statement).await {
            Ok(()) => tx.commit().await?,
            // Rolled back here, not left to the pool (see `dump_export`).
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::dump::LEFT_OUT;

    /// Every column of every table is in the export or left out on
    /// purpose: a migration that adds one must add it to `crate::dump`.
    #[tokio::test]
    async fn the_export_covers_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_in_dir(dir.path()).await.unwrap();
        let found: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_schema m JOIN pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%' \
             AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        // Full-text search indexes (virtual tables and their own tables)
        // are built from `articles` by triggers: nothing of theirs to keep.
        let virtual_tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let found: BTreeSet<(String, String)> = found
            .into_iter()
            .filter(|(table, _)| !LEFT_OUT.contains(&table.as_str()))
            .filter(|(table, _)| !virtual_tables.iter().any(|(v,)| table.starts_with(&format!("{v}_"))))
            .collect();
        let described: BTreeSet<(String, String)> = TABLES
            .iter()
            .flat_map(|t| t.columns.iter().map(|c| (t.name.to_string(), c.name.to_string())))
            .collect();
        assert_eq!(found, described);
    }
}
