//! `crawl.onPage`, the JavaScript page handler, in headless Chromium against the arena
//! (`SILK_ARENA_URL`, started by `scripts/test-wasm.sh`): handlers are real JS functions
//! (`new Function(...)`) driving a `Crawl` built through the JS API, as a page would.
//! The engine-side semantics on both targets are proven by the shared tests; these prove the
//! adapter: the page object, `{ items, follow }` parsing, promises, and the error messages.
#![cfg(target_arch = "wasm32")]

use js_sys::Function;
use serde::Serialize as _;
use serde_json::{json, Value};
use silk::wasm_api::Crawl;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn arena() -> String {
    match option_env!("SILK_ARENA_URL") {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => panic!("build with SILK_ARENA_URL set: run scripts/test-wasm.sh"),
    }
}

/// A JS handler `function (page) { BODY }`.
fn handler(body: &str) -> Function {
    Function::new_with_args("page", body)
}

fn new_crawl(spec: Value) -> Crawl {
    let spec = spec
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap();
    Crawl::new(spec, JsValue::UNDEFINED).unwrap()
}

/// Runs `crawl` to the end: every event (as JSON) and the stats.
async fn run(crawl: &Crawl) -> (Vec<Value>, Value) {
    let seen = Rc::new(RefCell::new(Vec::<Value>::new()));
    let sink = seen.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
        sink.borrow_mut()
            .push(serde_wasm_bindgen::from_value(ev).unwrap());
    });
    crawl.on_event(listener.as_ref().unchecked_ref::<Function>().clone());
    let stats = JsFuture::from(crawl.run()).await.unwrap();
    let events = seen.take();
    assert_eq!(
        events.last().unwrap()["type"],
        "finished",
        "the crawl finished"
    );
    (events, serde_wasm_bindgen::from_value(stats).unwrap())
}

/// A crawl of the arena from `/` with `handler_body` as its page handler.
async fn crawl_with(spec: Value, handler_body: &str) -> (Vec<Value>, Value) {
    let mut spec = spec;
    spec["seeds"] = json!([format!("{}/", arena())]);
    let crawl = new_crawl(spec);
    crawl.on_page(handler(handler_body)).unwrap();
    run(&crawl).await
}

fn records(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["type"] == "record")
        .map(|e| &e["record"])
        .collect()
}

/// The record of `path` (e.g. "/p/3").
fn record<'a>(events: &'a [Value], path: &str) -> &'a Value {
    let url = format!("{}{path}", arena());
    records(events)
        .into_iter()
        .find(|r| r["url"] == url.as_str())
        .unwrap_or_else(|| panic!("no record of {url} in {events:#?}"))
}

fn paths(events: &[Value]) -> Vec<String> {
    let mut paths: Vec<String> = records(events)
        .iter()
        .map(|r| {
            r["url"]
                .as_str()
                .unwrap()
                .trim_start_matches(&arena())
                .to_string()
        })
        .collect();
    paths.sort();
    paths
}

