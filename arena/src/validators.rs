//! Validators and revisions (`ArenaConfig::validators`, off by default): the site as a
//! recrawl sees it. With validators on, `/`, `/private/open` and the product pages carry a
//! strong `ETag` (a hash of the body) and a `Last-Modified` (a fixed date per page), and
//! answer `304 Not Modified` with no body to a request whose `If-None-Match` matches (weak
//! comparison, `*` too) or, without `If-None-Match`, whose `If-Modified-Since` is not older
//! than the page (RFC 9110 13.1.1, 13.1.3, 13.2.2).
//!
//! The site has a revision, 1 at start, set with [`Arena::set_revision`](crate::Arena) or
//! `GET /__revision?n=2` (a write endpoint, like `/__latency`). From revision 2 on:
//! - product pages whose index is 3 mod 10 are changed: " (revised)" in their title and
//!   h1, a new ETag and a later Last-Modified;
//! - product pages whose index is 7 mod 10 are removed: 404;
//! - `pages / 10` (at least 1) new product pages `/p/{pages}..` are added, linked from the
//!   home page, which therefore changes too.
//!
//! `GET /__revision` answers the revision and the paths changed, removed and added
//! relative to revision 1: the ground truth of a recrawl.

use bytes::Bytes;
use hyper::header::{HeaderValue, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use hyper::{Request, Response, StatusCode};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, UNIX_EPOCH};

use crate::body::{full, BoxBody};
use crate::config::ArenaConfig;
use crate::origins::Origins;
use crate::pages::{self, Host};
use crate::reply;
use crate::site::{parse_index, Site};

/// Last-Modified of revision-1 pages: 2026-01-01 00:00:00 UTC plus one hour per page.
const BASE_DATE: u64 = 1_767_225_600;
/// What a change at revision 2 adds to a page's Last-Modified.
const REVISED_LATER: u64 = 100 * 24 * 3600;

/// The site's current revision.
#[derive(Debug)]
pub(crate) struct Revision(AtomicU64);

impl Default for Revision {
    fn default() -> Self {
        Revision(AtomicU64::new(1))
    }
}

impl Revision {
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
    pub(crate) fn set(&self, n: u64) {
        self.0.store(n.max(1), Relaxed);
    }
}

