//! Stories end to end: two write-ups of one event and a copy of one of
//! them form one story, an unrelated article its own; the story page, the
//! API, and a person merging and splitting stories from the command line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Tracewire;
use tracewire_testkit::{FixtureResponse, FixtureServer};

const WIRE: &str = "Russia would consider sending combat troops to Syria if the government of President Bashar \
    al-Assad asked for them, Kremlin spokesman Dmitry Peskov told reporters on Friday. \
    \"If there is a request, it will be discussed as part of bilateral contacts,\" Peskov said on a \
    conference call. The United States has accused Russia of increasing military aid to Syria in recent \
    weeks by sending tanks, artillery and personnel. President Vladimir Putin is due to meet Israeli Prime \
    Minister Benjamin Netanyahu in Moscow on Monday for talks about the growing Russian involvement.";

const OTHER_DESK: &str = "The Kremlin is open to a combat deployment in Syria should Bashar al-Assad request \
    one, according to Dmitry Peskov, the spokesman for Vladimir Putin. Speaking to journalists, Peskov \
    stressed that no such request had been made so far. Western governments fear that Moscow is building \
    up an air base near Latakia, while Benjamin Netanyahu prepares to raise the flow of weapons to \
    Hezbollah with the Russian leader.";

const STORM: &str = "Heavy rain and strong winds are expected along the coast through the weekend, \
    forecasters at the national weather service said on Friday. Residents of low-lying areas were told \
    to prepare for flooding, and ferries between the islands will not run on Saturday or Sunday.";

async fn site(guid: &str, title: &str, text: &str) -> FixtureServer {
    let site = FixtureServer::start().await.unwrap();
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{title} desk</title><link>http://x.example/</link>
<item><title>{title}</title><guid>{guid}</guid><link>/a/{guid}</link><pubDate>Fri, 18 Sep 2015 10:00:00 GMT</pubDate>
<description><![CDATA[<p>{text}</p>]]></description></item></channel></rss>"#
    );
    site.route("/feed.xml", FixtureResponse::rss(feed));
    site
}

#[tokio::test]
async fn write_ups_and_copies_of_one_event_are_one_story() {
    let wire = site("w1", "Russia may send troops to Syria, Kremlin says", WIRE).await;
    let desk = site("d1", "Kremlin open to Syria combat role if Assad asks", OTHER_DESK).await;
    let copy = site("c1", "Russia may send troops to Syria", WIRE).await;
    let storm = site("s1", "Storm warning for the coast", STORM).await;
    let tw = Tracewire::new();
    for s in [&wire, &desk, &copy, &storm] {
        tw.ok(&["feeds", "add", "--no-check", &s.url("/feed.xml")]).await;
    }
    tw.ok(&["crawl", "--once"]).await;

    let server = tw.serve().await;
    let list = server.json("/api/v1/stories").await;
    let stories = list["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 2, "{list}");
    let syria = stories.iter().find(|s| s["articles"] == 3).expect("one story of three");
    assert_eq!(syria["sites"], 3);
    let weather = stories.iter().find(|s| s["articles"] == 1).unwrap();
    assert_eq!(weather["headline"], "Storm warning for the coast");
    let id = syria["id"].as_i64().unwrap();
    let story = server.json(&format!("/api/v1/stories/{id}")).await;
    let mut how: Vec<&str> = story["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["joined_by"].as_str().unwrap())
        .collect();
    how.sort_unstable();
    assert!(how.contains(&"copy") && how.contains(&"similar"), "{story}");
    assert!(
        story["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["quote"]["speaker_name"] == "Dmitry Peskov"),
        "{story}"
    );
    let (status, page) = server.get(&format!("/stories/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Timeline") && page.contains("origin"), "{page}");
    let (status, page) = server.get("/stories").await;
    assert_eq!(status, 200);
    assert!(page.contains("3 articles from 3 sites"), "{page}");
    let (status, _) = server.get("/stories/999999").await;
    assert_eq!(status, 404);

    // A person splits the copy off, then merges the weather in: the
    // stories follow, and a bad request says why.
    let shown = tw.ok(&["stories", "show", &id.to_string()]).await;
    let copy_article = shown
        .lines()
        .find(|l| l.contains(" copy "))
        .and_then(|l| l.split("article").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let split = tw.ok(&["stories", "split", &id.to_string(), &copy_article]).await;
    assert!(split.contains("into story #"), "{split}");
    let after = server.json(&format!("/api/v1/stories/{id}")).await;
    assert_eq!(after["articles"].as_array().unwrap().len(), 2);
    let weather_id = weather["id"].as_i64().unwrap().to_string();
    tw.ok(&["stories", "merge", &id.to_string(), &weather_id]).await;
    let merged = server.json(&format!("/api/v1/stories/{id}")).await;
    assert_eq!(merged["articles"].as_array().unwrap().len(), 3);
    let bad = tw.run(&["stories", "merge", &id.to_string(), &weather_id]).await;
    assert!(!bad.ok && bad.stderr.contains("no story"), "{}", bad.stderr);
    let listed = tw.ok(&["stories", "list"]).await;
    assert_eq!(listed.lines().count(), 2, "{listed}");

    // Reading the stored articles again keeps every story as it is.
    drop(server);
    let again = tw.ok(&["reannotate"]).await;
    assert!(again.starts_with("read 4 articles again:"), "{again}");
    assert!(again.contains("0 put in a story"), "{again}");
    assert_eq!(tw.ok(&["stories", "list"]).await, listed);

    // The home page can list stories instead of articles.
    let (_, home) = tw.serve().await.get("/").await;
    assert!(home.contains("Full coverage: by story"), "articles by default: {home}");
    std::fs::write(tw.data.path().join("config.toml"), "[web]\nhome = \"stories\"\n").unwrap();
    let server = tw.serve().await;
    let (_, home) = server.get("/").await;
    assert!(home.contains("<h1>Full coverage</h1>"), "{home}");
    let (status, latest) = server.get("/latest").await;
    assert_eq!(status, 200);
    assert!(latest.contains("4 articles"), "{latest}");
}
