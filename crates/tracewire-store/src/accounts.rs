//! Accounts and reading state (migrations sqlite 0013, postgres 0007): users,
//! their sessions and API tokens, subscriptions, categories, read and
//! starred marks, saved searches and filter rules.
//!
//! [`Accounts`] is part of every [`crate::Store`]. Both backends run the
//! same SQL: it is written once, with `$n` placeholders (which SQLite reads
//! by number too) and integer flags, and [`accounts_impl!`] expands it for
//! each backend's pool, so the two cannot drift apart.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracewire_model::{
    ArticleId, Category, FeedId, FilterRule, ReaderItem, RuleAction, RuleField, SavedSearch, Subscription, User, UserId,
};

use crate::Result;
use crate::rows::{FeedRow, from_secs};

/// An account to create. The password is hashed by the caller (Argon2id);
/// storage never sees it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub password_hash: String,
    /// MD5 of "name:password", the Fever API's key.
    pub fever_key: Option<String>,
    pub is_admin: bool,
}

/// An API token, as its owner sees it (the secret is shown once, when made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    /// "api" (the REST API) or "greader" (made by a Google Reader login).
    pub kind: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Which of a user's feeds a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every subscribed feed (starred articles of feeds since left too).
    #[default]
    All,
    Feed(FeedId),
    Category(i64),
}

/// A page of a user's reading list. Items come by id (the order they were
/// stored in), newest first unless `oldest_first`; a client pages on with
/// `before_id` (or `after_id`) set to the last id it got.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub user: UserId,
    pub scope: Scope,
    /// Only read (`Some(true)`) or unread (`Some(false)`) articles.
    pub read: Option<bool>,
    pub starred: Option<bool>,
    /// Stored at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Stored before this time.
    pub until: Option<DateTime<Utc>>,
    pub after_id: Option<ArticleId>,
    pub before_id: Option<ArticleId>,
    /// Only these articles.
    pub ids: Option<Vec<ArticleId>>,
    pub oldest_first: bool,
    pub limit: i64,
}

/// A user's unread articles in one feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnreadCount {
    pub feed: FeedId,
    pub unread: i64,
    /// When the newest unread article was stored.
    pub newest: DateTime<Utc>,
}

/// A change to an article's marks; `None` leaves a mark as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marks {
    pub read: Option<bool>,
    pub starred: Option<bool>,
}

