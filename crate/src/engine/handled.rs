//! The page handler's part of the loop: a fetched HTML page becomes a [`Page`] and a handler
//! future that keeps the page's concurrency slot until it finishes (or fails, panics, or
//! outlives the spec's timeout); its output becomes the record's items and the links to
//! queue; the items then go to the item sink with backpressure. See [`crate::handler`] for
//! the guarantees.

use super::job::{Done, Job};
use super::Run;
use crate::events::{Event, Record};
use crate::extract::PageContent;
use crate::fetch::{ErrorKind, FetchError, FetchResponse};
use crate::frontier::{Frontier, QueuedUrl};
use crate::handler::{run_guarded, Follow, Page, PageOutput, PageParts};
use crate::url_norm::{resolve_link, UrlTooLong};
use futures::future::{self, Either};
use futures::{FutureExt, SinkExt};
use std::rc::Rc;
use std::time::Duration;
use url::Url;

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    /// Starts the handler on a fetched page; the page's job waits in a concurrency slot.
    pub(super) fn start_handler(
        &mut self,
        job: Job,
        resp: FetchResponse,
        text: String,
        content: PageContent,
    ) {
        let handler = self
            .handler
            .clone()
            .expect("start_handler is called only with a handler");
        let page = Page::new(PageParts {
            url: job.requested().to_string(),
            final_url: job.url.to_string(),
            status: resp.status,
            headers: resp.headers,
            depth: job.depth,
            referer: job.referer.as_deref().map(String::from),
            text,
            fields: content.fields,
            links: content.links.into_iter().chain(content.refresh).collect(),
            meta: job.meta.clone(),
        });
        let timeout = Duration::from_millis(self.spec.spec.timeout_ms);
        let run = run_guarded(&*handler, page.clone());
        let deadline = self.clock.sleep(timeout);
        // The slot the fetch just freed: nothing was started in between.
        let slot = self
            .free_slots
            .pop()
            .expect("the slot of the finished fetch is free");
        self.slots[slot as usize] = Some(job);
        self.in_flight.push(
            async move {
                let result = match future::select(run, deadline).await {
                    Either::Left((result, _)) => result,
                    Either::Right(_) => Err(format!(
                        "the page handler did not finish within {} ms (the spec's timeout_ms)",
                        timeout.as_millis()
                    )),
                };
                Done::Handled { slot, page, result }
            }
            .boxed_local(),
        );
    }

    /// The handler is done with `job`'s page: its record, items and links.
    pub(super) async fn handled(
        &mut self,
        job: Job,
        page: Page,
        result: Result<PageOutput, String>,
    ) {
        let status = Some(page.status());
        let fields = page.fields().to_vec();
        match result {
            Ok(output) => {
                let links = match output.follow {
                    None => self.spec_links(&job, page.links().iter().cloned()),
                    Some(follow) => self.follow_links(&job, &page, follow),
                };
                let mut record = self.build_record(job, status, fields, None);
                record.items = output.items;
                self.commit(record, links).await;
            }
            Err(message) => {
                let error = FetchError::new(ErrorKind::Handler, message);
                self.emit_record(job, status, fields, Some(error), Vec::new())
                    .await;
            }
        }
    }

    /// A handler's follow list as queue entries: resolved against the page, then through
    /// scope, allow/deny and depth like any link (the frontier adds the seen-set, the
    /// scheduler robots.txt and politeness).
    fn follow_links(&mut self, job: &Job, page: &Page, follow: Vec<Follow>) -> Vec<QueuedUrl> {
        let referer: Rc<str> = Rc::from(job.url.as_str());
        let mut links = Vec::with_capacity(follow.len());
        for f in follow {
            // An absolute URL needs no base (which would parse the document to find one).
            let url = match Url::parse(&f.url) {
                Ok(absolute) => resolve_link(&absolute, &f.url),
                Err(_) => Ok(page.absolute(&f.url)),
            };
            let url = match url {
                Ok(url) => url,
                Err(UrlTooLong) => {
                    self.stats.links_dropped += 1;
                    continue;
                }
            };
            let depth = f.depth.unwrap_or(job.depth + 1);
            match url {
                Some(url) if self.scope.admits(&url, depth) => links.push(QueuedUrl {
                    url,
                    depth,
                    referer: Some(referer.clone()),
                    priority: f.priority,
                    meta: f.meta.map(Rc::new),
                    attempts: 0,
                    lastmod: None,
                    sitemap: false,
                    validators: None,
                }),
                _ => self.stats.links_filtered += 1,
            }
        }
        links
    }

    /// Hands a committed record's items to the item sink, waiting until it takes them
    /// (backpressure), and to the event stream.
    pub(super) async fn deliver_items(&mut self, record: &Record) {
        if record.items.is_empty() {
            return;
        }
        if let Some(sink) = self.items.as_mut() {
            let mut sent = Ok(());
            for item in &record.items {
                sent = sink.feed(item.clone()).await;
                if sent.is_err() {
                    break;
                }
            }
            if sent.is_ok() {
                sent = sink.flush().await;
            }
            if let Err(why) = sent {
                self.items = None;
                self.fail_store(format!("the item sink failed: {why}"));
            }
        }
        for item in &record.items {
            (self.emit)(Event::Item {
                url: record.url.clone(),
                item: item.clone(),
            });
        }
    }

    /// Closes the item sink at the end of the crawl, so a writer behind it can finish.
    pub(super) async fn close_items(&mut self) {
        if let Some(mut sink) = self.items.take() {
            if let Err(why) = sink.close().await {
                self.stats
                    .store_error
                    .get_or_insert(format!("the item sink failed to close: {why}"));
            }
        }
    }
}
