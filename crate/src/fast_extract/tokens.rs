//! The HTML tokenizer of the fast path: a byte scanner over the decoded page that follows
//! the WHATWG tokenizer states html5ever implements (tag names and attributes with every
//! quoting form, duplicate attributes dropped, comments with their odd endings, bogus
//! comments, DOCTYPE, RCDATA/RAWTEXT/script data up to the appropriate end tag), but finds
//! the next `<` with `memchr` and hands out slices of the input instead of building tokens
//! character by character. Character references are decoded only where a value is used.
//!
//! Input it does not model exactly ends the fast path with a [`Bail`]: end of input inside
//! markup, and script data containing `<!--` (the escaped script states), and a tag with
//! more than [`MAX_ATTRS`] attributes (the duplicate check is quadratic; the scraper path
//! trims such tags first, with [`Tokenizer::prescan`]).

use super::Bail;
use crate::extract::budget::MAX_ATTRS;
use std::borrow::Cow;
use std::ops::Range;

/// An attribute of the current tag: the name lower-cased, the value as written (quotes
/// removed, character references not yet decoded).
#[derive(Debug, Clone)]
pub(super) struct Attr<'a> {
    pub name: Cow<'a, str>,
    pub raw_value: &'a str,
}

impl<'a> Attr<'a> {
    pub fn value(&self) -> Cow<'a, str> {
        super::entities::decode(self.raw_value, true)
    }
}

#[derive(Debug)]
pub(super) enum Token<'a> {
    /// Data-state text (character references not decoded).
    Text(&'a str),
    /// A start tag; its attributes are in [`Tokenizer::attrs`].
    Start(Cow<'a, str>),
    End(Cow<'a, str>),
    Comment,
    /// A DOCTYPE; `standard` is `<!DOCTYPE html>` with no identifiers (no-quirks mode).
    Doctype {
        standard: bool,
    },
}

pub(super) struct Tokenizer<'a> {
    src: &'a str,
    pos: usize,
    /// The attributes of the last start tag returned.
    pub attrs: Vec<Attr<'a>>,
    /// Pre-scan mode: the byte ranges of attributes past [`MAX_ATTRS`], to be cut before
    /// html5ever reads the page, instead of a bail.
    trims: Option<Vec<Range<usize>>>,
    /// In pre-scan mode, where the attributes past the budget of the tag being read start.
    over_from: Option<usize>,
    /// The `<` of the last markup read.
    markup_start: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b' ')
}

/// The raw-text kinds: how the content of `<title>`, `<style>`, `<script>`... is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Raw {
    /// `title`, `textarea`: character references are decoded.
    Rcdata,
    /// `style`, `xmp`, `iframe`, `noembed`, `noframes`, `noscript`.
    Rawtext,
    Script,
}

