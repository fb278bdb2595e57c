//! `silk serve`: the playground, the demo site and two slow-on-purpose arenas on 127.0.0.1.
//!
//! The page works from any static server; this one adds what a static server cannot:
//! two arenas (silk's synthetic test sites: the shop, and the study notes' 250-film chart),
//! each on several ports of its own (`sites.rs`: the browser's 6 connections per host
//! multiply by the number of origins) with a latency the page can turn up, so concurrency
//! has real waits to overlap even on localhost; `/serve.json`, which tells the page where
//! they are; and, with `--relay`, a fetching relay for sites that send no CORS headers (see
//! `relay.rs` for why it is locked down the way it is).
//!
//! Everything binds 127.0.0.1 only, and every request must name this server in its `Host`
//! header (a DNS-rebinding page cannot borrow it). Control endpoints also refuse a foreign
//! `Origin` and a `Sec-Fetch-Site` other than `same-origin`/`none`. Every answer forbids
//! framing, and the page gets its CSP as a header (`page.rs`). HTTP/1.1 only, so the
//! browser's limit of 6 connections per host applies, which is the limit the playground's
//! compare view explains.
//!
//! | Path | Answer |
//! |---|---|
//! | `/...` | files of `web/` (`--web DIR`), `index.html` for directories, except `/demo/lab/` |
//! | `/?token=T` | with `--relay`: the link printed on the terminal; sets the relay cookie (`page.rs`) |
//! | `/serve.json` | `{arena, arena_latency_ms, arena_pages, arena_origins, notes: {url, origins, latency_ms, pages, films}, lab, relay: {endpoint, token} or null, version}`, no CORS headers; `token` is null without the relay cookie; `arena_origins[0]` is `arena` |
//! | `POST /arena-latency?ms=N` | sets the shop arena's latency (0 to 10000 ms), answers `{latency_ms}` |
//! | `POST /notes-latency?ms=N` | sets the films arena's time per page (0 to 10000 ms), answers `{latency_ms}` |
//! | `GET /source/crate/src/NAME.rs` | the engine's sources as plain text (`source.rs`); `/serve.json` says `"source": "/source/"` when this tree has them, else `null` |
//! | `GET /relay?url=U` | with `--relay` and header `X-Silk-Token`: the relayed page |
//!
//! A third port, the lab (`lab.rs`), serves `web/demo/lab/`: test pages with live hostile
//! scripts, on an origin of their own so they never run as the playground.
//!
//! The playground's own `/robots.txt` is a file in `web/` (it keeps crawlers out of
//! `/demo/private/`), so a plain static server rooted at `web/` serves the same one.

mod files;
mod guard;
mod lab;
mod page;
mod relay;
mod reply;
mod secret;
mod sites;
mod source;
mod upstream;

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

/// Highest latency `/arena-latency` accepts, in milliseconds (the arena's own cap).
const MAX_LATENCY_MS: u64 = silk_arena::MAX_LATENCY_MS;

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
    /// guarded by a per-launch token: open the link printed on the terminal to enable it in
    /// your browser. It reaches public addresses only (plus this server and its arena).
    #[arg(long)]
    pub relay: bool,
    /// Let the relay reach loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
    /// link-local (169.254/16, fe80::/10: cloud metadata) and other non-public addresses.
    #[arg(long, requires = "relay")]
    pub relay_allow_private: bool,
    /// Directory to serve instead of the source tree's `web/`.
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// Product pages of the arena (the playground's "Arena" preset crawls it).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub arena_pages: usize,
    /// Delay the arena adds before every page, in milliseconds (the page can change it).
    #[arg(long, value_name = "MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(..=MAX_LATENCY_MS))]
    pub arena_latency_ms: u64,
    /// Origins (ports of 127.0.0.1) the arena is spread over; pages link across them.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = crate::arena_cmd::parse_origins)]
    pub arena_origins: usize,
    /// Origins the films catalogue (the "Notes replay" preset) is spread over.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = crate::arena_cmd::parse_origins)]
    pub notes_origins: usize,
    /// Time each chart and film page of the films catalogue takes, in milliseconds (the
    /// notes' 0.9 s per page at time scale 1/10; the page can change it).
    #[arg(long, value_name = "MS", default_value_t = 90, value_parser = clap::value_parser!(u64).range(..=MAX_LATENCY_MS))]
    pub notes_latency_ms: u64,
}

