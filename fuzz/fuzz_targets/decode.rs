//! Charset sniffing and decoding on arbitrary bytes and Content-Type values.
//!
//! Input: first byte N, then N % 64 bytes of Content-Type (absent when N is 0), then the
//! body. Checks: no panic; `decode_html` uses the encoding `sniff_charset` picks; the text
//! is valid UTF-8 and equals the body when the body is BOM-less UTF-8 decoded as UTF-8;
//! without a BOM or a header charset, the prescan never picks UTF-16 or x-user-defined
//! (the HTML spec maps those to UTF-8 and windows-1252); `is_html` does not panic.
#![no_main]

use encoding_rs::{UTF_16BE, UTF_16LE, UTF_8, X_USER_DEFINED};
use libfuzzer_sys::fuzz_target;
use silk::decode::{decode_html, is_html, sniff_charset};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(first % 64).min(rest.len());
    let (ct_bytes, body) = rest.split_at(n);
    let ct = String::from_utf8_lossy(ct_bytes);
    let content_type = (first != 0).then_some(&*ct);

    let encoding = sniff_charset(content_type, body);
    let (text, used) = decode_html(content_type, body);
    assert_eq!(used, encoding);
    assert!(std::str::from_utf8(text.as_bytes()).is_ok());
    if encoding == UTF_8 && !body.starts_with(b"\xEF\xBB\xBF") {
        if let Ok(valid) = std::str::from_utf8(body) {
            assert_eq!(&*text, valid);
        }
    }
    let has_bom = encoding_rs::Encoding::for_bom(body).is_some();
    let header_names_one = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("charset"));
    if !has_bom && !header_names_one {
        assert!(
            encoding != UTF_16BE && encoding != UTF_16LE,
            "prescan picked UTF-16"
        );
        assert!(encoding != X_USER_DEFINED, "prescan picked x-user-defined");
    }
    let _ = is_html(content_type, body);
});
