//! The browser adapter and the JavaScript API, in headless Chromium, against real servers:
//! the arena (`SILK_ARENA_URL`, CORS-enabled), and a server without CORS headers that also
//! plays a relay (`SILK_NOCORS_URL`, its relay at `/relay`). `scripts/test-wasm.sh` starts
//! both and passes their addresses at compile time.
#![cfg(target_arch = "wasm32")]

use futures::future::{self, Either};
use futures::FutureExt;
use serde_json::{json, Value};
use silk::wasm_api::{test_selector, Crawl};
use silk::{
    Clock, CrawlSpec, Crawler, ErrorKind, Event, Fetch, FetchRequest, PlatformClock,
    PlatformFetcher,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use url::Url;
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

fn nocors() -> String {
    match option_env!("SILK_NOCORS_URL") {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => panic!("build with SILK_NOCORS_URL set: run scripts/test-wasm.sh"),
    }
}

fn request(url: &str, max_body_bytes: usize) -> FetchRequest {
    FetchRequest {
        url: Url::parse(url).unwrap(),
        headers: vec![
            ("user-agent".into(), "silk/test".into()),
            ("accept".into(), "text/html".into()),
            ("referer".into(), format!("{}/", arena())),
        ],
        max_body_bytes,
        timeout: Duration::from_secs(20),
    }
}

fn fetcher() -> PlatformFetcher {
    PlatformFetcher::new(Default::default())
}

fn relay_fetcher(token: &str) -> PlatformFetcher {
    let options = json!({ "relay": { "endpoint": format!("{}/relay", nocors()), "token": token } });
    PlatformFetcher::new(serde_json::from_value(options).unwrap())
}

async fn sleep_ms(ms: u64) {
    PlatformClock::new().sleep(Duration::from_millis(ms)).await
}

/// The arena's counters (`/__stats`), fetched with the adapter under test.
async fn arena_stats() -> Value {
    let resp = fetcher()
        .fetch(request(&format!("{}/__stats", arena()), 1 << 20))
        .await
        .unwrap();
    serde_json::from_slice(&resp.body).unwrap()
}

#[wasm_bindgen_test]
async fn fetches_a_product_page_as_bytes() {
    let url = format!("{}/p/1", arena());
    let resp = fetcher().fetch(request(&url, 1 << 20)).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.url.as_ref().map(Url::as_str), Some(url.as_str()));
    assert!(resp
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let text = String::from_utf8(resp.body.clone()).unwrap();
    assert!(
        text.contains("<h1>Product 1</h1>"),
        "{}",
        &text[..text.len().min(300)]
    );
    assert!(resp.body.len() > 5_000, "{} bytes", resp.body.len());
    assert!(resp
        .headers
        .iter()
        .all(|(k, _)| *k == k.to_ascii_lowercase()));
}

#[wasm_bindgen_test]
async fn the_browser_follows_redirects_and_reports_the_final_url() {
    let url = format!("{}/r/0", arena());
    let resp = fetcher().fetch(request(&url, 1 << 20)).await.unwrap();
    assert_eq!(resp.status, 200);
    let final_url = resp.url.expect("final URL");
    assert_ne!(final_url.as_str(), url);
    assert!(final_url.path().starts_with("/p/"), "{final_url}");
    assert!(String::from_utf8_lossy(&resp.body).contains("<h1>Product "));
}

#[wasm_bindgen_test]
async fn a_huge_body_stops_at_the_limit() {
    let clock = PlatformClock::new();
    let t0 = clock.now();
    let err = fetcher()
        .fetch(request(&format!("{}/faults/huge", arena()), 1 << 20))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge, "{err}");
    let took = clock.now() - t0;
    assert!(
        took < Duration::from_secs(5),
        "took {took:?} to stop a 50 MiB body at 1 MiB"
    );
}

