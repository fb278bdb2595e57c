//! Per-host politeness: how many requests a host has in flight, when it may next be asked
//! (the per-host delay, or robots.txt's Crawl-delay if larger), what its robots.txt says,
//! and the jobs parked until it has a free slot. This is Scrapy's download "slot", one per
//! host, kept separate from the frontier so that the frontier stays a plain store.
//!
//! With AutoThrottle on, each host also has a [`Throttle`] that moves the host's limit (from
//! 1 to `per_host`) and adds to its delay; off, the limit is `per_host` and nothing else
//! happens per response.

use crate::events::{HostLimit, HostThrottleStats};
use crate::robots::RobotsRules;
use crate::throttle::{Signal, Throttle};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

/// Where a host's robots.txt stands.
#[derive(Debug, Clone)]
pub enum RobotsState {
    /// Not asked for yet.
    Unknown,
    /// Being fetched; jobs for the host wait.
    Fetching,
    /// Known (or robots disabled: allow-all).
    Ready(Rc<RobotsRules>),
}

/// One host's politeness state, plus whatever jobs of type `J` wait on it.
pub struct Host<J> {
    pub in_flight: u32,
    /// Earliest time the next request may start.
    pub next_start: Duration,
    /// Minimum gap between request starts.
    pub delay: Duration,
    pub robots: RobotsState,
    /// Why robots.txt disallows everything, when it could not be read.
    pub robots_note: Option<Rc<str>>,
    /// When the rules in `robots` are to be fetched again (engine clock): 24 h after a
    /// fetch, sooner after a failed one. `None`: never (robots off).
    pub robots_expires: Option<Duration>,
    /// robots.txt fetches in a row that ended unreachable (each doubles the wait).
    pub robots_failures: u32,
    pub parked: VecDeque<J>,
    /// Requests the host may have in flight: `per_host`, or the throttle's current limit.
    pub limit: u32,
    /// The host's AutoThrottle controller, when the crawl has one.
    pub throttle: Option<Box<Throttle>>,
}

impl<J> Host<J> {
    /// The gap to keep between request starts: the host's delay (the spec's, or robots.txt's
    /// Crawl-delay), or the throttle's if that is longer.
    pub fn gap(&self) -> Duration {
        match &self.throttle {
            Some(t) => self.delay.max(t.delay()),
            None => self.delay,
        }
    }
}

/// A host's throttle as it is now (see [`HostSlots::throttles`]).
pub struct HostThrottle<'a> {
    pub origin: &'a str,
    pub throttle: &'a Throttle,
    /// The gap kept between the host's request starts ([`Host::gap`]).
    pub gap: Duration,
}

impl HostThrottle<'_> {
    /// For progress events.
    pub fn now(&self) -> HostLimit {
        HostLimit {
            host: self.origin.to_string(),
            limit: self.throttle.limit(),
            delay_ms: self.gap.as_millis() as u64,
        }
    }

    /// For the final stats.
    pub fn summary(&self) -> HostThrottleStats {
        let s = self.throttle.summary();
        HostThrottleStats {
            host: self.origin.to_string(),
            limit: s.limit,
            min_limit: s.min_limit,
            cuts: s.cuts,
            final_delay_ms: self.gap.as_millis() as u64,
        }
    }
}

/// All hosts seen so far, keyed by origin (`scheme://host:port`).
pub struct HostSlots<J> {
    hosts: HashMap<Rc<str>, Host<J>>,
    per_host: u32,
    base_delay: Duration,
    parked_total: usize,
    /// Hosts with parked jobs, in round-robin order, so that filling a slot looks only at
    /// hosts that have work and every host gets its turn (a broad crawl has many hosts).
    waiting: VecDeque<Rc<str>>,
    /// Whether each host gets a [`Throttle`].
    autothrottle: bool,
}

impl<J> HostSlots<J> {
    pub fn new(per_host: u32, base_delay: Duration) -> Self {
        HostSlots {
            hosts: HashMap::new(),
            per_host,
            base_delay,
            parked_total: 0,
            waiting: VecDeque::new(),
            autothrottle: false,
        }
    }

    /// Gives every host an AutoThrottle controller (see [`crate::throttle`]).
    pub fn with_autothrottle(mut self, on: bool) -> Self {
        self.autothrottle = on;
        self
    }

