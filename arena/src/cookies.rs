//! The session pages: a small logged-in area, to test a crawler's cookie jar (RFC 6265)
//! against real `Set-Cookie` headers. Not linked from the shop, so a crawl of `/` never sees
//! them and the default site is unchanged; a test starts at `/login` (or at `/account/` with
//! a session cookie of its own).
//!
//! | Path | Response |
//! |---|---|
//! | `/login` | 302 to `/account/`, setting the cookies of [`LOGIN_COOKIES`]: the session `sid` (HttpOnly, `Path=/`), `acct` (`Path=/account`), `secure_only` (`Secure`: never to be sent over http), `stale` (expired on arrival) and `short` (`Max-Age=3`) |
//! | `/account/`, `/account/1..3` | with `sid=`[`SESSION_ID`]: 200, the user name in `.user`; `/account/` links the other three and `/cookies/echo`. Without: 401 |
//! | `/cookies/echo` | 200 |
//!
//! Every page says which cookies it received, by name only (never a value), sorted, in
//! `<p class="cookies">`: what a test checks the jar sent.

use hyper::header::{HeaderValue, SET_COOKIE};
use hyper::{Response, StatusCode};

use crate::body::BoxBody;
use crate::faults::RequestHeaders;
use crate::pages::simple_page;
use crate::reply;

/// The session id `/login` sets as `sid`, and the one `/account/` pages accept.
pub const SESSION_ID: &str = "arena-session-7f3a9c2e";
/// The user the account pages greet.
pub const USER: &str = "alice";
/// The `Set-Cookie` headers of `/login`.
pub const LOGIN_COOKIES: [&str; 5] = [
    "sid=arena-session-7f3a9c2e; Path=/; HttpOnly",
    "acct=acct-4d1b; Path=/account",
    "secure_only=sec-9a8b; Path=/; Secure",
    "stale=stale-1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    "short=short-1; Path=/; Max-Age=3",
];

/// The session pages' response for `path`, or `None` if it is not one of them.
pub(crate) fn respond(path: &str, headers: &RequestHeaders) -> Option<Response<BoxBody>> {
    let cookies = received(headers);
    let names = names_html(&cookies);
    match path {
        "/login" => {
            let mut resp = reply::redirect(StatusCode::FOUND, "/account/");
            for cookie in LOGIN_COOKIES {
                resp.headers_mut()
                    .append(SET_COOKIE, HeaderValue::from_static(cookie));
            }
            Some(resp)
        }
        "/account/" | "/account/1" | "/account/2" | "/account/3" => {
            let logged_in = cookies
                .iter()
                .any(|(name, value)| *name == "sid" && *value == SESSION_ID);
            if !logged_in {
                return Some(reply::html(
                    StatusCode::UNAUTHORIZED,
                    simple_page(
                        "Log in | Arena",
                        "Log in first",
                        &format!("{names}<p><a href=\"/login\">Log in</a></p>"),
                    ),
                ));
            }
            let links = if path == "/account/" {
                "<ul><li><a href=\"/account/1\">Orders</a></li><li><a href=\"/account/2\">\
                 Addresses</a></li><li><a href=\"/account/3\">Settings</a></li>\
                 <li><a href=\"/cookies/echo\">Cookies</a></li></ul>"
            } else {
                ""
            };
            Some(reply::html(
                StatusCode::OK,
                simple_page(
                    "Account | Arena",
                    "Your account",
                    &format!("<p class=\"user\">{USER}</p>{names}{links}"),
                ),
            ))
        }
        "/cookies/echo" => Some(reply::html(
            StatusCode::OK,
            simple_page("Cookies | Arena", "Cookies received", &names),
        )),
        _ => None,
    }
}

/// The request's cookies as (name, value) pairs.
fn received(headers: &RequestHeaders) -> Vec<(&str, &str)> {
    headers
        .get("cookie")
        .into_iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect()
}

/// `<p class="cookies">` with the cookies' names, sorted (HTML-safe: names are tokens, but
/// anything else is left out).
fn names_html(cookies: &[(&str, &str)]) -> String {
    let mut names: Vec<&str> = cookies
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| {
            n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .collect();
    names.sort_unstable();
    format!("<p class=\"cookies\">{}</p>", names.join(" "))
}
