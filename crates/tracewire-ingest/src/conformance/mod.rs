//! feedparser's test cases run against our feed parser: each case's header
//! comment (`Description:`, `Expect:`, `Header:`) read, its document parsed
//! the way the crawler parses feeds, and its `Expect:` expression checked
//! against a feedparser-shaped view of the result (`view.rs`, `expr.rs`).
//! Serving `Header:` cases over HTTP is the caller's part (`tracewire
//! conformance`), as it is I/O.

pub mod expr;
pub mod view;

use serde_json::{Value, json};

/// One test case: a document and what feedparser expects of its parse.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its path under the cases folder, with `/` separators.
    pub path: String,
    pub description: String,
    pub expect: String,
    /// `Header:` lines: HTTP response headers to serve it with.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Reads a case from its file; `None` when it has no `Expect:` line.
pub fn read_case(path: &str, body: Vec<u8>) -> Option<Case> {
    // The header comment in the document's own encoding (some cases are
    // UTF-16 or UTF-32).
    let text = match crate::xml_encoding::to_utf8(&body) {
        Ok(decoded) => String::from_utf8_lossy(&decoded.utf8).into_owned(),
        Err(_) => String::from_utf8_lossy(&body).into_owned(),
    };
    let head: String = text.chars().take(4096).collect();
    let start = head.find("<!--")?;
    let end = head[start..].find("-->")? + start;
    let mut description = String::new();
    let mut expect = None;
    let mut headers = Vec::new();
    for line in head[start + 4..end].lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Description" => description = value.to_string(),
            "Expect" => expect = Some(value.to_string()),
            "Header" => {
                if let Some((name, v)) = value.split_once(':') {
                    headers.push((name.trim().to_string(), v.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    Some(Case {
        path: path.to_string(),
        description,
        expect: expect?,
        headers,
        body,
    })
}

/// The URL feedparser's own test server gives a case, which its expected
/// absolute links are written against.
pub fn case_url(path: &str) -> String {
    format!("http://127.0.0.1:8097/tests/{path}")
}

/// What became of one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(String),
    /// Why the case does not apply to us (see [`SKIPPED_FIELDS`]).
    Skipped(String),
}

/// feedparser fields with no meaning in our model: an expectation about one
/// of them is skipped, with this reason.
pub const SKIPPED_FIELDS: &[(&str, &str)] = &[
    (
        "info",
        "Atom 0.3's <info> element, dropped from Atom 1.0 and from our model",
    ),
    (
        "info_detail",
        "Atom 0.3's <info> element, dropped from Atom 1.0 and from our model",
    ),
    ("created", "Atom 0.3's <created> date, dropped from Atom 1.0"),
    ("created_parsed", "Atom 0.3's <created> date, dropped from Atom 1.0"),
    ("expired", "Atom 0.3's <expired> date, dropped from Atom 1.0"),
    ("expired_parsed", "Atom 0.3's <expired> date, dropped from Atom 1.0"),
    ("cloud", "RSS <cloud> pings (we subscribe through WebSub)"),
    ("docs", "RSS <docs>: a link to the RSS specification"),
    ("textinput", "RSS <textInput>: a search box for the channel"),
    ("wfw_comment", "the Well-Formed Web comment API"),
    ("wfw_commentrss", "the Well-Formed Web comment API"),
    ("psc_chapters", "Podlove podcast chapters"),
    ("chapters", "Podlove podcast chapters"),
    ("itunes_explicit", "iTunes podcast directory flags"),
    ("itunes_block", "iTunes podcast directory flags"),
    ("itunes_duration", "iTunes podcast directory fields"),
    ("media_credit", "Media RSS credits and rights"),
    ("media_license", "Media RSS credits and rights"),
    ("media_restriction", "Media RSS credits and rights"),
    ("media_rating", "Media RSS credits and rights"),
    ("where", "GeoRSS locations"),
    ("coordinates", "GeoRSS locations"),
    ("validity_start", "Dublin Core validity periods"),
    ("validity_start_parsed", "Dublin Core validity periods"),
    ("validity_end", "Dublin Core validity periods"),
    ("validity_end_parsed", "Dublin Core validity periods"),
    ("namespaces", "feedparser's record of namespace prefixes"),
    ("bozo_exception", "feedparser's Python exception object"),
    ("guidislink", "feedparser's guess whether a GUID is a link"),
    ("madeup_element", "feedparser's pass-through of unknown elements"),
];

/// What the harness cannot show yet: facts of the HTTP response. Counted as
/// skipped, listed apart in the report.
pub const NOT_YET: &[(&str, &str)] = &[
    ("headers", "not yet: HTTP response facts are not in the view"),
    ("status", "not yet: HTTP response facts are not in the view"),
    ("href", "not yet: HTTP response facts are not in the view"),
    ("etag", "not yet: HTTP response facts are not in the view"),
    ("modified", "not yet: HTTP response facts are not in the view"),
];

/// Checks one case against our parse of `document` fetched from `url`.
pub fn judge(case: &Case, document: &[u8], url: &str) -> Outcome {
    let e = match expr::parse(&case.expect) {
        Ok(e) => e,
        Err(expr::ExprError::Unsupported(what)) => return Outcome::Skipped(format!("Python we do not read: {what}")),
        Err(err) => return Outcome::Failed(format!("cannot read the expectation: {err}")),
    };
    if let expr::Expr::Lit(_) = e {
        return Outcome::Skipped(
            "no expectation about the parse (feedparser checks these cases by other means)".into(),
        );
    }
    let names = expr::names(&e);
    for (field, reason) in SKIPPED_FIELDS {
        if names.free.iter().chain(&names.keys).any(|n| n == field) {
            return Outcome::Skipped(format!("{field}: {reason}"));
        }
    }
    // HTTP facts are names at the top; `href` is also a link's field.
    for (name, reason) in NOT_YET {
        if names.free.iter().any(|n| n == name) {
            return Outcome::Skipped(format!("{name}: {reason}"));
        }
    }
    let scope = scope_served(document, url, served(case));
    match expr::eval(&e, &scope) {
        Ok(v) if expr::truthy(&v) => Outcome::Passed,
        Ok(_) => Outcome::Failed(describe_failure(&e, &scope)),
        Err(expr::ExprError::Unsupported(what)) => Outcome::Skipped(format!("Python we do not read: {what}")),
        Err(err) => Outcome::Failed(err.to_string()),
    }
}

/// The HTTP facts a case is served with (its `Header:` lines), as the
/// crawler passes them to the parse.
pub fn served(case: &Case) -> crate::feed::Served<'_> {
    let header = |name: &str| {
        case.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    crate::feed::Served {
        content_type: header("Content-Type"),
        content_language: header("Content-Language"),
    }
}

/// The names an expectation can read: our parse as feedparser shows it, or
/// `bozo` and empty results when the document does not parse.
pub fn scope(document: &[u8], url: &str) -> Value {
    scope_served(document, url, crate::feed::Served::default())
}

/// [`scope`] of a document served with the HTTP facts `served`.
pub fn scope_served(document: &[u8], url: &str, served: crate::feed::Served<'_>) -> Value {
    match crate::feed::parse_document_served(document, url, served) {
        Ok(doc) => view::view(&doc, url),
        Err(e) => json!({"bozo": true, "error": e.0, "feed": {}, "entries": []}),
    }
}

/// The failing comparison's left side as we have it, to say what we got.
fn describe_failure(e: &expr::Expr, scope: &Value) -> String {
    use expr::Expr as E;
    match e {
        E::And(a, b) => {
            if expr::eval(a, scope).is_ok_and(|v| expr::truthy(&v)) {
                describe_failure(b, scope)
            } else {
                describe_failure(a, scope)
            }
        }
        E::Cmp(left, _, _) => match expr::eval(left, scope) {
            Ok(v) => format!("got {v}"),
            Err(err) => err.to_string(),
        },
        E::Not(inner) if matches!(inner.as_ref(), E::Name(n) if n == "bozo") => {
            format!(
                "bozo: {}",
                scope.get("error").and_then(Value::as_str).unwrap_or("not well-formed")
            )
        }
        _ => "false".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_case_is_read_and_judged() {
        let doc = br#"<!--
Description: channel title
Expect:      not bozo and feed['title'] == 'Example feed' and entries[0]['link'] == 'http://127.0.0.1:8097/relative/link'
Header:      Content-type: application/xml
-->
<rss version="2.0"><channel><title>Example feed</title><item><link>/relative/link</link></item></channel></rss>"#;
        let case = read_case("wellformed/rss/x.xml", doc.to_vec()).unwrap();
        assert_eq!(case.description, "channel title");
        assert_eq!(
            case.headers,
            [("Content-type".to_string(), "application/xml".to_string())]
        );
        assert_eq!(judge(&case, &case.body, &case_url(&case.path)), Outcome::Passed);

        let mut wrong = case.clone();
        wrong.expect = "not bozo and feed['title'] == 'Other'".into();
        assert_eq!(
            judge(&wrong, &wrong.body, &case_url(&wrong.path)),
            Outcome::Failed("got \"Example feed\"".into())
        );
        wrong.expect = "not bozo and feed['cloud']['path'] == '/x'".into();
        assert!(matches!(judge(&wrong, &wrong.body, "http://x/"), Outcome::Skipped(_)));
        assert!(matches!(
            judge(&wrong, b"<rss><channel>", "http://x/"),
            Outcome::Skipped(_)
        ));
        wrong.expect = "bozo".into();
        assert_eq!(judge(&wrong, b"<rss><chan", "http://x/"), Outcome::Passed);
    }
}
