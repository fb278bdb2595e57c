//! Character references (`&amp;`, `&#x41;`, `&notin;`), decoded exactly as html5ever's
//! tokenizer decodes them, with the same named-entity table (`markup5ever::data`, which holds
//! every entity name and every prefix of one, so the longest match can be found one character
//! at a time). Exactness matters here: the fast path must give the same text and the same
//! `href`s as the html5ever-based path.

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use std::borrow::Cow;

/// `raw` with its character references decoded. `in_attribute` selects the attribute-value
/// rules (a legacy reference without `;` followed by `=` or an alphanumeric stays literal).
pub(super) fn decode(raw: &str, in_attribute: bool) -> Cow<'_, str> {
    match memchr::memchr(b'&', raw.as_bytes()) {
        None => Cow::Borrowed(raw),
        Some(first) => {
            let mut out = String::with_capacity(raw.len());
            decode_from(&mut out, raw, first, in_attribute);
            Cow::Owned(out)
        }
    }
}

/// Appends `raw`, decoded, to `out`.
pub(super) fn decode_into(out: &mut String, raw: &str, in_attribute: bool) {
    match memchr::memchr(b'&', raw.as_bytes()) {
        None => out.push_str(raw),
        Some(first) => decode_from(out, raw, first, in_attribute),
    }
}

fn decode_from(out: &mut String, raw: &str, first: usize, in_attribute: bool) {
    let bytes = raw.as_bytes();
    let mut copied = 0;
    let mut at = first;
    loop {
        out.push_str(&raw[copied..at]);
        let (consumed, chars) = char_ref(&raw[at + 1..], in_attribute);
        match chars {
            Some((c1, c2)) => {
                out.push(c1);
                if let Some(c2) = c2 {
                    out.push(c2);
                }
                copied = at + 1 + consumed;
            }
            None => {
                out.push('&');
                copied = at + 1;
            }
        }
        match memchr::memchr(b'&', &bytes[copied..]) {
            Some(next) => at = copied + next,
            None => break,
        }
    }
    out.push_str(&raw[copied..]);
}

type Decoded = Option<(char, Option<char>)>;

/// Decodes the reference whose text follows a `&`. Returns how many bytes of `rest` it used
/// and the characters, or `None` when `&` is literal (then nothing is used).
fn char_ref(rest: &str, in_attribute: bool) -> (usize, Decoded) {
    let bytes = rest.as_bytes();
    match bytes.first() {
        Some(b'#') => numeric(rest),
        Some(b) if b.is_ascii_alphanumeric() => named(rest, in_attribute),
        _ => (0, None),
    }
}

fn numeric(rest: &str) -> (usize, Decoded) {
    let bytes = rest.as_bytes();
    let (base, mut i) = match bytes.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let digits_start = i;
    let mut num: u32 = 0;
    let mut too_big = false;
    while let Some(d) = bytes.get(i).and_then(|&b| (b as char).to_digit(base)) {
        num = num.wrapping_mul(base);
        if num > 0x10FFFF {
            too_big = true;
        }
        num = num.wrapping_add(d);
        i += 1;
    }
    if i == digits_start {
        // `&#` or `&#x` without digits: everything stays literal.
        return (0, None);
    }
    if bytes.get(i) == Some(&b';') {
        i += 1;
    }
    let c = match num {
        n if n > 0x10FFFF || too_big => '\u{FFFD}',
        0 | 0xD800..=0xDFFF => '\u{FFFD}',
        0x80..=0x9F => C1_REPLACEMENTS[(num - 0x80) as usize]
            .unwrap_or_else(|| char::from_u32(num).unwrap_or('\u{FFFD}')),
        n => char::from_u32(n).unwrap_or('\u{FFFD}'),
    };
    (i, Some((c, None)))
}

fn named(rest: &str, in_attribute: bool) -> (usize, Decoded) {
    // Grow the name one character at a time while it is an entity or a prefix of one; the
    // longest full entity seen wins.
    let mut matched: Option<(usize, (u32, u32))> = None;
    for (i, c) in rest.char_indices() {
        let candidate = &rest[..i + c.len_utf8()];
        match NAMED_ENTITIES.get(candidate) {
            Some(&m) if m.0 != 0 => matched = Some((candidate.len(), m)),
            Some(_) => {}
            None => break,
        }
    }
    let Some((len, (c1, c2))) = matched else {
        return (0, None);
    };
    let last_matched = rest.as_bytes()[len - 1];
    let next_after = rest[len..].chars().next();
    if in_attribute && last_matched != b';' {
        if let Some(n) = next_after {
            if n == '=' || n.is_ascii_alphanumeric() {
                return (0, None);
            }
        }
    }
    let first = char::from_u32(c1).unwrap_or('\u{FFFD}');
    let second = (c2 != 0).then(|| char::from_u32(c2).unwrap_or('\u{FFFD}'));
    (len, Some((first, second)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_html5ever() {
        assert_eq!(decode("a &amp; b", false), "a & b");
        assert_eq!(
            decode("&lt;&gt;&quot;&#39;&#x41;&#X42;&#67", false),
            "<>\"'ABC"
        );
        assert_eq!(decode("&notit;", false), "\u{AC}it;");
        assert_eq!(decode("&notin;", false), "\u{2209}");
        assert_eq!(decode("&copy2024", false), "\u{A9}2024");
        assert_eq!(decode("?a=1&copy=2", true), "?a=1&copy=2");
        assert_eq!(decode("?a=1&copy;=2", true), "?a=1\u{A9}=2");
        assert_eq!(decode("x&amp", true), "x&");
        assert_eq!(
            decode("&#0;&#x110000;&#xD800;&#128;", false),
            "\u{FFFD}\u{FFFD}\u{FFFD}\u{20AC}"
        );
        assert_eq!(
            decode("& &# &#x &#xg &foo; &", false),
            "& &# &#x &#xg &foo; &"
        );
        assert_eq!(decode("&NotEqualTilde;", false), "\u{2242}\u{338}");
    }
}