/// Accounts and reading state; see the module documentation.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates an account; `None` when the name is taken. The first
    /// account is subscribed to every feed the instance already has.
    async fn add_user(&self, user: &NewUser) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    /// An account and its password hash.
    async fn user_by_name(&self, name: &str) -> Result<Option<(User, String)>>;
    async fn user_by_fever_key(&self, key: &str) -> Result<Option<User>>;
    /// Replaces the password (and Fever key); ends the user's sessions.
    async fn set_password(&self, user: UserId, password_hash: &str, fever_key: Option<&str>) -> Result<bool>;
    /// Deletes an account and everything of it (not the feeds).
    async fn remove_user(&self, user: UserId) -> Result<bool>;

    /// Records a login session by the SHA-256 of its cookie, with its
    /// CSRF token.
    async fn add_session(&self, token_hash: &str, user: UserId, csrf: &str, expires: DateTime<Utc>) -> Result<()>;
    /// The user and CSRF token of a session not expired at `now`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(User, String)>>;
    /// Ends a session (and clears expired ones).
    async fn remove_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;
    /// Stores a token by the SHA-256 of its secret.
    async fn add_token(&self, user: UserId, kind: &str, name: &str, token_hash: &str) -> Result<i64>;
    /// The owner of a token of `kind`; notes its use (at most once a minute).
    async fn token_user(&self, token_hash: &str, kind: &str, now: DateTime<Utc>) -> Result<Option<User>>;
    async fn tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
    /// Keeps the user's newest `keep` tokens of `kind` and deletes the rest
    /// (a reader app that logs in on every launch makes one each time).
    async fn prune_tokens(&self, user: UserId, kind: &str, keep: i64) -> Result<u64>;
    async fn remove_token(&self, user: UserId, id: i64) -> Result<bool>;

    /// Subscribes a user to a stored feed, or changes the title and
    /// category of a subscription they have.
    async fn subscribe(&self, user: UserId, feed: FeedId, title: Option<&str>, category: Option<i64>) -> Result<()>;
    async fn unsubscribe(&self, user: UserId, feed: FeedId) -> Result<bool>;
    /// A user's subscriptions, by title.
    async fn subscriptions(&self, user: UserId) -> Result<Vec<Subscription>>;
    /// The users subscribed to a feed.
    async fn subscribers(&self, feed: FeedId) -> Result<Vec<UserId>>;
    /// The id of the user's category of that name, made if `create`.
    async fn category_named(&self, user: UserId, name: &str, create: bool) -> Result<Option<i64>>;
    /// A user's categories, by name.
    async fn categories(&self, user: UserId) -> Result<Vec<Category>>;
    /// False when the user has no such category or has one by the new name.
    async fn rename_category(&self, user: UserId, id: i64, name: &str) -> Result<bool>;
    /// Deletes a category; its feeds stay subscribed, in none.
    async fn remove_category(&self, user: UserId, id: i64) -> Result<bool>;

    async fn items(&self, query: &ItemQuery) -> Result<Vec<ReaderItem>>;
    /// The ids [`Accounts::items`] would return, and nothing else.
    async fn item_ids(&self, query: &ItemQuery) -> Result<Vec<ArticleId>>;
    /// These articles whole (those still stored, in no particular order):
    /// the bodies of a page of items, in one query.
    async fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<tracewire_model::Article>>;
    /// How many articles `query` matches, ignoring its limit and paging.
    async fn count_items(&self, query: &ItemQuery) -> Result<i64>;
    /// Sets marks of these articles for the user (articles they cannot see
    /// are left alone); returns how many were changed.
    async fn mark(&self, user: UserId, articles: &[ArticleId], marks: Marks) -> Result<u64>;
    /// Marks read every unread article of `scope` stored before `before`
    /// (everything when `None`); returns how many.
    async fn mark_all_read(&self, user: UserId, scope: Scope, before: Option<DateTime<Utc>>) -> Result<u64>;
    /// Keeps an article out of a user's reading list (a filter rule).
    async fn hide(&self, user: UserId, article: ArticleId) -> Result<()>;
    /// Unread articles per subscribed feed (feeds with none left out).
    async fn unread_counts(&self, user: UserId) -> Result<Vec<UnreadCount>>;

    /// Saves a search under a name (replacing one of that name).
    async fn save_search(&self, user: UserId, name: &str, query: &str) -> Result<i64>;
    async fn saved_searches(&self, user: UserId) -> Result<Vec<SavedSearch>>;
    async fn remove_saved_search(&self, user: UserId, id: i64) -> Result<bool>;
    async fn add_rule(&self, user: UserId, action: RuleAction, field: RuleField, pattern: &str) -> Result<i64>;
    async fn rules(&self, user: UserId) -> Result<Vec<FilterRule>>;
    async fn remove_rule(&self, user: UserId, id: i64) -> Result<bool>;
}

/// Articles [`Accounts::mark`] changes in one statement at most.
pub const MAX_MARK_IDS: usize = 1000;

pub(crate) type UserRow = (i64, String, i64, i64);

macro_rules! user_columns {
    () => {
        "u.id, u.name, u.is_admin, u.created_at"
    };
}

pub(crate) fn user_from_row((id, name, is_admin, created_at): UserRow) -> User {
    User {
        id,
        name,
        is_admin: is_admin != 0,
        created_at: from_secs(created_at),
    }
}

/// A reading-list row: an article's listing (`SummaryRow`, read by column
/// name), when it was stored, and the user's marks.
#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    #[sqlx(flatten)]
    summary: crate::rows::SummaryRow,
    fetched_at: i64,
    is_read: i64,
    is_starred: i64,
}

