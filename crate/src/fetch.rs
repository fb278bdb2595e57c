//! The one capability the engine needs from the outside world: turning a request into a
//! response. Native code implements it with reqwest, the browser with `fetch()`; tests may
//! point either at a local server. The trait is deliberately narrow (no builders, no
//! streaming) so both adapters stay thin and the engine owns every policy decision
//! (redirects, retries, timeouts, body limits, decoding).

use futures::future::LocalBoxFuture;
use serde::Serialize;
use std::fmt;
use std::time::Duration;
use url::Url;

/// What the engine asks an adapter to fetch.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub url: Url,
    /// Header names and values, already including User-Agent and Referer.
    pub headers: Vec<(String, String)>,
    /// Stop reading the body past this many bytes and fail with [`ErrorKind::TooLarge`].
    pub max_body_bytes: usize,
    /// A hint for adapters that can enforce it natively; the engine enforces it regardless.
    pub timeout: Duration,
}

/// What an adapter hands back: bytes, never decoded text, so both targets decode alike.
#[derive(Debug, Clone, Default)]
pub struct FetchResponse {
    /// The URL the body came from. Equals the request URL unless the adapter followed
    /// redirects itself (the browser does; the native adapter never does).
    pub url: Option<Url>,
    pub status: u16,
    /// Lower-case header names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The HTTP version that carried the response ("HTTP/1.1", "HTTP/2", one of
    /// [`crate::events::PROTOCOLS`]), if the adapter knows it (the native one does).
    pub protocol: Option<&'static str>,
}

impl FetchResponse {
    /// The first value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a page could not be fetched or used. Serialised in snake case into records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The connection was refused, reset or closed before a full response.
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// The TLS handshake or certificate failed.
    Tls,
    /// The server answered with an error status (4xx/5xx) or a malformed response.
    Http,
    /// The body exceeded the configured limit; reading stopped there.
    TooLarge,
    /// The browser refused a cross-origin response (no CORS headers).
    Cors,
    /// Mixed content: an https page may not fetch http URLs.
    MixedContent,
    /// The request was cancelled.
    Aborted,
    /// A redirect chain came back to a URL it had already visited.
    RedirectLoop,
    /// More redirects than the configured limit.
    TooManyRedirects,
    /// robots.txt forbids this URL; it was not fetched.
    Robots,
    /// The URL could not be parsed or has an unsupported scheme.
    InvalidUrl,
    /// The page was fetched, but the crawl's page handler (user code) failed on it: it
    /// returned an error, threw, panicked, or did not finish within the request timeout.
    Handler,
    /// The URL was started `max_attempts` times without ever getting a record (each time the
    /// crawler crashed, was killed, or lost its lease while on it): it is recorded as this
    /// error instead of being tried again, so one poisonous page cannot crash-loop a resumed
    /// crawl or pass from worker to worker.
    TooManyAttempts,
    /// A sitemap file that is not one (neither `<urlset>`, `<sitemapindex>` nor a list of
    /// URLs), or is broken (bad XML, bad gzip): the URLs read before the problem are kept.
    InvalidSitemap,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Every kind, for mapping names back (a relay's JSON, a stored record).
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::Dns,
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::Http,
        ErrorKind::TooLarge,
        ErrorKind::Cors,
        ErrorKind::MixedContent,
        ErrorKind::Aborted,
        ErrorKind::RedirectLoop,
        ErrorKind::TooManyRedirects,
        ErrorKind::Robots,
        ErrorKind::InvalidUrl,
        ErrorKind::Handler,
        ErrorKind::TooManyAttempts,
        ErrorKind::InvalidSitemap,
        ErrorKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Http => "http",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Cors => "cors",
            ErrorKind::MixedContent => "mixed_content",
            ErrorKind::Aborted => "aborted",
            ErrorKind::RedirectLoop => "redirect_loop",
            ErrorKind::TooManyRedirects => "too_many_redirects",
            ErrorKind::Robots => "robots",
            ErrorKind::InvalidUrl => "invalid_url",
            ErrorKind::Handler => "handler",
            ErrorKind::TooManyAttempts => "too_many_attempts",
            ErrorKind::InvalidSitemap => "invalid_sitemap",
            ErrorKind::Other => "other",
        }
    }

    /// Whether a retry may help (transient network trouble).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Dns
        )
    }
}

impl std::str::FromStr for ErrorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown error kind `{s}`"))
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified failure with a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchError {
    pub kind: ErrorKind,
    pub message: String,
}

impl FetchError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FetchError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for FetchError {}

/// Turns a request into a response. Implementations must not follow redirects unless the
/// platform forces it (the browser), must stop reading at `max_body_bytes`, and must abort
/// the request when the returned future is dropped.
pub trait Fetch {
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>>;

    /// Like [`fetch`](Fetch::fetch), but a body over `max_body_bytes` is no error: its first
    /// `max_body_bytes` bytes are handed back (robots.txt is parsed up to 500 KiB, RFC 9309
    /// 2.5). The default fails with [`ErrorKind::TooLarge`] like `fetch`.
    fn fetch_prefix(
        &self,
        request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        self.fetch(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.as_str().parse::<ErrorKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!("nope".parse::<ErrorKind>().is_err());
    }
}
