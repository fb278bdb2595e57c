//! `/meta/...`: pages that carry page-level robots rules and canonical links, for testing
//! that a crawler honours `<meta name="robots">`, `X-Robots-Tag` and `<link
//! rel="canonical">`. Served only with [`crate::ArenaConfig::robots_meta`] on (off by
//! default, so the default site's bytes are unchanged) and linked from nowhere else: a
//! test starts its crawl at `/meta/`.
//!
//! Every page links only other `/meta/` pages, so a crawl from `/meta/` stays small, and
//! the fetch counters (`/__fetched`) show which links were followed:
//!
//! | Path | What it says | Links |
//! |---|---|---|
//! | `/meta/` | nothing | every page below except the `hidden`, `after-*` and `original` ones |
//! | `/meta/nofollow` | `<meta name="robots" content="NoFollow">` | `hidden/1`, `hidden/2` |
//! | `/meta/noindex` | `<meta name="robots" content="noindex">` | `after-noindex` |
//! | `/meta/none` | `<meta name="SILK" content="none">` (noindex + nofollow, for silk) | `hidden/3` |
//! | `/meta/other-bot` | `<meta name="googlebot" content="noindex, nofollow">` (not silk) | `after-other-bot` |
//! | `/meta/header-nofollow` | `X-Robots-Tag: silk: nofollow` | `hidden/4` |
//! | `/meta/header-noindex` | `X-Robots-Tag: noindex` and `X-Robots-Tag: otherbot: nofollow` | `after-header-noindex` |
//! | `/meta/rel-nofollow` | a link with `rel="nofollow"` (a hint, not a rule) | `after-rel-nofollow` |
//! | `/meta/dup/a`, `/meta/dup/b` | `<link rel="canonical" href="/meta/canon">` | none |
//! | `/meta/canon` | its own canonical link | none |
//! | `/meta/alias` | `<link rel="canonical" href="/meta/original">` | `alias-child` |
//! | `/meta/alias-child` | nothing | `original` |
//! | `/meta/original` | nothing (linked only from `alias-child`) | none |
//!
//! A polite crawler never fetches `/meta/hidden/*`; with `--canonical` it never fetches
//! `/meta/original` either (`/meta/alias` names it first).

use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};

use crate::body::BoxBody;
use crate::reply;

/// The prefix of every page of this module.
pub(crate) const PREFIX: &str = "/meta/";

/// One page: its path (after `/meta/`), `<head>` extras, `X-Robots-Tag` values, links.
struct MetaPage {
    path: &'static str,
    head: &'static str,
    robots_headers: &'static [&'static str],
    links: &'static [&'static str],
}

const fn page(
    path: &'static str,
    head: &'static str,
    robots_headers: &'static [&'static str],
    links: &'static [&'static str],
) -> MetaPage {
    MetaPage {
        path,
        head,
        robots_headers,
        links,
    }
}

const CANON: &str = r#"<link rel="canonical" href="/meta/canon">"#;

const PAGES: &[MetaPage] = &[
    page(
        "",
        "",
        &[],
        &[
            "nofollow",
            "noindex",
            "none",
            "other-bot",
            "header-nofollow",
            "header-noindex",
            "rel-nofollow",
            "dup/a",
            "dup/b",
            "canon",
            "alias",
        ],
    ),
    page(
        "nofollow",
        r#"<meta name="robots" content="NoFollow">"#,
        &[],
        &["hidden/1", "hidden/2"],
    ),
    page(
        "noindex",
        r#"<meta name="robots" content="noindex">"#,
        &[],
        &["after-noindex"],
    ),
    page(
        "none",
        r#"<meta name="SILK" content="none">"#,
        &[],
        &["hidden/3"],
    ),
    page(
        "other-bot",
        r#"<meta name="googlebot" content="noindex, nofollow">"#,
        &[],
        &["after-other-bot"],
    ),
    page("header-nofollow", "", &["silk: nofollow"], &["hidden/4"]),
    page(
        "header-noindex",
        "",
        &["noindex", "otherbot: nofollow"],
        &["after-header-noindex"],
    ),
    page("rel-nofollow", "", &[], &[]),
    page("dup/a", CANON, &[], &[]),
    page("dup/b", CANON, &[], &[]),
    page("canon", CANON, &[], &[]),
    page(
        "alias",
        r#"<link rel="canonical" href="/meta/original">"#,
        &[],
        &["alias-child"],
    ),
    page("alias-child", "", &[], &["original"]),
    page("original", "", &[], &[]),
    page("hidden/1", "", &[], &[]),
    page("hidden/2", "", &[], &[]),
    page("hidden/3", "", &[], &[]),
    page("hidden/4", "", &[], &[]),
    page("after-noindex", "", &[], &[]),
    page("after-other-bot", "", &[], &[]),
    page("after-header-noindex", "", &[], &[]),
    page("after-rel-nofollow", "", &[], &[]),
];

/// The response for `path` (which starts with [`PREFIX`]): a page of the table, or 404.
pub(crate) fn respond(path: &str) -> Response<BoxBody> {
    let rest = &path[PREFIX.len()..];
    let Some(p) = PAGES.iter().find(|p| p.path == rest) else {
        return reply::html(StatusCode::NOT_FOUND, html("Not found", "", &[], ""));
    };
    let extra = if p.path == "rel-nofollow" {
        r#"<p><a rel="nofollow" href="/meta/after-rel-nofollow">sponsored</a></p>"#
    } else {
        ""
    };
    let title = if p.path.is_empty() { "index" } else { p.path };
    let mut resp = reply::html(StatusCode::OK, html(title, p.head, p.links, extra));
    for value in p.robots_headers {
        resp.headers_mut()
            .append("x-robots-tag", HeaderValue::from_static(value));
    }
    resp
}

fn html(title: &str, head: &str, links: &[&str], extra: &str) -> String {
    let mut list = String::new();
    for l in links {
        list.push_str(&format!("<li><a href=\"/meta/{l}\">{l}</a></li>\n"));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n{head}\n</head>\n<body>\n<h1>Meta: {title}</h1>\n\
         <ul>\n{list}</ul>\n{extra}\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_is_a_page_and_hidden_pages_are_linked_only_from_nofollow_pages() {
        for p in PAGES {
            for l in p.links {
                assert!(PAGES.iter().any(|q| q.path == *l), "{l} is served");
                if l.starts_with("hidden/") {
                    assert!(
                        p.head.contains("NoFollow")
                            || p.head.contains("none")
                            || !p.robots_headers.is_empty(),
                        "{l} linked from {}",
                        p.path
                    );
                }
            }
        }
    }

    #[test]
    fn headers_and_unknown_paths() {
        let resp = respond("/meta/header-noindex");
        let values: Vec<_> = resp.headers().get_all("x-robots-tag").iter().collect();
        assert_eq!(values, ["noindex", "otherbot: nofollow"]);
        assert_eq!(respond("/meta/nope").status(), StatusCode::NOT_FOUND);
        assert_eq!(respond("/meta/").status(), StatusCode::OK);
    }
}
