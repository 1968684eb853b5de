//! Smaller command-line promises: `extract`, the environment switch for
//! private networks, configuration errors.

mod common;

use common::Tracewire;
use tracewire_testkit::demo::{SEED_ARTICLE_PATH, SEED_FEED_XML, SEED_PAGE_HTML, rewrite_seed};
use tracewire_testkit::{FixtureResponse, FixtureServer};

#[tokio::test]
async fn extract_prints_the_article_as_json() {
    let tw = Tracewire::new();
    let file = tw.data.path().join("page.html");
    std::fs::write(&file, SEED_PAGE_HTML).unwrap();
    let out = tw
        .ok(&[
            "extract",
            file.to_str().unwrap(),
            "--base-url",
            "http://worldnewsfeed.example/x/",
        ])
        .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["title"], "Russia Says It May Send Troops Into Combat In Syria");
    assert!(
        json["source_url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.freedomsphoenix.com/News/183511")
    );
    assert_eq!(json["attributions"][0]["kind"], "source");
    assert!(
        json["text"]
            .as_str()
            .unwrap()
            .starts_with("On Thursday evening, we detailed a Reuters report")
    );
    assert!(!json["text"].as_str().unwrap().contains("Views:"));

    // A saved page may be gzipped.
    let gz = tw.data.path().join("page.html.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, SEED_PAGE_HTML.as_bytes()).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let out = tw.ok(&["extract", gz.to_str().unwrap()]).await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["title"], "Russia Says It May Send Troops Into Combat In Syria");

    // From a URL, relative links resolve against the page's address.
    let site = FixtureServer::start().await.unwrap();
    site.route(
        SEED_ARTICLE_PATH,
        FixtureResponse::html(rewrite_seed(SEED_PAGE_HTML, &site.base_url())),
    );
    let out = tw.ok(&["extract", &site.url(SEED_ARTICLE_PATH)]).await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["canonical_url"], site.url(SEED_ARTICLE_PATH));

    let missing = tw.run(&["extract", "/no/such/file.html"]).await;
    assert!(
        !missing.ok && missing.stderr.contains("cannot read /no/such/file.html"),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn the_environment_can_allow_private_networks() {
    let site = FixtureServer::start().await.unwrap();
    site.route(
        "/feed/",
        FixtureResponse::rss(rewrite_seed(SEED_FEED_XML, &site.base_url())),
    );
    let mut tw = Tracewire::guarded();
    assert!(!tw.run(&["feeds", "add", &site.url("/feed/")]).await.ok);
    tw.env.push(("TRACEWIRE_ALLOW_PRIVATE_NETWORKS".into(), "1".into()));
    tw.ok(&["feeds", "add", &site.url("/feed/")]).await;
}

#[tokio::test]
async fn a_bad_config_file_is_a_clear_error() {
    let tw = Tracewire::new();
    std::fs::write(tw.data.path().join("config.toml"), "[fetch]\ntimeout = 3\n").unwrap();
    let run = tw.run(&["feeds", "list"]).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("config.toml") && run.stderr.contains("timeout"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn batch_extraction_and_its_benchmark() {
    use std::io::Write;
    let tw = Tracewire::new();
    let dir = tw.data.path().join("pages");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("seed.html"), SEED_PAGE_HTML).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"<html lang=\"fr\"><head><title>Titre</title></head><body><article><p>Le conseil municipal a vote mardi, apres un long debat, pour agrandir le reseau de tramway de la ville.</p></article></body></html>").unwrap();
    std::fs::write(dir.join("fr.html.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a page").unwrap();

    let out = tw.data.path().join("out.json");
    tw.ok(&[
        "extract",
        "--batch",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        "2",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ids: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(ids, ["fr", "seed"]);
    assert_eq!(
        json["seed"]["title"],
        "Russia Says It May Send Troops Into Combat In Syria"
    );
    assert_eq!(json["seed"]["author"], "admin");
    assert!(json["seed"]["publish_date"].as_str().unwrap().starts_with("2015-09-18"));
    assert_eq!(json["fr"]["language"], "fr");
    assert!(
        json["fr"]["articleBody"]
            .as_str()
            .unwrap()
            .starts_with("Le conseil municipal")
    );

    // The benchmark scores against a ground truth: the seed's own text is perfect.
    let truth = serde_json::json!({
        "seed": {"articleBody": tracewire_testkit::demo::seed_paragraphs().join("\n"), "url": "http://worldnewsfeed.example/x/"},
        "fr": {"articleBody": "Something else entirely, nothing like the page", "url": "https://fr.example/"}
    });
    let gt = tw.data.path().join("gt.json");
    std::fs::write(&gt, truth.to_string()).unwrap();
    let report = tw
        .ok(&[
            "bench",
            "extract",
            "--html",
            dir.to_str().unwrap(),
            "--ground-truth",
            gt.to_str().unwrap(),
            "--min-seconds",
            "0",
        ])
        .await;
    assert!(report.contains("pages        2"), "{report}");
    assert!(report.contains("accuracy     0.5000"), "{report}");
    assert!(report.contains("pages/s"), "{report}");
}

#[tokio::test]
async fn accounts_from_the_command_line() {
    let tw = Tracewire::new();
    // A server with no accounts makes an administrator and says how to log in.
    let server = tw.serve().await;
    let accounts = tw.ok(&["users", "list"]).await;
    assert!(accounts.contains("admin (admin)"), "{accounts}");
    drop(server);

    // A password from standard input; too short, or a taken name, refused.
    let short = tw.run_input(&["users", "add", "alice"], "short\n").await;
    assert!(!short.ok && short.stderr.contains("too short"), "{}", short.stderr);
    let added = tw.run_input(&["users", "add", "alice"], "alice-password\n").await;
    assert!(
        added.ok && added.stdout.contains("added alice"),
        "{}{}",
        added.stdout,
        added.stderr
    );
    let again = tw.run_input(&["users", "add", "alice"], "alice-password\n").await;
    assert!(
        !again.ok && again.stderr.contains("already an account named alice"),
        "{}",
        again.stderr
    );
    let bad = tw.run_input(&["users", "add", "two words"], "alice-password\n").await;
    assert!(!bad.ok && bad.stderr.contains("not a usable name"), "{}", bad.stderr);

    // A feed added from the command line is the administrators' to read.
    let site = FixtureServer::start().await.unwrap();
    site.route("/feed.xml", FixtureResponse::rss(SEED_FEED_XML.to_string()));
    tw.ok(&["feeds", "add", "--no-check", &site.url("/feed.xml")]).await;

    // A token is printed once, and opens the API as its account.
    let token = tw.ok(&["users", "token", "alice", "--label", "script"]).await;
    let token = token.trim();
    assert!(
        token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );
    let server = tw.serve().await;
    let me = |token: String| {
        let server = &server;
        async move {
            let r = server
                .client
                .get(format!("{}/api/v1/me", server.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = me(token.to_string()).await;
    assert_eq!((status, body["name"].as_str()), (200, Some("alice")), "{body}");
    let (status, body) = me("0".repeat(64)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    drop(server);

    let changed = tw.run_input(&["users", "passwd", "alice"], "new-password-2\n").await;
    assert!(changed.ok, "{}", changed.stderr);
    let list = tw.ok(&["users", "list"]).await;
    assert!(list.contains("alice\t0 subscriptions"), "{list}");
    assert!(list.contains("admin (admin)\t1 subscriptions"), "{list}");
    tw.ok(&["users", "remove", "alice"]).await;
    let missing = tw.run(&["users", "remove", "alice"]).await;
    assert!(
        !missing.ok && missing.stderr.contains("no account named alice"),
        "{}",
        missing.stderr
    );
}
