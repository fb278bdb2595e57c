//! The relay behind `silk serve --relay`: `GET /relay?url=<target>` fetches an http(s) page
//! on the page's behalf, so the playground can crawl sites that send no CORS headers.
//!
//! An open relay on localhost would let any web page the user visits fetch through it (and
//! reach the user's intranet), so it answers only requests carrying the per-launch token
//! (the page gets it from `/serve.json` only after the user opened the link `silk serve`
//! printed; see `mod.rs`); the router has already refused foreign `Origin`, `Host` and
//! `Sec-Fetch-Site`. Even then it connects to public addresses only (`guard.rs`), except
//! this server's own listeners and its arena, unless `--relay-allow-private`. It is a
//! polite client in its own right:
//! robots.txt per target origin (cached), at most [`PER_HOST`] requests per target host and
//! [`TOTAL`] overall, a body limit and a timeout. Its client (`upstream.rs`) never follows
//! redirects, so the relay follows them here, each hop checked again (the browser's `fetch()`
//! would have followed them too) and reports where it ended in `X-Silk-Final-Url`.
//!
//! Answers: the target's status and body, with `X-Silk-Final-Url`, `X-Silk-Content-Type`
//! (the target's `Content-Type`; the relay's own is `application/octet-stream` so a relayed
//! page can never render on this origin) and `Retry-After` when the target sent one.
//! Failures: 403 without the token, 400 for a missing or non-http(s) URL, and 502 with
//! `{kind, message}` and `X-Silk-Error: 1` (kinds as in silk's `ErrorKind`, e.g. `robots`).

use super::reply::{self, query_param, Body};
use super::secret;
use super::upstream::Upstream;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use silk::robots::RobotsRules;
use silk::{ErrorKind, FetchError, FetchRequest, FetchResponse};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

/// Requests in flight to one target host: the browser's own HTTP/1.1 limit per host.
pub const PER_HOST: usize = 6;
/// Requests in flight through the relay, all hosts together.
pub const TOTAL: usize = 32;
/// Largest body relayed.
pub const MAX_BODY: usize = 10 * 1024 * 1024;
/// Time for a whole relayed fetch, redirects included.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// Redirects followed for a page (robots.txt: 5, as RFC 9309 asks).
pub const MAX_REDIRECTS: usize = 10;
const ROBOTS_REDIRECTS: usize = 5;
/// The robots.txt product token the relay obeys, like `silk crawl`.
const PRODUCT_TOKEN: &str = "silk";

/// Origins whose robots.txt rules are kept, and target hosts whose limits are tracked; past
/// that, idle entries are dropped (the maps must not grow with every host ever relayed).
const MAX_TRACKED: usize = 1024;

/// The relay's state: its token, its HTTP client, robots rules and concurrency limits.
pub struct Relay {
    token: String,
    upstream: Upstream,
    robots: RefCell<HashMap<String, Rc<OnceCell<Rc<RobotsRules>>>>>,
    hosts: RefCell<HashMap<String, Rc<Semaphore>>>,
    total: Semaphore,
}

impl Relay {
    /// A relay with a fresh random token. It reaches public addresses only, plus
    /// 127.0.0.1 at `own_ports` (this server's listeners and its arena), unless
    /// `allow_private` (see `guard.rs`).
    pub fn new(allow_private: bool, own_ports: Vec<u16>) -> Result<Relay, String> {
        Ok(Relay {
            token: secret::new_token()?,
            upstream: Upstream::new(allow_private, own_ports)?,
            robots: RefCell::default(),
            hosts: RefCell::default(),
            total: Semaphore::new(TOTAL),
        })
    }

