//! The offline demo web: a bundled fixture web of news sites on 127.0.0.1.
//!
//! `tracewire demo` must work without network access, so [`start_demo_web`]
//! starts five [`FixtureServer`]s, one per site, each on its own loopback port
//! (so every site has its own host `127.0.0.1:PORT`):
//!
//! * three original publishers — "The Daily Ledger" (RSS 2.0), "Northern
//!   Courier" (Atom 1.0) and "Metro Wire" (JSON Feed 1.1) — that share the 24
//!   bundled Wikinews articles (CC BY 2.5, see `corpus/wikinews/ATTRIBUTION.md`),
//!   each with its own page template, boilerplate and metadata style;
//! * two aggregators that republish some of those stories two to six hours
//!   later: "World News Feed", a WordPress scraper built on the template of
//!   the `fixtures/seed` page (which it also serves), and "Buzz Digest", an
//!   RSS 1.0 digest that edits some copies and copies one story from World
//!   News Feed rather than from its original, making a chain.
//!
//! Everything is generated deterministically from the corpus (no randomness,
//! no clock), so tests can rely on titles, paths and dates. Only the port
//! numbers change from run to run.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Offset, SecondsFormat, TimeZone, Utc};

use crate::{FixtureResponse, FixtureServer};

/// The seed aggregator page (a WordPress scraper copy of a news story).
pub const SEED_PAGE_HTML: &str = include_str!("../fixtures/seed/page.html");
/// The seed aggregator's RSS 2.0 feed, carrying the seed page's story.
pub const SEED_FEED_XML: &str = include_str!("../fixtures/seed/feed.xml");
/// The expected main text of [`SEED_PAGE_HTML`], one paragraph per line.
pub const SEED_ARTICLE_TXT: &str = include_str!("../fixtures/seed/article.txt");
/// The origin the seed files link to; [`rewrite_seed`] replaces it.
pub const SEED_ORIGIN: &str = "http://worldnewsfeed.example";
/// Where the seed page lives on its site (and on the demo "World News Feed").
pub const SEED_ARTICLE_PATH: &str = "/2015/09/18/russia-says-it-may-send-troops-into-combat-in-syria/";

/// The URL the seed page's "Source Article from" line names.
pub const SEED_SOURCE_URL: &str = "https://www.freedomsphoenix.com/News/183511-2015-09-18-russia-says-it-may-send-troops-into-combat-in-syria.htm?EdNo=001&From=RSS";

/// Page furniture of the seed page that must never appear in its extracted text.
pub const SEED_FORBIDDEN: &[&str] = &[
    "Source Article from",
    "Related posts",
    "Views:",
    "Recent Posts",
    "Leave a Reply",
    "Share on Facebook",
    "Proudly powered by",
];

/// The paragraphs of the seed article that its extraction must contain:
/// every line of [`SEED_ARTICLE_TXT`] before its "Source Article from" line.
pub fn seed_paragraphs() -> Vec<&'static str> {
    SEED_ARTICLE_TXT
        .lines()
        .take_while(|l| !l.starts_with("Source Article from"))
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Replaces the seed's origin (`http://worldnewsfeed.example`) in `text` with
/// `base_url` (given without a trailing slash; one is dropped if present).
pub fn rewrite_seed(text: &str, base_url: &str) -> String {
    text.replace(SEED_ORIGIN, base_url.trim_end_matches('/'))
}

macro_rules! corpus {
    ($($name:literal),* $(,)?) => {
        &[$((
            concat!("GUM_news_", $name, ".txt"),
            include_str!(concat!("../corpus/wikinews/GUM_news_", $name, ".txt")),
        )),*]
    };
}

/// The bundled Wikinews articles as (file name, contents), sorted by name.
pub static WIKINEWS_CORPUS: &[(&str, &str)] = corpus![
    "afghan",
    "asylum",
    "clock",
    "crane",
    "defector",
    "election",
    "expo",
    "flag",
    "hackers",
    "homeopathic",
    "ie9",
    "imprisoned",
    "iodine",
    "korea",
    "lanterns",
    "nasa",
    "questionnaire",
    "sensitive",
    "soccer",
    "stampede",
    "taxes",
    "warhol",
    "warming",
    "worship",
];

/// One parsed corpus article.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusArticle {
    /// Short key from the file name (`GUM_news_asylum.txt` → `asylum`).
    pub key: String,
    pub title: String,
    /// The Wikinews URL the text comes from.
    pub source: String,
    pub date: NaiveDate,
    pub author: String,
    pub license: String,
    /// The article text, without the repeated title and the dateline.
    pub paragraphs: Vec<String>,
}

/// Parses one corpus file: `key: value` header lines, a blank line, then
/// paragraphs separated by blank lines. The first paragraph is dropped when it
/// repeats the title, and a dateline such as "Thursday, February 23, 2006" is
/// dropped (or cut off the front of the paragraph it starts). Returns `None`
/// for a malformed file (no title, source, date or text).
pub fn parse_corpus_file(file_name: &str, text: &str) -> Option<CorpusArticle> {
    let mut lines = text.lines().map(str::trim);
    let (mut title, mut source, mut date, mut author, mut license) = (None, None, None, None, None);
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim() {
            "title" => title = Some(value),
            "source" => source = Some(value),
            "date" => date = NaiveDate::parse_from_str(&value, "%Y-%m-%d").ok(),
            "author" => author = Some(value),
            "license" => license = Some(value),
            _ => {}
        }
    }
    let (title, source, date) = (title?, source?, date?);
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    if paragraphs.first() == Some(&title) {
        paragraphs.remove(0);
    }
    if let Some(first) = paragraphs.first_mut()
        && let Ok((_, rest)) = NaiveDate::parse_and_remainder(first, "%A, %B %d, %Y")
    {
        if rest.trim().is_empty() {
            paragraphs.remove(0);
        } else if rest.starts_with(char::is_whitespace) {
            *first = rest.trim().to_string();
        }
    }
    if paragraphs.is_empty() {
        return None;
    }
    let key = file_name
        .trim_start_matches("GUM_news_")
        .trim_end_matches(".txt")
        .to_string();
    Some(CorpusArticle {
        key,
        title,
        source,
        date,
        author: author.unwrap_or_else(|| "Wikinews".to_string()),
        license: license.unwrap_or_else(|| "CC BY 2.5".to_string()),
        paragraphs,
    })
}

/// All well-formed bundled corpus articles, in file-name order.
pub fn corpus_articles() -> Vec<CorpusArticle> {
    WIKINEWS_CORPUS
        .iter()
        .filter_map(|(name, text)| parse_corpus_file(name, text))
        .collect()
}

/// One site of the demo web.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSite {
    pub name: String,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
    pub feed_url: String,
    pub home_url: String,
    /// `"rss2.0"`, `"rss1.0"`, `"atom"` or `"jsonfeed"`.
    pub format: &'static str,
    /// Whether the site republishes other sites' stories.
    pub aggregator: bool,
}

/// The running demo web; the servers stop when it is dropped.
pub struct DemoWeb {
    pub sites: Vec<DemoSite>,
    servers: Vec<FixtureServer>,
    articles: usize,
}

impl DemoWeb {
    /// Every site's feed URL, in site order (originals first).
    pub fn feed_urls(&self) -> Vec<String> {
        self.sites.iter().map(|s| s.feed_url.clone()).collect()
    }

    /// How many article pages the sites serve in all (home pages and feeds
    /// not counted).
    pub fn article_count(&self) -> usize {
        self.articles
    }

    /// The fixture servers, in site order (for request counters).
    pub fn servers(&self) -> &[FixtureServer] {
        &self.servers
    }
}

/// Starts the five demo sites on ephemeral loopback ports.
pub async fn start_demo_web() -> std::io::Result<DemoWeb> {
    let mut servers = Vec::with_capacity(SITE_COUNT);
    for _ in 0..SITE_COUNT {
        servers.push(FixtureServer::start().await?);
    }
    let bases: Vec<String> = servers.iter().map(FixtureServer::base_url).collect();
    let plans = build_web(&bases);
    let mut sites = Vec::with_capacity(plans.len());
    let mut articles = 0;
    for (plan, server) in plans.into_iter().zip(&servers) {
        for (path, response) in plan.routes {
            server.route(&path, response);
        }
        articles += plan.posts.len() + plan.extra_articles;
        sites.push(DemoSite {
            name: plan.name.to_string(),
            base_url: server.base_url(),
            feed_url: server.url(plan.feed_path),
            home_url: server.url("/"),
            format: plan.format,
            aggregator: plan.aggregator,
        });
    }
    Ok(DemoWeb {
        sites,
        servers,
        articles,
    })
}