#[wasm_bindgen_test]
async fn a_site_without_cors_headers_is_a_cors_error() {
    let f = fetcher();
    for _ in 0..2 {
        // The second time the verdict comes from the per-origin cache.
        let err = f
            .fetch(request(&format!("{}/page.html", nocors()), 1 << 20))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cors, "{err}");
        assert!(err.message.contains("silk serve --relay"), "{err}");
        assert!(err.message.contains("silk crawl"), "{err}");
    }
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_a_connect_error_not_cors() {
    // Port 9 (discard) is closed on the test machine: nothing answers, CORS or not.
    let err = fetcher()
        .fetch(request("http://127.0.0.1:9/", 1 << 20))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connect, "{err}");
}

#[wasm_bindgen_test]
async fn a_redirect_loop_and_a_reset_are_told_apart() {
    let err = fetcher()
        .fetch(request(&format!("{}/faults/loop-a", arena()), 1 << 20))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RedirectLoop, "{err}");
    let err = fetcher()
        .fetch(request(&format!("{}/faults/reset", arena()), 1 << 20))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connect, "{err}");
}

#[wasm_bindgen_test]
async fn dropping_the_future_aborts_the_request() {
    // /faults/slow trickles its body for 6 s; the arena counts it in flight until then.
    let fetch = fetcher().fetch(request(&format!("{}/faults/slow", arena()), 1 << 20));
    let timer = sleep_ms(400).boxed_local();
    match future::select(fetch, timer).await {
        Either::Left((r, _)) => panic!("/faults/slow finished in 400 ms: {r:?}"),
        Either::Right((_, fetch)) => {
            let in_flight = arena_stats().await["in_flight"].as_u64().unwrap();
            assert!(in_flight >= 1, "the slow page is being served");
            drop(fetch);
        }
    }
    let mut in_flight = Value::Null;
    for _ in 0..30 {
        sleep_ms(100).await;
        in_flight = arena_stats().await["in_flight"].clone();
        if in_flight == 0 {
            return;
        }
    }
    panic!("the arena still serves the dropped request: in_flight = {in_flight}");
}

#[wasm_bindgen_test]
async fn a_relay_fetches_on_our_behalf_and_reports_its_errors() {
    let f = relay_fetcher("sesame");
    let target = "http://example.invalid/some/page?q=1";
    let resp = f.fetch(request(target, 1 << 20)).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.url.as_ref().map(Url::as_str),
        Some("http://example.invalid/final")
    );
    assert_eq!(resp.header("content-type"), Some("text/html; charset=gbk"));
    assert_eq!(
        String::from_utf8(resp.body).unwrap(),
        format!("relayed {target}")
    );

    let err = f
        .fetch(request("http://example.invalid/fail", 1 << 20))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Dns, "{err}");
    assert_eq!(err.message, "example.invalid does not resolve");

    let wrong = relay_fetcher("wrong")
        .fetch(request(target, 1 << 20))
        .await
        .unwrap();
    assert_eq!(wrong.status, 403, "the relay refuses a wrong token");

    let down = PlatformFetcher::new(
        serde_json::from_value(
            json!({ "relay": { "endpoint": "http://127.0.0.1:9/relay", "token": "t" } }),
        )
        .unwrap(),
    );
    let err = down.fetch(request(target, 1 << 20)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connect, "{err}");
    assert!(err.message.contains("silk serve --relay"), "{err}");
}

fn selector_result(html: &str, css: &str) -> Value {
    serde_wasm_bindgen::from_value(test_selector(html, css)).unwrap()
}

/// The text between a match's JS string indices.
fn js_slice(html: &str, m: &Value) -> String {
    let units: Vec<u16> = html.encode_utf16().collect();
    let (s, e) = (
        m["start"].as_u64().unwrap() as usize,
        m["end"].as_u64().unwrap() as usize,
    );
    String::from_utf16(&units[s..e]).unwrap()
}

