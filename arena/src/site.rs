//! The page graph: which page links where, and therefore which pages a crawler must find.
//!
//! This module decides *structure* only (targets, href forms, where the redirects, dead
//! links and robots-disallowed links sit); `pages.rs` turns it into HTML. Everything is a
//! pure function of the config, computed on demand per page, so any page can be served
//! without building the whole graph and a site of a million pages costs no memory.
//!
//! Shape (N = pages, K = links):
//! - `/` links `/p/0 .. /p/{min(K,N)-1}`.
//! - `/p/i` links `/p/{(i+1) % N}` first (the chain that makes every page reachable from
//!   `/`), then K-1 pseudo-random other product pages, each written in one of several
//!   equivalent href forms (see [`LinkForm`]).
//! - Pages are cut into blocks of [`BLOCK`] pages; each block hosts one link to a redirect
//!   `/r/{b}`, three dead links `/gone/{3b..3b+2}` and two robots-disallowed links
//!   `/private/{2b+2..2b+3}`, each on a pseudo-random page of the block.

use std::collections::BTreeSet;

use crate::config::ArenaConfig;
use crate::faults;
use crate::origins::Origins;
use crate::prng::{Domain, SplitMix64};

/// Pages per block; each block hosts a fixed set of special links.
pub(crate) const BLOCK: usize = 100;
const DEAD_PER_BLOCK: usize = 3;
const PRIVATE_PER_BLOCK: usize = 2;
/// Special link slots per block: one redirect, the dead links, the private links.
const SLOTS_PER_BLOCK: usize = 1 + DEAD_PER_BLOCK + PRIVATE_PER_BLOCK;

/// Equivalent ways to write the link to `/p/{j}` from a product page `/p/{i}`. All of them
/// resolve (RFC 3986 / WHATWG) and normalise to the same URL, exercising the crawler's URL
/// normalisation and dedupe. Forms needing the host fall back to `Root` without a `Host`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkForm {
    /// `/p/5`
    Root,
    /// `5` (relative to `/p/i`)
    Relative,
    /// `./5`
    DotRelative,
    /// `../p/5`
    ParentRelative,
    /// `http://127.0.0.1:PORT/p/5`
    Absolute,
    /// `HTTP://127.0.0.1:PORT/p/5`
    UpperScheme,
    /// `/p/5#top`
    Fragment,
    /// `/p/./5`
    DotSegment,
    /// `/p/x/../5`
    DotDot,
    /// `//127.0.0.1:PORT/p/5`
    SchemeRelative,
}

/// One link from a product page to another product page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ProductLink {
    pub(crate) target: usize,
    pub(crate) form: LinkForm,
}

/// A non-product link hosted by a product page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    /// `/r/{n}`: 301 to a product page.
    Redirect(usize),
    /// `/gone/{n}`: 404.
    Dead(usize),
    /// `/private/{n}`: disallowed by robots.txt.
    Private(usize),
}

/// The page graph of one config.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pages: usize,
    links: usize,
    seed: u64,
    faults: bool,
    /// Origins the pages are spread over (`origins.rs`): product `i` lives on `i % origins`.
    origins: usize,
}

impl Site {
    /// The graph of `config` served on `origins` origins (1: everything on one).
    pub(crate) fn new(config: &ArenaConfig, origins: usize) -> Site {
        Site {
            pages: config.page_count(),
            links: config.link_count(),
            seed: config.seed,
            faults: config.faults,
            origins: origins.max(1),
        }
    }