    /// The token pages must send as `X-Silk-Token`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Answers one `/relay` request (its `Origin` and `Host` were checked by the router).
    pub async fn handle(&self, req: &Request<Incoming>) -> Response<Body> {
        let given = req
            .headers()
            .get("x-silk-token")
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !secret::same(given, self.token.as_bytes()) {
            return reply::error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the relay needs the X-Silk-Token header of this `silk serve` launch; only the page it serves can read it (/serve.json)",
            );
        }
        let Some(target) = query_param(req.uri().query(), "url") else {
            return reply::error(
                StatusCode::BAD_REQUEST,
                "invalid_url",
                "give the page to fetch as /relay?url=http%3A%2F%2Fexample.com%2F",
            );
        };
        if let Err(e) = silk::spec::parse_start_url(&target) {
            return reply::error(
                StatusCode::BAD_REQUEST,
                "invalid_url",
                format!("refused: {}", e.message),
            );
        }
        let referer = req
            .headers()
            .get("x-silk-referer")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match tokio::time::timeout(TIMEOUT, self.fetch(&target, referer)).await {
            Ok(Ok((final_url, resp))) => relayed(final_url, resp),
            Ok(Err(e)) => reply::error(StatusCode::BAD_GATEWAY, e.kind.as_str(), e.message),
            Err(_) => reply::error(
                StatusCode::BAD_GATEWAY,
                ErrorKind::Timeout.as_str(),
                format!(
                    "no complete answer from {target} within {} s",
                    TIMEOUT.as_secs()
                ),
            ),
        }
    }

    /// Fetches `target`, obeying robots.txt at every hop and following redirects.
    /// Returns the final URL and its response.
    async fn fetch(
        &self,
        target: &str,
        referer: Option<String>,
    ) -> Result<(String, FetchResponse), FetchError> {
        let invalid = |e: silk::SpecError| FetchError::new(ErrorKind::InvalidUrl, e.message);
        let mut url = silk::spec::parse_start_url(target).map_err(invalid)?;
        let mut chain = vec![url.to_string()];
        for _ in 0..=MAX_REDIRECTS {
            let origin = url.origin().ascii_serialization();
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            if !self.rules(&origin).await?.is_allowed(&path) {
                return Err(FetchError::new(
                    ErrorKind::Robots,
                    format!("robots.txt of {origin} disallows {path} for `{PRODUCT_TOKEN}`; the relay obeys it (the native `silk crawl --no-robots` can ignore it)"),
                ));
            }
            let request = FetchRequest {
                url: url.clone(),
                headers: headers(referer.clone()),
                max_body_bytes: MAX_BODY,
                timeout: TIMEOUT,
            };
            let resp = self
                .hop(url.host_str().unwrap_or_default(), request)
                .await?;
            let Some(next) = redirect_target(&resp).map(|loc| url.join(loc)) else {
                return Ok((url.to_string(), resp));
            };
            let next = next.map_err(|e| {
                FetchError::new(
                    ErrorKind::Http,
                    format!("redirect to an invalid Location ({e})"),
                )
            })?;
            let next = silk::spec::parse_start_url(next.as_str()).map_err(invalid)?;
            if chain.iter().any(|u| u == next.as_str()) {
                return Err(FetchError::new(
                    ErrorKind::RedirectLoop,
                    format!("redirect loop: {} -> {next}", chain.join(" -> ")),
                ));
            }
            chain.push(next.to_string());
            url = next;
        }
        Err(FetchError::new(
            ErrorKind::TooManyRedirects,
            format!("more than {MAX_REDIRECTS} redirects from {target}"),
        ))
    }

    /// One request, within the per-host and overall limits.
    async fn hop(&self, host: &str, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let per_host = self
            .hosts
            .borrow_mut()
            .tap_trim()
            .entry(host.to_string())
            .or_insert_with(|| Rc::new(Semaphore::new(PER_HOST)))
            .clone();
        let closed = |_| FetchError::new(ErrorKind::Aborted, "the relay is shutting down");
        let _host = per_host.acquire().await.map_err(closed)?;
        let _total = self.total.acquire().await.map_err(closed)?;
        self.upstream.fetch(request).await
    }

    /// The robots.txt rules of `origin`, fetched once and shared by concurrent requests.
    /// A failed fetch is not cached (the next request tries again).
    async fn rules(&self, origin: &str) -> Result<Rc<RobotsRules>, FetchError> {
        let cell = self
            .robots
            .borrow_mut()
            .tap_trim()
            .entry(origin.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(|| self.load_robots(origin))
            .await
            .cloned()
    }

    async fn load_robots(&self, origin: &str) -> Result<Rc<RobotsRules>, FetchError> {
        let invalid = |e: silk::SpecError| FetchError::new(ErrorKind::InvalidUrl, e.message);
        let mut url =
            silk::spec::parse_start_url(&format!("{origin}/robots.txt")).map_err(invalid)?;
        for _ in 0..=ROBOTS_REDIRECTS {
            let request = FetchRequest {
                url: url.clone(),
                headers: headers(None),
                max_body_bytes: MAX_BODY,
                timeout: TIMEOUT,
            };
            let resp = self
                .hop(url.host_str().unwrap_or_default(), request)
                .await?;
            match redirect_target(&resp).and_then(|loc| url.join(loc).ok()) {
                Some(next) if matches!(next.scheme(), "http" | "https") => url = next,
                _ => {
                    return Ok(Rc::new(RobotsRules::for_response(
                        resp.status,
                        &resp.body,
                        PRODUCT_TOKEN,
                    )))
                }
            }
        }
        // A chain that does not end: RFC 9309 says treat robots.txt as unavailable.
        Ok(Rc::new(RobotsRules::allow_all()))
    }
}

