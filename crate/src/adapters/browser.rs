//! Browser capabilities: HTTP through the global `fetch()` (a Window or a Worker alike) and
//! time through `performance.now()` and `setTimeout`.
//!
//! The browser decides more here than reqwest does natively, and this adapter says so
//! instead of hiding it:
//! - it follows redirects itself (only `response.url` reveals the final URL, which is handed
//!   to the engine as [`FetchResponse::url`]);
//! - it drops or forbids some headers (`User-Agent`, `Cookie`, `Referer`, ...); those are not
//!   sent, and the referer becomes the request's `referrer` where the browser accepts it;
//! - cookies follow the page's own rules: the spec's `credentials` is `fetch()`'s mode
//!   (`omit`, the default, sends and stores none), and the browser's jar is used, never
//!   silk's;
//! - its `TypeError: Failed to fetch` covers refused connections, DNS and TLS failures,
//!   redirect loops and CORS refusals alike. After a failure (never before), two probes
//!   narrow it down: the first hop fetched without following redirects (an opaque redirect
//!   means following them failed: a loop, most likely), then a `no-cors` request (an opaque
//!   answer means the server is up and refused CORS). A CORS verdict is remembered per
//!   origin, so it costs one extra request per origin. Cross-origin isolated pages block
//!   `no-cors` requests; there a refusal is reported as CORS, the usual cause, and the
//!   message says it is a guess.
//!
//! Sites without CORS headers can still be crawled through a relay (`silk serve --relay`):
//! the request goes to `{endpoint}?url={target}` with an `X-Silk-Token` header, and the relay
//! answers with the target's status and body plus `X-Silk-Final-Url` and
//! `X-Silk-Content-Type`, or with a 502 carrying `X-Silk-Error: 1` and a JSON
//! `{ "kind", "message" }` that becomes a [`FetchError`] of that kind.
//!
//! The body is read chunk by chunk from the response's `ReadableStream` so the size limit is
//! enforced while reading, and dropping the future aborts the request (`AbortController`).

use crate::clock::Clock;
use crate::fetch::{ErrorKind, Fetch, FetchError, FetchRequest, FetchResponse};
use crate::spec::Credentials;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use url::Url;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, Performance, ReadableStreamDefaultReader, ReadableStreamReadResult,
    RequestCache, RequestCredentials, RequestInit, RequestMode, RequestRedirect, Response,
    ResponseType,
};

#[wasm_bindgen]
extern "C" {
    /// `globalThis.fetch`: the same function in a Window and in a Worker.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Result<js_sys::Promise, JsValue>;

    /// `globalThis.performance`, present in Windows and Workers.
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: Option<Performance>;
}

/// A relay that fetches on the browser's behalf (`silk serve --relay`), for sites that send
/// no CORS headers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relay {
    /// The relay's URL, e.g. `http://127.0.0.1:8080/relay` (a path such as `/relay` is
    /// resolved against the page's address).
    pub endpoint: String,
    /// Sent as `X-Silk-Token`; the relay refuses requests without it.
    pub token: String,
}

/// How the browser fetcher reaches the network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrowserOptions {
    /// Fetch every URL through this relay instead of directly.
    pub relay: Option<Relay>,
}

/// Whether an origin has been seen to answer cross-origin requests with CORS headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CorsVerdict {
    /// A readable (CORS) response came back: later failures are network failures.
    Open,
    /// A `no-cors` probe got an answer after a `cors` request failed: the site sends no
    /// CORS headers.
    Closed,
}

/// Fetches with the global `fetch()`, directly or through a relay.
#[derive(Clone, Default)]
pub struct BrowserFetcher {
    options: Rc<BrowserOptions>,
    cors: Rc<RefCell<HashMap<String, CorsVerdict>>>,
    /// `fetch()`'s credentials mode (the spec's `credentials`).
    credentials: Credentials,
}

impl BrowserFetcher {
    pub fn new(options: BrowserOptions) -> Self {
        BrowserFetcher {
            options: Rc::new(options),
            cors: Rc::default(),
            credentials: Credentials::Omit,
        }
    }

    /// Fetches with this credentials mode (the spec's `credentials`; `omit` by default).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
}

