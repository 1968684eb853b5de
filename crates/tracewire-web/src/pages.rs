//! The reader's HTML pages, rendered with askama (escaping on by default;
//! only sanitized article HTML is marked safe).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tracewire_model::{ArticleSummary, FeedStatus, SiteStats};

use crate::provenance::{ProvenanceView, provenance_of};
use crate::{AppState, host_of, related_to};

const PAGE_SIZE: i64 = 30;

pub(crate) fn date(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

pub(crate) fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: template rendering failed",
            )
                .into_response()
        }
    }
}

pub(crate) fn server_error(site_title: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "storage failed while rendering a page");
    render(
        &ErrorPage {
            site_title: site_title.to_string(),
            title: "Something went wrong".to_string(),
            message: "The server could not read its database. The details are in the server log.".to_string(),
        },
        StatusCode::INTERNAL_SERVER_ERROR,
    )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    site_title: String,
    title: String,
    message: String,
}

/// A page that says what went wrong, with its status.
pub(crate) fn error_page(site_title: &str, status: StatusCode, title: &str, message: &str) -> Response {
    render(
        &ErrorPage {
            site_title: site_title.to_string(),
            title: title.to_string(),
            message: message.to_string(),
        },
        status,
    )
}

pub(crate) async fn not_found(State(state): State<AppState>) -> Response {
    render(
        &ErrorPage {
            site_title: state.config.site_title.clone(),
            title: "Not found".to_string(),
            message: "There is no page at this address.".to_string(),
        },
        StatusCode::NOT_FOUND,
    )
}

struct ListedArticle {
    id: i64,
    title: String,
    /// The site's display name, and its key for `/sites/{key}`.
    site: String,
    site_key: String,
    published: String,
    source_host: Option<String>,
    source_url: Option<String>,
    views: i64,
    excerpt: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    site_title: String,
    articles: Vec<ListedArticle>,
    page: i64,
    has_next: bool,
    total: i64,
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<i64>,
}

/// `/`: the latest articles or the latest stories, as configured.
pub(crate) async fn home(state: State<AppState>, q: Query<PageQuery>) -> Response {
    match state.config.home {
        crate::Home::Articles => index(state, q).await,
        crate::Home::Stories => stories(state, q).await,
    }
}

