//! WebSub (W3C Recommendation, formerly PubSubHubbub): when a feed names a
//! hub and this instance has a public URL, the crawler asks the hub to
//! notify us of new content, so a feed is read soon after it changes
//! instead of at its next poll. Polling goes on regardless: hubs fail
//! quietly, and a push only makes the feed due at once.
//!
//! This module finds the hub and topic in a feed document and builds the
//! subscription request. The crawler sends it; the web crate's callback
//! (`/websub/{feed_id}`) answers the hub's verification and receives the
//! notifications.

use quick_xml::events::Event;

/// The hub and topic (`rel="self"`) a feed advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertised {
    pub hub: String,
    /// The feed's own URL as the publisher names it: the topic to subscribe
    /// to. `None` when the feed names no `self` link (the fetched URL is
    /// used then).
    pub topic: Option<String>,
}

/// How long a subscription is asked for (the hub may grant less).
pub const LEASE_SECONDS: u64 = 10 * 24 * 60 * 60;

/// The hub a document advertises at feed level: Atom `<link rel="hub">`,
/// RSS `<atom:link rel="hub">`, or JSON Feed `hubs` of type WebSub.
/// Links inside items and entries do not count.
pub fn discover(body: &[u8]) -> Option<Advertised> {
    if body.trim_ascii_start().starts_with(b"{") {
        return discover_json(body);
    }
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = false;
    let (mut hub, mut topic) = (None, None);
    let mut in_item = 0usize;
    let mut root_seen = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                // An Atom entry document's root `<entry>` is the feed level.
                if matches!(name.as_ref(), "item" | "entry") && root_seen {
                    in_item += 1;
                }
                root_seen = true;
                if in_item == 0 && name.as_ref() == "link" {
                    read_link(&e, &mut hub, &mut topic);
                }
            }
            Ok(Event::Empty(e)) if in_item == 0 && e.local_name().as_ref() == "link" => {
                read_link(&e, &mut hub, &mut topic);
            }
            Ok(Event::Empty(_)) => root_seen = true,
            Ok(Event::End(e)) if matches!(e.local_name().as_ref(), "item" | "entry") => {
                in_item = in_item.saturating_sub(1);
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    hub.map(|hub| Advertised { hub, topic })
}

fn read_link(e: &quick_xml::events::BytesStart<'_>, hub: &mut Option<String>, topic: &mut Option<String>) {
    let mut rel = None;
    let mut href = None;
    for a in e.attributes().with_checks(false).flatten() {
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.trim().to_string())
            .unwrap_or_default();
        match a.key.local_name().as_ref() {
            "rel" => rel = Some(value),
            "href" => href = Some(value),
            _ => {}
        }
    }
    let Some(href) = href.filter(|h| h.starts_with("http://") || h.starts_with("https://")) else {
        return;
    };
    for r in rel.unwrap_or_default().split_ascii_whitespace() {
        match r.to_ascii_lowercase().as_str() {
            "hub" if hub.is_none() => *hub = Some(href.clone()),
            "self" if topic.is_none() => *topic = Some(href.clone()),
            _ => {}
        }
    }
}

fn discover_json(body: &[u8]) -> Option<Advertised> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let hub = doc
        .get("hubs")?
        .as_array()?
        .iter()
        .filter(|h| {
            h.get("type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.eq_ignore_ascii_case("websub") || t.eq_ignore_ascii_case("pubsubhubbub"))
        })
        .find_map(|h| h.get("url").and_then(|u| u.as_str()))
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))?
        .to_string();
    let topic = doc.get("feed_url").and_then(|u| u.as_str()).map(str::to_string);
    Some(Advertised { hub, topic })
}

/// A fresh subscription secret: 32 random bytes, hex (the hub signs each
/// notification with it; the callback checks the signature).
pub fn new_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a WebSub secret: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The form a subscriber POSTs to the hub.
pub fn subscribe_form(topic: &str, callback: &str, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("hub.mode", "subscribe".to_string()),
        ("hub.topic", topic.to_string()),
        ("hub.callback", callback.to_string()),
        ("hub.secret", secret.to_string()),
        ("hub.lease_seconds", LEASE_SECONDS.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hubs_are_found_at_feed_level_only() {
        let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
            <link rel="self" href="https://w.example/feed.atom"/>
            <link rel="hub" href="https://hub.example/"/>
            <entry><link rel="hub" href="https://wrong.example/"/></entry></feed>"#;
        assert_eq!(
            discover(atom),
            Some(Advertised {
                hub: "https://hub.example/".into(),
                topic: Some("https://w.example/feed.atom".into())
            })
        );
        let rss = br#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
            <item><atom:link rel="hub" href="https://wrong.example/"/></item>
            <atom:link href="https://hub.example/h" rel="hub"/><title>T</title></channel></rss>"#;
        assert_eq!(
            discover(rss),
            Some(Advertised {
                hub: "https://hub.example/h".into(),
                topic: None
            })
        );
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","feed_url":"https://w.example/f.json",
            "hubs":[{"type":"rssCloud","url":"https://c.example/"},{"type":"WebSub","url":"https://hub.example/j"}],"items":[]}"#;
        assert_eq!(discover(json).unwrap().hub, "https://hub.example/j");
        assert_eq!(
            discover(b"<rss><channel><link>https://w.example/</link></channel></rss>"),
            None
        );
        assert_eq!(discover(br#"<feed><link rel="hub" href="javascript:x"/></feed>"#), None);
        assert_eq!(discover(b"\x00garbage"), None);
    }

    #[test]
    fn secrets_are_random_hex() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
