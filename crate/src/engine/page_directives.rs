//! What a fetched page's own robots rules and canonical link do to it, between extraction
//! and the record: `noindex` withholds its fields (and its handler), `nofollow` drops its
//! links, and with `canonical` on, a page whose canonical URL was seen first is a duplicate.
//! Kept out of `page_outcome` so that the path every page takes reads the same with the
//! features off, where this costs a scan of the response headers and nothing else.
//!
//! The canonical rule, exactly: the page's canonical URL (the first
//! `<link rel="canonical" href>`, resolved against the base and normalised like a link)
//! counts only if it differs from every URL of the page's redirect chain and scope
//! admits it at the page's depth (as a redirect target would be). Then the record says
//! `canonical`, and the canonical URL is claimed in the seen-set like a redirect target:
//! if it was unseen, it is now seen and never fetched (this page stands for it); if it was
//! already seen (queued, fetched, or claimed by another page), this page is a `duplicate`:
//! recorded, its links followed, its fields null and no handler run.

use super::job::Job;
use super::Run;
use crate::events::Event;
use crate::extract::PageContent;
use crate::fetch::FetchResponse;
use crate::frontier::Frontier;
use crate::robots_meta::{product_token, Directives, PageDirectives};

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    /// Applies the page's robots directives (meta tags and `X-Robots-Tag`) and canonical
    /// link to its extracted `content`; returns what the record is to say.
    pub(super) async fn page_directives(
        &mut self,
        job: &Job,
        resp: &FetchResponse,
        content: &mut PageContent,
    ) -> PageDirectives {
        let mut out = PageDirectives::default();
        let spec = &self.spec.spec;
        if spec.robots {
            let token = product_token(&spec.user_agent);
            let said = content
                .robots
                .union(Directives::from_headers(&resp.headers, token));
            out.noindex = said.noindex;
            out.nofollow = said.nofollow;
            if said.nofollow && !spec.follow_nofollow {
                self.stats.links_nofollow += content.links.len() as u64;
                content.links.clear();
            }
        }
        if let Some(canonical) = content.canonical.take() {
            let own = job.url == canonical || job.chain.contains(&canonical);
            if !own && self.scope.admits_redirect(&canonical, job.depth) {
                out.duplicate = !self.frontier.mark_seen(&canonical, job.requested()).await;
                out.canonical = Some(canonical.into());
            }
        }
        if out.withholds_content() {
            content.fields.clear();
        }
        out
    }
}