impl<'a> Tokenizer<'a> {
    pub fn new(src: &'a str) -> Self {
        // html5ever drops one leading byte order mark.
        let pos = if src.starts_with('\u{FEFF}') { 3 } else { 0 };
        Tokenizer {
            src,
            pos,
            attrs: Vec::with_capacity(8),
            trims: None,
            over_from: None,
            markup_start: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    /// The next token, or `None` at the end of the input.
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, Bail> {
        let bytes = self.bytes();
        let mut start = self.pos;
        let mut search = start;
        loop {
            let Some(off) = memchr::memchr(b'<', &bytes[search..]) else {
                self.pos = bytes.len();
                return Ok((start < bytes.len()).then(|| Token::Text(&self.src[start..])));
            };
            let lt = search + off;
            let markup = match bytes.get(lt + 1) {
                Some(b) if b.is_ascii_alphabetic() || matches!(b, b'!' | b'?') => true,
                Some(b'/') => match bytes.get(lt + 2) {
                    Some(b'>') => {
                        // `</>` is dropped entirely; the text around it is one run.
                        self.pos = lt + 3;
                        if lt > start {
                            return Ok(Some(Token::Text(&self.src[start..lt])));
                        }
                        start = self.pos;
                        search = start;
                        continue;
                    }
                    Some(_) => true,
                    None => return Err(Bail("end of input after </")),
                },
                // `<` followed by anything else (or the end) is text.
                _ => false,
            };
            if !markup {
                search = lt + 1;
                continue;
            }
            if lt > start {
                self.pos = lt;
                return Ok(Some(Token::Text(&self.src[start..lt])));
            }
            return self.markup(lt).map(Some);
        }
    }

    /// Reads the markup starting at `<` at `lt`.
    fn markup(&mut self, lt: usize) -> Result<Token<'a>, Bail> {
        let bytes = self.bytes();
        self.markup_start = lt;
        match bytes[lt + 1] {
            b'!' => {
                let rest = &bytes[lt + 2..];
                if rest.starts_with(b"--") {
                    self.pos = lt + 4 + comment_len(&bytes[lt + 4..])?;
                    Ok(Token::Comment)
                } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"doctype") {
                    let body_start = lt + 9;
                    let end = body_start + find_gt(&bytes[body_start..])?;
                    self.pos = end + 1;
                    Ok(Token::Doctype {
                        standard: standard_doctype(&self.src[body_start..end]),
                    })
                } else {
                    self.bogus_comment(lt + 2)
                }
            }
            b'?' => self.bogus_comment(lt + 1),
            b'/' => {
                if bytes[lt + 2].is_ascii_alphabetic() {
                    let name = self.tag(lt + 2)?;
                    Ok(Token::End(name))
                } else {
                    self.bogus_comment(lt + 2)
                }
            }
            _ => {
                let name = self.tag(lt + 1)?;
                Ok(Token::Start(name))
            }
        }
    }

    fn bogus_comment(&mut self, from: usize) -> Result<Token<'a>, Bail> {
        self.pos = from + find_gt(&self.bytes()[from..])? + 1;
        Ok(Token::Comment)
    }

    /// Reads a tag name at `at` and its attributes (into `self.attrs`), up to and including
    /// the closing `>`. Self-closing flags are read and dropped: the tree builder ignores
    /// them on HTML elements.
    fn tag(&mut self, at: usize) -> Result<Cow<'a, str>, Bail> {
        let bytes = self.bytes();
        let mut i = at;
        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
            i += 1;
        }
        let name = lowercase(&self.src[at..i]);
        self.attrs.clear();
        self.pos = self.attributes(i)?;
        Ok(name)
    }

    /// The attribute states, from just after a tag name to just after the tag's `>`.
    /// Returns the position after `>`.
    fn attributes(&mut self, mut i: usize) -> Result<usize, Bail> {
        let bytes = self.bytes();
        let at = |i: usize| bytes.get(i).copied().ok_or(Bail("end of input in a tag"));
        let mut count = 0;
        // Where the attributes past the budget start (pre-scan mode only; the fast path
        // bails there). Kept in a local: this loop is the tokenizer's hottest.
        let mut over: Option<usize> = None;
        if self.trims.is_some() {
            self.over_from = None;
        }
        loop {
            // Before attribute name.
            let mut b = at(i)?;
            while is_space(b) || b == b'/' {
                i += 1;
                b = at(i)?;
            }
            if b == b'>' {
                if let (Some(from), Some(trims)) = (over, &mut self.trims) {
                    trims.push(from..i);
                    self.over_from = None;
                }
                return Ok(i + 1);
            }
            // Attribute name: the first character is taken whatever it is (even `=`).
            let name_start = i;
            count += 1;
            if count > MAX_ATTRS {
                self.past_the_budget(name_start, &mut over)?;
            }
            i += 1;
            loop {
                let b = at(i)?;
                if is_space(b) || b == b'/' || b == b'>' || b == b'=' {
                    break;
                }
                i += 1;
            }
            let name = lowercase(&self.src[name_start..i]);
            // After attribute name.
            let mut b = at(i)?;
            while is_space(b) {
                i += 1;
                b = at(i)?;
            }
            let mut value = "";
            if b == b'=' {
                i += 1;
                let mut b = at(i)?;
                while is_space(b) {
                    i += 1;
                    b = at(i)?;
                }
                match b {
                    b'"' | b'\'' => {
                        let end = find_byte(b, &bytes[i + 1..])
                            .ok_or(Bail("end of input in an attribute value"))?;
                        value = &self.src[i + 1..i + 1 + end];
                        i += end + 2;
                    }
                    b'>' => {}
                    _ => {
                        let start = i;
                        while !is_space(at(i)?) && bytes[i] != b'>' {
                            i += 1;
                        }
                        value = &self.src[start..i];
                    }
                }
            }
            if count <= MAX_ATTRS && !has_attr(&self.attrs, &name) {
                self.attrs.push(Attr {
                    name,
                    raw_value: value,
                });
            }
        }
    }

    /// An attribute past [`MAX_ATTRS`] starts at `name_start`: a bail, or in pre-scan mode
    /// the start of what is cut. Out of line: it keeps the attribute loop small.
    #[cold]
    #[inline(never)]
    fn past_the_budget(&mut self, name_start: usize, over: &mut Option<usize>) -> Result<(), Bail> {
        if self.trims.is_none() {
            return Err(Bail("a tag with more attributes than the budget"));
        }
        if over.is_none() {
            *over = Some(name_start);
            self.over_from = *over;
        }
        Ok(())
    }

    /// The content of a raw-text element whose start tag was just read, up to its end tag
    /// (`</name` followed by space, `/` or `>`, ASCII case-insensitively), which is consumed.
    pub fn raw_text(&mut self, name: &str, kind: Raw) -> Result<&'a str, Bail> {
        let bytes = self.bytes();
        let start = self.pos;
        let mut search = start;
        loop {
            let off = memchr::memmem::find(&bytes[search..], b"</")
                .ok_or(Bail("end of input in raw text"))?;
            let lt = search + off;
            let name_end = lt + 2 + name.len();
            let is_end = bytes.len() > name_end
                && bytes[lt + 2..name_end].eq_ignore_ascii_case(name.as_bytes())
                && (is_space(bytes[name_end]) || matches!(bytes[name_end], b'/' | b'>'));
            if !is_end {
                search = lt + 2;
                continue;
            }
            let content = &self.src[start..lt];
            self.markup_start = lt;
            if kind == Raw::Script && memchr::memmem::find(content.as_bytes(), b"<!--").is_some() {
                return Err(Bail("script data with <!--"));
            }
            self.attrs.clear();
            self.pos = self.attributes(name_end)?;
            self.attrs.clear();
            return Ok(content);
        }
    }
}