/// The spec's credentials mode as `fetch()` takes it.
fn request_credentials(credentials: Credentials) -> RequestCredentials {
    match credentials {
        Credentials::Omit => RequestCredentials::Omit,
        Credentials::SameOrigin => RequestCredentials::SameOrigin,
        Credentials::Include => RequestCredentials::Include,
    }
}

/// Headers the browser refuses to let a page set (or silently drops): sending them would at
/// best do nothing and at worst force a CORS preflight.
fn is_forbidden_header(name: &str) -> bool {
    const FORBIDDEN: &[&str] = &[
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "via",
    ];
    let name = name.to_ascii_lowercase();
    FORBIDDEN.contains(&name.as_str()) || name.starts_with("proxy-") || name.starts_with("sec-")
}

/// Calls `abort()` on drop unless disarmed: dropping the fetch future cancels the request.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn abort_now(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
    }
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.abort_now();
    }
}

/// The page's location (`location` of the Window or the Worker), if there is one.
fn page_location() -> Option<Url> {
    let location = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("location")).ok()?;
    let href = js_sys::Reflect::get(&location, &JsValue::from_str("href")).ok()?;
    Url::parse(&href.as_string()?).ok()
}

/// Whether the page is cross-origin isolated (COOP + COEP), where `no-cors` requests fail
/// unless the response carries `Cross-Origin-Resource-Policy`.
fn cross_origin_isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crossOriginIsolated"))
        .is_ok_and(|v| v.is_truthy())
}

/// Loopback http URLs count as secure: https pages may fetch them.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `name` and `message` of a thrown JS value (an Error, a DOMException, or anything).
fn js_error_parts(err: &JsValue) -> (String, String) {
    let get = |key: &str| {
        js_sys::Reflect::get(err, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (name, message) = (get("name"), get("message"));
    if name.is_empty() && message.is_empty() {
        (
            String::new(),
            err.as_string().unwrap_or_else(|| format!("{err:?}")),
        )
    } else {
        (name, message)
    }
}

/// The kind of a relay error from its name (`ErrorKind::as_str`).
fn kind_from_str(kind: &str) -> ErrorKind {
    kind.parse().unwrap_or(ErrorKind::Other)
}

/// One request, with everything it needs to build itself and interpret failures.
struct Call {
    /// What is actually fetched: the target, or the relay URL carrying it.
    fetch_url: Url,
    /// The URL the engine asked for.
    target: Url,
    relay: bool,
    init: RequestInit,
    guard: AbortOnDrop,
    cors: Rc<RefCell<HashMap<String, CorsVerdict>>>,
    credentials: RequestCredentials,
}

impl BrowserFetcher {
    fn prepare(&self, request: &FetchRequest) -> Result<Call, FetchError> {
        let page = page_location();
        let (fetch_url, relay) = match &self.options.relay {
            Some(relay) => (relay_url(relay, &request.url, page.as_ref())?, Some(relay)),
            None => (request.url.clone(), None),
        };
        let controller = AbortController::new()
            .map_err(|e| FetchError::new(ErrorKind::Other, js_error_parts(&e).1))?;
        let headers =
            Headers::new().map_err(|e| FetchError::new(ErrorKind::Other, js_error_parts(&e).1))?;
        let mut referrer = None;
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("referer") {
                referrer = Url::parse(value).ok();
            }
            if is_forbidden_header(name) {
                continue;
            }
            headers.append(name, value).map_err(|e| {
                FetchError::new(
                    ErrorKind::Other,
                    format!(
                        "header `{name}` cannot be sent from a browser: {}",
                        js_error_parts(&e).1
                    ),
                )
            })?;
        }
        if let Some(relay) = relay {
            headers
                .set("x-silk-token", &relay.token)
                .map_err(|e| FetchError::new(ErrorKind::Other, js_error_parts(&e).1))?;
            // The browser will not send a cross-site Referer for us; the relay forwards this.
            if let Some(referer) = &referrer {
                headers
                    .set("x-silk-referer", referer.as_str())
                    .map_err(|e| FetchError::new(ErrorKind::Other, js_error_parts(&e).1))?;
            }
        }
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::Cors);
        init.set_redirect(RequestRedirect::Follow);
        init.set_credentials(request_credentials(self.credentials));
        // A crawler wants what the server says now, and honest timings.
        init.set_cache(RequestCache::NoStore);
        init.set_headers(&headers);
        init.set_signal(Some(&controller.signal()));
        // The browser only accepts a same-origin referrer (others silently become the page).
        if let (Some(r), Some(p), None) = (&referrer, &page, relay) {
            if r.origin() == p.origin() {
                init.set_referrer(r.as_str());
            }
        }
        Ok(Call {
            fetch_url,
            target: request.url.clone(),
            relay: relay.is_some(),
            init,
            guard: AbortOnDrop(Some(controller)),
            cors: self.cors.clone(),
            credentials: request_credentials(self.credentials),
        })
    }
}