    pub(crate) fn pages(&self) -> usize {
        self.pages
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn faults(&self) -> bool {
        self.faults
    }

    /// How many product pages the home page links (`/p/0 .. /p/{n-1}`).
    pub(crate) fn home_products(&self) -> usize {
        self.links.min(self.pages)
    }

    /// A product index taken modulo the page count, for fixed links on fault pages. With
    /// several origins it is rounded down to a product of origin 0, where the fault pages
    /// live, so their root-relative links name each product on its home origin.
    pub(crate) fn product(&self, i: usize) -> usize {
        let j = i % self.pages;
        j - j % self.origins
    }

    /// The product page that links the special link `special` (see [`Site::specials`]).
    pub(crate) fn special_page(&self, special: Special) -> usize {
        match special {
            Special::Redirect(r) => self.special_host(r, 0),
            Special::Dead(g) => self.special_host(g / DEAD_PER_BLOCK, 1 + g % DEAD_PER_BLOCK),
            Special::Private(n) => {
                let k = n.saturating_sub(2);
                self.special_host(
                    k / PRIVATE_PER_BLOCK,
                    1 + DEAD_PER_BLOCK + k % PRIVATE_PER_BLOCK,
                )
            }
        }
    }

    fn blocks(&self) -> usize {
        self.pages.div_ceil(BLOCK)
    }

    /// Redirects `/r/0 .. /r/{n-1}` exist (and each is linked exactly from one page).
    pub(crate) fn redirect_count(&self) -> usize {
        self.blocks()
    }

    /// Dead links `/gone/0 .. /gone/{n-1}` are linked (any `/gone/*` answers 404).
    pub(crate) fn dead_count(&self) -> usize {
        self.blocks() * DEAD_PER_BLOCK
    }

    /// Where `/r/{r}` redirects: a real product page, or `None` if there is no such redirect.
    pub(crate) fn redirect_target(&self, r: usize) -> Option<usize> {
        (r < self.redirect_count()).then(|| {
            SplitMix64::stream(self.seed, Domain::RedirectTarget, r as u64).below(self.pages)
        })
    }

    /// The product links of `/p/{i}`, in page order.
    pub(crate) fn product_links(&self, i: usize) -> Vec<ProductLink> {
        let mut rng = SplitMix64::stream(self.seed, Domain::ProductLinks, i as u64);
        let mut out = Vec::with_capacity(self.links);
        for l in 0..self.links {
            let target = if l == 0 {
                (i + 1) % self.pages
            } else {
                let t = rng.below(self.pages);
                if t == i {
                    (t + 1) % self.pages
                } else {
                    t
                }
            };
            let form = match rng.below(20) {
                0..=9 => LinkForm::Root,
                10 => LinkForm::Relative,
                11 => LinkForm::DotRelative,
                12 => LinkForm::ParentRelative,
                13 | 14 => LinkForm::Absolute,
                15 => LinkForm::UpperScheme,
                16 => LinkForm::Fragment,
                17 => LinkForm::DotSegment,
                18 => LinkForm::DotDot,
                _ => LinkForm::SchemeRelative,
            };
            out.push(ProductLink { target, form });
        }
        out
    }

    /// The page of block `block` hosting special slot `slot`.
    fn special_host(&self, block: usize, slot: usize) -> usize {
        let lo = block * BLOCK;
        let hi = (lo + BLOCK).min(self.pages);
        let key = (block * SLOTS_PER_BLOCK + slot) as u64;
        lo + SplitMix64::stream(self.seed, Domain::Specials, key).below(hi - lo)
    }

    /// The special links hosted by `/p/{i}`, usually none.
    pub(crate) fn specials(&self, i: usize) -> Vec<Special> {
        let block = i / BLOCK;
        (0..SLOTS_PER_BLOCK)
            .filter(|&slot| self.special_host(block, slot) == i)
            .map(|slot| match slot {
                0 => Special::Redirect(block),
                s if s <= DEAD_PER_BLOCK => Special::Dead(block * DEAD_PER_BLOCK + s - 1),
                s => Special::Private(2 + block * PRIVATE_PER_BLOCK + s - 1 - DEAD_PER_BLOCK),
            })
            .collect()
    }

    /// Every path a correct crawler starting at `/` records, sorted; see
    /// [`crate::Arena::expected_pages`] for the exact contract. With several origins each
    /// is the URL on its home origin (the origin of the page linking it, for specials).
    pub(crate) fn expected_pages(&self, origins: &Origins) -> Vec<String> {
        let mut set = BTreeSet::new();
        let mut add = |home: usize, path: String| {
            set.insert(origins.listed(home, &path));
        };
        add(0, "/".to_string());
        add(0, "/private/open".to_string());
        for i in 0..self.pages {
            add(origins.spread(i), format!("/p/{i}"));
        }
        for r in 0..self.redirect_count() {
            let host = self.special_page(Special::Redirect(r));
            add(origins.spread(host), format!("/r/{r}"));
        }
        for g in 0..self.dead_count() {
            let host = self.special_page(Special::Dead(g));
            add(origins.spread(host), format!("/gone/{g}"));
        }
        if self.faults {
            add(0, faults::INDEX.to_string());
            for f in faults::LINKED {
                add(0, f.path.to_string());
            }
        }
        set.into_iter().collect()
    }
}

/// Parses a path segment as an index in canonical decimal form: digits only, no sign, no
/// leading zero (so `/p/05` is a 404, not a second spelling of `/p/5`).
pub(crate) fn parse_index(s: &str) -> Option<usize> {
    let canonical = !s.is_empty()
        && s.len() <= 18
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(pages: usize, links: usize, seed: u64) -> Site {
        Site::new(
            &ArenaConfig {
                pages,
                links,
                seed,
                ..ArenaConfig::default()
            },
            1,
        )
    }

    #[test]
    fn every_special_is_hosted_exactly_once() {
        for pages in [1, 7, 100, 101, 250, 1000] {
            let s = site(pages, 10, 9);
            let all: Vec<Special> = (0..pages).flat_map(|i| s.specials(i)).collect();
            let redirects = all
                .iter()
                .filter(|x| matches!(x, Special::Redirect(_)))
                .count();
            let dead = all.iter().filter(|x| matches!(x, Special::Dead(_))).count();
            assert_eq!(redirects, s.redirect_count(), "pages={pages}");
            assert_eq!(dead, s.dead_count(), "pages={pages}");
            for g in 0..s.dead_count() {
                assert!(all.contains(&Special::Dead(g)));
            }
            for r in 0..s.redirect_count() {
                assert!(s.redirect_target(r).unwrap() < pages);
            }
            for i in 0..pages {
                for special in s.specials(i) {
                    assert_eq!(s.special_page(special), i, "{special:?}");
                }
            }
            assert_eq!(s.redirect_target(s.redirect_count()), None);
        }
    }

    #[test]
    fn links_stay_in_range_and_chain() {
        let s = site(50, 6, 3);
        for i in 0..50 {
            let links = s.product_links(i);
            assert_eq!(links.len(), 6);
            assert_eq!(links[0].target, (i + 1) % 50);
            assert!(links.iter().all(|l| l.target < 50 && l.target != i));
        }
    }

    #[test]
    fn seed_changes_the_graph() {
        let a: Vec<_> = (0..20).map(|i| site(300, 10, 1).product_links(i)).collect();
        let b: Vec<_> = (0..20).map(|i| site(300, 10, 2).product_links(i)).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn indexes_are_canonical() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("17"), Some(17));
        for bad in ["", "05", "+5", "5 ", "./5", "1e3", "99999999999999999999"] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn expected_pages_counts() {
        let s = site(300, 10, 1);
        let pages = s.expected_pages(&Origins::single());
        // "/", "/private/open", 300 products, 3 redirects, 9 dead links, the fault pages.
        assert_eq!(pages.len(), 2 + 300 + 3 + 9 + 1 + faults::LINKED.len());
    }
}
