//! Overload mode: a server with a hard capacity. With [`ArenaConfig::overload_limit`] set to
//! N, a site page request that arrives while N are already being worked on is answered
//! `503 Service Unavailable` at once (no latency, no `Retry-After`), the way a web server
//! with a full worker pool or a load shedder answers. It is what AutoThrottle is tested
//! against: a crawler that keeps more than N requests in flight gets 503s.
//!
//! A request counts from its arrival until its response is ready (after the latency and the
//! rendering), so a client can never see an answer while its request still counts. Only
//! site pages count and are refused: `/robots.txt` and the `/__*` endpoints never are.
//! Refused requests are not page requests in the stats (a refused page fetched again is not
//! a duplicate fetch); they count in `requests`, `by_status` and `overload_503s`.
//!
//! [`ArenaConfig::overload_limit`]: crate::ArenaConfig::overload_limit

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use hyper::header::{HeaderValue, CACHE_CONTROL};
use hyper::{Response, StatusCode};

use crate::body::BoxBody;
use crate::reply;

/// The capacity, the requests being worked on, and the 503s answered.
#[derive(Debug, Default)]
pub(crate) struct Overload {
    limit: Option<usize>,
    working: AtomicUsize,
    refused: AtomicU64,
}

/// A refused request: [`Busy::response`] is its answer.
#[derive(Debug)]
pub(crate) struct Busy {
    limit: usize,
}

impl Busy {
    /// `503 Service Unavailable`, at once, saying why.
    pub(crate) fn response(&self) -> Response<BoxBody> {
        let mut resp = reply::bytes(
            StatusCode::SERVICE_UNAVAILABLE,
            reply::TEXT_UTF8,
            format!("overloaded: more than {} requests at once\n", self.limit),
        );
        resp.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// One admitted request: it counts against the capacity until dropped.
pub(crate) struct Admitted<'a>(&'a Overload);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.working.fetch_sub(1, Relaxed);
    }
}

impl Overload {
    pub(crate) fn new(limit: Option<usize>) -> Overload {
        Overload {
            limit,
            ..Overload::default()
        }
    }

    /// Admits a site page request (holding a place until the guard drops), or refuses it
    /// (answer [`Busy::response`] at once). Without a limit, every request is admitted and
    /// nothing is counted.
    pub(crate) fn admit(&self) -> Result<Option<Admitted<'_>>, Busy> {
        let Some(limit) = self.limit else {
            return Ok(None);
        };
        let before = self.working.fetch_add(1, Relaxed);
        if before < limit {
            return Ok(Some(Admitted(self)));
        }
        self.working.fetch_sub(1, Relaxed);
        self.refused.fetch_add(1, Relaxed);
        Err(Busy { limit })
    }

    /// 503s answered since the start or the last reset.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Relaxed)
    }

    pub(crate) fn reset(&self) {
        self.refused.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_requests_are_refused_until_one_finishes() {
        let o = Overload::new(Some(2));
        let a = o.admit().expect("first").expect("counted");
        let b = o.admit().expect("second").expect("counted");
        let refused = o.admit().err().expect("third is refused");
        assert_eq!(refused.response().status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(o.refused(), 1);
        drop(a);
        let c = o.admit().expect("a place is free again");
        drop((b, c));
        o.reset();
        assert_eq!(o.refused(), 0);
    }

    #[test]
    fn without_a_limit_everything_is_admitted() {
        let o = Overload::new(None);
        let guards: Vec<_> = (0..100).map(|_| o.admit().expect("admitted")).collect();
        assert!(guards.iter().all(Option::is_none));
        assert_eq!(o.refused(), 0);
    }
}
