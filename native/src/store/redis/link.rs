//! The worker's connection to Redis, and what it does when Redis fails mid-crawl.
//!
//! The engine's store calls cannot return errors, so a failed command is retried here:
//! the first failure is reported once on stderr, then the connection is reopened and the
//! command sent again after 0.1, 0.2, 0.4 ... 2 s (about 10 s in all). If Redis is still
//! unreachable the worker stops with a clear message (exit 1). Nothing is lost by that:
//! every record already accepted is in the records stream, and the URLs this worker held
//! go back to the queue once its lease lapses.
//!
//! One doubt remains with any retry: a script that ran but whose reply was lost is run
//! again. For `complete` the second run finds the lease gone and answers "refused", so the
//! record is in the stream but not in this worker's `--out`.

use ::redis::aio::MultiplexedConnection;
use ::redis::{AsyncConnectionConfig, Client, Cmd, FromRedisValue, RedisResult, Script};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const ATTEMPTS: u32 = 9;

/// Whether a detached command has failed yet (reported once).
static DETACHED_FAILED: AtomicBool = AtomicBool::new(false);

pub struct Link {
    client: Client,
    connection: Option<MultiplexedConnection>,
    server: String,
}

/// One command or one script call with its arguments.
pub enum Request<'a> {
    Command(&'a Cmd),
    Script(&'a Script, &'a [String]),
}

impl Link {
    /// Connects to `connection_url`; errors name `server` (HOST:PORT).
    pub async fn open(connection_url: &str, server: &str) -> Result<Link, String> {
        let client =
            Client::open(connection_url).map_err(|e| format!("bad Redis address {server}: {e}"))?;
        let mut link = Link {
            client,
            connection: None,
            server: server.to_string(),
        };
        link.connect()
            .await
            .map_err(|e| format!("cannot reach Redis at {server}: {e}"))?;
        Ok(link)
    }

    pub fn client(&self) -> Client {
        self.client.clone()
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
        let connection = self.connect().await?;
        let result = match request {
            Request::Command(cmd) => cmd.query_async(connection).await,
            Request::Script(script, args) => {
                let mut invocation = script.prepare_invoke();
                // Every script's first argument is the crawl's key prefix; naming one key
                // of the crawl routes the call to the right node of a Cluster (all of a
                // crawl's keys share one slot through the prefix's hash tag).
                if let Some(prefix) = args.first() {
                    invocation.key(format!("{prefix}queue"));
                }
                for arg in args.iter() {
                    invocation.arg(arg);
                }
                invocation.invoke_async(connection).await
            }
        };
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    /// Sends `request`, retrying as the module doc says; stops the process if Redis stays
    /// unreachable.
    pub async fn send<T: FromRedisValue>(&mut self, request: Request<'_>) -> T {
        let mut wait = Duration::from_millis(100);
        let mut last_error = None;
        for attempt in 0..ATTEMPTS {
            match self.try_send(&request).await {
                Ok(value) => {
                    if attempt > 0 {
                        eprintln!("silk: Redis at {} answers again", self.server);
                    }
                    return value;
                }
                Err(e) => {
                    if attempt == 0 {
                        eprintln!("silk: Redis at {} failed ({e}); retrying", self.server);
                    }
                    self.connection = None;
                    last_error = Some(e);
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
        }
        eprintln!(
            "error: Redis at {} still fails after {ATTEMPTS} attempts ({}): this worker stops; \
             its records so far are in the crawl's stream and the URLs it held return to the \
             queue when its lease lapses",
            self.server,
            last_error.map(|e| e.to_string()).unwrap_or_default()
        );
        std::process::exit(crate::exit::FAILURE)
    }

    pub async fn command<T: FromRedisValue>(&mut self, cmd: &Cmd) -> T {
        self.send(Request::Command(cmd)).await
    }

    pub async fn script<T: FromRedisValue>(&mut self, script: &Script, args: &[String]) -> T {
        self.send(Request::Script(script, args)).await
    }

    /// Sends `cmd` without waiting for its reply, when nothing depends on the reply (a
    /// permit release only lets other requests start sooner): the engine is spared a round
    /// trip per page. A failure is reported once; what it would have removed then lapses
    /// on its own.
    pub async fn command_detached(&mut self, cmd: Cmd) {
        let Some(mut connection) = self.connection.clone() else {
            return self.command::<()>(&cmd).await;
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
            .map_err(|e| format!("Redis at {}: {e}", self.server))
    }
}