#[wasm_bindgen_test]
fn test_selector_finds_matches_and_their_source_positions() {
    let html = "<!doctype html><title>é <p> not a tag</title>\n<!-- <p class=x>commented</p> -->\
        <script>if (a<p) document.write('<p class=x>')</script>\
        <p>😀 one</p><P CLASS='x' data-gt='a>b'>two  <b>bold</b></P><p class=x>three</p>";
    let r = selector_result(html, "p.x");
    assert_eq!(r["ok"], true, "{r}");
    let matches = r["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2, "{r}");
    assert_eq!(matches[0]["text"], "two bold");
    assert_eq!(
        matches[0]["outer_html"],
        "<p class=\"x\" data-gt=\"a&gt;b\">two  <b>bold</b></p>"
    );
    assert_eq!(js_slice(html, &matches[0]), "<P CLASS='x' data-gt='a>b'>");
    assert_eq!(js_slice(html, &matches[1]), "<p class=x>");
    // Parser-implied elements have no start tag in the source.
    let body = selector_result(html, "body");
    assert_eq!(body["matches"][0]["start"], Value::Null, "{body}");

    let bad = selector_result(html, "div > > p");
    assert_eq!(bad["ok"], false);
    let error = bad["error"].as_str().unwrap();
    assert!(error.contains("column "), "{error}");
}

#[wasm_bindgen_test]
async fn a_small_crawl_of_the_arena() {
    let spec = CrawlSpec {
        seeds: vec![format!("{}/", arena())],
        max_pages: Some(25),
        concurrency: 4,
        fields: vec![silk::FieldSpec::parse_cli("h1=h1").unwrap()],
        ..CrawlSpec::default()
    }
    .compile()
    .unwrap();
    let crawler = Crawler::new(spec, Rc::new(fetcher()), Rc::new(PlatformClock::new()));
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    let stats = crawler.run(move |e| sink.borrow_mut().push(e)).await;
    let events = events.take();
    let records: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Record(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 25, "{stats:?}");
    assert_eq!(stats.pages, 25);
    assert!(matches!(events.last(), Some(Event::Finished(_))));
    let products: Vec<_> = records.iter().filter(|r| r.url.contains("/p/")).collect();
    assert!(products.len() >= 10, "{records:#?}");
    for r in &products {
        assert_eq!(r.status, Some(200), "{r:?}");
        assert!(r.error.is_none(), "{r:?}");
        let h1 = r.fields[0].1.as_str().unwrap_or_default();
        assert!(h1.starts_with("Product "), "{r:?}");
    }
    assert_eq!(stats.error_kind_count(ErrorKind::Cors), 0, "{stats:?}");
    // robots.txt was fetched and obeyed: /private/1 (linked from /) is refused unfetched.
    assert_eq!(arena_stats().await["disallowed_fetches"], 0);
}

/// Calls a JS method by name on an object (what a page would do).
fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(target, &method.into()).unwrap().into();
    f.apply(target, &args.iter().collect()).unwrap()
}

#[wasm_bindgen_test]
async fn the_js_api_runs_a_crawl_with_listeners_and_an_async_iterator() {
    let spec = json!({ "seeds": [format!("{}/", arena())], "max_pages": 8, "concurrency": 3,
                       "fields": [{ "name": "title", "selector": "title" }] });
    let spec = spec
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap();
    let crawl = Crawl::new(spec, JsValue::UNDEFINED).unwrap();
    let seen = Rc::new(RefCell::new(Vec::<Value>::new()));
    let sink = seen.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
        sink.borrow_mut()
            .push(serde_wasm_bindgen::from_value(ev).unwrap());
    });
    crawl.on_event(
        listener
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone(),
    );
    let iterator = crawl.events();
    let stats = JsFuture::from(crawl.run()).await.unwrap();
    let stats: Value = serde_wasm_bindgen::from_value(stats).unwrap();
    assert_eq!(stats["pages"], 8, "{stats}");

    let seen = seen.take();
    assert_eq!(seen.last().unwrap()["type"], "finished");
    assert_eq!(seen.last().unwrap()["stats"], stats);
    let records: Vec<_> = seen.iter().filter(|e| e["type"] == "record").collect();
    assert_eq!(records.len(), 8);
    assert!(records.iter().any(|r| r["record"]["title"]
        .as_str()
        .is_some_and(|t| t.contains("Product"))));
    assert!(seen
        .iter()
        .any(|e| e["type"] == "request" && e["slot"].is_number()));

    // The iterator saw the same events, then ends.
    let async_iter = js_sys::Reflect::get(&iterator, &js_sys::Symbol::async_iterator()).unwrap();
    let same: JsValue = js_sys::Function::from(async_iter).call0(&iterator).unwrap();
    assert!(js_sys::Object::is(&same, &iterator));
    let mut from_iterator = Vec::new();
    loop {
        let step = JsFuture::from(js_sys::Promise::from(call(&iterator, "next", &[])))
            .await
            .unwrap();
        let done = js_sys::Reflect::get(&step, &"done".into()).unwrap();
        if done.is_truthy() {
            break;
        }
        let value = js_sys::Reflect::get(&step, &"value".into()).unwrap();
        from_iterator.push(serde_wasm_bindgen::from_value::<Value>(value).unwrap());
    }
    assert_eq!(from_iterator, seen);
    // run() again hands back the same stats.
    let again: Value =
        serde_wasm_bindgen::from_value(JsFuture::from(crawl.run()).await.unwrap()).unwrap();
    assert_eq!(again, stats);
}

