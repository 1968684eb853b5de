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

/// The paragraph that ends every press release of one company.
const ABOUT: &str = "About Northwind Robotics: Northwind Robotics designs and builds autonomous mobile robots for warehouses, hospitals and airports. Founded in 2012 and headquartered in Pittsburgh, the company employs more than six hundred people and has deployed over twelve thousand robots in thirty countries. Its shares trade on the New York Stock Exchange.";
/// A wire service's notice under every story it sells.
const NOTICE: &str = "Copyright 2024 Continental Press Agency. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without written permission.";
/// A partnership's standing note above its members' posts.
const NOTE: &str = "Editor's note: This story is published through a reporting partnership of regional newsrooms, which may republish it under their own headlines.";

const BRIEFS: [&str; 4] = [
    "Northwind Robotics said on Monday it would open a second factory near Columbus, Ohio, adding about three hundred jobs by the end of next year.\nThe plant will assemble the company's newest hospital delivery robot, which carries medicines and linen between wards without a human escort.",
    "Northwind Robotics reported quarterly revenue of one hundred and forty million dollars, up eighteen percent from a year earlier, as airports ordered more baggage robots.\nThe company raised its forecast for the full year and said its order book had never been larger.",
    "Northwind Robotics has appointed Laura Mbeki, a former logistics executive at a large parcel carrier, as its chief operating officer from the first of March.\nShe succeeds Tom Ferris, who is retiring after nine years in the role and will stay on as an adviser.",
    "Northwind Robotics and a Japanese trading house agreed to form a joint venture that will sell the company's warehouse robots across Southeast Asia from next spring.\nFinancial terms were not disclosed, but the partners said the venture would start with a team of about forty engineers in Singapore.",
];

#[test]
fn boilerplate_shared_across_sites_does_not_relate_their_stories() {
    // Four releases of one company, each run by a different site (so no
    // site sees its furniture three times), some under a wire notice or a
    // partnership's note; then one release copied by another site.
    let mut docs: Vec<Doc> = BRIEFS
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let text = match i {
                0 => format!("{b}\n{ABOUT}"),
                1 => format!("{NOTE}\n{b}\n{ABOUT}\n{NOTICE}"),
                2 => format!("{b}\n{ABOUT}\n{NOTICE}"),
                _ => format!("{NOTE}\n{b}\n{ABOUT}"),
            };
            doc(
                i as i64 + 1,
                &format!("site{i}.example"),
                "release",
                i as i64 * 24,
                &text,
            )
        })
        .collect();
    docs.push(doc(
        5,
        "aggregator.example",
        "copy",
        100,
        &format!("{NOTE}\n{}\n{ABOUT}\n{NOTICE}", BRIEFS[0]),
    ));
    docs.push(doc(
        6,
        "digest.example",
        "note",
        120,
        &format!("{NOTE}\n{OTHER}\n{NOTICE}"),
    ));
    let only_the_copy = |relations: &[Relation]| {
        relations.len() == 1 && (relations[0].from, relations[0].to) == (1, 5) && relations[0].kind.is_copying()
    };
    let mut offline = Corpus::learning_from(&docs);
    let relations: Vec<Relation> = docs.iter().cloned().flat_map(|d| offline.add(d)).collect();
    assert!(only_the_copy(&relations), "{relations:?}");
    // A crawl learns the blocks as it goes: once learnt, they relate nothing.
    let mut corpus = Corpus::new();
    let mut late = Vec::new();
    for d in docs {
        let id = d.id;
        late.extend(corpus.add(d).into_iter().filter(|_| id >= 5));
    }
    assert!(only_the_copy(&late), "{late:?}");
}

#[test]
fn a_story_at_the_top_of_its_copies_is_not_furniture() {
    // Trimmed copies end where each site's own lines begin: the story sits
    // at their top beside a different neighbour every time, but it is most
    // of each copy, so it stays the story.
    let lead: Vec<&str> = STORY.split('\n').take(3).collect();
    let tails = [
        "Reporting by the foreign desk; additional reporting from our bureau in Kyiv and Moscow.",
        "Read more of our coverage of the war in Ukraine and the search for a ceasefire on our world page.",
        "This article was amended on Wednesday to correct the spelling of a Ukrainian official's name.",
        "Follow our live coverage for the latest developments from the front line and the capitals.",
    ];
    let mut docs = vec![doc(1, "wire.example", "a", 0, STORY)];
    for (i, tail) in tails.iter().enumerate() {
        let text = format!("{}\n{tail}", lead.join("\n"));
        docs.push(doc(
            i as i64 + 2,
            &format!("copier{i}.example"),
            "b",
            1 + i as i64,
            &text,
        ));
    }
    let mut corpus = Corpus::learning_from(&docs);
    let relations: Vec<Relation> = docs.into_iter().flat_map(|d| corpus.add(d)).collect();
    for copy in 2..=5 {
        assert!(
            relations
                .iter()
                .any(|r| r.from == 1 && r.to == copy && r.kind == Kind::Copy),
            "{copy}: {relations:?}"
        );
    }
}

