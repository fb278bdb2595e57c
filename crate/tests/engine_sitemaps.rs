//! Sitemaps in the engine against a real arena, written once and run on both targets like
//! engine.rs (natively under tokio, and in headless Chromium, where the gzip sitemap is
//! decompressed by the engine's own flate2, not by the browser). What they pin down: an
//! index is followed to a plain and a gzip sitemap; every listed URL goes through scope,
//! robots.txt and the seen-set; `<lastmod>` reaches the page's record; a sitemap past the
//! URL cap is cut and says so; a missing sitemap is a record with its error kind; the
//! `Sitemap:` line of a start host's robots.txt is read only when asked for.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::*;

use silk::{CrawlSpec, ErrorKind, Record};
use std::collections::BTreeMap;

/// Records by path, failing on a URL recorded twice.
fn by_path(records: &[Record]) -> BTreeMap<String, &Record> {
    let mut out = BTreeMap::new();
    for r in records {
        assert!(
            out.insert(path_of(r), r).is_none(),
            "{} was recorded twice",
            r.url
        );
    }
    out
}

fn sitemap_spec(arena: &TestArena, file: &str) -> CrawlSpec {
    let mut spec = arena.spec("/");
    spec.seeds.clear();
    spec.sitemap_urls = vec![format!("{}{file}", arena.url)];
    spec.max_depth = Some(1);
    spec
}

engine_test! {
    async fn an_index_leads_to_plain_and_gzip_sitemaps_and_their_pages() {
        let arena = arena().await;
        let mut spec = sitemap_spec(&arena, "/sitemap.xml");
        spec.sitemap_max_urls = 100;
        let (records, stats) = crawl(spec).await;
        let got = by_path(&records);

        let sitemaps: BTreeMap<&str, (Option<u16>, u32)> = got
            .iter()
            .filter(|(_, r)| r.sitemap)
            .map(|(p, r)| (p.as_str(), (r.status, r.depth)))
            .collect();
        assert_eq!(
            sitemaps,
            BTreeMap::from([
                ("/sitemap.xml", (Some(200), 0)),
                ("/sitemaps/products-1.xml", (Some(200), 1)),
                ("/sitemaps/products-2.xml.gz", (Some(200), 1)),
                ("/sitemaps/big.xml", (Some(200), 1)),
                ("/sitemaps/missing.xml", (Some(404), 1)),
            ]),
            "the index and what it lists on this host (not elsewhere.xml on localhost)"
        );
        let missing = got["/sitemaps/missing.xml"];
        assert_eq!(missing.error.as_ref().map(|e| e.kind), Some(ErrorKind::Http));
        let big = got["/sitemaps/big.xml"];
        assert!(
            big.cut.as_deref().is_some_and(|c| c.contains("more than 100 URLs")),
            "{:?}",
            big.cut
        );
        assert!(got["/sitemap.xml"].error.is_none() && got["/sitemap.xml"].cut.is_none());

        let mut pages: Vec<String> = got
            .iter()
            .filter(|(_, r)| !r.sitemap)
            .map(|(p, _)| p.clone())
            .collect();
        pages.sort();
        let mut expected: Vec<String> = (0..10)
            .map(|i| format!("/p/{i}"))
            .chain((0..3).map(|i| format!("/unlisted/{i}")))
            .chain((100..200).map(|i| format!("/unlisted/{i}")))
            .chain(["/private/from-sitemap".to_string()])
            .collect();
        expected.sort();
        assert_eq!(pages, expected, "listed pages, each once, the first 100 of big.xml");
        assert!(
            records.iter().all(|r| !r.url.contains("localhost")),
            "out of scope URLs are not fetched"
        );
        let private = got["/private/from-sitemap"];
        assert_eq!(private.error.as_ref().map(|e| e.kind), Some(ErrorKind::Robots));
        assert!(stats.links_filtered >= 2, "{}", stats.links_filtered);

        // lastmod, depth and referer of listed pages.
        let lastmod = |p: &str| got[p].lastmod.as_deref();
        assert_eq!(lastmod("/unlisted/0"), Some("2026-10-30"));
        assert_eq!(lastmod("/p/3"), Some("2026-11-04"));
        assert_eq!(lastmod("/p/7"), Some("2026-11-08T12:00:00+00:00"));
        assert_eq!(lastmod("/unlisted/2"), Some("2026-11-20T08:30:00Z"));
        assert_eq!(lastmod("/unlisted/150"), None);
        assert_eq!(lastmod("/sitemaps/products-1.xml"), Some("2026-11-01"));
        let unlisted = got["/unlisted/0"];
        assert_eq!(unlisted.depth, 1);
        assert_eq!(
            unlisted.referer.as_deref(),
            Some(format!("{}/sitemaps/products-1.xml", arena.url).as_str())
        );
        assert_eq!(unlisted.status, Some(200));
        assert_eq!(
            unlisted.fields[0],
            ("title".to_string(), serde_json::Value::from("Unlisted 0 | Arena"))
        );

        let arena_stats = arena.stats().await;
        assert_eq!(arena_stats["duplicate_fetches"], 0, "{arena_stats}");
        assert_eq!(arena_stats["disallowed_fetches"], 0, "{arena_stats}");
    }
}

