//! One spelling per page address: the same article reached through two links
//! (a newsletter's `utm_` link, a social network's `fbclid` link, a link to a
//! heading inside it) gets one URL.
//!
//! The rules only remove what cannot change the page a server returns:
//! scheme and host case, the default port, the fragment (never sent to the
//! server), and query parameters that tracking tools add and the publisher's
//! server ignores. Everything else stays as it was written: the path (servers
//! differ on case and on a trailing slash), the other parameters, their
//! order and their encoding. A parameter that could select content (`id`,
//! `p`, `page`, `q`, `v`, `article`, ...) is never removed, and neither is a
//! generic name some trackers also use (`ref`, `from`, `source`, `cmpid`,
//! `spm`, `si`): on some site it names the page.
//!
//! Pure: a string in, a URL or an error out; no I/O.

use std::fmt;

use url::Url;

/// Why a string has no canonical URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonError {
    /// Not a URL at all (relative, empty, an invalid host or port...).
    Unparsable { input: String, reason: url::ParseError },
    /// A URL, but not one an article is fetched from (`mailto:`, `ftp:`,
    /// `javascript:`, ...).
    UnsupportedScheme { input: String, scheme: String },
    /// An http(s) URL without a host.
    NoHost { input: String },
}

impl fmt::Display for CanonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonError::Unparsable { input, reason } => write!(f, "{input:?} is not an absolute URL: {reason}"),
            CanonError::UnsupportedScheme { input, scheme } => {
                write!(
                    f,
                    "{input:?} is a {scheme}: URL; only http and https URLs name articles"
                )
            }
            CanonError::NoHost { input } => write!(f, "{input:?} has no host"),
        }
    }
}

impl std::error::Error for CanonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CanonError::Unparsable { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// How much of a refused input an error repeats.
const MAX_ERROR_INPUT_CHARS: usize = 200;

fn shown(input: &str) -> String {
    input.chars().take(MAX_ERROR_INPUT_CHARS).collect()
}

/// Parameter-name prefixes that only campaign tracking uses.
const TRACKING_PREFIXES: &[&str] = &[
    // Google's Urchin Tracking Module (utm_source, utm_medium, utm_campaign,
    // utm_term, utm_content, utm_id, ...): read by analytics scripts in the
    // browser, ignored by the server; any case.
    "utm_",
    // Matomo campaign parameters (mtm_campaign, mtm_kwd, mtm_source, ...):
    // the same role for Matomo.
    "mtm_",
];

/// Parameter names (lowercase) that tracking tools add to links. Each one is
/// documented by its vendor, or by the browsers' and blockers' query
/// stripping lists, as an identifier for an analytics or ad system; none
/// names a page.
const TRACKING_PARAMS: &[&str] = &[
    // Ad click identifiers, added by the ad network's auto-tagging to the
    // landing page and read back by its conversion script: Google Ads
    // (gclid, gclsrc, gbraid, wbraid, gad_source), Campaign Manager (dclid),
    // Meta (fbclid), Microsoft Advertising (msclkid), Yandex Direct (yclid,
    // ysclid), X (twclid), TikTok (ttclid), LinkedIn (li_fat_id), Adobe
    // Advertising (s_kwcid), Google Merchant Center (srsltid).
    "gclid",
    "gclsrc",
    "gbraid",
    "wbraid",
    "gad_source",
    "dclid",
    "fbclid",
    "msclkid",
    "yclid",
    "ysclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "s_kwcid",
    "srsltid",
    // Share identifiers appended by apps when a link is shared (Instagram),
    // and Facebook's legacy share and referral markers.
    "igshid",
    "fb_action_ids",
    "fb_action_types",
    "fb_ref",
    "fb_source",
    // Cross-domain analytics linkers: Google Analytics (_ga, _gl) and
    // Yandex Metrica's Openstat marker carry a visitor or campaign id to
    // the next site's script.
    "_ga",
    "_gl",
    "_openstat",
    // Email and marketing-automation click tracking, added to every link
    // of a newsletter: Mailchimp (mc_cid campaign, mc_eid subscriber),
    // HubSpot (_hsenc, _hsmi, __hstc, __hssc, __hsfp, hsctatracking),
    // Marketo (mkt_tok), Omeda Olytics (oly_anon_id, oly_enc_id,
    // rb_clickid), Vero (vero_id, vero_conv), Adobe Campaign (sc_cid),
    // Beehiiv (_bhlid).
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatracking",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "vero_id",
    "vero_conv",
    "sc_cid",
    "_bhlid",
    // Web analytics campaign ids: Webtrends (WT.mc_id, wt_mc), Matomo's
    // older Piwik names (pk_*), and the partner-campaign id of Yahoo's
    // and AOL's news sites (ncid).
    "wt.mc_id",
    "wt_mc",
    "pk_campaign",
    "pk_kwd",
    "pk_keyword",
    "pk_source",
    "pk_medium",
    "pk_content",
    "ncid",
];

/// True when a query parameter named `key` (decoded, any case) is a known
/// tracking parameter and can be dropped without changing the page.
pub fn is_tracking_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    TRACKING_PREFIXES.iter().any(|p| key.starts_with(p)) || TRACKING_PARAMS.contains(&key.as_str())
}

