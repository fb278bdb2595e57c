//! robots.txt for each host the crawl meets: looked up in the store first (a resumed or
//! shared crawl already has it), otherwise fetched, following a few redirects, and turned
//! into rules and a Crawl-delay per RFC 9309. A browser that may not read it (no CORS) gets
//! "no rules" rather than a blocked site.
//!
//! Failures are treated like a page's: a connect error, timeout, DNS failure, 5xx or 429 is
//! retried `retries` times with the pages' backoff (or its `Retry-After`, up to 2 min) while
//! the host's URLs stay parked. Only then is the host "unreachable", which RFC 9309 2.3.1.4
//! makes "disallow all": the URLs then waiting are recorded as `robots` errors saying so.
//! That verdict holds for this run only and for a while: it is never saved to the store (so
//! `--state` and Redis never persist it), and the next URL of the host after 1 min (doubling
//! after each failure in a row, up to 1 h) fetches robots.txt again. A file that was read
//! is kept 24 h (engine clock), then fetched again the same way, its URLs parked meanwhile.
//!
//! At most [`MAX_ROBOTS_BYTES`] (500 KiB, the RFC's minimum) of a file is read, whatever the
//! spec's page body limit; a longer file is parsed up to its last full line within that, and
//! only that part is kept in the store.

use super::job::{with_timeout, Done};
use super::Run;
use crate::events::Event;
use crate::fetch::{ErrorKind, FetchResponse};
use crate::frontier::{Frontier, RobotsOutcome};
use crate::host_slots::RobotsState;
use crate::robots::{Robots, RobotsRules, MAX_ROBOTS_BYTES};
use crate::url_norm::parse_link;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// Redirects followed when fetching robots.txt (RFC 9309 asks for at least five).
const ROBOTS_REDIRECTS: u32 = 5;
/// How long a robots.txt that was read is used before it is fetched again (RFC 9309 2.4).
pub(super) const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// After an unreachable robots.txt, the first wait before asking again; doubled after each
/// further failure in a row, up to [`RECHECK_MAX`].
const RECHECK_FIRST: Duration = Duration::from_secs(60);
const RECHECK_MAX: Duration = Duration::from_secs(3600);
/// A Retry-After longer than this is not waited for: the try counts as failed.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// What one try at a host's robots.txt came to.
pub(super) enum RobotsFetch {
    /// An answer to use (and to save, unless it is temporary).
    Outcome(RobotsOutcome),
    /// A failure worth trying again: a transient network error, 5xx or 429.
    Transient {
        why: String,
        status: Option<u16>,
        retry_after: Option<Duration>,
    },
}

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    /// Gets the robots.txt of the hosts in `robots_wanted`: from the store when it may
    /// have it (not for a refetch), otherwise by starting a fetch.
    pub(super) async fn ask_robots(&mut self) {
        for (origin, use_store) in std::mem::take(&mut self.robots_wanted) {
            let stored = match use_store {
                true => self.frontier.robots(&origin).await,
                false => None,
            };
            match stored {
                // An older store may hold a "disallow all for now": ask the host instead.
                Some(outcome) if !outcome.is_temporary() => self.apply_robots(&origin, outcome),
                _ => {
                    let task = self.robots_task(origin, 0);
                    self.in_flight.push(task);
                }
            }
        }
        self.queue_robots_sitemaps().await;
    }

    /// Starts the robots.txt retries that are due.
    pub(super) fn robots_retries_due(&mut self, now: Duration) {
        if self.robots_delayed.is_empty() {
            return;
        }
        let (due, waiting) = std::mem::take(&mut self.robots_delayed)
            .into_iter()
            .partition(|(at, _, _)| *at <= now);
        self.robots_delayed = waiting;
        for (_, origin, attempt) in due {
            let task = self.robots_task(origin, attempt);
            self.in_flight.push(task);
        }
    }

    /// One try at `origin/robots.txt`, following a few redirects.
    pub(super) fn robots_task(
        &self,
        origin: Rc<str>,
        attempt: u32,
    ) -> LocalBoxFuture<'static, Done> {
        let mut request = self.request_for(
            &Url::parse(&format!("{origin}/robots.txt")).expect("an origin is a valid base"),
            None,
        );
        // One byte more than is parsed, so a longer file is seen to be cut (see Robots::parsed_prefix).
        request.max_body_bytes = MAX_ROBOTS_BYTES + 1;
        let fetcher = self.fetcher.clone();
        let clock = self.clock.clone();
        async move {
            let mut requests = 0u64;
            let fetched = loop {
                requests += 1;
                let fetch = fetcher.fetch_prefix(request.clone());
                match with_timeout(fetch, &*clock, request.timeout).await {
                    Ok(resp) if (300..400).contains(&resp.status) => {
                        match resp
                            .header("location")
                            .and_then(|l| parse_link(&request.url, l))
                        {
                            Some(next) if requests <= ROBOTS_REDIRECTS as u64 => request.url = next,
                            // RFC 9309 2.3.1.2: too many redirects means unavailable (allow).
                            _ => break RobotsFetch::Outcome(RobotsOutcome::unavailable()),
                        }
                    }
                    Ok(resp) if resp.status == 429 || resp.status >= 500 => {
                        break RobotsFetch::Transient {
                            why: format!("robots.txt answered HTTP {}", resp.status),
                            status: Some(resp.status),
                            retry_after: retry_after_secs(&resp),
                        }
                    }
                    Ok(resp) => break RobotsFetch::Outcome(outcome_of(resp)),
                    // A browser that may not read robots.txt (no CORS) would otherwise block
                    // the whole site; let each page fail with its own, honest error instead.
                    Err(e) if matches!(e.kind, ErrorKind::Cors | ErrorKind::MixedContent) => {
                        break RobotsFetch::Outcome(RobotsOutcome::unavailable())
                    }
                    Err(e) if e.kind.is_transient() => {
                        break RobotsFetch::Transient {
                            why: format!("robots.txt could not be fetched ({e})"),
                            status: None,
                            retry_after: None,
                        }
                    }
                    Err(e) => {
                        break RobotsFetch::Outcome(RobotsOutcome::unreachable(format!(
                            "robots.txt could not be fetched ({e})"
                        )))
                    }
                }
            };
            Done::Robots {
                origin,
                attempt,
                fetched,
                requests,
            }
        }
        .boxed_local()
    }

    /// A try at `origin`'s robots.txt ended: use its answer, try again after a backoff, or
    /// give up for now (disallow all, not saved, asked again later).
    pub(super) async fn robots_done(
        &mut self,
        origin: Rc<str>,
        attempt: u32,
        fetched: RobotsFetch,
    ) {
        match fetched {
            RobotsFetch::Outcome(outcome) => {
                if !outcome.is_temporary() {
                    self.frontier.save_robots(&origin, &outcome).await;
                }
                self.apply_robots(&origin, outcome);
            }
            RobotsFetch::Transient {
                why,
                status,
                retry_after,
            } => {
                let wait = match retry_after {
                    Some(wait) if wait <= MAX_RETRY_AFTER => Some(wait),
                    Some(_) => None,
                    None => Some(self.backoff(attempt)),
                };
                match wait {
                    Some(wait) if attempt < self.spec.spec.retries => {
                        self.stats.retries += 1;
                        let at = self.clock.now().saturating_add(wait);
                        self.robots_delayed.push((at, origin, attempt + 1));
                    }
                    _ => {
                        let tries = attempt + 1;
                        let tries = match tries {
                            1 => "1 try".to_string(),
                            n => format!("{n} tries"),
                        };
                        let mut outcome = RobotsOutcome::unreachable(format!("{why} ({tries})"));
                        outcome.status = status.unwrap_or(outcome.status);
                        self.apply_robots(&origin, outcome);
                    }
                }
            }
        }
        self.queue_robots_sitemaps().await;
    }

    /// Turns a host's robots.txt outcome into its rules, robots note, Crawl-delay and the
    /// time it is to be asked again.
    pub(super) fn apply_robots(&mut self, origin: &str, outcome: RobotsOutcome) {
        let rules =
            RobotsRules::for_response(outcome.status, outcome.body.as_bytes(), &self.product_token);
        self.sitemaps_in_robots(origin, &rules);
        let now = self.clock.now();
        let base = self.hosts.base_delay();
        let host = self.hosts.get_mut(origin);
        let ttl = if outcome.is_temporary() {
            host.robots_failures = host.robots_failures.saturating_add(1);
            let doublings = (host.robots_failures - 1).min(16);
            (RECHECK_FIRST * (1u32 << doublings)).min(RECHECK_MAX)
        } else {
            host.robots_failures = 0;
            ROBOTS_TTL
        };
        host.robots_expires = Some(now.saturating_add(ttl));
        host.robots_note = outcome.note.map(Rc::from);
        host.delay = match rules.crawl_delay() {
            Some(secs) => base.max(Duration::from_secs_f64(secs.clamp(0.0, 3600.0))),
            None => base,
        };
        host.robots = RobotsState::Ready(Rc::new(rules));
    }

    /// Asks for `origin`'s robots.txt again (it expired): its URLs wait until it is back.
    pub(super) fn refetch_robots(&mut self, origin: &Rc<str>) {
        self.hosts.get_mut(origin).robots = RobotsState::Fetching;
        self.robots_wanted.push((origin.clone(), false));
    }
}

