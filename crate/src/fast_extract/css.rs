//! The subset of CSS selectors the fast path matches itself: type and universal selectors,
//! `.class`, `#id`, attribute selectors (`[a]`, `=`, `~=`, `|=`, `^=`, `$=`, `*=`, with the
//! `i`/`s` flags), descendant and child combinators, and selector lists. That covers what
//! people write for fields (`title`, `h1`, `span.price`, `div.product > a[href]`).
//!
//! Matching follows the `selectors` crate as scraper configures it: documents are never in
//! quirks mode (class and id match case-sensitively), type and attribute names are
//! ASCII-lowercased, and the attributes HTML lists as case-insensitive (`type`, `rel`, ...)
//! match their values ASCII-case-insensitively. Anything else (pseudo-classes, sibling
//! combinators, namespaces, escapes, comments) is not parsed: [`SelectorList::parse`]
//! returns `None` and the spec keeps using scraper.

use std::borrow::Cow;

/// What the matcher needs to know: element `i` of a path from the root, with its
/// ancestors at `0..i`.
pub(super) trait Path {
    /// The lower-case tag name.
    fn name(&self, i: usize) -> &str;
    /// The (first) attribute with exactly this name, decoded.
    fn attr(&self, i: usize, name: &str) -> Option<Cow<'_, str>>;
}

/// A comma-separated list of selectors; an element matches if any selector matches.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SelectorList(Vec<Complex>);

/// Compounds joined by combinators, leftmost first.
#[derive(Debug, Clone, PartialEq)]
struct Complex {
    compounds: Vec<Compound>,
    /// `combinators[i]` sits between `compounds[i]` and `compounds[i + 1]`.
    combinators: Vec<Combinator>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Combinator {
    Descendant,
    Child,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Compound {
    /// Lower-case type name; `None` for `*` or no type.
    tag: Option<String>,
    ids: Vec<String>,
    classes: Vec<String>,
    attrs: Vec<AttrSelector>,
}

#[derive(Debug, Clone, PartialEq)]
struct AttrSelector {
    /// Lower-case name.
    name: String,
    test: Option<(Operator, String, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operator {
    Equal,
    Includes,
    DashMatch,
    Prefix,
    Suffix,
    Substring,
}

/// HTML attributes whose values selectors match ASCII-case-insensitively (the `selectors`
/// crate's list, from the HTML standard).
fn case_insensitive_attribute(name: &str) -> bool {
    matches!(
        name,
        "accept"
            | "accept-charset"
            | "align"
            | "alink"
            | "axis"
            | "bgcolor"
            | "charset"
            | "checked"
            | "clear"
            | "codetype"
            | "color"
            | "compact"
            | "declare"
            | "defer"
            | "dir"
            | "direction"
            | "disabled"
            | "enctype"
            | "face"
            | "frame"
            | "hreflang"
            | "http-equiv"
            | "lang"
            | "language"
            | "link"
            | "media"
            | "method"
            | "multiple"
            | "nohref"
            | "noresize"
            | "noshade"
            | "nowrap"
            | "readonly"
            | "rel"
            | "rev"
            | "rules"
            | "scope"
            | "scrolling"
            | "selected"
            | "shape"
            | "target"
            | "text"
            | "type"
            | "valign"
            | "valuetype"
            | "vlink"
    )
}

fn is_css_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80
}

struct Cursor<'s> {
    s: &'s str,
    pos: usize,
}

impl<'s> Cursor<'s> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_css_space) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn ident(&mut self) -> Option<&'s str> {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_byte) {
            self.pos += 1;
        }
        let ident = &self.s[start..self.pos];
        // A CSS identifier does not start with a digit, or with `-` and a digit.
        let b = ident.as_bytes();
        let valid = match b {
            [] => false,
            [d, ..] if d.is_ascii_digit() => false,
            [b'-', d, ..] if d.is_ascii_digit() => false,
            [b'-'] => false,
            _ => true,
        };
        valid.then_some(ident)
    }

    fn string(&mut self) -> Option<&'s str> {
        let quote = self.peek()?;
        let rest = &self.s[self.pos + 1..];
        let end = rest.find(quote as char)?;
        let value = &rest[..end];
        if value.contains(['\\', '\n', '\r', '\x0C']) {
            return None;
        }
        self.pos += end + 2;
        Some(value)
    }
}

