//! Secrets out of stored specs. A crawl's spec is kept where others may read it (the
//! `--state` file, the Redis crawl's `spec` key, the `crawls` table of a `-o x.sqlite`
//! output), but some of it is a credential: a token in a request header, the `user:pass`
//! of a proxy. [`spec_for_storage`] is the spec as it may be written down, with every
//! secret replaced by [`REDACTED`]. Nothing stored is ever used to fetch: a resumed crawl
//! takes its headers and proxy from the command line (or `--spec` file) it is run with.
//!
//! What counts as secret (chosen to err on the side of redacting):
//! - a header whose name, case-insensitively, contains `auth` (Authorization,
//!   Proxy-Authorization, X-Auth-...), `cookie`, `token`, `secret`, `key` (X-API-Key),
//!   `session`, `password`, `credential` or `signature`: its value is redacted, its name kept;
//! - the user info (`user:pass@`) of the proxy URL and of start URLs;
//! - the value of every start cookie (`--cookie name=value`): its name is kept.
//!
//! Comparing specs on resume compares the stored forms ([`spec_for_storage`] of the new
//! spec against the stored one): a secret header must be given again, under the same name,
//! but its value may change between runs (a refreshed token resumes the crawl). No hash of
//! the secret is kept, since a hash of a short password can be guessed offline.

use silk::CrawlSpec;

/// What a secret value is replaced with.
pub const REDACTED: &str = "(redacted: not stored, give it again on the command line)";

/// The user name a proxy or start URL with credentials is stored with (no password).
const REDACTED_USER: &str = "REDACTED";

/// Name fragments (lowercase) that make a header secret.
const SECRET_HEADER_PARTS: [&str; 9] = [
    "auth",
    "cookie",
    "token",
    "secret",
    "key",
    "session",
    "password",
    "credential",
    "signature",
];

/// Whether a request header of this name carries a secret (see the module docs).
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADER_PARTS.iter().any(|part| name.contains(part))
}

/// `spec` as it may be stored: secret header values and URL credentials replaced (see the
/// module docs). Idempotent, so a stored spec can be passed through it again.
pub fn spec_for_storage(spec: &CrawlSpec) -> CrawlSpec {
    let mut stored = spec.clone();
    for (name, value) in &mut stored.headers {
        if is_secret_header(name) {
            *value = REDACTED.to_string();
        }
    }
    stored.proxy = stored.proxy.as_deref().map(without_credentials);
    for seed in stored.seeds.iter_mut().chain(&mut stored.sitemap_urls) {
        *seed = without_credentials(seed);
    }
    for cookie in &mut stored.start_cookies {
        let name = cookie.split_once('=').map_or("", |(name, _)| name.trim());
        *cookie = format!("{name}={REDACTED}");
    }
    stored
}

/// `url` with its user info (anything before an `@` in the authority) replaced by
/// [`REDACTED_USER`]; other text unchanged. Works on text that is not a valid URL too.
pub fn without_credentials(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    let host_and_rest = &rest[at + 1..];
    match scheme {
        Some(scheme) => format!("{scheme}://{REDACTED_USER}@{host_and_rest}"),
        None => format!("{REDACTED_USER}@{host_and_rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers_and_credentials_are_redacted_and_nothing_else() {
        let spec = CrawlSpec {
            seeds: vec!["http://me:pw@h/".into(), "http://h/a@b".into()],
            headers: vec![
                ("Authorization".into(), "Bearer abc".into()),
                ("cookie".into(), "s=1".into()),
                ("X-API-Key".into(), "k".into()),
                ("X-Auth-Token".into(), "t".into()),
                ("Proxy-Authorization".into(), "Basic x".into()),
                ("Accept-Language".into(), "fr".into()),
            ],
            proxy: Some("socks5://user:p%40ss@proxy:1080".into()),
            start_cookies: vec!["sid=Cookie-Secret-1".into(), "lang = fr".into()],
            ..Default::default()
        };
        let stored = spec_for_storage(&spec);
        let text = serde_json::to_string(&stored).unwrap();
        for secret in [
            "abc",
            "s=1",
            "\"k\"",
            "\"t\"",
            "Basic",
            "p%40ss",
            "user:",
            "me:pw",
            "Cookie-Secret",
            "= fr",
        ] {
            assert!(!text.contains(secret), "{secret} stored in {text}");
        }
        assert_eq!(stored.headers[5], ("Accept-Language".into(), "fr".into()));
        assert!(stored.headers[..5].iter().all(|(_, v)| v == REDACTED));
        assert_eq!(
            stored.proxy.as_deref(),
            Some("socks5://REDACTED@proxy:1080")
        );
        // An @ in the path is not user info.
        assert_eq!(stored.seeds, ["http://REDACTED@h/", "http://h/a@b"]);
        assert_eq!(
            stored.start_cookies,
            [format!("sid={REDACTED}"), format!("lang={REDACTED}")]
        );
        assert_eq!(spec_for_storage(&stored), stored, "idempotent");
        // A proxy without credentials is kept as is.
        assert_eq!(without_credentials("http://p:3128"), "http://p:3128");
        assert_eq!(without_credentials("u:p@p:3128"), "REDACTED@p:3128");
    }
}
