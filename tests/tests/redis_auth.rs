//! `--frontier rediss://USER:PASSWORD@HOST:PORT/NAME`: workers, `silk status` and `silk
//! export` log in to a real `redis-server` started with `--requirepass` (and an ACL user),
//! and reach it over TLS (`--tls-port`, a CA and a server certificate made with openssl
//! for the test, trusted through `SSL_CERT_FILE`). The password is never printed.

use silk_tests::certs::make_certificates;
use silk_tests::redis_server::RedisServer;
use silk_tests::{read_jsonl, records_by_url, silk, silk_bin, stderr, ArenaProcess, TempDir};
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "pw-Hunter2-secret";
const ACL_PASSWORD: &str = "acl-Tiger7-secret";

/// A `silk` command with extra environment variables.
fn silk_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(silk_bin());
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("silk runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_no_secret(what: &str, s: &str) {
    for secret in [PASSWORD, ACL_PASSWORD, "Hunter2", "Tiger7"] {
        assert!(!s.contains(secret), "{what} shows a password: {s}");
    }
}

/// Two workers crawl the arena through `frontier` (with `env`), then the crawl is
/// exported: every page once, nothing printed with a password in it.
fn crawl_with_two_workers(frontier: &str, env: &[(&str, &Path)], tmp: &TempDir) {
    let arena = ArenaProcess::start(&["--pages", "40", "--no-faults"]);
    let site = format!("{}/", arena.url);
    let workers: Vec<_> = (1..=2)
        .map(|n| {
            let out = tmp.path(&format!("w{n}.sqlite"));
            let mut cmd = Command::new(silk_bin());
            cmd.args(["crawl", &site, "--frontier", frontier, "-c", "4", "-v"])
                .args(["--lease", "2s", "-o", out.to_str().unwrap()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            for (k, v) in env {
                cmd.env(k, v);
            }
            cmd.spawn().expect("silk crawl starts")
        })
        .collect();
    for (n, w) in workers.into_iter().enumerate() {
        let o = w.wait_with_output().expect("worker ends");
        assert!(o.status.success(), "worker {}: {}", n + 1, stderr(&o));
        assert_no_secret("a worker", &text(&o));
        // The crawl's key in the worker's SQLite output names the server, not the login.
        let db = std::fs::read(tmp.path(&format!("w{}.sqlite", n + 1))).unwrap();
        assert_no_secret("a worker's .sqlite", &String::from_utf8_lossy(&db));
    }
    let status = silk_env(&["status", frontier], env);
    assert!(status.status.success(), "{}", text(&status));
    assert!(text(&status).contains("finished: yes"), "{}", text(&status));
    assert_no_secret("silk status", &text(&status));

    let all = tmp.path("all.jsonl");
    let o = silk_env(&["export", frontier, "-o", all.to_str().unwrap()], env);
    assert!(o.status.success(), "{}", text(&o));
    assert_no_secret("silk export", &text(&o));
    let records = read_jsonl(&all);
    let by_url = records_by_url(&records);
    let expected: BTreeSet<String> = arena.expected_pages().into_iter().collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|p| !by_url.contains_key(p.as_str()))
        .collect();
    assert!(missing.is_empty(), "never recorded: {missing:?}");
}

#[test]
fn workers_log_in_with_a_password_or_an_acl_user() {
    let redis = RedisServer::start_with(&[
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        PASSWORD,
    ]);
    let acl = format!("ACL SETUSER crawler on >{ACL_PASSWORD} ~* &* +@all");
    assert!(redis.command(&acl).starts_with("+OK"), "ACL SETUSER");
    let tmp = TempDir::new("redis-auth");
    // Both workers as the ACL user, status and export as the default user.
    let port = redis.port;
    let acl_url = format!("redis://crawler:{ACL_PASSWORD}@127.0.0.1:{port}/auth");
    crawl_with_two_workers(&acl_url, &[], &tmp);
    let again = tmp.path("again.jsonl");
    let default_url = format!("redis://:{PASSWORD}@127.0.0.1:{port}/auth");
    let o = silk(&["export", &default_url, "-o", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read_jsonl(&again).is_empty(), "the first export drained it");
}

#[test]
fn a_refused_login_says_so_without_the_password() {
    let redis = RedisServer::start_with(&[
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        PASSWORD,
    ]);
    let port = redis.port;
    let wrong = format!("redis://:{}@127.0.0.1:{port}/auth", &PASSWORD[..9]);
    let wrong_user = format!("redis://nobody:{PASSWORD}@127.0.0.1:{port}/auth");
    let none = format!("redis://127.0.0.1:{port}/auth");
    let tmp = TempDir::new("redis-auth-refused");
    let out = tmp.path("out.jsonl");
    for frontier in [&wrong, &wrong_user, &none] {
        let crawl = silk(&[
            "crawl",
            "http://127.0.0.1:9/",
            "--frontier",
            frontier,
            "-o",
            out.to_str().unwrap(),
        ]);
        let status = silk(&["status", frontier]);
        let export = silk(&["export", frontier, "-o", out.to_str().unwrap()]);
        for (what, o) in [("crawl", &crawl), ("status", &status), ("export", &export)] {
            assert_eq!(o.status.code(), Some(2), "{what} {frontier}: {}", text(o));
            let said = text(o);
            assert!(said.contains("refused the login"), "{what}: {said}");
            assert!(
                said.contains(&format!("127.0.0.1:{port}")),
                "{what}: {said}"
            );
            assert_no_secret(what, &said);
            assert!(!said.contains(&PASSWORD[..9]), "{what}: {said}");
        }
    }
    // A malformed address with a password is starred out in the usage message.
    let bad = format!("redis://:{PASSWORD}@127.0.0.1:{port}/a/b");
    let o = silk(&["status", &bad]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("redis://***@"), "{}", text(&o));
    assert_no_secret("a usage error", &text(&o));
}

#[test]
fn workers_reach_redis_over_tls_and_check_its_certificate() {
    let tmp = TempDir::new("redis-tls");
    let dir = tmp.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    make_certificates(&dir);
    let tls_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    let redis = RedisServer::start_with(&[
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        PASSWORD,
        "--tls-port",
        &tls_port,
        "--tls-cert-file",
        cert.to_str().unwrap(),
        "--tls-key-file",
        key.to_str().unwrap(),
        "--tls-auth-clients",
        "no",
    ]);
    let frontier = format!("rediss://:{PASSWORD}@127.0.0.1:{tls_port}/tls");
    let ca = dir.join("ca.pem");
    let trust: &[(&str, &Path)] = &[("SSL_CERT_FILE", &ca)];

    // Without the test CA the certificate is refused.
    let o = silk(&["status", &frontier]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("over TLS"), "{}", text(&o));
    assert!(text(&o).contains("certificate"), "{}", text(&o));
    assert_no_secret("a refused certificate", &text(&o));

    crawl_with_two_workers(&frontier, trust, &tmp);
    // The crawl went over the TLS port: the plain port has it too (one server), and a
    // plain connection to the TLS port gets nowhere.
    let keys = redis.command("EXISTS silk:{tls}:finished");
    assert!(keys.contains(":1"), "{keys}");
    let plain = format!("redis://:{PASSWORD}@127.0.0.1:{tls_port}/tls");
    let o = silk_env(&["status", &plain], trust);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
}
