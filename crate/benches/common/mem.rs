//! Resident memory of this process, for the memory figures of the benches (Linux; elsewhere
//! the figures are reported as unavailable).

/// Resident set size in bytes, from `/proc/self/statm`.
#[allow(dead_code)]
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[allow(dead_code)]
pub fn mb(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "n/a".into(), |b| format!("{:.1} MB", b as f64 / 1e6))
}
