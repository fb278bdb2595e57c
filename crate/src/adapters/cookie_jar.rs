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
mod tests;
