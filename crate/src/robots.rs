//! robots.txt (RFC 9309): parsing a file and answering "may this crawler fetch this path?".
//!
//! It is split in two steps because they happen at different rates. [`Robots::parse`]
//! runs once per host and keeps every group; [`Robots::rules_for`] picks the groups for
//! our product token and compiles them into [`RobotsRules`], which the scheduler keeps per
//! host and asks [`RobotsRules::is_allowed`] for every URL. So the per-URL check does no
//! parsing and no regex compilation: rules are pre-sorted by precedence (longest pattern
//! first, `Allow` before `Disallow` on a tie) and the first rule that matches decides.
//! A pattern is stored as its literal pieces between `*`s plus an end anchor, and matched
//! by a left-to-right scan, which for `*`-only globs finds a match whenever one exists.
//!
//! Both patterns and paths are compared in one canonical percent-encoding (escapes of
//! unreserved characters decoded, other escapes upper-cased, raw non-ASCII and other
//! unsafe bytes escaped), so `/a%3cd`, `/a%3Cd` and `/%7Efoo` vs `/~foo` compare equal.
//!
//! The parser is lenient in the ways real files need (a whole or partial BOM, any line
//! ending, comments, leading whitespace, unknown lines, a missing colon, a few common
//! misspellings of field names) and reads at most the first 500 KiB, the minimum the RFC
//! requires, and at most [`MAX_LINE_BYTES`] of a line. Google's reference test cases pass,
//! ported as data in `tests/data/robots_reference.json`, except four documented deviations
//! (percent-encoded unreserved characters are equivalent, as RFC 3986 says, and a whole
//! User-Agent string may be passed where Google wants a bare product token).

use url::Url;

use crate::url_norm::canonical_percent_encoding;

/// How much of a robots.txt body is parsed (RFC 9309 2.5: at least 500 kibibytes).
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// How much of one line is read; the rest of a longer line is ignored. Google's limit
/// (8 × the 2083-byte URL limit of old browsers, minus one), kept so that rules agree
/// with its reference tests and no single pattern is unreasonably long.
pub const MAX_LINE_BYTES: usize = 2083 * 8 - 1;

/// A parsed robots.txt: all of its groups and sitemaps, for any crawler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    groups: Vec<Group>,
    sitemaps: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Group {
    /// Lower-cased product tokens; `*` for the catch-all group.
    agents: Vec<String>,
    rules: Vec<Rule>,
    crawl_delay: Option<f64>,
}

/// The rules that apply to one crawler on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct RobotsRules {
    /// Sorted by precedence: the first rule that matches a path decides.
    rules: Vec<Rule>,
    crawl_delay: Option<f64>,
    sitemaps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    allow: bool,
    /// The specificity: the pattern's length in octets (canonical form, with `*`/`$`).
    len: usize,
    pattern: Pattern,
}

/// A compiled path pattern: `prefix`, then for each `*` the literal that follows it.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    prefix: Box<str>,
    after_stars: Box<[Box<str>]>,
    /// The pattern ended in `$`: the match must reach the end of the path.
    anchored: bool,
}

impl Robots {
    /// Parses a robots.txt body. Never fails: lines it does not understand are skipped.
    pub fn parse(body: &[u8]) -> Robots {
        let body = skip_bom(truncate_at_line(body));
        let mut robots = Robots::default();
        // Whether the current group is still collecting `user-agent` lines.
        let mut in_agents = false;
        for line in body.split(|&b| b == b'\n' || b == b'\r') {
            let line = String::from_utf8_lossy(&line[..line.len().min(MAX_LINE_BYTES)]);
            let Some((field, value)) = split_line(&line) else {
                continue;
            };
            let field = field.to_ascii_lowercase();
            match field.as_str() {
                "user-agent" | "useragent" | "user agent" => {
                    if !in_agents {
                        robots.groups.push(Group::default());
                        in_agents = true;
                    }
                    if let (Some(group), Some(agent)) =
                        (robots.groups.last_mut(), agent_token(value))
                    {
                        group.agents.push(agent);
                    }
                }
                "allow" | "disallow" | "dissallow" | "dissalow" | "disalow" | "diasllow"
                | "disallaw" => {
                    in_agents = false;
                    // Rules before the first user-agent line belong to no group.
                    if let (Some(group), false) = (robots.groups.last_mut(), value.is_empty()) {
                        let allow = field == "allow";
                        group.rules.push(Rule::new(allow, value));
                        if let (true, Some(dir)) = (allow, index_page_dir(value)) {
                            group.rules.push(Rule::new(true, &format!("{dir}$")));
                        }
                    }
                }
                "crawl-delay" | "crawldelay" => {
                    in_agents = false;
                    let delay = value
                        .parse::<f64>()
                        .ok()
                        .filter(|d| d.is_finite() && *d >= 0.0);
                    if let (Some(group), Some(delay)) = (robots.groups.last_mut(), delay) {
                        group.crawl_delay.get_or_insert(delay);
                    }
                }
                "sitemap" | "site-map"
                    if !value.is_empty() && !robots.sitemaps.iter().any(|s| s == value) =>
                {
                    robots.sitemaps.push(value.to_owned());
                }
                _ => {}
            }
        }
        robots
    }

