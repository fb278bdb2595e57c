//! `redis://[USER:PASSWORD@]HOST:PORT/NAME` (or `rediss://` for TLS): which server, how to
//! log in, and which crawl on it.
//!
//! The password goes to Redis and nowhere else: messages, `silk status`, the crawl key in
//! `-o .sqlite` files and `Debug` output show the address without it ([`CrawlAddress::public`],
//! [`CrawlAddress::server`], [`redact`]). TLS checks the server's certificate against the
//! system's roots (`SSL_CERT_FILE` / `SSL_CERT_DIR` replace them, e.g. for a private CA).

use std::fmt;
use url::Url;

const USAGE: &str = "--frontier wants redis://HOST:PORT/NAME, e.g. redis://127.0.0.1:6379/shop \
                     (redis://USER:PASSWORD@HOST:PORT/NAME to log in, rediss:// for TLS)";

/// A shared crawl's address: the server and the crawl's name, whose keys all start with
/// [`CrawlAddress::prefix`].
#[derive(Clone, PartialEq)]
pub struct CrawlAddress {
    pub host: String,
    pub port: u16,
    pub name: String,
    /// `rediss://`: TLS, the server's certificate checked.
    pub tls: bool,
    /// What the redis crate connects with, credentials included: never shown.
    connection: String,
}

impl fmt::Debug for CrawlAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CrawlAddress({})", self.public())
    }
}

impl CrawlAddress {
    pub fn parse(text: &str) -> Result<CrawlAddress, String> {
        let bad = |why: &str| format!("{USAGE} ({why} in {:?})", redact(text));
        // The url crate's own message never quotes the input, so it cannot leak a password.
        let url = Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        let tls = match url.scheme() {
            "redis" => false,
            "rediss" => true,
            _ => return Err(bad("the scheme is not redis or rediss")),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let name = url.path().trim_start_matches('/');
        if name.is_empty() {
            return Err(bad("no crawl NAME"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(bad("NAME may only hold letters, digits, '-', '_' and '.'"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("unexpected query or fragment"));
        }
        if !url.username().is_empty() && url.password().is_none() {
            return Err(bad("a user without a password: write USER:PASSWORD@"));
        }
        let port = url.port().unwrap_or(6379);
        // Database 0, the user and password as written (percent-encoded; the redis crate
        // decodes them).
        let mut connection = url.clone();
        connection.set_path("/0");
        connection
            .set_port(Some(port))
            .map_err(|()| bad("no port"))?;
        Ok(CrawlAddress {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            name: name.to_string(),
            tls,
            connection: connection.into(),
        })
    }

    /// The server, as `HOST:PORT`.
    pub fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The crawl's address without user or password: `redis[s]://HOST:PORT/NAME`.
    pub fn public(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://{}/{}", self.server(), self.name)
    }

    /// Every key of the crawl starts with this. The braces are a Redis Cluster hash tag:
    /// all of a crawl's keys land in one slot, so its scripts may touch any of them.
    pub fn prefix(&self) -> String {
        format!("silk:{{{}}}:", self.name)
    }

    /// The connection URL of db 0 on the server, with the credentials: for the redis
    /// crate only, never for a message.
    pub fn connection_url(&self) -> &str {
        &self.connection
    }
}

/// `text` with whatever sits between `://` and the last `@` replaced by `***`: a crawl
/// address fit for a message even when it does not parse.
pub fn redact(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    match text[start..].rfind('@') {
        Some(at) => format!("{}***{}", &text[..start], &text[start + at..]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_and_name() {
        let a = CrawlAddress::parse("redis://127.0.0.1:7000/shop").unwrap();
        assert_eq!(a.server(), "127.0.0.1:7000");
        assert_eq!(a.prefix(), "silk:{shop}:");
        assert_eq!(a.connection_url(), "redis://127.0.0.1:7000/0");
        assert_eq!(a.public(), "redis://127.0.0.1:7000/shop");
        assert!(!a.tls);
        assert_eq!(CrawlAddress::parse("redis://h/x").unwrap().port, 6379);
        let v6 = CrawlAddress::parse("redis://[::1]:7000/x").unwrap();
        assert_eq!(v6.server(), "[::1]:7000");
        assert_eq!(v6.connection_url(), "redis://[::1]:7000/0");
    }

    #[test]
    fn takes_tls_and_credentials_and_shows_neither_password() {
        let a = CrawlAddress::parse("rediss://crawler:s%40cr3t@redis.example:6380/shop").unwrap();
        assert!(a.tls);
        assert_eq!(a.server(), "redis.example:6380");
        assert_eq!(a.public(), "rediss://redis.example:6380/shop");
        assert_eq!(
            a.connection_url(),
            "rediss://crawler:s%40cr3t@redis.example:6380/0"
        );
        assert!(!format!("{a:?}").contains("cr3t"), "{a:?}");
        // The default user (Redis before ACLs: `requirepass`).
        let b = CrawlAddress::parse("redis://:pw@h/x").unwrap();
        assert_eq!(b.connection_url(), "redis://:pw@h:6379/0");
        assert_eq!(b.public(), "redis://h:6379/x");
    }

    #[test]
    fn rejects_what_is_not_a_crawl_address() {
        for bad in [
            "127.0.0.1:6379/shop",
            "http://127.0.0.1:6379/shop",
            "redis://127.0.0.1:6379",
            "redis://127.0.0.1:6379/",
            "redis://127.0.0.1:6379/a/b",
            "redis://127.0.0.1:6379/shop?x=1",
            "rediss://127.0.0.1:6379/shop#insecure",
            "redis://user@127.0.0.1:6379/shop",
        ] {
            let e = CrawlAddress::parse(bad).unwrap_err();
            assert!(e.contains("redis://HOST:PORT/NAME"), "{bad}: {e}");
        }
    }

    #[test]
    fn messages_never_quote_a_password() {
        for bad in [
            "redis://u:hunter2@127.0.0.1:6379/a/b",
            "redis://u:hunter2@127.0.0.1:6379",
            "redis://:hunter2@127.0.0.1:99999/x",
            "redis://u:hun/ter2@h/x",
            "http://u:hunter2@h/x",
        ] {
            let e = CrawlAddress::parse(bad).unwrap_err();
            assert!(!e.contains("hunter2") && !e.contains("ter2"), "{bad}: {e}");
        }
        assert_eq!(redact("redis://u:p@h:1/x"), "redis://***@h:1/x");
        assert_eq!(redact("redis://h:1/x"), "redis://h:1/x");
    }
}
