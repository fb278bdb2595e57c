//! `/zstd`: a page sent with `Content-Encoding: zstd` (RFC 8878), to test that a crawler
//! decodes it. Sent compressed only to a client whose `Accept-Encoding` names zstd; any
//! other gets 406, so a crawler that does not decode zstd cannot pass by accident. Not
//! linked from the shop.

use std::sync::OnceLock;

use hyper::header::{HeaderValue, CONTENT_ENCODING, VARY};
use hyper::{Response, StatusCode};

use crate::body::BoxBody;
use crate::faults::RequestHeaders;
use crate::pages::simple_page;
use crate::reply;

/// The page's title and h1, for tests to check.
pub const TITLE: &str = "Zstd | Arena";
pub const HEADING: &str = "Compressed with zstd";

/// The page, before compression (about 6 KB of repetitive text: it compresses well).
fn page() -> String {
    let body = "<p class=\"filler\">The quick brown fox jumps over the lazy dog.</p>\n".repeat(100);
    simple_page(TITLE, HEADING, &body)
}

/// The compressed page, made once.
fn compressed() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| zstd::encode_all(page().as_bytes(), 3).expect("zstd compresses a string"))
}

pub(crate) fn respond(headers: &RequestHeaders) -> Response<BoxBody> {
    let accepts = headers.get("accept-encoding").is_some_and(|a| {
        a.split(',').any(|c| {
            c.split(';')
                .next()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("zstd"))
        })
    });
    if !accepts {
        return reply::html(
            StatusCode::NOT_ACCEPTABLE,
            simple_page(
                "Not acceptable | Arena",
                "Not acceptable",
                "<p>This page is only sent zstd-compressed: send Accept-Encoding: zstd.</p>",
            ),
        );
    }
    let mut resp = reply::bytes(StatusCode::OK, reply::HTML_UTF8, compressed());
    resp.headers_mut()
        .insert(CONTENT_ENCODING, HeaderValue::from_static("zstd"));
    resp.headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_compressed_page_decodes_to_the_page() {
        let back = zstd::decode_all(super::compressed()).unwrap();
        assert_eq!(back, super::page().as_bytes());
        assert!(super::compressed().len() < back.len() / 5);
    }
}
