//! The films site (`Site::Films`): every chart and film page is there, UTF-8, with the
//! playground demo's HTML shape (the selectors its starter code and fields use); robots.txt
//! allows everything and is not delayed; the latency applies to the pages.

mod common;

use std::time::{Duration, Instant};

use common::{between, get, get_json};
use silk_arena::{spawn, ArenaConfig, Site};

fn films(latency_ms: u64) -> silk_arena::ArenaHandle {
    spawn(ArenaConfig {
        site: Site::Films,
        latency_ms,
        ..ArenaConfig::default()
    })
    .unwrap()
}

/// The text of the first element with `class="CLASS"` (its direct text, tags stripped).
fn class_text(html: &str, tag: &str, class: &str) -> Option<String> {
    let text = between(
        html,
        &format!("<{tag} class=\"{class}\">"),
        &format!("</{tag}>"),
    )?;
    Some(text.trim().to_string())
}

#[test]
fn every_film_page_has_the_demo_fields() {
    let h = films(0);
    let mut titles = std::collections::HashSet::new();
    for i in 1..=250 {
        let resp = get(h.addr, &format!("/film/{i}"));
        assert_eq!(resp.status, 200, "/film/{i}");
        assert_eq!(
            resp.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let html = String::from_utf8(resp.body).expect("UTF-8");
        assert!(html.contains(&format!("<article class=\"film\" id=\"film-{i}\">")));
        // `h1 .title`, `.film .rating`, `.director`, `.language`.
        let h1 = between(&html, "<h1>", "</h1>").expect("h1");
        let title = class_text(h1, "span", "title").expect("h1 .title");
        assert!(title.contains(" The "), "bilingual title: {title}");
        assert!(
            title
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{title}"
        );
        titles.insert(title);
        let year = class_text(h1, "span", "year").expect("h1 .year");
        assert!(year.starts_with("(19") || year.starts_with("(20"), "{year}");
        let rating = class_text(&html, "strong", "rating").expect(".rating");
        let rating: f64 = rating.parse().expect("a number");
        assert!((8.0..=9.7).contains(&rating));
        assert!(!class_text(&html, "dd", "director")
            .expect(".director")
            .is_empty());
        assert!(!class_text(&html, "dd", "language")
            .expect(".language")
            .is_empty());
        let chart = (i - 1) / 25 + 1;
        let back = if chart == 1 {
            "/".to_string()
        } else {
            format!("/chart/{chart}")
        };
        assert!(
            html.contains(&format!("<a class=\"back\" href=\"{back}\">")),
            "{html}"
        );
    }
    assert_eq!(titles.len(), 250, "titles are unique");
    for missing in ["/film/0", "/film/251", "/chart/11", "/p/1"] {
        assert_eq!(get(h.addr, missing).status, 404, "{missing}");
    }
}

#[test]
fn chart_pages_list_25_films_and_link_every_page() {
    let h = films(0);
    let mut ranks = Vec::new();
    for k in 1..=10 {
        let path = if k == 1 {
            "/".to_string()
        } else {
            format!("/chart/{k}")
        };
        let html = get(h.addr, &path).text();
        assert_eq!(
            html,
            get(h.addr, &format!("/chart/{k}")).text(),
            "/ is /chart/1"
        );
        let chart = between(&html, "<ol class=\"chart\"", "</ol>").expect("ol.chart");
        let items: Vec<&str> = chart.split("<li class=\"item\">").skip(1).collect();
        assert_eq!(items.len(), 25, "chart page {k}");
        for item in items {
            let rank: usize = class_text(item, "span", "rank").unwrap().parse().unwrap();
            assert!(item.contains(&format!("<a class=\"title\" href=\"/film/{rank}\">")));
            assert!(class_text(item, "span", "rating").is_some());
            assert!(class_text(item, "span", "year").is_some());
            ranks.push(rank);
        }
        let paginator = between(&html, "<nav class=\"paginator\">", "</nav>").unwrap();
        for p in (1..=10).filter(|&p| p != k) {
            let href = if p == 1 {
                "/".to_string()
            } else {
                format!("/chart/{p}")
            };
            assert!(
                paginator.contains(&format!("href=\"{href}\">{p}</a>")),
                "{paginator}"
            );
        }
        assert!(paginator.contains(&format!("<span class=\"current\">{k}</span>")));
        assert_eq!(
            paginator.contains("<a class=\"next\""),
            k < 10,
            "a.next on page {k}"
        );
        assert_eq!(paginator.contains("<a class=\"prev\""), k > 1);
    }
    assert_eq!(ranks, (1..=250).collect::<Vec<_>>());
    let pages: Vec<String> = serde_json::from_value(get_json(h.addr, "/__pages")).unwrap();
    assert_eq!(pages.len(), 260);
}

#[test]
fn robots_is_not_delayed_but_pages_are() {
    let h = films(400);
    let t = Instant::now();
    let robots = get(h.addr, "/robots.txt");
    let robots_time = t.elapsed();
    assert_eq!(robots.status, 200);
    assert!(
        robots.text().contains("User-agent: *\nDisallow:\n"),
        "{}",
        robots.text()
    );
    assert!(robots_time < Duration::from_millis(300), "{robots_time:?}");
    for path in ["/", "/chart/3", "/film/7"] {
        let t = Instant::now();
        assert_eq!(get(h.addr, path).status, 200);
        assert!(
            t.elapsed() >= Duration::from_millis(400),
            "{path}: {:?}",
            t.elapsed()
        );
    }
    let stats = h.arena.stats();
    assert_eq!((stats.robots_requests, stats.page_requests), (1, 3));
}

#[test]
fn same_seed_same_site() {
    let a = films(0);
    let b = films(0);
    let c = spawn(ArenaConfig {
        site: Site::Films,
        seed: 2,
        ..ArenaConfig::default()
    })
    .unwrap();
    assert_eq!(get(a.addr, "/film/42").body, get(b.addr, "/film/42").body);
    assert_ne!(get(a.addr, "/film/42").body, get(c.addr, "/film/42").body);
}
