//! The controller's path, fed by hand (no clock): slow start, cuts, additive increase, probe
//! patience, the latency gradient and the delay; then two simulated servers (one that
//! rejects past its capacity, one that queues) driven in virtual time.

use super::*;
use std::collections::{BinaryHeap, VecDeque};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Feeds `n` answers of `latency` ms, sent one after the other from `*t`.
fn answer(t: &mut Throttle, clock: &mut u64, n: u32, latency: u64) {
    for _ in 0..n {
        *clock += 1;
        t.observe(ms(*clock), ms(*clock + latency), Signal::Answered);
    }
    *clock += latency;
}

#[test]
fn signals_from_statuses() {
    assert_eq!(Signal::of(Some(503), false), Signal::Overloaded);
    assert_eq!(Signal::of(Some(429), false), Signal::Overloaded);
    assert_eq!(Signal::of(Some(200), false), Signal::Answered);
    assert_eq!(Signal::of(Some(500), false), Signal::Answered);
    assert_eq!(Signal::of(None, true), Signal::Overloaded);
    assert_eq!(Signal::of(None, false), Signal::Neutral);
}

#[test]
fn slow_start_doubles_per_round_up_to_the_maximum() {
    let mut t = Throttle::new(32);
    assert_eq!(t.limit(), 2);
    let mut clock = 0;
    answer(&mut t, &mut clock, 2, 20);
    assert_eq!(t.limit(), 4);
    answer(&mut t, &mut clock, 4, 20);
    assert_eq!(t.limit(), 8);
    answer(&mut t, &mut clock, 100, 20);
    assert_eq!(t.limit(), 32, "never past per_host");
    assert_eq!(Throttle::new(1).limit(), 1);
    let mut one = Throttle::new(1);
    answer(&mut one, &mut clock, 50, 20);
    assert_eq!(one.limit(), 1);
}

#[test]
fn a_503_cuts_at_once_and_a_burst_of_them_cuts_once() {
    let mut t = Throttle::new(32);
    let mut clock = 0;
    answer(&mut t, &mut clock, 8, 20);
    assert_eq!(t.limit(), 10);
    // Ten requests sent at 990..999; the first 503 cuts to 7, the others were sent before
    // that cut and are the same congestion event.
    t.observe(ms(990), ms(1001), Signal::Overloaded);
    assert_eq!(t.limit(), 7);
    for i in 1..10 {
        t.observe(ms(990 + i), ms(1002), Signal::Overloaded);
    }
    assert_eq!(t.limit(), 7);
    assert_eq!(t.summary().cuts, 1);
    assert_eq!(t.summary().overloaded, 10);
    // A request sent after the cut that still gets a 503 cuts again: 7 -> 4.
    t.observe(ms(1003), ms(1004), Signal::Overloaded);
    assert_eq!(t.limit(), 4);
    assert_eq!(t.summary().min_limit, 2, "the starting limit was lower");
    // A timeout is the same signal.
    t.observe(ms(1005), ms(31_005), Signal::Overloaded);
    assert_eq!(t.limit(), 2);
    // Neutral failures change nothing.
    t.observe(ms(40_000), ms(40_001), Signal::Neutral);
    assert_eq!((t.limit(), t.summary().cuts), (2, 3));
}

#[test]
fn after_a_cut_the_limit_grows_by_one_per_round() {
    let mut t = Throttle::new(32);
    let mut clock = 0;
    answer(&mut t, &mut clock, 18, 20); // slow start to 20
    assert_eq!(t.limit(), 20);
    t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    assert_eq!(t.limit(), 14);
    clock += 10;
    answer(&mut t, &mut clock, 13, 20);
    assert_eq!(t.limit(), 14, "one answer short of a round");
    answer(&mut t, &mut clock, 1, 20);
    assert_eq!(t.limit(), 15);
    answer(&mut t, &mut clock, 15, 20);
    assert_eq!(t.limit(), 16);
}

