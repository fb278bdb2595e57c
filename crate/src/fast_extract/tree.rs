//! Tree construction for the fast path: the part of the WHATWG algorithm (as html5ever
//! implements it) that decides which element is whose parent, without building a tree.
//!
//! It keeps the stack of open elements, which is all that selectors and text extraction
//! need: when an element is created its ancestors are exactly the stack, and a text node
//! belongs to every element on the stack. The insertion modes are modelled for well-formed
//! and commonly sloppy pages: implied `html`/`head`/`body`/`tbody`/`tr`, optional end
//! tags (`p`, `li`, `dd`, `td`, `option`...), raw-text elements, tables, after-body content.
//!
//! Tokens html5ever ignores (a stray `</div>`, `<td>` outside a table) are ignored here
//! too, without touching the current text node, so the text around them stays one node as
//! it does in html5ever. Everything where html5ever would reorder or duplicate nodes is
//! detected and answered with a [`Bail`], after which the caller parses the page with
//! html5ever instead: formatting elements closed out of order (which the adoption agency
//! and the reconstruction of active formatting elements would re-create), `<a>` inside
//! `<a>`, content foster-parented out of tables, attributes added to `<html>`/`<body>` by a
//! second tag, `<template>`, foreign content (`<svg>`, `<math>`), framesets and a few
//! rarities. Bailing is always correct, only slower, so the rule is: when unsure, bail.

use super::collect::Collector;
use super::entities::decode;
use super::tags::{button_scope, classify, formatting, implied_end, T};
use super::tokens::{Attr, Raw, Token, Tokenizer};
use super::Bail;
use crate::extract::budget::MAX_DEPTH;
use std::borrow::Cow;
use std::ops::Range;

/// Where in a table the stack's top is: the table insertion modes, derived from the stack
/// the way html5ever's "reset the insertion mode appropriately" does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Body,
    Cell,
    Table,
    TableBody,
    Row,
    ColGroup,
}

/// The insertion modes before and after the body; inside it, [`Ctx`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Initial,
    BeforeHtml,
    BeforeHead,
    InHead,
    AfterHead,
    Body,
    AfterBody,
    AfterAfterBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quirks {
    No,
    Yes,
    Unknown,
}

/// An element on the stack of open elements.
pub(super) struct Open<'a> {
    pub tag: T,
    pub name: Cow<'a, str>,
    /// Its attributes, in [`Builder::arena`].
    attrs: Range<usize>,
    ctx: Ctx,
    /// The collector's capture count before this element was created.
    mark: usize,
}

/// The stack of open elements as the selector matcher sees it.
pub(super) struct Path<'s, 'a> {
    pub stack: &'s [Open<'a>],
    arena: &'s [Attr<'a>],
}

impl<'a> Path<'_, 'a> {
    pub fn attr(&self, i: usize, name: &str) -> Option<Cow<'a, str>> {
        self.arena[self.stack[i].attrs.clone()]
            .iter()
            .find(|a| a.name == name)
            .map(Attr::value)
    }
}

impl<'a> super::css::Path for Path<'_, 'a> {
    fn name(&self, i: usize) -> &str {
        &self.stack[i].name
    }

    fn attr(&self, i: usize, name: &str) -> Option<Cow<'_, str>> {
        Path::attr(self, i, name)
    }
}

pub(super) struct Builder<'a, 'c, 'p> {
    pub(super) tz: Tokenizer<'a>,
    pub(super) stack: Vec<Open<'a>>,
    /// Attributes of the open elements, in stack order.
    pub(super) arena: Vec<Attr<'a>>,
    pub(super) mode: Mode,
    pub(super) quirks: Quirks,
    /// html5ever's form element pointer is set.
    pub(super) form: bool,
    /// Drop a newline that starts the next token (after `<pre>`, `<listing>`).
    pub(super) ignore_lf: bool,
    /// Text of the current text node, decoded, while some element captures text.
    pub(super) pending: String,
    pub(super) c: &'c mut Collector<'a, 'p>,
    /// How many `p` elements are open (most of the time none: no scope walk needed).
    open_p: usize,
}

