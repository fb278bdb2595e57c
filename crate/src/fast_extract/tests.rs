//! Differential tests: the fast path against scraper (html5ever) on the same pages and
//! specs. Whenever the fast path answers, its answer must equal scraper's; it may decline
//! (bail), and the tests also check that it does not decline on ordinary pages.

use super::{try_extract, FastPlan};
use crate::extract::{extract_with_scraper, PageContent};
use crate::spec::CompiledSpec;
use url::Url;

#[path = "../../benches/common/page.rs"]
mod page;
mod random;

use crate::extract::tests::compiled as spec;

/// Compares both paths; returns whether the fast path answered.
fn check(html: &str, url: &Url, spec: &CompiledSpec) -> bool {
    let Some(plan) = FastPlan::new(spec) else {
        return false;
    };
    let mut answered = false;
    for want_links in [true, false] {
        let slow = extract_with_scraper(html, url, spec, want_links);
        if let Ok(fast) = try_extract(html, url, &plan, want_links) {
            answered = true;
            assert_same(html, spec, &fast, &slow);
        }
    }
    answered
}

fn assert_same(html: &str, spec: &CompiledSpec, fast: &PageContent, slow: &PageContent) {
    if fast == slow {
        return;
    }
    let mut report = String::new();
    if fast.links != slow.links {
        let i = fast
            .links
            .iter()
            .zip(&slow.links)
            .take_while(|(a, b)| a == b)
            .count();
        report += &format!(
            "links differ at {i} (fast {} links, scraper {}): fast {:?} scraper {:?}\n",
            fast.links.len(),
            slow.links.len(),
            fast.links.get(i).map(Url::as_str),
            slow.links.get(i).map(Url::as_str)
        );
    }
    if fast.refresh != slow.refresh {
        report += &format!(
            "refresh: fast {:?} scraper {:?}\n",
            fast.refresh, slow.refresh
        );
    }
    if fast.robots != slow.robots || fast.canonical != slow.canonical {
        report += &format!(
            "robots meta: fast {:?} scraper {:?}; canonical: fast {:?} scraper {:?}\n",
            fast.robots, slow.robots, fast.canonical, slow.canonical
        );
    }
    for (f, s) in fast.fields.iter().zip(&slow.fields) {
        if f != s {
            let short = |v: &serde_json::Value| {
                let t = v.to_string();
                t.chars().take(300).collect::<String>()
            };
            report += &format!(
                "field {}: fast {} scraper {}\n",
                f.0,
                short(&f.1),
                short(&s.1)
            );
        }
    }
    let fields: Vec<_> = spec
        .spec
        .fields
        .iter()
        .map(|f| f.selector.as_str())
        .collect();
    let shown: String = html.chars().take(2000).collect();
    panic!(
        "fast path differs from scraper (fields {fields:?}, follow {:?})\n{report}--- html ---\n{shown}",
        spec.spec.follow
    );
}

fn spec_of((fields, follow): (&[&str], Option<&str>)) -> CompiledSpec {
    spec(fields, follow)
}

fn url() -> Url {
    Url::parse("http://h/dir/page").unwrap()
}

const SPECS: &[(&[&str], Option<&str>)] = &[
    (&["t=title", "h=h1"], None),
    (&["all[]=*", "cls[]=*@class", "hrefs[]=a@href"], None),
    (&["b=body", "html=html", "head=head"], None),
    (
        &[
            "p[]=p",
            "li[]=li",
            "td[]=td",
            "tbody[]=tbody",
            "opt[]=option",
            "og[]=optgroup",
        ],
        None,
    ),
    (
        &[
            "x[]=div.x > a",
            "y[]=.y",
            "k[]=[data-k]",
            "t[]=pre, textarea, script, style",
        ],
        Some("nav, .x"),
    ),
    (
        &["lang=[lang|=en]", "type[]=[type=text]", "id=#main span"],
        Some("ul"),
    ),
];

