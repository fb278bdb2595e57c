//! `silk crawl` end to end: the real binary against a real `silk arena` over 127.0.0.1.

use serde_json::Value;
use silk_tests::{
    read_jsonl, records_by_url, silk, silk_bin, silk_ok, stderr, ArenaProcess, TempDir,
};
use std::collections::BTreeSet;
use std::process::{Command, Output};

/// Runs `silk crawl URL ARGS...` and asserts that it succeeded.
fn crawl_ok(url: &str, args: &[&str]) -> Output {
    let mut full = vec!["crawl", url];
    full.extend_from_slice(args);
    silk_ok(&full)
}

fn path_of(url: &str) -> String {
    url.splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default()
}

/// The issue's headline run: every reachable page exactly once, robots obeyed, one correct
/// record per URL, each fault page with the right status or error kind.
#[test]
fn crawls_the_arena_exactly_once() {
    let arena = ArenaProcess::start(&["--pages", "300"]);
    let tmp = TempDir::new("headline");
    let out = tmp.path("out.jsonl");
    crawl_ok(
        &format!("{}/", arena.url),
        &[
            "-c",
            "16",
            "--select",
            "title=title",
            "--select",
            "h1=h1",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    let records = read_jsonl(&out);
    let stats = arena.stats();
    assert_eq!(stats["duplicate_fetches"], 0, "{stats}");
    assert_eq!(stats["disallowed_fetches"], 0, "{stats}");

    let by_url = records_by_url(&records);
    for r in &records {
        for key in [
            "final_url",
            "status",
            "depth",
            "referer",
            "bytes",
            "elapsed_ms",
            "title",
            "h1",
        ] {
            assert!(r.get(key).is_some(), "{} lacks {key}: {r}", r["url"]);
        }
    }
    let covered: BTreeSet<String> = records
        .iter()
        .flat_map(|r| [r["url"].as_str(), r["final_url"].as_str()])
        .flatten()
        .map(String::from)
        .collect();
    let missing: Vec<String> = arena
        .expected_pages()
        .into_iter()
        .filter(|p| !covered.contains(p))
        .collect();
    assert!(missing.is_empty(), "pages never recorded: {missing:?}");

    for i in [0, 1, 150, 299] {
        let url = format!("{}/p/{i}", arena.url);
        if let Some(r) = by_url.get(&url) {
            assert_eq!(r["status"], 200);
            assert_eq!(r["title"], format!("Product {i} | Arena"));
            assert_eq!(r["h1"], format!("Product {i}"));
        } else {
            // Reached only through a redirect: the record carries it as final_url.
            assert!(
                records.iter().any(|r| r["final_url"] == url.as_str()),
                "{url}"
            );
        }
    }
    let kind = |path: &str| {
        by_url[&format!("{}{path}", arena.url)]["error"]["kind"]
            .as_str()
            .map(String::from)
    };
    assert_eq!(kind("/faults/loop-a").as_deref(), Some("redirect_loop"));
    assert_eq!(kind("/faults/reset").as_deref(), Some("connect"));
    assert_eq!(kind("/faults/huge").as_deref(), Some("too_large"));
    assert_eq!(by_url[&format!("{}/faults/429", arena.url)]["status"], 200);
    assert_eq!(by_url[&format!("{}/faults/503", arena.url)]["status"], 200);
    assert_eq!(by_url[&format!("{}/faults/slow", arena.url)]["status"], 200);
    assert_eq!(
        by_url[&format!("{}/faults/gbk", arena.url)]["title"],
        "中文页面 GBK"
    );
    let robots: Vec<&&Value> = by_url
        .values()
        .filter(|r| r["error"]["kind"] == "robots")
        .collect();
    assert!(!robots.is_empty());
    assert!(robots
        .iter()
        .all(|r| path_of(r["url"].as_str().unwrap()).starts_with("/private/")));
    // The calendar trap was cut off by the default depth limit (20).
    assert!(records.iter().all(|r| r["depth"].as_u64().unwrap() <= 20));
}

#[test]
fn csv_has_the_same_columns() {
    let arena = ArenaProcess::start(&["--pages", "20"]);
    let tmp = TempDir::new("csv");
    let out = tmp.path("out.csv");
    crawl_ok(
        &format!("{}/p/1", arena.url),
        &[
            "-d",
            "1",
            "--select",
            "title=title",
            "--select",
            "prices[]=.price",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "url,final_url,status,depth,referer,bytes,elapsed_ms,protocol,title,prices,error"
    );
    let first = lines.next().expect("a record");
    assert!(first.starts_with(&format!("{}/p/1,", arena.url)), "{first}");
    assert!(first.contains("Product 1 | Arena"), "{first}");
    assert!(lines.count() >= 2);
}

#[test]
fn bad_input_is_a_usage_error_that_says_what_to_fix() {
    let tmp = TempDir::new("usage");
    let bad_spec = tmp.path("bad.json");
    std::fs::write(
        &bad_spec,
        "{\n  \"seeds\": [\"http://127.0.0.1:9/\"],\n  \"concurency\": 4\n}\n",
    )
    .unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["example.com".into()], "http://example.com"),
        (vec!["ftp://127.0.0.1/".into()], "scheme `ftp`"),
        (
            vec![
                "http://127.0.0.1:9/".into(),
                "--select".into(),
                "t=div..x".into(),
            ],
            "class name at column 5",
        ),
        (
            vec![
                "http://127.0.0.1:9/".into(),
                "--select".into(),
                "notafield".into(),
            ],
            "NAME=CSS",
        ),
        (
            vec![
                "http://127.0.0.1:9/".into(),
                "--deny".into(),
                "(unclosed".into(),
            ],
            "deny regex `(unclosed`",
        ),
        (
            vec!["--spec".into(), bad_spec.to_str().unwrap().into()],
            "line 3, column",
        ),
        (
            vec![
                "http://127.0.0.1:9/".into(),
                "--select".into(),
                "status=h1".into(),
            ],
            "clashes",
        ),
        (
            vec![
                "http://127.0.0.1:9/".into(),
                "--format".into(),
                "xml".into(),
            ],
            "jsonl, csv or sqlite",
        ),
        (
            vec!["http://127.0.0.1:9/".into(), "-o".into(), "-:sqlite".into()],
            "stdout",
        ),
        (
            vec![
                "http://127.0.0.1:9/".into(),
                "--delay".into(),
                "soon".into(),
            ],
            "250ms",
        ),
        (
            vec!["http://127.0.0.1:9/".into(), "-c".into(), "0".into()],
            "concurrency",
        ),
        (vec![], "no start URL"),
    ];
    for (args, needle) in cases {
        let mut full = vec!["crawl".to_string()];
        full.extend(args.clone());
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let o = silk(&refs);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "{args:?}: expected `{needle}` in: {}",
            stderr(&o)
        );
    }
}

