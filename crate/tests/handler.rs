//! Page handlers (user code per page) against a real arena, written once and run on both
//! targets like engine.rs: natively under tokio, and in headless Chromium. What they pin
//! down: a follow list replaces the spec's links but not scope; no follow list keeps them;
//! an error, a timeout (and natively a panic) costs one page; async handlers overlap but
//! never exceed the concurrency; a slow item sink holds the crawl back; meta, priority and
//! depth travel with a link; `select` agrees with the spec's fields; a failing sink stops
//! the crawl with a reason.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::*;

use futures::channel::mpsc;
use futures::StreamExt;
use serde_json::{json, Value};
use silk::handler::{self, HandlerResult};
use silk::{
    Clock, CrawlSpec, Crawler, ErrorKind, Event, FieldSpec, Follow, Page, PageHandler, PageOutput,
    PlatformClock, Record, Stats,
};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

fn crawler(spec: CrawlSpec) -> Crawler {
    Crawler::new(
        spec.compile().expect("valid spec"),
        Rc::new(fetcher()),
        Rc::new(PlatformClock::default()),
    )
}

/// Runs a crawl with `handler`, returning its records, items (with their page) and stats.
async fn crawl_with(
    spec: CrawlSpec,
    handler: impl PageHandler + 'static,
) -> (Vec<Record>, Vec<(String, Value)>, Stats) {
    let mut records = Vec::new();
    let mut items = Vec::new();
    let stats = crawler(spec)
        .with_handler(handler)
        .run(|e| match e {
            Event::Record(r) => records.push(r),
            Event::Item { url, item } => items.push((url, item)),
            _ => {}
        })
        .await;
    (records, items, stats)
}

/// The home page and the product pages it links, nothing else.
fn home_and_products(arena: &TestArena) -> CrawlSpec {
    let mut spec = arena.spec("/");
    spec.max_depth = Some(1);
    spec.allow = vec!["/p/".into()];
    spec
}

fn path(url: &str) -> String {
    url.splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default()
}

fn paths(records: &[Record]) -> BTreeSet<String> {
    records.iter().map(|r| path(&r.url)).collect()
}

async fn sleep(ms: u64) {
    PlatformClock::default()
        .sleep(Duration::from_millis(ms))
        .await
}

engine_test! {
    async fn a_follow_list_replaces_the_spec_links_but_not_the_scope() {
        let arena = arena().await;
        let spec = arena.spec("/");
        let handler = handler::sync(|page: &Page| {
            if page.depth() > 0 {
                return Ok(PageOutput::new().follow_none());
            }
            Ok(PageOutput::new()
                .follow("/p/1")
                .follow("p/2") // relative to the page
                .follow("http://example.invalid/elsewhere") // out of scope
                .follow("mailto:shop@arena.invalid")) // not http(s)
        });
        let (records, _, stats) = crawl_with(spec, handler).await;
        assert_eq!(
            paths(&records),
            BTreeSet::from(["/".to_string(), "/p/1".into(), "/p/2".into()])
        );
        assert_eq!(stats.links_filtered, 2, "{stats:?}");
        let arena_stats = arena.stats().await;
        assert_eq!(arena_stats["distinct_pages"], 3, "{arena_stats}");
        let p1 = records.iter().find(|r| path(&r.url) == "/p/1").unwrap();
        assert_eq!(p1.depth, 1);
        assert_eq!(p1.referer.as_deref().map(path).as_deref(), Some("/"));
    }
}

engine_test! {
    async fn without_a_follow_list_the_spec_links_apply_and_items_arrive() {
        let arena = arena().await;
        let (plain, _) = crawl(home_and_products(&arena)).await;
        let handler = handler::sync(|page: &Page| {
            Ok(PageOutput::new().item(json!({ "url": page.url(), "h1": page.field("h1") }))?)
        });
        let (records, items, stats) = crawl_with(home_and_products(&arena), handler).await;
        assert_eq!(paths(&records), paths(&plain), "the same pages as without a handler");
        let html_ok = records.iter().filter(|r| r.status == Some(200)).count();
        assert_eq!(items.len(), html_ok, "one item per fetched page");
        assert_eq!(stats.items as usize, items.len());
        for (url, item) in &items {
            assert_eq!(item["url"], Value::from(url.as_str()));
            let record = records.iter().find(|r| &r.url == url).unwrap();
            assert_eq!(record.items, vec![item.clone()], "the record carries its items");
        }
    }
}

