//! URL normalisation and fingerprints: what the seen-set uses to recognise a page it has
//! already queued.
//!
//! Two links name the same page for our purposes when they are equal after [`normalize`]:
//! the fragment is dropped, scheme and host are lower-cased and the default port removed
//! (the `url` crate does these, and resolves `.`/`..` segments, when it parses), percent
//! escapes are put in one canonical form (escapes of unreserved characters `A-Za-z0-9-._~`
//! are decoded, the hex digits of all others upper-cased), an empty path becomes `/`, and a
//! `?` with nothing after it is dropped. The query is otherwise kept byte for byte: its
//! order can matter to the server, so we do not sort or deduplicate parameters.
//!
//! The seen-set stores a 64-bit [`fingerprint`] of the normalised URL instead of the URL
//! itself (8 bytes instead of ~80). The hash is written here rather than taken from std
//! because std's hashers are either randomly seeded or unspecified across releases, and
//! a fingerprint must be identical on x86_64 and wasm32, today and in a year, for a
//! persisted frontier to stay valid.
//!
//! Links are capped at [`MAX_URL_LEN`] bytes (8 KiB), before and after resolution: a
//! longer `href`, `<base href>`, `Location` or resolved URL is dropped, never joined or
//! queued. Servers commonly refuse request lines past 8 KiB anyway, and without a cap a
//! page could make every one of its links megabytes long.

use std::borrow::Cow;

use url::Url;

/// Returns `url` in the canonical form described in the module docs.
pub fn normalize(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if out.cannot_be_a_base() {
        // `mailto:`, `data:` and friends: there is no path structure to normalise.
        return out;
    }
    if out.path().is_empty() {
        out.set_path("/");
    } else if let Cow::Owned(path) = canonical_percent_encoding(out.path(), false) {
        out.set_path(&path);
    }
    match out.query() {
        Some("") => out.set_query(None),
        Some(query) => {
            if let Cow::Owned(query) = canonical_percent_encoding(query, false) {
                out.set_query(Some(&query));
            }
        }
        None => {}
    }
    out
}

/// The longest link silk follows, in bytes: an `href` (whitespace trimmed) or a resolved,
/// normalised URL longer than this is dropped. 8 KiB is the request-line limit of common
/// servers (Apache, nginx's default large buffer).
pub const MAX_URL_LEN: usize = 8 * 1024;

/// A link longer than [`MAX_URL_LEN`]: dropped, and counted by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlTooLong;

/// Resolves a link found on `base` (an `href` or `src` value) into a normalised absolute
/// `http(s)` URL, or `None` when it is not something to crawl.
///
/// ASCII whitespace around the value is ignored. Empty values and fragment-only links
/// (`#top`, the same page) yield `None`, as does anything that does not resolve to `http`
/// or `https` with a host: `javascript:`, `mailto:`, `tel:`, `data:`, `ftp:` and so on,
/// and anything longer than [`MAX_URL_LEN`] (see [`resolve_link`] to tell that case apart).
pub fn parse_link(base: &Url, href: &str) -> Option<Url> {
    resolve_link(base, href).ok().flatten()
}

/// [`parse_link`], saying when a link was dropped for its length: an `href` longer than
/// [`MAX_URL_LEN`] is refused before it is joined, and so is a join whose result is.
pub fn resolve_link(base: &Url, href: &str) -> Result<Option<Url>, UrlTooLong> {
    let href = href.trim_matches(|c: char| c.is_ascii_whitespace());
    if href.is_empty() || href.starts_with('#') {
        return Ok(None);
    }
    if href.len() > MAX_URL_LEN {
        return Err(UrlTooLong);
    }
    let Ok(joined) = base.join(href) else {
        return Ok(None);
    };
    if !matches!(joined.scheme(), "http" | "https") || joined.host_str().is_none_or(str::is_empty) {
        return Ok(None);
    }
    let url = normalize(&joined);
    if url.as_str().len() > MAX_URL_LEN {
        return Err(UrlTooLong);
    }
    Ok(Some(url))
}

