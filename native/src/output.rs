//! Record writers for `silk crawl`: JSONL (the default, also on stdout) and CSV with the
//! same columns. Lines are buffered and written whole, at most 100 ms apart, so a crawl that
//! is killed leaves only complete lines behind and a fast crawl does not pay a syscall per
//! record.

use serde_json::Value;
use silk::{CrawlSpec, Record, RECORD_COLUMNS};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

const FLUSH_EVERY: Duration = Duration::from_millis(100);
const FLUSH_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
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
            _ => Err(format!(
                "cannot tell the output format of {}: name it .jsonl or .csv",
                path.display()
            )),
        }
    }
}

/// The names of the spec's extracted fields: the CSV columns between the standard ones and
/// `error`.
fn field_names(spec: &CrawlSpec) -> Vec<String> {
    spec.fields.iter().map(|f| f.name.clone()).collect()
}

pub struct RecordWriter {
    sink: Box<dyn Write>,
    format: Format,
    /// CSV columns in order: the standard ones, the fields, then `error`.
    columns: Vec<String>,
    buffer: Vec<u8>,
    last_flush: Instant,
    header_written: bool,
}

impl RecordWriter {
    /// A writer of `spec`'s records to `path` (.jsonl or .csv, by extension).
    pub fn to_path(path: &Path, spec: &CrawlSpec) -> Result<RecordWriter, String> {
        let format = Format::for_path(path)?;
        let file = File::create(path)
            .map_err(|e| format!("cannot create output file {}: {e}", path.display()))?;
        Ok(Self::new(Box::new(file), format, field_names(spec)))
    }

    /// A writer of `spec`'s records to stdout, as JSONL.
    pub fn to_stdout(spec: &CrawlSpec) -> RecordWriter {
        Self::new(Box::new(io::stdout()), Format::Jsonl, field_names(spec))
    }

    fn new(sink: Box<dyn Write>, format: Format, fields: Vec<String>) -> RecordWriter {
        let columns = RECORD_COLUMNS
            .iter()
            .filter(|c| **c != "error")
            .map(|c| c.to_string())
            .chain(fields)
            .chain(["error".to_string()])
            .collect();
        RecordWriter {
            sink,
            format,
            columns,
            buffer: Vec::with_capacity(FLUSH_BYTES),
            last_flush: Instant::now(),
            header_written: false,
        }
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.buffer, &Value::Object(record.to_json()))?;
                self.buffer.push(b'\n');
            }
            Format::Csv => {
                if !self.header_written {
                    self.header_written = true;
                    let line = csv_join(self.columns.iter().map(String::as_str));
                    self.buffer.extend_from_slice(line.as_bytes());
                    self.buffer.extend_from_slice(b"\r\n");
                }
                let line = csv_line(record, &self.columns);
                self.buffer.extend_from_slice(line.as_bytes());
                self.buffer.extend_from_slice(b"\r\n");
            }
        }
        if self.buffer.len() >= FLUSH_BYTES || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() {
            self.sink.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        self.sink.flush()?;
        self.last_flush = Instant::now();
        Ok(())
    }
}

fn csv_line(record: &Record, columns: &[String]) -> String {
    let json = record.to_json();
    let cells: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "error" => record
                .error
                .as_ref()
                .map(|e| format!("{}: {}", e.kind, e.message))
                .unwrap_or_default(),
            _ => cell_value(json.get(c)),
        })
        .collect();
    csv_join(cells.iter().map(String::as_str))
}

fn csv_join<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    cells.map(csv_cell).collect::<Vec<_>>().join(",")
}

fn cell_value(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Quotes a CSV cell when it needs it (RFC 4180).
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::for_path(Path::new("x.CSV")).unwrap(), Format::Csv);
        assert!(Format::for_path(Path::new("x.txt"))
            .unwrap_err()
            .contains(".jsonl or .csv"));
    }
}
