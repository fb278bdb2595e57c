//! Everything the engine takes out of an HTML page: the links to follow (honouring
//! `<base href>` and the follow selector), a `<meta http-equiv="refresh">` target, the
//! robots meta directives and the canonical link when the spec asks for them (see
//! [`crate::robots_meta`]), and the spec's fields. Parsing is synchronous and the parsed DOM never outlives this call, because
//! `scraper::Html` is `!Send` and must not be held across an `.await`.
//!
//! Two engines give the same answers: [`fast`], a streaming pass without a DOM (about ten
//! times faster), for specs whose selectors it supports and pages it models exactly, and
//! scraper (html5ever) for everything else. [`extract`] picks per page.
//!
//! Both obey one budget ([`budget`]: URL length, links per page, attributes per tag,
//! nesting depth, captured text), so a hostile page costs bounded memory and time; a page
//! past it is cut, and [`PageContent::cut`] says how.

pub mod budget;
#[cfg(test)]
mod budget_tests;
#[path = "fast_extract/mod.rs"]
pub mod fast;
mod parse;

use crate::robots_meta::{meta_name_applies, product_token, rel_is_canonical, Directives};
use crate::spec::CompiledSpec;
use crate::url_norm::resolve_link;
use budget::{join_base, Cuts, LinkList, TextBudget};
use fast::FastPlan;
pub use parse::parse_document;
use scraper::{ElementRef, Selector};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;
use url::Url;

/// What one HTML page yields.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageContent {
    /// Absolute, normalised link targets in the order first seen, without duplicates, at
    /// most [`budget::MAX_LINKS`].
    pub links: Vec<Url>,
    /// The target of a meta refresh, if the page has one.
    pub refresh: Option<Url>,
    /// Field values in spec order.
    pub fields: Vec<(String, Value)>,
    /// Links dropped by the budget: longer than [`budget::MAX_URL_LEN`], or past the
    /// page's link cap.
    pub links_dropped: u64,
    /// Which budgets the page reached, if any (the record's `cut` key).
    pub cut: Option<String>,
    /// The directives of the page's `<meta name="robots">` and `<meta name="TOKEN">`
    /// tags (TOKEN: the User-Agent's product token), all of them; read only when the spec
    /// obeys robots rules.
    pub robots: Directives,
    /// The target of the first `<link rel="canonical" href>`, resolved against the base;
    /// read only when the spec has `canonical` on.
    pub canonical: Option<Url>,
}

fn selector(cell: &'static OnceLock<Selector>, css: &str) -> &'static Selector {
    cell.get_or_init(|| Selector::parse(css).expect("built-in selector"))
}

fn anchors() -> &'static Selector {
    static S: OnceLock<Selector> = OnceLock::new();
    selector(&S, "a[href], area[href]")
}

fn base_tag() -> &'static Selector {
    static S: OnceLock<Selector> = OnceLock::new();
    selector(&S, "base[href]")
}

fn meta_content() -> &'static Selector {
    static S: OnceLock<Selector> = OnceLock::new();
    selector(&S, "meta[content]")
}

fn link_rel() -> &'static Selector {
    static S: OnceLock<Selector> = OnceLock::new();
    selector(&S, "link[rel][href]")
}

/// The product token robots meta tags may name, if the spec obeys robots rules.
pub(crate) fn robots_token(spec: &CompiledSpec) -> Option<&str> {
    spec.spec
        .robots
        .then(|| product_token(&spec.spec.user_agent))
}

/// Parses `html` (already decoded) fetched from `page_url`: with the fast path when the
/// spec and the page allow it, otherwise with scraper. Both give the same result.
pub fn extract(html: &str, page_url: &Url, spec: &CompiledSpec, want_links: bool) -> PageContent {
    if let Some(plan) = fast_plan(spec) {
        if let Some(content) = fast::extract(html, page_url, &plan, want_links) {
            return content;
        }
    }
    extract_with_scraper(html, page_url, spec, want_links)
}

thread_local! {
    /// The fast-path plan of the spec last seen on this thread (a crawl uses one spec for
    /// every page), so that selectors are translated once, not per page.
    static PLAN: RefCell<Option<(CompiledSpec, Option<Rc<FastPlan>>)>> = const { RefCell::new(None) };
}

