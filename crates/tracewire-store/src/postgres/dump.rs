//! Exports and imports on PostgreSQL (`crate::dump` says what and why):
//! tables read a page at a time in key order inside one REPEATABLE READ,
//! READ ONLY transaction (one snapshot, whatever the workers write
//! meanwhile), rows loaded a batch per transaction with their ids
//! (`OVERRIDING SYSTEM VALUE`), the identity sequences then moved past them.

use serde_json::Value;
use sqlx::postgres::{PgConnection, PgRow, Postgres};
use sqlx::{QueryBuilder, Row};

use super::{MIGRATOR, PgStore, lock_fingerprint_keys};
use crate::dump::{Cell, DumpRow, DumpTable, Kind, Sink, TABLES, real_value};
use crate::{Result, StoreError};

/// Bound values per INSERT, well under PostgreSQL's limit (65,535).
const VALUES_PER_STATEMENT: usize = 20_000;

/// The newest PostgreSQL migration this build has.
pub(crate) fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

fn bind(q: &mut QueryBuilder<Postgres>, value: Cell<'_>) {
    match value {
        Cell::Int(v) => q.push_bind(v),
        Cell::Real(v) => q.push_bind(v),
        Cell::Text(v) => q.push_bind(v.map(str::to_string)),
        Cell::Bool(v) => q.push_bind(v),
    };
}

fn read_row(table: &'static DumpTable, row: &PgRow) -> Result<DumpRow> {
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, column) in table.columns.iter().enumerate() {
        values.push(match column.kind {
            Kind::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::from),
            Kind::Real => real_value(table, column.name, row.try_get::<Option<f64>, _>(i)?)?,
            Kind::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::from),
            Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Value::Null, Value::from),
        });
    }
    Ok(table.row_of(values))
}

/// Every table of the export, a page at a time, from `conn`'s transaction.
async fn export_from(conn: &mut PgConnection, page: usize, sink: &mut Sink<'_>) -> Result<()> {
    for table in TABLES {
        let mut after: Option<DumpRow> = None;
        loop {
            let mut q: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("SELECT {} FROM {}", table.column_list(), table.name));
            if let Some(last) = &after {
                let key = table.key_cells(last).map_err(|detail| StoreError::Corrupt {
                    what: "an exported key",
                    detail,
                })?;
                // A row comparison walks the primary key's index from
                // the last row on.
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
            let rows: Vec<PgRow> = q.build().fetch_all(&mut *conn).await?;
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
/// transaction, then moves the table's identity sequence past them.
async fn insert_batch(
    conn: &mut PgConnection,
    table: &'static DumpTable,
    cells: &[Vec<Cell<'_>>],
    per_statement: usize,
) -> Result<()> {
    let overriding = if table.generated_id {
        " OVERRIDING SYSTEM VALUE "
    } else {
        " "
    };
    if matches!(table.name, "fingerprint_keys" | "hot_keys") {
        // Writers of fingerprint keys take turns (see the lock).
        lock_fingerprint_keys(conn).await?;
    }
    for chunk in cells.chunks(per_statement) {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "INSERT INTO {} ({}){overriding}",
            table.name,
            table.column_list()
        ));
        q.push_values(chunk, |mut values, row| {
            for value in row {
                match *value {
                    Cell::Int(v) => values.push_bind(v),
                    Cell::Real(v) => values.push_bind(v),
                    Cell::Text(v) => values.push_bind(v.map(str::to_string)),
                    Cell::Bool(v) => values.push_bind(v),
                };
            }
        });
        q.build().execute(&mut *conn).await?;
    }
    if table.generated_id {
        // The next id generated is past every id loaded.
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {0}), false)",
            table.name
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
    }
    Ok(())
}

impl PgStore {
    pub(super) async fn dump_export(&self, page: usize, sink: &mut Sink<'_>) -> Result<()> {
        let page = page.max(1);
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let read = export_from(&mut tx, page, sink).await;
        // Ended here whatever happened (the sink may stop it): a
        // transaction dropped open would keep its snapshot and its locks
        // until the connection is next used.
        tx.rollback().await?;
        read
    }

    pub(super) async fn dump_import(&self, table: &'static DumpTable, rows: &[DumpRow]) -> Result<()> {
        let cells: Vec<Vec<Cell<'_>>> = rows
            .iter()
            .map(|row| table.cells(row).map_err(|detail| table.import_error(detail)))
            .collect::<Result<_>>()?;
        let per_statement = (VALUES_PER_STATEMENT / table.columns.len()).max(1);
        let mut tx = self.pool.begin().await?;
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

    /// As SQLite's: every column of every table is in the export or left
    /// out on purpose. Runs when `TRACEWIRE_TEST_DATABASE_URL` names a
    /// PostgreSQL database (in a schema of its own, dropped afterwards).
    #[tokio::test]
    async fn the_export_covers_the_schema() {
        use sqlx::Connection;
        use std::str::FromStr;
        let url = std::env::var("TRACEWIRE_TEST_DATABASE_URL").unwrap_or_default();
        if url.is_empty() {
            return;
        }
        let schema = format!("tw_dump_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let options = sqlx::postgres::PgConnectOptions::from_str(&url)
            .unwrap()
            .options([("search_path", &schema)]);
        let store = PgStore::connect_with(options).await.unwrap();
        let found: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx\\_%'",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        store.pool.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut admin)
            .await
            .unwrap();
        let found: BTreeSet<(String, String)> = found
            .into_iter()
            .filter(|(table, _)| !LEFT_OUT.contains(&table.as_str()))
            .collect();
        let described: BTreeSet<(String, String)> = TABLES
            .iter()
            .flat_map(|t| t.columns.iter().map(|c| (t.name.to_string(), c.name.to_string())))
            .collect();
        assert_eq!(found, described);
    }
}