impl SelectorList {
    /// Parses `css` if every part of it is in the supported subset.
    pub(super) fn parse(css: &str) -> Option<SelectorList> {
        let mut c = Cursor { s: css, pos: 0 };
        let mut list = Vec::new();
        loop {
            c.skip_space();
            list.push(parse_complex(&mut c)?);
            c.skip_space();
            match c.peek() {
                None => break,
                Some(b',') => c.pos += 1,
                Some(_) => return None,
            }
        }
        Some(SelectorList(list))
    }

    /// Whether element `i` of `path` matches.
    pub(super) fn matches<P: Path>(&self, path: &P, i: usize) -> bool {
        self.0.iter().any(|s| s.matches(path, i))
    }
}

fn parse_complex(c: &mut Cursor) -> Option<Complex> {
    let mut compounds = vec![parse_compound(c)?];
    let mut combinators = Vec::new();
    loop {
        let spaced = c.skip_space();
        match c.peek() {
            None | Some(b',') => break,
            Some(b'>') => {
                c.pos += 1;
                c.skip_space();
                combinators.push(Combinator::Child);
            }
            Some(_) if spaced => combinators.push(Combinator::Descendant),
            Some(_) => return None,
        }
        compounds.push(parse_compound(c)?);
    }
    Some(Complex {
        compounds,
        combinators,
    })
}

fn parse_compound(c: &mut Cursor) -> Option<Compound> {
    let mut compound = Compound::default();
    let mut any = false;
    match c.peek()? {
        b'*' => {
            c.pos += 1;
            any = true;
        }
        b if is_ident_byte(b) => {
            compound.tag = Some(c.ident()?.to_ascii_lowercase());
            any = true;
        }
        _ => {}
    }
    loop {
        match c.peek() {
            Some(b'.') => {
                c.pos += 1;
                compound.classes.push(c.ident()?.to_string());
            }
            Some(b'#') => {
                c.pos += 1;
                // An id is a hash token of the "id" type: a valid identifier.
                compound.ids.push(c.ident()?.to_string());
            }
            Some(b'[') => {
                c.pos += 1;
                compound.attrs.push(parse_attr(c)?);
            }
            _ => break,
        }
        any = true;
    }
    any.then_some(compound)
}

fn parse_attr(c: &mut Cursor) -> Option<AttrSelector> {
    c.skip_space();
    let name = c.ident()?.to_ascii_lowercase();
    c.skip_space();
    let op = match c.peek()? {
        b']' => {
            c.pos += 1;
            return Some(AttrSelector { name, test: None });
        }
        b'=' => Operator::Equal,
        b'~' => Operator::Includes,
        b'|' => Operator::DashMatch,
        b'^' => Operator::Prefix,
        b'$' => Operator::Suffix,
        b'*' => Operator::Substring,
        _ => return None,
    };
    c.pos += 1;
    if op != Operator::Equal {
        if c.peek()? != b'=' {
            return None;
        }
        c.pos += 1;
    }
    c.skip_space();
    let value = match c.peek()? {
        b'"' | b'\'' => c.string()?,
        _ => c.ident()?,
    };
    c.skip_space();
    let case_insensitive = match c.peek()? {
        b']' => case_insensitive_attribute(&name),
        b'i' | b'I' => {
            c.pos += 1;
            true
        }
        b's' | b'S' => {
            c.pos += 1;
            false
        }
        _ => return None,
    };
    c.skip_space();
    if c.peek()? != b']' {
        return None;
    }
    c.pos += 1;
    Some(AttrSelector {
        name,
        test: Some((op, value.to_string(), case_insensitive)),
    })
}

impl Complex {
    fn matches<P: Path>(&self, path: &P, i: usize) -> bool {
        let n = self.compounds.len();
        self.compounds[n - 1].matches(path, i) && self.match_from(n - 1, path, i)
    }

    /// Compounds `..k` against the ancestors of element `i` (the combinator before
    /// compound `k` says which).
    fn match_from<P: Path>(&self, k: usize, path: &P, i: usize) -> bool {
        if k == 0 {
            return true;
        }
        let compound = &self.compounds[k - 1];
        match self.combinators[k - 1] {
            Combinator::Child => {
                i > 0 && compound.matches(path, i - 1) && self.match_from(k - 1, path, i - 1)
            }
            Combinator::Descendant => (0..i)
                .rev()
                .any(|a| compound.matches(path, a) && self.match_from(k - 1, path, a)),
        }
    }
}