/// `{endpoint}?url={target}`, the endpoint resolved against the page if it is a path.
fn relay_url(relay: &Relay, target: &Url, page: Option<&Url>) -> Result<Url, FetchError> {
    let endpoint = match (Url::parse(&relay.endpoint), page) {
        (Ok(u), _) => Ok(u),
        (Err(url::ParseError::RelativeUrlWithoutBase), Some(page)) => page.join(&relay.endpoint),
        (Err(e), _) => Err(e),
    };
    let mut url = endpoint.map_err(|e| {
        FetchError::new(
            ErrorKind::InvalidUrl,
            format!(
                "relay endpoint `{}` is not a URL ({e}): give e.g. http://127.0.0.1:8080/relay",
                relay.endpoint
            ),
        )
    })?;
    url.query_pairs_mut().append_pair("url", target.as_str());
    Ok(url)
}

impl Call {
    /// Sends the request and reads the response; with `prefix`, a body over the limit is
    /// cut there and handed back instead of failing with `TooLarge`.
    async fn run(
        mut self,
        max_body_bytes: usize,
        prefix: bool,
    ) -> Result<FetchResponse, FetchError> {
        let response = match self.send(&self.init).await {
            Ok(r) => r,
            Err(e) => return Err(self.classify_failure(e).await),
        };
        if !self.relay {
            self.cors.borrow_mut().insert(
                self.target.origin().ascii_serialization(),
                CorsVerdict::Open,
            );
        }
        let status = response.status();
        let mut headers = header_list(&response.headers());
        if let Some(len) =
            response_header(&headers, "content-length").and_then(|v| v.parse::<u64>().ok())
        {
            if !prefix && len > max_body_bytes as u64 {
                self.guard.abort_now();
                return Err(FetchError::new(
                    ErrorKind::TooLarge,
                    format!(
                        "Content-Length {len} is over the body limit of {max_body_bytes} bytes"
                    ),
                ));
            }
        }
        let body = self.read_body(&response, max_body_bytes, prefix).await?;
        self.guard.disarm();
        let mut url = Url::parse(&response.url()).ok();
        if self.relay {
            if status == 502 && response_header(&headers, "x-silk-error").is_some() {
                return Err(relay_error(&body));
            }
            url = response_header(&headers, "x-silk-final-url")
                .and_then(|u| Url::parse(u).ok())
                .or_else(|| Some(self.target.clone()));
            let content_type = response_header(&headers, "x-silk-content-type").map(str::to_string);
            headers.retain(|(k, _)| k != "content-type" && !k.starts_with("x-silk-"));
            if let Some(ct) = content_type {
                headers.push(("content-type".into(), ct));
            }
        }
        Ok(FetchResponse {
            url,
            status,
            headers,
            body,
            // fetch() does not say which HTTP version carried the response.
            protocol: None,
        })
    }

    async fn send(&self, init: &RequestInit) -> Result<Response, JsValue> {
        let promise = global_fetch(self.fetch_url.as_str(), init)?;
        let response = JsFuture::from(promise).await?;
        response.dyn_into::<Response>()
    }

