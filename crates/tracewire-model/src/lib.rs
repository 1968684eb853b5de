//! Plain data types shared by every Tracewire crate: feeds, articles,
//! attribution lines.
//!
//! This crate does no I/O and knows nothing about HTTP, SQL or JSON API shapes;
//! the web crate maps these types onto its own wire types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Database identifier of a subscribed feed.
pub type FeedId = i64;
/// Database identifier of a stored article.
pub type ArticleId = i64;

/// Health of a feed as of its last fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedStatus {
    /// Subscribed, never fetched yet.
    New,
    /// The last fetch succeeded (or the server said "not modified").
    Ok,
    /// The last fetch failed; `Feed::last_error` says why. Retried with backoff.
    Error,
    /// The server said the feed is gone for good (HTTP 410); it is not
    /// fetched again until resumed. `Feed::last_error` says why.
    Stopped,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::New => "new",
            FeedStatus::Ok => "ok",
            FeedStatus::Error => "error",
            FeedStatus::Stopped => "stopped",
        }
    }

    /// Parses the stored form; unknown strings read as `Error` so that a
    /// newer schema never makes an older binary crash.
    pub fn parse(s: &str) -> FeedStatus {
        match s {
            "new" => FeedStatus::New,
            "ok" => FeedStatus::Ok,
            "stopped" => FeedStatus::Stopped,
            _ => FeedStatus::Error,
        }
    }
}

/// A subscription, with its polling state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    pub id: FeedId,
    /// The URL of the feed document itself (after discovery).
    pub url: String,
    pub title: Option<String>,
    /// The site the feed belongs to (its `<link>`), when it names one.
    pub site_url: Option<String>,
    pub status: FeedStatus,
    pub last_error: Option<String>,
    pub last_fetched: Option<DateTime<Utc>>,
    pub next_fetch_at: DateTime<Utc>,
    /// Consecutive failed fetches.
    pub error_count: i64,
    /// Failures since the last success, weighted by kind (a timeout counts
    /// less than a 404); drives the backoff.
    pub failure_weight: f64,
    /// How the last fetch ended.
    pub last_result: Option<LastFetch>,
    /// SHA-256 (hex) of the last feed body read in full.
    pub content_hash: Option<String>,
    /// Normal polling interval in seconds.
    pub interval_secs: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How a feed's last fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LastFetch {
    /// A new version was read.
    Updated,
    /// The body was the same as last time (same content hash).
    Unchanged,
    /// The server answered 304 Not Modified.
    NotModified,
    /// The fetch failed.
    Failed,
    /// Not fetched: the host asked us to wait (Retry-After).
    Deferred,
}

impl LastFetch {
    pub fn as_str(self) -> &'static str {
        match self {
            LastFetch::Updated => "updated",
            LastFetch::Unchanged => "unchanged",
            LastFetch::NotModified => "not_modified",
            LastFetch::Failed => "failed",
            LastFetch::Deferred => "deferred",
        }
    }

    /// Parses the stored form; `None` for strings a newer schema may write.
    pub fn parse(s: &str) -> Option<LastFetch> {
        Some(match s {
            "updated" => LastFetch::Updated,
            "unchanged" => LastFetch::Unchanged,
            "not_modified" => LastFetch::NotModified,
            "failed" => LastFetch::Failed,
            "deferred" => LastFetch::Deferred,
            _ => return None,
        })
    }
}

/// A feed's WebSub subscription, as requested from its hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebSubSubscription {
    pub feed_id: FeedId,
    pub hub: String,
    pub topic: String,
    /// Shared with the hub, which signs each notification with it.
    pub secret: String,
    pub state: WebSubState,
    pub requested_at: DateTime<Utc>,
    /// Until when the hub said it keeps the subscription (once verified).
    pub lease_expires: Option<DateTime<Utc>>,
    /// The last notification with a valid signature.
    pub last_push: Option<DateTime<Utc>>,
    /// Why the hub refused, when it did.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebSubState {
    /// Asked; the hub has not verified it yet.
    Requested,
    /// Verified by the hub: notifications come.
    Active,
    /// The hub refused.
    Denied,
}

impl WebSubState {
    pub fn as_str(self) -> &'static str {
        match self {
            WebSubState::Requested => "requested",
            WebSubState::Active => "active",
            WebSubState::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> WebSubState {
        match s {
            "active" => WebSubState::Active,
            "denied" => WebSubState::Denied,
            _ => WebSubState::Requested,
        }
    }
}

/// What kind of attribution line an article carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionKind {
    /// "Originally published at/on <url>", "This article originally appeared on ...".
    OriginallyPublished,
    /// "Source Article from <url>", "Source: <url>".
    Source,
    /// "via <url>".
    Via,
}

