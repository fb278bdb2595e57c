//! A real `redis-server` child process on a free port of 127.0.0.1, for the tests of the
//! shared frontier (`silk crawl --frontier redis://...`). No persistence unless started
//! with [`RedisServer::start_with`] and AOF flags; killed on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    child: Child,
    /// The flags after `--port`/`--bind`, to start it again the same way.
    args: Vec<String>,
    /// The password for the tests' own commands, if the server wants one.
    password: Option<String>,
}

impl RedisServer {
    /// Starts `redis-server` and waits until it answers PING. Panics (never skips) if the
    /// binary is missing.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&["--save", "", "--appendonly", "no"])
    }

    /// Starts `redis-server` with these flags (e.g. `--appendonly yes --dir DIR`); a
    /// `--requirepass P` among them is used by [`RedisServer::command`].
    pub fn start_with(args: &[&str]) -> RedisServer {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let password = args
            .iter()
            .position(|a| a == "--requirepass")
            .and_then(|i| args.get(i + 1).cloned());
        let port = free_port();
        let child = spawn(port, &args);
        let server = RedisServer {
            port,
            child,
            args,
            password,
        };
        server.wait_for_ping();
        server
    }

    /// Kills the server (SIGKILL: whatever it had not written is gone) and starts it again
    /// on the same port with the same flags after `down`; returns once it answers PING
    /// (with persistence on, after it has loaded its data).
    pub fn restart(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down);
        self.child = spawn(self.port, &self.args);
        self.wait_for_ping();
    }

    /// Stops the server for good (until the test ends).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `redis://127.0.0.1:PORT/NAME`: crawl NAME on this server.
    pub fn crawl_url(&self, name: &str) -> String {
        format!("redis://127.0.0.1:{}/{name}", self.port)
    }

    /// Sends one command (inline protocol) and returns the raw reply.
    pub fn command(&self, line: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if let Some(password) = &self.password {
            write!(s, "AUTH {password}\r\n").expect("send to redis");
            let mut ok = [0u8; 5];
            s.read_exact(&mut ok).expect("AUTH reply");
        }
        write!(s, "{line}\r\n").expect("send to redis");
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).to_string()
    }

    fn wait_for_ping(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self.command("PING").starts_with("+PONG")
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} never answered PING", self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(port: u16, args: &[String]) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "redis-server not found: run bash .ci/setup or apt-get install redis-server ({e})"
            )
        })
}

/// A port nobody listens on right now (bound, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}
