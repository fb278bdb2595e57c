//! The native cookie jar on arbitrary `Set-Cookie` headers.
//!
//! Input: lines; the first byte picks the response URL (http or https, a domain, a
//! subdomain, an IP, a path), every line is one `Set-Cookie` value (bytes, not necessarily
//! UTF-8); each run of 8 lines is one response.
//! Checks: no panic; the cap holds (at most `MAX_COOKIES` cookies; the per-domain cap is
//! the unit tests' job); a `Cookie` header never carries CR, LF or NUL
//! (no header injection) and names exactly the cookies `names_for` lists; the saved
//! changes, restored into a fresh jar, send the same cookies to every URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use silk::adapters::cookie_jar::{CookieJar, MAX_COOKIES};
use url::Url;

const URLS: [&str; 6] = [
    "http://shop.example.com/account/orders",
    "https://shop.example.com/",
    "http://example.com/",
    "https://a.b.example.co.uk/x/y",
    "http://127.0.0.1:8080/login",
    "http://[::1]:9/p",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let urls: Vec<Url> = URLS.iter().map(|u| Url::parse(u).unwrap()).collect();
    let from = &urls[pick as usize % urls.len()];
    let jar = CookieJar::new(&[], &[]).unwrap();
    jar.track_changes();
    let lines: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
    for chunk in lines.chunks(8) {
        jar.store_from(from, chunk.iter().copied());
    }
    assert!(jar.len() <= MAX_COOKIES);
    let saved: Vec<String> = jar
        .take_changes()
        .into_iter()
        .filter_map(|c| c.saved)
        .collect();
    let restored = CookieJar::new(&[], &[]).unwrap();
    restored.restore(saved);
    for url in &urls {
        let header = jar.header_for(url);
        if let Some(h) = &header {
            assert!(!h.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)), "{h:?}");
            assert!(h.len() <= MAX_COOKIES * 4200);
        }
        let mut sent = jar.names_for(url);
        let mut again = restored.names_for(url);
        sent.sort();
        again.sort();
        assert_eq!(
            sent, again,
            "a restored jar sends what the jar sent to {url}"
        );
        assert_eq!(
            header.as_deref().map(|h| h.split("; ").count()),
            (!sent.is_empty()).then_some(sent.len())
        );
    }
});
