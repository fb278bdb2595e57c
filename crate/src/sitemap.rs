//! Reading one sitemap file (sitemaps.org protocol 0.9): bytes in, `(loc, lastmod)` entries
//! out, through a callback, with the protocol's caps held whatever the bytes are.
//!
//! Why it is shaped this way:
//! - **Streaming, no DOM.** A sitemap may hold 50,000 URLs and 50 MB of XML. The body goes
//!   through a gzip decoder (when it starts with the gzip magic `1f 8b`: a `.xml.gz` served
//!   as a file, with no `Content-Encoding`) and a byte cap into `quick-xml`'s pull reader,
//!   and each entry is handed to the caller as borrowed text as soon as its element ends.
//!   Neither the decompressed XML nor a list of the URLs is ever held here: memory is the
//!   compressed body (the caller's), one XML event and one entry.
//! - **Caps** ([`Limits`]): at most `max_urls` entries (the protocol's 50,000) and
//!   `max_bytes` of decompressed text (50 MiB); past either, reading stops and the
//!   [`Summary`] says where it was cut. A `<loc>` longer than [`MAX_LOC_BYTES`] is skipped,
//!   a `<lastmod>` that is not a short W3C datetime is dropped (the entry is kept).
//! - **Hostile input**: no panic on any bytes (a fuzz target checks it); custom entities and
//!   DTDs are not expanded (quick-xml never does), so no billion laughs and no XXE. Broken
//!   XML ends the file with an error, the entries before it kept.
//! - **Three forms**: `<urlset>` (pages), `<sitemapindex>` (more sitemaps), and the
//!   protocol's plain text form, one URL per line (any body whose first character, after a
//!   BOM and white space, is not `<`); only lines starting with `http://` or `https://`
//!   count. Namespaces are ignored (local names only): real sitemaps get them wrong often.
//!
//! Pure: no URL parsing, no I/O, no clock. The engine resolves, scopes and queues the
//! entries (`engine/sitemaps.rs`).

use flate2::bufread::MultiGzDecoder;
use quick_xml::events::Event;
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

/// The protocol's cap on URLs per sitemap file (and sitemaps per index).
pub const MAX_URLS: usize = 50_000;
/// The protocol's cap on a sitemap file's size, uncompressed (50 MB, read as MiB).
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// A `<loc>` longer than this is skipped: no crawler URL is that long (the engine's own
/// cap, `url_norm::MAX_URL_LEN`, is 8 KiB).
pub const MAX_LOC_BYTES: usize = 8 * 1024;
/// A `<lastmod>` longer than this is not a W3C datetime (`2026-11-01T12:00:00.123+01:00`).
const MAX_LASTMOD_BYTES: usize = 40;

/// How much of one file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries handed out at most; one more ends the file with [`Cut::Urls`].
    pub max_urls: usize,
    /// Decompressed bytes read at most; more ends the file with [`Cut::Bytes`].
    pub max_bytes: u64,
}

impl Default for Limits {
    /// The protocol's: 50,000 URLs and 50 MiB.
    fn default() -> Self {
        Limits {
            max_urls: MAX_URLS,
            max_bytes: MAX_BYTES,
        }
    }
}

/// What a file lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `<urlset>`: pages.
    UrlSet,
    /// `<sitemapindex>`: more sitemap files.
    Index,
    /// One URL per line: pages.
    Text,
}

/// One `<url>` or `<sitemap>` element (or one line of a text sitemap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The `<loc>` text, unescaped and trimmed (not checked to be a URL).
    pub loc: &'a str,
    /// `<lastmod>`, if it looks like a W3C datetime.
    pub lastmod: Option<&'a str>,
}

/// Where reading stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// More entries than `max_urls`: the rest were not read.
    Urls,
    /// More than `max_bytes` of (decompressed) text: the rest was not read.
    Bytes,
}

/// What reading a file came to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// `None` when the body was not a sitemap at all (see `error`).
    pub kind: Option<Kind>,
    /// Entries handed to the callback.
    pub entries: usize,
    /// Entries skipped: no `<loc>`, one too long, not text, or a text line that is not an
    /// http(s) URL.
    pub skipped: usize,
    pub cut: Option<Cut>,
    /// Why the file could not be read (to the end): not a sitemap, broken XML, broken gzip.
    /// Entries before the problem were handed out.
    pub error: Option<String>,
    /// Whether the body was gzip.
    pub gzip: bool,
}

impl Cut {
    /// For a record's `cut` key.
    pub fn describe(self, limits: &Limits) -> String {
        match self {
            Cut::Urls => format!(
                "sitemap lists more than {} URLs: the rest were not read",
                limits.max_urls
            ),
            Cut::Bytes => format!(
                "sitemap is larger than {} bytes uncompressed: the rest was not read",
                limits.max_bytes
            ),
        }
    }
}

