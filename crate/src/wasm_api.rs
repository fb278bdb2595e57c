//! The JavaScript API, for the playground and for anyone embedding silk in a page:
//!
//! ```js
//! import init, { Crawl, testSelector, version, defaultSpec } from './pkg/silk.js';
//! await init();
//! const crawl = new Crawl({ seeds: ['http://127.0.0.1:8080/'], max_pages: 50 });
//! crawl.onEvent((ev) => { if (ev.type === 'record') console.log(ev.record.url); });
//! const stats = await crawl.run();
//! ```
//!
//! User code per page (`crawl.onPage`, before the crawl starts): the handler gets a
//! [`CrawlPage`](page::CrawlPage) and returns (or resolves to) `{ items, follow }`; every item
//! comes out as an `{ type: 'item', item, url }` event. The adapter is
//! [`page_handler`]; the engine's [`crate::handler`] owns the semantics.
//!
//! ```js
//! crawl.onPage(async (page) => {
//!   const h1 = page.select('h1')[0]?.text;
//!   return { items: h1 ? [{ url: page.url, h1 }] : [], follow: null };
//! });
//! ```
//!
//! It is a thin shell: a spec goes in as the same JSON `silk crawl --spec` reads, the engine's
//! [`Crawler`] runs on the JS event loop (via `wasm-bindgen-futures`), and every [`Event`] comes
//! out as the plain object of [`Event::to_json`]. No crawl logic lives here, and nothing
//! crawled is ever inserted into a page: this module returns data only.
//!
//! `events()` and `run()` both start the crawl (once); `events()` subscribes from that moment
//! on, and ends after the `finished` event. The TypeScript types of specs, events, records and
//! stats are in [`ts_types`] (the handler's in [`page_handler`]), so the generated `.d.ts`
//! describes them.

mod js_json;
mod page;
mod page_handler;
mod source_tags;
mod ts_types;

pub use page::CrawlPage;

use crate::cancel::CancelHandle;
use crate::engine::Crawler;
use crate::events::Event;
use crate::extract::collapsed_text;
use crate::spec::{compile_selector, CrawlSpec};
use crate::{PlatformClock, PlatformFetcher};
use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::lock::Mutex;
use futures::StreamExt;
use js_sys::{Function, Object, Promise, Reflect};
use scraper::{ElementRef, Html};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Plain JS values from Rust values: maps become objects, 64-bit numbers become numbers.
fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// Rust values from plain JS objects, through `serde_json::Value`: serde-wasm-bindgen reads
/// only the fields a struct declares, so a misspelt key would pass unnoticed, while
/// `deny_unknown_fields` through serde_json names it.
fn from_js<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsError> {
    let invalid = |e: &dyn std::fmt::Display| JsError::new(&format!("{what} is not valid: {e}"));
    let json: serde_json::Value = serde_wasm_bindgen::from_value(value).map_err(|e| invalid(&e))?;
    serde_json::from_value(json).map_err(|e| invalid(&e))
}

/// Reports Rust panics on the console (then runs the previous hook) instead of leaving a
/// bare `unreachable` trap.
fn install_panic_hook() {
    thread_local!(static DONE: Cell<bool> = const { Cell::new(false) });
    if !DONE.with(|d| d.replace(true)) {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            web_sys::console::error_1(&JsValue::from_str(&format!("silk panicked: {info}")));
            previous(info);
        }));
    }
}

/// A crawl configured from a spec: run it, watch its events, cancel it.
#[wasm_bindgen]
pub struct Crawl {
    shared: Rc<Shared>,
    cancel: CancelHandle,
}

/// What the crawl's JS object and its running future both hold.
struct Shared {
    /// Taken when the crawl starts.
    crawler: RefCell<Option<Crawler>>,
    /// The promise of the stats, once started.
    run: RefCell<Option<Promise>>,
    listeners: RefCell<Vec<Function>>,
    /// One channel per `events()` iterator; closed ones are dropped at the next send.
    subscribers: RefCell<Vec<UnboundedSender<JsValue>>>,
    /// The `finished` event, once sent (handed to iterators created afterwards).
    finished: RefCell<Option<JsValue>>,
}

impl Shared {
    fn dispatch(&self, event: Event) {
        let finished = matches!(event, Event::Finished(_));
        let value = to_js(&event.to_json());
        // Clone the list so a listener may call onEvent or cancel re-entrantly.
        let listeners = self.listeners.borrow().clone();
        for listener in &listeners {
            if let Err(e) = listener.call1(&JsValue::UNDEFINED, &value) {
                web_sys::console::error_2(
                    &JsValue::from_str("silk: an onEvent listener threw"),
                    &e,
                );
            }
        }
        self.subscribers
            .borrow_mut()
            .retain(|tx| tx.unbounded_send(value.clone()).is_ok());
        if finished {
            // Ending the channels ends the iterators once they have drained.
            self.subscribers.borrow_mut().clear();
            *self.finished.borrow_mut() = Some(value);
        }
    }

