//! `silk serve` from the outside: the built binary is started on a free port and spoken to
//! over raw HTTP/1.1, so these tests see exactly what a browser or a hostile page would.
//! They pin the promises that make `--relay` safe to run on a laptop: no token, no relay;
//! no `file:` (or any non-http(s)) URL; no token for other origins (no CORS headers on
//! `/serve.json`, foreign `Origin`, `Sec-Fetch-Site` and `Host` refused) nor for a client
//! without the cookie that the terminal's link sets; no loopback, private or link-local
//! target unless `--relay-allow-private`; no framing; the lab's hostile pages on their own
//! origin; no files outside `web/`.
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
    /// The `?token=` of the link printed on the terminal.
    link_token: String,
}

impl Serve {
    fn start() -> Serve {
        Serve::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Serve {
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
            .args(extra)
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
        let prefix = format!("relay: open http://{addr}/?token=");
        let mut link_token = None;
        for _ in 0..4 {
            let mut line = String::new();
            stdout
                .read_line(&mut line)
                .expect("read silk serve's output");
            if let Some(rest) = line.strip_prefix(&prefix) {
                link_token = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
        let link_token = link_token.expect("silk serve --relay prints the link with ?token=");
        Serve {
            child,
            _stdout: stdout,
            addr,
            link_token,
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

    /// The relay cookie, as the terminal's link sets it.
    fn cookie(&self) -> String {
        let resp = self.get(&format!("/?token={}", self.link_token));
        assert_eq!(resp.status, 303, "the terminal's link: {}", resp.text());
        let set = resp.header("set-cookie").expect("the link sets a cookie");
        set.split(';').next().unwrap().to_string()
    }

    /// The token, as the page reads it from /serve.json with the cookie.
    fn token(&self) -> String {
        let cookie = self.cookie();
        let resp = self.request("GET", "/serve.json", &[("Cookie", &cookie)]);
        let info = resp.json();
        info["relay"]["token"]
            .as_str()
            .expect("relay token in /serve.json, given the cookie")
            .to_string()
    }

    /// Asks the relay for `url` with the token.
    fn relay(&self, url: &str) -> Response {
        let token = self.token();
        self.request(
            "GET",
            &format!("/relay?url={}", encode(url)),
            &[("X-Silk-Token", &token)],
        )
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
    // The arena spreads its pages over several origins: /r/0 redirects to its target's
    // home origin, one of them (all reachable: they are this server's own ports).
    let origins = serve.get("/serve.json").json()["arena_origins"].clone();
    let origins: Vec<&str> = origins
        .as_array()
        .expect("arena_origins in /serve.json")
        .iter()
        .map(|o| o.as_str().expect("an origin URL"))
        .collect();
    assert!(
        origins
            .iter()
            .any(|o| final_url.starts_with(&format!("{o}/p/"))),
        "redirect followed to {final_url}, not a product of {origins:?}"
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

#[test]
fn every_answer_forbids_framing_and_the_page_has_its_csp_as_a_header() {
    let serve = Serve::start();
    let index = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/index.html"),
    )
    .unwrap();
    let meta = index
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("web/index.html has its CSP <meta>");
    for path in ["/", "/index.html"] {
        let page = serve.get(path);
        assert_eq!(page.status, 200);
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        let csp = page
            .header("content-security-policy")
            .expect("a CSP header");
        assert_eq!(
            csp,
            format!("{meta}; frame-ancestors 'none'"),
            "the header is the <meta> plus frame-ancestors"
        );
        assert!(
            csp.contains("script-src 'self' blob:"),
            "the Code panel's blob: scripts"
        );
    }
    for path in [
        "/demo/index.html",
        "/serve.json",
        "/nope",
        "/app.js",
        "/embed.html",
    ] {
        let resp = serve.get(path);
        assert_eq!(resp.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            resp.header("content-security-policy"),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
    }
    let relayed = serve.relay(&format!("{}/", serve.arena()));
    assert_eq!(relayed.status, 200, "{}", relayed.text());
    assert_eq!(relayed.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        relayed.header("content-security-policy"),
        Some("sandbox; frame-ancestors 'none'")
    );
}

#[test]
fn the_token_comes_only_with_the_cookie_of_the_terminal_link() {
    let serve = Serve::start();
    let bare = serve.get("/serve.json").json();
    assert_eq!(bare["relay"]["endpoint"], "/relay");
    assert!(
        bare["relay"]["token"].is_null(),
        "no cookie, no token: any local process can reach /serve.json"
    );
    let wrong = serve.get("/?token=00000000000000000000000000000000");
    assert_eq!(wrong.status, 200, "a wrong token just shows the page");
    assert!(wrong.header("set-cookie").is_none());
    let forged = serve.request(
        "GET",
        "/serve.json",
        &[(
            "Cookie",
            &format!("silk_relay_{}=guess", serve.addr.split(':').nth(1).unwrap()),
        )],
    );
    assert!(forged.json()["relay"]["token"].is_null());

    let link = serve.get(&format!("/?preset=arena&token={}&c=4", serve.link_token));
    assert_eq!(link.status, 303);
    assert_eq!(
        link.header("location"),
        Some("/?preset=arena&c=4"),
        "the token leaves the address bar"
    );
    let set = link.header("set-cookie").unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap();
    let info = serve
        .request("GET", "/serve.json", &[("Cookie", cookie)])
        .json();
    assert_eq!(info["relay"]["token"], serve.link_token.as_str());

    // Pages of the arena, the lab or any other port of 127.0.0.1 are same-site (the cookie
    // goes along), but not same-origin: refused.
    for site in ["same-site", "cross-site"] {
        let resp = serve.request(
            "GET",
            "/serve.json",
            &[("Cookie", cookie), ("Sec-Fetch-Site", site)],
        );
        assert_eq!(resp.status, 403, "Sec-Fetch-Site: {site}");
    }
    let own = serve.request(
        "GET",
        "/serve.json",
        &[("Cookie", cookie), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(own.status, 200);
}

/// A server on 127.0.0.1 that counts connections and answers each with `answer`.
fn counting_server(answer: &'static str) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (port, hits)
}

const PAGE: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<p>local</p>";

#[test]
fn relay_refuses_loopback_private_and_link_local_targets() {
    let serve = Serve::start();
    let (port, hits) = counting_server(PAGE);
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://2130706433:{port}/"),
        "http://[::1]/".to_string(),
        "http://0.0.0.0/".to_string(),
        "http://10.0.0.1/".to_string(),
        "http://172.16.5.4/".to_string(),
        "http://192.168.1.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://100.100.100.200/".to_string(),
        "http://[fd00::1]/".to_string(),
        "http://[fe80::1]/".to_string(),
        "http://255.255.255.255/".to_string(),
    ] {
        let resp = serve.relay(&url);
        assert_eq!(resp.status, 502, "{url}: {}", resp.text());
        assert_eq!(resp.header("x-silk-error"), Some("1"), "{url}");
        let body = resp.json();
        assert_eq!(body["kind"], "other", "{url}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("refused:"), "{url}: {message}");
        assert!(
            message.contains("--relay-allow-private"),
            "{url}: {message}"
        );
    }
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the relay never connected to the local server"
    );
    // This server's own arena stays reachable, by its exact address.
    assert_eq!(serve.relay(&format!("{}/", serve.arena())).status, 200);
}

#[test]
fn relay_allow_private_lets_them_through() {
    let serve = Serve::start_with(&["--relay-allow-private"]);
    let (port, hits) = counting_server(PAGE);
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
    ] {
        let resp = serve.relay(&url);
        assert_eq!(resp.status, 200, "{url}: {}", resp.text());
        assert_eq!(resp.text(), "<p>local</p>");
    }
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}

#[test]
fn the_lab_lives_on_its_own_origin() {
    let serve = Serve::start();
    let info = serve.get("/serve.json").json();
    let lab = info["lab"]
        .as_str()
        .expect("lab in /serve.json")
        .to_string();
    let lab_addr = lab.strip_prefix("http://").unwrap().to_string();
    assert_ne!(lab_addr, serve.addr);
    let on_playground = serve.get("/demo/lab/xss.html");
    assert_eq!(
        on_playground.status, 404,
        "hostile scripts never run as the playground"
    );
    assert!(on_playground.text().contains(&lab));
    let mut stream = TcpStream::connect(&lab_addr).unwrap();
    write!(
        stream,
        "GET /demo/lab/xss.html HTTP/1.1\r\nHost: {lab_addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let page = Response::parse(&raw);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("window.__xss"));
    assert_eq!(
        page.header("access-control-allow-origin"),
        Some("*"),
        "the playground crawls it"
    );
    let mut stream = TcpStream::connect(&lab_addr).unwrap();
    write!(
        stream,
        "GET /index.html HTTP/1.1\r\nHost: {lab_addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    assert_eq!(
        Response::parse(&raw).status,
        404,
        "only the lab pages are there"
    );
}
