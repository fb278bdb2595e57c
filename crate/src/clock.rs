//! Time, the second capability the engine borrows from its host: a monotonic "now" and a
//! sleep. tokio provides both natively; `performance.now()` and `setTimeout` in the browser.
//! `std::time::Instant` does not exist on wasm32, hence this trait.

use futures::future::LocalBoxFuture;
use std::time::Duration;

pub trait Clock {
    /// Monotonic time since an arbitrary fixed origin.
    fn now(&self) -> Duration;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'static, ()>;
}
