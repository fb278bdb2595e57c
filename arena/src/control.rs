//! Who may use the arena's write endpoints, `/__reset` and `/__latency`, and how far.
//!
//! The arena listens on 127.0.0.1, but any web page the user visits can make the browser
//! send requests there. Reads (`/__stats`, pages) are harmless and stay CORS-enabled (the
//! playground and the wasm tests read them cross-origin). Writes change what other crawls
//! see (a huge latency wedges them), so by default they:
//!
//! - answer without `Access-Control-Allow-Origin` (a page elsewhere cannot read them, and
//!   a preflighted request cannot be sent at all);
//! - refuse any request a browser marks as coming from a page of another origin: one with
//!   an `Origin` header or a `Sec-Fetch-Site` other than `same-origin`/`none` (CORS alone
//!   would not stop a "simple" GET or POST from being *sent*);
//! - refuse a `Host` that is not an IP literal or `localhost` (a DNS-rebinding page names
//!   its own domain).
//!
//! Tools without a browser (curl, `silk bench`, Rust tests) send none of these headers and
//! are served as before. A test rig that resets the arena from a browser page (the wasm
//! tests: `scripts/test-wasm.sh`) starts it with `test_control` (`silk arena
//! --test-control`), which restores CORS and cross-origin writes; never use it on a
//! machine that browses the web.
//!
//! Latency is capped at [`MAX_LATENCY_MS`] wherever it is set: above it, `/__latency`
//! answers 400 and the Rust API clamps.

use hyper::header::{HeaderMap, HOST, ORIGIN};

/// Highest latency the arena adds before a response: 10 s, in milliseconds.
pub const MAX_LATENCY_MS: u64 = 10_000;

/// Whether `path` is a control endpoint that changes state.
pub fn is_write(path: &str) -> bool {
    matches!(path, "/__reset" | "/__latency" | "/__revision")
}

/// What the write check needs from a request (read before the request is dropped).
#[derive(Debug, Default, Clone)]
pub struct Caller {
    origin: Option<String>,
    fetch_site: Option<String>,
    host: Option<String>,
}

impl Caller {
    pub fn of(headers: &HeaderMap) -> Caller {
        let text = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Caller {
            origin: text(ORIGIN.as_str()),
            fetch_site: text("sec-fetch-site"),
            host: text(HOST.as_str()),
        }
    }

    /// `Err(reason)` when a write from this caller must be refused (see the module doc).
    pub fn may_write(&self) -> Result<(), String> {
        if let Some(origin) = &self.origin {
            return Err(format!(
                "writes refuse browser requests from other pages (Origin: {origin}); start the arena with --test-control to allow them"
            ));
        }
        if let Some(site) = &self.fetch_site {
            if site != "same-origin" && site != "none" {
                return Err(format!(
                    "writes refuse browser requests from other pages (Sec-Fetch-Site: {site})"
                ));
            }
        }
        if let Some(host) = &self.host {
            if !local_host(host) {
                return Err(format!(
                    "writes answer only requests addressed to 127.0.0.1 or localhost, not {host}"
                ));
            }
        }
        Ok(())
    }
}

/// `localhost`, or an IP literal (v4, or v6 in brackets), with an optional port.
fn local_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        return rest
            .split_once(']')
            .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "127.0.0.1:80",
            "localhost:8090",
            "LOCALHOST",
            "[::1]:9",
            "10.0.0.1",
        ] {
            assert!(local_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8090",
            "localhost.evil.example",
            "[nope]:1",
            "",
        ] {
            assert!(!local_host(bad), "{bad}");
        }
    }
}
