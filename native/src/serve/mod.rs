//! `silk serve`: the playground, the demo site and a slow-on-purpose arena on 127.0.0.1.
//!
//! The page works from any static server; this one adds what a static server cannot:
//! an arena (silk's synthetic test site) on a second port whose latency the page can turn
//! up, so concurrency has real waits to overlap even on localhost; `/serve.json`, which
//! tells the page where the arena is; and, with `--relay`, a fetching relay for sites that
//! send no CORS headers (see `relay.rs` for why it is locked down the way it is).
//!
//! Everything binds 127.0.0.1 only, and every request must name this server in its `Host`
//! header (a DNS-rebinding page cannot borrow it). Control endpoints also refuse a foreign
//! `Origin`. HTTP/1.1 only, so the browser's limit of 6 connections per host applies, which
//! is the limit the playground's compare view explains.
//!
//! | Path | Answer |
//! |---|---|
//! | `/...` | files of `web/` (`--web DIR`), `index.html` for directories |
//! | `/serve.json` | `{arena, arena_latency_ms, arena_pages, relay: {endpoint, token} or null, version}`, no CORS headers |
//! | `POST /arena-latency?ms=N` | sets the arena's latency (0 to 10000 ms), answers `{latency_ms}` |
//! | `GET /relay?url=U` | with `--relay` and header `X-Silk-Token`: the relayed page |
//!
//! The playground's own `/robots.txt` is a file in `web/` (it keeps crawlers out of
//! `/demo/private/`), so a plain static server rooted at `web/` serves the same one.

mod files;
mod relay;
mod reply;
mod secret;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, HOST, ORIGIN};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use relay::Relay;
use reply::Body;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What to say when the wasm bundle has not been built.
pub const BUILD_HINT: &str = "the playground needs the wasm bundle web/pkg/silk.js: build it from the workspace root with\n  wasm-pack build crate --target web --out-dir ../web/pkg\n(tools: .ci/setup installs wasm-pack, wasm-bindgen and wasm-opt)";

/// The `web/` directory of the source tree this binary was built from.
const DEFAULT_WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web");

/// Highest latency `/arena-latency` accepts, in milliseconds.
const MAX_LATENCY_MS: u64 = 10_000;

/// `silk serve`: serve the browser playground, the demo site and an arena on 127.0.0.1.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 for the playground (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Open the playground in the default browser (xdg-open); failure is ignored.
    #[arg(long)]
    pub open: bool,
    /// Let the page crawl sites without CORS headers through this server (`/relay`),
    /// guarded by a per-launch token only the served page can read.
    #[arg(long)]
    pub relay: bool,
    /// Directory to serve instead of the source tree's `web/`.
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// Product pages of the arena (the playground's "Arena" preset crawls it).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub arena_pages: usize,
    /// Delay the arena adds before every page, in milliseconds (the page can change it).
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub arena_latency_ms: u64,
}

/// What every request handler may need.
struct State {
    /// The canonical directory served.
    root: PathBuf,
    /// `127.0.0.1:PORT` and `localhost:PORT`: the only acceptable `Host` headers.
    hosts: [String; 2],
    /// `http://` + each of `hosts`: the only acceptable `Origin` headers.
    origins: [String; 2],
    arena: silk_arena::Arena,
    arena_url: String,
    relay: Option<Relay>,
}

/// Runs `silk serve` until Ctrl-C and returns the exit code (like the other subcommands,
/// it owns its runtime: a current-thread one, because the relay's fetcher is not `Send`).
pub fn run(args: ServeArgs) -> i32 {
    let runtime = match crate::runtime::current_thread() {
        Ok(r) => r,
        Err(e) => return crate::exit::failure(&e),
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => crate::exit::OK,
        Err(message) => crate::exit::failure(&message),
    }
}

/// Serves until Ctrl-C. Prints `playground: http://127.0.0.1:PORT/` as the first line on
/// stdout, then the arena's address. Errors are worded for the person running it.
///
/// Connections are served on a `LocalSet` inside this future (the relay's fetcher is not
/// `Send`): await it from a runtime's main task (`block_on`), not from `tokio::spawn`.
pub async fn serve(args: ServeArgs) -> Result<(), String> {
    let root = web_root(args.web.as_deref())?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{} ({e}): pick another --port, or --port 0 for any free one", args.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let arena = silk_arena::spawn(silk_arena::ArenaConfig {
        port: 0,
        pages: args.arena_pages,
        latency_ms: args.arena_latency_ms,
        faults: false,
        ..silk_arena::ArenaConfig::default()
    })
    .map_err(|e| format!("cannot start the arena on 127.0.0.1: {e}"))?;
    let relay = if args.relay {
        Some(Relay::new()?)
    } else {
        None
    };

    let url = format!("http://{addr}/");
    say(&format!("playground: {url}"));
    say(&format!(
        "arena: {}/ ({} pages, {} ms latency; the page can change it)",
        arena.url(),
        args.arena_pages,
        args.arena_latency_ms
    ));
    if relay.is_some() {
        say(&format!(
            "relay: {url}relay (answers only the served page: per-launch token in /serve.json)"
        ));
    }
    if !root.join("pkg/silk.js").is_file() {
        eprintln!("silk serve: {BUILD_HINT}");
    }
    if args.open {
        open_browser(&url);
    }

    let state = Rc::new(State {
        root,
        hosts: [
            format!("127.0.0.1:{}", addr.port()),
            format!("localhost:{}", addr.port()),
        ],
        origins: [
            format!("http://127.0.0.1:{}", addr.port()),
            format!("http://localhost:{}", addr.port()),
        ],
        arena_url: arena.url(),
        arena: arena.arena.clone(),
        relay,
    });
    let local = tokio::task::LocalSet::new();
    let served = local
        .run_until(async {
            tokio::select! {
                result = accept_loop(listener, state) => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        })
        .await;
    drop(arena);
    served
}

