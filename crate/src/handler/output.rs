//! What a page handler answers: items (JSON values; any `Serialize` is converted on the
//! way in) and, optionally, the links to follow with their per-link extras (depth, priority,
//! and a `meta` value the linked page's handler call sees, like Scrapy's `cb_kwargs`).

use serde::Serialize;
use serde_json::Value;

/// A handler's answer for one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageOutput {
    /// What the page yielded, in order.
    pub items: Vec<Value>,
    /// `None`: follow the spec's own links. `Some(list)`: follow exactly these (an empty
    /// list follows nothing). Every one still goes through scope, robots.txt, the seen-set
    /// and politeness.
    pub follow: Option<Vec<Follow>>,
}

impl PageOutput {
    /// No items, and the spec's links followed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an item: any `Serialize` value (a struct, a map, `serde_json::json!{...}`).
    /// A value that cannot be represented as JSON (a map with non-string keys) is an error.
    pub fn item<T: Serialize>(mut self, item: T) -> Result<Self, serde_json::Error> {
        self.items.push(serde_json::to_value(item)?);
        Ok(self)
    }

    /// Adds a link to follow; from the first call on, only the links given here are followed.
    pub fn follow(mut self, link: impl Into<Follow>) -> Self {
        self.follow.get_or_insert_with(Vec::new).push(link.into());
        self
    }

    /// Follows nothing from this page (an empty follow list).
    pub fn follow_none(mut self) -> Self {
        self.follow = Some(Vec::new());
        self
    }
}

/// A link a handler asks the crawl to follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Follow {
    /// Absolute, or relative to the page (its `<base href>` if it has one).
    pub url: String,
    /// The linked page's depth; default: this page's depth + 1. The spec's `max_depth`
    /// still applies.
    pub depth: Option<u32>,
    /// Higher is fetched sooner; default 0. Pages of equal priority go breadth-first.
    pub priority: i32,
    /// Carried with the URL to the linked page's handler call ([`Page::meta`](crate::handler::Page::meta)),
    /// and kept by `--state` and shared frontiers.
    pub meta: Option<Value>,
}

impl Follow {
    pub fn new(url: impl Into<String>) -> Self {
        Follow {
            url: url.into(),
            depth: None,
            priority: 0,
            meta: None,
        }
    }

    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = Some(depth);
        self
    }

    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Attaches a value for the linked page's handler call (a label, an id, a category).
    pub fn meta(mut self, meta: impl Into<Value>) -> Self {
        self.meta = Some(meta.into());
        self
    }
}

impl From<&str> for Follow {
    fn from(url: &str) -> Self {
        Follow::new(url)
    }
}

impl From<String> for Follow {
    fn from(url: String) -> Self {
        Follow::new(url)
    }
}

impl From<&url::Url> for Follow {
    fn from(url: &url::Url) -> Self {
        Follow::new(url.as_str())
    }
}

impl From<url::Url> for Follow {
    fn from(url: url::Url) -> Self {
        Follow::new(String::from(url))
    }
}
