//! ETag / Last-Modified values from a response, kept for the next pass's conditional
//! request (`silk::validators`).
//!
//! Input: first byte N, then N % 64... bytes of ETag (lossy UTF-8), the rest Last-Modified.
//! Checks: no panic; a kept value is at most MAX_VALIDATOR_LEN bytes of visible ASCII, so
//! it can go back out as a header value unchanged; the conditional headers are exactly
//! the kept values; merging with a newer response keeps the newer values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use silk::validators::{Validators, MAX_VALIDATOR_LEN};
use silk::FetchResponse;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let n = (usize::from(first) * 2).min(rest.len());
    let (etag, date) = rest.split_at(n);
    let etag = String::from_utf8_lossy(etag);
    let date = String::from_utf8_lossy(date);
    let resp = FetchResponse {
        headers: vec![
            ("etag".into(), etag.to_string()),
            ("last-modified".into(), date.to_string()),
        ],
        ..Default::default()
    };
    let Some(v) = Validators::from_response(&resp) else {
        return;
    };
    assert_eq!(Some(&v), Validators::from_parts(Some(&etag), Some(&date)).as_ref());
    for value in [&v.etag, &v.last_modified].into_iter().flatten() {
        assert!(!value.is_empty() && value.len() <= MAX_VALIDATOR_LEN);
        assert!(value.bytes().all(|b| (0x20..0x7f).contains(&b)), "{value:?}");
    }
    let headers: Vec<(String, String)> = v.conditional_headers().collect();
    let expected = usize::from(v.etag.is_some()) + usize::from(v.last_modified.is_some());
    assert_eq!(headers.len(), expected);
    let merged = Validators::default().updated_by(Some(&v));
    assert_eq!(merged, v);
});
