//! The native crawl's cookie jar: RFC 6265 storage and matching (domain, path, Secure,
//! HttpOnly, Expires/Max-Age) by the maintained `cookie_store` crate, with what a crawler
//! needs around it:
//! - a cookie whose name or value holds a control byte (NUL, CR, tab...) is ignored: it
//!   could not be sent back in a valid `Cookie` header;
//! - caps, since `Set-Cookie` is hostile input: a cookie over [`MAX_COOKIE_BYTES`] is
//!   ignored, at most [`MAX_SET_COOKIES_PER_RESPONSE`] are read from one response, a domain
//!   keeps at most [`MAX_COOKIES_PER_DOMAIN`] and the jar [`MAX_COOKIES`] (RFC 6265 6.1's
//!   minimums; past them new cookies are ignored, updates still apply);
//! - `Secure` cookies only over https, loopback included (RFC 6265 5.4 step 1;
//!   `cookie_store`, like browsers, treats `http://localhost` and `127.0.0.1` as secure);
//! - no supercookies: without a public suffix list, a `Domain` attribute above the request
//!   host's registrable domain (`Domain=com`, `Domain=co.uk`, see
//!   [`crate::scope::registrable_domain`]) makes the cookie ignored, as does a `Domain` that
//!   is not the host itself for an IP address;
//! - start cookies (`--cookie name=value`): set for the start URLs' hosts, path `/`; they are
//!   secrets and never leave the jar through [`CookieJar::take_changes`];
//! - change tracking for a store that saves the jar (`--state`): the keys changed since the
//!   last [`CookieJar::take_changes`], so the jar is written a changed cookie at a time.
//!
//! The adapter calls it around every request, on every response (redirects included: the
//! engine follows them itself, so a `Set-Cookie` on a 302 lands here like any other). It is
//! an `Arc<Mutex<..>>`, not an `Rc<RefCell<..>>`, so the fetcher stays `Send + Sync` as it
//! was; the lock is never contended (one crawl thread) and held for microseconds.

use crate::scope::registrable_domain;
use crate::spec::{parse_start_cookie, parse_start_url, SpecError};
use cookie_store::{Cookie, CookieStore, RawCookie};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use url::Url;

/// A `Set-Cookie` value longer than this is ignored (RFC 6265 6.1: at least 4096 bytes).
pub const MAX_COOKIE_BYTES: usize = 4096;
/// At most this many `Set-Cookie` headers are read from one response.
pub const MAX_SET_COOKIES_PER_RESPONSE: usize = 50;
/// A domain keeps at most this many cookies (RFC 6265 6.1: at least 50).
pub const MAX_COOKIES_PER_DOMAIN: usize = 50;
/// The jar keeps at most this many cookies (RFC 6265 6.1: at least 3000).
pub const MAX_COOKIES: usize = 3000;

/// A cookie's identity in the jar (RFC 6265 5.3 step 11): domain, path, name.
pub type CookieKey = (String, String, String);

/// A cookie that changed since the last [`CookieJar::take_changes`]: its saved form (JSON
/// text, for [`CookieJar::restore`]) or `None` if it is gone (expired, deleted, or now a
/// start cookie again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieChange {
    pub domain: String,
    pub path: String,
    pub name: String,
    pub saved: Option<String>,
}

struct Jar {
    store: CookieStore,
    /// The start cookies' keys and values: never saved while they hold these values.
    given: Vec<(CookieKey, String)>,
    /// Keys changed since the last `take_changes`; `None` until a store asks for them.
    changes: Option<BTreeSet<CookieKey>>,
}

/// A crawl's cookie jar; clones share it.
#[derive(Clone)]
pub struct CookieJar {
    inner: Arc<Mutex<Jar>>,
}

impl std::fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: they are sessions.
        f.debug_struct("CookieJar")
            .field("cookies", &self.len())
            .finish_non_exhaustive()
    }
}

fn key_of(cookie: &Cookie<'_>) -> CookieKey {
    (
        String::from(&cookie.domain),
        String::from(&cookie.path),
        cookie.name().to_string(),
    )
}

