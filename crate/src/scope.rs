//! Which URLs belong to the crawl: host/domain/any scope around the start URLs, `allow` and
//! `deny` regexes, and the depth limit. Checked for every discovered link and every redirect
//! target, before the frontier sees it.

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
        let hosts: Vec<String> = spec
            .seeds
            .iter()
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
        !self.deny.iter().any(|r| r.is_match(s))
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
}