impl From<ItemRow> for ReaderItem {
    fn from(r: ItemRow) -> ReaderItem {
        ReaderItem {
            article: r.summary.into(),
            fetched_at: from_secs(r.fetched_at),
            read: r.is_read != 0,
            starred: r.is_starred != 0,
        }
    }
}

/// The columns [`ItemRow`] reads.
macro_rules! item_columns {
    () => {
        "a.id, a.feed_id, a.title, a.url, a.site, a.published, a.site_name, a.source_url, a.views, \
         substr(a.body_text, 1, 400) AS excerpt, a.fetched_at, \
         COALESCE(st.is_read, 0) AS is_read, COALESCE(st.is_starred, 0) AS is_starred"
    };
}

/// Pushes the articles a user can see: their feeds' (and what they
/// starred), less what their filter rules hid.
macro_rules! push_visible_items {
    ($qb:expr, $user:expr) => {{
        $qb.push(" FROM articles a LEFT JOIN subscriptions s ON s.feed_id = a.feed_id AND s.user_id = ");
        $qb.push_bind($user);
        $qb.push(" LEFT JOIN item_states st ON st.article_id = a.id AND st.user_id = ");
        $qb.push_bind($user);
        $qb.push(" WHERE (s.user_id IS NOT NULL OR st.is_starred = 1) AND COALESCE(st.is_hidden, 0) = 0");
    }};
}

/// A subscription row: the feed's columns (`FeedRow`), then the user's.
#[derive(sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    #[sqlx(flatten)]
    feed: FeedRow,
    sub_title: Option<String>,
    category_id: Option<i64>,
    category_name: Option<String>,
    subscribed_at: i64,
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Subscription {
        Subscription {
            feed: r.feed.into(),
            title: r.sub_title,
            category: r
                .category_id
                .zip(r.category_name)
                .map(|(id, name)| Category { id, name }),
            subscribed_at: from_secs(r.subscribed_at),
        }
    }
}

pub(crate) fn rule_from_row((id, action, field, pattern): (i64, String, String, String)) -> Option<FilterRule> {
    Some(FilterRule {
        id,
        action: RuleAction::parse(&action)?,
        field: RuleField::parse(&field)?,
        pattern,
    })
}

/// Adds `query`'s conditions (after [`push_visible_items!`]) to a builder.
macro_rules! push_item_filters {
    ($qb:expr, $q:expr) => {{
        let q: &ItemQuery = $q;
        match q.scope {
            Scope::All => {}
            Scope::Feed(feed) => {
                $qb.push(" AND a.feed_id = ").push_bind(feed);
            }
            Scope::Category(c) => {
                $qb.push(" AND s.category_id = ").push_bind(c);
            }
        }
        if let Some(read) = q.read {
            $qb.push(" AND COALESCE(st.is_read, 0) = ").push_bind(i64::from(read));
        }
        if let Some(starred) = q.starred {
            $qb.push(" AND COALESCE(st.is_starred, 0) = ")
                .push_bind(i64::from(starred));
        }
        if let Some(since) = q.since {
            $qb.push(" AND a.fetched_at >= ").push_bind(crate::rows::to_secs(since));
        }
        if let Some(until) = q.until {
            $qb.push(" AND a.fetched_at < ").push_bind(crate::rows::to_secs(until));
        }
        if let Some(after) = q.after_id {
            $qb.push(" AND a.id > ").push_bind(after);
        }
        if let Some(before) = q.before_id {
            $qb.push(" AND a.id < ").push_bind(before);
        }
        if let Some(ids) = &q.ids {
            if ids.is_empty() {
                $qb.push(" AND 1 = 0");
            } else {
                $qb.push(" AND a.id IN (");
                let mut list = $qb.separated(", ");
                for id in ids.iter().take(MAX_MARK_IDS) {
                    list.push_bind(*id);
                }
                $qb.push(")");
            }
        }
    }};
}

