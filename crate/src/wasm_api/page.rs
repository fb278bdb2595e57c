//! `CrawlPage`, the object an `onPage` handler receives: the engine's
//! [`Page`](crate::handler::Page) seen from JavaScript.
//!
//! Every property is converted when it is read, not before: a handler that only looks at
//! `page.url` and `page.fields` never copies the page's text into a JS string, and the
//! document is parsed only by the first `select()` (once per page, whatever the count).
//!
//! The object is valid while its handler call runs, until the returned promise settles.
//! Then the adapter lets go of the page (its text and parsed document live in wasm memory,
//! which the JS garbage collector does not see and which never shrinks), and reading a
//! property afterwards throws an Error that says so. A handler that needs a value later
//! copies it out during the call.

use super::to_js;
use crate::handler::Page;
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The page an `onPage` handler is called with (valid until the handler's call settles).
#[wasm_bindgen]
pub struct CrawlPage {
    page: Rc<RefCell<Option<Page>>>,
}

/// Lets go of a page when dropped: the page handler's future holds one, so the page is
/// released when the call settles, fails, or is dropped by the engine's timeout.
pub(crate) struct Release(Rc<RefCell<Option<Page>>>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.borrow_mut().take();
    }
}

/// The JS object for `page`, and the guard that releases it.
pub(crate) fn crawl_page(page: Page) -> (JsValue, Release) {
    let cell = Rc::new(RefCell::new(Some(page)));
    let js = JsValue::from(CrawlPage { page: cell.clone() });
    (js, Release(cell))
}

#[derive(Serialize)]
struct Element<'a> {
    text: &'a str,
    attrs: Map<String, Value>,
}

impl CrawlPage {
    fn with<T>(&self, read: impl FnOnce(&Page) -> T) -> Result<T, JsError> {
        match self.page.borrow().as_ref() {
            Some(page) => Ok(read(page)),
            None => Err(JsError::new(
                "this page is no longer available: its onPage call has finished. Copy what you \
                 need from `page` before the handler returns (or before its promise resolves)",
            )),
        }
    }
}

#[wasm_bindgen]
impl CrawlPage {
    /// The URL as queued (the record's `url`).
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> Result<String, JsError> {
        self.with(|p| p.url().to_string())
    }

    /// The URL the body came from, after redirects.
    #[wasm_bindgen(getter = finalUrl)]
    pub fn final_url(&self) -> Result<String, JsError> {
        self.with(|p| p.final_url().to_string())
    }

    /// The HTTP status (below 400: handlers run on successful HTML pages only).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> Result<u16, JsError> {
        self.with(Page::status)
    }

    /// Response headers the browser exposes, lower-case names; repeated ones joined by ", ".
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, string>")]
    pub fn headers(&self) -> Result<JsValue, JsError> {
        self.with(|p| {
            let mut headers: Map<String, Value> = Map::new();
            for (name, value) in p.headers() {
                match headers.get_mut(name) {
                    Some(Value::String(joined)) => {
                        joined.push_str(", ");
                        joined.push_str(value);
                    }
                    _ => {
                        headers.insert(name.clone(), Value::String(value.clone()));
                    }
                }
            }
            to_js(&headers)
        })
    }

    /// Link hops from a seed (0 for a seed).
    #[wasm_bindgen(getter)]
    pub fn depth(&self) -> Result<u32, JsError> {
        self.with(Page::depth)
    }

    /// The page that linked here (sent as `Referer`); null for a seed.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn referer(&self) -> Result<JsValue, JsError> {
        self.with(|p| p.referer().map_or(JsValue::NULL, JsValue::from_str))
    }

    /// The decoded body (HTML source).
    #[wasm_bindgen(getter)]
    pub fn text(&self) -> Result<String, JsError> {
        self.with(|p| p.text().to_string())
    }

    /// The spec's fields by name, in spec order: a string, an array of strings (`all`), or
    /// null when nothing matched. The same values as the page's record.
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown>")]
    pub fn fields(&self) -> Result<JsValue, JsError> {
        self.with(|p| {
            let fields: Map<String, Value> = p.fields().iter().cloned().collect();
            to_js(&fields)
        })
    }

    /// What the link to this page carried (`follow: [{ url, meta }]`); undefined if nothing.
    #[wasm_bindgen(getter, unchecked_return_type = "unknown")]
    pub fn meta(&self) -> Result<JsValue, JsError> {
        self.with(|p| p.meta().map_or(JsValue::UNDEFINED, to_js))
    }

    /// The links the spec's rules found (absolute, normalised, document order): what is
    /// followed when the handler returns no `follow` list.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn links(&self) -> Result<JsValue, JsError> {
        self.with(|p| {
            let links: Vec<&str> = p.links().iter().map(url::Url::as_str).collect();
            to_js(&links)
        })
    }

    /// Every element matching `css`, in document order, with its text (whitespace collapsed,
    /// as a field gives it) and attributes: the same selector engine and results as the
    /// spec's fields. Throws an Error naming the column of a bad selector.
    #[wasm_bindgen(unchecked_return_type = "PageElement[]")]
    pub fn select(&self, css: &str) -> Result<JsValue, JsError> {
        self.with(|p| p.select(css))?
            .map(|found| {
                let elements: Vec<Element> = found
                    .iter()
                    .map(|el| Element {
                        text: &el.text,
                        attrs: el
                            .attrs
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    })
                    .collect();
                to_js(&elements)
            })
            .map_err(|e| JsError::new(&e.message))
    }

    /// `href` made absolute against the page (its `<base href>` if any) and normalised as
    /// the crawl normalises links; null if it is not an http(s) URL.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn absolute(&self, href: &str) -> Result<JsValue, JsError> {
        self.with(|p| {
            p.absolute(href)
                .map_or(JsValue::NULL, |u| JsValue::from_str(u.as_str()))
        })
    }
}
