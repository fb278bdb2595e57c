//! HTTP validators (RFC 9110 8.8): a page's `ETag` and `Last-Modified`, kept by a store that
//! outlives the crawl (`--state`) so that the next pass (`--recrawl`) asks with
//! `If-None-Match` / `If-Modified-Since` and an unchanged page answers 304 without its body.
//!
//! The values come from the network: each is kept only if it is at most
//! [`MAX_VALIDATOR_LEN`] bytes of visible ASCII (what a header value may carry back out
//! unchanged), otherwise dropped, so a hostile server can neither bloat the state file nor
//! make the next request's headers invalid.

use crate::fetch::FetchResponse;

/// Longest ETag or Last-Modified value kept (real ones are tens of bytes).
pub const MAX_VALIDATOR_LEN: usize = 256;

/// What a response said about its version, to ask "changed since?" next time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// The usable validators of `etag` and `last_modified`, or `None` if neither is.
    pub fn from_parts(etag: Option<&str>, last_modified: Option<&str>) -> Option<Validators> {
        let keep = |v: Option<&str>| v.map(str::trim).filter(|v| usable(v)).map(String::from);
        let v = Validators {
            etag: keep(etag),
            last_modified: keep(last_modified),
        };
        (v.etag.is_some() || v.last_modified.is_some()).then_some(v)
    }

    /// The validators a response carries.
    pub fn from_response(resp: &FetchResponse) -> Option<Validators> {
        Validators::from_parts(resp.header("etag"), resp.header("last-modified"))
    }

    /// The conditional request headers these validators make. `If-None-Match` takes
    /// precedence over `If-Modified-Since` at the server (RFC 9110 13.2.2); both are sent
    /// so a server that only knows dates still answers 304.
    pub fn conditional_headers(&self) -> impl Iterator<Item = (String, String)> + '_ {
        let etag = self
            .etag
            .as_ref()
            .map(|e| ("if-none-match".to_string(), e.clone()));
        let date = self
            .last_modified
            .as_ref()
            .map(|d| ("if-modified-since".to_string(), d.clone()));
        etag.into_iter().chain(date)
    }

    /// `newer`'s values where it has them, these otherwise (a 304 may update either).
    pub fn updated_by(&self, newer: Option<&Validators>) -> Validators {
        let Some(n) = newer else { return self.clone() };
        Validators {
            etag: n.etag.clone().or_else(|| self.etag.clone()),
            last_modified: n
                .last_modified
                .clone()
                .or_else(|| self.last_modified.clone()),
        }
    }
}

fn usable(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_VALIDATOR_LEN
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_plain_values_and_drops_hostile_ones() {
        let v = Validators::from_parts(Some(" \"abc\" "), Some("Tue, 01 Dec 2026 10:00:00 GMT"));
        let v = v.expect("both usable");
        assert_eq!(v.etag.as_deref(), Some("\"abc\""));
        let headers: Vec<_> = v.conditional_headers().collect();
        assert_eq!(headers[0], ("if-none-match".into(), "\"abc\"".into()));
        assert_eq!(headers[1].0, "if-modified-since");
        let long = "x".repeat(MAX_VALIDATOR_LEN + 1);
        assert_eq!(Validators::from_parts(Some(&long), Some("a\nb")), None);
        assert_eq!(Validators::from_parts(Some(""), None), None);
        let only_date = Validators::from_parts(Some("\u{e9}"), Some("d")).unwrap();
        assert_eq!(only_date.etag, None);
        let newer = Validators::from_parts(Some("\"n\""), None);
        let merged = only_date.updated_by(newer.as_ref());
        assert_eq!(merged.etag.as_deref(), Some("\"n\""));
        assert_eq!(merged.last_modified.as_deref(), Some("d"));
    }
}
