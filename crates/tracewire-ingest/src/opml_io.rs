//! OPML subscription lists in and out, through the opml crate.

use opml::{OPML, Outline};

/// A subscription listed in an OPML document.
#[derive(Debug, Clone, PartialEq)]
pub struct OpmlFeed {
    pub url: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a valid OPML document: {0}")]
pub struct OpmlError(String);

/// Every outline with an `xmlUrl`, at any depth (folders are flattened).
pub fn read_opml(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let doc = OPML::from_str(text).map_err(|e| OpmlError(e.to_string()))?;
    let mut out = Vec::new();
    let mut stack: Vec<&Outline> = doc.body.outlines.iter().rev().collect();
    while let Some(o) = stack.pop() {
        if let Some(url) = o.xml_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            let title = o
                .title
                .clone()
                .or_else(|| Some(o.text.clone()))
                .filter(|t| !t.trim().is_empty());
            out.push(OpmlFeed {
                url: url.to_string(),
                title,
                site_url: o.html_url.clone(),
            });
        }
        stack.extend(o.outlines.iter().rev());
    }
    Ok(out)
}

/// An OPML 2.0 document listing `feeds`.
pub fn write_opml(feeds: &[OpmlFeed]) -> Result<String, OpmlError> {
    let mut doc = OPML {
        version: "2.0".to_string(),
        ..OPML::default()
    };
    doc.head = Some(opml::Head {
        title: Some("Tracewire subscriptions".to_string()),
        ..opml::Head::default()
    });
    for f in feeds {
        let name = f.title.clone().unwrap_or_else(|| f.url.clone());
        doc.body.outlines.push(Outline {
            text: name.clone(),
            title: Some(name),
            r#type: Some("rss".to_string()),
            xml_url: Some(f.url.clone()),
            html_url: f.site_url.clone(),
            ..Outline::default()
        });
    }
    let xml = doc.to_string().map_err(|e| OpmlError(e.to_string()))?;
    Ok(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_with_folders() {
        let text = r#"<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
          <outline text="News"><outline text="A" type="rss" xmlUrl="https://a.example/feed" htmlUrl="https://a.example/"/></outline>
          <outline text="B &amp; C" xmlUrl="https://b.example/rss"/></body></opml>"#;
        let feeds = read_opml(text).unwrap();
        assert_eq!(feeds.len(), 2);
        assert_eq!(feeds[1].title.as_deref(), Some("B & C"));
        let again = read_opml(&write_opml(&feeds).unwrap()).unwrap();
        assert_eq!(again, feeds);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(read_opml("<html>").is_err());
        assert!(read_opml("").is_err());
    }
}