/// A long report, and a later story on the same affair that quotes one
/// statement from it.
const REPORT: &str = "The European Commission opened a formal investigation on Thursday into whether a large online marketplace had favoured its own products over those of independent sellers on its platform.\n\
Officials said the inquiry would examine how the marketplace ranks offers in search results, how it chooses which seller wins the prominent buy box, and whether it uses data gathered from independent sellers to design competing products.\n\
In a statement, the commission said: \"Online platforms have become gatekeepers for millions of small businesses across Europe, and they must not use that position to tilt the playing field in their own favour, to the detriment of sellers and, ultimately, of consumers who deserve real choice.\"\n\
The company said it would cooperate fully and that its practices complied with the law, adding that independent sellers accounted for more than half of all units sold on its European sites last year.\n\
If the commission finds a breach of competition rules, it can impose fines of up to ten percent of global annual turnover and order changes to the way the marketplace operates.\n\
Trade groups representing small retailers welcomed the move, saying they had complained for years that their best-selling products were copied and then pushed down the rankings.\n\
The investigation is expected to take at least eighteen months, and officials declined to say whether they had already sent formal requests for information to the company or its rivals.";

const FOLLOW_UP: &str = "Shares in the online marketplace fell four percent in Frankfurt on Monday after analysts warned that a European competition inquiry could force costly changes to its business model.\n\
Several brokers cut their price targets, arguing that any order to separate its own retail arm from its platform for outside merchants would squeeze margins in its most profitable region.\n\
Last week the commission said that \"online platforms have become gatekeepers for millions of small businesses across Europe, and they must not use that position to tilt the playing field in their own favour,\" a line that investors read as a sign of a tough stance.\n\
Lawyers who follow the case said the most likely outcome was a settlement in which the company would accept binding commitments on how it ranks offers, rather than a record fine.\n\
Smaller rivals, meanwhile, reported a jump in sign-ups from sellers looking to spread their business across more than one platform ahead of the holiday season.\n\
The company's chief executive is due to speak at a technology conference in Lisbon next week, where he is expected to face questions about the inquiry and about plans to expand into financial services.";

#[test]
fn a_follow_up_quoting_a_statement_is_not_a_copy() {
    let docs = vec![
        doc(1, "wire.example", "probe", 0, REPORT),
        doc(2, "markets.example", "shares", 96, FOLLOW_UP),
        // A trimmed copy of the report still is one.
        doc(
            3,
            "copier.example",
            "probe",
            2,
            &REPORT.split('\n').take(5).collect::<Vec<_>>().join("\n"),
        ),
    ];
    let mut corpus = Corpus::learning_from(&docs);
    let relations: Vec<Relation> = docs.into_iter().flat_map(|d| corpus.add(d)).collect();
    assert_eq!(kinds(&relations), vec![(1, 3, Kind::Copy)], "{relations:?}");
}

#[test]
fn a_neighbour_is_told_from_its_edited_version_and_from_another_text() {
    let p = STORY.split('\n').nth(1).unwrap_or_default();
    let edited = p.replace("negotiations", "talks").replace("ignored", "disregarded");
    let other = OTHER.split('\n').next().unwrap_or_default();
    assert!(!furniture::Context::of(p).differs(furniture::Context::of(&edited)));
    assert!(furniture::Context::of(p).differs(furniture::Context::of(other)));
}

#[test]
fn edge_runs_are_the_minority_blocks_at_the_top_and_the_foot() {
    let text = format!("{NOTE}\n{STORY}\n{NOTICE}");
    let runs = furniture::edge_runs(&text, |_| false);
    let keys = |p: &str| furniture::paragraph_key(p).into_iter().collect::<Vec<_>>();
    assert!(runs.iter().any(|r| r.keys == keys(NOTE)));
    assert!(runs.iter().any(|r| r.keys == keys(NOTICE)));
    // The story is most of the text: it is no edge block, whatever sits
    // beside it.
    let story_keys = furniture::paragraph_keys(STORY);
    assert!(
        !runs.iter().any(|r| story_keys.iter().all(|k| r.keys.contains(k))),
        "{runs:?}"
    );
    let trimmed = format!("{}\n{NOTICE}", STORY.split('\n').take(3).collect::<Vec<_>>().join("\n"));
    let lead = furniture::paragraph_keys(&trimmed)[..3].to_vec();
    assert!(!furniture::edge_runs(&trimmed, |_| false).iter().any(|r| r.keys == lead));
}