    /// The part of `body` that [`Robots::parse`] reads: the first [`MAX_ROBOTS_BYTES`], cut
    /// after the last whole line. Storing this instead of the body keeps what a stored
    /// verdict came from and nothing more; parsing it gives the same [`Robots`].
    pub fn parsed_prefix(body: &[u8]) -> &[u8] {
        truncate_at_line(body)
    }

    /// The rules for the crawler whose product token is `product_token` (`silk`, or a
    /// whole User-Agent such as `silk/0.1.0`: only the leading `[a-zA-Z_-]` run is used).
    ///
    /// All groups naming the token (case-insensitively) are merged; if there are none,
    /// all `*` groups are; if there are none of those either, everything is allowed. When
    /// merged groups disagree on `Crawl-delay`, the longest delay is kept.
    pub fn rules_for(&self, product_token: &str) -> RobotsRules {
        let token = agent_token(product_token).filter(|t| t != "*");
        let named = |g: &&Group| token.as_ref().is_some_and(|t| g.agents.contains(t));
        let star = |g: &&Group| g.agents.iter().any(|a| a == "*");
        let chosen: Vec<&Group> = if self.groups.iter().any(|g| named(&g)) {
            self.groups.iter().filter(named).collect()
        } else {
            self.groups.iter().filter(star).collect()
        };
        let mut rules: Vec<Rule> = chosen
            .iter()
            .flat_map(|g| g.rules.iter().cloned())
            .collect();
        // Stable sort: longer first, and at equal length `Allow` (true) first.
        rules.sort_by(|a, b| b.len.cmp(&a.len).then(b.allow.cmp(&a.allow)));
        let crawl_delay = chosen.iter().filter_map(|g| g.crawl_delay).reduce(f64::max);
        RobotsRules {
            rules,
            crawl_delay,
            sitemaps: self.sitemaps.clone(),
        }
    }

    /// The `Sitemap:` URLs in the file, in order, without duplicates. They apply to every
    /// crawler; the RFC does not resolve relative ones, and neither do we.
    pub fn sitemaps(&self) -> &[String] {
        &self.sitemaps
    }
}

impl RobotsRules {
    /// Rules that allow everything: no robots.txt (4xx), or no group for us.
    pub fn allow_all() -> RobotsRules {
        RobotsRules {
            rules: Vec::new(),
            crawl_delay: None,
            sitemaps: Vec::new(),
        }
    }

    /// Rules that disallow everything but `/robots.txt`: the server could not say (5xx,
    /// network error). The RFC treats this as temporary; refetch robots.txt later.
    pub fn disallow_all() -> RobotsRules {
        RobotsRules {
            rules: vec![Rule::new(false, "/")],
            ..RobotsRules::allow_all()
        }
    }

    /// The rules implied by a robots.txt fetch that ended (after redirects) with `status`
    /// and `body`, per RFC 9309 2.3.1:
    /// - 2xx: parse `body` and take the rules for `product_token`;
    /// - 429 Too Many Requests: disallow all, like 5xx (as Google does; the RFC would
    ///   allow all, which is the wrong answer to a server asking us to slow down);
    /// - other 4xx, and 3xx (a redirect chain that was not followed to its end): allow all;
    /// - 5xx and anything else: disallow all, temporarily.
    ///
    /// A network error (no status) also means [`RobotsRules::disallow_all`].
    pub fn for_response(status: u16, body: &[u8], product_token: &str) -> RobotsRules {
        match status {
            200..=299 => Robots::parse(body).rules_for(product_token),
            429 => RobotsRules::disallow_all(),
            300..=499 => RobotsRules::allow_all(),
            _ => RobotsRules::disallow_all(),
        }
    }

    /// Whether the crawler may fetch `path_and_query`, the part of a URL from the path on
    /// (`/a/b?c=d`; an empty string means `/`). `/robots.txt` is always allowed.
    pub fn is_allowed(&self, path_and_query: &str) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let path = if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        };
        let path = canonical_percent_encoding(path, true);
        if path.as_ref() == "/robots.txt" {
            return true;
        }
        self.rules
            .iter()
            .find(|rule| rule.pattern.matches(&path))
            .is_none_or(|rule| rule.allow)
    }

    /// [`RobotsRules::is_allowed`] for the path and query of `url` (the host is the
    /// caller's business: these rules are for one host).
    pub fn is_allowed_url(&self, url: &Url) -> bool {
        self.is_allowed(&url[url::Position::BeforePath..url::Position::AfterQuery])
    }

    /// The `Crawl-delay` of the chosen group(s) in seconds, if one was given and valid.
    pub fn crawl_delay(&self) -> Option<f64> {
        self.crawl_delay
    }

    /// The `Sitemap:` URLs of the file these rules came from.
    pub fn sitemaps(&self) -> &[String] {
        &self.sitemaps
    }
}