// ---------------------------------------------------------------------------
// The plan: who publishes what, when.

const SITE_COUNT: usize = 5;
const LEDGER: &str = "The Daily Ledger";
const COURIER: &str = "Northern Courier";
const METRO: &str = "Metro Wire";
const WNF: &str = "World News Feed";
const BUZZ: &str = "Buzz Digest";
const BYLINE: &str = "Wikinews contributors";

/// Stories World News Feed copies: (corpus key, hours after the original).
const WNF_COPIES: [(&str, i64); 6] = [
    ("iodine", 3),
    ("crane", 2),
    ("asylum", 4),
    ("korea", 5),
    ("clock", 2),
    ("hackers", 6),
];

/// One story Buzz Digest copies, and how it changes it.
struct BuzzCopy {
    key: &'static str,
    hours: i64,
    /// Copy World News Feed's copy (and credit it) instead of the original.
    from_wnf: bool,
    /// The attribution line's lead-in.
    label: &'static str,
    headline: Option<&'static str>,
    drop_last_paragraph: bool,
    /// A sentence appended to the second paragraph.
    commentary: Option<&'static str>,
}

const BUZZ_COPIES: [BuzzCopy; 5] = [
    BuzzCopy {
        key: "crane",
        hours: 5,
        from_wnf: true,
        label: "via",
        headline: None,
        drop_last_paragraph: false,
        commentary: None,
    },
    BuzzCopy {
        key: "korea",
        hours: 3,
        from_wnf: false,
        label: "Originally published at",
        headline: Some("North Korea orders front-line troops onto a war footing"),
        drop_last_paragraph: false,
        commentary: None,
    },
    BuzzCopy {
        key: "iodine",
        hours: 4,
        from_wnf: false,
        label: "via",
        headline: None,
        drop_last_paragraph: true,
        commentary: None,
    },
    BuzzCopy {
        key: "lanterns",
        hours: 2,
        from_wnf: false,
        label: "Originally published at",
        headline: None,
        drop_last_paragraph: false,
        commentary: Some("Honestly, a giant spinning pig with its own laser show is reason enough to book the flight."),
    },
    BuzzCopy {
        key: "clock",
        hours: 6,
        from_wnf: false,
        label: "Originally published at",
        headline: None,
        drop_last_paragraph: false,
        commentary: None,
    },
];

/// One article page on one site.
#[derive(Debug, Clone)]
struct Post {
    key: String,
    title: String,
    path: String,
    url: String,
    published: DateTime<FixedOffset>,
    paragraphs: Vec<String>,
    /// The Wikinews URL of the text.
    wikinews: String,
    /// For copies: the attribution line's lead-in and the credited URL.
    credit: Option<(&'static str, String)>,
    /// A numeric post id (aggregators show them).
    id: u32,
}

/// Everything one site serves.
struct SitePlan {
    name: &'static str,
    format: &'static str,
    aggregator: bool,
    feed_path: &'static str,
    /// The generated article pages, newest first (the seed page excluded).
    posts: Vec<Post>,
    routes: Vec<(String, FixtureResponse)>,
    /// Article pages served besides `posts` (the seed page).
    extra_articles: usize,
}

/// Builds all sites' routes for the given base URLs (in site order: Ledger,
/// Courier, Metro Wire, World News Feed, Buzz Digest). Pure and deterministic.
fn build_web(bases: &[String]) -> Vec<SitePlan> {
    let base = |i: usize| bases.get(i).map(String::as_str).unwrap_or("");
    let mut originals: [Vec<Post>; 3] = Default::default();
    for (i, article) in corpus_articles().iter().enumerate() {
        let site = i % 3;
        if let Some(post) = original_post(site, base(site), article, (i / 3) as i64) {
            originals[site].push(post);
        }
    }
    for posts in &mut originals {
        posts.sort_by_key(|p| std::cmp::Reverse(p.published));
    }
    let by_key: HashMap<&str, &Post> = originals.iter().flatten().map(|p| (p.key.as_str(), p)).collect();
    let wnf_posts = wnf_posts(base(3), &by_key);
    let wnf_by_key: HashMap<&str, &Post> = wnf_posts.iter().map(|p| (p.key.as_str(), p)).collect();
    let buzz_posts = buzz_posts(base(4), &by_key, &wnf_by_key);
    let [ledger, courier, metro] = originals;
    vec![
        ledger_site(base(0), ledger),
        courier_site(base(1), courier),
        metro_site(base(2), metro),
        wnf_site(base(3), wnf_posts),
        buzz_site(base(4), buzz_posts),
    ]
}

fn tz(hours: i32) -> FixedOffset {
    FixedOffset::east_opt(hours * 3600).unwrap_or_else(|| Utc.fix())
}

/// `date` at `minutes` past local midnight in UTC`+offset_hours`.
fn at(date: NaiveDate, minutes: i64, offset_hours: i32) -> Option<DateTime<FixedOffset>> {
    let midnight = tz(offset_hours)
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(midnight + Duration::minutes(minutes))
}

fn original_post(site: usize, base: &str, article: &CorpusArticle, n: i64) -> Option<Post> {
    let slug = slugify(&article.title);
    let (path, offset, first_minute, step) = match site {
        0 => (format!("/news/{slug}.html"), 0, 6 * 60 + 30, 11),
        1 => (format!("/stories/{}/{slug}", article.date.year()), -5, 7 * 60 + 15, 13),
        _ => (format!("/a/{slug}"), 10, 13 * 60, 9),
    };
    Some(Post {
        key: article.key.clone(),
        title: article.title.clone(),
        url: format!("{base}{path}"),
        path,
        published: at(article.date, first_minute + step * n, offset)?,
        paragraphs: article.paragraphs.clone(),
        wikinews: article.source.clone(),
        credit: None,
        id: 0,
    })
}

fn wnf_posts(base: &str, originals: &HashMap<&str, &Post>) -> Vec<Post> {
    let mut posts: Vec<Post> = WNF_COPIES
        .iter()
        .filter_map(|(key, hours)| {
            let original = originals.get(key)?;
            let published = (original.published + Duration::hours(*hours)).with_timezone(&tz(0));
            let title = title_case(&original.title);
            let path = format!("/{}/{}/", published.format("%Y/%m/%d"), slugify(&title));
            Some(Post {
                key: original.key.clone(),
                title,
                url: format!("{base}{path}"),
                path,
                published,
                paragraphs: original.paragraphs.clone(),
                wikinews: original.wikinews.clone(),
                credit: Some(("Source Article from", original.url.clone())),
                id: 0,
            })
        })
        .collect();
    // WordPress ids grow with time.
    posts.sort_by_key(|p| p.published);
    for (i, post) in posts.iter_mut().enumerate() {
        post.id = 31_877 + 2_389 * i as u32;
    }
    posts.reverse();
    posts
}

fn buzz_posts(base: &str, originals: &HashMap<&str, &Post>, wnf: &HashMap<&str, &Post>) -> Vec<Post> {
    let mut posts: Vec<Post> = BUZZ_COPIES
        .iter()
        .enumerate()
        .filter_map(|(i, copy)| {
            let original = originals.get(copy.key)?;
            let source = if copy.from_wnf { wnf.get(copy.key)? } else { original };
            let published = (original.published + Duration::hours(copy.hours)).with_timezone(&tz(-7));
            let title = copy.headline.map_or_else(|| source.title.clone(), str::to_string);
            let id = 4_512 + 317 * i as u32;
            let path = format!("/read/{}-{id}", slugify(&title));
            let mut paragraphs = source.paragraphs.clone();
            if copy.drop_last_paragraph && paragraphs.len() > 1 {
                paragraphs.pop();
            }
            if let (Some(sentence), Some(p)) = (copy.commentary, paragraphs.get_mut(1)) {
                p.push(' ');
                p.push_str(sentence);
            }
            Some(Post {
                key: original.key.clone(),
                title,
                url: format!("{base}{path}"),
                path,
                published,
                paragraphs,
                wikinews: original.wikinews.clone(),
                credit: Some((copy.label, source.url.clone())),
                id,
            })
        })
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse(p.published));
    posts
}

// ---------------------------------------------------------------------------
// Small helpers.

/// Escapes text for HTML and XML (content and quoted attributes).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Wraps HTML in a CDATA section (splitting any `]]>` inside).
fn cdata(html: &str) -> String {
    format!("<![CDATA[{}]]>", html.replace("]]>", "]]]]><![CDATA[>"))
}

fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            continue;
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.len() > 80 {
        let cut = slug
            .char_indices()
            .filter(|(i, c)| *c == '-' && *i <= 80)
            .map(|(i, _)| i)
            .next_back()
            .unwrap_or(slug.len());
        slug.truncate(cut);
    }
    slug
}

/// "North Korea puts military in 'quasi-state of war'" →
/// "North Korea Puts Military In 'Quasi-state Of War'" (scraper style).
fn title_case(title: &str) -> String {
    title
        .split(' ')
        .map(|word| {
            let mut out = String::with_capacity(word.len());
            let mut done = false;
            for c in word.chars() {
                if !done && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                    done = true;
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first substantial paragraph that is not a photo caption, cut to
/// about 200 characters.
fn teaser(paragraphs: &[String]) -> String {
    let first = paragraphs
        .iter()
        .find(|p| p.len() >= 80 && !p.contains("Image:"))
        .or(paragraphs.first())
        .map(String::as_str)
        .unwrap_or("");
    if first.chars().count() <= 200 {
        return first.to_string();
    }
    let mut cut = String::new();
    for word in first.split_whitespace() {
        if cut.len() + word.len() > 190 {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    cut.push('…');
    cut
}

fn iso(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn http_date(t: &DateTime<FixedOffset>) -> String {
    t.with_timezone(&Utc).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A strong ETag from the body's FNV-1a hash.
fn etag(body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

fn paragraphs_html(paragraphs: &[String], indent: &str, class: &str) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    paragraphs
        .iter()
        .map(|p| format!("{indent}<p{class}>{}</p>\n", esc(p)))
        .collect()
}

fn licence_credit(post: &Post) -> String {
    format!(
        "<p>This article originally appeared on <a href=\"{}\">Wikinews</a> and is licensed under CC BY 2.5.</p>",
        esc(&post.wikinews)
    )
}

fn credit_line(post: &Post, extra: &str) -> String {
    match &post.credit {
        Some((label, url)) => {
            let url = esc(url);
            format!("<p>{label} <a href=\"{url}\"{extra}>{url}</a></p>")
        }
        None => String::new(),
    }
}

/// Up to `n` posts other than `me`, going round the list from `start`.
fn others<'a>(posts: &'a [Post], me: &Post, start: usize, n: usize) -> Vec<&'a Post> {
    let len = posts.len().max(1);
    (0..posts.len())
        .filter_map(|i| posts.get((start + i) % len))
        .filter(|p| p.path != me.path)
        .take(n)
        .collect()
}

fn link_items(posts: &[&Post], indent: &str, extra: &str) -> String {
    posts
        .iter()
        .map(|p| {
            format!(
                "{indent}<li><a href=\"{}\"{extra}>{}</a></li>\n",
                esc(&p.path),
                esc(&p.title)
            )
        })
        .collect()
}

fn share_links(url: &str, sep: &str) -> String {
    let url = esc(url);
    [
        format!("<a class=\"share-facebook\" href=\"https://www.facebook.com/sharer/sharer.php?u={url}\">Share on Facebook</a>"),
        format!("<a class=\"share-twitter\" href=\"https://twitter.com/intent/tweet?url={url}\">Tweet</a>"),
        format!("<a class=\"share-email\" href=\"mailto:?body={url}\">Email</a>"),
    ]
    .join(sep)
}

fn newest(posts: &[Post]) -> Option<&DateTime<FixedOffset>> {
    posts.iter().map(|p| &p.published).max()
}

fn feed_response(response: FixtureResponse, body: &str) -> FixtureResponse {
    response.with_etag(&etag(body))
}

/// A home page listing the site's stories (the layout differs per site via
/// `class`, the masthead and the sidebar).
fn home_page(
    name: &str,
    class: &str,
    feed: (&str, &str, &str),
    masthead: &str,
    posts: &[Post],
    sidebar: &str,
    footer: &str,
) -> String {
    let (feed_type, feed_title, feed_href) = feed;
    let mut items = String::new();
    for (i, post) in posts.iter().enumerate() {
        let lead = if i == 0 { " lead" } else { "" };
        let _ = writeln!(
            items,
            "      <li class=\"{class}-teaser{lead}\"><h2><a href=\"{}\">{}</a></h2><p>{}</p><span class=\"{class}-date\">{}</span></li>",
            esc(&post.path),
            esc(&post.title),
            esc(&teaser(&post.paragraphs)),
            post.published.format("%-d %B %Y")
        );
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{name} — Latest news</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta property="og:site_name" content="{name}">
  <link rel="alternate" type="{feed_type}" title="{feed_title}" href="{feed_href}">
</head>
<body class="{class}-home">
  {masthead}
  <div class="{class}-columns">
    <main>
    <ul class="{class}-list">
{items}    </ul>
    </main>
    {sidebar}
  </div>
  <footer class="{class}-footer"><p>&copy; {name}. All rights reserved.{footer}</p></footer>
</body>
</html>
"#
    )
}

// ---------------------------------------------------------------------------
// The Daily Ledger: RSS 2.0, `/news/<slug>.html`, meta tags.

fn ledger_site(base: &str, posts: Vec<Post>) -> SitePlan {
    let mut routes = Vec::new();
    for (i, post) in posts.iter().enumerate() {
        routes.push((post.path.clone(), FixtureResponse::html(ledger_page(post, &posts, i))));
    }
    let masthead = format!(
        "<header class=\"masthead\"><a class=\"logo\" href=\"/\">{LEDGER}</a>{}</header>",
        ledger_nav()
    );
    let sidebar = "<aside class=\"rail\"><section class=\"newsletter-signup\"><h2>Newsletter: sign up</h2><p>The Ledger Briefing, every weekday morning.</p></section></aside>";
    let home = home_page(
        LEDGER,
        "ledger",
        ("application/rss+xml", "The Daily Ledger - Top Stories", "/rss.xml"),
        &masthead,
        &posts,
        sidebar,
        "",
    );
    routes.push(("/".to_string(), FixtureResponse::html(home)));

    let mut items = String::new();
    for post in &posts {
        let _ = write!(
            items,
            "    <item>\n      <title>{title}</title>\n      <link>{url}</link>\n      <guid isPermaLink=\"true\">{url}</guid>\n      <pubDate>{date}</pubDate>\n      <dc:creator>{BYLINE}</dc:creator>\n      <description>{teaser}</description>\n    </item>\n",
            title = esc(&post.title),
            url = esc(&post.url),
            date = post.published.to_rfc2822(),
            teaser = esc(&teaser(&post.paragraphs)),
        );
    }
    let updated = newest(&posts).map(|t| t.to_rfc2822()).unwrap_or_default();
    let feed = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>The Daily Ledger - Top Stories</title>
    <link>{base}/</link>
    <description>The day's top stories from The Daily Ledger</description>
    <language>en-gb</language>
    <atom:link href="{base}/rss.xml" rel="self" type="application/rss+xml"/>
    <lastBuildDate>{updated}</lastBuildDate>
    <ttl>15</ttl>
{items}  </channel>
</rss>
"#
    );
    let mut response = feed_response(FixtureResponse::rss(feed.clone()), &feed);
    if let Some(t) = newest(&posts) {
        response = response.with_last_modified(&http_date(t));
    }
    routes.push(("/rss.xml".to_string(), response));
    SitePlan {
        name: LEDGER,
        format: "rss2.0",
        aggregator: false,
        feed_path: "/rss.xml",
        extra_articles: 0,
        posts,
        routes,
    }
}

fn ledger_nav() -> &'static str {
    r#"<nav class="primary-nav"><ul><li><a href="/">Home</a></li><li><a href="/section/world">World</a></li><li><a href="/section/politics">Politics</a></li><li><a href="/section/business">Business</a></li><li><a href="/section/science">Science</a></li><li><a href="/section/sport">Sport</a></li><li><a href="/section/opinion">Opinion</a></li></ul></nav>"#
}

fn ledger_page(post: &Post, posts: &[Post], i: usize) -> String {
    let title = esc(&post.title);
    let url = esc(&post.url);
    let teaser = esc(&teaser(&post.paragraphs));
    let published = iso(&post.published);
    let human = post.published.format("%-d %B %Y, %H:%M GMT");
    let year = post.published.year();
    let nav = ledger_nav();
    let share = share_links(&post.url, " ");
    let body = paragraphs_html(&post.paragraphs, "          ", "");
    let credit = licence_credit(post);
    let related = link_items(&others(posts, post, i + 1, 3), "        ", "");
    let most_read = link_items(&others(posts, post, 0, 5), "        ", "");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} | The Daily Ledger</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="description" content="{teaser}">
  <meta name="author" content="{BYLINE}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{title}">
  <meta property="og:description" content="{teaser}">
  <meta property="og:site_name" content="The Daily Ledger">
  <meta property="og:url" content="{url}">
  <meta property="article:published_time" content="{published}">
  <meta property="article:section" content="World">
  <link rel="canonical" href="{url}">
  <link rel="alternate" type="application/rss+xml" title="The Daily Ledger - Top Stories" href="/rss.xml">
  <link rel="stylesheet" href="/static/css/ledger.css">
</head>
<body class="article-page">
  <div id="cookie-notice" class="cookie-notice" role="dialog"><p>We use cookies to personalise content and ads and to analyse our traffic. By continuing to browse you agree to our <a href="/privacy#cookies">cookie policy</a>.</p><button type="button" class="btn-accept">Accept all cookies</button> <button type="button" class="btn-manage">Manage preferences</button></div>
  <div id="wrapper">
    <header class="masthead">
      <div class="masthead__top"><span class="edition">International edition</span> <a href="/subscribe" class="btn-subscribe">Subscribe</a> <a href="/login">Sign in</a></div>
      <a class="logo" href="/">The Daily Ledger</a>
      {nav}
    </header>
    <div class="page-grid">
      <article class="story">
        <header class="story-header">
          <p class="kicker"><a href="/section/world">World</a></p>
          <h1 class="story-headline">{title}</h1>
          <p class="byline">By <span class="author">{BYLINE}</span> &middot; <span class="published">{human}</span></p>
        </header>
        <div class="share-bar">{share}</div>
        <div class="story-body">
{body}          {credit}
        </div>
        <section class="related-stories">
          <h2>Related stories</h2>
          <ul>
{related}          </ul>
        </section>
        <section id="comments" class="comments">
          <h2>Comments (0)</h2>
          <p>Be the first to comment on this story.</p>
          <form class="comment-form" action="/comments" method="post"><label>Your comment <textarea name="body" rows="4"></textarea></label> <button type="submit">Post comment</button></form>
        </section>
      </article>
      <aside class="rail">
        <section class="most-read">
          <h2>Most read</h2>
          <ol>
{most_read}          </ol>
        </section>
        <section class="newsletter-signup"><h2>Newsletter: sign up</h2><p>The Ledger Briefing: the day's top stories, every weekday morning.</p><form action="/newsletter" method="post"><input type="email" name="email" placeholder="Your email address"> <button type="submit">Sign up</button></form></section>
        <div class="ad-slot" data-ad="rail-mpu">Advertisement</div>
      </aside>
    </div>
    <footer class="site-footer">
      <nav><a href="/about">About us</a> &middot; <a href="/contact">Contact</a> &middot; <a href="/terms">Terms of use</a> &middot; <a href="/privacy">Privacy policy</a></nav>
      <p>&copy; {year} The Daily Ledger. All rights reserved.</p>
    </footer>
  </div>
</body>
</html>
"#
    )
}

// ---------------------------------------------------------------------------
// Northern Courier: Atom 1.0, `/stories/<yyyy>/<slug>`, `<time datetime>`.

fn courier_site(base: &str, posts: Vec<Post>) -> SitePlan {
    let mut routes = Vec::new();
    for (i, post) in posts.iter().enumerate() {
        routes.push((post.path.clone(), FixtureResponse::html(courier_page(post, &posts, i))));
    }
    let masthead = format!(
        "<header id=\"top\" class=\"nc-header\"><div class=\"nc-brand\"><a href=\"/\">{COURIER}</a></div>{}</header>",
        courier_nav()
    );
    let sidebar = "<aside class=\"nc-sidebar\"><div class=\"widget newsletter\"><h4>Newsletter: sign up</h4><p>Get The Morning Courier in your inbox.</p></div></aside>";
    let home = home_page(
        COURIER,
        "nc",
        ("application/atom+xml", "Northern Courier", "/atom.xml"),
        &masthead,
        &posts,
        sidebar,
        "",
    );
    routes.push(("/".to_string(), FixtureResponse::html(home)));

    let mut entries = String::new();
    for post in &posts {
        let _ = write!(
            entries,
            "  <entry>\n    <id>tag:northerncourier.example,{day}:{path}</id>\n    <title type=\"text\">{title}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n    <published>{date}</published>\n    <updated>{date}</updated>\n    <author><name>{BYLINE}</name></author>\n    <category term=\"news\"/>\n    <summary type=\"text\">{teaser}</summary>\n  </entry>\n",
            day = post.published.format("%Y-%m-%d"),
            path = esc(&post.path),
            title = esc(&post.title),
            url = esc(&post.url),
            date = iso(&post.published),
            teaser = esc(&teaser(&post.paragraphs)),
        );
    }
    let updated = newest(&posts).map(iso).unwrap_or_default();
    let feed = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>tag:northerncourier.example,2005:/atom.xml</id>
  <title>Northern Courier</title>
  <subtitle>Independent news from the North</subtitle>
  <link rel="self" type="application/atom+xml" href="{base}/atom.xml"/>
  <link rel="alternate" type="text/html" href="{base}/"/>
  <updated>{updated}</updated>
  <generator>Courier CMS</generator>
{entries}</feed>
"#
    );
    routes.push((
        "/atom.xml".to_string(),
        feed_response(FixtureResponse::atom(feed.clone()), &feed),
    ));
    SitePlan {
        name: COURIER,
        format: "atom",
        aggregator: false,
        feed_path: "/atom.xml",
        extra_articles: 0,
        posts,
        routes,
    }
}

fn courier_nav() -> &'static str {
    r#"<nav class="nc-nav" aria-label="Sections"><a href="/news">News</a> <a href="/canada">Canada</a> <a href="/world">World</a> <a href="/business">Business</a> <a href="/arts">Arts &amp; Life</a> <a href="/sports">Sports</a></nav>"#
}

