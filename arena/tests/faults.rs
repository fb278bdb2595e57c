//! The fault gallery over real HTTP: each fault behaves as documented.

mod common;

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use common::{between, get, read_body, read_head, request, send, Counter};
use silk_arena::{spawn, ArenaConfig};

#[test]
fn rate_limit_then_ok() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let first = get(h.addr, "/faults/429");
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(get(h.addr, "/faults/429").status, 200);
    assert_eq!(get(h.addr, "/faults/429").status, 200);

    let statuses: Vec<u16> = (0..4).map(|_| get(h.addr, "/faults/503").status).collect();
    assert_eq!(statuses, [503, 503, 200, 200]);

    // A reset replays them.
    get(h.addr, "/__reset");
    assert_eq!(get(h.addr, "/faults/429").status, 429);
    assert_eq!(get(h.addr, "/faults/503").status, 503);
}

#[test]
fn redirect_loop() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let a = get(h.addr, "/faults/loop-a");
    assert_eq!(
        (a.status, a.header("location")),
        (302, Some("/faults/loop-b"))
    );
    let b = get(h.addr, "/faults/loop-b");
    assert_eq!(
        (b.status, b.header("location")),
        (302, Some("/faults/loop-a"))
    );
}

#[test]
fn reset_closes_without_a_response() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let err = request(h.addr, "GET", "/faults/reset")
        .err()
        .expect("no response");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
        ),
        "{err}"
    );
    assert_eq!(get(h.addr, "/p/1").status, 200, "the server lives on");
}

#[test]
fn huge_is_fifty_mebibytes_chunked() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let mut reader = send(h.addr, "GET", "/faults/huge", &h.addr.to_string()).unwrap();
    let (status, headers) = read_head(&mut reader).unwrap();
    assert_eq!(status, 200);
    assert_eq!(common::header(&headers, "content-length"), None);
    assert_eq!(
        common::header(&headers, "transfer-encoding"),
        Some("chunked")
    );
    let mut counter = Counter::default();
    let n = read_body(&mut reader, "GET", status, &headers, &mut counter).unwrap();
    assert_eq!(n, 50 * 1024 * 1024);
    assert_eq!(counter.0, n);
}

#[test]
fn slow_sends_the_head_at_once_and_the_rest_later() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let mut reader = send(h.addr, "GET", "/faults/slow", &h.addr.to_string()).unwrap();
    let started = Instant::now();
    let (status, headers) = read_head(&mut reader).unwrap();
    assert_eq!(status, 200);
    let total: usize = common::header(&headers, "content-length")
        .unwrap()
        .parse()
        .unwrap();
    reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < Duration::from_millis(1000) {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let text = String::from_utf8_lossy(&got);
    assert_eq!(between(&text, "<title>", "</title>"), Some("Slow | Arena"));
    assert!(got.len() >= 1024, "the first KiB came at once");
    assert!(
        got.len() < total && !text.contains("</html>"),
        "not complete after 1 s"
    );
    assert!(total > 12 * 1024, "about 1 KiB per 500 ms for 6 s: {total}");
}

#[test]
fn gbk_pages() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let meta = get(h.addr, "/faults/gbk");
    assert_eq!(meta.header("content-type"), Some("text/html"));
    let header = get(h.addr, "/faults/gbk-header");
    assert_eq!(
        header.header("content-type"),
        Some("text/html; charset=GBK")
    );
    for (resp, has_meta) in [(meta, true), (header, false)] {
        assert!(
            std::str::from_utf8(&resp.body).is_err(),
            "GBK bytes are not UTF-8"
        );
        let (text, _, bad) = encoding_rs::GBK.decode(&resp.body);
        assert!(!bad);
        assert_eq!(between(&text, "<title>", "</title>"), Some("中文页面 GBK"));
        assert_eq!(between(&text, "<h1>", "</h1>"), Some("你好，世界"));
        assert_eq!(text.contains("<meta charset=\"gbk\">"), has_meta);
    }
}

#[test]
fn encoding_and_content_type_traps() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let bom = get(h.addr, "/faults/utf8-bom");
    assert_eq!(
        bom.header("content-type"),
        Some("text/html; charset=ISO-8859-1")
    );
    assert!(bom.body.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = std::str::from_utf8(&bom.body[3..]).unwrap();
    assert_eq!(
        between(text, "<title>", "</title>"),
        Some("UTF-8 BOM: crème brûlée")
    );

    let json = get(h.addr, "/faults/not-html");
    assert_eq!(json.header("content-type"), Some("application/json"));
    assert!(json.text().contains("href"));
    serde_json::from_slice::<serde_json::Value>(&json.body).unwrap();
    assert_eq!(get(h.addr, "/faults/json-link").status, 404);
}

#[test]
fn html_oddities() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let malformed = get(h.addr, "/faults/malformed").text();
    assert_eq!(
        between(&malformed, "<title>", "</title>"),
        Some("Malformed | Arena")
    );
    assert!(malformed.contains("<a href=/p/1>") && !malformed.contains("</html>"));
    let refresh = get(h.addr, "/faults/refresh").text();
    assert!(refresh.contains("content=\"0; url=/faults/refreshed\""));
    assert_eq!(get(h.addr, "/faults/refreshed").status, 200);
    let base = get(h.addr, "/faults/base").text();
    assert!(
        base.contains("<base href=\"/p/\">")
            && base.contains("href=\"3\"")
            && base.contains("href=\"4\"")
    );
}
