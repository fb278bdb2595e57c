//! AutoThrottle: one controller per host that adapts how many requests the host gets at once
//! (its *limit*, from 1 up to `per_host`) and, below one request at a time, the gap between
//! requests (its *delay*), to what the server shows. Pure: it is fed each response's send
//! time, arrival time and kind, and knows no clock, so its tests feed it numbers.
//!
//! # The scheme, and why
//!
//! TCP congestion control's AIMD (Jacobson, "Congestion Avoidance and Control", SIGCOMM 1988;
//! RFC 5681) for the server's explicit "too much" answers, plus a latency gradient (Netflix
//! concurrency-limits' `Gradient2Limit`) for the implicit one, rising latency:
//!
//! - **Slow start** (RFC 5681 §3.1): the limit starts at 2 and grows by one per answered
//!   request (doubling per round trip) until the first cut, so a fast host reaches `per_host`
//!   in a few round trips.
//! - **Multiplicative decrease**: a 429 or 503 answer, or a timeout, cuts the limit at once
//!   to 0.7 of itself (at least one less; CUBIC's β, RFC 9438 §4.6, gentler than Reno's 0.5
//!   because a cut here also delays pages). Answers to requests sent *before* a cut do not
//!   cut again: one burst of 503s is one congestion event, as one window's losses are one
//!   reduction in RFC 5681 §3.2 / RFC 6582.
//! - **Additive increase** (congestion avoidance): after the first cut, +1 per round, a round
//!   being `limit` answered requests (RFC 5681's cwnd += 1/cwnd per ACK).
//! - **Probe patience**: plain AIMD re-probes the limit that failed every few rounds, and at
//!   the small limits of a struggling web server that is a lot of 503s (Reno's loss rate is
//!   about 1.5/W²: one request in eight at a limit of 4). So, like CUBIC's plateau around
//!   W_max (RFC 9438 §4.2), the level that was cut is tried again only after `probe_rounds`
//!   clean rounds just below it; each new cut at that same level doubles the wait (4 rounds,
//!   then 8, up to 64), and a level held for a full round is forgotten (the server got
//!   faster: probing returns to normal).
//! - **Latency gradient** (Gradient2, with TCP Vegas' base RTT): a short moving average of
//!   the latency (about 8 answers) against the host's no-load latency (the lowest short
//!   average seen, forgiven slowly: it climbs 1/2048 of the way to the current average per
//!   answer, so a server that became slower for good is accepted within a few thousand
//!   answers). Above 1.5x the base the limit holds (no increase: Vegas backs off before
//!   the loss); above 2x the server is queueing and the limit is cut, once per round, like
//!   for a 503 but by the ratio if that is steeper (`limit × 2·base/short`, never below
//!   half). A latency cut that did not lower the latency by the next round shows that the
//!   latency is not ours (the server is slower for everyone): the base moves up to the
//!   current average instead of cutting again, so a slower server is not cut down to 1.
//! - **Delay** (below one request at a time): a cut at limit 1 doubles the delay between
//!   requests (starting from the host's latency, at least 100 ms; at most 60 s, Scrapy's
//!   `AUTOTHROTTLE_MAX_DELAY`); each clean answer at limit 1 takes a quarter off it, and only
//!   once it is back to zero does the limit grow again. The spec's delay and robots.txt's
//!   Crawl-delay stay a floor under it (the host's own delay; see
//!   [`crate::host_slots::Host::gap`]).
//!
//! Why not Scrapy's AutoThrottle alone (delay = latency / target concurrency): it sets only
//! a delay, never lowers the rate on an error answer (it only refuses to raise it), and an
//! overloaded server that answers 503 *at once* shows low latency, so it would speed up.
//! Why not a gradient alone: with flat latency (a server that rejects instead of queueing)
//! a gradient limiter grows until the errors, and has no rule for them.
//!
//! Cost: nothing when off (the host's limit is a plain number equal to `per_host`); when on,
//! one small allocation per host and a few float operations per response.

use crate::fetch::{ErrorKind, FetchError, FetchResponse};
use std::time::Duration;

