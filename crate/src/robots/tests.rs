//! Unit tests of robots.txt parsing and matching (the reference suite is in
//! `tests/robots_reference.rs`).

use super::*;

fn rules(body: &str, token: &str) -> RobotsRules {
    Robots::parse(body.as_bytes()).rules_for(token)
}

fn check(rules: &RobotsRules, allowed: &[&str], disallowed: &[&str]) {
    for path in allowed {
        assert!(rules.is_allowed(path), "{path} should be allowed");
    }
    for path in disallowed {
        assert!(!rules.is_allowed(path), "{path} should be disallowed");
    }
}

const ARENA: &str = "User-agent: *\nDisallow: /private/\nAllow: /private/open\n\n\
                     User-agent: badbot\nDisallow: /\n";

#[test]
fn arena_file() {
    let robots = Robots::parse(ARENA.as_bytes());
    let silk = robots.rules_for("silk");
    check(
        &silk,
        &["/private/open", "/p/1", "/", "/private"],
        &["/private/3", "/private/"],
    );
    check(&robots.rules_for("silk/0.1.0"), &["/p/1"], &["/private/3"]);
    let bad = robots.rules_for("BadBot");
    check(&bad, &["/robots.txt"], &["/", "/p/1", "/private/open"]);
}

const RFC_5_1: &str = "User-Agent: *\nDisallow: *.gif$\nDisallow: /example/\n\
    Allow: /publications/\n\nUser-Agent: foobot\nDisallow:/\nAllow:/example/page.html\n\
    Allow:/example/allowed.gif\n\nUser-Agent: barbot\nUser-Agent: bazbot\n\
    Disallow: /example/page.html\n\nUser-Agent: quxbot\n\nEOF\n";

#[test]
fn rfc_example_groups() {
    let robots = Robots::parse(RFC_5_1.as_bytes());
    let foo = robots.rules_for("foobot");
    check(
        &foo,
        &["/example/page.html", "/example/allowed.gif"],
        &["/", "/x.gif"],
    );
    for agent in ["barbot", "bazbot"] {
        let r = robots.rules_for(agent);
        check(
            &r,
            &["/", "/example/other.html", "/a.gif"],
            &["/example/page.html"],
        );
    }
    check(&robots.rules_for("quxbot"), &["/example/", "/a.gif"], &[]);
    let other = robots.rules_for("silk");
    check(
        &other,
        &["/publications/x", "/a.gif?x", "/a.gifx"],
        &["/a.gif", "/pics/b.gif", "/example/x"],
    );
}

#[test]
fn longest_match_wins_and_allow_wins_ties() {
    let r = rules(
        "user-agent: foobot\nallow: /example/page/\n\
         disallow: /example/page/disallowed.gif\n",
        "foobot",
    );
    check(
        &r,
        &["/example/page/", "/example/page/x"],
        &["/example/page/disallowed.gif"],
    );
    check(
        &rules("user-agent: *\nallow: /p\ndisallow: /\n", "a"),
        &["/page"],
        &["/x"],
    );
    let tie = rules("user-agent: *\nallow: /folder\ndisallow: /folder\n", "a");
    check(&tie, &["/folder/page"], &[]);
    let tie = rules("user-agent: *\ndisallow: /*.ph\nallow: /page\n", "a");
    check(&tie, &["/page.php5"], &["/a.php"]);
    let longer = rules("user-agent: *\nallow: /page\ndisallow: /*.htm\n", "a");
    check(&longer, &["/page"], &["/page.htm"]);
    let anchor = rules("user-agent: *\nallow: /$\ndisallow: /\n", "a");
    check(&anchor, &["/"], &["/page.htm", "/?q"]);
}

#[test]
fn wildcards_and_anchors() {
    let r = rules(
        "user-agent: *\ndisallow: /this/*/exactly$\ndisallow: /*a*b*c\n\
         disallow: /fish*\ndisallow: /x$\n",
        "a",
    );
    check(
        &r,
        &[
            "/this/a/exactly/more",
            "/this/exactly",
            "/cba",
            "/Fish",
            "/x/",
            "/xy",
        ],
        &[
            "/this/a/exactly",
            "/this/a/b/exactly",
            "/zabc",
            "/a/b/c/d",
            "/fish",
            "/fish.html?id=1",
            "/x",
        ],
    );
    check(
        &rules("user-agent: *\ndisallow: *\n", "a"),
        &["/robots.txt"],
        &["/"],
    );
    check(
        &rules("user-agent: *\ndisallow: /a**b$\n", "a"),
        &["/ab/"],
        &["/ab", "/axxb"],
    );
}