    fn start(self: &Rc<Self>) -> Promise {
        if let Some(p) = self.run.borrow().as_ref() {
            return p.clone();
        }
        let crawler = self
            .crawler
            .borrow_mut()
            .take()
            .expect("a crawl not started still has its crawler");
        let shared = self.clone();
        let promise = future_to_promise(async move {
            let stats = crawler.run(|e| shared.dispatch(e)).await;
            // The very object the `finished` event carried.
            let stats_js = shared
                .finished
                .borrow()
                .as_ref()
                .and_then(|ev| Reflect::get(ev, &JsValue::from_str("stats")).ok())
                .unwrap_or_else(|| to_js(&serde_json::to_value(&stats).unwrap_or_default()));
            Ok(stats_js)
        });
        *self.run.borrow_mut() = Some(promise.clone());
        promise
    }
}

#[wasm_bindgen]
impl Crawl {
    /// Checks and compiles the spec (a plain object, or its JSON text). Throws an `Error`
    /// whose message says what is wrong: a bad URL, a selector with the column, a regex.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "CrawlSpec | string")] spec: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CrawlOptions")] options: JsValue,
    ) -> Result<Crawl, JsError> {
        install_panic_hook();
        let spec: CrawlSpec = match spec.as_string() {
            Some(text) => CrawlSpec::from_json(&text).map_err(|e| JsError::new(&e.message))?,
            None if spec.is_object() => from_js("spec", spec)?,
            None => {
                return Err(JsError::new(
                    "no spec: pass an object such as { seeds: ['http://127.0.0.1:8080/'] }",
                ))
            }
        };
        if let Some(proxy) = &spec.proxy {
            return Err(JsError::new(&format!(
                "proxy `{proxy}` cannot be used in the browser: remove `proxy` from the spec, or run it with the native `silk crawl`"
            )));
        }
        if !spec.start_cookies.is_empty() {
            return Err(JsError::new(
                "start_cookies cannot be sent from a page (the browser forbids the Cookie header): \
                 remove them, log in to the site in this browser and set `credentials: \"include\"`, \
                 or run the spec with the native `silk crawl`",
            ));
        }
        let compiled = spec.compile().map_err(|e| JsError::new(&e.message))?;
        let options = if options.is_undefined() || options.is_null() {
            Default::default()
        } else {
            from_js("options", options)?
        };
        let crawler = Crawler::new(
            compiled,
            Rc::new(PlatformFetcher::new(options).with_credentials(spec.credentials)),
            Rc::new(PlatformClock::new()),
        );
        let cancel = crawler.cancel_handle();
        Ok(Crawl {
            shared: Rc::new(Shared {
                crawler: RefCell::new(Some(crawler)),
                run: RefCell::default(),
                listeners: RefCell::default(),
                subscribers: RefCell::default(),
                finished: RefCell::default(),
            }),
            cancel,
        })
    }

    /// Calls `listener` with every event, in order, from now on.
    #[wasm_bindgen(js_name = onEvent)]
    pub fn on_event(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: CrawlEvent) => void")] listener: Function,
    ) {
        self.shared.listeners.borrow_mut().push(listener);
    }

    /// Runs `handler` on every fetched HTML page (status below 400): it gets the page and
    /// returns `{ items, follow }`, or a promise of it. Call it before the crawl starts
    /// (before `run()` or `events()`), once: a second call replaces the handler.
    #[wasm_bindgen(js_name = onPage)]
    pub fn on_page(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PageHandler")] handler: Function,
    ) -> Result<(), JsError> {
        let mut slot = self.shared.crawler.borrow_mut();
        let crawler = slot.take().ok_or_else(|| {
            JsError::new(
                "onPage must be called before the crawl starts, and this crawl has started (run() \
                 or events() starts it): create a new Crawl and call onPage before run()",
            )
        })?;
        *slot = Some(crawler.with_handler(page_handler::JsPageHandler::new(handler)));
        Ok(())
    }

    /// Starts the crawl (the first call, or `events()`, does) and resolves to its stats, the
    /// same object as the `finished` event's. Never rejects: failures are records.
    #[wasm_bindgen(unchecked_return_type = "Promise<CrawlStats>")]
    pub fn run(&self) -> Promise {
        self.shared.start()
    }

    /// Stops starting requests at once; requests in flight get a short grace period, then
    /// are aborted and recorded as `aborted`. The crawl still ends with a `finished` event.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// An async iterator of the events from now on, ending after `finished`:
    /// `for await (const ev of crawl.events()) { ... }`. Starts the crawl if `run()` has not;
    /// call `run()` as well (before or after) to get the stats promise. Breaking out of the
    /// loop unsubscribes without cancelling the crawl.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<CrawlEvent>")]
    pub fn events(&self) -> JsValue {
        let (tx, rx) = unbounded();
        match self.shared.finished.borrow().as_ref() {
            Some(finished) => {
                let _ = tx.unbounded_send(finished.clone());
            }
            None => self.shared.subscribers.borrow_mut().push(tx),
        }
        let _ = self.shared.start();
        let iterator = JsValue::from(CrawlEvents {
            rx: Rc::new(Mutex::new(rx)),
            closed: Rc::default(),
        });
        // `[Symbol.asyncIterator]() { return this }`: Object.prototype.valueOf is exactly that.
        let value_of = Reflect::get(&Object::new(), &JsValue::from_str("valueOf"))
            .unwrap_or(JsValue::UNDEFINED);
        let _ = Reflect::set(&iterator, &js_sys::Symbol::async_iterator(), &value_of);
        iterator
    }
}

