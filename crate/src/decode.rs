//! Turning a fetched body into text: which charset it is in, decoding it, and whether it
//! is HTML at all.
//!
//! The charset is chosen the way browsers choose it (HTML spec, "determining the
//! character encoding"), because pages are written to look right in browsers, not to be
//! correct: a byte order mark wins, then the `charset` of the `Content-Type` header, then a
//! `<meta charset>` or `<meta http-equiv="Content-Type">` found by the spec's prescan of the
//! first 1024 bytes, and finally UTF-8. Labels go through `encoding_rs`'s
//! [`Encoding::for_label`], so the WHATWG aliases (`gb2312` -> GBK, `x-sjis` ->
//! Shift_JIS, `latin1` -> windows-1252, ...) behave as in browsers.
//!
//! Decoding never fails: malformed sequences become U+FFFD. The functions take the raw
//! `Content-Type` value rather than a parsed type so that both shells (reqwest headers and
//! the browser's `Headers`) can pass what they have without a shared header type.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};

/// How many bytes the `<meta>` prescan looks at, per the HTML spec.
const PRESCAN_BYTES: usize = 1024;
/// How many bytes [`is_html`] searches for `<head`/`<body` when there is no header.
const SNIFF_BYTES: usize = 512;

/// The encoding to decode `body` with, given the response's `Content-Type` header value.
pub fn sniff_charset(content_type: Option<&str>, body: &[u8]) -> &'static Encoding {
    if let Some((encoding, _bom_len)) = Encoding::for_bom(body) {
        return encoding;
    }
    if let Some(encoding) = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
    {
        return usable(encoding);
    }
    if let Some(encoding) = prescan(&body[..body.len().min(PRESCAN_BYTES)]) {
        return encoding;
    }
    UTF_8
}

/// Decodes `body` as text with the encoding [`sniff_charset`] picks; a BOM is removed and
/// malformed input becomes U+FFFD. Borrows `body` when it is already valid UTF-8.
pub fn decode_html<'a>(
    content_type: Option<&str>,
    body: &'a [u8],
) -> (Cow<'a, str>, &'static Encoding) {
    let encoding = sniff_charset(content_type, body);
    let (text, _had_errors) = encoding.decode_with_bom_removal(body);
    (text, encoding)
}

/// Whether the response is an HTML document worth parsing for links.
///
/// A `Content-Type` of `text/html` or `application/xhtml+xml` says yes and any other
/// concrete type says no. Without a usable header (missing, empty, `unknown/unknown`,
/// `application/unknown`, `*/*`) the body decides: after a BOM and whitespace it starts
/// with `<!doctype html` or `<html`, or its first 512 bytes contain `<head` or `<body`.
pub fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let essence = content_type
        .map(|value| value.split(';').next().unwrap_or("").trim())
        .unwrap_or("");
    let unknown = ["", "unknown/unknown", "application/unknown", "*/*"];
    if !unknown.iter().any(|u| essence.eq_ignore_ascii_case(u)) {
        return essence.eq_ignore_ascii_case("text/html")
            || essence.eq_ignore_ascii_case("application/xhtml+xml");
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    if starts_with_ignore_case(body, b"<!doctype html") || starts_with_ignore_case(body, b"<html") {
        return true;
    }
    let head = &body[..body.len().min(SNIFF_BYTES)];
    find_ignore_case(head, b"<head").is_some() || find_ignore_case(head, b"<body").is_some()
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim();
        let value = match value.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().unwrap_or(""),
            None => value,
        };
        Some(value.trim()).filter(|v| !v.is_empty())
    })
}

/// `x-user-defined` maps bytes 0x80-0xFF to private-use characters, which is never what a
/// page that declares it means; browsers treat it as windows-1252 (the HTML spec does this
/// for `<meta>`, we also do it for the header).
fn usable(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    }
}

/// The HTML spec's "prescan a byte stream to determine its encoding", over `bytes`.
fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.starts_with(b"<!--") {
            // The `--` of `<!--` may also end it: `<!-->` is a complete comment.
            pos += 2 + find(&rest[2..], b"-->")? + 3;
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| is_space(b) || b == b'/')
        {
            pos += 6;
            if let Some(encoding) = meta_charset(bytes, &mut pos)? {
                return Some(encoding);
            }
        } else if rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            // Some other tag: skip its name and attributes so that `<a title="<meta">`
            // is not mistaken for a meta element.
            pos += rest
                .iter()
                .position(|&b| is_space(b) || b == b'>')
                .unwrap_or(rest.len());
            while get_attribute(bytes, &mut pos)?.is_some() {}
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos += find(rest, b">")? + 1;
        } else {
            pos += 1;
        }
    }
    None
}

