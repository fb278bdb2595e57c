//! `silk serve` from the outside: the built binary is started on a free port and spoken to
//! over raw HTTP/1.1, so these tests see exactly what a browser or a hostile page would.
//! They pin the promises that make `--relay` safe to run on a laptop: no token, no relay;
//! no `file:` (or any non-http(s)) URL; no token for other origins (no CORS headers on
//! `/serve.json`, foreign `Origin` and `Host` refused); no files outside `web/`.
//!
//! The binary is `$SILK_BIN`, else `target/debug/silk` of this workspace: build it first
//! with `cargo build -p silk-cli` (tests/playground/run.sh does).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// A running `silk serve --port 0 --relay`, stopped on drop.
struct Serve {
    child: Child,
    /// Kept open: the server prints more lines, and must be able to.
    _stdout: BufReader<ChildStdout>,
    /// `127.0.0.1:PORT`
    addr: String,
}

impl Serve {
    fn start() -> Serve {
        let bin = std::env::var_os("SILK_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/silk")
            });
        assert!(
            bin.is_file(),
            "no silk binary at {}: build it with `cargo build -p silk-cli` or set SILK_BIN",
            bin.display()
        );
        let mut child = Command::new(&bin)
            .args([
                "serve",
                "--port",
                "0",
                "--relay",
                "--arena-pages",
                "20",
                "--arena-latency-ms",
                "0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        stdout
            .read_line(&mut first)
            .expect("read the first line of silk serve");
        let addr = first
            .trim()
            .strip_prefix("playground: http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("silk serve's first line should be `playground: http://127.0.0.1:PORT/`, got {first:?} (does this binary have `serve`?)")
            })
            .to_string();
        assert!(
            addr.starts_with("127.0.0.1:"),
            "binds 127.0.0.1 only: {addr}"
        );
        Serve {
            child,
            _stdout: stdout,
            addr,
        }
    }

    /// Sends a request with `extra` header lines; returns (status, lower-case headers, body).
    fn request(&self, method: &str, target: &str, extra: &[(&str, &str)]) -> Response {
        let mut stream = TcpStream::connect(&self.addr).expect("connect to silk serve");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let has_host = extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
        let mut head = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
        if !has_host {
            head.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (k, v) in extra {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Response::parse(&raw)
    }

    fn get(&self, target: &str) -> Response {
        self.request("GET", target, &[])
    }

    fn token(&self) -> String {
        let info: serde_json::Value =
            serde_json::from_slice(&self.get("/serve.json").body).unwrap();
        info["relay"]["token"]
            .as_str()
            .expect("relay token in /serve.json")
            .to_string()
    }

    fn arena(&self) -> String {
        let info: serde_json::Value =
            serde_json::from_slice(&self.get("/serve.json").body).unwrap();
        info["arena"]
            .as_str()
            .expect("arena in /serve.json")
            .to_string()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete HTTP response");
        let head = String::from_utf8_lossy(&raw[..split]);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Response {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn encode(url: &str) -> String {
    url.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn relay_refuses_requests_without_the_token() {
    let serve = Serve::start();
    let target = format!("/relay?url={}", encode(&format!("{}/", serve.arena())));
    let resp = serve.get(&target);
    assert_eq!(resp.status, 403, "{}", resp.text());
    assert_eq!(resp.json()["kind"], "forbidden");
    let resp = serve.request(
        "GET",
        &target,
        &[("X-Silk-Token", "00000000000000000000000000000000")],
    );
    assert_eq!(resp.status, 403, "a wrong token is no token");
    let token = serve.token();
    let resp = serve.request("GET", &target, &[("X-Silk-Token", &token)]);
    assert_eq!(resp.status, 200, "{}", resp.text());
}

#[test]
fn relay_refuses_file_and_other_schemes() {
    let serve = Serve::start();
    let token = serve.token();
    for url in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
        "data:text/plain,x",
        "gopher://127.0.0.1/",
    ] {
        let resp = serve.request(
            "GET",
            &format!("/relay?url={}", encode(url)),
            &[("X-Silk-Token", &token)],
        );
        assert_eq!(resp.status, 400, "{url}: {}", resp.text());
        assert_eq!(resp.header("x-silk-error"), Some("1"));
        assert_eq!(resp.json()["kind"], "invalid_url");
        assert!(!resp.text().contains("root:"), "{url} leaked a file");
    }
}

#[test]
fn the_token_stays_with_the_served_origin() {
    let serve = Serve::start();
    let info = serve.get("/serve.json");
    assert_eq!(info.status, 200);
    assert!(
        info.header("access-control-allow-origin").is_none(),
        "/serve.json must not be readable cross-origin"
    );
    let foreign = [("Origin", "http://evil.example")];
    assert_eq!(serve.request("GET", "/serve.json", &foreign).status, 403);
    let token = serve.token();
    let relay = format!("/relay?url={}", encode(&format!("{}/", serve.arena())));
    let resp = serve.request(
        "GET",
        &relay,
        &[("X-Silk-Token", &token), ("Origin", "http://evil.example")],
    );
    assert_eq!(
        resp.status, 403,
        "a foreign Origin cannot use the relay even with the token"
    );
    let rebound = [("Host", "evil.example")];
    assert_eq!(
        serve.request("GET", "/serve.json", &rebound).status,
        403,
        "DNS rebinding"
    );
    let own = format!("http://{}", serve.addr);
    let resp = serve.request("GET", &relay, &[("X-Silk-Token", &token), ("Origin", &own)]);
    assert_eq!(resp.status, 200, "its own origin is fine: {}", resp.text());
    assert!(
        resp.header("access-control-allow-origin").is_none(),
        "the relay sends no CORS headers"
    );
}

#[test]
fn relay_follows_redirects_and_obeys_robots() {
    let serve = Serve::start();
    let token = serve.token();
    let arena = serve.arena();
    let resp = serve.request(
        "GET",
        &format!("/relay?url={}", encode(&format!("{arena}/r/0"))),
        &[("X-Silk-Token", &token)],
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    let final_url = resp.header("x-silk-final-url").expect("X-Silk-Final-Url");
    assert!(
        final_url.starts_with(&format!("{arena}/p/")),
        "redirect followed to {final_url}"
    );
    assert!(resp
        .header("x-silk-content-type")
        .is_some_and(|ct| ct.starts_with("text/html")));
    assert_eq!(
        resp.header("content-type"),
        Some("application/octet-stream"),
        "never rendered on this origin"
    );
    let resp = serve.request(
        "GET",
        &format!("/relay?url={}", encode(&format!("{arena}/private/1"))),
        &[("X-Silk-Token", &token)],
    );
    assert_eq!(resp.status, 502);
    assert_eq!(resp.json()["kind"], "robots");
}

#[test]
fn files_stay_inside_web() {
    let serve = Serve::start();
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/demo/%2E%2E/%2E%2E/Cargo.toml",
        "/..%2fCargo.toml",
    ] {
        let resp = serve.get(path);
        assert!(
            matches!(resp.status, 400 | 403 | 404),
            "{path}: {}",
            resp.status
        );
        assert!(!resp.text().contains("[workspace]"), "{path} escaped web/");
    }
    let resp = serve.get("/robots.txt");
    assert_eq!(resp.status, 200);
    assert!(resp.text().contains("Disallow: /demo/private/"));
    let resp = serve.get("/demo/film/3.html");
    assert_eq!(
        resp.header("content-type"),
        Some("text/html"),
        "no charset: the GBK page declares its own"
    );
    assert_eq!(serve.get("/demo/film/37.html").status, 404);
}