/// Keeps a per-host map bounded: over [`MAX_TRACKED`] entries, those nobody holds are dropped.
trait Trim {
    fn tap_trim(&mut self) -> &mut Self;
}

impl<V> Trim for HashMap<String, Rc<V>> {
    fn tap_trim(&mut self) -> &mut Self {
        if self.len() >= MAX_TRACKED {
            self.retain(|_, v| Rc::strong_count(v) > 1);
        }
        self
    }
}

/// The headers the relay sends: silk's honest User-Agent, and the crawl's Referer if the
/// page passed one as `X-Silk-Referer` (sites that check it against hotlinking).
fn headers(referer: Option<String>) -> Vec<(String, String)> {
    let mut headers = vec![
        (
            "user-agent".to_string(),
            silk::spec::DEFAULT_USER_AGENT.to_string(),
        ),
        (
            "accept".to_string(),
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8".to_string(),
        ),
    ];
    if let Some(r) = referer {
        headers.push(("referer".to_string(), r));
    }
    headers
}

/// The `Location` of a redirect response (not 304, which is no redirect).
fn redirect_target(resp: &FetchResponse) -> Option<&str> {
    ((300..400).contains(&resp.status) && resp.status != 304)
        .then(|| resp.header("location"))
        .flatten()
}

/// The target's answer, repackaged for the page.
fn relayed(final_url: String, resp: FetchResponse) -> Response<Body> {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = resp.header("content-type").map(str::to_string);
    let retry_after = resp.header("retry-after").map(str::to_string);
    let mut out = reply::bytes(status, "application/octet-stream", resp.body);
    reply::set(&mut out, "x-silk-final-url", &final_url);
    if let Some(ct) = content_type {
        reply::set(&mut out, "x-silk-content-type", &ct);
    }
    if let Some(ra) = retry_after {
        reply::set(&mut out, "retry-after", &ra);
    }
    reply::set(
        &mut out,
        "access-control-expose-headers",
        "X-Silk-Final-Url, X-Silk-Content-Type",
    );
    reply::set(
        &mut out,
        "content-security-policy",
        "sandbox; frame-ancestors 'none'",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A server on 127.0.0.1 answering every request with `answer(path)`; counts connections.
    fn server(answer: impl Fn(&str) -> String + Send + 'static) -> (u16, Arc<AtomicUsize>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                let _ = stream.write_all(answer(&path).as_bytes());
            }
        });
        (port, hits)
    }

    /// A redirect from an allowed origin (this server's own port) to another port of
    /// 127.0.0.1, by IP or by name, is refused at the hop, before connecting.
    #[tokio::test]
    async fn redirects_to_private_addresses_are_refused() {
        let (victim, victim_hits) = server(|_| {
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi".to_string()
        });
        for target in [
            format!("http://127.0.0.1:{victim}/secret"),
            format!("http://localhost:{victim}/secret"),
            "http://169.254.169.254/latest/meta-data/".to_string(),
        ] {
            let location = target.clone();
            let (own, _) = server(move |path| {
                if path == "/robots.txt" {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                } else {
                    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                }
            });
            let relay = Relay::new(false, vec![own]).unwrap();
            let err = relay
                .fetch(&format!("http://127.0.0.1:{own}/start"), None)
                .await
                .expect_err("the redirect must be refused");
            assert_eq!(err.kind, ErrorKind::Other, "{target}: {}", err.message);
            assert!(
                err.message.starts_with("refused:"),
                "{target}: {}",
                err.message
            );
        }
        assert_eq!(victim_hits.load(Ordering::SeqCst), 0, "never connected");
        // With --relay-allow-private the same redirect is followed.
        let location = format!("http://localhost:{victim}/secret");
        let (own, _) = server(move |path| {
            if path == "/robots.txt" {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            } else {
                format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            }
        });
        let relay = Relay::new(true, vec![]).unwrap();
        let (final_url, resp) = relay
            .fetch(&format!("http://127.0.0.1:{own}/start"), None)
            .await
            .unwrap();
        assert_eq!(final_url, format!("http://localhost:{victim}/secret"));
        assert_eq!(resp.body, b"hi");
    }
}
