//! The read-only page a handler sees: what was fetched (URLs, status, headers, depth,
//! referer, decoded text), what the spec extracted (fields, links), the `meta` its link
//! carried, and [`Page::select`], a CSS query over the parsed document.
//!
//! `select` uses scraper, the engine the spec's fields are defined by (the fast extraction
//! path is differential-tested against it), with the same text rule (whitespace collapsed),
//! so a selector gives the same values here as in a field. The document is parsed on the
//! first `select` and kept for the page's lifetime: a handler that never queries pays
//! nothing, one that queries a hundred times parses once. A `Page` is cheap to clone (one
//! reference count) and may be moved into an async handler; like everything in the engine
//! it is `!Send`.

use crate::extract::collapsed_text;
use crate::spec::{compile_selector, SpecError};
use crate::url_norm::parse_link;
use scraper::{Html, Selector};
use serde_json::Value;
use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::OnceLock;
use url::Url;

/// Everything a [`Page`] is made of. Public so that a handler can be unit-tested on a page
/// built by hand ([`Page::new`]).
#[derive(Debug, Clone, Default)]
pub struct PageParts {
    /// The URL as queued (the record's `url`).
    pub url: String,
    /// The URL the body came from, after redirects.
    pub final_url: String,
    pub status: u16,
    /// Response headers, lower-case names.
    pub headers: Vec<(String, String)>,
    pub depth: u32,
    pub referer: Option<String>,
    /// The decoded body.
    pub text: String,
    /// The spec's fields, in spec order.
    pub fields: Vec<(String, Value)>,
    /// The links the spec's rules found (absolute, normalised, in document order).
    pub links: Vec<Url>,
    /// What the link to this page carried ([`Follow::meta`](super::Follow::meta)).
    pub meta: Option<Rc<Value>>,
}

/// One fetched HTML page, as a handler sees it.
#[derive(Clone)]
pub struct Page {
    parts: Rc<PageParts>,
    document: Rc<OnceCell<Html>>,
}

/// An element matched by [`Page::select`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Text content with runs of whitespace collapsed, as a field without `@attr` gives it.
    pub text: String,
    /// Attributes in source order (names lower-case, values as the parser decoded them).
    pub attrs: Vec<(String, String)>,
}

impl Element {
    /// The value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("url", &self.parts.url)
            .field("status", &self.parts.status)
            .field("depth", &self.parts.depth)
            .finish_non_exhaustive()
    }
}

impl Page {
    pub fn new(parts: PageParts) -> Page {
        Page {
            parts: Rc::new(parts),
            document: Rc::default(),
        }
    }

    /// The URL as queued.
    pub fn url(&self) -> &str {
        &self.parts.url
    }
    /// The URL the body came from (after redirects).
    pub fn final_url(&self) -> &str {
        &self.parts.final_url
    }
    pub fn status(&self) -> u16 {
        self.parts.status
    }
    pub fn headers(&self) -> &[(String, String)] {
        &self.parts.headers
    }
    /// The first value of a response header, by name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn depth(&self) -> u32 {
        self.parts.depth
    }
    /// The page that linked here (sent as `Referer`); `None` for a seed.
    pub fn referer(&self) -> Option<&str> {
        self.parts.referer.as_deref()
    }
    /// The decoded body.
    pub fn text(&self) -> &str {
        &self.parts.text
    }
    /// The spec's fields, in spec order.
    pub fn fields(&self) -> &[(String, Value)] {
        &self.parts.fields
    }
    /// One of the spec's fields by name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.parts
            .fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
    /// The links the spec's rules found on the page (what is followed without a follow list).
    pub fn links(&self) -> &[Url] {
        &self.parts.links
    }
    /// The value the link to this page carried, if any.
    pub fn meta(&self) -> Option<&Value> {
        self.parts.meta.as_deref()
    }

    /// Every element matching `css`, in document order. A bad selector is an error that
    /// names the column, worded as a crawl spec would report it.
    pub fn select(&self, css: &str) -> Result<Vec<Element>, SpecError> {
        let selector = compile_selector("selector", css)?;
        Ok(self
            .document()
            .select(&selector)
            .map(|el| Element {
                text: collapsed_text(el),
                attrs: el
                    .value()
                    .attrs()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            })
            .collect())
    }

    /// `href` made absolute against the page (its `<base href>` if it has one) and
    /// normalised as the crawl normalises links; `None` if it is not an http(s) URL.
    pub fn absolute(&self, href: &str) -> Option<Url> {
        parse_link(&self.base(), href)
    }

    /// The URL relative links resolve against.
    pub(crate) fn base(&self) -> Url {
        static BASE: OnceLock<Selector> = OnceLock::new();
        let base_tag = BASE.get_or_init(|| Selector::parse("base[href]").expect("valid"));
        let page = Url::parse(&self.parts.final_url)
            .or_else(|_| Url::parse(&self.parts.url))
            .ok();
        let from_tag = page.as_ref().and_then(|page| {
            self.document()
                .select(base_tag)
                .next()
                .and_then(|b| b.value().attr("href"))
                .and_then(|h| crate::extract::budget::join_base(page, h, &mut Default::default()))
        });
        from_tag
            .or(page)
            .unwrap_or_else(|| Url::parse("about:blank").expect("valid"))
    }

    fn document(&self) -> &Html {
        self.document.get_or_init(|| {
            crate::extract::parse_document(&self.parts.text, &mut Default::default())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        Page::new(PageParts {
            url: "http://h/dir/a".into(),
            final_url: "http://h/dir/b".into(),
            status: 200,
            text: html.into(),
            ..PageParts::default()
        })
    }

    #[test]
    fn select_gives_text_and_attributes() {
        let p = page(r#"<ul><li class="x" data-id=7> One <b>two</b></li><li>3</li></ul>"#);
        let found = p.select("li").unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].text, "One two");
        assert_eq!(found[0].attr("data-id"), Some("7"));
        assert_eq!(found[0].attr("class"), Some("x"));
        assert_eq!(found[1].attrs, vec![]);
        let err = p.select("li[").unwrap_err();
        assert!(err.message.contains("selector"), "{}", err.message);
    }

    #[test]
    fn absolute_uses_final_url_and_base() {
        assert_eq!(
            page("<a href=x>").absolute("c#frag").unwrap().as_str(),
            "http://h/dir/c"
        );
        let with_base = page(r#"<base href="/other/"><a href=x>"#);
        assert_eq!(
            with_base.absolute("c").unwrap().as_str(),
            "http://h/other/c"
        );
        assert!(with_base.absolute("mailto:a@b").is_none());
    }
}
