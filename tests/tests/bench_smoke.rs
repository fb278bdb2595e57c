//! `silk bench` runs end to end on its small setting and prints its figures: the arena and
//! the crawler in their own processes, records read back, duplicate fetches from the arena.
//! No timing is asserted; the benchmark's numbers are for people, not for CI.

use silk_tests::silk_bin;
use std::process::Command;

fn figure<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{stdout}"))
        .trim()
}

#[test]
fn bench_cpu_small_prints_its_figures() {
    let out = Command::new(silk_bin())
        .args(["bench", "cpu", "--small"])
        .output()
        .expect("silk bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "silk bench failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages: u64 = figure(&stdout, "pages fetched:")
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a page count");
    assert!(pages > 200, "{stdout}");
    assert_eq!(figure(&stdout, "duplicate fetches:"), "0", "{stdout}");
    for label in [
        "wall seconds:",
        "pages/s:",
        "CPU-s per 1000 pages:",
        "max RSS:",
    ] {
        figure(&stdout, label);
    }
    assert!(stdout.contains("targets, cpu regime:"), "{stdout}");
}
