//! The two processes a benchmark run needs: the arena, started once per regime and killed
//! when dropped, and the crawler, whose resource usage is read from the kernel when it is
//! reaped (`wait4` gives that child's own user and system time and peak RSS, nothing of the
//! benchmark process or the arena).

use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `silk arena` child process.
pub struct ArenaProcess {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl ArenaProcess {
    /// Starts `exe arena ...` and waits for its `arena listening on http://...` line.
    pub fn start(exe: &Path, pages: usize, latency_ms: u64, body_kb: usize) -> io::Result<Self> {
        let mut child = Command::new(exe)
            .args(["arena", "--port", "0", "--no-faults"])
            .args(["--pages", &pages.to_string()])
            .args(["--latency-ms", &latency_ms.to_string()])
            .args(["--body-kb", &body_kb.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first)?;
        let addr = first
            .trim()
            .strip_prefix("arena listening on http://")
            .map(str::to_string);
        match addr {
            Some(addr) => Ok(ArenaProcess { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other(format!(
                    "the arena did not start (its first line was {:?})",
                    first.trim()
                )))
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ArenaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one crawler process cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub wall: Duration,
    /// User plus system CPU time; `None` where the platform does not report it.
    pub cpu: Option<Duration>,
    /// Peak resident set size in bytes.
    pub max_rss: Option<u64>,
    pub exit_code: Option<i32>,
}

/// Runs `exe args...` to completion and measures it.
pub fn run_measured(exe: &Path, args: &[String]) -> io::Result<Usage> {
    let start = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    reap(child, start)
}

#[cfg(unix)]
fn reap(child: Child, start: Instant) -> io::Result<Usage> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child, not yet reaped (std's `Child` is never waited on);
        // `status` and `usage` are valid for writes.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let wall = start.elapsed();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    // Linux reports kilobytes, macOS bytes.
    let rss_unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
    let exit_code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    drop(child);
    Ok(Usage {
        wall,
        cpu: Some(cpu),
        max_rss: Some(usage.ru_maxrss as u64 * rss_unit),
        exit_code,
    })
}

#[cfg(not(unix))]
fn reap(mut child: Child, start: Instant) -> io::Result<Usage> {
    let status = child.wait()?;
    Ok(Usage {
        wall: start.elapsed(),
        cpu: None,
        max_rss: None,
        exit_code: status.code(),
    })
}

/// CPU time a process has used so far (Linux: `/proc/PID/stat`), to see whether the arena
/// was busy while the crawler ran.
pub fn process_cpu(pid: u32) -> Option<Duration> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)` part, which may contain spaces: utime and stime are the
    // 14th and 15th fields of the whole line.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    #[cfg(unix)]
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    #[cfg(not(unix))]
    let hz = 100;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}
