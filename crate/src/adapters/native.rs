//! Native capabilities: HTTP through reqwest (rustls, gzip/brotli/deflate, proxies) and time
//! through tokio. Redirects are never followed here: the engine follows them itself so that
//! every hop goes through the seen-set, robots.txt and politeness.

use crate::clock::Clock;
use crate::fetch::{ErrorKind, Fetch, FetchError, FetchRequest, FetchResponse};
use crate::spec::{CrawlSpec, SpecError};
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::error::Error as _;
use std::time::Duration;

/// Fetches with one pooled reqwest client.
#[derive(Clone)]
pub struct NativeFetcher {
    client: reqwest::Client,
}

impl NativeFetcher {
    /// A client configured from the spec (proxy, connection pool sized to the concurrency).
    pub fn new(spec: &CrawlSpec) -> Result<Self, SpecError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(spec.per_host.max(1) as usize)
            .connect_timeout(Duration::from_millis(spec.timeout_ms))
            .tcp_nodelay(true)
            // The engine retries (with its own backoff and politeness); reqwest's retry layer
            // would only clone every request in case it wants to resend it.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .gzip(true)
            .brotli(true)
            .deflate(true);
        if let Some(proxy) = &spec.proxy {
            let p = reqwest::Proxy::all(proxy).map_err(|e| {
                SpecError::new(format!(
                    "proxy `{proxy}` is not valid ({e}): give a URL such as http://127.0.0.1:3128 or socks5://127.0.0.1:1080"
                ))
            })?;
            builder = builder.proxy(p);
        } else {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| SpecError::new(format!("cannot build the HTTP client: {e}")))?;
        Ok(NativeFetcher { client })
    }
}

/// reqwest's error kinds are coarse; the causes below it name DNS and TLS failures.
fn classify(e: &reqwest::Error) -> ErrorKind {
    let chain = error_message(e).to_ascii_lowercase();
    if e.is_timeout() {
        ErrorKind::Timeout
    } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
        ErrorKind::Dns
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        ErrorKind::Tls
    } else if e.is_connect() || e.is_body() || e.is_request() || chain.contains("connection") {
        ErrorKind::Connect
    } else if e.is_decode() {
        ErrorKind::Http
    } else {
        ErrorKind::Other
    }
}

/// The error with its chain of causes, `outer: inner: innermost`.
fn error_message(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

impl Fetch for NativeFetcher {
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        fetch_with(self.client.clone(), request, false).boxed_local()
    }

    fn fetch_prefix(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        fetch_with(self.client.clone(), request, true).boxed_local()
    }
}

/// One GET. A body over `request.max_body_bytes` fails with `TooLarge` (as soon as its
/// Content-Length says so), or with `prefix` is cut there and handed back; either way no
/// more than the limit is read, and dropping the response closes the connection.
async fn fetch_with(
    client: reqwest::Client,
    request: FetchRequest,
    prefix: bool,
) -> Result<FetchResponse, FetchError> {
    // No reqwest timeout: the engine enforces `request.timeout` around this future.
    let mut builder = client.get(request.url);
    for (k, v) in &request.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let resp = builder.send().await.map_err(|e| fetch_error(&e))?;
    read_response(resp, request.max_body_bytes, prefix, |e| fetch_error(&e)).await
}

/// A reqwest failure as a [`FetchError`]: its kind from reqwest's flags and its causes, its
/// message the whole chain of causes. Shared with `silk serve`'s relay, which fetches with
/// reqwest too.
pub fn fetch_error(e: &reqwest::Error) -> FetchError {
    FetchError::new(classify(e), error_message(e))
}

/// Reads a response's status, headers and body, never more than `limit` bytes of body: past
/// it (or as soon as its Content-Length says so) a `TooLarge` error, or with `prefix` the
/// first `limit` bytes. `fail` turns a read error into the caller's error. Shared with
/// `silk serve`'s relay.
pub async fn read_response(
    mut resp: reqwest::Response,
    limit: usize,
    prefix: bool,
    fail: impl Fn(reqwest::Error) -> FetchError,
) -> Result<FetchResponse, FetchError> {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Saturating: a 64-bit length never wraps into a small one on a 32-bit target.
    let declared = resp
        .content_length()
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    if !prefix && declared.is_some_and(|n| n > limit) {
        return Err(FetchError::new(
            ErrorKind::TooLarge,
            format!(
                "Content-Length {} is over the body limit of {limit} bytes",
                resp.content_length().unwrap_or(0)
            ),
        ));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(16 * 1024).min(limit));
    while let Some(chunk) = resp.chunk().await.map_err(&fail)? {
        if body.len() + chunk.len() > limit {
            if prefix {
                body.extend_from_slice(&chunk[..limit - body.len()]);
                break;
            }
            return Err(FetchError::new(
                ErrorKind::TooLarge,
                format!("body is over the limit of {limit} bytes; stopped reading"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(FetchResponse {
        url: None,
        status,
        headers,
        body,
    })
}

/// tokio's monotonic clock and timer.
#[derive(Clone)]
pub struct NativeClock {
    origin: tokio::time::Instant,
}

impl Default for NativeClock {
    fn default() -> Self {
        NativeClock {
            origin: tokio::time::Instant::now(),
        }
    }
}

impl NativeClock {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for NativeClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        tokio::time::sleep(duration).boxed_local()
    }
}
