//! Native capabilities: HTTP through reqwest (rustls, HTTP/2 through ALPN unless
//! `http1_only`, gzip/brotli/zstd/deflate, proxies) and time through tokio. Redirects are
//! never followed here: the engine follows them itself so that every hop goes through the
//! seen-set, robots.txt and politeness.
//!
//! Cookies: with the spec's `cookies` on (the default) every request carries the crawl's
//! [`CookieJar`] header for its URL and every response's `Set-Cookie` goes into the jar,
//! redirects included. `Set-Cookie` is then taken out of the response's headers, as a
//! browser's `fetch()` does, so cookie values (HttpOnly ones included) never reach records,
//! page handlers or outputs.
//!
//! Certificates: the Mozilla roots built in (webpki-roots), plus, when `SSL_CERT_FILE` or
//! `SSL_CERT_DIR` is set, the certificates they name (the same variables the Redis TLS
//! connection reads): the way to trust a private CA.

use super::cookie_jar::CookieJar;
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
    /// The crawl's cookies (`None` with `cookies: false`).
    cookies: Option<CookieJar>,
    /// The spec has its own `Cookie` header (`-H 'Cookie: ...'`): it replaces the jar's.
    cookie_header_given: bool,
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
            .zstd(true)
            .deflate(true);
        if spec.http1_only {
            builder = builder.http1_only();
        }
        for cert in extra_root_certificates()? {
            builder = builder.add_root_certificate(cert);
        }
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
        let cookies = match spec.cookies {
            true => Some(CookieJar::new(&spec.seeds, &spec.start_cookies)?),
            false => None,
        };
        Ok(NativeFetcher {
            client,
            cookies,
            cookie_header_given: spec
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("cookie")),
        })
    }

    /// The crawl's cookie jar (a handle on it), if cookies are on: a `--state` store saves
    /// and restores it.
    pub fn cookie_jar(&self) -> Option<CookieJar> {
        self.cookies.clone()
    }
}

/// The certificates named by `SSL_CERT_FILE` / `SSL_CERT_DIR`, if either is set (PEM), to
/// trust beside the built-in roots.
fn extra_root_certificates() -> Result<Vec<reqwest::Certificate>, SpecError> {
    let named = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    if named("SSL_CERT_FILE").is_none() && named("SSL_CERT_DIR").is_none() {
        return Ok(Vec::new());
    }
    // With either variable set, rustls-native-certs reads exactly those.
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let why = found
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(SpecError::new(format!(
            "SSL_CERT_FILE / SSL_CERT_DIR name no readable PEM certificate ({}): point them at a CA file such as ca.pem, or unset them",
            if why.is_empty() { "none found" } else { &why }
        )));
    }
    found
        .certs
        .iter()
        .map(|der| {
            reqwest::Certificate::from_der(der.as_ref()).map_err(|e| {
                SpecError::new(format!(
                    "a certificate in SSL_CERT_FILE / SSL_CERT_DIR is not valid: {e}"
                ))
            })
        })
        .collect()
}

/// The name of an HTTP version, as records write it.
fn protocol_name(version: reqwest::Version) -> Option<&'static str> {
    Some(match version {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_11 => "HTTP/1.1",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => return None,
    })
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
        fetch_with(self.client.clone(), self.jar_for_request(), request, false).boxed_local()
    }

    fn fetch_prefix(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        fetch_with(self.client.clone(), self.jar_for_request(), request, true).boxed_local()
    }
}

impl NativeFetcher {
    fn jar_for_request(&self) -> Jar {
        Jar {
            jar: self.cookies.clone(),
            send: !self.cookie_header_given,
        }
    }
}

/// The jar as one request uses it: stored into always, sent unless the spec has its own
/// `Cookie` header.
struct Jar {
    jar: Option<CookieJar>,
    send: bool,
}

/// One GET. A body over `request.max_body_bytes` fails with `TooLarge` (as soon as its
/// Content-Length says so), or with `prefix` is cut there and handed back; either way no
/// more than the limit is read, and dropping the response closes the connection.
async fn fetch_with(
    client: reqwest::Client,
    cookies: Jar,
    request: FetchRequest,
    prefix: bool,
) -> Result<FetchResponse, FetchError> {
    let jar = cookies.jar.as_ref();
    let cookie = match jar {
        Some(jar) if cookies.send => jar.header_for(&request.url),
        _ => None,
    };
    // No reqwest timeout: the engine enforces `request.timeout` around this future.
    let mut builder = client.get(request.url);
    for (k, v) in &request.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    if let Some(cookie) = cookie {
        builder = builder.header(reqwest::header::COOKIE, cookie);
    }
    let resp = builder.send().await.map_err(|e| fetch_error(&e))?;
    let set_cookie = resp.headers().contains_key(reqwest::header::SET_COOKIE);
    if let (true, Some(jar)) = (set_cookie, jar) {
        // reqwest follows no redirect here: its URL is the request's.
        let values = resp.headers().get_all(reqwest::header::SET_COOKIE);
        jar.store_from(resp.url(), values.iter().map(|v| v.as_bytes()));
    }
    let mut out = read_response(resp, request.max_body_bytes, prefix, |e| fetch_error(&e)).await?;
    if set_cookie {
        out.headers.retain(|(name, _)| name != "set-cookie");
    }
    Ok(out)
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
    let protocol = protocol_name(resp.version());
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
        protocol,
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
