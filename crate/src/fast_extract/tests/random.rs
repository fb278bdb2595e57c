//! The random half of the differential tests: a small deterministic generator of messy
//! HTML (optional end tags, stray and misnested tags, tables, raw-text elements, entities,
//! comments, odd attribute quoting) and of selectors in the fast subset, and a test that
//! runs both paths on hundreds of such pages.

use super::{check, spec, spec_of, url, SPECS};
use crate::extract::fast::{try_extract, FastPlan};
use crate::spec::CompiledSpec;

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
            "href", "name", "content",
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
        if r.one_in(3) {
            let name = r.pick(&["robots", "ROBOTS", "silk", "googlebot", " robots "]);
            let content = r.pick(&["noindex", "NoFollow", "none", "silk: noindex", "index"]);
            out.push_str(&format!("<meta name=\"{name}\" content=\"{content}\">"));
        }
        if r.one_in(3) {
            let rel = r.pick(&["canonical", "Canonical alternate", "stylesheet"]);
            out.push_str(&format!("<link rel=\"{rel}\" href=\"{}\">", attr_value(r)));
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
    let mut spec = spec(&fields, follow.as_deref());
    // Robots meta and canonical links are read only when the spec asks for them.
    spec.spec.canonical = r.one_in(2);
    spec.spec.robots = !r.one_in(5);
    spec
}

#[test]
fn random_pages_agree_with_scraper() {
    let seed = std::env::var("SILK_FAST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5111_C0DE);
    let mut r = Rng(seed);
    let url = url();
    let (mut answered, mut total) = (0, 0);
    let mut reasons = std::collections::BTreeMap::new();
    // SILK_FAST_CASES=100000 (and SILK_FAST_SEED=n) for a longer run.
    let cases: usize = std::env::var("SILK_FAST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(800);
    for case in 0..cases {
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