pub(crate) async fn index(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Response {
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let store = state.store.as_ref();
    let (list, total) = match (
        store.articles(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await,
        store.count_articles().await,
    ) {
        (Ok(list), Ok(total)) => (list, total),
        (Err(e), _) | (_, Err(e)) => return server_error(&state.config.site_title, e),
    };
    let has_next = list.len() as i64 > PAGE_SIZE;
    let articles = listed(list);
    render(
        &IndexPage {
            site_title: state.config.site_title.clone(),
            articles,
            page,
            has_next,
            total,
        },
        StatusCode::OK,
    )
}

/// At most a page of summaries as the article lists show them.
fn listed(list: Vec<ArticleSummary>) -> Vec<ListedArticle> {
    list.into_iter()
        .take(PAGE_SIZE as usize)
        .map(|a| ListedArticle {
            id: a.id,
            site: a.site_name.clone().unwrap_or_else(|| a.site.clone()),
            site_key: a.site,
            published: date(a.published),
            source_host: a.source_url.as_deref().and_then(host_of),
            source_url: a.source_url,
            views: a.views,
            excerpt: excerpt(&a.excerpt, 220),
            title: a.title,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    site_title: String,
    sites: Vec<SiteStats>,
}

pub(crate) async fn sites(State(state): State<AppState>) -> Response {
    match state.store.site_stats(None).await {
        Ok(sites) => render(
            &SitesPage {
                site_title: state.config.site_title.clone(),
                sites,
            },
            StatusCode::OK,
        ),
        Err(e) => server_error(&state.config.site_title, e),
    }
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    site_title: String,
    stats: SiteStats,
    cited: Vec<(String, i64)>,
    articles: Vec<ListedArticle>,
    page: i64,
    has_next: bool,
}

/// Sources a site page lists under "Cites most".
const SITE_CITED: i64 = 8;

pub(crate) async fn site(
    State(state): State<AppState>,
    Path(site): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let store = state.store.as_ref();
    let stats = match store.site_stats(Some(&site)).await {
        Ok(mut s) if !s.is_empty() => s.swap_remove(0),
        Ok(_) => return not_found(State(state)).await,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let (list, cited) = match (
        store.site_articles(&site, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await,
        store.site_citations(&site, SITE_CITED).await,
    ) {
        (Ok(list), Ok(cited)) => (list, cited),
        (Err(e), _) | (_, Err(e)) => return server_error(&state.config.site_title, e),
    };
    let has_next = list.len() as i64 > PAGE_SIZE;
    render(
        &SitePage {
            site_title: state.config.site_title.clone(),
            stats,
            cited,
            articles: listed(list),
            page,
            has_next,
        },
        StatusCode::OK,
    )
}

/// The first `max` characters of `text`, cut at a word, with an ellipsis.
fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

struct RelatedLink {
    id: i64,
    title: String,
    site: String,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    site_title: String,
    id: i64,
    title: String,
    site: String,
    site_key: String,
    byline: Option<String>,
    published: String,
    language: Option<String>,
    url: String,
    source_site: String,
    source_url: String,
    body_html: String,
    provenance: ProvenanceView,
    related: Vec<RelatedLink>,
    views: i64,
    quotes: Vec<QuoteView>,
    /// People, organizations and places, each kind most mentioned first.
    entity_groups: Vec<(&'static str, Vec<EntityLink>)>,
    /// Its story and how many articles it holds.
    story: Option<(i64, i64)>,
    /// For a logged-in reader whose list holds it: their CSRF token and
    /// whether they starred it.
    reader: Option<(String, bool)>,
}

pub(crate) struct QuoteView {
    content: String,
    /// The speaker by name, else as written, else empty.
    speaker: String,
    speaker_href: Option<String>,
    cue: String,
    kind: String,
}

impl QuoteView {
    fn new(q: tracewire_model::ArticleQuote) -> QuoteView {
        QuoteView {
            speaker_href: q
                .speaker_name
                .as_deref()
                .map(|n| format!("/entities/{}", crate::path_segment(n))),
            speaker: q.speaker_name.or_else(|| q.speaker.map(|s| s.text)).unwrap_or_default(),
            cue: q.cue.map(|c| c.text).unwrap_or_default(),
            content: q.content.text,
            kind: q.kind,
        }
    }
}

pub(crate) struct EntityLink {
    name: String,
    href: String,
    count: i64,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "PER" => "People",
        "ORG" => "Organizations",
        "LOC" => "Places",
        _ => "Other",
    }
}

fn entity_groups(entities: Vec<tracewire_model::ArticleEntity>) -> Vec<(&'static str, Vec<EntityLink>)> {
    let mut groups: Vec<(&'static str, Vec<EntityLink>)> = ["PER", "ORG", "LOC"]
        .iter()
        .map(|k| (kind_label(k), Vec::new()))
        .collect();
    for e in entities {
        let label = kind_label(&e.kind);
        if let Some((_, links)) = groups.iter_mut().find(|(l, _)| *l == label) {
            links.push(EntityLink {
                href: format!("/entities/{}", crate::path_segment(&e.name)),
                name: e.name,
                count: e.mentions,
            });
        }
    }
    groups.retain(|(_, links)| !links.is_empty());
    groups
}

pub(crate) async fn article(
    State(state): State<AppState>,
    session: crate::auth::MaybeSession,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return not_found(State(state)).await;
    };
    let store = state.store.as_ref();
    // Each GET of the page is one view, counted before rendering so the page
    // shows the count including this visit.
    match store.add_view(id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(State(state)).await,
        Err(e) => return server_error(&state.config.site_title, e),
    }
    let article = match store.article(id).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(State(state)).await,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let provenance = match provenance_of(store, article.clone()).await {
        Ok(p) => p,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let related = match related_to(store, &article, &provenance.story).await {
        Ok(r) => r,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let (quotes, entities) = match (store.quotes_of(article.id).await, store.entities_of(article.id).await) {
        (Ok(q), Ok(e)) => (q, e),
        (Err(e), _) | (_, Err(e)) => return server_error(&state.config.site_title, e),
    };
    let story = match store.story_of(article.id).await {
        Ok(Some(s)) => match store.story(s).await {
            Ok(found) => found.map(|f| (s, f.summary.articles)),
            Err(e) => return server_error(&state.config.site_title, e),
        },
        Ok(None) => None,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    // Opening an article in one's reading list reads it.
    let reader = match &session.0 {
        Some(s) => {
            let read = tracewire_store::Marks {
                read: Some(true),
                starred: None,
            };
            let query = tracewire_store::ItemQuery {
                user: s.user.id,
                ids: Some(vec![article.id]),
                limit: 1,
                ..Default::default()
            };
            let marked = store.mark(s.user.id, &[article.id], read).await;
            match (marked, store.items(&query).await) {
                (Ok(_), Ok(items)) => items.first().map(|i| (s.csrf.clone(), i.starred)),
                (Err(e), _) | (_, Err(e)) => return server_error(&state.config.site_title, e),
            }
        }
        None => None,
    };
    let site = article.site_name.clone().unwrap_or_else(|| article.site.clone());
    let (source_site, source_url) = match &article.source_url {
        Some(src) => (host_of(src).unwrap_or_else(|| src.clone()), src.clone()),
        None => (site.clone(), article.url.clone()),
    };
    let page = ArticlePage {
        site_title: state.config.site_title.clone(),
        id: article.id,
        site_key: article.site.clone(),
        body_html: tracewire_extract::sanitize_html(&article.html),
        site,
        byline: article.byline.clone(),
        published: date(article.published),
        language: article.language.clone(),
        url: article.url.clone(),
        source_site,
        source_url,
        provenance,
        related: related
            .into_iter()
            .map(|r| RelatedLink {
                id: r.id,
                site: host_of(&r.url).unwrap_or_default(),
                title: r.title,
            })
            .collect(),
        views: article.views,
        title: article.title,
        quotes: quotes.into_iter().map(QuoteView::new).collect(),
        entity_groups: entity_groups(entities),
        story,
        reader,
    };
    render(&page, StatusCode::OK)
}

struct FeedRow {
    id: i64,
    title: String,
    url: String,
    status: &'static str,
    ok: bool,
    last_error: Option<String>,
    last_fetched: String,
    next_fetch: String,
    /// "3 failures in a row", "stopped until resumed", or empty.
    health: String,
}

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    site_title: String,
    feeds: Vec<FeedRow>,
}

pub(crate) async fn feeds(State(state): State<AppState>) -> Response {
    let list = match state.store.feeds().await {
        Ok(list) => list,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let feeds = list
        .into_iter()
        .map(|f| FeedRow {
            id: f.id,
            title: f.title.clone().unwrap_or_else(|| f.url.clone()),
            status: f.status.as_str(),
            ok: !matches!(f.status, FeedStatus::Error | FeedStatus::Stopped),
            last_error: f.last_error,
            last_fetched: date(f.last_fetched),
            next_fetch: date(Some(f.next_fetch_at)),
            health: match f.status {
                FeedStatus::Stopped => format!("stopped: `tracewire feeds resume {}` polls it again", f.id),
                FeedStatus::Error => format!(
                    "{} failed fetch{} in a row; retried with backoff",
                    f.error_count,
                    if f.error_count == 1 { "" } else { "es" }
                ),
                _ => String::new(),
            },
            url: f.url,
        })
        .collect();
    render(
        &FeedsPage {
            site_title: state.config.site_title.clone(),
            feeds,
        },
        StatusCode::OK,
    )
}

struct FacetLink {
    value: String,
    count: u64,
    href: String,
}

struct SearchHitView {
    id: i64,
    title: String,
    site: String,
    site_key: String,
    published: String,
    /// Escaped text with the matches in `<b>` (tantivy's snippet HTML).
    snippet: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    site_title: String,
    q: String,
    by_date: bool,
    error: Option<String>,
    total: usize,
    page: usize,
    hits: Vec<SearchHitView>,
    sites: Vec<FacetLink>,
    languages: Vec<FacetLink>,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// A logged-in reader's CSRF token (to save the search) and saved searches.
    saver: Option<(String, Vec<tracewire_model::SavedSearch>)>,
}

fn search_href(q: &str, sort: tracewire_search::Sort, page: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("q", q);
    if sort == tracewire_search::Sort::Date {
        query.append_pair("sort", "date");
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    format!("/search?{}", query.finish())
}

#[derive(Deserialize)]
pub(crate) struct SearchPageQuery {
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// `/search?q=…`: the search form, a page of results with their snippets,
/// and the sites and languages among every match (each a link narrowing
/// the query).
pub(crate) async fn search(
    State(state): State<AppState>,
    session: crate::auth::MaybeSession,
    Query(params): Query<SearchPageQuery>,
) -> Response {
    let q = params.q.unwrap_or_default().trim().to_string();
    let saver = match &session.0 {
        Some(s) => match state.store.saved_searches(s.user.id).await {
            Ok(saved) => Some((s.csrf.clone(), saved)),
            Err(e) => return server_error(&state.config.site_title, e),
        },
        None => None,
    };
    let sort = params
        .sort
        .as_deref()
        .unwrap_or_default()
        .parse::<tracewire_search::Sort>()
        .unwrap_or_default();
    let page = params
        .page
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, crate::api::MAX_SEARCH_OFFSET as usize / PAGE_SIZE as usize);
    let mut view = SearchPage {
        site_title: state.config.site_title.clone(),
        q: q.clone(),
        by_date: sort == tracewire_search::Sort::Date,
        error: None,
        total: 0,
        page,
        hits: Vec::new(),
        sites: Vec::new(),
        languages: Vec::new(),
        prev_href: None,
        next_href: None,
        saver,
    };
    if q.is_empty() {
        return render(&view, StatusCode::OK);
    }
    let query = match tracewire_search::SearchQuery::parse(&q) {
        Ok(query) => query,
        Err(e) => {
            view.error = Some(e.to_string());
            return render(&view, StatusCode::BAD_REQUEST);
        }
    };
    let Some(index) = &state.search else {
        view.error = Some("This server has no search index.".to_string());
        return render(&view, StatusCode::SERVICE_UNAVAILABLE);
    };
    let size = PAGE_SIZE as usize;
    let found =
        tracewire_search::sync::search(state.store.as_ref(), index, &query, sort, size, (page - 1) * size).await;
    let found = match found {
        Ok(found) => found,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let narrow = |key: &str, values: Vec<(String, u64)>| {
        values
            .into_iter()
            .map(|(value, count)| FacetLink {
                href: search_href(&format!("{q} {key}:{value}"), sort, 1),
                value,
                count,
            })
            .collect()
    };
    view.total = found.total;
    view.sites = narrow("site", found.sites);
    view.languages = narrow("lang", found.languages);
    view.prev_href = (page > 1).then(|| search_href(&q, sort, page - 1));
    view.next_href = (page * size < found.total && page * size < crate::api::MAX_SEARCH_OFFSET as usize)
        .then(|| search_href(&q, sort, page + 1));
    view.hits = found
        .hits
        .into_iter()
        .map(|f| SearchHitView {
            id: f.article.id,
            site: f.article.site_name.clone().unwrap_or_else(|| f.article.site.clone()),
            site_key: f.article.site,
            published: date(f.article.published),
            title: f.article.title,
            snippet: f.snippet,
        })
        .collect();
    render(&view, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "entities.html")]
struct EntitiesPage {
    site_title: String,
    groups: Vec<(&'static str, Vec<EntityLink>)>,
}

/// `/entities`: the people, organizations and places the most articles name.
pub(crate) async fn entities(State(state): State<AppState>) -> Response {
    let mut groups = Vec::new();
    for kind in ["PER", "ORG", "LOC"] {
        match state.store.top_entities(Some(kind), 60).await {
            Ok(list) => groups.push((
                kind_label(kind),
                list.into_iter()
                    .map(|e| EntityLink {
                        href: format!("/entities/{}", crate::path_segment(&e.name)),
                        name: e.name,
                        count: e.articles,
                    })
                    .collect::<Vec<_>>(),
            )),
            Err(e) => return server_error(&state.config.site_title, e),
        }
    }
    groups.retain(|(_, links)| !links.is_empty());
    render(
        &EntitiesPage {
            site_title: state.config.site_title.clone(),
            groups,
        },
        StatusCode::OK,
    )
}

/// Days an entity page's timeline shows at most (those with articles).
pub(crate) const TIMELINE_DAYS: i64 = 90;

/// One day of an entity's timeline, as a bar.
struct DayBar {
    day: String,
    articles: i64,
    /// Height in percent of the busiest day.
    height: i64,
}

struct QuoteListed {
    quote: QuoteView,
    article_id: i64,
    article_title: String,
    site: String,
    published: String,
}

impl QuoteListed {
    fn new(q: tracewire_model::QuoteInArticle) -> QuoteListed {
        QuoteListed {
            site: q.article.site_name.unwrap_or(q.article.site),
            published: date(q.article.published),
            article_id: q.article.id,
            article_title: q.article.title,
            quote: QuoteView::new(q.quote),
        }
    }
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    site_title: String,
    name: String,
    quotes: Vec<QuoteListed>,
    articles: Vec<ListedArticle>,
    page: i64,
    has_next: bool,
    search_href: String,
    timeline: Vec<DayBar>,
}

/// `/entities/{name}`: what an entity said and every article naming it,
/// newest first.
pub(crate) async fn entity(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let store = state.store.as_ref();
    let (articles, quotes, days) = match (
        store
            .entity_articles(&name, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
            .await,
        store.quotes_by(&name, 50).await,
        store.entity_timeline(&name, TIMELINE_DAYS).await,
    ) {
        (Ok(a), Ok(q), Ok(d)) => (a, q, d),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return server_error(&state.config.site_title, e),
    };
    let busiest = days.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let timeline = days
        .into_iter()
        .map(|(day, articles)| DayBar {
            height: (articles * 100 / busiest).max(4),
            day,
            articles,
        })
        .collect();
    if articles.is_empty() && quotes.is_empty() {
        return not_found(State(state)).await;
    }
    let has_next = articles.len() as i64 > PAGE_SIZE;
    let quoted = format!("\"{name}\"");
    render(
        &EntityPage {
            site_title: state.config.site_title.clone(),
            search_href: format!(
                "/search?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("q", &format!("entity:{quoted} OR speaker:{quoted}"))
                    .finish()
            ),
            name,
            timeline,
            quotes: if page == 1 {
                quotes.into_iter().map(QuoteListed::new).collect()
            } else {
                Vec::new()
            },
            articles: listed(articles),
            page,
            has_next,
        },
        StatusCode::OK,
    )
}

/// Articles whose stories the "Full coverage" page looks through.
pub(crate) const STORY_WINDOW: i64 = 5000;

struct StoryListed {
    id: i64,
    headline: String,
    origin: i64,
    articles: i64,
    sites: i64,
    first: String,
    last: String,
    /// Up to three of its first other articles, with their sites.
    more: Vec<(i64, String, String)>,
    /// Articles the page lists (the earliest, `Store::story` bounds them).
    shown: i64,
}

fn story_listed(story: tracewire_model::Story) -> StoryListed {
    let s = &story.summary;
    StoryListed {
        id: s.id,
        headline: s.headline.clone(),
        origin: s.origin,
        articles: s.articles,
        sites: s.sites,
        first: date(Some(s.first)),
        last: date(Some(s.last)),
        shown: story.members.len() as i64,
        more: story
            .members
            .iter()
            .filter(|m| m.article.id != s.origin)
            .take(3)
            .map(|m| {
                (
                    m.article.id,
                    m.article.title.clone(),
                    m.article.site_name.clone().unwrap_or_else(|| m.article.site.clone()),
                )
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "stories.html")]
struct StoriesPage {
    site_title: String,
    stories: Vec<StoryListed>,
    page: i64,
    has_next: bool,
}

/// `/stories`: "Full coverage": one entry per story, latest first.
pub(crate) async fn stories(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Response {
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let list = state
        .store
        .recent_stories(STORY_WINDOW, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        .await;
    let mut list = match list {
        Ok(list) => list,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let has_next = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    render(
        &StoriesPage {
            site_title: state.config.site_title.clone(),
            stories: list.into_iter().map(story_listed).collect(),
            page,
            has_next,
        },
        StatusCode::OK,
    )
}

struct MemberView {
    id: i64,
    title: String,
    site: String,
    site_key: String,
    when: String,
    joined_by: String,
    is_origin: bool,
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    site_title: String,
    story: StoryListed,
    members: Vec<MemberView>,
    sources: Vec<(String, i64)>,
    quotes: Vec<QuoteListed>,
    related: Vec<(StoryListed, i64)>,
}

/// `/stories/{id}`: a story's headline, the timeline of its articles, its
/// sources, its origin, the quotes in it and the stories naming the same
/// people.
pub(crate) async fn story(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return not_found(State(state)).await;
    };
    let store = state.store.as_ref();
    let story = match store.story(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return not_found(State(state)).await,
        Err(e) => return server_error(&state.config.site_title, e),
    };
    let (quotes, related) = match (store.story_quotes(id, 100).await, store.related_stories(id, 5).await) {
        (Ok(q), Ok(r)) => (q, r),
        (Err(e), _) | (_, Err(e)) => return server_error(&state.config.site_title, e),
    };
    let mut sources: Vec<(String, i64)> = Vec::new();
    for m in &story.members {
        let site = m.article.site_name.clone().unwrap_or_else(|| m.article.site.clone());
        match sources.iter_mut().find(|(s, _)| *s == site) {
            Some((_, n)) => *n += 1,
            None => sources.push((site, 1)),
        }
    }
    sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let origin = story.summary.origin;
    let members = story
        .members
        .iter()
        .map(|m| MemberView {
            id: m.article.id,
            title: m.article.title.clone(),
            site: m.article.site_name.clone().unwrap_or_else(|| m.article.site.clone()),
            site_key: m.article.site.clone(),
            when: date(Some(m.date)),
            joined_by: m.joined_by.clone(),
            is_origin: m.article.id == origin,
        })
        .collect();
    render(
        &StoryPage {
            site_title: state.config.site_title.clone(),
            members,
            sources,
            quotes: quotes.into_iter().map(QuoteListed::new).collect(),
            related: related.into_iter().map(|(s, n)| (story_listed(s), n)).collect(),
            story: story_listed(story),
        },
        StatusCode::OK,
    )
}
