//! The extraction budget: what one hostile page may cost. Network data is hostile, and a
//! page is parsed on the engine's single thread, so every dimension an attacker controls is
//! capped: URL length, links per page, attributes per tag, nesting depth and captured field
//! text. Past a cap the page is cut (the rest is ignored, or the extra dropped), and the
//! record says so in its `cut` key; the counts of dropped links go to the crawl's stats.
//!
//! | what | limit | past it |
//! |---|---|---|
//! | URL length (`href`, `<base href>`, resolved link) | [`MAX_URL_LEN`] = 8 KiB | the link (or base) is dropped and counted |
//! | links per page (after dedupe) | [`MAX_LINKS`] = 10,000 | the rest are not resolved; counted |
//! | link text per page | [`MAX_LINK_BYTES`] = 4 MiB | as above |
//! | attributes per tag | [`MAX_ATTRS`] = 256 | the extra attributes are ignored |
//! | nesting depth | [`MAX_DEPTH`] = 512 elements | the page is parsed no further |
//! | captured field text | [`MAX_CAPTURED_BYTES`] = 2 MiB per page | values stop there |
//!
//! Both extraction paths obey the same budget: the fast path leaves a page that reaches a
//! cap to the scraper path (which enforces it), so a cut page gives the same answer
//! whichever path reads it. Links are deduplicated and capped by one [`LinkList`] shared by
//! both paths.

pub use crate::url_norm::MAX_URL_LEN;
use crate::url_norm::{fingerprint, resolve_link, UrlTooLong};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use url::Url;

/// Distinct links kept per page: enough for any real index page (sitemaps in HTML rarely
/// pass a few thousand), and the links past it would mostly be a trap.
pub const MAX_LINKS: usize = 10_000;
/// Bytes of resolved links kept per page: 10,000 links of 400 bytes. Together with
/// [`MAX_URL_LEN`] this bounds a page's links to a few MiB however long its base.
pub const MAX_LINK_BYTES: usize = 4 << 20;
/// Attributes read per tag, duplicates included. Duplicate checks are quadratic in
/// html5ever (and in any simple tokenizer); real tags have a few dozen at most.
pub const MAX_ATTRS: usize = 256;
/// Elements nested in one another: Chromium's parser stops nesting at 512 as well. Scope
/// checks of the tree builder walk the stack of open elements, so depth costs per tag.
pub const MAX_DEPTH: usize = 512;
/// Bytes of field text scanned and attribute values taken per page, over all fields: a
/// `name[]=div` field over nested elements reads the same text once per level.
pub const MAX_CAPTURED_BYTES: usize = 2 << 20;

/// What was cut from one page, in the words of its record's `cut` key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Cuts {
    notes: Vec<String>,
}

impl Cuts {
    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// The record's `cut` value: every budget that was reached, `; `-separated.
    pub fn message(self) -> Option<String> {
        (!self.notes.is_empty()).then(|| self.notes.join("; "))
    }
}

/// `<base href>` resolved against the page, or `None` if it is not usable. One longer than
/// [`MAX_URL_LEN`] is ignored, and noted.
pub fn join_base(page_url: &Url, href: &str, cuts: &mut Cuts) -> Option<Url> {
    let href = href.trim();
    let joined = if href.len() > MAX_URL_LEN {
        None
    } else {
        Some(page_url.join(href).ok()?)
    };
    match joined {
        Some(base) if base.as_str().len() <= MAX_URL_LEN => Some(base),
        _ => {
            cuts.note(format!(
                "a <base href> longer than {MAX_URL_LEN} bytes was ignored"
            ));
            None
        }
    }
}

/// A hasher for fingerprints, which are well mixed already.
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The links of one page, resolved, normalised, deduplicated and capped, in the order
/// they were first seen.
#[derive(Default)]
pub struct LinkList {
    links: Vec<Url>,
    seen: HashSet<u64, BuildHasherDefault<FingerprintHasher>>,
    bytes: usize,
    too_long: u64,
    /// Candidates not looked at because the page's budget was spent.
    not_read: u64,
    full: bool,
}