/// Reads one sitemap file from `body` (gzip or not), calling `on_entry` for each entry in
/// order, within `limits`.
pub fn read(body: &[u8], limits: &Limits, mut on_entry: impl FnMut(Kind, Entry<'_>)) -> Summary {
    let over = Rc::new(Cell::new(false));
    let gzip = body.starts_with(&[0x1f, 0x8b]);
    // One reader type for both (a trait object): the XML reader is compiled once, which
    // keeps the wasm module smaller; a virtual call per 16 KiB read costs nothing.
    let source: Box<dyn Read + '_> = match gzip {
        true => Box::new(MultiGzDecoder::new(body)),
        false => Box::new(body),
    };
    let capped = Capped::new(source, limits.max_bytes, over.clone());
    let mut summary = read_text(
        BufReader::with_capacity(16 * 1024, capped),
        limits,
        &mut on_entry,
    );
    summary.gzip = gzip;
    if over.get() && summary.cut.is_none() {
        summary.cut = Some(Cut::Bytes);
        // Reading stopped in the middle of the text: what broke there is the cut's doing.
        summary.error = None;
    }
    summary
}

/// Decompressed text: XML or lines, by its first significant byte.
fn read_text<R: BufRead>(
    mut input: R,
    limits: &Limits,
    on_entry: &mut impl FnMut(Kind, Entry<'_>),
) -> Summary {
    let first = match first_significant_byte(&mut input) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Summary {
                error: Some("empty: no XML and no URL in it".into()),
                ..Summary::default()
            }
        }
        Err(e) => {
            return Summary {
                error: Some(format!("could not be read: {e}")),
                ..Summary::default()
            }
        }
    };
    if first == b'<' {
        read_xml(input, limits, on_entry)
    } else {
        read_lines(input, limits, on_entry)
    }
}

/// Skips a UTF-8 BOM and white space; the byte after them, not consumed.
fn first_significant_byte<R: BufRead>(input: &mut R) -> std::io::Result<Option<u8>> {
    let mut at_start = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if at_start && buf.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
            at_start = false;
            continue;
        }
        at_start = false;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                input.consume(i);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

/// Which element's text is being collected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    Loc,
    Lastmod,
}

/// The `<url>`/`<sitemap>` element being read.
struct Pending {
    loc: String,
    lastmod: String,
    /// A piece of `loc` could not be used (too long, a bad escape): the entry is skipped.
    bad: bool,
}

impl Pending {
    fn new() -> Self {
        Pending {
            loc: String::new(),
            lastmod: String::new(),
            bad: false,
        }
    }

    fn clear(&mut self) {
        self.loc.clear();
        self.lastmod.clear();
        self.bad = false;
    }

    fn push(&mut self, field: Field, text: &str) {
        match field {
            Field::Loc if self.loc.len() + text.len() <= MAX_LOC_BYTES + 64 => {
                self.loc.push_str(text)
            }
            Field::Loc => self.bad = true,
            Field::Lastmod if self.lastmod.len() + text.len() <= MAX_LASTMOD_BYTES + 64 => {
                self.lastmod.push_str(text)
            }
            _ => {}
        }
    }
}

fn read_xml<R: BufRead>(
    input: R,
    limits: &Limits,
    on_entry: &mut impl FnMut(Kind, Entry<'_>),
) -> Summary {
    let mut reader = quick_xml::Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut summary = Summary::default();
    let mut buf = Vec::new();
    // Element depth: 1 is the root, 2 an entry, 3 its `<loc>`/`<lastmod>`.
    let mut depth = 0usize;
    let mut in_entry = false;
    let mut field = Field::None;
    let mut pending = Pending::new();
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                summary.error = Some(format!(
                    "not well-formed XML near byte {}: {e}",
                    reader.buffer_position()
                ));
                break;
            }
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name();
                let name = name.as_ref();
                match depth {
                    1 => match root_kind(name) {
                        Some(kind) => summary.kind = Some(kind),
                        None => {
                            summary.error = Some(not_a_sitemap(name));
                            break;
                        }
                    },
                    2 => {
                        let wanted = match summary.kind {
                            Some(Kind::Index) => b"sitemap".as_slice(),
                            _ => b"url".as_slice(),
                        };
                        in_entry = name == wanted;
                        pending.clear();
                    }
                    3 if in_entry => {
                        field = match name {
                            b"loc" => Field::Loc,
                            b"lastmod" => Field::Lastmod,
                            _ => Field::None,
                        }
                    }
                    _ => {}
                }
            }
            Event::Empty(e) if depth == 0 => {
                let name = e.local_name();
                match root_kind(name.as_ref()) {
                    // An empty `<urlset/>`: a sitemap with no URL.
                    Some(kind) => summary.kind = Some(kind),
                    None => summary.error = Some(not_a_sitemap(name.as_ref())),
                }
                break;
            }
            Event::End(_) => {
                if depth == 3 {
                    field = Field::None;
                }
                if depth == 2 && in_entry {
                    in_entry = false;
                    let kind = summary.kind.unwrap_or(Kind::UrlSet);
                    if !hand_out(kind, &pending, limits, &mut summary, on_entry) {
                        break;
                    }
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Event::Text(t) if depth == 3 && in_entry && field != Field::None => {
                match t.unescape() {
                    Ok(text) => pending.push(field, &text),
                    Err(_) if field == Field::Loc => pending.bad = true,
                    Err(_) => {}
                }
            }
            Event::CData(c) if depth == 3 && in_entry && field != Field::None => {
                match std::str::from_utf8(&c) {
                    Ok(text) => pending.push(field, text),
                    Err(_) if field == Field::Loc => pending.bad = true,
                    Err(_) => {}
                }
            }
            Event::Eof => {
                if summary.kind.is_none() {
                    summary.error = Some("not a sitemap: no root element".into());
                } else if depth > 0 {
                    summary.error = Some("not well-formed XML: it ends inside an element".into());
                }
                break;
            }
            _ => {}
        }
    }
    summary
}