#[test]
fn tricky_pages() {
    let pages = [
        // Comments, scripts and templates with anchors that are not links.
        r#"<p>a<!-- <a href="/c"> --><script>var s = '<a href="/s">';</script><a href="/real">r</a>"#,
        r#"<noscript><a href="/ns">n</a></noscript><iframe><a href=/if></a></iframe><a href=/ok>k</a>"#,
        r#"<textarea>
<a href="/ta">x</a> &amp; y</textarea><title>A &amp; B &lt;x&gt;</title><h1>t</h1>"#,
        r#"<template><a href="/t">t</a></template><a href="/after">a</a>"#,
        // Case, quoting, entities, duplicate attributes.
        r#"<A HREF='/Up?a=1&amp;b=2' href="/dup">u</A><a href=/unq?x=1&copy=2 class=c>v</a><a href="&#x2F;hex">h</a>"#,
        r#"<H1 class="  a  b ">Title <b>bold</b>&nbsp;and   <i>it</i></H1><h1>second</h1>"#,
        r#"<div>one<span>two</span>three</div><div>a<b> </b>c</div><p>x&amp;y<!--c-->z</p>"#,
        // Implied elements and optional end tags.
        "<ul><li>one<li>two<ul><li>inner</ul><li>three</ul><dl><dt>a<dd>b<dt>c</dl>",
        "<p>one<p>two<div>three</div><p>four<h2>five</h2>six",
        "<table><tr><td>a<td>b<tr><th>c</table><table><tbody><tr><td><table><tr><td>in</table></td></tr></tbody></table>",
        "<table>\n  <thead><tr><th>h</th></tr></thead>\n  <tr><td>x</td></tr>\n</table>",
        "<select><option>a<option>b<optgroup><option>c</select><p>after",
        "<pre>\nkeep\n</pre><pre>\n\nx</pre><listing>\ny</listing>",
        // Misnesting, foster parenting, stray tags: html5ever rearranges these.
        "<p><b>bold<i>both</b>italic</i></p>",
        "<a href=/1>one<a href=/2>two</a>",
        "<table><a href=/foster>f</a><tr><td>x</td></tr></table>",
        "<div>x</span>y</div></p><br/></br>",
        "<b>1<p>2</b>3</p>",
        // Base and refresh.
        r#"<head><base href="/base/"><meta http-equiv=" REFRESH " content="0; url='next'"></head><a href="x">x</a>"#,
        r#"<a href="x">x</a><base href="/late/"><base href="/second/">"#,
        r#"<meta http-equiv="refresh" content="5"><meta http-equiv="refresh" content="0;url=/later">"#,
        // Content after the body, doctype and comments in odd places.
        "<!DOCTYPE html><html><head></head><body><h1>x</h1></body></html>\n<!-- end --><p>after</p>\n",
        "<!-- first --><!DOCTYPE html><title>t</title>text before body<h1>h</h1><!DOCTYPE x>y",
        "<html><body>a</body>b</html>c",
        "<svg><a href=/svg>s</a></svg><math><mi>x</mi></math><a href=/plain>p</a>",
        "<div><![CDATA[<a href=/cdata>]]></div><?php echo 1 ?><a href=/x>x</a>",
        "text < not a tag <3 </ and >< &notit; &amp &#128; &#0; &bogus;",
        "<form><form><input type=text></form><button><button>b</button>",
        "<h1>a<h2>b</h1>c</h2><h3>d</h4>e",
        "<p>unclosed <b>bold <i>it",
        "<body class=x><div id=main><span>s</span></div>",
        "",
        "   ",
        "<title>only",
        "plain text",
    ];
    let url = url();
    for page in pages {
        for (fields, follow) in SPECS {
            check(page, &url, &spec(fields, *follow));
        }
    }
}