    pub fn get_mut(&mut self, origin: &str) -> &mut Host<J> {
        if !self.hosts.contains_key(origin) {
            let throttle = self
                .autothrottle
                .then(|| Box::new(Throttle::new(self.per_host)));
            self.hosts.insert(
                Rc::from(origin),
                Host {
                    in_flight: 0,
                    next_start: Duration::ZERO,
                    delay: self.base_delay,
                    robots: RobotsState::Unknown,
                    robots_note: None,
                    robots_expires: None,
                    robots_failures: 0,
                    parked: VecDeque::new(),
                    limit: throttle.as_ref().map_or(self.per_host, |t| t.limit()),
                    throttle,
                },
            );
        }
        self.hosts.get_mut(origin).expect("inserted above")
    }

    /// The delay every host starts with (the spec's), before robots.txt's Crawl-delay.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// Whether this host could take a request once its delay has passed: robots.txt known
    /// and a free per-host slot (under the throttle's limit, with AutoThrottle).
    fn has_room(&self, host: &Host<J>) -> bool {
        matches!(host.robots, RobotsState::Ready(_)) && host.in_flight < host.limit
    }

    /// Records a request start; `gap` is this start's delay (jittered).
    pub fn started(&mut self, origin: &str, now: Duration, gap: Duration) {
        let h = self.get_mut(origin);
        h.in_flight += 1;
        h.next_start = now.saturating_add(gap);
    }

    pub fn finished(&mut self, origin: &str) {
        let h = self.get_mut(origin);
        h.in_flight = h.in_flight.saturating_sub(1);
    }

    /// Feeds a host's throttle one response (sent at `sent_at`, in at `now`); without
    /// AutoThrottle, nothing happens.
    pub fn observe(&mut self, origin: &str, sent_at: Duration, now: Duration, signal: Signal) {
        let h = self.get_mut(origin);
        if let Some(t) = h.throttle.as_mut() {
            t.observe(sent_at, now, signal);
            h.limit = t.limit();
        }
    }

