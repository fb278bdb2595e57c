//! robots.txt parsing and matching on arbitrary input.
//!
//! An even first byte selects the structured mode: the rest of the input is turned into a
//! robots.txt of user-agent/allow/disallow lines over a small alphabet (`/ab.*$?`) plus a
//! path, and silk's answer must equal a naive RFC 9309 oracle below (every rule tried
//! with a backtracking glob, longest pattern wins, `Allow` wins ties). An odd first byte
//! feeds raw bytes to the parser: no panic, `/robots.txt` always allowed, answers stable.
//! Before the first input, every case of crate/tests/data/robots_reference.json must pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use silk::robots::Robots;
use std::sync::Once;

const AGENTS: [&str; 4] = ["foobot", "barbot", "silk", "FooBot/2.1"];
const ALPHABET: &[u8] = b"/ab.*$?";

/// A glob match of `pat` (`*` any run, trailing `$` end anchor) against a prefix of `path`.
fn glob(pat: &[u8], path: &[u8]) -> bool {
    let (pat, anchored) = match pat.split_last() {
        Some((b'$', rest)) => (rest, true),
        _ => (pat, false),
    };
    fn go(p: &[u8], s: &[u8], anchored: bool) -> bool {
        match p.split_first() {
            None => !anchored || s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..], anchored)),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..], anchored),
        }
    }
    go(pat, path, anchored)
}

/// The oracle: same grammar as the generated files, RFC 9309 semantics.
fn oracle(body: &str, agent: &str, path: &str) -> bool {
    let token: String = agent
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let mut groups: Vec<(Vec<String>, Vec<(bool, String)>)> = Vec::new();
    let mut in_agents = false;
    for line in body.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "user-agent" => {
                if !in_agents {
                    groups.push((Vec::new(), Vec::new()));
                    in_agents = true;
                }
                groups
                    .last_mut()
                    .unwrap()
                    .0
                    .push(value.to_ascii_lowercase());
            }
            "allow" | "disallow" => {
                in_agents = false;
                if let (Some(g), false) = (groups.last_mut(), value.is_empty()) {
                    let pat = if value.starts_with(['/', '*']) {
                        value.to_owned()
                    } else {
                        format!("/{value}")
                    };
                    g.1.push((key == "allow", pat));
                }
            }
            _ => {}
        }
    }
    if path == "/robots.txt" {
        return true;
    }
    let named: Vec<_> = groups.iter().filter(|g| g.0.contains(&token)).collect();
    let chosen = if named.is_empty() {
        groups
            .iter()
            .filter(|g| g.0.iter().any(|a| a == "*"))
            .collect()
    } else {
        named
    };
    let best = chosen
        .iter()
        .flat_map(|g| g.1.iter())
        .filter(|(_, pat)| glob(pat.as_bytes(), path.as_bytes()))
        .max_by_key(|(allow, pat)| (pat.len(), *allow));
    best.is_none_or(|(allow, _)| *allow)
}

fn generate(data: &[u8]) -> (String, String) {
    let mut bytes = data.iter().copied();
    let word = |bytes: &mut dyn Iterator<Item = u8>| -> String {
        let len = bytes.next().unwrap_or(0) % 7;
        (0..len)
            .map(|_| ALPHABET[usize::from(bytes.next().unwrap_or(0)) % ALPHABET.len()] as char)
            .collect()
    };
    let path = format!("/{}", word(&mut bytes));
    let mut body = String::new();
    while let Some(b) = bytes.next() {
        let line = match b % 8 {
            0 => "user-agent: foobot".to_owned(),
            1 => "user-agent: barbot".to_owned(),
            2 => "user-agent: *".to_owned(),
            3 | 4 => format!("allow: {}", word(&mut bytes)),
            5 | 6 => format!("disallow: {}", word(&mut bytes)),
            _ => String::new(),
        };
        body.push_str(&line);
        body.push('\n');
    }
    (body, path)
}

/// `{{X*N}}` in the reference data: X repeated N times (the long-line cases).
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start;
        let (fill, count) = rest[start + 2..end].split_once('*').unwrap();
        out.push_str(&fill.repeat(count.parse().unwrap()));
        rest = &rest[end + 2..];
    }
    out + rest
}

fn reference_cases() {
    let cases: serde_json::Value =
        serde_json::from_str(include_str!("../../crate/tests/data/robots_reference.json"))
            .expect("reference cases parse");
    for case in cases["cases"].as_array().expect("cases") {
        let mut body: Vec<u8> = case["robots_prefix_bytes"]
            .as_array()
            .map(|a| a.iter().map(|b| b.as_u64().unwrap() as u8).collect())
            .unwrap_or_default();
        body.extend_from_slice(expand(case["robots"].as_str().unwrap()).as_bytes());
        let expected = case
            .get("silk_expected")
            .unwrap_or(&case["expected"])
            .as_bool()
            .unwrap();
        let url = &expand(case["url"].as_str().unwrap());
        let rules = Robots::parse(&body).rules_for(case["agent"].as_str().unwrap());
        let got = match url::Url::parse(url) {
            Ok(u) => rules.is_allowed_url(&u),
            Err(_) => rules.is_allowed(url),
        };
        assert_eq!(got, expected, "reference case {}", case["name"]);
    }
}

static REFERENCE: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    REFERENCE.call_once(reference_cases);
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let agent = AGENTS[usize::from(first >> 1) % AGENTS.len()];
    if first & 1 == 0 {
        let (body, path) = generate(rest);
        let rules = Robots::parse(body.as_bytes()).rules_for(agent);
        let expected = oracle(&body, agent, &path);
        assert_eq!(rules.is_allowed(&path), expected, "path {path:?}\n{body}");
    } else {
        let robots = Robots::parse(rest);
        let rules = robots.rules_for(agent);
        assert!(rules.is_allowed("/robots.txt"));
        let text = String::from_utf8_lossy(rest);
        for path in text.lines().rev().take(3) {
            let answer = rules.is_allowed(path);
            assert_eq!(answer, rules.is_allowed(path));
        }
        assert!(rules
            .crawl_delay()
            .is_none_or(|d| d.is_finite() && d >= 0.0));
        assert_eq!(robots, Robots::parse(rest));
    }
});
