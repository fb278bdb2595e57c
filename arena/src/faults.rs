//! The fault gallery under `/faults/`: one page per way the web misbehaves that a crawler
//! must survive (redirect loops, rate limits, flaky 503s, slow and huge bodies, dropped
//! connections, legacy encodings, broken HTML, meta refresh, `<base href>`, BOMs, non-HTML).
//!
//! Each fault is a small function returning the whole response, so the behaviour of one
//! fault can be read in one place. Stateful faults (429, 503) count hits in [`FaultState`],
//! which `/__reset` clears so a benchmark or test can replay them.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Response, StatusCode};

use crate::body::{BoxBody, DripBody, RepeatBody};
use crate::pages::{self, simple_page, w};
use crate::prng::{Domain, SplitMix64};
use crate::reply;
use crate::site::Site;

/// The request headers some faults look at (taken before the request is dropped).
#[derive(Debug, Default)]
pub(crate) struct RequestHeaders {
    all: Vec<(String, String)>,
}

impl RequestHeaders {
    pub(crate) fn of<B>(req: &hyper::Request<B>) -> RequestHeaders {
        RequestHeaders {
            all: req
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.all
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `/faults/hotlink`: anti-hotlinking, as the image and detail pages of the sites in
/// CONTEXT.md do: 403 unless the `Referer` is a page of this site.
fn hotlink(host: Option<&str>, headers: &RequestHeaders) -> Response<BoxBody> {
    let own = host.map(|h| format!("http://{h}/"));
    let referer_ok =
        matches!((headers.get("referer"), own), (Some(r), Some(own)) if r.starts_with(&own));
    if referer_ok {
        reply::html(
            StatusCode::OK,
            simple_page(
                "Hotlink ok | Arena",
                "Hotlink ok",
                "<p>The Referer named a page of this site.</p>",
            ),
        )
    } else {
        reply::html(
            StatusCode::FORBIDDEN,
            simple_page(
                "Forbidden | Arena",
                "No hotlinking",
                "<p>Send the linking page as Referer.</p>",
            ),
        )
    }
}

/// `/faults/headers`: echoes the request headers, one `<li data-name=NAME>` each, so tests
/// can check User-Agent, Referer and custom headers with a selector.
fn echo_headers(headers: &RequestHeaders) -> String {
    let mut body = String::from("<ul id=\"headers\">\n");
    for (k, v) in &headers.all {
        w!(
            body,
            "<li data-name=\"{}\">{}</li>\n",
            pages::escape(k),
            pages::escape(v)
        );
    }
    body.push_str("</ul>");
    simple_page("Request headers | Arena", "Request headers", &body)
}

/// `/faults/gzip`: the page gzip-compressed when the client accepts gzip (a crawler must
/// decode it), plain otherwise.
fn compressed(headers: &RequestHeaders) -> Response<BoxBody> {
    let page = simple_page(
        "Compressed | Arena",
        "Compressed",
        &"<p>This page travels gzip-compressed.</p>\n".repeat(50),
    );
    let accepts_gzip = headers
        .get("accept-encoding")
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if !accepts_gzip {
        return reply::html(StatusCode::OK, page);
    }
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(page.as_bytes()).expect("writing to a Vec");
    let gz = enc.finish().expect("finishing a Vec");
    let mut resp = reply::bytes(StatusCode::OK, reply::HTML_UTF8, gz);
    resp.headers_mut()
        .insert("content-encoding", HeaderValue::from_static("gzip"));
    resp
}

/// The fault gallery, linked from `/`.
pub(crate) const INDEX: &str = "/faults/";

/// One fault page linked from the gallery.
pub(crate) struct Fault {
    pub(crate) path: &'static str,
    pub(crate) what: &'static str,
}

/// Every page the gallery links (so every one of them is an expected page).
pub(crate) const LINKED: &[Fault] = &[
    Fault {
        path: "/faults/loop-a",
        what: "302 to loop-b, which 302s back here: a redirect loop",
    },
    Fault {
        path: "/faults/429",
        what: "429 with Retry-After: 1 on the first request, then 200",
    },
    Fault {
        path: "/faults/503",
        what: "503 on the first two requests, then 200",
    },
    Fault {
        path: "/faults/slow",
        what: "headers at once, then 1 KiB every 500 ms for 6 s",
    },
    Fault {
        path: "/faults/reset",
        what: "the connection is closed without a response",
    },
    Fault {
        path: "/faults/huge",
        what: "a 50 MiB body, chunked, no Content-Length",
    },
    Fault {
        path: "/faults/gbk",
        what: "GBK bytes, charset only in <meta>",
    },
    Fault {
        path: "/faults/gbk-header",
        what: "GBK bytes, charset only in Content-Type",
    },
    Fault {
        path: "/faults/malformed",
        what: "broken HTML that still has a title, h1 and links",
    },
    Fault {
        path: "/faults/refresh",
        what: "a <meta http-equiv=refresh> to /faults/refreshed",
    },
    Fault {
        path: "/faults/refreshed",
        what: "where the refresh lands",
    },
    Fault {
        path: "/faults/base",
        what: "<base href=\"/p/\"> with relative links 3 and 4",
    },
    Fault {
        path: "/faults/utf8-bom",
        what: "a UTF-8 BOM that beats charset=ISO-8859-1",
    },
    Fault {
        path: "/faults/hotlink",
        what: "403 unless the Referer is a page of this site (anti-hotlinking)",
    },
    Fault {
        path: "/faults/headers",
        what: "echoes the request headers",
    },
    Fault {
        path: "/faults/gzip",
        what: "gzip-compressed when the client accepts it",
    },
    Fault {
        path: "/faults/not-html",
        what: "JSON full of link-like strings: not to be parsed",
    },
];

/// `true` for `/faults/{something}` (not the gallery itself): fetches that may be repeated.
pub(crate) fn is_fault_path(path: &str) -> bool {
    path.len() > INDEX.len() && path.starts_with(INDEX)
}

/// The error [`crate::Arena::respond`] returns for `/faults/reset`: hyper then closes the
/// connection without writing a response, so the client sees an empty reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (/faults/reset)")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Hit counters of the stateful faults.
#[derive(Default)]
pub(crate) struct FaultState {
    hits_429: AtomicU64,
    hits_503: AtomicU64,
    robots: std::sync::Mutex<RobotsFault>,
    hits_robots: AtomicU64,
}

impl FaultState {
    pub(crate) fn reset(&self) {
        self.hits_429.store(0, Relaxed);
        self.hits_503.store(0, Relaxed);
        self.hits_robots.store(0, Relaxed);
    }

    pub(crate) fn set_robots(&self, fault: RobotsFault) {
        *self.robots.lock().unwrap_or_else(|e| e.into_inner()) = fault;
        self.hits_robots.store(0, Relaxed);
    }
}

/// Ways `/robots.txt` can misbehave, to test how a crawler copes with a robots.txt it
/// cannot read (set with [`crate::Arena::set_robots_fault`]; setting one, or `/__reset`,
/// zeroes its count of requests). Off by default: robots.txt is the normal file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RobotsFault {
    /// The normal file.
    #[default]
    None,
    /// The first `n` requests have their connection closed without an answer.
    ResetFirst(u64),
    /// The first `n` requests get `503 Service Unavailable`.
    UnavailableFirst(u64),
    /// A 600 KiB file: the normal rules, comments up to 510 KiB, then `Disallow: /p/` for
    /// every agent, then comments: a crawler that reads the first 500 KiB (RFC 9309 2.5)
    /// never sees the rule for `/p/`.
    Huge,
}

/// `/robots.txt` under the current [`RobotsFault`], or `None` for the normal file.
pub(crate) fn robots(state: &FaultState) -> Option<Result<Response<BoxBody>, ConnectionDropped>> {
    let fault = *state.robots.lock().unwrap_or_else(|e| e.into_inner());
    let hit = state.hits_robots.fetch_add(1, Relaxed);
    match fault {
        RobotsFault::ResetFirst(n) if hit < n => Some(Err(ConnectionDropped)),
        RobotsFault::UnavailableFirst(n) if hit < n => Some(Ok(reply::bytes(
            StatusCode::SERVICE_UNAVAILABLE,
            reply::TEXT_UTF8,
            "robots.txt is unavailable for now\n",
        ))),
        RobotsFault::Huge => {
            let mut body = String::from(pages::ROBOTS_TXT);
            let pad = "# padding padding padding padding padding padding padding padding\n";
            while body.len() < 510 * 1024 {
                body.push_str(pad);
            }
            body.push_str("User-agent: *\nDisallow: /p/\n");
            while body.len() < 600 * 1024 {
                body.push_str(pad);
            }
            Some(Ok(reply::bytes(StatusCode::OK, reply::TEXT_UTF8, body)))
        }
        _ => None,
    }
}

/// The response for a `/faults/...` path, or `None` if there is no such fault.
pub(crate) fn respond(
    path: &str,
    site: &Site,
    state: &FaultState,
    host: Option<&str>,
    headers: &RequestHeaders,
) -> Option<Result<Response<BoxBody>, ConnectionDropped>> {
    let ok = |body: String| Some(Ok(reply::html(StatusCode::OK, body)));
    match path {
        INDEX => ok(index()),
        "/faults/loop-a" => Some(Ok(reply::redirect(StatusCode::FOUND, "/faults/loop-b"))),
        "/faults/loop-b" => Some(Ok(reply::redirect(StatusCode::FOUND, "/faults/loop-a"))),
        // Not linked: a redirect into robots-disallowed space, for crawlers whose platform
        // follows redirects itself (a browser) and must check the final URL.
        "/faults/to-private" => Some(Ok(reply::redirect(StatusCode::FOUND, "/private/7"))),
        "/faults/429" => Some(Ok(rate_limited(state))),
        "/faults/503" => Some(Ok(flaky(state))),
        "/faults/slow" => Some(Ok(slow())),
        "/faults/reset" => Some(Err(ConnectionDropped)),
        "/faults/huge" => Some(Ok(huge())),
        "/faults/gbk" => Some(Ok(reply::bytes(StatusCode::OK, "text/html", gbk(true)))),
        "/faults/gbk-header" => Some(Ok(reply::bytes(
            StatusCode::OK,
            "text/html; charset=GBK",
            gbk(false),
        ))),
        "/faults/malformed" => ok(malformed(site)),
        "/faults/refresh" => ok(refresh()),
        "/faults/refreshed" => ok(simple_page(
            "Refreshed | Arena",
            "Refreshed",
            "<p>The meta refresh on /faults/refresh lands here.</p>",
        )),
        "/faults/base" => ok(base(site)),
        "/faults/utf8-bom" => Some(Ok(reply::bytes(
            StatusCode::OK,
            "text/html; charset=ISO-8859-1",
            utf8_bom(),
        ))),
        "/faults/not-html" => Some(Ok(reply::bytes(StatusCode::OK, reply::JSON, NOT_HTML))),
        "/faults/hotlink" => Some(Ok(hotlink(host, headers))),
        "/faults/headers" => ok(echo_headers(headers)),
        "/faults/gzip" => Some(Ok(compressed(headers))),
        _ => None,
    }
}

fn index() -> String {
    let mut body = String::from(
        "<p>Each page below misbehaves in one way a crawler must survive. The events \
         calendar on the home page is a crawler trap (endless months).</p>\n<ul>\n",
    );
    for fault in LINKED {
        w!(
            body,
            "<li><a href=\"{0}\">{0}</a>: {1}</li>\n",
            fault.path,
            pages::escape(fault.what)
        );
    }
    body.push_str("</ul>");
    simple_page("Fault gallery | Arena", "Fault gallery", &body)
}

fn with_retry_after(mut resp: Response<BoxBody>) -> Response<BoxBody> {
    resp.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    resp
}

/// `/faults/429`: 429 + `Retry-After: 1` for the first request (since start or reset).
fn rate_limited(state: &FaultState) -> Response<BoxBody> {
    if state.hits_429.fetch_add(1, Relaxed) == 0 {
        let body = simple_page(
            "Too many requests | Arena",
            "Too many requests",
            "<p>Retry after one second.</p>",
        );
        with_retry_after(reply::html(StatusCode::TOO_MANY_REQUESTS, body))
    } else {
        reply::html(
            StatusCode::OK,
            simple_page(
                "Rate limit passed | Arena",
                "Rate limit passed",
                "<p>Thanks for waiting.</p>",
            ),
        )
    }
}

/// `/faults/503`: 503 for the first two requests, then 200.
fn flaky(state: &FaultState) -> Response<BoxBody> {
    if state.hits_503.fetch_add(1, Relaxed) < 2 {
        let body = simple_page(
            "Service unavailable | Arena",
            "Service unavailable",
            "<p>Try again.</p>",
        );
        reply::html(StatusCode::SERVICE_UNAVAILABLE, body)
    } else {
        reply::html(
            StatusCode::OK,
            simple_page(
                "Back online | Arena",
                "Back online",
                "<p>The service recovered.</p>",
            ),
        )
    }
}

/// Chunks of `/faults/slow` after the first one.
const SLOW_CHUNKS: usize = 12;
/// Pause between chunks of `/faults/slow` (12 x 500 ms = 6 s).
const SLOW_EVERY: Duration = Duration::from_millis(500);

/// `/faults/slow`: the head and title at once, then 1 KiB every 500 ms, 6 s in all.
fn slow() -> Response<BoxBody> {
    let mut rng = SplitMix64::stream(0, Domain::Text, u64::MAX);
    let mut first = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Slow | Arena</title>\n</head>\n<body>\n<h1>Slow page</h1>\n",
    );
    let mut chunks = Vec::with_capacity(SLOW_CHUNKS + 1);
    while first.len() < 1024 {
        pages::paragraph(&mut rng, &mut first);
    }
    chunks.push(Bytes::from(first));
    for k in 0..SLOW_CHUNKS {
        let mut chunk = String::with_capacity(1200);
        while chunk.len() < 1024 {
            pages::paragraph(&mut rng, &mut chunk);
        }
        if k + 1 == SLOW_CHUNKS {
            chunk.push_str("<p><a href=\"/\">Home</a></p>\n</body>\n</html>\n");
        }
        chunks.push(Bytes::from(chunk));
    }
    let body = DripBody::new(chunks, SLOW_EVERY);
    let len = hyper::body::Body::size_hint(&body).exact().unwrap_or(0);
    let mut resp = Response::new(body.boxed());
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(reply::HTML_UTF8));
    resp.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

/// Size of `/faults/huge`.
pub(crate) const HUGE_BYTES: u64 = 50 * 1024 * 1024;

/// `/faults/huge`: 50 MiB generated from one shared 64 KiB chunk, sent chunked.
fn huge() -> Response<BoxBody> {
    static FILLER: OnceLock<Bytes> = OnceLock::new();
    let filler = FILLER.get_or_init(|| {
        let line =
            b"<p>huge huge huge huge huge huge huge huge huge huge huge huge huge huge</p>\n";
        let mut chunk = Vec::with_capacity(64 * 1024);
        while chunk.len() + line.len() <= 64 * 1024 {
            chunk.extend_from_slice(line);
        }
        Bytes::from(chunk)
    });
    let head = Bytes::from_static(
        b"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
          <title>Huge | Arena</title>\n</head>\n<body>\n<h1>Huge page</h1>\n",
    );
    let body = RepeatBody::new(head, filler.clone(), HUGE_BYTES);
    let mut resp = Response::new(body.boxed());
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(reply::HTML_UTF8));
    resp
}

