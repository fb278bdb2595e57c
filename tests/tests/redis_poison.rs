//! Poison URLs in a shared crawl: a page that wedges every worker that fetches it (here
//! the arena's `/faults/slow`, with the worker SIGKILLed while it streams) is not passed
//! from worker to worker forever. Each reclaimed started lease raises the queue item's
//! attempt count; at `max_attempts` the next worker records `too_many_attempts`.

use silk_tests::redis_server::RedisServer;
use silk_tests::{read_jsonl, silk, silk_bin, stderr, ArenaProcess, TempDir};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `silk crawl SEED --frontier FRONTIER` for the slow page alone, plus `extra` flags.
fn worker(seed: &str, frontier: &str, out: &std::path::Path, extra: &[&str]) -> Child {
    Command::new(silk_bin())
        .args(["crawl", seed, "--frontier", frontier, "--depth", "0"])
        .args(["--timeout", "30s", "-q"])
        .args(extra)
        .args(["-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("silk crawl starts")
}

/// Waits until the arena has seen `n` page requests; panics if `w` ends first.
fn wait_for_fetches(arena: &ArenaProcess, n: u64, w: &mut Child, poll: Duration) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while arena.stats()["page_requests"].as_u64().unwrap_or(0) < n {
        assert!(Instant::now() < deadline, "fetch {n} never came");
        assert!(w.try_wait().unwrap().is_none(), "the worker ended early");
        std::thread::sleep(poll);
    }
}

fn wait_success(mut w: Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = w.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the last worker never finished");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

/// Exports the crawl and checks it holds one `too_many_attempts` record.
fn assert_one_too_many_attempts(frontier: &str, tmp: &TempDir) {
    let out = tmp.path("all.jsonl");
    let o = silk(&["export", frontier, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let records = read_jsonl(&out);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        records[0]["error"]["kind"], "too_many_attempts",
        "{records:?}"
    );
}

#[test]
fn a_url_that_kills_every_worker_becomes_an_error_record() {
    let redis = RedisServer::start();
    let arena = ArenaProcess::start(&[]);
    let tmp = TempDir::new("redis-poison");
    let seed = format!("{}/faults/slow", arena.url);
    let frontier = redis.crawl_url("poison");
    for n in 1..=3u64 {
        let out = tmp.path(&format!("w{n}.jsonl"));
        let mut w = worker(&seed, &frontier, &out, &["--lease", "1s"]);
        wait_for_fetches(&arena, n, &mut w, Duration::from_millis(20));
        // The page streams for 6 s: the worker is in the middle of it.
        std::thread::sleep(Duration::from_millis(300));
        w.kill().expect("SIGKILL");
        w.wait().unwrap();
    }
    let last = worker(&seed, &frontier, &tmp.path("w4.jsonl"), &["--lease", "1s"]);
    wait_success(last);
    assert_eq!(
        arena.stats()["page_requests"],
        3,
        "fetched only by the three workers it killed"
    );
    let reclaimed = redis.command("HGET silk:{poison}:stats reclaimed");
    assert!(reclaimed.contains("\r\n3\r\n"), "{reclaimed:?}");
    assert_one_too_many_attempts(&frontier, &tmp);
}

/// The started mark is in Redis before the request goes out. Worker 1 reaches Redis over
/// a slow link (300 ms each way up) and is SIGKILLed as soon as its request reaches the
/// server: whatever it had not delivered to Redis by then is lost with it. Before, the mark
/// was sent alongside the request and died in the link, so the reaper gave the URL back
/// uncharged and worker 2 fetched it again.
#[test]
fn a_worker_killed_as_its_request_arrives_is_charged() {
    let redis = RedisServer::start();
    let link = slow_link::SlowLink::start(redis.port, Duration::from_millis(300));
    let arena = ArenaProcess::start(&[]);
    let tmp = TempDir::new("redis-poison-mark");
    let seed = format!("{}/faults/slow", arena.url);
    let spec = tmp.path("spec.json");
    std::fs::write(&spec, r#"{"max_attempts": 1}"#).unwrap();
    let flags = ["--lease", "3s", "-c", "1", "--spec", spec.to_str().unwrap()];
    let slow = format!("redis://127.0.0.1:{}/mark", link.port);
    let mut w1 = worker(&seed, &slow, &tmp.path("w1.jsonl"), &flags);
    wait_for_fetches(&arena, 1, &mut w1, Duration::from_millis(5));
    w1.kill().expect("SIGKILL");
    w1.wait().unwrap();
    let frontier = redis.crawl_url("mark");
    wait_success(worker(&seed, &frontier, &tmp.path("w2.jsonl"), &flags));
    assert_eq!(
        arena.stats()["page_requests"],
        1,
        "max_attempts 1: the page that killed worker 1 is not fetched again"
    );
    assert_one_too_many_attempts(&frontier, &tmp);
}

/// A TCP link to Redis that delivers what the client sends `delay` late, and drops what it
/// still holds when the client goes away (a machine that dies takes its unsent data along).
mod slow_link {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Arc};
    use std::time::{Duration, Instant};

    pub struct SlowLink {
        pub port: u16,
    }

    impl SlowLink {
        pub fn start(redis_port: u16, delay: Duration) -> SlowLink {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind the link");
            let port = listener.local_addr().expect("link address").port();
            std::thread::spawn(move || {
                for client in listener.incoming().flatten() {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", redis_port)) {
                        pipe(client, server, delay);
                    }
                }
            });
            SlowLink { port }
        }
    }

    fn pipe(client: TcpStream, server: TcpStream, delay: Duration) {
        let gone = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
        let mut up = client.try_clone().unwrap();
        let client_gone = gone.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n @ 1..) = up.read(&mut buf) {
                if tx
                    .send((Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
            client_gone.store(true, Ordering::SeqCst);
        });
        let mut deliver = server.try_clone().unwrap();
        std::thread::spawn(move || {
            for (due, bytes) in rx {
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                if gone.load(Ordering::SeqCst) || deliver.write_all(&bytes).is_err() {
                    break;
                }
            }
            let _ = deliver.shutdown(Shutdown::Both);
        });
        let (mut down, mut client) = (server, client);
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut down, &mut client);
            let _ = client.shutdown(Shutdown::Both);
        });
    }
}