fn courier_page(post: &Post, posts: &[Post], i: usize) -> String {
    let title = esc(&post.title);
    let url = esc(&post.url);
    let published = iso(&post.published);
    let human = post.published.format("%B %-d, %Y, %-I:%M %p ET");
    let year = post.published.year();
    let nav = courier_nav();
    let share: String = share_links(&post.url, "\n")
        .lines()
        .map(|l| format!("<li>{l}</li>"))
        .collect();
    // Longer stories get a "Background" subheading two thirds of the way in.
    let n = post.paragraphs.len();
    let split = if n >= 6 { n * 2 / 3 } else { n };
    let (head, tail) = post.paragraphs.split_at(split);
    let mut body = paragraphs_html(head, "          ", "");
    if !tail.is_empty() {
        body.push_str("          <h2 class=\"subhead\">Background</h2>\n");
        body.push_str(&paragraphs_html(tail, "          ", ""));
    }
    let credit = licence_credit(post);
    let more = link_items(&others(posts, post, i + 2, 4), "          ", "");
    let most_read = link_items(&others(posts, post, 1, 5), "          ", "");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | Northern Courier</title>
<meta name="author" content="{BYLINE}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Northern Courier">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/atom+xml" title="Northern Courier" href="/atom.xml">
<script src="/assets/js/courier.min.js" async></script>
</head>
<body class="nc-story">
<div class="gdpr-consent" id="consent"><strong>Your privacy matters.</strong> We and our partners store and access information on your device to deliver and measure content and ads. <a href="/privacy" class="consent-accept">Accept</a> <a href="/privacy/settings" class="consent-reject">Reject non-essential</a></div>
<header id="top" class="nc-header">
  <div class="nc-brand"><a href="/">Northern Courier</a><span class="tagline">Independent news since 1898</span></div>
  {nav}
  <form class="nc-search" action="/search"><input name="q" type="search" placeholder="Search the Courier"></form>
</header>
<div class="nc-layout">
  <main id="content">
    <div class="story-wrap">
      <div class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/news">News</a> &rsaquo; <span>{year}</span></div>
      <h1 class="headline">{title}</h1>
      <div class="meta-line"><span class="by">{BYLINE}</span> | <time class="published" datetime="{published}">{human}</time></div>
      <ul class="share-tools">{share}<li><button type="button" class="copy-link">Copy link</button></li></ul>
      <div class="story-text">
{body}          {credit}
      </div>
      <p class="corrections">Spotted an error? <a href="/corrections">Report a correction</a>.</p>
    </div>
    <section class="more-from">
      <h3>More from Northern Courier</h3>
      <ul>
{more}      </ul>
    </section>
    <section class="discussion" id="discussion">
      <h3>Join the conversation</h3>
      <p>Commenting is open to subscribers. Please keep it civil.</p>
      <form action="/discussion" method="post"><textarea name="comment" placeholder="Add a comment"></textarea><input type="submit" value="Submit comment"></form>
      <ol class="comment-list"></ol>
    </section>
  </main>
  <aside class="nc-sidebar">
    <div class="widget most-read"><h4>Most read</h4>
      <ol>
{most_read}      </ol>
    </div>
    <div class="widget newsletter"><h4>Newsletter: sign up</h4><p>Get The Morning Courier in your inbox at 6 a.m.</p><form action="/newsletters" method="post"><input type="email" name="email" placeholder="Email address"><button>Sign me up</button></form></div>
  </aside>
</div>
<footer class="nc-footer">
  <ul><li><a href="/about">About the Courier</a></li><li><a href="/advertise">Advertise</a></li><li><a href="/terms">Terms</a></li><li><a href="/privacy">Privacy</a></li></ul>
  <p>Copyright &copy; {year} Northern Courier Media Inc. All rights reserved.</p>
</footer>
</body>
</html>
"#
    )
}

