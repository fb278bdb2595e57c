//! What a person at a terminal sees during and after `silk crawl`: a one-line live progress
//! bar on stderr (only when stderr is a terminal) and a one-screen summary at the end.

use silk::events::HostLimit;
use silk::{Counters, Stats};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct ProgressBar {
    enabled: bool,
    last_draw: Option<Instant>,
    max_pages: Option<u64>,
}

impl ProgressBar {
    pub fn new(quiet: bool, max_pages: Option<u64>) -> Self {
        ProgressBar {
            enabled: !quiet && std::io::stderr().is_terminal(),
            last_draw: None,
            max_pages,
        }
    }

    pub fn update(&mut self, c: &Counters) {
        if !self.enabled
            || self
                .last_draw
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let secs = (c.elapsed_ms / 1000.0).max(1e-3);
        let total = self
            .max_pages
            .unwrap_or(0)
            .max(c.done + c.queued + c.in_flight);
        let width = 24usize;
        let filled = if total > 0 {
            (c.done as usize * width / total as usize).min(width)
        } else {
            0
        };
        let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
        eprint!(
            "\r\x1b[2K[{bar}] {} done | {} queued | {} in flight | {} errors | {:.0} pages/s | {:.1}s{}",
            c.done,
            c.queued,
            c.in_flight,
            c.errors,
            c.done as f64 / secs,
            secs,
            host_limits(&c.host_limits)
        );
        let _ = std::io::stderr().flush();
    }

    pub fn clear(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

/// AutoThrottle's limits for the progress line: the host's limit (and delay) for one host,
/// the range for several; nothing without AutoThrottle.
fn host_limits(limits: &[HostLimit]) -> String {
    let delay = |ms: u64| {
        if ms > 0 {
            format!(", {ms} ms apart")
        } else {
            String::new()
        }
    };
    match limits {
        [] => String::new(),
        [one] => format!(" | limit {}{}", one.limit, delay(one.delay_ms)),
        several => {
            let low = several.iter().map(|h| h.limit).min().unwrap_or(0);
            let high = several.iter().map(|h| h.limit).max().unwrap_or(0);
            format!(" | limits {low}-{high} on {} hosts", several.len())
        }
    }
}

/// The end-of-crawl summary, for stderr.
pub fn summary(stats: &Stats) -> String {
    let mut s = String::new();
    let secs = stats.elapsed_ms / 1000.0;
    s.push_str(&format!(
        "{} pages in {:.2}s ({:.1} pages/s), {} requests ({} retries), {}\n",
        stats.pages,
        secs,
        stats.pages_per_sec,
        stats.requests,
        stats.retries,
        human_bytes(stats.bytes)
    ));
    if !stats.status_counts.is_empty() {
        let parts: Vec<String> = stats
            .status_counts
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        s.push_str(&format!("  status   {}\n", parts.join(", ")));
    }
    if !stats.error_kinds.is_empty() {
        let parts: Vec<String> = stats
            .error_kinds
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        s.push_str(&format!("  errors   {}\n", parts.join(", ")));
    }
    if stats.items > 0 {
        s.push_str(&format!("  items    {}\n", stats.items));
    }
    if stats.links_filtered > 0 || stats.queued_remaining > 0 {
        s.push_str(&format!(
            "  links    {} not followed (scope, depth, allow/deny), {} left in the queue\n",
            stats.links_filtered, stats.queued_remaining
        ));
    }
    for h in stats.host_limits.iter().take(SUMMARY_HOSTS) {
        s.push_str(&format!(
            "  throttle {}: limit {} at the end (lowest {}), {} cuts, {} ms apart\n",
            h.host, h.limit, h.min_limit, h.cuts, h.final_delay_ms
        ));
    }
    if stats.host_limits.len() > SUMMARY_HOSTS {
        s.push_str(&format!(
            "  throttle ... {} more hosts in --stats-json\n",
            stats.host_limits.len() - SUMMARY_HOSTS
        ));
    }
    if stats.links_nofollow > 0 || stats.canonical_duplicates > 0 {
        s.push_str(&format!(
            "  meta     {} links not followed (nofollow), {} canonical duplicates\n",
            stats.links_nofollow, stats.canonical_duplicates
        ));
    }
    if let Some(r) = &stats.recrawl {
        s.push_str(&format!(
            "  recrawl: {} unchanged (304), {} changed, {} new, {} gone\n",
            r.unchanged, r.changed, r.new, r.gone
        ));
    }
    if stats.cancelled {
        s.push_str("  cancelled before the end\n");
    }
    s
}

/// Hosts whose AutoThrottle outcome the summary lists.
const SUMMARY_HOSTS: usize = 3;

fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    } else if n >= 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use silk::events::HostThrottleStats;

    fn limit(host: &str, limit: u32, delay_ms: u64) -> HostLimit {
        HostLimit {
            host: host.into(),
            limit,
            delay_ms,
        }
    }

    #[test]
    fn the_progress_line_shows_autothrottle_limits_only_when_on() {
        assert_eq!(host_limits(&[]), "");
        assert_eq!(host_limits(&[limit("http://a", 4, 0)]), " | limit 4");
        assert_eq!(
            host_limits(&[limit("http://a", 1, 800)]),
            " | limit 1, 800 ms apart"
        );
        assert_eq!(
            host_limits(&[limit("http://a", 4, 0), limit("http://b", 9, 0)]),
            " | limits 4-9 on 2 hosts"
        );
    }

    #[test]
    fn the_summary_lists_the_busiest_throttled_hosts() {
        let mut stats = Stats::default();
        assert!(!summary(&stats).contains("throttle"));
        stats.host_limits = (0..5)
            .map(|i| HostThrottleStats {
                host: format!("http://h{i}"),
                limit: 4,
                min_limit: 2,
                cuts: 3,
                final_delay_ms: 0,
            })
            .collect();
        let text = summary(&stats);
        assert!(
            text.contains("throttle http://h0: limit 4 at the end (lowest 2), 3 cuts, 0 ms apart"),
            "{text}"
        );
        assert!(!text.contains("http://h3"), "{text}");
        assert!(text.contains("2 more hosts"), "{text}");
    }
}
