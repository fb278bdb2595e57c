//! The jar against RFC 6265 cases, hostile headers and the save/restore round trip.

use super::*;

fn u(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn set(jar: &CookieJar, url: &str, headers: &[&str]) {
    jar.store_from(&u(url), headers.iter().map(|h| h.as_bytes()));
}

#[test]
fn domain_path_secure_and_httponly_follow_rfc_6265() {
    let jar = CookieJar::new(&[], &[]).unwrap();
    set(
        &jar,
        "http://shop.example.com/login",
        &[
            "sid=s1; Path=/; HttpOnly",
            "acct=a1; Path=/account",
            "wide=w1; Domain=example.com; Path=/",
            "sec=x1; Path=/; Secure",
        ],
    );
    assert_eq!(
        jar.names_for(&u("http://shop.example.com/account/1")),
        ["acct", "sid", "wide"]
    );
    assert_eq!(
        jar.names_for(&u("http://shop.example.com/other")),
        ["sid", "wide"],
        "Path=/account is not sent elsewhere"
    );
    assert_eq!(
        jar.names_for(&u("http://www.example.com/")),
        ["wide"],
        "host-only cookies stay on their host"
    );
    assert!(jar.names_for(&u("http://example.org/")).is_empty());
    assert_eq!(
        jar.names_for(&u("https://shop.example.com/")),
        ["sec", "sid", "wide"],
        "Secure only over https"
    );
    let header = jar
        .header_for(&u("http://shop.example.com/account/"))
        .unwrap();
    let mut parts: Vec<&str> = header.split("; ").collect();
    parts.sort();
    assert_eq!(parts, ["acct=a1", "sid=s1", "wide=w1"]);
}

#[test]
fn expired_and_deleted_cookies_are_not_sent() {
    let jar = CookieJar::new(&[], &[]).unwrap();
    set(
        &jar,
        "http://h.test/",
        &[
            "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "keep=1",
            "gone=1",
        ],
    );
    assert_eq!(jar.names_for(&u("http://h.test/")), ["gone", "keep"]);
    set(&jar, "http://h.test/", &["gone=; Max-Age=0"]);
    assert_eq!(jar.names_for(&u("http://h.test/")), ["keep"]);
}

#[test]
fn supercookies_and_foreign_domains_are_ignored() {
    let jar = CookieJar::new(&[], &[]).unwrap();
    set(
        &jar,
        "http://a.shop.co.uk/",
        &[
            "tld=1; Domain=co.uk",
            "top=1; Domain=uk",
            "other=1; Domain=elsewhere.com",
            "ok=1; Domain=shop.co.uk",
        ],
    );
    assert_eq!(jar.names_for(&u("http://b.shop.co.uk/")), ["ok"]);
    assert!(jar.names_for(&u("http://other.co.uk/")).is_empty());
    set(
        &jar,
        "http://127.0.0.1:8080/",
        &["ip=1; Domain=0.0.1", "plain=1", "sec=1; Secure"],
    );
    assert_eq!(
        jar.names_for(&u("http://127.0.0.1:9090/x")),
        ["plain"],
        "no Secure cookie over http, loopback included"
    );
}

#[test]
fn caps_bound_what_a_hostile_site_can_store() {
    let jar = CookieJar::new(&[], &[]).unwrap();
    let big = format!("big={}", "x".repeat(MAX_COOKIE_BYTES));
    set(&jar, "http://h.test/", &[&big]);
    assert!(jar.is_empty(), "a cookie over 4096 bytes is ignored");
    let many: Vec<String> = (0..200).map(|i| format!("c{i}=v")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    set(&jar, "http://h.test/", &refs);
    assert_eq!(jar.len(), MAX_SET_COOKIES_PER_RESPONSE);
    set(&jar, "http://h.test/", &refs[100..]);
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN, "per-domain cap");
    // An update of a kept cookie still applies at the cap.
    set(&jar, "http://h.test/", &["c0=new"]);
    assert!(jar
        .header_for(&u("http://h.test/"))
        .unwrap()
        .contains("c0=new"));
    for bad in [
        &b"\xff\xfe=1"[..],
        b"",
        b";;;",
        b"=novalue",
        b"c=3\0\0\x05",
        b"c=a\rb",
        b"c\x7f=1",
    ] {
        jar.store_from(&u("http://h.test/"), std::iter::once(bad));
    }
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
}

#[test]
fn control_bytes_make_a_cookie_ignored() {
    // Found by the cookie_jar fuzz target: a NUL in a value made an invalid header.
    let jar = CookieJar::new(&[], &[]).unwrap();
    for bad in [
        &b"c=3\0\0\x05; Path=/"[..],
        b"c=a\rb",
        b"c\x7f=1",
        b"c=a\tb",
    ] {
        jar.store_from(&u("http://h.test/"), std::iter::once(bad));
    }
    assert!(jar.is_empty(), "{:?}", jar.header_for(&u("http://h.test/")));
    set(&jar, "http://h.test/", &["ok=caf\u{e9}"]);
    assert_eq!(jar.names_for(&u("http://h.test/")), ["ok"]);
}

#[test]
fn start_cookies_are_sent_but_never_saved() {
    let seeds = ["http://site.test/start".to_string()];
    let jar = CookieJar::new(&seeds, &["sid=SECRET".to_string()]).unwrap();
    assert_eq!(
        jar.header_for(&u("http://site.test/account")),
        Some("sid=SECRET".to_string())
    );
    assert!(jar.header_for(&u("http://other.test/")).is_none());
    jar.track_changes();
    // The site echoes the same value: still the user's secret, not saved.
    set(
        &jar,
        "http://site.test/",
        &["sid=SECRET; Path=/", "pref=dark"],
    );
    let changes = jar.take_changes();
    assert_eq!(changes.len(), 2);
    for c in &changes {
        match c.name.as_str() {
            "sid" => assert_eq!(c.saved, None),
            "pref" => assert!(c.saved.as_deref().unwrap().contains("dark")),
            other => panic!("unexpected {other}"),
        }
    }
    assert!(jar.take_changes().is_empty(), "changes are taken once");
    // The site rotates the session: the new value is the site's, and is saved.
    set(&jar, "http://site.test/", &["sid=ROTATED; Path=/"]);
    let changes = jar.take_changes();
    assert!(changes[0].saved.as_deref().unwrap().contains("ROTATED"));
    assert!(!format!("{changes:?}{jar:?}").contains("SECRET"));
    assert!(CookieJar::new(&seeds, &["no equals".to_string()]).is_err());
}

#[test]
fn a_restored_jar_sends_what_was_saved_and_the_start_cookies_win() {
    let jar = CookieJar::new(&[], &[]).unwrap();
    jar.track_changes();
    set(
        &jar,
        "http://site.test/login",
        &["sid=S1; Path=/; HttpOnly", "gone=1; Path=/"],
    );
    set(&jar, "http://site.test/", &["gone=; Path=/; Max-Age=0"]);
    let saved: Vec<String> = jar
        .take_changes()
        .into_iter()
        .filter_map(|c| c.saved)
        .collect();
    assert_eq!(saved.len(), 1, "the deleted cookie is not saved");
    let seeds = ["http://site.test/".to_string()];
    let resumed = CookieJar::new(&seeds, &["lang=fr".to_string()]).unwrap();
    assert_eq!(resumed.restore(saved.iter().cloned()), 1);
    assert_eq!(resumed.names_for(&u("http://site.test/a")), ["lang", "sid"]);
    assert_eq!(resumed.restore(["not json".to_string()]), 0);
    assert_eq!(resumed.names_for(&u("http://site.test/a")), ["lang"]);
}
