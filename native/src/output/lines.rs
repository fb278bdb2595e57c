//! JSONL (the default, also on stdout) and CSV with the same columns. Lines are buffered
//! and written whole, at most 100 ms apart, so a crawl that is killed leaves only complete
//! lines behind and a fast crawl does not pay a syscall per record. A write that fails
//! half-way (disk full) is cut back to the last whole line ([`Sink`]), and the writer
//! then refuses everything after it, so nothing is written twice or out of order.
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return: page text is hostile) get a leading `'`, as OWASP advises for
//! CSV injection; numbers are written as they are. JSONL keeps every value verbatim.

use super::sink::Sink;
use serde_json::Value;
use silk::events::{ITEMS_COLUMN, PROTOCOL_COLUMN};
use silk::{CrawlSpec, Record, RECORD_COLUMNS};
use std::io;
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
    sink: Sink,
    csv: bool,
    /// CSV columns in order: the standard ones, `protocol`, the fields, `error`, then
    /// `items` (JSON text) if the crawl runs a page handler.
    columns: Vec<String>,
    buffer: Vec<u8>,
    last_flush: Instant,
    header_written: bool,
    /// A write failed: every later one fails the same way, writing nothing.
    failed: Option<(io::ErrorKind, String)>,
}

impl LineWriter {
    /// Writes `spec`'s records into `sink` as CSV if `csv`, else JSONL; `items`: the crawl
    /// runs a page handler, so CSV gets an `items` column.
    pub fn new(sink: Sink, csv: bool, spec: &CrawlSpec, items: bool) -> LineWriter {
        let columns = RECORD_COLUMNS
            .iter()
            .filter(|c| **c != "error")
            .map(|c| c.to_string())
            .chain([PROTOCOL_COLUMN.to_string()])
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
            failed: None,
        }
    }

    /// For an appending export into a file that already `has_lines`: a CSV gets no second
    /// header.
    pub fn continue_file(&mut self, has_lines: bool) {
        self.header_written |= has_lines;
    }

    /// Flushes, then makes the lines durable (fsync of a file).
    pub fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        let result = self.sink.sync();
        self.check(result)
    }

    /// The error of an earlier failed write, if any.
    fn failure(&self) -> io::Result<()> {
        match &self.failed {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    /// Remembers a failure, so that nothing is written after it.
    fn check(&mut self, result: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &result {
            self.failed.get_or_insert((e.kind(), e.to_string()));
            self.buffer = Vec::new();
        }
        result
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        self.failure()?;
        if !self.csv {
            serde_json::to_writer(&mut self.buffer, &Value::Object(record.to_json()))?;
            self.buffer.push(b'\n');
        } else {
            {
                if !self.header_written {
                    self.header_written = true;
                    let header: Vec<String> =
                        self.columns.iter().cloned().map(defuse_formula).collect();
                    let line = csv_join(header.iter().map(String::as_str));
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
        self.failure()?;
        if !self.buffer.is_empty() {
            let written = self.sink.write_whole(&self.buffer);
            self.check(written)?;
            self.buffer.clear();
        }
        let flushed = self.sink.flush();
        self.check(flushed)?;
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
                .map(|e| defuse_formula(format!("{}: {}", e.kind, e.message)))
                .unwrap_or_default(),
            _ => cell_value(json.get(c)),
        })
        .collect();
    csv_join(cells.iter().map(String::as_str))
}

/// The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
/// Injection"): `=`, `+`, `-`, `@`, and tab and carriage return, which some strip first.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a spreadsheet shows it but never runs it: a leading `'` if it could start a
/// formula.
fn defuse_formula(text: String) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text
    }
}

fn csv_join<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    cells.map(csv_cell).collect::<Vec<_>>().join(",")
}

fn cell_value(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => defuse_formula(s.clone()),
        // A number cannot hold a formula; arrays and objects start with `[` or `{`.
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
    use std::io::Write;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_defused() {
        for (text, cell) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1 555", "'+1 555"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("plain -1", "plain -1"),
        ] {
            let mut r = record(Vec::new());
            r.fields = vec![("title".into(), Value::from(text))];
            let csv = csv_of(false, &r);
            let row = csv.split_once("\r\n").unwrap().1;
            assert!(row.contains(&format!(",{cell},")), "{text:?} -> {row:?}");
        }
        // Numbers are numbers; a hostile error message is defused too.
        let mut r = record(Vec::new());
        r.fields = vec![("title".into(), Value::from(-5))];
        r.error = Some(silk::FetchError::new(silk::ErrorKind::Http, "x"));
        let csv = csv_of(false, &r);
        assert!(csv.ends_with(",-5,http: x\r\n"), "{csv}");
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
            directives: Default::default(),
            lastmod: None,
            sitemap: false,
            not_modified: false,
            validators: None,
            protocol: Some("HTTP/1.1"),
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
        let sink = Sink::Stream(Box::new(Shared(out.clone())));
        let mut w = LineWriter::new(sink, true, &spec, items_column);
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
            "url,final_url,status,depth,referer,bytes,elapsed_ms,protocol,title,error\r\nhttp://h/,,200,0,,3,1.0,HTTP/1.1,T,\r\n"
        );
        let with = csv_of(true, &record(items.clone()));
        let mut lines = with.lines();
        assert_eq!(
            lines.next().unwrap(),
            "url,final_url,status,depth,referer,bytes,elapsed_ms,protocol,title,error,items"
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