/// The one spelling of an article's address.
///
/// Scheme and host lowercase (international names in their ASCII form, as
/// the `url` crate writes them), no default port, no fragment, no known
/// tracking parameter ([`is_tracking_param`]), no empty query. The path and
/// the other parameters keep their order and encoding. Only absolute http
/// and https URLs are accepted; surrounding whitespace is ignored.
/// `canonical_url(canonical_url(x).as_str()) == canonical_url(x)`.
pub fn canonical_url(input: &str) -> Result<Url, CanonError> {
    let trimmed = input.trim();
    let mut url = Url::parse(trimmed).map_err(|reason| CanonError::Unparsable {
        input: shown(trimmed),
        reason,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CanonError::UnsupportedScheme {
            input: shown(trimmed),
            scheme: url.scheme().to_string(),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CanonError::NoHost { input: shown(trimmed) });
    }
    // The parser already lowercased the scheme and host, and dropped the
    // scheme's default port; the rest is ours.
    url.set_fragment(None);
    let query = url.query().map(kept_parameters);
    url.set_query(query.as_deref().filter(|q| !q.is_empty()));
    Ok(url)
}

/// The query without tracking parameters and empty `&&` pieces, the rest as
/// written.
fn kept_parameters(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair_is_tracking(pair))
        .collect::<Vec<_>>()
        .join("&")
}

