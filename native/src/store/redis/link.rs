//! The worker's connection to Redis, and what it does when Redis fails mid-crawl.
//!
//! The engine's store calls cannot return errors, so a failed command is retried here:
//! the first failure is reported once on stderr, then the connection is reopened and the
//! command sent again after 0.1, 0.2, 0.4 ... 2 s, for up to [`OUTAGE`] in all: a Redis
//! restart, a failover or a network blip pauses the worker, it does not end it. If Redis is
//! still unreachable after that, the link gives up for good: every later call fails at
//! once, and the store reports the reason through `Frontier::failure`, so the engine stops
//! the crawl as cancelled and `silk crawl` exits 1 naming the store error. Nothing is lost
//! by that: every record already accepted is in the records stream, and the URLs this
//! worker held go back to the queue once its lease lapses.
//!
//! # Replays
//!
//! A command whose reply is lost (the connection dropped after Redis ran it, a response
//! timeout, a restart after the AOF was written) is sent again, so every script must be
//! safe to run twice. Each script call carries a call id: the worker (its reply key
//! `reply:{worker}`, declared as the script's second key) and a sequence number that is
//! the same for every retry of one call. The script wrapper ([`idempotent`]) keeps the
//! last call's result under the reply key, in the same atomic step as the call's effects,
//! and a replay of that call returns the stored result without running the script again:
//! a retried `pop` gets the same URL, a retried `host_permit` the same permit, a retried
//! `complete` its "accepted". A worker's calls are sequential (the engine awaits each),
//! so one slot per worker is enough. Plain commands (`HSET`, `DEL`, `ZREM`, `GET`) are
//! idempotent by themselves.

use ::redis::aio::MultiplexedConnection;
use ::redis::{
    AsyncConnectionConfig, Client, Cmd, ErrorKind, FromRedisValue, RedisError, RedisResult,
    RetryMethod, Script,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a worker keeps retrying an unreachable Redis before it gives up.
pub const OUTAGE: Duration = Duration::from_secs(30);
/// How long a worker's last script result is kept for a replay (any retry comes within
/// [`OUTAGE`]; the margin covers a Redis restart that reloads it from the AOF).
const REPLY_TTL_MS: u64 = 600_000;

/// Whether a detached command has failed yet (reported once).
static DETACHED_FAILED: AtomicBool = AtomicBool::new(false);

/// Wraps a script `body` so that a replayed call returns the first run's result.
/// `KEYS[2]` is the caller's reply key, the last `ARGV` the call's sequence number (the
/// body must not read it: scripts that walk `ARGV` stop at `#ARGV - 1`). The result is
/// stored as `seq` + space + its JSON (`cjson`: tables of strings and integers, or an
/// integer, which is all silk's scripts return).
pub fn idempotent(body: &str) -> Script {
    Script::new(&format!(
        "local silk_call = ARGV[#ARGV]\n\
         local silk_last = redis.call('GET', KEYS[2])\n\
         if silk_last then\n\
           local silk_sep = string.find(silk_last, ' ', 1, true)\n\
           if silk_sep and string.sub(silk_last, 1, silk_sep - 1) == silk_call then\n\
             return cjson.decode(string.sub(silk_last, silk_sep + 1))\n\
           end\n\
         end\n\
         local silk_result = (function()\n{body}\nend)()\n\
         redis.call('SET', KEYS[2], silk_call .. ' ' .. cjson.encode(silk_result), 'PX', {REPLY_TTL_MS})\n\
         return silk_result\n"
    ))
}

pub struct Link {
    client: Client,
    connection: Option<MultiplexedConnection>,
    server: String,
    /// The worker whose script calls these are (`None`: export and status, no scripts).
    caller: Option<String>,
    /// The current call's sequence number: the same for all retries of one call.
    seq: u64,
    /// Why the link gave up (Redis unreachable for [`OUTAGE`], or a permanent error).
    failed: Option<String>,
}

/// One command or one script call with its arguments.
pub enum Request<'a> {
    Command(&'a Cmd),
    Script(&'a Script, &'a [String]),
}

/// Whether retrying `e` can help: connection trouble and a server that is loading or
/// failing over, not a wrong command, a script error or a refused password.
fn transient(e: &RedisError) -> bool {
    if login_problem(e).is_some() {
        return false;
    }
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || !matches!(e.retry_method(), RetryMethod::NoRetry)
}

/// What to do about a refused login, if `e` is one. (Redis never repeats the password in
/// an error, and neither does silk: addresses are shown as HOST:PORT.)
fn login_problem(e: &RedisError) -> Option<&'static str> {
    if e.kind() == ErrorKind::AuthenticationFailed || e.code() == Some("WRONGPASS") {
        return Some("check USER:PASSWORD in the address");
    }
    if e.code() == Some("NOAUTH") {
        return Some(
            "it wants a password: redis://:PASSWORD@HOST:PORT/NAME, or \
             redis://USER:PASSWORD@HOST:PORT/NAME with ACL users",
        );
    }
    None
}

/// `e` as said about the server at `server`.
fn describe(server: &str, e: &RedisError) -> String {
    match login_problem(e) {
        Some(hint) => format!("Redis at {server} refused the login ({e}): {hint}"),
        None => format!("Redis at {server} failed: {e}"),
    }
}

