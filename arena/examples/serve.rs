//! Serves an arena until interrupted, for poking at it with curl or a browser:
//! `cargo run -p silk-arena --example serve -- [PORT]` (the `silk arena` command does the
//! same with every knob as a flag).

fn main() -> std::io::Result<()> {
    let port = std::env::args()
        .nth(1)
        .map(|p| p.parse().expect("usage: serve [PORT]"))
        .unwrap_or(0);
    let handle = silk_arena::spawn(silk_arena::ArenaConfig {
        port,
        ..Default::default()
    })?;
    println!("arena at {}/", handle.url());
    handle.wait()
}