#[wasm_bindgen_test]
async fn cancel_stops_a_crawl_early() {
    let spec = json!({ "seeds": [format!("{}/", arena())], "concurrency": 2, "delay_ms": 50 });
    let crawl = Crawl::new(JsValue::from_str(&spec.to_string()), JsValue::UNDEFINED).unwrap();
    let run = JsFuture::from(crawl.run());
    sleep_ms(300).await;
    crawl.cancel();
    let stats: Value = serde_wasm_bindgen::from_value(run.await.unwrap()).unwrap();
    assert_eq!(stats["cancelled"], true, "{stats}");
    assert!(stats["pages"].as_u64().unwrap() < 50, "{stats}");
    assert!(stats["queued_remaining"].as_u64().unwrap() > 0, "{stats}");
}

#[wasm_bindgen_test]
async fn a_crawl_of_a_site_without_cors_headers_records_cors_errors() {
    // robots: false, because a robots.txt the browser may not read currently makes the engine
    // assume "disallow all" (see the report on RobotsRules for unreachable robots.txt).
    let spec = json!({ "seeds": [format!("{}/", nocors())], "robots": false });
    let crawl = Crawl::new(JsValue::from_str(&spec.to_string()), JsValue::UNDEFINED).unwrap();
    let records = Rc::new(RefCell::new(Vec::<Value>::new()));
    let sink = records.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
        let ev: Value = serde_wasm_bindgen::from_value(ev).unwrap();
        if ev["type"] == "record" {
            sink.borrow_mut().push(ev["record"].clone());
        }
    });
    crawl.on_event(
        listener
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone(),
    );
    JsFuture::from(crawl.run()).await.unwrap();
    let records = records.take();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["error"]["kind"], "cors", "{records:?}");
    assert_eq!(records[0]["status"], Value::Null);
}

#[wasm_bindgen_test]
fn bad_specs_throw_errors_that_say_what_to_fix() {
    let error_of = |spec: Value| {
        let js = spec
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap();
        let err = Crawl::new(js, JsValue::UNDEFINED)
            .err()
            .unwrap_or_else(|| panic!("{spec} was accepted"));
        let err: JsValue = err.into();
        js_sys::Error::from(err).message().as_string().unwrap()
    };
    let m = error_of(json!({ "seeds": ["example.com"] }));
    assert!(m.contains("http://example.com"), "{m}");
    let m = error_of(
        json!({ "seeds": ["http://a/"], "fields": [{ "name": "t", "selector": "div > > p" }] }),
    );
    assert!(m.contains("column "), "{m}");
    let m = error_of(json!({ "seeds": ["http://a/"], "concurency": 3 }));
    assert!(m.contains("concurency"), "{m}");
    let m = error_of(json!({ "seeds": ["http://a/"], "proxy": "http://127.0.0.1:3128" }));
    assert!(m.contains("native"), "{m}");

    let defaults: Value = serde_wasm_bindgen::from_value(silk::wasm_api::default_spec()).unwrap();
    assert_eq!(defaults["concurrency"], 16);
    assert_eq!(defaults["seeds"], json!([]));
    assert_eq!(silk::wasm_api::version(), "0.1.0");
}

use serde::Serialize as _;
