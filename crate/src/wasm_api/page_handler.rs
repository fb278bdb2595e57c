//! `crawl.onPage(handler)`: a JavaScript function as the engine's
//! [`PageHandler`](crate::handler::PageHandler).
//!
//! This module only adapts; the engine owns every rule (see [`crate::handler`]). Per page
//! it calls the function with a [`CrawlPage`](super::page::CrawlPage), awaits the result if
//! it is a promise (any thenable), and reads `{ items, follow }` into a
//! [`PageOutput`]:
//!
//! - `undefined` or `null`: no items, the spec's links followed.
//! - `items`: an array of JSON-able values (see [`super::js_json`]), each becoming an
//!   `{ type: 'item', item, url }` event and part of the page's record.
//! - `follow`: absent or null for the spec's links; otherwise an array of URLs (absolute,
//!   or relative to the page) or `{ url, depth?, priority?, meta? }`, and only those are
//!   followed, still through scope, allow/deny, depth, robots.txt, the seen-set and
//!   politeness.
//!
//! Whatever goes wrong becomes the page's error, kind `handler`, never a panic: a thrown
//! exception or a rejected promise gives `Name: message` followed, after a newline, by the
//! error's `stack` (as the browser writes it: the playground maps its line numbers back to
//! the user's code); a thrown non-Error gives `String(value)`. A result of the wrong shape
//! (a number, an array, an unknown key, an item that is not JSON) gives a message naming
//! what is wrong and where.

use super::js_json::{self, js_string};
use super::page::crawl_page;
use crate::handler::{Follow, HandlerResult, Page, PageHandler, PageOutput};
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(typescript_custom_section)]
const TS_HANDLER_TYPES: &str = r#"
/** An element found by `page.select(css)`. */
export interface PageElement {
  /** Text content, whitespace collapsed (as a spec field gives it). */
  text: string;
  /** Attributes in source order, lower-case names. */
  attrs: Record<string, string>;
}

/** A link for the crawl to follow, with per-link extras. */
export interface FollowRequest {
  /** Absolute, or relative to the page (its `<base href>` if any). */
  url: string;
  /** The linked page's depth; default: this page's depth + 1 (`max_depth` still applies). */
  depth?: number;
  /** Higher is fetched sooner; default 0 (an integer). */
  priority?: number;
  /** Any JSON-able value, handed to the linked page's handler call as `page.meta`. */
  meta?: unknown;
}

/**
 * What an `onPage` handler returns (or resolves to). Returning nothing means no items and
 * the spec's links.
 */
export interface PageResult {
  /** JSON-able values: each is an `{ type: "item", item, url }` event and in `record.items`. */
  items?: unknown[];
  /**
   * Absent or null: follow the spec's links (`page.links`). An array: follow exactly these
   * (`[]` follows nothing); scope, allow/deny, max_depth, robots.txt, the seen-set and
   * politeness still apply.
   */
  follow?: (string | FollowRequest)[] | null;
}

/**
 * User code run on every fetched HTML page (status below 400). A throw, a rejected promise
 * or a result of the wrong shape becomes that page's error (kind "handler"; the message is
 * `Name: message`, then a newline and the error's stack); the crawl goes on.
 */
export type PageHandler =
  (page: CrawlPage) => PageResult | void | Promise<PageResult | void>;
"#;

/// A JavaScript function called on every page.
pub(crate) struct JsPageHandler {
    function: Function,
}

impl JsPageHandler {
    pub(crate) fn new(function: Function) -> Self {
        JsPageHandler { function }
    }
}

impl PageHandler for JsPageHandler {
    fn handle(&self, page: Page) -> LocalBoxFuture<'static, HandlerResult> {
        let (js_page, release) = crawl_page(page);
        let called = self.function.call1(&JsValue::UNDEFINED, &js_page);
        async move {
            let settled = match called {
                Ok(value) => settle(value).await,
                Err(thrown) => Err(thrown),
            };
            // The page is released when the call has settled, not when the record is done.
            drop(release);
            let value = settled.map_err(|thrown| thrown_message(&thrown))?;
            output(&value).map_err(Into::into)
        }
        .boxed_local()
    }
}

/// The value itself, or what it resolves to if it is a thenable.
async fn settle(value: JsValue) -> Result<JsValue, JsValue> {
    if !value.is_object() {
        return Ok(value);
    }
    let then = Reflect::get(&value, &JsValue::from_str("then"))?;
    if !then.is_function() {
        return Ok(value);
    }
    JsFuture::from(Promise::resolve(&value)).await
}

