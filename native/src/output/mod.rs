//! Where `silk crawl` and `silk export` write records: JSONL (the default, also on stdout),
//! CSV, or a SQLite database, chosen by `-o`'s extension, `-o FILE:FORMAT` or `--format`
//! ([`Target`]). Every writer keeps records whole: a crawl killed mid-way, or a disk that
//! fills up, leaves complete lines or committed rows behind.

mod lines;
mod sink;
mod sqlite;
mod target;

use lines::LineWriter;
use silk::{CrawlSpec, Record};
use sink::Sink;
use sqlite::SqliteOutput;
use std::io;
use std::path::Path;
pub use target::{Dest, Format, Target};

/// Which crawl the records belong to, for a SQLite output that keeps many crawls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrawlId {
    /// A crawl run by this process: a new crawl in the file.
    New,
    /// The whole of a stored crawl (a `--state` file, by its crawl id): replaces what the
    /// file holds of it, so exporting after every resume never duplicates.
    Snapshot(String),
    /// More records of a shared crawl (`--frontier`, `silk export redis://...`, which
    /// drains): appended to what the file holds of it.
    Stream(String),
}

/// What the records being written come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The crawl runs a page handler, so records may carry items: CSV gets an `items`
    /// column (a declarative crawl's CSV stays as it was).
    pub items: bool,
    pub crawl: CrawlId,
}

/// Records into a file or stdout, in the format its name says.
pub enum RecordWriter {
    Lines(LineWriter),
    Sqlite(Box<SqliteOutput>),
}

impl RecordWriter {
    /// A writer of `spec`'s records to `target`.
    pub fn open(target: &Target, spec: &CrawlSpec, source: Source) -> Result<RecordWriter, String> {
        let csv = target.format == Format::Csv;
        let sink = match (&target.dest, target.format) {
            (Dest::File(path), Format::Sqlite) => {
                return SqliteOutput::open(path, spec, &source.crawl)
                    .map(|o| RecordWriter::Sqlite(Box::new(o)))
            }
            (Dest::Stdout, Format::Sqlite) => {
                return Err("SQLite cannot be written to stdout: give -o a file name".into())
            }
            (Dest::File(path), _) => Sink::create(path)
                .map_err(|e| format!("cannot create output file {}: {e}", path.display()))?,
            (Dest::Stdout, _) => Sink::stdout(),
        };
        Ok(RecordWriter::Lines(LineWriter::new(
            sink,
            csv,
            spec,
            source.items,
        )))
    }

    /// A writer that adds to `path` instead of replacing it (a CSV that has lines gets no
    /// second header; a SQLite file adds to its crawl as usual), for exports that drain
    /// their source: [`RecordWriter::sync`] makes what was written durable.
    pub fn append_to_path(
        path: &Path,
        spec: &CrawlSpec,
        source: Source,
    ) -> Result<RecordWriter, String> {
        let target = Target::parse(Some(path), None)?;
        if let Some(note) = &target.note {
            eprintln!("{note}");
        }
        let (sink, has_lines) = match (&target.dest, target.format) {
            (_, Format::Sqlite) => return RecordWriter::open(&target, spec, source),
            (Dest::Stdout, _) => (Sink::stdout(), false),
            (Dest::File(path), _) => Sink::append(path)
                .map_err(|e| format!("cannot open output file {}: {e}", path.display()))?,
        };
        let mut writer = LineWriter::new(sink, target.format == Format::Csv, spec, source.items);
        writer.continue_file(has_lines);
        Ok(RecordWriter::Lines(writer))
    }

    /// Writes out everything written so far and makes it durable (fsync, WAL checkpoint).
    pub fn sync(&mut self) -> io::Result<()> {
        match self {
            RecordWriter::Lines(w) => w.sync(),
            RecordWriter::Sqlite(w) => w.sync().map_err(io::Error::other),
        }
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        match self {
            RecordWriter::Lines(w) => w.write(record),
            RecordWriter::Sqlite(w) => w.write(record).map_err(io::Error::other),
        }
    }

    /// Writes out (commits) everything written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            RecordWriter::Lines(w) => w.flush(),
            RecordWriter::Sqlite(w) => w.flush().map_err(io::Error::other),
        }
    }
}
