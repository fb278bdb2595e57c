//! A 304 Not Modified answer. To a conditional request (a recrawl asked with the previous
//! pass's validators) it means "your copy is current": the page's record reuses the
//! previous pass's fields and items, says `not_modified`, and nothing is downloaded or
//! extracted; its links are not looked at either, since every page of the previous pass is
//! queued again at the start of a recrawl anyway. A 304 is never a redirect nor an `http`
//! error.
//!
//! Two cases should not happen and are handled without a panic: the store has no previous
//! record for the page (the request is sent again once, unconditionally), and a 304 to a
//! request that asked nothing (recorded with an `other` error: there is no page to keep).

use super::job::Job;
use super::Run;
use crate::events::Event;
use crate::fetch::{ErrorKind, FetchError, FetchResponse};
use crate::frontier::Frontier;
use crate::validators::Validators;
use std::rc::Rc;

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    pub(super) async fn not_modified(&mut self, mut job: Job, resp: FetchResponse) {
        let Some(sent) = job.conditional().cloned() else {
            let err = FetchError::new(
                ErrorKind::Other,
                "HTTP 304 Not Modified to a request that was not conditional: there is no page to record",
            );
            return self
                .emit_record(job, Some(304), Vec::new(), Some(err), Vec::new())
                .await;
        };
        let Some(previous) = self.frontier.previous_record(job.requested()).await else {
            // The previous copy is not there any more: ask for the page itself, once (a
            // second 304 then takes the branch above).
            job.validators = None;
            self.stats.retries += 1;
            return self.park(job, true);
        };
        let validators = sent.updated_by(Validators::from_response(&resp).as_ref());
        job.validators = Some(Rc::new(validators));
        job.cut = previous.cut;
        let mut record = self.build_record(job, Some(304), previous.fields, None);
        record.items = previous.items;
        record.not_modified = true;
        self.commit(record, Vec::new()).await;
    }
}