/// A thrown value (or a rejection reason) as the record's error message.
fn thrown_message(thrown: &JsValue) -> String {
    let Some(error) = thrown.dyn_ref::<js_sys::Error>() else {
        return js_string(thrown);
    };
    let head = js_json::brief(thrown);
    let stack = Reflect::get(error, &JsValue::from_str("stack"))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let stack = user_frames(&stack);
    // V8 and SpiderMonkey differ: V8's stack starts with `Name: message`, Firefox's does not.
    match stack.strip_prefix(&head) {
        Some(frames) if frames.is_empty() || frames.starts_with('\n') => format!("{head}{frames}"),
        _ if stack.is_empty() => head,
        _ => format!("{head}\n{stack}"),
    }
}

/// The stack without silk's own frames: a handler that throws synchronously was called
/// from wasm, and every frame from the wasm-bindgen glue down (`handleError`,
/// `__wbg_call_…`, `wasm-function[…]`, and the glue closure just above them) is noise to the
/// handler's author.
fn user_frames(stack: &str) -> &str {
    const OURS: [&str; 3] = ["wasm-function[", "__wbg_", " handleError "];
    let lines: Vec<&str> = stack.split('\n').collect();
    let Some(first_ours) = lines
        .iter()
        .position(|l| OURS.iter().any(|m| l.contains(m)))
    else {
        return stack;
    };
    // The anonymous glue frame right above `handleError` lives in the same file as it.
    let file_of = |line: &str| {
        let inner = line.trim().trim_start_matches("at ").trim_end_matches(')');
        let inner = inner.rsplit('(').next().unwrap_or(inner);
        inner.rsplitn(3, ':').nth(2).map(str::to_string)
    };
    let mut keep = first_ours;
    if keep >= 2
        && file_of(lines[keep - 1]).is_some()
        && file_of(lines[keep - 1]) == file_of(lines[keep])
    {
        keep -= 1;
    }
    let end: usize = lines[..keep].iter().map(|l| l.len() + 1).sum();
    stack[..end.saturating_sub(1).min(stack.len())].trim_end()
}

const SHAPE: &str =
    "return { items: [...], follow: [...] } (both optional), or nothing to keep the spec's links";

/// A handler's resolved value as the engine's output.
fn output(value: &JsValue) -> Result<PageOutput, String> {
    if value.is_undefined() || value.is_null() {
        return Ok(PageOutput::new());
    }
    if Array::is_array(value) {
        return Err(format!(
            "the page handler returned an array; {SHAPE} (items go in `items`)"
        ));
    }
    if !value.is_object() || value.is_function() {
        return Err(format!(
            "the page handler returned {}; {SHAPE}",
            describe_value(value)
        ));
    }
    let result: &Object = value.unchecked_ref();
    let subject = "the page handler's result";
    unknown_keys(result, &["items", "follow"]).map_err(|e| format!("{subject} {e}"))?;
    let mut out = PageOutput::new();
    let items = property(result, "items").map_err(|e| format!("{subject} {e}"))?;
    if !(items.is_undefined() || items.is_null()) {
        let items = items.dyn_ref::<Array>().ok_or_else(|| {
            format!(
                "`items` is {}; it must be an array of items, e.g. items: [{{ title }}]",
                describe_value(&items)
            )
        })?;
        for (i, item) in items.iter().enumerate() {
            if item.is_undefined() {
                return Err(format!(
                    "items[{i}] is undefined; an item is any JSON value (often an object)"
                ));
            }
            let json = js_json::to_json(&item).map_err(|e| e.describe(&format!("items[{i}]")))?;
            out.items.push(json);
        }
    }
    let follow = property(result, "follow").map_err(|e| format!("{subject} {e}"))?;
    if !(follow.is_undefined() || follow.is_null()) {
        let list = follow.dyn_ref::<Array>().ok_or_else(|| {
            format!(
                "`follow` is {}; it must be an array of URLs or {{ url, depth, priority, meta }} \
                 objects (or null for the spec's links)",
                describe_value(&follow)
            )
        })?;
        let mut links = Vec::with_capacity(list.length() as usize);
        for (i, entry) in list.iter().enumerate() {
            links.push(follow_entry(&entry).map_err(|e| format!("follow[{i}] {e}"))?);
        }
        out.follow = Some(links);
    }
    Ok(out)
}

