//! Google's robots.txt reference tests (github.com/google/robotstxt, robots_test.cc),
//! ported as data in `tests/data/robots_reference.json`, run against `silk::robots`.
//!
//! Every case must give Google's verdict, except the few marked with `silk_expected` and a
//! `deviation` that explains why silk answers differently on purpose; those must give
//! silk's verdict, so a change in either direction is noticed.

use serde_json::Value;
use silk::robots::Robots;
use url::Url;

/// Expands `{{X*N}}` (the character X repeated N times), used for the long-line cases.
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed placeholder") + start;
        let (fill, count) = rest[start + 2..end].split_once('*').expect("X*N");
        out.push_str(&fill.repeat(count.parse().expect("count")));
        rest = &rest[end + 2..];
    }
    out + rest
}

fn data() -> Value {
    serde_json::from_str(include_str!("data/robots_reference.json")).expect("valid JSON")
}

fn body_of(case: &Value) -> Vec<u8> {
    let mut body: Vec<u8> = case["robots_prefix_bytes"]
        .as_array()
        .map(|a| a.iter().map(|b| b.as_u64().expect("byte") as u8).collect())
        .unwrap_or_default();
    body.extend_from_slice(expand(case["robots"].as_str().expect("robots")).as_bytes());
    body
}

#[test]
fn google_reference_cases() {
    let data = data();
    let cases = data["cases"].as_array().expect("cases");
    let (mut agree, mut deviations, mut failures) = (0, 0, Vec::new());
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let agent = case["agent"].as_str().expect("agent");
        let url = expand(case["url"].as_str().expect("url"));
        let rules = Robots::parse(&body_of(case)).rules_for(agent);
        let got = match Url::parse(&url) {
            Ok(parsed) => rules.is_allowed_url(&parsed),
            Err(_) => rules.is_allowed(&url),
        };
        let google = case["expected"].as_bool().expect("expected");
        let want = match case.get("silk_expected") {
            Some(silk) => {
                assert!(
                    case["deviation"].is_string(),
                    "{name}: deviation without a reason"
                );
                deviations += 1;
                silk.as_bool().expect("silk_expected")
            }
            None => {
                agree += 1;
                google
            }
        };
        if got != want {
            failures.push(format!(
                "{name}: agent {agent:?} url {url:.80}: got {got}, want {want}"
            ));
        }
    }
    println!("{agree} cases agree with Google, {deviations} documented deviations");
    assert!(cases.len() > 150, "the data file lost cases");
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn google_reference_sitemaps() {
    let data = data();
    for case in data["sitemap_cases"].as_array().expect("sitemap_cases") {
        let robots = Robots::parse(&body_of(case));
        let want: Vec<&str> = case["sitemaps"]
            .as_array()
            .expect("sitemaps")
            .iter()
            .map(|s| s.as_str().expect("url"))
            .collect();
        assert_eq!(robots.sitemaps(), want, "{}", case["name"]);
    }
}