impl AttributionKind {
    /// How close to the origin a line of this kind points: lower is earlier.
    /// "Originally published" names the first publication; "Source" names where
    /// the copy was taken from; "via" names an intermediary.
    pub fn origin_rank(self) -> u8 {
        match self {
            AttributionKind::OriginallyPublished => 0,
            AttributionKind::Source => 1,
            AttributionKind::Via => 2,
        }
    }
}

/// An attribution line found in (and removed from) an article body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    pub kind: AttributionKind,
    /// The URL it names, absolute, when it names one.
    pub url: Option<String>,
    /// The line as it read on the page.
    pub text: String,
}

/// An article as the crawler hands it to storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewArticle {
    pub feed_id: FeedId,
    /// Stable identity of the entry within its feed (GUID, else link).
    pub guid: String,
    /// The page the article was read from.
    pub url: String,
    /// The site it belongs to: the URL's host without "www.", with the port
    /// when there is one (`tracewire_provenance::site_of`).
    pub site: String,
    pub canonical_url: Option<String>,
    pub title: String,
    pub byline: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub site_name: Option<String>,
    pub language: Option<String>,
    /// The earliest source the article's attribution lines name.
    pub source_url: Option<String>,
    pub attributions: Vec<Attribution>,
    pub text: String,
    /// Sanitized article body HTML.
    pub html: String,
    pub fetched_at: DateTime<Utc>,
    /// Quotes and named entities found in `text`.
    #[serde(default)]
    pub annotations: Annotations,
}

/// A stored article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub guid: String,
    pub url: String,
    pub site: String,
    pub canonical_url: Option<String>,
    pub title: String,
    pub byline: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub site_name: Option<String>,
    pub language: Option<String>,
    pub source_url: Option<String>,
    pub attributions: Vec<Attribution>,
    pub text: String,
    pub html: String,
    pub fetched_at: DateTime<Utc>,
    pub views: i64,
}

/// The listing form of an article: no body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub title: String,
    pub url: String,
    pub site: String,
    pub published: Option<DateTime<Utc>>,
    pub site_name: Option<String>,
    pub source_url: Option<String>,
    pub views: i64,
    /// The first words of the text, for listings.
    pub excerpt: String,
}

/// The text of an article as similarity ranking needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleText {
    pub id: ArticleId,
    pub title: String,
    pub url: String,
    pub text: String,
}

/// A relation provenance found between two articles: `to` is a duplicate,
/// copy, excerpt or update of the earlier `from`, or names it as its source
/// (`kind` is one of "duplicate", "copy", "excerpt", "update", "attributes").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRelation {
    pub from: ArticleId,
    pub to: ArticleId,
    pub kind: String,
    pub score: f64,
    pub evidence: String,
}

/// A source an article's text names ("a Reuters report", "Peskov told
/// reporters"); `kind` is "outlet", "speaker" or "unnamed".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub who: String,
    pub kind: String,
    /// The words that name it, as written.
    pub phrase: String,
}

/// What provenance says of one site's articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteStats {
    pub site: String,
    /// The name its pages give it (`og:site_name`, else its feed's title).
    pub name: Option<String>,
    pub articles: i64,
    /// Articles that copy (or excerpt) an earlier article of another site.
    pub copies: i64,
    /// Of those, the ones that credit a source: an attribution line, or a
    /// stored article they name.
    pub credited: i64,
    /// Articles another site copied.
    pub copied: i64,
}

/// An article as the search index reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexedArticle {
    pub id: ArticleId,
    pub title: String,
    pub byline: Option<String>,
    pub site: String,
    pub language: Option<String>,
    /// When it was published, else when it was fetched.
    pub date: DateTime<Utc>,
    pub text: String,
    /// Canonical names of the people and institutions quoted in it.
    pub speakers: Vec<String>,
    /// Canonical names of the people, organizations and places it names.
    pub entities: Vec<String>,
}

