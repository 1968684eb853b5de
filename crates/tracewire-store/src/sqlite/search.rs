//! Full-text search on SQLite: FTS5 over `articles_fts` (migration 0009).

use tracewire_model::ArticleSummary;

use super::SqliteStore;
use crate::Result;
use crate::rows::SummaryRow;
use crate::search::SearchQuery;

impl SqliteStore {
    pub(super) async fn search_articles(
        &self,
        query: &SearchQuery,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleSummary>> {
        // A title match counts four times a match in the text (bm25 is
        // lower for better matches); equal ranks go newest first.
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "WITH hits AS (SELECT rowid AS hit, bm25(articles_fts, 4.0, 1.0) AS rank FROM articles_fts ",
            "WHERE articles_fts MATCH ?1) SELECT ",
            summary_columns!(),
            " FROM articles JOIN hits ON hits.hit = articles.id ",
            "ORDER BY hits.rank, COALESCE(published, fetched_at) DESC, id DESC LIMIT ?2 OFFSET ?3"
        ))
        .bind(query.to_fts5())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }
}