// ---------------------------------------------------------------------------
// Metro Wire: JSON Feed 1.1, `/a/<slug>`, JSON-LD instead of some meta tags.

fn metro_site(base: &str, posts: Vec<Post>) -> SitePlan {
    let mut routes = Vec::new();
    for (i, post) in posts.iter().enumerate() {
        routes.push((post.path.clone(), FixtureResponse::html(metro_page(post, &posts, i))));
    }
    let masthead = format!(
        "<header class=\"site-header\"><a class=\"site-header__logo\" href=\"/\">METRO<span>WIRE</span></a>{}</header>",
        metro_nav()
    );
    let sidebar = "<aside class=\"home__sidebar\"><div class=\"newsletter-box\"><h3>Newsletter: sign up</h3><p>The Wire, daily at noon.</p></div></aside>";
    let home = home_page(
        METRO,
        "home",
        ("application/feed+json", "Metro Wire", "/feed.json"),
        &masthead,
        &posts,
        sidebar,
        "",
    );
    routes.push(("/".to_string(), FixtureResponse::html(home)));

    let items: Vec<serde_json::Value> = posts
        .iter()
        .map(|post| {
            let summary = teaser(&post.paragraphs);
            serde_json::json!({
                "id": post.url,
                "url": post.url,
                "title": post.title,
                "content_text": summary,
                "summary": summary,
                "date_published": iso(&post.published),
                "authors": [{ "name": BYLINE }],
                "tags": ["news"],
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": METRO,
        "home_page_url": format!("{base}/"),
        "feed_url": format!("{base}/feed.json"),
        "description": "Fast news for busy people.",
        "language": "en",
        "authors": [{ "name": "Metro Wire newsroom" }],
        "items": items,
    });
    let feed = serde_json::to_string_pretty(&feed).unwrap_or_default();
    routes.push((
        "/feed.json".to_string(),
        feed_response(FixtureResponse::json_feed(feed.clone()), &feed),
    ));
    SitePlan {
        name: METRO,
        format: "jsonfeed",
        aggregator: false,
        feed_path: "/feed.json",
        extra_articles: 0,
        posts,
        routes,
    }
}

fn metro_nav() -> &'static str {
    r#"<nav class="site-header__nav"><a href="/c/local">Local</a><a href="/c/world">World</a><a href="/c/tech">Tech</a><a href="/c/culture">Culture</a><a href="/c/sport">Sport</a></nav>"#
}

/// The first quotation of 40–200 characters in the text, for a pull quote.
fn pull_quote(paragraphs: &[String]) -> Option<String> {
    for p in paragraphs {
        for (open, close) in [('"', '"'), ('“', '”')] {
            let mut rest = p.as_str();
            while let Some(start) = rest.find(open) {
                let after = &rest[start + open.len_utf8()..];
                let Some(end) = after.find(close) else { break };
                let quote = &after[..end];
                let quote = quote.trim().trim_end_matches([',', ' ']);
                if (40..=200).contains(&quote.chars().count()) {
                    return Some(quote.to_string());
                }
                rest = &after[end + close.len_utf8()..];
            }
        }
    }
    None
}

fn metro_page(post: &Post, posts: &[Post], i: usize) -> String {
    let title = esc(&post.title);
    let url = esc(&post.url);
    let published = iso(&post.published);
    let human = post.published.format("%-d %b %Y · %-I:%M%P");
    let year = post.published.year();
    let words: usize = post.paragraphs.iter().map(|p| p.split_whitespace().count()).sum();
    let minutes = words.div_ceil(200).max(1);
    let nav = metro_nav();
    let share = share_links(&post.url, "");
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title,
        "datePublished": published,
        "dateModified": published,
        "author": [{ "@type": "Organization", "name": BYLINE, "url": "https://en.wikinews.org" }],
        "publisher": { "@type": "Organization", "name": METRO },
        "mainEntityOfPage": { "@type": "WebPage", "@id": post.url },
        "description": teaser(&post.paragraphs),
        "isAccessibleForFree": true,
    });
    let ld = serde_json::to_string(&ld).unwrap_or_default().replace("</", "<\\/");
    let mut body = String::new();
    for (n, p) in post.paragraphs.iter().enumerate() {
        let _ = writeln!(body, "          <p class=\"article__para\">{}</p>", esc(p));
        if n == 1
            && post.paragraphs.len() > 4
            && let Some(quote) = pull_quote(&post.paragraphs)
        {
            let _ = writeln!(
                body,
                "          <aside class=\"pull-quote\"><blockquote>“{}”</blockquote></aside>",
                esc(&quote)
            );
        }
    }
    let credit = licence_credit(post);
    let cards: String = others(posts, post, i + 3, 4)
        .iter()
        .map(|p| {
            format!(
                "<a class=\"card\" href=\"{}\"><span class=\"card__title\">{}</span></a>",
                esc(&p.path),
                esc(&p.title)
            )
        })
        .collect();
    let trending = link_items(&others(posts, post, 2, 5), "            ", " class=\"trending__link\"");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title} | Metro Wire</title>
    <meta property="og:type" content="article">
    <meta property="og:title" content="{title}">
    <meta property="og:site_name" content="Metro Wire">
    <meta property="og:url" content="{url}">
    <meta name="twitter:card" content="summary_large_image">
    <link rel="canonical" href="{url}">
    <link rel="alternate" type="application/feed+json" title="Metro Wire" href="/feed.json">
    <link rel="preload" as="script" href="/_next/static/chunks/main-3f9a1c.js">
    <script type="application/ld+json">{ld}</script>
  </head>
  <body>
    <div id="__next">
      <div class="consent-banner" role="dialog" aria-label="Cookie consent"><p>Metro Wire and our partners use cookies to improve your experience and show you relevant ads.</p><button type="button" class="consent-banner__accept">OK, got it</button><a class="consent-banner__more" href="/cookies">Cookie settings</a></div>
      <header class="site-header"><a class="site-header__logo" href="/">METRO<span>WIRE</span></a>{nav}<button class="site-header__menu" aria-label="Menu">Menu</button></header>
      <main>
        <section class="article__content">
          <div class="article__eyebrow">News</div>
          <h1 class="article__headline">{title}</h1>
          <div class="article__meta"><span class="article__author">{BYLINE}</span> <span class="article__date">{human}</span> <span class="article__readtime">{minutes} min read</span></div>
          <div class="article__share">{share}</div>
          <div class="article__body">
{body}          {credit}
          </div>
          <div class="article__tags"><a href="/t/news">News</a> <a href="/t/world">World</a></div>
        </section>
        <section class="article__related">
          <h2>More from Metro Wire</h2>
          <div class="card-list">{cards}</div>
        </section>
        <section class="article__comments" id="comments"><h2>Comments</h2><p>Comments are closed for this story.</p></section>
        <aside class="article__sidebar">
          <div class="trending"><h3>Most read</h3>
            <ol>
{trending}            </ol>
          </div>
          <div class="newsletter-box"><h3>Newsletter: sign up</h3><p>The Wire lands in your inbox daily at noon.</p><form action="/api/subscribe" method="post"><input type="email" name="email" placeholder="you@example.com"><button type="submit">Subscribe</button></form></div>
        </aside>
      </main>
      <footer class="site-footer"><p>&copy; {year} Metro Wire Pty Ltd. All rights reserved.</p><p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p></footer>
    </div>
    <script src="/_next/static/chunks/main-3f9a1c.js" defer></script>
  </body>