impl Default for RobotsRules {
    fn default() -> RobotsRules {
        RobotsRules::allow_all()
    }
}

impl Rule {
    fn new(allow: bool, raw: &str) -> Rule {
        let pattern = Pattern::compile(raw);
        Rule {
            allow,
            len: pattern.len(),
            pattern,
        }
    }
}

impl Pattern {
    fn compile(raw: &str) -> Pattern {
        // Paths always start with `/`; a pattern that does not is taken to mean one that
        // does (`Disallow: private` -> `/private`), except for a leading wildcard.
        let (body, anchored) = match raw.strip_suffix('$') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        let mut pieces = body.split('*').map(|piece| {
            canonical_percent_encoding(piece, true)
                .into_owned()
                .into_boxed_str()
        });
        let mut prefix = pieces.next().unwrap_or_default();
        if !raw.starts_with(['/', '*']) {
            prefix = format!("/{prefix}").into_boxed_str();
        }
        Pattern {
            prefix,
            after_stars: pieces.collect(),
            anchored,
        }
    }

    /// The pattern's length in octets as written in canonical form, `*` and `$` included.
    fn len(&self) -> usize {
        let literals: usize = self.after_stars.iter().map(|p| p.len()).sum();
        self.prefix.len() + literals + self.after_stars.len() + usize::from(self.anchored)
    }

    fn matches(&self, path: &str) -> bool {
        let Some(mut rest) = path.strip_prefix(&*self.prefix) else {
            return false;
        };
        let Some((last, middle)) = self.after_stars.split_last() else {
            return !self.anchored || rest.is_empty();
        };
        // Taking the leftmost occurrence of each middle piece leaves the most room for
        // the ones after it, so this finds a match if there is any.
        for piece in middle {
            match rest.find(&**piece) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        if self.anchored {
            rest.ends_with(&**last)
        } else {
            rest.contains(&**last)
        }
    }
}

/// The product token in a `user-agent` value: `*` for the catch-all, otherwise the
/// leading run of `[a-zA-Z_-]` lower-cased (`Googlebot/2.1` -> `googlebot`).
fn agent_token(value: &str) -> Option<String> {
    let value = value.trim();
    let mut chars = value.chars();
    if chars.next() == Some('*') && chars.next().is_none_or(char::is_whitespace) {
        return Some("*".to_owned());
    }
    let end = value
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '_' || c == '-'))
        .unwrap_or(value.len());
    Some(value[..end].to_ascii_lowercase()).filter(|t| !t.is_empty())
}

/// The first [`MAX_ROBOTS_BYTES`] of `body`, cut after the last line break so that a rule
/// is never read half-way (a cut `Disallow: /private` would read as `Disallow: /p`).
fn truncate_at_line(body: &[u8]) -> &[u8] {
    if body.len() <= MAX_ROBOTS_BYTES {
        return body;
    }
    let head = &body[..MAX_ROBOTS_BYTES];
    let end = head
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(0);
    &head[..end]
}

/// `body` without a leading UTF-8 byte order mark, or the first one or two bytes of one
/// (truncated BOMs occur in the wild; Google's parser skips them too).
fn skip_bom(body: &[u8]) -> &[u8] {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let len = body.iter().zip(BOM).take_while(|(a, b)| a == b).count();
    &body[len..]
}

/// A line's field and value, trimmed, with any `#` comment removed: `field: value`, or
/// `field value` when the colon is missing and the line is exactly two words (`Disallow
/// /x`, which Google also accepts). `None` for blank, comment and other lines.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let line = line.split('#').next().unwrap_or("").trim();
    if let Some((field, value)) = line.split_once(':') {
        return Some((field.trim(), value.trim()));
    }
    let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
    match (words.next(), words.next(), words.next()) {
        (Some(field), Some(value), None) => Some((field, value)),
        _ => None,
    }
}

/// For an `Allow` pattern naming a directory's index page (`/dir/index.html`,
/// `/dir/index.htm`), the directory itself (`/dir/`): a site that allows its index page
/// means the directory URL too (Google's reading; the caller adds it anchored, `/dir/$`).
fn index_page_dir(pattern: &str) -> Option<&str> {
    let slash = pattern.rfind('/')?;
    pattern[slash..]
        .starts_with("/index.htm")
        .then(|| &pattern[..=slash])
}

#[cfg(test)]
mod tests;
