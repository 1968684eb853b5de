#![allow(clippy::unwrap_used)]

use super::*;

use tracewire_testkit::demo::{
    SEED_FEED_XML as SEED_FEED, SEED_FORBIDDEN as FORBIDDEN, SEED_PAGE_HTML as SEED_PAGE,
    SEED_SOURCE_URL as FREEDOMSPHOENIX, seed_paragraphs,
};

#[test]
fn seed_page_is_extracted_exactly() {
    let base =
        Url::parse("http://worldnewsfeed.example/2015/09/18/russia-says-it-may-send-troops-into-combat-in-syria/")
            .unwrap();
    let out = extract(SEED_PAGE, Some(&base));
    assert_eq!(
        out.title.as_deref(),
        Some("Russia Says It May Send Troops Into Combat In Syria")
    );
    assert_eq!(out.byline.as_deref(), Some("admin"));
    assert_eq!(out.site_name.as_deref(), Some("World News Feed"));
    assert_eq!(out.language.as_deref(), Some("en"));
    assert_eq!(out.published.unwrap().to_rfc3339(), "2015-09-18T14:05:00+00:00");
    assert_eq!(out.canonical_url.as_deref(), Some(base.as_str()));
    assert_eq!(out.source_url.as_deref(), Some(FREEDOMSPHOENIX));
    let expected = seed_paragraphs().join("\n\n");
    assert_eq!(out.text, expected);
    for bad in FORBIDDEN {
        assert!(!out.text.contains(bad), "text contains {bad:?}");
        assert!(!out.html.contains(bad), "html contains {bad:?}");
    }
    assert_eq!(out.html.matches("<p>").count(), seed_paragraphs().len(), "{}", out.html);
    assert_eq!(out.attributions.len(), 1);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn seed_feed_content_is_extracted_as_a_fragment() {
    let start = SEED_FEED.find("<content:encoded><![CDATA[").unwrap() + "<content:encoded><![CDATA[".len();
    let end = SEED_FEED.find("]]></content:encoded>").unwrap();
    let out = extract_fragment(&SEED_FEED[start..end], None);
    assert_eq!(out.text, seed_paragraphs().join("\n\n"));
    assert_eq!(out.source_url.as_deref(), Some(FREEDOMSPHOENIX));
    for bad in FORBIDDEN {
        assert!(!out.text.contains(bad), "text contains {bad:?}");
    }
}

#[test]
fn ordinary_news_page() {
    let page = r##"<!doctype html><html lang="de-DE"><head>
      <title>Flood waters rise in the north - Daily Planet</title>
      <meta name="author" content="By Jane Roe">
      <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Daily Planet"},{"@type":"NewsArticle","headline":"Flood waters rise in the north","datePublished":"2024-03-01T08:30:00+01:00","publisher":{"@type":"Organization","name":"Daily Planet"}}]}</script>
      </head><body>
      <div class="cookie-banner">We use cookies. Accept all cookies</div>
      <nav><a href="/">Home</a> <a href="/world">World</a></nav>
      <div class="layout"><div class="story-body">
        <h1>Flood waters rise in the north</h1>
        <p>Rivers burst their banks on Friday, flooding hundreds of homes, officials said.</p>
        <figure><img src="/img/flood.jpg" alt="Flooded street"><figcaption>A flooded street in the town.</figcaption></figure>
        <p>Emergency crews, working through the night, evacuated residents from low-lying areas, and more rain is expected.</p>
        <h2>What happens next</h2>
        <ul><li>Schools stay closed on Monday, the council said.</li><li>Roads north of the river remain shut to traffic.</li></ul>
        <p>"We have never seen water this high," said one resident, who has lived there for forty years.</p>
        <div class="article-share"><a href="#">Share on Facebook</a></div>
        <div class="related-stories"><h3>Related stories</h3><ul><li><a href="/a">Storm hits coast</a></li><li><a href="/b">Rain warning issued</a></li></ul></div>
      </div><aside class="sidebar"><h3>Most read</h3><ol><li><a href="/x">Something else entirely happened today</a></li></ol></aside></div>
      <footer>Copyright Daily Planet</footer>
      <script>var x = 1;</script></body></html>"##;
    let base = Url::parse("https://planet.example/news/flood").unwrap();
    let out = extract(page, Some(&base));
    assert_eq!(out.title.as_deref(), Some("Flood waters rise in the north"));
    assert_eq!(out.byline.as_deref(), Some("Jane Roe"));
    assert_eq!(out.language.as_deref(), Some("de"));
    assert_eq!(out.site_name.as_deref(), Some("Daily Planet"));
    assert_eq!(out.published.unwrap().to_rfc3339(), "2024-03-01T08:30:00+01:00");
    assert!(out.text.starts_with("Rivers burst their banks"), "{}", out.text);
    assert!(out.text.contains("What happens next"));
    assert!(out.text.contains("Schools stay closed on Monday"));
    // The caption stays beside its picture in the HTML, out of the running text.
    assert!(!out.text.contains("A flooded street in the town."));
    assert!(
        out.html
            .contains("<figcaption>A flooded street in the town.</figcaption>"),
        "{}",
        out.html
    );
    assert!(out.text.ends_with("for forty years."), "{}", out.text);
    for bad in [
        "cookies",
        "Share on Facebook",
        "Related stories",
        "Storm hits coast",
        "Most read",
        "Copyright",
        "var x",
    ] {
        assert!(!out.text.contains(bad), "text contains {bad:?}: {}", out.text);
    }
    assert!(
        out.html
            .contains(r#"<img src="https://planet.example/img/flood.jpg" alt="Flooded street">"#),
        "{}",
        out.html
    );
    assert!(out.html.contains("<h2>What happens next</h2>"), "{}", out.html);
    assert!(out.html.contains("<li>Schools stay closed"), "{}", out.html);
    assert_eq!(out.source_url, None);
}

#[test]
fn pages_without_an_article_give_warnings_not_panics() {
    for page in [
        "",
        "<html>",
        "<html><body></body></html>",
        "<p>",
        "<frameset></frameset>",
    ] {
        let out = extract(page, None);
        assert!(out.text.is_empty(), "{page:?} gave {:?}", out.text);
        assert!(!out.warnings.is_empty(), "{page:?} gave no warning");
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut page = String::from("<html><body>");
    for _ in 0..5_000 {
        page.push_str("<div>");
    }
    page.push_str("<p>Deep text, with commas, that goes on for a while to look like content.</p>");
    let out = extract(&page, None);
    assert!(out.text.len() < 200);
}

#[test]
fn attribution_in_the_middle_of_a_page_is_data() {
    let page = r#"<html><body><article>
      <p>Originally published at <a href="https://origin.example/story">The Origin</a></p>
      <p>The council approved the budget on Tuesday, after a long debate that ran past midnight, with seven votes to two.</p>
      <p>via <a href="https://aggregator.example/copy">aggregator.example</a></p>
    </article></body></html>"#;
    let out = extract(page, None);
    assert_eq!(out.attributions.len(), 2);
    assert_eq!(out.source_url.as_deref(), Some("https://origin.example/story"));
    assert!(!out.text.contains("Originally"));
    assert!(!out.text.contains("via"));
}

#[test]
fn unsafe_markup_never_reaches_the_html() {
    let page = r#"<html><body><article><p>Text with a <a href="javascript:alert(1)">bad link</a> and <img src="x" onerror="alert(1)"> inline, long enough to count as content here.</p><p onclick="x()">More text that is long enough to be a paragraph of the article body.</p></article></body></html>"#;
    let out = extract(page, Some(&Url::parse("https://e.example/").unwrap()));
    assert!(!out.html.contains("javascript"), "{}", out.html);
    assert!(!out.html.contains("onerror"), "{}", out.html);
    assert!(!out.html.contains("onclick"), "{}", out.html);
}

#[test]
fn feed_links_are_discovered() {
    let page = r#"<html><head>
      <link rel="alternate" type="application/rss+xml" title="RSS" href="/feed/">
      <link rel="alternate" type="application/atom+xml" href="https://e.example/atom.xml">
      <link rel="alternate" hreflang="fr" href="/fr/">
      <link rel="stylesheet" href="/s.css"></head><body></body></html>"#;
    let links = feed_links(page, Some(&Url::parse("https://e.example/page").unwrap()));
    let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(urls, ["https://e.example/feed/", "https://e.example/atom.xml"]);
}

#[test]
fn dates_in_common_formats() {
    for (input, want) in [
        ("2015-09-18T14:05:00+00:00", "2015-09-18T14:05:00+00:00"),
        ("Fri, 18 Sep 2015 14:05:00 +0000", "2015-09-18T14:05:00+00:00"),
        ("2015-09-18T14:05:00", "2015-09-18T14:05:00+00:00"),
        ("2015-09-18", "2015-09-18T00:00:00+00:00"),
        ("2015-09-18T16:05:00+0200", "2015-09-18T16:05:00+02:00"),
    ] {
        assert_eq!(
            parse_date(input).map(|d| d.to_rfc3339()).as_deref(),
            Some(want),
            "{input}"
        );
    }
    assert_eq!(parse_date("yesterday"), None);
}

#[test]
fn post_info_lines_and_view_counters_are_not_body() {
    let page = r#"<html><body><div class="bd-post"><h1 class="bd-post-title">Crane collapse</h1>
      <div class="bd-post-info">Posted by <a href="/u/bot">bot</a> on Sep 12, 2015 at 4:41 AM &bull; <span class="bd-views">3,805 views</span></div>
      <div class="bd-post-content"><p>A storm yesterday caused a crane to fall into the mosque, killing 107 or more and wounding 238, officials said.</p>
      <p>Posted by the ministry on its website, the statement said rescue work was over.</p></div></div></body></html>"#;
    let out = extract(page, None);
    assert!(out.text.starts_with("A storm yesterday"), "{}", out.text);
    assert!(
        out.text.contains("Posted by the ministry"),
        "a sentence after the first paragraph stays: {}",
        out.text
    );
    assert!(!out.text.contains("views"), "{}", out.text);
}

#[test]
fn a_marked_article_body_wins_over_busier_boxes() {
    let filler =
        "Sponsored, promoted, and otherwise unrelated text, with commas, many commas, and more commas. ".repeat(6);
    let page = format!(
        r#"<html><body><div class="g-row"><h1>Stabbing in Berlin</h1>
        <div itemprop="articleBody">The son of a former president was stabbed to death on Tuesday, police said.<br><br>Another man, who tried to stop the attacker, was critically injured, according to the report.<br><br>The suspect was arrested at the scene.</div></div>
        <div class="g-row"><div class="promo-box"><p>{filler}</p><p>{filler}</p></div></div></body></html>"#
    );
    let out = extract(&page, None);
    assert!(out.text.starts_with("The son of a former president"), "{}", out.text);
    assert!(out.text.contains("arrested at the scene"), "{}", out.text);
    assert!(!out.text.contains("Sponsored"), "{}", out.text);
}

#[test]
fn blogger_widget_wrappers_are_not_boilerplate() {
    let page = r#"<html><body><div class="sidebar"><div class="widget"><h2>Follow by Email</h2><p>Get all latest content delivered straight to your inbox.</p></div></div>
      <div class="widget Blog" id="Blog1"><div class="post-outer"><h3 class="post-title">Chelsea pay record fee</h3>
      <div class="post-body entry-content">Chelsea have this morning paid the fee to secure the world record signing of the keeper, the club said.<br><br>This has freed the move of their former keeper to Madrid, and a medical is expected today.</div></div></div></body></html>"#;
    let out = extract(page, None);
    assert!(out.text.contains("Chelsea have this morning"), "{}", out.text);
    assert!(out.text.contains("a medical is expected today"), "{}", out.text);
    assert!(!out.text.contains("Follow by Email"), "{}", out.text);
}

#[test]
fn the_head_is_never_part_of_the_body() {
    // Found by the property test: all body text inside one link made <html>
    // the best-scoring box, and the JSON-LD script in <head> came out as text.
    let page = r#"<script type="application/ld+json">{"@type":"NewsArticle","headline":<a href="javascript:alert(1)"><script>alert(1)</script><a href="javascript:alert(1)"><div class="share related">Text, with commas, inside one link, long enough to score.</div>"#;
    let out = extract(page, Url::parse("https://example.com/a/b").ok().as_ref());
    assert!(!out.text.contains("@type"), "{}", out.text);
    assert!(!out.html.contains("javascript"), "{}", out.html);
}

#[test]
fn dates_a_reader_would_read_as_this_articles() {
    let body = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let day = |page: &str| extract(page, None).published.map(|d| d.date_naive().to_string());
    // A newsletter's date line sits in a box named like a newsletter signup,
    // but it is the first thing under the headline.
    let page = format!(
        r#"<html><body><main><div><h1>Foundational Fitness Protocol</h1></div>
        <div class="newsletter-details"><p>November 2, 2022</p><p>Sponsored by AG1</p></div>{body}
        <div class="newsletter-signup"><p>Join on March 3, 2020</p></div></main></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2022-11-02"));
    // Not when something else comes between.
    let page = page.replace(
        "<p>November 2, 2022</p><p>Sponsored by AG1</p>",
        "<p>Sponsored by AG1</p><p>November 2, 2022</p>",
    );
    assert_eq!(day(&page), None);
    // JSON-LD carried in a <meta>.
    let page = format!(
        r#"<html><head><meta name="script:ld+json" content="{{&quot;@type&quot;:&quot;Article&quot;,&quot;datePublished&quot;:&quot;2025-11-17T09:00:00-05:00&quot;}}"></head>
        <body><h1>T</h1>{body}</body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2025-11-17"));
    // "03/10/2023" is 3 October on a page that writes "13 October 2023".
    let page = |other: &str| {
        format!(
            r#"<html lang="en"><body><h1>Wine types</h1><div class="blog-date">03/10/2023</div>{body}
            <ul class="posts"><li><a href="/a">Sake careers <span>{other}</span></a></li></ul></body></html>"#
        )
    };
    assert_eq!(day(&page("13 October 2023")).as_deref(), Some("2023-10-03"));
    assert_eq!(day(&page("October 13, 2023")).as_deref(), Some("2023-03-10"));
    // Or the page's language says so.
    let page = page("").replace(r#"lang="en""#, r#"lang="en-GB""#);
    assert_eq!(day(&page).as_deref(), Some("2023-10-03"));
    // A dateline just above the headline beats a date in a list further
    // down; the source's indentation changes nothing.
    let items: String = (0..12).map(|i| format!("<li>Step {i} of the plan</li>")).collect();
    for gap in ["", "\n        "] {
        let page = format!(
            "<html><body><main><div class=\"meta\">{gap}<span>May 20, 2025</span>{gap}</div>{gap}<h1>Solar credits</h1>{gap}\
             {body}<ul>{items}<li>Systems installed after April 15, 2023 get less</li></ul></main></body></html>"
        );
        assert_eq!(day(&page).as_deref(), Some("2025-05-20"), "gap {gap:?}");
    }
}

#[test]
fn the_dateline_under_the_headline_beats_declared_dates() {
    let body = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let day = |page: &str| extract(page, None).published.map(|d| d.date_naive().to_string());
    // The dateline wins over what the page declares.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2021-08-12T19:35:44+00:00"></head>
        <body><aside class="recent"><span>March 3, 2020</span></aside><article><h1>T</h1>
        <div class="byline">2025-02-22</div>{body}</article></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2025-02-22"));
    // The page shows its update; the metadata still says when it first ran,
    // and the update is kept as such.
    let page = page.replace(">2025-02-22<", ">Last Updated: 2025-02-22<");
    let out = extract(&page, None);
    assert_eq!(
        out.published.map(|d| d.date_naive().to_string()).as_deref(),
        Some("2021-08-12")
    );
    assert_eq!(
        out.updated.map(|d| d.date_naive().to_string()).as_deref(),
        Some("2025-02-22")
    );
    // The label can be its own element, or the element's class.
    for shown in [
        "<span>Updated:</span> <span>2025-02-22</span>",
        r#"<time class="updated">2025-02-22</time>"#,
    ] {
        let page = page.replace("Last Updated: 2025-02-22", shown);
        assert_eq!(day(&page).as_deref(), Some("2021-08-12"), "{shown}");
    }
    // "Updated" then "Originally published": the original date.
    let page = format!(
        "<html><body><article><h1>T</h1><p>Updated November 11, 2022 8:23 PM ET</p>\
         <p>Originally published November 9, 2022 11:01 AM ET</p>{body}</article></body></html>"
    );
    assert_eq!(day(&page).as_deref(), Some("2022-11-09"));
    // A date the article mentions in its text is not its dateline.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2025-11-24T13:30:10+00:00"></head>
        <body><article><h1>T</h1><p>The offer runs from November 26 to December 3, 2025, and costs half
        of what it used to, which the company says is its deepest discount on training courses in years
        and applies worldwide.</p>{body}</article></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2025-11-24"));
    // A dateline under the article when there is none under the headline;
    // a visible "Published" line beats what the page declares.
    let page = format!("<html><body><article><h1>T</h1>{body}<p>Posted on April 13, 2023</p></article></body></html>");
    assert_eq!(day(&page).as_deref(), Some("2023-04-13"));
    let declared = r#"<head><meta property="article:published_time" content="2023-04-08T10:00:00Z"></head>"#;
    assert_eq!(
        day(&page.replace("<html><body>", &format!("<html>{declared}<body>"))).as_deref(),
        Some("2023-04-13")
    );
    // A <time> whose text and datetime disagree by more than a time zone:
    // the datetime is the page's word.
    let page = format!(
        r#"<html><body><article><h1>T</h1><time datetime="2024-12-20">August 28, 2024</time>{body}</article></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2024-12-20"));
    // WordPress's "published updated" on a date that is the declared
    // modification day shows the update.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2020-03-10T15:30:00Z">
        <meta property="article:modified_time" content="2025-02-12T13:28:34Z"></head><body><article><h1>T</h1>
        <time class="entry-date published updated">12th February 2025</time>{body}</article></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2020-03-10"));
    // A box named like a sidebar that holds the headline is the page's layout.
    let page = format!(
        r#"<html><body><div class="layout--sidebar-right"><h1>T</h1><span>Jan 22, 2025</span>{body}</div></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2025-01-22"));
    // The declared time, in UTC, can fall on the day after the dateline.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2021-12-10T02:17:00+00:00"></head>
        <body><article><h1>T</h1><p>December 9, 2021</p>{body}</article></body></html>"#
    );
    assert_eq!(
        extract(&page, None).published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2021-12-10T02:17:00+00:00")
    );
    // "09.10.2024" read the way the declared date says.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2024-09-10T16:07:00Z"></head>
        <body><article><h1>T</h1><p>09.10.2024</p>{body}</article></body></html>"#
    );
    assert_eq!(day(&page).as_deref(), Some("2024-09-10"));
    // Day-first when the separator or the numbers say so.
    for (shown, day) in [
        ("23.07.2025", "2025-07-23"),
        ("Posted on the 15/12/2025 at 19:00", "2025-12-15"),
        ("10/31/2024", "2024-10-31"),
    ] {
        let page = format!("<html><body><article><h1>T</h1><p>{shown}</p>{body}</article></body></html>");
        assert_eq!(
            extract(&page, None).published.unwrap().date_naive().to_string(),
            day,
            "{shown}"
        );
    }
    // Dates of other articles, in links or lists of them, are not datelines.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2021-08-12T19:35:44+00:00"></head>
        <body><article><h1>T</h1><div class="related-posts"><span>May 5, 2024</span></div>
        <a href="/x">June 1, 2024</a>{body}</article></body></html>"#
    );
    assert_eq!(
        extract(&page, None).published.unwrap().date_naive().to_string(),
        "2021-08-12"
    );
    // A UTC time that falls on the next day: the URL names the local day.
    let page = format!(
        r#"<html><head><meta property="article:published_time" content="2025-12-19T02:41:41+00:00"></head>
        <body><article><h1>T</h1>{body}</article></body></html>"#
    );
    let base = Url::parse("https://e.example/2025/12/18/story/").unwrap();
    assert_eq!(
        extract(&page, Some(&base)).published.unwrap().date_naive().to_string(),
        "2025-12-18"
    );
}

#[test]
fn bylines_from_by_lines_labels_and_yoast() {
    let body = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let cases = [
        // "By" then a link, under the headline.
        (
            r#"<h1>T</h1><p>By <a href="/people/jane">Jane Doe</a></p>"#,
            Some("Jane Doe"),
        ),
        (r#"<h1>T</h1><p>by: Ziyi Xu, Dec 17, 2025</p>"#, Some("Ziyi Xu")),
        // A label and the name in the next element.
        (
            r#"<h1>T</h1><div><p>Written by</p><p>Edzel Tabing</p></div>"#,
            Some("Edzel Tabing"),
        ),
        (
            r#"<h1>T</h1><div><h3>Author</h3><p>Lisa D. Ellis</p></div>"#,
            Some("Lisa D. Ellis"),
        ),
        // Labels are not names; comments are not the article's byline.
        (r#"<h1>T</h1><p class="byline">By</p>"#, None),
        (
            r#"<h1>T</h1><div class="comments"><p>By Some Commenter</p></div>"#,
            None,
        ),
    ];
    for (head, expected) in cases {
        let page = format!("<html><body><article>{head}{body}</article></body></html>");
        assert_eq!(extract(&page, None).byline.as_deref(), expected, "{head}");
    }
    let page = format!(
        r#"<html><head><meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Prince Kumar">
        </head><body><article><h1>T</h1>{body}</article></body></html>"#
    );
    assert_eq!(extract(&page, None).byline.as_deref(), Some("Prince Kumar"));
    // The site's own name as author gives way to a person on the page.
    let page = format!(
        r#"<html><head><meta property="og:site_name" content="Cleveland Clinic"><meta name="author" content="Cleveland Clinic">
        </head><body><article><h1>T</h1><p>By Holly Wilgus</p>{body}</article></body></html>"#
    );
    assert_eq!(extract(&page, None).byline.as_deref(), Some("Holly Wilgus"));
}

#[test]
fn visible_dates_and_dates_in_urls() {
    let page = r#"<html><body><article><h1>T</h1><div class="post-date">Posted on September 4th, 2025</div>
      <p>Body text that is long enough to be the article, with commas, and more words here.</p></article></body></html>"#;
    let out = extract(page, None);
    assert_eq!(out.published.unwrap().date_naive().to_string(), "2025-09-04");
    let page = r#"<html><body><article><p>Body text that is long enough to be the article, with commas, and more.</p></article></body></html>"#;
    let base = Url::parse("https://e.example/2015/09/18/some-story/").unwrap();
    assert_eq!(
        extract(page, Some(&base)).published.unwrap().date_naive().to_string(),
        "2015-09-18"
    );
    let base = Url::parse("https://e.example/news/12345/some-story").unwrap();
    assert_eq!(extract(page, Some(&base)).published, None);
}

#[test]
fn the_title_is_the_headline_readers_see() {
    let body = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    // og:title is a social variant; the <h1> agrees with it enough to be the headline.
    let page = format!(
        r#"<html><head><meta property="og:title" content="Nutritionists Explain the Biggest Diet Trends of 2025"></head>
        <body><h1 class="site-logo">Prevention</h1><article><h1>The 7 Biggest Diet and Nutrition Trends in 2025, According to Nutritionists</h1>{body}</article></body></html>"#
    );
    assert_eq!(
        extract(&page, None).title.as_deref(),
        Some("The 7 Biggest Diet and Nutrition Trends in 2025, According to Nutritionists")
    );
    // Only a logo <h1>: the declared title wins, minus its tagline.
    let page = format!(
        r#"<html><head><title>Best Residential Movers in NYC 2025 | Top 19 Companies</title><meta property="og:site_name" content="MoveCo"></head>
        <body><h1>MoveCo</h1><div>{body}</div></body></html>"#
    );
    assert_eq!(
        extract(&page, None).title.as_deref(),
        Some("Best Residential Movers in NYC 2025")
    );
}

#[test]
fn authors_from_json_ld_graph_references() {
    let page = r#"<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
      {"@type":"Article","headline":"H","author":[{"@id":"https://e.example/#/schema/person/1"},{"@id":"https://e.example/#/schema/person/2"}],"publisher":{"@type":"Organization","name":"E"}},
      {"@type":"Person","@id":"https://e.example/#/schema/person/1","name":"Jared Newman"},
      {"@type":"Person","@id":"https://e.example/#/schema/person/2","name":"Sam Singleton"}]}</script></head>
      <body><article><p>Body text that is long enough to be the article, with commas, and more words here.</p></article></body></html>"#;
    assert_eq!(
        extract(page, None).byline.as_deref(),
        Some("Jared Newman and Sam Singleton")
    );
}

#[test]
fn prose_split_over_sections_is_kept_whole() {
    // The intro wins the scoring, but the steps in the list next to it are
    // most of the guide's prose.
    let step = |n: usize| {
        format!(
            "<li>Step {n} explains, in some detail, what to do next and why it matters to the result you want, with an example and a caveat.</li>"
        )
    };
    let steps: String = (1..=6).map(step).collect();
    let page = format!(
        "<html><body><nav><a href=\"/\">Home</a></nav><div class=\"guide\"><div class=\"intro\"><p>Moving house is stressful, expensive, and easy to get wrong, say the experts we asked.</p><p>Here is how to plan it, step by step, with the advice of people who move others for a living.</p></div><ol class=\"steps\">{steps}</ol></div><footer>Footer</footer></body></html>"
    );
    let out = extract(&page, None);
    assert!(out.text.contains("Moving house is stressful"), "{}", out.text);
    for n in 1..=6 {
        assert!(
            out.text.contains(&format!("Step {n} explains")),
            "step {n} missing: {}",
            out.text
        );
    }
}

#[test]
fn bylines_lose_their_dates_and_labels() {
    for (box_text, want) in [
        ("16 December 2025 by Sam O'Brien", "Sam O'Brien"),
        ("Summer Swann - June 12, 2025", "Summer Swann"),
        ("Dec 17, 2025 Julian K. Arni", "Julian K. Arni"),
        ("Written By: Cazzy Magennis Last Updated: May 2, 2025", "Cazzy Magennis"),
        ("Maria &amp; Katerina", "Maria & Katerina"),
    ] {
        let page = format!(
            r#"<html><body><article><div class="post-author">{box_text}</div><p>Body text long enough to be the article, with commas, and more words here.</p></article></body></html>"#
        );
        assert_eq!(extract(&page, None).byline.as_deref(), Some(want), "{box_text}");
    }
}

#[test]
fn bare_text_between_blocks_is_a_paragraph() {
    // Old CMS templates: the story is loose text after a title paragraph,
    // beside a sidebar of links that has more words.
    let sidebar: String = (0..40)
        .map(|i| format!("<li><a href=\"/m{i}\">Month {i} (15)</a></li>"))
        .collect();
    let page = format!(
        r#"<html><body><div class="row"><div class="col-3"><ul>{sidebar}</ul></div>
        <div class="col-9"><p class="titulo">Vehicles broken into</p><small>05/10/2018 - Published by: Clarissa</small><br>
        <img src="/a.jpg">The team of the home care service registered this morning the break-in of two of the five cars
        of the unit. The vehicles were without their batteries, and with marks of vandalism. Read the report.<br><br>
        <div class="row"><a href="/x">Print</a></div></div></div><footer>Address 1111, Post box 421</footer></body></html>"#
    );
    let out = extract(&page, None);
    assert!(
        out.text.contains("registered this morning the break-in"),
        "{}",
        out.text
    );
    assert!(!out.text.contains("Month 3"), "{}", out.text);
    assert!(!out.text.contains("Post box"), "{}", out.text);
}

#[test]
fn read_more_teasers_are_not_the_article() {
    let p = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let page = format!(
        "<html><body><article><h1>T</h1>{p}<p>Read more: Alibaba poised to launch record listing</p>{p}\
         <p>READ MORE ON FOX BUSINESS BY CLICKING HERE</p><h2>More in Minnesota Wild</h2>\
         <p>BUFFALO, N.Y. — Another story entirely, with its own long first paragraph of text.</p></article></body></html>"
    );
    let out = extract(&page, None);
    for bad in ["Alibaba", "CLICKING", "Another story"] {
        assert!(!out.text.contains(bad), "{bad}: {}", out.text);
    }
    // A plain line that only ever introduces other articles ends the
    // article like a heading; a "Subscribe" line inside it does not.
    let page = format!(
        "<html><body><article><h1>T</h1>{p}<div>Subscribe</div>{p}<div>ALSO IN THE NEWS</div>\
         <div><div>Front Page</div><div>THE SALVATION ARMY continued its long-standing tradition of community outreach with the distribution...</div></div>\
         </article></body></html>"
    );
    let out = extract(&page, None);
    assert_eq!(out.text.matches("Body text").count(), 2, "{}", out.text);
    assert!(!out.text.contains("SALVATION"), "{}", out.text);
    // Teasers: heading, date, an excerpt cut mid-sentence; twice or more.
    let teaser = |n: u32| {
        format!(
            "<h3><a href=\"/t{n}\">Can You Sue for Benefits, part {n}?</a></h3><div>March {n}, 2025</div>\
             <p>When the administration denies your claim it can feel like a dead end, and many applicants wonder what to do next. At our firm,</p>"
        )
    };
    let page = format!(
        "<html><body><article><h1>T</h1>{p}{p}<h3>What the law says</h3><div>Section 2</div><p>{}</p>{}{}</article></body></html>",
        "The statute sets out who may claim, when, and how, in words long enough to be the article's own paragraph. "
            .repeat(2),
        teaser(1),
        teaser(2)
    );
    let out = extract(&page, None);
    assert!(out.text.contains("What the law says"), "{}", out.text);
    assert!(!out.text.contains("dead end"), "{}", out.text);
    // One alone may be the article's own section.
    let page = format!(
        "<html><body><article><h1>T</h1>{p}{}</article></body></html>",
        teaser(1)
    );
    assert!(extract(&page, None).text.contains("dead end"));
}

#[test]
fn streamed_react_content_in_a_hidden_box_is_the_article() {
    let p = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let page = format!(
        r#"<html><body><div id="root"><h1>T</h1><p>Loading…</p></div><div hidden id="S:0">{p}{p}{p}</div>
        <div hidden class="modal"><p>A hidden sign-up form, with commas, that nobody sees on the page.</p></div></body></html>"#
    );
    let out = extract(&page, None);
    assert!(out.text.starts_with("Body text that is long enough"), "{}", out.text);
    assert!(!out.text.contains("sign-up"), "{}", out.text);
}

#[test]
fn declared_titles_and_h1s_that_tell_the_same_headline() {
    let p = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let title = |head: &str, body: &str| {
        let page = format!("<html><head>{head}</head><body>{body}{p}</body></html>");
        extract(&page, None).title
    };
    // The design sets the count beside the <h1>; the title carries it.
    assert_eq!(
        title(
            r#"<meta property="og:title" content="8 Recent Trends in Photography">"#,
            "<h1>Recent Trends in Photography</h1>"
        )
        .as_deref(),
        Some("8 Recent Trends in Photography")
    );
    // But a longer addition is not a count.
    assert_eq!(
        title(
            r#"<meta property="og:title" content="Recent Trends in Photography for Studios 2025">"#,
            "<h1>Recent Trends in Photography</h1>"
        )
        .as_deref(),
        Some("Recent Trends in Photography")
    );
    // Curly quotes lost to "?" in the <h1>; a final "?" is a question.
    assert_eq!(
        title(
            r#"<meta property="og:title" content="Event Planning: A Beginner’s Guide">"#,
            "<h1>Event Planning? A Beginner?s Guide</h1>"
        )
        .as_deref(),
        Some("Event Planning: A Beginner’s Guide")
    );
    assert_eq!(
        title(
            r#"<meta property="og:title" content="Which Is Best for You">"#,
            "<h1>Which Is Best for You?</h1>"
        )
        .as_deref(),
        Some("Which Is Best for You?")
    );
    // An og:title that is the site's name is no title.
    assert_eq!(
        title(
            r#"<meta property="og:site_name" content="Robomow"><meta property="og:title" content="Robomow"><meta property="og:title" content="Which mower suits which lawn? | Robomow">"#,
            "<h1>Which mower suits which lawn?</h1>"
        )
        .as_deref(),
        Some("Which mower suits which lawn?")
    );
    // A one-word heading in the text is not a long title's headline.
    assert_eq!(
        title(
            r#"<meta property="og:title" content="How we found a flaw in Discord, Vercel and hundreds of other companies">"#,
            "<div><h1>Discord</h1></div>"
        )
        .as_deref(),
        Some("How we found a flaw in Discord, Vercel and hundreds of other companies")
    );
    // A social og:title agrees with no <h1>; the <title> does.
    assert_eq!(
        title(
            "<title>Paid Time Off Policies: Best Practices &amp; Benefits | Paycom Blog</title><meta property=\"og:title\" content=\"Blog post >> Visit the blog to learn more\">",
            "<div><h1>Paid Time-Off Policies: Best Practices and Benefits</h1></div>"
        )
        .as_deref(),
        Some("Paid Time-Off Policies: Best Practices and Benefits")
    );
    // An <h1> equal to the declared title beats a longer one holding it.
    assert_eq!(
        title(
            r#"<meta property="og:title" content="Tax 101: Understanding the basics">"#,
            "<h1>Tax 101: Understanding the basics</h1><h1><p>Tax 101: Understanding the basics</p><h4>A guide to the taxes Americans pay</h4></h1>"
        )
        .as_deref(),
        Some("Tax 101: Understanding the basics")
    );
}

#[test]
fn a_short_section_h1_gives_way_to_the_declared_title() {
    let p = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    let page = format!(
        r#"<html><head><meta property="og:title" content="Ten webcams that show the park in winter"></head>
        <body><main><h1>Our Blog</h1>{p}</main></body></html>"#
    );
    assert_eq!(
        extract(&page, None).title.as_deref(),
        Some("Ten webcams that show the park in winter")
    );
    // A short headline that agrees with the declared title stays.
    let page = format!(
        r#"<html><head><meta property="og:title" content="Floods | Daily Planet"></head>
        <body><main><h1>Floods</h1>{p}</main></body></html>"#
    );
    assert_eq!(extract(&page, None).title.as_deref(), Some("Floods"));
}

#[test]
fn body_boxes_that_names_and_markup_misjudge() {
    let p = "<p>Body text that is long enough to be the article, with commas, and more words here.</p>";
    // A highlighter's "comment" class inside code is code, not comments.
    let page = format!(
        r#"<html><body><article><h1>T</h1>{p}<pre><code><span class="hljs-comment"># initialize git</span>
git init</code></pre>{p}</article></body></html>"#
    );
    assert!(extract(&page, None).text.contains("# initialize git"));
    // Sections written as <div>s of text are prose when deciding how wide
    // the article is.
    let d = r#"<div class="item"><div>Coolant flush</div><div>Section text written without paragraphs, long enough to count, with commas, and more words.</div></div>"#;
    let page = format!(
        r#"<html><body><article><h1>T</h1><div class="contents"><section><div class="text">{p}{p}{p}</div></section>
        <div class="rows"><div class="row">{d}{d}</div></div><div class="rows"><div class="row">{d}{d}</div></div><div class="rows"><div class="row">{d}{d}</div></div></div></article></body></html>"#
    );
    let out = extract(&page, None);
    assert!(out.text.contains("Section text written"), "{}", out.text);
    // A collapsed accordion panel is part of the article.
    let page = format!(
        r#"<html><body><article><h1>T</h1>{p}<div class="accordion"><div hidden><p>The answer inside a collapsed panel, long enough, with commas.</p></div></div>{p}</article></body></html>"#
    );
    assert!(extract(&page, None).text.contains("collapsed panel"));
    // ... also when only its button says so.
    let page = format!(
        r#"<html><body><article><h1>T</h1>{p}<div class="css-p1fz9n"><h3><button aria-expanded="false">Weight</button></h3><div hidden class="css-1k075w5"><p>The answer inside a collapsed panel, long enough, with commas.</p></div></div>{p}</article></body></html>"#
    );
    assert!(extract(&page, None).text.contains("collapsed panel"));
    // A link list announced by the text is the article's; one after "you
    // might also like:" is not.
    let list = r#"<ul><li><a href="/a">Pro Git book</a></li><li><a href="/b">Git documentation</a></li></ul>"#;
    let page = format!(
        "<html><body><article><h1>T</h1>{p}<p>There are other options I'd suggest for learning more:</p>{list}</article></body></html>"
    );
    assert!(extract(&page, None).text.contains("Pro Git book"));
    let page = page.replace(
        "There are other options I'd suggest for learning more:",
        "If you liked this post you might also like:",
    );
    assert!(!extract(&page, None).text.contains("Pro Git book"));
    // So is one under a section heading of the article, but not one under
    // "You'll also love".
    let page = format!(
        "<html><body><article><h1>T</h1>{p}{p}<h3>Top expert recommendations</h3>{list}</article></body></html>"
    );
    assert!(extract(&page, None).text.contains("Pro Git book"));
    let page = page.replace("Top expert recommendations", "You’ll Also Love...");
    assert!(!extract(&page, None).text.contains("Pro Git book"));
    // The same one-link paragraph again and again is a widget's button.
    let button = r#"<p><a href="/rating">See the rating</a>.</p>"#;
    let page = format!("<html><body><article><h1>T</h1>{p}{button}{p}{button}{p}{button}</article></body></html>");
    assert!(!extract(&page, None).text.contains("See the rating"));
}