/// The GBK pages; with `meta`, the charset is declared only in the document.
fn gbk(meta: bool) -> Vec<u8> {
    let html =
        format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n{}<title>中文页面 GBK</title>\n</head>\n\
         <body>\n<h1>你好，世界</h1>\n<p>这是一个用 GBK 编码的网页。爬虫必须根据{}来解码。</p>\n\
         <p><a href=\"/\">返回首页</a></p>\n</body>\n</html>\n",
        if meta { "<meta charset=\"gbk\">\n" } else { "" },
        if meta { "网页里的 meta 标签" } else { "响应头" },
    );
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&html);
    debug_assert!(!unmappable, "every character of the GBK page exists in GBK");
    bytes.into_owned()
}

/// `/faults/malformed`: unclosed and stray tags, unquoted attributes, nested anchors.
fn malformed(site: &Site) -> String {
    let [a, b, c, d] = [1, 2, 3, 4].map(|i| site.product(i));
    format!(
        "<html><head><title>Malformed | Arena</title>\n<body>\n<div class=content><h1>Malformed page</h1>\n\
         <p>An unclosed paragraph with <b>bold <i>and italic</b></i> text\n\
         <div><span>an unclosed span\n</div></div></div></span>\n\
         <p><a href=/p/{a}>Unquoted link</a>\n\
         <p><a href='/p/{b}'>Single-quoted <a href=\"/p/{c}\">nested</a> anchor</a>\n\
         <ul><li>first item<li>second item with <a href=/p/{d} class=x>an unquoted link</a>\n</ul>\n\
         <table><tr><td>cell<td>another cell</table>\n<img alt=unquoted width=1>\n\
         <p>The end, without closing body or html.\n"
    )
}

