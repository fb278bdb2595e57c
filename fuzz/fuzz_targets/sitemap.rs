//! Sitemap reading (`silk::sitemap::read`) on arbitrary and on generated input.
//!
//! An odd first byte feeds the rest as a raw body (gzip when it starts with `1f 8b`) with
//! small caps taken from the second byte: no panic; at most `max_urls` entries; a cut by
//! URLs only with `max_urls` handed out; and, when the decompressed text has no entity,
//! comment, CDATA or processing instruction to rewrite or split a `<loc>`, every entry is a
//! substring of the first `max_bytes` of it (so nothing past the byte cap was read, and
//! every URL out appears in the input).
//!
//! An even first byte builds a sitemap from the rest: a urlset, an index or a text list of
//! URLs over a small alphabet, with lastmods, noise between entries (comments, unknown
//! elements holding a `<loc>`, blank or non-URL lines), optionally gzip: the entries out
//! must be exactly the ones generated, in order, up to the cap, with the cut said.
#![no_main]

use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use silk::sitemap::{read, Cut, Kind, Limits};
use std::io::{Read, Write};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if first % 2 == 1 {
        raw(rest);
    } else {
        generated(first, rest);
    }
});

fn raw(data: &[u8]) {
    let Some((&knobs, body)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_urls: 1 + usize::from(knobs % 16),
        max_bytes: 64 + 256 * u64::from(knobs / 16),
    };
    let mut out: Vec<String> = Vec::new();
    let summary = read(body, &limits, |_, e| {
        assert!(!e.loc.is_empty());
        out.push(e.loc.to_string())
    });
    assert_eq!(out.len(), summary.entries);
    assert!(out.len() <= limits.max_urls);
    if summary.cut == Some(Cut::Urls) {
        assert_eq!(out.len(), limits.max_urls);
    }
    // The text the reader saw: the body, or its gzip decompression, up to the byte cap.
    let mut text = Vec::new();
    let cap = limits.max_bytes;
    if body.starts_with(&[0x1f, 0x8b]) {
        let _ = flate2::read::MultiGzDecoder::new(body)
            .take(cap)
            .read_to_end(&mut text);
    } else {
        text.extend_from_slice(&body[..body.len().min(cap as usize)]);
    }
    let rewrites = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    if !text.contains(&b'&') && !rewrites(b"<!") && !rewrites(b"<?") {
        let text = String::from_utf8_lossy(&text);
        for loc in &out {
            assert!(text.contains(loc.as_str()), "{loc:?} is not in the input");
        }
    }
}

const ALPHABET: &[u8] = b"abc/._-?=09";

fn generated(first: u8, data: &[u8]) {
    let form = first / 2 % 3;
    let gzip = first & 0x40 != 0;
    let cap = 1 + usize::from(first >> 3 & 7);
    let mut bytes = data.iter().copied();
    let mut want: Vec<(String, Option<String>)> = Vec::new();
    let mut body = String::new();
    body.push_str(match form {
        0 => "<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
        1 => "<sitemapindex>",
        _ => "",
    });
    let entry_tag = if form == 1 { "sitemap" } else { "url" };
    while want.len() < 24 {
        let Some(b) = bytes.next() else { break };
        let len = usize::from(b % 12);
        let path: String = bytes
            .by_ref()
            .take(len)
            .map(|c| ALPHABET[usize::from(c) % ALPHABET.len()] as char)
            .collect();
        let loc = format!("http://h/{path}");
        let lastmod = (b & 0x10 != 0 && form != 2).then(|| format!("2026-11-{:02}", b % 28 + 1));
        match (form, b >> 5) {
            (2, 0) => body.push_str("# not a URL\n"),
            (2, 1) => body.push_str("\n  \n"),
            (2, _) => {}
            (_, 0) => body.push_str("<!-- noise <loc>http://no/</loc> -->"),
            (_, 1) => body.push_str("<other><loc>http://no/</loc></other>"),
            (_, 2) => body.push_str("\n  "),
            _ => {}
        }
        if form == 2 {
            body.push_str(&format!("{loc}\n"));
        } else {
            body.push_str(&format!("<{entry_tag}><loc> {loc} </loc>"));
            if let Some(l) = &lastmod {
                body.push_str(&format!("<lastmod>{l}</lastmod>"));
            }
            body.push_str(&format!("<priority>0.5</priority></{entry_tag}>"));
        }
        want.push((loc, lastmod));
    }
    body.push_str(match form {
        0 => "</urlset>",
        1 => "</sitemapindex>",
        _ => "",
    });
    let bytes = if gzip {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(body.as_bytes()).unwrap();
        enc.finish().unwrap()
    } else {
        body.into_bytes()
    };
    let limits = Limits {
        max_urls: cap,
        ..Limits::default()
    };
    let mut got = Vec::new();
    let summary = read(&bytes, &limits, |kind, e| {
        let expected_kind = [Kind::UrlSet, Kind::Index, Kind::Text][usize::from(form)];
        assert_eq!(kind, expected_kind);
        got.push((e.loc.to_string(), e.lastmod.map(String::from)));
    });
    let cut = want.len() > cap;
    want.truncate(cap);
    assert_eq!(got, want);
    if !want.is_empty() || form != 2 {
        assert_eq!(summary.error, None, "{summary:?}");
    }
    assert_eq!(summary.cut == Some(Cut::Urls), cut, "{summary:?}");
    assert_eq!(summary.gzip, gzip);
}