/// What every request handler may need.
struct State {
    /// The canonical directory served.
    root: PathBuf,
    /// `127.0.0.1:PORT` and `localhost:PORT`: the only acceptable `Host` headers.
    hosts: [String; 2],
    /// `http://` + each of `hosts`: the only acceptable `Origin` headers.
    origins: [String; 2],
    /// The shop and films arenas.
    sites: sites::Sites,
    /// The engine's source directory (`source.rs`), if the source tree is here.
    source: Option<PathBuf>,
    /// `127.0.0.1:PORT` and `localhost:PORT` of the lab (`lab.rs`).
    lab_hosts: [String; 2],
    lab_url: String,
    relay: Option<Relay>,
    /// The relay cookie's name (`page.rs`).
    cookie: String,
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
    let sites = sites::Sites::start(
        args.arena_pages,
        args.arena_latency_ms,
        args.arena_origins,
        args.notes_latency_ms,
        args.notes_origins,
    )?;
    let lab = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1 for the lab pages: {e}"))?;
    let lab_addr = lab
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let relay = if args.relay {
        let mut own = vec![addr.port(), lab_addr.port()];
        own.extend(sites.ports());
        Some(Relay::new(args.relay_allow_private, own)?)
    } else {
        None
    };

    let url = format!("http://{addr}/");
    say(&format!("playground: {url}"));
    for line in sites.describe() {
        say(&line);
    }
    let lab_url = format!("http://{lab_addr}");
    say(&format!(
        "lab: {lab_url}/demo/lab/ (hostile test pages, on an origin of their own)"
    ));
    let token_url = relay.as_ref().map(|r| format!("{url}?token={}", r.token()));
    if let Some(link) = &token_url {
        say(&format!(
            "relay: open {link} to use the relay in your browser (it sets a cookie; the link is the key: keep it to yourself){}",
            if args.relay_allow_private { "; private addresses allowed" } else { "" }
        ));
    }
    if !root.join("pkg/silk.js").is_file() {
        eprintln!("silk serve: {BUILD_HINT}");
    }
    if args.open {
        open_browser(token_url.as_deref().unwrap_or(&url));
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
        sites,
        source: source::root(),
        lab_hosts: [
            format!("127.0.0.1:{}", lab_addr.port()),
            format!("localhost:{}", lab_addr.port()),
        ],
        lab_url,
        relay,
        cookie: page::cookie_name(addr.port()),
    });
    let local = tokio::task::LocalSet::new();
    let served = local
        .run_until(async {
            tokio::select! {
                result = accept_loop(listener, state.clone(), false) => result,
                result = accept_loop(lab, state, true) => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        })
        .await;
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

/// Serves one listener: the playground's (`lab == false`) or the lab's.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    state: Rc<State>,
    lab: bool,
) -> Result<(), String> {
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
            async move {
                Ok::<_, Infallible>(if lab {
                    lab::route(&state.root, &state.lab_hosts, &req).await
                } else {
                    let path = req.uri().path().to_string();
                    let mut resp = route(&state, req).await;
                    page::harden(&mut resp, &path);
                    resp
                })
            }
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
    let control = matches!(
        path,
        "/serve.json" | "/arena-latency" | "/notes-latency" | "/relay"
    );
    if control && !same_origin(state, req.headers()) {
        return reply::error(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{path} answers only pages served from {}", state.origins[0]),
        );
    }
    if path.starts_with("/demo/lab/") || path == "/demo/lab" {
        return reply::text(
            StatusCode::NOT_FOUND,
            format!(
                "the lab pages run hostile scripts, so they live on their own origin: {}{path}",
                state.lab_url
            ),
        );
    }
    if let (Some(relay), &Method::GET) = (&state.relay, req.method()) {
        if let Some(resp) = page::token_link(path, req.uri().query(), &state.cookie, relay.token())
        {
            return resp;
        }
    }
    match (req.method(), path) {
        (&Method::GET | &Method::HEAD, "/serve.json") => {
            let authorized = state
                .relay
                .as_ref()
                .is_some_and(|r| page::has_token_cookie(req.headers(), &state.cookie, r.token()));
            reply::json(StatusCode::OK, &serve_json(state, authorized))
        }
        (&Method::POST, "/arena-latency") => {
            set_latency(&state.sites.shop.arena, "/arena-latency", req.uri().query())
        }
        (&Method::POST, "/notes-latency") => set_latency(
            &state.sites.notes.arena,
            "/notes-latency",
            req.uri().query(),
        ),
        (&Method::GET, "/relay") => match &state.relay {
            Some(relay) => relay.handle(&req).await,
            None => reply::error(
                StatusCode::NOT_FOUND,
                "other",
                "the relay is off: restart with `silk serve --relay`",
            ),
        },
        (_, "/serve.json" | "/arena-latency" | "/notes-latency" | "/relay") => {
            method_not_allowed(if path.ends_with("-latency") {
                "POST"
            } else {
                "GET"
            })
        }
        (&Method::GET | &Method::HEAD, _) if path.starts_with(source::PREFIX) => {
            source::serve(state.source.as_deref(), path, req.method() == Method::HEAD).await
        }
        (&Method::GET, _) => files::serve(&state.root, path, false).await,
        (&Method::HEAD, _) => files::serve(&state.root, path, true).await,
        _ => method_not_allowed("GET, HEAD"),
    }
}