/// The limit a host starts with (RFC 5681's initial window is 2 to 4 segments).
const INITIAL_LIMIT: u32 = 2;
/// A cut keeps this share of the limit (CUBIC's β).
const CUT_FACTOR: f64 = 0.7;
/// Clean rounds below a level that was cut before it is tried again, at first.
const PROBE_ROUNDS_FIRST: u32 = 4;
/// ... and at most, after repeated cuts at that level.
const PROBE_ROUNDS_MAX: u32 = 64;
/// Moving-average weight of the short latency average.
const SHORT_WEIGHT: f64 = 1.0 / 8.0;
/// How fast the no-load latency climbs towards the current average, per answer.
const BASE_FORGIVE: f64 = 1.0 / 2048.0;
/// Answers needed before the latency averages are trusted.
const LATENCY_WARMUP: u32 = 4;
/// A latency cut "lowered the latency" when the short average fell below this share of
/// what it was at the cut.
const LATENCY_CUT_HELPED: f64 = 0.9;
/// Answers after a latency cut before it is judged (the short average's memory).
const LATENCY_JUDGE_ANSWERS: u32 = 16;
/// Short latency above this multiple of the no-load one: cut.
const LATENCY_CUT_RATIO: f64 = 2.0;
/// Short latency above this multiple of the no-load one: no increase.
const LATENCY_HOLD_RATIO: f64 = 1.5;
/// The first delay step when the limit is already 1, at least.
const DELAY_STEP_MIN: Duration = Duration::from_millis(100);
/// The longest delay the throttle sets (Scrapy's AUTOTHROTTLE_MAX_DELAY).
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// A delay shrunk below this is dropped.
const DELAY_NEGLIGIBLE: Duration = Duration::from_millis(5);

/// What a response says about the server's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An answer (any status but 429 and 503): its latency is a sample, and it counts
    /// towards the next increase.
    Answered,
    /// 429 Too Many Requests, 503 Service Unavailable, or a timeout: cut.
    Overloaded,
    /// Nothing about load (a connection refused, a DNS failure, a body too large).
    Neutral,
}

impl Signal {
    /// The signal of a fetch's outcome.
    pub fn of_result(result: &Result<FetchResponse, FetchError>) -> Signal {
        match result {
            Ok(resp) => Signal::of(Some(resp.status), false),
            Err(e) => Signal::of(None, e.kind == ErrorKind::Timeout),
        }
    }

    /// The signal of a response with `status`, or of a failure (`status` None) that timed
    /// out or not.
    pub fn of(status: Option<u16>, timed_out: bool) -> Signal {
        match status {
            Some(429 | 503) => Signal::Overloaded,
            Some(_) => Signal::Answered,
            None if timed_out => Signal::Overloaded,
            None => Signal::Neutral,
        }
    }
}

/// One host's controller.
#[derive(Debug, Clone)]
pub struct Throttle {
    max_limit: u32,
    limit: u32,
    min_limit: u32,
    /// Below this, each answer adds one (slow start); `max_limit` until the first cut.
    slow_start_below: u32,
    /// Answers since the limit last changed.
    answered: u32,
    /// The level that was last cut (CUBIC's W_max), while it is being avoided.
    cut_level: Option<u32>,
    /// Rounds to wait just below `cut_level` before trying it again.
    probe_rounds: u32,
    /// When the last cut happened: answers to requests sent before it do not cut again.
    last_cut_at: Option<Duration>,
    cuts: u32,
    delay: Duration,
    short_ms: f64,
    /// The no-load latency (Vegas' base RTT).
    base_ms: f64,
    /// The short average when the limit was last cut for latency (until that cut is judged).
    latency_cut_at_ms: Option<f64>,
    samples: u32,
    /// Answered requests and 429/503/timeouts seen (for "the busiest hosts").
    requests: u64,
    overloaded: u64,
}

/// What a host's controller ended with, for the final stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSummary {
    pub limit: u32,
    pub min_limit: u32,
    pub cuts: u32,
    pub delay: Duration,
    pub requests: u64,
    pub overloaded: u64,
}

impl Throttle {
    /// A controller for a host that may get at most `max_limit` requests at once.
    pub fn new(max_limit: u32) -> Throttle {
        let max_limit = max_limit.max(1);
        let limit = INITIAL_LIMIT.min(max_limit);
        Throttle {
            max_limit,
            limit,
            min_limit: limit,
            slow_start_below: max_limit,
            answered: 0,
            cut_level: None,
            probe_rounds: PROBE_ROUNDS_FIRST,
            last_cut_at: None,
            cuts: 0,
            delay: Duration::ZERO,
            short_ms: 0.0,
            base_ms: 0.0,
            latency_cut_at_ms: None,
            samples: 0,
            requests: 0,
            overloaded: 0,
        }
    }