impl Compound {
    fn matches<P: Path>(&self, path: &P, i: usize) -> bool {
        if self.tag.as_deref().is_some_and(|t| t != path.name(i)) {
            return false;
        }
        if !self.ids.is_empty() {
            let Some(id) = path.attr(i, "id") else {
                return false;
            };
            if self.ids.iter().any(|x| *x != id) {
                return false;
            }
        }
        if !self.classes.is_empty() {
            let Some(class) = path.attr(i, "class") else {
                return false;
            };
            let has = |c: &String| class.split_ascii_whitespace().any(|k| k == c);
            if !self.classes.iter().all(has) {
                return false;
            }
        }
        self.attrs.iter().all(|a| a.matches(path, i))
    }
}

impl AttrSelector {
    fn matches<P: Path>(&self, path: &P, i: usize) -> bool {
        let Some(value) = path.attr(i, &self.name) else {
            return false;
        };
        let Some((op, s, ci)) = &self.test else {
            return true;
        };
        let e = value.as_bytes();
        let s = s.as_bytes();
        let eq = |a: &[u8], b: &[u8]| {
            if *ci {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match op {
            Operator::Equal => eq(e, s),
            Operator::Prefix => !s.is_empty() && e.len() >= s.len() && eq(&e[..s.len()], s),
            Operator::Suffix => {
                !s.is_empty() && e.len() >= s.len() && eq(&e[e.len() - s.len()..], s)
            }
            Operator::Substring => {
                !s.is_empty() && e.len() >= s.len() && e.windows(s.len()).any(|w| eq(w, s))
            }
            Operator::Includes => {
                !s.is_empty()
                    && value
                        .split([' ', '\t', '\n', '\r', '\x0C'])
                        .any(|part| eq(part.as_bytes(), s))
            }
            Operator::DashMatch => {
                eq(e, s) || (e.get(s.len()) == Some(&b'-') && eq(&e[..s.len()], s))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Els(Vec<(&'static str, Vec<(&'static str, &'static str)>)>);
    impl Path for Els {
        fn name(&self, i: usize) -> &str {
            self.0[i].0
        }
        fn attr(&self, i: usize, name: &str) -> Option<Cow<'_, str>> {
            self.0[i]
                .1
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| Cow::Borrowed(*v))
        }
    }

    #[test]
    fn parses_the_subset_only() {
        for ok in [
            "title",
            "h1",
            "DIV",
            "*",
            "a[href]",
            "span.price",
            "#main",
            "div.a.b > p",
            "ul li a",
            "a[href^='mailto:x@y']",
            "[lang|=en]",
            "a[HREF$=\".pdf\" i]",
            "a, b",
            "a[rel~=next]",
            "div>p",
            "meta[http-equiv=refresh]",
        ] {
            assert!(SelectorList::parse(ok).is_some(), "{ok}");
        }
        for unsupported in [
            "a:first-child",
            "a + b",
            "a ~ b",
            "svg|a",
            "a\\:b",
            ":not(a)",
            "a::before",
            "[x=\"a\\\"b\"]",
            "a /* c */",
            "#1a",
            "a >",
            "",
        ] {
            assert!(SelectorList::parse(unsupported).is_none(), "{unsupported}");
        }
    }

    #[test]
    fn matches_like_selectors() {
        let path = Els(vec![
            ("html", vec![]),
            ("div", vec![("class", "product  card"), ("id", "p1")]),
            ("span", vec![("class", "price"), ("type", "MONEY")]),
        ]);
        let m = |css: &str| SelectorList::parse(css).unwrap().matches(&path, 2);
        assert!(m("span"));
        assert!(m("div span.price"));
        assert!(m("div.card > span"));
        assert!(m("html > div > span"));
        assert!(m("html span"));
        assert!(!m("html > span"));
        assert!(m("#p1 .price"));
        assert!(!m("#P1 .price"));
        assert!(m("[type=money]"), "type is matched case-insensitively");
        assert!(!m("[class=PRICE]"));
        assert!(m("[class=PRICE i]"));
        assert!(m("[class^=pr]") && m("[class$=ce]") && m("[class*=ic]"));
        assert!(!m("[class^='']"));
        assert!(m("p, span"));
    }
}