</html>
"#
    )
}

// ---------------------------------------------------------------------------
// World News Feed: WordPress scraper in the seed page's template, RSS 2.0 with
// `content:encoded` at `/feed/`.

fn wnf_site(base: &str, posts: Vec<Post>) -> SitePlan {
    let seed_page = rewrite_seed(SEED_PAGE_HTML, base);
    let seed_feed = rewrite_seed(SEED_FEED_XML, base);
    let seed_item = seed_feed
        .find("<item>")
        .zip(seed_feed.find("</item>"))
        .and_then(|(start, end)| seed_feed.get(start..end + "</item>".len()))
        .map(|item| format!("  {item}\n"));
    let seed_time = DateTime::parse_from_rfc3339("2015-09-18T14:05:00+00:00").ok();
    // The listing (home page, sidebars) includes the seed story.
    let mut listing: Vec<Post> = posts.clone();
    if let Some(published) = seed_time {
        listing.push(Post {
            key: "seed".to_string(),
            title: "Russia Says It May Send Troops Into Combat In Syria".to_string(),
            path: SEED_ARTICLE_PATH.to_string(),
            url: format!("{base}{SEED_ARTICLE_PATH}"),
            published,
            paragraphs: SEED_ARTICLE_TXT.lines().take(7).map(str::to_string).collect(),
            wikinews: String::new(),
            credit: None,
            id: 48_213,
        });
    }
    listing.sort_by_key(|p| std::cmp::Reverse(p.published));

    let mut routes = vec![(SEED_ARTICLE_PATH.to_string(), FixtureResponse::html(seed_page))];
    for post in &posts {
        routes.push((post.path.clone(), FixtureResponse::html(wnf_page(base, post, &listing))));
    }
    let masthead = format!(
        "<header id=\"masthead\" class=\"site-header\" role=\"banner\"><h1 class=\"site-title\"><a href=\"{base}/\" rel=\"home\">{WNF}</a></h1><p class=\"site-description\">News from around the web, updated every hour</p></header>"
    );
    let sidebar = "<aside id=\"secondary\" class=\"sidebar widget-area\"><section class=\"widget widget_text\"><h2 class=\"widget-title\">Subscribe</h2></section></aside>";
    let home = home_page(
        WNF,
        "wp",
        ("application/rss+xml", "World News Feed &raquo; Feed", "/feed/"),
        &masthead,
        &listing,
        sidebar,
        " Proudly powered by WordPress.",
    );
    routes.push(("/".to_string(), FixtureResponse::html(home)));

    let mut items = String::new();
    let mut all: Vec<(&DateTime<FixedOffset>, String)> =
        posts.iter().map(|p| (&p.published, wnf_item(base, p))).collect();
    if let (Some(t), Some(item)) = (&seed_time, seed_item) {
        all.push((t, item));
    }
    all.sort_by(|a, b| b.0.cmp(a.0));
    for (_, item) in &all {
        items.push_str(item);
    }
    let updated = all.first().map(|(t, _)| t.to_rfc2822()).unwrap_or_default();
    let feed = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>World News Feed</title>
  <atom:link href="{base}/feed/" rel="self" type="application/rss+xml" />
  <link>{base}</link>
  <description>News from around the web, updated every hour</description>
  <lastBuildDate>{updated}</lastBuildDate>
  <language>en-US</language>
  <generator>https://wordpress.org/?v=4.3.1</generator>
{items}</channel>
</rss>
"#
    );
    let mut response = feed_response(FixtureResponse::rss(feed.clone()), &feed);
    if let Some((t, _)) = all.first() {
        response = response.with_last_modified(&http_date(t));
    }
    routes.push(("/feed/".to_string(), response));
    SitePlan {
        name: WNF,
        format: "rss2.0",
        aggregator: true,
        feed_path: "/feed/",
        extra_articles: 1,
        posts,
        routes,
    }
}

fn wnf_item(base: &str, post: &Post) -> String {
    let mut content = String::new();
    for p in &post.paragraphs {
        let _ = writeln!(content, "<p>{}</p>", esc(p));
    }
    content.push_str(&credit_line(post, ""));
    content.push_str("\n<p>Related posts:</p>\n<p>Views: 0</p>");
    let mut description = teaser(&post.paragraphs);
    if let Some(stripped) = description.strip_suffix('…') {
        description = format!("{stripped} [&#8230;]");
    }
    format!(
        "  <item>\n    <title>{title}</title>\n    <link>{url}</link>\n    <pubDate>{date}</pubDate>\n    <dc:creator><![CDATA[admin]]></dc:creator>\n    <category><![CDATA[World]]></category>\n    <guid isPermaLink=\"false\">{base}/?p={id}</guid>\n    <description>{description}</description>\n    <content:encoded>{content}</content:encoded>\n  </item>\n",
        title = esc(&post.title),
        url = esc(&post.url),
        date = post.published.to_rfc2822(),
        id = post.id,
        description = cdata(&description),
        content = cdata(&content),
    )
}

