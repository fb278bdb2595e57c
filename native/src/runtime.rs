//! The runtime every async subcommand starts: a current-thread tokio runtime, because the
//! engine and the fetchers it uses are `!Send` by design (the same code runs on the
//! browser's single thread).

use tokio::runtime::Runtime;

/// A current-thread runtime with IO and timers, or why it could not start.
pub fn current_thread() -> Result<Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}