/// Robots meta tags and canonical links, with the features on and off: both paths answer,
/// agree, and read what the page says.
#[test]
fn robots_meta_and_canonical_agree() {
    use crate::robots_meta::Directives;
    let url = url();
    let both = Directives {
        noindex: true,
        nofollow: true,
    };
    let nofollow = Directives {
        noindex: false,
        nofollow: true,
    };
    // (page, directives for silk, canonical)
    let cases: &[(&str, Directives, Option<&str>)] = &[
        (
            r#"<head><meta name="robots" content="NoFollow"><link rel="canonical" href="/c"></head><a href=/x>x</a>"#,
            nofollow,
            Some("http://h/c"),
        ),
        (
            r#"<meta name="ROBOTS" content="noindex"><meta name="silk" content="nofollow">"#,
            both,
            None,
        ),
        (
            r#"<meta name="googlebot" content="none"><meta name="robots"><meta content="none">"#,
            Directives::default(),
            None,
        ),
        (
            r#"<base href="/b/"><link rel="stylesheet" href="s.css"><link rel="Canonical alternate" href="c?x=1#f"><link rel=canonical href=/second>"#,
            Directives::default(),
            Some("http://h/b/c?x=1"),
        ),
        (
            r#"<link rel=canonical><link rel=canonical href="javascript:x"><link rel=canonical href=/late>"#,
            Directives::default(),
            None,
        ),
        (
            r#"<body><p>late <meta name=robots content="none, noarchive"> <link rel=canonical href="HTTP://H/Up"></p>"#,
            both,
            Some("http://h/Up"),
        ),
        (r#"<meta name=robots content="&#110;one">"#, both, None),
    ];
    for (page, directives, canonical) in cases {
        for (robots, canonical_on) in [(true, true), (true, false), (false, true)] {
            let mut s = spec(&["t=title"], None);
            s.spec.robots = robots;
            s.spec.canonical = canonical_on;
            assert!(check(page, &url, &s), "the fast path declined {page}");
            let c = try_extract(page, &url, &FastPlan::new(&s).unwrap(), true).unwrap();
            let want_robots = if robots {
                *directives
            } else {
                Directives::default()
            };
            assert_eq!(c.robots, want_robots, "{page} robots={robots}");
            let want_canonical = canonical.filter(|_| canonical_on);
            assert_eq!(
                c.canonical.as_ref().map(Url::as_str),
                want_canonical,
                "{page} canonical={canonical_on}"
            );
        }
    }
}

#[test]
fn ordinary_pages_stay_on_the_fast_path() {
    let url = url();
    let s = spec(&["t=title", "h=h1", "price=.price", "imgs[]=img@src"], None);
    let listing = page::listing_page(60_000, 3);
    for page in [
        listing.as_str(),
        "<!doctype html><html><head><title>T</title></head><body><h1>H</h1><p>x<br>y</p></body></html>",
        "<title>t</title><ul><li><a href=/a>a</a><li><a href=/b>b</a></ul>",
        "<table><tr><td>a<td>b</table><p>one<p>two",
    ] {
        assert!(check(page, &url, &s), "declined: {page}");
    }
}

/// GETs `path` from a local server with a plain socket: the content type and the body.
#[cfg(not(target_arch = "wasm32"))]
fn get(addr: std::net::SocketAddr, path: &str) -> (Option<String>, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split + 4..].to_vec();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.strip_prefix(name)
                .map(|v| v.trim_start_matches(':').trim().to_string())
        })
    };
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap().trim(), 16)
                    .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest = &rest[line_end + 4 + size..];
        }
        body = out;
    }
    (header("content-type"), body)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn arena_pages_agree_with_scraper() {
    let arena = silk_arena::spawn(silk_arena::ArenaConfig {
        robots_meta: true,
        ..Default::default()
    })
    .unwrap();
    let mut paths: Vec<String> = (0..40).map(|i| format!("/p/{i}")).collect();
    paths.extend(
        [
            "/",
            "/faults/",
            "/faults/gbk",
            "/faults/gbk-header",
            "/faults/malformed",
            "/faults/refresh",
            "/faults/refreshed",
            "/faults/base",
            "/faults/utf8-bom",
            "/faults/not-html",
            "/faults/headers",
            "/private/open",
            "/gone/1",
            "/nope",
            "/calendar/2026/11",
            "/r/0",
            "/meta/",
            "/meta/nofollow",
            "/meta/none",
            "/meta/other-bot",
            "/meta/dup/a",
            "/meta/alias",
        ]
        .map(String::from),
    );
    let specs: Vec<CompiledSpec> = SPECS
        .iter()
        .map(|s| spec_of(*s))
        .chain([spec(
            &[
                "price=.price",
                "name=p.name",
                "related[]=.related a@href",
                "stars=[data-stars]@data-stars",
            ],
            Some("section.related"),
        )])
        .chain([{
            let mut s = spec(&["t=title"], None);
            s.spec.canonical = true;
            s
        }])
        .collect();
    let mut declined = Vec::new();
    for path in &paths {
        let (content_type, body) = get(arena.addr, path);
        let (text, _) = crate::decode::decode_html(content_type.as_deref(), &body);
        let url = Url::parse(&format!("{}{path}", arena.url())).unwrap();
        for spec in &specs {
            if !check(&text, &url, spec) {
                declined.push(path.clone());
            }
        }
    }
    declined.dedup();
    // Ordinary pages (products, home, simple pages) must not need scraper.
    for path in &declined {
        assert!(
            !path.starts_with("/p/")
                && !path.starts_with("/meta/")
                && path != "/"
                && path != "/private/open",
            "the fast path declined {path}"
        );
    }
    println!("declined: {declined:?}");
}