/// A stretch of an article's text, in Unicode characters (`start..end`),
/// with the words it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A quote or a report of speech in an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleQuote {
    /// The words quoted or reported (without the quote marks).
    pub content: TextSpan,
    /// Who said it, as written ("Kremlin spokesman Dmitry Peskov", "he").
    pub speaker: Option<TextSpan>,
    /// Who said it, by name ("Dmitry Peskov", "the Israeli government").
    pub speaker_name: Option<String>,
    /// The verb or phrase that reports it ("said", "told reporters").
    pub cue: Option<TextSpan>,
    /// "direct", "indirect" or "mixed" (reported speech holding quoted words).
    pub kind: String,
}

/// One mention of a person ("PER"), organization ("ORG") or place ("LOC").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityMention {
    pub start: usize,
    pub end: usize,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The name every variant of this entity goes by ("Bashar al-Assad"
    /// for "Assad", "United States" for "U.S.").
    pub canonical: String,
}

/// What reading an article's text found in it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Annotations {
    pub quotes: Vec<ArticleQuote>,
    pub entities: Vec<EntityMention>,
}

/// An entity as one article names it: how often, and where first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleEntity {
    pub name: String,
    /// "PER", "ORG" or "LOC".
    pub kind: String,
    pub mentions: i64,
    /// Character offset of the first mention in the text.
    pub first: i64,
}

impl Annotations {
    /// The entities, one per (name, kind), in order of first mention.
    pub fn entity_counts(&self) -> Vec<ArticleEntity> {
        let mut out: Vec<ArticleEntity> = Vec::new();
        for m in &self.entities {
            match out.iter_mut().find(|e| e.name == m.canonical && e.kind == m.kind) {
                Some(e) => e.mentions += 1,
                None => out.push(ArticleEntity {
                    name: m.canonical.clone(),
                    kind: m.kind.clone(),
                    mentions: 1,
                    first: m.start as i64,
                }),
            }
        }
        out
    }
}

/// A quote as a list of quotes across articles shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteInArticle {
    pub article: ArticleSummary,
    pub quote: ArticleQuote,
}

/// An entity across the stored articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitySummary {
    pub name: String,
    /// "PER", "ORG" or "LOC".
    pub kind: String,
    /// Articles that name it.
    pub articles: i64,
}

pub type StoryId = i64;

/// A story: the articles about one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    pub id: StoryId,
    /// The headline a person set, else the title of its earliest article.
    pub headline: String,
    /// Its earliest article (by publication, else fetch time).
    pub origin: ArticleId,
    pub articles: i64,
    pub sites: i64,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// An article of a story, and how it came to be there: "first", "copy"
/// (provenance), "similar" (text and names), "split" or "merge" (a
/// person's choice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryMember {
    pub article: ArticleSummary,
    /// When it was published, else fetched.
    pub date: DateTime<Utc>,
    pub joined_by: String,
    pub score: f64,
}

/// A story and its articles, earliest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub summary: StorySummary,
    pub members: Vec<StoryMember>,
}

impl Article {
    /// The article as the crawler handed it to storage (to read it again):
    /// its annotations are the ones given.
    pub fn into_new(self, annotations: Annotations) -> NewArticle {
        NewArticle {
            feed_id: self.feed_id,
            guid: self.guid,
            url: self.url,
            site: self.site,
            canonical_url: self.canonical_url,
            title: self.title,
            byline: self.byline,
            published: self.published,
            site_name: self.site_name,
            language: self.language,
            source_url: self.source_url,
            attributions: self.attributions,
            text: self.text,
            html: self.html,
            fetched_at: self.fetched_at,
            annotations,
        }
    }
}

/// Database identifier of an account.
pub type UserId = i64;

/// An account: who reads, with their own subscriptions and reading state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    /// May add users, manage every feed and regroup stories.
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

/// A user's folder of feeds (a Google Reader label, a Fever group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
}

/// A user's subscription to a feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub feed: Feed,
    /// The title the user gave it, if any.
    pub title: Option<String>,
    pub category: Option<Category>,
    pub subscribed_at: DateTime<Utc>,
}

impl Subscription {
    /// What to call the feed: the user's title, the feed's, else its URL.
    pub fn display_title(&self) -> &str {
        self.title
            .as_deref()
            .or(self.feed.title.as_deref())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.feed.url)
    }
}

/// An article in a user's reading list, with their state of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReaderItem {
    pub article: ArticleSummary,
    /// When it was stored (what readers sort and page by, with its id).
    pub fetched_at: DateTime<Utc>,
    pub read: bool,
    pub starred: bool,
}

/// A user's named search (`/search?q=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
}

/// What a filter rule does to the new articles it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Only articles some keep rule matches reach the reading list.
    Keep,
    /// Articles a block rule matches never reach the reading list.
    Block,
}

