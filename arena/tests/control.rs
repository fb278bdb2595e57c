//! The write endpoints `/__reset` and `/__latency` over real HTTP: a latency cap, no CORS,
//! and no writes from other origins' pages (or DNS-rebound hosts) unless `test_control`.

mod common;

use common::{get, get_json, request_with};
use silk_arena::{spawn, ArenaConfig, MAX_LATENCY_MS};

#[test]
fn latency_is_capped() {
    let h = spawn(ArenaConfig::default()).unwrap();
    assert_eq!(MAX_LATENCY_MS, 10_000);
    let over = get(h.addr, &format!("/__latency?ms={}", MAX_LATENCY_MS + 1));
    assert_eq!(over.status, 400, "{}", over.text());
    assert_eq!(get(h.addr, "/__latency?ms=99999999999").status, 400);
    assert_eq!(h.arena.latency_ms(), 0, "a refused value changes nothing");
    assert_eq!(
        get_json(h.addr, &format!("/__latency?ms={MAX_LATENCY_MS}"))["latency_ms"],
        MAX_LATENCY_MS
    );
    // The Rust API and the config clamp.
    h.arena.set_latency_ms(u64::MAX);
    assert_eq!(h.arena.latency_ms(), MAX_LATENCY_MS);
    let big = silk_arena::Arena::new(ArenaConfig {
        latency_ms: 3_600_000,
        ..Default::default()
    });
    assert_eq!(big.latency_ms(), MAX_LATENCY_MS);
}

#[test]
fn writes_send_no_cors_and_refuse_other_pages() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let own = h.addr.to_string();
    for path in ["/__latency?ms=5000", "/__reset"] {
        let plain = request_with(h.addr, "GET", path, &own, &[]).unwrap();
        assert_eq!(plain.status, 200, "{path} from a tool: {}", plain.text());
        assert_eq!(plain.header("access-control-allow-origin"), None, "{path}");
        for (name, value) in [
            ("Origin", "http://evil.example"),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Site", "same-site"),
        ] {
            let r = request_with(h.addr, "POST", path, &own, &[(name, value)]).unwrap();
            assert_eq!(r.status, 403, "{path} with {name}: {value}");
            assert_eq!(r.header("access-control-allow-origin"), None);
        }
        let rebound = request_with(h.addr, "GET", path, "evil.example:80", &[]).unwrap();
        assert_eq!(rebound.status, 403, "{path} via a rebound name");
        let pre = request_with(h.addr, "OPTIONS", path, &own, &[("Origin", "http://x")]).unwrap();
        assert_eq!(
            pre.header("access-control-allow-origin"),
            None,
            "no preflight for {path}"
        );
    }
    assert_eq!(h.arena.latency_ms(), 5000, "only the tool's write landed");
    // Reads stay CORS-enabled, for the playground and the wasm tests.
    let stats = request_with(h.addr, "GET", "/__stats", &own, &[("Origin", "http://x")]).unwrap();
    assert_eq!(stats.status, 200);
    assert_eq!(stats.header("access-control-allow-origin"), Some("*"));
    h.arena.set_latency_ms(0);
    assert_eq!(
        get(h.addr, "/p/1").header("access-control-allow-origin"),
        Some("*")
    );
}

#[test]
fn test_control_restores_cross_origin_writes() {
    let h = spawn(ArenaConfig {
        test_control: true,
        ..Default::default()
    })
    .unwrap();
    let r = request_with(
        h.addr,
        "GET",
        "/__reset",
        &h.addr.to_string(),
        &[("Origin", "http://127.0.0.1:9")],
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}
