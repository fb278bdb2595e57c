//! `redis://HOST:PORT/NAME`: which server, and which crawl on it.

use url::Url;

const USAGE: &str = "--frontier wants redis://HOST:PORT/NAME, e.g. redis://127.0.0.1:6379/shop";

/// A shared crawl's address: the server and the crawl's name, whose keys all start with
/// [`CrawlAddress::prefix`].
#[derive(Debug, Clone, PartialEq)]
pub struct CrawlAddress {
    pub host: String,
    pub port: u16,
    pub name: String,
}

impl CrawlAddress {
    pub fn parse(text: &str) -> Result<CrawlAddress, String> {
        let bad = |why: &str| format!("{USAGE} ({why} in {text:?})");
        let url = Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        if url.scheme() != "redis" {
            return Err(bad("the scheme is not redis"));
        }
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
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad("unexpected user, query or fragment"));
        }
        Ok(CrawlAddress {
            host: host.to_string(),
            port: url.port().unwrap_or(6379),
            name: name.to_string(),
        })
    }

    /// The server, as `HOST:PORT`.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Every key of the crawl starts with this. The braces are a Redis Cluster hash tag:
    /// all of a crawl's keys land in one slot, so its scripts may touch any of them.
    pub fn prefix(&self) -> String {
        format!("silk:{{{}}}:", self.name)
    }

    /// The connection URL of db 0 on the server.
    pub fn connection_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("redis://{host}:{}/0", self.port)
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
        assert_eq!(CrawlAddress::parse("redis://h/x").unwrap().port, 6379);
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
        ] {
            let e = CrawlAddress::parse(bad).unwrap_err();
            assert!(e.contains("redis://HOST:PORT/NAME"), "{bad}: {e}");
        }
    }
}