#[test]
fn the_level_that_was_cut_is_probed_again_only_after_patience_that_doubles() {
    let mut t = Throttle::new(32);
    let mut clock = 0;
    answer(&mut t, &mut clock, 3, 20); // 2 -> 5
    assert_eq!(t.limit(), 5);
    t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    assert_eq!(t.limit(), 3);
    clock += 10;
    answer(&mut t, &mut clock, 3, 20);
    assert_eq!(t.limit(), 4, "below the cut level: one round");
    // 4 -> 5 would retry the level that failed: four rounds of 4 first.
    answer(&mut t, &mut clock, 15, 20);
    assert_eq!(t.limit(), 4);
    answer(&mut t, &mut clock, 1, 20);
    assert_eq!(t.limit(), 5);
    // It fails again: this time eight rounds.
    t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    assert_eq!(t.limit(), 3);
    clock += 10;
    answer(&mut t, &mut clock, 3, 20);
    answer(&mut t, &mut clock, 31, 20);
    assert_eq!(t.limit(), 4);
    answer(&mut t, &mut clock, 1, 20);
    assert_eq!(t.limit(), 5);
    // Held for a full round: the server takes 5 now, probing goes back to normal.
    answer(&mut t, &mut clock, 5, 20);
    assert_eq!(t.limit(), 6);
    answer(&mut t, &mut clock, 6, 20);
    assert_eq!(t.limit(), 7);
}

#[test]
fn a_latency_cut_keeps_the_patience_earned_by_503s() {
    let mut t = Throttle::new(32);
    let mut clock = 0;
    answer(&mut t, &mut clock, 3, 20); // 2 -> 5
    t.observe(ms(clock), ms(clock + 1), Signal::Overloaded); // 5 -> 3, 5 is avoided
    clock += 10;
    let mut feed = |t: &mut Throttle, latency: u64| {
        let sent = clock;
        clock += latency;
        t.observe(ms(sent), ms(clock), Signal::Answered);
        t.limit()
    };
    for _ in 0..3 {
        feed(&mut t, 20);
    }
    assert_eq!(t.limit(), 4);
    // A latency spike cuts 4 -> 2.
    let mut n = 0;
    while t.summary().cuts == 1 {
        feed(&mut t, 200);
        n += 1;
        assert!(n < 20, "no latency cut");
    }
    assert_eq!(t.limit(), 2);
    // Latency is back to normal: the limit climbs back to 4 a round at a time, but 5, the
    // level the server refused, still waits its four rounds.
    let limits: Vec<u32> = (0..80).map(|_| feed(&mut t, 20)).collect();
    let first_4 = limits.iter().position(|&l| l == 4).expect("back to 4");
    let first_5 = limits
        .iter()
        .position(|&l| l == 5)
        .expect("5 tried in the end");
    assert!(first_4 <= 20, "{limits:?}");
    assert!(first_5 - first_4 >= 16, "{limits:?}");
}

#[test]
fn rising_latency_cuts_and_flat_noisy_latency_does_not() {
    let mut t = Throttle::new(16);
    let mut clock = 0;
    // Answers one after the other (each sent when the one before arrived).
    let mut feed = |t: &mut Throttle, n: u64, latency: &dyn Fn(u64) -> u64| {
        for i in 0..n {
            let sent = clock;
            clock += latency(i);
            t.observe(ms(sent), ms(clock), Signal::Answered);
        }
    };
    // Noisy but flat: 20 to 29 ms.
    feed(&mut t, 400, &|i| 20 + (i * 7) % 10);
    assert_eq!((t.limit(), t.summary().cuts), (16, 0));
    // The server slows down: latency climbs to 100 ms. One cut, at once.
    feed(&mut t, 30, &|_| 100);
    let after = t.summary();
    assert!(after.cuts == 1 && after.limit < 16, "{after:?}");
    // It stays at 100 ms: the cut did not lower it, so it is not this crawler's queue: no
    // second cut, and the limit grows back.
    feed(&mut t, 400, &|_| 100);
    assert_eq!((t.limit(), t.summary().cuts), (16, 1), "{:?}", t.summary());
    // Rising again, to 300 ms: cut again, and only once.
    feed(&mut t, 30, &|_| 300);
    assert_eq!(t.summary().cuts, 2, "{:?}", t.summary());
    assert!(t.limit() < 16);
    feed(&mut t, 400, &|_| 300);
    assert_eq!(t.summary().cuts, 2, "{:?}", t.summary());
}

