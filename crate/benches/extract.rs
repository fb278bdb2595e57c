//! Link and field extraction throughput, scraper (html5ever) against the fast path, on a
//! generated ~300 KB listing page (tag-dense, like real shops) and on an arena product page
//! (mostly text). Prints MiB/s; run with `cargo bench -p silk --bench extract`.
//!
//! "Links + fields" is what the crawler does per page: every `a[href]` resolved against the
//! page URL and normalised, plus `title` and `h1`.

#[path = "common/page.rs"]
mod page;
#[path = "common/timing.rs"]
mod timing;

use silk::extract::fast::{self, FastPlan};
use silk::extract::{extract, extract_with_scraper};
use silk::{CompiledSpec, CrawlSpec, FieldSpec};
use std::hint::black_box;
use url::Url;

fn spec(fields: &[&str]) -> CompiledSpec {
    CrawlSpec {
        seeds: vec!["https://shop.example/".into()],
        fields: fields
            .iter()
            .map(|f| FieldSpec::parse_cli(f).unwrap())
            .collect(),
        ..CrawlSpec::default()
    }
    .compile()
    .unwrap()
}

fn report(what: &str, bytes: usize, f: impl FnMut()) -> f64 {
    let secs = timing::median_secs(f);
    let mib_s = bytes as f64 / secs / (1024.0 * 1024.0);
    println!(
        "  {what:<44} {mib_s:>8.1} MiB/s  ({:.3} ms/page)",
        secs * 1e3
    );
    mib_s
}

fn bench_page(label: &str, html: &str, url: &Url) {
    let title_h1 = spec(&["title=title", "h1=h1"]);
    let richer = spec(&[
        "title=title",
        "h1=h1",
        "price[]=.card .price",
        "img[]=img@src",
    ]);
    let plan = FastPlan::new(&title_h1).expect("title and h1 are in the fast subset");
    let rich_plan = FastPlan::new(&richer).expect("in the fast subset");
    let links = extract(html, url, &title_h1, true).links.len();
    assert_eq!(
        fast::extract(html, url, &plan, true).as_ref(),
        Some(&extract_with_scraper(html, url, &title_h1, true)),
        "the fast path must answer, and agree"
    );
    println!("{label}: {} bytes, {links} links", html.len());
    let n = html.len();
    let slow = report("scraper: links + title + h1", n, || {
        black_box(extract_with_scraper(black_box(html), url, &title_h1, true));
    });
    report("scraper: title + h1 only (no links)", n, || {
        black_box(extract_with_scraper(black_box(html), url, &title_h1, false));
    });
    let quick = report("fast path: links + title + h1", n, || {
        black_box(fast::extract(black_box(html), url, &plan, true));
    });
    report("fast path: title + h1 only (no links)", n, || {
        black_box(fast::extract(black_box(html), url, &plan, false));
    });
    report(
        "fast path: links + 4 fields (.card .price, img@src)",
        n,
        || {
            black_box(fast::extract(black_box(html), url, &rich_plan, true));
        },
    );
    report("extract() (dispatch, as the engine calls it)", n, || {
        black_box(extract(black_box(html), url, &title_h1, true));
    });
    println!("  speed-up, links + title + h1: {:.1}x", quick / slow);
}

fn main() {
    let listing = page::listing_page(300 * 1024, 1);
    bench_page(
        "listing page",
        &listing,
        &Url::parse("https://shop.example/c/kitchen").unwrap(),
    );
    let product = page::arena_like_product(30 * 1024);
    bench_page(
        "arena-like product page",
        &product,
        &Url::parse("http://127.0.0.1:8090/p/17").unwrap(),
    );
}
