//! JSONL (the default, also on stdout) and CSV with the same columns. Lines are buffered
//! and written whole, at most 100 ms apart, so a crawl that is killed leaves only complete
//! lines behind and a fast crawl does not pay a syscall per record.

use serde_json::Value;
use silk::events::ITEMS_COLUMN;
use silk::{CrawlSpec, Record, RECORD_COLUMNS};
use std::io::{self, Write};
use std::time::{Duration, Instant};

const FLUSH_EVERY: Duration = Duration::from_millis(100);
const FLUSH_BYTES: usize = 64 * 1024;

/// The names of the spec's extracted fields: the CSV columns between the standard ones and
/// `error`.
fn field_names(spec: &CrawlSpec) -> Vec<String> {
    spec.fields.iter().map(|f| f.name.clone()).collect()
}

/// JSONL or CSV lines into a file or stdout.
pub struct LineWriter {
    sink: Box<dyn Write>,
    csv: bool,
    /// CSV columns in order: the standard ones, the fields, `error`, then `items` (JSON
    /// text) if the crawl runs a page handler.
    columns: Vec<String>,
    buffer: Vec<u8>,
    last_flush: Instant,
    header_written: bool,
}

impl LineWriter {
    /// Writes `spec`'s records into `sink` as CSV if `csv`, else JSONL; `items`: the crawl
    /// runs a page handler, so CSV gets an `items` column.
    pub fn new(sink: Box<dyn Write>, csv: bool, spec: &CrawlSpec, items: bool) -> LineWriter {
        let columns = RECORD_COLUMNS
            .iter()
            .filter(|c| **c != "error")
            .map(|c| c.to_string())
            .chain(field_names(spec))
            .chain(["error".to_string()])
            .chain(items.then(|| ITEMS_COLUMN.to_string()))
            .collect();
        LineWriter {
            sink,
            csv,
            columns,
            buffer: Vec::with_capacity(FLUSH_BYTES),
            last_flush: Instant::now(),
            header_written: false,
        }
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        if !self.csv {
            serde_json::to_writer(&mut self.buffer, &Value::Object(record.to_json()))?;
            self.buffer.push(b'\n');
        } else {
            {
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

    fn record(items: Vec<Value>) -> Record {
        Record {
            url: "http://h/".into(),
            final_url: None,
            status: Some(200),
            depth: 0,
            referer: None,
            bytes: 3,
            elapsed_ms: 1.0,
            fields: vec![("title".into(), Value::from("T"))],
            error: None,
            items,
            cut: None,
            started_ms: 0.0,
            slot: 0,
        }
    }

    fn csv_of(items_column: bool, record: &Record) -> String {
        let spec = CrawlSpec {
            fields: vec![silk::FieldSpec::parse_cli("title=title").unwrap()],
            ..Default::default()
        };
        let out = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.borrow_mut().write(b)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = LineWriter::new(Box::new(Shared(out.clone())), true, &spec, items_column);
        w.write(record).unwrap();
        w.flush().unwrap();
        let text = String::from_utf8(out.borrow().clone()).unwrap();
        text
    }

    #[test]
    fn csv_has_an_items_column_only_when_the_crawl_runs_a_handler() {
        let items = vec![serde_json::json!({"h1": "A, \"b\""}), serde_json::json!(2)];
        let plain = csv_of(false, &record(Vec::new()));
        assert_eq!(
            plain,
            "url,final_url,status,depth,referer,bytes,elapsed_ms,title,error\r\nhttp://h/,,200,0,,3,1.0,T,\r\n"
        );
        let with = csv_of(true, &record(items.clone()));
        let mut lines = with.lines();
        assert_eq!(
            lines.next().unwrap(),
            "url,final_url,status,depth,referer,bytes,elapsed_ms,title,error,items"
        );
        let row = lines.next().unwrap();
        let cell = row
            .split_once(",,\"")
            .expect("an empty error, then the quoted items")
            .1;
        let json = cell.strip_suffix('"').unwrap().replace("\"\"", "\"");
        assert_eq!(
            serde_json::from_str::<Value>(&json).unwrap(),
            Value::Array(items)
        );
        // A page without items has an empty cell.
        assert!(csv_of(true, &record(Vec::new())).ends_with("T,,\r\n"));
    }
}