    /// Reads the body chunk by chunk, stopping at the limit (with `prefix`, handing back
    /// what fits instead of failing).
    async fn read_body(
        &mut self,
        response: &Response,
        limit: usize,
        prefix: bool,
    ) -> Result<Vec<u8>, FetchError> {
        let Some(stream) = response.body() else {
            return Ok(Vec::new());
        };
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let mut body = Vec::new();
        loop {
            let chunk = match JsFuture::from(reader.read()).await {
                Ok(chunk) => chunk.unchecked_into::<ReadableStreamReadResult>(),
                Err(e) => {
                    let (name, message) = js_error_parts(&e);
                    let kind = if name == "AbortError" {
                        ErrorKind::Aborted
                    } else {
                        ErrorKind::Connect
                    };
                    return Err(FetchError::new(
                        kind,
                        format!(
                            "the body of {} broke off after {} bytes: {message}",
                            self.target,
                            body.len()
                        ),
                    ));
                }
            };
            if chunk.get_done().unwrap_or(true) {
                return Ok(body);
            }
            let bytes: js_sys::Uint8Array = chunk.get_value().unchecked_into();
            let n = bytes.length() as usize;
            if body.len() + n > limit {
                let _ = reader.cancel();
                self.guard.abort_now();
                if prefix {
                    let start = body.len();
                    body.resize(limit, 0);
                    bytes
                        .subarray(0, (limit - start) as u32)
                        .copy_to(&mut body[start..]);
                    return Ok(body);
                }
                return Err(FetchError::new(
                    ErrorKind::TooLarge,
                    format!("body is over the limit of {limit} bytes; stopped reading"),
                ));
            }
            let start = body.len();
            body.resize(start + n, 0);
            bytes.copy_to(&mut body[start..]);
        }
    }

    /// Names the cause of a rejected `fetch()` as well as the browser lets us. Its
    /// `TypeError: Failed to fetch` covers refused connections, DNS and TLS failures,
    /// redirect loops and CORS refusals alike; two probes (only ever sent after a failure)
    /// narrow it down: the first hop without following redirects, then a `no-cors` request.
    async fn classify_failure(&self, err: JsValue) -> FetchError {
        let (name, message) = js_error_parts(&err);
        let url = &self.target;
        if name == "AbortError" {
            return FetchError::new(ErrorKind::Aborted, format!("request to {url} aborted"));
        }
        if self.relay {
            let relay = self.fetch_url.origin().ascii_serialization();
            return FetchError::new(
                ErrorKind::Connect,
                format!("the relay at {relay} could not be reached ({name}: {message}): is `silk serve --relay` running?"),
            );
        }
        if name != "TypeError" {
            return FetchError::new(ErrorKind::Other, format!("{name}: {message}"));
        }
        let page = page_location();
        if page.as_ref().is_some_and(|p| p.scheme() == "https")
            && url.scheme() == "http"
            && !is_loopback(url)
        {
            return FetchError::new(
                ErrorKind::MixedContent,
                format!(
                    "{url} is http but this page is https: the browser blocks mixed content. Use the https URL, or the native `silk crawl`"
                ),
            );
        }
        let refused = || {
            FetchError::new(
                ErrorKind::Connect,
                format!(
                    "{url} could not be fetched ({message}): the connection failed, the name did not resolve or TLS failed — the browser does not say which"
                ),
            )
        };
        // The first hop answers with CORS headers: then following its redirects failed.
        if let Some(first_hop) = self.probe(RequestMode::Cors, RequestRedirect::Manual).await {
            if first_hop.type_() != ResponseType::Opaqueredirect {
                // It answers now without redirecting: the failure was passing trouble.
                return refused();
            }
            return FetchError::new(
                ErrorKind::RedirectLoop,
                format!(
                    "{url} redirects, and the browser gave up following: most likely a redirect loop (or more than 20 redirects, or a target that is unreachable or sends no CORS headers; the browser does not say which). The native `silk crawl` shows the chain"
                ),
            );
        }
        let origin = url.origin().ascii_serialization();
        let cross_origin = page
            .as_ref()
            .is_none_or(|p| p.origin().ascii_serialization() != origin);
        if !cross_origin {
            return refused();
        }
        let cors_error = |guess: &str| {
            FetchError::new(
                ErrorKind::Cors,
                format!(
                    "{url}: {guess}the site sent no CORS headers (Access-Control-Allow-Origin), so the browser refuses to show this page the response. Crawl it through a relay (`silk serve --relay`) or with the native `silk crawl`"
                ),
            )
        };
        let known = self.cors.borrow().get(&origin).copied();
        match known {
            Some(CorsVerdict::Closed) => cors_error(""),
            Some(CorsVerdict::Open) => refused(),
            // A cross-origin isolated page (COEP: require-corp) blocks `no-cors` probes too:
            // guess CORS, the usual cause, and say that it is a guess.
            None if cross_origin_isolated() => cors_error(
                "most likely (this page is cross-origin isolated, so the browser cannot tell an unreachable server apart) ",
            ),
            // Only an answer is remembered: a server that is down now may come up later.
            None if self.probe(RequestMode::NoCors, RequestRedirect::Follow).await.is_some() => {
                self.cors
                    .borrow_mut()
                    .insert(origin.clone(), CorsVerdict::Closed);
                cors_error("")
            }
            None => refused(),
        }
    }

