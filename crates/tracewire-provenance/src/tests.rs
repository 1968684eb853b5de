use super::*;

const STORY: &str = "The Kremlin said on Tuesday that talks with Kyiv had stalled over the future of the occupied territories and the size of the Ukrainian army.\n\
Dmitry Peskov told reporters that Moscow remained open to negotiations but would not accept conditions that ignored what he called the realities on the ground.\n\
Ukrainian officials said they had received no new proposals and accused Russia of stalling while its forces pressed attacks in the east of the country.\n\
European diplomats meeting in Brussels were expected to discuss a new package of sanctions aimed at Russian energy exports and shipping companies.\n\
Analysts said neither side appeared ready to compromise before the winter, when fighting traditionally slows along the front line and supply lines harden.";

const OTHER: &str = "Scientists in Norway have described a new species of deep-sea fish that lives near hydrothermal vents on the floor of the Arctic Ocean.\n\
The fish, which grows to about twenty centimetres, was filmed by a remotely operated vehicle at a depth of more than three thousand metres below the surface.\n\
Researchers said the discovery showed how little is known about life in the deep ocean and called for protection of the vents from seabed mining projects.";

fn doc(id: i64, site: &str, path: &str, hours: i64, text: &str) -> Doc {
    Doc {
        id,
        url: format!("https://{site}/{path}"),
        site: site.to_string(),
        title: format!("Story {id}"),
        text: text.to_string(),
        published: Some(1_700_000_000 + hours * 3600),
        source_url: None,
    }
}

fn kinds(relations: &[Relation]) -> Vec<(i64, i64, Kind)> {
    let mut k: Vec<_> = relations.iter().map(|r| (r.from, r.to, r.kind)).collect();
    k.sort_by_key(|x| (x.0, x.1, x.2.as_str()));
    k
}

#[test]
fn a_chain_of_copies_back_to_its_origin() {
    let mut corpus = Corpus::new();
    let mut all = Vec::new();
    // Added out of time order, as a crawl finds them.
    let mut copy_of_copy = doc(
        3,
        "aggregator.example",
        "c",
        5,
        &format!("{STORY}\nSource Article from https://phoenix.example/b"),
    );
    copy_of_copy.source_url = Some("https://phoenix.example/b?utm_source=rss".into());
    let mut copy = doc(
        2,
        "phoenix.example",
        "b",
        2,
        &STORY.replace("Tuesday", "Tuesday morning"),
    );
    copy.source_url = Some("https://www.hedge.example/a/".into());
    for d in [
        copy_of_copy,
        doc(1, "hedge.example", "a", 0, STORY),
        copy,
        doc(4, "science.example", "d", 1, OTHER),
    ] {
        all.extend(corpus.add(d));
    }
    let k = kinds(&all);
    assert!(
        k.contains(&(1, 2, Kind::Copy)) || k.contains(&(1, 2, Kind::Duplicate)),
        "{k:?}"
    );
    assert!(k.contains(&(2, 3, Kind::Attributes)), "{k:?}");
    assert!(k.contains(&(1, 2, Kind::Attributes)), "{k:?}");
    assert!(!k.iter().any(|(a, b, _)| *a == 4 || *b == 4), "{k:?}");
    let lines = lineages(&corpus, &all);
    let of = |id: i64| lines.iter().find(|l| l.id == id).cloned();
    assert_eq!(of(1).map(|l| (l.origin, l.source)), Some((1, None)));
    assert_eq!(of(2).map(|l| (l.origin, l.source)), Some((1, Some(1))));
    assert_eq!(of(3).map(|l| (l.origin, l.source)), Some((1, Some(2))));
    assert_eq!(of(4), None, "an original with no copies has no lineage");
}

#[test]
fn trimmed_edited_excerpted_and_updated() {
    let paragraphs: Vec<&str> = STORY.split('\n').collect();
    let trimmed = paragraphs[..3].join("\n");
    let edited = STORY
        .replace("stalled", "broken down")
        .replace("negotiations", "talks")
        .replace("pressed attacks", "attacked");
    let excerpt = format!("{}\n{}\n{OTHER}", paragraphs[0], paragraphs[1]);
    let updated = format!(
        "{STORY}\nUpdate: the Kremlin later said a new round of talks could take place next month in Istanbul, according to state media."
    );
    let mut corpus = Corpus::new();
    let mut all = Vec::new();
    for d in [
        doc(1, "wire.example", "a", 0, STORY),
        doc(2, "trim.example", "b", 1, &trimmed),
        doc(3, "edit.example", "c", 1, &edited),
        doc(4, "digest.example", "d", 2, &excerpt),
        doc(5, "wire.example", "a-updated", 3, &updated),
    ] {
        all.extend(corpus.add(d));
    }
    let k = kinds(&all);
    for want in [
        (1, 2, Kind::Copy),
        (1, 3, Kind::Copy),
        (1, 4, Kind::Excerpt),
        (1, 5, Kind::Update),
    ] {
        assert!(k.contains(&want), "{want:?} in {k:?}");
    }
    let lines = lineages(&corpus, &all);
    assert!(lines.iter().all(|l| l.origin == 1), "{lines:?}");
}