engine_test! {
    async fn a_failing_or_hanging_handler_costs_one_page() {
        let arena = arena().await;
        let (plain, _) = crawl(home_and_products(&arena)).await;
        let mut spec = home_and_products(&arena);
        spec.timeout_ms = 1_500;
        let handler = |page: Page| async move {
            match path(page.url()).as_str() {
                "/p/3" => Err("no price on this page".into()),
                "/p/4" => futures::future::pending::<HandlerResult>().await,
                #[cfg(not(target_arch = "wasm32"))]
                "/p/5" => panic!("the handler's own bug"),
                _ => Ok(PageOutput::new().item(json!({ "url": page.url() }))?),
            }
        };
        let (records, items, stats) = crawl_with(spec, handler).await;
        assert!(!stats.cancelled);
        let get = |p: &str| records.iter().find(|r| path(&r.url) == p).unwrap();
        let failed = |p: &str| get(p).error.clone().expect("a handler error");

        let p3 = get("/p/3");
        assert_eq!(failed("/p/3").kind, ErrorKind::Handler);
        assert_eq!(failed("/p/3").message, "no price on this page");
        assert_eq!(p3.status, Some(200), "status and fields are kept");
        assert_eq!(p3.fields[1].1, Value::from("Product 3"));
        assert!(p3.items.is_empty());
        assert_eq!(failed("/p/4").kind, ErrorKind::Handler);
        assert!(failed("/p/4").message.contains("did not finish within 1500 ms"));
        #[cfg(not(target_arch = "wasm32"))]
        assert!(failed("/p/5").message.contains("panicked: the handler's own bug"));

        // Every other page is there with its item.
        let broken = if cfg!(target_arch = "wasm32") { 2 } else { 3 };
        assert_eq!(stats.error_kind_count(ErrorKind::Handler), broken);
        let ok: Vec<_> = records.iter().filter(|r| r.error.is_none()).collect();
        assert_eq!(ok.len() + broken as usize, records.len());
        assert_eq!(items.len(), ok.len());
        assert_eq!(paths(&records), paths(&plain), "the crawl went on past the failures");
    }
}

engine_test! {
    async fn async_handlers_overlap_within_the_concurrency() {
        let arena = arena().await;
        let mut spec = home_and_products(&arena);
        spec.concurrency = 4;
        let active = Rc::new(Cell::new(0u32));
        let most = Rc::new(Cell::new(0u32));
        let (a, m) = (active.clone(), most.clone());
        let handler = move |page: Page| {
            let (active, most) = (a.clone(), m.clone());
            async move {
                active.set(active.get() + 1);
                most.set(most.get().max(active.get()));
                sleep(80).await;
                active.set(active.get() - 1);
                Ok(PageOutput::new().item(json!({ "depth": page.depth() }))?)
            }
        };
        let (records, items, _) = crawl_with(spec, handler).await;
        assert!(records.len() >= 10);
        assert_eq!(items.len(), records.iter().filter(|r| r.status == Some(200)).count());
        assert!(most.get() > 1, "handlers ran one at a time");
        assert!(most.get() <= 4, "{} handlers at once with concurrency 4", most.get());
    }
}

engine_test! {
    async fn a_slow_item_sink_holds_the_crawl_back() {
        let arena = arena().await;
        let spec = home_and_products(&arena);
        let (tx, mut rx) = mpsc::channel::<Value>(1);
        let reported = Rc::new(Cell::new(0usize));
        let handler = handler::sync(|page: &Page| {
            Ok(PageOutput::new().item(json!({ "url": page.url() }))?)
        });
        let counter = reported.clone();
        let run = crawler(spec)
            .with_handler(handler)
            .items_into(tx)
            .run(move |e| {
                if let Event::Record(r) = e {
                    if !r.items.is_empty() {
                        counter.set(counter.get() + 1);
                    }
                }
            });
        let consume = async {
            let (mut consumed, mut most_ahead) = (0usize, 0usize);
            while let Some(item) = rx.next().await {
                assert!(item["url"].is_string());
                consumed += 1;
                most_ahead = most_ahead.max(reported.get().saturating_sub(consumed));
                sleep(25).await;
            }
            (consumed, most_ahead)
        };
        let (stats, (consumed, most_ahead)) = futures::join!(run, consume);
        assert_eq!(consumed as u64, stats.items, "every item reached the sink, which was closed");
        assert!(consumed >= 10);
        // The channel holds 2 (its buffer plus the sender's slot); one more page may be
        // reported while the consumer sleeps. Without backpressure the crawl runs ahead.
        assert!(most_ahead <= 3, "the crawl ran {most_ahead} pages ahead of a slow sink");
    }
}

