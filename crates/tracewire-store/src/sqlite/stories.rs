//! Stories on SQLite (migration 0012).

use tracewire_model::{ArticleId, QuoteInArticle, Story, StoryId};

use super::{SqliteStore, WRITE, json_list};
use crate::Result;
use crate::rows::{MemberRow, QuoteInArticleRow, StoryCountRow, stories_of, to_secs};

/// People and organizations of a new article its candidates are found by.
const CANDIDATE_NAMES: i64 = 8;
/// Latest articles looked at per name.
const ARTICLES_PER_NAME: i64 = 40;
/// Articles a story in a list comes with (its origin and the next ones).
const LISTED_MEMBERS: i64 = 4;

impl SqliteStore {
    pub(super) async fn story_of_article(&self, article: ArticleId) -> Result<Option<StoryId>> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT story_id FROM story_articles WHERE article_id = ?")
            .bind(article)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(s,)| s))
    }

    pub(super) async fn story_join(
        &self,
        article: ArticleId,
        story: Option<StoryId>,
        joined_by: &str,
        score: f64,
    ) -> Result<Option<StoryId>> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        let current: Option<(i64, String)> =
            sqlx::query_as("SELECT story_id, joined_by FROM story_articles WHERE article_id = ?")
                .bind(article)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((s, by)) = &current
            && (by == "split" || by == "merge")
        {
            return Ok(Some(*s));
        }
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM articles WHERE id = ?")
            .bind(article)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let story = match story {
            Some(s) => s,
            None => {
                let (id,): (i64,) = sqlx::query_as("INSERT INTO stories (created_at) VALUES (?) RETURNING id")
                    .bind(to_secs(chrono::Utc::now()))
                    .fetch_one(&mut *tx)
                    .await?;
                id
            }
        };
        sqlx::query(
            "INSERT INTO story_articles (article_id, story_id, joined_by, score) VALUES (?, ?, ?, ?) \
             ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, \
             joined_by = excluded.joined_by, score = excluded.score",
        )
        .bind(article)
        .bind(story)
        .bind(joined_by)
        .bind(score)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(story))
    }

    pub(super) async fn story_candidate_list(
        &self,
        article: ArticleId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(ArticleId, StoryId, i64)>> {
        // The article's most mentioned people and organizations, then for
        // each the latest articles in the window naming it: a few short
        // index ranges, however many articles name "United States".
        let names: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, kind FROM article_entities WHERE article_id = ?1 AND kind != 'LOC' \
             ORDER BY mentions DESC, first_at LIMIT ?2",
        )
        .bind(article)
        .bind(CANDIDATE_NAMES)
        .fetch_all(&self.pool)
        .await?;
        let mut found: Vec<(ArticleId, StoryId, i64)> = Vec::new();
        for (name, kind) in names {
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT e.article_id, sa.story_id FROM article_entities e \
                 JOIN story_articles sa ON sa.article_id = e.article_id \
                 JOIN articles a ON a.id = e.article_id \
                 WHERE e.name = ?1 AND e.kind = ?2 AND e.article_id != ?3 \
                 AND COALESCE(a.published, a.fetched_at) BETWEEN ?4 AND ?5 \
                 ORDER BY e.article_id DESC LIMIT ?6",
            )
            .bind(&name)
            .bind(&kind)
            .bind(article)
            .bind(from)
            .bind(to)
            .bind(ARTICLES_PER_NAME)
            .fetch_all(&self.pool)
            .await?;
            for (other, story) in rows {
                match found.iter_mut().find(|f| f.0 == other) {
                    Some(f) => f.2 += 1,
                    None => found.push((other, story, 1)),
                }
            }
        }
        found.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0)));
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    /// The stories, each with its earliest `members` articles (the
    /// counts and dates cover all of them).
    async fn stories_by_ids(&self, ids: &[StoryId], members: i64) -> Result<Vec<Story>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = json_list(ids);
        let counts: Vec<StoryCountRow> = sqlx::query_as(
            "SELECT sa.story_id, COUNT(*) AS articles, COUNT(DISTINCT articles.site) AS sites, \
             MIN(COALESCE(published, fetched_at)) AS first_at, MAX(COALESCE(published, fetched_at)) AS last_at \
             FROM story_articles sa JOIN articles ON articles.id = sa.article_id \
             WHERE sa.story_id IN (SELECT value FROM json_each(?1)) GROUP BY sa.story_id",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        let rows: Vec<MemberRow> = sqlx::query_as(concat!(
            "SELECT * FROM (SELECT sa.story_id, sa.joined_by, sa.score, articles.fetched_at, ",
            summary_columns!(),
            ", ROW_NUMBER() OVER (PARTITION BY sa.story_id \
             ORDER BY COALESCE(published, fetched_at), articles.id) AS rn \
             FROM story_articles sa JOIN articles ON articles.id = sa.article_id \
             WHERE sa.story_id IN (SELECT value FROM json_each(?1))) m WHERE rn <= ?2"
        ))
        .bind(&list)
        .bind(members.max(1))
        .fetch_all(&self.pool)
        .await?;
        let headlines: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, headline FROM stories WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(&list)
                .fetch_all(&self.pool)
                .await?;
        Ok(stories_of(ids, counts, rows, &headlines))
    }

    pub(super) async fn recent_story_list(&self, window: i64, limit: i64, offset: i64) -> Result<Vec<Story>> {
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT sa.story_id FROM (SELECT id, COALESCE(published, fetched_at) AS at FROM articles \
             ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ?1) r \
             JOIN story_articles sa ON sa.article_id = r.id \
             GROUP BY sa.story_id ORDER BY MAX(r.at) DESC, sa.story_id DESC LIMIT ?2 OFFSET ?3",
        )
        .bind(window)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<i64> = ids.into_iter().map(|(s,)| s).collect();
        self.stories_by_ids(&ids, LISTED_MEMBERS).await
    }

    pub(super) async fn one_story(&self, id: StoryId) -> Result<Option<Story>> {
        Ok(self.stories_by_ids(&[id], crate::STORY_MEMBERS).await?.pop())
    }

    pub(super) async fn stories_merge(&self, into: StoryId, from: StoryId) -> Result<bool> {
        if into == from {
            return Ok(false);
        }
        let mut tx = self.pool.begin_with(WRITE).await?;
        let found: Vec<(i64,)> = sqlx::query_as("SELECT id FROM stories WHERE id IN (?, ?)")
            .bind(into)
            .bind(from)
            .fetch_all(&mut *tx)
            .await?;
        if found.len() != 2 {
            return Ok(false);
        }
        sqlx::query("UPDATE story_articles SET story_id = ?, joined_by = 'merge' WHERE story_id = ?")
            .bind(into)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        // What was in `into` stays put from now on as well.
        sqlx::query(
            "UPDATE story_articles SET joined_by = 'merge' WHERE story_id = ? AND joined_by NOT IN ('split', 'merge')",
        )
        .bind(into)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM stories WHERE id = ?")
            .bind(from)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn story_split(&self, story: StoryId, articles: &[ArticleId]) -> Result<Option<StoryId>> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        let members: Vec<(i64,)> = sqlx::query_as(
            "SELECT article_id FROM story_articles WHERE story_id = ?1 \
             AND article_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(story)
        .bind(json_list(articles))
        .fetch_all(&mut *tx)
        .await?;
        let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM story_articles WHERE story_id = ?")
            .bind(story)
            .fetch_one(&mut *tx)
            .await?;
        // Splitting off nothing, or everything, changes nothing.
        if members.is_empty() || members.len() as i64 == total {
            return Ok(None);
        }
        let (new,): (i64,) = sqlx::query_as("INSERT INTO stories (created_at) VALUES (?) RETURNING id")
            .bind(to_secs(chrono::Utc::now()))
            .fetch_one(&mut *tx)
            .await?;
        let ids: Vec<i64> = members.into_iter().map(|(a,)| a).collect();
        sqlx::query(
            "UPDATE story_articles SET story_id = ?1, joined_by = 'split' \
             WHERE article_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(new)
        .bind(json_list(&ids))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE story_articles SET joined_by = 'split' WHERE story_id = ? AND joined_by != 'merge'")
            .bind(story)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(new))
    }

    pub(super) async fn story_quote_list(&self, story: StoryId, limit: i64) -> Result<Vec<QuoteInArticle>> {
        let rows: Vec<QuoteInArticleRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            ", ",
            quote_columns!(),
            " FROM quotes q JOIN articles ON articles.id = q.article_id \
             JOIN story_articles sa ON sa.article_id = q.article_id WHERE sa.story_id = ?1 \
             ORDER BY COALESCE(published, fetched_at), articles.id, q.position LIMIT ?2"
        ))
        .bind(story)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(QuoteInArticle::from).collect())
    }

    pub(super) async fn related_story_list(&self, story: StoryId, limit: i64) -> Result<Vec<(Story, i64)>> {
        let ids: Vec<(i64, i64)> = sqlx::query_as(
            "WITH mine AS (SELECT DISTINCT e.name, e.kind FROM article_entities e \
             JOIN story_articles sa ON sa.article_id = e.article_id WHERE sa.story_id = ?1 AND e.kind != 'LOC') \
             SELECT sa.story_id, COUNT(DISTINCT e.name) AS shared FROM mine \
             JOIN article_entities e ON e.name = mine.name AND e.kind = mine.kind \
             JOIN story_articles sa ON sa.article_id = e.article_id \
             WHERE sa.story_id != ?1 GROUP BY sa.story_id HAVING COUNT(DISTINCT e.name) >= 2 \
             ORDER BY shared DESC, sa.story_id DESC LIMIT ?2",
        )
        .bind(story)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let order: Vec<i64> = ids.iter().map(|(s, _)| *s).collect();
        let stories = self.stories_by_ids(&order, LISTED_MEMBERS).await?;
        Ok(stories
            .into_iter()
            .map(|s| {
                let shared = ids.iter().find(|(id, _)| *id == s.summary.id).map_or(0, |(_, n)| *n);
                (s, shared)
            })
            .collect())
    }
}
