//! The fast extraction path (tokenizer + tree) against scraper (html5ever) on arbitrary
//! bytes: whenever `fast::try_extract` answers, its answer must equal
//! `extract_with_scraper`'s. The first byte picks one of a few specs (links only, text and
//! attribute fields, a follow selector; every other one also reads canonical links, and
//! all read robots meta tags); the rest is the page, decoded lossily as the engine would
//! after charset decoding. `PageContent` is compared whole, so the robots directives and
//! the canonical URL must agree too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use silk::extract::extract_with_scraper;
use silk::extract::fast::{try_extract, FastPlan};
use silk::{CompiledSpec, CrawlSpec, FieldSpec};
use std::sync::OnceLock;
use url::Url;

const SPECS: [(&[&str], Option<&str>); 5] = [
    (&[], None),
    (&["t=title", "h=h1", "p[]=p"], None),
    (&["links[]=a@href", "img[]=img@src", "id=#main"], None),
    (
        &["li[]=ul > li", "c[]=.c", "d=div span"],
        Some("nav, a.next"),
    ),
    (
        &["opt[]=select option", "td[]=table td", "x[]=[data-x]"],
        Some("div"),
    ),
];

fn specs() -> &'static Vec<(CompiledSpec, FastPlan)> {
    static SPECS_COMPILED: OnceLock<Vec<(CompiledSpec, FastPlan)>> = OnceLock::new();
    SPECS_COMPILED.get_or_init(|| {
        SPECS
            .iter()
            .enumerate()
            .map(|(i, (fields, follow))| {
                let spec = CrawlSpec {
                    seeds: vec!["http://h/".into()],
                    fields: fields
                        .iter()
                        .map(|f| FieldSpec::parse_cli(f).unwrap())
                        .collect(),
                    follow: follow.map(String::from),
                    // Robots meta tags are read by default; canonical links when asked.
                    canonical: i % 2 == 0,
                    ..CrawlSpec::default()
                }
                .compile()
                .unwrap();
                let plan = FastPlan::new(&spec).expect("spec in the fast subset");
                (spec, plan)
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (spec, plan) = &specs()[usize::from(first) % SPECS.len()];
    let html = String::from_utf8_lossy(rest);
    let url = Url::parse("http://h/dir/page?q").unwrap();
    let want_links = first & 0x80 == 0;
    if let Ok(fast) = try_extract(&html, &url, plan, want_links) {
        let slow = extract_with_scraper(&html, &url, spec, want_links);
        assert_eq!(fast, slow, "fast path and scraper disagree on {html:?}");
    }
});