/// `Retry-After` in seconds (a date is not worth a robots.txt's while: the backoff is used).
fn retry_after_secs(resp: &FetchResponse) -> Option<Duration> {
    let secs = resp.header("retry-after")?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(secs))
}

/// A 2xx or 4xx answer as an outcome: the part of the body that is parsed, as text.
fn outcome_of(resp: FetchResponse) -> RobotsOutcome {
    RobotsOutcome {
        status: resp.status,
        body: String::from_utf8_lossy(Robots::parsed_prefix(&resp.body)).into_owned(),
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_after_its_last_whole_line() {
        let short = b"User-agent: *\nDisallow: /a\n";
        assert_eq!(Robots::parsed_prefix(short), short);
        let mut long = b"User-agent: *\nDisallow: /a\n".to_vec();
        while long.len() + 10 <= MAX_ROBOTS_BYTES - 10 {
            long.extend_from_slice(b"# padding\n");
        }
        let kept = long.len();
        long.extend_from_slice(b"Disallow: /cut-in-the-middle\n");
        let part = Robots::parsed_prefix(&long[..MAX_ROBOTS_BYTES + 1]);
        assert_eq!(part.len(), kept - 1, "ends before the line end");
        assert!(part.len() <= MAX_ROBOTS_BYTES);
        assert!(!String::from_utf8_lossy(part).contains("/cut"));
    }
}
