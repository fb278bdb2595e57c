//! Differential tests: the fast path against scraper (html5ever) on the same pages and
//! specs. Whenever the fast path answers, its answer must equal scraper's; it may decline
//! (bail), and the tests also check that it does not decline on ordinary pages.

use super::{try_extract, FastPlan};
use crate::extract::{extract_with_scraper, PageContent};
use crate::spec::{CompiledSpec, CrawlSpec, FieldSpec};
use url::Url;

#[path = "../../benches/common/page.rs"]
mod page;

fn spec(fields: &[&str], follow: Option<&str>) -> CompiledSpec {
    CrawlSpec {
        seeds: vec!["http://h/".into()],
        fields: fields
            .iter()
            .map(|f| FieldSpec::parse_cli(f).unwrap())
            .collect(),
        follow: follow.map(String::from),
        ..CrawlSpec::default()
    }
    .compile()
    .unwrap()
}

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

/// SplitMix64: a deterministic generator for random pages and selectors.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.below(items.len())]
    }
}

const TAGS: &[&str] = &[
    "div",
    "p",
    "span",
    "a",
    "b",
    "i",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "tbody",
    "thead",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "pre",
    "section",
    "nav",
    "article",
    "header",
    "footer",
    "form",
    "select",
    "option",
    "optgroup",
    "button",
    "label",
    "code",
    "small",
    "font",
    "u",
    "s",
    "main",
    "aside",
    "blockquote",
    "figure",
    "caption",
    "colgroup",
    "col",
    "center",
    "custom-el",
    "X-Y",
    "DIV",
    "A",
    "Td",
    "address",
    "details",
    "summary",
    "menu",
    "hgroup",
    "nobr",
    "big",
    "tt",
    "strike",
    "dialog",
    "search",
    "listing",
    "xmp",
    "rt",
    "ruby",
];
const VOIDS: &[&str] = &[
    "br", "img", "input", "hr", "meta", "link", "wbr", "area", "base", "source", "embed", "image",
    "col",
];
const RAW: &[&str] = &[
    "script", "style", "title", "textarea", "noscript", "iframe", "noembed", "noframes", "xmp",
];
const RARE: &[&str] = &[
    "template",
    "svg",
    "math",
    "plaintext",
    "frameset",
    "frame",
    "head",
    "body",
    "html",
    "object",
    "marquee",
    "applet",
];
const CLASSES: &[&str] = &["x", "y", "price", "Item", "a b", " x  y ", "x\ty"];
const WORDS: &[&str] = &[
    "alpha",
    "beta",
    " ",
    "  ",
    "\n",
    "\t",
    "gamma&amp;delta",
    "&lt;tag&gt;",
    "&nbsp;",
    "x&notit;y",
    "&#65;&#x42;",
    "a < b",
    "<3",
    "&copy2024",
    "\u{a0}",
    "caf\u{e9}",
    "&",
    "&amp",
    "R&D",
    "\r\n",
    "\u{3000}wide",
    "tab\there",
    "</>",
    "a>b",
];

fn attr_value(r: &mut Rng) -> String {
    match r.below(10) {
        0 => "/p/1".into(),
        1 => "?q=1&amp;r=2".into(),
        2 => "../up#frag".into(),
        3 => "  spaced  ".into(),
        4 => "HTTP://Other.Host/X".into(),
        5 => "mailto:a@b".into(),
        6 => "&#x2F;hex&copy=1".into(),
        7 => r.pick(CLASSES).into(),
        8 => "text".into(),
        _ => format!("/r/{}", r.below(5)),
    }
}

fn attrs(r: &mut Rng, out: &mut String) {
    for _ in 0..r.below(4) {
        let name = r.pick(&[
            "href", "class", "id", "title", "data-k", "lang", "type", "rel", "HREF", "Class",
            "href",
        ]);
        let value = attr_value(r);
        match r.below(6) {
            0 => out.push_str(&format!(" {name}")),
            1 => out.push_str(&format!(" {name}='{value}'")),
            2 if !value.contains([' ', '\t', '\n', '>', '"', '\'', '=', '<', '`'])
                && !value.is_empty() =>
            {
                out.push_str(&format!(" {name}={value}"))
            }
            3 => out.push_str(&format!(" {name} = \"{value}\"")),
            _ => out.push_str(&format!(" {name}=\"{value}\"")),
        }
    }
    if r.one_in(12) {
        out.push_str(" /");
    }
}

/// Random content; `clean` leaves out what makes html5ever rearrange the tree (stray end
/// tags, rare elements), so that the fast path gets to answer more often.
fn content(r: &mut Rng, out: &mut String, depth: usize, clean: bool) {
    for _ in 0..1 + r.below(5) {
        let pick = r.below(24);
        let pick = if clean && matches!(pick, 16 | 18) {
            0
        } else {
            pick
        };
        match pick {
            0..=5 => out.push_str(r.pick(WORDS)),
            6..=12 if depth < 6 => {
                let tag = r.pick(TAGS);
                out.push('<');
                out.push_str(tag);
                attrs(r, out);
                out.push('>');
                content(r, out, depth + 1, clean);
                if !r.one_in(5) {
                    out.push_str(&format!("</{tag}>"));
                }
            }
            13 => {
                out.push('<');
                out.push_str(r.pick(VOIDS));
                attrs(r, out);
                out.push('>');
            }
            14 => {
                let tag = r.pick(RAW);
                out.push_str(&format!(
                    "<{tag}>{}<a href=\"/in-{tag}\">x</a> &amp; y</{tag}>",
                    if r.one_in(2) { "\n" } else { "" }
                ));
            }
            15 => out.push_str(&format!("<!-- {} -->", r.pick(WORDS))),
            16 => out.push_str(&format!("</{}>", r.pick(TAGS))),
            17 => out.push_str(r.pick(&[
                "<!---->",
                "<!-->",
                "<?pi x?>",
                "<!bogus>",
                "</ bogus>",
                "<![CDATA[x<a href=/cd>]]>",
                "<!DOCTYPE html>",
            ])),
            18 if r.one_in(4) => {
                let tag = r.pick(RARE);
                out.push_str(&format!("<{tag}><a href=/rare>r</a></{tag}>"));
            }
            19 => out.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                attr_value(r),
                r.pick(WORDS)
            )),
            20 => out.push_str(&format!("<pre>\n{}</pre>", r.pick(WORDS))),
            21 => out.push_str("<table><tr><td>c1<td>c2</tr> <tr><th>h</table>"),
            _ => {}
        }
    }
}

