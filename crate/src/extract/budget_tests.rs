//! Hostile pages against both extraction paths: each budget holds, the page is cut and says
//! so, and the fast path either agrees with scraper or leaves the page to it.

use super::budget::{MAX_ATTRS, MAX_CAPTURED_BYTES, MAX_DEPTH, MAX_LINKS, MAX_URL_LEN};
use super::fast::{try_extract, FastPlan};
use super::tests::compiled;
use super::{extract, extract_with_scraper, PageContent};
use crate::spec::CompiledSpec;
use url::Url;

fn url() -> Url {
    Url::parse("http://h/dir/page").unwrap()
}

/// Both paths on `html`; the fast one must agree or bail. Returns scraper's answer.
fn both(html: &str, spec: &CompiledSpec) -> (PageContent, bool) {
    let slow = extract_with_scraper(html, &url(), spec, true);
    let plan = FastPlan::new(spec).expect("a fast-path spec");
    let fast = try_extract(html, &url(), &plan, true);
    if let Ok(fast) = &fast {
        assert_eq!(fast, &slow, "the paths disagree");
    }
    assert_eq!(extract(html, &url(), spec, true), slow);
    (slow, fast.is_ok())
}

fn cut(c: &PageContent) -> &str {
    c.cut.as_deref().unwrap_or("")
}

#[test]
fn a_long_base_and_many_links_stay_within_the_link_budget() {
    // A 2 MB base and 300,000 `?N` links (each written twice): without the caps every link
    // would be joined to the base, 600 GB of URLs.
    let mut html = format!("<base href=\"/{}/\"><p>", "b".repeat(2 << 20));
    for i in 0..300_000 {
        html += &format!("<a href=?{i}></a><a href='?{i}#x'></a>");
    }
    let (c, fast) = both(&html, &compiled(&[], None));
    assert!(fast, "links alone keep the page on the fast path");
    assert_eq!(c.links.len(), MAX_LINKS);
    assert_eq!(
        c.links[0].as_str(),
        "http://h/dir/page?0",
        "the long base is ignored"
    );
    assert_eq!(c.links_dropped, 600_000 - 2 * MAX_LINKS as u64);
    assert!(
        cut(&c).contains("<base href> longer than 8192 bytes"),
        "{}",
        cut(&c)
    );
    assert!(cut(&c).contains("more than 10000 links"), "{}", cut(&c));
}

#[test]
fn overlong_hrefs_are_dropped_and_counted_on_both_paths() {
    let long = "x".repeat(MAX_URL_LEN);
    let html = format!(
        "<a href=/a></a><a href=/{long}></a><a href=/a#dup></a><meta http-equiv=refresh content='0; url=/{long}'>"
    );
    let (c, fast) = both(&html, &compiled(&[], None));
    assert!(fast);
    let links: Vec<_> = c.links.iter().map(Url::as_str).collect();
    assert_eq!(links, ["http://h/a"], "deduplicated, the long one dropped");
    assert_eq!(c.refresh, None);
    assert_eq!(c.links_dropped, 2);
    assert!(
        cut(&c).contains("2 links longer than 8192 bytes dropped"),
        "{}",
        cut(&c)
    );
}

#[test]
fn nested_follow_matches_do_not_repeat_links() {
    // follow=div over 300 nested divs around 1,000 links: each link once, not 300 times.
    let mut html = "<div>".repeat(300);
    for i in 0..1000 {
        html += &format!("<a href=/l{i}>l</a>");
    }
    html += "<div href=/own></div>";
    let (c, fast) = both(&html, &compiled(&[], Some("div")));
    assert!(fast);
    assert_eq!(c.links.len(), 1001);
    assert_eq!(c.links[1000].as_str(), "http://h/own");
    assert_eq!(c.cut, None);
}