engine_test! {
    async fn meta_priority_and_depth_travel_with_a_link() {
        let arena = arena().await;
        let mut spec = arena.spec("/");
        spec.concurrency = 1;
        spec.per_host = 1;
        spec.max_depth = Some(5);
        let handler = |page: Page| async move {
            if page.depth() == 0 {
                let mut out = PageOutput::new();
                for i in 1..=6 {
                    let link = Follow::new(format!("/p/{i}")).priority(i).meta(json!({ "n": i }));
                    out = out.follow(link);
                }
                return Ok(out
                    .follow(Follow::new("/p/7").depth(5))
                    .follow(Follow::new("/p/8").depth(6)));
            }
            Ok(PageOutput::new()
                .item(json!({ "path": path(page.url()), "meta": page.meta() }))?
                .follow_none())
        };
        let (records, items, stats) = crawl_with(spec, handler).await;
        let order: Vec<String> = records.iter().map(|r| path(&r.url)).collect();
        assert_eq!(order, ["/", "/p/6", "/p/5", "/p/4", "/p/3", "/p/2", "/p/1", "/p/7"]);
        assert_eq!(stats.links_filtered, 1, "/p/8 is past max_depth");
        assert_eq!(records.last().unwrap().depth, 5);
        for (_, item) in &items {
            let p = item["path"].as_str().unwrap();
            let n: i64 = p.trim_start_matches("/p/").parse().unwrap();
            let expected = if n <= 6 { json!({ "n": n }) } else { Value::Null };
            assert_eq!(item["meta"], expected, "{item}");
        }
    }
}

engine_test! {
    async fn select_gives_what_the_fields_give() {
        let arena = arena().await;
        let mut spec = home_and_products(&arena);
        spec.fields.push(FieldSpec::parse_cli("related[]=a.related").unwrap());
        spec.fields.push(FieldSpec::parse_cli("links[]=a.related@href").unwrap());
        let handler = handler::sync(|page: &Page| {
            let first = |css: &str| -> Result<Value, Box<dyn std::error::Error>> {
                Ok(page.select(css)?.first().map(|e| Value::from(e.text.clone())).unwrap_or(Value::Null))
            };
            let related = page.select("a.related")?;
            Ok(PageOutput::new().item(json!({
                "title": first("title")?,
                "h1": first("h1")?,
                "related": related.iter().map(|e| e.text.clone()).collect::<Vec<_>>(),
                "links": related.iter().filter_map(|e| e.attr("href")).collect::<Vec<_>>(),
            }))?)
        });
        let (records, items, _) = crawl_with(spec, handler).await;
        let mut compared = 0;
        for (url, item) in &items {
            let record = records.iter().find(|r| &r.url == url).unwrap();
            for (name, value) in &record.fields {
                assert_eq!(&item[name.as_str()], value, "{name} on {url}");
            }
            compared += 1;
        }
        assert!(compared >= 10);
        assert!(items.iter().any(|(_, i)| !i["related"].as_array().unwrap().is_empty()));
    }
}

engine_test! {
    async fn a_failing_item_sink_stops_the_crawl_with_a_reason() {
        let arena = arena().await;
        let sink = futures::sink::unfold(0u32, |n, _item: Value| async move {
            if n == 2 {
                Err("disk full")
            } else {
                Ok(n + 1)
            }
        });
        let handler = handler::sync(|page: &Page| {
            Ok(PageOutput::new().item(json!({ "url": page.url() }))?)
        });
        let stats = crawler(home_and_products(&arena))
            .with_handler(handler)
            .items_into(sink)
            .run(|_| {})
            .await;
        assert!(stats.cancelled);
        let why = stats.store_error.expect("a reason");
        assert!(why.contains("item sink failed: disk full"), "{why}");
    }
}