/// `/faults/refresh`: an immediate `<meta http-equiv="refresh">` to `/faults/refreshed`.
fn refresh() -> String {
    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
     <meta http-equiv=\"refresh\" content=\"0; url=/faults/refreshed\">\n\
     <title>Refresh | Arena</title>\n</head>\n<body>\n<h1>Refreshing</h1>\n\
     <p>This page refreshes to /faults/refreshed.</p>\n</body>\n</html>\n"
        .to_string()
}

/// `/faults/base`: `<base href="/p/">`, so `3` means `/p/3`. No other relative links on
/// the page: with this base they would all point under `/p/`.
fn base(site: &Site) -> String {
    let (three, four) = (site.product(3), site.product(4));
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<base href=\"/p/\">\n\
         <title>Base href | Arena</title>\n</head>\n<body>\n<h1>Base href</h1>\n\
         <p>Relative links resolve against the base: <a href=\"{three}\">this one</a> means \
         /p/{three} and <a href=\"{four}\">this one</a> means /p/{four}.</p>\n\
         <p><a href=\"/\">Home</a></p>\n</body>\n</html>\n"
    )
}

/// `/faults/utf8-bom`: a UTF-8 BOM, then UTF-8 text; the header claims ISO-8859-1.
fn utf8_bom() -> Vec<u8> {
    let html = "\u{FEFF}<!doctype html>\n<html lang=\"fr\">\n<head>\n\
        <title>UTF-8 BOM: crème brûlée</title>\n</head>\n<body>\n<h1>Ça marche, déjà vu</h1>\n\
        <p>The byte order mark wins over the ISO-8859-1 in the Content-Type header.</p>\n\
        <p><a href=\"/\">Home</a></p>\n</body>\n</html>\n";
    html.as_bytes().to_vec()
}

/// `/faults/not-html`: link-like strings in JSON. Fetching `/faults/json-link` (a 404)
/// means the crawler parsed a non-HTML body for links.
const NOT_HTML: &str = "{\n  \"note\": \"application/json, not HTML: nothing here is a link\",\n  \
\"links\": [\"/faults/json-link\", \"<a href=\\\"/faults/json-link\\\">a link in a string</a>\"],\n  \
\"html\": \"<html><body><a href='/faults/json-link'>x</a></body></html>\"\n}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_decode_back() {
        let bytes = gbk(true);
        assert!(std::str::from_utf8(&bytes).is_err());
        let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
        assert!(!bad);
        assert!(text.contains("<title>中文页面 GBK</title>"));
        assert!(text.contains("<h1>你好，世界</h1>"));
    }

    #[test]
    fn not_html_is_valid_json() {
        let v: serde_json::Value = serde_json::from_str(NOT_HTML).unwrap();
        assert!(v["links"].is_array());
    }

    #[test]
    fn fault_paths() {
        assert!(is_fault_path("/faults/429"));
        assert!(!is_fault_path("/faults/"));
        assert!(!is_fault_path("/p/1"));
        assert!(LINKED.iter().all(|f| is_fault_path(f.path)));
    }
}