/// Hands a finished entry out if it is usable and the cap allows; false to stop reading.
fn hand_out(
    kind: Kind,
    pending: &Pending,
    limits: &Limits,
    summary: &mut Summary,
    on_entry: &mut impl FnMut(Kind, Entry<'_>),
) -> bool {
    let loc = pending.loc.trim();
    if pending.bad || loc.is_empty() || loc.len() > MAX_LOC_BYTES {
        summary.skipped += 1;
        return true;
    }
    if summary.entries >= limits.max_urls {
        summary.cut = Some(Cut::Urls);
        return false;
    }
    summary.entries += 1;
    on_entry(
        kind,
        Entry {
            loc,
            lastmod: w3c_datetime(pending.lastmod.trim()),
        },
    );
    true
}

fn root_kind(name: &[u8]) -> Option<Kind> {
    match name {
        b"urlset" => Some(Kind::UrlSet),
        b"sitemapindex" => Some(Kind::Index),
        _ => None,
    }
}

fn not_a_sitemap(root: &[u8]) -> String {
    let shown: String = String::from_utf8_lossy(&root[..root.len().min(40)])
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    format!("not a sitemap: the root element is <{shown}>, not <urlset> or <sitemapindex>")
}

/// `text` if it has the shape of a W3C datetime (`YYYY`, `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mm[:ss[.s]]TZD`): digits and `-:T.+Z`, starting with four digits.
fn w3c_datetime(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let shaped = (4..=MAX_LASTMOD_BYTES).contains(&b.len())
        && b[..4].iter().all(u8::is_ascii_digit)
        && b.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b':' | b'T' | b'.' | b'+' | b'Z'));
    shaped.then_some(text)
}

/// The text form: one URL per line.
fn read_lines<R: BufRead>(
    mut input: R,
    limits: &Limits,
    on_entry: &mut impl FnMut(Kind, Entry<'_>),
) -> Summary {
    let mut summary = Summary {
        kind: Some(Kind::Text),
        ..Summary::default()
    };
    let mut line = Vec::new();
    let mut other_lines = 0usize;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                summary.error = Some(format!("could not be read: {e}"));
                break;
            }
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            summary.skipped += 1;
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let is_url = ["http://", "https://"].iter().any(|scheme| {
            text.get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        });
        if !is_url || text.len() > MAX_LOC_BYTES {
            summary.skipped += 1;
            other_lines += 1;
            continue;
        }
        if summary.entries >= limits.max_urls {
            summary.cut = Some(Cut::Urls);
            break;
        }
        summary.entries += 1;
        on_entry(
            Kind::Text,
            Entry {
                loc: text,
                lastmod: None,
            },
        );
    }
    if summary.entries == 0 && other_lines > 0 && summary.cut.is_none() {
        summary.kind = None;
        summary.error =
            Some("not a sitemap: neither XML nor a list of http(s) URLs, one per line".into());
    }
    summary
}

/// A reader that stops after `left` bytes, setting `over` if there was more.
struct Capped<R> {
    inner: R,
    left: u64,
    over: Rc<Cell<bool>>,
}

impl<R: Read> Capped<R> {
    fn new(inner: R, cap: u64, over: Rc<Cell<bool>>) -> Self {
        Capped {
            inner,
            left: cap,
            over,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            if !self.over.get() {
                let mut probe = [0u8; 1];
                if self.inner.read(&mut probe)? > 0 {
                    self.over.set(true);
                }
            }
            return Ok(0);
        }
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..n])?;
        self.left -= read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests;