#[test]
fn percent_encoding_equivalence() {
    let r = rules(
        "user-agent: *\ndisallow: /a%3cd\ndisallow: /~joe\ndisallow: /ツ\n",
        "a",
    );
    check(
        &r,
        &["/a<", "/%7Ejo"],
        &["/a%3Cd", "/a%3cd/x", "/%7ejoe", "/%E3%83%84"],
    );
    let r = rules(
        "user-agent: *\ndisallow: /foo/bar/%62%61%7A\ndisallow: /q?u=a%2fb\n",
        "a",
    );
    check(
        &r,
        &["/foo/bar/ba", "/q?u=a/b"],
        &["/foo/bar/baz", "/q?u=a%2Fb"],
    );
}

#[test]
fn empty_disallow_and_empty_or_missing_groups() {
    check(&rules("user-agent: *\ndisallow:\n", "a"), &["/", "/x"], &[]);
    check(&rules("", "a"), &["/"], &[]);
    check(&rules("user-agent: other\ndisallow: /\n", "a"), &["/"], &[]);
    check(
        &rules("disallow: /\nuser-agent: *\nallow: /\n", "a"),
        &["/x"],
        &[],
    );
    // A group naming us, even an empty one, shadows `*`.
    check(
        &rules("user-agent: *\ndisallow: /\nuser-agent: silk\n", "silk"),
        &["/"],
        &[],
    );
}

#[test]
fn agent_selection() {
    let body = "user-agent: *\ndisallow: /star\n\
                user-agent: Silk/2.0 (+http://x)\ndisallow: /one\n\
                user-agent: silkworm\ndisallow: /worm\n\
                user-agent: other\nuser-agent: SILK\ndisallow: /two\ncrawl-delay: 2\n\
                user-agent: silk\ncrawl-delay: 5\n";
    let silk = rules(body, "silk");
    check(&silk, &["/star", "/worm"], &["/one", "/two"]);
    assert_eq!(silk.crawl_delay(), Some(5.0));
    let worm = rules(body, "SilkWorm/1");
    check(&worm, &["/one", "/star"], &["/worm"]);
    assert_eq!(worm.crawl_delay(), None);
    check(&rules(body, "nobody"), &["/one"], &["/star"]);
    check(&rules(body, "*"), &["/one"], &["/star"]);
    let star_prefix = "user-agent: *bot\ndisallow: /\n";
    check(&rules(star_prefix, "silk"), &["/"], &[]);
}

#[test]
fn merges_groups_for_the_same_agent() {
    let body = "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\n\
                user-agent: *\ndisallow: /star\n\n\
                user-agent: examplebot\ndisallow: /baz\n";
    let r = rules(body, "examplebot");
    check(&r, &["/star", "/qux"], &["/foo", "/bar", "/baz/1"]);
    let star = "user-agent: *\ndisallow: /a\nuser-agent: x\ndisallow: /x\n\
                user-agent: *\ndisallow: /b\n";
    check(&rules(star, "silk"), &["/x"], &["/a", "/b"]);
}

#[test]
fn crawl_delay_parsing() {
    let delay =
        |value: &str| rules(&format!("user-agent: *\ncrawl-delay: {value}\n"), "a").crawl_delay();
    assert_eq!(delay("10"), Some(10.0));
    assert_eq!(delay("0.5"), Some(0.5));
    assert_eq!(delay(" 2.25 # seconds"), Some(2.25));
    assert_eq!(delay("0"), Some(0.0));
    for invalid in ["", "abc", "-1", "1s", "NaN", "inf", "1,5"] {
        assert_eq!(delay(invalid), None, "{invalid:?}");
    }
    let first_valid = rules("user-agent: *\ncrawl-delay: x\ncrawl-delay: 3\n", "a");
    assert_eq!(first_valid.crawl_delay(), Some(3.0));
}

#[test]
fn lenient_syntax() {
    let body = "\u{feff}# comment\r\n  User-Agent : silk # us\r\nDISALLOW:/a\r\n\
                Foo: bar\rno colon here\r\tAllow: /a/b\r\nDisallow:   private  \n";
    let r = rules(body, "silk");
    check(&r, &["/a/b", "/b"], &["/a", "/a/c", "/private"]);
    let bom_only = Robots::parse(b"\xEF\xBB\xBFuser-agent: *\ndisallow: /x\n");
    check(&bom_only.rules_for("a"), &[], &["/x"]);
    let invalid_utf8 = Robots::parse(b"user-agent: *\ndisallow: /\xFF\xFE\ndisallow: /y");
    check(&invalid_utf8.rules_for("a"), &["/x"], &["/y"]);
}

#[test]
fn sitemaps_are_collected_without_affecting_groups() {
    let body = "user-agent: a\nSitemap: https://e.com/s1.xml\nuser-agent: b\n\
                disallow: /\nsitemap:https://e.com/s2.xml\nsitemap: https://e.com/s1.xml\n";
    let robots = Robots::parse(body.as_bytes());
    let expected = ["https://e.com/s1.xml", "https://e.com/s2.xml"];
    assert_eq!(robots.sitemaps(), expected);
    let a = robots.rules_for("a");
    check(&a, &[], &["/x"]);
    assert_eq!(a.sitemaps(), expected);
}