/// The fast-path plan for `spec` (`None`: some selector needs scraper), cached per thread.
fn fast_plan(spec: &CompiledSpec) -> Option<Rc<FastPlan>> {
    PLAN.with(|cell| {
        let mut cached = cell.borrow_mut();
        let same = |c: &CompiledSpec| {
            c.follow == spec.follow
                && c.fields.len() == spec.fields.len()
                && c.fields.iter().zip(&spec.fields).all(|(a, b)| {
                    a.name == b.name
                        && a.attr == b.attr
                        && a.all == b.all
                        && a.selector == b.selector
                })
                && c.spec.robots == spec.spec.robots
                && c.spec.canonical == spec.spec.canonical
                && c.spec.user_agent == spec.spec.user_agent
        };
        match &*cached {
            Some((key, plan)) if same(key) => plan.clone(),
            _ => {
                let plan = FastPlan::new(spec).map(Rc::new);
                *cached = Some((spec.clone(), plan.clone()));
                plan
            }
        }
    })
}

/// [`extract`] with scraper (html5ever) only: the reference the fast path is tested against.
pub fn extract_with_scraper(
    html: &str,
    page_url: &Url,
    spec: &CompiledSpec,
    want_links: bool,
) -> PageContent {
    let mut cuts = Cuts::default();
    let doc = parse_document(html, &mut cuts);
    let base = doc
        .select(base_tag())
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| join_base(page_url, h, &mut cuts))
        .unwrap_or_else(|| page_url.clone());

    let mut content = PageContent::default();
    let mut links = LinkList::default();
    if want_links {
        match &spec.follow {
            None => {
                for a in doc.select(anchors()) {
                    push_link(&mut links, &base, a);
                }
            }
            Some(follow) => {
                // The anchors of a matched element inside one whose anchors were all taken
                // would only repeat them: skipped (else nesting costs depth x links).
                let mut walked: Option<ElementRef> = None;
                for el in doc.select(follow) {
                    if el.value().attr("href").is_some() {
                        push_link(&mut links, &base, el);
                        continue;
                    }
                    if walked.is_some_and(|w| el.ancestors().any(|a| a.id() == w.id())) {
                        continue;
                    }
                    walked = Some(el);
                    for a in el.select(anchors()) {
                        push_link(&mut links, &base, a);
                    }
                }
            }
        }
    }
    // One walk over the `<meta content>` tags: the first refresh, and the robots directives.
    let token = robots_token(spec);
    let mut refresh = None;
    for m in doc.select(meta_content()) {
        let (el, Some(value)) = (m.value(), m.value().attr("content")) else {
            continue;
        };
        let is_refresh = || {
            el.attr("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        };
        if refresh.is_none() && is_refresh() {
            refresh = Some(value);
        }
        if let (Some(token), Some(name)) = (token, el.attr("name")) {
            if meta_name_applies(name, token) {
                content.robots.add(value, token);
            }
        }
    }
    if let Some(target) = refresh.and_then(refresh_target) {
        match resolve_link(&base, target) {
            Ok(url) => content.refresh = url,
            Err(_) => links.too_long(),
        }
    }
    (content.links, content.links_dropped) = links.finish(&mut cuts);
    if spec.spec.canonical {
        content.canonical = doc
            .select(link_rel())
            .find(|l| l.value().attr("rel").is_some_and(rel_is_canonical))
            .and_then(|l| l.value().attr("href"))
            .and_then(|href| resolve_link(&base, href).ok().flatten());
    }

    let mut budget = TextBudget::default();
    for field in &spec.fields {
        let value_of = |el: ElementRef| -> Option<String> {
            if budget.spent() {
                return None;
            }
            match &field.attr {
                Some(attr) => {
                    let value = el.value().attr(attr)?;
                    budget.take(value.len()).then(|| value.trim().to_string())
                }
                None => Some(collapsed_text_within(el, &mut budget)),
            }
        };
        let value = if field.all {
            Value::Array(
                doc.select(&field.selector)
                    .filter_map(value_of)
                    .map(Value::from)
                    .collect(),
            )
        } else {
            doc.select(&field.selector)
                .find_map(value_of)
                .map(Value::from)
                .unwrap_or(Value::Null)
        };
        content.fields.push((field.name.clone(), value));
    }
    budget.note(&mut cuts);
    content.cut = cuts.message();
    content
}

fn push_link(links: &mut LinkList, base: &Url, el: ElementRef) {
    if let Some(href) = el.value().attr("href") {
        links.push(base, href);
    }
}

/// The text content of an element with runs of whitespace collapsed to one space.
pub fn collapsed_text(el: ElementRef) -> String {
    collapsed_text_within(el, &mut TextBudget::unlimited())
}

/// [`collapsed_text`], reading text nodes while `budget` lasts.
fn collapsed_text_within(el: ElementRef, budget: &mut TextBudget) -> String {
    let mut out = String::new();
    let mut space = false;
    for chunk in el.text() {
        if !budget.take(chunk.len()) {
            break;
        }
        for (i, word) in chunk.split(|c: char| c.is_whitespace()).enumerate() {
            if i > 0 {
                space = true;
            }
            if word.is_empty() {
                continue;
            }
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push_str(word);
        }
    }
    out
}

/// The URL part of a refresh `content` attribute: `5; url=/next`, `0;URL='/x'`, `3, /y`.
pub fn refresh_target(content: &str) -> Option<&str> {
    let rest = content
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest = rest.trim_start().strip_prefix([';', ','])?.trim_start();
    let rest = match rest.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("url") => {
            let after = rest[3..].trim_start();
            after.strip_prefix('=').map(str::trim_start).unwrap_or(rest)
        }
        _ => rest,
    };
    let rest = rest.trim();
    let unquoted = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
        _ => rest,
    };
    (!unquoted.is_empty()).then_some(unquoted)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::spec::{CrawlSpec, FieldSpec};

    /// A compiled spec with these `NAME=CSS` fields and follow selector (shared with the
    /// fast path's differential tests).
    pub(crate) fn compiled(fields: &[&str], follow: Option<&str>) -> CompiledSpec {
        CrawlSpec {
            seeds: vec!["http://h/".into()],
            fields: fields
                .iter()
                .map(|f| FieldSpec::parse_cli(f).unwrap())
                .collect(),
            follow: follow.map(String::from),
            ..CrawlSpec::default()
        }
        .compile()
        .unwrap()
    }

    #[test]
    fn links_fields_base_and_refresh() {
        let html = r#"<html><head><base href="/p/"><title>  A
            title </title><meta http-equiv="Refresh" content="5; URL='/next'"></head>
            <body><h1>One <b>two</b></h1><a href="3#x">x</a><a href="mailto:a@b">m</a>
            <a>no href</a><div class=n><a href="http://other/">o</a></div>
            <img src=a.png><img src=b.png></body></html>"#;
        let url = Url::parse("http://h/dir/page").unwrap();
        let c = extract(
            html,
            &url,
            &compiled(&["t=title", "h=h1", "imgs[]=img@src", "none=.nope"], None),
            true,
        );
        let links: Vec<_> = c.links.iter().map(|u| u.as_str()).collect();
        assert_eq!(links, ["http://h/p/3", "http://other/"]);
        assert_eq!(c.refresh.unwrap().as_str(), "http://h/next");
        assert_eq!(c.fields[0].1, Value::from("A title"));
        assert_eq!(c.fields[1].1, Value::from("One two"));
        assert_eq!(c.fields[2].1, serde_json::json!(["a.png", "b.png"]));
        assert_eq!(c.fields[3].1, Value::Null);
    }

    #[test]
    fn follow_selector_limits_links() {
        let html =
            r#"<a href="/a">a</a><nav><a href="/b">b</a></nav><a class="next" href="/c">c</a>"#;
        let url = Url::parse("http://h/").unwrap();
        let c = extract(html, &url, &compiled(&[], Some("nav, a.next")), true);
        let links: Vec<_> = c.links.iter().map(|u| u.path().to_string()).collect();
        assert_eq!(links, ["/b", "/c"]);
    }

    #[test]
    fn refresh_forms() {
        assert_eq!(refresh_target("5;url=/x"), Some("/x"));
        assert_eq!(refresh_target("0; URL = \"/y z\""), Some("/y z"));
        assert_eq!(refresh_target("3, /z"), Some("/z"));
        assert_eq!(refresh_target("5"), None);
    }
}
