//! The relay's HTTP client: one request per call, never following redirects (the relay
//! follows them itself, so every hop is checked again), with the address guard of
//! `guard.rs` on every connection.
//!
//! Two reqwest clients, no proxies (a proxy would resolve the target itself, past the guard):
//!
//! - `guarded`: resolves through [`GuardResolver`] and is used for everything, except
//! - `own`: for this `silk serve`'s own listeners and its arena, addressed exactly as
//!   `127.0.0.1:PORT` or `localhost:PORT` (the demo site, the lab and the arena are the
//!   playground's test targets). It only ever connects to 127.0.0.1: `localhost` is pinned
//!   there, and no other name is routed to it.
//!
//! A body over the limit stops the read (`too_large`), like silk's native fetcher.

use super::guard::{check_literal, refusal_in, GuardResolver};
use silk::adapters::native::{fetch_error, read_response};
use silk::{ErrorKind, FetchError, FetchRequest, FetchResponse};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::Host;

/// Fetches for the relay; see the module doc.
pub struct Upstream {
    guarded: reqwest::Client,
    own: reqwest::Client,
    /// Ports of 127.0.0.1 the relay may reach whatever the policy: its own and the arena's.
    own_ports: Vec<u16>,
    allow_private: bool,
}

impl Upstream {
    pub fn new(allow_private: bool, own_ports: Vec<u16>) -> Result<Upstream, String> {
        let build = |b: reqwest::ClientBuilder| {
            b.redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .connect_timeout(Duration::from_secs(10))
                .retry(reqwest::retry::never().max_retries_per_request(0))
                .gzip(true)
                .brotli(true)
                .deflate(true)
                .build()
                .map_err(|e| format!("cannot build the relay's HTTP client: {e}"))
        };
        let guarded = build(
            reqwest::Client::builder().dns_resolver(Arc::new(GuardResolver { allow_private })),
        )?;
        let own = build(
            reqwest::Client::builder()
                .dns_resolver(Arc::new(GuardResolver {
                    allow_private: false,
                }))
                .resolve("localhost", SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
        )?;
        Ok(Upstream {
            guarded,
            own,
            own_ports,
            allow_private,
        })
    }

    /// The client for `url`, or the refusal of its literal address.
    fn client_for(&self, url: &url::Url) -> Result<&reqwest::Client, FetchError> {
        let port = url.port_or_known_default().unwrap_or(0);
        let own_port = self.own_ports.contains(&port);
        let refuse = |e: super::guard::Refused| FetchError::new(ErrorKind::Other, e.0);
        match url.host() {
            Some(Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST && own_port => Ok(&self.own),
            Some(Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") && own_port => {
                Ok(&self.own)
            }
            Some(Host::Ipv4(ip)) if !self.allow_private => {
                check_literal(IpAddr::V4(ip)).map_err(refuse)?;
                Ok(&self.guarded)
            }
            Some(Host::Ipv6(ip)) if !self.allow_private => {
                check_literal(IpAddr::V6(ip)).map_err(refuse)?;
                Ok(&self.guarded)
            }
            _ => Ok(&self.guarded),
        }
    }

    /// One request, no redirects followed.
    pub async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let client = self.client_for(&request.url)?;
        let mut builder = client.get(request.url.clone()).timeout(request.timeout);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let fail = |e: reqwest::Error| match refusal_in(&e) {
            Some(refused) => FetchError::new(ErrorKind::Other, refused.0.clone()),
            None => fetch_error(&e),
        };
        let resp = builder.send().await.map_err(fail)?;
        read_response(resp, request.max_body_bytes, false, fail).await
    }
}
