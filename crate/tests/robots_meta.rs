//! Page-level robots rules and canonical links, in the engine, against a real arena's
//! `/meta/` pages (see `arena/src/robots_meta.rs` for what each page says), on both
//! extraction paths: the fast one (selectors in its subset) and scraper (a `:not()`
//! selector keeps the spec there). The arena's own fetch counters prove which links were
//! followed: `/meta/hidden/*` are linked only from pages that say nofollow.

#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use serde_json::{json, Value};
use silk::handler::{self};
use silk::{CrawlSpec, Crawler, Event, FieldSpec, Page, PageOutput, PlatformClock, Record, Stats};
use silk_arena::{ArenaConfig, ArenaHandle};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

fn meta_arena() -> ArenaHandle {
    silk_arena::spawn(ArenaConfig {
        port: 0,
        pages: 5,
        robots_meta: true,
        ..Default::default()
    })
    .expect("arena starts")
}

/// The spec's fields on the fast path, or on scraper only.
const FAST: [&str; 2] = ["title=title", "h1=h1"];
const SCRAPER: [&str; 2] = ["title=title", "h1=h1:not(.nothing)"];

fn spec(arena: &ArenaHandle, fields: &[&str]) -> CrawlSpec {
    let spec = CrawlSpec {
        seeds: vec![format!("{}/meta/", arena.url())],
        timeout_ms: 5_000,
        fields: fields
            .iter()
            .map(|f| FieldSpec::parse_cli(f).unwrap())
            .collect(),
        ..CrawlSpec::default()
    };
    let compiled = spec.compile().unwrap();
    let fast = silk::extract::fast::FastPlan::new(&compiled).is_some();
    assert_eq!(
        fast,
        fields == &FAST[..],
        "{fields:?} takes the intended path"
    );
    spec
}

fn meta_path(r: &Record) -> String {
    path_of(r)
        .strip_prefix("/meta/")
        .expect("only /meta/ pages")
        .to_string()
}

fn record<'a>(records: &'a [Record], page: &str) -> &'a Record {
    records
        .iter()
        .find(|r| meta_path(r) == page)
        .unwrap_or_else(|| panic!("no record of /meta/{page}"))
}

fn field<'a>(r: &'a Record, name: &str) -> &'a Value {
    &r.fields.iter().find(|(n, _)| n == name).expect("field").1
}

/// The `/meta/` pages the arena served, without the `/meta/` prefix.
fn fetched(arena: &ArenaHandle) -> BTreeSet<String> {
    arena
        .arena
        .fetched()
        .into_keys()
        .filter_map(|p| p.strip_prefix("/meta/").map(String::from))
        .collect()
}

fn set(pages: &[&str]) -> BTreeSet<String> {
    pages.iter().map(|p| p.to_string()).collect()
}

/// Every page a crawl from `/meta/` reaches when nothing is deduped or followed against
/// the rules, but the hidden ones.
const REACHED: &[&str] = &[
    "",
    "nofollow",
    "noindex",
    "none",
    "other-bot",
    "header-nofollow",
    "header-noindex",
    "rel-nofollow",
    "dup/a",
    "dup/b",
    "canon",
    "alias",
    "alias-child",
    "original",
    "after-noindex",
    "after-other-bot",
    "after-header-noindex",
    "after-rel-nofollow",
];
const HIDDEN: &[&str] = &["hidden/1", "hidden/2", "hidden/3", "hidden/4"];

#[tokio::test]
async fn robots_meta_and_x_robots_tag_are_honoured_on_both_paths() {
    for fields in [&FAST[..], &SCRAPER[..]] {
        let arena = meta_arena();
        let (records, stats) = crawl(spec(&arena, fields)).await;
        let recorded: BTreeSet<String> = records.iter().map(meta_path).collect();
        assert_eq!(recorded, set(REACHED), "{fields:?}");
        assert_eq!(records.len(), REACHED.len(), "each page once");
        assert_eq!(fetched(&arena), set(REACHED), "no hidden page fetched");
        // hidden/1 and /2, /3 (meta none), /4 (X-Robots-Tag: silk: nofollow).
        assert_eq!(stats.links_nofollow, 4, "{fields:?}");
        assert_eq!(stats.canonical_duplicates, 0);

        let flags = |page: &str| {
            let d = &record(&records, page).directives;
            (d.noindex, d.nofollow)
        };
        assert_eq!(flags("nofollow"), (false, true));
        assert_eq!(flags("noindex"), (true, false));
        assert_eq!(flags("none"), (true, true));
        assert_eq!(flags("other-bot"), (false, false), "googlebot's rules");
        assert_eq!(flags("header-nofollow"), (false, true));
        assert_eq!(
            flags("header-noindex"),
            (true, false),
            "otherbot's nofollow"
        );
        assert_eq!(flags("rel-nofollow"), (false, false));
        assert_eq!(flags(""), (false, false));

        // noindex: recorded (status 200, no error) with null fields.
        for page in ["noindex", "none", "header-noindex"] {
            let r = record(&records, page);
            assert_eq!((r.status, r.error.is_none()), (Some(200), true), "{page}");
            assert_eq!(field(r, "title"), &Value::Null, "{page}");
            assert_eq!(field(r, "h1"), &Value::Null, "{page}");
            assert_eq!(r.to_json()["noindex"], json!(true));
        }
        for page in ["nofollow", "other-bot", "header-nofollow"] {
            let r = record(&records, page);
            assert_eq!(field(r, "title"), &json!(page), "{page} keeps its fields");
            assert_eq!(field(r, "h1"), &json!(format!("Meta: {page}")));
        }
        assert_eq!(
            record(&records, "nofollow").to_json()["nofollow"],
            json!(true)
        );
        assert!(!record(&records, "other-bot")
            .to_json()
            .contains_key("nofollow"));
        // Without --canonical nothing is said about canonical links.
        assert!(records.iter().all(|r| r.directives.canonical.is_none()));
    }
}

