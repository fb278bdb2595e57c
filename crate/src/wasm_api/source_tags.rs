//! Where elements came from in the HTML source, for the selector tester's highlighting.
//!
//! html5ever builds a DOM but keeps no source positions, so this module finds them another
//! way: a light scan of the source lists every start tag (`<name ...>`), skipping comments,
//! doctypes, end tags and the contents of raw-text elements (`<script>`, `<style>`,
//! `<textarea>`, `<title>`, ...). The k-th element named `x` in document order is then taken
//! to be the k-th `<x` start tag of the source.
//!
//! That holds for ordinary markup. It does not hold for elements the parser invents or moves:
//! implied `<html>`, `<head>`, `<body>`, `<tbody>` (no tag in the source: no position),
//! formatting elements re-opened by misnested markup (`<b><p></b>`), content foster-parented
//! out of tables, or `<title>` inside `<svg>` (not raw text there). Such elements, and any
//! element after them with the same name, may get no position or a wrong one.

use std::collections::HashMap;

/// A start tag in the source: offsets in UTF-16 code units (JavaScript string indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSpan {
    pub start: usize,
    pub end: usize,
}

/// Elements whose content is text, not markup, up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
];

/// The start tags of `html`, grouped by lower-case name, each group in source order.
pub fn start_tags(html: &str) -> HashMap<String, Vec<TagSpan>> {
    let b = html.as_bytes();
    let mut tags: HashMap<String, Vec<TagSpan>> = HashMap::new();
    // Byte offset -> UTF-16 offset, advanced monotonically.
    let mut units = Utf16Cursor::default();
    let mut i = 0;
    while let Some(lt) = find_byte(b, i, b'<') {
        let next = b.get(lt + 1).copied();
        i = match next {
            Some(b'!') if b[lt + 2..].starts_with(b"--") => {
                // `<!-->` and `<!--->` are complete (empty) comments.
                let body = lt + 4;
                if b[body..].starts_with(b">") {
                    body + 1
                } else if b[body..].starts_with(b"->") {
                    body + 2
                } else {
                    find(b, body, b"-->").map_or(b.len(), |p| p + 3)
                }
            }
            Some(b'!' | b'?' | b'/') => find_byte(b, lt + 1, b'>').map_or(b.len(), |p| p + 1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_end = (lt + 1..b.len())
                    .find(|&j| matches!(b[j], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'))
                    .unwrap_or(b.len());
                let name = html[lt + 1..name_end].to_ascii_lowercase();
                let end = tag_end(b, name_end);
                let span = TagSpan {
                    start: units.at(html, lt),
                    end: units.at(html, end),
                };
                let after = if name == "plaintext" {
                    b.len()
                } else if RAW_TEXT.contains(&name.as_str()) {
                    find_end_tag(b, end, &name).unwrap_or(b.len())
                } else {
                    end
                };
                tags.entry(name).or_default().push(span);
                after
            }
            _ => lt + 1,
        };
    }
    tags
}

/// The byte after the `>` closing a start tag whose name ends at `from`; quoted attribute
/// values may contain `>`.
fn tag_end(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'>' => return j + 1,
            b'=' => {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if let Some(&q @ (b'"' | b'\'')) = b.get(j) {
                    j = find_byte(b, j + 1, q).map_or(b.len(), |p| p + 1);
                }
            }
            _ => j += 1,
        }
    }
    b.len()
}

/// Where `</name` (any case) starts, at or after `from`.
fn find_end_tag(b: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut i = from;
    while let Some(p) = find(b, i, b"</") {
        let candidate = &b[p + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return Some(p);
        }
        i = p + 2;
    }
    None
}

fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == needle)
        .map(|p| p + from)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Converts increasing byte offsets to UTF-16 offsets in one pass over the text.
#[derive(Default)]
struct Utf16Cursor {
    byte: usize,
    unit: usize,
}

impl Utf16Cursor {
    fn at(&mut self, text: &str, byte: usize) -> usize {
        debug_assert!(byte >= self.byte);
        self.unit += text[self.byte..byte].encode_utf16().count();
        self.byte = byte;
        self.unit
    }
}
