//! The arena's sitemaps (sitemaps.org protocol), for testing a crawler's `--sitemaps`: an
//! index, a plain and a gzip sitemap, one past a small cap, and pages only the sitemaps
//! list. The files are always served; robots.txt names the index (`Sitemap:`) only with
//! [`crate::ArenaConfig::sitemaps`], so robots.txt is byte for byte the same otherwise.
//!
//! | Path | Response |
//! |---|---|
//! | `/sitemap.xml` | index: `products-1.xml`, `products-2.xml.gz`, `big.xml`, a missing `missing.xml` (404), and an `elsewhere.xml` on `localhost` (another host: out of a host scope) |
//! | `/sitemaps/products-1.xml` | `/p/0`..`/p/4` and `/unlisted/0`, `/unlisted/1` with `<lastmod>` dates; `/p/1` twice; `/private/from-sitemap` (robots.txt disallows it); `/p/2` on `localhost` (out of scope) |
//! | `/sitemaps/products-2.xml.gz` | gzip file (`application/gzip`, no `Content-Encoding`): `/p/5`..`/p/9`, `/unlisted/2` with W3C datetimes, and `/p/1` again |
//! | `/sitemaps/big.xml` | [`BIG_SITEMAP_URLS`] pages `/unlisted/100`.. (no lastmod): past a test's cap |
//! | `/sitemaps/list.txt` | the text form: `/unlisted/300`, `/unlisted/301` (not in the index) |
//! | `/unlisted/{n}` | a page with a title and an h1, linked from nowhere (n below 1000) |

use bytes::Bytes;
use flate2::write::GzEncoder;
use hyper::{Response, StatusCode};
use std::io::Write;

use crate::body::BoxBody;
use crate::reply;
use crate::site::parse_index;

/// The path of the sitemap index.
pub const INDEX: &str = "/sitemap.xml";
/// How many URLs `/sitemaps/big.xml` lists.
pub const BIG_SITEMAP_URLS: usize = 150;
const XML: &str = "application/xml";
const UNLISTED_PAGES: usize = 1000;

/// The `Sitemap:` line robots.txt gets when sitemaps are on.
pub(crate) fn robots_line(host: Option<&str>) -> String {
    format!("\nSitemap: http://{}{INDEX}\n", host.unwrap_or("127.0.0.1"))
}

/// The response for `path` if it is one of the sitemap paths.
pub(crate) fn respond(path: &str, host: Option<&str>) -> Option<Response<BoxBody>> {
    let host = host.unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    // The same server under another name: another host for a crawler's scope.
    let other = format!(
        "http://localhost:{}",
        host.rsplit_once(':').map_or("80", |(_, p)| p)
    );
    let xml = |body: String| Some(reply::bytes(StatusCode::OK, XML, body));
    match path {
        INDEX => xml(index(&base, &other)),
        "/sitemaps/products-1.xml" => xml(products_1(&base, &other)),
        "/sitemaps/products-2.xml.gz" => {
            let body = gzip(products_2(&base).as_bytes());
            Some(reply::bytes(StatusCode::OK, "application/gzip", body))
        }
        "/sitemaps/big.xml" => xml(urlset(
            (100..100 + BIG_SITEMAP_URLS).map(|n| (format!("{base}/unlisted/{n}"), None)),
        )),
        "/sitemaps/list.txt" => Some(reply::bytes(
            StatusCode::OK,
            reply::TEXT_UTF8,
            format!("{base}/unlisted/300\n\n{base}/unlisted/301\n"),
        )),
        _ => {
            let n = parse_index(path.strip_prefix("/unlisted/")?)?;
            (n < UNLISTED_PAGES).then(|| {
                reply::html(
                    StatusCode::OK,
                    format!(
                        "<!doctype html><html><head><title>Unlisted {n} | Arena</title></head>\
                         <body><h1>Unlisted {n}</h1><p>Only the sitemaps list this page.</p></body></html>"
                    ),
                )
            })
        }
    }
}