impl RuleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::Keep => "keep",
            RuleAction::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Option<RuleAction> {
        match s {
            "keep" => Some(RuleAction::Keep),
            "block" => Some(RuleAction::Block),
            _ => None,
        }
    }
}

/// Which part of an article a filter rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleField {
    Title,
    Author,
    Content,
    Url,
}

impl RuleField {
    pub const ALL: [RuleField; 4] = [RuleField::Title, RuleField::Author, RuleField::Content, RuleField::Url];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleField::Title => "title",
            RuleField::Author => "author",
            RuleField::Content => "content",
            RuleField::Url => "url",
        }
    }

    pub fn parse(s: &str) -> Option<RuleField> {
        RuleField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A user's keep or block rule: a regular expression (case-insensitive)
/// over one field of each new article of their feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterRule {
    pub id: i64,
    pub action: RuleAction,
    pub field: RuleField,
    pub pattern: String,
}

/// Longest filter pattern accepted, and the compiled size allowed: a rule
/// runs on every new article of its user's feeds.
pub const MAX_RULE_PATTERN_CHARS: usize = 500;
const MAX_RULE_PATTERN_BYTES: usize = 256 * 1024;

/// Compiles a filter rule's pattern, case-insensitive, bounded in size; the
/// error says what is wrong in words a person can act on.
pub fn compile_rule_pattern(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.trim().is_empty() || pattern.chars().count() > MAX_RULE_PATTERN_CHARS {
        return Err(format!("a pattern has 1 to {MAX_RULE_PATTERN_CHARS} characters"));
    }
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(MAX_RULE_PATTERN_BYTES)
        .build()
        .map_err(|e| format!("not a regular expression this server reads: {e}"))
}

/// The parts of a new article filter rules read.
#[derive(Debug, Clone, Copy)]
pub struct RuleSubject<'a> {
    pub title: &'a str,
    pub author: Option<&'a str>,
    pub content: &'a str,
    pub url: &'a str,
}

/// Whether a user's rules let an article into their reading list: no block
/// rule matches, and some keep rule matches if there are any. A rule whose
/// pattern no longer compiles is skipped.
pub fn rules_admit(rules: &[FilterRule], subject: &RuleSubject<'_>) -> bool {
    let mut has_keep = false;
    let mut kept = false;
    for rule in rules {
        let Ok(re) = compile_rule_pattern(&rule.pattern) else {
            continue;
        };
        let text = match rule.field {
            RuleField::Title => subject.title,
            RuleField::Author => subject.author.unwrap_or(""),
            RuleField::Content => subject.content,
            RuleField::Url => subject.url,
        };
        let hit = re.is_match(text);
        match rule.action {
            RuleAction::Block if hit => return false,
            RuleAction::Block => {}
            RuleAction::Keep => {
                has_keep = true;
                kept |= hit;
            }
        }
    }
    !has_keep || kept
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    fn rule(action: RuleAction, field: RuleField, pattern: &str) -> FilterRule {
        FilterRule {
            id: 0,
            action,
            field,
            pattern: pattern.to_string(),
        }
    }

    #[test]
    fn block_and_keep_rules_decide_together() {
        let s = RuleSubject {
            title: "Sponsored: buy now",
            author: Some("Ad Desk"),
            content: "Storm hits the coast",
            url: "https://example.com/world/1",
        };
        assert!(rules_admit(&[], &s));
        assert!(!rules_admit(
            &[rule(RuleAction::Block, RuleField::Title, "^sponsored")],
            &s
        ));
        assert!(rules_admit(
            &[rule(RuleAction::Block, RuleField::Author, "^staff$")],
            &s
        ));
        assert!(rules_admit(&[rule(RuleAction::Keep, RuleField::Url, "/world/")], &s));
        assert!(!rules_admit(
            &[rule(RuleAction::Keep, RuleField::Content, "election")],
            &s
        ));
        let both = [
            rule(RuleAction::Keep, RuleField::Content, "STORM"),
            rule(RuleAction::Block, RuleField::Title, "sponsored"),
        ];
        assert!(!rules_admit(&both, &s), "a block beats a keep");
        assert!(
            rules_admit(&[rule(RuleAction::Block, RuleField::Title, "(")], &s),
            "broken rule skipped"
        );
        assert!(compile_rule_pattern("(").is_err());
        assert!(compile_rule_pattern("").is_err());
        assert!(compile_rule_pattern(&"a".repeat(501)).is_err());
    }
}
