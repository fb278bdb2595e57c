//! Response bodies: the one boxed body type the arena returns, and the two streaming bodies
//! the faults need (a slow drip and a 50 MiB stream generated on the fly).
//!
//! The streaming bodies are hand-written `http_body::Body` impls rather than
//! `StreamBody<unfold(..)>` so they stay `Send + Sync` (a requirement of `BoxBody`) without
//! boxing futures, and so the huge body never allocates more than one shared chunk.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, SizeHint};

/// The body of every arena response. The error type is `io::Error` for room to add bodies
/// that fail mid-stream; no body the arena builds today fails.
pub type BoxBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// A body sent in one piece (its length becomes `Content-Length`).
pub(crate) fn full(bytes: impl Into<Bytes>) -> BoxBody {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A body of `chunks` pieces: the first at once, then one every `every`; exact length known.
pub(crate) struct DripBody {
    chunks: std::vec::IntoIter<Bytes>,
    remaining: u64,
    every: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl DripBody {
    pub(crate) fn new(chunks: Vec<Bytes>, every: Duration) -> DripBody {
        DripBody {
            remaining: chunks.iter().map(|c| c.len() as u64).sum(),
            chunks: chunks.into_iter(),
            every,
            sleep: None,
        }
    }
}

impl Body for DripBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        match self.chunks.next() {
            Some(chunk) => {
                self.remaining -= chunk.len() as u64;
                self.sleep = (self.remaining > 0).then(|| Box::pin(tokio::time::sleep(self.every)));
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// `total` bytes: `head` first, then `filler` repeated, the last piece cut to fit. The
/// length is deliberately not announced, so HTTP/1.1 sends it chunked (no Content-Length).
pub(crate) struct RepeatBody {
    head: Option<Bytes>,
    filler: Bytes,
    remaining: u64,
}

impl RepeatBody {
    pub(crate) fn new(head: Bytes, filler: Bytes, total: u64) -> RepeatBody {
        assert!(!filler.is_empty());
        RepeatBody {
            head: Some(head),
            filler,
            remaining: total,
        }
    }
}

impl Body for RepeatBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let piece = self.head.take().unwrap_or_else(|| self.filler.clone());
        let take = piece
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        self.remaining -= take as u64;
        Poll::Ready(Some(Ok(Frame::data(piece.slice(..take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        // Only a lower bound on purpose: an exact hint would make hyper send Content-Length.
        SizeHint::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn repeat_body_has_the_exact_total() {
        let body = RepeatBody::new(
            Bytes::from_static(b"head"),
            Bytes::from_static(b"0123456789"),
            1003,
        );
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 1003);
        assert!(bytes.starts_with(b"head0123"));
    }

    #[tokio::test]
    async fn drip_body_yields_everything() {
        let chunks = vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")];
        let body = DripBody::new(chunks, Duration::from_millis(5));
        assert_eq!(body.size_hint().exact(), Some(3));
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"abc");
    }
}