/// A request from this server's own page, or from no page at all (curl): no `Origin` or
/// this server's own, and no `Sec-Fetch-Site` or `same-origin`/`none` (the browser says
/// `same-site` for the arena's and the lab's pages, which share the host 127.0.0.1, and
/// for a `<script src>` or a navigation it sends no `Origin`).
fn same_origin(state: &State, headers: &hyper::HeaderMap) -> bool {
    let origin_ok = headers.get(ORIGIN).is_none_or(|o| {
        state
            .origins
            .iter()
            .any(|allowed| o.as_bytes() == allowed.as_bytes())
    });
    let site_ok = headers
        .get("sec-fetch-site")
        .is_none_or(|s| matches!(s.as_bytes(), b"same-origin" | b"none"));
    origin_ok && site_ok
}

/// What the page learns about this server. Sent without `Access-Control-Allow-Origin`, so
/// a page from another origin cannot read it; the relay token only with the relay cookie.
fn serve_json(state: &State, authorized: bool) -> serde_json::Value {
    let mut json = state.sites.json();
    json.insert("lab".into(), state.lab_url.clone().into());
    json.insert(
        "relay".into(),
        serde_json::json!(state.relay.as_ref().map(|r| serde_json::json!({
            "endpoint": "/relay",
            "token": authorized.then(|| r.token()),
        }))),
    );
    json.insert(
        "source".into(),
        state.source.as_ref().map(|_| source::PREFIX).into(),
    );
    json.insert("version".into(), silk::VERSION.into());
    serde_json::Value::Object(json)
}

/// `POST {endpoint}?ms=N`: sets `arena`'s latency.
fn set_latency(arena: &silk_arena::Arena, endpoint: &str, query: Option<&str>) -> Response<Body> {
    match reply::query_param(query, "ms").and_then(|ms| ms.parse::<u64>().ok()) {
        Some(ms) if ms <= MAX_LATENCY_MS => {
            arena.set_latency_ms(ms);
            reply::json(StatusCode::OK, &serde_json::json!({ "latency_ms": ms }))
        }
        _ => reply::error(
            StatusCode::BAD_REQUEST,
            "other",
            format!("give the latency as {endpoint}?ms=N with N from 0 to {MAX_LATENCY_MS}"),
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
