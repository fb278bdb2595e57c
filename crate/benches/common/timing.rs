//! A minimal timing harness (no criterion: the benches print throughput and memory figures
//! that criterion's reports do not): warm up, then the median of seven samples of at least
//! 100 ms each.

use std::time::{Duration, Instant};

/// Seconds per call of `f`, as the median over several samples.
pub fn median_secs(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut warmup = 0u32;
    while start.elapsed() < Duration::from_millis(100) || warmup < 2 {
        f();
        warmup += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / f64::from(warmup);
    let iterations = ((0.1 / per_call).ceil() as u32).max(1);
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iterations {
                f();
            }
            t.elapsed().as_secs_f64() / f64::from(iterations)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
