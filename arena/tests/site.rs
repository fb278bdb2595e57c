//! The ordinary pages over real HTTP: content, determinism, sizes, robots.txt, and the
//! protocol details every response shares (CORS, HEAD, OPTIONS, 404, 405).

mod common;

use common::{between, get, request, request_as};
use silk_arena::{spawn, ArenaConfig};

#[test]
fn home_and_product_pages_have_title_h1_price() {
    let h = spawn(ArenaConfig::default()).unwrap();
    assert!(h.url().starts_with("http://127.0.0.1:") && !h.url().ends_with('/'));

    let home = get(h.addr, "/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let text = home.text();
    assert_eq!(between(&text, "<title>", "</title>"), Some("Home | Arena"));
    for link in [
        "/p/0",
        "/p/9",
        "/faults/",
        "/private/1",
        "/private/open",
        "/calendar/2026/11",
    ] {
        assert!(
            text.contains(&format!("href=\"{link}\"")),
            "home links {link}"
        );
    }
    assert!(
        !text.contains("href=\"/p/10\""),
        "home links only the first K products"
    );

    let page = get(h.addr, "/p/42");
    assert_eq!(page.status, 200);
    let text = page.text();
    assert_eq!(
        between(&text, "<title>", "</title>"),
        Some("Product 42 | Arena")
    );
    assert_eq!(between(&text, "<h1>", "</h1>"), Some("Product 42"));
    let price = between(&text, "<span class=\"price\">", "</span>").unwrap();
    let (dollars, cents) = price.strip_prefix('$').unwrap().split_once('.').unwrap();
    assert!(
        dollars.parse::<u32>().is_ok() && cents.len() == 2,
        "{price}"
    );
    assert_eq!(
        page.header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        page.body.len()
    );
}

#[test]
fn same_seed_same_bytes_other_seed_other_graph() {
    let a = spawn(ArenaConfig {
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    let b = spawn(ArenaConfig {
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    let c = spawn(ArenaConfig {
        seed: 6,
        ..Default::default()
    })
    .unwrap();
    let host = "127.0.0.1:4242";
    for path in ["/", "/p/0", "/p/42", "/p/299", "/faults/", "/robots.txt"] {
        let x = request_as(a.addr, "GET", path, host).unwrap();
        let y = request_as(b.addr, "GET", path, host).unwrap();
        assert_eq!(x.body, y.body, "{path} is deterministic");
    }
    let links = |addr| {
        let text = request_as(addr, "GET", "/p/42", host).unwrap().text();
        let section = between(&text, "<h2>Related products</h2>", "</ul>")
            .unwrap()
            .to_string();
        section
    };
    assert_ne!(
        links(a.addr),
        links(c.addr),
        "another seed, another link graph"
    );
    assert_eq!(a.arena.expected_pages(), b.arena.expected_pages());
}

#[test]
fn body_size_follows_body_kb() {
    for kb in [15, 50] {
        let h = spawn(ArenaConfig {
            body_kb: kb,
            ..Default::default()
        })
        .unwrap();
        for i in [0, 17, 299] {
            let len = get(h.addr, &format!("/p/{i}")).body.len();
            let target = kb * 1024;
            assert!(
                len >= target && len < target + target / 10 + 2048,
                "kb={kb} /p/{i}: {len} bytes"
            );
        }
    }
}

#[test]
fn robots_txt_rules() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let robots = get(h.addr, "/robots.txt");
    assert_eq!(robots.status, 200);
    assert!(robots
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = robots.text();
    let star = text.split("User-agent: *").nth(1).unwrap();
    assert!(star.contains("Disallow: /private/") && star.contains("Allow: /private/open"));
    let bad = between(&text, "User-agent: badbot", "User-agent: *").unwrap();
    assert!(bad.contains("Disallow: /"));

    assert_eq!(get(h.addr, "/private/open").status, 200);
    assert_eq!(get(h.addr, "/private/3").status, 200);
    assert_eq!(h.arena.stats().disallowed_fetches, 1);
}

#[test]
fn redirects_dead_links_and_unknown_paths() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let r = get(h.addr, "/r/0");
    assert_eq!(r.status, 301);
    let location = r.header("location").unwrap();
    let target: usize = location.strip_prefix("/p/").unwrap().parse().unwrap();
    assert!(target < 300);
    assert_eq!(
        get(h.addr, "/r/3").status,
        404,
        "only /r/0..3 exist for 300 pages"
    );
    let gone = get(h.addr, "/gone/1");
    assert_eq!(gone.status, 404);
    assert!(gone
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    for path in [
        "/nope", "/p/300", "/p/05", "/p/./5", "/p/", "/private", "/__nope",
    ] {
        assert_eq!(get(h.addr, path).status, 404, "{path}");
    }
    // The calendar trap goes on and on.
    let dec = get(h.addr, "/calendar/2026/12").text();
    assert!(
        dec.contains("href=\"/calendar/2027/1\"") && dec.contains("href=\"/calendar/2026/11\"")
    );
    // Faults off: no gallery, no calendar.
    let clean = spawn(ArenaConfig {
        faults: false,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(get(clean.addr, "/faults/").status, 404);
    assert_eq!(get(clean.addr, "/calendar/2026/11").status, 404);
    assert!(!get(clean.addr, "/").text().contains("/faults/"));
}

#[test]
fn cors_head_options_and_methods() {
    let h = spawn(ArenaConfig::default()).unwrap();
    for path in [
        "/",
        "/p/1",
        "/robots.txt",
        "/nope",
        "/__stats",
        "/faults/gbk",
        "/r/0",
    ] {
        let resp = get(h.addr, path);
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    let pre = request(h.addr, "OPTIONS", "/p/1").unwrap();
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-headers"), Some("*"));
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));

    let head = request(h.addr, "HEAD", "/p/1").unwrap();
    assert_eq!(head.status, 200);
    let full = get(h.addr, "/p/1");
    assert_eq!(
        head.header("content-length").unwrap(),
        full.body.len().to_string()
    );

    let post = request(h.addr, "POST", "/p/1").unwrap();
    assert_eq!(post.status, 405);
    assert!(post.header("allow").unwrap().contains("GET"));
}
