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
mod tests {
    use super::*;

    fn rules(body: &str, token: &str) -> RobotsRules {
        Robots::parse(body.as_bytes()).rules_for(token)
    }

    fn check(rules: &RobotsRules, allowed: &[&str], disallowed: &[&str]) {
        for path in allowed {
            assert!(rules.is_allowed(path), "{path} should be allowed");
        }
        for path in disallowed {
            assert!(!rules.is_allowed(path), "{path} should be disallowed");
        }
    }

    const ARENA: &str = "User-agent: *\nDisallow: /private/\nAllow: /private/open\n\n\
                         User-agent: badbot\nDisallow: /\n";

    #[test]
    fn arena_file() {
        let robots = Robots::parse(ARENA.as_bytes());
        let silk = robots.rules_for("silk");
        check(
            &silk,
            &["/private/open", "/p/1", "/", "/private"],
            &["/private/3", "/private/"],
        );
        check(&robots.rules_for("silk/0.1.0"), &["/p/1"], &["/private/3"]);
        let bad = robots.rules_for("BadBot");
        check(&bad, &["/robots.txt"], &["/", "/p/1", "/private/open"]);
    }

    const RFC_5_1: &str = "User-Agent: *\nDisallow: *.gif$\nDisallow: /example/\n\
        Allow: /publications/\n\nUser-Agent: foobot\nDisallow:/\nAllow:/example/page.html\n\
        Allow:/example/allowed.gif\n\nUser-Agent: barbot\nUser-Agent: bazbot\n\
        Disallow: /example/page.html\n\nUser-Agent: quxbot\n\nEOF\n";