/// Prints a line on stdout. A reader that went away (`silk serve | head -1` in a script)
/// must not take the server down with it, so write errors are ignored.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The directory to serve, canonical, or a message saying how to point at it.
fn web_root(dir: Option<&Path>) -> Result<PathBuf, String> {
    let dir = dir.map_or_else(|| PathBuf::from(DEFAULT_WEB_DIR), Path::to_path_buf);
    dir.canonicalize()
        .ok()
        .filter(|d| d.is_dir())
        .ok_or_else(|| format!("cannot find the playground directory {}: pass --web DIR (the `web` folder of silk's source tree)", dir.display()))
}

async fn accept_loop(listener: tokio::net::TcpListener, state: Rc<State>) -> Result<(), String> {
    let mut http = http1::Builder::new();
    http.keep_alive(true).timer(TokioTimer::new());
    loop {
        let (stream, _peer): (_, SocketAddr) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("silk serve: accept failed ({e}); retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let service = service_fn(move |req| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(route(&state, req).await) }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::task::spawn_local(async move {
            let _ = connection.await;
        });
    }
}

/// Dispatches one request.
async fn route(state: &State, req: Request<Incoming>) -> Response<Body> {
    if let Some(host) = req.headers().get(HOST) {
        if !state
            .hosts
            .iter()
            .any(|h| host.as_bytes().eq_ignore_ascii_case(h.as_bytes()))
        {
            return reply::text(
                StatusCode::FORBIDDEN,
                format!(
                    "silk serve answers only requests addressed to http://{}/",
                    state.hosts[0]
                ),
            );
        }
    }
    let path = req.uri().path();
    let control = matches!(path, "/serve.json" | "/arena-latency" | "/relay");
    if control && !origin_allowed(state, req.headers().get(ORIGIN)) {
        return reply::error(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{path} answers only pages served from {}", state.origins[0]),
        );
    }
    match (req.method(), path) {
        (&Method::GET | &Method::HEAD, "/serve.json") => {
            reply::json(StatusCode::OK, &serve_json(state))
        }
        (&Method::POST, "/arena-latency") => set_latency(state, req.uri().query()),
        (&Method::GET, "/relay") => match &state.relay {
            Some(relay) => relay.handle(&req).await,
            None => reply::error(
                StatusCode::NOT_FOUND,
                "other",
                "the relay is off: restart with `silk serve --relay`",
            ),
        },
        (_, "/serve.json" | "/arena-latency" | "/relay") => {
            method_not_allowed(if path == "/arena-latency" {
                "POST"
            } else {
                "GET"
            })
        }
        (&Method::GET, _) => files::serve(&state.root, path, false).await,
        (&Method::HEAD, _) => files::serve(&state.root, path, true).await,
        _ => method_not_allowed("GET, HEAD"),
    }
}

/// No `Origin` (a same-origin GET, curl) or this server's own.
fn origin_allowed(state: &State, origin: Option<&HeaderValue>) -> bool {
    origin.is_none_or(|o| {
        state
            .origins
            .iter()
            .any(|allowed| o.as_bytes() == allowed.as_bytes())
    })
}

/// What the page learns about this server. Sent without `Access-Control-Allow-Origin`, so
/// a page from another origin cannot read the relay token.
fn serve_json(state: &State) -> serde_json::Value {
    serde_json::json!({
        "arena": state.arena_url,
        "arena_latency_ms": state.arena.latency_ms(),
        "arena_pages": state.arena.config().page_count(),
        "relay": state.relay.as_ref().map(|r| serde_json::json!({ "endpoint": "/relay", "token": r.token() })),
        "version": silk::VERSION,
    })
}

fn set_latency(state: &State, query: Option<&str>) -> Response<Body> {
    match reply::query_param(query, "ms").and_then(|ms| ms.parse::<u64>().ok()) {
        Some(ms) if ms <= MAX_LATENCY_MS => {
            state.arena.set_latency_ms(ms);
            reply::json(StatusCode::OK, &serde_json::json!({ "latency_ms": ms }))
        }
        _ => reply::error(
            StatusCode::BAD_REQUEST,
            "other",
            format!("give the latency as /arena-latency?ms=N with N from 0 to {MAX_LATENCY_MS}"),
        ),
    }
}

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut resp = reply::text(StatusCode::METHOD_NOT_ALLOWED, format!("use {allow}"));
    resp.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    resp
}

/// Best effort: a desktop may have no `xdg-open`, and a server has no display.
fn open_browser(url: &str) {
    let child = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        std::thread::spawn(move || child.wait());
    }
}
