//! Page-level robots rules: `<meta name="robots" content="noindex, nofollow">` (or the
//! crawler's own name, `<meta name="silk">`), the `X-Robots-Tag` response header, and what
//! the engine made of them and of `<link rel="canonical">` for one page (the record's
//! `noindex`, `nofollow`, `canonical` and `duplicate` keys).
//!
//! Parsing is here, in one place, so that both extraction paths (the fast one and scraper)
//! and the header read the same directives the same way. It reads network text: it never
//! allocates, is linear in the text it is given, and ignores what it does not understand.
//!
//! The rules follow Google's documentation of the robots meta tag and `X-Robots-Tag`
//! (<https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag>):
//! directives are comma-separated and case-insensitive; `none` means `noindex, nofollow`;
//! a header value may address one crawler with a `token:` prefix (`silk: noindex`), which
//! applies to the directives after it up to the next such prefix; directives this crawler
//! has no use for (`noarchive`, `max-snippet: 20`, `unavailable_after: ...`) are ignored.

use serde_json::{Map, Value};

/// The record keys written by [`PageDirectives::write_json`]. Not field names either.
pub const COLUMNS: &[&str] = &["noindex", "nofollow", "canonical", "duplicate"];

/// Directives with a value after a colon: the colon does not start a user-agent token.
const VALUED: &[&str] = &[
    "unavailable_after",
    "max-snippet",
    "max-image-preview",
    "max-video-preview",
];

/// What robots directives addressed to this crawler say about a page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Directives {
    /// Do not index: the page is recorded, but nothing is extracted from it.
    pub noindex: bool,
    /// Do not follow the page's links.
    pub nofollow: bool,
}

impl Directives {
    /// Adds the directives of one `content` attribute or header value. `token` is this
    /// crawler's product token: a `name:` prefix other than it (`googlebot: noindex`)
    /// makes the directives after it, up to the next prefix, apply to another crawler.
    pub fn add(&mut self, value: &str, token: &str) {
        let mut ours = true;
        for item in value.split(',') {
            let mut item = item.trim();
            if let Some((prefix, rest)) = item.split_once(':') {
                let prefix = prefix.trim();
                if VALUED.iter().any(|v| prefix.eq_ignore_ascii_case(v)) {
                    continue;
                }
                ours = prefix.eq_ignore_ascii_case(token);
                item = rest.trim();
            }
            if !ours {
                continue;
            }
            if item.eq_ignore_ascii_case("noindex") {
                self.noindex = true;
            } else if item.eq_ignore_ascii_case("nofollow") {
                self.nofollow = true;
            } else if item.eq_ignore_ascii_case("none") {
                self.noindex = true;
                self.nofollow = true;
            }
        }
    }

    /// The directives of every `X-Robots-Tag` header among `headers` (lower-case names, as
    /// [`crate::FetchResponse`] has them) that address `token` or every crawler.
    pub fn from_headers(headers: &[(String, String)], token: &str) -> Directives {
        let mut d = Directives::default();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("x-robots-tag") {
                d.add(value, token);
            }
        }
        d
    }

    /// Both sets of directives.
    pub fn union(self, other: Directives) -> Directives {
        Directives {
            noindex: self.noindex || other.noindex,
            nofollow: self.nofollow || other.nofollow,
        }
    }
}

/// Whether a `<meta name>` addresses this crawler: `robots` (every crawler) or its own
/// product token, case-insensitively.
pub fn meta_name_applies(name: &str, token: &str) -> bool {
    let name = name.trim();
    name.eq_ignore_ascii_case("robots") || name.eq_ignore_ascii_case(token)
}

/// The product token of a User-Agent (`silk` in `silk/0.3 (+https://...)`): the name
/// robots.txt groups, robots meta tags and `X-Robots-Tag` prefixes address.
pub fn product_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("silk")
}

/// Whether a `rel` attribute value names the `canonical` link type.
pub fn rel_is_canonical(rel: &str) -> bool {
    rel.split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case("canonical"))
}

/// What the engine made of a page's robots directives and canonical link: the record's
/// keys, each written only when it says something.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageDirectives {
    /// The page said `noindex` (meta or header): recorded, nothing extracted.
    pub noindex: bool,
    /// The page said `nofollow`: its links were not followed (unless `follow_nofollow`).
    pub nofollow: bool,
    /// With `canonical` on: the in-scope canonical URL the page names, when it is not the
    /// page's own URL.
    pub canonical: Option<String>,
    /// With `canonical` on: the canonical URL was already seen (queued or fetched) when this
    /// page was, so this page's fields and items are not emitted.
    pub duplicate: bool,
}

