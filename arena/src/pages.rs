//! The HTML of the ordinary pages: home, products, the robots-related pages, dead links
//! and 404s, plus the shared page chrome and filler text the fault pages reuse.
//!
//! Pages look like a small real shop (head with inline CSS, nav, breadcrumbs, price,
//! related products, footer) so that selector tests and body sizes are realistic, and the
//! navigation deliberately contains anchors a crawler must skip: `<a>` without `href`,
//! `mailto:`, `javascript:` and same-page `#fragment` links.

use crate::origins::Origins;
use crate::prng::{Domain, SplitMix64};
use crate::site::{LinkForm, ProductLink, Site, Special};

/// `write!` into a `String`, which cannot fail.
macro_rules! w {
    ($dst:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = $dst.write_fmt(format_args!($($arg)*));
    }};
}
pub(crate) use w;

/// The host the client addressed (`127.0.0.1:PORT`), if it is safe to echo into HTML.
pub(crate) type Host<'a> = Option<&'a str>;

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#222;background:#fafafa;line-height:1.5}
.site-header{background:#1d3557;color:#fff;padding:.6rem 1rem}
.site-header a{color:#f1faee;margin-right:1.2rem;text-decoration:none}
.site-header a:hover{text-decoration:underline}
main{max-width:60rem;margin:1rem auto;padding:0 1rem}
.breadcrumbs{font-size:.85rem;color:#666}
.product h1{font-size:1.8rem;margin:.4rem 0}
.buy{display:flex;gap:1rem;align-items:baseline;margin:.6rem 0}
.price{font-size:1.4rem;color:#e63946;font-weight:700}
.stock{color:#2a9d8f}.rating{color:#f4a261}.sku{color:#999;font-family:monospace}
.related ul,.notes ul{columns:2;list-style:square}
.description p{margin:.5rem 0;text-align:justify}
#reviews{border-top:1px dashed #ccc;margin-top:1rem}
.site-footer{border-top:1px solid #ddd;padding:1rem;color:#666;font-size:.9rem;text-align:center}
";

const WORDS: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
    "duis",
    "aute",
    "irure",
    "in",
    "reprehenderit",
    "voluptate",
    "velit",
    "esse",
    "cillum",
    "fugiat",
    "nulla",
    "pariatur",
    "excepteur",
    "sint",
    "occaecat",
    "cupidatat",
    "non",
    "proident",
    "sunt",
    "culpa",
    "qui",
    "officia",
    "deserunt",
    "mollit",
    "anim",
    "id",
    "est",
    "laborum",
    "sturdy",
    "handmade",
    "warranty",
    "delivery",
];
const ADJECTIVES: &[&str] = &[
    "Sturdy", "Elegant", "Compact", "Rustic", "Vintage", "Modern", "Quiet", "Bright", "Gentle",
    "Rapid", "Classic", "Tiny",
];
const NOUNS: &[&str] = &[
    "Teapot", "Lamp", "Backpack", "Notebook", "Kettle", "Chair", "Umbrella", "Radio", "Clock",
    "Blanket", "Bicycle", "Camera",
];
const CATEGORIES: &[&str] = &[
    "Kitchen", "Garden", "Books", "Toys", "Tools", "Music", "Outdoor", "Office",
];

/// The per-product facts shown on its page (and its name in links to it).
struct Facts {
    price_cents: u64,
    name: String,
    category: &'static str,
    stock: usize,
    stars: usize,
}

fn facts(seed: u64, i: usize) -> Facts {
    let mut rng = SplitMix64::stream(seed, Domain::Price, i as u64);
    Facts {
        price_cents: 100 + rng.next_u64() % 99_900,
        name: format!(
            "{} {}",
            ADJECTIVES[rng.below(ADJECTIVES.len())],
            NOUNS[rng.below(NOUNS.len())]
        ),
        category: CATEGORIES[rng.below(CATEGORIES.len())],
        stock: rng.below(50),
        stars: 1 + rng.below(5),
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Doctype, `<head>` with title and CSS, and the top navigation (with anchors to skip).
/// `root` goes before the links to `/` (empty, or origin 0's URL on another origin).
fn open_page(out: &mut String, title: &str, root: &str) {
    w!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <header class=\"site-header\"><nav>\n<a href=\"{root}/\">Home</a>\n\
         <a href=\"#reviews\">Reviews</a>\n<a class=\"menu-toggle\">Menu</a>\n\
         <a href=\"mailto:shop@arena.invalid\">Contact</a>\n\
         <a href=\"javascript:void(0)\">Cart (0)</a>\n</nav></header>\n<main>\n"
    );
}

/// `</main>`, the footer (linking `/` and `/private/open`, after `root`) and the closing tags.
fn close_page(out: &mut String, root: &str) {
    w!(
        out,
        "</main>\n<footer class=\"site-footer\"><p>Arena is a synthetic shop for testing \
         crawlers. <a href=\"{root}/\">Home</a> &middot; <a href=\"{root}/private/open\">Staff notice</a> \
         &middot; <a name=\"bottom\">End</a></p></footer>\n</body>\n</html>\n"
    );
}

/// A page with the shared chrome around `body_html` (used by fault and trap pages too).
pub(crate) fn simple_page(title: &str, h1: &str, body_html: &str) -> String {
    let mut out = String::with_capacity(2048 + body_html.len());
    open_page(&mut out, title, "");
    w!(out, "<h1>{h1}</h1>\n{body_html}\n");
    close_page(&mut out, "");
    out
}

/// One sentence of filler words.
fn sentence(rng: &mut SplitMix64, out: &mut String) {
    let n = 8 + rng.below(9);
    for k in 0..n {
        let word = WORDS[rng.below(WORDS.len())];
        if k == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(word);
        }
    }
    out.push_str(". ");
}

/// One `<p>` of filler text (about 400-800 bytes).
pub(crate) fn paragraph(rng: &mut SplitMix64, out: &mut String) {
    out.push_str("<p>");
    for _ in 0..4 + rng.below(4) {
        sentence(rng, out);
    }
    out.push_str("</p>\n");
}

/// The `href` for a product link, in the form the graph chose.
fn href(link: ProductLink, host: Host) -> String {
    let j = link.target;
    match (link.form, host) {
        (LinkForm::Relative, _) => format!("{j}"),
        (LinkForm::DotRelative, _) => format!("./{j}"),
        (LinkForm::ParentRelative, _) => format!("../p/{j}"),
        (LinkForm::Fragment, _) => format!("/p/{j}#top"),
        (LinkForm::DotSegment, _) => format!("/p/./{j}"),
        (LinkForm::DotDot, _) => format!("/p/x/../{j}"),
        (LinkForm::Absolute, Some(h)) => format!("http://{h}/p/{j}"),
        (LinkForm::UpperScheme, Some(h)) => format!("HTTP://{h}/p/{j}"),
        (LinkForm::SchemeRelative, Some(h)) => format!("//{h}/p/{j}"),
        (
            LinkForm::Root | LinkForm::Absolute | LinkForm::UpperScheme | LinkForm::SchemeRelative,
            _,
        ) => {
            format!("/p/{j}")
        }
    }
}

/// An anchor in one of a few equivalent spellings (case, quotes, attribute order).
fn anchor(out: &mut String, rng: &mut SplitMix64, href: &str, text: &str) {
    let upper = rng.one_in(8);
    let single = rng.one_in(8);
    let title_first = rng.one_in(6);
    let (a, attr) = if upper { ("A", "HREF") } else { ("a", "href") };
    let q = if single { '\'' } else { '"' };
    if title_first {
        w!(
            out,
            "<{a} title=\"{text}\" {attr}={q}{href}{q}>{text}</{a}>"
        );
    } else {
        w!(
            out,
            "<{a} {attr}={q}{href}{q} class=\"related\">{text}</{a}>"
        );
    }
}

/// `GET /` (on origin 0: its links to products of other origins are absolute).
pub(crate) fn home(site: &Site, origins: &Origins) -> String {
    let mut out = String::with_capacity(8 * 1024);
    open_page(&mut out, "Home | Arena", "");
    out.push_str(
        "<h1>Arena shop</h1>\n<p class=\"lead\">A synthetic shop for testing crawlers: \
         deterministic pages, prices and links.</p>\n<section class=\"related\">\
         <h2>Featured products</h2>\n<ul>\n",
    );
    for j in 0..site.home_products() {
        let f = facts(site.seed(), j);
        w!(
            out,
            "<li><a href=\"{}/p/{j}\">{} (Product {j})</a></li>\n",
            origins.prefix(0, origins.spread(j)),
            f.name
        );
    }
    out.push_str("</ul>\n</section>\n<section class=\"notes\"><h2>Elsewhere</h2>\n<ul>\n");
    if site.faults() {
        out.push_str("<li><a href=\"/faults/\">Fault gallery</a></li>\n");
        out.push_str("<li><a href=\"/calendar/2026/11\">Events calendar</a></li>\n");
    }
    out.push_str(
        "<li><a href=\"/private/1\">Staff area</a></li>\n\
         <li><a href=\"/private/open\">Staff notice</a></li>\n</ul>\n</section>\n",
    );
    close_page(&mut out, "");
    out
}

/// `GET /p/{i}`, padded with filler text to about `body_kb` KiB. With several origins it
/// lives on origin `i % N`: links to other origins' pages are absolute URLs.
pub(crate) fn product(
    site: &Site,
    i: usize,
    host: Host,
    body_kb: usize,
    origins: &Origins,
) -> String {
    let seed = site.seed();
    let from = origins.spread(i);
    let root = origins.prefix(from, 0);
    let f = facts(seed, i);
    let target_len = body_kb * 1024;
    let mut out = String::with_capacity(target_len + 4096);
    let mut rng = SplitMix64::stream(seed, Domain::Text, i as u64);

    open_page(&mut out, &format!("Product {i} | Arena"), root);
    w!(
        out,
        "<article class=\"product\" id=\"top\">\n<p class=\"breadcrumbs\"><a href=\"{root}/\">Home</a> \
         &rsaquo; <span class=\"category\">{}</span></p>\n<h1>Product {i}</h1>\n\
         <p class=\"name\">{}</p>\n<div class=\"buy\"><span class=\"price\">${}.{:02}</span> \
         <span class=\"stock\">{} in stock</span> <span class=\"rating\" data-stars=\"{}\">{}{}</span> \
         <span class=\"sku\">SKU-{i:06}</span></div>\n<p class=\"lead\">",
        f.category,
        f.name,
        f.price_cents / 100,
        f.price_cents % 100,
        f.stock,
        f.stars,
        "\u{2605}".repeat(f.stars),
        "\u{2606}".repeat(5 - f.stars),
    );
    sentence(&mut rng, &mut out);
    out.push_str("</p>\n<section class=\"related\"><h2>Related products</h2>\n<ul>\n");
    for link in site.product_links(i) {
        let text = format!(
            "{} (Product {})",
            facts(seed, link.target).name,
            link.target
        );
        out.push_str("<li>");
        let other = origins.prefix(from, origins.spread(link.target));
        let href = if other.is_empty() {
            href(link, host)
        } else {
            format!("{other}/p/{}", link.target)
        };
        anchor(&mut out, &mut rng, &href, &text);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");

    let specials = site.specials(i);
    if !specials.is_empty() {
        out.push_str("<section class=\"notes\"><h2>Also see</h2>\n<ul>\n");
        for special in specials {
            match special {
                Special::Redirect(r) => {
                    w!(out, "<li><a href=\"/r/{r}\">Deal of the day</a></li>\n")
                }
                Special::Dead(g) => w!(
                    out,
                    "<li><a href=\"/gone/{g}\">Discontinued item</a></li>\n"
                ),
                Special::Private(n) => {
                    w!(out, "<li><a href=\"/private/{n}\">Staff notes</a></li>\n")
                }
            }
        }
        out.push_str("</ul>\n</section>\n");
    }

    out.push_str("<section class=\"description\"><h2>Description</h2>\n");
    let mut tail = String::with_capacity(1024);
    tail.push_str("</section>\n<section id=\"reviews\"><h2>Reviews</h2>\n<p class=\"review\">");
    sentence(&mut rng, &mut tail);
    tail.push_str("</p>\n</section>\n</article>\n");
    close_page(&mut tail, root);
    paragraph(&mut rng, &mut out);
    while out.len() + tail.len() < target_len {
        paragraph(&mut rng, &mut out);
    }
    out.push_str(&tail);
    out
}

/// `GET /private/open`: allowed by `Allow: /private/open` (longest match), links a
/// disallowed page that must not be fetched.
pub(crate) fn private_open() -> String {
    simple_page(
        "Staff notice | Arena",
        "Staff notice",
        "<p>This page is under /private/ but robots.txt allows it explicitly.</p>\n\
         <p><a href=\"/private/0\">Staff rota</a> (disallowed) &middot; <a href=\"/\">Home</a></p>",
    )
}

/// `GET /private/{anything}` other than `/private/open`: a polite crawler never gets here.
pub(crate) fn private_page(path: &str, next: Option<usize>) -> String {
    let more = match next {
        Some(n) => format!("<p><a href=\"/private/{n}\">More staff notes</a></p>"),
        None => String::new(),
    };
    simple_page(
        "Staff only | Arena",
        "Staff only",
        &format!(
            "<p>robots.txt disallows {}; a polite crawler never fetches it.</p>{more}",
            escape(path)
        ),
    )
}

/// `GET /gone/{n}` (status 404).
pub(crate) fn gone(path: &str) -> String {
    simple_page(
        "Gone | Arena",
        "This product is no longer available",
        &format!("<p>{} was discontinued.</p>", escape(path)),
    )
}

/// Any unknown path (status 404).
pub(crate) fn not_found(path: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found | Arena</title>\
         </head><body><h1>Not found</h1><p>No page at {}.</p><p><a href=\"/\">Home</a></p>\
         </body></html>\n",
        escape(path)
    )
}

/// `GET /robots.txt`, with an optional `Crawl-delay` for every agent.
pub(crate) fn robots_txt(crawl_delay_s: Option<f64>) -> String {
    match crawl_delay_s {
        Some(d) => format!("{ROBOTS_TXT}Crawl-delay: {d}\n"),
        None => ROBOTS_TXT.to_string(),
    }
}

/// The fixed part of `/robots.txt`.
pub(crate) const ROBOTS_TXT: &str = "# silk arena: the rules a polite crawler obeys\n\
User-agent: badbot\n\
Disallow: /\n\
\n\
User-agent: *\n\
Disallow: /private/\n\
Allow: /private/open\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ArenaConfig;

    #[test]
    fn product_page_size_follows_body_kb() {
        let site = Site::new(&ArenaConfig::default(), 1);
        for kb in [0, 5, 15, 60] {
            let len = product(&site, 3, Some("127.0.0.1:8080"), kb, &Origins::single()).len();
            assert!(len >= kb * 1024, "kb={kb} len={len}");
            assert!(len <= kb * 1024 + 4096, "kb={kb} len={len}");
        }
    }

    #[test]
    fn href_forms_fall_back_without_host() {
        let link = ProductLink {
            target: 5,
            form: LinkForm::Absolute,
        };
        assert_eq!(href(link, None), "/p/5");
        assert_eq!(href(link, Some("127.0.0.1:1")), "http://127.0.0.1:1/p/5");
    }
}