/// The fingerprint of an already normalised URL: `fingerprint(normalize(url).as_str())`.
pub fn fingerprint_url(url: &Url) -> u64 {
    fingerprint(normalize(url).as_str())
}

/// A 64-bit hash of `normalized` that is stable across platforms, processes and releases.
///
/// The construction follows wyhash: 16 input bytes at a time are folded into the state
/// with one 64x64->128-bit multiply whose halves are xor-ed together, the length is mixed
/// into the seed, and a final multiply plus an xor-shift avalanche spreads every input bit
/// over the whole output. It is fast and well mixed, not cryptographic: someone who
/// controls URLs could construct collisions deliberately.
///
/// Collisions are what bound its use: for `n` distinct URLs the chance that any two share
/// a fingerprint is about `n² / 2^65`, i.e. 2.7e-6 at 10 million URLs and 2.7e-4 at
/// 100 million. A collision makes the seen-set skip the second URL.
pub fn fingerprint(normalized: &str) -> u64 {
    // wyhash's published secrets; each has 32 bits set and bytes >= 0x80 in it, so an
    // ASCII word xor-ed with one is never zero (which would erase the state in `fold`).
    const S0: u64 = 0xa076_1d64_78bd_642f;
    const S1: u64 = 0xe703_7ed1_a0b4_28db;
    const S2: u64 = 0x8ebc_6af0_9c88_c6e3;
    const S3: u64 = 0x5899_65cc_7537_4cc3;

    let bytes = normalized.as_bytes();
    let len = bytes.len() as u64;
    let mut state = fold(len ^ S0, S1);
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        let (a, b) = chunk.split_at(8);
        state = fold(read_u64(a) ^ S1, read_u64(b) ^ state ^ S2);
    }
    // The tail (0..=15 bytes) is zero-padded; the length in the seed keeps "a" and "a\0"
    // apart.
    let rest = chunks.remainder();
    let mut tail = [0u8; 16];
    tail[..rest.len()].copy_from_slice(rest);
    let (a, b) = tail.split_at(8);
    state = fold(read_u64(a) ^ S1, read_u64(b) ^ state ^ S2);

    let mut h = fold(state ^ S3, len ^ S0);
    // SplitMix64's finaliser, so that every output bit depends on every input bit.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Multiplies to 128 bits and xors the halves together (wyhash's `mum`).
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