pub(super) fn bail<V>(why: &'static str) -> Result<V, Bail> {
    Err(Bail(why))
}

fn ascii_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

impl<'a, 'c, 'p> Builder<'a, 'c, 'p> {
    pub fn new(html: &'a str, c: &'c mut Collector<'a, 'p>) -> Self {
        Builder {
            tz: Tokenizer::new(html),
            stack: Vec::with_capacity(32),
            arena: Vec::with_capacity(64),
            mode: Mode::Initial,
            quirks: Quirks::Unknown,
            form: false,
            ignore_lf: false,
            pending: String::new(),
            c,
            open_p: 0,
        }
    }

    pub fn run(mut self) -> Result<(), Bail> {
        while let Some(token) = self.tz.next_token()? {
            let ignore_lf = std::mem::take(&mut self.ignore_lf);
            match token {
                Token::Text(raw) => self.text(raw, ignore_lf)?,
                Token::Start(name) => self.start(name)?,
                Token::End(name) => self.end(name)?,
                Token::Comment => self.comment(),
                Token::Doctype { standard } => self.doctype(standard),
            }
        }
        self.eof()
    }

    // ----- the stack -----

    pub(super) fn ctx(&self) -> Ctx {
        self.stack.last().map_or(Ctx::Body, |o| o.ctx)
    }

    pub(super) fn top(&self) -> T {
        self.stack.last().map_or(T::Html, |o| o.tag)
    }

