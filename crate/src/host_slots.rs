//! Per-host politeness: how many requests a host has in flight, when it may next be asked
//! (the per-host delay, or robots.txt's Crawl-delay if larger), what its robots.txt says,
//! and the jobs parked until it has a free slot. This is Scrapy's download "slot", one per
//! host, kept separate from the frontier so that the frontier stays a plain store.

use crate::robots::RobotsRules;
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
    pub parked: VecDeque<J>,
}

/// All hosts seen so far, keyed by origin (`scheme://host:port`).
pub struct HostSlots<J> {
    hosts: HashMap<Rc<str>, Host<J>>,
    per_host: u32,
    base_delay: Duration,
    parked_total: usize,
}

impl<J> HostSlots<J> {
    pub fn new(per_host: u32, base_delay: Duration) -> Self {
        HostSlots {
            hosts: HashMap::new(),
            per_host,
            base_delay,
            parked_total: 0,
        }
    }

    pub fn get_mut(&mut self, origin: &str) -> &mut Host<J> {
        if !self.hosts.contains_key(origin) {
            self.hosts.insert(
                Rc::from(origin),
                Host {
                    in_flight: 0,
                    next_start: Duration::ZERO,
                    delay: self.base_delay,
                    robots: RobotsState::Unknown,
                    robots_note: None,
                    parked: VecDeque::new(),
                },
            );
        }
        self.hosts.get_mut(origin).expect("inserted above")
    }

    /// Whether a request to this host may start at `now`.
    pub fn can_start(&self, host: &Host<J>, now: Duration) -> bool {
        host.in_flight < self.per_host && now >= host.next_start
    }

    /// Records a request start; `gap` is this start's delay (jittered).
    pub fn started(&mut self, origin: &str, now: Duration, gap: Duration) {
        let h = self.get_mut(origin);
        h.in_flight += 1;
        h.next_start = now + gap;
    }

    pub fn finished(&mut self, origin: &str) {
        let h = self.get_mut(origin);
        h.in_flight = h.in_flight.saturating_sub(1);
    }

    pub fn park(&mut self, origin: &str, job: J, front: bool) {
        let h = self.get_mut(origin);
        if front {
            h.parked.push_front(job);
        } else {
            h.parked.push_back(job);
        }
        self.parked_total += 1;
    }

    pub fn parked_total(&self) -> usize {
        self.parked_total
    }

    /// Takes the first parked job of any host that can start now. Returns the job and
    /// the host's origin.
    pub fn take_ready(&mut self, now: Duration) -> Option<(Rc<str>, J)> {
        let per_host = self.per_host;
        let (origin, host) = self.hosts.iter_mut().find(|(_, h)| {
            !h.parked.is_empty()
                && matches!(h.robots, RobotsState::Ready(_))
                && h.in_flight < per_host
                && now >= h.next_start
        })?;
        let job = host.parked.pop_front()?;
        self.parked_total -= 1;
        Some((origin.clone(), job))
    }

    /// The earliest time a parked job could start, if any job waits only on a delay.
    pub fn next_wake(&self) -> Option<Duration> {
        self.hosts
            .values()
            .filter(|h| {
                !h.parked.is_empty()
                    && matches!(h.robots, RobotsState::Ready(_))
                    && h.in_flight < self.per_host
            })
            .map(|h| h.next_start)
            .min()
    }

    /// Removes every parked job (on cancel).
    pub fn drain_parked(&mut self) -> Vec<J> {
        self.parked_total = 0;
        self.hosts
            .values_mut()
            .flat_map(|h| h.parked.drain(..))
            .collect()
    }
}
