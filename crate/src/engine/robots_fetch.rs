//! robots.txt for each host the crawl meets: looked up in the store first (a resumed or
//! shared crawl already has it), otherwise fetched once, following a few redirects, and
//! turned into rules and a Crawl-delay per RFC 9309. A browser that may not read it (no
//! CORS) gets "no rules" rather than a blocked site.

use super::job::{timed_fetch, Done};
use super::Run;
use crate::events::Event;
use crate::fetch::ErrorKind;
use crate::frontier::{Frontier, RobotsOutcome};
use crate::host_slots::RobotsState;
use crate::robots::RobotsRules;
use crate::url_norm::parse_link;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// Redirects followed when fetching robots.txt (RFC 9309 asks for at least five).
const ROBOTS_REDIRECTS: u32 = 5;

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    /// Looks up the robots.txt of hosts met for the first time in the store, or starts
    /// fetching it.
    pub(super) async fn ask_robots(&mut self) {
        for origin in std::mem::take(&mut self.robots_wanted) {
            match self.frontier.robots(&origin).await {
                Some(outcome) => self.apply_robots(&origin, outcome),
                None => {
                    let task = self.robots_task(origin);
                    self.in_flight.push(task);
                }
            }
        }
    }

    /// Fetches `origin/robots.txt`, following a few redirects, and turns the outcome into
    /// rules per RFC 9309 (4xx: allow all; 5xx, 429 or unreachable: disallow all).
    pub(super) fn robots_task(&self, origin: Rc<str>) -> LocalBoxFuture<'static, Done> {
        let mut request = self.request_for(
            &Url::parse(&format!("{origin}/robots.txt")).expect("an origin is a valid base"),
            None,
        );
        let fetcher = self.fetcher.clone();
        let clock = self.clock.clone();
        async move {
            let mut requests = 0u64;
            let outcome = loop {
                requests += 1;
                match timed_fetch(&*fetcher, &*clock, request.clone()).await {
                    Ok(resp) if (300..400).contains(&resp.status) => {
                        match resp
                            .header("location")
                            .and_then(|l| parse_link(&request.url, l))
                        {
                            Some(next) if requests <= ROBOTS_REDIRECTS as u64 => request.url = next,
                            // RFC 9309 2.3.1.2: too many redirects means unavailable (allow).
                            _ => break RobotsOutcome::unavailable(),
                        }
                    }
                    Ok(resp) => {
                        let readable = (200..300).contains(&resp.status)
                            || (400..500).contains(&resp.status) && resp.status != 429;
                        break RobotsOutcome {
                            status: resp.status,
                            body: String::from_utf8_lossy(&resp.body).into_owned(),
                            note: (!readable)
                                .then(|| format!("robots.txt answered HTTP {}", resp.status)),
                        };
                    }
                    // A browser that may not read robots.txt (no CORS) would otherwise block
                    // the whole site; let each page fail with its own, honest error instead.
                    Err(e) if matches!(e.kind, ErrorKind::Cors | ErrorKind::MixedContent) => {
                        break RobotsOutcome::unavailable()
                    }
                    Err(e) => {
                        break RobotsOutcome::unreachable(format!(
                            "robots.txt could not be fetched ({e})"
                        ))
                    }
                }
            };
            Done::Robots {
                origin,
                outcome,
                requests,
            }
        }
        .boxed_local()
    }

    /// Turns a host's robots.txt outcome into its rules, robots note and Crawl-delay.
    pub(super) fn apply_robots(&mut self, origin: &str, outcome: RobotsOutcome) {
        let rules =
            RobotsRules::for_response(outcome.status, outcome.body.as_bytes(), &self.product_token);
        let host = self.hosts.get_mut(origin);
        host.robots_note = outcome.note.map(Rc::from);
        if let Some(secs) = rules.crawl_delay() {
            let cd = Duration::from_secs_f64(secs.clamp(0.0, 3600.0));
            host.delay = host.delay.max(cd);
        }
        host.robots = RobotsState::Ready(Rc::new(rules));
    }
}
