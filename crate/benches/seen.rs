//! The seen-set: insert and lookup cost, and bytes per URL at 10 million URLs (the target is
//! at most 16). Run with `cargo bench -p silk --bench seen`.

#[path = "common/mem.rs"]
mod mem;

use silk::seen::SeenSet;
use silk::url_norm::fingerprint;
use std::hint::black_box;
use std::time::Instant;

const N: u64 = 10_000_000;

fn url(i: u64) -> String {
    format!(
        "https://shop.example.com/c/{}/item-{i}?ref=list&page={}",
        i % 500,
        i % 97
    )
}

fn main() {
    // Fingerprints first, so that the timings below are the table's alone.
    let t = Instant::now();
    let fps: Vec<u64> = (0..N).map(|i| fingerprint(&url(i))).collect();
    let per_fp = t.elapsed().as_secs_f64() * 1e9 / N as f64;
    println!("seen-set, {N} URLs (~60-byte URLs such as {})", url(12345));
    println!("  format + fingerprint:      {per_fp:.0} ns per URL (string building included)");

    let rss_before = mem::rss_bytes();
    let mut set = SeenSet::new();
    let t = Instant::now();
    for &fp in &fps {
        black_box(set.insert(fp));
    }
    let insert_ns = t.elapsed().as_secs_f64() * 1e9 / N as f64;
    let rss_after = mem::rss_bytes();
    let t = Instant::now();
    let mut hits = 0u64;
    for &fp in &fps {
        hits += u64::from(set.contains(black_box(fp)));
    }
    let hit_ns = t.elapsed().as_secs_f64() * 1e9 / N as f64;
    let t = Instant::now();
    let mut misses = 0u64;
    for i in N..2 * N {
        misses += u64::from(!set.contains(black_box(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))));
    }
    let miss_ns = t.elapsed().as_secs_f64() * 1e9 / N as f64;
    assert_eq!(hits, N);
    assert_eq!(
        set.len() as u64,
        N,
        "no fingerprint collision among these URLs"
    );
    let bytes = set.bytes_allocated() as f64 / set.len() as f64;
    println!("  insert (growing from empty): {insert_ns:.1} ns per URL");
    println!("  lookup, present:           {hit_ns:.1} ns");
    println!("  lookup, absent:            {miss_ns:.1} ns ({misses} absent)");
    println!(
        "  memory:                    {bytes:.2} bytes per URL (table {:.1} MB for {} URLs; target <= 16)",
        set.bytes_allocated() as f64 / 1e6,
        set.len()
    );
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        println!(
            "  RSS growth while inserting: {:.1} MB ({:.2} bytes per URL; includes the old table freed during the last growth)",
            b.saturating_sub(a) as f64 / 1e6,
            b.saturating_sub(a) as f64 / N as f64
        );
    }
    let presized = SeenSet::with_capacity(N as usize);
    println!(
        "  presized for {N}:          {:.2} bytes per URL",
        presized.bytes_allocated() as f64 / N as f64
    );
}
