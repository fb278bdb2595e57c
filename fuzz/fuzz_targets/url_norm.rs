//! `parse_link` + `normalize` on arbitrary input.
//!
//! Input: `BASE\nHREF` (no newline: a fixed base and the whole input as the href).
//! Checks: no panic; a resolved link is already normal (normalising it again changes
//! nothing), it parses back to itself, resolving it again gives itself, its fingerprint
//! is the fingerprint of its text; and against the `url` crate, normalising only changes
//! the spelling: scheme, host, port and the percent-decoded path and query are the ones
//! `Url::join` gives. Any URL (any scheme) `normalize` gets is also checked for
//! idempotence and round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use silk::url_norm::{fingerprint, fingerprint_url, normalize, parse_link};
use url::Url;

fn decoded(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn check_normal(u: &Url) {
    let again = normalize(u);
    assert_eq!(again.as_str(), u.as_str(), "normalize is not idempotent");
    let reparsed = Url::parse(u.as_str()).expect("a normalised URL parses");
    assert_eq!(reparsed.as_str(), u.as_str(), "round-trip through its text");
    assert_eq!(fingerprint_url(u), fingerprint(u.as_str()));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let fallback = Url::parse("http://example.com/a/b/c?q=1").unwrap();
    let (base, href) = match text.split_once('\n') {
        Some((b, h)) => match Url::parse(b) {
            Ok(b) => (b, h),
            Err(_) => (fallback, h),
        },
        None => (fallback, &*text),
    };
    if let Ok(any) = Url::parse(href) {
        let n = normalize(&any);
        // The url crate itself does not round-trip every non-special URL (`a:/.//` and
        // friends); the crawler only keeps http(s).
        if matches!(n.scheme(), "http" | "https") {
            check_normal(&n);
        }
    }
    let Some(link) = parse_link(&base, href) else {
        return;
    };
    assert!(matches!(link.scheme(), "http" | "https"));
    assert!(link.fragment().is_none());
    check_normal(&link);
    assert_eq!(
        parse_link(&base, link.as_str()).as_ref().map(Url::as_str),
        Some(link.as_str()),
        "resolving a resolved link again"
    );
    // Differential against the url crate: the same resource, only spelled canonically.
    let trimmed = href.trim_matches(|c: char| c.is_ascii_whitespace());
    let joined = base.join(trimmed).expect("parse_link resolved it");
    assert_eq!(joined.scheme(), link.scheme());
    assert_eq!(joined.host_str(), link.host_str());
    assert_eq!(joined.port_or_known_default(), link.port_or_known_default());
    let path = if joined.path().is_empty() {
        "/"
    } else {
        joined.path()
    };
    assert_eq!(decoded(path), decoded(link.path()), "path meaning changed");
    let query = joined.query().filter(|q| !q.is_empty()).unwrap_or("");
    assert_eq!(
        decoded(query),
        decoded(link.query().unwrap_or("")),
        "query meaning changed"
    );
});