/// Puts percent escapes in `input` into one canonical form: `%XX` of an unreserved
/// character becomes the character, other escapes get upper-case hex digits.
///
/// With `escape_unsafe`, bytes that may not appear raw in a URL (controls, space, `"`,
/// `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`, DEL and all non-ASCII bytes, i.e. UTF-8 in
/// escaped form) are escaped too, so the result is pure ASCII. Escaping those is always
/// meaning-preserving; robots.txt matching needs it because rule files contain raw UTF-8.
/// Reserved characters (`/?#[]@!$&'()*+,;=:`) are never decoded or escaped: `%2F` and `/`
/// mean different things. A `%` not followed by two hex digits is left as it is.
pub(crate) fn canonical_percent_encoding(input: &str, escape_unsafe: bool) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let needs_work = |&b: &u8| b == b'%' || (escape_unsafe && is_unsafe(b));
    let Some(start) = bytes.iter().position(needs_work) else {
        return Cow::Borrowed(input);
    };
    let mut out = Vec::with_capacity(bytes.len() + 8);
    out.extend_from_slice(&bytes[..start]);
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            if let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&h| hex_value(h)),
                bytes.get(i + 2).and_then(|&l| hex_value(l)),
            ) {
                let decoded = hi << 4 | lo;
                if is_unreserved(decoded) {
                    out.push(decoded);
                } else {
                    push_escaped(&mut out, decoded);
                }
                i += 3;
                continue;
            }
            // A stray `%` (not followed by two hex digits) is escaped, never kept: kept, it
            // could pair with the decoded escape after it into a new one (`%4%42` would
            // become `%4B`, then `K`), so normalising twice would change the URL again.
            push_escaped(&mut out, b'%');
        } else if escape_unsafe && is_unsafe(b) {
            push_escaped(&mut out, b);
        } else {
            out.push(b);
        }
        i += 1;
    }
    // Only ASCII was added and non-ASCII input bytes were copied in whole runs or escaped,
    // so this cannot fail; the lossy conversion just avoids an `unwrap`.
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Bytes that are neither unreserved, reserved nor `%`: they only appear in URLs escaped.
fn is_unsafe(b: u8) -> bool {
    !(is_unreserved(b) || b == b'%' || b"/?#[]@!$&'()*+,;=:".contains(&b))
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn push_escaped(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(&Url::parse(s).unwrap()).into()
    }

    #[test]
    fn drops_fragment_lowercases_and_removes_default_port_and_dots() {
        assert_eq!(
            norm("HTTP://Example.COM:80/a/./b/../c#x"),
            "http://example.com/a/c"
        );
        assert_eq!(norm("https://EXAMPLE.com:443/"), "https://example.com/");
        assert_eq!(
            norm("https://example.com:8443/"),
            "https://example.com:8443/"
        );
        assert_eq!(norm("http://example.com/a#"), "http://example.com/a");
    }

    #[test]
    fn empty_path_becomes_slash() {
        assert_eq!(norm("http://example.com"), "http://example.com/");
        assert_eq!(norm("http://example.com?q=1"), "http://example.com/?q=1");
    }

    #[test]
    fn percent_escapes_are_canonical() {
        assert_eq!(norm("http://e.com/%7e"), "http://e.com/~");
        assert_eq!(norm("http://e.com/~"), "http://e.com/~");
        assert_eq!(norm("http://e.com/a%2fb"), "http://e.com/a%2Fb");
        assert_eq!(norm("http://e.com/%41%62%2D%5f"), "http://e.com/Ab-_");
        assert_eq!(norm("http://e.com/%e3%83%84"), "http://e.com/%E3%83%84");
        assert_eq!(norm("http://e.com/ツ"), "http://e.com/%E3%83%84");
        assert_eq!(norm("http://e.com/100%"), "http://e.com/100%25");
        assert_eq!(norm("http://e.com/%zz"), "http://e.com/%25zz");
        // Found by fuzzing (fuzz/regressions/url_norm): a stray `%` next to an escape must
        // not become a new escape, so normalising is idempotent and keeps the resource.
        assert_eq!(norm("http://e.com/%4%42"), "http://e.com/%254B");
        assert_eq!(
            norm(&norm("http://e.com/%4%42")),
            norm("http://e.com/%4%42")
        );
        assert_eq!(norm("http://e.com/E%%44E"), "http://e.com/E%25DE");
        assert_eq!(norm("http://e.com/?a=%7e&b=%2f"), "http://e.com/?a=~&b=%2F");
    }

    #[test]
    fn query_is_kept_in_order_and_empty_query_dropped() {
        assert_eq!(
            norm("http://e.com/p?b=2&a=1&b=1"),
            "http://e.com/p?b=2&a=1&b=1"
        );
        assert_eq!(norm("http://e.com/p?"), "http://e.com/p");
        assert_eq!(norm("http://e.com/p?#f"), "http://e.com/p");
        assert_eq!(norm("http://e.com/p?a+b=%20"), "http://e.com/p?a+b=%20");
    }

    #[test]
    fn normalize_is_idempotent() {
        for s in [
            "HTTP://Example.COM:80/a/./b/../c?x=%7e%2f#y",
            "http://e.com/%e3%83%84?",
            "https://e.com",
        ] {
            let once = norm(s);
            assert_eq!(norm(&once), once);
        }
    }

    #[test]
    fn parse_link_resolves_and_filters() {
        let base = Url::parse("http://example.com/dir/page.html?x=1").unwrap();
        let link = |href: &str| parse_link(&base, href).map(String::from);
        assert_eq!(
            link("other.html").as_deref(),
            Some("http://example.com/dir/other.html")
        );
        assert_eq!(
            link("  ../up#frag \n").as_deref(),
            Some("http://example.com/up")
        );
        assert_eq!(
            link("/abs?q=%7e").as_deref(),
            Some("http://example.com/abs?q=~")
        );
        assert_eq!(link("//Other.org").as_deref(), Some("http://other.org/"));
        assert_eq!(link("HTTPS://x.org/a").as_deref(), Some("https://x.org/a"));
        assert_eq!(
            link("?y=2").as_deref(),
            Some("http://example.com/dir/page.html?y=2")
        );
        for skipped in [
            "",
            "   ",
            "#",
            "#top",
            "javascript:void(0)",
            " JavaScript:alert(1)",
            "mailto:a@b.c",
            "tel:+123",
            "data:text/html,hi",
            "ftp://example.com/f",
            "http://",
        ] {
            assert_eq!(link(skipped), None, "{skipped:?}");
        }
    }

    #[test]
    fn links_longer_than_the_cap_are_dropped_before_or_after_joining() {
        let base = Url::parse("http://example.com/dir/").unwrap();
        let fits = format!("/{}", "a".repeat(MAX_URL_LEN - "http://example.com/".len()));
        let url = resolve_link(&base, &fits).unwrap().unwrap();
        assert_eq!(url.as_str().len(), MAX_URL_LEN);
        // One byte more after joining.
        let over = format!("{fits}b");
        assert_eq!(resolve_link(&base, &over), Err(UrlTooLong));
        assert_eq!(parse_link(&base, &over), None);
        // Too long as written: refused without joining.
        let huge = format!("?{}", "q".repeat(2 << 20));
        assert_eq!(resolve_link(&base, &huge), Err(UrlTooLong));
        // A short relative link on a long base fails after the join.
        let long_base =
            Url::parse(&format!("http://example.com/{}", "p".repeat(MAX_URL_LEN))).unwrap();
        assert_eq!(resolve_link(&long_base, "?1"), Err(UrlTooLong));
        // Whitespace around the value does not count.
        let padded = format!("  {}  ", &fits);
        assert!(resolve_link(&base, &padded).unwrap().is_some());
    }

    #[test]
    fn fingerprint_is_stable() {
        // Pinned values: changing them invalidates persisted frontiers.
        assert_eq!(fingerprint(""), 0xafb7_a066_cad9_eb2b);
        assert_eq!(fingerprint("http://example.com/"), 0xf24c_1f23_e91b_1128);
        assert_eq!(
            fingerprint("https://example.com/a/long/path/that/spans/several/chunks?q=1"),
            0xb5ba_0bf5_0fa9_0aa0
        );
    }

    #[test]
    fn fingerprint_depends_on_every_byte_and_the_length() {
        assert_ne!(fingerprint("a"), fingerprint("a\0"));
        assert_ne!(fingerprint(""), fingerprint("\0"));
        let base = "http://example.com/0123456789abcdef0123456789";
        let h = fingerprint(base);
        for i in 0..base.len() {
            let mut changed = base.as_bytes().to_vec();
            changed[i] ^= 1;
            let changed = String::from_utf8(changed).unwrap();
            let flipped = (h ^ fingerprint(&changed)).count_ones();
            assert!(
                (16..=48).contains(&flipped),
                "byte {i}: {flipped} bits flipped"
            );
        }
    }

    #[test]
    fn fingerprints_of_many_similar_urls_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000u32 {
            let url = format!("https://example.com/items/{i}?page={}", i % 97);
            assert!(seen.insert(fingerprint(&url)), "collision at {url}");
        }
        for i in 0..100_000u32 {
            let url = format!("http://host{}.example/{i}", i % 13);
            assert!(seen.insert(fingerprint(&url)), "collision at {url}");
        }
    }

    #[test]
    fn canonical_encoding_for_robots_escapes_unsafe_bytes() {
        assert_eq!(
            canonical_percent_encoding("/a b|ツ", true),
            "/a%20b%7C%E3%83%84"
        );
        assert_eq!(canonical_percent_encoding("/a%3cd", true), "/a%3Cd");
        assert_eq!(canonical_percent_encoding("/a?b=c&d", true), "/a?b=c&d");
        assert!(matches!(
            canonical_percent_encoding("/plain", true),
            Cow::Borrowed(_)
        ));
    }
}
