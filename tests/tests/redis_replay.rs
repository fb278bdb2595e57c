//! Lost Redis replies (`--frontier redis://...`): a real `redis-server` behind a TCP proxy
//! that lets script calls through and then drops the connection before their reply. The
//! worker retries each call; every script call carries a call id, so a replay returns the
//! first run's answer instead of leasing a second URL or taking a second permit. Without
//! that, a replayed `pop` leases another URL while the first stays leased to the same
//! worker forever, and the crawl never ends.

use silk_tests::lossy_proxy::LossyProxy;
use silk_tests::redis_server::RedisServer;
use silk_tests::{read_jsonl, records_by_url, silk, silk_bin, stderr, ArenaProcess, TempDir};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn lost_replies_are_replayed_and_every_page_is_recorded_once() {
    let redis = RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "60", "--no-faults", "--latency-ms", "5"]);
    // Every 4th script call loses its reply: pops, permits, completes, adds, robots locks.
    let proxy = LossyProxy::start(redis.port, 4);
    let tmp = TempDir::new("redis-replay");
    let site = format!("{}/", arena.url);
    let frontier = format!("redis://127.0.0.1:{}/replay", proxy.port);
    let (out, err) = (tmp.path("w.jsonl"), tmp.path("w.err"));
    let mut worker = Command::new(silk_bin())
        .args(["crawl", &site, "--frontier", &frontier, "-c", "4", "-q"])
        .args(["-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("silk crawl starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = worker.kill();
            let _ = worker.wait();
            let status = silk(&["status", &redis.crawl_url("replay")]);
            panic!(
                "the crawl never ended after {} lost replies: {}",
                proxy.dropped(),
                String::from_utf8_lossy(&status.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(status.success(), "worker exited {status}: {said}");
    assert!(
        proxy.dropped() >= 10,
        "only {} replies lost: the test did not test",
        proxy.dropped()
    );

    // Every page once in the worker's own output: a replayed `complete` answers
    // "accepted" (before, the replay found its lease gone and the record was dropped).
    let mine = read_jsonl(&out);
    records_by_url(&mine);
    let expected: BTreeSet<String> = arena.expected_pages().into_iter().collect();
    let covered = |records: &[serde_json::Value]| -> BTreeSet<String> {
        records
            .iter()
            .flat_map(|r| [r["url"].as_str(), r["final_url"].as_str()])
            .flatten()
            .map(str::to_string)
            .collect()
    };
    let missing: Vec<_> = expected.difference(&covered(&mine)).cloned().collect();
    assert!(
        missing.is_empty(),
        "not in the worker's output: {missing:?}"
    );

    let all = tmp.path("all.jsonl");
    let o = silk(&[
        "export",
        &redis.crawl_url("replay"),
        "-o",
        all.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let exported = read_jsonl(&all);
    records_by_url(&exported);
    assert_eq!(exported.len(), mine.len(), "stream and worker output agree");
    let missing: Vec<_> = expected.difference(&covered(&exported)).cloned().collect();
    assert!(missing.is_empty(), "never exported: {missing:?}");
    let stats = arena.stats();
    assert_eq!(
        stats["duplicate_fetches"], 0,
        "no page fetched twice: {stats}"
    );
    assert_eq!(stats["robots_requests"], 1, "{stats}");
    let status = silk(&["status", &redis.crawl_url("replay")]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("finished: yes") && text.contains("queued: 0"),
        "{text}"
    );
}