impl LinkList {
    /// One link candidate (an `href` value) on a page whose base is `base`.
    pub fn push(&mut self, base: &Url, href: &str) {
        if self.full {
            self.not_read += 1;
            return;
        }
        match resolve_link(base, href) {
            Err(UrlTooLong) => self.too_long += 1,
            Ok(None) => {}
            Ok(Some(url)) => {
                if !self.seen.insert(fingerprint(url.as_str())) {
                    return;
                }
                let len = url.as_str().len();
                if self.links.len() >= MAX_LINKS || self.bytes + len > MAX_LINK_BYTES {
                    self.full = true;
                    self.not_read += 1;
                    return;
                }
                self.bytes += len;
                self.links.push(url);
            }
        }
    }

    /// A link that is not a candidate (the meta refresh target) was too long.
    pub fn too_long(&mut self) {
        self.too_long += 1;
    }

    /// The links kept, and how many were dropped (too long, or past the page's budget);
    /// notes the cut in `cuts`.
    pub fn finish(self, cuts: &mut Cuts) -> (Vec<Url>, u64) {
        if self.too_long > 0 {
            cuts.note(format!(
                "{} links longer than {MAX_URL_LEN} bytes dropped",
                self.too_long
            ));
        }
        if self.full {
            cuts.note(format!(
                "more than {MAX_LINKS} links or {} MiB of links: {} dropped",
                MAX_LINK_BYTES >> 20,
                self.not_read
            ));
        }
        (self.links, self.too_long + self.not_read)
    }
}

/// The captured-text budget of one page, spent by both extraction paths alike.
#[derive(Debug, Clone, Copy)]
pub struct TextBudget {
    left: usize,
    spent: bool,
}

impl Default for TextBudget {
    fn default() -> Self {
        TextBudget {
            left: MAX_CAPTURED_BYTES,
            spent: false,
        }
    }
}

impl TextBudget {
    /// No limit (for callers outside a page's extraction, such as a page handler's own
    /// selections).
    pub fn unlimited() -> Self {
        TextBudget {
            left: usize::MAX,
            spent: false,
        }
    }

    /// Takes `n` bytes; `false` (and the budget is spent) if fewer are left.
    pub fn take(&mut self, n: usize) -> bool {
        if self.spent || n > self.left {
            self.spent = true;
            self.left = 0;
            return false;
        }
        self.left -= n;
        true
    }

    pub fn spent(&self) -> bool {
        self.spent
    }

    pub fn note(&self, cuts: &mut Cuts) {
        if self.spent {
            cuts.note(format!(
                "more than {} MiB of field text: values cut there",
                MAX_CAPTURED_BYTES >> 20
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_deduplicated_and_capped() {
        let base = Url::parse("http://h/p").unwrap();
        let mut list = LinkList::default();
        list.push(&base, &"x".repeat(MAX_URL_LEN + 1));
        for i in 0..MAX_LINKS + 500 {
            list.push(&base, &format!("?{i}"));
            list.push(&base, &format!("?{i}#again"));
        }
        let mut cuts = Cuts::default();
        let (links, dropped) = list.finish(&mut cuts);
        assert_eq!(links.len(), MAX_LINKS);
        assert_eq!(links[0].as_str(), "http://h/p?0");
        // The long one, and past the cap 500 new links and their 500 repeats (not read).
        assert_eq!(dropped, 1001);
        let msg = cuts.message().unwrap();
        assert!(msg.contains("more than 10000 links"), "{msg}");
        assert!(msg.contains("1 links longer than 8192 bytes"), "{msg}");
    }

    #[test]
    fn an_overlong_base_is_ignored() {
        let page = Url::parse("http://h/dir/").unwrap();
        let mut cuts = Cuts::default();
        assert_eq!(
            join_base(&page, " /b/ ", &mut cuts).unwrap().as_str(),
            "http://h/b/"
        );
        assert_eq!(cuts.clone().message(), None);
        assert_eq!(join_base(&page, &"b".repeat(2 << 20), &mut cuts), None);
        assert!(cuts.message().unwrap().contains("<base href>"));
    }

    #[test]
    fn the_text_budget_is_spent_once() {
        let mut budget = TextBudget::default();
        assert!(budget.take(MAX_CAPTURED_BYTES - 1));
        assert!(!budget.take(2));
        assert!(!budget.take(0));
        assert!(budget.spent());
    }
}
