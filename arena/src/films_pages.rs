//! The films site (`Site::Films`): routes, HTML and ground truth of the study notes'
//! 250-film chart, served with the HTML shape and class names of the playground's demo
//! site (`web/demo/`), so the demo's selectors and starter code work on it unchanged:
//!
//! - chart pages: `ol.chart li.item` with `.rank`, `a.title`, `.rating`, `.year`, and
//!   `nav.paginator` linking every chart page, `a.prev` and `a.next`;
//! - film pages: `article.film`, `h1 .title`, `h1 .year`, `.director`, `.language`,
//!   `.rating`, `.votes`.
//!
//! | Path | Response |
//! |---|---|
//! | `/` | chart page 1 (the crawl's start; the paginators link page 1 as `/`) |
//! | `/chart/{k}` | chart page k, 1 to 10 (`/chart/1` is served but never linked) |
//! | `/film/{i}` | film page i, 1 to 250 |
//! | `/robots.txt` | allows everything, served without latency |
//!
//! With several origins chart page k lives on origin `(k-1) % N` and film i on origin
//! `(i-1) % N` (so consecutive films of a chart page sit on different origins), and links
//! to a page of another origin are absolute. Only chart and film pages wait out the latency.

use crate::films::{self, Film, CHART_PAGES, FILMS, PER_PAGE};
use crate::origins::Origins;
use crate::pages::{escape, w};
use crate::site::parse_index;

/// The robots.txt of the films site: everything allowed.
pub(crate) const ROBOTS_TXT: &str =
    "# silk arena, films: crawl everything\nUser-agent: *\nDisallow:\n";

