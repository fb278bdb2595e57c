//! How long the playground spends parsing a page in the browser: link and field extraction
//! timed in headless Chromium, scraper (html5ever) against the fast path, on the same pages
//! as `cargo bench -p silk --bench extract`. It prints figures and asserts nothing about
//! them. For meaningful numbers build optimised:
//! `cargo test --release -p silk --target wasm32-unknown-unknown --test wasm_parse_timing`
//! (with the runner set up as in `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

#[path = "../benches/common/page.rs"]
mod page;

use silk::extract::extract_with_scraper;
use silk::extract::fast::{self, FastPlan};
use silk::{CompiledSpec, CrawlSpec, FieldSpec};
use url::Url;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Milliseconds per call: the median of nine samples of at least 25 ms each (the machine
/// and the JavaScript engine are noisy; a median shrugs off a GC pause or a tier-up).
fn ms_per_call(mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let start = now_ms();
            let mut calls = 0u32;
            while calls < 1 || now_ms() - start < 25.0 {
                f();
                calls += 1;
            }
            (now_ms() - start) / f64::from(calls)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn spec() -> CompiledSpec {
    CrawlSpec {
        seeds: vec!["http://h/".into()],
        fields: vec![
            FieldSpec::parse_cli("title=title").unwrap(),
            FieldSpec::parse_cli("h1=h1").unwrap(),
        ],
        ..CrawlSpec::default()
    }
    .compile()
    .unwrap()
}

#[wasm_bindgen_test]
fn parse_time_per_page_in_the_browser() {
    let spec = spec();
    let plan = FastPlan::new(&spec).expect("title and h1 are in the fast subset");
    let build = if cfg!(debug_assertions) {
        "debug build: not representative"
    } else {
        "optimised build"
    };
    let url = Url::parse("http://127.0.0.1:8090/p/17").unwrap();
    let pages = [
        (
            "arena-like product page, 15 KB",
            page::arena_like_product(15 * 1024),
        ),
        (
            "arena-like product page, 30 KB",
            page::arena_like_product(30 * 1024),
        ),
        ("listing page, 300 KB", page::listing_page(300 * 1024, 1)),
    ];
    // V8 compiles wasm with a baseline compiler first and optimises hot functions later:
    // run everything for a while before timing anything.
    let start = now_ms();
    while now_ms() - start < 1000.0 {
        for (_, html) in &pages {
            std::hint::black_box(extract_with_scraper(html, &url, &spec, true));
            std::hint::black_box(fast::extract(html, &url, &plan, true));
        }
    }
    for (label, html) in pages {
        let fast_result = fast::extract(&html, &url, &plan, true);
        assert_eq!(
            fast_result.as_ref(),
            Some(&extract_with_scraper(&html, &url, &spec, true))
        );
        let slow = ms_per_call(|| {
            std::hint::black_box(extract_with_scraper(&html, &url, &spec, true));
        });
        let quick = ms_per_call(|| {
            std::hint::black_box(fast::extract(&html, &url, &plan, true));
        });
        console_log!(
            "wasm parse time ({build}), {label}: scraper {slow:.3} ms/page, fast path {quick:.3} ms/page ({:.1}x; {:.0} MiB/s)",
            slow / quick,
            html.len() as f64 / (quick / 1000.0) / (1024.0 * 1024.0)
        );
    }
}
