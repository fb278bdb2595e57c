//! `silk serve`'s two arenas on several origins, from the outside (the built binary over
//! raw HTTP/1.1): `/serve.json` keeps its keys and adds `arena_origins` and `notes`, the
//! origins it names serve the shop and the films catalogue, `POST /notes-latency` changes
//! the films' time per page and refuses other origins, and the relay reaches every origin
//! of both arenas (they are this server's own ports).
//!
//! The binary is `$SILK_BIN`, else `target/debug/silk`: build it first with
//! `cargo build -p silk-cli`.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// A running `silk serve --port 0 ...`, killed on drop.
struct Serve {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    /// `127.0.0.1:PORT` of the playground.
    addr: String,
    /// Every line printed before the lab's.
    lines: Vec<String>,
}

impl Serve {
    fn start(extra: &[&str]) -> Serve {
        let mut child = Command::new(silk_tests::silk_bin())
            .args(["serve", "--port", "0", "--arena-pages", "20"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("silk serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut lines = Vec::new();
        for _ in 0..8 {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let lab = line.starts_with("lab: ");
            lines.push(line.trim_end().to_string());
            if lab {
                break;
            }
        }
        let addr = lines
            .first()
            .and_then(|l| l.strip_prefix("playground: http://"))
            .and_then(|l| l.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected output of silk serve: {lines:?}"))
            .to_string();
        Serve {
            child,
            _stdout: stdout,
            addr,
            lines,
        }
    }

    fn request(&self, method: &str, target: &str, extra: &[(&str, &str)]) -> (u16, String) {
        request(&self.addr, method, target, extra)
    }

    fn info(&self) -> Value {
        let (status, body) = self.request("GET", "/serve.json", &[]);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request to `addr` (`127.0.0.1:PORT`), `Host` set to it: (status, body).
fn request(addr: &str, method: &str, target: &str, extra: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = head.to_ascii_lowercase();
    let body = if headers.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

/// `http://127.0.0.1:P` -> `127.0.0.1:P`.
fn authority(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn serve_json_names_every_origin_of_both_arenas() {
    let serve = Serve::start(&[]);
    let info = serve.info();
    for key in [
        "arena",
        "arena_latency_ms",
        "arena_pages",
        "lab",
        "relay",
        "version",
    ] {
        assert!(info.get(key).is_some(), "/serve.json keeps {key}: {info}");
    }
    let arena_origins = strings(&info["arena_origins"]);
    assert_eq!(arena_origins.len(), 4, "{info}");
    assert_eq!(arena_origins[0], info["arena"].as_str().unwrap());
    let notes = &info["notes"];
    let notes_origins = strings(&notes["origins"]);
    assert_eq!(notes_origins.len(), 4, "{info}");
    assert_eq!(
        notes["url"].as_str().unwrap(),
        format!("{}/", notes_origins[0])
    );
    assert_eq!(notes["latency_ms"], 90);
    assert_eq!(notes["pages"], 260);
    assert_eq!(notes["films"], 250);
    let mut all: Vec<&String> = arena_origins.iter().chain(&notes_origins).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 8, "eight distinct origins");
    assert!(all.iter().all(|o| o.starts_with("http://127.0.0.1:")));

    assert!(
        serve.lines.iter().any(|l| l
            == &format!(
                "notes: {}/ (250 films on 4 origins, 90 ms per page)",
                notes_origins[0]
            )),
        "{:?}",
        serve.lines
    );
    assert!(serve
        .lines
        .iter()
        .any(|l| l.starts_with("arena: ") && l.contains("on 4 origins")));

    // The films catalogue answers on its origins, with chart 1 at its url.
    let (status, chart) = request(authority(&notes_origins[0]), "GET", "/", &[]);
    assert_eq!(status, 200);
    assert!(
        chart.contains("<ol class=\"chart\" start=\"1\">"),
        "{chart}"
    );
    assert!(chart.contains(&format!("href=\"{}/film/2\"", notes_origins[1])));
    let pages: Value =
        serde_json::from_str(&request(authority(&notes_origins[2]), "GET", "/__pages", &[]).1)
            .unwrap();
    assert_eq!(pages.as_array().map(Vec::len), Some(260));
    // The shop's product 1 lives on its origin 1.
    let (status, product) = request(authority(&arena_origins[1]), "GET", "/p/1", &[]);
    assert_eq!(status, 200);
    assert!(product.contains("<h1>Product 1</h1>"));
}

#[test]
fn notes_latency_is_set_by_the_page_only() {
    let serve = Serve::start(&["--notes-latency-ms", "20"]);
    let notes = strings(&serve.info()["notes"]["origins"]);
    let config = |notes: &str| -> Value {
        serde_json::from_str(&request(authority(notes), "GET", "/__config", &[]).1).unwrap()
    };
    assert_eq!(config(&notes[0])["latency_ms"], 20);

    let (status, body) = serve.request("POST", "/notes-latency?ms=450", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["latency_ms"],
        450
    );
    assert_eq!(serve.info()["notes"]["latency_ms"], 450);
    assert_eq!(
        config(&notes[3])["latency_ms"],
        450,
        "one latency for every origin"
    );
    assert_eq!(
        serve.info()["arena_latency_ms"],
        100,
        "the shop's is its own"
    );

    // A page of another origin (or of the arena: same site, other origin) is refused.
    for extra in [
        [("Origin", "http://evil.example")],
        [("Sec-Fetch-Site", "same-site")],
    ] {
        let (status, body) = serve.request("POST", "/notes-latency?ms=0", &extra);
        assert_eq!(status, 403, "{extra:?}: {body}");
    }
    let own_origin = format!("http://{}", serve.addr);
    let (status, _) = serve.request(
        "POST",
        "/notes-latency?ms=5",
        &[
            ("Origin", own_origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    );
    assert_eq!(status, 200);
    assert_eq!(config(&notes[1])["latency_ms"], 5);
    for bad in [
        "/notes-latency?ms=10001",
        "/notes-latency?ms=x",
        "/notes-latency",
    ] {
        let (status, body) = serve.request("POST", bad, &[]);
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains("/notes-latency?ms=N"), "{body}");
    }
    assert_eq!(serve.request("GET", "/notes-latency?ms=1", &[]).0, 405);
    assert_eq!(
        config(&notes[0])["latency_ms"],
        5,
        "refused requests changed nothing"
    );
}

#[test]
fn origin_counts_follow_the_flags() {
    let serve = Serve::start(&["--arena-origins", "1", "--notes-origins", "2"]);
    let info = serve.info();
    assert_eq!(
        strings(&info["arena_origins"]),
        vec![info["arena"].as_str().unwrap()]
    );
    assert_eq!(strings(&info["notes"]["origins"]).len(), 2);
    assert!(
        serve
            .lines
            .iter()
            .any(|l| l.contains("250 films on 2 origins")),
        "{:?}",
        serve.lines
    );

    let refused = Command::new(silk_tests::silk_bin())
        .args(["serve", "--port", "0", "--notes-origins", "0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("from 1 to 64"), "{stderr}");
}

#[test]
fn the_relay_reaches_every_origin_of_both_arenas() {
    let mut serve = Serve::start(&["--relay"]);
    // The relay's link is printed after the lab's line.
    let mut line = String::new();
    serve._stdout.read_line(&mut line).unwrap();
    let token = line
        .split("?token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("no relay link in {line:?}"))
        .to_string();
    let (status, _) = serve.request("GET", &format!("/?token={token}"), &[]);
    assert_eq!(status, 303);
    let cookie = format!(
        "silk_relay_{}={token}",
        serve.addr.rsplit(':').next().unwrap()
    );
    let info = serve.info();
    let mut targets: Vec<String> = strings(&info["arena_origins"])
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{o}/p/{i}"))
        .collect();
    targets.extend(
        strings(&info["notes"]["origins"])
            .iter()
            .enumerate()
            .map(|(i, o)| format!("{o}/film/{}", i + 1)),
    );
    let (_, json) = serve.request("GET", "/serve.json", &[("Cookie", cookie.as_str())]);
    let relay_token = serde_json::from_str::<Value>(&json).unwrap()["relay"]["token"]
        .as_str()
        .expect("the token, given the cookie")
        .to_string();
    for url in targets {
        let target = format!("/relay?url={}", url.replace(':', "%3A").replace('/', "%2F"));
        let (status, body) =
            serve.request("GET", &target, &[("X-Silk-Token", relay_token.as_str())]);
        assert_eq!(status, 200, "{url}: {body}");
    }
}

#[test]
fn the_engine_sources_are_served_as_text_and_nothing_else() {
    let serve = Serve::start(&[]);
    assert_eq!(serve.info()["source"], "/source/");
    let (status, text) = serve.request("GET", "/source/crate/src/engine/mod.rs", &[]);
    assert_eq!(status, 200);
    let on_disk = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crate/src/engine/mod.rs"),
    )
    .unwrap();
    assert_eq!(text, on_disk, "the file's bytes");
    for bad in [
        "/source/crate/src/../Cargo.toml",
        "/source/crate/src/%2e%2e/Cargo.rs",
        "/source/crate/Cargo.toml",
        "/source/native/src/main.rs",
        "/source/crate/src/no_such_module.rs",
    ] {
        assert_eq!(serve.request("GET", bad, &[]).0, 404, "{bad}");
    }
}