    /// The throttles of the `max` busiest hosts (most responses first); empty without
    /// AutoThrottle.
    pub fn throttles(&self, max: usize) -> Vec<HostThrottle<'_>> {
        if !self.autothrottle {
            return Vec::new();
        }
        let mut all: Vec<HostThrottle<'_>> = self
            .hosts
            .iter()
            .filter_map(|(origin, h)| {
                Some(HostThrottle {
                    origin,
                    throttle: h.throttle.as_deref()?,
                    gap: h.gap(),
                })
            })
            .collect();
        let busiest = |a: &HostThrottle, b: &HostThrottle| {
            (b.throttle.requests(), a.origin).cmp(&(a.throttle.requests(), b.origin))
        };
        if all.len() > max {
            all.select_nth_unstable_by(max, busiest);
            all.truncate(max);
        }
        all.sort_unstable_by(busiest);
        all
    }

    pub fn park(&mut self, origin: &str, job: J, front: bool) {
        let h = self.get_mut(origin);
        let was_idle = h.parked.is_empty();
        if front {
            h.parked.push_front(job);
        } else {
            h.parked.push_back(job);
        }
        self.parked_total += 1;
        if was_idle {
            let key = self
                .hosts
                .get_key_value(origin)
                .expect("inserted above")
                .0
                .clone();
            self.waiting.push_back(key);
        }
    }

    /// Puts back a job that [`take_ready`](Self::take_ready) handed out but that may not start
    /// before `until` (a shared per-host limit said no).
    pub fn defer(&mut self, origin: &str, job: J, until: Duration) {
        self.park(origin, job, true);
        let h = self.get_mut(origin);
        h.next_start = h.next_start.max(until);
    }

    pub fn parked_total(&self) -> usize {
        self.parked_total
    }

    /// Takes the next parked job of a host that can start now, visiting hosts in turn.
    /// Returns the job and the host's origin.
    pub fn take_ready(&mut self, now: Duration) -> Option<(Rc<str>, J)> {
        for _ in 0..self.waiting.len() {
            let origin = self.waiting.pop_front()?;
            let host = &self.hosts[&origin];
            if !(self.has_room(host) && now >= host.next_start) {
                self.waiting.push_back(origin);
                continue;
            }
            let host = self.hosts.get_mut(&origin).expect("waiting hosts exist");
            let job = host
                .parked
                .pop_front()
                .expect("waiting hosts have parked jobs");
            if !host.parked.is_empty() {
                self.waiting.push_back(origin.clone());
            }
            self.parked_total -= 1;
            return Some((origin, job));
        }
        None
    }

    /// The earliest time a parked job could start, if any job waits only on a delay.
    pub fn next_wake(&self) -> Option<Duration> {
        self.waiting
            .iter()
            .filter_map(|o| self.hosts.get(o))
            .filter(|h| self.has_room(h))
            .map(|h| h.next_start)
            .min()
    }

    /// Removes every parked job (on cancel).
    pub fn drain_parked(&mut self) -> Vec<J> {
        self.parked_total = 0;
        self.waiting.clear();
        self.hosts
            .values_mut()
            .flat_map(|h| h.parked.drain(..))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> HostSlots<u32> {
        let mut s = HostSlots::new(1, Duration::from_millis(100));
        for origin in ["http://a", "http://b"] {
            s.get_mut(origin).robots = RobotsState::Ready(Rc::new(RobotsRules::allow_all()));
        }
        s
    }

    #[test]
    fn hosts_take_turns_and_respect_limits_and_delays() {
        let mut s = slots();
        for job in 0..3 {
            s.park("http://a", job, false);
            s.park("http://b", 10 + job, false);
        }
        let now = Duration::ZERO;
        let (o1, j1) = s.take_ready(now).unwrap();
        s.started(&o1, now, Duration::from_millis(100));
        let (o2, j2) = s.take_ready(now).unwrap();
        s.started(&o2, now, Duration::from_millis(100));
        assert_eq!((&*o1, j1, &*o2, j2), ("http://a", 0, "http://b", 10));
        // Both hosts are at their limit of one request in flight.
        assert!(s.take_ready(now).is_none());
        s.finished("http://a");
        // Free, but its delay has not passed: the wake-up time says when.
        assert!(s.take_ready(Duration::from_millis(50)).is_none());
        assert_eq!(s.next_wake(), Some(Duration::from_millis(100)));
        let (o, j) = s.take_ready(Duration::from_millis(100)).unwrap();
        assert_eq!((&*o, j), ("http://a", 1));
        assert_eq!(s.parked_total(), 3);
        assert_eq!(s.drain_parked().len(), 3);
        assert!(s.take_ready(Duration::from_secs(9)).is_none());
    }

    #[test]
    fn with_autothrottle_the_throttle_sets_the_limit_and_the_busiest_hosts_are_reported() {
        let mut s = HostSlots::<u32>::new(8, Duration::from_millis(10)).with_autothrottle(true);
        for origin in ["http://a", "http://b", "http://c"] {
            s.get_mut(origin).robots = RobotsState::Ready(Rc::new(RobotsRules::allow_all()));
            for job in 0..8 {
                s.park(origin, job, false);
            }
        }
        // Slow start: two at once for a new host, whatever per_host says.
        let now = Duration::ZERO;
        let mut started = 0;
        while let Some((origin, _)) = s.take_ready(now) {
            s.started(&origin, now, Duration::ZERO);
            started += 1;
        }
        assert_eq!(started, 6, "2 per host");
        // A 503 on b cuts its limit; answers on a raise its own.
        let (t0, t1) = (Duration::from_millis(1), Duration::from_millis(20));
        s.finished("http://b");
        s.observe("http://b", t0, t1, Signal::Overloaded);
        assert_eq!(s.get_mut("http://b").limit, 1);
        for _ in 0..2 {
            s.finished("http://a");
            s.observe("http://a", t0, t1, Signal::Answered);
        }
        assert_eq!(s.get_mut("http://a").limit, 4);
        s.observe("http://c", t0, t1, Signal::Answered);
        // The host's own delay stays a floor under the throttle's (none yet).
        assert_eq!(s.get_mut("http://a").gap(), Duration::from_millis(10));
        let busiest: Vec<(&str, u32)> = s
            .throttles(2)
            .iter()
            .map(|h| (h.origin, h.throttle.limit()))
            .collect();
        assert_eq!(busiest, [("http://a", 4), ("http://b", 1)]);
        assert_eq!(s.throttles(2)[1].summary().cuts, 1);
        assert_eq!(s.throttles(9)[0].now().delay_ms, 10);
        // Off: per_host, no throttle, nothing reported.
        let mut off = HostSlots::<u32>::new(8, Duration::ZERO);
        off.observe("http://a", t0, t1, Signal::Overloaded);
        assert_eq!(off.get_mut("http://a").limit, 8);
        assert!(off.get_mut("http://a").throttle.is_none());
        assert!(off.throttles(20).is_empty());
    }

    #[test]
    fn a_host_waits_for_its_robots_txt() {
        let mut s = slots();
        s.park("http://c", 1, false);
        assert!(s.take_ready(Duration::ZERO).is_none());
        s.get_mut("http://c").robots = RobotsState::Ready(Rc::new(RobotsRules::allow_all()));
        assert_eq!(s.take_ready(Duration::ZERO).map(|(_, j)| j), Some(1));
    }
}
