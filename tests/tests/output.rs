//! Where `silk crawl -o` writes, end to end: stdout (`-o -`), devices (`-o /dev/null`),
//! names without a known extension (JSONL, with a note), `-o FILE:FORMAT` and `--format`;
//! and a disk that fills up mid-write leaves whole JSONL lines only.

use silk_tests::{read_jsonl, silk, silk_bin, stderr, ArenaProcess, TempDir};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

fn crawl(url: &str, args: &[&str]) -> Output {
    let mut full = vec!["crawl", url, "-d", "1"];
    full.extend_from_slice(args);
    silk(&full)
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

#[test]
fn stdout_dev_null_unknown_names_and_format_suffixes() {
    let arena = ArenaProcess::start(&["--pages", "12", "--no-faults"]);
    let url = format!("{}/p/1", arena.url);
    let tmp = TempDir::new("output-targets");

    let reference = tmp.path("ref.jsonl");
    ok(crawl(&url, &["-q", "-o", reference.to_str().unwrap()]));
    let expected = read_jsonl(&reference).len();
    assert!(expected > 3, "{expected} records");

    // -o - is stdout, as JSONL.
    let o = ok(crawl(&url, &["-q", "-o", "-"]));
    let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSONL line"))
        .collect();
    assert_eq!(lines.len(), expected);

    // /dev/null: accepted, no note about the format.
    let o = ok(crawl(&url, &["-o", "/dev/null"]));
    assert!(!stderr(&o).contains("writing JSONL"), "{}", stderr(&o));

    // A name without a known extension: JSONL, and a note that says how to choose.
    let txt = tmp.path("records.txt");
    let o = ok(crawl(&url, &["-o", txt.to_str().unwrap()]));
    assert!(
        stderr(&o).contains("writing JSONL") && stderr(&o).contains("--format"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read_jsonl(&txt).len(), expected);

    // FILE:FORMAT (Scrapy's form) and --format, to a file and to stdout.
    let data = tmp.path("records.data");
    ok(crawl(
        &url,
        &["-q", "-o", &format!("{}:csv", data.display())],
    ));
    let text = std::fs::read_to_string(&data).unwrap();
    assert!(text.starts_with("url,final_url,status,"), "{text}");
    assert_eq!(text.lines().count(), expected + 1);
    let o = ok(crawl(&url, &["-q", "--format", "csv", "-o", "-"]));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        stdout.lines().next(),
        text.lines().next(),
        "the same header"
    );
    assert_eq!(stdout.lines().count(), expected + 1);

    // SQLite cannot go to stdout; an unknown format is named.
    for (args, says) in [
        (vec!["-o", "-:sqlite"], "stdout"),
        (vec!["--format", "xml"], "jsonl, csv or sqlite"),
    ] {
        let mut all = vec!["-q"];
        all.extend(args.iter());
        let o = crawl(&url, &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

/// A file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) is what a full disk looks like to
/// a writer: a write that crosses it is cut short, the next fails. The output file must
/// still hold whole lines only, and the crawl must fail saying why.
#[test]
fn a_disk_that_fills_up_leaves_whole_jsonl_lines_only() {
    let arena = ArenaProcess::start(&["--pages", "400", "--no-faults"]);
    let tmp = TempDir::new("output-full");
    let out = tmp.path("out.jsonl");
    const LIMIT: u64 = 20_000;
    let url = format!("{}/", arena.url);
    let mut cmd = Command::new(silk_bin());
    cmd.args([
        "crawl",
        &url,
        "-c",
        "8",
        "--select",
        "title=title",
        "--select",
        "h1=h1",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let o = cmd.output().expect("silk runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write records"),
        "{}",
        stderr(&o)
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.len() as u64 <= LIMIT);
    assert!(!bytes.is_empty(), "some lines fit");
    assert_eq!(
        bytes.last(),
        Some(&b'\n'),
        "the file ends with a whole line"
    );
    let records = read_jsonl(&out);
    println!(
        "{} whole records in {} bytes (limit {LIMIT})",
        records.len(),
        bytes.len()
    );
    assert!(records.iter().all(|r| r["url"].is_string()));
}
