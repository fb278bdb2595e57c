//! A Rust spider for the end-to-end tests, built on `silk_cli::crawl_main`: the whole
//! `silk crawl` command line with this page handler. Each HTML page yields one item
//! `{url, h1, from}`, deterministic from the page and the link that led to it: `from` is
//! the `meta` its referring page attached to the link, so an item proves that the meta
//! survived a `--state` resume. Links are the page's own, followed through an explicit
//! follow list (product pages first, by priority).

use serde_json::{json, Value};
use silk::handler::{sync, HandlerResult, Page};
use silk::{Follow, PageOutput};

fn spider(page: &Page) -> HandlerResult {
    let h1 = page.select("h1")?.first().map(|e| e.text.clone());
    let from = page.meta().and_then(|m| m.get("from")).cloned();
    let mut out = PageOutput::new().item(json!({
        "url": page.url(),
        "h1": h1,
        "from": from.unwrap_or(Value::Null),
    }))?;
    // An explicit (possibly empty) follow list: the spec's link rules no longer apply.
    out = out.follow_none();
    for link in page.links() {
        let priority = i32::from(link.path().starts_with("/p/"));
        out = out.follow(
            Follow::new(link.as_str())
                .priority(priority)
                .meta(json!({ "from": page.url() })),
        );
    }
    Ok(out)
}

fn main() {
    std::process::exit(silk_cli::crawl_main(sync(spider)));
}