#[test]
fn a_sites_furniture_does_not_make_its_posts_copies() {
    let bio = "Jane Doe is a senior correspondent who has covered energy markets and European politics for more than fifteen years from London.";
    let pitch = "Sign up for our free daily newsletter to get the most important stories of the day delivered straight to your inbox every morning.";
    let texts = [
        "Oil prices rose sharply after producers agreed to extend output cuts into the spring.",
        "A court in Paris ruled that the new pension law could take effect from January.",
        "Shares of chip makers fell after a profit warning from the largest supplier.",
        "Heavy snow closed roads across the Alps and forced the cancellation of dozens of flights.",
    ];
    let mut corpus = Corpus::new();
    let mut all = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        all.extend(corpus.add(doc(
            i as i64 + 1,
            "blog.example",
            &format!("p{i}"),
            i as i64,
            &format!("{t}\n{bio}\n{pitch}"),
        )));
    }
    // Learnt from three posts on; an offline corpus learns from all first.
    let late: Vec<_> = all.iter().filter(|r| r.to >= 4).collect();
    assert!(late.is_empty(), "{late:?}");
    let docs: Vec<Doc> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            doc(
                i as i64 + 1,
                "blog.example",
                &format!("p{i}"),
                i as i64,
                &format!("{t}\n{bio}\n{pitch}"),
            )
        })
        .collect();
    let mut offline = Corpus::learning_from(&docs);
    let relations: Vec<Relation> = docs.into_iter().flat_map(|d| offline.add(d)).collect();
    assert!(relations.is_empty(), "{relations:?}");
}

#[test]
fn what_a_copy_changed() {
    let copy = format!(
        "{}\nEditor's note: this story has been updated.\n{}",
        STORY
            .replace("had stalled", "had completely stalled")
            .split('\n')
            .take(2)
            .collect::<Vec<_>>()
            .join("\n"),
        STORY.split('\n').nth(3).unwrap_or("")
    );
    let d = diff(STORY, &copy);
    assert_eq!(d.kept, 2, "{d:?}");
    assert_eq!(
        d.added,
        vec!["Editor's note: this story has been updated.".to_string()],
        "{d:?}"
    );
    assert_eq!(d.edited.len(), 1, "{d:?}");
    assert!(d.edited[0].1.contains("completely"));
    assert_eq!(d.removed.len(), 2, "{d:?}");
}

#[test]
fn urls_are_compared_by_what_names_the_page() {
    assert_eq!(
        url_key("https://www.Example.com/a/b/?utm_source=x#top"),
        "example.com/a/b"
    );
    assert_eq!(url_key("http://example.com/a/b"), "example.com/a/b");
    assert_eq!(
        url_key("https://example.com/a?id=3&utm_medium=rss"),
        "example.com/a?id=3"
    );
    assert_ne!(
        url_key("https://example.com/a?id=3"),
        url_key("https://example.com/a?id=4")
    );
}

#[test]
fn long_chains_do_not_overflow() {
    let mut uf = UnionFind::default();
    for i in 0..200_000 {
        uf.union(i + 1, i);
    }
    assert_eq!(uf.find(200_000), 0);
}

#[test]
fn a_story_posted_again_and_again_is_not_furniture() {
    let mut corpus = Corpus::new();
    let mut all = Vec::new();
    for v in 0..4 {
        let text = format!(
            "{STORY}\nUpdate {v}: officials said more talks were planned for next week in the Turkish city of Istanbul."
        );
        all.extend(corpus.add(doc(v + 1, "live.example", &format!("live-{v}"), v, &text)));
    }
    for later in 2..=4 {
        assert!(
            all.iter()
                .any(|r| r.from == 1 && r.to == later && r.kind == Kind::Update),
            "{later}: {all:?}"
        );
    }
}

#[test]
fn a_site_is_its_host_and_port() {
    assert_eq!(site_of("https://www.Example.com/a"), "example.com");
    assert_eq!(site_of("http://127.0.0.1:8080/a"), "127.0.0.1:8080");
    assert_ne!(site_of("http://127.0.0.1:8080/a"), site_of("http://127.0.0.1:8081/a"));
    assert_eq!(site_of("not a url"), "");
}