    #[test]
    fn rfc_example_groups() {
        let robots = Robots::parse(RFC_5_1.as_bytes());
        let foo = robots.rules_for("foobot");
        check(
            &foo,
            &["/example/page.html", "/example/allowed.gif"],
            &["/", "/x.gif"],
        );
        for agent in ["barbot", "bazbot"] {
            let r = robots.rules_for(agent);
            check(
                &r,
                &["/", "/example/other.html", "/a.gif"],
                &["/example/page.html"],
            );
        }
        check(&robots.rules_for("quxbot"), &["/example/", "/a.gif"], &[]);
        let other = robots.rules_for("silk");
        check(
            &other,
            &["/publications/x", "/a.gif?x", "/a.gifx"],
            &["/a.gif", "/pics/b.gif", "/example/x"],
        );
    }

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let r = rules(
            "user-agent: foobot\nallow: /example/page/\n\
             disallow: /example/page/disallowed.gif\n",
            "foobot",
        );
        check(
            &r,
            &["/example/page/", "/example/page/x"],
            &["/example/page/disallowed.gif"],
        );
        check(
            &rules("user-agent: *\nallow: /p\ndisallow: /\n", "a"),
            &["/page"],
            &["/x"],
        );
        let tie = rules("user-agent: *\nallow: /folder\ndisallow: /folder\n", "a");
        check(&tie, &["/folder/page"], &[]);
        let tie = rules("user-agent: *\ndisallow: /*.ph\nallow: /page\n", "a");
        check(&tie, &["/page.php5"], &["/a.php"]);
        let longer = rules("user-agent: *\nallow: /page\ndisallow: /*.htm\n", "a");
        check(&longer, &["/page"], &["/page.htm"]);
        let anchor = rules("user-agent: *\nallow: /$\ndisallow: /\n", "a");
        check(&anchor, &["/"], &["/page.htm", "/?q"]);
    }

    #[test]
    fn wildcards_and_anchors() {
        let r = rules(
            "user-agent: *\ndisallow: /this/*/exactly$\ndisallow: /*a*b*c\n\
             disallow: /fish*\ndisallow: /x$\n",
            "a",
        );
        check(
            &r,
            &[
                "/this/a/exactly/more",
                "/this/exactly",
                "/cba",
                "/Fish",
                "/x/",
                "/xy",
            ],
            &[
                "/this/a/exactly",
                "/this/a/b/exactly",
                "/zabc",
                "/a/b/c/d",
                "/fish",
                "/fish.html?id=1",
                "/x",
            ],
        );
        check(
            &rules("user-agent: *\ndisallow: *\n", "a"),
            &["/robots.txt"],
            &["/"],
        );
        check(
            &rules("user-agent: *\ndisallow: /a**b$\n", "a"),
            &["/ab/"],
            &["/ab", "/axxb"],
        );
    }

    #[test]
    fn percent_encoding_equivalence() {
        let r = rules(
            "user-agent: *\ndisallow: /a%3cd\ndisallow: /~joe\ndisallow: /ツ\n",
            "a",
        );
        check(
            &r,
            &["/a<", "/%7Ejo"],
            &["/a%3Cd", "/a%3cd/x", "/%7ejoe", "/%E3%83%84"],
        );
        let r = rules(
            "user-agent: *\ndisallow: /foo/bar/%62%61%7A\ndisallow: /q?u=a%2fb\n",
            "a",
        );
        check(
            &r,
            &["/foo/bar/ba", "/q?u=a/b"],
            &["/foo/bar/baz", "/q?u=a%2Fb"],
        );
    }

    #[test]
    fn empty_disallow_and_empty_or_missing_groups() {
        check(&rules("user-agent: *\ndisallow:\n", "a"), &["/", "/x"], &[]);
        check(&rules("", "a"), &["/"], &[]);
        check(&rules("user-agent: other\ndisallow: /\n", "a"), &["/"], &[]);
        check(
            &rules("disallow: /\nuser-agent: *\nallow: /\n", "a"),
            &["/x"],
            &[],
        );
        // A group naming us, even an empty one, shadows `*`.
        check(
            &rules("user-agent: *\ndisallow: /\nuser-agent: silk\n", "silk"),
            &["/"],
            &[],
        );
    }

    #[test]
    fn agent_selection() {
        let body = "user-agent: *\ndisallow: /star\n\
                    user-agent: Silk/2.0 (+http://x)\ndisallow: /one\n\
                    user-agent: silkworm\ndisallow: /worm\n\
                    user-agent: other\nuser-agent: SILK\ndisallow: /two\ncrawl-delay: 2\n\
                    user-agent: silk\ncrawl-delay: 5\n";
        let silk = rules(body, "silk");
        check(&silk, &["/star", "/worm"], &["/one", "/two"]);
        assert_eq!(silk.crawl_delay(), Some(5.0));
        let worm = rules(body, "SilkWorm/1");
        check(&worm, &["/one", "/star"], &["/worm"]);
        assert_eq!(worm.crawl_delay(), None);
        check(&rules(body, "nobody"), &["/one"], &["/star"]);
        check(&rules(body, "*"), &["/one"], &["/star"]);
        let star_prefix = "user-agent: *bot\ndisallow: /\n";
        check(&rules(star_prefix, "silk"), &["/"], &[]);
    }

    #[test]
    fn merges_groups_for_the_same_agent() {
        let body = "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\n\
                    user-agent: *\ndisallow: /star\n\n\
                    user-agent: examplebot\ndisallow: /baz\n";
        let r = rules(body, "examplebot");
        check(&r, &["/star", "/qux"], &["/foo", "/bar", "/baz/1"]);
        let star = "user-agent: *\ndisallow: /a\nuser-agent: x\ndisallow: /x\n\
                    user-agent: *\ndisallow: /b\n";
        check(&rules(star, "silk"), &["/x"], &["/a", "/b"]);
    }

    #[test]
    fn crawl_delay_parsing() {
        let delay = |value: &str| {
            rules(&format!("user-agent: *\ncrawl-delay: {value}\n"), "a").crawl_delay()
        };
        assert_eq!(delay("10"), Some(10.0));
        assert_eq!(delay("0.5"), Some(0.5));
        assert_eq!(delay(" 2.25 # seconds"), Some(2.25));
        assert_eq!(delay("0"), Some(0.0));
        for invalid in ["", "abc", "-1", "1s", "NaN", "inf", "1,5"] {
            assert_eq!(delay(invalid), None, "{invalid:?}");
        }
        let first_valid = rules("user-agent: *\ncrawl-delay: x\ncrawl-delay: 3\n", "a");
        assert_eq!(first_valid.crawl_delay(), Some(3.0));
    }

    #[test]
    fn lenient_syntax() {
        let body = "\u{feff}# comment\r\n  User-Agent : silk # us\r\nDISALLOW:/a\r\n\
                    Foo: bar\rno colon here\r\tAllow: /a/b\r\nDisallow:   private  \n";
        let r = rules(body, "silk");
        check(&r, &["/a/b", "/b"], &["/a", "/a/c", "/private"]);
        let bom_only = Robots::parse(b"\xEF\xBB\xBFuser-agent: *\ndisallow: /x\n");
        check(&bom_only.rules_for("a"), &[], &["/x"]);
        let invalid_utf8 = Robots::parse(b"user-agent: *\ndisallow: /\xFF\xFE\ndisallow: /y");
        check(&invalid_utf8.rules_for("a"), &["/x"], &["/y"]);
    }

    #[test]
    fn sitemaps_are_collected_without_affecting_groups() {
        let body = "user-agent: a\nSitemap: https://e.com/s1.xml\nuser-agent: b\n\
                    disallow: /\nsitemap:https://e.com/s2.xml\nsitemap: https://e.com/s1.xml\n";
        let robots = Robots::parse(body.as_bytes());
        let expected = ["https://e.com/s1.xml", "https://e.com/s2.xml"];
        assert_eq!(robots.sitemaps(), expected);
        let a = robots.rules_for("a");
        check(&a, &[], &["/x"]);
        assert_eq!(a.sitemaps(), expected);
    }

    #[test]
    fn robots_txt_itself_and_url_helper() {
        let r = rules("user-agent: *\ndisallow: /\n", "a");
        check(&r, &["/robots.txt"], &["/robots.txt.bak", "", "/index"]);
        let url = Url::parse("https://e.com/ok?x=1#f").unwrap();
        assert!(!r.is_allowed_url(&url));
        let r = rules("user-agent: *\ndisallow: /*?x=1$\n", "a");
        assert!(!r.is_allowed_url(&url));
        assert!(r.is_allowed_url(&Url::parse("https://e.com/ok?x=12").unwrap()));
    }

    #[test]
    fn status_semantics() {
        let body = ARENA.as_bytes();
        check(
            &RobotsRules::for_response(200, body, "silk"),
            &["/p"],
            &["/private/x"],
        );
        for status in [301, 400, 401, 403, 404, 410] {
            check(
                &RobotsRules::for_response(status, body, "silk"),
                &["/private/x"],
                &[],
            );
        }
        for status in [429, 500, 503, 599, 100] {
            let r = RobotsRules::for_response(status, body, "silk");
            check(&r, &["/robots.txt"], &["/", "/p"]);
        }
        check(&RobotsRules::allow_all(), &["/"], &[]);
        check(&RobotsRules::default(), &["/"], &[]);
    }

    #[test]
    fn only_the_first_500_kib_is_parsed() {
        let mut body = String::from("user-agent: *\ndisallow: /early\n");
        while body.len() < MAX_ROBOTS_BYTES {
            body.push_str("# padding padding padding padding padding padding\n");
        }
        body.push_str("disallow: /late\n");
        check(&rules(&body, "a"), &["/late"], &["/early"]);
    }

    #[test]
    fn a_rule_cut_by_the_500_kib_limit_is_dropped_whole() {
        let mut body = String::from("user-agent: *\ndisallow: /early\n");
        while body.len() < MAX_ROBOTS_BYTES - 5 {
            body.push('\n');
        }
        // `disallow: /private` straddles the limit: reading `disallow: /p` would block `/`.
        body.push_str("disallow: /private\n");
        let r = rules(&body, "a");
        check(&r, &["/p", "/page", "/private"], &["/early"]);
    }

    #[test]
    fn google_leniencies() {
        // A missing colon, when the line is exactly two words.
        let r = rules("user-agent silk\ndisallow /x\ndisallow /y z\n", "silk");
        check(&r, &["/y"], &["/x"]);
        // A whole or partial UTF-8 BOM; a broken one spoils the first line.
        for prefix in [&b"\xEF\xBB\xBF"[..], b"\xEF\xBB", b"\xEF"] {
            let body = [prefix, b"user-agent: *\ndisallow: /x\n"].concat();
            check(&Robots::parse(&body).rules_for("a"), &[], &["/x"]);
        }
        let broken = Robots::parse(b"\xEF\x11user-agent: *\ndisallow: /x\n");
        check(&broken.rules_for("a"), &["/x"], &[]);
        // An allowed index page allows its directory (anchored).
        let r = rules("user-agent: *\nallow: /d/index.htm\ndisallow: /\n", "a");
        check(&r, &["/d/", "/d/index.htm"], &["/d/x", "/d/?q"]);
        // Only MAX_LINE_BYTES of a line are read.
        let long = format!("/{}", "a".repeat(MAX_LINE_BYTES));
        let r = rules(&format!("user-agent: *\ndisallow: {long}/tail\n"), "a");
        let cut = &long[..MAX_LINE_BYTES - "disallow: ".len()];
        check(&r, &[&cut[..cut.len() - 1]], &[cut, &format!("{cut}zz")]);
    }

    #[test]
    fn many_rules_stay_fast_enough() {
        let mut body = String::from("user-agent: *\n");
        for i in 0..2000 {
            body.push_str(&format!(
                "disallow: /section{i}/*.pdf$\nallow: /section{i}/public\n"
            ));
        }
        let r = rules(&body, "a");
        for i in 0..2000 {
            assert!(!r.is_allowed(&format!("/section{i}/x/doc.pdf")));
            assert!(r.is_allowed(&format!("/section{i}/public/doc.html")));
        }
    }
}