#[test]
fn robots_txt_itself_and_url_helper() {
    let r = rules("user-agent: *\ndisallow: /\n", "a");
    check(&r, &["/robots.txt"], &["/robots.txt.bak", "", "/index"]);
    let url = Url::parse("https://e.com/ok?x=1#f").unwrap();
    assert!(!r.is_allowed_url(&url));
    let r = rules("user-agent: *\ndisallow: /*?x=1$\n", "a");
    assert!(!r.is_allowed_url(&url));
    assert!(r.is_allowed_url(&Url::parse("https://e.com/ok?x=12").unwrap()));
}

#[test]
fn status_semantics() {
    let body = ARENA.as_bytes();
    check(
        &RobotsRules::for_response(200, body, "silk"),
        &["/p"],
        &["/private/x"],
    );
    for status in [301, 400, 401, 403, 404, 410] {
        check(
            &RobotsRules::for_response(status, body, "silk"),
            &["/private/x"],
            &[],
        );
    }
    for status in [429, 500, 503, 599, 100] {
        let r = RobotsRules::for_response(status, body, "silk");
        check(&r, &["/robots.txt"], &["/", "/p"]);
    }
    check(&RobotsRules::allow_all(), &["/"], &[]);
    check(&RobotsRules::default(), &["/"], &[]);
}

#[test]
fn only_the_first_500_kib_is_parsed() {
    let mut body = String::from("user-agent: *\ndisallow: /early\n");
    while body.len() < MAX_ROBOTS_BYTES {
        body.push_str("# padding padding padding padding padding padding\n");
    }
    body.push_str("disallow: /late\n");
    check(&rules(&body, "a"), &["/late"], &["/early"]);
    let prefix = Robots::parsed_prefix(body.as_bytes());
    assert!(prefix.len() <= MAX_ROBOTS_BYTES && prefix.ends_with(b"padding"));
    assert_eq!(Robots::parse(prefix), Robots::parse(body.as_bytes()));
    assert_eq!(Robots::parsed_prefix(ARENA.as_bytes()), ARENA.as_bytes());
}

#[test]
fn a_rule_cut_by_the_500_kib_limit_is_dropped_whole() {
    let mut body = String::from("user-agent: *\ndisallow: /early\n");
    while body.len() < MAX_ROBOTS_BYTES - 5 {
        body.push('\n');
    }
    // `disallow: /private` straddles the limit: reading `disallow: /p` would block `/`.
    body.push_str("disallow: /private\n");
    let r = rules(&body, "a");
    check(&r, &["/p", "/page", "/private"], &["/early"]);
}

#[test]
fn google_leniencies() {
    // A missing colon, when the line is exactly two words.
    let r = rules("user-agent silk\ndisallow /x\ndisallow /y z\n", "silk");
    check(&r, &["/y"], &["/x"]);
    // A whole or partial UTF-8 BOM; a broken one spoils the first line.
    for prefix in [&b"\xEF\xBB\xBF"[..], b"\xEF\xBB", b"\xEF"] {
        let body = [prefix, b"user-agent: *\ndisallow: /x\n"].concat();
        check(&Robots::parse(&body).rules_for("a"), &[], &["/x"]);
    }
    let broken = Robots::parse(b"\xEF\x11user-agent: *\ndisallow: /x\n");
    check(&broken.rules_for("a"), &["/x"], &[]);
    // An allowed index page allows its directory (anchored).
    let r = rules("user-agent: *\nallow: /d/index.htm\ndisallow: /\n", "a");
    check(&r, &["/d/", "/d/index.htm"], &["/d/x", "/d/?q"]);
    // Only MAX_LINE_BYTES of a line are read.
    let long = format!("/{}", "a".repeat(MAX_LINE_BYTES));
    let r = rules(&format!("user-agent: *\ndisallow: {long}/tail\n"), "a");
    let cut = &long[..MAX_LINE_BYTES - "disallow: ".len()];
    check(&r, &[&cut[..cut.len() - 1]], &[cut, &format!("{cut}zz")]);
}

#[test]
fn many_rules_stay_fast_enough() {
    let mut body = String::from("user-agent: *\n");
    for i in 0..2000 {
        body.push_str(&format!(
            "disallow: /section{i}/*.pdf$\nallow: /section{i}/public\n"
        ));
    }
    let r = rules(&body, "a");
    for i in 0..2000 {
        assert!(!r.is_allowed(&format!("/section{i}/x/doc.pdf")));
        assert!(r.is_allowed(&format!("/section{i}/public/doc.html")));
    }
}
