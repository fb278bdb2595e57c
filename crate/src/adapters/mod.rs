//! The only place that knows which platform silk runs on. Like reqwest's `async_impl` /
//! `wasm` split, each platform provides a [`Fetch`](crate::Fetch) and a
//! [`Clock`](crate::Clock) under the same names, chosen here once, so the engine and its users
//! never write `cfg`.

#[cfg(not(target_arch = "wasm32"))]
pub mod cookie_jar;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::{NativeClock as PlatformClock, NativeFetcher as PlatformFetcher};

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub use browser::{
    BrowserClock as PlatformClock, BrowserFetcher as PlatformFetcher, BrowserOptions, Relay,
};