/// Reads the attributes of a `<meta` element starting at `pos`. Returns `None` when the
/// input ends inside the element, `Some(None)` when the element declares no charset.
fn meta_charset(bytes: &[u8], pos: &mut usize) -> Option<Option<&'static Encoding>> {
    let mut seen_names: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma = None;
    let mut charset = None;
    while let Some((name, value)) = get_attribute(bytes, pos)? {
        if seen_names.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value.eq_ignore_ascii_case(b"content-type"),
            b"content" if charset.is_none() => {
                if let Some(encoding) = charset_from_content(&value) {
                    charset = Some(encoding);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Encoding::for_label(&value);
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen_names.push(name);
    }
    let declared = match need_pragma {
        None => None,
        Some(true) if !got_pragma => None,
        Some(_) => charset,
    };
    Some(declared.map(|encoding| {
        // A document that could be read this far as ASCII is not UTF-16, whatever it says.
        if encoding == UTF_16LE || encoding == UTF_16BE {
            UTF_8
        } else {
            usable(encoding)
        }
    }))
}

/// The HTML spec's "get an attribute" for the prescan. Returns `None` at the end of input,
/// `Some(None)` at the end of the tag, else the lower-cased name and the raw value.
#[allow(clippy::type_complexity)]
fn get_attribute(bytes: &[u8], pos: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    let at = |i: usize| bytes.get(i).copied();
    while at(*pos).is_some_and(|b| is_space(b) || b == b'/') {
        *pos += 1;
    }
    if at(*pos)? == b'>' {
        *pos += 1;
        return Some(None);
    }
    let mut name = Vec::new();
    loop {
        let b = at(*pos)?;
        if (b == b'=' && !name.is_empty()) || is_space(b) || b == b'/' || b == b'>' {
            break;
        }
        name.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    while at(*pos).is_some_and(is_space) {
        *pos += 1;
    }
    if at(*pos)? != b'=' {
        return Some(Some((name, Vec::new())));
    }
    *pos += 1;
    while at(*pos).is_some_and(is_space) {
        *pos += 1;
    }
    let mut value = Vec::new();
    match at(*pos)? {
        quote @ (b'"' | b'\'') => {
            *pos += 1;
            loop {
                let b = at(*pos)?;
                *pos += 1;
                if b == quote {
                    break;
                }
                value.push(b.to_ascii_lowercase());
            }
        }
        b'>' => {}
        _ => loop {
            let b = at(*pos)?;
            if is_space(b) || b == b'>' {
                break;
            }
            value.push(b.to_ascii_lowercase());
            *pos += 1;
        },
    }
    Some(Some((name, value)))
}

/// The HTML spec's "extract a character encoding from a meta element" (from `content`).
fn charset_from_content(content: &[u8]) -> Option<&'static Encoding> {
    let mut rest = content;
    loop {
        let at = find_ignore_case(rest, b"charset")?;
        rest = &rest[at + 7..];
        let after_space = trim_start_space(rest);
        if let Some(value) = after_space.strip_prefix(b"=") {
            rest = trim_start_space(value);
            break;
        }
    }
    let label = match rest.first()? {
        &quote @ (b'"' | b'\'') => {
            let inner = &rest[1..];
            &inner[..inner.iter().position(|&b| b == quote)?]
        }
        _ => {
            let end = rest
                .iter()
                .position(|&b| is_space(b) || b == b';')
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    Encoding::for_label(label)
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn trim_start_space(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack.len() >= prefix.len() && haystack[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{BIG5, EUC_JP, GBK, ISO_8859_2, SHIFT_JIS};

    fn page(encoding: &'static Encoding, head: &str, text: &str) -> Vec<u8> {
        let html = format!("<!DOCTYPE html><html><head>{head}</head><body>{text}</body></html>");
        encoding.encode(&html).0.into_owned()
    }

    #[test]
    fn meta_charset_selects_cjk_encodings() {
        let cases: [(&str, &'static Encoding, &str); 5] = [
            ("gb2312", GBK, "中文网页，你好"),
            ("GBK", GBK, "简体中文"),
            ("big5", BIG5, "繁體中文網頁"),
            ("shift_jis", SHIFT_JIS, "日本語のページ"),
            ("x-sjis", SHIFT_JIS, "カタカナ"),
        ];
        for (label, encoding, text) in cases {
            let body = page(encoding, &format!("<meta charset=\"{label}\">"), text);
            assert_eq!(sniff_charset(None, &body), encoding, "{label}");
            let (decoded, used) = decode_html(Some("text/html"), &body);
            assert_eq!(used, encoding);
            assert!(decoded.contains(text), "{label}: {decoded}");
        }
    }

    #[test]
    fn meta_quoting_and_attribute_order_variants() {
        for head in [
            "<meta charset=euc-jp>",
            "<meta charset='EUC-JP'>",
            "<META CHARSET=\"euc-jp\"/>",
            "<meta name=x charset = euc-jp >",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-jp\">",
            "<meta content='text/html;charset=\"EUC-JP\"' http-equiv='content-type'>",
            "<meta\thttp-equiv=content-type content=text/html;charset=euc-jp>",
        ] {
            let body = page(EUC_JP, head, "テスト");
            assert_eq!(sniff_charset(None, &body), EUC_JP, "{head}");
        }
    }

    #[test]
    fn meta_that_should_be_ignored() {
        for head in [
            // `content` without the http-equiv pragma does not count.
            "<meta content=\"text/html; charset=euc-jp\">",
            "<!-- <meta charset=euc-jp> -->",
            "<title a='<meta charset=euc-jp>'></title>",
            "<meta charset=no-such-charset>",
        ] {
            let body = page(EUC_JP, head, "x");
            assert_eq!(sniff_charset(None, &body), UTF_8, "{head}");
        }
        let late = format!("{}<meta charset=euc-jp>", " ".repeat(PRESCAN_BYTES));
        assert_eq!(sniff_charset(None, late.as_bytes()), UTF_8);
        assert_eq!(sniff_charset(None, b"<!--><meta charset=big5>"), BIG5);
    }

    #[test]
    fn meta_utf16_means_utf8_and_x_user_defined_means_windows_1252() {
        assert_eq!(sniff_charset(None, b"<meta charset=utf-16le>"), UTF_8);
        assert_eq!(
            sniff_charset(None, b"<meta charset=x-user-defined>"),
            WINDOWS_1252
        );
    }

    #[test]
    fn header_beats_meta_and_bom_beats_header() {
        let body = page(GBK, "<meta charset=big5>", "中文");
        assert_eq!(sniff_charset(Some("text/html; charset=GB2312"), &body), GBK);
        assert_eq!(sniff_charset(Some("text/html;charset=\"gbk\""), &body), GBK);
        assert_eq!(
            sniff_charset(Some("text/html; CHARSET = iso-8859-2"), &body),
            ISO_8859_2
        );
        assert_eq!(sniff_charset(Some("text/html; charset=bogus"), &body), BIG5);
        assert_eq!(sniff_charset(Some("text/html"), &body), BIG5);

        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("<meta charset=gbk>é".as_bytes());
        assert_eq!(sniff_charset(Some("text/html; charset=gbk"), &bom), UTF_8);
        let (text, _) = decode_html(Some("text/html; charset=gbk"), &bom);
        assert_eq!(text, "<meta charset=gbk>é");

        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(*b"h\0i\0").collect();
        assert_eq!(
            decode_html(Some("text/html; charset=utf-8"), &utf16).0,
            "hi"
        );
    }

    #[test]
    fn falls_back_to_utf8() {
        let (text, encoding) = decode_html(None, "plain é".as_bytes());
        assert_eq!((text.as_ref(), encoding), ("plain é", UTF_8));
        assert!(matches!(decode_html(None, b"abc").0, Cow::Borrowed(_)));
        assert_eq!(decode_html(None, b"a\xFFb").0, "a\u{FFFD}b");
    }

    #[test]
    fn garbage_never_panics() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"<!-->/=\"' \tmetaCHARSEThttp-equivcontent;gbk\xEF\xBB\xBF\xFE\xFF\x80";
        for round in 0..2000 {
            let len = (next() % 1500) as usize;
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if round % 2 == 0 {
                        r as u8
                    } else {
                        alphabet[(r % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            let (text, _) = decode_html(None, &body);
            assert!(!text.is_empty() || body.is_empty() || body.len() <= 3);
            let _ = is_html(None, &body);
            let _ = decode_html(Some("text/html; charset=shift_jis"), &body);
        }
    }

    #[test]
    fn is_html_from_header_or_sniffing() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(is_html(Some("Application/XHTML+XML"), b""));
        assert!(!is_html(Some("application/json"), b"<html>"));
        assert!(!is_html(Some("text/plain"), b"<!doctype html>"));
        assert!(is_html(
            None,
            b"\xEF\xBB\xBF  \n<!DOCTYPE HTML><title>x</title>"
        ));
        assert!(is_html(None, b"<HTML lang=en>"));
        assert!(is_html(Some(""), b"<!-- c --><head><title>t</title>"));
        assert!(is_html(Some("application/unknown"), b"text <BODY>"));
        assert!(!is_html(None, b"{\"json\": true}"));
        assert!(!is_html(None, b""));
        let late = format!("{}<body>", "x".repeat(SNIFF_BYTES));
        assert!(!is_html(None, late.as_bytes()));
    }
}
