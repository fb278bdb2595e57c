//! Small constructors for the responses the arena sends, so content types and lengths are
//! written in one place. CORS headers are added to every response by `arena.rs`.

use bytes::Bytes;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use hyper::{Response, StatusCode};

use crate::body::{full, BoxBody};

pub(crate) const HTML_UTF8: &str = "text/html; charset=utf-8";
pub(crate) const TEXT_UTF8: &str = "text/plain; charset=utf-8";
pub(crate) const JSON: &str = "application/json";

/// A complete body with its type and `Content-Length`.
pub(crate) fn bytes(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<BoxBody> {
    let body: Bytes = body.into();
    let mut resp = Response::new(full(body.clone()));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("valid content type"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    resp
}

/// A UTF-8 HTML page.
pub(crate) fn html(status: StatusCode, body: String) -> Response<BoxBody> {
    bytes(status, HTML_UTF8, body)
}

/// A JSON document for the control endpoints (never cached).
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Response<BoxBody> {
    let body = serde_json::to_vec_pretty(value).expect("arena JSON serialises");
    let mut resp = bytes(StatusCode::OK, JSON, body);
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A redirect to a root-relative `location`, with a tiny HTML body as servers usually send.
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response<BoxBody> {
    let body = format!(
        "<!doctype html><html><head><title>Moved</title></head><body>\
         <p>Moved to <a href=\"{location}\">{location}</a>.</p></body></html>"
    );
    let mut resp = html(status, body);
    resp.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(location).expect("arena locations are ASCII paths"),
    );
    resp
}

/// An empty response (204, 405 ...).
pub(crate) fn empty(status: StatusCode) -> Response<BoxBody> {
    let mut resp = Response::new(full(Bytes::new()));
    *resp.status_mut() = status;
    resp
}
