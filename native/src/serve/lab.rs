//! The lab: `web/demo/lab/` served on a port of its own, so its pages, which carry live
//! hostile scripts on purpose (the playground's XSS tests crawl them), run on an origin
//! that is not the playground's: opened directly, their scripts can read neither the
//! playground's storage nor its `/serve.json` (a foreign `Origin`, refused there).
//!
//! Every answer carries `Access-Control-Allow-Origin: *` (like a public site that allows
//! CORS, so the playground crawls it directly) and `X-Frame-Options: DENY`. Only
//! `/demo/lab/...` exists here (anything else is 404), and the `Host` must name the lab.

use super::files;
use super::reply::{self, Body};
use hyper::header::{HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, HOST};
use hyper::{Method, Request, Response, StatusCode};
use std::path::Path;

/// Answers one request to the lab's port.
pub async fn route<B>(root: &Path, hosts: &[String; 2], req: &Request<B>) -> Response<Body> {
    let mut resp = answer(root, hosts, req).await;
    let headers = resp.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    resp
}

async fn answer<B>(root: &Path, hosts: &[String; 2], req: &Request<B>) -> Response<Body> {
    let host_ok = req.headers().get(HOST).is_none_or(|h| {
        hosts
            .iter()
            .any(|own| h.as_bytes().eq_ignore_ascii_case(own.as_bytes()))
    });
    if !host_ok {
        return reply::text(
            StatusCode::FORBIDDEN,
            format!(
                "the lab answers only requests addressed to http://{}/",
                hosts[0]
            ),
        );
    }
    let path = req.uri().path();
    if !path.starts_with("/demo/lab/") {
        return reply::text(
            StatusCode::NOT_FOUND,
            "the lab serves /demo/lab/ only (silk's hostile test pages)",
        );
    }
    match *req.method() {
        Method::GET => files::serve(root, path, false).await,
        Method::HEAD => files::serve(root, path, true).await,
        _ => {
            let mut resp = reply::text(StatusCode::METHOD_NOT_ALLOWED, "use GET or HEAD");
            reply::set(&mut resp, "allow", "GET, HEAD");
            resp
        }
    }
}
