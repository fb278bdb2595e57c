//! Stopping a crawl from outside: Ctrl-C on native, a `cancel()` call in the browser. Both
//! just flip this handle; the engine notices at its next wake-up (the handle wakes it), stops
//! starting requests, gives in-flight ones a grace period and then drops them — in async Rust,
//! dropping a future is how it is cancelled (asyncio's `task.cancel()`).

use futures::task::AtomicWaker;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

#[derive(Clone, Default)]
pub struct CancelHandle {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    waker: AtomicWaker,
}

impl CancelHandle {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests the crawl to stop. Idempotent; safe from any thread or signal handler task.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.waker.wake();
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once [`cancel`](Self::cancel) has been called.
    pub fn cancelled(&self) -> Cancelled<'_> {
        Cancelled { handle: self }
    }

    pub(crate) fn poll_cancelled(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_cancelled() {
            return Poll::Ready(());
        }
        self.inner.waker.register(cx.waker());
        if self.is_cancelled() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

pub struct Cancelled<'a> {
    handle: &'a CancelHandle,
}

impl Future for Cancelled<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.handle.poll_cancelled(cx)
    }
}
