//! A PostgreSQL schema of a test's own inside the database
//! `TRACEWIRE_TEST_DATABASE_URL` names.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub const DATABASE_URL_VAR: &str = "TRACEWIRE_TEST_DATABASE_URL";

/// Dropped with the value, unless the test fails (then kept, and named, to
/// look into).
pub struct Schema {
    admin_url: String,
    pub name: String,
}

impl Schema {
    pub async fn create(admin_url: &str, prefix: &str) -> Schema {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("{prefix}_{}_{nanos}", std::process::id());
        let mut conn = PgConnection::connect(admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        Schema {
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// The database URL with this schema as its search path (sqlx passes
    /// `options` to the server at connection time).
    pub fn url(&self) -> String {
        let joint = if self.admin_url.contains('?') { '&' } else { '?' };
        format!("{}{joint}options=-c%20search_path%3D{}", self.admin_url, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{DATABASE_URL_VAR}: schema {} kept, the test failed", self.name);
            return;
        }
        // Drop runs inside the test's runtime, which cannot block on a
        // future: the schema goes from a thread and runtime of its own.
        let (url, sql) = (self.admin_url.clone(), format!("DROP SCHEMA {} CASCADE", self.name));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            });
        })
        .join()
        .unwrap();
    }
}