#[test]
fn at_one_request_the_delay_takes_over_and_gives_way_again() {
    let mut t = Throttle::new(4);
    let mut clock = 0;
    answer(&mut t, &mut clock, 20, 10);
    assert_eq!(t.limit(), 4);
    for _ in 0..2 {
        clock += 100;
        t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    }
    assert_eq!((t.limit(), t.delay()), (1, Duration::ZERO));
    // 429 at limit 1: the delay starts at 100 ms (latency is lower) and doubles.
    clock += 100;
    t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    assert_eq!(t.delay(), ms(100));
    clock += 100;
    t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    assert_eq!(t.delay(), ms(200));
    for _ in 0..20 {
        clock += 1000;
        t.observe(ms(clock), ms(clock + 1), Signal::Overloaded);
    }
    assert_eq!(t.delay(), MAX_DELAY, "capped");
    // Clean answers shrink the delay first; the limit grows only once it is gone.
    answer(&mut t, &mut clock, 10, 10);
    assert_eq!(t.limit(), 1);
    assert!(t.delay() < MAX_DELAY / 10 && !t.delay().is_zero());
    answer(&mut t, &mut clock, 40, 10);
    assert_eq!(t.delay(), Duration::ZERO);
    answer(&mut t, &mut clock, 4, 10);
    assert!(t.limit() >= 2);
    assert_eq!(t.summary().min_limit, 1);
}

/// One simulated crawl of `pages` pages against `server` (virtual time in microseconds):
/// returns (overload answers, finish time in ms, highest limit seen after the first cut).
fn simulate(pages: u32, max: u32, mut server: impl Server) -> (u32, f64) {
    const RETRY_US: u64 = 1_000_000;
    let mut t = Throttle::new(max);
    let mut ready: VecDeque<u32> = (0..pages).collect();
    let mut retry: VecDeque<(u64, u32)> = VecDeque::new();
    // (Reverse(arrival), sent, page, signal)
    let mut events: BinaryHeap<std::cmp::Reverse<(u64, u64, u32, bool)>> = BinaryHeap::new();
    let mut now = 0u64;
    let (mut in_flight, mut done, mut overloaded) = (0u32, 0u32, 0u32);
    let mut guard = 0;
    while done < pages {
        guard += 1;
        assert!(guard < 1_000_000, "simulation did not end");
        while retry.front().is_some_and(|(at, _)| *at <= now) {
            ready.push_back(retry.pop_front().expect("front").1);
        }
        while in_flight < t.limit() {
            let Some(page) = ready.pop_front() else { break };
            in_flight += 1;
            let (arrival, rejected) = server.send(now);
            events.push(std::cmp::Reverse((arrival, now, page, rejected)));
        }
        let next_retry = retry.front().map(|(at, _)| *at);
        let next_event = events.peek().map(|e| e.0 .0);
        match (next_event, next_retry) {
            (Some(e), r) if r.is_none_or(|r| e <= r) => {
                let std::cmp::Reverse((arrival, sent, page, rejected)) =
                    events.pop().expect("peeked");
                now = arrival;
                in_flight -= 1;
                server.done(now, rejected);
                let signal = if rejected {
                    overloaded += 1;
                    retry.push_back((now + RETRY_US, page));
                    Signal::Overloaded
                } else {
                    done += 1;
                    Signal::Answered
                };
                t.observe(
                    Duration::from_micros(sent),
                    Duration::from_micros(now),
                    signal,
                );
            }
            (_, Some(r)) => now = r,
            _ => unreachable!("pages left but nothing in flight or waiting"),
        }
    }
    (overloaded, now as f64 / 1000.0)
}

trait Server {
    /// A request arrives at `now`: when its answer arrives, and whether it is a 503.
    fn send(&mut self, now: u64) -> (u64, bool);
    /// Its answer left the server.
    fn done(&mut self, now: u64, rejected: bool);
}