fn index(base: &str, other: &str) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in [
        (
            format!("{base}/sitemaps/products-1.xml"),
            Some("2026-11-01"),
        ),
        (
            format!("{base}/sitemaps/products-2.xml.gz"),
            Some("2026-11-02"),
        ),
        (format!("{base}/sitemaps/big.xml"), None),
        (format!("{base}/sitemaps/missing.xml"), None),
        (format!("{other}/sitemaps/elsewhere.xml"), None),
    ] {
        xml.push_str(&format!("  <sitemap><loc>{loc}</loc>"));
        if let Some(l) = lastmod {
            xml.push_str(&format!("<lastmod>{l}</lastmod>"));
        }
        xml.push_str("</sitemap>\n");
    }
    xml.push_str("</sitemapindex>\n");
    xml
}

fn products_1(base: &str, other: &str) -> String {
    let mut entries: Vec<(String, Option<String>)> = (0..5)
        .map(|i| {
            (
                format!("{base}/p/{i}"),
                Some(format!("2026-11-{:02}", i + 1)),
            )
        })
        .collect();
    entries.push((format!("{base}/unlisted/0"), Some("2026-10-30".into())));
    entries.push((format!("{base}/unlisted/1"), Some("2026-10-31".into())));
    entries.push((format!("{base}/p/1"), None));
    entries.push((format!("{base}/private/from-sitemap"), None));
    entries.push((format!("{other}/p/2"), None));
    urlset(entries.into_iter())
}

fn products_2(base: &str) -> String {
    let mut entries: Vec<(String, Option<String>)> = (5..10)
        .map(|i| {
            let at = format!("2026-11-{:02}T12:00:00+00:00", i + 1);
            (format!("{base}/p/{i}"), Some(at))
        })
        .collect();
    entries.push((
        format!("{base}/unlisted/2"),
        Some("2026-11-20T08:30:00Z".into()),
    ));
    entries.push((format!("{base}/p/1"), None));
    urlset(entries.into_iter())
}

fn urlset(entries: impl Iterator<Item = (String, Option<String>)>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in entries {
        xml.push_str(&format!("  <url><loc>{loc}</loc>"));
        if let Some(l) = lastmod {
            xml.push_str(&format!("<lastmod>{l}</lastmod>"));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    Bytes::from(enc.finish().expect("writing to a Vec cannot fail"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(path: &str) -> (String, Vec<u8>) {
        let resp = respond(path, Some("127.0.0.1:8080")).expect("a sitemap path");
        let ctype = resp.headers()["content-type"].to_str().unwrap().to_string();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (ctype, bytes.to_vec())
    }

    #[tokio::test]
    async fn the_files_are_what_the_table_says() {
        let (ctype, index) = body(INDEX).await;
        assert_eq!(ctype, XML);
        let index = String::from_utf8(index).unwrap();
        assert!(index.contains("<loc>http://127.0.0.1:8080/sitemaps/products-2.xml.gz</loc>"));
        assert!(index.contains("<loc>http://localhost:8080/sitemaps/elsewhere.xml</loc>"));
        let (ctype, gz) = body("/sitemaps/products-2.xml.gz").await;
        assert_eq!(ctype, "application/gzip");
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text)
            .unwrap();
        assert!(text.contains(
            "<loc>http://127.0.0.1:8080/unlisted/2</loc><lastmod>2026-11-20T08:30:00Z</lastmod>"
        ));
        let (_, big) = body("/sitemaps/big.xml").await;
        assert_eq!(
            String::from_utf8(big).unwrap().matches("<url>").count(),
            BIG_SITEMAP_URLS
        );
        assert!(respond("/unlisted/999", None).is_some());
        assert!(respond("/unlisted/1000", None).is_none());
        assert!(respond("/sitemaps/missing.xml", None).is_none());
        assert_eq!(
            robots_line(Some("h:1")),
            "\nSitemap: http://h:1/sitemap.xml\n"
        );
    }
}
