//! Where JSONL and CSV lines go, and how a failed write is undone. Lines are written in
//! whole buffers; a write can still fail half-way (disk full, file size limit, quota),
//! leaving part of a line behind. For a regular file (also stdout redirected to one) the
//! sink then cuts the file back to where the last whole buffer ended, so readers never see
//! a broken last line. A pipe or terminal cannot take bytes back: there, what was written
//! stays (a reader that is gone, the usual failure, sees nothing anyway).

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::Path;

pub enum Sink {
    /// A regular file: `good` is the length up to the last whole line written.
    File { file: File, good: u64 },
    /// A pipe, terminal or device.
    Stream(Box<dyn Write>),
}

impl Sink {
    /// A new (truncated) file at `path`.
    pub fn create(path: &Path) -> io::Result<Sink> {
        Ok(Sink::from_file(File::create(path)?, 0))
    }

    /// `path` opened for appending (created if missing); also whether it already has bytes.
    pub fn append(path: &Path) -> io::Result<(Sink, bool)> {
        let file = OpenOptions::new().append(true).create(true).open(path)?;
        let len = file.metadata()?.len();
        Ok((Sink::from_file(file, len), len > 0))
    }

    /// Standard output: a regular file if it is redirected to one (a duplicate of its
    /// descriptor, so failed writes can be cut back), else a stream.
    pub fn stdout() -> Sink {
        let stdout = io::stdout();
        // SAFETY: dup of our own stdout descriptor; the new descriptor is owned by the File.
        let fd = unsafe { libc::dup(stdout.as_raw_fd()) };
        if fd >= 0 {
            // SAFETY: `fd` was just returned by dup and is not owned by anything else.
            let mut file = unsafe { File::from_raw_fd(fd) };
            if file.metadata().is_ok_and(|m| m.is_file()) {
                // With O_APPEND every write lands at the end, wherever the offset is.
                // SAFETY: fcntl F_GETFL on a descriptor we own.
                let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
                let at = if flags >= 0 && flags & libc::O_APPEND != 0 {
                    file.metadata().map(|m| m.len())
                } else {
                    file.stream_position()
                };
                if let Ok(at) = at {
                    return Sink::File { file, good: at };
                }
            }
        }
        Sink::Stream(Box::new(stdout))
    }

    fn from_file(file: File, at: u64) -> Sink {
        if file.metadata().is_ok_and(|m| m.is_file()) {
            Sink::File { file, good: at }
        } else {
            // /dev/null, a FIFO: nothing to cut.
            Sink::Stream(Box::new(file))
        }
    }

    /// Writes all of `bytes` (whole lines), or, on failure (a full disk, a file size limit),
    /// keeps only whole lines: a regular file is cut after the last line end that landed,
    /// so what fitted of this batch stays and no half line does.
    pub fn write_whole(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stream(w) => w.write_all(bytes),
            Sink::File { file, good } => {
                let mut done = 0;
                let failed = loop {
                    if done == bytes.len() {
                        break None;
                    }
                    match file.write(&bytes[done..]) {
                        Ok(0) => break Some(io::Error::from(io::ErrorKind::WriteZero)),
                        Ok(n) => done += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Some(e),
                    }
                };
                match failed {
                    None => {
                        *good += bytes.len() as u64;
                        Ok(())
                    }
                    Some(e) => {
                        // Keep the whole lines that landed, cut the one that did not.
                        let whole = bytes[..done]
                            .iter()
                            .rposition(|&b| b == b'\n')
                            .map_or(0, |i| i + 1);
                        *good += whole as u64;
                        // Best effort: if even this fails, the error below is still reported.
                        if file.set_len(*good).is_ok() {
                            let _ = file.seek(SeekFrom::Start(*good));
                        }
                        Err(e)
                    }
                }
            }
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stream(w) => w.flush(),
            Sink::File { .. } => Ok(()),
        }
    }

    /// Makes what was written durable (fsync), for exports that delete what they wrote.
    pub fn sync(&mut self) -> io::Result<()> {
        match self {
            Sink::Stream(w) => w.flush(),
            Sink::File { file, .. } => file.sync_data(),
        }
    }
}
