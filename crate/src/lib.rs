//! silk: one async crawl engine for the browser (wasm32, polled by the JS event loop) and the
//! shell (native, polled by tokio).
//!
//! A crawl is described by a [`CrawlSpec`], compiled into a [`CompiledSpec`] (every URL,
//! regex and selector checked up front), and run by a [`Crawler`] that reports a stream of
//! [`Event`]s. The engine reaches the network and the clock only through the [`Fetch`] and
//! [`Clock`] traits; [`PlatformFetcher`] and [`PlatformClock`] are the implementations for
//! the platform being compiled for. User code runs per page through a [`PageHandler`]
//! (see [`handler`]): it sees each fetched page and yields items and links to follow.
//!
//! ```text
//! spec -> Crawler -> Frontier (seen-set) -> HostSlots (robots, per-host limit, delay)
//!            ^                                   |
//!            |  links                            v
//!        extract <- decode <- Fetch (reqwest | fetch()) -> Events (records, progress)
//! ```

pub mod adapters;
pub mod cancel;
pub mod clock;
pub mod decode;
pub mod engine;
pub mod events;
pub mod extract;
pub mod fetch;
pub mod frontier;
pub mod handler;
pub mod host_slots;
pub mod robots;
pub mod robots_meta;
pub mod scope;
pub mod seen;
pub mod sitemap;
pub mod spec;
pub mod throttle;
pub mod url_norm;
pub mod validators;
#[cfg(target_arch = "wasm32")]
pub mod wasm_api;

pub use adapters::{PlatformClock, PlatformFetcher};
pub use cancel::CancelHandle;
pub use clock::Clock;
pub use engine::{Crawler, ItemSink};
pub use events::{Counters, Event, Record, RecrawlCounts, Stats, RECORD_COLUMNS};
pub use fetch::{ErrorKind, Fetch, FetchError, FetchRequest, FetchResponse};
pub use frontier::{Frontier, MemoryFrontier, Pop, QueuedUrl, RobotsOutcome};
pub use handler::{Follow, Page, PageHandler, PageOutput};
pub use spec::{CompiledSpec, CrawlSpec, Credentials, FieldSpec, Scope, SpecError};
pub use validators::Validators;

/// silk's version, as sent in the default User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
