//! A TCP proxy between silk and a real `redis-server` that loses replies: every `nth`
//! script call (`EVALSHA`) is forwarded to Redis, Redis runs it, and then the proxy closes
//! both connections instead of passing the reply on. The client sees a dropped connection
//! after its command took effect, the case a retry must not turn into a second effect.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct LossyProxy {
    pub port: u16,
    /// Replies dropped so far.
    pub dropped: Arc<AtomicUsize>,
}

impl LossyProxy {
    /// Proxies 127.0.0.1:`redis_port`; drops the reply of every `nth` script call.
    pub fn start(redis_port: u16, nth: usize) -> LossyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let dropped = Arc::new(AtomicUsize::new(0));
        let scripts = Arc::new(AtomicUsize::new(0));
        let counter = dropped.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", redis_port)) else {
                    continue;
                };
                pipe(client, server, nth, scripts.clone(), counter.clone());
            }
        });
        LossyProxy { port, dropped }
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Two threads per connection: requests up (counting script calls), replies down (cut
/// when a marked call's reply arrives).
fn pipe(
    client: TcpStream,
    server: TcpStream,
    nth: usize,
    scripts: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
) {
    let cut = Arc::new(AtomicBool::new(false));
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let marked = cut.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let calls = count(&buf[..n], b"EVALSHA");
            for _ in 0..calls {
                if (scripts.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(nth) {
                    marked.store(true, Ordering::Relaxed);
                }
            }
            if s_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Both);
    });
    let (mut s_read, mut c_write) = (server, client);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match s_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if cut.load(Ordering::Relaxed) {
                // Redis has answered (so it ran the call): lose the answer.
                dropped.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
                break;
            }
            if c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Both);
        let _ = s_read.shutdown(Shutdown::Both);
    });
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| w.eq_ignore_ascii_case(needle))
        .count()
}
