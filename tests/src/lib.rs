//! Helpers shared by the end-to-end tests: find the built `silk` binary, start `silk arena`
//! as a real child process on a free port, and run `silk` commands against it. Every child
//! is killed when its handle drops, so a failing test leaves nothing running.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// The `silk` binary built by `cargo test --workspace` (or named by SILK_BIN).
pub fn silk_bin() -> PathBuf {
    if let Ok(p) = std::env::var("SILK_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/silk
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("silk"))
        .expect("target dir");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p silk-cli` first (scripts/test-all.sh does)",
        bin.display()
    );
    bin
}

/// Runs `silk ARGS...` to its end.
pub fn silk(args: &[&str]) -> Output {
    Command::new(silk_bin())
        .args(args)
        .output()
        .expect("silk runs")
}

/// Runs `silk ARGS...` and asserts that it succeeded.
pub fn silk_ok(args: &[&str]) -> Output {
    let o = silk(args);
    assert!(
        o.status.success(),
        "silk {args:?}: exit {:?}: {}",
        o.status,
        stderr(&o)
    );
    o
}

/// What a finished `silk` printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// `records` by their `url`; panics naming a URL recorded twice.
pub fn records_by_url(records: &[Value]) -> BTreeMap<String, &Value> {
    let mut by_url = BTreeMap::new();
    for r in records {
        let url = r["url"].as_str().expect("url").to_string();
        assert!(
            by_url.insert(url.clone(), r).is_none(),
            "{url} recorded twice"
        );
    }
    by_url
}

/// A `silk arena` child process.
pub struct ArenaProcess {
    pub url: String,
    child: Child,
}

impl ArenaProcess {
    pub fn start(args: &[&str]) -> ArenaProcess {
        let mut child = Command::new(silk_bin())
            .arg("arena")
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("silk arena starts");
        let mut line = String::new();
        let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        reader
            .read_line(&mut line)
            .expect("arena prints its address");
        // Keep draining stdout so the arena never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let url = line
            .trim()
            .strip_prefix("arena listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from silk arena: {line:?}"))
            .to_string();
        ArenaProcess { url, child }
    }

    pub fn stats(&self) -> Value {
        get_json(&format!("{}/__stats", self.url))
    }

    /// Full URLs of every page a correct crawl from `/` records (the trap excluded).
    pub fn expected_pages(&self) -> Vec<String> {
        get_json(&format!("{}/__pages", self.url))
            .as_array()
            .expect("list")
            .iter()
            .map(|p| format!("{}{}", self.url, p.as_str().expect("path")))
            .collect()
    }
}

impl Drop for ArenaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET over a TcpStream: the tests' own client, independent of silk's.
pub fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read response");
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = buf[split + 4..].to_vec();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    (status, if chunked { dechunk(&body) } else { body })
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + size]);
        body = &body[eol + 2 + size + 2..];
    }
}

pub fn get_json(url: &str) -> Value {
    let (status, body) = http_get(url);
    assert_eq!(status, 200, "GET {url}");
    serde_json::from_slice(&body).expect("JSON body")
}

/// Reads a JSONL file of records.
pub fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("output file")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSONL line {l:?}: {e}")))
        .collect()
}

/// A fresh temporary directory under target/, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("silk-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A minimal HTTP forward proxy on 127.0.0.1 (absolute-form GETs, one request per
/// connection) that counts what it forwards: enough to prove `--proxy` routes traffic.
pub struct CountingProxy {
    pub url: String,
    pub forwarded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingProxy {
    pub fn start() -> CountingProxy {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let forwarded = Arc::new(AtomicUsize::new(0));
        let count = forwarded.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let count = count.clone();
                std::thread::spawn(move || {
                    let _ = forward_one(client, &count);
                    count.load(Ordering::Relaxed)
                });
            }
        });
        CountingProxy { url, forwarded }
    }
}

fn forward_one(client: TcpStream, count: &std::sync::atomic::AtomicUsize) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let Some(rest) = target.strip_prefix("http://") else {
        return Ok(());
    };
    let (authority, path) = rest
        .split_once('/')
        .map(|(a, p)| (a, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut headers = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if !lower.starts_with("connection:") && !lower.starts_with("proxy-") {
            headers.push_str(&line);
        }
    }
    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut upstream = TcpStream::connect(authority)?;
    write!(
        upstream,
        "{method} {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n"
    )?;
    let mut client = client;
    std::io::copy(&mut upstream, &mut client)?;
    Ok(())
}
/// Waits for `child` (named `what` in the failure) to exit; kills it and fails the test if
/// it takes longer than `limit`.
pub fn wait_at_most(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub mod certs;
pub mod lossy_proxy;
pub mod redis_server;
pub mod tls_arena;
