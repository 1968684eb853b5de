//! Full-text search on PostgreSQL: `tsquery` against the GIN expression
//! index of migration 0003. The expression here must stay the index's,
//! word for word, or the planner cannot use the index.

use tracewire_model::ArticleSummary;

use super::{PgStore, limit, offset};
use crate::Result;
use crate::rows::SummaryRow;
use crate::search::SearchQuery;

macro_rules! search_vector {
    () => {
        "(setweight(to_tsvector('simple', title), 'A') || \
         setweight(to_tsvector('simple', left(body_text, 100000)), 'B'))"
    };
}

impl PgStore {
    pub(super) async fn search_articles(&self, query: &SearchQuery, n: i64, skip: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles, to_tsquery('simple', $1) AS q WHERE ",
            search_vector!(),
            " @@ q ORDER BY ts_rank_cd(",
            search_vector!(),
            ", q) DESC, COALESCE(published, fetched_at) DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(query.to_tsquery())
        .bind(limit(n))
        .bind(offset(skip))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }
}