    /// Hands the current text node to the collector: the next node is a new one.
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            self.c.text(&self.pending);
            self.pending.clear();
        }
    }

    /// Text appended to the current node.
    fn append(&mut self, raw: &str) {
        if self.c.wants_text() {
            super::entities::decode_into(&mut self.pending, raw, false);
        }
    }

    fn append_decoded(&mut self, text: &str) {
        if self.c.wants_text() {
            self.pending.push_str(text);
        }
    }

    /// Creates an element and pushes it; `with_attrs` takes the current tag's attributes.
    pub(super) fn insert(
        &mut self,
        tag: T,
        name: Cow<'a, str>,
        with_attrs: bool,
    ) -> Result<(), Bail> {
        self.flush();
        if self.stack.len() >= MAX_DEPTH {
            return bail("nesting deeper than the budget");
        }
        // Checked per element, not per token: once spent, the collector takes no more
        // text, so what comes before the next element costs nothing.
        if self.c.over_budget() {
            return bail("more field text than the budget");
        }
        let start = self.arena.len();
        if with_attrs {
            self.arena.append(&mut self.tz.attrs);
        }
        let parent = self.ctx();
        let ctx = match tag {
            T::Td | T::Th => Ctx::Cell,
            T::Tr => Ctx::Row,
            T::Tbody | T::Thead | T::Tfoot => Ctx::TableBody,
            T::Table => Ctx::Table,
            T::Colgroup => Ctx::ColGroup,
            _ => parent,
        };
        let mark = self.c.mark();
        self.open_p += usize::from(tag == T::P);
        self.stack.push(Open {
            tag,
            name,
            attrs: start..self.arena.len(),
            ctx,
            mark,
        });
        let path = Path {
            stack: &self.stack,
            arena: &self.arena,
        };
        self.c.element(&path);
        Ok(())
    }

    pub(super) fn insert_void(&mut self, tag: T, name: Cow<'a, str>) -> Result<(), Bail> {
        self.insert(tag, name, true)?;
        self.pop();
        Ok(())
    }

    pub(super) fn implied(&mut self, tag: T, name: &'static str) -> Result<(), Bail> {
        self.insert(tag, Cow::Borrowed(name), false)
    }

    pub(super) fn insert_formatting(&mut self, tag: T, name: Cow<'a, str>) -> Result<(), Bail> {
        // The "Noah's Ark" clause drops an entry from the list of active formatting
        // elements when three equal ones are open; not modelled.
        let same = self
            .stack
            .iter()
            .rev()
            .take_while(|o| !matches!(o.tag, T::Td | T::Th))
            .filter(|o| o.tag == tag)
            .count();
        if same >= 3 {
            return bail("three nested identical formatting elements");
        }
        self.insert(tag, name, true)
    }

    pub(super) fn pop(&mut self) {
        self.flush();
        if let Some(open) = self.stack.pop() {
            self.open_p -= usize::from(open.tag == T::P);
            self.arena.truncate(open.attrs.start);
            self.c.close_to(open.mark);
        }
    }

    /// Pops everything above `index` and the element at `index`. Formatting elements popped
    /// from above it would be re-created by html5ever: bail unless the list of active
    /// formatting elements is cleared anyway (closing a cell).
    pub(super) fn pop_to(&mut self, index: usize, formatting_ok: bool) -> Result<(), Bail> {
        if !formatting_ok && self.stack[index + 1..].iter().any(|o| formatting(o.tag)) {
            return bail("formatting element closed by another end tag");
        }
        while self.stack.len() > index {
            self.pop();
        }
        Ok(())
    }

    /// The topmost element satisfying `target`, unless an element of `scope` comes first.
    pub(super) fn in_scope(
        &self,
        target: impl Fn(&Open) -> bool,
        scope: fn(T) -> bool,
    ) -> Option<usize> {
        for (i, o) in self.stack.iter().enumerate().rev() {
            if target(o) {
                return Some(i);
            }
            if scope(o.tag) {
                return None;
            }
        }
        None
    }

    pub(super) fn in_scope_tag(&self, tag: T, scope: fn(T) -> bool) -> Option<usize> {
        self.in_scope(|o| o.tag == tag, scope)
    }

    pub(super) fn generate_implied_end(&mut self, except: Option<T>) {
        while self
            .stack
            .last()
            .is_some_and(|o| implied_end(o.tag) && Some(o.tag) != except)
        {
            self.pop();
        }
    }

    pub(super) fn close_p_in_button_scope(&mut self) -> Result<(), Bail> {
        if self.open_p > 0 && self.in_scope_tag(T::P, button_scope).is_some() {
            self.generate_implied_end(Some(T::P));
            let Some(p) = self.stack.iter().rposition(|o| o.tag == T::P) else {
                return bail("p vanished");
            };
            self.pop_to(p, false)?;
        }
        Ok(())
    }

    /// A raw-text element (`title`, `style`, `script`, `textarea`...): its content is one
    /// text node, read directly from the input.
    pub(super) fn raw(&mut self, tag: T, name: Cow<'a, str>, kind: Raw) -> Result<(), Bail> {
        self.insert(tag, name, true)?;
        let end_name = match tag {
            T::Title => "title",
            T::Textarea => "textarea",
            T::Style => "style",
            T::Script => "script",
            T::Xmp => "xmp",
            T::Iframe => "iframe",
            T::Noembed => "noembed",
            T::Noframes => "noframes",
            T::Noscript => "noscript",
            _ => return bail("not a raw-text element"),
        };
        let mut content = self.tz.raw_text(end_name, kind)?;
        if tag == T::Textarea {
            if content.starts_with('&') {
                return bail("character reference first in a textarea");
            }
            content = content.strip_prefix('\n').unwrap_or(content);
        }
        if kind == Raw::Rcdata {
            self.append(content);
        } else {
            self.append_decoded(content);
        }
        self.pop();
        Ok(())
    }

    // ----- tokens -----

    fn doctype(&mut self, standard: bool) {
        if self.mode == Mode::Initial {
            self.quirks = if standard {
                Quirks::No
            } else {
                Quirks::Unknown
            };
            self.mode = Mode::BeforeHtml;
        }
    }

    fn comment(&mut self) {
        match self.mode {
            // Appended to the document or the html element: the current text node goes on.
            Mode::Initial | Mode::BeforeHtml | Mode::AfterBody | Mode::AfterAfterBody => {}
            _ => self.flush(),
        }
    }

    fn text(&mut self, raw: &'a str, ignore_lf: bool) -> Result<(), Bail> {
        let mut raw = raw;
        if ignore_lf {
            if raw.starts_with('&') {
                return bail("character reference right after <pre>");
            }
            raw = raw.strip_prefix('\n').unwrap_or(raw);
        }
        if self.mode == Mode::Body && matches!(self.ctx(), Ctx::Body | Ctx::Cell) {
            self.append(raw);
            return Ok(());
        }
        // Elsewhere whitespace matters, and a character reference may decode to some.
        let decoded = decode(raw, false);
        let mut text: &str = &decoded;
        loop {
            if text.is_empty() {
                return Ok(());
            }
            let rest = text.trim_start_matches(ascii_ws);
            let space = &text[..text.len() - rest.len()];
            match self.mode {
                Mode::Initial => {
                    if rest.is_empty() {
                        return Ok(());
                    }
                    self.quirks = Quirks::Yes;
                    self.mode = Mode::BeforeHtml;
                    text = rest;
                }
                Mode::BeforeHtml => {
                    if rest.is_empty() {
                        return Ok(());
                    }
                    self.implied(T::Html, "html")?;
                    self.mode = Mode::BeforeHead;
                    text = rest;
                }
                Mode::BeforeHead => {
                    if rest.is_empty() {
                        return Ok(());
                    }
                    self.implied(T::Head, "head")?;
                    self.mode = Mode::InHead;
                    text = rest;
                }
                Mode::InHead => {
                    self.append_decoded(space);
                    if rest.is_empty() {
                        return Ok(());
                    }
                    self.pop();
                    self.mode = Mode::AfterHead;
                    text = rest;
                }
                Mode::AfterHead => {
                    self.append_decoded(space);
                    if rest.is_empty() {
                        return Ok(());
                    }
                    self.implied(T::Body, "body")?;
                    self.mode = Mode::Body;
                    text = rest;
                }
                Mode::AfterBody | Mode::AfterAfterBody => {
                    if !rest.is_empty() {
                        self.mode = Mode::Body;
                    }
                    self.append_decoded(text);
                    return Ok(());
                }
                Mode::Body => match self.ctx() {
                    Ctx::Body | Ctx::Cell => {
                        self.append_decoded(text);
                        return Ok(());
                    }
                    _ => {
                        if !rest.is_empty() {
                            return bail("text in a table (foster parenting)");
                        }
                        self.append_decoded(text);
                        return Ok(());
                    }
                },
            }
        }
    }

    fn eof(mut self) -> Result<(), Bail> {
        loop {
            match self.mode {
                Mode::Initial => self.mode = Mode::BeforeHtml,
                Mode::BeforeHtml => {
                    self.implied(T::Html, "html")?;
                    self.mode = Mode::BeforeHead;
                }
                Mode::BeforeHead => {
                    self.implied(T::Head, "head")?;
                    self.mode = Mode::InHead;
                }
                Mode::InHead => {
                    self.pop();
                    self.mode = Mode::AfterHead;
                }
                Mode::AfterHead => {
                    self.implied(T::Body, "body")?;
                    self.mode = Mode::Body;
                }
                _ => break,
            }
        }
        while !self.stack.is_empty() {
            self.pop();
        }
        Ok(())
    }

    fn start(&mut self, name: Cow<'a, str>) -> Result<(), Bail> {
        let tag = classify(&name);
        loop {
            match self.mode {
                Mode::Initial => {
                    self.quirks = Quirks::Yes;
                    self.mode = Mode::BeforeHtml;
                }
                Mode::BeforeHtml => {
                    if tag == T::Html {
                        self.mode = Mode::BeforeHead;
                        return self.insert(tag, name, true);
                    }
                    self.implied(T::Html, "html")?;
                    self.mode = Mode::BeforeHead;
                }
                Mode::BeforeHead => match tag {
                    T::Html if self.tz.attrs.is_empty() => return Ok(()),
                    T::Html => return bail("second <html>"),
                    T::Head => {
                        self.mode = Mode::InHead;
                        return self.insert(tag, name, true);
                    }
                    _ => {
                        self.implied(T::Head, "head")?;
                        self.mode = Mode::InHead;
                    }
                },
                Mode::InHead => match tag {
                    T::Head => return Ok(()),
                    T::Html if self.tz.attrs.is_empty() => return Ok(()),
                    T::Html | T::Template => return bail("unusual tag in head"),
                    T::Base | T::Basefont | T::Bgsound | T::Link | T::Meta => {
                        return self.insert_void(tag, name)
                    }
                    T::Title => return self.raw(tag, name, Raw::Rcdata),
                    T::Noframes | T::Style | T::Noscript => {
                        return self.raw(tag, name, Raw::Rawtext)
                    }
                    T::Script => return self.raw(tag, name, Raw::Script),
                    _ => {
                        self.pop();
                        self.mode = Mode::AfterHead;
                    }
                },
                Mode::AfterHead => match tag {
                    T::Body => {
                        self.mode = Mode::Body;
                        return self.insert(tag, name, true);
                    }
                    T::Head => return Ok(()),
                    T::Html if self.tz.attrs.is_empty() => return Ok(()),
                    T::Html
                    | T::Frameset
                    | T::Base
                    | T::Basefont
                    | T::Bgsound
                    | T::Link
                    | T::Meta
                    | T::Noframes
                    | T::Script
                    | T::Style
                    | T::Template
                    | T::Title => return bail("head content after </head>"),
                    _ => {
                        self.implied(T::Body, "body")?;
                        self.mode = Mode::Body;
                    }
                },
                Mode::AfterBody | Mode::AfterAfterBody => {
                    if tag == T::Html {
                        if self.tz.attrs.is_empty() {
                            return Ok(());
                        }
                        return bail("<html> after the body");
                    }
                    self.mode = Mode::Body;
                }
                Mode::Body => return self.body_start(tag, name),
            }
        }
    }

    fn end(&mut self, name: Cow<'a, str>) -> Result<(), Bail> {
        let tag = classify(&name);
        loop {
            match self.mode {
                Mode::Initial => {
                    self.quirks = Quirks::Yes;
                    self.mode = Mode::BeforeHtml;
                }
                Mode::BeforeHtml => match tag {
                    T::Head | T::Body | T::Html | T::Br => {
                        self.implied(T::Html, "html")?;
                        self.mode = Mode::BeforeHead;
                    }
                    // Ignored: no node changes, so the text around it stays one node.
                    _ => return Ok(()),
                },
                Mode::BeforeHead => match tag {
                    T::Head | T::Body | T::Html | T::Br => {
                        self.implied(T::Head, "head")?;
                        self.mode = Mode::InHead;
                    }
                    _ => return Ok(()),
                },
                Mode::InHead => match tag {
                    T::Head => {
                        self.pop();
                        self.mode = Mode::AfterHead;
                        return Ok(());
                    }
                    T::Body | T::Html | T::Br => {
                        self.pop();
                        self.mode = Mode::AfterHead;
                    }
                    _ => return Ok(()),
                },
                Mode::AfterHead => match tag {
                    T::Body | T::Html | T::Br => {
                        self.implied(T::Body, "body")?;
                        self.mode = Mode::Body;
                    }
                    _ => return Ok(()),
                },
                Mode::AfterBody => {
                    if tag == T::Html {
                        self.mode = Mode::AfterAfterBody;
                        return Ok(());
                    }
                    self.mode = Mode::Body;
                }
                Mode::AfterAfterBody => self.mode = Mode::Body,
                Mode::Body => return self.body_end(tag, name),
            }
        }
    }
}
