//! Which URLs belong to the crawl: host/domain/any scope around the start URLs, `allow` and
//! `deny` regexes, and the depth limit. Checked for every discovered link and every redirect
//! target before the frontier sees it, and again for every URL popped from it (a resumed
//! state or a shared queue may hold URLs an older spec or another writer put there).
//!
//! The start URLs themselves are fetched whatever `allow` and `deny` say (they filter the
//! links found, not where the crawl starts); a redirect from a start URL must stay in the
//! host scope and not match `deny`, a redirect from any other page is admitted like a link.
//! Sitemap files only need the host scope (the hosts of the spec's sitemap URLs count as
//! start hosts); the URLs they list are admitted like links.

use crate::spec::{CompiledSpec, Scope};
use regex_lite::Regex;
use url::Url;

pub struct ScopeRules {
    scope: Scope,
    hosts: Vec<String>,
    domains: Vec<String>,
    allow: Vec<Regex>,
    deny: Vec<Regex>,
    max_depth: Option<u32>,
    /// The start URLs, normalised as the engine queues them.
    seeds: Vec<Url>,
}

/// Two-label public suffixes common enough to matter for `--scope domain`. A full public
/// suffix list is a megabyte of data the wasm build should not carry.
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "ne.jp", "or.jp",
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "com.tw", "com.hk", "co.kr", "com.br",
    "co.nz", "co.in", "com.sg", "com.mx", "co.za",
];

/// The registrable domain of a host, approximately (see [`TWO_LABEL_SUFFIXES`]).
pub fn registrable_domain(host: &str) -> String {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host.to_string();
    }
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let keep = if labels.len() >= 3
        && TWO_LABEL_SUFFIXES.contains(&labels[labels.len() - 2..].join(".").as_str())
    {
        3
    } else {
        2
    };
    labels[labels.len().saturating_sub(keep)..].join(".")
}

impl ScopeRules {
    pub fn new(spec: &CompiledSpec) -> Self {
        // The hosts of sitemap files named in the spec are start hosts too: a sitemap
        // lists pages of its own host.
        let hosts: Vec<String> = spec
            .seeds
            .iter()
            .chain(&spec.sitemap_urls)
            .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
            .collect();
        let domains = hosts.iter().map(|h| registrable_domain(h)).collect();
        ScopeRules {
            scope: spec.spec.scope,
            hosts,
            domains,
            allow: spec.allow.clone(),
            deny: spec.deny.clone(),
            max_depth: spec.spec.max_depth,
            seeds: spec
                .seeds
                .iter()
                .map(|s| crate::url_norm::parse_link(s, s.as_str()).unwrap_or_else(|| s.clone()))
                .collect(),
        }
    }

    /// Whether the host of `url` is inside the scope (ignores allow/deny and depth).
    pub fn host_in_scope(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        match self.scope {
            Scope::Any => true,
            Scope::Host => self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)),
            Scope::Domain => {
                let host = host.to_ascii_lowercase();
                self.domains
                    .iter()
                    .any(|d| host == *d || host.ends_with(&format!(".{d}")))
            }
        }
    }

    /// Whether a URL popped from the frontier at `depth` may be fetched: a start URL at
    /// depth 0, or anything [`admits`](Self::admits) takes.
    pub fn admits_popped(&self, url: &Url, depth: u32) -> bool {
        (depth == 0 && self.seeds.contains(url)) || self.admits(url, depth)
    }

    /// Whether a redirect from a page at `depth` may be followed to `url` (it keeps the
    /// page's depth): from a start URL (depth 0), in host scope and not denied; from any
    /// other page, as [`admits`](Self::admits) says.
    pub fn admits_redirect(&self, url: &Url, depth: u32) -> bool {
        if depth == 0 {
            return self.host_in_scope(url) && !self.denied(url);
        }
        self.admits(url, depth)
    }

    /// Whether a sitemap file may be read: in the host scope (it is no page, so allow/deny
    /// and the depth limit do not apply; how deep indexes nest has its own cap).
    pub fn admits_sitemap(&self, url: &Url) -> bool {
        self.host_in_scope(url)
    }

    fn denied(&self, url: &Url) -> bool {
        let s = url.as_str();
        self.deny.iter().any(|r| r.is_match(s))
    }

    /// Whether a link found at `depth` should be followed.
    pub fn admits(&self, url: &Url, depth: u32) -> bool {
        if self.max_depth.is_some_and(|max| depth > max) {
            return false;
        }
        if !self.host_in_scope(url) {
            return false;
        }
        let s = url.as_str();
        if !self.allow.is_empty() && !self.allow.iter().any(|r| r.is_match(s)) {
            return false;
        }
        !self.denied(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::CrawlSpec;

    fn rules(f: impl FnOnce(&mut CrawlSpec)) -> ScopeRules {
        let mut s = CrawlSpec {
            seeds: vec!["http://www.example.co.uk/start".into()],
            ..CrawlSpec::default()
        };
        f(&mut s);
        ScopeRules::new(&s.compile().unwrap())
    }

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn host_scope_is_the_default() {
        let r = rules(|_| {});
        assert!(r.admits(&u("http://www.example.co.uk/a"), 1));
        assert!(!r.admits(&u("http://shop.example.co.uk/a"), 1));
    }

    #[test]
    fn domain_scope_includes_subdomains() {
        let r = rules(|s| s.scope = Scope::Domain);
        assert!(r.admits(&u("http://shop.example.co.uk/a"), 1));
        assert!(!r.admits(&u("http://other.co.uk/a"), 1));
        assert_eq!(registrable_domain("a.b.example.com"), "example.com");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn allow_deny_and_depth() {
        let r = rules(|s| {
            s.scope = Scope::Any;
            s.allow = vec!["/p/".into()];
            s.deny = vec!["/p/secret".into()];
            s.max_depth = Some(2);
        });
        assert!(r.admits(&u("http://x/p/1"), 2));
        assert!(!r.admits(&u("http://x/p/1"), 3));
        assert!(!r.admits(&u("http://x/q/1"), 1));
        assert!(!r.admits(&u("http://x/p/secret"), 1));
    }

    #[test]
    fn popped_urls_and_redirects() {
        let r = rules(|s| {
            s.allow = vec!["/p/".into()];
            s.deny = vec!["/p/secret".into()];
            s.max_depth = Some(2);
        });
        let seed = u("http://www.example.co.uk/start");
        // The start URL is fetched although `allow` does not take it, but only at depth 0.
        assert!(r.admits_popped(&seed, 0));
        assert!(!r.admits_popped(&seed, 1));
        assert!(r.admits_popped(&u("http://www.example.co.uk/p/1"), 2));
        assert!(!r.admits_popped(&u("http://www.example.co.uk/p/1"), 3));
        assert!(!r.admits_popped(&u("http://evil.example/p/1"), 1));
        assert!(!r.admits_popped(&u("http://www.example.co.uk/other"), 0));
        // Redirects: from the start URL, host scope and deny; from other pages, everything.
        assert!(r.admits_redirect(&u("http://www.example.co.uk/home"), 0));
        assert!(!r.admits_redirect(&u("http://www.example.co.uk/p/secret"), 0));
        assert!(!r.admits_redirect(&u("http://evil.example/p/1"), 0));
        assert!(!r.admits_redirect(&u("http://www.example.co.uk/home"), 1));
        assert!(!r.admits_redirect(&u("http://www.example.co.uk/p/secret"), 1));
        assert!(r.admits_redirect(&u("http://www.example.co.uk/p/2"), 1));
    }
}