fn wnf_page(base: &str, post: &Post, listing: &[Post]) -> String {
    let title = esc(&post.title);
    let url = esc(&post.url);
    let published = iso(&post.published);
    let human = post.published.format("%B %-d, %Y");
    let year = post.published.year();
    let id = post.id;
    let body = paragraphs_html(&post.paragraphs, "      ", "");
    let credit = credit_line(post, " target=\"_blank\" rel=\"nofollow\"");
    let position = listing.iter().position(|p| p.path == post.path).unwrap_or(0);
    let abs = |p: &Post| format!("{base}{}", p.path);
    let related: String = others(listing, post, position + 1, 3)
        .iter()
        .map(|p| {
            format!(
                "                <li><a href=\"{}\" rel=\"bookmark\">{}</a></li>\n",
                esc(&abs(p)),
                esc(&p.title)
            )
        })
        .collect();
    let recent: String = others(listing, post, 0, 3)
        .iter()
        .map(|p| {
            format!(
                "            <li><a href=\"{}\">{}</a></li>\n",
                esc(&abs(p)),
                esc(&p.title)
            )
        })
        .collect();
    let mut post_nav = String::new();
    if let Some(prev) = listing.get(position + 1) {
        let _ = write!(
            post_nav,
            "<a href=\"{}\" rel=\"prev\">{}</a>",
            esc(&abs(prev)),
            esc(&prev.title)
        );
    }
    if let Some(next) = position.checked_sub(1).and_then(|i| listing.get(i)) {
        let _ = write!(
            post_nav,
            " <a href=\"{}\" rel=\"next\">{}</a>",
            esc(&abs(next)),
            esc(&next.title)
        );
    }
    format!(
        r##"<!DOCTYPE html>
<html lang="en-US">
<head>
  <meta charset="UTF-8">
  <title>{title} | World News Feed</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{title}">
  <meta property="og:site_name" content="World News Feed">
  <meta property="article:published_time" content="{published}">
  <link rel="canonical" href="{url}">
  <link rel="alternate" type="application/rss+xml" title="World News Feed &raquo; Feed" href="{base}/feed/">
  <script>var _wpemojiSettings = {{"baseUrl":"https:\/\/s.w.org\/images\/core\/emoji\/72x72\/"}};</script>
  <style>.sidebar{{float:right;width:30%}} .post-views{{color:#999}}</style>
</head>
<body class="post-template-default single single-post">
  <div id="page" class="hfeed site">
    <header id="masthead" class="site-header" role="banner">
      <h1 class="site-title"><a href="{base}/" rel="home">World News Feed</a></h1>
      <p class="site-description">News from around the web, updated every hour</p>
      <nav id="site-navigation" class="main-navigation" role="navigation">
        <ul class="menu">
          <li><a href="{base}/category/world/">World</a></li>
          <li><a href="{base}/category/politics/">Politics</a></li>
          <li><a href="{base}/category/economy/">Economy</a></li>
          <li><a href="{base}/category/health/">Health</a></li>
          <li><a href="{base}/contact/">Contact Us</a></li>
        </ul>
      </nav>
    </header>
    <div id="content" class="site-content">
      <main id="main" class="site-main" role="main">
        <article id="post-{id}" class="post-{id} post type-post status-publish format-standard hentry category-world">
          <header class="entry-header">
            <h1 class="entry-title">{title}</h1>
            <div class="entry-meta">
              <span class="posted-on">Posted on <time class="entry-date published" datetime="{published}">{human}</time></span>
              <span class="byline"> by <span class="author vcard"><a class="url fn n" href="{base}/author/admin/">admin</a></span></span>
            </div>
          </header>
          <div class="entry-content">
            <div class="share-buttons"><a href="#">Share on Facebook</a> <a href="#">Tweet</a> <a href="#">Email</a></div>
{body}      {credit}
            <div class="yarpp-related">
              <h3>Related posts:</h3>
              <ol>
{related}              </ol>
            </div>
            <div class="post-views entry-meta"><span class="post-views-label">Views: </span><span class="post-views-count">0</span></div>
          </div>
          <footer class="entry-footer"><span class="cat-links">Posted in <a href="{base}/category/world/" rel="category tag">World</a></span></footer>
        </article>
        <nav class="navigation post-navigation">{post_nav}</nav>
        <div id="comments" class="comments-area"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3><form action="{base}/wp-comments-post.php" method="post"><textarea name="comment"></textarea><input type="submit" value="Post Comment"></form></div>
      </main>
      <aside id="secondary" class="sidebar widget-area" role="complementary">
        <section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2>
          <ul>
{recent}          </ul>
        </section>
        <section class="widget widget_text"><h2 class="widget-title">Subscribe</h2><div class="textwidget">Get the latest headlines in your inbox every morning. <a href="{base}/subscribe/">Sign up now</a></div></section>
      </aside>
    </div>
    <footer id="colophon" class="site-footer" role="contentinfo">
      <div class="site-info">&copy; {year} World News Feed. All rights reserved. Proudly powered by WordPress.</div>
    </footer>
  </div>
</body>
</html>
"##
    )
}

// ---------------------------------------------------------------------------
// Buzz Digest: RSS 1.0 (RDF) at `/index.rdf`, `/read/<slug>-<id>`.

/// A deterministic view count such as "1,234".
fn views(i: usize) -> String {
    let n = 1_234 + i * 2_571;
    if n >= 1_000 {
        format!("{},{:03}", n / 1_000, n % 1_000)
    } else {
        n.to_string()
    }
}

fn buzz_site(base: &str, posts: Vec<Post>) -> SitePlan {
    let mut routes = Vec::new();
    for (i, post) in posts.iter().enumerate() {
        routes.push((post.path.clone(), FixtureResponse::html(buzz_page(post, &posts, i))));
    }
    let masthead = format!(
        "<div class=\"bd-top\"><a class=\"bd-logo\" href=\"/\">Buzz<b>Digest</b></a>{}</div>",
        buzz_menu()
    );
    let sidebar = "<div class=\"bd-side\"><div class=\"bd-box newsletter\"><h3>Never miss a buzz</h3><p>Sign up for our newsletter!</p></div></div>";
    let home = home_page(
        BUZZ,
        "bd",
        ("application/rss+xml", "Buzz Digest (RSS 1.0)", "/index.rdf"),
        &masthead,
        &posts,
        sidebar,
        "",
    );
    routes.push(("/".to_string(), FixtureResponse::html(home)));

    let mut seq = String::new();
    let mut items = String::new();
    for post in &posts {
        let url = esc(&post.url);
        let _ = writeln!(seq, "        <rdf:li rdf:resource=\"{url}\"/>");
        let _ = write!(
            items,
            "  <item rdf:about=\"{url}\">\n    <title>{title}</title>\n    <link>{url}</link>\n    <description>{teaser}</description>\n    <dc:date>{date}</dc:date>\n    <dc:creator>buzzbot</dc:creator>\n    <dc:subject>Trending</dc:subject>\n  </item>\n",
            title = esc(&post.title),
            teaser = esc(&teaser(&post.paragraphs)),
            date = iso(&post.published),
        );
    }
    let updated = newest(&posts).map(iso).unwrap_or_default();
    let feed = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{base}/index.rdf">
    <title>Buzz Digest</title>
    <link>{base}/</link>
    <description>The stories everyone is talking about</description>
    <dc:language>en</dc:language>
    <dc:date>{updated}</dc:date>
    <items>
      <rdf:Seq>
{seq}      </rdf:Seq>
    </items>
  </channel>
{items}</rdf:RDF>
"#
    );
    let response = FixtureResponse::ok("application/rdf+xml; charset=utf-8", feed.clone());
    routes.push(("/index.rdf".to_string(), feed_response(response, &feed)));
    SitePlan {
        name: BUZZ,
        format: "rss1.0",
        aggregator: true,
        feed_path: "/index.rdf",
        extra_articles: 0,
        posts,
        routes,
    }
}

fn buzz_menu() -> &'static str {
    r#"<ul class="bd-menu"><li><a href="/">Latest</a></li><li><a href="/trending">Trending</a></li><li><a href="/weird">Weird</a></li><li><a href="/world">World</a></li><li><a href="/submit">Submit a tip</a></li></ul>"#
}

