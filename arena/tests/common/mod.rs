//! A deliberately tiny HTTP/1.1 client over `std::net::TcpStream` (one request per
//! connection, `Connection: close`), so the arena is tested over real sockets without
//! pulling an HTTP client into the arena's dependencies.

#![allow(dead_code)]

pub mod links;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A whole response.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as UTF-8 (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Opens a connection and writes `METHOD path` with the given `Host`.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    host: &str,
) -> io::Result<BufReader<TcpStream>> {
    send_with(addr, method, path, host, &[])
}

/// Like [`send`], with extra header lines (`Origin`, `Sec-Fetch-Site`, ...).
pub fn send_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    host: &str,
    extra: &[(&str, &str)],
) -> io::Result<BufReader<TcpStream>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: arena-test\r\nConnection: close\r\n"
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.flush()?;
    Ok(BufReader::new(stream))
}

/// Reads the status line and headers.
pub fn read_head(reader: &mut impl BufRead) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before any response",
        ));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad status line {line:?}"),
            )
        })?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the headers",
            ));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad header"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok((status, headers))
}

/// Copies the body into `sink`, handling chunked, sized and close-delimited bodies.
pub fn read_body(
    reader: &mut impl BufRead,
    method: &str,
    status: u16,
    headers: &[(String, String)],
    sink: &mut impl Write,
) -> io::Result<u64> {
    if method == "HEAD" || status == 204 || status == 304 {
        return Ok(0);
    }
    let chunked =
        header(headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut total = 0;
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size_hex = line.trim_end().split(';').next().unwrap_or("");
            let size = u64::from_str_radix(size_hex, 16).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad chunk size {line:?}"),
                )
            })?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                        return Ok(total);
                    }
                }
            }
            let copied = io::copy(&mut reader.by_ref().take(size), sink)?;
            if copied != size {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated chunk",
                ));
            }
            total += copied;
            line.clear();
            reader.read_line(&mut line)?;
        }
    }
    match header(headers, "content-length") {
        Some(len) => {
            let len: u64 = len
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad length"))?;
            let copied = io::copy(&mut reader.by_ref().take(len), sink)?;
            if copied != len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated body",
                ));
            }
            Ok(copied)
        }
        None => io::copy(reader, sink),
    }
}

/// `method path` with an explicit `Host` header, whole response in memory.
pub fn request_as(addr: SocketAddr, method: &str, path: &str, host: &str) -> io::Result<Resp> {
    request_with(addr, method, path, host, &[])
}

/// `method path` with an explicit `Host` and extra headers, whole response in memory.
pub fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    host: &str,
    extra: &[(&str, &str)],
) -> io::Result<Resp> {
    let mut reader = send_with(addr, method, path, host, extra)?;
    let (status, headers) = read_head(&mut reader)?;
    let mut body = Vec::new();
    read_body(&mut reader, method, status, &headers, &mut body)?;
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// `method path` addressed to the arena itself.
pub fn request(addr: SocketAddr, method: &str, path: &str) -> io::Result<Resp> {
    request_as(addr, method, path, &addr.to_string())
}

/// `GET path`, panicking on transport errors.
pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// `GET path` and parse the body as JSON.
pub fn get_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let resp = get(addr, path);
    assert_eq!(resp.status, 200, "GET {path}");
    serde_json::from_slice(&resp.body).unwrap_or_else(|e| panic!("GET {path}: bad JSON: {e}"))
}

/// A `Write` that only counts.
#[derive(Default)]
pub struct Counter(pub u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The text between `open` and the next `close`, e.g. the title.
pub fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}