fn random_page(r: &mut Rng, clean: bool) -> String {
    let mut out = String::new();
    match r.below(4) {
        0 => out.push_str("<!DOCTYPE html>\n"),
        1 => out.push_str("<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"),
        2 => out.push_str("  \n"),
        _ => {}
    }
    let full = r.below(3);
    if full > 0 {
        out.push_str("<html");
        attrs(r, &mut out);
        out.push_str("><head>");
        if r.one_in(2) {
            out.push_str(&format!("<title>{}</title>", r.pick(WORDS)));
        }
        if r.one_in(3) {
            out.push_str(&format!("<base href=\"{}\">", attr_value(r)));
        }
        if r.one_in(3) {
            out.push_str("<meta http-equiv=\"refresh\" content=\"0; url=/next\">");
        }
        if r.one_in(4) {
            out.push_str(r.pick(WORDS));
        }
        out.push_str("</head>\n<body");
        attrs(r, &mut out);
        out.push('>');
    }
    content(r, &mut out, 0, clean);
    if full == 2 {
        out.push_str("</body></html>");
        if r.one_in(2) {
            content(r, &mut out, 0, clean);
        }
    }
    out
}

fn random_selector(r: &mut Rng) -> String {
    let mut out = String::new();
    for k in 0..1 + r.below(3) {
        if k > 0 {
            out.push_str(r.pick(&[" ", " > ", ">", "  "]));
        }
        let mut compound = String::new();
        if r.below(3) > 0 {
            compound.push_str(r.pick(&[
                "a",
                "div",
                "p",
                "span",
                "li",
                "td",
                "tr",
                "tbody",
                "h1",
                "title",
                "b",
                "html",
                "body",
                "head",
                "*",
                "ul",
                "table",
                "option",
                "pre",
                "custom-el",
                "x-y",
                "TD",
                "optgroup",
                "dd",
                "dt",
                "th",
                "colgroup",
                "select",
                "form",
                "button",
                "nav",
                "textarea",
                "script",
            ]));
        }
        match r.below(6) {
            0 => compound.push_str(r.pick(&[".x", ".y", ".price", ".Item", ".a"])),
            1 => compound.push_str(r.pick(&["#main", "#p1"])),
            2 => compound.push_str(r.pick(&[
                "[href]",
                "[class~=x]",
                "[href^='/p']",
                "[href$=\"1\"]",
                "[lang|=en]",
                "[type=TEXT]",
                "[title*=a i]",
                "[data-k]",
                "[class='x' s]",
            ])),
            _ => {}
        }
        if compound.is_empty() {
            compound.push('*');
        }
        out.push_str(&compound);
    }
    out
}

fn random_spec(r: &mut Rng) -> CompiledSpec {
    let mut fields = Vec::new();
    for i in 0..1 + r.below(4) {
        let all = if r.one_in(2) { "[]" } else { "" };
        let attr = if r.one_in(3) {
            r.pick(&["@href", "@class", "@title", "@data-k"])
        } else {
            ""
        };
        fields.push(format!("f{i}{all}={}{attr}", random_selector(r)));
    }
    let follow = r.one_in(3).then(|| random_selector(r));
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    spec(&fields, follow.as_deref())
}

#[test]
fn random_pages_agree_with_scraper() {
    let mut r = Rng(0x5111_C0DE);
    let url = url();
    let (mut answered, mut total) = (0, 0);
    let mut reasons = std::collections::BTreeMap::new();
    for case in 0..800 {
        let page = random_page(&mut r, case % 2 == 0);
        let spec = random_spec(&mut r);
        total += 1;
        if check(&page, &url, &spec) {
            answered += 1;
        }
        // The common spec, on the same page.
        let common = spec_of(SPECS[0]);
        check(&page, &url, &common);
        if let Err(e) = try_extract(&page, &url, &FastPlan::new(&common).unwrap(), true) {
            *reasons.entry(e.0).or_insert(0) += 1;
        }
    }
    println!("fast path answered {answered} of {total} random pages; declined: {reasons:?}");
    assert!(
        answered * 3 > total,
        "the fast path declined too often: {answered}/{total}"
    );
}

fn spec_of((fields, follow): (&[&str], Option<&str>)) -> CompiledSpec {
    spec(fields, follow)
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
    let arena = silk_arena::spawn(silk_arena::ArenaConfig::default()).unwrap();
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
            !path.starts_with("/p/") && path != "/" && path != "/private/open",
            "the fast path declined {path}"
        );
    }
    println!("declined: {declined:?}");
}