/// What [`Tokenizer::prescan`] found: attributes to cut, and where to end the page.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Trims {
    /// Byte ranges of attributes past [`MAX_ATTRS`], in order, one per tag.
    pub ranges: Vec<Range<usize>>,
    /// The input ends inside a tag past the budget (html5ever would drop that tag): the
    /// page is to end at its `<`.
    pub end_at: Option<usize>,
}

impl Tokenizer<'_> {
    /// Reads the whole page as html5ever's tokenizer would in HTML content (raw-text
    /// elements read as raw text, except inside `<svg>` and `<math>`) and returns the
    /// attributes past [`MAX_ATTRS`] per tag, which the caller cuts so that html5ever's
    /// quadratic duplicate-attribute check stays bounded. Linear in the page's length.
    pub(crate) fn prescan(src: &str) -> Trims {
        use super::tags::{classify, T};
        let mut tz = Tokenizer::new(src);
        tz.trims = Some(Vec::new());
        let mut foreign = 0usize;
        let mut end_at = None;
        loop {
            let token = match tz.next_token() {
                Ok(Some(token)) => token,
                Ok(None) => break,
                Err(_) => {
                    if tz.over_from.is_some() {
                        end_at = Some(tz.markup_start);
                    }
                    break;
                }
            };
            let (name, start) = match token {
                Token::Start(name) => (name, true),
                Token::End(name) => (name, false),
                _ => continue,
            };
            let tag = classify(&name);
            match tag {
                T::Svg | T::Math if start => foreign += 1,
                T::Svg | T::Math => foreign = foreign.saturating_sub(1),
                T::Plaintext if start && foreign == 0 => break,
                T::Title
                | T::Textarea
                | T::Style
                | T::Script
                | T::Xmp
                | T::Iframe
                | T::Noembed
                | T::Noframes
                | T::Noscript
                    if start && foreign == 0 =>
                {
                    let read = tz.raw_text(&name, Raw::Rawtext);
                    if read.is_err() {
                        if tz.over_from.is_some() {
                            end_at = Some(tz.markup_start);
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
        Trims {
            ranges: tz.trims.unwrap_or_default(),
            end_at,
        }
    }
}

/// The duplicate check (a loop the compiler keeps inline; tags have few attributes).
#[inline(always)]
fn has_attr(attrs: &[Attr<'_>], name: &str) -> bool {
    for a in attrs {
        if a.name == name {
            return true;
        }
    }
    false
}

fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// `memchr`, with a plain loop first: attribute values are mostly short, and there the
/// loop wins over memchr's set-up.
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(16);
    match hay[..head].iter().position(|&b| b == needle) {
        Some(i) => Some(i),
        None => memchr::memchr(needle, &hay[head..]).map(|i| i + head),
    }
}

fn find_gt(bytes: &[u8]) -> Result<usize, Bail> {
    memchr::memchr(b'>', bytes).ok_or(Bail("end of input in markup"))
}

/// The length of a comment's text plus its closing delimiter, for `rest` just after `<!--`:
/// `<!-->` and `<!--->` are complete, otherwise the first `-->` or `--!>` ends it.
fn comment_len(rest: &[u8]) -> Result<usize, Bail> {
    if rest.starts_with(b">") {
        return Ok(1);
    }
    if rest.starts_with(b"->") {
        return Ok(2);
    }
    let a = memchr::memmem::find(rest, b"-->").map(|i| i + 3);
    let b = memchr::memmem::find(rest, b"--!>").map(|i| i + 4);
    match (a, b) {
        (Some(a), Some(b)) => Ok(if a - 3 < b - 4 { a } else { b }),
        (Some(x), None) | (None, Some(x)) => Ok(x),
        (None, None) => Err(Bail("end of input in a comment")),
    }
}

/// `<!DOCTYPE html>` exactly (any case, spaces around the name): no-quirks mode.
fn standard_doctype(body: &str) -> bool {
    body.starts_with([' ', '\t', '\n', '\x0C'])
        && body
            .trim_matches([' ', '\t', '\n', '\x0C'])
            .eq_ignore_ascii_case("html")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> Vec<String> {
        let mut t = Tokenizer::new(src);
        let mut out = Vec::new();
        while let Some(tok) = t.next_token().unwrap() {
            out.push(match tok {
                Token::Text(s) => format!("T({s})"),
                Token::Start(n) => {
                    let attrs: Vec<String> = t
                        .attrs
                        .iter()
                        .map(|a| format!("{}={}", a.name, a.value()))
                        .collect();
                    format!("S({n} {})", attrs.join(" "))
                }
                Token::End(n) => format!("E({n})"),
                Token::Comment => "C".into(),
                Token::Doctype { standard } => format!("D({standard})"),
            });
        }
        out
    }

    #[test]
    fn tags_attributes_and_comments() {
        assert_eq!(
            tokens(
                "<!DOCTYPE html><A HREF=x&amp;y title='a>b'c=\"d\"/>t</a><!-- x --><!--->y<?pi>"
            ),
            [
                "D(true)",
                "S(a href=x&y title=a>b c=d)",
                "T(t)",
                "E(a)",
                "C",
                "C",
                "T(y)",
                "C"
            ]
        );
        assert_eq!(tokens("a < b <3 </> c"), ["T(a < b <3 )", "T( c)"]);
        assert_eq!(tokens("<a b b=2 =c d = 'e'>"), ["S(a b= =c= d=e)"]);
        assert_eq!(
            tokens("</ x>y<!x>z<!-- a --!> b -->"),
            ["C", "T(y)", "C", "T(z)", "C", "T( b -->)"]
        );
    }

    #[test]
    fn raw_text_ends_at_the_appropriate_end_tag() {
        let mut t = Tokenizer::new("<title>a</b></titles></TITLE x=\">\">rest");
        assert!(matches!(t.next_token().unwrap(), Some(Token::Start(_))));
        assert_eq!(t.raw_text("title", Raw::Rcdata).unwrap(), "a</b></titles>");
        assert!(matches!(t.next_token().unwrap(), Some(Token::Text("rest"))));
    }
}