#[test]
fn a_tag_with_a_million_attributes_is_cut_to_the_budget() {
    // 10 MiB in one tag. html5ever's duplicate check would compare ~5e11 pairs.
    let mut html = String::from("<p id=first class=k data-0=v");
    let mut i = 1;
    while html.len() < 10 << 20 {
        html += &format!(" d{i}");
        i += 1;
    }
    html += ">text</p><a href=/after>a</a>";
    let spec = compiled(&["id=p@id", "late=p@d900", "t=p"], None);
    let (c, fast) = both(&html, &spec);
    assert!(!fast, "the fast path leaves such a tag to the scraper path");
    assert_eq!(c.fields[0].1, "first");
    assert_eq!(c.fields[1].1, serde_json::Value::Null, "past the budget");
    assert_eq!(c.fields[2].1, "text");
    assert_eq!(c.links.len(), 1, "the page goes on after the tag");
    assert!(
        cut(&c).contains(&format!("1 tags with more than {MAX_ATTRS} attributes")),
        "{}",
        cut(&c)
    );
}

#[test]
fn an_unterminated_tag_past_the_budget_ends_the_page() {
    let mut html = String::from("<a href=/x>x</a><p ");
    for i in 0..100_000 {
        html += &format!("a{i} ");
    }
    let (c, _) = both(&html, &compiled(&["t=p"], None));
    assert_eq!(c.links.len(), 1);
    assert_eq!(c.fields[0].1, serde_json::Value::Null);
    assert!(cut(&c).contains("attributes"), "{}", cut(&c));
}

#[test]
fn attributes_up_to_the_budget_agree_on_both_paths() {
    let attrs: String = (0..MAX_ATTRS).map(|i| format!(" a{i}={i}")).collect();
    let html = format!("<p{attrs} a0=dup>t</p>");
    let last = format!("last=p@a{}", MAX_ATTRS - 1);
    let (c, fast) = both(&html, &compiled(&[&last], None));
    assert!(!fast, "{MAX_ATTRS} plus a duplicate is past the budget");
    assert_eq!(c.fields[0].1, (MAX_ATTRS - 1).to_string());
    let html = format!("<p{attrs}>t</p>");
    let (c, fast) = both(&html, &compiled(&[&last], None));
    assert!(fast);
    assert_eq!(c.fields[0].1, (MAX_ATTRS - 1).to_string());
    assert_eq!(c.cut, None);
}

#[test]
fn deep_nesting_is_cut_at_the_depth_budget() {
    // 200,000 nested divs, each with text, and a field taking the text of every div:
    // without the budgets, html5ever's scope checks and the field copies are quadratic.
    let mut html = String::new();
    for i in 0..200_000 {
        html += &format!("<div>{i} ");
    }
    let (c, fast) = both(&html, &compiled(&["all[]=div"], None));
    assert!(!fast);
    let values = c.fields[0].1.as_array().unwrap();
    assert!(
        values.len() > MAX_DEPTH - 10 && values.len() < 2 * MAX_DEPTH,
        "{}",
        values.len()
    );
    assert!(cut(&c).contains("nested more than 512 deep"), "{}", cut(&c));
}

#[test]
fn field_text_is_capped_per_page() {
    // 400 nested divs (within the depth budget) around 10 KB of text: a field over every
    // div would copy 4 MB.
    let html = format!("{}{}", "<div>".repeat(400), "word ".repeat(2000));
    let (c, fast) = both(&html, &compiled(&["all[]=div"], None));
    assert!(
        !fast,
        "the fast path leaves the page to scraper, which cuts it"
    );
    let values = c.fields[0].1.as_array().unwrap();
    let total: usize = values.iter().map(|v| v.as_str().unwrap().len()).sum();
    assert!(total <= MAX_CAPTURED_BYTES, "{total}");
    assert!(values.len() < 400);
    assert!(cut(&c).contains("MiB of field text"), "{}", cut(&c));
    // A page within the budget is not cut, and both paths agree.
    let html = format!("{}{}", "<div>".repeat(20), "word ".repeat(2000));
    let (c, fast) = both(&html, &compiled(&["all[]=div"], None));
    assert!(fast);
    assert_eq!(c.cut, None);
}

#[test]
fn cut_is_a_reserved_field_name() {
    let spec = crate::spec::CrawlSpec {
        seeds: vec!["http://h/".into()],
        fields: vec![crate::spec::FieldSpec::parse_cli("cut=h1").unwrap()],
        ..Default::default()
    };
    assert!(spec.compile().is_err());
}