engine_test! {
    async fn a_text_sitemap_lists_one_url_per_line() {
        let arena = arena().await;
        let (records, _) = crawl(sitemap_spec(&arena, "/sitemaps/list.txt")).await;
        let got = by_path(&records);
        let paths: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(paths, ["/sitemaps/list.txt", "/unlisted/300", "/unlisted/301"]);
        assert!(got["/sitemaps/list.txt"].sitemap);
        assert!(got["/unlisted/300"].error.is_none());
    }
}

engine_test! {
    async fn a_page_that_is_not_a_sitemap_is_an_invalid_sitemap_record() {
        let arena = arena().await;
        // The home page is HTML: read as a sitemap, it is no sitemap.
        let (records, _) = crawl(sitemap_spec(&arena, "/")).await;
        assert_eq!(records.len(), 1, "{records:?}");
        let error = records[0].error.as_ref().expect("an error");
        assert_eq!(error.kind, ErrorKind::InvalidSitemap);
        assert!(error.message.contains("root element is <html>"), "{}", error.message);
        assert!(records[0].sitemap);
    }
}

/// robots.txt's `Sitemap:` line needs an arena that names it: natively only (the wasm tests
/// share one `silk arena` started without it).
#[cfg(not(target_arch = "wasm32"))]
mod robots_sitemaps {
    use super::*;

    fn arena_with_sitemaps() -> silk_arena::ArenaHandle {
        silk_arena::spawn(silk_arena::ArenaConfig {
            port: 0,
            pages: PAGES,
            sitemaps: true,
            ..Default::default()
        })
        .expect("arena starts")
    }

    fn spec(url: &str, sitemaps: bool) -> CrawlSpec {
        CrawlSpec {
            seeds: vec![format!("{url}/")],
            sitemaps,
            max_depth: Some(1),
            // Links of the home page are not followed: what is found, the sitemaps found.
            allow: vec!["/unlisted/".into()],
            timeout_ms: 2_000,
            ..CrawlSpec::default()
        }
    }

    #[tokio::test]
    async fn the_sitemap_line_of_a_start_hosts_robots_txt_is_read_when_asked() {
        let handle = arena_with_sitemaps();
        let (records, _) = crawl(spec(&handle.url(), true)).await;
        let got = by_path(&records);
        assert!(got["/sitemap.xml"].sitemap);
        assert_eq!(got["/sitemap.xml"].depth, 0);
        assert_eq!(got["/unlisted/1"].lastmod.as_deref(), Some("2026-10-31"));
        let unlisted = got.keys().filter(|p| p.starts_with("/unlisted/")).count();
        assert_eq!(
            unlisted,
            3 + silk_arena::BIG_SITEMAP_URLS,
            "the default cap reads all of big.xml"
        );
        assert!(got.contains_key("/"));
        assert_eq!(handle.arena.stats().duplicate_fetches, 0);

        // Off (the default): robots.txt's Sitemap: line is not followed.
        let handle = arena_with_sitemaps();
        let (records, _) = crawl(spec(&handle.url(), false)).await;
        assert_eq!(records.len(), 1, "only the start page: {records:?}");
        assert!(!handle.arena.fetched().contains_key("/sitemap.xml"));
    }
}
