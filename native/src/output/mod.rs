//! Where `silk crawl` and `silk export` write records: JSONL (the default, also on stdout),
//! CSV, or a SQLite database, chosen by the output file's extension. Every writer keeps
//! records whole: a crawl killed mid-way leaves complete lines or committed rows behind.

mod lines;
mod sqlite;

use lines::LineWriter;
use silk::{CrawlSpec, Record};
use sqlite::SqliteOutput;
use std::fs::File;
use std::io;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Sqlite,
}

impl Format {
    /// The format implied by a file name.
    pub fn for_path(path: &Path) -> Result<Format, String> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl") | Some("ndjson") | Some("json") => Ok(Format::Jsonl),
            Some("csv") => Ok(Format::Csv),
            Some("sqlite") | Some("sqlite3") | Some("db") => Ok(Format::Sqlite),
            _ => Err(format!(
                "cannot tell the output format of {}: name it .jsonl, .csv or .sqlite",
                path.display()
            )),
        }
    }
}

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
    /// A writer of `spec`'s records to `path` (.jsonl, .csv or .sqlite, by extension).
    pub fn to_path(path: &Path, spec: &CrawlSpec, source: Source) -> Result<RecordWriter, String> {
        let format = Format::for_path(path)?;
        if format == Format::Sqlite {
            return SqliteOutput::open(path, spec, &source.crawl)
                .map(|o| RecordWriter::Sqlite(Box::new(o)));
        }
        let file = File::create(path)
            .map_err(|e| format!("cannot create output file {}: {e}", path.display()))?;
        Ok(RecordWriter::Lines(LineWriter::new(
            Box::new(file),
            format == Format::Csv,
            spec,
            source.items,
        )))
    }

    /// A writer of `spec`'s records to stdout, as JSONL.
    pub fn to_stdout(spec: &CrawlSpec, items: bool) -> RecordWriter {
        RecordWriter::Lines(LineWriter::new(Box::new(io::stdout()), false, spec, items))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::for_path(Path::new("x.CSV")).unwrap(), Format::Csv);
        for name in ["x.sqlite", "x.sqlite3", "x.db"] {
            assert_eq!(Format::for_path(Path::new(name)).unwrap(), Format::Sqlite);
        }
        assert!(Format::for_path(Path::new("x.txt"))
            .unwrap_err()
            .contains(".jsonl, .csv or .sqlite"));
    }
}