fn error_message(err: JsError) -> String {
    let err: JsValue = err.into();
    js_sys::Error::from(err).message().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn a_follow_list_replaces_the_spec_links() {
    let (events, stats) = crawl_with(
        json!({ "max_pages": 30, "concurrency": 4 }),
        "if (page.depth === 0) return { follow: ['/p/3', page.absolute('/p/7')] };
         return { follow: [] };",
    )
    .await;
    assert_eq!(paths(&events), ["/", "/p/3", "/p/7"], "{stats}");
    for r in records(&events) {
        assert_eq!(r["status"], 200, "{r}");
        assert!(r.get("error").is_none(), "{r}");
    }
    assert_eq!(record(&events, "/p/7")["referer"], format!("{}/", arena()));
    assert_eq!(stats["pages"], 3);
}

#[wasm_bindgen_test]
async fn a_throw_or_a_rejection_is_that_pages_error_and_the_crawl_goes_on() {
    let (events, stats) = crawl_with(
        json!({ "max_pages": 30, "concurrency": 3 }),
        "const path = new URL(page.url).pathname;
         if (page.depth === 0) return { follow: ['/p/1', '/p/2', '/p/3', '/p/4'] };
         if (path === '/p/1') throw new TypeError('no price on ' + path);
         if (path === '/p/2') return new Promise((_, reject) =>
             setTimeout(() => reject(new RangeError('rejected later')), 20));
         if (path === '/p/3') throw 'a plain string';
         return { items: [{ path }], follow: [] };",
    )
    .await;
    assert_eq!(paths(&events), ["/", "/p/1", "/p/2", "/p/3", "/p/4"]);

    let thrown = record(&events, "/p/1");
    assert_eq!(thrown["error"]["kind"], "handler", "{thrown}");
    assert_eq!(thrown["status"], 200, "the status is kept: {thrown}");
    let message = thrown["error"]["message"].as_str().unwrap();
    let (head, stack) = message
        .split_once('\n')
        .expect("the stack follows the message");
    assert_eq!(head, "TypeError: no price on /p/1");
    assert!(stack.trim_start().starts_with("at "), "{message}");
    assert!(
        !message.contains("wasm-function[") && !message.contains("__wbg_"),
        "silk's own frames are cut: {message}"
    );
    assert!(thrown.get("items").is_none(), "{thrown}");

    let rejected = record(&events, "/p/2");
    assert_eq!(rejected["error"]["kind"], "handler", "{rejected}");
    let message = rejected["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("RangeError: rejected later\n"),
        "{message}"
    );

    let plain = record(&events, "/p/3");
    assert_eq!(plain["error"]["message"], "a plain string", "{plain}");

    for fine in ["/", "/p/4"] {
        assert!(record(&events, fine).get("error").is_none(), "{fine}");
    }
    assert_eq!(
        record(&events, "/p/4")["items"],
        json!([{ "path": "/p/4" }])
    );
    assert_eq!(stats["pages"], 5, "{stats}");
    assert_eq!(stats["errors"], 3, "{stats}");
    assert_eq!(stats["error_kinds"]["handler"], 3, "{stats}");
    assert_eq!(stats["items"], 1, "{stats}");
}

#[wasm_bindgen_test]
async fn a_result_of_the_wrong_shape_is_an_error_that_says_what_is_wrong() {
    let (events, stats) = crawl_with(
        json!({ "max_pages": 30, "concurrency": 4 }),
        "const path = new URL(page.url).pathname;
         switch (path) {
           case '/': return { follow: ['/p/1', '/p/2', '/p/3', '/p/4', '/p/5', '/p/6', '/p/7', '/p/8'] };
           case '/p/1': return 42;
           case '/p/2': return { items: [{ ok: 1, nested: { f() {} } }] };
           case '/p/3': { const a = { name: 'x' }; a.self = [a]; return { items: [a] }; }
           case '/p/4': return { items: [{ n: 10n }] };
           case '/p/5': return { item: [1] };
           case '/p/6': return { follow: [{ url: '/p/9', prio: 1 }] };
           case '/p/7': return { items: [1], follow: [{ url: '/p/9', depth: -1 }] };
           case '/p/8': return { items: [{ when: new Date(0), skip: undefined, list: [undefined, 1.5], n: 7 }],
                                 follow: [] };
         }
         return { follow: [] };",
    )
    .await;
    let message = |path: &str| {
        let r = record(&events, path);
        assert_eq!(r["error"]["kind"], "handler", "{r}");
        assert!(r.get("items").is_none(), "{r}");
        r["error"]["message"].as_str().unwrap().to_string()
    };
    let m = message("/p/1");
    assert!(
        m.contains("returned a number (42)") && m.contains("{ items"),
        "{m}"
    );
    let m = message("/p/2");
    assert!(m.starts_with("items[0].nested.f is a function"), "{m}");
    let m = message("/p/3");
    assert!(m.starts_with("items[0].self[0] refers back"), "{m}");
    assert!(m.contains("cycle"), "{m}");
    let m = message("/p/4");
    assert!(m.starts_with("items[0].n is a BigInt"), "{m}");
    let m = message("/p/5");
    assert!(m.contains("unknown key `item`"), "{m}");
    let m = message("/p/6");
    assert!(m.starts_with("follow[0] has an unknown key `prio`"), "{m}");
    let m = message("/p/7");
    assert!(m.starts_with("follow[0] has depth a number (-1)"), "{m}");

    // What JSON.stringify accepts is accepted, the same way.
    let fine = record(&events, "/p/8");
    assert!(fine.get("error").is_none(), "{fine}");
    assert_eq!(
        fine["items"],
        json!([{ "when": "1970-01-01T00:00:00.000Z", "list": [null, 1.5], "n": 7 }])
    );
    assert_eq!(stats["error_kinds"]["handler"], 7, "{stats}");
    assert!(
        !paths(&events).contains(&"/p/9".to_string()),
        "a failed page's follow list is not followed"
    );
}

#[wasm_bindgen_test]
async fn an_async_handler_is_awaited_and_the_page_is_released_afterwards() {
    js_sys::Reflect::set(
        &js_sys::global(),
        &"__silkPages".into(),
        &js_sys::Array::new(),
    )
    .unwrap();
    let (events, stats) = crawl_with(
        json!({ "max_pages": 30, "concurrency": 4 }),
        "globalThis.__silkPages.push(page);
         return (async () => {
           const started = Date.now();
           await new Promise((resolve) => setTimeout(resolve, 60));
           const h1 = page.select('h1')[0];
           return {
             items: [{ h1: h1 ? h1.text : null, waited: Date.now() - started >= 50 }],
             follow: page.depth === 0 ? ['/p/1', '/p/2', '/p/3'] : [],
           };
         })();",
    )
    .await;
    assert_eq!(paths(&events), ["/", "/p/1", "/p/2", "/p/3"], "{stats}");
    assert_eq!(
        record(&events, "/")["items"],
        json!([{ "h1": "Arena shop", "waited": true }])
    );
    for i in 1..=3 {
        assert_eq!(
            record(&events, &format!("/p/{i}"))["items"],
            json!([{ "h1": format!("Product {i}"), "waited": true }])
        );
    }
    assert_eq!(stats["items"], 4);

    // After its call, a page object says it is gone instead of keeping the page alive.
    let kept: js_sys::Array = js_sys::Reflect::get(&js_sys::global(), &"__silkPages".into())
        .unwrap()
        .into();
    assert_eq!(kept.length(), 4);
    let err = js_sys::Reflect::get(&kept.get(0), &"url".into()).unwrap_err();
    let message = js_sys::Error::from(err).message().as_string().unwrap();
    assert!(message.contains("onPage call has finished"), "{message}");
}

#[wasm_bindgen_test]
async fn items_reach_listeners_as_item_events_with_their_page_url() {
    // Returning undefined (odd product numbers) means no items and the spec's links; so does
    // an object without `follow`.
    let (events, stats) = crawl_with(
        json!({ "max_pages": 8, "concurrency": 2 }),
        "const path = new URL(page.url).pathname;
         if (/[13579]$/.test(path)) return;
         return { items: [{ path, n: page.depth }, 'second'] };",
    )
    .await;
    let records = records(&events);
    assert_eq!(records.len(), 8, "the spec's links were followed: {stats}");
    let mut expected_items = 0;
    for r in &records {
        let url = r["url"].as_str().unwrap();
        let path = url.trim_start_matches(&arena());
        let item_events: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "item" && e["url"] == url)
            .collect();
        if path.ends_with(['1', '3', '5', '7', '9']) {
            assert!(item_events.is_empty(), "{path}: {item_events:?}");
            assert!(r.get("items").is_none(), "{r}");
            continue;
        }
        let items = json!([{ "path": path, "n": r["depth"] }, "second"]);
        assert_eq!(r["items"], items, "{r}");
        let from_events: Vec<Value> = item_events.iter().map(|e| e["item"].clone()).collect();
        assert_eq!(Value::Array(from_events), items, "{path}");
        // Items come just before their page's record.
        let record_at = events
            .iter()
            .position(|e| e["type"] == "record" && e["record"]["url"] == url);
        let last_item_at = events
            .iter()
            .rposition(|e| e["type"] == "item" && e["url"] == url);
        assert_eq!(last_item_at.map(|i| i + 1), record_at, "{path}");
        expected_items += 2;
    }
    assert!(
        expected_items >= 4,
        "some pages had items: {expected_items}"
    );
    assert_eq!(stats["items"], expected_items);
}

