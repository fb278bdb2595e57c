//! Serving an [`Arena`] over HTTP/1.1 on 127.0.0.1: the accept loop, and a handle that runs
//! it on a background thread with its own multi-thread tokio runtime.
//!
//! hyper 1 is used directly (no framework): one task per connection, keep-alive on,
//! Nagle off. The arena gets its own runtime in [`spawn`] so that a benchmark measures the
//! crawler, not a crawler and a server competing for the same executor.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::arena::Arena;
use crate::config::ArenaConfig;

/// Accepts connections on `listener` and serves `arena` on each, forever.
///
/// Needs a tokio runtime with the time driver enabled; a multi-thread runtime lets pages
/// render in parallel. Accept errors (such as running out of file descriptors) are reported
/// on stderr and retried after a short pause rather than ending the loop, so this never
/// returns `Ok`. It returns an error at once if `listener` is not on a loopback address:
/// the arena (50 MiB pages, dropped connections) is not meant to be reachable from outside.
pub async fn serve(arena: Arena, listener: TcpListener) -> io::Result<()> {
    serve_origin(arena, listener, 0).await
}

/// Like [`serve`], for origin `origin` of a multi-origin arena (see
/// [`Arena::with_origins`]): its requests count in that origin's stats.
pub async fn serve_origin(arena: Arena, listener: TcpListener, origin: usize) -> io::Result<()> {
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the arena only serves on loopback, not {local}: bind 127.0.0.1"),
        ));
    }
    let mut http = http1::Builder::new();
    http.keep_alive(true).timer(TokioTimer::new());
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                if !matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) {
                    eprintln!("silk arena: accept failed ({e}); retrying in 50 ms");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        // Small responses go out at once instead of waiting for the ACK of the previous one.
        let _ = stream.set_nodelay(true);
        let arena = arena.clone();
        let service = service_fn(move |req| {
            let arena = arena.clone();
            async move { arena.respond_on(origin, req).await }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            // Errors here are the client going away, or /faults/reset doing its job.
            let _ = connection.await;
        });
    }
}

/// Serves `arena` on `listeners`, origin `i` on `listeners[i]` (see
/// [`Arena::with_origins`]), each on a task of its own, until one of them fails (never
/// `Ok`, like [`serve`]).
pub async fn serve_origins(arena: Arena, listeners: Vec<TcpListener>) -> io::Result<()> {
    let mut servers = tokio::task::JoinSet::new();
    for (origin, listener) in listeners.into_iter().enumerate() {
        servers.spawn(serve_origin(arena.clone(), listener, origin));
    }
    match servers.join_next().await {
        Some(result) => result.unwrap_or_else(|e| Err(io::Error::other(e))),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no listener to serve the arena on",
        )),
    }
}

/// A running arena on a background thread. Dropping it stops the server.
pub struct ArenaHandle {
    /// Where it listens: always 127.0.0.1, with the actual port when `port` was 0. With
    /// several origins, origin 0 (see [`ArenaHandle::origin_urls`] for all of them).
    pub addr: SocketAddr,
    origin_addrs: Vec<SocketAddr>,
    /// The served arena: read its stats, change its latency, list its expected pages.
    pub arena: Arena,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ArenaHandle {
    /// The base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every origin's address, origin 0 (`addr`) first: one with `origins` = 1.
    pub fn origin_addrs(&self) -> &[SocketAddr] {
        &self.origin_addrs
    }

    /// Every origin's base URL (`http://127.0.0.1:PORT`, no trailing slash), origin 0 first.
    pub fn origin_urls(&self) -> Vec<String> {
        self.origin_addrs
            .iter()
            .map(|addr| format!("http://{addr}"))
            .collect()
    }

    /// Stops the server and waits for its thread to finish (open connections are dropped).
    pub fn stop(mut self) -> io::Result<()> {
        self.stop.take().map(|stop| stop.send(()));
        self.join_thread()
    }

    /// Blocks until the server ends, which is never unless it fails to start: for a CLI
    /// that only serves the arena.
    pub fn wait(mut self) -> io::Result<()> {
        self.join_thread()
    }

    fn join_thread(&mut self) -> io::Result<()> {
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the arena server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for ArenaHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArenaHandle")
            .field("addr", &self.addr)
            .field("arena", &self.arena)
            .finish_non_exhaustive()
    }
}

impl Drop for ArenaHandle {
    fn drop(&mut self) {
        // Signal only: joining could block a caller that is itself inside an async runtime.
        self.stop.take().map(|stop| stop.send(()));
    }
}

/// Worker threads of the arena's runtime: enough to never be the bottleneck of a local
/// crawl, few enough to leave the cores to the crawler being measured.
fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}

/// Binds `127.0.0.1:{port}`, or fails saying how to pick another port.
fn bind(port: u16) -> io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot listen on 127.0.0.1:{port}: {e} (pick another port, or 0 for any free one)"
            ),
        )
    })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Binds `127.0.0.1:{config.port}` (and with `config.origins` = N > 1, N-1 more free ports
/// of 127.0.0.1, one per origin) and serves a new arena for `config` on a background
/// thread running its own multi-thread tokio runtime. Returns once every port is bound, so
/// the URLs are usable immediately.
///
/// Errors: the port is taken (pick another or use 0), or the runtime/thread cannot start.
pub fn spawn(config: ArenaConfig) -> io::Result<ArenaHandle> {
    let mut listeners = vec![bind(config.port)?];
    for _ in 1..config.origin_count() {
        listeners.push(bind(0)?);
    }
    let origin_addrs = listeners
        .iter()
        .map(std::net::TcpListener::local_addr)
        .collect::<io::Result<Vec<SocketAddr>>>()?;
    let addr = origin_addrs[0];
    let urls = if origin_addrs.len() > 1 {
        origin_addrs.iter().map(|a| format!("http://{a}")).collect()
    } else {
        Vec::new()
    };
    let arena = Arena::with_origins(config, urls);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name("silk-arena-worker")
        .enable_all()
        .build()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let served = arena.clone();
    let thread = std::thread::Builder::new()
        .name("silk-arena".to_string())
        .spawn(move || {
            let mut listeners = listeners;
            runtime.block_on(async move {
                if listeners.len() == 1 {
                    // One origin: served from this thread, exactly as before origins existed.
                    let listener = TcpListener::from_std(listeners.remove(0))?;
                    return tokio::select! {
                        result = serve(served, listener) => result,
                        _ = stopped => Ok(()),
                    };
                }
                let listeners = listeners
                    .into_iter()
                    .map(TcpListener::from_std)
                    .collect::<io::Result<Vec<_>>>()?;
                tokio::select! {
                    result = serve_origins(served, listeners) => result,
                    _ = stopped => Ok(()),
                }
            })
        })?;
    Ok(ArenaHandle {
        addr,
        origin_addrs,
        arena,
        stop: Some(stop),
        thread: Some(thread),
    })
}