/// The async iterator returned by `crawl.events()` (also `[Symbol.asyncIterator]`).
#[wasm_bindgen]
pub struct CrawlEvents {
    rx: Rc<Mutex<UnboundedReceiver<JsValue>>>,
    closed: Rc<Cell<bool>>,
}

fn iterator_result(value: JsValue, done: bool) -> JsValue {
    let result = Object::new();
    let _ = Reflect::set(&result, &JsValue::from_str("value"), &value);
    let _ = Reflect::set(
        &result,
        &JsValue::from_str("done"),
        &JsValue::from_bool(done),
    );
    result.into()
}

#[wasm_bindgen]
impl CrawlEvents {
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<CrawlEvent, undefined>>")]
    pub fn next(&self) -> Promise {
        let rx = self.rx.clone();
        let closed = self.closed.clone();
        future_to_promise(async move {
            if closed.get() {
                return Ok(iterator_result(JsValue::UNDEFINED, true));
            }
            let next = rx.lock().await.next().await;
            Ok(match next {
                Some(event) if !closed.get() => iterator_result(event, false),
                _ => iterator_result(JsValue::UNDEFINED, true),
            })
        })
    }

    /// Ends the iteration (what `break` in `for await` calls).
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<CrawlEvent, undefined>>"
    )]
    pub fn return_(&self) -> Promise {
        self.closed.set(true);
        if let Some(mut rx) = self.rx.try_lock() {
            rx.close();
        }
        Promise::resolve(&iterator_result(JsValue::UNDEFINED, true))
    }
}

#[derive(Serialize)]
struct SelectorMatch {
    text: String,
    outer_html: String,
    start: Option<usize>,
    end: Option<usize>,
}

/// Tries a CSS selector on an HTML page: every match with its text, its outer HTML and the
/// position `[start, end)` of its start tag `<tag ...>` in `html`, as JS string indices.
/// Positions pair the k-th element of a name with the k-th `<name` tag of the source
/// (skipping comments, scripts and styles), so elements the parser invents or moves (implied
/// `<html>`, `<body>`, `<tbody>`, misnested formatting tags, content foster-parented out of
/// tables) get `null`, or may shift others of the same name. A bad selector gives
/// `{ ok: false, error }` with the column, worded as a crawl spec would report it.
#[wasm_bindgen(js_name = testSelector, unchecked_return_type = "SelectorTest")]
pub fn test_selector(html: &str, css: &str) -> JsValue {
    install_panic_hook();
    let selector = match compile_selector("selector", css) {
        Ok(s) => s,
        Err(e) => return to_js(&serde_json::json!({ "ok": false, "error": e.message })),
    };
    let doc = Html::parse_document(html);
    // The index of every element among the elements of its name, in document order.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut index_of = HashMap::new();
    for node in doc.tree.root().descendants() {
        if let Some(el) = ElementRef::wrap(node) {
            let counter = seen
                .entry(el.value().name().to_ascii_lowercase())
                .or_default();
            index_of.insert(node.id(), *counter);
            *counter += 1;
        }
    }
    let tags = source_tags::start_tags(html);
    let matches: Vec<SelectorMatch> = doc
        .select(&selector)
        .map(|el| {
            let span = index_of.get(&el.id()).and_then(|&k| {
                tags.get(&el.value().name().to_ascii_lowercase())
                    .and_then(|spans| spans.get(k))
            });
            SelectorMatch {
                text: collapsed_text(el),
                outer_html: el.html(),
                start: span.map(|s| s.start),
                end: span.map(|s| s.end),
            }
        })
        .collect();
    #[derive(Serialize)]
    struct Found {
        ok: bool,
        matches: Vec<SelectorMatch>,
    }
    to_js(&Found { ok: true, matches })
}

/// silk's version, e.g. "0.1.0".
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

/// The default spec (every setting at its default, no seeds), to edit and pass to `Crawl`.
#[wasm_bindgen(js_name = defaultSpec, unchecked_return_type = "CrawlSpec")]
pub fn default_spec() -> JsValue {
    to_js(&CrawlSpec::default())
}
