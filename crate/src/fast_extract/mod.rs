//! The fast extraction path: links, `<base href>`, meta refresh, robots meta, the canonical
//! link and fields from one
//! streaming pass over the page, with no DOM. It gives results identical to
//! [`crate::extract`]'s html5ever-based path, or none at all:
//!
//! - **Per spec**, [`FastPlan::new`] accepts only field and follow selectors in the subset
//!   this module matches itself (type, `.class`, `#id`, attribute selectors, descendant and
//!   child combinators; see [`css`]). Other specs always use scraper.
//! - **Per page**, [`extract`] returns `None` as soon as the page does something the fast
//!   path does not model exactly (see [`tree`]: misnested formatting elements, foster
//!   parenting, `<template>`, `<svg>`...); the caller then parses it with scraper. Ordinary
//!   pages, including sloppy ones with optional end tags and implied elements, stay fast.
//! - **Per budget**, a page that reaches one of the caps of [`crate::extract::budget`]
//!   (attributes per tag, nesting depth, captured text) is left to the scraper path, which
//!   cuts it; links are capped by the [`LinkList`] both paths share.
//!
//! Why not lol_html: it streams, but gives raw text and attribute values (entities
//! undecoded), knows nothing of tree construction (implied and closed-by-context elements,
//! text node boundaries) and would still need most of this module to agree with html5ever.
//!
//! The pieces: [`tokens`] (the tokenizer), [`entities`] (character references), [`tree`]
//! (the stack of open elements and the insertion modes, with [`tags`]), [`collect`] (what is
//! kept).

mod body;
mod collect;
mod css;
mod entities;
mod tags;
mod tokens;
mod tree;

#[cfg(test)]
mod tests;

use crate::extract::budget::{join_base, Cuts, LinkList};
use crate::extract::{refresh_target, PageContent};
use crate::spec::CompiledSpec;
use crate::url_norm::resolve_link;
use css::SelectorList;
use serde_json::Value;
use std::borrow::Cow;
use url::Url;

/// Why a page left the fast path (for tests and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail(pub &'static str);

/// A spec's fields and follow selector, compiled for the fast path.
#[derive(Debug, Clone, PartialEq)]
pub struct FastPlan {
    fields: Vec<FieldPlan>,
    follow: Option<SelectorList>,
    /// The product token robots meta tags may name (`None`: robots rules are off).
    robots_token: Option<String>,
    /// Look for `<link rel="canonical">`.
    canonical: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct FieldPlan {
    name: String,
    selector: SelectorList,
    attr: Option<String>,
    all: bool,
}

impl FastPlan {
    /// The plan for `spec`, or `None` if a selector is outside the supported subset.
    /// Selectors are read back from scraper's compiled form, so the plan matches exactly
    /// what scraper would match.
    pub fn new(spec: &CompiledSpec) -> Option<FastPlan> {
        use scraper::selector::ToCss;
        let follow = match &spec.follow {
            Some(s) => Some(SelectorList::parse(&s.to_css_string())?),
            None => None,
        };
        let fields = spec
            .fields
            .iter()
            .map(|f| {
                Some(FieldPlan {
                    name: f.name.clone(),
                    selector: SelectorList::parse(&f.selector.to_css_string())?,
                    attr: f.attr.clone(),
                    all: f.all,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(FastPlan {
            fields,
            follow,
            robots_token: crate::extract::robots_token(spec).map(String::from),
            canonical: spec.spec.canonical,
        })
    }
}

/// The attributes past the budget in `html`'s tags, for the scraper path
/// ([`crate::extract`]'s parser cuts them before html5ever reads the page).
pub(crate) fn prescan(html: &str) -> tokens::Trims {
    tokens::Tokenizer::prescan(html)
}

/// Extracts from `html` (decoded text) fetched from `page_url`, or says why it cannot.
pub fn try_extract(
    html: &str,
    page_url: &Url,
    plan: &FastPlan,
    want_links: bool,
) -> Result<PageContent, Bail> {
    // The tokenizer works on the preprocessed input stream: CR and CRLF become LF. NUL is
    // handled differently in every state; such pages take the slow path.
    let normalized: Cow<str> = match memchr::memchr2(b'\r', b'\0', html.as_bytes()) {
        None => Cow::Borrowed(html),
        Some(_) if html.contains('\0') => return Err(Bail("NUL in the page")),
        Some(_) => Cow::Owned(html.replace("\r\n", "\n").replace('\r', "\n")),
    };
    let mut collector = collect::Collector::new(plan, want_links);
    tree::Builder::new(&normalized, &mut collector).run()?;
    if collector.over_budget() {
        return Err(Bail("more field text than the budget"));
    }

    let mut cuts = Cuts::default();
    let base = collector
        .base
        .as_deref()
        .and_then(|h| join_base(page_url, h, &mut cuts))
        .unwrap_or_else(|| page_url.clone());
    let mut content = PageContent::default();
    let mut links = LinkList::default();
    if want_links {
        let hrefs: Box<dyn Iterator<Item = &Cow<str>>> = if plan.follow.is_some() {
            Box::new(collector.follow_groups.iter().flatten())
        } else {
            Box::new(collector.links.iter())
        };
        for href in hrefs {
            links.push(&base, href);
        }
    }
    let refresh = collector.refresh.as_deref().and_then(refresh_target);
    if let Some(target) = refresh {
        match resolve_link(&base, target) {
            Ok(url) => content.refresh = url,
            Err(_) => links.too_long(),
        }
    }
    (content.links, content.links_dropped) = links.finish(&mut cuts);
    content.robots = collector.robots;
    content.canonical = collector
        .canonical
        .as_deref()
        .and_then(|href| resolve_link(&base, href).ok().flatten());
    for (field, values) in plan.fields.iter().zip(collector.fields) {
        let mut values = values.values.into_iter().map(|v| v.unwrap_or_default());
        let value = if field.all {
            Value::Array(values.map(Value::from).collect())
        } else {
            values.next().map(Value::from).unwrap_or(Value::Null)
        };
        content.fields.push((field.name.clone(), value));
    }
    content.cut = cuts.message();
    Ok(content)
}

/// [`try_extract`], with `None` when the page needs the html5ever path.
pub fn extract(
    html: &str,
    page_url: &Url,
    plan: &FastPlan,
    want_links: bool,
) -> Option<PageContent> {
    try_extract(html, page_url, plan, want_links).ok()
}