#[test]
fn spec_file_runs_and_flags_override_it() {
    let arena = ArenaProcess::start(&["--pages", "30"]);
    let tmp = TempDir::new("spec");
    let spec = tmp.path("spec.json");
    std::fs::write(
        &spec,
        format!(
            r#"{{"seeds": ["{}/"], "max_depth": 5, "max_pages": 3, "fields": [{{"name": "heading", "selector": "h1"}}]}}"#,
            arena.url
        ),
    )
    .unwrap();
    let out = tmp.path("o.jsonl");
    crawl_ok(
        "--spec",
        &[
            spec.to_str().unwrap(),
            "-n",
            "6",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    let records = read_jsonl(&out);
    assert_eq!(records.len(), 6, "-n overrides max_pages");
    assert!(records.iter().all(|r| r.get("heading").is_some()));
}

#[test]
fn ctrl_c_cancels_flushes_and_exits_130() {
    let arena = ArenaProcess::start(&["--pages", "300", "--latency-ms", "200"]);
    let tmp = TempDir::new("sigint");
    let out = tmp.path("o.jsonl");
    let child = Command::new(silk_bin())
        .args([
            "crawl",
            &format!("{}/", arena.url),
            "-c",
            "4",
            "-o",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = std::time::Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        started.elapsed().as_secs_f64() < 4.0,
        "took {:?} to stop",
        started.elapsed()
    );
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("cancelled"), "{}", stderr(&o));
    let records = read_jsonl(&out); // every line parses: no torn writes
    assert!(!records.is_empty());
}

#[test]
fn a_huge_body_does_not_grow_memory() {
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let tmp = TempDir::new("huge");
    let out = tmp.path("o.jsonl");
    let url = format!("{}/faults/huge", arena.url);
    let args = [
        "crawl",
        &url,
        "-d",
        "0",
        "--quiet",
        "--max-body",
        "10MiB",
        "-o",
        out.to_str().unwrap(),
    ];
    // The child is reaped by wait4 below, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(silk_bin()).args(args).spawn().unwrap();
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid);
    let max_rss_mib = usage.ru_maxrss as f64 / 1024.0;
    let records = read_jsonl(&out);
    assert_eq!(records[0]["error"]["kind"], "too_large", "{records:?}");
    assert!(
        max_rss_mib < 45.0,
        "max RSS {max_rss_mib:.1} MiB for a 50 MiB body with a 10 MiB limit"
    );
}

#[test]
fn per_host_limit_and_delay_hold() {
    let arena = ArenaProcess::start(&["--pages", "40", "--latency-ms", "50"]);
    crawl_ok(
        &format!("{}/", arena.url),
        &["-c", "16", "--per-host", "3", "-n", "30", "--quiet"],
    );
    let stats = arena.stats();
    assert_eq!(stats["max_in_flight"], 3, "per-host limit: {stats}");

    let arena = ArenaProcess::start(&["--pages", "40"]);
    let started = std::time::Instant::now();
    crawl_ok(
        &format!("{}/", arena.url),
        &["-c", "16", "--delay", "100ms", "-n", "8", "--quiet"],
    );
    // Eight requests (plus robots.txt) with 100 ms between starts take at least 0.7 s.
    assert!(
        started.elapsed().as_secs_f64() >= 0.7,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(arena.stats()["max_in_flight"], 1);
}

#[test]
fn proxy_carries_the_traffic() {
    let arena = ArenaProcess::start(&["--pages", "10"]);
    let proxy = silk_tests::CountingProxy::start();
    let tmp = TempDir::new("proxy");
    let out = tmp.path("o.jsonl");
    crawl_ok(
        &format!("{}/p/1", arena.url),
        &[
            "-d",
            "1",
            "--proxy",
            &proxy.url,
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    let records = read_jsonl(&out);
    assert!(records.len() > 3);
    let forwarded = proxy.forwarded.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        forwarded > records.len(),
        "{forwarded} requests through the proxy for {} records",
        records.len()
    );
    assert_eq!(arena.stats()["duplicate_fetches"], 0);
}

#[test]
fn robots_crawl_delay_is_honoured() {
    let arena = ArenaProcess::start(&["--pages", "40", "--crawl-delay", "0.2"]);
    let started = std::time::Instant::now();
    crawl_ok(
        &format!("{}/", arena.url),
        &["-c", "16", "-n", "6", "--quiet"],
    );
    // Six pages, at least 200 ms apart after robots.txt: one second at the very least.
    assert!(
        started.elapsed().as_secs_f64() >= 1.0,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(arena.stats()["max_in_flight"], 1);
}
