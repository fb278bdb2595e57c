//! `/calendar/{year}/{month}`: the crawler trap. Every month links the previous and the next
//! month, so the pages never run out; only a crawler's depth or page limit stops it.
//!
//! The home page links `/calendar/2026/11` (when faults are on). Calendar pages are not in
//! [`crate::Arena::expected_pages`]: how many a crawler records depends on its limits.

use crate::pages::{simple_page, w};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Parses `{year}/{month}` in canonical form (no leading zeros, year 1..=9999, month 1..=12).
pub(crate) fn parse(rest: &str) -> Option<(u32, u32)> {
    let (year, month) = rest.split_once('/')?;
    let year = u32::try_from(crate::site::parse_index(year)?).ok()?;
    let month = u32::try_from(crate::site::parse_index(month)?).ok()?;
    ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
}

/// The page of one month, linking its neighbours (within years 1..=9999).
pub(crate) fn page(year: u32, month: u32) -> String {
    let (py, pm) = if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
    };
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let name = MONTHS[(month - 1) as usize];
    let mut body = String::from("<nav class=\"months\">");
    if py >= 1 {
        w!(
            body,
            "<a href=\"/calendar/{py}/{pm}\" rel=\"prev\">&larr; {}</a> ",
            MONTHS[(pm - 1) as usize]
        );
    }
    if ny <= 9999 {
        w!(
            body,
            "<a href=\"/calendar/{ny}/{nm}\" rel=\"next\">{} &rarr;</a>",
            MONTHS[(nm - 1) as usize]
        );
    }
    body.push_str("</nav>\n<ul class=\"events\">\n");
    for day in [3, 11, 19, 27] {
        w!(
            body,
            "<li><time>{year}-{month:02}-{day:02}</time> Store event</li>\n"
        );
    }
    body.push_str("</ul>\n<p>This calendar never ends: it is a crawler trap.</p>");
    simple_page(
        &format!("Calendar {year}-{month:02} | Arena"),
        &format!("Events in {name} {year}"),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_strict() {
        assert_eq!(parse("2026/11"), Some((2026, 11)));
        assert_eq!(parse("2026/13"), None);
        assert_eq!(parse("2026/011"), None);
        assert_eq!(parse("0/1"), None);
        assert_eq!(parse("2026/11/"), None);
    }

    #[test]
    fn months_link_neighbours() {
        let dec = page(2026, 12);
        assert!(dec.contains("href=\"/calendar/2026/11\""));
        assert!(dec.contains("href=\"/calendar/2027/1\""));
        assert!(page(1, 1).contains("href=\"/calendar/1/2\""));
        assert!(!page(1, 1).contains("/calendar/0/"));
    }
}
