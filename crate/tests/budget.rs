//! Hostile pages through the whole engine (natively): a small HTTP server in this file
//! serves a page with a 2 MB `<base href>` and 200,000 links, a tag with a million
//! attributes and 200,000 nested elements. The crawl must finish, every page must be
//! recorded with its `cut` key naming the budget it reached, and the dropped links must be
//! counted in the stats. Extract-level checks of the same budgets run on both targets.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use silk::extract::budget::{MAX_ATTRS, MAX_LINKS};
use silk::{CrawlSpec, FieldSpec};
use url::Url;

fn links_page() -> String {
    let mut html = format!(
        "<html><head><base href=\"/{}/\"><title>links</title></head><body>\
         <a href=/attrs>a</a><a href=/deep>d</a>",
        "b".repeat(2 << 20)
    );
    for i in 0..200_000 {
        html += &format!("<a href=?{i}>{i}</a>");
    }
    html
}

fn attrs_page() -> String {
    let mut html = String::from("<title>attrs</title><h1 id=first");
    let mut i = 0;
    while html.len() < 8 << 20 {
        html += &format!(" a{i}");
        i += 1;
    }
    html + ">heading</h1>"
}

fn deep_page() -> String {
    let mut html = String::from("<title>deep</title>");
    for i in 0..200_000 {
        html += &format!("<div>{i} ");
    }
    html
}

fn spec(seed: &str) -> CrawlSpec {
    CrawlSpec {
        seeds: vec![seed.into()],
        fields: ["title=title", "h1=h1@id", "divs[]=div"]
            .iter()
            .map(|f| FieldSpec::parse_cli(f).unwrap())
            .collect(),
        robots: false,
        max_body_bytes: 16 << 20,
        ..CrawlSpec::default()
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hostile_pages_are_cut_on_both_targets() {
    let page = Url::parse("http://h/").unwrap();
    let compiled = spec("http://h/").compile().unwrap();
    let links = silk::extract::extract(&links_page(), &page, &compiled, true);
    assert_eq!(links.links.len(), MAX_LINKS);
    assert_eq!(links.links[0].as_str(), "http://h/attrs");
    assert!(links.cut.unwrap().contains("<base href>"));
    let attrs = silk::extract::extract(&attrs_page(), &page, &compiled, true);
    assert_eq!(attrs.fields[1].1, "first");
    assert!(attrs
        .cut
        .unwrap()
        .contains(&format!("more than {MAX_ATTRS} attributes")));
    let deep = silk::extract::extract(&deep_page(), &page, &compiled, true);
    assert_eq!(deep.fields[0].1, "deep");
    assert!(deep.cut.unwrap().contains("nested more than 512 deep"));
}

#[cfg(not(target_arch = "wasm32"))]
mod engine {
    use super::*;
    use crate::common::crawl;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// Serves the three hostile pages over HTTP/1.1, one connection at a time.
    fn serve() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let pages = [
            ("/", links_page()),
            ("/attrs", attrs_page()),
            ("/deep", deep_page()),
        ];
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split(' ').nth(1).unwrap_or("/");
                let (status, body) = match pages.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => ("200 OK", body.as_str()),
                    None => ("404 Not Found", "no"),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            }
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn a_crawl_of_hostile_pages_finishes_with_cut_records() {
        let seed = serve();
        let mut spec = spec(&seed);
        // The 200,000 `?N` links are found and counted, but not fetched.
        spec.deny = vec![r"\?".into()];
        let (mut records, stats) = crawl(spec).await;
        records.sort_by(|a, b| a.url.cmp(&b.url));
        let urls: Vec<&str> = records.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            [seed.clone(), format!("{seed}attrs"), format!("{seed}deep")]
        );
        let cut = |i: usize| records[i].cut.clone().unwrap_or_default();
        assert!(
            cut(0).contains("<base href> longer than 8192"),
            "{}",
            cut(0)
        );
        assert!(cut(0).contains("more than 10000 links"), "{}", cut(0));
        assert!(cut(1).contains("attributes"), "{}", cut(1));
        assert!(cut(2).contains("nested more than 512 deep"), "{}", cut(2));
        assert_eq!(records[1].fields[1].1, "first");
        assert_eq!(records[2].fields[0].1, "deep");
        assert!(records
            .iter()
            .all(|r| r.error.is_none() && r.status == Some(200)));
        // Everything but the first 10,000 distinct links.
        assert_eq!(stats.links_dropped, 200_002 - MAX_LINKS as u64);
        assert_eq!(records[0].to_json()["cut"], cut(0).as_str());
    }
}