/// Answers in `latency_us`, with at most `capacity` at once; past that, 503 at once.
struct Rejecting {
    capacity: u32,
    latency_us: u64,
    busy: u32,
}

impl Server for Rejecting {
    fn send(&mut self, now: u64) -> (u64, bool) {
        if self.busy >= self.capacity {
            return (now + 200, true);
        }
        self.busy += 1;
        (now + self.latency_us, false)
    }
    fn done(&mut self, _now: u64, rejected: bool) {
        if !rejected {
            self.busy -= 1;
        }
    }
}

/// `capacity` workers of `work_us` each; requests past them wait in line (no errors).
struct Queueing {
    capacity: usize,
    work_us: u64,
    free_at: Vec<u64>,
}

impl Server for Queueing {
    fn send(&mut self, now: u64) -> (u64, bool) {
        if self.free_at.is_empty() {
            self.free_at = vec![0; self.capacity];
        }
        let (i, at) = self
            .free_at
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|(_, at)| *at)
            .expect("workers");
        let end = at.max(now) + self.work_us;
        self.free_at[i] = end;
        (end, false)
    }
    fn done(&mut self, _now: u64, _rejected: bool) {}
}

/// The case in virtual time: a server that answers 503 above 4 in flight, a limit of
/// up to 32. Few 503s, close to the server's own pace.
#[test]
fn against_a_server_that_rejects_past_4_the_limit_settles_with_few_503s() {
    let pages = 400;
    let latency_us = 20_000;
    let (overloaded, finished_ms) = simulate(
        pages,
        32,
        Rejecting {
            capacity: 4,
            latency_us,
            busy: 0,
        },
    );
    let ideal_ms = f64::from(pages) * (latency_us as f64 / 1000.0) / 4.0;
    let share = f64::from(overloaded) / f64::from(pages);
    eprintln!("simulated: {overloaded} 503s for {pages} pages, {finished_ms:.0} ms (ideal {ideal_ms:.0} ms)");
    assert!(share <= 0.05, "{overloaded} 503s for {pages} pages");
    assert!(
        finished_ms <= 1.6 * ideal_ms,
        "{finished_ms} ms against an ideal {ideal_ms} ms"
    );
}

/// A server that queues instead of rejecting: no errors ever, but latency grows with the
/// queue. The gradient keeps the limit near the server's 4 workers instead of 32.
#[test]
fn against_a_server_that_queues_the_latency_gradient_holds_the_limit_down() {
    let pages = 2000;
    let mut t = Throttle::new(32);
    let mut server = Queueing {
        capacity: 4,
        work_us: 20_000,
        free_at: Vec::new(),
    };
    // Closed loop in virtual time: keep `limit` in flight, answer in arrival order.
    let mut events: BinaryHeap<std::cmp::Reverse<(u64, u64)>> = BinaryHeap::new();
    let mut now = 0;
    let mut limits = Vec::new();
    for _ in 0..pages {
        while (events.len() as u32) < t.limit() {
            let (arrival, _) = server.send(now);
            events.push(std::cmp::Reverse((arrival, now)));
        }
        let std::cmp::Reverse((arrival, sent)) = events.pop().expect("in flight");
        now = arrival;
        t.observe(
            Duration::from_micros(sent),
            Duration::from_micros(now),
            Signal::Answered,
        );
        limits.push(t.limit());
        if limits.len() % 50 == 0 {
            eprintln!(
                "{} L={} short={:.1} base={:.1} now={}",
                limits.len(),
                t.limit,
                t.short_ms,
                t.base_ms,
                now / 1000
            );
        }
    }
    let late = &limits[limits.len() / 2..];
    let mean = late.iter().map(|&l| f64::from(l)).sum::<f64>() / late.len() as f64;
    eprintln!("simulated queueing server: mean limit {mean:.1} in the second half");
    assert!(t.summary().cuts >= 1, "{:?}", t.summary());
    assert!(
        (3.0..=12.0).contains(&mean),
        "mean limit {mean} in the second half; {:?}",
        t.summary()
    );
}
