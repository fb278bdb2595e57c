//! HTTP/2 and zstd on native: `silk crawl` against the arena served over TLS (a test CA made
//! with openssl, trusted through `SSL_CERT_FILE`) negotiates HTTP/2 by ALPN and says so in
//! every record's `protocol`; `--http1-only` keeps it to HTTP/1.1; without the CA the
//! certificate is refused. The arena's `/zstd` page (`Content-Encoding: zstd`, sent only to
//! a client that accepts it) is decoded, with the right fields.

use serde_json::Value;
use silk_arena::{zstd_page, ArenaConfig};
use silk_tests::certs::make_certificates;
use silk_tests::tls_arena::TlsArena;
use silk_tests::{http_get, read_jsonl, records_by_url, silk_bin, stderr, ArenaProcess, TempDir};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `silk crawl ARGS -o out.jsonl --quiet` (with `SSL_CERT_FILE=ca` if given); its records.
fn crawl(tmp: &TempDir, name: &str, ca: Option<&Path>, args: &[&str]) -> (Output, Vec<Value>) {
    let out = tmp.path(&format!("{name}.jsonl"));
    let mut cmd = Command::new(silk_bin());
    cmd.arg("crawl")
        .args(args)
        .args(["-o", out.to_str().unwrap(), "--quiet"])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .stdin(Stdio::null());
    if let Some(ca) = ca {
        cmd.env("SSL_CERT_FILE", ca);
    }
    let o = cmd.output().expect("silk runs");
    assert!(o.status.success(), "silk crawl {args:?}: {}", stderr(&o));
    let records = read_jsonl(&out);
    (o, records)
}

#[test]
fn https_crawls_speak_http2_unless_told_not_to() {
    let tmp = TempDir::new("http2");
    let dir = tmp.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    make_certificates(&dir);
    let ca = dir.join("ca.pem");
    let config = ArenaConfig {
        pages: 20,
        faults: false,
        ..Default::default()
    };
    let server = TlsArena::start(config, &dir.join("server.pem"), &dir.join("server.key"));
    let site = format!("{}/", server.url);

    let (_, records) = crawl(&tmp, "h2", Some(&ca), &[&site, "-c", "4"]);
    let fetched: Vec<&Value> = records.iter().filter(|r| r["status"] == 200).collect();
    assert!(
        fetched.len() >= 20,
        "every product page and the home page: {records:?}"
    );
    for r in &fetched {
        assert_eq!(r["protocol"], "HTTP/2", "{r}");
    }
    // robots.txt, the pages and the redirects were all served, over one origin.
    assert_eq!(server.arena.stats().duplicate_fetches, 0);

    let (_, records) = crawl(
        &tmp,
        "h1",
        Some(&ca),
        &[&site, "-c", "4", "--http1-only", "-n", "5"],
    );
    assert_eq!(records.len(), 5);
    for r in &records {
        assert_eq!(r["protocol"], "HTTP/1.1", "{r}");
    }

    // Without the test CA the certificate is refused: a tls error record, no protocol.
    let (_, records) = crawl(
        &tmp,
        "untrusted",
        None,
        &[&site, "--retries", "0", "--no-robots"],
    );
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["error"]["kind"], "tls", "{}", records[0]);
    assert!(records[0].get("protocol").is_none(), "{}", records[0]);

    // A CA file that holds no certificate is a usage error naming the variable.
    let empty = tmp.path("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let o = Command::new(silk_bin())
        .args(["crawl", &site, "--quiet"])
        .env("SSL_CERT_FILE", &empty)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("SSL_CERT_FILE"), "{}", stderr(&o));
}

#[test]
fn a_zstd_page_is_decoded_over_http1_and_http2() {
    let arena = ArenaProcess::start(&["--pages", "5", "--no-faults"]);
    // A client that does not accept zstd gets 406: the page is never sent in clear.
    let (status, _) = http_get(&format!("{}/zstd", arena.url));
    assert_eq!(status, 406);

    let tmp = TempDir::new("zstd");
    let url = format!("{}/zstd", arena.url);
    let args = [
        url.as_str(),
        "-d",
        "0",
        "--select",
        "title=title",
        "--select",
        "h1=h1",
        "--select",
        "filler[]=p.filler",
    ];
    let (_, records) = crawl(&tmp, "plain", None, &args);
    let by_url = records_by_url(&records);
    let page = by_url[&url];
    assert_eq!(page["status"], 200, "{page}");
    assert_eq!(page["title"], zstd_page::TITLE);
    assert_eq!(page["h1"], zstd_page::HEADING);
    assert_eq!(page["filler"].as_array().map(Vec::len), Some(100), "{page}");
    assert_eq!(page["protocol"], "HTTP/1.1");
    // `bytes` counts the decoded body, several times what went over the wire.
    assert!(page["bytes"].as_u64().unwrap() > 6000, "{page}");

    // The same page over TLS and HTTP/2.
    let dir = tmp.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    make_certificates(&dir);
    let server = TlsArena::start(
        ArenaConfig {
            pages: 5,
            faults: false,
            ..Default::default()
        },
        &dir.join("server.pem"),
        &dir.join("server.key"),
    );
    let url = format!("{}/zstd", server.url);
    let mut args = args;
    args[0] = &url;
    let (_, records) = crawl(&tmp, "h2", Some(&dir.join("ca.pem")), &args);
    let page = records_by_url(&records)[&url];
    assert_eq!(page["status"], 200, "{page}");
    assert_eq!(page["h1"], zstd_page::HEADING);
    assert_eq!(page["protocol"], "HTTP/2");
}