/// The conditional headers of a request (read before the request is dropped).
#[derive(Debug, Default)]
pub(crate) struct Conditional {
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

impl Conditional {
    pub(crate) fn of<B>(req: &Request<B>, config: &ArenaConfig) -> Conditional {
        if !config.validators {
            return Conditional::default();
        }
        let text = |name| {
            req.headers()
                .get(name)
                .map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Conditional {
            if_none_match: text(IF_NONE_MATCH),
            if_modified_since: text(IF_MODIFIED_SINCE),
        }
    }

    /// Whether a page with `etag` and `last_modified` (unix seconds) is "not modified".
    fn not_modified(&self, etag: &str, last_modified: u64) -> bool {
        if let Some(list) = &self.if_none_match {
            let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
            return list
                .split(',')
                .any(|t| t.trim() == "*" || bare(t) == bare(etag));
        }
        match self
            .if_modified_since
            .as_deref()
            .and_then(|d| httpdate::parse_http_date(d).ok())
        {
            Some(since) => UNIX_EPOCH + Duration::from_secs(last_modified) <= since,
            None => false,
        }
    }
}

/// What revision `revision` changed relative to revision 1 (paths).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RevisionChanges {
    pub revision: u64,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

fn changed(i: usize) -> bool {
    i % 10 == 3
}

fn removed(i: usize) -> bool {
    i % 10 == 7
}

fn added_count(site: &Site) -> usize {
    (site.pages() / 10).max(1)
}

pub(crate) fn changes(site: &Site, revision: u64) -> RevisionChanges {
    let mut c = RevisionChanges {
        revision,
        ..Default::default()
    };
    if revision >= 2 {
        c.changed.push("/".into());
        for i in 0..site.pages() {
            if changed(i) {
                c.changed.push(format!("/p/{i}"));
            } else if removed(i) {
                c.removed.push(format!("/p/{i}"));
            }
        }
        let n = site.pages();
        c.added = (n..n + added_count(site))
            .map(|i| format!("/p/{i}"))
            .collect();
    }
    c
}

/// The page at `path` with validators, or `None` if this module does not serve `path`
/// (validators off, or another kind of page).
pub(crate) fn respond(
    site: &Site,
    config: &ArenaConfig,
    revision: u64,
    path: &str,
    host: Host,
    conditional: &Conditional,
    origins: &Origins,
) -> Option<Response<BoxBody>> {
    if !config.validators {
        return None;
    }
    let revised = revision >= 2;
    let (body, last_modified) = if path == "/" {
        let mut body = pages::home(site, origins);
        if revised {
            let links: String = (site.pages()..site.pages() + added_count(site))
                .map(|i| format!("<li><a href=\"/p/{i}\">New product {i}</a></li>\n"))
                .collect();
            body = body.replacen("</ul>", &format!("{links}</ul>"), 1);
        }
        (body, BASE_DATE + if revised { REVISED_LATER } else { 0 })
    } else if path == "/private/open" {
        (pages::private_open(), BASE_DATE)
    } else {
        let i = parse_index(path.strip_prefix("/p/")?)?;
        let date = BASE_DATE + 3600 * i as u64;
        if i >= site.pages() {
            if !revised || i >= site.pages() + added_count(site) {
                return None;
            }
            let body = pages::simple_page(
                &format!("Product {i} | Arena"),
                &format!("Product {i}"),
                "<p class=\"lead\">New in this revision.</p><p><a href=\"/\">Home</a></p>",
            );
            (body, date + REVISED_LATER)
        } else if revised && removed(i) {
            return Some(reply::html(StatusCode::NOT_FOUND, pages::not_found(path)));
        } else {
            let body = pages::product(site, i, host, config.body_kb, origins);
            if revised && changed(i) {
                let title = format!("Product {i}");
                let body = body.replace(&format!("{title} |"), &format!("{title} (revised) |"));
                let body = body.replacen(
                    &format!("<h1>{title}</h1>"),
                    &format!("<h1>{title} (revised)</h1>"),
                    1,
                );
                (body, date + REVISED_LATER)
            } else {
                (body, date)
            }
        }
    };
    let etag = format!("\"{:016x}\"", fnv1a(body.as_bytes()));
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(last_modified));
    let mut resp = if conditional.not_modified(&etag, last_modified) {
        let mut resp = Response::new(full(Bytes::new()));
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        resp
    } else {
        reply::html(StatusCode::OK, body)
    };
    let headers = resp.headers_mut();
    headers.insert(ETAG, HeaderValue::from_str(&etag).expect("hex ETag"));
    headers.insert(
        LAST_MODIFIED,
        HeaderValue::from_str(&date).expect("HTTP date"),
    );
    Some(resp)
}

/// FNV-1a, 64 bits: a stable hash (the same bytes give the same ETag in every process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(inm: Option<&str>, ims: Option<&str>) -> Conditional {
        Conditional {
            if_none_match: inm.map(String::from),
            if_modified_since: ims.map(String::from),
        }
    }

    #[test]
    fn conditionals_follow_rfc_9110() {
        let etag = "\"abc\"";
        assert!(cond(Some("\"abc\""), None).not_modified(etag, BASE_DATE));
        assert!(cond(Some("\"x\", W/\"abc\""), None).not_modified(etag, BASE_DATE));
        assert!(cond(Some("*"), None).not_modified(etag, BASE_DATE));
        // If-None-Match wins over a matching date.
        let same = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(BASE_DATE));
        assert!(!cond(Some("\"x\""), Some(&same)).not_modified(etag, BASE_DATE));
        assert!(cond(None, Some(&same)).not_modified(etag, BASE_DATE));
        assert!(!cond(None, Some(&same)).not_modified(etag, BASE_DATE + 1));
        assert!(!cond(None, Some("yesterday")).not_modified(etag, BASE_DATE));
        assert!(!cond(None, None).not_modified(etag, BASE_DATE));
    }
}
