//! What a finished fetch becomes: a retry after backoff (or `Retry-After`), a redirect hop
//! (through the seen-set and scope, with loop and hop-count checks), or a [`Record`] plus
//! the in-scope links of the page, handed to the frontier in one step.

use super::job::Job;
use super::{FinalUrl, Run};
use crate::decode::{decode_html, is_html};
use crate::events::{Event, Record};
use crate::extract::extract;
use crate::fetch::{ErrorKind, FetchError, FetchResponse};
use crate::frontier::{Frontier, QueuedUrl};
use crate::url_norm::parse_link;
use crate::validators::Validators;
use serde_json::Value;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// A Retry-After longer than this is not waited for: the response is recorded instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    pub(super) async fn page_done(
        &mut self,
        mut job: Job,
        result: Result<FetchResponse, FetchError>,
    ) {
        let retries = self.spec.spec.retries;
        let resp = match result {
            Err(e) if e.kind.is_transient() && job.attempt < retries => {
                let wait = self.backoff(job.attempt);
                return self.retry(job, wait);
            }
            Err(e) => {
                return self
                    .emit_record(job, None, Vec::new(), Some(e), Vec::new())
                    .await
            }
            Ok(resp) => resp,
        };
        job.bytes += resp.body.len() as u64;
        job.protocol = resp.protocol;
        if let Some(final_url) = resp.url.as_ref().filter(|u| **u != job.url) {
            // The platform followed redirects itself (the browser): the target is fetched
            // already, but a page seen before or out of scope is recorded, not used again.
            if let Some(norm) = parse_link(final_url, final_url.as_str()) {
                let verdict = self.claim_final_url(&norm, &job).await;
                job.url = norm;
                match verdict {
                    FinalUrl::Use => {}
                    FinalUrl::Record => {
                        return self
                            .emit_record(job, Some(resp.status), Vec::new(), None, Vec::new())
                            .await
                    }
                    FinalUrl::Refetch => return self.refetch_hop(job),
                }
            }
        }
        let status = resp.status;
        if status == 304 {
            return self.not_modified(job, resp).await;
        }
        if (300..400).contains(&status) {
            return self.redirect(job, resp).await;
        }
        if (status == 429 || status == 408 || (500..600).contains(&status)) && job.attempt < retries
        {
            match self.retry_after(&resp) {
                Some(wait) if wait > MAX_RETRY_AFTER => {}
                Some(wait) => return self.retry(job, wait),
                None => {
                    let wait = self.backoff(job.attempt);
                    return self.retry(job, wait);
                }
            }
        }
        self.page_fetched(job, resp).await;
    }

    pub(super) fn backoff(&mut self, attempt: u32) -> Duration {
        let base = Duration::from_millis(500) * 2u32.saturating_pow(attempt.min(10));
        base.mul_f64(0.5 + self.rng.next_f64())
    }

    /// Retry-After as seconds, or as an HTTP date relative to the response's Date header
    /// (so no wall clock is needed, which wasm lacks).
    pub(super) fn retry_after(&self, resp: &FetchResponse) -> Option<Duration> {
        let value = resp.header("retry-after")?.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        let date = httpdate::parse_http_date(resp.header("date")?).ok()?;
        Some(at.duration_since(date).unwrap_or(Duration::ZERO))
    }

    pub(super) fn retry(&mut self, mut job: Job, wait: Duration) {
        job.attempt += 1;
        job.not_before = self.clock.now() + wait;
        self.stats.retries += 1;
        self.delayed.push(job);
    }

    pub(super) async fn redirect(&mut self, mut job: Job, resp: FetchResponse) {
        let target = resp
            .header("location")
            .and_then(|l| parse_link(&job.url, l));
        let Some(target) = target else {
            let err = FetchError::new(
                ErrorKind::Http,
                format!("HTTP {} without a usable Location header", resp.status),
            );
            return self
                .emit_record(job, Some(resp.status), Vec::new(), Some(err), Vec::new())
                .await;
        };
        if job.chain.contains(&target) {
            let path: Vec<&str> = job.chain.iter().map(Url::as_str).collect();
            let err = FetchError::new(
                ErrorKind::RedirectLoop,
                format!("redirect loop: {} -> {}", path.join(" -> "), target),
            );
            job.url = target;
            return self
                .emit_record(job, Some(resp.status), Vec::new(), Some(err), Vec::new())
                .await;
        }
        if job.chain.len() > self.spec.spec.max_redirects as usize {
            let err = FetchError::new(
                ErrorKind::TooManyRedirects,
                format!("more than {} redirects", self.spec.spec.max_redirects),
            );
            job.url = target;
            return self
                .emit_record(job, Some(resp.status), Vec::new(), Some(err), Vec::new())
                .await;
        }
        let follow = self.claim_target(&target, &job).await;
        job.url = target;
        if !follow {
            // Out of scope, or fetched on its own: record the redirect as it is.
            return self
                .emit_record(job, Some(resp.status), Vec::new(), None, Vec::new())
                .await;
        }
        job.chain.push(job.url.clone());
        job.attempt = 0;
        self.park(job, true);
    }

    pub(super) async fn page_fetched(&mut self, mut job: Job, resp: FetchResponse) {
        let status = resp.status;
        if status >= 400 {
            let err = FetchError::new(ErrorKind::Http, format!("HTTP {status}"));
            return self
                .emit_record(job, Some(status), Vec::new(), Some(err), Vec::new())
                .await;
        }
        if job.sitemap {
            return self.sitemap_fetched(job, resp).await;
        }
        if self.frontier.wants_validators() {
            job.validators = Validators::from_response(&resp).map(Rc::new);
        }
        let content_type = resp.header("content-type");
        if !is_html(content_type, &resp.body) {
            return self
                .emit_record(job, Some(status), Vec::new(), None, Vec::new())
                .await;
        }
        let want_links = self.spec.spec.max_depth.is_none_or(|m| job.depth < m);
        let (text, _) = decode_html(content_type, &resp.body);
        let mut content = extract(&text, &job.url, &self.spec, want_links);
        // A cut page says so in its record, handled or not.
        job.cut = content.cut.take();
        self.stats.links_dropped += content.links_dropped;
        job.directives = self.page_directives(&job, &resp, &mut content).await;
        if self.handler.is_some() && !job.directives.withholds_content() {
            let text = text.into_owned();
            return self.start_handler(job, resp, text, content);
        }
        let links = self.spec_links(&job, content.links.into_iter().chain(content.refresh));
        self.emit_record(job, Some(status), content.fields, None, links)
            .await;
    }

    /// The links the spec's rules found on `job`'s page that are in scope, as queue entries.
    pub(super) fn spec_links(
        &mut self,
        job: &Job,
        found: impl IntoIterator<Item = Url>,
    ) -> Vec<QueuedUrl> {
        let referer: Rc<str> = Rc::from(job.url.as_str());
        let next_depth = job.depth + 1;
        let mut links = Vec::new();
        for link in found {
            if self.scope.admits(&link, next_depth) {
                links.push(QueuedUrl::new(link, next_depth, Some(referer.clone())));
            } else {
                self.stats.links_filtered += 1;
            }
        }
        links
    }

    /// Hands a job's record and the links found on its page to the frontier as one step,
    /// then reports the record.
    pub(super) async fn emit_record(
        &mut self,
        job: Job,
        status: Option<u16>,
        fields: Vec<(String, Value)>,
        error: Option<FetchError>,
        links: Vec<QueuedUrl>,
    ) {
        let record = self.build_record(job, status, fields, error);
        self.commit(record, links).await;
    }

    /// Hands a finished record and its page's links to the frontier as one step; if the
    /// store accepts it, delivers the record's items (to the item sink, with backpressure,
    /// and as events), then reports the record.
    pub(super) async fn commit(&mut self, record: Record, links: Vec<QueuedUrl>) {
        if self.frontier.complete(&record, links).await {
            self.deliver_items(&record).await;
            self.report(record);
        }
    }

    pub(super) fn build_record(
        &self,
        job: Job,
        status: Option<u16>,
        mut fields: Vec<(String, Value)>,
        error: Option<FetchError>,
    ) -> Record {
        if fields.is_empty() {
            fields = self.null_fields();
        }
        let started_ms = job.started_ms.unwrap_or_else(|| self.now_ms());
        // Validators describe a page that was served: kept for 2xx (and a 304's, set by
        // `not_modified`), never for errors or redirects.
        let validators = match status {
            Some(200..=299 | 304) => job.validators.as_deref().cloned(),
            _ => None,
        };
        Record {
            final_url: (status.is_some() || job.url != *job.requested())
                .then(|| job.url.to_string()),
            url: job.requested().to_string(),
            status,
            depth: job.depth,
            referer: job.referer.as_deref().map(String::from),
            bytes: job.bytes,
            elapsed_ms: (self.now_ms() - started_ms).max(0.0),
            fields,
            error,
            items: Vec::new(),
            cut: job.cut,
            started_ms,
            slot: job.slot,
            directives: job.directives,
            lastmod: job.lastmod.as_deref().map(String::from),
            sitemap: job.sitemap,
            not_modified: false,
            validators,
            protocol: job.protocol,
        }
    }

    pub(super) fn report(&mut self, record: Record) {
        self.stats.count(&record);
        (self.emit)(Event::Record(record));
        self.maybe_progress(false);
    }

    pub(super) fn null_fields(&self) -> Vec<(String, Value)> {
        self.spec
            .fields
            .iter()
            .map(|f| (f.name.clone(), Value::Null))
            .collect()
    }
}