    /// The target fetched again in another mode, under the same abort signal; `None` if
    /// that fails too.
    async fn probe(&self, mode: RequestMode, redirect: RequestRedirect) -> Option<Response> {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(mode);
        init.set_redirect(redirect);
        init.set_credentials(self.credentials);
        init.set_cache(RequestCache::NoStore);
        if let Some(c) = &self.guard.0 {
            init.set_signal(Some(&c.signal()));
        }
        let promise = global_fetch(self.target.as_str(), &init).ok()?;
        JsFuture::from(promise).await.ok()?.dyn_into().ok()
    }
}

fn header_list(headers: &Headers) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in headers.entries() {
        let Ok(entry) = entry else { break };
        let pair: js_sys::Array = entry.unchecked_into();
        if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.push((k.to_ascii_lowercase(), v));
        }
    }
    out
}

fn response_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A relay's 502 `{ "kind", "message" }` as the error it reports.
fn relay_error(body: &[u8]) -> FetchError {
    #[derive(Deserialize)]
    struct RelayError {
        kind: String,
        message: String,
    }
    match serde_json::from_slice::<RelayError>(body) {
        Ok(e) => FetchError::new(kind_from_str(&e.kind), e.message),
        Err(_) => FetchError::new(
            ErrorKind::Other,
            format!(
                "the relay reported an error: {}",
                String::from_utf8_lossy(body)
            ),
        ),
    }
}

impl Fetch for BrowserFetcher {
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        let call = self.prepare(&request);
        let limit = request.max_body_bytes;
        async move { call?.run(limit, false).await }.boxed_local()
    }

    fn fetch_prefix(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        let call = self.prepare(&request);
        let limit = request.max_body_bytes;
        async move { call?.run(limit, true).await }.boxed_local()
    }
}

/// `performance.now()` and `setTimeout`, in a Window or a Worker.
#[derive(Clone)]
pub struct BrowserClock {
    origin_ms: f64,
}

fn now_ms() -> f64 {
    PERFORMANCE.with(|p| match p {
        Some(p) => p.now(),
        None => js_sys::Date::now(),
    })
}

impl Default for BrowserClock {
    fn default() -> Self {
        BrowserClock {
            origin_ms: now_ms(),
        }
    }
}

impl BrowserClock {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for BrowserClock {
    fn now(&self) -> Duration {
        Duration::from_secs_f64((now_ms() - self.origin_ms).max(0.0) / 1000.0)
    }

    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        // setTimeout takes a u32 of milliseconds; round up so a sleep never ends early.
        let ms = duration.as_micros().div_ceil(1000).min(u32::MAX as u128) as u32;
        gloo_timers::future::TimeoutFuture::new(ms).boxed_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn relay_url_encodes_the_target() {
        let relay = Relay {
            endpoint: "/relay".into(),
            token: "t".into(),
        };
        let page = Url::parse("http://127.0.0.1:8080/play/").unwrap();
        let target = Url::parse("http://example.com/a?b=c&d=e#f").unwrap();
        let u = relay_url(&relay, &target, Some(&page)).unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/relay?url=http%3A%2F%2Fexample.com%2Fa%3Fb%3Dc%26d%3De%23f"
        );
    }

    #[test]
    fn relay_error_kinds_round_trip() {
        let e = relay_error(br#"{"kind":"too_many_redirects","message":"11 hops"}"#);
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::TooManyRedirects, "11 hops")
        );
        assert_eq!(relay_error(b"nonsense").kind, ErrorKind::Other);
        assert_eq!(kind_from_str("mixed_content"), ErrorKind::MixedContent);
    }

    #[test]
    fn forbidden_headers_are_skipped() {
        assert!(is_forbidden_header("User-Agent"));
        assert!(is_forbidden_header("Sec-Fetch-Mode"));
        assert!(!is_forbidden_header("accept"));
    }
}
