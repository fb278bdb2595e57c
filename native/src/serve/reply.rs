//! The small HTTP vocabulary `silk serve` speaks: building responses (text, JSON, the
//! relay's classified errors) and reading a request's query. Kept apart so the file server,
//! the relay and the router say "answer 403 with this message" in one line each, and every
//! response gets the same baseline headers.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use hyper::{Response, StatusCode};

/// Every response body: fully buffered (pages, assets and relayed bodies are small).
pub type Body = Full<Bytes>;

/// A response with `body`, `content_type` and the headers every answer carries:
/// `Cache-Control: no-cache` (the playground is edited and rebuilt while it is served) and
/// `X-Content-Type-Options: nosniff` (a relayed body must never be sniffed into a page).
pub fn bytes(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, header_value(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

/// A plain-text answer, for people reading it in a browser tab or with curl.
pub fn text(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    let mut message = message.into();
    message.push('\n');
    bytes(status, "text/plain; charset=utf-8", message)
}

/// A JSON answer.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    bytes(status, "application/json", value.to_string())
}

/// A classified failure as the relay reports it: `{kind, message}` plus `X-Silk-Error: 1`,
/// so the browser fetcher can tell a relay failure from the target's own error page.
pub fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response<Body> {
    let mut resp = json(
        status,
        &serde_json::json!({ "kind": kind, "message": message.into() }),
    );
    set(&mut resp, "x-silk-error", "1");
    resp
}

/// Sets a header, replacing characters a header value cannot carry.
pub fn set(resp: &mut Response<Body>, name: &'static str, value: &str) {
    resp.headers_mut()
        .insert(HeaderName::from_static(name), header_value(value));
}

fn header_value(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| {
        let cleaned: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        HeaderValue::from_str(&cleaned).unwrap_or_else(|_| HeaderValue::from_static(""))
    })
}

/// The first value of `name` in a URL query (`a=1&b=2`), percent-decoded (`+` is a space,
/// as in forms). `None` when absent or not valid UTF-8 after decoding.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(&key.replace('+', " "))? == name)
            .then(|| percent_decode(&value.replace('+', " ")))
            .flatten()
    })
}

/// Decodes `%XX` escapes. `None` for a malformed escape or bytes that are not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_decoded() {
        let q = Some("a=1&url=http%3A%2F%2Fx%2Fa%3Fb%3Dc&ms=250&sp=a+b");
        assert_eq!(query_param(q, "url").as_deref(), Some("http://x/a?b=c"));
        assert_eq!(query_param(q, "ms").as_deref(), Some("250"));
        assert_eq!(query_param(q, "sp").as_deref(), Some("a b"));
        assert_eq!(query_param(q, "nope"), None);
        assert_eq!(query_param(None, "url"), None);
    }

    #[test]
    fn bad_escapes_are_rejected() {
        assert_eq!(percent_decode("%2e%2E/x").as_deref(), Some("../x"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn errors_carry_the_marker_header() {
        let r = error(StatusCode::BAD_GATEWAY, "robots", "no");
        assert_eq!(r.headers()["x-silk-error"], "1");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.headers()["cache-control"], "no-cache");
    }
}