    /// Requests the host may have in flight now.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The gap the throttle wants between request starts (the host's own delay is a floor
    /// under it).
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// Responses seen (answers and overload signals): how busy the host is.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    pub fn summary(&self) -> ThrottleSummary {
        ThrottleSummary {
            limit: self.limit,
            min_limit: self.min_limit,
            cuts: self.cuts,
            delay: self.delay,
            requests: self.requests,
            overloaded: self.overloaded,
        }
    }

    /// Learns from one response: the request was sent at `sent_at` and its outcome
    /// arrived at `now` (any monotonic time base).
    pub fn observe(&mut self, sent_at: Duration, now: Duration, signal: Signal) {
        let sent_before_cut = self.last_cut_at.is_some_and(|cut| sent_at < cut);
        match signal {
            Signal::Neutral => {}
            Signal::Overloaded => {
                self.requests += 1;
                self.overloaded += 1;
                if !sent_before_cut {
                    self.cut(now, CUT_FACTOR, true);
                }
            }
            Signal::Answered => {
                self.requests += 1;
                let latency = now.saturating_sub(sent_at).as_secs_f64() * 1000.0;
                self.sample(latency);
                if !sent_before_cut && self.latency_says_cut() {
                    match self.latency_cut_at_ms.take() {
                        // The last cut did not help: this latency is not ours.
                        Some(before) if self.short_ms >= before * LATENCY_CUT_HELPED => {
                            self.base_ms = self.short_ms;
                        }
                        _ => {
                            let factor = (LATENCY_CUT_RATIO * self.base_ms / self.short_ms)
                                .clamp(0.5, CUT_FACTOR);
                            self.cut(now, factor, false);
                            self.latency_cut_at_ms = Some(self.short_ms);
                            return;
                        }
                    }
                }
                if !sent_before_cut {
                    self.answered = self.answered.saturating_add(1);
                }
                self.grow();
            }
        }
    }

    fn sample(&mut self, latency_ms: f64) {
        if self.samples == 0 {
            self.short_ms = latency_ms;
            self.base_ms = latency_ms;
        } else {
            self.short_ms += SHORT_WEIGHT * (latency_ms - self.short_ms);
            if self.short_ms < self.base_ms {
                self.base_ms = self.short_ms;
            } else {
                self.base_ms += BASE_FORGIVE * (self.short_ms - self.base_ms);
            }
        }
        self.samples = self.samples.saturating_add(1);
    }

    fn latency_ratio(&self) -> f64 {
        if self.samples < LATENCY_WARMUP || self.base_ms <= 0.0 {
            return 1.0;
        }
        self.short_ms / self.base_ms
    }

    /// At most once per round: a round's answers to requests sent since the limit last
    /// changed must be in. A latency cut is judged later: after two rounds (the queue it left
    /// drains first) and enough answers for the short average to forget the ones before it.
    fn latency_says_cut(&self) -> bool {
        let needed = if self.latency_cut_at_ms.is_some() {
            self.limit.saturating_mul(2).max(LATENCY_JUDGE_ANSWERS)
        } else {
            self.limit
        };
        self.latency_ratio() > LATENCY_CUT_RATIO && self.answered >= needed
    }

    /// Lowers the limit to `factor` of itself (at least by one), or, at 1, raises the delay.
    /// A cut for an explicit "no" (`refused`) also marks the level to be probed patiently;
    /// a latency cut leaves that mark alone (latency is noisy; a refusal is not).
    fn cut(&mut self, now: Duration, factor: f64, refused: bool) {
        self.cuts += 1;
        self.last_cut_at = Some(now);
        self.answered = 0;
        if self.limit <= 1 {
            let step = Duration::from_secs_f64(self.short_ms.max(0.0) / 1000.0).max(DELAY_STEP_MIN);
            self.delay = (self.delay * 2).max(step).min(MAX_DELAY);
            return;
        }
        let level = self.limit;
        if refused {
            if self.cut_level == Some(level) {
                self.probe_rounds = (self.probe_rounds * 2).min(PROBE_ROUNDS_MAX);
            } else {
                self.probe_rounds = PROBE_ROUNDS_FIRST;
            }
            self.cut_level = Some(level);
        }
        let cut = ((f64::from(level) * factor) as u32).min(level - 1).max(1);
        self.limit = cut;
        self.slow_start_below = cut;
        self.min_limit = self.min_limit.min(cut);
    }

    /// Raises the delay's or the limit's rate once enough answers came in.
    fn grow(&mut self) {
        if !self.delay.is_zero() {
            // Below one request at a time: each clean answer takes a quarter off the delay.
            self.answered = 0;
            self.delay = self.delay.mul_f64(0.75);
            if self.delay < DELAY_NEGLIGIBLE {
                self.delay = Duration::ZERO;
            }
            return;
        }
        if self.limit >= self.max_limit || self.latency_ratio() > LATENCY_HOLD_RATIO {
            return;
        }
        if let Some(level) = self.cut_level {
            if self.limit >= level && self.answered >= self.limit {
                // A full round at the level that was cut: the server takes it now.
                self.cut_level = None;
                self.probe_rounds = PROBE_ROUNDS_FIRST;
            }
        }
        let next = self.limit + 1;
        let needed = if self.limit < self.slow_start_below {
            1
        } else if self.cut_level.is_some_and(|level| next >= level) {
            self.limit.saturating_mul(self.probe_rounds)
        } else {
            self.limit
        };
        if self.answered < needed {
            return;
        }
        self.limit = next;
        self.answered = 0;
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
