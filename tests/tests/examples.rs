//! The Rust examples (`crate/examples/`) end to end: the built example binaries against a real
//! `silk arena`, their output checked against what the tests read from the arena themselves
//! with a plain HTTP GET and a string scan (no HTML parser shared with silk).

use serde_json::Value;
use silk_tests::{http_get, records_by_url, stderr, ArenaProcess, TempDir};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

/// An example binary built by `cargo build -p silk --examples`.
fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("examples").join(name))
        .expect("target dir");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p silk --examples` first (scripts/test-all.sh does)",
        bin.display()
    );
    bin
}

fn run_example(name: &str, args: &[&str]) -> Output {
    Command::new(example_bin(name))
        .args(args)
        .output()
        .expect("example runs")
}

/// The page at `url` as text (the arena serves product pages and the home page as UTF-8).
fn page_text(url: &str) -> String {
    let (status, body) = http_get(url);
    assert_eq!(status, 200, "GET {url}");
    String::from_utf8(body).unwrap_or_else(|_| panic!("{url} is not UTF-8"))
}

/// The text between the first `<tag>` and `</tag>` (the arena writes both without attributes).
fn element_text<'a>(html: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = html.find(&open).map(|i| i + open.len()).expect("open tag");
    let end = html[start..].find(&format!("</{tag}>")).expect("close tag");
    &html[start..start + end]
}

/// Words in the body text, counted the naive way: every tag removed (adjacent text runs
/// joined, as an element's text is), then split on whitespace. An entity such as `&middot;`
/// is one non-space token, as the character it decodes to is.
fn body_words(html: &str) -> usize {
    let start = html.find("<body").expect("<body>");
    let start = start + html[start..].find('>').expect("<body> ends") + 1;
    let end = html.rfind("</body>").expect("</body>");
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().count()
}

/// The `<a href="/p/N">TEXT</a>` links of a page: full URL -> link text.
fn product_anchors(base: &str, html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = html;
    while let Some(i) = rest.find("<a href=\"/p/") {
        rest = &rest[i + "<a href=\"".len()..];
        let path_end = rest.find('"').expect("closing quote");
        let text_start = rest.find('>').expect("anchor ends") + 1;
        let text_end = text_start + rest[text_start..].find("</a>").expect("</a>");
        out.insert(
            format!("{base}{}", &rest[..path_end]),
            rest[text_start..text_end].to_string(),
        );
    }
    out
}

#[test]
fn custom_spider_prints_one_line_per_page_with_an_h1() {
    const PAGES: usize = 40;
    let arena = ArenaProcess::start(&["--pages", &PAGES.to_string()]);
    let out = run_example("custom_spider", &[&format!("{}/", arena.url), "-c", "8"]);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(&out)
    );
    // Before the test's own requests: the follow list went through the seen-set and robots.
    let stats = arena.stats();
    assert_eq!(stats["duplicate_fetches"], 0, "{stats}");
    assert_eq!(stats["disallowed_fetches"], 0, "{stats}");

    let items: Vec<Value> = String::from_utf8(out.stdout.clone())
        .expect("UTF-8 stdout")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSONL line {l:?}: {e}")))
        .collect();
    let by_url = records_by_url(&items); // panics on a URL printed twice
    for item in &items {
        let keys: Vec<&str> = item
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["url", "h1", "words"], "{item}");
        let url = item["url"].as_str().expect("url");
        assert!(
            url.starts_with(&format!("{}/", arena.url)),
            "off-host item {url}"
        );
        assert!(!item["h1"].as_str().expect("h1").is_empty(), "{item}");
        assert!(item["words"].as_u64().expect("words") > 0, "{item}");
    }

    // Every product page (all reachable from home through the i -> i+1 chain) and the home
    // page, each with its heading and a word count the test makes itself.
    let home = format!("{}/", arena.url);
    let products = (0..PAGES).map(|i| format!("{}/p/{i}", arena.url));
    for url in std::iter::once(home).chain(products) {
        let item = by_url
            .get(&url)
            .unwrap_or_else(|| panic!("no item for {url}"));
        let html = page_text(&url);
        assert_eq!(item["h1"], element_text(&html, "h1"), "{url}");
        assert_eq!(item["words"], body_words(&html), "{url}");
    }

    let summary = stderr(&out);
    assert!(
        summary.contains(&format!("{} items", items.len())),
        "summary on stderr: {summary}"
    );
}

#[test]
fn custom_spider_page_limit_and_usage() {
    let arena = ArenaProcess::start(&["--pages", "30", "--no-faults"]);
    let out = run_example(
        "custom_spider",
        &[&format!("{}/", arena.url), "--max-pages", "5"],
    );
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(&out)
    );
    let lines = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!((1..=5).contains(&lines), "{lines} items from 5 pages");
    assert!(stderr(&out).contains("5 pages"), "{}", stderr(&out));

    let none = run_example("custom_spider", &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("usage: custom_spider URL"),
        "{}",
        stderr(&none)
    );
    assert!(none.stdout.is_empty());
}

#[test]
fn spider_sqlite_stores_each_detail_page_with_its_list_meta() {
    let arena = ArenaProcess::start(&["--pages", "40"]);
    let tmp = TempDir::new("spider-sqlite");
    let db = tmp.path("items.sqlite");
    let home = format!("{}/", arena.url);
    let out = run_example("spider_sqlite", &[&home, db.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(&out)
    );
    // Before the test's own requests: what the crawl fetched.
    let fetched = arena_fetched(&arena);

    // The list page's product links and their texts, read by the test itself.
    let listed = product_anchors(&arena.url, &page_text(&home));
    assert!(
        listed.len() >= 5,
        "the home page lists products: {listed:?}"
    );

    let conn = rusqlite::Connection::open(&db).expect("open the example's database");
    let mut query = conn
        .prepare("SELECT url, title, h1, listed_on, link_text FROM items ORDER BY url")
        .expect("items table");
    let rows: Vec<[String; 5]> = query
        .query_map([], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let stored: Vec<&String> = rows.iter().map(|r| &r[0]).collect();
    let expected: Vec<&String> = listed.keys().collect();
    assert_eq!(
        stored, expected,
        "one row per detail page the list page links"
    );
    for [url, title, h1, listed_on, link_text] in &rows {
        let html = page_text(url);
        assert_eq!(title, element_text(&html, "title"), "{url}");
        assert_eq!(h1, element_text(&html, "h1"), "{url}");
        // The meta the list page attached to the link, seen by the detail page's handler.
        assert_eq!(listed_on, &home, "{url}");
        assert_eq!(link_text, &listed[url], "{url}");
    }
    assert!(
        stderr(&out).contains(&format!("{} items stored", rows.len())),
        "{}",
        stderr(&out)
    );

    // Detail pages follow nothing: only the list page and its detail pages were fetched.
    let mut wanted: Vec<String> = std::iter::once("/".to_string())
        .chain(listed.keys().map(|u| u[arena.url.len()..].to_string()))
        .collect();
    wanted.sort();
    assert_eq!(fetched, wanted);
}

/// The paths the arena served (page requests, robots.txt excluded), sorted.
fn arena_fetched(arena: &ArenaProcess) -> Vec<String> {
    let mut paths: Vec<String> = silk_tests::get_json(&format!("{}/__fetched", arena.url))
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    paths.sort();
    paths
}