#[wasm_bindgen_test]
async fn meta_and_priority_ride_with_a_followed_link() {
    let (events, _) = crawl_with(
        json!({ "max_pages": 30, "concurrency": 1 }),
        "if (page.depth === 0) return {
           items: [{ meta: typeof page.meta }],
           follow: [{ url: '/p/3', meta: { label: 'three', ids: [3] } },
                    { url: '/p/5', meta: 'five', priority: 5 },
                    '/p/6'],
         };
         return { items: [{ meta: page.meta === undefined ? 'none' : page.meta }], follow: [] };",
    )
    .await;
    assert_eq!(paths(&events), ["/", "/p/3", "/p/5", "/p/6"]);
    let item = |path: &str| record(&events, path)["items"][0]["meta"].clone();
    assert_eq!(item("/"), "undefined");
    assert_eq!(item("/p/3"), json!({ "label": "three", "ids": [3] }));
    assert_eq!(item("/p/5"), "five");
    assert_eq!(item("/p/6"), "none");
    // One request at a time: the link with priority 5 goes first.
    let requested: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "request")
        .map(|e| e["url"].as_str().unwrap().trim_start_matches(&arena()))
        .collect();
    assert_eq!(requested, ["/", "/p/5", "/p/3", "/p/6"]);
}

#[wasm_bindgen_test]
async fn select_gives_what_the_spec_fields_give_and_the_page_has_its_properties() {
    let fields = json!([
        { "name": "h1", "selector": "h1" },
        { "name": "price", "selector": ".price" },
        { "name": "stars", "selector": ".rating", "attr": "data-stars" },
        { "name": "related", "selector": ".related a", "all": true },
    ]);
    let (events, _) = crawl_with(
        json!({ "max_pages": 30, "concurrency": 2, "fields": fields }),
        "let badSelector = null;
         try { page.select('div > > p'); } catch (e) { badSelector = (e instanceof Error) + ' ' + e.message; }
         const first = (css) => { const m = page.select(css); return m.length ? m[0] : null; };
         return {
           items: [{
             h1: first('h1') ? first('h1').text : null,
             price: first('.price') ? first('.price').text : null,
             stars: first('.rating') ? first('.rating').attrs['data-stars'] : null,
             related: page.select('.related a').map((e) => e.text),
             fields: page.fields,
             url: page.url, finalUrl: page.finalUrl, status: page.status, depth: page.depth,
             referer: page.referer, contentType: page.headers['content-type'],
             hasText: page.text.includes('</h1>'), links: page.links,
             abs: page.absolute('/p/1?x=1#frag'), mailto: String(page.absolute('mailto:a@b')),
             refererIs: page.referer === null ? 'null' : typeof page.referer,
             badSelector,
           }],
           follow: page.depth === 0 ? ['/p/4', '/r/0'] : [], // /r/0 redirects to another product
         };",
    )
    .await;
    let rs = records(&events);
    assert_eq!(rs.len(), 3, "{rs:#?}");
    let mut products = 0;
    for r in rs {
        assert!(r.get("error").is_none(), "{r}");
        let item = &r["items"][0];
        for name in ["h1", "price", "stars", "related"] {
            assert_eq!(item[name], r[name], "{name} on {}", r["url"]);
            assert_eq!(item["fields"][name], r[name], "{name} on {}", r["url"]);
        }
        assert_eq!(item["fields"].as_object().map(|f| f.len()), Some(4), "{r}");
        assert_eq!(item["url"], r["url"]);
        assert_eq!(item["finalUrl"], r["final_url"]);
        assert_eq!(item["status"], 200);
        assert_eq!(item["depth"], r["depth"]);
        assert_eq!(item["referer"], r["referer"]);
        assert!(
            item["contentType"]
                .as_str()
                .unwrap()
                .starts_with("text/html"),
            "{item}"
        );
        assert_eq!(item["hasText"], true);
        assert_eq!(item["abs"], format!("{}/p/1?x=1", arena()));
        assert_eq!(
            item["mailto"], "null",
            "absolute() gives null, not undefined"
        );
        let referer_is = if r["depth"] == 0 { "null" } else { "string" };
        assert_eq!(item["refererIs"], referer_is, "{item}");
        let bad = item["badSelector"].as_str().unwrap();
        assert!(bad.starts_with("true ") && bad.contains("column "), "{bad}");
        let links = item["links"].as_array().unwrap();
        assert!(!links.is_empty(), "{item}");
        assert!(
            links
                .iter()
                .all(|l| l.as_str().unwrap().starts_with("http://")),
            "{item}"
        );
        if r["h1"].as_str().unwrap().starts_with("Product ") {
            products += 1;
            assert!(r["price"].as_str().unwrap().starts_with('$'), "{r}");
            assert!(!r["related"].as_array().unwrap().is_empty(), "{r}");
        }
    }
    assert_eq!(products, 2, "/p/4 and the product /r/0 redirects to");
    assert_eq!(record(&events, "/")["referer"], Value::Null);
    let redirected = record(&events, "/r/0");
    assert_ne!(redirected["items"][0]["finalUrl"], redirected["url"]);
}

#[wasm_bindgen_test]
async fn on_page_is_for_before_the_start_and_a_second_call_replaces_the_first() {
    let crawl = new_crawl(json!({ "seeds": [format!("{}/", arena())], "max_pages": 1 }));
    crawl
        .on_page(handler("return { items: ['first'] };"))
        .unwrap();
    crawl
        .on_page(handler("return { items: ['second'] };"))
        .unwrap();
    let items = Rc::new(RefCell::new(Vec::<Value>::new()));
    let sink = items.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
        let ev: Value = serde_wasm_bindgen::from_value(ev).unwrap();
        if ev["type"] == "item" {
            sink.borrow_mut().push(ev["item"].clone());
        }
    });
    crawl.on_event(listener.as_ref().unchecked_ref::<Function>().clone());
    let running = crawl.run();
    let message = error_message(crawl.on_page(handler("return;")).unwrap_err());
    assert!(message.contains("before the crawl starts"), "{message}");
    let stats: Value =
        serde_wasm_bindgen::from_value(JsFuture::from(running).await.unwrap()).unwrap();
    assert_eq!(stats["pages"], 1, "{stats}");
    assert_eq!(items.take(), [json!("second")]);
}