/// One entry of a follow list: a URL string or `{ url, depth?, priority?, meta? }`.
fn follow_entry(entry: &JsValue) -> Result<Follow, String> {
    if let Some(url) = entry.as_string() {
        return Ok(Follow::new(url));
    }
    if !entry.is_object() || entry.is_function() || Array::is_array(entry) {
        return Err(format!(
            "is {}; it must be a URL string or {{ url, depth, priority, meta }}",
            describe_value(entry)
        ));
    }
    let obj: &Object = entry.unchecked_ref();
    unknown_keys(obj, &["url", "depth", "priority", "meta"])?;
    let url = property(obj, "url")?;
    let mut follow = match url.as_string() {
        Some(url) => Follow::new(url),
        None => {
            return Err(format!(
                "has url {}; it must be a string (absolute, or relative to the page)",
                describe_value(&url)
            ))
        }
    };
    let depth = property(obj, "depth")?;
    if !depth.is_undefined() {
        follow = follow.depth(
            integer(&depth, 0.0, u32::MAX as f64).map_err(|e| format!("has depth {e}"))? as u32,
        );
    }
    let priority = property(obj, "priority")?;
    if !priority.is_undefined() {
        follow = follow.priority(
            integer(&priority, i32::MIN as f64, i32::MAX as f64)
                .map_err(|e| format!("has priority {e}"))? as i32,
        );
    }
    let meta = property(obj, "meta")?;
    if !meta.is_undefined() {
        follow = follow.meta(js_json::to_json(&meta).map_err(|e| e.describe("has meta"))?);
    }
    Ok(follow)
}

/// A whole number within `[min, max]`.
fn integer(value: &JsValue, min: f64, max: f64) -> Result<f64, String> {
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{}; it must be a whole number from {min} to {max}",
            describe_value(value)
        )),
    }
}

/// Refuses keys other than `allowed` (a misspelt `item` would otherwise be ignored); the
/// message is to follow the object's name.
fn unknown_keys(obj: &Object, allowed: &[&str]) -> Result<(), String> {
    for key in Object::keys(obj).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            let expected: Vec<String> = allowed.iter().map(|k| format!("`{k}`")).collect();
            return Err(format!(
                "has an unknown key `{key}`; the keys are {}",
                expected.join(", ")
            ));
        }
    }
    Ok(())
}

/// A property, or an error (to follow the object's name) if reading it throws.
fn property(obj: &Object, name: &str) -> Result<JsValue, String> {
    Reflect::get(obj, &JsValue::from_str(name))
        .map_err(|e| format!("threw when `{name}` was read: {}", js_json::brief(&e)))
}

/// "a number (42)", "a string (\"x\")", "a function", "an object": for error messages.
fn describe_value(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if Array::is_array(value) {
        return "an array".into();
    }
    if value.is_function() {
        return "a function".into();
    }
    if let Some(s) = value.as_string() {
        let mut shown: String = s.chars().take(60).collect();
        if shown.len() < s.len() {
            shown.push('…');
        }
        return format!("a string ({})", serde_json::Value::String(shown));
    }
    if value.is_object() {
        return "an object".into();
    }
    let kind = value.js_typeof().as_string().unwrap_or_default();
    format!("a {kind} ({})", js_string(value))
}

#[cfg(test)]
mod tests {
    use super::user_frames;
    use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn the_stack_keeps_the_users_frames_only() {
        // As Chromium wrote it for `new Function('page', ...)` throwing synchronously.
        let stack = "TypeError: Cannot read properties of null (reading 'boom')\n    \
            at eval (eval at <anonymous> (http://h/app.html:6:11), <anonymous>:4:6)\n    \
            at helper (http://h/app.js:10:3)\n    \
            at http://h/pkg/silk.js:495:30\n    \
            at handleError (http://h/pkg/silk.js:1047:18)\n    \
            at __wbg_call_a410 (http://h/pkg/silk.js:494:58)\n    \
            at silk.wasm.x (http://h/pkg/silk_bg.wasm:wasm-function[15291]:0x309b13)";
        assert_eq!(
            user_frames(stack),
            "TypeError: Cannot read properties of null (reading 'boom')\n    \
             at eval (eval at <anonymous> (http://h/app.html:6:11), <anonymous>:4:6)\n    \
             at helper (http://h/app.js:10:3)"
        );
        // A rejection's stack (from a timer) has no frames of ours.
        let async_stack = "RangeError: later\n    at http://h/app.js:3:9";
        assert_eq!(user_frames(async_stack), async_stack);
    }
}