impl Link {
    /// Connects to `connection_url`; errors name `server` (HOST:PORT, never a password).
    pub async fn open(connection_url: &str, server: &str) -> Result<Link, String> {
        let client = Client::open(connection_url)
            .map_err(|e| format!("bad Redis address {server}: {:?}", e.kind()))?;
        let mut link = Link {
            client,
            connection: None,
            server: server.to_string(),
            caller: None,
            seq: 0,
            failed: None,
        };
        link.connect().await.map_err(|e| match login_problem(&e) {
            Some(_) => describe(server, &e),
            None if connection_url.starts_with("rediss://") => {
                format!("cannot reach Redis at {server} over TLS: {e}")
            }
            None => format!("cannot reach Redis at {server}: {e}"),
        })?;
        Ok(link)
    }

    /// Script calls from now on are `worker`'s, and replay-safe (see the module doc).
    pub fn identify(&mut self, worker: &str) {
        self.caller = Some(worker.to_string());
    }

    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Why the link gave up, once it has.
    pub fn failure(&self) -> Option<String> {
        self.failed.clone()
    }

    async fn connect(&mut self) -> RedisResult<&mut MultiplexedConnection> {
        if self.connection.is_none() {
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(3)))
                .set_response_timeout(Some(Duration::from_secs(5)));
            let fresh = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            self.connection = Some(fresh);
        }
        Ok(self.connection.as_mut().expect("just connected"))
    }

    /// Sends `request` once.
    pub async fn try_send<T: FromRedisValue>(&mut self, request: &Request<'_>) -> RedisResult<T> {
        let (caller, seq) = (self.caller.clone(), self.seq);
        let connection = self.connect().await?;
        let result = match request {
            Request::Command(cmd) => cmd.query_async(connection).await,
            Request::Script(script, args) => {
                let mut invocation = script.prepare_invoke();
                // Every script's first argument is the crawl's key prefix; naming one key
                // of the crawl routes the call to the right node of a Cluster (all of a
                // crawl's keys share one slot through the prefix's hash tag).
                let prefix = args.first().map(String::as_str).unwrap_or_default();
                invocation.key(format!("{prefix}queue"));
                let caller = caller.as_deref().unwrap_or("anonymous");
                invocation.key(format!("{prefix}reply:{caller}"));
                for arg in args.iter() {
                    invocation.arg(arg);
                }
                invocation.arg(seq);
                invocation.invoke_async(connection).await
            }
        };
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    /// Sends `request`, retrying as the module doc says. `Err` once the link has given up
    /// (and from then on at once, without trying).
    pub async fn send<T: FromRedisValue>(&mut self, request: Request<'_>) -> Result<T, String> {
        if let Some(why) = &self.failed {
            return Err(why.clone());
        }
        self.seq += 1;
        let started = Instant::now();
        let mut wait = Duration::from_millis(100);
        let mut attempt = 0u32;
        loop {
            match self.try_send(&request).await {
                Ok(value) => {
                    if attempt > 0 {
                        eprintln!("silk: Redis at {} answers again", self.server);
                    }
                    return Ok(value);
                }
                Err(e) => {
                    self.connection = None;
                    if !transient(&e) {
                        return Err(self.give_up(describe(&self.server, &e)));
                    }
                    if started.elapsed() >= OUTAGE {
                        return Err(self.give_up(format!(
                            "Redis at {} unreachable for {}s ({e}): this worker stops; its \
                             records so far are in the crawl's stream and the URLs it held \
                             return to the queue when its lease lapses",
                            self.server,
                            OUTAGE.as_secs()
                        )));
                    }
                    if attempt == 0 {
                        eprintln!(
                            "silk: Redis at {} failed ({e}); retrying for up to {}s",
                            self.server,
                            OUTAGE.as_secs()
                        );
                    }
                }
            }
            attempt += 1;
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
        }
    }

    fn give_up(&mut self, why: String) -> String {
        eprintln!("error: {why}");
        self.failed = Some(why.clone());
        why
    }

    pub async fn command<T: FromRedisValue>(&mut self, cmd: &Cmd) -> Result<T, String> {
        self.send(Request::Command(cmd)).await
    }

    pub async fn script<T: FromRedisValue>(
        &mut self,
        script: &Script,
        args: &[String],
    ) -> Result<T, String> {
        self.send(Request::Script(script, args)).await
    }

    /// Sends `cmd` without waiting for its reply, when nothing depends on the reply (a
    /// permit release only lets other requests start sooner): the engine is spared a round
    /// trip per page. A failure is reported once; what it would have removed then lapses
    /// on its own.
    pub async fn command_detached(&mut self, cmd: Cmd) {
        if self.failed.is_some() {
            return;
        }
        let Some(mut connection) = self.connection.clone() else {
            let _ = self.command::<()>(&cmd).await;
            return;
        };
        let server = self.server.clone();
        tokio::spawn(async move {
            if let Err(e) = cmd.query_async::<()>(&mut connection).await {
                if !DETACHED_FAILED.swap(true, Ordering::Relaxed) {
                    eprintln!("silk: Redis at {server} failed ({e}); a permit lapses on its own");
                }
            }
        });
    }

    /// Sends `cmd` once; the error names the server (for export and status).
    pub async fn query<T: FromRedisValue>(&mut self, cmd: &Cmd) -> Result<T, String> {
        self.try_send(&Request::Command(cmd))
            .await
            .map_err(|e| describe(&self.server, &e))
    }
}