fn pair_is_tracking(pair: &str) -> bool {
    // The name is compared decoded, so `utm%5Fsource` is `utm_source`.
    url::form_urlencoded::parse(pair.as_bytes())
        .next()
        .is_some_and(|(key, _)| is_tracking_param(&key))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canon(s: &str) -> String {
        canonical_url(s).unwrap().to_string()
    }

    #[test]
    fn scheme_and_host_are_lowercased() {
        assert_eq!(
            canon("HTTPS://WWW.TheGuardian.COM/World/2024/Mar/01/Story-Slug"),
            "https://www.theguardian.com/World/2024/Mar/01/Story-Slug"
        );
    }

    #[test]
    fn international_hosts_take_their_ascii_form() {
        assert_eq!(
            canon("https://Bücher.example/Artikel"),
            "https://xn--bcher-kva.example/Artikel"
        );
    }

    #[test]
    fn default_ports_go_other_ports_stay() {
        assert_eq!(canon("http://news.example:80/a"), "http://news.example/a");
        assert_eq!(canon("https://news.example:443/a"), "https://news.example/a");
        assert_eq!(canon("http://news.example:443/a"), "http://news.example:443/a");
        assert_eq!(canon("https://news.example:8443/a"), "https://news.example:8443/a");
    }

    #[test]
    fn fragments_go() {
        assert_eq!(
            canon("https://www.bbc.co.uk/news/world-europe-68412345#comments"),
            "https://www.bbc.co.uk/news/world-europe-68412345"
        );
        assert_eq!(canon("https://news.example/a?id=3#"), "https://news.example/a?id=3");
    }

    #[test]
    fn empty_queries_go() {
        assert_eq!(canon("https://news.example/a?"), "https://news.example/a");
        assert_eq!(canon("https://news.example/a?&&"), "https://news.example/a");
        assert_eq!(
            canon("https://news.example/a?id=1&&p=2&"),
            "https://news.example/a?id=1&p=2"
        );
    }

    #[test]
    fn utm_parameters_of_any_case_go() {
        assert_eq!(
            canon(
                "https://www.reuters.com/world/europe/talks-resume-2024-03-01/\
                 ?utm_source=newsletter&UTM_Medium=email&utm_campaign=daily&Utm_Content=top"
            ),
            "https://www.reuters.com/world/europe/talks-resume-2024-03-01/"
        );
        assert_eq!(
            canon("https://news.example/a?utm%5Fsource=rss"),
            "https://news.example/a",
            "a percent-encoded name is still utm_source"
        );
    }

    #[test]
    fn click_and_email_identifiers_go() {
        for param in [
            "fbclid",
            "gclid",
            "dclid",
            "gbraid",
            "wbraid",
            "msclkid",
            "yclid",
            "mc_cid",
            "mc_eid",
            "igshid",
            "_ga",
            "_gl",
            "_hsenc",
            "_hsmi",
            "mkt_tok",
            "oly_anon_id",
            "oly_enc_id",
            "vero_id",
            "wt_mc",
            "WT.mc_id",
            "ncid",
            "mtm_campaign",
            "pk_campaign",
        ] {
            let url = format!("https://apnews.com/article/election-results-1a2b3c?{param}=XYZ123");
            assert_eq!(
                canon(&url),
                "https://apnews.com/article/election-results-1a2b3c",
                "{param}"
            );
        }
    }

    #[test]
    fn content_parameters_stay_in_order_and_encoding() {
        for url in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://blog.example/?p=1234",
            "https://forum.example/viewtopic.php?t=42&start=20",
            "https://news.example/story.php?id=99&page=2",
            "https://news.example/search?q=caf%C3%A9+cr%C3%A8me&sort=new",
            "https://news.example/a?article=7&story=8&ref=home&from=rss&source=feed&cmpid=x&spm=y&si=z",
        ] {
            assert_eq!(canon(url), url);
        }
        assert_eq!(
            canon("https://news.example/story.php?utm_source=x&page=2&fbclid=abc&id=99#top"),
            "https://news.example/story.php?page=2&id=99"
        );
    }

    #[test]
    fn the_path_is_kept_as_written() {
        assert_eq!(
            canon("https://news.example/News/Story/"),
            "https://news.example/News/Story/"
        );
        assert_eq!(
            canon("https://news.example/News/Story"),
            "https://news.example/News/Story"
        );
        assert_eq!(
            canon("https://news.example/caf%C3%A9"),
            "https://news.example/caf%C3%A9"
        );
        assert_eq!(canon("https://news.example"), "https://news.example/");
    }

    #[test]
    fn values_named_like_trackers_are_not_trackers() {
        assert_eq!(
            canon("https://news.example/a?tag=utm_source&q=fbclid"),
            "https://news.example/a?tag=utm_source&q=fbclid"
        );
    }

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        assert!(matches!(canonical_url("/news/a"), Err(CanonError::Unparsable { .. })));
        assert!(matches!(canonical_url(""), Err(CanonError::Unparsable { .. })));
        assert!(matches!(canonical_url("http://"), Err(CanonError::Unparsable { .. })));
        for (url, scheme) in [
            ("ftp://files.example/a", "ftp"),
            ("mailto:desk@news.example", "mailto"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/html,hi", "data"),
            ("file:///etc/passwd", "file"),
        ] {
            assert_eq!(
                canonical_url(url),
                Err(CanonError::UnsupportedScheme {
                    input: url.to_string(),
                    scheme: scheme.to_string()
                })
            );
        }
        let message = canonical_url("ftp://files.example/a").unwrap_err().to_string();
        assert!(message.contains("only http and https"), "{message}");
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(canon("  https://news.example/a \n"), "https://news.example/a");
    }

    // Generators: real-looking pieces of a news URL.
    fn host() -> impl Strategy<Value = String> {
        (
            "[a-z][a-z0-9]{0,10}",
            prop::sample::select(vec!["com", "co.uk", "example", "news"]),
        )
            .prop_map(|(name, tld)| format!("{name}.{tld}"))
    }

    fn path() -> impl Strategy<Value = String> {
        prop::collection::vec("[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,11}", 0..5).prop_flat_map(|segments| {
            any::<bool>().prop_map(move |slash| {
                let mut p = format!("/{}", segments.join("/"));
                if slash && !segments.is_empty() {
                    p.push('/');
                }
                p
            })
        })
    }

    /// Parameters that are not tracking ones, already in canonical encoding.
    fn content_params() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(("[a-z][a-z0-9]{0,6}", "[A-Za-z0-9%._-]{0,8}"), 0..4).prop_map(|pairs| {
            pairs
                .into_iter()
                .filter(|(k, _)| !is_tracking_param(k))
                .map(|(k, v)| format!("{k}={}", v.replace('%', "%25")))
                .collect()
        })
    }

    fn tracking_param() -> impl Strategy<Value = String> {
        let fixed = prop::sample::select(TRACKING_PARAMS.to_vec()).prop_map(str::to_string);
        let utm = "[a-zA-Z]{0,8}".prop_map(|s| format!("utm_{s}"));
        (prop_oneof![fixed, utm], any::<bool>(), "[A-Za-z0-9]{0,10}").prop_map(|(k, upper, v)| {
            let k = if upper { k.to_ascii_uppercase() } else { k };
            format!("{k}={v}")
        })
    }

    fn url_of(scheme: &str, host: &str, port: Option<u16>, path: &str, params: &[String]) -> String {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        format!("{scheme}://{host}{port}{path}{query}")
    }

    fn scheme() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["http", "https"])
    }

    proptest! {
        #[test]
        fn canonical_urls_are_fixed_points(s in "\\PC{0,80}") {
            if let Ok(u) = canonical_url(&s) {
                prop_assert_eq!(canonical_url(u.as_str()), Ok(u));
            }
        }

        #[test]
        fn canonical_urls_of_news_links_are_fixed_points(
            scheme in scheme(), host in host(), path in path(),
            params in content_params(), tracking in prop::collection::vec(tracking_param(), 0..3),
            fragment in "[a-z0-9-]{0,8}",
        ) {
            let mut all = params.clone();
            all.extend(tracking);
            let url = format!("{}#{fragment}", url_of(scheme, &host, None, &path, &all));
            let once = canonical_url(&url).unwrap();
            prop_assert_eq!(canonical_url(once.as_str()).unwrap(), once);
        }

        #[test]
        fn tracking_parameters_go_and_the_rest_survives(
            scheme in scheme(), host in host(), path in path(), params in content_params(),
            tracking in prop::collection::vec(tracking_param(), 1..4),
            positions in prop::collection::vec(any::<prop::sample::Index>(), 4),
        ) {
            let clean = url_of(scheme, &host, None, &path, &params);
            let mut mixed = params.clone();
            for (t, at) in tracking.into_iter().zip(positions) {
                let i = at.index(mixed.len() + 1);
                mixed.insert(i, t);
            }
            let tracked = url_of(scheme, &host, None, &path, &mixed);
            let canonical = canonical_url(&tracked).unwrap();
            prop_assert_eq!(canonical.as_str(), clean.as_str());
            prop_assert_eq!(canonical.path(), path.as_str());
            let query = canonical.query().map(|q| q.split('&').map(str::to_string).collect::<Vec<_>>());
            prop_assert_eq!(query.unwrap_or_default(), params);
        }

        #[test]
        fn scheme_and_host_case_never_matter(
            scheme in scheme(), host in host(), path in path(), params in content_params(),
            flips in prop::collection::vec(any::<bool>(), 32),
        ) {
            let flip = |s: &str| -> String {
                s.chars()
                    .zip(flips.iter().cycle())
                    .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
                    .collect()
            };
            let plain = url_of(scheme, &host, None, &path, &params);
            let shouted = url_of(&flip(scheme), &flip(&host), None, &path, &params);
            prop_assert_eq!(canonical_url(&shouted).unwrap(), canonical_url(&plain).unwrap());
        }

        #[test]
        fn fragments_and_default_ports_never_matter(
            scheme in scheme(), host in host(), path in path(), params in content_params(),
            fragment in "[A-Za-z0-9/?=&%-]{0,12}", with_port in any::<bool>(),
        ) {
            let plain = url_of(scheme, &host, None, &path, &params);
            let port = if scheme == "http" { 80 } else { 443 };
            let decorated = format!(
                "{}#{fragment}",
                url_of(scheme, &host, with_port.then_some(port), &path, &params)
            );
            prop_assert_eq!(canonical_url(&decorated).unwrap(), canonical_url(&plain).unwrap());
        }

        #[test]
        fn other_ports_are_kept(
            scheme in scheme(), host in host(), path in path(), port in 1u16..,
        ) {
            prop_assume!(port != 80 && port != 443);
            let url = url_of(scheme, &host, Some(port), &path, &[]);
            prop_assert_eq!(canonical_url(&url).unwrap().port(), Some(port));
        }

        #[test]
        fn never_panics_on_arbitrary_strings(s in "\\PC{0,200}") {
            let _ = canonical_url(&s);
        }

        #[test]
        fn never_panics_on_url_shaped_strings(s in "(https?|HTTP|ftp)?:?/{0,3}[a-zA-Z0-9.:@%\\[\\]?&=#_/-]{0,60}") {
            let _ = canonical_url(&s);
        }
    }
}