#[tokio::test]
async fn follow_nofollow_follows_and_robots_off_ignores_everything() {
    let arena = meta_arena();
    let mut s = spec(&arena, &FAST);
    s.follow_nofollow = true;
    let (records, stats) = crawl(s).await;
    let all: BTreeSet<String> = REACHED
        .iter()
        .chain(HIDDEN)
        .map(|p| p.to_string())
        .collect();
    assert_eq!(fetched(&arena), all);
    assert_eq!(stats.links_nofollow, 0);
    let d = &record(&records, "nofollow").directives;
    assert!(d.nofollow, "the record still says what the page said");
    assert_eq!(field(record(&records, "noindex"), "title"), &Value::Null);

    let arena = meta_arena();
    let mut s = spec(&arena, &SCRAPER);
    s.robots = false;
    let (records, stats) = crawl(s).await;
    assert_eq!(fetched(&arena), all);
    assert_eq!(stats.links_nofollow, 0);
    assert!(records.iter().all(|r| r.directives == Default::default()));
    assert_eq!(
        field(record(&records, "noindex"), "title"),
        &json!("noindex"),
        "robots off: noindex pages keep their fields"
    );
}

#[tokio::test]
async fn canonical_dedupes_exactly_as_documented() {
    for fields in [&FAST[..], &SCRAPER[..]] {
        let arena = meta_arena();
        let mut s = spec(&arena, fields);
        s.canonical = true;
        let (records, stats) = crawl(s).await;
        let base = format!("{}/meta/", arena.url());
        // /meta/original is named canonical by /meta/alias before /meta/alias-child links
        // it: claimed, never fetched.
        let expected: BTreeSet<String> = set(REACHED)
            .into_iter()
            .filter(|p| p != "original")
            .collect();
        assert_eq!(fetched(&arena), expected, "{fields:?}");
        let recorded: BTreeSet<String> = records.iter().map(meta_path).collect();
        assert_eq!(recorded, expected);
        // dup/a and dup/b name /meta/canon, which the index queued first: duplicates.
        for page in ["dup/a", "dup/b"] {
            let r = record(&records, page);
            assert_eq!(
                r.directives.canonical.as_deref(),
                Some(format!("{base}canon").as_str())
            );
            assert!(r.directives.duplicate, "{page}");
            assert_eq!(field(r, "title"), &Value::Null, "{page}: no fields");
            assert_eq!(r.to_json()["duplicate"], json!(true));
        }
        // canon names itself: nothing to say; its fields are there.
        let canon = record(&records, "canon");
        assert_eq!(canon.directives, Default::default());
        assert_eq!(field(canon, "title"), &json!("canon"));
        // alias stands for /meta/original: not a duplicate, fields kept.
        let alias = record(&records, "alias");
        assert_eq!(
            alias.directives.canonical.as_deref(),
            Some(format!("{base}original").as_str())
        );
        assert!(!alias.directives.duplicate);
        assert_eq!(field(alias, "title"), &json!("alias"));
        assert_eq!(stats.canonical_duplicates, 2, "{fields:?}");
    }
}

#[tokio::test]
async fn no_handler_runs_on_pages_that_withhold_content() {
    let arena = meta_arena();
    let mut s = spec(&arena, &FAST);
    s.canonical = true;
    let seen = Rc::new(RefCell::new(BTreeSet::new()));
    let log = seen.clone();
    let handler = handler::sync(move |page: &Page| {
        log.borrow_mut().insert(page.url().to_string());
        Ok(PageOutput::new().item(json!({ "url": page.url() }))?)
    });
    let mut records = Vec::new();
    let stats: Stats = Crawler::new(
        s.compile().unwrap(),
        Rc::new(fetcher()),
        Rc::new(PlatformClock::default()),
    )
    .with_handler(handler)
    .run(|e| {
        if let Event::Record(r) = e {
            records.push(r)
        }
    })
    .await;
    let handled: BTreeSet<String> = seen
        .borrow()
        .iter()
        .map(|u| {
            u.strip_prefix(&format!("{}/meta/", arena.url()))
                .unwrap()
                .to_string()
        })
        .collect();
    let withheld = ["noindex", "none", "header-noindex", "dup/a", "dup/b"];
    for r in &records {
        let page = meta_path(r);
        let expect = !withheld.contains(&page.as_str());
        assert_eq!(handled.contains(&page), expect, "{page}");
        assert_eq!(r.items.is_empty(), !expect, "{page}");
    }
    // The handler saw no links on nofollow pages: the hidden pages stay unfetched.
    assert!(fetched(&arena).iter().all(|p| !p.starts_with("hidden/")));
    assert_eq!(stats.items as usize, records.len() - withheld.len());
}
