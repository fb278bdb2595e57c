//! The two arenas `silk serve` runs beside the playground, each on several loopback origins:
//! the shop (the "Arena" preset) and the study notes' films catalogue (the "Notes replay"
//! preset), and what the page learns about them in `/serve.json`.
//!
//! Why several origins: a browser opens at most 6 connections per host:port, so a site on
//! one port caps any crawl from the page at 6 requests in flight however high its
//! concurrency. Each arena listens on N ports that share one site (pages link across them),
//! so the cap becomes 6 x N, as when crawling N real hosts, and the notes' 22x speed-up at
//! 0.9 s per page becomes reachable in the browser.

use silk_arena::{ArenaConfig, ArenaHandle, Site};

/// The shop arena and the films arena of one `silk serve`.
pub struct Sites {
    pub shop: ArenaHandle,
    pub notes: ArenaHandle,
}

impl Sites {
    /// Starts both arenas on free ports of 127.0.0.1: the shop with `shop_pages` product
    /// pages (faults off, as the playground has always had it), the films with its 250 films.
    pub fn start(
        shop_pages: usize,
        shop_latency_ms: u64,
        shop_origins: usize,
        notes_latency_ms: u64,
        notes_origins: usize,
    ) -> Result<Sites, String> {
        let shop = silk_arena::spawn(ArenaConfig {
            port: 0,
            pages: shop_pages,
            latency_ms: shop_latency_ms,
            faults: false,
            origins: shop_origins,
            ..ArenaConfig::default()
        })
        .map_err(|e| format!("cannot start the arena on 127.0.0.1: {e}"))?;
        let notes = silk_arena::spawn(ArenaConfig {
            port: 0,
            latency_ms: notes_latency_ms,
            faults: false,
            origins: notes_origins,
            site: Site::Films,
            ..ArenaConfig::default()
        })
        .map_err(|e| format!("cannot start the films arena on 127.0.0.1: {e}"))?;
        Ok(Sites { shop, notes })
    }

    /// Every port of both arenas (the relay may reach them: they are this server's own).
    pub fn ports(&self) -> Vec<u16> {
        [&self.shop, &self.notes]
            .iter()
            .flat_map(|h| h.origin_addrs().iter().map(|a| a.port()))
            .collect()
    }

    /// The lines `silk serve` prints about the two sites.
    pub fn describe(&self) -> [String; 2] {
        let shop = &self.shop.arena;
        let notes = &self.notes.arena;
        [
            format!(
                "arena: {}/ ({} pages on {}, {} ms latency; the page can change it)",
                self.shop.url(),
                shop.config().page_count(),
                origins_text(&self.shop),
                shop.latency_ms()
            ),
            format!(
                "notes: {}/ ({} films on {}, {} ms per page)",
                self.notes.url(),
                FILMS,
                origins_text(&self.notes),
                notes.latency_ms()
            ),
        ]
    }

    /// The keys `/serve.json` gets from the sites (`arena`, `arena_latency_ms`,
    /// `arena_pages`, `arena_origins`, `notes`); merged into the rest by `mod.rs`.
    pub fn json(&self) -> serde_json::Map<String, serde_json::Value> {
        let shop = &self.shop.arena;
        let notes = &self.notes.arena;
        let json = serde_json::json!({
            "arena": self.shop.url(),
            "arena_latency_ms": shop.latency_ms(),
            "arena_pages": shop.config().page_count(),
            "arena_origins": self.shop.origin_urls(),
            "notes": {
                "url": format!("{}/", self.notes.url()),
                "origins": self.notes.origin_urls(),
                "latency_ms": notes.latency_ms(),
                "pages": notes.expected_pages().len(),
                "films": FILMS,
            },
        });
        match json {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// Films in the notes' chart (the films site always serves 250).
const FILMS: usize = 250;

/// `4 origins`, `1 origin`.
fn origins_text(handle: &ArenaHandle) -> String {
    match handle.origin_addrs().len() {
        1 => "1 origin".to_string(),
        n => format!("{n} origins"),
    }
}
