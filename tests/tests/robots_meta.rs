//! Robots meta tags, `X-Robots-Tag` and `--canonical`, end to end: the real `silk` binary
//! against a real `silk arena --robots-meta` over 127.0.0.1 (its `/meta/` pages are listed
//! in `arena/src/robots_meta.rs`). The arena's `/__fetched` counters prove which links were
//! followed: `/meta/hidden/*` are linked only from pages that say nofollow, and
//! `/meta/original` only after `/meta/alias` has named it canonical.

use serde_json::{json, Value};
use silk_tests::{get_json, read_jsonl, records_by_url, silk_ok, stderr, ArenaProcess, TempDir};
use std::collections::BTreeSet;

const HIDDEN: [&str; 4] = ["hidden/1", "hidden/2", "hidden/3", "hidden/4"];

/// A crawl of `/meta/` with `flags`: its records by path below `/meta/`, its stats, and
/// the `/meta/` paths the arena served.
struct Crawl {
    records: Vec<Value>,
    stats: Value,
    fetched: BTreeSet<String>,
    base: String,
}

impl Crawl {
    fn run(name: &str, flags: &[&str]) -> Crawl {
        let arena = ArenaProcess::start(&["--pages", "5", "--robots-meta"]);
        let dir = TempDir::new(&format!("robots-meta-{name}"));
        let out = dir.path("out.jsonl");
        let stats = dir.path("stats.json");
        let seed = format!("{}/meta/", arena.url);
        let mut args = vec![
            "crawl",
            &seed,
            "--select",
            "title=title",
            "-o",
            out.to_str().unwrap(),
            "--stats-json",
            stats.to_str().unwrap(),
            "-q",
        ];
        args.extend_from_slice(flags);
        silk_ok(&args);
        let fetched = get_json(&format!("{}/__fetched", arena.url))
            .as_object()
            .expect("fetch counts")
            .keys()
            .filter_map(|p| p.strip_prefix("/meta/").map(String::from))
            .collect();
        let stats = serde_json::from_str(&std::fs::read_to_string(stats).unwrap()).unwrap();
        Crawl {
            records: read_jsonl(&out),
            stats,
            fetched,
            base: seed,
        }
    }

    fn record(&self, page: &str) -> &Value {
        let url = format!("{}{page}", self.base);
        records_by_url(&self.records)
            .get(&url)
            .copied()
            .unwrap_or_else(|| panic!("no record of {url}"))
    }

    fn hidden_fetched(&self) -> usize {
        HIDDEN.iter().filter(|h| self.fetched.contains(**h)).count()
    }
}

#[test]
fn nofollow_noindex_and_x_robots_tag_are_honoured_by_default() {
    let c = Crawl::run("default", &[]);
    assert_eq!(c.hidden_fetched(), 0, "fetched: {:?}", c.fetched);
    assert_eq!(c.stats["links_nofollow"], json!(4));
    assert_eq!(c.record("nofollow")["nofollow"], json!(true));
    assert_eq!(c.record("nofollow")["title"], json!("nofollow"));
    for page in ["noindex", "none", "header-noindex"] {
        let r = c.record(page);
        assert_eq!(r["noindex"], json!(true), "{page}");
        assert_eq!(r["status"], json!(200), "{page} is recorded");
        assert_eq!(r["title"], Value::Null, "{page}: no fields");
    }
    // X-Robots-Tag: `silk: nofollow` is for silk; `otherbot: nofollow` is not.
    assert_eq!(c.record("header-nofollow")["nofollow"], json!(true));
    assert!(c.record("header-noindex").get("nofollow").is_none());
    assert!(c.fetched.contains("after-header-noindex"));
    // googlebot's meta tag is not for silk; rel="nofollow" on a link is a hint, followed.
    let other = c.record("other-bot");
    assert!(other.get("noindex").is_none() && other.get("nofollow").is_none());
    assert!(c.fetched.contains("after-other-bot"));
    assert!(c.fetched.contains("after-rel-nofollow"));
    // Without --canonical: no canonical keys, every page fetched.
    assert!(c.records.iter().all(|r| r.get("canonical").is_none()));
    assert!(c.fetched.contains("original"));
}

#[test]
fn follow_nofollow_and_no_robots_follow_every_link() {
    let c = Crawl::run("follow", &["--follow-nofollow"]);
    assert_eq!(c.hidden_fetched(), 4, "fetched: {:?}", c.fetched);
    assert_eq!(c.stats["links_nofollow"], json!(0));
    assert_eq!(c.record("nofollow")["nofollow"], json!(true), "still said");
    assert_eq!(
        c.record("noindex")["title"],
        Value::Null,
        "noindex still holds"
    );

    let c = Crawl::run("off", &["--no-robots"]);
    assert_eq!(c.hidden_fetched(), 4);
    assert_eq!(c.record("noindex")["title"], json!("noindex"));
    for r in &c.records {
        assert!(
            r.get("noindex").is_none() && r.get("nofollow").is_none(),
            "{r}"
        );
    }
}

#[test]
fn canonical_dedupes_exactly_as_documented() {
    let c = Crawl::run("canonical", &["--canonical"]);
    let canon = format!("{}canon", c.base);
    for page in ["dup/a", "dup/b"] {
        let r = c.record(page);
        assert_eq!(r["canonical"], json!(canon), "{page}");
        assert_eq!(r["duplicate"], json!(true), "{page}");
        assert_eq!(r["title"], Value::Null, "{page}: fields withheld");
    }
    assert!(c.record("canon").get("canonical").is_none(), "its own URL");
    assert_eq!(c.record("canon")["title"], json!("canon"));
    let alias = c.record("alias");
    assert_eq!(alias["canonical"], json!(format!("{}original", c.base)));
    assert!(alias.get("duplicate").is_none());
    assert_eq!(alias["title"], json!("alias"));
    // /meta/original joined the seen-set when /meta/alias named it: never fetched.
    assert!(!c.fetched.contains("original"), "fetched: {:?}", c.fetched);
    assert!(
        c.fetched.contains("alias-child"),
        "a duplicate's links are followed"
    );
    assert_eq!(c.stats["canonical_duplicates"], json!(2));
    assert_eq!(
        c.records.len(),
        c.fetched.len(),
        "every fetched page recorded once"
    );
}

#[test]
fn record_keys_survive_the_state_file_and_the_summary_counts_them() {
    let arena = ArenaProcess::start(&["--pages", "5", "--robots-meta"]);
    let dir = TempDir::new("robots-meta-state");
    let db = dir.path("crawl.db");
    let out = dir.path("export.jsonl");
    let seed = format!("{}/meta/", arena.url);
    let db = db.to_str().unwrap();
    let o = silk_ok(&[
        "crawl",
        &seed,
        "--canonical",
        "--state",
        db,
        "-o",
        "/dev/null",
    ]);
    assert!(
        stderr(&o).contains("meta     4 links not followed (nofollow), 2 canonical duplicates"),
        "the summary counts them: {}",
        stderr(&o)
    );
    silk_ok(&["export", db, "-o", out.to_str().unwrap()]);
    let records = read_jsonl(&out);
    let by_url = records_by_url(&records);
    let r = by_url[&format!("{seed}dup/a")];
    assert_eq!(r["duplicate"], json!(true));
    assert_eq!(r["canonical"], json!(format!("{seed}canon")));
    assert_eq!(by_url[&format!("{seed}none")]["noindex"], json!(true));
    assert_eq!(by_url[&format!("{seed}none")]["nofollow"], json!(true));
}