impl PageDirectives {
    /// Nothing is to be extracted from the page (its fields are null, no handler runs).
    pub fn withholds_content(&self) -> bool {
        self.noindex || self.duplicate
    }

    /// Adds the keys that say something to a record's JSON.
    pub fn write_json(&self, m: &mut Map<String, Value>) {
        if self.noindex {
            m.insert("noindex".into(), Value::Bool(true));
        }
        if self.nofollow {
            m.insert("nofollow".into(), Value::Bool(true));
        }
        if let Some(c) = &self.canonical {
            m.insert("canonical".into(), Value::from(c.clone()));
        }
        if self.duplicate {
            m.insert("duplicate".into(), Value::Bool(true));
        }
    }

    /// Reads back what [`PageDirectives::write_json`] wrote.
    pub fn read_json(m: &Map<String, Value>) -> PageDirectives {
        let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
        PageDirectives {
            noindex: flag("noindex"),
            nofollow: flag("nofollow"),
            canonical: m.get("canonical").and_then(Value::as_str).map(String::from),
            duplicate: flag("duplicate"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Directives {
        let mut d = Directives::default();
        d.add(value, "silk");
        d
    }

    const BOTH: Directives = Directives {
        noindex: true,
        nofollow: true,
    };
    const NOINDEX: Directives = Directives {
        noindex: true,
        nofollow: false,
    };
    const NOFOLLOW: Directives = Directives {
        noindex: false,
        nofollow: true,
    };

    #[test]
    fn content_values() {
        assert_eq!(parse("noindex"), NOINDEX);
        assert_eq!(parse(" NoFollow "), NOFOLLOW);
        assert_eq!(parse("NOINDEX,nofollow"), BOTH);
        assert_eq!(parse("none"), BOTH);
        assert_eq!(
            parse("index, follow, all, noarchive"),
            Directives::default()
        );
        assert_eq!(parse("max-snippet: 20, nofollow"), NOFOLLOW);
        assert_eq!(
            parse("unavailable_after: Friday, 25-Jun-2010 15:00:00 PST"),
            Directives::default()
        );
        assert_eq!(parse("no index, nofollowx, ,,"), Directives::default());
        assert_eq!(parse(""), Directives::default());
    }

    #[test]
    fn user_agent_prefixes() {
        assert_eq!(parse("silk: noindex"), NOINDEX);
        assert_eq!(parse("SILK:none"), BOTH);
        assert_eq!(parse("googlebot: noindex, nofollow"), Directives::default());
        // A prefix covers the directives after it, up to the next prefix.
        assert_eq!(parse("googlebot: noindex, silk: nofollow"), NOFOLLOW);
        assert_eq!(parse("silk: nofollow, googlebot: noindex"), NOFOLLOW);
        assert_eq!(parse("noindex, otherbot: nofollow"), NOINDEX);
    }

    #[test]
    fn several_headers() {
        let h = |k: &str, v: &str| (k.to_string(), v.to_string());
        let headers = [
            h("content-type", "text/html"),
            h("x-robots-tag", "otherbot: noindex"),
            h("X-Robots-Tag", "silk: nofollow"),
            h("x-robots-tag", "noarchive"),
        ];
        assert_eq!(Directives::from_headers(&headers, "silk"), NOFOLLOW);
        assert_eq!(
            Directives::from_headers(&headers, "otherbot"),
            Directives {
                noindex: true,
                nofollow: false
            }
        );
        assert_eq!(NOINDEX.union(NOFOLLOW), BOTH);
    }

    #[test]
    fn names_tokens_and_rel() {
        assert!(meta_name_applies(" ROBOTS", "silk"));
        assert!(meta_name_applies("Silk", "silk"));
        assert!(!meta_name_applies("googlebot", "silk"));
        assert_eq!(product_token("silk/0.3 (+https://x)"), "silk");
        assert_eq!(product_token("MyBot 1.0"), "MyBot");
        assert_eq!(product_token("/x"), "silk");
        assert!(rel_is_canonical("Canonical"));
        assert!(rel_is_canonical("alternate\tcanonical"));
        assert!(!rel_is_canonical("canonicalx"));
    }

    #[test]
    fn record_keys_round_trip() {
        let none = PageDirectives::default();
        let mut m = Map::new();
        none.write_json(&mut m);
        assert!(m.is_empty(), "nothing written when nothing was said");
        let all = PageDirectives {
            noindex: true,
            nofollow: true,
            canonical: Some("http://h/c".into()),
            duplicate: true,
        };
        all.write_json(&mut m);
        assert_eq!(m.len(), COLUMNS.len());
        assert_eq!(PageDirectives::read_json(&m), all);
    }
}