impl CookieJar {
    /// A jar holding `start_cookies` (`name=value` each, checked by the spec) for the hosts of
    /// `seeds`.
    pub fn new(seeds: &[String], start_cookies: &[String]) -> Result<CookieJar, SpecError> {
        let mut jar = Jar {
            store: CookieStore::default(),
            given: Vec::new(),
            changes: None,
        };
        for seed in seeds {
            let url = parse_start_url(seed)?;
            for text in start_cookies {
                let (name, value) = parse_start_cookie(text)?;
                let raw = RawCookie::build((name.to_string(), value.to_string()))
                    .path("/")
                    .build();
                if jar.store.insert_raw(&raw, &url).is_err() {
                    return Err(SpecError::new(format!(
                        "cookie `{name}=...` cannot be set for {}: write --cookie 'name=value'",
                        url.host_str().unwrap_or("the start URL")
                    )));
                }
                let key = jar
                    .store
                    .iter_any()
                    .find(|c| {
                        c.name() == name && c.domain.matches(&url) && String::from(&c.path) == "/"
                    })
                    .map(key_of);
                if let Some(key) = key {
                    jar.given.push((key, value.to_string()));
                }
            }
        }
        Ok(CookieJar {
            inner: Arc::new(Mutex::new(jar)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Jar> {
        // A panic while holding the lock leaves a jar that is still a valid map.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `Cookie` header for a request to `url` (`name=value; ...`), if any cookie matches.
    pub fn header_for(&self, url: &Url) -> Option<String> {
        let jar = self.lock();
        let mut header = String::new();
        for (name, value) in request_values(&jar.store, url) {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        (!header.is_empty()).then_some(header)
    }

    /// Stores the cookies of a response from `url` (its `Set-Cookie` header values, as bytes),
    /// within the caps of the module docs.
    pub fn store_from<'a>(&self, url: &Url, set_cookies: impl Iterator<Item = &'a [u8]>) {
        let mut jar = self.lock();
        for raw in set_cookies.take(MAX_SET_COOKIES_PER_RESPONSE) {
            if raw.len() > MAX_COOKIE_BYTES {
                continue;
            }
            let Ok(text) = std::str::from_utf8(raw) else {
                continue;
            };
            let Ok(cookie) = Cookie::parse(text, url) else {
                continue;
            };
            let (name, value) = cookie.name_value();
            if has_control_bytes(name) || has_control_bytes(value) || !domain_allowed(&cookie, url)
            {
                continue;
            }
            let key = key_of(&cookie);
            if !jar.has_room_for(&key) {
                continue;
            }
            if jar.store.insert(cookie.into_owned(), url).is_ok() {
                if let Some(changes) = &mut jar.changes {
                    changes.insert(key);
                }
            }
        }
    }

    /// Loads saved cookies (from [`CookieJar::take_changes`]'s `saved`), leaving out expired
    /// and unreadable ones, then sets the start cookies again (the command line wins at
    /// start); from now on changes are tracked. Returns how many were loaded.
    pub fn restore(&self, saved: impl IntoIterator<Item = String>) -> usize {
        let mut jar = self.lock();
        let loaded: Vec<Cookie<'static>> = saved
            .into_iter()
            .filter_map(|text| serde_json::from_str::<Cookie<'static>>(&text).ok())
            .filter(|c| !c.is_expired())
            .take(MAX_COOKIES)
            .collect();
        let count = loaded.len();
        let given: Vec<Cookie<'static>> = jar
            .given
            .iter()
            .filter_map(|((d, p, n), _)| jar.store.get_any(d, p, n).cloned())
            .collect();
        jar.store =
            CookieStore::from_cookies(loaded.into_iter().chain(given).map(Ok::<_, ()>), false)
                .unwrap_or_default();
        jar.changes.get_or_insert_with(BTreeSet::new);
        count
    }

    /// Starts tracking changes (a store that saves the jar), if not already.
    pub fn track_changes(&self) {
        self.lock().changes.get_or_insert_with(BTreeSet::new);
    }

    /// The cookies changed since the last call (nothing unless tracking): their saved form,
    /// or `None` for a cookie that is gone or holds a start cookie's value (a secret).
    pub fn take_changes(&self) -> Vec<CookieChange> {
        let mut jar = self.lock();
        let Some(changes) = jar.changes.as_mut().filter(|c| !c.is_empty()) else {
            return Vec::new();
        };
        let keys = std::mem::take(changes);
        keys.into_iter()
            .map(|key| {
                let saved = jar
                    .store
                    .get(&key.0, &key.1, &key.2)
                    .filter(|c| !jar.given.iter().any(|(k, v)| *k == key && v == c.value()))
                    .and_then(|c| serde_json::to_string(c).ok());
                let (domain, path, name) = key;
                CookieChange {
                    domain,
                    path,
                    name,
                    saved,
                }
            })
            .collect()
    }

    /// Unexpired cookies in the jar.
    pub fn len(&self) -> usize {
        self.lock().store.iter_unexpired().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names of the unexpired cookies a request to `url` would carry (never values).
    pub fn names_for(&self, url: &Url) -> Vec<String> {
        let jar = self.lock();
        let mut names: Vec<String> = request_values(&jar.store, url)
            .map(|(n, _)| n.to_string())
            .collect();
        names.sort();
        names
    }
}

impl Jar {
    /// Whether a cookie with `key` may be stored: an update always, a new one within the caps
    /// (expired entries are dropped first when the jar is full).
    fn has_room_for(&mut self, key: &CookieKey) -> bool {
        if self.store.get_any(&key.0, &key.1, &key.2).is_some() {
            return true;
        }
        let mut total = self.store.iter_any().count();
        if total >= MAX_COOKIES {
            let live: Vec<Cookie<'static>> = self.store.iter_unexpired().cloned().collect();
            self.store = CookieStore::from_cookies(live.into_iter().map(Ok::<_, ()>), false)
                .unwrap_or_default();
            total = self.store.iter_any().count();
        }
        let in_domain = self
            .store
            .iter_unexpired()
            .filter(|c| String::from(&c.domain) == key.0)
            .count();
        total < MAX_COOKIES && in_domain < MAX_COOKIES_PER_DOMAIN
    }
}

/// The (name, value) pairs a request to `url` carries: `cookie_store`'s matches, less the
/// `Secure` cookies unless the URL is https.
fn request_values<'a>(
    store: &'a CookieStore,
    url: &Url,
) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    let https = url.scheme() == "https";
    store
        .matches(url)
        .into_iter()
        .filter(move |c| https || c.secure() != Some(true))
        .map(|c| c.name_value())
}

/// RFC 6265 4.1.1 leaves control bytes out of names and values; a header cannot carry them.
fn has_control_bytes(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// Whether a cookie's `Domain` attribute (if any) is one a crawler accepts from `url`: see
/// the module docs.
fn domain_allowed(cookie: &Cookie<'_>, url: &Url) -> bool {
    let Some(attr) = cookie.domain() else {
        return true;
    };
    let attr = attr.trim_start_matches('.').to_ascii_lowercase();
    match url.host() {
        Some(url::Host::Domain(host)) => {
            let registrable = registrable_domain(host);
            attr == registrable || attr.ends_with(&format!(".{registrable}"))
        }
        Some(url::Host::Ipv4(ip)) => attr == ip.to_string(),
        Some(url::Host::Ipv6(ip)) => attr.trim_matches(|c| c == '[' || c == ']') == ip.to_string(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn set(jar: &CookieJar, url: &str, headers: &[&str]) {
        jar.store_from(&u(url), headers.iter().map(|h| h.as_bytes()));
    }

    #[test]
    fn domain_path_secure_and_httponly_follow_rfc_6265() {
        let jar = CookieJar::new(&[], &[]).unwrap();
        set(
            &jar,
            "http://shop.example.com/login",
            &[
                "sid=s1; Path=/; HttpOnly",
                "acct=a1; Path=/account",
                "wide=w1; Domain=example.com; Path=/",
                "sec=x1; Path=/; Secure",
            ],
        );
        assert_eq!(
            jar.names_for(&u("http://shop.example.com/account/1")),
            ["acct", "sid", "wide"]
        );
        assert_eq!(
            jar.names_for(&u("http://shop.example.com/other")),
            ["sid", "wide"],
            "Path=/account is not sent elsewhere"
        );
        assert_eq!(
            jar.names_for(&u("http://www.example.com/")),
            ["wide"],
            "host-only cookies stay on their host"
        );
        assert!(jar.names_for(&u("http://example.org/")).is_empty());
        assert_eq!(
            jar.names_for(&u("https://shop.example.com/")),
            ["sec", "sid", "wide"],
            "Secure only over https"
        );
        let header = jar
            .header_for(&u("http://shop.example.com/account/"))
            .unwrap();
        let mut parts: Vec<&str> = header.split("; ").collect();
        parts.sort();
        assert_eq!(parts, ["acct=a1", "sid=s1", "wide=w1"]);
    }

    #[test]
    fn expired_and_deleted_cookies_are_not_sent() {
        let jar = CookieJar::new(&[], &[]).unwrap();
        set(
            &jar,
            "http://h.test/",
            &[
                "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "keep=1",
                "gone=1",
            ],
        );
        assert_eq!(jar.names_for(&u("http://h.test/")), ["gone", "keep"]);
        set(&jar, "http://h.test/", &["gone=; Max-Age=0"]);
        assert_eq!(jar.names_for(&u("http://h.test/")), ["keep"]);
    }

    #[test]
    fn supercookies_and_foreign_domains_are_ignored() {
        let jar = CookieJar::new(&[], &[]).unwrap();
        set(
            &jar,
            "http://a.shop.co.uk/",
            &[
                "tld=1; Domain=co.uk",
                "top=1; Domain=uk",
                "other=1; Domain=elsewhere.com",
                "ok=1; Domain=shop.co.uk",
            ],
        );
        assert_eq!(jar.names_for(&u("http://b.shop.co.uk/")), ["ok"]);
        assert!(jar.names_for(&u("http://other.co.uk/")).is_empty());
        set(
            &jar,
            "http://127.0.0.1:8080/",
            &["ip=1; Domain=0.0.1", "plain=1", "sec=1; Secure"],
        );
        assert_eq!(
            jar.names_for(&u("http://127.0.0.1:9090/x")),
            ["plain"],
            "no Secure cookie over http, loopback included"
        );
    }

    #[test]
    fn caps_bound_what_a_hostile_site_can_store() {
        let jar = CookieJar::new(&[], &[]).unwrap();
        let big = format!("big={}", "x".repeat(MAX_COOKIE_BYTES));
        set(&jar, "http://h.test/", &[&big]);
        assert!(jar.is_empty(), "a cookie over 4096 bytes is ignored");
        let many: Vec<String> = (0..200).map(|i| format!("c{i}=v")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        set(&jar, "http://h.test/", &refs);
        assert_eq!(jar.len(), MAX_SET_COOKIES_PER_RESPONSE);
        set(&jar, "http://h.test/", &refs[100..]);
        assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN, "per-domain cap");
        // An update of a kept cookie still applies at the cap.
        set(&jar, "http://h.test/", &["c0=new"]);
        assert!(jar
            .header_for(&u("http://h.test/"))
            .unwrap()
            .contains("c0=new"));
        for bad in [
            &b"\xff\xfe=1"[..],
            b"",
            b";;;",
            b"=novalue",
            b"c=3\0\0\x05",
            b"c=a\rb",
            b"c\x7f=1",
        ] {
            jar.store_from(&u("http://h.test/"), std::iter::once(bad));
        }
        assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
    }

    #[test]
    fn control_bytes_make_a_cookie_ignored() {
        // Found by the cookie_jar fuzz target: a NUL in a value made an invalid header.
        let jar = CookieJar::new(&[], &[]).unwrap();
        for bad in [
            &b"c=3\0\0\x05; Path=/"[..],
            b"c=a\rb",
            b"c\x7f=1",
            b"c=a\tb",
        ] {
            jar.store_from(&u("http://h.test/"), std::iter::once(bad));
        }
        assert!(jar.is_empty(), "{:?}", jar.header_for(&u("http://h.test/")));
        set(&jar, "http://h.test/", &["ok=caf\u{e9}"]);
        assert_eq!(jar.names_for(&u("http://h.test/")), ["ok"]);
    }

    #[test]
    fn start_cookies_are_sent_but_never_saved() {
        let seeds = ["http://site.test/start".to_string()];
        let jar = CookieJar::new(&seeds, &["sid=SECRET".to_string()]).unwrap();
        assert_eq!(
            jar.header_for(&u("http://site.test/account")),
            Some("sid=SECRET".to_string())
        );
        assert!(jar.header_for(&u("http://other.test/")).is_none());
        jar.track_changes();
        // The site echoes the same value: still the user's secret, not saved.
        set(
            &jar,
            "http://site.test/",
            &["sid=SECRET; Path=/", "pref=dark"],
        );
        let changes = jar.take_changes();
        assert_eq!(changes.len(), 2);
        for c in &changes {
            match c.name.as_str() {
                "sid" => assert_eq!(c.saved, None),
                "pref" => assert!(c.saved.as_deref().unwrap().contains("dark")),
                other => panic!("unexpected {other}"),
            }
        }
        assert!(jar.take_changes().is_empty(), "changes are taken once");
        // The site rotates the session: the new value is the site's, and is saved.
        set(&jar, "http://site.test/", &["sid=ROTATED; Path=/"]);
        let changes = jar.take_changes();
        assert!(changes[0].saved.as_deref().unwrap().contains("ROTATED"));
        assert!(!format!("{changes:?}{jar:?}").contains("SECRET"));
        assert!(CookieJar::new(&seeds, &["no equals".to_string()]).is_err());
    }

    #[test]
    fn a_restored_jar_sends_what_was_saved_and_the_start_cookies_win() {
        let jar = CookieJar::new(&[], &[]).unwrap();
        jar.track_changes();
        set(
            &jar,
            "http://site.test/login",
            &["sid=S1; Path=/; HttpOnly", "gone=1; Path=/"],
        );
        set(&jar, "http://site.test/", &["gone=; Path=/; Max-Age=0"]);
        let saved: Vec<String> = jar
            .take_changes()
            .into_iter()
            .filter_map(|c| c.saved)
            .collect();
        assert_eq!(saved.len(), 1, "the deleted cookie is not saved");
        let seeds = ["http://site.test/".to_string()];
        let resumed = CookieJar::new(&seeds, &["lang=fr".to_string()]).unwrap();
        assert_eq!(resumed.restore(saved.iter().cloned()), 1);
        assert_eq!(resumed.names_for(&u("http://site.test/a")), ["lang", "sid"]);
        assert_eq!(resumed.restore(["not json".to_string()]), 0);
        assert_eq!(resumed.names_for(&u("http://site.test/a")), ["lang"]);
    }
}
