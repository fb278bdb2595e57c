//! What the fast path collects while the tree builder runs: the raw link targets, the first
//! `<base href>` and meta refresh, robots meta directives, the first canonical link's
//! `href`, and the field values. Text fields are captured as the
//! text nodes of the matched element go by, and collapsed the way
//! [`crate::extract::collapsed_text`] collapses them (runs of whitespace become one space,
//! none at either end), one text node at a time.
//!
//! The budget ([`crate::extract::budget`]) is watched, not enforced: text scanned for
//! fields and attribute values taken count against [`TextBudget`], and once it is spent
//! [`Collector::over_budget`] tells the tree builder to leave the page to the scraper path,
//! which cuts it. A link inside several elements matched by the follow selector is kept in
//! the outermost one's group only: the inner groups would repeat it, and the links are
//! deduplicated anyway (copying it into each would cost depth × links).

use super::tags::T;
use super::tree::Path;
use super::FastPlan;
use crate::extract::budget::TextBudget;
use crate::robots_meta::{meta_name_applies, rel_is_canonical, Directives};
use std::borrow::Cow;

/// One field's matches, in document order; `None` while a text capture is still open.
#[derive(Debug, Default)]
pub(super) struct FieldValues {
    pub values: Vec<Option<String>>,
    /// A first-match field has its value (or its capture is open): stop matching.
    pub done: bool,
}

enum Capture {
    /// The text of a field's match: field index, value slot, collapsed text so far.
    Text(usize, usize, Collapsed),
    /// The links inside an element matched by the follow selector (index into
    /// `follow_groups`).
    Follow(usize),
}

pub(super) struct Collector<'a, 'p> {
    plan: &'p FastPlan,
    want_links: bool,
    /// `a[href]`/`area[href]` values in document order (no follow selector).
    pub links: Vec<Cow<'a, str>>,
    /// With a follow selector: one group of link values per matched element.
    pub follow_groups: Vec<Vec<Cow<'a, str>>>,
    pub base: Option<Cow<'a, str>>,
    /// The `content` of the first `<meta http-equiv=refresh content>`.
    pub refresh: Option<Cow<'a, str>>,
    refresh_seen: bool,
    /// The directives of every `<meta name=robots|TOKEN content>` (with robots on).
    pub robots: Directives,
    /// The `href` of the first `<link rel=canonical href>` (with canonical on).
    pub canonical: Option<Cow<'a, str>>,
    pub fields: Vec<FieldValues>,
    captures: Vec<Capture>,
    text_captures: usize,
    budget: TextBudget,
}

impl<'a, 'p> Collector<'a, 'p> {
    pub fn new(plan: &'p FastPlan, want_links: bool) -> Self {
        Collector {
            plan,
            want_links,
            links: Vec::new(),
            follow_groups: Vec::new(),
            base: None,
            refresh: None,
            refresh_seen: false,
            robots: Directives::default(),
            canonical: None,
            fields: plan.fields.iter().map(|_| FieldValues::default()).collect(),
            captures: Vec::new(),
            text_captures: 0,
            budget: TextBudget::default(),
        }
    }

    /// The page captured more field text than the budget allows.
    pub fn over_budget(&self) -> bool {
        self.budget.spent()
    }

    pub fn wants_text(&self) -> bool {
        self.text_captures > 0
    }

    /// The number of open captures, to close back to when an element is popped.
    pub fn mark(&self) -> usize {
        self.captures.len()
    }

    /// A text node inside every element that has an open capture.
    pub fn text(&mut self, chunk: &str) {
        for capture in &mut self.captures {
            if let Capture::Text(_, _, out) = capture {
                if !self.budget.take(chunk.len()) {
                    return;
                }
                out.push(chunk);
            }
        }
    }

    /// Closes the captures opened at or after `mark` (their element was popped).
    pub fn close_to(&mut self, mark: usize) {
        while self.captures.len() > mark {
            if let Some(Capture::Text(field, slot, out)) = self.captures.pop() {
                self.fields[field].values[slot] = Some(out.text);
                self.text_captures -= 1;
            }
        }
    }

    /// An element was created: it is the top of `path`.
    pub fn element(&mut self, path: &Path<'_, 'a>) {
        let i = path.stack.len() - 1;
        let tag = path.stack[i].tag;
        match tag {
            T::A | T::Area if self.want_links => {
                if let Some(href) = path.attr(i, "href") {
                    if self.plan.follow.is_none() {
                        self.links.push(href);
                    } else {
                        let outermost = self.captures.iter().find_map(|c| match c {
                            Capture::Follow(group) => Some(*group),
                            Capture::Text(..) => None,
                        });
                        if let Some(group) = outermost {
                            self.follow_groups[group].push(href);
                        }
                    }
                }
            }
            T::Base if self.base.is_none() => self.base = path.attr(i, "href"),
            T::Meta => {
                if !self.refresh_seen {
                    let refresh = path
                        .attr(i, "http-equiv")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"));
                    if refresh {
                        if let Some(content) = path.attr(i, "content") {
                            self.refresh_seen = true;
                            self.refresh = Some(content);
                        }
                    }
                }
                if let Some(token) = &self.plan.robots_token {
                    if path
                        .attr(i, "name")
                        .is_some_and(|n| meta_name_applies(&n, token))
                    {
                        if let Some(content) = path.attr(i, "content") {
                            self.robots.add(&content, token);
                        }
                    }
                }
            }
            T::Link
                if self.plan.canonical
                    && self.canonical.is_none()
                    && path.attr(i, "rel").is_some_and(|r| rel_is_canonical(&r)) =>
            {
                self.canonical = path.attr(i, "href");
            }
            _ => {}
        }
        if self.want_links {
            if let Some(follow) = &self.plan.follow {
                if follow.matches(path, i) {
                    match path.attr(i, "href") {
                        Some(href) => self.follow_groups.push(vec![href]),
                        None => {
                            self.captures
                                .push(Capture::Follow(self.follow_groups.len()));
                            self.follow_groups.push(Vec::new());
                        }
                    }
                }
            }
        }
        for (f, field) in self.plan.fields.iter().enumerate() {
            if self.fields[f].done || !field.selector.matches(path, i) {
                continue;
            }
            match &field.attr {
                Some(attr) => {
                    if let Some(value) = path.attr(i, attr) {
                        if !self.budget.take(value.len()) {
                            return;
                        }
                        self.fields[f].values.push(Some(value.trim().to_string()));
                        self.fields[f].done = !field.all;
                    }
                }
                None => {
                    let slot = self.fields[f].values.len();
                    self.fields[f].values.push(None);
                    self.fields[f].done = !field.all;
                    self.captures
                        .push(Capture::Text(f, slot, Collapsed::default()));
                    self.text_captures += 1;
                }
            }
        }
    }
}

/// [`crate::extract::collapsed_text`], fed one text node at a time.
#[derive(Default)]
struct Collapsed {
    text: String,
    /// Whitespace was seen since the last word.
    space: bool,
}

impl Collapsed {
    fn push(&mut self, chunk: &str) {
        for (i, word) in chunk.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.space = true;
            }
            if word.is_empty() {
                continue;
            }
            if self.space && !self.text.is_empty() {
                self.text.push(' ');
            }
            self.space = false;
            self.text.push_str(word);
        }
    }
}