/// Implements [`Accounts`] for a backend: `$store` has a `pool` field and a
/// `begin_write()` method; `$db` is its sqlx database.
macro_rules! accounts_impl {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Runs `sql`, a DELETE of one row by `$1` user and `$2` id:
            /// whether the user had it.
            async fn delete_owned(
                &self,
                sql: &'static str,
                user: tracewire_model::UserId,
                id: i64,
            ) -> $crate::Result<bool> {
                Ok(sqlx::query(sql)
                    .bind(user)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    > 0)
            }
        }

        #[async_trait::async_trait]
        impl $crate::accounts::Accounts for $store {
            async fn add_user(
                &self,
                user: &$crate::accounts::NewUser,
            ) -> $crate::Result<Option<tracewire_model::User>> {
                let mut tx = self.begin_write().await?;
                let (others,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
                    .fetch_one(&mut *tx)
                    .await?;
                let now = $crate::rows::to_secs(chrono::Utc::now());
                let row: Option<$crate::accounts::UserRow> = sqlx::query_as(
                    "INSERT INTO users (name, password_hash, fever_key, is_admin, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING \
                     RETURNING id, name, is_admin, created_at",
                )
                .bind(&user.name)
                .bind(&user.password_hash)
                .bind(&user.fever_key)
                .bind(i64::from(user.is_admin))
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(None) };
                if others == 0 {
                    sqlx::query(
                        "INSERT INTO subscriptions (user_id, feed_id, created_at) \
                         SELECT $1, id, $2 FROM feeds WHERE true",
                    )
                    .bind(row.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Some($crate::accounts::user_from_row(row)))
            }

            async fn users(&self) -> $crate::Result<Vec<tracewire_model::User>> {
                let rows: Vec<$crate::accounts::UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users u ORDER BY u.name"
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::accounts::user_from_row).collect())
            }

            async fn user(&self, id: tracewire_model::UserId) -> $crate::Result<Option<tracewire_model::User>> {
                let row: Option<$crate::accounts::UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users u WHERE u.id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::accounts::user_from_row))
            }

            async fn user_by_name(&self, name: &str) -> $crate::Result<Option<(tracewire_model::User, String)>> {
                let row: Option<(i64, String, i64, i64, String)> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    ", u.password_hash FROM users u WHERE u.name = $1"
                ))
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, name, admin, created, hash)| {
                    ($crate::accounts::user_from_row((id, name, admin, created)), hash)
                }))
            }

            async fn user_by_fever_key(&self, key: &str) -> $crate::Result<Option<tracewire_model::User>> {
                let row: Option<$crate::accounts::UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users u WHERE u.fever_key = $1"
                ))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::accounts::user_from_row))
            }

            async fn set_password(
                &self,
                user: tracewire_model::UserId,
                password_hash: &str,
                fever_key: Option<&str>,
            ) -> $crate::Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $1, fever_key = $2 WHERE id = $3")
                    .bind(password_hash)
                    .bind(fever_key)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    > 0;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done)
            }

            async fn remove_user(&self, user: tracewire_model::UserId) -> $crate::Result<bool> {
                Ok(sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(user)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    > 0)
            }

            async fn add_session(
                &self,
                token_hash: &str,
                user: tracewire_model::UserId,
                csrf: &str,
                expires: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(user)
                .bind(csrf)
                .bind($crate::rows::to_secs(chrono::Utc::now()))
                .bind($crate::rows::to_secs(expires))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<(tracewire_model::User, String)>> {
                let row: Option<(i64, String, i64, i64, String)> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    ", se.csrf FROM sessions se JOIN users u ON u.id = se.user_id \
                     WHERE se.token_hash = $1 AND se.expires_at > $2"
                ))
                .bind(token_hash)
                .bind($crate::rows::to_secs(now))
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, name, admin, created, csrf)| {
                    ($crate::accounts::user_from_row((id, name, admin, created)), csrf)
                }))
            }

            async fn remove_session(&self, token_hash: &str, now: chrono::DateTime<chrono::Utc>) -> $crate::Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
                    .bind(token_hash)
                    .bind($crate::rows::to_secs(now))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn add_token(
                &self,
                user: tracewire_model::UserId,
                kind: &str,
                name: &str,
                token_hash: &str,
            ) -> $crate::Result<i64> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO api_tokens (user_id, kind, name, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(user)
                .bind(kind)
                .bind(name)
                .bind(token_hash)
                .bind($crate::rows::to_secs(chrono::Utc::now()))
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn token_user(
                &self,
                token_hash: &str,
                kind: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<tracewire_model::User>> {
                let row: Option<(i64, String, i64, i64, i64, Option<i64>)> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    ", t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.kind = $2"
                ))
                .bind(token_hash)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?;
                let Some((id, name, admin, created, token, last_used)) = row else {
                    return Ok(None);
                };
                let now = $crate::rows::to_secs(now);
                if last_used.is_none_or(|t| now - t >= 60) {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(token)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(Some($crate::accounts::user_from_row((id, name, admin, created))))
            }

            async fn tokens(&self, user: tracewire_model::UserId) -> $crate::Result<Vec<$crate::accounts::ApiToken>> {
                let rows: Vec<(i64, String, String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT id, kind, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, kind, name, created, used)| $crate::accounts::ApiToken {
                        id,
                        kind,
                        name,
                        created_at: $crate::rows::from_secs(created),
                        last_used_at: used.map($crate::rows::from_secs),
                    })
                    .collect())
            }

            async fn prune_tokens(&self, user: tracewire_model::UserId, kind: &str, keep: i64) -> $crate::Result<u64> {
                Ok(sqlx::query(
                    "DELETE FROM api_tokens WHERE user_id = $1 AND kind = $2 AND id NOT IN \
                     (SELECT id FROM api_tokens WHERE user_id = $1 AND kind = $2 ORDER BY id DESC LIMIT $3)",
                )
                .bind(user)
                .bind(kind)
                .bind(keep.max(0))
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn remove_token(&self, user: tracewire_model::UserId, id: i64) -> $crate::Result<bool> {
                self.delete_owned("DELETE FROM api_tokens WHERE user_id = $1 AND id = $2", user, id)
                    .await
            }

            async fn subscribe(
                &self,
                user: tracewire_model::UserId,
                feed: tracewire_model::FeedId,
                title: Option<&str>,
                category: Option<i64>,
            ) -> $crate::Result<()> {
                // A category must be the user's own.
                sqlx::query(
                    "INSERT INTO subscriptions (user_id, feed_id, title, category_id, created_at) \
                     VALUES ($1, $2, $3, (SELECT id FROM categories WHERE id = $4 AND user_id = $1), $5) \
                     ON CONFLICT (user_id, feed_id) DO UPDATE SET title = excluded.title, \
                     category_id = excluded.category_id",
                )
                .bind(user)
                .bind(feed)
                .bind(title)
                .bind(category)
                .bind($crate::rows::to_secs(chrono::Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn unsubscribe(
                &self,
                user: tracewire_model::UserId,
                feed: tracewire_model::FeedId,
            ) -> $crate::Result<bool> {
                Ok(
                    sqlx::query("DELETE FROM subscriptions WHERE user_id = $1 AND feed_id = $2")
                        .bind(user)
                        .bind(feed)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        > 0,
                )
            }

            async fn subscriptions(
                &self,
                user: tracewire_model::UserId,
            ) -> $crate::Result<Vec<tracewire_model::Subscription>> {
                let rows: Vec<$crate::accounts::SubscriptionRow> = sqlx::query_as(
                    "SELECT f.id, f.url, f.title, f.site_url, f.status, f.last_error, f.last_fetched, \
                     f.next_fetch_at, f.error_count, f.interval_secs, f.etag, f.last_modified, f.created_at, \
                     f.failure_weight, f.content_hash, f.last_result, s.title AS sub_title, \
                     c.id AS category_id, c.name AS category_name, s.created_at AS subscribed_at \
                     FROM subscriptions s JOIN feeds f ON f.id = s.feed_id \
                     LEFT JOIN categories c ON c.id = s.category_id \
                     WHERE s.user_id = $1 ORDER BY lower(COALESCE(s.title, f.title, f.url)), f.id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(tracewire_model::Subscription::from)
                    .collect())
            }

            async fn subscribers(&self, feed: tracewire_model::FeedId) -> $crate::Result<Vec<tracewire_model::UserId>> {
                let rows: Vec<(i64,)> =
                    sqlx::query_as("SELECT user_id FROM subscriptions WHERE feed_id = $1 ORDER BY user_id")
                        .bind(feed)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(u,)| u).collect())
            }

            async fn category_named(
                &self,
                user: tracewire_model::UserId,
                name: &str,
                create: bool,
            ) -> $crate::Result<Option<i64>> {
                if create {
                    sqlx::query(
                        "INSERT INTO categories (user_id, name) VALUES ($1, $2) ON CONFLICT (user_id, name) DO NOTHING",
                    )
                    .bind(user)
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                }
                let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM categories WHERE user_id = $1 AND name = $2")
                    .bind(user)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(id,)| id))
            }

            async fn categories(
                &self,
                user: tracewire_model::UserId,
            ) -> $crate::Result<Vec<tracewire_model::Category>> {
                let rows: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, name FROM categories WHERE user_id = $1 ORDER BY lower(name), id")
                        .bind(user)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, name)| tracewire_model::Category { id, name })
                    .collect())
            }

            async fn rename_category(
                &self,
                user: tracewire_model::UserId,
                id: i64,
                name: &str,
            ) -> $crate::Result<bool> {
                let taken: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM categories WHERE user_id = $1 AND name = $2 AND id <> $3")
                        .bind(user)
                        .bind(name)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                if taken.is_some() {
                    return Ok(false);
                }
                Ok(
                    sqlx::query("UPDATE categories SET name = $1 WHERE user_id = $2 AND id = $3")
                        .bind(name)
                        .bind(user)
                        .bind(id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        > 0,
                )
            }

            async fn remove_category(&self, user: tracewire_model::UserId, id: i64) -> $crate::Result<bool> {
                self.delete_owned("DELETE FROM categories WHERE user_id = $1 AND id = $2", user, id)
                    .await
            }

            async fn items(
                &self,
                query: &$crate::accounts::ItemQuery,
            ) -> $crate::Result<Vec<tracewire_model::ReaderItem>> {
                use $crate::accounts::{ItemQuery, MAX_MARK_IDS, Scope};
                let mut qb = sqlx::QueryBuilder::<$db>::new(concat!("SELECT ", item_columns!()));
                push_visible_items!(qb, query.user);
                push_item_filters!(qb, query);
                qb.push(if query.oldest_first {
                    " ORDER BY a.id ASC"
                } else {
                    " ORDER BY a.id DESC"
                });
                qb.push(" LIMIT ").push_bind(query.limit.max(0));
                let rows: Vec<$crate::accounts::ItemRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(tracewire_model::ReaderItem::from).collect())
            }

            async fn item_ids(
                &self,
                query: &$crate::accounts::ItemQuery,
            ) -> $crate::Result<Vec<tracewire_model::ArticleId>> {
                use $crate::accounts::{ItemQuery, MAX_MARK_IDS, Scope};
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT a.id");
                push_visible_items!(qb, query.user);
                push_item_filters!(qb, query);
                qb.push(if query.oldest_first {
                    " ORDER BY a.id ASC"
                } else {
                    " ORDER BY a.id DESC"
                });
                qb.push(" LIMIT ").push_bind(query.limit.max(0));
                let rows: Vec<(i64,)> = qb.build_query_as().fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn articles_by_ids(
                &self,
                ids: &[tracewire_model::ArticleId],
            ) -> $crate::Result<Vec<tracewire_model::Article>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks($crate::accounts::MAX_MARK_IDS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(concat!(
                        "SELECT ",
                        article_columns!(),
                        " FROM articles WHERE id IN ("
                    ));
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<$crate::rows::ArticleRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for row in rows {
                        out.push(tracewire_model::Article::try_from(row)?);
                    }
                }
                Ok(out)
            }

            async fn count_items(&self, query: &$crate::accounts::ItemQuery) -> $crate::Result<i64> {
                use $crate::accounts::{ItemQuery, MAX_MARK_IDS, Scope};
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*)");
                push_visible_items!(qb, query.user);
                let paging = $crate::accounts::ItemQuery {
                    after_id: None,
                    before_id: None,
                    ..query.clone()
                };
                push_item_filters!(qb, &paging);
                let (n,): (i64,) = qb.build_query_as().fetch_one(&self.pool).await?;
                Ok(n)
            }

            async fn mark(
                &self,
                user: tracewire_model::UserId,
                articles: &[tracewire_model::ArticleId],
                marks: $crate::accounts::Marks,
            ) -> $crate::Result<u64> {
                if articles.is_empty() || (marks.read.is_none() && marks.starred.is_none()) {
                    return Ok(0);
                }
                let now = $crate::rows::to_secs(chrono::Utc::now());
                let mut changed = 0;
                for chunk in articles.chunks($crate::accounts::MAX_MARK_IDS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO item_states (user_id, article_id, is_read, is_starred, changed_at, starred_at) \
                         SELECT s.user_id, a.id, ",
                    );
                    qb.push_bind(i64::from(marks.read.unwrap_or(false)));
                    qb.push(", ").push_bind(i64::from(marks.starred.unwrap_or(false)));
                    qb.push(", ").push_bind(now);
                    qb.push(", ")
                        .push_bind(marks.starred.unwrap_or(false).then_some(now));
                    qb.push(" FROM articles a JOIN subscriptions s ON s.feed_id = a.feed_id AND s.user_id = ");
                    qb.push_bind(user);
                    qb.push(" WHERE a.id IN (");
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(") ON CONFLICT (user_id, article_id) DO UPDATE SET changed_at = excluded.changed_at");
                    if marks.read.is_some() {
                        qb.push(", is_read = excluded.is_read");
                    }
                    if let Some(starred) = marks.starred {
                        qb.push(", is_starred = excluded.is_starred");
                        if starred {
                            qb.push(", starred_at = COALESCE(item_states.starred_at, excluded.starred_at)");
                        } else {
                            qb.push(", starred_at = NULL");
                        }
                    }
                    changed += qb.build().execute(&self.pool).await?.rows_affected();
                    // Articles of a feed left since, starred before: only
                    // their existing marks change.
                    let mut qb = sqlx::QueryBuilder::<$db>::new("UPDATE item_states SET changed_at = ");
                    qb.push_bind(now);
                    if let Some(read) = marks.read {
                        qb.push(", is_read = ").push_bind(i64::from(read));
                    }
                    if let Some(starred) = marks.starred {
                        qb.push(", is_starred = ").push_bind(i64::from(starred));
                        if !starred {
                            qb.push(", starred_at = NULL");
                        }
                    }
                    qb.push(" WHERE user_id = ").push_bind(user);
                    qb.push(
                        " AND NOT EXISTS (SELECT 1 FROM articles a JOIN subscriptions s ON s.feed_id = a.feed_id \
                         AND s.user_id = item_states.user_id WHERE a.id = item_states.article_id) \
                         AND article_id IN (",
                    );
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    changed += qb.build().execute(&self.pool).await?.rows_affected();
                }
                Ok(changed)
            }

            async fn mark_all_read(
                &self,
                user: tracewire_model::UserId,
                scope: $crate::accounts::Scope,
                before: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::Result<u64> {
                use $crate::accounts::Scope;
                let now = $crate::rows::to_secs(chrono::Utc::now());
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO item_states (user_id, article_id, is_read, changed_at) SELECT s.user_id, a.id, 1, ",
                );
                qb.push_bind(now);
                qb.push(" FROM articles a JOIN subscriptions s ON s.feed_id = a.feed_id AND s.user_id = ");
                qb.push_bind(user);
                qb.push(
                    " LEFT JOIN item_states st ON st.article_id = a.id AND st.user_id = s.user_id \
                     WHERE COALESCE(st.is_read, 0) = 0 AND COALESCE(st.is_hidden, 0) = 0",
                );
                match scope {
                    Scope::All => {}
                    Scope::Feed(feed) => {
                        qb.push(" AND a.feed_id = ").push_bind(feed);
                    }
                    Scope::Category(c) => {
                        qb.push(" AND s.category_id = ").push_bind(c);
                    }
                }
                if let Some(before) = before {
                    qb.push(" AND a.fetched_at < ")
                        .push_bind($crate::rows::to_secs(before));
                }
                qb.push(
                    " ON CONFLICT (user_id, article_id) DO UPDATE SET is_read = 1, changed_at = excluded.changed_at",
                );
                Ok(qb.build().execute(&self.pool).await?.rows_affected())
            }

            async fn hide(
                &self,
                user: tracewire_model::UserId,
                article: tracewire_model::ArticleId,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO item_states (user_id, article_id, is_read, is_hidden, changed_at) \
                     VALUES ($1, $2, 1, 1, $3) \
                     ON CONFLICT (user_id, article_id) DO UPDATE SET is_hidden = 1, is_read = 1",
                )
                .bind(user)
                .bind(article)
                .bind($crate::rows::to_secs(chrono::Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn unread_counts(
                &self,
                user: tracewire_model::UserId,
            ) -> $crate::Result<Vec<$crate::accounts::UnreadCount>> {
                let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT a.feed_id, COUNT(*), MAX(a.fetched_at) FROM articles a \
                     JOIN subscriptions s ON s.feed_id = a.feed_id AND s.user_id = $1 \
                     LEFT JOIN item_states st ON st.article_id = a.id AND st.user_id = $1 \
                     WHERE COALESCE(st.is_read, 0) = 0 AND COALESCE(st.is_hidden, 0) = 0 \
                     GROUP BY a.feed_id ORDER BY a.feed_id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(feed, unread, newest)| $crate::accounts::UnreadCount {
                        feed,
                        unread,
                        newest: $crate::rows::from_secs(newest),
                    })
                    .collect())
            }

            async fn save_search(&self, user: tracewire_model::UserId, name: &str, query: &str) -> $crate::Result<i64> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO saved_searches (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query RETURNING id",
                )
                .bind(user)
                .bind(name)
                .bind(query)
                .bind($crate::rows::to_secs(chrono::Utc::now()))
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn saved_searches(
                &self,
                user: tracewire_model::UserId,
            ) -> $crate::Result<Vec<tracewire_model::SavedSearch>> {
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT id, name, query FROM saved_searches WHERE user_id = $1 ORDER BY lower(name), id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, name, query)| tracewire_model::SavedSearch { id, name, query })
                    .collect())
            }

            async fn remove_saved_search(&self, user: tracewire_model::UserId, id: i64) -> $crate::Result<bool> {
                self.delete_owned(
                    "DELETE FROM saved_searches WHERE user_id = $1 AND id = $2",
                    user,
                    id,
                )
                .await
            }

            async fn add_rule(
                &self,
                user: tracewire_model::UserId,
                action: tracewire_model::RuleAction,
                field: tracewire_model::RuleField,
                pattern: &str,
            ) -> $crate::Result<i64> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO filter_rules (user_id, action, field, pattern, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(user)
                .bind(action.as_str())
                .bind(field.as_str())
                .bind(pattern)
                .bind($crate::rows::to_secs(chrono::Utc::now()))
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn rules(&self, user: tracewire_model::UserId) -> $crate::Result<Vec<tracewire_model::FilterRule>> {
                let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                    "SELECT id, action, field, pattern FROM filter_rules WHERE user_id = $1 ORDER BY id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                // A rule a newer Tracewire wrote in a form this one does not
                // know is left out rather than misread.
                Ok(rows
                    .into_iter()
                    .filter_map($crate::accounts::rule_from_row)
                    .collect())
            }

            async fn remove_rule(&self, user: tracewire_model::UserId, id: i64) -> $crate::Result<bool> {
                self.delete_owned(
                    "DELETE FROM filter_rules WHERE user_id = $1 AND id = $2",
                    user,
                    id,
                )
                .await
            }
        }
    };
}
