//! A worker's liveness: `alive:{worker}` with a time-to-live of one lease, renewed every
//! third of a lease by an OS thread with its own connection. A thread, not a task: the
//! engine runs on a current-thread runtime that may be busy (parsing a big page) for longer
//! than a heartbeat period, and a worker must not lose its leases for being busy.
//!
//! A worker paused for longer than a lease (SIGSTOP, a frozen VM, a laptop lid) finds its
//! key gone when it wakes: the others presumed it dead and took its URLs and permits. The
//! heartbeat then says so and announces the worker again; until it has, the store's scripts
//! give the worker no new lease and no permit, and the records of the pages it lost are
//! refused when it completes them.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Heartbeat {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Starts renewing `alive_key` (which the caller has just set) every `lease / 3`.
    pub fn start(client: ::redis::Client, alive_key: String, lease: Duration) -> Heartbeat {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("silk-heartbeat".into())
            .spawn(move || {
                let period = lease / 3;
                let mut connection = None;
                let mut warned = false;
                loop {
                    match stopped.recv_timeout(period) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    match renew(&client, &mut connection, &alive_key, lease) {
                        Ok(Renewed::Alive) => warned = false,
                        Ok(Renewed::Rejoined) => {
                            warned = false;
                            eprintln!(
                                "silk: this worker was paused for longer than its lease \
                                 ({lease:?}): the other workers took over its pages; it \
                                 goes on with new ones (a longer --lease tolerates longer pauses)"
                            );
                        }
                        Err(e) => {
                            connection = None;
                            if !warned {
                                eprintln!("silk: heartbeat to Redis failed ({e}); retrying");
                                warned = true;
                            }
                        }
                    }
                }
            })
            .expect("spawn the heartbeat thread");
        Heartbeat {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops renewing (the alive key then lapses within a lease unless deleted).
    pub fn stop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a renewal found.
enum Renewed {
    /// The key was still there: nobody has presumed this worker dead.
    Alive,
    /// The key had lapsed and has been set again.
    Rejoined,
}

/// Extends `alive_key` by a lease if it still exists (`XX`: never bring a presumed-dead
/// worker back silently), else sets it again and says so.
fn renew(
    client: &::redis::Client,
    connection: &mut Option<::redis::Connection>,
    alive_key: &str,
    lease: Duration,
) -> ::redis::RedisResult<Renewed> {
    if connection.is_none() {
        let fresh = client.get_connection_with_timeout(Duration::from_secs(2))?;
        fresh.set_read_timeout(Some(Duration::from_secs(2)))?;
        fresh.set_write_timeout(Some(Duration::from_secs(2)))?;
        *connection = Some(fresh);
    }
    let con = connection.as_mut().expect("just connected");
    let set = |only_if_there: bool| {
        let mut cmd = ::redis::cmd("SET");
        cmd.arg(alive_key)
            .arg(1)
            .arg("PX")
            .arg(lease.as_millis() as u64);
        if only_if_there {
            cmd.arg("XX");
        }
        cmd
    };
    let extended: Option<String> = set(true).query(con)?;
    if extended.is_some() {
        return Ok(Renewed::Alive);
    }
    set(false).query::<()>(con)?;
    Ok(Renewed::Rejoined)
}