const CSS: &str =
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f7f5f0;line-height:1.5}
header.site,footer.site{background:#2f4a3a;color:#fff;padding:.5rem 1rem}
header.site a{color:#e8f3ea;margin-right:1rem}
footer.site{background:none;color:#777;font-size:.85rem;text-align:center}
main{max-width:48rem;margin:1rem auto;padding:0 1rem}
.chart li{margin:.2rem 0}.rating{color:#c47f00;font-weight:600}.year,.votes{color:#777}
.paginator a,.paginator span{margin-right:.4rem}.paginator .current{font-weight:700}
dl.info{display:grid;grid-template-columns:10rem 1fr;gap:.2rem .8rem}dt{color:#666}
";

/// What a path of the films site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FilmsPath {
    /// Chart page k (1-based); `/` is page 1.
    Chart(usize),
    /// Film page i (1-based).
    Film(usize),
    Robots,
    NotFound,
}

/// Classifies a request path.
pub(crate) fn classify(path: &str) -> FilmsPath {
    if path == "/" {
        return FilmsPath::Chart(1);
    }
    if path == "/robots.txt" {
        return FilmsPath::Robots;
    }
    let index = |rest: &str, max: usize| parse_index(rest).filter(|&n| (1..=max).contains(&n));
    if let Some(k) = path
        .strip_prefix("/chart/")
        .and_then(|r| index(r, CHART_PAGES))
    {
        return FilmsPath::Chart(k);
    }
    if let Some(i) = path.strip_prefix("/film/").and_then(|r| index(r, FILMS)) {
        return FilmsPath::Film(i);
    }
    FilmsPath::NotFound
}

/// Whether the latency applies: chart and film pages only.
pub(crate) fn delayed(path: &str) -> bool {
    matches!(classify(path), FilmsPath::Chart(_) | FilmsPath::Film(_))
}

/// The linked path of chart page k (`/` for page 1).
fn chart_path(k: usize) -> String {
    if k == 1 {
        "/".to_string()
    } else {
        format!("/chart/{k}")
    }
}

/// Home origin of chart page k.
fn chart_home(origins: &Origins, k: usize) -> usize {
    origins.spread(k - 1)
}

/// Home origin of film i.
fn film_home(origins: &Origins, i: usize) -> usize {
    origins.spread(i - 1)
}

/// The `href` of chart page k from a page whose home origin is `from`.
fn chart_href(origins: &Origins, from: usize, k: usize) -> String {
    format!(
        "{}{}",
        origins.prefix(from, chart_home(origins, k)),
        chart_path(k)
    )
}

/// The `href` of film i from a page whose home origin is `from`.
fn film_href(origins: &Origins, from: usize, i: usize) -> String {
    format!("{}/film/{i}", origins.prefix(from, film_home(origins, i)))
}

fn open_page(out: &mut String, title: &str, home: &str) {
    w!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <header class=\"site\"><a href=\"{home}\">Silk Films</a> <a href=\"{home}\">Top 250</a></header>\n<main>\n",
        escape(title)
    );
}

fn close_page(out: &mut String) {
    out.push_str(
        "</main>\n<footer class=\"site\">A fictional catalogue for crawling practice &middot; \
         served by silk arena</footer>\n</body>\n</html>\n",
    );
}

/// Chart page `k` (1..=10) of the chart `all` (every film in rank order).
pub(crate) fn chart_page(all: &[Film], k: usize, origins: &Origins) -> String {
    let from = chart_home(origins, k);
    let mut out = String::with_capacity(8 * 1024);
    open_page(
        &mut out,
        &format!("Top 250 · page {k} · Silk Films"),
        &chart_href(origins, from, 1),
    );
    let first = (k - 1) * PER_PAGE + 1;
    w!(
        out,
        "<h1>Top 250 &middot; page {k}</h1>\n<ol class=\"chart\" start=\"{first}\">\n"
    );
    for f in all.iter().skip(first - 1).take(PER_PAGE) {
        w!(
            out,
            "<li class=\"item\"><span class=\"rank\">{}</span> <a class=\"title\" href=\"{}\">{}</a> \
             <span class=\"rating\">{}</span> <span class=\"year\">{}</span></li>\n",
            f.rank,
            film_href(origins, from, f.rank),
            escape(&f.title),
            f.rating(),
            f.year
        );
    }
    out.push_str("</ol>\n<nav class=\"paginator\">");
    if k > 1 {
        w!(
            out,
            "<a class=\"prev\" href=\"{}\">&lsaquo; Prev</a> ",
            chart_href(origins, from, k - 1)
        );
    }
    for p in 1..=CHART_PAGES {
        if p == k {
            w!(out, "<span class=\"current\">{p}</span> ");
        } else {
            w!(out, "<a href=\"{}\">{p}</a> ", chart_href(origins, from, p));
        }
    }
    if k < CHART_PAGES {
        w!(
            out,
            "<a class=\"next\" href=\"{}\">Next &rsaquo;</a>",
            chart_href(origins, from, k + 1)
        );
    }
    out.push_str("</nav>\n");
    close_page(&mut out);
    out
}

/// The page of film `f`.
pub(crate) fn film_page(f: &Film, origins: &Origins) -> String {
    let from = film_home(origins, f.rank);
    let back = chart_href(origins, from, f.chart_page());
    let title = escape(&f.title);
    let mut out = String::with_capacity(4 * 1024);
    open_page(
        &mut out,
        &format!("{} ({}) · Silk Films", f.title, f.year),
        &chart_href(origins, from, 1),
    );
    w!(
        out,
        "<article class=\"film\" id=\"film-{rank}\">\n\
         <p class=\"crumbs\"><a href=\"{back}\">Top 250</a> &rsaquo; No.<span class=\"rank\">{rank}</span></p>\n\
         <h1><span class=\"title\">{title}</span> <span class=\"year\">({year})</span></h1>\n\
         <dl class=\"info\">\n\
         <dt>导演 Director</dt><dd class=\"director\">{director}</dd>\n\
         <dt>语言 Language</dt><dd class=\"language\">{language}</dd>\n\
         <dt>评分 Rating</dt><dd><strong class=\"rating\">{rating}</strong> (<span class=\"votes\">{votes}</span> votes)</dd>\n\
         </dl>\n\
         <p class=\"summary\">{title} is film No.{rank} of the chart, made in {year} by {director}, in {language}.</p>\n\
         <p><a class=\"back\" href=\"{back}\">&larr; back to the chart</a></p>\n</article>\n",
        rank = f.rank,
        year = f.year,
        director = escape(f.director),
        language = escape(f.language),
        rating = f.rating(),
        votes = f.votes,
    );
    close_page(&mut out);
    out
}

/// The page at `path` (a chart or film page), or `None` for any other path.
pub(crate) fn page(seed: u64, path: &str, origins: &Origins) -> Option<String> {
    match classify(path) {
        FilmsPath::Chart(k) => Some(chart_page(&films::chart(seed), k, origins)),
        FilmsPath::Film(i) => films::film(seed, i).map(|f| film_page(&f, origins)),
        FilmsPath::Robots | FilmsPath::NotFound => None,
    }
}

/// What a correct crawler starting at `/` records: `/`, chart pages 2 to 10 and the 250
/// film pages (260), as paths with one origin or home-origin URLs with several, sorted.
pub(crate) fn expected_pages(origins: &Origins) -> Vec<String> {
    let mut out: Vec<String> = (1..=CHART_PAGES)
        .map(|k| origins.listed(chart_home(origins, k), &chart_path(k)))
        .chain((1..=FILMS).map(|i| origins.listed(film_home(origins, i), &format!("/film/{i}"))))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origins::four;

    #[test]
    fn paths_classify() {
        assert_eq!(classify("/"), FilmsPath::Chart(1));
        assert_eq!(classify("/chart/10"), FilmsPath::Chart(10));
        assert_eq!(classify("/film/250"), FilmsPath::Film(250));
        for missing in [
            "/chart/0",
            "/chart/11",
            "/film/0",
            "/film/251",
            "/film/01",
            "/p/1",
        ] {
            assert_eq!(classify(missing), FilmsPath::NotFound, "{missing}");
        }
        assert!(!delayed("/robots.txt"));
        assert!(delayed("/film/3"));
    }

    #[test]
    fn one_origin_links_are_root_relative() {
        let all = films::chart(1);
        let html = chart_page(&all, 2, &Origins::single());
        assert!(html.contains("href=\"/film/26\""), "{html}");
        assert!(html.contains("<a class=\"prev\" href=\"/\">"));
        assert!(html.contains("<a class=\"next\" href=\"/chart/3\">"));
        assert!(!html.contains("http://"));
    }

    #[test]
    fn several_origins_link_absolute_to_home_origins() {
        let o = four();
        let all = films::chart(1);
        // Chart page 2 lives on origin 1; film 26 on origin 1 (same), film 27 on origin 2.
        let html = chart_page(&all, 2, &o);
        assert!(html.contains("href=\"/film/26\""), "{html}");
        assert!(html.contains("href=\"http://127.0.0.1:9002/film/27\""));
        assert!(html.contains("<a class=\"prev\" href=\"http://127.0.0.1:9000/\">"));
        let film = film_page(&films::film(1, 27).unwrap(), &o);
        assert!(
            film.contains("href=\"http://127.0.0.1:9001/chart/2\""),
            "{film}"
        );
        assert_eq!(films::chart_page_of(27), 2);
    }

    #[test]
    fn expected_pages_are_the_260_home_urls() {
        let one = expected_pages(&Origins::single());
        assert_eq!(one.len(), 260);
        assert!(one.contains(&"/".to_string()) && !one.contains(&"/chart/1".to_string()));
        let many = expected_pages(&four());
        assert_eq!(many.len(), 260);
        assert!(many.contains(&"http://127.0.0.1:9000/".to_string()));
        assert!(many.contains(&"http://127.0.0.1:9003/chart/4".to_string()));
        assert!(many.contains(&"http://127.0.0.1:9001/film/250".to_string()));
    }
}