fn buzz_page(post: &Post, posts: &[Post], i: usize) -> String {
    let title = esc(&post.title);
    let url = esc(&post.url);
    let published = iso(&post.published);
    let human = post.published.format("%b %-d, %Y at %-I:%M %p");
    let year = post.published.year();
    let id = post.id;
    let views = views(i);
    let menu = buzz_menu();
    let share = share_links(&post.url, " ");
    let body = paragraphs_html(&post.paragraphs, "        ", "");
    let credit = credit_line(post, " rel=\"nofollow\"");
    let mut read_more = String::new();
    for other in others(posts, post, i + 1, 3) {
        let _ = writeln!(
            read_more,
            "      <div class=\"bd-teaser\"><h4><a href=\"{}\">{}</a></h4><p>{} <a class=\"bd-more\" href=\"{}\">Read more</a></p></div>",
            esc(&other.path),
            esc(&other.title),
            esc(&teaser(&other.paragraphs)),
            esc(&other.path)
        );
    }
    let trending = link_items(&others(posts, post, 0, 5), "          ", "");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - Buzz Digest</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Buzz Digest">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" title="Buzz Digest (RSS 1.0)" href="/index.rdf">
<script async src="/js/ads.js"></script>
</head>
<body class="bd">
<div class="bd-cookie">This site uses cookies to give you the best experience. <a href="/cookies">Learn more</a> <button>Got it!</button></div>
<div class="bd-top"><a class="bd-logo" href="/">Buzz<b>Digest</b></a>{menu}</div>
<div class="bd-container">
  <div class="bd-main">
    <div class="bd-post" id="post-{id}">
      <h1 class="bd-post-title">{title}</h1>
      <div class="bd-post-info">Posted by <a href="/u/buzzbot">buzzbot</a> on {human} &bull; <span class="bd-views">{views} views</span></div>
      <div class="bd-share">{share}</div>
      <div class="bd-post-content">
{body}        {credit}
      </div>
    </div>
    <div class="bd-readmore">
      <h3>You may also like</h3>
{read_more}    </div>
    <div class="bd-comments"><h3>Leave a comment</h3><form action="/comment" method="post"><input name="name" placeholder="Name"><textarea name="text"></textarea><button>Send</button></form></div>
  </div>
  <div class="bd-side">
    <div class="bd-box trending"><h3>Trending now</h3>
      <ol>
{trending}      </ol>
    </div>
    <div class="bd-box newsletter"><h3>Never miss a buzz</h3><p>Get the best stories in your inbox. Sign up for our newsletter!</p><form action="/subscribe" method="post"><input type="email" name="email"><button>Sign up</button></form></div>
  </div>
</div>
<div class="bd-foot">&copy; {year} Buzz Digest &middot; <a href="/privacy">Privacy</a> &middot; <a href="/dmca">DMCA</a></div>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn bases() -> Vec<String> {
        (0..SITE_COUNT)
            .map(|i| format!("http://127.0.0.1:{}", 41_000 + i))
            .collect()
    }

    fn body(plan: &SitePlan, path: &str) -> String {
        let (_, response) = plan.routes.iter().find(|(p, _)| p == path).unwrap();
        String::from_utf8(response.body.clone()).unwrap()
    }

    #[test]
    fn every_corpus_file_parses_without_title_or_dateline() {
        let articles = corpus_articles();
        assert_eq!(articles.len(), 24);
        for article in &articles {
            let first = &article.paragraphs[0];
            assert_ne!(first, &article.title, "{}", article.key);
            assert!(
                NaiveDate::parse_and_remainder(first, "%A, %B %d, %Y").is_err(),
                "{}: dateline left in: {first}",
                article.key
            );
            assert!(article.source.starts_with("https://en.wikinews.org/wiki/"));
            assert!(article.paragraphs.iter().all(|p| !p.trim().is_empty()));
        }
        // The dateline that runs into the first sentence is cut off the front.
        let flag = articles.iter().find(|a| a.key == "flag").unwrap();
        assert!(flag.paragraphs[0].starts_with("On Tuesday, the New Zealand"));
        let iodine = articles.iter().find(|a| a.key == "iodine").unwrap();
        assert_eq!(iodine.date, NaiveDate::from_ymd_opt(2006, 2, 23).unwrap());
    }

    #[test]
    fn malformed_corpus_files_are_skipped() {
        for text in [
            "",
            "title: x",
            "title: x\nsource: y\n\nbody",
            "title: x\nsource: y\ndate: yesterday\n\nbody",
            "title: x\nsource: y\ndate: 2020-01-01\n\n",
            "title: x\nsource: y\ndate: 2020-01-01\n\nx\n\nMonday, March 27, 2006",
        ] {
            assert_eq!(parse_corpus_file("GUM_news_bad.txt", text), None, "{text:?}");
        }
        let ok = parse_corpus_file(
            "GUM_news_ok.txt",
            "title: T\r\nsource: S\r\ndate: 2006-03-27\r\nnoise line\r\n\r\nT\r\n\r\nMonday, March 27, 2006\r\n\r\nOne\r\ntwo.\r\n\r\n\r\nThree.\r\n",
        )
        .unwrap();
        assert_eq!(ok.key, "ok");
        assert_eq!(ok.paragraphs, vec!["One two.", "Three."]);
    }

    #[test]
    fn seed_is_rewritten_to_the_base_url() {
        let page = rewrite_seed(SEED_PAGE_HTML, "http://127.0.0.1:9/");
        assert!(!page.contains("worldnewsfeed.example"));
        assert!(page.contains(&format!("href=\"http://127.0.0.1:9{SEED_ARTICLE_PATH}\"")));
        let feed = rewrite_seed(SEED_FEED_XML, "http://127.0.0.1:9");
        assert!(feed.contains("<link>http://127.0.0.1:9</link>"));
        assert!(SEED_ARTICLE_TXT.starts_with("On Thursday evening"));
    }

    #[test]
    fn the_web_is_deterministic() {
        let summarize = |plans: Vec<SitePlan>| -> Vec<(String, Vec<u8>, Option<String>)> {
            plans
                .into_iter()
                .flat_map(|p| p.routes)
                .map(|(path, r)| (path, r.body, r.etag))
                .collect()
        };
        assert_eq!(summarize(build_web(&bases())), summarize(build_web(&bases())));
    }

    #[test]
    fn sites_have_the_planned_articles() {
        let plans = build_web(&bases());
        let counts: Vec<usize> = plans.iter().map(|p| p.posts.len()).collect();
        assert_eq!(counts, vec![8, 8, 8, 6, 5]);
        assert_eq!(plans[3].extra_articles, 1);
        let formats: Vec<&str> = plans.iter().map(|p| p.format).collect();
        assert_eq!(formats, vec!["rss2.0", "atom", "jsonfeed", "rss2.0", "rss1.0"]);
        for plan in &plans {
            // Every article page is routed, plus the home page and the feed.
            assert_eq!(
                plan.routes.len(),
                plan.posts.len() + plan.extra_articles + 2,
                "{}",
                plan.name
            );
            let (_, feed) = plan.routes.iter().find(|(p, _)| p == plan.feed_path).unwrap();
            assert!(feed.etag.is_some(), "{} feed has no ETag", plan.name);
        }
    }

    #[test]
    fn copies_come_two_to_six_hours_after_their_originals() {
        let plans = build_web(&bases());
        let originals: HashMap<&str, &Post> = plans[..3]
            .iter()
            .flat_map(|p| &p.posts)
            .map(|p| (p.key.as_str(), p))
            .collect();
        for plan in &plans[3..] {
            for copy in &plan.posts {
                let original = originals[copy.key.as_str()];
                let lag = copy.published - original.published;
                assert!(
                    lag >= Duration::hours(2) && lag <= Duration::hours(6),
                    "{} {}: {lag}",
                    plan.name,
                    copy.key
                );
                assert!(copy.credit.is_some());
            }
        }
        // The chain: Buzz Digest credits World News Feed's copy of the crane story.
        let wnf_crane = plans[3].posts.iter().find(|p| p.key == "crane").unwrap();
        let buzz_crane = plans[4].posts.iter().find(|p| p.key == "crane").unwrap();
        assert_eq!(buzz_crane.credit, Some(("via", wnf_crane.url.clone())));
        assert!(buzz_crane.published > wnf_crane.published);
    }

    #[test]
    fn buzz_digest_edits_some_copies() {
        let plans = build_web(&bases());
        let find = |site: usize, key: &str| plans[site].posts.iter().find(|p| p.key == key).unwrap();
        let korea = find(4, "korea");
        assert_ne!(korea.title, find(1, "korea").title);
        let iodine = find(4, "iodine");
        assert_eq!(iodine.paragraphs.len() + 1, find(0, "iodine").paragraphs.len());
        let lanterns = body(&plans[4], &find(4, "lanterns").path);
        assert!(lanterns.contains("reason enough to book the flight"));
        assert!(lanterns.contains("1,234 views") || lanterns.contains(" views</span>"));
        let labels: Vec<&str> = plans[4]
            .posts
            .iter()
            .filter_map(|p| p.credit.as_ref().map(|c| c.0))
            .collect();
        assert!(labels.contains(&"via") && labels.contains(&"Originally published at"));
    }

    #[test]
    fn feed_links_point_to_served_pages() {
        let bases = bases();
        for (plan, base) in build_web(&bases).iter().zip(&bases) {
            let feed = body(plan, plan.feed_path);
            let mut links = 0;
            for (path, _) in &plan.routes {
                if path != "/" && path != plan.feed_path {
                    assert!(
                        feed.contains(&format!("{base}{path}")),
                        "{}: {path} not in feed",
                        plan.name
                    );
                    links += 1;
                }
            }
            assert_eq!(links, plan.posts.len() + plan.extra_articles);
        }
    }

    #[test]
    fn templates_differ_between_sites() {
        let plans = build_web(&bases());
        let markers = [
            "<article class=\"story\">",
            "<div class=\"story-text\">",
            "<section class=\"article__content\">",
            "<div class=\"entry-content\">",
            "<div class=\"bd-post-content\">",
        ];
        for (i, plan) in plans.iter().enumerate() {
            let page = body(plan, &plan.posts[0].path);
            for (j, marker) in markers.iter().enumerate() {
                assert_eq!(page.contains(marker), i == j, "{} / {marker}", plan.name);
            }
            assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{}\">", plan.posts[0].url)));
            assert!(page.contains("Share on Facebook"));
        }
        // Originals credit Wikinews under the text; metadata styles differ.
        for plan in &plans[..3] {
            let post = &plan.posts[0];
            let page = body(plan, &post.path);
            assert!(page.contains(&format!(
                "<p>This article originally appeared on <a href=\"{}\">Wikinews</a> and is licensed under CC BY 2.5.</p>",
                esc(&post.wikinews)
            )));
            assert!(page.contains("<html lang=\"en\">"));
        }
        assert!(body(&plans[1], &plans[1].posts[0].path).contains("<time class=\"published\" datetime=\""));
        let metro = body(&plans[2], &plans[2].posts[0].path);
        assert!(metro.contains("\"@type\":\"NewsArticle\""));
        assert!(!metro.contains("article:published_time"));
    }

    #[test]
    fn helpers_behave() {
        assert_eq!(slugify("Warhol's photo legacy: spread!"), "warhols-photo-legacy-spread");
        assert!(slugify(&"word ".repeat(40)).len() <= 80);
        assert_eq!(
            title_case("puts military in 'quasi-state of war'"),
            "Puts Military In 'Quasi-state Of War'"
        );
        assert_eq!(esc("a<b & \"c\" 'd'"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;");
        assert_eq!(cdata("x]]>y"), "<![CDATA[x]]]]><![CDATA[>y]]>");
        assert_eq!(views(0), "1,234");
        assert_eq!(etag("a"), etag("a"));
        assert_ne!(etag("a"), etag("b"));
    }
}
