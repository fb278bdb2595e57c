//! The sitemap reader's cases: the three forms, gzip, both caps, broken and hostile input.

use super::*;
use flate2::write::GzEncoder;
use std::io::Write;

fn entries(body: &[u8], limits: &Limits) -> (Vec<(Kind, String, Option<String>)>, Summary) {
    let mut out = Vec::new();
    let summary = read(body, limits, |kind, e| {
        out.push((kind, e.loc.to_string(), e.lastmod.map(String::from)))
    });
    (out, summary)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://h/a?x=1&amp;y=2</loc><lastmod>2026-11-01</lastmod><priority>0.5</priority></url>
  <url>
<loc>
  http://h/b
</loc>
<lastmod>yesterday</lastmod>
  </url>
  <url><lastmod>2026-11-01</lastmod></url>
  <url><loc><![CDATA[http://h/c]]></loc><lastmod>2026-11-01T12:00:00+01:00</lastmod></url>
  <!-- a comment --><other><loc>http://h/not-an-entry</loc></other>
</urlset>"#;

#[test]
fn a_urlset_gives_its_locs_and_lastmods_in_order() {
    let (got, summary) = entries(URLSET.as_bytes(), &Limits::default());
    let locs: Vec<_> = got
        .iter()
        .map(|(k, l, m)| (*k, l.as_str(), m.as_deref()))
        .collect();
    assert_eq!(
        locs,
        [
            (Kind::UrlSet, "http://h/a?x=1&y=2", Some("2026-11-01")),
            (Kind::UrlSet, "http://h/b", None),
            (
                Kind::UrlSet,
                "http://h/c",
                Some("2026-11-01T12:00:00+01:00")
            ),
        ]
    );
    assert_eq!(summary.kind, Some(Kind::UrlSet));
    assert_eq!((summary.entries, summary.skipped), (3, 1));
    assert_eq!(
        (summary.cut, summary.error, summary.gzip),
        (None, None, false)
    );
}

#[test]
fn an_index_lists_sitemaps_and_gzip_is_read_by_its_magic() {
    let index = "\u{feff}<sitemapindex><sitemap><loc>http://h/s1.xml</loc><lastmod>2026-10-01</lastmod></sitemap>\
                 <sitemap><loc>http://h/s2.xml.gz</loc></sitemap></sitemapindex>";
    for body in [index.as_bytes().to_vec(), gzip(index.as_bytes())] {
        let (got, summary) = entries(&body, &Limits::default());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, Kind::Index);
        assert_eq!(got[1].1, "http://h/s2.xml.gz");
        assert_eq!(summary.kind, Some(Kind::Index));
        assert_eq!(summary.gzip, body[0] == 0x1f);
        assert_eq!(summary.error, None);
    }
}

#[test]
fn the_url_cap_stops_reading_and_says_so() {
    let mut xml = String::from("<urlset>");
    for i in 0..10 {
        xml.push_str(&format!("<url><loc>http://h/{i}</loc></url>"));
    }
    xml.push_str("</urlset>");
    let limits = Limits {
        max_urls: 4,
        ..Limits::default()
    };
    let (got, summary) = entries(xml.as_bytes(), &limits);
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].1, "http://h/3");
    assert_eq!(summary.cut, Some(Cut::Urls));
    assert!(Cut::Urls.describe(&limits).contains("more than 4 URLs"));
    // Exactly at the cap is not a cut.
    let limits = Limits {
        max_urls: 10,
        ..Limits::default()
    };
    assert_eq!(entries(xml.as_bytes(), &limits).1.cut, None);
}

#[test]
fn the_byte_cap_holds_for_a_gzip_bomb() {
    // 8 MiB of zeros inside a <loc>, compressed to a few KiB, read with a 1 MiB cap.
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"<urlset><url><loc>http://h/ok</loc></url><url><loc>")
        .unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..8 {
        enc.write_all(&zeros).unwrap();
    }
    enc.write_all(b"</loc></url></urlset>").unwrap();
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 64 * 1024);
    let limits = Limits {
        max_bytes: 1 << 20,
        ..Limits::default()
    };
    let (got, summary) = entries(&bomb, &limits);
    assert_eq!(got.len(), 1);
    assert_eq!(summary.cut, Some(Cut::Bytes));
    assert_eq!(summary.error, None);
    assert!(summary.gzip);
    // The same cap on plain text.
    let plain = format!(
        "<urlset><url><loc>http://h/{}</loc></url></urlset>",
        "x".repeat(2000)
    );
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    assert_eq!(entries(plain.as_bytes(), &limits).1.cut, Some(Cut::Bytes));
}

#[test]
fn text_sitemaps_one_url_per_line() {
    let body = b"http://h/a\r\n\n  https://h/b  \nftp://h/c\nHTTP://h/d\n";
    let (got, summary) = entries(body, &Limits::default());
    let locs: Vec<&str> = got.iter().map(|(_, l, _)| l.as_str()).collect();
    assert_eq!(locs, ["http://h/a", "https://h/b", "HTTP://h/d"]);
    assert_eq!(summary.kind, Some(Kind::Text));
    assert_eq!(summary.skipped, 1);
    let (got, summary) = entries(br#"{"not": "a sitemap"}"#, &Limits::default());
    assert!(got.is_empty());
    assert!(summary.error.unwrap().contains("not a sitemap"));
}

#[test]
fn what_is_not_a_sitemap_is_an_error_and_broken_xml_keeps_what_came_before() {
    let (_, s) = entries(
        b"<!doctype html><html><body>hi</body></html>",
        &Limits::default(),
    );
    assert!(s.error.unwrap().contains("root element is <html>"));
    assert_eq!(s.kind, None);
    let (_, s) = entries(b"", &Limits::default());
    assert!(s.error.unwrap().contains("empty"));
    let (got, s) = entries(
        b"<urlset><url><loc>http://h/1</loc></url><url><loc>http://h/2</lo",
        &Limits::default(),
    );
    assert_eq!(got.len(), 1);
    assert!(s.error.is_some());
    let (got, s) = entries(
        b"<urlset><url><loc>http://h/1</loc></url></sitemapindex>",
        &Limits::default(),
    );
    assert_eq!(got.len(), 1);
    assert!(s.error.unwrap().contains("XML"));
    let (_, s) = entries(&gzip(b"<urlset>")[..12], &Limits::default());
    assert!(s.error.is_some(), "a cut gzip stream is an error");
    let (got, s) = entries(b"<urlset/>", &Limits::default());
    assert!(got.is_empty() && s.error.is_none() && s.kind == Some(Kind::UrlSet));
}

#[test]
fn entities_are_not_expanded_and_overlong_locs_are_skipped() {
    let xml = format!(
        "<!DOCTYPE urlset [<!ENTITY x \"http://evil/\">]><urlset>\
         <url><loc>&x;</loc></url>\
         <url><loc>http://h/{}</loc></url>\
         <url><loc>http://h/fine</loc><lastmod>{}</lastmod></url></urlset>",
        "a".repeat(MAX_LOC_BYTES),
        "2".repeat(200)
    );
    let (got, s) = entries(xml.as_bytes(), &Limits::default());
    assert_eq!(got, [(Kind::UrlSet, "http://h/fine".to_string(), None)]);
    assert_eq!(s.skipped, 2);
}
